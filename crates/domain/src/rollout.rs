//! The rollout plan (SPEC §6): each contract moves through leak audit, field
//! spec, gating, scorecard live, expand and incentive tune, one at a time.
//! "Don't launch in parallel": a contract may not enter gating while another
//! is in gating or has been scorecard-live for less than two weeks, unless an
//! admin overrides with a reason, which is recorded.
//!
//! The plan is the one source of truth for the gate: a contract is gated
//! exactly while it is in gating or a later phase, so a mode switch is the
//! rollout move it implies and obeys the same rules, and a move that crosses
//! the gating line switches the mode in the same change. Phases go in order
//! (one step forward at a time; back to any earlier phase); skipping ahead
//! is an override like launching in parallel.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use jiff::civil::Date;
use serde::Serialize;

pub mod phase;

pub use phase::{PHASES, Phase};

use crate::contract::Mode;
use crate::event::Event;
use crate::{Actor, ContractKey, DomainError, Timestamp};

/// How long a contract must be scorecard-live before the next enters gating.
pub const SETTLE: SignedDuration = SignedDuration::from_hours(14 * 24);

/// Where one contract stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// The phase.
    pub phase: Phase,
    /// Since when.
    pub since: Timestamp,
    /// Planned start dates per phase.
    pub planned: BTreeMap<Phase, Date>,
    /// The reason given when this move overrode the sequencing rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub override_reason: Option<String>,
    /// The phases it was in before, oldest first, each with when it was
    /// entered (the board draws the way here on its timeline).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<Entered>,
}

/// A phase a contract entered, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Entered {
    /// The phase.
    pub phase: Phase,
    /// When it was entered.
    pub at: Timestamp,
}

/// A move of one contract in the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    /// The contract.
    pub contract: ContractKey,
    /// Its new phase.
    pub phase: Phase,
    /// Planned start dates per phase.
    pub planned: BTreeMap<Phase, Date>,
    /// An admin's reason for overriding the sequencing rule.
    pub override_reason: Option<String>,
}

/// A request to switch a contract between observe and gated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeSwitch {
    /// The contract.
    pub contract: ContractKey,
    /// The mode wanted.
    pub mode: Mode,
    /// An admin's reason for overriding the rollout's rules, if needed.
    pub reason: Option<String>,
}

/// The org's rollout plan: the fold of its `rollout` stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Rollout {
    /// Contracts that have a stage (the others have not started).
    pub stages: BTreeMap<ContractKey, Stage>,
    /// Events folded (optimistic concurrency).
    pub version: u64,
}

impl Rollout {
    /// Folds the stream's events, oldest first.
    pub fn fold<'e>(events: impl IntoIterator<Item = &'e Event>) -> Self {
        let mut r = Self::default();
        for e in events {
            r.apply(e);
        }
        r
    }

    /// Folds one event in.
    pub fn apply(&mut self, e: &Event) {
        if let Event::RolloutChanged {
            contract,
            phase,
            planned,
            override_reason,
            at,
            ..
        } = e
        {
            let earlier = match self.stages.remove(contract) {
                Some(before) => {
                    let mut e = before.earlier;
                    e.push(Entered {
                        phase: before.phase,
                        at: before.since,
                    });
                    e
                }
                None => Vec::new(),
            };
            let stage = Stage {
                phase: *phase,
                since: *at,
                planned: planned.clone(),
                override_reason: override_reason.clone(),
                earlier,
            };
            self.stages.insert(contract.clone(), stage);
            self.version += 1;
        }
    }

    /// Why `contract` may not enter gating at `at`: every other contract in
    /// gating, or scorecard-live for less than two weeks.
    pub fn blockers(&self, contract: &ContractKey, at: Timestamp) -> Vec<String> {
        self.stages
            .iter()
            .filter(|(k, _)| *k != contract)
            .filter_map(|(k, s)| match s.phase {
                Phase::Gating => Some(format!("'{k}' is in gating")),
                Phase::ScorecardLive
                    if s.since
                        .checked_add(SETTLE)
                        .is_ok_and(|settled| at < settled) =>
                {
                    Some(format!(
                        "'{k}' has been scorecard-live only since {}",
                        s.since
                    ))
                }
                _ => None,
            })
            .collect()
    }

    /// The phase a contract is in (`None`: its rollout has not started).
    pub fn phase_of(&self, contract: &ContractKey) -> Option<Phase> {
        self.stages.get(contract).map(|s| s.phase)
    }

    /// Decides a move of a contract to a phase with planned dates, and the
    /// mode switch the move implies when it crosses the gating line
    /// (`mode` is the contract's mode now). `holds_pen`: the actor is an
    /// admin or a lead of the contract's receiving team. Skipping a phase,
    /// or entering gating against the sequencing rule, needs an admin and a
    /// reason, which is recorded.
    pub fn decide(
        &self,
        actor: &Actor,
        holds_pen: bool,
        m: Move,
        mode: Mode,
        at: Timestamp,
    ) -> Result<Vec<Event>, DomainError> {
        let Move {
            contract,
            phase,
            planned,
            override_reason,
        } = m;
        let contract = &contract;
        if !holds_pen {
            return Err(DomainError::Forbidden(format!(
                "only an admin or a lead of the receiving team plans the rollout of '{contract}'"
            )));
        }
        let reason = override_reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        let from = self.phase_of(contract);
        let mut broken = Vec::new();
        if let Some(next) = Phase::after(from)
            && phase > next
        {
            let now = from.map_or("has not started".to_string(), |p| format!("is in {p}"));
            broken.push(format!(
                "phases go in order: '{contract}' {now}, so its next phase is {next}, not {phase}"
            ));
        }
        if phase == Phase::Gating && from != Some(Phase::Gating) {
            let blockers = self.blockers(contract, at);
            if !blockers.is_empty() {
                broken.push(format!("don't launch in parallel: {}", blockers.join("; ")));
            }
        }
        let override_reason = match (broken.is_empty(), reason) {
            (true, _) => None,
            (false, None) => {
                return Err(DomainError::Rule(format!(
                    "{}. An admin may override with a reason.",
                    broken.join(". ")
                )));
            }
            (false, Some(_)) if !actor.admin => {
                return Err(DomainError::Forbidden(
                    "only an admin may override the rollout's rules".into(),
                ));
            }
            (false, Some(r)) => Some(r),
        };
        let mut events = vec![Event::RolloutChanged {
            contract: contract.clone(),
            phase,
            planned,
            override_reason,
            by: actor.email.clone(),
            at,
        }];
        if phase.mode() != mode {
            events.push(Event::ModeChanged {
                contract: contract.clone(),
                mode: phase.mode(),
                by: Some(actor.email.clone()),
                at,
            });
        }
        Ok(events)
    }

    /// Decides a switch of a contract's mode as the rollout move it implies:
    /// gated enters gating (under the same rules as a move on the board),
    /// observe goes back to the field spec. Setting the mode it already has
    /// changes nothing (no events), so a repeated PUT is harmless.
    pub fn decide_mode(
        &self,
        actor: &Actor,
        holds_pen: bool,
        switch: ModeSwitch,
        current: Mode,
        at: Timestamp,
    ) -> Result<Vec<Event>, DomainError> {
        let ModeSwitch {
            contract,
            mode,
            reason,
        } = switch;
        let contract = &contract;
        if !holds_pen {
            return Err(DomainError::Forbidden(format!(
                "only a lead of the receiving team or an admin may change the mode of '{contract}'"
            )));
        }
        if mode == current {
            return Ok(Vec::new());
        }
        let phase = self.phase_of(contract);
        let target = match mode {
            Mode::Gated if phase.is_none_or(|p| p < Phase::Gating) => Some(Phase::Gating),
            Mode::Observe if phase.is_some_and(|p| p >= Phase::Gating) => Some(Phase::FieldSpec),
            // A plan recorded before the two were tied together (or imported
            // history) may disagree with the mode: only the mode moves.
            _ => None,
        };
        match target {
            Some(phase) => {
                let planned = self
                    .stages
                    .get(contract)
                    .map(|s| s.planned.clone())
                    .unwrap_or_default();
                let m = Move {
                    contract: contract.clone(),
                    phase,
                    planned,
                    override_reason: reason,
                };
                self.decide(actor, holds_pen, m, current, at)
            }
            None => Ok(vec![Event::ModeChanged {
                contract: contract.clone(),
                mode,
                by: Some(actor.email.clone()),
                at,
            }]),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::Email;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn key(k: &str) -> ContractKey {
        ContractKey::parse(k).unwrap_or_else(|_| unreachable!())
    }

    fn admin(is: bool) -> Actor {
        Actor {
            email: Email::parse("ops@acme.test").unwrap_or_else(|_| unreachable!()),
            admin: is,
            teams: BTreeMap::new(),
        }
    }

    /// A move decided for an observed contract; the rollout event alone.
    fn decide(
        r: &Rollout,
        actor: &Actor,
        pen: bool,
        m: Move,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        r.decide(actor, pen, m, Mode::Observe, at)
            .map(|mut events| events.remove(0))
    }

    fn moved(r: &mut Rollout, k: &str, phase: Phase, at: &str) {
        let e = decide(
            r,
            &admin(true),
            true,
            Move {
                contract: key(k),
                phase,
                planned: BTreeMap::new(),
                override_reason: Some("setup".into()),
            },
            t(at),
        )
        .unwrap_or_else(|e| unreachable!("{e}"));
        r.apply(&e);
    }

    #[test]
    fn a_second_contract_cannot_enter_gating_beside_one_in_gating() {
        let mut r = Rollout::default();
        moved(
            &mut r,
            "ae-to-onboarding",
            Phase::Gating,
            "2026-10-01T00:00:00Z",
        );
        let e = decide(
            &r,
            &admin(true),
            true,
            Move {
                contract: key("sdr-to-ae"),
                phase: Phase::Gating,
                planned: BTreeMap::new(),
                override_reason: None,
            },
            t("2026-10-20T00:00:00Z"),
        );
        let msg = e.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains("don't launch in parallel") && msg.contains("ae-to-onboarding"),
            "{msg}"
        );
    }

    #[test]
    fn scorecard_live_blocks_for_two_weeks_then_not() {
        let mut r = Rollout::default();
        moved(
            &mut r,
            "ae-to-onboarding",
            Phase::ScorecardLive,
            "2026-10-01T00:00:00Z",
        );
        moved(
            &mut r,
            "sdr-to-ae",
            Phase::FieldSpec,
            "2026-09-01T00:00:00Z",
        );
        let early = decide(
            &r,
            &admin(false),
            true,
            Move {
                contract: key("sdr-to-ae"),
                phase: Phase::Gating,
                planned: BTreeMap::new(),
                override_reason: None,
            },
            t("2026-10-14T23:59:59Z"),
        );
        assert!(early.is_err());
        let later = decide(
            &r,
            &admin(false),
            true,
            Move {
                contract: key("sdr-to-ae"),
                phase: Phase::Gating,
                planned: BTreeMap::new(),
                override_reason: None,
            },
            t("2026-10-15T00:00:00Z"),
        );
        assert!(later.is_ok());
    }

    #[test]
    fn an_override_needs_an_admin_and_a_reason_and_is_recorded() {
        let mut r = Rollout::default();
        moved(
            &mut r,
            "ae-to-onboarding",
            Phase::Gating,
            "2026-10-01T00:00:00Z",
        );
        let at = t("2026-10-02T00:00:00Z");
        let blank = decide(
            &r,
            &admin(true),
            true,
            Move {
                contract: key("sdr-to-ae"),
                phase: Phase::Gating,
                planned: BTreeMap::new(),
                override_reason: Some("   ".into()),
            },
            at,
        );
        assert!(
            matches!(blank, Err(DomainError::Rule(_))),
            "a blank reason is no reason"
        );
        let lead = decide(
            &r,
            &admin(false),
            true,
            Move {
                contract: key("sdr-to-ae"),
                phase: Phase::Gating,
                planned: BTreeMap::new(),
                override_reason: Some("board asked".into()),
            },
            at,
        );
        assert!(matches!(lead, Err(DomainError::Forbidden(_))));
        let ok = decide(
            &r,
            &admin(true),
            true,
            Move {
                contract: key("sdr-to-ae"),
                phase: Phase::Gating,
                planned: BTreeMap::new(),
                override_reason: Some("board asked".into()),
            },
            at,
        );
        assert!(
            matches!(ok, Ok(Event::RolloutChanged { override_reason: Some(ref r), .. }) if r == "board asked")
        );
    }

    #[test]
    fn a_stage_remembers_the_phases_before_it() {
        let mut r = Rollout::default();
        moved(
            &mut r,
            "sdr-to-ae",
            Phase::LeakAudit,
            "2026-09-01T00:00:00Z",
        );
        moved(
            &mut r,
            "sdr-to-ae",
            Phase::FieldSpec,
            "2026-09-15T00:00:00Z",
        );
        moved(
            &mut r,
            "mql-to-sdr",
            Phase::LeakAudit,
            "2026-09-20T00:00:00Z",
        );
        moved(&mut r, "sdr-to-ae", Phase::Gating, "2026-09-29T00:00:00Z");
        let stage = r.stages.get(&key("sdr-to-ae"));
        assert_eq!(stage.map(|s| s.phase), Some(Phase::Gating));
        let earlier: Vec<(Phase, Timestamp)> = stage
            .map(|s| s.earlier.iter().map(|e| (e.phase, e.at)).collect())
            .unwrap_or_default();
        assert_eq!(
            earlier,
            [
                (Phase::LeakAudit, t("2026-09-01T00:00:00Z")),
                (Phase::FieldSpec, t("2026-09-15T00:00:00Z")),
            ]
        );
        assert!(
            r.stages
                .get(&key("mql-to-sdr"))
                .is_some_and(|s| s.earlier.is_empty())
        );
    }

    #[test]
    fn moves_outside_gating_and_staying_in_gating_are_free() {
        let mut r = Rollout::default();
        moved(
            &mut r,
            "ae-to-onboarding",
            Phase::Gating,
            "2026-10-01T00:00:00Z",
        );
        moved(
            &mut r,
            "sdr-to-ae",
            Phase::LeakAudit,
            "2026-09-01T00:00:00Z",
        );
        let at = t("2026-10-02T00:00:00Z");
        assert!(
            decide(
                &r,
                &admin(false),
                true,
                Move {
                    contract: key("sdr-to-ae"),
                    phase: Phase::FieldSpec,
                    planned: BTreeMap::new(),
                    override_reason: None
                },
                at
            )
            .is_ok()
        );
        assert!(
            decide(
                &r,
                &admin(false),
                true,
                Move {
                    contract: key("ae-to-onboarding"),
                    phase: Phase::Gating,
                    planned: BTreeMap::new(),
                    override_reason: None
                },
                at
            )
            .is_ok()
        );
        assert!(
            decide(
                &r,
                &admin(false),
                false,
                Move {
                    contract: key("sdr-to-ae"),
                    phase: Phase::FieldSpec,
                    planned: BTreeMap::new(),
                    override_reason: None
                },
                at
            )
            .is_err()
        );
    }

    fn to(k: &str, phase: Phase) -> Move {
        Move {
            contract: key(k),
            phase,
            planned: BTreeMap::new(),
            override_reason: None,
        }
    }

    fn switch(k: &str, mode: Mode, reason: Option<&str>) -> ModeSwitch {
        ModeSwitch {
            contract: key(k),
            mode,
            reason: reason.map(str::to_string),
        }
    }

    #[test]
    fn switching_a_second_contract_to_gated_obeys_dont_launch_in_parallel() {
        let mut r = Rollout::default();
        moved(
            &mut r,
            "ae-to-onboarding",
            Phase::Gating,
            "2026-10-01T00:00:00Z",
        );
        moved(
            &mut r,
            "sdr-to-ae",
            Phase::FieldSpec,
            "2026-10-01T00:00:00Z",
        );
        let at = t("2026-10-02T00:00:00Z");
        let refused = r.decide_mode(
            &admin(true),
            true,
            switch("sdr-to-ae", Mode::Gated, None),
            Mode::Observe,
            at,
        );
        let msg = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("don't launch in parallel"), "{msg}");
        let overridden = r
            .decide_mode(
                &admin(true),
                true,
                switch("sdr-to-ae", Mode::Gated, Some("board asked")),
                Mode::Observe,
                at,
            )
            .unwrap();
        assert!(matches!(
            overridden.as_slice(),
            [
                Event::RolloutChanged { phase: Phase::Gating, override_reason: Some(r), .. },
                Event::ModeChanged { mode: Mode::Gated, .. },
            ] if r == "board asked"
        ));
    }

    #[test]
    fn phases_go_in_order_unless_an_admin_skips_with_a_reason() {
        let mut r = Rollout::default();
        let at = t("2026-10-02T00:00:00Z");
        let lead = admin(false);
        let skip = decide(&r, &lead, true, to("sdr-to-ae", Phase::Gating), at);
        let msg = skip.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains("phases go in order") && msg.contains("leak_audit"),
            "{msg}"
        );
        let by_mode = r.decide_mode(
            &lead,
            true,
            switch("sdr-to-ae", Mode::Gated, None),
            Mode::Observe,
            at,
        );
        assert!(
            by_mode.is_err(),
            "a mode switch cannot skip the plan either"
        );
        assert!(decide(&r, &lead, true, to("sdr-to-ae", Phase::LeakAudit), at).is_ok());
        moved(
            &mut r,
            "sdr-to-ae",
            Phase::LeakAudit,
            "2026-10-01T00:00:00Z",
        );
        let jump = decide(&r, &lead, true, to("sdr-to-ae", Phase::IncentiveTune), at);
        assert!(matches!(jump, Err(DomainError::Rule(_))));
        let mut with_reason = to("sdr-to-ae", Phase::IncentiveTune);
        with_reason.override_reason = Some("reason".into());
        assert!(matches!(
            decide(&r, &lead, true, with_reason.clone(), at),
            Err(DomainError::Forbidden(_))
        ));
        assert!(decide(&r, &admin(true), true, with_reason, at).is_ok());
        moved(
            &mut r,
            "sdr-to-ae",
            Phase::FieldSpec,
            "2026-10-01T12:00:00Z",
        );
        assert!(
            decide(&r, &lead, true, to("sdr-to-ae", Phase::LeakAudit), at).is_ok(),
            "going back is free"
        );
    }

    #[test]
    fn the_mode_follows_the_phase_both_ways() {
        let mut r = Rollout::default();
        moved(
            &mut r,
            "sdr-to-ae",
            Phase::FieldSpec,
            "2026-10-01T00:00:00Z",
        );
        let at = t("2026-10-02T00:00:00Z");
        let lead = admin(false);
        let gated = r
            .decide_mode(
                &lead,
                true,
                switch("sdr-to-ae", Mode::Gated, None),
                Mode::Observe,
                at,
            )
            .unwrap();
        assert!(matches!(
            gated.as_slice(),
            [
                Event::RolloutChanged {
                    phase: Phase::Gating,
                    ..
                },
                Event::ModeChanged {
                    mode: Mode::Gated,
                    ..
                }
            ]
        ));
        r.apply(&gated[0]);
        let again = r
            .decide_mode(
                &lead,
                true,
                switch("sdr-to-ae", Mode::Gated, None),
                Mode::Gated,
                at,
            )
            .unwrap();
        assert!(again.is_empty(), "setting the mode it has changes nothing");
        let back = r
            .decide(
                &lead,
                true,
                to("sdr-to-ae", Phase::FieldSpec),
                Mode::Gated,
                at,
            )
            .unwrap();
        assert!(matches!(
            back.as_slice(),
            [
                Event::RolloutChanged {
                    phase: Phase::FieldSpec,
                    ..
                },
                Event::ModeChanged {
                    mode: Mode::Observe,
                    ..
                }
            ]
        ));
        let on = r
            .decide(
                &lead,
                true,
                to("sdr-to-ae", Phase::ScorecardLive),
                Mode::Gated,
                at,
            )
            .unwrap();
        assert_eq!(on.len(), 1, "scorecard-live stays gated: {on:?}");
    }
}
