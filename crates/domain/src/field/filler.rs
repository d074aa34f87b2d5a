//! Filler: values typed to get through a gate rather than to inform. A
//! placeholder, keyboard mash, the field's own label or help text typed back,
//! or the text of another field pasted again does not count as filled. The
//! receiving team holds the pen: each contract may add placeholders, accept
//! some of the built-in ones as real answers, and allow repeats.

use serde::{Deserialize, Serialize};

use crate::id::FieldKey;

/// Why a value does not count as filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Unfilled {
    /// No value at all.
    Empty,
    /// Text shorter than the field's minimum length.
    TooShort {
        /// Characters given.
        len: usize,
        /// Characters needed.
        min: u32,
    },
    /// A placeholder such as "n/a" or "tbd", or keyboard mash.
    Placeholder {
        /// The placeholder, as typed.
        text: String,
    },
    /// The field's own label typed back.
    RepeatsLabel,
    /// The field's own help text typed back.
    RepeatsHelp,
    /// The same text as an earlier field of the same handoff.
    RepeatsField {
        /// The earlier field.
        field: FieldKey,
        /// Its label.
        label: String,
    },
    /// The contract makes specificity a gate and the value lacks it.
    Vague {
        /// What the value should contain.
        expects: super::hint::Expect,
    },
}

impl Unfilled {
    /// A sentence for the person filling the form.
    pub fn explain(&self) -> String {
        match self {
            Self::Empty => "no value".into(),
            Self::TooShort { len, min } => {
                format!("{len} characters; at least {min} are needed")
            }
            Self::Placeholder { text } => format!("'{text}' is a placeholder"),
            Self::RepeatsLabel => "repeats the field's label".into(),
            Self::RepeatsHelp => "repeats the field's help text".into(),
            Self::RepeatsField { label, .. } => format!("repeats '{label}' word for word"),
            Self::Vague { expects } => expects.missing().to_string(),
        }
    }
}

/// A contract's filler rules, on top of the built-in defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FillerRules {
    /// More placeholders this contract refuses (compared like the built-in
    /// ones: case, spaces and punctuation ignored).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placeholders: Vec<String>,
    /// Built-in placeholders that are real answers here (e.g. "none" for
    /// known blockers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    /// Whether the same text may stand in two fields.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_repeats: bool,
    /// Whether a field that asks for a date, person, amount or number must
    /// contain one to count (otherwise that is only a hint).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hints_are_gates: bool,
}

impl FillerRules {
    /// Whether these are the defaults (then a contract leaves them out).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Whether squashed text is a placeholder under these rules.
    pub(super) fn is_placeholder(&self, squashed: &str) -> bool {
        let listed = |list: &[String]| list.iter().any(|p| squash(p) == squashed);
        if listed(&self.allowed) {
            return false;
        }
        PLACEHOLDERS.contains(&squashed) || listed(&self.placeholders)
    }
}

/// Placeholders that never satisfy a mandatory field, compared after
/// lowercasing and dropping punctuation and spaces.
pub const PLACEHOLDERS: &[&str] = &[
    "",
    "na",
    "nan",
    "none",
    "null",
    "nil",
    "tbd",
    "tba",
    "tbc",
    "todo",
    "unknown",
    "unk",
    "idk",
    "seenotes",
    "seeabove",
    "seebelow",
    "asabove",
    "same",
    "sameasabove",
    "x",
    "xx",
    "xxx",
    "test",
    "pending",
    "later",
    "notsure",
    "nothing",
    "nope",
    "no",
    "asdf",
    "qwerty",
    "dunno",
    "notapplicable",
    "nocomment",
    "seecrm",
    "seesalesforce",
    "inthecrm",
    "seeattached",
    "seethread",
    "willupdate",
    "tobeconfirmed",
    "tobedetermined",
    "fillinlater",
    "placeholder",
    "lorem",
    "loremipsum",
    "blah",
    "etc",
    "whatever",
    "ok",
    "yes",
    "nodata",
    "noinfo",
    "notknown",
    "askae",
    "asksales",
];

/// Lowercase letters and digits only: how filler is compared.
pub(crate) fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

const KEY_ROWS: [&str; 3] = ["qwertyuiop", "asdfghjkl", "zxcvbnm"];

/// Keyboard mash: every word is a run along a keyboard row, one or two
/// letters repeated, or (five letters or more, not an acronym) has no vowel.
pub(super) fn is_mash(prose: &str) -> bool {
    let words: Vec<&str> = prose
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    !words.is_empty() && words.iter().all(|w| mash_word(w))
}

fn mash_word(word: &str) -> bool {
    if word.chars().any(|c| !c.is_ascii_alphabetic()) {
        return false;
    }
    let lower = word.to_ascii_lowercase();
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() <= 2 && lower.len() >= 3 {
        return true;
    }
    let on_a_row = lower.len() >= 3
        && KEY_ROWS.iter().any(|row| {
            row.contains(lower.as_str()) || row.chars().rev().collect::<String>().contains(&lower)
        });
    let acronym = word.chars().all(|c| c.is_ascii_uppercase());
    let no_vowel = lower.len() >= 5 && !acronym && !lower.chars().any(|c| "aeiouy".contains(c));
    on_a_row || no_vowel
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mash_is_caught_and_words_and_acronyms_are_not() {
        for mash in [
            "asdf",
            "sdfg hjkl",
            "qwer",
            "ababab",
            "zzzz",
            "xcvbn",
            "kjhg",
            "ffff ffff",
        ] {
            assert!(is_mash(mash), "{mash}");
        }
        for real in [
            "CRM",
            "HIPAA",
            "SFDC",
            "Dana Ortiz",
            "rhythm",
            "Q3",
            "tryst",
            "ERP",
        ] {
            assert!(!is_mash(real), "{real}");
        }
    }

    #[test]
    fn a_contract_adds_and_allows_placeholders() {
        let rules = FillerRules {
            placeholders: vec!["Ask Jim".into()],
            allowed: vec!["None".into()],
            ..FillerRules::default()
        };
        assert!(rules.is_placeholder("askjim"));
        assert!(!rules.is_placeholder("none"));
        assert!(rules.is_placeholder("tbd"));
        assert!(FillerRules::default().is_placeholder("none"));
    }
}
