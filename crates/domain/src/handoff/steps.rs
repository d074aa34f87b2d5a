//! The work a handoff asks of someone next: the items of a work queue. Each
//! step is open exactly when the domain would let the person take its
//! action (see [`Handoff::may`]), so a queue never lists work the command
//! would refuse, and an item leaves the queue when the work is done.

use serde::Serialize;

use super::{Action, Ctx, Handoff, State};
use crate::Timestamp;
use crate::id::TeamKey;
use crate::org::Actor;
use crate::sla::{SlaKind, deadlines};

/// A kind of work a handoff asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Accept or reject a submitted handoff (the receiving team).
    Decide,
    /// Rework a rejected handoff and resubmit it (its sender).
    Rework,
    /// Finish and submit a draft (its sender).
    Submit,
    /// Record the first touch of the lead (the receiving team).
    FirstTouch,
    /// Acknowledge with an ETA (the receiving team).
    Acknowledge,
    /// Send the status echo the cadence asks for (the receiving team).
    Echo,
    /// Resolve the issue (the receiving team).
    Resolve,
    /// Tell the customer it is resolved (the communication owner).
    CloseLoop,
    /// Answer the contract's attestation questions (either side).
    Attest,
}

impl Step {
    /// Every step, in the order a queue names them.
    pub const ALL: [Step; 9] = [
        Self::Decide,
        Self::Rework,
        Self::Submit,
        Self::FirstTouch,
        Self::Acknowledge,
        Self::Echo,
        Self::Resolve,
        Self::CloseLoop,
        Self::Attest,
    ];

    /// Its name in URLs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Decide => "decide",
            Self::Rework => "rework",
            Self::Submit => "submit",
            Self::FirstTouch => "first_touch",
            Self::Acknowledge => "acknowledge",
            Self::Echo => "echo",
            Self::Resolve => "resolve",
            Self::CloseLoop => "close_loop",
            Self::Attest => "attest",
        }
    }

    /// What to do, in words (for pages and mail).
    pub fn label(self) -> &'static str {
        match self {
            Self::Decide => "Accept or reject",
            Self::Rework => "Rework and resubmit",
            Self::Submit => "Finish and submit the draft",
            Self::FirstTouch => "Record the first touch",
            Self::Acknowledge => "Acknowledge with an ETA",
            Self::Echo => "Send a status echo",
            Self::Resolve => "Resolve",
            Self::CloseLoop => "Close the loop with the customer",
            Self::Attest => "Answer the attestation",
        }
    }

    /// The action that does this work.
    pub fn action(self) -> Action {
        match self {
            Self::Decide => Action::Accept,
            Self::Rework | Self::Submit => Action::Submit,
            Self::FirstTouch => Action::FirstTouch,
            Self::Acknowledge => Action::Ack,
            Self::Echo => Action::Echo,
            Self::Resolve => Action::Resolve,
            Self::CloseLoop => Action::CloseLoop,
            Self::Attest => Action::Attest,
        }
    }
}

/// One piece of work a handoff asks of a person now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextStep {
    /// What to do.
    pub step: Step,
    /// The team whose work it is, or `None` when it is the person's own
    /// (their draft, their rework, their answer, the loop they own).
    pub team: Option<TeamKey>,
    /// When it falls due, where a deadline or a promised ETA says.
    pub due: Option<Timestamp>,
}

impl Handoff {
    /// The work this handoff asks of `actor` at `ctx.at`. A step appears only
    /// where [`Handoff::may`] allows its action, and only for the people the
    /// work belongs to: an admin may edit anyone's draft, but a draft is its
    /// sender's work, not every admin's.
    pub fn next_steps(&self, ctx: Ctx<'_>, actor: &Actor) -> Vec<NextStep> {
        let may = |a: Action| self.may(a, ctx, actor).is_ok();
        let due_of = |kind: SlaKind| {
            deadlines(self, ctx.def)
                .into_iter()
                .find(|d| d.kind == kind && d.met_at.is_none())
                .map(|d| d.due)
        };
        let team = || Some(self.to.clone());
        let mut out = Vec::new();
        let mut push = |step, team, due| out.push(NextStep { step, team, due });
        let own = actor.email == self.sender;
        match self.state {
            State::Submitted if may(Action::Accept) => {
                push(Step::Decide, team(), due_of(SlaKind::Acceptance));
            }
            State::Rejected if own && may(Action::Submit) => {
                push(Step::Rework, None, due_of(SlaKind::Acceptance));
            }
            State::Draft if own && may(Action::Submit) => push(Step::Submit, None, None),
            State::Accepted => {
                if may(Action::FirstTouch) {
                    push(Step::FirstTouch, team(), due_of(SlaKind::FirstTouch));
                }
                if self.follow.acked_at.is_none() {
                    if may(Action::Ack) {
                        push(Step::Acknowledge, team(), due_of(SlaKind::Ack));
                    }
                } else {
                    if may(Action::Echo)
                        && let Some(due) = due_of(SlaKind::Echo)
                    {
                        push(Step::Echo, team(), Some(due));
                    }
                    if may(Action::Resolve) {
                        push(Step::Resolve, team(), self.follow.eta);
                    }
                }
                if may(Action::CloseLoop) {
                    push(Step::CloseLoop, None, due_of(SlaKind::CloseLoop));
                }
                let unanswered = ctx.def.attestation_questions.iter().any(|q| {
                    !self
                        .attestations
                        .iter()
                        .any(|a| a.by == actor.email && &a.question == q)
                });
                let party = actor.in_team(&ctx.def.sending_team) || actor.in_team(&self.to);
                if unanswered && party && may(Action::Attest) {
                    push(Step::Attest, None, None);
                }
            }
            _ => {}
        }
        out
    }
}
