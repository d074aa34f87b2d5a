//! Concrete tests (SPEC §6): each contract's seed test as an audit. Where
//! the data allows, Baton computes it (ae-to-onboarding: the last three
//! accepted handoffs' field completion ≥ 80%; cs-to-support: of the last ten
//! escalations (accepted handoffs, resolved or not), the share whose loop the
//! CSM closed ≥ 70%; cross-motion:
//! attestations agree) with the evidence; elsewhere a person answers the
//! contract's audit question about a handoff Baton draws, and the answer is
//! recorded.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::event::Event;
use crate::handoff::{State, completeness};
use crate::{ContractDef, DealId, Email, Handoff, HandoffId, Timestamp};

/// Which handoffs a sampled audit draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SamplePool {
    /// Handoffs first submitted in the window.
    Submitted,
    /// Handoffs accepted in the window.
    Accepted,
}

/// Where a sampled audit of a contract draws its handoff from, at `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleWindow {
    /// Submitted or accepted handoffs.
    pub pool: SamplePool,
    /// From (inclusive).
    pub from: Timestamp,
    /// To (inclusive).
    pub to: Timestamp,
    /// The window in words, for "nothing to sample".
    pub describe: &'static str,
}

const DAY: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// The window a contract's sampled audit draws from. onboarding-to-cs asks
/// how the customer is doing about 30 days after the handoff (the seed's
/// test), so it samples handoffs **accepted 23 to 37 days before** `at`
/// (30 days, give or take a week, so a weekly audit always has a pool);
/// every other contract samples handoffs first submitted in the last seven
/// days.
pub fn sample_window(def: &ContractDef, at: Timestamp) -> Result<SampleWindow, crate::DomainError> {
    let back = |days: i64| {
        at.checked_sub(DAY * days as i32)
            .map_err(|e| crate::DomainError::value("audit time", e.to_string()))
    };
    Ok(match def.key.as_str() {
        "onboarding-to-cs" => SampleWindow {
            pool: SamplePool::Accepted,
            from: back(37)?,
            to: back(23)?,
            describe: "accepted 23 to 37 days ago",
        },
        _ => SampleWindow {
            pool: SamplePool::Submitted,
            from: back(7)?,
            to: at,
            describe: "submitted in the last seven days",
        },
    })
}

/// One piece of evidence: a handoff and what about it counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// The handoff.
    pub handoff: HandoffId,
    /// Whether it counts for the test.
    pub ok: bool,
    /// What was seen (missing fields, an open loop, answers that differ).
    pub detail: String,
}

/// The result of an automated concrete test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Automated {
    /// What is measured, in words.
    pub test: &'static str,
    /// The measure, 0–1 (`None`: not enough data yet).
    pub value: Option<f64>,
    /// The pass mark.
    pub threshold: f64,
    /// Passed (`None` when there is no data).
    pub passed: Option<bool>,
    /// The handoffs looked at.
    pub evidence: Vec<Evidence>,
}

/// A Closed-Won deal as the ae-to-onboarding test sees it.
struct ClosedWon<'a> {
    /// The deal, when its handoffs name one.
    deal: Option<&'a DealId>,
    /// The handoff that stands for it: the accepted one, else the latest
    /// not withdrawn; none when every one was withdrawn.
    standing: Option<&'a Handoff>,
    /// One of its handoffs (for the evidence when none stands).
    any: &'a Handoff,
    /// When it closed: its first handoff's start; for a handoff that names
    /// no deal, its acceptance.
    at: Timestamp,
}

/// The deals the handoffs name, whatever their handoffs' state, and the
/// accepted handoffs that name none, latest first.
fn closed_won_latest_first(handoffs: &[Handoff]) -> Vec<ClosedWon<'_>> {
    let mut deals: BTreeMap<&DealId, Vec<&Handoff>> = BTreeMap::new();
    let mut out = Vec::new();
    for h in handoffs {
        match &h.deal {
            Some(d) => deals.entry(d).or_default().push(h),
            None => {
                if let (State::Accepted, Some(at)) = (h.state, h.accepted_at) {
                    out.push(ClosedWon {
                        deal: None,
                        standing: Some(h),
                        any: h,
                        at,
                    });
                }
            }
        }
    }
    for (deal, hs) in deals {
        let Some(first) = hs.iter().min_by_key(|h| (h.created_at, &h.id)) else {
            continue;
        };
        let standing = hs
            .iter()
            .find(|h| h.state == State::Accepted)
            .or_else(|| {
                hs.iter()
                    .filter(|h| h.state != State::Withdrawn)
                    .max_by_key(|h| (h.created_at, &h.id))
            })
            .copied();
        out.push(ClosedWon {
            deal: Some(deal),
            standing,
            any: first,
            at: first.created_at,
        });
    }
    out.sort_by(|a, b| (b.at, &b.any.id).cmp(&(a.at, &a.any.id)));
    out
}

fn accepted_latest_first(handoffs: &[Handoff]) -> Vec<&Handoff> {
    let mut v: Vec<&Handoff> = handoffs
        .iter()
        .filter(|h| h.state == State::Accepted && h.accepted_at.is_some())
        .collect();
    v.sort_by(|a, b| (b.accepted_at, &b.id).cmp(&(a.accepted_at, &a.id)));
    v
}

fn result(
    test: &'static str,
    threshold: f64,
    value: Option<f64>,
    evidence: Vec<Evidence>,
) -> Automated {
    Automated {
        test,
        value,
        threshold,
        passed: value.map(|v| v >= threshold),
        evidence,
    }
}

/// The automated test of a contract, if its seed test can be computed from
/// the data; `handoffs` are the contract's.
pub fn automated(def: &ContractDef, handoffs: &[Handoff]) -> Option<Automated> {
    match def.key.as_str() {
        "ae-to-onboarding" => {
            let last: Vec<ClosedWon<'_>> = closed_won_latest_first(handoffs)
                .into_iter()
                .take(3)
                .collect();
            let n = def.scored_fields().count();
            let (mut filled, mut total) = (0usize, 0usize);
            let evidence = last
                .iter()
                .map(|won| {
                    total += n;
                    let deal = won.deal.map(|d| format!("deal {d}: ")).unwrap_or_default();
                    let Some(h) = won.standing else {
                        return Evidence {
                            handoff: won.any.id.clone(),
                            ok: false,
                            detail: format!("{deal}no handoff stands for it (withdrawn)"),
                        };
                    };
                    let missing = completeness(def, &h.values).missing_keys();
                    filled += n - missing.len().min(n);
                    let ok = h.state == State::Accepted && missing.is_empty();
                    let detail = match (h.state, missing.is_empty()) {
                        (State::Accepted, true) => format!("{deal}every field filled"),
                        (State::Accepted, false) => {
                            format!("{deal}missing: {}", missing.join(", "))
                        }
                        (state, _) => format!(
                            "{deal}handoff still {}{}",
                            state.as_str(),
                            if missing.is_empty() {
                                String::new()
                            } else {
                                format!(", missing: {}", missing.join(", "))
                            }
                        ),
                    };
                    Evidence {
                        handoff: h.id.clone(),
                        ok,
                        detail,
                    }
                })
                .collect();
            let value = (total > 0).then(|| filled as f64 / total as f64);
            Some(result(
                "field completion of the last three Closed-Won deals (accepted handoffs where no deal is named)",
                0.8,
                value,
                evidence,
            ))
        }
        "cs-to-support" => {
            // The seed's failure mode is the escalation whose loop never
            // closes, often because it was never resolved: so every accepted
            // escalation counts, and an unresolved or unclosed one fails.
            let last: Vec<&Handoff> = accepted_latest_first(handoffs)
                .into_iter()
                .take(10)
                .collect();
            let closed = last
                .iter()
                .filter(|h| h.follow.loop_closed_at.is_some())
                .count();
            let evidence = last
                .iter()
                .map(|h| Evidence {
                    handoff: h.id.clone(),
                    ok: h.follow.loop_closed_at.is_some(),
                    detail: match (
                        &h.follow.resolved_at,
                        &h.follow.loop_closed_at,
                        &h.follow.loop_closed_by,
                    ) {
                        (_, Some(at), Some(by)) => format!("loop closed by {by} at {at}"),
                        (_, Some(at), None) => format!("loop closed at {at}"),
                        (Some(at), None, _) => format!("resolved at {at}, loop not closed"),
                        (None, None, _) => "never resolved, loop not closed".into(),
                    },
                })
                .collect();
            let value = (!last.is_empty()).then(|| closed as f64 / last.len() as f64);
            Some(result(
                "share of the last ten escalations (accepted handoffs) whose loop the CSM closed",
                0.7,
                value,
                evidence,
            ))
        }
        "cross-motion" => {
            let attested: Vec<&Handoff> = accepted_latest_first(handoffs)
                .into_iter()
                .filter(|h| !h.attestations.is_empty())
                .take(10)
                .collect();
            let evidence: Vec<Evidence> = attested
                .iter()
                .map(|h| {
                    let d = h.disagreements();
                    Evidence {
                        handoff: h.id.clone(),
                        ok: d.is_empty(),
                        detail: if d.is_empty() {
                            "attestations agree".into()
                        } else {
                            format!(
                                "answers differ on: {}",
                                d.iter()
                                    .map(|x| x.question.as_str())
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            )
                        },
                    }
                })
                .collect();
            let agree = evidence.iter().filter(|e| e.ok).count();
            let value = (!evidence.is_empty()).then(|| agree as f64 / evidence.len() as f64);
            Some(result(
                "share of the last ten attested handoffs whose attestations agree",
                1.0,
                value,
                evidence,
            ))
        }
        _ => None,
    }
}

/// The auditor's verdict on a sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// What the receiver could state.
    pub answer: String,
    /// Pass or fail.
    pub passed: bool,
    /// The auditor.
    pub by: Email,
    /// When.
    pub at: Timestamp,
}

/// One sampled audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// Its id.
    pub id: String,
    /// The handoff drawn.
    pub handoff: HandoffId,
    /// The question(s) shown.
    pub questions: Vec<String>,
    /// Who drew it.
    pub by: Email,
    /// When.
    pub sampled_at: Timestamp,
    /// The verdict, once recorded.
    pub result: Option<Verdict>,
}

/// A contract's sampled audits: the fold of its `audit/KEY` stream.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Audits {
    /// By id, in the order drawn.
    pub samples: BTreeMap<String, Sample>,
    /// Events folded.
    pub version: u64,
}

impl Audits {
    /// Folds the stream's events, oldest first.
    pub fn fold<'e>(events: impl IntoIterator<Item = &'e Event>) -> Self {
        let mut a = Self::default();
        for e in events {
            a.apply(e);
        }
        a
    }

    /// Folds one event in.
    pub fn apply(&mut self, e: &Event) {
        match e {
            Event::AuditSampled {
                audit,
                handoff,
                questions,
                by,
                at,
                ..
            } => {
                self.samples.insert(
                    audit.clone(),
                    Sample {
                        id: audit.clone(),
                        handoff: handoff.clone(),
                        questions: questions.clone(),
                        by: by.clone(),
                        sampled_at: *at,
                        result: None,
                    },
                );
                self.version += 1;
            }
            Event::AuditRecorded {
                audit,
                answer,
                passed,
                by,
                at,
                ..
            } => {
                if let Some(s) = self.samples.get_mut(audit) {
                    s.result = Some(Verdict {
                        answer: answer.clone(),
                        passed: *passed,
                        by: by.clone(),
                        at: *at,
                    });
                }
                self.version += 1;
            }
            _ => {}
        }
    }
}
