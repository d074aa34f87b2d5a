//! Measuring the detector on a labelled set: JSON Lines of cases, each an
//! account's accepted handoffs (contract and values), one note, and every
//! question in it labelled with the field it re-asks or none (format in
//! `eval/rediscovery/README.md`).

use serde::Deserialize;
use serde_json::Value;

use super::{Answered, Index, questions};
use crate::contract::ContractDef;
use crate::field::FieldDef;
use crate::id::HandoffId;

/// The development set: what the thresholds were chosen on.
pub const DEV_SET: &str = include_str!("../../../../eval/rediscovery/dev.jsonl");
/// The held-out test set: what the figures are reported on.
pub const TEST_SET: &str = include_str!("../../../../eval/rediscovery/test.jsonl");

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

/// Runs the detector over a labelled set with the given threshold and
/// margin; an error names the line that does not parse.
pub fn evaluate(
    set: &str,
    contracts: &[ContractDef],
    threshold: f64,
    margin: f64,
) -> Result<Report, String> {
    let mut r = Report::default();
    for (n, line) in set
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let case: Case = serde_json::from_str(line).map_err(|e| format!("line {}: {e}", n + 1))?;
        let answered = answered(&case, contracts).map_err(|e| format!("line {}: {e}", n + 1))?;
        let index = Index::new(&answered);
        let found = questions(&case.note.text);
        for label in &case.questions {
            r.questions += 1;
            r.re_asks += usize::from(label.expect.is_some());
            // The detector's sentence for this label: the one holding it.
            let asked = found
                .iter()
                .find(|q| q.text.contains(label.text.as_str()) || label.text.contains(&q.text));
            let predicted = asked
                .and_then(|q| index.best_with(&q.text, threshold, margin))
                .map(|(i, _)| {
                    let a = &answered[i];
                    format!("{}.{}", a.contract, a.field.key)
                });
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
                            |q| top_two(&index, &answered, &q.text),
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
    Ok(r)
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
            test.precision() >= 0.70 && test.recall() >= 0.54,
            "held out: {}",
            figures(&test)
        );
        let dev = evaluate(DEV_SET, &contracts, THRESHOLD, MARGIN).unwrap();
        assert!(
            dev.precision() >= 0.80 && dev.recall() >= 0.60,
            "dev: {}",
            figures(&dev)
        );
    }

    #[test]
    fn a_broken_line_is_named() {
        let err = evaluate("\n{\"case\":", &seeded_contracts(), THRESHOLD, MARGIN).unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
    }
}
