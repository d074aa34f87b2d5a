//! Billing signals from Stripe (issue 22): events in the shape Stripe's API
//! reference gives them (an `event` wrapping a subscription or an invoice,
//! <https://docs.stripe.com/api/events/object>), signed as Stripe's
//! documentation says (<https://docs.stripe.com/webhooks#verify-manually>),
//! delivered twice and out of order: one churn, and the ARR of the latest
//! change, whatever the order.

use baton_app::App;
use baton_app::secrets::SecretKey;
use baton_domain::account::AccountStatus;
use baton_domain::event::Event;
use baton_domain::{AccountId, Money};
use baton_testkit::{TestApp, on_both_backends, signature_header};
use serde_json::{Value, json};

on_both_backends!(
    stripe_events_twice_and_out_of_order_make_one_churn_at_the_latest_arr,
    only_a_verified_delivery_to_an_org_with_a_secret_is_read,
    a_stripe_secret_is_set_by_an_admin_and_kept_sealed,
    a_billing_csv_in_any_order_imported_twice_makes_one_churn_at_the_latest_arr,
    a_billing_csv_with_bad_rows_names_each_and_applies_nothing,
);

const SECRET: &str = "whsec_test_5WbX5kEWLlfzsGNjH64I8lOOqUB6e8FH";

fn key() -> SecretKey {
    use base64::Engine as _;
    SecretKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([7u8; 32])).unwrap()
}

async fn app(t: &TestApp) -> App {
    let app = t.app.clone().with_secret_key(Some(key()));
    app.set_stripe_secret(&t.as_user("admin@acme.test"), SECRET)
        .await
        .unwrap();
    app
}

/// An event as Stripe sends it: `id`, `object`, `type`, `created`, and the
/// object in `data.object`.
fn event(id: &str, kind: &str, created: i64, object: Value) -> String {
    json!({
        "id": id,
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": created,
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": kind,
        "data": {"object": object}
    })
    .to_string()
}

/// A subscription of `account` with one monthly price of `monthly` cents ×
/// `quantity`, as in the subscription object's reference.
fn subscription(
    account: &str,
    monthly: i64,
    quantity: i64,
    status: &str,
    ended: Option<i64>,
) -> Value {
    json!({
        "id": format!("sub_{account}"),
        "object": "subscription",
        "customer": "cus_NffrFeUfNV2Hib",
        "status": status,
        "currency": "usd",
        "ended_at": ended,
        "canceled_at": ended,
        "metadata": {"baton_account": account},
        "items": {"object": "list", "data": [{
            "id": "si_NcLYdDxLHxlFo7",
            "object": "subscription_item",
            "quantity": quantity,
            "price": {
                "id": "price_1MowQULkdIwHu7ixraBm864M",
                "object": "price",
                "currency": "usd",
                "unit_amount": monthly,
                "recurring": {"interval": "month", "interval_count": 1, "usage_type": "licensed"},
                "type": "recurring"
            }
        }]}
    })
}

/// A paid invoice of `account` with one line of `amount` cents for the
/// month from `start`.
fn invoice(account: &str, amount: i64, start: i64) -> Value {
    json!({
        "id": format!("in_{account}_{start}"),
        "object": "invoice",
        "customer": "cus_NffrFeUfNV2Hib",
        "currency": "usd",
        "status": "paid",
        "amount_paid": amount,
        "parent": {"type": "subscription_details",
                   "subscription_details": {"subscription": format!("sub_{account}"),
                                            "metadata": {"baton_account": account}}},
        "lines": {"object": "list", "data": [{
            "id": "il_1",
            "object": "line_item",
            "amount": amount,
            "currency": "usd",
            "period": {"start": start, "end": start + 31 * 86_400}
        }]}
    })
}

fn usd(minor: i64) -> Money {
    Money {
        minor,
        currency: baton_domain::Currency::parse("USD").unwrap(),
    }
}

async fn deliver(app: &App, t: &TestApp, body: &str) -> (String, bool) {
    let now = app.now().as_second();
    let r = app
        .stripe_webhook(
            t.org.as_str(),
            &signature_header(now, body, &[SECRET]),
            body.as_bytes(),
        )
        .await
        .unwrap();
    (r.outcome, r.duplicate)
}

async fn stripe_events_twice_and_out_of_order_make_one_churn_at_the_latest_arr(t: TestApp) {
    let app = app(&t).await;
    let now = app.now().as_second();
    let day = 86_400;
    for (account, order) in [
        ("A-1", [1, 0, 2, 1, 3, 3, 0]),
        ("A-2", [0, 1, 2, 3, 0, 1, 3]),
    ] {
        t.account(account, account).await;
        // An upgrade, then the month's invoice, then a stale downgrade
        // (older than the invoice), then the end of the subscription.
        let events = [
            event(
                &format!("evt_{account}_up"),
                "customer.subscription.updated",
                now - 40 * day,
                subscription(account, 5_000, 2, "active", None),
            ),
            event(
                &format!("evt_{account}_paid"),
                "invoice.paid",
                now - 30 * day,
                invoice(account, 15_000, now - 31 * day),
            ),
            event(
                &format!("evt_{account}_down"),
                "customer.subscription.updated",
                now - 35 * day,
                subscription(account, 5_000, 1, "active", None),
            ),
            event(
                &format!("evt_{account}_end"),
                "customer.subscription.deleted",
                now - 2 * day,
                subscription(account, 5_000, 3, "canceled", Some(now - 2 * day)),
            ),
        ];
        let mut outcomes = Vec::new();
        for i in order {
            outcomes.push(deliver(&app, &t, &events[i]).await);
        }
        // Every repeat is a duplicate that changes nothing.
        assert_eq!(
            outcomes.iter().filter(|(_, dup)| *dup).count(),
            3,
            "{account}: {outcomes:?}"
        );
        let id = AccountId::parse(account).unwrap();
        let stored = app.store().account(&t.org, &id).await.unwrap().unwrap();
        assert_eq!(stored.status, AccountStatus::Churned, "{account}");
        let log = app
            .store()
            .stream_events(&t.org, &format!("account/{id}"))
            .await
            .unwrap();
        let churns: Vec<Money> = log
            .iter()
            .filter_map(|e| match &e.event {
                Event::Churn { arr_lost, .. } => Some(*arr_lost),
                _ => None,
            })
            .collect();
        // 15,000 cents for one month: 180,000 a year, the invoice's ARR,
        // whichever of the three changes arrived last.
        assert_eq!(churns, vec![usd(180_000)], "{account}: {outcomes:?}");
    }
    // An event naming no account of the org is kept for review, not lost.
    let stray = event(
        "evt_stray",
        "customer.subscription.deleted",
        now - day,
        subscription("NOPE", 5_000, 1, "canceled", Some(now - day)),
    );
    assert_eq!(
        deliver(&app, &t, &stray).await,
        ("unmatched".to_string(), false)
    );
    let other = event(
        "evt_other",
        "charge.succeeded",
        now - day,
        json!({"id": "ch_1"}),
    );
    assert_eq!(
        deliver(&app, &t, &other).await,
        ("ignored".to_string(), false)
    );
    let log = app
        .billing_log(&t.as_user("admin@acme.test"), 50)
        .await
        .unwrap();
    assert_eq!(
        log.len(),
        10,
        "4 events of each account, the stray, the charge"
    );
    assert!(
        log.iter()
            .any(|r| r.event_id == "evt_stray" && r.detail.contains("NOPE"))
    );
    assert!(
        app.billing_log(&t.as_user("ae1@acme.test"), 50)
            .await
            .is_err(),
        "the billing log is for admins"
    );
}

async fn only_a_verified_delivery_to_an_org_with_a_secret_is_read(t: TestApp) {
    let app = app(&t).await;
    t.account("A-1", "Northwind").await;
    let now = app.now().as_second();
    let body = event(
        "evt_1",
        "customer.subscription.deleted",
        now - 60,
        subscription("A-1", 5_000, 1, "canceled", Some(now - 60)),
    );
    let refused = |header: String, org: String, body: String| {
        let app = app.clone();
        async move {
            app.stripe_webhook(&org, &header, body.as_bytes())
                .await
                .unwrap_err()
        }
    };
    let org = t.org.as_str().to_string();
    for (why, header, body) in [
        (
            "a wrong secret",
            signature_header(now, &body, &["whsec_wrong_secret_000"]),
            body.clone(),
        ),
        (
            "a changed body",
            signature_header(now, &body, &[SECRET]),
            body.replace("A-1", "A-2"),
        ),
        (
            "a stale timestamp",
            signature_header(now - 301, &body, &[SECRET]),
            body.clone(),
        ),
        ("no signature", format!("t={now}"), body.clone()),
    ] {
        let e = refused(header, org.clone(), body).await;
        assert!(
            matches!(e, baton_app::AppError::Unauthenticated(_)),
            "{why}: {e:?}"
        );
    }
    // An org without a secret, or none at all, is refused alike.
    let e = refused(
        signature_header(now, &body, &[SECRET]),
        "globex".into(),
        body.clone(),
    )
    .await;
    assert!(
        matches!(e, baton_app::AppError::Unauthenticated(_)),
        "{e:?}"
    );
    assert!(
        app.store()
            .billing_events(&t.org, 10)
            .await
            .unwrap()
            .is_empty(),
        "nothing refused is recorded"
    );
    // During a secret roll Stripe signs with both: one matching is enough.
    let rolled = signature_header(now, &body, &["whsec_previous_secret_00", SECRET]);
    let r = app
        .stripe_webhook(&org, &rolled, body.as_bytes())
        .await
        .unwrap();
    assert_eq!(r.outcome, "applied", "{r:?}");
}

async fn a_stripe_secret_is_set_by_an_admin_and_kept_sealed(t: TestApp) {
    let app = t.app.clone().with_secret_key(Some(key()));
    let e = app
        .set_stripe_secret(&t.as_user("ae1@acme.test"), SECRET)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("only org admins"), "{e}");
    let e = app
        .set_stripe_secret(
            &t.as_user("admin@acme.test"),
            "sk_live_not_a_webhook_secret",
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("whsec_"), "{e}");
    // Without BATON_SECRET_KEY there is nowhere safe to keep it.
    let e = t
        .app
        .set_stripe_secret(&t.as_user("admin@acme.test"), SECRET)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("BATON_SECRET_KEY"), "{e}");
    app.set_stripe_secret(&t.as_user("admin@acme.test"), SECRET)
        .await
        .unwrap();
    let stored = app
        .store()
        .billing_secret(&t.org, "stripe")
        .await
        .unwrap()
        .unwrap();
    assert!(
        !stored.contains(SECRET) && !stored.contains("whsec_"),
        "{stored}"
    );
}

async fn a_billing_csv_in_any_order_imported_twice_makes_one_churn_at_the_latest_arr(t: TestApp) {
    t.account("C-1", "Contoso").await;
    let admin = t.as_user("admin@acme.test");
    // The clock reads 2026-10-01; the rows are written out of order.
    let csv = "account,date,event,arr,currency
C-1,2026-09-20,churn,,
C-1,2026-08-01,arr,1000.00,USD
C-1,2026-09-01T09:30:00Z,arr,1500.00,usd
C-1,2026-08-15,arr,500.00,USD
NOPE,2026-08-01,arr,10.00,USD
";
    let first = t
        .app
        .import_billing_csv(&admin, csv.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        (first.rows, first.applied, first.unmatched, first.duplicates),
        (5, 4, 1, 0),
        "{first:?}"
    );
    let again = t
        .app
        .import_billing_csv(&admin, csv.as_bytes())
        .await
        .unwrap();
    assert_eq!((again.applied, again.duplicates), (0, 5), "{again:?}");
    let log = t
        .app
        .store()
        .stream_events(&t.org, "account/C-1")
        .await
        .unwrap();
    let churns: Vec<Money> = log
        .iter()
        .filter_map(|e| match &e.event {
            Event::Churn { arr_lost, .. } => Some(*arr_lost),
            _ => None,
        })
        .collect();
    assert_eq!(churns, vec![usd(150_000)], "the latest ARR, lost once");
    assert!(
        t.app
            .import_billing_csv(&t.as_user("ae1@acme.test"), csv.as_bytes())
            .await
            .is_err(),
        "admins only"
    );
}

async fn a_billing_csv_with_bad_rows_names_each_and_applies_nothing(t: TestApp) {
    t.account("D-1", "Dunder").await;
    let admin = t.as_user("admin@acme.test");
    let csv = "account,date,event,arr,currency
D-1,2026-09-01,arr,2000.00,USD
D-1,2026-12-01,churn,,
D-1,2026-09-02,upgrade,1.00,USD
D-1,2026-09-03,arr,12.345,USD
,2026-09-04,churn,,
D-1,yesterday,churn,,
";
    let e = t
        .app
        .import_billing_csv(&admin, csv.as_bytes())
        .await
        .unwrap_err();
    let baton_app::AppError::Import(lines) = e else {
        panic!("{e:?}");
    };
    let numbers: Vec<u64> = lines.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [3, 4, 5, 6, 7], "{lines:?}");
    assert!(lines[0].1.contains("future"), "{lines:?}");
    assert!(lines[1].1.contains("upgrade"), "{lines:?}");
    assert!(lines[4].1.contains("yesterday"), "{lines:?}");
    let account = t
        .app
        .store()
        .account(&t.org, &AccountId::parse("D-1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.arr, usd(4_800_000), "nothing applied");
    let e = t
        .app
        .import_billing_csv(&admin, "id,when\nD-1,2026-09-01\n".as_bytes())
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("missing column(s): account, date, event"),
        "{e}"
    );
}
