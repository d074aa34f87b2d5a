//! A handoff's headline facts, shared by its page, its form and its
//! brief: account, contract, state, score, clock, deal and gate.

use super::*;

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

pub(super) async fn summary(
    s: &AppState,
    v: &Viewer,
    view: &HandoffView,
    def: &ContractDef,
    mode: Mode,
) -> UiResult<Summary> {
    let h = &view.handoff;
    let account = s
        .app
        .accounts_by_id(&v.caller, std::slice::from_ref(&h.account))
        .await?
        .pop();
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
pub(super) fn last_rejection(entries: &[Entry]) -> Option<LastRejection> {
    entries.iter().rev().find_map(|e| e.rejection.clone())
}
