//! A scorecard cell's drill-down: the handoffs (or accounts, or responses)
//! a cell counts, the numerator first, as a page and as CSV.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use baton_domain::period::Period;
use baton_domain::scorecard::MetricKind;
use baton_domain::scorecard::{Cell, Metrics};
use serde::Deserialize;

use crate::AppState;
use crate::ui::{Page, UiError, UiResult, Viewer, render};

use super::*;

#[derive(Debug, Default, Deserialize)]
pub(super) struct CellQuery {
    contract: Option<String>,
    metric: Option<String>,
    period: Option<String>,
}

#[derive(Template)]
#[template(path = "scorecard/cell_page.html")]
struct CellPage {
    page: Page,
    metric: &'static str,
    metric_key: &'static str,
    definition: &'static str,
    contract: String,
    contract_key: String,
    period: String,
    period_label: String,
    /// What the cell counts and how the lists split, in words.
    words: CellWords,
    /// The cell's own numerator and denominator, in its unit.
    sums: String,
    counted: Vec<crate::ui::inbox::Row>,
    not_counted: Vec<crate::ui::inbox::Row>,
}

/// How a metric's drill-down names its two lists.
struct CellWords {
    /// The first list: the numerator (or every handoff, for a measure).
    counted: &'static str,
    /// The second list: the rest of the denominator; `None` for a measure
    /// without one.
    rest: Option<&'static str>,
}

fn cell_words(metric: MetricKind) -> CellWords {
    let (counted, rest) = match metric {
        MetricKind::Completion => ("Complete (100) when accepted", Some("Accepted below 100")),
        MetricKind::ReceiverAcceptance => (
            "Accepted first time, not re-discovered within 30 days",
            Some("Rejected first, or re-discovered"),
        ),
        MetricKind::TimeToAcceptance => {
            ("Accepted in the period: their times make the median", None)
        }
        MetricKind::Rediscovery => (
            "Re-discovered within 30 days of acceptance",
            Some("Accepted, not re-discovered"),
        ),
        MetricKind::NpsDelta => (
            "With NPS responses in the windows around the handoff",
            Some("Accepted, no response in either window"),
        ),
        MetricKind::LeakToChurn => (
            "Churned after a handoff that scored below 70",
            Some("Churned after a handoff of 70 or more"),
        ),
    };
    CellWords { counted, rest }
}

/// The cell's figure in the unit it counts: handoffs, accounts or
/// responses, as the grid shows them.
fn cell_sums(
    metric: MetricKind,
    m: &baton_domain::scorecard::Metric,
    accounts: (usize, usize),
) -> String {
    match metric {
        MetricKind::Completion | MetricKind::ReceiverAcceptance => format!(
            "{} of {} handoffs count in the numerator.",
            m.num.unwrap_or(0),
            m.den.unwrap_or(0)
        ),
        MetricKind::TimeToAcceptance => {
            format!("{} handoffs make the median.", m.n.unwrap_or(0))
        }
        MetricKind::Rediscovery | MetricKind::LeakToChurn => format!(
            "{} of {} accounts count in the numerator ({} and {} of the handoffs below).",
            m.num.unwrap_or(0),
            m.den.unwrap_or(0),
            accounts.0,
            accounts.1
        ),
        MetricKind::NpsDelta => format!(
            "{} responses before and {} after, around the handoffs below.",
            m.before_n.unwrap_or(0),
            m.after_n.unwrap_or(0)
        ),
    }
}

impl CellQuery {
    /// The metric (and how the grid names it), the contract and the period.
    fn parse(
        &self,
    ) -> UiResult<(
        MetricKind,
        &'static MetricInfo,
        baton_domain::ContractKey,
        Period,
    )> {
        let bad = |what: &str, why: String| {
            UiError::Status(StatusCode::UNPROCESSABLE_ENTITY, format!("{what}: {why}"))
        };
        let key = self.metric.clone().unwrap_or_default();
        let metric = MetricKind::parse(&key).ok_or_else(|| {
            let known: Vec<&str> = MetricKind::ALL.iter().map(|m| m.key()).collect();
            bad(
                "metric",
                format!("unknown metric '{key}'; one of {}", known.join(", ")),
            )
        })?;
        let info = METRICS
            .iter()
            .find(|m| m.key == key)
            .ok_or_else(|| bad("metric", format!("unknown metric '{key}'")))?;
        let contract = baton_domain::ContractKey::parse(self.contract.clone().unwrap_or_default())
            .map_err(|e| bad("contract", e.to_string()))?;
        let period: Period = self
            .period
            .clone()
            .unwrap_or_default()
            .parse()
            .map_err(|e: baton_domain::DomainError| bad("period", e.to_string()))?;
        Ok((metric, info, contract, period))
    }
}

/// `GET /scorecard/cell.csv`: the same handoffs as the cell's page, with
/// whether each is in the numerator.
pub(super) async fn cell_csv(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<CellQuery>,
) -> UiResult {
    let (metric, _, contract, period) = q.parse()?;
    let found = s
        .app
        .cell_handoffs(&v.caller, &contract, period, metric)
        .await?;
    let counted: Vec<bool> = found.iter().map(|(_, n)| *n).collect();
    let rows = crate::ui::inbox::rows(&s, &v, found.into_iter().map(|(h, _)| h).collect()).await?;
    Ok(crate::ui::download::csv(
        &format!("{contract}-{}-{period}", metric.key()),
        crate::ui::handoffs::list::rows_csv(&rows, Some(&counted)),
    ))
}

/// `GET /scorecard/cell?contract=…&metric=…&period=…`: the handoffs a
/// handoff-counted cell counts, split into its numerator and the rest of
/// its denominator.
pub(super) async fn cell_page(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<CellQuery>,
) -> UiResult {
    let (metric, info, contract, period) = q.parse()?;
    let found = s
        .app
        .cell_handoffs(&v.caller, &contract, period, metric)
        .await?;
    let (yes, no): (Vec<_>, Vec<_>) = found.into_iter().partition(|(_, num)| *num);
    let accounts = |v: &[(baton_app::handoffs::HandoffView, bool)]| {
        v.iter()
            .map(|(h, _)| h.handoff.account.clone())
            .collect::<std::collections::BTreeSet<_>>()
    };
    let (yes_accounts, all_accounts) = (accounts(&yes), {
        let mut all = accounts(&yes);
        all.extend(accounts(&no));
        all
    });
    let figure = s
        .app
        .scorecard(&v.caller, Some(&contract), period, 1)
        .await?
        .into_iter()
        .next()
        .map(|c| info.of(&c.metrics).clone())
        .unwrap_or_else(|| info.of(&Metrics::from_cell(&Cell::default())).clone());
    let sums = cell_sums(metric, &figure, (yes_accounts.len(), all_accounts.len()));
    let strip =
        |v: Vec<(baton_app::handoffs::HandoffView, bool)>| v.into_iter().map(|(h, _)| h).collect();
    let contracts = crate::ui::contracts_by_key(&s, &v.caller).await?;
    render(&CellPage {
        metric_key: metric.key(),
        words: cell_words(metric),
        sums,
        page: v.page.at("scorecard"),
        metric: info.name,
        definition: info.definition,
        contract: name_of(&contracts, &contract).title,
        contract_key: contract.to_string(),
        period: period.to_string(),
        period_label: period_label(period),
        counted: crate::ui::inbox::rows(&s, &v, strip(yes)).await?,
        not_counted: crate::ui::inbox::rows(&s, &v, strip(no)).await?,
    })
}
