//! The handoff page offers what the domain allows, and nothing else: it asks
//! the app for the actor's allowed actions instead of deciding itself. An
//! admin outside the receiving team is not offered accept/reject or the
//! receiving team's follow-through (the domain refuses them: 403); members
//! of the receiving team are.

use std::collections::BTreeMap;

use baton_app::handoffs::NewHandoff;
use baton_domain::{AccountId, ContractKey, HandoffId};
use baton_testkit::{TestApp, on_both_backends};
use serde_json::{Value, json};

use super::{page, session};
use crate::handoffs::{complete, sides};
use crate::harness;

on_both_backends!(an_admin_outside_the_receiving_team_is_not_offered_what_the_domain_refuses,);

async fn submitted(t: &TestApp, contract: &str, id: &str) -> HandoffId {
    let s = sides(contract);
    let sender = t.as_user(s.sender);
    let values: BTreeMap<String, Value> = serde_json::from_value(complete(contract)).unwrap();
    let h = t
        .app
        .start_handoff(
            &sender,
            NewHandoff {
                id: Some(HandoffId::parse(id).unwrap()),
                contract: ContractKey::parse(contract).unwrap(),
                account: AccountId::parse("A-1").unwrap(),
                deal: None,
                to: None,
                values,
                attachments: vec![],
            },
        )
        .await
        .unwrap();
    t.app.submit(&sender, &h.id).await.unwrap();
    h.id
}

/// Which of the action forms and buttons a page shows.
fn offered(html: &str) -> Vec<&'static str> {
    [
        ("accept", "id=\"accept-form\""),
        ("reject", "id=\"reject-form\""),
        ("edit", "id=\"rework-link\""),
        ("withdraw", "/withdraw\""),
        ("ack", "/ack\""),
        ("echo", "/echo\""),
        ("resolve", "/resolve\""),
        ("close-loop", "/close-loop\""),
        ("attest", "/attest\""),
    ]
    .into_iter()
    .filter(|(_, needle)| html.contains(needle))
    .map(|(name, _)| name)
    .collect()
}

async fn an_admin_outside_the_receiving_team_is_not_offered_what_the_domain_refuses(t: TestApp) {
    t.account("A-1", "Initech").await;
    let onb = submitted(&t, "ae-to-onboarding", "H-ONB").await;
    let sup = submitted(&t, "cs-to-support", "H-SUP").await;
    let eta = (t.app.now() + jiff::SignedDuration::from_hours(30)).to_string();
    t.app
        .accept(
            &t.as_user("support1@acme.test"),
            &sup,
            BTreeMap::from([("ack_eta".to_string(), json!(eta))]),
        )
        .await
        .unwrap();
    let admin = session(&t, "admin@acme.test").await;
    let receiver = session(&t, "onboarding1@acme.test").await;
    let support = session(&t, "support1@acme.test").await;
    let sender = session(&t, "ae1@acme.test").await;
    let s = harness::start(t).await;

    let (status, html) = page(&s, &admin, &format!("/handoffs/{onb}")).await;
    assert_eq!(status, 200);
    // An admin is no shortcut around the receiver's veto; as an admin they
    // may still withdraw for the sender.
    assert_eq!(offered(&html), ["withdraw"], "admin");
    let (_, html) = page(&s, &receiver, &format!("/handoffs/{onb}")).await;
    assert_eq!(offered(&html), ["accept", "reject"], "receiving team");
    let (_, html) = page(&s, &sender, &format!("/handoffs/{onb}")).await;
    assert_eq!(offered(&html), ["withdraw"], "sender");

    // Follow-through: only the receiving team acknowledges, echoes, resolves.
    let (_, html) = page(&s, &admin, &format!("/handoffs/{sup}")).await;
    assert_eq!(offered(&html), Vec::<&str>::new(), "admin on cs-to-support");
    let (_, html) = page(&s, &support, &format!("/handoffs/{sup}")).await;
    assert_eq!(offered(&html), ["ack", "echo", "resolve"], "support");
}
