//! The incentive tune (SPEC §6) as JSON.

use axum::Json;
use axum::extract::State;
use baton_domain::incentive::{DEFAULT_WEIGHT, Weight};
use baton_domain::period::Period;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::{period_param, to_json};
use crate::auth::Authed;
use crate::body::Params;
use crate::error::{ApiError, ApiResult};

/// Which period, with which weight.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IncentiveQuery {
    /// A month (`2026-10`) or ISO week (`2026-W44`). Default: this month.
    pub period: Option<String>,
    /// The weight of quality in comp, 0 to 0.10 (default 0.05).
    pub weight: Option<f64>,
}

/// Per sender: handoffs first decided in the period, mean first-submission
/// score, first-pass acceptance, the quality index (½ score + ½ first-pass)
/// and the comp multiplier `1 + weight × (2 × quality − 1)`.
#[utoipa::path(get, path = "/incentives", tag = "scorecard", params(IncentiveQuery),
    responses(
        (status = 200, description = "One line per sender", body = Object),
        (status = 422, description = "A weight outside 0–0.10 or a bad period", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Params(q): Params<IncentiveQuery>,
) -> ApiResult<Json<Value>> {
    let period = period_param("period", q.period.as_deref(), Period::month_of(s.app.now()))?;
    let weight = Weight::new(q.weight.unwrap_or(DEFAULT_WEIGHT))
        .map_err(|e| ApiError::invalid_field("weight", e.to_string()))?;
    let report = s.app.incentives(&caller, period, weight).await?;
    to_json(report)
}
