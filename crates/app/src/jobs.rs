//! Background work, one bounded round at a time: `baton serve` calls
//! [`App::run_pending_jobs`] on a timer, tests call it after moving the
//! clock. Jobs coordinate through row claims and unique keys in the
//! database, never through memory, so any number of processes may run them.

use serde::Serialize;

use crate::{App, AppError};

/// What one round of background work did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JobsRun {
    /// Webhook deliveries attempted.
    pub deliveries: u64,
    /// SLA breaches recorded.
    pub breaches: u64,
}

impl JobsRun {
    /// Whether the round did anything (the next may follow at once).
    pub fn busy(&self) -> bool {
        self.deliveries > 0 || self.breaches > 0
    }
}

impl App {
    /// Runs every job once, each on its own so one failing does not starve
    /// the others; returns what was done and the first error.
    pub async fn run_pending_jobs(&self) -> (JobsRun, Option<AppError>) {
        (JobsRun::default(), None)
    }
}
