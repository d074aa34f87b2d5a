//! `baton crm`: connect Salesforce or HubSpot, list connections with their
//! status, test, sync now, disconnect. Acts as an admin of the org, like
//! `baton webhooks` (`--as` names which one). Credentials are sealed with
//! `BATON_SECRET_KEY`, which `baton serve` needs too. See docs/crm.md.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use baton_app::App;
use baton_app::connections::{ConnectionView, NewConnection, Vendor};
use baton_app::secrets::SecretKey;
use clap::{Args, Subcommand, ValueEnum};

use crate::webhooks::{Who, admin};

/// The key `--secret-key` (`BATON_SECRET_KEY`, `secret_key` in the config
/// file) gave, if any; a malformed one is an error.
pub fn secret_key(text: &Option<String>) -> Result<Option<SecretKey>> {
    Ok(SecretKey::from_setting(text.as_deref())?)
}

/// `baton crm …`.
#[derive(Debug, Args)]
pub struct CrmArgs {
    #[command(flatten)]
    who: Who,
    #[command(subcommand)]
    command: CrmCommand,
}

/// The CRMs Baton connects to.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VendorArg {
    /// Salesforce (a connected app: JWT bearer or client credentials).
    Salesforce,
    /// HubSpot (a private app's token).
    Hubspot,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum CrmCommand {
    /// Connect a CRM: the settings are checked against it (sign-in, the
    /// write-back fields) before anything is stored; prints the id.
    ///
    /// e.g.
    ///   baton crm connect salesforce --name "Salesforce" --settings sf.json \
    ///       --field economic_buyer=Economic_Buyer__c
    ///   baton crm connect hubspot --name "HubSpot" --settings hs.json
    #[command(verbatim_doc_comment)]
    Connect {
        /// Which CRM.
        vendor: VendorArg,
        /// A name for people.
        #[arg(long)]
        name: String,
        /// A JSON file with the vendor's settings (see docs/crm.md); it
        /// holds credentials: keep it out of version control.
        #[arg(long)]
        settings: PathBuf,
        /// A Baton field prefilled from a CRM field: BATON_KEY=CRM_FIELD
        /// (repeat).
        #[arg(long = "field", value_name = "KEY=CRM_FIELD")]
        fields: Vec<String>,
        /// The object kind its deals map as through the CRM rules.
        #[arg(long, default_value = "deal", value_parser = ["deal", "opportunity"])]
        object: String,
    },
    /// The connections with their status: last pull, lag, errors, deals
    /// synced, write-backs pending.
    List,
    /// Sign in to the CRM again and record the result.
    Test {
        /// The connection's id (see `baton crm list`).
        id: String,
    },
    /// Sync now: pull and write back once, here (or let `baton serve` do it).
    Sync {
        /// The connection's id.
        id: String,
    },
    /// Stop syncing and forget the credentials.
    Disconnect {
        /// The connection's id.
        id: String,
    },
    /// A connection's log, newest first.
    Log {
        /// The connection's id.
        id: String,
        /// How many entries.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

fn print(c: &ConnectionView) {
    let t = |t: Option<baton_domain::Timestamp>| t.map_or("-".to_string(), |t| t.to_string());
    println!(
        "{}  {}  {}  ({})",
        c.id,
        c.vendor,
        c.name,
        c.status.as_str()
    );
    println!(
        "  last pull {}  lag {}  deals {}  write-backs pending {}",
        t(c.last_pull_at),
        c.lag
            .map_or("-".to_string(), |d| format!("{} s", d.as_secs())),
        c.deals_synced,
        c.writes_pending
    );
    if let Some(why) = &c.attention {
        println!("  needs attention: {why}");
    } else if let Some(e) = &c.last_error {
        println!("  last error ({}): {e}", t(c.last_error_at));
    }
}

/// Runs a `baton crm` command.
pub async fn run(app: &App, args: CrmArgs) -> Result<()> {
    let caller = admin(app, args.who).await?;
    match args.command {
        CrmCommand::Connect {
            vendor,
            name,
            settings,
            fields,
            object,
        } => {
            let text = std::fs::read_to_string(&settings)
                .with_context(|| format!("cannot read {}", settings.display()))?;
            let json = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", settings.display()))?;
            let mut field_map = BTreeMap::new();
            for f in fields {
                let Some((key, crm)) = f.split_once('=') else {
                    bail!("--field '{f}' is not KEY=CRM_FIELD");
                };
                field_map.insert(crm.trim().to_string(), key.trim().to_string());
            }
            let new = NewConnection {
                vendor: match vendor {
                    VendorArg::Salesforce => Vendor::Salesforce,
                    VendorArg::Hubspot => Vendor::Hubspot,
                },
                name,
                settings: json,
                field_map,
                object: Some(object),
            };
            let c = app.connect_crm(&caller, new).await?;
            println!("{}", c.id);
        }
        CrmCommand::List => {
            let all = app.connections(&caller).await?;
            if all.is_empty() {
                println!(
                    "no CRM connections yet: `baton crm connect salesforce|hubspot --name N --settings FILE`"
                );
            }
            for c in &all {
                print(c);
            }
        }
        CrmCommand::Test { id } => {
            let t = app.test_connection(&caller, &id).await?;
            if !t.ok {
                bail!("{}", t.detail);
            }
            println!("ok: {}", t.detail);
        }
        CrmCommand::Sync { id } => {
            app.sync_now(&caller, &id).await?;
            // Rounds until this connection has nothing more to do now.
            loop {
                let round = app.sync_crm().await?;
                if !round.more || round.connection.is_none() {
                    break;
                }
            }
            print(&app.connection(&caller, &id).await?);
        }
        CrmCommand::Disconnect { id } => {
            app.disconnect_crm(&caller, &id).await?;
            println!("disconnected {id}; its credentials are forgotten");
        }
        CrmCommand::Log { id, limit } => {
            for e in app
                .connection_log_entries(&caller, &id, None, limit)
                .await?
            {
                println!(
                    "{}  {:<7}  {}  {}",
                    e.at,
                    e.level,
                    e.deal.as_deref().unwrap_or("-"),
                    e.message
                );
            }
        }
    }
    Ok(())
}
