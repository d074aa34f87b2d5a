//! Orgs, teams, users and roles: who is acting, and in which teams.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::id::{Email, TeamKey};

/// A user's role in one team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Works handoffs of the team.
    Member,
    /// Also holds the pen on the contracts the team receives.
    Lead,
}

impl Role {
    /// Parses `member` or `lead`.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "member" => Some(Self::Member),
            "lead" => Some(Self::Lead),
            _ => None,
        }
    }

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Lead => "lead",
        }
    }
}

/// The teams every new org starts with, with their display names.
pub const DEFAULT_TEAMS: &[(&str, &str)] = &[
    ("marketing", "Marketing"),
    ("sdr", "Sales development"),
    ("ae", "Account executives"),
    ("onboarding", "Onboarding & implementation"),
    ("cs", "Customer success"),
    ("support", "Support"),
    ("product", "Product"),
    ("motion-a", "Motion A"),
    ("motion-b", "Motion B"),
];

/// Someone acting in Baton, with what the domain needs to judge them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    /// Who.
    pub email: Email,
    /// Org admins manage teams, users and tokens and may act for any team.
    pub admin: bool,
    /// The teams they belong to, with their role in each.
    pub teams: BTreeMap<TeamKey, Role>,
}

impl Actor {
    /// Whether they belong to `team` in any role.
    pub fn in_team(&self, team: &TeamKey) -> bool {
        self.teams.contains_key(team)
    }

    /// Whether they lead `team`.
    pub fn leads(&self, team: &TeamKey) -> bool {
        self.teams.get(team) == Some(&Role::Lead)
    }

    /// Refuses anyone but an org admin; `action` completes "only org admins …".
    pub fn require_admin(&self, action: &str) -> Result<(), DomainError> {
        if self.admin {
            Ok(())
        } else {
            Err(DomainError::Forbidden(format!("only org admins {action}")))
        }
    }
}

/// One person of the org as a [`Roster`] knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Their email.
    pub email: Email,
    /// Their name as the org knows it.
    pub name: String,
    /// The teams they belong to.
    pub teams: BTreeSet<TeamKey>,
}

/// The org's people and their teams, for decisions about people *named in
/// values* (a communication owner must be on the CS team). The app fills it
/// from the org's directory; the domain only reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    people: Vec<Member>,
}

impl Roster {
    /// A roster of these people.
    pub fn new(people: impl IntoIterator<Item = Member>) -> Self {
        Self {
            people: people.into_iter().collect(),
        }
    }

    /// The people a person value names: the one with its email when it has
    /// one, otherwise everyone of its name (ignoring case and spacing).
    pub fn named(&self, email: Option<&str>, name: Option<&str>) -> Vec<&Member> {
        let squash = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        match (email, name) {
            (Some(e), _) => self
                .people
                .iter()
                .filter(|m| m.email.as_str().eq_ignore_ascii_case(e.trim()))
                .collect(),
            (None, Some(n)) if !n.trim().is_empty() => {
                let n = squash(n);
                self.people
                    .iter()
                    .filter(|m| squash(&m.name) == n)
                    .collect()
            }
            (None, _) => Vec::new(),
        }
    }
}
