//! Who hears of what (SPEC §12): the kinds of notification, who each one
//! goes to, and each person's preferences (each kind off, at once, or in a
//! daily digest at an hour of their own day).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::contract::ContractDef;
use crate::error::DomainError;
use crate::event::Event;
use crate::handoff::{Handoff, State};
use crate::id::{Email, TeamKey};
use crate::org::Role;
use crate::{Timestamp, sla::SlaKind};

/// Something a person is told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A handoff waits for the receiving team's decision.
    Submitted,
    /// The receiver sent a handoff back to its sender.
    Rejected,
    /// A deadline passed unmet.
    SlaBreached,
    /// A note seems to re-ask what a handoff answered.
    Suggestion,
}

impl NoticeKind {
    /// Every kind, in the order preferences list them.
    pub const ALL: [Self; 4] = [
        Self::Submitted,
        Self::Rejected,
        Self::SlaBreached,
        Self::Suggestion,
    ];

    /// Its stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Rejected => "rejected",
            Self::SlaBreached => "sla_breached",
            Self::Suggestion => "suggestion",
        }
    }

    /// Parses [`NoticeKind::as_str`]'s names.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// What a person reads in their preferences.
    pub fn label(self) -> &'static str {
        match self {
            Self::Submitted => "A handoff waits for my team's decision",
            Self::Rejected => "My handoff was sent back for rework",
            Self::SlaBreached => "A deadline I or my team owe was missed",
            Self::Suggestion => "A possible re-discovery on my team's account",
        }
    }

    /// The kind an event is told as, if people are told of it at all.
    pub fn of(event: &Event) -> Option<Self> {
        match event {
            Event::Submitted { .. } => Some(Self::Submitted),
            Event::Rejected { .. } => Some(Self::Rejected),
            Event::SlaBreached { .. } => Some(Self::SlaBreached),
            Event::RediscoverySuggested { .. } => Some(Self::Suggestion),
            _ => None,
        }
    }
}

/// Who a notice goes to, before it is matched against the org's people.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audience {
    /// Named people.
    pub people: BTreeSet<Email>,
    /// Every member of these teams.
    pub teams: BTreeSet<TeamKey>,
    /// The leads of these teams.
    pub leads_of: BTreeSet<TeamKey>,
    /// Never told of their own act.
    pub except: Option<Email>,
}

impl Audience {
    /// The addresses among `people` (each with their teams and roles) that
    /// this audience names, once each, the actor left out.
    pub fn resolve<'a>(
        &self,
        people: impl IntoIterator<Item = (&'a Email, &'a BTreeMap<TeamKey, Role>)>,
    ) -> BTreeSet<Email> {
        people
            .into_iter()
            .filter(|(email, teams)| {
                self.people.contains(*email)
                    || teams.iter().any(|(team, role)| {
                        self.teams.contains(team)
                            || (*role == Role::Lead && self.leads_of.contains(team))
                    })
            })
            .map(|(email, _)| email.clone())
            .filter(|email| self.except.as_ref() != Some(email))
            .collect()
    }
}

/// Who is told of `event` about `handoff` (as it stands after the event),
/// per SPEC §12: a submission goes to the receiving team; a rejection to
/// the sender; a breach to whoever owes the next step and their team's
/// leads; a re-discovery suggestion to the receiving team.
pub fn audience(event: &Event, handoff: &Handoff, def: &ContractDef) -> Option<Audience> {
    let mut a = Audience::default();
    match event {
        Event::Submitted { by, .. } => {
            a.teams.insert(handoff.to.clone());
            a.except = Some(by.clone());
        }
        Event::Rejected { by, .. } => {
            a.people.insert(handoff.sender.clone());
            a.except = Some(by.clone());
        }
        Event::SlaBreached { kind, .. } => {
            // Rework is the sender's to do; every other promise (decide,
            // touch, acknowledge, echo, close the loop, re-unify) is the
            // receiver's.
            if *kind == SlaKind::Acceptance && handoff.state == State::Rejected {
                a.people.insert(handoff.sender.clone());
                a.leads_of.insert(def.sending_team.clone());
            } else {
                a.teams.insert(handoff.to.clone());
                a.leads_of.insert(handoff.to.clone());
            }
        }
        Event::RediscoverySuggested { author, .. } => {
            a.teams.insert(handoff.to.clone());
            a.except = author.clone();
        }
        _ => return None,
    }
    Some(a)
}

/// How one kind reaches a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Not at all.
    Off,
    /// One mail as it happens.
    Immediate,
    /// Gathered into one mail a day.
    Digest,
}

impl Delivery {
    /// Its stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "off",
            Self::Immediate => "immediate",
            Self::Digest => "digest",
        }
    }

    /// Parses [`Delivery::as_str`]'s names.
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Off, Self::Immediate, Self::Digest]
            .into_iter()
            .find(|d| d.as_str() == raw)
    }
}

/// The hour of the day a digest goes out when a person has not chosen one.
pub const DEFAULT_DIGEST_HOUR: u8 = 8;

/// One person's notification preferences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// How each kind reaches them; a kind not named comes at once.
    #[serde(default)]
    pub kinds: BTreeMap<NoticeKind, Delivery>,
    /// The hour (0–23, their time) their daily digest goes out.
    #[serde(default = "default_digest_hour")]
    pub digest_hour: u8,
    /// Their time zone (IANA name, e.g. `Europe/Paris`).
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// By email (where Baton sends mail).
    #[serde(default = "yes")]
    pub email: bool,
    /// As a Slack direct message (where Baton has a Slack bot).
    #[serde(default = "yes")]
    pub slack: bool,
}

fn yes() -> bool {
    true
}

fn default_digest_hour() -> u8 {
    DEFAULT_DIGEST_HOUR
}

fn default_time_zone() -> String {
    "UTC".into()
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            kinds: BTreeMap::new(),
            digest_hour: DEFAULT_DIGEST_HOUR,
            time_zone: default_time_zone(),
            email: true,
            slack: true,
        }
    }
}

impl Preferences {
    /// How `kind` reaches this person.
    pub fn delivery(&self, kind: NoticeKind) -> Delivery {
        self.kinds
            .get(&kind)
            .copied()
            .unwrap_or(Delivery::Immediate)
    }

    /// Refuses an hour outside the day or a time zone `zone_known` does not
    /// know, naming which.
    pub fn check(&self, zone_known: impl Fn(&str) -> bool) -> Result<(), DomainError> {
        if self.digest_hour > 23 {
            return Err(DomainError::InvalidValue {
                what: "digest_hour".into(),
                why: format!("{} is not an hour of the day (0 to 23)", self.digest_hour),
            });
        }
        if !zone_known(&self.time_zone) {
            return Err(DomainError::InvalidValue {
                what: "time_zone".into(),
                why: format!(
                    "'{}' is not a known time zone (use an IANA name such as Europe/Paris)",
                    self.time_zone
                ),
            });
        }
        Ok(())
    }

    /// When the digest holding something that happened at `after` goes
    /// out: the first `digest_hour` o'clock in `zone` strictly after it.
    pub fn next_digest(&self, zone: &jiff::tz::TimeZone, after: Timestamp) -> Timestamp {
        let local = after.to_zoned(zone.clone());
        let hour = i8::try_from(self.digest_hour.min(23)).unwrap_or(8);
        let mut day = local.date();
        for _ in 0..3 {
            // A day may lack the hour (a DST gap): compatible resolution
            // moves it forward, and the loop tries the next day if the
            // result is not after `after`.
            if let Ok(at) = day.at(hour, 0, 0, 0).to_zoned(zone.clone())
                && at.timestamp() > after
            {
                return at.timestamp();
            }
            day = day.tomorrow().unwrap_or(day);
        }
        after + jiff::SignedDuration::from_hours(24)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::HandoffId;

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn team(s: &str) -> TeamKey {
        TeamKey::parse(s).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn people() -> Vec<(Email, BTreeMap<TeamKey, Role>)> {
        vec![
            (
                email("ae@x.test"),
                BTreeMap::from([(team("ae"), Role::Member)]),
            ),
            (
                email("ae-lead@x.test"),
                BTreeMap::from([(team("ae"), Role::Lead)]),
            ),
            (
                email("on1@x.test"),
                BTreeMap::from([(team("onboarding"), Role::Member)]),
            ),
            (
                email("on-lead@x.test"),
                BTreeMap::from([(team("onboarding"), Role::Lead)]),
            ),
            (
                email("both@x.test"),
                BTreeMap::from([
                    (team("onboarding"), Role::Member),
                    (team("ae"), Role::Member),
                ]),
            ),
        ]
    }

    fn resolve(a: &Audience) -> Vec<String> {
        let people = people();
        a.resolve(people.iter().map(|(e, t)| (e, t)))
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn a_team_audience_is_its_members_once_each_without_the_actor() {
        let a = Audience {
            teams: BTreeSet::from([team("onboarding")]),
            except: Some(email("both@x.test")),
            ..Audience::default()
        };
        assert_eq!(resolve(&a), ["on-lead@x.test", "on1@x.test"]);
    }

    #[test]
    fn leads_of_a_team_are_only_its_leads() {
        let a = Audience {
            people: BTreeSet::from([email("ae@x.test")]),
            leads_of: BTreeSet::from([team("ae")]),
            ..Audience::default()
        };
        assert_eq!(resolve(&a), ["ae-lead@x.test", "ae@x.test"]);
    }

    #[test]
    fn only_the_four_kinds_are_told() {
        let submitted = Event::Submitted {
            handoff: HandoffId::parse("h1").unwrap_or_else(|e| unreachable!("{e}")),
            contract: None,
            account: None,
            deal: None,
            version: None,
            to: None,
            by: email("ae@x.test"),
            at: Timestamp::UNIX_EPOCH,
            values: BTreeMap::new(),
            score: None,
        };
        assert_eq!(NoticeKind::of(&submitted), Some(NoticeKind::Submitted));
        let withdrawn = Event::Withdrawn {
            handoff: HandoffId::parse("h1").unwrap_or_else(|e| unreachable!("{e}")),
            by: email("ae@x.test"),
            at: Timestamp::UNIX_EPOCH,
        };
        assert_eq!(NoticeKind::of(&withdrawn), None);
        for k in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn a_kind_not_named_comes_at_once() {
        let mut p = Preferences::default();
        assert_eq!(p.delivery(NoticeKind::Rejected), Delivery::Immediate);
        p.kinds.insert(NoticeKind::Rejected, Delivery::Off);
        assert_eq!(p.delivery(NoticeKind::Rejected), Delivery::Off);
    }

    #[test]
    fn check_names_a_bad_hour_and_an_unknown_zone() {
        let p = Preferences {
            digest_hour: 24,
            ..Preferences::default()
        };
        let e = p.check(|_| true).err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("digest_hour") && e.contains("24")));
        let p = Preferences {
            time_zone: "Mars/Olympus".into(),
            ..Preferences::default()
        };
        let e = p.check(|z| z == "UTC").err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("Mars/Olympus")));
    }

    #[test]
    fn the_digest_goes_out_at_the_next_local_hour() {
        let p = Preferences {
            digest_hour: 9,
            time_zone: "Etc/GMT-2".into(),
            ..Preferences::default()
        };
        // Etc/GMT-2 is UTC+2: 09:00 there is 07:00 UTC.
        let zone = jiff::tz::TimeZone::fixed(jiff::tz::offset(2));
        let before: Timestamp = "2026-03-02T06:59:00Z".parse().unwrap_or_default();
        let after: Timestamp = "2026-03-02T07:00:00Z".parse().unwrap_or_default();
        assert_eq!(
            p.next_digest(&zone, before).to_string(),
            "2026-03-02T07:00:00Z"
        );
        assert_eq!(
            p.next_digest(&zone, after).to_string(),
            "2026-03-03T07:00:00Z"
        );
    }
}
