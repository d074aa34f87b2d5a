//! A telemetry handoff, as the seed asks: the onboarding-to-cs form shows
//! the account's product usage beside its fields, and one button puts the
//! measured adoption curve into the field, after what the sender wrote,
//! which is saved and not lost. Other contracts show no usage card.

use std::collections::BTreeMap;

use serde_json::json;

use super::{PASSWORD, app, open};

const ONBOARDING: &str = "onboarding1@acme.test";
const AE: &str = "ae1@acme.test";
const CSM: &str = "cs1@acme.test";

#[tokio::test]
async fn the_onboarding_form_shows_usage_and_fills_the_adoption_curve_from_it() {
    let Some(t) = app().await else {
        return;
    };
    t.account("A-1", "Initech").await;
    t.account("B-2", "Globex").await;
    t.app
        .import_usage(
            &t.as_user("admin@acme.test"),
            "account,day,active_users,seats,features
A-1,2026-09-07,4,40,reports;api
A-1,2026-09-29,22,40,reports
A-1,2026-10-01,31,40,reports;dashboards
",
        )
        .await
        .unwrap();
    let with_usage = t
        .draft(ONBOARDING, "onboarding-to-cs", "A-1", BTreeMap::new())
        .await
        .id;
    let without = t
        .draft(ONBOARDING, "onboarding-to-cs", "B-2", BTreeMap::new())
        .await
        .id;
    let other = t
        .draft(AE, "ae-to-onboarding", "A-1", BTreeMap::new())
        .await
        .id;
    let (s, b) = open(t, &[ONBOARDING, AE, CSM]).await;
    b.login(ONBOARDING, PASSWORD).await;

    b.goto(&format!("/handoffs/{with_usage}/edit")).await;
    let summary = b.text("#usage-summary").await;
    assert!(
        summary.starts_with(
            "Weekly active users 4 (week of 2026-09-07) → 31 (week of 2026-09-28) of 40 seats (77%)"
        ),
        "{summary}"
    );
    assert_eq!(b.count("#usage table tbody tr").await, 2);
    assert!(
        b.text("#usage")
            .await
            .contains("api: dropped: last used 2026-09-07")
    );
    assert_eq!(
        b.text("#usage-prefill").await,
        "Use this as “Adoption curve by product / feature”"
    );
    b.screenshot_full("handoff-form-usage").await;
    let found = b.axe().await;
    assert!(found.is_empty(), "{found:?}");

    // What the sender typed stays, and the measured curve follows it.
    let typed = "Reporting took off once the ops leads were trained in week two.";
    b.fill("#f-adoption_curve", typed).await;
    b.fill(
        "#f-support_patterns",
        "Mostly SSO set-up questions in the first month.",
    )
    .await;
    b.click("#usage-prefill").await;
    b.wait_text("#usage-prefill", |t| t.starts_with("Add this to"))
        .await;
    let field = b.property("#f-adoption_curve", "value").await;
    assert_eq!(field, json!(format!("{typed}\n\n{summary}")));
    let reply = s
        .as_(ONBOARDING)
        .await
        .get(&format!("/handoffs/{with_usage}"))
        .await;
    let api = reply.expect(200);
    assert_eq!(
        api["values"]["adoption_curve"],
        json!(format!("{typed}\n\n{summary}"))
    );
    assert_eq!(
        api["values"]["support_patterns"],
        json!("Mostly SSO set-up questions in the first month.")
    );
    assert_eq!(api["state"], json!("draft"));
    // Pressed again, the summary is there already: nothing doubles. The
    // heading is marked first, so the wait ends on the page that follows.
    b.execute("document.getElementById('usage-h').textContent = 'before'")
        .await;
    b.click("#usage-prefill").await;
    b.wait_text("#usage-h", |t| t == "Product usage").await;
    assert_eq!(
        b.property("#f-adoption_curve", "value").await,
        json!(format!("{typed}\n\n{summary}"))
    );

    // No usage recorded: the card says so and offers nothing to press.
    b.goto(&format!("/handoffs/{without}/edit")).await;
    assert!(b.text("#usage-none").await.contains("No usage reported"));
    assert_eq!(b.count("#usage-prefill").await, 0);
    b.logout().await;

    // A contract that fills nothing from usage shows no card.
    b.login(AE, PASSWORD).await;
    b.goto(&format!("/handoffs/{other}/edit")).await;
    b.wait_text("#meter-h", |t| t == "Completeness").await;
    assert_eq!(b.count("#usage").await, 0);
    b.logout().await;

    // Submitted, the CSM reads on the handoff page what the sender saw,
    // with nothing to press.
    let reply = s
        .as_(ONBOARDING)
        .await
        .post(&format!("/handoffs/{with_usage}/submit"), json!({}))
        .await;
    reply.expect(200);
    b.login(CSM, PASSWORD).await;
    b.goto(&format!("/handoffs/{with_usage}")).await;
    assert_eq!(b.text("#usage-summary").await, summary);
    assert_eq!(b.count("#usage-prefill").await, 0);
    let found = b.axe().await;
    assert!(found.is_empty(), "{found:?}");
}
