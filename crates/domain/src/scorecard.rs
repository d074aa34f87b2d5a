//! The scorecard of SPEC §5, as additive sums.
//!
//! Every metric depends only on one account's data, so
//! [`account_cells`] turns one account's handoffs, incidents, NPS responses
//! and churns into its contribution to each (contract, period) [`Cell`].
//! Cells add up across accounts; a scorecard is the sum of the cells of a
//! contract and period, and [`Scorecard::from_cell`] turns a sum into the
//! six metrics with their numerators, denominators, targets and statuses.
//! Recomputing one account and replacing its old contribution keeps stored
//! sums exact without rereading the org.

use std::collections::{BTreeMap, BTreeSet};

use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::period::Period;
use crate::{AccountId, ContractKey, Handoff, HandoffId, Money, Timestamp};

/// Re-discovery counts within this long after acceptance.
pub const INCIDENT_WINDOW: SignedDuration = SignedDuration::from_hours(30 * 24);
/// NPS responses count within this long before submission / after acceptance.
pub const NPS_WINDOW: SignedDuration = SignedDuration::from_hours(14 * 24);
/// Scores below this are leaks.
pub const LEAK_SCORE: u8 = 70;

/// A re-discovery incident of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFact {
    /// When the context was asked for again.
    pub at: Timestamp,
    /// The handoff it names, if any.
    pub handoff: Option<HandoffId>,
}

/// An NPS response of the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NpsFact {
    /// When it was given.
    pub at: Timestamp,
    /// 0–10.
    pub score: u8,
}

/// A churn of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChurnFact {
    /// When.
    pub at: Timestamp,
    /// ARR lost.
    pub arr_lost: Money,
}

/// What the scorecard reads of a handoff: its times and scores, not its
/// answers. Kept beside each handoff by the store, so refreshing an
/// account's contribution never parses its documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffFacts {
    /// The handoff.
    pub id: HandoffId,
    /// Its contract.
    pub contract: ContractKey,
    /// When it was accepted.
    pub accepted_at: Option<Timestamp>,
    /// Each submission's time and score, in order.
    pub submissions: Vec<(Timestamp, u8)>,
    /// Each decision's time and whether it accepted, in order.
    pub decisions: Vec<(Timestamp, bool)>,
}

impl HandoffFacts {
    /// The facts of `h`.
    pub fn of(h: &Handoff) -> Self {
        Self {
            id: h.id.clone(),
            contract: h.contract.clone(),
            accepted_at: h.accepted_at,
            submissions: h.submissions.iter().map(|s| (s.at, s.score)).collect(),
            decisions: h.decisions.iter().map(|d| (d.at, d.accepted)).collect(),
        }
    }

    fn first_submitted_at(&self) -> Option<Timestamp> {
        self.submissions.first().map(|s| s.0)
    }

    /// The score in force at `t`: the latest submission at or before it.
    fn score_at(&self, t: Timestamp) -> Option<u8> {
        self.submissions
            .iter()
            .rev()
            .find(|s| s.0 <= t)
            .map(|s| s.1)
    }
}

/// Everything the scorecard needs of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountData {
    /// The account.
    pub account: Option<AccountId>,
    /// Its ARR now.
    pub arr: Option<Money>,
    /// Its handoffs (any contract, any state).
    pub handoffs: Vec<HandoffFacts>,
    /// Its re-discovery incidents.
    pub incidents: Vec<IncidentFact>,
    /// Its NPS responses.
    pub nps: Vec<NpsFact>,
    /// Its churns.
    pub churns: Vec<ChurnFact>,
}

/// NPS response counts: promoters (9–10), detractors (0–6), all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NpsPool {
    /// Promoters.
    pub promoters: u64,
    /// Detractors.
    pub detractors: u64,
    /// All responses.
    pub responses: u64,
}

impl NpsPool {
    fn add(&mut self, score: u8) {
        self.responses += 1;
        if score >= 9 {
            self.promoters += 1;
        } else if score <= 6 {
            self.detractors += 1;
        }
    }

    fn merge(&mut self, o: &Self) {
        self.promoters += o.promoters;
        self.detractors += o.detractors;
        self.responses += o.responses;
    }

    /// % promoters minus % detractors; `None` without responses.
    pub fn nps(&self) -> Option<f64> {
        (self.responses > 0).then(|| {
            100.0 * (self.promoters as f64 - self.detractors as f64) / self.responses as f64
        })
    }
}

/// Additive sums for one contract and period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// Accepted in the period with the accepted submission at 100.
    pub completion_num: u64,
    /// Accepted in the period.
    pub completion_den: u64,
    /// First decided in the period as acceptance, with no incident within 30 days.
    pub acceptance_num: u64,
    /// First decided in the period.
    pub acceptance_den: u64,
    /// Seconds from first submission to acceptance, per handoff accepted in the period.
    pub durations: Vec<i64>,
    /// Accounts handed off (accepted) in the period with an incident within 30 days.
    pub rediscovery_num: u64,
    /// Accounts handed off (accepted) in the period.
    pub rediscovery_den: u64,
    /// NPS responses before first submission.
    pub nps_before: NpsPool,
    /// NPS responses after acceptance.
    pub nps_after: NpsPool,
    /// Churned accounts whose latest handoff scored below 70 at the churn.
    pub leak_num: u64,
    /// Churned accounts that had a handoff of the contract before the churn.
    pub leak_den: u64,
    /// The churns in `leak_num`, each with its date and ARR lost in its own
    /// currency: never summed here, since they may be in several currencies
    /// (the leak audit converts them, see `fx`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arr_leaked: Vec<LeakedArr>,
}

/// ARR lost by a churn counted as a leak.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeakedArr {
    /// When the account churned (the date its amount converts at).
    pub at: Timestamp,
    /// ARR lost, in the account's currency.
    pub arr_lost: Money,
}

impl Cell {
    /// Adds another cell's sums to this one.
    pub fn merge(&mut self, o: &Self) {
        self.completion_num += o.completion_num;
        self.completion_den += o.completion_den;
        self.acceptance_num += o.acceptance_num;
        self.acceptance_den += o.acceptance_den;
        self.durations.extend_from_slice(&o.durations);
        self.rediscovery_num += o.rediscovery_num;
        self.rediscovery_den += o.rediscovery_den;
        self.nps_before.merge(&o.nps_before);
        self.nps_after.merge(&o.nps_after);
        self.leak_num += o.leak_num;
        self.leak_den += o.leak_den;
        self.arr_leaked.extend_from_slice(&o.arr_leaked);
    }

    /// Whether nothing at all was counted.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// One account's contribution, by contract and period.
pub type Cells = BTreeMap<(ContractKey, Period), Cell>;

fn within(t: Timestamp, from: Timestamp, window: SignedDuration) -> bool {
    from.checked_add(window)
        .is_ok_and(|end| from <= t && t <= end)
}

/// The handoff each incident counts against: the one it names, or else the
/// account's most recently accepted handoff (any contract) at or before it.
fn attribute(data: &AccountData) -> Vec<(&HandoffFacts, Timestamp)> {
    let mut out = Vec::new();
    for i in &data.incidents {
        let target = match &i.handoff {
            Some(id) => data.handoffs.iter().find(|h| h.id == *id),
            None => data
                .handoffs
                .iter()
                .filter(|h| h.accepted_at.is_some_and(|a| a <= i.at))
                .max_by_key(|h| (h.accepted_at, h.id.clone())),
        };
        if let Some(h) = target {
            out.push((h, i.at));
        }
    }
    out
}

/// How one handoff counts in its contract's handoff-counted metrics: the
/// one rule the scorecard's fold and a cell's drill-down share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// First-pass acceptance: when its first decision was (the period it
    /// counts in), and whether it is in the numerator (accepted first time
    /// and no re-discovery incident within the window).
    pub first_pass: Option<(Timestamp, bool)>,
    /// Completion: when it was accepted, and whether its accepted
    /// submission scored 100.
    pub completion: Option<(Timestamp, bool)>,
    /// A re-discovery incident counted against it within the window after
    /// its acceptance.
    pub rediscovered: bool,
}

/// How each handoff of one account counts (see [`Counted`]).
pub fn account_counts(data: &AccountData) -> Vec<(&HandoffFacts, Counted)> {
    let incidents = attribute(data);
    let incident_within = |h: &HandoffFacts| {
        h.accepted_at.is_some_and(|a| {
            incidents
                .iter()
                .any(|(ih, t)| ih.id == h.id && within(*t, a, INCIDENT_WINDOW))
        })
    };
    data.handoffs
        .iter()
        .map(|h| {
            let rediscovered = incident_within(h);
            let first_pass = h
                .decisions
                .first()
                .map(|&(at, accepted)| (at, accepted && !rediscovered));
            let completion = match (h.accepted_at, h.first_submitted_at()) {
                (Some(a), Some(_)) => Some((a, h.score_at(a) == Some(100))),
                _ => None,
            };
            (
                h,
                Counted {
                    first_pass,
                    completion,
                    rediscovered,
                },
            )
        })
        .collect()
}

/// The NPS responses around one handoff: within the window before its
/// first submission `s`, and within the window after its acceptance `a`.
fn nps_around(data: &AccountData, s: Timestamp, a: Timestamp) -> (NpsPool, NpsPool) {
    let mut before = NpsPool::default();
    let mut after = NpsPool::default();
    for r in &data.nps {
        if s.checked_sub(NPS_WINDOW)
            .is_ok_and(|from| from <= r.at && r.at < s)
        {
            before.add(r.score);
        }
        if a < r.at && a.checked_add(NPS_WINDOW).is_ok_and(|to| r.at <= to) {
            after.add(r.score);
        }
    }
    (before, after)
}

/// A churn counted under a contract in a period: the account's latest
/// handoff of the contract submitted before it, and whether that handoff
/// scored below [`LEAK_SCORE`] at the churn (a leak). One per account,
/// contract and period: the period's first churn decides.
#[derive(Debug, Clone, Copy)]
pub struct ChurnCount<'a> {
    /// The period it counts in.
    pub period: Period,
    /// The handoff it is judged by.
    pub handoff: &'a HandoffFacts,
    /// The churn.
    pub churn: &'a ChurnFact,
    /// Scored below 70 at the churn.
    pub leaked: bool,
}

/// How the account's churns count (see [`ChurnCount`]).
pub fn churn_counts(data: &AccountData) -> Vec<ChurnCount<'_>> {
    let mut out = Vec::new();
    let mut churned: BTreeSet<(&ContractKey, Period)> = BTreeSet::new();
    let mut churns: Vec<&ChurnFact> = data.churns.iter().collect();
    churns.sort_by_key(|c| c.at);
    let contracts: BTreeSet<&ContractKey> = data.handoffs.iter().map(|h| &h.contract).collect();
    for churn in churns {
        for contract in &contracts {
            let latest = data
                .handoffs
                .iter()
                .filter(|h| h.contract == **contract)
                .filter(|h| h.first_submitted_at().is_some_and(|s| s < churn.at))
                .max_by_key(|h| (h.first_submitted_at(), h.id.clone()));
            let Some(h) = latest else { continue };
            let leaked = h.score_at(churn.at).is_some_and(|s| s < LEAK_SCORE);
            for p in Period::both_of(churn.at) {
                if churned.insert((*contract, p)) {
                    out.push(ChurnCount {
                        period: p,
                        handoff: h,
                        churn,
                        leaked,
                    });
                }
            }
        }
    }
    out
}

/// A metric of the scorecard, as a cell's drill-down names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    /// `completion_rate`.
    Completion,
    /// `receiver_acceptance`.
    ReceiverAcceptance,
    /// `time_to_acceptance`.
    TimeToAcceptance,
    /// `rediscovery_incidence` (counted in accounts).
    Rediscovery,
    /// `nps_delta`.
    NpsDelta,
    /// `leak_to_churn` (counted in accounts).
    LeakToChurn,
}

impl MetricKind {
    /// Every metric, in the scorecard's order.
    pub const ALL: [MetricKind; 6] = [
        Self::Completion,
        Self::ReceiverAcceptance,
        Self::TimeToAcceptance,
        Self::Rediscovery,
        Self::NpsDelta,
        Self::LeakToChurn,
    ];

    /// Its key, as the scorecard's JSON names it.
    pub fn key(self) -> &'static str {
        match self {
            Self::Completion => "completion_rate",
            Self::ReceiverAcceptance => "receiver_acceptance",
            Self::TimeToAcceptance => "time_to_acceptance",
            Self::Rediscovery => "rediscovery_incidence",
            Self::NpsDelta => "nps_delta",
            Self::LeakToChurn => "leak_to_churn",
        }
    }

    /// The metric keyed `key`.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.key() == key)
    }
}

/// The handoffs one account contributes to a metric's cell of `contract`
/// and `period`, each with whether it is in the numerator: for
/// time-to-acceptance, every handoff whose duration is counted (`true`);
/// for the NPS delta, every handoff accepted in the period, `true` when a
/// response falls in its windows; for re-discovery, the handoffs accepted
/// in the period, `true` when re-discovered (the cell counts their
/// accounts); for leak-to-churn, the handoff each churn is judged by,
/// `true` when it leaked. The same rules as [`account_cells`], which is
/// built from them.
pub fn cell_members<'a>(
    data: &'a AccountData,
    contract: &ContractKey,
    period: Period,
    metric: MetricKind,
) -> Vec<(&'a HandoffFacts, bool)> {
    if metric == MetricKind::LeakToChurn {
        return churn_counts(data)
            .into_iter()
            .filter(|c| c.period == period && c.handoff.contract == *contract)
            .map(|c| (c.handoff, c.leaked))
            .collect();
    }
    let in_period = |at: Timestamp| Period::both_of(at).contains(&period);
    account_counts(data)
        .into_iter()
        .filter(|(h, _)| h.contract == *contract)
        .filter_map(|(h, c)| {
            let accepted = c.completion.filter(|(a, _)| in_period(*a));
            match metric {
                MetricKind::Completion => accepted.map(|(_, full)| (h, full)),
                MetricKind::ReceiverAcceptance => c
                    .first_pass
                    .filter(|(at, _)| in_period(*at))
                    .map(|(_, ok)| (h, ok)),
                MetricKind::TimeToAcceptance => {
                    let (a, _) = accepted?;
                    let s = h.first_submitted_at()?;
                    (a >= s).then_some((h, true))
                }
                MetricKind::Rediscovery => accepted.map(|_| (h, c.rediscovered)),
                MetricKind::NpsDelta => {
                    let (a, _) = accepted?;
                    let (before, after) = nps_around(data, h.first_submitted_at()?, a);
                    Some((h, before.responses + after.responses > 0))
                }
                MetricKind::LeakToChurn => None,
            }
        })
        .collect()
}

/// One account's contribution to every (contract, period) it touches.
pub fn account_cells(data: &AccountData) -> Cells {
    let mut cells = Cells::new();
    let counts: BTreeMap<&HandoffId, Counted> = account_counts(data)
        .into_iter()
        .map(|(h, c)| (&h.id, c))
        .collect();
    // Accounts handed off per (contract, period), and whether any of those
    // handoffs met an incident: "accounts with ≥ 1" stays exact per account.
    let mut handed: BTreeMap<(ContractKey, Period), bool> = BTreeMap::new();
    for h in &data.handoffs {
        let counted = counts[&h.id];
        if let Some((at, ok)) = counted.first_pass {
            for p in Period::both_of(at) {
                let c = cells.entry((h.contract.clone(), p)).or_default();
                c.acceptance_den += 1;
                c.acceptance_num += u64::from(ok);
            }
        }
        let (Some((a, full)), Some(s)) = (counted.completion, h.first_submitted_at()) else {
            continue;
        };
        let hit = counted.rediscovered;
        let (before, after) = nps_around(data, s, a);
        for p in Period::both_of(a) {
            let c = cells.entry((h.contract.clone(), p)).or_default();
            c.completion_den += 1;
            c.completion_num += u64::from(full);
            // An acceptance dated before the submission is not a time to
            // acceptance (the lifecycle refuses one; old data may hold it):
            // never a negative duration that would pass as "met".
            if a >= s {
                c.durations.push(a.duration_since(s).as_secs());
            }
            c.nps_before.merge(&before);
            c.nps_after.merge(&after);
            let any = handed.entry((h.contract.clone(), p)).or_default();
            *any |= hit;
        }
    }
    for (key, hit) in handed {
        let c = cells.entry(key).or_default();
        c.rediscovery_den += 1;
        c.rediscovery_num += u64::from(hit);
    }
    for count in churn_counts(data) {
        let c = cells
            .entry((count.handoff.contract.clone(), count.period))
            .or_default();
        c.leak_den += 1;
        if count.leaked {
            c.leak_num += 1;
            c.arr_leaked.push(LeakedArr {
                at: count.churn.at,
                arr_lost: count.churn.arr_lost,
            });
        }
    }
    cells
}

/// Whether the account's ARR is at risk under each contract (SPEC §5): its
/// latest handoff of the contract scored below 70, was ever rejected, or has
/// an incident counted against it. Only for accounts that have not churned.
pub fn at_risk(data: &AccountData) -> BTreeSet<ContractKey> {
    if !data.churns.is_empty() {
        return BTreeSet::new();
    }
    let incidents = attribute(data);
    let mut latest: BTreeMap<&ContractKey, &HandoffFacts> = BTreeMap::new();
    for h in data
        .handoffs
        .iter()
        .filter(|h| h.first_submitted_at().is_some())
    {
        let e = latest.entry(&h.contract).or_insert(h);
        if (h.first_submitted_at(), &h.id) > (e.first_submitted_at(), &e.id) {
            *e = h;
        }
    }
    latest
        .into_iter()
        .filter(|(_, h)| {
            h.submissions.last().is_some_and(|s| s.1 < LEAK_SCORE)
                || h.decisions.iter().any(|d| !d.1)
                || incidents.iter().any(|(ih, _)| ih.id == h.id)
        })
        .map(|(k, _)| k.clone())
        .collect()
}

/// How a metric stands against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Meets the target.
    Met,
    /// Misses it.
    Missed,
    /// Nothing to measure in the period.
    NoData,
    /// Measured, without a target to meet.
    Measured,
}

impl Status {
    /// Its name, as JSON and CSV write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Met => "met",
            Self::Missed => "missed",
            Self::NoData => "no_data",
            Self::Measured => "measured",
        }
    }
}

/// One metric of a scorecard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    /// Ratios as fractions 0–1, hours, or NPS points; `None` when no data.
    pub value: Option<f64>,
    /// Numerator (ratios).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num: Option<u64>,
    /// Denominator (ratios): the sample size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub den: Option<u64>,
    /// Sample size of a median.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// Responses before (NPS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_n: Option<u64>,
    /// Responses after (NPS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after_n: Option<u64>,
    /// NPS before (NPS delta).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<f64>,
    /// NPS after (NPS delta).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<f64>,
    /// The target, in words (`>= 0.9`, `< 48`).
    pub target: &'static str,
    /// Met, missed, no data, or measured.
    pub status: Status,
    /// Completion below 70%: the team is not there yet, by a long way.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub aspirational: bool,
}

impl Metric {
    fn ratio(num: u64, den: u64, target: &'static str, met: impl Fn(f64) -> bool) -> Self {
        let value = (den > 0).then(|| num as f64 / den as f64);
        Self {
            value,
            num: Some(num),
            den: Some(den),
            n: None,
            before_n: None,
            after_n: None,
            before: None,
            after: None,
            target,
            status: status(value, met),
            aspirational: false,
        }
    }
}

fn status(value: Option<f64>, met: impl Fn(f64) -> bool) -> Status {
    match value {
        None => Status::NoData,
        Some(v) if met(v) => Status::Met,
        Some(_) => Status::Missed,
    }
}

/// The median of seconds, in hours; the mean of the middle two when even.
pub fn median_hours(durations: &[i64]) -> Option<f64> {
    let mut d = durations.to_vec();
    d.sort_unstable();
    let n = d.len();
    let mid = |i: usize| d.get(i).copied().unwrap_or(0) as f64;
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(mid(n / 2) / 3600.0),
        _ => Some((mid(n / 2 - 1) + mid(n / 2)) / 2.0 / 3600.0),
    }
}

/// The six metrics of one contract and period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// Completion Rate.
    pub completion_rate: Metric,
    /// Receiver Acceptance.
    pub receiver_acceptance: Metric,
    /// Time to Acceptance (median hours).
    pub time_to_acceptance: Metric,
    /// Re-Discovery Incidence.
    pub rediscovery_incidence: Metric,
    /// Post-Handoff NPS Delta.
    pub nps_delta: Metric,
    /// Leak-to-Churn Correlation.
    pub leak_to_churn: Metric,
}

/// The scorecard of one contract and period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    /// The contract.
    pub contract: ContractKey,
    /// The period.
    pub period: Period,
    /// The six metrics.
    pub metrics: Metrics,
}

impl Metrics {
    /// The metric of `kind`.
    pub fn of(&self, kind: MetricKind) -> &Metric {
        match kind {
            MetricKind::Completion => &self.completion_rate,
            MetricKind::ReceiverAcceptance => &self.receiver_acceptance,
            MetricKind::TimeToAcceptance => &self.time_to_acceptance,
            MetricKind::Rediscovery => &self.rediscovery_incidence,
            MetricKind::NpsDelta => &self.nps_delta,
            MetricKind::LeakToChurn => &self.leak_to_churn,
        }
    }

    /// The six metrics from a cell's sums.
    pub fn from_cell(c: &Cell) -> Self {
        Self::with_sample(c, c.durations.len() as u64)
    }

    /// The six metrics from sums whose `durations` hold only the middle one
    /// (odd) or two (even) of `n` ordered durations: all the median needs.
    pub fn with_sample(c: &Cell, n: u64) -> Self {
        let mut completion =
            Metric::ratio(c.completion_num, c.completion_den, ">= 0.9", |v| v >= 0.9);
        completion.aspirational = completion.value.is_some_and(|v| v < 0.7);
        let hours = median_hours(&c.durations);
        let time = Metric {
            value: hours,
            num: None,
            den: None,
            n: Some(n),
            before_n: None,
            after_n: None,
            before: None,
            after: None,
            target: "< 48",
            status: status(hours, |h| (0.0..48.0).contains(&h)),
            aspirational: false,
        };
        let (before, after) = (c.nps_before.nps(), c.nps_after.nps());
        let delta = before.zip(after).map(|(b, a)| a - b);
        let nps = Metric {
            value: delta,
            num: None,
            den: None,
            n: None,
            before_n: Some(c.nps_before.responses),
            after_n: Some(c.nps_after.responses),
            before,
            after,
            target: ">= 0",
            status: status(delta, |d| d >= 0.0),
            aspirational: false,
        };
        let mut leak = Metric::ratio(c.leak_num, c.leak_den, "measured", |_| true);
        if leak.value.is_some() {
            leak.status = Status::Measured;
        }
        Self {
            completion_rate: completion,
            receiver_acceptance: Metric::ratio(
                c.acceptance_num,
                c.acceptance_den,
                ">= 0.85",
                |v| v >= 0.85,
            ),
            time_to_acceptance: time,
            rediscovery_incidence: Metric::ratio(
                c.rediscovery_num,
                c.rediscovery_den,
                "< 0.1",
                |v| v < 0.1,
            ),
            nps_delta: nps,
            leak_to_churn: leak,
        }
    }
}

impl Scorecard {
    /// The scorecard of `contract` in `period` from the summed cell.
    pub fn from_cell(contract: ContractKey, period: Period, cell: &Cell) -> Self {
        Self {
            contract,
            period,
            metrics: Metrics::from_cell(cell),
        }
    }
}

#[cfg(test)]
mod tests;
