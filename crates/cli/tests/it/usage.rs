//! `baton usage` end to end: a CSV file and a JSON Lines file recorded,
//! the same file again changing nothing, a bad file named line by line with
//! nothing recorded, and an account's adoption curve shown.

use baton_testkit::{SCORECARD_EXAMPLE, TestDb};

use crate::{baton, baton_fails, init_acme};

#[tokio::test]
async fn the_usage_command_records_files_and_shows_the_adoption_curve() {
    let db = TestDb::sqlite().await;
    let url = db.url.clone();
    let dir = tempfile_dir();
    init_acme(&url);
    let history = dir.join("history.jsonl");
    std::fs::write(&history, SCORECARD_EXAMPLE).unwrap();
    baton(&url, &["import", "events", history.to_str().unwrap()]);

    let csv = dir.join("usage.csv");
    std::fs::write(
        &csv,
        "account,day,active_users,seats,features\n\
         A-1,2026-09-14,3,20,reports;api\n\
         A-1,2026-09-21,9,20,reports\n",
    )
    .unwrap();
    let out = baton(&url, &["usage", "import", csv.to_str().unwrap()]);
    assert_eq!(out, "2 days: 2 new, 0 replaced, 0 unchanged.\n");
    let out = baton(&url, &["usage", "import", csv.to_str().unwrap()]);
    assert_eq!(out, "2 days: 0 new, 0 replaced, 2 unchanged.\n");
    let jsonl = dir.join("usage.jsonl");
    std::fs::write(
        &jsonl,
        r#"{"account":"A-1","day":"2026-09-21","active_users":10,"seats":20,"features":["reports"]}
{"account":"A-1","day":"2026-09-30","active_users":14,"seats":20,"features":["reports","alerts"]}
"#,
    )
    .unwrap();
    let out = baton(&url, &["usage", "import", jsonl.to_str().unwrap()]);
    assert_eq!(out, "2 days: 1 new, 1 replaced, 0 unchanged.\n");

    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "account,day,active_users\nA-1,2026-09-01,1\nNOPE-1,2026-09-01,1\nA-1,2026-09-02,many\n",
    )
    .unwrap();
    let err = baton_fails(&url, &["usage", "import", bad.to_str().unwrap()]);
    let shown = bad.display();
    assert!(
        err.contains(&format!(
            "{shown}:3: account 'NOPE-1' does not exist in this org: create it first"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{shown}:4: active_users 'many' is not a whole number of people"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("2 bad line(s) in {shown}; nothing was recorded")),
        "{err}"
    );

    let out = baton(
        &url,
        &[
            "usage",
            "show",
            "A-1",
            "--from",
            "2026-09-01",
            "--to",
            "2026-09-30",
        ],
    );
    assert!(
        out.contains(
            "Weekly active users 3 (week of 2026-09-14) → 14 (week of 2026-09-28) of 20 seats (70%)"
        ),
        "{out}"
    );
    assert!(
        out.contains("Dropped: api (last used 2026-09-14)."),
        "{out}"
    );
    // The bad file's good line (2026-09-01) was not recorded.
    assert!(out.contains("usage reported on 3 days"), "{out}");
    let err = baton_fails(&url, &["usage", "show", "A-1", "--from", "last week"]);
    assert!(err.contains("'last week'"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("baton-usage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
