//! Filler: values typed to get through a gate rather than to inform. Filler
//! is recognised by what it is, not looked up in a list of exact strings:
//! text made only of placeholder words and phrases ("TBD - will update
//! later", "Unknown at this time", "N/A N/A N/A"), a short unit repeated
//! ("asdfasdf", "test test test"), runs along a keyboard row, or lorem
//! ipsum anywhere. The field's own label or help text typed back, or the
//! text of another field pasted again, does not count either. The receiving
//! team holds the pen: each contract may add placeholders, accept some of
//! the built-in ones as real answers, and allow repeats.

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
    /// The value lacks what the field needs (always a gate, e.g. how
    /// strongly each person backs a champion map), or what it expects when
    /// the contract makes specificity hints gates.
    Vague {
        /// What the value should contain.
        expects: super::hint::Expect,
    },
    /// A person in a people list without the part the type asks for: a
    /// name, a role, or a reaction (how they see the deal).
    PersonLacks {
        /// The person as written ("Dana Ortiz (CFO)").
        person: String,
        /// `name`, `role` or `reaction`.
        part: &'static str,
    },
    /// A hypothesis without the confidence it is held with.
    NoConfidence {
        /// The hypothesis as written.
        hypothesis: String,
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
            Self::PersonLacks { person, part } => {
                format!("'{person}' has no {part}: write 'Name (role): reaction'")
            }
            Self::NoConfidence { hypothesis } => {
                format!("no confidence: say how sure you are, e.g. '{hypothesis} (70%)'")
            }
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
        PLACEHOLDERS.contains(&squashed)
            || MORE_PLACEHOLDERS.contains(&squashed)
            || listed(&self.placeholders)
    }

    /// Whether `text` is filler under these rules: made only of
    /// placeholders and the small words that dress them up, a short unit
    /// repeated, keyboard runs, or lorem ipsum. A text the contract allows
    /// as a whole is a real answer, and so is any text containing an
    /// allowed word ("None at this time" where "none" is allowed).
    pub fn is_filler(&self, text: &str) -> bool {
        let squashed = squash(text);
        if self.allowed.iter().any(|p| squash(p) == squashed) {
            return false;
        }
        if self.is_placeholder(&squashed) || is_mash(text) {
            return true;
        }
        let words = words(text);
        words.iter().any(|w| LOREM.contains(&w.as_str()))
            || repeats_a_short_unit(&squashed, words.len() <= 1)
            || self.only_placeholders(&words)
    }

    /// Whether the words can be read as placeholders (one or more words
    /// each: "to be confirmed", "see notes") and the small words around
    /// them ("at this time", "for now"), with at least one placeholder: a
    /// person named Will is not filler, "will update" is.
    fn only_placeholders(&self, words: &[String]) -> bool {
        const LONGEST: usize = 6;
        let n = words.len();
        if n == 0 {
            return false;
        }
        // reach[i] = (reachable, reachable with a placeholder read so far)
        let mut reach = vec![(false, false); n + 1];
        reach[0] = (true, false);
        for i in 0..n {
            let (ok, core) = reach[i];
            if !ok {
                continue;
            }
            let mut joined = String::new();
            for j in i..n.min(i + LONGEST) {
                joined.push_str(&words[j]);
                if self.is_placeholder(&joined) {
                    reach[j + 1] = (true, true);
                } else if j == i && GLUE.contains(&joined.as_str()) {
                    let next = &mut reach[j + 1];
                    *next = (true, next.1 || core);
                }
            }
        }
        reach[n].1
    }
}

/// The words of a text, squashed. A chunk between spaces that is a
/// placeholder as a whole ("n/a", "N.A.") stays one word; others split at
/// punctuation ("TBD/TBC" is two).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in text.split_whitespace() {
        let whole = squash(chunk);
        if whole.is_empty() {
            continue;
        }
        if PLACEHOLDERS.contains(&whole.as_str()) {
            out.push(whole);
            continue;
        }
        out.extend(
            chunk
                .split(|c: char| !c.is_alphanumeric())
                .map(squash)
                .filter(|w| !w.is_empty()),
        );
    }
    out
}

/// Whether squashed text is one short unit repeated: three times or more
/// ("test test test", "abcabcabc"), or twice within one word ("asdfasdf").
/// Two words repeated ("Walla Walla") are a name, not filler.
fn repeats_a_short_unit(squashed: &str, one_word: bool) -> bool {
    let chars: Vec<char> = squashed.chars().collect();
    let len = chars.len();
    if len < 6 {
        return false;
    }
    (1..=len / 2)
        .filter(|unit| len.is_multiple_of(*unit))
        .find(|&unit| chars.iter().enumerate().all(|(i, c)| *c == chars[i % unit]))
        .is_some_and(|unit| len / unit >= 3 || one_word)
}

/// Words that only appear in dummy text.
const LOREM: &[&str] = &["lorem", "ipsum", "consectetur", "adipiscing"];

/// More placeholders, compared like [`PLACEHOLDERS`] but also read as parts
/// of a longer filler text ("pending - details to follow").
const MORE_PLACEHOLDERS: &[&str] = &[
    "tofollow",
    "willfollow",
    "willfill",
    "willadd",
    "fillin",
    "notyet",
    "notsure",
    "unsure",
    "undecided",
    "undetermined",
    "unclear",
    "unavailable",
    "notavailable",
    "wip",
    "comingsoon",
    "nodetails",
    "tbdlater",
];

/// The small words filler is dressed up with: they make a text filler only
/// beside a placeholder, never on their own.
const GLUE: &[&str] = &[
    "a",
    "an",
    "the",
    "to",
    "be",
    "is",
    "are",
    "it",
    "at",
    "this",
    "that",
    "time",
    "moment",
    "now",
    "for",
    "yet",
    "in",
    "on",
    "of",
    "and",
    "or",
    "still",
    "will",
    "would",
    "update",
    "updated",
    "updates",
    "fill",
    "filled",
    "follow",
    "follows",
    "add",
    "added",
    "confirm",
    "confirmed",
    "provide",
    "provided",
    "shortly",
    "info",
    "information",
    "detail",
    "details",
    "currently",
    "known",
    "sure",
    "not",
    "we",
    "i",
    "you",
    "they",
    "us",
    "me",
    "until",
    "then",
    "when",
    "once",
    "available",
    "date",
    "by",
    "asap",
    "here",
    "there",
    "more",
    "come",
    "determined",
    "decided",
];

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
    // Most text is ASCII, where the same rule needs no Unicode tables
    // (scoring runs this on every value of every submission).
    if text.is_ascii() {
        let mut out = String::with_capacity(text.len());
        out.extend(
            text.bytes()
                .filter(u8::is_ascii_alphanumeric)
                .map(|b| char::from(b.to_ascii_lowercase())),
        );
        return out;
    }
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
    let acronym = word.chars().all(|c| c.is_ascii_uppercase());
    // "COO" is a role, "zzzz" and "ababab" are not words.
    if distinct.len() <= 2 && lower.len() >= 3 && !(acronym && lower.len() <= 4) {
        return true;
    }
    let no_vowel = lower.len() >= 5 && !acronym && !lower.chars().any(|c| "aeiouy".contains(c));
    keyboard_runs(lower.as_bytes()) || no_vowel
}

/// The row and position of a key.
fn key(c: u8) -> Option<(usize, usize)> {
    KEY_ROWS
        .iter()
        .enumerate()
        .find_map(|(r, row)| row.bytes().position(|k| k == c).map(|p| (r, p)))
}

/// Whether a word is made only of runs of three or more neighbouring keys
/// along one row, either way: "asdf", "poiuy", "asdfasdf", "qwertyasdf".
/// "were" is not: "wer" is a run, the last "e" is not.
fn keyboard_runs(word: &[u8]) -> bool {
    let mut i = 0;
    while i < word.len() {
        let mut end = i + 1;
        let mut step = 0i64;
        while let (Some(&c), Some((row, at))) = (word.get(end), key(word[end - 1])) {
            let Some((r, p)) = key(c) else { break };
            let d = p as i64 - at as i64;
            if r != row || d.abs() != 1 || (step != 0 && d != step) {
                break;
            }
            step = d;
            end += 1;
        }
        if end - i < 3 {
            return false;
        }
        i = end;
    }
    !word.is_empty()
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
            "COO",
            "rhythm",
            "Q3",
            "tryst",
            "ERP",
        ] {
            assert!(!is_mash(real), "{real}");
        }
    }

    #[test]
    fn keyboard_runs_and_repeated_units_are_filler_and_names_are_not() {
        let rules = FillerRules::default();
        for filler in [
            "asdfasdfasdfasdf",
            "qwertyasdf",
            "poiuytrewq",
            "abcabcabc",
            "test test test",
            "ha ha ha",
            "blahblah",
            "Unknown at this time",
            "n/a - for now",
        ] {
            assert!(rules.is_filler(filler), "{filler}");
        }
        for real in [
            "were",
            "Will",
            "Walla Walla",
            "Dana Ortiz",
            "Pending legal review",
            "None of them",
            "SSO by week 6",
        ] {
            assert!(!rules.is_filler(real), "{real}");
        }
        let allowed = FillerRules {
            allowed: vec!["none".into()],
            ..FillerRules::default()
        };
        assert!(rules.is_filler("None at this time"));
        assert!(!allowed.is_filler("None at this time"));
        assert!(!allowed.is_filler("None"));
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
