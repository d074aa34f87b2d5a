//! The org's reporting currency and exchange rates as projected from their
//! events (`fx_reporting`, `fx_rates`), and the reads the leak audit needs
//! to convert: which currencies the accounts are in.

use std::collections::BTreeMap;

use baton_domain::event::Event;
use baton_domain::fx::{FxBook, RateEntry};
use baton_domain::{Currency, OrgId, Rate};

use crate::{Store, StoreError, micros};

/// The rows a currency event writes, in the write transaction.
pub(crate) async fn project(
    tx: &mut crate::tx::Tx<'_>,
    org: &OrgId,
    event: &Event,
) -> Result<(), StoreError> {
    match event {
        Event::ReportingCurrencySet { currency, by, at } => {
            tx.exec(
                "INSERT INTO fx_reporting (org_id, currency, set_by, set_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (org_id) DO UPDATE SET currency = excluded.currency,
                     set_by = excluded.set_by, set_at = excluded.set_at",
                &[
                    org.to_string().into(),
                    currency.to_string().into(),
                    by.to_string().into(),
                    micros(*at).into(),
                ],
            )
            .await?;
        }
        Event::FxRateSet {
            currency,
            to,
            rate,
            effective,
            by,
            at,
        } => {
            tx.exec(
                "INSERT INTO fx_rates (org_id, currency, to_currency, effective, rate, set_by, set_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (org_id, currency, to_currency, effective) DO UPDATE SET
                     rate = excluded.rate, set_by = excluded.set_by, set_at = excluded.set_at",
                &[
                    org.to_string().into(),
                    currency.to_string().into(),
                    to.to_string().into(),
                    effective.to_string().into(),
                    rate.to_string().into(),
                    by.to_string().into(),
                    micros(*at).into(),
                ],
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}

fn currency(what: &str, raw: &str) -> Result<Currency, StoreError> {
    Currency::parse(raw).map_err(|e| StoreError::corrupt(what, e))
}

impl Store {
    /// The org's currency settings, with the org stream's version (what a
    /// new currency event must follow).
    pub async fn fx_book(&self, org: &OrgId) -> Result<(FxBook, u64), StoreError> {
        let o = org.to_string();
        let version: Option<i64> =
            sqlx::query_scalar("SELECT stream_version FROM orgs WHERE org_id = $1")
                .bind(o.clone())
                .fetch_optional(&self.read)
                .await?;
        let reporting: Option<String> =
            sqlx::query_scalar("SELECT currency FROM fx_reporting WHERE org_id = $1")
                .bind(o.clone())
                .fetch_optional(&self.read)
                .await?;
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT currency, to_currency, effective, rate FROM fx_rates WHERE org_id = $1
             ORDER BY currency, to_currency, effective",
        )
        .bind(o)
        .fetch_all(&self.read)
        .await?;
        let rates = rows
            .into_iter()
            .map(|(c, to, effective, rate)| {
                Ok(RateEntry {
                    currency: currency("fx rate", &c)?,
                    to: currency("fx rate", &to)?,
                    effective: effective
                        .parse()
                        .map_err(|e| StoreError::corrupt("fx rate date", e))?,
                    rate: Rate::parse(&rate).map_err(|e| StoreError::corrupt("fx rate", e))?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let reporting = reporting
            .map(|c| currency("reporting currency", &c))
            .transpose()?;
        let version = u64::try_from(version.unwrap_or(0)).unwrap_or(0);
        Ok((FxBook::new(reporting, rates), version))
    }

    /// How many of the org's accounts are in each currency (the default
    /// reporting currency is the most common one).
    pub async fn account_currencies(
        &self,
        org: &OrgId,
    ) -> Result<BTreeMap<Currency, u64>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT currency, CAST(COUNT(*) AS BIGINT) FROM accounts WHERE org_id = $1 GROUP BY currency",
        )
        .bind(org.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(c, n)| {
                Ok((
                    currency("account currency", &c)?,
                    u64::try_from(n).unwrap_or(0),
                ))
            })
            .collect()
    }
}
