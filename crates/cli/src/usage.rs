//! `baton usage`: product usage in, per account per day, from a CSV or
//! JSON Lines file, and what an account's usage adds up to (the summary
//! the onboarding-to-cs form offers). See docs/usage.md.

use anyhow::{Context, Result};
use baton_app::{App, AppError};
use baton_domain::AccountId;
use clap::{Args, Subcommand};

use crate::webhooks::{Who, admin};

/// `baton usage …`.
#[derive(Debug, Args)]
pub struct UsageArgs {
    #[command(flatten)]
    who: Who,
    #[command(subcommand)]
    command: UsageCommand,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum UsageCommand {
    /// Record product usage from a file: CSV with the header
    /// account,day,active_users,seats,features (features separated by ;)
    /// or JSON Lines of {"account","day","active_users","seats","features"}.
    /// Every row is checked first; if any is bad, each is named with its
    /// line and nothing is recorded. A day sent again replaces the one
    /// before; a file imported twice changes nothing.
    ///
    /// e.g.
    ///   baton usage import usage.csv
    ///   baton usage import usage.jsonl
    #[command(verbatim_doc_comment)]
    Import {
        /// The CSV or JSON Lines file (`-` for standard input).
        file: std::path::PathBuf,
    },
    /// An account's usage: the weekly curve, seats, and which features
    /// stuck or were dropped, over the 90 days up to today (or --to).
    ///
    /// e.g.
    ///   baton usage show A-1042
    ///   baton usage show A-1042 --from 2026-09-01 --to 2026-11-30
    #[command(verbatim_doc_comment)]
    Show {
        /// The account's id.
        account: String,
        /// First day (default: 89 days before --to).
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<jiff::civil::Date>,
        /// Last day (default: today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: Option<jiff::civil::Date>,
    },
}

/// Runs a `baton usage` command.
pub async fn run(app: &App, args: UsageArgs) -> Result<()> {
    let caller = admin(app, args.who).await?;
    match args.command {
        UsageCommand::Import { file } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?
            };
            match app.import_usage(&caller, &text).await {
                Ok(done) => println!(
                    "{} days: {} new, {} replaced, {} unchanged.",
                    done.days, done.written.added, done.written.updated, done.written.unchanged
                ),
                Err(AppError::Import(errors)) => {
                    return Err(crate::history::bad_lines(&file, &errors, "recorded"));
                }
                Err(e) => return Err(e).context("nothing was recorded"),
            }
        }
        UsageCommand::Show { account, from, to } => {
            let id = AccountId::parse(&account)
                .with_context(|| format!("'{account}' is not an account id"))?;
            let u = app.account_usage(&caller, &id, from, to).await?;
            let a = &u.adoption;
            println!("{id}: usage from {} to {}", a.from, a.to);
            match a.text() {
                None => println!("No usage reported in that window."),
                Some(text) => {
                    println!("{text}");
                    println!();
                    println!("week of       peak active users");
                    for w in &a.weeks {
                        println!("{}    {}", w.start, w.peak_users);
                    }
                }
            }
        }
    }
    Ok(())
}
