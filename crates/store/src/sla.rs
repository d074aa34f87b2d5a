//! The stored SLA deadlines: kept in step with each handoff by the write path
//! (in the transaction that changes it), and what the breach job reads.

use std::collections::{BTreeMap, BTreeSet};

use baton_domain::event::Event;
use baton_domain::sla::{SlaKind, deadline_rows};
use baton_domain::{ContractDef, ContractKey, Handoff, HandoffId, OrgId, Timestamp};
use sqlx::Row;

use crate::many::insert_many;
use crate::sql_args::Arg;
use crate::tx::Tx;
use crate::{Backend, Store, StoreError, from_micros, micros, placeholders};

/// Handoffs per bulk delete.
const CHUNK: usize = 1000;

/// A deadline that fell due and whose breach is not recorded yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueDeadline {
    /// The org.
    pub org: OrgId,
    /// The handoff.
    pub handoff: HandoffId,
    /// Which promise.
    pub kind: SlaKind,
    /// When it fell due.
    pub due: Timestamp,
}

/// Records the breaches among `events` against their deadline's key: a
/// deadline's breach is recorded once, and a second attempt (another process
/// running the job at the same time) is a conflict that rolls its whole
/// change back.
pub(crate) async fn claim_breaches(
    tx: &mut Tx<'_>,
    org: &OrgId,
    events: &[(u64, &Event)],
) -> Result<(), StoreError> {
    for (_, e) in events {
        let Event::SlaBreached {
            handoff,
            kind,
            due,
            at,
        } = e
        else {
            continue;
        };
        let done = tx
            .exec(
                "INSERT INTO sla_deadlines (org_id, handoff_id, kind, due, fired_at) VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (org_id, handoff_id, kind, due) DO UPDATE SET fired_at = excluded.fired_at
                 WHERE sla_deadlines.fired_at IS NULL",
                &[
                    org.to_string().into(),
                    handoff.to_string().into(),
                    kind.as_str().into(),
                    micros(*due).into(),
                    micros(*at).into(),
                ],
            )
            .await?;
        if done == 0 {
            return Err(StoreError::Conflict(format!(
                "the {kind} deadline of handoff '{handoff}' due {due} is already recorded as breached"
            )));
        }
    }
    Ok(())
}

/// The definitions the handoffs are bound to, read inside the transaction
/// (a version published by the same change is already there).
async fn bound_defs(
    tx: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    handoffs: &[Handoff],
) -> Result<BTreeMap<(ContractKey, u32), ContractDef>, StoreError> {
    let wanted: BTreeSet<(ContractKey, u32)> = handoffs
        .iter()
        .map(|h| (h.contract.clone(), h.version))
        .collect();
    let contracts: Vec<String> = wanted
        .iter()
        .map(|(c, _)| c.to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut out = BTreeMap::new();
    if contracts.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT contract, version, definition FROM contract_versions WHERE org_id = {} AND contract IN ({})",
        placeholders(backend, 1, 1),
        placeholders(backend, 2, contracts.len())
    );
    let mut args: Vec<Arg> = vec![org.to_string().into()];
    args.extend(contracts.iter().map(Arg::from));
    let rows = tx
        .rows(&sql, &args, |r| Ok((r.text(0)?, r.int(1)?, r.text(2)?)))
        .await?;
    for (contract, version, def) in rows {
        let key = (
            ContractKey::parse(contract).map_err(|e| StoreError::corrupt("contract key", e))?,
            u32::try_from(version).map_err(|e| StoreError::corrupt("contract version", e))?,
        );
        if wanted.contains(&key) {
            let def: ContractDef = serde_json::from_str(&def)
                .map_err(|e| StoreError::corrupt("contract version", e))?;
            out.insert(key, def);
        }
    }
    Ok(out)
}

/// Replaces the open deadlines of `handoffs` with those their new state
/// implies; recorded breaches stay.
pub(crate) async fn refresh_deadlines(
    tx: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    handoffs: &[Handoff],
    fresh: bool,
) -> Result<(), StoreError> {
    if handoffs.is_empty() {
        return Ok(());
    }
    let defs = bound_defs(tx, backend, org, handoffs).await?;
    let o = org.to_string();
    if !fresh {
        for chunk in handoffs.chunks(CHUNK) {
            let sql = format!(
                "DELETE FROM sla_deadlines WHERE org_id = {} AND fired_at IS NULL AND handoff_id IN ({})",
                placeholders(backend, 1, 1),
                placeholders(backend, 2, chunk.len())
            );
            let mut args: Vec<Arg> = vec![(&o).into()];
            args.extend(chunk.iter().map(|h| Arg::from(h.id.to_string())));
            tx.exec(&sql, &args).await?;
        }
    }
    let mut rows = Vec::new();
    for h in handoffs {
        let def = defs.get(&(h.contract.clone(), h.version)).ok_or_else(|| {
            StoreError::corrupt(
                "handoff",
                format!(
                    "'{}' is bound to version {} of '{}', which is not published",
                    h.id, h.version, h.contract
                ),
            )
        })?;
        rows.extend(deadline_rows(h, def).into_iter().map(|r| (&h.id, r)));
    }
    insert_many(
        tx,
        backend,
        (
            "INSERT INTO sla_deadlines (org_id, handoff_id, kind, due, fired_at) VALUES",
            5,
            "ON CONFLICT (org_id, handoff_id, kind, due) DO NOTHING",
        ),
        &rows,
        |q, _, (id, r)| {
            q.extend([
                Arg::from(&o),
                id.to_string().into(),
                r.kind.as_str().into(),
                micros(r.due).into(),
                r.fired_at.map(micros).into(),
            ]);
            Ok(())
        },
    )
    .await?;
    Ok(())
}

impl Store {
    /// Fills the deadlines of orgs whose handoffs predate the deadline table
    /// (listed by migration 0009), once each.
    pub(crate) async fn backfill_deadlines(&self) -> Result<(), StoreError> {
        let orgs: Vec<String> =
            sqlx::query_scalar("SELECT org_id FROM sla_backfill ORDER BY org_id")
                .fetch_all(&self.write)
                .await?;
        for org in orgs {
            let org = OrgId::parse(org).map_err(|e| StoreError::corrupt("org id", e))?;
            let mut tx = self.begin_write().await?;
            let docs: Vec<String> = sqlx::query_scalar(
                "SELECT doc FROM handoffs WHERE org_id = $1 ORDER BY handoff_id",
            )
            .bind(org.to_string())
            .fetch_all(&mut *tx)
            .await?;
            let handoffs = docs
                .iter()
                .map(|d| serde_json::from_str(d).map_err(|e| StoreError::corrupt("handoff", e)))
                .collect::<Result<Vec<Handoff>, _>>()?;
            refresh_deadlines(
                &mut crate::tx::Tx::Any(&mut tx),
                self.backend,
                &org,
                &handoffs,
                false,
            )
            .await?;
            sqlx::query("DELETE FROM sla_backfill WHERE org_id = $1")
                .bind(org.to_string())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(org = %org, handoffs = handoffs.len(), "filled the SLA deadlines");
        }
        Ok(())
    }

    /// Per org: breaches recorded, and deadlines passed before `now` whose
    /// breach is not recorded yet (the job's backlog).
    pub async fn sla_counts(&self, now: Timestamp) -> Result<Vec<(OrgId, u64, u64)>, StoreError> {
        let rows: Vec<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
            "SELECT org_id,
                    SUM(CASE WHEN fired_at IS NOT NULL THEN 1 ELSE 0 END),
                    SUM(CASE WHEN fired_at IS NULL AND due < $1 THEN 1 ELSE 0 END)
             FROM sla_deadlines GROUP BY org_id ORDER BY org_id",
        )
        .bind(micros(now))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(org, fired, backlog)| {
                let n = |v: Option<i64>| u64::try_from(v.unwrap_or(0)).unwrap_or(0);
                Ok((
                    OrgId::parse(org).map_err(|e| StoreError::corrupt("org id", e))?,
                    n(fired),
                    n(backlog),
                ))
            })
            .collect()
    }

    /// Deadlines of every org that fell due before `now` and whose breach is
    /// not recorded, soonest first, at most `limit`.
    pub async fn due_deadlines(
        &self,
        now: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueDeadline>, StoreError> {
        let rows = sqlx::query(
            "SELECT org_id, handoff_id, kind, due FROM sla_deadlines
             WHERE fired_at IS NULL AND due < $1
             ORDER BY due, org_id, handoff_id, kind LIMIT $2",
        )
        .bind(micros(now))
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get(2)?;
                Ok(DueDeadline {
                    org: OrgId::parse(r.try_get::<String, _>(0)?)
                        .map_err(|e| StoreError::corrupt("org id", e))?,
                    handoff: HandoffId::parse(r.try_get::<String, _>(1)?)
                        .map_err(|e| StoreError::corrupt("handoff id", e))?,
                    kind: SlaKind::parse(&kind)
                        .ok_or_else(|| StoreError::corrupt("sla kind", kind.clone()))?,
                    due: from_micros(r.try_get(3)?)?,
                })
            })
            .collect()
    }

    /// The stored deadline rows of one handoff: (kind, due, fired_at), in
    /// key order.
    pub async fn handoff_deadlines(
        &self,
        org: &OrgId,
        handoff: &HandoffId,
    ) -> Result<Vec<(SlaKind, Timestamp, Option<Timestamp>)>, StoreError> {
        let rows = sqlx::query(
            "SELECT kind, due, fired_at FROM sla_deadlines WHERE org_id = $1 AND handoff_id = $2
             ORDER BY kind, due",
        )
        .bind(org.to_string())
        .bind(handoff.to_string())
        .fetch_all(&self.read)
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get(0)?;
                Ok((
                    SlaKind::parse(&kind)
                        .ok_or_else(|| StoreError::corrupt("sla kind", kind.clone()))?,
                    from_micros(r.try_get(1)?)?,
                    r.try_get::<Option<i64>, _>(2)?
                        .map(from_micros)
                        .transpose()?,
                ))
            })
            .collect()
    }
}
