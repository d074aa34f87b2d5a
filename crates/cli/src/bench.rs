//! `baton bench`: measurements in process on the database at hand
//! (benchmarks, never tests: speed is reported, not asserted). Load from
//! outside (HTTP, the floors) is wrk's and the scripts' in `bench/`;
//! `bench/run` drives them all and prints the table of docs/performance.md.

use std::time::Instant;

use anyhow::{Result, bail};
use baton_app::App;
use baton_domain::OrgId;
use baton_domain::period::Period;
use clap::Subcommand;
use serde_json::json;

/// `baton bench …`.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time the scorecard of every contract with a trend, in process, as
    /// the API computes it: `--runs` answers from the stored sums, reporting
    /// the first (cold caches) and the median; then `--recompute` full
    /// recomputes from every account's facts, which must give the same
    /// answer. Fill the database first with `baton demo generate` and
    /// `baton import events`; `bench/run` does it all.
    Scorecard {
        /// The last period (default: this month).
        #[arg(long)]
        period: Option<Period>,
        /// Periods of trend.
        #[arg(long, default_value_t = 12)]
        periods: usize,
        /// Answers to time.
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// Full recomputes to time (0 for none).
        #[arg(long, default_value_t = 1)]
        recompute: usize,
        /// Print one JSON object instead of a sentence.
        #[arg(long)]
        json: bool,
        /// The org (default: the only one).
        #[arg(long)]
        org: Option<String>,
    },
    /// Time the write path on a full database: `--events` new NPS responses
    /// on existing accounts in one import (per event, amortized, with the
    /// scorecard brought up to date), then one more event on its own and the
    /// scorecard answer right after it.
    Incremental {
        /// Events in the batch.
        #[arg(long, default_value_t = 20_000)]
        events: usize,
        /// A day in the last period of the scorecard answered afterwards
        /// (the events land in the month before it).
        #[arg(long)]
        period: Option<Period>,
        /// Print one JSON object instead of a sentence.
        #[arg(long)]
        json: bool,
        /// The org (default: the only one).
        #[arg(long)]
        org: Option<String>,
    },
}

/// Runs `baton bench …`.
pub async fn run(app: &App, cmd: BenchCommand) -> Result<()> {
    match cmd {
        BenchCommand::Scorecard {
            period,
            periods,
            runs,
            recompute,
            json,
            org,
        } => {
            let org = crate::pick_org(app, org).await?;
            let period = period.unwrap_or_else(|| Period::month_of(app.now()));
            scorecard(app, &org, period, periods, runs, recompute, json).await
        }
        BenchCommand::Incremental {
            events,
            period,
            json,
            org,
        } => {
            let org = crate::pick_org(app, org).await?;
            let period = period.unwrap_or_else(|| Period::month_of(app.now()));
            incremental(app, &org, events, period, json).await
        }
    }
}

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied().unwrap_or(0.0)
}

async fn handoff_count(app: &App, org: &OrgId) -> Result<u64> {
    Ok(app
        .store()
        .handoff_counts(org)
        .await?
        .iter()
        .map(|c| c.count)
        .sum())
}

async fn scorecard(
    app: &App,
    org: &OrgId,
    period: Period,
    periods: usize,
    runs: usize,
    recompute: usize,
    as_json: bool,
) -> Result<()> {
    let handoffs = handoff_count(app, org).await?;
    let mut times = Vec::with_capacity(runs.max(1));
    let mut answer = Vec::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        answer = app.org_scorecard(org, None, period, periods).await?;
        times.push(ms(started));
    }
    let first = times.first().copied().unwrap_or(0.0);
    let warm = median(&mut times);
    let mut recomputes = Vec::new();
    for _ in 0..recompute {
        let started = Instant::now();
        let again = app.org_scorecard_recomputed(org, period, periods).await?;
        recomputes.push(ms(started));
        if again != answer {
            bail!(
                "the full recompute differs from the stored sums: the sums are not exact (run `baton rebuild`, and report this)"
            );
        }
    }
    let cold = if recomputes.is_empty() {
        None
    } else {
        Some(median(&mut recomputes))
    };
    if as_json {
        println!(
            "{}",
            json!({"handoffs": handoffs, "periods": periods, "contracts": answer.len(),
                   "first_ms": first, "warm_ms": warm, "runs": times.len(),
                   "recompute_ms": cold, "recompute_runs": recomputes.len(), "same_answer": true})
        );
    } else {
        println!(
            "scorecard: {handoffs} handoffs, {} contracts × {periods} periods ending {period}: first {first:.2} ms, median of {} runs {warm:.2} ms{}",
            answer.len(),
            times.len(),
            cold.map(|c| format!(
                "; full recompute from facts {c:.0} ms (median of {}), same answer",
                recomputes.len()
            ))
            .unwrap_or_default()
        );
    }
    Ok(())
}

async fn incremental(
    app: &App,
    org: &OrgId,
    events: usize,
    period: Period,
    as_json: bool,
) -> Result<()> {
    let accounts = app.store().account_ids(org).await?;
    if accounts.is_empty() {
        bail!("the org has no accounts: import history first");
    }
    // NPS responses in the month before `period`, spread over accounts and
    // days: each one moves the NPS cells of the handoffs around it.
    let month = period.prev()?;
    let start = month.start()?;
    let line = |i: usize| -> Result<String> {
        let account = &accounts[(i * 7919) % accounts.len()];
        let at = start.checked_add(jiff::SignedDuration::from_secs(
            (i as i64 * 3607) % (27 * 86_400),
        ))?;
        Ok(json!({"type": "nps", "account": account.to_string(), "score": i % 11, "at": at.to_string()})
            .to_string())
    };
    let mut batch = String::new();
    for i in 0..events {
        batch.push_str(&line(i)?);
        batch.push('\n');
    }
    let started = Instant::now();
    app.import_events(Some(org.clone()), batch.as_bytes())
        .await?;
    let batch_ms = ms(started);
    let per_event_us = batch_ms * 1000.0 / events.max(1) as f64;
    let one = line(events)?;
    let started = Instant::now();
    app.import_events(Some(org.clone()), one.as_bytes()).await?;
    let one_ms = ms(started);
    let started = Instant::now();
    app.org_scorecard(org, None, period, 12).await?;
    let answer_ms = ms(started);
    if as_json {
        println!(
            "{}",
            json!({"events": events, "batch_ms": batch_ms, "per_event_us": per_event_us,
                   "one_event_ms": one_ms, "answer_after_ms": answer_ms})
        );
    } else {
        println!(
            "incremental: {events} events in {batch_ms:.0} ms = {per_event_us:.1} µs per event (stored, projected, scorecard updated); one more event {one_ms:.2} ms, then the scorecard answers in {answer_ms:.2} ms"
        );
    }
    Ok(())
}
