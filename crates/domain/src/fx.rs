//! Money in several currencies, reported in one: the org's reporting
//! currency, the exchange rates its admins set, and totals that never add
//! amounts of different currencies.
//!
//! Rules:
//! - **Reporting currency**: the one an admin set (`reporting_currency_set`);
//!   until then the most common currency among the org's accounts (ties go to
//!   the first code in alphabetical order), or USD for an org without
//!   accounts. Nothing depends on the default being right: amounts that
//!   cannot be converted are listed, never added.
//! - **Rates**: `fx_rate_set` says that from its `effective` date on (UTC),
//!   one unit of `currency` is worth `rate` units of `to`. Only admins set
//!   rates, only into the reporting currency that is explicitly set (so
//!   every rate names what it converts into), and never for the reporting
//!   currency itself. A second rate for the same date replaces the first.
//! - **Which rate applies**: the latest one effective on or before the
//!   amount's date, into the current reporting currency. Leaked ARR is dated
//!   by its churn, ARR at risk by the day the audit is made.
//! - **Totals**: amounts in the reporting currency add up as they are; the
//!   others are summed per (currency, rate) and each sum is converted once,
//!   rounded to the nearest minor unit (halves away from zero). An amount
//!   without a rate stays in its own currency in `unconverted`, and the total
//!   says it is not complete.
//!
//! Pure: the caller passes in the events, the account currencies and the
//! dates.

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::event::Event;
use crate::money::{Currency, Money, Rate};
use crate::{Actor, DomainError, Timestamp};

/// The reporting currency of an org without accounts and without a choice.
pub const FALLBACK_CURRENCY: Currency = Currency::USD;

/// The largest rate a new exchange rate may have, in units of the
/// reporting currency per unit of the other.
pub const MAX_RATE: u64 = 1_000_000;

/// The UTC date of a time: the date a rate is looked up for.
pub fn date_of(t: Timestamp) -> Date {
    t.to_zoned(TimeZone::UTC).date()
}

/// One exchange rate as set: from `effective` on, one `currency` is worth
/// `rate` of `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RateEntry {
    /// The currency converted.
    pub currency: Currency,
    /// The currency it converts into.
    pub to: Currency,
    /// The first day it applies to.
    pub effective: Date,
    /// Units of `to` per unit of `currency`.
    pub rate: Rate,
}

/// Where the reporting currency comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportingSource {
    /// An admin set it.
    Set,
    /// None was set: the most common currency of the org's accounts.
    MostCommonAccountCurrency,
    /// None was set and the org has no accounts: USD.
    Fallback,
}

/// The currency an org's figures are reported in, and why that one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reporting {
    /// The currency.
    pub currency: Currency,
    /// Why this one.
    pub source: ReportingSource,
}

/// The org's currency settings: a fold of its `reporting_currency_set` and
/// `fx_rate_set` events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FxBook {
    /// The reporting currency an admin set, if any.
    pub reporting: Option<Currency>,
    /// Rates by (currency, into), by effective date.
    rates: BTreeMap<(Currency, Currency), BTreeMap<Date, Rate>>,
}

impl FxBook {
    /// A book from stored settings (what the projection holds).
    pub fn new(reporting: Option<Currency>, rates: impl IntoIterator<Item = RateEntry>) -> Self {
        let mut book = Self {
            reporting,
            rates: BTreeMap::new(),
        };
        for r in rates {
            book.insert(r);
        }
        book
    }

    fn insert(&mut self, r: RateEntry) {
        self.rates
            .entry((r.currency, r.to))
            .or_default()
            .insert(r.effective, r.rate);
    }

    /// Folds one event in (others are ignored).
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::ReportingCurrencySet { currency, .. } => self.reporting = Some(*currency),
            Event::FxRateSet {
                currency,
                to,
                rate,
                effective,
                ..
            } => self.insert(RateEntry {
                currency: *currency,
                to: *to,
                effective: *effective,
                rate: *rate,
            }),
            _ => {}
        }
    }

    /// Every rate, by currency, target and date.
    pub fn rates(&self) -> Vec<RateEntry> {
        self.rates
            .iter()
            .flat_map(|((currency, to), by_date)| {
                by_date.iter().map(|(effective, rate)| RateEntry {
                    currency: *currency,
                    to: *to,
                    effective: *effective,
                    rate: *rate,
                })
            })
            .collect()
    }

    /// The rate from `currency` into `to` on `on`: the latest effective on
    /// or before that date.
    pub fn rate_on(&self, currency: Currency, to: Currency, on: Date) -> Option<(Date, Rate)> {
        self.rates
            .get(&(currency, to))?
            .range(..=on)
            .next_back()
            .map(|(d, r)| (*d, *r))
    }

    /// The reporting currency: the one set, else the most common among
    /// `account_currencies` (accounts per currency; ties to the first code),
    /// else USD.
    pub fn reporting(&self, account_currencies: &BTreeMap<Currency, u64>) -> Reporting {
        if let Some(currency) = self.reporting {
            return Reporting {
                currency,
                source: ReportingSource::Set,
            };
        }
        // max_by_key keeps the last maximum; reversed, that is the first code.
        let common = account_currencies
            .iter()
            .rev()
            .filter(|(_, n)| **n > 0)
            .max_by_key(|(_, n)| **n);
        match common {
            Some((c, _)) => Reporting {
                currency: *c,
                source: ReportingSource::MostCommonAccountCurrency,
            },
            None => Reporting {
                currency: FALLBACK_CURRENCY,
                source: ReportingSource::Fallback,
            },
        }
    }

    /// Decides setting the reporting currency: admins only; `None` when it
    /// is already that one (nothing to record).
    pub fn decide_reporting_currency(
        &self,
        actor: &Actor,
        currency: Currency,
        at: Timestamp,
    ) -> Result<Option<Event>, DomainError> {
        actor.require_admin("set the reporting currency")?;
        if self.reporting == Some(currency) {
            return Ok(None);
        }
        Ok(Some(Event::ReportingCurrencySet {
            currency,
            by: actor.email.clone(),
            at,
        }))
    }

    /// Decides setting a rate into the reporting currency: admins only,
    /// once a reporting currency is set, and never for that currency itself.
    pub fn decide_rate(
        &self,
        actor: &Actor,
        currency: Currency,
        rate: Rate,
        effective: Date,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        actor.require_admin("set exchange rates")?;
        let Some(to) = self.reporting else {
            return Err(DomainError::Rule(
                "set the org's reporting currency before adding exchange rates: \
                 a rate converts into it"
                    .into(),
            ));
        };
        if currency == to {
            return Err(DomainError::value(
                "currency",
                format!("{currency} is the reporting currency; it needs no rate"),
            ));
        }
        if rate.above(MAX_RATE) {
            return Err(DomainError::value(
                "rate",
                format!(
                    "{rate} {to} per {currency} is above {MAX_RATE}: no currency trades at more \
                     than a million units of another, and converted totals must add up"
                ),
            ));
        }
        Ok(Event::FxRateSet {
            currency,
            to,
            rate,
            effective,
            by: actor.email.clone(),
            at,
        })
    }

    /// Adds up dated amounts in `to`: see the module's rules. Sums are kept
    /// in 128 bits, so only a total beyond 64 bits (9.2 × 10^18 minor
    /// units) fails: past 9,000 accounts at the largest amount Baton keeps
    /// ([`Money::MAX_MINOR`]), or ten at that amount converted at the
    /// largest rate ([`MAX_RATE`]).
    pub fn total(
        &self,
        to: Currency,
        amounts: impl IntoIterator<Item = (Money, Date)>,
    ) -> Result<Total, DomainError> {
        let too_large = || DomainError::value("total", "the amounts are too large to add up");
        let fits = |sum: i128| i64::try_from(sum).map_err(|_| too_large());
        let mut reporting: i128 = 0;
        let mut groups: BTreeMap<(Currency, Date), (Rate, i128)> = BTreeMap::new();
        let mut unconverted: BTreeMap<Currency, i128> = BTreeMap::new();
        // An i64 added to an i128 overflows only after 2^64 amounts.
        for (m, on) in amounts {
            if m.currency == to {
                reporting += i128::from(m.minor);
            } else if let Some((effective, rate)) = self.rate_on(m.currency, to, on) {
                groups.entry((m.currency, effective)).or_insert((rate, 0)).1 += i128::from(m.minor);
            } else {
                *unconverted.entry(m.currency).or_default() += i128::from(m.minor);
            }
        }
        let mut rates_used = Vec::with_capacity(groups.len());
        for ((currency, effective), (rate, minor)) in groups {
            let minor = fits(minor)?;
            let converted = rate.apply(minor).ok_or_else(too_large)?;
            reporting += i128::from(converted);
            rates_used.push(RateUsed {
                currency,
                rate,
                effective,
                amount: Money { minor, currency },
                converted: Money {
                    minor: converted,
                    currency: to,
                },
            });
        }
        let unconverted = unconverted
            .into_iter()
            .map(|(currency, minor)| {
                Ok(Money {
                    minor: fits(minor)?,
                    currency,
                })
            })
            .collect::<Result<Vec<Money>, DomainError>>()?;
        Ok(Total {
            reporting: Money {
                minor: fits(reporting)?,
                currency: to,
            },
            complete: unconverted.is_empty(),
            rates_used,
            unconverted,
        })
    }
}

/// A sum converted at one rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RateUsed {
    /// The currency converted.
    pub currency: Currency,
    /// Units of the reporting currency per unit of `currency`.
    pub rate: Rate,
    /// The date the rate took effect.
    pub effective: Date,
    /// What was converted, in its own currency.
    pub amount: Money,
    /// What it came to in the reporting currency.
    pub converted: Money,
}

/// A sum of amounts in several currencies: what could be converted, in the
/// reporting currency (`minor`, `currency`), with the rates used, and what
/// could not, per currency. `complete` is false when anything is left
/// unconverted: the figure is then a lower bound plus the list, never a
/// silently wrong sum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Total {
    /// Everything converted, in the reporting currency.
    #[serde(flatten)]
    pub reporting: Money,
    /// Whether every amount was converted.
    pub complete: bool,
    /// The rates used, one line per (currency, effective date).
    pub rates_used: Vec<RateUsed>,
    /// Amounts without a rate, per currency.
    pub unconverted: Vec<Money>,
}

impl std::fmt::Display for Total {
    /// `1309600.00 EUR`, or with amounts that have no rate beside it, never
    /// added: `1000000.00 EUR + 5000.00 USD (no rate)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.reporting)?;
        if !self.unconverted.is_empty() {
            let list: Vec<String> = self.unconverted.iter().map(ToString::to_string).collect();
            write!(f, " + {} (no rate)", list.join(" + "))?;
        }
        Ok(())
    }
}

impl Total {
    /// Whether there is no money at all in it, converted or not.
    pub fn is_zero(&self) -> bool {
        self.reporting.minor == 0 && self.unconverted.iter().all(|m| m.minor == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Email;

    fn c(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn m(minor: i64, code: &str) -> Money {
        Money {
            minor,
            currency: c(code),
        }
    }

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn admin(admin: bool) -> Actor {
        Actor {
            email: Email::parse("admin@acme.test").unwrap(),
            admin,
            teams: Default::default(),
        }
    }

    fn at() -> Timestamp {
        "2026-10-01T09:00:00Z".parse().unwrap()
    }

    /// EUR 1,000,000 + USD 5,000 + JPY 50,000,000 (the issue's example).
    fn issue_example() -> Vec<(Money, Date)> {
        let on = d("2026-10-01");
        vec![
            (m(100_000_000, "EUR"), on),
            (m(500_000, "USD"), on),
            (m(5_000_000_000, "JPY"), on),
        ]
    }

    fn book_with_rates() -> FxBook {
        let mut book = FxBook::default();
        let a = admin(true);
        let e = book
            .decide_reporting_currency(&a, c("EUR"), at())
            .unwrap()
            .unwrap();
        book.apply(&e);
        for (code, rate, eff) in [
            ("USD", "0.92", "2026-01-01"),
            ("JPY", "0.0061", "2026-01-01"),
        ] {
            let e = book
                .decide_rate(&a, c(code), Rate::parse(rate).unwrap(), d(eff), at())
                .unwrap();
            book.apply(&e);
        }
        book
    }

    #[test]
    fn without_rates_other_currencies_are_listed_not_added() {
        let t = FxBook::default().total(c("EUR"), issue_example()).unwrap();
        assert_eq!(t.reporting, m(100_000_000, "EUR"));
        assert!(!t.complete);
        assert_eq!(
            t.unconverted,
            vec![m(5_000_000_000, "JPY"), m(500_000, "USD")]
        );
        assert!(t.rates_used.is_empty());
        assert_eq!(
            t.to_string(),
            "1000000.00 EUR + 50000000.00 JPY + 5000.00 USD (no rate)"
        );
    }

    #[test]
    fn with_rates_the_total_converts_and_names_each_rate_used() {
        let t = book_with_rates().total(c("EUR"), issue_example()).unwrap();
        // 1,000,000 + 5,000 × 0.92 + 50,000,000 × 0.0061 = 1,309,600 EUR
        assert_eq!(t.reporting, m(130_960_000, "EUR"));
        assert!(t.complete && t.unconverted.is_empty());
        let used: Vec<(String, String, String, i64)> = t
            .rates_used
            .iter()
            .map(|r| {
                (
                    r.currency.to_string(),
                    r.rate.to_string(),
                    r.effective.to_string(),
                    r.converted.minor,
                )
            })
            .collect();
        assert_eq!(
            used,
            vec![
                (
                    "JPY".into(),
                    "0.0061".into(),
                    "2026-01-01".into(),
                    30_500_000
                ),
                ("USD".into(), "0.92".into(), "2026-01-01".into(), 460_000),
            ]
        );
    }

    #[test]
    fn the_rate_in_force_on_the_amounts_date_applies() {
        let mut book = book_with_rates();
        let e = book
            .decide_rate(
                &admin(true),
                c("USD"),
                Rate::parse("0.95").unwrap(),
                d("2026-11-01"),
                at(),
            )
            .unwrap();
        book.apply(&e);
        let usd = |on: &str| (m(100, "USD"), d(on));
        let t = book
            .total(
                c("EUR"),
                [usd("2025-12-31"), usd("2026-10-31"), usd("2026-11-01")],
            )
            .unwrap();
        assert_eq!(t.unconverted, vec![m(100, "USD")], "before any rate");
        assert_eq!(t.reporting, m(92 + 95, "EUR"));
        assert_eq!(t.rates_used.len(), 2);
    }

    #[test]
    fn rates_into_another_currency_do_not_apply() {
        let mut book = book_with_rates();
        let e = book
            .decide_reporting_currency(&admin(true), c("USD"), at())
            .unwrap()
            .unwrap();
        book.apply(&e);
        let t = book.total(c("USD"), issue_example()).unwrap();
        assert_eq!(t.reporting, m(500_000, "USD"));
        assert_eq!(
            t.unconverted,
            vec![m(100_000_000, "EUR"), m(5_000_000_000, "JPY")],
            "the old rates were into EUR"
        );
    }

    #[test]
    fn only_admins_set_currencies_and_rates_and_never_for_the_reporting_one() {
        let book = book_with_rates();
        let rate = Rate::parse("1.1").unwrap();
        assert!(matches!(
            book.decide_reporting_currency(&admin(false), c("USD"), at()),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            book.decide_rate(&admin(false), c("USD"), rate, d("2026-01-01"), at()),
            Err(DomainError::Forbidden(_))
        ));
        let err = book
            .decide_rate(&admin(true), c("EUR"), rate, d("2026-01-01"), at())
            .unwrap_err();
        assert!(
            err.to_string().contains("EUR is the reporting currency"),
            "{err}"
        );
        let err = FxBook::default()
            .decide_rate(&admin(true), c("USD"), rate, d("2026-01-01"), at())
            .unwrap_err();
        assert!(
            err.to_string().contains("reporting currency before"),
            "{err}"
        );
        assert_eq!(
            book.decide_reporting_currency(&admin(true), c("EUR"), at()),
            Ok(None),
            "already EUR: nothing to record"
        );
        let huge = Rate::parse("1000000.5").unwrap();
        let err = book
            .decide_rate(&admin(true), c("USD"), huge, d("2026-01-01"), at())
            .unwrap_err();
        assert!(err.to_string().contains("rate"), "{err}");
        let largest = Rate::parse(&MAX_RATE.to_string()).unwrap();
        assert!(
            book.decide_rate(&admin(true), c("USD"), largest, d("2026-01-01"), at())
                .is_ok()
        );
    }

    #[test]
    fn totals_add_up_past_64_bits_on_the_way_and_fail_only_beyond_them() {
        let book = FxBook::default();
        let big = |cur| (m(Money::MAX_MINOR, cur), d("2026-01-01"));
        let t = book
            .total(c("USD"), std::iter::repeat_n(big("USD"), 9_000))
            .unwrap();
        assert_eq!(t.reporting.minor, 9_000 * Money::MAX_MINOR);
        assert!(
            book.total(c("USD"), std::iter::repeat_n(big("USD"), 9_300))
                .is_err()
        );
        let t = book
            .total(c("USD"), std::iter::repeat_n(big("EUR"), 9_000))
            .unwrap();
        assert_eq!(t.unconverted, vec![m(9_000 * Money::MAX_MINOR, "EUR")]);
    }

    #[test]
    fn the_default_reporting_currency_is_the_most_common_account_currency() {
        let book = FxBook::default();
        let counts = |pairs: &[(&str, u64)]| -> BTreeMap<Currency, u64> {
            pairs.iter().map(|(k, n)| (c(k), *n)).collect()
        };
        let r = book.reporting(&counts(&[("EUR", 2), ("USD", 5)]));
        assert_eq!(
            (r.currency, r.source),
            (c("USD"), ReportingSource::MostCommonAccountCurrency)
        );
        let r = book.reporting(&counts(&[("USD", 1), ("JPY", 1), ("EUR", 1)]));
        assert_eq!(r.currency, c("EUR"), "ties go to the first code");
        let r = book.reporting(&counts(&[]));
        assert_eq!(
            (r.currency, r.source),
            (c("USD"), ReportingSource::Fallback)
        );
        let r = book_with_rates().reporting(&counts(&[("USD", 9)]));
        assert_eq!((r.currency, r.source), (c("EUR"), ReportingSource::Set));
    }
}
