//! Billing signals in: each org's sealed signing secret per billing system,
//! and every billing event received with what became of it. An event's id
//! is its key, so a redelivery finds it and changes nothing; an applied
//! event is recorded in the transaction of the account event it made.

use baton_domain::{AccountId, OrgId, Timestamp};

use crate::sql_args::Arg;
use crate::tx::Tx;
use crate::{Store, StoreError, from_micros, micros};

/// One billing event as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingRecord {
    /// The billing system (`stripe`).
    pub source: String,
    /// The system's event id.
    pub event_id: String,
    /// Its type (`customer.subscription.deleted`, …).
    pub kind: String,
    /// When the system says it happened.
    pub created_at: Timestamp,
    /// The account it was matched to.
    pub account: Option<AccountId>,
    /// What it is about in the billing system (a subscription, an invoice).
    pub subject: Option<String>,
    /// `applied`, `ignored` or `unmatched`.
    pub outcome: String,
    /// Why, in words.
    pub detail: String,
    /// When Baton received it.
    pub received_at: Timestamp,
}

fn record_args(org: &OrgId, r: &BillingRecord) -> Vec<Arg> {
    vec![
        org.to_string().into(),
        r.source.clone().into(),
        r.event_id.clone().into(),
        r.kind.clone().into(),
        micros(r.created_at).into(),
        r.account.as_ref().map(ToString::to_string).into(),
        r.subject.clone().into(),
        r.outcome.clone().into(),
        r.detail.clone().into(),
        micros(r.received_at).into(),
    ]
}

const INSERT: &str = "INSERT INTO billing_events
     (org_id, source, event_id, kind, created_at, account_id, subject, outcome, detail, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// Records billing events in a change's transaction: a second delivery of
/// one already recorded fails the transaction (its key is taken), so an
/// event is applied once however many times it arrives.
pub(crate) async fn insert(
    tx: &mut Tx<'_>,
    org: &OrgId,
    records: &[BillingRecord],
) -> Result<(), StoreError> {
    for r in records {
        tx.exec(INSERT, &record_args(org, r)).await?;
    }
    Ok(())
}

impl Store {
    /// The org's sealed signing secret for `source`, if one is set.
    pub async fn billing_secret(
        &self,
        org: &OrgId,
        source: &str,
    ) -> Result<Option<String>, StoreError> {
        self.row(
            "SELECT secret FROM billing_sources WHERE org_id = $1 AND source = $2",
            &[Arg::from(org.to_string()), Arg::from(source.to_string())],
            |r| r.text(0),
        )
        .await
    }

    /// Sets the org's sealed signing secret for `source`.
    pub async fn set_billing_secret(
        &self,
        org: &OrgId,
        source: &str,
        sealed: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO billing_sources (org_id, source, secret, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (org_id, source) DO UPDATE SET secret = excluded.secret,
                 updated_at = excluded.updated_at",
        )
        .bind(org.to_string())
        .bind(source.to_string())
        .bind(sealed.to_string())
        .bind(micros(at))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// A billing event already received, by its id.
    pub async fn billing_event(
        &self,
        org: &OrgId,
        source: &str,
        event_id: &str,
    ) -> Result<Option<BillingRecord>, StoreError> {
        Ok(self
            .billing_events_where(
                "org_id = $1 AND source = $2 AND event_id = $3",
                vec![org.to_string(), source.to_string(), event_id.to_string()],
                1,
            )
            .await?
            .pop())
    }

    /// Records a billing event that changed nothing (ignored, unmatched);
    /// nothing when one of its id is recorded already.
    pub async fn record_billing_event(
        &self,
        org: &OrgId,
        record: &BillingRecord,
    ) -> Result<(), StoreError> {
        let sql = format!("{INSERT} ON CONFLICT (org_id, source, event_id) DO NOTHING");
        crate::sql_args::any_query(&sql, &record_args(org, record))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// When the latest billing change applied to `account` happened, from
    /// any billing source (what a change that happened earlier must not
    /// overwrite).
    pub async fn latest_billing_change(
        &self,
        org: &OrgId,
        account: &AccountId,
    ) -> Result<Option<Timestamp>, StoreError> {
        let latest: Option<i64> = self
            .row(
                "SELECT max(created_at) FROM billing_events
                 WHERE org_id = $1 AND account_id = $2 AND outcome = 'applied'",
                &[Arg::from(org.to_string()), Arg::from(account.to_string())],
                |r| r.opt_int(0),
            )
            .await?
            .flatten();
        latest.map(from_micros).transpose()
    }

    /// The latest billing events received from every source, newest first.
    pub async fn billing_events(
        &self,
        org: &OrgId,
        limit: u32,
    ) -> Result<Vec<BillingRecord>, StoreError> {
        self.billing_events_where("org_id = $1", vec![org.to_string()], limit)
            .await
    }

    async fn billing_events_where(
        &self,
        condition: &str,
        args: Vec<String>,
        limit: u32,
    ) -> Result<Vec<BillingRecord>, StoreError> {
        let sql = format!(
            "SELECT source, event_id, kind, created_at, account_id, subject, outcome, detail,
                    received_at
             FROM billing_events WHERE {condition}
             ORDER BY received_at DESC, event_id DESC LIMIT {}",
            limit.max(1)
        );
        let args: Vec<Arg> = args.into_iter().map(Arg::from).collect();
        self.rows(&sql, &args, |r| {
            Ok(BillingRecord {
                source: r.text(0)?,
                event_id: r.text(1)?,
                kind: r.text(2)?,
                created_at: from_micros(r.int(3)?)?,
                account: r
                    .opt_text(4)?
                    .map(|a| {
                        AccountId::parse(&a).map_err(|_| StoreError::corrupt("billing account", a))
                    })
                    .transpose()?,
                subject: r.opt_text(5)?,
                outcome: r.text(6)?,
                detail: r.text(7)?,
                received_at: from_micros(r.int(8)?)?,
            })
        })
        .await
    }
}
