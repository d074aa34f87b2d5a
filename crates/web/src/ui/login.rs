//! Signing in and out in the browser.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie};
use crate::ui::{Posted, UiError, UiResult, render, render_status};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(form).post(login))
        .route("/logout", post(logout))
        .route("/auth/oidc/login", get(sso_login))
        .route("/auth/oidc/callback", get(sso_callback))
        .route("/welcome/{secret}", get(welcome).post(set_password))
}

/// The cookie that binds a sign-in through the identity provider to the
/// browser that started it.
const STATE_COOKIE: &str = "baton_oidc_state";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    next_encoded: String,
    email: String,
    error: Option<String>,
    sso: bool,
}

impl LoginPage {
    fn new(s: &AppState, next: String, email: String, error: Option<String>) -> Self {
        Self {
            next_encoded: crate::ui::percent_encode(&next),
            next,
            email,
            error,
            sso: s.app.sso_enabled(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Next {
    next: Option<String>,
}

/// Only a path on this site: never an open redirect.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".into(),
    }
}

async fn form(State(s): State<AppState>, Query(q): Query<Next>) -> UiResult {
    render(&LoginPage::new(
        &s,
        safe_next(q.next.as_deref()),
        String::new(),
        None,
    ))
}

#[derive(Debug, Deserialize)]
struct Credentials {
    email: String,
    password: String,
    next: Option<String>,
}

fn set_cookie(res: &mut Response, value: &str, max_age: i64, secure: bool) {
    set_named_cookie(res, SESSION_COOKIE, "/", value, max_age, secure);
}

fn set_named_cookie(
    res: &mut Response,
    name: &str,
    path: &str,
    value: &str,
    max_age: i64,
    secure: bool,
) {
    let secure = if secure { "; Secure" } else { "" };
    // Lax: sent on the identity provider's top-level redirect back here,
    // never on another site's form post.
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

async fn login(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    Form(c): Form<Credentials>,
) -> UiResult {
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.method = axum::http::Method::POST;
    parts.headers = headers;
    crate::ui::same_origin(&parts)?;
    let next = safe_next(c.next.as_deref());
    match s.app.login(&c.email, &c.password).await {
        Ok(session) => {
            let mut res = Redirect::to(&next).into_response();
            let ttl = baton_app::access::SESSION_TTL.as_secs();
            set_cookie(&mut res, &session.secret, ttl, s.secure_cookies);
            Ok(res)
        }
        Err(e) => {
            let UiError::Status(status, message) = UiError::from(e) else {
                return Err(UiError::Status(StatusCode::UNAUTHORIZED, String::new()));
            };
            render_status(status, &LoginPage::new(&s, next, c.email, Some(message)))
        }
    }
}

async fn logout(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    Posted(_, _): Posted,
) -> UiResult {
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.headers = headers;
    if let Some(secret) = cookie(&parts, SESSION_COOKIE) {
        s.app.logout(secret).await?;
    }
    let mut res = Redirect::to("/login").into_response();
    set_cookie(&mut res, "", 0, s.secure_cookies);
    Ok(res)
}

/// Sends the browser to the identity provider, with a fresh state bound to
/// it by a cookie.
async fn sso_login(State(s): State<AppState>, Query(q): Query<Next>) -> UiResult {
    let next = safe_next(q.next.as_deref());
    match s.app.oidc_begin(&next).await {
        Ok(start) => {
            let mut res = Redirect::to(&start.url).into_response();
            let ttl = baton_app::sso::ATTEMPT_TTL.as_secs();
            set_named_cookie(
                &mut res,
                STATE_COOKIE,
                "/auth/oidc",
                &start.state,
                ttl,
                s.secure_cookies,
            );
            Ok(res)
        }
        Err(e) => sso_refused(&s, next, e),
    }
}

#[derive(Debug, Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Where the identity provider sends the browser back: signs in, or shows
/// the sign-in page saying why not.
async fn sso_callback(
    State(s): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(c): Query<Callback>,
) -> UiResult {
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.headers = headers;
    let cookie_state = cookie(&parts, STATE_COOKIE).map(str::to_string);
    if let Some(error) = c.error {
        let why = c.error_description.unwrap_or(error);
        let e = baton_app::AppError::Unauthenticated(format!(
            "the identity provider did not sign you in: {why}"
        ));
        return sso_refused(&s, "/".into(), e);
    }
    let (Some(code), Some(state)) = (c.code, c.state) else {
        let e = baton_app::AppError::Unauthenticated(
            "the identity provider sent no sign-in code; start again".into(),
        );
        return sso_refused(&s, "/".into(), e);
    };
    match s
        .app
        .oidc_finish(&state, cookie_state.as_deref(), &code)
        .await
    {
        Ok((session, next)) => {
            let mut res = Redirect::to(&safe_next(Some(&next))).into_response();
            let ttl = baton_app::access::SESSION_TTL.as_secs();
            set_cookie(&mut res, &session.secret, ttl, s.secure_cookies);
            set_named_cookie(
                &mut res,
                STATE_COOKIE,
                "/auth/oidc",
                "",
                0,
                s.secure_cookies,
            );
            Ok(res)
        }
        Err(e) => sso_refused(&s, "/".into(), e),
    }
}

/// The sign-in page, saying why single sign-on did not sign the person in.
fn sso_refused(s: &AppState, next: String, e: baton_app::AppError) -> UiResult {
    let UiError::Status(status, message) = UiError::from(e) else {
        return Err(UiError::Status(StatusCode::UNAUTHORIZED, String::new()));
    };
    let mut res = render_status(
        status,
        &LoginPage::new(s, next, String::new(), Some(message)),
    )?;
    set_named_cookie(
        &mut res,
        STATE_COOKIE,
        "/auth/oidc",
        "",
        0,
        s.secure_cookies,
    );
    Ok(res)
}

#[derive(Template)]
#[template(path = "welcome.html")]
struct WelcomePage {
    secret: String,
    email: Option<String>,
    invite: bool,
    error: Option<String>,
}

/// A one-time link's form: whose password it sets (or why it no longer
/// works).
async fn welcome(State(s): State<AppState>, Path(secret): Path<String>) -> UiResult {
    let page = match s.app.password_link(&secret).await {
        Ok(link) => WelcomePage {
            invite: link.purpose == "invite",
            email: Some(link.email.to_string()),
            secret,
            error: None,
        },
        Err(e) => WelcomePage {
            secret: String::new(),
            email: None,
            invite: false,
            error: Some(e.to_string()),
        },
    };
    let status = if page.email.is_some() {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    render_status(status, &page)
}

#[derive(Debug, Deserialize)]
struct NewPassword {
    password: String,
}

/// Sets the password through the link and signs in.
async fn set_password(
    State(s): State<AppState>,
    Path(secret): Path<String>,
    headers: axum::http::HeaderMap,
    Form(f): Form<NewPassword>,
) -> UiResult {
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.method = axum::http::Method::POST;
    parts.headers = headers;
    crate::ui::same_origin(&parts)?;
    match s.app.use_password_link(&secret, &f.password).await {
        Ok(session) => {
            let mut res = Redirect::to("/").into_response();
            let ttl = baton_app::access::SESSION_TTL.as_secs();
            set_cookie(&mut res, &session.secret, ttl, s.secure_cookies);
            Ok(res)
        }
        Err(e) => {
            let message = e.to_string();
            let page = match s.app.password_link(&secret).await {
                Ok(link) => WelcomePage {
                    invite: link.purpose == "invite",
                    email: Some(link.email.to_string()),
                    secret,
                    error: Some(message),
                },
                Err(_) => WelcomePage {
                    secret: String::new(),
                    email: None,
                    invite: false,
                    error: Some(message),
                },
            };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
