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

use rusqlite::types::Null;
use rusqlite::{Connection, OpenFlags};
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::{Store, StoreError};

/// Idle read connections kept open: one per runtime worker and some for
/// the blocking pool; more are opened when needed and closed after use.
const IDLE_READERS: usize = 8;

/// Prepared statements kept per connection.
const STATEMENTS_PER_READER: usize = 64;

/// A statement parameter.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    /// Text.
    Text(String),
    /// A 64-bit integer.
    Int(i64),
    /// A NULL where text goes (PostgreSQL types its parameters).
    NullText,
    /// A NULL where an integer goes.
    NullInt,
}

impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Self::Text(s.clone())
    }
}

impl From<Option<String>> for Arg {
    fn from(s: Option<String>) -> Self {
        s.map_or(Self::NullText, Self::Text)
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Self::NullInt, Self::Int)
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Self::Int(i64::from(v))
    }
}

impl From<u32> for Arg {
    fn from(v: u32) -> Self {
        Self::Int(i64::from(v))
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Self::Text(s.to_string())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Self::Text(s)
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

/// The columns of one result row, whichever driver read it.
pub(crate) trait Cols {
    /// A text column.
    fn text(&self, i: usize) -> Result<String, StoreError>;
    /// A nullable text column.
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError>;
    /// An integer column (64-bit on both backends).
    fn int(&self, i: usize) -> Result<i64, StoreError>;
    /// A nullable integer column.
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError>;
}

/// The same decoding for every sqlx row type (both drivers' rows decode
/// text and 64-bit integers alike).
macro_rules! sqlx_cols {
    ($row:ty) => {
        impl Cols for $row {
            fn text(&self, i: usize) -> Result<String, StoreError> {
                Ok(self.try_get(i)?)
            }
            fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
                Ok(self.try_get(i)?)
            }
            fn int(&self, i: usize) -> Result<i64, StoreError> {
                Ok(self.try_get(i)?)
            }
            fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
                Ok(self.try_get(i)?)
            }
        }
    };
}

sqlx_cols!(AnyRow);
sqlx_cols!(sqlx::postgres::PgRow);

impl Cols for rusqlite::Row<'_> {
    fn text(&self, i: usize) -> Result<String, StoreError> {
        Ok(self.get(i)?)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, StoreError> {
        Ok(self.get(i)?)
    }
    fn int(&self, i: usize) -> Result<i64, StoreError> {
        Ok(self.get(i)?)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, StoreError> {
        Ok(self.get(i)?)
    }
}

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

/// Binds `$N` parameters by their number, as sqlx does: SQLite numbers
/// named parameters in order of first appearance, which need not be N.
pub(crate) fn bind(stmt: &mut rusqlite::Statement<'_>, args: &[Arg]) -> Result<(), StoreError> {
    for i in 1..=stmt.parameter_count() {
        let n = stmt
            .parameter_name(i)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(i);
        let arg = args.get(n - 1).ok_or_else(|| {
            StoreError::corrupt("statement", format!("no value for parameter ${n}"))
        })?;
        match arg {
            Arg::Text(s) => stmt.raw_bind_parameter(i, s.as_str())?,
            Arg::Int(v) => stmt.raw_bind_parameter(i, *v)?,
            Arg::NullText | Arg::NullInt => stmt.raw_bind_parameter(i, Null)?,
        }
    }
    Ok(())
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
            let rows = crate::tx::bind_all(q, args).fetch_all(pg).await?;
            return rows.iter().map(|r| each(r)).collect();
        }
        let rows = crate::tx::any_query(sql, args)
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
