//! The demo generator: deterministic, every line a valid §9 event, and the
//! whole history imports on both backends.
#![expect(
    clippy::unwrap_used,
    reason = "scenarios and helpers run outside #[test] functions; a failure must stop them loudly"
)]

use std::collections::BTreeMap;

use baton_demo::{DemoSpec, generate};
use baton_domain::{Event, HandoffId, State, Timestamp};
use baton_testkit::{TestApp, on_both_backends};

fn end() -> Timestamp {
    "2026-10-01T00:00:00Z".parse().unwrap()
}

fn spec(accounts: usize, seed: u64) -> DemoSpec {
    DemoSpec {
        accounts,
        months: 6,
        seed,
        end: end(),
    }
}

fn bytes(spec: &DemoSpec) -> (Vec<u8>, u64) {
    let mut out = Vec::new();
    let n = generate(spec, &mut out).unwrap();
    (out, n)
}

#[test]
fn the_same_spec_generates_the_same_bytes_and_another_seed_does_not() {
    let (a, na) = bytes(&spec(200, 7));
    let (b, nb) = bytes(&spec(200, 7));
    assert_eq!(na, nb);
    assert!(a == b, "same spec, different output");
    let (c, _) = bytes(&spec(200, 8));
    assert!(a != c, "a different seed should change the output");
}

#[test]
fn every_line_is_an_event_in_time_order_and_none_is_after_the_end() {
    let spec = spec(300, 42);
    let (out, n) = bytes(&spec);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() as u64, n);
    assert!(text.ends_with('\n'));
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut accounts_done = false;
    let mut last: Option<Timestamp> = None;
    let mut contract_of: BTreeMap<HandoffId, String> = BTreeMap::new();
    for (i, line) in lines.iter().enumerate() {
        let e: Event = serde_json::from_str(line)
            .unwrap_or_else(|err| panic!("line {}: {err}: {line}", i + 1));
        *kinds.entry(e.kind()).or_default() += 1;
        match &e {
            Event::Submitted {
                handoff,
                contract: Some(c),
                account: Some(_),
                ..
            } => {
                let known = contract_of.insert(handoff.clone(), c.to_string());
                assert!(known.is_none(), "line {}: {handoff} starts twice", i + 1);
            }
            Event::Submitted { handoff, .. }
            | Event::Rejected { handoff, .. }
            | Event::Withdrawn { handoff, .. } => {
                assert!(
                    contract_of.contains_key(handoff),
                    "line {}: {handoff} not started",
                    i + 1
                );
            }
            Event::Accepted {
                handoff, values, ..
            } => {
                let c = contract_of.get(handoff);
                assert!(c.is_some(), "line {}: {handoff} not started", i + 1);
                if c.is_some_and(|c| c == "cs-to-support") {
                    assert!(values.contains_key("ack_eta"), "line {}: no ack_eta", i + 1);
                }
            }
            _ => {}
        }
        if let Event::Account { at, .. } = &e {
            assert!(!accounts_done, "line {}: account lines come first", i + 1);
            assert!(at.is_some_and(|t| t <= spec.end));
            continue;
        }
        accounts_done = true;
        let at = e.at().unwrap();
        assert!(at <= spec.end, "line {}: {at} is after the end", i + 1);
        assert_eq!(at.subsec_nanosecond(), 0, "line {}: whole seconds", i + 1);
        assert!(
            last.is_none_or(|l| l <= at),
            "line {}: out of time order",
            i + 1
        );
        last = Some(at);
    }
    assert_eq!(kinds["account"], 300);
    for kind in [
        "submitted",
        "rejected",
        "accepted",
        "first_touch",
        "withdrawn",
        "acknowledged",
        "echo",
        "resolved",
        "loop_closed",
        "attested",
        "rediscovery",
        "note",
        "nps",
        "churn",
    ] {
        assert!(
            kinds.get(kind).is_some_and(|n| *n > 0),
            "no '{kind}' lines: {kinds:?}"
        );
    }
    let per_account = n as f64 / 300.0;
    assert!(
        (14.0..=24.0).contains(&per_account),
        "{per_account} lines per account"
    );
}

on_both_backends!(sixty_accounts_of_demo_history_import);

async fn sixty_accounts_of_demo_history_import(t: TestApp) {
    let (out, n) = bytes(&spec(60, 2026));
    let s = t
        .app
        .import_events(Some(t.org.clone()), out.as_slice())
        .await
        .unwrap();
    assert_eq!(s.lines, n);
    assert_eq!(s.accounts, 60);
    assert!(s.handoffs > 60, "{} handoffs", s.handoffs);

    let log = t.app.log(&t.org).await.unwrap();
    let count = |kind: &str| log.iter().filter(|e| e.event.kind() == kind).count();
    assert!(count("rejected") > 0, "no rejections");
    assert!(count("accepted") > 0, "no acceptances");

    // The projections agree with the log: read a few of each back.
    let ids = |kind: &str| -> Vec<HandoffId> {
        log.iter()
            .filter(|e| e.event.kind() == kind)
            .filter_map(|e| match &e.event {
                Event::Rejected { handoff, .. } | Event::Accepted { handoff, .. } => {
                    Some(handoff.clone())
                }
                _ => None,
            })
            .take(5)
            .collect()
    };
    for id in ids("rejected") {
        let h = t.app.store().handoff(&t.org, &id).await.unwrap().unwrap();
        assert!(h.rejections() > 0, "{id}: {h:?}");
    }
    for id in ids("accepted") {
        let h = t.app.store().handoff(&t.org, &id).await.unwrap().unwrap();
        assert_eq!(h.state, State::Accepted, "{id}");
        assert!(h.accepted_at.is_some_and(|a| a <= end()));
    }
}
