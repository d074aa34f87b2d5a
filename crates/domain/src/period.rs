//! Scorecard periods: a calendar month (`2026-10`) or an ISO week
//! (`2026-W44`), always in UTC. Every dated fact falls in exactly one month
//! and one week.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, ISOWeekDate, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use crate::{DomainError, Timestamp};

/// A month or an ISO week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// A calendar month.
    Month {
        /// The year.
        year: i16,
        /// 1–12.
        month: i8,
    },
    /// An ISO 8601 week (Monday to Sunday; week-numbering year).
    Week {
        /// The ISO week-numbering year.
        year: i16,
        /// 1–53.
        week: i8,
    },
}

impl Period {
    /// The month `t` falls in.
    pub fn month_of(t: Timestamp) -> Self {
        let d = t.to_zoned(TimeZone::UTC).date();
        Self::Month {
            year: d.year(),
            month: d.month(),
        }
    }

    /// The ISO week `t` falls in.
    pub fn week_of(t: Timestamp) -> Self {
        let w = t.to_zoned(TimeZone::UTC).date().iso_week_date();
        Self::Week {
            year: w.year(),
            week: w.week(),
        }
    }

    /// Both periods `t` falls in: its month and its week.
    pub fn both_of(t: Timestamp) -> [Self; 2] {
        [Self::month_of(t), Self::week_of(t)]
    }

    /// Whether this is a week (else a month).
    pub fn is_week(self) -> bool {
        matches!(self, Self::Week { .. })
    }

    fn first_day(self) -> Result<Date, DomainError> {
        let bad = |e: jiff::Error| DomainError::value("period", e.to_string());
        match self {
            Self::Month { year, month } => Date::new(year, month, 1).map_err(bad),
            Self::Week { year, week } => Ok(ISOWeekDate::new(year, week, Weekday::Monday)
                .map_err(bad)?
                .date()),
        }
    }

    /// When the period starts (inclusive).
    pub fn start(self) -> Result<Timestamp, DomainError> {
        self.first_day()?
            .to_zoned(TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(|e| DomainError::value("period", e.to_string()))
    }

    /// When the next period starts (exclusive end of this one).
    pub fn end(self) -> Result<Timestamp, DomainError> {
        let bad = |e: jiff::Error| DomainError::value("period", e.to_string());
        let first = self.first_day()?;
        let next = match self {
            Self::Month { .. } => first
                .checked_add(jiff::Span::new().months(1))
                .map_err(bad)?,
            Self::Week { .. } => first.checked_add(jiff::Span::new().days(7)).map_err(bad)?,
        };
        next.to_zoned(TimeZone::UTC)
            .map(|z| z.timestamp())
            .map_err(bad)
    }

    /// The period before this one, of the same kind.
    pub fn prev(self) -> Result<Self, DomainError> {
        let d = self.first_day()?;
        let before = d
            .yesterday()
            .map_err(|e| DomainError::value("period", e.to_string()))?;
        let t = before
            .to_zoned(TimeZone::UTC)
            .map_err(|e| DomainError::value("period", e.to_string()))?
            .timestamp();
        Ok(if self.is_week() {
            Self::week_of(t)
        } else {
            Self::month_of(t)
        })
    }

    /// This period and the `n - 1` before it, oldest first.
    pub fn trailing(self, n: usize) -> Result<Vec<Self>, DomainError> {
        let mut out = vec![self];
        while out.len() < n.max(1) {
            let p = out.last().copied().unwrap_or(self).prev()?;
            out.push(p);
        }
        out.reverse();
        Ok(out)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Month { year, month } => write!(f, "{year:04}-{month:02}"),
            Self::Week { year, week } => write!(f, "{year:04}-W{week:02}"),
        }
    }
}

impl FromStr for Period {
    type Err = DomainError;

    fn from_str(raw: &str) -> Result<Self, DomainError> {
        let bad = || {
            DomainError::value(
                "period",
                format!("'{raw}' is neither a month like 2026-10 nor an ISO week like 2026-W44"),
            )
        };
        let (y, rest) = raw.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 {
            return Err(bad());
        }
        let year: i16 = y.parse().map_err(|_| bad())?;
        let p = if let Some(w) = rest.strip_prefix('W').or_else(|| rest.strip_prefix('w')) {
            if w.len() != 2 {
                return Err(bad());
            }
            Self::Week {
                year,
                week: w.parse().map_err(|_| bad())?,
            }
        } else {
            if rest.len() != 2 {
                return Err(bad());
            }
            Self::Month {
                year,
                month: rest.parse().map_err(|_| bad())?,
            }
        };
        // A week 53 that the year does not have, month 13…: refused here.
        p.first_day().map_err(|_| bad())?;
        Ok(p)
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn months_and_iso_weeks_parse_print_and_contain_their_instants() {
        let p: Period = "2026-10"
            .parse()
            .unwrap_or(Period::Month { year: 0, month: 1 });
        assert_eq!(p.to_string(), "2026-10");
        assert_eq!(Period::month_of(t("2026-10-31T23:59:59Z")), p);
        assert_ne!(Period::month_of(t("2026-11-01T00:00:00Z")), p);
        // 2026-10-19 is the Monday of ISO week 43.
        assert_eq!(
            Period::week_of(t("2026-10-19T00:00:00Z")).to_string(),
            "2026-W43"
        );
        assert_eq!(
            Period::week_of(t("2026-10-25T23:59:59Z")).to_string(),
            "2026-W43"
        );
        assert_eq!(
            Period::week_of(t("2026-10-26T00:00:00Z")).to_string(),
            "2026-W44"
        );
        // ISO years differ from calendar years at the edges.
        assert_eq!(
            Period::week_of(t("2027-01-01T12:00:00Z")).to_string(),
            "2026-W53"
        );
    }

    #[test]
    fn nonsense_periods_are_refused_by_name() {
        for raw in ["2026-13", "2026-W54", "26-10", "2026/10", "2025-W53", ""] {
            let e = raw
                .parse::<Period>()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("period"), "{raw}: {e}");
        }
    }

    #[test]
    fn trailing_periods_step_back_across_years() {
        let p: Period = "2026-02"
            .parse()
            .unwrap_or(Period::Month { year: 0, month: 1 });
        let names: Vec<String> = p
            .trailing(3)
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(names, ["2025-12", "2026-01", "2026-02"]);
        let w: Period = "2026-W01"
            .parse()
            .unwrap_or(Period::Month { year: 0, month: 1 });
        let names: Vec<String> = w
            .trailing(2)
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(names, ["2025-W52", "2026-W01"]);
    }
}
