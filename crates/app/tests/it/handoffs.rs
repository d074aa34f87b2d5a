//! The gated lifecycle through the use cases, on both backends.

use baton_testkit::complete_values;
use std::collections::BTreeMap;

use baton_app::AppError;
use baton_app::handoffs::{NewHandoff, Rejection};
use baton_domain::handoff::Attachment;
use baton_domain::{ContractKey, DomainError, State};
use baton_testkit::{TestApp, on_both_backends};
use serde_json::json;

use crate::{account, draft};

on_both_backends!(
    a_gated_submission_missing_fields_is_refused_and_nothing_is_recorded,
    observe_mode_records_an_incomplete_submission_with_its_score,
    a_non_receiver_cannot_accept_nor_the_sender_their_own,
    a_rejection_without_a_reason_is_refused,
    rework_after_rejection_resubmits,
    cs_to_support_cannot_be_accepted_without_ack_eta,
    year1_success_criteria_is_carried_from_the_accepted_ae_handoff,
    drafts_carry_attachments_and_refuse_unknown_fields,
    a_gated_handoff_missing_fields_cannot_be_accepted,
    a_support_engineer_is_never_the_communication_owner_nor_closes_the_loop,
);

async fn a_gated_submission_missing_fields_is_refused_and_nothing_is_recorded(t: TestApp) {
    t.gate("ae-to-onboarding").await;
    let mut values = complete_values("ae-to-onboarding");
    values.remove("champion_map");
    values.insert("expansion_hypothesis".into(), json!("TBD"));
    let h = draft(&t, "ae-to-onboarding", "A-1", "ae1@acme.test", values).await;
    assert_eq!(h.score, 75);
    let events_before = t.app.store().event_count(&t.org).await.unwrap();
    let err = t
        .app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap_err();
    match err {
        AppError::Domain(DomainError::Incomplete { missing, score, .. }) => {
            assert_eq!(missing, vec!["champion_map", "expansion_hypothesis"]);
            assert_eq!(score, 75);
        }
        other => panic!("expected Incomplete, got {other:?}"),
    }
    assert_eq!(
        t.app.store().event_count(&t.org).await.unwrap(),
        events_before,
        "nothing recorded"
    );
    let stored = t.app.store().handoff(&t.org, &h.id).await.unwrap().unwrap();
    assert_eq!(stored.state, State::Draft);
    assert!(stored.submissions.is_empty());
}

async fn observe_mode_records_an_incomplete_submission_with_its_score(t: TestApp) {
    let mut values = complete_values("ae-to-onboarding");
    values.retain(|k, _| {
        [
            "economic_buyer",
            "champion_map",
            "commitments",
            "success_criteria",
        ]
        .contains(&k.as_str())
    });
    let h = draft(&t, "ae-to-onboarding", "A-1", "ae1@acme.test", values).await;
    let h = t
        .app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap()
        .handoff;
    assert_eq!(h.state, State::Submitted);
    let stored = t.app.store().handoff(&t.org, &h.id).await.unwrap().unwrap();
    assert_eq!(stored.state, State::Submitted);
    assert_eq!(stored.submitted_score(), Some(50));
}

async fn a_non_receiver_cannot_accept_nor_the_sender_their_own(t: TestApp) {
    let h = draft(
        &t,
        "ae-to-onboarding",
        "A-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    t.app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap();
    for who in [
        "cs1@acme.test",
        "ae2@acme.test",
        "ae1@acme.test",
        "admin@acme.test",
    ] {
        let err = t
            .app
            .accept(&t.as_user(who), &h.id, BTreeMap::new())
            .await
            .unwrap_err();
        assert!(
            matches!(err, AppError::Domain(DomainError::Forbidden(_))),
            "{who}: {err:?}"
        );
    }
    let h = t
        .app
        .accept(&t.as_user("onboarding1@acme.test"), &h.id, BTreeMap::new())
        .await
        .unwrap()
        .handoff;
    assert_eq!(h.state, State::Accepted);
    assert_eq!(h.accepted_at, Some(t.app.now()));
}

async fn a_rejection_without_a_reason_is_refused(t: TestApp) {
    let h = draft(
        &t,
        "ae-to-onboarding",
        "A-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    t.app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap();
    let onb = t.as_user("onboarding1@acme.test");
    let no_code = Rejection {
        code: None,
        reason: "no champion map".into(),
        fields: vec![],
    };
    assert!(t.app.reject(&onb, &h.id, no_code).await.is_err());
    let no_text = Rejection {
        code: Some("missing_context".into()),
        reason: "".into(),
        fields: vec![],
    };
    assert!(t.app.reject(&onb, &h.id, no_text).await.is_err());
    let stored = t.app.store().handoff(&t.org, &h.id).await.unwrap().unwrap();
    assert_eq!(stored.state, State::Submitted);
}

async fn rework_after_rejection_resubmits(t: TestApp) {
    let mut values = complete_values("ae-to-onboarding");
    values.remove("go_live_deadlines");
    let h = draft(&t, "ae-to-onboarding", "A-1", "ae1@acme.test", values).await;
    let ae = t.as_user("ae1@acme.test");
    let onb = t.as_user("onboarding1@acme.test");
    t.app.submit(&ae, &h.id).await.unwrap();
    t.clock.advance(jiff::SignedDuration::from_hours(20));
    let r = Rejection {
        code: Some("missing_context".into()),
        reason: "No go-live date".into(),
        fields: vec!["go_live_deadlines".into()],
    };
    let h = t.app.reject(&onb, &h.id, r).await.unwrap().handoff;
    assert_eq!(h.state, State::Rejected);
    let fix = BTreeMap::from([(
        "go_live_deadlines".to_string(),
        json!("Go-live 2026-12-01, before SKO"),
    )]);
    t.app.edit_handoff(&ae, &h.id, fix, vec![]).await.unwrap();
    t.clock.advance(jiff::SignedDuration::from_hours(4));
    let h = t.app.submit(&ae, &h.id).await.unwrap().handoff;
    assert_eq!(h.state, State::Submitted);
    assert_eq!(
        h.submissions.iter().map(|s| s.score).collect::<Vec<_>>(),
        vec![88, 100]
    );
    let h = t
        .app
        .accept(&onb, &h.id, BTreeMap::new())
        .await
        .unwrap()
        .handoff;
    assert_eq!(h.rejections(), 1);
    assert_eq!(h.first_decision().map(|d| d.accepted), Some(false));
}

async fn cs_to_support_cannot_be_accepted_without_ack_eta(t: TestApp) {
    let values = BTreeMap::from([
        (
            "originating_signal".to_string(),
            json!("P1 ticket: exports failing for every user"),
        ),
        (
            "impact_statement".to_string(),
            json!("Finance cannot close the month without exports"),
        ),
        ("echo_cadence".to_string(), json!("daily")),
        (
            "communication_owner".to_string(),
            json!("Casey (CSM) <cs1@acme.test>"),
        ),
        ("close_loop_window".to_string(), json!("24")),
    ]);
    let h = draft(&t, "cs-to-support", "A-1", "cs1@acme.test", values).await;
    assert_eq!(h.score, 100);
    t.app
        .submit(&t.as_user("cs1@acme.test"), &h.id)
        .await
        .unwrap();
    let sup = t.as_user("support1@acme.test");
    let err = t
        .app
        .accept(&sup, &h.id, BTreeMap::new())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Domain(DomainError::MissingReceiverFields { missing }) if missing == &vec!["ack_eta".to_string()]),
        "{err:?}"
    );
    let eta = BTreeMap::from([("ack_eta".to_string(), json!("2026-10-03T12:00:00Z"))]);
    let h = t.app.accept(&sup, &h.id, eta).await.unwrap().handoff;
    assert_eq!(h.state, State::Accepted);
    assert_eq!(h.follow.eta, Some("2026-10-03T12:00:00Z".parse().unwrap()));
    t.app
        .resolve(&sup, &h.id, "Patched the export job".into())
        .await
        .unwrap();
    assert!(
        t.app
            .close_loop(&sup, &h.id, "told them".into())
            .await
            .is_err(),
        "support never closes the loop"
    );
    let h = t
        .app
        .close_loop(
            &t.as_user("cs1@acme.test"),
            &h.id,
            "Called their CFO".into(),
        )
        .await
        .unwrap()
        .handoff;
    assert!(h.follow.loop_closed_at.is_some());
}

async fn year1_success_criteria_is_carried_from_the_accepted_ae_handoff(t: TestApp) {
    let h = draft(
        &t,
        "ae-to-onboarding",
        "A-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    t.app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap();
    t.app
        .accept(&t.as_user("onboarding1@acme.test"), &h.id, BTreeMap::new())
        .await
        .unwrap();
    let next = t
        .app
        .start_handoff(
            &t.as_user("onboarding1@acme.test"),
            NewHandoff {
                id: None,
                contract: ContractKey::parse("onboarding-to-cs").unwrap(),
                account: h.account.clone(),
                deal: None,
                to: None,
                values: BTreeMap::new(),
                attachments: vec![],
            },
        )
        .await
        .unwrap();
    assert_eq!(
        next.values.get("year1_success_criteria"),
        Some(&json!("Cut rep onboarding from 6 to 3 weeks by Q1"))
    );
    assert!(next.carried.contains("year1_success_criteria"));
    // An account without an accepted ae-to-onboarding handoff gets nothing.
    let other = account(&t, "A-2").await;
    let empty = t
        .app
        .start_handoff(
            &t.as_user("onboarding1@acme.test"),
            NewHandoff {
                id: None,
                contract: ContractKey::parse("onboarding-to-cs").unwrap(),
                account: other,
                deal: None,
                to: None,
                values: BTreeMap::new(),
                attachments: vec![],
            },
        )
        .await
        .unwrap();
    assert!(empty.values.is_empty());
}

async fn drafts_carry_attachments_and_refuse_unknown_fields(t: TestApp) {
    let account = account(&t, "A-1").await;
    let ae = t.as_user("ae1@acme.test");
    let new = |values, attachments| NewHandoff {
        id: None,
        contract: ContractKey::parse("ae-to-onboarding").unwrap(),
        account: account.clone(),
        deal: None,
        to: None,
        values,
        attachments,
    };
    let err = t
        .app
        .start_handoff(
            &ae,
            new(
                BTreeMap::from([("vibes".to_string(), json!("good"))]),
                vec![],
            ),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unknown field 'vibes'"), "{err}");
    let call = Attachment {
        kind: "recording".into(),
        title: "Discovery call".into(),
        url: Some("https://calls.example/1".into()),
    };
    let h = t
        .app
        .start_handoff(&ae, new(BTreeMap::new(), vec![call.clone()]))
        .await
        .unwrap();
    assert_eq!(
        t.app
            .store()
            .handoff(&t.org, &h.id)
            .await
            .unwrap()
            .unwrap()
            .attachments,
        vec![call]
    );
    // Someone outside the sending team cannot start one.
    assert!(
        t.app
            .start_handoff(&t.as_user("cs1@acme.test"), new(BTreeMap::new(), vec![]))
            .await
            .is_err()
    );
}

async fn a_gated_handoff_missing_fields_cannot_be_accepted(t: TestApp) {
    // Submitted with filler while the contract observed: recorded at 25.
    let mut values = complete_values("ae-to-onboarding");
    for k in [
        "champion_map",
        "commitments",
        "success_criteria",
        "implementation_risks",
        "competitive_displacement",
        "go_live_deadlines",
    ] {
        values.insert(k.into(), json!("TBD"));
    }
    let h = draft(&t, "ae-to-onboarding", "A-1", "ae1@acme.test", values).await;
    let h = t
        .app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap()
        .handoff;
    assert_eq!(h.submitted_score(), Some(25));
    // Then the contract is gated: one click must not open the gate.
    t.gate("ae-to-onboarding").await;
    let onb = t.as_user("onboarding1@acme.test");
    let events_before = t.app.store().event_count(&t.org).await.unwrap();
    let err = t
        .app
        .accept(&onb, &h.id, BTreeMap::new())
        .await
        .unwrap_err();
    match err {
        AppError::Domain(DomainError::Incomplete {
            missing,
            score,
            why,
        }) => {
            assert_eq!(
                missing,
                vec![
                    "champion_map",
                    "commitments",
                    "success_criteria",
                    "implementation_risks",
                    "competitive_displacement",
                    "go_live_deadlines",
                ]
            );
            assert_eq!(score, 25);
            assert!(why.iter().all(|w| w == "'TBD' is a placeholder"), "{why:?}");
        }
        other => panic!("expected Incomplete, got {other:?}"),
    }
    assert_eq!(
        t.app.store().event_count(&t.org).await.unwrap(),
        events_before,
        "nothing recorded"
    );
    // The receiver sends it back for rework instead.
    let r = Rejection {
        code: Some("missing_context".into()),
        reason: "Six fields are placeholders".into(),
        fields: vec!["champion_map".into()],
    };
    let h = t.app.reject(&onb, &h.id, r).await.unwrap().handoff;
    assert_eq!(h.state, State::Rejected);
}

async fn a_support_engineer_is_never_the_communication_owner_nor_closes_the_loop(t: TestApp) {
    let values = |owner: &str| {
        BTreeMap::from([
            (
                "originating_signal".to_string(),
                json!("P1 ticket: exports failing for every user"),
            ),
            (
                "impact_statement".to_string(),
                json!("Finance cannot close the month without exports"),
            ),
            ("echo_cadence".to_string(), json!("daily")),
            ("communication_owner".to_string(), json!(owner)),
            ("close_loop_window".to_string(), json!("24")),
        ])
    };
    let cs1 = t.as_user("cs1@acme.test");
    let sup = t.as_user("support1@acme.test");
    // Live: naming a support engineer (by email or by name) is refused at
    // submission, observe mode or not.
    for (n, owner) in [
        "Sam (Support engineer) <support1@acme.test>",
        "support1 (Support engineer)",
    ]
    .into_iter()
    .enumerate()
    {
        let h = draft(
            &t,
            "cs-to-support",
            &format!("A-{n}"),
            "cs1@acme.test",
            values(owner),
        )
        .await;
        let err = t.app.submit(&cs1, &h.id).await.unwrap_err();
        assert!(
            matches!(&err, AppError::Domain(DomainError::InvalidField { field, why })
                if field == "communication_owner" && why.contains("not on team 'cs'")),
            "{owner}: {err:?}"
        );
    }
    // History recorded one as it happened; live, the support engineer
    // named in it still cannot close the loop: only a CSM does.
    account(&t, "A-9").await;
    let owner = "Sam (Support engineer) <support1@acme.test>";
    let history = [
        json!({"type": "submitted", "handoff": "H-9", "contract": "cs-to-support",
            "account": "A-9", "by": "cs1@acme.test", "at": "2026-09-20T09:00:00Z",
            "values": values(owner)}),
        json!({"type": "accepted", "handoff": "H-9", "by": "support1@acme.test",
            "at": "2026-09-20T10:00:00Z", "values": {"ack_eta": "2026-09-22T10:00:00Z"}}),
        json!({"type": "resolved", "handoff": "H-9", "by": "support1@acme.test",
            "at": "2026-09-21T10:00:00Z", "note": "Patched the export job"}),
    ]
    .iter()
    .map(|l| format!("{l}\n"))
    .collect::<String>();
    t.app
        .import_events(Some(t.org.clone()), history.as_bytes())
        .await
        .unwrap();
    let id = baton_domain::HandoffId::parse("H-9").unwrap();
    let err = t
        .app
        .close_loop(&sup, &id, "Told them it is fixed".into())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AppError::Domain(DomainError::Forbidden(why)) if why.contains("team 'cs'")),
        "{err:?}"
    );
    let stored = t.app.store().handoff(&t.org, &id).await.unwrap().unwrap();
    assert!(stored.follow.loop_closed_at.is_none());
}
