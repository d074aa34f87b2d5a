//! Bulk writes (an import): many changes in one transaction, written as they
//! come, and the reads an import makes inside that transaction, so it can
//! let go of what it wrote and read it back when a later line needs it:
//! memory then holds one batch, whatever the size of the file.
//!
//! Only the bulk lives here; the one write path per change is `commit.rs`.

use std::collections::BTreeSet;

use baton_domain::account::Account;
use baton_domain::{AccountId, Handoff, HandoffId, OrgId};
use sqlx::{Any, AssertSqlSafe, Transaction};

use crate::commit::{Change, write_change};
use crate::read::{StoredEvent, accounts_in, handoffs_in, stored_event};
use crate::{Backend, Store, StoreError};

/// SQLite page cache of a bulk write, in KiB. Dirty pages beyond it are
/// spilled into the WAL; SQLite overwrites a page's frame in place when
/// the same transaction changes it again, so a smaller cache costs rereads
/// of spilled pages, not a WAL growing with every rewrite. Measured on the
/// 750k-line history: 64 MiB -> 16 MiB took the import's peak RSS from 231
/// to 175 MiB for about 8% more time (docs/performance.md).
const BULK_CACHE_KIB: u32 = 16 * 1024;

/// Events a PostgreSQL bulk writes before its first `ANALYZE`; later ones
/// follow each doubling, so the planner's row counts are never off by more
/// than twice, at a cost that grows with the log of the file.
const FIRST_ANALYZE: u64 = 20_000;

/// Accounts the final refresh brings up to date before its first
/// `ANALYZE` of what it wrote; the next after each doubling, as above.
const FIRST_REFRESH_ANALYZE: usize = 2_000;

impl Store {
    /// Starts a bulk write (an import): many changes in one transaction,
    /// written as they come so memory holds one batch, with each touched
    /// account's scorecard contribution computed once at the end instead of
    /// once per change. Dropping it without [`BulkWrite::commit`] writes
    /// nothing.
    pub async fn begin_bulk(&self, org: &OrgId) -> Result<BulkWrite, StoreError> {
        let mut tx = self.write.begin().await?;
        if self.backend == Backend::Sqlite {
            sqlx::query(AssertSqlSafe(format!(
                "PRAGMA cache_size = -{BULK_CACHE_KIB}"
            )))
            .execute(&mut *tx)
            .await?;
        }
        if self.backend == Backend::Postgres {
            // The bulk fills tables the planner last saw (nearly) empty, so
            // it plans their per-account reads as sequential scans, and each
            // chunk of the final scorecard refresh rescans everything written
            // before it: quadratic (an import of 700k lines stalled in it).
            // Inside the bulk, the indexes are always the right plan.
            sqlx::query("SET LOCAL enable_seqscan = off")
                .execute(&mut *tx)
                .await?;
        }
        Ok(BulkWrite {
            tx,
            pool: self.write.clone(),
            backend: self.backend,
            org: org.clone(),
            accounts: BTreeSet::new(),
            first_seq: 0,
            events: 0,
            next_analyze: FIRST_ANALYZE,
        })
    }
}

/// An open bulk write; see [`Store::begin_bulk`].
pub struct BulkWrite {
    tx: Transaction<'static, Any>,
    pool: sqlx::AnyPool,
    backend: Backend,
    org: OrgId,
    /// Accounts whose scorecard contribution is refreshed at the end.
    accounts: BTreeSet<AccountId>,
    /// The sequence number of the bulk's first event (0: none yet).
    first_seq: u64,
    /// Events written so far, and the count at which PostgreSQL's table
    /// statistics are next brought up to date.
    events: u64,
    next_analyze: u64,
}

impl std::fmt::Debug for BulkWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkWrite").field("org", &self.org).finish()
    }
}

impl BulkWrite {
    /// Writes one change of the bulk; returns its first event's sequence
    /// number (0 when it has none).
    pub async fn write(&mut self, change: &Change) -> Result<u64, StoreError> {
        self.accounts.extend(crate::scorecard::touched(change));
        let first = write_change(&mut self.tx, self.backend, &self.org, change).await?;
        if self.first_seq == 0 {
            self.first_seq = first;
        }
        self.events += change.events.len() as u64;
        if self.events >= self.next_analyze {
            self.analyze().await?;
            self.next_analyze = self.events * 2;
        }
        Ok(first)
    }

    /// On PostgreSQL, brings the planner's table statistics up to date with
    /// what the bulk wrote (its own uncommitted rows count). Without it the
    /// tables look as empty as when the bulk began, and a read of a thousand
    /// accounts is planned as a scan of the whole org: every chunk of the
    /// final scorecard refresh rescanned everything written before it.
    async fn analyze(&mut self) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("ANALYZE").execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// The handoffs among `ids` as the bulk has left them (the database's,
    /// with everything written so far in the bulk).
    pub async fn handoffs(&mut self, ids: &[HandoffId]) -> Result<Vec<Handoff>, StoreError> {
        handoffs_in(
            &mut self.tx,
            self.backend,
            &self.org,
            ("handoff_id", ""),
            ids,
        )
        .await
    }

    /// The accepted handoffs of `accounts` as the bulk has left them.
    pub async fn accepted_handoffs_of(
        &mut self,
        accounts: &[AccountId],
    ) -> Result<Vec<Handoff>, StoreError> {
        let accepted = ("account_id", "AND state = 'accepted'");
        handoffs_in(&mut self.tx, self.backend, &self.org, accepted, accounts).await
    }

    /// The accounts among `ids` as the bulk has left them.
    pub async fn accounts(&mut self, ids: &[AccountId]) -> Result<Vec<Account>, StoreError> {
        accounts_in(&mut self.tx, self.backend, &self.org, ids).await
    }

    /// The bulk's own events of one kind after sequence number `after`, in
    /// order, at most `limit`: what an import reads back instead of keeping
    /// every one in memory until the end.
    pub async fn events_of_kind(
        &mut self,
        kind: &str,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        if self.first_seq == 0 {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT seq, stream_seq, via, recorded_at, payload FROM events
             WHERE org_id = $1 AND seq > $2 AND kind = $3 ORDER BY seq LIMIT $4",
        )
        .bind(self.org.to_string())
        .bind(after.max(self.first_seq - 1) as i64)
        .bind(kind.to_string())
        .bind(i64::from(limit))
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(stored_event).collect()
    }

    /// How many handoffs and accounts the bulk's events changed: counted
    /// in the log, so the import need not remember every id.
    pub async fn streams_changed(&mut self) -> Result<(u64, u64), StoreError> {
        if self.first_seq == 0 {
            return Ok((0, 0));
        }
        let mut counts = [0u64; 2];
        for (n, prefix) in counts.iter_mut().zip(["handoff/%", "account/%"]) {
            let c: i64 = sqlx::query_scalar(
                "SELECT COUNT(DISTINCT stream) FROM events WHERE org_id = $1 AND seq >= $2 AND stream LIKE $3",
            )
            .bind(self.org.to_string())
            .bind(self.first_seq as i64)
            .bind(prefix)
            .fetch_one(&mut *self.tx)
            .await?;
            *n = u64::try_from(c).unwrap_or(0);
        }
        Ok((counts[0], counts[1]))
    }

    /// Brings the scorecard up to date for every account the bulk touched
    /// and commits it all.
    pub async fn commit(mut self) -> Result<(), StoreError> {
        let accounts: Vec<AccountId> = std::mem::take(&mut self.accounts).into_iter().collect();
        let (mut done, mut step) = (0, FIRST_REFRESH_ANALYZE);
        while done < accounts.len() {
            let end = (done + step).min(accounts.len());
            let part: BTreeSet<AccountId> = accounts[done..end].iter().cloned().collect();
            crate::scorecard::refresh(&mut self.tx, self.backend, &self.org, &part).await?;
            self.analyze().await?;
            (done, step) = (end, end);
        }
        self.normal_cache().await?;
        self.tx.commit().await?;
        if self.backend == Backend::Sqlite {
            // A bulk leaves its whole size in the WAL; until it is copied
            // back every read searches the WAL index first (at 1M handoffs
            // a 5.6 GB WAL made later reads measurably slower). Copy it now
            // and shrink the file. Best effort: the data is already durable,
            // and a reader holding an old snapshot only makes it partial.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Drops everything the bulk wrote.
    pub async fn rollback(mut self) -> Result<(), StoreError> {
        self.normal_cache().await?;
        self.tx.rollback().await?;
        Ok(())
    }

    /// Gives the connection back its usual cache: clean pages beyond it are
    /// freed now, dirty ones are written by the commit as always.
    async fn normal_cache(&mut self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA cache_size = -2000")
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }
}
