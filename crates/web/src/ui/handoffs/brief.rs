//! The printable brief of a handoff (`GET /handoffs/{id}/brief`): one page
//! the receiver can take into the kickoff call, with every field, why a
//! mandatory one does not count, what was carried over, the attachments, and
//! what changed since the account's previous handoff.
//!
//! Both handoffs are read through the same use case as the handoff page, so
//! a sensitive value hidden there is hidden here too, and a hidden value is
//! never compared (saying "same as before" would disclose it).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use baton_app::handoffs::{HandoffView, MAX_PAGE};
use baton_domain::contract::ContractDef;
use baton_domain::field::FieldDef;
use baton_domain::handoff::{Attachment, State as HState};
use baton_domain::{ContractKey, FieldKey, HandoffId, Timestamp};
use baton_store::HandoffFilter;
use serde_json::Value;

use super::{Summary, handoff_id, summary, text_of, when};
use crate::AppState;
use crate::ui::{Page, UiResult, Viewer, render};

/// Longest "was" text the change list quotes before cutting it short.
const QUOTE: usize = 160;

/// One field as the brief prints it.
#[derive(Debug, Clone)]
pub struct Line {
    /// Field key.
    pub key: String,
    /// Label.
    pub label: String,
    /// The value's text (empty: none).
    pub text: String,
    /// Hidden from this reader (sensitive).
    pub hidden: bool,
    /// Counts towards the score.
    pub required: bool,
    /// The contract it was carried from, when prefilled and not changed.
    pub carried: Option<String>,
    /// Why a mandatory field does not count.
    pub why: Option<String>,
    /// The specificity hint on the value (e.g. "no date").
    pub hint: Option<String>,
}

/// What a reader sees of one value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    /// Sensitive and not for this reader.
    Hidden,
    /// Its text; empty when there is no value.
    Text(String),
}

impl Seen {
    /// What `reader_hidden` lets a reader see of field `f` in `values`.
    pub fn of(f: &FieldDef, values: &BTreeMap<FieldKey, Value>, reader_hidden: &[String]) -> Self {
        if reader_hidden.iter().any(|k| k == f.key.as_str()) {
            Self::Hidden
        } else {
            Self::Text(text_of(f, values.get(&f.key)).trim().to_string())
        }
    }
}

/// How a field compares with its counterpart in the previous handoff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The same text.
    Same,
    /// A different text.
    Changed {
        /// The earlier text.
        was: String,
    },
    /// Filled now, empty before.
    New,
    /// Empty now, filled before.
    Dropped {
        /// The earlier text.
        was: String,
    },
    /// One side is hidden from this reader: not compared.
    Hidden,
}

impl Change {
    /// The words the brief prints.
    pub fn describe(&self) -> String {
        match self {
            Self::Same => "same as before".into(),
            Self::Changed { was } => format!("changed (was: {})", quote(was)),
            Self::New => "new".into(),
            Self::Dropped { was } => format!("no longer given (was: {})", quote(was)),
            Self::Hidden => "not compared: sensitive".into(),
        }
    }

    /// A class for the template (`same`, `changed`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Same => "same",
            Self::Changed { .. } => "changed",
            Self::New => "new",
            Self::Dropped { .. } => "dropped",
            Self::Hidden => "hidden",
        }
    }
}

/// `text` cut to [`QUOTE`] characters, on one line.
fn quote(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= QUOTE {
        flat
    } else {
        let cut: String = flat.chars().take(QUOTE).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Compares what the reader sees now with what they saw before; `None` when
/// there was nothing either time.
pub fn compare(now: &Seen, was: &Seen) -> Option<Change> {
    match (now, was) {
        (Seen::Hidden, _) | (_, Seen::Hidden) => Some(Change::Hidden),
        (Seen::Text(n), Seen::Text(w)) => match (n.is_empty(), w.is_empty()) {
            (true, true) => None,
            (false, true) => Some(Change::New),
            (true, false) => Some(Change::Dropped { was: w.clone() }),
            (false, false) if n == w => Some(Change::Same),
            (false, false) => Some(Change::Changed { was: w.clone() }),
        },
    }
}

/// The field of the previous handoff (of contract `prev_key`, bound to
/// `prev`) that `f` continues: its `carried_from` source when that is the
/// previous contract, else a field with the same key.
pub fn counterpart<'a>(
    f: &FieldDef,
    prev_key: &ContractKey,
    prev: &'a ContractDef,
) -> Option<&'a FieldDef> {
    f.carried_from
        .as_ref()
        .filter(|from| &from.contract == prev_key)
        .and_then(|from| prev.field(from.field.as_str()))
        .or_else(|| prev.field(f.key.as_str()))
}

/// One side of a comparison: a contract version, the values and the keys
/// hidden from the reader.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// The contract key.
    pub contract: &'a ContractKey,
    /// The version the handoff is bound to.
    pub def: &'a ContractDef,
    /// Its values (hidden ones already removed).
    pub values: &'a BTreeMap<FieldKey, Value>,
    /// Keys hidden from the reader.
    pub hidden: &'a [String],
}

/// (label, change) for each field of `now`, in contract order, that has a
/// counterpart in `was` and a value on either side.
pub fn changes(now: Side<'_>, was: Side<'_>) -> Vec<(String, Change)> {
    now.def
        .fields
        .iter()
        .filter_map(|f| {
            let before = counterpart(f, was.contract, was.def)?;
            let change = compare(
                &Seen::of(f, now.values, now.hidden),
                &Seen::of(before, was.values, was.hidden),
            )?;
            Some((f.label.clone(), change))
        })
        .collect()
}

/// A handoff the previous one is chosen from.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Its id.
    pub id: String,
    /// When it was started.
    pub created_at: Timestamp,
    /// Its state.
    pub state: HState,
}

/// The account's previous handoff for one started at `created_at` (id
/// `this`): the latest accepted one started before it, else the latest
/// started before it that was not withdrawn. Index into `others`.
pub fn previous(this: &str, created_at: Timestamp, others: &[Candidate]) -> Option<usize> {
    // Ids break ties: handoffs started in the same instant (an import) still
    // have an order, and new ids are time-ordered.
    let earlier = |c: &&Candidate| (c.created_at, c.id.as_str()) < (created_at, this);
    let latest = |accepted_only: bool| {
        others
            .iter()
            .enumerate()
            .filter(|(_, c)| earlier(c))
            .filter(|(_, c)| c.state != HState::Withdrawn)
            .filter(|(_, c)| !accepted_only || c.state == HState::Accepted)
            .max_by(|(_, a), (_, b)| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)))
            .map(|(i, _)| i)
    };
    latest(true).or_else(|| latest(false))
}

/// The previous handoff as the brief shows it.
#[derive(Debug, Clone)]
pub struct Previous {
    /// Its id.
    pub id: String,
    /// Its contract's title.
    pub title: String,
    /// Its state.
    pub state: &'static str,
    /// When it was started.
    pub started: String,
    /// (label, what happened) per comparable field.
    pub changes: Vec<(String, String, &'static str)>,
}

#[derive(Template)]
#[template(path = "handoffs/brief.html")]
struct BriefPage {
    page: Page,
    h: Summary,
    segment: Option<String>,
    started: String,
    submitted: Option<String>,
    accepted: Option<String>,
    lines: Vec<Line>,
    attachments: Vec<Attachment>,
    previous: Option<Previous>,
}

/// Every handoff of the account of `view`, as the reader may list them.
async fn account_handoffs(
    s: &AppState,
    v: &Viewer,
    view: &HandoffView,
) -> UiResult<Vec<Candidate>> {
    let filter = HandoffFilter {
        account: Some(view.handoff.account.clone()),
        ..HandoffFilter::default()
    };
    let mut out = Vec::new();
    let mut after: Option<HandoffId> = None;
    loop {
        let (page, next) = s
            .app
            .list_handoffs(&v.caller, filter.clone(), None, after, MAX_PAGE)
            .await?;
        out.extend(page.into_iter().map(|p| Candidate {
            id: p.handoff.id.to_string(),
            created_at: p.handoff.created_at,
            state: p.handoff.state,
        }));
        match next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

/// The comparison with the account's previous handoff, if it has one.
async fn previous_of(
    s: &AppState,
    v: &Viewer,
    view: &HandoffView,
    def: &ContractDef,
) -> UiResult<Option<Previous>> {
    let h = &view.handoff;
    let others = account_handoffs(s, v, view).await?;
    let Some(i) = previous(h.id.as_str(), h.created_at, &others) else {
        return Ok(None);
    };
    let id = handoff_id(&others[i].id)?;
    let (pview, pdef, _) = s.app.handoff_detail(&v.caller, &id).await?;
    let p = &pview.handoff;
    let list = changes(
        Side {
            contract: &h.contract,
            def,
            values: &h.values,
            hidden: &view.hidden,
        },
        Side {
            contract: &p.contract,
            def: &pdef,
            values: &p.values,
            hidden: &pview.hidden,
        },
    );
    Ok(Some(Previous {
        id: p.id.to_string(),
        title: pdef.title.clone(),
        state: p.state.as_str(),
        started: when(p.created_at),
        changes: list
            .into_iter()
            .map(|(label, c)| (label, c.describe(), c.kind()))
            .collect(),
    }))
}

/// `GET /handoffs/{id}/brief`.
pub(super) async fn show(State(s): State<AppState>, v: Viewer, Path(id): Path<String>) -> UiResult {
    let id = handoff_id(&id)?;
    let (view, def, mode) = s.app.handoff_detail(&v.caller, &id).await?;
    let h = &view.handoff;
    // Scored on what this reader sees; a hidden field's verdict is not shown.
    let c = baton_domain::handoff::completeness(&def, &h.values);
    let lines = def
        .fields
        .iter()
        .map(|f| {
            let hidden = view.hidden.iter().any(|k| k == f.key.as_str());
            Line {
                key: f.key.to_string(),
                label: f.label.clone(),
                text: if hidden {
                    String::new()
                } else {
                    text_of(f, h.values.get(&f.key))
                },
                hidden,
                required: f.required,
                carried: h
                    .carried
                    .contains(&f.key)
                    .then(|| f.carried_from.as_ref().map(|c| c.contract.to_string()))
                    .flatten(),
                why: c
                    .missing
                    .iter()
                    .find(|(k, _)| !hidden && *k == f.key)
                    .map(|(_, why)| why.explain()),
                hint: (!hidden)
                    .then(|| f.hint_text(h.values.get(&f.key)))
                    .flatten()
                    .map(str::to_string),
            }
        })
        .collect();
    let account = s
        .app
        .accounts_by_id(&v.caller, std::slice::from_ref(&h.account))
        .await?
        .pop();
    let page = BriefPage {
        page: v.page.at("handoffs"),
        h: summary(&s, &v, &view, &def, mode).await?,
        segment: account.and_then(|a| a.segment),
        started: when(h.created_at),
        submitted: h.submissions.last().map(|sub| when(sub.at)),
        accepted: h.accepted_at.map(when),
        lines,
        attachments: h.attachments.clone(),
        previous: previous_of(&s, &v, &view, &def).await?,
    };
    render(&page)
}

#[cfg(test)]
mod tests {
    use baton_domain::field::FieldRef;
    use serde_json::json;

    use super::*;

    fn seeded(key: &str) -> ContractDef {
        baton_domain::contract::seed::seeded(key).unwrap()
    }

    fn text(s: &str) -> Seen {
        Seen::Text(s.into())
    }

    fn values(v: Value) -> BTreeMap<FieldKey, Value> {
        serde_json::from_value(v).unwrap()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn candidate(id: &str, created: &str, state: HState) -> Candidate {
        Candidate {
            id: id.into(),
            created_at: at(created),
            state,
        }
    }

    #[test]
    fn values_compare_as_same_changed_new_or_dropped() {
        assert_eq!(compare(&text("a"), &text("a")), Some(Change::Same));
        assert_eq!(
            compare(&text("b"), &text("a")),
            Some(Change::Changed { was: "a".into() })
        );
        assert_eq!(compare(&text("b"), &text("")), Some(Change::New));
        assert_eq!(
            compare(&text(""), &text("a")),
            Some(Change::Dropped { was: "a".into() })
        );
        assert_eq!(compare(&text(""), &text("")), None);
    }

    #[test]
    fn a_hidden_side_is_never_compared() {
        assert_eq!(compare(&Seen::Hidden, &text("a")), Some(Change::Hidden));
        assert_eq!(compare(&text("a"), &Seen::Hidden), Some(Change::Hidden));
        let words = Change::Hidden.describe();
        assert!(!words.contains("same") && !words.contains("was"), "{words}");
    }

    #[test]
    fn a_long_earlier_text_is_quoted_short_on_one_line() {
        let long = format!("first line\n{}", "x".repeat(400));
        let words = Change::Changed { was: long }.describe();
        assert!(words.starts_with("changed (was: first line x"), "{words}");
        assert!(words.ends_with("…)"), "{words}");
        assert!(words.chars().count() < QUOTE + 20, "{words}");
    }

    #[test]
    fn a_carried_field_is_compared_with_its_source_and_others_by_key() {
        let sdr = seeded("sdr-to-ae");
        let mut ae = seeded("ae-to-onboarding");
        let source = |field: &str| FieldRef {
            contract: sdr.key.clone(),
            field: FieldKey::parse(field).unwrap(),
        };
        for (key, from) in [
            ("competitive_displacement", "competitive_set"),
            ("go_live_deadlines", "timeline_trigger"),
            ("champion_map", "stakeholders"),
            ("economic_buyer", "budget_signal"),
        ] {
            let f = ae
                .fields
                .iter_mut()
                .find(|f| f.key.as_str() == key)
                .unwrap();
            f.carried_from = Some(source(from));
        }
        let now = values(json!({
            "competitive_displacement": "Legacy Co, ruled out Acme Cloud",
            "go_live_deadlines": "Go-live 2026-12-01",
            "champion_map": "Lee Park (VP Ops) strong",
            "commitments": "SSO by week 6",
        }));
        let was = values(json!({
            "competitive_set": "Legacy Co, ruled out Acme Cloud",
            "timeline_trigger": "Q1, before their kickoff",
            "budget_signal": "CFO holds budget",
        }));
        let hidden = ["commitments".to_string()];
        let list = changes(
            Side {
                contract: &ae.key,
                def: &ae,
                values: &now,
                hidden: &hidden,
            },
            Side {
                contract: &sdr.key,
                def: &sdr,
                values: &was,
                hidden: &[],
            },
        );
        let label = |k: &str| ae.field(k).unwrap().label.clone();
        assert_eq!(
            list,
            vec![
                (
                    label("economic_buyer"),
                    Change::Dropped {
                        was: "CFO holds budget".into()
                    }
                ),
                (label("champion_map"), Change::New),
                (label("competitive_displacement"), Change::Same),
                (
                    label("go_live_deadlines"),
                    Change::Changed {
                        was: "Q1, before their kickoff".into()
                    }
                ),
            ],
            "commitments has no counterpart in sdr-to-ae, so it is not listed"
        );
    }

    #[test]
    fn a_source_in_another_contract_falls_back_to_the_same_key() {
        let ae = seeded("ae-to-onboarding");
        let cs = seeded("onboarding-to-cs");
        let year1 = cs.field("year1_success_criteria").unwrap();
        // Carried from ae-to-onboarding, compared with an ae-to-onboarding handoff.
        assert_eq!(
            counterpart(year1, &ae.key, &ae).unwrap().key.as_str(),
            "success_criteria"
        );
        // The same field compared with an onboarding-to-cs handoff: itself.
        assert_eq!(
            counterpart(year1, &cs.key, &cs).unwrap().key.as_str(),
            "year1_success_criteria"
        );
        let pain = seeded("sdr-to-ae");
        assert!(counterpart(year1, &pain.key, &pain).is_none());
    }

    #[test]
    fn the_previous_handoff_is_the_latest_accepted_one_started_before() {
        let others = [
            candidate("a", "2026-09-01T00:00:00Z", HState::Accepted),
            candidate("b", "2026-09-05T00:00:00Z", HState::Accepted),
            candidate("c", "2026-09-07T00:00:00Z", HState::Rejected),
            candidate("me", "2026-09-10T00:00:00Z", HState::Draft),
            candidate("later", "2026-09-12T00:00:00Z", HState::Accepted),
        ];
        let me = at("2026-09-10T00:00:00Z");
        assert_eq!(previous("me", me, &others), Some(1));
    }

    #[test]
    fn without_an_accepted_one_the_latest_earlier_not_withdrawn_is_taken() {
        let others = [
            candidate("a", "2026-09-01T00:00:00Z", HState::Submitted),
            candidate("b", "2026-09-05T00:00:00Z", HState::Withdrawn),
            candidate("me", "2026-09-10T00:00:00Z", HState::Draft),
        ];
        let me = at("2026-09-10T00:00:00Z");
        assert_eq!(previous("me", me, &others), Some(0));
        assert_eq!(previous("a", at("2026-09-01T00:00:00Z"), &others), None);
        assert_eq!(previous("me", me, &[]), None);
    }

    #[test]
    fn handoffs_started_in_the_same_instant_are_ordered_by_id() {
        let same = "2026-09-01T00:00:00Z";
        let others = [
            candidate("a", same, HState::Accepted),
            candidate("b", same, HState::Accepted),
        ];
        assert_eq!(previous("b", at(same), &others), Some(0));
        assert_eq!(previous("a", at(same), &others), None);
    }
}
