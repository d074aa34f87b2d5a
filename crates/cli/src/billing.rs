//! `baton billing`: billing signals in. Set the Stripe webhook's signing
//! secret (read from standard input, so it never lands in the shell's
//! history or the process list) and read what Stripe's deliveries came to.
//! Acts as an admin of the org, like `baton crm`; the secret is sealed with
//! `BATON_SECRET_KEY`, which `baton serve` needs too. See docs/billing.md.

use std::io::Read;

use anyhow::{Context, Result};
use baton_app::App;
use clap::{Args, Subcommand};

use crate::webhooks::{Who, admin};

/// `baton billing …`.
#[derive(Debug, Args)]
pub struct BillingArgs {
    #[command(flatten)]
    who: Who,
    #[command(subcommand)]
    command: BillingCommand,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum BillingCommand {
    /// Set the signing secret of Stripe's webhook endpoint for this org
    /// (whsec_…, from the endpoint in Stripe's dashboard), read from
    /// standard input. Point the endpoint at
    /// https://BATON/api/v1/inbound/stripe/ORG with the events
    /// customer.subscription.deleted, customer.subscription.updated and
    /// invoice.paid.
    ///
    /// e.g.
    ///   printf %s "$STRIPE_WEBHOOK_SECRET" | baton billing stripe-secret
    #[command(verbatim_doc_comment)]
    StripeSecret,
    /// Import ARR changes and churns from any billing system, as CSV with
    /// the header account,date,event,arr,currency (event: arr or churn;
    /// arr in major units). Rows apply in time order; a file imported
    /// again changes nothing; every bad row is named and then nothing is
    /// applied. See docs/billing.md.
    ///
    /// e.g.
    ///   baton billing import arr.csv
    #[command(verbatim_doc_comment)]
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
    },
    /// The latest billing events received (Stripe's, imported rows),
    /// newest first, with what became of each (applied, ignored,
    /// unmatched, refused) and why.
    Log {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// Runs a `baton billing` command.
pub async fn run(app: &App, args: BillingArgs) -> Result<()> {
    let caller = admin(app, args.who).await?;
    match args.command {
        BillingCommand::StripeSecret => {
            let mut secret = String::new();
            std::io::stdin()
                .read_to_string(&mut secret)
                .context("cannot read the secret from standard input")?;
            app.set_stripe_secret(&caller, &secret).await?;
            eprintln!(
                "Stripe's signing secret is set for {}; point the endpoint at /api/v1/inbound/stripe/{}.",
                caller.org, caller.org
            );
        }
        BillingCommand::Import { file } => {
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let done = match app.import_billing_csv(&caller, f).await {
                Ok(done) => done,
                Err(baton_app::AppError::Import(errors)) => {
                    return Err(crate::history::bad_lines(&file, &errors, "applied"));
                }
                Err(e) => return Err(e.into()),
            };
            println!(
                "{} rows: {} applied, {} changed nothing, {} named no account (see baton billing log), {} imported before.",
                done.rows, done.applied, done.ignored, done.unmatched, done.duplicates
            );
        }
        BillingCommand::Log { limit } => {
            let records = app.billing_log(&caller, limit).await?;
            if records.is_empty() {
                println!("No billing event received yet.");
            }
            for r in records {
                println!(
                    "{}  {} {}  {}  {}  {}: {}",
                    r.received_at,
                    r.source,
                    r.event_id,
                    r.kind,
                    r.account.as_ref().map_or("-", |a| a.as_str()),
                    r.outcome,
                    r.detail
                );
            }
        }
    }
    Ok(())
}
