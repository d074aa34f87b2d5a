//! The scorecard and leak audit against hand-computed numbers
//! (`examples/scorecard-example.md`), on both backends.

use baton_app::scorecard::ContractScorecard;
use baton_domain::ContractKey;
use baton_domain::period::Period;
use baton_domain::scorecard::{Metric, Status};
use baton_testkit::{SCORECARD_EXAMPLE, TestApp, on_both_backends};

on_both_backends!(
    the_worked_example_gives_the_hand_computed_october,
    periods_without_data_say_no_data_not_zero,
    an_iso_week_counts_only_what_falls_in_it,
    the_leak_audit_names_the_hand_computed_arr,
);

async fn imported(t: &TestApp) {
    t.app
        .import_events(Some(t.org.clone()), SCORECARD_EXAMPLE.as_bytes())
        .await
        .unwrap();
}

async fn card(t: &TestApp, period: &str) -> ContractScorecard {
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
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
    assert_eq!(top.arr_leaked.minor, 3_000_000, "30,000.00 USD: A-3");
    assert_eq!(
        top.arr_at_risk.minor, 24_300_000,
        "243,000.00 USD: A-1, A-2, A-4"
    );
    assert_eq!(
        audit.fix_first.as_ref().map(ContractKey::as_str),
        Some("ae-to-onboarding")
    );
    assert!(
        audit.contracts[1..]
            .iter()
            .all(|l| l.arr_leaked.minor == 0 && l.arr_at_risk.minor == 0),
        "no other contract has data"
    );
}
