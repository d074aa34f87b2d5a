//! The fold of a whole org's log into its aggregates: what a rebuild writes,
//! and the proof that live writes and replay agree.

use std::collections::BTreeMap;

use crate::account::Account;
use crate::contract::{Contract, ContractDef};
use crate::event::{Event, Stream};
use crate::handoff::Handoff;
use crate::id::{AccountId, ContractKey, HandoffId};

/// An org's aggregates, folded from its events.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgState {
    /// The org stream's version.
    pub version: u64,
    /// Contracts by key.
    pub contracts: BTreeMap<ContractKey, Contract>,
    /// Every published version's definition.
    pub versions: BTreeMap<(ContractKey, u32), ContractDef>,
    /// Accounts by id.
    pub accounts: BTreeMap<AccountId, Account>,
    /// Handoffs by id.
    pub handoffs: BTreeMap<HandoffId, Handoff>,
}

impl OrgState {
    /// Folds one event in. Events that reference what does not exist (which
    /// the write path never records) are skipped rather than invented.
    pub fn apply(&mut self, event: &Event) {
        match event.stream() {
            Stream::Org => self.version += 1,
            // The rollout plan and audits are read by folding their own streams.
            Stream::Rollout | Stream::Audit(_) => {}
            Stream::Contract(key) => {
                if let Event::ContractPublished {
                    contract,
                    version,
                    definition,
                    ..
                } = event
                {
                    self.versions
                        .insert((contract.clone(), *version), (**definition).clone());
                }
                let state = self.contracts.remove(&key);
                if let Some(c) = Contract::apply(state, event) {
                    self.contracts.insert(key, c);
                }
            }
            Stream::Account(id) => {
                let state = self.accounts.remove(&id);
                if let Some(a) = Account::apply(state, event) {
                    self.accounts.insert(id, a);
                }
            }
            Stream::Handoff(id) => {
                if let Some(h) = self.handoffs.get_mut(&id) {
                    if let Some(def) = self.versions.get(&(h.contract.clone(), h.version)) {
                        h.apply(event, def);
                    }
                } else if let Some((contract, version)) = first_event_binding(event)
                    && let Some(def) = self.versions.get(&(contract.clone(), version))
                    && let Some(h) = Handoff::from_event(event, def)
                {
                    self.handoffs.insert(id, h);
                }
            }
        }
    }
}

fn first_event_binding(event: &Event) -> Option<(&ContractKey, u32)> {
    match event {
        Event::DraftCreated {
            contract, version, ..
        } => Some((contract, *version)),
        Event::Submitted {
            contract: Some(contract),
            version: Some(version),
            ..
        } => Some((contract, *version)),
        _ => None,
    }
}
