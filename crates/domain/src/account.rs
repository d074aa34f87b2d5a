//! Accounts: the customer records handoffs are about.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::id::AccountId;
use crate::money::Money;

/// Whether the customer is still a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// A live customer.
    Active,
    /// The customer churned.
    Churned,
}

impl AccountStatus {
    /// The status's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Churned => "churned",
        }
    }
}

/// A customer record, as projected from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The CRM's id.
    pub id: AccountId,
    /// The customer's name.
    pub name: String,
    /// Annual recurring revenue.
    pub arr: Money,
    /// Free-form segment, e.g. `mid-market`.
    pub segment: Option<String>,
    /// Active or churned.
    pub status: AccountStatus,
    /// When it last churned.
    pub churned_at: Option<Timestamp>,
    /// Events applied so far (optimistic concurrency).
    pub stream_version: u64,
}

impl Account {
    /// Folds one of the account's events into its state. Signals (NPS,
    /// re-discovery) only advance the version; churn marks it churned.
    pub fn apply(state: Option<Self>, event: &crate::Event) -> Option<Self> {
        use crate::Event;
        match (state, event) {
            (
                None,
                Event::Account {
                    id,
                    name,
                    arr,
                    segment,
                    ..
                },
            ) => Some(Self {
                id: id.clone(),
                name: name.clone(),
                arr: *arr,
                segment: segment.clone(),
                status: AccountStatus::Active,
                churned_at: None,
                stream_version: 1,
            }),
            (
                Some(mut a),
                Event::Account {
                    name, arr, segment, ..
                },
            ) => {
                a.name = name.clone();
                a.arr = *arr;
                a.segment = segment.clone();
                a.stream_version += 1;
                Some(a)
            }
            (Some(mut a), Event::Churn { at, .. }) => {
                a.status = AccountStatus::Churned;
                a.churned_at = Some(*at);
                a.stream_version += 1;
                Some(a)
            }
            (
                Some(mut a),
                Event::Nps { .. }
                | Event::Rediscovery { .. }
                | Event::Note { .. }
                | Event::RediscoverySuggested { .. }
                | Event::SuggestionDecided { .. },
            ) => {
                a.stream_version += 1;
                Some(a)
            }
            (state, _) => state,
        }
    }
}
