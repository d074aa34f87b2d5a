//! Signing in and out.

use super::{PASSWORD, start};

#[tokio::test]
async fn signing_in_shows_the_org_user_and_teams_and_signing_out_ends_the_session() {
    let Some((_s, b)) = start(&["onboarding1@acme.test"]).await else {
        return;
    };
    b.goto("/").await;
    assert!(
        b.path().await.starts_with("/login?next=/"),
        "anonymous → login"
    );
    b.screenshot("login").await;
    assert_eq!(
        b.attribute("#password", "type").await.as_deref(),
        Some("password")
    );
    assert_eq!(
        b.property("#email", "required").await,
        serde_json::json!(true)
    );

    b.fill("#email", "onboarding1@acme.test").await;
    b.fill("#password", "wrong password").await;
    b.click("#login button[type=submit]").await;
    let err = b.text("#login-error").await;
    assert!(err.to_lowercase().contains("password"), "{err}");

    // Keyboard only: the email field has the focus, Tab moves to the
    // password, Enter signs in.
    b.goto("/login").await;
    let email = b.active().await;
    b.type_into(&email, "onboarding1@acme.test\u{E004}").await;
    let password = b.active().await;
    b.type_into(&password, &format!("{PASSWORD}\u{E007}")).await;
    b.wait_text("header .who", |t| t.contains("onboarding1"))
        .await;
    assert_eq!(b.path().await, "/");
    let who = b.text("header .who").await;
    assert!(who.contains("Acme"), "{who}");
    assert!(who.contains("onboarding1"), "{who}");
    assert!(who.contains("onboarding (member)"), "{who}");
    assert!(b.text("main h1").await.contains("Inbox"));
    assert!(b.page_text().await.contains("Nothing waits for onboarding"));
    b.screenshot_full("inbox-empty").await;

    b.click("header .who button").await;
    b.wait_text("main h1", |t| t == "Baton").await;
    b.goto("/").await;
    assert!(
        b.path().await.starts_with("/login"),
        "signed out → login again"
    );
}
