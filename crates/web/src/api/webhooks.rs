//! Webhook subscriptions (admins): which URL receives which event kinds,
//! signed with a secret that is never shown back; each subscription's
//! delivery log and manual redelivery.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_app::webhooks::NewWebhook;
use baton_store::{DeliveryRecord, DeliveryStatus, WebhookRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::page_limit;
use crate::auth::Authed;
use crate::body::{Body, Params};
use crate::error::{ApiError, ApiResult};

/// A subscription to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    /// Where deliveries go: an http(s) URL.
    pub url: String,
    /// Event kinds (`submitted`, `accepted`, …), or `["*"]` for all.
    pub events: Vec<String>,
    /// The secret deliveries are signed with (HMAC-SHA256).
    pub secret: String,
    /// `json` (default: the signed event) or `slack` (an incoming-webhook
    /// message in words, for a team's channel).
    #[serde(default)]
    pub format: Option<String>,
}

/// A subscription (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookBody {
    /// Its id.
    pub id: String,
    /// Where deliveries go.
    pub url: String,
    /// The event kinds it receives, or `*`.
    pub events: Vec<String>,
    /// `json` or `slack`.
    pub format: String,
    /// Who made it.
    pub created_by: String,
    /// When.
    pub created_at: String,
}

impl From<WebhookRecord> for WebhookBody {
    fn from(w: WebhookRecord) -> Self {
        Self {
            id: w.id,
            url: w.url,
            events: w.events,
            format: w.format,
            created_by: w.created_by.to_string(),
            created_at: w.created_at.to_string(),
        }
    }
}

/// Subscribe a URL to event kinds (admins).
#[utoipa::path(post, path = "/webhooks", tag = "webhooks", request_body = NewWebhookBody,
    responses(
        (status = 201, description = "Subscribed", body = WebhookBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "A bad URL or an unknown event kind", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<NewWebhookBody>,
) -> ApiResult<(StatusCode, Json<WebhookBody>)> {
    let new = NewWebhook {
        url: b.url,
        events: b.events,
        secret: b.secret,
        format: b.format,
    };
    let w = s.app.create_webhook(&caller, new).await?;
    Ok((StatusCode::CREATED, Json(w.into())))
}

/// The org's subscriptions (admins).
#[utoipa::path(get, path = "/webhooks", tag = "webhooks",
    responses(
        (status = 200, description = "Subscriptions", body = Vec<WebhookBody>),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(s): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<Vec<WebhookBody>>> {
    let hooks = s.app.webhooks(&caller).await?;
    Ok(Json(hooks.into_iter().map(Into::into).collect()))
}

/// Delete a subscription (admins).
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "webhooks",
    params(("id" = String, Path, description = "The subscription's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such subscription in your org", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn delete(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.delete_webhook(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One attempt to deliver.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptBody {
    /// 1 for the first, counting across redeliveries.
    pub attempt: u32,
    /// When it was made.
    pub at: String,
    /// The receiver's HTTP status, when it answered.
    pub http_status: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// How long the request took, in milliseconds.
    pub duration_ms: u64,
}

/// A delivery of one event to one subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryBody {
    /// Its id (the `Baton-Delivery` header).
    pub id: String,
    /// The event's org-wide sequence number.
    pub seq: u64,
    /// The event's kind (the `Baton-Event` header).
    pub event: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    /// Attempts since it was last made pending.
    pub attempts: u32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<String>,
    /// The last failure.
    pub last_error: Option<String>,
    /// When the event was committed.
    pub created_at: String,
    /// When a receiver took it.
    pub delivered_at: Option<String>,
    /// Every attempt, oldest first.
    pub log: Vec<AttemptBody>,
}

impl From<DeliveryRecord> for DeliveryBody {
    fn from(d: DeliveryRecord) -> Self {
        Self {
            id: d.id,
            seq: d.seq,
            event: d.kind,
            status: d.status.as_str().into(),
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at.map(|t| t.to_string()),
            last_error: d.last_error,
            created_at: d.created_at.to_string(),
            delivered_at: d.delivered_at.map(|t| t.to_string()),
            log: d
                .log
                .into_iter()
                .map(|a| AttemptBody {
                    attempt: a.attempt,
                    at: a.at.to_string(),
                    http_status: a.http_status,
                    error: a.error,
                    duration_ms: a.duration_ms,
                })
                .collect(),
        }
    }
}

/// A page of deliveries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    /// The deliveries.
    pub items: Vec<DeliveryBody>,
    /// Pass as `cursor` for the next (older) page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Paging through deliveries.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only deliveries in this state: `pending`, `delivered` or `dead`.
    pub status: Option<String>,
    /// From the page after this cursor (older deliveries).
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[serde(default, deserialize_with = "crate::body::integral::option")]
    pub limit: Option<u32>,
}

/// A subscription's delivery log, newest first, with every attempt (admins).
#[utoipa::path(get, path = "/webhooks/{id}/deliveries", tag = "webhooks", params(
        ("id" = String, Path, description = "The subscription's id"),
        DeliveryQuery,
    ),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in your org", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "A bad cursor or limit", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn deliveries(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    Params(q): Params<DeliveryQuery>,
) -> ApiResult<Json<DeliveryPage>> {
    let before = crate::api::seq_cursor(q.cursor)?;
    let limit = page_limit(q.limit)?;
    let status = match q.status.as_deref() {
        None => None,
        Some(raw) => Some(DeliveryStatus::parse(raw).ok_or_else(|| {
            ApiError::invalid_field(
                "status",
                format!("'{raw}' is not one of pending, delivered, dead"),
            )
        })?),
    };
    let page = s
        .app
        .webhook_deliveries(&caller, &id, status, before, limit)
        .await?;
    let next_cursor = crate::api::next_seq_cursor(page.len(), limit, page.last().map(|x| x.seq));
    Ok(Json(DeliveryPage {
        items: page.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Send a delivered or dead delivery again: it becomes pending, due now
/// (admins).
#[utoipa::path(post, path = "/webhooks/{id}/deliveries/{delivery}/redeliver", tag = "webhooks",
    params(
        ("id" = String, Path, description = "The subscription's id"),
        ("delivery" = String, Path, description = "The delivery's id"),
    ),
    responses(
        (status = 202, description = "Pending again; the delivery job sends it"),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such delivery of this subscription", body = ApiError, content_type = "application/problem+json"),
        (status = 409, description = "Still pending", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn redeliver(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path((id, delivery)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    s.app.redeliver(&caller, &id, &delivery).await?;
    Ok(StatusCode::ACCEPTED)
}

/// What a test delivery came to.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestDeliveryBody {
    /// The receiver took it (2xx).
    pub ok: bool,
    /// Its `Baton-Delivery` id (`test-…`).
    pub delivery: String,
    /// The receiver's status, when it answered.
    pub http_status: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
}

/// Send the subscription a signed `ping` now, to check its URL and secret
/// (admins). Not an event of the log (`seq` 0), not queued, never retried:
/// the answer says what the receiver said.
#[utoipa::path(post, path = "/webhooks/{id}/test", tag = "webhooks",
    params(("id" = String, Path, description = "The subscription's id")),
    responses(
        (status = 200, description = "Sent; `ok` says whether the receiver took it", body = TestDeliveryBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in your org", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn test(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<TestDeliveryBody>> {
    let t = s.app.test_webhook(&caller, &id).await?;
    Ok(Json(TestDeliveryBody {
        ok: t.ok(),
        delivery: t.delivery,
        http_status: t.http_status,
        error: t.error,
        duration_ms: t.duration_ms,
    }))
}
