//! The scorecard and leak audit against hand-computed numbers
//! (`examples/scorecard-example.md`), on both backends.

use baton_app::scorecard::ContractScorecard;
use baton_domain::ContractKey;
use baton_domain::period::Period;
use baton_domain::scorecard::{Metric, Status};
use baton_testkit::{
    SCORECARD_EDGES, SCORECARD_EXAMPLE, SCORECARD_SUPPORT, TestApp, on_both_backends,
};

on_both_backends!(
    the_worked_example_gives_the_hand_computed_october,
    periods_without_data_say_no_data_not_zero,
    an_iso_week_counts_only_what_falls_in_it,
    the_leak_audit_names_the_hand_computed_arr,
    the_edge_cases_give_the_hand_computed_numbers,
    late_data_moves_a_past_period_by_exactly_its_effect,
    incentives_follow_score_and_first_pass_acceptance,
    the_support_dataset_gives_the_hand_computed_numbers,
    a_database_from_before_handoff_facts_were_kept_fills_them_on_the_next_start,
    every_cells_drill_down_adds_up_to_the_cell,
);

/// Weeks later, someone reports that onboarding re-asked A-2 (H-2,
/// accepted 10-08) for its risks on 10-20: inside the 30 days.
const LATE_INCIDENT: &str = r#"{"type": "rediscovery", "account": "A-2", "handoff": "H-2", "field": "implementation_risks", "at": "2026-10-20T09:00:00Z", "note": "Asked for the risks again"}"#;

async fn imported(t: &TestApp) {
    t.import_history(SCORECARD_EXAMPLE).await;
}

async fn card(t: &TestApp, period: &str) -> ContractScorecard {
    card_of(t, "ae-to-onboarding", period).await
}

async fn card_of(t: &TestApp, contract: &str, period: &str) -> ContractScorecard {
    let key = ContractKey::parse(contract).unwrap();
    let p: Period = period.parse().unwrap();
    t.app
        .scorecard(&t.as_user("admin@acme.test"), Some(&key), p, 1)
        .await
        .unwrap()
        .remove(0)
}

fn ratio(m: &Metric) -> (Option<u64>, Option<u64>, Option<f64>, Status) {
    (m.num, m.den, m.value, m.status)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

async fn the_worked_example_gives_the_hand_computed_october(t: TestApp) {
    imported(&t).await;
    let m = card(&t, "2026-10").await.metrics;
    assert_eq!(
        ratio(&m.completion_rate),
        (Some(3), Some(4), Some(0.75), Status::Missed)
    );
    assert!(!m.completion_rate.aspirational, "75% is not below 70%");
    assert_eq!(
        ratio(&m.receiver_acceptance),
        (Some(2), Some(4), Some(0.5), Status::Missed)
    );
    assert_eq!(m.time_to_acceptance.value, Some(36.0));
    assert_eq!(m.time_to_acceptance.n, Some(4));
    assert_eq!(m.time_to_acceptance.status, Status::Met);
    assert_eq!(
        ratio(&m.rediscovery_incidence),
        (Some(1), Some(4), Some(0.25), Status::Missed)
    );
    assert_eq!(
        (m.nps_delta.before_n, m.nps_delta.after_n),
        (Some(2), Some(3))
    );
    assert!(close(m.nps_delta.before, -50.0), "{:?}", m.nps_delta.before);
    assert!(
        close(m.nps_delta.after, 100.0 / 3.0),
        "{:?}",
        m.nps_delta.after
    );
    assert!(
        close(m.nps_delta.value, 50.0 + 100.0 / 3.0),
        "{:?}",
        m.nps_delta.value
    );
    assert_eq!(m.nps_delta.status, Status::Met);
    assert_eq!(
        ratio(&m.leak_to_churn),
        (Some(1), Some(1), Some(1.0), Status::Measured)
    );
}

async fn periods_without_data_say_no_data_not_zero(t: TestApp) {
    imported(&t).await;
    for period in ["2026-09", "2026-11"] {
        let m = card(&t, period).await.metrics;
        for metric in [
            &m.completion_rate,
            &m.receiver_acceptance,
            &m.time_to_acceptance,
            &m.rediscovery_incidence,
            &m.nps_delta,
            &m.leak_to_churn,
        ] {
            assert_eq!(metric.value, None, "{period}");
            assert_eq!(metric.status, Status::NoData, "{period}");
        }
    }
}

async fn an_iso_week_counts_only_what_falls_in_it(t: TestApp) {
    imported(&t).await;
    let m = card(&t, "2026-W43").await.metrics;
    assert_eq!(
        ratio(&m.completion_rate),
        (Some(1), Some(1), Some(1.0), Status::Met)
    );
    assert_eq!(
        ratio(&m.receiver_acceptance),
        (Some(0), Some(1), Some(0.0), Status::Missed)
    );
    assert_eq!(m.time_to_acceptance.value, Some(48.0));
    assert_eq!(
        m.time_to_acceptance.status,
        Status::Missed,
        "48 h is not < 48 h"
    );
    assert_eq!(
        ratio(&m.rediscovery_incidence),
        (Some(1), Some(1), Some(1.0), Status::Missed)
    );
    assert_eq!(m.nps_delta.status, Status::NoData);
    assert_eq!(m.leak_to_churn.status, Status::NoData);
}

async fn the_leak_audit_names_the_hand_computed_arr(t: TestApp) {
    imported(&t).await;
    let oct: Period = "2026-10".parse().unwrap();
    let audit = t
        .app
        .leak_audit(&t.as_user("admin@acme.test"), oct, oct)
        .await
        .unwrap();
    let top = &audit.contracts[0];
    assert_eq!(top.contract.as_str(), "ae-to-onboarding");
    assert_eq!(
        top.arr_leaked.reporting.minor, 3_000_000,
        "30,000.00 USD: A-3"
    );
    assert_eq!(
        top.arr_at_risk.reporting.minor, 24_300_000,
        "243,000.00 USD: A-1, A-2, A-4"
    );
    assert_eq!(
        audit.fix_first.as_ref().map(ContractKey::as_str),
        Some("ae-to-onboarding")
    );
    assert!(
        audit.contracts[1..]
            .iter()
            .all(|l| l.arr_leaked.reporting.minor == 0 && l.arr_at_risk.reporting.minor == 0),
        "no other contract has data"
    );
}

async fn the_edge_cases_give_the_hand_computed_numbers(t: TestApp) {
    t.import_history(SCORECARD_EDGES).await;
    let m = card_of(&t, "sdr-to-ae", "2026-10").await.metrics;
    assert_eq!(
        ratio(&m.completion_rate),
        (Some(2), Some(3), m.completion_rate.value, Status::Missed)
    );
    assert!(close(m.completion_rate.value, 2.0 / 3.0));
    assert!(m.completion_rate.aspirational, "66.7% is below 70%");
    assert_eq!(
        (m.receiver_acceptance.num, m.receiver_acceptance.den),
        (Some(2), Some(3))
    );
    assert_eq!(m.receiver_acceptance.status, Status::Missed);
    assert_eq!(
        (m.time_to_acceptance.value, m.time_to_acceptance.n),
        (Some(24.0), Some(3))
    );
    assert_eq!(m.time_to_acceptance.status, Status::Met);
    assert_eq!(
        (m.rediscovery_incidence.num, m.rediscovery_incidence.den),
        (Some(1), Some(3))
    );
    assert_eq!(
        (m.nps_delta.before, m.nps_delta.after),
        (Some(50.0), Some(0.0))
    );
    assert_eq!(
        (m.nps_delta.before_n, m.nps_delta.after_n),
        (Some(2), Some(2))
    );
    assert_eq!(
        (m.nps_delta.value, m.nps_delta.status),
        (Some(-50.0), Status::Missed)
    );
    assert_eq!(
        ratio(&m.leak_to_churn),
        (Some(1), Some(1), Some(1.0), Status::Measured)
    );
    for empty in ["2026-09", "2026-11"] {
        let m = card_of(&t, "sdr-to-ae", empty).await.metrics;
        assert!(
            m.completion_rate.value.is_none() && m.receiver_acceptance.value.is_none(),
            "{empty}"
        );
        assert_eq!(m.leak_to_churn.status, Status::NoData, "{empty}");
    }
    let w41 = card_of(&t, "sdr-to-ae", "2026-W41").await.metrics;
    assert_eq!(
        ratio(&w41.completion_rate),
        (Some(1), Some(1), Some(1.0), Status::Met)
    );
    assert_eq!(
        ratio(&w41.receiver_acceptance),
        (Some(0), Some(1), Some(0.0), Status::Missed)
    );
    assert_eq!(
        (w41.time_to_acceptance.value, w41.time_to_acceptance.status),
        (Some(120.0), Status::Missed)
    );
    assert_eq!(
        ratio(&w41.rediscovery_incidence),
        (Some(1), Some(1), Some(1.0), Status::Missed)
    );
    assert_eq!(w41.nps_delta.status, Status::NoData);
    let w42 = card_of(&t, "sdr-to-ae", "2026-W42").await.metrics;
    assert_eq!(
        ratio(&w42.completion_rate),
        (Some(0), Some(1), Some(0.0), Status::Missed)
    );
    assert!(w42.completion_rate.aspirational);
    assert_eq!(
        ratio(&w42.rediscovery_incidence),
        (Some(0), Some(1), Some(0.0), Status::Met)
    );
    assert_eq!(
        (
            w42.nps_delta.before_n,
            w42.nps_delta.after_n,
            w42.nps_delta.status
        ),
        (Some(1), Some(0), Status::NoData)
    );
    assert_eq!(
        w42.leak_to_churn.status,
        Status::NoData,
        "B-4 had no handoff"
    );
    let w43 = card_of(&t, "sdr-to-ae", "2026-W43").await.metrics;
    assert_eq!(
        (w43.nps_delta.value, w43.nps_delta.status),
        (Some(0.0), Status::Met)
    );
    assert_eq!(
        ratio(&w43.leak_to_churn),
        (Some(1), Some(1), Some(1.0), Status::Measured)
    );
    let mql = card_of(&t, "mql-to-sdr", "2026-10").await.metrics;
    assert_eq!(
        ratio(&mql.completion_rate),
        (Some(0), Some(1), Some(0.0), Status::Missed)
    );
    assert_eq!(
        ratio(&mql.receiver_acceptance),
        (Some(1), Some(1), Some(1.0), Status::Met)
    );
    assert_eq!(mql.nps_delta.status, Status::NoData);
    let oct: Period = "2026-10".parse().unwrap();
    let audit = t
        .app
        .leak_audit(&t.as_user("admin@acme.test"), oct, oct)
        .await
        .unwrap();
    let ranked: Vec<(&str, i64, i64)> = audit
        .contracts
        .iter()
        .map(|l| {
            (
                l.contract.as_str(),
                l.arr_leaked.reporting.minor,
                l.arr_at_risk.reporting.minor,
            )
        })
        .collect();
    assert_eq!(
        ranked[..3],
        [
            ("sdr-to-ae", 5_000_000, 3_000_000),
            ("mql-to-sdr", 0, 3_000_000),
            ("ae-to-onboarding", 0, 0)
        ]
    );
    assert_eq!(
        audit.fix_first.as_ref().map(ContractKey::as_str),
        Some("sdr-to-ae")
    );
}

async fn late_data_moves_a_past_period_by_exactly_its_effect(t: TestApp) {
    imported(&t).await;
    let before = card(&t, "2026-10").await.metrics;
    assert_eq!(
        (
            before.rediscovery_incidence.num,
            before.rediscovery_incidence.den
        ),
        (Some(1), Some(4))
    );
    t.app
        .import_events(Some(t.org.clone()), LATE_INCIDENT.as_bytes())
        .await
        .unwrap();
    let after = card(&t, "2026-10").await.metrics;
    assert_eq!(
        (
            after.rediscovery_incidence.num,
            after.rediscovery_incidence.den
        ),
        (Some(2), Some(4))
    );
    assert_eq!(
        (after.receiver_acceptance.num, after.receiver_acceptance.den),
        (Some(2), Some(4)),
        "H-2 was rejected first: its acceptance count does not move"
    );
    assert_eq!(after.completion_rate, before.completion_rate);
    let report = t.app.rebuild(&t.org).await.unwrap();
    assert!(
        report.identical,
        "the incremental sums equal a full recompute"
    );
}

async fn incentives_follow_score_and_first_pass_acceptance(t: TestApp) {
    imported(&t).await;
    let oct: Period = "2026-10".parse().unwrap();
    let admin = t.as_user("admin@acme.test");
    let weight = baton_domain::incentive::Weight::default();
    let r = t.app.incentives(&admin, oct, weight).await.unwrap();
    let line = |who: &str| r.senders.iter().find(|s| s.sender.as_str() == who).unwrap();
    // ae1: H-1 (100, accepted first) and H-3 (50, accepted first).
    let ae1 = line("ae1@acme.test");
    assert_eq!((ae1.handoffs, ae1.first_pass), (2, 2));
    assert!(close(Some(ae1.quality), 0.875) && close(Some(ae1.multiplier), 1.0375));
    // ae2: H-2 (75, rejected first) and H-4 (100, accepted first).
    let ae2 = line("ae2@acme.test");
    assert_eq!((ae2.handoffs, ae2.first_pass), (2, 1));
    assert!(close(Some(ae2.quality), 0.6875) && close(Some(ae2.multiplier), 1.01875));
    assert_eq!(r.senders.len(), 2);
    let nov = t
        .app
        .incentives(&admin, "2026-11".parse().unwrap(), weight)
        .await
        .unwrap();
    assert!(nov.senders.is_empty());
    assert!(
        baton_domain::incentive::Weight::new(0.2).is_err(),
        "20% is refused"
    );
}

async fn the_support_dataset_gives_the_hand_computed_numbers(t: TestApp) {
    t.import_history(SCORECARD_SUPPORT).await;
    let nov = card_of(&t, "cs-to-support", "2026-11").await.metrics;
    assert_eq!(
        (nov.completion_rate.num, nov.completion_rate.den),
        (Some(2), Some(3))
    );
    assert!(nov.completion_rate.aspirational);
    assert_eq!(
        ratio(&nov.receiver_acceptance),
        (Some(0), Some(3), Some(0.0), Status::Missed)
    );
    assert_eq!(
        (nov.time_to_acceptance.value, nov.time_to_acceptance.status),
        (Some(12.0), Status::Met)
    );
    assert_eq!(
        (nov.rediscovery_incidence.num, nov.rediscovery_incidence.den),
        (Some(2), Some(3))
    );
    assert!(close(nov.nps_delta.value, 50.0 + 100.0 / 3.0));
    assert_eq!(
        (nov.nps_delta.before_n, nov.nps_delta.after_n),
        (Some(2), Some(3))
    );
    assert_eq!(
        ratio(&nov.leak_to_churn),
        (Some(0), Some(1), Some(0.0), Status::Measured)
    );
    let dec = card_of(&t, "cs-to-support", "2026-12").await.metrics;
    assert_eq!(
        ratio(&dec.completion_rate),
        (Some(1), Some(1), Some(1.0), Status::Met)
    );
    assert_eq!(
        ratio(&dec.receiver_acceptance),
        (Some(1), Some(1), Some(1.0), Status::Met)
    );
    assert_eq!(
        (dec.time_to_acceptance.value, dec.time_to_acceptance.status),
        (Some(72.0), Status::Missed)
    );
    assert_eq!(
        ratio(&dec.rediscovery_incidence),
        (Some(0), Some(1), Some(0.0), Status::Met)
    );
    assert_eq!(dec.nps_delta.status, Status::NoData);
    assert_eq!(
        ratio(&dec.leak_to_churn),
        (Some(1), Some(1), Some(1.0), Status::Measured)
    );
    let w49 = card_of(&t, "cs-to-support", "2026-W49").await.metrics;
    assert_eq!(
        ratio(&w49.completion_rate),
        (Some(1), Some(1), Some(1.0), Status::Met)
    );
    assert_eq!(w49.time_to_acceptance.value, Some(72.0));
    assert_eq!(
        ratio(&w49.leak_to_churn),
        (Some(0), Some(1), Some(0.0), Status::Measured)
    );
    for other in ["ae-to-onboarding", "mql-to-sdr", "cross-motion"] {
        let m = card_of(&t, other, "2026-11").await.metrics;
        assert_eq!(m.completion_rate.status, Status::NoData, "{other}");
        assert_eq!(m.leak_to_churn.status, Status::NoData, "{other}");
    }
    let admin = t.as_user("admin@acme.test");
    let audit = t
        .app
        .leak_audit(
            &admin,
            "2026-11".parse().unwrap(),
            "2026-12".parse().unwrap(),
        )
        .await
        .unwrap();
    let top = &audit.contracts[0];
    assert_eq!(
        (
            top.contract.as_str(),
            top.arr_leaked.reporting.minor,
            top.arr_at_risk.reporting.minor
        ),
        ("cs-to-support", 3_000_000, 1_000_000)
    );
    assert_eq!(
        audit.fix_first.as_ref().map(ContractKey::as_str),
        Some("cs-to-support")
    );
    let key = ContractKey::parse("cs-to-support").unwrap();
    let auto = t.app.audits(&admin, &key).await.unwrap().automated.unwrap();
    assert_eq!(
        (auto.value, auto.passed),
        (Some(0.0), Some(false)),
        "four escalations accepted, none resolved: the seed's failure mode, a failure"
    );
    assert_eq!(auto.evidence.len(), 4);
    assert!(
        auto.evidence
            .iter()
            .all(|e| !e.ok && e.detail.contains("never resolved"))
    );
    // Support resolves T-1 and T-2; the CSM closes T-1's loop only.
    let h = |id: &str| baton_domain::HandoffId::parse(id).unwrap();
    let (s1, s2, cs1) = (
        t.as_user("support1@acme.test"),
        t.as_user("support2@acme.test"),
        t.as_user("cs1@acme.test"),
    );
    t.app.resolve(&s1, &h("T-1"), "Fixed".into()).await.unwrap();
    t.app.resolve(&s2, &h("T-2"), "Fixed".into()).await.unwrap();
    t.app
        .close_loop(&cs1, &h("T-1"), "Told the customer".into())
        .await
        .unwrap();
    let auto = t.app.audits(&admin, &key).await.unwrap().automated.unwrap();
    assert_eq!((auto.value, auto.passed), (Some(0.25), Some(false)));
    let evidence: Vec<(&str, bool)> = auto
        .evidence
        .iter()
        .map(|e| (e.handoff.as_str(), e.ok))
        .collect();
    assert_eq!(
        evidence,
        [
            ("T-4", false),
            ("T-3", false),
            ("T-2", false),
            ("T-1", true)
        ],
        "latest accepted first"
    );
}

async fn a_database_from_before_handoff_facts_were_kept_fills_them_on_the_next_start(t: TestApp) {
    // The edge cases (rejections, resubmissions, churns) and the example.
    t.import_history(SCORECARD_EDGES).await;
    imported(&t).await;
    let dump = t.app.store().dump_projections(&t.org).await.unwrap();
    // As migration 0024 leaves an older database: no facts yet.
    let emptied = t
        .app
        .store()
        .raw_execute("UPDATE handoffs SET facts = NULL")
        .await
        .unwrap();
    assert!(emptied > 0);
    let store = baton_store::Store::open(&t.db.url).await.unwrap();
    assert_eq!(
        store.dump_projections(&t.org).await.unwrap(),
        dump,
        "the facts filled on opening are those the write path keeps"
    );
    // Late data refreshes from the filled facts as from written ones.
    t.app
        .import_events(Some(t.org.clone()), LATE_INCIDENT.as_bytes())
        .await
        .unwrap();
    let m = card(&t, "2026-10").await.metrics;
    assert_eq!(
        (m.rediscovery_incidence.num, m.rediscovery_incidence.den),
        (Some(2), Some(4))
    );
    assert!(t.app.rebuild(&t.org).await.unwrap().identical);
}

/// Every cell of the three hand-computed datasets, month and week, lists
/// handoffs that add up to its figure, in the unit the metric counts.
async fn every_cells_drill_down_adds_up_to_the_cell(t: TestApp) {
    use baton_domain::scorecard::MetricKind;
    use std::collections::BTreeSet;
    for history in [SCORECARD_EXAMPLE, SCORECARD_EDGES, SCORECARD_SUPPORT] {
        t.import_history(history).await;
    }
    let admin = t.as_user("admin@acme.test");
    let mut periods: Vec<Period> = (8..=12)
        .map(|m| format!("2026-{m:02}").parse().unwrap())
        .collect();
    periods.extend((36..=53).map(|w| format!("2026-W{w}").parse::<Period>().unwrap()));
    periods.push("2027-01".parse().unwrap());
    let mut checked = 0;
    for period in periods {
        for card in t.app.scorecard(&admin, None, period, 1).await.unwrap() {
            for kind in MetricKind::ALL {
                let m = match kind {
                    MetricKind::Completion => &card.metrics.completion_rate,
                    MetricKind::ReceiverAcceptance => &card.metrics.receiver_acceptance,
                    MetricKind::TimeToAcceptance => &card.metrics.time_to_acceptance,
                    MetricKind::Rediscovery => &card.metrics.rediscovery_incidence,
                    MetricKind::NpsDelta => &card.metrics.nps_delta,
                    MetricKind::LeakToChurn => &card.metrics.leak_to_churn,
                };
                let listed = t
                    .app
                    .cell_handoffs(&admin, &card.contract, period, kind)
                    .await
                    .unwrap();
                let at = format!("{} {period} {}", card.contract, kind.key());
                let num = listed.iter().filter(|(_, n)| *n).count() as u64;
                let accounts = |only_num: bool| {
                    listed
                        .iter()
                        .filter(|(_, n)| *n || !only_num)
                        .map(|(h, _)| h.handoff.account.clone())
                        .collect::<BTreeSet<_>>()
                        .len() as u64
                };
                match kind {
                    MetricKind::Completion | MetricKind::ReceiverAcceptance => {
                        assert_eq!(Some(num), m.num.or(Some(0)), "{at}");
                        assert_eq!(Some(listed.len() as u64), m.den.or(Some(0)), "{at}");
                    }
                    MetricKind::TimeToAcceptance => {
                        assert_eq!(Some(listed.len() as u64), m.n.or(Some(0)), "{at}");
                    }
                    MetricKind::Rediscovery | MetricKind::LeakToChurn => {
                        assert_eq!(Some(accounts(true)), m.num.or(Some(0)), "{at}");
                        assert_eq!(Some(accounts(false)), m.den.or(Some(0)), "{at}");
                    }
                    MetricKind::NpsDelta => {
                        let responses = m.before_n.unwrap_or(0) + m.after_n.unwrap_or(0);
                        assert_eq!(num > 0, responses > 0, "{at}");
                    }
                }
                checked += usize::from(!listed.is_empty());
            }
        }
    }
    assert!(checked > 20, "only {checked} cells had handoffs to list");
}
