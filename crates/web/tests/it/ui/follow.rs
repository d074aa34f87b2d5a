//! After acceptance, in the browser: an escalation's follow-through (ack
//! with ETA, echo, resolution, the CSM closing the loop), re-discovery
//! reported against a handoff by the team that re-asked (never its sender), and a carried-over value prefilled and
//! marked on the next contract's form.

use std::collections::BTreeMap;

use baton_app::handoffs::NewHandoff;
use baton_domain::{AccountId, ContractKey};
use serde_json::{Value, json};

use super::{PASSWORD, app, open};

const CSM: &str = "cs1@acme.test";
const SUPPORT: &str = "support1@acme.test";

fn values(v: Value) -> BTreeMap<String, Value> {
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn an_escalation_is_acknowledged_echoed_resolved_and_closed_by_the_csm() {
    let Some(t) = app().await else {
        return;
    };
    t.account("A-1", "Initech").await;
    let csm = t.as_user(CSM);
    let h = t
        .app
        .start_handoff(
            &csm,
            NewHandoff {
                id: None,
                contract: ContractKey::parse("cs-to-support").unwrap(),
                account: AccountId::parse("A-1").unwrap(),
                deal: None,
                to: None,
                values: values(json!({
                    "originating_signal": "P1 ticket: exports failing for every user",
                    "impact_statement": "Finance cannot close the month without exports",
                    "echo_cadence": "daily",
                    "communication_owner": "Casey (CSM) <cs1@acme.test>",
                    "close_loop_window": 24,
                })),
                attachments: Vec::new(),
            },
        )
        .await
        .unwrap();
    t.app.submit(&csm, &h.id).await.unwrap();
    let (_s, b) = open(t, &[CSM, SUPPORT]).await;
    let page = format!("/handoffs/{}", h.id);

    // Support accepts with its own field, the ETA, then follows through.
    b.login(SUPPORT, PASSWORD).await;
    b.goto(&page).await;
    b.fill("#f-ack_eta", "2026-10-03T09:00:00Z").await;
    b.click("#accept").await;
    b.wait_text("#state", |t| t == "accepted").await;
    b.execute("document.getElementById('ack-eta').value = '2026-10-02T17:30'")
        .await;
    b.click("form[action$=\"/ack\"] button").await;
    b.wait_text("#timeline", |t| {
        t.contains("acknowledged; ETA 2026-10-02 17:30 UTC")
    })
    .await;
    // One ETA on the page: the values show the revised one, and say so.
    let eta = b.text("#value-ack_eta td").await;
    assert!(eta.starts_with("2026-10-02 17:30 UTC (revised;"), "{eta}");
    b.fill(
        "#echo-note",
        "Root cause found in the export queue; fix tomorrow",
    )
    .await;
    b.click("form[action$=\"/echo\"] button").await;
    b.wait_text("#timeline", |t| t.contains("sent a status echo"))
        .await;
    b.fill("#resolve-note", "Export queue fixed and backfilled")
        .await;
    b.click("form[action$=\"/resolve\"] button").await;
    b.wait_text("#timeline", |t| t.contains("resolved it"))
        .await;
    // Closing the loop is the CSM's, not support's: no form for support,
    // and a forged post is refused in words.
    let waiting = b.text("dl.facts-list ~ p").await;
    assert!(waiting.contains("communication owner"), "{waiting}");
    assert_eq!(b.count("#close-loop-note").await, 0);
    let csrf = b
        .attribute("meta[name=csrf-token]", "content")
        .await
        .unwrap();
    b.execute(&format!(
        "const f = document.createElement('form'); f.method = 'post'; \
         f.action = location.pathname + '/close-loop'; \
         f.innerHTML = '<input name=_csrf value={csrf}><input name=note value=\"Told them myself\">'; \
         document.body.append(f); f.submit();"
    ))
    .await;
    let refusal = b.text("#action-error").await;
    assert!(refusal.contains("communication owner"), "{refusal}");
    // Support had to ask the customer again: it reports the re-discovery.
    b.goto(&page).await;
    b.click("#rd-field option[value=\"originating_signal\"]")
        .await;
    b.fill(
        "#rd-note",
        "Support asked the customer which ticket started it",
    )
    .await;
    b.click("#rediscovery").await;
    let timeline = b
        .wait_text("#timeline", |t| t.contains("reported re-discovery"))
        .await;
    assert!(
        timeline.contains("reported re-discovery of Originating signal"),
        "{timeline}"
    );
    b.logout().await;

    // The CSM closes the loop. The handoff is theirs, so re-discovery is
    // not theirs to report.
    b.login(CSM, PASSWORD).await;
    b.goto(&page).await;
    assert_eq!(
        b.count("#rediscovery").await,
        0,
        "the sender reports no re-discovery"
    );
    b.fill(
        "#close-loop-note",
        "Called their controller; exports confirmed working",
    )
    .await;
    b.click("form[action$=\"/close-loop\"] button").await;
    b.wait_text("#timeline", |t| {
        t.contains("closed the loop with the customer")
    })
    .await;
    let follow = b.text("dl.facts-list").await;
    assert!(follow.contains("Status echoes\n1"), "{follow}");
    assert!(follow.contains("by cs1@acme.test"), "{follow}");
    b.screenshot_full("handoff-follow-through").await;
}

#[tokio::test]
async fn the_next_contracts_form_prefills_and_marks_what_an_accepted_handoff_promised() {
    let Some(t) = app().await else {
        return;
    };
    t.account("A-1", "Initech").await;
    let ae = t.as_user("ae1@acme.test");
    let criteria = "Cut rep onboarding from 6 to 3 weeks by Q1";
    let h = t
        .app
        .start_handoff(
            &ae,
            NewHandoff {
                id: None,
                contract: ContractKey::parse("ae-to-onboarding").unwrap(),
                account: AccountId::parse("A-1").unwrap(),
                deal: None,
                to: None,
                values: values(json!({ "success_criteria": criteria })),
                attachments: Vec::new(),
            },
        )
        .await
        .unwrap();
    t.app.submit(&ae, &h.id).await.unwrap();
    let onboarding = t.as_user("onboarding1@acme.test");
    t.app
        .accept(&onboarding, &h.id, BTreeMap::new())
        .await
        .unwrap();
    let (_s, b) = open(t, &["onboarding1@acme.test"]).await;
    b.login("onboarding1@acme.test", PASSWORD).await;
    b.goto("/handoffs/new?contract=onboarding-to-cs&account=A-1")
        .await;
    b.click("#new-handoff button[type=submit]").await;
    b.wait_text("main h1", |t| t.starts_with("Initech")).await;
    assert_eq!(
        b.property("#f-year1_success_criteria", "value").await,
        json!(criteria)
    );
    let head = b
        .text(".field:has(#f-year1_success_criteria) .field-head")
        .await;
    assert!(head.contains("carried from ae-to-onboarding"), "{head}");
    assert!(head.contains("✓ counts"), "{head}");
}
