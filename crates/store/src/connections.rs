//! CRM connections: configuration beside the event log (like webhook
//! subscriptions), with the sync state the sync job keeps, the deals each
//! connection brought in and a bounded log. The settings arrive here already
//! sealed by the app; the store never sees a secret in the clear.
//!
//! The sync job claims one due connection at a time with a lease, as the
//! webhook outbox claims deliveries: PostgreSQL skips rows another claim
//! holds, SQLite has one writer. Every later write of the round names the
//! lease owner and does nothing once the lease was lost.
//!
//! Kept in one file (about 850 lines) on purpose: a connection's settings,
//! lease, watermark, synced deals and log are one family of tables written
//! under one lease, and every write here checks that lease the same way.

use baton_domain::{Email, OrgId, Timestamp};

use crate::{Backend, Store, StoreError, from_micros, micros};

/// How many log entries a connection keeps (the newest).
pub const CONNECTION_LOG_KEEP: i64 = 1000;

/// Encrypted settings: a nonce and the ciphertext, both base64.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The nonce (24 bytes for XChaCha20-Poly1305), base64.
    pub nonce: String,
    /// The ciphertext with its tag, base64.
    pub cipher: String,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealed").finish_non_exhaustive()
    }
}

/// A connection as stored, with its sync state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRecord {
    /// The org.
    pub org: OrgId,
    /// Its id.
    pub id: String,
    /// `salesforce` or `hubspot`.
    pub vendor: String,
    /// The admin's name for it.
    pub name: String,
    /// The CRM object kind its deals map as (`deal`, `opportunity`).
    pub object_kind: String,
    /// CRM field → Baton field key, JSON.
    pub field_map: String,
    /// The settings with every secret replaced, JSON.
    pub settings_shown: String,
    /// The settings, sealed; `None` once disconnected.
    pub sealed: Option<Sealed>,
    /// The admin who connected it (the sync acts as them).
    pub created_by: Email,
    /// When.
    pub created_at: Timestamp,
    /// When it was disconnected.
    pub disconnected_at: Option<Timestamp>,
    /// Where the next pull resumes, JSON.
    pub watermark: String,
    /// The last pull tried.
    pub last_pull_at: Option<Timestamp>,
    /// The last round that finished without error.
    pub last_success_at: Option<Timestamp>,
    /// The last error.
    pub last_error: Option<String>,
    /// When it happened.
    pub last_error_at: Option<Timestamp>,
    /// Why an admin must act (refused credentials, an undecryptable
    /// secret); `None` when all is well.
    pub attention: Option<String>,
    /// Who the last successful check signed in as.
    pub checked_as: Option<String>,
    /// When the last check ran.
    pub checked_at: Option<Timestamp>,
    /// Deals brought in.
    pub deals_synced: u64,
    /// Rounds failed in a row.
    pub failures: u32,
    /// When the next round is due.
    pub next_attempt_at: Timestamp,
    /// Deals whose gate waits to be written back.
    pub writes_pending: u64,
}

/// A connection to record.
#[derive(Debug, Clone)]
pub struct NewConnectionRecord {
    /// Its id.
    pub id: String,
    /// `salesforce` or `hubspot`.
    pub vendor: String,
    /// The admin's name for it.
    pub name: String,
    /// `deal` or `opportunity`.
    pub object_kind: String,
    /// CRM field → Baton field key, JSON.
    pub field_map: String,
    /// The settings with secrets replaced, JSON.
    pub settings_shown: String,
    /// The settings, sealed.
    pub sealed: Sealed,
    /// The admin.
    pub created_by: Email,
    /// When (also when the first pull is due).
    pub created_at: Timestamp,
    /// Who the check signed in as.
    pub checked_as: String,
}

/// A deal a connection brought in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedDealRecord {
    /// The CRM's deal id.
    pub deal: String,
    /// The Baton account.
    pub account: String,
    /// The contract of its handoff.
    pub contract: String,
    /// Its handoff.
    pub handoff: String,
    /// The gate last written onto the deal, JSON.
    pub written_gate: Option<String>,
    /// When.
    pub written_at: Option<Timestamp>,
    /// Whether a changed gate waits to be written.
    pub pending: bool,
}

/// One applied page of a pull, to record.
#[derive(Debug, Clone, Copy)]
pub struct SyncPage<'a> {
    /// Where the next pull resumes, JSON.
    pub watermark: &'a str,
    /// The deals it brought in.
    pub deals: &'a [SyncedDealRecord],
    /// When.
    pub now: Timestamp,
    /// The lease, extended to.
    pub lease_until: Timestamp,
}

/// How a sync round ended.
#[derive(Debug, Clone)]
pub struct RoundEnd {
    /// When.
    pub at: Timestamp,
    /// Whether a pull was tried.
    pub pulled: bool,
    /// `None` on success; the error otherwise.
    pub error: Option<String>,
    /// Why an admin must act, when they must; cleared on success.
    pub attention: Option<String>,
    /// When the next round is due.
    pub next_attempt_at: Timestamp,
}

/// One log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLogEntry {
    /// Its number within the connection (newer is higher).
    pub seq: u64,
    /// When.
    pub at: Timestamp,
    /// `info`, `warning` or `error`.
    pub level: String,
    /// The deal it is about, when one.
    pub deal: Option<String>,
    /// What happened.
    pub message: String,
}

const COLUMNS: &str =
    "c.org_id, c.connection_id, c.vendor, c.name, c.object_kind, c.field_map, c.settings_shown,
    c.settings_nonce, c.settings_cipher, c.created_by, c.created_at, c.disconnected_at, c.watermark,
    c.last_pull_at, c.last_success_at, c.last_error, c.last_error_at, c.attention, c.checked_as,
    c.checked_at, c.deals_synced, c.failures, c.next_attempt_at,
    (SELECT COUNT(*) FROM crm_synced_deals d WHERE d.org_id = c.org_id
        AND d.connection_id = c.connection_id AND d.pending = 1 AND d.gone = 0)";

type Row = (
    (
        String,
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        i64,
        Option<i64>,
    ),
    (
        String,
        Option<i64>,
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<i64>,
        i64,
        i64,
        i64,
        i64,
    ),
);

fn opt_time(t: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    t.map(from_micros).transpose()
}

fn record(row: Row) -> Result<ConnectionRecord, StoreError> {
    let (
        (
            org,
            id,
            vendor,
            name,
            object_kind,
            field_map,
            settings_shown,
            nonce,
            cipher,
            created_by,
            created_at,
            disconnected_at,
        ),
        (
            watermark,
            last_pull_at,
            last_success_at,
            last_error,
            last_error_at,
            attention,
            checked_as,
            checked_at,
            deals_synced,
            failures,
            next_attempt_at,
            writes_pending,
        ),
    ) = row;
    Ok(ConnectionRecord {
        org: OrgId::parse(&org).map_err(|e| StoreError::corrupt("connection org", e))?,
        id,
        vendor,
        name,
        object_kind,
        field_map,
        settings_shown,
        sealed: match (nonce, cipher) {
            (Some(nonce), Some(cipher)) => Some(Sealed { nonce, cipher }),
            _ => None,
        },
        created_by: Email::parse(&created_by)
            .map_err(|e| StoreError::corrupt("connection creator", e))?,
        created_at: from_micros(created_at)?,
        disconnected_at: opt_time(disconnected_at)?,
        watermark,
        last_pull_at: opt_time(last_pull_at)?,
        last_success_at: opt_time(last_success_at)?,
        last_error,
        last_error_at: opt_time(last_error_at)?,
        attention,
        checked_as,
        checked_at: opt_time(checked_at)?,
        deals_synced: deals_synced.max(0) as u64,
        failures: u32::try_from(failures.max(0)).unwrap_or(u32::MAX),
        next_attempt_at: from_micros(next_attempt_at)?,
        writes_pending: writes_pending.max(0) as u64,
    })
}

/// Reads the row tuple in two halves (sqlx decodes tuples of at most 16).
async fn fetch_rows(
    store: &Store,
    sql: String,
    binds: Vec<String>,
) -> Result<Vec<ConnectionRecord>, StoreError> {
    use sqlx::Row as _;
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&store.read).await?;
    rows.into_iter()
        .map(|r| {
            let row: Row = (
                (
                    r.try_get(0)?,
                    r.try_get(1)?,
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    r.try_get(5)?,
                    r.try_get(6)?,
                    r.try_get(7)?,
                    r.try_get(8)?,
                    r.try_get(9)?,
                    r.try_get(10)?,
                    r.try_get(11)?,
                ),
                (
                    r.try_get(12)?,
                    r.try_get(13)?,
                    r.try_get(14)?,
                    r.try_get(15)?,
                    r.try_get(16)?,
                    r.try_get(17)?,
                    r.try_get(18)?,
                    r.try_get(19)?,
                    r.try_get(20)?,
                    r.try_get(21)?,
                    r.try_get(22)?,
                    r.try_get(23)?,
                ),
            );
            record(row)
        })
        .collect()
}

impl Store {
    /// Records a new connection, due for its first pull at once.
    pub async fn create_connection(
        &self,
        org: &OrgId,
        c: &NewConnectionRecord,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO crm_connections (org_id, connection_id, vendor, name, object_kind, field_map,
                 settings_shown, settings_nonce, settings_cipher, created_by, created_at, checked_as,
                 checked_at, next_attempt_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(org.to_string())
        .bind(c.id.clone())
        .bind(c.vendor.clone())
        .bind(c.name.clone())
        .bind(c.object_kind.clone())
        .bind(c.field_map.clone())
        .bind(c.settings_shown.clone())
        .bind(c.sealed.nonce.clone())
        .bind(c.sealed.cipher.clone())
        .bind(c.created_by.to_string())
        .bind(micros(c.created_at))
        .bind(c.checked_as.clone())
        .bind(micros(c.created_at))
        .bind(micros(c.created_at))
        .execute(&self.write)
        .await
        .map_err(|e| crate::conflict_on_unique(e, || format!("connection '{}' exists", c.id)))?;
        Ok(())
    }

    /// The org's connections, oldest first (disconnected ones included).
    pub async fn connections(&self, org: &OrgId) -> Result<Vec<ConnectionRecord>, StoreError> {
        fetch_rows(
            self,
            format!(
                "SELECT {COLUMNS} FROM crm_connections c WHERE c.org_id = $1
                 ORDER BY c.created_at, c.connection_id"
            ),
            vec![org.to_string()],
        )
        .await
    }

    /// One connection of the org.
    pub async fn connection(
        &self,
        org: &OrgId,
        id: &str,
    ) -> Result<Option<ConnectionRecord>, StoreError> {
        Ok(fetch_rows(
            self,
            format!(
                "SELECT {COLUMNS} FROM crm_connections c WHERE c.org_id = $1 AND c.connection_id = $2"
            ),
            vec![org.to_string(), id.to_string()],
        )
        .await?
        .pop())
    }

    /// A connection by its id alone (ids are unique across orgs), for
    /// callers that know no org yet: a CRM's signed webhook.
    pub async fn connection_by_id(&self, id: &str) -> Result<Option<ConnectionRecord>, StoreError> {
        Ok(fetch_rows(
            self,
            format!("SELECT {COLUMNS} FROM crm_connections c WHERE c.connection_id = $1"),
            vec![id.to_string()],
        )
        .await?
        .pop())
    }

    /// Disconnects: no more sync, and the sealed settings are forgotten.
    /// Whether a connected connection of the org was found.
    pub async fn disconnect_connection(
        &self,
        org: &OrgId,
        id: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.update_connected(
            "UPDATE crm_connections SET disconnected_at = $1, enabled = 0, settings_nonce = NULL,
                 settings_cipher = NULL, lease_owner = NULL, lease_until = NULL
             WHERE org_id = $2 AND connection_id = $3 AND disconnected_at IS NULL",
            org,
            id,
            at,
        )
        .await
    }

    /// Makes a connected connection due at `at` (a sync asked for, a CRM
    /// webhook); whether one was found.
    pub async fn connection_due(
        &self,
        org: &OrgId,
        id: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        self.update_connected(
            "UPDATE crm_connections SET next_attempt_at = $1
             WHERE org_id = $2 AND connection_id = $3 AND disconnected_at IS NULL",
            org,
            id,
            at,
        )
        .await
    }

    /// Runs one update of a connected connection (`$1` the time, `$2` the
    /// org, `$3` the connection); whether it found one.
    async fn update_connected(
        &self,
        sql: &'static str,
        org: &OrgId,
        id: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(sql)
            .bind(micros(at))
            .bind(org.to_string())
            .bind(id.to_string())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records a check: who it signed in as, or why it failed (which then
    /// needs an admin). A successful check clears the attention and makes
    /// the connection due.
    pub async fn record_connection_check(
        &self,
        org: &OrgId,
        id: &str,
        at: Timestamp,
        outcome: Result<&str, &str>,
    ) -> Result<(), StoreError> {
        let q = match outcome {
            Ok(who) => sqlx::query(
                "UPDATE crm_connections SET checked_as = $1, checked_at = $2, attention = NULL,
                     failures = 0, next_attempt_at = $2
                 WHERE org_id = $3 AND connection_id = $4",
            )
            .bind(who.to_string()),
            Err(why) => sqlx::query(
                "UPDATE crm_connections SET attention = $1, checked_at = $2, last_error = $1,
                     last_error_at = $2
                 WHERE org_id = $3 AND connection_id = $4",
            )
            .bind(why.to_string()),
        };
        q.bind(micros(at))
            .bind(org.to_string())
            .bind(id.to_string())
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Claims one due connected connection for `owner` until `lease_until`;
    /// another claimer skips it until the lease runs out or is released.
    pub async fn claim_connection(
        &self,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Option<ConnectionRecord>, StoreError> {
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE crm_connections SET lease_owner = $1, lease_until = $2, gates_touched = 0
             WHERE (org_id, connection_id) IN (
                 SELECT org_id, connection_id FROM crm_connections
                 WHERE enabled = 1 AND disconnected_at IS NULL AND next_attempt_at <= $3
                   AND (lease_until IS NULL OR lease_until <= $4)
                 ORDER BY next_attempt_at, org_id, connection_id LIMIT 1 {lock})
             RETURNING org_id, connection_id"
        );
        let mut tx = self.begin_write().await?;
        let claimed: Option<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(owner.to_string())
            .bind(micros(lease_until))
            .bind(micros(now))
            .bind(micros(now))
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        let Some((org, id)) = claimed else {
            return Ok(None);
        };
        let org = OrgId::parse(&org).map_err(|e| StoreError::corrupt("connection org", e))?;
        // Read from the writer: the claim just committed there.
        let rows = fetch_rows_on_writer(self, &org, &id).await?;
        Ok(rows)
    }

    /// Records one applied page: the deals it brought in and where the next
    /// pull resumes, in one transaction, and extends the lease. False (and
    /// nothing written) when `owner` lost the lease.
    pub async fn save_sync_page(
        &self,
        org: &OrgId,
        id: &str,
        owner: &str,
        page: &SyncPage<'_>,
    ) -> Result<bool, StoreError> {
        let SyncPage {
            watermark,
            deals,
            now,
            lease_until,
        } = *page;
        let mut tx = self.begin_write().await?;
        let held = sqlx::query(
            "UPDATE crm_connections SET watermark = $1, lease_until = $2, last_pull_at = $3
             WHERE org_id = $4 AND connection_id = $5 AND lease_owner = $6 AND disconnected_at IS NULL",
        )
        .bind(watermark.to_string())
        .bind(micros(lease_until))
        .bind(micros(now))
        .bind(org.to_string())
        .bind(id.to_string())
        .bind(owner.to_string())
        .execute(&mut *tx)
        .await?;
        if held.rows_affected() == 0 {
            return Ok(false);
        }
        for d in deals {
            sqlx::query(
                "INSERT INTO crm_synced_deals (org_id, connection_id, deal_id, account_id, contract,
                     handoff_id, pending, gone, synced_at)
                 VALUES ($1, $2, $3, $4, $5, $6, 1, 0, $7)
                 ON CONFLICT (org_id, connection_id, deal_id) DO UPDATE SET
                     account_id = excluded.account_id, contract = excluded.contract,
                     handoff_id = excluded.handoff_id, gone = 0, synced_at = excluded.synced_at",
            )
            .bind(org.to_string())
            .bind(id.to_string())
            .bind(d.deal.clone())
            .bind(d.account.clone())
            .bind(d.contract.clone())
            .bind(d.handoff.clone())
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE crm_connections SET deals_synced = (SELECT COUNT(*) FROM crm_synced_deals
                 WHERE org_id = $1 AND connection_id = $2)
             WHERE org_id = $1 AND connection_id = $2",
        )
        .bind(org.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Ends `owner`'s round: records how it went and when the next is due,
    /// and releases the lease. False when the lease was lost meanwhile.
    pub async fn finish_sync_round(
        &self,
        org: &OrgId,
        id: &str,
        owner: &str,
        end: &RoundEnd,
    ) -> Result<bool, StoreError> {
        let at = micros(end.at);
        let pulled = end.pulled.then_some(at);
        let q = match &end.error {
            None => sqlx::query(
                "UPDATE crm_connections SET last_success_at = $1, failures = 0, attention = NULL,
                     last_pull_at = COALESCE($2, last_pull_at),
                     next_attempt_at = CASE WHEN gates_touched = 1 THEN $1 ELSE $3 END,
                     lease_owner = NULL, lease_until = NULL
                 WHERE org_id = $4 AND connection_id = $5 AND lease_owner = $6",
            )
            .bind(at)
            .bind(pulled)
            .bind(micros(end.next_attempt_at)),
            Some(error) => sqlx::query(
                "UPDATE crm_connections SET last_error = $1, last_error_at = $2, failures = failures + 1,
                     attention = $3, last_pull_at = COALESCE($4, last_pull_at), next_attempt_at = $5,
                     lease_owner = NULL, lease_until = NULL
                 WHERE org_id = $6 AND connection_id = $7 AND lease_owner = $8",
            )
            .bind(error.clone())
            .bind(at)
            .bind(end.attention.clone())
            .bind(pulled)
            .bind(micros(end.next_attempt_at)),
        };
        let done = q
            .bind(org.to_string())
            .bind(id.to_string())
            .bind(owner.to_string())
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The connection's deals still written to, in deal order after
    /// `after`, at most `limit`.
    pub async fn synced_deals(
        &self,
        org: &OrgId,
        id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<SyncedDealRecord>, StoreError> {
        type DealRow = (
            String,
            String,
            String,
            String,
            Option<String>,
            Option<i64>,
            i64,
        );
        let rows: Vec<DealRow> = sqlx::query_as(
            "SELECT deal_id, account_id, contract, handoff_id, written_gate, written_at, pending
             FROM crm_synced_deals
             WHERE org_id = $1 AND connection_id = $2 AND gone = 0 AND deal_id > $3
             ORDER BY deal_id LIMIT $4",
        )
        .bind(org.to_string())
        .bind(id.to_string())
        .bind(after.unwrap_or_default().to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.write)
        .await?;
        rows.into_iter()
            .map(
                |(deal, account, contract, handoff, written_gate, written_at, pending)| {
                    Ok(SyncedDealRecord {
                        deal,
                        account,
                        contract,
                        handoff,
                        written_gate,
                        written_at: opt_time(written_at)?,
                        pending: pending != 0,
                    })
                },
            )
            .collect()
    }

    /// Marks deals as waiting for a write-back (their gate changed).
    pub async fn mark_writes_pending(
        &self,
        org: &OrgId,
        id: &str,
        deals: &[String],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for d in deals {
            sqlx::query(
                "UPDATE crm_synced_deals SET pending = 1
                 WHERE org_id = $1 AND connection_id = $2 AND deal_id = $3",
            )
            .bind(org.to_string())
            .bind(id.to_string())
            .bind(d.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records that `gate` (JSON) was written onto a deal; `gone` marks a
    /// deal the CRM refused for good (it is written no more).
    pub async fn record_write_back(
        &self,
        org: &OrgId,
        id: &str,
        deal: &str,
        gate: Option<&str>,
        gone: bool,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE crm_synced_deals SET written_gate = COALESCE($1, written_gate),
                 written_at = CASE WHEN $2 = 1 THEN written_at ELSE $3 END, pending = 0, gone = $4
             WHERE org_id = $5 AND connection_id = $6 AND deal_id = $7",
        )
        .bind(gate.map(str::to_string))
        .bind(i64::from(gone))
        .bind(micros(at))
        .bind(i64::from(gone))
        .bind(org.to_string())
        .bind(id.to_string())
        .bind(deal.to_string())
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Appends to a connection's log, keeping the newest
    /// [`CONNECTION_LOG_KEEP`] entries.
    pub async fn append_connection_log(
        &self,
        org: &OrgId,
        id: &str,
        at: Timestamp,
        level: &str,
        deal: Option<&str>,
        message: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        // The counter row serializes appenders on PostgreSQL (row lock).
        let seq: Option<i64> = sqlx::query_scalar(
            "UPDATE crm_connections SET log_seq = log_seq + 1
             WHERE org_id = $1 AND connection_id = $2 RETURNING log_seq",
        )
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(seq) = seq else {
            return Ok(());
        };
        sqlx::query(
            "INSERT INTO crm_connection_log (org_id, connection_id, seq, at, level, deal_id, message)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(org.to_string())
        .bind(id.to_string())
        .bind(seq)
        .bind(micros(at))
        .bind(level.to_string())
        .bind(deal.map(str::to_string))
        .bind(message.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "DELETE FROM crm_connection_log WHERE org_id = $1 AND connection_id = $2 AND seq <= $3",
        )
        .bind(org.to_string())
        .bind(id.to_string())
        .bind(seq - CONNECTION_LOG_KEEP)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A connection's log, newest first, before `before` (a `seq`).
    pub async fn connection_log(
        &self,
        org: &OrgId,
        id: &str,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<ConnectionLogEntry>, StoreError> {
        let rows: Vec<(i64, i64, String, Option<String>, String)> = sqlx::query_as(
            "SELECT seq, at, level, deal_id, message FROM crm_connection_log
             WHERE org_id = $1 AND connection_id = $2 AND seq < $3
             ORDER BY seq DESC LIMIT $4",
        )
        .bind(org.to_string())
        .bind(id.to_string())
        .bind(before.map_or(i64::MAX, |b| i64::try_from(b).unwrap_or(i64::MAX)))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(seq, at, level, deal, message)| {
                Ok(ConnectionLogEntry {
                    seq: seq.max(0) as u64,
                    at: from_micros(at)?,
                    level,
                    deal,
                    message,
                })
            })
            .collect()
    }
}

async fn fetch_rows_on_writer(
    store: &Store,
    org: &OrgId,
    id: &str,
) -> Result<Option<ConnectionRecord>, StoreError> {
    let probe = Store {
        write: store.write.clone(),
        read: store.write.clone(),
        lite: None,
        pg: None,
        defs: store.defs.clone(),
        committer: store.committer.clone(),
        backend: store.backend,
        _in_use: None,
    };
    probe.connection(org, id).await
}

/// In a change's transaction: a synced deal's handoff changed (submitted,
/// rejected, accepted…), so its gate may have; the connections that write
/// that deal's gate back are made due now, as the outbox is written with
/// the event. The next round then writes the new gate onto the deal without
/// waiting for the poll. A connection backing off from its CRM is left to
/// its backoff.
pub(crate) async fn gates_touched(
    tx: &mut crate::tx::Tx<'_>,
    org: &OrgId,
    handoffs: &[&str],
    now: Timestamp,
) -> Result<(), StoreError> {
    if handoffs.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = (0..handoffs.len()).map(|i| format!("${}", i + 3)).collect();
    let sql = format!(
        "UPDATE crm_connections SET gates_touched = 1,
             next_attempt_at = CASE WHEN next_attempt_at > $1 THEN $1 ELSE next_attempt_at END
         WHERE org_id = $2 AND disconnected_at IS NULL AND failures = 0
           AND connection_id IN (SELECT connection_id FROM crm_synced_deals
                                 WHERE org_id = $2 AND handoff_id IN ({}))",
        list.join(", ")
    );
    let mut args = vec![micros(now).into(), org.to_string().into()];
    args.extend(handoffs.iter().map(|h| crate::sql_args::Arg::from(*h)));
    tx.exec(&sql, &args).await?;
    Ok(())
}
