use super::*;
use crate::event::{Event, Values};
use crate::id::Email;

#[test]
fn a_status_is_named_as_json_names_it() {
    for s in [
        Status::Met,
        Status::Missed,
        Status::NoData,
        Status::Measured,
    ] {
        assert_eq!(
            serde_json::to_value(s).ok(),
            Some(serde_json::json!(s.as_str()))
        );
    }
}

#[test]
fn an_acceptance_dated_before_its_submission_is_never_a_met_time_to_acceptance() {
    let def = crate::contract::seed::seeded("ae-to-onboarding").unwrap();
    let t = |s: &str| s.parse::<Timestamp>().unwrap();
    let submitted = Event::Submitted {
        handoff: HandoffId::parse("H-1").unwrap(),
        contract: Some(def.key.clone()),
        account: Some(AccountId::parse("A-1").unwrap()),
        deal: None,
        version: Some(1),
        to: None,
        by: Email::parse("ae1@acme.test").unwrap(),
        at: t("2026-10-05T09:00:00Z"),
        values: Values::new(),
        score: Some(0),
    };
    let mut h = Handoff::from_event(&submitted, &def).unwrap();
    // Stored before the lifecycle refused it: accepted 96 hours earlier.
    h.apply(
        &Event::Accepted {
            handoff: h.id.clone(),
            by: Email::parse("onb1@acme.test").unwrap(),
            at: t("2026-10-01T09:00:00Z"),
            values: Values::new(),
        },
        &def,
    );
    let data = AccountData {
        handoffs: vec![HandoffFacts::of(&h)],
        ..AccountData::default()
    };
    for cell in account_cells(&data).values() {
        assert!(cell.durations.iter().all(|d| *d >= 0), "{cell:?}");
        let m = Metrics::from_cell(cell);
        assert_ne!(m.time_to_acceptance.status, Status::Met);
    }
    // And a negative median is never met.
    let cell = Cell {
        durations: vec![-96 * 3600],
        ..Cell::default()
    };
    assert_eq!(
        Metrics::from_cell(&cell).time_to_acceptance.status,
        Status::Missed
    );
}
