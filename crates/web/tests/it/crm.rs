//! `/inbound/crm`: a CRM change starts the mapped draft once, as its owner,
//! on the upserted account; rules replace the defaults; bad input is named
//! and changes nothing.

use baton_testkit::{TestApp, on_both_backends};
use serde_json::{Value, json};

use crate::handoffs::complete;
use crate::harness::start;

on_both_backends!(
    closed_won_starts_one_ae_draft_for_the_owner_and_a_redelivery_returns_it,
    meeting_held_starts_the_sdrs_draft_and_unmapped_changes_are_ignored,
    custom_rules_replace_the_defaults_and_drafts_carry_values_forward,
    bad_payloads_are_named_and_change_nothing,
);

fn deal(id: &str, stage: &str, owner: &str) -> Value {
    json!({
        "object": "deal",
        "id": id,
        "account": {"id": "SF-001", "name": "Northwind Traders", "arr": {"minor": 4_800_000, "currency": "USD"}, "segment": "mid-market"},
        "stage": stage,
        "previous_stage": "Negotiation",
        "owner": owner,
        "at": "2026-10-01T09:00:00Z",
    })
}

async fn closed_won_starts_one_ae_draft_for_the_owner_and_a_redelivery_returns_it(t: TestApp) {
    let s = start(t).await;
    let crm = s.as_("admin@acme.test").await;
    let before = s.events().await;

    let r = crm
        .post("/inbound/crm", deal("D-1", "Closed Won", "ae1@acme.test"))
        .await;
    let draft = r.expect(201).clone();
    assert_eq!(draft["contract"], "ae-to-onboarding");
    assert_eq!(draft["account"], "SF-001");
    assert_eq!(draft["state"], "draft");
    assert_eq!(draft["sender"], "ae1@acme.test", "{draft}");
    assert!(!draft["missing"].as_array().unwrap().is_empty());
    let id = draft["id"].as_str().unwrap().to_string();

    // The account was upserted from the payload.
    let account = crm.get("/accounts/SF-001").await;
    let account = account.expect(200);
    assert_eq!(account["name"], "Northwind Traders");
    assert_eq!(account["arr"]["minor"], 4_800_000);

    // The draft's events came in through the CRM.
    let events = crm.get(&format!("/handoffs/{id}/events")).await;
    let events = events.expect(200).clone();
    let vias: Vec<&Value> = events["items"]
        .as_array()
        .unwrap_or_else(|| events.as_array().unwrap())
        .iter()
        .map(|e| &e["via"])
        .collect();
    assert!(
        !vias.is_empty() && vias.iter().all(|v| *v == "crm"),
        "{events}"
    );

    // Redelivered, with the stage spelled differently: the same draft, 200.
    let after_first = s.events().await;
    for stage in ["Closed Won", "closed_won", "CLOSED-WON"] {
        let again = crm
            .post("/inbound/crm", deal("D-1", stage, "ae1@acme.test"))
            .await;
        assert_eq!(again.expect(200)["id"], json!(id));
    }
    assert_eq!(s.events().await, after_first, "a redelivery writes nothing");
    assert!(after_first > before);
    let list = crm.get("/handoffs?contract=ae-to-onboarding").await;
    assert_eq!(list.expect(200)["items"].as_array().unwrap().len(), 1);

    // The owner can now complete and submit the draft like any other.
    let ae = s.as_("ae1@acme.test").await;
    ae.patch(
        &format!("/handoffs/{id}"),
        json!({"values": complete("ae-to-onboarding")}),
    )
    .await
    .expect(200);
    let submitted = ae.post_empty(&format!("/handoffs/{id}/submit")).await;
    assert_eq!(submitted.expect(200)["state"], "submitted");

    // A read-only token may not deliver changes.
    let caller = s.caller("admin@acme.test");
    let (_, secret) =
        s.t.app
            .create_scoped_token(&caller, "crm-ro", true)
            .await
            .unwrap();
    let ro = s.client(crate::harness::Auth::Bearer(secret));
    ro.post("/inbound/crm", deal("D-2", "Closed Won", "ae1@acme.test"))
        .await
        .problem(403, "read-only-token");
    // Nor a token of someone who is not an admin.
    ae.post("/inbound/crm", deal("D-2", "Closed Won", "ae1@acme.test"))
        .await
        .expect(403);
}

async fn meeting_held_starts_the_sdrs_draft_and_unmapped_changes_are_ignored(t: TestApp) {
    let s = start(t).await;
    let crm = s.as_("admin@acme.test").await;
    let mut opp = deal("O-7", "Meeting Held", "sdr1@acme.test");
    opp["object"] = json!("opportunity");
    opp["previous_stage"] = json!("Meeting Booked");
    opp["values"] = json!({"current_stack": "Spreadsheets and an old CRM; nobody likes either"});
    let draft = crm.post("/inbound/crm", opp.clone()).await;
    let draft = draft.expect(201);
    assert_eq!(draft["contract"], "sdr-to-ae");
    assert_eq!(draft["sender"], "sdr1@acme.test");
    assert_eq!(
        draft["values"]["current_stack"],
        "Spreadsheets and an old CRM; nobody likes either"
    );
    assert!(
        !draft["missing"]
            .as_array()
            .unwrap()
            .contains(&json!("current_stack"))
    );

    let before = s.events().await;
    // A stage no rule maps, a deal at Meeting Held, and a change that stays
    // at its stage: 202, nothing written.
    let mut other = opp.clone();
    other["stage"] = json!("Discovery");
    let mut as_deal = opp.clone();
    as_deal["object"] = json!("deal");
    as_deal["id"] = json!("D-9");
    let mut same = deal("D-3", "Closed Won", "ae1@acme.test");
    same["previous_stage"] = json!("closed won");
    for body in [other, as_deal, same] {
        let r = crm.post("/inbound/crm", body).await;
        let why = r.expect(202)["ignored"].as_str().unwrap().to_string();
        assert!(!why.is_empty());
    }
    assert_eq!(s.events().await, before);
}

async fn custom_rules_replace_the_defaults_and_drafts_carry_values_forward(t: TestApp) {
    let s = start(t).await;
    let crm = s.as_("admin@acme.test").await;
    let defaults = crm.get("/inbound/crm/rules").await;
    let defaults = defaults.expect(200);
    assert_eq!(defaults["defaults"], true);
    assert_eq!(defaults["rules"].as_array().unwrap().len(), 2);

    // Closed Won under the defaults; the AE completes it and onboarding accepts.
    let draft = crm
        .post("/inbound/crm", deal("D-1", "Closed Won", "ae1@acme.test"))
        .await;
    let id = draft.expect(201)["id"].as_str().unwrap().to_string();
    let ae = s.as_("ae1@acme.test").await;
    ae.patch(
        &format!("/handoffs/{id}"),
        json!({"values": complete("ae-to-onboarding")}),
    )
    .await
    .expect(200);
    ae.post_empty(&format!("/handoffs/{id}/submit"))
        .await
        .expect(200);
    s.as_("onboarding1@acme.test")
        .await
        .post(&format!("/handoffs/{id}/accept"), json!({}))
        .await
        .expect(200);

    // Rules of its own: an account going live starts onboarding's handoff to
    // CS, always sent by onboarding1.
    let rules = json!({"rules": [
        {"object": "account", "stage": "Live", "contract": "onboarding-to-cs", "sender": "onboarding1@acme.test"},
    ]});
    let set = crm.put("/inbound/crm/rules", rules).await;
    let set = set.expect(200);
    assert_eq!(set["defaults"], false);
    assert_eq!(set["rules"][0]["sender"], "onboarding1@acme.test");
    assert_eq!(crm.get("/inbound/crm/rules").await.expect(200), set);

    // The defaults no longer apply.
    let r = crm
        .post("/inbound/crm", deal("D-2", "Closed Won", "ae1@acme.test"))
        .await;
    r.expect(202);

    let mut live = deal("SF-001", "live", "cs1@acme.test");
    live["object"] = json!("account");
    live["previous_stage"] = json!("Onboarding");
    let cs = crm.post("/inbound/crm", live).await;
    let cs = cs.expect(201);
    assert_eq!(cs["contract"], "onboarding-to-cs");
    assert_eq!(cs["sender"], "onboarding1@acme.test");
    // Carried forward from the accepted AE handoff, as for any draft.
    assert_eq!(
        cs["values"]["year1_success_criteria"],
        complete("ae-to-onboarding")["success_criteria"]
    );

    // A bad rule is named by its index and changes nothing.
    let bad = json!({"rules": [
        {"object": "deal", "stage": "Closed Won", "contract": "ae-to-onboarding"},
        {"object": "deal", "stage": "closed-won", "contract": "sdr-to-ae"},
    ]});
    let p = crm.put("/inbound/crm/rules", bad).await;
    assert!(
        p.problem(422, "invalid-input")
            .to_string()
            .contains("rules[1].stage")
    );
    let p = crm
        .put(
            "/inbound/crm/rules",
            json!({"rules": [{"object": "deal", "stage": "Won", "contract": "no-such"}]}),
        )
        .await;
    assert!(
        p.problem(422, "invalid-input")
            .to_string()
            .contains("rules[0].contract")
    );
    assert_eq!(crm.get("/inbound/crm/rules").await.expect(200), set);

    // Only admins see or change the rules.
    ae.get("/inbound/crm/rules").await.expect(403);
    ae.put("/inbound/crm/rules", json!({"rules": []}))
        .await
        .expect(403);

    // An empty list restores the defaults.
    let back = crm.put("/inbound/crm/rules", json!({"rules": []})).await;
    assert_eq!(back.expect(200)["defaults"], true);
}

async fn bad_payloads_are_named_and_change_nothing(t: TestApp) {
    let s = start(t).await;
    let crm = s.as_("admin@acme.test").await;
    let before = s.events().await;
    let mut no_stage = deal("D-1", "Closed Won", "ae1@acme.test");
    no_stage.as_object_mut().unwrap().remove("stage");
    let mut bad_currency = deal("D-1", "Closed Won", "ae1@acme.test");
    bad_currency["account"]["arr"]["currency"] = json!("dollars");
    let mut bad_object = deal("D-1", "Closed Won", "ae1@acme.test");
    bad_object["object"] = json!("lead");
    let mut bad_value = deal("D-1", "Closed Won", "ae1@acme.test");
    bad_value["values"] = json!({"no_such_field": "x"});
    let cases = [
        (deal("D-1", "Closed Won", "nobody@acme.test"), "owner"),
        (deal("D-1", "Closed Won", "not an email"), "owner"),
        // In the org, but not in the team that sends ae-to-onboarding.
        (deal("D-1", "Closed Won", "cs1@acme.test"), "owner"),
        (no_stage, "stage"),
        (bad_currency, "account.arr.currency"),
        (bad_object, "object"),
        (bad_value, "no_such_field"),
    ];
    for (body, field) in cases {
        let r = crm.post("/inbound/crm", body).await;
        assert_eq!(r.status, 422, "{field}: {}", r.text);
        assert!(r.text.contains(field), "{field} not named in {}", r.text);
    }
    assert_eq!(s.events().await, before, "nothing was written");
    crm.get("/accounts/SF-001").await.expect(404);
}
