//! The re-discovery review queue: over HTTP the receiving side sees a
//! suggestion's question next to the answer on record, confirms it (the
//! scorecard counts it) or dismisses it through CSRF-checked forms, while
//! an outsider's decision, a post without the token and another org are
//! refused; in the browser a card is confirmed and leaves the open list,
//! and the page is the screenshot `docs/screenshots/suggestions.png`.

use std::collections::BTreeMap;

use baton_app::handoffs::NewHandoff;
use baton_app::rediscovery::NoteInput;
use baton_domain::rediscovery::{SuggestedIncident, SuggestionStatus};
use baton_domain::{AccountId, ContractKey, HandoffId};
use baton_testkit::TestApp;
use jiff::SignedDuration;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use serde_json::{Value, json};

use super::{PASSWORD, app, open, page, section, session, unescape};
use crate::harness::{self, OTHER_ADMIN, Server};

const AE: &str = "ae1@acme.test";
const RECEIVER: &str = "onboarding1@acme.test";
/// In neither team of the handoff, and not the note's author.
const OUTSIDER: &str = "marketing1@acme.test";

const BUYER: &str = "Dana Ortiz, CFO; signs up to 250k alone";
const GO_LIVE: &str = "Go-live 2026-12-01, before their sales kickoff on 2026-12-08";
/// Re-asks the economic buyer and the go-live date; the SSO question is new.
const KICKOFF: &str = "Kickoff call with the customer. Who signs off on the budget for this? \
    We asked whether there is a hard go-live date we must be live by. \
    Which SSO provider do you use?";
const BUYER_Q: &str = "Who signs off on the budget for this?";

/// An accepted ae-to-onboarding handoff of account `id` named `name`
/// whose economic buyer is `buyer`.
async fn accepted(t: &TestApp, id: &str, name: &str, buyer: &str) -> HandoffId {
    t.account(id, name).await;
    let values: BTreeMap<String, Value> = serde_json::from_value(json!({
        "economic_buyer": buyer,
        "champion_map": "Lee Park (VP Ops) is the champion; the CFO is neutral",
        "commitments": "Verbal: SSO by week 6. Contract: 99.9% uptime.",
        "success_criteria": "Cut rep ramp from 6 to 3 weeks by Q1 2027",
        "implementation_risks": "Messy legacy CRM export; December change freeze",
        "competitive_displacement": "Replacing Legacy Co; custom reports first",
        "go_live_deadlines": GO_LIVE,
        "expansion_hypothesis": "Year 2: the EMEA team, 40 more seats",
    }))
    .unwrap();
    let ae = t.as_user(AE);
    let h = t
        .app
        .start_handoff(
            &ae,
            NewHandoff {
                id: None,
                contract: ContractKey::parse("ae-to-onboarding").unwrap(),
                account: AccountId::parse(id).unwrap(),
                deal: None,
                to: None,
                values,
                attachments: Vec::new(),
            },
        )
        .await
        .unwrap();
    t.app.submit(&ae, &h.id).await.unwrap();
    t.app
        .accept(&t.as_user(RECEIVER), &h.id, BTreeMap::new())
        .await
        .unwrap();
    h.id
}

/// The receiver's note on `account`, an hour on; the suggestions it made.
async fn note(t: &TestApp, account: &str, text: &str) -> Vec<SuggestedIncident> {
    t.clock.advance(SignedDuration::from_hours(1));
    t.app
        .record_note(
            &t.as_user(RECEIVER),
            NoteInput {
                account: AccountId::parse(account).unwrap(),
                text: text.into(),
                author: None,
                team: None,
                at: None,
            },
        )
        .await
        .unwrap()
        .suggestions
}

/// Initech's handoff and the kickoff note's two suggestions (economic
/// buyer, then go-live date).
async fn story(t: &TestApp) -> (HandoffId, Vec<SuggestedIncident>) {
    let h = accepted(t, "A-7", "Initech", BUYER).await;
    let found = note(t, "A-7", KICKOFF).await;
    let fields: Vec<&str> = found.iter().map(|s| s.field.as_str()).collect();
    assert_eq!(
        fields,
        vec!["economic_buyer", "go_live_deadlines"],
        "the set-up expects two suggestions: {found:?}"
    );
    (h, found)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Posts a form; status, where it redirects to, and the body.
async fn post(s: &Server, secret: &str, path: &str, body: &str) -> (u16, String, String) {
    let res = client()
        .post(format!("{}{path}", s.origin))
        .header(COOKIE, format!("baton_session={secret}"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let to = res
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, to, unescape(&res.text().await.unwrap()))
}

/// The session's CSRF token, read off the page as a browser would.
async fn csrf(s: &Server, secret: &str) -> String {
    let (_, html) = page(s, secret, "/suggestions").await;
    html.split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string()
}

/// The card of suggestion `id` in `html`.
fn card<'a>(html: &'a str, id: &str) -> &'a str {
    section(html, &format!("sug-{id}"))
}

/// The status of suggestion `id` as the app has it.
async fn status_of(t: &TestApp, id: &str) -> SuggestionStatus {
    let all = t
        .app
        .suggestions(&t.as_user("admin@acme.test"), None, None, 100)
        .await
        .unwrap();
    all.into_iter().find(|s| s.id == id).unwrap().status
}

/// The label of an ae-to-onboarding field.
async fn label(t: &TestApp, key: &str) -> String {
    let c = t
        .app
        .contract(
            &t.as_user("admin@acme.test"),
            &ContractKey::parse("ae-to-onboarding").unwrap(),
        )
        .await
        .unwrap();
    let f = c.current.fields.iter().find(|f| f.key.as_str() == key);
    f.unwrap().label.clone()
}

#[tokio::test]
async fn the_receiver_reviews_a_suggestion_with_its_evidence_and_confirming_counts_it() {
    let t = TestApp::sqlite().await;
    let (h, found) = story(&t).await;
    let buyer_label = label(&t, "economic_buyer").await;
    assert_ne!(buyer_label, "economic_buyer", "the seed labels its fields");
    let receiver = session(&t, RECEIVER).await;
    let s = harness::start(t).await;
    let (buyer, go_live) = (&found[0].id, &found[1].id);

    let (status, html) = page(&s, &receiver, "/suggestions").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Re-discovery to review"), "{html}");
    assert!(html.contains("href=\"/suggestions\" aria-current=\"page\""));
    let c = card(&html, buyer);
    for want in [
        &format!("“{BUYER_Q}”"),
        "Initech",
        "A-7",
        "onboarding1",
        "2026-10-01 01:00 UTC",
        &buyer_label,
        BUYER,
        &format!("href=\"/handoffs/{h}\""),
        &format!("href=\"/handoffs/{h}/brief\""),
        &format!("match {:.2}", f64::from(found[0].score) / 1000.0),
        "Confirm — they were asked again",
        "Dismiss — new question",
    ] {
        assert!(c.contains(want), "the card lacks {want:?}: {c}");
    }
    assert!(card(&html, go_live).contains(GO_LIVE));
    // Newest first; both came from one note, so the order is the note's.
    assert!(
        html.find(&format!("id=\"sug-{buyer}\"")) < html.find(&format!("id=\"sug-{go_live}\""))
    );

    let before = s.t.rediscovery_incidents("ae-to-onboarding").await;
    let token = csrf(&s, &receiver).await;
    let (status, to, _) = post(
        &s,
        &receiver,
        &format!("/suggestions/{buyer}/confirm"),
        &format!("_csrf={token}&page=2&next=sug-after"),
    )
    .await;
    assert_eq!(status, 303);
    // Back to the page it was on, at the card after it.
    assert_eq!(
        to,
        format!("/suggestions?confirmed={buyer}&page=2#sug-sug-after")
    );
    assert_eq!(status_of(&s.t, buyer).await, SuggestionStatus::Confirmed);
    assert_eq!(
        s.t.rediscovery_incidents("ae-to-onboarding").await,
        before + 1,
        "the confirmed one counts"
    );

    let (status, html) = page(&s, &receiver, &to).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(
            "<p class=\"notice\" role=\"status\" id=\"done\">Confirmed: counts as a re-discovery incident in October 2026</p>"
        ),
        "{html}"
    );
    assert!(
        !html.contains(&format!("id=\"sug-{buyer}\"")),
        "no longer open"
    );
    assert!(html.contains(&format!("id=\"sug-{go_live}\"")));

    // Dismissing: recorded, and nothing more counted.
    let (status, to, _) = post(
        &s,
        &receiver,
        &format!("/suggestions/{go_live}/dismiss"),
        &format!("_csrf={token}"),
    )
    .await;
    assert_eq!(
        (status, to.as_str()),
        (303, &*format!("/suggestions?dismissed={go_live}&page=1"))
    );
    assert_eq!(status_of(&s.t, go_live).await, SuggestionStatus::Dismissed);
    assert_eq!(
        s.t.rediscovery_incidents("ae-to-onboarding").await,
        before + 1
    );
    let (_, html) = page(&s, &receiver, &to).await;
    assert!(html.contains("id=\"done\">Dismissed</p>"), "{html}");
    assert!(html.contains("id=\"sug-empty\""), "the open queue is empty");
    assert!(html.contains("POST /api/v1/signals/notes"), "{html}");

    // The other filters show what was decided, and by whom.
    let (_, html) = page(&s, &receiver, "/suggestions?status=confirmed").await;
    let c = card(&html, buyer);
    assert!(
        c.contains("confirmed by onboarding1@acme.test on 2026-10-01"),
        "{c}"
    );
    assert!(!c.contains("sug-confirm"), "a decided card has no buttons");
    assert!(!html.contains(&format!("id=\"sug-{go_live}\"")));
    let (_, html) = page(&s, &receiver, "/suggestions?status=all").await;
    assert!(card(&html, go_live).contains("dismissed by onboarding1@acme.test"));
    let (status, _) = page(&s, &receiver, "/suggestions?status=maybe").await;
    assert_eq!(status, 422);

    // Deciding again is a conflict, shown on the page, not a failure.
    let (status, _, html) = post(
        &s,
        &receiver,
        &format!("/suggestions/{buyer}/dismiss"),
        &format!("_csrf={token}"),
    )
    .await;
    assert_eq!(status, 409, "{html}");
    assert!(
        html.contains("role=\"alert\" id=\"sug-error\">suggestion '"),
        "{html}"
    );
    assert!(html.contains("already confirmed by onboarding1@acme.test"));
    assert_eq!(status_of(&s.t, buyer).await, SuggestionStatus::Confirmed);
}

#[tokio::test]
async fn an_outsider_a_post_without_the_token_and_another_org_are_refused_and_change_nothing() {
    let t = TestApp::sqlite().await;
    let (_, found) = story(&t).await;
    let receiver = session(&t, RECEIVER).await;
    let outsider = session(&t, OUTSIDER).await;
    let s = harness::start(t).await;
    let id = &found[0].id;
    let before = s.t.rediscovery_incidents("ae-to-onboarding").await;

    // The page carries the same security headers as every other.
    let res = client()
        .get(format!("{}/suggestions", s.origin))
        .header(COOKIE, format!("baton_session={outsider}"))
        .send()
        .await
        .unwrap();
    let h = res.headers();
    assert!(
        h.get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("default-src 'self'")),
        "{h:?}"
    );
    assert_eq!(h.get("x-frame-options").unwrap(), "DENY");

    // Marketing may look, but not decide.
    let (status, html) = page(&s, &outsider, "/suggestions").await;
    assert_eq!(status, 200);
    assert!(html.contains(BUYER_Q));
    let token = csrf(&s, &outsider).await;
    let (status, _, html) = post(
        &s,
        &outsider,
        &format!("/suggestions/{id}/confirm"),
        &format!("_csrf={token}"),
    )
    .await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("id=\"sug-error\""), "{html}");
    assert!(
        html.contains("only the receiving team of handoff"),
        "a sentence, not a code: {html}"
    );
    assert_eq!(status_of(&s.t, id).await, SuggestionStatus::Open);

    // No token, or another session's: refused before anything is decided.
    let theirs = csrf(&s, &outsider).await;
    for body in [String::new(), format!("_csrf={theirs}")] {
        let (status, _, html) =
            post(&s, &receiver, &format!("/suggestions/{id}/confirm"), &body).await;
        assert_eq!(status, 403, "{body:?}: {html}");
        assert!(html.contains("CSRF check failed"), "{html}");
    }
    let (status, _, _) = post(
        &s,
        &receiver,
        "/suggestions/sug-nope/confirm",
        &format!("_csrf={}", csrf(&s, &receiver).await),
    )
    .await;
    assert_eq!(status, 404, "an unknown suggestion");
    assert_eq!(status_of(&s.t, id).await, SuggestionStatus::Open);
    assert_eq!(s.t.rediscovery_incidents("ae-to-onboarding").await, before);

    // Another org sees an empty queue and cannot reach Acme's suggestion.
    s.other_org().await;
    let stranger = s.t.app.login(OTHER_ADMIN, "another horse battery").await;
    let stranger = stranger.unwrap().secret;
    let (status, html) = page(&s, &stranger, "/suggestions?status=all").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"sug-empty\""), "{html}");
    assert!(
        !html.contains(BUYER_Q) && !html.contains("Initech"),
        "{html}"
    );
    let token = csrf(&s, &stranger).await;
    let (status, _, html) = post(
        &s,
        &stranger,
        &format!("/suggestions/{id}/confirm"),
        &format!("_csrf={token}"),
    )
    .await;
    assert_eq!(status, 404, "{html}");
    assert!(!html.contains(BUYER_Q));
    assert_eq!(status_of(&s.t, id).await, SuggestionStatus::Open);
    // A flash for another org's suggestion says nothing.
    let (_, html) = page(&s, &stranger, &format!("/suggestions?confirmed={id}")).await;
    assert!(!html.contains("id=\"done\""), "{html}");
}

#[tokio::test]
async fn the_receiver_confirms_a_card_in_the_browser_and_it_leaves_the_open_list() {
    let Some(t) = app().await else {
        return;
    };
    let (_, found) = story(&t).await;
    // A second account, re-asked later: three cards, newest first.
    let other = "Priya Shah, VP Finance; the board approves above 100k";
    accepted(&t, "A-8", "Globochem", other).await;
    let later = note(
        &t,
        "A-8",
        "Follow-up call. Who signs off on the budget here?",
    )
    .await;
    assert_eq!(later.len(), 1, "{later:?}");
    let (_s, b) = open(t, &[RECEIVER]).await;
    b.login(RECEIVER, PASSWORD).await;
    b.goto("/").await;
    b.click("header nav a[href=\"/suggestions\"]").await;
    b.wait_text("main h1", |t| t == "Re-discovery to review")
        .await;
    assert_eq!(b.count(".sug-card").await, 3);
    let first = b.text(".sug-card").await;
    assert!(
        first.contains("Globochem") && first.contains(other),
        "newest first, with its own answer: {first}"
    );

    let id = &found[0].id;
    let sel = format!("#sug-{id}");
    let text = b.text(&sel).await;
    for want in [
        &format!("“{BUYER_Q}”"),
        "Asked by onboarding1 (onboarding) on 2026-10-01",
        "Initech",
        "Already answered:",
        BUYER,
        "its brief",
        "Confirm — they were asked again",
        "Dismiss — new question",
    ] {
        assert!(text.contains(want), "the card lacks {want:?}: {text}");
    }
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());
    b.screenshot_full("suggestions").await;

    b.click(&format!("{sel} .sug-confirm")).await;
    let done = b.wait_text("#done", |t| t.starts_with("Confirmed")).await;
    assert_eq!(
        done,
        "Confirmed: counts as a re-discovery incident in October 2026"
    );
    assert_eq!(b.count(&sel).await, 0, "gone from the open list");
    assert_eq!(b.count(".sug-card").await, 2);
    // Still on the same page of the queue, at the next card.
    let path = b.path().await;
    assert!(
        path.starts_with(&format!("/suggestions?confirmed={id}&page=1#sug-")),
        "{path}"
    );

    // Nothing dismissed yet: the empty state says how notes come in.
    b.click("#sug-filter-dismissed").await;
    let empty = b.wait_text("#sug-empty", |t| !t.is_empty()).await;
    assert!(empty.contains("POST /api/v1/signals/notes"), "{empty}");
    assert!(empty.contains("history import"), "{empty}");
    b.screenshot("suggestions-empty").await;
}

#[tokio::test]
async fn an_admin_sees_the_detectors_figures_on_the_orgs_decisions_and_a_member_does_not() {
    let t = TestApp::sqlite().await;
    let (_, found) = story(&t).await;
    let receiver = t.as_user(RECEIVER);
    t.app
        .decide_suggestion(&receiver, &found[0].id, true)
        .await
        .unwrap();
    t.app
        .decide_suggestion(&receiver, &found[1].id, false)
        .await
        .unwrap();
    let (member, admin) = (
        session(&t, RECEIVER).await,
        session(&t, "admin@acme.test").await,
    );
    let s = harness::start(t).await;
    let (status, html) = page(&s, &admin, "/suggestions").await;
    assert_eq!(status, 200, "{html}");
    let panel = section(&html, "sug-quality");
    for want in [
        "Precision 0.50: 1 of 2 decided suggestions were confirmed (0 still open).",
        "Found 1 of the 1 re-discovery incidents on record (1.00); 0 were reported by hand.",
        "This is not recall",
        "1 confirmed question (their paraphrases now match), 1 dismissed",
        "thresholds: all at the default (default 0.50",
    ] {
        assert!(panel.contains(want), "the panel lacks {want:?}: {panel}");
    }
    let (status, html) = page(&s, &member, "/suggestions").await;
    assert_eq!(status, 200);
    assert!(!html.contains("sug-quality"), "{html}");
}
