//! The contract pages: the receiving team's lead edits, previews, publishes
//! and compares versions and switches the mode; a sender sees no pen,
//! proposes a change, and is refused when posting to the editor anyway.

use serde_json::json;

use std::time::{Duration, Instant};

use super::{PASSWORD, app, open};
use crate::browser::Browser;
use crate::harness::Server;

const KEY: &str = "ae-to-onboarding";
const LEAD: &str = "onboarding-lead@acme.test";
const AE: &str = "ae1@acme.test";
const NEW_HELP: &str = "Name the champion and every sponsor, how firmly each one backs the rollout, \
                        and who could block it.";

/// Waits until the browser is at a path satisfying `ok` (after a click that
/// navigates): waiting on an element's text could read the page being left.
async fn wait_path(b: &Browser, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let p = b.path().await;
        if ok(&p) {
            return p;
        }
        assert!(Instant::now() < deadline, "still at {p}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The contract's published versions, through the JSON API.
async fn versions(s: &Server) -> Vec<serde_json::Value> {
    s.as_(LEAD)
        .await
        .get(&format!("/contracts/{KEY}/versions"))
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .clone()
}

async fn mode(s: &Server) -> String {
    s.as_(LEAD)
        .await
        .get(&format!("/contracts/{KEY}"))
        .await
        .expect(200)["mode"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn the_receiving_lead_edits_publishes_a_version_compares_it_and_switches_the_mode() {
    let Some(t) = app().await else { return };
    let (s, b) = open(t, &[LEAD]).await;
    b.login(LEAD, PASSWORD).await;

    b.goto("/contracts").await;
    assert_eq!(b.text("main h1").await, "Contracts");
    assert_eq!(b.find_all("table.c-list tbody tr").await.len(), 6);
    let row = b.text(&format!("#contract-{KEY}")).await;
    for part in [
        "AE → Onboarding",
        "ae → onboarding",
        "v1",
        "commission",
        "8 of 8",
    ] {
        assert!(row.contains(part), "{part} in {row:?}");
    }
    assert!(row.to_lowercase().contains("observe"), "{row}");
    b.screenshot("contracts-list").await;

    b.click(&format!("#contract-{KEY} a")).await;
    wait_path(&b, |p| p == format!("/contracts/{KEY}")).await;
    assert_eq!(b.text("main h1").await, "AE → Onboarding");
    assert!(b.text("#current-version").await.contains("version 1"));
    let guidance = b.text(".c-guidance").await;
    assert!(
        guidance.contains("Closed-Won deals") && guidance.contains("HOW CONTEXT LEAKS"),
        "{guidance}"
    );
    let champion = b.text("#field-champion_map").await;
    assert!(champion.contains("required"), "{champion}");
    assert!(b.text("#field-commitments").await.contains("sensitive"));
    let proposals = b.text("#proposals").await;
    assert!(
        !proposals.contains("Propose a change")
            && proposals.contains("Proposals come from the sending team (ae)"),
        "the pen holder answers proposals, the sender makes them: {proposals}"
    );

    // Bad input is shown again with the input named; nothing is published.
    b.click("#edit-link").await;
    wait_path(&b, |p| p.ends_with("/edit")).await;
    b.wait_text("main h1", |t| t.contains("draft of version 2"))
        .await;
    b.fill("#new-key", "economic_buyer").await;
    b.fill("#new-label", "Economic buyer, again").await;
    b.click("#publish-button").await;
    assert!(b.confirm().await.contains("Publish version 2?"));
    wait_path(&b, |p| p.ends_with("/publish")).await;
    let err = b.wait_text("#edit-error", |t| !t.is_empty()).await;
    assert!(
        err.contains("'economic_buyer' is already a field")
            && err.contains("Nothing was published"),
        "{err}"
    );
    assert_eq!(
        b.attribute("#new-key", "aria-invalid").await.as_deref(),
        Some("true")
    );
    assert_eq!(
        b.property("#new-label", "value").await,
        json!("Economic buyer, again"),
        "the form keeps what was typed"
    );
    assert_eq!(versions(&s).await.len(), 1);

    // A help text and a required flag, previewed then published.
    b.goto(&format!("/contracts/{KEY}/edit")).await;
    b.fill("#f-champion_map-help", NEW_HELP).await;
    b.click("#f-champion_map-required").await;
    b.click("#preview-button").await;
    wait_path(&b, |p| p.ends_with("/publish")).await;
    let preview = b.wait_text("#preview", |t| !t.is_empty()).await;
    assert!(
        preview.contains("help changed") && preview.contains("required changed"),
        "{preview}"
    );
    assert_eq!(b.find_all("#preview table.c-diff tbody tr").await.len(), 2);
    assert_eq!(
        b.property("#f-champion_map-required", "checked").await,
        json!(false)
    );
    assert_eq!(versions(&s).await.len(), 1, "a preview publishes nothing");
    b.screenshot("contract-edit").await;
    b.screenshot_full("contract-edit-full").await;

    b.click("#publish-button").await;
    b.confirm().await;
    wait_path(&b, |p| p.contains("?published=2")).await;
    let notice = b.wait_text("#notice", |t| !t.is_empty()).await;
    assert!(notice.contains("Version 2 is published"), "{notice}");
    assert!(b.text("#current-version").await.contains("version 2"));
    let champion = b.text("#field-champion_map").await;
    assert!(
        champion.contains(NEW_HELP) && champion.contains("optional"),
        "{champion}"
    );
    let history = b.text("#history").await;
    assert!(
        history.contains("v2") && history.contains(LEAD) && history.contains("admin@acme.test"),
        "{history}"
    );
    let published = versions(&s).await;
    assert_eq!(published.len(), 2);
    assert_eq!(published[1]["published_by"], json!(LEAD));
    b.screenshot("contract").await;
    b.screenshot_full("contract-full").await;

    // The diff shows exactly that change.
    b.click("#version-2 a").await;
    wait_path(&b, |p| p.contains("/diff")).await;
    b.wait_text("main h1", |t| t.contains("version 1 → version 2"))
        .await;
    assert_eq!(b.path().await, format!("/contracts/{KEY}/diff?from=1&to=2"));
    let rows = b.find_all("table.c-diff tbody tr").await;
    assert_eq!(rows.len(), 2);
    let help = b.text_of(&rows[0]).await;
    assert!(
        help.contains("champion_map") && help.contains("help changed") && help.contains(NEW_HELP),
        "{help}"
    );
    assert!(
        help.contains("The champion and sponsors, how firmly"),
        "{help}"
    );
    let required = b.text_of(&rows[1]).await;
    assert!(
        required.contains("required changed")
            && required.contains("yes")
            && required.contains("no"),
        "{required}"
    );
    b.screenshot("contract-diff").await;
    b.goto(&format!("/contracts/{KEY}/diff")).await;
    assert_eq!(
        b.text("#diff-count").await,
        "2",
        "previous vs current by default"
    );
    b.goto(&format!("/contracts/{KEY}/diff?from=1&to=9")).await;
    let missing = b.text("#main").await;
    assert!(missing.contains("has versions 1 to 2"), "{missing}");

    // Gated and back (the rollout walked to the field spec first: the
    // mode follows the plan).
    s.t.ready_to_gate(KEY).await;
    b.goto(&format!("/contracts/{KEY}")).await;
    b.click("#mode-switch").await;
    assert!(b.confirm().await.contains("to gated?"));
    wait_path(&b, |p| p.contains("?mode=gated")).await;
    b.wait_text("#mode-badge", |t| t.to_lowercase() == "gated")
        .await;
    assert!(b.text("#notice").await.contains("now gated"));
    assert_eq!(mode(&s).await, "gated");
    b.screenshot("contract-gated").await;
    b.click("#mode-switch").await;
    b.confirm().await;
    wait_path(&b, |p| p.contains("?mode=observe")).await;
    b.wait_text("#mode-badge", |t| t.to_lowercase() == "observe")
        .await;
    assert!(
        b.text("#mode-text")
            .await
            .contains("Every submission is recorded")
    );
    assert_eq!(mode(&s).await, "observe");
}

/// `application/x-www-form-urlencoded` of `pairs`.
fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let enc = |s: &str| {
                s.bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                            char::from(b).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect::<String>()
            };
            format!("{}={}", enc(k), enc(v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn a_sender_has_no_pen_proposes_a_change_and_is_refused_when_publishing() {
    let Some(t) = app().await else { return };
    let (s, b) = open(t, &[AE]).await;
    b.login(AE, PASSWORD).await;

    b.goto(&format!("/contracts/{KEY}")).await;
    b.wait_text("main h1", |t| t == "AE → Onboarding").await;
    let text = b.page_text().await;
    for control in [
        "Edit and publish",
        "Switch to gated",
        "Switch back to observe",
    ] {
        assert!(!text.contains(control), "an AE sees {control:?}");
    }
    assert!(
        b.text("#mode")
            .await
            .contains("Only a lead of onboarding or an admin switches the mode"),
        "the mode is shown as text"
    );

    // A malformed key is named; what was typed stays.
    let summary = "Onboarding keeps asking us how the customer buys: add the procurement path.";
    b.fill("#p-summary", summary).await;
    b.click("#propose-form details summary").await;
    b.fill("#p-key", "Procurement Path").await;
    b.fill("#p-label", "Procurement path").await;
    b.click("#p-type option[value=\"text\"]").await;
    b.click("#propose-form button[type=submit]").await;
    wait_path(&b, |p| p.ends_with("/proposals")).await;
    let err = b.wait_text("#propose-error", |t| !t.is_empty()).await;
    assert!(
        err.contains("Field key") && err.contains("'Procurement Path'"),
        "{err}"
    );
    assert_eq!(b.property("#p-summary", "value").await, json!(summary));
    assert_eq!(
        b.attribute("#p-key", "aria-invalid").await.as_deref(),
        Some("true")
    );

    b.fill("#p-key", "procurement_path").await;
    b.click("#propose-form button[type=submit]").await;
    wait_path(&b, |p| p.contains("?proposed=1")).await;
    let notice = b.wait_text("#notice", |t| !t.is_empty()).await;
    assert!(notice.contains("Your proposal is recorded"), "{notice}");
    let listed = b.text("#proposals").await;
    assert!(
        listed.contains(summary)
            && listed.contains(AE)
            && listed.contains("against v1")
            && listed
                .contains("procurement_path: Procurement path (text, required, filled by sender)"),
        "{listed}"
    );
    let recorded = s
        .as_(AE)
        .await
        .get(&format!("/contracts/{KEY}/proposals"))
        .await;
    assert_eq!(recorded.expect(200).as_array().unwrap().len(), 1);
    b.screenshot("contract-sender").await;

    // The editor is refused in the browser…
    b.goto(&format!("/contracts/{KEY}/edit")).await;
    let refusal = b.text("#main").await;
    assert!(
        refusal.contains("Not allowed") && refusal.contains("Only a lead of the receiving team"),
        "{refusal}"
    );

    // …and a hand-made post with the AE's own session and CSRF token too.
    let session = s.t.app.login(AE, PASSWORD).await.unwrap();
    let cookie = format!("baton_session={}", session.secret);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let page = http
        .get(format!("{}/contracts/{KEY}", s.origin))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"csrf-token\" content=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let post = |path: &'static str, pairs: Vec<(&'static str, &'static str)>| {
        let (http, cookie, csrf, origin) =
            (http.clone(), cookie.clone(), csrf.clone(), s.origin.clone());
        async move {
            let mut all = vec![("_csrf", csrf.as_str())];
            all.extend(pairs);
            let res = http
                .post(format!("{origin}/contracts/{KEY}/{path}"))
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form_body(&all))
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.text().await.unwrap())
        }
    };
    let (status, body) = post(
        "publish",
        vec![
            ("base_version", "1"),
            ("leak_mode", "Rewritten by the sender."),
            ("action", "publish"),
        ],
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("Only a lead of the receiving team"), "{body}");
    let (status, _) = post("mode", vec![("mode", "gated")]).await;
    assert_eq!(status, 403);
    assert_eq!(versions(&s).await.len(), 1, "nothing was published");
    assert_eq!(mode(&s).await, "observe");
}

#[tokio::test]
async fn the_receiving_lead_answers_a_proposal_with_a_reason_the_sender_reads() {
    let Some(t) = app().await else { return };
    let key = baton_domain::ContractKey::parse(KEY).unwrap();
    let p = t
        .app
        .propose_change(
            &t.as_user(AE),
            &key,
            "Add the customer's procurement path",
            vec![],
        )
        .await
        .unwrap();
    let (s, b) = open(t, &[LEAD, AE]).await;
    b.login(LEAD, PASSWORD).await;
    // It waits in the lead's queue, and the queue leads to it.
    b.goto("/").await;
    let queued = b.text("#work-proposals").await;
    assert!(
        queued.contains("Proposals to answer")
            && queued.contains("Add the customer's procurement path"),
        "{queued}"
    );
    b.click("#work-proposals a").await;
    wait_path(&b, |p| p.starts_with(&format!("/contracts/{KEY}"))).await;
    let item = format!("#proposal-{}", p.id);
    let open_item = b.text(&item).await;
    assert!(
        open_item.contains("open") && open_item.contains("Decline"),
        "{open_item}"
    );
    assert!(b.axe().await.is_empty(), "{:?}", b.axe().await);

    // A reason of spaces passes the browser's `required` check; the
    // server refuses it beside the proposal.
    b.fill(&format!("#reason-{}", p.id), "   ").await;
    b.click(&format!("{item} button[value=decline]")).await;
    wait_path(&b, |p| p.ends_with("/answer")).await;
    let err = b
        .wait_text(&format!("#answer-error-{}", p.id), |t| !t.is_empty())
        .await;
    assert!(err.contains("say why"), "{err}");
    b.fill(
        &format!("#reason-{}", p.id),
        "The deal desk note already names it",
    )
    .await;
    b.click(&format!("{item} button[value=decline]")).await;
    wait_path(&b, |p| p.contains("?answered=declined")).await;
    let notice = b.wait_text("#notice", |t| !t.is_empty()).await;
    assert!(notice.contains("You declined the proposal"), "{notice}");
    let answered = b.text(&item).await;
    assert!(
        answered.contains("declined")
            && answered.contains("Declined by onboarding-lead@acme.test")
            && answered.contains("The deal desk note already names it")
            && !answered.contains("Accept"),
        "{answered}"
    );

    // An id that cannot be a proposal's is "not found", as problem+json.
    for bad in ["-1", "x", "99999999999999999999999"] {
        let r = s
            .as_(LEAD)
            .await
            .post(
                &format!("/contracts/{KEY}/proposals/{bad}/answer"),
                json!({"accepted": true, "reason": "because"}),
            )
            .await;
        assert_eq!(r.expect(404)["status"], json!(404), "{bad}");
        assert_eq!(
            r.headers["content-type"].to_str().ok(),
            Some("application/problem+json"),
            "{bad}"
        );
    }
    let queue = s.as_(LEAD).await.get("/queue").await;
    assert_eq!(
        queue.expect(200)["proposals"],
        json!([]),
        "answered work leaves the queue"
    );

    // The sender reads the answer, through the page and the API.
    b.logout().await;
    b.login(AE, PASSWORD).await;
    b.goto(&format!("/contracts/{KEY}#proposals")).await;
    let read = b.text(&item).await;
    assert!(
        read.contains("The deal desk note already names it"),
        "{read}"
    );
    let listed = s
        .as_(AE)
        .await
        .get(&format!("/contracts/{KEY}/proposals"))
        .await;
    let listed = listed.expect(200);
    assert_eq!(listed[0]["answer"]["accepted"], json!(false));
    assert_eq!(
        listed[0]["answer"]["reason"],
        json!("The deal desk note already names it")
    );
}
