//! The rollout plan's sequencing rule, on both backends.

use baton_app::AppError;
use baton_app::rollout::RolloutMove;
use baton_domain::rollout::Phase;
use baton_domain::{ContractKey, DomainError};
use baton_testkit::{TestApp, on_both_backends};

on_both_backends!(
    an_override_without_a_reason_is_refused_and_with_one_it_is_recorded,
    only_an_admin_or_a_receiving_lead_moves_a_contract,
);

fn to(contract: &str, phase: Phase, reason: Option<&str>) -> RolloutMove {
    RolloutMove {
        contract: ContractKey::parse(contract).unwrap(),
        phase,
        planned: [(Phase::ScorecardLive, "2026-12-15".parse().unwrap())].into(),
        override_reason: reason.map(str::to_string),
    }
}

async fn an_override_without_a_reason_is_refused_and_with_one_it_is_recorded(t: TestApp) {
    let admin = t.as_user("admin@acme.test");
    t.ready_to_gate("ae-to-onboarding").await;
    t.ready_to_gate("sdr-to-ae").await;
    t.app
        .move_rollout(&admin, to("ae-to-onboarding", Phase::Gating, None))
        .await
        .unwrap();
    let events = t.app.store().event_count(&t.org).await.unwrap();
    for reason in [None, Some("  ")] {
        let err = t
            .app
            .move_rollout(&admin, to("sdr-to-ae", Phase::Gating, reason))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, AppError::Domain(DomainError::Rule(m)) if m.contains("don't launch in parallel") && m.contains("ae-to-onboarding")),
            "{err}"
        );
    }
    assert_eq!(
        t.app.store().event_count(&t.org).await.unwrap(),
        events,
        "nothing recorded"
    );
    let plan = t
        .app
        .move_rollout(
            &admin,
            to(
                "sdr-to-ae",
                Phase::Gating,
                Some("Q4 pipeline review needs both"),
            ),
        )
        .await
        .unwrap();
    let sdr = plan
        .contracts
        .iter()
        .find(|l| l.contract.as_str() == "sdr-to-ae")
        .unwrap();
    let stage = sdr.stage.as_ref().unwrap();
    assert_eq!(stage.phase, Phase::Gating);
    assert_eq!(
        stage.override_reason.as_deref(),
        Some("Q4 pipeline review needs both")
    );
    let log = t.app.log(&t.org).await.unwrap();
    let kinds: Vec<&str> = log[log.len() - 2..]
        .iter()
        .map(|e| e.event.kind())
        .collect();
    assert_eq!(
        kinds,
        ["rollout_changed", "mode_changed"],
        "entering gating gates the contract in the same change"
    );
    assert_eq!(plan.suggested_order.len(), 6, "every contract is ranked");
}

async fn only_an_admin_or_a_receiving_lead_moves_a_contract(t: TestApp) {
    let member = t.as_user("onboarding1@acme.test");
    let err = t
        .app
        .move_rollout(&member, to("ae-to-onboarding", Phase::FieldSpec, None))
        .await
        .unwrap_err();
    assert!(
        matches!(err, AppError::Domain(DomainError::Forbidden(_))),
        "{err}"
    );
    let lead = t.as_user("onboarding-lead@acme.test");
    t.app
        .move_rollout(&lead, to("ae-to-onboarding", Phase::LeakAudit, None))
        .await
        .unwrap();
    let plan = t
        .app
        .move_rollout(&lead, to("ae-to-onboarding", Phase::FieldSpec, None))
        .await
        .unwrap();
    let line = plan
        .contracts
        .iter()
        .find(|l| l.contract.as_str() == "ae-to-onboarding")
        .unwrap();
    assert_eq!(line.stage.as_ref().map(|s| s.phase), Some(Phase::FieldSpec));
    let other_lead = t.as_user("sdr-lead@acme.test");
    assert!(
        t.app
            .move_rollout(&other_lead, to("ae-to-onboarding", Phase::Gating, None))
            .await
            .is_err()
    );
}
