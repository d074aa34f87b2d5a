//! `baton webhooks`: subscriptions, their delivery log and redelivery, from
//! the terminal. The CLI acts as an admin of the org (whoever can open the
//! database is its operator): `--as` names which one.

use anyhow::{Context, Result, bail};
use baton_app::webhooks::NewWebhook;
use baton_app::{App, Caller};
use baton_domain::Email;
use baton_domain::event::Via;
use clap::{Args, Subcommand, ValueEnum};

/// Which org and admin a webhooks command acts for.
#[derive(Debug, Args)]
pub struct Who {
    /// The org (default: the only one).
    #[arg(long, global = true)]
    org: Option<String>,
    /// The admin to act as (default: the org's first admin by email).
    #[arg(long = "as", global = true, value_name = "EMAIL")]
    as_: Option<String>,
}

/// `baton webhooks …`.
#[derive(Debug, Args)]
pub struct WebhooksArgs {
    #[command(flatten)]
    who: Who,
    #[command(subcommand)]
    command: WebhooksCommand,
}

/// How to print a listing.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Output {
    /// A table for people.
    Table,
    /// JSON lines, one record per line.
    Json,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// The org's subscriptions: id, format, event kinds, URL.
    List,
    /// Subscribe a URL to event kinds; prints the new subscription's id.
    ///
    /// Every committed event of a wanted kind is queued in the same
    /// transaction as the event and POSTed by `baton serve` (or `baton
    /// webhooks deliver`), signed with the secret:
    ///   Baton-Signature: t=<unix secs>,v1=<hex HMAC-SHA256 of "<t>.<body>">
    ///
    /// e.g.
    ///   baton webhooks add https://hooks.example.com/baton --events '*' --secret "$S"
    ///   baton webhooks add https://hooks.slack.com/services/T/B/X \
    ///       --events submitted,rejected --format slack --secret unused
    #[command(verbatim_doc_comment)]
    Add {
        /// Where deliveries go (http or https).
        url: String,
        /// Event kinds, comma-separated (submitted, accepted, rejected, …),
        /// or '*' for every kind.
        #[arg(long, value_delimiter = ',', required = true)]
        events: Vec<String>,
        /// The signing secret (kept; never shown again).
        #[arg(long, env = "BATON_WEBHOOK_SECRET", hide_env_values = true)]
        secret: String,
        /// json: the signed event (SPEC §9 line plus seq, org, delivery_id).
        /// slack: an incoming-webhook message in words, for a team's channel.
        #[arg(long, default_value = "json", value_parser = ["json", "slack"])]
        format: String,
    },
    /// Delete a subscription and its queued deliveries.
    Remove {
        /// The subscription's id (see `baton webhooks list`).
        id: String,
    },
    /// A subscription's delivery log, newest first, with every attempt.
    Deliveries {
        /// The subscription's id.
        id: String,
        /// How many deliveries.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Older than this event sequence number (to page on).
        #[arg(long)]
        before: Option<u64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Output::Table)]
        output: Output,
    },
    /// Send a delivered or dead delivery again (it becomes pending, due now).
    Redeliver {
        /// The subscription's id.
        id: String,
        /// The delivery's id (see `baton webhooks deliveries ID`).
        delivery: String,
    },
    /// Send a subscription a signed `ping` now, to check its URL and
    /// secret (not an event of the log; never queued or retried). Fails
    /// when the receiver does not answer 2xx.
    Test {
        /// The subscription's id.
        id: String,
    },
    /// Send what is due now, once (`baton serve` does this on its own).
    Deliver,
}

/// Runs a `baton webhooks` command.
pub async fn run(app: &App, args: WebhooksArgs) -> Result<()> {
    let caller = admin(app, args.who).await?;
    match args.command {
        WebhooksCommand::List => {
            let hooks = app.webhooks(&caller).await?;
            if hooks.is_empty() {
                println!(
                    "no webhooks yet: add one with `baton webhooks add URL --events '*' --secret S`"
                );
            }
            for h in hooks {
                println!(
                    "{}  {:<5}  {:<30}  {}",
                    h.id,
                    h.format,
                    h.events.join(","),
                    h.url
                );
            }
        }
        WebhooksCommand::Add {
            url,
            events,
            secret,
            format,
        } => {
            let h = app
                .create_webhook(
                    &caller,
                    NewWebhook {
                        url,
                        events,
                        secret,
                        format: Some(format),
                    },
                )
                .await?;
            println!("{}", h.id);
        }
        WebhooksCommand::Remove { id } => {
            app.delete_webhook(&caller, &id).await?;
            println!("removed webhook {id}");
        }
        WebhooksCommand::Deliveries {
            id,
            limit,
            before,
            output,
        } => {
            if !(1..=500).contains(&limit) {
                bail!("--limit must be between 1 and 500, not {limit}");
            }
            let page = app
                .webhook_deliveries(&caller, &id, None, before, limit)
                .await?;
            for d in &page {
                match output {
                    Output::Json => {
                        let log: Vec<_> = d
                            .log
                            .iter()
                            .map(|a| {
                                serde_json::json!({"attempt": a.attempt, "at": a.at.to_string(),
                                    "http_status": a.http_status, "error": a.error, "duration_ms": a.duration_ms})
                            })
                            .collect();
                        println!(
                            "{}",
                            serde_json::json!({"id": d.id, "seq": d.seq, "event": d.kind,
                                "status": d.status.as_str(), "attempts": d.attempts,
                                "next_attempt_at": d.next_attempt_at.map(|t| t.to_string()),
                                "last_error": d.last_error, "created_at": d.created_at.to_string(),
                                "delivered_at": d.delivered_at.map(|t| t.to_string()), "log": log})
                        );
                    }
                    Output::Table => {
                        let when = match (d.delivered_at, d.next_attempt_at) {
                            (Some(t), _) if d.status.as_str() == "delivered" => {
                                format!("delivered {t}")
                            }
                            (_, Some(t)) => format!("next {t}"),
                            _ => d.last_error.clone().unwrap_or_default(),
                        };
                        println!(
                            "{}  seq {:<6} {:<18} {:<9} {} attempt(s)  {when}",
                            d.id,
                            d.seq,
                            d.kind,
                            d.status.as_str(),
                            d.log.len()
                        );
                    }
                }
            }
            if let (Output::Table, Some(last)) = (output, page.last())
                && page.len() == limit as usize
            {
                println!("more: --before {}", last.seq);
            }
        }
        WebhooksCommand::Redeliver { id, delivery } => {
            app.redeliver(&caller, &id, &delivery).await?;
            println!("delivery {delivery} is pending again; it goes out with the next round");
        }
        WebhooksCommand::Test { id } => {
            let t = app.test_webhook(&caller, &id).await?;
            match (t.http_status, t.error) {
                (Some(code), None) => {
                    println!(
                        "test event {} taken: HTTP {code} in {} ms",
                        t.delivery, t.duration_ms
                    );
                }
                (_, Some(e)) => bail!(
                    "test event {} not taken: {e} (after {} ms)",
                    t.delivery,
                    t.duration_ms
                ),
                (None, None) => println!("test event {} sent", t.delivery),
            }
        }
        WebhooksCommand::Deliver => {
            let r = app.deliver_webhooks().await?;
            println!(
                "claimed {}, delivered {}, retrying {}, dead {}",
                r.claimed, r.delivered, r.retrying, r.dead
            );
        }
    }
    Ok(())
}

/// The caller a command acts as: `--as`, or the org's first admin.
pub(crate) async fn admin(app: &App, who: Who) -> Result<Caller> {
    let org = crate::pick_org(app, who.org).await?;
    let email = match who.as_ {
        Some(e) => Email::parse(&e).with_context(|| format!("--as '{e}' is not an email"))?,
        None => {
            let dir = app.store().directory(&org).await?;
            let mut admins: Vec<&Email> = dir
                .users
                .iter()
                .filter(|(_, u)| u.admin)
                .map(|(e, _)| e)
                .collect();
            admins.sort();
            admins
                .first()
                .map(|e| (*e).clone())
                .context("the org has no admin; name one with --as")?
        }
    };
    Ok(Caller::new(org, email, Via::Cli))
}
