//! Accounts: the customer records handoffs are about, and the commands that
//! decide their events (the record itself, NPS, churn, re-discovery
//! incidents). The live use cases and history import both decide through
//! these, so the two paths cannot disagree on what an account accepts.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::contract::ContractDef;
use crate::error::DomainError;
use crate::event::Event;
use crate::handoff::Handoff;
use crate::id::{AccountId, Email, FieldKey};
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

/// A re-discovery incident as reported against an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentReport {
    /// The field re-asked, if known.
    pub field: Option<FieldKey>,
    /// What happened.
    pub note: String,
    /// Who reported it.
    pub by: Option<Email>,
    /// When it happened.
    pub at: Timestamp,
}

/// Refuses a signal dated after `now`: a response, an incident or a churn is
/// recorded once it has happened, never ahead of time.
pub(crate) fn not_in_future(what: &str, at: Timestamp, now: Timestamp) -> Result<(), DomainError> {
    if at > now {
        return Err(DomainError::value(
            what,
            format!("{at} lies in the future (now is {now})"),
        ));
    }
    Ok(())
}

impl Account {
    /// Decides the creation or update of an account as the CRM describes it:
    /// the name is trimmed and must say something, the ARR is an amount
    /// Baton keeps ([`Money::checked`]), a segment is trimmed and a blank
    /// one is none.
    pub fn upsert(
        id: AccountId,
        name: &str,
        arr: Money,
        segment: Option<&str>,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        let name = name.trim();
        if !crate::id::has_words(name) {
            return Err(DomainError::value("account name", "must not be empty"));
        }
        arr.checked("arr")?;
        Ok(Event::Account {
            id,
            name: name.to_string(),
            arr,
            segment: segment
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            at: Some(at),
        })
    }

    /// Decides an NPS response (0–10), not dated after `now`.
    pub fn record_nps(
        &self,
        score: u8,
        at: Timestamp,
        now: Timestamp,
    ) -> Result<Event, DomainError> {
        crate::survey::kind::SurveyKind::Nps.check_score(i64::from(score))?;
        not_in_future("NPS response time", at, now)?;
        Ok(Event::Nps {
            account: self.id.clone(),
            score,
            at,
        })
    }

    /// Decides a churn, not dated after `now`; the ARR lost defaults to the
    /// account's ARR and is an amount kept.
    pub fn record_churn(
        &self,
        at: Timestamp,
        arr_lost: Option<Money>,
        now: Timestamp,
    ) -> Result<Event, DomainError> {
        let arr_lost = arr_lost.unwrap_or(self.arr);
        arr_lost.checked("arr_lost")?;
        not_in_future("churn time", at, now)?;
        Ok(Event::Churn {
            account: self.id.clone(),
            at,
            arr_lost,
        })
    }

    /// Decides a re-discovery incident, not dated after `now`. `about` is
    /// the handoff it counts against (with the contract version it is bound
    /// to), if known: it must be this account's, and a field named must be
    /// one of that version's.
    pub fn record_incident(
        &self,
        about: Option<(&Handoff, &ContractDef)>,
        report: IncidentReport,
        now: Timestamp,
    ) -> Result<Event, DomainError> {
        if let Some((h, def)) = about {
            if h.account != self.id {
                return Err(DomainError::Rule(format!(
                    "handoff '{}' is about account '{}', not '{}'",
                    h.id, h.account, self.id
                )));
            }
            h.may_report_rediscovery(report.by.as_ref())?;
            if let Some(f) = &report.field {
                def.known_field(f.as_str())?;
            }
        }
        not_in_future("incident time", report.at, now)?;
        Ok(Event::Rediscovery {
            account: self.id.clone(),
            handoff: about.map(|(h, _)| h.id.clone()),
            field: report.field,
            note: report.note,
            by: report.by,
            at: report.at,
        })
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn usd(minor: i64) -> Money {
        Money {
            minor,
            currency: Currency::parse("USD").unwrap(),
        }
    }

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn northwind() -> Account {
        let e = Account::upsert(
            AccountId::parse("A-1").unwrap(),
            "  Northwind ",
            usd(100),
            Some("  "),
            t("2026-10-01T00:00:00Z"),
        )
        .unwrap();
        Account::apply(None, &e).unwrap()
    }

    #[test]
    fn an_account_name_is_trimmed_and_a_blank_segment_is_none() {
        let a = northwind();
        assert_eq!((a.name.as_str(), a.segment), ("Northwind", None));
        let at = t("2026-10-01T00:00:00Z");
        let id = || AccountId::parse("A-1").unwrap();
        assert!(Account::upsert(id(), " ", usd(1), None, at).is_err());
        assert!(Account::upsert(id(), "N", usd(-1), None, at).is_err());
    }

    #[test]
    fn a_churn_never_loses_negative_arr() {
        let now = t("2026-10-01T00:00:00Z");
        let err = northwind()
            .record_churn(now, Some(usd(-5)), now)
            .unwrap_err();
        assert!(err.to_string().contains("arr_lost"), "{err}");
        let Ok(Event::Churn { arr_lost, .. }) = northwind().record_churn(now, None, now) else {
            panic!("a churn without an amount loses the account's ARR");
        };
        assert_eq!(arr_lost, usd(100));
    }

    #[test]
    fn a_signal_is_never_dated_after_now() {
        let a = northwind();
        let now = t("2026-10-01T00:00:00Z");
        let later = t("2026-10-01T00:00:01Z");
        assert!(a.record_nps(9, now, now).is_ok());
        let err = a.record_nps(9, later, now).unwrap_err();
        assert!(err.to_string().contains("lies in the future"), "{err}");
        assert!(a.record_nps(11, now, now).is_err());
        assert!(a.record_churn(later, None, now).is_err());
        let report = IncidentReport {
            field: None,
            note: "asked again".into(),
            by: None,
            at: later,
        };
        assert!(a.record_incident(None, report, now).is_err());
    }
}
