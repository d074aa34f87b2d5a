//! History from a CRM report: one CSV row per handoff of one contract,
//! turned into SPEC §9 events and imported by the same all-or-nothing path
//! as JSON Lines. Errors name the CSV row (the header is row 1).
//!
//! Columns (by header name, any order, each header once: headers compare
//! without case, and a duplicated one is refused, naming its columns):
//! `handoff_id`, `account_id`,
//! `sender` and `submitted_at` are required; `deal_id` (the opportunity
//! the handoff stands for: its gate is then per deal), `account_name`,
//! `account_arr` (`48000.00 USD`), `receiver`, `accepted_at`, `rejected_at` and
//! `rejection_reason` are optional; every other column is a field key of the
//! contract, its cell the field's value (empty: no value). Times are RFC 3339
//! (`2026-10-01T09:00:00Z`) or a date (`2026-10-01`, midnight UTC). A row
//! rejected and later accepted is recorded as submitted, rejected,
//! resubmitted at acceptance, accepted.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use baton_domain::{ContractKey, Money, OrgId, Timestamp};
use serde_json::{Value, json};

use crate::csv_table::CsvTable;
use crate::import::ImportSummary;
use crate::{App, AppError};

const KNOWN: [&str; 11] = [
    "handoff_id",
    "account_id",
    "deal_id",
    "account_name",
    "account_arr",
    "sender",
    "receiver",
    "submitted_at",
    "accepted_at",
    "rejected_at",
    "rejection_reason",
];

/// A time (`2026-10-01T09:00:00Z`), a date and time without an offset read
/// as UTC (`2026-10-01 09:00:00`, as spreadsheets and survey tools write
/// them), or a day at midnight UTC (`2026-10-01`).
pub(crate) fn time(raw: &str) -> Result<Timestamp, String> {
    let raw = raw.trim();
    if let Ok(t) = raw.parse::<Timestamp>() {
        return Ok(t);
    }
    // A civil date and time before a bare date: jiff reads a date out of a
    // datetime by dropping its time, which would move it to midnight.
    raw.parse::<jiff::civil::DateTime>()
        .ok()
        .or_else(|| raw.parse::<jiff::civil::Date>().ok().map(|d| d.to_datetime(jiff::civil::Time::midnight())))
        .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .ok_or_else(|| {
            format!(
                "'{raw}' is not a time like 2026-10-01T09:00:00Z or 2026-10-01 09:00:00 (UTC), or a date like 2026-10-01"
            )
        })
}

/// One event to import: when, the row it came from, its order in the row.
type Planned = (Timestamp, u64, u8, Value);

/// Something with the CSV row it is about: a §9 line, or an error.
pub type RowText = (u64, String);

/// Turns the CSV into §9 lines, each with the row it came from.
pub fn csv_to_lines(
    contract: &ContractKey,
    input: impl Read,
) -> Result<Vec<RowText>, Vec<RowText>> {
    let table = CsvTable::read(
        input,
        &["handoff_id", "account_id", "sender", "submitted_at"],
        None,
    )
    .map_err(|e| vec![e])?;
    let mut events: Vec<Planned> = Vec::new();
    let mut accounts: BTreeMap<String, (u64, Value)> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let (_, errors) = table.each(|csv_row| {
        let row = csv_row.line();
        let cell = |name: &str| csv_row.filled(name);
        let id = cell("handoff_id").ok_or("handoff_id is empty")?;
        if !seen.insert(id.to_string()) {
            return Err(format!("handoff '{id}' appears on an earlier row"));
        }
        let account = cell("account_id").ok_or("account_id is empty")?;
        let sender = cell("sender").ok_or("sender is empty")?;
        let s = time(cell("submitted_at").ok_or("submitted_at is empty")?)
            .map_err(|e| format!("submitted_at: {e}"))?;
        let a = cell("accepted_at")
            .map(time)
            .transpose()
            .map_err(|e| format!("accepted_at: {e}"))?;
        let r = cell("rejected_at")
            .map(time)
            .transpose()
            .map_err(|e| format!("rejected_at: {e}"))?;
        let receiver = cell("receiver");
        if (a.is_some() || r.is_some()) && receiver.is_none() {
            return Err("receiver is empty but the row has a decision".into());
        }
        for (name, t) in [("accepted_at", a), ("rejected_at", r)] {
            if t.is_some_and(|t| t < s) {
                return Err(format!("{name} is before submitted_at"));
            }
        }
        if let (Some(a), Some(r)) = (a, r)
            && a < r
        {
            return Err("accepted_at is before rejected_at".into());
        }
        if let Some(name) = cell("account_name") {
            let mut acc = json!({"type": "account", "id": account, "name": name});
            if let Some(arr) = cell("account_arr") {
                let m = Money::parse_text(arr).map_err(|e| format!("account_arr: {e}"))?;
                acc["arr"] = serde_json::to_value(m).map_err(|e| e.to_string())?;
            } else {
                return Err("account_arr is empty while account_name is given".into());
            }
            accounts.insert(account.to_string(), (row, acc));
        }
        let values: BTreeMap<&str, &str> = csv_row
            .cells()
            .filter(|(h, v)| !KNOWN.contains(h) && !v.is_empty())
            .collect();
        let mut submitted = json!({"type": "submitted", "handoff": id, "contract": contract,
                "account": account, "by": sender, "at": s, "values": values});
        if let Some(deal) = cell("deal_id") {
            submitted["deal"] = json!(deal);
        }
        events.push((s, row, 0, submitted));
        let receiver = receiver.unwrap_or_default();
        if let Some(r) = r {
            let reason = cell("rejection_reason").unwrap_or("rejected in the CRM");
            events.push((
                r,
                row,
                1,
                json!({"type": "rejected", "handoff": id, "by": receiver, "at": r,
                           "code": "other", "reason": reason}),
            ));
            if let Some(a) = a {
                events.push((
                    a,
                    row,
                    2,
                    json!({"type": "submitted", "handoff": id, "by": sender, "at": a}),
                ));
            }
        }
        if let Some(a) = a {
            events.push((
                a,
                row,
                3,
                json!({"type": "accepted", "handoff": id, "by": receiver, "at": a}),
            ));
        }
        Ok(())
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    events.sort_by_key(|x| (x.0, x.1, x.2));
    let mut out: Vec<(u64, String)> = accounts
        .into_values()
        .map(|(row, v)| (row, v.to_string()))
        .collect();
    out.extend(
        events
            .into_iter()
            .map(|(_, row, _, v)| (row, v.to_string())),
    );
    Ok(out)
}

impl App {
    /// Imports a CRM report of one contract's handoffs (see the module
    /// docs), all or nothing; errors name CSV rows.
    pub async fn import_handoffs_csv(
        &self,
        org: OrgId,
        contract: &ContractKey,
        input: impl Read,
    ) -> Result<ImportSummary, AppError> {
        if self.store.contract(&org, contract).await?.is_none() {
            return Err(AppError::NotFound(format!("contract '{contract}'")));
        }
        let lines = csv_to_lines(contract, input).map_err(AppError::Import)?;
        let rows: Vec<u64> = lines.iter().map(|(r, _)| *r).collect();
        let text: String = lines.iter().map(|(_, l)| format!("{l}\n")).collect();
        self.import_events(Some(org), text.as_bytes())
            .await
            .map_err(|e| match e {
                AppError::Import(errors) => {
                    let mut by_row: Vec<(u64, String)> = errors
                        .into_iter()
                        .map(|(line, why)| {
                            let row = usize::try_from(line)
                                .ok()
                                .and_then(|l| rows.get(l.wrapping_sub(1)))
                                .copied()
                                .unwrap_or(line);
                            (row, why)
                        })
                        .collect();
                    by_row.sort();
                    by_row.dedup();
                    AppError::Import(by_row)
                }
                other => other,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_time_keeps_its_clock_time_and_a_day_is_midnight_utc() {
        let t = |raw: &str| time(raw).map(|t| t.to_string());
        assert_eq!(
            t("2026-09-14T10:22:31Z").as_deref(),
            Ok("2026-09-14T10:22:31Z")
        );
        assert_eq!(
            t("2026-09-14 10:22:31").as_deref(),
            Ok("2026-09-14T10:22:31Z")
        );
        assert_eq!(t("2026-09-14T10:22").as_deref(), Ok("2026-09-14T10:22:00Z"));
        assert_eq!(t(" 2026-09-14 ").as_deref(), Ok("2026-09-14T00:00:00Z"));
        assert!(time("yesterday").unwrap_err().contains("'yesterday'"));
    }
}
