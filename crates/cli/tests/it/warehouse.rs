//! `baton export warehouse` read back by DuckDB (the PyPI wheel, from the
//! virtualenv `.ci/run` makes): every scorecard cell of a month says what
//! `baton scorecard --format json` says, the hand-computed one included;
//! every table's Parquet and CSV hold the same rows; the log holds every
//! event the JSONL export writes. On SQLite and PostgreSQL.
//!
//! The Python with duckdb is `BATON_TEST_DUCKDB_PYTHON`. Without it the
//! test is skipped, unless `BATON_REQUIRE_DUCKDB` is set (CI sets it).

use std::path::{Path, PathBuf};
use std::process::Command;

use baton_testkit::{SCORECARD_EXAMPLE, TestDb};
use serde_json::Value;

use crate::{baton, baton_fails, init_acme};

/// The Python that has duckdb, or `None` to skip.
fn duckdb_python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("BATON_TEST_DUCKDB_PYTHON").map(PathBuf::from)
        && p.exists()
    {
        return Some(p);
    }
    assert!(
        std::env::var_os("BATON_REQUIRE_DUCKDB").is_none(),
        "BATON_REQUIRE_DUCKDB is set but BATON_TEST_DUCKDB_PYTHON names no Python"
    );
    eprintln!("skipped: no BATON_TEST_DUCKDB_PYTHON (a Python with duckdb)");
    None
}

/// Runs `sql` in DuckDB inside `dir` and returns its rows as JSON objects.
fn duckdb(python: &Path, dir: &Path, sql: &str) -> Vec<Value> {
    let script = r#"
import json, sys
import duckdb
cur = duckdb.connect().execute(sys.argv[1])
cols = [d[0] for d in cur.description]
print(json.dumps([dict(zip(cols, r)) for r in cur.fetchall()], default=str))
"#;
    let out = Command::new(python)
        .current_dir(dir)
        .args(["-c", script, sql])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "duckdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn the_warehouse_reads_back_in_duckdb_as_the_scorecard_says(db: TestDb) {
    let Some(python) = duckdb_python() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!(
        "baton-warehouse-{}-{}",
        std::process::id(),
        db.url.len()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("example.jsonl");
    std::fs::write(&file, SCORECARD_EXAMPLE).unwrap();
    init_acme(&db.url);
    baton(&db.url, &["import", "events", file.to_str().unwrap()]);
    let usage = dir.join("usage.csv");
    std::fs::write(
        &usage,
        "account,day,active_users,seats,features\n\
         A-2,2026-09-02,5,,\n\
         A-1,2026-09-01,3,20,reports;api\n",
    )
    .unwrap();
    baton(&db.url, &["usage", "import", usage.to_str().unwrap()]);
    let out = dir.join("warehouse");
    baton(
        &db.url,
        &["export", "warehouse", "--out", out.to_str().unwrap()],
    );

    // Every month cell of 2026-10 is the scorecard's, figure by figure.
    let json: Value = serde_json::from_str(&baton(
        &db.url,
        &["scorecard", "--period", "2026-10", "--format", "json"],
    ))
    .unwrap();
    let cells = duckdb(
        &python,
        &out,
        "SELECT contract, metric, value, numerator, denominator, n, before_n, after_n, status
         FROM 'scorecard_cells.parquet'
         WHERE granularity = 'month' AND period = '2026-10' ORDER BY contract, metric",
    );
    let contracts = json["contracts"].as_array().unwrap();
    assert_eq!(cells.len(), contracts.len() * 6, "{cells:?}");
    for c in &cells {
        let card = contracts
            .iter()
            .find(|k| k["contract"] == c["contract"])
            .unwrap();
        let m = &card["metrics"][c["metric"].as_str().unwrap()];
        for (ours, theirs) in [
            ("value", "value"),
            ("numerator", "num"),
            ("denominator", "den"),
            ("n", "n"),
            ("before_n", "before_n"),
            ("after_n", "after_n"),
            ("status", "status"),
        ] {
            let want = m.get(theirs).cloned().unwrap_or(Value::Null);
            assert_eq!(c[ours], want, "{ours} of {c}: the scorecard says {m}");
        }
    }
    // The hand-computed cell (tests/it/main.rs): 3 of 4 complete.
    assert!(
        cells.iter().any(|c| c["contract"] == "ae-to-onboarding"
            && c["metric"] == "completion_rate"
            && c["numerator"] == 3
            && c["denominator"] == 4),
        "{cells:?}"
    );

    // docs/warehouse.md's query over the raw handoffs reproduces the
    // completion rate of every contract that accepted any.
    let raw = duckdb(
        &python,
        &out,
        "SELECT contract,
                count(*) FILTER (WHERE score = 100) AS num,
                count(*)                            AS den
         FROM 'handoffs.parquet'
         WHERE accepted_at >= TIMESTAMPTZ '2026-10-01 00:00:00+00'
           AND accepted_at <  TIMESTAMPTZ '2026-11-01 00:00:00+00'
         GROUP BY contract
         ORDER BY contract",
    );
    assert!(!raw.is_empty());
    for r in &raw {
        let card = contracts
            .iter()
            .find(|k| k["contract"] == r["contract"])
            .unwrap();
        let m = &card["metrics"]["completion_rate"];
        assert_eq!((&r["num"], &r["den"]), (&m["num"], &m["den"]), "{r}: {m}");
    }

    // The log holds every event the JSONL export writes, in order.
    let log = baton(&db.url, &["export", "events", "--out", "-"]);
    let events = duckdb(
        &python,
        &out,
        "SELECT count(*) AS n, min(seq) AS first, max(seq) AS last,
                count(DISTINCT kind) AS kinds FROM 'events.parquet'",
    );
    assert_eq!(events[0]["n"], log.lines().count(), "{events:?}");
    assert_eq!(events[0]["first"], 1);
    // Each table's CSV holds the rows of its Parquet.
    for table in [
        "events",
        "handoffs",
        "accounts",
        "scorecard_cells",
        "leak_audit",
        "usage",
    ] {
        let both = duckdb(
            &python,
            &out,
            &format!(
                "SELECT (SELECT count(*) FROM '{table}.parquet') AS parquet,
                        (SELECT count(*) FROM read_csv('{table}.csv', header = true)) AS csv"
            ),
        );
        assert_eq!(both[0]["parquet"], both[0]["csv"], "{table}: {both:?}");
    }
    let handoffs = duckdb(
        &python,
        &out,
        "SELECT count(*) AS n FROM 'handoffs.parquet' WHERE state = 'accepted'",
    );
    assert!(handoffs[0]["n"].as_u64().unwrap() > 0, "{handoffs:?}");
    // The leak audit ranks every contract once, and names one to fix first.
    let leak = duckdb(
        &python,
        &out,
        "SELECT count(*) AS n, count(DISTINCT contract) AS contracts,
                sum(CASE WHEN fix_first THEN 1 ELSE 0 END) AS first
         FROM 'leak_audit.parquet'",
    );
    assert_eq!(leak[0]["n"], leak[0]["contracts"], "{leak:?}");
    assert_eq!(leak[0]["first"], 1, "{leak:?}");

    // Usage per account per day, as recorded.
    let days = duckdb(
        &python,
        &out,
        "SELECT account, day, active_users, seats, features FROM 'usage.parquet'",
    );
    assert_eq!(
        Value::from(days),
        serde_json::json!([
            {"account": "A-1", "day": "2026-09-01", "active_users": 3, "seats": 20, "features": "api;reports"},
            {"account": "A-2", "day": "2026-09-02", "active_users": 5, "seats": null, "features": ""},
        ])
    );

    // A folder that holds files is refused, named, and left as it was.
    let refused = baton_fails(
        &db.url,
        &["export", "warehouse", "--out", out.to_str().unwrap()],
    );
    assert!(
        refused.contains(out.to_str().unwrap()) && refused.contains("already holds files"),
        "{refused}"
    );
    assert!(out.join("events.parquet").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn warehouse_on_sqlite() {
    the_warehouse_reads_back_in_duckdb_as_the_scorecard_says(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn warehouse_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        the_warehouse_reads_back_in_duckdb_as_the_scorecard_says(db).await;
    }
}
