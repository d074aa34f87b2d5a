//! Concrete tests of a contract (SPEC §6): the automated result with its
//! evidence, and sampled audits drawn by Baton and answered by an auditor.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_domain::ContractKey;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::to_json as json;
use crate::auth::Authed;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};

/// An auditor's verdict.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    /// What the receiver stated (or could not).
    pub answer: String,
    /// Pass or fail.
    pub passed: bool,
}

fn key(raw: &str) -> Result<ContractKey, ApiError> {
    ContractKey::parse(raw).map_err(|_| ApiError::not_found(format!("contract '{raw}'")))
}

/// The contract's concrete tests: the automated result (measure, threshold,
/// pass/fail, evidence per handoff) where the data allows one, and every
/// sampled audit with its verdict.
#[utoipa::path(get, path = "/contracts/{key}/audits", tag = "audits",
    params(("key" = String, Path, description = "The contract's key")),
    responses((status = 200, description = "The concrete tests", body = Object)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(k): Path<String>,
) -> ApiResult<Json<Value>> {
    json(s.app.audits(&caller, &key(&k)?).await?)
}

/// Draw a random handoff of the contract from the last seven days and show
/// the audit question (an admin or a lead of the receiving team).
#[utoipa::path(post, path = "/contracts/{key}/audits/sample", tag = "audits",
    params(("key" = String, Path, description = "The contract's key")),
    responses(
        (status = 201, description = "The sample: `id`, `handoff`, `questions`", body = Object),
        (status = 422, description = "No handoff in the last seven days", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn sample(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(k): Path<String>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let sample = s.app.sample_audit(&caller, &key(&k)?).await?;
    Ok((StatusCode::CREATED, json(sample)?))
}

/// Record the auditor's answer and pass/fail on a sample (once).
#[utoipa::path(post, path = "/contracts/{key}/audits/{id}/result", tag = "audits", request_body = ResultBody,
    params(("key" = String, Path, description = "The contract's key"), ("id" = String, Path, description = "The audit's id")),
    responses((status = 200, description = "The sample with its verdict", body = Object)))]
pub async fn result(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path((k, id)): Path<(String, String)>,
    Body(b): Body<ResultBody>,
) -> ApiResult<Json<Value>> {
    json(
        s.app
            .record_audit(&caller, &key(&k)?, &id, &b.answer, b.passed)
            .await?,
    )
}
