//! The rollout plan (SPEC §6): phases and dates per contract, the suggested
//! order from the leak audit, and the "don't launch in parallel" rule.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use baton_app::rollout::RolloutMove;
use baton_domain::ContractKey;
use baton_domain::rollout::Phase;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::to_json as json;
use crate::auth::Authed;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};

/// A move of one contract in the plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveBody {
    /// The contract's key.
    pub contract: String,
    /// `leak_audit`, `field_spec`, `gating`, `scorecard_live`, `expand` or `incentive_tune`.
    pub phase: String,
    /// Planned start date (YYYY-MM-DD) per phase name.
    #[serde(default)]
    pub planned: BTreeMap<String, String>,
    /// Why an admin launches this contract into gating in parallel with
    /// another (required to override the sequencing rule; recorded).
    #[serde(default)]
    pub override_reason: Option<String>,
}

/// The plan: each contract's phase, since when, planned dates, what blocks
/// it from gating now, and the order the leak audit suggests.
#[utoipa::path(get, path = "/rollout", tag = "rollout",
    responses((status = 200, description = "The plan", body = Object)))]
pub async fn get(State(s): State<AppState>, Authed(caller): Authed) -> ApiResult<Json<Value>> {
    json(s.app.rollout(&caller).await?)
}

/// Move a contract to a phase (an admin or a lead of its receiving team).
/// Entering gating beside another contract in gating, or within two weeks
/// of one going scorecard-live, is refused (422) unless an admin gives an
/// `override_reason`, which is recorded as an event.
#[utoipa::path(put, path = "/rollout", tag = "rollout", request_body = MoveBody,
    responses(
        (status = 200, description = "The plan after the move", body = Object),
        (status = 422, description = "The sequencing rule, a blank reason, or a bad phase or date", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn put(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<MoveBody>,
) -> ApiResult<Json<Value>> {
    let field =
        |what: &str, e: baton_domain::DomainError| ApiError::invalid_field(what, e.to_string());
    let mut planned = BTreeMap::new();
    for (phase, date) in &b.planned {
        let p = Phase::parse(phase).map_err(|e| field(&format!("planned.{phase}"), e))?;
        let d = date.parse().map_err(|e| {
            ApiError::invalid_field(
                format!("planned.{phase}"),
                format!("'{date}' is not a date like 2026-12-01: {e}"),
            )
        })?;
        planned.insert(p, d);
    }
    let m = RolloutMove {
        contract: ContractKey::parse(&b.contract).map_err(|e| field("contract", e))?,
        phase: Phase::parse(&b.phase).map_err(|e| field("phase", e))?,
        planned,
        override_reason: b.override_reason,
    };
    let plan = s
        .app
        .move_rollout(&caller, m)
        .await
        .map_err(|e| ApiError::from(e).in_body())?;
    json(plan)
}
