//! `/incentives`: the incentive tune of a period — per sender, handoffs,
//! mean first-submission score, first-pass acceptance, quality index and
//! comp multiplier — with a period and weight form, and the same report as
//! CSV (`/incentives.csv`, the CSV `baton export incentives` writes).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use baton_app::scorecard::IncentiveReport;
use baton_domain::DomainError;
use baton_domain::incentive::{DEFAULT_WEIGHT, Weight};
use baton_domain::period::Period;

use crate::AppState;
use crate::ui::{Page, UiError, UiResult, Viewer, percent_encode, render_status};

/// One sender's row.
struct SenderRow {
    sender: String,
    handoffs: u64,
    /// Mean first-submission score, one decimal.
    mean_score: String,
    first_pass: u64,
    /// First-pass rate as a percentage.
    first_pass_rate: String,
    /// The quality index, three decimals.
    quality: String,
    /// For the `<meter>`.
    quality_value: f64,
    /// `×1.0188`.
    multiplier: String,
    /// `+1.88%`.
    change: String,
    /// up, down or flat.
    trend: &'static str,
}

struct Report {
    period: String,
    /// The weight as a percentage.
    weight: String,
    definition: &'static str,
    rows: Vec<SenderRow>,
    csv: String,
}

#[derive(Template)]
#[template(path = "governance/incentives.html")]
struct IncentivesPage {
    page: Page,
    /// The form's values, as given.
    period: String,
    weight: String,
    /// The parameter that is wrong ("" when none).
    bad: &'static str,
    /// Why.
    error: Option<String>,
    report: Option<Report>,
    prev: String,
    next: String,
}

/// The period and weight asked for, or the parameter that is wrong.
fn params(
    q: &BTreeMap<String, String>,
    now: baton_domain::Timestamp,
) -> Result<(Period, Weight), (&'static str, String)> {
    let raw = |k: &str| q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let period = match raw("period") {
        None => Period::month_of(now),
        Some(p) => p
            .parse()
            .map_err(|e: DomainError| ("period", e.to_string()))?,
    };
    let weight = match raw("weight") {
        None => DEFAULT_WEIGHT,
        Some(w) => w.parse().map_err(|_| {
            (
                "weight",
                format!("invalid weight: '{w}' is not a number like 0.05 (0 to 0.10)"),
            )
        })?,
    };
    let weight = Weight::new(weight).map_err(|e| ("weight", e.to_string()))?;
    Ok((period, weight))
}

fn csv_href(r: &IncentiveReport) -> String {
    format!(
        "/incentives.csv?period={}&weight={}",
        percent_encode(&r.period.to_string()),
        r.weight
    )
}

fn report_view(r: IncentiveReport) -> Report {
    let csv = csv_href(&r);
    Report {
        period: r.period.to_string(),
        weight: format!("{:.1}%", r.weight * 100.0),
        definition: r.definition,
        csv,
        rows: r
            .senders
            .into_iter()
            .map(|s| {
                let change = (s.multiplier - 1.0) * 100.0;
                SenderRow {
                    sender: s.sender.to_string(),
                    handoffs: s.handoffs,
                    mean_score: format!("{:.1}", s.mean_score),
                    first_pass: s.first_pass,
                    first_pass_rate: format!("{:.0}%", s.first_pass_rate * 100.0),
                    quality: format!("{:.3}", s.quality),
                    quality_value: s.quality,
                    multiplier: format!("×{:.4}", s.multiplier),
                    change: format!("{change:+.2}%"),
                    trend: if change > 0.005 {
                        "up"
                    } else if change < -0.005 {
                        "down"
                    } else {
                        "flat"
                    },
                }
            })
            .collect(),
    }
}

/// The page.
pub(super) async fn page(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<BTreeMap<String, String>>,
) -> UiResult {
    let now = s.app.now();
    let given = |k: &str, default: String| q.get(k).cloned().unwrap_or(default);
    let here = Period::month_of(now);
    let mut t = IncentivesPage {
        page: v.page.at("incentives"),
        period: given("period", here.to_string()),
        weight: given("weight", DEFAULT_WEIGHT.to_string()),
        bad: "",
        error: None,
        report: None,
        prev: String::new(),
        next: String::new(),
    };
    match params(&q, now) {
        Ok((period, weight)) => {
            let link = |p: Result<Period, DomainError>| {
                p.map(|p| {
                    format!(
                        "/incentives?period={}&weight={}",
                        percent_encode(&p.to_string()),
                        weight.get()
                    )
                })
                .unwrap_or_default()
            };
            t.prev = link(period.prev());
            t.next = link(period.end().map(|end| {
                if period.is_week() {
                    Period::week_of(end)
                } else {
                    Period::month_of(end)
                }
            }));
            t.report = Some(report_view(
                s.app.incentives(&v.caller, period, weight).await?,
            ));
            render_status(StatusCode::OK, &t)
        }
        Err((bad, why)) => {
            t.bad = bad;
            t.error = Some(why);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &t)
        }
    }
}

/// The report as a CSV download for the comp system.
pub(super) async fn csv(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<BTreeMap<String, String>>,
) -> UiResult {
    let (period, weight) = params(&q, s.app.now())
        .map_err(|(_, why)| UiError::Status(StatusCode::UNPROCESSABLE_ENTITY, why))?;
    let report = s.app.incentives(&v.caller, period, weight).await?;
    Ok(crate::ui::download::csv(
        &format!("incentives-{period}"),
        report.csv(),
    ))
}
