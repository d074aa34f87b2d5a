//! CRM connections (admins only, reads included): connect Salesforce or
//! HubSpot, test, sync now, disconnect, and read each connection's status and
//! log. Credentials go in once and never come back out: the settings are
//! echoed with every secret replaced by `…set`. See `docs/crm.md`.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use baton_app::connections::{
    ConnectionTest, ConnectionView, HubspotDelivery, NewConnection, parse_vendor,
};
use baton_store::ConnectionLogEntry;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::page_limit;
use crate::auth::Authed;
use crate::body::{Body, Params};
use crate::error::{ApiError, ApiResult};

/// A CRM to connect.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConnectionBody {
    /// `salesforce` or `hubspot`.
    pub vendor: String,
    /// A name for people, e.g. `Salesforce production`.
    pub name: String,
    /// The vendor's settings, credentials included (see `docs/crm.md`):
    /// Salesforce `{login_url, api_version, auth: {flow: jwt_bearer,
    /// client_id, username, private_key_pem}}`; HubSpot `{base_url, auth:
    /// {flow: private_app, token}, webhook_secret}`.
    #[schema(value_type = Object)]
    pub settings: Value,
    /// CRM field → Baton field key: deal fields that prefill the draft.
    #[serde(default)]
    pub field_map: BTreeMap<String, String>,
    /// The CRM object kind the deals map as through the CRM rules:
    /// `deal` (default) or `opportunity`.
    #[serde(default)]
    pub object: Option<String>,
}

/// A connection and where its sync stands (never a secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionBody {
    /// Its id.
    pub id: String,
    /// `salesforce` or `hubspot`.
    pub vendor: String,
    /// Its name.
    pub name: String,
    /// The object kind its deals map as.
    pub object: String,
    /// CRM field → Baton field key.
    pub field_map: BTreeMap<String, String>,
    /// The settings, each secret replaced by `…set`.
    #[schema(value_type = Object)]
    pub settings: Value,
    /// The admin who connected it (the sync acts as them).
    pub created_by: String,
    /// When.
    pub created_at: String,
    /// `active`, `needs_attention` or `disconnected`.
    pub status: String,
    /// Why an admin must act.
    pub attention: Option<String>,
    /// The last pull.
    pub last_pull_at: Option<String>,
    /// The last round without error.
    pub last_success_at: Option<String>,
    /// Seconds since the last round without error.
    pub lag_seconds: Option<i64>,
    /// The last error.
    pub last_error: Option<String>,
    /// When.
    pub last_error_at: Option<String>,
    /// Deals brought in.
    pub deals_synced: u64,
    /// Deals whose changed gate waits to be written back.
    pub writes_pending: u64,
    /// Failed rounds in a row.
    pub failures: u32,
    /// When the next round is due.
    pub next_attempt_at: Option<String>,
    /// Who the last successful check signed in as.
    pub checked_as: Option<String>,
    /// When the last check ran.
    pub checked_at: Option<String>,
    /// When it was disconnected.
    pub disconnected_at: Option<String>,
}

fn time(t: Option<baton_domain::Timestamp>) -> Option<String> {
    t.map(|t| t.to_string())
}

impl From<ConnectionView> for ConnectionBody {
    fn from(c: ConnectionView) -> Self {
        Self {
            id: c.id,
            vendor: c.vendor,
            name: c.name,
            object: c.object,
            field_map: c.field_map,
            settings: c.settings,
            created_by: c.created_by.to_string(),
            created_at: c.created_at.to_string(),
            status: c.status.as_str().into(),
            attention: c.attention,
            last_pull_at: time(c.last_pull_at),
            last_success_at: time(c.last_success_at),
            lag_seconds: c.lag.map(|d| d.as_secs()),
            last_error: c.last_error,
            last_error_at: time(c.last_error_at),
            deals_synced: c.deals_synced,
            writes_pending: c.writes_pending,
            failures: c.failures,
            next_attempt_at: time(c.next_attempt_at),
            checked_as: c.checked_as,
            checked_at: time(c.checked_at),
            disconnected_at: time(c.disconnected_at),
        }
    }
}

/// What a test found.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionTestBody {
    /// Whether the CRM took the credentials.
    pub ok: bool,
    /// Who Baton signed in as, or why it failed.
    pub detail: String,
}

impl From<ConnectionTest> for ConnectionTestBody {
    fn from(t: ConnectionTest) -> Self {
        Self {
            ok: t.ok,
            detail: t.detail,
        }
    }
}

/// One entry of a connection's log.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionLogBody {
    /// Its number (newer is higher).
    pub seq: u64,
    /// When.
    pub at: String,
    /// `info`, `warning` or `error`.
    pub level: String,
    /// The CRM deal it is about.
    pub deal: Option<String>,
    /// What happened.
    pub message: String,
}

impl From<ConnectionLogEntry> for ConnectionLogBody {
    fn from(e: ConnectionLogEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at.to_string(),
            level: e.level,
            deal: e.deal,
            message: e.message,
        }
    }
}

/// A page of a connection's log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionLogPage {
    /// The entries.
    pub items: Vec<ConnectionLogBody>,
    /// Pass as `cursor` for the next (older) page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Paging through a connection's log.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ConnectionLogQuery {
    /// From the page after this cursor (older entries).
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[serde(default, deserialize_with = "crate::body::integral::option")]
    pub limit: Option<u32>,
}

/// Connect a CRM (admins): the credentials are checked against the CRM,
/// which is readied for write-back, before anything is stored.
#[utoipa::path(post, path = "/crm/connections", tag = "crm", request_body = NewConnectionBody,
    responses(
        (status = 201, description = "Connected; the first sync is due at once", body = ConnectionBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Bad settings, a failed check against the CRM (named), or no BATON_SECRET_KEY on the server", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn create_connection(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<NewConnectionBody>,
) -> ApiResult<(StatusCode, Json<ConnectionBody>)> {
    let new = NewConnection {
        vendor: parse_vendor(&b.vendor)
            .map_err(|e| ApiError::from(baton_app::AppError::from(e)))?,
        name: b.name,
        settings: b.settings,
        field_map: b.field_map,
        object: b.object,
    };
    let c = s.app.connect_crm(&caller, new).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// The org's CRM connections with their status (admins).
#[utoipa::path(get, path = "/crm/connections", tag = "crm",
    responses(
        (status = 200, description = "Connections, oldest first", body = Vec<ConnectionBody>),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn list_connections(
    State(s): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<Vec<ConnectionBody>>> {
    let all = s.app.connections(&caller).await?;
    Ok(Json(all.into_iter().map(Into::into).collect()))
}

/// One CRM connection with its status (admins).
#[utoipa::path(get, path = "/crm/connections/{id}", tag = "crm",
    params(("id" = String, Path, description = "The connection's id")),
    responses(
        (status = 200, description = "The connection", body = ConnectionBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such connection in your org", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn get_connection(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<ConnectionBody>> {
    Ok(Json(s.app.connection(&caller, &id).await?.into()))
}

/// Disconnect a CRM (admins): the sync stops and its credentials are
/// forgotten; its status and log stay readable.
#[utoipa::path(delete, path = "/crm/connections/{id}", tag = "crm",
    params(("id" = String, Path, description = "The connection's id")),
    responses(
        (status = 204, description = "Disconnected"),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such connection in your org", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Already disconnected", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn disconnect_connection(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.disconnect_crm(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign in to the CRM again and record the result (admins); a success
/// clears "needs attention" and makes a sync due.
#[utoipa::path(post, path = "/crm/connections/{id}/test", tag = "crm",
    params(("id" = String, Path, description = "The connection's id")),
    responses(
        (status = 200, description = "What the test found (`ok` false says why)", body = ConnectionTestBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such connection in your org", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "The connection is disconnected", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn test_connection(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<ConnectionTestBody>> {
    Ok(Json(s.app.test_connection(&caller, &id).await?.into()))
}

/// Sync now (admins): the next round of background work pulls the
/// connection's changed deals and writes the gates back.
#[utoipa::path(post, path = "/crm/connections/{id}/sync", tag = "crm",
    params(("id" = String, Path, description = "The connection's id")),
    responses(
        (status = 202, description = "Due now; the sync job runs it"),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such connection in your org", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "The connection is disconnected", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn sync_connection(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    s.app.sync_now(&caller, &id).await?;
    Ok(StatusCode::ACCEPTED)
}

/// A connection's log, newest first: deals skipped and why, refused
/// write-backs, failed rounds (admins).
#[utoipa::path(get, path = "/crm/connections/{id}/log", tag = "crm", params(
        ("id" = String, Path, description = "The connection's id"),
        ConnectionLogQuery,
    ),
    responses(
        (status = 200, description = "A page of entries", body = ConnectionLogPage),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such connection in your org", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "A bad cursor or limit", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn connection_log(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    Params(q): Params<ConnectionLogQuery>,
) -> ApiResult<Json<ConnectionLogPage>> {
    let before = crate::api::seq_cursor(q.cursor)?;
    let limit = page_limit(q.limit)?;
    let page = s
        .app
        .connection_log_entries(&caller, &id, before, limit)
        .await?;
    let next_cursor = crate::api::next_seq_cursor(page.len(), limit, page.last().map(|x| x.seq));
    Ok(Json(ConnectionLogPage {
        items: page.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// A HubSpot webhook (v3) for a connection: HubSpot posts its events here;
/// no token, the signature is the authentication (`X-HubSpot-Signature-v3`
/// over method, URL, body and `X-HubSpot-Request-Timestamp`, with the app's
/// client secret set as the connection's `webhook_secret`). A verified
/// delivery makes the connection's pull due now; the pull creates drafts and
/// writes gates as ever. See `docs/crm.md`.
#[utoipa::path(post, path = "/inbound/hubspot/{connection}", tag = "crm",
    params(
        ("connection" = String, Path, description = "The connection's id"),
        ("X-HubSpot-Signature-v3" = String, Header, description = "Base64 HMAC-SHA256 of method, URL, body and timestamp"),
        ("X-HubSpot-Request-Timestamp" = String, Header, description = "Milliseconds since the epoch; at most five minutes old"),
    ),
    request_body(content = Vec<Object>, description = "HubSpot's array of webhook events", content_type = "application/json"),
    responses(
        (status = 204, description = "Verified: the connection's pull is due now"),
        (status = 401, description = "The signature does not verify (or no such HubSpot connection)", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Verified, but not HubSpot's array of events", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn hubspot_webhook(
    State(s): State<AppState>,
    Path(connection): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let path_and_query = uri
        .path_and_query()
        .map_or_else(|| uri.path().to_string(), ToString::to_string);
    s.app
        .hubspot_webhook(
            &connection,
            HubspotDelivery {
                method: "POST",
                path_and_query: &path_and_query,
                body: &body,
                timestamp: &header("x-hubspot-request-timestamp"),
                signature: &header("x-hubspot-signature-v3"),
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
