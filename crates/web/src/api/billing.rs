//! Billing systems' webhooks: Stripe posts its events here. No token: the
//! `Stripe-Signature` header is the credential. See `docs/billing.md`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use baton_app::billing::Received;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

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
