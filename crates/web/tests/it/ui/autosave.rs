//! Nothing typed is lost: a draft saves itself as the sender types and is
//! there after leaving the page and after a reload; an edit made elsewhere
//! meanwhile is never overwritten by a stale tab; and a form with unsent
//! changes asks before the page is left.

use std::collections::BTreeMap;

use baton_domain::HandoffId;
use baton_testkit::TestApp;
use serde_json::json;

use super::{PASSWORD, app, open};
use crate::browser::Browser;

const AE: &str = "ae1@acme.test";
const LEAD: &str = "onboarding-lead@acme.test";

async fn draft(t: &TestApp) -> HandoffId {
    t.account("A-1", "Initech").await;
    let values = BTreeMap::from([(
        "economic_buyer".to_string(),
        json!("Dana Ortiz, CFO; signs up to 250k alone"),
    )]);
    t.draft(AE, "ae-to-onboarding", "A-1", values).await.id
}

async fn saved(b: &Browser) {
    b.wait_text("#autosave-status", |t| t.starts_with("Saved at"))
        .await;
}

#[tokio::test]
async fn a_draft_saves_itself_and_survives_leaving_and_reloading() {
    let Some(t) = app().await else {
        return;
    };
    let id = draft(&t).await;
    let (s, b) = open(t, &[AE]).await;
    b.login(AE, PASSWORD).await;
    let edit = format!("/handoffs/{id}/edit");
    b.goto(&edit).await;
    let typed = "Lee Park (VP Ops) strong champion; CFO neutral";
    b.fill("#f-champion_map", typed).await;
    saved(&b).await;
    assert!(
        !b.would_ask_before_leaving().await,
        "saved: nothing to lose"
    );
    // Left through the navigation, as a person would: no question asked,
    // since nothing is unsaved.
    b.click("header nav a[href=\"/\"]").await;
    b.wait_text("main h1", |t| t == "Inbox").await;
    b.goto(&edit).await;
    assert_eq!(b.property("#f-champion_map", "value").await, json!(typed));
    b.execute("location.reload()").await;
    b.wait_text("#autosave-status", |t| t.contains("save as you type"))
        .await;
    assert_eq!(b.property("#f-champion_map", "value").await, json!(typed));
    // Saved as values of the draft, not only in the page.
    let reply = s.as_(AE).await.get(&format!("/handoffs/{id}")).await;
    let api = reply.expect(200);
    assert_eq!(api["values"]["champion_map"], json!(typed));
    assert_eq!(api["state"], json!("draft"));
}

#[tokio::test]
async fn a_stale_tab_never_overwrites_a_newer_edit() {
    let Some(t) = app().await else {
        return;
    };
    let id = draft(&t).await;
    let (s, b) = open(t, &[AE]).await;
    b.login(AE, PASSWORD).await;
    b.goto(&format!("/handoffs/{id}/edit")).await;
    // Another tab (here, the API) changes the draft after this page loaded.
    let newer = "Dana Ortiz, CFO; signs up to 500k alone since the reorg";
    s.as_(AE)
        .await
        .patch(
            &format!("/handoffs/{id}"),
            json!({"values": {"economic_buyer": newer}}),
        )
        .await
        .expect(200);
    b.fill("#f-champion_map", "Lee Park (VP Ops) strong champion")
        .await;
    let said = b
        .wait_text("#autosave-status", |t| t.starts_with("Not saved"))
        .await;
    assert!(said.contains("changed in another tab"), "{said}");
    let reply = s.as_(AE).await.get(&format!("/handoffs/{id}")).await;
    let api = reply.expect(200);
    assert_eq!(api["values"]["economic_buyer"], json!(newer));
    assert!(api["values"].get("champion_map").is_none(), "{api}");
    b.screenshot("autosave-conflict").await;
    // Unsaved, so leaving asks first.
    assert!(b.would_ask_before_leaving().await);
}

#[tokio::test]
async fn the_contract_editor_asks_before_unsaved_changes_are_left() {
    let Some(t) = app().await else {
        return;
    };
    let (_s, b) = open(t, &[LEAD]).await;
    b.login(LEAD, PASSWORD).await;
    b.goto("/contracts/ae-to-onboarding/edit").await;
    assert!(!b.would_ask_before_leaving().await, "nothing typed yet");
    b.type_more("#fix", " Ask twice.").await;
    assert!(b.would_ask_before_leaving().await);
}
