//! What the scorecard reads: each account's handoffs and signals, in bulk
//! (one query per table per thousand accounts), so recomputing many accounts
//! costs a few round trips, not a few per account.

use std::collections::BTreeMap;

use baton_domain::audit::{SamplePool, SampleWindow};
use baton_domain::scorecard::{AccountData, ChurnFact, HandoffFacts, IncidentFact, NpsFact};
use baton_domain::{AccountId, ContractKey, Currency, Handoff, HandoffId, Money, OrgId, Timestamp};

use crate::sql_args::{Arg, Cols};
use crate::tx::Tx;
use crate::{Backend, Store, StoreError, from_micros, placeholders};

/// Accounts per bulk read.
const CHUNK: usize = 1000;

impl Store {
    /// Every account id of the org, in order.
    pub async fn account_ids(&self, org: &OrgId) -> Result<Vec<AccountId>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT account_id FROM accounts WHERE org_id = $1 ORDER BY account_id",
        )
        .bind(org.to_string())
        .fetch_all(&self.read)
        .await?;
        ids.into_iter()
            .map(|i| AccountId::parse(i).map_err(|e| StoreError::corrupt("account id", e)))
            .collect()
    }

    /// The accounts with at least one handoff of `contract`, in order.
    pub async fn accounts_with_handoffs_of(
        &self,
        org: &OrgId,
        contract: &ContractKey,
    ) -> Result<Vec<AccountId>, StoreError> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT account_id FROM handoffs WHERE org_id = $1 AND contract = $2
             ORDER BY account_id",
        )
        .bind(org.to_string())
        .bind(contract.to_string())
        .fetch_all(&self.read)
        .await?;
        ids.into_iter()
            .map(|i| AccountId::parse(i).map_err(|e| StoreError::corrupt("account id", e)))
            .collect()
    }

    /// The scorecard data of each of `accounts` (those without any data
    /// are present and empty).
    pub async fn account_data(
        &self,
        org: &OrgId,
        accounts: &[AccountId],
    ) -> Result<BTreeMap<AccountId, AccountData>, StoreError> {
        let mut conn = self.read.acquire().await?;
        load_account_data(&mut Tx::Any(&mut conn), self.backend, org, accounts).await
    }
}

impl Store {
    /// Fills the facts of handoffs stored before the column existed
    /// (migration 0024), a thousand per transaction, so a store opened by
    /// an older Baton is brought up to date once.
    pub(crate) async fn backfill_facts(&self) -> Result<(), StoreError> {
        let mut filled = 0usize;
        // In key order after the last row filled, so each page starts where
        // the previous one ended instead of rescanning the filled rows.
        let mut after = (String::new(), String::new());
        loop {
            let mut tx = self.begin_write().await?;
            let rows: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT org_id, handoff_id, doc FROM handoffs
                 WHERE (org_id, handoff_id) > ($1, $2) AND facts IS NULL
                 ORDER BY org_id, handoff_id LIMIT 1000",
            )
            .bind(after.0.clone())
            .bind(after.1.clone())
            .fetch_all(&mut *tx)
            .await?;
            let Some((org, id, _)) = rows.last() else {
                break;
            };
            after = (org.clone(), id.clone());
            for (org, id, doc) in &rows {
                let h: Handoff =
                    serde_json::from_str(doc).map_err(|e| StoreError::corrupt("handoff", e))?;
                sqlx::query("UPDATE handoffs SET facts = $1 WHERE org_id = $2 AND handoff_id = $3")
                    .bind(encode(&HandoffFacts::of(&h)))
                    .bind(org.clone())
                    .bind(id.clone())
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            filled += rows.len();
        }
        if filled > 0 {
            tracing::info!(
                handoffs = filled,
                "kept the scorecard facts of each handoff"
            );
        }
        Ok(())
    }
}

/// [`Store::account_data`] on a given connection (a transaction's, so the
/// write path sees its own writes).
pub(crate) async fn load_account_data(
    conn: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    accounts: &[AccountId],
) -> Result<BTreeMap<AccountId, AccountData>, StoreError> {
    {
        let mut out: BTreeMap<AccountId, AccountData> = accounts
            .iter()
            .map(|a| {
                (
                    a.clone(),
                    AccountData {
                        account: Some(a.clone()),
                        ..AccountData::default()
                    },
                )
            })
            .collect();
        for chunk in accounts.chunks(CHUNK) {
            let ids: Vec<String> = chunk.iter().map(ToString::to_string).collect();
            for (account, minor, currency) in rows(
                conn,
                backend,
                org,
                "SELECT account_id, arr_minor, currency FROM accounts",
                &ids,
                |r| Ok((r.text(0)?, r.int(1)?, r.text(2)?)),
            )
            .await?
            {
                if let Some(d) = out.get_mut(account.as_str()) {
                    d.arr = Some(Money {
                        minor,
                        currency: Currency::parse(&currency)
                            .map_err(|e| StoreError::corrupt("account", e))?,
                    });
                }
            }
            for (account, id, contract, facts) in rows(
                conn,
                backend,
                org,
                "SELECT account_id, handoff_id, contract, facts FROM handoffs",
                &ids,
                |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?, r.text(3)?)),
            )
            .await?
            {
                if let Some(d) = out.get_mut(account.as_str()) {
                    d.handoffs.push(decode(&id, &contract, &facts)?);
                }
            }
            for (account, at, handoff) in rows(
                conn,
                backend,
                org,
                "SELECT account_id, at, handoff_id FROM incidents",
                &ids,
                |r| Ok((r.text(0)?, r.int(1)?, r.opt_text(2)?)),
            )
            .await?
            {
                if let Some(d) = out.get_mut(account.as_str()) {
                    d.incidents.push(IncidentFact {
                        at: from_micros(at)?,
                        handoff: handoff
                            .map(HandoffId::parse)
                            .transpose()
                            .map_err(|e| StoreError::corrupt("incident", e))?,
                    });
                }
            }
            for (account, at, score) in rows(
                conn,
                backend,
                org,
                "SELECT account_id, at, score FROM nps_responses",
                &ids,
                |r| Ok((r.text(0)?, r.int(1)?, r.int(2)?)),
            )
            .await?
            {
                if let Some(d) = out.get_mut(account.as_str()) {
                    d.nps.push(NpsFact {
                        at: from_micros(at)?,
                        score: u8::try_from(score).map_err(|e| StoreError::corrupt("nps", e))?,
                    });
                }
            }
            for (account, at, minor, currency) in rows(
                conn,
                backend,
                org,
                "SELECT account_id, at, arr_lost_minor, currency FROM churns",
                &ids,
                |r| Ok((r.text(0)?, r.int(1)?, r.int(2)?, r.text(3)?)),
            )
            .await?
            {
                if let Some(d) = out.get_mut(account.as_str()) {
                    d.churns.push(ChurnFact {
                        at: from_micros(at)?,
                        arr_lost: Money {
                            minor,
                            currency: Currency::parse(&currency)
                                .map_err(|e| StoreError::corrupt("churn", e))?,
                        },
                    });
                }
            }
        }
        for d in out.values_mut() {
            d.handoffs.sort_by(|a, b| a.id.cmp(&b.id));
        }
        Ok(out)
    }
}

/// A handoff's [`HandoffFacts`] as the `facts` column keeps them:
/// `accepted/submissions/decisions`, times in nanoseconds (as exact as the
/// document), `at:score` and `at:1|0` pairs separated by commas. Its id and
/// contract are columns of their own.
pub(crate) fn encode(f: &HandoffFacts) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(24 + 26 * (f.submissions.len() + f.decisions.len()));
    if let Some(a) = f.accepted_at {
        let _ = write!(s, "{}", a.as_nanosecond());
    }
    s.push('/');
    for (i, (at, score)) in f.submissions.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(s, "{sep}{}:{score}", at.as_nanosecond());
    }
    s.push('/');
    for (i, (at, accepted)) in f.decisions.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(s, "{sep}{}:{}", at.as_nanosecond(), u8::from(*accepted));
    }
    s
}

/// The facts [`encode`] wrote, with the handoff's id and contract.
pub(crate) fn decode(id: &str, contract: &str, facts: &str) -> Result<HandoffFacts, StoreError> {
    let bad =
        |why: &str| StoreError::corrupt("handoff facts", format!("{why} in '{facts}' of {id}"));
    let time = |t: &str| -> Result<Timestamp, StoreError> {
        let n: i128 = t.parse().map_err(|_| bad("a time that is not a number"))?;
        Timestamp::from_nanosecond(n).map_err(|_| bad("a time out of range"))
    };
    let pairs = |part: &str| -> Result<Vec<(Timestamp, u8)>, StoreError> {
        part.split(',')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (at, v) = p.split_once(':').ok_or_else(|| bad("a pair without ':'"))?;
                Ok((
                    time(at)?,
                    v.parse().map_err(|_| bad("a score that is not 0-255"))?,
                ))
            })
            .collect()
    };
    let mut parts = facts.split('/');
    let (Some(accepted), Some(subs), Some(decs), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not three parts"));
    };
    Ok(HandoffFacts {
        id: HandoffId::parse(id).map_err(|e| StoreError::corrupt("handoff id", e))?,
        contract: ContractKey::parse(contract).map_err(|e| StoreError::corrupt("contract", e))?,
        accepted_at: (!accepted.is_empty()).then(|| time(accepted)).transpose()?,
        submissions: pairs(subs)?,
        decisions: pairs(decs)?
            .into_iter()
            .map(|(at, v)| (at, v == 1))
            .collect(),
    })
}

/// Rows of `select` (which reads from a table with `org_id` and
/// `account_id`) for the given accounts.
async fn rows<T>(
    conn: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    select: &str,
    ids: &[String],
    each: impl FnMut(&dyn Cols) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let sql = format!(
        "{select} WHERE org_id = {} AND account_id IN ({})",
        placeholders(backend, 1, 1),
        placeholders(backend, 2, ids.len())
    );
    let mut args: Vec<Arg> = vec![org.to_string().into()];
    args.extend(ids.iter().map(Arg::from));
    conn.rows(&sql, &args, each).await
}

impl Store {
    /// Handoffs that may have their first decision in `[start, end)`: first
    /// submitted before `end` and not accepted before `start`.
    pub async fn handoffs_decided_between(
        &self,
        org: &OrgId,
        start: baton_domain::Timestamp,
        end: baton_domain::Timestamp,
    ) -> Result<Vec<baton_domain::Handoff>, StoreError> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM handoffs WHERE org_id = $1 AND first_submitted_at < $2
             AND (accepted_at IS NULL OR accepted_at >= $3) ORDER BY handoff_id",
        )
        .bind(org.to_string())
        .bind(crate::micros(end))
        .bind(crate::micros(start))
        .fetch_all(&self.read)
        .await?;
        docs.iter()
            .map(|d| serde_json::from_str(d).map_err(|e| StoreError::corrupt("handoff", e)))
            .collect()
    }
}

impl Store {
    /// The contract's most recently accepted handoffs, latest first.
    pub async fn latest_accepted_of(
        &self,
        org: &OrgId,
        contract: &baton_domain::ContractKey,
        limit: u32,
    ) -> Result<Vec<baton_domain::Handoff>, StoreError> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM handoffs WHERE org_id = $1 AND contract = $2 AND state = 'accepted'
             ORDER BY accepted_at DESC, handoff_id DESC LIMIT $3",
        )
        .bind(org.to_string())
        .bind(contract.to_string())
        .bind(i64::from(limit))
        .fetch_all(&self.read)
        .await?;
        docs.iter()
            .map(|d| serde_json::from_str(d).map_err(|e| StoreError::corrupt("handoff", e)))
            .collect()
    }

    /// Every handoff of the contract's `deals` latest deals (by when their
    /// first handoff was started: about when the deal closed), whatever
    /// their state: a deal whose handoff is a draft or withdrawn is what
    /// the ae-to-onboarding concrete test exists to catch.
    pub async fn latest_deals_of(
        &self,
        org: &OrgId,
        contract: &baton_domain::ContractKey,
        deals: u32,
    ) -> Result<Vec<baton_domain::Handoff>, StoreError> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT doc FROM handoffs WHERE org_id = $1 AND contract = $2 AND deal IN (
                 SELECT deal FROM handoffs WHERE org_id = $1 AND contract = $2 AND deal IS NOT NULL
                 GROUP BY deal ORDER BY MIN(created_at) DESC, deal DESC LIMIT $3)",
        )
        .bind(org.to_string())
        .bind(contract.to_string())
        .bind(i64::from(deals))
        .fetch_all(&self.read)
        .await?;
        docs.iter()
            .map(|d| serde_json::from_str(d).map_err(|e| StoreError::corrupt("handoff", e)))
            .collect()
    }

    /// Ids of the contract's handoffs in a concrete test's sampling window:
    /// first submitted, or accepted, within `[from, to]` as the window says.
    pub async fn in_sample_window(
        &self,
        org: &OrgId,
        contract: &baton_domain::ContractKey,
        window: &SampleWindow,
    ) -> Result<Vec<HandoffId>, StoreError> {
        let sql = match window.pool {
            SamplePool::Submitted => {
                "SELECT handoff_id FROM handoffs WHERE org_id = $1 AND contract = $2
                 AND first_submitted_at >= $3 AND first_submitted_at <= $4 ORDER BY handoff_id"
            }
            SamplePool::Accepted => {
                "SELECT handoff_id FROM handoffs WHERE org_id = $1 AND contract = $2
                 AND accepted_at >= $3 AND accepted_at <= $4 ORDER BY handoff_id"
            }
        };
        let ids: Vec<String> = sqlx::query_scalar(sql)
            .bind(org.to_string())
            .bind(contract.to_string())
            .bind(crate::micros(window.from))
            .bind(crate::micros(window.to))
            .fetch_all(&self.read)
            .await?;
        ids.into_iter()
            .map(|i| HandoffId::parse(i).map_err(|e| StoreError::corrupt("handoff id", e)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use baton_domain::scorecard::HandoffFacts;
    use baton_domain::{ContractKey, HandoffId, Timestamp};

    use super::{decode, encode};

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn facts_read_back_exactly_as_the_handoff_holds_them() {
        let mut f = HandoffFacts {
            id: HandoffId::parse("H-1").unwrap(),
            contract: ContractKey::parse("ae-to-onboarding").unwrap(),
            accepted_at: None,
            submissions: vec![(t("2026-10-01T09:00:00.123456789Z"), 40)],
            decisions: vec![],
        };
        // Nothing yet decided, nothing accepted: both parts empty.
        let back = |f: &HandoffFacts| decode("H-1", "ae-to-onboarding", &encode(f)).unwrap();
        assert_eq!(back(&f), f, "{}", encode(&f));
        // Rejected, resubmitted, accepted; times to the nanosecond.
        f.decisions = vec![
            (t("2026-10-02T09:00:00.000000001Z"), false),
            (t("2026-10-03T09:00:00Z"), true),
        ];
        f.submissions.push((t("2026-10-02T12:00:00Z"), 100));
        f.accepted_at = Some(t("2026-10-03T09:00:00Z"));
        assert_eq!(back(&f), f, "{}", encode(&f));
        assert!(decode("H-1", "ae-to-onboarding", "1/2").is_err());
        assert!(decode("H-1", "ae-to-onboarding", "/x:1/").is_err());
        assert!(decode("H-1", "ae-to-onboarding", "/1:300/").is_err());
    }
}
