//! The scorecard over HTTP gives exactly the hand-computed numbers of the
//! golden datasets (`crates/testkit/fixtures/*.md`).

use baton_testkit::{SCORECARD_EDGES, SCORECARD_EXAMPLE, TestApp, on_both_backends};
use serde_json::{Value, json};

use crate::harness::start;

on_both_backends!(
    the_worked_example_answers_with_the_binding_shape_and_numbers,
    the_edge_cases_and_the_leak_audit_answer_the_hand_computed_numbers,
);

fn pick(m: &Value, keys: &[&str]) -> Value {
    Value::Object(
        keys.iter()
            .map(|k| ((*k).to_string(), m[*k].clone()))
            .collect(),
    )
}

async fn the_worked_example_answers_with_the_binding_shape_and_numbers(t: TestApp) {
    t.import_history(SCORECARD_EXAMPLE).await;
    let s = start(t).await;
    let c = s.as_("cs1@acme.test").await;
    let one = c
        .get("/scorecard?contract=ae-to-onboarding&period=2026-10")
        .await
        .expect(200)
        .clone();
    assert_eq!(
        (one["contract"].as_str(), one["period"].as_str()),
        (Some("ae-to-onboarding"), Some("2026-10"))
    );
    let m = &one["metrics"];
    let ratio = ["value", "num", "den", "status"];
    assert_eq!(
        pick(&m["completion_rate"], &ratio),
        json!({"value": 0.75, "num": 3, "den": 4, "status": "missed"})
    );
    assert_eq!(
        pick(&m["receiver_acceptance"], &ratio),
        json!({"value": 0.5, "num": 2, "den": 4, "status": "missed"})
    );
    assert_eq!(
        pick(&m["time_to_acceptance"], &["value", "n", "status"]),
        json!({"value": 36.0, "n": 4, "status": "met"})
    );
    assert_eq!(
        pick(&m["rediscovery_incidence"], &ratio),
        json!({"value": 0.25, "num": 1, "den": 4, "status": "missed"})
    );
    assert_eq!(
        pick(&m["nps_delta"], &["before_n", "after_n", "status"]),
        json!({"before_n": 2, "after_n": 3, "status": "met"})
    );
    assert!((m["nps_delta"]["value"].as_f64().unwrap() - (50.0 + 100.0 / 3.0)).abs() < 1e-9);
    assert_eq!(
        pick(&m["leak_to_churn"], &ratio),
        json!({"value": 1.0, "num": 1, "den": 1, "status": "measured"})
    );
    for metric in [
        "completion_rate",
        "receiver_acceptance",
        "time_to_acceptance",
    ] {
        assert!(m[metric]["target"].is_string(), "{metric} has a target");
    }
    let all = c.get("/scorecard?period=2026-09").await.expect(200).clone();
    assert_eq!(all["period"], "2026-09");
    let contracts = all["contracts"].as_array().unwrap();
    assert_eq!(contracts.len(), 6);
    for card in contracts {
        assert_eq!(
            card["metrics"]["completion_rate"]["value"],
            Value::Null,
            "no data, not 0"
        );
        assert_eq!(card["metrics"]["completion_rate"]["status"], "no_data");
    }
    let trend = c
        .get("/scorecard?contract=ae-to-onboarding&period=2026-11&periods=3")
        .await
        .expect(200)
        .clone();
    let periods: Vec<&str> = trend["trend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, ["2026-09", "2026-10", "2026-11"]);
    c.get("/scorecard?period=2026-13")
        .await
        .problem(422, "invalid-input");
}

async fn the_edge_cases_and_the_leak_audit_answer_the_hand_computed_numbers(t: TestApp) {
    t.import_history(SCORECARD_EDGES).await;
    let s = start(t).await;
    let c = s.as_("ae1@acme.test").await;
    let w41 = c
        .get("/scorecard?contract=sdr-to-ae&period=2026-W41")
        .await
        .expect(200)
        .clone();
    let m = &w41["metrics"];
    assert_eq!(m["time_to_acceptance"]["value"], 120.0);
    assert_eq!(m["time_to_acceptance"]["status"], "missed");
    assert_eq!(
        (
            m["receiver_acceptance"]["num"].clone(),
            m["receiver_acceptance"]["den"].clone()
        ),
        (json!(0), json!(1))
    );
    let oct = c
        .get("/scorecard?contract=sdr-to-ae&period=2026-10")
        .await
        .expect(200)
        .clone();
    assert_eq!(oct["metrics"]["nps_delta"]["value"], -50.0);
    assert_eq!(oct["metrics"]["completion_rate"]["aspirational"], true);
    let audit = c
        .get("/leak-audit?from=2026-10&to=2026-10")
        .await
        .expect(200)
        .clone();
    assert_eq!(audit["fix_first"], "sdr-to-ae");
    let ranked: Vec<(String, i64, i64)> = audit["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .take(2)
        .map(|l| {
            (
                l["contract"].as_str().unwrap().to_string(),
                l["arr_leaked"]["minor"].as_i64().unwrap(),
                l["arr_at_risk"]["minor"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ranked,
        [
            ("sdr-to-ae".into(), 5_000_000, 3_000_000),
            ("mql-to-sdr".into(), 0, 3_000_000)
        ]
    );
}
