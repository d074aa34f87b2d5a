//! `baton`: the one binary. Clap commands that wire the store, the use cases
//! and the terminal together; no domain logic lives here.

mod backup;
mod bench;
mod billing;
mod check;
mod crm;
mod currency;
mod demo;
mod eval;
mod history;
mod report;
mod serve;
mod setup;
mod surveys;
mod usage;
mod webhooks;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use baton_app::{App, SystemClock};
use baton_domain::OrgId;
use baton_store::{DEFAULT_DATABASE_URL, Store};
use clap::{Parser, Subcommand};

/// Baton makes revenue handoffs gated: a contract of mandatory fields owned
/// by the receiving team, a receiver who can veto, a gate that opens only on
/// acceptance, and a scorecard that turns handoff health into numbers.
///
/// Data lives in a SQLite file (./baton.db) unless --database-url names
/// another file or a PostgreSQL server.
///
/// Start here:
///   baton serve --demo             serve a demo org with six months of history
///   baton init --org "Acme" --admin-email you@acme.test
///   baton import events history.jsonl
///   baton serve                    the API on http://127.0.0.1:8080/api/v1
#[derive(Debug, Parser)]
#[command(
    name = "baton",
    version,
    verbatim_doc_comment,
    propagate_version = true
)]
struct Cli {
    /// Where Baton keeps its data: sqlite://FILE or postgres://USER@HOST/DB.
    #[arg(long, global = true, env = "BATON_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (and, with --demo, a demo org to explore).
    ///
    /// JSON under /api/v1, described at /api/v1/openapi.json; errors are
    /// application/problem+json. Sign in with POST /api/v1/session or use a
    /// bearer token from POST /api/v1/tokens. Logs go to stderr (BATON_LOG=info
    /// for every request, BATON_LOG_FORMAT=json for JSON lines).
    Serve(serve::ServeArgs),
    /// Create an org with its teams, its first admin and the six seeded
    /// contracts (all in observe mode).
    ///
    /// Teams: marketing, sdr, ae, onboarding, cs, support, product, motion-a,
    /// motion-b. Contracts: mql-to-sdr, sdr-to-ae, ae-to-onboarding,
    /// onboarding-to-cs, cs-to-support, cross-motion. Running it twice with
    /// the same org name is an error, never a duplicate.
    Init(setup::InitArgs),
    /// Bring history in (see `baton import events --help`).
    #[command(subcommand)]
    Import(history::ImportCommand),
    /// Write data out (see `baton export events --help`).
    #[command(subcommand)]
    Export(history::ExportCommand),
    /// A demo org with realistic history, or a generated history file.
    ///
    /// Without a subcommand: creates the org "Demo" in an empty database,
    /// fills it with six months of synthetic history, and prints a summary.
    Demo(demo::DemoArgs),
    /// The six metrics of every contract for a month or ISO week, with
    /// numerators, denominators, targets and status (SPEC §5).
    ///
    /// e.g. `baton scorecard --period 2026-10 --periods 6` adds a six-month
    /// trend; `--format json` gives the API's shape, `--format csv` a sheet.
    Scorecard(report::ScorecardArgs),
    /// Audits: `baton audit leak` ranks the contracts by ARR leaked.
    #[command(subcommand)]
    Audit(report::AuditCommand),
    /// Measure Baton on the database at hand (see `baton bench scorecard --help`).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Outbound webhooks: subscriptions, the delivery log, redelivery.
    ///
    /// Each committed event of a wanted kind is queued with the event and
    /// POSTed, signed (Baton-Signature: t=…,v1=HMAC-SHA256 of "t.body"),
    /// retried with backoff (30 s doubling, ±20 %) and dead after 8 failed
    /// attempts. See docs/webhooks.md.
    ///
    /// e.g.
    ///   baton webhooks add https://hooks.example.com/baton --events '*' --secret "$S"
    ///   baton webhooks list
    ///   baton webhooks deliveries ID
    ///   baton webhooks redeliver ID DELIVERY
    #[command(verbatim_doc_comment)]
    Webhooks(webhooks::WebhooksArgs),
    /// Billing signals in: Stripe's webhook signing secret and the log of
    /// what its events came to (see docs/billing.md; needs BATON_SECRET_KEY).
    Billing(billing::BillingArgs),
    /// Product usage in, per account per day (CSV or JSON Lines), and an
    /// account's adoption curve (see docs/usage.md).
    ///
    /// e.g.
    ///   baton usage import usage.csv
    ///   baton usage show A-1042
    #[command(verbatim_doc_comment)]
    Usage(usage::UsageArgs),
    /// Survey responses in (NPS, CSAT): the column mapping of a survey
    /// tool's CSV export, import (with --preview), the review list of
    /// unmatched responses, and the webhook's secret (see docs/surveys.md).
    Surveys(surveys::SurveysArgs),
    /// CRM connections: connect Salesforce or HubSpot, list their status,
    /// test, sync now, disconnect (see docs/crm.md; needs BATON_SECRET_KEY).
    Crm(crm::CrmArgs),
    /// The reporting currency and exchange rates the leak audit converts with.
    ///
    /// e.g.
    ///   baton currency set EUR
    ///   baton currency rate USD 0.92 --from 2026-01-01
    ///   baton currency show
    #[command(verbatim_doc_comment)]
    Currency(currency::CurrencyArgs),
    /// Score handoff values against a contract and say why each mandatory
    /// field does or does not count ("'TBD' is a placeholder"), with the
    /// specificity hints beside them.
    ///
    /// e.g. `echo '{"economic_buyer": "TBD"}' | baton check --contract
    /// ae-to-onboarding`. Exits non-zero when the contract is gated and the
    /// values would be refused.
    Check(check::CheckArgs),
    /// Measure Baton's detectors on labelled data (see `baton eval
    /// rediscovery --help`); needs no database.
    #[command(subcommand)]
    Eval(eval::EvalCommand),
    /// Show each org's contracts and handoffs at a glance.
    Status,
    /// Bring the database schema up to date (every command also does this).
    Migrate,
    /// Write a consistent copy of the SQLite database to FILE, while `baton
    /// serve` keeps running.
    ///
    /// Uses SQLite's `VACUUM INTO`: one read transaction, so the copy is the
    /// database as of one moment, compact, and needs no -wal file beside
    /// it. FILE must not exist. PostgreSQL is refused: use pg_dump (see
    /// docs/operations.md).
    Backup {
        /// Where to write the copy, e.g. backups/baton-2026-11-25.db.
        file: PathBuf,
    },
    /// Replace the SQLite database (--database-url) with a backup FILE.
    ///
    /// FILE must be a Baton database with the same or an older schema; it
    /// is copied in and brought up to date. The target must be empty or
    /// absent, unless --force (stop `baton serve` first). FILE is not
    /// changed.
    Restore {
        /// A file written by `baton backup`.
        file: PathBuf,
        /// Replace a database that holds data.
        #[arg(long)]
        force: bool,
    },
    /// Replay the event log into fresh projections and check they equal the
    /// current ones.
    ///
    /// Current state is a fold of the append-only log; this proves it.
    Rebuild {
        /// The org (default: the only one).
        #[arg(long)]
        org: Option<String>,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let logs = start_logs(&cli);
    let outcome = run(cli);
    // Every log line is written before the process says how it ended.
    drop(logs);
    // Errors are for people: the message and its causes, never a backtrace.
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Installs the log subscriber. Lines go to stderr from a thread of their
/// own: written on the request's thread, the access log's `write` per
/// request was 7.6% of a loaded server's samples (docs/performance.md).
/// Not lossy: when the writer falls behind, loggers wait rather than drop
/// lines. The guard flushes what is queued when it is dropped.
fn start_logs(cli: &Cli) -> tracing_appender::non_blocking::WorkerGuard {
    let default_level = if matches!(cli.command, Command::Serve(_)) {
        "info,sqlx=warn"
    } else {
        "warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("BATON_LOG")
        .unwrap_or_else(|_| default_level.into());
    let (stderr, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("baton-logs")
        .finish(std::io::stderr());
    // Colour only for a person at a terminal: a log file, journald or a log
    // shipper would get escape codes in every line.
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(terminal && std::env::var_os("NO_COLOR").is_none())
        .with_writer(stderr);
    if std::env::var("BATON_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json().init();
    } else {
        logs.init();
    }
    guard
}

#[tokio::main]
async fn run(cli: Cli) -> Result<()> {
    // A restore replaces the file that opening would create and migrate.
    if let Command::Restore { file, force } = &cli.command {
        return backup::restore(&cli.database_url, file, *force).await;
    }
    if let Command::Eval(cmd) = cli.command {
        return eval::run(cmd);
    }
    if let Command::Demo(args) = &cli.command
        && let Some(done) = demo::generate_only(args)
    {
        return done;
    }
    let store = Store::open(&cli.database_url)
        .await
        .with_context(|| format!("cannot open the database at {}", redact(&cli.database_url)))?;
    let app = App::new(store, Arc::new(SystemClock));
    match cli.command {
        Command::Serve(args) => serve::run(app, args).await,
        Command::Init(args) => setup::init(&app, args).await,
        Command::Import(cmd) => history::import(&app, cmd).await,
        Command::Export(cmd) => history::export(&app, cmd).await,
        Command::Demo(args) => demo::run(&app, args).await,
        Command::Scorecard(args) => report::scorecard(&app, args).await,
        Command::Audit(cmd) => report::audit(&app, cmd).await,
        Command::Bench(cmd) => bench::run(&app, cmd).await,
        Command::Webhooks(args) => webhooks::run(&app, args).await,
        Command::Billing(args) => billing::run(&app, args).await,
        Command::Usage(args) => usage::run(&app, args).await,
        Command::Surveys(args) => surveys::run(&app, args).await,
        Command::Crm(args) => crm::run(&app, args).await,
        Command::Currency(args) => currency::run(&app, args).await,
        Command::Status => setup::status(&app).await,
        Command::Check(args) => check::run(&app, args).await,
        Command::Migrate => {
            println!("schema up to date ({})", redact(&cli.database_url));
            Ok(())
        }
        Command::Rebuild { org } => setup::rebuild(&app, org).await,
        Command::Backup { file } => backup::backup(app.store(), &file).await,
        // Handled above, before the store opened.
        Command::Restore { .. } | Command::Eval(_) => Ok(()),
    }
}

/// The org named, or the database's only org.
pub(crate) async fn pick_org(app: &App, named: Option<String>) -> Result<OrgId> {
    let orgs = app.store().orgs().await?;
    match named {
        Some(n) => orgs
            .into_iter()
            .find(|(id, name)| id.as_str() == n || *name == n)
            .map(|(id, _)| id)
            .with_context(|| format!("no org named '{n}'")),
        None => match orgs.as_slice() {
            [(only, _)] => Ok(only.clone()),
            [] => bail!("the database has no org yet: run `baton init` (or `baton demo`) first"),
            _ => bail!("the database has several orgs: name one with --org"),
        },
    }
}

/// A database URL with any password replaced, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls_are_redacted() {
        assert_eq!(
            redact("postgres://bob:s3cret@db/baton"),
            "postgres://bob:***@db/baton"
        );
        assert_eq!(redact("postgres://bob@db/baton"), "postgres://bob@db/baton");
        assert_eq!(redact("sqlite://baton.db"), "sqlite://baton.db");
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
