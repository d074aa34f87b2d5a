//! Contracts: reading them, publishing a version, and proposing changes to
//! them. The receiving team holds the pen; the sending team may only
//! propose, and a proposal is recorded on the contract's stream for the
//! receiving team to act on.

use baton_domain::contract::{Contract, ContractDef};
use baton_domain::event::{Event, Stream};
use baton_domain::proposal::Proposal as DomainProposal;
use baton_domain::{ContractKey, FieldDef, OrgId};
use baton_store::{Change, VersionRecord};

use crate::{App, AppError, Caller};

/// A change proposed by the sending team, with the receiving team's
/// answer once given.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// Its id: the event's org-wide sequence number.
    pub id: u64,
    /// What the contract's stream says of it.
    pub proposal: baton_domain::proposal::Proposal,
}

impl std::ops::Deref for Proposal {
    type Target = baton_domain::proposal::Proposal;
    fn deref(&self) -> &Self::Target {
        &self.proposal
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
            .ok_or_else(|| AppError::not_applied("the proposal"))?;
        let number = next.stream_version;
        let mut change = Change::default();
        change.contract(next, e.clone(), caller.via, at);
        let id = self.store.commit(&caller.org, &change).await?;
        let mut folded = Vec::with_capacity(1);
        DomainProposal::apply(&mut folded, number, &e);
        let proposal = folded
            .pop()
            .ok_or_else(|| AppError::not_applied("the proposal"))?;
        Ok(Proposal { id, proposal })
    }

    /// Answers a proposal (a lead of the receiving team, or an admin):
    /// accepted or declined, with the reason the sending team reads.
    #[tracing::instrument(skip_all, fields(contract = %key, proposal = id))]
    pub async fn answer_proposal(
        &self,
        caller: &Caller,
        key: &ContractKey,
        id: u64,
        accepted: bool,
        reason: &str,
    ) -> Result<Proposal, AppError> {
        let actor = self.actor(caller).await?;
        let current = self.contract(caller, key).await?;
        let Some(mut found) = self
            .proposal_list(&caller.org, key)
            .await?
            .into_iter()
            .find(|p| p.id == id)
        else {
            return Err(AppError::NotFound(format!(
                "proposal {id} of contract '{key}'"
            )));
        };
        let at = self.now();
        let e = found
            .proposal
            .answer(&current, &actor, accepted, reason, at)?;
        let next = Contract::apply(Some(current), &e)
            .ok_or_else(|| AppError::not_applied("the answer"))?;
        let mut change = Change::default();
        change.contract(next, e.clone(), caller.via, at);
        self.store.commit(&caller.org, &change).await?;
        let mut one = vec![found.proposal];
        DomainProposal::apply(&mut one, 0, &e);
        found.proposal = one.remove(0);
        Ok(found)
    }

    /// The proposals made on a contract, oldest first.
    pub async fn proposals(
        &self,
        caller: &Caller,
        key: &ContractKey,
    ) -> Result<Vec<Proposal>, AppError> {
        self.contract(caller, key).await?;
        self.proposal_list(&caller.org, key).await
    }

    /// The proposals on a contract's stream, each with its org-wide id.
    pub(crate) async fn proposal_list(
        &self,
        org: &OrgId,
        key: &ContractKey,
    ) -> Result<Vec<Proposal>, AppError> {
        let stream = Stream::Contract(key.clone()).to_string();
        let events = self.store.stream_events(org, &stream).await?;
        let ids: std::collections::HashMap<u64, u64> = events
            .iter()
            .filter(|e| matches!(e.event, Event::ContractProposed { .. }))
            .map(|e| (e.stream_seq, e.seq))
            .collect();
        Ok(
            DomainProposal::fold(events.iter().map(|e| (e.stream_seq, &e.event)))
                .into_iter()
                .filter_map(|proposal| {
                    let id = *ids.get(&proposal.number)?;
                    Some(Proposal { id, proposal })
                })
                .collect(),
        )
    }
}

impl App {
    /// A contract of the org, or not found.
    pub(crate) async fn load_contract(
        &self,
        org: &OrgId,
        key: &ContractKey,
    ) -> Result<Contract, AppError> {
        self.store
            .contract(org, key)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("contract '{key}'")))
    }

    /// Publishes a new version of a contract (receiving-team lead or admin).
    /// Handoffs already started keep the version they were bound to.
    #[tracing::instrument(skip_all, fields(contract = %def.key))]
    pub async fn publish_contract(
        &self,
        caller: &Caller,
        def: ContractDef,
    ) -> Result<Contract, AppError> {
        let actor = self.actor(caller).await?;
        let at = self.now();
        let mut change = Change::default();
        let contract = match self.store.contract(&caller.org, &def.key).await? {
            Some(current) => {
                let e = current.publish(&actor, def, at)?;
                let next = Contract::apply(Some(current), &e);
                (e, next)
            }
            None => {
                let e = Contract::create(Some(&actor), def, at)?;
                let next = Contract::apply(None, &e);
                (e, next)
            }
        };
        let (e, Some(next)) = contract else {
            return Err(AppError::not_applied("the contract"));
        };
        let mut sources = Vec::new();
        for key in next.current.carried_sources() {
            if let Some(c) = self.store.contract(&caller.org, key).await? {
                sources.push(c);
            }
        }
        next.current
            .check_carried_from(|key| sources.iter().find(|c| c.key == *key).map(|c| &c.current))?;
        change.contract(next.clone(), e, caller.via, at);
        self.store.commit(&caller.org, &change).await?;
        Ok(next)
    }
}
