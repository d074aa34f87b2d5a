//! `baton backup` and `baton restore`: SQLite copies taken online with
//! `VACUUM INTO`, and a restore that checks the file before it replaces
//! anything. PostgreSQL has its own tools (pg_dump / pg_restore).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use baton_store::{Backend, SoleUse, Store, sqlite_file};

const PG_DUMP: &str = "this database is PostgreSQL: back it up with its own tools, e.g.\n  \
    pg_dump --format=custom --file baton.dump \"$BATON_DATABASE_URL\"\n\
    and restore with\n  \
    pg_restore --clean --if-exists --no-owner --dbname \"$BATON_DATABASE_URL\" baton.dump\n\
    (see docs/operations.md)";

/// Runs `baton backup FILE`.
pub async fn backup(store: &Store, file: &Path) -> Result<()> {
    if store.backend() == Backend::Postgres {
        bail!("{PG_DUMP}");
    }
    if file.exists() {
        bail!(
            "{} exists; a backup never overwrites: choose a new name",
            file.display()
        );
    }
    store
        .backup_into(file)
        .await
        .with_context(|| format!("cannot write the backup to {}", file.display()))?;
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    println!("Backed up to {} ({bytes} bytes).", file.display());
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Runs `baton restore FILE`: checks FILE, copies it into the database file
/// that `url` names (empty, or replaced with `force`), and migrates it.
pub async fn restore(url: &str, file: &Path, force: bool) -> Result<()> {
    let Some(target) = sqlite_file(url) else {
        bail!("{PG_DUMP}");
    };
    let info = Store::inspect_backup(file).await?;
    // Nobody else may have the database open while its file is replaced: a
    // live server would go on writing to the old file and lose those writes.
    let sole = SoleUse::take(&target)?;
    let occupied = std::fs::metadata(&target).is_ok_and(|m| m.len() > 0);
    if occupied && !force {
        bail!(
            "{} holds a database already; pass --force to replace it (stop `baton serve` first)",
            target.display()
        );
    }
    // Copied beside the target first and renamed over it, so a failure
    // midway leaves the old database (or nothing) in place, never half a file.
    let staging = with_suffix(&target, ".restoring");
    remove_if_present(&staging)?;
    Store::copy_sqlite(file, &staging)
        .await
        .with_context(|| format!("cannot copy {}", file.display()))?;
    for stale in ["-wal", "-shm"] {
        remove_if_present(&with_suffix(&target, stale))?;
    }
    std::fs::rename(&staging, &target)
        .with_context(|| format!("cannot move the copy to {}", target.display()))?;
    // Opening below takes the shared lock like any other user of the file.
    drop(sole);
    let store = Store::open(url)
        .await
        .with_context(|| format!("cannot open the restored {}", target.display()))?;
    store.close().await;
    println!(
        "Restored {} into {}: {} org(s), {} events; schema {} brought to {}.",
        file.display(),
        target.display(),
        info.orgs,
        info.events,
        info.schema,
        info.latest
    );
    Ok(())
}
