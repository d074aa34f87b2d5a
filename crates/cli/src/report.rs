//! `baton scorecard` and `baton audit leak`: the numbers of SPEC §5 and §6
//! as a readable table (default), JSON (the API's shape) or CSV.

use anyhow::{Context, Result};
use baton_app::App;
use baton_app::scorecard::LeakAudit;
use baton_domain::ContractKey;
use baton_domain::period::Period;
use baton_domain::scorecard::{Metric, Metrics, Status};
use clap::{Args, Subcommand, ValueEnum};

/// How to print.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// A table for people.
    Table,
    /// JSON, the same shape as the API.
    Json,
    /// CSV, one row per contract, period and metric.
    Csv,
}

/// Arguments of `baton scorecard`.
#[derive(Debug, Args)]
pub struct ScorecardArgs {
    /// Only this contract (default: all six).
    #[arg(long, value_parser = |s: &str| ContractKey::parse(s).map_err(|e| e.to_string()))]
    contract: Option<ContractKey>,
    /// A month (2026-10) or ISO week (2026-W44), UTC. Default: this month.
    #[arg(long)]
    period: Option<Period>,
    /// Also show the trend over this many periods ending at --period.
    #[arg(long, default_value_t = 1)]
    periods: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// The org (default: the only one).
    #[arg(long)]
    org: Option<String>,
}

/// `baton audit …`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Which handoff to fix first: every contract's completion, acceptance
    /// and re-discovery over a range of months, with ARR leaked (churned ARR
    /// whose handoff scored below 70) and ARR at risk (active accounts whose
    /// latest handoff scored below 70, was rejected, or met re-discovery),
    /// ranked by ARR leaked, then at risk.
    Leak {
        /// First month of the range (default: six months before --to).
        #[arg(long)]
        from: Option<Period>,
        /// Last month of the range (default: this month).
        #[arg(long)]
        to: Option<Period>,
        /// Output format: table, json, or csv (one row per contract).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// The org (default: the only one).
        #[arg(long)]
        org: Option<String>,
    },
    /// Each contract's concrete test: the automated result with its
    /// evidence (ae-to-onboarding, cs-to-support, cross-motion) and the
    /// history of sampled audits (draw and record them in the API or UI).
    Tests {
        /// Output format (table or json).
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// The org (default: the only one).
        #[arg(long)]
        org: Option<String>,
    },
}

fn this_month(app: &App) -> Period {
    Period::month_of(app.now())
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{:.0}%", v * 100.0))
}

fn mark(s: Status) -> &'static str {
    match s {
        Status::Met => "met",
        Status::Missed => "MISSED",
        Status::NoData => "no data",
        Status::Measured => "measured",
    }
}

/// One metric in a table cell: value, sample, status.
fn cell(m: &Metric, kind: &str) -> String {
    let value = match kind {
        "hours" => m.value.map_or_else(|| "-".into(), |h| format!("{h:.1} h")),
        "nps" => m.value.map_or_else(|| "-".into(), |d| format!("{d:+.1}")),
        _ => percent(m.value),
    };
    let sample = match (m.num, m.den, m.n, m.before_n, m.after_n) {
        (Some(n), Some(d), ..) => format!(" ({n}/{d})"),
        (_, _, Some(n), ..) => format!(" (n={n})"),
        (_, _, _, Some(b), Some(a)) => format!(" ({b}|{a})"),
        _ => String::new(),
    };
    let flag = if m.aspirational { ", aspirational" } else { "" };
    if m.status == Status::NoData {
        "no data".into()
    } else {
        format!("{value}{sample} {}{flag}", mark(m.status))
    }
}

const COLUMNS: [(&str, &str); 6] = [
    ("completion", "ratio"),
    ("acceptance", "ratio"),
    ("time to accept", "hours"),
    ("re-discovery", "ratio"),
    ("NPS delta", "nps"),
    ("leak→churn", "ratio"),
];

fn six(m: &Metrics) -> [&Metric; 6] {
    [
        &m.completion_rate,
        &m.receiver_acceptance,
        &m.time_to_acceptance,
        &m.rediscovery_incidence,
        &m.nps_delta,
        &m.leak_to_churn,
    ]
}

fn table(rows: &[Vec<String>]) -> String {
    let cols = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (i, r) in rows.iter().enumerate() {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(s, w)| format!("{s:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if i == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out
}

/// Runs `baton scorecard`.
pub async fn scorecard(app: &App, a: ScorecardArgs) -> Result<()> {
    let org = crate::pick_org(app, a.org).await?;
    let period = a.period.unwrap_or_else(|| this_month(app));
    let cards = app
        .org_scorecard(&org, a.contract.as_ref(), period, a.periods)
        .await?;
    match a.format {
        Format::Json => {
            let body = serde_json::json!({"period": period, "contracts": cards});
            println!("{}", serde_json::to_string_pretty(&body)?);
        }
        Format::Csv => print!("{}", baton_app::scorecard::scorecard_csv(&cards)),
        Format::Table => {
            println!(
                "Scorecard {period} (UTC). Targets: completion >= 90%, acceptance >= 85%, time to accept < 48 h, re-discovery < 10%, NPS delta >= 0."
            );
            let mut rows = vec![
                std::iter::once("contract".to_string())
                    .chain(COLUMNS.iter().map(|(h, _)| (*h).to_string()))
                    .collect::<Vec<_>>(),
            ];
            for c in &cards {
                rows.push(
                    std::iter::once(c.contract.to_string())
                        .chain(
                            six(&c.metrics)
                                .iter()
                                .zip(COLUMNS)
                                .map(|(m, (_, k))| cell(m, k)),
                        )
                        .collect(),
                );
            }
            print!("{}", table(&rows));
            for c in cards.iter().filter(|c| !c.trend.is_empty()) {
                println!("\nTrend of {}:", c.contract);
                let mut rows = vec![
                    std::iter::once("period".to_string())
                        .chain(COLUMNS.iter().map(|(h, _)| (*h).to_string()))
                        .collect::<Vec<_>>(),
                ];
                for t in &c.trend {
                    rows.push(
                        std::iter::once(t.period.to_string())
                            .chain(
                                six(&t.metrics)
                                    .iter()
                                    .zip(COLUMNS)
                                    .map(|(m, (_, k))| cell(m, k)),
                            )
                            .collect(),
                    );
                }
                print!("{}", table(&rows));
            }
        }
    }
    Ok(())
}

/// Runs `baton audit tests`.
async fn tests(app: &App, format: Format, org: Option<String>) -> Result<()> {
    let org = crate::pick_org(app, org).await?;
    if let Format::Csv = format {
        anyhow::bail!(
            "`baton audit tests` has no CSV form (its evidence is nested): use --format table or json"
        );
    }
    let all = app.org_audits(&org).await?;
    if let Format::Json = format {
        println!("{}", serde_json::to_string_pretty(&all)?);
        return Ok(());
    }
    for a in &all {
        println!("{}: {}", a.contract, a.concrete_test);
        match &a.automated {
            Some(auto) => {
                let verdict = match auto.passed {
                    Some(true) => "PASS",
                    Some(false) => "FAIL",
                    None => "no data",
                };
                println!(
                    "  automated: {} = {} (pass at {:.0}%): {verdict}",
                    auto.test,
                    percent(auto.value),
                    auto.threshold * 100.0
                );
                for e in &auto.evidence {
                    let mark = if e.ok { "ok  " } else { "miss" };
                    println!("    {mark} {}: {}", e.handoff, e.detail);
                }
            }
            None => {
                println!("  sampled: a person answers the question about a handoff Baton draws")
            }
        }
        println!(
            "  samples: {} recorded, {} passed, {} awaiting a verdict\n",
            a.samples_recorded,
            a.samples_passed,
            a.samples.len() - a.samples_recorded
        );
    }
    Ok(())
}

/// Runs `baton audit …`.
pub async fn audit(app: &App, cmd: AuditCommand) -> Result<()> {
    let (from, to, format, org) = match cmd {
        AuditCommand::Tests { format, org } => return tests(app, format, org).await,
        AuditCommand::Leak {
            from,
            to,
            format,
            org,
        } => (from, to, format, org),
    };
    let org = crate::pick_org(app, org).await?;
    let to = to.unwrap_or_else(|| this_month(app));
    let from = match from {
        Some(f) => f,
        None => to.trailing(6)?.first().copied().context("no range")?,
    };
    let audit: LeakAudit = app.org_leak_audit(&org, from, to).await?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&audit)?),
        Format::Csv => print!("{}", audit.csv()),
        Format::Table => {
            println!("Leak audit {from} .. {to}, ranked by ARR leaked, then ARR at risk.");
            let mut rows = vec![vec![
                "rank".to_string(),
                "contract".into(),
                "completion".into(),
                "acceptance".into(),
                "re-discovery".into(),
                "ARR leaked".into(),
                "ARR at risk".into(),
            ]];
            for (i, l) in audit.contracts.iter().enumerate() {
                rows.push(vec![
                    (i + 1).to_string(),
                    l.contract.to_string(),
                    cell(&l.completion_rate, "ratio"),
                    cell(&l.receiver_acceptance, "ratio"),
                    cell(&l.rediscovery_incidence, "ratio"),
                    l.arr_leaked.to_string(),
                    l.arr_at_risk.to_string(),
                ]);
            }
            print!("{}", table(&rows));
            println!(
                "Money in {} ({}); leaked ARR at the rate of each churn's date, ARR at risk at {}.",
                audit.currency,
                serde_json::to_value(audit.currency_source)?
                    .as_str()
                    .unwrap_or_default()
                    .replace('_', " "),
                audit.as_of
            );
            for r in &audit.rates_used {
                println!(
                    "Rate used: 1 {} = {} {} from {}.",
                    r.currency, r.rate, r.to, r.effective
                );
            }
            if !audit.complete {
                let missing: Vec<String> = audit
                    .missing_rates
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                println!(
                    "Incomplete: no rate into {} for {}; those amounts are listed, not added.",
                    audit.currency,
                    missing.join(", ")
                );
            }
            match &audit.fix_first {
                Some(k) => println!("Fix first: {k}."),
                None => println!("Nothing leaks in this range."),
            }
        }
    }
    Ok(())
}
