//! Inbound CRM mapping rules: configuration beside the event log, like
//! webhook subscriptions. The store keeps them as given; which change maps
//! to which draft is decided in the app.

use baton_domain::OrgId;

use crate::{Store, StoreError};

/// One stored rule, in the org's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrmRuleRecord {
    /// The CRM object kind (`deal`, `opportunity`, `account`).
    pub object: String,
    /// The stage folded for comparison.
    pub stage_key: String,
    /// The stage as the admin wrote it.
    pub stage: String,
    /// The contract whose draft it starts.
    pub contract: String,
    /// `owner` or a fixed sender's email.
    pub sender: String,
}

impl Store {
    /// The org's rules in the order they were given; empty when it has none.
    pub async fn crm_rules(&self, org: &OrgId) -> Result<Vec<CrmRuleRecord>, StoreError> {
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT object, stage_key, stage, contract, sender FROM crm_rules
             WHERE org_id = $1 ORDER BY position",
        )
        .bind(org.to_string())
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(object, stage_key, stage, contract, sender)| CrmRuleRecord {
                    object,
                    stage_key,
                    stage,
                    contract,
                    sender,
                },
            )
            .collect())
    }

    /// Replaces the org's rules in one transaction (an empty list returns
    /// the org to the defaults).
    pub async fn set_crm_rules(
        &self,
        org: &OrgId,
        rules: &[CrmRuleRecord],
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM crm_rules WHERE org_id = $1")
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        for (position, r) in (0_i64..).zip(rules) {
            sqlx::query(
                "INSERT INTO crm_rules (org_id, object, stage_key, stage, contract, sender, position)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(org.to_string())
            .bind(r.object.clone())
            .bind(r.stage_key.clone())
            .bind(r.stage.clone())
            .bind(r.contract.clone())
            .bind(r.sender.clone())
            .bind(position)
            .execute(&mut *tx)
            .await
            .map_err(|e| {
                crate::conflict_on_unique(e, || {
                    format!("two rules for {} at stage '{}'", r.object, r.stage)
                })
            })?;
        }
        tx.commit().await?;
        Ok(())
    }
}
