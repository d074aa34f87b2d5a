//! Product usage in: what the customer's product reports per account per
//! day, from `POST /api/v1/signals/usage` or a CSV/JSON Lines file
//! (`baton usage import FILE`), and the adoption summary the
//! onboarding-to-cs form shows beside its telemetry fields.
//!
//! ```text
//! account,day,active_users,seats,features
//! A-1,2026-11-02,12,40,reports;api
//! ```
//!
//! ```text
//! {"account":"A-1","day":"2026-11-02","active_users":12,"seats":40,"features":["reports","api"]}
//! ```
//!
//! Every row is checked first (the account exists, the day is a day that
//! has begun, the figures are possible, no day twice); if any is bad, each
//! bad row is named and nothing is recorded. A day sent again replaces the
//! one before, and the same figures change nothing.

use std::collections::BTreeSet;

use baton_domain::usage::{Adoption, UsageDay, latest_day, window_ending};
use baton_domain::{AccountId, HandoffId};
use baton_store::UsageWritten;
use jiff::civil::Date;
use serde::Deserialize;

use crate::csv_table::{CsvTable, Lines};
use crate::{App, AppError, Caller};

/// Most days one request or file may carry.
pub const MAX_DAYS: usize = 50_000;

/// Most bad rows listed.
const MAX_REPORTED: usize = 200;

/// One day of usage as sent, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentDay {
    /// The account's id.
    pub account: String,
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// People who used the product that day.
    pub active_users: u32,
    /// Seats paid for that day.
    #[serde(default)]
    pub seats: Option<u32>,
    /// The key features used that day.
    #[serde(default)]
    pub features: Vec<String>,
}

/// What recording usage did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageRecorded {
    /// Days received.
    pub days: usize,
    /// What the store did with them.
    pub written: UsageWritten,
}

/// An account's usage over a window, and the summary of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountUsage {
    /// The days reported, oldest first.
    pub days: Vec<UsageDay>,
    /// What they add up to.
    pub adoption: Adoption,
}

impl App {
    /// Records days of usage (any member: the product's integration holds
    /// a token). `sent` pairs each day with the row that names it in an
    /// error (a file's line, a request's item number). All or nothing.
    pub async fn record_usage(
        &self,
        caller: &Caller,
        sent: Vec<(u64, SentDay)>,
    ) -> Result<UsageRecorded, AppError> {
        self.record_checked(caller, sent, Vec::new()).await
    }

    /// Records `sent` unless it or `errors` (rows that could not be read)
    /// name a bad row; then every bad row is named, in row order.
    async fn record_checked(
        &self,
        caller: &Caller,
        sent: Vec<(u64, SentDay)>,
        mut errors: Vec<(u64, String)>,
    ) -> Result<UsageRecorded, AppError> {
        self.actor(caller).await?;
        if sent.len() > MAX_DAYS {
            return Err(AppError::Invalid(format!(
                "{} days in one go; at most {MAX_DAYS}: split the file or request",
                sent.len()
            )));
        }
        let today = latest_day(self.now());
        let mut days = Vec::with_capacity(sent.len());
        let mut seen: BTreeSet<(AccountId, Date)> = BTreeSet::new();
        for (row, s) in sent {
            match checked(&s, today) {
                Ok(d) if !seen.insert((d.account.clone(), d.day)) => errors.push((
                    row,
                    format!(
                        "account '{}' on {} is sent twice: send each day once",
                        d.account, d.day
                    ),
                )),
                Ok(d) => days.push((row, d)),
                Err(why) => errors.push((row, why)),
            }
        }
        let ids: BTreeSet<&AccountId> = seen.iter().map(|(a, _)| a).collect();
        let ids: Vec<AccountId> = ids.into_iter().cloned().collect();
        let known: BTreeSet<AccountId> = self
            .store
            .accounts_by_id(&caller.org, &ids)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect();
        for (row, d) in &days {
            if !known.contains(&d.account) {
                errors.push((
                    *row,
                    format!(
                        "account '{}' does not exist in this org: create it first",
                        d.account
                    ),
                ));
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.0);
            errors.truncate(MAX_REPORTED);
            return Err(AppError::Import(errors));
        }
        let days: Vec<UsageDay> = days.into_iter().map(|(_, d)| d).collect();
        let written = self
            .store
            .record_usage(&caller.org, &days, self.now())
            .await?;
        Ok(UsageRecorded {
            days: days.len(),
            written,
        })
    }

    /// Records the days of a CSV or JSON Lines file (told apart by its
    /// first character: `{` starts JSON Lines), each bad line named.
    pub async fn import_usage(
        &self,
        caller: &Caller,
        text: &str,
    ) -> Result<UsageRecorded, AppError> {
        let (sent, errors) = if text.trim_start().starts_with('{') {
            jsonl_days(text)
        } else {
            csv_days(text)?
        };
        self.record_checked(caller, sent, errors).await
    }

    /// The account's usage from `from` to `to` (by default today, and 89
    /// days before `to`: the 90 days up to it).
    pub async fn account_usage(
        &self,
        caller: &Caller,
        account: &AccountId,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<AccountUsage, AppError> {
        self.actor(caller).await?;
        crate::accounts::existing(
            self.store
                .accounts_by_id(&caller.org, std::slice::from_ref(account))
                .await?
                .first(),
            account,
        )?;
        let to = to.unwrap_or_else(|| latest_day(self.now()));
        let from = from.unwrap_or_else(|| window_ending(to).0);
        if from > to {
            return Err(AppError::Invalid(format!(
                "the window starts on {from}, after it ends on {to}"
            )));
        }
        let days = self.store.usage_of(&caller.org, account, from, to).await?;
        let adoption = Adoption::of(&days, from, to);
        Ok(AccountUsage { days, adoption })
    }

    /// The usage a handoff's sender sees beside its telemetry fields: the
    /// 90 days up to its submission (today for a draft).
    pub async fn handoff_usage(
        &self,
        caller: &Caller,
        id: &HandoffId,
    ) -> Result<AccountUsage, AppError> {
        let (view, _, _) = self.handoff_detail(caller, id).await?;
        let h = &view.handoff;
        let end = h.submissions.last().map_or_else(
            || latest_day(self.now()),
            |s| s.at.to_zoned(jiff::tz::TimeZone::UTC).date(),
        );
        self.account_usage(caller, &h.account, None, Some(end))
            .await
    }
}

/// A sent day checked against the domain's rules, or why not.
fn checked(s: &SentDay, today: Date) -> Result<UsageDay, String> {
    let account = AccountId::parse(s.account.trim()).map_err(|e| format!("account: {e}"))?;
    let day: Date = s.day.trim().parse().map_err(|_| {
        format!(
            "day '{}' is not a day: write it as YYYY-MM-DD, e.g. 2026-11-02",
            s.day
        )
    })?;
    let d = UsageDay {
        account,
        day,
        active_users: s.active_users,
        seats: s.seats,
        features: s.features.iter().cloned().collect(),
    };
    match d.problem(today) {
        Some(why) => Err(why),
        None => Ok(d),
    }
}

/// The days of a file and its lines that could not be read.
type ReadDays = Lines<SentDay>;

/// The days of a JSON Lines file, by line; blank lines are skipped.
fn jsonl_days(text: &str) -> ReadDays {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<SentDay>(line) {
            Ok(d) => out.push((n, d)),
            Err(e) => errors.push((n, format!("not a usage day: {e}"))),
        }
    }
    (out, errors)
}

/// The days of a CSV file with the header
/// `account,day,active_users,seats,features` (features separated by `;`);
/// a header it cannot use is an error of its own.
fn csv_days(text: &str) -> Result<ReadDays, AppError> {
    let table = CsvTable::read(
        text.as_bytes(),
        &["account", "day", "active_users"],
        Some(&["account", "day", "active_users", "seats", "features"]),
    )
    .map_err(|e| AppError::Import(vec![e]))?;
    let count = |name: &str, raw: &str| -> Result<u32, String> {
        raw.parse()
            .map_err(|_| format!("{name} '{raw}' is not a whole number of people"))
    };
    Ok(table.each(|row| {
        Ok(SentDay {
            account: row.get("account").to_string(),
            day: row.get("day").to_string(),
            active_users: count("active_users", row.get("active_users"))?,
            seats: row.filled("seats").map(|s| count("seats", s)).transpose()?,
            features: row
                .get("features")
                .split(';')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
        })
    }))
}
