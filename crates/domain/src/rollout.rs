//! The rollout plan (SPEC §6): each contract moves through leak audit, field
//! spec, gating, scorecard live, expand and incentive tune, one at a time.
//! "Don't launch in parallel": a contract may not enter gating while another
//! is in gating or has been scorecard-live for less than two weeks, unless an
//! admin overrides with a reason, which is recorded.

use std::collections::BTreeMap;
use std::fmt;

use jiff::SignedDuration;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::event::Event;
use crate::{Actor, ContractKey, DomainError, Timestamp};

/// How long a contract must be scorecard-live before the next enters gating.
pub const SETTLE: SignedDuration = SignedDuration::from_hours(14 * 24);

/// A phase of the rollout, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Measuring what leaks today.
    LeakAudit,
    /// The receiving team writes the field spec.
    FieldSpec,
    /// The gate is on.
    Gating,
    /// The scorecard is published.
    ScorecardLive,
    /// Rolled out to more teams or motions.
    Expand,
    /// Comp follows quality.
    IncentiveTune,
}

/// Every phase, in order.
pub const PHASES: [Phase; 6] = [
    Phase::LeakAudit,
    Phase::FieldSpec,
    Phase::Gating,
    Phase::ScorecardLive,
    Phase::Expand,
    Phase::IncentiveTune,
];

impl Phase {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LeakAudit => "leak_audit",
            Self::FieldSpec => "field_spec",
            Self::Gating => "gating",
            Self::ScorecardLive => "scorecard_live",
            Self::Expand => "expand",
            Self::IncentiveTune => "incentive_tune",
        }
    }

    /// Parses a wire name.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        PHASES
            .into_iter()
            .find(|p| p.as_str() == raw.trim())
            .ok_or_else(|| {
                DomainError::value(
                    "phase",
                    format!(
                        "'{raw}' is not a phase; use one of {}",
                        PHASES.map(Phase::as_str).join(", ")
                    ),
                )
            })
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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

    /// Decides a move of a contract to a phase with planned dates.
    /// `holds_pen`: the actor is an admin or a lead of the contract's
    /// receiving team. Entering gating against the sequencing rule needs an
    /// admin and a reason.
    pub fn decide(
        &self,
        actor: &Actor,
        holds_pen: bool,
        m: Move,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
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
        let entering_gating = phase == Phase::Gating
            && self
                .stages
                .get(contract)
                .is_none_or(|s| s.phase != Phase::Gating);
        let blockers = if entering_gating {
            self.blockers(contract, at)
        } else {
            Vec::new()
        };
        let override_reason = match (blockers.is_empty(), reason) {
            (true, _) => None,
            (false, None) => {
                return Err(DomainError::Rule(format!(
                    "don't launch in parallel: {}. An admin may override with a reason.",
                    blockers.join("; ")
                )));
            }
            (false, Some(_)) if !actor.admin => {
                return Err(DomainError::Forbidden(
                    "only an admin may override the rollout sequencing rule".into(),
                ));
            }
            (false, Some(r)) => Some(r),
        };
        Ok(Event::RolloutChanged {
            contract: contract.clone(),
            phase,
            planned,
            override_reason,
            by: actor.email.clone(),
            at,
        })
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

    fn moved(r: &mut Rollout, k: &str, phase: Phase, at: &str) {
        let e = r
            .decide(
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
        let e = r.decide(
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
        let early = r.decide(
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
        let later = r.decide(
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
        let blank = r.decide(
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
        let lead = r.decide(
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
        let ok = r.decide(
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
        let at = t("2026-10-02T00:00:00Z");
        assert!(
            r.decide(
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
            r.decide(
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
            r.decide(
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
}
