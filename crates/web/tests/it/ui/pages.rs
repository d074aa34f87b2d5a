//! Every page of the demo org, as an admin and as a receiver sees it: no
//! serious or critical accessibility violation by axe-core (WCAG 2.1 A and
//! AA), and nothing wider than a 390 px phone screen.

use super::PASSWORD;
use super::tour::{ADMIN, RECEIVER, demo};
use crate::browser::{self, Browser};
use crate::harness;

/// The pages an admin visits: every page of the UI.
const ADMIN_PAGES: &[&str] = &[
    "/",
    "/handoffs",
    "/handoffs/new",
    "/contracts",
    "/contracts/ae-to-onboarding",
    "/contracts/ae-to-onboarding/edit",
    "/contracts/ae-to-onboarding/diff?from=1&to=1",
    "/scorecard",
    "/scorecard/cell?contract=ae-to-onboarding&metric=completion_rate&period=2026-09",
    "/leak-audit",
    "/audits",
    "/rollout",
    "/incentives?period=2026-09",
    "/suggestions",
    "/webhooks",
    "/crm",
    "/currency",
    "/surveys",
    "/mail",
    "/users",
    "/users/ae1@demo.test",
    "/settings/notifications",
    "/settings/tokens",
    "/settings/sign-in",
    "/handoffs/H-does-not-exist",
];

/// What is wrong with the page now: axe's serious and critical findings,
/// then, at phone width, any horizontal overflow.
async fn problems(b: &Browser, path: &str) -> Vec<String> {
    let mut out: Vec<String> = b
        .axe()
        .await
        .into_iter()
        .map(|v| format!("{path}: {v}"))
        .collect();
    // baton.js marks the page when it ran to its end: a script error stops
    // it before.
    let script = b
        .execute(
            "return document.querySelector('script[src=\"/assets/baton.js\"]') \
             ? (document.documentElement.dataset.script || 'stopped') : 'ready'",
        )
        .await;
    if script != serde_json::json!("ready") {
        out.push(format!("{path}: baton.js did not run to its end"));
    }
    b.viewport(390, 844).await;
    // The viewport change reflows the page; read its width after a frame.
    let widths = b
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth, \
             [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 3).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)]",
        )
        .await;
    let (scroll, inner) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
    if scroll > inner {
        out.push(format!(
            "{path}: {scroll} px wide on a {inner} px phone screen ({})",
            widths[2]
        ));
    }
    b.viewport(1366, 768).await;
    out
}

#[tokio::test]
async fn every_page_passes_axe_and_fits_a_phone() {
    if !browser::available() {
        return;
    }
    let t = demo().await;
    let open_suggestions = t
        .app
        .suggestions_page(
            &t.as_user(ADMIN),
            Some(baton_domain::rediscovery::SuggestionStatus::Open),
            0,
            1,
        )
        .await
        .unwrap()
        .1;
    assert!(
        open_suggestions > 100,
        "the demo has more than a page of them"
    );
    let s = harness::start(t).await;
    let b = Browser::start(&s).await;
    let mut found = Vec::new();
    b.goto("/login").await;
    found.extend(problems(&b, "/login").await);

    b.login(ADMIN, PASSWORD).await;
    for path in ADMIN_PAGES {
        b.goto(path).await;
        found.extend(problems(&b, path).await);
    }
    // The review queue counts every open suggestion, not the page's.
    b.goto("/suggestions").await;
    let count = b.text("#sug-count").await;
    assert!(
        count.starts_with(&format!("{open_suggestions} open suggestions"))
            && count.contains("page 1 of"),
        "{count}"
    );
    // An error page says what happened in words, with the navigation.
    b.goto("/handoffs/H-does-not-exist").await;
    assert_eq!(b.text("main h1").await, "Not found");
    assert!(b.text("#error-message").await.contains("H-does-not-exist"));
    assert_eq!(b.count("header nav a[href=\"/handoffs\"]").await, 1);
    b.logout().await;

    // A receiver's inbox, a handoff waiting for their decision, its brief.
    b.login(RECEIVER, PASSWORD).await;
    found.extend(problems(&b, "/ (receiver)").await);
    b.click("main table.rows tbody tr a").await;
    b.wait_text("#accept", |t| t.contains("Accept")).await;
    let page = b.path().await;
    found.extend(problems(&b, &page).await);
    let id = page
        .trim_start_matches("/handoffs/")
        .split('#')
        .next()
        .unwrap_or_default()
        .to_string();
    b.goto(&format!("/handoffs/{id}/brief")).await;
    found.extend(problems(&b, "brief").await);

    // What a phone shows (the README's phone screenshots): the decision
    // first on the handoff page, the queue and lists as cards.
    b.viewport(390, 844).await;
    let top_of_page = format!("/handoffs/{id}");
    for (path, shot) in [
        (top_of_page.as_str(), "phone-handoff"),
        ("/", "phone-inbox"),
        ("/handoffs", "phone-handoffs"),
        ("/scorecard", "phone-scorecard"),
    ] {
        b.goto(path).await;
        b.screenshot(shot).await;
    }
    b.goto(&top_of_page).await;
    let decision = b
        .execute("return document.querySelector('#accept').getBoundingClientRect().bottom")
        .await;
    assert!(
        decision.as_f64().unwrap_or(f64::MAX) <= 844.0,
        "the decision is on the first screen of a phone: {decision}"
    );
    b.viewport(1366, 768).await;
    assert!(found.is_empty(), "{}", found.join("\n"));
}
