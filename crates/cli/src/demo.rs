//! `baton demo` and `baton demo generate`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use baton_app::App;
use baton_app::org::{NewOrg, NewUser};
use baton_demo::{DemoSpec, generate};
use baton_domain::event::Via;
use baton_domain::handoff::State;
use baton_domain::{Email, Role, TeamKey, Timestamp};
use clap::{Args, Subcommand};

/// The demo admin's login.
const DEMO_ADMIN: &str = "admin@demo.test";
/// The password of every demo login (demo data only).
const DEMO_PASSWORD: &str = "baton-demo-password";
/// People of the demo history who can sign in, and what they show.
pub const DEMO_LOGINS: &[(&str, &str)] = &[
    ("admin@demo.test", "admin: contracts, modes, users"),
    (
        "ae1@demo.test",
        "an AE: sends ae-to-onboarding, receives sdr-to-ae",
    ),
    (
        "onboarding1@demo.test",
        "onboarding: receives ae-to-onboarding",
    ),
    ("cs1@demo.test", "customer success: sends cs-to-support"),
    ("support1@demo.test", "support: receives cs-to-support"),
];

/// Arguments of `baton demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(subcommand)]
    command: Option<DemoCommand>,
    /// Accounts in the demo org.
    #[arg(long, default_value_t = baton_demo::DEMO_ACCOUNTS)]
    accounts: usize,
    /// Months of history.
    #[arg(long, default_value_t = baton_demo::DEMO_MONTHS)]
    months: u32,
    /// Seed: the same seed gives the same data.
    #[arg(long, default_value_t = baton_demo::DEMO_SEED)]
    seed: u64,
}

#[derive(Debug, Subcommand)]
enum DemoCommand {
    /// Write synthetic history as JSON Lines (the `baton import events`
    /// format), e.g. for benchmarks. Seeded and deterministic: the same
    /// arguments give the same bytes.
    Generate {
        /// Accounts to generate (about 19 lines each over six months).
        #[arg(long, default_value_t = 1000)]
        accounts: usize,
        /// Months of history, ending at --end.
        #[arg(long, default_value_t = 6)]
        months: u32,
        /// Seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// When the history ends (default: today 00:00 UTC).
        #[arg(long)]
        end: Option<Timestamp>,
        /// Where to write; `-` for standard output.
        #[arg(long)]
        out: PathBuf,
    },
}

fn today(now: Timestamp) -> Result<Timestamp> {
    let now = now.to_zoned(jiff::tz::TimeZone::UTC);
    Ok(now.start_of_day()?.timestamp())
}

/// Runs `baton demo generate` when that is the command: it writes a file
/// and needs no database (opening one would create ./baton.db for nothing).
pub fn generate_only(args: &DemoArgs) -> Option<Result<()>> {
    let Some(DemoCommand::Generate {
        accounts,
        months,
        seed,
        end,
        out,
    }) = &args.command
    else {
        return None;
    };
    Some((|| {
        let spec = DemoSpec {
            accounts: *accounts,
            months: *months,
            seed: *seed,
            end: match end {
                Some(e) => *e,
                None => today(baton_app::Clock::now(&baton_app::SystemClock))?,
            },
        };
        let started = Instant::now();
        let sink: Box<dyn Write> = if out.as_os_str() == "-" {
            Box::new(std::io::stdout().lock())
        } else {
            Box::new(File::create(out).with_context(|| format!("cannot write {}", out.display()))?)
        };
        let mut w = BufWriter::new(sink);
        let lines = generate(&spec, &mut w)?;
        w.flush()?;
        eprintln!(
            "Wrote {lines} lines for {accounts} accounts in {:.2}s.",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    })())
}

/// Runs `baton demo …` (all but `generate`, see [`generate_only`]).
pub async fn run(app: &App, args: DemoArgs) -> Result<()> {
    if !create_demo_org(app, args.accounts, args.months, args.seed).await? {
        println!("The database already has data; here it is.");
    }
    crate::setup::status(app).await
}

/// Creates the demo org in an empty database and prints its logins; false
/// (and nothing written) when the database already has an org.
pub async fn create_demo_org(app: &App, accounts: usize, months: u32, seed: u64) -> Result<bool> {
    if !app.store().orgs().await?.is_empty() {
        return Ok(false);
    }
    let org = app
        .init_org(
            NewOrg {
                name: "Demo".into(),
                admin_email: Email::parse(DEMO_ADMIN)?,
                admin_name: "Demo Admin".into(),
                admin_password: DEMO_PASSWORD.into(),
            },
            Via::Cli,
        )
        .await?;
    let spec = DemoSpec {
        accounts,
        months,
        seed,
        end: today(app.now())?,
    };
    let mut bytes = Vec::new();
    generate(&spec, &mut bytes)?;
    let s = app
        .import_events(Some(org.clone()), bytes.as_slice())
        .await?;
    let admin = baton_app::Caller::new(org, Email::parse(DEMO_ADMIN)?, Via::Cli);
    for (login, _) in DEMO_LOGINS.iter().skip(1) {
        let email = Email::parse(*login)?;
        let set = app.set_password(&admin, &email, DEMO_PASSWORD).await;
        // A short history may never name a demo login (users join the org
        // when the history first mentions them): add it to its team.
        let set = match set {
            Err(baton_app::AppError::NotFound(_)) => {
                let team = login
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches(|c: char| c.is_ascii_digit());
                app.add_user(
                    &admin,
                    NewUser {
                        email,
                        name: (*login).to_string(),
                        password: Some(DEMO_PASSWORD.into()),
                        teams: vec![(TeamKey::parse(team)?, Role::Member)],
                        admin: false,
                    },
                )
                .await
            }
            other => other,
        };
        set.with_context(|| format!("cannot set the demo password of {login}"))?;
    }
    let usage = demo_usage(app, &admin, seed).await?;
    println!(
        "Created the demo org with {} accounts and {} handoffs ({} events) over {months} months, and {usage} days of product usage.",
        s.accounts, s.handoffs, s.events
    );
    println!("Demo logins (password {DEMO_PASSWORD}):");
    for (login, what) in DEMO_LOGINS {
        println!("  {login:<24} {what}");
    }
    Ok(true)
}

/// Product usage for every account whose onboarding-to-cs handoff is still
/// open, so its form has a measured adoption curve to show; the days
/// recorded.
async fn demo_usage(app: &App, admin: &baton_app::Caller, seed: u64) -> Result<usize> {
    let filter = baton_store::HandoffFilter {
        contract: Some(baton_domain::ContractKey::parse("onboarding-to-cs")?),
        ..baton_store::HandoffFilter::default()
    };
    let end = app.now().to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut sent = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = app
            .list_handoffs(
                admin,
                filter.clone(),
                None,
                after,
                baton_app::handoffs::MAX_PAGE,
            )
            .await?;
        let open = |s: State| matches!(s, State::Draft | State::Submitted | State::Rejected);
        for v in page.iter().filter(|v| open(v.handoff.state)) {
            for d in baton_demo::usage::usage_days(&v.handoff.account, end, seed) {
                sent.push((
                    sent.len() as u64,
                    baton_app::usage::SentDay {
                        account: d.account.to_string(),
                        day: d.day.to_string(),
                        active_users: d.active_users,
                        seats: d.seats,
                        features: d.features.into_iter().collect(),
                    },
                ));
            }
        }
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    Ok(app.record_usage(admin, sent).await?.days)
}
