//! Survey responses in (NPS and CSAT): the org's column mapping for a
//! survey tool's CSV export, a preview and an import of such an export,
//! the review list of responses no account was found for (and assigning
//! one), the webhook's signing secret, and the webhook itself, whose
//! `Baton-Signature` header is the credential. See `docs/surveys.md`.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use baton_app::surveys::SurveyOutcome;
use baton_app::surveys_csv::{SurveyImport, SurveyRow};
use baton_domain::AccountId;
use baton_domain::survey::{ColumnMapping, SurveyKind};
use baton_store::SurveyRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};

/// Media types a CSV export may be sent as.
const CSV_TYPES: &[&str] = &["text/csv", "application/csv", "text/plain"];

/// NPS (0–10) or CSAT (1–5).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KindBody {
    /// Net Promoter Score, 0–10.
    #[default]
    Nps,
    /// Customer satisfaction, 1–5.
    Csat,
}

/// How the org's survey tool export maps onto a response.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingBody {
    /// The scale every row's score is read on.
    #[serde(default)]
    pub kind: KindBody,
    /// Rows at the top of the file that are headers (Qualtrics writes 3);
    /// column names are read from the first.
    #[serde(default = "one")]
    #[schema(minimum = 1, maximum = 10)]
    pub header_rows: u32,
    /// The column of the tool's response id (duplicates are found by it).
    #[serde(default)]
    pub response_id: Option<String>,
    /// The column naming the Baton account id (this or `email` is needed).
    #[serde(default)]
    pub account: Option<String>,
    /// The column of the respondent's email (matched by its domain).
    #[serde(default)]
    pub email: Option<String>,
    /// The column of the score.
    #[schema(min_length = 1, pattern = "\\S")]
    pub score: String,
    /// The column of the response's date or time.
    #[schema(min_length = 1, pattern = "\\S")]
    pub date: String,
    /// The column of the respondent's comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Email domains (`northwind.com`) and the account each belongs to.
    #[serde(default)]
    pub domains: BTreeMap<String, String>,
}

fn one() -> u32 {
    1
}

impl MappingBody {
    fn parse(self) -> Result<ColumnMapping, ApiError> {
        let mut domains = BTreeMap::new();
        for (d, a) in self.domains {
            let a = AccountId::parse(&a)
                .map_err(|e| ApiError::invalid_field("domains", e.to_string()))?;
            domains.insert(d, a);
        }
        Ok(ColumnMapping {
            kind: match self.kind {
                KindBody::Nps => SurveyKind::Nps,
                KindBody::Csat => SurveyKind::Csat,
            },
            header_rows: self.header_rows,
            response_id: self.response_id,
            account: self.account,
            email: self.email,
            score: self.score,
            date: self.date,
            comment: self.comment,
            domains,
        })
    }
}

impl From<ColumnMapping> for MappingBody {
    fn from(m: ColumnMapping) -> Self {
        Self {
            kind: match m.kind {
                SurveyKind::Nps => KindBody::Nps,
                SurveyKind::Csat => KindBody::Csat,
            },
            header_rows: m.header_rows,
            response_id: m.response_id,
            account: m.account,
            email: m.email,
            score: m.score,
            date: m.date,
            comment: m.comment,
            domains: m
                .domains
                .into_iter()
                .map(|(d, a)| (d, a.to_string()))
                .collect(),
        }
    }
}

/// The org's column mapping (admins).
#[utoipa::path(get, path = "/surveys/mapping", tag = "surveys",
    responses(
        (status = 200, description = "The mapping", body = MappingBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No mapping is set", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn get_mapping(
    State(s): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<MappingBody>> {
    let m = s
        .app
        .survey_mapping(&caller)
        .await?
        .ok_or_else(|| ApiError::not_found("a survey column mapping"))?;
    Ok(Json(m.into()))
}

/// Set the org's column mapping (admins): the columns of its survey tool's
/// CSV export, the kind of survey, the header rows, and the email domains
/// of its accounts.
#[utoipa::path(put, path = "/surveys/mapping", tag = "surveys", request_body = MappingBody,
    responses(
        (status = 200, description = "Set; the mapping as kept", body = MappingBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "No account or email column, a column used twice, a webmail domain, or a domain mapped to no account", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn put_mapping(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<MappingBody>,
) -> ApiResult<Json<MappingBody>> {
    let m = s.app.set_survey_mapping(&caller, b.parse()?).await?;
    Ok(Json(m.into()))
}

/// One row of an export: what it is, or became.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyRowBody {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    /// Preview: `matched`, `unmatched`, `duplicate` or `bad`; import:
    /// `recorded`, `unmatched` or `duplicate`.
    pub outcome: String,
    /// The account it is (or would be) recorded against.
    pub account: Option<String>,
    /// How it matched, why not, or what is wrong with it.
    pub detail: String,
}

impl From<SurveyRow> for SurveyRowBody {
    fn from(r: SurveyRow) -> Self {
        Self {
            line: r.line,
            outcome: r.outcome,
            account: r.account.map(|a| a.to_string()),
            detail: r.detail,
        }
    }
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyImportBody {
    /// Responses read.
    pub rows: usize,
    /// Recorded against an account.
    pub recorded: usize,
    /// Kept on the review list (GET /surveys/unmatched).
    pub unmatched: usize,
    /// Received before, so changing nothing.
    pub duplicates: usize,
    /// Each row's outcome.
    pub outcomes: Vec<SurveyRowBody>,
}

impl From<SurveyImport> for SurveyImportBody {
    fn from(i: SurveyImport) -> Self {
        Self {
            rows: i.rows,
            recorded: i.recorded,
            unmatched: i.unmatched,
            duplicates: i.duplicates,
            outcomes: i.outcomes.into_iter().map(Into::into).collect(),
        }
    }
}

/// Refuses a body that is not sent as CSV or plain text.
fn csv_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    let ty = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if !ty.is_some_and(|t| CSV_TYPES.contains(&t.as_str())) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            "send the survey tool's export as Content-Type: text/csv",
        ));
    }
    body.map_err(|r| {
        ApiError::new(
            r.status(),
            "unreadable-body",
            "Unreadable body",
            r.body_text(),
        )
    })
}

/// Preview an import of a survey tool's CSV export (admins): each row's
/// outcome (the account it matches, unmatched, a duplicate, or why it is
/// bad, with its line). Changes nothing.
#[utoipa::path(post, path = "/surveys/preview", tag = "surveys",
    request_body(description = "The survey tool's CSV export", content((String = "text/csv"), (String = "text/plain"))),
    responses(
        (status = 200, description = "Each row's outcome", body = Vec<SurveyRowBody>),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as CSV", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "No mapping set, or the header lacks a mapped column", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn preview(
    State(s): State<AppState>,
    Authed(caller): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Vec<SurveyRowBody>>> {
    let body = csv_body(&headers, body)?;
    let rows = s.app.preview_survey_csv(&caller, body.as_ref()).await?;
    Ok(Json(rows.into_iter().map(Into::into).collect()))
}

/// Import a survey tool's CSV export (admins) through the org's mapping:
/// every row checked first; a file with a bad row records nothing and
/// names each bad row with its line; a response imported again changes
/// nothing.
#[utoipa::path(post, path = "/surveys/import", tag = "surveys",
    request_body(description = "The survey tool's CSV export", content((String = "text/csv"), (String = "text/plain"))),
    responses(
        (status = 200, description = "Imported", body = SurveyImportBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as CSV", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "No mapping set, or bad rows, each in `errors` with its line; nothing imported", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn import(
    State(s): State<AppState>,
    Authed(caller): Authed,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<SurveyImportBody>> {
    let body = csv_body(&headers, body)?;
    let done = s.app.import_survey_csv(&caller, body.as_ref()).await?;
    Ok(Json(done.into()))
}

/// A response no account was found for.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyResponseBody {
    /// Its id here (assign it by this).
    pub id: String,
    /// How it came in: `csv` or `webhook`.
    pub source: String,
    /// The survey tool's response id.
    pub response_id: Option<String>,
    /// `nps` or `csat`.
    pub kind: String,
    /// The score.
    pub score: u8,
    /// When the respondent answered (RFC 3339).
    pub responded_at: String,
    /// The respondent's email.
    pub email: Option<String>,
    /// The account id the survey tool named.
    pub named_account: Option<String>,
    /// What the respondent wrote.
    pub comment: Option<String>,
    /// The account it is recorded against (once assigned).
    pub account: Option<String>,
    /// `unmatched`, `recorded` or `assigned`.
    pub outcome: String,
    /// Why no account was found, or how it was assigned.
    pub detail: String,
    /// When Baton received it.
    pub received_at: String,
}

impl From<SurveyRecord> for SurveyResponseBody {
    fn from(r: SurveyRecord) -> Self {
        Self {
            id: r.key,
            source: r.source,
            response_id: r.response_id,
            kind: r.kind,
            score: r.score,
            responded_at: r.responded_at.to_string(),
            email: r.email,
            named_account: r.named_account,
            comment: r.comment,
            account: r.account.map(|a| a.to_string()),
            outcome: r.outcome,
            detail: r.detail,
            received_at: r.received_at.to_string(),
        }
    }
}

/// The responses no account was found for, oldest first (admins; at most
/// 500): the review list.
#[utoipa::path(get, path = "/surveys/unmatched", tag = "surveys",
    responses(
        (status = 200, description = "The review list", body = Vec<SurveyResponseBody>),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn unmatched(
    State(s): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<Vec<SurveyResponseBody>>> {
    let list = s.app.unmatched_surveys(&caller).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// The account an unmatched response belongs to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// The account's id.
    #[schema(min_length = 1, max_length = 200)]
    pub account: String,
}

/// Assign an unmatched response to an account (admins): it is recorded as
/// a matched one is (an NPS response as the account's NPS).
#[utoipa::path(post, path = "/surveys/unmatched/{id}/assign", tag = "surveys", request_body = AssignBody,
    params(("id" = String, Path, description = "The response's id in the review list")),
    responses(
        (status = 200, description = "Assigned; the response as recorded", body = SurveyResponseBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such response", body = ApiError, content_type = "application/problem+json"),
        (status = 409, description = "It is no longer unmatched", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "No such account", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn assign(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    Body(b): Body<AssignBody>,
) -> ApiResult<Json<SurveyResponseBody>> {
    let account = AccountId::parse(&b.account)
        .map_err(|e| ApiError::invalid_field("account", e.to_string()))?;
    let r = s.app.assign_survey(&caller, &id, &account).await?;
    Ok(Json(r.into()))
}

/// The survey webhook's signing secret.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveySecretBody {
    /// At least 32 characters without spaces (`openssl rand -hex 32`).
    #[schema(min_length = 32, pattern = "^[^\\s]+$")]
    pub secret: String,
}

/// Set the survey webhook's signing secret (admins). It is kept sealed
/// with `BATON_SECRET_KEY` and never shown again.
#[utoipa::path(put, path = "/surveys/secret", tag = "surveys", request_body = SurveySecretBody,
    responses(
        (status = 204, description = "Set"),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Too short, or the server has no BATON_SECRET_KEY to seal it with", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn set_secret(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<SurveySecretBody>,
) -> ApiResult<StatusCode> {
    s.app.set_survey_secret(&caller, &b.secret).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What became of a delivered response.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveredBody {
    /// Its id here.
    pub id: String,
    /// `recorded` (against an account) or `unmatched` (on the review list).
    pub outcome: String,
    /// The account it is recorded against.
    pub account: Option<String>,
    /// How it matched, or why not.
    pub detail: String,
    /// Whether it had been delivered before (and so changed nothing now).
    pub duplicate: bool,
}

impl From<SurveyOutcome> for DeliveredBody {
    fn from(o: SurveyOutcome) -> Self {
        Self {
            id: o.key,
            outcome: o.outcome,
            account: o.account.map(|a| a.to_string()),
            detail: o.detail,
            duplicate: o.duplicate,
        }
    }
}

/// A survey tool's webhook for an org: one response (docs/surveys.md gives
/// its JSON shape), recorded once against its account or on the review
/// list. The `Baton-Signature` header is verified with the org's survey
/// secret as Stripe's signatures are.
#[utoipa::path(post, path = "/inbound/surveys/{org}", tag = "surveys",
    params(
        ("org" = String, Path, description = "The org's id"),
        ("Baton-Signature" = String, Header, description = "t=UNIX_SECONDS,v1=HEX_HMAC_SHA256[,v1=…]: HMAC-SHA256 of \"{t}.{body}\" with the org's survey secret, at most five minutes old"),
    ),
    request_body(content = Object, description = "One response: id, type (nps|csat), score, responded_at, and email and/or account, comment", content_type = "application/json"),
    responses(
        (status = 200, description = "Verified and recorded; what became of it", body = DeliveredBody),
        (status = 401, description = "The signature does not verify (or the org has no survey secret)", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Verified, but not a valid response (a score off its scale, a future time, a missing field)", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn webhook(
    State(s): State<AppState>,
    Path(org): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<DeliveredBody>> {
    let signature = headers
        .get("baton-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let o = s.app.survey_webhook(&org, signature, &body).await?;
    Ok(Json(o.into()))
}
