//! Stripe's webhook over HTTP (issue 22), on both backends: the real server
//! reads the raw body and the `Stripe-Signature` header, answers what became
//! of a verified event (200), a redelivery as a duplicate, an unsigned or
//! wrongly signed one 401 and a signed body that is no Stripe event 422,
//! each as problem+json.

use baton_testkit::{TestApp, on_both_backends, signature_header};
use serde_json::json;

use crate::harness::start_with;

on_both_backends!(a_signed_stripe_event_is_applied_once_over_http);

const SECRET: &str = "whsec_http_test_0123456789";

fn sign(t: i64, body: &str) -> String {
    signature_header(t, body, &[SECRET])
}

async fn a_signed_stripe_event_is_applied_once_over_http(t: TestApp) {
    let key = {
        use base64::Engine as _;
        baton_app::secrets::SecretKey::from_base64(
            &base64::engine::general_purpose::STANDARD.encode([3u8; 32]),
        )
        .unwrap()
    };
    let s = start_with(t, |app, _| app.with_secret_key(Some(key))).await;
    let admin = s.as_("admin@acme.test").await;
    let member = s.as_("ae1@acme.test").await;
    member
        .put("/billing/stripe/secret", json!({"secret": SECRET}))
        .await
        .expect(403);
    admin
        .put(
            "/billing/stripe/secret",
            json!({"secret": "sk_live_not_it"}),
        )
        .await
        .expect(422);
    admin
        .put("/billing/stripe/secret", json!({"secret": SECRET}))
        .await
        .expect(204);
    s.account("S-1").await;
    let now = s.t.app.now().as_second();
    let body = json!({
        "id": "evt_1NG8Du2eZvKYlo2CUI79vXWy", "object": "event", "type": "customer.subscription.deleted",
        "created": now - 60,
        "data": {"object": {"id": "sub_1", "object": "subscription", "customer": "cus_1",
                            "status": "canceled", "ended_at": now - 60,
                            "metadata": {"baton_account": "S-1"}}}
    })
    .to_string();
    let path = format!("/inbound/stripe/{}", s.t.org);
    let post = |body: String, signature: Option<String>| {
        s.post_signed(&path, "stripe-signature", body, signature)
    };
    let (status, _, first) = post(body.clone(), Some(sign(now, &body))).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["outcome"], "applied", "{first}");
    assert_eq!(first["duplicate"], false);
    let (status, _, again) = post(body.clone(), Some(sign(now, &body))).await;
    assert_eq!(
        (status, &again["duplicate"]),
        (200, &json!(true)),
        "{again}"
    );
    for (why, signature) in [
        ("unsigned", None),
        ("signed for another body", Some(sign(now, "{}"))),
        ("signed too long ago", Some(sign(now - 600, &body))),
    ] {
        let (status, kind, problem) = post(body.clone(), signature).await;
        assert_eq!(status, 401, "{why}: {problem}");
        assert!(
            kind.starts_with("application/problem+json"),
            "{why}: {kind}"
        );
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or("")
                .contains("Stripe-Signature"),
            "{why}: {problem}"
        );
    }
    let not_an_event = r#"{"hello": "world"}"#.to_string();
    let (status, kind, problem) = post(not_an_event.clone(), Some(sign(now, &not_an_event))).await;
    assert_eq!(status, 422, "{problem}");
    assert!(kind.starts_with("application/problem+json"));
    let account =
        s.t.app
            .store()
            .account(&s.t.org, &baton_domain::AccountId::parse("S-1").unwrap())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        account.status,
        baton_domain::account::AccountStatus::Churned
    );
    // The log holds the one event, once; refused deliveries are not in it.
    let log = admin.get("/billing/log").await.expect(200).clone();
    assert_eq!(log.as_array().map(Vec::len), Some(1), "{log}");
    assert_eq!(log[0]["outcome"], "applied");
    assert_eq!(log[0]["account"], "S-1");
    member.get("/billing/log").await.expect(403);
}
