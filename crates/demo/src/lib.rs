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

mod journey;
mod submission;
pub mod usage;
mod values;
mod words;

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
use words::*;

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

/// The completeness score of a submission filled as `fill`: the domain's
/// formula over the mandatory sender fields that count.
fn score(fill: &[Fill]) -> u8 {
    let filled = fill.iter().filter(|f| **f == Fill::Good).count();
    baton_domain::handoff::score_of(filled as u32, fill.len() as u32)
}

/// The UTC calendar date of `secs` after the epoch, as `2026-03-01`.
fn date(secs: i64) -> String {
    utc(secs, "%Y-%m-%d")
}

/// The UTC time of `secs` after the epoch, as `2026-03-01T09:30:00Z`.
fn datetime(secs: i64) -> String {
    utc(secs, "%Y-%m-%dT%H:%M:%SZ")
}

fn utc(secs: i64, format: &str) -> String {
    // Every time the generator makes lies between its start and `spec.end`,
    // both valid timestamps.
    Timestamp::from_second(secs)
        .map(|t| t.strftime(format).to_string())
        .unwrap_or_default()
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
