//! Webhook subscriptions, the delivery log and redelivery over HTTP, on both
//! backends. The delivery job itself is tested against a real receiver in
//! the app's suite; here the receiver refuses connections, so every attempt
//! fails and lands in the log.

use baton_testkit::{TestApp, on_both_backends};
use jiff::SignedDuration;
use serde_json::json;

use crate::harness::start;

on_both_backends!(the_delivery_log_pages_and_a_dead_delivery_is_redelivered);

async fn the_delivery_log_pages_and_a_dead_delivery_is_redelivered(t: TestApp) {
    let s = start(t).await;
    let admin = s.as_("admin@acme.test").await;
    let hook = admin
        .post(
            "/webhooks",
            json!({"url": "http://127.0.0.1:9/refused", "events": ["account"],
                   "secret": "s3cret-s3cret-s3cret", "format": "slack"}),
        )
        .await;
    let hook = hook.expect(201).clone();
    assert_eq!(hook["format"], "slack");
    let id = hook["id"].as_str().unwrap().to_string();
    for a in ["W-1", "W-2", "W-3"] {
        s.account(a).await;
    }
    let page = admin
        .get(&format!("/webhooks/{id}/deliveries?limit=2"))
        .await;
    let page = page.expect(200).clone();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["status"], "pending");
    assert_eq!(page["items"][0]["event"], "account");
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = admin
        .get(&format!(
            "/webhooks/{id}/deliveries?limit=2&cursor={cursor}"
        ))
        .await;
    let rest = rest.expect(200).clone();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    admin
        .get(&format!("/webhooks/{id}/deliveries?cursor=yesterday"))
        .await
        .problem(422, "invalid-input");
    admin
        .get(&format!("/webhooks/{id}/deliveries?limit=0"))
        .await
        .problem(422, "invalid-input");

    let delivery = page["items"][0]["id"].as_str().unwrap().to_string();
    let redeliver = format!("/webhooks/{id}/deliveries/{delivery}/redeliver");
    admin.post_empty(&redeliver).await.problem(409, "conflict");
    for _ in 0..8 {
        s.t.app.deliver_webhooks().await.unwrap();
        s.t.clock.advance(SignedDuration::from_hours(7));
    }
    let log = admin.get(&format!("/webhooks/{id}/deliveries")).await;
    let d = log.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == delivery.as_str())
        .unwrap()
        .clone();
    assert_eq!(d["status"], "dead");
    assert_eq!(d["log"].as_array().unwrap().len(), 8);
    assert!(
        d["log"][0]["error"]
            .as_str()
            .unwrap()
            .starts_with("could not connect"),
        "{d}"
    );
    assert!(d["last_error"].is_string());

    admin.post_empty(&redeliver).await.expect(202);
    let log = admin.get(&format!("/webhooks/{id}/deliveries")).await;
    let d = log.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == delivery.as_str())
        .unwrap()
        .clone();
    assert_eq!(d["status"], "pending");
    assert_eq!(d["attempts"], 0);
    assert_eq!(
        d["log"].as_array().unwrap().len(),
        8,
        "the old attempts stay"
    );
    admin
        .post_empty(&format!("/webhooks/{id}/deliveries/nope/redeliver"))
        .await
        .problem(404, "not-found");
    // Left out it is json; given, it is one of the formats, never blank
    // (the OpenAPI document says so).
    for format in ["teams", "", " "] {
        let p = admin
            .post(
                "/webhooks",
                json!({"url": "https://x.test", "events": ["*"], "secret": "s3cret-s3cret-s3cret", "format": format}),
            )
            .await;
        assert!(p.text.contains("format"), "{format:?}: {}", p.text);
        p.problem(422, "invalid-input");
    }
}
