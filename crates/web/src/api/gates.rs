//! The gate check: is a contract's gate open for an account, and if not,
//! what is missing? For a CRM validation rule or a comp system.

use axum::Json;
use axum::extract::{Path, State};
use baton_domain::{AccountId, ContractKey};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};

/// Whether the gate is open.
#[derive(Debug, Serialize, ToSchema)]
pub struct GateBody {
    /// Open once the account has an accepted handoff of the contract.
    pub open: bool,
    /// While closed: the mandatory fields the handoff in flight still misses
    /// (every one when there is none).
    pub missing: Vec<String>,
    /// The accepted handoff when open; the one in flight when closed; null
    /// when there is none.
    pub handoff: Option<String>,
}

/// Whether the contract's gate is open for the account.
#[utoipa::path(get, path = "/gates/{contract}/{account}", tag = "gates",
    params(
        ("contract" = String, Path, description = "The contract's key, e.g. `ae-to-onboarding`"),
        ("account" = String, Path, description = "The account's id (the CRM's)"),
    ),
    responses(
        (status = 200, description = "The gate", body = GateBody),
        (status = 404, description = "No such contract or account in your org", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn check(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path((contract, account)): Path<(String, String)>,
) -> ApiResult<Json<GateBody>> {
    let key = ContractKey::parse(&contract)
        .map_err(|_| ApiError::not_found(format!("contract '{contract}'")))?;
    let id = AccountId::parse(&account)
        .map_err(|_| ApiError::not_found(format!("account '{account}'")))?;
    let g = s.app.gate(&caller, &key, &id).await?;
    Ok(Json(GateBody {
        open: g.open,
        missing: g.missing,
        handoff: g.handoff.map(|h| h.to_string()),
    }))
}
