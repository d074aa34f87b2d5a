//! Reads written once for both backends, and run on SQLite without a worker
//! thread.
//!
//! sqlx runs every SQLite statement on a worker thread of its own and hands
//! each row back through a channel: on a gate check that crossing (futex
//! wake-ups, `Any` value boxing) cost more than the SQLite work itself. The
//! hot reads therefore go through [`Store::rows`]: on a SQLite file they run
//! on the calling thread through rusqlite, on a small pool of read-only
//! connections with cached prepared statements; on PostgreSQL through sqlx's
//! native PostgreSQL driver (no `Any` conversion of every value); on an
//! in-memory SQLite through sqlx as before. The statement text and the row
//! decoding ([`Cols`]) are shared, so each query is still written once.
//!
//! The reads that go this way are point reads and short index ranges
//! (microseconds): running them on the async thread costs less than handing
//! them to a blocking pool would.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use sqlx::AssertSqlSafe;

use crate::sql_args::{Arg, Cols, bind};
use crate::{Store, StoreError};

/// Idle read connections kept open: one per runtime worker and some for
/// the blocking pool; more are opened when needed and closed after use.
const IDLE_READERS: usize = 8;

/// Prepared statements kept per connection.
const STATEMENTS_PER_READER: usize = 64;

/// Read-only connections to one SQLite file, used on the calling thread.
#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    /// Readers of the database file at `path` (opened lazily).
    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> Result<Connection, rusqlite::Error> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Read-write so the WAL index can be maintained like any reader's,
        // but refusing every write: writes go through the one write path.
        conn.pragma_update(None, "query_only", true)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS_PER_READER);
        Ok(conn)
    }

    fn take(&self) -> Result<Connection, rusqlite::Error> {
        let spare = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        match spare {
            Some(conn) => Ok(conn),
            None => self.open(),
        }
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < IDLE_READERS
        {
            idle.push(conn);
        }
    }

    /// Closes the idle connections (the store is closing).
    pub(crate) fn close(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }

    fn rows<T>(
        &self,
        sql: &str,
        args: &[Arg],
        mut each: impl FnMut(&dyn Cols) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let conn = self.take()?;
        let out = (|| {
            let mut stmt = conn.prepare_cached(sql)?;
            bind(&mut stmt, args)?;
            let mut rows = stmt.raw_query();
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(each(row)?);
            }
            Ok(out)
        })();
        self.give_back(conn);
        out
    }
}

impl Store {
    /// Every row `sql` returns, each decoded by `each`; see the module doc.
    pub(crate) async fn rows<T>(
        &self,
        sql: &str,
        args: &[Arg],
        each: impl FnMut(&dyn Cols) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        if let Some(readers) = &self.lite {
            return readers.rows(sql, args, each);
        }
        let mut each = each;
        if let Some(pg) = &self.pg {
            let q = sqlx::query::<sqlx::Postgres>(AssertSqlSafe(sql.to_string()));
            let rows = crate::sql_args::bind_all(q, args).fetch_all(pg).await?;
            return rows.iter().map(|r| each(r)).collect();
        }
        let rows = crate::sql_args::any_query(sql, args)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(|r| each(r)).collect()
    }

    /// The first row `sql` returns, if any.
    pub(crate) async fn row<T>(
        &self,
        sql: &str,
        args: &[Arg],
        each: impl FnMut(&dyn Cols) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.rows(sql, args, each).await?.into_iter().next())
    }
}
