//! The rollout's phases, in order, and the mode each implies: the values
//! events carry. A leaf of the domain.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::contract::def::Mode;

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

impl Phase {
    /// The mode the phase implies: the gate is on from gating onwards.
    pub fn mode(self) -> Mode {
        if self >= Self::Gating {
            Mode::Gated
        } else {
            Mode::Observe
        }
    }

    /// The phase after `from` (`None`: not started), if there is one.
    pub fn after(from: Option<Self>) -> Option<Self> {
        match from {
            None => Some(Self::LeakAudit),
            Some(p) => PHASES.into_iter().find(|q| *q > p),
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
