//! What changed between two versions of a contract, in the words a reviewer
//! reads: fields added, removed or changed attribute by attribute (old →
//! new), the guidance, the SLAs, the reason codes and the attestation
//! questions. Pure: two definitions in, a list of differences out.

use crate::contract::{ContractDef, Gate};
use crate::field::{FieldDef, FieldType, Owner, Side};
use crate::id::FieldKey;

/// The part of a contract a difference is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Title, teams, gate, follow-through, field order.
    Contract,
    /// Leak mode, fix, concrete test.
    Guidance,
    /// One field.
    Field,
    /// A time limit.
    Sla,
    /// A rejection reason code.
    ReasonCode,
    /// An attestation question.
    Attestation,
}

impl Section {
    /// The section's name for people.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contract => "contract",
            Self::Guidance => "guidance",
            Self::Field => "field",
            Self::Sla => "SLA",
            Self::ReasonCode => "reason code",
            Self::Attestation => "attestation question",
        }
    }
}

/// How one thing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// It is new; the text describes it.
    Added(String),
    /// It is gone; the text describes what it was.
    Removed(String),
    /// One of its attributes changed.
    Changed {
        /// Which attribute, e.g. `help` or `required`.
        attribute: &'static str,
        /// Before.
        old: String,
        /// After.
        new: String,
    },
}

/// One difference between two versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Where it is.
    pub section: Section,
    /// What it is about: a field key, `leak mode`, `acceptance`, a code…
    pub subject: String,
    /// How it changed.
    pub change: Change,
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

fn gate_name(g: Gate) -> &'static str {
    match g {
        Gate::Commission => "commission",
        Gate::Stage => "stage",
        Gate::Queue => "queue",
    }
}

fn owner_name(o: Owner) -> &'static str {
    match o {
        Owner::Sender => "sender",
        Owner::Receiver => "receiver",
    }
}

fn options(kind: &FieldType) -> Option<&[String]> {
    match kind {
        FieldType::Enum { options } | FieldType::MultiEnum { options } => Some(options),
        _ => None,
    }
}

fn min_len(m: Option<u32>) -> String {
    m.map_or_else(|| "none".to_string(), |m| m.to_string())
}

fn carried(f: &FieldDef) -> String {
    f.carried_from
        .as_ref()
        .map_or_else(|| "none".into(), |c| format!("{}.{}", c.contract, c.field))
}

/// A field in one line: `Label (long_text, required, min 15, sender)`.
pub fn describe_field(f: &FieldDef) -> String {
    let mut parts = vec![f.kind.name().to_string()];
    if let Some(o) = options(&f.kind) {
        parts.push(format!("options: {}", o.join(", ")));
    }
    parts.push(if f.required { "required" } else { "optional" }.into());
    if let Some(m) = f.min_len {
        parts.push(format!("min {m}"));
    }
    parts.push(format!("filled by {}", owner_name(f.owner)));
    if f.carried_from.is_some() {
        parts.push(format!("carried from {}", carried(f)));
    }
    if f.sensitive {
        parts.push("sensitive".into());
    }
    if let Some(e) = f.expects {
        parts.push(format!("expects a {}", e.as_str()));
    }
    if let Some(e) = f.needs {
        parts.push(format!("needs a {}", e.as_str()));
    }
    if let Some(side) = f.member_of {
        parts.push(format!("names a member of the {}", side_name(side)));
    }
    format!("{} ({})", f.label, parts.join(", "))
}

/// Collects differences under one section and subject.
struct Out(Vec<Difference>);

impl Out {
    fn changed(
        &mut self,
        section: Section,
        subject: &str,
        attribute: &'static str,
        old: String,
        new: String,
    ) {
        if old != new {
            self.0.push(Difference {
                section,
                subject: subject.to_string(),
                change: Change::Changed {
                    attribute,
                    old,
                    new,
                },
            });
        }
    }

    fn push(&mut self, section: Section, subject: &str, change: Change) {
        self.0.push(Difference {
            section,
            subject: subject.to_string(),
            change,
        });
    }
}

fn field_changes(out: &mut Out, old: &FieldDef, new: &FieldDef) {
    let (s, k) = (Section::Field, new.key.as_str());
    out.changed(s, k, "label", old.label.clone(), new.label.clone());
    out.changed(s, k, "help", old.help.clone(), new.help.clone());
    out.changed(s, k, "type", old.kind.name().into(), new.kind.name().into());
    if let (Some(a), Some(b)) = (options(&old.kind), options(&new.kind)) {
        out.changed(s, k, "options", a.join(", "), b.join(", "));
    }
    out.changed(s, k, "required", yes_no(old.required), yes_no(new.required));
    out.changed(
        s,
        k,
        "min length",
        min_len(old.min_len),
        min_len(new.min_len),
    );
    out.changed(
        s,
        k,
        "filled by",
        owner_name(old.owner).into(),
        owner_name(new.owner).into(),
    );
    out.changed(s, k, "carried from", carried(old), carried(new));
    out.changed(
        s,
        k,
        "sensitive",
        yes_no(old.sensitive),
        yes_no(new.sensitive),
    );
    out.changed(s, k, "expects", expects(old), expects(new));
    out.changed(s, k, "needs", needs(old), needs(new));
    out.changed(s, k, "member of", member_of(old), member_of(new));
}

fn expects(f: &FieldDef) -> String {
    f.expects.map_or("nothing", |e| e.as_str()).to_string()
}

fn needs(f: &FieldDef) -> String {
    f.needs.map_or("nothing", |e| e.as_str()).to_string()
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::SendingTeam => "sending team",
    }
}

fn member_of(f: &FieldDef) -> String {
    f.member_of.map_or("anyone", side_name).to_string()
}

/// Items of `old` missing from `new` as removals, then items of `new`
/// missing from `old` as additions, each in its list's order.
fn list_changes(out: &mut Out, section: Section, old: &[String], new: &[String]) {
    for o in old.iter().filter(|o| !new.contains(o)) {
        out.push(section, o, Change::Removed(o.clone()));
    }
    for n in new.iter().filter(|n| !old.contains(n)) {
        out.push(section, n, Change::Added(n.clone()));
    }
}

/// Every difference from `old` to `new`, in the order a reviewer reads a
/// contract: the contract itself, its guidance, its fields, SLAs, reason
/// codes, attestation questions. Identical definitions give none.
pub fn diff(old: &ContractDef, new: &ContractDef) -> Vec<Difference> {
    let mut out = Out(Vec::new());
    let c = Section::Contract;
    out.changed(c, "contract", "title", old.title.clone(), new.title.clone());
    out.changed(
        c,
        "contract",
        "sending team",
        old.sending_team.to_string(),
        new.sending_team.to_string(),
    );
    let teams = |d: &ContractDef| {
        d.receiving_teams
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    out.changed(c, "contract", "receiving teams", teams(old), teams(new));
    out.changed(
        c,
        "contract",
        "gate",
        gate_name(old.gate).into(),
        gate_name(new.gate).into(),
    );
    out.changed(
        c,
        "contract",
        "follow-through",
        yes_no(old.follow_through),
        yes_no(new.follow_through),
    );

    let g = Section::Guidance;
    let (og, ng) = (&old.guidance, &new.guidance);
    out.changed(
        g,
        "leak mode",
        "text",
        og.leak_mode.clone(),
        ng.leak_mode.clone(),
    );
    out.changed(g, "fix", "text", og.fix.clone(), ng.fix.clone());
    out.changed(
        g,
        "concrete test",
        "text",
        og.concrete_test.clone(),
        ng.concrete_test.clone(),
    );

    for o in &old.fields {
        match new.field(o.key.as_str()) {
            Some(n) => field_changes(&mut out, o, n),
            None => out.push(
                Section::Field,
                o.key.as_str(),
                Change::Removed(describe_field(o)),
            ),
        }
    }
    for n in new
        .fields
        .iter()
        .filter(|n| old.field(n.key.as_str()).is_none())
    {
        out.push(
            Section::Field,
            n.key.as_str(),
            Change::Added(describe_field(n)),
        );
    }
    // Fields kept in both versions but filled in another order.
    let kept = |from: &ContractDef, other: &ContractDef| {
        from.fields
            .iter()
            .filter(|f| other.field(f.key.as_str()).is_some())
            .map(|f| f.key.to_string())
            .collect::<Vec<_>>()
    };
    out.changed(
        c,
        "fields",
        "order",
        kept(old, new).join(", "),
        kept(new, old).join(", "),
    );

    let hours = |h: Option<u32>| h.map_or_else(|| "none".to_string(), |h| format!("{h} h"));
    let (os, ns) = (&old.slas, &new.slas);
    out.changed(
        Section::Sla,
        "acceptance",
        "hours",
        hours(Some(os.acceptance_hours)),
        hours(Some(ns.acceptance_hours)),
    );
    out.changed(
        Section::Sla,
        "acknowledgment",
        "hours",
        hours(os.ack_hours),
        hours(ns.ack_hours),
    );
    let field = |k: Option<&FieldKey>| k.map_or_else(|| "none".to_string(), ToString::to_string);
    out.changed(
        Section::Sla,
        "first touch",
        "hours field",
        field(os.first_touch_field.as_ref()),
        field(ns.first_touch_field.as_ref()),
    );

    let (of, nf) = (&old.filler, &new.filler);
    let f = Section::Contract;
    out.changed(
        f,
        "filler",
        "placeholders",
        of.placeholders.join(", "),
        nf.placeholders.join(", "),
    );
    out.changed(
        f,
        "filler",
        "allowed",
        of.allowed.join(", "),
        nf.allowed.join(", "),
    );
    out.changed(
        f,
        "filler",
        "repeats allowed",
        yes_no(of.allow_repeats),
        yes_no(nf.allow_repeats),
    );
    out.changed(
        f,
        "filler",
        "hints are gates",
        yes_no(of.hints_are_gates),
        yes_no(nf.hints_are_gates),
    );

    list_changes(
        &mut out,
        Section::ReasonCode,
        &old.reason_codes,
        &new.reason_codes,
    );
    list_changes(
        &mut out,
        Section::Attestation,
        &old.attestation_questions,
        &new.attestation_questions,
    );
    out.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::FieldKey;

    fn onboarding() -> ContractDef {
        crate::contract::seed::seeded("ae-to-onboarding").unwrap()
    }

    fn changed(
        section: Section,
        subject: &str,
        attribute: &'static str,
        old: &str,
        new: &str,
    ) -> Difference {
        Difference {
            section,
            subject: subject.into(),
            change: Change::Changed {
                attribute,
                old: old.into(),
                new: new.into(),
            },
        }
    }

    #[test]
    fn identical_versions_have_no_differences() {
        assert_eq!(diff(&onboarding(), &onboarding()), vec![]);
    }

    #[test]
    fn a_fields_help_and_required_flag_are_two_differences_naming_old_and_new() {
        let old = onboarding();
        let mut new = old.clone();
        new.fields[1].help = "Who backs the project, and how firmly.".into();
        new.fields[1].required = false;
        assert_eq!(
            diff(&old, &new),
            vec![
                changed(
                    Section::Field,
                    "champion_map",
                    "help",
                    &old.fields[1].help,
                    "Who backs the project, and how firmly."
                ),
                changed(Section::Field, "champion_map", "required", "yes", "no"),
            ]
        );
    }

    #[test]
    fn added_and_removed_fields_are_described() {
        let old = onboarding();
        let mut new = old.clone();
        let gone = new.fields.remove(0);
        let mut added = gone.clone();
        added.key = FieldKey::parse("procurement_path").unwrap();
        added.label = "Procurement path".into();
        added.min_len = None;
        added.expects = None;
        added.kind = FieldType::Enum {
            options: vec!["direct".into(), "reseller".into()],
        };
        new.fields.push(added);
        let d = diff(&old, &new);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].subject, "economic_buyer");
        assert!(matches!(&d[0].change, Change::Removed(t) if t.starts_with("Economic buyer")));
        assert_eq!(d[1].subject, "procurement_path");
        assert_eq!(
            d[1].change,
            Change::Added(
                "Procurement path (enum, options: direct, reseller, required, filled by sender)"
                    .into()
            )
        );
    }

    #[test]
    fn filler_rules_and_expectations_are_reviewed_like_fields() {
        let old = onboarding();
        let mut new = old.clone();
        new.filler.placeholders.push("ask legal".into());
        new.filler.hints_are_gates = true;
        new.fields[0].expects = None;
        let d: Vec<String> = diff(&old, &new)
            .iter()
            .map(|d| format!("{}: {:?}", d.subject, d.change))
            .collect();
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(
            d[0].contains("economic_buyer") && d[0].contains("person"),
            "{d:?}"
        );
        assert!(
            d[1].starts_with("filler") && d[1].contains("ask legal"),
            "{d:?}"
        );
        assert!(
            d[2].starts_with("filler") && d[2].contains("hints are gates"),
            "{d:?}"
        );
    }

    #[test]
    fn what_a_field_needs_and_whose_member_it_names_are_reviewed() {
        let old = onboarding();
        let mut new = old.clone();
        new.fields[0].needs = Some(crate::field::Expect::Strength);
        new.fields[0].member_of = Some(Side::SendingTeam);
        let d: Vec<String> = diff(&old, &new)
            .iter()
            .map(|d| format!("{}: {:?}", d.subject, d.change))
            .collect();
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].contains("needs") && d[0].contains("strength"), "{d:?}");
        assert!(
            d[1].contains("member of") && d[1].contains("sending team"),
            "{d:?}"
        );
        assert!(describe_field(&new.fields[0]).contains("names a member of the sending team"));
    }

    #[test]
    fn guidance_slas_reason_codes_and_questions_are_compared() {
        let old = onboarding();
        let mut new = old.clone();
        new.guidance.fix = "Pay on acceptance.".into();
        new.slas.acceptance_hours = 24;
        new.slas.ack_hours = Some(4);
        new.reason_codes.retain(|c| c != "duplicate");
        new.reason_codes.push("no_budget".into());
        new.attestation_questions
            .push("Who owns the renewal?".into());
        let d = diff(&old, &new);
        assert_eq!(
            d,
            vec![
                changed(
                    Section::Guidance,
                    "fix",
                    "text",
                    &old.guidance.fix,
                    "Pay on acceptance."
                ),
                changed(
                    Section::Sla,
                    "acceptance",
                    "hours",
                    &format!("{} h", old.slas.acceptance_hours),
                    "24 h"
                ),
                changed(Section::Sla, "acknowledgment", "hours", "none", "4 h"),
                Difference {
                    section: Section::ReasonCode,
                    subject: "duplicate".into(),
                    change: Change::Removed("duplicate".into()),
                },
                Difference {
                    section: Section::ReasonCode,
                    subject: "no_budget".into(),
                    change: Change::Added("no_budget".into()),
                },
                Difference {
                    section: Section::Attestation,
                    subject: "Who owns the renewal?".into(),
                    change: Change::Added("Who owns the renewal?".into()),
                },
            ]
        );
    }

    #[test]
    fn options_order_and_type_changes_are_named() {
        let old = onboarding();
        let mut new = old.clone();
        new.fields.swap(0, 1);
        new.fields[2].kind = FieldType::Text;
        let d = diff(&old, &new);
        let attrs: Vec<_> = d
            .iter()
            .map(|x| match &x.change {
                Change::Changed { attribute, .. } => (x.subject.as_str(), *attribute),
                _ => (x.subject.as_str(), "?"),
            })
            .collect();
        assert!(attrs.contains(&("fields", "order")), "{attrs:?}");
        assert!(
            attrs.contains(&(new.fields[2].key.as_str(), "type")),
            "{attrs:?}"
        );
    }
}
