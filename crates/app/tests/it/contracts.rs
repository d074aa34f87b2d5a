//! Contract versions and modes, on both backends.

use baton_app::AppError;
use baton_app::org::NewOrg;
use baton_domain::event::Via;
use baton_domain::{ContractKey, DomainError};
use baton_testkit::complete_values;
use baton_testkit::{TestApp, email, on_both_backends};

use crate::draft;

on_both_backends!(
    the_six_contracts_are_seeded_in_observe_mode,
    only_the_receiving_teams_lead_or_an_admin_publishes,
    a_published_version_cannot_change,
    a_handoff_keeps_its_version_after_a_new_one_is_published,
    a_second_init_with_the_same_name_is_a_clear_error,
    a_proposal_is_answered_once_by_the_receiving_lead_with_a_reason,
);

async fn the_six_contracts_are_seeded_in_observe_mode(t: TestApp) {
    let contracts = t.app.store().contracts(&t.org).await.unwrap();
    let keys: Vec<_> = contracts.iter().map(|c| c.key.to_string()).collect();
    assert_eq!(
        keys,
        [
            "ae-to-onboarding",
            "cross-motion",
            "cs-to-support",
            "mql-to-sdr",
            "onboarding-to-cs",
            "sdr-to-ae"
        ]
    );
    assert!(
        contracts
            .iter()
            .all(|c| c.mode == baton_domain::Mode::Observe && c.current_version == 1)
    );
}

async fn only_the_receiving_teams_lead_or_an_admin_publishes(t: TestApp) {
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    let mut def = t
        .app
        .store()
        .contract(&t.org, &key)
        .await
        .unwrap()
        .unwrap()
        .current;
    def.guidance.fix = "Commission waits for onboarding's acceptance.".into();
    for who in ["ae-lead@acme.test", "onboarding1@acme.test"] {
        let err = t
            .app
            .publish_contract(&t.as_user(who), def.clone())
            .await
            .unwrap_err();
        assert!(
            matches!(err, AppError::Domain(DomainError::Forbidden(_))),
            "{who}: {err:?}"
        );
    }
    let c = t
        .app
        .publish_contract(&t.as_user("onboarding-lead@acme.test"), def.clone())
        .await
        .unwrap();
    assert_eq!(c.current_version, 2);
    def.title = "AE → Onboarding (v3)".into();
    let c = t
        .app
        .publish_contract(&t.as_user("admin@acme.test"), def)
        .await
        .unwrap();
    assert_eq!(c.current_version, 3);
}

async fn a_published_version_cannot_change(t: TestApp) {
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    let v1 = t.app.store().contract_versions(&t.org, &key).await.unwrap();
    // Not through Baton: there is no update path. Not even in SQL.
    let err = t
        .app
        .store()
        .raw_execute(
            "UPDATE contract_versions SET definition = '{}' WHERE contract = 'ae-to-onboarding'",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("never changes"), "{err}");
    let mut def = v1[0].definition.clone();
    def.title = "Changed".into();
    t.app
        .publish_contract(&t.as_user("onboarding-lead@acme.test"), def)
        .await
        .unwrap();
    let after = t.app.store().contract_versions(&t.org, &key).await.unwrap();
    assert_eq!(after.len(), 2);
    assert_eq!(after[0], v1[0], "version 1 is untouched");
}

async fn a_handoff_keeps_its_version_after_a_new_one_is_published(t: TestApp) {
    let h = draft(
        &t,
        "ae-to-onboarding",
        "A-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    assert_eq!(h.version, 1);
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    let mut def = t
        .app
        .store()
        .contract(&t.org, &key)
        .await
        .unwrap()
        .unwrap()
        .current;
    // Version 2 demands a field the old handoff never had.
    let mut extra = def.fields[0].clone();
    extra.key = baton_domain::FieldKey::parse("security_review").unwrap();
    extra.label = "Security review outcome".into();
    def.fields.push(extra);
    t.app
        .publish_contract(&t.as_user("onboarding-lead@acme.test"), def)
        .await
        .unwrap();
    t.gate("ae-to-onboarding").await;
    let h = t
        .app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap()
        .handoff;
    assert_eq!(h.version, 1, "still bound to version 1");
    assert_eq!(h.submitted_score(), Some(100), "scored against version 1");
    let newer = draft(
        &t,
        "ae-to-onboarding",
        "A-2",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    assert_eq!(newer.version, 2);
    assert!(
        t.app
            .submit(&t.as_user("ae1@acme.test"), &newer.id)
            .await
            .is_err(),
        "version 2 needs security_review"
    );
}

async fn a_second_init_with_the_same_name_is_a_clear_error(t: TestApp) {
    let again = NewOrg {
        name: "Acme".into(),
        admin_email: email("other@acme.test"),
        admin_name: "Other".into(),
        admin_password: "another long password".into(),
    };
    let err = t.app.init_org(again, Via::Cli).await.unwrap_err();
    assert!(matches!(err, AppError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(t.app.store().orgs().await.unwrap().len(), 1);
}

async fn a_proposal_is_answered_once_by_the_receiving_lead_with_a_reason(t: TestApp) {
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    let ae = t.as_user("ae1@acme.test");
    let lead = t.as_user("onboarding-lead@acme.test");
    let p = t
        .app
        .propose_change(&ae, &key, "Ask for the procurement contact", vec![])
        .await
        .unwrap();
    assert!(p.is_open());
    let events = t.app.store().event_count(&t.org).await.unwrap();
    // The sender, a receiving member who does not lead, and a reason of
    // spaces are each refused, and nothing is recorded.
    for (who, reason) in [
        ("ae1@acme.test", "we like it"),
        ("onboarding1@acme.test", "we like it"),
        ("onboarding-lead@acme.test", "   "),
    ] {
        let err = t
            .app
            .answer_proposal(&t.as_user(who), &key, p.id, true, reason)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                AppError::Domain(DomainError::Forbidden(_) | DomainError::InvalidValue { .. })
            ),
            "{who}: {err:?}"
        );
    }
    let unknown = t
        .app
        .answer_proposal(&lead, &key, p.id + 1_000, false, "no such proposal")
        .await
        .unwrap_err();
    assert!(matches!(unknown, AppError::NotFound(_)), "{unknown:?}");
    assert_eq!(t.app.store().event_count(&t.org).await.unwrap(), events);

    let answered = t
        .app
        .answer_proposal(
            &lead,
            &key,
            p.id,
            false,
            "  The deal desk note already names it ",
        )
        .await
        .unwrap();
    let Some(a) = answered.answer.clone() else {
        panic!("not answered: {answered:?}")
    };
    assert!(!a.accepted && a.reason == "The deal desk note already names it");
    assert_eq!(a.by.as_str(), "onboarding-lead@acme.test");
    // The sender reads the answer; a second answer is refused.
    let listed = t.app.proposals(&ae, &key).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].answer.as_ref(), Some(&a));
    let again = t
        .app
        .answer_proposal(&t.as_user("admin@acme.test"), &key, p.id, true, "overruled")
        .await
        .unwrap_err();
    assert!(
        again
            .to_string()
            .contains("already declined by onboarding-lead@acme.test"),
        "{again}"
    );
    // The contract itself did not change.
    let c = t.app.contract(&ae, &key).await.unwrap();
    assert_eq!(c.current_version, 1);
}
