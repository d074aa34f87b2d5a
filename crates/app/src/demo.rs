//! Demo history: a seeded, deterministic generator of realistic handoff
//! history for demos and benchmarks, written in the JSON Lines format of
//! SPEC §9 so it goes through the ordinary history import.
//!
//! Every account line comes first. Then, sorted by time, the accounts'
//! journeys over the chosen months: leads handed from marketing to an SDR, on
//! to an AE, through onboarding to customer success, with drop-off at every
//! step; escalations from CS to support; the odd cross-sell between motions;
//! and the signals around them: NPS responses before and after handoffs,
//! re-discovery incidents after incomplete ones, and churn. Completeness is
//! what a team without a gate produces: some handoffs complete, most missing
//! a field or four, a few "filled" with filler such as "TBD". Receivers
//! reject some, senders rework and resubmit, most are accepted anyway.
//!
//! The same [`DemoSpec`] always produces the same bytes: all randomness comes
//! from one [`StdRng`] seeded with `spec.seed`, and nothing reads the clock.

use std::io::{self, Write};

use baton_domain::contract::ContractDef;
use baton_domain::contract::seed::seeded_contracts;
use baton_domain::event::{Event, Values};
use baton_domain::field::FieldType;
use baton_domain::{
    AccountId, ContractKey, Currency, DealId, Email, FieldKey, HandoffId, Money, Timestamp,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Map, Value};

/// Accounts in the demo org `baton demo` and `baton serve --demo` create:
/// enough that every receiving team has a few handoffs in flight.
pub const DEMO_ACCOUNTS: usize = 1000;
/// Months of demo history.
pub const DEMO_MONTHS: u32 = 6;
/// The demo's seed (the same org every time).
pub const DEMO_SEED: u64 = 42;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoSpec {
    /// How many accounts (each gets an `account` line and a journey).
    pub accounts: usize,
    /// How many months of history, ending at `end`.
    pub months: u32,
    /// The seed: the same spec always generates the same bytes.
    pub seed: u64,
    /// When the history ends: no line is later than this.
    pub end: Timestamp,
}

/// Writes history lines (SPEC §9 JSONL, one event per line) for `spec` to
/// `out`; returns the number of lines.
///
/// About 19 lines per account over six months (`accounts: 5300, months: 6`
/// gives roughly 100,000 lines); customers keep escalating and answering
/// surveys, so longer histories have more lines per account.
pub fn generate(spec: &DemoSpec, out: &mut impl Write) -> io::Result<u64> {
    let cat = Catalog::new(spec)?;
    let mut g = Gen {
        rng: StdRng::seed_from_u64(spec.seed),
        events: Vec::with_capacity(spec.accounts.saturating_mul(14)),
        next_handoff: 1,
    };
    let mut accounts = Vec::with_capacity(spec.accounts);
    for i in 0..spec.accounts {
        accounts.push(g.account(&cat, i)?);
    }
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    let mut lines = 0u64;
    for a in &accounts {
        let e = Event::Account {
            id: a.id.clone(),
            name: a.name.clone(),
            arr: Money {
                minor: a.arr_minor,
                currency: cat.usd,
            },
            segment: Some(a.seg.as_str().to_string()),
            at: Some(ts(a.created)?),
        };
        write_line(&mut out, &e)?;
        lines += 1;
    }
    for a in &mut accounts {
        g.journey(&cat, a)?;
    }
    // By time, ties in generation order (events of one handoff already have
    // strictly increasing times). Sorting small keys, not the events.
    let mut order: Vec<(i64, usize)> = g
        .events
        .iter()
        .enumerate()
        .map(|(i, (at, _))| (*at, i))
        .collect();
    order.sort_unstable();
    for (_, i) in order {
        if let Some((_, e)) = g.events.get(i) {
            write_line(&mut out, e)?;
            lines += 1;
        }
    }
    out.flush()?;
    Ok(lines)
}

fn write_line(out: &mut impl Write, e: &Event) -> io::Result<()> {
    serde_json::to_writer(&mut *out, e)?;
    out.write_all(b"\n")
}

fn ts(secs: i64) -> io::Result<Timestamp> {
    Timestamp::from_second(secs).map_err(io::Error::other)
}

fn bad(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

// ---------------------------------------------------------------------------
// The cast: teams, their people, the contracts.

/// Teams and how many people each has in the demo.
const TEAMS: &[(&str, u32)] = &[
    ("marketing", 4),
    ("sdr", 8),
    ("ae", 6),
    ("onboarding", 4),
    ("cs", 6),
    ("support", 4),
    ("motion-a", 3),
    ("motion-b", 3),
];
const T_CS: usize = 4;

/// The contracts the journeys use, in lifecycle order.
const JOURNEY: &[&str] = &[
    "mql-to-sdr",
    "sdr-to-ae",
    "ae-to-onboarding",
    "onboarding-to-cs",
    "cs-to-support",
    "cross-motion",
];
const C_MQL: usize = 0;
const C_SDR: usize = 1;
const C_AE: usize = 2;
const C_ONB: usize = 3;
const C_CS: usize = 4;
const C_CROSS: usize = 5;

/// Chance that a first submission is complete, per journey contract.
const P_COMPLETE: [f64; 6] = [0.45, 0.35, 0.38, 0.42, 0.5, 0.3];
/// How quickly each journey contract's receivers decide (1 = typical).
const PACE: [f64; 6] = [0.6, 0.9, 1.2, 1.0, 0.5, 1.3];
/// Chance that an accepted handoff leads to the next one (before leaks).
const CONVERSION: [f64; 3] = [0.7, 0.6, 0.95];

struct Field {
    key: FieldKey,
    kind: FieldType,
    min_len: Option<u32>,
    label: String,
    /// How people ask for it (what a re-asking note says).
    asked_as: Vec<String>,
}

struct Contract {
    key: ContractKey,
    from: usize,
    to: usize,
    /// Mandatory sender fields: what the score counts.
    fields: Vec<Field>,
    /// Mandatory receiver fields, filled at acceptance.
    receiver: Vec<Field>,
    /// Questions both sides attest to after acceptance.
    questions: Vec<String>,
}

struct Catalog {
    start: i64,
    end: i64,
    usd: Currency,
    contracts: Vec<Contract>,
    /// Per team: emails and display names of its people.
    emails: Vec<Vec<Email>>,
    names: Vec<Vec<String>>,
    /// Stands in for a person the cast does not have (never used).
    nobody: Email,
}

fn team_index(key: &str) -> io::Result<usize> {
    TEAMS
        .iter()
        .position(|(k, _)| *k == key)
        .ok_or_else(|| bad(format!("the demo has no people for team '{key}'")))
}

fn field_of(f: &baton_domain::FieldDef) -> Field {
    Field {
        key: f.key.clone(),
        kind: f.kind.clone(),
        min_len: f.min_len,
        label: f.label.clone(),
        asked_as: f.asked_as.clone(),
    }
}

impl Catalog {
    fn new(spec: &DemoSpec) -> io::Result<Self> {
        let end = spec.end.as_second();
        // An average Gregorian month: 30.436875 days.
        let span = i64::from(spec.months.max(1)) * 2_629_746;
        let defs: Vec<ContractDef> = seeded_contracts();
        let mut contracts = Vec::new();
        for key in JOURNEY {
            let def = defs
                .iter()
                .find(|d| d.key.as_str() == *key)
                .ok_or_else(|| bad(format!("no seeded contract '{key}'")))?;
            let to = def
                .receiving_teams
                .first()
                .ok_or_else(|| bad(format!("contract '{key}' has no receiving team")))?;
            contracts.push(Contract {
                key: def.key.clone(),
                from: team_index(def.sending_team.as_str())?,
                to: team_index(to.as_str())?,
                fields: def.scored_fields().map(field_of).collect(),
                receiver: def.receiver_fields().map(field_of).collect(),
                questions: def.attestation_questions.clone(),
            });
        }
        let mut emails = Vec::new();
        let mut names = Vec::new();
        for (t, (team, size)) in TEAMS.iter().enumerate() {
            let mut e = Vec::new();
            let mut n = Vec::new();
            for i in 1..=*size {
                e.push(Email::parse(format!("{team}{i}@demo.test")).map_err(bad)?);
                let k = t * 11 + i as usize * 7;
                n.push(format!(
                    "{} {}",
                    FIRST[k % FIRST.len()],
                    LAST[(k * 3 + t) % LAST.len()]
                ));
            }
            emails.push(e);
            names.push(n);
        }
        Ok(Self {
            start: end - span,
            end,
            usd: Currency::parse("USD").map_err(bad)?,
            contracts,
            emails,
            names,
            nobody: Email::parse("nobody@demo.test").map_err(bad)?,
        })
    }

    fn email(&self, team: usize, who: u32) -> Email {
        self.emails
            .get(team)
            .and_then(|t| t.get(who as usize))
            .cloned()
            .unwrap_or_else(|| self.nobody.clone())
    }

    fn name(&self, team: usize, who: u32) -> &str {
        self.names
            .get(team)
            .and_then(|t| t.get(who as usize))
            .map_or("", String::as_str)
    }
}

// ---------------------------------------------------------------------------
// Accounts.

#[derive(Clone, Copy, PartialEq)]
enum Seg {
    Smb,
    Mid,
    Ent,
}

impl Seg {
    fn as_str(self) -> &'static str {
        match self {
            Self::Smb => "smb",
            Self::Mid => "mid-market",
            Self::Ent => "enterprise",
        }
    }
}

/// Where an account's story starts.
#[derive(Clone, Copy)]
enum Entry {
    /// A new lead or deal entering at this journey contract.
    Pipeline(usize),
    /// A customer since before the window.
    Customer,
}

struct Contact {
    name: String,
    title: &'static str,
}

struct Acct {
    id: AccountId,
    name: String,
    seg: Seg,
    arr_minor: i64,
    created: i64,
    entry: Entry,
    entry_at: i64,
    /// The account's baseline NPS mood.
    mood: f64,
    buyer: Contact,
    champion: Contact,
    skeptic: Contact,
    user: Contact,
    /// The outcomes promised at signature (carried to CS).
    success: String,
    /// Who owns the account in each team, once someone does.
    owners: [Option<u32>; 8],
    /// When CS took the account over.
    cs_since: Option<i64>,
    signed: bool,
    /// Latest time of any of its events.
    last_at: i64,
    /// Handoffs whose final score was below 70.
    low: u32,
    /// Nothing of the account happens from here on (its churn).
    cutoff: i64,
    /// Headed for churn: escalations are handled worse, NPS drops.
    at_risk: bool,
    /// Its teams hand it off carelessly (and it is likelier to churn).
    sloppy: bool,
    rediscoveries: u32,
}

/// What became of one handoff.
struct Outcome {
    accepted: Option<i64>,
    score: u8,
}

#[derive(Clone, Copy, PartialEq)]
enum Fill {
    Good,
    Absent,
    Filler,
}

/// Who sends and who decides.
#[derive(Clone, Copy)]
struct Parties {
    sender: u32,
    receiver: u32,
}

struct Gen {
    rng: StdRng,
    events: Vec<(i64, Event)>,
    next_handoff: u64,
}

fn score(fill: &[Fill]) -> u8 {
    let total = fill.len() as u32;
    if total == 0 {
        return 100;
    }
    let filled = fill.iter().filter(|f| **f == Fill::Good).count() as u32;
    ((200 * filled + total) / (2 * total)) as u8
}

/// A civil date (proleptic Gregorian) from days since 1970-01-01.
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn date(secs: i64) -> String {
    let (y, m, d) = civil(secs.div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

fn datetime(secs: i64) -> String {
    let (y, m, d) = civil(secs.div_euclid(DAY));
    let s = secs.rem_euclid(DAY);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / HOUR,
        s % HOUR / MINUTE,
        s % MINUTE
    )
}

/// A label as it reads mid-sentence: "Champion map" → "champion map", but
/// "ICP match" stays.
fn lower_first(label: &str) -> String {
    let first_word = label.split_whitespace().next().unwrap_or("");
    if first_word.chars().filter(|c| c.is_alphabetic()).count() > 1
        && first_word.chars().all(|c| !c.is_lowercase())
    {
        return label.to_string();
    }
    let mut chars = label.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn person(name: &str, role: &str) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::String(name.to_string()));
    m.insert("role".into(), Value::String(role.to_string()));
    Value::Object(m)
}

impl Gen {
    fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..hi)
        }
    }

    fn num(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            lo
        } else {
            self.rng.random_range(lo..=hi)
        }
    }

    fn pick<'s, T>(&mut self, xs: &'s [T]) -> &'s T {
        let i = self.rng.random_range(0..xs.len().max(1));
        &xs[i.min(xs.len().saturating_sub(1))]
    }

    fn word(&mut self, xs: &[&'static str]) -> &'static str {
        let i = self.rng.random_range(0..xs.len().max(1));
        xs.get(i).copied().unwrap_or("")
    }

    /// Two different items of `xs`.
    fn two<'s, T>(&mut self, xs: &'s [T]) -> (&'s T, &'s T) {
        let n = xs.len().max(2);
        let i = self.rng.random_range(0..n);
        let j = (i + self.rng.random_range(1..n)) % n;
        let last = xs.len().saturating_sub(1);
        (&xs[i.min(last)], &xs[j.min(last)])
    }

    /// Moves `t` into working hours (08:00–18:00 UTC, Monday to Friday).
    fn work_time(&mut self, t: i64) -> i64 {
        let mut day = t.div_euclid(DAY);
        let mut sec = t.rem_euclid(DAY);
        if sec < 8 * HOUR {
            sec = 8 * HOUR + self.between(0, 2 * HOUR);
        } else if sec >= 18 * HOUR {
            day += 1;
            sec = 8 * HOUR + self.between(0, 2 * HOUR);
        }
        // 1970-01-01 was a Thursday; 0 is Monday.
        let weekday = (day + 3).rem_euclid(7);
        if weekday >= 5 {
            day += 7 - weekday;
        }
        day * DAY + sec
    }

    /// A working-hours time `delay` after `prev`, always strictly later.
    fn after(&mut self, prev: i64, delay: i64) -> i64 {
        let t = self.work_time(prev + delay);
        t.max(prev + MINUTE + self.between(0, 30 * MINUTE))
    }

    /// How long a receiver takes to decide.
    fn decision_delay(&mut self, pace: f64) -> i64 {
        let r: f64 = self.rng.random();
        let d = if r < 0.7 {
            self.between(HOUR, 30 * HOUR)
        } else if r < 0.92 {
            self.between(30 * HOUR, 72 * HOUR)
        } else {
            self.between(3 * DAY, 8 * DAY)
        };
        (d as f64 * pace) as i64
    }

    /// What happens after acceptance: mql-to-sdr's first touch,
    /// cs-to-support's return path (ack with an ETA, echoes, resolution, the
    /// CSM closing the loop, less often when careless) and cross-motion's
    /// attestations (both sides answer; now and
    /// then they disagree).
    #[expect(clippy::too_many_arguments, reason = "one handoff's whole context")]
    fn after_acceptance(
        &mut self,
        cat: &Catalog,
        a: &mut Acct,
        ci: usize,
        id: &HandoffId,
        (sender, receiver): (&Email, &Email),
        accepted: i64,
        careless: bool,
    ) -> io::Result<()> {
        if ci == C_CS {
            let ack = {
                let d = self.between(HOUR, 8 * HOUR);
                self.after(accepted, d)
            };
            let eta = ack + self.between(DAY, 5 * DAY);
            let e = Event::Acknowledged {
                handoff: id.clone(),
                by: receiver.clone(),
                at: ts(ack)?,
                eta: ts(eta)?,
            };
            if !self.push(cat, a, ack, e) {
                return Ok(());
            }
            let mut t = ack;
            for _ in 0..self.between(0, 3) {
                t = {
                    let d = self.between(12 * HOUR, 2 * DAY);
                    self.after(t, d)
                };
                let e = Event::Echo {
                    handoff: id.clone(),
                    by: receiver.clone(),
                    at: ts(t)?,
                    note: "Still working on it; next update tomorrow".into(),
                };
                if !self.push(cat, a, t, e) {
                    return Ok(());
                }
            }
            let resolved = {
                let d = self.between(2 * HOUR, 3 * DAY);
                self.after(t, d)
            };
            let e = Event::Resolved {
                handoff: id.clone(),
                by: receiver.clone(),
                at: ts(resolved)?,
                note: "Fixed and verified with the customer's admin".into(),
            };
            if !self.push(cat, a, resolved, e) {
                return Ok(());
            }
            if self.chance(if careless { 0.45 } else { 0.85 }) {
                let closed = {
                    let d = self.between(HOUR, 2 * DAY);
                    self.after(resolved, d)
                };
                let e = Event::LoopClosed {
                    handoff: id.clone(),
                    by: sender.clone(),
                    at: ts(closed)?,
                    note: "Told the customer it is fixed and what changed".into(),
                };
                self.push(cat, a, closed, e);
            }
        } else if ci == C_MQL {
            // The SDR's first touch: mostly within the hours the lead's
            // first-touch SLA allows (4 to 48), later when careless, and
            // now and then never (the job then records the breach).
            if self.chance(if careless { 0.7 } else { 0.95 }) {
                let t = {
                    let d = if careless {
                        self.between(2 * HOUR, 3 * DAY)
                    } else {
                        self.between(HOUR / 4, 6 * HOUR)
                    };
                    self.after(accepted, d)
                };
                let channel = if self.chance(0.6) { "call" } else { "email" };
                let e = Event::FirstTouch {
                    handoff: id.clone(),
                    by: receiver.clone(),
                    at: ts(t)?,
                    channel: Some(channel.into()),
                    note: None,
                };
                self.push(cat, a, t, e);
            }
        } else if ci == C_CROSS {
            let questions = cat.contracts[ci].questions.clone();
            for q in questions {
                let agreed = if careless { 0.6 } else { 0.9 };
                let answers = if self.chance(agreed) {
                    ["the account's CSM", "the account's CSM"]
                } else {
                    ["the account's CSM", "the motion B specialist"]
                };
                for (who, answer) in [sender, receiver].into_iter().zip(answers) {
                    let t = {
                        let d = self.between(HOUR, 2 * DAY);
                        self.after(accepted, d)
                    };
                    let e = Event::Attested {
                        handoff: id.clone(),
                        by: who.clone(),
                        at: ts(t)?,
                        question: q.clone(),
                        answer: answer.into(),
                    };
                    self.push(cat, a, t, e);
                }
            }
        }
        Ok(())
    }

    fn push(&mut self, cat: &Catalog, a: &mut Acct, at: i64, e: Event) -> bool {
        if at > cat.end || at >= a.cutoff {
            return false;
        }
        a.last_at = a.last_at.max(at);
        self.events.push((at, e));
        true
    }

    fn contact(&mut self, titles: &'static [&'static str]) -> Contact {
        let (f, l) = (*self.pick(FIRST), *self.pick(LAST));
        Contact {
            name: format!("{f} {l}"),
            title: self.word(titles),
        }
    }

    fn account(&mut self, cat: &Catalog, i: usize) -> io::Result<Acct> {
        let id = AccountId::parse(format!("A-{:06}", i + 1)).map_err(bad)?;
        let name = {
            let (p, s, ind) = (
                *self.pick(NAME_ROOTS),
                *self.pick(NAME_STEMS),
                *self.pick(INDUSTRIES),
            );
            let form = *self.pick(LEGAL_FORMS);
            format!("{p}{s} {ind}{form}")
        };
        let r: f64 = self.rng.random();
        let seg = if r < 0.5 {
            Seg::Smb
        } else if r < 0.85 {
            Seg::Mid
        } else {
            Seg::Ent
        };
        let dollars = match seg {
            Seg::Smb => self.between(100, 400),
            Seg::Mid => self.between(400, 1500),
            Seg::Ent => self.between(1500, 5001),
        } * 100;
        let r: f64 = self.rng.random();
        let entry = if r < 0.45 {
            Entry::Pipeline(C_MQL)
        } else if r < 0.53 {
            Entry::Pipeline(C_SDR)
        } else if r < 0.6 {
            Entry::Pipeline(C_AE)
        } else {
            Entry::Customer
        };
        let (entry_at, created) = match entry {
            Entry::Pipeline(_) => {
                let t = self.between(cat.start, cat.end - DAY);
                let t = self.work_time(t);
                (t, (t - self.between(HOUR, 5 * DAY)).max(cat.start))
            }
            Entry::Customer => (cat.start, cat.start),
        };
        let mood = 5.5 + self.rng.random::<f64>() * 4.0;
        let sloppy = self.chance(0.22);
        let buyer = self.contact(BUYER_TITLES);
        let champion = self.contact(CHAMPION_TITLES);
        let skeptic = self.contact(SKEPTIC_TITLES);
        let user = self.contact(USER_TITLES);
        let promised = entry_at + self.between(120 * DAY, 300 * DAY);
        let success = self.success_text(promised);
        Ok(Acct {
            id,
            name,
            seg,
            arr_minor: dollars * 100,
            created,
            entry,
            entry_at,
            mood,
            buyer,
            champion,
            skeptic,
            user,
            success,
            owners: [None; 8],
            cs_since: None,
            signed: false,
            last_at: created,
            low: 0,
            cutoff: i64::MAX,
            at_risk: false,
            sloppy,
            rediscoveries: 0,
        })
    }

    /// The person of `team` who owns the account, assigning one if needed.
    fn owner(&mut self, a: &mut Acct, team: usize) -> u32 {
        if let Some(Some(who)) = a.owners.get(team) {
            return *who;
        }
        let size = TEAMS.get(team).map_or(1, |t| t.1);
        let who = self.num(0, size - 1);
        if let Some(slot) = a.owners.get_mut(team) {
            *slot = Some(who);
        }
        who
    }

    fn journey(&mut self, cat: &Catalog, a: &mut Acct) -> io::Result<()> {
        match a.entry {
            Entry::Pipeline(first) => {
                let mut t = a.entry_at;
                let mut ci = first;
                let mut recycled = 0;
                while ci <= C_ONB && t <= cat.end {
                    let c = &cat.contracts[ci];
                    let parties = Parties {
                        sender: self.owner(a, c.from),
                        receiver: self.owner(a, c.to),
                    };
                    let o = self.handoff(cat, a, ci, t, parties)?;
                    let next = match o.accepted {
                        Some(accepted) => {
                            if ci == C_AE {
                                a.signed = true;
                            }
                            if ci == C_ONB {
                                a.cs_since = Some(accepted);
                                break;
                            }
                            let leak = if o.score < 70 { 0.85 } else { 1.0 };
                            self.chance(CONVERSION[ci.min(2)] * leak)
                                .then_some(accepted)
                        }
                        None => None,
                    };
                    match next {
                        Some(accepted) => {
                            ci += 1;
                            let gap = self.stage_gap(ci, a.seg);
                            t = self.work_time(accepted + gap);
                        }
                        // A lead that went nowhere goes back to nurture and
                        // may qualify again a few weeks later.
                        None if ci == C_MQL && recycled < 3 && self.chance(0.6) => {
                            recycled += 1;
                            let gap = self.between(30 * DAY, 100 * DAY);
                            t = self.work_time(a.last_at.max(t) + gap);
                        }
                        None => break,
                    }
                }
            }
            Entry::Customer => {
                a.signed = true;
                a.cs_since = Some(cat.start - self.between(30 * DAY, 400 * DAY));
            }
        }
        // Churn is decided once the sale is done: leaky handoffs make it
        // likelier. What the account does afterwards stops at the churn.
        let mut churn_at = None;
        if a.signed {
            let base = if a.sloppy { 0.5 } else { 0.02 };
            let p = base + 0.02 * f64::from(a.low) + 0.02 * f64::from(a.rediscoveries);
            if self.chance(p.min(0.7)) {
                let lo = a.last_at.max(cat.start) + 10 * DAY;
                if lo < cat.end {
                    let t = self.between(lo, cat.end);
                    churn_at = Some(t);
                    a.cutoff = t;
                    a.at_risk = true;
                }
            }
        }
        if let Some(since) = a.cs_since {
            let from = since.max(cat.start) + 3 * DAY;
            let until = a.cutoff.min(cat.end);
            // Escalations: one every month or two, more for bigger accounts
            // and for accounts slipping away.
            let rate = match a.seg {
                Seg::Smb => 0.45,
                Seg::Mid => 0.7,
                Seg::Ent => 0.95,
            } + if a.at_risk { 0.2 } else { 0.0 };
            let mut m = from;
            while m < until {
                if self.chance(rate) {
                    let t = self.between(m, (m + 30 * DAY).min(until));
                    let t = self.work_time(t);
                    let c = &cat.contracts[C_CS];
                    let parties = Parties {
                        sender: self.owner(a, c.from),
                        receiver: self.num(0, TEAMS[c.to].1 - 1),
                    };
                    self.handoff(cat, a, C_CS, t, parties)?;
                }
                m += 30 * DAY;
            }
            if !a.at_risk && self.chance(0.2) {
                let t = self.between(from + 11 * DAY, until);
                let t = self.work_time(t);
                let c = &cat.contracts[C_CROSS];
                let parties = Parties {
                    sender: self.owner(a, c.from),
                    receiver: self.owner(a, c.to),
                };
                self.handoff(cat, a, C_CROSS, t, parties)?;
            }
            // The relationship survey, every two months.
            let mut q = from;
            while q < until {
                if self.chance(0.7) {
                    let t = self.between(q, (q + 60 * DAY).min(until));
                    let t = self.work_time(t);
                    let risk = if a.at_risk { 2.0 } else { 0.0 };
                    let s = self.nps_score(a.mood - 0.6 * f64::from(a.low) - risk);
                    self.nps(cat, a, t, s);
                }
                q += 60 * DAY;
            }
        }
        if let Some(t) = churn_at {
            a.cutoff = i64::MAX;
            let e = Event::Churn {
                account: a.id.clone(),
                at: ts(t)?,
                arr_lost: Money {
                    minor: a.arr_minor,
                    currency: cat.usd,
                },
            };
            self.push(cat, a, t, e);
        }
        Ok(())
    }

    /// Days an account spends in the stage before `next` is handed off.
    fn stage_gap(&mut self, next: usize, seg: Seg) -> i64 {
        let (lo, hi) = match (next, seg) {
            (C_SDR, _) => (3, 21),
            (C_AE, Seg::Smb) => (14, 35),
            (C_AE, Seg::Mid) => (25, 60),
            (C_AE, Seg::Ent) => (40, 100),
            (_, Seg::Smb) => (21, 45),
            (_, Seg::Mid) => (30, 70),
            (_, Seg::Ent) => (45, 100),
        };
        self.between(lo * DAY, hi * DAY)
    }

    fn nps_score(&mut self, center: f64) -> u8 {
        let noise = (self.rng.random::<f64>() - 0.5) * 4.0;
        (center + noise).round().clamp(0.0, 10.0) as u8
    }

    fn nps(&mut self, cat: &Catalog, a: &mut Acct, at: i64, score: u8) {
        if let Ok(t) = ts(at) {
            let e = Event::Nps {
                account: a.id.clone(),
                score,
                at: t,
            };
            self.push(cat, a, at, e);
        }
    }

    /// One handoff of contract `ci` for `a`, first submitted at `t0`, with
    /// everything that follows from it.
    fn handoff(
        &mut self,
        cat: &Catalog,
        a: &mut Acct,
        ci: usize,
        t0: i64,
        p: Parties,
    ) -> io::Result<Outcome> {
        let mut out = Outcome {
            accepted: None,
            score: 0,
        };
        let c = &cat.contracts[ci];
        // Nothing after the end of the history or the account's churn.
        let limit = cat.end.min(a.cutoff.saturating_sub(1));
        if t0 > limit {
            return Ok(out);
        }
        let id = HandoffId::parse(format!("H-{:06}", self.next_handoff)).map_err(bad)?;
        self.next_handoff += 1;
        let sender = cat.email(c.from, p.sender);
        let mut receiver = cat.email(c.to, p.receiver);
        if receiver == sender {
            receiver = cat.email(c.to, (p.receiver + 1) % TEAMS[c.to].1);
        }

        if self.chance(0.8) {
            let t = t0 - self.between(HOUR, 14 * DAY);
            if t >= cat.start {
                let s = self.nps_score(a.mood - if a.at_risk { 1.5 } else { 0.0 });
                self.nps(cat, a, t, s);
            }
        }

        // What the first submission holds.
        let n = c.fields.len();
        let mut fill = vec![Fill::Good; n];
        let careless = a.sloppy || (a.at_risk && self.chance(0.6));
        let p_complete = if careless {
            0.1
        } else {
            (P_COMPLETE[ci] * 1.2).min(0.9)
        };
        if n > 0 && !self.chance(p_complete) {
            let r: f64 = self.rng.random();
            let k = if careless {
                // A third to two thirds of the form left empty.
                let n32 = n as u32;
                self.num(n32.div_ceil(3), (2 * n32).div_ceil(3)) as usize
            } else if r < 0.38 {
                1
            } else if r < 0.68 {
                2
            } else if r < 0.88 {
                3
            } else {
                4
            }
            .min(n);
            let mut order: Vec<usize> = (0..n).collect();
            for i in 0..k {
                let j = self.between(i as i64, n as i64) as usize;
                order.swap(i, j);
                let f = &c.fields[order[i]];
                let gaming = matches!(f.kind, FieldType::LongText | FieldType::Text);
                fill[order[i]] = if gaming && self.chance(0.45) {
                    Fill::Filler
                } else {
                    Fill::Absent
                };
            }
        }
        let mut values = Values::new();
        for (i, f) in c.fields.iter().enumerate() {
            match fill[i] {
                Fill::Good => {
                    let v = self.value(cat, a, ci, f, t0, p);
                    values.insert(f.key.clone(), v);
                }
                Fill::Filler => {
                    let v = self.filler(f);
                    values.insert(f.key.clone(), v);
                }
                Fill::Absent => {}
            }
        }
        // The CRM's deal behind each AE handoff: its gate is per deal.
        let deal = if c.key.as_str() == "ae-to-onboarding" {
            Some(DealId::parse(format!("OPP-{id}")).map_err(bad)?)
        } else {
            None
        };
        let e = Event::Submitted {
            handoff: id.clone(),
            contract: Some(c.key.clone()),
            account: Some(a.id.clone()),
            deal,
            version: None,
            to: None,
            by: sender.clone(),
            at: ts(t0)?,
            values,
            score: None,
        };
        self.push(cat, a, t0, e);

        let mut t = t0;
        let mut rejections = 0u32;
        loop {
            let missing = fill.iter().filter(|f| **f != Fill::Good).count() as f64;
            if self.chance(0.02) {
                let wait = self.between(2 * HOUR, 5 * DAY);
                let tw = self.after(t, wait);
                let e = Event::Withdrawn {
                    handoff: id.clone(),
                    by: sender.clone(),
                    at: ts(tw)?,
                };
                self.push(cat, a, tw, e);
                out.score = score(&fill);
                return Ok(out);
            }
            let p_reject = match rejections {
                0 if missing == 0.0 => 0.06,
                0 => (0.22 + 0.09 * missing).min(0.6),
                1 if missing == 0.0 => 0.02,
                1 => 0.25,
                _ => 0.0,
            } * if careless { 0.6 } else { 1.0 };
            let delay = self.decision_delay(PACE[ci]);
            let td = self.after(t, delay);
            if td > limit {
                out.score = score(&fill);
                return Ok(out);
            }
            if !self.chance(p_reject) {
                let mut values = Values::new();
                for f in &c.receiver {
                    let v = self.value(cat, a, ci, f, td, p);
                    values.insert(f.key.clone(), v);
                }
                let e = Event::Accepted {
                    handoff: id.clone(),
                    by: receiver.clone(),
                    at: ts(td)?,
                    values,
                };
                self.push(cat, a, td, e);
                out.accepted = Some(td);
                self.after_acceptance(cat, a, ci, &id, (&sender, &receiver), td, careless)?;
                t = td;
                break;
            }
            // Sent back.
            let code = if missing > 0.0 {
                if self.chance(0.85) {
                    "missing_context"
                } else {
                    "other"
                }
            } else if ci <= C_SDR {
                *self.pick(&["not_qualified", "not_qualified", "duplicate", "wrong_team"])
            } else {
                *self.pick(&["wrong_team", "duplicate", "other", "not_qualified"])
            };
            let named: Vec<usize> = (0..n).filter(|i| fill[*i] != Fill::Good).collect();
            let reason = self.reason(a, c, code, &named);
            let e = Event::Rejected {
                handoff: id.clone(),
                by: receiver.clone(),
                at: ts(td)?,
                code: Some(code.to_string()),
                reason,
                fields: named.iter().map(|i| c.fields[*i].key.clone()).collect(),
            };
            self.push(cat, a, td, e);
            rejections += 1;
            t = td;
            if matches!(code, "not_qualified" | "wrong_team" | "duplicate") && self.chance(0.65) {
                let wait = self.between(HOUR, 3 * DAY);
                let tw = self.after(t, wait);
                let e = Event::Withdrawn {
                    handoff: id.clone(),
                    by: sender.clone(),
                    at: ts(tw)?,
                };
                self.push(cat, a, tw, e);
                out.score = score(&fill);
                return Ok(out);
            }
            // Rework and resubmit.
            let wait = self.between(2 * HOUR, 3 * DAY);
            let tr = self.after(t, wait);
            if tr > limit {
                out.score = score(&fill);
                return Ok(out);
            }
            let mut values = Values::new();
            for i in named {
                if self.chance(if careless { 0.35 } else { 0.88 }) {
                    fill[i] = Fill::Good;
                    let f = &c.fields[i];
                    let v = self.value(cat, a, ci, f, tr, p);
                    values.insert(f.key.clone(), v);
                }
            }
            let e = Event::Submitted {
                handoff: id.clone(),
                contract: None,
                account: None,
                deal: None,
                version: None,
                to: None,
                by: sender.clone(),
                at: ts(tr)?,
                values,
                score: None,
            };
            self.push(cat, a, tr, e);
            t = tr;
        }
        let s = score(&fill);
        out.score = s;
        if s < 70 {
            a.low += 1;
        }
        let missing = fill.iter().filter(|f| **f != Fill::Good).count();

        // Someone downstream asks the customer again.
        let p_rediscovery = (0.04 + 0.08 * missing as f64).min(0.45);
        if n > 0 && self.chance(p_rediscovery) {
            // Within 30 days after acceptance, working hours included.
            let later = t + self.between(DAY, 27 * DAY);
            let tr = self.work_time(later);
            let gaps: Vec<usize> = (0..n).filter(|i| fill[*i] != Fill::Good).collect();
            let i = if gaps.is_empty() {
                self.between(0, n as i64) as usize
            } else {
                *self.pick(&gaps)
            };
            let f = &c.fields[i];
            let who = match TEAMS.get(c.to).map_or("", |t| t.0) {
                "sdr" => "The SDR",
                "ae" => "The AE",
                "onboarding" => "The onboarding lead",
                "cs" => "The CSM",
                "support" => "Support",
                "motion-b" => "The Motion B AE",
                _ => "The new owner",
            };
            let note = format!(
                "{who} asked {} ({}) again about {}",
                a.champion.name,
                a.champion.title,
                lower_first(&f.label)
            );
            let e = Event::Rediscovery {
                account: a.id.clone(),
                handoff: Some(id.clone()),
                field: Some(f.key.clone()),
                note,
                by: Some(receiver.clone()),
                at: ts(tr)?,
            };
            if self.push(cat, a, tr, e) {
                a.rediscoveries += 1;
            }
        }
        // A call summary after acceptance, which sometimes asks again what
        // the handoff answered: what the re-discovery detector looks for.
        if let Some(accepted) = out.accepted
            && self.chance(0.15)
        {
            let later = accepted + self.between(DAY, 20 * DAY);
            let tr = self.work_time(later);
            let answered: Vec<usize> = (0..n)
                .filter(|i| fill[*i] == Fill::Good && !c.fields[*i].asked_as.is_empty())
                .collect();
            let mut text = format!("Call with {} ({}).", a.champion.name, a.champion.title);
            if !answered.is_empty() && self.chance(0.7) {
                let f = &c.fields[*self.pick(&answered)];
                let q = self.pick(&f.asked_as).clone();
                let mut chars = q.chars();
                let q: String = chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect())
                    .unwrap_or_default();
                text.push_str(&format!(" {q}?"));
            }
            text.push_str(" Walked through next steps; follow-up booked.");
            let e = Event::Note {
                account: a.id.clone(),
                author: Some(receiver.clone()),
                team: baton_domain::TeamKey::parse(TEAMS[c.to].0).ok(),
                text,
                at: ts(tr)?,
            };
            self.push(cat, a, tr, e);
        }
        // The customer's view a little later.
        if self.chance(0.85) {
            let tn = t + self.between(HOUR, 14 * DAY);
            let effect = if missing == 0 && rejections == 0 {
                0.8
            } else {
                -0.6 * missing as f64 - 0.5 * f64::from(rejections)
            };
            let s = self.nps_score(a.mood + effect - if a.at_risk { 1.5 } else { 0.0 });
            self.nps(cat, a, tn, s);
        }
        Ok(out)
    }

    fn reason(&mut self, a: &Acct, c: &Contract, code: &str, named: &[usize]) -> String {
        let labels = || {
            named
                .iter()
                .map(|i| lower_first(&c.fields[*i].label))
                .collect::<Vec<_>>()
                .join("; ")
        };
        match code {
            "missing_context" => {
                let lead = *self.pick(&[
                    "Cannot work this without",
                    "Sent back: missing or placeholder",
                    "Please fill in before we take it:",
                    "Not enough context:",
                ]);
                format!("{lead} {}", labels())
            }
            "not_qualified" => format!(
                "{} does not fit: {}",
                a.name,
                self.pick(&[
                    "under 50 employees, outside the ICP",
                    "student project, no budget",
                    "existing customer's subsidiary, route to CS",
                    "no buying intent on the call",
                ])
            ),
            "wrong_team" => format!(
                "This belongs to another team, not {}",
                TEAMS.get(c.to).map_or("us", |t| t.0)
            ),
            "duplicate" => format!("Duplicate of an open handoff for {}", a.name),
            _ if named.is_empty() => (*self.pick(&[
                "Customer asked to pause until next quarter",
                "Waiting on the signed order form",
                "Contact left the company, need a new one",
            ]))
            .to_string(),
            _ => format!("Too thin to act on: {}", labels()),
        }
    }
}

// ---------------------------------------------------------------------------
// Field values: what a sender would plausibly type.

impl Gen {
    /// A realistic value of `f`'s type for account `a`, written at `at`.
    fn value(
        &mut self,
        cat: &Catalog,
        a: &Acct,
        ci: usize,
        f: &Field,
        at: i64,
        p: Parties,
    ) -> Value {
        match &f.kind {
            FieldType::Text | FieldType::LongText => Value::String(self.prose(cat, a, f, at, p)),
            FieldType::Number => Value::from(self.number(f.key.as_str())),
            FieldType::Money => {
                let mut m = Map::new();
                m.insert("minor".into(), Value::from(a.arr_minor));
                m.insert(
                    "currency".into(),
                    Value::String(cat.usd.as_str().to_string()),
                );
                Value::Object(m)
            }
            FieldType::Date => Value::String(date(at + self.between(14 * DAY, 120 * DAY))),
            FieldType::Datetime => {
                let eta = at + self.between(4 * HOUR, 7 * DAY);
                let t = self.work_time(eta);
                Value::String(datetime(t - t.rem_euclid(HOUR)))
            }
            FieldType::Enum { options } => {
                Value::String(self.option(f.key.as_str(), options, a.seg))
            }
            FieldType::MultiEnum { options } if options.is_empty() => Value::Null,
            FieldType::MultiEnum { options } => {
                let (x, y) = self.two(options);
                let mut picked = vec![Value::String(x.clone())];
                if x != y && self.chance(0.4) {
                    picked.push(Value::String(y.clone()));
                }
                Value::Array(picked)
            }
            FieldType::Url => Value::String(format!(
                "https://crm.demo.test/accounts/{}/notes/{}",
                a.id,
                self.between(1000, 100_000)
            )),
            FieldType::Bool => Value::Bool(self.chance(0.7)),
            FieldType::Confidence => Value::from(self.num(4, 18) * 5),
            FieldType::Person => match (ci, f.key.as_str()) {
                (C_CS, _) | (_, "communication_owner") => {
                    let csm = a.owners[T_CS].unwrap_or(p.sender);
                    person(cat.name(T_CS, csm), "CSM")
                }
                (C_CROSS, _) | (_, "relationship_owner") => {
                    if self.chance(0.6) {
                        let csm = a.owners[T_CS].unwrap_or(0);
                        person(cat.name(T_CS, csm), "CSM")
                    } else {
                        let from = cat.contracts.get(ci).map_or(0, |c| c.from);
                        person(cat.name(from, p.sender), "Motion A account manager")
                    }
                }
                _ => person(&a.champion.name, a.champion.title),
            },
            FieldType::People => self.people(a),
            FieldType::Hypothesis => {
                let mut m = Map::new();
                m.insert(
                    "hypothesis".into(),
                    Value::String((*self.pick(TRIGGERS)).to_string()),
                );
                m.insert("confidence".into(), Value::from(self.num(8, 18) * 5));
                Value::Object(m)
            }
        }
    }

    fn number(&mut self, key: &str) -> u32 {
        match key {
            "first_touch_sla" => *self.pick(&[4, 8, 24, 24, 48]),
            "close_loop_window" => *self.pick(&[24, 48, 48, 72]),
            _ => self.num(1, 100),
        }
    }

    fn option(&mut self, key: &str, options: &[String], seg: Seg) -> String {
        if options.is_empty() {
            return String::new();
        }
        let preferred: &[&str] = match (key, seg) {
            ("icp_firmographic_match", Seg::Ent) => &["strong", "strong", "partial"],
            ("icp_firmographic_match", Seg::Mid) => &["strong", "partial", "partial", "weak"],
            ("icp_firmographic_match", Seg::Smb) => {
                &["partial", "weak", "weak", "outside_icp", "strong"]
            }
            ("assigned_motion", Seg::Smb) => &["tier_b", "tier_b", "tier_b", "tier_a"],
            ("assigned_motion", _) => &["tier_a", "tier_a", "tier_a", "tier_b"],
            ("echo_cadence", Seg::Ent) => &["daily", "daily", "weekly"],
            ("echo_cadence", _) => &["weekly", "weekly", "daily"],
            ("motion_a_health", _) => &[
                "stable", "stable", "stable", "at_risk", "at_risk", "unstable",
            ],
            _ => &[],
        };
        if !preferred.is_empty() {
            let want = *self.pick(preferred);
            if let Some(o) = options.iter().find(|o| o.as_str() == want) {
                return o.clone();
            }
        }
        self.pick(options).clone()
    }

    fn people(&mut self, a: &Acct) -> Value {
        let mut list = Vec::with_capacity(4);
        let entry = |c: &Contact, reaction: &str| {
            let mut m = Map::new();
            m.insert("name".into(), Value::String(c.name.clone()));
            m.insert("role".into(), Value::String(c.title.to_string()));
            m.insert("reaction".into(), Value::String(reaction.to_string()));
            Value::Object(m)
        };
        list.push(entry(&a.champion, self.word(CHAMPION_REACTIONS)));
        list.push(entry(&a.buyer, self.word(BUYER_REACTIONS)));
        if self.chance(0.7) {
            list.push(entry(&a.skeptic, self.word(SKEPTIC_REACTIONS)));
        }
        if self.chance(0.4) {
            list.push(entry(&a.user, self.word(USER_REACTIONS)));
        }
        Value::Array(list)
    }

    /// Filler that looks filled but is not: a placeholder or a too-short
    /// answer.
    fn filler(&mut self, f: &Field) -> Value {
        let text = if f.min_len.unwrap_or(0) >= 15 && self.chance(0.3) {
            *self.pick(SHORT_ANSWERS)
        } else {
            *self.pick(FILLERS)
        };
        Value::String(text.to_string())
    }

    fn success_text(&mut self, by: i64) -> String {
        let x = self.num(3, 8);
        let pct = self.num(40, 70);
        let what = match self.num(0, 4) {
            0 => format!(
                "Cut time from MQL to first touch from {} to {} hours",
                x * 6,
                x
            ),
            1 => format!(
                "Raise handoff completeness from {pct}% to {}%",
                (pct + 30).min(95)
            ),
            2 => format!("Reduce customer onboarding from {} to {x} weeks", x * 2),
            3 => format!("Halve re-discovery incidents (baseline {}/month)", x * 4),
            _ => format!("Lift gross retention from {}% to {}%", pct + 25, pct + 30),
        };
        format!("{what} by {}", date(by))
    }

    /// Prose for a text field, by field key; a generic sentence for keys the
    /// demo does not know.
    fn prose(&mut self, cat: &Catalog, a: &Acct, f: &Field, at: i64, p: Parties) -> String {
        let mut s = match f.key.as_str() {
            // mql-to-sdr
            "source_campaign_journey" => {
                let (x, y) = self.two(ASSETS);
                format!(
                    "{} → {x} → {y} → {}",
                    self.pick(CAMPAIGNS),
                    self.pick(CONVERSIONS)
                )
            }
            "behavioral_signal_narrative" => {
                let (x, y) = self.two(ASSETS);
                format!(
                    "{} visits in {} days from {} people at {}; {x} read {} times, {} min on {y}; {}",
                    self.num(4, 30),
                    self.num(3, 21),
                    self.num(1, 6),
                    a.name,
                    self.num(2, 6),
                    self.num(3, 25),
                    self.pick(SIGNAL_EXTRAS)
                )
            }
            // sdr-to-ae
            "confirmed_pain" => format!(
                "Pain: {}. Anti-pain: {}.",
                self.pick(PAINS),
                self.pick(ANTI_PAINS)
            ),
            "current_stack" => format!(
                "{} as CRM ({}); {} for sequences ({}); {} for tickets ({})",
                self.pick(CRMS),
                self.pick(SATISFACTION),
                self.pick(ENGAGEMENT),
                self.pick(SATISFACTION),
                self.pick(TICKETING),
                self.pick(SATISFACTION)
            ),
            "timeline_trigger" => {
                let by = at + self.between(45 * DAY, 180 * DAY);
                format!(
                    "Needs it live by {} because {}",
                    date(by),
                    self.pick(TIMELINE_EVENTS)
                )
            }
            "budget_signal" => format!(
                "About ${}k set aside by the {} ({}); {}",
                a.arr_minor / 100_000 * self.num(9, 13) as i64 / 10,
                a.buyer.title,
                a.buyer.name,
                self.pick(PROCUREMENT)
            ),
            "competitive_set" => {
                let (x, y) = self.two(COMPETITORS);
                format!(
                    "Talking to {x}; ruled out {y} because {}",
                    self.pick(RULED_OUT)
                )
            }
            // ae-to-onboarding
            "economic_buyer" => format!(
                "{}, {}; signs up to ${}k without {}",
                a.buyer.name,
                a.buyer.title,
                (a.arr_minor / 100_000 / 50 + 1) * 50,
                self.pick(&["board approval", "a second signature", "procurement review"])
            ),
            "champion_map" => format!(
                "Champion: {} ({}, strong); sponsor: {} ({}, {}); {} ({}) {}",
                a.champion.name,
                a.champion.title,
                a.buyer.name,
                a.buyer.title,
                self.pick(&["neutral", "supportive", "engaged"]),
                a.skeptic.name,
                a.skeptic.title,
                self.pick(SKEPTIC_REACTIONS)
            ),
            "commitments" => format!(
                "Verbal: {}. Contractual: {}.",
                self.pick(VERBAL),
                self.pick(CONTRACTUAL)
            ),
            "success_criteria" | "year1_success_criteria" => a.success.clone(),
            "implementation_risks" => {
                let (x, y) = self.two(RISKS);
                format!("{x}; {y}")
            }
            "competitive_displacement" => format!(
                "Replacing {}; sticky point is {}, {}",
                self.pick(LEGACY),
                self.pick(STICKY),
                self.pick(PLAYBOOK)
            ),
            "go_live_deadlines" => {
                let live = at + self.between(30 * DAY, 100 * DAY);
                format!(
                    "Go-live {}, anchored to {} on {}",
                    date(live),
                    self.pick(ANCHORS),
                    date(live + self.between(3 * DAY, 21 * DAY))
                )
            }
            "expansion_hypothesis" => format!("Year 2: {}", self.pick(EXPANSIONS)),
            // onboarding-to-cs
            "adoption_curve" => {
                let early = self.num(20, 60);
                format!(
                    "Weeks 1-4: {early}% of licensed users active; by week {}: {}%. {} used daily; {} barely touched",
                    self.num(6, 12),
                    (early + self.num(10, 35)).min(98),
                    self.pick(FEATURES),
                    self.pick(FEATURES)
                )
            }
            "training_attendance" => {
                let admins = self.num(2, 6);
                format!(
                    "{} of {admins} admins and {}% of reps completed training; {} ({}) missed both admin sessions",
                    self.num(1, admins),
                    self.num(45, 95),
                    a.user.name,
                    a.user.title
                )
            }
            "support_patterns" => {
                let (x, y) = self.two(TICKET_THEMES);
                format!(
                    "{} tickets during onboarding, mostly {x}; {} about {y}",
                    self.num(5, 40),
                    self.num(1, 6)
                )
            }
            "sponsor_heat_map" => format!(
                "{} warmed up (runs the weekly review); {} {}; {} neutral now",
                a.champion.name,
                a.buyer.name,
                self.pick(&[
                    "cooled, skipped the last two check-ins",
                    "steady, joins the monthly steering call",
                    "warmer since the first dashboard landed",
                ]),
                a.skeptic.name
            ),
            "escalated_issues" => {
                let (x, y) = self.two(ISSUES);
                format!(
                    "{x} (resolved); {y} ({})",
                    self.pick(&[
                        "open, fix due next sprint",
                        "resolved",
                        "workaround in place"
                    ])
                )
            }
            // cs-to-support
            "originating_signal" => format!(
                "{} (ticket #{})",
                self.pick(SIGNALS),
                self.between(10_000, 99_999)
            ),
            "impact_statement" => format!(
                "{} {} at {} cannot {}; {}",
                self.num(5, 120),
                self.pick(&["reps", "AEs", "CSMs", "managers"]),
                a.name,
                self.pick(IMPACTS),
                self.pick(COSTS)
            ),
            // cross-motion
            "reunification_trigger" => match self.num(0, 3) {
                0 => "Motion B closed-won".to_string(),
                1 => date(at + self.between(60 * DAY, 150 * DAY)),
                2 => format!("{} days", self.pick(&[60, 90, 120])),
                _ => "Motion B closed-lost or 60 days, whichever comes first".to_string(),
            },
            "qualification_signal" => self.pick(QUALIFICATION).to_string(),
            "communication_plan" => {
                let csm = cat.name(T_CS, a.owners[T_CS].unwrap_or(0));
                format!(
                    "{csm} (CSM) introduces the Motion B AE at the next QBR; {} follows up within 3 days; one shared channel, CSM stays the voice for support",
                    cat.name(cat.contracts.get(C_CROSS).map_or(0, |c| c.to), p.receiver)
                )
            }
            "paperwork_routing" => self.pick(PAPERWORK).to_string(),
            _ => format!(
                "{}: confirmed with {} ({}) at {}",
                f.label, a.champion.name, a.champion.title, a.name
            ),
        };
        let min = f.min_len.unwrap_or(0) as usize;
        if s.chars().count() < min {
            s.push_str(" - confirmed with the customer");
        }
        s
    }
}

// ---------------------------------------------------------------------------
// Word lists.

const NAME_ROOTS: &[&str] = &[
    "North", "Blue", "Silver", "Iron", "Bright", "Cedar", "Red", "Stone", "Clear", "Summit", "Oak",
    "Harbor", "Maple", "Granite", "Falcon", "Golden", "Pine", "River", "Sun", "Lake", "Copper",
    "Crystal", "Eagle", "Green", "High", "Star", "West", "East", "Swift", "True",
];
const NAME_STEMS: &[&str] = &[
    "wind", "peak", "field", "gate", "bridge", "point", "brook", "ridge", "crest", "stone", "line",
    "works", "view", "path", "way", "haven", "light", "mark", "wood", "vale",
];
const INDUSTRIES: &[&str] = &[
    "Logistics",
    "Health",
    "Analytics",
    "Foods",
    "Robotics",
    "Energy",
    "Bank",
    "Insurance",
    "Labs",
    "Software",
    "Systems",
    "Freight",
    "Retail",
    "Media",
    "Pharma",
    "Security",
    "Consulting",
    "Manufacturing",
    "Networks",
    "Learning",
    "Travel",
    "Capital",
    "Biotech",
    "Telecom",
    "Payments",
];
const LEGAL_FORMS: &[&str] = &[
    "", "", "", " Inc", " Group", " GmbH", " Ltd", " Co", " AG", " LLC",
];

const FIRST: &[&str] = &[
    "Dana", "Lee", "Sam", "Priya", "Jonas", "Maria", "Kenji", "Aisha", "Tom", "Elena", "Omar",
    "Grace", "Luca", "Nina", "Ravi", "Sofia", "Mateo", "Chloe", "Yusuf", "Hannah", "Diego", "Mei",
    "Felix", "Amara", "Noah", "Ingrid", "Kofi", "Laura", "Arjun", "Zoe", "Pierre", "Fatima", "Ben",
    "Carmen", "Oskar", "Leila",
];
const LAST: &[&str] = &[
    "Ortiz",
    "Park",
    "Roe",
    "Shah",
    "Berg",
    "Rossi",
    "Tanaka",
    "Okafor",
    "Miller",
    "Petrova",
    "Haddad",
    "Kim",
    "Bianchi",
    "Novak",
    "Iyer",
    "Costa",
    "Garcia",
    "Dubois",
    "Demir",
    "Schmidt",
    "Lopez",
    "Chen",
    "Weber",
    "Mensah",
    "Walsh",
    "Larsen",
    "Boateng",
    "Fischer",
    "Nair",
    "Evans",
    "Moreau",
    "Aziz",
    "Cohen",
    "Ruiz",
    "Lindqvist",
    "Farah",
];

const BUYER_TITLES: &[&str] = &[
    "CFO",
    "CRO",
    "VP Sales",
    "COO",
    "CEO",
    "VP Revenue Operations",
];
const CHAMPION_TITLES: &[&str] = &[
    "Director of RevOps",
    "Head of Sales Ops",
    "VP Customer Success",
    "Sales Enablement Lead",
    "Director of Onboarding",
];
const SKEPTIC_TITLES: &[&str] = &[
    "IT Director",
    "Head of Security",
    "Procurement Manager",
    "Sales Manager",
    "Data Protection Officer",
];
const USER_TITLES: &[&str] = &[
    "Team Lead",
    "Senior AE",
    "CS Manager",
    "Ops Analyst",
    "SDR Manager",
];
const BUYER_REACTIONS: &[&str] = &[
    "supportive",
    "neutral",
    "cautious, wants ROI proof",
    "engaged",
];
const CHAMPION_REACTIONS: &[&str] = &[
    "strong champion",
    "enthusiastic",
    "supportive",
    "pushing internally",
];
const SKEPTIC_REACTIONS: &[&str] = &[
    "skeptical",
    "blocking on the security review",
    "worried about rollout time",
    "wants a reference call first",
];
const USER_REACTIONS: &[&str] = &[
    "positive after the demo",
    "curious",
    "neutral",
    "asked for a trial",
];

const CAMPAIGNS: &[&str] = &[
    "Q3 RevOps benchmark webinar",
    "State of Handoffs report",
    "LinkedIn retargeting: pipeline leakage ad",
    "G2 comparison page",
    "Partner co-marketing webinar",
    "Paid search: sales handoff template",
    "Revenue Summit roundtable",
    "Peer referral from a customer CRO",
    "Podcast sponsorship promo code",
];
const ASSETS: &[&str] = &[
    "pricing page",
    "ROI calculator",
    "logistics case study",
    "handoff scorecard template",
    "product tour video",
    "security whitepaper",
    "Salesforce integration docs",
    "customer story video",
    "implementation guide",
    "comparison one-pager",
];
const CONVERSIONS: &[&str] = &[
    "demo request form",
    "contact-sales chat",
    "free handoff audit booking",
    "trial sign-up",
    "webinar Q&A follow-up request",
];
const SIGNAL_EXTRAS: &[&str] = &[
    "came back the day after the webinar",
    "forwarded the ROI sheet internally",
    "viewed open RevOps roles on our careers page",
    "pricing page visited by a director-level contact",
    "opened every email of the last nurture sequence",
    "three new visitors from the same domain this week",
];
const TRIGGERS: &[&str] = &[
    "New VP of Sales hired last month",
    "Missed two quarters of pipeline targets",
    "Series B closed, doubling the sales team",
    "Moving from founder-led sales to a team of AEs",
    "CRM migration planned for next quarter",
    "Churn spiked after an onboarding backlog",
    "Board asked for a handoff audit after a lost renewal",
    "Merger with a competitor, two sales teams to unify",
    "Expanding into EMEA with a new SDR team",
];
const PAINS: &[&str] = &[
    "leads go cold because SDRs get them two days late",
    "AEs re-run discovery on every first call",
    "onboarding learns about promised integrations only at kickoff",
    "CSMs cannot see what sales promised",
    "escalations vanish into the support queue without updates",
    "the forecast is unreliable because stages move without evidence",
];
const ANTI_PAINS: &[&str] = &[
    "not worried about CRM licence cost",
    "happy with their dialer",
    "no interest in replacing the ticketing tool",
    "reporting is fine today",
    "not looking for a new CPQ",
];
const CRMS: &[&str] = &["Salesforce", "HubSpot", "Dynamics 365", "Pipedrive"];
const ENGAGEMENT: &[&str] = &["Outreach", "Salesloft", "Apollo", "HubSpot sequences"];
const TICKETING: &[&str] = &[
    "Zendesk",
    "Jira Service Management",
    "Freshdesk",
    "Intercom",
];
const SATISFACTION: &[&str] = &[
    "happy",
    "satisfied",
    "lukewarm",
    "frustrated",
    "planning to replace",
];
const TIMELINE_EVENTS: &[&str] = &[
    "the new fiscal year starts then",
    "their sales kickoff is that week",
    "the board review is that month",
    "a new SDR cohort starts",
    "the contract of their current tool lapses",
];
const PROCUREMENT: &[&str] = &[
    "procurement review takes about 3 weeks",
    "security questionnaire, then legal, usually 30 days",
    "the CFO signs anything under $100k directly",
    "needs a board-approved PO above $150k",
    "purchases run through a reseller",
];
const COMPETITORS: &[&str] = &[
    "Gong",
    "Clari",
    "native Salesforce flows",
    "a homegrown Airtable base",
    "Catalyst",
    "Vitally",
    "a consultancy with templates",
];
const RULED_OUT: &[&str] = &[
    "it was too expensive for their size",
    "it has no gated workflow",
    "it failed the security review",
    "it needs too much admin time",
];
const VERBAL: &[&str] = &[
    "SSO by week 6",
    "a dedicated onboarding manager",
    "a shared Slack channel with product",
    "a custom CRO report by go-live",
    "HubSpot sync before kickoff",
];
const CONTRACTUAL: &[&str] = &[
    "99.9% uptime SLA",
    "annual price cap of 5%",
    "EU data residency",
    "termination for convenience in the first 90 days",
    "quarterly business reviews",
];
const RISKS: &[&str] = &[
    "Legacy CRM export is messy",
    "IT change freeze in December",
    "only one admin on their side",
    "SSO depends on a late Okta migration",
    "data team busy with a warehouse migration",
    "two regional teams use different deal stages",
];
const LEGACY: &[&str] = &[
    "spreadsheets and Slack threads",
    "Gainsight CTAs",
    "custom Salesforce flows",
    "an old Zendesk macro set",
];
const STICKY: &[&str] = &[
    "custom reports",
    "the weekly pipeline email",
    "per-rep dashboards",
    "Slack notifications",
];
const PLAYBOOK: &[&str] = &[
    "rebuild them in week one",
    "show the scorecard in the first QBR",
    "pair their admin with our SE",
    "import their templates before kickoff",
];
const ANCHORS: &[&str] = &[
    "their sales kickoff",
    "the start of the fiscal year",
    "the board meeting",
    "the EMEA launch",
];
const EXPANSIONS: &[&str] = &[
    "roll out to the EMEA team (40 more seats)",
    "add the CS team once sales is live",
    "expand from SMB to the enterprise segment",
    "add partner channel handoffs",
    "the analytics add-on after the first audit",
];
const FEATURES: &[&str] = &[
    "Scorecard",
    "Gate checks",
    "Leak audit",
    "Receiver brief",
    "Slack alerts",
    "CSV import",
];
const TICKET_THEMES: &[&str] = &[
    "SSO setup",
    "CRM field mapping",
    "permissions",
    "import errors",
    "notification noise",
];
const ISSUES: &[&str] = &[
    "CRM sync dropped custom fields",
    "SSO group mapping wrong for managers",
    "gate check too slow on large deals",
    "duplicate accounts after import",
];
const SIGNALS: &[&str] = &[
    "Sync to the CRM fails for deals with over 100 line items",
    "Usage of the scorecard dropped sharply week over week",
    "The CRO emailed the CSM: the gate blocks valid Closed-Won deals",
    "Weekly export job failing since the last release",
    "Reps report SSO login loops on Safari",
];
const IMPACTS: &[&str] = &[
    "close deals in the CRM",
    "see their handoff queue",
    "log in",
    "export the weekly scorecard",
];
const COSTS: &[&str] = &[
    "month-end bookings are at risk",
    "the renewal conversation is next month",
    "the exec sponsor is asking daily",
    "reps are back to spreadsheets",
];
const QUALIFICATION: &[&str] = &[
    "Usage of the analytics module tripled this quarter",
    "Their COO asked the CSM about partner handoffs",
    "A second business unit requested a demo",
    "Seat utilisation above 95% for two months",
];
const PAPERWORK: &[&str] = &[
    "New order form under the existing MSA, signed by the US entity",
    "Separate order through the reseller; route to their EMEA legal team",
    "Amendment to the current contract, countersigned by finance",
];
const FILLERS: &[&str] = &[
    "TBD",
    "n/a",
    "N/A",
    "tbd",
    "See notes",
    "TBC",
    "unknown",
    "-",
    "pending",
    "later",
];
const SHORT_ANSWERS: &[&str] = &["as discussed", "see CRM", "yes", "ok", "per call", "CFO"];
