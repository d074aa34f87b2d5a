//! The scorecard (SPEC §5) and the leak audit (SPEC §6) as JSON.

use axum::Json;
use axum::extract::State;
use baton_domain::ContractKey;
use baton_domain::period::Period;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use crate::AppState;
use crate::api::{period_param as period, to_json};
use crate::auth::Authed;
use crate::body::Params;
use crate::error::{ApiError, ApiResult};

/// Which scorecard.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScorecardQuery {
    /// One contract (default: every contract).
    pub contract: Option<String>,
    /// A month (`2026-10`) or ISO week (`2026-W44`), UTC. Default: this month.
    pub period: Option<String>,
    /// Periods of trend ending at `period` (1–60, default 1: no trend).
    #[serde(default, deserialize_with = "crate::body::integral::option")]
    pub periods: Option<usize>,
}

/// Which range of months.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First month (default: five months before `to`).
    pub from: Option<String>,
    /// Last month (default: this month).
    pub to: Option<String>,
}

/// The six metrics per contract for a period: each with `value` (`null`
/// when no data), `num`/`den` or `n`/`before_n`/`after_n`, `target`,
/// `status` (`met`, `missed`, `no_data`, `measured`), and a `trend` when
/// `periods` > 1. With `contract`: `{"contract","period","metrics"}`;
/// without: `{"period","contracts":[…]}`.
#[utoipa::path(get, path = "/scorecard", tag = "scorecard", params(ScorecardQuery),
    responses((status = 200, description = "The scorecard", body = Object)))]
pub async fn scorecard(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Params(q): Params<ScorecardQuery>,
) -> ApiResult<Json<Value>> {
    let p = period("period", q.period.as_deref(), Period::month_of(s.app.now()))?;
    let contract = q
        .contract
        .as_deref()
        .map(ContractKey::parse)
        .transpose()
        .map_err(|e| ApiError::invalid_field("contract", e.to_string()))?;
    let cards = s
        .app
        .scorecard(&caller, contract.as_ref(), p, q.periods.unwrap_or(1))
        .await
        .map_err(|e| ApiError::from(e).in_body())?;
    match (contract, cards.as_slice()) {
        (Some(_), [one]) => to_json(one),
        _ => to_json(json!({"period": p, "contracts": cards})),
    }
}

/// Every contract with completion, acceptance, re-discovery, ARR leaked and
/// ARR at risk over a range of months, ranked by ARR leaked then at risk;
/// `fix_first` names the top one. Money is in the org's reporting
/// `currency` and never added across currencies: each `arr_leaked` /
/// `arr_at_risk` has `minor` and `currency` (what converted), `rates_used`
/// (currency, rate, effective date, amount, converted), `unconverted` (per
/// currency, no rate) and `complete`; the audit lists `rates_used`,
/// `missing_rates`, `complete` and `as_of` (the day ARR at risk converts at;
/// leaked ARR converts at its churn's date).
#[utoipa::path(get, path = "/leak-audit", tag = "scorecard", params(RangeQuery),
    responses((status = 200, description = "The ranked audit", body = Object)))]
pub async fn leak_audit(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Params(q): Params<RangeQuery>,
) -> ApiResult<Json<Value>> {
    let to = period("to", q.to.as_deref(), Period::month_of(s.app.now()))?;
    let default_from = to
        .trailing(6)
        .ok()
        .and_then(|t| t.first().copied())
        .unwrap_or(to);
    let from = period("from", q.from.as_deref(), default_from)?;
    let audit = s.app.leak_audit(&caller, from, to).await?;
    to_json(audit)
}
