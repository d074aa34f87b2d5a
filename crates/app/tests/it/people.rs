//! People over time (issue 19): an admin changes someone's teams and roles,
//! deactivates a leaver (every session and token ends at once, history and
//! open handoffs stay) and lets them back in; the same decisions refuse
//! what must not happen, live and in an import.

use baton_testkit::complete_values;
use std::collections::BTreeMap;

use baton_app::AppError;
use baton_domain::{DomainError, Role, TeamKey};
use baton_testkit::{ADMIN_PASSWORD, TestApp, email, on_both_backends};

use crate::draft;

on_both_backends!(
    an_admin_sets_someones_teams_and_roles_as_events,
    a_deactivated_leaver_is_out_at_once_and_back_when_reactivated,
    nobody_deactivates_themselves_or_the_last_admin,
    a_deactivated_person_gets_no_mail_notice,
    history_replays_people_changes_through_the_same_rules,
    an_invitation_mails_a_one_time_link_that_sets_the_password_and_signs_in,
    a_reset_link_replaces_the_password_once_and_without_smtp_is_handed_to_the_admin,
);

fn team(s: &str) -> TeamKey {
    TeamKey::parse(s).unwrap()
}

async fn kinds_of_org_log(t: &TestApp) -> Vec<String> {
    t.app
        .store()
        .stream_events(&t.org, "org")
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event.kind().to_string())
        .collect()
}

async fn an_admin_sets_someones_teams_and_roles_as_events(t: TestApp) {
    let admin = t.as_user("admin@acme.test");
    let who = email("ae1@acme.test");
    let before = kinds_of_org_log(&t).await.len();
    t.app
        .set_teams(
            &admin,
            &who,
            BTreeMap::from([(team("cs"), Role::Lead), (team("ae"), Role::Member)]),
        )
        .await
        .unwrap();
    let dir = t.app.directory(&admin).await.unwrap();
    assert_eq!(
        dir.users[&who].teams,
        BTreeMap::from([(team("ae"), Role::Member), (team("cs"), Role::Lead)])
    );
    assert_eq!(&kinds_of_org_log(&t).await[before..], ["member_added"]);
    // Leaving a team is an event too; the same teams again change nothing.
    t.app
        .set_teams(&admin, &who, BTreeMap::from([(team("cs"), Role::Lead)]))
        .await
        .unwrap();
    t.app
        .set_teams(&admin, &who, BTreeMap::from([(team("cs"), Role::Lead)]))
        .await
        .unwrap();
    assert_eq!(
        &kinds_of_org_log(&t).await[before..],
        ["member_added", "member_removed"]
    );
    // The new lead may now act as one: the callers' cache was invalidated.
    let actor = t.app.actor(&t.as_user("ae1@acme.test")).await.unwrap();
    assert!(actor.leads(&team("cs")) && !actor.in_team(&team("ae")));
    // Only admins; only teams that exist.
    let e = t
        .app
        .set_teams(&t.as_user("cs-lead@acme.test"), &who, BTreeMap::new())
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::Domain(DomainError::Forbidden(_))),
        "{e:?}"
    );
    let e = t
        .app
        .set_teams(
            &admin,
            &who,
            BTreeMap::from([(team("finance"), Role::Member)]),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("'finance'"), "{e}");
    let e = t
        .app
        .set_teams(&admin, &email("ghost@acme.test"), BTreeMap::new())
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::NotFound(_)), "{e:?}");
}

async fn a_deactivated_leaver_is_out_at_once_and_back_when_reactivated(t: TestApp) {
    let admin = t.as_user("admin@acme.test");
    let who = email("ae1@acme.test");
    t.app
        .set_password(&admin, &who, ADMIN_PASSWORD)
        .await
        .unwrap();
    let session = t.app.login("ae1@acme.test", ADMIN_PASSWORD).await.unwrap();
    let (_, token) = t
        .app
        .create_scoped_token(&t.as_user("ae1@acme.test"), "laptop", false)
        .await
        .unwrap();
    assert!(
        t.app
            .session_caller(&session.secret)
            .await
            .unwrap()
            .is_some()
    );
    assert!(t.app.token_caller(&token).await.unwrap().is_some());
    let open = draft(
        &t,
        "ae-to-onboarding",
        "A-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;

    let done = t.app.deactivate_user(&admin, &who).await.unwrap();
    let ids: Vec<String> = done
        .open_handoffs
        .iter()
        .map(|h| h.id.to_string())
        .collect();
    assert_eq!(
        ids,
        [open.id.to_string()],
        "their work in flight, to hand on"
    );
    assert!(
        t.app
            .session_caller(&session.secret)
            .await
            .unwrap()
            .is_none()
    );
    assert!(t.app.token_caller(&token).await.unwrap().is_none());
    assert!(matches!(
        t.app.login("ae1@acme.test", ADMIN_PASSWORD).await,
        Err(AppError::Unauthenticated(_))
    ));
    let e = t.app.actor(&t.as_user("ae1@acme.test")).await.unwrap_err();
    assert!(matches!(e, AppError::Unauthenticated(_)), "{e:?}");
    // History stays theirs.
    let dir = t.app.directory(&admin).await.unwrap();
    assert!(!dir.users[&who].active);
    assert!(
        t.app
            .store()
            .handoff(&t.org, &open.id)
            .await
            .unwrap()
            .is_some()
    );

    t.app.reactivate_user(&admin, &who).await.unwrap();
    assert!(t.app.login("ae1@acme.test", ADMIN_PASSWORD).await.is_ok());
    assert!(
        t.app.token_caller(&token).await.unwrap().is_none(),
        "a revoked token stays revoked"
    );
    let e = t
        .app
        .reactivate_user(&admin, &who)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("already active"), "{e}");
    assert_eq!(
        &kinds_of_org_log(&t)
            .await
            .iter()
            .rev()
            .take(2)
            .cloned()
            .collect::<Vec<_>>(),
        &["user_reactivated", "user_deactivated"]
    );
}

async fn nobody_deactivates_themselves_or_the_last_admin(t: TestApp) {
    let admin = t.as_user("admin@acme.test");
    let e = t
        .app
        .deactivate_user(&admin, &email("admin@acme.test"))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("yourself"), "{e}");
    let e = t
        .app
        .deactivate_user(&t.as_user("ae-lead@acme.test"), &email("ae1@acme.test"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::Domain(DomainError::Forbidden(_))),
        "{e:?}"
    );
    assert!(t.app.actor(&admin).await.is_ok(), "nothing changed");
}

async fn a_deactivated_person_gets_no_mail_notice(t: TestApp) {
    let Some(smtp) = baton_testkit::smtp::SmtpServer::start() else {
        return;
    };
    let app = t
        .app
        .clone()
        .with_mail(&baton_app::mail::MailConfig {
            smtp_url: smtp.url(),
            from: "baton@acme.test".into(),
        })
        .unwrap();
    app.deactivate_user(
        &t.as_user("admin@acme.test"),
        &email("onboarding2@acme.test"),
    )
    .await
    .unwrap();
    let h = draft(
        &t,
        "ae-to-onboarding",
        "A-1",
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    t.app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap();
    app.send_mail().await.unwrap();
    let mut to: Vec<String> = smtp.mails().into_iter().flat_map(|m| m.to).collect();
    to.sort();
    assert_eq!(to, ["onboarding-lead@acme.test", "onboarding1@acme.test"]);
}

async fn history_replays_people_changes_through_the_same_rules(t: TestApp) {
    let ok = r#"{"type":"member_removed","email":"ae1@acme.test","team":"ae","by":"admin@acme.test","at":"2026-09-01T00:00:00Z"}
{"type":"user_deactivated","email":"ae1@acme.test","by":"admin@acme.test","at":"2026-09-02T00:00:00Z"}
{"type":"sign_in_set","password":true,"sso_team":"cs","sso_domains":["Acme.test"],"by":"admin@acme.test","at":"2026-09-03T00:00:00Z"}"#;
    t.import_history(ok).await;
    let sign_in = t
        .app
        .sign_in_settings(&t.as_user("admin@acme.test"))
        .await
        .unwrap();
    assert_eq!(
        sign_in.sso_domains,
        ["acme.test"],
        "decided as live: the domain cleaned"
    );
    let dir = t
        .app
        .directory(&t.as_user("admin@acme.test"))
        .await
        .unwrap();
    let u = &dir.users[&email("ae1@acme.test")];
    assert!(!u.active && u.teams.is_empty());
    // The last admin cannot be deactivated by history either.
    let bad =
        r#"{"type":"user_deactivated","email":"admin@acme.test","at":"2026-09-03T00:00:00Z"}"#;
    let e = t
        .app
        .import_events(Some(t.org.clone()), bad.as_bytes())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 1") && e.contains("last active admin"),
        "{e}"
    );
    assert!(t.app.actor(&t.as_user("admin@acme.test")).await.is_ok());
}

/// The one link in a mail's text.
fn link_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.contains("/welcome/"))
        .unwrap()
        .to_string()
}

async fn an_invitation_mails_a_one_time_link_that_sets_the_password_and_signs_in(t: TestApp) {
    let Some(smtp) = baton_testkit::smtp::SmtpServer::start() else {
        return;
    };
    let app = t
        .app
        .clone()
        .with_public_url("http://baton.test")
        .with_mail(&baton_app::mail::MailConfig {
            smtp_url: smtp.url(),
            from: "baton@acme.test".into(),
        })
        .unwrap();
    let admin = t.as_user("admin@acme.test");
    let newbie = email("newbie@acme.test");
    app.add_user(
        &admin,
        baton_app::org::NewUser {
            email: newbie.clone(),
            name: "New Bie".into(),
            password: None,
            teams: vec![(team("cs"), Role::Member)],
            admin: false,
        },
    )
    .await
    .unwrap();
    let e = app
        .send_password_link(&t.as_user("cs-lead@acme.test"), &newbie)
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::Domain(DomainError::Forbidden(_))),
        "{e:?}"
    );
    let sent = app.send_password_link(&admin, &newbie).await.unwrap();
    assert_eq!((sent.purpose, sent.mailed), ("invite", true));
    assert!(
        sent.link.is_none(),
        "a mailed link is not shown to the admin"
    );
    let mails = smtp.mails_to("newbie@acme.test");
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("invited"), "{}", mails[0].subject);
    let link = link_in(&mails[0].text);
    assert!(link.starts_with("http://baton.test/welcome/"), "{link}");
    let secret = link.rsplit('/').next().unwrap();
    assert_eq!(app.password_link(secret).await.unwrap().email, newbie);
    // A password the policy refuses leaves the link working.
    assert!(app.use_password_link(secret, "short").await.is_err());
    let session = app
        .use_password_link(secret, "a long enough passphrase 42")
        .await
        .unwrap();
    assert_eq!(session.caller.email, newbie);
    let e = app
        .use_password_link(secret, "another long passphrase 43")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("already used"), "{e}");
    assert!(
        app.login("newbie@acme.test", "a long enough passphrase 42")
            .await
            .is_ok()
    );
}

async fn a_reset_link_replaces_the_password_once_and_without_smtp_is_handed_to_the_admin(
    t: TestApp,
) {
    let admin = t.as_user("admin@acme.test");
    let who = email("ae1@acme.test");
    t.app
        .set_password(&admin, &who, ADMIN_PASSWORD)
        .await
        .unwrap();
    let sent = t.app.send_password_link(&admin, &who).await.unwrap();
    assert_eq!((sent.purpose, sent.mailed), ("reset", false));
    let link = sent.link.unwrap(); // handed to the admin when no mail goes out
    let secret = link.rsplit('/').next().unwrap();
    // A second link replaces the first.
    let second = t.app.send_password_link(&admin, &who).await.unwrap();
    assert!(
        t.app.password_link(secret).await.is_err(),
        "the first stopped working"
    );
    let secret = second.link.unwrap().rsplit('/').next().unwrap().to_string();
    assert!(
        t.app.login("ae1@acme.test", ADMIN_PASSWORD).await.is_ok(),
        "old works until used"
    );
    t.app
        .use_password_link(&secret, "a brand new passphrase 7")
        .await
        .unwrap();
    assert!(t.app.login("ae1@acme.test", ADMIN_PASSWORD).await.is_err());
    assert!(
        t.app
            .login("ae1@acme.test", "a brand new passphrase 7")
            .await
            .is_ok()
    );
    // Expired after a day.
    let third = t.app.send_password_link(&admin, &who).await.unwrap();
    t.clock
        .set(t.app.now() + baton_app::invites::RESET_TTL + jiff::SignedDuration::from_secs(1));
    let secret = third.link.unwrap().rsplit('/').next().unwrap().to_string();
    assert!(
        t.app
            .use_password_link(&secret, "yet another passphrase 9")
            .await
            .is_err()
    );
}
