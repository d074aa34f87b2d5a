//! SPEC §11 in the browser: a sender names the deal when starting a
//! handoff; the handoff page, the inbox and the brief show the deal and its
//! gate, which opens only on this handoff's acceptance. The screenshot is
//! `docs/screenshots/handoff-deal-gate.png`.

use super::{PASSWORD, app, open};

const AE: &str = "ae1@acme.test";
const RECEIVER: &str = "onboarding1@acme.test";

#[tokio::test]
async fn a_handoff_shows_its_deal_and_the_deals_gate() {
    let Some(t) = app().await else {
        return;
    };
    t.account("A-DL", "Initech").await;
    let (s, b) = open(t, &[AE, RECEIVER]).await;
    b.login(AE, PASSWORD).await;
    b.goto("/handoffs/new?contract=ae-to-onboarding&account=A-DL")
        .await;
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());
    b.fill("#deal", "006Qy00000DL001").await;
    b.click("#new-handoff button[type=submit]").await;
    let gate = b
        .wait_text("#deal-gate", |t| t.contains("006Qy00000DL001"))
        .await;
    assert!(gate.contains("closed"), "{gate}");
    assert!(
        gate.contains("missing"),
        "a draft names what it misses: {gate}"
    );
    let id = b
        .path()
        .await
        .trim_start_matches("/handoffs/")
        .trim_end_matches("/edit")
        .to_string();

    // The sender fills everything and submits; the receiver accepts.
    let ae = s.as_(AE).await;
    ae.patch(
        &format!("/handoffs/{id}"),
        serde_json::json!({"values": crate::handoffs::complete("ae-to-onboarding")}),
    )
    .await
    .expect(200);
    ae.post_empty(&format!("/handoffs/{id}/submit"))
        .await
        .expect(200);

    b.login(RECEIVER, PASSWORD).await;
    b.goto("/").await;
    let inbox = b.text("main").await;
    assert!(inbox.contains("deal 006Qy00000DL001"), "{inbox}");
    s.as_(RECEIVER)
        .await
        .post(&format!("/handoffs/{id}/accept"), serde_json::json!({}))
        .await
        .expect(200);
    b.goto(&format!("/handoffs/{id}")).await;
    let gate = b.text("#deal-gate").await;
    assert!(gate.contains("open"), "{gate}");
    b.screenshot("handoff-deal-gate").await;
    b.goto(&format!("/handoffs/{id}/brief")).await;
    assert!(b.text("#brief-deal").await.contains("gate open"));
}
