//! `baton backup` while the database is being written gives a copy that
//! opens, answers `baton status`, and exports a prefix of the source's log
//! (exactly the source's log once writes stop); `baton restore` checks the
//! file, refuses to overwrite without --force, and PostgreSQL points to
//! pg_dump.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use baton_app::accounts::AccountInput;
use baton_domain::{AccountId, Currency, Money};
use baton_testkit::TestApp;

fn run(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .output()
        .unwrap()
}

fn ok(url: &str, args: &[&str]) -> String {
    let out = run(url, args);
    assert!(
        out.status.success(),
        "baton {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn refused(url: &str, args: &[&str]) -> String {
    let out = run(url, args);
    assert!(!out.status.success(), "baton {args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

fn export(url: &str) -> String {
    ok(url, &["export", "events", "--out", "-"])
}

fn url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// A folder beside the test's own database (unique per test).
fn scratch(t: &TestApp) -> PathBuf {
    let db = t.db.url.strip_prefix("sqlite://").unwrap();
    let dir = Path::new(db).parent().unwrap().join("backups");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn write_account(t: &TestApp, n: u64) {
    t.app
        .upsert_account(
            &t.as_user("admin@acme.test"),
            AccountInput {
                id: AccountId::parse(format!("A-{n}")).unwrap(),
                name: format!("Customer {n}"),
                arr: Money {
                    minor: 100 * i64::try_from(n).unwrap(),
                    currency: Currency::parse("USD").unwrap(),
                },
                segment: None,
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_backup_taken_during_writes_is_a_consistent_database_and_restores() {
    let t = TestApp::sqlite().await;
    for n in 0..20 {
        write_account(&t, n).await;
    }
    let before = export(&t.db.url).lines().count();
    let dir = scratch(&t);
    let copy = dir.join("copy.db");

    // Writes keep coming while the backup runs in another process.
    let done = Arc::new(AtomicBool::new(false));
    let t = Arc::new(t);
    let writer = {
        let (t, done) = (t.clone(), done.clone());
        tokio::spawn(async move {
            let mut n = 1000;
            while !done.load(Ordering::SeqCst) || n < 1010 {
                write_account(&t, n).await;
                n += 1;
            }
            n - 1000
        })
    };
    let (src, file) = (t.db.url.clone(), copy.clone());
    let said = tokio::task::spawn_blocking(move || ok(&src, &["backup", file.to_str().unwrap()]))
        .await
        .unwrap();
    done.store(true, Ordering::SeqCst);
    let written = writer.await.unwrap();
    assert!(written >= 10);
    assert!(said.contains("Backed up to"), "{said}");

    // The copy opens and answers like a database.
    let status = ok(&url(&copy), &["status"]);
    assert!(status.contains("Acme"), "{status}");
    // Its log is the source's log as of one moment: a prefix of it, holding
    // at least what was there before the backup began.
    let copied = export(&url(&copy));
    let source = export(&t.db.url);
    assert!(
        source.starts_with(&copied),
        "the copy is not a prefix of the source"
    );
    assert!(copied.lines().count() >= before);
    assert!(copied.ends_with('\n'));

    // Once writes stop, a backup equals the source exactly.
    let still = dir.join("still.db");
    ok(&t.db.url, &["backup", still.to_str().unwrap()]);
    assert_eq!(export(&url(&still)), source);
    // A backup never overwrites.
    let again = refused(&t.db.url, &["backup", still.to_str().unwrap()]);
    assert!(again.contains("exists"), "{again}");

    // Restore into an absent target: the same log.
    let target = dir.join("restored.db");
    let said = ok(&url(&target), &["restore", still.to_str().unwrap()]);
    assert!(said.contains("Restored"), "{said}");
    assert_eq!(export(&url(&target)), source);

    // Restoring over a database needs --force; without it nothing changes.
    let older = copy.to_str().unwrap();
    let no = refused(&url(&target), &["restore", older]);
    assert!(no.contains("--force"), "{no}");
    assert_eq!(export(&url(&target)), source);
    ok(&url(&target), &["restore", older, "--force"]);
    assert_eq!(export(&url(&target)), copied);

    // A file that is not a Baton database is refused, target untouched.
    let junk = dir.join("junk.db");
    std::fs::write(&junk, b"hello, not a database").unwrap();
    let bad = refused(
        &url(&target),
        &["restore", junk.to_str().unwrap(), "--force"],
    );
    assert!(bad.contains("not a Baton database"), "{bad}");
    assert_eq!(export(&url(&target)), copied);

    // An older schema is brought up to date on restore: roll the copy's
    // migration record back as if an older Baton wrote it.
    let old = dir.join("old.db");
    std::fs::copy(&still, &old).unwrap();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url(&old)).await.unwrap();
    sqlx::query("DROP TABLE crm_rules")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 10")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let fresh = dir.join("fresh.db");
    let said = ok(&url(&fresh), &["restore", old.to_str().unwrap()]);
    assert!(said.contains("schema"), "{said}");
    assert_eq!(export(&url(&fresh)), source);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn postgres_is_pointed_to_pg_dump() {
    let Some(t) = TestApp::postgres().await else {
        return;
    };
    let file = std::env::temp_dir().join(format!("baton-pg-{}.db", std::process::id()));
    let no = refused(&t.db.url, &["backup", file.to_str().unwrap()]);
    assert!(no.contains("pg_dump"), "{no}");
    assert!(!file.exists());
    let no = refused(&t.db.url, &["restore", file.to_str().unwrap()]);
    assert!(no.contains("pg_restore"), "{no}");
}

#[tokio::test]
async fn restore_refuses_while_a_server_uses_the_database() {
    let t = TestApp::sqlite().await;
    write_account(&t, 1).await;
    let dir = scratch(&t);
    let live = dir.join("live.db");
    ok(&t.db.url, &["backup", live.to_str().unwrap()]);
    let older = dir.join("older.db");
    ok(&t.db.url, &["backup", older.to_str().unwrap()]);
    let live_url = url(&live);
    // A real server on the live file; it is ready once it says it serves.
    let server = crate::processes::serve(&live_url);
    let before = export(&live_url);
    let no = refused(&live_url, &["restore", older.to_str().unwrap(), "--force"]);
    assert!(
        no.contains("in use") && no.contains("stop `baton serve`"),
        "{no}"
    );
    assert_eq!(export(&live_url), before, "the live database is untouched");
    // Once the server stops, the same restore goes through.
    drop(server);
    let said = ok(&live_url, &["restore", older.to_str().unwrap(), "--force"]);
    assert!(said.contains("Restored"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}
