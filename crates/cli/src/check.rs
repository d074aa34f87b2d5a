//! `baton check`: scores handoff values against a contract and says why
//! each mandatory field does or does not count, with the specificity hints
//! beside them: the form's meter, for scripts and CRM exports.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use baton_app::App;
use baton_domain::contract::Mode;
use baton_domain::handoff::{completeness, parse_values};
use baton_domain::{ContractKey, Owner};
use clap::Args;
use serde_json::Value;

/// Options of `baton check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The contract, e.g. ae-to-onboarding (its current version in the org).
    #[arg(long)]
    contract: String,
    /// A JSON object of field values (JSON or text forms, as the API and the
    /// import take them); `-` or nothing reads standard input.
    file: Option<PathBuf>,
    /// The org (default: the only one).
    #[arg(long)]
    org: Option<String>,
}

/// Runs `baton check`.
pub async fn run(app: &App, args: CheckArgs) -> Result<()> {
    let org = crate::pick_org(app, args.org).await?;
    let key = ContractKey::parse(&args.contract).context("--contract")?;
    let contract = app
        .store()
        .contract(&org, &key)
        .await?
        .with_context(|| format!("no contract '{key}' in org '{org}'"))?;
    let mut text = String::new();
    match args.file.as_deref() {
        None => std::io::stdin().read_to_string(&mut text)?,
        Some(p) if p.as_os_str() == "-" => std::io::stdin().read_to_string(&mut text)?,
        Some(p) => std::fs::File::open(p)
            .with_context(|| format!("cannot open {}", p.display()))?
            .read_to_string(&mut text)?,
    };
    let raw: BTreeMap<String, Value> = serde_json::from_str(&text).context(
        "expected a JSON object of field values, e.g. {\"economic_buyer\": \"Dana Ortiz (CFO)\"}",
    )?;
    let def = &contract.current;
    let values = parse_values(def, &raw, Owner::Sender).map_err(anyhow::Error::msg)?;
    let c = completeness(def, &values);
    // Written, not printed: `| head` closing the pipe is an error, not a
    // panic.
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{} v{} ({}): {} / 100",
        def.key,
        contract.current_version,
        contract.mode.as_str(),
        c.score
    )?;
    for f in def.scored_fields() {
        let why = c.missing.iter().find(|(k, _)| *k == f.key).map(|(_, w)| w);
        match why {
            Some(w) => writeln!(out, "  ✗ {:<28} {}", f.key.as_str(), w.explain())?,
            None => writeln!(out, "  ✓ {:<28} counts", f.key.as_str())?,
        }
        if let Some(h) = f.hint_text(values.get(&f.key)) {
            writeln!(out, "    ⚠ {h}")?;
        }
    }
    if contract.mode == Mode::Gated && c.score < 100 {
        bail!("the contract is gated: a submission with these values would be refused");
    }
    Ok(())
}
