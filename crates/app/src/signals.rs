//! Accounts and the signals recorded against them: re-discovery incidents,
//! NPS responses and churn. Each may be recorded live or with a past time.

use baton_domain::account::Account;
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

    /// Appends events to an account's stream (creating it with the first
    /// when it is new) in one commit. Beaten to the stream by another writer
    /// (forty notes arriving at once), it reads the account again and
    /// appends after the winner: what the events record was decided from
    /// the request and the account's existence, which a race cannot undo
    /// (accounts are never deleted), so deciding again gives the same events.
    pub(crate) async fn record_on_account(
        &self,
        caller: &Caller,
        account: Option<Account>,
        events: Vec<Event>,
    ) -> Result<Account, AppError> {
        let id = events.iter().find_map(|e| match e.stream() {
            Stream::Account(id) => Some(id),
            _ => None,
        });
        let mut first = Some(account);
        let stream = id
            .as_ref()
            .map(|id| Stream::Account(id.clone()).to_string())
            .unwrap_or_default();
        self.retrying(&caller.org, &stream, || {
            let loaded = first.take();
            let events = events.clone();
            let id = id.clone();
            async move {
                let account = match (loaded, &id) {
                    (Some(a), _) => a,
                    (None, Some(id)) => self.store.account(&caller.org, id).await?,
                    (None, None) => None,
                };
                self.append_to_account(caller, account, events).await
            }
        })
        .await
    }

    async fn append_to_account(
        &self,
        caller: &Caller,
        mut account: Option<Account>,
        events: Vec<Event>,
    ) -> Result<Account, AppError> {
        let mut change = Change::default();
        let now = self.now();
        for e in events {
            let next = Account::apply(account, &e)
                .ok_or_else(|| AppError::Invalid("the account change did not apply".into()))?;
            change.push(e, next.stream_version, caller.via, now);
            account = Some(next);
        }
        let account =
            account.ok_or_else(|| AppError::Invalid("no change to the account".into()))?;
        change.accounts.push(account.clone());
        self.store.commit(&caller.org, &change).await?;
        Ok(account)
    }

    /// Creates or updates an account.
    pub async fn upsert_account(
        &self,
        caller: &Caller,
        input: AccountInput,
    ) -> Result<Account, AppError> {
        self.actor(caller).await?;
        if input.name.trim().is_empty() {
            return Err(DomainError::value("account name", "must not be empty").into());
        }
        if input.arr.minor < 0 {
            return Err(DomainError::value("arr", "must not be negative").into());
        }
        let existing = self.store.account(&caller.org, &input.id).await?;
        let event = Event::Account {
            id: input.id,
            name: input.name.trim().to_string(),
            arr: input.arr,
            segment: input.segment.filter(|s| !s.trim().is_empty()),
            at: Some(self.now()),
        };
        self.record_on_account(caller, existing, vec![event]).await
    }

    /// Records a re-discovery incident.
    pub async fn record_rediscovery(
        &self,
        caller: &Caller,
        i: Incident,
    ) -> Result<Account, AppError> {
        self.actor(caller).await?;
        let account = self.account_or_404(caller, &i.account).await?;
        if let Some(hid) = &i.handoff {
            let h = self
                .store
                .handoff(&caller.org, hid)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("handoff '{hid}'")))?;
            if h.account != i.account {
                return Err(DomainError::Rule(format!(
                    "handoff '{hid}' is about account '{}', not '{}'",
                    h.account, i.account
                ))
                .into());
            }
            if let Some(f) = &i.field {
                let def = self
                    .store
                    .contract_version(&caller.org, &h.contract, h.version)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("contract '{}'", h.contract)))?;
                def.known_field(f.as_str())?;
            }
        }
        let event = Event::Rediscovery {
            account: i.account,
            handoff: i.handoff,
            field: i.field,
            note: i.note,
            by: Some(caller.email.clone()),
            at: i.at.unwrap_or_else(|| self.now()),
        };
        self.record_on_account(caller, Some(account), vec![event])
            .await
    }

    /// Records an NPS response (0–10).
    pub async fn record_nps(
        &self,
        caller: &Caller,
        account: &AccountId,
        score: u8,
        at: Option<Timestamp>,
    ) -> Result<Account, AppError> {
        self.actor(caller).await?;
        if score > 10 {
            return Err(
                DomainError::value("score", format!("{score} is not between 0 and 10")).into(),
            );
        }
        let existing = self.account_or_404(caller, account).await?;
        let event = Event::Nps {
            account: account.clone(),
            score,
            at: at.unwrap_or_else(|| self.now()),
        };
        self.record_on_account(caller, Some(existing), vec![event])
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
        let existing = self.account_or_404(caller, account).await?;
        let arr_lost = arr_lost.unwrap_or(existing.arr);
        let event = Event::Churn {
            account: account.clone(),
            at: at.unwrap_or_else(|| self.now()),
            arr_lost,
        };
        self.record_on_account(caller, Some(existing), vec![event])
            .await
    }
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
