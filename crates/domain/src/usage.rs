//! Product usage: what a customer's people did in the product, per account
//! per day (active users, seats, the key features used). Onboarding watches
//! it for 60 to 90 days, and the seed asks that what it saw travel to the
//! CSM as telemetry, not as a status update: this module checks a day's
//! figures and turns a window of days into the adoption summary the
//! onboarding-to-cs form shows and may prefill.

use std::collections::{BTreeMap, BTreeSet};

use jiff::ToSpan;
use jiff::civil::Date;

use crate::AccountId;

/// Most feature names one day may carry.
pub const MAX_FEATURES: usize = 100;

/// Longest feature name, in characters.
pub const MAX_FEATURE_LEN: usize = 64;

/// Most active users or seats a day may report: far above any customer,
/// low enough that a unit mistake (bytes, milliseconds) is caught.
pub const MAX_USERS: u32 = 10_000_000;

/// How many days a usage summary looks back by default: the long end of
/// the seed's 60 to 90 days of onboarding.
pub const WINDOW_DAYS: i32 = 90;

/// A feature counts as kept when it was used within this many days of
/// the end of the window; used earlier and not since, it was dropped.
pub const KEPT_WITHIN_DAYS: i32 = 14;

/// One account's usage on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageDay {
    /// The account.
    pub account: AccountId,
    /// The day (the customer's product reports days, not instants).
    pub day: Date,
    /// People who used the product that day.
    pub active_users: u32,
    /// Seats paid for that day, when the product knows.
    pub seats: Option<u32>,
    /// The key features used that day.
    pub features: BTreeSet<String>,
}

impl UsageDay {
    /// Why this day cannot be recorded, judged on `today` (the org's
    /// clock): a day not yet over is a forecast, not usage.
    pub fn problem(&self, today: Date) -> Option<String> {
        if self.day > today {
            return Some(format!(
                "day {} is in the future (today is {today})",
                self.day
            ));
        }
        if self.active_users > MAX_USERS {
            return Some(format!(
                "active_users {} is more than {MAX_USERS}",
                self.active_users
            ));
        }
        if let Some(seats) = self.seats.filter(|s| *s > MAX_USERS) {
            return Some(format!("seats {seats} is more than {MAX_USERS}"));
        }
        if self.features.len() > MAX_FEATURES {
            return Some(format!(
                "{} features; at most {MAX_FEATURES} a day",
                self.features.len()
            ));
        }
        self.features.iter().find_map(|f| feature_problem(f))
    }
}

/// Why `name` cannot be a feature's name.
pub fn feature_problem(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        Some("a feature name is empty".into())
    } else if name.trim() != name {
        Some(format!("feature '{name}' has spaces around it"))
    } else if name.chars().count() > MAX_FEATURE_LEN {
        Some(format!(
            "feature '{name}' is longer than {MAX_FEATURE_LEN} characters"
        ))
    } else if name.chars().any(char::is_control) {
        Some(format!(
            "feature '{}' has a control character",
            name.escape_debug()
        ))
    } else {
        None
    }
}

/// What happened to one feature over a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureUse {
    /// The feature.
    pub name: String,
    /// The first day it was used.
    pub first: Date,
    /// The last day it was used.
    pub last: Date,
    /// On how many of the window's reported days it was used.
    pub days: usize,
    /// Used within [`KEPT_WITHIN_DAYS`] of the window's end.
    pub kept: bool,
}

/// One week of the adoption curve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Week {
    /// Its Monday.
    pub start: Date,
    /// The most active users on one day of it.
    pub peak_users: u32,
}

/// An account's usage over a window, as a CSM reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adoption {
    /// The first day of the window.
    pub from: Date,
    /// The last day of the window.
    pub to: Date,
    /// Days with a report.
    pub reported_days: usize,
    /// The weekly curve, oldest first (weeks with a report only).
    pub weeks: Vec<Week>,
    /// Seats on the latest day that said.
    pub seats: Option<u32>,
    /// The features, most used first.
    pub features: Vec<FeatureUse>,
}

impl Adoption {
    /// Summarises `days` (one account's, any order) between `from` and
    /// `to` inclusive; days outside are left out.
    pub fn of(days: &[UsageDay], from: Date, to: Date) -> Self {
        let mut inside: Vec<&UsageDay> = days
            .iter()
            .filter(|d| d.day >= from && d.day <= to)
            .collect();
        inside.sort_by_key(|d| d.day);
        let mut weeks: BTreeMap<Date, u32> = BTreeMap::new();
        let mut features: BTreeMap<&str, (Date, Date, usize)> = BTreeMap::new();
        for d in &inside {
            let peak = weeks.entry(monday_of(d.day)).or_default();
            *peak = (*peak).max(d.active_users);
            for f in &d.features {
                let e = features.entry(f).or_insert((d.day, d.day, 0));
                e.1 = d.day;
                e.2 += 1;
            }
        }
        let kept_since = to.saturating_sub((KEPT_WITHIN_DAYS - 1).days());
        let mut features: Vec<FeatureUse> = features
            .into_iter()
            .map(|(name, (first, last, days))| FeatureUse {
                name: name.to_string(),
                first,
                last,
                days,
                kept: last >= kept_since,
            })
            .collect();
        features.sort_by(|a, b| b.days.cmp(&a.days).then_with(|| a.name.cmp(&b.name)));
        Self {
            from,
            to,
            reported_days: inside.len(),
            weeks: weeks
                .into_iter()
                .map(|(start, peak_users)| Week { start, peak_users })
                .collect(),
            seats: inside.iter().rev().find_map(|d| d.seats),
            features,
        }
    }

    /// The window has no report at all.
    pub fn is_empty(&self) -> bool {
        self.reported_days == 0
    }

    /// The adoption curve in words, measured: what the onboarding-to-cs
    /// form offers as the answer to "Adoption curve by product / feature".
    /// `None` when there is nothing to say.
    pub fn text(&self) -> Option<String> {
        let (first, last) = (self.weeks.first()?, self.weeks.last()?);
        let mut out = format!(
            "Weekly active users {} (week of {}) → {} (week of {})",
            first.peak_users, first.start, last.peak_users, last.start
        );
        if let Some(seats) = self.seats.filter(|s| *s > 0) {
            out.push_str(&format!(
                " of {seats} seats ({}%)",
                u64::from(last.peak_users) * 100 / u64::from(seats)
            ));
        }
        out.push_str(&format!(
            "; usage reported on {}, {} to {}.",
            days(self.reported_days),
            self.from,
            self.to
        ));
        let kept: Vec<String> = self
            .features
            .iter()
            .filter(|f| f.kept)
            .map(|f| format!("{} (used on {} since {})", f.name, days(f.days), f.first))
            .collect();
        let dropped: Vec<String> = self
            .features
            .iter()
            .filter(|f| !f.kept)
            .map(|f| format!("{} (last used {})", f.name, f.last))
            .collect();
        if !kept.is_empty() {
            out.push_str(&format!(" Stuck: {}.", kept.join(", ")));
        }
        if !dropped.is_empty() {
            out.push_str(&format!(" Dropped: {}.", dropped.join(", ")));
        }
        Some(out)
    }
}

/// "1 day", "3 days".
pub fn days(n: usize) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

/// The Monday of `day`'s ISO week.
fn monday_of(day: Date) -> Date {
    let back = i32::from(day.weekday().to_monday_zero_offset());
    day.saturating_sub(back.days())
}

/// The latest day usage may be reported for at `now`: the day that has
/// begun somewhere on Earth (UTC+14), so a customer far east of UTC is not
/// refused its own today, and anything later is a forecast.
pub fn latest_day(now: crate::Timestamp) -> Date {
    let east = now.saturating_add(14.hours()).unwrap_or(now);
    east.to_zoned(jiff::tz::TimeZone::UTC).date()
}

/// The window a summary covers by default: the [`WINDOW_DAYS`] up to and
/// including `to`.
pub fn window_ending(to: Date) -> (Date, Date) {
    (to.saturating_sub((WINDOW_DAYS - 1).days()), to)
}

/// Where a field's value may come from besides the sender's typing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prefill {
    /// The account's product usage ([`Adoption::text`]).
    Usage,
}

#[cfg(test)]
mod tests;
