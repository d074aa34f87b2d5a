//! The caller's work queue (the inbox), for clients other than the UI:
//! every next step their handoffs and their teams' handoffs ask of them,
//! overdue first, with the suggestions, audits and proposals theirs to
//! finish.

use axum::Json;
use axum::extract::State;
use baton_app::queue::Queue;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::error::ApiResult;

/// One step a handoff asks for.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItem {
    /// The handoff.
    pub handoff: String,
    /// Its account.
    pub account: String,
    /// Its contract.
    pub contract: String,
    /// Its state.
    pub state: String,
    /// The work: `decide`, `rework`, `submit`, `first_touch`,
    /// `acknowledge`, `echo`, `resolve`, `close_loop` or `attest`.
    pub step: String,
    /// The work in words.
    pub label: String,
    /// The team whose work it is; absent when it is the caller's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// When it falls due (RFC 3339), where a deadline or ETA says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<String>,
    /// Past due.
    pub overdue: bool,
}

/// A re-discovery suggestion to review.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueSuggestion {
    /// Its id (decide it at `/suggestions/{id}`).
    pub id: String,
    /// The account.
    pub account: String,
    /// The handoff whose answer was asked for again.
    pub handoff: String,
    /// The question, as the note put it.
    pub question: String,
}

/// A sampled audit drawn and not yet recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueAudit {
    /// The contract.
    pub contract: String,
    /// The sample's id.
    pub sample: String,
    /// The handoff drawn.
    pub handoff: String,
    /// When it was drawn (RFC 3339).
    pub sampled_at: String,
}

/// A proposal waiting for a lead's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueProposal {
    /// The contract.
    pub contract: String,
    /// The proposal's id (answer it at
    /// `/contracts/{contract}/proposals/{id}/answer`).
    pub id: u64,
    /// What should change, and why.
    pub summary: String,
    /// Who proposed it.
    pub by: String,
    /// When (RFC 3339).
    pub at: String,
}

/// Everything waiting for the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueBody {
    /// Handoff steps: overdue first, then soonest due, undated last.
    pub items: Vec<QueueItem>,
    /// How many items are overdue.
    pub overdue: usize,
    /// Suggestions theirs to review, oldest first.
    pub suggestions: Vec<QueueSuggestion>,
    /// Audits they drew and have not recorded.
    pub audits: Vec<QueueAudit>,
    /// Proposals to contracts their teams receive, for a lead to answer.
    pub proposals: Vec<QueueProposal>,
}

impl From<Queue> for QueueBody {
    fn from(q: Queue) -> Self {
        Self {
            overdue: q.overdue(),
            items: q
                .items
                .into_iter()
                .map(|i| {
                    let h = i.handoff.handoff;
                    QueueItem {
                        handoff: h.id.to_string(),
                        account: h.account.to_string(),
                        contract: h.contract.to_string(),
                        state: h.state.as_str().into(),
                        step: i.step.step.as_str().into(),
                        label: i.step.step.label().into(),
                        team: i.step.team.map(|t| t.to_string()),
                        due: i.step.due.map(|d| d.to_string()),
                        overdue: i.overdue,
                    }
                })
                .collect(),
            suggestions: q
                .suggestions
                .into_iter()
                .map(|s| QueueSuggestion {
                    id: s.id,
                    account: s.account.to_string(),
                    handoff: s.handoff.to_string(),
                    question: s.question,
                })
                .collect(),
            audits: q
                .audits
                .into_iter()
                .map(|a| QueueAudit {
                    contract: a.contract.to_string(),
                    sample: a.sample.id,
                    handoff: a.sample.handoff.to_string(),
                    sampled_at: a.sample.sampled_at.to_string(),
                })
                .collect(),
            proposals: q
                .proposals
                .into_iter()
                .map(|p| QueueProposal {
                    contract: p.contract.to_string(),
                    id: p.id,
                    summary: p.proposal.summary,
                    by: p.proposal.by.to_string(),
                    at: p.proposal.at.to_string(),
                })
                .collect(),
        }
    }
}

/// The caller's work queue.
#[utoipa::path(get, path = "/queue", tag = "handoffs",
    responses((status = 200, description = "What waits for the caller, overdue first", body = QueueBody)))]
pub async fn get(State(s): State<AppState>, Authed(caller): Authed) -> ApiResult<Json<QueueBody>> {
    Ok(Json(s.app.queue(&caller).await?.into()))
}
