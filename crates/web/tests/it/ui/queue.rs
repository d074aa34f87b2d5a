//! The inbox is a work queue: every next step a handoff asks of a person or
//! their team shows there (decide, rework, echo, resolve, close the loop),
//! links to where the work is done, and leaves when it is done; the nav
//! counts it; the acceptance clock reads the same on the inbox, the list
//! and the handoff page.

use std::collections::BTreeMap;

use baton_app::handoffs::Rejection;
use baton_domain::{ContractKey, HandoffId};
use baton_testkit::TestApp;
use serde_json::{Value, json};

use super::{PASSWORD, app, open};
use crate::browser::Browser;

const CSM: &str = "cs1@acme.test";
const SUPPORT: &str = "support1@acme.test";
const AE: &str = "ae1@acme.test";
const ONBOARDING: &str = "onboarding1@acme.test";

async fn escalation(t: &TestApp) -> HandoffId {
    t.account("A-1", "Initech").await;
    let values: BTreeMap<String, Value> = serde_json::from_value(json!({
        "originating_signal": "P1 ticket: exports failing for every user",
        "impact_statement": "Finance cannot close the month without exports",
        "echo_cadence": "daily",
        "communication_owner": "Casey (CSM) <cs1@acme.test>",
        "close_loop_window": 24,
    }))
    .unwrap();
    let h = t.draft(CSM, "cs-to-support", "A-1", values).await;
    let csm = t.as_user(CSM);
    t.app.submit(&csm, &h.id).await.unwrap();
    h.id
}

/// The AE's complete ae-to-onboarding draft for A-1.
async fn ae_draft(t: &TestApp) -> baton_domain::Handoff {
    let values: BTreeMap<String, Value> = super::handoffs::VALUES
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    t.draft(AE, "ae-to-onboarding", "A-1", values).await
}

/// The steps listed in inbox section `section`, as their `step-…` names.
async fn steps(b: &Browser, section: &str) -> Vec<String> {
    let names = b
        .execute(&format!(
            "return [...document.querySelectorAll('#{section} tr.work')].map(r => \
             [...r.classList].find(c => c.startsWith('step-')).slice(5))"
        ))
        .await;
    serde_json::from_value(names).unwrap()
}

/// The inbox count in the navigation (0 when it shows none).
async fn nav_count(b: &Browser) -> usize {
    if b.count("#queue-count").await == 0 {
        return 0;
    }
    b.text("#queue-count").await.trim().parse().unwrap()
}

#[tokio::test]
async fn each_queue_shows_its_work_and_empties_when_done() {
    let Some(t) = app().await else {
        return;
    };
    let id = escalation(&t).await;
    let (_s, b) = open(t, &[CSM, SUPPORT]).await;

    // Support decides it from its queue.
    b.login(SUPPORT, PASSWORD).await;
    b.goto("/").await;
    assert_eq!(steps(&b, "work-support").await, ["decide"]);
    assert_eq!(nav_count(&b).await, 1);
    b.click("#work-support tr.step-decide td a").await;
    b.wait_text("main h1", |t| t.starts_with("Initech")).await;
    assert_eq!(b.path().await, format!("/handoffs/{id}#act-decide"));
    b.fill("#f-ack_eta", "2026-10-03T09:00:00Z").await;
    b.click("#accept").await;
    b.wait_text("#state", |t| t == "accepted").await;

    // Accepted with an ETA: support now owes the echoes and the resolution.
    b.goto("/").await;
    assert_eq!(steps(&b, "work-support").await, ["echo", "resolve"]);
    assert_eq!(nav_count(&b).await, 2);
    b.click("#work-support tr.step-resolve td a").await;
    b.wait_text("main h1", |t| t.starts_with("Initech")).await;
    b.fill("#resolve-note", "Export queue fixed and backfilled")
        .await;
    b.click("#act-resolve button").await;
    b.wait_text("#timeline", |t| t.contains("resolved it"))
        .await;
    b.goto("/").await;
    assert!(steps(&b, "work-support").await.is_empty());
    assert!(
        b.text("#work-support")
            .await
            .contains("Nothing waits for support"),
        "an empty queue says so"
    );
    assert_eq!(nav_count(&b).await, 0);
    b.logout().await;

    // Closing the loop is the CSM's own work.
    b.login(CSM, PASSWORD).await;
    b.goto("/").await;
    assert_eq!(steps(&b, "work-mine").await, ["close_loop"]);
    b.screenshot("inbox-queue").await;
    b.click("#work-mine tr.step-close_loop td a").await;
    b.wait_text("main h1", |t| t.starts_with("Initech")).await;
    b.fill("#close-loop-note", "Called their controller").await;
    b.click("#act-close_loop button").await;
    b.wait_text("#timeline", |t| {
        t.contains("closed the loop with the customer")
    })
    .await;
    b.goto("/").await;
    assert!(steps(&b, "work-mine").await.is_empty());
    assert_eq!(nav_count(&b).await, 0);
}

#[tokio::test]
async fn a_rejected_handoff_is_the_senders_rework_with_the_flagged_fields_marked() {
    let Some(t) = app().await else {
        return;
    };
    t.account("A-1", "Initech").await;
    let ae = t.as_user(AE);
    let h = ae_draft(&t).await;
    t.app.submit(&ae, &h.id).await.unwrap();
    t.app
        .reject(
            &t.as_user(ONBOARDING),
            &h.id,
            Rejection {
                code: Some("missing_context".into()),
                reason: "Which exec signs the renewal?".into(),
                fields: vec!["champion_map".into()],
            },
        )
        .await
        .unwrap();
    let (_s, b) = open(t, &[AE]).await;
    b.login(AE, PASSWORD).await;
    b.goto("/").await;
    assert_eq!(steps(&b, "work-mine").await, ["rework"]);
    b.click("#work-mine tr.step-rework td a").await;
    b.wait_text("main h1", |t| t.starts_with("Initech")).await;
    assert!(b.path().await.ends_with("/edit"));
    let banner = b.text("#rework").await;
    assert!(banner.contains("Missing context"), "{banner}");
    assert!(!banner.contains("missing_context"), "{banner}");
    assert_eq!(b.count(".field.flagged").await, 1);
    assert_eq!(b.count(".field.flagged #f-champion_map").await, 1);
    b.screenshot("rework-flagged").await;
    b.fill(
        "#f-champion_map",
        "Lee Park (VP Ops) signs the renewal; strong champion",
    )
    .await;
    b.click("#submit").await;
    b.wait_text("#state", |t| t == "submitted").await;
    b.goto("/").await;
    assert!(steps(&b, "work-mine").await.is_empty());
    assert!(b.text("#waiting").await.contains("Initech"));
}

#[tokio::test]
async fn the_acceptance_clock_reads_the_same_on_the_inbox_the_list_and_the_page() {
    let Some(t) = app().await else {
        return;
    };
    t.account("A-1", "Initech").await;
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    let admin = t.as_user("admin@acme.test");
    let v1 = t.app.contract(&admin, &key).await.unwrap().current;
    let ae = t.as_user(AE);
    let h = ae_draft(&t).await;
    // A later version with a shorter SLA binds only later handoffs.
    let mut v2 = v1.clone();
    v2.slas.acceptance_hours = 12;
    t.app.publish_contract(&admin, v2).await.unwrap();
    t.app.submit(&ae, &h.id).await.unwrap();
    t.clock.advance(jiff::SignedDuration::from_hours(1));
    t.app
        .reject(
            &t.as_user(ONBOARDING),
            &h.id,
            Rejection {
                code: Some("missing_context".into()),
                reason: "Which exec signs?".into(),
                fields: Vec::new(),
            },
        )
        .await
        .unwrap();
    t.clock.advance(jiff::SignedDuration::from_hours(29));
    t.app.submit(&ae, &h.id).await.unwrap();
    t.clock.advance(jiff::SignedDuration::from_hours(1));
    // 31 h since the first submission, against the bound version's SLA.
    let want = format!("waiting 1 d 7 h of a {} h SLA", v1.slas.acceptance_hours);
    let (_s, b) = open(t, &[ONBOARDING]).await;
    b.login(ONBOARDING, PASSWORD).await;
    b.goto("/").await;
    let inbox = b
        .text(&format!(
            "#work-onboarding tr[data-handoff=\"{}\"] .sla-clock",
            h.id
        ))
        .await;
    b.goto("/handoffs").await;
    let list = b.text("table.rows .sla-clock").await;
    b.goto(&format!("/handoffs/{}", h.id)).await;
    let page = b.text("#sla-clock").await;
    assert_eq!(inbox, want);
    assert!(list.starts_with(&want), "{list}");
    assert!(page.starts_with(&want), "{page}");
}
