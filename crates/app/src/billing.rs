//! Billing signals in from Stripe (SPEC §4: churn and ARR). Stripe posts
//! its events to `/inbound/stripe/{org}`; the `Stripe-Signature` header is
//! the credential, verified as Stripe documents it
//! (<https://docs.stripe.com/webhooks#verify-manually>): HMAC-SHA256 with the
//! endpoint's signing secret over `"{t}.{raw body}"`, any one of the `v1`
//! signatures matching (Stripe sends one per secret while a secret rolls),
//! and `t` within five minutes of now.
//!
//! Three event types change an account (the objects as Stripe's API
//! reference describes them, <https://docs.stripe.com/api/subscriptions/object>
//! and <https://docs.stripe.com/api/invoices/object>):
//! - `customer.subscription.deleted`: the account churned when the
//!   subscription ended (`ended_at`, else `canceled_at`);
//! - `customer.subscription.updated`: its ARR is the subscription's items
//!   annualized (`price.unit_amount` × `quantity`, per `price.recurring`
//!   interval);
//! - `invoice.paid`: its ARR is the invoice's lines annualized over each
//!   line's `period`.
//!
//! The account is the one named by `metadata.baton_account` on the
//! subscription (for an invoice, on its subscription's details), else the
//! account whose id is the Stripe customer id. Every event is recorded by
//! its id, with what became of it: a redelivery changes nothing, and the
//! domain's rules (`billing::decide`) make the order of delivery not matter.

use baton_domain::account::Account;
use baton_domain::billing::{BillingChange, Verdict, decide};
use baton_domain::event::{Stream, Via};
use baton_domain::{AccountId, Currency, DomainError, Money, OrgId, Timestamp};
use baton_store::{BillingRecord, Change, Sealed};
use jiff::Unit;
use serde_json::Value;

use crate::secrets::SecretError;
use crate::{App, AppError, Caller};

/// The billing source name Stripe's events are recorded under.
pub const STRIPE: &str = "stripe";

/// What a delivered event came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The event's id.
    pub event_id: String,
    /// `applied`, `ignored`, `unmatched` or `refused`.
    pub outcome: String,
    /// Why, in words.
    pub detail: String,
    /// Whether it had been received before (and so changed nothing now).
    pub duplicate: bool,
}

/// The header Stripe signs its deliveries in.
const SIGNATURE_HEADER: &str = "Stripe-Signature";

/// Refuses a request whose signature does not verify.
fn refused(why: &str) -> AppError {
    crate::signature::refused(SIGNATURE_HEADER, why)
}

/// Verifies a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) over `body`
/// with `secret` at `now`, as [`crate::signature`] does for every sender
/// that signs as Stripe does.
pub fn verify_stripe_signature(
    header: &str,
    body: &[u8],
    secret: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    crate::signature::verify(SIGNATURE_HEADER, header, body, secret, now)
}

/// The associated data binding an org's billing secret to it.
fn billing_aad(org: &OrgId, source: &str) -> Vec<u8> {
    format!("baton/billing/{org}/{source}").into_bytes()
}

/// A billing event read, from any source: its id, type, time, what it is
/// about, the account it names, and the change it reports (none: not one
/// Baton reads; an error: why it cannot be read).
pub(crate) struct Incoming {
    pub(crate) source: &'static str,
    pub(crate) id: String,
    pub(crate) kind: String,
    pub(crate) created: Timestamp,
    pub(crate) subject: Option<String>,
    pub(crate) account: Option<String>,
    pub(crate) change: Result<Option<BillingChange>, String>,
}

fn text<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str()
}

fn int(v: &Value, path: &[&str]) -> Option<i64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_i64()
}

fn seconds(s: i64) -> Result<Timestamp, String> {
    Timestamp::from_second(s).map_err(|e| format!("a time of {s}: {e}"))
}

/// One currency for every amount, or why not.
fn one_currency(currencies: &[String]) -> Result<Currency, String> {
    let first = currencies
        .first()
        .ok_or("no recurring amount to annualize")?;
    if currencies.iter().any(|c| c != first) {
        return Err(format!(
            "amounts in several currencies ({}): Baton keeps one ARR per account",
            currencies.join(", ")
        ));
    }
    Currency::parse(&first.to_uppercase()).map_err(|e| e.to_string())
}

/// A subscription's items annualized: unit amount × quantity × periods a
/// year, per `price.recurring`.
fn subscription_arr(sub: &Value) -> Result<Money, String> {
    let items = sub
        .pointer("/items/data")
        .and_then(Value::as_array)
        .ok_or("the subscription has no items.data")?;
    let (mut total, mut currencies) = (0i64, Vec::new());
    for item in items {
        let price = item.get("price").ok_or("an item without a price")?;
        let unit = int(price, &["unit_amount"]).ok_or("a price without unit_amount")?;
        let quantity = int(item, &["quantity"]).unwrap_or(1);
        let interval =
            text(price, &["recurring", "interval"]).ok_or("a price that does not recur")?;
        let count = int(price, &["recurring", "interval_count"])
            .unwrap_or(1)
            .max(1);
        // Periods a year, as a fraction per: a yearly price once, monthly 12
        // times, weekly 52, daily 365.
        let per_year = match interval {
            "year" => 1.0,
            "month" => 12.0,
            "week" => 52.0,
            "day" => 365.0,
            other => return Err(format!("an interval of '{other}'")),
        } / count as f64;
        total += (unit as f64 * quantity as f64 * per_year).round() as i64;
        currencies.push(text(price, &["currency"]).unwrap_or_default().to_string());
    }
    Ok(Money {
        minor: total,
        currency: one_currency(&currencies)?,
    })
}

/// An invoice's lines annualized over each line's period (a month's line
/// twelve times, a year's once); one-off lines (no period length) do not
/// recur and are left out.
fn invoice_arr(invoice: &Value) -> Result<Money, String> {
    let lines = invoice
        .pointer("/lines/data")
        .and_then(Value::as_array)
        .ok_or("the invoice has no lines.data")?;
    let (mut total, mut currencies) = (0i64, Vec::new());
    for line in lines {
        let (Some(start), Some(end)) = (
            int(line, &["period", "start"]),
            int(line, &["period", "end"]),
        ) else {
            continue;
        };
        let (start, end) = (seconds(start)?, seconds(end)?);
        let utc = jiff::tz::TimeZone::UTC;
        // A calendar month's line is one month long whatever its days.
        let months = start
            .to_zoned(utc.clone())
            .until(
                jiff::ZonedDifference::new(&end.to_zoned(utc))
                    .largest(Unit::Month)
                    .smallest(Unit::Month)
                    .mode(jiff::RoundMode::HalfExpand),
            )
            .map_err(|e| e.to_string())?
            .get_months();
        if months <= 0 {
            continue;
        }
        let amount = int(line, &["amount"]).ok_or("a line without an amount")?;
        total += amount * 12 / i64::from(months);
        currencies.push(text(line, &["currency"]).unwrap_or_default().to_string());
    }
    Ok(Money {
        minor: total,
        currency: one_currency(&currencies)?,
    })
}

/// Reads a Stripe event (its JSON as Stripe sends it).
fn read_event(body: &[u8]) -> Result<Incoming, AppError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| AppError::Invalid(format!("the body is not a Stripe event: {e}")))?;
    let field = |name: &str| AppError::Invalid(format!("the Stripe event has no '{name}'"));
    let id = text(&v, &["id"]).ok_or_else(|| field("id"))?.to_string();
    let kind = text(&v, &["type"])
        .ok_or_else(|| field("type"))?
        .to_string();
    let created = int(&v, &["created"])
        .ok_or_else(|| field("created"))
        .and_then(|s| seconds(s).map_err(AppError::Invalid))?;
    let obj = v
        .pointer("/data/object")
        .ok_or_else(|| field("data.object"))?;
    let account = |meta: &[&[&str]]| {
        meta.iter()
            .find_map(|p| text(obj, p))
            .or_else(|| text(obj, &["customer"]))
            .map(str::to_string)
    };
    let (subject, account, change) = match kind.as_str() {
        "customer.subscription.deleted" => {
            let at = int(obj, &["ended_at"])
                .or_else(|| int(obj, &["canceled_at"]))
                .map_or(Ok(created), seconds);
            (
                text(obj, &["id"]).map(str::to_string),
                account(&[&["metadata", "baton_account"]]),
                at.map(|at| Some(BillingChange::Churned { at })),
            )
        }
        "customer.subscription.updated" => (
            text(obj, &["id"]).map(str::to_string),
            account(&[&["metadata", "baton_account"]]),
            subscription_arr(obj).map(|arr| Some(BillingChange::Arr { arr, at: created })),
        ),
        "invoice.paid" => (
            text(obj, &["id"]).map(str::to_string),
            account(&[
                &[
                    "parent",
                    "subscription_details",
                    "metadata",
                    "baton_account",
                ],
                &["subscription_details", "metadata", "baton_account"],
            ]),
            invoice_arr(obj).map(|arr| Some(BillingChange::Arr { arr, at: created })),
        ),
        _ => (text(obj, &["id"]).map(str::to_string), None, Ok(None)),
    };
    Ok(Incoming {
        source: STRIPE,
        id,
        kind,
        created,
        subject,
        account,
        change,
    })
}

impl App {
    /// Sets the org's Stripe webhook signing secret (admins only; `whsec_…`
    /// from the endpoint in Stripe's dashboard). It is kept sealed with
    /// `BATON_SECRET_KEY` and never shown again.
    pub async fn set_stripe_secret(&self, caller: &Caller, secret: &str) -> Result<(), AppError> {
        self.actor(caller)
            .await?
            .require_admin("set billing secrets")?;
        let secret = secret.trim();
        if !secret.starts_with("whsec_")
            || secret.len() < 12
            || secret.contains(char::is_whitespace)
        {
            return Err(DomainError::value(
                "secret",
                "give the endpoint's signing secret from Stripe's dashboard (whsec_…)",
            )
            .into());
        }
        let key = self
            .crm_options()
            .secret_key
            .as_ref()
            .ok_or_else(|| AppError::from(DomainError::Rule(SecretError::NoKey.to_string())))?;
        let sealed = key
            .seal(secret.as_bytes(), &billing_aad(&caller.org, STRIPE))
            .map_err(|e| AppError::Bug(e.to_string()))?;
        self.store
            .set_billing_secret(
                &caller.org,
                STRIPE,
                &format!("{}.{}", sealed.nonce, sealed.cipher),
                self.now(),
            )
            .await?;
        Ok(())
    }

    /// The org's Stripe signing secret opened, if one is set and opens.
    async fn stripe_secret(&self, org: &OrgId) -> Result<Option<String>, AppError> {
        let Some(stored) = self.store.billing_secret(org, STRIPE).await? else {
            return Ok(None);
        };
        let Some(key) = self.crm_options().secret_key.as_ref() else {
            return Ok(None);
        };
        let Some((nonce, cipher)) = stored.split_once('.') else {
            return Ok(None);
        };
        let sealed = Sealed {
            nonce: nonce.to_string(),
            cipher: cipher.to_string(),
        };
        Ok(key
            .open(&sealed, &billing_aad(org, STRIPE))
            .ok()
            .and_then(|p| String::from_utf8(p).ok()))
    }

    /// Receives one Stripe webhook delivery for `org` (the path's segment):
    /// verifies it, then applies it once. A signature that does not verify,
    /// for an org that is not there or has no secret alike, is
    /// unauthenticated; a verified event is always answered with what
    /// became of it, so Stripe stops retrying.
    #[tracing::instrument(skip_all, fields(org = %org))]
    pub async fn stripe_webhook(
        &self,
        org: &str,
        signature: &str,
        body: &[u8],
    ) -> Result<Received, AppError> {
        let org = OrgId::parse(org).map_err(|_| refused("no signing secret for this address"))?;
        let secret = self
            .stripe_secret(&org)
            .await?
            .ok_or_else(|| refused("no signing secret for this address"))?;
        verify_stripe_signature(signature, body, &secret, self.now())?;
        let event = read_event(body)?;
        if let Some(seen) = self.store.billing_event(&org, STRIPE, &event.id).await? {
            return Ok(Received {
                event_id: event.id,
                outcome: seen.outcome,
                detail: seen.detail,
                duplicate: true,
            });
        }
        let stream = match event.account.as_deref().map(AccountId::parse) {
            Some(Ok(id)) => Stream::Account(id).to_string(),
            _ => String::new(),
        };
        self.retrying(&org, &stream, || self.apply_billing(&org, &event))
            .await
    }

    /// Applies one billing event once, whatever its source: the account it
    /// names, the domain's decision on it, and its record, in one change.
    pub(crate) async fn apply_billing(
        &self,
        org: &OrgId,
        event: &Incoming,
    ) -> Result<Received, AppError> {
        let now = self.now();
        let mut record = BillingRecord {
            source: event.source.into(),
            event_id: event.id.clone(),
            kind: event.kind.clone(),
            created_at: event.created,
            account: None,
            subject: event.subject.clone(),
            outcome: "ignored".into(),
            detail: String::new(),
            received_at: now,
        };
        let change = match &event.change {
            Ok(Some(c)) => c,
            Ok(None) => {
                record.detail = format!("'{}' is not an event Baton reads", event.kind);
                return self.keep(org, record).await;
            }
            Err(why) => {
                record.outcome = "refused".into();
                record.detail = why.clone();
                return self.keep(org, record).await;
            }
        };
        let account = match event.account.as_deref().map(AccountId::parse) {
            Some(Ok(id)) => self.store.account(org, &id).await?,
            _ => None,
        };
        let Some(account) = account else {
            record.outcome = "unmatched".into();
            let named = event.account.as_deref().unwrap_or("");
            record.detail = if event.source == STRIPE {
                format!(
                    "no account '{named}' (name it in the subscription's metadata.baton_account, or key the account by the Stripe customer id)"
                )
            } else {
                format!("no account '{named}' in this org")
            };
            return self.keep(org, record).await;
        };
        record.account = Some(account.id.clone());
        let latest = self.store.latest_billing_change(org, &account.id).await?;
        match decide(&account, change, latest, now) {
            Err(e) => {
                record.outcome = "refused".into();
                record.detail = e.to_string();
                self.keep(org, record).await
            }
            Ok(Verdict::Ignore(why)) => {
                record.detail = why;
                self.keep(org, record).await
            }
            Ok(Verdict::Apply(e)) => {
                let e = *e;
                let next = Account::apply(Some(account), &e)
                    .ok_or_else(|| AppError::not_applied("the billing change"))?;
                record.outcome = "applied".into();
                record.detail = match &e {
                    baton_domain::event::Event::Churn { arr_lost, .. } => {
                        format!("churned, {arr_lost} ARR lost")
                    }
                    _ => format!("ARR is {}", next.arr),
                };
                let received = Received {
                    event_id: record.event_id.clone(),
                    outcome: record.outcome.clone(),
                    detail: record.detail.clone(),
                    duplicate: false,
                };
                let mut c = Change::default();
                c.account(next, vec![e], Via::Api, now);
                c.billing.push(record);
                match self.store.commit(org, &c).await {
                    Ok(_) => Ok(received),
                    // The same event delivered twice at once: the other
                    // delivery applied it.
                    Err(baton_store::StoreError::Conflict(_))
                        if self
                            .store
                            .billing_event(org, event.source, &received.event_id)
                            .await?
                            .is_some() =>
                    {
                        Ok(Received {
                            duplicate: true,
                            ..received
                        })
                    }
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    /// Records an event that changed no account.
    async fn keep(&self, org: &OrgId, record: BillingRecord) -> Result<Received, AppError> {
        self.store.record_billing_event(org, &record).await?;
        Ok(Received {
            event_id: record.event_id,
            outcome: record.outcome,
            detail: record.detail,
            duplicate: false,
        })
    }

    /// The latest billing events received (Stripe's and imported rows),
    /// newest first, with what became of each (admins only).
    pub async fn billing_log(
        &self,
        caller: &Caller,
        limit: u32,
    ) -> Result<Vec<BillingRecord>, AppError> {
        self.actor(caller)
            .await?
            .require_admin("read the billing log")?;
        Ok(self
            .store
            .billing_events(&caller.org, limit.clamp(1, 500))
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscription_is_annualized_per_its_prices() {
        let sub: Value = serde_json::from_str(
            r#"{"items":{"data":[
                {"quantity":3,"price":{"unit_amount":2000,"currency":"usd","recurring":{"interval":"month","interval_count":1}}},
                {"quantity":1,"price":{"unit_amount":50000,"currency":"usd","recurring":{"interval":"year","interval_count":1}}},
                {"quantity":1,"price":{"unit_amount":9000,"currency":"usd","recurring":{"interval":"month","interval_count":3}}}
            ]}}"#,
        )
        .unwrap_or_default();
        let arr = subscription_arr(&sub).map(|m| m.minor);
        assert_eq!(arr, Ok(3 * 2000 * 12 + 50000 + 9000 * 4));
    }
}
