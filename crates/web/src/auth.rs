//! Who is calling: a bearer token (machines) or the session cookie (the
//! browser), resolved in one place into a [`Caller`]. Handlers that take an
//! [`Authed`] cannot run anonymously; what each caller may do is decided by
//! the domain, so roles are enforced once, not per handler.
//!
//! A read-only bearer token may only read (GET). Cookie-authenticated
//! writes must come from our own origin: the cookie is
//! `SameSite=Lax`, and unsafe methods with a cross-site `Origin` or
//! `Sec-Fetch-Site` are refused (CSRF). Bearer tokens are not sent by
//! browsers on their own, so they need no such check.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use baton_app::Caller;

use crate::AppState;
use crate::error::ApiError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "baton_session";

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Authed(pub Caller);

/// The value of a cookie in the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the browser says a request came from another site
/// (`Sec-Fetch-Site`, or an `Origin` that is not this host).
pub fn cross_site(parts: &Parts) -> bool {
    let header = |h: &str| parts.headers.get(h).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    if let (Some(origin), Some(host)) = (header("origin"), header("host")) {
        let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
        return origin_host != host;
    }
    false
}

/// Refuses a cookie-authenticated unsafe request that a browser marks as
/// cross-site.
fn same_origin(parts: &Parts) -> Result<(), ApiError> {
    if !is_safe(&parts.method) && cross_site(parts) {
        return Err(cross_site_refused());
    }
    Ok(())
}

fn cross_site_refused() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "cross-site",
        "Cross-site request refused",
        "a cookie-authenticated write must come from Baton's own pages",
    )
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(token) = bearer(parts) {
            return match state.app.token_caller(token).await? {
                Some((_, true)) if !is_safe(&parts.method) => Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "read-only-token",
                    "Read-only token",
                    "this token may only read; make a token without read_only to write",
                )),
                Some((caller, _)) => Ok(Self(caller)),
                None => Err(ApiError::unauthenticated(
                    "the bearer token is unknown or revoked",
                )),
            };
        }
        if let Some(secret) = cookie(parts, SESSION_COOKIE) {
            return match state.app.session_caller(secret).await? {
                Some(caller) => {
                    same_origin(parts)?;
                    Ok(Self(caller))
                }
                None => Err(ApiError::unauthenticated(
                    "the session has expired or ended; sign in again",
                )),
            };
        }
        Err(ApiError::unauthenticated(
            "sign in (POST /api/v1/session) or send Authorization: Bearer TOKEN",
        ))
    }
}
