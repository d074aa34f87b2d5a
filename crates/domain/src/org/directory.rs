//! The org's directory (teams, people, memberships) and every decision about
//! it. The live use cases, SCIM provisioning, sign-in by SSO and history
//! import all decide here, on the directory as it stands, so they cannot
//! disagree about who may be added, where, or by whom.
//!
//! A command takes the actor deciding it, or `None` for the org itself: its
//! founding, a person joining by SSO, or a line of history that names
//! nobody. The org itself holds an admin's authority, and the events it
//! decides name nobody either.

use std::collections::BTreeMap;

use super::{Actor, Role, SignIn};
use crate::Timestamp;
use crate::error::DomainError;
use crate::event::{Event, Stream};
use crate::id::{Email, TeamKey};

/// Longest team name, in characters.
pub const MAX_TEAM_NAME: usize = 100;

/// A user, with the teams they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// Their name.
    pub name: String,
    /// Org admin.
    pub admin: bool,
    /// May sign in (not deactivated).
    pub active: bool,
    /// Teams and roles.
    pub teams: BTreeMap<TeamKey, Role>,
}

/// The org's people and teams: what every use case consults to judge an
/// actor, and what every change to people is decided on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    /// The org stream's version (teams, users, memberships, settings).
    pub version: u64,
    /// Teams by key, with display names.
    pub teams: BTreeMap<TeamKey, String>,
    /// Users by email.
    pub users: BTreeMap<Email, UserRecord>,
}

/// A person to add, with their teams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPerson {
    /// Their email (the login).
    pub email: Email,
    /// Their name; trimmed, never blank.
    pub name: String,
    /// Whether they administer the org.
    pub admin: bool,
    /// Their teams and roles.
    pub teams: Vec<(TeamKey, Role)>,
}

/// Refuses anyone but an admin (the org itself holds that authority) and
/// says who the decided events name.
fn authorise(actor: Option<&Actor>, action: &str) -> Result<Option<Email>, DomainError> {
    match actor {
        None => Ok(None),
        Some(a) => {
            a.require_admin(action)?;
            Ok(Some(a.email.clone()))
        }
    }
}

impl Directory {
    /// The actor `email` is, if they are in the org.
    pub fn actor(&self, email: &Email) -> Option<Actor> {
        self.users.get(email).map(|u| Actor {
            email: email.clone(),
            admin: u.admin,
            teams: u.teams.clone(),
        })
    }

    fn user(&self, email: &Email) -> Result<&UserRecord, DomainError> {
        // The email is not echoed: to another org, whether the address
        // exists anywhere is none of its business.
        self.users
            .get(email)
            .ok_or_else(|| DomainError::Unknown("a user of that email in your org".into()))
    }

    fn team(&self, team: &TeamKey) -> Result<(), DomainError> {
        if self.teams.contains_key(team) {
            Ok(())
        } else {
            Err(DomainError::Unknown(format!("team '{team}'")))
        }
    }

    /// Decides a new team (admins only): its key is free, its name trimmed
    /// and 1 to [`MAX_TEAM_NAME`] characters.
    pub fn create_team(
        &self,
        actor: Option<&Actor>,
        team: TeamKey,
        name: &str,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        authorise(actor, "create teams")?;
        let name = name.trim();
        if !crate::id::has_words(name) || name.chars().count() > MAX_TEAM_NAME {
            return Err(DomainError::value(
                "name",
                format!("give the team a name of 1 to {MAX_TEAM_NAME} characters"),
            ));
        }
        if self.teams.contains_key(&team) {
            return Err(DomainError::Taken(format!("team '{team}' already exists")));
        }
        Ok(Event::TeamCreated {
            team,
            name: name.to_string(),
            at,
        })
    }

    /// Decides a new person and their memberships (admins only): the email
    /// is not the org's already, every team exists, the name is trimmed
    /// and never blank.
    pub fn add_person(
        &self,
        actor: Option<&Actor>,
        new: NewPerson,
        at: Timestamp,
    ) -> Result<Vec<Event>, DomainError> {
        let by = authorise(actor, "add users")?;
        let name = new.name.trim();
        if !crate::id::has_words(name) {
            return Err(DomainError::value("name", "give the person a name"));
        }
        if self.users.contains_key(&new.email) {
            return Err(DomainError::Taken(format!(
                "user '{}' already exists",
                new.email
            )));
        }
        for (team, _) in &new.teams {
            self.team(team)?;
        }
        let mut events = vec![Event::UserCreated {
            email: new.email.clone(),
            name: name.to_string(),
            admin: new.admin,
            by: by.clone(),
            at,
        }];
        for (team, role) in new.teams {
            events.push(Event::MemberAdded {
                email: new.email.clone(),
                team,
                role,
                by: by.clone(),
                at,
            });
        }
        Ok(events)
    }

    /// Decides someone joining by SSO into the org's SSO team, as a member,
    /// named as the identity provider names them (or by their email's
    /// local part when it names them with nothing but spaces).
    pub fn join_by_sso(
        &self,
        email: &Email,
        name: Option<&str>,
        team: TeamKey,
        at: Timestamp,
    ) -> Result<Vec<Event>, DomainError> {
        let name = name
            .filter(|n| crate::id::has_words(n))
            .map_or_else(|| local_part(email), str::to_string);
        self.add_person(
            None,
            NewPerson {
                email: email.clone(),
                name,
                admin: false,
                teams: vec![(team, Role::Member)],
            },
            at,
        )
    }

    /// The people a history line names that the org does not know yet: a
    /// person first seen acting joins as a member of the team they act for
    /// (if any), named by their email's local part. Nothing for someone the
    /// org knows.
    pub fn first_seen(&self, email: &Email, team: Option<&TeamKey>, at: Timestamp) -> Vec<Event> {
        if self.users.contains_key(email) {
            return Vec::new();
        }
        let mut events = vec![Event::UserCreated {
            email: email.clone(),
            name: local_part(email),
            admin: false,
            by: None,
            at,
        }];
        if let Some(team) = team {
            events.push(Event::MemberAdded {
                email: email.clone(),
                team: team.clone(),
                role: Role::Member,
                by: None,
                at,
            });
        }
        events
    }

    /// Decides `email` joining `team` as `role`, or taking that role in it
    /// (admins only). Refused when it changes nothing.
    pub fn add_member(
        &self,
        actor: Option<&Actor>,
        email: &Email,
        team: &TeamKey,
        role: Role,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        let person = self.user(email)?;
        let by = authorise(actor, "change someone's teams")?;
        self.team(team)?;
        if person.teams.get(team) == Some(&role) {
            return Err(DomainError::Rule(format!(
                "'{email}' is already a {} of team '{team}'",
                role.as_str()
            )));
        }
        Ok(Event::MemberAdded {
            email: email.clone(),
            team: team.clone(),
            role,
            by,
            at,
        })
    }

    /// Decides `email` leaving `team` (admins only).
    pub fn remove_member(
        &self,
        actor: Option<&Actor>,
        email: &Email,
        team: &TeamKey,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        let person = self.user(email)?;
        let by = authorise(actor, "change someone's teams")?;
        if !person.teams.contains_key(team) {
            return Err(DomainError::Rule(format!(
                "'{email}' is not in team '{team}'"
            )));
        }
        Ok(Event::MemberRemoved {
            email: email.clone(),
            team: team.clone(),
            by,
            at,
        })
    }

    /// The events that make `email`'s teams exactly `teams`: joining,
    /// changing role, leaving. Admins only; every team must exist; an empty
    /// answer means nothing changes.
    pub fn set_teams(
        &self,
        actor: Option<&Actor>,
        email: &Email,
        teams: &BTreeMap<TeamKey, Role>,
        at: Timestamp,
    ) -> Result<Vec<Event>, DomainError> {
        let person = self.user(email)?;
        let by = authorise(actor, "change someone's teams")?;
        if let Some(unknown) = teams.keys().find(|t| !self.teams.contains_key(*t)) {
            return Err(DomainError::value(
                "teams",
                format!("there is no team '{unknown}' in this org"),
            ));
        }
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
        actor: Option<&Actor>,
        email: &Email,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        let person = self.user(email)?;
        let by = authorise(actor, "deactivate people")?;
        if !person.active {
            return Err(DomainError::Rule(format!(
                "'{email}' is already deactivated"
            )));
        }
        if by.as_ref() == Some(email) {
            return Err(DomainError::Rule(
                "you cannot deactivate yourself; ask another admin".into(),
            ));
        }
        let other_admins = self
            .users
            .iter()
            .any(|(e, p)| e != email && p.admin && p.active);
        if person.admin && !other_admins {
            return Err(DomainError::Rule(format!(
                "'{email}' is the org's last active admin"
            )));
        }
        Ok(Event::UserDeactivated {
            email: email.clone(),
            by,
            at,
        })
    }

    /// Lets a deactivated person back in (admins only).
    pub fn reactivate(
        &self,
        actor: Option<&Actor>,
        email: &Email,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        let person = self.user(email)?;
        let by = authorise(actor, "reactivate people")?;
        if person.active {
            return Err(DomainError::Rule(format!("'{email}' is already active")));
        }
        Ok(Event::UserReactivated {
            email: email.clone(),
            by,
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
            && !self.teams.contains_key(team)
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

    /// Brings the directory up to date with an event: an event of the org's
    /// stream advances its version, and those about teams and people
    /// change them. Other streams' events leave it as it is.
    pub fn apply(&mut self, event: &Event) {
        if event.stream() != Stream::Org {
            return;
        }
        self.version += 1;
        match event {
            Event::TeamCreated { team, name, .. } => {
                self.teams.insert(team.clone(), name.clone());
            }
            Event::UserCreated {
                email, name, admin, ..
            } => {
                self.users.insert(
                    email.clone(),
                    UserRecord {
                        name: name.clone(),
                        admin: *admin,
                        active: true,
                        teams: BTreeMap::new(),
                    },
                );
            }
            Event::MemberAdded {
                email, team, role, ..
            } => {
                if let Some(u) = self.users.get_mut(email) {
                    u.teams.insert(team.clone(), *role);
                }
            }
            Event::MemberRemoved { email, team, .. } => {
                if let Some(u) = self.users.get_mut(email) {
                    u.teams.remove(team);
                }
            }
            Event::UserDeactivated { email, .. } | Event::UserReactivated { email, .. } => {
                if let Some(u) = self.users.get_mut(email) {
                    u.active = matches!(event, Event::UserReactivated { .. });
                }
            }
            _ => {}
        }
    }
}

/// An email's local part, as a name for someone known only by their email.
fn local_part(email: &Email) -> String {
    email
        .as_str()
        .split('@')
        .next()
        .unwrap_or(email.as_str())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(s: &str) -> Email {
        Email::parse(s).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn team(s: &str) -> TeamKey {
        TeamKey::parse(s).unwrap_or_else(|e| unreachable!("{e}"))
    }

    const T0: Timestamp = Timestamp::UNIX_EPOCH;

    fn directory() -> Directory {
        let mut d = Directory::default();
        for e in [
            Event::TeamCreated {
                team: team("ae"),
                name: "AE".into(),
                at: T0,
            },
            Event::TeamCreated {
                team: team("cs"),
                name: "CS".into(),
                at: T0,
            },
        ] {
            d.apply(&e);
        }
        for e in d
            .add_person(
                None,
                NewPerson {
                    email: email("admin@x.test"),
                    name: "Ada".into(),
                    admin: true,
                    teams: vec![],
                },
                T0,
            )
            .unwrap_or_default()
            .into_iter()
            .chain(d.first_seen(&email("ae1@x.test"), Some(&team("ae")), T0))
        {
            d.apply(&e);
        }
        d
    }

    fn admin() -> Actor {
        Actor {
            email: email("admin@x.test"),
            admin: true,
            teams: BTreeMap::new(),
        }
    }

    #[test]
    fn apply_keeps_the_stream_version_and_the_people() {
        let d = directory();
        // Two teams, a person, and a person with a membership.
        assert_eq!(d.version, 5);
        assert_eq!(d.users[&email("ae1@x.test")].name, "ae1");
        assert_eq!(
            d.actor(&email("ae1@x.test")).map(|a| a.teams),
            Some(BTreeMap::from([(team("ae"), Role::Member)]))
        );
    }

    #[test]
    fn set_teams_says_only_what_changes() {
        let d = directory();
        let ae1 = email("ae1@x.test");
        let events = d
            .set_teams(
                Some(&admin()),
                &ae1,
                &BTreeMap::from([(team("cs"), Role::Lead)]),
                T0,
            )
            .unwrap_or_default();
        let kinds: Vec<&str> = events.iter().map(Event::kind).collect();
        assert_eq!(kinds, ["member_removed", "member_added"]);
        let same = d
            .set_teams(
                Some(&admin()),
                &ae1,
                &BTreeMap::from([(team("ae"), Role::Member)]),
                T0,
            )
            .unwrap_or_default();
        assert!(same.is_empty());
        let e = d
            .set_teams(
                Some(&admin()),
                &ae1,
                &BTreeMap::from([(team("ops"), Role::Member)]),
                T0,
            )
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("'ops'"), "{e}");
    }

    #[test]
    fn only_admins_change_people_and_never_the_last_admin_or_themselves() {
        let mut d = directory();
        let member = d.actor(&email("ae1@x.test"));
        assert!(matches!(
            d.deactivate(member.as_ref(), &email("admin@x.test"), T0),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            d.deactivate(Some(&admin()), &email("admin@x.test"), T0),
            Err(DomainError::Rule(_))
        ));
        let e = d.deactivate(Some(&admin()), &email("ae1@x.test"), T0);
        assert_eq!(e.as_ref().map(Event::kind).ok(), Some("user_deactivated"));
        if let Ok(e) = e {
            d.apply(&e);
        }
        assert!(
            d.deactivate(Some(&admin()), &email("ae1@x.test"), T0)
                .is_err()
        );
        assert_eq!(
            d.reactivate(Some(&admin()), &email("ae1@x.test"), T0)
                .map(|e| e.kind())
                .ok(),
            Some("user_reactivated")
        );
        // Another admin may deactivate the first once there are two.
        for e in d
            .add_person(
                Some(&admin()),
                NewPerson {
                    email: email("admin2@x.test"),
                    name: "Bo".into(),
                    admin: true,
                    teams: vec![],
                },
                T0,
            )
            .unwrap_or_default()
        {
            d.apply(&e);
        }
        let second = d.actor(&email("admin2@x.test"));
        assert!(
            d.deactivate(second.as_ref(), &email("admin@x.test"), T0)
                .is_ok()
        );
    }

    #[test]
    fn a_team_or_an_email_is_taken_once_and_memberships_name_what_exists() {
        let d = directory();
        assert!(matches!(
            d.create_team(Some(&admin()), team("ae"), "Again", T0),
            Err(DomainError::Taken(_))
        ));
        let taken = d.add_person(
            Some(&admin()),
            NewPerson {
                email: email("ae1@x.test"),
                name: "Again".into(),
                admin: false,
                teams: vec![],
            },
            T0,
        );
        assert!(matches!(taken, Err(DomainError::Taken(_))), "{taken:?}");
        let nowhere = d.add_person(
            Some(&admin()),
            NewPerson {
                email: email("new@x.test"),
                name: "New".into(),
                admin: false,
                teams: vec![(team("ops"), Role::Member)],
            },
            T0,
        );
        assert!(
            matches!(nowhere, Err(DomainError::Unknown(_))),
            "{nowhere:?}"
        );
        let ae1 = email("ae1@x.test");
        assert!(matches!(
            d.add_member(None, &ae1, &team("ae"), Role::Member, T0),
            Err(DomainError::Rule(_))
        ));
        assert!(matches!(
            d.remove_member(None, &ae1, &team("cs"), T0),
            Err(DomainError::Rule(_))
        ));
        assert!(matches!(
            d.add_member(None, &email("who@x.test"), &team("ae"), Role::Lead, T0),
            Err(DomainError::Unknown(_))
        ));
        // The org itself (a line naming nobody) decides events naming nobody.
        let lead = d.add_member(None, &ae1, &team("ae"), Role::Lead, T0);
        assert!(matches!(lead, Ok(Event::MemberAdded { by: None, .. })));
    }

    #[test]
    fn someone_joining_by_sso_is_named_by_the_provider_or_their_email() {
        let d = directory();
        let named = |name: Option<&str>| match d
            .join_by_sso(&email("new.one@x.test"), name, team("cs"), T0)
            .ok()
            .and_then(|e| e.into_iter().next())
        {
            Some(Event::UserCreated { name, .. }) => name,
            other => format!("{other:?}"),
        };
        assert_eq!(named(Some("  Nia One ")), "Nia One");
        assert_eq!(named(Some("   ")), "new.one");
        assert_eq!(named(None), "new.one");
    }
}
