//! The physical limit the import is compared with (`baton bench insert`):
//! the same event rows inserted into the same database, one prepared
//! statement, one transaction, nothing else.

use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Executor};

use crate::{Backend, Store, StoreError};

/// One row of the events table, as the benchmark inserts it.
#[derive(Debug, Clone)]
pub struct RawEventRow {
    /// The stream (handoff, account, …) the event belongs to.
    pub stream: String,
    /// The event's kind.
    pub kind: String,
    /// Who did it.
    pub actor: Option<String>,
    /// When, in microseconds since the epoch.
    pub at: i64,
    /// The event as stored (JSON).
    pub payload: String,
}

/// A scratch table shaped like `events` (same columns, key and unique
/// constraint), so the rows cost what they cost there.
const TABLE: &str = "bench_raw_events";

impl Store {
    /// Inserts `rows` into a scratch copy of the events table with one
    /// prepared statement in one transaction, and returns how long the
    /// inserts and the commit took. The table is dropped afterwards.
    pub async fn bench_raw_insert(&self, rows: &[RawEventRow]) -> Result<Duration, StoreError> {
        let int = match self.backend {
            Backend::Sqlite => "INTEGER",
            Backend::Postgres => "BIGINT",
        };
        self.write
            .execute(AssertSqlSafe(format!("DROP TABLE IF EXISTS {TABLE}")))
            .await?;
        self.write
            .execute(AssertSqlSafe(format!(
                "CREATE TABLE {TABLE} (
                    org_id TEXT NOT NULL, seq {int} NOT NULL, stream TEXT NOT NULL,
                    stream_seq {int} NOT NULL, kind TEXT NOT NULL, actor TEXT, at {int} NOT NULL,
                    recorded_at {int} NOT NULL, via TEXT NOT NULL, payload TEXT NOT NULL,
                    PRIMARY KEY (org_id, seq), UNIQUE (org_id, stream, stream_seq))"
            )))
            .await?;
        let sql = format!(
            "INSERT INTO {TABLE} (org_id, seq, stream, stream_seq, kind, actor, at, recorded_at, via, payload)
             VALUES ({})",
            crate::placeholders(self.backend, 1, 10)
        );
        let started = Instant::now();
        let mut tx = self.write.begin().await?;
        for (i, r) in rows.iter().enumerate() {
            sqlx::query(AssertSqlSafe(sql.as_str()))
                .bind("bench")
                .bind(i as i64 + 1)
                .bind(r.stream.as_str())
                .bind(i as i64 + 1)
                .bind(r.kind.as_str())
                .bind(r.actor.as_deref())
                .bind(r.at)
                .bind(r.at)
                .bind("import")
                .bind(r.payload.as_str())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        let took = started.elapsed();
        self.write
            .execute(AssertSqlSafe(format!("DROP TABLE {TABLE}")))
            .await?;
        Ok(took)
    }
}
