//! UI pages: the scorecard (six metrics × contracts for a period, with a
//! trend chart per metric) and the ranked leak audit (SPEC §5, §6).
//!
//! The numbers come from the same use cases as `/api/v1/scorecard` and
//! `/api/v1/leak-audit`; this module only words and formats them. Every
//! figure is shown with its status as a word as well as a colour, and with
//! its numerator and denominator (or sample sizes) in visible small text and
//! in the cell's `title`.

mod cell;
mod leak_audit;

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use baton_app::scorecard::ContractScorecard;
use baton_domain::ContractKey;
use baton_domain::period::Period;
use baton_domain::scorecard::{Cell, Metric, Metrics, Status};
use jiff::tz::TimeZone;
use serde::Deserialize;

use crate::AppState;
use crate::api::period_param;
use crate::ui::chart::{self, LineChart, Series, Target, Unit};
use crate::ui::{Page, UiError, UiResult, Viewer, render};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/scorecard", get(scorecard))
        .route("/scorecard.csv", get(scorecard_csv))
        .route("/scorecard/cell", get(cell::cell_page))
        .route("/scorecard/cell.csv", get(cell::cell_csv))
        .route("/leak-audit", get(leak_audit::leak_audit))
        .route("/leak-audit.csv", get(leak_audit::leak_audit_csv))
}

/// Trailing periods of trend when the picker does not say.
const DEFAULT_PERIODS: usize = 6;

/// One of the six metrics: how it is named, read and picked out of
/// [`Metrics`].
#[derive(Debug, Clone, Copy)]
pub struct MetricInfo {
    /// The key in the API's JSON (`completion_rate`…).
    pub key: &'static str,
    /// Its name for people.
    pub name: &'static str,
    /// How its value reads.
    pub unit: Unit,
    /// What it counts, for the definitions list.
    pub definition: &'static str,
    pick: fn(&Metrics) -> &Metric,
}

/// The six metrics in the SPEC's order.
pub const METRICS: [MetricInfo; 6] = [
    MetricInfo {
        key: "completion_rate",
        name: "Completion rate",
        unit: Unit::Percent,
        definition: "Handoffs accepted in the period whose accepted submission scored 100, \
                     out of all handoffs accepted in the period. Below 70% the 90% target \
                     is aspirational.",
        pick: |m| &m.completion_rate,
    },
    MetricInfo {
        key: "receiver_acceptance",
        name: "Receiver acceptance",
        unit: Unit::Percent,
        definition: "Handoffs first decided in the period that were accepted on their first \
                     submission and met no re-discovery within 30 days.",
        pick: |m| &m.receiver_acceptance,
    },
    MetricInfo {
        key: "time_to_acceptance",
        name: "Time to acceptance",
        unit: Unit::Hours,
        definition: "Median hours from first submission to acceptance, over handoffs \
                     accepted in the period.",
        pick: |m| &m.time_to_acceptance,
    },
    MetricInfo {
        key: "rediscovery_incidence",
        name: "Re-discovery incidence",
        unit: Unit::Percent,
        definition: "Accounts handed off in the period that had to ask for the context again \
                     within 30 days of acceptance.",
        pick: |m| &m.rediscovery_incidence,
    },
    MetricInfo {
        key: "nps_delta",
        name: "Post-handoff NPS delta",
        unit: Unit::Points,
        definition: "Cohort NPS in the 14 days after acceptance minus cohort NPS in the 14 \
                     days before first submission, for handoffs accepted in the period.",
        pick: |m| &m.nps_delta,
    },
    MetricInfo {
        key: "leak_to_churn",
        name: "Leak-to-churn",
        unit: Unit::Percent,
        definition: "Accounts churned in the period whose latest handoff of the contract \
                     scored below 70, out of churned accounts that had one. Measured, no \
                     target (typically 60–80%).",
        pick: |m| &m.leak_to_churn,
    },
];

impl MetricInfo {
    /// This metric of `m`.
    pub fn of<'a>(&self, m: &'a Metrics) -> &'a Metric {
        (self.pick)(m)
    }

    /// The target in the metric's unit (`≥ 90%`, `< 48 h`), its value, or
    /// `None` for a measured-only metric.
    pub fn target(&self) -> Option<(String, f64)> {
        let empty = Metrics::from_cell(&Cell::default());
        let raw = self.of(&empty).target;
        let (op, num) = raw.split_once(' ')?;
        let value: f64 = num.parse().ok()?;
        let op = match op {
            ">=" => "≥",
            "<=" => "≤",
            other => other,
        };
        Some((format!("{op} {}", self.unit.format(value)), value))
    }

    /// The target as the column header words it.
    pub fn target_words(&self) -> String {
        self.target().map_or_else(
            || "measured, no target".into(),
            |(t, _)| format!("target {t}"),
        )
    }
}

/// One figure as a grid cell shows it.
#[derive(Debug, Clone)]
pub struct CellView {
    /// The metric's key (`data-metric`).
    pub metric: &'static str,
    /// The value (`75%`), or `no data`.
    pub value: String,
    /// The status class of `baton.css`.
    pub class: &'static str,
    /// The status as a symbol and word; empty for no data (the value says it).
    pub status: &'static str,
    /// Below 70% completion.
    pub aspirational: bool,
    /// The sample, visible under the value: `3 of 4`, `median of 4`.
    pub sample: Vec<String>,
    /// The sample in a sentence, for the hover title.
    pub title: String,
    /// Where the handoffs it counts are listed (handoff-counted metrics).
    pub href: Option<String>,
}

fn status_class(s: Status) -> (&'static str, &'static str) {
    match s {
        Status::Met => ("status-good", "✓ met"),
        Status::Missed => ("status-bad", "✗ missed"),
        Status::NoData => ("status-none", ""),
        Status::Measured => ("status-measured", "● measured"),
    }
}

/// How a count reads: `1 account`, `3 accounts`.
fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

impl CellView {
    /// The cell of `info` for `m`, over `span` (e.g. `2026-10`).
    pub fn new(info: &MetricInfo, m: &Metric, span: &str) -> Self {
        let (class, status) = status_class(m.status);
        let value = m
            .value
            .map_or_else(|| "no data".to_string(), |v| info.unit.format(v));
        let (num, den) = (m.num.unwrap_or(0), m.den.unwrap_or(0));
        let (sample, title) = match info.key {
            "completion_rate" => (
                vec![format!("{num} of {den}")],
                format!(
                    "{num} of {} accepted in {span} scored 100 at acceptance",
                    plural(den, "handoff", "handoffs")
                ),
            ),
            "receiver_acceptance" => (
                vec![format!("{num} of {den}")],
                format!(
                    "{num} of {} first decided in {span} accepted first time with no \
                     re-discovery within 30 days",
                    plural(den, "handoff", "handoffs")
                ),
            ),
            "time_to_acceptance" => {
                let n = m.n.unwrap_or(0);
                (
                    vec![format!("median of {n}")],
                    format!(
                        "median over {} accepted in {span}, first submission to acceptance",
                        plural(n, "handoff", "handoffs")
                    ),
                )
            }
            "rediscovery_incidence" => (
                vec![format!("{num} of {den}")],
                format!(
                    "{num} of {} handed off in {span} had a re-discovery within 30 days",
                    plural(den, "account", "accounts")
                ),
            ),
            "nps_delta" => {
                // The small print stays short (the column is narrow); the
                // title says it in full.
                let side = |nps: Option<f64>, n: Option<u64>| {
                    let n = n.unwrap_or(0);
                    let v = nps.map_or_else(|| "no data".into(), |v| Unit::Points.tick(v));
                    let short = nps.map_or_else(
                        || "no responses".into(),
                        |v| format!("{} (n {n})", Unit::Points.tick(v)),
                    );
                    (v, n, short)
                };
                let (b, bn, b_short) = side(m.before, m.before_n);
                let (a, an, a_short) = side(m.after, m.after_n);
                (
                    vec![format!("before {b_short}"), format!("after {a_short}")],
                    format!(
                        "NPS after acceptance {a} ({}) minus NPS before first \
                         submission {b} ({}), handoffs accepted in {span}",
                        plural(an, "response", "responses"),
                        plural(bn, "response", "responses")
                    ),
                )
            }
            _ => (
                vec![format!("{num} of {den}")],
                format!(
                    "{num} of {} churned in {span} had a latest handoff scored below 70",
                    plural(den, "account", "accounts")
                ),
            ),
        };
        Self {
            metric: info.key,
            value,
            class,
            status,
            aspirational: m.aspirational,
            sample,
            title,
            href: None,
        }
    }
}

/// A contract's key and title.
#[derive(Debug, Clone)]
pub struct ContractName {
    /// The key.
    pub key: String,
    /// The title (the key when the contract is unknown).
    pub title: String,
}

/// A row of the grid: a contract and its six cells.
#[derive(Debug, Clone)]
pub struct GridRow {
    /// The contract.
    pub contract: ContractName,
    /// Its cells, in [`METRICS`] order.
    pub cells: Vec<CellView>,
}

/// A column head of the grid.
#[derive(Debug, Clone)]
pub struct Column {
    /// The metric's key.
    pub key: &'static str,
    /// Its name.
    pub name: &'static str,
    /// Its target in words.
    pub target: String,
    /// What it counts.
    pub definition: &'static str,
}

/// An option of a picker.
#[derive(Debug, Clone)]
pub struct PickOption {
    /// The period (`2026-10`).
    pub value: String,
    /// How people read it (`October 2026`).
    pub label: String,
    /// Selected now.
    pub selected: bool,
}

/// A legend entry.
#[derive(Debug, Clone)]
pub struct LegendEntry {
    /// The colour-and-shape key (SVG, escaped by the chart module).
    pub key: String,
    /// The contract.
    pub contract: ContractName,
}

/// A period as people read it: `October 2026`, `Week 43, 19–25 Oct 2026`.
pub fn period_label(p: Period) -> String {
    let Ok(start) = p.start() else {
        return p.to_string();
    };
    let d = start.to_zoned(TimeZone::UTC).date();
    match p {
        Period::Month { .. } => d.strftime("%B %Y").to_string(),
        Period::Week { week, .. } => {
            let last = d.checked_add(jiff::Span::new().days(6)).unwrap_or(d);
            format!(
                "Week {week}, {}–{}",
                d.strftime("%-d %b"),
                last.strftime("%-d %b %Y")
            )
        }
    }
}

/// The recent periods of a picker: `count` of them ending at `last`, newest
/// first, with `selected` added if it is older (or newer) than those.
fn options(last: Period, count: usize, selected: Period) -> Vec<PickOption> {
    let mut ps = last.trailing(count).unwrap_or_else(|_| vec![last]);
    if selected.is_week() == last.is_week() && !ps.contains(&selected) {
        ps.push(selected);
    }
    ps.sort();
    ps.reverse();
    ps.into_iter()
        .map(|p| PickOption {
            value: p.to_string(),
            label: if p == last {
                format!("{} (in progress)", period_label(p))
            } else {
                period_label(p)
            },
            selected: p == selected,
        })
        .collect()
}

fn name_of(
    contracts: &BTreeMap<ContractKey, baton_domain::contract::Contract>,
    k: &ContractKey,
) -> ContractName {
    ContractName {
        key: k.to_string(),
        title: contracts
            .get(k)
            .map_or_else(|| k.to_string(), |c| c.current.title.clone()),
    }
}

/// The scorecard's query: both optional, blank means default.
#[derive(Debug, Default, Deserialize)]
struct ScorecardQuery {
    period: Option<String>,
    periods: Option<String>,
}

impl ScorecardQuery {
    /// The period and how many trailing periods: by default the latest
    /// complete month (the running one holds only the days so far, and
    /// reads as a drop in every metric) and six.
    fn parse(&self, now: baton_domain::Timestamp) -> UiResult<(Period, usize)> {
        let this_month = Period::month_of(now);
        let period = period_param(
            "period",
            blank_is_none(self.period.as_ref()),
            this_month.prev().unwrap_or(this_month),
        )?;
        let periods = match blank_is_none(self.periods.as_ref()) {
            None => DEFAULT_PERIODS,
            Some(raw) => raw.parse().map_err(|_| {
                UiError::Status(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!(
                        "periods: '{raw}' is not a number of periods; give a whole number from 1 to {}",
                        baton_app::scorecard::MAX_PERIODS
                    ),
                )
            })?,
        };
        Ok((period, periods))
    }
}

/// `GET /scorecard.csv`: the grid's period and trend, one row per
/// contract, period and metric.
async fn scorecard_csv(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<ScorecardQuery>,
) -> UiResult {
    let (period, periods) = q.parse(s.app.now())?;
    let cards = s.app.scorecard(&v.caller, None, period, periods).await?;
    Ok(crate::ui::download::csv(
        &format!("scorecard-{period}"),
        baton_app::scorecard::scorecard_csv(&cards),
    ))
}

fn blank_is_none(v: Option<&String>) -> Option<&str> {
    v.map(|s| s.trim()).filter(|s| !s.is_empty())
}

#[derive(Template)]
#[template(path = "scorecard/scorecard.html")]
struct ScorecardPage {
    page: Page,
    period: String,
    period_label: String,
    /// The period is still running: its figures are the days so far.
    partial: bool,
    periods: usize,
    first: String,
    columns: Vec<Column>,
    rows: Vec<GridRow>,
    months: Vec<PickOption>,
    weeks: Vec<PickOption>,
    legend: Vec<LegendEntry>,
    charts: Vec<(Column, String)>,
}

async fn scorecard(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<ScorecardQuery>,
) -> UiResult {
    let now = s.app.now();
    let (period, periods) = q.parse(now)?;
    let partial = period.end().is_ok_and(|end| end > now);
    let cards = s.app.scorecard(&v.caller, None, period, periods).await?;
    let contracts = crate::ui::contracts_by_key(&s, &v.caller).await?;
    let span = period.to_string();
    let columns: Vec<Column> = METRICS
        .iter()
        .map(|m| Column {
            key: m.key,
            name: m.name,
            target: m.target_words(),
            definition: m.definition,
        })
        .collect();
    let rows = cards
        .iter()
        .map(|c| GridRow {
            contract: name_of(&contracts, &c.contract),
            cells: METRICS
                .iter()
                .map(|m| {
                    let figure = m.of(&c.metrics);
                    let mut cell = CellView::new(m, figure, &span);
                    let counted = figure.den.unwrap_or(0)
                        + figure.n.unwrap_or(0)
                        + figure.before_n.unwrap_or(0)
                        + figure.after_n.unwrap_or(0);
                    if counted > 0 {
                        cell.href = Some(format!(
                            "/scorecard/cell?contract={}&metric={}&period={span}",
                            c.contract, m.key
                        ));
                    }
                    cell
                })
                .collect(),
        })
        .collect();
    let trail = trail(&cards, period);
    let charts = METRICS
        .iter()
        .zip(&columns)
        .map(|(m, col)| (col.clone(), trend_chart(m, &cards, &trail, &contracts)))
        .collect();
    let legend = cards
        .iter()
        .enumerate()
        .map(|(i, c)| LegendEntry {
            key: chart::legend_key(i),
            contract: name_of(&contracts, &c.contract),
        })
        .collect();
    let (months, weeks) = (
        options(Period::month_of(now), 12, period),
        options(Period::week_of(now), 12, period),
    );
    render(&ScorecardPage {
        page: v.page.at("scorecard"),
        period: span,
        period_label: period_label(period),
        partial,
        periods,
        first: trail.first().map_or_else(String::new, ToString::to_string),
        columns,
        rows,
        months,
        weeks,
        legend,
        charts,
    })
}

/// The periods of the trend, oldest first (just `period` without a trend).
fn trail(cards: &[ContractScorecard], period: Period) -> Vec<Period> {
    cards.first().filter(|c| !c.trend.is_empty()).map_or_else(
        || vec![period],
        |c| c.trend.iter().map(|t| t.period).collect(),
    )
}

fn trend_chart(
    m: &MetricInfo,
    cards: &[ContractScorecard],
    trail: &[Period],
    contracts: &BTreeMap<ContractKey, baton_domain::contract::Contract>,
) -> String {
    let series = cards
        .iter()
        .map(|c| {
            let by_period: BTreeMap<Period, Option<f64>> = if c.trend.is_empty() {
                BTreeMap::from([(c.period, m.of(&c.metrics).value)])
            } else {
                c.trend
                    .iter()
                    .map(|t| (t.period, m.of(&t.metrics).value))
                    .collect()
            };
            let name = name_of(contracts, &c.contract);
            Series {
                key: name.key,
                label: name.title,
                points: trail
                    .iter()
                    .map(|p| by_period.get(p).copied().flatten())
                    .collect(),
            }
        })
        .collect();
    let range = match (trail.first(), trail.last()) {
        (Some(a), Some(b)) if a != b => format!("{a} to {b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    };
    LineChart {
        id: format!("trend-{}", m.key.replace('_', "-")),
        title: format!("{} by contract, {range}", m.name),
        unit: m.unit,
        x_labels: trail.iter().map(ToString::to_string).collect(),
        series,
        target: m.target().map(|(label, value)| Target {
            value,
            label: format!("target {label}"),
        }),
    }
    .to_svg()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        s.parse().unwrap_or(Period::Month {
            year: 1970,
            month: 1,
        })
    }

    #[test]
    fn targets_read_in_the_metrics_units() {
        let t: Vec<String> = METRICS.iter().map(MetricInfo::target_words).collect();
        assert_eq!(
            t,
            [
                "target ≥ 90%",
                "target ≥ 85%",
                "target < 48 h",
                "target < 10%",
                "target ≥ 0 pts",
                "measured, no target"
            ]
        );
    }

    #[test]
    fn periods_read_as_months_and_weeks() {
        assert_eq!(period_label(p("2026-10")), "October 2026");
        assert_eq!(period_label(p("2026-W43")), "Week 43, 19 Oct–25 Oct 2026");
    }

    #[test]
    fn pickers_list_recent_periods_newest_first_and_keep_an_older_choice() {
        let o = options(p("2026-10"), 3, p("2026-09"));
        let v: Vec<(&str, bool)> = o.iter().map(|o| (o.value.as_str(), o.selected)).collect();
        assert_eq!(
            v,
            [("2026-10", false), ("2026-09", true), ("2026-08", false)]
        );
        let old = options(p("2026-10"), 2, p("2025-01"));
        assert_eq!(
            old.last().map(|o| (o.value.as_str(), o.selected)),
            Some(("2025-01", true))
        );
        // A week chosen adds nothing to the months.
        assert_eq!(options(p("2026-10"), 2, p("2026-W43")).len(), 2);
    }

    #[test]
    fn cells_carry_value_status_and_sample() {
        let cell = Cell {
            completion_num: 3,
            completion_den: 4,
            nps_before: baton_domain::scorecard::NpsPool {
                responses: 2,
                ..Default::default()
            },
            ..Default::default()
        };
        let m = Metrics::from_cell(&cell);
        let c = CellView::new(&METRICS[0], &m.completion_rate, "2026-10");
        assert_eq!(
            (c.value.as_str(), c.class, c.status),
            ("75%", "status-bad", "✗ missed")
        );
        assert_eq!(c.sample, ["3 of 4"]);
        assert_eq!(
            c.title,
            "3 of 4 handoffs accepted in 2026-10 scored 100 at acceptance"
        );
        let none = CellView::new(&METRICS[2], &m.time_to_acceptance, "2026-10");
        assert_eq!(
            (none.value.as_str(), none.class),
            ("no data", "status-none")
        );
        let nps = CellView::new(&METRICS[4], &m.nps_delta, "2026-10");
        assert_eq!(nps.sample, ["before 0 (n 2)", "after no responses"]);
    }
}
