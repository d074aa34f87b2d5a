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
    /// Mails (and digests) the SMTP server took.
    pub mails: u64,
    /// A job stopped at its round limit with more to do.
    pub more: bool,
}

impl JobsRun {
    /// Whether a job has more to do right away (the next round follows at
    /// once instead of after the interval).
    pub fn busy(&self) -> bool {
        self.more
    }
}

impl App {
    /// Runs every job once, each on its own so one failing does not starve
    /// the others; returns what was done and the first error.
    pub async fn run_pending_jobs(&self) -> (JobsRun, Option<AppError>) {
        let mut run = JobsRun::default();
        let mut first_error = None;
        match self.deliver_webhooks().await {
            Ok(round) => {
                run.deliveries = round.claimed as u64;
                // Claimed rows were due; there may be more due behind them.
                run.more |= round.claimed > 0;
            }
            Err(e) => first_error = Some(e),
        }
        match self.fire_sla_breaches().await {
            Ok(round) => {
                run.breaches = round.fired.len() as u64;
                run.more |= round.more;
            }
            Err(e) => first_error = first_error.or(Some(e)),
        }
        // After the breaches, so a breach recorded this round is mailed in it.
        match self.send_mail().await {
            Ok(round) => {
                run.mails = round.sent as u64;
                run.more |= round.more();
            }
            Err(e) => first_error = first_error.or(Some(e)),
        }
        match self.sync_crm().await {
            Ok(round) => run.more |= round.more,
            Err(e) => first_error = first_error.or(Some(e)),
        }
        (run, first_error)
    }
}
