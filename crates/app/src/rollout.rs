//! The rollout plan: where each contract stands, the suggested order from
//! the leak audit, and moves that respect "don't launch in parallel".

use baton_domain::contract::Contract;
use baton_domain::event::{Event, Stream};
use baton_domain::period::Period;
use baton_domain::rollout::{Rollout, Stage};
use baton_domain::{Actor, ContractKey, Timestamp};
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

/// A switch between observe and gated.
pub use baton_domain::rollout::ModeSwitch;
/// A move in the plan.
pub use baton_domain::rollout::Move as RolloutMove;

/// Who plans a contract's rollout: an admin or a lead of its receiving
/// team (the UI asks too, to offer the moves only to them).
pub fn may_plan(actor: &Actor, contract: &Contract) -> bool {
    contract.holds_pen(actor)
}

const RULE: &str = "Phases go in order, and a contract is gated exactly while it is in gating or \
                    later. A contract may not enter gating while another is in gating or has been \
                    scorecard-live for less than two weeks. An admin may override either rule with \
                    a reason, which is recorded.";

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
    /// team); the rules hold unless an admin gives a reason. A move across
    /// the gating line switches the contract's mode in the same commit.
    #[tracing::instrument(skip_all, fields(contract = %m.contract))]
    pub async fn move_rollout(
        &self,
        caller: &Caller,
        m: RolloutMove,
    ) -> Result<RolloutPlan, AppError> {
        self.retrying(&caller.org, "rollout", || async {
            let actor = self.actor(caller).await?;
            let contract = self.load_contract(&caller.org, &m.contract).await?;
            let plan = self.load_rollout(caller).await?;
            let at = self.now();
            let events = plan.decide(
                &actor,
                contract.holds_pen(&actor),
                m.clone(),
                contract.mode,
                at,
            )?;
            self.commit_plan(caller, plan, contract, events, at).await
        })
        .await?;
        self.rollout(caller).await
    }

    /// Switches a contract between observe and gated, as the rollout move
    /// it implies (gated enters gating, observe goes back to the field
    /// spec), under the same rules as a move on the board.
    #[tracing::instrument(skip_all, fields(contract = %switch.contract))]
    pub async fn set_mode(
        &self,
        caller: &Caller,
        switch: ModeSwitch,
    ) -> Result<Contract, AppError> {
        self.retrying(&caller.org, "rollout", || async {
            let actor = self.actor(caller).await?;
            let contract = self.load_contract(&caller.org, &switch.contract).await?;
            let plan = self.load_rollout(caller).await?;
            let at = self.now();
            let events = plan.decide_mode(
                &actor,
                contract.holds_pen(&actor),
                switch.clone(),
                contract.mode,
                at,
            )?;
            self.commit_plan(caller, plan, contract, events, at).await
        })
        .await
    }

    /// Writes a plan decision: the rollout event and the contract's mode
    /// change, each at its stream's next version, in one commit. Returns
    /// the contract as it now is.
    async fn commit_plan(
        &self,
        caller: &Caller,
        mut plan: Rollout,
        mut contract: Contract,
        events: Vec<Event>,
        at: Timestamp,
    ) -> Result<Contract, AppError> {
        if events.is_empty() {
            return Ok(contract);
        }
        let mut change = Change::default();
        let mut mode_changed = false;
        for e in events {
            if matches!(e, Event::ModeChanged { .. }) {
                contract = Contract::apply(Some(contract), &e)
                    .ok_or_else(|| AppError::not_applied("the mode change"))?;
                change.push(e, contract.stream_version, caller.via, at);
                mode_changed = true;
            } else {
                plan.apply(&e);
                change.push(e, plan.version, caller.via, at);
            }
        }
        if mode_changed {
            change.contracts.push(contract.clone());
        }
        self.store.commit(&caller.org, &change).await?;
        Ok(contract)
    }
}
