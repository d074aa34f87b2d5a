//! Signing in and out of the browser session.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie};
use crate::body::Body;
use crate::error::{ApiError, ApiResult};

/// Email and password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The user's email.
    pub email: String,
    /// Their password.
    pub password: String,
}

/// Who is signed in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// The org.
    pub org: String,
    /// The user.
    pub email: String,
    /// When the session ends (RFC 3339).
    pub expires_at: String,
}

fn session_cookie(value: &str, max_age: i64, secure: bool) -> Result<HeaderValue, ApiError> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .map_err(|e| ApiError::internal("unrepresentable session cookie", e))
}

/// Sign in: sets the session cookie.
#[utoipa::path(post, path = "/session", tag = "session", security(()), request_body = Login,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = SessionInfo),
        (status = 401, description = "Wrong email or password", body = ApiError, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn login(State(s): State<AppState>, Body(l): Body<Login>) -> ApiResult<Response> {
    let session = s.app.login(&l.email, &l.password).await?;
    let ttl = baton_app::access::SESSION_TTL.as_secs();
    let mut res = axum::Json(SessionInfo {
        org: session.caller.org.to_string(),
        email: session.caller.email.to_string(),
        expires_at: session.expires_at.to_string(),
    })
    .into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&session.secret, ttl, s.secure_cookies)?,
    );
    Ok(res)
}

/// Sign out: ends the session and clears the cookie.
#[utoipa::path(delete, path = "/session", tag = "session", security(()),
    responses((status = 204, description = "Signed out")))]
pub async fn logout(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.headers = headers;
    if let Some(secret) = cookie(&parts, SESSION_COOKIE) {
        s.app.logout(secret).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0, s.secure_cookies)?);
    Ok(res)
}
