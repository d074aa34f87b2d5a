//! The sender's form: its inputs, the live completeness meter (the
//! domain's own scoring of the form as it stands, writing nothing),
//! autosave with its stale-tab check, and saving or submitting.

use super::*;

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

pub(super) fn widget(kind: &FieldType) -> (&'static str, &'static str) {
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

pub(super) fn options_of(kind: &FieldType) -> &[String] {
    match kind {
        FieldType::Enum { options } | FieldType::MultiEnum { options } => options,
        _ => &[],
    }
}

/// The text an input shows for a stored value.
pub(super) fn text_of(f: &FieldDef, v: Option<&Value>) -> String {
    match (v, &f.kind) {
        (None, _) => String::new(),
        (Some(Value::Bool(b)), _) => if *b { "yes" } else { "no" }.into(),
        (Some(v), _) => FieldDef::text_of(v),
    }
}

/// What the form posts for one field: repeated checkboxes become lines.
pub(super) fn posted_text(f: &Fields, key: &str) -> String {
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
pub(super) struct MeterFragment {
    meter: Meter,
    /// (key, verdict, hint) for the out-of-band field badges; empty on the
    /// page.
    oob: Vec<(String, Option<String>, Option<String>)>,
}

#[derive(Template)]
#[template(path = "handoffs/edit.html")]
pub(super) struct EditPage {
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
    /// The account's product usage, where the contract fills a field from
    /// it.
    usage: Option<super::usage::UsageCard>,
}

pub(super) async fn edit_page(
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
    let usage = super::usage::card(s, v, id, &def, Some(&texts)).await?;
    let page = EditPage {
        usage,
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

pub(super) async fn edit_form(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> UiResult {
    edit_page(&s, &v, &handoff_id(&id)?, None, None).await
}

/// `POST /handoffs/{id}/meter`: the meter for the form as it stands
/// (htmx swaps it in, with each field's badge out of band). Writes nothing.
pub(super) async fn meter(
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
pub(super) fn changed_values(
    def: &ContractDef,
    view: &HandoffView,
    f: &Fields,
) -> BTreeMap<String, Value> {
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
pub(super) struct Autosaved {
    base: String,
    at: String,
}

/// `POST /handoffs/{id}/autosave`: what the edit form's script sends a
/// moment after typing stops. Saves the changed values (never submits, never
/// adds an attachment) unless the handoff changed since the form's `base`
/// digest: then 409, and nothing is saved. Answers JSON for the script.
pub(super) async fn autosave(
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
pub(super) async fn save(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted(v, f): Posted,
) -> UiResult {
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
