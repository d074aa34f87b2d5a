//! Contract fields: their types, who owns them, and when a value counts as
//! filled. Every type has a JSON form (what the API stores) and a text form
//! (what a CSV cell holds); [`FieldDef::normalize`] accepts either and returns
//! the JSON form, so a stored value is always in one canonical shape.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::DomainError;
use crate::id::{ContractKey, FieldKey};
use crate::money::Money;

mod filler;
mod hint;

use filler::squash;
pub use filler::{FillerRules, PLACEHOLDERS, Unfilled};
pub use hint::Expect;

/// The type of a field's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FieldType {
    /// One line of text.
    Text,
    /// Free text of any length.
    LongText,
    /// A finite number.
    Number,
    /// An amount with currency: `{"minor","currency"}` or `48000.00 USD`.
    Money,
    /// A calendar date, `2026-10-01`.
    Date,
    /// An instant, `2026-10-01T09:00:00Z`.
    Datetime,
    /// One of a fixed list of options.
    Enum {
        /// The allowed options.
        options: Vec<String>,
    },
    /// Any number of a fixed list of options.
    MultiEnum {
        /// The allowed options.
        options: Vec<String>,
    },
    /// An http(s) link.
    Url,
    /// Yes or no.
    Bool,
    /// A confidence from 0 to 100.
    Confidence,
    /// A person: `{"name","role","email"}` or `Name (role)`.
    Person,
    /// People with role and reaction/strength, one per line as text:
    /// `Name (role): reaction`.
    People,
    /// A hypothesis with a confidence: `{"hypothesis","confidence"}` or
    /// `text (80%)`.
    Hypothesis,
}

impl FieldType {
    /// The type's name as written in contract definitions.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::LongText => "long_text",
            Self::Number => "number",
            Self::Money => "money",
            Self::Date => "date",
            Self::Datetime => "datetime",
            Self::Enum { .. } => "enum",
            Self::MultiEnum { .. } => "multi_enum",
            Self::Url => "url",
            Self::Bool => "bool",
            Self::Confidence => "confidence",
            Self::Person => "person",
            Self::People => "people",
            Self::Hypothesis => "hypothesis",
        }
    }

    /// Whether a minimum length makes sense: the type holds prose.
    pub fn is_textual(&self) -> bool {
        matches!(
            self,
            Self::Text | Self::LongText | Self::People | Self::Hypothesis | Self::Person
        )
    }
}

/// Which side of the handoff fills a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    /// The sending team fills it before submitting; it counts in the score.
    #[default]
    Sender,
    /// The receiving team fills it when accepting; acceptance needs it.
    Receiver,
}

/// A team a field's person must belong to, named by its place in the
/// contract (the team itself changes with the contract's version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The contract's sending team (cs-to-support's communication owner:
    /// always the CSM, never someone on the receiving team).
    SendingTeam,
}

impl Side {
    /// The name used in contract definitions.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SendingTeam => "sending_team",
        }
    }
}

/// Where a field's value is carried from: the same account's latest accepted
/// handoff of another contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRef {
    /// The earlier contract.
    pub contract: ContractKey,
    /// The field in it.
    pub field: FieldKey,
}

/// One field of a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// The key, stable across versions.
    pub key: FieldKey,
    /// What people see.
    pub label: String,
    /// What a good answer contains.
    #[serde(default)]
    pub help: String,
    /// The value's type.
    pub kind: FieldType,
    /// Whether the handoff needs it (counts in the score).
    #[serde(default)]
    pub required: bool,
    /// Minimum length in characters of the text, so "n/a" cannot pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_len: Option<u32>,
    /// Which side fills it.
    #[serde(default)]
    pub owner: Owner,
    /// Prefilled from an earlier handoff of the same account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carried_from: Option<FieldRef>,
    /// Only the sending and receiving teams and admins may read it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// What a specific answer contains (a date, a person, an amount, a
    /// number): checked as a hint, or a gate when the contract says so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expects: Option<Expect>,
    /// What the answer must contain to count at all (a champion map says how
    /// strongly each person backs the deal): unlike `expects`, never only a
    /// hint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs: Option<Expect>,
    /// The person named must be a member of this team of the contract, by
    /// email or by name (checked when the handoff is submitted and
    /// accepted, since membership lives outside the value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_of: Option<Side>,
    /// How people ask for this field's answer ("who signs?"): re-discovery
    /// detection matches questions in notes against these as well as the
    /// label and help text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asked_as: Vec<String>,
    /// Where the form may fill it from besides the sender's typing (the
    /// account's product usage for an adoption curve): offered, never
    /// written without the sender asking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<crate::usage::Prefill>,
}

impl FieldDef {
    fn invalid(&self, why: impl Into<String>) -> DomainError {
        DomainError::InvalidField {
            field: self.key.to_string(),
            why: why.into(),
        }
    }

    /// Turns a value given in JSON or text form into the canonical JSON form.
    /// `Ok(None)` means "no value" (null, empty text, empty list).
    pub fn normalize(&self, raw: &Value) -> Result<Option<Value>, DomainError> {
        if raw.is_null() {
            return Ok(None);
        }
        if let Value::String(s) = raw
            && s.trim().is_empty()
        {
            return Ok(None);
        }
        let v = match &self.kind {
            FieldType::Text | FieldType::LongText => match raw {
                Value::String(s) => Value::String(s.trim().to_string()),
                _ => return Err(self.invalid(format!("expected text, got {}", kind_of(raw)))),
            },
            FieldType::Number => match raw {
                Value::Number(_) => raw.clone(),
                Value::String(s) => {
                    let n: f64 = s
                        .trim()
                        .parse()
                        .map_err(|_| self.invalid(format!("'{s}' is not a number")))?;
                    number(n)
                        .ok_or_else(|| self.invalid(format!("'{s}' is not a finite number")))?
                }
                _ => return Err(self.invalid(format!("expected a number, got {}", kind_of(raw)))),
            },
            FieldType::Money => {
                let m: Money = match raw {
                    Value::String(s) => {
                        Money::parse_text(s).map_err(|e| self.invalid(e.to_string()))?
                    }
                    _ => {
                        let m: Money = serde_json::from_value(raw.clone()).map_err(|e| {
                            self.invalid(format!("expected {{\"minor\",\"currency\"}}: {e}"))
                        })?;
                        // The text form has no negative amounts; neither may
                        // the JSON form, or a value could not be written back.
                        Money::non_negative(m.minor, m.currency)
                            .map_err(|e| self.invalid(e.to_string()))?
                    }
                };
                json!({"minor": m.minor, "currency": m.currency.as_str()})
            }
            FieldType::Date => {
                let s = raw
                    .as_str()
                    .ok_or_else(|| self.invalid("expected a date such as 2026-10-01"))?;
                let d: jiff::civil::Date = s
                    .trim()
                    .parse()
                    .map_err(|_| self.invalid(format!("'{s}' is not a date such as 2026-10-01")))?;
                Value::String(d.to_string())
            }
            FieldType::Datetime => {
                let s = raw
                    .as_str()
                    .ok_or_else(|| self.invalid("expected a time such as 2026-10-01T09:00:00Z"))?;
                let t: jiff::Timestamp = s.trim().parse().map_err(|_| {
                    self.invalid(format!("'{s}' is not a time such as 2026-10-01T09:00:00Z"))
                })?;
                Value::String(t.to_string())
            }
            FieldType::Enum { options } => {
                let s = raw
                    .as_str()
                    .ok_or_else(|| self.invalid("expected one of the options as text"))?;
                Value::String(pick_option(options, s).ok_or_else(|| {
                    self.invalid(format!("'{s}' is not one of: {}", options.join(", ")))
                })?)
            }
            FieldType::MultiEnum { options } => {
                let items: Vec<String> = match raw {
                    Value::String(s) => s.lines().map(str::to_string).collect(),
                    Value::Array(a) => a
                        .iter()
                        .map(|v| {
                            v.as_str()
                                .map(str::to_string)
                                .ok_or_else(|| self.invalid("expected a list of options"))
                        })
                        .collect::<Result<_, _>>()?,
                    _ => return Err(self.invalid("expected a list of options")),
                };
                let mut picked = Vec::new();
                for item in items.iter().filter(|i| !i.trim().is_empty()) {
                    let o = pick_option(options, item).ok_or_else(|| {
                        self.invalid(format!("'{item}' is not one of: {}", options.join(", ")))
                    })?;
                    if !picked.contains(&o) {
                        picked.push(o);
                    }
                }
                if picked.is_empty() {
                    return Ok(None);
                }
                Value::Array(picked.into_iter().map(Value::String).collect())
            }
            FieldType::Url => {
                let s = raw
                    .as_str()
                    .ok_or_else(|| self.invalid("expected a link"))?
                    .trim();
                let ok = (s.starts_with("https://") || s.starts_with("http://"))
                    && s.len() > "https://".len()
                    && !s.contains(char::is_whitespace);
                if !ok {
                    return Err(self.invalid(format!("'{s}' is not an http(s) link")));
                }
                Value::String(s.to_string())
            }
            FieldType::Bool => match raw {
                Value::Bool(_) => raw.clone(),
                Value::String(s) => match s.trim().to_lowercase().as_str() {
                    "true" | "yes" | "y" | "1" => Value::Bool(true),
                    "false" | "no" | "n" | "0" => Value::Bool(false),
                    _ => return Err(self.invalid(format!("'{s}' is not yes/no"))),
                },
                _ => return Err(self.invalid("expected true or false")),
            },
            FieldType::Confidence => Value::from(self.confidence(raw)?),
            FieldType::Person => match raw {
                Value::String(s) => person_from_text(s, "email"),
                Value::Object(o) => self.object(o, &["name", "role", "email"])?,
                _ => return Err(self.invalid("expected a person, e.g. 'Dana Ortiz (CFO)'")),
            },
            FieldType::People => {
                let items: Vec<Value> = match raw {
                    Value::String(s) => s
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(|l| person_from_text(l, "reaction"))
                        .collect(),
                    Value::Array(a) => a
                        .iter()
                        .map(|p| match p {
                            Value::String(s) => Ok(person_from_text(s, "reaction")),
                            Value::Object(o) => self.object(o, &["name", "role", "reaction"]),
                            _ => Err(self.invalid("expected a list of people")),
                        })
                        .collect::<Result<_, _>>()?,
                    _ => return Err(self.invalid("expected a list of people, one per line")),
                };
                if items.is_empty() {
                    return Ok(None);
                }
                Value::Array(items)
            }
            FieldType::Hypothesis => match raw {
                Value::String(s) => hypothesis_from_text(s),
                Value::Object(o) => {
                    let h = self.object(o, &["hypothesis", "confidence"])?;
                    let mut h = h.as_object().cloned().unwrap_or_default();
                    if let Some(c) = o.get("confidence") {
                        h.insert("confidence".into(), Value::from(self.confidence(c)?));
                    }
                    Value::Object(h)
                }
                _ => {
                    return Err(self.invalid("expected a hypothesis, e.g. 'new VP of Sales (70%)'"));
                }
            },
        };
        Ok(Some(v))
    }

    fn confidence(&self, raw: &Value) -> Result<u8, DomainError> {
        let n = match raw {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().trim_end_matches('%').trim().parse::<f64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if (0.0..=100.0).contains(&n) && n.fract() == 0.0 => Ok(n as u8),
            _ => Err(self.invalid(format!("{raw} is not a confidence from 0 to 100"))),
        }
    }

    /// Keeps the known text members of an object, refusing unknown ones.
    fn object(&self, o: &Map<String, Value>, allowed: &[&str]) -> Result<Value, DomainError> {
        let mut out = Map::new();
        for (k, v) in o {
            if !allowed.contains(&k.as_str()) {
                return Err(self.invalid(format!(
                    "unknown member '{k}' (allowed: {})",
                    allowed.join(", ")
                )));
            }
            if k == "confidence" {
                out.insert(k.clone(), v.clone());
                continue;
            }
            match v {
                Value::String(s) if !s.trim().is_empty() => {
                    out.insert(k.clone(), Value::String(s.trim().to_string()));
                }
                Value::String(_) | Value::Null => {}
                _ => return Err(self.invalid(format!("'{k}' must be text"))),
            }
        }
        Ok(Value::Object(out))
    }

    /// The text a reader sees for a stored value (also the CSV text form).
    pub fn text_of(value: &Value) -> String {
        match value {
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(Self::text_of)
                .collect::<Vec<_>>()
                .join("\n"),
            Value::Object(o) => {
                if let Some(h) = o.get("hypothesis") {
                    let c = o
                        .get("confidence")
                        .map(|c| format!(" ({c}%)"))
                        .unwrap_or_default();
                    return format!("{}{c}", Self::text_of(h));
                }
                if let (Some(m), Some(c)) =
                    (o.get("minor").and_then(Value::as_i64), o.get("currency"))
                    && let Ok(money) =
                        serde_json::from_value::<Money>(json!({"minor": m, "currency": c}))
                {
                    return money.to_string();
                }
                let name = o.get("name").map(Self::text_of).unwrap_or_default();
                let role = o
                    .get("role")
                    .map(|r| format!(" ({})", Self::text_of(r)))
                    .unwrap_or_default();
                let extra = o
                    .get("reaction")
                    .map(|r| format!(": {}", Self::text_of(r)))
                    .or_else(|| o.get("email").map(|e| format!(" <{}>", Self::text_of(e))))
                    .unwrap_or_default();
                format!("{name}{role}{extra}")
            }
            Value::Null => String::new(),
            other => other.to_string(),
        }
    }

    /// The prose a minimum length and the filler rules judge.
    fn prose(value: &Value) -> String {
        match value {
            Value::Object(o) if o.contains_key("hypothesis") => {
                o.get("hypothesis").map(Self::text_of).unwrap_or_default()
            }
            // A person is named or not there: a role or an email alone
            // does not say who.
            Value::Object(o) if PERSON_KEYS.iter().any(|k| o.contains_key(*k)) => {
                o.get("name").map(Self::text_of).unwrap_or_default()
            }
            other => Self::text_of(other),
        }
    }

    /// Whether a (normalized) value counts as filled on its own, and if not,
    /// why. Repeats across fields need the whole handoff: see
    /// [`crate::handoff::completeness`].
    pub fn assess(&self, value: Option<&Value>, rules: &FillerRules) -> Result<(), Unfilled> {
        let Some(value) = value else {
            return Err(Unfilled::Empty);
        };
        if !self.kind.is_textual() {
            return Ok(());
        }
        let prose = Self::prose(value);
        // "Economic buyer: TBD" is the label and a placeholder.
        let answer = strip_label(&prose, &self.label);
        let squashed = squash(answer);
        if rules.is_filler(answer) {
            return Err(Unfilled::Placeholder {
                text: prose.trim().to_string(),
            });
        }
        // "Success criteria" for "Success criteria + measurable outcomes"
        // repeats the label as much as the whole of it does.
        let label_parts = std::iter::once(self.label.as_str())
            .chain(self.label.split(['+', '(', ')', '/', ',', '&']));
        if label_parts.map(squash).any(|p| p == squashed) {
            return Err(Unfilled::RepeatsLabel);
        }
        if !self.help.is_empty() && squashed == squash(&self.help) {
            return Err(Unfilled::RepeatsHelp);
        }
        self.has_its_parts(value, rules)?;
        if let Some(min) = self.min_len {
            let len = prose.trim().chars().count();
            if len < min as usize {
                return Err(Unfilled::TooShort { len, min });
            }
        }
        if let Some(needs) = self.needs
            && !needs.found_in(&Self::text_of(value))
        {
            return Err(Unfilled::Vague { expects: needs });
        }
        if rules.hints_are_gates
            && let Some(expects) = self.hint(Some(value))
        {
            return Err(Unfilled::Vague { expects });
        }
        Ok(())
    }

    /// What the type itself asks for beyond text: every person in a people
    /// list has a name, a role and a reaction (SPEC: a "people list with
    /// role and reaction/strength"); a hypothesis carries its confidence. A
    /// part that is filler ("Dana (CFO): TBD") is no part.
    fn has_its_parts(&self, value: &Value, rules: &FillerRules) -> Result<(), Unfilled> {
        match (&self.kind, value) {
            (FieldType::People, Value::Array(people)) => {
                for p in people {
                    let part = ["name", "role", "reaction"].into_iter().find(|k| {
                        p.get(k)
                            .and_then(Value::as_str)
                            .is_none_or(|t| t.trim().is_empty() || rules.is_filler(t))
                    });
                    if let Some(part) = part {
                        return Err(Unfilled::PersonLacks {
                            person: Self::text_of(p),
                            part,
                        });
                    }
                }
                Ok(())
            }
            (FieldType::Hypothesis, Value::Object(o)) if !o.contains_key("confidence") => {
                Err(Unfilled::NoConfidence {
                    hypothesis: o.get("hypothesis").map(Self::text_of).unwrap_or_default(),
                })
            }
            _ => Ok(()),
        }
    }

    /// The text that stands for the value when comparing it with other
    /// fields: prose of a kind people paste, or nothing.
    pub(crate) fn repeatable(&self, value: &Value) -> Option<String> {
        matches!(
            self.kind,
            FieldType::Text | FieldType::LongText | FieldType::Hypothesis
        )
        .then(|| squash(&Self::prose(value)))
        .filter(|s| !s.is_empty())
    }

    /// What a present value lacks that the field expects (a date, a person,
    /// an amount, a number), if anything.
    pub fn hint(&self, value: Option<&Value>) -> Option<Expect> {
        let expects = self.expects?;
        let value = value?;
        // A typed value is specific by construction.
        let typed = match self.kind {
            FieldType::Date | FieldType::Datetime => expects == Expect::Date,
            FieldType::Money => matches!(expects, Expect::Amount | Expect::Number),
            FieldType::Number | FieldType::Confidence => expects == Expect::Number,
            _ => false,
        };
        // Filler already says why it does not count; a hint on it is noise.
        let prose = Self::prose(value);
        if typed || FillerRules::default().is_filler(&prose) {
            return None;
        }
        let person =
            matches!(self.kind, FieldType::Person | FieldType::People) && expects == Expect::Person;
        let found = if person {
            // The name is what says who; a role alone does not. A parsed
            // one-word name counts: the form put it in the name slot.
            let names: Vec<String> = match value {
                Value::Array(items) => items.iter().map(Self::prose).collect(),
                other => vec![Self::prose(other)],
            };
            names
                .iter()
                .any(|n| expects.found_in(n) || one_word_name(n))
        } else {
            expects.found_in(&Self::text_of(value))
        };
        (!found).then_some(expects)
    }

    /// The hint for a value as a sentence, if any.
    pub fn hint_text(&self, value: Option<&Value>) -> Option<&'static str> {
        self.hint(value).map(Expect::missing)
    }
}

/// "Dana": one capitalized word that is not an acronym or a role.
fn one_word_name(name: &str) -> bool {
    let name = name.trim();
    !name.contains(char::is_whitespace) && hint::is_name_word(name)
}

/// The answer after a leading copy of (the start of) the label:
/// "Success criteria: tbd" answers "tbd".
fn strip_label<'a>(prose: &'a str, label: &str) -> &'a str {
    let Some((head, rest)) = prose.split_once([':', '=']) else {
        return prose;
    };
    let (head, label) = (squash(head), squash(label));
    if !head.is_empty() && label.starts_with(&head) && !rest.trim().is_empty() {
        rest
    } else {
        prose
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn number(n: f64) -> Option<Value> {
    if !n.is_finite() {
        return None;
    }
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        return Some(Value::from(n as i64));
    }
    serde_json::Number::from_f64(n).map(Value::Number)
}

fn pick_option(options: &[String], given: &str) -> Option<String> {
    let given = squash(given);
    options.iter().find(|o| squash(o) == given).cloned()
}

/// `Name (role)` then, after `extra_sep`, the rest: `: reaction` for people,
/// `<email>` for a person.
/// The members a person value may have.
const PERSON_KEYS: [&str; 4] = ["name", "role", "email", "reaction"];

fn person_from_text(text: &str, extra_key: &str) -> Value {
    let text = text.trim();
    let mut out = Map::new();
    let (head, extra) = if extra_key == "email" {
        match (text.find('<'), text.rfind('>')) {
            (Some(l), Some(r)) if l < r => (text[..l].trim(), Some(text[l + 1..r].trim())),
            _ => (text, None),
        }
    } else {
        match text.split_once(':') {
            Some((h, r)) => (h.trim(), Some(r.trim())),
            None => (text, None),
        }
    };
    let (name, role) = match (head.find('('), head.rfind(')')) {
        (Some(l), Some(r)) if l < r && r == head.len() - 1 => {
            (head[..l].trim(), Some(head[l + 1..r].trim()))
        }
        _ => (head, None),
    };
    // An empty name is left out, as the object form leaves out empty
    // members: otherwise the stored value would change when sent back (or
    // exported and imported).
    if !name.is_empty() {
        out.insert("name".into(), Value::String(name.to_string()));
    }
    if let Some(role) = role.filter(|r| !r.is_empty()) {
        out.insert("role".into(), Value::String(role.to_string()));
    }
    if let Some(extra) = extra.filter(|e| !e.is_empty()) {
        out.insert(extra_key.into(), Value::String(extra.to_string()));
    }
    Value::Object(out)
}

/// `text (80%)`: the trailing percentage in parentheses is the confidence.
fn hypothesis_from_text(text: &str) -> Value {
    let text = text.trim();
    if let (Some(l), true) = (text.rfind('('), text.ends_with("%)")) {
        let inner = &text[l + 1..text.len() - 2];
        if let Ok(c) = inner.trim().parse::<u8>()
            && c <= 100
        {
            // As in the object form, an empty hypothesis is left out.
            let hypothesis = text[..l].trim();
            return if hypothesis.is_empty() {
                json!({ "confidence": c })
            } else {
                json!({"hypothesis": hypothesis, "confidence": c})
            };
        }
    }
    json!({"hypothesis": text})
}

#[cfg(test)]
mod tests;
