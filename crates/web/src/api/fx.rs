//! The org's reporting currency and exchange rates: any member reads them,
//! admins set them. The leak audit converts into the reporting currency with
//! these rates and names every currency it could not convert.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use baton_app::fx::{FxSettings, NewRate};
use baton_domain::{Currency, Rate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};

/// The reporting currency to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CurrencyBody {
    /// An ISO 4217 code, e.g. `EUR`.
    #[schema(pattern = "^[A-Z]{3}$", example = "EUR")]
    pub currency: String,
}

/// An exchange rate to set: from `effective` on, one unit of `currency` is
/// worth `rate` units of the reporting currency.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RateBody {
    /// The currency converted (ISO 4217), not the reporting currency.
    #[schema(pattern = "^[A-Z]{3}$", example = "USD")]
    pub currency: String,
    /// Units of the reporting currency per unit of `currency`, as an exact
    /// decimal string above 0 with at most 12 decimals (a string, so no
    /// float rounds it).
    #[schema(pattern = "^[0-9]+(\\.[0-9]{1,12})?$", example = "0.92")]
    pub rate: String,
    /// The first day (UTC) it applies to, `YYYY-MM-DD`.
    #[schema(format = Date, example = "2026-01-01")]
    pub effective: String,
}

/// The reporting currency and why it is that one.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportingBody {
    /// ISO 4217 code.
    pub currency: String,
    /// `set` (by an admin), `most_common_account_currency` (none set) or
    /// `fallback` (none set, no accounts: USD).
    pub source: String,
}

/// One rate as set.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateLine {
    /// The currency converted.
    pub currency: String,
    /// The currency it converts into.
    pub to: String,
    /// The first day it applies to.
    #[schema(format = Date)]
    pub effective: String,
    /// Units of `to` per unit of `currency`, exact decimal.
    pub rate: String,
}

/// The org's currency settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct FxBody {
    /// The reporting currency.
    pub reporting: ReportingBody,
    /// Every rate set, by currency, target and date; only rates into the
    /// reporting currency apply.
    pub rates: Vec<RateLine>,
    /// Which rate applies to an amount, in words.
    pub rule: String,
}

impl From<FxSettings> for FxBody {
    fn from(s: FxSettings) -> Self {
        let source = serde_json::to_value(s.reporting.source)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        Self {
            reporting: ReportingBody {
                currency: s.reporting.currency.to_string(),
                source,
            },
            rates: s
                .rates
                .into_iter()
                .map(|r| RateLine {
                    currency: r.currency.to_string(),
                    to: r.to.to_string(),
                    effective: r.effective.to_string(),
                    rate: r.rate.to_string(),
                })
                .collect(),
            rule: s.rule.to_string(),
        }
    }
}

fn currency(field: &str, raw: &str) -> Result<Currency, ApiError> {
    Currency::parse(raw).map_err(|e| ApiError::invalid_field(field, e.to_string()))
}

/// The org's reporting currency and exchange rates.
#[utoipa::path(get, path = "/fx-rates", tag = "org",
    responses((status = 200, description = "The reporting currency and every rate", body = FxBody)))]
pub async fn list(State(s): State<AppState>, Authed(caller): Authed) -> ApiResult<Json<FxBody>> {
    Ok(Json(s.app.fx_settings(&caller).await?.into()))
}

/// Set the currency the org's money is reported in (admins). Setting the
/// one already set changes nothing.
#[utoipa::path(put, path = "/org/currency", tag = "org", request_body = CurrencyBody,
    responses(
        (status = 200, description = "The settings after the change", body = FxBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Not an ISO 4217 code", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn set_currency(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<CurrencyBody>,
) -> ApiResult<Json<FxBody>> {
    let c = currency("currency", &b.currency)?;
    Ok(Json(s.app.set_reporting_currency(&caller, c).await?.into()))
}

/// Set an exchange rate into the reporting currency (admins), effective
/// from a date on; a second rate for the same currency and date replaces
/// the first. Refused (422) before a reporting currency is set, and for the
/// reporting currency itself.
#[utoipa::path(post, path = "/fx-rates", tag = "org", request_body = RateBody,
    responses(
        (status = 201, description = "The settings with the new rate", body = FxBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "A bad currency, rate or date, the reporting currency itself, or no reporting currency set yet", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn add(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<RateBody>,
) -> ApiResult<(StatusCode, Json<FxBody>)> {
    let new = NewRate {
        currency: currency("currency", &b.currency)?,
        rate: Rate::parse(&b.rate).map_err(|e| ApiError::invalid_field("rate", e.to_string()))?,
        effective: b.effective.parse().map_err(|e| {
            ApiError::invalid_field(
                "effective",
                format!("'{}' is not a date like 2026-01-01: {e}", b.effective),
            )
        })?,
    };
    let settings = s.app.set_fx_rate(&caller, new).await?;
    Ok((StatusCode::CREATED, Json(settings.into())))
}
