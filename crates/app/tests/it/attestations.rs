//! Blind attestation: until a person has answered a question, they do not
//! see anyone else's answer to it (handoff view, timeline); once both have
//! answered, both see both and a disagreement is flagged.

use std::collections::BTreeMap;

use baton_domain::event::Event;
use baton_testkit::{TestApp, on_both_backends};

use crate::draft;

on_both_backends!(the_second_party_does_not_see_the_first_answer_before_answering);

const A: &str = "motion-a1@acme.test";
const B: &str = "motion-b1@acme.test";

async fn answers_seen_by(t: &TestApp, who: &str, id: &baton_domain::HandoffId) -> Vec<String> {
    let v = t.app.handoff(&t.as_user(who), id).await.unwrap();
    v.handoff
        .attestations
        .iter()
        .map(|a| format!("{}: {}", a.by, a.answer))
        .collect()
}

async fn timeline_answers(t: &TestApp, who: &str, id: &baton_domain::HandoffId) -> Vec<String> {
    t.app
        .handoff_events(&t.as_user(who), id)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.event {
            Event::Attested { answer, .. } => Some(answer),
            _ => None,
        })
        .collect()
}

async fn the_second_party_does_not_see_the_first_answer_before_answering(t: TestApp) {
    let h = draft(&t, "cross-motion", "A-1", A, BTreeMap::new()).await;
    let def = t
        .app
        .store()
        .contract(&t.org, &h.contract)
        .await
        .unwrap()
        .unwrap()
        .current;
    let q = def.attestation_questions[0].clone();
    t.app
        .attest(
            &t.as_user(A),
            &h.id,
            q.clone(),
            "Pat Lee, Motion A CSM".into(),
        )
        .await
        .unwrap();
    // A sees their own answer; B, who has not answered, sees nothing of it.
    assert_eq!(
        answers_seen_by(&t, A, &h.id).await,
        [format!("{A}: Pat Lee, Motion A CSM")]
    );
    assert_eq!(answers_seen_by(&t, B, &h.id).await, Vec::<String>::new());
    let sealed = timeline_answers(&t, B, &h.id).await;
    assert_eq!(sealed.len(), 1, "B sees that someone answered");
    assert!(!sealed[0].contains("Pat Lee"), "but not what: {sealed:?}");
    // B answers differently: now both see both, and the disagreement.
    let after = t
        .app
        .attest(&t.as_user(B), &h.id, q.clone(), "Motion B's AE".into())
        .await
        .unwrap();
    assert_eq!(after.handoff.attestations.len(), 2);
    assert_eq!(after.handoff.disagreements().len(), 1);
    for who in [A, B] {
        assert_eq!(answers_seen_by(&t, who, &h.id).await.len(), 2, "{who}");
        let all = timeline_answers(&t, who, &h.id).await;
        assert!(all.iter().any(|a| a.contains("Pat Lee")), "{who}: {all:?}");
    }
    // Someone who cannot answer (no side of the handoff) reads them all.
    assert_eq!(answers_seen_by(&t, "admin@acme.test", &h.id).await.len(), 2);
}
