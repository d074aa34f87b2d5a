//! Rebuilding projections from the log, and a canonical dump of them so a
//! rebuild can be proven to change nothing.

use baton_domain::Handoff;
use baton_domain::OrgId;
use baton_domain::account::Account;
use baton_domain::contract::Contract;
use baton_domain::event::Event;
use sqlx::any::AnyRow;
use sqlx::{AssertSqlSafe, Row};

use crate::commit::{project_events, upsert_accounts, upsert_contract, upsert_handoffs};
use crate::read::StoredEvent;
use crate::{Store, StoreError};

/// Projection tables with their key columns, children before parents so they
/// can be cleared in this order.
const PROJECTIONS: &[(&str, &str)] = &[
    ("sla_deadlines", "handoff_id, kind, due"),
    ("scorecard_cells", "contract, period"),
    ("scorecard_duration_buckets", "contract, period, bucket"),
    ("scorecard_parts", "account_id, contract, period"),
    (
        "scorecard_durations",
        "contract, period, seconds, account_id",
    ),
    ("arr_at_risk", "account_id, contract"),
    ("scorecard_leaks", "contract, period, account_id"),
    ("fx_rates", "currency, to_currency, effective"),
    ("fx_reporting", "currency"),
    ("handoffs", "handoff_id"),
    ("incidents", "seq"),
    ("suggestions", "id"),
    ("nps_responses", "seq"),
    ("churns", "seq"),
    ("accounts", "account_id"),
    ("contract_versions", "contract, version"),
    ("contracts", "contract"),
    ("memberships", "email, team"),
    ("users", "email"),
    ("teams", "team"),
];

/// Projections folded from the whole log, ready to replace the stored ones.
#[derive(Debug, Clone, Default)]
pub struct Folded {
    /// Every contract.
    pub contracts: Vec<Contract>,
    /// Every account.
    pub accounts: Vec<Account>,
    /// Every handoff.
    pub handoffs: Vec<Handoff>,
    /// The org stream's version.
    pub org_version: u64,
}

fn cell(r: &AnyRow, i: usize) -> String {
    if let Ok(v) = r.try_get::<Option<String>, _>(i) {
        return v.map_or_else(|| "∅".into(), |s| format!("{s:?}"));
    }
    if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
        return v.map_or_else(|| "∅".into(), |n| n.to_string());
    }
    "?".into()
}

impl Store {
    /// Every projection row of the org as text, in key order: equal dumps
    /// mean equal projections.
    pub async fn dump_projections(&self, org: &OrgId) -> Result<String, StoreError> {
        let mut out = String::new();
        for (table, key) in PROJECTIONS.iter().rev() {
            let sql = format!("SELECT * FROM {table} WHERE org_id = $1 ORDER BY {key}");
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(org.to_string())
                .fetch_all(&self.read)
                .await?;
            out.push_str(&format!("## {table} ({} rows)\n", rows.len()));
            for r in &rows {
                let cells: Vec<String> = (0..r.len()).map(|i| cell(r, i)).collect();
                out.push_str(&cells.join(" | "));
                out.push('\n');
            }
        }
        let v: Option<i64> =
            sqlx::query_scalar("SELECT stream_version FROM orgs WHERE org_id = $1")
                .bind(org.to_string())
                .fetch_optional(&self.read)
                .await?;
        out.push_str(&format!("## org stream_version {v:?}\n"));
        Ok(out)
    }

    /// Replaces every projection of the org with ones folded from `events`
    /// (the whole log, in order), in one transaction.
    pub async fn replace_projections(
        &self,
        org: &OrgId,
        events: &[StoredEvent],
        folded: &Folded,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        for (table, _) in PROJECTIONS {
            sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE org_id = $1"
            )))
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        }
        let mut w = crate::tx::Tx::Any(&mut tx);
        for c in &folded.contracts {
            upsert_contract(&mut w, org, c).await?;
        }
        upsert_accounts(&mut w, self.backend, org, &folded.accounts).await?;
        let seqs: Vec<(u64, &Event)> = events.iter().map(|e| (e.seq, &e.event)).collect();
        project_events(&mut w, self.backend, org, &seqs).await?;
        upsert_handoffs(&mut w, self.backend, org, &folded.handoffs).await?;
        crate::sla::refresh_deadlines(&mut w, self.backend, org, &folded.handoffs, true).await?;
        let all = folded.accounts.iter().map(|a| a.id.clone()).collect();
        crate::scorecard::rewrite(&mut w, self.backend, org, &all).await?;
        sqlx::query("UPDATE orgs SET stream_version = $1 WHERE org_id = $2")
            .bind(folded.org_version as i64)
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
