//! `baton import events` and `baton export events`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use baton_app::{App, AppError};
use baton_domain::OrgId;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use crate::pick_org;

/// `baton import …`
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import history as JSON Lines: one event per line, applied in file order.
    ///
    /// Each line is a JSON object with a "type" and its own timestamp "at",
    /// e.g.
    ///   {"type":"account","id":"A-1","name":"Northwind","arr":{"minor":4800000,"currency":"USD"}}
    ///   {"type":"submitted","handoff":"H-1","contract":"ae-to-onboarding","account":"A-1",
    ///    "by":"ae1@acme.test","at":"2026-10-01T09:00:00Z","values":{"economic_buyer":"…"}}
    ///   {"type":"accepted","handoff":"H-1","by":"onb1@acme.test","at":"2026-10-03T09:00:00Z"}
    /// Types: account, submitted, rejected, accepted, withdrawn, rediscovery,
    /// nps, churn, and everything `baton export events` writes.
    ///
    /// History is recorded as it happened (observe semantics, even for gated
    /// contracts) and marked as imported. Users named by "by" that do not exist
    /// are created in the team the line implies.
    ///
    /// All or nothing: the file is applied in ONE transaction. If any line is
    /// bad, every bad line is listed with its number and reason, and nothing
    /// of the file is applied.
    #[command(verbatim_doc_comment)]
    Events {
        /// The JSON Lines file.
        file: PathBuf,
        /// The org to import into (default: the file's own org_created line,
        /// or the database's only org).
        #[arg(long)]
        org: Option<String>,
    },
    /// Import a CRM report of one contract's handoffs as CSV: one row per
    /// handoff, columns by header name.
    ///
    /// Required: handoff_id, account_id, sender, submitted_at.
    /// Optional: account_name + account_arr ("48000.00 USD"), receiver,
    /// accepted_at, rejected_at, rejection_reason.
    /// Every other column is a field key of the contract (e.g.
    /// economic_buyer); its cell is the value, empty for none.
    /// Times: 2026-10-01T09:00:00Z or 2026-10-01 (midnight UTC). A row both
    /// rejected and accepted is recorded as submitted, rejected,
    /// resubmitted at acceptance, accepted.
    ///
    /// All or nothing, like `baton import events`: every bad row is listed
    /// with its row number (the header is row 1) and nothing is applied.
    #[command(verbatim_doc_comment)]
    Handoffs {
        /// The CSV file.
        file: PathBuf,
        /// The contract every row is a handoff of.
        #[arg(long)]
        contract: String,
        /// The org (default: the database's only org).
        #[arg(long)]
        org: Option<String>,
    },
}

/// `baton export …`
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write the whole event log as JSON Lines, the same format import reads.
    ///
    /// Export → import into an empty database → export gives the same bytes.
    Events {
        /// Where to write; `-` for standard output.
        #[arg(long)]
        out: PathBuf,
        /// The org (default: the only one).
        #[arg(long)]
        org: Option<String>,
    },
    /// Write the org's data for a warehouse or BI tool into a new folder:
    /// events, handoffs, accounts, scorecard_cells (every month and ISO
    /// week, with numerators and denominators) and leak_audit, each as
    /// NAME.parquet and NAME.csv. See docs/warehouse.md.
    Warehouse {
        /// The folder to create (it must not exist, or be empty).
        #[arg(long)]
        out: PathBuf,
        /// The org (default: the only one).
        #[arg(long)]
        org: Option<String>,
    },
    /// Write the incentive tune of a period as CSV for the comp system: per
    /// sender, handoffs first decided in the period, mean first-submission
    /// score, first-pass acceptance, quality index and comp multiplier.
    ///
    /// quality = 0.5 × mean score / 100 + 0.5 × first-pass rate;
    /// multiplier = 1 + weight × (2 × quality − 1).
    Incentives {
        /// A month (2026-10) or ISO week (2026-W44), UTC.
        #[arg(long)]
        period: baton_domain::period::Period,
        /// The weight of quality in comp, 0 to 0.10.
        #[arg(long, default_value_t = baton_domain::incentive::DEFAULT_WEIGHT)]
        weight: f64,
        /// Where to write; `-` (default) for standard output.
        #[arg(long, default_value = "-")]
        out: PathBuf,
        /// The org (default: the only one).
        #[arg(long)]
        org: Option<String>,
    },
}

/// Runs `baton import …`.
pub async fn import(app: &App, cmd: ImportCommand) -> Result<()> {
    let (file, org) = match cmd {
        ImportCommand::Events { file, org } => (file, org),
        ImportCommand::Handoffs {
            file,
            contract,
            org,
        } => return import_csv(app, file, &contract, org).await,
    };
    let org = match org {
        Some(o) => Some(pick_org(app, Some(o)).await?),
        None => None::<OrgId>,
    };
    let f = File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(len).with_style(
        ProgressStyle::with_template(
            "reading {bar:40} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let reader = BufReader::with_capacity(1 << 16, bar.wrap_read(f));
    let result = app.import_events(org, reader).await;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    match result {
        Ok(s) => {
            println!(
                "Imported {} lines into '{}': {} events, {} handoffs, {} accounts, {} users created.",
                s.lines, s.org, s.events, s.handoffs, s.accounts, s.users_created
            );
            if s.suggestions > 0 {
                println!(
                    "{} possible re-discovery incidents found in the notes: review them at /suggestions or GET /api/v1/signals/suggestions.",
                    s.suggestions
                );
            }
            println!(
                "{:.2}s, {:.0} events/s.",
                secs,
                s.events as f64 / secs.max(1e-9)
            );
            Ok(())
        }
        Err(AppError::Import(errors)) => Err(bad_lines(&file, &errors, "imported")),
        Err(e) => Err(e).context("import failed; nothing was imported"),
    }
}

/// Prints each bad line of `file` as `FILE:LINE: why` and answers the
/// error the command ends with: nothing was `done`.
pub(crate) fn bad_lines(
    file: &std::path::Path,
    errors: &[(u64, String)],
    done: &str,
) -> anyhow::Error {
    for (line, why) in errors {
        eprintln!("{}:{line}: {why}", file.display());
    }
    if errors.len() >= baton_app::import::MAX_REPORTED_ERRORS {
        eprintln!("(only the first {} bad lines are listed)", errors.len());
    }
    anyhow::anyhow!(
        "{} bad line(s) in {}; nothing was {done}",
        errors.len(),
        file.display()
    )
}

/// Runs `baton export …`.
pub async fn export(app: &App, cmd: ExportCommand) -> Result<()> {
    let (out, org) = match cmd {
        ExportCommand::Events { out, org } => (out, org),
        ExportCommand::Warehouse { out, org } => {
            let org = pick_org(app, org).await?;
            return warehouse(app, &org, &out).await;
        }
        ExportCommand::Incentives {
            period,
            weight,
            out,
            org,
        } => {
            let org = pick_org(app, org).await?;
            let weight = baton_domain::incentive::Weight::new(weight)?;
            let report = app.org_incentives(&org, period, weight).await?;
            let csv = report.csv();
            if out.as_os_str() == "-" {
                print!("{csv}");
            } else {
                std::fs::write(&out, csv)
                    .with_context(|| format!("cannot write {}", out.display()))?;
                eprintln!(
                    "Wrote {} senders to {}.",
                    report.senders.len(),
                    out.display()
                );
            }
            return Ok(());
        }
    };
    let org = pick_org(app, org).await?;
    let n = if out.as_os_str() == "-" {
        let mut w = BufWriter::new(std::io::stdout().lock());
        let n = app.export_events(&org, &mut w).await?;
        w.flush()?;
        n
    } else {
        let tmp = out.with_extension("partial");
        let mut w = BufWriter::new(
            File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?,
        );
        let n = app.export_events(&org, &mut w).await?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        // Rename last, so a failed export never leaves a truncated file behind.
        std::fs::rename(&tmp, &out).with_context(|| format!("cannot write {}", out.display()))?;
        eprintln!("Wrote {n} events to {}.", out.display());
        n
    };
    let _ = n;
    Ok(())
}

/// Runs `baton import handoffs`.
async fn import_csv(app: &App, file: PathBuf, contract: &str, org: Option<String>) -> Result<()> {
    let org = pick_org(app, org).await?;
    let contract = baton_domain::ContractKey::parse(contract)?;
    let f = File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(len).with_style(
        ProgressStyle::with_template("reading {bar:40} {bytes}/{total_bytes} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let result = app
        .import_handoffs_csv(org, &contract, BufReader::new(bar.wrap_read(f)))
        .await;
    bar.finish_and_clear();
    match result {
        Ok(s) => {
            println!(
                "Imported {} handoffs of '{contract}' into '{}' ({} events, {} accounts, {} users created).",
                s.handoffs, s.org, s.events, s.accounts, s.users_created
            );
            Ok(())
        }
        Err(AppError::Import(errors)) => {
            for (row, why) in &errors {
                eprintln!("{}: row {row}: {why}", file.display());
            }
            bail!(
                "{} bad row(s) in {}; nothing was imported",
                errors.len(),
                file.display()
            )
        }
        Err(e) => Err(e).context("import failed; nothing was imported"),
    }
}

/// Runs `baton export warehouse`: the tables are written into a folder
/// beside `out` and renamed into place at the end, so a failed export never
/// leaves half a warehouse where one is expected.
async fn warehouse(app: &App, org: &baton_domain::OrgId, out: &std::path::Path) -> Result<()> {
    if out.exists()
        && std::fs::read_dir(out)
            .with_context(|| format!("cannot read {}", out.display()))?
            .next()
            .is_some()
    {
        anyhow::bail!(
            "{} already holds files; give a new or empty folder",
            out.display()
        );
    }
    let tmp = out.with_extension("partial");
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).with_context(|| format!("cannot clear {}", tmp.display()))?;
    }
    let done = baton_warehouse::export(app, org, &tmp).await?;
    if out.exists() {
        std::fs::remove_dir(out).with_context(|| format!("cannot replace {}", out.display()))?;
    }
    std::fs::rename(&tmp, out).with_context(|| format!("cannot write {}", out.display()))?;
    for (table, rows) in &done.tables {
        eprintln!("{table}: {rows} rows");
    }
    eprintln!(
        "Wrote {} tables (Parquet and CSV) to {}.",
        done.tables.len(),
        out.display()
    );
    Ok(())
}
