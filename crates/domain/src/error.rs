//! The domain's one error type: every refusal names what is wrong and where.

use thiserror::Error;

/// Why the domain refused a value or a transition.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// An identifier is malformed.
    #[error("invalid {what} '{value}': {why}")]
    InvalidId {
        /// What kind of identifier.
        what: &'static str,
        /// The value given.
        value: String,
        /// Why it is refused.
        why: String,
    },
    /// A value is malformed.
    #[error("invalid {what}: {why}")]
    InvalidValue {
        /// What was being parsed (a field key, "amount", …).
        what: String,
        /// Why it is refused.
        why: String,
    },
    /// A field's value is malformed.
    #[error("invalid field '{field}': {why}")]
    InvalidField {
        /// The field key.
        field: String,
        /// Why it is refused.
        why: String,
    },
    /// A field key that the contract does not define.
    #[error("unknown field '{field}' in contract '{contract}'")]
    UnknownField {
        /// The contract.
        contract: String,
        /// The unknown key.
        field: String,
    },
    /// A transition that the lifecycle does not allow from this state.
    #[error("cannot {action} a handoff that is {state}")]
    InvalidTransition {
        /// What was attempted.
        action: &'static str,
        /// The handoff's current state.
        state: &'static str,
    },
    /// A gated submission below 100.
    #[error("the contract is gated and these mandatory fields do not count: {}", missing.iter().zip(why).map(|(m, w)| format!("{m} ({w})")).collect::<Vec<_>>().join(", "))]
    Incomplete {
        /// Every missing sender field, in contract order.
        missing: Vec<String>,
        /// The submission's score.
        score: u8,
        /// Why each does not count, in the same order ("'TBD' is a
        /// placeholder").
        why: Vec<String>,
    },
    /// Acceptance without the receiver-owned fields.
    #[error("acceptance needs these receiver fields: {}", missing.join(", "))]
    MissingReceiverFields {
        /// Every missing receiver field.
        missing: Vec<String>,
    },
    /// The actor may not do this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The request is well formed but breaks a rule.
    #[error("{0}")]
    Rule(String),
    /// What the command would create exists already (a team key, an email).
    #[error("conflict: {0}")]
    Taken(String),
    /// Something the command names does not exist (a team, a person).
    #[error("not found: {0}")]
    Unknown(String),
}

impl DomainError {
    /// An invalid value, naming what and why.
    pub fn value(what: impl Into<String>, why: impl Into<String>) -> Self {
        Self::InvalidValue {
            what: what.into(),
            why: why.into(),
        }
    }
}
