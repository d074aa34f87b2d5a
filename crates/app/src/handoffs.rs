//! Handoff use cases: start, edit, submit, accept, reject, withdraw, first
//! touch, and the follow-through and attestation actions. Each loads the handoff and the
//! contract version it is bound to, lets the domain decide, and writes the
//! event with the new state in one transaction.

use std::collections::{BTreeMap, BTreeSet};

use baton_domain::contract::Mode;
use baton_domain::event::{Event, Values, Via};
use baton_domain::field::Owner;
use baton_domain::handoff::{Action, Attachment, Ctx, DealUse, NextStep, check_deal, parse_values};
use baton_domain::sla::AcceptanceClock;
use baton_domain::{
    AccountId, Actor, ContractDef, ContractKey, DealId, DomainError, Handoff, HandoffId, Member,
    OrgId, Roster, TeamKey, Timestamp,
};
use baton_store::{Change, HandoffFilter};
use serde_json::Value;

use crate::{App, AppError, Caller};

/// What a sender gives to start a handoff.
#[derive(Debug, Clone)]
pub struct NewHandoff {
    /// The id, when the caller brings one (a CRM's); generated otherwise.
    pub id: Option<HandoffId>,
    /// The contract.
    pub contract: ContractKey,
    /// The account.
    pub account: AccountId,
    /// The CRM deal it hands off, when named (its gate is then per deal).
    pub deal: Option<DealId>,
    /// The receiving team, when the contract has several.
    pub to: Option<TeamKey>,
    /// Field values in JSON or text form.
    pub values: BTreeMap<String, Value>,
    /// Context attached.
    pub attachments: Vec<Attachment>,
}

/// What a receiver gives to reject.
#[derive(Debug, Clone)]
pub struct Rejection {
    /// A reason code from the contract's list.
    pub code: Option<String>,
    /// What is wrong, in words.
    pub reason: String,
    /// The deficient fields.
    pub fields: Vec<String>,
}

/// A loaded handoff with what deciding about it needs.
struct Loaded {
    handoff: Handoff,
    def: ContractDef,
    mode: Mode,
    actor: Actor,
}

impl App {
    async fn load(&self, caller: &Caller, id: &HandoffId) -> Result<Loaded, AppError> {
        let actor = self.actor(caller).await?;
        let handoff = self
            .store
            .handoff(&caller.org, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("handoff '{id}'")))?;
        let contract = self
            .store
            .contract(&caller.org, &handoff.contract)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("contract '{}'", handoff.contract)))?;
        let def = if contract.current_version == handoff.version {
            contract.current
        } else {
            self.store
                .contract_version(&caller.org, &handoff.contract, handoff.version)
                .await?
                .ok_or_else(|| {
                    AppError::NotFound(format!(
                        "version {} of '{}'",
                        handoff.version, handoff.contract
                    ))
                })?
        };
        Ok(Loaded {
            handoff,
            def,
            mode: contract.mode,
            actor,
        })
    }

    /// Loads, decides with `decide`, applies and writes; returns the new
    /// state as the caller may read it (from what was already loaded, so an
    /// action costs no second read). Beaten to the handoff by another
    /// writer, it reads and decides again (see [`crate::retry`]).
    async fn act(
        &self,
        caller: &Caller,
        id: &HandoffId,
        decide: impl Fn(&Handoff, Ctx<'_>, &Actor) -> Result<Event, DomainError>,
    ) -> Result<HandoffView, AppError> {
        let stream = baton_domain::event::Stream::Handoff(id.clone()).to_string();
        self.retrying(&caller.org, &stream, || async {
            let Loaded {
                handoff,
                def,
                mode,
                actor,
            } = self.load(caller, id).await?;
            let at = self.now();
            let roster = self.roster_for(&caller.org, &def).await?;
            let ctx = Ctx::live(&def, handoff.version, mode, at).with_roster(roster.as_ref());
            // Deadlines that passed before now are recorded first, in this
            // same change: a late fulfilment never loses its breach.
            let (events, handoff) = handoff.decide_at(ctx, |h, ctx| decide(h, ctx, &actor))?;
            let mut change = Change::default();
            // The breaches before the command are the system's doing.
            let last = events.len() - 1;
            let events = events.into_iter().enumerate().map(|(i, e)| {
                let via = if i == last { caller.via } else { Via::System };
                (e, via)
            });
            change.handoff(handoff.clone(), events, at);
            self.store.commit(&caller.org, &change).await?;
            Ok(view_as(&actor, &def, (mode, at, roster.as_ref()), handoff))
        })
        .await
    }

    /// The org's people, when the contract has a field whose person must be
    /// on a team (cs-to-support's communication owner); otherwise nothing
    /// is read.
    async fn roster_for(
        &self,
        org: &baton_domain::OrgId,
        def: &ContractDef,
    ) -> Result<Option<Roster>, AppError> {
        if def.fields.iter().all(|f| f.member_of.is_none()) {
            return Ok(None);
        }
        let dir = self.store.directory(org).await?;
        Ok(Some(Roster::new(dir.users.into_iter().map(
            |(email, u)| Member {
                email,
                name: u.name,
                teams: u.teams.into_keys().collect(),
            },
        ))))
    }

    /// Values found on the account's earlier accepted handoffs for the
    /// contract's `carried_from` fields.
    async fn carried_values(
        &self,
        caller: &Caller,
        def: &ContractDef,
        account: &AccountId,
    ) -> Result<Values, AppError> {
        let mut out = Values::new();
        for f in &def.fields {
            let Some(from) = &f.carried_from else {
                continue;
            };
            if let Some(earlier) = self
                .store
                .latest_accepted(&caller.org, account, &from.contract)
                .await?
                && let Some(v) = earlier.values.get(&from.field)
                && let Ok(Some(v)) = f.normalize(v)
            {
                out.insert(f.key.clone(), v);
            }
        }
        Ok(out)
    }

    /// Starts a handoff as a draft, prefilling carried values.
    #[tracing::instrument(skip_all, fields(contract = %new.contract, account = %new.account))]
    pub async fn start_handoff(
        &self,
        caller: &Caller,
        new: NewHandoff,
    ) -> Result<Handoff, AppError> {
        let actor = self.actor(caller).await?;
        let contract = self
            .store
            .contract(&caller.org, &new.contract)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("contract '{}'", new.contract)))?;
        if self
            .store
            .account(&caller.org, &new.account)
            .await?
            .is_none()
        {
            return Err(AppError::NotFound(format!("account '{}'", new.account)));
        }
        let id = match new.id {
            Some(id) => {
                if self.store.handoff(&caller.org, &id).await?.is_some() {
                    return Err(AppError::Conflict(format!("handoff '{id}' already exists")));
                }
                id
            }
            None => HandoffId::parse(uuid::Uuid::now_v7().to_string())?,
        };
        let def = contract.current;
        let values = parse_values(&def, &new.values, Owner::Sender)?;
        if let Some(deal) = &new.deal {
            let uses = self.deal_uses(&caller.org, deal).await?;
            check_deal(deal, &new.account, &def.key, &uses)?;
        }
        let carried = self.carried_values(caller, &def, &new.account).await?;
        let at = self.now();
        // A draft names anyone; membership is checked at submission.
        let ctx = Ctx::live(&def, contract.current_version, contract.mode, at);
        let event = Handoff::start(
            ctx,
            &actor,
            id,
            new.account,
            new.deal,
            new.to,
            values,
            carried,
            new.attachments,
        )?;
        let handoff =
            Handoff::from_event(&event, &def).ok_or_else(|| AppError::not_applied("the draft"))?;
        let mut change = Change::default();
        change.handoff(handoff.clone(), [(event, caller.via)], at);
        self.store.commit(&caller.org, &change).await?;
        Ok(handoff)
    }

    /// The handoffs that already name a deal (few: one per contract, plus
    /// withdrawn ones).
    pub(crate) async fn deal_uses(
        &self,
        org: &OrgId,
        deal: &DealId,
    ) -> Result<Vec<DealUse>, AppError> {
        let filter = HandoffFilter {
            deal: Some(deal.clone()),
            ..HandoffFilter::default()
        };
        let mut uses = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store
                .handoffs_page(org, &filter, after.as_ref(), MAX_PAGE)
                .await?;
            after = page.last().map(|h| h.id.clone());
            let full = page.len() == MAX_PAGE as usize;
            uses.extend(page.iter().map(DealUse::from));
            if !full {
                return Ok(uses);
            }
        }
    }

    /// Changes values or attachments of a draft or rejected handoff.
    pub async fn edit_handoff(
        &self,
        caller: &Caller,
        id: &HandoffId,
        values: BTreeMap<String, Value>,
        attachments: Vec<Attachment>,
    ) -> Result<HandoffView, AppError> {
        self.act(caller, id, |h, ctx, actor| {
            let values = parse_values(ctx.def, &values, Owner::Sender)?;
            h.edit(ctx, actor, values, attachments.clone())
        })
        .await
    }

    /// Saves a sender's edits made on a form loaded when the handoff's
    /// [`draft_digest`] was `seen`. When someone (another tab, another
    /// person) changed its values or attachments since, nothing is saved and
    /// the answer is [`AppError::Stale`], so an autosave never silently
    /// undoes a newer edit. The check and the write happen in one attempt.
    pub async fn edit_handoff_seen(
        &self,
        caller: &Caller,
        id: &HandoffId,
        seen: &str,
        values: BTreeMap<String, Value>,
    ) -> Result<HandoffView, AppError> {
        let stale = std::sync::atomic::AtomicBool::new(false);
        let saved = self
            .act(caller, id, |h, ctx, actor| {
                let fresh = draft_digest(h) == seen;
                stale.store(!fresh, std::sync::atomic::Ordering::Relaxed);
                if !fresh {
                    return Err(DomainError::Rule(
                        "changed since the form was loaded".into(),
                    ));
                }
                let values = parse_values(ctx.def, &values, Owner::Sender)?;
                h.edit(ctx, actor, values, Vec::new())
            })
            .await;
        if stale.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(AppError::Stale(format!(
                "handoff '{id}' was changed in another tab or by someone else after this form was loaded"
            )));
        }
        saved
    }

    /// Submits (or resubmits after rework). Gated and incomplete: refused
    /// with every missing field named, and nothing recorded.
    pub async fn submit(&self, caller: &Caller, id: &HandoffId) -> Result<HandoffView, AppError> {
        self.act(caller, id, |h, ctx, actor| {
            h.submit(ctx, actor, Values::new())
        })
        .await
    }

    /// Accepts, with the receiver-owned values; opens the gate.
    pub async fn accept(
        &self,
        caller: &Caller,
        id: &HandoffId,
        values: BTreeMap<String, Value>,
    ) -> Result<HandoffView, AppError> {
        self.act(caller, id, |h, ctx, actor| {
            let values = parse_values(ctx.def, &values, Owner::Receiver)?;
            h.accept(ctx, actor, values)
        })
        .await
    }

    /// Rejects for rework.
    pub async fn reject(
        &self,
        caller: &Caller,
        id: &HandoffId,
        r: Rejection,
    ) -> Result<HandoffView, AppError> {
        self.act(caller, id, |h, ctx, actor| {
            h.reject(
                ctx,
                actor,
                r.code.clone(),
                r.reason.clone(),
                r.fields.clone(),
            )
        })
        .await
    }

    /// Withdraws.
    pub async fn withdraw(&self, caller: &Caller, id: &HandoffId) -> Result<HandoffView, AppError> {
        self.act(caller, id, |h, ctx, actor| h.withdraw(ctx, actor))
            .await
    }

    /// Acknowledges with an ETA (or revises it).
    pub async fn acknowledge(
        &self,
        caller: &Caller,
        id: &HandoffId,
        eta: Timestamp,
    ) -> Result<HandoffView, AppError> {
        self.act(caller, id, |h, ctx, actor| h.acknowledge(ctx, actor, eta))
            .await
    }

    /// Records the receiver's first touch of the lead (mql-to-sdr's
    /// first-touch SLA): `channel` one of
    /// [`baton_domain::handoff::FIRST_TOUCH_CHANNELS`], `note` what happened.
    pub async fn first_touch(
        &self,
        caller: &Caller,
        id: &HandoffId,
        channel: Option<String>,
        note: Option<String>,
    ) -> Result<HandoffView, AppError> {
        self.act(caller, id, |h, ctx, actor| {
            h.first_touch(ctx, actor, channel.clone(), note.clone())
        })
        .await
    }

    /// Records a status echo.
    pub async fn echo(
        &self,
        caller: &Caller,
        id: &HandoffId,
        note: String,
    ) -> Result<HandoffView, AppError> {
        self.act(caller, id, |h, ctx, actor| h.echo(ctx, actor, note.clone()))
            .await
    }

    /// Records the resolution.
    pub async fn resolve(
        &self,
        caller: &Caller,
        id: &HandoffId,
        note: String,
    ) -> Result<HandoffView, AppError> {
        self.act(caller, id, |h, ctx, actor| {
            h.resolve(ctx, actor, note.clone())
        })
        .await
    }

    /// Records that the communication owner closed the loop with the customer.
    pub async fn close_loop(
        &self,
        caller: &Caller,
        id: &HandoffId,
        note: String,
    ) -> Result<HandoffView, AppError> {
        self.act(caller, id, |h, ctx, actor| {
            h.close_loop(ctx, actor, note.clone())
        })
        .await
    }

    /// Records an attestation answer.
    pub async fn attest(
        &self,
        caller: &Caller,
        id: &HandoffId,
        question: String,
        answer: String,
    ) -> Result<HandoffView, AppError> {
        self.act(caller, id, |h, ctx, actor| {
            h.attest(ctx, actor, question.clone(), answer.clone())
        })
        .await
    }
}

/// A handoff as a reader sees it: the record plus what its current values
/// still miss against the contract version it is bound to.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoffView {
    /// The handoff.
    pub handoff: Handoff,
    /// Mandatory sender fields still missing, in contract order.
    pub missing: Vec<String>,
    /// Sensitive fields whose values the reader may not see (removed from
    /// `handoff.values`).
    pub hidden: Vec<String>,
    /// Why each missing field does not count ("'TBD' is a placeholder"),
    /// as `(field, reason)`; a hidden value's reason does not quote it.
    pub why: Vec<(String, String)>,
    /// Specificity hints for present values (a date, a name, an amount
    /// the field asks for and the value lacks), as `(field, hint)`.
    pub hints: Vec<(String, String)>,
    /// What the reader may do with it now, as the domain's commands decide
    /// (a page offers these and no others).
    pub actions: BTreeSet<Action>,
    /// The work it asks of the reader now (their queue items).
    pub steps: Vec<NextStep>,
    /// Its acceptance clock against the bound version's SLA, once submitted:
    /// the one source every page shows its age and SLA from.
    pub clock: Option<AcceptanceClock>,
}

/// A digest of what a sender edits (values and attachments), to tell
/// whether a handoff changed since a form showed it. Breach records and
/// decisions leave it as it was, so they never make an open form stale.
pub fn draft_digest(h: &Handoff) -> String {
    use sha2::{Digest, Sha256};
    let text = serde_json::to_string(&(&h.values, &h.attachments)).unwrap_or_default();
    Sha256::digest(text.as_bytes())[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Handoffs viewed by one reader in one listing: each bound version, mode
/// and the org's people are fetched once, however many handoffs share them.
pub(crate) struct Viewing<'a> {
    app: &'a App,
    org: &'a baton_domain::OrgId,
    actor: Actor,
    now: baton_domain::Timestamp,
    defs: BTreeMap<(ContractKey, u32), ContractDef>,
    modes: BTreeMap<ContractKey, Mode>,
    roster: Option<Option<Roster>>,
}

impl<'a> Viewing<'a> {
    /// A listing for `actor` at the app's now.
    pub(crate) fn new(app: &'a App, org: &'a baton_domain::OrgId, actor: Actor) -> Self {
        Self {
            app,
            org,
            actor,
            now: app.now(),
            defs: BTreeMap::new(),
            modes: BTreeMap::new(),
            roster: None,
        }
    }

    /// Fetches, once each, what deciding on `h` needs: its bound version,
    /// its contract's mode and, where the contract names people, the roster.
    async fn load_for(&mut self, h: &Handoff) -> Result<(), AppError> {
        let key = (h.contract.clone(), h.version);
        if !self.defs.contains_key(&key) {
            let def = self.app.bound_def(self.org, h).await?;
            self.defs.insert(key.clone(), def);
        }
        if !self.modes.contains_key(&h.contract) {
            let mode = self.app.mode_of(self.org, &h.contract).await?;
            self.modes.insert(h.contract.clone(), mode);
        }
        let def = &self.defs[&key];
        if self.roster.is_none() && def.fields.iter().any(|f| f.member_of.is_some()) {
            self.roster = Some(self.app.roster_for(self.org, def).await?);
        }
        Ok(())
    }

    /// `h` as the reader sees it.
    pub(crate) async fn view(&mut self, h: Handoff) -> Result<HandoffView, AppError> {
        self.load_for(&h).await?;
        let def = &self.defs[&(h.contract.clone(), h.version)];
        let roster = self.roster.as_ref().and_then(Option::as_ref);
        let mode = self.modes[&h.contract];
        Ok(view_as(&self.actor, def, (mode, self.now, roster), h))
    }

    /// The work `h` asks of the reader now, without the rest of a view
    /// (what a count of the queue needs).
    pub(crate) async fn steps(&mut self, h: &Handoff) -> Result<Vec<NextStep>, AppError> {
        self.load_for(h).await?;
        let def = &self.defs[&(h.contract.clone(), h.version)];
        let ctx = Ctx::live(def, h.version, self.modes[&h.contract], self.now)
            .with_roster(self.roster.as_ref().and_then(Option::as_ref));
        Ok(h.next_steps(ctx, &self.actor))
    }
}

/// Most handoffs one listing page holds.
pub const MAX_PAGE: u32 = 200;
/// Most handoffs one search returns (a CSV download of a whole search).
pub const MAX_SEARCH: u32 = 10_000;

impl App {
    /// The version a handoff is bound to.
    async fn bound_def(
        &self,
        org: &baton_domain::OrgId,
        h: &Handoff,
    ) -> Result<ContractDef, AppError> {
        self.store
            .contract_version(org, &h.contract, h.version)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("version {} of '{}'", h.version, h.contract)))
    }

    /// A contract's current mode.
    async fn mode_of(
        &self,
        org: &baton_domain::OrgId,
        contract: &ContractKey,
    ) -> Result<Mode, AppError> {
        Ok(self
            .store
            .contract(org, contract)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("contract '{contract}'")))?
            .mode)
    }

    /// Adds what is missing to a handoff just returned by a use case, and
    /// hides what the caller may not read.
    pub async fn view(&self, caller: &Caller, handoff: Handoff) -> Result<HandoffView, AppError> {
        let actor = self.actor(caller).await?;
        let def = self.bound_def(&caller.org, &handoff).await?;
        let mode = self.mode_of(&caller.org, &handoff.contract).await?;
        let roster = self.roster_for(&caller.org, &def).await?;
        Ok(view_as(
            &actor,
            &def,
            (mode, self.now(), roster.as_ref()),
            handoff,
        ))
    }

    /// One handoff as the caller may read it, with the contract version it
    /// is bound to and the contract's current mode (what a page about it
    /// shows and offers).
    pub async fn handoff_detail(
        &self,
        caller: &Caller,
        id: &HandoffId,
    ) -> Result<(HandoffView, ContractDef, Mode), AppError> {
        let Loaded {
            handoff,
            def,
            mode,
            actor,
        } = self.load(caller, id).await?;
        let roster = self.roster_for(&caller.org, &def).await?;
        let view = view_as(&actor, &def, (mode, self.now(), roster.as_ref()), handoff);
        Ok((view, def, mode))
    }

    /// One handoff, for any member of its org.
    pub async fn handoff(&self, caller: &Caller, id: &HandoffId) -> Result<HandoffView, AppError> {
        let h = self
            .store
            .handoff(&caller.org, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("handoff '{id}'")))?;
        self.view(caller, h).await
    }

    /// A page of handoffs; `from_team` becomes the contracts that team sends.
    /// Returns the page and the cursor for the next one.
    pub async fn list_handoffs(
        &self,
        caller: &Caller,
        mut filter: baton_store::HandoffFilter,
        from_team: Option<TeamKey>,
        after: Option<HandoffId>,
        limit: u32,
    ) -> Result<(Vec<HandoffView>, Option<HandoffId>), AppError> {
        let actor = self.actor(caller).await?;
        if let Some(team) = from_team {
            let keys = self
                .store
                .contracts(&caller.org)
                .await?
                .into_iter()
                .filter(|c| c.current.sending_team == team)
                .map(|c| c.key)
                .collect();
            filter.contracts = Some(keys);
        }
        let limit = limit.clamp(1, MAX_PAGE);
        let page = self
            .store
            .handoffs_page(&caller.org, &filter, after.as_ref(), limit)
            .await?;
        let next = (page.len() == limit as usize)
            .then(|| page.last().map(|h| h.id.clone()))
            .flatten();
        let mut viewing = Viewing::new(self, &caller.org, actor);
        let mut out = Vec::with_capacity(page.len());
        for h in page {
            out.push(viewing.view(h).await?);
        }
        Ok((out, next))
    }

    /// One page of the handoffs `search` finds, as the caller may read
    /// them, and how many it finds in all.
    pub async fn search_handoffs(
        &self,
        caller: &Caller,
        mut search: baton_store::HandoffSearch,
    ) -> Result<(Vec<HandoffView>, u64), AppError> {
        let actor = self.actor(caller).await?;
        search.limit = search.limit.clamp(1, MAX_SEARCH);
        let (page, total) = self.store.search_handoffs(&caller.org, &search).await?;
        let mut viewing = Viewing::new(self, &caller.org, actor);
        let mut out = Vec::with_capacity(page.len());
        for h in page {
            out.push(viewing.view(h).await?);
        }
        Ok((out, total))
    }

    /// The re-discovery incidents reported against a handoff (they live on
    /// its account's stream), oldest first.
    pub async fn rediscoveries_of(
        &self,
        caller: &Caller,
        id: &HandoffId,
    ) -> Result<Vec<baton_store::StoredEvent>, AppError> {
        self.actor(caller).await?;
        let Some(h) = self.store.handoff(&caller.org, id).await? else {
            return Err(AppError::NotFound(format!("handoff '{id}'")));
        };
        let stream = baton_domain::event::Stream::Account(h.account.clone()).to_string();
        Ok(self
            .store
            .stream_events(&caller.org, &stream)
            .await?
            .into_iter()
            .filter(
                |e| matches!(&e.event, Event::Rediscovery { handoff: Some(of), .. } if *of == *id),
            )
            .collect())
    }

    /// A handoff's timeline: its events in order.
    pub async fn handoff_events(
        &self,
        caller: &Caller,
        id: &HandoffId,
    ) -> Result<Vec<baton_store::StoredEvent>, AppError> {
        let actor = self.actor(caller).await?;
        let Some(h) = self.store.handoff(&caller.org, id).await? else {
            return Err(AppError::NotFound(format!("handoff '{id}'")));
        };
        let def = self.bound_def(&caller.org, &h).await?;
        let visible = baton_domain::handoff::sees_sensitive(&actor, &def, &h);
        let stream = baton_domain::event::Stream::Handoff(id.clone()).to_string();
        let mut events = self.store.stream_events(&caller.org, &stream).await?;
        for e in &mut events {
            if let Event::DraftCreated { values, .. }
            | Event::Edited { values, .. }
            | Event::Submitted { values, .. }
            | Event::Accepted { values, .. } = &mut e.event
            {
                baton_domain::handoff::redact(&def, values, visible);
            }
            // Blind attestation: the timeline says someone answered, not what.
            if let Event::Attested {
                by,
                question,
                answer,
                ..
            } = &mut e.event
                && !h.sees_answer(&def, &actor, question, by)
            {
                *answer = baton_domain::handoff::SEALED_ANSWER.to_string();
            }
        }
        Ok(events)
    }
}

/// The handoff as `actor` may read it, with what they may do now.
/// `roster`: the org's people where the contract names someone who must be
/// on a team (without it, who closes the loop is judged by team alone).
fn view_as(
    actor: &Actor,
    def: &ContractDef,
    (mode, at, roster): (Mode, Timestamp, Option<&Roster>),
    mut handoff: Handoff,
) -> HandoffView {
    let ctx = Ctx::live(def, handoff.version, mode, at).with_roster(roster);
    let actions = handoff.allowed_actions(ctx, actor);
    let steps = handoff.next_steps(ctx, actor);
    let clock = baton_domain::sla::acceptance_clock(&handoff, def, at);
    handoff.seal_attestations(def, actor);
    let c = baton_domain::handoff::completeness(def, &handoff.values);
    let visible = baton_domain::handoff::sees_sensitive(actor, def, &handoff);
    let hints = def
        .fields
        .iter()
        .filter(|f| visible || !f.sensitive)
        .filter_map(|f| {
            f.hint_text(handoff.values.get(&f.key))
                .map(|h| (f.key.to_string(), h.to_string()))
        })
        .collect();
    let hidden = baton_domain::handoff::redact(def, &mut handoff.values, visible);
    let why = c
        .missing
        .iter()
        .map(|(k, w)| {
            let secret = hidden.iter().any(|h| h == k.as_str());
            let reason = if secret {
                "does not count".to_string()
            } else {
                w.explain()
            };
            (k.to_string(), reason)
        })
        .collect();
    HandoffView {
        missing: c.missing_keys(),
        handoff,
        hidden,
        why,
        hints,
        actions,
        steps,
        clock,
    }
}
