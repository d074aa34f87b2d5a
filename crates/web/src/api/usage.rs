//! Product usage per account per day: what the customer's product sends
//! (`POST /signals/usage`) and what an account's usage adds up to
//! (`GET /accounts/{id}/usage`). See docs/usage.md.

use axum::Json;
use axum::extract::{Path, State};
use baton_app::AppError;
use baton_app::usage::{AccountUsage, SentDay, UsageRecorded};
use baton_domain::AccountId;
use baton_domain::usage::Adoption;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::auth::Authed;
use crate::body::{Body, Params};
use crate::error::{ApiError, ApiResult, Problem};

/// One account's usage on one day.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageDayBody {
    /// The account's id.
    pub account: String,
    /// The day, `YYYY-MM-DD`: not one that has not begun anywhere yet.
    #[schema(example = "2026-11-02")]
    pub day: String,
    /// People who used the product that day.
    #[serde(deserialize_with = "crate::body::integral::exact")]
    pub active_users: u32,
    /// Seats paid for that day, when the product knows.
    #[serde(default, deserialize_with = "crate::body::integral::option")]
    pub seats: Option<u32>,
    /// The key features used that day (at most 100, each up to 64
    /// characters).
    #[serde(default)]
    pub features: Vec<String>,
}

/// Days of usage, any accounts, any order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageBody {
    /// The days (at most 50,000). A day sent again replaces the one
    /// before; each account's day may appear once per request.
    pub days: Vec<UsageDayBody>,
}

/// What recording usage did.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageRecordedBody {
    /// Days received.
    pub days: usize,
    /// Days not known before.
    pub added: usize,
    /// Days known before with other figures, now replaced.
    pub updated: usize,
    /// Days known before with the same figures.
    pub unchanged: usize,
}

impl From<UsageRecorded> for UsageRecordedBody {
    fn from(r: UsageRecorded) -> Self {
        Self {
            days: r.days,
            added: r.written.added,
            updated: r.written.updated,
            unchanged: r.written.unchanged,
        }
    }
}

/// Record product usage per account per day. Every day is checked first;
/// if any is bad, each is named by its place (`days[3]`) and nothing is
/// recorded.
#[utoipa::path(post, path = "/signals/usage", tag = "signals", request_body = UsageBody,
    responses(
        (status = 200, description = "Recorded", body = UsageRecordedBody),
        (status = 422, description = "A bad day (unknown account, a day not begun, impossible figures, a day twice); nothing recorded", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn record(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<UsageBody>,
) -> ApiResult<Json<UsageRecordedBody>> {
    let sent = b
        .days
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            (
                i as u64,
                SentDay {
                    account: d.account,
                    day: d.day,
                    active_users: d.active_users,
                    seats: d.seats,
                    features: d.features,
                },
            )
        })
        .collect();
    match s.app.record_usage(&caller, sent).await {
        Ok(r) => Ok(Json(r.into())),
        Err(AppError::Import(rows)) => {
            let mut e = ApiError::new(
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-input",
                "Invalid input",
                format!("{} bad day(s); nothing was recorded", rows.len()),
            );
            e.errors = rows
                .into_iter()
                .map(|(i, message)| Problem {
                    field: Some(format!("days[{i}]")),
                    line: None,
                    message,
                })
                .collect();
            Err(e)
        }
        Err(e) => Err(e.into()),
    }
}

/// Which days.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WindowQuery {
    /// First day, `YYYY-MM-DD` (default: 89 days before `to`).
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (default: today).
    pub to: Option<String>,
}

/// One week of the adoption curve.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekBody {
    /// Its Monday.
    pub start: String,
    /// The most active users on one day of it.
    pub peak_users: u32,
}

/// One feature over the window.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeatureBody {
    /// The feature.
    pub name: String,
    /// First day used.
    pub first: String,
    /// Last day used.
    pub last: String,
    /// Days used.
    pub days: usize,
    /// Used within 14 days of the window's end (else dropped).
    pub kept: bool,
}

/// An account's usage over a window.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountUsageBody {
    /// The account.
    pub account: String,
    /// First day of the window.
    pub from: String,
    /// Last day of the window.
    pub to: String,
    /// The days reported, oldest first.
    pub days: Vec<UsageDayBody>,
    /// The weekly curve (weeks with a report).
    pub weeks: Vec<WeekBody>,
    /// Seats on the latest day that said.
    pub seats: Option<u32>,
    /// The features, most used first.
    pub features: Vec<FeatureBody>,
    /// The adoption curve in words, as the onboarding-to-cs form offers it
    /// (absent without usage).
    pub summary: Option<String>,
}

fn body_of(account: &AccountId, u: AccountUsage) -> AccountUsageBody {
    let AccountUsage { days, adoption } = u;
    let Adoption {
        from,
        to,
        ref weeks,
        seats,
        ref features,
        ..
    } = adoption;
    AccountUsageBody {
        account: account.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        summary: adoption.text(),
        days: days
            .into_iter()
            .map(|d| UsageDayBody {
                account: d.account.to_string(),
                day: d.day.to_string(),
                active_users: d.active_users,
                seats: d.seats,
                features: d.features.into_iter().collect(),
            })
            .collect(),
        weeks: weeks
            .iter()
            .map(|w| WeekBody {
                start: w.start.to_string(),
                peak_users: w.peak_users,
            })
            .collect(),
        seats,
        features: features
            .iter()
            .map(|f| FeatureBody {
                name: f.name.clone(),
                first: f.first.to_string(),
                last: f.last.to_string(),
                days: f.days,
                kept: f.kept,
            })
            .collect(),
    }
}

fn day(name: &str, raw: &str) -> Result<Date, ApiError> {
    raw.parse().map_err(|_| {
        ApiError::invalid_field(
            name,
            format!("'{raw}' is not a day: write it as YYYY-MM-DD"),
        )
    })
}

/// An account's product usage and its adoption curve.
#[utoipa::path(get, path = "/accounts/{id}/usage", tag = "accounts",
    params(("id" = String, Path, description = "The account's id (the CRM's)"), WindowQuery),
    responses(
        (status = 200, description = "The usage", body = AccountUsageBody),
        (status = 404, description = "No such account in your org"),
        (status = 422, description = "A bad day", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    Params(q): Params<WindowQuery>,
) -> ApiResult<Json<AccountUsageBody>> {
    let account =
        AccountId::parse(&id).map_err(|e| ApiError::invalid_field("id", e.to_string()))?;
    let from = q.from.map(|f| day("from", &f)).transpose()?;
    let to = q.to.map(|t| day("to", &t)).transpose()?;
    let u = s.app.account_usage(&caller, &account, from, to).await?;
    Ok(Json(body_of(&account, u)))
}
