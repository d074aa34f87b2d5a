//! Two `baton serve` processes against one PostgreSQL, both running the
//! background jobs: every SLA breach is recorded exactly once (and, with a
//! subscription, every event is delivered to its webhook exactly once),
//! whichever process gets there first.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use baton_app::{Clock, SystemClock};
use baton_testkit::TestDb;

use crate::baton;
use serde_json::Value;

/// A `baton serve` child, stopped (SIGTERM, then waited for) on drop.
pub(crate) struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        stop(&mut self.0);
    }
}

fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// Starts `baton serve` on a free port; returns it once it listens.
pub(crate) fn serve(url: &str) -> Serve {
    serve_with(url, &[])
}

/// As [`serve`], with more environment.
pub(crate) fn serve_with(url: &str, env: &[(&str, &str)]) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["--database-url", url, "serve", "--bind", "127.0.0.1:0"])
        .args(["--jobs-interval", "1"])
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let mut lines = BufReader::new(out).lines();
    while !lines
        .next()
        .unwrap()
        .unwrap()
        .starts_with("Baton is serving http://")
    {}
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Serve(child)
}

/// How many lines the exported log has.
fn export_lines(url: &str, dir: &std::path::Path) -> usize {
    let file = dir.join("count.jsonl");
    baton(url, &["export", "events", "--out", file.to_str().unwrap()]);
    std::fs::read_to_string(&file).unwrap().lines().count()
}

/// The `sla_breached` lines of the exported log.
fn breaches(url: &str, dir: &std::path::Path) -> Vec<Value> {
    let file = dir.join("export.jsonl");
    baton(url, &["export", "events", "--out", file.to_str().unwrap()]);
    std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["type"] == "sla_breached")
        .collect()
}

/// What a webhook receiver on 127.0.0.1 got: delivery id → (times, seq).
type Received = Arc<Mutex<BTreeMap<String, (u32, u64)>>>;

/// A receiver that takes every delivery (200) and counts it by its id.
async fn receiver() -> (String, Received) {
    let got: Received = Arc::default();
    let seen = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = seen.clone();
            async move {
                let id = headers["baton-delivery"].to_str().unwrap().to_string();
                let seq = serde_json::from_str::<Value>(&body).unwrap()["seq"]
                    .as_u64()
                    .unwrap();
                let mut seen = seen.lock().unwrap();
                seen.entry(id).or_insert((0, seq)).0 += 1;
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), got)
}

#[tokio::test]
async fn two_serve_processes_record_every_sla_breach_and_deliver_every_webhook_exactly_once() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let url = db.url.clone();
    let dir = std::env::temp_dir().join(format!("baton-two-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let history = demo_history(&url, &dir, "40");
    let before_subscribing = export_lines(&url, &dir);
    let (hook, received) = receiver().await;
    let webhook = baton(
        &url,
        &[
            "webhooks",
            "add",
            &hook,
            "--events",
            "*",
            "--secret",
            "s3cret-s3cret-s3cret",
        ],
    );
    assert!(!webhook.trim().is_empty());
    baton(&url, &["import", "events", history.to_str().unwrap()]);
    let store = baton_store::Store::open(&url).await.unwrap();
    let due: u64 = store
        .sla_counts(SystemClock.now())
        .await
        .unwrap()
        .iter()
        .map(|(_, _, backlog)| backlog)
        .sum();
    assert!(
        due >= 5,
        "the history should leave deadlines passed, found {due}"
    );
    // The import recorded the breaches its late lines made certain (a late
    // acceptance, say); the deadlines still open are the jobs' to record.
    let imported = breaches(&url, &dir).len() as u64;

    let mut a = serve(&url);
    let mut b = serve(&url);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let fired: u64 = store
            .sla_counts(SystemClock.now())
            .await
            .unwrap()
            .iter()
            .map(|(_, fired, _)| fired)
            .sum();
        let pending = store.pending_deliveries().await.unwrap();
        if fired >= imported + due && pending == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {fired} of {imported} + {due} breaches recorded; {pending} deliveries pending"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Both processes finish the round they are in before they exit.
    stop(&mut a.0);
    stop(&mut b.0);

    let lines = breaches(&url, &dir);
    let keys: BTreeSet<(String, String, String)> = lines
        .iter()
        .map(|v| {
            (
                v["handoff"].as_str().unwrap().to_string(),
                v["kind"].as_str().unwrap().to_string(),
                v["due"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(keys.len(), lines.len(), "a breach was recorded twice");
    assert_eq!(lines.len() as u64, imported + due);

    // Every event since the subscription (the import and the breaches) was
    // delivered, each exactly once.
    let received = received.lock().unwrap().clone();
    let twice: Vec<_> = received.iter().filter(|(_, (n, _))| *n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    let seqs: BTreeSet<u64> = received.values().map(|(_, seq)| *seq).collect();
    assert_eq!(
        seqs.len(),
        received.len(),
        "one event under two delivery ids"
    );
    let logged = export_lines(&url, &dir);
    assert_eq!(
        received.len(),
        logged - before_subscribing,
        "every event since the subscription (the import and the breaches), once"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn two_serve_processes_mail_every_notice_exactly_once() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let Some(smtp) = baton_testkit::smtp::SmtpServer::start() else {
        return;
    };
    let url = db.url.clone();
    let dir = std::env::temp_dir().join(format!("baton-two-mail-{}", uuid_like()));
    std::fs::create_dir_all(&dir).unwrap();
    let history = demo_history(&url, &dir, "20");
    // History is old news: the import queues no mail. The deadlines it
    // leaves passed are the jobs' to record, and each breach is told.
    baton(&url, &["import", "events", history.to_str().unwrap()]);
    let store = baton_store::Store::open(&url).await.unwrap();
    assert!(store.pending_notices(10).await.unwrap().is_empty());
    let org = baton_domain::OrgId::parse("demo").unwrap();
    let smtp_url = smtp.url();
    let env = [
        ("BATON_SMTP_URL", smtp_url.as_str()),
        ("BATON_MAIL_FROM", "Baton <baton@demo.test>"),
    ];
    let mut a = serve_with(&url, &env);
    let mut b = serve_with(&url, &env);
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let due: u64 = store
            .sla_counts(SystemClock.now())
            .await
            .unwrap()
            .iter()
            .map(|(_, _, backlog)| backlog)
            .sum();
        let notices = store.pending_notices(1).await.unwrap().len();
        let pending = store
            .mails(
                &org,
                &baton_store::MailSearch {
                    status: Some(baton_store::MailStatus::Pending),
                    ..Default::default()
                },
                1,
            )
            .await
            .unwrap()
            .len();
        let sent = store
            .mails(
                &org,
                &baton_store::MailSearch {
                    status: Some(baton_store::MailStatus::Sent),
                    ..Default::default()
                },
                1,
            )
            .await
            .unwrap()
            .len();
        if due == 0 && notices == 0 && pending == 0 && sent > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{due} deadlines due, {notices} notices and {pending} mails pending, {sent} sent"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop(&mut a.0);
    stop(&mut b.0);
    let sent = store
        .mails(
            &org,
            &baton_store::MailSearch {
                status: Some(baton_store::MailStatus::Sent),
                ..Default::default()
            },
            10_000,
        )
        .await
        .unwrap();
    let kept = smtp.mails();
    let ids: BTreeSet<&str> = kept.iter().map(|m| m.message_id.as_str()).collect();
    assert_eq!(ids.len(), kept.len(), "a mail was sent twice");
    assert_eq!(
        kept.len(),
        sent.len(),
        "every mail recorded sent went out, once"
    );
    assert!(kept.iter().all(|m| m.subject.starts_with("Overdue")));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Generates `accounts` accounts of two months of demo history ending in
/// the past (every open deadline in it has passed by now) into `dir`, and
/// makes the "Demo" org at `url`; returns the history's path.
fn demo_history(url: &str, dir: &std::path::Path, accounts: &str) -> std::path::PathBuf {
    let history = dir.join("history.jsonl");
    baton(
        url,
        &[
            "demo",
            "generate",
            "--accounts",
            accounts,
            "--months",
            "2",
            "--end",
            "2026-06-01T00:00:00Z",
            "--out",
            history.to_str().unwrap(),
        ],
    );
    baton(
        url,
        &[
            "init",
            "--org",
            "Demo",
            "--admin-email",
            "admin@demo.test",
            "--admin-password",
            "correct horse battery",
        ],
    );
    history
}

/// A name no other run of this test uses at the same time.
fn uuid_like() -> String {
    let nanos = SystemClock.now().as_nanosecond();
    format!("{}-{nanos}", std::process::id())
}
