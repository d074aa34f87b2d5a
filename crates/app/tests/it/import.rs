//! History import (SPEC §9) and export round trips, on both backends.

use baton_app::AppError;
use baton_domain::account::AccountStatus;
use baton_domain::{AccountId, HandoffId, State};
use baton_testkit::{SCORECARD_EXAMPLE, TestApp, TestDb, on_both_backends};

on_both_backends!(
    the_worked_example_imports_as_it_happened,
    a_bad_line_in_the_middle_applies_nothing_and_is_named,
    export_then_import_into_an_empty_database_then_export_is_byte_identical,
    history_import_does_not_need_the_gate_but_says_so,
    a_second_file_continues_what_the_first_began,
);

async fn the_worked_example_imports_as_it_happened(t: TestApp) {
    let s = t
        .app
        .import_events(Some(t.org.clone()), SCORECARD_EXAMPLE.as_bytes())
        .await
        .unwrap();
    assert_eq!(s.lines, 24);
    assert_eq!(s.handoffs, 4);
    assert_eq!(s.accounts, 5);
    assert_eq!(
        s.users_created, 2,
        "ae1 and ae2 exist in the test org; onb1 and onb2 did not"
    );
    let h = |id: &str| HandoffId::parse(id).unwrap();
    let store = t.app.store();
    let h1 = store.handoff(&t.org, &h("H-1")).await.unwrap().unwrap();
    assert_eq!(
        (h1.state, h1.submitted_score()),
        (State::Accepted, Some(100))
    );
    let h2 = store.handoff(&t.org, &h("H-2")).await.unwrap().unwrap();
    assert_eq!(
        h2.submissions.iter().map(|s| s.score).collect::<Vec<_>>(),
        vec![75, 100]
    );
    assert_eq!(h2.rejections(), 1);
    let h3 = store.handoff(&t.org, &h("H-3")).await.unwrap().unwrap();
    assert_eq!(
        (h3.state, h3.submitted_score()),
        (State::Accepted, Some(50))
    );
    let a3 = store
        .account(&t.org, &AccountId::parse("A-3").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a3.status, AccountStatus::Churned);
    let dir = store.directory(&t.org).await.unwrap();
    let onb1 = &dir.users[&baton_testkit::email("onb1@acme.test")];
    assert!(
        onb1.teams.contains_key("onboarding"),
        "created in the receiving team"
    );
    assert_eq!(onb1.teams.len(), 1);
    assert!(
        dir.users[&baton_testkit::email("onb2@acme.test")]
            .teams
            .contains_key("onboarding")
    );
}

async fn a_bad_line_in_the_middle_applies_nothing_and_is_named(t: TestApp) {
    let mut lines: Vec<String> = SCORECARD_EXAMPLE.lines().map(str::to_string).collect();
    lines[9] = lines[9].replace("\"ae-to-onboarding\"", "\"ae-to-onboardin\"");
    lines[14] = lines[14].replace("economic_buyer", "economic_buyers");
    lines[15] = "{not json".into();
    let before = t.app.store().dump_projections(&t.org).await.unwrap();
    let events_before = t.app.store().event_count(&t.org).await.unwrap();
    let err = t
        .app
        .import_events(Some(t.org.clone()), lines.join("\n").as_bytes())
        .await
        .unwrap_err();
    let AppError::Import(errors) = err else {
        panic!("expected an import report, got {err:?}")
    };
    let numbers: Vec<u64> = errors.iter().map(|e| e.0).collect();
    assert!(
        numbers.contains(&10) && numbers.contains(&15) && numbers.contains(&16),
        "{errors:?}"
    );
    let text = |n: u64| {
        errors
            .iter()
            .find(|e| e.0 == n)
            .map(|e| e.1.clone())
            .unwrap_or_default()
    };
    assert!(
        text(10).contains("unknown contract 'ae-to-onboardin'"),
        "{}",
        text(10)
    );
    assert!(
        text(15).contains("unknown field 'economic_buyers'"),
        "{}",
        text(15)
    );
    assert!(text(16).contains("JSON"), "{}", text(16));
    assert_eq!(
        t.app.store().event_count(&t.org).await.unwrap(),
        events_before
    );
    assert_eq!(
        t.app.store().dump_projections(&t.org).await.unwrap(),
        before,
        "nothing applied"
    );
}

async fn export_then_import_into_an_empty_database_then_export_is_byte_identical(t: TestApp) {
    t.app
        .import_events(Some(t.org.clone()), SCORECARD_EXAMPLE.as_bytes())
        .await
        .unwrap();
    crate::log::live_activity(&t).await;
    let mut first = Vec::new();
    let n = t.app.export_events(&t.org, &mut first).await.unwrap();
    assert!(n > 100, "{n} events");
    // Into an empty database of the same backend.
    let empty = if t.db.url.starts_with("sqlite") {
        TestDb::sqlite().await
    } else {
        TestDb::postgres().await.unwrap()
    };
    let (app, _clock, _db) = TestApp::empty(empty);
    let s = app.import_events(None, first.as_slice()).await.unwrap();
    assert_eq!(s.org, t.org);
    let mut second = Vec::new();
    app.export_events(&s.org, &mut second).await.unwrap();
    assert!(first == second, "export → import → export differs");
    assert_eq!(
        app.store().dump_projections(&s.org).await.unwrap(),
        t.app.store().dump_projections(&t.org).await.unwrap(),
        "the imported projections equal the original ones"
    );
}

async fn history_import_does_not_need_the_gate_but_says_so(t: TestApp) {
    t.gate("ae-to-onboarding").await;
    t.app
        .import_events(Some(t.org.clone()), SCORECARD_EXAMPLE.as_bytes())
        .await
        .unwrap();
    let h3 = t
        .app
        .store()
        .handoff(&t.org, &HandoffId::parse("H-3").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        h3.submitted_score(),
        Some(50),
        "history is recorded as it happened"
    );
    let log = t.app.log(&t.org).await.unwrap();
    let imported = log
        .iter()
        .filter(|e| e.event.kind() == "submitted")
        .collect::<Vec<_>>();
    assert!(!imported.is_empty());
    assert!(
        imported
            .iter()
            .all(|e| e.via == baton_domain::event::Via::Import),
        "every imported event says so"
    );
}

async fn a_second_file_continues_what_the_first_began(t: TestApp) {
    let lines: Vec<&str> = SCORECARD_EXAMPLE.lines().collect();
    // Split where later lines act on handoffs and accounts the first part
    // created: the second import must find them in the database.
    let (first, second) = lines.split_at(12);
    let whole = t.app.store().event_count(&t.org).await.unwrap();
    t.app
        .import_events(Some(t.org.clone()), first.join("\n").as_bytes())
        .await
        .unwrap();
    let s = t
        .app
        .import_events(Some(t.org.clone()), second.join("\n").as_bytes())
        .await
        .unwrap();
    assert!(s.handoffs > 0, "the second part touches handoffs");
    let one_go = TestApp::sqlite().await;
    let one_go_base = one_go.app.store().event_count(&one_go.org).await.unwrap();
    one_go
        .app
        .import_events(Some(one_go.org.clone()), SCORECARD_EXAMPLE.as_bytes())
        .await
        .unwrap();
    let store = t.app.store();
    for id in ["H-1", "H-2", "H-3", "H-4"] {
        let id = HandoffId::parse(id).unwrap();
        let split = store.handoff(&t.org, &id).await.unwrap();
        let joined = one_go.app.store().handoff(&one_go.org, &id).await.unwrap();
        assert_eq!(split, joined, "{id} is the same imported in two parts");
    }
    assert_eq!(
        store.event_count(&t.org).await.unwrap() - whole,
        one_go.app.store().event_count(&one_go.org).await.unwrap() - one_go_base,
    );
}
