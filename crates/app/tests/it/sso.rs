//! Single sign-on (SPEC §12) against a real OpenID provider on 127.0.0.1
//! (node's oidc-provider, started by each test), on both backends: the code
//! flow with PKCE signs a verified person in; a state works once and only
//! in the browser that started it; a replayed code, a tampered token, an
//! unverified or unknown email and a leaver are refused, saying why; an org
//! may let new people of its domain join a team; password sign-in can be
//! switched off.

use std::collections::BTreeMap;

use baton_app::{App, AppError};
use baton_domain::{SignIn, TeamKey};
use baton_testkit::oidc::{CLIENT_ID, CLIENT_SECRET, OidcProvider};
use baton_testkit::{ADMIN_PASSWORD, TestApp, email, on_both_backends};

on_both_backends!(
    a_verified_person_signs_in_through_the_provider_and_lands_where_they_were_going,
    a_state_works_once_and_only_in_the_browser_that_started_it,
    unverified_unknown_and_deactivated_people_are_refused_saying_why,
    a_token_changed_on_the_way_or_for_another_sign_in_is_refused,
    an_org_lets_new_people_of_its_domain_join_a_team,
    password_sign_in_switched_off_leaves_only_sso,
    another_orgs_person_signs_in_to_their_own_org_only,
);

const BASE: &str = "http://baton.test";

fn sso(t: &TestApp) -> Option<(OidcProvider, App)> {
    let p = OidcProvider::start(&format!("{BASE}/auth/oidc/callback"))?;
    let app = t
        .app
        .clone()
        .with_public_url(BASE)
        .with_oidc(p.config())
        .unwrap();
    Some((p, app))
}

/// The `code` and `state` of the URL the provider sent the browser back to.
fn code_and_state(back: &str) -> (String, String) {
    assert!(
        back.starts_with(&format!("{BASE}/auth/oidc/callback?")),
        "{back}"
    );
    let mut code = String::new();
    let mut state = String::new();
    for pair in back.split_once('?').map_or("", |(_, q)| q).split('&') {
        match pair.split_once('=') {
            Some(("code", v)) => code = v.to_string(),
            Some(("state", v)) => state = v.to_string(),
            _ => {}
        }
    }
    (code, state)
}

/// Signs `login` in at the provider from Baton's start, up to the callback.
async fn through_provider(p: &OidcProvider, app: &App, login: &str) -> (String, String) {
    let start = app.oidc_begin("/handoffs?mine=1").await.unwrap();
    let back = p.sign_in(&start.url, login).await;
    let (code, state) = code_and_state(&back);
    assert_eq!(state, start.state, "the provider returns the state it got");
    (code, state)
}

async fn a_verified_person_signs_in_through_the_provider_and_lands_where_they_were_going(
    t: TestApp,
) {
    let Some((p, app)) = sso(&t) else {
        return;
    };
    let start = app.oidc_begin("/handoffs?mine=1").await.unwrap();
    assert!(
        start.url.starts_with(&format!("{}/auth?", p.issuer)),
        "{}",
        start.url
    );
    for part in [
        "response_type=code",
        "code_challenge_method=S256",
        "scope=openid%20email%20profile",
        "redirect_uri=http%3A%2F%2Fbaton.test%2Fauth%2Foidc%2Fcallback",
    ] {
        assert!(start.url.contains(part), "{part} in {}", start.url);
    }
    let back = p.sign_in(&start.url, "Onboarding1@acme.test").await;
    let (code, state) = code_and_state(&back);
    let (session, next) = app.oidc_finish(&state, Some(&state), &code).await.unwrap();
    assert_eq!(next, "/handoffs?mine=1");
    assert_eq!(session.caller.email, email("onboarding1@acme.test"));
    assert_eq!(session.caller.org, t.org);
    let caller = app.session_caller(&session.secret).await.unwrap().unwrap();
    assert_eq!(caller.email, email("onboarding1@acme.test"));
}

async fn a_state_works_once_and_only_in_the_browser_that_started_it(t: TestApp) {
    let Some((p, app)) = sso(&t) else {
        return;
    };
    let (code, state) = through_provider(&p, &app, "ae1@acme.test").await;
    // Another browser (its cookie holds another state, or none).
    for cookie in [None, Some("someone-elses-state")] {
        let e = app.oidc_finish(&state, cookie, &code).await.unwrap_err();
        assert!(e.to_string().contains("not started in this browser"), "{e}");
    }
    app.oidc_finish(&state, Some(&state), &code).await.unwrap();
    // The same callback again: the state is spent.
    let e = app
        .oidc_finish(&state, Some(&state), &code)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Unauthenticated(_)), "{e:?}");
    assert!(e.to_string().contains("already used"), "{e}");
    // The code replayed with a fresh state of this browser: the provider
    // refuses it.
    let fresh = app.oidc_begin("/").await.unwrap();
    let e = app
        .oidc_finish(&fresh.state, Some(&fresh.state), &code)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("invalid_grant"), "{e}");
}

async fn unverified_unknown_and_deactivated_people_are_refused_saying_why(t: TestApp) {
    let Some((p, app)) = sso(&t) else {
        return;
    };
    let (code, state) = through_provider(&p, &app, "unverified.ae1@acme.test").await;
    let e = app
        .oidc_finish(&state, Some(&state), &code)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not verified"), "{e}");

    let (code, state) = through_provider(&p, &app, "stranger@elsewhere.test").await;
    let e = app
        .oidc_finish(&state, Some(&state), &code)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no account here"), "{e}");

    app.deactivate_user(&t.as_user("admin@acme.test"), &email("cs1@acme.test"))
        .await
        .unwrap();
    let (code, state) = through_provider(&p, &app, "cs1@acme.test").await;
    let e = app
        .oidc_finish(&state, Some(&state), &code)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("deactivated"), "{e}");
}

/// An ID token for `login` with `nonce`, as the provider issues it to a
/// client that asked for it itself.
async fn id_token(p: &OidcProvider, login: &str, nonce: &str) -> String {
    let verifier = "a-verifier-of-the-test-that-is-long-enough-0123456789";
    use base64::Engine as _;
    use sha2::Digest as _;
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let redirect = format!("{BASE}/auth/oidc/callback");
    let url = format!(
        "{}/auth?response_type=code&client_id={CLIENT_ID}&redirect_uri={}&scope=openid%20email&state=s&nonce={nonce}&code_challenge={challenge}&code_challenge_method=S256",
        p.issuer,
        redirect.replace(':', "%3A").replace('/', "%2F"),
    );
    let (code, _) = code_and_state(&p.sign_in(&url, login).await);
    let res: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/token", p.issuer))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={verifier}",
            redirect.replace(':', "%3A").replace('/', "%2F")
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    res["id_token"].as_str().unwrap().to_string()
}

async fn a_token_changed_on_the_way_or_for_another_sign_in_is_refused(t: TestApp) {
    let Some((p, app)) = sso(&t) else {
        return;
    };
    let token = id_token(&p, "ae1@acme.test", "nonce-1").await;
    let claims = app.check_id_token(&token, "nonce-1").await.unwrap();
    assert_eq!(claims.sub, "ae1@acme.test");
    // Another sign-in's nonce.
    let e = app.check_id_token(&token, "nonce-2").await.unwrap_err();
    assert!(e.to_string().contains("nonce"), "{e}");
    // The claims changed, the signature kept: someone else.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = "admin@acme.test".into();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(serde_json::to_vec(&claims).unwrap()),
        parts[2]
    );
    let e = app.check_id_token(&forged, "nonce-1").await.unwrap_err();
    assert!(matches!(e, AppError::Unauthenticated(_)), "{e:?}");
    assert!(e.to_string().contains("does not check out"), "{e}");
    // Signed with no key at all ("alg": "none").
    let unsigned = format!("{}.{}.", b64.encode(br#"{"alg":"none"}"#), parts[1]);
    assert!(app.check_id_token(&unsigned, "nonce-1").await.is_err());
}

async fn an_org_lets_new_people_of_its_domain_join_a_team(t: TestApp) {
    let Some((p, app)) = sso(&t) else {
        return;
    };
    let admin = t.as_user("admin@acme.test");
    let (code, state) = through_provider(&p, &app, "newbie@acme.test").await;
    assert!(
        app.oidc_finish(&state, Some(&state), &code).await.is_err(),
        "not yet"
    );
    let set = app
        .set_sign_in(
            &admin,
            SignIn {
                password: true,
                sso_team: Some(TeamKey::parse("cs").unwrap()),
                sso_domains: vec!["@Acme.test".into()],
            },
        )
        .await
        .unwrap();
    assert_eq!(set.sso_domains, ["acme.test"]);
    let (code, state) = through_provider(&p, &app, "newbie@acme.test").await;
    let (session, _) = app.oidc_finish(&state, Some(&state), &code).await.unwrap();
    assert_eq!(session.caller.org, t.org);
    let dir = app.directory(&admin).await.unwrap();
    assert_eq!(
        dir.users[&email("newbie@acme.test")].teams,
        BTreeMap::from([(TeamKey::parse("cs").unwrap(), baton_domain::Role::Member)])
    );
    // Another domain does not join.
    let (code, state) = through_provider(&p, &app, "visitor@globex.test").await;
    assert!(app.oidc_finish(&state, Some(&state), &code).await.is_err());
    // Only admins decide; a team must exist.
    let e = app
        .set_sign_in(&t.as_user("cs-lead@acme.test"), SignIn::default())
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::Domain(baton_domain::DomainError::Forbidden(_))),
        "{e:?}"
    );
    let e = app
        .set_sign_in(
            &admin,
            SignIn {
                password: true,
                sso_team: Some(TeamKey::parse("finance").unwrap()),
                sso_domains: vec!["acme.test".into()],
            },
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("'finance'"), "{e}");
}

async fn password_sign_in_switched_off_leaves_only_sso(t: TestApp) {
    let admin = t.as_user("admin@acme.test");
    // Without SSO configured, switching passwords off would lock everyone out.
    let e = t
        .app
        .set_sign_in(
            &admin,
            SignIn {
                password: false,
                ..SignIn::default()
            },
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("nobody could sign in"), "{e}");
    let Some((p, app)) = sso(&t) else {
        return;
    };
    app.set_sign_in(
        &admin,
        SignIn {
            password: false,
            ..SignIn::default()
        },
    )
    .await
    .unwrap();
    let e = app
        .login("admin@acme.test", ADMIN_PASSWORD)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("single sign-on only"), "{e}");
    let (code, state) = through_provider(&p, &app, "admin@acme.test").await;
    assert!(app.oidc_finish(&state, Some(&state), &code).await.is_ok());
}

async fn another_orgs_person_signs_in_to_their_own_org_only(t: TestApp) {
    let Some((p, app)) = sso(&t) else {
        return;
    };
    let globex = app
        .init_org(
            baton_app::org::NewOrg {
                name: "Globex".into(),
                admin_email: email("admin@globex.test"),
                admin_name: "Hank Scorpio".into(),
                admin_password: ADMIN_PASSWORD.into(),
            },
            baton_domain::event::Via::Cli,
        )
        .await
        .unwrap();
    // Acme lets people of globex.test join by SSO: a person who already
    // belongs to Globex still lands in Globex, never in Acme.
    app.set_sign_in(
        &t.as_user("admin@acme.test"),
        SignIn {
            password: true,
            sso_team: Some(TeamKey::parse("cs").unwrap()),
            sso_domains: vec!["globex.test".into()],
        },
    )
    .await
    .unwrap();
    let (code, state) = through_provider(&p, &app, "admin@globex.test").await;
    let (session, _) = app.oidc_finish(&state, Some(&state), &code).await.unwrap();
    assert_eq!(session.caller.org, globex);
    let acme = app.directory(&t.as_user("admin@acme.test")).await.unwrap();
    assert!(!acme.users.contains_key(&email("admin@globex.test")));
}
