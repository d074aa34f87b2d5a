//! The write path's statements, written once for both drivers.
//!
//! On a SQLite file the committer owns a rusqlite connection on a thread of
//! its own (see `group`): each of a change's ~40 statements runs where it is
//! issued instead of crossing to sqlx's worker thread and back, which the
//! profile of the write path found to cost more than SQLite's own work
//! (docs/performance.md). Everywhere else (PostgreSQL, an in-memory SQLite,
//! the import's bulk transaction, the jobs) the same statements run through
//! sqlx. The statement text, its arguments ([`Arg`]) and the row decoding
//! ([`Cols`]) are shared, so each statement is still written once.

use sqlx::AnyConnection;

use crate::StoreError;
use crate::sql_args::{Arg, Cols, KEEP_PREPARED_ARGS, any_query, bind};

/// A connection inside a transaction (or a pool's connection, for reads
/// that need no transaction), on either driver.
pub(crate) enum Tx<'a> {
    /// The committer's own SQLite connection (see `group`).
    Lite(&'a std::sync::Mutex<rusqlite::Connection>),
    /// sqlx (a transaction derefs to its connection).
    Any(&'a mut AnyConnection),
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Lite(_) => "Tx::Lite",
            Self::Any(_) => "Tx::Any",
        })
    }
}

pub(crate) fn lock(
    conn: &std::sync::Mutex<rusqlite::Connection>,
) -> Result<std::sync::MutexGuard<'_, rusqlite::Connection>, StoreError> {
    conn.lock()
        .map_err(|_| StoreError::Unsupported("the committer's connection failed".into()))
}

impl Tx<'_> {
    /// Runs one statement and returns the rows it changed.
    pub(crate) async fn exec(&mut self, sql: &str, args: &[Arg]) -> Result<u64, StoreError> {
        match self {
            Self::Lite(conn) => {
                let conn = lock(conn)?;
                let changed = if args.len() <= KEEP_PREPARED_ARGS {
                    let mut stmt = conn.prepare_cached(sql)?;
                    bind(&mut stmt, args)?;
                    stmt.raw_execute()?
                } else {
                    let mut stmt = conn.prepare(sql)?;
                    bind(&mut stmt, args)?;
                    stmt.raw_execute()?
                };
                Ok(changed as u64)
            }
            Self::Any(conn) => Ok(any_query(sql, args)
                .execute(&mut **conn)
                .await?
                .rows_affected()),
        }
    }

    /// Every row `sql` returns, each decoded by `each`.
    pub(crate) async fn rows<T>(
        &mut self,
        sql: &str,
        args: &[Arg],
        mut each: impl FnMut(&dyn Cols) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        match self {
            Self::Lite(conn) => {
                let conn = lock(conn)?;
                let mut run = |stmt: &mut rusqlite::Statement<'_>| {
                    bind(stmt, args)?;
                    let mut rows = stmt.raw_query();
                    let mut out = Vec::new();
                    while let Some(row) = rows.next()? {
                        out.push(each(row)?);
                    }
                    Ok(out)
                };
                if args.len() <= KEEP_PREPARED_ARGS {
                    let mut stmt = conn.prepare_cached(sql)?;
                    run(&mut stmt)
                } else {
                    run(&mut conn.prepare(sql)?)
                }
            }
            Self::Any(conn) => {
                let rows = any_query(sql, args).fetch_all(&mut **conn).await?;
                rows.iter().map(|r| each(r)).collect()
            }
        }
    }

    /// The first row `sql` returns, if any.
    pub(crate) async fn row<T>(
        &mut self,
        sql: &str,
        args: &[Arg],
        each: impl FnMut(&dyn Cols) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        Ok(self.rows(sql, args, each).await?.into_iter().next())
    }
}
