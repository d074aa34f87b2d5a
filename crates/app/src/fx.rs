//! The org's reporting currency and exchange rates: read by any member,
//! set by admins. The rules (who, which currencies, which rate applies) are
//! the domain's (`baton_domain::fx`); history import records the same
//! decisions.

use baton_domain::fx::{RateEntry, Reporting};
use baton_domain::{Currency, Rate};
use baton_store::Change;
use jiff::civil::Date;
use serde::Serialize;

use crate::{App, AppError, Caller};

/// The org's currency settings as a reader sees them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FxSettings {
    /// The reporting currency and where it comes from (`set`,
    /// `most_common_account_currency`, `fallback`).
    pub reporting: Reporting,
    /// Every rate ever set, by currency, target and date. Only rates into
    /// the reporting currency apply.
    pub rates: Vec<RateEntry>,
    /// How a rate is chosen, in words.
    pub rule: &'static str,
}

/// A rate to set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRate {
    /// The currency converted.
    pub currency: Currency,
    /// Units of the reporting currency per unit of `currency`.
    pub rate: Rate,
    /// The first day (UTC) it applies to.
    pub effective: Date,
}

const RULE: &str = "Amounts of different currencies are never added. Each amount converts into the \
    reporting currency at the latest rate effective on or before its date (a churn's date for ARR \
    leaked, the audit's day for ARR at risk); amounts without such a rate are listed per currency \
    and the total is marked incomplete.";

impl App {
    /// The org's reporting currency and rates, for any member.
    pub async fn fx_settings(&self, caller: &Caller) -> Result<FxSettings, AppError> {
        self.actor(caller).await?;
        let (book, _) = self.store.fx_book(&caller.org).await?;
        let counts = self.store.account_currencies(&caller.org).await?;
        Ok(FxSettings {
            reporting: book.reporting(&counts),
            rates: book.rates(),
            rule: RULE,
        })
    }

    /// Sets the reporting currency (admins).
    #[tracing::instrument(skip_all, fields(currency = %currency))]
    pub async fn set_reporting_currency(
        &self,
        caller: &Caller,
        currency: Currency,
    ) -> Result<FxSettings, AppError> {
        // The org stream is shared with users and teams: a lost race is
        // read again and decided again.
        self.retrying(&caller.org, "org", || async {
            let actor = self.actor(caller).await?;
            let (book, version) = self.store.fx_book(&caller.org).await?;
            let at = self.now();
            match book.decide_reporting_currency(&actor, currency, at)? {
                Some(e) => self.commit_org_event(caller, e, version).await,
                None => Ok(()),
            }
        })
        .await?;
        self.fx_settings(caller).await
    }

    /// Sets an exchange rate into the reporting currency (admins).
    #[tracing::instrument(skip_all, fields(currency = %new.currency))]
    pub async fn set_fx_rate(&self, caller: &Caller, new: NewRate) -> Result<FxSettings, AppError> {
        self.retrying(&caller.org, "org", || async {
            let actor = self.actor(caller).await?;
            let (book, version) = self.store.fx_book(&caller.org).await?;
            let at = self.now();
            let e = book.decide_rate(&actor, new.currency, new.rate, new.effective, at)?;
            self.commit_org_event(caller, e, version).await
        })
        .await?;
        self.fx_settings(caller).await
    }

    async fn commit_org_event(
        &self,
        caller: &Caller,
        e: baton_domain::Event,
        version: u64,
    ) -> Result<(), AppError> {
        let mut change = Change::default();
        change.push(e, version + 1, caller.via, self.now());
        change.org_version = Some(version + 1);
        self.store.commit(&caller.org, &change).await?;
        Ok(())
    }
}
