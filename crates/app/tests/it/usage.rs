//! Product usage in (issue 22): days per account from a CSV or JSON Lines
//! file or the API, recorded once, corrected by sending a day again, every
//! bad row named with nothing recorded, and the usage an onboarding-to-cs
//! handoff's sender sees beside the telemetry fields.

use baton_app::AppError;
use baton_app::usage::SentDay;
use baton_domain::{AccountId, HandoffId};
use baton_testkit::{TestApp, on_both_backends};
use jiff::civil::date;

on_both_backends!(
    usage_from_csv_and_jsonl_is_recorded_once_and_a_corrected_day_replaces_it,
    a_usage_file_with_bad_rows_names_each_and_records_nothing,
    the_onboarding_to_cs_sender_sees_the_accounts_usage_up_to_the_submission,
);

fn account(id: &str) -> AccountId {
    AccountId::parse(id).unwrap()
}

async fn usage_on(t: &TestApp, id: &str, day: jiff::civil::Date) -> Option<(u32, Option<u32>)> {
    let u = t
        .app
        .account_usage(
            &t.as_user("cs1@acme.test"),
            &account(id),
            Some(day),
            Some(day),
        )
        .await
        .unwrap();
    u.days.first().map(|d| (d.active_users, d.seats))
}

async fn usage_from_csv_and_jsonl_is_recorded_once_and_a_corrected_day_replaces_it(t: TestApp) {
    t.account("A-1", "Aker").await;
    t.account("B-2", "Birk").await;
    let admin = t.as_user("admin@acme.test");
    let csv = "account,day,active_users,seats,features
A-1,2026-09-28,12,40,reports;api
A-1,2026-09-29,14,40,reports
B-2,2026-09-29,3,,
";
    let done = t.app.import_usage(&admin, csv).await.unwrap();
    assert_eq!((done.days, done.written.added), (3, 3));
    // The same file again changes nothing.
    let again = t.app.import_usage(&admin, csv).await.unwrap();
    assert_eq!(
        (
            again.written.added,
            again.written.updated,
            again.written.unchanged
        ),
        (0, 0, 3)
    );
    // A corrected day replaces the one before; a new day is added.
    let jsonl = r#"{"account":"A-1","day":"2026-09-29","active_users":15,"seats":40,"features":["reports"]}

{"account":"A-1","day":"2026-09-30","active_users":16,"seats":45,"features":["reports","sso"]}
"#;
    let fixed = t.app.import_usage(&admin, jsonl).await.unwrap();
    assert_eq!(
        (
            fixed.days,
            fixed.written.added,
            fixed.written.updated,
            fixed.written.unchanged
        ),
        (2, 1, 1, 0)
    );
    assert_eq!(
        usage_on(&t, "A-1", date(2026, 9, 29)).await,
        Some((15, Some(40)))
    );
    assert_eq!(
        usage_on(&t, "B-2", date(2026, 9, 29)).await,
        Some((3, None))
    );
    // Any member may send usage (the product's integration holds a token).
    let sent = SentDay {
        account: "B-2".into(),
        day: "2026-10-01".into(),
        active_users: 4,
        seats: Some(10),
        features: vec!["reports".into()],
    };
    let by_member = t
        .app
        .record_usage(&t.as_user("product1@acme.test"), vec![(0, sent)])
        .await
        .unwrap();
    assert_eq!(by_member.written.added, 1);
    let u = t
        .app
        .account_usage(&t.as_user("cs1@acme.test"), &account("A-1"), None, None)
        .await
        .unwrap();
    assert_eq!(u.days.len(), 3);
    assert_eq!(
        u.adoption
            .features
            .iter()
            .map(|f| f.name.as_str())
            .collect::<Vec<_>>(),
        ["reports", "api", "sso"]
    );
    assert_eq!(u.adoption.seats, Some(45));
}

async fn a_usage_file_with_bad_rows_names_each_and_records_nothing(t: TestApp) {
    t.account("A-1", "Aker").await;
    let admin = t.as_user("admin@acme.test");
    // The clock stands at 2026-10-01T00:00Z: 10-01 has begun (east of UTC
    // it is already midday); 10-02 has not begun anywhere.
    let csv = "account,day,active_users,seats,features
A-1,2026-09-28,12,40,reports
A-1,2026-10-02,12,40,
Z-9,2026-09-28,1,,
A-1,28/09/2026,1,,
A-1,2026-09-27,-3,,
A-1,2026-09-28,13,40,
A-1,2026-09-26,20000000,,
A-1,2026-09-25,1,x,
A-1,2026-10-01,1,,
";
    let e = t.app.import_usage(&admin, csv).await.unwrap_err();
    let AppError::Import(lines) = e else {
        panic!("{e:?}")
    };
    let at: Vec<u64> = lines.iter().map(|l| l.0).collect();
    assert_eq!(at, [3, 4, 5, 6, 7, 8, 9], "{lines:?}");
    let why = |n: u64| lines.iter().find(|l| l.0 == n).unwrap().1.clone();
    assert_eq!(
        why(3),
        "day 2026-10-02 is in the future (today is 2026-10-01)"
    );
    assert_eq!(
        why(4),
        "account 'Z-9' does not exist in this org: create it first"
    );
    assert!(why(5).contains("'28/09/2026' is not a day"), "{}", why(5));
    assert!(why(6).contains("active_users '-3'"), "{}", why(6));
    assert_eq!(
        why(7),
        "account 'A-1' on 2026-09-28 is sent twice: send each day once"
    );
    assert!(why(8).contains("more than 10000000"), "{}", why(8));
    assert!(why(9).contains("seats 'x'"), "{}", why(9));
    // Nothing was recorded, not even the good rows.
    assert_eq!(usage_on(&t, "A-1", date(2026, 9, 28)).await, None);
    assert_eq!(usage_on(&t, "A-1", date(2026, 10, 1)).await, None);

    // A header the import cannot use is named as line 1.
    let e = t
        .app
        .import_usage(&admin, "account,date,users\nA-1,2026-09-28,1\n")
        .await
        .unwrap_err();
    let AppError::Import(lines) = e else {
        panic!("{e:?}")
    };
    assert_eq!(lines[0].0, 1);
    assert!(lines[0].1.contains("unknown column 'date'"), "{lines:?}");
    // A quoted cell may span lines: a row is named by the line it is on.
    let e = t
        .app
        .import_usage(
            &admin,
            "account,day,active_users,seats,features\nA-1,2026-09-20,1,,\"reports;\napi\"\nA-1,2026-09-21,x,,\n",
        )
        .await
        .unwrap_err();
    let AppError::Import(lines) = e else {
        panic!("{e:?}")
    };
    assert_eq!(
        lines.iter().map(|l| l.0).collect::<Vec<_>>(),
        [4],
        "{lines:?}"
    );
    // A JSON line that is not a usage day is named too.
    let jsonl = r#"{"account":"A-1","day":"2026-09-28","active_users":1}
{"account":"A-1","day":"2026-09-29","active_users":1,"users":2}
"#;
    let e = t.app.import_usage(&admin, jsonl).await.unwrap_err();
    let AppError::Import(lines) = e else {
        panic!("{e:?}")
    };
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].0, 2);
    assert!(lines[0].1.contains("unknown field `users`"), "{lines:?}");
    assert_eq!(usage_on(&t, "A-1", date(2026, 9, 28)).await, None);
}

async fn the_onboarding_to_cs_sender_sees_the_accounts_usage_up_to_the_submission(t: TestApp) {
    t.account("A-1", "Aker").await;
    let admin = t.as_user("admin@acme.test");
    let onboarding = t.as_user("onboarding1@acme.test");
    let draft = t
        .draft(
            "onboarding1@acme.test",
            "onboarding-to-cs",
            "A-1",
            Default::default(),
        )
        .await;
    let id: HandoffId = draft.id.clone();
    // No usage yet: nothing to offer.
    let none = t.app.handoff_usage(&onboarding, &id).await.unwrap();
    assert!(none.adoption.text().is_none());
    t.app
        .import_usage(
            &admin,
            "account,day,active_users,seats,features
A-1,2026-09-07,4,40,reports;api
A-1,2026-09-29,22,40,reports
A-1,2026-10-01,31,40,reports;dashboards
",
        )
        .await
        .unwrap();
    let seen = t.app.handoff_usage(&onboarding, &id).await.unwrap();
    let text = seen.adoption.text().unwrap();
    assert!(
        text.starts_with(
            "Weekly active users 4 (week of 2026-09-07) → 31 (week of 2026-09-28) of 40 seats (77%)"
        ),
        "{text}"
    );
    assert!(
        text.contains("Dropped: api (last used 2026-09-07)."),
        "{text}"
    );
    // Submitted, the window ends on the submission's day: usage sent later
    // is not what the sender handed over.
    let mut values = baton_testkit::complete_values("onboarding-to-cs");
    values.insert(
        "adoption_curve".into(),
        serde_json::Value::String(text.clone()),
    );
    t.app
        .edit_handoff(&onboarding, &id, values, Vec::new())
        .await
        .unwrap();
    t.app.submit(&onboarding, &id).await.unwrap();
    t.clock.advance(jiff::SignedDuration::from_hours(24 * 3));
    t.app
        .import_usage(&admin, "account,day,active_users\nA-1,2026-10-03,90\n")
        .await
        .unwrap();
    let at_submission = t
        .app
        .handoff_usage(&t.as_user("cs1@acme.test"), &id)
        .await
        .unwrap();
    assert_eq!(at_submission.adoption.to, date(2026, 10, 1));
    assert_eq!(at_submission.adoption.text().unwrap(), text);
}
