//! What Salesforce's answers mean for Baton: one place maps HTTP statuses
//! and error bodies to [`CrmError`].
//!
//! REST resources answer errors as a JSON array `[{"message", "errorCode"}]`
//! (Status Codes and Error Responses,
//! <https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm>):
//! 401 is an expired or invalid session, 403 `REQUEST_LIMIT_EXCEEDED` the
//! org's API allocation spent (API Request Limits and Allocations,
//! <https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html>),
//! 503 the server unavailable. The token endpoint answers OAuth errors as
//! `{"error", "error_description"}` (e.g. `invalid_grant`).

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::CrmError;

/// Sends a request and reads its whole body; a transport failure (refused,
/// timed out, cut mid-answer) is [`CrmError::Unreachable`].
pub(super) async fn send(
    req: RequestBuilder,
) -> Result<(StatusCode, HeaderMap, Vec<u8>), CrmError> {
    let resp = req.send().await.map_err(transport)?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.map_err(transport)?;
    Ok((status, headers, bytes.to_vec()))
}

fn transport(e: reqwest::Error) -> CrmError {
    // reqwest's text names the URL (never the token or the form body).
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the connection failed"
    };
    CrmError::Unreachable(format!("Salesforce {what}: {e}"))
}

/// The token endpoint's success answer.
#[derive(Deserialize)]
pub(super) struct Token {
    pub(super) access_token: String,
    pub(super) instance_url: String,
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: String,
}

/// Reads the token endpoint's answer.
pub(super) fn token(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Token, CrmError> {
    if status.is_success() {
        return serde_json::from_slice(body).map_err(|e| {
            CrmError::Protocol(format!(
                "the token answer has no access_token/instance_url: {e}"
            ))
        });
    }
    if let Some(busy) = busy(status, headers, "the token endpoint") {
        return Err(busy);
    }
    match serde_json::from_slice::<OAuthError>(body) {
        // invalid_grant (bad signature, wrong audience, unapproved user),
        // invalid_client_id, invalid_client (wrong secret): an admin must
        // fix the connected app or the credentials.
        Ok(e) if status.is_client_error() => Err(CrmError::Auth(format!(
            "Salesforce refused the sign-in: {}: {}",
            e.error, e.error_description
        ))),
        _ => Err(CrmError::Protocol(format!(
            "the token endpoint answered {status}: {}",
            excerpt(body)
        ))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RestError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    error_code: String,
}

/// Reads a REST resource's answer: its JSON on success, else the error.
/// `path` names the call in messages.
pub(super) fn rest(
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    path: &str,
) -> Result<Value, CrmError> {
    if status.is_success() {
        return serde_json::from_slice(body).map_err(|e| {
            CrmError::Protocol(format!("{path} answered {status} with no JSON: {e}"))
        });
    }
    let error = serde_json::from_slice::<Vec<RestError>>(body)
        .ok()
        .and_then(|errors| errors.into_iter().next());
    let (code, message) = match &error {
        Some(e) => (e.error_code.as_str(), e.message.as_str()),
        None => ("", ""),
    };
    let said = if error.is_some() {
        format!("{code}: {message}")
    } else {
        excerpt(body)
    };
    if status == StatusCode::FORBIDDEN && code == "REQUEST_LIMIT_EXCEEDED" {
        return Err(CrmError::Busy {
            message: format!("Salesforce API limit reached ({said})"),
            retry_after: retry_after(headers),
        });
    }
    if let Some(busy) = busy(status, headers, path) {
        return Err(busy);
    }
    Err(match status {
        StatusCode::UNAUTHORIZED => CrmError::Auth(format!(
            "Salesforce refused a token it had just issued ({said})"
        )),
        StatusCode::FORBIDDEN => CrmError::Auth(format!(
            "Salesforce refused Baton's user on {path} ({said}): check its profile or permission set"
        )),
        StatusCode::NOT_FOUND => CrmError::Config(format!(
            "Salesforce has no {path} ({said}): check the API version"
        )),
        // A field that does not exist or Baton's user cannot see.
        StatusCode::BAD_REQUEST if code == "INVALID_FIELD" => {
            CrmError::Config(format!("Salesforce refused a field on {path}: {message}"))
        }
        s if s.is_redirection() => CrmError::Protocol(format!(
            "{path} answered {s}, a redirect Baton does not follow"
        )),
        s => CrmError::Protocol(format!("{path} answered {s}: {said}")),
    })
}

/// 429 and 5xx: try later (Retry-After when given).
fn busy(status: StatusCode, headers: &HeaderMap, what: &str) -> Option<CrmError> {
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        Some(CrmError::Busy {
            message: format!("{what} answered {status}"),
            retry_after: retry_after(headers),
        })
    } else {
        None
    }
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None if text.is_empty() => "an empty body".to_owned(),
        None => text.to_owned(),
    }
}
