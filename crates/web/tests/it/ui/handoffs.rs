//! The handoff story in the browser: a sender fills an ae-to-onboarding
//! handoff and watches the meter rise, the gate says what is missing, the
//! receiver rejects with a reason, the sender reworks, the receiver accepts,
//! and the timeline tells all of it.

use baton_app::Caller;
use baton_domain::ContractKey;
use baton_domain::event::Via;
use baton_testkit::email;

use super::{PASSWORD, app, open};
use crate::browser::Browser;

const SENDER: &str = "ae1@acme.test";
const RECEIVER: &str = "onboarding1@acme.test";

/// The ae-to-onboarding values a good AE writes.
pub(super) const VALUES: &[(&str, &str)] = &[
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
];

async fn score(b: &Browser, want: &str) {
    b.wait_text("#meter-score", |t| t == want).await;
}

#[tokio::test]
async fn a_handoff_goes_from_draft_through_rejection_and_rework_to_acceptance() {
    let Some(t) = app().await else {
        return;
    };
    let admin = Caller::new(t.org.clone(), email("admin@acme.test"), Via::Cli);
    t.account("A-1", "Initech").await;
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    t.gate("ae-to-onboarding").await;
    let def = t.app.contract(&admin, &key).await.unwrap().current;
    let label = |k: &str| def.field(k).unwrap().label.clone();
    let (s, b) = open(t, &[SENDER, RECEIVER]).await;

    // The sender starts a draft.
    b.login(SENDER, PASSWORD).await;
    b.goto("/handoffs/new").await;
    b.click("#contract option[value=\"ae-to-onboarding\"]")
        .await;
    b.fill("#account", "A-1").await;
    b.click("#new-handoff button[type=submit]").await;
    b.wait_text("main h1", |t| t.starts_with("Initech")).await;
    let edit = b.path().await;
    assert!(edit.ends_with("/edit"), "{edit}");
    let id = edit
        .trim_start_matches("/handoffs/")
        .trim_end_matches("/edit")
        .to_string();
    assert!(b.text(".guidance").await.contains("Where context leaks"));
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());

    // Empty: 0, and the gated submit button names every field.
    score(&b, "0").await;
    let button = b.text("#submit").await;
    assert!(
        button.starts_with("Cannot submit yet — missing:"),
        "{button}"
    );
    for (k, _) in VALUES {
        assert!(button.contains(&label(k)), "{button} lacks {k}");
    }
    assert_eq!(
        b.property("#submit", "disabled").await,
        serde_json::json!(true)
    );

    // The meter rises as the sender types; a placeholder does not count.
    b.fill("#f-economic_buyer", VALUES[0].1).await;
    score(&b, "13").await;
    b.fill("#f-champion_map", "TBD").await;
    b.wait_text("#status-champion_map", |t| t.contains("placeholder"))
        .await;
    score(&b, "13").await;
    for (i, (k, v)) in VALUES.iter().enumerate().skip(1).take(6) {
        b.fill(&format!("#f-{k}"), v).await;
        let want = ((200 * (i + 1) + 8) / 16).to_string();
        score(&b, &want).await;
    }
    assert_eq!(b.text("#status-economic_buyer").await, "✓ counts");

    // One answer pasted into another box does not count, and says so.
    b.fill("#f-success_criteria", VALUES[2].1).await;
    b.wait_text("#status-success_criteria", |t| {
        t.contains("repeats") && t.contains(&label("commitments"))
    })
    .await;
    b.fill("#f-success_criteria", VALUES[3].1).await;
    b.wait_text("#status-success_criteria", |t| t == "✓ counts")
        .await;
    // A deadline without a date counts, with a hint beside the field.
    b.fill("#f-go_live_deadlines", "As soon as their new team is hired")
        .await;
    b.wait_text("#hint-go_live_deadlines", |t| t.contains("no date"))
        .await;
    assert_eq!(b.text("#status-go_live_deadlines").await, "✓ counts");
    b.fill("#f-expansion_hypothesis", "TBD").await;
    b.wait_text("#status-expansion_hypothesis", |t| {
        t.contains("'TBD' is a placeholder")
    })
    .await;
    b.screenshot_full("handoff-form-hints").await;
    b.fill("#f-expansion_hypothesis", "").await;
    b.wait_text("#status-expansion_hypothesis", |t| t.contains("no value"))
        .await;
    b.fill("#f-go_live_deadlines", VALUES[6].1).await;
    b.wait_text("#hint-go_live_deadlines", str::is_empty).await;
    b.wait_text("#status-go_live_deadlines", |t| t == "✓ counts")
        .await;

    // Gated: one field short, the button says exactly which.
    let last = label("expansion_hypothesis");
    let want = format!("Cannot submit yet — missing: {last}");
    b.wait_text("#submit", |t| t == want).await;
    b.screenshot_full("handoff-form").await;

    // Forcing the post anyway: the gate refuses, names the field, the draft
    // keeps what was typed.
    b.execute("document.getElementById('submit').disabled = false")
        .await;
    b.click("#submit").await;
    let refusal = b.text("#form-error").await;
    assert!(refusal.contains("not submitted"), "{refusal}");
    assert!(refusal.contains("expansion_hypothesis"), "{refusal}");
    assert_eq!(
        b.property("#f-success_criteria", "value").await,
        serde_json::json!(VALUES[3].1)
    );
    assert_eq!(b.text("#state").await, "draft");

    // Complete, with a recording attached: submit.
    b.fill("#f-expansion_hypothesis", VALUES[7].1).await;
    score(&b, "100").await;
    b.wait_text("#submit", |t| t == "Submit handoff").await;
    b.fill("#att-title", "Discovery call recording").await;
    b.fill("#att-url", "https://calls.example/rec/42").await;
    b.click("#submit").await;
    b.wait_text("#state", |t| t == "submitted").await;
    assert_eq!(b.path().await, format!("/handoffs/{id}"));
    assert!(
        b.text(".attachments")
            .await
            .contains("Discovery call recording")
    );
    b.logout().await;

    // The receiver finds it in the inbox and rejects it with a reason.
    b.login(RECEIVER, PASSWORD).await;
    let inbox = b.text("main").await;
    assert!(inbox.contains("Initech"), "{inbox}");
    assert!(inbox.contains(SENDER), "{inbox}");
    b.click(&format!("a[href=\"/handoffs/{id}\"]")).await;
    b.click("#reject-code option[value=\"missing_context\"]")
        .await;
    b.fill(
        "#reject-reason",
        "Which SSO provider? The commitment has no date.",
    )
    .await;
    b.click("#reject-form input[value=\"commitments\"]").await;
    b.click("#reject").await;
    b.wait_text("#state", |t| t == "rejected").await;
    b.logout().await;

    // The sender sees why, reworks and resubmits.
    b.login(SENDER, PASSWORD).await;
    b.goto(&format!("/handoffs/{id}")).await;
    let why = b.text("#rework").await;
    assert!(why.contains("Which SSO provider?"), "{why}");
    assert!(why.contains(&label("commitments")), "{why}");
    b.click("#rework-link").await;
    score(&b, "100").await;
    b.type_more("#f-commitments", " Okta SSO live by 2026-11-15.")
        .await;
    b.click("#submit").await;
    b.wait_text("#state", |t| t == "submitted").await;
    b.logout().await;

    // The receiver accepts: the gate opens.
    b.login(RECEIVER, PASSWORD).await;
    b.goto(&format!("/handoffs/{id}")).await;
    b.click("#accept").await;
    b.wait_text("#state", |t| t == "accepted").await;

    // The timeline tells the whole story, in order.
    let timeline = b.text("#timeline").await;
    let timeline = timeline.split_whitespace().collect::<Vec<_>>().join(" ");
    let story = [
        "ae1@acme.test started the draft",
        "ae1@acme.test edited the handoff",
        "ae1@acme.test submitted to onboarding at score 100",
        "onboarding1@acme.test rejected for rework (Missing context)",
        "Reason: Which SSO provider? The commitment has no date.",
        "ae1@acme.test edited the handoff",
        "Okta SSO live by 2026-11-15",
        "ae1@acme.test submitted to onboarding at score 100",
        "onboarding1@acme.test accepted — the gate opened",
    ];
    let mut from = 0;
    for line in story {
        let at = timeline[from..].find(line).unwrap_or_else(|| {
            panic!("timeline lacks {line:?} after position {from}:\n{timeline}")
        });
        from += at + line.len();
    }
    b.screenshot_full("handoff-page").await;

    // The same through the API: accepted, the event count matches.
    let api = s.as_(RECEIVER).await;
    let h = api.get(&format!("/handoffs/{id}")).await;
    assert_eq!(h.expect(200)["state"], "accepted");
    let events = api.get(&format!("/handoffs/{id}/events")).await;
    // Draft, two saves, submit, reject, rework save, submit, accept: the
    // refused submission recorded nothing.
    assert_eq!(
        events.expect(200).as_array().map(Vec::len),
        Some(8),
        "{}",
        events.text
    );
}
