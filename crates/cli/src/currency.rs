//! `baton currency`: the org's reporting currency and exchange rates from
//! the terminal. Reading is open to the operator; setting acts as an admin
//! of the org (`--as`), through the same use cases as the API and the UI.

use anyhow::{Context, Result};
use baton_app::App;
use baton_app::fx::{FxSettings, NewRate};
use baton_domain::{Currency, Rate};
use clap::{Args, Subcommand};

use crate::webhooks::{Who, admin};

/// `baton currency …`.
#[derive(Debug, Args)]
pub struct CurrencyArgs {
    #[command(flatten)]
    who: Who,
    #[command(subcommand)]
    command: CurrencyCommand,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum CurrencyCommand {
    /// The reporting currency (and where it comes from) and every rate.
    Show,
    /// Set the currency the leak audit reports in (an ISO 4217 code).
    ///
    /// e.g. `baton currency set EUR`
    Set {
        /// The code, e.g. EUR.
        currency: String,
    },
    /// Set a rate into the reporting currency, effective from a date on.
    ///
    /// e.g. `baton currency rate USD 0.92 --from 2026-01-01`: from the 1st
    /// of January 2026, one USD is 0.92 of the reporting currency. Rates
    /// are exact decimals; a second rate for the same date replaces the
    /// first. Amounts without a rate are listed, never added.
    Rate {
        /// The currency converted, e.g. USD.
        currency: String,
        /// Units of the reporting currency per unit of CURRENCY, e.g. 0.92.
        rate: String,
        /// The first day (UTC) it applies to, YYYY-MM-DD.
        #[arg(long = "from", value_name = "DATE")]
        effective: String,
    },
}

fn currency(raw: &str) -> Result<Currency> {
    Currency::parse(raw).with_context(|| format!("'{raw}' is not a currency"))
}

fn print(s: &FxSettings) -> Result<()> {
    let source = serde_json::to_value(s.reporting.source)?;
    println!(
        "reporting currency: {} ({})",
        s.reporting.currency,
        source.as_str().unwrap_or_default().replace('_', " ")
    );
    if s.rates.is_empty() {
        println!("no rates: amounts in other currencies are listed, never added");
    }
    for r in &s.rates {
        println!(
            "1 {} = {} {} from {}",
            r.currency, r.rate, r.to, r.effective
        );
    }
    Ok(())
}

/// Runs a `baton currency` command.
pub async fn run(app: &App, args: CurrencyArgs) -> Result<()> {
    let caller = admin(app, args.who).await?;
    let settings = match args.command {
        CurrencyCommand::Show => app.fx_settings(&caller).await?,
        CurrencyCommand::Set { currency: c } => {
            app.set_reporting_currency(&caller, currency(&c)?).await?
        }
        CurrencyCommand::Rate {
            currency: c,
            rate,
            effective,
        } => {
            let new = NewRate {
                currency: currency(&c)?,
                rate: Rate::parse(&rate)?,
                effective: effective.parse().with_context(|| {
                    format!("--from '{effective}' is not a date like 2026-01-01")
                })?,
            };
            app.set_fx_rate(&caller, new).await?
        }
    };
    print(&settings)
}
