//! Webhook delivery from the outbox against a real HTTP receiver on
//! 127.0.0.1, driven by the injected clock (no sleeps), on both backends.

use baton_testkit::complete_values;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use baton_app::outbox::WebhookPolicy;
use baton_app::webhooks::NewWebhook;
use baton_app::{App, AppError, FixedClock};
use baton_domain::DomainError;
use baton_store::{DeliveryRecord, DeliveryStatus, Store};
use baton_testkit::{TestApp, on_both_backends};
use hmac::{Hmac, KeyInit, Mac};
use jiff::SignedDuration;
use serde_json::{Value, json};
use sha2::Sha256;

use crate::{account, draft};

on_both_backends!(
    a_delivery_is_signed_over_the_raw_body_with_the_secret,
    a_receiver_failing_three_times_gets_each_event_once_after_growing_backoff,
    a_restart_mid_backoff_still_delivers_when_due_and_never_twice,
    a_delivery_is_dead_after_n_attempts_and_redelivered_by_hand,
    a_refused_command_leaves_no_outbox_row,
    two_apps_claiming_at_once_never_send_one_delivery_twice,
    slack_subscriptions_get_an_incoming_webhook_message,
    only_wanted_kinds_are_queued_and_deleting_a_hook_drops_its_queue,
    a_claim_of_a_crashed_process_expires_and_its_late_report_is_ignored,
    handoff_events_carry_account_contract_deal_state_and_the_gate_on_acceptance,
    a_test_event_is_signed_sent_now_and_says_what_the_receiver_answered,
);

const SECRET: &str = "whsec-test-secret";

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Seen {
    headers: HeaderMap,
    body: Bytes,
    answered: u16,
}

#[derive(Default)]
struct Inner {
    seen: Vec<Seen>,
    /// Fail the first `fail_first` requests of each delivery id.
    fail_first: usize,
    per_delivery: HashMap<String, usize>,
}

/// A real HTTP server that records what it gets.
#[derive(Clone)]
struct Receiver {
    url: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    async fn start(fail_first: usize) -> Self {
        let inner = Arc::new(Mutex::new(Inner {
            fail_first,
            ..Inner::default()
        }));
        let app = Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url: format!("http://{addr}/hook"),
            inner,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.inner.lock().unwrap().seen.clone()
    }

    fn set_fail_first(&self, k: usize) {
        self.inner.lock().unwrap().fail_first = k;
    }

    /// Successful requests per delivery id.
    fn successes(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for s in self.seen() {
            if s.answered == 200 {
                *out.entry(header(&s, "baton-delivery")).or_default() += 1;
            }
        }
        out
    }
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut inner = inner.lock().unwrap();
    let id = headers
        .get("baton-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let n = inner.per_delivery.entry(id).or_default();
    *n += 1;
    let status = if *n <= inner.fail_first {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    inner.seen.push(Seen {
        headers,
        body,
        answered: status.as_u16(),
    });
    status
}

fn header(s: &Seen, name: &str) -> String {
    s.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn subscribe(t: &TestApp, url: &str, events: &[&str], format: Option<&str>) -> String {
    t.app
        .create_webhook(
            &t.as_user("admin@acme.test"),
            NewWebhook {
                url: url.into(),
                events: events.iter().map(ToString::to_string).collect(),
                secret: SECRET.into(),
                format: format.map(Into::into),
            },
        )
        .await
        .unwrap()
        .id
}

async fn deliveries(t: &TestApp, hook: &str) -> Vec<DeliveryRecord> {
    t.app
        .webhook_deliveries(&t.as_user("admin@acme.test"), hook, None, None, 500)
        .await
        .unwrap()
}

/// A draft and its submission: two events the test org did not have.
async fn submit_one(t: &TestApp, account_id: &str) {
    let h = draft(
        t,
        "ae-to-onboarding",
        account_id,
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    t.app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap();
}

async fn a_delivery_is_signed_over_the_raw_body_with_the_secret(t: TestApp) {
    let rx = Receiver::start(0).await;
    subscribe(&t, &rx.url, &["submitted"], None).await;
    submit_one(&t, "A-1").await;
    let round = t.app.deliver_webhooks().await.unwrap();
    assert_eq!((round.claimed, round.delivered), (1, 1));
    let seen = rx.seen();
    assert_eq!(seen.len(), 1);
    let s = &seen[0];
    let sig = header(s, "baton-signature");
    let (t_part, v1) = sig.split_once(",v1=").unwrap();
    let ts = t_part.strip_prefix("t=").unwrap();
    assert_eq!(ts.parse::<i64>().unwrap(), t.app.now().as_second());
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(&s.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v1, expected, "signature over t.body with the secret");
    // A different secret does not verify.
    let mut wrong = <Hmac<Sha256> as KeyInit>::new_from_slice(b"other").unwrap();
    wrong.update(format!("{ts}.").as_bytes());
    wrong.update(&s.body);
    assert!(wrong.verify_slice(&hex(v1)).is_err());
    let body: Value = serde_json::from_slice(&s.body).unwrap();
    assert_eq!(body["type"], "submitted");
    assert_eq!(body["by"], "ae1@acme.test");
    assert_eq!(body["org"], t.org.to_string());
    assert_eq!(header(s, "baton-event"), "submitted");
    assert_eq!(body["delivery_id"], header(s, "baton-delivery"));
    let log = t.app.store().events(&t.org, 0, 10_000).await.unwrap();
    let stored = log.iter().find(|e| e.seq == body["seq"].as_u64().unwrap());
    assert_eq!(stored.map(|e| e.event.kind()), Some("submitted"));
    assert_eq!(header(s, "content-type"), "application/json");
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

async fn a_receiver_failing_three_times_gets_each_event_once_after_growing_backoff(t: TestApp) {
    let rx = Receiver::start(3).await;
    let hook = subscribe(&t, &rx.url, &["*"], None).await;
    submit_one(&t, "A-1").await;
    let events = deliveries(&t, &hook).await.len();
    assert_eq!(events, 3, "account, draft_created, submitted");
    for round_no in 1..=4 {
        let round = t.app.deliver_webhooks().await.unwrap();
        assert_eq!(round.claimed, events, "round {round_no}");
        // Nothing is due again before its backoff has passed.
        assert_eq!(t.app.deliver_webhooks().await.unwrap().claimed, 0);
        if let Some(next) = deliveries(&t, &hook)
            .await
            .iter()
            .filter_map(|d| d.next_attempt_at)
            .max()
        {
            t.clock.set(next);
        }
    }
    let ds = deliveries(&t, &hook).await;
    for d in &ds {
        assert_eq!(d.status, DeliveryStatus::Delivered, "{d:?}");
        assert_eq!(d.log.len(), 4);
        assert_eq!(
            d.log.iter().map(|a| a.http_status).collect::<Vec<_>>(),
            [Some(500), Some(500), Some(500), Some(200)]
        );
        let gaps: Vec<i64> = d
            .log
            .windows(2)
            .map(|w| (w[1].at - w[0].at).get_seconds())
            .collect();
        assert!(gaps.windows(2).all(|g| g[0] < g[1]), "growing: {gaps:?}");
        // 30 s, 60 s, 120 s, each within ±20 %.
        for (gap, base) in gaps.iter().zip([30, 60, 120]) {
            assert!(
                (*gap as f64) >= base as f64 * 0.8 - 1.0
                    && (*gap as f64) <= base as f64 * 1.2 + 1.0,
                "{gap} near {base}"
            );
        }
    }
    t.clock.advance(SignedDuration::from_hours(48));
    assert_eq!(t.app.deliver_webhooks().await.unwrap().claimed, 0);
    let ok = rx.successes();
    assert_eq!(ok.len(), events);
    assert!(ok.values().all(|n| *n == 1), "{ok:?}");
    assert_eq!(rx.seen().len(), events * 4);
}

async fn a_restart_mid_backoff_still_delivers_when_due_and_never_twice(t: TestApp) {
    let rx = Receiver::start(1).await;
    let hook = subscribe(&t, &rx.url, &["submitted"], None).await;
    submit_one(&t, "A-1").await;
    assert_eq!(t.app.deliver_webhooks().await.unwrap().retrying, 1);
    let due = deliveries(&t, &hook).await[0].next_attempt_at.unwrap();
    // The process goes away; a new one opens the same database later.
    t.app.store().close().await;
    let store = Store::open(&t.db.url).await.unwrap();
    let clock = Arc::new(FixedClock::new(due - SignedDuration::from_secs(1)));
    let app = App::new(store, clock.clone());
    assert_eq!(
        app.deliver_webhooks().await.unwrap().claimed,
        0,
        "not yet due"
    );
    clock.set(due);
    let round = app.deliver_webhooks().await.unwrap();
    assert_eq!(round.delivered, 1);
    clock.advance(SignedDuration::from_hours(24));
    assert_eq!(app.deliver_webhooks().await.unwrap().claimed, 0);
    let ok = rx.successes();
    assert_eq!(ok.values().copied().collect::<Vec<_>>(), [1]);
    assert_eq!(rx.seen().len(), 2);
    app.store().close().await;
}

async fn a_delivery_is_dead_after_n_attempts_and_redelivered_by_hand(t: TestApp) {
    let rx = Receiver::start(usize::MAX).await;
    let app = t.app.clone().with_webhook_policy(WebhookPolicy {
        max_attempts: 3,
        ..WebhookPolicy::default()
    });
    let hook = subscribe(&t, &rx.url, &["submitted"], None).await;
    submit_one(&t, "A-1").await;
    let mut rounds = Vec::new();
    for _ in 0..3 {
        rounds.push(app.deliver_webhooks().await.unwrap());
        t.clock.advance(SignedDuration::from_hours(1));
    }
    assert_eq!(
        rounds
            .iter()
            .map(|r| (r.retrying, r.dead))
            .collect::<Vec<_>>(),
        [(1, 0), (1, 0), (0, 1)]
    );
    let d = deliveries(&t, &hook).await.remove(0);
    assert_eq!(d.status, DeliveryStatus::Dead);
    assert_eq!(d.attempts, 3);
    assert_eq!(d.last_error.as_deref(), Some("HTTP 500"));
    t.clock.advance(SignedDuration::from_hours(720));
    assert_eq!(
        app.deliver_webhooks().await.unwrap().claimed,
        0,
        "dead stays dead"
    );
    // A pending delivery cannot be redelivered; an unknown one is not found.
    let admin = t.as_user("admin@acme.test");
    assert!(matches!(
        app.redeliver(&admin, &hook, "no-such-delivery").await,
        Err(AppError::NotFound(_))
    ));
    rx.set_fail_first(0);
    app.redeliver(&admin, &hook, &d.id).await.unwrap();
    assert!(matches!(
        app.redeliver(&admin, &hook, &d.id).await,
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        app.redeliver(&t.as_user("ae1@acme.test"), &hook, &d.id)
            .await,
        Err(AppError::Domain(DomainError::Forbidden(_)))
    ));
    assert_eq!(app.deliver_webhooks().await.unwrap().delivered, 1);
    let d = deliveries(&t, &hook).await.remove(0);
    assert_eq!(d.status, DeliveryStatus::Delivered);
    assert_eq!(
        d.log.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(rx.successes().values().copied().collect::<Vec<_>>(), [1]);
}

async fn a_refused_command_leaves_no_outbox_row(t: TestApp) {
    let rx = Receiver::start(0).await;
    t.gate("ae-to-onboarding").await;
    let hook = subscribe(&t, &rx.url, &["*"], None).await;
    let mut values = complete_values("ae-to-onboarding");
    values.remove("champion_map");
    let h = draft(&t, "ae-to-onboarding", "A-1", "ae1@acme.test", values).await;
    let before = deliveries(&t, &hook).await;
    assert_eq!(before.len(), 2, "account and draft_created");
    let err = t.app.submit(&t.as_user("ae1@acme.test"), &h.id).await;
    assert!(matches!(
        err,
        Err(AppError::Domain(DomainError::Incomplete { .. }))
    ));
    assert_eq!(
        deliveries(&t, &hook).await,
        before,
        "no row for the refusal"
    );
    t.app.deliver_webhooks().await.unwrap();
    let kinds: Vec<String> = rx.seen().iter().map(|s| header(s, "baton-event")).collect();
    assert!(!kinds.contains(&"submitted".to_string()), "{kinds:?}");
    assert_eq!(kinds.len(), 2);
}

async fn two_apps_claiming_at_once_never_send_one_delivery_twice(t: TestApp) {
    let rx = Receiver::start(0).await;
    let hook = subscribe(&t, &rx.url, &["account"], None).await;
    for i in 0..60 {
        account(&t, &format!("A-{i}")).await;
    }
    assert_eq!(deliveries(&t, &hook).await.len(), 60);
    let other = App::new(Store::open(&t.db.url).await.unwrap(), t.clock.clone());
    let policy = WebhookPolicy {
        batch: 20,
        ..WebhookPolicy::default()
    };
    let (a, b) = (
        t.app.clone().with_webhook_policy(policy),
        other.clone().with_webhook_policy(policy),
    );
    let mut total = 0;
    for round in 0..4 {
        let (ra, rb) = tokio::join!(a.deliver_webhooks(), b.deliver_webhooks());
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        if round == 0 {
            assert_eq!((ra.claimed, rb.claimed), (20, 20), "both took a share");
        }
        total += ra.delivered + rb.delivered;
    }
    assert_eq!(total, 60);
    let ok = rx.successes();
    assert_eq!(ok.len(), 60);
    assert!(ok.values().all(|n| *n == 1), "each exactly once");
    assert_eq!(rx.seen().len(), 60);
    other.store().close().await;
}

async fn slack_subscriptions_get_an_incoming_webhook_message(t: TestApp) {
    let rx = Receiver::start(0).await;
    subscribe(&t, &rx.url, &["submitted"], Some("slack")).await;
    let mut values = complete_values("ae-to-onboarding");
    values.remove("champion_map");
    let h = draft(&t, "ae-to-onboarding", "A-1", "ae1@acme.test", values).await;
    t.app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap();
    t.app.deliver_webhooks().await.unwrap();
    let seen = rx.seen();
    assert_eq!(seen.len(), 1);
    let body: Value = serde_json::from_slice(&seen[0].body).unwrap();
    let text = body["text"].as_str().unwrap();
    assert_eq!(
        text,
        format!(
            "ae1@acme.test submitted {} (Customer A-1) to onboarding at score 88 — missing: champion_map",
            h.id
        )
    );
    assert_eq!(body["blocks"][0]["text"]["text"], text);
    let bad = t
        .app
        .create_webhook(
            &t.as_user("admin@acme.test"),
            NewWebhook {
                url: rx.url.clone(),
                events: vec!["*".into()],
                secret: SECRET.into(),
                format: Some("teams".into()),
            },
        )
        .await;
    assert!(matches!(bad, Err(AppError::Domain(_))));
}

async fn only_wanted_kinds_are_queued_and_deleting_a_hook_drops_its_queue(t: TestApp) {
    let rx = Receiver::start(0).await;
    let accepted = subscribe(&t, &rx.url, &["accepted"], None).await;
    let all = subscribe(&t, &rx.url, &["*"], None).await;
    submit_one(&t, "A-1").await;
    assert_eq!(deliveries(&t, &accepted).await.len(), 0);
    assert_eq!(deliveries(&t, &all).await.len(), 3);
    // Paging: newest first, then on from the last seq seen.
    let admin = t.as_user("admin@acme.test");
    let page = t
        .app
        .webhook_deliveries(&admin, &all, None, None, 2)
        .await
        .unwrap();
    assert_eq!(page.len(), 2);
    assert!(page[0].seq > page[1].seq);
    let rest = t
        .app
        .webhook_deliveries(&admin, &all, None, Some(page[1].seq), 2)
        .await
        .unwrap();
    assert_eq!(rest.len(), 1);
    assert!(rest[0].seq < page[1].seq);
    t.app.delete_webhook(&admin, &all).await.unwrap();
    assert_eq!(t.app.deliver_webhooks().await.unwrap().claimed, 0);
    assert!(rx.seen().is_empty());
}

async fn a_claim_of_a_crashed_process_expires_and_its_late_report_is_ignored(t: TestApp) {
    let rx = Receiver::start(0).await;
    let hook = subscribe(&t, &rx.url, &["submitted"], None).await;
    submit_one(&t, "A-1").await;
    // A process claims the row and dies before sending it.
    let now = t.app.now();
    let lease = WebhookPolicy::default().lease;
    let crashed = t
        .app
        .store()
        .claim_deliveries("crashed-process", now, now + lease, 10)
        .await
        .unwrap();
    assert_eq!(crashed.len(), 1);
    assert_eq!(t.app.deliver_webhooks().await.unwrap().claimed, 0, "leased");
    t.clock.advance(lease);
    assert_eq!(t.app.deliver_webhooks().await.unwrap().delivered, 1);
    // The crashed process's late report changes nothing.
    let late = baton_store::DeliveryOutcome {
        at: t.app.now(),
        http_status: Some(500),
        error: Some("HTTP 500".into()),
        duration_ms: 1,
        status: DeliveryStatus::Pending,
        next_attempt_at: t.app.now(),
    };
    assert!(
        !t.app
            .store()
            .finish_delivery(&crashed[0], "crashed-process", &late)
            .await
            .unwrap()
    );
    let d = deliveries(&t, &hook).await.remove(0);
    assert_eq!(d.status, DeliveryStatus::Delivered);
    assert_eq!(d.log.len(), 1);
    t.clock.advance(SignedDuration::from_hours(24));
    assert_eq!(t.app.deliver_webhooks().await.unwrap().claimed, 0);
    assert_eq!(rx.successes().values().copied().collect::<Vec<_>>(), [1]);
}

/// SPEC §11: a CRM acts on the payload without calling back.
async fn handoff_events_carry_account_contract_deal_state_and_the_gate_on_acceptance(t: TestApp) {
    let rx = Receiver::start(0).await;
    subscribe(&t, &rx.url, &["submitted", "accepted"], None).await;
    let account = crate::account(&t, "A-DEAL").await;
    let h = t
        .app
        .start_handoff(
            &t.as_user("ae1@acme.test"),
            baton_app::handoffs::NewHandoff {
                id: None,
                contract: baton_domain::ContractKey::parse("ae-to-onboarding").unwrap(),
                account,
                deal: Some(baton_domain::DealId::parse("006-77").unwrap()),
                to: None,
                values: complete_values("ae-to-onboarding"),
                attachments: vec![],
            },
        )
        .await
        .unwrap();
    t.app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap();
    t.app
        .accept(&t.as_user("onboarding1@acme.test"), &h.id, BTreeMap::new())
        .await
        .unwrap();
    let round = t.app.deliver_webhooks().await.unwrap();
    assert_eq!(round.delivered, 2);
    let bodies: Vec<Value> = rx
        .seen()
        .iter()
        .map(|s| serde_json::from_slice(&s.body).unwrap())
        .collect();
    let of = |kind: &str| bodies.iter().find(|b| b["type"] == kind).unwrap().clone();
    let submitted = of("submitted");
    assert_eq!(submitted["account"], "A-DEAL");
    assert_eq!(submitted["contract"], "ae-to-onboarding");
    assert_eq!(submitted["deal"], "006-77");
    assert_eq!(submitted["state"], "submitted", "the state as of the event");
    assert!(submitted.get("gate").is_none(), "{submitted}");
    let accepted = of("accepted");
    assert_eq!(accepted["state"], "accepted");
    assert_eq!(accepted["deal"], "006-77");
    let gate = t
        .app
        .gate(
            &t.as_user("cs1@acme.test"),
            &baton_domain::ContractKey::parse("ae-to-onboarding").unwrap(),
            &baton_domain::AccountId::parse("A-DEAL").unwrap(),
            Some(&baton_domain::DealId::parse("006-77").unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(
        accepted["gate"],
        serde_json::json!({
            "open": gate.open,
            "state": gate.state.as_str(),
            "missing": gate.missing,
            "handoff": gate.handoff.map(|h| h.to_string()),
            "deal": "006-77",
        }),
        "the gate object equals the gate answer"
    );
}

/// The HMAC a receiver computes over `t.body`, hex.
fn expected_signature(ts: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn a_test_event_is_signed_sent_now_and_says_what_the_receiver_answered(t: TestApp) {
    let admin = t.as_user("admin@acme.test");
    let rx = Receiver::start(1).await;
    let hook = subscribe(&t, &rx.url, &["submitted"], None).await;
    let events = t.app.store().event_count(&t.org).await.unwrap();

    // The receiver's first answer is a 500: the test says so.
    let failed = t.app.test_webhook(&admin, &hook).await.unwrap();
    assert!(!failed.ok(), "{failed:?}");
    assert_eq!(failed.http_status, Some(500));
    assert_eq!(failed.error.as_deref(), Some("HTTP 500"));
    rx.set_fail_first(0);
    let taken = t.app.test_webhook(&admin, &hook).await.unwrap();
    assert!(taken.ok() && taken.http_status == Some(200), "{taken:?}");

    let seen = rx.seen();
    assert_eq!(seen.len(), 2, "sent at once, each test once, never retried");
    let s = &seen[1];
    let body: Value = serde_json::from_slice(&s.body).unwrap();
    assert_eq!(body["type"], "ping");
    assert_eq!(body["seq"], 0, "not an event of the log");
    assert_eq!(body["webhook"], json!(hook));
    assert_eq!(header(s, "baton-event"), "ping");
    assert_eq!(header(s, "baton-delivery"), taken.delivery);
    let sig = header(s, "baton-signature");
    let (ts, v1) = sig.split_once(",v1=").unwrap();
    let ts = ts.strip_prefix("t=").unwrap();
    assert_eq!(
        v1,
        expected_signature(ts, &s.body),
        "signed like every delivery"
    );

    // Nothing entered the log or the queue.
    assert_eq!(t.app.store().event_count(&t.org).await.unwrap(), events);
    assert!(deliveries(&t, &hook).await.is_empty());
    assert_eq!(t.app.deliver_webhooks().await.unwrap().claimed, 0);

    // A receiver that is not there is named, not an error of Baton's.
    let gone = subscribe(&t, "http://127.0.0.1:9/hook", &["*"], None).await;
    let refused = t.app.test_webhook(&admin, &gone).await.unwrap();
    assert!(
        refused.http_status.is_none()
            && refused
                .error
                .as_deref()
                .is_some_and(|e| e.starts_with("could not connect")),
        "{refused:?}"
    );
    // Only admins test, and only their org's subscriptions.
    let err = t
        .app
        .test_webhook(&t.as_user("ae1@acme.test"), &hook)
        .await
        .unwrap_err();
    assert!(matches!(err, baton_app::AppError::Domain(_)), "{err:?}");
    let err = t
        .app
        .test_webhook(&admin, "no-such-hook")
        .await
        .unwrap_err();
    assert!(matches!(err, baton_app::AppError::NotFound(_)), "{err:?}");
}
