//! Contracts: one handoff type each, with the fields the receiving team
//! requires. A contract is versioned: a published version never changes, a
//! handoff stays bound to the version it was created under, and only the
//! receiving team's leads (or an org admin) publish a new one.

pub mod def;
pub mod diff;
pub mod seed;

pub use def::{ContractDef, DEFAULT_REASON_CODES, Gate, Guidance, MAX_PROPOSAL_LEN, Mode, Slas};

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::error::DomainError;
use crate::event::Event;
use crate::field::FieldDef;
use crate::id::{ContractKey, FieldKey};
use crate::org::Actor;

/// A contract's current state, projected from its events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    /// The key.
    pub key: ContractKey,
    /// The latest published version.
    pub current_version: u32,
    /// Observe or gated.
    pub mode: Mode,
    /// The definition of the current version.
    pub current: ContractDef,
    /// Events applied so far (optimistic concurrency).
    pub stream_version: u64,
}

/// May `actor` hold the pen on a contract received by these teams?
fn holds_pen(actor: &Actor, def: &ContractDef) -> bool {
    actor.admin || def.receiving_teams.iter().any(|t| actor.leads(t))
}

impl Contract {
    /// Whether `actor` holds the pen: may publish a new version and switch
    /// the mode (a lead of a receiving team, or an admin).
    pub fn holds_pen(&self, actor: &Actor) -> bool {
        holds_pen(actor, &self.current)
    }

    /// Whether `actor` may propose a change (a member of the sending team,
    /// or an admin).
    pub fn may_propose(&self, actor: &Actor) -> bool {
        actor.admin || actor.in_team(&self.current.sending_team)
    }

    /// Decides the first publication of a contract (by an admin, or by the
    /// receiving team's lead).
    pub fn create(
        actor: Option<&Actor>,
        def: ContractDef,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        def.validate()?;
        if let Some(actor) = actor
            && !holds_pen(actor, &def)
        {
            return Err(DomainError::Forbidden(format!(
                "only a lead of the receiving team or an admin may publish '{}'",
                def.key
            )));
        }
        Ok(Event::ContractPublished {
            contract: def.key.clone(),
            version: 1,
            definition: Box::new(def),
            by: actor.map(|a| a.email.clone()),
            at,
        })
    }

    /// Decides the publication of a new version.
    pub fn publish(
        &self,
        actor: &Actor,
        def: ContractDef,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        if def.key != self.key {
            return Err(DomainError::Rule(format!(
                "a version of '{}' cannot be published under the key '{}'",
                self.key, def.key
            )));
        }
        def.validate()?;
        // The pen belongs to whoever receives today; an admin may move it.
        if !holds_pen(actor, &self.current) {
            return Err(DomainError::Forbidden(format!(
                "only a lead of the receiving team or an admin may publish '{}'",
                self.key
            )));
        }
        if def == self.current {
            return Err(DomainError::Rule(format!(
                "version {} of '{}' already says exactly this",
                self.current_version, self.key
            )));
        }
        Ok(Event::ContractPublished {
            contract: self.key.clone(),
            version: self.current_version + 1,
            definition: Box::new(def),
            by: Some(actor.email.clone()),
            at,
        })
    }

    /// Decides a proposal: a member of the sending team (or an admin) asks
    /// the receiving team to change the contract. It changes nothing by
    /// itself; the proposed fields must be well formed and must not repeat.
    pub fn propose(
        &self,
        actor: &Actor,
        summary: &str,
        fields: Vec<FieldDef>,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        if !self.may_propose(actor) {
            return Err(DomainError::Forbidden(format!(
                "only members of the sending team '{}' propose changes to '{}'",
                self.current.sending_team, self.key
            )));
        }
        let summary = summary.trim();
        if !crate::id::has_words(summary) {
            return Err(DomainError::value("summary", "say what should change"));
        }
        if summary.chars().count() > MAX_PROPOSAL_LEN {
            return Err(DomainError::value(
                "summary",
                format!("is longer than {MAX_PROPOSAL_LEN} characters"),
            ));
        }
        let mut seen = BTreeSet::new();
        for f in &fields {
            if !seen.insert(f.key.as_str()) {
                return Err(DomainError::value(
                    "fields",
                    format!("field '{}' appears twice", f.key),
                ));
            }
            if f.label.trim().is_empty() {
                return Err(DomainError::value(
                    "fields",
                    format!("field '{}' has no label", f.key),
                ));
            }
        }
        Ok(Event::ContractProposed {
            contract: self.key.clone(),
            version: self.current_version,
            summary: summary.to_string(),
            fields,
            by: actor.email.clone(),
            at,
        })
    }

    /// Folds one of the contract's events into its state.
    pub fn apply(state: Option<Self>, event: &Event) -> Option<Self> {
        match (state, event) {
            (
                None,
                Event::ContractPublished {
                    contract,
                    version,
                    definition,
                    ..
                },
            ) => Some(Self {
                key: contract.clone(),
                current_version: *version,
                mode: Mode::Observe,
                current: (**definition).clone(),
                stream_version: 1,
            }),
            (
                Some(mut c),
                Event::ContractPublished {
                    version,
                    definition,
                    ..
                },
            ) => {
                c.current_version = *version;
                c.current = (**definition).clone();
                c.stream_version += 1;
                Some(c)
            }
            (Some(mut c), Event::ModeChanged { mode, .. }) => {
                c.mode = *mode;
                c.stream_version += 1;
                Some(c)
            }
            // A proposal and its answer change nothing but the stream's position.
            (Some(mut c), Event::ContractProposed { .. } | Event::ProposalAnswered { .. }) => {
                c.stream_version += 1;
                Some(c)
            }
            (state, _) => state,
        }
    }
}

/// The seeded contract `key` as first published, for the domain's tests.
#[cfg(test)]
pub(crate) fn published(key: &str) -> Contract {
    let def = seed::seeded(key).expect("a seeded contract");
    Contract::create(None, def, Timestamp::UNIX_EPOCH)
        .ok()
        .and_then(|e| Contract::apply(None, &e))
        .expect("a seeded contract publishes")
}

/// A reference to a field of a contract, for messages.
pub fn field_list(keys: &[FieldKey]) -> Vec<String> {
    keys.iter().map(ToString::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::FieldType;
    use crate::id::{Email, TeamKey};
    use crate::org::Role;

    #[test]
    fn filler_rules_and_expectations_are_checked_before_publishing() {
        let mut def = contract().current;
        def.filler.placeholders.push("--".into());
        let err = def.validate().unwrap_err().to_string();
        assert!(err.contains("'--' has no letters or digits"), "{err}");
        let mut def = contract().current;
        def.fields[0].kind = FieldType::Bool;
        def.fields[0].min_len = None;
        let err = def.validate().unwrap_err().to_string();
        assert!(
            err.contains("is bool and cannot expect a date, person, amount or number"),
            "{err}"
        );
        let mut def = contract().current;
        def.filler.placeholders.push("ask the AE".into());
        def.filler.hints_are_gates = true;
        assert_eq!(def.validate(), Ok(()));
    }

    fn contract() -> Contract {
        published("ae-to-onboarding")
    }

    fn member_of(team: &str) -> Actor {
        Actor {
            email: Email::parse(format!("x@{team}.test")).unwrap(),
            admin: false,
            teams: [(TeamKey::parse(team).unwrap(), Role::Lead)].into(),
        }
    }

    #[test]
    fn only_the_sending_team_proposes_and_a_proposal_changes_nothing_but_the_stream() {
        let c = contract();
        let refused = c.propose(
            &member_of("onboarding"),
            "more",
            vec![],
            Timestamp::UNIX_EPOCH,
        );
        assert!(matches!(refused, Err(DomainError::Forbidden(_))));
        let e = c
            .propose(
                &member_of("ae"),
                "  ask for procurement  ",
                vec![],
                Timestamp::UNIX_EPOCH,
            )
            .unwrap();
        assert!(
            matches!(&e, Event::ContractProposed { summary, version: 1, .. } if summary == "ask for procurement")
        );
        let next = Contract::apply(Some(c.clone()), &e).unwrap();
        assert_eq!(next.current, c.current);
        assert_eq!(next.stream_version, c.stream_version + 1);
    }

    #[test]
    fn the_receiving_leads_and_admins_hold_the_pen_and_the_senders_propose() {
        let c = contract();
        let mut member = member_of("onboarding");
        assert!(c.holds_pen(&member) && !c.may_propose(&member));
        member
            .teams
            .insert(TeamKey::parse("onboarding").unwrap(), Role::Member);
        assert!(!c.holds_pen(&member));
        let ae = member_of("ae");
        assert!(!c.holds_pen(&ae) && c.may_propose(&ae));
        let admin = Actor {
            admin: true,
            teams: Default::default(),
            ..ae
        };
        assert!(c.holds_pen(&admin) && c.may_propose(&admin));
    }

    #[test]
    fn only_a_person_field_names_a_team_member_and_choices_need_nothing() {
        let mut def = contract().current;
        def.fields[0].member_of = Some(crate::field::Side::SendingTeam);
        let err = def.validate().unwrap_err().to_string();
        assert!(err.contains("cannot name a team member"), "{err}");
        let mut def = contract().current;
        let f = &mut def.fields[0];
        f.kind = FieldType::Enum {
            options: vec!["strong".into(), "weak".into()],
        };
        (f.min_len, f.expects) = (None, None);
        f.needs = Some(crate::field::Expect::Strength);
        let err = def.validate().unwrap_err().to_string();
        assert!(err.contains("cannot expect"), "{err}");
    }

    #[test]
    fn a_proposal_needs_a_summary() {
        let e = contract().propose(&member_of("ae"), " ", vec![], Timestamp::UNIX_EPOCH);
        assert!(matches!(e, Err(DomainError::InvalidValue { .. })));
    }
}
