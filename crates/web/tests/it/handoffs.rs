//! `/handoffs` and `/gates`: whole stories through HTTP — every seeded
//! contract from draft through rejection and rework to an open gate, the
//! gated refusal, cs-to-support's return path and cross-motion attestation.

use baton_testkit::{TestApp, on_both_backends};
use serde_json::{Value, json};

use crate::harness::{Server, start};

on_both_backends!(
    every_contract_goes_from_draft_through_rework_to_an_open_gate,
    a_gated_handoff_missing_fields_cannot_be_submitted_and_nothing_is_recorded,
    cs_to_support_is_accepted_with_an_eta_then_acked_echoed_resolved_and_the_loop_closed,
    cross_motion_attestations_that_disagree_are_flagged,
    sensitive_fields_are_hidden_from_teams_outside_the_handoff,
    the_gate_is_kept_per_deal,
);

/// Who sends, who receives, who leads the receiving team, per contract.
pub struct Sides {
    pub contract: &'static str,
    pub sender: &'static str,
    pub receiver: &'static str,
    pub lead: &'static str,
}

/// The six seeded contracts and the people on either side (SPEC §2).
pub const SIDES: [Sides; 6] = [
    Sides {
        contract: "mql-to-sdr",
        sender: "marketing1@acme.test",
        receiver: "sdr1@acme.test",
        lead: "sdr-lead@acme.test",
    },
    Sides {
        contract: "sdr-to-ae",
        sender: "sdr1@acme.test",
        receiver: "ae1@acme.test",
        lead: "ae-lead@acme.test",
    },
    Sides {
        contract: "ae-to-onboarding",
        sender: "ae1@acme.test",
        receiver: "onboarding1@acme.test",
        lead: "onboarding-lead@acme.test",
    },
    Sides {
        contract: "onboarding-to-cs",
        sender: "onboarding1@acme.test",
        receiver: "cs1@acme.test",
        lead: "cs-lead@acme.test",
    },
    Sides {
        contract: "cs-to-support",
        sender: "cs1@acme.test",
        receiver: "support1@acme.test",
        lead: "support-lead@acme.test",
    },
    Sides {
        contract: "cross-motion",
        sender: "motion-a1@acme.test",
        receiver: "motion-b1@acme.test",
        lead: "motion-b-lead@acme.test",
    },
];

/// The sides of `contract`.
pub fn sides(contract: &str) -> &'static Sides {
    SIDES.iter().find(|s| s.contract == contract).unwrap()
}

/// Every sender-owned mandatory field of `contract`, filled well, as a
/// request body's `values`.
pub fn complete(contract: &str) -> Value {
    json!(baton_testkit::complete_values(contract))
}

/// `complete(contract)` without `key`, and the value left out.
pub fn without(contract: &str, key: &str) -> (Value, Value) {
    let mut values = complete(contract);
    let removed = values.as_object_mut().unwrap().remove(key).unwrap();
    (values, removed)
}

/// Receiver-owned values to accept `contract` with.
pub fn acceptance(contract: &str) -> Value {
    if contract == "cs-to-support" {
        json!({"values": {"ack_eta": "2026-10-03T12:00:00Z"}})
    } else {
        json!({})
    }
}

/// Creates account `id` through `POST /accounts` as the admin.
pub async fn account(s: &Server, id: &str) {
    s.as_("admin@acme.test")
        .await
        .post(
            "/accounts",
            json!({
                "id": id,
                "name": format!("Customer {id}"),
                "arr": {"minor": 4_800_000, "currency": "USD"},
                "segment": "mid-market",
            }),
        )
        .await
        .expect(201);
}

/// Starts a draft of `contract` for `account` as its sender; returns its id.
pub async fn draft(s: &Server, contract: &str, account: &str, values: Value) -> String {
    let r = s
        .as_(sides(contract).sender)
        .await
        .post(
            "/handoffs",
            json!({"contract": contract, "account": account, "values": values}),
        )
        .await;
    r.expect(201)["id"].as_str().unwrap().to_string()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect()
}

async fn every_contract_goes_from_draft_through_rework_to_an_open_gate(t: TestApp) {
    let s = start(t).await;
    for (n, side) in SIDES.iter().enumerate() {
        let contract = side.contract;
        let acct = format!("A-{n}");
        account(&s, &acct).await;
        let sender = s.as_(side.sender).await;
        let receiver = s.as_(side.receiver).await;
        // The sender leaves out the second field and attaches a recording.
        let field = {
            let all = complete(contract);
            all.as_object().unwrap().keys().nth(1).unwrap().clone()
        };
        let (values, fix) = without(contract, &field);
        let r = sender
            .post(
                "/handoffs",
                json!({
                    "contract": contract,
                    "account": acct,
                    "values": values,
                    "attachments": [{"kind": "recording", "title": "Discovery call", "url": "https://calls.example/1"}],
                }),
            )
            .await;
        let h = r.expect(201).clone();
        let id = h["id"].as_str().unwrap().to_string();
        assert_eq!(h["state"], "draft", "{contract}");
        assert_eq!(h["contract"], contract);
        assert_eq!(h["account"], acct.as_str());
        assert_eq!(strings(&h["missing"]), [field.as_str()], "{contract}");
        assert!(h["score"].as_u64().unwrap() < 100, "{contract}: {h}");
        assert_eq!(h["attachments"][0]["title"], "Discovery call");

        let gate = s
            .as_("admin@acme.test")
            .await
            .get(&format!("/gates/{contract}/{acct}"))
            .await;
        assert_eq!(gate.expect(200)["open"], false, "{contract}: {}", gate.text);

        let h = sender.post_empty(&format!("/handoffs/{id}/submit")).await;
        assert_eq!(h.expect(200)["state"], "submitted", "{contract}");

        let r = receiver
            .post(
                &format!("/handoffs/{id}/reject"),
                json!({"code": "missing_context", "reason": format!("{field} is empty"), "fields": [field]}),
            )
            .await;
        let h = r.expect(200);
        assert_eq!(h["state"], "rejected", "{contract}");
        assert_eq!(h["rejections"], 1);
        let decision = &h["decisions"][0];
        assert_eq!(decision["accepted"], false, "{h}");
        assert_eq!(decision["code"], "missing_context", "{h}");

        let r = sender
            .patch(
                &format!("/handoffs/{id}"),
                json!({"values": {field.as_str(): fix}}),
            )
            .await;
        let h = r.expect(200);
        assert_eq!(h["score"], 100, "{contract}: {h}");
        assert_eq!(strings(&h["missing"]), Vec::<&str>::new());
        assert_eq!(h["state"], "rejected", "an edit does not resubmit");

        let h = sender.post_empty(&format!("/handoffs/{id}/submit")).await;
        assert_eq!(h.expect(200)["state"], "submitted");
        let scores: Vec<u64> = h.body["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["score"].as_u64().unwrap())
            .collect();
        assert_eq!(scores.len(), 2, "{contract}");
        assert_eq!(scores[1], 100);

        let h = receiver
            .post(&format!("/handoffs/{id}/accept"), acceptance(contract))
            .await;
        assert_eq!(h.expect(200)["state"], "accepted", "{contract}");
        assert!(h.body["accepted_at"].is_string());

        let gate = s
            .as_(side.sender)
            .await
            .get(&format!("/gates/{contract}/{acct}"))
            .await;
        let g = gate.expect(200);
        assert_eq!(g["open"], true, "{contract}: {g}");
        assert_eq!(g["handoff"], id.as_str(), "{contract}: {g}");
        assert_eq!(strings(&g["missing"]), Vec::<&str>::new());

        let events = sender.get(&format!("/handoffs/{id}/events")).await;
        let kinds: Vec<&str> = events
            .expect(200)
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"]["type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds.len(), 6, "{contract}: {kinds:?}");
        let via: Vec<&str> = events
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["via"].as_str().unwrap())
            .collect();
        assert!(via.iter().all(|v| *v == "api"), "{via:?}");
    }
    // Every handoff is listed, and the filters narrow the list.
    let all = s.as_("admin@acme.test").await.get("/handoffs").await;
    assert_eq!(all.expect(200)["items"].as_array().unwrap().len(), 6);
    let one = s
        .as_("admin@acme.test")
        .await
        .get("/handoffs?contract=cs-to-support&state=accepted")
        .await;
    let items = one.expect(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["contract"], "cs-to-support");
}

async fn a_gated_handoff_missing_fields_cannot_be_submitted_and_nothing_is_recorded(t: TestApp) {
    let s = start(t).await;
    account(&s, "A-1").await;
    let admin = s.as_("admin@acme.test").await;
    for phase in ["leak_audit", "field_spec"] {
        let r = admin
            .put(
                "/rollout",
                json!({"contract": "ae-to-onboarding", "phase": phase}),
            )
            .await;
        r.expect(200);
    }
    let r = admin
        .put("/contracts/ae-to-onboarding/mode", json!({"mode": "gated"}))
        .await;
    r.expect(200);
    let contract = admin.get("/contracts/ae-to-onboarding").await;
    assert_eq!(contract.expect(200)["mode"], "gated", "{}", contract.text);

    let mut values = complete("ae-to-onboarding");
    let o = values.as_object_mut().unwrap();
    o.remove("champion_map");
    o.insert("expansion_hypothesis".into(), json!("TBD"));
    o.remove("go_live_deadlines");
    let id = draft(&s, "ae-to-onboarding", "A-1", values).await;
    let before = s.events().await;
    let r = s
        .as_("ae1@acme.test")
        .await
        .post_empty(&format!("/handoffs/{id}/submit"))
        .await;
    let p = r.problem(422, "incomplete");
    assert_eq!(
        strings(&p["missing"]),
        ["champion_map", "go_live_deadlines", "expansion_hypothesis"],
        "{p}"
    );
    // Each refused field says why.
    assert_eq!(
        p["errors"][2],
        json!({"field": "expansion_hypothesis", "message": "'TBD' is a placeholder"}),
        "{p}"
    );
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("expansion_hypothesis ('TBD' is a placeholder)"),
        "{p}"
    );
    assert_eq!(s.events().await, before, "nothing recorded");
    let h = admin.get(&format!("/handoffs/{id}")).await;
    assert_eq!(
        h.body["why"]["expansion_hypothesis"],
        "'TBD' is a placeholder"
    );
    assert_eq!(h.body["why"]["champion_map"], "no value");
    assert_eq!(h.expect(200)["state"], "draft");
    assert_eq!(h.body["submissions"], json!([]));
    let gate = admin.get("/gates/ae-to-onboarding/A-1").await;
    let g = gate.expect(200);
    assert_eq!(g["open"], false);
    assert_eq!(
        strings(&g["missing"]),
        ["champion_map", "go_live_deadlines", "expansion_hypothesis"],
        "the gate says what is missing: {g}"
    );
}

async fn cs_to_support_is_accepted_with_an_eta_then_acked_echoed_resolved_and_the_loop_closed(
    t: TestApp,
) {
    let s = start(t).await;
    account(&s, "A-1").await;
    let id = draft(&s, "cs-to-support", "A-1", complete("cs-to-support")).await;
    let cs = s.as_("cs1@acme.test").await;
    let support = s.as_("support1@acme.test").await;
    cs.post_empty(&format!("/handoffs/{id}/submit"))
        .await
        .expect(200);
    let before = s.events().await;
    let r = support.post_empty(&format!("/handoffs/{id}/accept")).await;
    let p = r.problem(422, "receiver-fields-missing");
    assert_eq!(strings(&p["missing"]), ["ack_eta"]);
    assert_eq!(s.events().await, before);

    let r = support
        .post(
            &format!("/handoffs/{id}/accept"),
            acceptance("cs-to-support"),
        )
        .await;
    let h = r.expect(200);
    assert_eq!(h["state"], "accepted");
    assert_eq!(h["values"]["ack_eta"], "2026-10-03T12:00:00Z", "{h}");

    let r = support
        .post(
            &format!("/handoffs/{id}/ack"),
            json!({"eta": "2026-10-04T12:00:00Z"}),
        )
        .await;
    let h = r.expect(200);
    assert_eq!(h["follow"]["eta"], "2026-10-04T12:00:00Z", "{h}");
    assert!(h["follow"]["acked_at"].is_string(), "{h}");

    let r = support
        .post(
            &format!("/handoffs/{id}/echo"),
            json!({"note": "Root cause found"}),
        )
        .await;
    assert_eq!(r.expect(200)["follow"]["echoes"], 1);

    // Only the communication owner closes the loop, and only once resolved.
    let r = cs
        .post(
            &format!("/handoffs/{id}/close-loop"),
            json!({"note": "Called them"}),
        )
        .await;
    r.problem(422, "rule");

    let r = support
        .post(
            &format!("/handoffs/{id}/resolve"),
            json!({"note": "Patched the export job"}),
        )
        .await;
    assert!(r.expect(200)["follow"]["resolved_at"].is_string());

    let r = support
        .post(
            &format!("/handoffs/{id}/close-loop"),
            json!({"note": "told them"}),
        )
        .await;
    r.problem(403, "forbidden");

    let r = cs
        .post(
            &format!("/handoffs/{id}/close-loop"),
            json!({"note": "Called their CFO"}),
        )
        .await;
    let h = r.expect(200);
    assert!(h["follow"]["loop_closed_at"].is_string(), "{h}");
    assert_eq!(h["follow"]["loop_closed_by"], "cs1@acme.test");
}

async fn cross_motion_attestations_that_disagree_are_flagged(t: TestApp) {
    let s = start(t).await;
    account(&s, "A-1").await;
    let id = draft(&s, "cross-motion", "A-1", complete("cross-motion")).await;
    let a = s.as_("motion-a1@acme.test").await;
    let b = s.as_("motion-b1@acme.test").await;
    a.post_empty(&format!("/handoffs/{id}/submit"))
        .await
        .expect(200);
    let question = "Who owns the customer relationship while the cross-sell is active?";
    let r = a
        .post(
            &format!("/handoffs/{id}/attest"),
            json!({"question": question, "answer": "Pat Lee (Motion A CSM)"}),
        )
        .await;
    assert_eq!(
        r.expect(200)["disagreements"],
        json!([]),
        "one answer agrees with itself"
    );
    let r = b
        .post(
            &format!("/handoffs/{id}/attest"),
            json!({"question": question, "answer": "Sam Roe (Motion B AE)"}),
        )
        .await;
    let h = r.expect(200);
    assert_eq!(h["attestations"].as_array().unwrap().len(), 2, "{h}");
    let d = h["disagreements"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{h}");
    assert_eq!(d[0]["question"], question);
    let answers: Vec<&str> = d[0]["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["answer"].as_str().unwrap())
        .collect();
    assert!(answers.contains(&"Pat Lee (Motion A CSM)"), "{answers:?}");
    assert!(answers.contains(&"Sam Roe (Motion B AE)"), "{answers:?}");
    // The flag is on the record, not just on the answer to the write.
    let h = s
        .as_("admin@acme.test")
        .await
        .get(&format!("/handoffs/{id}"))
        .await;
    assert_eq!(h.expect(200)["disagreements"].as_array().unwrap().len(), 1);
}

async fn sensitive_fields_are_hidden_from_teams_outside_the_handoff(t: TestApp) {
    let s = start(t).await;
    account(&s, "A-1").await;
    let id = draft(&s, "ae-to-onboarding", "A-1", complete("ae-to-onboarding")).await;
    // SPEC §8: side letters in `commitments` are seen only by the sending and
    // receiving teams and admins.
    for who in ["ae2@acme.test", "onboarding1@acme.test", "admin@acme.test"] {
        let r = s.as_(who).await.get(&format!("/handoffs/{id}")).await;
        assert!(
            r.expect(200)["values"].get("commitments").is_some(),
            "{who} sees it"
        );
    }
    for who in ["cs1@acme.test", "marketing-lead@acme.test"] {
        let r = s.as_(who).await.get(&format!("/handoffs/{id}")).await;
        let h = r.expect(200);
        assert!(
            h["values"].get("commitments").is_none(),
            "{who} must not see the sensitive `commitments`: {h}"
        );
        assert!(!r.text.contains("SSO by week 6"), "{who}: {}", r.text);
        let list = s.as_(who).await.get("/handoffs").await;
        assert!(!list.text.contains("SSO by week 6"), "{who} via the list");
    }
}

/// SPEC §11 over HTTP: a second deal on an account whose first deal was
/// accepted reads closed, with its state and what it misses, until its own
/// handoff is accepted.
async fn the_gate_is_kept_per_deal(t: TestApp) {
    let s = start(t).await;
    account(&s, "A-D").await;
    let ae = s.as_("ae1@acme.test").await;
    let onboarding = s.as_("onboarding1@acme.test").await;
    let reader = s.as_("cs1@acme.test").await;
    let mut ids = Vec::new();
    for deal in ["006-1", "006-2"] {
        let r = ae
            .post(
                "/handoffs",
                json!({"contract": "ae-to-onboarding", "account": "A-D", "deal": deal, "values": complete("ae-to-onboarding")}),
            )
            .await;
        assert_eq!(r.expect(201)["deal"], deal);
        ids.push(r.body["id"].as_str().unwrap().to_string());
    }
    ae.post_empty(&format!("/handoffs/{}/submit", ids[0]))
        .await
        .expect(200);
    onboarding
        .post(&format!("/handoffs/{}/accept", ids[0]), json!({}))
        .await
        .expect(200);

    let g = reader.get("/gates/ae-to-onboarding/A-D").await;
    assert_eq!(
        g.expect(200)["open"],
        true,
        "the account's gate: {}",
        g.text
    );
    assert_eq!(g.body["deal"], Value::Null);
    let g = reader.get("/gates/ae-to-onboarding/A-D?deal=006-1").await;
    assert_eq!(g.expect(200)["state"], "accepted");
    let g = reader.get("/gates/ae-to-onboarding/A-D?deal=006-2").await;
    let body = g.expect(200);
    assert_eq!(body["open"], false, "{body}");
    assert_eq!(body["state"], "draft");
    assert_eq!(body["deal"], "006-2");
    assert_eq!(body["handoff"], ids[1].as_str());
    let g = reader.get("/gates/ae-to-onboarding/A-D?deal=006-404").await;
    assert_eq!(g.expect(200)["state"], "none");
    assert_eq!(g.body["missing"].as_array().map(Vec::len), Some(8));

    // A deal of another account is refused, naming the field.
    account(&s, "A-E").await;
    let r = ae
        .post(
            "/handoffs",
            json!({"contract": "ae-to-onboarding", "account": "A-E", "deal": "006-1"}),
        )
        .await;
    assert!(
        r.expect(422)
            .to_string()
            .contains("belongs to account 'A-D'"),
        "{}",
        r.text
    );
    let listed = reader.get("/handoffs?deal=006-2").await;
    assert_eq!(
        listed.expect(200)["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        listed.text
    );

    ae.post_empty(&format!("/handoffs/{}/submit", ids[1]))
        .await
        .expect(200);
    onboarding
        .post(&format!("/handoffs/{}/accept", ids[1]), json!({}))
        .await
        .expect(200);
    let g = reader.get("/gates/ae-to-onboarding/A-D?deal=006-2").await;
    assert_eq!(g.expect(200)["open"], true);
}
