//! The import's working state: what the file has done so far, on top of
//! what the database already held, and the helpers every line's decision
//! uses (the records it touches, its actor, its place in time). The lines
//! themselves are decided in [`lines`], [`handoff_lines`] and
//! [`account_lines`].

mod account_lines;
mod handoff_lines;
mod lines;
mod suggest;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use baton_domain::Directory;
use baton_domain::account::Account;
use baton_domain::contract::{Contract, ContractDef};
use baton_domain::event::{Event, Stream, Values, Via};
use baton_domain::handoff::{Ctx, DealUse, check_deal};
use baton_domain::org::Role;
use baton_domain::sla::SlaKind;
use baton_domain::{
    AccountId, Actor, ContractKey, DealId, DomainError, Email, Handoff, HandoffId, OrgId, TeamKey,
    Timestamp,
};
use baton_store::{Change, StoreError};
use serde_json::Value;

use super::Line;
use crate::{App, AppError};

/// Why a line was not taken, or why the import cannot go on.
#[derive(Debug)]
pub(super) enum LineError {
    /// The line is refused: what is wrong with it, as the report says
    /// beside its number.
    Refused(String),
    /// The store failed while the line was decided: not the line's fault.
    Store(StoreError),
    /// Baton's own invariant broke (a decided event did not apply): a
    /// server error, never the file's fault.
    Bug(String),
}

impl LineError {
    /// A line handed to the decisions of another aggregate's lines.
    fn misrouted(e: &Event, to: &str) -> Self {
        Self::Bug(format!("a '{}' line was routed to {to}'s lines", e.kind()))
    }
}

impl From<String> for LineError {
    fn from(why: String) -> Self {
        Self::Refused(why)
    }
}

impl From<&str> for LineError {
    fn from(why: &str) -> Self {
        Self::Refused(why.to_string())
    }
}

impl From<DomainError> for LineError {
    fn from(e: DomainError) -> Self {
        Self::Refused(e.to_string())
    }
}

impl From<StoreError> for LineError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl LineError {
    /// What the import answers for this error found after every line was
    /// decided (`last`: the file's last line, which a refusal names).
    pub(super) fn at_end(self, last: u64) -> AppError {
        match self {
            Self::Refused(why) => AppError::Import(vec![(last, why)]),
            Self::Store(e) => e.into(),
            Self::Bug(why) => AppError::Bug(why),
        }
    }
}

/// A decided event that did not apply to the state it was decided on.
fn not_applied(what: &str) -> LineError {
    LineError::Bug(format!("{what} decided by the domain did not apply"))
}

/// Handoffs kept in memory across batches before those the last batch did
/// not touch are let go (read back from the bulk when a later line names
/// them): a handoff's lines are close together in a history, so few are.
/// 15,000 -> 5,000 took 21 MiB off the import's peak RSS at no measurable
/// cost in time (docs/performance.md).
const CACHED_HANDOFFS: usize = 5_000;

/// Accounts kept in memory across batches, likewise. 50,000 -> 5,000 keeps
/// the import's memory from growing with the accounts of the file
/// (docs/performance.md).
const CACHED_ACCOUNTS: usize = 5_000;

/// Imported notes read back at once (with their accounts' handoffs) when
/// looking for re-discovery.
const NOTES_PER_READ: usize = 500;

/// The import's working state: what the file has done so far, on top of what
/// the database already held.
pub(super) struct Importer<'a> {
    app: &'a App,
    org: OrgId,
    /// The import's transaction: written batch by batch, and read back
    /// through for records no longer in memory.
    pub(super) bulk: baton_store::BulkWrite,
    /// The org is created by this file: nothing to look up in the database.
    fresh: bool,
    now: Timestamp,
    dir: Directory,
    contracts: BTreeMap<ContractKey, Contract>,
    /// Published versions, shared: a line borrows its version's definition
    /// instead of copying it.
    versions: BTreeMap<(ContractKey, u32), std::sync::Arc<ContractDef>>,
    /// Records as the file has left them so far (none: known not to
    /// exist); a bounded cache over the bulk, see [`Importer::evict`].
    accounts: HashMap<AccountId, Option<Account>>,
    handoffs: HashMap<HandoffId, Option<Handoff>>,
    /// Handoffs naming each deal since the last batch was written (the
    /// bulk knows the rest).
    deals: HashMap<DealId, BTreeSet<HandoffId>>,
    change: Change,
    /// Handoffs and accounts this file created.
    pub(super) new_handoffs: u64,
    pub(super) new_accounts: u64,
    /// Touched since the last [`Importer::take_change`].
    batch_handoffs: BTreeSet<HandoffId>,
    batch_accounts: BTreeSet<AccountId>,
    batch_contracts: BTreeSet<ContractKey>,
    /// Touched by the last batch written: what [`Importer::evict`] keeps.
    kept_handoffs: BTreeSet<HandoffId>,
    kept_accounts: BTreeSet<AccountId>,
    pub(super) users_created: usize,
    /// The rollout plan, loaded when a line first needs it.
    rollout: Option<baton_domain::rollout::Rollout>,
    /// The org's currency settings, loaded when a line first needs them.
    fx: Option<baton_domain::fx::FxBook>,
    /// Sampled audits per contract, loaded when a line first needs them.
    audits: BTreeMap<ContractKey, baton_domain::audit::Audits>,
    /// Proposals per contract, loaded when a line first needs them.
    proposals: BTreeMap<ContractKey, Vec<baton_domain::proposal::Proposal>>,
    /// Suggestions recorded by this import, and whether each is decided:
    /// a file that carries suggestions (an export) is taken as it is.
    pub(super) suggestions: HashMap<String, bool>,
    /// Per time-ordered stream held in memory, the latest time so far and
    /// the line that set it (none: what the database or the bulk held).
    timeline: HashMap<String, Latest>,
    /// Breaches this import recorded ahead of a late line (at their due),
    /// of handoffs held in memory (the bulk keeps the others'): a file
    /// written before that rule may record the same breach later, as the
    /// job noticed it, and that line is then the same breach.
    derived: BTreeSet<(HandoffId, SlaKind, Timestamp)>,
}

/// Keeps only the `kept` records of a cache (shrunk to `cap`), and lets go
/// of the others' places in the timeline (`stream` names each one's).
fn let_go<K: Ord + std::hash::Hash, V>(
    cache: &mut HashMap<K, V>,
    kept: &BTreeSet<K>,
    cap: usize,
    timeline: &mut HashMap<String, Latest>,
    stream: impl Fn(&K) -> String,
) {
    cache.retain(|id, _| {
        let keep = kept.contains(id);
        if !keep {
            timeline.remove(&stream(id));
        }
        keep
    });
    cache.shrink_to(cap);
}

/// A time-ordered stream's latest time so far, and the line (its number and
/// kind) that set it; no line: what the database held.
type Latest = (Timestamp, Option<(u64, &'static str)>);

/// Which side of a handoff a line's actor acts for.
#[derive(Clone, Copy)]
enum Side {
    Sender,
    Receiver,
}

fn as_raw(values: &Values) -> BTreeMap<String, Value> {
    values
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

impl<'a> Importer<'a> {
    pub(super) async fn new(
        app: &'a App,
        org: OrgId,
        fresh: bool,
        bulk: baton_store::BulkWrite,
    ) -> Result<Self, AppError> {
        let (dir, contracts, versions) = if fresh {
            Default::default()
        } else {
            let contracts = app
                .store
                .contracts(&org)
                .await?
                .into_iter()
                .map(|c| (c.key.clone(), c))
                .collect();
            (
                app.store.directory(&org).await?,
                contracts,
                app.store
                    .all_contract_versions(&org)
                    .await?
                    .into_iter()
                    .map(|(k, d)| (k, std::sync::Arc::new(d)))
                    .collect(),
            )
        };
        Ok(Self {
            app,
            org,
            bulk,
            fresh,
            now: app.now(),
            dir,
            contracts,
            versions,
            accounts: HashMap::new(),
            handoffs: HashMap::new(),
            deals: HashMap::new(),
            change: Change::default(),
            new_handoffs: 0,
            new_accounts: 0,
            batch_handoffs: BTreeSet::new(),
            batch_accounts: BTreeSet::new(),
            batch_contracts: BTreeSet::new(),
            kept_handoffs: BTreeSet::new(),
            kept_accounts: BTreeSet::new(),
            users_created: 0,
            rollout: None,
            fx: None,
            audits: BTreeMap::new(),
            proposals: BTreeMap::new(),
            suggestions: HashMap::new(),
            timeline: HashMap::new(),
            derived: BTreeSet::new(),
        })
    }

    /// Fetches every account and handoff the batch names that the bulk
    /// holds (the database's, and what earlier batches wrote) and memory no
    /// longer does: one query per thousand ids instead of one per record.
    /// Ids not found are remembered as new.
    pub(super) async fn preload(&mut self, lines: &[Line]) -> Result<(), AppError> {
        let mut accounts = BTreeSet::new();
        let mut handoffs = BTreeSet::new();
        for line in lines {
            match line.event.stream() {
                Stream::Account(id) => {
                    accounts.insert(id);
                }
                Stream::Handoff(id) => {
                    handoffs.insert(id);
                }
                Stream::Org | Stream::Contract(_) | Stream::Rollout | Stream::Audit(_) => {}
            }
            if let Event::Submitted {
                account: Some(id), ..
            }
            | Event::DraftCreated { account: id, .. } = &line.event
            {
                accounts.insert(id.clone());
            }
        }
        // What an earlier batch already holds is newer than the database.
        let accounts: Vec<AccountId> = accounts
            .into_iter()
            .filter(|id| !self.accounts.contains_key(id))
            .collect();
        let handoffs: Vec<HandoffId> = handoffs
            .into_iter()
            .filter(|id| !self.handoffs.contains_key(id))
            .collect();
        for id in &accounts {
            self.accounts.insert(id.clone(), None);
        }
        for id in &handoffs {
            self.handoffs.insert(id.clone(), None);
        }
        for a in self.bulk.accounts(&accounts).await? {
            self.accounts.insert(a.id.clone(), Some(a));
        }
        for h in self.bulk.handoffs(&handoffs).await? {
            self.handoffs.insert(h.id.clone(), Some(h));
        }
        Ok(())
    }

    /// Lets go of the records the last batch did not touch once more are
    /// held than the caps, and of their place in the timeline: all are in
    /// the bulk, which is read back when a later line names them.
    pub(super) async fn evict(&mut self) -> Result<(), baton_store::StoreError> {
        let kept = std::mem::take(&mut self.kept_handoffs);
        if self.handoffs.len() > CACHED_HANDOFFS {
            let_go(
                &mut self.handoffs,
                &kept,
                CACHED_HANDOFFS,
                &mut self.timeline,
                |id| format!("handoff/{id}"),
            );
            let (keep, set_aside): (BTreeSet<_>, BTreeSet<_>) = std::mem::take(&mut self.derived)
                .into_iter()
                .partition(|(id, _, _)| kept.contains(id));
            self.derived = keep;
            let set_aside: Vec<_> = set_aside.into_iter().collect();
            self.bulk.set_aside_breaches(&set_aside).await?;
        }
        let kept = std::mem::take(&mut self.kept_accounts);
        if self.accounts.len() > CACHED_ACCOUNTS {
            let_go(
                &mut self.accounts,
                &kept,
                CACHED_ACCOUNTS,
                &mut self.timeline,
                |id| format!("account/{id}#record"),
            );
        }
        // Written: the bulk answers for these deals now.
        self.deals = HashMap::new();
        Ok(())
    }

    /// What the lines decided since the last call: their events, and the
    /// records they touched as they now stand.
    pub(super) fn take_change(&mut self) -> Change {
        let mut change = std::mem::take(&mut self.change);
        self.kept_handoffs = std::mem::take(&mut self.batch_handoffs);
        for id in &self.kept_handoffs {
            if let Some(Some(h)) = self.handoffs.get(id) {
                change.handoffs.push(h.clone());
            }
        }
        self.kept_accounts = std::mem::take(&mut self.batch_accounts);
        for id in &self.kept_accounts {
            if let Some(Some(a)) = self.accounts.get(id) {
                change.accounts.push(a.clone());
            }
        }
        for key in std::mem::take(&mut self.batch_contracts) {
            if let Some(c) = self.contracts.get(&key) {
                change.contracts.push(c.clone());
            }
        }
        change.org_version = Some(self.dir.version);
        change
    }

    async fn account(&mut self, id: &AccountId) -> Result<Option<Account>, LineError> {
        if let Some(a) = self.accounts.get(id) {
            return Ok(a.clone());
        }
        let a = self.bulk.accounts(std::slice::from_ref(id)).await?.pop();
        self.accounts.insert(id.clone(), a.clone());
        Ok(a)
    }

    async fn handoff(&mut self, id: &HandoffId) -> Result<Option<Handoff>, LineError> {
        if let Some(h) = self.handoffs.get(id) {
            return Ok(h.clone());
        }
        let h = self.bulk.handoffs(std::slice::from_ref(id)).await?.pop();
        self.handoffs.insert(id.clone(), h.clone());
        Ok(h)
    }

    async fn existing_handoff(&mut self, id: &HandoffId) -> Result<Handoff, LineError> {
        self.handoff(id).await?.ok_or_else(|| LineError::Refused(format!("unknown handoff '{id}': its first line must be 'submitted' (with contract and account) or 'draft_created'")))
    }

    fn def(
        &self,
        key: &ContractKey,
        version: u32,
    ) -> Result<std::sync::Arc<ContractDef>, LineError> {
        self.versions
            .get(&(key.clone(), version))
            .cloned()
            .ok_or_else(|| LineError::Refused(format!("contract '{key}' has no version {version}")))
    }

    fn contract(&self, key: &ContractKey) -> Result<&Contract, LineError> {
        self.contracts
            .get(key)
            .ok_or_else(|| LineError::Refused(format!("unknown contract '{key}'")))
    }

    /// The line's actor, and the org events that create them if they are
    /// new (the directory's decision for someone first seen acting).
    fn actor(&self, email: &Email, team: Option<&TeamKey>, at: Timestamp) -> (Actor, Vec<Event>) {
        if let Some(actor) = self.dir.actor(email) {
            return (actor, Vec::new());
        }
        let events = self.dir.first_seen(email, team, at);
        let actor = Actor {
            email: email.clone(),
            admin: false,
            teams: team
                .map(|t| (t.clone(), Role::Member))
                .into_iter()
                .collect(),
        };
        (actor, events)
    }

    /// Records an org event, on the directory as the earlier lines left it.
    fn record_org_event(&mut self, e: Event, line: &Line) {
        self.dir.apply(&e);
        self.push(e, self.dir.version, line);
    }

    fn push(&mut self, e: Event, stream_seq: u64, line: &Line) {
        self.change.push(
            e,
            stream_seq,
            line.via.unwrap_or(Via::Import),
            line.recorded_at.unwrap_or(self.now),
        );
    }

    fn record_org_events(&mut self, events: Vec<Event>, line: &Line) {
        for e in events {
            self.record_org_event(e, line);
        }
    }

    fn record_user_events(&mut self, events: Vec<Event>, line: &Line) {
        for e in events {
            if matches!(e, Event::UserCreated { .. }) {
                self.users_created += 1;
            }
            self.record_org_event(e, line);
        }
    }

    /// Records a handoff's first event; `h` was built from it.
    /// The handoffs naming a deal, as they stand at this line.
    async fn deal_uses(&mut self, deal: &DealId) -> Result<Vec<DealUse>, LineError> {
        let mut ids = self.deals.get(deal).cloned().unwrap_or_default();
        ids.extend(self.bulk.handoffs_of_deal(deal).await?);
        let mut uses = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(h) = self.handoff(&id).await? {
                uses.push(DealUse::from(&h));
            }
        }
        Ok(uses)
    }

    /// Checks that a handoff of `contract` for `account` may name `deal`
    /// (the same rule as a live start), and remembers that `id` does.
    async fn claim_deal(
        &mut self,
        deal: &DealId,
        id: &HandoffId,
        account: &AccountId,
        contract: &ContractKey,
    ) -> Result<(), LineError> {
        let uses: Vec<DealUse> = self
            .deal_uses(deal)
            .await?
            .into_iter()
            .filter(|u| u.handoff != *id)
            .collect();
        check_deal(deal, account, contract, &uses)?;
        self.deals
            .entry(deal.clone())
            .or_default()
            .insert(id.clone());
        Ok(())
    }

    fn record_new_handoff(&mut self, h: Handoff, e: Event, line: &Line) {
        let id = h.id.clone();
        let v = h.stream_version;
        self.handoffs.insert(id.clone(), Some(h));
        self.batch_handoffs.insert(id);
        self.new_handoffs += 1;
        self.push(e, v, line);
    }

    /// Records the events of one handoff step ([`Handoff::decide_at`]): the
    /// breaches that passed before the line, by Baton, then the line's own
    /// event; `h` has them all applied.
    fn record_step(&mut self, h: Handoff, events: Vec<Event>, line: &Line) {
        let first = h.stream_version + 1 - events.len() as u64;
        let last = events.len() - 1;
        let id = h.id.clone();
        self.handoffs.insert(id.clone(), Some(h));
        self.batch_handoffs.insert(id.clone());
        for (i, e) in events.into_iter().enumerate() {
            let v = first + i as u64;
            if i == last {
                self.push(e, v, line);
                continue;
            }
            if let Event::SlaBreached { kind, due, .. } = &e {
                self.derived.insert((id.clone(), *kind, *due));
            }
            self.change
                .push(e, v, Via::System, line.recorded_at.unwrap_or(self.now));
        }
    }

    fn record_handoff(&mut self, mut h: Handoff, def: &ContractDef, e: Event, line: &Line) {
        h.apply(&e, def);
        let id = h.id.clone();
        let v = h.stream_version;
        self.handoffs.insert(id.clone(), Some(h));
        self.batch_handoffs.insert(id);
        self.push(e, v, line);
    }

    fn record_account(
        &mut self,
        state: Option<Account>,
        e: Event,
        line: &Line,
    ) -> Result<(), LineError> {
        if state.is_none() {
            self.new_accounts += 1;
        }
        let a = Account::apply(state, &e).ok_or_else(|| not_applied("the account change"))?;
        let id = a.id.clone();
        let v = a.stream_version;
        self.accounts.insert(id.clone(), Some(a));
        self.batch_accounts.insert(id);
        self.push(e, v, line);
        Ok(())
    }

    /// Who a line about people is decided by: the user it names, who must
    /// be in the org, or, when it names nobody, the org itself.
    fn line_actor(&self, by: Option<&Email>) -> Result<Option<Actor>, LineError> {
        by.map(|e| self.org_actor(e)).transpose()
    }

    fn require_user(&self, by: &Option<Email>) -> Result<(), LineError> {
        self.line_actor(by.as_ref()).map(drop)
    }

    /// Which time-ordered stream a line belongs to (a handoff, a contract,
    /// or an account's own record, since signals may be reported late: the
    /// SPEC's example has an NPS response after a later incident), how to
    /// name it, and the line's time.
    fn ordered_stream(&self, e: &Event) -> Option<(String, String, &'static str, Timestamp)> {
        let at = match e {
            Event::Account { at, .. } => at.unwrap_or(self.now),
            other => other.at()?,
        };
        match e.stream() {
            Stream::Handoff(id) => Some((
                format!("handoff/{id}"),
                format!("handoff '{id}'"),
                "the events of a handoff",
                at,
            )),
            Stream::Contract(k) => Some((
                format!("contract/{k}"),
                format!("contract '{k}'"),
                "the events of a contract",
                at,
            )),
            Stream::Account(id) if matches!(e, Event::Account { .. }) => Some((
                format!("account/{id}#record"),
                format!("account '{id}'"),
                "the records of an account",
                at,
            )),
            _ => None,
        }
    }

    /// The latest time the database holds for a stream this import has not
    /// touched yet, or that this import has let go of.
    async fn recorded_time(&mut self, e: &Event) -> Result<Option<Timestamp>, LineError> {
        match e.stream() {
            // Also a handoff of this file no longer in memory.
            Stream::Handoff(id) => Ok(self.handoff(&id).await?.map(|h| h.last_at())),
            // An account's records from before this file are not looked
            // up: the check covers the records of one file, those no
            // longer in memory read back from the bulk.
            // Known not to exist (the batch's records are read ahead): no
            // record to read back.
            Stream::Account(id) if matches!(self.accounts.get(&id), Some(None)) => Ok(None),
            Stream::Account(id) => Ok(self
                .bulk
                .latest_in_stream(&Stream::Account(id).to_string(), "account")
                .await?
                .and_then(|s| match s.event {
                    Event::Account { at, .. } => at,
                    _ => None,
                })),
            _ if self.fresh => Ok(None),
            Stream::Contract(k) => Ok(self
                .app
                .store
                .stream_events(&self.org, &Stream::Contract(k).to_string())
                .await?
                .iter()
                .filter_map(|e| e.event.at())
                .max()),
            _ => Ok(None),
        }
    }

    /// Decides one line after checking it is not dated before the previous
    /// event of its stream (by line number, or what the database holds).
    /// The import's answer when lines are bad: its transaction dropped
    /// (nothing is written), and the bad lines in file order, as many as
    /// a report lists.
    pub(super) async fn refused(self, mut errors: Vec<(u64, String)>) -> AppError {
        if let Err(e) = self.bulk.rollback().await {
            return e.into();
        }
        errors.sort_by_key(|e| e.0);
        errors.truncate(super::MAX_REPORTED_ERRORS);
        AppError::Import(errors)
    }

    pub(super) async fn ordered_line(&mut self, line: &Line) -> Result<(), LineError> {
        let ordered = self.ordered_stream(&line.event);
        if let Some((key, name, what, at)) = &ordered {
            let previous = match self.timeline.get(key) {
                Some(p) => Some(*p),
                None => self.recorded_time(&line.event).await?.map(|t| (t, None)),
            };
            if let Some((before, from)) = previous
                && *at < before
            {
                let earlier = match from {
                    Some((no, kind)) => format!("line {no} ('{kind}' at {before})"),
                    None => format!("what is already recorded for it ({before})"),
                };
                return Err(LineError::Refused(format!(
                    "'{}' of {name} is dated {at}, earlier than {earlier}: {what} are recorded in time order",
                    line.event.kind(),
                )));
            }
        }
        self.line(line).await?;
        if let Some((key, _, _, at)) = ordered {
            self.timeline
                .insert(key, (at, Some((line.no, line.event.kind()))));
        }
        Ok(())
    }

    /// Loads a contract's audits from the database once.
    async fn audit_state(&mut self, contract: &ContractKey) -> Result<(), LineError> {
        if !self.audits.contains_key(contract) {
            let folded = if self.fresh {
                baton_domain::audit::Audits::default()
            } else {
                let events = self
                    .app
                    .store
                    .stream_events(&self.org, &Stream::Audit(contract.clone()).to_string())
                    .await?;
                baton_domain::audit::Audits::fold(events.iter().map(|e| &e.event))
            };
            self.audits.insert(contract.clone(), folded);
        }
        Ok(())
    }

    /// Folds an audit event and returns the stream's new version.
    async fn audit_version(&mut self, contract: &ContractKey, e: &Event) -> Result<u64, LineError> {
        self.audit_state(contract).await?;
        match self.audits.get_mut(contract) {
            Some(a) => {
                a.apply(e);
                Ok(a.version)
            }
            None => Err(LineError::Bug("the audits did not load".into())),
        }
    }

    /// A contract's proposals as of this line.
    async fn proposals(
        &mut self,
        contract: &ContractKey,
    ) -> Result<&mut Vec<baton_domain::proposal::Proposal>, LineError> {
        if !self.proposals.contains_key(contract) {
            let folded = if self.fresh {
                Vec::new()
            } else {
                let stream = Stream::Contract(contract.clone()).to_string();
                let events = self.app.store.stream_events(&self.org, &stream).await?;
                baton_domain::proposal::Proposal::fold(
                    events.iter().map(|e| (e.stream_seq, &e.event)),
                )
            };
            self.proposals.insert(contract.clone(), folded);
        }
        self.proposals
            .get_mut(contract)
            .ok_or_else(|| LineError::Bug("the proposals did not load".into()))
    }

    /// The user a line names, as the actor the domain judges (with the
    /// admin flag and teams the directory holds at that line).
    fn org_actor(&self, email: &Email) -> Result<Actor, LineError> {
        self.dir
            .actor(email)
            .ok_or_else(|| LineError::Refused(format!("unknown user '{email}'")))
    }

    /// The org's currency settings as of this line.
    async fn fx_book(&mut self) -> Result<&mut baton_domain::fx::FxBook, LineError> {
        if self.fx.is_none() {
            let book = if self.fresh {
                baton_domain::fx::FxBook::default()
            } else {
                self.app.store.fx_book(&self.org).await?.0
            };
            self.fx = Some(book);
        }
        self.fx
            .as_mut()
            .ok_or_else(|| LineError::Bug("the currency settings did not load".into()))
    }

    fn require_org(&self) -> Result<(), LineError> {
        if self.fresh && self.dir.version == 0 {
            Err("the org does not exist yet: the file must start with 'org_created'".into())
        } else {
            Ok(())
        }
    }

    fn ctx<'d>(
        &self,
        h: &Handoff,
        def: &'d ContractDef,
        at: Timestamp,
    ) -> Result<Ctx<'d>, LineError> {
        let mode = self.contract(&h.contract)?.mode;
        Ok(Ctx::history(def, h.version, mode, at))
    }

    async fn handoff_action(
        &mut self,
        id: &HandoffId,
        by: &Email,
        at: Timestamp,
        side: Side,
        line: &Line,
        decide: impl FnOnce(&Handoff, Ctx<'_>, &Actor) -> Result<Event, DomainError>,
    ) -> Result<(), LineError> {
        let h = self.existing_handoff(id).await?;
        let def = self.def(&h.contract, h.version)?;
        let team = match side {
            Side::Sender => def.sending_team.clone(),
            Side::Receiver => h.to.clone(),
        };
        let (actor, new_users) = self.actor(by, Some(&team), at);
        let ctx = self.ctx(&h, &def, at)?;
        let (events, h) = h.decide_at(ctx, |h, ctx| decide(h, ctx, &actor))?;
        self.record_user_events(new_users, line);
        self.record_step(h, events, line);
        Ok(())
    }
}
