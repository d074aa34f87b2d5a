//! The gate check: is the gate of a contract open for an account, and if
//! not, what is missing? What a CRM validation rule or a comp system asks
//! before it lets a deal progress.

use std::collections::BTreeMap;

use baton_domain::handoff::completeness;
use baton_domain::{AccountId, ContractDef, ContractKey, HandoffId, State, Timestamp};
use baton_store::HandoffFilter;

use crate::handoffs::MAX_PAGE;
use crate::{App, AppError, Caller};

/// The answer of a gate check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateStatus {
    /// Whether the account has an accepted handoff of the contract.
    pub open: bool,
    /// While closed: the mandatory sender fields the handoff in flight still
    /// misses (every one when there is none).
    pub missing: Vec<String>,
    /// The accepted handoff when open; the one in flight when closed.
    pub handoff: Option<HandoffId>,
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
    /// Mandatory sender fields its values miss against its bound version.
    pub missing: Vec<String>,
}

/// Decides the gate: open on any accepted handoff (the latest accepted is
/// named); otherwise the latest handoff not withdrawn says what is missing;
/// with none, every mandatory field of the current version is.
pub fn decide(candidates: &[Candidate], every_mandatory: Vec<String>) -> GateStatus {
    if let Some(accepted) = candidates
        .iter()
        .filter(|c| c.state == State::Accepted)
        .max_by(|a, b| (a.accepted_at, &a.id).cmp(&(b.accepted_at, &b.id)))
    {
        return GateStatus {
            open: true,
            missing: Vec::new(),
            handoff: Some(accepted.id.clone()),
        };
    }
    match candidates
        .iter()
        .filter(|c| c.state != State::Withdrawn)
        .max_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)))
    {
        Some(latest) => GateStatus {
            open: false,
            missing: latest.missing.clone(),
            handoff: Some(latest.id.clone()),
        },
        None => GateStatus {
            open: false,
            missing: every_mandatory,
            handoff: None,
        },
    }
}

impl App {
    /// Whether the gate of `contract` is open for `account`.
    pub async fn gate(
        &self,
        caller: &Caller,
        contract: &ContractKey,
        account: &AccountId,
    ) -> Result<GateStatus, AppError> {
        self.actor(caller).await?;
        let current = self
            .store
            .contract(&caller.org, contract)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("contract '{contract}'")))?;
        if self.store.account(&caller.org, account).await?.is_none() {
            return Err(AppError::NotFound(format!("account '{account}'")));
        }
        let versions: BTreeMap<u32, ContractDef> = self
            .store
            .contract_versions(&caller.org, contract)
            .await?
            .into_iter()
            .map(|v| (v.version, v.definition))
            .collect();
        let filter = HandoffFilter {
            contract: Some(contract.clone()),
            account: Some(account.clone()),
            ..HandoffFilter::default()
        };
        let mut candidates = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store
                .handoffs_page(&caller.org, &filter, after.as_ref(), MAX_PAGE)
                .await?;
            let full = page.len() == MAX_PAGE as usize;
            after = page.last().map(|h| h.id.clone());
            for h in page {
                let def = versions.get(&h.version).unwrap_or(&current.current);
                candidates.push(Candidate {
                    missing: completeness(def, &h.values).missing_keys(),
                    id: h.id,
                    state: h.state,
                    created_at: h.created_at,
                    accepted_at: h.accepted_at,
                });
            }
            if !full {
                break;
            }
        }
        let every = current
            .current
            .scored_fields()
            .map(|f| f.key.to_string())
            .collect();
        Ok(decide(&candidates, every))
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
        }
    }

    fn all() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    #[test]
    fn without_any_handoff_the_gate_is_closed_and_everything_is_missing() {
        let g = decide(&[], all());
        assert_eq!(
            g,
            GateStatus {
                open: false,
                missing: all(),
                handoff: None
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
        );
        assert!(!g.open);
        assert_eq!(g.missing, vec!["b".to_string()]);
        assert_eq!(g.handoff.map(|h| h.to_string()), Some("H-2".into()));
    }

    #[test]
    fn withdrawn_handoffs_do_not_count() {
        let g = decide(&[c("H-1", State::Withdrawn, 1, None, &["b"])], all());
        assert_eq!((g.open, g.missing, g.handoff), (false, all(), None));
    }

    #[test]
    fn a_complete_handoff_awaiting_acceptance_keeps_the_gate_closed() {
        let g = decide(&[c("H-1", State::Submitted, 1, None, &[])], all());
        assert!(!g.open);
        assert!(g.missing.is_empty());
        assert_eq!(g.handoff.map(|h| h.to_string()), Some("H-1".into()));
    }
}
