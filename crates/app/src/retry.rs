//! Re-deciding after a lost race. Writers append to a stream at the version
//! they read plus one; when another writer got there first the store says
//! the read was stale. Most such races are not conflicts at all (forty notes
//! on one account, a CRM push beside an NPS response): reading again and
//! deciding again succeeds. Only when the new decision differs (the handoff
//! was accepted meanwhile, so it can no longer be rejected) does the caller
//! hear of it, as a conflict that says what happened.
//!
//! Within one process, writers of the same stream also take turns (a lock
//! per org and stream held from the read to the commit), so a burst on one
//! account costs no wasted decisions; the retries remain for writers in
//! other processes, which share nothing but the database.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, Weak};

use baton_domain::DomainError;
use baton_domain::OrgId;

use crate::{App, AppError};

/// How many times a use case decides before it gives up on a busy stream.
/// Each retry re-reads; the bound keeps a pathological burst from spinning.
pub const ATTEMPTS: usize = 8;

/// A stream's turn-taking lock.
type Turn = tokio::sync::Mutex<()>;

/// One turn-taking lock per (org, stream) that some writer holds or awaits.
/// Entries are weak, so a stream nobody writes costs nothing but its slot,
/// and slots are swept as the map grows.
#[derive(Debug, Default)]
pub(crate) struct Turns {
    locks: Mutex<HashMap<(OrgId, String), Weak<Turn>>>,
}

impl Turns {
    fn lock_for(&self, org: &OrgId, stream: &str) -> Arc<Turn> {
        // A poisoned map only means another writer panicked mid-insert;
        // the map itself is still a valid map.
        let mut map = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        let key = (org.clone(), stream.to_string());
        if let Some(lock) = map.get(&key).and_then(Weak::upgrade) {
            return lock;
        }
        if map.len() >= 1024 {
            map.retain(|_, w| w.strong_count() > 0);
        }
        let lock = Arc::new(Turn::new(()));
        map.insert(key, Arc::downgrade(&lock));
        lock
    }
}

impl App {
    /// Runs `attempt` (load, decide, commit) on `stream` of `org`, taking
    /// turns with this process's other writers of that stream, until it is
    /// not beaten to the stream by another process, at most [`ATTEMPTS`]
    /// times. A refusal that appears only on a retry is the state having
    /// moved on: a conflict.
    pub(crate) async fn retrying<T, F, Fut>(
        &self,
        org: &OrgId,
        stream: &str,
        mut attempt: F,
    ) -> Result<T, AppError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, AppError>>,
    {
        let lock = self.turns.lock_for(org, stream);
        let _turn = lock.lock().await;
        let mut tries = 0;
        loop {
            tries += 1;
            match attempt().await {
                Err(AppError::Stale(why)) if tries >= ATTEMPTS => {
                    return Err(AppError::Conflict(why));
                }
                Err(AppError::Stale(_)) => {
                    // Let the other process's commit land before reading again.
                    tokio::task::yield_now().await;
                }
                Err(AppError::Domain(e @ DomainError::InvalidTransition { .. })) if tries > 1 => {
                    return Err(AppError::Conflict(format!(
                        "someone else changed it first, and now: {e}"
                    )));
                }
                other => return other,
            }
        }
    }
}
