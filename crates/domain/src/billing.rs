//! Billing signals: what a change in a billing system (a subscription that
//! ended, a new annual amount) does to an account, decided once for every
//! billing source. Deliveries come late, twice and out of order; these
//! rules make the outcome the same whatever the order: an account churns
//! once, and its ARR is the one of the latest change.

use crate::Timestamp;
use crate::account::{Account, AccountStatus};
use crate::error::DomainError;
use crate::event::Event;
use crate::money::Money;

/// A change a billing system reports about one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BillingChange {
    /// The customer's subscription ended: the account churned at `at`.
    Churned {
        /// When it ended.
        at: Timestamp,
    },
    /// The account's annual recurring revenue is `arr` from `at` (a paid
    /// invoice, an upgrade, a contraction).
    Arr {
        /// The new ARR.
        arr: Money,
        /// When the billing system says it changed.
        at: Timestamp,
    },
}

impl BillingChange {
    /// When it happened in the billing system.
    pub fn at(&self) -> Timestamp {
        match self {
            Self::Churned { at } | Self::Arr { at, .. } => *at,
        }
    }
}

/// What a billing change does.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Record this account event.
    Apply(Box<Event>),
    /// Record nothing on the account, for this reason.
    Ignore(String),
}

/// Decides a billing change on the account as it stands. `latest`: when
/// the latest change already applied from this billing system happened.
/// A churned account takes no more changes (a late upgrade does not bring
/// it back, a second cancellation is the same churn); an ARR older than
/// the one applied is stale; an unchanged ARR changes nothing. A churn
/// loses the account's ARR as it stands, and is refused, like any churn,
/// when dated after `now`.
pub fn decide(
    account: &Account,
    change: &BillingChange,
    latest: Option<Timestamp>,
    now: Timestamp,
) -> Result<Verdict, DomainError> {
    if account.status == AccountStatus::Churned {
        return Ok(Verdict::Ignore(format!(
            "account '{}' has churned already",
            account.id
        )));
    }
    match change {
        BillingChange::Churned { at } => Ok(Verdict::Apply(Box::new(
            account.record_churn(*at, None, now)?,
        ))),
        BillingChange::Arr { arr, at } => {
            if let Some(latest) = latest
                && *at <= latest
            {
                return Ok(Verdict::Ignore(format!(
                    "an ARR of {at} is not newer than the change applied at {latest}"
                )));
            }
            if *arr == account.arr {
                return Ok(Verdict::Ignore(format!("the ARR is {arr} already")));
            }
            Ok(Verdict::Apply(Box::new(Account::upsert(
                account.id.clone(),
                &account.name,
                *arr,
                account.segment.as_deref(),
                *at,
            )?)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::AccountId;
    use crate::money::Currency;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn usd(minor: i64) -> Money {
        Money {
            minor,
            currency: Currency::parse("USD").unwrap_or_else(|e| unreachable!("{e}")),
        }
    }

    fn account(arr: i64) -> Account {
        let id = AccountId::parse("A-1").unwrap_or_else(|e| unreachable!("{e}"));
        let e = Account::upsert(id, "Northwind", usd(arr), None, t("2026-01-01T00:00:00Z"));
        e.ok()
            .and_then(|e| Account::apply(None, &e))
            .unwrap_or_else(|| unreachable!("an account"))
    }

    const NOW: &str = "2026-10-01T00:00:00Z";

    #[test]
    fn an_arr_applies_only_when_newer_and_different() {
        let a = account(100_000);
        let up = BillingChange::Arr {
            arr: usd(120_000),
            at: t("2026-09-01T00:00:00Z"),
        };
        assert!(matches!(
            decide(&a, &up, None, t(NOW)),
            Ok(Verdict::Apply(e)) if matches!(*e, Event::Account { arr, .. } if arr == usd(120_000))
        ));
        assert!(matches!(
            decide(&a, &up, Some(t("2026-09-02T00:00:00Z")), t(NOW)),
            Ok(Verdict::Ignore(_))
        ));
        let same = BillingChange::Arr {
            arr: usd(100_000),
            at: t("2026-09-01T00:00:00Z"),
        };
        assert!(matches!(
            decide(&a, &same, None, t(NOW)),
            Ok(Verdict::Ignore(_))
        ));
    }

    #[test]
    fn an_account_churns_once_losing_its_arr_and_takes_nothing_after() {
        let a = account(100_000);
        let churn = BillingChange::Churned {
            at: t("2026-09-15T00:00:00Z"),
        };
        let e = match decide(&a, &churn, None, t(NOW)) {
            Ok(Verdict::Apply(e)) => *e,
            other => unreachable!("{other:?}"),
        };
        assert!(matches!(&e, Event::Churn { arr_lost, .. } if *arr_lost == usd(100_000)));
        let churned = Account::apply(Some(a), &e).unwrap_or_else(|| unreachable!("applied"));
        for later in [
            churn.clone(),
            BillingChange::Arr {
                arr: usd(1),
                at: t("2026-09-20T00:00:00Z"),
            },
        ] {
            assert!(matches!(
                decide(&churned, &later, None, t(NOW)),
                Ok(Verdict::Ignore(_))
            ));
        }
        let future = BillingChange::Churned {
            at: t("2026-10-02T00:00:00Z"),
        };
        assert!(decide(&account(1), &future, None, t(NOW)).is_err());
    }
}
