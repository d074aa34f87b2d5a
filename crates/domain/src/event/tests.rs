use super::*;

#[test]
fn history_lines_of_the_spec_parse() {
    let lines = [
        r#"{"type":"account","id":"A-1","name":"Northwind","arr":{"minor":4800000,"currency":"USD"},"segment":"mid-market"}"#,
        r#"{"type":"submitted","handoff":"H-1","contract":"ae-to-onboarding","account":"A-1","by":"ae1@acme.test","at":"2026-10-01T09:00:00Z","values":{"economic_buyer":"x"}}"#,
        r#"{"type":"rejected","handoff":"H-1","by":"onb1@acme.test","at":"2026-10-02T09:00:00Z","code":"missing_context","reason":"no champion map","fields":["champion_map"]}"#,
        r#"{"type":"accepted","handoff":"H-1","by":"onb1@acme.test","at":"2026-10-03T09:00:00Z"}"#,
        r#"{"type":"withdrawn","handoff":"H-1","by":"onb1@acme.test","at":"2026-10-03T09:00:00Z"}"#,
        r#"{"type":"rediscovery","account":"A-1","handoff":"H-1","field":"success_criteria","at":"2026-10-20T09:00:00Z","note":"asked for goals again"}"#,
        r#"{"type":"nps","account":"A-1","score":9,"at":"2026-10-10T09:00:00Z"}"#,
        r#"{"type":"churn","account":"A-1","at":"2026-11-20T00:00:00Z","arr_lost":{"minor":4800000,"currency":"USD"}}"#,
    ];
    for line in lines {
        let e: Event = serde_json::from_str(line).unwrap_or_else(|err| panic!("{line}: {err}"));
        let again: Event = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(e, again);
    }
}

#[test]
fn unknown_members_are_refused() {
    let line =
        r#"{"type":"nps","account":"A-1","score":9,"at":"2026-10-10T09:00:00Z","colour":"red"}"#;
    let err = serde_json::from_str::<Event>(line).unwrap_err().to_string();
    assert!(err.contains("colour"), "{err}");
}

#[test]
fn a_proposal_round_trips_and_its_kind_is_listed() {
    let line = r#"{"type":"contract_proposed","contract":"ae-to-onboarding","version":1,"summary":"add procurement","by":"ae1@acme.test","at":"2026-10-10T09:00:00Z"}"#;
    let e: Event = serde_json::from_str(line).unwrap();
    assert_eq!(serde_json::to_string(&e).unwrap(), line);
    assert_eq!(
        e.stream(),
        Stream::Contract(ContractKey::parse("ae-to-onboarding").unwrap())
    );
    assert!(KINDS.contains(&e.kind()));
    let mut kinds = KINDS.to_vec();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(kinds.len(), KINDS.len(), "each kind once");
}

#[test]
fn currency_settings_round_trip_on_the_org_stream() {
    for line in [
        r#"{"type":"reporting_currency_set","currency":"EUR","by":"admin@acme.test","at":"2026-10-01T09:00:00Z"}"#,
        r#"{"type":"fx_rate_set","currency":"JPY","to":"EUR","rate":"0.0061","effective":"2026-01-01","by":"admin@acme.test","at":"2026-10-01T09:00:00Z"}"#,
    ] {
        let e: Event = serde_json::from_str(line).unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), line);
        assert_eq!(e.stream(), Stream::Org);
        assert!(KINDS.contains(&e.kind()));
    }
    let zero = r#"{"type":"fx_rate_set","currency":"JPY","to":"EUR","rate":"0","effective":"2026-01-01","by":"admin@acme.test","at":"2026-10-01T09:00:00Z"}"#;
    assert!(
        serde_json::from_str::<Event>(zero).is_err(),
        "a rate is above 0"
    );
}

#[test]
fn serialization_starts_with_the_type() {
    let e = Event::Nps {
        account: AccountId::parse("A-1").unwrap(),
        score: 9,
        at: "2026-10-10T09:00:00Z".parse().unwrap(),
    };
    assert_eq!(
        serde_json::to_string(&e).unwrap(),
        r#"{"type":"nps","account":"A-1","score":9,"at":"2026-10-10T09:00:00Z"}"#
    );
}
