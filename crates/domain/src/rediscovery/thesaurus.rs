//! The words revenue teams use for the same thing. A field labelled
//! "Economic buyer + signing authority" is re-asked as "who signs off on
//! this?"; both carry the concept `@approve`. Concepts are added to the
//! terms of fields and questions alike, so they match like any shared word.

use super::text::stem;

/// Concepts and the stems (or phrases, with a space) that express them.
const CONCEPTS: &[(&str, &[&str])] = &[
    (
        "@approve",
        &[
            "signer",
            "signoff",
            "approve",
            "approval",
            "approver",
            "authority",
            "authorize",
            "authorise",
            "sign off",
            "sign-off",
            "decision",
            "decide",
            "decider",
            "purchas",
            "purchase",
            "procurement",
            "buy",
            "buyer",
        ],
    ),
    (
        "@money",
        &[
            "budget",
            "money",
            "fund",
            "funding",
            "spend",
            "cost",
            "price",
            "pricing",
            "afford",
            "pay",
            "payback",
            "roi",
            "invest",
            "investment",
            "dollar",
            "euro",
            "quote",
        ],
    ),
    (
        "@compete",
        &[
            "competitor",
            "competition",
            "competitive",
            "alternative",
            "evaluat",
            "compar",
            "compare",
            "shortlist",
            "vendor",
            "look at",
            "looking at",
            "considering",
            "consider",
            "pitch",
        ],
    ),
    (
        "@replace",
        &[
            "replac",
            "replace",
            "switch",
            "migrat",
            "migrate",
            "displace",
            "displacement",
            "leav",
            "leave",
            "move off",
            "moving off",
            "instead",
            "legacy",
            "old",
        ],
    ),
    (
        "@success",
        &[
            "success",
            "win",
            "goal",
            "outcome",
            "measur",
            "measure",
            "metric",
            "kpi",
            "target",
            "achieve",
            "hold us",
            "holding us",
            "promised",
            "result",
            "percentage",
            "hit",
        ],
    ),
    (
        "@deadline",
        &[
            "deadline",
            "date",
            "timeline",
            "live",
            "go-live",
            "launch",
            "timing",
            "rollout",
            "by when",
            "hard date",
            "cutover",
            "month end",
            "start",
        ],
    ),
    (
        "@pain",
        &[
            "pain",
            "painful",
            "struggle",
            "struggl",
            "slowing",
            "issue",
            "frustrat",
            "headache",
            "challenge",
            "broken",
        ],
    ),
    (
        "@trigger",
        &[
            "trigger", "prompt", "prompted", "driving", "drive", "why now", "now",
        ],
    ),
    (
        "@stack",
        &[
            "tool",
            "software",
            "system",
            "stack",
            "platform",
            "app",
            "spreadsheet",
            "excel",
            "portal",
        ],
    ),
    (
        "@backing",
        &[
            "champion",
            "sponsor",
            "support",
            "on board",
            "onboard",
            "backing",
            "back",
            "push back",
            "resist",
            "skeptic",
            "skeptical",
            "ally",
            "advocate",
            "cool",
            "cooled",
            "warm",
            "nervous",
            "politic",
            "engag",
            "engaged",
        ],
    ),
    (
        "@source",
        &[
            "heard",
            "hear",
            "come across",
            "came across",
            "find",
            "found",
            "discover",
            "campaign",
            "webinar",
            "ad",
            "source",
            "run into",
            "asset",
            "download",
            "content",
            "visit",
        ],
    ),
    (
        "@training",
        &[
            "training",
            "train",
            "trained",
            "session",
            "attend",
            "attended",
            "attendance",
            "complete",
            "completion",
            "course",
            "skip",
            "skipped",
            "workshop",
        ],
    ),
    (
        "@adoption",
        &[
            "adoption",
            "adopt",
            "usage",
            "feature",
            "active",
            "login",
            "day to day",
            "week",
        ],
    ),
    (
        "@risk",
        &[
            "risk",
            "freeze",
            "blocker",
            "concern",
            "worry",
            "plan around",
            "obstacle",
            "constraint",
            "offline",
        ],
    ),
    (
        "@commit",
        &[
            "promise",
            "promis",
            "commit",
            "commitment",
            "agree",
            "agreed",
            "guarantee",
            "side letter",
            "verbal",
            "said we",
            "say we",
        ],
    ),
    (
        "@grow",
        &[
            "grow",
            "growth",
            "expand",
            "expansion",
            "next year",
            "seat",
            "region",
            "more team",
            "year two",
            "year 2",
            "big",
        ],
    ),
    (
        "@contact",
        &[
            "contact",
            "owner",
            "point person",
            "go through",
            "talk",
            "relationship",
            "deal with",
            "talking",
            "reach",
        ],
    ),
    (
        "@eta",
        &["eta", "fix", "resolve", "resolution", "fixed", "commit to"],
    ),
    (
        "@cadence",
        &[
            "daily",
            "weekly",
            "cadence",
            "often",
            "frequency",
            "how often",
            "update",
        ],
    ),
    (
        "@impact",
        &[
            "impact",
            "affect",
            "affected",
            "cost",
            "worth",
            "hurt",
            "how bad",
            "badly",
            "renewal",
            "must-have",
            "downstream",
            "stuck",
        ],
    ),
    (
        "@ticket",
        &[
            "ticket",
            "raise",
            "raising",
            "case",
            "escalat",
            "escalation",
            "incident",
            "problem",
            "bug",
            "freeze",
            "crash",
            "still",
        ],
    ),
    (
        "@fit",
        &[
            "fit",
            "icp",
            "size",
            "industry",
            "firmographic",
            "segment",
            "tier",
        ],
    ),
    (
        "@motion",
        &["playbook", "motion", "sequence", "track", "route", "assign"],
    ),
    (
        "@firsttouch",
        &[
            "first touch",
            "first-touch",
            "how long",
            "outreach",
            "hours",
        ],
    ),
    (
        "@paperwork",
        &[
            "entity",
            "legal",
            "paperwork",
            "contract",
            "sign",
            "co-founder",
            "purchasing",
        ],
    ),
    (
        "@loop",
        &[
            "close the loop",
            "hear back",
            "confirm",
            "after the fix",
            "customer must",
        ],
    ),
    (
        "@plan",
        &[
            "pricing",
            "next step",
            "communicat",
            "follow up",
            "after this call",
        ],
    ),
    (
        "@people",
        &[
            "stakeholder",
            "involved",
            "manager",
            "head",
            "director",
            "vp",
            "cfo",
            "ceo",
            "cto",
            "who else",
            "person",
        ],
    ),
];

/// A cue of [`CONCEPTS`] as matched: a phrase found in the text, or a word
/// compared by its stem.
enum Cue {
    Phrase(&'static str),
    Stem(String),
}

/// [`CONCEPTS`] with every one-word cue stemmed once (stemming them on every
/// call was most of the cost of indexing a text).
static STEMMED: std::sync::LazyLock<Vec<(&'static str, Vec<Cue>)>> =
    std::sync::LazyLock::new(|| {
        CONCEPTS
            .iter()
            .map(|(concept, cues)| {
                let cues = cues
                    .iter()
                    .map(|cue| {
                        if cue.contains(' ') {
                            Cue::Phrase(cue)
                        } else {
                            Cue::Stem(stem(cue))
                        }
                    })
                    .collect();
                (*concept, cues)
            })
            .collect()
    });

/// The concepts a text expresses.
pub fn concepts(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let stems: Vec<String> = lower
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .map(stem)
        .collect();
    let mut out = Vec::new();
    for (concept, cues) in STEMMED.iter() {
        let hit = cues.iter().any(|cue| match cue {
            Cue::Phrase(p) => lower.contains(p),
            Cue::Stem(cue) => stems
                .iter()
                .any(|s| s == cue || (cue.len() >= 5 && s.starts_with(cue.as_str()))),
        });
        if hit {
            out.push((*concept).to_string());
        }
    }
    out
}

/// What kind of answer a question asks for, from its question word.
pub fn question_kind(question: &str) -> Option<&'static str> {
    let lower = question.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let has = |w: &str| words.contains(&w);
    if has("who") || has("whom") || lower.contains("which person") {
        Some("@who")
    } else if lower.contains("how much") || lower.contains("what budget") {
        Some("@howmuch")
    } else if has("when") || lower.contains("what date") || lower.contains("by what") {
        Some("@when")
    } else {
        None
    }
}
