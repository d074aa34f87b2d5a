//! The contract editor's form and the proposal form, both ways: a
//! definition shown as form values, and posted form values turned back into
//! a definition (the current one plus what the form changed). Values stay
//! text until [`Draft::build`], so a form with an error is shown again with
//! exactly what the person typed. Coherence (labels, SLAs, minimum lengths
//! on non-text types…) is the domain's to judge when the version is
//! published; this module only parses.

use baton_domain::contract::ContractDef;
use baton_domain::field::{Expect, FieldDef, FieldType, Owner};
use baton_domain::{DomainError, FieldKey};
use serde_json::json;

use crate::ui::Fields;

/// The field types people can pick, with their names in the form.
pub const TYPES: &[(&str, &str)] = &[
    ("text", "Text (one line)"),
    ("long_text", "Long text"),
    ("number", "Number"),
    ("money", "Money"),
    ("date", "Date"),
    ("datetime", "Date and time"),
    ("enum", "One of a list"),
    ("multi_enum", "Several of a list"),
    ("url", "Link"),
    ("bool", "Yes / no"),
    ("confidence", "Confidence 0–100"),
    ("person", "Person"),
    ("people", "People (one per line)"),
    ("hypothesis", "Hypothesis + confidence"),
];

/// An input the person must correct, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormError {
    /// The `id` (and `name`) of the input at fault.
    pub input: String,
    /// A sentence naming the input and what is wrong.
    pub message: String,
}

impl FormError {
    fn new(input: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            input: input.into(),
            message: message.into(),
        }
    }
}

/// The form's names for a field's inputs: `f-{key}-{part}`.
pub fn input(key: &str, part: &str) -> String {
    format!("f-{key}-{part}")
}

/// One existing field as the editor shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftField {
    /// Its key (not editable: handoffs refer to it).
    pub key: String,
    /// Its type's name.
    pub kind: String,
    /// Whether a minimum length applies to its type.
    pub textual: bool,
    /// `sender` or `receiver`.
    pub owner: &'static str,
    /// Label as typed.
    pub label: String,
    /// Help text as typed.
    pub help: String,
    /// Required.
    pub required: bool,
    /// Minimum length as typed (blank for none).
    pub min_len: String,
    /// What a specific answer contains (`date`, `person`, `amount`,
    /// `number`), blank for nothing.
    pub expects: String,
}

/// What the expectation select offers: (value, what people read).
pub const EXPECTS: &[(&str, &str)] = &[
    ("", "—"),
    ("date", "a date"),
    ("person", "a name"),
    ("amount", "an amount"),
    ("number", "a number"),
];

/// A field to add (the editor) or to propose (the proposal form), as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewField {
    /// Key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Type name, blank for "as today" (proposals) or long text.
    pub kind: String,
    /// Options, one per line (enum types).
    pub options: String,
    /// Help text.
    pub help: String,
    /// `yes`, `no`, or blank for "as today" (new fields: yes).
    pub required: String,
    /// Minimum length, blank for none (or as today).
    pub min_len: String,
    /// `sender` or `receiver`.
    pub owner: String,
}

impl NewField {
    /// The values posted under `prefix` (`new-` or `p-`).
    pub fn from_form(f: &Fields, prefix: &str) -> Self {
        let get = |name: &str| {
            f.get(&format!("{prefix}{name}"))
                .unwrap_or_default()
                .to_string()
        };
        Self {
            key: get("key"),
            label: get("label"),
            kind: get("type"),
            options: get("options"),
            help: get("help"),
            required: get("required"),
            min_len: get("min"),
            owner: get("owner"),
        }
    }

    fn is_blank(&self) -> bool {
        self.key.is_empty() && self.label.is_empty() && self.help.is_empty()
    }

    /// The field definition, or `None` when nothing was typed. A key the
    /// contract already has is refused unless `rewording` (a proposal may
    /// reword an existing field; blanks then keep what it says today).
    pub fn parse(
        &self,
        current: &ContractDef,
        prefix: &str,
        rewording: bool,
    ) -> Result<Option<FieldDef>, FormError> {
        if self.is_blank() {
            return Ok(None);
        }
        let at = |name: &str| format!("{prefix}{name}");
        if self.key.is_empty() {
            return Err(FormError::new(
                at("key"),
                "Field key: give the field a key, e.g. procurement_path",
            ));
        }
        let key = FieldKey::parse(self.key.as_str())
            .map_err(|e| FormError::new(at("key"), format!("Field key: {}", why(&e))))?;
        let existing = current.field(key.as_str());
        if existing.is_some() && !rewording {
            return Err(FormError::new(
                at("key"),
                format!(
                    "Field key: '{key}' is already a field of this contract; edit it in the table above"
                ),
            ));
        }
        let label = match (self.label.as_str(), existing) {
            ("", Some(e)) => e.label.clone(),
            ("", None) => {
                return Err(FormError::new(
                    at("label"),
                    format!("Label: the new field '{key}' needs a label"),
                ));
            }
            (l, _) => l.to_string(),
        };
        let help = match (self.help.as_str(), existing) {
            ("", Some(e)) => e.help.clone(),
            (h, _) => h.to_string(),
        };
        let kind = match (self.kind.as_str(), existing) {
            ("", Some(e)) => e.kind.clone(),
            ("", None) => FieldType::LongText,
            (name, _) => {
                field_type(name, &self.options).map_err(|m| FormError::new(at(m.0), m.1))?
            }
        };
        let required = match (self.required.as_str(), existing) {
            ("", Some(e)) => e.required,
            ("no", _) => false,
            _ => true,
        };
        let min_len = match (self.min_len.as_str(), existing) {
            ("", Some(e)) => e.min_len,
            (raw, _) => min_len(raw, &at("min"), &label)?,
        };
        let owner = match (self.owner.as_str(), existing) {
            ("receiver", _) => Owner::Receiver,
            ("sender", _) => Owner::Sender,
            (_, Some(e)) => e.owner,
            (_, None) => Owner::Sender,
        };
        Ok(Some(FieldDef {
            key,
            label,
            help,
            kind,
            required,
            min_len,
            owner,
            carried_from: existing.and_then(|e| e.carried_from.clone()),
            sensitive: existing.is_some_and(|e| e.sensitive),
            expects: existing.and_then(|e| e.expects),
            needs: existing.and_then(|e| e.needs),
            member_of: existing.and_then(|e| e.member_of),
            asked_as: existing.map(|e| e.asked_as.clone()).unwrap_or_default(),
            prefill: existing.and_then(|e| e.prefill),
        }))
    }
}

/// The domain's reason, without the "invalid field key 'x':" prefix the
/// form already says.
fn why(e: &DomainError) -> String {
    match e {
        DomainError::InvalidId { value, why, .. } => format!("'{value}' {why}"),
        other => other.to_string(),
    }
}

/// A type from its name; enum types take their options, one per line.
/// On error: the input part at fault and the message.
fn field_type(name: &str, options: &str) -> Result<FieldType, (&'static str, String)> {
    if !TYPES.iter().any(|(n, _)| *n == name) {
        return Err(("type", format!("Type: '{name}' is not a field type")));
    }
    let options: Vec<String> = lines(options);
    let v = if matches!(name, "enum" | "multi_enum") {
        if options.is_empty() {
            return Err((
                "options",
                "Options: a list type needs its options, one per line".into(),
            ));
        }
        json!({"type": name, "options": options})
    } else {
        json!({"type": name})
    };
    serde_json::from_value(v).map_err(|e| ("type", format!("Type: {e}")))
}

/// Blank for none; otherwise a whole number of characters.
fn min_len(raw: &str, input: &str, label: &str) -> Result<Option<u32>, FormError> {
    let raw = raw.trim();
    if raw.is_empty() || raw == "0" {
        return Ok(None);
    }
    raw.parse::<u32>().map(Some).map_err(|_| {
        FormError::new(
            input,
            format!("Minimum length of '{label}': '{raw}' is not a whole number of characters"),
        )
    })
}

/// Non-blank lines, trimmed.
fn lines(raw: &str) -> Vec<String> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// The editor's form: a draft of the next version, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// The version the draft was started from.
    pub base_version: u32,
    /// Leak mode.
    pub leak_mode: String,
    /// Fix.
    pub fix: String,
    /// Concrete test.
    pub concrete_test: String,
    /// The existing fields.
    pub fields: Vec<DraftField>,
    /// A field to add.
    pub new_field: NewField,
    /// Reason codes, one per line.
    pub reason_codes: String,
    /// Acceptance SLA in hours.
    pub acceptance_hours: String,
    /// Acknowledgment SLA in hours (blank for none).
    pub ack_hours: String,
    /// Whether the contract has follow-through (so an ack SLA applies).
    pub follow_through: bool,
    /// Attestation questions, one per line.
    pub questions: String,
    /// More placeholders to refuse, one per line.
    pub filler_placeholders: String,
    /// Built-in placeholders that are real answers here, one per line.
    pub filler_allowed: String,
    /// The same text may stand in two fields.
    pub allow_repeats: bool,
    /// Specificity hints are gates.
    pub hints_are_gates: bool,
}

fn owner_name(o: Owner) -> &'static str {
    match o {
        Owner::Sender => "sender",
        Owner::Receiver => "receiver",
    }
}

impl Draft {
    /// The form filled with version `version` of a contract.
    pub fn of(def: &ContractDef, version: u32) -> Self {
        Self {
            base_version: version,
            leak_mode: def.guidance.leak_mode.clone(),
            fix: def.guidance.fix.clone(),
            concrete_test: def.guidance.concrete_test.clone(),
            fields: def
                .fields
                .iter()
                .map(|f| DraftField {
                    key: f.key.to_string(),
                    kind: f.kind.name().to_string(),
                    textual: f.kind.is_textual(),
                    owner: owner_name(f.owner),
                    label: f.label.clone(),
                    help: f.help.clone(),
                    required: f.required,
                    min_len: f.min_len.map(|m| m.to_string()).unwrap_or_default(),
                    expects: f
                        .expects
                        .map(|e| e.as_str().to_string())
                        .unwrap_or_default(),
                })
                .collect(),
            new_field: NewField {
                required: "yes".into(),
                kind: "long_text".into(),
                owner: "sender".into(),
                ..NewField::default()
            },
            reason_codes: def.reason_codes.join("\n"),
            acceptance_hours: def.slas.acceptance_hours.to_string(),
            ack_hours: def
                .slas
                .ack_hours
                .map(|h| h.to_string())
                .unwrap_or_default(),
            follow_through: def.follow_through,
            questions: def.attestation_questions.join("\n"),
            filler_placeholders: def.filler.placeholders.join("\n"),
            filler_allowed: def.filler.allowed.join("\n"),
            allow_repeats: def.filler.allow_repeats,
            hints_are_gates: def.filler.hints_are_gates,
        }
    }

    /// The posted form over the fields of `current` (an unchecked box is not
    /// posted, so the fields to read come from the definition).
    pub fn from_form(current: &ContractDef, f: &Fields) -> Self {
        // Text areas keep their inner line breaks; only the ends are trimmed.
        let text = |name: &str| f.get(name).unwrap_or_default().to_string();
        Self {
            base_version: f
                .get("base_version")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            leak_mode: text("leak_mode"),
            fix: text("fix"),
            concrete_test: text("concrete_test"),
            fields: current
                .fields
                .iter()
                .map(|d| {
                    let k = d.key.as_str();
                    DraftField {
                        key: k.to_string(),
                        kind: d.kind.name().to_string(),
                        textual: d.kind.is_textual(),
                        owner: owner_name(d.owner),
                        label: text(&input(k, "label")),
                        help: text(&input(k, "help")),
                        required: f.get(&input(k, "required")).is_some(),
                        min_len: text(&input(k, "min")),
                        expects: text(&input(k, "expects")),
                    }
                })
                .collect(),
            new_field: NewField::from_form(f, "new-"),
            reason_codes: text("reason_codes"),
            acceptance_hours: text("acceptance_hours"),
            ack_hours: text("ack_hours"),
            follow_through: current.follow_through,
            questions: text("questions"),
            filler_placeholders: text("filler_placeholders"),
            filler_allowed: text("filler_allowed"),
            allow_repeats: f.get("allow_repeats").is_some(),
            hints_are_gates: f.get("hints_are_gates").is_some(),
        }
    }

    /// The next version: `current` with what the form changed. Parsing
    /// errors name the input; the domain judges the result when published.
    pub fn build(&self, current: &ContractDef) -> Result<ContractDef, FormError> {
        let mut def = current.clone();
        def.guidance.leak_mode.clone_from(&self.leak_mode);
        def.guidance.fix.clone_from(&self.fix);
        def.guidance.concrete_test.clone_from(&self.concrete_test);
        for d in &self.fields {
            let Some(f) = def.fields.iter_mut().find(|f| f.key.as_str() == d.key) else {
                continue;
            };
            f.label.clone_from(&d.label);
            f.help.clone_from(&d.help);
            f.required = d.required;
            // A type without a length keeps none: its input is not shown.
            if d.textual {
                f.min_len = min_len(&d.min_len, &input(&d.key, "min"), &d.label)?;
            }
            f.expects = match d.expects.trim() {
                "" => None,
                raw => Some(Expect::parse(raw).ok_or_else(|| {
                    FormError::new(
                        input(&d.key, "expects"),
                        format!(
                            "{}: '{raw}' is not one of date, person, amount, number, strength",
                            d.label
                        ),
                    )
                })?),
            };
        }
        if let Some(added) = self.new_field.parse(current, "new-", false)? {
            def.fields.push(added);
        }
        def.reason_codes = lines(&self.reason_codes);
        def.slas.acceptance_hours =
            hours(&self.acceptance_hours, "acceptance_hours", "Acceptance SLA")?.ok_or_else(
                || {
                    FormError::new(
                        "acceptance_hours",
                        "Acceptance SLA: give the hours a receiver has to decide",
                    )
                },
            )?;
        if self.follow_through || current.slas.ack_hours.is_some() {
            def.slas.ack_hours = hours(&self.ack_hours, "ack_hours", "Acknowledgment SLA")?;
        }
        def.attestation_questions = lines(&self.questions);
        def.filler.placeholders = lines(&self.filler_placeholders);
        def.filler.allowed = lines(&self.filler_allowed);
        def.filler.allow_repeats = self.allow_repeats;
        def.filler.hints_are_gates = self.hints_are_gates;
        Ok(def)
    }
}

fn hours(raw: &str, input: &str, what: &str) -> Result<Option<u32>, FormError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<u32>().map(Some).map_err(|_| {
        FormError::new(
            input,
            format!("{what}: '{raw}' is not a whole number of hours"),
        )
    })
}

#[cfg(test)]
mod tests {
    use baton_domain::contract::seed::seeded_contracts;

    use super::*;

    fn contract(key: &str) -> ContractDef {
        baton_domain::contract::seed::seeded(key).unwrap()
    }

    /// The form as a browser posts the draft: every input, boxes only when
    /// checked.
    fn posted(d: &Draft) -> Fields {
        let mut f = vec![
            ("base_version".to_string(), d.base_version.to_string()),
            ("leak_mode".into(), d.leak_mode.clone()),
            ("fix".into(), d.fix.clone()),
            ("concrete_test".into(), d.concrete_test.clone()),
            ("reason_codes".into(), d.reason_codes.clone()),
            ("acceptance_hours".into(), d.acceptance_hours.clone()),
            ("ack_hours".into(), d.ack_hours.clone()),
            ("questions".into(), d.questions.clone()),
            ("filler_placeholders".into(), d.filler_placeholders.clone()),
            ("filler_allowed".into(), d.filler_allowed.clone()),
        ];
        for (name, on) in [
            ("allow_repeats", d.allow_repeats),
            ("hints_are_gates", d.hints_are_gates),
        ] {
            if on {
                f.push((name.into(), "on".into()));
            }
        }
        for x in &d.fields {
            f.push((input(&x.key, "label"), x.label.clone()));
            f.push((input(&x.key, "help"), x.help.clone()));
            f.push((input(&x.key, "min"), x.min_len.clone()));
            f.push((input(&x.key, "expects"), x.expects.clone()));
            if x.required {
                f.push((input(&x.key, "required"), "on".into()));
            }
        }
        let n = &d.new_field;
        for (k, v) in [
            ("key", &n.key),
            ("label", &n.label),
            ("type", &n.kind),
            ("options", &n.options),
            ("help", &n.help),
            ("required", &n.required),
            ("min", &n.min_len),
            ("owner", &n.owner),
        ] {
            f.push((format!("new-{k}"), v.clone()));
        }
        Fields(f)
    }

    #[test]
    fn an_untouched_form_builds_the_current_definition_for_every_seeded_contract() {
        for def in seeded_contracts() {
            let draft = Draft::from_form(&def, &posted(&Draft::of(&def, 3)));
            assert_eq!(draft.base_version, 3);
            assert_eq!(draft.build(&def).unwrap(), def, "{}", def.key);
        }
    }

    #[test]
    fn edits_to_a_field_and_a_new_field_land_in_the_definition() {
        let def = contract("ae-to-onboarding");
        let mut d = Draft::of(&def, 1);
        d.fields[1].help = "Who backs it.".into();
        d.fields[1].required = false;
        d.fields[0].min_len = "40".into();
        d.new_field.key = "procurement_path".into();
        d.new_field.label = "Procurement path".into();
        d.new_field.kind = "enum".into();
        d.new_field.options = "direct\n\n reseller \n".into();
        d.reason_codes = "missing_context\n  no_budget  \n".into();
        d.acceptance_hours = "24".into();
        let next = Draft::from_form(&def, &posted(&d)).build(&def).unwrap();
        assert_eq!(next.fields[1].help, "Who backs it.");
        assert!(!next.fields[1].required);
        assert_eq!(next.fields[0].min_len, Some(40));
        let added = next.field("procurement_path").unwrap();
        assert_eq!(
            added.kind,
            FieldType::Enum {
                options: vec!["direct".into(), "reseller".into()]
            }
        );
        assert!(added.required && added.owner == Owner::Sender);
        assert_eq!(next.reason_codes, vec!["missing_context", "no_budget"]);
        assert_eq!(next.slas.acceptance_hours, 24);
        assert_eq!(next.slas.ack_hours, None);
    }

    #[test]
    fn filler_rules_and_expectations_round_trip_through_the_form() {
        let def = contract("ae-to-onboarding");
        let mut d = Draft::of(&def, 1);
        assert_eq!(
            d.fields[0].expects, "person",
            "economic_buyer expects a name"
        );
        d.filler_placeholders = "ask the AE\n\n in gong ".into();
        d.filler_allowed = "none".into();
        d.hints_are_gates = true;
        d.fields[0].expects = String::new();
        d.fields[3].expects = "number".into();
        let next = Draft::from_form(&def, &posted(&d)).build(&def).unwrap();
        assert_eq!(next.filler.placeholders, vec!["ask the AE", "in gong"]);
        assert_eq!(next.filler.allowed, vec!["none"]);
        assert!(next.filler.hints_are_gates && !next.filler.allow_repeats);
        assert_eq!(next.fields[0].expects, None);
        assert_eq!(next.fields[3].expects, Some(Expect::Number));
        assert_eq!(next.validate(), Ok(()));
        d.fields[3].expects = "soon".into();
        let err = Draft::from_form(&def, &posted(&d)).build(&def).unwrap_err();
        assert_eq!(err.input, input("success_criteria", "expects"));
        assert!(
            err.message.contains("'soon' is not one of"),
            "{}",
            err.message
        );
    }

    #[test]
    fn bad_input_names_the_input_and_what_is_wrong() {
        let def = contract("ae-to-onboarding");
        let fail = |edit: &dyn Fn(&mut Draft)| {
            let mut d = Draft::of(&def, 1);
            edit(&mut d);
            Draft::from_form(&def, &posted(&d)).build(&def).unwrap_err()
        };
        let e = fail(&|d| d.fields[0].min_len = "lots".into());
        assert_eq!(e.input, "f-economic_buyer-min");
        assert!(e.message.contains("'lots' is not a whole number"), "{e:?}");
        let e = fail(&|d| d.acceptance_hours = "two days".into());
        assert_eq!(e.input, "acceptance_hours");
        let e = fail(&|d| d.acceptance_hours = String::new());
        assert_eq!(e.input, "acceptance_hours");
        let e = fail(&|d| {
            d.new_field.key = "economic_buyer".into();
            d.new_field.label = "Again".into();
        });
        assert_eq!(e.input, "new-key");
        assert!(e.message.contains("already a field"), "{e:?}");
        let e = fail(&|d| d.new_field.key = "Bad Key".into());
        assert_eq!(e.input, "new-key");
        assert!(e.message.contains("lowercase"), "{e:?}");
        let e = fail(&|d| d.new_field.key = "later".into());
        assert_eq!(e.input, "new-label");
        let e = fail(&|d| {
            d.new_field.key = "tier".into();
            d.new_field.label = "Tier".into();
            d.new_field.kind = "multi_enum".into();
        });
        assert_eq!(e.input, "new-options");
    }

    #[test]
    fn a_proposal_may_reword_an_existing_field_keeping_what_it_leaves_blank() {
        let def = contract("ae-to-onboarding");
        let p = NewField {
            key: "commitments".into(),
            help: "Side letters too, with their dates.".into(),
            ..NewField::default()
        };
        let f = p.parse(&def, "p-", true).unwrap().unwrap();
        let today = def.field("commitments").unwrap();
        assert_eq!(f.help, "Side letters too, with their dates.");
        assert_eq!(
            (
                f.label.as_str(),
                &f.kind,
                f.required,
                f.min_len,
                f.sensitive
            ),
            (
                today.label.as_str(),
                &today.kind,
                today.required,
                today.min_len,
                true
            )
        );
        assert_eq!(NewField::default().parse(&def, "p-", true), Ok(None));
    }
}
