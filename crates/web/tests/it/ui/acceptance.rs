//! The handoff page of a gated contract never offers a one-click accept of
//! a handoff whose values do not count: it tells the receiver what is
//! missing and why, and leaves them the rejection for rework.

use std::collections::BTreeMap;

use baton_app::handoffs::NewHandoff;
use baton_domain::{AccountId, ContractKey};
use baton_testkit::TestApp;
use serde_json::json;

use super::{page, section, session};
use crate::harness;

const SENDER: &str = "ae1@acme.test";
const RECEIVER: &str = "onboarding1@acme.test";

#[tokio::test]
async fn a_gated_handoff_with_filler_shows_the_receiver_why_instead_of_accept() {
    let t = TestApp::sqlite().await;
    t.account("A-1", "Initech").await;
    let values: BTreeMap<String, serde_json::Value> = [
        ("economic_buyer", "Dana Ortiz, CFO; signs up to 250k alone"),
        ("champion_map", "TBD"),
        ("commitments", "n/a"),
        ("success_criteria", "TBD - will update later"),
        (
            "implementation_risks",
            "Messy legacy CRM export; December freeze",
        ),
        (
            "competitive_displacement",
            "Replacing Legacy Co; rebuild reports first",
        ),
        (
            "go_live_deadlines",
            "Go-live 2026-12-01 before their kickoff",
        ),
        ("expansion_hypothesis", "Year 2: EMEA team, 40 more seats"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), json!(v)))
    .collect();
    let sender = t.as_user(SENDER);
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    let h = t
        .app
        .start_handoff(
            &sender,
            NewHandoff {
                id: None,
                contract: key.clone(),
                account: AccountId::parse("A-1").unwrap(),
                deal: None,
                to: None,
                values,
                attachments: Vec::new(),
            },
        )
        .await
        .unwrap();
    // Submitted while observed, then the contract is gated.
    t.app.submit(&sender, &h.id).await.unwrap();
    t.gate("ae-to-onboarding").await;
    let def = t
        .app
        .contract(&t.as_user("admin@acme.test"), &key)
        .await
        .unwrap()
        .current;
    let label = |k: &str| def.field(k).unwrap().label.clone();
    let receiver = session(&t, RECEIVER).await;
    let s = harness::start(t).await;

    let (status, html) = page(&s, &receiver, &format!("/handoffs/{}", h.id)).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        !html.contains("id=\"accept\""),
        "a one-click accept: {html}"
    );
    let blocked = section(&html, "accept-blocked");
    assert!(blocked.contains("cannot be accepted"), "{blocked}");
    for (k, why) in [
        ("champion_map", "'TBD' is a placeholder"),
        ("commitments", "'n/a' is a placeholder"),
        (
            "success_criteria",
            "'TBD - will update later' is a placeholder",
        ),
    ] {
        assert!(blocked.contains(&label(k)), "{blocked} lacks {k}");
        assert!(blocked.contains(why), "{blocked} lacks {why}");
    }
    // Sending it back for rework stays open to the receiver.
    assert!(html.contains("id=\"reject\""), "{html}");
}
