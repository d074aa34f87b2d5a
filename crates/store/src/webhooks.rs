//! Outbound webhook subscriptions: which URL wants which event kinds. They
//! are configuration, not history, so they live beside the event log; the
//! signing secret is stored (deliveries need it) but never read back by a
//! listing.

use baton_domain::{Email, OrgId, Timestamp};

use crate::{Store, StoreError, from_micros, micros};

/// A webhook subscription as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRecord {
    /// Its id.
    pub id: String,
    /// Where deliveries go.
    pub url: String,
    /// The event kinds it wants, or `*` for all.
    pub events: Vec<String>,
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
            "INSERT INTO webhook_subscriptions (org_id, webhook_id, url, events, secret, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(org.to_string())
        .bind(hook.id.clone())
        .bind(hook.url.clone())
        .bind(events)
        .bind(secret.to_string())
        .bind(hook.created_by.to_string())
        .bind(micros(hook.created_at))
        .execute(&self.write)
        .await
        .map_err(|e| crate::conflict_on_unique(e, || format!("webhook '{}' exists", hook.id)))?;
        Ok(())
    }

    /// The org's subscriptions, oldest first.
    pub async fn webhooks(&self, org: &OrgId) -> Result<Vec<WebhookRecord>, StoreError> {
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT webhook_id, url, events, created_by, created_at FROM webhook_subscriptions
             WHERE org_id = $1 ORDER BY created_at, webhook_id",
        )
        .bind(org.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(id, url, events, by, at)| {
                Ok(WebhookRecord {
                    id,
                    url,
                    events: serde_json::from_str(&events)
                        .map_err(|e| StoreError::corrupt("webhook events", e))?,
                    created_by: Email::parse(&by)
                        .map_err(|e| StoreError::corrupt("webhook creator", e))?,
                    created_at: from_micros(at)?,
                })
            })
            .collect()
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
