//! Specificity hints: a field that asks when, who or how much is checked for
//! a date, a person, an amount or a number. "Q3, after the board meets" says
//! when; "soon" does not. Hints are warnings unless the contract makes them
//! gates. The checks are deliberately forgiving (any plausible date or name
//! passes): a hint that cries wolf teaches people to ignore it.

use serde::{Deserialize, Serialize};

/// What a field's answer should contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expect {
    /// A date or period: `2026-10-01`, `March`, `Q3`, `end of quarter`.
    Date,
    /// A named person (a role alone does not say who).
    Person,
    /// An amount of money: `$50k`, `48000 USD`, `€1.2M`.
    Amount,
    /// Any number.
    Number,
    /// How strongly a person backs the deal or how warm they are: `strong`,
    /// `neutral`, `cooling`, `skeptical`.
    Strength,
}

impl Expect {
    /// The name used in contract definitions.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::Person => "person",
            Self::Amount => "amount",
            Self::Number => "number",
            Self::Strength => "strength",
        }
    }

    /// Parses a name used in contract definitions.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Date,
            Self::Person,
            Self::Amount,
            Self::Number,
            Self::Strength,
        ]
        .into_iter()
        .find(|e| e.as_str() == raw)
    }

    /// The hint shown when the value lacks what is expected.
    pub fn missing(self) -> &'static str {
        match self {
            Self::Date => "no date: say when (a date, month or quarter)",
            Self::Person => "no name: say who, not only the role",
            Self::Amount => "no amount: give a figure (e.g. $50k)",
            Self::Number => "no number: give a figure",
            Self::Strength => {
                "no strength: say how strongly each backs it (strong, neutral, cooling…)"
            }
        }
    }

    /// Whether `text` contains what is expected.
    pub fn found_in(self, text: &str) -> bool {
        match self {
            Self::Date => has_date(text),
            Self::Person => has_person(text),
            Self::Amount => has_amount(text),
            Self::Number => has_number(text),
            Self::Strength => has_strength(text),
        }
    }
}

const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

const DAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "today",
    "tomorrow",
    "tonight",
    "yesterday",
];

/// Words that date a relative phrase ("next week", "end of quarter",
/// "in 3 months"): a unit of time counts when something anchors it.
const UNITS: &[&str] = &[
    "day", "days", "week", "weeks", "month", "months", "quarter", "quarters", "year", "years",
    "fy", "weekend",
];
const ANCHORS: &[&str] = &[
    "next",
    "this",
    "last",
    "end",
    "within",
    "by",
    "before",
    "after",
    "in",
    "every",
    "per",
    "each",
    "early",
    "mid",
    "late",
    "start",
    "beginning",
    "of",
    "the",
    "a",
    "couple",
    "few",
];

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '/' || c == '.' || c == ','))
        .map(|w| w.trim_matches(|c: char| c == '.' || c == ',' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

fn has_date(text: &str) -> bool {
    let ws = words(text);
    ws.iter().enumerate().any(|(i, w)| {
        let lower = w.to_lowercase();
        let prev = i.checked_sub(1).map(|p| ws[p].to_lowercase());
        let next_is_number = ws
            .get(i + 1)
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()));
        // "may" is a verb as often as a month: count it capitalized or
        // with a day number.
        let month = MONTHS.iter().any(|m| {
            lower == *m
                || (lower.len() >= 3 && m.starts_with(&lower) && lower != "mar" && lower.len() <= 4)
        }) && (lower != "may" || w.starts_with('M') || next_is_number);
        month
            || DAYS.contains(&lower.as_str())
            || is_quarter(&lower)
            || is_year(&lower)
            || is_numeric_date(&lower)
            || matches!(lower.as_str(), "eom" | "eoq" | "eoy" | "asap")
            || (UNITS.contains(&lower.as_str())
                && prev.is_some_and(|p| {
                    ANCHORS.contains(&p.as_str()) || p.chars().all(|c| c.is_ascii_digit())
                }))
    })
}

/// `q3`, `h2`, `q3-2026`, `fy27`.
fn is_quarter(w: &str) -> bool {
    let b = w.as_bytes();
    (b.len() >= 2 && (b[0] == b'q' || b[0] == b'h') && b[1].is_ascii_digit())
        || (w.starts_with("fy") && w.len() >= 4 && w[2..].chars().all(|c| c.is_ascii_digit()))
}

fn is_year(w: &str) -> bool {
    w.len() == 4
        && (w.starts_with("20") || w.starts_with("19"))
        && w.chars().all(|c| c.is_ascii_digit())
}

/// `2026-10-01`, `10/01`, `1/10/2026`, `10.01.2026`.
fn is_numeric_date(w: &str) -> bool {
    let parts: Vec<&str> = w.split(['-', '/', '.']).collect();
    parts.len() >= 2
        && parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit()))
        && w.contains(['-', '/'])
}

/// Capitalized words that start sentences or name things, not people.
const NOT_NAMES: &[&str] = &[
    "The",
    "A",
    "An",
    "Our",
    "Their",
    "They",
    "We",
    "He",
    "She",
    "It",
    "IT",
    "This",
    "That",
    "Team",
    "Head",
    "VP",
    "CEO",
    "CFO",
    "CTO",
    "COO",
    "CIO",
    "CRO",
    "CMO",
    "Director",
    "Manager",
    "Lead",
    "Ops",
    "Sales",
    "Finance",
    "Legal",
    "Procurement",
    "Security",
    "Engineering",
    "Board",
    "Marketing",
    "Support",
    "Product",
    "Customer",
    "Success",
    "Onboarding",
    "Admin",
    "Owner",
    "Champion",
    "Buyer",
    "Economic",
    "Executive",
    "Sponsor",
    "Unknown",
    "None",
    "TBD",
    "No",
    "Not",
    "And",
    "Or",
    "But",
    "If",
    "When",
    "Who",
    "Still",
    "Probably",
    "Maybe",
    "Someone",
    "Somebody",
];

pub(super) fn is_name_word(w: &str) -> bool {
    let mut chars = w.chars();
    chars.next().is_some_and(|c| c.is_uppercase())
        && w.chars().count() >= 2
        && chars.all(|c| c.is_lowercase() || c == '\'' || c == '-')
        && !NOT_NAMES.contains(&w)
}

/// A name: an email, two capitalized words in a row ("Dana Ortiz"), or a
/// capitalized word followed by a role in parentheses ("Dana (CFO)").
fn has_person(text: &str) -> bool {
    if text
        .split_whitespace()
        .any(|w| w.contains('@') && w.contains('.'))
    {
        return true;
    }
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '/'))
        .filter(|t| !t.is_empty())
        .collect();
    tokens.windows(2).any(|p| {
        let first = p[0].trim_end_matches('.');
        (is_name_word(first) && is_name_word(p[1].trim_end_matches(['.', ')'])))
            || (is_name_word(first) && p[1].starts_with('('))
    })
}

const CURRENCIES: &[&str] = &[
    "usd", "eur", "gbp", "cad", "aud", "chf", "jpy", "inr", "sek", "nok", "dkk", "dollars",
    "euros", "pounds",
];

fn has_amount(text: &str) -> bool {
    let lower = text.to_lowercase();
    if lower.contains(['$', '€', '£', '¥'])
        && lower.char_indices().any(|(i, c)| {
            "$€£¥".contains(c)
                && lower[i + c.len_utf8()..]
                    .trim_start()
                    .starts_with(|d: char| d.is_ascii_digit())
        })
    {
        return true;
    }
    let ws = words(&lower);
    ws.iter().enumerate().any(|(i, w)| {
        let digits = w.trim_end_matches(['k', 'm', 'b']).trim_end_matches("bn");
        let numeric = !digits.is_empty()
            && digits.chars().next().is_some_and(|c| c.is_ascii_digit())
            && digits
                .chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == ',');
        let scaled = numeric && digits.len() < w.len();
        let near_currency = |j: Option<usize>| {
            j.and_then(|j| ws.get(j))
                .is_some_and(|c| CURRENCIES.contains(&c.as_str()))
        };
        let big = numeric && digits.chars().filter(char::is_ascii_digit).count() >= 4;
        let words_scale = numeric
            && ws.get(i + 1).is_some_and(|s| {
                matches!(
                    s.as_str(),
                    "k" | "thousand" | "million" | "m" | "mm" | "bn" | "billion"
                )
            });
        scaled
            || words_scale
            || (numeric && (near_currency(i.checked_sub(1)) || near_currency(Some(i + 1))))
            || big
    })
}

const NUMBER_WORDS: &[&str] = &[
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "fifteen", "twenty", "thirty", "forty", "fifty", "hundred", "thousand", "million",
    "dozen", "half", "single", "double", "twice",
];

fn has_number(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
        || words(&text.to_lowercase())
            .iter()
            .any(|w| NUMBER_WORDS.contains(&w.as_str()))
}

/// Words that say how strongly someone backs a deal, or how warm they are.
const STRENGTHS: &[&str] = &[
    "strong",
    "strongly",
    "stronger",
    "weak",
    "weakly",
    "weaker",
    "neutral",
    "lukewarm",
    "warm",
    "warmer",
    "warming",
    "warmed",
    "cool",
    "cooler",
    "cooling",
    "cooled",
    "cold",
    "colder",
    "hot",
    "engaged",
    "disengaged",
    "disengaging",
    "supportive",
    "unsupportive",
    "supports",
    "skeptic",
    "skeptical",
    "sceptical",
    "skeptics",
    "hostile",
    "opposed",
    "opposes",
    "against",
    "resistant",
    "resists",
    "blocker",
    "blocking",
    "blocks",
    "advocate",
    "advocates",
    "enthusiastic",
    "keen",
    "committed",
    "invested",
    "firm",
    "solid",
    "steady",
    "wavering",
    "undecided",
    "detractor",
    "passive",
    "active",
    "ally",
    "backs",
    "backing",
    "high",
    "medium",
    "low",
    "fading",
    "fan",
];

fn has_strength(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .any(|w| STRENGTHS.contains(&w.to_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_the_forms_people_write_them() {
        for yes in [
            "Go-live 2026-10-01",
            "before the board meets in March",
            "Q3 renewal",
            "end of quarter",
            "in 6 weeks",
            "next month, after the audit",
            "by Friday",
            "FY27 budget cycle",
            "10/15 kickoff",
            "Sept 30",
            "May 4",
        ] {
            assert!(Expect::Date.found_in(yes), "{yes}");
        }
        for no in ["soon", "when the new VP arrives", "they may move fast"] {
            assert!(!Expect::Date.found_in(no), "{no}");
        }
    }

    #[test]
    fn people_need_a_name_not_a_role() {
        for yes in [
            "Dana Ortiz (CFO)",
            "Lee (VP Ops): strong",
            "dana@northwind.test",
            "the CFO, Dana Ortiz, signs",
        ] {
            assert!(Expect::Person.found_in(yes), "{yes}");
        }
        for no in [
            "the CFO",
            "IT team: skeptical",
            "VP Sales and Head of Ops",
            "someone in finance",
        ] {
            assert!(!Expect::Person.found_in(no), "{no}");
        }
    }

    #[test]
    fn amounts_need_a_figure_with_money_in_it() {
        for yes in [
            "$50k",
            "48000 USD",
            "€1.2M approved",
            "budget of 250,000",
            "about 80k",
            "120 thousand",
        ] {
            assert!(Expect::Amount.found_in(yes), "{yes}");
        }
        for no in ["budget approved", "they have money", "3 seats", "Q3"] {
            assert!(!Expect::Amount.found_in(no), "{no}");
        }
    }

    #[test]
    fn numbers_in_digits_or_words() {
        assert!(Expect::Number.found_in("about forty users"));
        assert!(Expect::Number.found_in("12 seats"));
        assert!(!Expect::Number.found_in("many users"));
    }
}
