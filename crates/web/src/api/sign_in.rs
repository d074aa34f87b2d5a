//! How the org's people sign in: password sign-in on or off, and who single
//! sign-on may add (SPEC §12).

use axum::Json;
use axum::extract::State;
use baton_domain::{SignIn, TeamKey};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};

/// The org's sign-in settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInBody {
    /// Whether people may sign in with a password.
    pub password: bool,
    /// The team people signing in with SSO for the first time join; null:
    /// only people already in the org may sign in.
    pub sso_team: Option<String>,
    /// The email domains whose new people may join that way.
    pub sso_domains: Vec<String>,
    /// Whether this Baton offers single sign-on at all (its
    /// `BATON_OIDC_ISSUER`).
    pub sso_configured: bool,
}

/// New sign-in settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInInput {
    /// Whether people may sign in with a password (false needs SSO).
    pub password: bool,
    /// The team new SSO people join (a team key), or null for none.
    #[serde(default)]
    pub sso_team: Option<String>,
    /// The email domains whose new people may join (e.g. `example.com`).
    #[serde(default)]
    pub sso_domains: Vec<String>,
}

fn body(s: &AppState, v: SignIn) -> SignInBody {
    SignInBody {
        password: v.password,
        sso_team: v.sso_team.map(|t| t.to_string()),
        sso_domains: v.sso_domains,
        sso_configured: s.app.sso_enabled(),
    }
}

/// The org's sign-in settings.
#[utoipa::path(get, path = "/org/sign-in", tag = "org",
    responses((status = 200, description = "How people sign in", body = SignInBody)))]
pub async fn get(State(s): State<AppState>, Authed(caller): Authed) -> ApiResult<Json<SignInBody>> {
    let v = s.app.sign_in_settings(&caller).await?;
    Ok(Json(body(&s, v)))
}

/// Set how the org's people sign in (admins); an event.
#[utoipa::path(put, path = "/org/sign-in", tag = "org", request_body = SignInInput,
    responses(
        (status = 200, description = "Saved", body = SignInBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "An unknown team, a bad domain, or passwords off without SSO", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn put(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<SignInInput>,
) -> ApiResult<Json<SignInBody>> {
    let sso_team = b
        .sso_team
        .as_deref()
        .map(TeamKey::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_field("sso_team", e.to_string()))?;
    let v = s
        .app
        .set_sign_in(
            &caller,
            SignIn {
                password: b.password,
                sso_team,
                sso_domains: b.sso_domains,
            },
        )
        .await?;
    Ok(Json(body(&s, v)))
}
