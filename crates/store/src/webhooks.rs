//! Outbound webhook subscriptions: which URL wants which event kinds. They
//! are configuration, not history, so they live beside the event log; the
//! signing secret is stored (deliveries need it) but never read back by a
//! listing.

use baton_domain::{Email, OrgId, Timestamp};

use crate::change::NewEvent;
use crate::{Backend, Store, StoreError, from_micros, micros};

/// A webhook subscription as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRecord {
    /// Its id.
    pub id: String,
    /// Where deliveries go.
    pub url: String,
    /// The event kinds it wants, or `*` for all.
    pub events: Vec<String>,
    /// How deliveries are shaped: `json` (signed event) or `slack`.
    pub format: String,
    /// Who made it.
    pub created_by: Email,
    /// When.
    pub created_at: Timestamp,
}

impl Store {
    /// Records a subscription with its signing secret.
    pub async fn create_webhook(
        &self,
        org: &OrgId,
        hook: &WebhookRecord,
        secret: &str,
    ) -> Result<(), StoreError> {
        let events =
            serde_json::to_string(&hook.events).map_err(|e| StoreError::corrupt("webhook", e))?;
        sqlx::query(
            "INSERT INTO webhook_subscriptions (org_id, webhook_id, url, events, secret, created_by, created_at, format)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(org.to_string())
        .bind(hook.id.clone())
        .bind(hook.url.clone())
        .bind(events)
        .bind(secret.to_string())
        .bind(hook.created_by.to_string())
        .bind(micros(hook.created_at))
        .bind(hook.format.clone())
        .execute(&self.write)
        .await
        .map_err(|e| crate::conflict_on_unique(e, || format!("webhook '{}' exists", hook.id)))?;
        Ok(())
    }

    /// The org's subscriptions, oldest first.
    pub async fn webhooks(&self, org: &OrgId) -> Result<Vec<WebhookRecord>, StoreError> {
        let rows: Vec<(String, String, String, String, i64, String)> = sqlx::query_as(
            "SELECT webhook_id, url, events, created_by, created_at, format FROM webhook_subscriptions
             WHERE org_id = $1 ORDER BY created_at, webhook_id",
        )
        .bind(org.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(id, url, events, by, at, format)| {
                Ok(WebhookRecord {
                    id,
                    url,
                    events: serde_json::from_str(&events)
                        .map_err(|e| StoreError::corrupt("webhook events", e))?,
                    created_by: Email::parse(&by)
                        .map_err(|e| StoreError::corrupt("webhook creator", e))?,
                    created_at: from_micros(at)?,
                    format,
                })
            })
            .collect()
    }

    /// Where a subscription sends, with its signing secret and format, to
    /// send it a test delivery; `None` when the org has no such
    /// subscription.
    pub async fn webhook_target(
        &self,
        org: &OrgId,
        id: &str,
    ) -> Result<Option<(String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT url, secret, format FROM webhook_subscriptions
             WHERE org_id = $1 AND webhook_id = $2",
        )
        .bind(org.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await?)
    }

    /// Deletes a subscription; whether it existed in the org.
    pub async fn delete_webhook(&self, org: &OrgId, id: &str) -> Result<bool, StoreError> {
        let done =
            sqlx::query("DELETE FROM webhook_subscriptions WHERE org_id = $1 AND webhook_id = $2")
                .bind(org.to_string())
                .bind(id.to_string())
                .execute(&self.write)
                .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed; waits for a manual redelivery.
    Dead,
}

impl DeliveryStatus {
    /// Its stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }

    /// The status named `raw` (`pending`, `delivered`, `dead`).
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Dead]
            .into_iter()
            .find(|s| s.as_str() == raw)
    }

    /// A stored status, which must be one of them.
    fn stored(s: &str) -> Result<Self, StoreError> {
        Self::parse(s).ok_or_else(|| StoreError::corrupt("delivery status", s))
    }
}

/// One attempt to deliver, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    /// 1 for the first attempt, counting across redeliveries.
    pub attempt: u32,
    /// When it was made.
    pub at: Timestamp,
    /// The receiver's HTTP status, when it answered.
    pub http_status: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// How long the request took.
    pub duration_ms: u64,
}

/// A delivery as the log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRecord {
    /// Its id (sent as `Baton-Delivery`).
    pub id: String,
    /// The subscription.
    pub webhook_id: String,
    /// The event's org-wide sequence number.
    pub seq: u64,
    /// The event's kind.
    pub kind: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts since it was last made pending.
    pub attempts: u32,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<Timestamp>,
    /// The last failure.
    pub last_error: Option<String>,
    /// When the event was committed.
    pub created_at: Timestamp,
    /// When a receiver took it.
    pub delivered_at: Option<Timestamp>,
    /// Its attempts, oldest first.
    pub log: Vec<AttemptRecord>,
}

/// A due delivery claimed by one job round, with what sending it needs.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    /// The org.
    pub org: OrgId,
    /// The delivery's id.
    pub id: String,
    /// The subscription.
    pub webhook_id: String,
    /// The event's sequence number.
    pub seq: u64,
    /// The event's kind.
    pub kind: String,
    /// Attempts made before this one (since it was last made pending).
    pub attempts: u32,
    /// Where to send it.
    pub url: String,
    /// The signing secret.
    pub secret: String,
    /// `json` or `slack`.
    pub format: String,
    /// The event's stored JSON (its SPEC §9 line).
    pub payload: String,
}

/// What one attempt came to, to record.
#[derive(Debug, Clone)]
pub struct DeliveryOutcome {
    /// When the attempt was made.
    pub at: Timestamp,
    /// The receiver's status, when it answered.
    pub http_status: Option<u16>,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: u64,
    /// The delivery's status after it.
    pub status: DeliveryStatus,
    /// When to try again (pending only).
    pub next_attempt_at: Timestamp,
}

/// Writes one outbox row per (subscription, event) the subscription wants.
/// Most orgs have no subscription: one indexed read and nothing else.
pub(crate) async fn enqueue(
    tx: &mut crate::tx::Tx<'_>,
    backend: Backend,
    org: &OrgId,
    first: u64,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let subs = tx
        .rows(
            "SELECT webhook_id, events FROM webhook_subscriptions WHERE org_id = $1 ORDER BY webhook_id",
            &[org.to_string().into()],
            |r| Ok((r.text(0)?, r.text(1)?)),
        )
        .await?;
    if subs.is_empty() {
        return Ok(());
    }
    let subs = subs
        .into_iter()
        .map(|(id, kinds)| {
            let kinds: Vec<String> = serde_json::from_str(&kinds)
                .map_err(|e| StoreError::corrupt("webhook events", e))?;
            Ok((id, kinds))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let mut rows: Vec<(&str, u64, &'static str, i64)> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let kind = e.event.kind();
        for (id, kinds) in &subs {
            if kinds.iter().any(|k| k == "*" || k == kind) {
                rows.push((id, first + i as u64, kind, micros(e.recorded_at)));
            }
        }
    }
    let o = org.to_string();
    crate::many::insert_many(
        tx,
        backend,
        (
            "INSERT INTO webhook_deliveries (org_id, delivery_id, webhook_id, seq, kind, next_attempt_at, created_at) VALUES",
            7,
            "",
        ),
        &rows,
        |q, _, (id, seq, kind, at)| {
            q.extend([
                crate::sql_args::Arg::from(&o),
                uuid::Uuid::now_v7().to_string().into(),
                (*id).into(),
                (*seq as i64).into(),
                (*kind).into(),
                (*at).into(),
                (*at).into(),
            ]);
            Ok(())
        },
    )
    .await?;
    Ok(())
}

type ClaimRow = (
    String,
    String,
    String,
    i64,
    String,
    i64,
    String,
    String,
    String,
    String,
);

type AttemptRow = (String, i64, i64, Option<i64>, Option<String>, i64);

type DeliveryRow = (
    String,
    String,
    i64,
    String,
    String,
    i64,
    i64,
    Option<String>,
    i64,
    Option<i64>,
);

impl Store {
    /// Claims up to `limit` due pending deliveries for `owner` until
    /// `lease_until`: another claimer skips them until the lease runs out, so
    /// two processes never send one row at once.
    pub async fn claim_deliveries(
        &self,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        // SQLite has one writer, so the UPDATE is already exclusive;
        // PostgreSQL needs the row locks, and skips rows another claim holds.
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let sql = format!(
            "UPDATE webhook_deliveries SET next_attempt_at = $1, lease_owner = $2
             WHERE (org_id, delivery_id) IN (
                 SELECT org_id, delivery_id FROM webhook_deliveries
                 WHERE status = 'pending' AND next_attempt_at <= $3
                 ORDER BY next_attempt_at, org_id, delivery_id LIMIT $4 {lock})
             RETURNING org_id, delivery_id"
        );
        let mut tx = self.begin_write().await?;
        let claimed: Vec<(String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(micros(lease_until))
            .bind(owner.to_string())
            .bind(micros(now))
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<ClaimRow> = sqlx::query_as(
            "SELECT d.org_id, d.delivery_id, d.webhook_id, d.seq, d.kind, d.attempts,
                    s.url, s.secret, s.format, e.payload
             FROM webhook_deliveries d
             JOIN webhook_subscriptions s ON s.org_id = d.org_id AND s.webhook_id = d.webhook_id
             JOIN events e ON e.org_id = d.org_id AND e.seq = d.seq
             WHERE d.lease_owner = $1 AND d.status = 'pending'
             ORDER BY d.org_id, d.seq",
        )
        .bind(owner.to_string())
        .fetch_all(&self.write)
        .await?;
        rows.into_iter()
            .map(
                |(org, id, webhook_id, seq, kind, attempts, url, secret, format, payload)| {
                    Ok(ClaimedDelivery {
                        org: OrgId::parse(&org).map_err(|e| StoreError::corrupt("org id", e))?,
                        id,
                        webhook_id,
                        seq: seq as u64,
                        kind,
                        attempts: attempts as u32,
                        url,
                        secret,
                        format,
                        payload,
                    })
                },
            )
            .collect()
    }

    /// Records an attempt of a delivery `owner` claimed, and where the
    /// delivery stands after it. Returns false (recording nothing) when the
    /// lease was lost to another claimer meanwhile.
    pub async fn finish_delivery(
        &self,
        d: &ClaimedDelivery,
        owner: &str,
        outcome: &DeliveryOutcome,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let delivered = (outcome.status == DeliveryStatus::Delivered).then_some(micros(outcome.at));
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, next_attempt_at = $2,
                 last_error = $3, delivered_at = COALESCE($4, delivered_at), lease_owner = NULL
             WHERE org_id = $5 AND delivery_id = $6 AND lease_owner = $7",
        )
        .bind(outcome.status.as_str())
        .bind(micros(outcome.next_attempt_at))
        .bind(outcome.error.clone())
        .bind(delivered)
        .bind(d.org.to_string())
        .bind(d.id.clone())
        .bind(owner.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let n: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(attempt), 0) + 1 FROM webhook_attempts WHERE org_id = $1 AND delivery_id = $2",
        )
        .bind(d.org.to_string())
        .bind(d.id.clone())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO webhook_attempts (org_id, delivery_id, attempt, at, http_status, error, duration_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(d.org.to_string())
        .bind(d.id.clone())
        .bind(n)
        .bind(micros(outcome.at))
        .bind(outcome.http_status.map(i64::from))
        .bind(outcome.error.clone())
        .bind(outcome.duration_ms as i64)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A subscription's deliveries, newest event first, from before `before`
    /// (an event sequence number) when given, only those in `status` when
    /// given, with their attempts.
    pub async fn deliveries(
        &self,
        org: &OrgId,
        webhook_id: &str,
        status: Option<DeliveryStatus>,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        // `$5` is empty for every status, or the one wanted.
        let rows: Vec<DeliveryRow> = sqlx::query_as(
            "SELECT delivery_id, webhook_id, seq, kind, status, attempts, next_attempt_at, last_error,
                    created_at, delivered_at
             FROM webhook_deliveries WHERE org_id = $1 AND webhook_id = $2 AND seq < $3
                 AND ($5 = '' OR status = $5)
             ORDER BY seq DESC LIMIT $4",
        )
        .bind(org.to_string())
        .bind(webhook_id.to_string())
        .bind(before.map_or(i64::MAX, |b| b as i64))
        .bind(i64::from(limit))
        .bind(status.map_or("", DeliveryStatus::as_str).to_string())
        .fetch_all(&self.read)
        .await?;
        // The page's attempts in one query: its deliveries span a seq range.
        let (Some(newest), Some(oldest)) = (rows.first(), rows.last()) else {
            return Ok(Vec::new());
        };
        let attempts: Vec<AttemptRow> = sqlx::query_as(
            "SELECT a.delivery_id, a.attempt, a.at, a.http_status, a.error, a.duration_ms
             FROM webhook_attempts a JOIN webhook_deliveries d
                 ON d.org_id = a.org_id AND d.delivery_id = a.delivery_id
             WHERE d.org_id = $1 AND d.webhook_id = $2 AND d.seq >= $3 AND d.seq <= $4
             ORDER BY a.delivery_id, a.attempt",
        )
        .bind(org.to_string())
        .bind(webhook_id.to_string())
        .bind(oldest.2)
        .bind(newest.2)
        .fetch_all(&self.read)
        .await?;
        let mut logs: std::collections::HashMap<String, Vec<AttemptRecord>> =
            std::collections::HashMap::new();
        for (delivery, attempt, at, http, error, ms) in attempts {
            logs.entry(delivery).or_default().push(AttemptRecord {
                attempt: attempt as u32,
                at: from_micros(at)?,
                http_status: http.and_then(|s| u16::try_from(s).ok()),
                error,
                duration_ms: ms as u64,
            });
        }
        let mut out = Vec::with_capacity(rows.len());
        for (id, webhook_id, seq, kind, status, attempts, next, last_error, created, delivered) in
            rows
        {
            let status = DeliveryStatus::stored(&status)?;
            out.push(DeliveryRecord {
                log: logs.remove(&id).unwrap_or_default(),
                id,
                webhook_id,
                seq: seq as u64,
                kind,
                status,
                attempts: attempts as u32,
                next_attempt_at: (status == DeliveryStatus::Pending)
                    .then(|| from_micros(next))
                    .transpose()?,
                last_error,
                created_at: from_micros(created)?,
                delivered_at: delivered.map(from_micros).transpose()?,
            });
        }
        Ok(out)
    }

    /// Makes a delivered or dead delivery pending again, due at `now`, with
    /// a fresh count of attempts. `None` when there is no such delivery;
    /// `Some(false)` when it is still pending.
    pub async fn redeliver(
        &self,
        org: &OrgId,
        webhook_id: &str,
        delivery_id: &str,
        now: Timestamp,
    ) -> Result<Option<bool>, StoreError> {
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $1,
                 lease_owner = NULL
             WHERE org_id = $2 AND webhook_id = $3 AND delivery_id = $4 AND status <> 'pending'",
        )
        .bind(micros(now))
        .bind(org.to_string())
        .bind(webhook_id.to_string())
        .bind(delivery_id.to_string())
        .execute(&self.write)
        .await?;
        if done.rows_affected() > 0 {
            return Ok(Some(true));
        }
        let exists: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM webhook_deliveries WHERE org_id = $1 AND webhook_id = $2 AND delivery_id = $3",
        )
        .bind(org.to_string())
        .bind(webhook_id.to_string())
        .bind(delivery_id.to_string())
        .fetch_optional(&self.read)
        .await?;
        Ok(exists.map(|_| false))
    }

    /// Deliveries waiting to be sent, across orgs (the outbox depth).
    pub async fn pending_deliveries(&self) -> Result<u64, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM webhook_deliveries WHERE status = 'pending'")
                .fetch_one(&self.read)
                .await?;
        Ok(n as u64)
    }
}
