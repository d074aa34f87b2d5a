//! Concrete tests (SPEC §6): the automated ones computed from the data, the
//! sampled ones drawn at random from a contract's sample window and answered by an
//! auditor, every draw and answer recorded as an event.

use baton_domain::audit::{Audits, Automated, Sample, automated, sample_window};
use baton_domain::contract::Contract;
use baton_domain::event::{Event, Stream};
use baton_domain::{Actor, ContractKey, DomainError};
use baton_store::Change;
use serde::Serialize;

use crate::{App, AppError, Caller};

/// A contract's concrete tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractAudits {
    /// The contract.
    pub contract: ContractKey,
    /// The seed test in Baton's words (the audit question).
    pub concrete_test: String,
    /// The automated result, where the data allows one.
    pub automated: Option<Automated>,
    /// Sampled audits, newest first.
    pub samples: Vec<Sample>,
    /// Passed among the recorded samples.
    pub samples_passed: usize,
    /// Recorded samples.
    pub samples_recorded: usize,
}

fn audits_as(contract: &Contract, automated: Option<Automated>, audits: Audits) -> ContractAudits {
    let mut samples: Vec<Sample> = audits.samples.into_values().collect();
    samples.sort_by(|a, b| (b.sampled_at, &b.id).cmp(&(a.sampled_at, &a.id)));
    let recorded: Vec<&Sample> = samples.iter().filter(|s| s.result.is_some()).collect();
    ContractAudits {
        contract: contract.key.clone(),
        concrete_test: contract.current.guidance.concrete_test.clone(),
        automated,
        samples_passed: recorded
            .iter()
            .filter(|s| s.result.as_ref().is_some_and(|r| r.passed))
            .count(),
        samples_recorded: recorded.len(),
        samples,
    }
}

/// Auditors: an admin, or a lead of the contract's receiving team (the UI
/// asks too, to offer the audit forms only to them).
pub fn may_audit(actor: &Actor, contract: &Contract) -> Result<(), DomainError> {
    if actor.admin
        || contract
            .current
            .receiving_teams
            .iter()
            .any(|t| actor.leads(t))
    {
        Ok(())
    } else {
        Err(DomainError::Forbidden(format!(
            "only an admin or a lead of the receiving team audits '{}'",
            contract.key
        )))
    }
}

impl App {
    async fn audit_state(
        &self,
        caller: &Caller,
        key: &ContractKey,
    ) -> Result<(Contract, Audits), AppError> {
        let contract = self
            .store
            .contract(&caller.org, key)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("contract '{key}'")))?;
        let events = self
            .store
            .stream_events(&caller.org, &Stream::Audit(key.clone()).to_string())
            .await?;
        Ok((contract, Audits::fold(events.iter().map(|e| &e.event))))
    }

    /// The handoffs an automated concrete test reads: the latest accepted
    /// ones, and every handoff of the latest deals.
    async fn test_pool(
        &self,
        org: &baton_domain::OrgId,
        key: &ContractKey,
    ) -> Result<Vec<baton_domain::Handoff>, AppError> {
        let mut pool = self.store.latest_accepted_of(org, key, 50).await?;
        for h in self.store.latest_deals_of(org, key, 10).await? {
            if !pool.iter().any(|p| p.id == h.id) {
                pool.push(h);
            }
        }
        Ok(pool)
    }

    /// The contract's concrete tests: automated result and sampled history.
    pub async fn audits(
        &self,
        caller: &Caller,
        key: &ContractKey,
    ) -> Result<ContractAudits, AppError> {
        self.actor(caller).await?;
        let (contract, audits) = self.audit_state(caller, key).await?;
        let recent = self.test_pool(&caller.org, key).await?;
        let auto = automated(&contract.current, &recent);
        Ok(audits_as(&contract, auto, audits))
    }

    /// Draws a random handoff from the contract's sample window (the domain's
    /// `sample_window`: submitted in the last week, or for onboarding-to-cs
    /// accepted about 30 days ago) and records the draw with the audit
    /// question.
    pub async fn sample_audit(
        &self,
        caller: &Caller,
        key: &ContractKey,
    ) -> Result<Sample, AppError> {
        let actor = self.actor(caller).await?;
        let (contract, audits) = self.audit_state(caller, key).await?;
        may_audit(&actor, &contract)?;
        let at = self.now();
        let window = sample_window(&contract.current, at)?;
        let candidates = self
            .store
            .in_sample_window(&caller.org, key, &window)
            .await?;
        if candidates.is_empty() {
            return Err(DomainError::Rule(format!(
                "no handoff of '{key}' was {} to sample",
                window.describe
            ))
            .into());
        }
        let pick = candidates[rand::random_range(0..candidates.len())].clone();
        let id = uuid::Uuid::now_v7().to_string();
        let e = Event::AuditSampled {
            audit: id.clone(),
            contract: key.clone(),
            handoff: pick,
            questions: vec![contract.current.guidance.concrete_test.clone()],
            by: actor.email.clone(),
            at,
        };
        self.record_audit_event(caller, audits, e, &id).await
    }

    /// Folds `e` into `audits`, writes it, and returns the sample `id`.
    async fn record_audit_event(
        &self,
        caller: &Caller,
        mut audits: Audits,
        e: Event,
        id: &str,
    ) -> Result<Sample, AppError> {
        let at = e.at().unwrap_or_else(|| self.now());
        audits.apply(&e);
        let mut change = Change::default();
        change.push(e, audits.version, caller.via, at);
        self.store.commit(&caller.org, &change).await?;
        audits
            .samples
            .remove(id)
            .ok_or_else(|| AppError::not_applied("the audit result"))
    }

    /// Records the auditor's answer and verdict on a sample (once).
    pub async fn record_audit(
        &self,
        caller: &Caller,
        key: &ContractKey,
        id: &str,
        answer: &str,
        passed: bool,
    ) -> Result<Sample, AppError> {
        let actor = self.actor(caller).await?;
        let (contract, audits) = self.audit_state(caller, key).await?;
        let Some(sample) = audits.samples.get(id) else {
            return Err(AppError::NotFound(format!("audit '{id}' of '{key}'")));
        };
        may_audit(&actor, &contract)?;
        if sample.result.is_some() {
            return Err(DomainError::Rule(format!("audit '{id}' already has its result")).into());
        }
        if answer.trim().is_empty() {
            return Err(DomainError::value(
                "answer",
                "write down what the receiver stated (or could not)",
            )
            .into());
        }
        let at = self.now();
        let e = Event::AuditRecorded {
            audit: id.to_string(),
            contract: key.clone(),
            answer: answer.trim().to_string(),
            passed,
            by: actor.email.clone(),
            at,
        };
        self.record_audit_event(caller, audits, e, id).await
    }

    /// Every contract's concrete tests (the CLI), as any member sees them.
    pub async fn org_audits(
        &self,
        org: &baton_domain::OrgId,
    ) -> Result<Vec<ContractAudits>, AppError> {
        let mut out = Vec::new();
        for contract in self.store.contracts(org).await? {
            let events = self
                .store
                .stream_events(org, &Stream::Audit(contract.key.clone()).to_string())
                .await?;
            let recent = self.test_pool(org, &contract.key).await?;
            let auto = automated(&contract.current, &recent);
            out.push(audits_as(
                &contract,
                auto,
                Audits::fold(events.iter().map(|e| &e.event)),
            ));
        }
        Ok(out)
    }
}
