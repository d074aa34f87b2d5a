//! A tour of every page over the demo org (the same generator `baton serve
//! --demo` uses): each page renders populated, and its screenshot is the
//! one `docs/screenshots/` shows.

use baton_app::Caller;
use baton_app::org::NewOrg;
use baton_demo::{DEMO_ACCOUNTS, DEMO_MONTHS, DEMO_SEED, DemoSpec, generate};
use baton_domain::event::Via;
use baton_testkit::{TestApp, TestDb, email};

use super::PASSWORD;
use crate::browser::{self, Browser};
use crate::harness;

pub(super) const ADMIN: &str = "admin@demo.test";
pub(super) const RECEIVER: &str = "onboarding1@demo.test";

/// The demo org as `serve --demo` makes it, with history up to the test clock.
pub(super) async fn demo() -> TestApp {
    let (app, clock, db) = TestApp::empty(TestDb::sqlite().await);
    let org = app
        .init_org(
            NewOrg {
                name: "Demo".into(),
                admin_email: email(ADMIN),
                admin_name: "Demo Admin".into(),
                admin_password: PASSWORD.into(),
            },
            Via::Cli,
        )
        .await
        .unwrap();
    let spec = DemoSpec {
        accounts: DEMO_ACCOUNTS,
        months: DEMO_MONTHS,
        seed: DEMO_SEED,
        end: app.now(),
    };
    let mut bytes = Vec::new();
    generate(&spec, &mut bytes).unwrap();
    app.import_events(Some(org.clone()), bytes.as_slice())
        .await
        .unwrap();
    let admin = Caller::new(org.clone(), email(ADMIN), Via::Cli);
    app.set_password(&admin, &email(RECEIVER), PASSWORD)
        .await
        .unwrap();
    TestApp {
        app,
        clock,
        org,
        db,
    }
}

#[tokio::test]
async fn every_page_renders_the_demo_org_populated() {
    if !browser::available() {
        return;
    }
    let s = harness::start(demo().await).await;
    let b = Browser::start(&s).await;

    // A receiver's inbox has handoffs waiting, oldest first.
    b.login(RECEIVER, PASSWORD).await;
    let rows = b.find_all("main table.rows tbody tr").await;
    assert!(!rows.is_empty(), "the demo inbox is empty");
    b.screenshot("inbox").await;
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new(), "inbox");
    b.click("main table.rows tbody tr a").await;
    b.wait_text("#accept", |t| t.contains("Accept")).await;
    b.screenshot_full("handoff-receiver").await;
    assert_eq!(
        b.unlabeled_controls().await,
        Vec::<String>::new(),
        "handoff page"
    );
    b.logout().await;

    b.login(ADMIN, PASSWORD).await;
    b.goto("/handoffs").await;
    assert!(!b.find_all("main table.rows tbody tr").await.is_empty());
    b.screenshot("handoffs").await;
    assert_eq!(
        b.unlabeled_controls().await,
        Vec::<String>::new(),
        "handoffs"
    );
    b.goto("/handoffs/new").await;
    assert_eq!(
        b.unlabeled_controls().await,
        Vec::<String>::new(),
        "new handoff"
    );
    for (path, shot) in PAGES {
        b.goto(path).await;
        let h1 = b.text("main h1").await;
        assert!(!h1.is_empty(), "{path}: no heading");
        assert_eq!(b.unlabeled_controls().await, Vec::<String>::new(), "{path}");
        b.screenshot_full(&format!("tour-{shot}")).await;
    }
}

/// The pages an admin tours, with their screenshot names.
const PAGES: &[(&str, &str)] = &[
    ("/contracts", "contracts"),
    ("/contracts/ae-to-onboarding", "contract"),
    ("/contracts/ae-to-onboarding/edit", "contract-edit"),
    ("/scorecard", "scorecard"),
    ("/leak-audit", "leak-audit"),
    ("/audits", "audits"),
    ("/rollout", "rollout"),
    ("/incentives?period=2026-09", "incentives"),
    ("/webhooks", "webhooks"),
    ("/settings/notifications", "notifications"),
    ("/mail", "mail"),
    ("/users", "people"),
    ("/users/ae1@acme.test", "person"),
];
