//! Webhook subscriptions (admins): which URL receives which event kinds,
//! signed with a secret that is never shown back. Delivery comes later.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_app::webhooks::NewWebhook;
use baton_store::WebhookRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::body::Body;
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
