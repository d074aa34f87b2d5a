//! Finding things: the handoff list searches by account name or id, filters,
//! sorts, pages and downloads what it found as CSV; the new-handoff form
//! finds the account by its name.

use std::collections::BTreeMap;

use baton_testkit::TestApp;

use super::{PASSWORD, app, open, page, session};

const AE: &str = "ae1@acme.test";

async fn draft(t: &TestApp, account_id: &str) {
    t.draft(AE, "ae-to-onboarding", account_id, BTreeMap::new())
        .await;
}

#[tokio::test]
async fn the_list_finds_by_account_name_sorts_pages_and_downloads_csv() {
    let Some(t) = app().await else {
        return;
    };
    for (id, name) in [
        ("A-1", "Initech"),
        ("A-2", "Globex"),
        ("A-3", "Globex Asia"),
        ("A-4", "Umbrella"),
    ] {
        t.account(id, name).await;
        draft(&t, id).await;
    }
    for i in 0..51 {
        let id = format!("A-{}", 100 + i);
        t.account(&id, &format!("Filler {i:02}")).await;
        draft(&t, &id).await;
    }
    let cookie = session(&t, AE).await;
    let (s, b) = open(t, &[AE]).await;
    b.login(AE, PASSWORD).await;

    // By name, any case, part of it.
    b.goto("/handoffs").await;
    assert_eq!(b.text("#found-count").await, "55");
    b.fill("#f-q", "gLoBeX").await;
    b.click("#find button[type=submit]").await;
    b.wait_text("#found-count", |t| t == "2").await;
    b.click("nav.sorts a[href$=\"sort=account\"]").await;
    b.wait_text("nav.sorts strong", |t| t == "Account").await;
    let first = b
        .text("table.rows tbody tr:first-child td:first-child")
        .await;
    assert!(
        first.starts_with("Globex") && !first.contains("Asia"),
        "{first}"
    );
    let csv_href = b.attribute("#csv-link", "href").await.unwrap();
    assert_eq!(csv_href, "/handoffs.csv?q=gLoBeX&sort=account");
    let (status, csv) = page(&s, &cookie, &csv_href).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("handoff,account_id,account,"), "{csv}");
    assert!(lines[1].contains(",A-2,Globex,"), "{csv}");
    assert!(lines[2].contains(",A-3,Globex Asia,"), "{csv}");

    // By id, and an unknown state is refused in words.
    b.goto("/handoffs?q=a-4").await;
    assert_eq!(b.text("#found-count").await, "1");
    let (status, html) = page(&s, &cookie, "/handoffs?state=lost").await;
    assert_eq!(status, 422);
    assert!(html.contains("unknown state 'lost'"), "{html}");

    // Pages of 50.
    b.goto("/handoffs?sort=oldest").await;
    assert_eq!(b.count("table.rows tbody tr").await, 50);
    assert!(b.text("nav.pager").await.contains("Page 1 of 2"));
    b.click("nav.pager a[rel=next]").await;
    b.wait_text("nav.pager span", |t| t == "Page 2 of 2").await;
    assert_eq!(b.count("table.rows tbody tr").await, 5);
    b.screenshot("handoffs-found").await;
}

#[tokio::test]
async fn the_new_handoff_form_finds_the_account_by_name() {
    let Some(t) = app().await else {
        return;
    };
    t.account("A-7", "Umbrella Corporation").await;
    t.account("A-8", "Initech").await;
    let (_s, b) = open(t, &[AE]).await;
    b.login(AE, PASSWORD).await;
    b.goto("/handoffs/new").await;
    b.fill("#account", "umbrel").await;
    // The picker's suggestions arrive as the name is typed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let offered = b
            .execute("return [...document.querySelectorAll('#accounts option')].map(o => o.value)")
            .await;
        if offered == serde_json::json!(["Umbrella Corporation (A-7)"]) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "offered {offered}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // A name typed in full, in any case, is that account.
    b.fill("#account", "initech").await;
    b.click("#new-handoff button[type=submit]").await;
    b.wait_text("main h1", |t| t.starts_with("Initech")).await;
    assert!(b.text("main h1").await.contains("A-8"));
}
