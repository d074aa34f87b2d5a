//! Orgs, teams, users and roles: who is acting, and in which teams.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::error::DomainError;
use crate::event::Event;
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

/// Decides a new person: their name trimmed, and refused when blank. The
/// same decision for a live command and a line of history (whether the
/// email is free, and who may add people, are the caller's to say).
pub fn create_user(
    email: Email,
    name: &str,
    admin: bool,
    by: Option<Email>,
    at: Timestamp,
) -> Result<Event, DomainError> {
    let name = name.trim();
    if !crate::id::has_words(name) {
        return Err(DomainError::value("name", "give the person a name"));
    }
    Ok(Event::UserCreated {
        email,
        name: name.to_string(),
        admin,
        by,
        at,
    })
}

/// Longest team name, in characters.
pub const MAX_TEAM_NAME: usize = 100;

/// Decides a new team: its name trimmed, 1 to [`MAX_TEAM_NAME`]
/// characters. The same decision for a live command and a line of history
/// (whether the key is free is the directory's to say).
pub fn create_team(team: TeamKey, name: &str, at: Timestamp) -> Result<Event, DomainError> {
    let name = name.trim();
    if !crate::id::has_words(name) || name.chars().count() > MAX_TEAM_NAME {
        return Err(DomainError::value(
            "name",
            format!("give the team a name of 1 to {MAX_TEAM_NAME} characters"),
        ));
    }
    Ok(Event::TeamCreated {
        team,
        name: name.to_string(),
        at,
    })
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

/// One person as the org's decisions about people need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Administers the org.
    pub admin: bool,
    /// May sign in (not deactivated).
    pub active: bool,
    /// Their teams and roles.
    pub teams: BTreeMap<TeamKey, Role>,
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

/// The org's teams and people: what changes to people are decided on. The
/// app fills it from the org's directory; the same decisions serve the API,
/// the UI and provisioning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    /// The org's teams.
    pub teams: BTreeSet<TeamKey>,
    /// Its people by email.
    pub people: BTreeMap<Email, Person>,
}

impl People {
    fn person(&self, email: &Email) -> Result<&Person, DomainError> {
        self.people
            .get(email)
            .ok_or_else(|| DomainError::value("user", format!("'{email}' is not in this org")))
    }

    /// The events that make `email`'s teams exactly `teams`: joining,
    /// changing role, leaving. Admins only; every team must exist; an empty
    /// answer means nothing changes.
    pub fn set_teams(
        &self,
        actor: &Actor,
        email: &Email,
        teams: &BTreeMap<TeamKey, Role>,
        at: Timestamp,
    ) -> Result<Vec<Event>, DomainError> {
        actor.require_admin("change someone's teams")?;
        let person = self.person(email)?;
        if let Some(unknown) = teams.keys().find(|t| !self.teams.contains(*t)) {
            return Err(DomainError::value(
                "teams",
                format!("there is no team '{unknown}' in this org"),
            ));
        }
        let by = Some(actor.email.clone());
        let mut events = Vec::new();
        for team in person.teams.keys().filter(|t| !teams.contains_key(*t)) {
            events.push(Event::MemberRemoved {
                email: email.clone(),
                team: team.clone(),
                by: by.clone(),
                at,
            });
        }
        for (team, role) in teams {
            if person.teams.get(team) != Some(role) {
                events.push(Event::MemberAdded {
                    email: email.clone(),
                    team: team.clone(),
                    role: *role,
                    by: by.clone(),
                    at,
                });
            }
        }
        Ok(events)
    }

    /// Deactivates a leaver. Admins only; never oneself (an admin locked
    /// out by their own hand), never the last active admin.
    pub fn deactivate(
        &self,
        actor: &Actor,
        email: &Email,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        actor.require_admin("deactivate people")?;
        let person = self.person(email)?;
        if !person.active {
            return Err(DomainError::Rule(format!(
                "'{email}' is already deactivated"
            )));
        }
        if *email == actor.email {
            return Err(DomainError::Rule(
                "you cannot deactivate yourself; ask another admin".into(),
            ));
        }
        let other_admins = self
            .people
            .iter()
            .any(|(e, p)| e != email && p.admin && p.active);
        if person.admin && !other_admins {
            return Err(DomainError::Rule(format!(
                "'{email}' is the org's last active admin"
            )));
        }
        Ok(Event::UserDeactivated {
            email: email.clone(),
            by: Some(actor.email.clone()),
            at,
        })
    }

    /// Lets a deactivated person back in (admins only).
    pub fn reactivate(
        &self,
        actor: &Actor,
        email: &Email,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        actor.require_admin("reactivate people")?;
        if self.person(email)?.active {
            return Err(DomainError::Rule(format!("'{email}' is already active")));
        }
        Ok(Event::UserReactivated {
            email: email.clone(),
            by: Some(actor.email.clone()),
            at,
        })
    }

    /// How the org's people sign in from now on (admins only): password
    /// sign-in on or off, and who single sign-on may add (into `sso_team`,
    /// from `sso_domains`). `sso` says whether sign-in through an identity
    /// provider is configured: without it, password sign-in stays on.
    pub fn set_sign_in(
        &self,
        actor: &Actor,
        sso: bool,
        sign_in: SignIn,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        actor.require_admin("change how people sign in")?;
        if !sign_in.password && !sso {
            return Err(DomainError::Rule(
                "password sign-in cannot be switched off while no single sign-on is configured: nobody could sign in".into(),
            ));
        }
        if let Some(team) = &sign_in.sso_team
            && !self.teams.contains(team)
        {
            return Err(DomainError::value(
                "sso_team",
                format!("there is no team '{team}' in this org"),
            ));
        }
        let mut domains = Vec::new();
        for d in &sign_in.sso_domains {
            let d = d.trim().trim_start_matches('@').to_ascii_lowercase();
            if d.is_empty() || !d.contains('.') || d.contains(['@', ' ', '/']) {
                return Err(DomainError::value(
                    "sso_domains",
                    format!("'{d}' is not an email domain such as example.com"),
                ));
            }
            if !domains.contains(&d) {
                domains.push(d);
            }
        }
        if sign_in.sso_team.is_some() && domains.is_empty() {
            return Err(DomainError::value(
                "sso_domains",
                "name the email domains whose people may join (e.g. example.com)",
            ));
        }
        Ok(Event::SignInSet {
            password: sign_in.password,
            sso_team: sign_in.sso_team,
            sso_domains: domains,
            by: actor.email.clone(),
            at,
        })
    }

    /// Brings the people up to date with an org event (what an import
    /// replays, so that its later lines are decided on the same facts).
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::TeamCreated { team, .. } => {
                self.teams.insert(team.clone());
            }
            Event::UserCreated { email, admin, .. } => {
                self.people.insert(
                    email.clone(),
                    Person {
                        admin: *admin,
                        active: true,
                        teams: BTreeMap::new(),
                    },
                );
            }
            Event::MemberAdded {
                email, team, role, ..
            } => {
                if let Some(p) = self.people.get_mut(email) {
                    p.teams.insert(team.clone(), *role);
                }
            }
            Event::MemberRemoved { email, team, .. } => {
                if let Some(p) = self.people.get_mut(email) {
                    p.teams.remove(team);
                }
            }
            Event::UserDeactivated { email, .. } | Event::UserReactivated { email, .. } => {
                if let Some(p) = self.people.get_mut(email) {
                    p.active = matches!(event, Event::UserReactivated { .. });
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod people_tests {
    use super::*;

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn team(s: &str) -> TeamKey {
        TeamKey::parse(s).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn people() -> People {
        let mut p = People {
            teams: BTreeSet::from([team("ae"), team("cs")]),
            people: BTreeMap::new(),
        };
        for (e, admin, teams) in [
            ("admin@x.test", true, vec![]),
            ("ae1@x.test", false, vec![(team("ae"), Role::Member)]),
        ] {
            p.people.insert(
                email(e),
                Person {
                    admin,
                    active: true,
                    teams: teams.into_iter().collect(),
                },
            );
        }
        p
    }

    fn admin() -> Actor {
        Actor {
            email: email("admin@x.test"),
            admin: true,
            teams: BTreeMap::new(),
        }
    }

    #[test]
    fn set_teams_says_only_what_changes() {
        let p = people();
        let events = p
            .set_teams(
                &admin(),
                &email("ae1@x.test"),
                &BTreeMap::from([(team("cs"), Role::Lead)]),
                Timestamp::UNIX_EPOCH,
            )
            .unwrap_or_default();
        let kinds: Vec<&str> = events.iter().map(Event::kind).collect();
        assert_eq!(kinds, ["member_removed", "member_added"]);
        let same = p
            .set_teams(
                &admin(),
                &email("ae1@x.test"),
                &BTreeMap::from([(team("ae"), Role::Member)]),
                Timestamp::UNIX_EPOCH,
            )
            .unwrap_or_default();
        assert!(same.is_empty());
        let e = p
            .set_teams(
                &admin(),
                &email("ae1@x.test"),
                &BTreeMap::from([(team("ops"), Role::Member)]),
                Timestamp::UNIX_EPOCH,
            )
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("'ops'"), "{e}");
    }

    #[test]
    fn only_admins_change_people_and_never_the_last_admin_or_themselves() {
        let mut p = people();
        let member = Actor {
            email: email("ae1@x.test"),
            admin: false,
            teams: BTreeMap::new(),
        };
        assert!(matches!(
            p.deactivate(&member, &email("admin@x.test"), Timestamp::UNIX_EPOCH),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            p.deactivate(&admin(), &email("admin@x.test"), Timestamp::UNIX_EPOCH),
            Err(DomainError::Rule(_))
        ));
        let e = p
            .deactivate(&admin(), &email("ae1@x.test"), Timestamp::UNIX_EPOCH)
            .map(|e| e.kind());
        assert_eq!(e.ok(), Some("user_deactivated"));
        p.apply(&Event::UserDeactivated {
            email: email("ae1@x.test"),
            by: None,
            at: Timestamp::UNIX_EPOCH,
        });
        assert!(
            p.deactivate(&admin(), &email("ae1@x.test"), Timestamp::UNIX_EPOCH)
                .is_err()
        );
        assert_eq!(
            p.reactivate(&admin(), &email("ae1@x.test"), Timestamp::UNIX_EPOCH)
                .map(|e| e.kind())
                .ok(),
            Some("user_reactivated")
        );
        // Another admin may deactivate the first once there are two.
        p.people.insert(
            email("admin2@x.test"),
            Person {
                admin: true,
                active: true,
                teams: BTreeMap::new(),
            },
        );
        let second = Actor {
            email: email("admin2@x.test"),
            ..admin()
        };
        assert!(
            p.deactivate(&second, &email("admin@x.test"), Timestamp::UNIX_EPOCH)
                .is_ok()
        );
    }
}
