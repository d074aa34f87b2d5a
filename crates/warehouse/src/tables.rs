//! The five tables and their columns. Column names are stable: they are
//! what queries in a warehouse name (`docs/warehouse.md` lists them).

use std::path::Path;

use baton_app::App;
use baton_domain::period::Period;
use baton_domain::scorecard::{Metric, MetricKind};
use baton_domain::{OrgId, Timestamp};

use crate::ExportError;
use crate::table::{Cell, Kind, TableWriter};

/// Records read per page.
const PAGE: u32 = 1000;

/// Events read per page of the log.
const LOG_PAGE: u64 = 5000;

type Written = Vec<(&'static str, u64)>;

/// `events`: the whole log in order, one row per event, with the §9 line
/// itself in `line`. Returns the time of the earliest event (none: an
/// empty log), where the scorecard's periods start.
pub(crate) async fn events(
    app: &App,
    org: &OrgId,
    dir: &Path,
    written: &mut Written,
) -> Result<Option<Timestamp>, ExportError> {
    let mut t = TableWriter::create(
        dir,
        "events",
        &[
            ("seq", Kind::Int),
            ("stream", Kind::Text),
            ("stream_seq", Kind::Int),
            ("kind", Kind::Text),
            ("at", Kind::Time),
            ("via", Kind::Text),
            ("recorded_at", Kind::Time),
            ("line", Kind::Text),
        ],
    )?;
    let mut first: Option<Timestamp> = None;
    let mut after = 0;
    loop {
        let page = app
            .store()
            .events(org, after, LOG_PAGE)
            .await
            .map_err(baton_app::AppError::from)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in page {
            let at = e.event.at();
            if let Some(at) = at {
                first = Some(first.map_or(at, |f| f.min(at)));
            }
            let line = serde_json::to_string(&e.event)
                .map_err(|err| ExportError::Bug(format!("an event as JSON: {err}")))?;
            t.push(vec![
                Cell::count(e.seq),
                Cell::text(e.event.stream().to_string()),
                Cell::count(e.stream_seq),
                Cell::text(e.event.kind()),
                Cell::Time(at),
                Cell::text(e.via.as_str()),
                Cell::Time(Some(e.recorded_at)),
                Cell::text(line),
            ])?;
        }
    }
    written.push(("events", t.finish()?));
    Ok(first)
}

/// `handoffs`: every handoff as it stands, with its lifecycle's times.
pub(crate) async fn handoffs(
    app: &App,
    org: &OrgId,
    dir: &Path,
    written: &mut Written,
) -> Result<(), ExportError> {
    let mut t = TableWriter::create(
        dir,
        "handoffs",
        &[
            ("id", Kind::Text),
            ("contract", Kind::Text),
            ("version", Kind::Int),
            ("account", Kind::Text),
            ("deal", Kind::Text),
            ("sender", Kind::Text),
            ("to_team", Kind::Text),
            ("state", Kind::Text),
            ("score", Kind::Int),
            ("first_score", Kind::Int),
            ("created_at", Kind::Time),
            ("first_submitted_at", Kind::Time),
            ("submissions", Kind::Int),
            ("rejections", Kind::Int),
            ("accepted_at", Kind::Time),
            ("withdrawn_at", Kind::Time),
            ("breaches", Kind::Int),
            ("values", Kind::Text),
        ],
    )?;
    let filter = baton_store::HandoffFilter::default();
    let mut after = None;
    loop {
        let page = app
            .store()
            .handoffs_page(org, &filter, after.as_ref(), PAGE)
            .await
            .map_err(baton_app::AppError::from)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for h in page {
            let values = serde_json::to_string(&h.values)
                .map_err(|err| ExportError::Bug(format!("values as JSON: {err}")))?;
            t.push(vec![
                Cell::text(h.id.as_str()),
                Cell::text(h.contract.as_str()),
                Cell::count(h.version),
                Cell::text(h.account.as_str()),
                Cell::Text(h.deal.as_ref().map(ToString::to_string)),
                Cell::text(h.sender.as_str()),
                Cell::text(h.to.as_str()),
                Cell::text(h.state.as_str()),
                Cell::count(h.score),
                Cell::Int(h.submissions.first().map(|s| i64::from(s.score))),
                Cell::Time(Some(h.created_at)),
                Cell::Time(h.submissions.first().map(|s| s.at)),
                Cell::count(h.submissions.len()),
                Cell::count(h.decisions.iter().filter(|d| !d.accepted).count()),
                Cell::Time(h.accepted_at),
                Cell::Time(h.withdrawn_at),
                Cell::count(h.breaches.len()),
                Cell::text(values),
            ])?;
        }
    }
    written.push(("handoffs", t.finish()?));
    Ok(())
}

/// `accounts`: every account as it stands; ARR in minor units of its
/// currency (cents for USD), never converted.
pub(crate) async fn accounts(
    app: &App,
    org: &OrgId,
    dir: &Path,
    written: &mut Written,
) -> Result<(), ExportError> {
    let mut t = TableWriter::create(
        dir,
        "accounts",
        &[
            ("id", Kind::Text),
            ("name", Kind::Text),
            ("arr_minor", Kind::Int),
            ("currency", Kind::Text),
            ("segment", Kind::Text),
            ("status", Kind::Text),
            ("churned_at", Kind::Time),
        ],
    )?;
    let mut after = None;
    loop {
        let page = app
            .store()
            .accounts_page(org, after.as_ref(), PAGE)
            .await
            .map_err(baton_app::AppError::from)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        for a in page {
            t.push(vec![
                Cell::text(a.id.as_str()),
                Cell::text(a.name),
                Cell::Int(Some(a.arr.minor)),
                Cell::text(a.arr.currency.as_str()),
                Cell::Text(a.segment),
                Cell::text(a.status.as_str()),
                Cell::Time(a.churned_at),
            ])?;
        }
    }
    written.push(("accounts", t.finish()?));
    Ok(())
}

/// The product usage per account per day (docs/usage.md), features
/// joined by `;`.
pub(crate) async fn usage(
    app: &App,
    org: &OrgId,
    dir: &Path,
    written: &mut Written,
) -> Result<(), ExportError> {
    let mut t = TableWriter::create(
        dir,
        "usage",
        &[
            ("account", Kind::Text),
            ("day", Kind::Text),
            ("active_users", Kind::Int),
            ("seats", Kind::Int),
            ("features", Kind::Text),
        ],
    )?;
    let mut after = None;
    loop {
        let page = app
            .store()
            .usage_page(org, after.as_ref(), PAGE)
            .await
            .map_err(baton_app::AppError::from)?;
        let Some(last) = page.last() else { break };
        after = Some((last.account.clone(), last.day));
        for d in page {
            t.push(vec![
                Cell::text(d.account.as_str()),
                Cell::text(d.day.to_string()),
                Cell::Int(Some(i64::from(d.active_users))),
                Cell::Int(d.seats.map(i64::from)),
                Cell::text(d.features.into_iter().collect::<Vec<_>>().join(";")),
            ])?;
        }
    }
    written.push(("usage", t.finish()?));
    Ok(())
}

/// Every month, or every ISO week, from the one holding `first` to the one
/// holding `now`, oldest first.
fn periods(first: Timestamp, now: Timestamp, weeks: bool) -> Result<Vec<Period>, ExportError> {
    let of = |t| {
        if weeks {
            Period::week_of(t)
        } else {
            Period::month_of(t)
        }
    };
    let (start, mut p) = (of(first.min(now)), of(now));
    let mut out = vec![p];
    while p > start {
        p = p
            .prev()
            .map_err(|e| ExportError::App(baton_app::AppError::from(e)))?;
        out.push(p);
    }
    out.reverse();
    Ok(out)
}

fn metric_cells(m: &Metric) -> [Cell; 11] {
    [
        Cell::Float(m.value),
        Cell::Int(m.num.and_then(|v| i64::try_from(v).ok())),
        Cell::Int(m.den.and_then(|v| i64::try_from(v).ok())),
        Cell::Int(m.n.and_then(|v| i64::try_from(v).ok())),
        Cell::Int(m.before_n.and_then(|v| i64::try_from(v).ok())),
        Cell::Int(m.after_n.and_then(|v| i64::try_from(v).ok())),
        Cell::Float(m.before),
        Cell::Float(m.after),
        Cell::text(m.target),
        Cell::text(m.status.as_str()),
        Cell::Bool(Some(m.aspirational)),
    ]
}

const METRIC_COLUMNS: [(&str, Kind); 11] = [
    ("value", Kind::Float),
    ("numerator", Kind::Int),
    ("denominator", Kind::Int),
    ("n", Kind::Int),
    ("before_n", Kind::Int),
    ("after_n", Kind::Int),
    ("before", Kind::Float),
    ("after", Kind::Float),
    ("target", Kind::Text),
    ("status", Kind::Text),
    ("aspirational", Kind::Bool),
];

/// `scorecard_cells`: one row per contract, period (every month and every
/// ISO week from the first event to now) and metric, with the numerator,
/// denominator and sample sizes the figure rests on: the same numbers as
/// `baton scorecard --format json`.
pub(crate) async fn scorecard_cells(
    app: &App,
    org: &OrgId,
    dir: &Path,
    first: Option<Timestamp>,
    written: &mut Written,
) -> Result<(), ExportError> {
    let mut columns = vec![
        ("granularity", Kind::Text),
        ("period", Kind::Text),
        ("period_start", Kind::Time),
        ("period_end", Kind::Time),
        ("contract", Kind::Text),
        ("metric", Kind::Text),
    ];
    columns.extend(METRIC_COLUMNS);
    let mut t = TableWriter::create(dir, "scorecard_cells", &columns)?;
    if let Some(first) = first {
        for (granularity, weeks) in [("month", false), ("week", true)] {
            for period in periods(first, app.now(), weeks)? {
                let (start, end) = (period.start().ok(), period.end().ok());
                for card in app.org_scorecard(org, None, period, 1).await? {
                    for kind in MetricKind::ALL {
                        let mut row = vec![
                            Cell::text(granularity),
                            Cell::text(period.to_string()),
                            Cell::Time(start),
                            Cell::Time(end),
                            Cell::text(card.contract.as_str()),
                            Cell::text(kind.key()),
                        ];
                        row.extend(metric_cells(card.metrics.of(kind)));
                        t.push(row)?;
                    }
                }
            }
        }
    }
    written.push(("scorecard_cells", t.finish()?));
    Ok(())
}

/// `leak_audit`: the ranked leak audit over every month from the first
/// event to now, one row per contract, money in the reporting currency's
/// minor units with what could not be converted beside it.
pub(crate) async fn leak_audit(
    app: &App,
    org: &OrgId,
    dir: &Path,
    first: Option<Timestamp>,
    written: &mut Written,
) -> Result<(), ExportError> {
    let mut columns = vec![
        ("rank", Kind::Int),
        ("contract", Kind::Text),
        ("from_period", Kind::Text),
        ("to_period", Kind::Text),
    ];
    for m in [
        "completion_rate",
        "receiver_acceptance",
        "rediscovery_incidence",
    ] {
        columns.extend(ratio_columns(m));
    }
    columns.extend([
        ("arr_leaked_minor", Kind::Int),
        ("arr_at_risk_minor", Kind::Int),
        ("currency", Kind::Text),
        ("complete", Kind::Bool),
        ("arr_leaked_unconverted", Kind::Text),
        ("arr_at_risk_unconverted", Kind::Text),
        ("as_of", Kind::Text),
        ("fix_first", Kind::Bool),
    ]);
    let mut t = TableWriter::create(dir, "leak_audit", &columns)?;
    if let Some(first) = first {
        let months = periods(first, app.now(), false)?;
        if let (Some(from), Some(to)) = (months.first(), months.last()) {
            let audit = app.org_leak_audit(org, *from, *to).await?;
            let unconverted = |t: &baton_domain::fx::Total| {
                t.unconverted
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            for (i, l) in audit.contracts.iter().enumerate() {
                let mut row = vec![
                    Cell::count(i + 1),
                    Cell::text(l.contract.as_str()),
                    Cell::text(audit.from.to_string()),
                    Cell::text(audit.to.to_string()),
                ];
                for m in [
                    &l.completion_rate,
                    &l.receiver_acceptance,
                    &l.rediscovery_incidence,
                ] {
                    row.extend([
                        Cell::Float(m.value),
                        Cell::Int(m.num.and_then(|v| i64::try_from(v).ok())),
                        Cell::Int(m.den.and_then(|v| i64::try_from(v).ok())),
                    ]);
                }
                row.extend([
                    Cell::Int(Some(l.arr_leaked.reporting.minor)),
                    Cell::Int(Some(l.arr_at_risk.reporting.minor)),
                    Cell::text(audit.currency.as_str()),
                    Cell::Bool(Some(l.arr_leaked.complete && l.arr_at_risk.complete)),
                    Cell::text(unconverted(&l.arr_leaked)),
                    Cell::text(unconverted(&l.arr_at_risk)),
                    Cell::text(audit.as_of.to_string()),
                    Cell::Bool(Some(audit.fix_first.as_ref() == Some(&l.contract))),
                ]);
                t.push(row)?;
            }
        }
    }
    written.push(("leak_audit", t.finish()?));
    Ok(())
}

/// A ratio's three columns: `NAME`, `NAME_num`, `NAME_den`.
fn ratio_columns(name: &'static str) -> [(&'static str, Kind); 3] {
    let (num, den) = match name {
        "completion_rate" => ("completion_rate_num", "completion_rate_den"),
        "receiver_acceptance" => ("receiver_acceptance_num", "receiver_acceptance_den"),
        _ => ("rediscovery_incidence_num", "rediscovery_incidence_den"),
    };
    [(name, Kind::Float), (num, Kind::Int), (den, Kind::Int)]
}
