//! Orgs, teams, users and roles: who is acting, and in which teams. The
//! org's directory and every decision about it are in [`directory`].

mod directory;

pub use directory::{Directory, MAX_TEAM_NAME, NewPerson, UserRecord};

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

/// How an org's people sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    /// Password sign-in allowed.
    pub password: bool,
    /// The team new people signing in with SSO join; none: no one new.
    pub sso_team: Option<TeamKey>,
    /// The email domains whose new people may join that way.
    pub sso_domains: Vec<String>,
}

impl Default for SignIn {
    fn default() -> Self {
        Self {
            password: true,
            sso_team: None,
            sso_domains: Vec::new(),
        }
    }
}

impl SignIn {
    /// Whether someone new with this (verified) email may join by SSO, and
    /// into which team.
    pub fn joins(&self, email: &Email) -> Option<&TeamKey> {
        let domain = email.as_str().rsplit_once('@')?.1;
        self.sso_team
            .as_ref()
            .filter(|_| self.sso_domains.iter().any(|d| d == domain))
    }
}
