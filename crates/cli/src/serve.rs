//! `baton serve`: the HTTP API on one port, until Ctrl-C or SIGTERM, then a
//! graceful shutdown that lets requests in flight finish.

use anyhow::{Context, Result};
use baton_app::App;
use clap::Args;

/// Arguments of `baton serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Use 0.0.0.0:8080 to accept other machines
    /// (put HTTPS in front and pass --secure-cookies).
    #[arg(long, env = "BATON_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// On an empty database, first create the demo org (six months of
    /// synthetic history) and print its logins.
    #[arg(long)]
    demo: bool,
    /// Largest JSON request body accepted, in bytes.
    #[arg(long, env = "BATON_MAX_BODY_BYTES", default_value_t = 1 << 20)]
    max_body_bytes: usize,
    /// Largest history import (POST /api/v1/import/events), in bytes.
    #[arg(long, env = "BATON_MAX_IMPORT_BYTES", default_value_t = 256 << 20)]
    max_import_bytes: usize,
    /// Mark the session cookie Secure (when served over HTTPS).
    #[arg(long, env = "BATON_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Seconds between rounds of background work (webhook deliveries, SLA
    /// breaches). Several processes may run them against one PostgreSQL.
    #[arg(long, env = "BATON_JOBS_INTERVAL", default_value_t = 5)]
    jobs_interval: u64,
    /// Seconds between pulls of each connected CRM's changed deals (a
    /// HubSpot webhook makes a pull due at once). Each pull is one cheap
    /// query when nothing changed; mind the CRM's daily API allowance.
    #[arg(long, env = "BATON_CRM_POLL", default_value_t = 60)]
    crm_poll: u64,
    /// Baton's address as people reach it (the handoff links written onto
    /// CRM deals); default: http://ADDRESS it listens on.
    #[arg(long, env = "BATON_PUBLIC_URL")]
    public_url: Option<String>,
    /// The SMTP server notifications go out through:
    /// smtp://[USER:PASSWORD@]HOST[:PORT] (unencrypted; add ?tls=required
    /// for STARTTLS) or smtps://… (TLS). Without it, no mail is sent.
    #[arg(long, env = "BATON_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// The From address of notifications, e.g. "Baton <baton@example.com>".
    #[arg(long, env = "BATON_MAIL_FROM", requires = "smtp_url")]
    mail_from: Option<String>,
    /// A Slack bot token (xoxb-…, scopes chat:write and users:read.email):
    /// notifications also go to each person as a Slack direct message, the
    /// person found by their email.
    #[arg(long, env = "BATON_SLACK_BOT_TOKEN", hide_env_values = true)]
    slack_bot_token: Option<String>,
    /// Single sign-on: the OpenID Connect issuer URL (e.g.
    /// https://login.example.com/realms/acme); its discovery document is
    /// read from {issuer}/.well-known/openid-configuration. Register the
    /// redirect URI {public URL}/auth/oidc/callback there.
    #[arg(long, env = "BATON_OIDC_ISSUER", requires_all = ["oidc_client_id", "oidc_client_secret"])]
    oidc_issuer: Option<String>,
    /// Baton's client id at the issuer.
    #[arg(long, env = "BATON_OIDC_CLIENT_ID")]
    oidc_client_id: Option<String>,
    /// Baton's client secret at the issuer.
    #[arg(long, env = "BATON_OIDC_CLIENT_SECRET", hide_env_values = true)]
    oidc_client_secret: Option<String>,
    /// Run no background work in this process (e.g. when another process
    /// does it).
    #[arg(long, env = "BATON_NO_JOBS")]
    no_jobs: bool,
}

/// Runs `baton serve`.
pub async fn run(app: App, args: ServeArgs) -> Result<()> {
    if args.demo
        && !crate::demo::create_demo_org(
            &app,
            baton_demo::DEMO_ACCOUNTS,
            baton_demo::DEMO_MONTHS,
            baton_demo::DEMO_SEED,
        )
        .await?
    {
        println!("The database already has data; serving it as it is (no demo created).");
    }
    let listener = tokio::net::TcpListener::bind(&args.bind)
        .await
        .with_context(|| format!("cannot listen on {}", args.bind))?;
    let addr = listener.local_addr()?;
    let app = app.with_public_url(args.public_url.unwrap_or_else(|| format!("http://{addr}")));
    let mut crm = app.crm_options().clone();
    crm.poll = jiff::SignedDuration::from_secs(i64::try_from(args.crm_poll.max(1)).unwrap_or(60));
    let app = app.with_crm_options(crm);
    let app = match args.smtp_url {
        Some(smtp_url) => {
            let Some(from) = args.mail_from else {
                anyhow::bail!(
                    "--smtp-url is set but --mail-from (BATON_MAIL_FROM) is not: say which address notifications come from"
                );
            };
            let app = app.with_mail(&baton_app::mail::MailConfig { smtp_url, from })?;
            println!("Notifications: by email (see /settings/notifications).");
            app
        }
        None => app,
    };
    let app = match (
        args.oidc_issuer,
        args.oidc_client_id,
        args.oidc_client_secret,
    ) {
        (Some(issuer), Some(client_id), Some(client_secret)) => {
            let app = app.with_oidc(baton_app::sso::OidcConfig {
                issuer,
                client_id,
                client_secret,
            })?;
            println!(
                "Sign-in: single sign-on offered (redirect URI {}/auth/oidc/callback).",
                app.public_url()
            );
            app
        }
        _ => app,
    };
    println!("Baton is serving http://{addr}/  (open it in a browser and sign in)");
    println!("  API:     http://{addr}/api/v1  (OpenAPI: http://{addr}/api/v1/openapi.json)");
    println!("  Health:  http://{addr}/healthz  http://{addr}/readyz");
    println!("Stop with Ctrl-C.");
    let options = baton_web::Options {
        max_body_bytes: args.max_body_bytes,
        max_import_bytes: args.max_import_bytes,
        secure_cookies: args.secure_cookies,
    };
    let (stop_jobs, stopped) = tokio::sync::watch::channel(false);
    let jobs = (!args.no_jobs).then(|| {
        tokio::spawn(run_jobs(
            app.clone(),
            std::time::Duration::from_secs(args.jobs_interval.max(1)),
            stopped,
        ))
    });
    baton_web::serve(listener, app, &options, shutdown_signal()).await?;
    let _ = stop_jobs.send(true);
    if let Some(jobs) = jobs {
        let _ = jobs.await;
    }
    println!("Stopped.");
    Ok(())
}

/// Runs background work every `interval` (at once again while there is
/// more), until told to stop; a round in progress finishes first.
async fn run_jobs(
    app: App,
    interval: std::time::Duration,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let (run, error) = app.run_pending_jobs().await;
        if let Some(e) = error {
            tracing::warn!(error = %e, "background work failed; retrying next round");
        }
        if run.busy() && !*stop.borrow() {
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            return;
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    tracing::info!("shutting down");
}
