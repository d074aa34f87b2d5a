//! `baton init`, `baton status` and `baton rebuild`.

use anyhow::{Context, Result, bail};
use baton_app::App;
use baton_app::org::NewOrg;
use baton_domain::Email;
use baton_domain::event::Via;
use clap::Args;

use crate::pick_org;

/// Arguments of `baton init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The org's name, e.g. "Acme Corp" (its id becomes acme-corp).
    #[arg(long)]
    org: String,
    /// The first admin's email; they manage teams, users and contracts.
    #[arg(long)]
    admin_email: String,
    /// The first admin's password (10 to 256 characters, at least 5
    /// different ones, not the email).
    #[arg(long, env = "BATON_ADMIN_PASSWORD", hide_env_values = true)]
    admin_password: String,
    /// The first admin's display name (default: from the email).
    #[arg(long)]
    admin_name: Option<String>,
}

/// Runs `baton init`.
pub async fn init(app: &App, args: InitArgs) -> Result<()> {
    let email = Email::parse_lenient(&args.admin_email)?;
    let name = args.admin_name.unwrap_or_else(|| {
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or("admin")
            .to_string()
    });
    let org = app
        .init_org(
            NewOrg {
                name: args.org.clone(),
                admin_email: email.clone(),
                admin_name: name,
                admin_password: args.admin_password,
            },
            Via::Cli,
        )
        .await?;
    println!(
        "Created org '{}' (id {org}) with admin {email}.",
        args.org.trim()
    );
    println!("Teams: marketing, sdr, ae, onboarding, cs, support, product, motion-a, motion-b.");
    println!(
        "Contracts (observe mode): mql-to-sdr, sdr-to-ae, ae-to-onboarding, onboarding-to-cs, cs-to-support, cross-motion."
    );
    println!("Next: import history with `baton import events FILE.jsonl`.");
    Ok(())
}

/// Runs `baton status`: contracts and handoff counts per org.
pub async fn status(app: &App) -> Result<()> {
    let orgs = app.store().orgs().await?;
    if orgs.is_empty() {
        println!("No org yet. Run `baton demo` for a demo org, or `baton init --help`.");
        return Ok(());
    }
    for (org, name) in orgs {
        println!(
            "{name} ({org}): {} events",
            app.store().event_count(&org).await?
        );
        let contracts = app.store().contracts(&org).await?;
        let counts = app.store().handoff_counts(&org).await?;
        println!(
            "  {:<18} {:<8} {:>3} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}",
            "contract",
            "mode",
            "ver",
            "draft",
            "submitted",
            "rejected",
            "accepted",
            "withdrawn",
            "avg score"
        );
        for c in contracts {
            let n = |state: &str| {
                counts
                    .iter()
                    .filter(|r| r.contract == c.key.as_str() && r.state == state)
                    .map(|r| r.count)
                    .sum::<u64>()
            };
            let (sum, submitted) = counts
                .iter()
                .filter(|r| r.contract == c.key.as_str())
                .fold((0, 0), |(s, k), r| (s + r.score_sum, k + r.submitted));
            let avg = if submitted == 0 {
                "-".to_string()
            } else {
                format!("{:.0}", sum as f64 / submitted as f64)
            };
            println!(
                "  {:<18} {:<8} {:>3} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}",
                c.key.as_str(),
                c.mode.as_str(),
                c.current_version,
                n("draft"),
                n("submitted"),
                n("rejected"),
                n("accepted"),
                n("withdrawn"),
                avg
            );
        }
    }
    Ok(())
}

/// Runs `baton rebuild`.
pub async fn rebuild(app: &App, org: Option<String>) -> Result<()> {
    let org = pick_org(app, org).await?;
    let started = std::time::Instant::now();
    let report = app
        .rebuild(&org)
        .await
        .context("rebuild failed; nothing was changed")?;
    println!(
        "Replayed {} events in {:.2}s.",
        report.events,
        started.elapsed().as_secs_f64()
    );
    if report.identical {
        println!("The rebuilt projections are identical to the previous ones.");
        Ok(())
    } else {
        bail!(
            "the rebuilt projections differ from the previous ones; the rebuilt ones are now in place"
        )
    }
}
