//! The event log: append-only, optimistic concurrency, and projections that
//! are exactly a fold of it — on both backends.

use baton_testkit::complete_values;
use std::collections::BTreeMap;

use baton_app::handoffs::Rejection;
use baton_domain::event::{Event, Via};
use baton_domain::{AccountId, HandoffId};
use baton_store::{Change, StoreError};
use baton_testkit::{SCORECARD_EXAMPLE, TestApp, on_both_backends};
use serde_json::json;

use crate::draft;

on_both_backends!(
    events_are_append_only,
    a_stale_write_is_a_conflict_and_writes_nothing,
    rebuilding_from_the_log_reproduces_the_projections_exactly,
    random_command_sequences_replay_to_the_same_projections,
);

/// A mix of live activity through every kind of use case.
pub async fn live_activity(t: &TestApp) {
    let ae = t.as_user("ae1@acme.test");
    let onb = t.as_user("onboarding1@acme.test");
    let h = draft(
        t,
        "ae-to-onboarding",
        "L-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    t.app.submit(&ae, &h.id).await.unwrap();
    t.app
        .reject(
            &onb,
            &h.id,
            Rejection {
                code: Some("other".into()),
                reason: "Need the SSO detail".into(),
                fields: vec![],
            },
        )
        .await
        .unwrap();
    t.app.submit(&ae, &h.id).await.unwrap();
    t.app.accept(&onb, &h.id, BTreeMap::new()).await.unwrap();
    let x = draft(
        t,
        "cross-motion",
        "L-2",
        "motion-a1@acme.test",
        BTreeMap::new(),
    )
    .await;
    let q = "Who owns the customer relationship while the cross-sell is active?".to_string();
    t.app
        .attest(
            &t.as_user("motion-a1@acme.test"),
            &x.id,
            q.clone(),
            "Motion A CSM".into(),
        )
        .await
        .unwrap();
    t.app
        .attest(
            &t.as_user("motion-b1@acme.test"),
            &x.id,
            q,
            "Motion B AE".into(),
        )
        .await
        .unwrap();
    t.app
        .withdraw(&t.as_user("motion-a1@acme.test"), &x.id)
        .await
        .unwrap();
    // An MQL accepted and touched by the SDR on time.
    let mql = draft(
        t,
        "mql-to-sdr",
        "L-3",
        "marketing1@acme.test",
        BTreeMap::from([("first_touch_sla".to_string(), json!(4))]),
    )
    .await;
    t.app
        .submit(&t.as_user("marketing1@acme.test"), &mql.id)
        .await
        .unwrap();
    let sdr = t.as_user("sdr1@acme.test");
    t.app.accept(&sdr, &mql.id, BTreeMap::new()).await.unwrap();
    t.app
        .first_touch(
            &sdr,
            &mql.id,
            Some("call".into()),
            Some("Left a voicemail, booked a call".into()),
        )
        .await
        .unwrap();
    let account = AccountId::parse("L-1").unwrap();
    t.app.record_nps(&ae, &account, 9, None).await.unwrap();
    t.app
        .record_rediscovery(
            &onb,
            baton_app::accounts::Incident {
                account: account.clone(),
                handoff: Some(h.id.clone()),
                field: Some(baton_domain::FieldKey::parse("champion_map").unwrap()),
                note: "asked who the champion is".into(),
                at: None,
            },
        )
        .await
        .unwrap();
    t.app.record_churn(&ae, &account, None, None).await.unwrap();
    // A note after an accepted handoff, one suggestion confirmed and, when
    // there are more, one dismissed.
    let accepted = crate::rediscovery::accepted_handoff(t, "L-2").await;
    let found =
        crate::rediscovery::note(t, &accepted.account, crate::rediscovery::KICKOFF, None).await;
    assert!(!found.is_empty(), "the kickoff note re-asks something");
    t.app
        .decide_suggestion(&onb, &found[0].id, true)
        .await
        .unwrap();
    if let Some(other) = found.get(1) {
        t.app
            .decide_suggestion(&onb, &other.id, false)
            .await
            .unwrap();
    }
    let admin = t.as_user("admin@acme.test");
    t.app
        .create_team(
            &admin,
            baton_domain::TeamKey::parse("partners").unwrap(),
            "Partners",
        )
        .await
        .unwrap();
    let key = baton_domain::ContractKey::parse("ae-to-onboarding").unwrap();
    for summary in [
        "Ask for the procurement contact",
        "Ask for the legal entity",
    ] {
        t.app
            .propose_change(&ae, &key, summary, vec![])
            .await
            .unwrap();
    }
    // One proposal answered; the other still open after the replay.
    let first = t.app.proposals(&ae, &key).await.unwrap()[0].id;
    t.app
        .answer_proposal(
            &t.as_user("onboarding-lead@acme.test"),
            &key,
            first,
            true,
            "Procurement delays kickoff every quarter",
        )
        .await
        .unwrap();
    // A publication after a proposal continues the contract's stream.
    let mut def = t.app.contract(&admin, &key).await.unwrap().current;
    def.title = "AE → Onboarding (with procurement)".into();
    t.app.publish_contract(&admin, def).await.unwrap();
    // The rollout plan, including an admin's recorded override.
    let gating = |contract: &str, reason: Option<&str>| baton_app::rollout::RolloutMove {
        contract: baton_domain::ContractKey::parse(contract).unwrap(),
        phase: baton_domain::rollout::Phase::Gating,
        planned: Default::default(),
        override_reason: reason.map(str::to_string),
    };
    t.app
        .move_rollout(
            &admin,
            gating("ae-to-onboarding", Some("gated from day one")),
        )
        .await
        .unwrap();
    t.app
        .move_rollout(
            &admin,
            gating("sdr-to-ae", Some("the board wants both this quarter")),
        )
        .await
        .unwrap();
    // The reporting currency and two rates, one corrected on the same date.
    let c = |code: &str| baton_domain::Currency::parse(code).unwrap();
    t.app
        .set_reporting_currency(&admin, c("EUR"))
        .await
        .unwrap();
    for (code, rate) in [("USD", "0.9"), ("USD", "0.92"), ("JPY", "0.0061")] {
        t.app
            .set_fx_rate(
                &admin,
                baton_app::fx::NewRate {
                    currency: c(code),
                    rate: baton_domain::Rate::parse(rate).unwrap(),
                    effective: "2026-01-01".parse().unwrap(),
                },
            )
            .await
            .unwrap();
    }
    // A sampled concrete test and its verdict.
    let sample = t.app.sample_audit(&admin, &key).await.unwrap();
    t.app
        .record_audit(
            &admin,
            &key,
            &sample.id,
            "Could not name the economic buyer",
            false,
        )
        .await
        .unwrap();
}

async fn events_are_append_only(t: TestApp) {
    for sql in ["UPDATE events SET kind = 'x'", "DELETE FROM events"] {
        let err = t.app.store().raw_execute(sql).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert!(t.app.store().event_count(&t.org).await.unwrap() > 0);
}

async fn a_stale_write_is_a_conflict_and_writes_nothing(t: TestApp) {
    let h = draft(
        &t,
        "ae-to-onboarding",
        "A-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    let before = t.app.store().event_count(&t.org).await.unwrap();
    // A second writer that read version 1 of the handoff, as the first did.
    let mut change = Change::default();
    let e = Event::Withdrawn {
        handoff: h.id.clone(),
        by: h.sender.clone(),
        at: t.app.now(),
    };
    change.push(e.clone(), 2, Via::Api, t.app.now());
    t.app.store().commit(&t.org, &change).await.unwrap();
    let err = t.app.store().commit(&t.org, &change).await.unwrap_err();
    assert!(matches!(err, StoreError::Stale(_)), "{err:?}");
    assert_eq!(t.app.store().event_count(&t.org).await.unwrap(), before + 1);
}

async fn rebuilding_from_the_log_reproduces_the_projections_exactly(t: TestApp) {
    t.import_history(SCORECARD_EXAMPLE).await;
    live_activity(&t).await;
    let before = t.app.store().dump_projections(&t.org).await.unwrap();
    assert!(before.contains("## handoffs (8 rows)"), "{before}");
    assert!(before.contains("## suggestions (2 rows)"), "{before}");
    let report = t.app.rebuild(&t.org).await.unwrap();
    assert!(report.identical);
    assert_eq!(
        t.app.store().dump_projections(&t.org).await.unwrap(),
        before
    );
}

/// A small deterministic generator, so a failing sequence can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n
    }
}

async fn random_command_sequences_replay_to_the_same_projections(t: TestApp) {
    let people = [
        "ae1@acme.test",
        "ae2@acme.test",
        "onboarding1@acme.test",
        "onboarding-lead@acme.test",
        "cs1@acme.test",
        "admin@acme.test",
    ];
    let keys: Vec<String> = complete_values("ae-to-onboarding")
        .keys()
        .cloned()
        .collect();
    let mut ids: Vec<HandoffId> = Vec::new();
    for i in 0..4 {
        ids.push(
            draft(
                &t,
                "ae-to-onboarding",
                &format!("R-{i}"),
                "ae1@acme.test",
                BTreeMap::new(),
            )
            .await
            .id,
        );
    }
    let mut rng = Lcg(0x5eed);
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..150 {
        t.clock.advance(jiff::SignedDuration::from_mins(37));
        let id = &ids[rng.next(ids.len())];
        let who = t.as_user(people[rng.next(people.len())]);
        let result = match rng.next(7) {
            0 | 1 => {
                let k = &keys[rng.next(keys.len())];
                let v = if rng.next(4) == 0 {
                    json!(null)
                } else {
                    complete_values("ae-to-onboarding")[k].clone()
                };
                t.app
                    .edit_handoff(&who, id, BTreeMap::from([(k.clone(), v)]), vec![])
                    .await
                    .map(|_| ())
            }
            2 => t.app.submit(&who, id).await.map(|_| ()),
            3 => t.app.accept(&who, id, BTreeMap::new()).await.map(|_| ()),
            4 => {
                let r = Rejection {
                    code: Some("missing_context".into()),
                    reason: "more please".into(),
                    fields: vec![],
                };
                t.app.reject(&who, id, r).await.map(|_| ())
            }
            5 => t.app.withdraw(&who, id).await.map(|_| ()),
            _ => {
                let mode = if rng.next(2) == 0 {
                    baton_domain::Mode::Gated
                } else {
                    baton_domain::Mode::Observe
                };
                let key = baton_domain::ContractKey::parse("ae-to-onboarding").unwrap();
                let switch = baton_app::rollout::ModeSwitch {
                    contract: key,
                    mode,
                    reason: None,
                };
                t.app
                    .set_mode(&t.as_user("admin@acme.test"), switch)
                    .await
                    .map(|_| ())
            }
        };
        if result.is_ok() {
            ok += 1
        } else {
            refused += 1
        }
    }
    assert!(
        ok > 10 && refused > 10,
        "the sequence exercised both paths: {ok} ok, {refused} refused"
    );
    let before = t.app.store().dump_projections(&t.org).await.unwrap();
    assert!(t.app.rebuild(&t.org).await.unwrap().identical);
    assert_eq!(
        t.app.store().dump_projections(&t.org).await.unwrap(),
        before
    );
}
