//! Accounts and the signals recorded against them: re-discovery incidents,
//! NPS responses and churn. Each may be recorded live or with a past time.

use baton_domain::account::{Account, IncidentReport};
use baton_domain::event::{Event, Stream};
use baton_domain::{AccountId, DomainError, FieldKey, HandoffId, Money, Timestamp};
use baton_store::{Change, HandoffFilter};

use crate::handoffs::HandoffView;
use crate::{App, AppError, Caller};

/// An account as the CRM describes it.
#[derive(Debug, Clone)]
pub struct AccountInput {
    /// The CRM's id.
    pub id: AccountId,
    /// Name.
    pub name: String,
    /// ARR.
    pub arr: Money,
    /// Segment.
    pub segment: Option<String>,
}

/// A re-discovery incident to record.
#[derive(Debug, Clone)]
pub struct Incident {
    /// The account.
    pub account: AccountId,
    /// The handoff it counts against, if known.
    pub handoff: Option<HandoffId>,
    /// The field re-asked, if known.
    pub field: Option<FieldKey>,
    /// What happened.
    pub note: String,
    /// When (defaults to now).
    pub at: Option<Timestamp>,
}

impl App {
    async fn account_or_404(&self, caller: &Caller, id: &AccountId) -> Result<Account, AppError> {
        self.store
            .account(&caller.org, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("account '{id}'")))
    }

    /// Decides with `decide` on the account as it is (`None`: new) and
    /// appends the events to its stream in one commit. Beaten to the stream
    /// by another writer (forty notes arriving at once), it reads the
    /// account again and decides again (see [`crate::retry`]).
    pub(crate) async fn record_on_account(
        &self,
        caller: &Caller,
        id: &AccountId,
        decide: impl Fn(Option<&Account>) -> Result<Vec<Event>, AppError>,
    ) -> Result<Account, AppError> {
        let stream = Stream::Account(id.clone()).to_string();
        self.retrying(&caller.org, &stream, || async {
            let account = self.store.account(&caller.org, id).await?;
            let events = decide(account.as_ref())?;
            self.append_to_account(caller, account, events).await
        })
        .await
    }

    async fn append_to_account(
        &self,
        caller: &Caller,
        mut account: Option<Account>,
        events: Vec<Event>,
    ) -> Result<Account, AppError> {
        for e in &events {
            account = Some(
                Account::apply(account, e)
                    .ok_or_else(|| AppError::not_applied("the account change"))?,
            );
        }
        let account =
            account.ok_or_else(|| AppError::Invalid("no change to the account".into()))?;
        let mut change = Change::default();
        change.account(account.clone(), events, caller.via, self.now());
        self.store.commit(&caller.org, &change).await?;
        Ok(account)
    }

    /// Creates or updates an account (the domain decides what it accepts).
    pub async fn upsert_account(
        &self,
        caller: &Caller,
        input: AccountInput,
    ) -> Result<Account, AppError> {
        self.actor(caller).await?;
        let now = self.now();
        self.record_on_account(caller, &input.id, |_| {
            let event = Account::upsert(
                input.id.clone(),
                &input.name,
                input.arr,
                input.segment.as_deref(),
                now,
            )?;
            Ok(vec![event])
        })
        .await
    }

    /// Records a re-discovery incident.
    pub async fn record_rediscovery(
        &self,
        caller: &Caller,
        i: Incident,
    ) -> Result<Account, AppError> {
        self.actor(caller).await?;
        let about = match &i.handoff {
            Some(hid) => {
                let h = self
                    .store
                    .handoff(&caller.org, hid)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("handoff '{hid}'")))?;
                let def = self
                    .store
                    .contract_version(&caller.org, &h.contract, h.version)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("contract '{}'", h.contract)))?;
                Some((h, def))
            }
            None => None,
        };
        let now = self.now();
        let report = IncidentReport {
            field: i.field,
            note: i.note,
            by: Some(caller.email.clone()),
            at: i.at.unwrap_or(now),
        };
        self.record_on_account(caller, &i.account, |account| {
            let account = existing(account, &i.account)?;
            let about = about.as_ref().map(|(h, d)| (h, d));
            Ok(vec![account.record_incident(about, report.clone(), now)?])
        })
        .await
    }

    /// Records an NPS response (0–10), not dated in the future.
    pub async fn record_nps(
        &self,
        caller: &Caller,
        account: &AccountId,
        score: u8,
        at: Option<Timestamp>,
    ) -> Result<Account, AppError> {
        self.actor(caller).await?;
        let now = self.now();
        self.record_on_account(caller, account, |a| {
            Ok(vec![existing(a, account)?.record_nps(
                score,
                at.unwrap_or(now),
                now,
            )?])
        })
        .await
    }

    /// Records a churn; the ARR lost defaults to the account's ARR.
    pub async fn record_churn(
        &self,
        caller: &Caller,
        account: &AccountId,
        at: Option<Timestamp>,
        arr_lost: Option<Money>,
    ) -> Result<Account, AppError> {
        self.actor(caller).await?;
        let now = self.now();
        self.record_on_account(caller, account, |a| {
            Ok(vec![existing(a, account)?.record_churn(
                at.unwrap_or(now),
                arr_lost,
                now,
            )?])
        })
        .await
    }
}

/// The account a signal is recorded against, which must exist.
pub(crate) fn existing<'a>(
    a: Option<&'a Account>,
    id: &AccountId,
) -> Result<&'a Account, AppError> {
    a.ok_or_else(|| AppError::NotFound(format!("account '{id}'")))
}

/// Most accounts one listing page holds.
pub const MAX_ACCOUNT_PAGE: u32 = 200;

impl App {
    /// A page of the org's accounts in id order, and the cursor for the next.
    pub async fn accounts(
        &self,
        caller: &Caller,
        after: Option<AccountId>,
        limit: u32,
    ) -> Result<(Vec<Account>, Option<AccountId>), AppError> {
        self.actor(caller).await?;
        let limit = limit.clamp(1, MAX_ACCOUNT_PAGE);
        let page = self
            .store
            .accounts_page(&caller.org, after.as_ref(), limit)
            .await?;
        let next = (page.len() == limit as usize)
            .then(|| page.last().map(|a| a.id.clone()))
            .flatten();
        Ok((page, next))
    }

    /// The org's accounts with these ids (those that exist), for a listing
    /// that shows names beside ids.
    pub async fn accounts_by_id(
        &self,
        caller: &Caller,
        ids: &[AccountId],
    ) -> Result<Vec<Account>, AppError> {
        self.actor(caller).await?;
        Ok(self.store.accounts_by_id(&caller.org, ids).await?)
    }

    /// Accounts whose name or id contains `text`, exact matches first (an
    /// account picker's suggestions).
    pub async fn find_accounts(
        &self,
        caller: &Caller,
        text: &str,
        limit: u32,
    ) -> Result<Vec<Account>, AppError> {
        self.actor(caller).await?;
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .find_accounts(&caller.org, text, limit.clamp(1, MAX_ACCOUNT_PAGE))
            .await?)
    }

    /// The one account `typed` names: its id, its exact name (any case), or
    /// "Name (id)" as the picker shows it. Several accounts of that name, or
    /// none, is an error that says so and lists the candidates by id.
    pub async fn account_named(&self, caller: &Caller, typed: &str) -> Result<AccountId, AppError> {
        let typed = typed.trim();
        // "Initech (A-1)": the id in the last parentheses wins.
        let inner = typed
            .rsplit_once('(')
            .and_then(|(_, rest)| rest.strip_suffix(')'))
            .map(str::trim);
        for candidate in inner.into_iter().chain([typed]) {
            if let Ok(id) = AccountId::parse(candidate)
                && self.store.account(&caller.org, &id).await?.is_some()
            {
                return Ok(id);
            }
        }
        let found = self.find_accounts(caller, typed, 20).await?;
        let exact: Vec<&Account> = found
            .iter()
            .filter(|a| a.name.eq_ignore_ascii_case(typed))
            .collect();
        match exact.as_slice() {
            [one] => Ok(one.id.clone()),
            [] if found.is_empty() => Err(AppError::NotFound(format!(
                "no account has the id or name '{typed}'"
            ))),
            [] => Err(DomainError::value(
                "account",
                format!(
                    "no account is named exactly '{typed}'; did you mean {}?",
                    found
                        .iter()
                        .take(5)
                        .map(|a| format!("{} ({})", a.name, a.id))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .into()),
            many => Err(DomainError::value(
                "account",
                format!(
                    "{} accounts are named '{typed}': {}; give the id",
                    many.len(),
                    many.iter()
                        .map(|a| a.id.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .into()),
        }
    }

    /// One account with (the first page of) its handoffs.
    pub async fn account(
        &self,
        caller: &Caller,
        id: &AccountId,
    ) -> Result<(Account, Vec<HandoffView>), AppError> {
        self.actor(caller).await?;
        let account = self.account_or_404(caller, id).await?;
        let filter = HandoffFilter {
            account: Some(id.clone()),
            ..HandoffFilter::default()
        };
        let (handoffs, _) = self
            .list_handoffs(caller, filter, None, None, crate::handoffs::MAX_PAGE)
            .await?;
        Ok((account, handoffs))
    }
}
