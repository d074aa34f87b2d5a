//! Accounts: the customer records handoffs are about, keyed by the CRM's
//! id. A CRM creates or updates them; anyone in the org reads them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_app::accounts::AccountInput;
use baton_app::handoffs::HandoffView;
use baton_domain::{Account, AccountId, Currency, Money};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::page_limit;
use crate::auth::Authed;
use crate::body::{Body, Params};
use crate::error::{ApiError, ApiResult};

/// An amount in integer minor units with its ISO currency.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyBody {
    /// Minor units, e.g. cents: `4800000` is 48,000.00.
    #[serde(deserialize_with = "crate::body::integral::exact")]
    pub minor: i64,
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
}

impl From<Money> for MoneyBody {
    fn from(m: Money) -> Self {
        Self {
            minor: m.minor,
            currency: m.currency.to_string(),
        }
    }
}

impl MoneyBody {
    /// The amount, or a problem naming `field`.
    pub fn parse(&self, field: &str) -> Result<Money, ApiError> {
        let currency = Currency::parse(&self.currency)
            .map_err(|e| ApiError::invalid_field(format!("{field}.currency"), e.to_string()))?;
        Ok(Money {
            minor: self.minor,
            currency,
        })
    }
}

/// An account to create or update.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountInputBody {
    /// The CRM's id, e.g. `A-1`.
    pub id: String,
    /// The customer's name.
    pub name: String,
    /// Annual recurring revenue.
    pub arr: MoneyBody,
    /// Free-form segment, e.g. `mid-market`.
    #[serde(default)]
    pub segment: Option<String>,
}

/// An account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountBody {
    /// The CRM's id.
    pub id: String,
    /// The customer's name.
    pub name: String,
    /// Annual recurring revenue.
    pub arr: MoneyBody,
    /// Segment.
    pub segment: Option<String>,
    /// `active` or `churned`.
    pub status: String,
    /// When it last churned.
    pub churned_at: Option<String>,
}

impl From<Account> for AccountBody {
    fn from(a: Account) -> Self {
        Self {
            id: a.id.to_string(),
            name: a.name,
            arr: a.arr.into(),
            segment: a.segment,
            status: a.status.as_str().to_string(),
            churned_at: a.churned_at.map(|t| t.to_string()),
        }
    }
}

/// A handoff of the account, in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffSummary {
    /// Its id.
    pub id: String,
    /// The contract.
    pub contract: String,
    /// The account.
    pub account: String,
    /// Its state.
    pub state: String,
    /// Completeness, 0–100.
    pub score: u8,
    /// Mandatory sender fields still missing.
    pub missing: Vec<String>,
    /// The receiving team.
    pub to_team: String,
    /// When it was started.
    pub created_at: String,
    /// When it was accepted.
    pub accepted_at: Option<String>,
}

impl From<HandoffView> for HandoffSummary {
    fn from(v: HandoffView) -> Self {
        let h = v.handoff;
        Self {
            id: h.id.to_string(),
            contract: h.contract.to_string(),
            account: h.account.to_string(),
            state: h.state.as_str().to_string(),
            score: h.score,
            missing: v.missing,
            to_team: h.to.to_string(),
            created_at: h.created_at.to_string(),
            accepted_at: h.accepted_at.map(|t| t.to_string()),
        }
    }
}

/// An account with its handoffs.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDetail {
    /// The account.
    #[serde(flatten)]
    pub account: AccountBody,
    /// Its handoffs (the first 200, in id order).
    pub handoffs: Vec<HandoffSummary>,
}

/// A page of accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountPage {
    /// The accounts, in id order.
    pub items: Vec<AccountBody>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Paging through accounts.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// From the page after this cursor.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[serde(default, deserialize_with = "crate::body::integral::option")]
    pub limit: Option<u32>,
}

/// Parses a path id; a malformed one cannot exist, so it is "not found".
fn account_id(raw: &str) -> Result<AccountId, ApiError> {
    AccountId::parse(raw).map_err(|_| ApiError::not_found(format!("account '{raw}'")))
}

/// The org's accounts, a page at a time.
#[utoipa::path(get, path = "/accounts", tag = "accounts", params(PageQuery),
    responses((status = 200, description = "A page", body = AccountPage)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Params(q): Params<PageQuery>,
) -> ApiResult<Json<AccountPage>> {
    let after = q
        .cursor
        .map(|c| AccountId::parse(c).map_err(|e| ApiError::invalid_field("cursor", e.to_string())))
        .transpose()?;
    let (page, next) = s.app.accounts(&caller, after, page_limit(q.limit)?).await?;
    Ok(Json(AccountPage {
        items: page.into_iter().map(Into::into).collect(),
        next_cursor: next.map(|id| id.to_string()),
    }))
}

/// Create or update an account (the CRM's id is the key).
#[utoipa::path(post, path = "/accounts", tag = "accounts", request_body = AccountInputBody,
    responses(
        (status = 201, description = "Recorded", body = AccountBody),
        (status = 422, description = "A bad value", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<AccountInputBody>,
) -> ApiResult<(StatusCode, Json<AccountBody>)> {
    let input = AccountInput {
        id: AccountId::parse(&b.id).map_err(|e| ApiError::invalid_field("id", e.to_string()))?,
        name: b.name,
        arr: b.arr.parse("arr")?,
        segment: b.segment,
    };
    let account = s.app.upsert_account(&caller, input).await?;
    Ok((StatusCode::CREATED, Json(account.into())))
}

/// One account with its handoffs.
#[utoipa::path(get, path = "/accounts/{id}", tag = "accounts",
    params(("id" = String, Path, description = "The account's id (the CRM's)")),
    responses((status = 200, description = "The account", body = AccountDetail), (status = 404, description = "No such account in your org")))]
pub async fn get(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<AccountDetail>> {
    let (account, handoffs) = s.app.account(&caller, &account_id(&id)?).await?;
    Ok(Json(AccountDetail {
        account: account.into(),
        handoffs: handoffs.into_iter().map(Into::into).collect(),
    }))
}
