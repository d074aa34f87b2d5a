//! The one place that knows HTTP statuses: every failure becomes an
//! `application/problem+json` answer (RFC 9457) with a stable `type`, a
//! `title`, the status, a `detail` naming what is wrong, and for validation
//! the offending fields or lines. Server faults are logged, never shown.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use baton_app::AppError;
use baton_domain::DomainError;
use serde::Serialize;
use utoipa::ToSchema;

/// Every kind of problem Baton answers with: its status, the slug of its
/// `type` (`urn:baton:problem:SLUG`) and what it means. The OpenAPI document
/// lists these per status, so a client can tell them apart without guessing.
pub const PROBLEM_TYPES: &[(u16, &str, &str)] = &[
    (400, "malformed-json", "the body is not well-formed JSON"),
    (400, "unreadable-body", "the body could not be read"),
    (401, "unauthenticated", "no valid bearer token or session"),
    (403, "forbidden", "the caller may not do this"),
    (403, "read-only-token", "a read-only token tried to write"),
    (
        403,
        "cross-site",
        "a cookie-authenticated write from another site",
    ),
    (404, "not-found", "no such resource in the caller's org"),
    (
        405,
        "method-not-allowed",
        "the path does not take this method; see Allow",
    ),
    (
        409,
        "conflict",
        "the resource exists already or changed at the same moment",
    ),
    (
        409,
        "invalid-transition",
        "not allowed in the resource's current state",
    ),
    (
        413,
        "body-too-large",
        "the body is larger than the server accepts",
    ),
    (
        415,
        "unsupported-media-type",
        "the body is not sent as the media type the route reads",
    ),
    (
        422,
        "invalid-input",
        "a parameter or value is not valid; `errors` names it",
    ),
    (
        422,
        "invalid-body",
        "the JSON body does not have the documented shape",
    ),
    (422, "unknown-field", "a field the contract does not define"),
    (
        422,
        "unknown-reference",
        "the body names something that does not exist",
    ),
    (
        422,
        "incomplete",
        "mandatory fields missing; `missing` names them",
    ),
    (
        422,
        "receiver-fields-missing",
        "receiver-owned fields missing",
    ),
    (422, "rule", "refused by a rule of the domain"),
    (
        422,
        "import-rejected",
        "bad lines, each in `errors`; nothing was imported",
    ),
    (429, "rate-limited", "too many attempts; see Retry-After"),
    (500, "internal", "the server failed"),
    (
        503,
        "unavailable",
        "the database cannot be reached right now",
    ),
    (503, "timeout", "the server could not answer in time"),
];

/// The problem types answered with `status`, as full `type` URIs.
pub fn problem_types(status: u16) -> Vec<String> {
    PROBLEM_TYPES
        .iter()
        .filter(|(s, _, _)| *s == status)
        .map(|(_, slug, _)| format!("urn:baton:problem:{slug}"))
        .collect()
}

/// One offending item of a rejected request: a field, or a line of an import.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ProblemItem)]
pub struct Problem {
    /// The field key or JSON path, when a field is at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The line number, when a line of an import is at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// What is wrong with it.
    pub message: String,
}

/// A problem+json answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ApiError {
    /// Stable identifier of the kind of problem, e.g. `urn:baton:problem:incomplete`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short, stable summary of the kind.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// This occurrence, in words.
    pub detail: String,
    /// Mandatory fields still missing (incomplete submissions, gates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<Vec<String>>,
    /// Every offending field or line.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Problem>,
    /// Seconds to wait before retrying (rate limits).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// A problem of kind `slug` with `status`, `title` and `detail`.
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:baton:problem:{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            missing: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// 400: the body is not what the route reads.
    pub fn bad_request(slug: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, slug, "Bad request", detail)
    }

    /// 422 naming one field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let (field, message) = (field.into(), message.into());
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-input",
            "Invalid input",
            format!("{field}: {message}"),
        );
        e.errors.push(Problem {
            field: Some(field),
            line: None,
            message,
        });
        e
    }

    /// 500: a fault of the server, logged here and never shown.
    pub fn internal(what: &str, e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "{what}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the server failed; the request id in the x-request-id header finds it in the logs",
        )
    }

    /// The problem for an error answer that carries no body of its own (a
    /// wrong method, a timeout): the same problem+json as every other.
    pub fn for_bare_status(status: StatusCode) -> Self {
        match status {
            StatusCode::METHOD_NOT_ALLOWED => Self::new(
                status,
                "method-not-allowed",
                "Method not allowed",
                "this path does not take this method; the Allow header lists those it takes",
            ),
            StatusCode::SERVICE_UNAVAILABLE | StatusCode::REQUEST_TIMEOUT => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                "Timed out",
                "the server could not answer in time; retry shortly",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => Self::new(
                status,
                "body-too-large",
                "Body too large",
                "the request body is larger than this server accepts",
            ),
            StatusCode::NOT_FOUND => Self::not_found("no such route"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::new(
                status,
                "unsupported-media-type",
                "Unsupported media type",
                "the body is not sent as the media type this route reads",
            ),
            s if s.is_server_error() => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "the server failed; the request id in the x-request-id header finds it in the logs",
            ),
            s => Self::new(s, "unreadable-body", "Bad request", s.to_string()),
        }
    }

    /// 401.
    pub fn unauthenticated(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Sign-in required",
            detail,
        )
    }

    /// 404.
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            format!("not found: {what}"),
        )
    }

    /// An id named in a request body that does not exist is the body's
    /// fault (422), not a missing resource at the URL (404).
    pub fn in_body(mut self) -> Self {
        if self.status == StatusCode::NOT_FOUND.as_u16() {
            self.status = StatusCode::UNPROCESSABLE_ENTITY.as_u16();
            self.kind = "urn:baton:problem:unknown-reference".into();
            self.title = "Unknown reference".into();
        }
        self
    }
}

fn domain(e: DomainError) -> ApiError {
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    let detail = e.to_string();
    match e {
        DomainError::InvalidId { what, value, why } => {
            let mut p = ApiError::new(unprocessable, "invalid-input", "Invalid input", &detail);
            p.errors.push(Problem {
                field: Some(what.to_string()),
                line: None,
                message: format!("'{value}': {why}"),
            });
            p
        }
        DomainError::InvalidValue { what, why } => ApiError::invalid_field(what, why),
        DomainError::InvalidField { field, why } => {
            let mut p = ApiError::invalid_field(field, why);
            p.detail = detail;
            p
        }
        DomainError::UnknownField { field, .. } => {
            let mut p = ApiError::new(unprocessable, "unknown-field", "Unknown field", &detail);
            p.errors.push(Problem {
                field: Some(field),
                line: None,
                message: "the contract does not define this field".into(),
            });
            p
        }
        DomainError::InvalidTransition { .. } => ApiError::new(
            StatusCode::CONFLICT,
            "invalid-transition",
            "Not allowed in this state",
            detail,
        ),
        DomainError::Incomplete { missing, why, .. } => {
            let mut p = ApiError::new(
                unprocessable,
                "incomplete",
                "Mandatory fields missing",
                detail,
            );
            p.errors = missing
                .iter()
                .zip(why)
                .map(|(field, message)| Problem {
                    field: Some(field.clone()),
                    line: None,
                    message,
                })
                .collect();
            p.missing = Some(missing);
            p
        }
        DomainError::MissingReceiverFields { missing } => {
            let mut p = ApiError::new(
                unprocessable,
                "receiver-fields-missing",
                "Receiver fields missing",
                detail,
            );
            p.missing = Some(missing);
            p
        }
        DomainError::Forbidden(_) => {
            ApiError::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
        }
        DomainError::Rule(_) => ApiError::new(unprocessable, "rule", "Refused by a rule", detail),
        DomainError::Taken(what) => {
            ApiError::new(StatusCode::CONFLICT, "conflict", "Conflict", what)
        }
        DomainError::Unknown(what) => ApiError::not_found(what),
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Domain(d) => domain(d),
            AppError::NotFound(what) => Self::not_found(what),
            AppError::Unauthenticated(why) => Self::unauthenticated(why),
            AppError::RateLimited(secs) => {
                let mut p = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate-limited",
                    "Too many attempts",
                    AppError::RateLimited(secs).to_string(),
                );
                p.retry_after = Some(secs);
                p
            }
            AppError::Invalid(why) => Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-input",
                "Invalid input",
                why,
            ),
            AppError::Import(lines) => {
                let mut p = Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "import-rejected",
                    "Import rejected",
                    format!("{} bad line(s); nothing was imported", lines.len()),
                );
                p.errors = lines
                    .into_iter()
                    .map(|(line, message)| Problem {
                        field: None,
                        line: Some(line),
                        message,
                    })
                    .collect();
                p
            }
            AppError::Conflict(why) | AppError::Stale(why) => {
                Self::new(StatusCode::CONFLICT, "conflict", "Conflict", why)
            }
            AppError::Upstream(why) => {
                tracing::warn!(error = %why, "upstream service failed");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Service unavailable",
                    why,
                )
            }
            AppError::Store(e) if e.is_unavailable() => {
                tracing::warn!(error = %e, "database unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "Database unavailable",
                    "the database cannot be reached right now; retry shortly",
                )
            }
            AppError::Bug(why) => {
                tracing::error!(error = %why, "broken invariant");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "the server failed; the request id in the x-request-id header finds it in the logs",
                )
            }
            AppError::Store(e) => {
                tracing::error!(error = %e, "store failure");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Internal error",
                    "the server failed; the request id in the x-request-id header finds it in the logs",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let retry = self.retry_after;
        let mut res = (status, axum::Json(self)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        // RFC 9110: a 401 says how to authenticate. Bearer is the scheme
        // for machines; the browser signs in on its own page instead.
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="baton""#),
            );
        }
        res
    }
}

/// What every handler returns.
pub type ApiResult<T> = Result<T, ApiError>;
