//! `baton bench`: measurements on the database at hand (benchmarks, never
//! tests: speed is reported, not asserted).

use std::time::Instant;

use anyhow::Result;
use baton_app::App;
use baton_domain::period::Period;
use clap::Subcommand;

pub mod http;

/// `baton bench …`.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Time the scorecard of every contract with a trend, in process, as
    /// the API computes it: `--runs` answers, reporting the first (cold
    /// caches) and the median. Fill the database first with
    /// `baton demo generate` and `baton import events`; `bench/scorecard.sh`
    /// does it all for about 1M handoffs.
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
        /// The org (default: the only one).
        #[arg(long)]
        org: Option<String>,
    },
    /// Load a running `baton serve` over HTTP: req/s and p50/p99 latency
    /// of a scenario (bare route, gate checks, scorecard, or the write
    /// path create+submit+accept) from N keep-alive connections, closed
    /// loop. Needs no database; `bench/http.sh` runs the whole suite.
    Http(Box<http::HttpArgs>),
}

/// Runs `baton bench …`.
pub async fn run(app: &App, cmd: BenchCommand) -> Result<()> {
    let (period, periods, runs, org) = match cmd {
        BenchCommand::Scorecard {
            period,
            periods,
            runs,
            org,
        } => (period, periods, runs, org),
        BenchCommand::Http(args) => return http::run(*args).await,
    };
    let org = crate::pick_org(app, org).await?;
    let period = period.unwrap_or_else(|| Period::month_of(app.now()));
    let handoffs: u64 = app
        .store()
        .handoff_counts(&org)
        .await?
        .iter()
        .map(|c| c.count)
        .sum();
    let mut times = Vec::with_capacity(runs.max(1));
    let mut cells = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let cards = app.org_scorecard(&org, None, period, periods).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        cells = cards.iter().map(|c| c.trend.len().max(1)).sum::<usize>();
    }
    let first = times.first().copied().unwrap_or(0.0);
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    println!(
        "scorecard: {handoffs} handoffs, all contracts × {periods} periods ending {period} ({cells} contract-periods): first {first:.2} ms, median of {} runs {median:.2} ms",
        times.len()
    );
    Ok(())
}
