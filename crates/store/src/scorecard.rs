//! The scorecard's stored sums (DESIGN §3). After every change, each touched
//! account's contribution is recomputed by the domain from its data as the
//! transaction sees it, and its old contribution is replaced in the sums:
//! reading a scorecard is then a lookup of a few rows at any size, and late
//! data (an incident weeks later, an out-of-order import) moves past periods
//! by exactly its delta.
//!
//! Kept in one file (about 850 lines) on purpose: the stored sums, their
//! refresh per touched account and the reads of them keep one invariant (the
//! sums equal the fold of every account's contribution), and a reader who
//! changes one side must see the other.

use std::collections::{BTreeMap, BTreeSet};

use baton_domain::period::Period;
use baton_domain::scorecard::{Cell, NpsPool, account_cells, at_risk};
use baton_domain::{AccountId, ContractKey, Currency, Money, OrgId, Timestamp};

use crate::facts::load_account_data;
use crate::sql_args::{Arg, Cols};
use crate::tx::Tx;
use crate::{Backend, Store, StoreError, from_micros, micros, placeholders};

/// Accounts per statement.
const CHUNK: usize = 500;

/// The signed difference `new - old` of the additive columns, in the order
/// of [`SUM_COLUMNS`].
fn delta(new: &Cell, old: &Cell) -> [i64; 16] {
    let v = |c: &Cell| -> [i64; 16] {
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
            0,
        ]
    };
    let (n, o) = (v(new), v(old));
    let mut d = [0; 16];
    for i in 0..16 {
        d[i] = n[i] - o[i];
    }
    d
}

const SUM_COLUMNS: [&str; 15] = [
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
];

/// A scorecard part: (account, contract, period).
type PartKey = (String, String, String);

/// Deletes the rows of `table` (keyed by org, account, contract and
/// period) that belong to the parts `keys`, one prepared statement per
/// part: SQLite finds each by its index, where one statement for several
/// (row values or ORs) made it scan the org's rows of the table.
async fn delete_parts(
    tx: &mut Tx<'_>,
    org: &str,
    table: &str,
    keys: &[&PartKey],
) -> Result<(), StoreError> {
    let sql = format!(
        "DELETE FROM {table} WHERE org_id = $1 AND account_id = $2 AND contract = $3 AND period = $4"
    );
    for (a, k, p) in keys {
        tx.exec(&sql, &[org.into(), a.into(), k.into(), p.into()])
            .await?;
    }
    Ok(())
}

fn list(backend: Backend, first: usize, ids: &[String]) -> String {
    placeholders(backend, first, ids.len())
}

/// Recomputes the contribution of `accounts` and replaces their old one in
/// the sums, inside the caller's transaction.
pub(crate) async fn refresh(
    tx: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    accounts: &BTreeSet<AccountId>,
) -> Result<(), StoreError> {
    refresh_parts(tx, backend, org, accounts, false).await
}

/// [`refresh`], rewriting every part of `accounts` even where its cell is
/// unchanged: for a store whose derived rows (durations, leaks) are
/// missing or stale, which comparing cells cannot see.
pub(crate) async fn rewrite(
    tx: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    accounts: &BTreeSet<AccountId>,
) -> Result<(), StoreError> {
    refresh_parts(tx, backend, org, accounts, true).await
}

async fn refresh_parts(
    tx: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    accounts: &BTreeSet<AccountId>,
    every: bool,
) -> Result<(), StoreError> {
    if accounts.is_empty() {
        return Ok(());
    }
    let accounts: Vec<AccountId> = accounts.iter().cloned().collect();
    let o = org.to_string();
    for chunk in accounts.chunks(CHUNK) {
        let data = load_account_data(tx, backend, org, chunk).await?;
        let ids: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        // Old contributions.
        let sql = format!(
            "SELECT account_id, contract, period, cell FROM scorecard_parts WHERE org_id = {} AND account_id IN ({})",
            placeholders(backend, 1, 1),
            list(backend, 2, &ids)
        );
        let mut by_ids: Vec<Arg> = vec![(&o).into()];
        by_ids.extend(ids.iter().map(Arg::from));
        let old_parts: BTreeMap<PartKey, String> = tx
            .rows(&sql, &by_ids, |r| {
                Ok(((r.text(0)?, r.text(1)?, r.text(2)?), r.text(3)?))
            })
            .await?
            .into_iter()
            .collect();
        // New contributions.
        let mut new_parts: BTreeMap<PartKey, (Cell, String)> = BTreeMap::new();
        let mut risks: Vec<(String, String, i64, String)> = Vec::new();
        for (account, d) in &data {
            for ((contract, period), cell) in account_cells(d) {
                let json = serde_json::to_string(&cell)
                    .map_err(|e| StoreError::corrupt("scorecard part", e))?;
                let key = (
                    account.to_string(),
                    contract.to_string(),
                    period.to_string(),
                );
                new_parts.insert(key, (cell, json));
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
        // Only the parts whose cell changed are rewritten: a change moves
        // one or two of an account's cells, and rewriting all of them (and
        // their durations and leaks) was the largest cost of a live write
        // (docs/performance.md).
        let mut deltas: BTreeMap<(String, String), [i64; 16]> = BTreeMap::new();
        let mut buckets: BTreeMap<(String, String, i64), i64> = BTreeMap::new();
        let mut gone: Vec<&PartKey> = Vec::new();
        for (key, json) in &old_parts {
            if !every && new_parts.get(key).map(|(_, new)| new) == Some(json) {
                continue;
            }
            let old: Cell =
                serde_json::from_str(json).map_err(|e| StoreError::corrupt("scorecard part", e))?;
            let (_, contract, period) = key;
            for s in &old.durations {
                *buckets
                    .entry((contract.clone(), period.clone(), bucket(*s)))
                    .or_default() -= 1;
            }
            let d = delta(&Cell::default(), &old);
            add(
                deltas
                    .entry((contract.clone(), period.clone()))
                    .or_insert([0; 16]),
                &d,
            );
            gone.push(key);
        }
        let mut parts: Vec<(&String, &String, &String, &String)> = Vec::new();
        let mut durations: Vec<(&String, &String, i64, &String)> = Vec::new();
        let mut leaks: Vec<(&String, &String, &String, i64, i64, String)> = Vec::new();
        for (key, (cell, json)) in &new_parts {
            if !every && old_parts.get(key) == Some(json) {
                continue;
            }
            let (a, k, p) = key;
            add(
                deltas.entry((k.clone(), p.clone())).or_insert([0; 16]),
                &delta(cell, &Cell::default()),
            );
            for s in &cell.durations {
                durations.push((k, p, *s, a));
                *buckets
                    .entry((k.clone(), p.clone(), bucket(*s)))
                    .or_default() += 1;
            }
            for l in &cell.arr_leaked {
                leaks.push((
                    a,
                    k,
                    p,
                    micros(l.at),
                    l.arr_lost.minor,
                    l.arr_lost.currency.to_string(),
                ));
            }
            parts.push((a, k, p, json));
        }
        for table in ["scorecard_parts", "scorecard_durations", "scorecard_leaks"] {
            delete_parts(tx, &o, table, &gone).await?;
        }
        let sql = format!(
            "DELETE FROM arr_at_risk WHERE org_id = {} AND account_id IN ({})",
            placeholders(backend, 1, 1),
            list(backend, 2, &ids)
        );
        tx.exec(&sql, &by_ids).await?;
        crate::many::insert_many(
            tx,
            backend,
            (
                "INSERT INTO scorecard_parts (org_id, account_id, contract, period, cell) VALUES",
                5,
                "",
            ),
            &parts,
            |q, _, &(a, k, p, c)| {
                q.extend([Arg::from(&o), a.into(), k.into(), p.into(), c.into()]);
                Ok(())
            },
        )
        .await?;
        crate::many::insert_many(
            tx,
            backend,
            ("INSERT INTO scorecard_durations (org_id, contract, period, seconds, account_id) VALUES", 5, ""),
            &durations,
            |q, _, &(k, p, s, a)| {
                q.extend([Arg::from(&o), k.into(), p.into(), s.into(), a.into()]);
                Ok(())
            },
        )
        .await?;
        crate::many::insert_many(
            tx,
            backend,
            ("INSERT INTO arr_at_risk (org_id, account_id, contract, arr_minor, currency) VALUES", 5, ""),
            &risks,
            |q, _, (a, k, m, c)| {
                q.extend([Arg::from(&o), a.into(), k.into(), (*m).into(), c.into()]);
                Ok(())
            },
        )
        .await?;
        crate::many::insert_many(
            tx,
            backend,
            ("INSERT INTO scorecard_leaks (org_id, account_id, contract, period, at, arr_minor, currency) VALUES", 7, ""),
            &leaks,
            |q, _, (a, k, p, at, minor, c)| {
                q.extend([
                    Arg::from(&o),
                    (*a).into(),
                    (*k).into(),
                    (*p).into(),
                    (*at).into(),
                    (*minor).into(),
                    c.into(),
                ]);
                Ok(())
            },
        )
        .await?;
        add_buckets(tx, backend, org, buckets).await?;
        let changed: Vec<((String, String), [i64; 16])> = deltas
            .into_iter()
            .filter(|(_, d)| d.iter().any(|x| *x != 0))
            .collect();
        let cols = SUM_COLUMNS.join(", ");
        let updates: Vec<String> = SUM_COLUMNS
            .iter()
            .map(|c| format!("{c} = scorecard_cells.{c} + excluded.{c}"))
            .collect();
        crate::many::insert_many(
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
            |q, _, ((k, p), d)| {
                q.extend([Arg::from(&o), k.into(), p.into()]);
                q.extend(d.iter().take(SUM_COLUMNS.len()).map(|v| Arg::Int(*v)));
                Ok(())
            },
        )
        .await?;
        let cells: Vec<(&String, &String)> = changed.iter().map(|((k, p), _)| (k, p)).collect();
        prune_cells(tx, &o, &cells).await?;
    }
    Ok(())
}

/// Drops the sums among `cells` (contract, period) that went back to
/// nothing: only those a change touched, so its cost follows the change,
/// not the org.
async fn prune_cells(
    tx: &mut Tx<'_>,
    org: &str,
    cells: &[(&String, &String)],
) -> Result<(), StoreError> {
    let zero: Vec<String> = SUM_COLUMNS.iter().map(|c| format!("{c} = 0")).collect();
    let sql = format!(
        "DELETE FROM scorecard_cells WHERE org_id = $1 AND contract = $2 AND period = $3 AND {}",
        zero.join(" AND ")
    );
    for (k, p) in cells {
        tx.exec(&sql, &[org.into(), (*k).into(), (*p).into()])
            .await?;
    }
    Ok(())
}

/// Adds signed counts to the duration buckets and drops those that went
/// back to zero (only among the ones touched, so the cost follows the
/// change, not the org).
async fn add_buckets(
    tx: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    buckets: BTreeMap<(String, String, i64), i64>,
) -> Result<(), StoreError> {
    let changed: Vec<((String, String, i64), i64)> =
        buckets.into_iter().filter(|(_, n)| *n != 0).collect();
    if changed.is_empty() {
        return Ok(());
    }
    let o = org.to_string();
    crate::many::insert_many(
        tx,
        backend,
        (
            "INSERT INTO scorecard_duration_buckets (org_id, contract, period, bucket, n) VALUES",
            5,
            "ON CONFLICT (org_id, contract, period, bucket) DO UPDATE SET n = scorecard_duration_buckets.n + excluded.n",
        ),
        &changed,
        |q, _, ((k, p, b), n)| {
            q.extend([Arg::from(&o), k.into(), p.into(), (*b).into(), (*n).into()]);
            Ok(())
        },
    )
    .await?;
    let periods: BTreeSet<&str> = changed.iter().map(|((_, p, _), _)| p.as_str()).collect();
    let contracts: BTreeSet<&str> = changed.iter().map(|((k, _, _), _)| k.as_str()).collect();
    let sql = format!(
        "DELETE FROM scorecard_duration_buckets WHERE org_id = {} AND n = 0 AND contract IN ({}) AND period IN ({})",
        placeholders(backend, 1, 1),
        placeholders(backend, 2, contracts.len()),
        placeholders(backend, 2 + contracts.len(), periods.len())
    );
    let mut args: Vec<Arg> = vec![o.into()];
    args.extend(contracts.into_iter().chain(periods).map(Arg::from));
    tx.exec(&sql, &args).await?;
    Ok(())
}

/// The bucket of a duration in seconds: a log scale with 8 buckets per
/// doubling (each at most 12.5% wide), exact below 8 s, and everything up
/// to 0 s in bucket 0. Monotone, so a bucket's durations are contiguous in
/// sorted order.
pub(crate) fn bucket(seconds: i64) -> i64 {
    if seconds <= 0 {
        return 0;
    }
    let bits = i64::from(64 - seconds.leading_zeros());
    if bits < 4 {
        return seconds;
    }
    bits * 8 + ((seconds >> (bits - 4)) & 7)
}

/// The durations `[lo, hi)` a bucket holds.
pub(crate) fn bucket_bounds(bucket: i64) -> (i64, i64) {
    match bucket {
        ..=0 => (i64::MIN, 1),
        1..32 => (bucket, bucket + 1),
        _ => {
            let (bits, m) = (bucket / 8, bucket % 8);
            let lo = (8 + m) << (bits - 4);
            // The last bucket's end overflows; it holds everything above.
            let hi = (8 + m + 1)
                .checked_shl((bits - 4) as u32)
                .filter(|h| *h > lo);
            (lo, hi.unwrap_or(i64::MAX))
        }
    }
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

fn add(into: &mut [i64; 16], d: &[i64; 16]) {
    for (a, b) in into.iter_mut().zip(d) {
        *a += b;
    }
}

/// Summed cells as read back: the additive sums plus the number of durations.
fn cell_from_row(row: &dyn Cols, first: usize) -> Result<(Cell, u64), StoreError> {
    let g = |i: usize| -> Result<u64, StoreError> {
        let v = row.int(first + i)?;
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
        arr_leaked: Vec::new(),
    };
    Ok((cell, g(4)?))
}

impl Store {
    /// Rewrites every account's scorecard parts of each org in `orgs`, one
    /// transaction per org, with `then` (a statement taking the org id)
    /// in the same transaction, and logs `done`.
    async fn rewrite_orgs(
        &self,
        orgs: Vec<String>,
        then: Option<&'static str>,
        done: &str,
    ) -> Result<(), StoreError> {
        for org in orgs {
            let org = OrgId::parse(org).map_err(|e| StoreError::corrupt("org id", e))?;
            let accounts = self.account_ids(&org).await?.into_iter().collect();
            let mut tx = self.begin_write().await?;
            let mut w = Tx::Any(&mut tx);
            rewrite(&mut w, self.backend, &org, &accounts).await?;
            if let Some(sql) = then {
                w.exec(sql, &[org.to_string().into()]).await?;
            }
            tx.commit().await?;
            tracing::info!(org = %org, "{done}");
        }
        Ok(())
    }

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
        self.rewrite_orgs(orgs, None, "filled the scorecard sums")
            .await?;
        self.backfill_duration_buckets().await
    }

    /// Counts the durations of orgs that have some but no buckets yet (a
    /// database from before the buckets existed).
    async fn backfill_duration_buckets(&self) -> Result<(), StoreError> {
        let orgs: Vec<String> = sqlx::query_scalar(
            "SELECT o.org_id FROM orgs o WHERE EXISTS (SELECT 1 FROM scorecard_durations d WHERE d.org_id = o.org_id)
             AND NOT EXISTS (SELECT 1 FROM scorecard_duration_buckets b WHERE b.org_id = o.org_id)",
        )
        .fetch_all(&self.write)
        .await?;
        for org in orgs {
            let rows: Vec<(String, String, i64)> = sqlx::query_as(
                "SELECT contract, period, seconds FROM scorecard_durations WHERE org_id = $1",
            )
            .bind(org.clone())
            .fetch_all(&self.write)
            .await?;
            let mut buckets: BTreeMap<(String, String, i64), i64> = BTreeMap::new();
            for (contract, period, seconds) in rows {
                *buckets
                    .entry((contract, period, bucket(seconds)))
                    .or_default() += 1;
            }
            let org = OrgId::parse(org).map_err(|e| StoreError::corrupt("org id", e))?;
            let mut tx = self.begin_write().await?;
            add_buckets(
                &mut crate::tx::Tx::Any(&mut tx),
                self.backend,
                &org,
                buckets,
            )
            .await?;
            tx.commit().await?;
            tracing::info!(org = %org, "counted the duration buckets");
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
        let args: Vec<Arg> = std::iter::once(Arg::from(org.to_string()))
            .chain(names.iter().map(|n| Arg::from(n.as_str())))
            .collect();
        let rows = self
            .rows(&sql, &args, |row| {
                let key = ContractKey::parse(row.text(0)?)
                    .map_err(|e| StoreError::corrupt("scorecard", e))?;
                let period: Period = row
                    .text(1)?
                    .parse()
                    .map_err(|e| StoreError::corrupt("scorecard", e))?;
                Ok(((key, period), cell_from_row(row, 2)?))
            })
            .await?;
        let mut out: BTreeMap<(ContractKey, Period), (Cell, u64)> = rows.into_iter().collect();
        let counts: BTreeMap<(String, String), u64> = out
            .iter()
            .filter(|(_, (_, n))| *n > 0)
            .map(|((k, p), (_, n))| ((k.to_string(), p.to_string()), *n))
            .collect();
        let middles = self.middle_durations(org, &counts).await?;
        for ((contract, period), seconds) in middles {
            if let Some((cell, _)) = out.get_mut(&(contract, period)) {
                cell.durations = seconds;
            }
        }
        Ok(out)
    }

    /// The middle one (odd count) or two (even) durations of each cell
    /// (contract, period, number of durations), in order: a running sum over
    /// the cells' bucket counts (read in index order) finds the buckets
    /// holding the middle ranks, then the ranks are read inside those
    /// buckets only. Two statements whatever the org's size.
    async fn middle_durations(
        &self,
        org: &OrgId,
        cells: &BTreeMap<(String, String), u64>,
    ) -> Result<BTreeMap<(ContractKey, Period), Vec<i64>>, StoreError> {
        let contracts: BTreeSet<&str> = cells.keys().map(|(k, _)| k.as_str()).collect();
        let periods: BTreeSet<&str> = cells.keys().map(|(_, p)| p.as_str()).collect();
        if cells.is_empty() {
            return Ok(BTreeMap::new());
        }
        // One row per cell with its buckets as "bucket:n" pairs: rows cost
        // far more than bytes through the driver. Both lists in the key's
        // order let the index seek each cell's buckets.
        let pairs = match self.backend {
            Backend::Sqlite => "group_concat(CAST(bucket AS TEXT) || ':' || CAST(n AS TEXT), ',')",
            Backend::Postgres => "string_agg(CAST(bucket AS TEXT) || ':' || CAST(n AS TEXT), ',')",
        };
        let sql = format!(
            "SELECT contract, period, {pairs} FROM scorecard_duration_buckets
             WHERE org_id = {} AND contract IN ({}) AND period IN ({})
             GROUP BY contract, period",
            placeholders(self.backend, 1, 1),
            placeholders(self.backend, 2, contracts.len()),
            placeholders(self.backend, 2 + contracts.len(), periods.len())
        );
        let args: Vec<Arg> = std::iter::once(Arg::from(org.to_string()))
            .chain(contracts.iter().chain(&periods).map(|v| Arg::from(*v)))
            .collect();
        let rows = self
            .rows(&sql, &args, |row| {
                Ok((row.text(0)?, row.text(1)?, row.text(2)?))
            })
            .await?;
        // (cell, bucket, offset inside the bucket, how many)
        let mut reads: Vec<((String, String), i64, i64, i64)> = Vec::new();
        for (contract, period, pairs) in rows {
            let key = (contract, period);
            let Some(total) = cells.get(&key).map(|t| *t as i64) else {
                continue;
            };
            let mut counts: Vec<(i64, i64)> = pairs
                .split(',')
                .map(|p| {
                    p.split_once(':')
                        .and_then(|(b, n)| Some((b.parse().ok()?, n.parse().ok()?)))
                        .ok_or_else(|| StoreError::corrupt("duration buckets", p))
                })
                .collect::<Result<_, _>>()?;
            counts.sort_unstable();
            // Ranks are 0-based; (n - 1) / 2 and n / 2 are the same rank
            // when n is odd and the two middle ones when it is even.
            let mut wanted = vec![(total - 1) / 2, total / 2];
            wanted.dedup();
            let mut below = 0;
            for (bucket, n) in counts {
                let upto = below + n;
                let inside: Vec<i64> = wanted
                    .iter()
                    .copied()
                    .filter(|r| below <= *r && *r < upto)
                    .collect();
                if let Some(first) = inside.first() {
                    reads.push((key.clone(), bucket, first - below, inside.len() as i64));
                }
                below = upto;
            }
        }
        let mut out: BTreeMap<(ContractKey, Period), Vec<i64>> = BTreeMap::new();
        if reads.is_empty() {
            return Ok(out);
        }
        // One statement: a bounded, ordered read inside each bucket, tagged
        // with its place in `reads`.
        let mut next = 1;
        let mut ph = || {
            let p = placeholders(self.backend, next, 1);
            next += 1;
            p
        };
        let parts: Vec<String> = (0..reads.len())
            .map(|i| {
                format!(
                    "SELECT CAST({i} AS BIGINT) AS part, seconds FROM (SELECT seconds FROM scorecard_durations
                     WHERE org_id = {} AND contract = {} AND period = {} AND seconds >= {} AND seconds < {}
                     ORDER BY seconds LIMIT {} OFFSET {}) q{i}",
                    ph(),
                    ph(),
                    ph(),
                    ph(),
                    ph(),
                    ph(),
                    ph()
                )
            })
            .collect();
        let mut args: Vec<Arg> = Vec::with_capacity(reads.len() * 7);
        for ((contract, period), bucket, offset, take) in &reads {
            let (lo, hi) = bucket_bounds(*bucket);
            args.extend([
                Arg::from(org.to_string()),
                Arg::from(contract.as_str()),
                Arg::from(period.as_str()),
                Arg::from(lo),
                Arg::from(hi),
                Arg::from(*take),
                Arg::from(*offset),
            ]);
        }
        let rows = self
            .rows(&parts.join(" UNION ALL "), &args, |row| {
                Ok((row.int(0)?, row.int(1)?))
            })
            .await?;
        for (part, seconds) in rows {
            let Some(((contract, period), ..)) =
                usize::try_from(part).ok().and_then(|i| reads.get(i))
            else {
                return Err(StoreError::corrupt("scorecard", "median read out of range"));
            };
            let key = ContractKey::parse(contract.clone())
                .map_err(|e| StoreError::corrupt("scorecard", e))?;
            let period: Period = period
                .parse()
                .map_err(|e| StoreError::corrupt("scorecard", e))?;
            out.entry((key, period)).or_default().push(seconds);
        }
        for v in out.values_mut() {
            v.sort_unstable();
        }
        Ok(out)
    }

    /// ARR at risk per contract and currency, summed over active accounts
    /// (never across currencies).
    pub async fn arr_at_risk(
        &self,
        org: &OrgId,
    ) -> Result<BTreeMap<ContractKey, Vec<Money>>, StoreError> {
        let rows = self
            .rows(
                "SELECT contract, currency, CAST(SUM(arr_minor) AS BIGINT) FROM arr_at_risk WHERE org_id = $1
                 GROUP BY contract, currency ORDER BY contract, currency",
                &[Arg::from(org.to_string())],
                |r| Ok((r.text(0)?, r.text(1)?, r.int(2)?)),
            )
            .await?;
        let mut out: BTreeMap<ContractKey, Vec<Money>> = BTreeMap::new();
        for (k, currency, minor) in rows {
            let k = ContractKey::parse(k).map_err(|e| StoreError::corrupt("arr at risk", e))?;
            let currency =
                Currency::parse(&currency).map_err(|e| StoreError::corrupt("arr at risk", e))?;
            out.entry(k).or_default().push(Money { minor, currency });
        }
        Ok(out)
    }

    /// The churns counted as leaks in `periods`, per contract, each with its
    /// time and ARR lost in its own currency.
    pub async fn arr_leaked(
        &self,
        org: &OrgId,
        periods: &[Period],
    ) -> Result<Vec<(ContractKey, Timestamp, Money)>, StoreError> {
        let names: Vec<String> = periods.iter().map(ToString::to_string).collect();
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT contract, at, arr_minor, currency FROM scorecard_leaks WHERE org_id = {} AND period IN ({})
             ORDER BY contract, at, account_id",
            placeholders(self.backend, 1, 1),
            list(self.backend, 2, &names)
        );
        let args: Vec<Arg> = std::iter::once(Arg::from(org.to_string()))
            .chain(names.iter().map(|n| Arg::from(n.as_str())))
            .collect();
        self.rows(&sql, &args, |r| {
            Ok((r.text(0)?, r.int(1)?, r.int(2)?, r.text(3)?))
        })
        .await?
        .into_iter()
        .map(|(k, at, minor, currency)| {
            Ok((
                ContractKey::parse(k).map_err(|e| StoreError::corrupt("arr leaked", e))?,
                from_micros(at)?,
                Money {
                    minor,
                    currency: Currency::parse(&currency)
                        .map_err(|e| StoreError::corrupt("arr leaked", e))?,
                },
            ))
        })
        .collect()
    }

    /// Recomputes the scorecard contributions of orgs whose churns predate
    /// `scorecard_leaks` (listed by migration 0015), once each, so the leak
    /// audit finds their leaked ARR after an upgrade.
    pub(crate) async fn backfill_leaks(&self) -> Result<(), StoreError> {
        let orgs: Vec<String> =
            sqlx::query_scalar("SELECT org_id FROM scorecard_leaks_backfill ORDER BY org_id")
                .fetch_all(&self.write)
                .await?;
        self.rewrite_orgs(
            orgs,
            Some("DELETE FROM scorecard_leaks_backfill WHERE org_id = $1"),
            "kept leaked ARR per churn and currency",
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{bucket, bucket_bounds};

    #[test]
    fn buckets_are_monotone_and_hold_their_durations() {
        let mut samples: Vec<i64> = vec![i64::MIN, -5, 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33];
        let mut x: i64 = 1;
        while x < i64::MAX / 3 {
            samples.extend([x - 1, x, x + 1, x + x / 3]);
            x = x.saturating_mul(3);
        }
        samples.push(i64::MAX);
        samples.sort_unstable();
        let mut last = i64::MIN;
        for s in samples {
            let b = bucket(s);
            assert!(b >= last, "bucket of {s} went down");
            last = b;
            let (lo, hi) = bucket_bounds(b);
            assert!(
                lo <= s && (s < hi || hi == i64::MAX),
                "{s} not in bucket {b} = [{lo}, {hi})"
            );
        }
    }

    #[test]
    fn buckets_are_at_most_an_eighth_wide() {
        for b in 32..(63 * 8) {
            let (lo, hi) = bucket_bounds(b);
            assert_eq!(bucket(lo), b);
            assert_eq!(bucket(hi - 1), b);
            assert!((hi - lo) * 8 <= lo, "bucket {b} = [{lo}, {hi}) is too wide");
        }
        // A day in seconds lands in a bucket about three hours wide.
        let (lo, hi) = bucket_bounds(bucket(86_400));
        assert!(hi - lo <= 3 * 3600 && lo <= 86_400 && 86_400 < hi);
    }
}
