//! A statement's parameters ([`Arg`]) and a result row's columns
//! ([`Cols`]), and how both drivers bind and read them: the one vocabulary
//! the hot reads (`lite`) and the write path (`tx`) share, so each
//! statement is written once for rusqlite and sqlx alike.

use rusqlite::types::Null;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe, Row};

use crate::StoreError;

/// Arguments up to which a statement is kept prepared: the live write
/// path's shapes recur on every write; an import's multi-row statements
/// (thousands of values) rarely repeat, and each compiled program kept
/// would cost megabytes for the life of the connection.
pub(crate) const KEEP_PREPARED_ARGS: usize = 300;

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

/// `sql` with `args` bound, for sqlx's `Any` driver.
pub(crate) fn any_query(sql: &str, args: &[Arg]) -> Query<'static, Any, AnyArguments> {
    bind_all(
        sqlx::query(AssertSqlSafe(sql.to_string())).persistent(args.len() <= KEEP_PREPARED_ARGS),
        args,
    )
}

/// `args` bound to a query of either sqlx driver (`Any`, or PostgreSQL's
/// own for the hot reads).
pub(crate) fn bind_all<'q, DB>(
    mut q: Query<'q, DB, <DB as sqlx::Database>::Arguments>,
    args: &[Arg],
) -> Query<'q, DB, <DB as sqlx::Database>::Arguments>
where
    DB: sqlx::Database,
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for a in args {
        q = match a {
            Arg::Text(s) => q.bind(s.clone()),
            Arg::Int(v) => q.bind(*v),
            Arg::NullText => q.bind(None::<String>),
            Arg::NullInt => q.bind(None::<i64>),
        };
    }
    q
}
