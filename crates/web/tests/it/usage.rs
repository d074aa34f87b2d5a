//! Product usage over HTTP (issue 22), on both backends: the real server
//! records days sent by any member's token, names each bad day by its
//! place in the request with nothing recorded, and answers an account's
//! usage with its adoption curve.

use baton_testkit::{TestApp, on_both_backends};
use serde_json::json;

use crate::harness::start;

on_both_backends!(usage_is_sent_over_http_and_read_back_with_its_adoption_curve);

async fn usage_is_sent_over_http_and_read_back_with_its_adoption_curve(t: TestApp) {
    let s = start(t).await;
    s.account("U-1").await;
    let product = s.as_("product1@acme.test").await;
    let day = |day: &str, users: u32, features: &[&str]| json!({"account": "U-1", "day": day, "active_users": users, "seats": 20, "features": features});
    let sent = json!({"days": [
        day("2026-09-14", 3, &["reports", "api"]),
        day("2026-09-21", 9, &["reports"]),
        day("2026-09-30", 14, &["reports", "alerts"]),
    ]});
    let reply = product.post("/signals/usage", sent.clone()).await;
    let done = reply.expect(200);
    assert_eq!(
        *done,
        json!({"days": 3, "added": 3, "updated": 0, "unchanged": 0})
    );
    let reply = product.post("/signals/usage", sent).await;
    assert_eq!(reply.expect(200)["unchanged"], json!(3));

    // Bad days are named by their place; nothing is recorded.
    let bad = json!({"days": [
        day("2026-09-29", 1, &[]),
        day("2026-10-09", 1, &[]),
        {"account": "NOPE-1", "day": "2026-09-29", "active_users": 1},
        day("2026-09-29", 2, &[""]),
    ]});
    let reply = product.post("/signals/usage", bad).await;
    let problem = reply.expect(422);
    let errors: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (
                "days[1]".to_string(),
                "day 2026-10-09 is in the future (today is 2026-10-01)".to_string()
            ),
            (
                "days[2]".to_string(),
                "account 'NOPE-1' does not exist in this org: create it first".to_string()
            ),
            ("days[3]".to_string(), "a feature name is empty".to_string()),
        ],
        "{problem}"
    );
    assert_eq!(
        problem["detail"],
        json!("3 bad day(s); nothing was recorded")
    );
    // A field the body does not have is refused before any of that.
    let reply = product
        .post(
            "/signals/usage",
            json!({"days": [{"account": "U-1", "day": "2026-09-29", "active_users": 1, "users": 2}]}),
        )
        .await;
    reply.expect(422);

    let reply = s
        .as_("cs1@acme.test")
        .await
        .get("/accounts/U-1/usage")
        .await;
    let usage = reply.expect(200);
    assert_eq!(
        (usage["from"].clone(), usage["to"].clone()),
        (json!("2026-07-04"), json!("2026-10-01"))
    );
    assert_eq!(usage["days"].as_array().unwrap().len(), 3, "{usage}");
    assert_eq!(
        usage["weeks"],
        json!([
            {"start": "2026-09-14", "peak_users": 3},
            {"start": "2026-09-21", "peak_users": 9},
            {"start": "2026-09-28", "peak_users": 14},
        ])
    );
    assert_eq!(usage["seats"], json!(20));
    assert_eq!(usage["features"][0]["name"], json!("reports"));
    assert_eq!(
        usage["features"][2],
        json!({"name": "api", "first": "2026-09-14", "last": "2026-09-14", "days": 1, "kept": false})
    );
    assert!(
        usage["summary"].as_str().unwrap().starts_with(
            "Weekly active users 3 (week of 2026-09-14) → 14 (week of 2026-09-28) of 20 seats (70%)"
        ),
        "{usage}"
    );
    // A window of one's own; a window that ends before it starts is named.
    let reply = s
        .as_("cs1@acme.test")
        .await
        .get("/accounts/U-1/usage?from=2026-09-20&to=2026-09-22")
        .await;
    assert_eq!(reply.expect(200)["days"].as_array().unwrap().len(), 1);
    let reply = s
        .as_("cs1@acme.test")
        .await
        .get("/accounts/U-1/usage?from=2026-09-22&to=2026-09-20")
        .await;
    assert!(
        reply.expect(422)["detail"]
            .as_str()
            .unwrap()
            .contains("after it ends")
    );
    let reply = s
        .as_("cs1@acme.test")
        .await
        .get("/accounts/U-1/usage?from=yesterday")
        .await;
    assert!(
        reply.expect(422)["detail"]
            .as_str()
            .unwrap()
            .contains("'yesterday' is not a day")
    );
    let reply = s
        .as_("cs1@acme.test")
        .await
        .get("/accounts/NOPE-1/usage")
        .await;
    reply.expect(404);
}
