//! The gate check: is a contract's gate open for an account (or one of its
//! deals, SPEC §11), and if not, what is missing? For a CRM validation rule
//! or a comp system.

use axum::Json;
use axum::extract::{Path, State};
use baton_app::gates::GateStatus;
use baton_domain::{AccountId, ContractKey, DealId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Authed;
use crate::body::Params;
use crate::error::{ApiError, ApiResult};

/// Whether the gate is open.
#[derive(Debug, Serialize, ToSchema)]
pub struct GateBody {
    /// Open once an accepted handoff of the contract stands for the account
    /// (for the deal, when `deal` was asked).
    pub open: bool,
    /// Where the handoff behind the answer stands: `none`, `draft`,
    /// `submitted`, `rejected`, `accepted` or `withdrawn`.
    pub state: String,
    /// While closed: the mandatory fields not counting on the latest
    /// handoff (while rejected, the fields the receiver named); every one
    /// when there is none.
    pub missing: Vec<String>,
    /// The accepted handoff when open; the latest one when closed; null
    /// when there is none.
    pub handoff: Option<String>,
    /// The deal asked about; null when the gate is the account's.
    pub deal: Option<String>,
}

impl From<GateStatus> for GateBody {
    fn from(g: GateStatus) -> Self {
        Self {
            open: g.open,
            state: g.state.as_str().into(),
            missing: g.missing,
            handoff: g.handoff.map(|h| h.to_string()),
            deal: g.deal.map(|d| d.to_string()),
        }
    }
}

/// Which deal's gate.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GateQuery {
    /// The CRM's deal id: the gate for that deal alone. Without it, the
    /// gate is open on any accepted handoff of the contract for the account.
    pub deal: Option<String>,
}

/// Whether the contract's gate is open for the account, or for one deal.
#[utoipa::path(get, path = "/gates/{contract}/{account}", tag = "gates",
    params(
        ("contract" = String, Path, description = "The contract's key, e.g. `ae-to-onboarding`"),
        ("account" = String, Path, description = "The account's id (the CRM's)"),
        GateQuery,
    ),
    responses(
        (status = 200, description = "The gate", body = GateBody),
        (status = 404, description = "No such contract or account in your org", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn check(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path((contract, account)): Path<(String, String)>,
    Params(q): Params<GateQuery>,
) -> ApiResult<Json<GateBody>> {
    let key = ContractKey::parse(&contract)
        .map_err(|_| ApiError::not_found(format!("contract '{contract}'")))?;
    let id = AccountId::parse(&account)
        .map_err(|_| ApiError::not_found(format!("account '{account}'")))?;
    let deal = q
        .deal
        .map(DealId::parse)
        .transpose()
        .map_err(baton_app::AppError::from)?;
    let g = s.app.gate(&caller, &key, &id, deal.as_ref()).await?;
    Ok(Json(g.into()))
}
