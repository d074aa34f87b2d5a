//! Billing signals from any billing system, as a CSV of ARR changes and
//! churns by account (`baton billing import FILE`): the same decisions as
//! Stripe's webhooks (`domain::billing::decide`), so rows may come in any
//! order and a file imported twice changes nothing the second time.
//!
//! ```text
//! account,date,event,arr,currency
//! A-1,2026-09-01,arr,12000.00,USD
//! A-1,2026-10-15,churn,,
//! ```
//!
//! `date` is a day (`2026-09-01`, midnight UTC) or a time
//! (`2026-09-01T09:30:00Z`); `event` is `arr` (with `arr` in major units
//! and its `currency`) or `churn` (ARR lost: the account's ARR as it
//! stands). Every bad row is named with its line, and then nothing is
//! applied.

use std::io::Read;

use baton_domain::Money;
use baton_domain::billing::BillingChange;
use sha2::{Digest, Sha256};

use crate::billing::Incoming;
use crate::csv_table::CsvTable;
use crate::{App, AppError, Caller};

/// The source CSV rows are recorded under.
pub const CSV: &str = "csv";

/// Most bad rows listed.
const MAX_REPORTED: usize = 200;

/// What a billing CSV import did, row by row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillingImport {
    /// Rows read.
    pub rows: usize,
    /// Rows that changed an account.
    pub applied: usize,
    /// Rows that changed nothing (stale, unchanged, after the churn).
    pub ignored: usize,
    /// Rows naming no account of the org (kept in the billing log).
    pub unmatched: usize,
    /// Rows imported before (a file imported again).
    pub duplicates: usize,
}

impl App {
    /// Imports a billing CSV (admins only): every row checked first, then
    /// each applied once through the billing rules.
    pub async fn import_billing_csv(
        &self,
        caller: &Caller,
        input: impl Read,
    ) -> Result<BillingImport, AppError> {
        self.actor(caller)
            .await?
            .require_admin("import billing data")?;
        let now = self.now();
        let table = CsvTable::read(input, &["account", "date", "event"], None)
            .map_err(|e| AppError::Import(vec![e]))?;
        let (rows, mut errors) = table.each(|row| {
            let id = row.get("account");
            if id.is_empty() {
                return Err("no account".to_string());
            }
            let at = crate::import_csv::time(row.get("date"))?;
            if at > now {
                return Err(format!("{at} lies in the future (now is {now})"));
            }
            let event = row.get("event").to_ascii_lowercase();
            let change = match event.as_str() {
                "churn" => BillingChange::Churned { at },
                "arr" => {
                    let text = format!("{} {}", row.get("arr"), row.get("currency").to_uppercase());
                    let arr = Money::parse_text(&text)
                        .map_err(|e| format!("{e} (the arr and currency columns)"))?;
                    BillingChange::Arr { arr, at }
                }
                other => return Err(format!("event '{other}' is neither 'arr' nor 'churn'")),
            };
            // The row's content is its key: the same row imported again is
            // the same event.
            let digest = Sha256::digest(format!("{id}|{at}|{change:?}").as_bytes());
            let key: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
            Ok(Incoming {
                source: CSV,
                id: format!("csv_{key}"),
                kind: event,
                created: at,
                subject: None,
                account: Some(id.to_string()),
                change: Ok(Some(change)),
            })
        });
        let mut rows: Vec<Incoming> = rows.into_iter().map(|(_, r)| r).collect();
        if !errors.is_empty() {
            errors.truncate(MAX_REPORTED);
            return Err(AppError::Import(errors));
        }
        // A file is there whole: its rows apply in time order, so the order
        // they were written in does not matter.
        rows.sort_by_key(|r| r.created);
        let mut done = BillingImport {
            rows: rows.len(),
            ..BillingImport::default()
        };
        for row in &rows {
            if self
                .store
                .billing_event(&caller.org, CSV, &row.id)
                .await?
                .is_some()
            {
                done.duplicates += 1;
                continue;
            }
            let stream = row
                .account
                .as_deref()
                .and_then(|a| baton_domain::AccountId::parse(a).ok())
                .map(|a| baton_domain::event::Stream::Account(a).to_string())
                .unwrap_or_default();
            let received = self
                .retrying(&caller.org, &stream, || {
                    self.apply_billing(&caller.org, row)
                })
                .await?;
            match received.outcome.as_str() {
                "applied" => done.applied += 1,
                "unmatched" => done.unmatched += 1,
                _ if received.duplicate => done.duplicates += 1,
                _ => done.ignored += 1,
            }
        }
        Ok(done)
    }
}
