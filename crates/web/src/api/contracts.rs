//! Contracts: read the current version with its fields and guidance, its
//! history, publish a new version (the receiving team's leads or an admin),
//! switch observe/gated, and let the sending team propose changes.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_app::contracts::Proposal;
use baton_app::rollout::ModeSwitch;
use baton_domain::contract::{Contract, ContractDef, Mode};
use baton_domain::field::FieldType;
use baton_domain::{ContractKey, FieldDef};
use baton_store::VersionRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};

/// A contract in a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractSummary {
    /// Its key.
    pub key: String,
    /// Its title.
    pub title: String,
    /// The current version.
    pub version: u32,
    /// `observe` or `gated`.
    pub mode: String,
    /// The team that fills its handoffs.
    pub sending_team: String,
    /// The teams that may receive them.
    pub receiving_teams: Vec<String>,
    /// What acceptance opens: `commission`, `stage` or `queue`.
    pub gate: String,
}

/// Where a field's value is carried from.
#[derive(Debug, Serialize, ToSchema)]
pub struct CarriedFrom {
    /// The earlier contract.
    pub contract: String,
    /// The field in it.
    pub field: String,
}

/// One field of a contract version.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldBody {
    /// Its key.
    pub key: String,
    /// What people see.
    pub label: String,
    /// What a good answer contains.
    pub help: String,
    /// The value's type: `text`, `long_text`, `number`, `money`, `date`,
    /// `datetime`, `enum`, `multi_enum`, `url`, `bool`, `confidence`,
    /// `person`, `people` or `hypothesis`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The allowed options (`enum`, `multi_enum`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<String>>,
    /// Whether the handoff needs it.
    pub required: bool,
    /// Minimum length of the text.
    pub min_len: Option<u32>,
    /// `sender` (counts in the score) or `receiver` (filled at acceptance).
    pub owner: String,
    /// Prefilled from an earlier handoff of the same account.
    pub carried_from: Option<CarriedFrom>,
    /// Only the sending and receiving teams and admins may read it.
    pub sensitive: bool,
    /// What a specific answer contains: `date`, `person`, `amount` or
    /// `number` (a hint beside the field, or a gate when the contract's
    /// `filler.hints_are_gates` is set).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expects: Option<String>,
}

impl From<&FieldDef> for FieldBody {
    fn from(f: &FieldDef) -> Self {
        let options = match &f.kind {
            FieldType::Enum { options } | FieldType::MultiEnum { options } => Some(options.clone()),
            _ => None,
        };
        Self {
            key: f.key.to_string(),
            label: f.label.clone(),
            help: f.help.clone(),
            kind: f.kind.name().to_string(),
            options,
            required: f.required,
            min_len: f.min_len,
            owner: match f.owner {
                baton_domain::Owner::Sender => "sender",
                baton_domain::Owner::Receiver => "receiver",
            }
            .to_string(),
            carried_from: f.carried_from.as_ref().map(|c| CarriedFrom {
                contract: c.contract.to_string(),
                field: c.field.to_string(),
            }),
            sensitive: f.sensitive,
            expects: f.expects.map(|e| e.as_str().to_string()),
        }
    }
}

/// A contract: its current version in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractBody {
    /// Its key.
    pub key: String,
    /// Its title.
    pub title: String,
    /// The current version.
    pub version: u32,
    /// `observe` or `gated`.
    pub mode: String,
    /// The team that fills its handoffs.
    pub sending_team: String,
    /// The teams that may receive them; the first is the default.
    pub receiving_teams: Vec<String>,
    /// What acceptance opens: `commission`, `stage` or `queue`.
    pub gate: String,
    /// How context leaks at this edge when nothing is enforced.
    pub leak_mode: String,
    /// What the contract changes.
    pub fix: String,
    /// The audit a person can run to see whether the handoff works.
    pub concrete_test: String,
    /// The fields, in the order people fill them.
    pub fields: Vec<FieldBody>,
    /// Codes a rejection may carry.
    pub reason_codes: Vec<String>,
    /// The current version's definition as published (what
    /// `POST /contracts/{key}/versions` takes).
    #[schema(value_type = Object)]
    pub definition: Value,
}

fn gate_name(def: &ContractDef) -> String {
    match def.gate {
        baton_domain::Gate::Commission => "commission",
        baton_domain::Gate::Stage => "stage",
        baton_domain::Gate::Queue => "queue",
    }
    .to_string()
}

fn summary(c: &Contract) -> ContractSummary {
    ContractSummary {
        key: c.key.to_string(),
        title: c.current.title.clone(),
        version: c.current_version,
        mode: c.mode.as_str().to_string(),
        sending_team: c.current.sending_team.to_string(),
        receiving_teams: c
            .current
            .receiving_teams
            .iter()
            .map(ToString::to_string)
            .collect(),
        gate: gate_name(&c.current),
    }
}

impl From<Contract> for ContractBody {
    fn from(c: Contract) -> Self {
        let s = summary(&c);
        let def = &c.current;
        Self {
            key: s.key,
            title: s.title,
            version: s.version,
            mode: s.mode,
            sending_team: s.sending_team,
            receiving_teams: s.receiving_teams,
            gate: s.gate,
            leak_mode: def.guidance.leak_mode.clone(),
            fix: def.guidance.fix.clone(),
            concrete_test: def.guidance.concrete_test.clone(),
            fields: def.fields.iter().map(Into::into).collect(),
            reason_codes: def.reason_codes.clone(),
            definition: serde_json::to_value(def).unwrap_or(Value::Null),
        }
    }
}

/// One published version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionBody {
    /// The version number.
    pub version: u32,
    /// When it was published.
    pub published_at: String,
    /// By whom (absent for the seeded versions).
    pub published_by: Option<String>,
    /// The definition, immutable.
    #[schema(value_type = Object)]
    pub definition: Value,
}

impl From<VersionRecord> for VersionBody {
    fn from(v: VersionRecord) -> Self {
        Self {
            version: v.version,
            published_at: v.published_at.to_string(),
            published_by: v.published_by,
            definition: serde_json::to_value(&v.definition).unwrap_or(Value::Null),
        }
    }
}

/// A new version's definition: the whole contract, as `definition` in
/// `GET /contracts/{key}` shows it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct DefinitionBody(pub ContractDef);

/// The mode to switch to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModeBody {
    /// `observe` or `gated`. Gated enters the rollout's gating phase and
    /// observe goes back to the field spec, under the rollout's rules.
    pub mode: String,
    /// An admin's reason for overriding the rollout's rules (launching
    /// beside another contract in gating, or skipping a phase); recorded.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A change the sending team proposes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    /// What should change, and why.
    pub summary: String,
    /// Field definitions proposed (new fields, or new wording of existing
    /// ones), in the shape of `definition.fields`.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub fields: Vec<FieldDef>,
}

/// A recorded proposal.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalBody {
    /// Its id (the event's sequence number in the org's log).
    pub id: u64,
    /// The contract.
    pub contract: String,
    /// The version it was made against.
    pub version: u32,
    /// What should change, and why.
    pub summary: String,
    /// Field definitions proposed.
    #[schema(value_type = Vec<Object>)]
    pub fields: Value,
    /// Who proposed it.
    pub by: String,
    /// When.
    pub at: String,
    /// The receiving team's answer; absent while the proposal is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<AnswerBody>,
}

/// A lead's answer to a proposal.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerBody {
    /// Accepted (to be written into a version the lead publishes) or declined.
    pub accepted: bool,
    /// Why.
    pub reason: String,
    /// Who answered.
    pub by: String,
    /// When.
    pub at: String,
}

/// The receiving team's answer to a proposal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerInput {
    /// Accept (true) or decline (false).
    pub accepted: bool,
    /// Why: the sending team reads it.
    pub reason: String,
}

impl From<Proposal> for ProposalBody {
    fn from(p: Proposal) -> Self {
        let id = p.id;
        let p = p.proposal;
        Self {
            id,
            contract: p.contract.to_string(),
            version: p.version,
            summary: p.summary,
            fields: serde_json::to_value(&p.fields).unwrap_or(Value::Null),
            by: p.by.to_string(),
            at: p.at.to_string(),
            answer: p.answer.map(|a| AnswerBody {
                accepted: a.accepted,
                reason: a.reason,
                by: a.by.to_string(),
                at: a.at.to_string(),
            }),
        }
    }
}

/// Parses a path key; a malformed one cannot exist, so it is "not found".
fn contract_key(raw: &str) -> Result<ContractKey, ApiError> {
    ContractKey::parse(raw).map_err(|_| ApiError::not_found(format!("contract '{raw}'")))
}

/// The org's contracts with their current versions.
#[utoipa::path(get, path = "/contracts", tag = "contracts",
    responses((status = 200, description = "Contracts, by key", body = Vec<ContractSummary>)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<Vec<ContractSummary>>> {
    let contracts = s.app.contracts(&caller).await?;
    Ok(Json(contracts.iter().map(summary).collect()))
}

/// One contract: its current version, mode, fields and guidance.
#[utoipa::path(get, path = "/contracts/{key}", tag = "contracts",
    params(("key" = String, Path, description = "The contract's key, e.g. `ae-to-onboarding`")),
    responses((status = 200, description = "The contract", body = ContractBody), (status = 404, description = "No such contract in your org")))]
pub async fn get(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(key): Path<String>,
) -> ApiResult<Json<ContractBody>> {
    Ok(Json(
        s.app.contract(&caller, &contract_key(&key)?).await?.into(),
    ))
}

/// Every published version of a contract, oldest first.
#[utoipa::path(get, path = "/contracts/{key}/versions", tag = "contracts",
    params(("key" = String, Path, description = "The contract's key")),
    responses((status = 200, description = "Its versions", body = Vec<VersionBody>), (status = 404, description = "No such contract in your org")))]
pub async fn versions(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(key): Path<String>,
) -> ApiResult<Json<Vec<VersionBody>>> {
    let versions = s
        .app
        .contract_history(&caller, &contract_key(&key)?)
        .await?;
    Ok(Json(versions.into_iter().map(Into::into).collect()))
}

/// Publish a new version (a lead of the receiving team, or an admin).
/// Handoffs already started stay bound to their version.
#[utoipa::path(post, path = "/contracts/{key}/versions", tag = "contracts", request_body = DefinitionBody,
    params(("key" = String, Path, description = "The contract's key")),
    responses(
        (status = 201, description = "Published", body = ContractBody),
        (status = 403, description = "Not a lead of the receiving team nor an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "An incoherent definition", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn publish(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(key): Path<String>,
    Body(DefinitionBody(def)): Body<DefinitionBody>,
) -> ApiResult<(StatusCode, Json<ContractBody>)> {
    let key = contract_key(&key)?;
    if def.key != key {
        return Err(ApiError::invalid_field(
            "key",
            format!("the definition's key '{}' is not '{key}'", def.key),
        ));
    }
    let c = s
        .app
        .publish_contract(&caller, def)
        .await
        .map_err(|e| ApiError::from(e).in_body())?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// Switch between `observe` and `gated`.
#[utoipa::path(put, path = "/contracts/{key}/mode", tag = "contracts", request_body = ModeBody,
    params(("key" = String, Path, description = "The contract's key")),
    responses(
        (status = 200, description = "Switched", body = ContractBody),
        (status = 403, description = "Not a lead of the receiving team nor an admin, or an override by a non-admin", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Refused by the rollout's rules (don't launch in parallel; phases in order) without an admin's reason", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn set_mode(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(key): Path<String>,
    Body(b): Body<ModeBody>,
) -> ApiResult<Json<ContractBody>> {
    let key = contract_key(&key)?;
    let mode = Mode::parse(&b.mode).map_err(|e| ApiError::invalid_field("mode", e.to_string()))?;
    let switch = ModeSwitch {
        contract: key,
        mode,
        reason: b.reason,
    };
    Ok(Json(s.app.set_mode(&caller, switch).await?.into()))
}

/// Propose a change (a member of the sending team). The receiving team
/// holds the pen; the contract does not change until it publishes.
#[utoipa::path(post, path = "/contracts/{key}/proposals", tag = "contracts", request_body = ProposalInput,
    params(("key" = String, Path, description = "The contract's key")),
    responses(
        (status = 201, description = "Recorded", body = ProposalBody),
        (status = 403, description = "Not a member of the sending team", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn propose(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(key): Path<String>,
    Body(b): Body<ProposalInput>,
) -> ApiResult<(StatusCode, Json<ProposalBody>)> {
    let key = contract_key(&key)?;
    let p = s
        .app
        .propose_change(&caller, &key, &b.summary, b.fields)
        .await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// Answer a proposal (a lead of the receiving team, or an admin): accept
/// or decline it, saying why. Each proposal is answered once; the contract
/// changes only when a version is published.
#[utoipa::path(post, path = "/contracts/{key}/proposals/{id}/answer", tag = "contracts", request_body = AnswerInput,
    params(("key" = String, Path, description = "The contract's key"), ("id" = u64, Path, description = "The proposal's id")),
    responses(
        (status = 200, description = "Answered", body = ProposalBody),
        (status = 403, description = "Not a lead of the receiving team", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such contract or proposal in your org", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "No reason, or answered already", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn answer(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path((key, id)): Path<(String, String)>,
    Body(b): Body<AnswerInput>,
) -> ApiResult<Json<ProposalBody>> {
    let key = contract_key(&key)?;
    // Parsed here, not by the extractor: an id that cannot exist is "not
    // found", in problem+json like every other answer.
    let id: u64 = id
        .parse()
        .map_err(|_| ApiError::not_found(format!("proposal '{id}' of contract '{key}'")))?;
    let p = s
        .app
        .answer_proposal(&caller, &key, id, b.accepted, &b.reason)
        .await?;
    Ok(Json(p.into()))
}

/// The proposals made on a contract, oldest first.
#[utoipa::path(get, path = "/contracts/{key}/proposals", tag = "contracts",
    params(("key" = String, Path, description = "The contract's key")),
    responses((status = 200, description = "Proposals", body = Vec<ProposalBody>), (status = 404, description = "No such contract in your org")))]
pub async fn proposals(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(key): Path<String>,
) -> ApiResult<Json<Vec<ProposalBody>>> {
    let ps = s.app.proposals(&caller, &contract_key(&key)?).await?;
    Ok(Json(ps.into_iter().map(Into::into).collect()))
}
