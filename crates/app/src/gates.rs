//! The gate check: is the gate of a contract open for an account (or for
//! one of its deals, SPEC §11), and if not, what is missing? What a CRM
//! validation rule or a comp system asks before it lets a deal progress.

use baton_domain::handoff::completeness;
use baton_domain::{AccountId, ContractKey, DealId, HandoffId, State, Timestamp};
use baton_store::HandoffFilter;

use crate::handoffs::MAX_PAGE;
use crate::{App, AppError, Caller};

/// Where the handoff behind a gate stands (SPEC §11 `state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateState {
    /// No handoff of the contract (for the deal) was started.
    None,
    /// The latest is a draft.
    Draft,
    /// The latest waits for the receiver.
    Submitted,
    /// The latest was sent back for rework.
    Rejected,
    /// One was accepted: the gate is open.
    Accepted,
    /// Every one was withdrawn.
    Withdrawn,
}

impl GateState {
    /// As the API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Rejected => "rejected",
            Self::Accepted => "accepted",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Every state, as spelled.
    pub const ALL: [&'static str; 6] = [
        "none",
        "draft",
        "submitted",
        "rejected",
        "accepted",
        "withdrawn",
    ];
}

impl From<State> for GateState {
    fn from(s: State) -> Self {
        match s {
            State::Draft => Self::Draft,
            State::Submitted => Self::Submitted,
            State::Rejected => Self::Rejected,
            State::Accepted => Self::Accepted,
            State::Withdrawn => Self::Withdrawn,
        }
    }
}

/// The answer of a gate check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateStatus {
    /// Whether an accepted handoff of the contract stands (for the deal,
    /// when one is named).
    pub open: bool,
    /// Where the handoff behind the answer stands.
    pub state: GateState,
    /// While closed: the mandatory sender fields not counting on the latest
    /// handoff (while rejected, the fields the receiver named); every one
    /// when there is none.
    pub missing: Vec<String>,
    /// The accepted handoff when open; the latest one otherwise.
    pub handoff: Option<HandoffId>,
    /// The deal asked about, if any.
    pub deal: Option<DealId>,
}

/// One of the account's handoffs of the contract, as the decision sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// Its id.
    pub id: HandoffId,
    /// Its state.
    pub state: State,
    /// When it was started.
    pub created_at: Timestamp,
    /// When it was accepted.
    pub accepted_at: Option<Timestamp>,
    /// Mandatory sender fields its values miss against its bound version
    /// (filled in only where the answer needs them).
    pub missing: Vec<String>,
    /// The fields its latest rejection named.
    pub flagged: Vec<String>,
}

impl Candidate {
    /// The candidate a handoff is, its missing fields not yet filled in:
    /// only the handoff that decides a closed gate needs them, and scoring
    /// was most of a gate check's cost.
    pub fn unscored(h: &baton_domain::Handoff) -> Self {
        let flagged = match (h.state, h.decisions.last()) {
            (State::Rejected, Some(d)) if !d.accepted => {
                d.fields.iter().map(ToString::to_string).collect()
            }
            _ => Vec::new(),
        };
        Self {
            id: h.id.clone(),
            state: h.state,
            created_at: h.created_at,
            accepted_at: h.accepted_at,
            missing: Vec::new(),
            flagged,
        }
    }
}

/// The accepted candidate that opens the gate: the latest accepted.
fn opening(candidates: &[Candidate]) -> Option<&Candidate> {
    candidates
        .iter()
        .filter(|c| c.state == State::Accepted)
        .max_by(|a, b| (a.accepted_at, &a.id).cmp(&(b.accepted_at, &b.id)))
}

/// The latest candidate started, among the withdrawn ones or the others.
fn latest(candidates: &[Candidate], withdrawn: bool) -> Option<&Candidate> {
    candidates
        .iter()
        .filter(|c| (c.state == State::Withdrawn) == withdrawn)
        .max_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)))
}

/// Decides the gate: open on any accepted handoff (the latest accepted is
/// named); otherwise the latest handoff not withdrawn says what is missing
/// (while rejected, what the receiver named, when they named fields); with
/// none, every mandatory field of the current version is.
pub fn decide(
    candidates: &[Candidate],
    every_mandatory: Vec<String>,
    deal: Option<DealId>,
) -> GateStatus {
    if let Some(accepted) = opening(candidates) {
        return GateStatus {
            open: true,
            state: GateState::Accepted,
            missing: Vec::new(),
            handoff: Some(accepted.id.clone()),
            deal,
        };
    }
    match (latest(candidates, false), latest(candidates, true)) {
        (Some(latest), _) => GateStatus {
            open: false,
            state: latest.state.into(),
            missing: if latest.flagged.is_empty() {
                latest.missing.clone()
            } else {
                latest.flagged.clone()
            },
            handoff: Some(latest.id.clone()),
            deal,
        },
        (None, withdrawn) => GateStatus {
            open: false,
            state: if withdrawn.is_some() {
                GateState::Withdrawn
            } else {
                GateState::None
            },
            missing: every_mandatory,
            handoff: withdrawn.map(|w| w.id.clone()),
            deal,
        },
    }
}

impl App {
    /// Whether the gate of `contract` is open for `account`: for one of
    /// its deals when `deal` is named, for any handoff of the account
    /// otherwise.
    pub async fn gate(
        &self,
        caller: &Caller,
        contract: &ContractKey,
        account: &AccountId,
        deal: Option<&DealId>,
    ) -> Result<GateStatus, AppError> {
        self.actor(caller).await?;
        let current = self
            .store
            .current_definition(&caller.org, contract)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("contract '{contract}'")))?;
        if self.store.account(&caller.org, account).await?.is_none() {
            return Err(AppError::NotFound(format!("account '{account}'")));
        }
        let filter = HandoffFilter {
            contract: Some(contract.clone()),
            account: Some(account.clone()),
            deal: deal.cloned(),
            ..HandoffFilter::default()
        };
        let mut candidates = Vec::new();
        let mut handoffs = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store
                .handoffs_page(&caller.org, &filter, after.as_ref(), MAX_PAGE)
                .await?;
            let full = page.len() == MAX_PAGE as usize;
            after = page.last().map(|h| h.id.clone());
            for h in page {
                candidates.push(Candidate::unscored(&h));
                handoffs.push(h);
            }
            if !full {
                break;
            }
        }
        // Only the handoff a closed gate points at is scored, against the
        // version it is bound to (parsed once per process).
        if opening(&candidates).is_none()
            && let Some(id) = latest(&candidates, false).map(|c| c.id.clone())
            && let Some(h) = handoffs.iter().find(|h| h.id == id)
        {
            let def = self
                .store
                .definition(&caller.org, contract, h.version)
                .await?;
            let def = def.as_deref().unwrap_or(&current);
            let missing = completeness(def, &h.values).missing_keys();
            if let Some(c) = candidates.iter_mut().find(|c| c.id == id) {
                c.missing = missing;
            }
        }
        let every = current.scored_fields().map(|f| f.key.to_string()).collect();
        Ok(decide(&candidates, every, deal.cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(hour: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + hour * 3600).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn c(
        id: &str,
        state: State,
        created: i64,
        accepted: Option<i64>,
        missing: &[&str],
    ) -> Candidate {
        Candidate {
            id: HandoffId::parse(id).unwrap_or_else(|_| unreachable!()),
            state,
            created_at: t(created),
            accepted_at: accepted.map(t),
            missing: missing.iter().map(ToString::to_string).collect(),
            flagged: Vec::new(),
        }
    }

    fn all() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    #[test]
    fn without_any_handoff_the_gate_is_closed_and_everything_is_missing() {
        let g = decide(&[], all(), None);
        assert_eq!(
            g,
            GateStatus {
                open: false,
                state: GateState::None,
                missing: all(),
                handoff: None,
                deal: None,
            }
        );
    }

    #[test]
    fn an_accepted_handoff_opens_the_gate_whatever_came_after() {
        let g = decide(
            &[
                c("H-1", State::Accepted, 1, Some(2), &[]),
                c("H-2", State::Draft, 5, None, &["a"]),
            ],
            all(),
            None,
        );
        assert!(g.open);
        assert!(g.missing.is_empty());
        assert_eq!(g.handoff.map(|h| h.to_string()), Some("H-1".into()));
    }

    #[test]
    fn the_latest_handoff_in_flight_says_what_is_missing() {
        let g = decide(
            &[
                c("H-9", State::Rejected, 1, None, &["a", "b"]),
                c("H-2", State::Submitted, 3, None, &["b"]),
            ],
            all(),
            None,
        );
        assert!(!g.open);
        assert_eq!(g.missing, vec!["b".to_string()]);
        assert_eq!(g.handoff.map(|h| h.to_string()), Some("H-2".into()));
    }

    #[test]
    fn withdrawn_handoffs_do_not_count_but_say_so() {
        let g = decide(&[c("H-1", State::Withdrawn, 1, None, &["b"])], all(), None);
        assert_eq!(
            (g.open, g.state, g.missing),
            (false, GateState::Withdrawn, all())
        );
        assert_eq!(g.handoff.map(|h| h.to_string()), Some("H-1".into()));
    }

    #[test]
    fn while_rejected_the_fields_the_receiver_named_are_missing() {
        let mut rejected = c("H-1", State::Rejected, 1, None, &["a"]);
        rejected.flagged = vec!["b".into()];
        let g = decide(&[rejected.clone()], all(), None);
        assert_eq!(
            (g.state, g.missing),
            (GateState::Rejected, vec!["b".to_string()])
        );
        // A rejection that named no field leaves what does not count.
        rejected.flagged.clear();
        let g = decide(&[rejected], all(), None);
        assert_eq!(g.missing, vec!["a".to_string()]);
    }

    #[test]
    fn the_state_is_the_latest_handoffs() {
        let g = decide(&[c("H-1", State::Draft, 1, None, &["a"])], all(), None);
        assert_eq!(g.state, GateState::Draft);
        let g = decide(&[c("H-1", State::Submitted, 1, None, &[])], all(), None);
        assert_eq!(g.state, GateState::Submitted);
    }

    #[test]
    fn a_complete_handoff_awaiting_acceptance_keeps_the_gate_closed() {
        let g = decide(&[c("H-1", State::Submitted, 1, None, &[])], all(), None);
        assert!(!g.open);
        assert!(g.missing.is_empty());
        assert_eq!(g.handoff.map(|h| h.to_string()), Some("H-1".into()));
    }
}
