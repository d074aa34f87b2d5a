//! `/contracts`: reading, the mode switch and publishing through HTTP.

use baton_testkit::{TestApp, on_both_backends};
use serde_json::json;

use crate::harness::start;

on_both_backends!(
    switching_to_the_mode_a_contract_is_already_in_succeeds,
    a_mode_switch_cannot_launch_a_second_contract_beside_one_in_gating,
    the_rollout_board_shows_a_contract_gated_by_its_mode_in_gating,
    rollout_phases_cannot_be_jumped,
    a_lead_of_the_receiving_team_publishes_a_version_and_started_handoffs_keep_theirs,
);

async fn switching_to_the_mode_a_contract_is_already_in_succeeds(t: TestApp) {
    // PUT is idempotent (RFC 9110 §9.2.2): a CRM script that sets "gated"
    // twice must not see an error the second time.
    t.ready_to_gate("ae-to-onboarding").await;
    let s = start(t).await;
    let lead = s.as_("onboarding-lead@acme.test").await;
    for _ in 0..2 {
        let r = lead
            .put("/contracts/ae-to-onboarding/mode", json!({"mode": "gated"}))
            .await;
        assert_eq!(r.expect(200)["mode"], "gated");
    }
}

async fn a_lead_of_the_receiving_team_publishes_a_version_and_started_handoffs_keep_theirs(
    t: TestApp,
) {
    let s = start(t).await;
    s.account("A-1").await;
    let id = crate::handoffs::draft(
        &s,
        "ae-to-onboarding",
        "A-1",
        crate::handoffs::complete("ae-to-onboarding"),
    )
    .await;
    let lead = s.as_("onboarding-lead@acme.test").await;
    let c = lead.get("/contracts/ae-to-onboarding").await;
    assert_eq!(c.expect(200)["version"], 1);
    let mut def = c.body["definition"].clone();
    def["title"] = json!("AE → Onboarding (with a data owner)");
    let r = lead.post("/contracts/ae-to-onboarding/versions", def).await;
    assert_eq!(r.expect(201)["version"], 2, "{}", r.text);
    let versions = lead.get("/contracts/ae-to-onboarding/versions").await;
    assert_eq!(versions.expect(200).as_array().unwrap().len(), 2);
    let h = lead.get(&format!("/handoffs/{id}")).await;
    assert_eq!(
        h.expect(200)["version"],
        1,
        "bound to the version it started under"
    );
}

/// Gates ae-to-onboarding through the API, the way the rollout allows.
async fn gate_through_the_api(s: &crate::harness::Server, key: &str) {
    let admin = s.as_("admin@acme.test").await;
    for phase in ["leak_audit", "field_spec"] {
        admin
            .put("/rollout", json!({"contract": key, "phase": phase}))
            .await
            .expect(200);
    }
    admin
        .put(&format!("/contracts/{key}/mode"), json!({"mode": "gated"}))
        .await
        .expect(200);
}

async fn a_mode_switch_cannot_launch_a_second_contract_beside_one_in_gating(t: TestApp) {
    let s = start(t).await;
    gate_through_the_api(&s, "ae-to-onboarding").await;
    let admin = s.as_("admin@acme.test").await;
    for phase in ["leak_audit", "field_spec"] {
        admin
            .put("/rollout", json!({"contract": "sdr-to-ae", "phase": phase}))
            .await
            .expect(200);
    }
    let before = s.events().await;
    let lead = s.as_("ae-lead@acme.test").await;
    let r = lead
        .put("/contracts/sdr-to-ae/mode", json!({"mode": "gated"}))
        .await;
    let problem = r.expect(422);
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("don't launch in parallel") && detail.contains("ae-to-onboarding"),
        "{detail}"
    );
    assert_eq!(s.events().await, before, "nothing recorded");
    let c = lead.get("/contracts/sdr-to-ae").await;
    assert_eq!(c.expect(200)["mode"], "observe");
    // A lead may not override; an admin may, with a reason that is kept.
    let r = lead
        .put(
            "/contracts/sdr-to-ae/mode",
            json!({"mode": "gated", "reason": "the board asked"}),
        )
        .await;
    r.expect(403);
    let r = admin
        .put(
            "/contracts/sdr-to-ae/mode",
            json!({"mode": "gated", "reason": "the board asked"}),
        )
        .await;
    assert_eq!(r.expect(200)["mode"], "gated");
    let plan = admin.get("/rollout").await;
    let plan = plan.expect(200);
    let line = plan["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["contract"] == "sdr-to-ae")
        .cloned()
        .unwrap();
    assert_eq!(line["stage"]["phase"], "gating", "{line}");
    assert_eq!(
        line["stage"]["override_reason"], "the board asked",
        "{line}"
    );
}

async fn the_rollout_board_shows_a_contract_gated_by_its_mode_in_gating(t: TestApp) {
    let s = start(t).await;
    gate_through_the_api(&s, "ae-to-onboarding").await;
    let admin = s.as_("admin@acme.test").await;
    let phase = |plan: &serde_json::Value| {
        plan["contracts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["contract"] == "ae-to-onboarding")
            .map(|l| l["stage"]["phase"].clone())
            .unwrap()
    };
    assert_eq!(phase(admin.get("/rollout").await.expect(200)), "gating");
    // Back to observe returns to the field spec; moving on the board to
    // gating switches the mode again.
    admin
        .put(
            "/contracts/ae-to-onboarding/mode",
            json!({"mode": "observe"}),
        )
        .await
        .expect(200);
    assert_eq!(phase(admin.get("/rollout").await.expect(200)), "field_spec");
    admin
        .put(
            "/rollout",
            json!({"contract": "ae-to-onboarding", "phase": "gating"}),
        )
        .await
        .expect(200);
    let c = admin.get("/contracts/ae-to-onboarding").await;
    assert_eq!(c.expect(200)["mode"], "gated");
}

async fn rollout_phases_cannot_be_jumped(t: TestApp) {
    let s = start(t).await;
    let lead = s.as_("onboarding-lead@acme.test").await;
    let r = lead
        .put(
            "/rollout",
            json!({"contract": "ae-to-onboarding", "phase": "gating"}),
        )
        .await;
    let detail = r.expect(422)["detail"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(detail.contains("phases go in order"), "{detail}");
    let r = lead
        .put("/contracts/ae-to-onboarding/mode", json!({"mode": "gated"}))
        .await;
    r.expect(422);
    lead.put(
        "/rollout",
        json!({"contract": "ae-to-onboarding", "phase": "leak_audit"}),
    )
    .await
    .expect(200);
    let r = lead
        .put(
            "/rollout",
            json!({"contract": "ae-to-onboarding", "phase": "incentive_tune"}),
        )
        .await;
    r.expect(422);
}
