//! People in a browser: an admin changes someone's teams, deactivates a
//! leaver (whose session ends at once and whose open handoff is listed)
//! and lets them back in; a member only reads.

use super::{PASSWORD, app, open};

const ADMIN: &str = "admin@acme.test";
const LEAVER: &str = "ae1@acme.test";

#[tokio::test]
async fn an_admin_changes_teams_deactivates_and_reactivates_a_person() {
    let Some(t) = app().await else {
        return;
    };
    t.account("A-1", "Northwind").await;
    let h = t
        .app
        .start_handoff(
            &t.as_user(LEAVER),
            baton_app::handoffs::NewHandoff {
                id: None,
                contract: baton_domain::ContractKey::parse("ae-to-onboarding").unwrap(),
                account: baton_domain::AccountId::parse("A-1").unwrap(),
                deal: None,
                to: None,
                values: Default::default(),
                attachments: vec![],
            },
        )
        .await
        .unwrap();
    let (s, b) = open(t, &[LEAVER]).await;
    let leaver_session = s.t.app.login(LEAVER, PASSWORD).await.unwrap().secret;

    b.login(ADMIN, PASSWORD).await;
    b.click("header nav a[href='/users']").await;
    b.wait_text("main h1", |t| t == "People").await;
    let row = b.text(&format!("#people tr[data-email='{LEAVER}']")).await;
    assert!(row.contains("ae") && row.contains("Active"), "{row}");
    b.click(&format!("#people tr[data-email='{LEAVER}'] a"))
        .await;
    b.wait_text("main h1", |t| t == "ae1").await;
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());
    b.execute("document.querySelector('#team-ae').value = '';")
        .await;
    b.execute("document.querySelector('#team-cs').value = 'lead';")
        .await;
    b.click("#teams button[type=submit]").await;
    b.wait_text("#done", |t| t.contains("Teams saved")).await;
    assert_eq!(b.property("#team-cs", "value").await, "lead");
    assert_eq!(b.property("#team-ae", "value").await, "");
    let actor = s.t.app.actor(&s.t.as_user(LEAVER)).await.unwrap();
    assert!(actor.leads(&baton_domain::TeamKey::parse("cs").unwrap()));

    b.click("#deactivate button[type=submit]").await;
    assert!(b.confirm().await.starts_with("Deactivate"));
    b.wait_text("#done", |t| t.contains("Deactivated")).await;
    let open_list = b.text("#open").await;
    assert!(open_list.contains(&h.id.to_string()), "{open_list}");
    assert!(
        s.t.app
            .session_caller(&leaver_session)
            .await
            .unwrap()
            .is_none(),
        "their session ended at once"
    );
    b.screenshot_full("person").await;

    b.click("#reactivate button[type=submit]").await;
    b.wait_text("#done", |t| t.contains("Active again")).await;
    assert!(s.t.app.login(LEAVER, PASSWORD).await.is_ok());

    b.goto("/users").await;
    b.wait_text("main h1", |t| t == "People").await;
    b.screenshot_full("people").await;

    // A member reads the list and a person, and gets no forms.
    b.logout().await;
    b.login(LEAVER, PASSWORD).await;
    b.goto(&format!("/users/{LEAVER}")).await;
    b.wait_text("main h1", |t| t == "ae1").await;
    assert_eq!(b.count("form#teams").await, 0);
    assert_eq!(b.count("form#deactivate").await, 0);
}

#[tokio::test]
async fn an_admin_adds_someone_who_chooses_a_password_through_the_link() {
    let Some(t) = app().await else {
        return;
    };
    let (s, b) = super::open_with(t, &[], |app, origin| app.with_public_url(origin)).await;
    b.login(ADMIN, PASSWORD).await;
    b.goto("/users").await;
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());
    b.fill("#new-email", "newbie@acme.test").await;
    b.fill("#new-name", "New Bie").await;
    b.execute("document.querySelector('#new-team').value = 'cs';")
        .await;
    b.click("#add-person button[type=submit]").await;
    let done = b.wait_text("#done", |t| t.contains("one-time link")).await;
    let link = done
        .split_whitespace()
        .find(|w| w.contains("/welcome/"))
        .unwrap()
        .to_string();
    assert!(b.text("#who").await.contains("newbie@acme.test"));
    b.screenshot_full("person-invited").await;
    b.logout().await;

    let path = link.trim_start_matches(&s.origin);
    b.goto(path).await;
    b.wait_text("main", |t| t.contains("Welcome")).await;
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());
    // Long enough for the browser, refused by the policy: said why.
    b.fill("#password", "aaaaaaaaaaaa").await;
    b.click("#welcome button[type=submit]").await;
    let e = b.wait_text("#welcome-error", |t| !t.is_empty()).await;
    assert!(e.contains("different"), "{e}");
    b.fill("#password", "a long enough passphrase 42").await;
    b.click("#welcome button[type=submit]").await;
    b.wait_text("header .who", |t| t.contains("New Bie")).await;
    // Once only.
    b.logout().await;
    b.goto(path).await;
    let e = b.wait_text("#welcome-error", |t| !t.is_empty()).await;
    assert!(e.contains("already used"), "{e}");
}

/// The people list finds someone by part of their name, email or team.
#[tokio::test]
async fn the_people_list_finds_by_name_email_or_team() {
    let t = baton_testkit::TestApp::sqlite().await;
    let cookie = super::session(&t, "ae1@acme.test").await;
    let s = crate::harness::start(t).await;
    let (status, all) = super::page(&s, &cookie, "/users").await;
    assert_eq!(status, 200);
    let everyone = all.matches("<tr data-email=").count();
    assert!(everyone > 5, "{everyone}");
    for (q, who) in [
        ("ONBOARDING-LEAD", "onboarding-lead@acme.test"),
        ("support", "support1@acme.test"),
    ] {
        let (_, html) = super::page(&s, &cookie, &format!("/users?q={q}")).await;
        let shown = html.matches("<tr data-email=").count();
        assert!(shown >= 1 && shown < everyone, "{q}: {shown}");
        assert!(html.contains(&format!("data-email=\"{who}\"")), "{q}");
        assert!(!html.contains("data-email=\"ae1@acme.test\""), "{q}");
        assert!(html.contains(&format!("of {everyone} people match")), "{q}");
    }
}
