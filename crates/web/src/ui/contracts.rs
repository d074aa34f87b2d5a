//! The contract pages: every contract at a glance, one contract with its
//! guidance, fields, SLAs, history and proposals, the mode switch and the
//! proposal form. The receiving team holds the pen (the editor is in
//! [`edit`]); the sending team proposes. Who may do what is asked of the
//! domain's contract, and every change goes through the same use cases as
//! the JSON API.

pub mod diff;
pub mod draft;
pub mod edit;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use baton_app::contracts::Proposal;
use baton_app::rollout::ModeSwitch;
use baton_domain::contract::diff::describe_field;
use baton_domain::contract::seed::seeded_contracts;
use baton_domain::contract::{Contract, ContractDef, Gate, Mode};
use baton_domain::field::{FieldType, Owner};
use baton_domain::{ContractKey, Timestamp};
use baton_store::VersionRecord;
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::ui::contracts::draft::{NewField, TYPES};
use crate::ui::{Page, Posted, UiError, UiResult, Viewer, render, render_status};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contracts", get(list))
        .route("/contracts.csv", get(list_csv))
        .route("/contracts/{key}", get(show))
        .route("/contracts/{key}/mode", post(set_mode))
        .route("/contracts/{key}/proposals", post(propose))
        .route("/contracts/{key}/proposals/{id}/answer", post(answer))
        .route("/contracts/{key}/edit", get(edit::form))
        .route("/contracts/{key}/publish", post(edit::publish))
        .route("/contracts/{key}/diff", get(diff::page))
}

/// A key from the path; a malformed one cannot exist, so it is "not found".
fn contract_key(raw: &str) -> UiResult<ContractKey> {
    ContractKey::parse(raw).map_err(|_| {
        UiError::Status(
            StatusCode::NOT_FOUND,
            format!("not found: contract '{raw}'"),
        )
    })
}

/// When, for people: `2026-10-01 09:30 UTC`.
pub fn when(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// The gate's name.
pub fn gate_name(g: Gate) -> &'static str {
    match g {
        Gate::Commission => "commission",
        Gate::Stage => "stage",
        Gate::Queue => "queue",
    }
}

fn teams(def: &ContractDef) -> String {
    def.receiving_teams
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One contract in the listing.
#[derive(Debug, Clone)]
pub struct ListRow {
    /// Key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Sending team.
    pub from: String,
    /// Receiving teams.
    pub to: String,
    /// `observe` or `gated`.
    pub mode: &'static str,
    /// Current version.
    pub version: u32,
    /// Gate.
    pub gate: &'static str,
    /// Mandatory fields.
    pub mandatory: usize,
    /// All fields.
    pub fields: usize,
}

#[derive(Template)]
#[template(path = "contracts/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<ListRow>,
}

/// The org's contracts as the listing shows them, in lifecycle order (the
/// seeded ones lead to renewal), then the org's own by key.
async fn list_rows(s: &AppState, v: &Viewer) -> UiResult<Vec<ListRow>> {
    let mut rows: Vec<ListRow> = s
        .app
        .contracts(&v.caller)
        .await?
        .into_iter()
        .map(|c| ListRow {
            key: c.key.to_string(),
            title: c.current.title.clone(),
            from: c.current.sending_team.to_string(),
            to: teams(&c.current),
            mode: c.mode.as_str(),
            version: c.current_version,
            gate: gate_name(c.current.gate),
            mandatory: c.current.fields.iter().filter(|f| f.required).count(),
            fields: c.current.fields.len(),
        })
        .collect();
    let lifecycle: Vec<String> = seeded_contracts()
        .iter()
        .map(|d| d.key.to_string())
        .collect();
    rows.sort_by_key(|r| {
        (
            lifecycle
                .iter()
                .position(|k| *k == r.key)
                .unwrap_or(usize::MAX),
            r.key.clone(),
        )
    });
    Ok(rows)
}

/// `GET /contracts.csv`: the listing, one row per contract.
async fn list_csv(State(s): State<AppState>, v: Viewer) -> UiResult {
    let mut out = baton_app::csv_cells::header(&[
        "key",
        "title",
        "from",
        "to",
        "mode",
        "version",
        "gate",
        "mandatory_fields",
        "fields",
    ]);
    for r in list_rows(&s, &v).await? {
        out.push_str(
            &baton_app::csv_cells::Row::new()
                .text(&r.key)
                .text(&r.title)
                .text(&r.from)
                .text(&r.to)
                .text(r.mode)
                .number(r.version)
                .text(r.gate)
                .number(r.mandatory)
                .number(r.fields)
                .line(),
        );
    }
    Ok(crate::ui::download::csv("contracts", out))
}

async fn list(State(s): State<AppState>, v: Viewer) -> UiResult {
    let rows = list_rows(&s, &v).await?;
    render(&ListPage {
        page: v.page.at("contracts"),
        rows,
    })
}

/// One field as the contract page shows it.
#[derive(Debug, Clone)]
pub struct FieldRow {
    /// Key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Type name.
    pub kind: String,
    /// Options of an enum type, comma-separated (blank otherwise).
    pub options: String,
    /// Required.
    pub required: bool,
    /// Minimum length (blank for none).
    pub min_len: String,
    /// `sender` or `receiver`.
    pub owner: &'static str,
    /// `contract.field` it is carried from (blank for none).
    pub carried: String,
    /// Sensitive.
    pub sensitive: bool,
    /// Help text.
    pub help: String,
}

fn field_rows(def: &ContractDef) -> Vec<FieldRow> {
    def.fields
        .iter()
        .map(|f| FieldRow {
            key: f.key.to_string(),
            label: f.label.clone(),
            kind: f.kind.name().to_string(),
            options: match &f.kind {
                FieldType::Enum { options } | FieldType::MultiEnum { options } => {
                    options.join(", ")
                }
                _ => String::new(),
            },
            required: f.required,
            min_len: f.min_len.map(|m| m.to_string()).unwrap_or_default(),
            owner: match f.owner {
                Owner::Sender => "sender",
                Owner::Receiver => "receiver",
            },
            carried: f
                .carried_from
                .as_ref()
                .map(|c| format!("{}.{}", c.contract, c.field))
                .unwrap_or_default(),
            sensitive: f.sensitive,
            help: f.help.clone(),
        })
        .collect()
}

/// One published version in the history.
#[derive(Debug, Clone)]
pub struct VersionRow {
    /// Its number.
    pub version: u32,
    /// When it was published.
    pub when: String,
    /// By whom (blank for the seeded first version).
    pub by: String,
    /// How many differences from the previous version (none for the first).
    pub changes: Option<usize>,
}

fn version_rows(history: &[VersionRecord]) -> Vec<VersionRow> {
    let mut rows: Vec<VersionRow> = history
        .iter()
        .enumerate()
        .map(|(i, v)| VersionRow {
            version: v.version,
            when: when(v.published_at),
            by: v.published_by.clone().unwrap_or_default(),
            changes: i.checked_sub(1).and_then(|p| history.get(p)).map(|prev| {
                baton_domain::contract::diff::diff(&prev.definition, &v.definition).len()
            }),
        })
        .collect();
    rows.reverse();
    rows
}

/// A proposal as the contract page lists it.
#[derive(Debug, Clone)]
pub struct ProposalRow {
    /// Its id, for the answer form.
    pub id: u64,
    /// Who.
    pub by: String,
    /// When.
    pub when: String,
    /// The version it was made against.
    pub version: u32,
    /// Still waiting for the receiving team's answer.
    pub open: bool,
    /// What should change, and why.
    pub summary: String,
    /// The proposed fields, one line each: `key: Label (type, …)`.
    pub fields: Vec<String>,
    /// The answer, once given: `accepted` or `declined`, who, when, why.
    pub answer: Option<AnswerRow>,
}

/// A lead's answer as the page shows it.
#[derive(Debug, Clone)]
pub struct AnswerRow {
    /// Accepted or declined.
    pub accepted: bool,
    /// Who.
    pub by: String,
    /// When.
    pub when: String,
    /// Why.
    pub reason: String,
}

/// Newest first, as the page lists them.
fn proposal_rows(ps: Vec<Proposal>) -> Vec<ProposalRow> {
    let mut rows: Vec<ProposalRow> = ps
        .into_iter()
        .map(|p| {
            let id = p.id;
            let p = p.proposal;
            ProposalRow {
                id,
                by: p.by.to_string(),
                when: when(p.at),
                version: p.version,
                open: p.answer.is_none(),
                summary: p.summary,
                fields: p
                    .fields
                    .iter()
                    .map(|f| format!("{}: {}", f.key, describe_field(f)))
                    .collect(),
                answer: p.answer.map(|a| AnswerRow {
                    accepted: a.accepted,
                    by: a.by.to_string(),
                    when: when(a.at),
                    reason: a.reason,
                }),
            }
        })
        .collect();
    rows.reverse();
    rows
}

/// The proposal form as typed, with its error.
#[derive(Debug, Clone, Default)]
pub struct ProposalForm {
    /// What should change, and why.
    pub summary: String,
    /// An optional field to add or reword.
    pub field: NewField,
    /// Why the last post was refused.
    pub error: Option<String>,
    /// The input at fault.
    pub input: String,
}

#[derive(Template)]
#[template(path = "contracts/show.html")]
struct ContractPage {
    page: Page,
    key: String,
    title: String,
    from: String,
    to: String,
    gate: &'static str,
    mode: &'static str,
    version: u32,
    def: ContractDef,
    fields: Vec<FieldRow>,
    pen: bool,
    may_propose: bool,
    versions: Vec<VersionRow>,
    proposals: Vec<ProposalRow>,
    open_proposals: usize,
    form: ProposalForm,
    /// An answer refused, to show beside its proposal.
    answering: Option<Answering>,
    notice: Option<String>,
    types: &'static [(&'static str, &'static str)],
}

/// An answer to a proposal as typed, with why it was refused.
#[derive(Debug, Clone)]
struct Answering {
    id: u64,
    reason: String,
    error: String,
}

impl ContractPage {
    /// Whether the proposal form's `input` is the one at fault.
    fn invalid(&self, input: &str) -> bool {
        self.form.input == input
    }

    /// The refused answer to proposal `id`, if that is the one.
    fn answering(&self, id: &u64) -> Option<&Answering> {
        self.answering.as_ref().filter(|a| a.id == *id)
    }
}

async fn contract_page(
    s: &AppState,
    v: &Viewer,
    c: Contract,
    form: ProposalForm,
) -> UiResult<ContractPage> {
    let history = s.app.contract_history(&v.caller, &c.key).await?;
    let proposals = proposal_rows(s.app.proposals(&v.caller, &c.key).await?);
    Ok(ContractPage {
        page: v.page.at("contracts"),
        key: c.key.to_string(),
        title: c.current.title.clone(),
        from: c.current.sending_team.to_string(),
        to: teams(&c.current),
        gate: gate_name(c.current.gate),
        mode: c.mode.as_str(),
        version: c.current_version,
        fields: field_rows(&c.current),
        pen: c.holds_pen(&v.actor),
        may_propose: c.may_propose(&v.actor),
        versions: version_rows(&history),
        open_proposals: proposals.iter().filter(|p| p.open).count(),
        proposals,
        form,
        answering: None,
        notice: None,
        types: TYPES,
        def: c.current,
    })
}

/// What a post that redirected here did, for the notice.
#[derive(Debug, Deserialize)]
struct Done {
    published: Option<String>,
    mode: Option<String>,
    proposed: Option<String>,
    answered: Option<String>,
}

impl Done {
    /// A sentence confirming what happened, when it is still true.
    fn notice(&self, c: &Contract) -> Option<String> {
        if let Some(n) = &self.published
            && *n == c.current_version.to_string()
        {
            return Some(format!(
                "Version {n} is published. Handoffs already started stay on the version they \
                 began under; new ones use version {n}."
            ));
        }
        match self.mode.as_deref() {
            Some(m) if m == c.mode.as_str() && c.mode == Mode::Gated => {
                return Some(
                    "The contract is now gated: submissions scoring below 100 are refused, \
                     naming every missing field."
                        .into(),
                );
            }
            Some(m) if m == c.mode.as_str() => {
                return Some(
                    "The contract is now in observe mode: every submission is recorded with \
                     its score, complete or not."
                        .into(),
                );
            }
            _ => {}
        }
        match self.answered.as_deref() {
            Some("accepted") => {
                return Some(
                    "You accepted the proposal. Write it into the next version: the contract \
                     changes when you publish."
                        .into(),
                );
            }
            Some("declined") => {
                return Some(
                    "You declined the proposal. The sending team sees your reason here.".into(),
                );
            }
            _ => {}
        }
        self.proposed.as_ref().map(|_| {
            "Your proposal is recorded. The receiving team's leads see it here and answer \
             here, accepting or declining it with a reason."
                .into()
        })
    }
}

async fn show(
    State(s): State<AppState>,
    v: Viewer,
    Path(key): Path<String>,
    Query(done): Query<Done>,
) -> UiResult {
    let c = s.app.contract(&v.caller, &contract_key(&key)?).await?;
    let notice = done.notice(&c);
    let mut page = contract_page(&s, &v, c, ProposalForm::default()).await?;
    page.notice = notice;
    render(&page)
}

async fn set_mode(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Posted(v, f): Posted,
) -> UiResult {
    let key = contract_key(&key)?;
    let mode = Mode::parse(f.get("mode").unwrap_or_default())
        .map_err(|e| UiError::Status(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))?;
    let reason = f.get("reason").map(str::to_string);
    let switch = ModeSwitch {
        contract: key.clone(),
        mode,
        reason,
    };
    s.app.set_mode(&v.caller, switch).await?;
    Ok(Redirect::to(&format!("/contracts/{key}?mode={}#mode", mode.as_str())).into_response())
}

async fn propose(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Posted(v, f): Posted,
) -> UiResult {
    let key = contract_key(&key)?;
    let c = s.app.contract(&v.caller, &key).await?;
    // Refused before the form is judged: a malformed proposal from someone
    // who may not propose is still a refusal, not a form to correct.
    if !c.may_propose(&v.actor) {
        return Err(UiError::Status(
            StatusCode::FORBIDDEN,
            format!(
                "Only members of the sending team ({}) propose changes to '{key}'.",
                c.current.sending_team
            ),
        ));
    }
    let mut form = ProposalForm {
        summary: f.get("p-summary").unwrap_or_default().to_string(),
        field: NewField::from_form(&f, "p-"),
        error: None,
        input: String::new(),
    };
    let fields = match form.field.parse(&c.current, "p-", true) {
        Ok(field) => field.into_iter().collect(),
        Err(e) => {
            form.error = Some(e.message);
            form.input = e.input;
            let page = contract_page(&s, &v, c, form).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    match s
        .app
        .propose_change(&v.caller, &key, &form.summary, fields)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/contracts/{key}?proposed=1#proposals")).into_response())
        }
        Err(e) => {
            let api = ApiError::from(e);
            if api.status != StatusCode::UNPROCESSABLE_ENTITY.as_u16() {
                return Err(api.into());
            }
            form.input = match api.errors.first().and_then(|p| p.field.as_deref()) {
                Some("summary") => "p-summary".into(),
                Some(_) => "p-key".into(),
                None => String::new(),
            };
            form.error = Some(api.detail);
            let page = contract_page(&s, &v, c, form).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

async fn answer(
    State(s): State<AppState>,
    Path((key, id)): Path<(String, String)>,
    Posted(v, f): Posted,
) -> UiResult {
    let key = contract_key(&key)?;
    let id: u64 = id.parse().map_err(|_| {
        UiError::Status(
            StatusCode::NOT_FOUND,
            format!("not found: proposal '{id}' of contract '{key}'"),
        )
    })?;
    let accepted = match f.get("decision") {
        Some("accept") => true,
        Some("decline") => false,
        _ => {
            return Err(UiError::Status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Choose Accept or Decline.".into(),
            ));
        }
    };
    let reason = f.get("reason").unwrap_or_default().to_string();
    match s
        .app
        .answer_proposal(&v.caller, &key, id, accepted, &reason)
        .await
    {
        Ok(_) => {
            let how = if accepted { "accepted" } else { "declined" };
            Ok(
                Redirect::to(&format!("/contracts/{key}?answered={how}#proposal-{id}"))
                    .into_response(),
            )
        }
        Err(e) => {
            let api = ApiError::from(e);
            if api.status != StatusCode::UNPROCESSABLE_ENTITY.as_u16() {
                return Err(api.into());
            }
            let c = s.app.contract(&v.caller, &key).await?;
            let mut page = contract_page(&s, &v, c, ProposalForm::default()).await?;
            page.answering = Some(Answering {
                id,
                reason,
                error: api.detail,
            });
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
