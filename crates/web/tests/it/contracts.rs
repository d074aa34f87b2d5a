//! `/contracts`: reading, the mode switch and publishing through HTTP.

use baton_testkit::{TestApp, on_both_backends};
use serde_json::json;

use crate::harness::start;

on_both_backends!(
    switching_to_the_mode_a_contract_is_already_in_succeeds,
    a_lead_of_the_receiving_team_publishes_a_version_and_started_handoffs_keep_theirs,
);

async fn switching_to_the_mode_a_contract_is_already_in_succeeds(t: TestApp) {
    // PUT is idempotent (RFC 9110 §9.2.2): a CRM script that sets "gated"
    // twice must not see an error the second time.
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
