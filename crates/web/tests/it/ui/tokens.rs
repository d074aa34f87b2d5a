//! API tokens in a browser: a member makes one (its secret shown once),
//! sees when it was last used, and revokes it (the next request with it is
//! refused); an admin sees everyone's.

use crate::harness::Auth;

use super::{PASSWORD, app, open};

#[tokio::test]
async fn a_member_makes_uses_and_revokes_a_token() {
    let Some(t) = app().await else {
        return;
    };
    let (s, b) = open(t, &["ae1@acme.test", "admin@acme.test"]).await;
    b.login("ae1@acme.test", PASSWORD).await;
    b.click("header .who a[href='/settings/tokens']").await;
    b.wait_text("main h1", |t| t == "API tokens").await;
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());
    b.fill("#token-name", "Salesforce flow").await;
    b.click("#new-token button[type=submit]").await;
    let secret = b.wait_text("#secret", |t| !t.is_empty()).await;
    assert!(b.text("#tokens").await.contains("never"));

    let api = s.client(Auth::Bearer(secret.clone()));
    api.get("/handoffs").await.expect(200);
    b.goto("/settings/tokens").await;
    let row = b.text("#tokens tbody tr").await;
    assert!(
        row.contains("Salesforce flow") && !row.contains("never"),
        "{row}"
    );
    assert!(b.count("#secret").await == 0, "shown only once");
    b.screenshot_full("tokens").await;

    b.logout().await;
    b.login("admin@acme.test", PASSWORD).await;
    b.goto("/settings/tokens").await;
    let all = b.text("#tokens").await;
    assert!(
        all.contains("ae1@acme.test"),
        "an admin sees everyone's: {all}"
    );
    b.click("#tokens tbody tr form button").await;
    b.wait_text("#done", |t| t.contains("revoked")).await;
    assert_eq!(api.get("/handoffs").await.status, 401);
}
