//! What an org's own decisions teach its detector. A confirmed suggestion's
//! question becomes a phrase of its field, the way `asked_as` phrases are
//! written by hand, so a later paraphrase of it matches that field; a
//! dismissed one is a phrase that asks something new, and keeps its near
//! paraphrases from being suggested for that field again. Each contract
//! gets the lowest threshold at which the org's decisions on it were
//! mostly right.
//!
//! Pure: the caller reads the decisions (the store's suggestions, or a
//! labelled set in `eval`) and hands them in.

use std::collections::{BTreeMap, BTreeSet};

use super::{THRESHOLD, question_terms};
use crate::id::{ContractKey, FieldKey};

/// One decided suggestion, as learning reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The contract of the field it was suggested for.
    pub contract: ContractKey,
    /// The field.
    pub field: FieldKey,
    /// The question as written in the note.
    pub question: String,
    /// The score the detector gave it when it suggested it.
    pub score: f64,
    /// Confirmed (a re-ask) or dismissed (a new question).
    pub confirmed: bool,
}

/// Precision a contract's decided suggestions must reach at its learned
/// threshold: the aim the detector is measured against.
pub const AIMED_PRECISION: f64 = 0.8;

/// Fewest decisions on a contract before its threshold moves. Below this
/// one dismissal swings the measured precision by more than 12 points,
/// and a threshold chosen on that is noise; the default, chosen on the
/// labelled development set, is the better guess.
pub const MIN_DECISIONS: usize = 8;

/// How like a dismissed question a new one must be (Dice over their terms)
/// before the dismissal keeps it off that field: near paraphrases only, so
/// one dismissed "can we hold the check-in on Wednesdays?" does not silence
/// every question about the field.
const NEAR_DISMISSED: f64 = 0.6;

/// Steps the learned threshold is searched in.
const STEP: f64 = 0.05;

/// A phrase learned from a decision: its terms, as questions are read.
#[derive(Debug, Clone, PartialEq)]
struct Phrase {
    terms: BTreeSet<String>,
    confirmed: bool,
}

/// What an org's decided suggestions taught its detector. The default (no
/// decisions) leaves the detector exactly as shipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Learned {
    phrases: BTreeMap<(ContractKey, FieldKey), Vec<Phrase>>,
    /// Per field, every term of its confirmed questions, once: worked out
    /// here so indexing a note's fields does not read every phrase again.
    asked_as: BTreeMap<(ContractKey, FieldKey), Vec<String>>,
    thresholds: BTreeMap<ContractKey, f64>,
}

impl Learned {
    /// Nothing learned, as a constant.
    pub const fn nothing() -> Self {
        Self {
            phrases: BTreeMap::new(),
            asked_as: BTreeMap::new(),
            thresholds: BTreeMap::new(),
        }
    }

    /// Learns from decided suggestions, in any order.
    pub fn from_decisions(decisions: &[Decision]) -> Self {
        let mut phrases: BTreeMap<(ContractKey, FieldKey), Vec<Phrase>> = BTreeMap::new();
        let mut by_contract: BTreeMap<&ContractKey, Vec<(f64, bool)>> = BTreeMap::new();
        for d in decisions {
            let terms = question_terms(&d.question);
            if !terms.is_empty() {
                let list = phrases
                    .entry((d.contract.clone(), d.field.clone()))
                    .or_default();
                // The same question decided twice the same way teaches once.
                let phrase = Phrase {
                    terms,
                    confirmed: d.confirmed,
                };
                if !list
                    .iter()
                    .any(|p| p.terms == phrase.terms && p.confirmed == phrase.confirmed)
                {
                    list.push(phrase);
                }
            }
            by_contract
                .entry(&d.contract)
                .or_default()
                .push((d.score, d.confirmed));
        }
        let thresholds = by_contract
            .into_iter()
            .filter_map(|(c, scored)| threshold_for(&scored).map(|t| (c.clone(), t)))
            .collect();
        let asked_as = phrases
            .iter()
            .map(|(key, list)| {
                let terms: BTreeSet<&String> = list
                    .iter()
                    .filter(|p| p.confirmed)
                    .flat_map(|p| &p.terms)
                    .collect();
                (key.clone(), terms.into_iter().cloned().collect())
            })
            .collect();
        Self {
            phrases,
            asked_as,
            thresholds,
        }
    }

    /// Whether nothing was learned.
    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty() && self.thresholds.is_empty()
    }

    /// The contract's learned threshold, if its decisions chose one.
    pub fn threshold(&self, contract: &ContractKey) -> Option<f64> {
        self.thresholds.get(contract).copied()
    }

    /// Every learned threshold, by contract.
    pub fn thresholds(&self) -> &BTreeMap<ContractKey, f64> {
        &self.thresholds
    }

    /// How many distinct confirmed and dismissed phrases were learned.
    pub fn phrase_counts(&self) -> (usize, usize) {
        let all = self.phrases.values().flatten();
        let confirmed = all.clone().filter(|p| p.confirmed).count();
        (confirmed, all.count() - confirmed)
    }

    /// The terms of the questions confirmed for a field, each once: how
    /// this org asks for it.
    pub(super) fn asked_as(&self, contract: &ContractKey, field: &FieldKey) -> &[String] {
        self.asked_as
            .get(&(contract.clone(), field.clone()))
            .map_or(&[], Vec::as_slice)
    }

    /// How a question stands against what the org decided about a field:
    /// its likeness to the nearest confirmed phrase (a score like the
    /// matcher's, 0 to 1), or `None` when a dismissed phrase is nearer and
    /// near enough that the org has said this asks something new.
    pub(super) fn judge(
        &self,
        contract: &ContractKey,
        field: &FieldKey,
        question: &BTreeSet<String>,
    ) -> Option<f64> {
        let Some(phrases) = self.phrases.get(&(contract.clone(), field.clone())) else {
            return Some(0.0);
        };
        let nearest = |confirmed: bool| {
            phrases
                .iter()
                .filter(|p| p.confirmed == confirmed)
                .map(|p| dice(question, &p.terms))
                .fold(0.0, f64::max)
        };
        let (yes, no) = (nearest(true), nearest(false));
        if no >= NEAR_DISMISSED && no > yes {
            None
        } else {
            Some(yes)
        }
    }
}

/// The lowest threshold, from the default up, at which the contract's
/// decided suggestions scoring at least it were right at least
/// [`AIMED_PRECISION`] of the time; `None` (the default stands) with too
/// few decisions. A contract already at the aim keeps the default: a
/// higher one would only cost re-asks found. It never falls below the
/// default either: nothing scoring under it was ever shown, so no decision
/// says how precise a lower one would be. Nor does it rise past every
/// confirmed suggestion: a bar nothing right clears would silence the
/// contract without anyone deciding to, so then the default stands and
/// the admins' panel shows the contract's precision instead.
fn threshold_for(scored: &[(f64, bool)]) -> Option<f64> {
    if scored.len() < MIN_DECISIONS {
        return None;
    }
    // Up to the first step above every decided score, where nothing is left.
    let top = scored.iter().map(|(s, _)| *s).fold(THRESHOLD, f64::max);
    let steps = ((top - THRESHOLD) / STEP).floor() as u32 + 1;
    for step in 0..=steps {
        let t = THRESHOLD + STEP * f64::from(step);
        let kept: Vec<bool> = scored
            .iter()
            .filter(|(s, _)| *s >= t - 1e-9)
            .map(|(_, right)| *right)
            .collect();
        let right = kept.iter().filter(|r| **r).count();
        if right == 0 {
            return None;
        }
        if right as f64 >= AIMED_PRECISION * kept.len() as f64 {
            return Some(t);
        }
    }
    None
}

/// Dice's coefficient of two term sets: shared terms over their mean size.
pub(super) fn dice(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let total = a.len() + b.len();
    if total == 0 {
        return 0.0;
    }
    2.0 * a.intersection(b).count() as f64 / total as f64
}
