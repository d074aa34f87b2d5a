//! Text handling for the detector: notes split into sentences, the
//! sentences that ask something found, and words reduced to comparable
//! terms.

/// A question the note's author (or their side) asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The sentence as written, without a speaker prefix or bullet.
    pub text: String,
}

/// Abbreviations whose full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "dr", "mr", "mrs", "ms", "st", "vs", "eg", "ie", "etc", "approx", "inc", "ltd", "co", "jr",
    "sr", "no", "w",
];

/// Sentences of a note: lines first, then `.`, `?` and `!` followed by a
/// space (not after an abbreviation or inside a number).
pub fn sentences(note: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in note.lines() {
        let mut start = 0;
        let bytes = line.as_bytes();
        for (i, c) in line.char_indices() {
            if !matches!(c, '.' | '?' | '!') {
                continue;
            }
            let end = i + 1;
            let at_break = end == line.len() || bytes.get(end).is_some_and(u8::is_ascii_whitespace);
            if !at_break {
                continue;
            }
            if c == '.' {
                let word = line[start..i]
                    .rsplit(|ch: char| !ch.is_alphanumeric())
                    .next()
                    .unwrap_or("");
                if ABBREVIATIONS.contains(&word.to_lowercase().as_str()) || word.len() == 1 {
                    continue;
                }
            }
            push(&mut out, &line[start..end]);
            start = end;
        }
        push(&mut out, &line[start..]);
    }
    out
}

fn push<'a>(out: &mut Vec<&'a str>, s: &'a str) {
    let s = s.trim();
    if !s.is_empty() {
        out.push(s);
    }
}

/// Splits a leading bullet and a short speaker label ("Onb: ", "Dana: ")
/// off a sentence: `(speaker, rest)`.
fn speaker(sentence: &str) -> (Option<&str>, &str) {
    let s = sentence.trim_start_matches(['-', '*', '•', ' ', '\t']);
    if let Some((head, rest)) = s.split_once(':') {
        let short = head.len() <= 24 && head.split_whitespace().count() <= 3;
        let plain = head
            .chars()
            .all(|c| c.is_alphanumeric() || c == ' ' || c == '.' || c == '\'' || c == '-');
        if short && plain && !head.trim().is_empty() && !rest.trim().is_empty() {
            return (Some(head.trim()), rest.trim());
        }
    }
    (None, s.trim())
}

/// Verbs that report a question: "we asked whether …".
const ASK_VERBS: &[&str] = &[
    "asked",
    "ask",
    "asking",
    "checked",
    "check",
    "wondered",
    "enquired",
    "inquired",
    "queried",
    "probed",
    "confirmed",
    "confirm",
    "double-checked",
];
const ASK_OBJECTS: &[&str] = &[
    "whether", "if", "who", "what", "when", "where", "which", "why", "how", "about",
];
/// Words that may stand before a reported ask and still make it ours.
const OUR_SUBJECTS: &[&str] = &[
    "i", "we", "also", "then", "and", "so", "first", "finally", "later", "after", "before", "the",
    "call", "on", "in", "at", "end", "of", "again", "both", "briefly", "quickly", "she",
];

/// The questions the note's side asked: sentences ending in `?` (unless a
/// transcript gives them to another speaker) and reported asks ("Asked
/// who signs.", "We asked whether …") whose subject is the author's side.
pub fn questions(note: &str) -> Vec<Asked> {
    let mut out = Vec::new();
    for sentence in sentences(note) {
        let (who, text) = speaker(sentence);
        if who.is_some_and(|w| w.eq_ignore_ascii_case("a")) {
            continue;
        }
        if text.ends_with('?') {
            out.push(Asked {
                text: text.to_string(),
            });
            continue;
        }
        if reported_by_us(text) {
            out.push(Asked {
                text: text.to_string(),
            });
        }
    }
    out
}

/// Whether a sentence reports a question the note's side asked: an ask verb
/// with a question word soon after, and nobody else as its subject
/// ("Ingrid asked if …" is the customer's question).
fn reported_by_us(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .filter(|w| !w.is_empty())
        .collect();
    let Some(v) = words
        .iter()
        .position(|w| ASK_VERBS.contains(&w.to_lowercase().as_str()))
    else {
        return false;
    };
    let asks = words[v + 1..]
        .iter()
        .take(4)
        .any(|w| ASK_OBJECTS.contains(&w.to_lowercase().as_str()));
    let subject = &words[..v];
    let ours = subject.is_empty()
        || subject
            .iter()
            .any(|w| matches!(w.to_lowercase().as_str(), "i" | "we"))
        || subject
            .iter()
            .all(|w| OUR_SUBJECTS.contains(&w.to_lowercase().as_str()) && *w != "She");
    asks && ours
}

/// Verbs that, after "can you" / "could we" and the like, ask for a file,
/// an introduction or a slot in a diary, never for what a handoff recorded.
const LOGISTICS_VERBS: &[&str] = &[
    "send",
    "share",
    "forward",
    "intro",
    "introduce",
    "schedule",
    "reschedule",
    "book",
    "hold",
    "move",
    "meet",
    "join",
];

/// Words that make a question about the diary: days, and the meetings
/// themselves.
const DIARY_WORDS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "check-in",
    "invite",
    "reschedule",
    "slides",
    "deck",
    "recording",
    "agenda",
];

/// Whether a question is logistics (scheduling a call, asking for files or
/// an introduction): the labelling rules of the evaluation set count it as
/// new whatever the handoff says, and people ask it next to real re-asks.
pub fn logistics(question: &str) -> bool {
    let words: Vec<String> = question
        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let request = matches!(
        words.as_slice(),
        [modal, who, verb, ..]
            if matches!(modal.as_str(), "can" | "could" | "would")
                && matches!(who.as_str(), "you" | "we" | "i")
                && LOGISTICS_VERBS.contains(&verb.as_str())
    );
    request
        || words
            .iter()
            .any(|w| DIARY_WORDS.contains(&w.trim_end_matches('s')))
}

/// Words that carry no meaning for matching.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "actually",
    "after",
    "again",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anyone",
    "anything",
    "are",
    "as",
    "ask",
    "asked",
    "at",
    "be",
    "been",
    "before",
    "being",
    "both",
    "but",
    "by",
    "can",
    "could",
    "did",
    "do",
    "does",
    "doing",
    "don't",
    "each",
    "else",
    "even",
    "ever",
    "for",
    "from",
    "get",
    "give",
    "go",
    "going",
    "got",
    "had",
    "has",
    "have",
    "he",
    "her",
    "here",
    "him",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "it's",
    "just",
    "know",
    "let",
    "like",
    "me",
    "mean",
    "might",
    "more",
    "most",
    "much",
    "my",
    "need",
    "now",
    "of",
    "on",
    "one",
    "or",
    "our",
    "out",
    "over",
    "please",
    "quick",
    "quickly",
    "really",
    "remind",
    "right",
    "said",
    "say",
    "see",
    "she",
    "should",
    "so",
    "some",
    "sorry",
    "still",
    "sure",
    "tell",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "through",
    "to",
    "today",
    "too",
    "up",
    "us",
    "very",
    "walk",
    "want",
    "was",
    "we",
    "were",
    "what",
    "what's",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "you're",
    "yours",
    "yet",
    "checked",
    "wondered",
    "whats",
    "we'd",
    "i'd",
    "you'd",
    "okay",
    "ok",
    "thanks",
    "confirm",
    "confirmed",
    "many",
    "kind",
    "sort",
    "way",
    "maybe",
    "currently",
    "moment",
    "hold",
];

/// Reduces a word to a comparable stem: lowercase, common English endings
/// dropped ("signs", "signing", "signed" → "sign").
pub fn stem(word: &str) -> String {
    let w = word.to_lowercase();
    let w = w.trim_end_matches("'s").trim_end_matches('\'');
    for suffix in [
        "ations", "ation", "ings", "ing", "ied", "ies", "ed", "es", "ly", "s",
    ] {
        if let Some(base) = w.strip_suffix(suffix)
            && base.chars().count() >= 3
            && !(suffix == "s" && base.ends_with('s'))
        {
            return match suffix {
                "ied" | "ies" => format!("{base}y"),
                _ => base.to_string(),
            };
        }
    }
    w.to_string()
}

/// The meaningful terms of a text, stemmed, in order.
pub fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_matches('\''))
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(&w.to_lowercase().as_str()))
        .filter(|w| w.chars().count() >= 2 || w.chars().all(|c| c.is_ascii_digit()))
        .map(stem)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_on_stops_not_on_abbreviations_or_numbers() {
        let s = sentences(
            "Met Dr. Osei at 9.30 today. Who signs? We asked whether the CFO does.\nQ: When is go-live?",
        );
        assert_eq!(
            s,
            vec![
                "Met Dr. Osei at 9.30 today.",
                "Who signs?",
                "We asked whether the CFO does.",
                "Q: When is go-live?"
            ]
        );
    }

    #[test]
    fn questions_are_ours_direct_or_reported_not_the_customers() {
        let note = "Kickoff with Northwind. AE: Who signs the order?\nDana: Is the connector coming in Q1?\n\
                    Asked who owns the budget. Ingrid asked if we can send slides. We asked whether they have a freeze. \
                    He confirmed the price increase. After the call I asked Tor whether he is on board.";
        let got: Vec<String> = questions(note).into_iter().map(|q| q.text).collect();
        assert_eq!(
            got,
            vec![
                "Who signs the order?",
                "Is the connector coming in Q1?",
                "Asked who owns the budget.",
                "We asked whether they have a freeze.",
                "After the call I asked Tor whether he is on board."
            ]
        );
    }

    #[test]
    fn scheduling_and_requests_for_files_are_logistics() {
        for q in [
            "Can we hold the weekly check-in on Wednesdays at 10?",
            "Could you send the security questionnaire?",
            "Would Thursday work for a demo?",
        ] {
            assert!(logistics(q), "{q}");
        }
        for q in [
            "Who signs off on the budget?",
            "Can you remind me when go-live is?",
            "How many slides-free weeks",
        ] {
            assert!(!logistics(q), "{q}");
        }
    }

    #[test]
    fn terms_drop_stopwords_and_share_stems() {
        assert_eq!(terms("Who signs the contracts?"), vec!["sign", "contract"]);
        assert_eq!(terms("signing"), vec!["sign"]);
        assert_eq!(terms("companies"), vec!["company"]);
    }
}
