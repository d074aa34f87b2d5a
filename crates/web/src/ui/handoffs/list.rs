//! The handoff list (`GET /handoffs`): search by account name or id,
//! filters (contract, state, receiving team, sender, deal, start dates),
//! sortable columns, numbered pages, and the same search as CSV
//! (`GET /handoffs.csv`).

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Query, State};
use baton_app::csv_cells::{Row as CsvRow, header as csv_header};
use baton_app::handoffs::MAX_SEARCH;
use baton_domain::handoff::State as HState;
use baton_domain::{ContractKey, DealId, Email, TeamKey, Timestamp};
use baton_store::{HandoffFilter, HandoffSearch, HandoffSort};
use serde::Deserialize;

use super::invalid;
use crate::AppState;
use crate::ui::inbox::{Row, rows};
use crate::ui::{Page, UiResult, Viewer, percent_encode, render};

/// Rows per page.
const PAGE_ROWS: u32 = 50;

/// The list's query string, as the filter form sends it.
#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct ListQuery {
    q: Option<String>,
    state: Option<String>,
    contract: Option<String>,
    team: Option<String>,
    sender: Option<String>,
    deal: Option<String>,
    from: Option<String>,
    to: Option<String>,
    sort: Option<String>,
    page: Option<String>,
}

/// The query's values, trimmed, blanks dropped.
struct Wanted {
    pairs: Vec<(&'static str, String)>,
}

impl Wanted {
    fn of(q: &ListQuery) -> Self {
        let pairs = [
            ("q", &q.q),
            ("state", &q.state),
            ("contract", &q.contract),
            ("team", &q.team),
            ("sender", &q.sender),
            ("deal", &q.deal),
            ("from", &q.from),
            ("to", &q.to),
            ("sort", &q.sort),
        ]
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| (k, v.to_string()))
        })
        .collect();
        Self { pairs }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The query string without `drop`, for links that change one part.
    fn query_without(&self, drop: &[&str]) -> String {
        self.pairs
            .iter()
            .filter(|(k, _)| !drop.contains(k))
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn date(what: &str, raw: &str) -> Result<Timestamp, crate::ui::UiError> {
    raw.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| invalid(what, format!("'{raw}' is not a date like 2026-10-01")))
}

/// The search the query asks for, or the first bad part named.
fn search_of(w: &Wanted, offset: u64, limit: u32) -> UiResult<HandoffSearch> {
    let filter = HandoffFilter {
        state: w
            .get("state")
            .map(|r| {
                HState::parse(r).ok_or_else(|| invalid("state", format!("unknown state '{r}'")))
            })
            .transpose()?,
        contract: w
            .get("contract")
            .map(|r| ContractKey::parse(r).map_err(|e| invalid("contract", e)))
            .transpose()?,
        to_team: w
            .get("team")
            .map(|r| TeamKey::parse(r).map_err(|e| invalid("team", e)))
            .transpose()?,
        sender: w
            .get("sender")
            .map(|r| Email::parse(r).map_err(|e| invalid("sender", e)))
            .transpose()?,
        deal: w
            .get("deal")
            .map(|r| DealId::parse(r).map_err(|e| invalid("deal", e)))
            .transpose()?,
        ..HandoffFilter::default()
    };
    let sort = match w.get("sort") {
        None => HandoffSort::default(),
        Some(r) => HandoffSort::parse(r).ok_or_else(|| {
            let all: Vec<&str> = HandoffSort::ALL.iter().map(|s| s.as_str()).collect();
            invalid("sort", format!("'{r}' is not one of {}", all.join(", ")))
        })?,
    };
    let from = w.get("from").map(|r| date("from", r)).transpose()?;
    // "to" is inclusive: everything started before the next day.
    let until = w
        .get("to")
        .map(|r| date("to", r).map(|t| t + jiff::SignedDuration::from_hours(24)))
        .transpose()?;
    Ok(HandoffSearch {
        filter,
        text: w.get("q").map(str::to_string),
        from,
        until,
        sort,
        offset,
        limit,
    })
}

/// A sortable column heading.
pub struct SortLink {
    /// The heading.
    pub label: &'static str,
    /// The link that sorts by it.
    pub href: String,
    /// Sorted by it now.
    pub on: bool,
}

#[derive(Template)]
#[template(path = "handoffs/list.html")]
struct ListPage {
    page: Page,
    rows: Vec<Row>,
    total: u64,
    page_no: u64,
    pages: u64,
    prev: Option<String>,
    next: Option<String>,
    csv: String,
    q: String,
    states: Vec<(&'static str, bool)>,
    contracts: Vec<(String, String, bool)>,
    teams: Vec<(String, bool)>,
    sender: String,
    deal: String,
    from: String,
    to: String,
    sorts: Vec<SortLink>,
    filtered: bool,
}

/// `GET /handoffs`.
pub(super) async fn list(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> UiResult {
    let w = Wanted::of(&q);
    let page_no: u64 = match q.page.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => 1,
        Some(p) => p
            .parse::<u64>()
            .ok()
            .filter(|n| *n >= 1)
            .ok_or_else(|| invalid("page", format!("'{p}' is not a page number")))?,
    };
    let search = search_of(&w, (page_no - 1) * u64::from(PAGE_ROWS), PAGE_ROWS)?;
    let sort = search.sort;
    let (views, total) = s.app.search_handoffs(&v.caller, search).await?;
    let rows = rows(&s, &v, views).await?;
    let pages = total.div_ceil(u64::from(PAGE_ROWS)).max(1);
    let base = w.query_without(&[]);
    let link = |n: u64| {
        if base.is_empty() {
            format!("/handoffs?page={n}")
        } else {
            format!("/handoffs?{base}&page={n}")
        }
    };
    let all = s.app.contracts(&v.caller).await?;
    let teams: BTreeSet<String> = all
        .iter()
        .flat_map(|c| c.current.receiving_teams.iter().map(ToString::to_string))
        .collect();
    let unsorted = w.query_without(&["sort"]);
    let sorts = [
        ("Newest", HandoffSort::Newest),
        ("Oldest", HandoffSort::Oldest),
        ("Account", HandoffSort::Account),
        ("Lowest score", HandoffSort::Score),
        ("Waiting longest", HandoffSort::Waiting),
    ]
    .into_iter()
    .map(|(label, by)| SortLink {
        label,
        href: if unsorted.is_empty() {
            format!("/handoffs?sort={}", by.as_str())
        } else {
            format!("/handoffs?{unsorted}&sort={}", by.as_str())
        },
        on: by == sort,
    })
    .collect();
    let csv = if base.is_empty() {
        "/handoffs.csv".to_string()
    } else {
        format!("/handoffs.csv?{base}")
    };
    let value = |k: &str| w.get(k).unwrap_or_default().to_string();
    render(&ListPage {
        page: v.page.at("handoffs"),
        rows,
        total,
        page_no,
        pages,
        prev: (page_no > 1).then(|| link(page_no - 1)),
        next: (page_no < pages).then(|| link(page_no + 1)),
        csv,
        q: value("q"),
        states: [
            HState::Draft,
            HState::Submitted,
            HState::Rejected,
            HState::Accepted,
            HState::Withdrawn,
        ]
        .into_iter()
        .map(|st| (st.as_str(), w.get("state") == Some(st.as_str())))
        .collect(),
        contracts: all
            .into_iter()
            .map(|c| {
                let key = c.key.to_string();
                let on = w.get("contract") == Some(key.as_str());
                (key, c.current.title, on)
            })
            .collect(),
        teams: teams
            .into_iter()
            .map(|t| {
                let on = w.get("team") == Some(t.as_str());
                (t, on)
            })
            .collect(),
        sender: value("sender"),
        deal: value("deal"),
        from: value("from"),
        to: value("to"),
        sorts,
        filtered: !w.query_without(&["sort"]).is_empty(),
    })
}

/// `GET /handoffs.csv`: every handoff the same search finds (up to
/// [`MAX_SEARCH`]), one row each, for a spreadsheet.
pub(super) async fn csv(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> UiResult {
    let w = Wanted::of(&q);
    let search = search_of(&w, 0, MAX_SEARCH)?;
    let (views, _) = s.app.search_handoffs(&v.caller, search).await?;
    let rows = rows(&s, &v, views).await?;
    Ok(crate::ui::download::csv("handoffs", rows_csv(&rows, None)))
}

/// Handoff rows as CSV, one line each as the list shows them; with
/// `counted`, a last column saying whether each is in a scorecard cell's
/// numerator.
pub fn rows_csv(rows: &[crate::ui::inbox::Row], counted: Option<&[bool]>) -> String {
    let mut names = vec![
        "handoff",
        "account_id",
        "account",
        "arr",
        "contract",
        "sender",
        "to",
        "state",
        "score",
        "acceptance",
        "overdue",
        "deal",
    ];
    if counted.is_some() {
        names.push("in_numerator");
    }
    let mut out = csv_header(&names);
    for (i, r) in rows.iter().enumerate() {
        let mut line = CsvRow::new()
            .text(&r.id)
            .text(&r.account_id)
            .text(&r.account)
            .text(&r.arr)
            .text(&r.contract)
            .text(&r.sender)
            .text(&r.to)
            .text(r.state)
            .number(u32::from(r.score))
            .text(&r.clock)
            .text(if r.overdue { "yes" } else { "no" })
            .text(r.deal.as_deref().unwrap_or_default());
        if let Some(c) = counted {
            line = line.text(if c.get(i).copied().unwrap_or(false) {
                "yes"
            } else {
                "no"
            });
        }
        out.push_str(&line.line());
    }
    out
}
