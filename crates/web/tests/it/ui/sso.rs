//! Single sign-on in a browser, through a real OpenID provider's own login
//! page (node's oidc-provider on 127.0.0.1): a member signs in and lands
//! where they were going; an unverified email and a forged callback get the
//! sign-in page saying why; an admin sets who may join.

use std::sync::{Arc, Mutex};

use baton_testkit::oidc::OidcProvider;

use super::{PASSWORD, app, open_with};

#[tokio::test]
async fn a_member_signs_in_with_sso_through_the_providers_page() {
    let Some(t) = app().await else {
        return;
    };
    // The provider is started once Baton's origin (its redirect URI) is known.
    let provider: Arc<Mutex<Option<OidcProvider>>> = Arc::default();
    let slot = provider.clone();
    let (s, b) = open_with(t, &["admin@acme.test"], move |app, origin| {
        let Some(p) = OidcProvider::start(&format!("{origin}/auth/oidc/callback")) else {
            return app;
        };
        let app = app.with_public_url(origin).with_oidc(p.config()).unwrap();
        *slot.lock().unwrap() = Some(p);
        app
    })
    .await;
    if provider.lock().unwrap().is_none() {
        return;
    }

    b.goto("/login?next=/handoffs").await;
    b.wait_text("#sso", |t| t.contains("Sign in with SSO"))
        .await;
    b.screenshot("sso-sign-in").await;
    b.click("#sso a").await;
    // The provider's own page.
    b.wait_text("h1", |t| t.contains("Sign-in")).await;
    b.fill("input[name=login]", "onboarding1@acme.test").await;
    b.fill("input[name=password]", "anything").await;
    b.click("button[type=submit]").await;
    b.wait_text("h1", |t| t.contains("Authorize")).await;
    b.click("button[type=submit]").await;
    let who = b
        .wait_text("header .who", |t| t.contains("onboarding1"))
        .await;
    assert!(who.contains("Acme"), "{who}");
    assert_eq!(b.path().await, "/handoffs", "where they were going");
    b.logout().await;

    // An address the provider did not verify (the provider first forgets
    // who signed in there).
    let issuer = provider
        .lock()
        .unwrap()
        .as_ref()
        .map(|p| p.issuer.clone())
        .unwrap();
    b.forget_cookies_of(&format!("{issuer}/.well-known/openid-configuration"))
        .await;
    b.goto("/auth/oidc/login").await;
    b.wait_text("h1", |t| t.contains("Sign-in")).await;
    b.fill("input[name=login]", "unverified.cs1@acme.test")
        .await;
    b.fill("input[name=password]", "anything").await;
    b.click("button[type=submit]").await;
    b.wait_text("h1", |t| t.contains("Authorize")).await;
    b.click("button[type=submit]").await;
    let e = b.wait_text("#login-error", |t| !t.is_empty()).await;
    assert!(e.contains("not verified"), "{e}");
    assert!(
        b.page_text().await.contains("Sign in with SSO"),
        "and may try again"
    );

    // A callback this browser did not start.
    b.goto("/auth/oidc/callback?code=stolen&state=forged").await;
    let e = b.wait_text("#login-error", |t| !t.is_empty()).await;
    assert!(e.contains("not started in this browser"), "{e}");

    // The admin sets who may join by SSO.
    b.login("admin@acme.test", PASSWORD).await;
    b.click("header nav a[href='/settings/sign-in']").await;
    b.wait_text("main h1", |t| t == "Sign-in").await;
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());
    assert!(
        b.text("#redirect-uri")
            .await
            .ends_with("/auth/oidc/callback")
    );
    b.execute("document.querySelector('#sso_team').value = 'cs';")
        .await;
    b.fill("#sso_domains", "acme.test").await;
    b.click("#sign-in button[type=submit]").await;
    b.wait_text("#done", |t| t.contains("saved")).await;
    b.screenshot_full("sign-in-settings").await;
    let set =
        s.t.app
            .sign_in_settings(&s.t.as_user("admin@acme.test"))
            .await
            .unwrap();
    assert_eq!(set.sso_domains, ["acme.test"]);
    drop(provider);
}
