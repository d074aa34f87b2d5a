//! The rollout plan: where each contract stands, the suggested order from
//! the leak audit, and moves that respect "don't launch in parallel".

use baton_domain::contract::Contract;
use baton_domain::event::Stream;
use baton_domain::period::Period;
use baton_domain::rollout::{Rollout, Stage};
use baton_domain::{Actor, ContractKey};
use baton_store::Change;
use serde::Serialize;

use crate::{App, AppError, Caller};

/// The plan as a reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolloutPlan {
    /// Every contract with its stage (`None`: not started).
    pub contracts: Vec<PlanLine>,
    /// Contracts in the order the leak audit suggests (most ARR leaked,
    /// then at risk, over the last six months).
    pub suggested_order: Vec<ContractKey>,
    /// The sequencing rule, in words.
    pub rule: &'static str,
}

/// One contract's line of the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanLine {
    /// The contract.
    pub contract: ContractKey,
    /// Where it stands.
    pub stage: Option<Stage>,
    /// Why it could not enter gating now (empty: it could).
    pub gating_blockers: Vec<String>,
}

/// A move in the plan.
pub use baton_domain::rollout::Move as RolloutMove;

/// Who plans a contract's rollout: an admin or a lead of its receiving
/// team (the UI asks too, to offer the moves only to them).
pub fn may_plan(actor: &Actor, contract: &Contract) -> bool {
    actor.admin
        || contract
            .current
            .receiving_teams
            .iter()
            .any(|t| actor.leads(t))
}

const RULE: &str = "A contract may not enter gating while another is in gating or has been \
                    scorecard-live for less than two weeks, unless an admin overrides with a reason.";

impl App {
    async fn load_rollout(&self, caller: &Caller) -> Result<Rollout, AppError> {
        let events = self
            .store
            .stream_events(&caller.org, &Stream::Rollout.to_string())
            .await?;
        Ok(Rollout::fold(events.iter().map(|e| &e.event)))
    }

    /// The plan, for any member of the org.
    pub async fn rollout(&self, caller: &Caller) -> Result<RolloutPlan, AppError> {
        self.actor(caller).await?;
        let plan = self.load_rollout(caller).await?;
        let now = self.now();
        let to = Period::month_of(now);
        let from = to.trailing(6)?.first().copied().unwrap_or(to);
        let audit = self.org_leak_audit(&caller.org, from, to).await?;
        let contracts = self
            .store
            .contracts(&caller.org)
            .await?
            .into_iter()
            .map(|c| PlanLine {
                gating_blockers: plan.blockers(&c.key, now),
                stage: plan.stages.get(&c.key).cloned(),
                contract: c.key,
            })
            .collect();
        Ok(RolloutPlan {
            contracts,
            suggested_order: audit.contracts.into_iter().map(|l| l.contract).collect(),
            rule: RULE,
        })
    }

    /// Moves a contract in the plan (an admin or a lead of its receiving
    /// team); the sequencing rule holds unless an admin gives a reason.
    #[tracing::instrument(skip_all, fields(contract = %m.contract))]
    pub async fn move_rollout(
        &self,
        caller: &Caller,
        m: RolloutMove,
    ) -> Result<RolloutPlan, AppError> {
        let actor = self.actor(caller).await?;
        let contract = self
            .store
            .contract(&caller.org, &m.contract)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("contract '{}'", m.contract)))?;
        let holds_pen = may_plan(&actor, &contract);
        let plan = self.load_rollout(caller).await?;
        let at = self.now();
        let e = plan.decide(&actor, holds_pen, m, at)?;
        let mut change = Change::default();
        change.push(e, plan.version + 1, caller.via, at);
        self.store.commit(&caller.org, &change).await?;
        self.rollout(caller).await
    }
}
