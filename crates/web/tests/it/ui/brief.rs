//! The printable brief of a handoff: over HTTP it shows the values, what was
//! carried, why a field does not count, the attachments and what changed
//! since the account's previous handoff, and hides what the handoff page
//! hides; in the browser it renders, prints through its button, and is the
//! screenshot `docs/screenshots/handoff-brief.png`.

use std::collections::BTreeMap;

use baton_app::accounts::AccountInput;
use baton_app::handoffs::NewHandoff;
use baton_domain::field::FieldRef;
use baton_domain::handoff::Attachment;
use baton_domain::{AccountId, ContractKey, Currency, FieldKey, HandoffId, Money};
use baton_testkit::TestApp;
use jiff::SignedDuration;
use serde_json::{Value, json};

use super::{PASSWORD, app, open, page, section, session, unescape};
use crate::harness::{self, OTHER_ADMIN};

const SDR: &str = "sdr1@acme.test";
const AE: &str = "ae1@acme.test";
const RECEIVER: &str = "onboarding1@acme.test";
/// In neither team of the ae-to-onboarding handoff.
const OUTSIDER: &str = "cs1@acme.test";

const COMPETITORS: &str = "Legacy Co in place; Acme Cloud ruled out on price";
const TIMELINE: &str = "Wants reps ramped before the Q1 sales kickoff";
const GO_LIVE: &str = "Go-live 2026-12-01, before their sales kickoff on 2026-12-08";
const COMMITMENTS: &str = "Verbal: SSO by week 6. Contract: 99.9% uptime, no side letter.";
const RECORDING: &str = "https://calls.example.test/initech-discovery";

fn values(v: Value) -> BTreeMap<String, Value> {
    serde_json::from_value(v).unwrap()
}

/// An account with an accepted sdr-to-ae handoff, then a submitted
/// ae-to-onboarding one that carries two of its values, changes a third,
/// leaves a placeholder and names the champion by role only; returns the
/// latter's id.
async fn story(t: &TestApp) -> HandoffId {
    let admin = t.as_user("admin@acme.test");
    let account = AccountId::parse("A-7").unwrap();
    t.app
        .upsert_account(
            &admin,
            AccountInput {
                id: account.clone(),
                name: "Initech".into(),
                arr: Money {
                    minor: 9_600_000,
                    currency: Currency::parse("USD").unwrap(),
                },
                segment: Some("mid-market".into()),
            },
        )
        .await
        .unwrap();
    // The onboarding lead has the AE handoff start from what the SDR learned.
    let sdr_key = ContractKey::parse("sdr-to-ae").unwrap();
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    let mut def = t.app.contract(&admin, &key).await.unwrap().current;
    for (field, from) in [
        ("economic_buyer", "budget_signal"),
        ("competitive_displacement", "competitive_set"),
        ("go_live_deadlines", "timeline_trigger"),
    ] {
        let f = def.fields.iter_mut().find(|f| f.key.as_str() == field);
        f.unwrap().carried_from = Some(FieldRef {
            contract: sdr_key.clone(),
            field: FieldKey::parse(from).unwrap(),
        });
    }
    t.app.publish_contract(&admin, def).await.unwrap();

    // The SDR's handoff, accepted by the AE; no budget signal was found.
    let sdr = t.as_user(SDR);
    let first = t
        .app
        .start_handoff(
            &sdr,
            NewHandoff {
                id: None,
                contract: sdr_key,
                account: account.clone(),
                deal: None,
                to: None,
                values: values(json!({
                    "confirmed_pain": "Reps take six weeks to ramp; managers coach by hand",
                    "current_stack": "Spreadsheets and a wiki nobody trusts",
                    "timeline_trigger": TIMELINE,
                    "competitive_set": COMPETITORS,
                })),
                attachments: Vec::new(),
            },
        )
        .await
        .unwrap();
    t.app.submit(&sdr, &first.id).await.unwrap();
    let ae = t.as_user(AE);
    t.app.accept(&ae, &first.id, BTreeMap::new()).await.unwrap();
    t.clock.advance(SignedDuration::from_hours(24 * 30));

    // The AE's handoff: two values carried, the timeline made precise.
    let h = t
        .app
        .start_handoff(
            &ae,
            NewHandoff {
                id: None,
                contract: key,
                account,
                deal: None,
                to: None,
                values: values(json!({
                    "economic_buyer": "Dana Ortiz, CFO; signs up to 250k alone",
                    "champion_map": "The VP Ops is a strong champion; the CFO is neutral",
                    "commitments": COMMITMENTS,
                    "success_criteria": "Cut rep ramp from 6 to 3 weeks by Q1 2027",
                    "implementation_risks": "Messy legacy CRM export; December change freeze",
                    "expansion_hypothesis": "TBD",
                })),
                attachments: Vec::new(),
            },
        )
        .await
        .unwrap();
    assert!(
        h.carried
            .contains(&FieldKey::parse("go_live_deadlines").unwrap()),
        "the set-up expects the timeline carried before it is changed"
    );
    t.app
        .edit_handoff(
            &ae,
            &h.id,
            values(json!({ "go_live_deadlines": GO_LIVE })),
            vec![Attachment {
                kind: "recording".into(),
                title: "Discovery call with Lee Park".into(),
                url: Some(RECORDING.into()),
            }],
        )
        .await
        .unwrap();
    t.clock.advance(SignedDuration::from_hours(2));
    t.app.submit(&ae, &h.id).await.unwrap();
    h.id
}

#[tokio::test]
async fn the_brief_shows_values_marks_attachments_and_changes_and_hides_what_the_page_hides() {
    let t = TestApp::sqlite().await;
    let id = story(&t).await;
    let receiver = session(&t, RECEIVER).await;
    let outsider = session(&t, OUTSIDER).await;
    let s = harness::start(t).await;
    let path = format!("/handoffs/{id}/brief");

    let (status, html) = page(&s, &receiver, &path).await;
    assert_eq!(status, 200, "{html}");
    let html = unescape(&html);
    let facts = section(&html, "brief-facts");
    assert!(html.contains("<h1 id=\"brief-h\">Initech</h1>"), "{html}");
    for want in ["ARR 96,000", "mid-market", AE, "onboarding", "submitted"] {
        assert!(facts.contains(want), "the header lacks {want:?}: {facts}");
    }
    assert!(html.contains("AE → Onboarding"), "the contract title");
    assert!(
        html.contains("<strong id=\"brief-score\">88</strong>"),
        "7 of 8 count"
    );

    // Every field with its value and marks.
    let fields = section(&html, "brief-fields");
    for want in [GO_LIVE, COMPETITORS, COMMITMENTS, "Dana Ortiz, CFO"] {
        assert!(fields.contains(want), "{want:?} not on the brief");
    }
    let row = |key: &str| {
        let start = fields.find(&format!("id=\"brief-{key}\"")).unwrap();
        let rest = &fields[start..];
        rest[..rest.find("</tr>").unwrap()].to_string()
    };
    assert!(
        row("competitive_displacement").contains("carried from sdr-to-ae"),
        "{}",
        row("competitive_displacement")
    );
    assert!(
        !row("go_live_deadlines").contains("carried from"),
        "a changed value is no longer carried: {}",
        row("go_live_deadlines")
    );
    assert!(
        row("expansion_hypothesis").contains("does not count: 'TBD' is a placeholder"),
        "{}",
        row("expansion_hypothesis")
    );
    assert!(!row("economic_buyer").contains("does not count"));
    // The specificity hint, in its own cell: a role is not a name.
    let hint = |key: &str| {
        let r = row(key);
        r[r.find("class=\"brief-hint\"").unwrap()..].to_string()
    };
    assert!(
        hint("champion_map").contains("no name"),
        "{}",
        row("champion_map")
    );
    assert!(
        !hint("economic_buyer").contains("no name"),
        "Dana Ortiz is a name"
    );
    assert!(!hint("go_live_deadlines").contains("no date"));

    let attachments = section(&html, "brief-attachments");
    for want in ["recording", "Discovery call with Lee Park", RECORDING] {
        assert!(attachments.contains(want), "{want:?}: {attachments}");
    }

    // Compared with the SDR's accepted handoff, field by counterpart.
    let changes = section(&html, "brief-changes");
    assert!(changes.contains("SDR → AE"), "{changes}");
    assert!(changes.contains("accepted"), "{changes}");
    let label = |k: &str| {
        fields[fields.find(&format!("id=\"brief-{k}\"")).unwrap()..]
            .split("<th scope=\"row\">")
            .nth(1)
            .and_then(|r| r.split('<').next())
            .unwrap()
            .to_string()
    };
    for (key, what) in [
        ("competitive_displacement", "same as before".to_string()),
        ("go_live_deadlines", format!("changed (was: {TIMELINE})")),
        ("economic_buyer", "new".to_string()),
    ] {
        let line = format!("<strong>{}</strong>: {what}</li>", label(key));
        assert!(changes.contains(&line), "{line:?} not in {changes}");
    }
    assert!(
        !changes.contains(&label("commitments")),
        "no counterpart, not listed"
    );

    // Someone outside both teams sees the brief without the sensitive value,
    // exactly as on the handoff page.
    let (status, html) = page(&s, &outsider, &path).await;
    assert_eq!(status, 200);
    let html = unescape(&html);
    assert!(!html.contains(COMMITMENTS), "a sensitive value leaked");
    assert!(html.contains("Hidden: sensitive"));
    assert!(html.contains(GO_LIVE), "the other values are still there");
    let (_, show) = page(&s, &outsider, &format!("/handoffs/{id}")).await;
    assert!(!unescape(&show).contains(COMMITMENTS));
}

#[tokio::test]
async fn an_unknown_handoff_or_another_orgs_has_no_brief() {
    let t = TestApp::sqlite().await;
    let id = story(&t).await;
    let receiver = session(&t, RECEIVER).await;
    let s = harness::start(t).await;
    let other = s.other_org().await;
    let stranger = s.t.app.login(OTHER_ADMIN, "another horse battery").await;
    let stranger = stranger.unwrap();
    assert_eq!(stranger.caller.org, other);

    let (status, _) = page(&s, &receiver, "/handoffs/nope/brief").await;
    assert_eq!(status, 404);
    let unknown = uuid::Uuid::now_v7();
    let (status, _) = page(&s, &receiver, &format!("/handoffs/{unknown}/brief")).await;
    assert_eq!(status, 404);
    let (status, html) = page(&s, &stranger.secret, &format!("/handoffs/{id}/brief")).await;
    assert_eq!(status, 404, "another org's handoff");
    assert!(!html.contains("Initech"), "{html}");
    // The receiver's own org still has it: the 404 is about the org.
    let (status, _) = page(&s, &receiver, &format!("/handoffs/{id}/brief")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_receiver_opens_the_brief_from_the_handoff_page_and_prints_it() {
    let Some(t) = app().await else {
        return;
    };
    let id = story(&t).await;
    let (_s, b) = open(t, &[RECEIVER]).await;
    b.login(RECEIVER, PASSWORD).await;
    b.goto(&format!("/handoffs/{id}")).await;
    b.click("#brief-link").await;
    b.wait_text("main h1", |t| t == "Initech").await;
    assert_eq!(b.path().await, format!("/handoffs/{id}/brief"));

    let facts = b.text("#brief-facts").await;
    assert!(facts.contains("ARR 96,000"), "{facts}");
    let carried = b.text("#brief-competitive_displacement").await;
    assert!(carried.contains("carried from sdr-to-ae"), "{carried}");
    let tbd = b.text("#brief-expansion_hypothesis").await;
    assert!(
        tbd.contains("does not count: 'TBD' is a placeholder"),
        "{tbd}"
    );
    let champion = b.text("#brief-champion_map .brief-hint").await;
    assert!(champion.contains("no name"), "{champion}");
    let changes = b.text("#brief-changes").await;
    assert!(
        changes.contains(&format!("changed (was: {TIMELINE})")),
        "{changes}"
    );
    assert!(changes.contains("same as before"), "{changes}");
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());

    // The Print button prints (the dialog itself is the browser's).
    b.execute("window.print = () => { document.body.dataset.printed = 'yes'; }")
        .await;
    b.click("#print-brief").await;
    assert_eq!(
        b.execute("return document.body.dataset.printed || 'no'")
            .await,
        json!("yes")
    );
    b.screenshot_full("handoff-brief").await;
}
