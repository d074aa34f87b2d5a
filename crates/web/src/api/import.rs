//! History import over HTTP (SPEC §9): a JSON Lines body, one event per
//! line, imported into the caller's org all or nothing. This route alone
//! accepts bodies up to `Options::max_import_bytes`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use baton_app::import::ImportSummary;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::error::{ApiError, ApiResult};

/// Media types a JSON Lines body may be sent as.
const LINE_TYPES: &[&str] = &[
    "application/x-ndjson",
    "application/jsonl",
    "application/json-lines",
    "application/jsonlines",
    "text/plain",
];

/// What an import recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportBody {
    /// The org imported into.
    pub org: String,
    /// Non-blank lines read.
    pub lines: u64,
    /// Events recorded (lines plus users created on the way).
    pub events: u64,
    /// Handoffs created or changed.
    pub handoffs: usize,
    /// Accounts created or changed.
    pub accounts: usize,
    /// Users created because a line named them.
    pub users_created: usize,
    /// Re-discovery suggestions found in the imported notes (none when the
    /// file carries its own suggestions, as an export does).
    pub suggestions: usize,
}

impl From<ImportSummary> for ImportBody {
    fn from(s: ImportSummary) -> Self {
        Self {
            org: s.org.to_string(),
            lines: s.lines,
            events: s.events,
            handoffs: s.handoffs,
            accounts: s.accounts,
            users_created: s.users_created,
            suggestions: s.suggestions,
        }
    }
}

/// Refuses a body that is not sent as JSON Lines or plain text.
fn lines_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let ty = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    match ty {
        Some(t) if LINE_TYPES.contains(&t.as_str()) => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the history as JSON Lines with Content-Type: application/x-ndjson (or text/plain)",
        )),
    }
}

fn unreadable(r: BytesRejection) -> ApiError {
    let status = r.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            status,
            "body-too-large",
            "Body too large",
            "the history is larger than this server accepts for one import; split it, or import it with `baton import events FILE`",
        )
    } else {
        ApiError::new(status, "unreadable-body", "Unreadable body", r.body_text())
    }
}

/// Import history (admins): JSON Lines, one event per line, all or nothing.
/// Bad lines are each reported with their number, and nothing is recorded.
#[utoipa::path(post, path = "/import/events", tag = "import",
    request_body(description = "JSON Lines (SPEC §9): one event per line",
        content((String = "application/x-ndjson"), (String = "text/plain"))),
    responses(
        (status = 200, description = "Imported", body = ImportBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the import limit", body = ApiError, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as JSON Lines", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Bad lines, each in `errors` with its line number; nothing imported", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn events(
    State(s): State<AppState>,
    Authed(caller): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<ImportBody>> {
    lines_type(&headers)?;
    let body = body.map_err(unreadable)?;
    let summary = s.app.import_history(&caller, body.as_ref()).await?;
    Ok(Json(summary.into()))
}
