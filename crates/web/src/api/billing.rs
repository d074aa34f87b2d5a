//! Billing systems' webhooks: Stripe posts its events here. No token: the
//! `Stripe-Signature` header is the credential. See `docs/billing.md`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use baton_app::billing::Received;
use baton_store::BillingRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};

/// The billing log's length: the latest events received.
const LOG_LENGTH: u32 = 200;

/// What became of a delivered event.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedBody {
    /// Stripe's event id.
    pub event_id: String,
    /// `applied` (the account changed), `ignored` (nothing to change:
    /// stale, unchanged, not a type Baton reads), `unmatched` (no account
    /// of the org) or `refused` (a rule refused it); kept in the billing
    /// log either way.
    pub outcome: String,
    /// Why, in words.
    pub detail: String,
    /// Whether this event had been delivered before (and so changed
    /// nothing now).
    pub duplicate: bool,
}

impl From<Received> for ReceivedBody {
    fn from(r: Received) -> Self {
        Self {
            event_id: r.event_id,
            outcome: r.outcome,
            detail: r.detail,
            duplicate: r.duplicate,
        }
    }
}

/// A Stripe webhook for an org: `customer.subscription.deleted` churns the
/// account, `customer.subscription.updated` and `invoice.paid` set its ARR;
/// each event is applied once, whatever the order it arrives in. The
/// signature is verified with the org's signing secret (set with `baton
/// billing stripe-secret`) as Stripe documents it.
#[utoipa::path(post, path = "/inbound/stripe/{org}", tag = "billing",
    params(
        ("org" = String, Path, description = "The org's id"),
        ("Stripe-Signature" = String, Header, description = "t=UNIX_SECONDS,v1=HEX_HMAC_SHA256[,v1=…]: HMAC-SHA256 of \"{t}.{body}\" with the endpoint's signing secret, at most five minutes old"),
    ),
    request_body(content = Object, description = "A Stripe event (id, type, created, data.object)", content_type = "application/json"),
    responses(
        (status = 200, description = "Verified and recorded; what became of it", body = ReceivedBody),
        (status = 401, description = "The signature does not verify (or the org has no Stripe secret)", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Verified, but not a Stripe event", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn stripe_webhook(
    State(s): State<AppState>,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<ReceivedBody>> {
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let received = s.app.stripe_webhook(&org, signature, &body).await?;
    Ok(Json(received.into()))
}

/// Stripe's webhook signing secret for the caller's org.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StripeSecretBody {
    /// The endpoint's signing secret from Stripe's dashboard.
    #[schema(min_length = 12, pattern = "^whsec_[^\\s]+$")]
    pub secret: String,
}

/// Set the org's Stripe webhook signing secret (admins). It is kept sealed
/// with `BATON_SECRET_KEY` and never shown again.
#[utoipa::path(put, path = "/billing/stripe/secret", tag = "billing", request_body = StripeSecretBody,
    responses(
        (status = 204, description = "Set"),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Not a signing secret (whsec_…), or the server has no BATON_SECRET_KEY to seal it with", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn set_stripe_secret(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<StripeSecretBody>,
) -> ApiResult<StatusCode> {
    s.app.set_stripe_secret(&caller, &b.secret).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One billing event received, with what became of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BillingEventBody {
    /// Where it came from: `stripe` or `csv`.
    pub source: String,
    /// Its id at the source.
    pub event_id: String,
    /// Its type.
    pub kind: String,
    /// When the source says it happened.
    pub created_at: String,
    /// The account it was matched to.
    pub account: Option<String>,
    /// `applied`, `ignored`, `unmatched` or `refused`.
    pub outcome: String,
    /// Why, in words.
    pub detail: String,
    /// When Baton received it.
    pub received_at: String,
}

impl From<BillingRecord> for BillingEventBody {
    fn from(r: BillingRecord) -> Self {
        Self {
            source: r.source,
            event_id: r.event_id,
            kind: r.kind,
            created_at: r.created_at.to_string(),
            account: r.account.map(|a| a.to_string()),
            outcome: r.outcome,
            detail: r.detail,
            received_at: r.received_at.to_string(),
        }
    }
}

/// The latest 200 billing events received (Stripe's and imported rows),
/// newest first, with what became of each (admins).
#[utoipa::path(get, path = "/billing/log", tag = "billing",
    responses(
        (status = 200, description = "The billing log", body = Vec<BillingEventBody>),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn billing_log(
    State(s): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<Vec<BillingEventBody>>> {
    let log = s.app.billing_log(&caller, LOG_LENGTH).await?;
    Ok(Json(log.into_iter().map(Into::into).collect()))
}
