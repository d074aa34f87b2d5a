//! Handoffs: start, list, read, edit, and every lifecycle action. Each
//! action answers with the handoff as it now stands (`id`, `state`, `score`,
//! `missing`, `contract`, `account` and the rest).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_app::AppError;
use baton_app::handoffs::{HandoffView, NewHandoff, Rejection};
use baton_domain::handoff::Attachment;
use baton_domain::{
    AccountId, ContractKey, DealId, Handoff, HandoffId, State as HandoffState, TeamKey,
};
use baton_store::HandoffFilter;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::page_limit;
use crate::auth::Authed;
use crate::body::{Body, OptionalBody, Params};
use crate::error::{ApiError, ApiResult};

/// Context attached to a handoff: a recording, a thread, a document, a note.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentBody {
    /// `recording`, `thread`, `document`, `note` or `link`.
    pub kind: String,
    /// What it is.
    pub title: String,
    /// Where it lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl From<AttachmentBody> for Attachment {
    fn from(a: AttachmentBody) -> Self {
        Self {
            kind: a.kind,
            title: a.title,
            url: a.url,
        }
    }
}

/// A handoff to start (as a draft).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHandoffBody {
    /// The contract's key, e.g. `ae-to-onboarding`.
    pub contract: String,
    /// The account's id (the CRM's).
    pub account: String,
    /// The CRM's deal (opportunity) id this handoff stands for: the gate
    /// is then kept per deal (`GET /gates/{contract}/{account}?deal=`). A
    /// deal belongs to one account, and one handoff per contract stands
    /// for it until withdrawn.
    #[serde(default)]
    pub deal: Option<String>,
    /// The handoff's id, when the caller brings one; generated otherwise.
    #[serde(default)]
    pub id: Option<String>,
    /// The receiving team, when the contract allows several.
    #[serde(default)]
    pub to: Option<String>,
    /// Field values by field key.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub values: BTreeMap<String, Value>,
    /// Context attached.
    #[serde(default)]
    pub attachments: Vec<AttachmentBody>,
}

/// Changes to a draft or a rejected handoff.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditBody {
    /// Values to set (merged over the current ones).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub values: BTreeMap<String, Value>,
    /// Attachments to add.
    #[serde(default)]
    pub attachments: Vec<AttachmentBody>,
}

/// Acceptance, with the receiver-owned fields.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// Receiver-owned values, e.g. `ack_eta`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub values: BTreeMap<String, Value>,
}

/// A rejection: a reason code, the reason in words, the deficient fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// A code from the contract's list.
    #[serde(default)]
    pub code: Option<String>,
    /// What is wrong.
    #[serde(default)]
    pub reason: String,
    /// The deficient fields.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// An acknowledgement with the promised resolution time.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckBody {
    /// When the receiver expects to resolve it (RFC 3339).
    pub eta: String,
}

/// The receiver's first touch of the lead (contracts with a first-touch
/// SLA, such as mql-to-sdr).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FirstTouchBody {
    /// How: `call`, `email`, `meeting`, `message`, `social` or `other`.
    #[serde(default)]
    #[schema(example = "call")]
    pub channel: Option<String>,
    /// What happened, in words.
    #[serde(default)]
    pub note: Option<String>,
}

/// A recorded first touch.
#[derive(Debug, Serialize, ToSchema)]
pub struct FirstTouchRecord {
    /// When (RFC 3339).
    pub at: String,
    /// Who reached out.
    pub by: String,
    /// How, when given.
    pub channel: Option<String>,
}

/// A follow-through note: an echo, a resolution, the loop closed. (Not a
/// conversation note: that is `ConversationNoteBody`, POST /signals/notes.)
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpNoteBody {
    /// What was said.
    #[serde(default)]
    pub note: String,
}

/// An attestation answer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestBody {
    /// The question, as the contract asks it.
    pub question: String,
    /// The answer.
    pub answer: String,
}

/// A handoff as it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffBody {
    /// Its id.
    pub id: String,
    /// The contract.
    pub contract: String,
    /// The contract version it is bound to.
    pub version: u32,
    /// The account.
    pub account: String,
    /// The CRM deal it stands for; null when none was named.
    pub deal: Option<String>,
    /// `draft`, `submitted`, `rejected`, `accepted` or `withdrawn`.
    pub state: String,
    /// Completeness of the current values, 0–100.
    pub score: u8,
    /// Mandatory sender fields still missing.
    pub missing: Vec<String>,
    /// Why each missing field does not count, by key: "no value", "'TBD' is
    /// a placeholder", "repeats 'Commitments' word for word", …
    pub why: BTreeMap<String, String>,
    /// Specificity hints by key: a field that asks for a date, a person or
    /// an amount whose value has none ("no date: say when …"). Warnings
    /// only, unless the contract makes them gates.
    pub hints: BTreeMap<String, String>,
    /// Who sends it.
    pub sender: String,
    /// The receiving team.
    pub to_team: String,
    /// Values by field key (sensitive ones only for the sending and
    /// receiving teams and admins).
    #[schema(value_type = Object)]
    pub values: BTreeMap<String, Value>,
    /// Sensitive fields that have a value you may not see.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<String>,
    /// Fields prefilled from an earlier handoff and unchanged since.
    pub carried: Vec<String>,
    /// Context attached.
    pub attachments: Vec<AttachmentBody>,
    /// When it was started.
    pub created_at: String,
    /// When it was first submitted.
    pub submitted_at: Option<String>,
    /// When it was accepted (the gate opened).
    pub accepted_at: Option<String>,
    /// How often it was rejected.
    pub rejections: usize,
    /// Every submission: `at`, `score`.
    #[schema(value_type = Vec<Object>)]
    pub submissions: Value,
    /// Every receiver decision: `accepted`, `at`, `by`, `code`.
    #[schema(value_type = Vec<Object>)]
    pub decisions: Value,
    /// The receiver's first touch of the lead, once recorded (contracts
    /// with a first-touch SLA).
    pub first_touch: Option<FirstTouchRecord>,
    /// Follow-through after acceptance: ack, ETA, echoes, resolution, loop.
    #[schema(value_type = Object)]
    pub follow: Value,
    /// Attestation answers.
    #[schema(value_type = Vec<Object>)]
    pub attestations: Value,
    /// Attestation questions whose answers disagree.
    #[schema(value_type = Vec<Object>)]
    pub disagreements: Value,
    /// SLA deadlines that passed unmet, in the order Baton recorded them.
    pub sla_breaches: Vec<BreachBody>,
}

/// An SLA deadline that passed unmet.
#[derive(Debug, Serialize, ToSchema)]
pub struct BreachBody {
    /// `acceptance`, `first_touch`, `ack`, `echo`, `close_loop` or
    /// `reunification`.
    pub kind: String,
    /// When it fell due.
    pub due: String,
    /// When the breach happened: its due time (business time), whenever
    /// Baton noticed.
    pub at: String,
}

impl From<HandoffView> for HandoffBody {
    fn from(v: HandoffView) -> Self {
        let h: Handoff = v.handoff;
        let json = |x: Result<Value, serde_json::Error>| x.unwrap_or(Value::Null);
        let disagreements: Vec<Value> = h
            .disagreements()
            .into_iter()
            .map(|d| {
                serde_json::json!({
                    "question": d.question,
                    "answers": d.answers.iter().map(|(a, who)| serde_json::json!({"answer": a, "by": who})).collect::<Vec<_>>(),
                })
            })
            .collect();
        Self {
            id: h.id.to_string(),
            contract: h.contract.to_string(),
            version: h.version,
            account: h.account.to_string(),
            deal: h.deal.as_ref().map(ToString::to_string),
            state: h.state.as_str().to_string(),
            score: h.score,
            missing: v.missing,
            why: v.why.into_iter().collect(),
            hints: v.hints.into_iter().collect(),
            sender: h.sender.to_string(),
            to_team: h.to.to_string(),
            values: h
                .values
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            hidden: v.hidden,
            carried: h.carried.iter().map(ToString::to_string).collect(),
            attachments: h
                .attachments
                .iter()
                .map(|a| AttachmentBody {
                    kind: a.kind.clone(),
                    title: a.title.clone(),
                    url: a.url.clone(),
                })
                .collect(),
            created_at: h.created_at.to_string(),
            submitted_at: h.first_submitted_at().map(|t| t.to_string()),
            accepted_at: h.accepted_at.map(|t| t.to_string()),
            rejections: h.rejections(),
            submissions: json(serde_json::to_value(&h.submissions)),
            decisions: json(serde_json::to_value(&h.decisions)),
            first_touch: h.first_touch.as_ref().map(|t| FirstTouchRecord {
                at: t.at.to_string(),
                by: t.by.to_string(),
                channel: t.channel.clone(),
            }),
            follow: json(serde_json::to_value(&h.follow)),
            attestations: json(serde_json::to_value(&h.attestations)),
            disagreements: Value::Array(disagreements),
            sla_breaches: h
                .breaches
                .iter()
                .map(|b| BreachBody {
                    kind: b.kind.as_str().to_string(),
                    due: b.due.to_string(),
                    at: b.at.to_string(),
                })
                .collect(),
        }
    }
}

/// A page of handoffs.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoffPage {
    /// The handoffs, in id order.
    pub items: Vec<HandoffBody>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// Filters for listing handoffs.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this contract.
    pub contract: Option<String>,
    /// Only this state.
    pub state: Option<String>,
    /// Only handoffs to this team.
    pub to_team: Option<String>,
    /// Only handoffs from this team (the contracts it sends).
    pub from_team: Option<String>,
    /// Only this account.
    pub account: Option<String>,
    /// Only handoffs of this CRM deal.
    pub deal: Option<String>,
    /// From the page after this cursor.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    #[serde(default, deserialize_with = "crate::body::integral::option")]
    pub limit: Option<u32>,
}

/// An event of a handoff's timeline.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEvent {
    /// Org-wide sequence number.
    pub seq: u64,
    /// How it entered Baton: `api`, `ui`, `cli`, `crm`, `import`, or
    /// `system` (Baton's own jobs, such as the SLA breach job).
    pub via: String,
    /// When Baton stored it.
    pub recorded_at: String,
    /// The event (its `type`, `by`, `at` and payload).
    #[schema(value_type = Object)]
    pub event: Value,
}

/// Parses a path id; a malformed one cannot exist, so it is "not found".
fn handoff_id(raw: &str) -> Result<HandoffId, ApiError> {
    HandoffId::parse(raw).map_err(|_| ApiError::not_found(format!("handoff '{raw}'")))
}

fn query_field<T>(
    what: &str,
    raw: Option<String>,
    parse: impl FnOnce(&str) -> Result<T, baton_domain::DomainError>,
) -> Result<Option<T>, ApiError> {
    raw.map(|r| parse(&r).map_err(|e| ApiError::invalid_field(what, e.to_string())))
        .transpose()
}

/// An action's answer: the handoff as the caller now reads it.
fn answer(h: Result<HandoffView, AppError>) -> ApiResult<Json<HandoffBody>> {
    Ok(Json(h?.into()))
}

/// Start a handoff as a draft; carried values are prefilled.
#[utoipa::path(post, path = "/handoffs", tag = "handoffs", request_body = NewHandoffBody,
    responses(
        (status = 201, description = "The draft", body = HandoffBody),
        (status = 422, description = "Unknown contract, account or field, or a bad value", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<NewHandoffBody>,
) -> ApiResult<(StatusCode, Json<HandoffBody>)> {
    let field =
        |what: &str, e: baton_domain::DomainError| ApiError::invalid_field(what, e.to_string());
    let new = NewHandoff {
        id: b
            .id
            .as_deref()
            .map(HandoffId::parse)
            .transpose()
            .map_err(|e| field("id", e))?,
        contract: ContractKey::parse(&b.contract).map_err(|e| field("contract", e))?,
        account: AccountId::parse(&b.account).map_err(|e| field("account", e))?,
        deal: b
            .deal
            .as_deref()
            .map(DealId::parse)
            .transpose()
            .map_err(|e| field("deal", e))?,
        to: b
            .to
            .as_deref()
            .map(TeamKey::parse)
            .transpose()
            .map_err(|e| field("to", e))?,
        values: b.values,
        attachments: b.attachments.into_iter().map(Into::into).collect(),
    };
    let h = s
        .app
        .start_handoff(&caller, new)
        .await
        .map_err(|e| ApiError::from(e).in_body())?;
    let view = s.app.view(&caller, h).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// List handoffs, filtered, a page at a time.
#[utoipa::path(get, path = "/handoffs", tag = "handoffs", params(ListQuery),
    responses((status = 200, description = "A page", body = HandoffPage)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Params(q): Params<ListQuery>,
) -> ApiResult<Json<HandoffPage>> {
    let filter = HandoffFilter {
        contract: query_field("contract", q.contract, |r| ContractKey::parse(r))?,
        state: query_field("state", q.state, |r| {
            HandoffState::parse(r).ok_or_else(|| {
                baton_domain::DomainError::value(
                    "state",
                    "one of draft, submitted, rejected, accepted, withdrawn",
                )
            })
        })?,
        to_team: query_field("to_team", q.to_team, |r| TeamKey::parse(r))?,
        account: query_field("account", q.account, |r| AccountId::parse(r))?,
        deal: query_field("deal", q.deal, |r| DealId::parse(r))?,
        ..HandoffFilter::default()
    };
    let from_team = query_field("from_team", q.from_team, |r| TeamKey::parse(r))?;
    let after = query_field("cursor", q.cursor, |r| HandoffId::parse(r))?;
    let (page, next) = s
        .app
        .list_handoffs(&caller, filter, from_team, after, page_limit(q.limit)?)
        .await?;
    Ok(Json(HandoffPage {
        items: page.into_iter().map(Into::into).collect(),
        next_cursor: next.map(|id| id.to_string()),
    }))
}

/// One handoff.
#[utoipa::path(get, path = "/handoffs/{id}", tag = "handoffs",
    params(("id" = String, Path, description = "The handoff's id")),
    responses((status = 200, description = "The handoff", body = HandoffBody), (status = 404, description = "No such handoff in your org")))]
pub async fn get(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<HandoffBody>> {
    Ok(Json(
        s.app.handoff(&caller, &handoff_id(&id)?).await?.into(),
    ))
}

/// Change values or add attachments (draft or rejected; the sender).
#[utoipa::path(patch, path = "/handoffs/{id}", tag = "handoffs", request_body = EditBody,
    params(("id" = String, Path, description = "The handoff's id")),
    responses((status = 200, description = "The handoff", body = HandoffBody)))]
pub async fn edit(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    Body(b): Body<EditBody>,
) -> ApiResult<Json<HandoffBody>> {
    let id = handoff_id(&id)?;
    let attachments = b.attachments.into_iter().map(Into::into).collect();
    let h = s
        .app
        .edit_handoff(&caller, &id, b.values, attachments)
        .await;
    answer(h)
}

/// The handoff's timeline, oldest first.
#[utoipa::path(get, path = "/handoffs/{id}/events", tag = "handoffs",
    params(("id" = String, Path, description = "The handoff's id")),
    responses((status = 200, description = "Its events", body = Vec<TimelineEvent>)))]
pub async fn events(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<TimelineEvent>>> {
    let events = s.app.handoff_events(&caller, &handoff_id(&id)?).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| TimelineEvent {
                seq: e.seq,
                via: e.via.as_str().to_string(),
                recorded_at: e.recorded_at.to_string(),
                event: serde_json::to_value(&e.event).unwrap_or(Value::Null),
            })
            .collect(),
    ))
}

/// Submit (or resubmit after rework). Gated and incomplete: 422 with `missing`.
#[utoipa::path(post, path = "/handoffs/{id}/submit", tag = "handoffs",
    params(("id" = String, Path, description = "The handoff's id")),
    responses(
        (status = 200, description = "Submitted", body = HandoffBody),
        (status = 422, description = "Gated and incomplete: `missing` names every missing field", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn submit(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<HandoffBody>> {
    let h = s.app.submit(&caller, &handoff_id(&id)?).await;
    answer(h)
}

/// Accept (a member of the receiving team); opens the gate.
#[utoipa::path(post, path = "/handoffs/{id}/accept", tag = "handoffs", request_body(content = AcceptBody, description = "Optional"),
    params(("id" = String, Path, description = "The handoff's id")),
    responses((status = 200, description = "Accepted", body = HandoffBody)))]
pub async fn accept(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    OptionalBody(b): OptionalBody<AcceptBody>,
) -> ApiResult<Json<HandoffBody>> {
    let values = b.values;
    let h = s.app.accept(&caller, &handoff_id(&id)?, values).await;
    answer(h)
}

/// Reject with a reason code, the reason, and the deficient fields.
#[utoipa::path(post, path = "/handoffs/{id}/reject", tag = "handoffs", request_body = RejectBody,
    params(("id" = String, Path, description = "The handoff's id")),
    responses((status = 200, description = "Rejected", body = HandoffBody)))]
pub async fn reject(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    Body(b): Body<RejectBody>,
) -> ApiResult<Json<HandoffBody>> {
    let r = Rejection {
        code: b.code,
        reason: b.reason,
        fields: b.fields,
    };
    let h = s.app.reject(&caller, &handoff_id(&id)?, r).await;
    answer(h)
}

/// Withdraw (the sender).
#[utoipa::path(post, path = "/handoffs/{id}/withdraw", tag = "handoffs",
    params(("id" = String, Path, description = "The handoff's id")),
    responses((status = 200, description = "Withdrawn", body = HandoffBody)))]
pub async fn withdraw(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<HandoffBody>> {
    let h = s.app.withdraw(&caller, &handoff_id(&id)?).await;
    answer(h)
}

/// Acknowledge with an ETA (receiving team, after acceptance).
#[utoipa::path(post, path = "/handoffs/{id}/ack", tag = "follow-through", request_body = AckBody,
    params(("id" = String, Path, description = "The handoff's id")),
    responses((status = 200, description = "Acknowledged", body = HandoffBody)))]
pub async fn ack(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    Body(b): Body<AckBody>,
) -> ApiResult<Json<HandoffBody>> {
    let eta = b.eta.parse().map_err(|e| {
        ApiError::invalid_field("eta", format!("'{}' is not an RFC 3339 time: {e}", b.eta))
    })?;
    let h = s.app.acknowledge(&caller, &handoff_id(&id)?, eta).await;
    answer(h)
}

/// Record the first touch of the lead (a member of the receiving team, once,
/// after acceptance; contracts with a first-touch SLA). The SLA is met when
/// it comes within the window; a later one records the breach first.
#[utoipa::path(post, path = "/handoffs/{id}/first-touch", tag = "handoffs", request_body(content = FirstTouchBody, description = "Optional"),
    params(("id" = String, Path, description = "The handoff's id")),
    responses((status = 200, description = "First touch recorded", body = HandoffBody)))]
pub async fn first_touch(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    OptionalBody(b): OptionalBody<FirstTouchBody>,
) -> ApiResult<Json<HandoffBody>> {
    let h = s
        .app
        .first_touch(&caller, &handoff_id(&id)?, b.channel, b.note)
        .await;
    answer(h)
}

/// Echo a status update to the sender.
#[utoipa::path(post, path = "/handoffs/{id}/echo", tag = "follow-through", request_body = FollowUpNoteBody,
    params(("id" = String, Path, description = "The handoff's id")),
    responses((status = 200, description = "Echoed", body = HandoffBody)))]
pub async fn echo(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    Body(b): Body<FollowUpNoteBody>,
) -> ApiResult<Json<HandoffBody>> {
    let h = s.app.echo(&caller, &handoff_id(&id)?, b.note).await;
    answer(h)
}

/// Mark resolved (receiving team).
#[utoipa::path(post, path = "/handoffs/{id}/resolve", tag = "follow-through", request_body = FollowUpNoteBody,
    params(("id" = String, Path, description = "The handoff's id")),
    responses((status = 200, description = "Resolved", body = HandoffBody)))]
pub async fn resolve(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    Body(b): Body<FollowUpNoteBody>,
) -> ApiResult<Json<HandoffBody>> {
    let h = s.app.resolve(&caller, &handoff_id(&id)?, b.note).await;
    answer(h)
}

/// Close the loop with the customer (the communication owner).
#[utoipa::path(post, path = "/handoffs/{id}/close-loop", tag = "follow-through", request_body = FollowUpNoteBody,
    params(("id" = String, Path, description = "The handoff's id")),
    responses((status = 200, description = "Loop closed", body = HandoffBody)))]
pub async fn close_loop(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    Body(b): Body<FollowUpNoteBody>,
) -> ApiResult<Json<HandoffBody>> {
    let h = s.app.close_loop(&caller, &handoff_id(&id)?, b.note).await;
    answer(h)
}

/// Answer an attestation question; differing answers are flagged.
#[utoipa::path(post, path = "/handoffs/{id}/attest", tag = "handoffs", request_body = AttestBody,
    params(("id" = String, Path, description = "The handoff's id")),
    responses((status = 200, description = "Recorded; see `disagreements`", body = HandoffBody)))]
pub async fn attest(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
    Body(b): Body<AttestBody>,
) -> ApiResult<Json<HandoffBody>> {
    let h = s
        .app
        .attest(&caller, &handoff_id(&id)?, b.question, b.answer)
        .await;
    answer(h)
}
