//! `baton surveys` end to end (issue 22, part 1): the mapping set from the
//! command line, a preview that records nothing, a file with a bad row
//! refused by line, an import, the review list and an assignment, and the
//! webhook's secret read from standard input; on SQLite and PostgreSQL.

use baton_testkit::TestDb;

use crate::{baton, init_acme};

/// Runs `baton` with `stdin` and extra environment, whatever its status.
fn run(url: &str, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (bool, String, String) {
    let mut all = vec!["--database-url", url];
    all.extend_from_slice(args);
    crate::baton_piped(&all, env, stdin)
}

async fn survey_responses_come_in_from_the_command_line(db: TestDb) {
    let dir = std::env::temp_dir().join(format!(
        "baton-surveys-{}-{}",
        std::process::id(),
        db.url.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    init_acme(&db.url);
    let accounts = file(
        "accounts.jsonl",
        "{\"type\":\"account\",\"id\":\"T-1\",\"name\":\"Tea\",\"arr\":{\"minor\":100,\"currency\":\"USD\"}}\n",
    );
    baton(&db.url, &["import", "events", &accounts]);
    let (ok, _, err) = run(
        &db.url,
        &[
            "surveys",
            "mapping",
            "set",
            "--account",
            "user_id",
            "--score",
            "rating",
            "--date",
            "rated_at",
            "--domain",
            "gmail.com=T-1",
        ],
        "",
        &[],
    );
    assert!(!ok && err.contains("webmail"), "{err}");
    let shown = baton(
        &db.url,
        &[
            "surveys",
            "mapping",
            "set",
            "--response-id",
            "nps_feedback_uid",
            "--account",
            "user_id",
            "--score",
            "rating",
            "--date",
            "rated_at",
            "--comment",
            "review",
        ],
    );
    assert!(shown.contains("score: rating"), "{shown}");

    let bad = file(
        "bad.csv",
        "nps_feedback_uid,user_id,rating,review,rated_at\nn1,T-1,9,Nice,2026-09-01 10:00:00\nn2,T-1,12,,2026-09-03\n",
    );
    let preview = baton(&db.url, &["surveys", "import", &bad, "--preview"]);
    assert!(preview.contains("line 2  matched  T-1"), "{preview}");
    assert!(
        preview.contains("line 3  bad") && preview.contains("12 is not between 0 and 10"),
        "{preview}"
    );
    let (ok, _, err) = run(&db.url, &["surveys", "import", &bad], "", &[]);
    assert!(!ok && err.contains("line 3"), "{err}");

    let good = file(
        "good.csv",
        "nps_feedback_uid,user_id,rating,review,rated_at\nn1,T-1,9,Nice,2026-09-01 10:00:00\nn2,T-9,4,,2026-09-02\n",
    );
    let done = baton(&db.url, &["surveys", "import", &good]);
    assert!(done.contains("1 recorded, 1 unmatched"), "{done}");
    let again = baton(&db.url, &["surveys", "import", &good]);
    assert!(again.contains("2 imported before"), "{again}");
    let list = baton(&db.url, &["surveys", "unmatched"]);
    assert!(list.contains("no account 'T-9'"), "{list}");
    let id = list.split_whitespace().next().unwrap().to_string();
    let assigned = baton(&db.url, &["surveys", "assign", &id, "T-1"]);
    assert!(assigned.contains("assigned to account 'T-1'"), "{assigned}");
    assert!(baton(&db.url, &["surveys", "unmatched"]).contains("No unmatched"));

    let (ok, _, err) = run(
        &db.url,
        &["surveys", "secret"],
        "0123456789abcdef0123456789abcdef\n",
        &[("BATON_SECRET_KEY", "")],
    );
    assert!(!ok && err.contains("BATON_SECRET_KEY"), "{err}");
    let key = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
    let (ok, _, err) = run(
        &db.url,
        &["surveys", "secret"],
        "0123456789abcdef0123456789abcdef\n",
        &[("BATON_SECRET_KEY", key)],
    );
    assert!(ok && err.contains("/api/v1/inbound/surveys/"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn surveys_on_sqlite() {
    survey_responses_come_in_from_the_command_line(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn surveys_on_postgres() {
    if let Some(db) = TestDb::postgres().await {
        survey_responses_come_in_from_the_command_line(db).await;
    }
}
