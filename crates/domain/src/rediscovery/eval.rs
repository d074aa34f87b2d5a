//! Measuring the detector on a labelled set: JSON Lines of cases, each an
//! account's accepted handoffs (contract and values), one note, and every
//! question in it labelled with the field it re-asks or none (format in
//! `eval/rediscovery/README.md`).

use serde::Deserialize;
use serde_json::Value;

use super::{Answered, Decision, Index, Learned, questions};
use crate::contract::ContractDef;
use crate::field::FieldDef;
use crate::id::HandoffId;

/// The development set: what the thresholds were chosen on.
pub const DEV_SET: &str = include_str!("../../../../eval/rediscovery/dev.jsonl");
/// The held-out test set: what the figures are reported on.
pub const TEST_SET: &str = include_str!("../../../../eval/rediscovery/test.jsonl");
/// A second held-out set, written later by another author who read neither
/// the matcher nor the test set: the check that a change generalises.
pub const UNSEEN_SET: &str = include_str!("../../../../eval/rediscovery/unseen.jsonl");

#[derive(Deserialize)]
struct Case {
    case: String,
    handoffs: Vec<CaseHandoff>,
    note: Note,
    questions: Vec<Label>,
}

#[derive(Deserialize)]
struct CaseHandoff {
    contract: String,
    values: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct Note {
    text: String,
}

#[derive(Deserialize)]
struct Label {
    text: String,
    expect: Option<String>,
}

/// Counts and the mistakes behind them.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Labelled questions.
    pub questions: usize,
    /// Labelled re-asks.
    pub re_asks: usize,
    /// Suggestions naming the labelled field.
    pub true_positives: usize,
    /// Suggestions for a question that re-asks nothing or another field.
    pub false_positives: usize,
    /// Re-asks not suggested (or suggested as another field).
    pub false_negatives: usize,
    /// One line per mistake: case, question, labelled and suggested field.
    pub mistakes: Vec<String>,
    /// What a person would decide on each suggestion, going by the labels:
    /// confirmed when it names the labelled field, dismissed otherwise.
    pub decisions: Vec<Decision>,
}

impl Report {
    /// Share of suggestions that are right.
    pub fn precision(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    /// Share of re-asks suggested.
    pub fn recall(&self) -> f64 {
        ratio(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// A case with the fields its handoffs answered.
struct Parsed {
    case: Case,
    answered: Vec<Answered>,
}

/// The cases of a labelled set, in file order; an error names the line
/// that does not parse.
fn parse_set(set: &str, contracts: &[ContractDef]) -> Result<Vec<Parsed>, String> {
    set.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            let case: Case =
                serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1))?;
            let answered =
                answered(&case, contracts).map_err(|e| format!("line {}: {e}", n + 1))?;
            Ok(Parsed { case, answered })
        })
        .collect()
}

/// Runs the detector over a labelled set with the given threshold and
/// margin; an error names the line that does not parse.
pub fn evaluate(
    set: &str,
    contracts: &[ContractDef],
    threshold: f64,
    margin: f64,
) -> Result<Report, String> {
    evaluate_learned(set, contracts, threshold, margin, &Learned::default())
}

/// [`evaluate`] with the detector as `learned` taught it.
pub fn evaluate_learned(
    set: &str,
    contracts: &[ContractDef],
    threshold: f64,
    margin: f64,
    learned: &Learned,
) -> Result<Report, String> {
    let cases = parse_set(set, contracts)?;
    Ok(measure(cases.iter(), threshold, margin, learned))
}

fn measure<'a>(
    cases: impl Iterator<Item = &'a Parsed>,
    threshold: f64,
    margin: f64,
    learned: &Learned,
) -> Report {
    let mut r = Report::default();
    for Parsed { case, answered } in cases {
        let index = Index::learned(answered, learned);
        let found = questions(&case.note.text);
        for label in &case.questions {
            r.questions += 1;
            r.re_asks += usize::from(label.expect.is_some());
            // The detector's sentence for this label: the one holding it.
            let asked = found
                .iter()
                .find(|q| q.text.contains(label.text.as_str()) || label.text.contains(&q.text));
            let hit = asked.and_then(|q| {
                index
                    .best_with(&q.text, threshold, margin)
                    .map(|(i, score)| (q, &answered[i], score))
            });
            let predicted = hit.map(|(_, a, _)| format!("{}.{}", a.contract, a.field.key));
            if let Some((q, a, score)) = hit {
                r.decisions.push(Decision {
                    contract: a.contract.clone(),
                    field: a.field.key.clone(),
                    question: q.text.clone(),
                    score,
                    confirmed: label.expect == predicted,
                });
            }
            match (&label.expect, &predicted) {
                (Some(e), Some(p)) if e == p => r.true_positives += 1,
                (e, p) => {
                    if p.is_some() {
                        r.false_positives += 1;
                    }
                    if e.is_some() {
                        r.false_negatives += 1;
                    }
                    if e.is_some() || p.is_some() {
                        let top = asked.map_or_else(
                            || "not found as a question".to_string(),
                            |q| top_two(&index, answered, &q.text),
                        );
                        r.mistakes.push(format!(
                            "{}: {:?} labelled {} suggested {} [{top}]",
                            case.case,
                            label.text,
                            e.as_deref().unwrap_or("none"),
                            p.as_deref().unwrap_or("none")
                        ));
                    }
                }
            }
        }
    }
    r
}

/// One half of a learn split: the detector measured on one part of a set
/// before and after learning from the decisions on the other part.
#[derive(Debug, Clone)]
pub struct Split {
    /// The part learned from: `odd` or `even` (cases by their position in
    /// the file, the first being 1).
    pub learned_on: &'static str,
    /// The part measured on: the other one.
    pub measured_on: &'static str,
    /// The decisions learned from (confirmed, dismissed).
    pub decided: (usize, usize),
    /// The contracts whose threshold the decisions moved, and to what.
    pub thresholds: Vec<(String, f64)>,
    /// The measured part, as shipped.
    pub before: Report,
    /// The measured part, after learning.
    pub after: Report,
}

/// The learning path measured on a split of a labelled set: the cases are
/// parted by their position in the file (odd and even lines), people are
/// simulated deciding the detector's suggestions on one part going by the
/// labels (confirm when it names the labelled field, dismiss otherwise),
/// and the detector learned from those decisions is measured on the other
/// part, both ways round. Re-asks the detector missed teach nothing, as in
/// the app: it learns from decided suggestions only.
pub fn learn_split(
    set: &str,
    contracts: &[ContractDef],
    threshold: f64,
    margin: f64,
) -> Result<[Split; 2], String> {
    let cases = parse_set(set, contracts)?;
    let part = |odd: bool| {
        cases
            .iter()
            .enumerate()
            .filter(move |(i, _)| (i % 2 == 0) == odd)
            .map(|(_, c)| c)
    };
    let nothing = Learned::default();
    let half = |learn_odd: bool| {
        let decisions = measure(part(learn_odd), threshold, margin, &nothing).decisions;
        let learned = Learned::from_decisions(&decisions);
        let confirmed = decisions.iter().filter(|d| d.confirmed).count();
        let name = |odd: bool| if odd { "odd" } else { "even" };
        Split {
            learned_on: name(learn_odd),
            measured_on: name(!learn_odd),
            decided: (confirmed, decisions.len() - confirmed),
            thresholds: learned
                .thresholds()
                .iter()
                .map(|(c, t)| (c.to_string(), *t))
                .collect(),
            before: measure(part(!learn_odd), threshold, margin, &nothing),
            after: measure(part(!learn_odd), threshold, margin, &learned),
        }
    };
    Ok([half(true), half(false)])
}

/// The two best-scoring fields of a question, for reading mistakes.
fn top_two(index: &Index, answered: &[Answered], question: &str) -> String {
    let scores = index.scores(question);
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|a, b| scores[*b].total_cmp(&scores[*a]));
    order
        .iter()
        .take(2)
        .map(|i| format!("{} {:.2}", answered[*i].field.key, scores[*i]))
        .collect::<Vec<_>>()
        .join(", ")
}

fn answered(case: &Case, contracts: &[ContractDef]) -> Result<Vec<Answered>, String> {
    let mut out = Vec::new();
    for (i, h) in case.handoffs.iter().enumerate() {
        let def = contracts
            .iter()
            .find(|c| c.key.as_str() == h.contract)
            .ok_or_else(|| format!("unknown contract '{}'", h.contract))?;
        let handoff = HandoffId::parse(format!("{}-{i}", case.case)).map_err(|e| e.to_string())?;
        for (key, raw) in &h.values {
            let field = def.known_field(key).map_err(|e| e.to_string())?;
            let value = field.normalize(raw).map_err(|e| e.to_string())?;
            if let Some(v) = value {
                out.push(Answered {
                    handoff: handoff.clone(),
                    contract: def.key.clone(),
                    field: field.clone(),
                    answer: FieldDef::text_of(&v),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::seed::seeded_contracts;
    use crate::rediscovery::{MARGIN, THRESHOLD};

    /// The figures docs/rediscovery.md reports, as floors: a change to the
    /// detector that loses either fails here.
    #[test]
    fn the_detector_keeps_its_measured_figures() {
        let contracts = seeded_contracts();
        let test = evaluate(TEST_SET, &contracts, THRESHOLD, MARGIN).unwrap();
        assert!(test.questions >= 100, "{}", test.questions);
        let figures =
            |r: &Report| format!("precision {:.2} recall {:.2}", r.precision(), r.recall());
        assert!(
            test.precision() >= 0.69 && test.recall() >= 0.56,
            "held out: {}",
            figures(&test)
        );
        let dev = evaluate(DEV_SET, &contracts, THRESHOLD, MARGIN).unwrap();
        assert!(
            dev.precision() >= 0.87 && dev.recall() >= 0.64,
            "dev: {}",
            figures(&dev)
        );
        let unseen = evaluate(UNSEEN_SET, &contracts, THRESHOLD, MARGIN).unwrap();
        assert!(
            unseen.precision() >= 0.69 && unseen.recall() >= 0.43,
            "unseen: {}",
            figures(&unseen)
        );
    }

    #[test]
    fn a_broken_line_is_named() {
        let err = evaluate("\n{\"case\":", &seeded_contracts(), THRESHOLD, MARGIN).unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
    }
}
