//! A handoff's timeline in words, from its event stream (and the
//! re-discovery incidents recorded against it on its account's stream).

use baton_app::handoffs::HandoffView;
use baton_domain::ContractDef;
use baton_domain::event::Event;
use baton_domain::field::FieldDef;

use super::{LastRejection, when};
use crate::AppState;
use crate::ui::{UiResult, Viewer, reason_label};

/// One line of the timeline.
#[derive(Debug, Clone)]
pub struct Entry {
    /// When it happened.
    pub at: String,
    /// Who did it.
    pub by: String,
    /// The event kind (for styling and tests).
    pub kind: &'static str,
    /// What happened, as a sentence.
    pub what: String,
    /// Details: changed fields, reasons, notes.
    pub details: Vec<String>,
    /// How it reached Baton (ui, api, cli, crm, import).
    pub via: &'static str,
    /// The rejection it records, if it is one.
    pub rejection: Option<LastRejection>,
}

fn label(def: &ContractDef, key: &str) -> String {
    def.field(key)
        .map_or_else(|| key.to_string(), |f| f.label.clone())
}

fn changes(def: &ContractDef, values: &baton_domain::event::Values) -> Vec<String> {
    values
        .iter()
        .map(|(k, v)| {
            if v.is_null() {
                format!("{}: cleared", label(def, k.as_str()))
            } else {
                let text = FieldDef::text_of(v);
                let short: String = text.chars().take(80).collect();
                let more = if text.chars().count() > 80 { "…" } else { "" };
                format!("{}: {short}{more}", label(def, k.as_str()))
            }
        })
        .collect()
}

/// The entries of `view`'s handoff, oldest first.
pub async fn entries(
    s: &AppState,
    v: &Viewer,
    view: &HandoffView,
    def: &ContractDef,
) -> UiResult<Vec<Entry>> {
    let h = &view.handoff;
    let mut events = s.app.handoff_events(&v.caller, &h.id).await?;
    let incidents = s.app.rediscoveries_of(&v.caller, &h.id).await?;
    events.extend(incidents);
    events.sort_by_key(|e| (e.event.at(), e.seq));
    Ok(events
        .into_iter()
        .filter_map(|e| {
            let at = e.event.at().map_or_else(String::new, when);
            let by = match (e.event.actor(), e.via) {
                (Some(who), _) => who.to_string(),
                // Baton's own jobs speak for themselves.
                (None, baton_domain::event::Via::System) => String::new(),
                (None, _) => "someone".to_string(),
            };
            let mut rejection = None;
            let (what, details) = match &e.event {
                Event::DraftCreated {
                    values,
                    carried,
                    attachments,
                    ..
                } => {
                    let mut d = changes(def, values);
                    if !carried.is_empty() {
                        let names: Vec<String> =
                            carried.iter().map(|k| label(def, k.as_str())).collect();
                        d.push(format!("Carried over: {}", names.join(", ")));
                    }
                    d.extend(
                        attachments
                            .iter()
                            .map(|a| format!("Attached {}: {}", a.kind, a.title)),
                    );
                    ("started the draft".to_string(), d)
                }
                Event::Edited {
                    values,
                    attachments,
                    ..
                } => {
                    let mut d = changes(def, values);
                    d.extend(
                        attachments
                            .iter()
                            .map(|a| format!("Attached {}: {}", a.kind, a.title)),
                    );
                    ("edited the handoff".to_string(), d)
                }
                Event::Submitted {
                    values, score, to, ..
                } => (
                    format!(
                        "submitted to {}{}",
                        to.as_ref()
                            .map_or_else(|| h.to.to_string(), ToString::to_string),
                        score.map_or_else(String::new, |s| format!(" at score {s}"))
                    ),
                    changes(def, values),
                ),
                Event::Rejected {
                    code,
                    reason,
                    fields,
                    by,
                    ..
                } => {
                    let labels: Vec<String> =
                        fields.iter().map(|k| label(def, k.as_str())).collect();
                    rejection = Some(LastRejection {
                        by: by.to_string(),
                        code: code.as_deref().map(reason_label).unwrap_or_default(),
                        reason: reason.clone(),
                        fields: fields
                            .iter()
                            .map(|k| k.to_string())
                            .zip(labels.iter().cloned())
                            .collect(),
                    });
                    let mut d = vec![format!("Reason: {reason}")];
                    if !labels.is_empty() {
                        d.push(format!("Deficient: {}", labels.join(", ")));
                    }
                    (
                        format!(
                            "rejected for rework{}",
                            code.as_deref()
                                .map_or_else(String::new, |c| format!(" ({})", reason_label(c)))
                        ),
                        d,
                    )
                }
                Event::Accepted { values, .. } => (
                    "accepted — the gate opened".to_string(),
                    changes(def, values),
                ),
                Event::FirstTouch { channel, note, .. } => (
                    format!(
                        "made the first touch{}",
                        channel
                            .as_ref()
                            .map_or_else(String::new, |c| format!(" ({c})"))
                    ),
                    note.iter().cloned().collect(),
                ),
                Event::Withdrawn { .. } => ("withdrew the handoff".to_string(), Vec::new()),
                Event::Acknowledged { eta, .. } => {
                    (format!("acknowledged; ETA {}", when(*eta)), Vec::new())
                }
                Event::Echo { note, .. } => ("sent a status echo".to_string(), vec![note.clone()]),
                Event::Resolved { note, .. } => ("resolved it".to_string(), vec![note.clone()]),
                Event::LoopClosed { note, .. } => (
                    "closed the loop with the customer".to_string(),
                    vec![note.clone()],
                ),
                Event::Attested {
                    question, answer, ..
                } => (
                    "answered an attestation".to_string(),
                    vec![format!("{question} — {answer}")],
                ),
                Event::SlaBreached { kind, due, .. } => (
                    format!("SLA breached: {} (due {})", kind.label(), when(*due)),
                    Vec::new(),
                ),
                Event::Rediscovery { field, note, .. } => (
                    format!(
                        "reported re-discovery{}",
                        field.as_ref().map_or_else(String::new, |f| format!(
                            " of {}",
                            label(def, f.as_str())
                        ))
                    ),
                    vec![note.clone()],
                ),
                _ => return None,
            };
            Some(Entry {
                at,
                by,
                kind: e.event.kind(),
                what,
                details,
                via: e.via.as_str(),
                rejection,
            })
        })
        .collect())
}
