//! The `baton` binary end to end: init, import the golden dataset, and the
//! scorecard in each format gives the hand-computed numbers, on SQLite and
//! PostgreSQL.
#![expect(clippy::unwrap_used, reason = "a test fails loudly")]

mod backup;
mod check;
mod config;
mod crash;
mod crm_crash;
mod pg_restart;
mod processes;
mod surveys;
mod usage;
mod warehouse;

use std::process::Command;

use baton_testkit::{SCORECARD_EXAMPLE, TestDb};
use serde_json::Value;

fn baton(url: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "baton {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `baton` with `args`, extra environment and `stdin`, whatever its
/// status: (succeeded, stdout, stderr).
fn baton_piped(args: &[&str], env: &[(&str, &str)], stdin: &str) -> (bool, String, String) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `baton init` of the org "Acme" with its admin, as every test here starts.
fn init_acme(url: &str) {
    baton(
        url,
        &[
            "init",
            "--org",
            "Acme",
            "--admin-email",
            "admin@acme.test",
            "--admin-password",
            "correct horse battery",
        ],
    );
}

async fn the_scorecard_command_gives_the_hand_computed_numbers(db: TestDb) {
    let dir = std::env::temp_dir().join(format!("baton-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("example-{}.jsonl", db.url.len()));
    std::fs::write(&file, SCORECARD_EXAMPLE).unwrap();
    init_acme(&db.url);
    let imported = baton(&db.url, &["import", "events", file.to_str().unwrap()]);
    assert!(imported.contains("Imported 24 lines"), "{imported}");
    let json: Value = serde_json::from_str(&baton(
        &db.url,
        &[
            "scorecard",
            "--contract",
            "ae-to-onboarding",
            "--period",
            "2026-10",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let m = &json["contracts"][0]["metrics"];
    assert_eq!(
        (
            m["completion_rate"]["num"].as_u64(),
            m["completion_rate"]["den"].as_u64()
        ),
        (Some(3), Some(4))
    );
    assert_eq!(m["receiver_acceptance"]["value"], 0.5);
    assert_eq!(m["time_to_acceptance"]["value"], 36.0);
    assert_eq!(m["rediscovery_incidence"]["value"], 0.25);
    assert_eq!(m["leak_to_churn"]["status"], "measured");
    let table = baton(&db.url, &["scorecard", "--period", "2026-10"]);
    let line = table
        .lines()
        .find(|l| l.starts_with("ae-to-onboarding"))
        .unwrap();
    assert!(
        line.contains("75% (3/4) MISSED") && line.contains("36.0 h (n=4) met"),
        "{line}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("mql-to-sdr") && l.contains("no data"))
    );
    let csv = baton(
        &db.url,
        &[
            "scorecard",
            "--contract",
            "ae-to-onboarding",
            "--period",
            "2026-10",
            "--format",
            "csv",
        ],
    );
    assert!(
        csv.lines()
            .any(|l| l == "ae-to-onboarding,2026-10,completion_rate,0.75,3,4,,>= 0.9,missed"),
        "{csv}"
    );
    let leak = baton(
        &db.url,
        &["audit", "leak", "--from", "2026-10", "--to", "2026-10"],
    );
    assert!(leak.contains("Fix first: ae-to-onboarding."), "{leak}");
    assert!(
        leak.contains("Money in USD (most common account currency)"),
        "{leak}"
    );
    // Reported in euros, the dollars convert and the rate used is named.
    let refused = baton_fails(
        &db.url,
        &["currency", "rate", "USD", "0.92", "--from", "2026-01-01"],
    );
    assert!(refused.contains("reporting currency before"), "{refused}");
    baton(&db.url, &["currency", "set", "EUR"]);
    let shown = baton(
        &db.url,
        &["currency", "rate", "USD", "0.92", "--from", "2026-01-01"],
    );
    assert!(
        shown.contains("1 USD = 0.92 EUR from 2026-01-01"),
        "{shown}"
    );
    let leak = baton(
        &db.url,
        &["audit", "leak", "--from", "2026-10", "--to", "2026-10"],
    );
    assert!(
        leak.contains("Rate used: 1 USD = 0.92 EUR from 2026-01-01."),
        "{leak}"
    );
    assert!(
        leak.contains("27600.00 EUR"),
        "30,000 USD leaked at 0.92: {leak}"
    );
    assert!(!leak.contains("Incomplete"), "{leak}");
    the_leak_audit_as_csv_is_a_sheet(&db.url);
    let _ = std::fs::remove_file(&file);
}

/// `baton audit leak --format csv`: a header and one row per contract,
/// ranked, with the same columns on every row; no table, no prose.
fn the_leak_audit_as_csv_is_a_sheet(url: &str) {
    let csv = baton(
        url,
        &[
            "audit", "leak", "--from", "2026-10", "--to", "2026-10", "--format", "csv",
        ],
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "rank,contract,completion_rate,receiver_acceptance,rediscovery_incidence,\
         arr_leaked,arr_leaked_currency,arr_leaked_unconverted,\
         arr_at_risk,arr_at_risk_currency,arr_at_risk_unconverted",
        "{csv}"
    );
    assert_eq!(lines.len(), 1 + 6, "a row per seeded contract: {csv}");
    assert!(
        lines.iter().all(|l| l.matches(',').count() == 10),
        "every row has the header's columns: {csv}"
    );
    assert!(lines[1].starts_with("1,ae-to-onboarding,0.75,"), "{csv}");
    assert!(!csv.contains("Fix first") && !csv.contains("---"), "{csv}");
}

#[tokio::test]
async fn scorecard_on_sqlite() {
    the_scorecard_command_gives_the_hand_computed_numbers(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn scorecard_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        the_scorecard_command_gives_the_hand_computed_numbers(db).await;
    }
}

fn baton_fails(url: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_baton"))
        .arg("--database-url")
        .arg(url)
        .args(args)
        .output()
        .unwrap();
    assert!(!out.status.success(), "baton {args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

/// Subscribe, see the queued deliveries of imported events, refuse bad
/// input with `error: …`, remove.
#[tokio::test]
async fn the_webhooks_command_manages_subscriptions_and_shows_the_log() {
    let db = TestDb::sqlite().await;
    let url = db.url.clone();
    init_acme(&url);
    let id = baton(
        &url,
        &[
            "webhooks",
            "add",
            "http://127.0.0.1:9/hook",
            "--events",
            "account,submitted",
            "--secret",
            "s3cret-s3cret-s3cret",
            "--format",
            "slack",
        ],
    );
    let id = id.trim();
    let list = baton(&url, &["webhooks", "list"]);
    assert!(
        list.contains(id) && list.contains("slack") && list.contains("account,submitted"),
        "{list}"
    );
    let dir = std::env::temp_dir().join(format!("baton-cli-wh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("history.jsonl");
    std::fs::write(&file, SCORECARD_EXAMPLE).unwrap();
    baton(&url, &["import", "events", file.to_str().unwrap()]);
    let log = baton(
        &url,
        &[
            "webhooks",
            "deliveries",
            id,
            "--output",
            "json",
            "--limit",
            "500",
        ],
    );
    let rows: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["status"] == "pending"));
    assert!(
        rows.iter()
            .all(|r| r["event"] == "account" || r["event"] == "submitted")
    );
    let err = baton_fails(
        &url,
        &["webhooks", "redeliver", id, rows[0]["id"].as_str().unwrap()],
    );
    assert!(
        err.starts_with("error: ") && err.contains("still pending"),
        "{err}"
    );
    let err = baton_fails(
        &url,
        &[
            "webhooks",
            "add",
            "ftp://x",
            "--events",
            "*",
            "--secret",
            "s3cret-s3cret-s3cret",
        ],
    );
    assert!(err.starts_with("error: ") && err.contains("url"), "{err}");
    // Nothing listens on the discard port: the test says so and fails.
    let err = baton_fails(&url, &["webhooks", "test", id]);
    assert!(
        err.starts_with("error: test event test-") && err.contains("could not connect"),
        "{err}"
    );
    baton(&url, &["webhooks", "remove", id]);
    assert!(!baton(&url, &["webhooks", "list"]).contains(id));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts `baton serve` with `env`, asks it for each of `paths` (with a
/// request id of the test's own, `test-` and the path's index), stops it and
/// returns what it logged to stderr (a pipe, never a terminal).
async fn serve_logs(env: &[(&str, &str)], paths: &[&str]) -> String {
    use std::io::{BufRead, BufReader, Read};
    let db = TestDb::sqlite().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["--database-url", &db.url, "serve", "--bind", "127.0.0.1:0"])
        .args(["--no-jobs"])
        .env_remove("BATON_LOG")
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let origin = loop {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.strip_prefix("Baton is serving ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    // A request is logged at info, serve's default level.
    for (i, path) in paths.iter().enumerate() {
        client
            .get(format!("{origin}{}", path.trim_start_matches('/')))
            .header("x-request-id", format!("test-{i}"))
            .send()
            .await
            .unwrap();
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    child.wait().unwrap();
    logs
}

/// Logs written anywhere but a terminal (a file, journald, a log shipper)
/// carry no colour escape codes.
#[tokio::test]
async fn logs_to_a_pipe_have_no_colour_codes() {
    let logs = serve_logs(&[], &["/healthz"]).await;
    assert!(logs.contains("/healthz"), "the logs were written: {logs}");
    assert!(!logs.contains('\u{1b}'), "colour codes in: {logs:?}");
}

/// With `BATON_LOG_FORMAT=json` every line is one JSON object, and a
/// request's access line carries its request id, route template and status
/// as fields (at the keys docs/operations.md names), without colour codes.
#[tokio::test]
async fn json_access_logs_carry_the_request_id_route_and_status() {
    let paths = ["/api/v1/handoffs/h-123", "/no/such/page"];
    let logs = serve_logs(&[("BATON_LOG_FORMAT", "json")], &paths).await;
    assert!(!logs.contains('\u{1b}'), "colour codes in: {logs:?}");
    let lines: Vec<Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}")))
        .collect();
    let access = |request_id: &str| {
        lines
            .iter()
            .find(|l| l["span"]["request_id"] == request_id && l["fields"].get("status").is_some())
            .unwrap_or_else(|| panic!("no access line for {request_id} in {logs}"))
    };
    // A route with a parameter is logged by its template, not its path.
    let handoff = access("test-0");
    assert_eq!(
        handoff["span"]["route"], "/api/v1/handoffs/{id}",
        "{handoff}"
    );
    assert_eq!(
        handoff["span"]["path"], "/api/v1/handoffs/h-123",
        "{handoff}"
    );
    assert_eq!(handoff["fields"]["status"], 401, "{handoff}");
    assert_eq!(handoff["level"], "INFO", "{handoff}");
    let unmatched = access("test-1");
    assert_eq!(unmatched["span"]["route"], "unmatched", "{unmatched}");
    assert_eq!(unmatched["fields"]["status"], 404, "{unmatched}");
}
