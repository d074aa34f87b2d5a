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
//!
//! On a SQLite file the committer is a thread owning a rusqlite connection
//! of its own (see `tx`): the statements of a batch run where they are
//! issued, not on sqlx's worker thread. Its transactions, and every other
//! writer's on SQLite (`Store::begin_write`), take the write lock when they
//! begin, so two writers of the file wait for each other instead of failing.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use baton_domain::OrgId;
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use crate::change::Change;
use crate::commit::write_change;
use crate::tx::Tx;
use crate::{Backend, Store, StoreError};

/// Changes per shared transaction: bounds how long the first waits for the
/// last, and the savepoints one transaction holds.
const MAX_BATCH: usize = 64;

/// How long the SQLite committer waits for another writer's lock.
const WRITE_LOCK_WAIT: Duration = Duration::from_secs(30);

/// Prepared statements the SQLite committer keeps: a change's statement
/// shapes, for one to a few rows each.
const WRITER_STATEMENTS: usize = 256;

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

/// Where the committer writes.
enum Writer {
    /// sqlx's pool (PostgreSQL, an in-memory SQLite).
    Pool(AnyPool),
    /// The committer's own connection to a SQLite file. The mutex is never
    /// contended (one committer); it makes the connection shareable with
    /// the write code, whose futures must be `Send` for the pool's sake.
    Lite(Mutex<rusqlite::Connection>),
}

impl Committer {
    /// Starts the committer of a store writing through `write`, or, for
    /// the SQLite file at `file`, through a connection of its own.
    pub(crate) fn start(write: AnyPool, backend: Backend, file: Option<PathBuf>) -> Self {
        let (queue, waiting) = mpsc::unbounded_channel();
        let stats = Arc::<Counts>::default();
        let counts = stats.clone();
        match file {
            Some(path) => {
                let spawned = std::thread::Builder::new()
                    .name("baton-committer".into())
                    .spawn(move || run_lite(&path, backend, waiting, &counts));
                if let Err(e) = spawned {
                    // The queue's receiver is gone with the closure: every
                    // commit then writes alone through the pool.
                    tracing::error!(error = %e, "could not start the committer thread");
                }
            }
            None => {
                tokio::spawn(async move {
                    run(Writer::Pool(write), backend, waiting, &counts).await;
                });
            }
        }
        Self { queue, stats }
    }
}

/// The SQLite committer's thread: its connection is opened on the first
/// change (after the store's migrations; again on the next change if that
/// failed), and the write code's futures are driven by a runtime of the
/// thread's own (nothing in them waits on I/O).
fn run_lite(
    path: &Path,
    backend: Backend,
    mut waiting: mpsc::UnboundedReceiver<Pending>,
    stats: &Counts,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "could not start the committer's runtime");
            return;
        }
    };
    let mut writer: Option<Writer> = None;
    while let Some(first) = waiting.blocking_recv() {
        if writer.is_none() {
            match open_writer(path) {
                Ok(conn) => writer = Some(Writer::Lite(Mutex::new(conn))),
                Err(e) => {
                    // Nothing written; the next change tries to open it again.
                    let _ = first.reply.send(Err(e));
                    continue;
                }
            }
        }
        if let Some(writer) = &writer {
            runtime.block_on(write_batch(writer, backend, first, &mut waiting, stats));
        }
    }
}

/// The committer's connection, set up as sqlx's are (`sqlite_pool`).
fn open_writer(path: &Path) -> Result<rusqlite::Connection, StoreError> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // Each grouped change has a savepoint, so SQLite journals the pages it
    // touches in a statement journal; on disk that was 13% of the write
    // path's samples (a pwrite per page). The journal only matters until
    // the transaction ends, so memory is where it belongs.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // As long as a change used to wait for the write pool's one connection
    // (its acquire timeout): another writer of the file (an import's bulk,
    // a job, another process) may hold the write lock that long.
    conn.busy_timeout(WRITE_LOCK_WAIT)?;
    conn.set_prepared_statement_cache_capacity(WRITER_STATEMENTS);
    Ok(conn)
}

async fn run(
    writer: Writer,
    backend: Backend,
    mut waiting: mpsc::UnboundedReceiver<Pending>,
    stats: &Counts,
) {
    while let Some(first) = waiting.recv().await {
        write_batch(&writer, backend, first, &mut waiting, stats).await;
    }
}

/// Writes `first` and every change waiting behind it (up to [`MAX_BATCH`]).
async fn write_batch(
    writer: &Writer,
    backend: Backend,
    first: Pending,
    waiting: &mut mpsc::UnboundedReceiver<Pending>,
    stats: &Counts,
) {
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
    commit_batch(writer, backend, batch).await;
}

async fn commit_batch(writer: &Writer, backend: Backend, mut batch: Vec<Pending>) {
    if batch.len() == 1
        && let Some(p) = batch.pop()
    {
        let _ = p
            .reply
            .send(commit_alone(writer, backend, &p.org, &p.change).await);
        return;
    }
    match together(writer, backend, &batch).await {
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
                let outcome = commit_alone(writer, backend, &p.org, &p.change).await;
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

/// Runs `body` in one transaction of `writer` and commits it; rolls back
/// when `body` fails.
async fn in_transaction<T>(
    writer: &Writer,
    body: impl AsyncFnOnce(&mut Tx<'_>) -> Result<T, Together>,
) -> Result<T, Together> {
    let before = |e: StoreError| Together::Before(e);
    match writer {
        Writer::Pool(pool) => {
            let mut tx = pool.begin().await.map_err(|e| before(e.into()))?;
            // Dropped without a commit on error: sqlx rolls it back.
            let out = body(&mut Tx::Any(&mut tx)).await?;
            tx.commit().await.map_err(|e| Together::Commit(e.into()))?;
            Ok(out)
        }
        Writer::Lite(conn) => {
            let sql = |statement: &str| -> Result<(), StoreError> {
                crate::tx::lock(conn)?.execute_batch(statement)?;
                Ok(())
            };
            sql("BEGIN IMMEDIATE").map_err(before)?;
            match body(&mut Tx::Lite(conn)).await {
                Ok(out) => match sql("COMMIT") {
                    Ok(()) => Ok(out),
                    Err(e) => {
                        // A failed COMMIT may leave the transaction open.
                        let _ = sql("ROLLBACK");
                        Err(Together::Commit(e))
                    }
                },
                Err(e) => {
                    let _ = sql("ROLLBACK");
                    Err(e)
                }
            }
        }
    }
}

async fn together(
    writer: &Writer,
    backend: Backend,
    batch: &[Pending],
) -> Result<Vec<Result<u64, StoreError>>, Together> {
    in_transaction(writer, async |tx: &mut Tx<'_>| {
        let before = Together::Before;
        let mut outcomes = Vec::with_capacity(batch.len());
        for p in batch {
            tx.exec("SAVEPOINT grouped", &[]).await.map_err(before)?;
            let outcome = apply(tx, backend, &p.org, &p.change).await;
            let end = if outcome.is_ok() {
                "RELEASE SAVEPOINT grouped"
            } else {
                "ROLLBACK TO SAVEPOINT grouped"
            };
            tx.exec(end, &[]).await.map_err(before)?;
            if outcome.is_err() {
                tx.exec("RELEASE SAVEPOINT grouped", &[])
                    .await
                    .map_err(before)?;
            }
            outcomes.push(outcome);
        }
        Ok(outcomes)
    })
    .await
}

/// A change's events, projections and scorecard sums, in `tx`.
async fn apply(
    tx: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    change: &Change,
) -> Result<u64, StoreError> {
    let first = write_change(tx, backend, org, change).await?;
    // Live changes only: an import's history is old news to everyone.
    crate::mail::enqueue(tx, backend, org, first, &change.events).await?;
    crate::scorecard::refresh(tx, backend, org, &crate::scorecard::touched(change)).await?;
    Ok(first)
}

/// One change in a transaction of its own.
async fn commit_alone(
    writer: &Writer,
    backend: Backend,
    org: &OrgId,
    change: &Change,
) -> Result<u64, StoreError> {
    in_transaction(writer, async |tx: &mut Tx<'_>| {
        apply(tx, backend, org, change)
            .await
            .map_err(Together::Before)
    })
    .await
    .map_err(|e| match e {
        Together::Before(e) | Together::Commit(e) => e,
    })
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
            return commit_alone(&Writer::Pool(self.write.clone()), self.backend, org, change)
                .await;
        }
        outcome.await.unwrap_or_else(|_| {
            Err(StoreError::Interrupted(
                "the committer stopped before answering".into(),
            ))
        })
    }
}
