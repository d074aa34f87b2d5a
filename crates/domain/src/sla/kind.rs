//! Which promise a deadline tracks, and a breach as a handoff records it: the
//! values events carry. A leaf of the domain.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Which promise a deadline tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaKind {
    /// First submission → acceptance.
    Acceptance,
    /// Acceptance → the receiver's first touch (mql-to-sdr): met by the
    /// first-touch action (UI, API, or a CRM activity).
    FirstTouch,
    /// Acceptance → acknowledgment with ETA (follow-through).
    Ack,
    /// The next status echo at the agreed cadence (follow-through).
    Echo,
    /// Resolution → close-the-loop with the customer (follow-through).
    CloseLoop,
    /// The agreed re-unification date (cross-motion).
    Reunification,
}

impl SlaKind {
    /// Every kind, in order.
    pub const ALL: [Self; 6] = [
        Self::Acceptance,
        Self::FirstTouch,
        Self::Ack,
        Self::Echo,
        Self::CloseLoop,
        Self::Reunification,
    ];

    /// The kind's name as stored and serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acceptance => "acceptance",
            Self::FirstTouch => "first_touch",
            Self::Ack => "ack",
            Self::Echo => "echo",
            Self::CloseLoop => "close_loop",
            Self::Reunification => "reunification",
        }
    }

    /// Parses a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// What the promise is, in words (for pages).
    pub fn label(self) -> &'static str {
        match self {
            Self::Acceptance => "acceptance",
            Self::FirstTouch => "first touch",
            Self::Ack => "acknowledgment",
            Self::Echo => "status echo",
            Self::CloseLoop => "close the loop",
            Self::Reunification => "re-unification",
        }
    }
}

impl std::fmt::Display for SlaKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A deadline that passed unmet, as recorded on the handoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Breach {
    /// Which promise.
    pub kind: SlaKind,
    /// When it fell due.
    pub due: Timestamp,
    /// When the breach happened: its due time (business time), whenever
    /// Baton noticed. History written before this rule may carry the time
    /// the job noticed instead.
    pub at: Timestamp,
}
