//! The scorecard's stored sums (DESIGN §3). After every change, each touched
//! account's contribution is recomputed by the domain from its data as the
//! transaction sees it, and its old contribution is replaced in the sums:
//! reading a scorecard is then a lookup of a few rows at any size, and late
//! data (an incident weeks later, an out-of-order import) moves past periods
//! by exactly its delta.

use std::collections::{BTreeMap, BTreeSet};

use baton_domain::period::Period;
use baton_domain::scorecard::{Cell, NpsPool, account_cells, at_risk};
use baton_domain::{AccountId, ContractKey, Currency, Money, OrgId};
use sqlx::{Any, AnyConnection, AssertSqlSafe, Row, Transaction};

use crate::facts::load_account_data;
use crate::{Backend, Store, StoreError, placeholders};

/// Accounts per statement.
const CHUNK: usize = 500;

/// The signed difference `new - old` of the additive columns, in the order
/// of [`SUM_COLUMNS`].
fn delta(new: &Cell, old: &Cell) -> [i64; 17] {
    let v = |c: &Cell| -> [i64; 17] {
        [
            c.completion_num as i64,
            c.completion_den as i64,
            c.acceptance_num as i64,
            c.acceptance_den as i64,
            c.durations.len() as i64,
            c.rediscovery_num as i64,
            c.rediscovery_den as i64,
            c.nps_before.promoters as i64,
            c.nps_before.detractors as i64,
            c.nps_before.responses as i64,
            c.nps_after.promoters as i64,
            c.nps_after.detractors as i64,
            c.nps_after.responses as i64,
            c.leak_num as i64,
            c.leak_den as i64,
            c.arr_leaked_minor,
            0,
        ]
    };
    let (n, o) = (v(new), v(old));
    let mut d = [0; 17];
    for i in 0..17 {
        d[i] = n[i] - o[i];
    }
    d
}

const SUM_COLUMNS: [&str; 16] = [
    "completion_num",
    "completion_den",
    "acceptance_num",
    "acceptance_den",
    "durations_n",
    "rediscovery_num",
    "rediscovery_den",
    "before_promoters",
    "before_detractors",
    "before_responses",
    "after_promoters",
    "after_detractors",
    "after_responses",
    "leak_num",
    "leak_den",
    "arr_leaked_minor",
];

fn list(backend: Backend, first: usize, ids: &[String]) -> String {
    placeholders(backend, first, ids.len())
}

/// Recomputes the contribution of `accounts` and replaces their old one in
/// the sums, inside the caller's transaction.
pub(crate) async fn refresh(
    tx: &mut Transaction<'static, Any>,
    backend: Backend,
    org: &OrgId,
    accounts: &BTreeSet<AccountId>,
) -> Result<(), StoreError> {
    if accounts.is_empty() {
        return Ok(());
    }
    let accounts: Vec<AccountId> = accounts.iter().cloned().collect();
    let o = org.to_string();
    for chunk in accounts.chunks(CHUNK) {
        let conn: &mut AnyConnection = tx;
        let data = load_account_data(conn, backend, org, chunk).await?;
        let ids: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        // Old contributions.
        let sql = format!(
            "SELECT contract, period, cell FROM scorecard_parts WHERE org_id = {} AND account_id IN ({})",
            placeholders(backend, 1, 1),
            list(backend, 2, &ids)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(o.clone());
        for id in &ids {
            q = q.bind(id.clone());
        }
        let mut deltas: BTreeMap<(String, String), [i64; 17]> = BTreeMap::new();
        for row in q.fetch_all(&mut **tx).await? {
            let (contract, period, cell): (String, String, String) =
                (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
            let old: Cell = serde_json::from_str(&cell)
                .map_err(|e| StoreError::corrupt("scorecard part", e))?;
            let d = delta(&Cell::default(), &old);
            add(deltas.entry((contract, period)).or_insert([0; 17]), &d);
        }
        // New contributions.
        let mut parts: Vec<(String, String, String, String)> = Vec::new();
        let mut durations: Vec<(String, String, i64, String)> = Vec::new();
        let mut risks: Vec<(String, String, i64, String)> = Vec::new();
        for (account, d) in &data {
            for ((contract, period), cell) in account_cells(d) {
                let (k, p) = (contract.to_string(), period.to_string());
                add(
                    deltas.entry((k.clone(), p.clone())).or_insert([0; 17]),
                    &delta(&cell, &Cell::default()),
                );
                for s in &cell.durations {
                    durations.push((k.clone(), p.clone(), *s, account.to_string()));
                }
                let json = serde_json::to_string(&cell)
                    .map_err(|e| StoreError::corrupt("scorecard part", e))?;
                parts.push((account.to_string(), k, p, json));
            }
            if let Some(arr) = &d.arr {
                for contract in at_risk(d) {
                    risks.push((
                        account.to_string(),
                        contract.to_string(),
                        arr.minor,
                        arr.currency.to_string(),
                    ));
                }
            }
        }
        for table in ["scorecard_parts", "scorecard_durations", "arr_at_risk"] {
            let sql = format!(
                "DELETE FROM {table} WHERE org_id = {} AND account_id IN ({})",
                placeholders(backend, 1, 1),
                list(backend, 2, &ids)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(o.clone());
            for id in &ids {
                q = q.bind(id.clone());
            }
            q.execute(&mut **tx).await?;
        }
        crate::commit::insert_many(
            tx,
            backend,
            (
                "INSERT INTO scorecard_parts (org_id, account_id, contract, period, cell) VALUES",
                5,
                "",
            ),
            &parts,
            |q, _, (a, k, p, c)| {
                Ok(q.bind(o.clone())
                    .bind(a.clone())
                    .bind(k.clone())
                    .bind(p.clone())
                    .bind(c.clone()))
            },
        )
        .await?;
        crate::commit::insert_many(
            tx,
            backend,
            ("INSERT INTO scorecard_durations (org_id, contract, period, seconds, account_id) VALUES", 5, ""),
            &durations,
            |q, _, (k, p, s, a)| Ok(q.bind(o.clone()).bind(k.clone()).bind(p.clone()).bind(*s).bind(a.clone())),
        )
        .await?;
        crate::commit::insert_many(
            tx,
            backend,
            ("INSERT INTO arr_at_risk (org_id, account_id, contract, arr_minor, currency) VALUES", 5, ""),
            &risks,
            |q, _, (a, k, m, c)| Ok(q.bind(o.clone()).bind(a.clone()).bind(k.clone()).bind(*m).bind(c.clone())),
        )
        .await?;
        let changed: Vec<((String, String), [i64; 17])> = deltas
            .into_iter()
            .filter(|(_, d)| d.iter().any(|x| *x != 0))
            .collect();
        let cols = SUM_COLUMNS.join(", ");
        let updates: Vec<String> = SUM_COLUMNS
            .iter()
            .map(|c| format!("{c} = scorecard_cells.{c} + excluded.{c}"))
            .collect();
        crate::commit::insert_many(
            tx,
            backend,
            (
                &format!("INSERT INTO scorecard_cells (org_id, contract, period, {cols}) VALUES"),
                3 + SUM_COLUMNS.len(),
                &format!(
                    "ON CONFLICT (org_id, contract, period) DO UPDATE SET {}",
                    updates.join(", ")
                ),
            ),
            &changed,
            |mut q, _, ((k, p), d)| {
                q = q.bind(o.clone()).bind(k.clone()).bind(p.clone());
                for v in d.iter().take(SUM_COLUMNS.len()) {
                    q = q.bind(*v);
                }
                Ok(q)
            },
        )
        .await?;
    }
    prune(tx, org).await
}

/// The accounts a change touches: those upserted and those of its handoffs.
pub(crate) fn touched(change: &crate::Change) -> BTreeSet<AccountId> {
    change
        .accounts
        .iter()
        .map(|a| a.id.clone())
        .chain(change.handoffs.iter().map(|h| h.account.clone()))
        .collect()
}

/// Drops sums that went back to nothing, so stored cells are exactly those a
/// fresh recompute would write.
pub(crate) async fn prune(
    tx: &mut Transaction<'static, Any>,
    org: &OrgId,
) -> Result<(), StoreError> {
    let zero: Vec<String> = SUM_COLUMNS.iter().map(|c| format!("{c} = 0")).collect();
    sqlx::query(AssertSqlSafe(format!(
        "DELETE FROM scorecard_cells WHERE org_id = $1 AND {}",
        zero.join(" AND ")
    )))
    .bind(org.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn add(into: &mut [i64; 17], d: &[i64; 17]) {
    for (a, b) in into.iter_mut().zip(d) {
        *a += b;
    }
}

/// Summed cells as read back: the additive sums plus the number of durations.
fn cell_from_row(row: &sqlx::any::AnyRow, first: usize) -> Result<(Cell, u64), StoreError> {
    let g = |i: usize| -> Result<u64, StoreError> {
        let v: i64 = row.try_get(first + i)?;
        Ok(u64::try_from(v).unwrap_or(0))
    };
    let cell = Cell {
        completion_num: g(0)?,
        completion_den: g(1)?,
        acceptance_num: g(2)?,
        acceptance_den: g(3)?,
        durations: Vec::new(),
        rediscovery_num: g(5)?,
        rediscovery_den: g(6)?,
        nps_before: NpsPool {
            promoters: g(7)?,
            detractors: g(8)?,
            responses: g(9)?,
        },
        nps_after: NpsPool {
            promoters: g(10)?,
            detractors: g(11)?,
            responses: g(12)?,
        },
        leak_num: g(13)?,
        leak_den: g(14)?,
        arr_leaked_minor: row.try_get(first + 15)?,
    };
    Ok((cell, g(4)?))
}

impl Store {
    /// Fills the scorecard sums of orgs that have handoffs but no sums yet
    /// (a database from before the sums existed), so an upgrade never shows
    /// an empty scorecard.
    pub(crate) async fn backfill_scorecard(&self) -> Result<(), StoreError> {
        let orgs: Vec<String> = sqlx::query_scalar(
            "SELECT o.org_id FROM orgs o WHERE EXISTS (SELECT 1 FROM handoffs h WHERE h.org_id = o.org_id)
             AND NOT EXISTS (SELECT 1 FROM scorecard_parts p WHERE p.org_id = o.org_id)",
        )
        .fetch_all(&self.write)
        .await?;
        for org in orgs {
            let org = OrgId::parse(org).map_err(|e| StoreError::corrupt("org id", e))?;
            let accounts = self.account_ids(&org).await?.into_iter().collect();
            let mut tx = self.write.begin().await?;
            refresh(&mut tx, self.backend, &org, &accounts).await?;
            tx.commit().await?;
            tracing::info!(org = %org, "filled the scorecard sums");
        }
        Ok(())
    }

    /// The summed cells of the org for the given periods (every contract),
    /// each with its number of durations but only the middle one or two of
    /// them (enough for the median): a handful of indexed reads whatever the
    /// org's size.
    pub async fn scorecard_cells(
        &self,
        org: &OrgId,
        periods: &[Period],
    ) -> Result<BTreeMap<(ContractKey, Period), (Cell, u64)>, StoreError> {
        let names: Vec<String> = periods.iter().map(ToString::to_string).collect();
        if names.is_empty() {
            return Ok(BTreeMap::new());
        }
        let sql = format!(
            "SELECT contract, period, {} FROM scorecard_cells WHERE org_id = {} AND period IN ({})",
            SUM_COLUMNS.join(", "),
            placeholders(self.backend, 1, 1),
            list(self.backend, 2, &names)
        );
        let mut q = sqlx::query(AssertSqlSafe(sql)).bind(org.to_string());
        for n in &names {
            q = q.bind(n.clone());
        }
        let rows = q.fetch_all(&self.read).await?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (contract, period): (String, String) = (row.try_get(0)?, row.try_get(1)?);
            let (mut cell, n) = cell_from_row(&row, 2)?;
            if n > 0 {
                // The median needs only the middle value(s), in order.
                let (offset, take) = if n % 2 == 1 {
                    ((n - 1) / 2, 1)
                } else {
                    (n / 2 - 1, 2)
                };
                let mid: Vec<i64> = sqlx::query_scalar(
                    "SELECT seconds FROM scorecard_durations WHERE org_id = $1 AND contract = $2 AND period = $3
                     ORDER BY seconds LIMIT $4 OFFSET $5",
                )
                .bind(org.to_string())
                .bind(contract.clone())
                .bind(period.clone())
                .bind(take as i64)
                .bind(offset as i64)
                .fetch_all(&self.read)
                .await?;
                cell.durations = mid;
            }
            let key =
                ContractKey::parse(contract).map_err(|e| StoreError::corrupt("scorecard", e))?;
            let period: Period = period
                .parse()
                .map_err(|e| StoreError::corrupt("scorecard", e))?;
            out.insert((key, period), (cell, n));
        }
        Ok(out)
    }

    /// ARR at risk per contract, summed over active accounts.
    pub async fn arr_at_risk(
        &self,
        org: &OrgId,
    ) -> Result<BTreeMap<ContractKey, Money>, StoreError> {
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT contract, CAST(SUM(arr_minor) AS BIGINT), MIN(currency) FROM arr_at_risk WHERE org_id = $1 GROUP BY contract",
        )
        .bind(org.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(k, minor, currency)| {
                Ok((
                    ContractKey::parse(k).map_err(|e| StoreError::corrupt("arr at risk", e))?,
                    Money {
                        minor,
                        currency: Currency::parse(&currency)
                            .map_err(|e| StoreError::corrupt("arr at risk", e))?,
                    },
                ))
            })
            .collect()
    }
}
