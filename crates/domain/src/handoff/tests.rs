//! The lifecycle, as the spec states it, plus a property test over random
//! command sequences.
//!
//! Kept in one file (about 1,500 lines) on purpose: one test per rule of
//! the lifecycle, in the spec's order, so the section reads top to bottom.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::org::Role;

fn def(key: &str) -> ContractDef {
    crate::contract::seed::seeded(key).expect("seeded contract")
}

fn actor(email: &str, teams: &[(&str, Role)]) -> Actor {
    Actor {
        email: Email::parse(email).unwrap(),
        admin: false,
        teams: teams
            .iter()
            .map(|(t, r)| (TeamKey::parse(*t).unwrap(), *r))
            .collect(),
    }
}

fn t(hour: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + hour * 3600).unwrap()
}

fn ctx(def: &ContractDef, mode: Mode, at: Timestamp) -> Ctx<'_> {
    Ctx {
        def,
        version: 1,
        mode,
        history: false,
        at,
        roster: None,
    }
}

fn full_values() -> BTreeMap<String, Value> {
    [
        ("economic_buyer", "Dana Ortiz, CFO; signs up to 250k alone"),
        (
            "champion_map",
            "Lee Park (VP Ops) strong champion; CFO neutral",
        ),
        (
            "commitments",
            "Verbal: SSO by week 6. Contract: 99.9% uptime.",
        ),
        (
            "success_criteria",
            "Cut rep onboarding from 6 to 3 weeks by Q1",
        ),
        (
            "implementation_risks",
            "Messy legacy CRM export; December freeze",
        ),
        (
            "competitive_displacement",
            "Replacing Legacy Co; rebuild custom reports first",
        ),
        (
            "go_live_deadlines",
            "Go-live 2026-12-01 before their kickoff 12-08",
        ),
        ("expansion_hypothesis", "Year 2: EMEA team, 40 more seats"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), json!(v)))
    .collect()
}

fn values(def: &ContractDef, raw: &BTreeMap<String, Value>) -> Values {
    parse_values(def, raw, Owner::Sender).unwrap()
}

struct World {
    def: ContractDef,
    ae: Actor,
    onb: Actor,
    outsider: Actor,
}

fn world(key: &str) -> World {
    let d = def(key);
    let send = d.sending_team.to_string();
    let recv = d.receiving_teams[0].to_string();
    World {
        ae: actor("sender@acme.test", &[(send.as_str(), Role::Member)]),
        onb: actor("receiver@acme.test", &[(recv.as_str(), Role::Member)]),
        outsider: actor("other@acme.test", &[("marketing", Role::Member)]),
        def: d,
    }
}

fn draft(w: &World, raw: &BTreeMap<String, Value>) -> Handoff {
    let e = Handoff::start(
        ctx(&w.def, Mode::Observe, t(0)),
        &w.ae,
        HandoffId::parse("H-1").unwrap(),
        AccountId::parse("A-1").unwrap(),
        None,
        None,
        values(&w.def, raw),
        Values::new(),
        vec![],
    )
    .unwrap();
    Handoff::from_event(&e, &w.def).unwrap()
}

fn step(h: &mut Handoff, def: &ContractDef, e: Result<Event, DomainError>) {
    let e = e.unwrap();
    h.apply(&e, def);
}

#[test]
fn a_gated_handoff_missing_fields_cannot_be_submitted() {
    let w = world("ae-to-onboarding");
    let mut raw = full_values();
    raw.remove("champion_map");
    raw.insert("expansion_hypothesis".into(), json!("tbd"));
    let h = draft(&w, &raw);
    let err = h
        .submit(ctx(&w.def, Mode::Gated, t(1)), &w.ae, Values::new())
        .unwrap_err();
    assert_eq!(
        err,
        DomainError::Incomplete {
            missing: vec!["champion_map".into(), "expansion_hypothesis".into()],
            score: 75,
            why: vec!["no value".into(), "'tbd' is a placeholder".into()],
        }
    );
    assert!(
        err.to_string()
            .contains("champion_map (no value), expansion_hypothesis ('tbd' is a placeholder)"),
        "{err}"
    );
}

#[test]
fn observe_mode_records_an_incomplete_submission_with_its_score() {
    let w = world("ae-to-onboarding");
    let mut raw = full_values();
    raw.retain(|k, _| {
        k == "economic_buyer"
            || k == "champion_map"
            || k == "commitments"
            || k == "success_criteria"
    });
    let mut h = draft(&w, &raw);
    let e = h.submit(ctx(&w.def, Mode::Observe, t(1)), &w.ae, Values::new());
    step(&mut h, &w.def, e);
    assert_eq!(h.state, State::Submitted);
    assert_eq!(h.submitted_score(), Some(50));
}

#[test]
fn only_the_receiving_team_decides_and_never_the_sender() {
    let w = world("ae-to-onboarding");
    let mut h = draft(&w, &full_values());
    let e = h.submit(ctx(&w.def, Mode::Gated, t(1)), &w.ae, Values::new());
    step(&mut h, &w.def, e);
    let c = ctx(&w.def, Mode::Gated, t(2));
    assert!(matches!(
        h.accept(c, &w.outsider, Values::new()),
        Err(DomainError::Forbidden(_))
    ));
    assert!(matches!(
        h.accept(c, &w.ae, Values::new()),
        Err(DomainError::Forbidden(_))
    ));
    // Even a sender who also sits in the receiving team cannot accept.
    let mut both = w.ae.clone();
    both.teams
        .insert(TeamKey::parse("onboarding").unwrap(), Role::Lead);
    let err = h.accept(c, &both, Values::new()).unwrap_err();
    assert!(err.to_string().contains("never the same person"), "{err}");
    let e = h.accept(c, &w.onb, Values::new());
    step(&mut h, &w.def, e);
    assert_eq!(h.state, State::Accepted);
    assert_eq!(h.accepted_at, Some(t(2)));
}

#[test]
fn a_rejection_needs_a_known_code_and_a_reason() {
    let w = world("ae-to-onboarding");
    let mut h = draft(&w, &full_values());
    let e = h.submit(ctx(&w.def, Mode::Observe, t(1)), &w.ae, Values::new());
    step(&mut h, &w.def, e);
    let c = ctx(&w.def, Mode::Observe, t(2));
    assert!(
        h.reject(c, &w.onb, None, "no champion".into(), vec![])
            .is_err()
    );
    assert!(
        h.reject(
            c,
            &w.onb,
            Some("bad_vibes".into()),
            "no champion".into(),
            vec![]
        )
        .is_err()
    );
    assert!(
        h.reject(
            c,
            &w.onb,
            Some("missing_context".into()),
            " ".into(),
            vec![]
        )
        .is_err()
    );
    let err = h
        .reject(
            c,
            &w.onb,
            Some("missing_context".into()),
            "no map".into(),
            vec!["nope".into()],
        )
        .unwrap_err();
    assert!(matches!(err, DomainError::UnknownField { .. }));
    let e = h.reject(
        c,
        &w.onb,
        Some("missing_context".into()),
        "no map".into(),
        vec!["champion_map".into()],
    );
    step(&mut h, &w.def, e);
    assert_eq!(h.state, State::Rejected);
    assert_eq!(h.rejections(), 1);
}

#[test]
fn rework_after_rejection_resubmits_with_merged_values() {
    let w = world("ae-to-onboarding");
    let mut raw = full_values();
    raw.remove("go_live_deadlines");
    let mut h = draft(&w, &raw);
    let e = h.submit(ctx(&w.def, Mode::Observe, t(1)), &w.ae, Values::new());
    step(&mut h, &w.def, e);
    let e = h.reject(
        ctx(&w.def, Mode::Observe, t(2)),
        &w.onb,
        Some("missing_context".into()),
        "no date".into(),
        vec![],
    );
    step(&mut h, &w.def, e);
    let fix = values(
        &w.def,
        &BTreeMap::from([(
            "go_live_deadlines".to_string(),
            json!("Go-live 2026-12-01 before SKO"),
        )]),
    );
    let e = h.submit(ctx(&w.def, Mode::Gated, t(3)), &w.ae, fix);
    step(&mut h, &w.def, e);
    assert_eq!(h.state, State::Submitted);
    assert_eq!(
        h.submissions.iter().map(|s| s.score).collect::<Vec<_>>(),
        vec![88, 100]
    );
    assert_eq!(h.first_submitted_at(), Some(t(1)));
    assert_eq!(h.score_at(t(2)), Some(88));
    let e = h.accept(ctx(&w.def, Mode::Gated, t(4)), &w.onb, Values::new());
    step(&mut h, &w.def, e);
    assert_eq!(h.first_decision().map(|d| d.accepted), Some(false));
}

#[test]
fn transitions_outside_the_lifecycle_are_refused() {
    let w = world("ae-to-onboarding");
    let mut h = draft(&w, &full_values());
    let c = ctx(&w.def, Mode::Observe, t(1));
    assert_eq!(
        h.accept(c, &w.onb, Values::new()).unwrap_err(),
        DomainError::InvalidTransition {
            action: "accept",
            state: "draft"
        }
    );
    let e = h.withdraw(c, &w.ae);
    step(&mut h, &w.def, e);
    assert!(h.submit(c, &w.ae, Values::new()).is_err());
    assert!(h.withdraw(c, &w.ae).is_err());
    assert!(
        h.edit(c, &w.ae, values(&w.def, &full_values()), vec![])
            .is_err()
    );
}

#[test]
fn cs_to_support_needs_ack_eta_at_acceptance_and_follows_through() {
    let w = world("cs-to-support");
    let raw: BTreeMap<String, Value> = [
        (
            "originating_signal",
            json!("P1 ticket: exports failing for all users"),
        ),
        (
            "impact_statement",
            json!("Finance cannot close the month without exports"),
        ),
        ("echo_cadence", json!("daily")),
        (
            "communication_owner",
            json!("Casey CSM (CSM) <sender@acme.test>"),
        ),
        ("close_loop_window", json!(24)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut h = draft(&w, &raw);
    assert_eq!(h.score, 100, "ack_eta is the receiver's and does not count");
    // The communication owner must be a CSM: the decision knows the org's
    // people.
    let roster = cs_roster();
    let with_people = |at| Ctx {
        roster: Some(&roster),
        ..ctx(&w.def, Mode::Gated, at)
    };
    let e = h.submit(with_people(t(1)), &w.ae, Values::new());
    step(&mut h, &w.def, e);
    let c = with_people(t(2));
    assert_eq!(
        h.accept(c, &w.onb, Values::new()).unwrap_err(),
        DomainError::MissingReceiverFields {
            missing: vec!["ack_eta".into()]
        }
    );
    // The sender cannot fill the receiver's field.
    let sender_try = parse_values(
        &w.def,
        &BTreeMap::from([("ack_eta".to_string(), json!("2026-10-10T00:00:00Z"))]),
        Owner::Sender,
    );
    assert!(sender_try.is_err());
    let eta = parse_values(
        &w.def,
        &BTreeMap::from([("ack_eta".to_string(), json!(t(30).to_string()))]),
        Owner::Receiver,
    )
    .unwrap();
    let e = h.accept(c, &w.onb, eta);
    step(&mut h, &w.def, e);
    assert_eq!(h.follow.acked_at, Some(t(2)));
    let e = h.echo(
        ctx(&w.def, Mode::Gated, t(20)),
        &w.onb,
        "fix in review".into(),
    );
    step(&mut h, &w.def, e);
    assert!(
        h.close_loop(ctx(&w.def, Mode::Gated, t(21)), &w.ae, "told them".into())
            .is_err(),
        "not resolved yet"
    );
    let e = h.resolve(ctx(&w.def, Mode::Gated, t(22)), &w.onb, "patched".into());
    step(&mut h, &w.def, e);
    // The receiving team never closes the loop: the CSM does.
    assert!(
        h.close_loop(ctx(&w.def, Mode::Gated, t(23)), &w.onb, "told them".into())
            .is_err()
    );
    let e = h.close_loop(
        ctx(&w.def, Mode::Gated, t(23)),
        &w.ae,
        "Called the CFO".into(),
    );
    step(&mut h, &w.def, e);
    assert_eq!(h.follow.loop_closed_at, Some(t(23)));
    let kinds: Vec<_> = crate::sla::deadlines(&h, &w.def)
        .into_iter()
        .map(|d| (d.kind, d.status(t(100))))
        .collect();
    use crate::sla::{SlaKind, SlaStatus};
    assert!(kinds.contains(&(SlaKind::Acceptance, SlaStatus::Met)));
    assert!(kinds.contains(&(SlaKind::Ack, SlaStatus::Met)));
    assert!(kinds.contains(&(SlaKind::CloseLoop, SlaStatus::Met)));
}

#[test]
fn differing_attestations_are_flagged() {
    let w = world("cross-motion");
    let h0 = draft(&w, &BTreeMap::new());
    let q = w.def.attestation_questions[0].clone();
    let mut h = h0.clone();
    let e = h.attest(
        ctx(&w.def, Mode::Observe, t(1)),
        &w.ae,
        q.clone(),
        "Motion A CSM (warm)".into(),
    );
    step(&mut h, &w.def, e);
    let e = h.attest(
        ctx(&w.def, Mode::Observe, t(2)),
        &w.onb,
        q.clone(),
        "motion a csm warm".into(),
    );
    step(&mut h, &w.def, e);
    assert!(h.disagreements().is_empty());
    let e = h.attest(
        ctx(&w.def, Mode::Observe, t(3)),
        &w.onb,
        q.clone(),
        "Motion B AE".into(),
    );
    step(&mut h, &w.def, e);
    let d = h.disagreements();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].answers.len(), 2);
    assert!(
        h.attest(
            ctx(&w.def, Mode::Observe, t(4)),
            &w.outsider,
            q,
            "x y z".into()
        )
        .is_err()
    );
    assert!(
        h.attest(
            ctx(&w.def, Mode::Observe, t(4)),
            &w.ae,
            "Who is the CEO?".into(),
            "x y z".into()
        )
        .is_err()
    );
}

#[test]
fn history_records_the_past_without_the_gate() {
    let w = world("ae-to-onboarding");
    let c = Ctx {
        def: &w.def,
        version: 1,
        mode: Mode::Gated,
        history: true,
        at: t(1),
        roster: None,
    };
    let e = Handoff::submit_new(
        c,
        &w.ae,
        HandoffId::parse("H-9").unwrap(),
        AccountId::parse("A-9").unwrap(),
        None,
        None,
        Values::new(),
    )
    .unwrap();
    let h = Handoff::from_event(&e, &w.def).unwrap();
    assert_eq!(h.submitted_score(), Some(0));
    // A rejection without a code is `other` in history.
    let Event::Rejected { code, .. } = h
        .reject(Ctx { at: t(2), ..c }, &w.onb, None, String::new(), vec![])
        .unwrap()
    else {
        panic!("not a rejection")
    };
    assert_eq!(code.as_deref(), Some("other"));
}

/// A command the property test may throw at a handoff.
#[derive(Debug, Clone)]
enum Cmd {
    Edit(usize),
    Clear(usize),
    Submit,
    Accept(u8),
    Reject(u8),
    Withdraw(u8),
    Gate(bool),
}

fn cmd() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        (0usize..8).prop_map(Cmd::Edit),
        (0usize..8).prop_map(Cmd::Clear),
        Just(Cmd::Submit),
        (0u8..3).prop_map(Cmd::Accept),
        (0u8..3).prop_map(Cmd::Reject),
        (0u8..3).prop_map(Cmd::Withdraw),
        any::<bool>().prop_map(Cmd::Gate),
    ]
}

proptest! {
    #[test]
    fn random_command_sequences_never_reach_an_invalid_state(cmds in proptest::collection::vec(cmd(), 1..40)) {
        let w = world("ae-to-onboarding");
        let people = [&w.ae, &w.onb, &w.outsider];
        let full = full_values();
        let keys: Vec<&String> = full.keys().collect();
        let mut h = draft(&w, &BTreeMap::new());
        let mut mode = Mode::Observe;
        let mut log = Vec::new();
        for (i, c) in cmds.into_iter().enumerate() {
            let cx = ctx(&w.def, mode, t(i as i64 + 1));
            let decided = match c {
                Cmd::Edit(k) => h.edit(cx, &w.ae, values(&w.def, &BTreeMap::from([(keys[k].clone(), full[keys[k]].clone())])), vec![]),
                Cmd::Clear(k) => h.edit(cx, &w.ae, values(&w.def, &BTreeMap::from([(keys[k].clone(), Value::Null)])), vec![]),
                Cmd::Submit => h.submit(cx, &w.ae, Values::new()),
                Cmd::Accept(p) => h.accept(cx, people[p as usize], Values::new()),
                Cmd::Reject(p) => h.reject(cx, people[p as usize], Some("other".into()), "needs work".into(), vec![]),
                Cmd::Withdraw(p) => h.withdraw(cx, people[p as usize]),
                Cmd::Gate(g) => { mode = if g { Mode::Gated } else { Mode::Observe }; continue; }
            };
            let before = h.clone();
            match decided {
                Ok(e) => {
                    if let (Event::Submitted { score, .. }, Mode::Gated) = (&e, mode) {
                        prop_assert_eq!(*score, Some(100), "a gated submission below 100 got through");
                    }
                    h.apply(&e, &w.def);
                    log.push(e);
                }
                Err(_) => prop_assert_eq!(&h, &before),
            }
            // Invariants of the lifecycle.
            prop_assert!(h.score <= 100);
            prop_assert!(h.decisions.iter().all(|d| d.by != h.sender));
            prop_assert_eq!(h.accepted_at.is_some(), h.decisions.iter().any(|d| d.accepted));
            prop_assert!(h.decisions.len() <= h.submissions.len());
            match h.state {
                State::Draft => prop_assert!(h.submissions.is_empty()),
                State::Submitted => prop_assert_eq!(h.decisions.len() + 1, h.submissions.len()),
                State::Rejected => prop_assert!(h.decisions.last().is_some_and(|d| !d.accepted)),
                State::Accepted => prop_assert!(h.decisions.last().is_some_and(|d| d.accepted)),
                State::Withdrawn => prop_assert!(h.withdrawn_at.is_some() && h.accepted_at.is_none()),
            }
        }
        // Replaying the log reproduces the state exactly.
        let mut replay = draft(&w, &BTreeMap::new());
        for e in &log { replay.apply(e, &w.def); }
        prop_assert_eq!(replay, h);
    }
}

#[test]
fn a_breach_is_recorded_on_the_handoff_and_keeps_its_deadline_row() {
    use crate::sla::{SlaKind, acceptance_overdue, deadline_rows, is_unrecorded_breach};
    let w = world("ae-to-onboarding");
    let mut h = draft(&w, &full_values());
    assert!(
        deadline_rows(&h, &w.def).is_empty(),
        "a draft promises nothing"
    );
    let e = h.submit(ctx(&w.def, Mode::Observe, t(1)), &w.ae, Values::new());
    step(&mut h, &w.def, e);
    let due = t(49);
    assert!(!acceptance_overdue(&h, &w.def, due));
    assert!(acceptance_overdue(&h, &w.def, t(50)));
    assert!(!is_unrecorded_breach(
        &h,
        &w.def,
        SlaKind::Acceptance,
        due,
        due
    ));
    assert!(is_unrecorded_breach(
        &h,
        &w.def,
        SlaKind::Acceptance,
        due,
        t(50)
    ));
    let breach = Event::SlaBreached {
        handoff: h.id.clone(),
        kind: SlaKind::Acceptance,
        due,
        at: t(50),
    };
    let line = serde_json::to_string(&breach).unwrap();
    assert_eq!(
        line,
        format!(
            r#"{{"type":"sla_breached","handoff":"H-1","kind":"acceptance","due":"{due}","at":"{}"}}"#,
            t(50)
        )
    );
    assert_eq!(serde_json::from_str::<Event>(&line).unwrap(), breach);
    assert!(crate::event::KINDS.contains(&breach.kind()));
    assert_eq!(breach.actor(), None);
    let (score, version) = (h.score, h.stream_version);
    h.apply(&breach, &w.def);
    assert_eq!(h.score, score, "a breach changes no value");
    assert_eq!(
        h.stream_version,
        version + 1,
        "it is on the handoff's stream"
    );
    assert!(!is_unrecorded_breach(
        &h,
        &w.def,
        SlaKind::Acceptance,
        due,
        t(60)
    ));
    let rows = deadline_rows(&h, &w.def);
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].due, rows[0].fired_at), (due, Some(t(50))));
    // Accepted late: the deadline is met, the breach stays recorded.
    let e = h.accept(ctx(&w.def, Mode::Observe, t(70)), &w.onb, Values::new());
    step(&mut h, &w.def, e);
    assert!(!acceptance_overdue(&h, &w.def, t(80)));
    assert_eq!(deadline_rows(&h, &w.def), rows);
    // Stored without breaches, a handoff reads as before.
    let mut plain = draft(&w, &full_values());
    plain.breaches.clear();
    assert!(!serde_json::to_string(&plain).unwrap().contains("breaches"));
}

/// Completeness of the full values with one field replaced.
fn with(key: &str, value: &str) -> (ContractDef, Completeness) {
    let d = def("ae-to-onboarding");
    let mut raw = full_values();
    raw.insert(key.into(), json!(value));
    let c = completeness(&d, &values(&d, &raw));
    (d, c)
}

fn reason(c: &Completeness, key: &str) -> Option<String> {
    c.missing
        .iter()
        .find(|(k, _)| k.as_str() == key)
        .map(|(_, why)| why.explain())
}

#[test]
fn real_answers_count_in_full() {
    let d = def("ae-to-onboarding");
    let c = completeness(&d, &values(&d, &full_values()));
    assert_eq!((c.score, c.missing), (100, vec![]));
}

#[test]
fn every_kind_of_filler_does_not_count_and_says_why() {
    let cases = [
        ("n/a", "'n/a' is a placeholder"),
        ("TBD.", "'TBD.' is a placeholder"),
        ("See notes", "'See notes' is a placeholder"),
        ("- - -", "'- - -' is a placeholder"),
        ("asdf jkl;", "'asdf jkl;' is a placeholder"),
        ("sdfghjkl", "'sdfghjkl' is a placeholder"),
        (
            "Success criteria: tbd",
            "'Success criteria: tbd' is a placeholder",
        ),
        ("Success criteria", "repeats the field's label"),
        (
            "Cut rep onboarding from 6 to 3 weeks by Q1",
            "repeats 'Verbal vs contractual commitments' word for word",
        ),
        ("Go live soon", "12 characters; at least 15 are needed"),
    ];
    for (typed, why) in cases {
        let mut raw = full_values();
        raw.insert("success_criteria".into(), json!(typed));
        // The repeat case copies the success criteria into commitments, an
        // earlier field, so the later copy is the one that does not count.
        if why.starts_with("repeats") {
            raw.insert("commitments".into(), json!(typed));
        }
        let d = def("ae-to-onboarding");
        let c = completeness(&d, &values(&d, &raw));
        let got = reason(&c, "success_criteria").unwrap_or_default();
        assert!(got.starts_with(why), "{typed}: {got}");
        assert!(c.score < 100, "{typed} counted");
    }
    let help = def("ae-to-onboarding")
        .field("success_criteria")
        .unwrap()
        .help
        .clone();
    let (_, c) = with("success_criteria", &help.to_uppercase());
    assert_eq!(
        reason(&c, "success_criteria").as_deref(),
        Some("repeats the field's help text")
    );
}

#[test]
fn the_contract_sets_its_own_filler_rules() {
    let mut d = def("ae-to-onboarding");
    let mut raw = full_values();
    raw.insert("implementation_risks".into(), json!("Ask the AE later"));
    let before = completeness(&d, &values(&d, &raw));
    assert!(before.missing.is_empty());
    d.filler.placeholders.push("ask the AE later!".into());
    let after = completeness(&d, &values(&d, &raw));
    assert_eq!(
        reason(&after, "implementation_risks").as_deref(),
        Some("'Ask the AE later' is a placeholder")
    );
    // "none" is a placeholder by default, a real answer where allowed.
    raw.insert("implementation_risks".into(), json!("None"));
    d.fields.iter_mut().for_each(|f| f.min_len = None);
    assert!(reason(&completeness(&d, &values(&d, &raw)), "implementation_risks").is_some());
    d.filler.allowed.push("none".into());
    assert!(reason(&completeness(&d, &values(&d, &raw)), "implementation_risks").is_none());
    // Repeats may be allowed too.
    raw.insert("implementation_risks".into(), raw["commitments"].clone());
    d.filler.allow_repeats = true;
    assert!(reason(&completeness(&d, &values(&d, &raw)), "implementation_risks").is_none());
    d.filler.allow_repeats = false;
    assert!(reason(&completeness(&d, &values(&d, &raw)), "implementation_risks").is_some());
}

#[test]
fn specificity_is_a_hint_unless_the_contract_makes_it_a_gate() {
    let (d, c) = with("go_live_deadlines", "As soon as their new team is hired");
    assert_eq!(c.score, 100, "a hint does not change the score");
    let f = d.field("go_live_deadlines").unwrap();
    let v = values(&d, &full_values());
    assert_eq!(f.hint(v.get(&f.key)), None);
    let vague = json!("As soon as their new team is hired");
    assert_eq!(
        f.hint_text(Some(&vague)),
        Some("no date: say when (a date, month or quarter)")
    );
    let mut gated = d.clone();
    gated.filler.hints_are_gates = true;
    let mut raw = full_values();
    raw.insert("go_live_deadlines".into(), vague);
    let c = completeness(&gated, &values(&gated, &raw));
    assert_eq!(
        reason(&c, "go_live_deadlines").as_deref(),
        Some("no date: say when (a date, month or quarter)")
    );
    let (_, c) = with("economic_buyer", "The CFO signs everything over budget");
    assert_eq!(c.score, 100);
    let eb = d.field("economic_buyer").unwrap();
    assert_eq!(
        eb.hint(Some(&json!("The CFO signs everything over budget"))),
        Some(crate::field::Expect::Person)
    );
}

#[test]
fn an_acceptance_is_never_dated_before_its_submission() {
    for history in [false, true] {
        let w = world("ae-to-onboarding");
        let mut h = draft(&w, &full_values());
        let at = |hour| Ctx {
            history,
            ..ctx(&w.def, Mode::Observe, t(hour))
        };
        let submitted = h.submit(at(96), &w.ae, Values::new());
        step(&mut h, &w.def, submitted);
        let err = h.accept(at(0), &w.onb, Values::new()).unwrap_err();
        assert!(err.to_string().contains("before the submission"), "{err}");
        assert!(h.accept(at(96), &w.onb, Values::new()).is_ok());
        assert!(h.last_at() == t(96));
    }
}

/// Submits `raw` in observe mode (recorded, whatever its score).
fn submitted(w: &World, raw: &BTreeMap<String, Value>) -> Handoff {
    let mut h = draft(w, raw);
    let e = h.submit(ctx(&w.def, Mode::Observe, t(1)), &w.ae, Values::new());
    step(&mut h, &w.def, e);
    h
}

#[test]
fn a_gated_handoff_missing_fields_cannot_be_accepted() {
    let w = world("ae-to-onboarding");
    let mut raw = full_values();
    for (k, filler) in [
        ("champion_map", "TBD"),
        ("commitments", "n/a"),
        ("success_criteria", "TBD"),
        ("implementation_risks", "n/a"),
        ("competitive_displacement", "tbd"),
        ("go_live_deadlines", "N/A"),
    ] {
        raw.insert(k.into(), json!(filler));
    }
    // Submitted while the contract observed: recorded with its score.
    let h = submitted(&w, &raw);
    assert_eq!(h.submitted_score(), Some(25));
    // The contract is gated now: acceptance needs what submission needs.
    let err = h
        .accept(ctx(&w.def, Mode::Gated, t(2)), &w.onb, Values::new())
        .unwrap_err();
    assert_eq!(
        err,
        DomainError::Incomplete {
            missing: vec![
                "champion_map".into(),
                "commitments".into(),
                "success_criteria".into(),
                "implementation_risks".into(),
                "competitive_displacement".into(),
                "go_live_deadlines".into(),
            ],
            score: 25,
            why: vec![
                "'TBD' is a placeholder".into(),
                "'n/a' is a placeholder".into(),
                "'TBD' is a placeholder".into(),
                "'n/a' is a placeholder".into(),
                "'tbd' is a placeholder".into(),
                "'N/A' is a placeholder".into(),
            ],
        }
    );
    // The receiver may still send it back for rework.
    assert!(
        h.reject(
            ctx(&w.def, Mode::Gated, t(2)),
            &w.onb,
            Some("missing_context".into()),
            "placeholders everywhere".into(),
            vec![]
        )
        .is_ok()
    );
    // Observing, the acceptance is recorded as it happens; history records
    // the past as it happened, gated or not.
    assert!(
        h.accept(ctx(&w.def, Mode::Observe, t(2)), &w.onb, Values::new())
            .is_ok()
    );
    let history = Ctx {
        history: true,
        ..ctx(&w.def, Mode::Gated, t(2))
    };
    assert!(h.accept(history, &w.onb, Values::new()).is_ok());
    // Complete values are accepted gated.
    let full = submitted(&w, &full_values());
    assert!(
        full.accept(ctx(&w.def, Mode::Gated, t(2)), &w.onb, Values::new())
            .is_ok()
    );
}

#[test]
fn filler_repeated_or_dressed_up_does_not_count() {
    for typed in [
        "tbd tbd tbd tbd tbd",
        "N/A N/A N/A N/A",
        "TBD - will update later",
        "will fill in later",
        "Unknown at this time",
        "asdfasdfasdfasdf",
        "lorem ipsum dolor sit amet",
        "Our plan: lorem ipsum dolor sit amet, consectetur",
        "test test test test",
        "abcabcabcabcabc",
        "To be confirmed at a later date",
        "Pending - details to follow",
        "qwertyuiop asdfghjkl",
        "Not sure yet, will update",
        "TBD/TBC, n/a for now",
        "See notes - TBD",
    ] {
        let (_, c) = with("success_criteria", typed);
        assert_eq!(
            reason(&c, "success_criteria"),
            Some(format!("'{typed}' is a placeholder")),
            "{typed}"
        );
    }
}

#[test]
fn real_answers_with_filler_words_in_them_still_count() {
    for real in [
        "Pending legal review of the DPA, due 2026-11-01",
        "Vendor unknown in EMEA; they will update us after the RFP",
        "Go-live later in Q1, after their SKO on 2027-01-12",
        "Test the SSO flow with 20 pilot users first",
        "None of the legacy reports survive; rebuild 12 of them",
        "Will needs SSO before the 200-seat rollout",
        "Cut rep onboarding from 6 to 3 weeks by Q1",
        "Walla Walla office goes live first, then Bora Bora",
        "Ask the AE later about the EMEA seats",
    ] {
        let (_, c) = with("success_criteria", real);
        assert_eq!(reason(&c, "success_criteria"), None, "{real}");
    }
}

/// Whether `text` counts for `field` of `contract`, and if not why.
fn verdict(contract: &str, field: &str, text: Value) -> Result<(), String> {
    let d = def(contract);
    let f = d.field(field).unwrap();
    let v = f.normalize(&text).unwrap();
    f.assess(v.as_ref(), &d.filler).map_err(|u| u.explain())
}

#[test]
fn a_stakeholder_needs_a_role_and_a_reaction_and_is_told_which_is_missing() {
    let s = |v| verdict("sdr-to-ae", "stakeholders", v);
    assert_eq!(
        s(json!("Dana Ortiz (CFO)")),
        Err("'Dana Ortiz (CFO)' has no reaction: write 'Name (role): reaction'".into())
    );
    assert_eq!(
        s(json!("Dana Ortiz: supportive")),
        Err("'Dana Ortiz: supportive' has no role: write 'Name (role): reaction'".into())
    );
    assert_eq!(
        s(json!("Dana Ortiz (CFO): supportive\nLee Park (IT)")),
        Err("'Lee Park (IT)' has no reaction: write 'Name (role): reaction'".into())
    );
    assert_eq!(
        s(json!([{"name": "Dana Ortiz", "role": "CFO"}])),
        Err("'Dana Ortiz (CFO)' has no reaction: write 'Name (role): reaction'".into())
    );
    // A placeholder in a part is no part.
    assert_eq!(
        s(json!("Dana Ortiz (CFO): TBD")),
        Err("'Dana Ortiz (CFO): TBD' has no reaction: write 'Name (role): reaction'".into())
    );
    assert_eq!(
        s(json!("TBD (CFO): skeptical")),
        Err("'TBD (CFO): skeptical' has no name: write 'Name (role): reaction'".into())
    );
    assert_eq!(
        s(json!(
            "Dana Ortiz (CFO): supportive\nLee Park (IT): skeptical"
        )),
        Ok(())
    );
    assert_eq!(
        s(json!([{"name": "Dana Ortiz", "role": "CFO", "reaction": "keen"}])),
        Ok(())
    );
}

#[test]
fn a_buying_trigger_needs_its_confidence() {
    let b = |v| verdict("mql-to-sdr", "buying_trigger", v);
    assert_eq!(
        b(json!("New VP of Sales hired last month")),
        Err(
            "no confidence: say how sure you are, e.g. 'New VP of Sales hired last month (70%)'"
                .into()
        )
    );
    assert_eq!(
        b(json!({"hypothesis": "New VP of Sales hired last month"})),
        Err(
            "no confidence: say how sure you are, e.g. 'New VP of Sales hired last month (70%)'"
                .into()
        )
    );
    assert_eq!(b(json!("New VP of Sales hired last month (70%)")), Ok(()));
    assert_eq!(
        b(json!({"hypothesis": "New VP of Sales hired last month", "confidence": 0})),
        Ok(())
    );
}

#[test]
fn champion_and_sponsor_maps_say_how_strongly_each_backs_it() {
    let strength = "no strength: say how strongly each backs it (strong, neutral, cooling…)";
    assert_eq!(
        verdict(
            "ae-to-onboarding",
            "champion_map",
            json!("Lee Park (VP Ops) is the champion; Dana Ortiz (CFO) sponsors")
        ),
        Err(strength.into())
    );
    assert_eq!(
        verdict(
            "ae-to-onboarding",
            "champion_map",
            json!("Champion: Lee Park (VP Ops, strong); sponsor: CFO (neutral)")
        ),
        Ok(())
    );
    assert_eq!(
        verdict(
            "onboarding-to-cs",
            "sponsor_heat_map",
            json!("Olivia Grant (COO) and Ben Cho (Finance) are the sponsors")
        ),
        Err(strength.into())
    );
    assert_eq!(
        verdict(
            "onboarding-to-cs",
            "sponsor_heat_map",
            json!("Olivia Grant (COO): warm. Ben Cho (Finance): cooled after the invoicing delay")
        ),
        Ok(())
    );
}

/// The cs-to-support world's people: Casey the CSM (the sender) and Sam
/// the support engineer (the receiver).
fn cs_roster() -> crate::org::Roster {
    let member = |email: &str, name: &str, team: &str| crate::org::Member {
        email: Email::parse(email).unwrap(),
        name: name.into(),
        teams: [TeamKey::parse(team).unwrap()].into(),
    };
    crate::org::Roster::new([
        member("sender@acme.test", "Casey Cole", "cs"),
        member("receiver@acme.test", "Sam Stone", "support"),
    ])
}

fn cs_values(owner: &str) -> BTreeMap<String, Value> {
    [
        (
            "originating_signal",
            json!("P1 ticket: exports failing for all users"),
        ),
        (
            "impact_statement",
            json!("Finance cannot close the month without exports"),
        ),
        ("echo_cadence", json!("daily")),
        ("communication_owner", json!(owner)),
        ("close_loop_window", json!(24)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

#[test]
fn a_communication_owner_off_the_sending_team_is_refused_at_submission_and_acceptance() {
    let w = world("cs-to-support");
    let roster = cs_roster();
    let live = |mode, at| Ctx {
        roster: Some(&roster),
        ..ctx(&w.def, mode, at)
    };
    for owner in [
        "Sam Stone (Support engineer) <receiver@acme.test>",
        "Sam Stone (Support engineer)",
        "Nobody Known (CSM)",
    ] {
        let h = draft(&w, &cs_values(owner));
        for mode in [Mode::Observe, Mode::Gated] {
            let err = h
                .submit(live(mode, t(1)), &w.ae, Values::new())
                .unwrap_err();
            match &err {
                DomainError::InvalidField { field, why } => {
                    assert_eq!(field, "communication_owner");
                    assert!(why.contains("team 'cs'"), "{why}");
                }
                other => panic!("{owner}: {other:?}"),
            }
        }
    }
    // Named by email or by name, a CSM is fine.
    for owner in ["Casey Cole (CSM) <sender@acme.test>", "casey  cole (CSM)"] {
        let h = draft(&w, &cs_values(owner));
        assert!(
            h.submit(live(Mode::Gated, t(1)), &w.ae, Values::new())
                .is_ok(),
            "{owner}"
        );
    }
    // History records what happened; a live acceptance of it is refused.
    let mut h = draft(
        &w,
        &cs_values("Sam Stone (Support engineer) <receiver@acme.test>"),
    );
    let history = Ctx {
        history: true,
        ..ctx(&w.def, Mode::Observe, t(1))
    };
    let e = h.submit(history, &w.ae, Values::new());
    step(&mut h, &w.def, e);
    let eta = parse_values(
        &w.def,
        &BTreeMap::from([("ack_eta".to_string(), json!(t(30).to_string()))]),
        Owner::Receiver,
    )
    .unwrap();
    let err = h
        .accept(live(Mode::Observe, t(2)), &w.onb, eta.clone())
        .unwrap_err();
    assert!(
        matches!(&err, DomainError::InvalidField { field, .. } if field == "communication_owner"),
        "{err:?}"
    );
}

#[test]
fn only_the_communication_owner_on_the_sending_team_closes_the_loop() {
    let w = world("cs-to-support");
    let roster = cs_roster();
    let live = |at| Ctx {
        roster: Some(&roster),
        ..ctx(&w.def, Mode::Observe, at)
    };
    let history = |at| Ctx {
        history: true,
        ..ctx(&w.def, Mode::Observe, at)
    };
    let eta = parse_values(
        &w.def,
        &BTreeMap::from([("ack_eta".to_string(), json!(t(30).to_string()))]),
        Owner::Receiver,
    )
    .unwrap();
    // Recorded in history with a support engineer as owner, then resolved.
    let resolved = |owner: &str| {
        let mut h = draft(&w, &cs_values(owner));
        let e = h.submit(history(t(1)), &w.ae, Values::new());
        step(&mut h, &w.def, e);
        let e = h.accept(history(t(2)), &w.onb, eta.clone());
        step(&mut h, &w.def, e);
        let e = h.resolve(history(t(3)), &w.onb, "patched".into());
        step(&mut h, &w.def, e);
        h
    };
    let h = resolved("Sam Stone (Support engineer) <receiver@acme.test>");
    let err = h
        .close_loop(live(t(4)), &w.onb, "told them".into())
        .unwrap_err();
    assert!(
        matches!(&err, DomainError::Forbidden(why) if why.contains("team 'cs'")),
        "{err:?}"
    );
    // Named by name only: the CSM of that name closes it, not another CSM.
    let h = resolved("Casey Cole (CSM)");
    let mut other_csm = w.ae.clone();
    other_csm.email = Email::parse("cs2@acme.test").unwrap();
    assert!(
        h.close_loop(live(t(4)), &other_csm, "told them".into())
            .is_err()
    );
    assert!(
        h.close_loop(live(t(4)), &w.ae, "Called the CFO".into())
            .is_ok()
    );
}

/// A valid command of `action` by `who`: what a person would send.
fn run(
    h: &Handoff,
    def: &ContractDef,
    action: Action,
    who: &Actor,
    at: Timestamp,
) -> Result<Event, DomainError> {
    let roster = cs_roster();
    let c = Ctx {
        roster: Some(&roster),
        ..ctx(def, Mode::Observe, at)
    };
    let note = || "told them everything".to_string();
    match action {
        Action::Edit => h.edit(
            c,
            who,
            Values::new(),
            vec![Attachment {
                kind: "note".into(),
                title: "Call notes".into(),
                url: None,
            }],
        ),
        Action::Submit => h.submit(c, who, Values::new()),
        Action::Withdraw => h.withdraw(c, who),
        Action::Accept => {
            let raw: BTreeMap<String, Value> = def
                .receiver_fields()
                .map(|f| (f.key.to_string(), json!(t(300).to_string())))
                .collect();
            h.accept(c, who, parse_values(def, &raw, Owner::Receiver).unwrap())
        }
        Action::Reject => h.reject(
            c,
            who,
            Some(def.reason_codes[0].clone()),
            "the impact is vague".into(),
            vec![],
        ),
        Action::Ack => h.acknowledge(c, who, t(200)),
        Action::Echo => h.echo(c, who, note()),
        Action::Resolve => h.resolve(c, who, note()),
        Action::CloseLoop => h.close_loop(c, who, note()),
        Action::FirstTouch => h.first_touch(c, who, Some("call".into()), None),
        Action::Attest => h.attest(
            c,
            who,
            def.attestation_questions
                .first()
                .cloned()
                .unwrap_or_else(|| "any question".into()),
            "yes, indeed".into(),
        ),
        Action::Rediscovery => {
            let made = crate::Account::upsert(
                h.account.clone(),
                "Acme",
                crate::Money::parse_text("1000 USD").unwrap(),
                None,
                at,
            )
            .unwrap();
            let account = crate::Account::apply(None, &made).unwrap();
            account.record_incident(
                Some((h, def)),
                crate::account::IncidentReport {
                    field: None,
                    note: note(),
                    by: Some(who.email.clone()),
                    at,
                },
                at,
            )
        }
    }
}

/// Handoffs of `key` in each state a page can show, each reached by the
/// people allowed to get it there.
fn every_state(w: &World, raw: &BTreeMap<String, Value>) -> Vec<(&'static str, Handoff)> {
    let mut out = Vec::new();
    let mut h = draft(w, raw);
    out.push(("draft", h.clone()));
    let mut withdrawn = h.clone();
    step(
        &mut withdrawn,
        &w.def,
        run(&h, &w.def, Action::Withdraw, &w.ae, t(1)),
    );
    out.push(("withdrawn", withdrawn));
    let e = run(&h, &w.def, Action::Submit, &w.ae, t(1));
    step(&mut h, &w.def, e);
    out.push(("submitted", h.clone()));
    let mut rejected = h.clone();
    step(
        &mut rejected,
        &w.def,
        run(&h, &w.def, Action::Reject, &w.onb, t(2)),
    );
    out.push(("rejected", rejected));
    let e = run(&h, &w.def, Action::Accept, &w.onb, t(2));
    step(&mut h, &w.def, e);
    out.push(("accepted", h.clone()));
    if w.def.follow_through {
        let e = run(&h, &w.def, Action::Resolve, &w.onb, t(3));
        step(&mut h, &w.def, e);
        out.push(("resolved", h.clone()));
        let e = run(&h, &w.def, Action::CloseLoop, &w.ae, t(4));
        step(&mut h, &w.def, e);
        out.push(("loop closed", h.clone()));
    }
    out
}

#[test]
fn every_offered_action_succeeds_and_every_other_is_refused() {
    let cs_values: BTreeMap<String, Value> = [
        (
            "originating_signal",
            json!("P1 ticket: exports failing for all users"),
        ),
        (
            "impact_statement",
            json!("Finance cannot close the month without exports"),
        ),
        ("echo_cadence", json!("daily")),
        (
            "communication_owner",
            json!("Casey CSM (CSM) <sender@acme.test>"),
        ),
        ("close_loop_window", json!(24)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (key, raw) in [
        ("cs-to-support", cs_values),
        ("ae-to-onboarding", full_values()),
        ("cross-motion", BTreeMap::new()),
    ] {
        let w = world(key);
        let send = w.def.sending_team.to_string();
        let recv = w.def.receiving_teams[0].to_string();
        let mut admin = actor("admin@acme.test", &[]);
        admin.admin = true;
        let mut admin_sender_side = actor("boss@acme.test", &[(send.as_str(), Role::Lead)]);
        admin_sender_side.admin = true;
        let people = [
            ("sender", w.ae.clone()),
            (
                "sender's teammate",
                actor("mate@acme.test", &[(send.as_str(), Role::Member)]),
            ),
            ("receiver", w.onb.clone()),
            (
                "receiving lead",
                actor("lead@acme.test", &[(recv.as_str(), Role::Lead)]),
            ),
            ("outsider", w.outsider.clone()),
            ("admin outside both teams", admin),
            ("admin on the sending side", admin_sender_side),
        ];
        let mut offered_somewhere = BTreeSet::new();
        for (state, h) in every_state(&w, &raw) {
            for (who, person) in &people {
                let roster = cs_roster();
                let c = Ctx {
                    roster: Some(&roster),
                    ..ctx(&w.def, Mode::Observe, t(10))
                };
                let allowed = h.allowed_actions(c, person);
                for a in Action::ALL {
                    let done = run(&h, &w.def, a, person, t(10));
                    assert_eq!(
                        allowed.contains(&a),
                        done.is_ok(),
                        "{key}, {state}, {who}, {a:?}: offered {allowed:?}, command said {done:?}"
                    );
                }
                if *who == "admin outside both teams" {
                    for a in [
                        Action::Accept,
                        Action::Reject,
                        Action::Ack,
                        Action::Echo,
                        Action::Resolve,
                    ] {
                        assert!(!allowed.contains(&a), "{key}, {state}: admin offered {a:?}");
                    }
                }
                offered_somewhere.extend(allowed);
            }
        }
        // The combinations cover more than refusals.
        assert!(offered_somewhere.contains(&Action::Accept), "{key}");
        if w.def.follow_through {
            assert!(offered_somewhere.contains(&Action::CloseLoop), "{key}");
        }
        if !w.def.attestation_questions.is_empty() {
            assert!(offered_somewhere.contains(&Action::Attest), "{key}");
        }
    }
}

fn steps_of(h: &Handoff, def: &ContractDef, a: &Actor, at: Timestamp) -> Vec<Step> {
    h.next_steps(ctx(def, Mode::Gated, at), a)
        .into_iter()
        .map(|s| s.step)
        .collect()
}

#[test]
fn the_queue_follows_a_handoff_from_draft_to_acceptance_and_empties() {
    let w = world("ae-to-onboarding");
    let mut raw = full_values();
    raw.remove("go_live_deadlines");
    let mut h = draft(&w, &raw);
    assert_eq!(steps_of(&h, &w.def, &w.ae, t(0)), vec![Step::Submit]);
    assert!(steps_of(&h, &w.def, &w.onb, t(0)).is_empty());
    // An admin may edit anyone's draft, but it is not their work.
    let admin = Actor {
        admin: true,
        ..w.outsider.clone()
    };
    assert!(steps_of(&h, &w.def, &admin, t(0)).is_empty());
    let e = h.submit(ctx(&w.def, Mode::Observe, t(1)), &w.ae, Values::new());
    step(&mut h, &w.def, e);
    let decide = h.next_steps(ctx(&w.def, Mode::Gated, t(2)), &w.onb);
    assert_eq!(decide.len(), 1);
    assert_eq!(decide[0].step, Step::Decide);
    assert_eq!(decide[0].team, Some(h.to.clone()));
    assert_eq!(
        decide[0].due,
        Some(t(1 + i64::from(w.def.slas.acceptance_hours)))
    );
    assert!(steps_of(&h, &w.def, &w.ae, t(2)).is_empty());
    assert!(steps_of(&h, &w.def, &w.outsider, t(2)).is_empty());
    let e = h.reject(
        ctx(&w.def, Mode::Observe, t(2)),
        &w.onb,
        Some("missing_context".into()),
        "no date".into(),
        vec![],
    );
    step(&mut h, &w.def, e);
    let rework = h.next_steps(ctx(&w.def, Mode::Gated, t(3)), &w.ae);
    assert_eq!(rework.len(), 1);
    assert_eq!(rework[0].step, Step::Rework);
    assert_eq!(rework[0].team, None, "rework is the sender's own");
    // The acceptance deadline still runs from the first submission.
    assert_eq!(rework[0].due, decide[0].due);
    assert!(steps_of(&h, &w.def, &w.onb, t(3)).is_empty());
    let e = h.submit(ctx(&w.def, Mode::Observe, t(4)), &w.ae, Values::new());
    step(&mut h, &w.def, e);
    let e = h.accept(ctx(&w.def, Mode::Observe, t(5)), &w.onb, Values::new());
    step(&mut h, &w.def, e);
    for who in [&w.ae, &w.onb, &w.outsider] {
        assert!(steps_of(&h, &w.def, who, t(6)).is_empty());
    }
}

#[test]
fn follow_through_work_is_queued_for_whoever_owes_it() {
    let w = world("cs-to-support");
    let raw = cs_values("Casey CSM (CSM) <sender@acme.test>");
    let mut h = draft(&w, &raw);
    let roster = cs_roster();
    let c = |at| Ctx {
        roster: Some(&roster),
        ..ctx(&w.def, Mode::Gated, at)
    };
    let e = h.submit(c(t(1)), &w.ae, Values::new());
    step(&mut h, &w.def, e);
    let eta = parse_values(
        &w.def,
        &BTreeMap::from([("ack_eta".to_string(), json!(t(30).to_string()))]),
        Owner::Receiver,
    )
    .unwrap();
    let e = h.accept(c(t(2)), &w.onb, eta);
    step(&mut h, &w.def, e);
    // Acknowledged at acceptance: the receiver owes echoes at the daily
    // cadence and the resolution by the ETA.
    let open = h.next_steps(c(t(3)), &w.onb);
    let kinds: Vec<(Step, Option<Timestamp>)> = open.iter().map(|s| (s.step, s.due)).collect();
    assert_eq!(
        kinds,
        vec![(Step::Echo, Some(t(26))), (Step::Resolve, Some(t(30)))]
    );
    assert!(steps_of(&h, &w.def, &w.ae, t(3)).is_empty());
    let e = h.resolve(c(t(10)), &w.onb, "patched".into());
    step(&mut h, &w.def, e);
    assert!(steps_of(&h, &w.def, &w.onb, t(11)).is_empty());
    let close = h.next_steps(c(t(11)), &w.ae);
    assert_eq!(close.len(), 1);
    assert_eq!(close[0].step, Step::CloseLoop);
    assert_eq!(close[0].due, Some(t(34)), "24 h after the resolution");
    let e = h.close_loop(c(t(12)), &w.ae, "Called the CFO".into());
    step(&mut h, &w.def, e);
    assert!(steps_of(&h, &w.def, &w.ae, t(13)).is_empty());
}

#[test]
fn each_party_owes_its_attestation_until_it_answers() {
    let w = world("cross-motion");
    let mut h = draft(&w, &BTreeMap::new());
    let e = h.submit(ctx(&w.def, Mode::Observe, t(1)), &w.ae, Values::new());
    step(&mut h, &w.def, e);
    let e = h.accept(ctx(&w.def, Mode::Observe, t(2)), &w.onb, Values::new());
    step(&mut h, &w.def, e);
    assert!(steps_of(&h, &w.def, &w.ae, t(3)).contains(&Step::Attest));
    assert!(steps_of(&h, &w.def, &w.onb, t(3)).contains(&Step::Attest));
    assert!(!steps_of(&h, &w.def, &w.outsider, t(3)).contains(&Step::Attest));
    let q = w.def.attestation_questions[0].clone();
    let e = h.attest(ctx(&w.def, Mode::Observe, t(3)), &w.ae, q, "The AE".into());
    step(&mut h, &w.def, e);
    assert!(!steps_of(&h, &w.def, &w.ae, t(4)).contains(&Step::Attest));
    assert!(steps_of(&h, &w.def, &w.onb, t(4)).contains(&Step::Attest));
}

#[test]
fn the_acceptance_clock_runs_from_the_first_submission_to_the_acceptance() {
    let w = world("ae-to-onboarding");
    let mut raw = full_values();
    raw.remove("go_live_deadlines");
    let mut h = draft(&w, &raw);
    assert_eq!(crate::sla::acceptance_clock(&h, &w.def, t(1)), None);
    let e = h.submit(ctx(&w.def, Mode::Observe, t(1)), &w.ae, Values::new());
    step(&mut h, &w.def, e);
    let e = h.reject(
        ctx(&w.def, Mode::Observe, t(2)),
        &w.onb,
        Some("missing_context".into()),
        "no date".into(),
        vec![],
    );
    step(&mut h, &w.def, e);
    let e = h.submit(ctx(&w.def, Mode::Observe, t(40)), &w.ae, Values::new());
    step(&mut h, &w.def, e);
    let sla = w.def.slas.acceptance_hours;
    let waiting = crate::sla::acceptance_clock(&h, &w.def, t(41)).unwrap();
    assert_eq!(waiting.from, t(1), "a resubmission never restarts it");
    assert_eq!(waiting.hours, sla);
    assert_eq!(waiting.elapsed(t(41)), 40 * 3600);
    assert_eq!(waiting.status, crate::sla::SlaStatus::Pending);
    let late = t(2 + i64::from(sla));
    assert_eq!(
        crate::sla::acceptance_clock(&h, &w.def, late)
            .unwrap()
            .status,
        crate::sla::SlaStatus::Breached
    );
    let e = h.accept(ctx(&w.def, Mode::Observe, late), &w.onb, Values::new());
    step(&mut h, &w.def, e);
    let done = crate::sla::acceptance_clock(&h, &w.def, t(500)).unwrap();
    assert_eq!(done.accepted_at, Some(late));
    assert_eq!(done.elapsed(t(500)), i64::from(sla + 1) * 3600, "stopped");
    assert_eq!(done.status, crate::sla::SlaStatus::MetLate);
}
