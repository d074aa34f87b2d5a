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
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(input);
        let headers = reader
            .headers()
            .map_err(|e| AppError::Import(vec![(1, format!("cannot read the header: {e}"))]))?
            .clone();
        let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
        let (Some(account), Some(at), Some(event)) =
            (column("account"), column("date"), column("event"))
        else {
            return Err(AppError::Import(vec![(
                1,
                "the header must name account, date and event (and arr, currency for ARR rows)"
                    .into(),
            )]));
        };
        let (arr, currency) = (column("arr"), column("currency"));
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        for (i, record) in reader.records().enumerate() {
            // The header is line 1.
            let line = i as u64 + 2;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    errors.push((line, format!("cannot read the row: {e}")));
                    continue;
                }
            };
            let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).unwrap_or("").trim();
            let row = (|| {
                let id = cell(Some(account));
                if id.is_empty() {
                    return Err("no account".to_string());
                }
                let at = crate::import_csv::time(cell(Some(at)))?;
                if at > now {
                    return Err(format!("{at} lies in the future (now is {now})"));
                }
                let change = match cell(Some(event)).to_ascii_lowercase().as_str() {
                    "churn" => BillingChange::Churned { at },
                    "arr" => {
                        let text = format!("{} {}", cell(arr), cell(currency).to_uppercase());
                        let arr = Money::parse_text(&text)
                            .map_err(|e| format!("{e} (the arr and currency columns)"))?;
                        BillingChange::Arr { arr, at }
                    }
                    other => return Err(format!("event '{other}' is neither 'arr' nor 'churn'")),
                };
                // The row's content is its key: the same row imported
                // again is the same event.
                let digest = Sha256::digest(format!("{id}|{at}|{change:?}").as_bytes());
                let key: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
                Ok(Incoming {
                    source: CSV,
                    id: format!("csv_{key}"),
                    kind: cell(Some(event)).to_ascii_lowercase(),
                    created: at,
                    subject: None,
                    account: Some(id.to_string()),
                    change: Ok(Some(change)),
                })
            })();
            match row {
                Ok(r) => rows.push(r),
                Err(why) => errors.push((line, why)),
            }
        }
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
