//! Signing in and out in the browser.

use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
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
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    email: String,
    error: Option<String>,
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

async fn form(Query(q): Query<Next>) -> UiResult {
    render(&LoginPage {
        next: safe_next(q.next.as_deref()),
        email: String::new(),
        error: None,
    })
}

#[derive(Debug, Deserialize)]
struct Credentials {
    email: String,
    password: String,
    next: Option<String>,
}

fn set_cookie(res: &mut Response, value: &str, max_age: i64, secure: bool) {
    let secure = if secure { "; Secure" } else { "" };
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
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
            render_status(
                status,
                &LoginPage {
                    next,
                    email: c.email,
                    error: Some(message),
                },
            )
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
