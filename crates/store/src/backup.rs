//! Backups of a SQLite database: an online, consistent copy with
//! `VACUUM INTO` (a read transaction, so `serve` keeps writing meanwhile and
//! the copy is the database as of one moment), and the checks a restore
//! makes before it trusts a file. PostgreSQL is backed up with its own
//! tools (`pg_dump`), see `docs/operations.md`.

use std::path::Path;
use std::str::FromStr;

use sqlx::Row;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};

use crate::{Backend, Store, StoreError};

/// What a backup file holds, read without changing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    /// The newest migration applied to it.
    pub schema: i64,
    /// The newest migration this build knows.
    pub latest: i64,
    /// Its orgs.
    pub orgs: u64,
    /// Events in its log, all orgs.
    pub events: u64,
}

/// The newest SQLite migration this build knows.
fn latest_sqlite_migration() -> i64 {
    sqlx::migrate!("./migrations/sqlite")
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

fn sqlite_url(path: &Path, mode: &str) -> String {
    format!("sqlite://{}?mode={mode}", path.display())
}

impl Store {
    /// Writes a consistent copy of this SQLite database to `path`, which
    /// must not exist yet. Safe while other processes write.
    pub async fn backup_into(&self, path: &Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Unsupported(
                "backup of PostgreSQL: use pg_dump (see docs/operations.md)".into(),
            ));
        }
        let target = path.to_str().ok_or_else(|| {
            StoreError::Unsupported(format!(
                "a backup path that is not UTF-8: {}",
                path.display()
            ))
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(target.to_string())
            .execute(&self.read)
            .await?;
        Ok(())
    }

    /// Reads what the SQLite file at `path` holds, read-only, and refuses
    /// a file that is not a Baton database or whose schema is newer than
    /// this build's.
    pub async fn inspect_backup(path: &Path) -> Result<BackupInfo, StoreError> {
        sqlx::any::install_default_drivers();
        let not_baton = |why: String| {
            StoreError::Unsupported(format!("{} is not a Baton database: {why}", path.display()))
        };
        if !path.is_file() {
            return Err(not_baton("no such file".into()));
        }
        let url = sqlite_url(path, "ro");
        let options =
            AnyConnectOptions::from_str(&url).map_err(|_| StoreError::BadUrl(url.clone()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| not_baton(e.to_string()))?;
        let info = async {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name IN ('_sqlx_migrations', 'orgs', 'events')",
            )
            .fetch_all(&pool)
            .await
            .map_err(|e| not_baton(e.to_string()))?;
            if tables.len() < 3 {
                return Err(not_baton("it lacks Baton's tables".into()));
            }
            let row = sqlx::query("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&pool)
                .await?;
            let schema: Option<i64> = row.try_get(0)?;
            let schema = schema.unwrap_or(0);
            let latest = latest_sqlite_migration();
            if schema > latest {
                return Err(StoreError::Unsupported(format!(
                    "{} has schema {schema}, newer than this Baton's {latest}: restore it with a newer baton",
                    path.display()
                )));
            }
            let orgs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orgs")
                .fetch_one(&pool)
                .await?;
            let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events")
                .fetch_one(&pool)
                .await?;
            Ok(BackupInfo {
                schema,
                latest,
                orgs: u64::try_from(orgs).unwrap_or(0),
                events: u64::try_from(events).unwrap_or(0),
            })
        }
        .await;
        pool.close().await;
        info
    }

    /// Copies the Baton database at `from` to `to` (which must not exist),
    /// consistently, without changing `from`.
    pub async fn copy_sqlite(from: &Path, to: &Path) -> Result<(), StoreError> {
        sqlx::any::install_default_drivers();
        let url = sqlite_url(from, "ro");
        let options =
            AnyConnectOptions::from_str(&url).map_err(|_| StoreError::BadUrl(url.clone()))?;
        let pool = AnyPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        let target = to.to_str().ok_or_else(|| {
            StoreError::Unsupported(format!("a path that is not UTF-8: {}", to.display()))
        })?;
        let done = sqlx::query("VACUUM INTO $1")
            .bind(target.to_string())
            .execute(&pool)
            .await;
        pool.close().await;
        done?;
        Ok(())
    }
}
