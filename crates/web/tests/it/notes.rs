//! `/signals/notes` and `/signals/suggestions` over HTTP: a note re-asking
//! what an accepted handoff answered comes back with a suggestion and its
//! evidence; confirming it counts in the scorecard and in the detector's
//! figures admins read; bad input names the field and changes nothing.

use baton_testkit::{TestApp, on_both_backends};
use serde_json::json;

use crate::handoffs::complete;
use crate::harness::start;

on_both_backends!(
    a_note_comes_back_with_suggestions_a_person_confirms,
    notes_and_nps_posted_at_once_for_one_account_all_land,
);

/// CRM pushes and call recorders post in bursts: every write lands, none
/// answers 409 (the server re-reads and re-decides a lost race itself).
async fn notes_and_nps_posted_at_once_for_one_account_all_land(t: TestApp) {
    let s = start(t).await;
    let cs = s.as_("cs1@acme.test").await;
    cs.post(
        "/accounts",
        json!({"id": "N-1", "name": "Northwind", "arr": {"minor": 4_800_000, "currency": "USD"}}),
    )
    .await
    .expect(201);
    let before = s.events().await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..50 {
        let c = cs.clone();
        set.spawn(async move {
            let r = if i < 40 {
                let text = format!("Call {i}: they liked the dashboard.");
                c.post("/signals/notes", json!({"account": "N-1", "text": text}))
                    .await
            } else {
                c.post("/signals/nps", json!({"account": "N-1", "score": i - 40}))
                    .await
            };
            (r.status, r.text)
        });
    }
    let answers = set.join_all().await;
    let refused: Vec<_> = answers.iter().filter(|(s, _)| *s != 201).collect();
    assert!(refused.is_empty(), "{} refused: {refused:?}", refused.len());
    assert_eq!(s.events().await, before + 50);
}

async fn a_note_comes_back_with_suggestions_a_person_confirms(t: TestApp) {
    let s = start(t).await;
    let ae = s.as_("ae1@acme.test").await;
    let onb = s.as_("onboarding1@acme.test").await;
    let admin = s.as_("admin@acme.test").await;
    admin
        .post(
            "/accounts",
            json!({"id": "N-1", "name": "Northwind", "arr": {"minor": 4_800_000, "currency": "USD"}}),
        )
        .await
        .expect(201);
    let r = ae
        .post(
            "/handoffs",
            json!({"contract": "ae-to-onboarding", "account": "N-1", "values": complete("ae-to-onboarding")}),
        )
        .await;
    let id = r.expect(201)["id"].as_str().unwrap().to_string();
    ae.post_empty(&format!("/handoffs/{id}/submit"))
        .await
        .expect(200);
    onb.post(&format!("/handoffs/{id}/accept"), json!({}))
        .await
        .expect(200);

    let text = "Kickoff. Who signs off on the budget for this? Which SSO provider do you use?";
    let r = onb
        .post("/signals/notes", json!({"account": "N-1", "text": text}))
        .await;
    let body = r.expect(201);
    let found = body["suggestions"].as_array().unwrap().clone();
    assert_eq!(found.len(), 1, "{body}");
    let sug = &found[0];
    assert_eq!(sug["question"], "Who signs off on the budget for this?");
    assert_eq!(sug["field"], "economic_buyer");
    assert_eq!(sug["handoff"], id.as_str());
    assert_eq!(
        sug["answer"],
        complete("ae-to-onboarding")["economic_buyer"]
    );
    assert_eq!(
        (sug["status"].as_str(), sug["team"].as_str()),
        (Some("open"), Some("onboarding"))
    );
    let sid = sug["id"].as_str().unwrap().to_string();

    let open = onb.get("/signals/suggestions").await;
    assert_eq!(open.expect(200)["items"][0]["id"], sid.as_str());
    let r = onb.get("/signals/suggestions?status=maybe").await;
    let p = r.problem(422, "invalid-input");
    assert_eq!(p["errors"][0]["field"], "status", "{p}");

    let before = scorecard_incidents(&admin).await;
    let r = onb
        .post_empty(&format!("/signals/suggestions/{sid}/confirm"))
        .await;
    assert_eq!(r.expect(200)["status"], "confirmed");
    assert_eq!(scorecard_incidents(&admin).await, before + 1);
    // Admins see the detector's figures on the org's decisions; a member
    // does not.
    let r = admin.get("/signals/suggestions/quality").await;
    let q = r.expect(200);
    assert_eq!(
        (&q["confirmed"], &q["dismissed"], &q["precision"]),
        (&json!(1), &json!(0), &json!(1.0)),
        "{q}"
    );
    assert_eq!(q["found_share"], json!(1.0), "{q}");
    assert_eq!(q["learned_phrases"], json!(1), "{q}");
    onb.get("/signals/suggestions/quality")
        .await
        .problem(403, "forbidden");
    let r = onb
        .post_empty(&format!("/signals/suggestions/{sid}/dismiss"))
        .await;
    let p = r.problem(409, "conflict");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("already confirmed by onboarding1@acme.test"),
        "{p}"
    );

    // Bad input names the field and records nothing.
    let events = s.events().await;
    for (body, field) in [
        (json!({"account": "N-1", "text": "   "}), "text"),
        (json!({"account": "nope", "text": "Who signs?"}), "account"),
        (
            json!({"account": "N-1", "text": "Who signs?", "team": "sales"}),
            "team",
        ),
        (
            json!({"account": "N-1", "text": "Who signs?", "at": "yesterday"}),
            "at",
        ),
    ] {
        let r = onb.post("/signals/notes", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.text.contains(field), "{body}: {}", r.text);
    }
    assert_eq!(s.events().await, events, "nothing recorded");
}

async fn scorecard_incidents(admin: &crate::harness::Client) -> u64 {
    let r = admin
        .get("/scorecard?contract=ae-to-onboarding&period=2026-10")
        .await;
    let body = r.expect(200);
    body["metrics"]["rediscovery_incidence"]["num"]
        .as_u64()
        .unwrap_or(0)
}
