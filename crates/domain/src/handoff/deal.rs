//! Deals (SPEC §11): a handoff may name the CRM deal it hands off, and the
//! gate is then kept per deal, the way the CRM and the comp system key
//! money. These rules keep a deal's gate unambiguous.

use crate::error::DomainError;
use crate::id::{AccountId, ContractKey, DealId, HandoffId};

use super::{Handoff, State};

/// A handoff that already names a deal, as a new one's start sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealUse {
    /// The handoff.
    pub handoff: HandoffId,
    /// Its contract.
    pub contract: ContractKey,
    /// Its account.
    pub account: AccountId,
    /// Its state.
    pub state: State,
}

impl From<&Handoff> for DealUse {
    fn from(h: &Handoff) -> Self {
        Self {
            handoff: h.id.clone(),
            contract: h.contract.clone(),
            account: h.account.clone(),
            state: h.state,
        }
    }
}

/// Whether a handoff of `contract` for `account` may name `deal`, given the
/// other handoffs already naming it. A deal is unique within the org, so it
/// belongs to one account; and one handoff per contract stands for a deal
/// (a withdrawn one may be replaced), or its gate would depend on which of
/// two drafts someone looked at.
pub fn check_deal(
    deal: &DealId,
    account: &AccountId,
    contract: &ContractKey,
    uses: &[DealUse],
) -> Result<(), DomainError> {
    if let Some(other) = uses.iter().find(|u| u.account != *account) {
        return Err(DomainError::value(
            "deal",
            format!(
                "deal '{deal}' belongs to account '{}' (handoff {})",
                other.account, other.handoff
            ),
        ));
    }
    if let Some(live) = uses
        .iter()
        .find(|u| u.contract == *contract && u.state != State::Withdrawn)
    {
        return Err(DomainError::value(
            "deal",
            format!(
                "deal '{deal}' already has {} handoff {} ({}); rework or withdraw it",
                contract,
                live.handoff,
                live.state.as_str()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn use_of(h: &str, contract: &str, account: &str, state: State) -> DealUse {
        DealUse {
            handoff: HandoffId::parse(h).unwrap_or_else(|_| unreachable!()),
            contract: ContractKey::parse(contract).unwrap_or_else(|_| unreachable!()),
            account: AccountId::parse(account).unwrap_or_else(|_| unreachable!()),
            state,
        }
    }

    fn ids() -> (DealId, AccountId, ContractKey) {
        (
            DealId::parse("006-1").unwrap_or_else(|_| unreachable!()),
            AccountId::parse("A-1").unwrap_or_else(|_| unreachable!()),
            ContractKey::parse("ae-to-onboarding").unwrap_or_else(|_| unreachable!()),
        )
    }

    #[test]
    fn a_new_deal_may_be_named() {
        let (d, a, c) = ids();
        assert!(check_deal(&d, &a, &c, &[]).is_ok());
    }

    #[test]
    fn a_deal_belongs_to_one_account() {
        let (d, a, c) = ids();
        let err = check_deal(
            &d,
            &a,
            &c,
            &[use_of("H-1", "ae-to-onboarding", "A-2", State::Withdrawn)],
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("belongs to account 'A-2'"), "{err}");
    }

    #[test]
    fn one_handoff_per_contract_stands_for_a_deal_until_withdrawn() {
        let (d, a, c) = ids();
        for state in [
            State::Draft,
            State::Submitted,
            State::Rejected,
            State::Accepted,
        ] {
            let err = check_deal(
                &d,
                &a,
                &c,
                &[use_of("H-1", "ae-to-onboarding", "A-1", state)],
            );
            assert!(err.is_err(), "{state:?}");
        }
        assert!(
            check_deal(
                &d,
                &a,
                &c,
                &[use_of("H-1", "ae-to-onboarding", "A-1", State::Withdrawn)]
            )
            .is_ok()
        );
        // Another contract's handoff of the same deal is its own gate.
        assert!(
            check_deal(
                &d,
                &a,
                &c,
                &[use_of("H-1", "onboarding-to-cs", "A-1", State::Accepted)]
            )
            .is_ok()
        );
    }

    #[test]
    fn a_blank_deal_id_does_not_parse() {
        assert!(DealId::parse(" ").is_err());
        assert!(DealId::parse("").is_err());
    }
}
