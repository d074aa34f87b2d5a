//! `baton`: the one binary. Clap commands that wire the store, the use cases
//! and the terminal together; no domain logic lives here.

mod backup;
mod bench;
mod billing;
mod check;
mod config;
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

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use baton_app::{App, SystemClock};
use baton_domain::OrgId;
use baton_store::{DEFAULT_DATABASE_URL, Store};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// Text for people (coloured only on a terminal).
    Text,
    /// One JSON object per line.
    Json,
}

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

    /// Settings from a TOML file: top-level keys for these global flags, a
    /// table per command for its flags (`[serve] bind = "0.0.0.0:8080"`).
    /// A flag beats its variable, the variable beats the file, the file
    /// beats the default (see docs/operations.md).
    #[arg(long, global = true, env = config::CONFIG_ENV, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Which log lines to write, in tracing's filter syntax (e.g.
    /// `warn,baton_web=debug`); default `info,sqlx=warn` for serve and
    /// `warn` for the other commands.
    #[arg(long, global = true, env = "BATON_LOG", value_name = "FILTER")]
    log: Option<String>,

    /// Log lines as text, or as one JSON object per line for a log shipper.
    #[arg(long, global = true, env = "BATON_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    /// The key that seals CRM, billing and survey secrets: the base64 of 32
    /// random bytes (`openssl rand -base64 32`). Prefer the variable or the
    /// config file: other users of the machine can read flags in `ps`.
    #[arg(
        long,
        global = true,
        env = "BATON_SECRET_KEY",
        hide_env_values = true,
        value_name = "BASE64"
    )]
    secret_key: Option<String>,

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
    /// Print a shell completion script.
    ///
    /// e.g.
    ///   baton completions bash > /etc/bash_completion.d/baton
    ///   baton completions zsh > "${fpath[1]}/_baton"
    ///   baton completions fish > ~/.config/fish/completions/baton.fish
    #[command(verbatim_doc_comment)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page baton(1), or write one page per command to a
    /// directory (baton.1, baton-serve.1, …) with --dir.
    Man {
        /// Write every page here instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
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
    let cli = match parse_command_line() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let logs = match start_logs(&cli) {
        Ok(logs) => logs,
        Err(e) => {
            eprintln!("error: {e:#}");
            return std::process::ExitCode::from(2);
        }
    };
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

/// The command line, with the config file's settings where no flag or
/// variable gave them; a usage error is printed (exit code 2).
fn parse_command_line() -> Result<Cli, std::process::ExitCode> {
    let env = |name: &str| std::env::var_os(name);
    let args: Vec<OsString> = std::env::args_os().collect();
    let command = Cli::command();
    let full = config::with_file_settings(&command, args.clone(), &env).map_err(|e| {
        eprintln!("error: {e}");
        std::process::ExitCode::from(2)
    })?;
    match command
        .clone()
        .try_get_matches_from(full)
        .and_then(|m| Cli::from_arg_matches(&m))
    {
        Ok(cli) => Ok(cli),
        Err(e) => match config::explain(&command, &args, &env, &e) {
            Some(why) => {
                eprintln!("error: {why}");
                Err(std::process::ExitCode::from(2))
            }
            // Help and --version end here too, with clap's own exit code.
            None => e.exit(),
        },
    }
}

/// Installs the log subscriber. Lines go to stderr from a thread of their
/// own: written on the request's thread, the access log's `write` per
/// request was 7.6% of a loaded server's samples (docs/performance.md).
/// Not lossy: when the writer falls behind, loggers wait rather than drop
/// lines. The guard flushes what is queued when it is dropped.
fn start_logs(cli: &Cli) -> Result<tracing_appender::non_blocking::WorkerGuard> {
    let default_level = if matches!(cli.command, Command::Serve(_)) {
        "info,sqlx=warn"
    } else {
        "warn"
    };
    let filter =
        tracing_subscriber::EnvFilter::try_new(cli.log.as_deref().unwrap_or(default_level))
            .context(
                "--log (BATON_LOG) is not a log filter such as `info` or `warn,baton_web=debug`",
            )?;
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
    match cli.log_format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.init(),
    }
    Ok(guard)
}

#[tokio::main]
async fn run(cli: Cli) -> Result<()> {
    // A restore replaces the file that opening would create and migrate.
    if let Command::Restore { file, force } = &cli.command {
        return backup::restore(&cli.database_url, file, *force).await;
    }
    match cli.command {
        Command::Eval(cmd) => return eval::run(cmd),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "baton", &mut script);
            return print(&script);
        }
        Command::Man { dir } => return man(dir),
        _ => {}
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
    let secret = cli.secret_key;
    match cli.command {
        Command::Serve(args) => {
            serve::run(app.with_secret_key(crm::secret_key(&secret)?), args).await
        }
        Command::Init(args) => setup::init(&app, args).await,
        Command::Import(cmd) => history::import(&app, cmd).await,
        Command::Export(cmd) => history::export(&app, cmd).await,
        Command::Demo(args) => demo::run(&app, args).await,
        Command::Scorecard(args) => report::scorecard(&app, args).await,
        Command::Audit(cmd) => report::audit(&app, cmd).await,
        Command::Bench(cmd) => bench::run(&app, cmd).await,
        Command::Webhooks(args) => webhooks::run(&app, args).await,
        Command::Billing(args) => {
            billing::run(&app.with_secret_key(crm::secret_key(&secret)?), args).await
        }
        Command::Usage(args) => usage::run(&app, args).await,
        Command::Surveys(args) => {
            surveys::run(&app.with_secret_key(crm::secret_key(&secret)?), args).await
        }
        Command::Crm(args) => crm::run(&app.with_secret_key(crm::secret_key(&secret)?), args).await,
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
        Command::Restore { .. }
        | Command::Eval(_)
        | Command::Completions { .. }
        | Command::Man { .. } => Ok(()),
    }
}

/// `baton man`: baton(1) to stdout, or every command's page into `dir`.
fn man(dir: Option<PathBuf>) -> Result<()> {
    let command = Cli::command();
    match dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command).render(&mut page)?;
            print(&page)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(command, &dir)
                .with_context(|| format!("cannot write the man pages to {}", dir.display()))?;
        }
    }
    Ok(())
}

/// Writes `bytes` to stdout; a reader that stopped early (`| head`) is not
/// an error.
fn print(bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
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
