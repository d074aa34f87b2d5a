//! The inbox: what awaits my teams' decision (oldest first, overdue marked),
//! and my own handoffs that need me (drafts, rework) or are waiting.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use baton_app::handoffs::HandoffView;
use baton_domain::handoff::State as HState;
use baton_domain::{AccountId, ContractKey, TeamKey};
use baton_store::HandoffFilter;

use crate::AppState;
use crate::ui::{Page, UiResult, Viewer, human_duration, money, render};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(inbox))
}

/// Most rows per inbox section.
const SECTION: u32 = 100;

/// One handoff as a row of the inbox.
#[derive(Debug, Clone)]
pub struct Row {
    /// The handoff.
    pub id: String,
    /// The contract's title.
    pub contract: String,
    /// Account name (or id when unknown).
    pub account: String,
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
    /// Waiting for how long, in words.
    pub age: String,
    /// The acceptance SLA, in words.
    pub sla: String,
    /// Past the SLA.
    pub overdue: bool,
    /// Seconds waited (for ordering).
    pub waited: i64,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    page: Page,
    teams: Vec<(String, Vec<Row>)>,
    mine: Vec<Row>,
}

/// Rows for `views`, with account names and SLAs looked up in bulk.
pub async fn rows(s: &AppState, v: &Viewer, views: Vec<HandoffView>) -> UiResult<Vec<Row>> {
    let org = &v.caller.org;
    let ids: Vec<AccountId> = views.iter().map(|h| h.handoff.account.clone()).collect();
    let accounts: BTreeMap<AccountId, baton_domain::account::Account> = s
        .app
        .store()
        .accounts_by_id(org, &ids)
        .await
        .map_err(baton_app::AppError::from)?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    let contracts = crate::ui::contracts_by_key(s, &v.caller).await?;
    // The acceptance deadline is the bound version's (as the breach job
    // reads it); versions other than the current one are fetched once each.
    let mut bound: BTreeMap<(ContractKey, u32), baton_domain::ContractDef> = BTreeMap::new();
    for view in &views {
        let h = &view.handoff;
        let key = (h.contract.clone(), h.version);
        if bound.contains_key(&key) {
            continue;
        }
        let def = match contracts.get(&h.contract) {
            Some(c) if c.current_version == h.version => Some(c.current.clone()),
            _ => s
                .app
                .store()
                .contract_version(org, &h.contract, h.version)
                .await
                .map_err(baton_app::AppError::from)?,
        };
        if let Some(def) = def {
            bound.insert(key, def);
        }
    }
    let now = s.app.now();
    Ok(views
        .into_iter()
        .map(|view| {
            let h = view.handoff;
            let contract = contracts.get(&h.contract);
            let sla_hours = contract.map_or(0, |c| c.current.slas.acceptance_hours);
            let since = h.submissions.last().map_or(h.created_at, |s| s.at);
            let waited = now.duration_since(since).as_secs();
            let account = accounts.get(&h.account);
            Row {
                id: h.id.to_string(),
                contract: contract
                    .map_or_else(|| h.contract.to_string(), |c| c.current.title.clone()),
                account: account.map_or_else(|| h.account.to_string(), |a| a.name.clone()),
                deal: h.deal.as_ref().map(ToString::to_string),
                arr: account.map_or_else(String::new, |a| money(&a.arr)),
                sender: h.sender.to_string(),
                to: h.to.to_string(),
                state: h.state.as_str(),
                score: h.score,
                age: human_duration(waited),
                sla: format!("{sla_hours} h"),
                overdue: sla_hours > 0
                    && bound
                        .get(&(h.contract.clone(), h.version))
                        .is_some_and(|def| baton_domain::sla::acceptance_overdue(&h, def, now)),
                waited,
            }
        })
        .collect())
}

async fn list(s: &AppState, v: &Viewer, filter: HandoffFilter) -> UiResult<Vec<HandoffView>> {
    Ok(s.app
        .list_handoffs(&v.caller, filter, None, None, SECTION)
        .await?
        .0)
}

async fn inbox(State(s): State<AppState>, v: Viewer) -> UiResult {
    let mut teams = Vec::new();
    let receiving: Vec<TeamKey> = v.actor.teams.keys().cloned().collect();
    for team in receiving {
        let waiting = list(
            &s,
            &v,
            HandoffFilter {
                state: Some(HState::Submitted),
                to_team: Some(team.clone()),
                ..HandoffFilter::default()
            },
        )
        .await?;
        let mut rows = rows(&s, &v, waiting).await?;
        // Longest wait first: it is the most urgent.
        rows.sort_by_key(|r| std::cmp::Reverse(r.waited));
        teams.push((team.to_string(), rows));
    }
    let mut mine = Vec::new();
    for state in [HState::Rejected, HState::Draft, HState::Submitted] {
        mine.extend(
            list(
                &s,
                &v,
                HandoffFilter {
                    state: Some(state),
                    sender: Some(v.caller.email.clone()),
                    ..HandoffFilter::default()
                },
            )
            .await?,
        );
    }
    let mine = rows(&s, &v, mine).await?;
    render(&InboxPage {
        page: v.page.at("inbox"),
        teams,
        mine,
    })
}
