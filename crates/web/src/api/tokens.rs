//! API tokens for machines: created by a signed-in person, shown once,
//! stored hashed, revocable.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_store::TokenRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::body::Body;
use crate::error::ApiResult;

/// A token to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// What it is for, e.g. "Salesforce flow".
    pub name: String,
    /// Read only: the token may only GET (e.g. for a gate check or a
    /// dashboard). Default false: it may also write, within its owner's rights.
    #[serde(default)]
    pub read_only: bool,
}

/// A token as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    /// Its id (for revoking).
    pub id: String,
    /// Whose it is.
    pub email: String,
    /// What it is for.
    pub name: String,
    /// When it was made.
    pub created_at: String,
    /// Reads only.
    pub read_only: bool,
    /// When it was last used (to within ten minutes), if ever.
    pub last_used_at: Option<String>,
    /// The secret: only in the answer that creates it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

fn info(t: TokenRecord, token: Option<String>) -> TokenInfo {
    TokenInfo {
        id: t.id,
        email: t.email.to_string(),
        name: t.name,
        created_at: t.created_at.to_string(),
        read_only: t.read_only,
        last_used_at: t.last_used_at.map(|t| t.to_string()),
        token,
    }
}

/// Make a bearer token for the caller; the secret is shown once.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, description = "Made; `token` is the secret, shown only now", body = TokenInfo)))]
pub async fn create(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(new): Body<NewToken>,
) -> ApiResult<(StatusCode, Json<TokenInfo>)> {
    let (t, secret) = s
        .app
        .create_scoped_token(&caller, &new.name, new.read_only)
        .await?;
    Ok((StatusCode::CREATED, Json(info(t, Some(secret)))))
}

/// The caller's tokens (an admin sees all of the org's); never the secrets.
#[utoipa::path(get, path = "/tokens", tag = "tokens",
    responses((status = 200, description = "Tokens", body = Vec<TokenInfo>)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<Vec<TokenInfo>>> {
    let tokens = s.app.tokens(&caller).await?;
    Ok(Json(tokens.into_iter().map(|t| info(t, None)).collect()))
}

/// Revoke a token (one's own, or any as admin).
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens",
    params(("id" = String, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No such token of yours")))]
pub async fn revoke(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.revoke_token(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
