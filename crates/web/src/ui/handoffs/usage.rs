//! The account's product usage beside a telemetry handoff's fields: the
//! weekly curve and which features stuck, measured, and a button that puts
//! the summary into the field the contract fills from usage (appending to
//! what the sender wrote, never replacing it).

use baton_domain::usage::Prefill;

use super::*;

/// What the usage card shows.
#[derive(Debug, Clone)]
pub struct UsageCard {
    /// The field the summary goes into.
    pub field: String,
    /// Its label.
    pub label: String,
    /// The field holds text already (the button then adds to it).
    pub filled: bool,
    /// Shown in the sender's form, with the button that fills the field;
    /// on the handoff page the receiver reads it only.
    pub editable: bool,
    /// First and last day of the window.
    pub from: String,
    /// Last day of the window.
    pub to: String,
    /// The adoption curve in words (`None`: no usage reported).
    pub summary: Option<String>,
    /// (Monday, peak active users) per week.
    pub weeks: Vec<(String, u32)>,
    /// Seats on the latest day that said.
    pub seats: Option<u32>,
    /// (feature, what became of it).
    pub features: Vec<(String, String)>,
}

/// The sender field `def` fills from usage, if any.
fn usage_field(def: &ContractDef) -> Option<&FieldDef> {
    def.fields
        .iter()
        .find(|f| f.owner == Owner::Sender && f.prefill == Some(Prefill::Usage))
}

/// The card for handoff `id` under `def`, when the contract fills a field
/// from usage; `texts` are the fields' texts as the sender's form shows
/// them, `None` on the handoff page (read only).
pub(super) async fn card(
    s: &AppState,
    v: &Viewer,
    id: &HandoffId,
    def: &ContractDef,
    texts: Option<&BTreeMap<String, String>>,
) -> Result<Option<UsageCard>, UiError> {
    let Some(f) = usage_field(def) else {
        return Ok(None);
    };
    let u = s.app.handoff_usage(&v.caller, id).await?;
    let a = &u.adoption;
    Ok(Some(UsageCard {
        field: f.key.to_string(),
        label: f.label.clone(),
        filled: texts
            .and_then(|t| t.get(f.key.as_str()))
            .is_some_and(|t| !t.trim().is_empty()),
        editable: texts.is_some(),
        from: a.from.to_string(),
        to: a.to.to_string(),
        summary: a.text(),
        weeks: a
            .weeks
            .iter()
            .map(|w| (w.start.to_string(), w.peak_users))
            .collect(),
        seats: a.seats,
        features: a
            .features
            .iter()
            .map(|f| {
                let what = if f.kept {
                    format!(
                        "stuck: used on {} since {}",
                        baton_domain::usage::days(f.days),
                        f.first
                    )
                } else {
                    format!("dropped: last used {}", f.last)
                };
                (f.name.clone(), what)
            })
            .collect(),
    }))
}

/// `POST /handoffs/{id}/prefill`: the edit form posted through the usage
/// card's button. Saves what the sender typed, puts the usage summary into
/// the field (after what is there, unless it is there already), and shows
/// the form again.
pub(super) async fn prefill(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted(v, mut f): Posted,
) -> UiResult {
    let id = handoff_id(&id)?;
    let (view, def, _) = s.app.handoff_detail(&v.caller, &id).await?;
    let Some(field) = usage_field(&def).map(|fd| fd.key.to_string()) else {
        return Err(UiError::Status(
            StatusCode::NOT_FOUND,
            format!("contract '{}' fills no field from usage", def.key),
        ));
    };
    let usage = s.app.handoff_usage(&v.caller, &id).await?;
    let Some(summary) = usage.adoption.text() else {
        let why = "No product usage is recorded for this account in the 90 days up to now, so there is nothing to fill in.".to_string();
        return edit_page(&s, &v, &id, Some(&f), Some(why)).await;
    };
    let typed = posted_text(&f, &field);
    let merged = if typed.contains(&summary) {
        typed
    } else if typed.trim().is_empty() {
        summary
    } else {
        format!("{}\n\n{summary}", typed.trim_end())
    };
    f.set(&format!("{VALUE_PREFIX}{field}"), merged);
    let changed = changed_values(&def, &view, &f);
    if !changed.is_empty()
        && let Err(e) = s
            .app
            .edit_handoff(&v.caller, &id, changed, Vec::new())
            .await
    {
        let why = format!("Not saved: {}", said(e));
        return edit_page(&s, &v, &id, Some(&f), Some(why)).await;
    }
    Ok(Redirect::to(&format!("/handoffs/{id}/edit#f-{field}")).into_response())
}
