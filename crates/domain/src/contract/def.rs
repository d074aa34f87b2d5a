//! One version of a contract as a value: its fields, teams, gate, SLAs and
//! filler rules, and the mode a contract is in. A leaf of the domain: the
//! events carry these values, and nothing here knows of events.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::field::{FieldDef, FieldType, FillerRules, Owner};
use crate::id::{ContractKey, FieldKey, TeamKey};

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

    /// The contracts this version carries values from (each named once).
    pub fn carried_sources(&self) -> Vec<&ContractKey> {
        let mut keys: Vec<&ContractKey> = self
            .fields
            .iter()
            .filter_map(|f| f.carried_from.as_ref().map(|c| &c.contract))
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// Refuses a field carried from a contract the org does not have, or
    /// from a field its source's current version does not define. `source`
    /// finds a contract's current definition by key.
    pub fn check_carried_from<'a>(
        &self,
        source: impl Fn(&ContractKey) -> Option<&'a ContractDef>,
    ) -> Result<(), DomainError> {
        for from in self.fields.iter().filter_map(|f| f.carried_from.as_ref()) {
            let def = source(&from.contract)
                .ok_or_else(|| DomainError::Unknown(format!("contract '{}'", from.contract)))?;
            if def.field(from.field.as_str()).is_none() {
                return Err(DomainError::UnknownField {
                    contract: from.contract.to_string(),
                    field: from.field.to_string(),
                });
            }
        }
        Ok(())
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
