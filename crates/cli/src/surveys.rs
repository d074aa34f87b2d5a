//! `baton surveys`: survey responses in (NPS and CSAT). Set the org's
//! column mapping for its survey tool's CSV export, preview and import such
//! an export, review the responses no account was found for and assign
//! them, and set the survey webhook's signing secret (read from standard
//! input, so it never lands in the shell's history or the process list).
//! Acts as an admin of the org, like `baton billing`. See docs/surveys.md.

use std::collections::BTreeMap;
use std::io::Read;

use anyhow::{Context, Result, anyhow};
use baton_app::App;
use baton_domain::AccountId;
use baton_domain::survey::{ColumnMapping, SurveyKind};
use clap::{Args, Subcommand};

use crate::webhooks::{Who, admin};

/// `baton surveys …`.
#[derive(Debug, Args)]
pub struct SurveysArgs {
    #[command(flatten)]
    who: Who,
    #[command(subcommand)]
    command: SurveysCommand,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum SurveysCommand {
    /// The column mapping of the org's survey tool export.
    #[command(subcommand)]
    Mapping(MappingCommand),
    /// Import a survey tool's CSV export through the org's mapping: every
    /// row checked first (each bad row named with its line, and then
    /// nothing recorded); a response imported again changes nothing.
    /// --preview shows each row's outcome and changes nothing.
    ///
    /// e.g.
    ///   baton surveys import responses.csv --preview
    ///   baton surveys import responses.csv
    #[command(verbatim_doc_comment)]
    Import {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Show what each row would become; record nothing.
        #[arg(long)]
        preview: bool,
    },
    /// The responses no account was found for (the review list).
    Unmatched,
    /// Assign an unmatched response to an account, which records it (an
    /// NPS response as the account's NPS).
    ///
    /// e.g.
    ///   baton surveys assign 3f2a…  A-1
    #[command(verbatim_doc_comment)]
    Assign {
        /// The response's id, as `baton surveys unmatched` lists it.
        id: String,
        /// The account's id.
        account: String,
    },
    /// Set the survey webhook's signing secret for this org (at least 32
    /// characters), read from standard input. Point the survey tool at
    /// https://BATON/api/v1/inbound/surveys/ORG.
    ///
    /// e.g.
    ///   openssl rand -hex 32 | tee secret.txt | baton surveys secret
    #[command(verbatim_doc_comment)]
    Secret,
}

/// `baton surveys mapping …`.
#[derive(Debug, Subcommand)]
pub enum MappingCommand {
    /// Set the mapping: name the export's columns as its first header row
    /// spells them.
    ///
    /// e.g. (Qualtrics)
    ///   baton surveys mapping set --header-rows 3 --response-id ResponseId \
    ///     --email RecipientEmail --account ExternalReference --score Q1 \
    ///     --date RecordedDate --comment Q2 --domain northwind.com=A-1
    #[command(verbatim_doc_comment)]
    Set(MappingArgs),
    /// Show the mapping.
    Show,
}

/// A column mapping from the command line.
#[derive(Debug, Args)]
pub struct MappingArgs {
    /// nps (0–10) or csat (1–5).
    #[arg(long, default_value = "nps")]
    kind: String,
    /// Rows at the top that are headers (column names are the first's).
    #[arg(long, default_value_t = 1)]
    header_rows: u32,
    /// The column of the tool's response id.
    #[arg(long)]
    response_id: Option<String>,
    /// The column naming the Baton account id.
    #[arg(long)]
    account: Option<String>,
    /// The column of the respondent's email.
    #[arg(long)]
    email: Option<String>,
    /// The column of the score.
    #[arg(long)]
    score: String,
    /// The column of the date or time.
    #[arg(long)]
    date: String,
    /// The column of the comment.
    #[arg(long)]
    comment: Option<String>,
    /// An email domain and its account, DOMAIN=ACCOUNT (repeatable).
    #[arg(long = "domain")]
    domains: Vec<String>,
}

impl MappingArgs {
    fn mapping(self) -> Result<ColumnMapping> {
        let mut domains = BTreeMap::new();
        for d in &self.domains {
            let (domain, account) = d.split_once('=').ok_or_else(|| {
                anyhow!("--domain {d}: give DOMAIN=ACCOUNT, e.g. northwind.com=A-1")
            })?;
            domains.insert(domain.to_string(), AccountId::parse(account)?);
        }
        Ok(ColumnMapping {
            kind: SurveyKind::parse(&self.kind)?,
            header_rows: self.header_rows,
            response_id: self.response_id,
            account: self.account,
            email: self.email,
            score: self.score,
            date: self.date,
            comment: self.comment,
            domains,
        })
    }
}

fn show(m: &ColumnMapping) {
    println!("kind: {}", m.kind.as_str());
    println!("header rows: {}", m.header_rows);
    for (what, col) in m.columns() {
        println!("{what}: {col}");
    }
    for (domain, account) in &m.domains {
        println!("domain {domain}: {account}");
    }
}

/// Runs a `baton surveys` command.
pub async fn run(app: &App, args: SurveysArgs) -> Result<()> {
    let caller = admin(app, args.who).await?;
    match args.command {
        SurveysCommand::Mapping(MappingCommand::Set(m)) => {
            let m = app.set_survey_mapping(&caller, m.mapping()?).await?;
            show(&m);
        }
        SurveysCommand::Mapping(MappingCommand::Show) => match app.survey_mapping(&caller).await? {
            Some(m) => show(&m),
            None => println!("No survey mapping is set; set one with `baton surveys mapping set`."),
        },
        SurveysCommand::Import { file, preview } => {
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            if preview {
                for r in app.preview_survey_csv(&caller, f).await? {
                    println!(
                        "line {}  {}  {}  {}",
                        r.line,
                        r.outcome,
                        r.account.as_ref().map_or("-", |a| a.as_str()),
                        r.detail
                    );
                }
                println!("Nothing was recorded (a preview).");
            } else {
                let done = app.import_survey_csv(&caller, f).await?;
                println!(
                    "{} responses: {} recorded, {} unmatched (see baton surveys unmatched), {} imported before.",
                    done.rows, done.recorded, done.unmatched, done.duplicates
                );
            }
        }
        SurveysCommand::Unmatched => {
            let list = app.unmatched_surveys(&caller).await?;
            if list.is_empty() {
                println!("No unmatched survey response.");
            }
            for r in list {
                println!(
                    "{}  {} {}  {}  {}  {}: {}",
                    r.key,
                    r.kind,
                    r.score,
                    r.responded_at,
                    r.email
                        .as_deref()
                        .or(r.named_account.as_deref())
                        .unwrap_or("-"),
                    r.source,
                    r.detail
                );
            }
        }
        SurveysCommand::Assign { id, account } => {
            let r = app
                .assign_survey(&caller, &id, &AccountId::parse(&account)?)
                .await?;
            println!("{}: {}", r.key, r.detail);
        }
        SurveysCommand::Secret => {
            let mut secret = String::new();
            std::io::stdin()
                .read_to_string(&mut secret)
                .context("cannot read the secret from standard input")?;
            app.set_survey_secret(&caller, &secret).await?;
            eprintln!(
                "The survey webhook's secret is set for {}; point the survey tool at /api/v1/inbound/surveys/{}.",
                caller.org, caller.org
            );
        }
    }
    Ok(())
}
