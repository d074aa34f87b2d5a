//! The inbox: the signed-in person's work queue (every next step their
//! handoffs, their teams' handoffs, suggestions and audits ask of them,
//! overdue first), then their own handoffs waiting on someone else.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use baton_app::handoffs::HandoffView;
use baton_app::queue::Queue;
use baton_domain::handoff::{State as HState, Step};
use baton_domain::sla::SlaStatus;
use baton_domain::{AccountId, Timestamp};
use baton_store::HandoffFilter;

use crate::AppState;
use crate::ui::{Page, UiResult, Viewer, human_duration, money, render};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(inbox))
}

/// Most of the person's own waiting handoffs listed.
const WAITING: u32 = 100;

/// One handoff as a row of a list.
#[derive(Debug, Clone)]
pub struct Row {
    /// The handoff.
    pub id: String,
    /// The contract's title.
    pub contract: String,
    /// Account name (or id when unknown).
    pub account: String,
    /// Account id.
    pub account_id: String,
    /// The CRM deal it stands for, if named.
    pub deal: Option<String>,
    /// Account ARR, formatted.
    pub arr: String,
    /// The sender.
    pub sender: String,
    /// The receiving team.
    pub to: String,
    /// The state.
    pub state: &'static str,
    /// Completeness score.
    pub score: u8,
    /// The acceptance clock in words (see [`clock_text`]).
    pub clock: String,
    /// Past the acceptance SLA and still not accepted.
    pub overdue: bool,
}

/// A handoff's acceptance clock in words, from the one source every page
/// uses (the bound version's SLA, measured from the first submission):
/// "waiting 31 h of a 48 h SLA", "accepted in 31 h (SLA 48 h, met)".
/// Returns the words and whether the SLA is breached and still open.
pub fn clock_text(view: &HandoffView, now: Timestamp) -> (String, bool) {
    let h = &view.handoff;
    let Some(c) = view.clock else {
        return match h.state {
            HState::Draft => (
                format!(
                    "draft for {}",
                    human_duration(now.duration_since(h.created_at).as_secs())
                ),
                false,
            ),
            _ => (String::new(), false),
        };
    };
    let spent = human_duration(c.elapsed(now));
    let open = c.accepted_at.is_none() && h.state != HState::Withdrawn;
    let text = match h.state {
        HState::Accepted => {
            let verdict = match c.status {
                SlaStatus::MetLate => "late",
                _ => "met",
            };
            format!("accepted in {spent} (SLA {} h, {verdict})", c.hours)
        }
        HState::Rejected => format!("in rework, {spent} of a {} h SLA", c.hours),
        HState::Withdrawn => "withdrawn".into(),
        _ => format!("waiting {spent} of a {} h SLA", c.hours),
    };
    (text, open && c.status == SlaStatus::Breached)
}

/// Rows for `views`, with account names looked up in bulk.
pub async fn rows(s: &AppState, v: &Viewer, views: Vec<HandoffView>) -> UiResult<Vec<Row>> {
    let ids: Vec<AccountId> = views.iter().map(|h| h.handoff.account.clone()).collect();
    let accounts: BTreeMap<AccountId, baton_domain::account::Account> = s
        .app
        .accounts_by_id(&v.caller, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    let contracts = crate::ui::contracts_by_key(s, &v.caller).await?;
    let now = s.app.now();
    Ok(views
        .into_iter()
        .map(|view| {
            let (clock, overdue) = clock_text(&view, now);
            let h = view.handoff;
            let account = accounts.get(&h.account);
            Row {
                id: h.id.to_string(),
                contract: contracts
                    .get(&h.contract)
                    .map_or_else(|| h.contract.to_string(), |c| c.current.title.clone()),
                account: account.map_or_else(|| h.account.to_string(), |a| a.name.clone()),
                account_id: h.account.to_string(),
                deal: h.deal.as_ref().map(ToString::to_string),
                arr: account.map_or_else(String::new, |a| money(&a.arr)),
                sender: h.sender.to_string(),
                to: h.to.to_string(),
                state: h.state.as_str(),
                score: h.score,
                clock,
                overdue,
            }
        })
        .collect())
}

/// A due time in words relative to now: "due in 3 h", "overdue by 2 d 1 h".
pub fn due_text(due: Option<Timestamp>, now: Timestamp) -> String {
    match due {
        None => String::new(),
        Some(d) if d < now => format!(
            "overdue by {}",
            human_duration(now.duration_since(d).as_secs())
        ),
        Some(d) => format!("due in {}", human_duration(d.duration_since(now).as_secs())),
    }
}

/// One step of the queue as the page shows it.
#[derive(Debug, Clone)]
pub struct Work {
    /// The handoff's row.
    pub row: Row,
    /// The step's name (`decide`, `rework`).
    pub step: &'static str,
    /// What to do, in words.
    pub label: &'static str,
    /// Where on the handoff page the work is done.
    pub href: String,
    /// When it is due, in words.
    pub due: String,
    /// Past due.
    pub overdue: bool,
}

/// A queue section: a title and its work.
#[derive(Debug, Clone)]
pub struct Section {
    /// Its anchor id.
    pub id: String,
    /// Its heading.
    pub title: String,
    /// What it says when empty.
    pub empty: String,
    /// The work.
    pub work: Vec<Work>,
}

/// A suggestion to review, as a queue line.
#[derive(Debug, Clone)]
pub struct Review {
    /// The suggestion's anchor on the review page.
    pub href: String,
    /// The question re-asked.
    pub question: String,
    /// The account.
    pub account: String,
}

/// An audit to record, as a queue line.
#[derive(Debug, Clone)]
pub struct OpenAudit {
    /// The contract's title.
    pub contract: String,
    /// The handoff drawn.
    pub handoff: String,
    /// When it was drawn, in words.
    pub drawn: String,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    page: Page,
    sections: Vec<Section>,
    overdue: usize,
    reviews: Vec<Review>,
    more_reviews: usize,
    audits: Vec<OpenAudit>,
    proposals: Vec<OpenProposal>,
    waiting: Vec<Row>,
}

/// A proposal waiting for the lead's answer.
#[derive(Debug, Clone)]
pub struct OpenProposal {
    /// Where it is answered.
    pub href: String,
    /// The contract's title.
    pub contract: String,
    /// What should change.
    pub summary: String,
    /// Who asked, and when, in words.
    pub asked: String,
}

/// Most suggestions listed on the inbox (the review page has them all).
const REVIEWS_SHOWN: usize = 10;

/// The queue's sections: the person's own work first, then each team's.
pub async fn sections(s: &AppState, v: &Viewer, queue: &Queue) -> UiResult<Vec<Section>> {
    let views: Vec<HandoffView> = queue.items.iter().map(|i| i.handoff.clone()).collect();
    let rows = rows(s, v, views).await?;
    let mut own = Section {
        id: "work-mine".into(),
        title: "Your work".into(),
        empty: "Nothing waits for you personally.".into(),
        work: Vec::new(),
    };
    let mut teams: Vec<Section> = v
        .actor
        .teams
        .keys()
        .map(|t| Section {
            id: format!("work-{t}"),
            title: format!("For {t}"),
            empty: format!(
                "Nothing waits for {t}: every handoff to it is decided and followed through."
            ),
            work: Vec::new(),
        })
        .collect();
    for (item, row) in queue.items.iter().zip(rows) {
        let step = item.step.step;
        let work = Work {
            href: match step {
                Step::Rework | Step::Submit => format!("/handoffs/{}/edit", row.id),
                _ => format!("/handoffs/{}#act-{}", row.id, step.as_str()),
            },
            row,
            step: step.as_str(),
            label: step.label(),
            due: due_text(item.step.due, queue.at),
            overdue: item.overdue,
        };
        let section = match &item.step.team {
            Some(t) => teams.iter_mut().find(|s| s.id == format!("work-{t}")),
            None => None,
        };
        section.unwrap_or(&mut own).work.push(work);
    }
    let mut out = vec![own];
    out.extend(teams);
    Ok(out)
}

async fn inbox(State(s): State<AppState>, v: Viewer) -> UiResult {
    let queue = s.app.queue(&v.caller).await?;
    let sections = sections(&s, &v, &queue).await?;
    let contracts = crate::ui::contracts_by_key(&s, &v.caller).await?;
    let title = |k: &baton_domain::ContractKey| {
        contracts
            .get(k)
            .map_or_else(|| k.to_string(), |c| c.current.title.clone())
    };
    let reviews = queue
        .suggestions
        .iter()
        .take(REVIEWS_SHOWN)
        .map(|sug| Review {
            href: format!("/suggestions#sug-{}", sug.id),
            question: sug.question.clone(),
            account: sug.account.to_string(),
        })
        .collect();
    let audits = queue
        .audits
        .iter()
        .map(|a| OpenAudit {
            contract: title(&a.contract),
            handoff: a.sample.handoff.to_string(),
            drawn: format!(
                "drawn {} ago",
                human_duration(queue.at.duration_since(a.sample.sampled_at).as_secs())
            ),
        })
        .collect();
    let proposals = queue
        .proposals
        .iter()
        .map(|p| OpenProposal {
            href: format!("/contracts/{}#proposal-{}", p.contract, p.id),
            contract: title(&p.contract),
            summary: p.summary.clone(),
            asked: format!(
                "{}, {} ago",
                p.by,
                human_duration(queue.at.duration_since(p.at).as_secs())
            ),
        })
        .collect();
    let (mine, _) = s
        .app
        .list_handoffs(
            &v.caller,
            HandoffFilter {
                state: Some(HState::Submitted),
                sender: Some(v.caller.email.clone()),
                ..HandoffFilter::default()
            },
            None,
            None,
            WAITING,
        )
        .await?;
    let waiting = rows(&s, &v, mine).await?;
    render(&InboxPage {
        page: v.page.at("inbox"),
        sections,
        overdue: queue.overdue(),
        reviews,
        proposals,
        more_reviews: queue.suggestions.len().saturating_sub(REVIEWS_SHOWN),
        audits,
        waiting,
    })
}
