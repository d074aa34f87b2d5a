//! Who is using a SQLite database file, told by an advisory lock on a file
//! beside it (`baton.db` → `baton.db.lock`).
//!
//! Every process that opens the store on a SQLite file (`baton serve`, any
//! other `baton` command, the tests) holds a **shared** lock for as long as
//! its store lives; several may share it (two `serve` processes over one
//! file are supported). `baton restore` takes the lock **exclusively** before
//! it replaces the file, so it refuses while anyone else has the database
//! open instead of swapping the file under a live server (whose later writes
//! would go to the replaced file and be lost). The kernel drops a process's
//! lock when it exits, even on `kill -9`, so no stale lock survives a crash.
//! The lock file itself is left in place: removing it while another process
//! opens it would let two processes lock two different files.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::StoreError;

/// The SQLite file a `sqlite:` URL names (none for an in-memory database).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

fn lock_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

fn open_lock(db: &Path) -> Result<File, StoreError> {
    let path = lock_path(db);
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| {
            StoreError::Unsupported(format!("cannot open the lock file {}: {e}", path.display()))
        })
}

/// Marks `db` as in use by this process (a shared lock, held while the
/// returned file is open). Refused while a restore replaces the file.
pub(crate) fn share(db: &Path) -> Result<File, StoreError> {
    let file = open_lock(db)?;
    match file.try_lock_shared() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => Err(StoreError::Unsupported(format!(
            "{} is being restored by `baton restore`; start again when it has finished",
            db.display()
        ))),
        Err(TryLockError::Error(e)) => Err(StoreError::Unsupported(format!(
            "cannot lock {}: {e}",
            lock_path(db).display()
        ))),
    }
}

/// Sole use of a SQLite file, for a restore: while it lives, no other
/// process opens the store on that file.
#[derive(Debug)]
pub struct SoleUse {
    _file: File,
}

impl SoleUse {
    /// Takes sole use of `db`, or says who must stop first.
    pub fn take(db: &Path) -> Result<Self, StoreError> {
        let file = open_lock(db)?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file }),
            Err(TryLockError::WouldBlock) => Err(StoreError::Unsupported(format!(
                "{} is in use by another process (a running `baton serve`, or another baton \
                 command): stop `baton serve` first, then restore",
                db.display()
            ))),
            Err(TryLockError::Error(e)) => Err(StoreError::Unsupported(format!(
                "cannot lock {}: {e}",
                lock_path(db).display()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://baton.db"),
            Some(PathBuf::from("baton.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:///var/lib/baton/baton.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/baton/baton.db"))
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://db/baton"), None);
    }

    #[test]
    fn sole_use_waits_for_every_sharer_and_keeps_new_ones_out() {
        let dir = std::env::temp_dir().join(format!("baton-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let db = dir.join("x.db");
        let a = share(&db).unwrap_or_else(|e| panic!("{e}"));
        let b = share(&db).unwrap_or_else(|e| panic!("{e}"));
        assert!(SoleUse::take(&db).is_err(), "two sharers");
        drop(a);
        assert!(SoleUse::take(&db).is_err(), "one sharer left");
        drop(b);
        let sole = SoleUse::take(&db).unwrap_or_else(|e| panic!("{e}"));
        assert!(share(&db).is_err(), "a restore is running");
        drop(sole);
        assert!(share(&db).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
