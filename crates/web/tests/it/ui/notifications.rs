//! Notifications in a browser: a member sets how each kind reaches them (an
//! unknown time zone is named and nothing is saved), and an admin reads the
//! mail log with the SMTP server's refusal.

use baton_app::mail::MailConfig;
use baton_testkit::smtp::SmtpServer;

use super::{PASSWORD, app, open};

const ADMIN: &str = "admin@acme.test";
const MEMBER: &str = "onboarding1@acme.test";

#[tokio::test]
async fn a_member_sets_preferences_and_an_admin_sees_a_refused_mail() {
    let Some(mut t) = app().await else {
        return;
    };
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    t.app = t
        .app
        .clone()
        .with_mail(&MailConfig {
            smtp_url: smtp.url(),
            from: "baton@acme.test".into(),
        })
        .unwrap();
    let admin = t.as_user(ADMIN);
    t.app
        .add_user(
            &admin,
            baton_app::org::NewUser {
                email: baton_testkit::email("nobody@acme.test"),
                name: "No Body".into(),
                password: None,
                teams: vec![(
                    baton_domain::TeamKey::parse("onboarding").unwrap(),
                    baton_domain::Role::Member,
                )],
                admin: false,
            },
        )
        .await
        .unwrap();
    t.account("A-1", "Northwind").await;
    let h = t
        .app
        .start_handoff(
            &t.as_user("ae1@acme.test"),
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
    t.app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap();
    let round = t.app.send_mail().await.unwrap();
    assert_eq!((round.sent, round.dead), (3, 1));

    let (s, b) = open(t, &[MEMBER]).await;
    b.login(MEMBER, PASSWORD).await;
    b.click("header .who a[href='/settings/notifications']")
        .await;
    b.wait_text("main h1", |t| t == "Notifications").await;
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());
    assert_eq!(
        b.property("#kind-submitted", "value").await,
        "immediate",
        "everything comes at once until chosen otherwise"
    );
    b.execute("document.querySelector('#kind-submitted').value = 'digest';")
        .await;
    b.execute("document.querySelector('#digest_hour').value = '9';")
        .await;
    b.fill("#time_zone", "Mars/Olympus_Mons").await;
    b.click("#prefs button[type=submit]").await;
    let e = b.wait_text("#prefs-error", |t| !t.is_empty()).await;
    assert!(e.contains("Mars/Olympus_Mons"), "{e}");
    assert_eq!(
        b.property("#kind-submitted", "value").await,
        "digest",
        "what was chosen is still on the form"
    );
    let caller = s.t.as_user(MEMBER);
    assert_eq!(
        s.t.app.notification_preferences(&caller).await.unwrap(),
        Default::default(),
        "nothing saved"
    );
    b.fill("#time_zone", "Europe/Paris").await;
    b.click("#prefs button[type=submit]").await;
    b.wait_text("#done", |t| t.contains("saved")).await;
    assert_eq!(b.property("#kind-submitted", "value").await, "digest");
    assert_eq!(b.property("#digest_hour", "value").await, "9");
    let saved = s.t.app.notification_preferences(&caller).await.unwrap();
    assert_eq!(
        (saved.digest_hour, saved.time_zone.as_str()),
        (9, "Europe/Paris")
    );
    b.screenshot_full("notifications").await;

    // Only admins have the mail log.
    b.goto("/mail").await;
    assert!(b.page_text().await.contains("admin"), "refused, saying why");
    b.goto("/").await;
    b.logout().await;
    b.login(ADMIN, PASSWORD).await;
    b.click("header nav a[href='/mail']").await;
    b.wait_text("main h1", |t| t == "Mail").await;
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());
    let dead = b.text("#mails tr[data-status=dead]").await;
    assert!(
        dead.contains("nobody@acme.test") && dead.contains("User unknown"),
        "{dead}"
    );
    assert_eq!(b.count("#mails tr[data-status=sent]").await, 3);
    b.execute("document.querySelector('#status').value = 'dead';")
        .await;
    b.click("#mail-filter button[type=submit]").await;
    b.wait_text("#mails", |t| !t.contains("onboarding1")).await;
    assert_eq!(b.count("#mails tbody tr").await, 1);
    b.screenshot_full("mail").await;
    drop(smtp);
}
