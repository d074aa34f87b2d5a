//! `/session` and `/tokens`: signing in with a password sets a cookie that
//! works for the API; signing out ends the session on the server, not only
//! in the browser; tokens are shown once and stop working when revoked.

use baton_testkit::{ADMIN_PASSWORD, TestApp, on_both_backends};
use serde_json::json;

use crate::harness::{Auth, start};

on_both_backends!(
    signing_in_sets_an_http_only_same_site_cookie_that_works_until_signed_out,
    a_wrong_password_is_refused_without_saying_which_part_was_wrong,
    five_failed_sign_ins_lock_the_email_out_even_with_the_right_password,
    a_read_only_token_reads_and_never_writes,
    cookie_writes_from_another_site_are_refused,
    a_token_is_shown_once_and_stops_working_when_revoked,
);

async fn signing_in_sets_an_http_only_same_site_cookie_that_works_until_signed_out(t: TestApp) {
    let s = start(t).await;
    s.anon()
        .get("/handoffs")
        .await
        .problem(401, "unauthenticated");

    let r = s
        .anon()
        .post(
            "/session",
            json!({"email": "admin@acme.test", "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(r.expect(200)["email"], "admin@acme.test");
    let set_cookie = r
        .headers
        .get(reqwest::header::SET_COOKIE)
        .expect("a session cookie")
        .to_str()
        .unwrap()
        .to_string();
    let attrs: Vec<String> = set_cookie
        .split(';')
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attrs.iter().any(|a| a == "httponly"), "{set_cookie}");
    assert!(
        attrs
            .iter()
            .any(|a| a == "samesite=lax" || a == "samesite=strict"),
        "{set_cookie}"
    );
    let (name, value) = set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap();
    assert_eq!(name, "baton_session");
    assert!(!value.is_empty());
    assert!(!r.text.contains(value), "the secret is only in the cookie");

    let browser = s.client(Auth::Cookie(value.to_string()));
    let list = browser.get("/handoffs").await;
    assert_eq!(list.expect(200)["items"], json!([]));

    let out = browser.delete("/session").await;
    out.expect(204);
    let cleared = out
        .headers
        .get(reqwest::header::SET_COOKIE)
        .expect("the cookie is cleared")
        .to_str()
        .unwrap();
    assert!(cleared.starts_with("baton_session=;"), "{cleared}");
    assert!(
        cleared.to_ascii_lowercase().contains("max-age=0"),
        "{cleared}"
    );

    // The old cookie, replayed, no longer works: the session ended on the server.
    browser
        .get("/handoffs")
        .await
        .problem(401, "unauthenticated");
}

async fn a_wrong_password_is_refused_without_saying_which_part_was_wrong(t: TestApp) {
    let s = start(t).await;
    let wrong = s
        .anon()
        .post(
            "/session",
            json!({"email": "admin@acme.test", "password": "wrong horse"}),
        )
        .await;
    let p = wrong.problem(401, "unauthenticated").clone();
    assert!(wrong.headers.get(reqwest::header::SET_COOKIE).is_none());
    let nobody = s
        .anon()
        .post(
            "/session",
            json!({"email": "nobody@acme.test", "password": "wrong horse"}),
        )
        .await;
    assert_eq!(
        nobody.problem(401, "unauthenticated")["detail"],
        p["detail"]
    );
}

async fn cookie_writes_from_another_site_are_refused(t: TestApp) {
    let s = start(t).await;
    let r = s
        .anon()
        .post(
            "/session",
            json!({"email": "admin@acme.test", "password": ADMIN_PASSWORD}),
        )
        .await;
    r.expect(200);
    let cookie = r
        .headers
        .get(reqwest::header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let before = s.events().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let res = http
        .post(format!("{}/api/v1/tokens", s.origin))
        .header(reqwest::header::COOKIE, &cookie)
        .header("origin", "https://evil.example")
        .json(&json!({"name": "stolen"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    let tokens = s
        .client(Auth::Cookie(cookie.split_once('=').unwrap().1.to_string()))
        .get("/tokens")
        .await;
    assert!(!tokens.text.contains("stolen"), "{}", tokens.text);
    assert_eq!(s.events().await, before);
}

async fn a_token_is_shown_once_and_stops_working_when_revoked(t: TestApp) {
    let s = start(t).await;
    let ae = s.as_("ae1@acme.test").await;
    let r = ae.post("/tokens", json!({"name": "Salesforce flow"})).await;
    let made = r.expect(201).clone();
    let secret = made["token"].as_str().unwrap().to_string();
    let id = made["id"].as_str().unwrap().to_string();

    let machine = s.client(Auth::Bearer(secret.clone()));
    machine.get("/handoffs").await.expect(200);
    let listed = ae.get("/tokens").await;
    assert!(
        listed
            .expect(200)
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id.as_str())
    );
    assert!(!listed.text.contains(&secret), "never shown again");

    // Another member cannot see or revoke it; its owner can.
    let other = s.as_("ae2@acme.test").await;
    assert!(!other.get("/tokens").await.text.contains(&id));
    other
        .delete(&format!("/tokens/{id}"))
        .await
        .problem(404, "not-found");
    machine.get("/handoffs").await.expect(200);
    ae.delete(&format!("/tokens/{id}")).await.expect(204);
    machine
        .get("/handoffs")
        .await
        .problem(401, "unauthenticated");
}

async fn five_failed_sign_ins_lock_the_email_out_even_with_the_right_password(t: TestApp) {
    let s = start(t).await;
    for _ in 0..baton_app::access::MAX_FAILED_LOGINS {
        s.anon()
            .post(
                "/session",
                json!({"email": "admin@acme.test", "password": "wrong horse"}),
            )
            .await
            .problem(401, "unauthenticated");
    }
    let locked = s
        .anon()
        .post(
            "/session",
            json!({"email": "admin@acme.test", "password": ADMIN_PASSWORD}),
        )
        .await;
    locked.problem(429, "rate-limited");
    let wait: u64 = locked.headers[reqwest::header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        wait,
        15 * 60,
        "the lockout lasts the window, on the app's clock"
    );
    assert!(locked.headers.get(reqwest::header::SET_COOKIE).is_none());
}

async fn a_read_only_token_reads_and_never_writes(t: TestApp) {
    let s = start(t).await;
    let admin = s.as_("admin@acme.test").await;
    let made = admin
        .post(
            "/tokens",
            json!({"name": "CRM gate check", "read_only": true}),
        )
        .await
        .expect(201)
        .clone();
    assert_eq!(made["read_only"], true);
    let reader = s.client(Auth::Bearer(made["token"].as_str().unwrap().to_string()));
    reader.get("/handoffs").await.expect(200);
    let before = s.events().await;
    reader
        .post("/accounts", json!({"id": "RO-1", "name": "Read Only Inc", "arr": {"minor": 100, "currency": "USD"}}))
        .await
        .problem(403, "read-only-token");
    assert_eq!(s.events().await, before, "nothing recorded");
    let listed = admin.get("/tokens").await.expect(200).clone();
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["read_only"] == true && t.get("token").is_none())
    );
}
