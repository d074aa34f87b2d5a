//! Reading contracts and proposing changes to them. The receiving team holds
//! the pen (publishing lives in [`crate::org`]); the sending team may only
//! propose, and a proposal is recorded on the contract's stream for the
//! receiving team to act on.

use baton_domain::contract::Contract;
use baton_domain::event::{Event, Stream};
use baton_domain::{ContractKey, Email, FieldDef, Timestamp};
use baton_store::{Change, VersionRecord};

use crate::{App, AppError, Caller};

/// A change proposed by the sending team.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// Its id: the event's org-wide sequence number.
    pub id: u64,
    /// The contract.
    pub contract: ContractKey,
    /// The version it was made against.
    pub version: u32,
    /// What should change, and why.
    pub summary: String,
    /// Field definitions proposed.
    pub fields: Vec<FieldDef>,
    /// Who proposed it.
    pub by: Email,
    /// When.
    pub at: Timestamp,
}

impl Proposal {
    fn from_event(id: u64, e: Event) -> Option<Self> {
        match e {
            Event::ContractProposed {
                contract,
                version,
                summary,
                fields,
                by,
                at,
            } => Some(Self {
                id,
                contract,
                version,
                summary,
                fields,
                by,
                at,
            }),
            _ => None,
        }
    }
}

impl App {
    /// Every contract of the org with its current version.
    pub async fn contracts(&self, caller: &Caller) -> Result<Vec<Contract>, AppError> {
        self.actor(caller).await?;
        Ok(self.store.contracts(&caller.org).await?)
    }

    /// One contract with its current version.
    pub async fn contract(&self, caller: &Caller, key: &ContractKey) -> Result<Contract, AppError> {
        self.actor(caller).await?;
        self.store
            .contract(&caller.org, key)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("contract '{key}'")))
    }

    /// Every published version of a contract, oldest first.
    pub async fn contract_history(
        &self,
        caller: &Caller,
        key: &ContractKey,
    ) -> Result<Vec<VersionRecord>, AppError> {
        self.contract(caller, key).await?;
        Ok(self.store.contract_versions(&caller.org, key).await?)
    }

    /// Proposes a change to a contract (a member of its sending team). The
    /// contract itself does not change.
    #[tracing::instrument(skip_all, fields(contract = %key))]
    pub async fn propose_change(
        &self,
        caller: &Caller,
        key: &ContractKey,
        summary: &str,
        fields: Vec<FieldDef>,
    ) -> Result<Proposal, AppError> {
        let actor = self.actor(caller).await?;
        let current = self
            .store
            .contract(&caller.org, key)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("contract '{key}'")))?;
        let at = self.now();
        let e = current.propose(&actor, summary, fields, at)?;
        let next = Contract::apply(Some(current), &e)
            .ok_or_else(|| AppError::Invalid("the proposal did not apply".into()))?;
        let mut change = Change::default();
        change.push(e.clone(), next.stream_version, caller.via, at);
        change.contracts.push(next);
        let id = self.store.commit(&caller.org, &change).await?;
        Proposal::from_event(id, e)
            .ok_or_else(|| AppError::Invalid("the proposal did not apply".into()))
    }

    /// The proposals made on a contract, oldest first.
    pub async fn proposals(
        &self,
        caller: &Caller,
        key: &ContractKey,
    ) -> Result<Vec<Proposal>, AppError> {
        self.contract(caller, key).await?;
        let stream = Stream::Contract(key.clone()).to_string();
        Ok(self
            .store
            .stream_events(&caller.org, &stream)
            .await?
            .into_iter()
            .filter_map(|e| Proposal::from_event(e.seq, e.event))
            .collect())
    }
}
