//! Org set-up and administration: creating an org with its teams, admin and
//! the six seeded contracts; adding users; publishing contract versions and
//! switching modes.

use baton_domain::contract::Contract;
use baton_domain::contract::seed::seeded_contracts;
use baton_domain::event::{Event, Stream, Via};
use baton_domain::org::{DEFAULT_TEAMS, Role};
use baton_domain::{Actor, Directory, Email, NewPerson, OrgId, TeamKey};
use baton_store::Change;

use crate::{App, AppError, Caller, password};

/// What `init` needs.
#[derive(Debug, Clone)]
pub struct NewOrg {
    /// The org's display name; its id is derived from it.
    pub name: String,
    /// The first admin's email.
    pub admin_email: Email,
    /// The first admin's name.
    pub admin_name: String,
    /// The first admin's password.
    pub admin_password: String,
}

/// A user to add.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Email (the login).
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Password, if they will log in.
    pub password: Option<String>,
    /// Teams and roles.
    pub teams: Vec<(TeamKey, Role)>,
    /// Org admin.
    pub admin: bool,
}

/// Derives an org id from a name: lowercase words joined by `-`.
pub fn org_id_for(name: &str) -> Result<OrgId, AppError> {
    let mut id = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.ends_with('-') && !id.is_empty() {
            id.push('-');
        }
    }
    let id = id.trim_end_matches('-');
    let id = if id.starts_with(|c: char| c.is_ascii_digit()) {
        format!("org-{id}")
    } else {
        id.to_string()
    };
    OrgId::parse(id).map_err(|_| {
        AppError::Invalid(format!(
            "the org name '{name}' needs at least one letter or digit"
        ))
    })
}

/// A signed-in person as a page's header shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// Who they are to the domain (admin flag, teams and roles).
    pub actor: Actor,
    /// Their name.
    pub name: String,
    /// Their org's name.
    pub org_name: String,
}

impl App {
    /// Creates an org with the default teams, its admin and the six seeded
    /// contracts in observe mode. A second org with the same name is a
    /// conflict, never a duplicate.
    #[tracing::instrument(skip_all, fields(org = %new.name))]
    pub async fn init_org(&self, new: NewOrg, via: Via) -> Result<OrgId, AppError> {
        if new.name.trim().is_empty() {
            return Err(AppError::Invalid("the org name is empty".into()));
        }
        let org = org_id_for(&new.name)?;
        if self
            .store
            .orgs()
            .await?
            .iter()
            .any(|(id, name)| *id == org || name == new.name.trim())
        {
            return Err(AppError::Conflict(format!(
                "an org named '{}' already exists",
                new.name.trim()
            )));
        }
        let hash = password::hash(new.admin_password, &new.admin_email).await?;
        let at = self.now();
        let mut change = Change::default();
        let mut dir = Directory::default();
        // The org itself founds its teams and its first admin.
        change.org(
            &mut dir,
            [Event::OrgCreated {
                org: org.clone(),
                name: new.name.trim().to_string(),
                at,
            }],
            via,
            at,
        );
        for (key, name) in DEFAULT_TEAMS {
            let team = dir.create_team(None, TeamKey::parse(*key)?, name, at)?;
            change.org(&mut dir, [team], via, at);
        }
        let first_admin = dir.add_person(
            None,
            NewPerson {
                email: new.admin_email.clone(),
                name: new.admin_name,
                admin: true,
                teams: Vec::new(),
            },
            at,
        )?;
        change.org(&mut dir, first_admin, via, at);
        let admin = Actor {
            email: new.admin_email.clone(),
            admin: true,
            teams: Default::default(),
        };
        for def in seeded_contracts() {
            let e = Contract::create(Some(&admin), def, at)?;
            let contract = Contract::apply(None, &e)
                .ok_or_else(|| AppError::not_applied("a seeded contract"))?;
            change.contract(contract, e, via, at);
        }
        change.credentials.push((new.admin_email, hash));
        self.store.commit(&org, &change).await?;
        Ok(org)
    }

    /// Adds a user with their teams (admins only).
    #[tracing::instrument(skip_all, fields(user = %new.email))]
    pub async fn add_user(&self, caller: &Caller, new: NewUser) -> Result<(), AppError> {
        // Hashed once, outside the retries: it is the slow part and does not
        // depend on what another writer did.
        let hash = match &new.password {
            Some(p) => Some(password::hash(p.clone(), &new.email).await?),
            None => None,
        };
        let stream = Stream::Org.to_string();
        self.retrying(&caller.org, &stream, || {
            self.add_user_once(caller, new.clone(), hash.clone())
        })
        .await
    }

    async fn add_user_once(
        &self,
        caller: &Caller,
        new: NewUser,
        hash: Option<String>,
    ) -> Result<(), AppError> {
        let mut dir = self.store.directory(&caller.org).await?;
        let me = dir
            .actor(&caller.email)
            .ok_or_else(|| AppError::NotFound(format!("user '{}'", caller.email)))?;
        let at = self.now();
        let events = dir.add_person(
            Some(&me),
            NewPerson {
                email: new.email.clone(),
                name: new.name,
                admin: new.admin,
                teams: new.teams,
            },
            at,
        )?;
        let mut change = Change::default();
        change.org(&mut dir, events, caller.via, at);
        if let Some(h) = hash {
            change.credentials.push((new.email, h));
        }
        self.store.commit(&caller.org, &change).await?;
        Ok(())
    }

    /// Creates a team (admins only). Its key is permanent; a second team
    /// with the same key is a conflict.
    #[tracing::instrument(skip_all, fields(team = %key))]
    pub async fn create_team(
        &self,
        caller: &Caller,
        key: TeamKey,
        name: &str,
    ) -> Result<(), AppError> {
        let stream = Stream::Org.to_string();
        self.retrying(&caller.org, &stream, || {
            self.create_team_once(caller, key.clone(), name)
        })
        .await
    }

    async fn create_team_once(
        &self,
        caller: &Caller,
        key: TeamKey,
        name: &str,
    ) -> Result<(), AppError> {
        let actor = self.actor(caller).await?;
        let mut dir = self.store.directory(&caller.org).await?;
        let at = self.now();
        let team = dir.create_team(Some(&actor), key, name, at)?;
        let mut change = Change::default();
        change.org(&mut dir, [team], caller.via, at);
        self.store.commit(&caller.org, &change).await?;
        Ok(())
    }

    /// The org's teams and people, for any of its members.
    pub async fn directory(&self, caller: &Caller) -> Result<Directory, AppError> {
        self.actor(caller).await?;
        Ok(self.store.directory(&caller.org).await?)
    }

    /// Who a signed-in caller is, as every page's header shows them: their
    /// name, teams and admin flag as the actor the domain judges, and the
    /// org's name. `None` when the user is no longer in the directory.
    pub async fn signed_in(&self, caller: &Caller) -> Result<Option<SignedIn>, AppError> {
        let dir = self.store.directory(&caller.org).await?;
        let Some(user) = dir.users.get(&caller.email) else {
            return Ok(None);
        };
        let org_name = self
            .store
            .org_name(&caller.org)
            .await?
            .unwrap_or_else(|| caller.org.to_string());
        Ok(Some(SignedIn {
            actor: Actor {
                email: caller.email.clone(),
                admin: user.admin,
                teams: user.teams.clone(),
            },
            name: user.name.clone(),
            org_name,
        }))
    }

    /// Whether the password is right for the user.
    pub async fn check_password(
        &self,
        org: &OrgId,
        email: &Email,
        password: &str,
    ) -> Result<bool, AppError> {
        let Some(stored) = self.store.password_hash(org, email).await? else {
            return Ok(password::verify_nothing(password.to_string()).await);
        };
        Ok(password::verify(password.to_string(), stored).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_ids_come_from_names() {
        assert_eq!(org_id_for("Acme Corp.").unwrap().as_str(), "acme-corp");
        assert_eq!(org_id_for("  42 Labs ").unwrap().as_str(), "org-42-labs");
        assert!(org_id_for("!!!").is_err());
    }
}

/// What deactivating someone left to do.
#[derive(Debug, Clone, Default)]
pub struct Deactivated {
    /// Their handoffs still in flight (drafts, waiting, sent back): someone
    /// else should take them on.
    pub open_handoffs: Vec<baton_domain::Handoff>,
}

impl App {
    /// Sets a person's teams and roles to exactly `teams` (admins only).
    #[tracing::instrument(skip_all, fields(user = %email))]
    pub async fn set_teams(
        &self,
        caller: &Caller,
        email: &Email,
        teams: std::collections::BTreeMap<TeamKey, Role>,
    ) -> Result<(), AppError> {
        let stream = Stream::Org.to_string();
        self.retrying(&caller.org, &stream, || async {
            let actor = self.actor(caller).await?;
            let dir = self.store.directory(&caller.org).await?;
            let events = dir.set_teams(Some(&actor), email, &teams, self.now())?;
            self.commit_org_events(caller, dir, events).await
        })
        .await
    }

    /// Deactivates a leaver (admins only): they can no longer sign in, and
    /// every session and token of theirs ends in the same transaction. Their
    /// history stays; their open handoffs are returned for reassignment.
    #[tracing::instrument(skip_all, fields(user = %email))]
    pub async fn deactivate_user(
        &self,
        caller: &Caller,
        email: &Email,
    ) -> Result<Deactivated, AppError> {
        let stream = Stream::Org.to_string();
        self.retrying(&caller.org, &stream, || async {
            let actor = self.actor(caller).await?;
            let dir = self.store.directory(&caller.org).await?;
            let event = dir.deactivate(Some(&actor), email, self.now())?;
            self.commit_org_events(caller, dir, [event]).await
        })
        .await?;
        Ok(Deactivated {
            open_handoffs: self.open_handoffs_of(&caller.org, email).await?,
        })
    }

    /// Lets a deactivated person sign in again (admins only).
    #[tracing::instrument(skip_all, fields(user = %email))]
    pub async fn reactivate_user(&self, caller: &Caller, email: &Email) -> Result<(), AppError> {
        let stream = Stream::Org.to_string();
        self.retrying(&caller.org, &stream, || async {
            let actor = self.actor(caller).await?;
            let dir = self.store.directory(&caller.org).await?;
            let event = dir.reactivate(Some(&actor), email, self.now())?;
            self.commit_org_events(caller, dir, [event]).await
        })
        .await
    }

    /// A person's handoffs still in flight, oldest first.
    pub async fn open_handoffs_of(
        &self,
        org: &OrgId,
        email: &Email,
    ) -> Result<Vec<baton_domain::Handoff>, AppError> {
        let mut open = Vec::new();
        for state in [
            baton_domain::State::Draft,
            baton_domain::State::Submitted,
            baton_domain::State::Rejected,
        ] {
            let filter = baton_store::HandoffFilter {
                sender: Some(email.clone()),
                state: Some(state),
                ..Default::default()
            };
            open.extend(self.store.handoffs_page(org, &filter, None, 200).await?);
        }
        open.sort_by_key(|h| h.created_at);
        Ok(open)
    }

    /// Commits org events decided on `dir` (nothing when there are none).
    async fn commit_org_events(
        &self,
        caller: &Caller,
        mut dir: Directory,
        events: impl IntoIterator<Item = Event>,
    ) -> Result<(), AppError> {
        let mut change = Change::default();
        change.org(&mut dir, events, caller.via, self.now());
        if change.events.is_empty() {
            return Ok(());
        }
        self.store.commit(&caller.org, &change).await?;
        Ok(())
    }
}
