//! SPEC §11: the gate per deal. A handoff names the CRM deal it stands for;
//! the gate, its state and what is missing are then that deal's alone, and
//! the ae-to-onboarding concrete test counts deals, drafts included.

use baton_testkit::complete_values;
use std::collections::BTreeMap;

use baton_app::accounts::AccountInput;
use baton_app::crm::CrmChange;
use baton_app::gates::GateState;
use baton_app::handoffs::{NewHandoff, Rejection};
use baton_domain::{AccountId, ContractKey, Currency, DealId, Handoff, Money};
use baton_testkit::{TestApp, on_both_backends};
use serde_json::Value;

use crate::account;

on_both_backends!(
    a_second_deal_on_an_accepted_account_stays_closed_until_its_own_acceptance,
    a_deal_belongs_to_one_account_and_one_handoff_per_contract,
    while_rejected_the_deal_gate_names_the_fields_the_receiver_flagged,
    the_ae_concrete_test_counts_deals_whose_handoff_is_still_a_draft,
    history_lines_name_deals_and_the_export_keeps_them,
    a_crm_change_names_its_deal,
    two_starts_racing_for_one_deal_leave_one_handoff,
    starts_at_once_share_one_commit_and_a_refused_one_fails_alone,
);

fn ae() -> ContractKey {
    ContractKey::parse("ae-to-onboarding").unwrap()
}

fn deal(d: &str) -> DealId {
    DealId::parse(d).unwrap()
}

async fn start(
    t: &TestApp,
    account: &AccountId,
    d: &str,
    values: BTreeMap<String, Value>,
) -> Result<Handoff, baton_app::AppError> {
    t.app
        .start_handoff(
            &t.as_user("ae1@acme.test"),
            NewHandoff {
                id: None,
                contract: ae(),
                account: account.clone(),
                deal: Some(deal(d)),
                to: None,
                values,
                attachments: vec![],
            },
        )
        .await
}

async fn accept(t: &TestApp, h: &Handoff) {
    t.app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap();
    t.app
        .accept(&t.as_user("onboarding1@acme.test"), &h.id, BTreeMap::new())
        .await
        .unwrap();
}

async fn a_second_deal_on_an_accepted_account_stays_closed_until_its_own_acceptance(t: TestApp) {
    let a = account(&t, "ACME-D").await;
    let first = start(&t, &a, "006-1", complete_values("ae-to-onboarding"))
        .await
        .unwrap();
    accept(&t, &first).await;
    let second = start(&t, &a, "006-2", complete_values("ae-to-onboarding"))
        .await
        .unwrap();
    let reader = t.as_user("cs1@acme.test");

    let account_gate = t.app.gate(&reader, &ae(), &a, None).await.unwrap();
    assert!(
        account_gate.open,
        "without a deal the account's gate is asked"
    );
    let g1 = t
        .app
        .gate(&reader, &ae(), &a, Some(&deal("006-1")))
        .await
        .unwrap();
    assert_eq!((g1.open, g1.state), (true, GateState::Accepted));
    let g2 = t
        .app
        .gate(&reader, &ae(), &a, Some(&deal("006-2")))
        .await
        .unwrap();
    assert_eq!((g2.open, g2.state), (false, GateState::Draft));
    assert_eq!(g2.handoff, Some(second.id.clone()));
    assert_eq!(g2.deal, Some(deal("006-2")));
    let none = t
        .app
        .gate(&reader, &ae(), &a, Some(&deal("006-9")))
        .await
        .unwrap();
    assert_eq!((none.open, none.state), (false, GateState::None));
    assert_eq!(
        none.missing.len(),
        8,
        "every mandatory field: {:?}",
        none.missing
    );

    accept(&t, &second).await;
    let g2 = t
        .app
        .gate(&reader, &ae(), &a, Some(&deal("006-2")))
        .await
        .unwrap();
    assert!(g2.open && g2.missing.is_empty());
}

async fn a_deal_belongs_to_one_account_and_one_handoff_per_contract(t: TestApp) {
    let a = account(&t, "ACME-E").await;
    let b = account(&t, "ACME-F").await;
    let first = start(&t, &a, "006-7", BTreeMap::new()).await.unwrap();
    let elsewhere = start(&t, &b, "006-7", BTreeMap::new()).await.unwrap_err();
    assert!(
        elsewhere
            .to_string()
            .contains("belongs to account 'ACME-E'"),
        "{elsewhere}"
    );
    let twice = start(&t, &a, "006-7", BTreeMap::new()).await.unwrap_err();
    assert!(twice.to_string().contains("already has"), "{twice}");
    t.app
        .withdraw(&t.as_user("ae1@acme.test"), &first.id)
        .await
        .unwrap();
    let g = t
        .app
        .gate(&t.as_user("cs1@acme.test"), &ae(), &a, Some(&deal("006-7")))
        .await
        .unwrap();
    assert_eq!((g.open, g.state), (false, GateState::Withdrawn));
    // A withdrawn handoff may be replaced.
    start(&t, &a, "006-7", BTreeMap::new()).await.unwrap();
}

async fn while_rejected_the_deal_gate_names_the_fields_the_receiver_flagged(t: TestApp) {
    let a = account(&t, "ACME-G").await;
    let h = start(&t, &a, "006-3", complete_values("ae-to-onboarding"))
        .await
        .unwrap();
    t.app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap();
    t.app
        .reject(
            &t.as_user("onboarding1@acme.test"),
            &h.id,
            Rejection {
                code: Some("missing_context".into()),
                reason: "Which SSO provider? When?".into(),
                fields: vec!["commitments".into()],
            },
        )
        .await
        .unwrap();
    let g = t
        .app
        .gate(&t.as_user("cs1@acme.test"), &ae(), &a, Some(&deal("006-3")))
        .await
        .unwrap();
    assert_eq!(g.state, GateState::Rejected);
    assert_eq!(g.missing, vec!["commitments".to_string()]);
}

async fn the_ae_concrete_test_counts_deals_whose_handoff_is_still_a_draft(t: TestApp) {
    let a = account(&t, "ACME-H").await;
    let won = start(&t, &a, "006-10", complete_values("ae-to-onboarding"))
        .await
        .unwrap();
    accept(&t, &won).await;
    t.clock.advance(jiff::SignedDuration::from_hours(1));
    let stuck = start(&t, &a, "006-11", BTreeMap::new()).await.unwrap();
    let auto = t
        .app
        .audits(&t.as_user("cs1@acme.test"), &ae())
        .await
        .unwrap()
        .automated
        .unwrap();
    let ids: Vec<&str> = auto.evidence.iter().map(|e| e.handoff.as_str()).collect();
    assert_eq!(
        ids,
        [stuck.id.as_str(), won.id.as_str()],
        "latest deal first"
    );
    assert!(!auto.evidence[0].ok);
    assert!(
        auto.evidence[0]
            .detail
            .contains("deal 006-11: handoff still draft"),
        "{}",
        auto.evidence[0].detail
    );
    assert!(auto.evidence[1].ok);
    assert_eq!(auto.passed, Some(false), "8 of 16 fields");
}

async fn history_lines_name_deals_and_the_export_keeps_them(t: TestApp) {
    t.import_history(
        r#"{"type":"account","id":"ACME-I","name":"Acme I","arr":{"minor":12000000,"currency":"USD"},"at":"2026-01-01T00:00:00Z"}
{"type":"submitted","handoff":"H-I1","contract":"ae-to-onboarding","account":"ACME-I","deal":"006-20","by":"ae1@acme.test","at":"2026-01-02T00:00:00Z","values":{}}
{"type":"draft_created","handoff":"H-I2","contract":"ae-to-onboarding","version":1,"account":"ACME-I","deal":"006-21","to":"onboarding","by":"ae1@acme.test","at":"2026-01-03T00:00:00Z"}
"#,
    )
    .await;
    let h = t
        .app
        .store()
        .handoff(&t.org, &baton_domain::HandoffId::parse("H-I2").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h.deal, Some(deal("006-21")));
    let mut out = Vec::new();
    t.app.export_events(&t.org, &mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(r#""deal":"006-20""#), "{text}");
    assert!(text.contains(r#""deal":"006-21""#), "{text}");
    // The same rule as a live start: the deal is taken.
    let err = t
        .app
        .import_events(
            Some(t.org.clone()),
            r#"{"type":"submitted","handoff":"H-I3","contract":"ae-to-onboarding","account":"ACME-I","deal":"006-20","by":"ae1@acme.test","at":"2026-01-04T00:00:00Z"}
"#
            .as_bytes(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already has"), "{err}");
}

async fn a_crm_change_names_its_deal(t: TestApp) {
    let out = t
        .app
        .crm_inbound(
            &t.as_user("admin@acme.test"),
            CrmChange {
                object: "deal".into(),
                id: "006-30".into(),
                account: AccountInput {
                    id: AccountId::parse("ACME-J").unwrap(),
                    name: "Acme J".into(),
                    arr: Money {
                        minor: 5_000_000,
                        currency: Currency::parse("USD").unwrap(),
                    },
                    segment: None,
                },
                stage: "Closed Won".into(),
                previous_stage: None,
                owner: "ae1@acme.test".into(),
                at: None,
                values: BTreeMap::new(),
            },
        )
        .await
        .unwrap();
    let baton_app::crm::CrmOutcome::Created(v) = out else {
        panic!("a draft: {out:?}")
    };
    assert_eq!(v.handoff.deal, Some(deal("006-30")));
    let g = t
        .app
        .gate(
            &t.as_user("cs1@acme.test"),
            &ae(),
            &AccountId::parse("ACME-J").unwrap(),
            Some(&deal("006-30")),
        )
        .await
        .unwrap();
    assert_eq!((g.open, g.state), (false, GateState::Draft));
}

/// The rule holds when two starts race past the domain's check: the
/// database keeps one handoff per contract and deal.
async fn two_starts_racing_for_one_deal_leave_one_handoff(t: TestApp) {
    let a = account(&t, "ACME-R").await;
    for round in 0..5 {
        let d = format!("006-R{round}");
        let (x, y) = tokio::join!(
            start(&t, &a, &d, BTreeMap::new()),
            start(&t, &a, &d, BTreeMap::new())
        );
        assert!(
            x.is_ok() != y.is_ok(),
            "exactly one start wins: {x:?} {y:?}"
        );
        let uses = t
            .app
            .store()
            .handoffs_page(
                &t.org,
                &baton_store::HandoffFilter {
                    deal: Some(deal(&d)),
                    ..Default::default()
                },
                None,
                10,
            )
            .await
            .unwrap();
        assert_eq!(uses.len(), 1);
    }
}

/// Group commit (issue 18): writes that arrive together are written in one
/// transaction, each in its own savepoint; the one the database refuses
/// (a second handoff for a deal) rolls back alone and the others land.
async fn starts_at_once_share_one_commit_and_a_refused_one_fails_alone(t: TestApp) {
    let a = account(&t, "ACME-G").await;
    let before = t.app.store().commit_stats();
    let (x, y, p, q) = tokio::join!(
        start(&t, &a, "006-G1", BTreeMap::new()),
        start(&t, &a, "006-G1", BTreeMap::new()),
        start(&t, &a, "006-G2", BTreeMap::new()),
        start(&t, &a, "006-G3", complete_values("ae-to-onboarding")),
    );
    assert!(
        x.is_ok() != y.is_ok(),
        "exactly one start for 006-G1 wins: {x:?} {y:?}"
    );
    let refused = x.err().or(y.err()).unwrap();
    assert!(
        refused.to_string().contains("006-G1"),
        "the refusal names the deal: {refused}"
    );
    let (p, q) = (p.unwrap(), q.unwrap());
    for (h, d) in [(&p, "006-G2"), (&q, "006-G3")] {
        let stored = t.app.store().handoff(&t.org, &h.id).await.unwrap().unwrap();
        assert_eq!(stored.deal, Some(deal(d)));
    }
    let after = t.app.store().commit_stats();
    // The three that land always reach the committer; the loser does too
    // unless (PostgreSQL, a busy machine) it read the deal after the
    // winner committed and the domain refused it first.
    assert!(after.changes - before.changes >= 3, "{before:?} {after:?}");
    if t.app.store().backend() == baton_store::Backend::Sqlite {
        assert_eq!(after.changes - before.changes, 4, "{before:?} {after:?}");
        // Reads on SQLite finish on the calling thread, so all four
        // decisions reach the committer before it runs: one transaction.
        assert!(
            after.transactions - before.transactions < after.changes - before.changes,
            "writes shared a transaction: {before:?} {after:?}"
        );
    }
}
