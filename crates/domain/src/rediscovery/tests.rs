//! The detector on small, readable cases; its precision and recall on the
//! labelled set are measured by `baton eval rediscovery`.

use super::*;

fn answered(contract: &str, values: &[(&str, &str)]) -> Vec<Answered> {
    let def = crate::contract::seed::seeded(contract).unwrap();
    values
        .iter()
        .map(|(k, v)| Answered {
            handoff: HandoffId::parse("H-1").unwrap(),
            contract: def.key.clone(),
            field: def.field(k).unwrap().clone(),
            answer: (*v).to_string(),
        })
        .collect()
}

fn onboarding() -> Vec<Answered> {
    answered(
        "ae-to-onboarding",
        &[
            (
                "economic_buyer",
                "Kari Berg (CFO) signs up to 100000 EUR alone",
            ),
            (
                "success_criteria",
                "Cut manual quote entry from 30 to 8 hours a week by March",
            ),
            (
                "implementation_risks",
                "IT change freeze from mid-December; carrier email formats vary",
            ),
            (
                "go_live_deadlines",
                "Go-live 2027-02-15, before the spring tender round",
            ),
            (
                "competitive_displacement",
                "Replacing Excel rate sheets and their macros",
            ),
        ],
    )
}

#[test]
fn a_re_asked_field_is_suggested_with_its_question() {
    let a = onboarding();
    let got = detect(
        "Kickoff went well. Who signs off on the budget for this? We asked whether there is a change freeze we should plan around.",
        &a,
    );
    let fields: Vec<(&str, &str)> = got
        .iter()
        .map(|s| (s.question.as_str(), a[s.answered].field.key.as_str()))
        .collect();
    assert_eq!(
        fields,
        vec![
            ("Who signs off on the budget for this?", "economic_buyer"),
            (
                "We asked whether there is a change freeze we should plan around.",
                "implementation_risks"
            ),
        ]
    );
    assert!(got.iter().all(|s| s.score >= THRESHOLD));
}

#[test]
fn new_questions_and_small_talk_are_not_suggested() {
    let a = onboarding();
    for q in [
        "Could you send the slides from today?",
        "How was your holiday?",
        "Which SSO provider do you use?",
    ] {
        assert_eq!(detect(q, &a), vec![], "{q}");
    }
    assert_eq!(detect("Who signs?", &[]), vec![]);
}
