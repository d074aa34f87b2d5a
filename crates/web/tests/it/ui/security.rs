//! The UI's forms over plain HTTP: every post needs the session's CSRF token
//! and our own origin, and a refused post changes nothing. Pages carry the
//! security headers.

use baton_testkit::{ADMIN_PASSWORD, TestApp};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, ORIGIN};

use crate::harness;

async fn setup() -> (harness::Server, String, String) {
    let t = TestApp::sqlite().await;
    t.account("A-1", "Initech").await;
    let session = t
        .app
        .login("admin@acme.test", ADMIN_PASSWORD)
        .await
        .unwrap()
        .secret;
    let s = harness::start(t).await;
    let page = reqwest::Client::new()
        .get(format!("{}/handoffs/new", s.origin))
        .header(COOKIE, format!("baton_session={session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = page
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    (s, session, token)
}

async fn post(
    s: &harness::Server,
    session: &str,
    origin: Option<&str>,
    body: &str,
) -> reqwest::Response {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut req = client
        .post(format!("{}/handoffs/new", s.origin))
        .header(COOKIE, format!("baton_session={session}"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.to_string());
    if let Some(o) = origin {
        req = req.header(ORIGIN, o);
    }
    req.send().await.unwrap()
}

async fn handoff_count(s: &harness::Server) -> usize {
    let c = s.as_("admin@acme.test").await;
    c.get("/handoffs").await.expect(200)["items"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn a_form_post_without_the_sessions_token_or_from_another_origin_is_refused_and_changes_nothing()
 {
    let (s, session, token) = setup().await;
    let form = "contract=ae-to-onboarding&account=A-1";
    for (why, origin, body) in [
        ("no token", None, form.to_string()),
        (
            "a wrong token",
            None,
            format!("_csrf={}&{form}", "0".repeat(64)),
        ),
        (
            "another origin",
            Some("http://evil.example"),
            format!("_csrf={token}&{form}"),
        ),
    ] {
        let res = post(&s, &session, origin, &body).await;
        assert_eq!(res.status(), 403, "{why}");
        assert_eq!(handoff_count(&s).await, 0, "{why} created a handoff");
    }
    let res = post(
        &s,
        &session,
        Some(&s.origin),
        &format!("_csrf={token}&{form}"),
    )
    .await;
    assert_eq!(res.status(), 303);
    let to = res.headers()[LOCATION].to_str().unwrap().to_string();
    assert!(
        to.starts_with("/handoffs/") && to.ends_with("/edit"),
        "{to}"
    );
    assert_eq!(handoff_count(&s).await, 1);
}

#[tokio::test]
async fn pages_forbid_framing_and_foreign_scripts_and_anonymous_visitors_go_to_the_login() {
    let t = TestApp::sqlite().await;
    let s = harness::start(t).await;
    let res = s.fetch("/handoffs").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()[LOCATION], "/login?next=/handoffs");
    let res = s.fetch("/login").await;
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let res = reqwest::Client::new()
        .get(format!("{}/no-such-page", s.origin))
        .header(reqwest::header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("There is no page here."));
    let res = s.fetch("/login?next=//evil.example/").await;
    let html = res.text().await.unwrap();
    assert!(
        html.contains("name=\"next\" value=\"/\""),
        "an open redirect: {html}"
    );
}

#[tokio::test]
async fn a_form_posted_after_the_session_ended_leads_back_to_its_page_after_signing_in() {
    let t = TestApp::sqlite().await;
    let s = harness::start(t).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client
        .post(format!("{}/handoffs/new", s.origin))
        .header(COOKIE, "baton_session=acme.expired")
        .header(
            reqwest::header::REFERER,
            format!("{}/handoffs/new?contract=x", s.origin),
        )
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("contract=ae-to-onboarding&account=A-1")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()[LOCATION],
        "/login?next=/handoffs/new%3Fcontract%3Dx"
    );
}
