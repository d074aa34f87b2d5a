//! Contracts: one handoff type each, with the fields the receiving team
//! requires. A contract is versioned: a published version never changes, a
//! handoff stays bound to the version it was created under, and only the
//! receiving team's leads (or an org admin) publish a new one.

pub mod diff;
pub mod seed;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::error::DomainError;
use crate::event::Event;
use crate::field::{FieldDef, FieldType, FillerRules, Owner};
use crate::id::{ContractKey, FieldKey, TeamKey};
use crate::org::Actor;

/// Whether incomplete submissions are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Record every submission with its score: how the leak audit measures
    /// today's reality before gating.
    #[default]
    Observe,
    /// Refuse submissions that score below 100.
    Gated,
}

impl Mode {
    /// The mode's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Observe => "observe",
            Self::Gated => "gated",
        }
    }

    /// Parses `observe` or `gated`.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "observe" => Ok(Self::Observe),
            "gated" => Ok(Self::Gated),
            _ => Err(DomainError::value(
                "mode",
                format!("'{raw}' is neither 'observe' nor 'gated'"),
            )),
        }
    }
}

/// What acceptance opens for the systems downstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gate {
    /// The deal counts as Closed-Won for comp only once accepted.
    Commission,
    /// The CRM may progress the pipeline stage.
    Stage,
    /// A task enters the receiving team's queue.
    Queue,
}

/// Guidance shown to people filling and auditing the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guidance {
    /// How context leaks at this edge when nothing is enforced.
    pub leak_mode: String,
    /// What the contract changes.
    pub fix: String,
    /// The audit a person can run to see whether the handoff works.
    pub concrete_test: String,
}

/// Time limits of a contract, in hours.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slas {
    /// From first submission to acceptance.
    pub acceptance_hours: u32,
    /// From acceptance to the receiver's acknowledgment (follow-through only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ack_hours: Option<u32>,
    /// The sender's number field that holds the hours from acceptance to
    /// the receiver's first touch (mql-to-sdr's `first_touch_sla`): the
    /// contract has a first-touch SLA, and its receivers a first-touch
    /// action, exactly when this is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_touch_field: Option<FieldKey>,
}

/// Longest proposal summary accepted, in characters.
pub const MAX_PROPOSAL_LEN: usize = 10_000;

/// The default reasons a receiver may give for a rejection.
pub const DEFAULT_REASON_CODES: &[&str] = &[
    "missing_context",
    "not_qualified",
    "wrong_team",
    "duplicate",
    "other",
];

/// One version of a contract: immutable once published.
// `remote = "Self"` makes the derived (de)serializers inherent functions, so
// the trait impls below can read stored definitions through one hook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, remote = "Self")]
pub struct ContractDef {
    /// The contract's key, stable across versions.
    pub key: ContractKey,
    /// A human title.
    pub title: String,
    /// The team that fills the handoff.
    pub sending_team: TeamKey,
    /// The teams that may receive it; the first is the default.
    pub receiving_teams: Vec<TeamKey>,
    /// What acceptance opens.
    pub gate: Gate,
    /// Leak mode, fix and concrete test.
    pub guidance: Guidance,
    /// The fields, in the order people fill them.
    pub fields: Vec<FieldDef>,
    /// Codes a rejection may carry.
    pub reason_codes: Vec<String>,
    /// Time limits.
    pub slas: Slas,
    /// Whether acceptance starts follow-through (ack, echoes, resolution,
    /// close-the-loop).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub follow_through: bool,
    /// Questions named people answer independently; differing answers are
    /// flagged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attestation_questions: Vec<String>,
    /// What counts as filler on top of the defaults (the receiving team
    /// holds the pen).
    #[serde(default, skip_serializing_if = "FillerRules::is_default")]
    pub filler: FillerRules,
}

impl ContractDef {
    /// The field with this key.
    pub fn field(&self, key: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.key.as_str() == key)
    }

    /// The field with this key, or an error naming it and the contract.
    pub fn known_field(&self, key: &str) -> Result<&FieldDef, DomainError> {
        self.field(key).ok_or_else(|| DomainError::UnknownField {
            contract: self.key.to_string(),
            field: key.to_string(),
        })
    }

    /// Mandatory fields the sender fills: what the score counts.
    pub fn scored_fields(&self) -> impl Iterator<Item = &FieldDef> {
        self.fields
            .iter()
            .filter(|f| f.required && f.owner == Owner::Sender)
    }

    /// Mandatory fields the receiver fills at acceptance.
    pub fn receiver_fields(&self) -> impl Iterator<Item = &FieldDef> {
        self.fields
            .iter()
            .filter(|f| f.required && f.owner == Owner::Receiver)
    }

    /// Whether `team` may receive this contract's handoffs.
    pub fn receives(&self, team: &TeamKey) -> bool {
        self.receiving_teams.contains(team)
    }

    /// Checks the definition is coherent, naming the first problem found.
    pub fn validate(&self) -> Result<(), DomainError> {
        let bad = |why: String| Err(DomainError::value(format!("contract '{}'", self.key), why));
        if self.title.trim().is_empty() {
            return bad("the title is empty".into());
        }
        if self.receiving_teams.is_empty() {
            return bad("no receiving team".into());
        }
        if self.receiving_teams.contains(&self.sending_team) {
            return bad("the sending team cannot also receive".into());
        }
        if let Some(p) = self
            .filler
            .placeholders
            .iter()
            .chain(&self.filler.allowed)
            .find(|p| !p.chars().any(char::is_alphanumeric))
        {
            return bad(format!(
                "the filler word '{p}' has no letters or digits; filler is compared ignoring punctuation"
            ));
        }
        let mut seen = BTreeSet::new();
        for f in &self.fields {
            if !seen.insert(f.key.as_str()) {
                return bad(format!("field '{}' appears twice", f.key));
            }
            if f.label.trim().is_empty() {
                return bad(format!("field '{}' has no label", f.key));
            }
            if f.member_of.is_some() && f.kind != FieldType::Person {
                return bad(format!(
                    "field '{}' is {} and cannot name a team member: only a person can",
                    f.key,
                    f.kind.name()
                ));
            }
            if (f.expects.is_some() || f.needs.is_some())
                && matches!(
                    f.kind,
                    FieldType::Enum { .. }
                        | FieldType::MultiEnum { .. }
                        | FieldType::Bool
                        | FieldType::Url
                )
            {
                return bad(format!(
                    "field '{}' is {} and cannot expect a date, person, amount or number",
                    f.key,
                    f.kind.name()
                ));
            }
            if f.min_len.is_some() && !f.kind.is_textual() {
                return bad(format!(
                    "field '{}' is {} and cannot have a minimum length",
                    f.key,
                    f.kind.name()
                ));
            }
            if let FieldType::Enum { options } | FieldType::MultiEnum { options } = &f.kind
                && options.is_empty()
            {
                return bad(format!("field '{}' has no options", f.key));
            }
            if f.carried_from
                .as_ref()
                .is_some_and(|c| c.contract == self.key)
            {
                return bad(format!(
                    "field '{}' cannot be carried from its own contract",
                    f.key
                ));
            }
        }
        if self.reason_codes.is_empty() {
            return bad("no rejection reason codes".into());
        }
        if self.slas.acceptance_hours == 0 {
            return bad("the acceptance SLA must be at least one hour".into());
        }
        if let Some(key) = &self.slas.first_touch_field {
            match self.field(key.as_str()) {
                None => {
                    return bad(format!(
                        "the first-touch SLA names field '{key}', which the contract does not have"
                    ));
                }
                Some(f) if f.kind != FieldType::Number || f.owner != Owner::Sender => {
                    return bad(format!(
                        "the first-touch SLA field '{key}' must be a number the sender fills (hours)"
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// The field holding the first-touch SLA's hours, when the contract has
    /// one (see [`Slas::first_touch_field`]).
    pub fn first_touch_field(&self) -> Option<&FieldKey> {
        self.slas.first_touch_field.as_ref()
    }

    /// The field whose value, given at acceptance, is the receiver's
    /// acknowledgment ETA: on a follow-through contract, its receiver-owned
    /// date-time field (cs-to-support's `ack_eta`). Read from the definition,
    /// so a contract names its own.
    pub fn ack_eta_field(&self) -> Option<&FieldDef> {
        if !self.follow_through {
            return None;
        }
        self.fields
            .iter()
            .find(|f| f.owner == Owner::Receiver && f.kind == FieldType::Datetime)
    }

    /// Reads a definition stored before contracts named their first-touch
    /// field: the seed's mql-to-sdr carried the SLA as a sender number field
    /// keyed `first_touch_sla`, and such a version keeps the SLA it had then.
    /// Only definitions without the setting are read this way; every
    /// decision asks [`ContractDef::first_touch_field`].
    fn adopt_stored_first_touch(&mut self) {
        const STORED_FIRST_TOUCH_FIELD: &str = "first_touch_sla";
        if self.slas.first_touch_field.is_none()
            && let Some(f) = self.field(STORED_FIRST_TOUCH_FIELD)
            && f.kind == FieldType::Number
            && f.owner == Owner::Sender
        {
            self.slas.first_touch_field = Some(f.key.clone());
        }
    }
}

impl Serialize for ContractDef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ContractDef::serialize(self, s)
    }
}

impl<'de> Deserialize<'de> for ContractDef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut def = ContractDef::deserialize(d)?;
        def.adopt_stored_first_touch();
        Ok(def)
    }
}

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
    use crate::id::Email;
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
