//! The ranked leak audit (SPEC §6): which edges leak most over a range of
//! months, as a page and as CSV.

use askama::Template;
use axum::extract::{Query, State};
use baton_domain::period::Period;
use serde::Deserialize;

use crate::AppState;
use crate::api::period_param;
use crate::ui::{Page, UiResult, Viewer, render, total};

use super::*;

/// The leak audit's query.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

impl RangeQuery {
    /// The range: by default the six months ending with this one.
    fn parse(&self, now: baton_domain::Timestamp) -> UiResult<(Period, Period)> {
        let this_month = Period::month_of(now);
        let to = period_param("to", blank_is_none(self.to.as_ref()), this_month)?;
        let default_from = to
            .trailing(6)
            .ok()
            .and_then(|t| t.first().copied())
            .unwrap_or(to);
        let from = period_param("from", blank_is_none(self.from.as_ref()), default_from)?;
        Ok((from, to))
    }
}

/// `GET /leak-audit.csv`: the ranked audit of the same range.
pub(super) async fn leak_audit_csv(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<RangeQuery>,
) -> UiResult {
    let (from, to) = q.parse(s.app.now())?;
    let audit = s.app.leak_audit(&v.caller, from, to).await?;
    Ok(crate::ui::download::csv(
        &format!("leak-audit-{from}-{to}"),
        audit.csv(),
    ))
}

/// A line of the ranked audit.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// 1 for the worst.
    pub rank: usize,
    /// The contract.
    pub contract: ContractName,
    /// Completion, acceptance, re-discovery.
    pub cells: Vec<CellView>,
    /// ARR leaked, formatted.
    pub leaked: String,
    /// ARR at risk, formatted.
    pub at_risk: String,
    /// The contract to fix first.
    pub fix_first: bool,
}

/// The "fix first" callout.
#[derive(Debug, Clone)]
pub struct FixFirst {
    /// The contract.
    pub contract: ContractName,
    /// Why, in a sentence.
    pub why: String,
    /// Its leak mode (guidance).
    pub leak_mode: String,
    /// Its fix (guidance).
    pub fix: String,
}

#[derive(Template)]
#[template(path = "scorecard/leak_audit.html")]
struct LeakAuditPage {
    page: Page,
    from: String,
    to: String,
    range_label: String,
    froms: Vec<PickOption>,
    tos: Vec<PickOption>,
    columns: Vec<Column>,
    rows: Vec<AuditRow>,
    fix_first: Option<FixFirst>,
    currency: String,
    currency_source: &'static str,
    as_of: String,
    rates_used: Vec<String>,
    missing_rates: Vec<String>,
}

pub(super) async fn leak_audit(
    State(s): State<AppState>,
    v: Viewer,
    Query(q): Query<RangeQuery>,
) -> UiResult {
    let this_month = Period::month_of(s.app.now());
    let (from, to) = q.parse(s.app.now())?;
    let audit = s.app.leak_audit(&v.caller, from, to).await?;
    let contracts = crate::ui::contracts_by_key(&s, &v.caller).await?;
    let (range_label, range_phrase) = if from == to {
        (period_label(from), format!("in {}", period_label(from)))
    } else {
        let (a, b) = (period_label(from), period_label(to));
        (format!("{a} to {b}"), format!("from {a} to {b}"))
    };
    let span = if from == to {
        from.to_string()
    } else {
        format!("{from} to {to}")
    };
    let shown = [&METRICS[0], &METRICS[1], &METRICS[3]];
    let rows: Vec<AuditRow> = audit
        .contracts
        .iter()
        .enumerate()
        .map(|(i, l)| AuditRow {
            rank: i + 1,
            contract: name_of(&contracts, &l.contract),
            cells: vec![
                CellView::new(shown[0], &l.completion_rate, &span),
                CellView::new(shown[1], &l.receiver_acceptance, &span),
                CellView::new(shown[2], &l.rediscovery_incidence, &span),
            ],
            leaked: total(&l.arr_leaked),
            at_risk: total(&l.arr_at_risk),
            fix_first: audit.fix_first.as_ref() == Some(&l.contract),
        })
        .collect();
    let fix_first = audit.fix_first.as_ref().and_then(|k| {
        let line = audit.contracts.iter().find(|l| &l.contract == k)?;
        let next = audit.contracts.iter().find(|l| &l.contract != k);
        let leaked = total(&line.arr_leaked);
        let risk = total(&line.arr_at_risk);
        let why = if !line.arr_leaked.is_zero() {
            let mut w = format!(
                "It leaked {leaked} of churned ARR {range_phrase}: churned accounts whose \
                 handoff scored below 70, the most of any contract"
            );
            if let Some(n) = next {
                w.push_str(&format!(
                    " (next: {}, {})",
                    name_of(&contracts, &n.contract).title,
                    total(&n.arr_leaked)
                ));
            }
            w.push_str(&format!(". It also has {risk} of active ARR at risk."));
            w
        } else {
            format!(
                "No contract leaked churned ARR {range_phrase}, but this one has the most \
                 active ARR at risk: {risk} in accounts whose latest handoff scored below 70, \
                 was rejected, or met a re-discovery."
            )
        };
        let c = contracts.get(k);
        Some(FixFirst {
            contract: name_of(&contracts, k),
            why,
            leak_mode: c.map_or_else(String::new, |c| c.current.guidance.leak_mode.clone()),
            fix: c.map_or_else(String::new, |c| c.current.guidance.fix.clone()),
        })
    });
    let columns = shown
        .iter()
        .map(|m| Column {
            key: m.key,
            name: m.name,
            target: m.target_words(),
            definition: m.definition,
        })
        .collect();
    let last = if to > this_month { to } else { this_month };
    render(&LeakAuditPage {
        page: v.page.at("leak-audit"),
        from: from.to_string(),
        to: to.to_string(),
        range_label,
        froms: options(last, 24, from),
        tos: options(last, 24, to),
        columns,
        rows,
        fix_first,
        currency: audit.currency.to_string(),
        currency_source: match audit.currency_source {
            baton_domain::fx::ReportingSource::Set => "the org's reporting currency",
            baton_domain::fx::ReportingSource::MostCommonAccountCurrency => {
                "no reporting currency is set: the most common account currency"
            }
            baton_domain::fx::ReportingSource::Fallback => "no reporting currency is set",
        },
        as_of: audit.as_of.to_string(),
        rates_used: audit
            .rates_used
            .iter()
            .map(|r| {
                format!(
                    "1 {} = {} {} from {}",
                    r.currency, r.rate, r.to, r.effective
                )
            })
            .collect(),
        missing_rates: audit
            .missing_rates
            .iter()
            .map(ToString::to_string)
            .collect(),
    })
}
