//! Signals recorded against accounts: re-discovery incidents, NPS
//! responses and churn, live or with a past time. Each answers with the
//! account as it now stands.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use baton_app::accounts::Incident;
use baton_domain::{AccountId, FieldKey, HandoffId, Timestamp};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::accounts::{AccountBody, MoneyBody};
use crate::auth::Authed;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};

/// A customer was asked something a previous team already answered.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RediscoveryBody {
    /// The account.
    pub account: String,
    /// The handoff it counts against, if known.
    #[serde(default)]
    pub handoff: Option<String>,
    /// The field re-asked, if known.
    #[serde(default)]
    pub field: Option<String>,
    /// What happened.
    #[serde(default)]
    pub note: String,
    /// When (RFC 3339); now when left out.
    #[serde(default)]
    pub at: Option<String>,
}

/// An NPS response.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NpsBody {
    /// The account.
    pub account: String,
    /// 0–10.
    #[serde(deserialize_with = "crate::body::integral::exact")]
    pub score: u8,
    /// When (RFC 3339); now when left out.
    #[serde(default)]
    pub at: Option<String>,
}

/// A churn.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChurnBody {
    /// The account.
    pub account: String,
    /// When (RFC 3339); now when left out.
    #[serde(default)]
    pub at: Option<String>,
    /// ARR lost; the account's ARR when left out.
    #[serde(default)]
    pub arr_lost: Option<MoneyBody>,
}

fn account(raw: &str) -> Result<AccountId, ApiError> {
    AccountId::parse(raw).map_err(|e| ApiError::invalid_field("account", e.to_string()))
}

fn at(raw: Option<String>) -> Result<Option<Timestamp>, ApiError> {
    raw.map(|r| {
        r.parse().map_err(|e| {
            ApiError::invalid_field("at", format!("'{r}' is not an RFC 3339 time: {e}"))
        })
    })
    .transpose()
}

fn recorded(a: baton_domain::Account) -> (StatusCode, Json<AccountBody>) {
    (StatusCode::CREATED, Json(a.into()))
}

/// Record a re-discovery incident.
#[utoipa::path(post, path = "/signals/rediscovery", tag = "signals", request_body = RediscoveryBody,
    responses(
        (status = 201, description = "Recorded; the account", body = AccountBody),
        (status = 422, description = "Unknown account, handoff or field, or a bad value", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn rediscovery(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<RediscoveryBody>,
) -> ApiResult<(StatusCode, Json<AccountBody>)> {
    let incident = Incident {
        account: account(&b.account)?,
        handoff: b
            .handoff
            .as_deref()
            .map(HandoffId::parse)
            .transpose()
            .map_err(|e| ApiError::invalid_field("handoff", e.to_string()))?,
        field: b
            .field
            .as_deref()
            .map(FieldKey::parse)
            .transpose()
            .map_err(|e| ApiError::invalid_field("field", e.to_string()))?,
        note: b.note,
        at: at(b.at)?,
    };
    let a = s
        .app
        .record_rediscovery(&caller, incident)
        .await
        .map_err(|e| ApiError::from(e).in_body())?;
    Ok(recorded(a))
}

/// Record an NPS response (0–10).
#[utoipa::path(post, path = "/signals/nps", tag = "signals", request_body = NpsBody,
    responses(
        (status = 201, description = "Recorded; the account", body = AccountBody),
        (status = 422, description = "Unknown account or a bad score", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn nps(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<NpsBody>,
) -> ApiResult<(StatusCode, Json<AccountBody>)> {
    let a = s
        .app
        .record_nps(&caller, &account(&b.account)?, b.score, at(b.at)?)
        .await
        .map_err(|e| ApiError::from(e).in_body())?;
    Ok(recorded(a))
}

/// Record a churn.
#[utoipa::path(post, path = "/signals/churn", tag = "signals", request_body = ChurnBody,
    responses(
        (status = 201, description = "Recorded; the account", body = AccountBody),
        (status = 422, description = "Unknown account or a bad value", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn churn(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<ChurnBody>,
) -> ApiResult<(StatusCode, Json<AccountBody>)> {
    let arr_lost = b.arr_lost.map(|m| m.parse("arr_lost")).transpose()?;
    let a = s
        .app
        .record_churn(&caller, &account(&b.account)?, at(b.at)?, arr_lost)
        .await
        .map_err(|e| ApiError::from(e).in_body())?;
    Ok(recorded(a))
}
