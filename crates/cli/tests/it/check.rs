//! `baton check` says why values do not count, and `baton eval
//! rediscovery` prints the detector's figures.

fn baton(args: &[&str], stdin: &str) -> (bool, String, String) {
    crate::baton_piped(args, &[], stdin)
}

#[test]
fn check_says_why_each_value_does_not_count() {
    let dir = std::env::temp_dir().join(format!("baton-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("check.db").display());
    let (ok, _, err) = baton(
        &[
            "--database-url",
            &url,
            "init",
            "--org",
            "Acme",
            "--admin-email",
            "admin@acme.test",
            "--admin-password",
            "correct horse battery",
        ],
        "",
    );
    assert!(ok, "{err}");
    let values = r#"{"economic_buyer": "TBD", "champion_map": "Lee Park (VP Ops) strong; CFO neutral",
        "commitments": "Verbal: SSO by week 6; contract 99.9% uptime",
        "success_criteria": "Verbal: SSO by week 6; contract 99.9% uptime",
        "go_live_deadlines": "As soon as their new team is hired",
        "expansion_hypothesis": "Expansion hypothesis"}"#;
    let (ok, out, err) = baton(
        &[
            "--database-url",
            &url,
            "check",
            "--contract",
            "ae-to-onboarding",
        ],
        values,
    );
    assert!(ok, "{err}");
    for expected in [
        "ae-to-onboarding v1 (observe): 38 / 100",
        "✗ economic_buyer               'TBD' is a placeholder",
        "✓ champion_map                 counts",
        "✗ success_criteria             repeats 'Verbal vs contractual commitments' word for word",
        "✗ expansion_hypothesis         repeats the field's label",
        "⚠ no date: say when (a date, month or quarter)",
    ] {
        assert!(out.contains(expected), "{expected}\n{out}");
    }
    let (ok, _, err) = baton(
        &[
            "--database-url",
            &url,
            "check",
            "--contract",
            "ae-to-onboarding",
        ],
        r#"{"nope": "x"}"#,
    );
    assert!(!ok && err.contains("unknown field 'nope'"), "{err}");
}

#[test]
fn check_does_not_count_dressed_up_filler_nor_people_without_what_the_seed_asks() {
    let dir = std::env::temp_dir().join(format!("baton-check-filler-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("check.db").display());
    let (ok, _, err) = baton(
        &[
            "--database-url",
            &url,
            "init",
            "--org",
            "Acme",
            "--admin-email",
            "admin@acme.test",
            "--admin-password",
            "correct horse battery",
        ],
        "",
    );
    assert!(ok, "{err}");
    let check = |contract: &str, values: serde_json::Value| {
        let (ok, out, err) = baton(
            &["--database-url", &url, "check", "--contract", contract],
            &values.to_string(),
        );
        assert!(ok, "{err}");
        out
    };
    let filler = [
        ("economic_buyer", "tbd tbd tbd tbd tbd"),
        ("champion_map", "N/A N/A N/A N/A"),
        ("commitments", "TBD - will update later"),
        ("success_criteria", "will fill in later"),
        ("implementation_risks", "Unknown at this time"),
        ("competitive_displacement", "asdfasdfasdfasdf"),
        ("go_live_deadlines", "lorem ipsum dolor sit amet"),
    ];
    let mut values: serde_json::Map<String, serde_json::Value> = filler
        .iter()
        .map(|(k, v)| ((*k).to_string(), serde_json::json!(v)))
        .collect();
    values.insert(
        "expansion_hypothesis".into(),
        serde_json::json!("Year 2: EMEA team, 40 more seats"),
    );
    let out = check("ae-to-onboarding", values.into());
    assert!(
        out.contains("ae-to-onboarding v1 (observe): 13 / 100"),
        "{out}"
    );
    for (k, v) in filler {
        let line = format!("✗ {k:<28} '{v}' is a placeholder");
        assert!(out.contains(&line), "{line}\n{out}");
    }
    let out = check(
        "sdr-to-ae",
        serde_json::json!({"stakeholders": "Dana Ortiz (CFO)"}),
    );
    let line = format!(
        "✗ {:<28} 'Dana Ortiz (CFO)' has no reaction: write 'Name (role): reaction'",
        "stakeholders"
    );
    assert!(out.contains(&line), "{line}\n{out}");
    let out = check(
        "mql-to-sdr",
        serde_json::json!({"buying_trigger": "New VP of Sales hired last month"}),
    );
    assert!(
        out.contains(
            "no confidence: say how sure you are, e.g. 'New VP of Sales hired last month (70%)'"
        ),
        "{out}"
    );
}

#[test]
fn eval_prints_precision_and_recall_on_the_held_out_set() {
    let (ok, out, err) = baton(&["eval", "rediscovery"], "");
    assert!(ok, "{err}");
    assert!(out.contains("set: test (held out)"), "{out}");
    assert!(out.contains("questions: 216"), "{out}");
    assert!(
        out.contains("precision 0.") && out.contains("recall 0."),
        "{out}"
    );
    let (ok, _, err) = baton(&["eval", "rediscovery", "--set", "nope"], "");
    assert!(!ok && err.contains("--set 'nope'"), "{err}");
}

#[test]
fn eval_learn_split_measures_the_learning_on_every_shipped_set() {
    for set in ["dev", "test", "unseen"] {
        let (ok, out, err) = baton(&["eval", "rediscovery", "--set", set, "--learn-split"], "");
        assert!(ok, "{err}");
        for part in ["learned on odd", "learned on even"] {
            assert!(out.contains(part), "{set}: {out}");
        }
        assert_eq!(
            out.matches("  as shipped: precision 0.").count(),
            2,
            "{out}"
        );
        assert_eq!(out.matches("  learned:    precision ").count(), 2, "{out}");
    }
}
