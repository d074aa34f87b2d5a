//! SLA breaches (SPEC §3): the job records each unmet deadline once, at the
//! right time, across restarts and concurrent runs, and the breach travels
//! through export and import unchanged. Time comes from the fixed clock; the
//! job is driven by calling it.

use baton_testkit::complete_values;
use std::collections::BTreeMap;
use std::sync::Arc;

use baton_app::sla::BreachRound;
use baton_app::{App, AppError, FixedClock};
use baton_domain::event::{Event, Stream, Via};
use baton_domain::sla::SlaKind;
use baton_domain::{Handoff, HandoffId, Timestamp};
use baton_store::Store;
use baton_testkit::{TestApp, TestDb, on_both_backends, start_time};
use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::draft;

on_both_backends!(
    an_acceptance_breach_fires_once_at_its_due_and_not_again_after_a_restart,
    first_touch_breaches_for_mql_to_sdr,
    echo_and_close_the_loop_breach_for_cs_to_support,
    an_ack_breach_fires_for_a_handoff_accepted_without_one,
    reunification_breaches_on_its_agreed_date,
    a_deadline_met_before_it_is_due_never_fires,
    a_long_outage_fires_every_passed_deadline_once_with_its_original_due,
    two_jobs_at_once_record_each_breach_once,
    breaches_survive_export_import_and_rebuild_unchanged,
    deadlines_of_handoffs_older_than_the_table_are_filled_on_the_next_start,
    a_late_acceptance_records_one_breach_even_when_the_job_runs_after_it,
    a_passed_deadline_is_recorded_however_the_handoff_ends,
    the_job_records_a_breach_at_its_due_not_when_it_noticed,
    imported_history_with_a_late_acceptance_shows_the_breach_and_round_trips,
    an_old_exports_breach_line_far_after_its_late_line_is_still_the_same_breach,
    a_first_touch_within_the_window_meets_the_mql_to_sdr_sla,
    a_first_touch_after_the_deadline_records_the_breach,
    only_the_receiving_sdr_records_first_touch_and_only_where_the_contract_has_one,
    a_crm_activity_records_first_touch_on_the_matching_handoff,
);

fn hours(h: i64) -> SignedDuration {
    SignedDuration::from_hours(h)
}

fn at(t: &TestApp, offset: SignedDuration) {
    t.clock.set(start_time() + offset);
}

async fn run(app: &App) -> BreachRound {
    app.fire_sla_breaches().await.unwrap()
}

fn kinds(r: &BreachRound) -> Vec<(SlaKind, Timestamp)> {
    r.fired.iter().map(|f| (f.kind, f.due)).collect()
}

async fn stored(t: &TestApp, id: &HandoffId) -> Handoff {
    t.app.store().handoff(&t.org, id).await.unwrap().unwrap()
}

/// The `sla_breached` events of a handoff's stream: (kind, due, at, via).
async fn breach_events(app: &App, t: &TestApp, id: &HandoffId) -> Vec<(SlaKind, Timestamp, Via)> {
    app.store()
        .stream_events(&t.org, &Stream::Handoff(id.clone()).to_string())
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.event {
            Event::SlaBreached { kind, due, .. } => Some((kind, due, e.via)),
            _ => None,
        })
        .collect()
}

/// An app over the same database through a new connection pool: what a
/// restarted (or second) process sees.
async fn reopen(t: &TestApp) -> (App, Arc<FixedClock>) {
    let store = Store::open(&t.db.url).await.unwrap();
    let clock = Arc::new(FixedClock::new(t.app.now()));
    (App::new(store, clock.clone()), clock)
}

async fn submitted(
    t: &TestApp,
    contract: &str,
    account: &str,
    sender: &str,
    values: BTreeMap<String, Value>,
) -> Handoff {
    let h = draft(t, contract, account, sender, values).await;
    t.app.submit(&t.as_user(sender), &h.id).await.unwrap();
    h
}

fn cs_values(echo: &str) -> BTreeMap<String, Value> {
    BTreeMap::from([
        (
            "originating_signal".to_string(),
            json!("P1 ticket: exports failing for every user"),
        ),
        (
            "impact_statement".to_string(),
            json!("Finance cannot close the month without exports"),
        ),
        ("echo_cadence".to_string(), json!(echo)),
        (
            "communication_owner".to_string(),
            json!("Casey (CSM) <cs1@acme.test>"),
        ),
        ("close_loop_window".to_string(), json!("24")),
    ])
}

async fn an_acceptance_breach_fires_once_at_its_due_and_not_again_after_a_restart(t: TestApp) {
    // Observe mode (the default): acceptance within 48 hours.
    let observed = submitted(
        &t,
        "ae-to-onboarding",
        "A-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    // Gated: the same promise holds once the gate let it through.
    at(&t, hours(1));
    t.gate("ae-to-onboarding").await;
    let gated = submitted(
        &t,
        "ae-to-onboarding",
        "A-2",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    let due = start_time() + hours(48);

    at(&t, hours(48) - SignedDuration::from_secs(1));
    assert_eq!(run(&t.app).await.fired, vec![], "a second before its due");
    at(&t, hours(48));
    assert_eq!(
        run(&t.app).await.fired,
        vec![],
        "at its due it is still kept"
    );
    at(&t, hours(48) + SignedDuration::from_micros(1));
    let r = run(&t.app).await;
    assert_eq!(kinds(&r), vec![(SlaKind::Acceptance, due)]);
    assert_eq!(r.fired[0].handoff, observed.id);
    assert_eq!(
        breach_events(&t.app, &t, &observed.id).await,
        vec![(SlaKind::Acceptance, due, Via::System)]
    );
    let h = stored(&t, &observed.id).await;
    assert_eq!(h.breaches.len(), 1);
    assert_eq!(
        h.breaches[0].at, due,
        "at its due, not when the job noticed"
    );

    // The gated one is due an hour later.
    at(&t, hours(49) + SignedDuration::from_secs(1));
    let r = run(&t.app).await;
    assert_eq!(kinds(&r), vec![(SlaKind::Acceptance, due + hours(1))]);
    assert_eq!(r.fired[0].handoff, gated.id);

    // Again, and after a restart: nothing more.
    at(&t, hours(200));
    assert_eq!(run(&t.app).await, BreachRound::default());
    let (restarted, _clock) = reopen(&t).await;
    assert_eq!(run(&restarted).await, BreachRound::default());
    assert_eq!(breach_events(&t.app, &t, &observed.id).await.len(), 1);
    assert_eq!(breach_events(&t.app, &t, &gated.id).await.len(), 1);
    // Accepting late changes nothing recorded.
    t.app
        .accept(
            &t.as_user("onboarding1@acme.test"),
            &observed.id,
            BTreeMap::new(),
        )
        .await
        .unwrap();
    assert_eq!(run(&t.app).await, BreachRound::default());
    assert_eq!(stored(&t, &observed.id).await.breaches.len(), 1);
    assert!(t.app.rebuild(&t.org).await.unwrap().identical);
}

async fn first_touch_breaches_for_mql_to_sdr(t: TestApp) {
    let values = BTreeMap::from([("first_touch_sla".to_string(), json!(4))]);
    let h = submitted(&t, "mql-to-sdr", "A-1", "marketing1@acme.test", values).await;
    at(&t, hours(2));
    t.app
        .accept(&t.as_user("sdr1@acme.test"), &h.id, BTreeMap::new())
        .await
        .unwrap();
    let due = start_time() + hours(6);
    at(&t, hours(6) - SignedDuration::from_secs(1));
    assert_eq!(run(&t.app).await.fired, vec![]);
    at(&t, hours(6) + SignedDuration::from_secs(1));
    assert_eq!(kinds(&run(&t.app).await), vec![(SlaKind::FirstTouch, due)]);
    let (restarted, _clock) = reopen(&t).await;
    assert_eq!(run(&restarted).await.fired, vec![]);
    assert_eq!(
        breach_events(&t.app, &t, &h.id).await,
        vec![(SlaKind::FirstTouch, due, Via::System)]
    );
}

async fn echo_and_close_the_loop_breach_for_cs_to_support(t: TestApp) {
    let h = submitted(
        &t,
        "cs-to-support",
        "A-1",
        "cs1@acme.test",
        cs_values("daily"),
    )
    .await;
    let sup = t.as_user("support1@acme.test");
    at(&t, hours(1));
    let eta = BTreeMap::from([("ack_eta".to_string(), json!("2026-10-05T12:00:00Z"))]);
    t.app.accept(&sup, &h.id, eta).await.unwrap();
    // Accepting with an ETA acknowledges; the first echo is due a day later.
    let echo_due = start_time() + hours(25);
    at(&t, hours(25) - SignedDuration::from_secs(1));
    assert_eq!(run(&t.app).await.fired, vec![]);
    at(&t, hours(25) + SignedDuration::from_secs(1));
    assert_eq!(kinds(&run(&t.app).await), vec![(SlaKind::Echo, echo_due)]);
    assert_eq!(
        run(&t.app).await.fired,
        vec![],
        "one breach per missed echo"
    );
    // An echo re-arms the cadence; resolving ends it and starts the
    // close-the-loop window (24 hours).
    at(&t, hours(26));
    t.app
        .echo(&sup, &h.id, "Fix in review".into())
        .await
        .unwrap();
    at(&t, hours(30));
    t.app
        .resolve(&sup, &h.id, "Patched the export job".into())
        .await
        .unwrap();
    let close_due = start_time() + hours(54);
    at(&t, hours(54) - SignedDuration::from_secs(1));
    assert_eq!(
        run(&t.app).await.fired,
        vec![],
        "the echo due at 50 h ended with the resolution"
    );
    at(&t, hours(54) + SignedDuration::from_secs(1));
    assert_eq!(
        kinds(&run(&t.app).await),
        vec![(SlaKind::CloseLoop, close_due)]
    );
    let (restarted, _clock) = reopen(&t).await;
    assert_eq!(run(&restarted).await.fired, vec![]);
    assert_eq!(
        breach_events(&t.app, &t, &h.id).await,
        vec![
            (SlaKind::Echo, echo_due, Via::System),
            (SlaKind::CloseLoop, close_due, Via::System)
        ]
    );
}

async fn an_ack_breach_fires_for_a_handoff_accepted_without_one(t: TestApp) {
    // Live acceptance of cs-to-support carries the ETA; history may record an
    // acceptance without one, leaving the acknowledgment (24 h) open.
    crate::account(&t, "A-1").await;
    let lines = [
        r#"{"type":"submitted","handoff":"H-ACK","contract":"cs-to-support","account":"A-1","by":"cs1@acme.test","at":"2026-10-01T00:00:00Z"}"#,
        r#"{"type":"accepted","handoff":"H-ACK","by":"support1@acme.test","at":"2026-10-01T02:00:00Z"}"#,
    ];
    t.app
        .import_events(Some(t.org.clone()), lines.join("\n").as_bytes())
        .await
        .unwrap();
    let id = HandoffId::parse("H-ACK").unwrap();
    let due = start_time() + hours(26);
    at(&t, hours(26));
    assert_eq!(run(&t.app).await.fired, vec![]);
    at(&t, hours(26) + SignedDuration::from_secs(1));
    assert_eq!(kinds(&run(&t.app).await), vec![(SlaKind::Ack, due)]);
    let (restarted, _clock) = reopen(&t).await;
    assert_eq!(run(&restarted).await.fired, vec![]);
    assert_eq!(breach_events(&t.app, &t, &id).await.len(), 1);
}

async fn reunification_breaches_on_its_agreed_date(t: TestApp) {
    let values = BTreeMap::from([("reunification_trigger".to_string(), json!("30 days"))]);
    let h = submitted(&t, "cross-motion", "A-1", "motion-a1@acme.test", values).await;
    t.app
        .accept(&t.as_user("motion-b1@acme.test"), &h.id, BTreeMap::new())
        .await
        .unwrap();
    let due = start_time() + hours(30 * 24);
    at(&t, hours(30 * 24) - SignedDuration::from_secs(1));
    assert_eq!(run(&t.app).await.fired, vec![]);
    at(&t, hours(30 * 24) + SignedDuration::from_secs(1));
    assert_eq!(
        kinds(&run(&t.app).await),
        vec![(SlaKind::Reunification, due)]
    );
    let (restarted, _clock) = reopen(&t).await;
    assert_eq!(run(&restarted).await.fired, vec![]);
    assert_eq!(breach_events(&t.app, &t, &h.id).await.len(), 1);
}

async fn a_deadline_met_before_it_is_due_never_fires(t: TestApp) {
    let h = submitted(
        &t,
        "ae-to-onboarding",
        "A-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    let stored_rows = t
        .app
        .store()
        .handoff_deadlines(&t.org, &h.id)
        .await
        .unwrap();
    assert_eq!(
        stored_rows,
        vec![(SlaKind::Acceptance, start_time() + hours(48), None)],
        "the open deadline is stored with the submission"
    );
    at(&t, hours(47));
    t.app
        .accept(&t.as_user("onboarding1@acme.test"), &h.id, BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(
        t.app
            .store()
            .handoff_deadlines(&t.org, &h.id)
            .await
            .unwrap(),
        vec![],
        "a met deadline leaves the table"
    );
    // A follow-through handoff whose every promise is kept in time.
    let cs = submitted(
        &t,
        "cs-to-support",
        "A-2",
        "cs1@acme.test",
        cs_values("daily"),
    )
    .await;
    let sup = t.as_user("support1@acme.test");
    let eta = BTreeMap::from([("ack_eta".to_string(), json!("2026-10-09T12:00:00Z"))]);
    t.app.accept(&sup, &cs.id, eta).await.unwrap();
    at(&t, hours(70));
    t.app.echo(&sup, &cs.id, "Reproduced".into()).await.unwrap();
    at(&t, hours(80));
    t.app.resolve(&sup, &cs.id, "Fixed".into()).await.unwrap();
    at(&t, hours(90));
    t.app
        .close_loop(&t.as_user("cs1@acme.test"), &cs.id, "Called the CFO".into())
        .await
        .unwrap();
    at(&t, hours(24 * 365));
    assert_eq!(run(&t.app).await, BreachRound::default());
    assert!(stored(&t, &h.id).await.breaches.is_empty());
    assert!(stored(&t, &cs.id).await.breaches.is_empty());
}

async fn a_long_outage_fires_every_passed_deadline_once_with_its_original_due(t: TestApp) {
    let mut expected = Vec::new();
    for (i, account) in ["A-1", "A-2", "A-3"].into_iter().enumerate() {
        at(&t, hours(i as i64));
        let h = submitted(
            &t,
            "ae-to-onboarding",
            account,
            "ae1@acme.test",
            complete_values("ae-to-onboarding"),
        )
        .await;
        expected.push((
            h.id,
            SlaKind::Acceptance,
            start_time() + hours(48 + i as i64),
        ));
    }
    let values = BTreeMap::from([("first_touch_sla".to_string(), json!(4))]);
    at(&t, hours(5));
    let m = submitted(&t, "mql-to-sdr", "A-4", "marketing1@acme.test", values).await;
    t.app
        .accept(&t.as_user("sdr1@acme.test"), &m.id, BTreeMap::new())
        .await
        .unwrap();
    expected.push((m.id, SlaKind::FirstTouch, start_time() + hours(9)));
    // Nothing ran for 90 days.
    at(&t, hours(90 * 24));
    let (restarted, _clock) = reopen(&t).await;
    let r = run(&restarted).await;
    let mut fired: Vec<(HandoffId, SlaKind, Timestamp)> = r
        .fired
        .iter()
        .map(|f| (f.handoff.clone(), f.kind, f.due))
        .collect();
    fired.sort_by_key(|f| f.2);
    expected.sort_by_key(|f| f.2);
    assert_eq!(fired, expected);
    assert!(!r.more);
    assert_eq!(run(&restarted).await.fired, vec![]);
    assert_eq!(run(&t.app).await.fired, vec![]);
    for (id, kind, due) in &expected {
        let h = stored(&t, id).await;
        assert_eq!(h.breaches.len(), 1, "{id}");
        assert_eq!((h.breaches[0].kind, h.breaches[0].due), (*kind, *due));
        assert_eq!(
            h.breaches[0].at, *due,
            "at its due, not when the job noticed"
        );
    }
}

async fn two_jobs_at_once_record_each_breach_once(t: TestApp) {
    let mut ids = Vec::new();
    for account in ["A-1", "A-2", "A-3", "A-4", "A-5", "A-6"] {
        ids.push(
            submitted(
                &t,
                "ae-to-onboarding",
                account,
                "ae1@acme.test",
                complete_values("ae-to-onboarding"),
            )
            .await
            .id,
        );
    }
    at(&t, hours(49));
    let (a, _ca) = reopen(&t).await;
    let (b, _cb) = reopen(&t).await;
    let (ra, rb) = tokio::join!(a.fire_sla_breaches(), b.fire_sla_breaches());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(
        ra.fired.len() + rb.fired.len(),
        ids.len(),
        "each deadline fired by exactly one of the two: {ra:?} {rb:?}"
    );
    for id in &ids {
        assert_eq!(breach_events(&t.app, &t, id).await.len(), 1, "{id}");
        assert_eq!(stored(&t, id).await.breaches.len(), 1, "{id}");
    }
    assert_eq!(run(&t.app).await.fired, vec![]);
    // A writer that skipped the re-check (a process that read the handoff
    // before the breach, then lost no stream race) still cannot record the
    // same breach again: the deadline's key refuses it.
    let h = stored(&t, &ids[0]).await;
    let mut change = baton_store::Change::default();
    change.push(
        Event::SlaBreached {
            handoff: h.id.clone(),
            kind: SlaKind::Acceptance,
            due: h.breaches[0].due,
            at: t.app.now(),
        },
        h.stream_version + 1,
        Via::System,
        t.app.now(),
    );
    let before = t.app.store().event_count(&t.org).await.unwrap();
    let err = t.app.store().commit(&t.org, &change).await.unwrap_err();
    assert!(
        matches!(&err, baton_store::StoreError::Conflict(why) if why.contains("already recorded")),
        "{err:?}"
    );
    assert_eq!(t.app.store().event_count(&t.org).await.unwrap(), before);
    assert!(t.app.rebuild(&t.org).await.unwrap().identical);
}

async fn breaches_survive_export_import_and_rebuild_unchanged(t: TestApp) {
    let h = submitted(
        &t,
        "cs-to-support",
        "A-1",
        "cs1@acme.test",
        cs_values("weekly"),
    )
    .await;
    let eta = BTreeMap::from([("ack_eta".to_string(), json!("2026-10-20T12:00:00Z"))]);
    at(&t, hours(30));
    t.app
        .accept(&t.as_user("support1@acme.test"), &h.id, eta)
        .await
        .unwrap();
    at(&t, hours(30 + 24 * 8));
    let r = run(&t.app).await;
    assert_eq!(
        kinds(&r),
        vec![(SlaKind::Echo, start_time() + hours(30 + 24 * 7))],
        "the weekly echo is missed (the late acceptance recorded its own breach)"
    );
    assert_eq!(
        breach_events(&t.app, &t, &h.id).await.len(),
        2,
        "acceptance and echo"
    );
    let other = submitted(
        &t,
        "ae-to-onboarding",
        "A-2",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    at(&t, hours(30 + 24 * 12));
    assert_eq!(kinds(&run(&t.app).await).len(), 1);
    assert!(t.app.rebuild(&t.org).await.unwrap().identical);

    let mut first = Vec::new();
    t.app.export_events(&t.org, &mut first).await.unwrap();
    let text = String::from_utf8(first.clone()).unwrap();
    assert_eq!(
        text.matches(r#""type":"sla_breached""#).count(),
        3,
        "{text}"
    );
    assert!(text.contains(r#""via":"system""#));
    let empty = if t.db.url.starts_with("sqlite") {
        TestDb::sqlite().await
    } else {
        TestDb::postgres().await.unwrap()
    };
    let (app, clock, _db) = TestApp::empty(empty);
    clock.set(t.app.now() + hours(24 * 30));
    let s = app.import_events(None, first.as_slice()).await.unwrap();
    let mut second = Vec::new();
    app.export_events(&s.org, &mut second).await.unwrap();
    assert!(first == second, "export → import → export differs");
    assert_eq!(
        app.store().dump_projections(&s.org).await.unwrap(),
        t.app.store().dump_projections(&t.org).await.unwrap(),
        "the imported deadlines and breaches equal the original ones"
    );
    // The imported breaches count as recorded: a month later the job fires
    // only what fell due since (the weekly echo, again unmet).
    let imported = app
        .store()
        .handoff(&s.org, &other.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(imported.breaches.len(), 1);
    let r = app.fire_sla_breaches().await.unwrap();
    assert!(
        r.fired.iter().all(|f| f.kind != SlaKind::Acceptance),
        "no acceptance breach fired twice: {r:?}"
    );
    // An import that records the same breach twice is refused.
    let line = text
        .lines()
        .find(|l| l.contains("sla_breached"))
        .unwrap()
        .to_string();
    let err = app
        .import_events(Some(s.org.clone()), line.as_bytes())
        .await
        .unwrap_err();
    // (Refused as a second breach, or as dated before what the handoff
    // already records: either way, never counted twice.)
    let why = err.to_string();
    assert!(
        why.contains("already recorded as breached") || why.contains("time order"),
        "{why}"
    );
}

async fn deadlines_of_handoffs_older_than_the_table_are_filled_on_the_next_start(t: TestApp) {
    let h = submitted(
        &t,
        "ae-to-onboarding",
        "A-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    // As a database upgraded to migration 0009 looks: handoffs, no deadlines,
    // the org listed for the backfill.
    t.app
        .store()
        .raw_execute("DELETE FROM sla_deadlines")
        .await
        .unwrap();
    t.app
        .store()
        .raw_execute("INSERT INTO sla_backfill (org_id) SELECT org_id FROM orgs")
        .await
        .unwrap();
    at(&t, hours(72));
    assert_eq!(run(&t.app).await.fired, vec![], "nothing stored to fire");
    let (restarted, _clock) = reopen(&t).await;
    assert_eq!(
        kinds(&run(&restarted).await),
        vec![(SlaKind::Acceptance, start_time() + hours(48))]
    );
    assert_eq!(breach_events(&t.app, &t, &h.id).await.len(), 1);
    // Filled once: the next start finds nothing left to fill.
    let (again, _clock) = reopen(&t).await;
    assert_eq!(run(&again).await.fired, vec![]);
    assert!(t.app.rebuild(&t.org).await.unwrap().identical);
}

/// The `sla_breached` events of a handoff's stream with their business
/// time: (kind, due, at).
async fn breach_times(
    app: &App,
    t: &TestApp,
    id: &HandoffId,
) -> Vec<(SlaKind, Timestamp, Timestamp)> {
    app.store()
        .stream_events(&t.org, &Stream::Handoff(id.clone()).to_string())
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.event {
            Event::SlaBreached { kind, due, at, .. } => Some((kind, due, at)),
            _ => None,
        })
        .collect()
}

/// The kinds of a handoff's stream, in order.
async fn stream_kinds(app: &App, t: &TestApp, id: &HandoffId) -> Vec<&'static str> {
    app.store()
        .stream_events(&t.org, &Stream::Handoff(id.clone()).to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.kind())
        .collect()
}

async fn a_late_acceptance_records_one_breach_even_when_the_job_runs_after_it(t: TestApp) {
    let h = submitted(
        &t,
        "ae-to-onboarding",
        "A-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    let due = start_time() + hours(48);
    // No job ran between the deadline and the acceptance.
    at(&t, hours(50));
    t.app
        .accept(&t.as_user("onboarding1@acme.test"), &h.id, BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(
        breach_times(&t.app, &t, &h.id).await,
        vec![(SlaKind::Acceptance, due, due)],
        "recorded with the acceptance, at its due time"
    );
    assert_eq!(
        stream_kinds(&t.app, &t, &h.id).await,
        vec!["draft_created", "submitted", "sla_breached", "accepted"],
        "the breach comes before the late acceptance, so the stream stays in time order"
    );
    // The job, run later, twice, and by two other processes: nothing more.
    at(&t, hours(24 * 5));
    assert_eq!(run(&t.app).await, BreachRound::default());
    assert_eq!(run(&t.app).await, BreachRound::default());
    let (a, _ca) = reopen(&t).await;
    let (b, _cb) = reopen(&t).await;
    let (ra, rb) = tokio::join!(a.fire_sla_breaches(), b.fire_sla_breaches());
    assert_eq!(ra.unwrap().fired.len() + rb.unwrap().fired.len(), 0);
    assert_eq!(breach_events(&t.app, &t, &h.id).await.len(), 1);
    assert_eq!(stored(&t, &h.id).await.breaches.len(), 1);
    assert!(t.app.rebuild(&t.org).await.unwrap().identical);
}

async fn a_passed_deadline_is_recorded_however_the_handoff_ends(t: TestApp) {
    let ae = t.as_user("ae1@acme.test");
    let onb = t.as_user("onboarding1@acme.test");
    let due = start_time() + hours(48);
    // Rejected late, then withdrawn: the acceptance deadline passed once.
    let rejected = submitted(
        &t,
        "ae-to-onboarding",
        "A-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    // Withdrawn late, without any decision.
    let withdrawn = submitted(
        &t,
        "ae-to-onboarding",
        "A-2",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    at(&t, hours(49));
    t.app
        .reject(
            &onb,
            &rejected.id,
            baton_app::handoffs::Rejection {
                code: Some("missing_context".into()),
                reason: "No kickoff date".into(),
                fields: Vec::new(),
            },
        )
        .await
        .unwrap();
    t.app.withdraw(&ae, &withdrawn.id).await.unwrap();
    at(&t, hours(50));
    t.app.withdraw(&ae, &rejected.id).await.unwrap();
    for id in [&rejected.id, &withdrawn.id] {
        assert_eq!(
            breach_times(&t.app, &t, id).await,
            vec![(SlaKind::Acceptance, due, due)],
            "{id}"
        );
    }

    // cs-to-support: the echo came late, the loop closed late.
    at(&t, SignedDuration::ZERO);
    let cs = submitted(
        &t,
        "cs-to-support",
        "A-3",
        "cs1@acme.test",
        cs_values("daily"),
    )
    .await;
    let sup = t.as_user("support1@acme.test");
    at(&t, hours(1));
    let eta = BTreeMap::from([("ack_eta".to_string(), json!("2026-10-09T12:00:00Z"))]);
    t.app.accept(&sup, &cs.id, eta).await.unwrap();
    let echo_due = start_time() + hours(25);
    at(&t, hours(30));
    t.app.echo(&sup, &cs.id, "Reproduced".into()).await.unwrap();
    at(&t, hours(40));
    t.app.resolve(&sup, &cs.id, "Fixed".into()).await.unwrap();
    let close_due = start_time() + hours(64);
    at(&t, hours(70));
    t.app
        .close_loop(&t.as_user("cs1@acme.test"), &cs.id, "Called the CFO".into())
        .await
        .unwrap();
    assert_eq!(
        breach_times(&t.app, &t, &cs.id).await,
        vec![
            (SlaKind::Echo, echo_due, echo_due),
            (SlaKind::CloseLoop, close_due, close_due)
        ]
    );
    // None of them is recorded again, whenever the job runs.
    at(&t, hours(24 * 30));
    assert_eq!(run(&t.app).await, BreachRound::default());
    let (restarted, _clock) = reopen(&t).await;
    assert_eq!(run(&restarted).await, BreachRound::default());
    assert!(t.app.rebuild(&t.org).await.unwrap().identical);
}

async fn the_job_records_a_breach_at_its_due_not_when_it_noticed(t: TestApp) {
    let h = submitted(
        &t,
        "ae-to-onboarding",
        "A-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    let due = start_time() + hours(48);
    // Background jobs were off for a week.
    at(&t, hours(24 * 7));
    let (restarted, _clock) = reopen(&t).await;
    assert_eq!(
        kinds(&run(&restarted).await),
        vec![(SlaKind::Acceptance, due)]
    );
    assert_eq!(
        breach_times(&t.app, &t, &h.id).await,
        vec![(SlaKind::Acceptance, due, due)]
    );
    assert_eq!(stored(&t, &h.id).await.breaches[0].at, due);
    // Accepting now records nothing more.
    t.app
        .accept(&t.as_user("onboarding1@acme.test"), &h.id, BTreeMap::new())
        .await
        .unwrap();
    assert_eq!(breach_events(&t.app, &t, &h.id).await.len(), 1);
}

async fn imported_history_with_a_late_acceptance_shows_the_breach_and_round_trips(t: TestApp) {
    crate::account(&t, "A-1").await;
    let lines = [
        r#"{"type":"submitted","handoff":"H-LATE","contract":"ae-to-onboarding","account":"A-1","by":"ae1@acme.test","at":"2026-10-01T00:00:00Z"}"#,
        r#"{"type":"accepted","handoff":"H-LATE","by":"onboarding1@acme.test","at":"2026-10-04T00:00:00Z"}"#,
        // An export written before breaches were recorded with the late
        // event: the job recorded this one after the rejection.
        r#"{"type":"submitted","handoff":"H-OLD","contract":"ae-to-onboarding","account":"A-1","by":"ae1@acme.test","at":"2026-10-01T00:00:00Z"}"#,
        r#"{"type":"rejected","handoff":"H-OLD","by":"onboarding1@acme.test","at":"2026-10-04T00:00:00Z","code":"other","reason":"later"}"#,
        r#"{"type":"sla_breached","handoff":"H-OLD","kind":"acceptance","due":"2026-10-03T00:00:00Z","at":"2026-10-05T00:00:00Z"}"#,
    ];
    t.app
        .import_events(Some(t.org.clone()), lines.join("\n").as_bytes())
        .await
        .unwrap();
    let due = start_time() + hours(48);
    let late = HandoffId::parse("H-LATE").unwrap();
    let old = HandoffId::parse("H-OLD").unwrap();
    assert_eq!(
        breach_times(&t.app, &t, &late).await,
        vec![(SlaKind::Acceptance, due, due)]
    );
    assert_eq!(
        stream_kinds(&t.app, &t, &late).await,
        vec!["submitted", "sla_breached", "accepted"]
    );
    assert_eq!(
        breach_times(&t.app, &t, &old).await,
        vec![(SlaKind::Acceptance, due, due)],
        "the old export's later line is the same breach, recorded once"
    );
    at(&t, hours(24 * 10));
    assert_eq!(run(&t.app).await.fired, vec![]);

    let mut first = Vec::new();
    t.app.export_events(&t.org, &mut first).await.unwrap();
    let empty = if t.db.url.starts_with("sqlite") {
        TestDb::sqlite().await
    } else {
        TestDb::postgres().await.unwrap()
    };
    let (app, clock, _db) = TestApp::empty(empty);
    clock.set(t.app.now());
    let s = app.import_events(None, first.as_slice()).await.unwrap();
    let mut second = Vec::new();
    app.export_events(&s.org, &mut second).await.unwrap();
    assert!(first == second, "export → import → export differs");
    assert_eq!(app.fire_sla_breaches().await.unwrap().fired, vec![]);
}

/// As above, with two batches of other handoffs between the rejection and
/// the old export's breach line, so the import has let go of the handoff
/// (and of the breach it derived) by then: still one breach, and a second
/// such line is still refused.
async fn an_old_exports_breach_line_far_after_its_late_line_is_still_the_same_breach(t: TestApp) {
    crate::account(&t, "A-1").await;
    let mut lines: Vec<String> = [
        r#"{"type":"submitted","handoff":"H-OLD","contract":"ae-to-onboarding","account":"A-1","by":"ae1@acme.test","at":"2026-10-01T00:00:00Z"}"#,
        r#"{"type":"rejected","handoff":"H-OLD","by":"onboarding1@acme.test","at":"2026-10-04T00:00:00Z","code":"other","reason":"later"}"#,
    ]
    .map(String::from)
    .to_vec();
    for i in 0..12_000 {
        lines.push(format!(
            r#"{{"type":"account","id":"A-F{i}","name":"Filler {i}","arr":{{"minor":100,"currency":"USD"}}}}"#
        ));
        lines.push(format!(
            r#"{{"type":"submitted","handoff":"H-F{i}","contract":"ae-to-onboarding","account":"A-F{i}","by":"ae1@acme.test","at":"2026-10-04T01:00:00Z"}}"#
        ));
    }
    let breach = r#"{"type":"sla_breached","handoff":"H-OLD","kind":"acceptance","due":"2026-10-03T00:00:00Z","at":"2026-10-05T00:00:00Z"}"#;
    lines.push(breach.into());
    lines.push(breach.into());
    let Err(AppError::Import(errors)) = t
        .app
        .import_events(Some(t.org.clone()), lines.join("\n").as_bytes())
        .await
    else {
        panic!("the second breach line is refused")
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, 24_004, "{errors:?}");
    assert!(errors[0].1.contains("already recorded"), "{errors:?}");

    lines.pop();
    t.app
        .import_events(Some(t.org.clone()), lines.join("\n").as_bytes())
        .await
        .unwrap();
    let due = start_time() + hours(48);
    assert_eq!(
        breach_times(&t.app, &t, &HandoffId::parse("H-OLD").unwrap()).await,
        vec![(SlaKind::Acceptance, due, due)],
        "the old export's later line is the same breach, recorded once"
    );
}

/// An mql-to-sdr handoff with a 4-hour first-touch SLA, accepted by sdr1 at
/// `accepted` after the start.
async fn accepted_mql(t: &TestApp, account: &str, accepted: SignedDuration) -> Handoff {
    let values = BTreeMap::from([("first_touch_sla".to_string(), json!(4))]);
    let h = submitted(t, "mql-to-sdr", account, "marketing1@acme.test", values).await;
    at(t, accepted);
    t.app
        .accept(&t.as_user("sdr1@acme.test"), &h.id, BTreeMap::new())
        .await
        .unwrap();
    h
}

async fn a_first_touch_within_the_window_meets_the_mql_to_sdr_sla(t: TestApp) {
    let h = accepted_mql(&t, "A-1", hours(2)).await;
    // Due at 6 h; touched at exactly 6 h is on time.
    at(&t, hours(6));
    let sdr = t.as_user("sdr1@acme.test");
    let v = t
        .app
        .first_touch(
            &sdr,
            &h.id,
            Some("call".into()),
            Some("Booked a demo".into()),
        )
        .await
        .unwrap();
    let touch = v.handoff.first_touch.clone().unwrap();
    assert_eq!(touch.at, start_time() + hours(6));
    assert_eq!(touch.by.as_str(), "sdr1@acme.test");
    assert_eq!(touch.channel.as_deref(), Some("call"));
    let d = baton_domain::sla::deadlines(
        &v.handoff,
        &t.app
            .store()
            .contract_version(&t.org, &h.contract, h.version)
            .await
            .unwrap()
            .unwrap(),
    );
    let ft = d.iter().find(|d| d.kind == SlaKind::FirstTouch).unwrap();
    assert_eq!(
        ft.status(start_time() + hours(100)),
        baton_domain::sla::SlaStatus::Met
    );
    at(&t, hours(24 * 10));
    assert_eq!(run(&t.app).await, BreachRound::default());
    assert!(breach_events(&t.app, &t, &h.id).await.is_empty());
    // Once: a second first touch is refused.
    let err = t
        .app
        .first_touch(&sdr, &h.id, Some("email".into()), None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already recorded"), "{err}");
    assert!(t.app.rebuild(&t.org).await.unwrap().identical);
}

async fn a_first_touch_after_the_deadline_records_the_breach(t: TestApp) {
    let h = accepted_mql(&t, "A-1", hours(2)).await;
    let due = start_time() + hours(6);
    at(&t, hours(9));
    t.app
        .first_touch(
            &t.as_user("sdr1@acme.test"),
            &h.id,
            Some("email".into()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        breach_times(&t.app, &t, &h.id).await,
        vec![(SlaKind::FirstTouch, due, due)]
    );
    assert_eq!(
        stream_kinds(&t.app, &t, &h.id).await,
        vec![
            "draft_created",
            "submitted",
            "accepted",
            "sla_breached",
            "first_touch"
        ]
    );
    at(&t, hours(24 * 10));
    assert_eq!(run(&t.app).await, BreachRound::default());
    assert_eq!(breach_events(&t.app, &t, &h.id).await.len(), 1);
}

async fn only_the_receiving_sdr_records_first_touch_and_only_where_the_contract_has_one(
    t: TestApp,
) {
    let h = accepted_mql(&t, "A-1", hours(1)).await;
    for who in ["marketing1@acme.test", "ae1@acme.test", "admin@acme.test"] {
        let err = t
            .app
            .first_touch(&t.as_user(who), &h.id, None, None)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                baton_app::AppError::Domain(baton_domain::DomainError::Forbidden(_))
            ),
            "{who}: {err:?}"
        );
    }
    let err = t
        .app
        .first_touch(
            &t.as_user("sdr1@acme.test"),
            &h.id,
            Some("pigeon".into()),
            None,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("pigeon"), "{err}");
    // Before acceptance there is nothing to touch yet.
    let values = BTreeMap::from([("first_touch_sla".to_string(), json!(4))]);
    let waiting = submitted(&t, "mql-to-sdr", "A-2", "marketing1@acme.test", values).await;
    let err = t
        .app
        .first_touch(&t.as_user("sdr1@acme.test"), &waiting.id, None, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("submitted"), "{err}");
    // A contract without a first-touch SLA has no first touch.
    let ae = submitted(
        &t,
        "ae-to-onboarding",
        "A-3",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    let onb = t.as_user("onboarding1@acme.test");
    t.app.accept(&onb, &ae.id, BTreeMap::new()).await.unwrap();
    let err = t
        .app
        .first_touch(&onb, &ae.id, None, None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no first-touch SLA"), "{err}");
}

async fn a_crm_activity_records_first_touch_on_the_matching_handoff(t: TestApp) {
    let h = accepted_mql(&t, "A-1", hours(1)).await;
    let admin = t.as_user("admin@acme.test");
    let activity = |account: &str| baton_app::crm::CrmActivity {
        account: baton_domain::AccountId::parse(account).unwrap(),
        kind: "call".into(),
        owner: "sdr1@acme.test".into(),
        subject: Some("Intro call".into()),
    };
    at(&t, hours(3));
    let out = t.app.crm_activity(&admin, activity("A-1")).await.unwrap();
    let baton_app::crm::ActivityOutcome::Recorded(v) = out else {
        panic!("not recorded: {out:?}");
    };
    assert_eq!(v.handoff.id, h.id);
    let touch = v.handoff.first_touch.clone().unwrap();
    assert_eq!(touch.at, start_time() + hours(3));
    assert_eq!(touch.by.as_str(), "sdr1@acme.test");
    assert_eq!(touch.channel.as_deref(), Some("call"));
    let events = t
        .app
        .store()
        .stream_events(&t.org, &Stream::Handoff(h.id.clone()).to_string())
        .await
        .unwrap();
    assert_eq!(events.last().unwrap().via, Via::Crm);
    // Delivered again (CRMs retry): nothing more.
    let again = t.app.crm_activity(&admin, activity("A-1")).await.unwrap();
    assert!(
        matches!(again, baton_app::crm::ActivityOutcome::Ignored(_)),
        "{again:?}"
    );
    // An account with no handoff waiting for first touch: ignored.
    crate::account(&t, "A-9").await;
    let none = t.app.crm_activity(&admin, activity("A-9")).await.unwrap();
    assert!(
        matches!(none, baton_app::crm::ActivityOutcome::Ignored(_)),
        "{none:?}"
    );
    at(&t, hours(24 * 10));
    assert_eq!(run(&t.app).await, BreachRound::default());
    assert!(breach_events(&t.app, &t, &h.id).await.is_empty());
}
