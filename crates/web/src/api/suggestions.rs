//! Conversation notes and the re-discovery Baton finds in them: a note
//! comes in, questions that re-ask what an accepted handoff answered come
//! back as suggestions with their evidence, and a person confirms (it
//! counts in the scorecard) or dismisses each.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_app::rediscovery::NoteInput;
use baton_domain::rediscovery::{Learned, Quality, SuggestedIncident, SuggestionStatus};
use baton_domain::{AccountId, Email, TeamKey, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::accounts::AccountBody;
use crate::api::page_limit;
use crate::auth::Authed;
use crate::body::{Body, Params};
use crate::error::{ApiError, ApiResult};

/// A conversation note: a call summary, a transcript, an email.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversationNoteBody {
    /// The account.
    pub account: String,
    /// The note. Questions in it (direct, or reported: "asked who signs")
    /// are matched against what the account's accepted handoffs answered.
    pub text: String,
    /// Who wrote it (an org user); the caller when left out.
    #[serde(default)]
    pub author: Option<String>,
    /// The author's team, the side that asked; the author's team when they
    /// have exactly one.
    #[serde(default)]
    pub team: Option<String>,
    /// When the conversation happened (RFC 3339); now when left out.
    #[serde(default)]
    pub at: Option<String>,
}

/// A suggested re-discovery incident with its evidence.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionBody {
    /// Its id.
    pub id: String,
    /// The account.
    pub account: String,
    /// The handoff that answered the question.
    pub handoff: String,
    /// That handoff's contract.
    pub contract: String,
    /// The field re-asked.
    pub field: String,
    /// The question, as written in the note.
    pub question: String,
    /// The answer on record.
    pub answer: String,
    /// Match strength: the threshold (0.55, or the contract's learned one)
    /// and up is suggested, higher is surer (not a probability).
    pub score: f64,
    /// Who wrote the note.
    pub author: Option<String>,
    /// The note's team.
    pub team: Option<String>,
    /// When the question was asked.
    pub at: String,
    /// `open`, `confirmed` or `dismissed`.
    pub status: String,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
}

impl From<SuggestedIncident> for SuggestionBody {
    fn from(s: SuggestedIncident) -> Self {
        Self {
            id: s.id,
            account: s.account.to_string(),
            handoff: s.handoff.to_string(),
            contract: s.contract.to_string(),
            field: s.field.to_string(),
            question: s.question,
            answer: s.answer,
            score: f64::from(s.score) / 1000.0,
            author: s.author.map(|e| e.to_string()),
            team: s.team.map(|t| t.to_string()),
            at: s.at.to_string(),
            status: s.status.as_str().to_string(),
            decided_by: s.decided_by.map(|e| e.to_string()),
            decided_at: s.decided_at.map(|t| t.to_string()),
        }
    }
}

/// A recorded note and what Baton found in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteRecorded {
    /// The account as it now stands.
    pub account: AccountBody,
    /// Questions that re-ask an answered field, open for review.
    pub suggestions: Vec<SuggestionBody>,
}

/// Suggestions, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionList {
    /// The suggestions.
    pub items: Vec<SuggestionBody>,
}

/// Which suggestions to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SuggestionQuery {
    /// `open` (the default), `confirmed`, `dismissed` or `all`.
    pub status: Option<String>,
    /// One account.
    pub account: Option<String>,
    /// At most this many, 1–200 (default 50).
    #[serde(default, deserialize_with = "crate::body::integral::option")]
    pub limit: Option<u32>,
}

fn parsed<T, E: std::fmt::Display>(field: &str, r: Result<T, E>) -> Result<T, ApiError> {
    r.map_err(|e| ApiError::invalid_field(field, e.to_string()))
}

/// Record a conversation note; answers with the re-discovery suggested.
#[utoipa::path(post, path = "/signals/notes", tag = "signals", request_body = ConversationNoteBody,
    responses(
        (status = 201, description = "Recorded; the account and the suggestions found", body = NoteRecorded),
        (status = 422, description = "Unknown account, author or team, or an empty note", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn note(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<ConversationNoteBody>,
) -> ApiResult<(StatusCode, Json<NoteRecorded>)> {
    let input = NoteInput {
        account: parsed("account", AccountId::parse(&b.account))?,
        text: b.text,
        author: b
            .author
            .map(|a| parsed("author", Email::parse(a)))
            .transpose()?,
        team: b
            .team
            .map(|t| parsed("team", TeamKey::parse(t)))
            .transpose()?,
        at: b
            .at
            .map(|t| parsed("at", t.parse::<Timestamp>()))
            .transpose()?,
    };
    let out = s
        .app
        .record_note(&caller, input)
        .await
        .map_err(|e| ApiError::from(e).in_body())?;
    Ok((
        StatusCode::CREATED,
        Json(NoteRecorded {
            account: out.account.into(),
            suggestions: out.suggestions.into_iter().map(Into::into).collect(),
        }),
    ))
}

/// Suggested re-discovery incidents: open ones to review, or all.
#[utoipa::path(get, path = "/signals/suggestions", tag = "signals", params(SuggestionQuery),
    responses(
        (status = 200, description = "Newest first", body = SuggestionList),
        (status = 422, description = "A bad status or account", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Params(q): Params<SuggestionQuery>,
) -> ApiResult<Json<SuggestionList>> {
    let status = match q.status.as_deref().unwrap_or("open") {
        "all" => None,
        raw => Some(SuggestionStatus::parse(raw).ok_or_else(|| {
            ApiError::invalid_field(
                "status",
                format!("'{raw}' is not one of: open, confirmed, dismissed, all"),
            )
        })?),
    };
    let account = q
        .account
        .map(|a| parsed("account", AccountId::parse(a)))
        .transpose()?;
    let items = s
        .app
        .suggestions(&caller, status, account.as_ref(), page_limit(q.limit)?)
        .await?;
    Ok(Json(SuggestionList {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

async fn decide(
    s: AppState,
    caller: &baton_app::Caller,
    id: &str,
    confirmed: bool,
) -> ApiResult<Json<SuggestionBody>> {
    Ok(Json(
        s.app.decide_suggestion(caller, id, confirmed).await?.into(),
    ))
}

/// Confirm a suggestion: it becomes a re-discovery incident and counts in
/// the scorecard (in the period the question was asked).
#[utoipa::path(post, path = "/signals/suggestions/{id}/confirm", tag = "signals",
    params(("id" = String, Path, description = "The suggestion's id")),
    responses(
        (status = 200, description = "Confirmed", body = SuggestionBody),
        (status = 403, description = "Not the receiving team, the note's author or team, or an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such suggestion in your org"),
        (status = 409, description = "Already decided", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn confirm(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<SuggestionBody>> {
    decide(s, &caller, &id, true).await
}

/// Dismiss a suggestion: the question asked something new.
#[utoipa::path(post, path = "/signals/suggestions/{id}/dismiss", tag = "signals",
    params(("id" = String, Path, description = "The suggestion's id")),
    responses(
        (status = 200, description = "Dismissed", body = SuggestionBody),
        (status = 403, description = "Not the receiving team, the note's author or team, or an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such suggestion in your org"),
        (status = 409, description = "Already decided", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn dismiss(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<SuggestionBody>> {
    decide(s, &caller, &id, false).await
}

/// A contract whose threshold the org's decisions moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct LearnedThreshold {
    /// The contract.
    pub contract: String,
    /// The lowest score now suggested for its fields.
    pub threshold: f64,
}

/// How the re-discovery detector does on the org's own decisions, and what
/// it learned from them.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionQuality {
    /// Suggestions waiting for a person.
    pub open: u64,
    /// Suggestions confirmed.
    pub confirmed: u64,
    /// Suggestions dismissed.
    pub dismissed: u64,
    /// Confirmed over decided; null before any decision. Measured.
    pub precision: Option<f64>,
    /// Re-discovery incidents people reported by hand rather than
    /// confirming a suggestion.
    pub reported_by_hand: u64,
    /// Confirmed over confirmed plus reported by hand; null with nothing on
    /// record. Not recall: a re-ask nobody confirmed or reported is in
    /// neither count, so this is an upper bound of it.
    pub found_share: Option<f64>,
    /// The default threshold: a contract without a learned one uses it.
    pub default_threshold: f64,
    /// Contracts whose decisions chose another threshold.
    pub thresholds: Vec<LearnedThreshold>,
    /// Distinct confirmed questions the detector now matches paraphrases of.
    pub learned_phrases: usize,
    /// Distinct dismissed questions whose near paraphrases it no longer
    /// suggests for the same field.
    pub dismissed_phrases: usize,
}

impl SuggestionQuality {
    /// The figures as the app computed them.
    pub fn new(q: Quality, learned: &Learned) -> Self {
        let (learned_phrases, dismissed_phrases) = learned.phrase_counts();
        Self {
            open: q.open,
            confirmed: q.confirmed,
            dismissed: q.dismissed,
            precision: q.precision(),
            reported_by_hand: q.reported_by_hand,
            found_share: q.found_share(),
            default_threshold: baton_domain::rediscovery::THRESHOLD,
            thresholds: learned
                .thresholds()
                .iter()
                .map(|(c, t)| LearnedThreshold {
                    contract: c.to_string(),
                    threshold: (t * 100.0).round() / 100.0,
                })
                .collect(),
            learned_phrases,
            dismissed_phrases,
        }
    }
}

/// The detector's precision on the org's decided suggestions, how much of
/// the re-discovery on record it found, and what it learned (admins).
#[utoipa::path(get, path = "/signals/suggestions/quality", tag = "signals",
    responses(
        (status = 200, description = "The figures", body = SuggestionQuality),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn quality(
    State(s): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<SuggestionQuality>> {
    let (q, learned) = s.app.suggestion_quality(&caller).await?;
    Ok(Json(SuggestionQuality::new(q, &learned)))
}
