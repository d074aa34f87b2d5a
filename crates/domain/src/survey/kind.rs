//! The kinds of survey Baton keeps and the scale each is scored on (a
//! leaf: `account.rs` checks an NPS score here, and `survey.rs` every
//! response's).

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// What a survey measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyKind {
    /// Net Promoter Score: "how likely are you to recommend us", 0–10
    /// (SPEC §4; it feeds the scorecard).
    #[default]
    Nps,
    /// Customer satisfaction on the common five-point scale, 1–5 (kept
    /// with its account; the scorecard has no CSAT figure).
    Csat,
}

impl SurveyKind {
    /// Reads `nps` or `csat` (any case).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "nps" => Ok(Self::Nps),
            "csat" => Ok(Self::Csat),
            other => Err(DomainError::value(
                "survey kind",
                format!("'{other}' is neither 'nps' nor 'csat'"),
            )),
        }
    }

    /// Its name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nps => "nps",
            Self::Csat => "csat",
        }
    }

    /// The lowest and highest score of its scale.
    pub fn scale(self) -> (u8, u8) {
        match self {
            Self::Nps => (0, 10),
            Self::Csat => (1, 5),
        }
    }

    /// A score on this kind's scale, or why not.
    pub fn check_score(self, score: i64) -> Result<u8, DomainError> {
        let (lo, hi) = self.scale();
        u8::try_from(score)
            .ok()
            .filter(|s| (lo..=hi).contains(s))
            .ok_or_else(|| {
                DomainError::value(
                    "score",
                    format!(
                        "{score} is not between {lo} and {hi} (the {} scale)",
                        self.as_str().to_uppercase()
                    ),
                )
            })
    }

    /// A score as a survey tool writes it in a cell: a whole number (`9`,
    /// or `9.0` as spreadsheets save it) on this kind's scale.
    pub fn parse_score(self, raw: &str) -> Result<u8, DomainError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(DomainError::value("score", "no score"));
        }
        let whole = raw
            .strip_suffix(".0")
            .unwrap_or(raw)
            .parse::<i64>()
            .map_err(|_| DomainError::value("score", format!("'{raw}' is not a whole number")))?;
        self.check_score(whole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_keeps_its_own_scale() {
        assert_eq!(SurveyKind::Nps.check_score(0), Ok(0));
        assert_eq!(SurveyKind::Nps.check_score(10), Ok(10));
        assert!(SurveyKind::Nps.check_score(11).is_err());
        assert!(SurveyKind::Nps.check_score(-1).is_err());
        assert!(SurveyKind::Csat.check_score(0).is_err());
        assert_eq!(SurveyKind::Csat.check_score(5), Ok(5));
        assert!(SurveyKind::Csat.check_score(6).is_err());
        assert_eq!(SurveyKind::Nps.parse_score(" 9.0 "), Ok(9));
        let err = SurveyKind::Nps.parse_score("11").unwrap_err().to_string();
        assert!(err.contains("11 is not between 0 and 10"), "{err}");
        assert!(
            SurveyKind::Nps
                .parse_score("")
                .unwrap_err()
                .to_string()
                .contains("no score")
        );
        assert!(SurveyKind::Nps.parse_score("nine").is_err());
        assert!(SurveyKind::parse("CSAT").is_ok() && SurveyKind::parse("ces").is_err());
    }
}
