//! The handoff lifecycle: `draft → submitted → accepted`, `submitted →
//! rejected → submitted` (rework), and `withdrawn` from draft, submitted or
//! rejected; then follow-through and attestations. Each command is a method
//! that decides (returns the event to record, or a typed refusal); `apply`
//! folds an event into the state. The two never disagree because replaying
//! the log runs the same `apply`.
//!
//! Kept in one file (about 1,250 lines) on purpose: every command of the
//! lifecycle sits beside the `apply` arm that folds its event, and the two
//! must agree. What could stand apart is apart: the checks every command
//! runs first (`actions`), deals, next steps, the step in time
//! (`decide_at`), attachments, and the tests.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Timestamp;
use crate::contract::{ContractDef, Mode};
use crate::error::DomainError;
use crate::event::{Event, Values};
use crate::field::{FieldDef, Owner, Side, Unfilled};
use crate::id::{AccountId, ContractKey, DealId, Email, FieldKey, HandoffId, TeamKey};
use crate::org::{Actor, Roster};

mod actions;
pub mod attachment;
mod deal;
mod decide_at;
mod steps;
pub use actions::{Action, SEALED_ANSWER};
pub use attachment::{ATTACHMENT_KINDS, Attachment};
pub use deal::{DealUse, check_deal};
pub use steps::{NextStep, Step};

/// Where a handoff is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being filled by the sender.
    Draft,
    /// Waiting for the receiver's decision.
    Submitted,
    /// Sent back for rework.
    Rejected,
    /// Accepted: the gate is open.
    Accepted,
    /// Withdrawn by the sender.
    Withdrawn,
}

impl State {
    /// The state's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Rejected => "rejected",
            Self::Accepted => "accepted",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Parses a state's name.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            Self::Draft,
            Self::Submitted,
            Self::Rejected,
            Self::Accepted,
            Self::Withdrawn,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// One submission and its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// When.
    pub at: Timestamp,
    /// Its score, 0–100.
    pub score: u8,
}

/// One receiver decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Accepted (true) or rejected.
    pub accepted: bool,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub by: Email,
    /// The rejection code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The fields a rejection named as deficient.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldKey>,
}

/// The return path after acceptance (cs-to-support).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowThrough {
    /// When the receiver acknowledged.
    pub acked_at: Option<Timestamp>,
    /// The promised resolution time.
    pub eta: Option<Timestamp>,
    /// Status echoes so far.
    pub echoes: u32,
    /// The latest echo.
    pub last_echo_at: Option<Timestamp>,
    /// When the receiver resolved it.
    pub resolved_at: Option<Timestamp>,
    /// When the communication owner closed the loop with the customer.
    pub loop_closed_at: Option<Timestamp>,
    /// Who closed it.
    pub loop_closed_by: Option<Email>,
}

/// How a first touch reached the lead.
pub const FIRST_TOUCH_CHANNELS: &[&str] =
    &["call", "email", "meeting", "message", "social", "other"];

/// The receiver's first personal touch of the lead after acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstTouch {
    /// When.
    pub at: Timestamp,
    /// Who reached out.
    pub by: Email,
    /// How, one of [`FIRST_TOUCH_CHANNELS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// One person's answer to an attestation question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attestation {
    /// The question.
    pub question: String,
    /// Who answered.
    pub by: Email,
    /// Their answer.
    pub answer: String,
    /// When.
    pub at: Timestamp,
}

/// Answers to one question that do not agree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    /// The question.
    pub question: String,
    /// Each distinct answer with who gave it.
    pub answers: Vec<(String, Vec<Email>)>,
}

/// One transfer of one account under one contract version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handoff {
    /// Its id.
    pub id: HandoffId,
    /// The contract.
    pub contract: ContractKey,
    /// The contract version it is bound to.
    pub version: u32,
    /// The account.
    pub account: AccountId,
    /// The CRM deal it hands off, when named: the gate is then that deal's
    /// (SPEC §11). Absent from the stored form when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deal: Option<DealId>,
    /// Who sends it.
    pub sender: Email,
    /// The receiving team.
    pub to: TeamKey,
    /// Lifecycle state.
    pub state: State,
    /// Field values in canonical JSON form.
    pub values: BTreeMap<FieldKey, Value>,
    /// Fields prefilled from an earlier handoff and not changed since.
    pub carried: BTreeSet<FieldKey>,
    /// Context attached.
    pub attachments: Vec<Attachment>,
    /// Score of the current values (the live meter).
    pub score: u8,
    /// When it was started.
    pub created_at: Timestamp,
    /// Every submission, oldest first.
    pub submissions: Vec<Submission>,
    /// Every receiver decision, oldest first.
    pub decisions: Vec<Decision>,
    /// When it was accepted.
    pub accepted_at: Option<Timestamp>,
    /// When it was withdrawn.
    pub withdrawn_at: Option<Timestamp>,
    /// The receiver's first touch of the lead, where the contract has a
    /// first-touch SLA. Absent from the stored form until recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_touch: Option<FirstTouch>,
    /// The return path.
    pub follow: FollowThrough,
    /// Attestation answers, latest per person and question.
    pub attestations: Vec<Attestation>,
    /// SLA deadlines that passed unmet, in the order recorded. Absent from
    /// the stored form when empty, so handoffs without breaches read and
    /// write as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breaches: Vec<crate::sla::kind::Breach>,
    /// Events applied so far (optimistic concurrency).
    pub stream_version: u64,
}

/// What a decision needs beyond the handoff: the bound contract version, the
/// contract's mode, and whether the past is being recorded (history import).
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The contract version the handoff is bound to.
    pub def: &'a ContractDef,
    /// That version's number.
    pub version: u32,
    /// Observe or gated.
    pub mode: Mode,
    /// History import: observe semantics and no team-membership checks, since
    /// the past is recorded as it happened.
    pub history: bool,
    /// When the command happens.
    pub at: Timestamp,
    /// The org's people, when the contract has a field whose person must be
    /// on a team (live decisions need it then; history does not check).
    pub roster: Option<&'a Roster>,
}

impl<'a> Ctx<'a> {
    /// A live decision at `at` on a handoff bound to `def` (version
    /// `version`) under the contract's `mode`: every rule applies. Add the
    /// org's people with [`Ctx::with_roster`] where the contract names a
    /// team's member.
    pub fn live(def: &'a ContractDef, version: u32, mode: Mode, at: Timestamp) -> Self {
        Self {
            def,
            version,
            mode,
            history: false,
            at,
            roster: None,
        }
    }

    /// A line of history, recorded as it happened: observe semantics and no
    /// team-membership checks (`mode` is kept for what the line says).
    pub fn history(def: &'a ContractDef, version: u32, mode: Mode, at: Timestamp) -> Self {
        Self {
            history: true,
            ..Self::live(def, version, mode, at)
        }
    }

    /// The same context with the org's people.
    pub fn with_roster(self, roster: Option<&'a Roster>) -> Self {
        Self { roster, ..self }
    }
}

/// Score and what is missing, with why, for a set of values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Completeness {
    /// round(100 × filled ÷ mandatory sender fields); 100 when there are none.
    pub score: u8,
    /// Mandatory sender fields that do not count, in contract order.
    pub missing: Vec<(FieldKey, Unfilled)>,
}

impl Completeness {
    /// Just the missing keys.
    pub fn missing_keys(&self) -> Vec<String> {
        self.missing.iter().map(|(k, _)| k.to_string()).collect()
    }
}

/// Scores values against a contract version.
pub fn completeness(def: &ContractDef, values: &BTreeMap<FieldKey, Value>) -> Completeness {
    let mut total = 0u32;
    let mut missing = Vec::new();
    // Text already given by an earlier field, in contract order: pasting one
    // answer into every box fills one of them.
    let mut seen: Vec<(String, &FieldDef)> = Vec::new();
    for f in &def.fields {
        let value = values.get(&f.key);
        let mut verdict = f.assess(value, &def.filler);
        if let Some(text) = value.and_then(|v| f.repeatable(v)) {
            match seen.iter().find(|(t, _)| *t == text) {
                Some((_, earlier)) if verdict.is_ok() && !def.filler.allow_repeats => {
                    verdict = Err(Unfilled::RepeatsField {
                        field: earlier.key.clone(),
                        label: earlier.label.clone(),
                    });
                }
                Some(_) => {}
                None => seen.push((text, f)),
            }
        }
        if f.required && f.owner == Owner::Sender {
            total += 1;
            if let Err(why) = verdict {
                missing.push((f.key.clone(), why));
            }
        }
    }
    let score = score_of(total - missing.len() as u32, total);
    Completeness { score, missing }
}

/// The completeness score: round(100 × `filled` ÷ `total`), halves up, in
/// whole numbers; 100 when nothing is mandatory.
pub fn score_of(filled: u32, total: u32) -> u8 {
    if total == 0 {
        return 100;
    }
    ((200 * filled.min(total) + total) / (2 * total)) as u8
}

/// Parses raw values (JSON or text form) for one side of a contract.
pub fn parse_values(
    def: &ContractDef,
    raw: &BTreeMap<String, Value>,
    side: Owner,
) -> Result<Values, DomainError> {
    let mut out = Values::new();
    for (key, value) in raw {
        let field: &FieldDef = def.known_field(key)?;
        if field.owner != side {
            let who = match field.owner {
                Owner::Sender => "sending",
                Owner::Receiver => "receiving",
            };
            return Err(DomainError::Rule(format!(
                "field '{key}' is filled by the {who} team"
            )));
        }
        let normalized = field.normalize(value)?;
        out.insert(field.key.clone(), normalized.unwrap_or(Value::Null));
    }
    Ok(out)
}

fn merge(into: &mut BTreeMap<FieldKey, Value>, values: &Values) {
    for (k, v) in values {
        if v.is_null() {
            into.remove(k);
        } else {
            into.insert(k.clone(), v.clone());
        }
    }
}

fn validate_attachments(attachments: &[Attachment]) -> Result<(), DomainError> {
    attachments.iter().try_for_each(Attachment::validate)
}

fn needs_text(what: &str, text: &str) -> Result<(), DomainError> {
    if text.trim().chars().count() < 3 {
        return Err(DomainError::value(
            what,
            "must say something (at least 3 characters)",
        ));
    }
    Ok(())
}

impl Handoff {
    /// Decides the start of a handoff: a draft with its first values.
    /// `carried` holds values found on earlier handoffs for `carried_from`
    /// fields; given values win over them.
    #[expect(
        clippy::too_many_arguments,
        reason = "a handoff is born with all of these"
    )]
    pub fn start(
        ctx: Ctx<'_>,
        actor: &Actor,
        id: HandoffId,
        account: AccountId,
        deal: Option<DealId>,
        to: Option<TeamKey>,
        values: Values,
        carried: Values,
        attachments: Vec<Attachment>,
    ) -> Result<Event, DomainError> {
        let def = ctx.def;
        if !ctx.history && !actor.admin && !actor.in_team(&def.sending_team) {
            return Err(DomainError::Forbidden(format!(
                "only members of team '{}' start '{}' handoffs",
                def.sending_team, def.key
            )));
        }
        let to = pick_receiver(def, to)?;
        validate_attachments(&attachments)?;
        let mut all = Values::new();
        let mut carried_keys = Vec::new();
        for (k, v) in carried {
            if !values.contains_key(&k) && !v.is_null() {
                carried_keys.push(k.clone());
                all.insert(k, v);
            }
        }
        all.extend(values.into_iter().filter(|(_, v)| !v.is_null()));
        Ok(Event::DraftCreated {
            handoff: id,
            contract: def.key.clone(),
            version: ctx.version,
            account,
            deal,
            to,
            by: actor.email.clone(),
            at: ctx.at,
            values: all,
            carried: carried_keys,
            attachments,
        })
    }

    /// Decides a history `submitted` line, which may name the deal: a
    /// handoff without one names it from then on; one for another deal
    /// refuses the line. (Whether the deal is free is [`check_deal`]'s.)
    pub fn submit_naming(
        &self,
        ctx: Ctx<'_>,
        actor: &Actor,
        values: Values,
        deal: Option<DealId>,
    ) -> Result<Event, DomainError> {
        let mut event = self.submit(ctx, actor, values)?;
        if let (Some(d), Event::Submitted { deal: named, .. }) = (deal, &mut event) {
            match &self.deal {
                Some(current) if *current != d => {
                    return Err(DomainError::value(
                        "deal",
                        format!("handoff '{}' is for deal '{current}'", self.id),
                    ));
                }
                _ => *named = Some(d),
            }
        }
        Ok(event)
    }

    /// Decides a history handoff's first line: submitted without a draft.
    pub fn submit_new(
        ctx: Ctx<'_>,
        actor: &Actor,
        id: HandoffId,
        account: AccountId,
        deal: Option<DealId>,
        to: Option<TeamKey>,
        values: Values,
    ) -> Result<Event, DomainError> {
        let def = ctx.def;
        let to = pick_receiver(def, to)?;
        let mut merged = BTreeMap::new();
        merge(&mut merged, &values);
        let c = completeness(def, &merged);
        gate(ctx, &c)?;
        Ok(Event::Submitted {
            handoff: id,
            contract: Some(def.key.clone()),
            account: Some(account),
            deal,
            version: Some(ctx.version),
            to: Some(to),
            by: actor.email.clone(),
            at: ctx.at,
            values,
            score: Some(c.score),
        })
    }

    fn require_sender(&self, ctx: Ctx<'_>, actor: &Actor, action: &str) -> Result<(), DomainError> {
        // History records whoever did it; live, only the sender (or an admin).
        if actor.email == self.sender || ctx.history || actor.admin {
            Ok(())
        } else {
            Err(DomainError::Forbidden(format!(
                "only the sender ({}) may {action} this handoff",
                self.sender
            )))
        }
    }

    fn require_receiver(
        &self,
        ctx: Ctx<'_>,
        actor: &Actor,
        action: &str,
    ) -> Result<(), DomainError> {
        if actor.email == self.sender {
            return Err(DomainError::Forbidden(format!(
                "the sender cannot {action} their own handoff: sender and receiver are never the same person"
            )));
        }
        if !ctx.history && !actor.in_team(&self.to) {
            return Err(DomainError::Forbidden(format!(
                "only members of the receiving team '{}' may {action} this handoff",
                self.to
            )));
        }
        Ok(())
    }

    fn require_state(&self, action: &'static str, allowed: &[State]) -> Result<(), DomainError> {
        if allowed.contains(&self.state) {
            Ok(())
        } else {
            Err(DomainError::InvalidTransition {
                action,
                state: self.state.as_str(),
            })
        }
    }

    /// Decides an edit of values or attachments (draft or rejected only).
    pub fn edit(
        &self,
        ctx: Ctx<'_>,
        actor: &Actor,
        values: Values,
        attachments: Vec<Attachment>,
    ) -> Result<Event, DomainError> {
        self.may(Action::Edit, ctx, actor)?;
        validate_attachments(&attachments)?;
        if values.is_empty() && attachments.is_empty() {
            return Err(DomainError::Rule(
                "nothing to change: give values or attachments".into(),
            ));
        }
        Ok(Event::Edited {
            handoff: self.id.clone(),
            by: actor.email.clone(),
            at: ctx.at,
            values,
            attachments,
        })
    }

    /// Decides a submission (first, or resubmission after rework). In gated
    /// mode a submission below 100 is refused, naming every missing field.
    pub fn submit(
        &self,
        ctx: Ctx<'_>,
        actor: &Actor,
        values: Values,
    ) -> Result<Event, DomainError> {
        self.may(Action::Submit, ctx, actor)?;
        let mut merged = self.values.clone();
        merge(&mut merged, &values);
        members_on_their_teams(ctx, &merged)?;
        let c = completeness(ctx.def, &merged);
        gate(ctx, &c)?;
        Ok(Event::Submitted {
            handoff: self.id.clone(),
            contract: Some(self.contract.clone()),
            account: Some(self.account.clone()),
            deal: self.deal.clone(),
            version: Some(self.version),
            to: Some(self.to.clone()),
            by: actor.email.clone(),
            at: ctx.at,
            values,
            score: Some(c.score),
        })
    }

    /// Decides an acceptance. The receiver fills receiver-owned fields here,
    /// and acceptance is refused without the mandatory ones. On a gated
    /// contract, acceptance needs the same completeness as submission: a
    /// handoff submitted with filler while the contract observed cannot be
    /// waved through once it is gated (the receiver rejects it for rework).
    pub fn accept(
        &self,
        ctx: Ctx<'_>,
        actor: &Actor,
        values: Values,
    ) -> Result<Event, DomainError> {
        self.may(Action::Accept, ctx, actor)?;
        // Time to acceptance is never negative, whatever history says.
        if let Some(s) = self.submissions.last()
            && ctx.at < s.at
        {
            return Err(DomainError::value(
                "acceptance time",
                format!("{} is before the submission it accepts ({})", ctx.at, s.at),
            ));
        }
        if !ctx.history {
            let mut merged = self.values.clone();
            merge(&mut merged, &values);
            gate(ctx, &completeness(ctx.def, &merged))?;
            members_on_their_teams(ctx, &merged)?;
            let missing: Vec<String> = ctx
                .def
                .receiver_fields()
                .filter(|f| f.assess(merged.get(&f.key), &ctx.def.filler).is_err())
                .map(|f| f.key.to_string())
                .collect();
            if !missing.is_empty() {
                return Err(DomainError::MissingReceiverFields { missing });
            }
        }
        Ok(Event::Accepted {
            handoff: self.id.clone(),
            by: actor.email.clone(),
            at: ctx.at,
            values,
        })
    }

    /// What the values lack when acceptance would be refused for want of
    /// them under `mode` (the same gate as [`Handoff::accept`]): what a
    /// page shows the receiver instead of a one-click accept.
    pub fn acceptance_gap(&self, def: &ContractDef, mode: Mode) -> Option<Completeness> {
        let live = Ctx::live(def, self.version, mode, self.created_at);
        let c = completeness(def, &self.values);
        gate(live, &c).is_err().then_some(c)
    }

    /// Decides a rejection: a reason code from the contract's list and a text
    /// are required; deficient fields must exist.
    pub fn reject(
        &self,
        ctx: Ctx<'_>,
        actor: &Actor,
        code: Option<String>,
        reason: String,
        fields: Vec<String>,
    ) -> Result<Event, DomainError> {
        self.may(Action::Reject, ctx, actor)?;
        let code = match code {
            Some(c) if ctx.def.reason_codes.contains(&c) => c,
            Some(c) => {
                return Err(DomainError::value(
                    "reason code",
                    format!("'{c}' is not one of: {}", ctx.def.reason_codes.join(", ")),
                ));
            }
            None if ctx.history => "other".to_string(),
            None => {
                return Err(DomainError::value(
                    "reason code",
                    format!(
                        "a rejection needs one of: {}",
                        ctx.def.reason_codes.join(", ")
                    ),
                ));
            }
        };
        if !ctx.history {
            needs_text("rejection reason", &reason)?;
        }
        let fields = fields
            .iter()
            .map(|f| ctx.def.known_field(f).map(|d| d.key.clone()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Event::Rejected {
            handoff: self.id.clone(),
            by: actor.email.clone(),
            at: ctx.at,
            code: Some(code),
            reason,
            fields,
        })
    }

    /// Decides a withdrawal by the sender.
    pub fn withdraw(&self, ctx: Ctx<'_>, actor: &Actor) -> Result<Event, DomainError> {
        self.may(Action::Withdraw, ctx, actor)?;
        Ok(Event::Withdrawn {
            handoff: self.id.clone(),
            by: actor.email.clone(),
            at: ctx.at,
        })
    }

    /// Decides the receiver's first touch of the lead (a call, an email):
    /// only on a contract with a first-touch SLA, once, after acceptance,
    /// by a member of the receiving team.
    pub fn first_touch(
        &self,
        ctx: Ctx<'_>,
        actor: &Actor,
        channel: Option<String>,
        note: Option<String>,
    ) -> Result<Event, DomainError> {
        self.may(Action::FirstTouch, ctx, actor)?;
        // Absent is fine; present must be one of the channels (an empty
        // string is not a channel).
        let channel = channel.map(|c| c.trim().to_ascii_lowercase());
        if let Some(c) = &channel
            && !FIRST_TOUCH_CHANNELS.contains(&c.as_str())
        {
            return Err(DomainError::value(
                "channel",
                format!("'{c}' is not one of: {}", FIRST_TOUCH_CHANNELS.join(", ")),
            ));
        }
        let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        Ok(Event::FirstTouch {
            handoff: self.id.clone(),
            by: actor.email.clone(),
            at: ctx.at,
            channel,
            note,
        })
    }

    fn require_follow_through(
        &self,
        ctx: Ctx<'_>,
        action: &'static str,
    ) -> Result<(), DomainError> {
        if !ctx.def.follow_through {
            return Err(DomainError::Rule(format!(
                "contract '{}' has no follow-through to {action}",
                self.contract
            )));
        }
        self.require_state(action, &[State::Accepted])?;
        Ok(())
    }

    /// Acknowledging, echoing and resolving end with the resolution.
    fn require_unresolved(&self) -> Result<(), DomainError> {
        if self.follow.resolved_at.is_some() {
            return Err(DomainError::Rule("the issue is already resolved".into()));
        }
        Ok(())
    }

    /// Decides an acknowledgment (or a revised ETA) by the receiver.
    pub fn acknowledge(
        &self,
        ctx: Ctx<'_>,
        actor: &Actor,
        eta: Timestamp,
    ) -> Result<Event, DomainError> {
        self.may(Action::Ack, ctx, actor)?;
        if eta < ctx.at && !ctx.history {
            return Err(DomainError::value("eta", "lies in the past"));
        }
        Ok(Event::Acknowledged {
            handoff: self.id.clone(),
            by: actor.email.clone(),
            at: ctx.at,
            eta,
        })
    }

    /// Decides a status echo by the receiver.
    pub fn echo(&self, ctx: Ctx<'_>, actor: &Actor, note: String) -> Result<Event, DomainError> {
        self.may(Action::Echo, ctx, actor)?;
        needs_text("echo note", &note)?;
        Ok(Event::Echo {
            handoff: self.id.clone(),
            by: actor.email.clone(),
            at: ctx.at,
            note,
        })
    }

    /// Decides the resolution by the receiver.
    pub fn resolve(&self, ctx: Ctx<'_>, actor: &Actor, note: String) -> Result<Event, DomainError> {
        self.may(Action::Resolve, ctx, actor)?;
        needs_text("resolution note", &note)?;
        Ok(Event::Resolved {
            handoff: self.id.clone(),
            by: actor.email.clone(),
            at: ctx.at,
            note,
        })
    }

    /// Decides close-the-loop: only the communication owner (the sending
    /// side, never the receiving team) tells the customer.
    pub fn close_loop(
        &self,
        ctx: Ctx<'_>,
        actor: &Actor,
        note: String,
    ) -> Result<Event, DomainError> {
        self.may(Action::CloseLoop, ctx, actor)?;
        needs_text("close-the-loop note", &note)?;
        Ok(Event::LoopClosed {
            handoff: self.id.clone(),
            by: actor.email.clone(),
            at: ctx.at,
            note,
        })
    }

    /// Decides an attestation answer by someone on either side.
    pub fn attest(
        &self,
        ctx: Ctx<'_>,
        actor: &Actor,
        question: String,
        answer: String,
    ) -> Result<Event, DomainError> {
        self.may(Action::Attest, ctx, actor)?;
        if !ctx.def.attestation_questions.contains(&question) {
            return Err(DomainError::value(
                "attestation question",
                format!("'{question}' is not one of the contract's questions"),
            ));
        }
        needs_text("answer", &answer)?;
        Ok(Event::Attested {
            handoff: self.id.clone(),
            by: actor.email.clone(),
            at: ctx.at,
            question,
            answer,
        })
    }

    /// Builds a handoff from its first event.
    pub fn from_event(event: &Event, def: &ContractDef) -> Option<Self> {
        let (id, contract, version, account, deal, to, by, at) = match event {
            Event::DraftCreated {
                handoff,
                contract,
                version,
                account,
                deal,
                to,
                by,
                at,
                ..
            } => (
                handoff,
                contract,
                *version,
                account,
                deal,
                to.clone(),
                by,
                at,
            ),
            Event::Submitted {
                handoff,
                contract: Some(contract),
                account: Some(account),
                deal,
                version: Some(version),
                to,
                by,
                at,
                ..
            } => (
                handoff,
                contract,
                *version,
                account,
                deal,
                to.clone()
                    .or_else(|| def.receiving_teams.first().cloned())?,
                by,
                at,
            ),
            _ => return None,
        };
        let mut h = Self {
            id: id.clone(),
            contract: contract.clone(),
            version,
            account: account.clone(),
            deal: deal.clone(),
            sender: by.clone(),
            to,
            state: State::Draft,
            values: BTreeMap::new(),
            carried: BTreeSet::new(),
            attachments: Vec::new(),
            score: 0,
            created_at: *at,
            submissions: Vec::new(),
            decisions: Vec::new(),
            accepted_at: None,
            withdrawn_at: None,
            first_touch: None,
            follow: FollowThrough::default(),
            attestations: Vec::new(),
            breaches: Vec::new(),
            stream_version: 0,
        };
        h.apply(event, def);
        Some(h)
    }

    /// Folds one of this handoff's events into its state. `def` is the bound
    /// contract version (needed to score values).
    pub fn apply(&mut self, event: &Event, def: &ContractDef) {
        self.stream_version += 1;
        // The score depends on the values alone: only the events that carry
        // values rescore (scoring is most of the cost of folding a handoff,
        // and most events are follow-through that never touches values).
        let rescore = match event {
            Event::DraftCreated {
                values,
                carried,
                attachments,
                ..
            } => {
                merge(&mut self.values, values);
                self.carried = carried.iter().cloned().collect();
                self.attachments.extend(attachments.iter().cloned());
                true
            }
            Event::Edited {
                values,
                attachments,
                ..
            } => {
                for k in values.keys() {
                    self.carried.remove(k);
                }
                merge(&mut self.values, values);
                self.attachments.extend(attachments.iter().cloned());
                true
            }
            Event::Submitted {
                values, at, deal, ..
            } => {
                if self.deal.is_none() {
                    self.deal.clone_from(deal);
                }
                for k in values.keys() {
                    self.carried.remove(k);
                }
                merge(&mut self.values, values);
                let score = completeness(def, &self.values).score;
                self.submissions.push(Submission { at: *at, score });
                self.state = State::Submitted;
                self.score = score;
                false
            }
            Event::Rejected {
                at,
                by,
                code,
                fields,
                ..
            } => {
                self.decisions.push(Decision {
                    accepted: false,
                    at: *at,
                    by: by.clone(),
                    code: code.clone(),
                    fields: fields.clone(),
                });
                self.state = State::Rejected;
                false
            }
            Event::Accepted { at, by, values, .. } => {
                merge(&mut self.values, values);
                self.decisions.push(Decision {
                    accepted: true,
                    at: *at,
                    by: by.clone(),
                    code: None,
                    fields: Vec::new(),
                });
                self.accepted_at = Some(*at);
                self.state = State::Accepted;
                if let Some(field) = def.ack_eta_field()
                    && let Some(eta) = self
                        .values
                        .get(field.key.as_str())
                        .and_then(Value::as_str)
                        .and_then(|s| s.parse().ok())
                {
                    // Accepting with an ETA is the acknowledgment.
                    self.follow.acked_at = Some(*at);
                    self.follow.eta = Some(eta);
                }
                true
            }
            Event::FirstTouch {
                at, by, channel, ..
            } => {
                self.first_touch.get_or_insert(FirstTouch {
                    at: *at,
                    by: by.clone(),
                    channel: channel.clone(),
                });
                false
            }
            Event::Withdrawn { at, .. } => {
                self.withdrawn_at = Some(*at);
                self.state = State::Withdrawn;
                false
            }
            Event::Acknowledged { at, eta, .. } => {
                self.follow.acked_at.get_or_insert(*at);
                self.follow.eta = Some(*eta);
                false
            }
            Event::Echo { at, .. } => {
                self.follow.echoes += 1;
                self.follow.last_echo_at = Some(*at);
                false
            }
            Event::Resolved { at, .. } => {
                self.follow.resolved_at = Some(*at);
                false
            }
            Event::LoopClosed { at, by, .. } => {
                self.follow.loop_closed_at = Some(*at);
                self.follow.loop_closed_by = Some(by.clone());
                false
            }
            Event::Attested {
                by,
                at,
                question,
                answer,
                ..
            } => {
                self.attestations
                    .retain(|a| !(a.by == *by && a.question == *question));
                self.attestations.push(Attestation {
                    question: question.clone(),
                    by: by.clone(),
                    answer: answer.clone(),
                    at: *at,
                });
                false
            }
            Event::SlaBreached { kind, due, at, .. } => {
                self.breaches.push(crate::sla::kind::Breach {
                    kind: *kind,
                    due: *due,
                    at: *at,
                });
                false
            }
            _ => false,
        };
        if rescore {
            self.score = completeness(def, &self.values).score;
        }
    }

    /// When it was first submitted.
    pub fn first_submitted_at(&self) -> Option<Timestamp> {
        self.submissions.first().map(|s| s.at)
    }

    /// The latest time its state records (started, submitted, decided,
    /// withdrawn, followed through, attested, breached): its events are in
    /// time order, so nothing later may be dated before it.
    pub fn last_at(&self) -> Timestamp {
        let f = &self.follow;
        [
            self.accepted_at,
            self.withdrawn_at,
            f.acked_at,
            f.last_echo_at,
            f.resolved_at,
            f.loop_closed_at,
        ]
        .into_iter()
        .flatten()
        .chain(self.submissions.iter().map(|s| s.at))
        .chain(self.decisions.iter().map(|d| d.at))
        .chain(self.attestations.iter().map(|a| a.at))
        .chain(self.breaches.iter().map(|b| b.at))
        .fold(self.created_at, Timestamp::max)
    }

    /// The score of the latest submission at or before `t`.
    pub fn score_at(&self, t: Timestamp) -> Option<u8> {
        self.submissions
            .iter()
            .rev()
            .find(|s| s.at <= t)
            .map(|s| s.score)
    }

    /// The latest submission's score.
    pub fn submitted_score(&self) -> Option<u8> {
        self.submissions.last().map(|s| s.score)
    }

    /// The first decision, if any.
    pub fn first_decision(&self) -> Option<&Decision> {
        self.decisions.first()
    }

    /// How many times it was rejected.
    pub fn rejections(&self) -> usize {
        self.decisions.iter().filter(|d| !d.accepted).count()
    }

    /// Questions whose answers differ between people (compared ignoring case,
    /// spaces and punctuation).
    pub fn disagreements(&self) -> Vec<Disagreement> {
        let mut by_question: BTreeMap<&str, BTreeMap<String, (String, Vec<Email>)>> =
            BTreeMap::new();
        for a in &self.attestations {
            let norm: String = a
                .answer
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            let slot = by_question
                .entry(&a.question)
                .or_default()
                .entry(norm)
                .or_insert_with(|| (a.answer.clone(), Vec::new()));
            slot.1.push(a.by.clone());
        }
        by_question
            .into_iter()
            .filter(|(_, answers)| answers.len() > 1)
            .map(|(q, answers)| Disagreement {
                question: q.to_string(),
                answers: answers.into_values().collect(),
            })
            .collect()
    }
}

fn pick_receiver(def: &ContractDef, to: Option<TeamKey>) -> Result<TeamKey, DomainError> {
    match to {
        Some(t) if def.receives(&t) => Ok(t),
        Some(t) => Err(DomainError::value(
            "receiving team",
            format!(
                "'{t}' does not receive '{}' handoffs (receivers: {})",
                def.key,
                def.receiving_teams
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
        None => def.receiving_teams.first().cloned().ok_or_else(|| {
            DomainError::Rule(format!("contract '{}' has no receiving team", def.key))
        }),
    }
}

/// Refuses a value naming someone who is not on the team its field says
/// (cs-to-support's communication owner must be a CSM), in any mode: the
/// value is wrong, not merely incomplete. A value that does not count yet
/// (no name, a placeholder) is left to the score. Live only: history
/// records the past as it happened.
fn members_on_their_teams(
    ctx: Ctx<'_>,
    values: &BTreeMap<FieldKey, Value>,
) -> Result<(), DomainError> {
    if ctx.history {
        return Ok(());
    }
    for f in &ctx.def.fields {
        let (Some(side), Some(v)) = (f.member_of, values.get(&f.key)) else {
            continue;
        };
        if f.assess(Some(v), &ctx.def.filler).is_err() {
            continue;
        }
        let team = match side {
            Side::SendingTeam => &ctx.def.sending_team,
        };
        let Some(roster) = ctx.roster else {
            // A live decision without the org's people is a caller's bug;
            // refusing is the safe side of it.
            return Err(DomainError::Rule(format!(
                "cannot check that field '{}' names a member of team '{team}'",
                f.key
            )));
        };
        let part = |k: &str| v.get(k).and_then(Value::as_str);
        let named = roster.named(part("email"), part("name"));
        if named.iter().any(|m| m.teams.contains(team)) {
            continue;
        }
        let who = FieldDef::text_of(v);
        let why = match named.first() {
            None => format!(
                "'{who}' is nobody in this org: name a member of team '{team}' by name or email"
            ),
            Some(m) => {
                let teams: Vec<&str> = m.teams.iter().map(TeamKey::as_str).collect();
                let on = if teams.is_empty() {
                    "on no team".to_string()
                } else {
                    format!("on team {}", teams.join(", "))
                };
                format!("'{who}' is {on}, not on team '{team}': name a member of team '{team}'")
            }
        };
        return Err(DomainError::InvalidField {
            field: f.key.to_string(),
            why,
        });
    }
    Ok(())
}

fn gate(ctx: Ctx<'_>, c: &Completeness) -> Result<(), DomainError> {
    if ctx.mode == Mode::Gated && !ctx.history && c.score < 100 {
        return Err(DomainError::Incomplete {
            missing: c.missing_keys(),
            score: c.score,
            why: c.missing.iter().map(|(_, w)| w.explain()).collect(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;

/// Whether `actor` may read the handoff's sensitive fields (SPEC §8): the
/// sending and receiving teams, the sender, and admins.
pub fn sees_sensitive(actor: &Actor, def: &ContractDef, h: &Handoff) -> bool {
    actor.admin
        || actor.email == h.sender
        || actor.in_team(&def.sending_team)
        || actor.in_team(&h.to)
}

/// Removes the values of sensitive fields from `values` unless `visible`,
/// returning the keys removed.
pub fn redact(
    def: &ContractDef,
    values: &mut BTreeMap<FieldKey, Value>,
    visible: bool,
) -> Vec<String> {
    if visible {
        return Vec::new();
    }
    let hidden: Vec<String> = def
        .fields
        .iter()
        .filter(|f| f.sensitive && values.contains_key(&f.key))
        .map(|f| f.key.to_string())
        .collect();
    for k in &hidden {
        values.remove(k.as_str());
    }
    hidden
}
