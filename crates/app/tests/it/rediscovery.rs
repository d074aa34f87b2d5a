//! Re-discovery found in notes: suggestions with evidence, decided by a
//! person; only confirmed ones reach the scorecard. On both backends.

use baton_app::AppError;
use baton_app::rediscovery::NoteInput;
use baton_domain::rediscovery::{SuggestedIncident, SuggestionStatus};
use baton_domain::{AccountId, DomainError, Handoff, Timestamp};
use baton_testkit::complete_values;
use baton_testkit::{TestApp, TestDb, on_both_backends};
use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::draft;

on_both_backends!(
    a_note_suggests_re_discovery_and_only_confirmed_ones_count,
    filler_on_record_answers_nothing,
    deciding_is_for_the_receiving_side_and_happens_once,
    imported_notes_are_searched_and_an_export_is_taken_as_it_is,
    a_note_naming_a_team_the_org_does_not_have_is_refused_and_records_nothing,
    imported_notes_beyond_one_read_back_are_all_searched,
    the_sender_reports_no_rediscovery_of_their_own_handoff_live_or_imported,
    a_confirmed_question_teaches_the_detector_its_paraphrase,
    dismissals_raise_their_contracts_threshold,
);

/// A kickoff note that re-asks the economic buyer and the go-live date, and
/// asks one new thing.
pub const KICKOFF: &str = "Kickoff call with the customer. Who signs off on the budget for this? \
    We asked whether there is a hard go-live date we must be live by. \
    Which SSO provider do you use?";

/// An accepted ae-to-onboarding handoff of a new account.
pub async fn accepted_handoff(t: &TestApp, account: &str) -> Handoff {
    accepted_with(t, account, complete_values("ae-to-onboarding")).await
}

/// An accepted ae-to-onboarding handoff of a new account with `values`.
async fn accepted_with(t: &TestApp, account: &str, values: BTreeMap<String, Value>) -> Handoff {
    let h = draft(t, "ae-to-onboarding", account, "ae1@acme.test", values).await;
    t.app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap();
    t.app
        .accept(
            &t.as_user("onboarding1@acme.test"),
            &h.id,
            Default::default(),
        )
        .await
        .unwrap()
        .handoff
}

/// Records a note by onboarding1 and returns the suggestions.
pub async fn note(
    t: &TestApp,
    account: &AccountId,
    text: &str,
    at: Option<Timestamp>,
) -> Vec<SuggestedIncident> {
    t.app
        .record_note(
            &t.as_user("onboarding1@acme.test"),
            NoteInput {
                account: account.clone(),
                text: text.into(),
                author: None,
                team: None,
                at,
            },
        )
        .await
        .unwrap()
        .suggestions
}

async fn a_note_suggests_re_discovery_and_only_confirmed_ones_count(t: TestApp) {
    let h = accepted_handoff(&t, "R-1").await;
    let before = t.rediscovery_incidents("ae-to-onboarding").await;
    let found = note(&t, &h.account, KICKOFF, None).await;
    let fields: Vec<&str> = found.iter().map(|s| s.field.as_str()).collect();
    assert_eq!(
        fields,
        vec!["economic_buyer", "go_live_deadlines"],
        "{found:?}"
    );
    let eb = &found[0];
    assert_eq!(eb.question, "Who signs off on the budget for this?");
    assert_eq!(eb.answer, "Dana Ortiz, CFO; signs up to 250k alone");
    assert_eq!(
        (eb.handoff.clone(), eb.status),
        (h.id.clone(), SuggestionStatus::Open)
    );
    assert_eq!(eb.team.as_ref().map(|t| t.as_str()), Some("onboarding"));
    // Suggested, not yet counted.
    assert_eq!(t.rediscovery_incidents("ae-to-onboarding").await, before);
    let onb = t.as_user("onboarding1@acme.test");
    let confirmed = t.app.decide_suggestion(&onb, &eb.id, true).await.unwrap();
    assert_eq!(confirmed.status, SuggestionStatus::Confirmed);
    t.app
        .decide_suggestion(&onb, &found[1].id, false)
        .await
        .unwrap();
    assert_eq!(
        t.rediscovery_incidents("ae-to-onboarding").await,
        before + 1,
        "the confirmed one counts, the dismissed one does not"
    );
    let open = t
        .app
        .suggestions(&onb, Some(SuggestionStatus::Open), None, 100)
        .await
        .unwrap();
    assert!(open.is_empty(), "{open:?}");
    let all = t
        .app
        .suggestions(&onb, None, Some(&h.account), 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    // Before the handoff was accepted nothing was on record.
    let earlier = t
        .app
        .now()
        .checked_sub(jiff::SignedDuration::from_hours(24 * 30))
        .unwrap();
    assert_eq!(note(&t, &h.account, KICKOFF, Some(earlier)).await, vec![]);
}

async fn filler_on_record_answers_nothing(t: TestApp) {
    let mut values = complete_values("ae-to-onboarding");
    values.insert("economic_buyer".into(), json!("TBD"));
    let h = accepted_with(&t, "R-2", values).await;
    let found = note(
        &t,
        &h.account,
        "Who signs off on the budget for this?",
        None,
    )
    .await;
    assert!(
        found.iter().all(|s| s.field.as_str() != "economic_buyer"),
        "'TBD' answered nothing: {found:?}"
    );
}

async fn deciding_is_for_the_receiving_side_and_happens_once(t: TestApp) {
    let h = accepted_handoff(&t, "R-3").await;
    let found = note(&t, &h.account, KICKOFF, None).await;
    let id = &found[0].id;
    let err = t
        .app
        .decide_suggestion(&t.as_user("marketing1@acme.test"), id, true)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Domain(DomainError::Forbidden(_))),
        "{err:?}"
    );
    let onb = t.as_user("onboarding1@acme.test");
    t.app.decide_suggestion(&onb, id, false).await.unwrap();
    let err = t.app.decide_suggestion(&onb, id, true).await.unwrap_err();
    assert!(
        matches!(&err, AppError::Conflict(m) if m.contains("already dismissed by onboarding1@acme.test")),
        "{err:?}"
    );
    let err = t
        .app
        .decide_suggestion(&onb, "sug-none", true)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
    // Empty notes are refused, naming the field.
    let err = t
        .app
        .record_note(
            &onb,
            NoteInput {
                account: h.account.clone(),
                text: "  ".into(),
                author: None,
                team: None,
                at: None,
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("text"), "{err}");
}

/// An admin may file a note for any team of the org, but not for a team
/// the org does not have (the import refuses the same line).
async fn a_note_naming_a_team_the_org_does_not_have_is_refused_and_records_nothing(t: TestApp) {
    let h = accepted_handoff(&t, "R-9").await;
    let before = t.app.store().event_count(&t.org).await.unwrap();
    let err = t
        .app
        .record_note(
            &t.as_user("admin@acme.test"),
            NoteInput {
                account: h.account.clone(),
                text: KICKOFF.into(),
                author: None,
                team: Some(baton_domain::TeamKey::parse("another-orgs-squad").unwrap()),
                at: None,
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Domain(DomainError::InvalidValue { what, why })
            if what == "team" && why.contains("another-orgs-squad")),
        "{err:?}"
    );
    assert_eq!(t.app.store().event_count(&t.org).await.unwrap(), before);
}

const HISTORY: &str = r#"{"type":"account","id":"N-1","name":"Northwind","arr":{"minor":4800000,"currency":"USD"}}
{"type":"submitted","handoff":"HN-1","contract":"ae-to-onboarding","account":"N-1","by":"ae1@acme.test","at":"2026-10-01T09:00:00Z","values":{"economic_buyer":"Kari Berg (CFO) signs up to 100000 EUR alone","go_live_deadlines":"Go-live 2027-02-15, before the spring tender round"}}
{"type":"accepted","handoff":"HN-1","by":"onboarding1@acme.test","at":"2026-10-02T09:00:00Z"}
{"type":"note","account":"N-1","author":"onboarding1@acme.test","team":"onboarding","at":"2026-10-20T09:00:00Z","text":"Kickoff. Who signs off on the budget for this? Which SSO provider do you use?"}
"#;

async fn imported_notes_are_searched_and_an_export_is_taken_as_it_is(t: TestApp) {
    let s = t.import_history(HISTORY).await;
    assert_eq!(s.suggestions, 1);
    let admin = t.as_user("admin@acme.test");
    let found = t.app.suggestions(&admin, None, None, 100).await.unwrap();
    assert_eq!(found[0].field.as_str(), "economic_buyer");
    assert_eq!(found[0].at.to_string(), "2026-10-20T09:00:00Z");
    t.app
        .decide_suggestion(&t.as_user("onboarding1@acme.test"), &found[0].id, true)
        .await
        .unwrap();
    let mut first = Vec::new();
    t.app.export_events(&t.org, &mut first).await.unwrap();
    let text = String::from_utf8(first.clone()).unwrap();
    assert!(
        text.contains("\"type\":\"rediscovery_suggested\""),
        "{text}"
    );
    let empty = if t.db.url.starts_with("sqlite") {
        TestDb::sqlite().await
    } else {
        TestDb::postgres().await.unwrap()
    };
    let (app, clock, _db) = TestApp::empty(empty);
    // Imported after the fact, like the original.
    clock.set(t.app.now());
    let s = app.import_events(None, first.as_slice()).await.unwrap();
    assert_eq!(
        s.suggestions, 0,
        "an export's suggestions are not found twice"
    );
    let mut second = Vec::new();
    app.export_events(&s.org, &mut second).await.unwrap();
    assert!(first == second, "export → import → export differs");
    // A decision on an unknown suggestion names its line.
    let bad = r#"{"type":"suggestion_decided","id":"sug-x","account":"N-1","confirmed":true,"by":"admin@acme.test","at":"2026-10-21T09:00:00Z"}"#;
    let err = app
        .import_events(Some(s.org.clone()), bad.as_bytes())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("line 1: suggestion 'sug-x'"),
        "{err}"
    );
}

/// The import reads its notes back from the log a page at a time (500):
/// every page is searched, none twice.
async fn imported_notes_beyond_one_read_back_are_all_searched(t: TestApp) {
    const ACCOUNTS: usize = 1_001;
    let mut history = String::new();
    // Each account, its accepted handoff, then every note.
    for line in HISTORY.lines().take(3) {
        for n in 0..ACCOUNTS {
            history.push_str(&line.replace("N-1", &format!("N-{n}")));
            history.push('\n');
        }
    }
    let note = HISTORY.lines().nth(3).unwrap();
    for n in 0..ACCOUNTS {
        history.push_str(&note.replace("N-1", &format!("N-{n}")));
        history.push('\n');
    }
    let s = t.import_history(&history).await;
    assert_eq!(s.suggestions, ACCOUNTS);
    // Both ends of the first two pages (500 notes each), and the third's
    // only note.
    let admin = t.as_user("admin@acme.test");
    for n in [0, 499, 500, ACCOUNTS - 1] {
        let account = baton_domain::AccountId::parse(format!("N-{n}")).unwrap();
        let found = t
            .app
            .suggestions(&admin, None, Some(&account), 10)
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "N-{n}: {found:?}");
    }
}

async fn the_sender_reports_no_rediscovery_of_their_own_handoff_live_or_imported(t: TestApp) {
    let h = accepted_handoff(&t, "L-7").await;
    let incident = || baton_app::accounts::Incident {
        account: h.account.clone(),
        handoff: Some(h.id.clone()),
        field: None,
        note: "asked who the champion is".into(),
        at: None,
    };
    let events = t.app.store().event_count(&t.org).await.unwrap();
    let err = t
        .app
        .record_rediscovery(&t.as_user("ae1@acme.test"), incident())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, baton_app::AppError::Domain(baton_domain::DomainError::Forbidden(m)) if m.contains("not by the sender")),
        "{err:?}"
    );
    // The same line, imported, is refused for the same reason.
    let line = json!({"type": "rediscovery", "account": h.account, "handoff": h.id,
        "by": "ae1@acme.test", "at": t.app.now(), "note": "asked who the champion is"});
    let err = t
        .app
        .import_events(Some(t.org.clone()), format!("{line}\n").as_bytes())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not by the sender"), "{err}");
    assert_eq!(t.app.store().event_count(&t.org).await.unwrap(), events);
    // Whoever re-asked reports it.
    t.app
        .record_rediscovery(&t.as_user("onboarding1@acme.test"), incident())
        .await
        .unwrap();
}

/// Suggested for the competitive displacement on the seeded values.
const MOVING_OFF_OLD_TOOL: &str = "Which old tool are you moving away from?";
/// The same question, which the detector as shipped does not suggest.
const MOVING_OFF: &str = "What are you moving away from?";

async fn a_confirmed_question_teaches_the_detector_its_paraphrase(t: TestApp) {
    let first = accepted_handoff(&t, "T-1").await;
    let later = accepted_handoff(&t, "T-2").await;
    assert_eq!(note(&t, &later.account, MOVING_OFF, None).await, vec![]);
    let found = note(&t, &first.account, MOVING_OFF_OLD_TOOL, None).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].field.as_str(), "competitive_displacement");
    let onb = t.as_user("onboarding1@acme.test");
    t.app
        .decide_suggestion(&onb, &found[0].id, true)
        .await
        .unwrap();
    // Another account, another note: the org's confirmation taught it.
    let taught = note(&t, &later.account, MOVING_OFF, None).await;
    let fields: Vec<&str> = taught.iter().map(|s| s.field.as_str()).collect();
    assert_eq!(fields, vec!["competitive_displacement"], "{taught:?}");
    // And an import searches its notes the same way.
    let line = json!({"type": "note", "account": later.account, "author": "onboarding1@acme.test",
        "team": "onboarding", "at": t.app.now(), "text": MOVING_OFF});
    let s = t
        .app
        .import_events(Some(t.org.clone()), format!("{line}\n").as_bytes())
        .await
        .unwrap();
    assert_eq!(s.suggestions, 1);
}

async fn dismissals_raise_their_contracts_threshold(t: TestApp) {
    let h = accepted_handoff(&t, "T-3").await;
    let contract = baton_domain::ContractKey::parse("ae-to-onboarding").unwrap();
    let onb = t.as_user("onboarding1@acme.test");
    assert_eq!(
        note(&t, &h.account, MOVING_OFF_OLD_TOOL, None).await.len(),
        1
    );
    // Different questions, each suggested: the best-scoring one is
    // confirmed (a bar must keep a right suggestion to rise), the rest
    // dismissed.
    let mut suggested = Vec::new();
    for q in [
        "Who signs off on the budget for this?",
        "We asked whether there is a hard go-live date we must be live by.",
        "What does success look like for the reps?",
        "Is there a freeze we should plan around?",
        "What are you replacing?",
        "Who is our champion there?",
        "Where could this grow next year?",
        "Is the legacy CRM export messy?",
        "How many more seats could EMEA take?",
    ] {
        suggested.extend(note(&t, &h.account, q, None).await);
    }
    suggested.sort_by_key(|s| std::cmp::Reverse(s.score));
    let (mut dismissed, mut confirmed) = (0, 0);
    for (i, s) in suggested.iter().enumerate() {
        let right = i == 0;
        t.app.decide_suggestion(&onb, &s.id, right).await.unwrap();
        if right {
            confirmed += 1;
        } else {
            dismissed += 1;
        }
    }
    assert_eq!(confirmed, 1);
    assert!(
        dismissed + confirmed >= baton_domain::rediscovery::MIN_DECISIONS,
        "{dismissed}"
    );
    let learned = t.app.learned(&t.org).await.unwrap();
    let raised = learned.threshold(&contract).unwrap();
    assert!(raised > baton_domain::rediscovery::THRESHOLD, "{raised}");
    // A question unlike any dismissed one, suggested before, now falls
    // under the contract's threshold.
    assert_eq!(
        note(&t, &h.account, MOVING_OFF_OLD_TOOL, None).await,
        vec![]
    );
    let (quality, _) = t
        .app
        .suggestion_quality(&t.as_user("admin@acme.test"))
        .await
        .unwrap();
    assert_eq!(
        (quality.confirmed, quality.dismissed, quality.open),
        (1, 8, 1)
    );
    assert_eq!(quality.precision(), Some(1.0 / 9.0));
    let err = t.app.suggestion_quality(&onb).await.unwrap_err();
    assert!(
        matches!(err, AppError::Domain(DomainError::Forbidden(_))),
        "{err:?}"
    );
}
