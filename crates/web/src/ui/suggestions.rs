//! The review queue for re-discovery Baton found in conversation notes: each
//! suggestion shows the question as asked next to the answer already on
//! record, and a person confirms it (it counts in the scorecard) or
//! dismisses it (the question asked something new).

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use baton_domain::rediscovery::{
    Learned, MIN_DECISIONS, Quality, SuggestedIncident, SuggestionStatus, THRESHOLD,
};
use baton_domain::{AccountId, Timestamp};
use serde::Deserialize;

use crate::AppState;
use crate::ui::{Page, Posted, UiError, UiResult, Viewer, percent_encode, render_status};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/suggestions", get(page))
        .route("/suggestions.csv", get(csv))
        .route("/suggestions/{id}/confirm", post(confirm))
        .route("/suggestions/{id}/dismiss", post(dismiss))
}

/// Most suggestions one page shows.
const SHOWN: u32 = 100;

/// The filter choices, in the order the toggle shows them.
const FILTERS: [&str; 4] = ["open", "confirmed", "dismissed", "all"];

/// One suggestion as a card.
#[derive(Debug, Clone)]
pub struct Card {
    /// The card after it on the page (where a decision leaves the reader).
    next_id: String,
    /// The suggestion's id.
    pub id: String,
    /// The question, as written in the note.
    pub question: String,
    /// The account's name (its id when unknown).
    pub account: String,
    /// The account's id.
    pub account_id: String,
    /// Who wrote the note, by name.
    pub author: String,
    /// Their email, when known.
    pub author_email: String,
    /// The side that asked.
    pub team: String,
    /// When the question was asked.
    pub at: String,
    /// The field's label in the handoff's contract version (its key when
    /// the version is gone).
    pub field: String,
    /// The field's key.
    pub field_key: String,
    /// The answer on record.
    pub answer: String,
    /// The handoff that answered it.
    pub handoff: String,
    /// That handoff's contract, by title.
    pub contract: String,
    /// Match strength, two decimals (the threshold and up is suggested).
    pub score: String,
    /// `open`, `confirmed` or `dismissed`.
    pub status: &'static str,
    /// Who decided and when, in words; empty while open.
    pub decided: String,
}

/// The detector's figures on the org's own decisions, in words (admins).
#[derive(Debug, Clone)]
pub struct QualityPanel {
    /// Precision, or what stands in for it before any decision.
    pub precision: String,
    /// The share of the re-discovery on record it found, and why that is
    /// not recall.
    pub found: String,
    /// What it learned: phrases and thresholds.
    pub learned: String,
}

impl QualityPanel {
    fn new(q: &Quality, learned: &Learned) -> Self {
        let precision = match q.precision() {
            Some(p) => format!(
                "Precision {p:.2}: {} of {} decided suggestions were confirmed ({} still open).",
                q.confirmed,
                q.decided(),
                q.open
            ),
            None => format!("Precision: no suggestion decided yet ({} open).", q.open),
        };
        let found = match q.found_share() {
            Some(f) => format!(
                "Found {} of the {} re-discovery incidents on record ({f:.2}); {} were reported by hand. \
                 This is not recall: a re-ask nobody confirmed or reported is in neither count, so the \
                 detector's recall can only be lower.",
                q.confirmed,
                q.confirmed + q.reported_by_hand,
                q.reported_by_hand
            ),
            None => "No re-discovery on record yet, so nothing says how much the detector misses."
                .to_string(),
        };
        let (phrases, dismissed) = learned.phrase_counts();
        let thresholds: Vec<String> = learned
            .thresholds()
            .iter()
            .map(|(c, t)| format!("{c} {t:.2}"))
            .collect();
        let learned = format!(
            "Learned from your decisions: {phrases} confirmed question{} (their paraphrases now match), \
             {dismissed} dismissed (their near paraphrases no longer do); thresholds: {} (default {:.2}; \
             a contract needs {MIN_DECISIONS} decisions before its own).",
            if phrases == 1 { "" } else { "s" },
            if thresholds.is_empty() {
                "all at the default".to_string()
            } else {
                thresholds.join(", ")
            },
            THRESHOLD
        );
        Self {
            precision,
            found,
            learned,
        }
    }
}

#[derive(Template)]
#[template(path = "suggestions.html")]
struct SuggestionsPage {
    page: Page,
    /// The detector's figures, for admins only.
    quality: Option<QualityPanel>,
    status: &'static str,
    filters: &'static [&'static str],
    cards: Vec<Card>,
    /// How many match the filter in all (not only this page).
    total: u64,
    page_no: u64,
    pages: u64,
    prev: Option<String>,
    next: Option<String>,
    done: Option<String>,
    error: Option<String>,
}

/// The page's query: the filter and what a decision that redirected here did.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    status: Option<String>,
    confirmed: Option<String>,
    dismissed: Option<String>,
    page: Option<u64>,
}

fn when(t: &Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// The scorecard period a confirmed suggestion counts in: the month the
/// question was asked, not the month it was confirmed.
fn month(t: &Timestamp) -> String {
    t.strftime("%B %Y").to_string()
}

/// The filter named in a query, or `None` when it names none of them.
fn filter(raw: Option<&str>) -> Option<&'static str> {
    let raw = raw.map_or("open", str::trim);
    let raw = if raw.is_empty() { "open" } else { raw };
    FILTERS.iter().copied().find(|f| *f == raw)
}

/// Cards for `found`, with account names, authors and field labels looked
/// up once each.
async fn cards(s: &AppState, v: &Viewer, found: Vec<SuggestedIncident>) -> UiResult<Vec<Card>> {
    let ids: Vec<AccountId> = found.iter().map(|x| x.account.clone()).collect();
    let accounts: BTreeMap<AccountId, String> = s
        .app
        .accounts_by_id(&v.caller, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let dir = s.app.directory(&v.caller).await?;
    let contracts = crate::ui::contracts_by_key(s, &v.caller).await?;
    let labels = s.app.suggestion_field_labels(&v.caller, &found).await?;
    let mut out = Vec::with_capacity(found.len());
    for (x, label) in found.into_iter().zip(labels) {
        let field = label.unwrap_or_else(|| x.field.to_string());
        let contract = contracts
            .get(&x.contract)
            .map_or_else(|| x.contract.to_string(), |c| c.current.title.clone());
        let (author, author_email) = match &x.author {
            Some(e) => (
                dir.users
                    .get(e)
                    .map_or_else(|| e.to_string(), |u| u.name.clone()),
                e.to_string(),
            ),
            None => ("someone".to_string(), String::new()),
        };
        let decided = match (&x.decided_by, &x.decided_at) {
            (Some(by), Some(at)) => format!("{} by {by} on {}", x.status.as_str(), when(at)),
            (Some(by), None) => format!("{} by {by}", x.status.as_str()),
            _ => String::new(),
        };
        out.push(Card {
            account: accounts
                .get(&x.account)
                .cloned()
                .unwrap_or_else(|| x.account.to_string()),
            account_id: x.account.to_string(),
            author,
            author_email,
            team: x.team.map(|t| t.to_string()).unwrap_or_default(),
            at: when(&x.at),
            field,
            field_key: x.field.to_string(),
            answer: x.answer,
            handoff: x.handoff.to_string(),
            contract,
            score: format!("{:.2}", f64::from(x.score) / 1000.0),
            status: x.status.as_str(),
            decided,
            question: x.question,
            id: x.id,
            next_id: String::new(),
        });
    }
    Ok(out)
}

/// The page for filter `status`, with a notice or an error (and its status).
async fn show(
    s: &AppState,
    v: &Viewer,
    (status, page_no): (&'static str, u64),
    done: Option<String>,
    error: Option<(StatusCode, String)>,
) -> UiResult {
    let wanted = SuggestionStatus::parse(status);
    let page_no = page_no.max(1);
    let (found, total) = s
        .app
        .suggestions_page(&v.caller, wanted, (page_no - 1) * u64::from(SHOWN), SHOWN)
        .await?;
    let pages = total.div_ceil(u64::from(SHOWN)).max(1);
    // A decision can empty the last page: show the one before instead.
    let (found, page_no) = if page_no > pages {
        let last = s
            .app
            .suggestions_page(&v.caller, wanted, (pages - 1) * u64::from(SHOWN), SHOWN)
            .await?
            .0;
        (last, pages)
    } else {
        (found, page_no)
    };
    let link = |n: u64| format!("/suggestions?status={status}&page={n}");
    let mut cards = cards(s, v, found).await?;
    let ids: Vec<String> = cards.iter().map(|c| c.id.clone()).collect();
    for (card, next) in cards.iter_mut().zip(ids.iter().skip(1)) {
        card.next_id.clone_from(next);
    }
    // The detector is the admins' to answer for; members review, they do
    // not tune.
    let quality = if v.page.admin {
        let (q, learned) = s.app.suggestion_quality(&v.caller).await?;
        Some(QualityPanel::new(&q, &learned))
    } else {
        None
    };
    let (code, error) = match error {
        Some((code, message)) => (code, Some(message)),
        None => (StatusCode::OK, None),
    };
    render_status(
        code,
        &SuggestionsPage {
            page: v.page.at("suggestions"),
            quality,
            status,
            filters: &FILTERS,
            cards,
            total,
            page_no,
            pages,
            prev: (page_no > 1).then(|| link(page_no - 1)),
            next: (page_no < pages).then(|| link(page_no + 1)),
            done,
            error,
        },
    )
}

/// Most suggestions the CSV holds.
const CSV_ROWS: u32 = 10_000;

/// `GET /suggestions.csv`: every suggestion of the filter (not only the
/// page shown), one row each.
async fn csv(State(s): State<AppState>, v: Viewer, Query(q): Query<ListQuery>) -> UiResult {
    let Some(status) = filter(q.status.as_deref()) else {
        return Err(UiError::Status(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("choose one of: {}", FILTERS.join(", ")),
        ));
    };
    let (found, _) = s
        .app
        .suggestions_page(&v.caller, SuggestionStatus::parse(status), 0, CSV_ROWS)
        .await?;
    let mut out = baton_app::csv_cells::header(&[
        "id",
        "status",
        "asked_at",
        "account_id",
        "account",
        "team",
        "author",
        "question",
        "handoff",
        "contract",
        "field",
        "answer",
        "score",
        "decided",
    ]);
    for c in cards(&s, &v, found).await? {
        out.push_str(
            &baton_app::csv_cells::Row::new()
                .text(&c.id)
                .text(c.status)
                .text(&c.at)
                .text(&c.account_id)
                .text(&c.account)
                .text(&c.team)
                .text(&c.author_email)
                .text(&c.question)
                .text(&c.handoff)
                .text(&c.contract)
                .text(&c.field_key)
                .text(&c.answer)
                .text(&c.score)
                .text(&c.decided)
                .line(),
        );
    }
    Ok(crate::ui::download::csv(
        &format!("suggestions-{status}"),
        out,
    ))
}

async fn page(State(s): State<AppState>, v: Viewer, Query(q): Query<ListQuery>) -> UiResult {
    let Some(status) = filter(q.status.as_deref()) else {
        return Err(UiError::Status(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "'{}' is not a filter here; choose one of: {}",
                q.status.unwrap_or_default(),
                FILTERS.join(", ")
            ),
        ));
    };
    // The notice is rebuilt from the stored suggestion, so a hand-made URL
    // cannot make the page claim a decision that was not taken.
    let mut done = None;
    if let Some(id) = q.confirmed.as_deref() {
        let x = s.app.suggestion(&v.caller, id).await?;
        if let Some(x) = x.filter(|x| x.status == SuggestionStatus::Confirmed) {
            done = Some(format!(
                "Confirmed: counts as a re-discovery incident in {}",
                month(&x.at)
            ));
        }
    } else if let Some(id) = q.dismissed.as_deref() {
        let x = s.app.suggestion(&v.caller, id).await?;
        if x.is_some_and(|x| x.status == SuggestionStatus::Dismissed) {
            done = Some("Dismissed".to_string());
        }
    }
    show(&s, &v, (status, q.page.unwrap_or(1)), done, None).await
}

async fn decide(
    s: &AppState,
    (v, f): (&Viewer, &crate::ui::Fields),
    id: &str,
    confirmed: bool,
) -> UiResult {
    match s.app.decide_suggestion(&v.caller, id, confirmed).await {
        Ok(x) => {
            // Back where the person was: the same page of the queue, at the
            // card after the one just decided.
            let verb = if confirmed { "confirmed" } else { "dismissed" };
            let page_no = f
                .get("page")
                .and_then(|p| p.parse::<u64>().ok())
                .unwrap_or(1);
            let at = f
                .get("next")
                .map(|n| format!("#sug-{}", percent_encode(n)))
                .unwrap_or_default();
            let to = format!(
                "/suggestions?{verb}={}&page={page_no}{at}",
                percent_encode(&x.id)
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => match UiError::from(e) {
            // Refused or already decided: the queue again, saying why, so
            // the person sees where things stand now.
            UiError::Status(code, message) if code != StatusCode::NOT_FOUND => {
                show(s, v, ("open", 1), None, Some((code, message))).await
            }
            other => Err(other),
        },
    }
}

async fn confirm(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted(v, f): Posted,
) -> UiResult {
    decide(&s, (&v, &f), &id, true).await
}

async fn dismiss(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted(v, f): Posted,
) -> UiResult {
    decide(&s, (&v, &f), &id, false).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_filter_defaults_to_open_and_refuses_what_it_does_not_know() {
        assert_eq!(filter(None), Some("open"));
        assert_eq!(filter(Some("")), Some("open"));
        assert_eq!(filter(Some("all")), Some("all"));
        assert_eq!(filter(Some("dismissed")), Some("dismissed"));
        assert_eq!(filter(Some("closed")), None);
    }

    #[test]
    fn a_confirmed_suggestion_counts_in_the_month_it_was_asked() {
        let t: Timestamp = "2026-10-31T23:30:00Z".parse().unwrap();
        assert_eq!(month(&t), "October 2026");
        assert_eq!(when(&t), "2026-10-31 23:30 UTC");
    }
}
