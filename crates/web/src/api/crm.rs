//! Inbound CRM changes (an admin's integration token): a deal, opportunity
//! or account reaching a stage starts the draft the org's rules map it to;
//! a call, email or meeting logged on the lead records its first touch.
//! See `docs/crm.md` for the payload and how to point a CRM at it.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use baton_app::accounts::AccountInput;
use baton_app::crm::{
    ActivityOutcome, CrmActivity, CrmChange, CrmOutcome, CrmRule, CrmRules, Sender,
};
use baton_domain::{AccountId, ContractKey, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::accounts::AccountInputBody;
use crate::api::handoffs::HandoffBody;
use crate::auth::Authed;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};

/// A change in the CRM.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrmChangeBody {
    /// `deal`, `opportunity` or `account`.
    pub object: String,
    /// The CRM's id of the object, e.g. `006Qy00000AbCdE`.
    pub id: String,
    /// The account it belongs to; created or updated first.
    pub account: AccountInputBody,
    /// The stage it reached, e.g. `Closed Won` (compared ignoring case and
    /// punctuation).
    pub stage: String,
    /// The stage it left; a change that stays at its stage is ignored.
    #[serde(default)]
    pub previous_stage: Option<String>,
    /// The record owner's email: the draft's sender when the rule says `owner`.
    pub owner: String,
    /// When it changed in the CRM (RFC 3339; informational).
    #[serde(default)]
    pub at: Option<String>,
    /// Sender field values to prefill the draft with.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub values: BTreeMap<String, Value>,
}

/// A sales activity logged in the CRM on a lead, deal or account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrmActivityBody {
    /// The account the record belongs to, e.g. `A-1`.
    pub account: String,
    /// `call`, `email` or `meeting`.
    #[schema(example = "call")]
    pub kind: String,
    /// Who logged it (the person who reached out), by email.
    pub owner: String,
    /// The activity's subject; kept as the first touch's note.
    #[serde(default)]
    pub subject: Option<String>,
}

/// A change no rule maps.
#[derive(Debug, Serialize, ToSchema)]
pub struct IgnoredBody {
    /// Why nothing was done.
    pub ignored: String,
}

/// One mapping rule.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrmRuleBody {
    /// `deal`, `opportunity` or `account`.
    pub object: String,
    /// The stage, e.g. `Closed Won`.
    pub stage: String,
    /// The contract whose draft it starts, e.g. `ae-to-onboarding`.
    pub contract: String,
    /// `owner` (the record's owner, the default) or a fixed sender's email.
    #[serde(default = "owner")]
    pub sender: String,
}

fn owner() -> String {
    "owner".into()
}

/// The org's rules.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrmRulesBody {
    /// In order; the first that matches a change applies.
    pub rules: Vec<CrmRuleBody>,
    /// True when the org has set none and the built-in defaults apply
    /// (ignored on PUT).
    #[serde(default)]
    pub defaults: bool,
}

impl From<CrmRules> for CrmRulesBody {
    fn from(r: CrmRules) -> Self {
        Self {
            rules: r
                .rules
                .into_iter()
                .map(|r| CrmRuleBody {
                    object: r.object,
                    stage: r.stage,
                    contract: r.contract.to_string(),
                    sender: r.sender.as_text(),
                })
                .collect(),
            defaults: r.defaults,
        }
    }
}

/// Apply a CRM change: upsert its account and start the mapped draft.
#[utoipa::path(post, path = "/inbound/crm", tag = "crm", request_body = CrmChangeBody,
    responses(
        (status = 201, description = "A draft was started", body = HandoffBody),
        (status = 200, description = "This change was delivered before: its draft", body = HandoffBody),
        (status = 202, description = "No rule maps the change", body = IgnoredBody),
        (status = 403, description = "Not an admin's token, or a read-only one", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "A bad or missing value, named", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn inbound(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<CrmChangeBody>,
) -> ApiResult<Response> {
    let account = AccountInput {
        id: AccountId::parse(&b.account.id)
            .map_err(|e| ApiError::invalid_field("account.id", e.to_string()))?,
        name: b.account.name,
        arr: b.account.arr.parse("account.arr")?,
        segment: b.account.segment,
    };
    let at =
        b.at.map(|t| {
            t.parse::<Timestamp>()
                .map_err(|e| ApiError::invalid_field("at", e.to_string()))
        })
        .transpose()?;
    let change = CrmChange {
        object: b.object,
        id: b.id,
        account,
        stage: b.stage,
        previous_stage: b.previous_stage,
        owner: b.owner,
        at,
        values: b.values,
    };
    Ok(match s.app.crm_inbound(&caller, change).await? {
        CrmOutcome::Created(h) => (StatusCode::CREATED, Json(HandoffBody::from(h))).into_response(),
        CrmOutcome::Existing(h) => (StatusCode::OK, Json(HandoffBody::from(h))).into_response(),
        CrmOutcome::Ignored(why) => {
            (StatusCode::ACCEPTED, Json(IgnoredBody { ignored: why })).into_response()
        }
    })
}

/// Apply a CRM activity: a call, email or meeting logged by a receiver is
/// the first touch of the account's accepted handoff that waits for one
/// from them (mql-to-sdr's first-touch SLA).
#[utoipa::path(post, path = "/inbound/crm/activity", tag = "crm", request_body = CrmActivityBody,
    responses(
        (status = 200, description = "The first touch was recorded: the handoff", body = HandoffBody),
        (status = 202, description = "No handoff waits for a first touch from this person (or it was recorded before)", body = IgnoredBody),
        (status = 403, description = "Not an admin's token, or a read-only one", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "A bad or missing value, named", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn activity(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<CrmActivityBody>,
) -> ApiResult<Response> {
    let activity = CrmActivity {
        account: AccountId::parse(&b.account)
            .map_err(|e| ApiError::invalid_field("account", e.to_string()))?,
        kind: b.kind,
        owner: b.owner,
        subject: b.subject,
    };
    Ok(match s.app.crm_activity(&caller, activity).await? {
        ActivityOutcome::Recorded(h) => {
            (StatusCode::OK, Json(HandoffBody::from(*h))).into_response()
        }
        ActivityOutcome::Ignored(why) => {
            (StatusCode::ACCEPTED, Json(IgnoredBody { ignored: why })).into_response()
        }
    })
}

/// The org's CRM mapping rules (admins).
#[utoipa::path(get, path = "/inbound/crm/rules", tag = "crm",
    responses(
        (status = 200, description = "The rules", body = CrmRulesBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn rules(
    State(s): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<CrmRulesBody>> {
    Ok(Json(s.app.crm_rules(&caller).await?.into()))
}

/// Replace the org's CRM mapping rules (admins); `[]` restores the defaults.
#[utoipa::path(put, path = "/inbound/crm/rules", tag = "crm", request_body = CrmRulesBody,
    responses(
        (status = 200, description = "The rules now", body = CrmRulesBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "A bad rule, named by its index", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn set_rules(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<CrmRulesBody>,
) -> ApiResult<Json<CrmRulesBody>> {
    let rules = b
        .rules
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            Ok(CrmRule {
                object: r.object,
                stage: r.stage,
                contract: ContractKey::parse(&r.contract).map_err(|e| {
                    ApiError::invalid_field(format!("rules[{i}].contract"), e.to_string())
                })?,
                sender: Sender::parse(&r.sender).map_err(|e| {
                    ApiError::invalid_field(format!("rules[{i}].sender"), e.to_string())
                })?,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Json(s.app.set_crm_rules(&caller, rules).await?.into()))
}
