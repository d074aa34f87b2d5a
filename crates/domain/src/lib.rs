//! Baton's domain: orgs and teams, accounts, contracts and their typed fields,
//! the gated handoff lifecycle, scores, follow-through, attestations and SLA
//! deadlines, and the events that record every change.
//!
//! Pure by design: no I/O, no async, no SQL, no HTTP, no wall clock. Time is
//! always a parameter. Everything else in Baton asks this crate to decide and
//! records what it answers.

pub mod account;
pub mod audit;
pub mod billing;
pub mod contract;
pub mod error;
pub mod event;
pub mod field;
pub mod fx;
pub mod handoff;
pub mod id;
pub mod incentive;
pub mod money;
pub mod notify;
pub mod org;
pub mod period;
pub mod projection;
pub mod proposal;
pub mod rediscovery;
pub mod rollout;
pub mod scorecard;
pub mod sla;
pub mod survey;
pub mod usage;

pub use account::Account;
pub use contract::{ContractDef, Gate, Mode};
pub use error::DomainError;
pub use event::Event;
pub use field::{FieldDef, FieldType, Owner};
pub use handoff::{Handoff, State};
pub use id::{AccountId, ContractKey, DealId, Email, FieldKey, HandoffId, OrgId, TeamKey};
pub use money::{Currency, Money, Rate};
pub use org::{Actor, Directory, Member, NewPerson, Role, Roster, SignIn, UserRecord};

/// A point in time (UTC), the only time type the domain speaks.
pub type Timestamp = jiff::Timestamp;
