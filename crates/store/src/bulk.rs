//! Bulk writes (an import): many changes in one transaction, written as they
//! come, and the reads an import makes inside that transaction, so it can
//! let go of what it wrote and read it back when a later line needs it:
//! memory then holds one batch, whatever the size of the file.
//!
//! Only the bulk lives here; the one write path per change is `commit.rs`.

use std::collections::BTreeSet;

use baton_domain::account::Account;
use baton_domain::sla::SlaKind;
use baton_domain::{AccountId, DealId, Handoff, HandoffId, OrgId, Timestamp};
use sqlx::{Any, AssertSqlSafe, Transaction};

use crate::change::Change;
use crate::commit::write_change;
use crate::read::{StoredEvent, accounts_in, handoffs_in, stored_event};
use crate::sql_args::Arg;
use crate::tx::Tx;
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

/// Touched accounts the final refresh reads and brings up to date at once.
const REFRESH_PAGE: i64 = 2_000;

/// The bulk's touched accounts, kept in a temporary table of the bulk's
/// connection rather than in memory, so an import of any size holds none
/// of them (SQLite drops it with the transaction that made it when that
/// rolls back; PostgreSQL at the end of the transaction).
const TOUCHED_TABLE: &str = "bulk_touched";

/// Breaches an import recorded ahead of a late line, set aside here once
/// the import lets go of their handoff (see [`BulkWrite::set_aside_breaches`]).
const SET_ASIDE_TABLE: &str = "bulk_set_aside_breaches";

impl Store {
    /// Starts a bulk write (an import): many changes in one transaction,
    /// written as they come so memory holds one batch, with each touched
    /// account's scorecard contribution computed once at the end instead of
    /// once per change. Dropping it without [`BulkWrite::commit`] writes
    /// nothing.
    pub async fn begin_bulk(&self, org: &OrgId) -> Result<BulkWrite, StoreError> {
        let mut tx = self.begin_write().await?;
        if self.backend == Backend::Sqlite {
            sqlx::query(AssertSqlSafe(format!(
                "PRAGMA cache_size = -{BULK_CACHE_KIB}"
            )))
            .execute(&mut *tx)
            .await?;
        }
        let on_commit = match self.backend {
            Backend::Postgres => " ON COMMIT DROP",
            Backend::Sqlite => "",
        };
        for table in [
            format!("{TOUCHED_TABLE} (account_id TEXT PRIMARY KEY)"),
            format!(
                "{SET_ASIDE_TABLE} (handoff_id TEXT, kind TEXT, due TEXT, PRIMARY KEY (handoff_id, kind, due))"
            ),
        ] {
            sqlx::query(AssertSqlSafe(format!(
                "CREATE TEMPORARY TABLE {table}{on_commit}"
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
        let touched: Vec<AccountId> = crate::scorecard::touched(change).into_iter().collect();
        let head = format!("INSERT INTO {TOUCHED_TABLE} (account_id) VALUES");
        crate::many::insert_many(
            &mut Tx::Any(&mut self.tx),
            self.backend,
            (&head, 1, "ON CONFLICT (account_id) DO NOTHING"),
            &touched,
            |q, _, id| {
                q.push(id.to_string().into());
                Ok(())
            },
        )
        .await?;
        let first =
            write_change(&mut Tx::Any(&mut self.tx), self.backend, &self.org, change).await?;
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

    /// The latest of the bulk's own events of one kind in `stream`: what an
    /// import reads back instead of remembering every stream's last time.
    pub async fn latest_in_stream(
        &mut self,
        stream: &str,
        kind: &str,
    ) -> Result<Option<StoredEvent>, StoreError> {
        if self.first_seq == 0 {
            return Ok(None);
        }
        // `seq + 0`: a range on `seq` alone made SQLite walk every event of
        // the bulk (the `(org_id, seq)` key) instead of the stream's own.
        let row = sqlx::query(
            "SELECT seq, stream_seq, via, recorded_at, payload FROM events
             WHERE org_id = $1 AND stream = $2 AND kind = $3 AND seq + 0 >= $4
             ORDER BY stream_seq DESC LIMIT 1",
        )
        .bind(self.org.to_string())
        .bind(stream.to_string())
        .bind(kind.to_string())
        .bind(self.first_seq as i64)
        .fetch_optional(&mut *self.tx)
        .await?;
        row.as_ref().map(stored_event).transpose()
    }

    /// The handoffs naming `deal`, those stored before the bulk and those it
    /// wrote.
    pub async fn handoffs_of_deal(&mut self, deal: &DealId) -> Result<Vec<HandoffId>, StoreError> {
        // Not ordered in SQL: `ORDER BY handoff_id` made SQLite walk the
        // org's handoffs in key order instead of the deal's index.
        let mut ids: Vec<String> =
            sqlx::query_scalar("SELECT handoff_id FROM handoffs WHERE org_id = $1 AND deal = $2")
                .bind(self.org.to_string())
                .bind(deal.to_string())
                .fetch_all(&mut *self.tx)
                .await?;
        ids.sort_unstable();
        ids.into_iter()
            .map(|id| HandoffId::parse(id).map_err(|e| StoreError::corrupt("handoff id", e)))
            .collect()
    }

    /// Sets aside breaches an import derived ahead of a late line, whose
    /// handoffs it lets go of: a later line may record the same breach
    /// (see [`BulkWrite::take_set_aside_breach`]).
    pub async fn set_aside_breaches(
        &mut self,
        breaches: &[(HandoffId, SlaKind, Timestamp)],
    ) -> Result<(), StoreError> {
        let head = format!("INSERT INTO {SET_ASIDE_TABLE} (handoff_id, kind, due) VALUES");
        crate::many::insert_many(
            &mut Tx::Any(&mut self.tx),
            self.backend,
            (&head, 3, "ON CONFLICT DO NOTHING"),
            breaches,
            |q, _, (id, kind, due)| {
                q.extend([
                    Arg::from(id.to_string()),
                    kind.as_str().into(),
                    due.to_string().into(),
                ]);
                Ok(())
            },
        )
        .await?;
        Ok(())
    }

    /// Takes a breach set aside, if it was: true once, false after.
    pub async fn take_set_aside_breach(
        &mut self,
        id: &HandoffId,
        kind: SlaKind,
        due: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {SET_ASIDE_TABLE} WHERE handoff_id = $1 AND kind = $2 AND due = $3"
        )))
        .bind(id.to_string())
        .bind(kind.as_str())
        .bind(due.to_string())
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() > 0)
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
        let (mut done, mut next_analyze) = (0, FIRST_REFRESH_ANALYZE);
        let mut after = String::new();
        loop {
            let page: Vec<String> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT account_id FROM {TOUCHED_TABLE} WHERE account_id > $1 ORDER BY account_id LIMIT $2"
            )))
            .bind(after.clone())
            .bind(REFRESH_PAGE)
            .fetch_all(&mut *self.tx)
            .await?;
            let Some(last) = page.last() else { break };
            after.clone_from(last);
            let part = page
                .iter()
                .map(|id| {
                    AccountId::parse(id.as_str())
                        .map_err(|e| StoreError::corrupt("touched account", e))
                })
                .collect::<Result<BTreeSet<_>, _>>()?;
            crate::scorecard::refresh(&mut Tx::Any(&mut self.tx), self.backend, &self.org, &part)
                .await?;
            done += part.len();
            if done >= next_analyze {
                self.analyze().await?;
                next_analyze = done * 2;
            }
        }
        if self.backend == Backend::Sqlite {
            for table in [TOUCHED_TABLE, SET_ASIDE_TABLE] {
                sqlx::query(AssertSqlSafe(format!("DROP TABLE temp.{table}")))
                    .execute(&mut *self.tx)
                    .await?;
            }
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
