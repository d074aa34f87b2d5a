//! History import (SPEC §9): JSON Lines, one event per line, applied in file
//! order, all or nothing.
//!
//! Every line goes through the same domain decisions as live use, with
//! history semantics (observe mode, the past recorded as it happened, marked
//! `via: import`). The file is read, decided and written in batches inside
//! one transaction, so memory holds one batch of lines (plus the records the
//! file touches), whatever the file's size; if any line is bad, every bad
//! line is reported with its number and the transaction is dropped: nothing
//! is written. Each touched account's scorecard contribution is computed
//! once, at the end, so the cost grows with the file, not with the database.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, Write};

use baton_domain::Directory;
use baton_domain::account::Account;
use baton_domain::contract::{Contract, ContractDef};
use baton_domain::event::{Event, Stream, Values, Via};
use baton_domain::field::Owner;
use baton_domain::handoff::{Ctx, DealUse, check_deal, parse_values};
use baton_domain::org::Role;
use baton_domain::sla::SlaKind;
use baton_domain::{
    AccountId, Actor, ContractKey, DealId, DomainError, Email, Handoff, HandoffId, OrgId, TeamKey,
    Timestamp,
};
use baton_store::Change;
use serde_json::{Map, Value};

use crate::{App, AppError};

/// Longest line accepted, so one runaway line cannot exhaust memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Most bad lines listed before the report stops counting.
pub const MAX_REPORTED_ERRORS: usize = 200;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// The org imported into.
    pub org: OrgId,
    /// Non-blank lines read.
    pub lines: u64,
    /// Events recorded (lines plus users created on the way).
    pub events: u64,
    /// Handoffs created or changed.
    pub handoffs: usize,
    /// Accounts created or changed.
    pub accounts: usize,
    /// Users created because a line named them.
    pub users_created: usize,
    /// Re-discovery suggestions found in imported notes.
    pub suggestions: usize,
}

/// One parsed line: the event and its stored envelope, if it carried one.
struct Line {
    no: u64,
    event: Event,
    via: Option<Via>,
    recorded_at: Option<Timestamp>,
}

/// Parses one line of the §9 format (plus the `via` and `recorded_at` that
/// an export adds).
fn parse_line(text: &str) -> Result<(Event, Option<Via>, Option<Timestamp>), String> {
    let mut map: Map<String, Value> =
        serde_json::from_str(text).map_err(|e| format!("not a JSON object: {e}"))?;
    // PostgreSQL cannot store U+0000 in text (SQLite can): refuse it here,
    // by line, rather than fail the whole import in the database.
    if map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)) {
        return Err("the line holds a NUL character (\\u0000), which cannot be stored".into());
    }
    let via = match map.remove("via") {
        None => None,
        Some(Value::String(s)) => Some(Via::parse(&s).ok_or_else(|| format!("unknown via '{s}'"))?),
        Some(other) => return Err(format!("via must be text, got {other}")),
    };
    let recorded_at = match map.remove("recorded_at") {
        None => None,
        Some(Value::String(s)) => Some(s.parse().map_err(|e| format!("recorded_at '{s}': {e}"))?),
        Some(other) => return Err(format!("recorded_at must be a time, got {other}")),
    };
    let kind = map.get("type").and_then(Value::as_str).map(str::to_string);
    let event: Event = serde_json::from_value(Value::Object(map)).map_err(|e| match kind {
        Some(k) => format!("bad '{k}' event: {e}"),
        None => format!("missing \"type\": {e}"),
    })?;
    Ok((event, via, recorded_at))
}

/// Whether a JSON value holds U+0000 in any text or key.
fn has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(m) => m.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// Writes one stored event as an export line: the event, then its envelope.
pub fn export_line(out: &mut impl Write, e: &baton_store::StoredEvent) -> Result<(), AppError> {
    let mut v = serde_json::to_value(&e.event).map_err(|err| AppError::Invalid(err.to_string()))?;
    if let Value::Object(m) = &mut v {
        m.insert("via".into(), Value::String(e.via.as_str().into()));
        m.insert(
            "recorded_at".into(),
            Value::String(e.recorded_at.to_string()),
        );
    }
    serde_json::to_writer(&mut *out, &v).map_err(|err| AppError::Invalid(err.to_string()))?;
    out.write_all(b"\n")
        .map_err(|err| AppError::Invalid(err.to_string()))
}

impl App {
    /// Writes the org's whole log as JSON Lines (the §9 format plus `via` and
    /// `recorded_at`), so that import of it reproduces it exactly. Returns the
    /// number of events written.
    pub async fn export_events(&self, org: &OrgId, out: &mut impl Write) -> Result<u64, AppError> {
        let mut after = 0;
        let mut n = 0;
        loop {
            let page = self.store.events(org, after, 5000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for e in &page {
                export_line(out, e)?;
                n += 1;
            }
        }
        out.flush()
            .map_err(|err| AppError::Invalid(err.to_string()))?;
        Ok(n)
    }

    /// Imports history into the caller's org (admins only): the same
    /// all-or-nothing import as [`App::import_events`], for the API.
    #[tracing::instrument(skip_all)]
    pub async fn import_history(
        &self,
        caller: &crate::Caller,
        input: impl BufRead,
    ) -> Result<ImportSummary, AppError> {
        self.actor(caller).await?.require_admin("import history")?;
        self.import_events(Some(caller.org.clone()), input).await
    }

    /// Imports history. `org`: the org to import into; without it, the file's
    /// own `org_created` line, or the database's only org.
    #[tracing::instrument(skip_all)]
    pub async fn import_events(
        &self,
        org: Option<OrgId>,
        input: impl BufRead,
    ) -> Result<ImportSummary, AppError> {
        let mut input = input;
        let (mut no, mut errors) = (0u64, Vec::new());
        let mut batch =
            read_batch(&mut input, &mut no, BATCH_LINES, &mut errors).unwrap_or_default();
        let known = self.store.orgs().await?;
        let org = match (&org, batch.first().map(|l| &l.event)) {
            (_, Some(Event::OrgCreated { org: file_org, .. })) => {
                if known.iter().any(|(id, _)| id == file_org) {
                    return Err(AppError::Import(vec![(
                        1,
                        format!("org '{file_org}' already exists; import into an empty database"),
                    )]));
                }
                if org.as_ref().is_some_and(|o| o != file_org) {
                    return Err(AppError::Import(vec![(
                        1,
                        format!("the file creates org '{file_org}', not the one named"),
                    )]));
                }
                file_org.clone()
            }
            (Some(o), _) => {
                if !known.iter().any(|(id, _)| id == o) {
                    return Err(AppError::NotFound(format!("org '{o}'")));
                }
                o.clone()
            }
            (None, _) => match known.as_slice() {
                [(only, _)] => only.clone(),
                [] => {
                    return Err(AppError::Invalid(
                        "the database has no org: run `baton init` first".into(),
                    ));
                }
                _ => {
                    return Err(AppError::Invalid(
                        "the database has several orgs: name one with --org".into(),
                    ));
                }
            },
        };
        let fresh = !known.iter().any(|(id, _)| *id == org);
        let bulk = self.store.begin_bulk(&org).await?;
        let mut im = Importer::new(self, org.clone(), fresh, bulk).await?;
        let mut lines = 0u64;
        let mut events = 0u64;
        // Whether the bulk still holds every decided line: after a bad line
        // the transaction is only kept going so that what later lines read
        // back is there; it is dropped at the end.
        let mut written = true;
        loop {
            im.preload(&batch).await?;
            for line in &batch {
                if let Err(why) = im.ordered_line(line).await {
                    errors.push((line.no, why));
                }
            }
            lines += batch.len() as u64;
            // Every line is decided even after a bad one, so the report
            // lists them all; what they decide is written (and later read
            // back) but never committed.
            let change = im.take_change();
            events += change.events.len() as u64;
            if written {
                match im.bulk.write(&change).await {
                    Ok(_) => im.evict().await?,
                    // A write refused after a bad line follows from it:
                    // the bad lines are the report; stop writing and keep
                    // what is decided in memory instead.
                    Err(_) if !errors.is_empty() => written = false,
                    Err(e) => return Err(e.into()),
                }
            }
            match read_batch(&mut input, &mut no, BATCH_LINES, &mut errors) {
                Some(next) => batch = next,
                None => break,
            }
        }
        if !errors.is_empty() {
            im.bulk.rollback().await?;
            errors.sort_by_key(|e| e.0);
            errors.truncate(MAX_REPORTED_ERRORS);
            return Err(AppError::Import(errors));
        }
        // In the import's own transaction: an import is all or nothing,
        // suggestions included.
        let suggestions = if im.suggestions.is_empty() {
            let (found, written) = im.suggest_from_notes(lines).await?;
            events += written;
            found
        } else {
            0
        };
        // A fresh org's records are all this file's; otherwise the log
        // says which the file changed.
        let (handoffs, accounts) = if fresh {
            (im.new_handoffs, im.new_accounts)
        } else {
            im.bulk.streams_changed().await?
        };
        im.bulk.commit().await?;
        Ok(ImportSummary {
            org,
            lines,
            events,
            handoffs: handoffs as usize,
            accounts: accounts as usize,
            users_created: im.users_created,
            suggestions,
        })
    }
}

/// Lines decided and written per batch: memory holds one batch of lines and
/// events, whatever the file's size.
const BATCH_LINES: usize = 10_000;

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

/// Reads up to `max` non-blank lines, numbering from `*no`; `None` at the end
/// of the input. Unreadable lines become errors and do not count.
fn read_batch(
    input: &mut impl BufRead,
    no: &mut u64,
    max: usize,
    errors: &mut Vec<(u64, String)>,
) -> Option<Vec<Line>> {
    let mut lines = Vec::new();
    let mut buf = Vec::new();
    while lines.len() < max {
        buf.clear();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                errors.push((*no + 1, format!("cannot read: {e}")));
                break;
            }
        }
        *no += 1;
        if buf.len() > MAX_LINE_BYTES {
            errors.push((*no, format!("line is longer than {MAX_LINE_BYTES} bytes")));
            continue;
        }
        let Ok(text) = std::str::from_utf8(&buf) else {
            errors.push((*no, "not UTF-8 text".into()));
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match parse_line(text) {
            Ok((event, via, recorded_at)) => lines.push(Line {
                no: *no,
                event,
                via,
                recorded_at,
            }),
            Err(why) => errors.push((*no, why)),
        }
    }
    (!lines.is_empty()).then_some(lines)
}

/// The import's working state: what the file has done so far, on top of what
/// the database already held.
struct Importer<'a> {
    app: &'a App,
    org: OrgId,
    /// The import's transaction: written batch by batch, and read back
    /// through for records no longer in memory.
    bulk: baton_store::BulkWrite,
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
    new_handoffs: u64,
    new_accounts: u64,
    /// Touched since the last [`Importer::take_change`].
    batch_handoffs: BTreeSet<HandoffId>,
    batch_accounts: BTreeSet<AccountId>,
    batch_contracts: BTreeSet<ContractKey>,
    /// Touched by the last batch written: what [`Importer::evict`] keeps.
    kept_handoffs: BTreeSet<HandoffId>,
    kept_accounts: BTreeSet<AccountId>,
    users_created: usize,
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
    suggestions: HashMap<String, bool>,
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

fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn as_raw(values: &Values) -> BTreeMap<String, Value> {
    values
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

impl<'a> Importer<'a> {
    async fn new(
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
    async fn preload(&mut self, lines: &[Line]) -> Result<(), AppError> {
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
    async fn evict(&mut self) -> Result<(), baton_store::StoreError> {
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
    fn take_change(&mut self) -> Change {
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

    async fn account(&mut self, id: &AccountId) -> Result<Option<Account>, String> {
        if let Some(a) = self.accounts.get(id) {
            return Ok(a.clone());
        }
        let a = self
            .bulk
            .accounts(std::slice::from_ref(id))
            .await
            .map_err(text)?
            .pop();
        self.accounts.insert(id.clone(), a.clone());
        Ok(a)
    }

    async fn handoff(&mut self, id: &HandoffId) -> Result<Option<Handoff>, String> {
        if let Some(h) = self.handoffs.get(id) {
            return Ok(h.clone());
        }
        let h = self
            .bulk
            .handoffs(std::slice::from_ref(id))
            .await
            .map_err(text)?
            .pop();
        self.handoffs.insert(id.clone(), h.clone());
        Ok(h)
    }

    async fn existing_handoff(&mut self, id: &HandoffId) -> Result<Handoff, String> {
        self.handoff(id).await?.ok_or_else(|| format!("unknown handoff '{id}': its first line must be 'submitted' (with contract and account) or 'draft_created'"))
    }

    fn def(&self, key: &ContractKey, version: u32) -> Result<std::sync::Arc<ContractDef>, String> {
        self.versions
            .get(&(key.clone(), version))
            .cloned()
            .ok_or_else(|| format!("contract '{key}' has no version {version}"))
    }

    fn contract(&self, key: &ContractKey) -> Result<&Contract, String> {
        self.contracts
            .get(key)
            .ok_or_else(|| format!("unknown contract '{key}'"))
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
    async fn deal_uses(&mut self, deal: &DealId) -> Result<Vec<DealUse>, String> {
        let mut ids = self.deals.get(deal).cloned().unwrap_or_default();
        ids.extend(self.bulk.handoffs_of_deal(deal).await.map_err(text)?);
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
    ) -> Result<(), String> {
        let uses: Vec<DealUse> = self
            .deal_uses(deal)
            .await?
            .into_iter()
            .filter(|u| u.handoff != *id)
            .collect();
        check_deal(deal, account, contract, &uses).map_err(text)?;
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
    ) -> Result<(), String> {
        if state.is_none() {
            self.new_accounts += 1;
        }
        let a = Account::apply(state, &e).ok_or("the account change did not apply")?;
        let id = a.id.clone();
        let v = a.stream_version;
        self.accounts.insert(id.clone(), Some(a));
        self.batch_accounts.insert(id);
        self.push(e, v, line);
        Ok(())
    }

    /// Who a line about people is decided by: the user it names, who must
    /// be in the org, or, when it names nobody, the org itself.
    fn line_actor(&self, by: Option<&Email>) -> Result<Option<Actor>, String> {
        by.map(|e| self.org_actor(e)).transpose()
    }

    fn require_user(&self, by: &Option<Email>) -> Result<(), String> {
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
    async fn recorded_time(&mut self, e: &Event) -> Result<Option<Timestamp>, String> {
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
                .await
                .map_err(text)?
                .and_then(|s| match s.event {
                    Event::Account { at, .. } => at,
                    _ => None,
                })),
            _ if self.fresh => Ok(None),
            Stream::Contract(k) => Ok(self
                .app
                .store
                .stream_events(&self.org, &Stream::Contract(k).to_string())
                .await
                .map_err(text)?
                .iter()
                .filter_map(|e| e.event.at())
                .max()),
            _ => Ok(None),
        }
    }

    /// Decides one line after checking it is not dated before the previous
    /// event of its stream (by line number, or what the database holds).
    async fn ordered_line(&mut self, line: &Line) -> Result<(), String> {
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
                return Err(format!(
                    "'{}' of {name} is dated {at}, earlier than {earlier}: {what} are recorded in time order",
                    line.event.kind(),
                ));
            }
        }
        self.line(line).await?;
        if let Some((key, _, _, at)) = ordered {
            self.timeline
                .insert(key, (at, Some((line.no, line.event.kind()))));
        }
        Ok(())
    }

    /// Decides one line; on error nothing of it is kept.
    async fn line(&mut self, line: &Line) -> Result<(), String> {
        let e = line.event.clone();
        match e {
            Event::OrgCreated { .. } => {
                if line.no != 1 && !self.change.events.is_empty()
                    || !self.fresh
                    || self.dir.version > 0
                {
                    return Err("'org_created' may only be the first line of an import into an empty database".into());
                }
                self.record_org_event(e, line);
            }
            // Every line about the org's people is the directory's decision,
            // as live: by the admin the line names, or by the org itself.
            Event::TeamCreated {
                ref team,
                ref name,
                at,
            } => {
                self.require_org()?;
                let decided = self
                    .dir
                    .create_team(None, team.clone(), name, at)
                    .map_err(text)?;
                self.record_org_event(decided, line);
            }
            Event::UserCreated {
                ref email,
                ref name,
                admin,
                ref by,
                at,
            } => {
                self.require_org()?;
                let actor = self.line_actor(by.as_ref())?;
                let new = baton_domain::NewPerson {
                    email: email.clone(),
                    name: name.clone(),
                    admin,
                    teams: Vec::new(),
                };
                let decided = self.dir.add_person(actor.as_ref(), new, at).map_err(text)?;
                self.record_org_events(decided, line);
            }
            Event::MemberAdded {
                ref email,
                ref team,
                role,
                ref by,
                at,
            } => {
                let actor = self.line_actor(by.as_ref())?;
                let decided = self
                    .dir
                    .add_member(actor.as_ref(), email, team, role, at)
                    .map_err(text)?;
                self.record_org_event(decided, line);
            }
            Event::MemberRemoved {
                ref email,
                ref team,
                ref by,
                at,
            } => {
                let actor = self.line_actor(by.as_ref())?;
                let decided = self
                    .dir
                    .remove_member(actor.as_ref(), email, team, at)
                    .map_err(text)?;
                self.record_org_event(decided, line);
            }
            Event::SignInSet {
                password,
                ref sso_team,
                ref sso_domains,
                ref by,
                at,
            } => {
                let actor = self.org_actor(by)?;
                // History says sign-in by SSO was set up then.
                let sign_in = baton_domain::SignIn {
                    password,
                    sso_team: sso_team.clone(),
                    sso_domains: sso_domains.clone(),
                };
                let decided = self
                    .dir
                    .set_sign_in(&actor, true, sign_in, at)
                    .map_err(text)?;
                self.record_org_event(decided, line);
            }
            Event::UserDeactivated {
                ref email,
                ref by,
                at,
            } => {
                let actor = self.line_actor(by.as_ref())?;
                let decided = self
                    .dir
                    .deactivate(actor.as_ref(), email, at)
                    .map_err(text)?;
                self.record_org_event(decided, line);
            }
            Event::UserReactivated {
                ref email,
                ref by,
                at,
            } => {
                let actor = self.line_actor(by.as_ref())?;
                let decided = self
                    .dir
                    .reactivate(actor.as_ref(), email, at)
                    .map_err(text)?;
                self.record_org_event(decided, line);
            }
            Event::ReportingCurrencySet {
                currency,
                ref by,
                at,
            } => {
                // The same decision as the live path: an admin, and a change.
                self.require_org()?;
                let actor = self.org_actor(by)?;
                let book = self.fx_book().await?;
                if book
                    .decide_reporting_currency(&actor, currency, at)
                    .map_err(text)?
                    .is_none()
                {
                    return Err(format!("the reporting currency is already {currency}"));
                }
                book.apply(&e);
                self.record_org_event(e, line);
            }
            Event::FxRateSet {
                currency,
                to,
                rate,
                effective,
                ref by,
                at,
            } => {
                self.require_org()?;
                let actor = self.org_actor(by)?;
                let book = self.fx_book().await?;
                let decided = book
                    .decide_rate(&actor, currency, rate, effective, at)
                    .map_err(text)?;
                if decided != e {
                    return Err(format!(
                        "the rate converts into {to}, but the reporting currency is {}",
                        book.reporting.map_or("not set".into(), |c| c.to_string())
                    ));
                }
                book.apply(&e);
                self.record_org_event(e, line);
            }
            Event::ContractPublished {
                ref contract,
                version,
                ref definition,
                ref by,
                ..
            } => {
                self.require_org()?;
                self.require_user(by)?;
                definition.validate().map_err(text)?;
                if definition.key != *contract {
                    return Err(format!(
                        "the definition's key '{}' is not '{contract}'",
                        definition.key
                    ));
                }
                let current = self.contracts.get(contract).cloned();
                let expected = current.as_ref().map_or(1, |c| c.current_version + 1);
                if version != expected {
                    return Err(format!(
                        "contract '{contract}' expects version {expected} next, not {version}"
                    ));
                }
                let next = Contract::apply(current, &e).ok_or("the contract did not apply")?;
                self.versions.insert(
                    (contract.clone(), version),
                    std::sync::Arc::new((**definition).clone()),
                );
                let v = next.stream_version;
                self.contracts.insert(contract.clone(), next);
                self.batch_contracts.insert(contract.clone());
                self.push(e, v, line);
            }
            Event::ModeChanged {
                ref contract,
                ref by,
                ..
            } => {
                self.require_user(by)?;
                let current = self.contract(contract)?.clone();
                let next = Contract::apply(Some(current), &e).ok_or("the mode did not apply")?;
                let v = next.stream_version;
                self.contracts.insert(contract.clone(), next);
                self.batch_contracts.insert(contract.clone());
                self.push(e, v, line);
            }
            Event::AuditSampled {
                ref contract,
                ref handoff,
                ref by,
                ..
            } => {
                self.require_user(&Some(by.clone()))?;
                self.contract(contract)?;
                let h = self.existing_handoff(handoff).await?;
                if h.contract != *contract {
                    return Err(format!(
                        "handoff '{handoff}' is not of contract '{contract}'"
                    ));
                }
                let v = self.audit_version(contract, &e).await?;
                self.push(e, v, line);
            }
            Event::AuditRecorded {
                ref contract,
                ref audit,
                ref by,
                ..
            } => {
                self.require_user(&Some(by.clone()))?;
                self.contract(contract)?;
                self.audit_state(contract).await?;
                let known = self
                    .audits
                    .get(contract)
                    .is_some_and(|a| a.samples.contains_key(audit));
                if !known {
                    return Err(format!("unknown audit '{audit}' of '{contract}'"));
                }
                let v = self.audit_version(contract, &e).await?;
                self.push(e, v, line);
            }
            Event::RolloutChanged {
                ref contract,
                ref by,
                ..
            } => {
                // History: recorded as it happened, without the sequencing
                // rule (that governs live moves).
                self.require_user(&Some(by.clone()))?;
                self.contract(contract)?;
                if self.rollout.is_none() {
                    let folded = if self.fresh {
                        baton_domain::rollout::Rollout::default()
                    } else {
                        let events = self
                            .app
                            .store
                            .stream_events(&self.org, &Stream::Rollout.to_string())
                            .await
                            .map_err(text)?;
                        baton_domain::rollout::Rollout::fold(events.iter().map(|e| &e.event))
                    };
                    self.rollout = Some(folded);
                }
                let v = match self.rollout.as_mut() {
                    Some(r) => {
                        r.apply(&e);
                        r.version
                    }
                    None => return Err("the rollout plan did not load".into()),
                };
                self.push(e, v, line);
            }
            Event::ContractProposed {
                ref contract,
                version,
                ref by,
                ..
            } => {
                self.require_user(&Some(by.clone()))?;
                let current = self.contract(contract)?.clone();
                if version == 0 || version > current.current_version {
                    return Err(format!(
                        "contract '{contract}' has no version {version} to propose against"
                    ));
                }
                let next =
                    Contract::apply(Some(current), &e).ok_or("the proposal did not apply")?;
                let v = next.stream_version;
                baton_domain::proposal::Proposal::apply(self.proposals(contract).await?, v, &e);
                self.contracts.insert(contract.clone(), next);
                self.batch_contracts.insert(contract.clone());
                self.push(e, v, line);
            }
            Event::ProposalAnswered {
                ref contract,
                proposal,
                accepted,
                ref reason,
                ref by,
                at,
            } => {
                // The same decision as a live answer, by the user as the
                // directory holds them at this line.
                let actor = self.org_actor(by)?;
                let current = self.contract(contract)?.clone();
                let decided = {
                    let ps = self.proposals(contract).await?;
                    let p = ps.iter().find(|p| p.number == proposal).ok_or_else(|| {
                        format!("contract '{contract}' has no proposal {proposal}")
                    })?;
                    p.answer(&current, &actor, accepted, reason, at)
                        .map_err(|e| e.to_string())?
                };
                let next =
                    Contract::apply(Some(current), &decided).ok_or("the answer did not apply")?;
                let v = next.stream_version;
                baton_domain::proposal::Proposal::apply(
                    self.proposals(contract).await?,
                    v,
                    &decided,
                );
                self.contracts.insert(contract.clone(), next);
                self.batch_contracts.insert(contract.clone());
                self.push(decided, v, line);
            }
            Event::Account {
                ref id,
                ref name,
                arr,
                ref segment,
                at,
            } => {
                self.require_org()?;
                let state = self.account(id).await?;
                let e = Account::upsert(
                    id.clone(),
                    name,
                    arr,
                    segment.as_deref(),
                    at.unwrap_or(self.now),
                )
                .map_err(text)?;
                self.record_account(state, e, line)?;
            }
            Event::DraftCreated {
                handoff,
                contract,
                version,
                account,
                deal,
                to,
                by,
                at,
                values,
                carried,
                attachments,
            } => {
                if self.handoff(&handoff).await?.is_some() {
                    return Err(format!("handoff '{handoff}' already exists"));
                }
                self.account(&account).await?.ok_or_else(|| {
                    format!("unknown account '{account}': add an 'account' line before")
                })?;
                if let Some(d) = &deal {
                    self.claim_deal(d, &handoff, &account, &contract).await?;
                }
                let c = self.contract(&contract)?;
                let mode = c.mode;
                let def = self.def(&contract, version)?;
                let (actor, new_users) = self.actor(&by, Some(&def.sending_team), at);
                let mut given =
                    parse_values(&def, &as_raw(&values), Owner::Sender).map_err(text)?;
                let carried_values: Values = carried
                    .iter()
                    .filter_map(|k| given.remove(k).map(|v| (k.clone(), v)))
                    .collect();
                let ctx = Ctx::history(&def, version, mode, at);
                let e = Handoff::start(
                    ctx,
                    &actor,
                    handoff,
                    account,
                    deal,
                    Some(to),
                    given,
                    carried_values,
                    attachments,
                )
                .map_err(text)?;
                let h = Handoff::from_event(&e, &def).ok_or("the draft did not apply")?;
                self.record_user_events(new_users, line);
                self.record_new_handoff(h, e, line);
            }
            Event::Submitted {
                handoff,
                contract,
                account,
                deal,
                version,
                to,
                by,
                at,
                values,
                ..
            } => match self.handoff(&handoff).await? {
                None => {
                    let (Some(contract), Some(account)) = (contract, account) else {
                        return Err(format!(
                            "the first line of handoff '{handoff}' needs \"contract\" and \"account\""
                        ));
                    };
                    self.account(&account).await?.ok_or_else(|| {
                        format!("unknown account '{account}': add an 'account' line before")
                    })?;
                    if let Some(d) = &deal {
                        self.claim_deal(d, &handoff, &account, &contract).await?;
                    }
                    let c = self.contract(&contract)?;
                    let (mode, version) = (c.mode, version.unwrap_or(c.current_version));
                    let def = self.def(&contract, version)?;
                    let (actor, new_users) = self.actor(&by, Some(&def.sending_team), at);
                    let values =
                        parse_values(&def, &as_raw(&values), Owner::Sender).map_err(text)?;
                    let ctx = Ctx::history(&def, version, mode, at);
                    let e = Handoff::submit_new(ctx, &actor, handoff, account, deal, to, values)
                        .map_err(text)?;
                    let h = Handoff::from_event(&e, &def).ok_or("the submission did not apply")?;
                    self.record_user_events(new_users, line);
                    self.record_new_handoff(h, e, line);
                }
                Some(h) => {
                    if contract.as_ref().is_some_and(|c| *c != h.contract)
                        || account.as_ref().is_some_and(|a| *a != h.account)
                    {
                        return Err(format!(
                            "handoff '{handoff}' is {} for account '{}'",
                            h.contract, h.account
                        ));
                    }
                    if let (Some(d), None) = (&deal, &h.deal) {
                        self.claim_deal(d, &handoff, &h.account, &h.contract)
                            .await?;
                    }
                    let def = self.def(&h.contract, h.version)?;
                    let (actor, new_users) = self.actor(&by, Some(&def.sending_team), at);
                    let values =
                        parse_values(&def, &as_raw(&values), Owner::Sender).map_err(text)?;
                    let ctx = self.ctx(&h, &def, at)?;
                    let (events, h) = h
                        .decide_at(ctx, |h, ctx| h.submit_naming(ctx, &actor, values, deal))
                        .map_err(text)?;
                    self.record_user_events(new_users, line);
                    self.record_step(h, events, line);
                }
            },
            Event::Edited {
                handoff,
                by,
                at,
                values,
                attachments,
            } => {
                let h = self.existing_handoff(&handoff).await?;
                let def = self.def(&h.contract, h.version)?;
                let (actor, new_users) = self.actor(&by, Some(&def.sending_team), at);
                let values = parse_values(&def, &as_raw(&values), Owner::Sender).map_err(text)?;
                let ctx = self.ctx(&h, &def, at)?;
                let (events, h) = h
                    .decide_at(ctx, |h, ctx| h.edit(ctx, &actor, values, attachments))
                    .map_err(text)?;
                self.record_user_events(new_users, line);
                self.record_step(h, events, line);
            }
            Event::Rejected {
                handoff,
                by,
                at,
                code,
                reason,
                fields,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Receiver, line, |h, ctx, actor| {
                    h.reject(
                        ctx,
                        actor,
                        code,
                        reason,
                        fields.iter().map(ToString::to_string).collect(),
                    )
                })
                .await?;
            }
            Event::Accepted {
                handoff,
                by,
                at,
                values,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Receiver, line, |h, ctx, actor| {
                    let values = parse_values(ctx.def, &as_raw(&values), Owner::Receiver)?;
                    h.accept(ctx, actor, values)
                })
                .await?;
            }
            Event::FirstTouch {
                handoff,
                by,
                at,
                channel,
                note,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Receiver, line, |h, ctx, actor| {
                    h.first_touch(ctx, actor, channel, note)
                })
                .await?;
            }
            Event::Withdrawn { handoff, by, at } => {
                self.handoff_action(&handoff, &by, at, Side::Sender, line, |h, ctx, actor| {
                    h.withdraw(ctx, actor)
                })
                .await?;
            }
            Event::Acknowledged {
                handoff,
                by,
                at,
                eta,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Receiver, line, |h, ctx, actor| {
                    h.acknowledge(ctx, actor, eta)
                })
                .await?;
            }
            Event::Echo {
                handoff,
                by,
                at,
                note,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Receiver, line, |h, ctx, actor| {
                    h.echo(ctx, actor, note)
                })
                .await?;
            }
            Event::Resolved {
                handoff,
                by,
                at,
                note,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Receiver, line, |h, ctx, actor| {
                    h.resolve(ctx, actor, note)
                })
                .await?;
            }
            Event::LoopClosed {
                handoff,
                by,
                at,
                note,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Sender, line, |h, ctx, actor| {
                    h.close_loop(ctx, actor, note)
                })
                .await?;
            }
            Event::Attested {
                handoff,
                by,
                at,
                question,
                answer,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Sender, line, |h, ctx, actor| {
                    h.attest(ctx, actor, question, answer)
                })
                .await?;
            }
            Event::SlaBreached {
                ref handoff,
                kind,
                due,
                ..
            } => {
                // Recorded as it was: the breach is history, not re-decided.
                let h = self.existing_handoff(handoff).await?;
                let derived = self.derived.remove(&(handoff.clone(), kind, due))
                    || self
                        .bulk
                        .take_set_aside_breach(handoff, kind, due)
                        .await
                        .map_err(text)?;
                if derived {
                    // Already recorded ahead of the late line that made it
                    // certain (an export from before that rule); one breach.
                    return Ok(());
                }
                if h.breaches.iter().any(|b| b.kind == kind && b.due == due) {
                    return Err(format!(
                        "the {kind} deadline of handoff '{handoff}' due {due} is already recorded as breached"
                    ));
                }
                let def = self.def(&h.contract, h.version)?;
                self.record_handoff(h, &def, e, line);
            }
            Event::Rediscovery {
                account,
                handoff,
                field,
                note,
                by,
                at,
            } => {
                let state = self
                    .account(&account)
                    .await?
                    .ok_or_else(|| format!("unknown account '{account}'"))?;
                let about = match &handoff {
                    Some(hid) => {
                        let h = self.existing_handoff(hid).await?;
                        let def = self.def(&h.contract, h.version)?;
                        Some((h, def))
                    }
                    None => None,
                };
                let team = about.as_ref().map(|(h, _)| h.to.clone());
                let report = baton_domain::account::IncidentReport {
                    field,
                    note,
                    by: by.clone(),
                    at,
                };
                let e = state
                    .record_incident(about.as_ref().map(|(h, d)| (h, &**d)), report, self.now)
                    .map_err(text)?;
                let new_users = match &by {
                    Some(email) => self.actor(email, team.as_ref(), at).1,
                    None => Vec::new(),
                };
                self.record_user_events(new_users, line);
                self.record_account(Some(state), e, line)?;
            }
            Event::Note {
                ref account,
                ref author,
                ref team,
                ref text,
                at,
            } => {
                crate::rediscovery::check_note_text(text).map_err(|e| e.to_string())?;
                let state = self
                    .account(account)
                    .await?
                    .ok_or_else(|| format!("unknown account '{account}'"))?;
                if let Some(t) = team
                    && !self.dir.teams.contains_key(t)
                {
                    return Err(format!("unknown team '{t}'"));
                }
                let new_users = match author {
                    Some(email) => self.actor(email, team.as_ref(), at).1,
                    None => Vec::new(),
                };
                self.record_user_events(new_users, line);
                self.record_account(Some(state), e, line)?;
            }
            Event::RediscoverySuggested {
                ref id,
                ref account,
                ref handoff,
                ref contract,
                ref field,
                ..
            } => {
                let state = self
                    .account(account)
                    .await?
                    .ok_or_else(|| format!("unknown account '{account}'"))?;
                let h = self.existing_handoff(handoff).await?;
                if h.account != *account || h.contract != *contract {
                    return Err(format!(
                        "handoff '{handoff}' is a {} handoff of account '{}', not a {contract} handoff of '{account}'",
                        h.contract, h.account
                    ));
                }
                self.def(&h.contract, h.version)?
                    .known_field(field.as_str())
                    .map_err(text)?;
                let known = self
                    .app
                    .store
                    .suggestion(&self.org, id)
                    .await
                    .map_err(text)?;
                if known.is_some() || self.suggestions.contains_key(id) {
                    return Err(format!("suggestion '{id}' is already recorded"));
                }
                self.suggestions.insert(id.clone(), false);
                self.record_account(Some(state), e, line)?;
            }
            Event::SuggestionDecided {
                ref id,
                ref account,
                ref by,
                ..
            } => {
                self.require_user(&Some(by.clone()))?;
                let state = self
                    .account(account)
                    .await?
                    .ok_or_else(|| format!("unknown account '{account}'"))?;
                let open = match self.suggestions.get(id) {
                    Some(decided) => !decided,
                    None => self
                        .app
                        .store
                        .suggestion(&self.org, id)
                        .await
                        .map_err(text)?
                        .is_some_and(|s| {
                            s.status == baton_domain::rediscovery::SuggestionStatus::Open
                                && s.account == *account
                        }),
                };
                if !open {
                    return Err(format!(
                        "suggestion '{id}' of account '{account}' is unknown or already decided"
                    ));
                }
                self.suggestions.insert(id.clone(), true);
                self.record_account(Some(state), e, line)?;
            }
            Event::Nps { account, score, at } => {
                let state = self
                    .account(&account)
                    .await?
                    .ok_or_else(|| format!("unknown account '{account}'"))?;
                let e = state.record_nps(score, at, self.now).map_err(text)?;
                self.record_account(Some(state), e, line)?;
            }
            Event::Churn {
                account,
                at,
                arr_lost,
            } => {
                let state = self
                    .account(&account)
                    .await?
                    .ok_or_else(|| format!("unknown account '{account}'"))?;
                let e = state
                    .record_churn(at, Some(arr_lost), self.now)
                    .map_err(text)?;
                self.record_account(Some(state), e, line)?;
            }
        }
        Ok(())
    }

    /// Looks for re-discovery in the imported notes, against the handoffs as
    /// the whole import leaves them (this import's, over those already in
    /// the database); returns how many suggestions it recorded and how many
    /// events it wrote. The notes are read back from the bulk a page at a
    /// time and each page's suggestions written before the next, so memory
    /// holds one page whatever the number of notes. `lines`: the file's
    /// last line, which a failure is reported against.
    async fn suggest_from_notes(&mut self, lines: u64) -> Result<(usize, u64), AppError> {
        let at_end = |why: String| AppError::Import(vec![(lines, why)]);
        let (mut found, mut written, mut after) = (0, 0, 0);
        loop {
            let page = self
                .bulk
                .events_of_kind("note", after, NOTES_PER_READ as u32)
                .await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            let notes: Vec<Event> = page.into_iter().map(|e| e.event).collect();
            // The handoffs of the page's accounts, read back from the bulk
            // (the database's with this file's over them).
            let accounts: Vec<AccountId> = notes
                .iter()
                .filter_map(|n| match n {
                    Event::Note { account, .. } => Some(account.clone()),
                    _ => None,
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut by_account: HashMap<AccountId, BTreeMap<HandoffId, Handoff>> = HashMap::new();
            for h in self.bulk.accepted_handoffs_of(&accounts).await? {
                by_account
                    .entry(h.account.clone())
                    .or_default()
                    .insert(h.id.clone(), h);
            }
            found += self
                .suggest_from(&notes, &by_account)
                .await
                .map_err(at_end)?;
            let change = self.take_change();
            written += change.events.len() as u64;
            self.bulk.write(&change).await?;
            self.evict().await?;
        }
        Ok((found, written))
    }

    /// [`Importer::suggest_from_notes`] for some notes, given the accepted
    /// handoffs of their accounts.
    async fn suggest_from(
        &mut self,
        notes: &[Event],
        by_account: &HashMap<AccountId, BTreeMap<HandoffId, Handoff>>,
    ) -> Result<usize, String> {
        let mut found = 0;
        for note in notes {
            let Event::Note {
                account,
                author,
                team,
                text: body,
                at,
            } = note
            else {
                continue;
            };
            let (account, at) = (account.clone(), *at);
            let none = BTreeMap::new();
            let handoffs = by_account.get(&account).unwrap_or(&none);
            let mut answered = Vec::new();
            for h in handoffs
                .values()
                .filter(|h| crate::rediscovery::accepted_by(h, at))
            {
                let def = self.def(&h.contract, h.version)?;
                crate::rediscovery::answered_in(h, &def, &mut answered);
            }
            let events = crate::rediscovery::suggestion_events(
                &account,
                &answered,
                body,
                author.as_ref(),
                team.as_ref(),
                at,
                crate::rediscovery::new_suggestion_id,
            );
            for e in events {
                let state = self.account(&account).await?;
                let a = Account::apply(state, &e).ok_or("the account change did not apply")?;
                let v = a.stream_version;
                self.accounts.insert(account.clone(), Some(a));
                self.batch_accounts.insert(account.clone());
                self.change.push(e, v, Via::System, self.now);
                found += 1;
            }
        }
        Ok(found)
    }

    /// Loads a contract's audits from the database once.
    async fn audit_state(&mut self, contract: &ContractKey) -> Result<(), String> {
        if !self.audits.contains_key(contract) {
            let folded = if self.fresh {
                baton_domain::audit::Audits::default()
            } else {
                let events = self
                    .app
                    .store
                    .stream_events(&self.org, &Stream::Audit(contract.clone()).to_string())
                    .await
                    .map_err(text)?;
                baton_domain::audit::Audits::fold(events.iter().map(|e| &e.event))
            };
            self.audits.insert(contract.clone(), folded);
        }
        Ok(())
    }

    /// Folds an audit event and returns the stream's new version.
    async fn audit_version(&mut self, contract: &ContractKey, e: &Event) -> Result<u64, String> {
        self.audit_state(contract).await?;
        match self.audits.get_mut(contract) {
            Some(a) => {
                a.apply(e);
                Ok(a.version)
            }
            None => Err("the audits did not load".into()),
        }
    }

    /// A contract's proposals as of this line.
    async fn proposals(
        &mut self,
        contract: &ContractKey,
    ) -> Result<&mut Vec<baton_domain::proposal::Proposal>, String> {
        if !self.proposals.contains_key(contract) {
            let folded = if self.fresh {
                Vec::new()
            } else {
                let stream = Stream::Contract(contract.clone()).to_string();
                let events = self
                    .app
                    .store
                    .stream_events(&self.org, &stream)
                    .await
                    .map_err(text)?;
                baton_domain::proposal::Proposal::fold(
                    events.iter().map(|e| (e.stream_seq, &e.event)),
                )
            };
            self.proposals.insert(contract.clone(), folded);
        }
        self.proposals
            .get_mut(contract)
            .ok_or_else(|| "the proposals did not load".to_string())
    }

    /// The user a line names, as the actor the domain judges (with the
    /// admin flag and teams the directory holds at that line).
    fn org_actor(&self, email: &Email) -> Result<Actor, String> {
        self.dir
            .actor(email)
            .ok_or_else(|| format!("unknown user '{email}'"))
    }

    /// The org's currency settings as of this line.
    async fn fx_book(&mut self) -> Result<&mut baton_domain::fx::FxBook, String> {
        if self.fx.is_none() {
            let book = if self.fresh {
                baton_domain::fx::FxBook::default()
            } else {
                self.app.store.fx_book(&self.org).await.map_err(text)?.0
            };
            self.fx = Some(book);
        }
        self.fx
            .as_mut()
            .ok_or_else(|| "the currency settings did not load".to_string())
    }

    fn require_org(&self) -> Result<(), String> {
        if self.fresh && self.dir.version == 0 {
            Err("the org does not exist yet: the file must start with 'org_created'".into())
        } else {
            Ok(())
        }
    }

    fn ctx<'d>(&self, h: &Handoff, def: &'d ContractDef, at: Timestamp) -> Result<Ctx<'d>, String> {
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
    ) -> Result<(), String> {
        let h = self.existing_handoff(id).await?;
        let def = self.def(&h.contract, h.version)?;
        let team = match side {
            Side::Sender => def.sending_team.clone(),
            Side::Receiver => h.to.clone(),
        };
        let (actor, new_users) = self.actor(by, Some(&team), at);
        let ctx = self.ctx(&h, &def, at)?;
        let (events, h) = h
            .decide_at(ctx, |h, ctx| decide(h, ctx, &actor))
            .map_err(text)?;
        self.record_user_events(new_users, line);
        self.record_step(h, events, line);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_a_nul_character_is_refused_by_line() {
        // Found by replaying the import_csv fuzz corpus on PostgreSQL, which
        // failed the whole import with "invalid byte sequence 0x00".
        let line = r#"{"type": "nps", "account": "A-1", "score": 8, "at": "2026-09-21T10:00:00Z", "note": "a\u0000b"}"#;
        let err = parse_line(line).err().unwrap_or_default();
        assert!(err.contains("NUL"), "{err}");
        let key = r#"{"type": "account", "id": "A-1", "name": "N", "arr": {"minor": 1, "currency": "USD"}, "x\u0000": 1}"#;
        assert!(parse_line(key).is_err());
    }
}
