//! Security basics over HTTP, beyond what `session.rs` (cookie flags, sign
//! out, lockout, token revocation by its owner, cross-site cookie writes)
//! and `ui/security.rs` (one form's CSRF check, page headers) prove:
//! headers on every response, CSRF on every form of every template, the
//! `Secure` flag when configured, session expiry on the app's clock, an
//! admin's revocation, the password policy, a lockout that does not tell
//! whether the email exists, oversized forms, and no secret in the logs.

use std::io::Write;
use std::sync::{Arc, Mutex};

use baton_testkit::{ADMIN_PASSWORD, TestApp, on_both_backends};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use serde_json::json;

use crate::harness::{Auth, Server, start};

on_both_backends!(
    every_response_carries_the_security_headers_api_errors_and_probes_included,
    every_form_in_every_template_carries_the_csrf_token_and_is_refused_without_it,
    session_cookies_are_marked_secure_when_the_server_is_configured_so,
    a_session_ends_after_its_lifetime_on_the_apps_clock,
    an_admin_revokes_a_members_token_and_it_stops_at_once,
    new_passwords_meet_the_policy_and_a_refused_one_records_nothing,
    a_locked_out_unknown_email_reads_exactly_like_a_locked_out_real_one,
    an_oversized_form_is_refused_with_413_and_changes_nothing,
    no_password_token_session_or_webhook_secret_reaches_the_logs,
);

/// A client that shows redirects instead of following them.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs `who` in through `POST /session`; the session cookie's value.
async fn sign_in(s: &Server, who: &str, password: &str) -> String {
    let r = s
        .anon()
        .post("/session", json!({"email": who, "password": password}))
        .await;
    r.expect(200);
    cookie_value(r.headers[SET_COOKIE].to_str().unwrap())
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .and_then(|c| c.split_once('='))
        .map(|(_, v)| v.to_string())
        .unwrap()
}

/// The CSRF token on a page of the signed-in UI.
async fn csrf(s: &Server, session: &str) -> String {
    let page = http()
        .get(format!("{}/handoffs/new", s.origin))
        .header(COOKIE, format!("baton_session={session}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    page.split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("a CSRF token on the page")
        .to_string()
}

async fn every_response_carries_the_security_headers_api_errors_and_probes_included(t: TestApp) {
    let s = start(t).await;
    let token = s.token(&s.t.org.clone(), "admin@acme.test").await;
    let big = vec![b' '; (1 << 20) + 10];
    let o = &s.origin;
    let cases: Vec<(&str, reqwest::RequestBuilder, u16)> = vec![
        (
            "an API read",
            http()
                .get(format!("{o}/api/v1/handoffs"))
                .bearer_auth(&token),
            200,
        ),
        (
            "the OpenAPI document",
            http().get(format!("{o}/api/v1/openapi.json")),
            200,
        ),
        (
            "an API refusal",
            http().get(format!("{o}/api/v1/handoffs")),
            401,
        ),
        (
            "an API 404",
            http()
                .get(format!("{o}/api/v1/handoffs/nope"))
                .bearer_auth(&token),
            404,
        ),
        (
            "an oversized body",
            http()
                .post(format!("{o}/api/v1/accounts"))
                .bearer_auth(&token)
                .header(CONTENT_TYPE, "application/json")
                .body(big),
            413,
        ),
        ("an unknown path", http().get(format!("{o}/nowhere")), 404),
        ("a wrong method", http().put(format!("{o}/healthz")), 405),
        (
            "the liveness probe",
            http().get(format!("{o}/healthz")),
            200,
        ),
        (
            "the readiness probe",
            http().get(format!("{o}/readyz")),
            200,
        ),
        ("the metrics", http().get(format!("{o}/metrics")), 200),
        ("the login page", http().get(format!("{o}/login")), 200),
        (
            "a stylesheet",
            http().get(format!("{o}/assets/baton.css")),
            200,
        ),
    ];
    for (what, req, status) in cases {
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{what}");
        let h = res.headers();
        let get = |name: &str| {
            h.get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let csp = get("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp:?}");
        assert!(csp.contains("script-src 'self'"), "{what}: {csp:?}");
        assert!(!csp.contains("unsafe-inline"), "{what}: {csp:?}");
        assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
        assert_eq!(get("x-frame-options"), "DENY", "{what}");
        assert!(!get("referrer-policy").is_empty(), "{what}");
    }
}

/// Every form action (`<form method="post" action=…>` and `hx-post`) in
/// the templates, with each `{{ … }}` made a placeholder; and the actions
/// of forms that do not carry the CSRF field.
fn template_forms() -> (Vec<String>, Vec<String>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut files = vec![dir];
    let mut actions = Vec::new();
    let mut unguarded = Vec::new();
    while let Some(f) = files.pop() {
        if f.is_dir() {
            files.extend(std::fs::read_dir(&f).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let html = std::fs::read_to_string(&f).unwrap();
        for (i, _) in html.match_indices("<form") {
            let form = &html[i..];
            let end = form.find("</form>").unwrap_or(form.len());
            let tag = &form[..form.find('>').unwrap_or(0)];
            if !tag.contains("method=\"post\"") {
                continue;
            }
            let action = tag
                .split("action=\"")
                .nth(1)
                .and_then(|a| a.split('"').next())
                .unwrap_or_default()
                .to_string();
            // Forms of people not signed in yet (signing in, choosing a
            // password through a link) have no session to bind a token
            // to: they refuse another site's origin instead (below).
            let anonymous = action == "/login" || action.starts_with("/welcome/");
            if !anonymous && !form[..end].contains("name=\"_csrf\"") {
                unguarded.push(format!("{} {action}", f.display()));
            }
            actions.push(action);
        }
        for (i, _) in html.match_indices("hx-post=\"") {
            let rest = &html[i + 9..];
            actions.push(rest[..rest.find('"').unwrap()].to_string());
        }
    }
    let placeholder = |a: &String| {
        let mut out = String::new();
        let mut rest = a.as_str();
        while let Some((before, after)) = rest.split_once("{{") {
            out.push_str(before);
            out.push('x');
            rest = after.split_once("}}").map_or("", |(_, r)| r);
        }
        out.push_str(rest);
        out
    };
    let mut actions: Vec<String> = actions.iter().map(placeholder).collect();
    actions.sort();
    actions.dedup();
    (actions, unguarded)
}

async fn every_form_in_every_template_carries_the_csrf_token_and_is_refused_without_it(t: TestApp) {
    let (actions, unguarded) = template_forms();
    assert!(
        unguarded.is_empty(),
        "forms without the CSRF field: {unguarded:?}"
    );
    assert!(actions.len() >= 15, "found the forms: {actions:?}");
    let s = start(t).await;
    let session = sign_in(&s, "admin@acme.test", ADMIN_PASSWORD).await;
    let token = csrf(&s, &session).await;
    let before = s.events().await;
    let post = |path: &str, origin: Option<&str>, body: String| {
        let mut req = http()
            .post(format!("{}{path}", s.origin))
            .header(COOKIE, format!("baton_session={session}"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        if let Some(o) = origin {
            req = req.header(ORIGIN, o);
        }
        req.send()
    };
    for action in actions
        .iter()
        .filter(|a| *a != "/login" && !a.starts_with("/welcome/"))
    {
        let fields = "contract=ae-to-onboarding&account=A-1&note=hi&mode=gated";
        for (why, origin, body) in [
            ("without the token", None, fields.to_string()),
            (
                "with another session's token",
                None,
                format!("_csrf={}&{fields}", "0".repeat(64)),
            ),
            (
                "from another origin",
                Some("https://evil.example"),
                format!("_csrf={token}&{fields}"),
            ),
        ] {
            let res = post(action, origin, body).await.unwrap();
            assert_eq!(res.status().as_u16(), 403, "POST {action} {why}");
        }
    }
    // Signing in from another site's page is refused too (login CSRF).
    let res = http()
        .post(format!("{}/login", s.origin))
        .header(ORIGIN, "https://evil.example")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!(
            "email=admin%40acme.test&password={}",
            ADMIN_PASSWORD.replace(' ', "+")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.headers().get(SET_COOKIE).is_none());
    // So is choosing a password through a link from another site's page.
    let sent =
        s.t.app
            .send_password_link(
                &s.t.as_user("admin@acme.test"),
                &baton_testkit::email("ae1@acme.test"),
            )
            .await
            .unwrap();
    let link = sent.link.unwrap();
    let path = &link[link.find("/welcome/").unwrap()..];
    let res = http()
        .post(format!("{}{path}", s.origin))
        .header(ORIGIN, "https://evil.example")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body("password=a+long+enough+passphrase+42")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert!(res.headers().get(SET_COOKIE).is_none());
    assert!(
        s.t.app
            .password_link(&link[link.rfind('/').unwrap() + 1..])
            .await
            .is_ok(),
        "still unused"
    );
    assert_eq!(s.events().await, before, "no refused form changed anything");
}

async fn session_cookies_are_marked_secure_when_the_server_is_configured_so(t: TestApp) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let app = t.app.clone();
    let server = tokio::spawn(async move {
        let options = baton_web::Options {
            secure_cookies: true,
            ..baton_web::Options::default()
        };
        baton_web::serve(listener, app, &options, std::future::pending()).await
    });
    let flags = |set_cookie: &str| -> Vec<String> {
        set_cookie
            .split(';')
            .skip(1)
            .map(|a| a.trim().to_ascii_lowercase())
            .collect()
    };
    let api = http()
        .post(format!("{origin}/api/v1/session"))
        .json(&json!({"email": "admin@acme.test", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status().as_u16(), 200);
    let ui = http()
        .post(format!("{origin}/login"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!(
            "email=admin%40acme.test&password={}",
            ADMIN_PASSWORD.replace(' ', "+")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(ui.status().as_u16(), 303);
    let session = cookie_value(ui.headers()[SET_COOKIE].to_str().unwrap());
    let out = http()
        .delete(format!("{origin}/api/v1/session"))
        .header(COOKIE, format!("baton_session={session}"))
        .send()
        .await
        .unwrap();
    for (what, res) in [
        ("API sign-in", &api),
        ("UI sign-in", &ui),
        ("sign-out", &out),
    ] {
        let set = res.headers()[SET_COOKIE].to_str().unwrap();
        let f = flags(set);
        for want in ["secure", "httponly", "samesite=lax", "path=/"] {
            assert!(f.iter().any(|a| a == want), "{what}: {want} in {set}");
        }
    }
    server.abort();
}

async fn a_session_ends_after_its_lifetime_on_the_apps_clock(t: TestApp) {
    let s = start(t).await;
    let session = sign_in(&s, "admin@acme.test", ADMIN_PASSWORD).await;
    let browser = s.client(Auth::Cookie(session.clone()));
    browser.get("/handoffs").await.expect(200);
    let ttl = baton_app::access::SESSION_TTL;
    s.t.clock
        .advance(ttl.checked_sub(jiff::SignedDuration::from_mins(1)).unwrap());
    browser.get("/handoffs").await.expect(200);
    s.t.clock.advance(jiff::SignedDuration::from_mins(2));
    browser
        .get("/handoffs")
        .await
        .problem(401, "unauthenticated");
    // The pages send an expired session back to the login form.
    let page = http()
        .get(format!("{}/handoffs", s.origin))
        .header(COOKIE, format!("baton_session={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 303);
    assert!(
        page.headers()[LOCATION]
            .to_str()
            .unwrap()
            .starts_with("/login"),
    );
    // Signing in again works: the expiry is the session's, not the person's.
    let again = sign_in(&s, "admin@acme.test", ADMIN_PASSWORD).await;
    s.client(Auth::Cookie(again))
        .get("/handoffs")
        .await
        .expect(200);
}

async fn an_admin_revokes_a_members_token_and_it_stops_at_once(t: TestApp) {
    let s = start(t).await;
    let ae = s.as_("ae1@acme.test").await;
    let made = ae
        .post("/tokens", json!({"name": "Zapier"}))
        .await
        .expect(201)
        .clone();
    let machine = s.client(Auth::Bearer(made["token"].as_str().unwrap().into()));
    machine.get("/handoffs").await.expect(200);
    let admin = s.as_("admin@acme.test").await;
    let listed = admin.get("/tokens").await;
    assert!(
        listed.text.contains(made["id"].as_str().unwrap()),
        "an admin sees the org's tokens: {}",
        listed.text
    );
    assert!(!listed.text.contains(made["token"].as_str().unwrap()));
    admin
        .delete(&format!("/tokens/{}", made["id"].as_str().unwrap()))
        .await
        .expect(204);
    machine
        .get("/handoffs")
        .await
        .problem(401, "unauthenticated");
    machine
        .post("/tokens", json!({"name": "a new one"}))
        .await
        .problem(401, "unauthenticated");
}

async fn new_passwords_meet_the_policy_and_a_refused_one_records_nothing(t: TestApp) {
    let s = start(t).await;
    let admin = s.as_("admin@acme.test").await;
    let before = s.events().await;
    let long = "correct horse ".repeat(20);
    for (why, password) in [
        ("too short", "short1"),
        ("one character", "aaaaaaaaaaaaaaa"),
        ("two characters", "1212121212121212"),
        ("the email", "new.person@acme.test"),
        ("the email's name", "New.Person"),
        ("too long", long.as_str()),
    ] {
        let r = admin
            .post(
                "/users",
                json!({"email": "new.person@acme.test", "name": "New Person", "password": password,
                       "teams": [{"team": "ae", "role": "member"}]}),
            )
            .await;
        let p = r.problem(422, "invalid-input");
        assert!(
            p["detail"].as_str().unwrap().contains("password"),
            "{why}: {}",
            r.text
        );
        assert!(!r.text.contains(password), "{why}: the answer repeats it");
    }
    assert_eq!(s.events().await, before, "no refused password made a user");
    admin
        .post(
            "/users",
            json!({"email": "new.person@acme.test", "name": "New Person",
                   "password": "a long passphrase of words", "teams": [{"team": "ae", "role": "member"}]}),
        )
        .await
        .expect(201);
    sign_in(&s, "new.person@acme.test", "a long passphrase of words").await;
}

async fn a_locked_out_unknown_email_reads_exactly_like_a_locked_out_real_one(t: TestApp) {
    let s = start(t).await;
    let mut answers = Vec::new();
    for who in ["admin@acme.test", "nobody@acme.test"] {
        let mut failures = Vec::new();
        for _ in 0..baton_app::access::MAX_FAILED_LOGINS {
            let r = s
                .anon()
                .post("/session", json!({"email": who, "password": "wrong horse"}))
                .await;
            failures.push(r.problem(401, "unauthenticated").clone());
        }
        let locked = s
            .anon()
            .post(
                "/session",
                json!({"email": who, "password": ADMIN_PASSWORD}),
            )
            .await;
        let p = locked.problem(429, "rate-limited").clone();
        let retry = locked.headers[reqwest::header::RETRY_AFTER].clone();
        // Through the sign-in page too: the count is shared, the words the same.
        let page = http()
            .post(format!("{}/login", s.origin))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!(
                "email={}&password={}",
                who.replace('@', "%40"),
                ADMIN_PASSWORD.replace(' ', "+")
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status().as_u16(), 429, "{who}");
        assert!(page.headers().get(SET_COOKIE).is_none());
        let html = page.text().await.unwrap();
        assert!(html.contains("too many failed sign-ins"), "{html}");
        answers.push((failures, p, retry));
    }
    let (real, unknown) = (&answers[0], &answers[1]);
    assert_eq!(real.0, unknown.0, "the failures read alike");
    assert_eq!(real.1, unknown.1, "the lockouts read alike");
    assert_eq!(real.2, unknown.2, "and last as long");
    let detail = real.1["detail"].as_str().unwrap();
    assert!(!detail.contains("admin@acme.test"), "{detail}");
}

async fn an_oversized_form_is_refused_with_413_and_changes_nothing(t: TestApp) {
    let s = start(t).await;
    crate::handoffs::account(&s, "A-1").await;
    let session = sign_in(&s, "admin@acme.test", ADMIN_PASSWORD).await;
    let token = csrf(&s, &session).await;
    let before = s.events().await;
    let res = http()
        .post(format!("{}/handoffs/new", s.origin))
        .header(COOKIE, format!("baton_session={session}"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!(
            "_csrf={token}&contract=ae-to-onboarding&account=A-1&economic_buyer={}",
            "x".repeat(2 << 20)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    let html = res.text().await.unwrap();
    assert!(html.contains("larger than this server accepts"), "{html}");
    assert_eq!(s.events().await, before, "nothing was recorded");
}

/// A `MakeWriter` that keeps the log lines of one test: those written on
/// the thread that made it. A `#[tokio::test]` runs its runtime, and so its
/// server and every task the server spawns, on its own thread, and libtest
/// gives every test a thread of its own; so no other test's line can enter,
/// whatever else in the process logs (a scoped default subscriber alone
/// does not say so, and a global one would take every test's lines).
#[derive(Clone)]
struct Captured {
    lines: Arc<Mutex<Vec<u8>>>,
    owner: std::thread::ThreadId,
}

impl Captured {
    fn for_this_test() -> Self {
        Self {
            lines: Arc::default(),
            owner: std::thread::current().id(),
        }
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if std::thread::current().id() == self.owner {
            self.lines.lock().unwrap().extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn no_password_token_session_or_webhook_secret_reaches_the_logs(t: TestApp) {
    // Every event at every level, from the server's tasks, which run on
    // this test's single-threaded runtime.
    let logs = Captured::for_this_test();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Callsites first hit by another test's thread (no subscriber there)
    // cache "never interested"; recompute with this subscriber registered,
    // or the request logs may never reach it.
    tracing::callsite::rebuild_interest_cache();

    let s = start(t).await;
    let wrong = "wrong-horse-password-7431";
    s.anon()
        .post(
            "/session",
            json!({"email": "admin@acme.test", "password": wrong}),
        )
        .await
        .problem(401, "unauthenticated");
    let session = sign_in(&s, "admin@acme.test", ADMIN_PASSWORD).await;
    let browser = s.client(Auth::Cookie(session.clone()));
    let made = browser
        .post("/tokens", json!({"name": "CRM"}))
        .await
        .expect(201)
        .clone();
    let token = made["token"].as_str().unwrap().to_string();
    let machine = s.client(Auth::Bearer(token.clone()));
    machine.get("/handoffs").await.expect(200);
    let hook_secret = "whsec-do-not-log-5512";
    machine
        .post(
            "/webhooks",
            json!({"url": "http://127.0.0.1:9/hook", "events": ["*"], "secret": hook_secret}),
        )
        .await
        .expect(201);
    let new_password = "a brand new passphrase 9931";
    machine
        .post(
            "/users",
            json!({"email": "logged@acme.test", "name": "Logged", "password": new_password,
                   "teams": [{"team": "ae", "role": "member"}]}),
        )
        .await
        .expect(201);
    // Something to deliver, signed with the secret, to a closed port.
    crate::handoffs::account(&s, "A-1").await;
    s.t.app.deliver_webhooks().await.unwrap();
    browser.delete("/session").await.expect(204);

    let text = String::from_utf8(logs.lines.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("/api/v1/session") && text.contains("/api/v1/tokens"),
        "the requests were logged: {text}"
    );
    for (what, secret) in [
        ("the password", ADMIN_PASSWORD),
        ("a wrong password", wrong),
        ("a new user's password", new_password),
        ("the session", session.as_str()),
        ("the token", token.as_str()),
        ("the webhook secret", hook_secret),
    ] {
        // The random part of a secret alone, too (after the org and dot).
        let core = secret.rsplit('.').next().unwrap();
        assert!(
            !text.contains(secret) && !text.contains(core),
            "{what} is in the logs"
        );
    }
}
