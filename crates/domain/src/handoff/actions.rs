//! What an actor may do with a handoff now: one check per action (state,
//! contract capabilities, who), which the command of that action runs first
//! and which [`Handoff::allowed_actions`] runs for every action, so a page
//! that offers what is allowed can never offer what the command refuses.
//! Input checks (a reason code, a note, the receiver's fields, the gate's
//! completeness) stay in the commands: they are about what is typed, not
//! whether the action is open to this person.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::{Ctx, Handoff, State};
use crate::Email;
use crate::error::DomainError;
use crate::field::{FieldType, Side};
use crate::org::Actor;

/// An action on a handoff, as the UI and API name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Change values or attachments (draft or rejected).
    Edit,
    /// Submit (or resubmit after rework).
    Submit,
    /// Withdraw.
    Withdraw,
    /// Accept, opening the gate.
    Accept,
    /// Reject for rework.
    Reject,
    /// Acknowledge with an ETA (follow-through).
    Ack,
    /// Send a status echo (follow-through).
    Echo,
    /// Record the resolution (follow-through).
    Resolve,
    /// Close the loop with the customer (follow-through).
    CloseLoop,
    /// Record the first touch of the lead (contracts with a first-touch SLA).
    FirstTouch,
    /// Answer an attestation question.
    Attest,
    /// Report that the customer was asked again for what it carried.
    Rediscovery,
}

impl Action {
    /// Every action, in the order a page lists them.
    pub const ALL: [Action; 12] = [
        Action::Edit,
        Action::Submit,
        Action::Withdraw,
        Action::Accept,
        Action::Reject,
        Action::Ack,
        Action::Echo,
        Action::Resolve,
        Action::CloseLoop,
        Action::FirstTouch,
        Action::Attest,
        Action::Rediscovery,
    ];

    /// Its name in URLs and JSON (`close-loop`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Edit => "edit",
            Action::Submit => "submit",
            Action::Withdraw => "withdraw",
            Action::Accept => "accept",
            Action::Reject => "reject",
            Action::Ack => "ack",
            Action::Echo => "echo",
            Action::Resolve => "resolve",
            Action::CloseLoop => "close-loop",
            Action::FirstTouch => "first-touch",
            Action::Attest => "attest",
            Action::Rediscovery => "rediscovery",
        }
    }
}

impl Handoff {
    /// Whether `actor` may take `action` on this handoff now. The command of
    /// the action calls this first; the error says why not.
    pub fn may(&self, action: Action, ctx: Ctx<'_>, actor: &Actor) -> Result<(), DomainError> {
        match action {
            Action::Edit => {
                self.require_state("edit", &[State::Draft, State::Rejected])?;
                self.require_sender(ctx, actor, "edit")
            }
            Action::Submit => {
                self.require_state("submit", &[State::Draft, State::Rejected])?;
                self.require_sender(ctx, actor, "submit")
            }
            Action::Withdraw => {
                self.require_state(
                    "withdraw",
                    &[State::Draft, State::Submitted, State::Rejected],
                )?;
                self.require_sender(ctx, actor, "withdraw")
            }
            Action::Accept => {
                self.require_state("accept", &[State::Submitted])?;
                self.require_receiver(ctx, actor, "accept")
            }
            Action::Reject => {
                self.require_state("reject", &[State::Submitted])?;
                self.require_receiver(ctx, actor, "reject")
            }
            Action::Ack => {
                self.require_follow_through(ctx, "acknowledge")?;
                self.require_unresolved()?;
                self.require_receiver(ctx, actor, "acknowledge")
            }
            Action::Echo => {
                self.require_follow_through(ctx, "echo")?;
                self.require_unresolved()?;
                self.require_receiver(ctx, actor, "echo on")
            }
            Action::Resolve => {
                self.require_follow_through(ctx, "resolve")?;
                self.require_unresolved()?;
                self.require_receiver(ctx, actor, "resolve")
            }
            Action::CloseLoop => self.may_close_loop(ctx, actor),
            Action::FirstTouch => {
                if ctx.def.first_touch_field().is_none() {
                    return Err(DomainError::Rule(format!(
                        "contract '{}' has no first-touch SLA to record a first touch for",
                        self.contract
                    )));
                }
                self.require_state("record a first touch on", &[State::Accepted])?;
                self.require_receiver(ctx, actor, "record a first touch on")?;
                if let Some(done) = &self.first_touch {
                    return Err(DomainError::Rule(format!(
                        "the first touch is already recorded ({} at {})",
                        done.by, done.at
                    )));
                }
                Ok(())
            }
            Action::Rediscovery => self.may_report_rediscovery(Some(&actor.email)),
            Action::Attest => {
                if self.state == State::Withdrawn {
                    return Err(DomainError::InvalidTransition {
                        action: "attest on",
                        state: self.state.as_str(),
                    });
                }
                if ctx.def.attestation_questions.is_empty() {
                    return Err(DomainError::Rule(format!(
                        "contract '{}' asks no attestation questions",
                        self.contract
                    )));
                }
                if !(ctx.history || actor.in_team(&ctx.def.sending_team) || actor.in_team(&self.to))
                {
                    return Err(DomainError::Forbidden(
                        "only the sending and receiving teams attest".into(),
                    ));
                }
                Ok(())
            }
        }
    }

    /// Whether a re-discovery about this handoff may be reported by `by`:
    /// once it was handed off, by whoever had to ask the customer again,
    /// never by its own sender (who cannot have re-asked what they wrote).
    /// A report that names nobody (an imported history line) is judged on
    /// the state alone.
    pub fn may_report_rediscovery(&self, by: Option<&Email>) -> Result<(), DomainError> {
        if self.state == State::Draft {
            return Err(DomainError::InvalidTransition {
                action: "report re-discovery on",
                state: self.state.as_str(),
            });
        }
        if by == Some(&self.sender) {
            return Err(DomainError::Forbidden(format!(
                "{} sent handoff '{}': re-discovery is reported by whoever had to ask the \
                 customer again, not by the sender",
                self.sender, self.id
            )));
        }
        Ok(())
    }

    /// Every action `actor` may take now (what a page offers).
    pub fn allowed_actions(&self, ctx: Ctx<'_>, actor: &Actor) -> BTreeSet<Action> {
        Action::ALL
            .into_iter()
            .filter(|a| self.may(*a, ctx, actor).is_ok())
            .collect()
    }

    /// Close-the-loop: after the resolution, once, by the communication
    /// owner (the sending side, never the receiving team).
    fn may_close_loop(&self, ctx: Ctx<'_>, actor: &Actor) -> Result<(), DomainError> {
        self.require_follow_through(ctx, "close the loop on")?;
        if self.follow.resolved_at.is_none() {
            return Err(DomainError::Rule(
                "the loop closes after the issue is resolved".into(),
            ));
        }
        if self.follow.loop_closed_at.is_some() {
            return Err(DomainError::Rule("the loop is already closed".into()));
        }
        // The owner is the person the contract says must be on a team of
        // the handoff (cs-to-support: a CSM), read from the definition.
        let owner_field = ctx
            .def
            .fields
            .iter()
            .find(|f| f.kind == FieldType::Person && f.member_of.is_some());
        let team = match owner_field.and_then(|f| f.member_of) {
            Some(Side::SendingTeam) | None => &ctx.def.sending_team,
        };
        if !ctx.history && !actor.in_team(team) {
            return Err(DomainError::Forbidden(format!(
                "only the customer communication owner, a member of team '{team}', closes the loop with the customer"
            )));
        }
        let owner = owner_field.and_then(|f| self.values.get(&f.key));
        let part = |k: &str| owner.and_then(|v| v.get(k)).and_then(Value::as_str);
        let by_name = match (part("email"), part("name"), ctx.roster) {
            (None, Some(name), Some(roster)) => roster.named(None, Some(name)),
            _ => Vec::new(),
        };
        let is_owner = match part("email") {
            Some(e) => e.eq_ignore_ascii_case(actor.email.as_str()),
            None if !by_name.is_empty() => by_name.iter().any(|m| m.email == actor.email),
            None => actor.email == self.sender || (!ctx.history && actor.in_team(team)),
        };
        if !is_owner {
            return Err(DomainError::Forbidden(
                "only the customer communication owner closes the loop with the customer".into(),
            ));
        }
        Ok(())
    }
}

/// What a sealed attestation answer reads as, to someone who must answer
/// the question before they may see it.
pub const SEALED_ANSWER: &str = "(sealed until you answer this question)";

impl Handoff {
    /// Blind attestation: whether `viewer` may see `by`'s answer to
    /// `question`. Their own answer, always; someone else's only once they
    /// have answered that question themselves, so the second party answers
    /// without seeing the first. Someone who may not answer at all (on
    /// neither team, e.g. an admin or an auditor) cannot be swayed, and
    /// reads every answer.
    pub fn sees_answer(
        &self,
        def: &crate::contract::ContractDef,
        viewer: &Actor,
        question: &str,
        by: &crate::id::Email,
    ) -> bool {
        let party = viewer.in_team(&def.sending_team) || viewer.in_team(&self.to);
        *by == viewer.email
            || !party
            || self
                .attestations
                .iter()
                .any(|a| a.by == viewer.email && a.question == question)
    }

    /// Removes the answers `viewer` may not see yet (see
    /// [`Handoff::sees_answer`]); disagreements computed afterwards are
    /// therefore only among answers the viewer may read.
    pub fn seal_attestations(&mut self, def: &crate::contract::ContractDef, viewer: &Actor) {
        let visible: Vec<bool> = self
            .attestations
            .iter()
            .map(|a| self.sees_answer(def, viewer, &a.question, &a.by))
            .collect();
        let mut keep = visible.into_iter();
        self.attestations.retain(|_| keep.next().unwrap_or(false));
    }
}
