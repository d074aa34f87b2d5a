//! Product usage per account per day. A day sent again replaces the one
//! before (a product corrects its counts), and one that says the same
//! changes nothing, so a file imported twice is a no-op.

use baton_domain::usage::UsageDay;
use baton_domain::{AccountId, OrgId, Timestamp};
use jiff::civil::Date;

use crate::sql_args::{Arg, Cols};
use crate::tx::Tx;
use crate::{Store, StoreError, micros};

/// What recording a batch of days did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageWritten {
    /// Days not known before.
    pub added: usize,
    /// Days known before with other figures, now replaced.
    pub updated: usize,
    /// Days known before with the same figures.
    pub unchanged: usize,
}

fn features_json(d: &UsageDay) -> String {
    serde_json::Value::from(d.features.iter().cloned().collect::<Vec<_>>()).to_string()
}

fn seats_arg(d: &UsageDay) -> Arg {
    d.seats.map(i64::from).into()
}

fn day_from(account: &AccountId, r: &dyn Cols) -> Result<UsageDay, StoreError> {
    let raw = r.text(0)?;
    let day: Date = raw
        .parse()
        .map_err(|_| StoreError::corrupt("usage day", &raw))?;
    let count = |i: usize, what: &str| -> Result<u32, StoreError> {
        let v = r.int(i)?;
        u32::try_from(v).map_err(|_| StoreError::corrupt(what, v))
    };
    let seats = match r.opt_int(2)? {
        Some(v) => Some(u32::try_from(v).map_err(|_| StoreError::corrupt("usage seats", v))?),
        None => None,
    };
    let features: Vec<String> = crate::read::json("usage features", &r.text(3)?)?;
    Ok(UsageDay {
        account: account.clone(),
        day,
        active_users: count(1, "usage active users")?,
        seats,
        features: features.into_iter().collect(),
    })
}

const COLUMNS: &str = "day, active_users, seats, features";

impl Store {
    /// Records `days` in one transaction: all of them or, on an error,
    /// none.
    pub async fn record_usage(
        &self,
        org: &OrgId,
        days: &[UsageDay],
        at: Timestamp,
    ) -> Result<UsageWritten, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut out = UsageWritten::default();
        {
            let mut conn = Tx::Any(&mut tx);
            for d in days {
                let key = [
                    Arg::from(org.to_string()),
                    Arg::from(d.account.to_string()),
                    Arg::from(d.day.to_string()),
                ];
                let was = conn
                    .row(
                        &format!(
                            "SELECT {COLUMNS} FROM usage_days
                             WHERE org_id = $1 AND account_id = $2 AND day = $3"
                        ),
                        &key,
                        |r| day_from(&d.account, r),
                    )
                    .await?;
                let mut args = key.to_vec();
                args.extend([
                    Arg::from(i64::from(d.active_users)),
                    seats_arg(d),
                    Arg::from(features_json(d)),
                    Arg::from(micros(at)),
                ]);
                match was {
                    Some(w) if w == *d => out.unchanged += 1,
                    Some(_) => {
                        conn.exec(
                            "UPDATE usage_days SET active_users = $4, seats = $5, features = $6,
                                 recorded_at = $7
                             WHERE org_id = $1 AND account_id = $2 AND day = $3",
                            &args,
                        )
                        .await?;
                        out.updated += 1;
                    }
                    None => {
                        conn.exec(
                            "INSERT INTO usage_days
                                 (org_id, account_id, day, active_users, seats, features,
                                  recorded_at)
                             VALUES ($1, $2, $3, $4, $5, $6, $7)",
                            &args,
                        )
                        .await?;
                        out.added += 1;
                    }
                }
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// A page of the org's usage days of every account, by account then
    /// day, after `after` (an export reads them all, a page at a time).
    pub async fn usage_page(
        &self,
        org: &OrgId,
        after: Option<&(AccountId, Date)>,
        limit: u32,
    ) -> Result<Vec<UsageDay>, StoreError> {
        let (account, day) = after.map_or((String::new(), String::new()), |(a, d)| {
            (a.to_string(), d.to_string())
        });
        self.rows(
            &format!(
                "SELECT {COLUMNS}, account_id FROM usage_days
                 WHERE org_id = $1 AND (account_id > $2 OR (account_id = $2 AND day > $3))
                 ORDER BY account_id, day LIMIT {}",
                limit.max(1)
            ),
            &[
                Arg::from(org.to_string()),
                Arg::from(account),
                Arg::from(day),
            ],
            |r| {
                let raw = r.text(4)?;
                let account = AccountId::parse(&raw)
                    .map_err(|_| StoreError::corrupt("usage account", &raw))?;
                day_from(&account, r)
            },
        )
        .await
    }

    /// The account's usage from `from` to `to` inclusive, oldest first.
    pub async fn usage_of(
        &self,
        org: &OrgId,
        account: &AccountId,
        from: Date,
        to: Date,
    ) -> Result<Vec<UsageDay>, StoreError> {
        self.rows(
            &format!(
                "SELECT {COLUMNS} FROM usage_days
                 WHERE org_id = $1 AND account_id = $2 AND day >= $3 AND day <= $4
                 ORDER BY day"
            ),
            &[
                Arg::from(org.to_string()),
                Arg::from(account.to_string()),
                Arg::from(from.to_string()),
                Arg::from(to.to_string()),
            ],
            |r| day_from(account, r),
        )
        .await
    }
}
