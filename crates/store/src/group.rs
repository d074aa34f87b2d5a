//! Group commit (issue 18): concurrent writes share one transaction and one
//! durable commit.
//!
//! SQLite has one writer and syncs the WAL on every commit; PostgreSQL
//! serializes an org's writes on its sequence counter row. Either way,
//! writes that arrive together used to queue for one commit each, and the
//! fsync, not the work, set the pace. Every [`Store::commit`] now hands its
//! change to one committer task per store, which takes every change waiting
//! and writes them in one transaction, each inside its own savepoint: a
//! change that fails (a stale stream version, a broken rule of the schema)
//! is rolled back to its savepoint and fails alone, the others commit
//! together. A lone change is written exactly as before, with no savepoint.
//!
//! The committer is a task of its own so that a caller that stops waiting
//! (a client that hung up) cannot leave a batch half-done: the batch
//! finishes, and every caller still waiting hears its own outcome.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use baton_domain::OrgId;
use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{mpsc, oneshot};

use crate::commit::{Change, write_change};
use crate::{Backend, Store, StoreError};

/// Changes per shared transaction: bounds how long the first waits for the
/// last, and the savepoints one transaction holds.
const MAX_BATCH: usize = 64;

/// A change waiting for the committer, and where its outcome goes.
struct Pending {
    org: OrgId,
    change: Change,
    reply: oneshot::Sender<Result<u64, StoreError>>,
}

/// The handle [`Store::commit`] sends changes through.
#[derive(Debug, Clone)]
pub(crate) struct Committer {
    queue: mpsc::UnboundedSender<Pending>,
    stats: Arc<Counts>,
}

/// What the committer has done so far.
#[derive(Debug, Default)]
struct Counts {
    transactions: AtomicU64,
    changes: AtomicU64,
}

/// How many changes were committed in how many transactions, since the
/// store was opened: their ratio is the mean batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitStats {
    /// Transactions the committer ran (shared or alone).
    pub transactions: u64,
    /// Changes they wrote (failed ones included).
    pub changes: u64,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("org", &self.org).finish()
    }
}

impl Committer {
    /// Starts the committer task of a store writing through `write`.
    pub(crate) fn start(write: AnyPool, backend: Backend) -> Self {
        let (queue, waiting) = mpsc::unbounded_channel();
        let stats = Arc::<Counts>::default();
        tokio::spawn(run(write, backend, waiting, stats.clone()));
        Self { queue, stats }
    }
}

async fn run(
    write: AnyPool,
    backend: Backend,
    mut waiting: mpsc::UnboundedReceiver<Pending>,
    stats: Arc<Counts>,
) {
    while let Some(first) = waiting.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match waiting.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        stats.transactions.fetch_add(1, Ordering::Relaxed);
        stats
            .changes
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        commit_batch(&write, backend, batch).await;
    }
}

async fn commit_batch(write: &AnyPool, backend: Backend, mut batch: Vec<Pending>) {
    if batch.len() == 1
        && let Some(p) = batch.pop()
    {
        let _ = p
            .reply
            .send(commit_alone(write, backend, &p.org, &p.change).await);
        return;
    }
    match together(write, backend, &batch).await {
        Ok(outcomes) => {
            for (p, outcome) in batch.into_iter().zip(outcomes) {
                let _ = p.reply.send(outcome);
            }
        }
        // The commit itself failed: whether it landed is unknown, so no
        // change is written again (that could apply one twice).
        Err(Together::Commit(e)) => {
            let why = e.to_string();
            for p in batch {
                let _ = p.reply.send(Err(StoreError::Interrupted(why.clone())));
            }
        }
        // Nothing was committed (the transaction or a savepoint failed):
        // each change gets its own transaction and its own answer.
        Err(Together::Before(e)) => {
            tracing::warn!(error = %e, changes = batch.len(), "a shared commit failed before committing; writing each change alone");
            for p in batch {
                let outcome = commit_alone(write, backend, &p.org, &p.change).await;
                let _ = p.reply.send(outcome);
            }
        }
    }
}

/// Why a shared transaction did not commit.
enum Together {
    /// Before the commit: nothing was written.
    Before(StoreError),
    /// At the commit: unknown whether it landed.
    Commit(StoreError),
}

async fn together(
    write: &AnyPool,
    backend: Backend,
    batch: &[Pending],
) -> Result<Vec<Result<u64, StoreError>>, Together> {
    let before = |e: sqlx::Error| Together::Before(e.into());
    let mut tx = write.begin().await.map_err(before)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for p in batch {
        sqlx::query("SAVEPOINT grouped")
            .execute(&mut *tx)
            .await
            .map_err(before)?;
        let outcome = apply(&mut tx, backend, &p.org, &p.change).await;
        let end = if outcome.is_ok() {
            "RELEASE SAVEPOINT grouped"
        } else {
            "ROLLBACK TO SAVEPOINT grouped"
        };
        sqlx::query(end).execute(&mut *tx).await.map_err(before)?;
        if outcome.is_err() {
            sqlx::query("RELEASE SAVEPOINT grouped")
                .execute(&mut *tx)
                .await
                .map_err(before)?;
        }
        outcomes.push(outcome);
    }
    tx.commit().await.map_err(|e| Together::Commit(e.into()))?;
    Ok(outcomes)
}

/// A change's events, projections and scorecard sums, in `tx`.
async fn apply(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    org: &OrgId,
    change: &Change,
) -> Result<u64, StoreError> {
    let first = write_change(tx, backend, org, change).await?;
    crate::scorecard::refresh(tx, backend, org, &crate::scorecard::touched(change)).await?;
    Ok(first)
}

/// One change in a transaction of its own.
async fn commit_alone(
    write: &AnyPool,
    backend: Backend,
    org: &OrgId,
    change: &Change,
) -> Result<u64, StoreError> {
    let mut tx = write.begin().await?;
    let first = apply(&mut tx, backend, org, change).await?;
    tx.commit().await?;
    Ok(first)
}

impl Store {
    /// How many changes [`Store::commit`] wrote in how many transactions.
    pub fn commit_stats(&self) -> CommitStats {
        CommitStats {
            transactions: self.committer.stats.transactions.load(Ordering::Relaxed),
            changes: self.committer.stats.changes.load(Ordering::Relaxed),
        }
    }

    /// Writes a change in one transaction (shared with the changes written
    /// at the same moment, see `group`) and returns the sequence number of
    /// its first event (0 when it has none).
    pub async fn commit(&self, org: &OrgId, change: &Change) -> Result<u64, StoreError> {
        let (reply, outcome) = oneshot::channel();
        let pending = Pending {
            org: org.clone(),
            change: change.clone(),
            reply,
        };
        if self.committer.queue.send(pending).is_err() {
            // The committer's runtime is gone (a store moved to another
            // runtime): nothing was sent, so write it here.
            return commit_alone(&self.write, self.backend, org, change).await;
        }
        outcome.await.unwrap_or_else(|_| {
            Err(StoreError::Interrupted(
                "the committer stopped before answering".into(),
            ))
        })
    }
}
