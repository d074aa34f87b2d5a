//! The use cases' error: a domain refusal, a missing record, a conflict, or
//! a store failure. The web layer maps these to statuses in one place.

use baton_domain::DomainError;
use baton_store::StoreError;
use thiserror::Error;

/// Why a use case did not happen. Nothing was written when one is returned.
#[derive(Debug, Error)]
pub enum AppError {
    /// The domain refused (bad value, forbidden, wrong state, incomplete…).
    #[error(transparent)]
    Domain(DomainError),
    /// A record that does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// No valid credentials (wrong password, unknown or expired session or
    /// token). Says nothing about which part was wrong.
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many failed sign-ins; try again after the given seconds.
    #[error("too many failed sign-ins; try again in {0} seconds")]
    RateLimited(u64),
    /// Bad input outside the domain's rules (malformed file, wrong shape).
    #[error("{0}")]
    Invalid(String),
    /// An import with bad lines: each with its line number and reason.
    #[error("{} bad line(s); nothing was imported. First: line {}: {}", .0.len(), .0.first().map_or(0, |e| e.0), .0.first().map_or("", |e| e.1.as_str()))]
    Import(Vec<(u64, String)>),
    /// Someone else changed the record meanwhile (and deciding again did
    /// not help), or it exists already.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Another writer appended to the same stream first: the read this
    /// decision rests on is stale. Use cases re-read and decide again;
    /// callers only see it as a [`AppError::Conflict`] once retries run out.
    #[error("conflict: {0}")]
    Stale(String),
    /// A service Baton relies on for this (the identity provider) cannot
    /// be reached or answered nonsense; retrying later may work.
    #[error("{0}")]
    Upstream(String),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// A broken invariant of Baton's own: an event the domain decided did
    /// not apply to the state it was decided on. Never the caller's fault,
    /// so never a 4xx: a server error, logged.
    #[error("internal error: {0}")]
    Bug(String),
}

impl AppError {
    /// A decided event that did not apply to its own state (`what`).
    pub fn not_applied(what: &str) -> Self {
        Self::Bug(format!("{what} decided by the domain did not apply"))
    }
}

impl From<DomainError> for AppError {
    fn from(e: DomainError) -> Self {
        match e {
            // One kind of answer whoever decided it: a name that is taken
            // is a conflict, a thing that does not exist is not found.
            DomainError::Taken(what) => Self::Conflict(what),
            DomainError::Unknown(what) => Self::NotFound(what),
            other => Self::Domain(other),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => Self::Conflict(what),
            StoreError::Stale(what) => Self::Stale(what),
            other => Self::Store(other),
        }
    }
}
