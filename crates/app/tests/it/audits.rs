//! Concrete tests (SPEC §6) on both backends: the automated ae-to-onboarding
//! test on the worked example, and a sampled audit drawn and recorded.

use baton_app::AppError;
use baton_domain::{ContractKey, DomainError};
use baton_testkit::{SCORECARD_EXAMPLE, TestApp, on_both_backends};

use crate::{draft, full_ae_values};

on_both_backends!(
    the_last_three_accepted_ae_handoffs_are_checked_with_evidence,
    a_sampled_audit_is_drawn_from_last_week_and_its_verdict_recorded_once,
);

async fn the_last_three_accepted_ae_handoffs_are_checked_with_evidence(t: TestApp) {
    t.import_history(SCORECARD_EXAMPLE).await;
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    let a = t
        .app
        .audits(&t.as_user("cs1@acme.test"), &key)
        .await
        .unwrap();
    let auto = a.automated.unwrap();
    // H-4 (8/8), H-3 (4/8), H-2 (8/8): 20 of 24 fields.
    let ids: Vec<&str> = auto.evidence.iter().map(|e| e.handoff.as_str()).collect();
    assert_eq!(ids, ["H-4", "H-3", "H-2"]);
    assert!((auto.value.unwrap() - 20.0 / 24.0).abs() < 1e-9);
    assert_eq!(auto.passed, Some(true));
    let h3 = &auto.evidence[1];
    assert!(
        !h3.ok && h3.detail.contains("go_live_deadlines"),
        "{}",
        h3.detail
    );
    assert!(a.concrete_test.len() > 20, "the seed test in words");
    let mql = ContractKey::parse("mql-to-sdr").unwrap();
    let sampled_only = t
        .app
        .audits(&t.as_user("cs1@acme.test"), &mql)
        .await
        .unwrap();
    assert!(
        sampled_only.automated.is_none(),
        "mql-to-sdr is audited by sampling"
    );
}

async fn a_sampled_audit_is_drawn_from_last_week_and_its_verdict_recorded_once(t: TestApp) {
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    let lead = t.as_user("onboarding-lead@acme.test");
    let none = t.app.sample_audit(&lead, &key).await.unwrap_err();
    assert!(
        matches!(none, AppError::Domain(DomainError::Rule(_))),
        "{none}"
    );
    let h = draft(
        &t,
        "ae-to-onboarding",
        "S-A",
        "ae1@acme.test",
        full_ae_values(),
    )
    .await;
    t.app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap();
    let member = t.as_user("onboarding1@acme.test");
    assert!(matches!(
        t.app.sample_audit(&member, &key).await,
        Err(AppError::Domain(DomainError::Forbidden(_)))
    ));
    let s = t.app.sample_audit(&lead, &key).await.unwrap();
    assert_eq!(s.handoff, h.id, "the only handoff of the last week");
    assert_eq!(s.questions.len(), 1);
    let blank = t.app.record_audit(&lead, &key, &s.id, "  ", true).await;
    assert!(blank.is_err(), "an empty answer records nothing");
    let done = t
        .app
        .record_audit(
            &lead,
            &key,
            &s.id,
            "Named the buyer and the go-live date",
            true,
        )
        .await
        .unwrap();
    assert_eq!(done.result.as_ref().map(|r| r.passed), Some(true));
    let again = t.app.record_audit(&lead, &key, &s.id, "Again", false).await;
    assert!(matches!(again, Err(AppError::Domain(DomainError::Rule(_)))));
    let history = t
        .app
        .audits(&t.as_user("sdr1@acme.test"), &key)
        .await
        .unwrap();
    assert_eq!((history.samples_passed, history.samples_recorded), (1, 1));
    let kinds: Vec<&str> = t
        .app
        .log(&t.org)
        .await
        .unwrap()
        .iter()
        .rev()
        .take(2)
        .map(|e| e.event.kind())
        .collect();
    assert_eq!(kinds, ["audit_recorded", "audit_sampled"]);
    let report = t.app.rebuild(&t.org).await.unwrap();
    assert!(report.identical);
}
