//! Baton's persistence: the append-only event log and the projections folded
//! from it, on SQLite (the default, one file) or PostgreSQL (for scale).
//!
//! One [`Store`] speaks to either backend through sqlx's `Any` driver, so
//! every query is written once and both backends run the same code; each
//! backend keeps its own migrations (`migrations/sqlite`, `migrations/postgres`).
//! The store records what the domain decided: it never decides itself, and it
//! knows nothing of HTTP. Every write is one transaction: events, the
//! projections they change, and nothing else.

mod access;
mod backup;
mod billing;
mod bulk;
mod change;
mod commit;
mod connections;
mod crm;
mod defs;
mod facts;
mod fx;
mod group;
mod listings;
mod lite;
mod lock_file;
mod mail;
mod many;
#[cfg(test)]
mod migration_twins;
mod read;
mod rebuild;
mod scorecard;
mod sign_in;
mod sla;
mod sql_args;
mod suggestions;
mod surveys;
mod tx;
mod usage;
mod webhooks;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use baton_domain::Timestamp;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use thiserror::Error;

pub use access::TokenRecord;
pub use backup::BackupInfo;
pub use billing::BillingRecord;
pub use bulk::BulkWrite;
pub use change::{Change, NewEvent};
pub use connections::{
    ConnectionLogEntry, ConnectionRecord, NewConnectionRecord, RoundEnd, Sealed, SyncPage,
    SyncedDealRecord,
};
pub use crm::CrmRuleRecord;
pub use group::CommitStats;
pub use listings::{HandoffFilter, HandoffSearch, HandoffSort, StateCount};
pub use lock_file::{SoleUse, sqlite_file};
pub use mail::{
    Channel, ClaimedMail, MailOutcome, MailRecord, MailSearch, MailStatus, NewMail, PendingNotice,
};
pub use read::{StoredEvent, VersionRecord};
pub use rebuild::Folded;
pub use sign_in::{OidcAttempt, PasswordLink};
pub use sla::DueDeadline;
pub use surveys::{SurveyRecord, SurveyWrite};
pub use usage::UsageWritten;
pub use webhooks::{
    AttemptRecord, ClaimedDelivery, DeliveryOutcome, DeliveryRecord, DeliveryStatus, WebhookRecord,
};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// What went wrong in the store.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The database URL is not one Baton can use.
    #[error("unsupported database URL '{0}': use sqlite://FILE or postgres://…")]
    BadUrl(String),
    /// The record exists, or a rule of the database refused the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Another writer appended to the same stream first: what the change
    /// was decided on is stale (optimistic concurrency). Worth deciding again.
    #[error("conflict: {0}")]
    Stale(String),
    /// Stored data could not be read back (a bug or a hand-edited database).
    #[error("corrupt data in {what}: {why}")]
    Corrupt {
        /// Where.
        what: String,
        /// Why.
        why: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The database failed (a read on the calling thread, see `lite`).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database failed while committing: whether the write landed is
    /// unknown. Worth reading back before trying again.
    #[error("the write was interrupted: {0}")]
    Interrupted(String),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Something this backend or this file cannot do; says what instead.
    #[error("{0}")]
    Unsupported(String),
}

impl StoreError {
    /// Whether the database could not be reached (down, restarting, pool
    /// exhausted) rather than refusing the statement: worth a retry later.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_),
            ) => true,
            // PostgreSQL's classes 08 (connection exception) and 57P
            // (operator intervention: shutting down, cannot connect now).
            Self::Database(sqlx::Error::Database(e)) => e
                .code()
                .is_some_and(|c| c.starts_with("08") || c.starts_with("57P")),
            Self::Interrupted(_) => true,
            Self::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy
                    | rusqlite::ErrorCode::DatabaseLocked
                    | rusqlite::ErrorCode::CannotOpen
            ),
            _ => false,
        }
    }
}

impl StoreError {
    pub(crate) fn corrupt(what: impl Into<String>, why: impl ToString) -> Self {
        Self::Corrupt {
            what: what.into(),
            why: why.to_string(),
        }
    }
}

/// Maps a unique-key violation to a conflict, by kind (constraint names differ
/// between backends), keeping every other error as it is.
pub(crate) fn conflict_on_unique(
    e: impl Into<StoreError>,
    what: impl FnOnce() -> String,
) -> StoreError {
    let e = e.into();
    let unique = match &e {
        StoreError::Database(sqlx::Error::Database(db)) => db.is_unique_violation(),
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => matches!(
            f.extended_code,
            rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        ),
        _ => false,
    };
    if unique {
        StoreError::Conflict(what())
    } else {
        e
    }
}

/// The persistence handle: cheap to clone, shared by every request.
#[derive(Debug, Clone)]
pub struct Store {
    /// Writers. On SQLite a single connection, so writers queue instead of
    /// failing with "database is locked".
    write: AnyPool,
    /// Readers.
    read: AnyPool,
    /// On a SQLite file: the hot reads, on the calling thread (see `lite`).
    lite: Option<Arc<lite::Readers>>,
    /// On PostgreSQL: the hot reads, through the native driver (see `lite`).
    pg: Option<sqlx::PgPool>,
    /// Published contract versions, parsed once: they never change.
    defs: Arc<defs::Definitions>,
    /// Where [`Store::commit`] sends its changes (see `group`).
    committer: group::Committer,
    backend: Backend,
    /// On a SQLite file, the shared lock that tells `baton restore` the
    /// file is in use (released when the last clone is dropped).
    _in_use: Option<Arc<std::fs::File>>,
}

/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://baton.db";

/// `n` comma-separated parameter placeholders, numbered from `first` on
/// PostgreSQL, anonymous (`?`) on SQLite: binding numbered parameters in
/// SQLite looks each name up in a list, which is quadratic in the count. A
/// statement must use one style throughout.
pub(crate) fn placeholders(backend: Backend, first: usize, n: usize) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(n * 6);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        match backend {
            Backend::Sqlite => s.push('?'),
            Backend::Postgres => {
                let _ = write!(s, "${}", first + i);
            }
        }
    }
    s
}

/// Values up to which a statement built for their number stays prepared.
const KEEP_PREPARED_UP_TO: usize = 16;

/// Whether a statement made for `n` rows or ids is worth keeping prepared. The
/// few small shapes of a live write recur on every write; the large ones of
/// an import (thousands of values) rarely repeat, and sqlx's cache of 100
/// statements per connection would otherwise keep the compiled program of
/// each, megabytes apiece, for as long as the connection lives.
pub(crate) fn keep_prepared(n: usize) -> bool {
    n <= KEEP_PREPARED_UP_TO
}

pub(crate) fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

pub(crate) fn from_micros(us: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_microsecond(us).map_err(|e| StoreError::corrupt("timestamp", e))
}

impl Store {
    /// Opens (creating if needed) the database at `url` and brings its
    /// schema up to date.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_string(),
        };
        // sqlx's slow-statement warning prints the whole statement: for the
        // bulk inserts of an import that is kilobytes of placeholders per
        // line. Request latency is traced per request instead.
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|_| StoreError::BadUrl(url.clone()))?
            .disable_statement_logging();
        // Taken before the first connection, so a restore under way is
        // never raced by a process opening the file it is replacing.
        let in_use = match backend {
            Backend::Sqlite => lock_file::sqlite_file(&url)
                .map(|db| lock_file::share(&db))
                .transpose()?
                .map(Arc::new),
            Backend::Postgres => None,
        };
        let store = match backend {
            Backend::Sqlite => {
                let write = sqlite_pool(1).connect_with(options.clone()).await?;
                let read = sqlite_pool(4).connect_with(options).await?;
                let lite = lock_file::sqlite_file(&url).map(|f| Arc::new(lite::Readers::new(&f)));
                Self {
                    committer: group::Committer::start(
                        write.clone(),
                        backend,
                        lock_file::sqlite_file(&url),
                    ),
                    write,
                    read,
                    lite,
                    pg: None,
                    defs: Arc::default(),
                    backend,
                    _in_use: in_use,
                }
            }
            Backend::Postgres => {
                let native = sqlx::postgres::PgConnectOptions::from_str(&url)
                    .map_err(|_| StoreError::BadUrl(url.clone()))?
                    .disable_statement_logging();
                let pg = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_lazy_with(native);
                let pool = AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?;
                Self {
                    committer: group::Committer::start(pool.clone(), backend, None),
                    write: pool.clone(),
                    read: pool,
                    lite: None,
                    pg: Some(pg),
                    defs: Arc::default(),
                    backend,
                    _in_use: None,
                }
            }
        };
        store.migrate().await?;
        store.backfill_facts().await?;
        store.backfill_scorecard().await?;
        store.backfill_deadlines().await?;
        store.backfill_leaks().await?;
        Ok(store)
    }

    /// Applies pending migrations for this backend.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::migrate!("./migrations/sqlite")
                    .run(&self.write)
                    .await?
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&self.write)
                    .await?
            }
        }
        Ok(())
    }

    /// A write transaction outside the committer. On SQLite it takes the
    /// write lock at once (`BEGIN IMMEDIATE`): the committer writes through
    /// a connection of its own (see `group`), and a transaction that read
    /// first and wrote second would fail with no retry if the committer
    /// wrote in between; taking the lock first makes it wait its turn.
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.write.begin().await,
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every connection (tests drop their database afterwards).
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
        if let Some(readers) = &self.lite {
            readers.close();
        }
        if let Some(pg) = &self.pg {
            pg.close().await;
        }
    }

    /// Runs one statement outside Baton's write path. Only for tests that
    /// prove the schema itself refuses tampering.
    #[doc(hidden)]
    pub async fn raw_execute(&self, sql: &'static str) -> Result<u64, StoreError> {
        Ok(self.write.execute(sql).await?.rows_affected())
    }
}

fn sqlite_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // WAL lets readers run beside the writer. synchronous=FULL
                // syncs the WAL on every commit: an acknowledged write must
                // survive power loss, not only a process crash (NORMAL would
                // only guarantee the latter). The write path batches, so the
                // extra fsync per commit is affordable.
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = FULL").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                conn.execute("PRAGMA busy_timeout = 10000").await?;
                Ok(())
            })
        })
}
