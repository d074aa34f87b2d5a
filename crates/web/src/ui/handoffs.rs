//! Handoff pages: the list, starting one, the sender's form with its live
//! completeness meter, and the handoff page with its values, attachments,
//! timeline and every action (decide, rework, follow-through, attestations,
//! re-discovery).
//!
//! The meter is computed by the same domain function that scores a
//! submission, from the form as it stands, without writing anything: what
//! the sender sees while typing is exactly what the gate will say.

mod brief;
pub mod list;
mod timeline;

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use baton_app::handoffs::{HandoffView, NewHandoff, Rejection};
use baton_app::signals::Incident;
use baton_domain::contract::{ContractDef, Mode};
use baton_domain::field::{FieldDef, FieldType, Owner};
use baton_domain::handoff::{ATTACHMENT_KINDS, Action, Attachment, State as HState};
use baton_domain::{ContractKey, DealId, FieldKey, HandoffId, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AppState;
use crate::ui::{
    Fields, Page, Posted, UiError, UiResult, Viewer, money, render, render_form, render_status,
};

pub use timeline::Entry;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/handoffs", get(list::list))
        .route("/handoffs.csv", get(list::csv))
        .route("/handoffs/new", get(new_form).post(create))
        .route("/accounts/options", get(account_options))
        .route("/handoffs/{id}", get(show))
        .route("/handoffs/{id}/brief", get(brief::show))
        .route("/handoffs/{id}/edit", get(edit_form).post(save))
        .route("/handoffs/{id}/meter", post(meter))
        .route("/handoffs/{id}/autosave", post(autosave))
        .route("/handoffs/{id}/{action}", post(act))
}

/// Form fields carrying values are named `f.<field key>`.
const VALUE_PREFIX: &str = "f.";

fn handoff_id(raw: &str) -> Result<HandoffId, UiError> {
    HandoffId::parse(raw)
        .map_err(|_| UiError::Status(StatusCode::NOT_FOUND, format!("no handoff '{raw}'")))
}

/// What a refused use case says, for showing beside the form.
fn said(e: baton_app::AppError) -> String {
    crate::error::ApiError::from(e).detail
}

fn invalid(what: &str, e: impl std::fmt::Display) -> UiError {
    UiError::Status(StatusCode::UNPROCESSABLE_ENTITY, format!("{what}: {e}"))
}

// ---------------------------------------------------------------- list ----

// ----------------------------------------------------------------- new ----

#[derive(Template)]
#[template(path = "handoffs/new.html")]
struct NewPage {
    page: Page,
    /// (key, title, receiving teams, mode) of the contracts the viewer sends.
    contracts: Vec<(String, String, String, &'static str)>,
    accounts: Vec<(String, String)>,
    contract: String,
    account: String,
    deal: String,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    contract: Option<String>,
    account: Option<String>,
    deal: Option<String>,
}

async fn new_page(
    s: &AppState,
    v: &Viewer,
    contract: String,
    account: String,
    deal: String,
    error: Option<String>,
) -> UiResult {
    let contracts = s
        .app
        .contracts(&v.caller)
        .await?
        .into_iter()
        .filter(|c| v.actor.admin || v.actor.in_team(&c.current.sending_team))
        .map(|c| {
            let to = c
                .current
                .receiving_teams
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            (c.key.to_string(), c.current.title, to, c.mode.as_str())
        })
        .collect();
    let (accounts, _) = s
        .app
        .accounts(&v.caller, None, baton_app::signals::MAX_ACCOUNT_PAGE)
        .await?;
    let page = NewPage {
        page: v.page.at("new"),
        contracts,
        accounts: accounts.iter().map(account_option).collect(),
        contract,
        account,
        deal,
        error,
    };
    render_form(page.error.is_some(), &page)
}

/// An account as the picker offers it: "Name (id)" to pick, ARR beside.
fn account_option(a: &baton_domain::account::Account) -> (String, String) {
    (format!("{} ({})", a.name, a.id), money(&a.arr))
}

#[derive(Template)]
#[template(
    source = "{% for (value, label) in options %}<option value=\"{{ value }}\">{{ label }}</option>{% endfor %}",
    ext = "html"
)]
struct AccountOptions {
    options: Vec<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
struct PickQuery {
    account: Option<String>,
}

/// `GET /accounts/options?account=…`: the picker's suggestions for what
/// is typed so far (htmx swaps them into the datalist), by name or id.
async fn account_options(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<PickQuery>,
) -> UiResult {
    let typed = q.account.unwrap_or_default();
    let found = s.app.find_accounts(&v.caller, &typed, 20).await?;
    render(&AccountOptions {
        options: found.iter().map(account_option).collect(),
    })
}

async fn new_form(State(s): State<AppState>, v: Viewer, Query(q): Query<NewQuery>) -> UiResult {
    new_page(
        &s,
        &v,
        q.contract.unwrap_or_default(),
        q.account.unwrap_or_default(),
        q.deal.unwrap_or_default(),
        None,
    )
    .await
}

async fn create(State(s): State<AppState>, Posted(v, f): Posted) -> UiResult {
    let contract = f.get("contract").unwrap_or_default().to_string();
    let account = f.get("account").unwrap_or_default().to_string();
    let deal = f.get("deal").unwrap_or_default().trim().to_string();
    let started = async {
        let new = NewHandoff {
            id: None,
            contract: ContractKey::parse(&contract).map_err(|e| invalid("contract", e))?,
            account: s.app.account_named(&v.caller, &account).await?,
            deal: if deal.is_empty() {
                None
            } else {
                Some(DealId::parse(&deal).map_err(|e| invalid("deal", e))?)
            },
            to: None,
            values: BTreeMap::new(),
            attachments: Vec::new(),
        };
        Ok::<_, UiError>(s.app.start_handoff(&v.caller, new).await?)
    }
    .await;
    match started {
        Ok(h) => Ok(Redirect::to(&format!("/handoffs/{}/edit", h.id)).into_response()),
        Err(UiError::Status(_, message)) => {
            new_page(&s, &v, contract, account, deal, Some(message)).await
        }
        Err(e) => Err(e),
    }
}

// -------------------------------------------------------- sender's form ----

/// One input of a form, as the template draws it.
#[derive(Debug, Clone)]
pub struct Input {
    /// The field key.
    pub key: String,
    /// Its label.
    pub label: String,
    /// Its help text.
    pub help: String,
    /// How to draw it: text, long, date, select, multi or bool.
    pub widget: &'static str,
    /// For select/multi: (option, chosen).
    pub options: Vec<(String, bool)>,
    /// The current text.
    pub value: String,
    /// Counts towards the score.
    pub required: bool,
    /// Prefilled from an earlier handoff of the account.
    pub carried: Option<String>,
    /// Why it does not count yet, or is invalid (`None`: it counts).
    pub status: Option<String>,
    /// What a specific answer would add ("no date: say when …").
    pub hint: Option<String>,
    /// A hint on the expected form.
    pub placeholder: &'static str,
    /// The receiver named it deficient when sending the handoff back.
    pub flagged: bool,
}

fn widget(kind: &FieldType) -> (&'static str, &'static str) {
    match kind {
        FieldType::LongText => ("long", ""),
        FieldType::People => ("long", "One per line: Name (role): reaction"),
        FieldType::Date => ("date", ""),
        FieldType::Enum { .. } => ("select", ""),
        FieldType::MultiEnum { .. } => ("multi", ""),
        FieldType::Bool => ("bool", ""),
        FieldType::Money => ("text", "48000 USD"),
        FieldType::Person => ("text", "Name (role)"),
        FieldType::Hypothesis => ("text", "The hypothesis (80%)"),
        FieldType::Confidence => ("text", "0–100"),
        FieldType::Number => ("text", "A number"),
        FieldType::Url => ("text", "https://…"),
        FieldType::Datetime => ("text", "2026-10-01T09:00:00Z"),
        FieldType::Text => ("text", ""),
    }
}

fn options_of(kind: &FieldType) -> &[String] {
    match kind {
        FieldType::Enum { options } | FieldType::MultiEnum { options } => options,
        _ => &[],
    }
}

/// The text an input shows for a stored value.
fn text_of(f: &FieldDef, v: Option<&Value>) -> String {
    match (v, &f.kind) {
        (None, _) => String::new(),
        (Some(Value::Bool(b)), _) => if *b { "yes" } else { "no" }.into(),
        (Some(v), _) => FieldDef::text_of(v),
    }
}

/// What the form posts for one field: repeated checkboxes become lines.
fn posted_text(f: &Fields, key: &str) -> String {
    f.0.iter()
        .filter(|(k, _)| k.strip_prefix(VALUE_PREFIX) == Some(key))
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The score and verdicts of a set of field texts, as the gate would judge
/// them: each text is normalized as on save, then the whole is scored.
#[derive(Debug, Clone)]
pub struct Meter {
    /// 0–100.
    pub score: u8,
    /// (label, why) of each mandatory field that does not count yet.
    pub missing: Vec<(String, String)>,
    /// (label, why) of values that cannot be saved as typed.
    pub invalid: Vec<(String, String)>,
    /// Field key → why it does not count (absent: it counts).
    pub status: BTreeMap<String, String>,
    /// Field key → what a specific answer would add (absent: nothing).
    pub hints: BTreeMap<String, String>,
    /// The contract is gated: a submission below 100 is refused.
    pub gated: bool,
}

impl Meter {
    /// Scores `texts` (field key → text) against `def`.
    pub fn of(def: &ContractDef, mode: Mode, texts: &BTreeMap<String, String>) -> Self {
        let mut values = BTreeMap::new();
        let mut invalid = Vec::new();
        let mut status = BTreeMap::new();
        for f in def.fields.iter().filter(|f| f.owner == Owner::Sender) {
            let Some(text) = texts.get(f.key.as_str()) else {
                continue;
            };
            match f.normalize(&Value::String(text.clone())) {
                Ok(Some(v)) => {
                    values.insert(f.key.clone(), v);
                }
                Ok(None) => {}
                Err(e) => {
                    let why = match e {
                        baton_domain::DomainError::InvalidField { why, .. } => why,
                        other => other.to_string(),
                    };
                    status.insert(f.key.to_string(), why.clone());
                    invalid.push((f.label.clone(), why));
                }
            }
        }
        let c = baton_domain::handoff::completeness(def, &values);
        let hints = def
            .fields
            .iter()
            .filter_map(|f| {
                f.hint_text(values.get(&f.key))
                    .map(|h| (f.key.to_string(), h.to_string()))
            })
            .collect();
        let mut missing = Vec::new();
        for (key, why) in &c.missing {
            let label = def
                .field(key.as_str())
                .map_or_else(|| key.to_string(), |f| f.label.clone());
            status
                .entry(key.to_string())
                .or_insert_with(|| why.explain());
            missing.push((label, why.explain()));
        }
        Self {
            score: c.score,
            missing,
            invalid,
            status,
            hints,
            gated: mode == Mode::Gated,
        }
    }

    /// Submitting now would be refused.
    pub fn blocked(&self) -> bool {
        !self.invalid.is_empty() || (self.gated && !self.missing.is_empty())
    }

    /// What the submit button says.
    pub fn submit_label(&self) -> String {
        let labels = |l: &[(String, String)]| {
            l.iter()
                .map(|(label, _)| label.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.invalid.is_empty() {
            format!("Fix before submitting: {}", labels(&self.invalid))
        } else if self.gated && !self.missing.is_empty() {
            format!("Cannot submit yet — missing: {}", labels(&self.missing))
        } else if self.missing.is_empty() {
            "Submit handoff".into()
        } else {
            format!("Submit at {} / 100 (observe mode)", self.score)
        }
    }
}

#[derive(Template)]
#[template(path = "handoffs/meter.html")]
struct MeterFragment {
    meter: Meter,
    /// (key, verdict, hint) for the out-of-band field badges; empty on the
    /// page.
    oob: Vec<(String, Option<String>, Option<String>)>,
}

#[derive(Template)]
#[template(path = "handoffs/edit.html")]
struct EditPage {
    page: Page,
    h: Summary,
    def: ContractDef,
    inputs: Vec<Input>,
    attachments: Vec<Attachment>,
    kinds: &'static [&'static str],
    meter: Meter,
    /// Out-of-band badges: none on the full page.
    oob: Vec<(String, Option<String>, Option<String>)>,
    rejection: Option<LastRejection>,
    error: Option<String>,
    /// The digest of the values the form shows (see `draft_digest`).
    base: String,
}

/// The handoff's headline facts, for page headers.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Id.
    pub id: String,
    /// Contract key.
    pub contract: String,
    /// Contract title.
    pub title: String,
    /// Version bound to.
    pub version: u32,
    /// Mode of the contract now.
    pub mode: &'static str,
    /// Account id.
    pub account: String,
    /// Account name.
    pub account_name: String,
    /// Account ARR, formatted.
    pub arr: String,
    /// Sender.
    pub sender: String,
    /// Receiving team.
    pub to: String,
    /// State.
    pub state: &'static str,
    /// Score.
    pub score: u8,
    /// The acceptance clock in words, as every list shows it.
    pub clock: String,
    /// Past its acceptance SLA and not accepted.
    pub overdue: bool,
    /// Recorded SLA breaches, in words ("acceptance (due …)").
    pub breaches: Vec<String>,
    /// The CRM deal it stands for, and that deal's gate (SPEC §11).
    pub deal: Option<DealGate>,
}

/// A deal's gate, as the handoff page shows it.
#[derive(Debug, Clone)]
pub struct DealGate {
    /// The CRM's deal id.
    pub id: String,
    /// Whether its gate is open.
    pub open: bool,
    /// Where its handoff stands (`draft`, `submitted`, …).
    pub state: &'static str,
    /// What keeps it closed.
    pub missing: Vec<String>,
}

/// The latest rejection, for the sender's rework.
#[derive(Debug, Clone)]
pub struct LastRejection {
    /// Who.
    pub by: String,
    /// The reason code, in words.
    pub code: String,
    /// The reason.
    pub reason: String,
    /// Deficient fields as (key, label).
    pub fields: Vec<(String, String)>,
}

async fn summary(
    s: &AppState,
    v: &Viewer,
    view: &HandoffView,
    def: &ContractDef,
    mode: Mode,
) -> UiResult<Summary> {
    let h = &view.handoff;
    let account = s
        .app
        .store()
        .account(&v.caller.org, &h.account)
        .await
        .map_err(baton_app::AppError::from)?;
    let (clock, overdue) = crate::ui::inbox::clock_text(view, s.app.now());
    let breaches = h
        .breaches
        .iter()
        .map(|b| format!("{} (due {})", b.kind.label(), when(b.due)))
        .collect();
    let deal = match &h.deal {
        Some(d) => {
            let g = s
                .app
                .gate(&v.caller, &h.contract, &h.account, Some(d))
                .await?;
            Some(DealGate {
                id: d.to_string(),
                open: g.open,
                state: g.state.as_str(),
                missing: g.missing,
            })
        }
        None => None,
    };
    Ok(Summary {
        id: h.id.to_string(),
        contract: h.contract.to_string(),
        title: def.title.clone(),
        version: h.version,
        mode: mode.as_str(),
        account: h.account.to_string(),
        account_name: account
            .as_ref()
            .map_or_else(|| h.account.to_string(), |a| a.name.clone()),
        arr: account.as_ref().map_or_else(String::new, |a| money(&a.arr)),
        sender: h.sender.to_string(),
        to: h.to.to_string(),
        state: h.state.as_str(),
        score: h.score,
        clock,
        overdue,
        breaches,
        deal,
    })
}

/// The rejection the handoff was last sent back with, from its timeline.
fn last_rejection(entries: &[Entry]) -> Option<LastRejection> {
    entries.iter().rev().find_map(|e| e.rejection.clone())
}

async fn edit_page(
    s: &AppState,
    v: &Viewer,
    id: &HandoffId,
    posted: Option<&Fields>,
    error: Option<String>,
) -> UiResult {
    let (view, def, mode) = s.app.handoff_detail(&v.caller, id).await?;
    let h = &view.handoff;
    let texts: BTreeMap<String, String> = def
        .fields
        .iter()
        .filter(|f| f.owner == Owner::Sender)
        .map(|f| {
            let text = match posted {
                Some(p) => posted_text(p, f.key.as_str()),
                None => text_of(f, h.values.get(&f.key)),
            };
            (f.key.to_string(), text)
        })
        .collect();
    let meter = Meter::of(&def, mode, &texts);
    // The fields the last rejection named, marked where the sender works.
    let flagged: Vec<&FieldKey> = match (h.state, h.decisions.last()) {
        (HState::Rejected, Some(d)) if !d.accepted => d.fields.iter().collect(),
        _ => Vec::new(),
    };
    let inputs = def
        .fields
        .iter()
        .filter(|f| f.owner == Owner::Sender)
        .map(|f| {
            let value = texts.get(f.key.as_str()).cloned().unwrap_or_default();
            let (widget, placeholder) = widget(&f.kind);
            let chosen: Vec<&str> = value.lines().map(str::trim).collect();
            Input {
                key: f.key.to_string(),
                label: f.label.clone(),
                help: f.help.clone(),
                widget,
                options: options_of(&f.kind)
                    .iter()
                    .map(|o| (o.clone(), chosen.contains(&o.as_str())))
                    .collect(),
                required: f.required,
                carried: (h.carried.contains(&f.key))
                    .then(|| f.carried_from.as_ref().map(|c| c.contract.to_string()))
                    .flatten(),
                status: meter.status.get(f.key.as_str()).cloned(),
                hint: meter.hints.get(f.key.as_str()).cloned(),
                placeholder,
                flagged: flagged.contains(&&f.key),
                value,
            }
        })
        .collect();
    let entries = timeline::entries(s, v, &view, &def).await?;
    let page = EditPage {
        page: v.page.at("handoffs"),
        h: summary(s, v, &view, &def, mode).await?,
        attachments: h.attachments.clone(),
        kinds: ATTACHMENT_KINDS,
        meter,
        oob: Vec::new(),
        rejection: (h.state == HState::Rejected)
            .then(|| last_rejection(&entries))
            .flatten(),
        inputs,
        def,
        error,
        base: baton_app::handoffs::draft_digest(&view.handoff),
    };
    render_form(page.error.is_some(), &page)
}

async fn edit_form(State(s): State<AppState>, v: Viewer, Path(id): Path<String>) -> UiResult {
    edit_page(&s, &v, &handoff_id(&id)?, None, None).await
}

/// `POST /handoffs/{id}/meter`: the meter for the form as it stands
/// (htmx swaps it in, with each field's badge out of band). Writes nothing.
async fn meter(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted(v, f): Posted,
) -> UiResult {
    let (_, def, mode) = s.app.handoff_detail(&v.caller, &handoff_id(&id)?).await?;
    let texts: BTreeMap<String, String> = def
        .fields
        .iter()
        .filter(|fd| fd.owner == Owner::Sender)
        .map(|fd| (fd.key.to_string(), posted_text(&f, fd.key.as_str())))
        .collect();
    let meter = Meter::of(&def, mode, &texts);
    let oob = def
        .fields
        .iter()
        .filter(|fd| fd.owner == Owner::Sender)
        .map(|fd| {
            (
                fd.key.to_string(),
                meter.status.get(fd.key.as_str()).cloned(),
                meter.hints.get(fd.key.as_str()).cloned(),
            )
        })
        .collect();
    render(&MeterFragment { meter, oob })
}

/// The sender fields whose posted text differs from the stored value (a
/// blank one clears it).
fn changed_values(def: &ContractDef, view: &HandoffView, f: &Fields) -> BTreeMap<String, Value> {
    let mut changed = BTreeMap::new();
    for fd in def.fields.iter().filter(|fd| fd.owner == Owner::Sender) {
        let now = posted_text(f, fd.key.as_str());
        let was = text_of(fd, view.handoff.values.get(&fd.key));
        if now.trim() != was.trim() {
            let value = if now.trim().is_empty() {
                Value::Null
            } else {
                Value::String(now)
            };
            changed.insert(fd.key.to_string(), value);
        }
    }
    changed
}

/// What an autosave answers: the digest the form now edits from, and when.
#[derive(Debug, Serialize)]
struct Autosaved {
    base: String,
    at: String,
}

/// `POST /handoffs/{id}/autosave`: what the edit form's script sends a
/// moment after typing stops. Saves the changed values (never submits, never
/// adds an attachment) unless the handoff changed since the form's `base`
/// digest: then 409, and nothing is saved. Answers JSON for the script.
async fn autosave(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted(v, f): Posted,
) -> Response {
    let problem = |status: StatusCode, detail: String| {
        (status, Json(serde_json::json!({ "detail": detail }))).into_response()
    };
    let id = match handoff_id(&id) {
        Ok(id) => id,
        Err(UiError::Status(st, m)) => return problem(st, m),
        Err(e) => return e.into_response(),
    };
    let (view, def, _) = match s.app.handoff_detail(&v.caller, &id).await {
        Ok(d) => d,
        Err(e) => return problem(StatusCode::NOT_FOUND, said(e)),
    };
    let seen = f.get("base").unwrap_or_default().to_string();
    let changed = changed_values(&def, &view, &f);
    let at = s.app.now().strftime("%H:%M:%S UTC").to_string();
    if changed.is_empty() {
        let base = baton_app::handoffs::draft_digest(&view.handoff);
        if base != seen {
            return problem(
                StatusCode::CONFLICT,
                format!(
                    "handoff '{id}' was changed in another tab or by someone else after this form was loaded"
                ),
            );
        }
        return Json(Autosaved { base, at }).into_response();
    }
    match s
        .app
        .edit_handoff_seen(&v.caller, &id, &seen, changed)
        .await
    {
        Ok(saved) => Json(Autosaved {
            base: baton_app::handoffs::draft_digest(&saved.handoff),
            at,
        })
        .into_response(),
        Err(e) => {
            let api = crate::error::ApiError::from(e);
            let status =
                StatusCode::from_u16(api.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            problem(status, api.detail)
        }
    }
}

/// `POST /handoffs/{id}/edit`: saves what changed (and a new attachment);
/// with `action=submit`, then submits. A refused submission shows the form
/// again with the gate's answer; the values stay saved as a draft.
async fn save(State(s): State<AppState>, Path(id): Path<String>, Posted(v, f): Posted) -> UiResult {
    let id = handoff_id(&id)?;
    let (view, def, _) = s.app.handoff_detail(&v.caller, &id).await?;
    let changed = changed_values(&def, &view, &f);
    let mut attachments = Vec::new();
    if let Some(title) = f.get("att_title") {
        attachments.push(Attachment {
            kind: f.get("att_kind").unwrap_or("link").to_string(),
            title: title.to_string(),
            url: f.get("att_url").map(str::to_string),
        });
    }
    if (!changed.is_empty() || !attachments.is_empty())
        && let Err(e) = s
            .app
            .edit_handoff(&v.caller, &id, changed, attachments)
            .await
    {
        let why = format!("Not saved: {}", said(e));
        return edit_page(&s, &v, &id, Some(&f), Some(why)).await;
    }
    if f.get("action") == Some("submit") {
        if let Err(e) = s.app.submit(&v.caller, &id).await {
            let why = format!("Saved as a draft, not submitted: {}", said(e));
            return edit_page(&s, &v, &id, None, Some(why)).await;
        }
        return Ok(Redirect::to(&format!("/handoffs/{id}")).into_response());
    }
    Ok(Redirect::to(&format!("/handoffs/{id}/edit")).into_response())
}

// -------------------------------------------------------- handoff page ----

/// A stored value as the handoff page shows it.
#[derive(Debug, Clone)]
pub struct Shown {
    /// Field key.
    pub key: String,
    /// Label.
    pub label: String,
    /// The value's text (empty: none).
    pub text: String,
    /// Filled by sender or receiver.
    pub owner: &'static str,
    /// Counts towards the score.
    pub required: bool,
    /// Carried from an earlier handoff.
    pub carried: bool,
    /// Hidden from this reader (sensitive).
    pub hidden: bool,
    /// Why it does not count (mandatory sender fields only).
    pub why: Option<String>,
    /// What a specific answer would add.
    pub hint: Option<String>,
}

#[derive(Template)]
#[template(path = "handoffs/show.html")]
struct ShowPage {
    page: Page,
    h: Summary,
    def: ContractDef,
    values: Vec<Shown>,
    attachments: Vec<Attachment>,
    entries: Vec<Entry>,
    rejection: Option<LastRejection>,
    /// Receiver inputs for the accept form.
    receiver_inputs: Vec<Input>,
    /// Why the domain would refuse acceptance now (a gated contract and
    /// values that do not count): shown instead of the accept button.
    accept_blocked: Option<String>,
    /// What the viewer may do, as the app says (never decided here).
    offers: Offers,
    follow: Option<Follow>,
    first_touch: Option<FirstTouchPanel>,
    attestations: Vec<(String, String, String)>,
    disagreements: Vec<String>,
    fields: Vec<(String, String)>,
    /// The contract's rejection codes as (code, words).
    reason_codes: Vec<(String, String)>,
    /// The action just taken, confirmed.
    done: Option<Done>,
    error: Option<String>,
}

/// Follow-through state for the page.
#[derive(Debug, Clone)]
pub struct Follow {
    /// Acknowledged, with ETA.
    pub acked: Option<String>,
    /// Echoes sent.
    pub echoes: u32,
    /// Resolved at.
    pub resolved: Option<String>,
    /// Loop closed at, by.
    pub closed: Option<String>,
}

/// The actions the app allows the viewer, one flag per form on the page.
#[derive(Debug, Clone, Copy, Default)]
struct Offers {
    edit: bool,
    withdraw: bool,
    accept: bool,
    reject: bool,
    ack: bool,
    echo: bool,
    resolve: bool,
    close_loop: bool,
    attest: bool,
    rediscovery: bool,
}

impl Offers {
    fn of(actions: &std::collections::BTreeSet<Action>) -> Self {
        Self {
            edit: actions.contains(&Action::Edit),
            withdraw: actions.contains(&Action::Withdraw),
            accept: actions.contains(&Action::Accept),
            reject: actions.contains(&Action::Reject),
            ack: actions.contains(&Action::Ack),
            echo: actions.contains(&Action::Echo),
            resolve: actions.contains(&Action::Resolve),
            close_loop: actions.contains(&Action::CloseLoop),
            attest: actions.contains(&Action::Attest),
            rediscovery: actions.contains(&Action::Rediscovery),
        }
    }

    /// Any follow-through form at all.
    fn follow_through(&self) -> bool {
        self.ack || self.echo || self.resolve || self.close_loop
    }
}

/// First touch of the lead, on a contract with a first-touch SLA.
#[derive(Debug, Clone)]
pub struct FirstTouchPanel {
    /// When, by whom and how, once recorded.
    pub recorded: Option<String>,
    /// When the first-touch SLA falls due, when the sender set its hours.
    pub due: Option<String>,
    /// The viewer is on the receiving team (and not the sender) and it is
    /// not recorded yet.
    pub can_record: bool,
    /// The channels the form offers.
    pub channels: &'static [&'static str],
}

fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

async fn show_page(
    s: &AppState,
    v: &Viewer,
    id: &HandoffId,
    error: Option<(StatusCode, String)>,
    done: Option<&str>,
) -> UiResult {
    let (view, def, mode) = s.app.handoff_detail(&v.caller, id).await?;
    let h = &view.handoff;
    let done = done.and_then(|d| confirmation(d, h, &def));
    let values = def
        .fields
        .iter()
        .map(|f| Shown {
            key: f.key.to_string(),
            label: f.label.clone(),
            text: eta_as_now(&def, h, f, text_of(f, h.values.get(&f.key))),
            owner: match f.owner {
                Owner::Sender => "sender",
                Owner::Receiver => "receiver",
            },
            required: f.required,
            carried: h.carried.contains(&f.key),
            hidden: view.hidden.iter().any(|k| k == f.key.as_str()),
            why: view
                .why
                .iter()
                .find(|(k, _)| k == f.key.as_str())
                .map(|(_, why)| why.clone()),
            hint: view
                .hints
                .iter()
                .find(|(k, _)| k == f.key.as_str())
                .map(|(_, h)| h.clone()),
        })
        .collect();
    let entries = timeline::entries(s, v, &view, &def).await?;
    let receiver_inputs = def
        .fields
        .iter()
        .filter(|f| f.owner == Owner::Receiver)
        .map(|f| {
            let (widget, placeholder) = widget(&f.kind);
            Input {
                key: f.key.to_string(),
                label: f.label.clone(),
                help: f.help.clone(),
                widget,
                options: options_of(&f.kind)
                    .iter()
                    .map(|o| (o.clone(), false))
                    .collect(),
                value: text_of(f, h.values.get(&f.key)),
                required: f.required,
                carried: None,
                status: None,
                hint: None,
                placeholder,
                flagged: false,
            }
        })
        .collect();
    let follow = (def.follow_through && h.state == HState::Accepted).then(|| Follow {
        acked: h.follow.acked_at.map(|at| {
            format!(
                "{} (ETA {})",
                when(at),
                h.follow.eta.map_or_else(|| "none".into(), when)
            )
        }),
        echoes: h.follow.echoes,
        resolved: h.follow.resolved_at.map(when),
        closed: h.follow.loop_closed_at.map(|at| {
            format!(
                "{} by {}",
                when(at),
                h.follow
                    .loop_closed_by
                    .as_ref()
                    .map_or_else(String::new, ToString::to_string)
            )
        }),
    });
    let first_touch =
        (def.first_touch_field().is_some() && h.state == HState::Accepted).then(|| {
            FirstTouchPanel {
                recorded: h.first_touch.as_ref().map(|t| {
                    let how = t
                        .channel
                        .as_ref()
                        .map_or_else(String::new, |c| format!(" ({c})"));
                    format!("{} by {}{how}", when(t.at), t.by)
                }),
                due: baton_domain::sla::deadlines(h, &def)
                    .iter()
                    .find(|d| d.kind == baton_domain::sla::SlaKind::FirstTouch)
                    .map(|d| when(d.due)),
                can_record: view.actions.contains(&Action::FirstTouch),
                channels: baton_domain::handoff::FIRST_TOUCH_CHANNELS,
            }
        });
    let disagreements = h
        .disagreements()
        .into_iter()
        .map(|d| {
            let answers = d
                .answers
                .iter()
                .map(|(a, who)| {
                    let who: Vec<String> = who.iter().map(ToString::to_string).collect();
                    format!("'{a}' ({})", who.join(", "))
                })
                .collect::<Vec<_>>()
                .join(" vs ");
            format!("{}: {answers}", d.question)
        })
        .collect();
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    let page = ShowPage {
        page: v.page.at("handoffs"),
        h: summary(s, v, &view, &def, mode).await?,
        values,
        attachments: h.attachments.clone(),
        rejection: (h.state == HState::Rejected)
            .then(|| last_rejection(&entries))
            .flatten(),
        entries,
        receiver_inputs,
        accept_blocked: h.acceptance_gap(&def, mode).map(|c| {
            format!(
                "the contract is gated and it scores {} / 100, where acceptance needs 100",
                c.score
            )
        }),
        offers: Offers::of(&view.actions),
        follow,
        first_touch,
        attestations: h
            .attestations
            .iter()
            .map(|a| (a.question.clone(), a.answer.clone(), a.by.to_string()))
            .collect(),
        disagreements,
        fields: def
            .fields
            .iter()
            .map(|f| (f.key.to_string(), f.label.clone()))
            .collect(),
        reason_codes: def
            .reason_codes
            .iter()
            .map(|c| (c.clone(), crate::ui::reason_label(c)))
            .collect(),
        done,
        def,
        error,
    };
    render_status(status, &page)
}

/// The ETA given at acceptance, as the page shows it: when the receiver
/// has revised it since, the current one, saying it was revised, so the
/// page never shows two ETAs that disagree.
fn eta_as_now(def: &ContractDef, h: &baton_domain::Handoff, f: &FieldDef, given: String) -> String {
    if !def.follow_through || f.key.as_str() != baton_domain::handoff::ACK_ETA_FIELD {
        return given;
    }
    match h.follow.eta {
        Some(now) if given.parse::<Timestamp>().ok() != Some(now) && !given.is_empty() => {
            format!("{} (revised; {given} at acceptance)", when(now))
        }
        _ => given,
    }
}

#[derive(Debug, Default, Deserialize)]
struct ShowQuery {
    /// The action just taken, to confirm it (`accept`, `reject`, …).
    done: Option<String>,
}

async fn show(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> UiResult {
    show_page(&s, &v, &handoff_id(&id)?, None, q.done.as_deref()).await
}

/// What the page confirms after `done` succeeded, for the handoff as it now
/// stands: the gate it opened, whose queue it went to.
fn confirmation(done: &str, h: &baton_domain::Handoff, def: &ContractDef) -> Option<Done> {
    let text = match (done, h.state) {
        ("accept", HState::Accepted) => {
            let gate = match def.gate {
                baton_domain::Gate::Commission => {
                    "the deal now counts as Closed-Won for commission"
                }
                baton_domain::Gate::Stage => "the CRM may now move the deal to its next stage",
                baton_domain::Gate::Queue => "the work is now in the receiving team's queue",
            };
            let deal = h
                .deal
                .as_ref()
                .map_or_else(String::new, |d| format!(" Deal {d}'s gate is open."));
            return Some(Done {
                title: "Accepted: the gate is open".into(),
                text: format!("{}{deal}", capitalise(gate)),
                gate: true,
            });
        }
        ("reject", HState::Rejected) => format!(
            "Sent back to {} for rework, with your reasons and the fields you flagged. It is in their queue.",
            h.sender
        ),
        ("withdraw", HState::Withdrawn) => "Withdrawn. It no longer waits for anyone.".into(),
        ("ack", _) => "Acknowledged. The ETA is on the handoff.".into(),
        ("first-touch", _) => "First touch recorded.".into(),
        ("echo", _) => "Status echo sent.".into(),
        ("resolve", _) => {
            "Resolution recorded. Closing the loop is now the communication owner's.".into()
        }
        ("close-loop", _) => "The loop is closed with the customer.".into(),
        ("attest", _) => "Your answer is recorded.".into(),
        ("rediscovery", _) => {
            "Re-discovery recorded: it counts against this contract's scorecard.".into()
        }
        _ => return None,
    };
    Some(Done {
        title: "Done".into(),
        text,
        gate: false,
    })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

/// The confirmation of an action just taken.
#[derive(Debug, Clone)]
pub struct Done {
    /// Its heading.
    pub title: String,
    /// What happened.
    pub text: String,
    /// An acceptance: the gate opened.
    pub gate: bool,
}

/// Reads an ETA from a `datetime-local` input (taken as UTC) or RFC 3339.
fn eta(raw: &str) -> Result<Timestamp, UiError> {
    let parsed = raw.parse::<Timestamp>().or_else(|_| {
        let with_seconds = if raw.len() == 16 {
            format!("{raw}:00Z")
        } else {
            format!("{raw}Z")
        };
        with_seconds.parse::<Timestamp>()
    });
    parsed.map_err(|_| {
        invalid(
            "eta",
            format!("'{raw}' is not a time such as 2026-10-02 09:00"),
        )
    })
}

/// `POST /handoffs/{id}/{action}`: one action on the handoff; back to its
/// page, which shows the refusal in words when the domain says no.
async fn act(
    State(s): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    Posted(v, f): Posted,
) -> UiResult {
    let id = handoff_id(&id)?;
    let c = &v.caller;
    let note = || f.get("note").unwrap_or_default().to_string();
    let done: Result<(), UiError> = async {
        match action.as_str() {
            "accept" => {
                let values = f
                    .prefixed(VALUE_PREFIX)
                    .filter(|(_, v)| !v.trim().is_empty())
                    .map(|(k, v)| (k.to_string(), Value::String(v.trim().to_string())))
                    .collect();
                s.app.accept(c, &id, values).await?;
            }
            "reject" => {
                let r = Rejection {
                    code: f.get("code").map(str::to_string),
                    reason: f.get("reason").unwrap_or_default().to_string(),
                    fields: f.all("fields"),
                };
                s.app.reject(c, &id, r).await?;
            }
            "withdraw" => {
                s.app.withdraw(c, &id).await?;
            }
            "ack" => {
                let at = eta(f.get("eta").unwrap_or_default())?;
                s.app.acknowledge(c, &id, at).await?;
            }
            "first-touch" => {
                let channel = f.get("channel").map(str::to_string);
                let note = f.get("note").map(str::to_string);
                s.app.first_touch(c, &id, channel, note).await?;
            }
            "echo" => {
                s.app.echo(c, &id, note()).await?;
            }
            "resolve" => {
                s.app.resolve(c, &id, note()).await?;
            }
            "close-loop" => {
                s.app.close_loop(c, &id, note()).await?;
            }
            "attest" => {
                let question = f.get("question").unwrap_or_default().to_string();
                let answer = f.get("answer").unwrap_or_default().to_string();
                s.app.attest(c, &id, question, answer).await?;
            }
            "rediscovery" => {
                let h = s.app.handoff(c, &id).await?.handoff;
                let field = f
                    .get("field")
                    .map(|k| FieldKey::parse(k).map_err(|e| invalid("field", e)))
                    .transpose()?;
                let incident = Incident {
                    account: h.account,
                    handoff: Some(id.clone()),
                    field,
                    note: note(),
                    at: None,
                };
                s.app.record_rediscovery(c, incident).await?;
            }
            other => {
                return Err(UiError::Status(
                    StatusCode::NOT_FOUND,
                    format!("no action '{other}' on a handoff"),
                ));
            }
        }
        Ok(())
    }
    .await;
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/handoffs/{id}?done={action}")).into_response()),
        Err(UiError::Status(status, message)) if status != StatusCode::NOT_FOUND => {
            show_page(&s, &v, &id, Some((status, message)), None).await
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect()
    }

    fn ae_to_onboarding() -> ContractDef {
        baton_domain::contract::seed::seeded_contracts()
            .into_iter()
            .find(|c| c.key.as_str() == "ae-to-onboarding")
            .unwrap()
    }

    #[test]
    fn an_empty_form_scores_zero_and_names_every_mandatory_field() {
        let def = ae_to_onboarding();
        let m = Meter::of(&def, Mode::Gated, &BTreeMap::new());
        assert_eq!(m.score, 0);
        assert_eq!(m.missing.len(), def.scored_fields().count());
        assert!(m.blocked());
        assert!(
            m.submit_label()
                .starts_with("Cannot submit yet — missing: ")
        );
    }

    #[test]
    fn placeholders_do_not_count_and_say_why() {
        let def = ae_to_onboarding();
        let key = def.scored_fields().next().unwrap().key.to_string();
        let m = Meter::of(&def, Mode::Observe, &texts(&[(&key, "TBD")]));
        assert_eq!(m.score, 0);
        assert_eq!(m.status.get(&key).unwrap(), "'TBD' is a placeholder");
        assert!(!m.blocked(), "observe mode never blocks");
        assert!(m.submit_label().contains("observe mode"));
    }

    #[test]
    fn a_bad_value_blocks_and_is_named() {
        let def = ae_to_onboarding();
        let money = def
            .fields
            .iter()
            .find(|f| matches!(f.kind, FieldType::Money) && f.owner == Owner::Sender);
        let Some(money) = money else {
            return;
        };
        let m = Meter::of(&def, Mode::Observe, &texts(&[(money.key.as_str(), "lots")]));
        assert!(m.blocked());
        assert!(m.submit_label().contains(&money.label));
    }

    #[test]
    fn etas_read_from_the_browser_are_utc() {
        assert_eq!(
            eta("2026-10-02T09:30").unwrap().to_string(),
            "2026-10-02T09:30:00Z"
        );
        assert!(eta("tomorrow").is_err());
    }
}
