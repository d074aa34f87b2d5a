//! Proposals to change a contract. The sending team asks; the receiving
//! team holds the pen, so one of its leads (or an admin) answers each
//! proposal, accepting or declining it with a reason. An answer changes no
//! contract by itself: an accepted proposal is written into a version the
//! lead publishes.

use crate::contract::Contract;
use crate::error::DomainError;
use crate::event::Event;
use crate::{ContractKey, Email, FieldDef, Timestamp};

/// Longest reason accepted for an answer, in characters.
pub const MAX_REASON_LEN: usize = 2_000;

/// A proposal, as its contract's stream tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// Its position on the contract's stream: how an answer names it.
    pub number: u64,
    /// The contract.
    pub contract: ContractKey,
    /// The version it was made against.
    pub version: u32,
    /// What should change, and why.
    pub summary: String,
    /// Field definitions proposed.
    pub fields: Vec<FieldDef>,
    /// Who proposed it.
    pub by: Email,
    /// When.
    pub at: Timestamp,
    /// The receiving team's answer, once given.
    pub answer: Option<Answer>,
}

/// A lead's answer to a proposal.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Accepted (true) or declined.
    pub accepted: bool,
    /// Why.
    pub reason: String,
    /// Who answered.
    pub by: Email,
    /// When.
    pub at: Timestamp,
}

impl Proposal {
    /// The proposals of one contract, oldest first, from its stream's
    /// events with their positions.
    pub fn fold<'a>(events: impl IntoIterator<Item = (u64, &'a Event)>) -> Vec<Self> {
        let mut out: Vec<Self> = Vec::new();
        for (position, e) in events {
            Self::apply(&mut out, position, e);
        }
        out
    }

    /// Folds one event of the contract's stream into `proposals`.
    pub fn apply(proposals: &mut Vec<Self>, position: u64, e: &Event) {
        match e {
            Event::ContractProposed {
                contract,
                version,
                summary,
                fields,
                by,
                at,
            } => proposals.push(Self {
                number: position,
                contract: contract.clone(),
                version: *version,
                summary: summary.clone(),
                fields: fields.clone(),
                by: by.clone(),
                at: *at,
                answer: None,
            }),
            Event::ProposalAnswered {
                proposal,
                accepted,
                reason,
                by,
                at,
                ..
            } => {
                if let Some(p) = proposals.iter_mut().find(|p| p.number == *proposal) {
                    p.answer = Some(Answer {
                        accepted: *accepted,
                        reason: reason.clone(),
                        by: by.clone(),
                        at: *at,
                    });
                }
            }
            _ => {}
        }
    }

    /// Whether it still waits for the receiving team's answer.
    pub fn is_open(&self) -> bool {
        self.answer.is_none()
    }

    /// Decides an answer: only who holds the contract's pen answers, once,
    /// and always says why (the sender reads the reason).
    pub fn answer(
        &self,
        contract: &Contract,
        actor: &crate::Actor,
        accepted: bool,
        reason: &str,
        at: Timestamp,
    ) -> Result<Event, DomainError> {
        if contract.key != self.contract {
            return Err(DomainError::Rule(format!(
                "proposal {} is not a proposal to '{}'",
                self.number, contract.key
            )));
        }
        if !contract.holds_pen(actor) {
            return Err(DomainError::Forbidden(format!(
                "only a lead of the receiving team or an admin answers proposals to '{}'",
                contract.key
            )));
        }
        if let Some(a) = &self.answer {
            let how = if a.accepted { "accepted" } else { "declined" };
            return Err(DomainError::Rule(format!(
                "proposal {} to '{}' was already {how} by {}",
                self.number, contract.key, a.by
            )));
        }
        let reason = reason.trim();
        if !crate::id::has_words(reason) {
            return Err(DomainError::value(
                "reason",
                "say why, so the sending team knows what happens next",
            ));
        }
        if reason.chars().count() > MAX_REASON_LEN {
            return Err(DomainError::value(
                "reason",
                format!("is longer than {MAX_REASON_LEN} characters"),
            ));
        }
        Ok(Event::ProposalAnswered {
            contract: contract.key.clone(),
            proposal: self.number,
            accepted,
            reason: reason.to_string(),
            by: actor.email.clone(),
            at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::Role;
    use crate::{Actor, TeamKey};

    fn contract() -> Contract {
        crate::contract::published("ae-to-onboarding")
    }

    fn in_team(team: &str, role: Role) -> Actor {
        Actor {
            email: Email::parse(format!("{role:?}@{team}.test").to_lowercase()).unwrap(),
            admin: false,
            teams: [(TeamKey::parse(team).unwrap(), role)].into(),
        }
    }

    fn member_of(team: &str) -> Actor {
        in_team(team, Role::Member)
    }

    fn lead_of(team: &str) -> Actor {
        in_team(team, Role::Lead)
    }

    fn proposed(c: &Contract) -> (Vec<Proposal>, Event) {
        let e = c
            .propose(
                &member_of("ae"),
                "ask for procurement",
                vec![],
                Timestamp::UNIX_EPOCH,
            )
            .unwrap();
        let ps = Proposal::fold([(2, &e)]);
        (ps, e)
    }

    #[test]
    fn the_receiving_lead_answers_once_and_says_why() {
        let c = contract();
        let (mut ps, _) = proposed(&c);
        let p = ps[0].clone();
        assert!(p.is_open() && p.number == 2);
        let lead = lead_of("onboarding");
        let refused = p.answer(&c, &lead, false, "  ", Timestamp::UNIX_EPOCH);
        assert!(
            refused.unwrap_err().to_string().contains("say why"),
            "an answer without a reason is refused"
        );
        let e = p
            .answer(
                &c,
                &lead,
                false,
                "procurement is in the deal desk note",
                Timestamp::UNIX_EPOCH,
            )
            .unwrap();
        assert!(matches!(
            &e,
            Event::ProposalAnswered { proposal: 2, accepted: false, reason, .. } if reason == "procurement is in the deal desk note"
        ));
        Proposal::apply(&mut ps, 3, &e);
        assert!(!ps[0].is_open());
        let again = ps[0].answer(&c, &lead, true, "on second thought", Timestamp::UNIX_EPOCH);
        assert!(again.unwrap_err().to_string().contains("already declined"));
    }

    #[test]
    fn the_sending_team_does_not_answer_its_own_proposal() {
        let c = contract();
        let (ps, _) = proposed(&c);
        let err = ps[0]
            .answer(
                &c,
                &member_of("ae"),
                true,
                "we like it",
                Timestamp::UNIX_EPOCH,
            )
            .unwrap_err();
        assert!(matches!(err, DomainError::Forbidden(_)), "{err}");
        // A member of the receiving team who does not lead it holds no pen.
        let err = ps[0]
            .answer(
                &c,
                &member_of("onboarding"),
                true,
                "we like it",
                Timestamp::UNIX_EPOCH,
            )
            .unwrap_err();
        assert!(matches!(err, DomainError::Forbidden(_)), "{err}");
    }
}
