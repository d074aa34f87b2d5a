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
    a_history_accepted_before_it_was_submitted_is_refused_naming_both_lines,
    a_handoff_line_out_of_lifecycle_order_is_refused_by_line,
    a_second_file_cannot_date_a_handoff_event_before_what_is_recorded,
    a_contract_line_dated_before_the_previous_one_of_its_contract_is_refused,
    an_account_record_dated_before_the_previous_one_is_refused,
    an_account_and_a_deal_the_import_has_let_go_of_are_still_checked,
);

/// The import's report: every bad line with why.
async fn refused(t: &TestApp, lines: &[&str]) -> Vec<(u64, String)> {
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
    assert_eq!(
        t.app.store().event_count(&t.org).await.unwrap(),
        events_before,
        "nothing imported"
    );
    assert_eq!(
        t.app.store().dump_projections(&t.org).await.unwrap(),
        before,
        "nothing applied"
    );
    errors
}

const ACCOUNT: &str = r#"{"type": "account", "id": "A-1", "name": "Northwind", "arr": {"minor": 4800000, "currency": "USD"}}"#;

/// A complete first submission of H-1 at `at`.
fn submitted(at: &str) -> String {
    let first = SCORECARD_EXAMPLE
        .lines()
        .find(|l| l.contains(r#""handoff": "H-1""#))
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(first).unwrap();
    v["at"] = at.into();
    v.to_string()
}

async fn a_history_accepted_before_it_was_submitted_is_refused_naming_both_lines(t: TestApp) {
    let submitted = submitted("2026-10-05T09:00:00Z");
    // Accepted 96 hours before it was submitted: time to acceptance -96 h.
    let accepted = r#"{"type": "accepted", "handoff": "H-1", "by": "onb1@acme.test", "at": "2026-10-01T09:00:00Z"}"#;
    let errors = refused(&t, &[ACCOUNT, &submitted, accepted]).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (line, why) = &errors[0];
    assert_eq!(*line, 3, "{why}");
    assert!(
        why.contains("2026-10-01T09:00:00Z")
            && why.contains("line 2")
            && why.contains("2026-10-05T09:00:00Z"),
        "names its time and the earlier line it conflicts with: {why}"
    );
    // Nothing reached the scorecard: no negative time to acceptance.
    let card = t
        .app
        .scorecard(
            &t.as_user("admin@acme.test"),
            Some(&baton_domain::ContractKey::parse("ae-to-onboarding").unwrap()),
            baton_domain::period::Period::month_of("2026-10-01T09:00:00Z".parse().unwrap()),
            1,
        )
        .await
        .unwrap();
    assert_eq!(card[0].metrics.time_to_acceptance.value, None);
}

async fn a_handoff_line_out_of_lifecycle_order_is_refused_by_line(t: TestApp) {
    let submitted = submitted("2026-10-05T09:00:00Z");
    let draft = r#"{"type": "draft_created", "handoff": "H-1", "contract": "ae-to-onboarding", "version": 1, "account": "A-1", "to": "onboarding", "by": "ae1@acme.test", "at": "2026-10-04T09:00:00Z", "values": {}}"#;
    let accepted = r#"{"type": "accepted", "handoff": "H-1", "by": "onb1@acme.test", "at": "2026-10-04T10:00:00Z"}"#;
    let later = submitted.replace(r#""contract": "ae-to-onboarding", "#, "");
    // Accepted while a draft, then submitted: the lifecycle refuses it.
    let errors = refused(&t, &[ACCOUNT, draft, accepted, &later]).await;
    let (line, why) = &errors[0];
    assert_eq!(*line, 3, "{errors:?}");
    assert!(why.contains("accept") && why.contains("draft"), "{why}");
    // Accepted, then rejected: a decided handoff is not decided again.
    let accepted = r#"{"type": "accepted", "handoff": "H-1", "by": "onb1@acme.test", "at": "2026-10-05T10:00:00Z"}"#;
    let rejected = r#"{"type": "rejected", "handoff": "H-1", "by": "onb1@acme.test", "at": "2026-10-05T11:00:00Z", "reason": "too late"}"#;
    let errors = refused(&t, &[ACCOUNT, &submitted, accepted, rejected]).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, 4, "{errors:?}");
    assert!(errors[0].1.contains("accepted"), "{errors:?}");
}

async fn a_second_file_cannot_date_a_handoff_event_before_what_is_recorded(t: TestApp) {
    let submitted = submitted("2026-10-05T09:00:00Z");
    t.app
        .import_events(
            Some(t.org.clone()),
            [ACCOUNT, submitted.as_str()].join("\n").as_bytes(),
        )
        .await
        .unwrap();
    let accepted = r#"{"type": "accepted", "handoff": "H-1", "by": "onb1@acme.test", "at": "2026-10-03T09:00:00Z"}"#;
    let errors = refused(&t, &[accepted]).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, 1);
    assert!(
        errors[0].1.contains("2026-10-05T09:00:00Z") && errors[0].1.contains("recorded"),
        "names what the database holds: {}",
        errors[0].1
    );
}

async fn a_contract_line_dated_before_the_previous_one_of_its_contract_is_refused(t: TestApp) {
    // The test org published its contracts at 2026-10-01T00:00:00Z.
    let early = r#"{"type": "mode_changed", "contract": "ae-to-onboarding", "mode": "gated", "by": "admin@acme.test", "at": "2026-09-30T00:00:00Z"}"#;
    let errors = refused(&t, &[early]).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].1.contains("2026-09-30"), "{errors:?}");
    let gated = r#"{"type": "mode_changed", "contract": "ae-to-onboarding", "mode": "gated", "by": "admin@acme.test", "at": "2026-10-05T00:00:00Z"}"#;
    let observe = r#"{"type": "mode_changed", "contract": "ae-to-onboarding", "mode": "observe", "by": "admin@acme.test", "at": "2026-10-04T00:00:00Z"}"#;
    let other = r#"{"type": "mode_changed", "contract": "cs-to-support", "mode": "gated", "by": "admin@acme.test", "at": "2026-10-03T00:00:00Z"}"#;
    let errors = refused(&t, &[gated, other, observe]).await;
    assert_eq!(
        errors.len(),
        1,
        "another contract's line is its own stream: {errors:?}"
    );
    assert_eq!(errors[0].0, 3);
    assert!(errors[0].1.contains("line 1"), "{errors:?}");
}

async fn an_account_record_dated_before_the_previous_one_is_refused(t: TestApp) {
    let first = r#"{"type": "account", "id": "A-1", "name": "Northwind", "arr": {"minor": 100, "currency": "USD"}, "at": "2026-09-20T00:00:00Z"}"#;
    let older = r#"{"type": "account", "id": "A-1", "name": "Northwind Ltd", "arr": {"minor": 200, "currency": "USD"}, "at": "2026-09-10T00:00:00Z"}"#;
    // Signals may be reported late (SPEC §9's own example): only the
    // account's record is in time order.
    let nps = r#"{"type": "nps", "account": "A-1", "score": 9, "at": "2026-09-01T00:00:00Z"}"#;
    let errors = refused(&t, &[first, nps, older]).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, 3);
    assert!(
        errors[0].1.contains("line 1") && errors[0].1.contains("2026-09-20"),
        "{errors:?}"
    );
    t.app
        .import_events(Some(t.org.clone()), [first, nps].join("\n").as_bytes())
        .await
        .unwrap();
}

/// Far enough apart that the import no longer holds the account in
/// memory (two batches of other accounts after it), the account's record
/// order and its deal are still checked, read back from what the import
/// already wrote.
async fn an_account_and_a_deal_the_import_has_let_go_of_are_still_checked(t: TestApp) {
    let first = r#"{"type": "account", "id": "A-0", "name": "Northwind", "arr": {"minor": 100, "currency": "USD"}, "at": "2026-09-20T00:00:00Z"}"#;
    let claim = r#"{"type":"submitted","handoff":"H-0","contract":"ae-to-onboarding","account":"A-0","deal":"006-1","by":"ae1@acme.test","at":"2026-09-21T00:00:00Z","values":{}}"#;
    let others: Vec<String> = (1..=20_000)
        .map(|i| {
            format!(
                r#"{{"type": "account", "id": "A-{i}", "name": "Other {i}", "arr": {{"minor": 100, "currency": "USD"}}, "at": "2026-09-20T00:00:00Z"}}"#
            )
        })
        .collect();
    let older = r#"{"type": "account", "id": "A-0", "name": "Northwind Ltd", "arr": {"minor": 200, "currency": "USD"}, "at": "2026-09-10T00:00:00Z"}"#;
    let again = r#"{"type":"submitted","handoff":"H-X","contract":"ae-to-onboarding","account":"A-0","deal":"006-1","by":"ae1@acme.test","at":"2026-09-22T00:00:00Z","values":{}}"#;
    let mut lines: Vec<&str> = vec![first, claim];
    lines.extend(others.iter().map(String::as_str));
    lines.extend([older, again]);
    let errors = refused(&t, &lines).await;
    assert_eq!(
        errors.iter().map(|(no, _)| *no).collect::<Vec<_>>(),
        [20_003, 20_004],
        "{errors:?}"
    );
    assert!(errors[0].1.contains("2026-09-20"), "{errors:?}");
    assert!(errors[1].1.contains("006-1"), "{errors:?}");
}

async fn the_worked_example_imports_as_it_happened(t: TestApp) {
    let s = t.import_history(SCORECARD_EXAMPLE).await;
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
    t.import_history(SCORECARD_EXAMPLE).await;
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
    let (app, clock, _db) = TestApp::empty(empty);
    // Imported after the fact, like the original.
    clock.set(t.app.now());
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
    t.import_history(SCORECARD_EXAMPLE).await;
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
    t.import_history(&first.join("\n")).await;
    let s = t.import_history(&second.join("\n")).await;
    assert!(s.handoffs > 0, "the second part touches handoffs");
    let one_go = TestApp::sqlite().await;
    let one_go_base = one_go.app.store().event_count(&one_go.org).await.unwrap();
    one_go.clock.set(t.app.now());
    one_go.import_history(SCORECARD_EXAMPLE).await;
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
