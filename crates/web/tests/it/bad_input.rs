//! Bad input, one test per kind: each gets an `application/problem+json`
//! answer that names the problem, and changes nothing.

use baton_testkit::{TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

use crate::handoffs::complete;
use crate::harness::{Server, start};

on_both_backends!(
    malformed_json_is_a_problem_naming_where_it_broke,
    a_value_of_the_wrong_type_is_a_problem_naming_the_field,
    an_unknown_contract_key_is_a_problem_naming_the_key,
    an_unknown_field_key_is_a_problem_naming_the_field,
    a_body_over_one_mebibyte_is_refused_with_413,
);

/// A server with account A-1, and the event count and handoff list before
/// the bad request.
async fn set_up(t: TestApp) -> (Server, u64) {
    let s = start(t).await;
    s.account("A-1").await;
    let before = s.events().await;
    (s, before)
}

/// Nothing changed: no event, no handoff.
async fn nothing_changed(s: &Server, before: u64) {
    assert_eq!(s.events().await, before, "an event was recorded");
    let list = s.as_("admin@acme.test").await.get("/handoffs").await;
    assert_eq!(list.expect(200)["items"], json!([]), "a handoff was made");
}

fn field_of(p: &Value) -> Vec<&str> {
    p["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

async fn malformed_json_is_a_problem_naming_where_it_broke(t: TestApp) {
    let (s, before) = set_up(t).await;
    let ae = s.as_("ae1@acme.test").await;
    let r = ae
        .send_raw(
            Method::POST,
            "/handoffs",
            "application/json",
            br#"{"contract": "ae-to-onboarding", "account": "A-1", "values": {"#.to_vec(),
        )
        .await;
    let p = r.problem(400, "malformed-json");
    let detail = p["detail"].as_str().unwrap();
    assert!(detail.contains("line 1"), "says where: {detail}");
    // JSON that is not JSON at all, and a body sent as something else.
    ae.send_raw(
        Method::POST,
        "/handoffs",
        "application/json",
        b"contract=x".to_vec(),
    )
    .await
    .problem(400, "malformed-json");
    ae.send_raw(
        Method::POST,
        "/handoffs",
        "text/plain",
        br#"{"contract": "ae-to-onboarding", "account": "A-1"}"#.to_vec(),
    )
    .await
    .problem(415, "unsupported-media-type");
    nothing_changed(&s, before).await;
}

async fn a_value_of_the_wrong_type_is_a_problem_naming_the_field(t: TestApp) {
    let (s, before) = set_up(t).await;
    let ae = s.as_("ae1@acme.test").await;
    let r = ae
        .post(
            "/handoffs",
            json!({"contract": "ae-to-onboarding", "account": "A-1", "values": 5}),
        )
        .await;
    let p = r.problem(422, "invalid-body");
    assert_eq!(field_of(p), ["values"], "{p}");
    // A field value of the wrong type for its field.
    let r = s
        .as_("marketing1@acme.test")
        .await
        .post(
            "/handoffs",
            json!({"contract": "mql-to-sdr", "account": "A-1", "values": {"first_touch_sla": "soon"}}),
        )
        .await;
    let p = r.problem(422, "invalid-input");
    assert_eq!(field_of(p), ["first_touch_sla"], "{p}");
    // A top-level member that the route does not read.
    let r = ae
        .post(
            "/handoffs",
            json!({"contract": "ae-to-onboarding", "account": "A-1", "valeus": {}}),
        )
        .await;
    let p = r.problem(422, "invalid-body");
    assert!(p["detail"].as_str().unwrap().contains("valeus"), "{p}");
    nothing_changed(&s, before).await;
}

async fn an_unknown_contract_key_is_a_problem_naming_the_key(t: TestApp) {
    let (s, before) = set_up(t).await;
    let ae = s.as_("ae1@acme.test").await;
    let r = ae
        .post(
            "/handoffs",
            json!({"contract": "ae-to-nowhere", "account": "A-1", "values": {}}),
        )
        .await;
    let p = r.problem(422, "unknown-reference");
    assert!(
        p["detail"].as_str().unwrap().contains("ae-to-nowhere"),
        "{p}"
    );
    // A key that cannot be a contract key at all.
    let r = ae
        .post(
            "/handoffs",
            json!({"contract": "AE to Onboarding!", "account": "A-1"}),
        )
        .await;
    let p = r.problem(422, "invalid-input");
    assert_eq!(field_of(p), ["contract"], "{p}");
    // And at a URL: the gate of a contract that does not exist.
    s.as_("admin@acme.test")
        .await
        .get("/gates/ae-to-nowhere/A-1")
        .await
        .problem(404, "not-found");
    nothing_changed(&s, before).await;
}

async fn an_unknown_field_key_is_a_problem_naming_the_field(t: TestApp) {
    let (s, before) = set_up(t).await;
    let ae = s.as_("ae1@acme.test").await;
    let mut values = complete("ae-to-onboarding");
    values["vibes"] = json!("good");
    let r = ae
        .post(
            "/handoffs",
            json!({"contract": "ae-to-onboarding", "account": "A-1", "values": values}),
        )
        .await;
    let p = r.problem(422, "unknown-field");
    assert_eq!(field_of(p), ["vibes"], "{p}");
    nothing_changed(&s, before).await;
    // The same on an edit: the draft stays as it was.
    let r = ae
        .post(
            "/handoffs",
            json!({"contract": "ae-to-onboarding", "account": "A-1", "values": complete("ae-to-onboarding")}),
        )
        .await;
    let id = r.expect(201)["id"].as_str().unwrap().to_string();
    let before = s.events().await;
    let r = ae
        .patch(
            &format!("/handoffs/{id}"),
            json!({"values": {"vibes": "good"}}),
        )
        .await;
    assert_eq!(field_of(r.problem(422, "unknown-field")), ["vibes"]);
    assert_eq!(s.events().await, before);
    let h = ae.get(&format!("/handoffs/{id}")).await;
    assert!(h.expect(200)["values"].get("vibes").is_none());
}

async fn a_body_over_one_mebibyte_is_refused_with_413(t: TestApp) {
    let (s, before) = set_up(t).await;
    let ae = s.as_("ae1@acme.test").await;
    let big = "x".repeat((1 << 20) + 1);
    let body = json!({
        "contract": "ae-to-onboarding",
        "account": "A-1",
        "values": {"economic_buyer": big},
    });
    let r = ae
        .send_raw(
            Method::POST,
            "/handoffs",
            "application/json",
            serde_json::to_vec(&body).unwrap(),
        )
        .await;
    let p = r.problem(413, "body-too-large");
    assert!(p["detail"].as_str().unwrap().contains("1 MiB"), "{p}");
    nothing_changed(&s, before).await;
    // Just under the limit is read (and refused only for what it says).
    let fits = "x".repeat((1 << 20) - 200);
    let r = ae
        .post(
            "/handoffs",
            json!({"contract": "ae-to-onboarding", "account": "A-1", "values": {"economic_buyer": fits}}),
        )
        .await;
    assert_ne!(r.status, 413, "{}", r.text);
}
