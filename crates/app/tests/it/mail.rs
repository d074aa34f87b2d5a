//! Email notifications (SPEC §12) through a real SMTP server on 127.0.0.1
//! (aiosmtpd, started by each test), driven by the injected clock, on both
//! backends: who gets which mail, with the link where they act; digests;
//! preferences; an SMTP server down or refusing; never twice.

use baton_testkit::complete_values;
use std::collections::BTreeMap;

use baton_app::handoffs::Rejection;
use baton_app::mail::MailConfig;
use baton_app::outbox::WebhookPolicy;
use baton_app::{App, AppError};
use baton_domain::notify::{Delivery, NoticeKind, Preferences};
use baton_domain::{DomainError, Handoff};
use baton_store::{MailSearch, MailStatus, Store};
use baton_testkit::smtp::{KeptMail, SmtpServer};
use baton_testkit::{TestApp, on_both_backends, start_time};
use jiff::SignedDuration;

use crate::draft;

on_both_backends!(
    a_submission_mails_each_member_of_the_receiving_team_once_with_the_link,
    a_rejection_mails_the_sender_with_the_reason_and_fields,
    a_breach_mails_who_owes_the_next_step_and_their_leads,
    a_digest_gathers_a_persons_mail_and_goes_out_at_their_hour,
    a_kind_switched_off_sends_nothing,
    smtp_down_is_retried_and_nothing_is_lost_or_doubled,
    a_refused_recipient_is_dead_at_once_and_admins_see_why,
    two_apps_sending_at_once_never_send_one_mail_twice,
    without_smtp_notices_wait_a_week_then_go,
    preferences_refuse_a_bad_hour_and_an_unknown_zone,
    slack_direct_messages_reach_each_person_found_by_email,
);

const BASE: &str = "http://baton.test:8080";

fn mailing(t: &TestApp, smtp: &SmtpServer) -> App {
    t.app
        .clone()
        .with_public_url(BASE)
        .with_mail(&MailConfig {
            smtp_url: smtp.url(),
            from: "Baton <baton@acme.test>".into(),
        })
        .unwrap()
}

async fn submitted(t: &TestApp, account: &str) -> Handoff {
    let h = draft(
        t,
        "ae-to-onboarding",
        account,
        "ae1@acme.test",
        complete_values("ae-to-onboarding"),
    )
    .await;
    t.app
        .submit(&t.as_user("ae1@acme.test"), &h.id)
        .await
        .unwrap();
    h
}

fn recipients(mails: &[KeptMail]) -> Vec<String> {
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.to.clone()).collect();
    to.sort();
    to
}

async fn a_submission_mails_each_member_of_the_receiving_team_once_with_the_link(t: TestApp) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = mailing(&t, &smtp);
    let h = submitted(&t, "A-1").await;
    let round = app.send_mail().await.unwrap();
    assert_eq!((round.notices, round.queued, round.sent), (1, 3, 3));
    let mails = smtp.mails();
    assert_eq!(
        recipients(&mails),
        [
            "onboarding-lead@acme.test",
            "onboarding1@acme.test",
            "onboarding2@acme.test"
        ],
        "the receiving team, each once; not the sender, not another team"
    );
    let link = format!("{BASE}/handoffs/{}", h.id);
    for m in &mails {
        assert_eq!(m.from, "Baton <baton@acme.test>");
        assert!(m.subject.contains("Customer A-1"), "{}", m.subject);
        assert!(m.text.contains(&link), "text part has the link: {}", m.text);
        assert!(
            m.html.contains(&format!("href=\"{link}\"")),
            "html part links it: {}",
            m.html
        );
        assert!(m.text.contains("ae1@acme.test"), "{}", m.text);
    }
    // Nothing more to send: a second round sends nothing again.
    let again = app.send_mail().await.unwrap();
    assert_eq!((again.notices, again.sent), (0, 0));
    assert_eq!(smtp.mails().len(), 3);
}

async fn a_rejection_mails_the_sender_with_the_reason_and_fields(t: TestApp) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = mailing(&t, &smtp);
    let h = submitted(&t, "A-1").await;
    app.send_mail().await.unwrap();
    t.app
        .reject(
            &t.as_user("onboarding1@acme.test"),
            &h.id,
            Rejection {
                code: Some("missing_context".into()),
                reason: "Who signs off on go-live?".into(),
                fields: vec!["economic_buyer".into()],
            },
        )
        .await
        .unwrap();
    let round = app.send_mail().await.unwrap();
    assert_eq!(round.sent, 1);
    let mails = smtp.mails_to("ae1@acme.test");
    assert_eq!(mails.len(), 1, "the sender only");
    let m = &mails[0];
    assert!(m.subject.starts_with("Sent back"), "{}", m.subject);
    assert!(m.text.contains("missing context"), "{}", m.text);
    assert!(m.text.contains("Who signs off on go-live?"), "{}", m.text);
    assert!(m.text.contains("economic_buyer"), "{}", m.text);
    assert!(
        m.text.contains(&format!("{BASE}/handoffs/{}/edit", h.id)),
        "{}",
        m.text
    );
    assert!(
        smtp.mails_to("onboarding1@acme.test").len() == 1,
        "the rejecter got only the submission"
    );
}

async fn a_breach_mails_who_owes_the_next_step_and_their_leads(t: TestApp) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = mailing(&t, &smtp);
    // Waiting for the receiver: the receiving team owes the decision.
    let waiting = submitted(&t, "A-1").await;
    // Sent back: the sender owes the rework; the sending team's lead hears.
    let rework = submitted(&t, "A-2").await;
    t.app
        .reject(
            &t.as_user("onboarding1@acme.test"),
            &rework.id,
            Rejection {
                code: Some("missing_context".into()),
                reason: "More please".into(),
                fields: vec![],
            },
        )
        .await
        .unwrap();
    app.send_mail().await.unwrap();
    let before = smtp.mails().len();
    t.clock
        .set(start_time() + SignedDuration::from_hours(48) + SignedDuration::from_secs(1));
    let (run, error) = app.run_pending_jobs().await;
    assert!(error.is_none(), "{error:?}");
    assert_eq!(run.breaches, 2);
    let breach: Vec<KeptMail> = smtp.mails()[before..]
        .iter()
        .filter(|m| m.subject.starts_with("Overdue"))
        .cloned()
        .collect();
    let about = |id: &str| {
        let mut to: Vec<String> = breach
            .iter()
            .filter(|m| m.text.contains(&format!("/handoffs/{id}")))
            .flat_map(|m| m.to.clone())
            .collect();
        to.sort();
        to
    };
    assert_eq!(
        about(waiting.id.as_ref()),
        [
            "onboarding-lead@acme.test",
            "onboarding1@acme.test",
            "onboarding2@acme.test"
        ]
    );
    assert_eq!(
        about(rework.id.as_ref()),
        ["ae-lead@acme.test", "ae1@acme.test"]
    );
}

async fn a_digest_gathers_a_persons_mail_and_goes_out_at_their_hour(t: TestApp) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = mailing(&t, &smtp);
    let who = t.as_user("onboarding1@acme.test");
    app.set_notification_preferences(
        &who,
        Preferences {
            kinds: BTreeMap::from([(NoticeKind::Submitted, Delivery::Digest)]),
            digest_hour: 9,
            time_zone: "Europe/Paris".into(),
            ..Preferences::default()
        },
    )
    .await
    .unwrap();
    // 2026-10-01 00:00 UTC is 02:00 in Paris (CEST): the digest is due at
    // 09:00 Paris, 07:00 UTC.
    let a = submitted(&t, "A-1").await;
    let b = submitted(&t, "A-2").await;
    app.send_mail().await.unwrap();
    assert_eq!(smtp.mails_to("onboarding1@acme.test").len(), 0, "held");
    assert_eq!(
        smtp.mails_to("onboarding2@acme.test").len(),
        2,
        "others at once"
    );
    t.clock
        .set(start_time() + SignedDuration::from_hours(7) - SignedDuration::from_secs(1));
    app.send_mail().await.unwrap();
    assert_eq!(smtp.mails_to("onboarding1@acme.test").len(), 0, "not yet");
    t.clock.set(start_time() + SignedDuration::from_hours(7));
    let round = app.send_mail().await.unwrap();
    assert_eq!(round.sent, 1, "one digest");
    let got = smtp.mails_to("onboarding1@acme.test");
    assert_eq!(got.len(), 1);
    let d = &got[0];
    assert!(d.subject.contains("digest"), "{}", d.subject);
    assert!(d.text.contains("2 notifications"), "{}", d.text);
    for h in [&a, &b] {
        assert!(
            d.text.contains(&format!("{BASE}/handoffs/{}", h.id)),
            "{}",
            d.text
        );
    }
    assert!(d.text.contains(&format!("{BASE}/settings/notifications")));
    app.send_mail().await.unwrap();
    assert_eq!(smtp.mails_to("onboarding1@acme.test").len(), 1, "once");
}

async fn a_kind_switched_off_sends_nothing(t: TestApp) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = mailing(&t, &smtp);
    app.set_notification_preferences(
        &t.as_user("onboarding2@acme.test"),
        Preferences {
            kinds: BTreeMap::from([(NoticeKind::Submitted, Delivery::Off)]),
            ..Preferences::default()
        },
    )
    .await
    .unwrap();
    submitted(&t, "A-1").await;
    let round = app.send_mail().await.unwrap();
    assert_eq!(round.queued, 2);
    assert_eq!(
        recipients(&smtp.mails()),
        ["onboarding-lead@acme.test", "onboarding1@acme.test"]
    );
}

async fn smtp_down_is_retried_and_nothing_is_lost_or_doubled(t: TestApp) {
    let Some(mut smtp) = SmtpServer::start() else {
        return;
    };
    let app = mailing(&t, &smtp);
    smtp.stop();
    submitted(&t, "A-1").await;
    let round = app.send_mail().await.unwrap();
    assert_eq!((round.sent, round.retrying, round.dead), (0, 3, 0));
    let log = app
        .mail_log(
            &t.as_user("admin@acme.test"),
            &MailSearch {
                status: Some(MailStatus::Pending),
                ..MailSearch::default()
            },
            50,
        )
        .await
        .unwrap();
    assert_eq!(log.len(), 3);
    // The log finds by recipient or kind, in any case; `%` is literal.
    let admin = t.as_user("admin@acme.test");
    let one = &log[0].recipient;
    let found = app
        .mail_log(
            &admin,
            &MailSearch {
                status: None,
                text: Some(&one.to_uppercase()),
                ..MailSearch::default()
            },
            50,
        )
        .await
        .unwrap();
    assert!(
        !found.is_empty() && found.iter().all(|m| &m.recipient == one),
        "{found:?}"
    );
    let by_kind = app
        .mail_log(
            &admin,
            &MailSearch {
                status: None,
                text: Some(&log[0].kind),
                ..MailSearch::default()
            },
            50,
        )
        .await
        .unwrap();
    assert_eq!(by_kind.len(), 3, "{by_kind:?}");
    assert!(
        app.mail_log(
            &admin,
            &MailSearch {
                status: None,
                text: Some("%"),
                ..MailSearch::default()
            },
            50
        )
        .await
        .unwrap()
        .is_empty()
    );
    // Pages: the next one starts after the last mail shown.
    let first = app
        .mail_log(&admin, &MailSearch::default(), 2)
        .await
        .unwrap();
    let last = first.last().map(|m| (m.created_at, m.id.clone()));
    let rest = app
        .mail_log(
            &admin,
            &MailSearch {
                before: last,
                ..MailSearch::default()
            },
            50,
        )
        .await
        .unwrap();
    let mut ids: Vec<String> = first.iter().chain(&rest).map(|m| m.id.clone()).collect();
    assert_eq!(ids.len(), 3, "every mail on one page or the next, once");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    for m in &log {
        assert_eq!(m.attempts, 1);
        let e = m.last_error.clone().unwrap_or_default();
        assert!(e.contains(&format!("127.0.0.1:{}", smtp.port)), "{e}");
        assert!(m.next_attempt_at.is_some_and(|n| n > start_time()));
    }
    smtp.restart();
    // Before the backoff runs out nothing is claimed.
    assert_eq!(app.send_mail().await.unwrap().sent, 0);
    t.clock.set(start_time() + SignedDuration::from_mins(1));
    assert_eq!(app.send_mail().await.unwrap().sent, 3);
    t.clock.set(start_time() + SignedDuration::from_hours(12));
    assert_eq!(app.send_mail().await.unwrap().sent, 0);
    let mails = smtp.mails();
    assert_eq!(mails.len(), 3, "each once");
    let mut ids: Vec<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3);
}

async fn a_refused_recipient_is_dead_at_once_and_admins_see_why(t: TestApp) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = mailing(&t, &smtp);
    // A member whose mailbox the server does not know.
    app.add_user(
        &t.as_user("admin@acme.test"),
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
    submitted(&t, "A-1").await;
    let round = app.send_mail().await.unwrap();
    assert_eq!((round.sent, round.dead), (3, 1));
    let dead = app
        .mail_log(
            &t.as_user("admin@acme.test"),
            &MailSearch {
                status: Some(MailStatus::Dead),
                ..MailSearch::default()
            },
            50,
        )
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].recipient, "nobody@acme.test");
    let why = dead[0].last_error.clone().unwrap_or_default();
    assert_eq!(why.matches("User unknown").count(), 1, "said once: {why}");
    assert!(
        why.starts_with(&format!("SMTP 127.0.0.1:{}", smtp.port)),
        "{why}"
    );
    // Not retried.
    t.clock.set(start_time() + SignedDuration::from_hours(24));
    assert_eq!(app.send_mail().await.unwrap().dead, 0);
    // Only admins read the log.
    let e = app
        .mail_log(
            &t.as_user("onboarding1@acme.test"),
            &MailSearch {
                status: None,
                text: None,
                ..MailSearch::default()
            },
            50,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::Domain(DomainError::Forbidden { .. })),
        "{e:?}"
    );
}

async fn two_apps_sending_at_once_never_send_one_mail_twice(t: TestApp) {
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    for i in 0..10 {
        submitted(&t, &format!("A-{i}")).await;
    }
    let policy = WebhookPolicy {
        batch: 8,
        ..WebhookPolicy::default()
    };
    let other = App::new(Store::open(&t.db.url).await.unwrap(), t.clock.clone());
    let config = MailConfig {
        smtp_url: smtp.url(),
        from: "baton@acme.test".into(),
    };
    let a = t
        .app
        .clone()
        .with_webhook_policy(policy)
        .with_mail(&config)
        .unwrap();
    let b = other
        .clone()
        .with_webhook_policy(policy)
        .with_mail(&config)
        .unwrap();
    let mut sent = 0;
    for _ in 0..8 {
        let (ra, rb) = tokio::join!(a.send_mail(), b.send_mail());
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        sent += ra.sent + rb.sent;
    }
    assert_eq!(sent, 30, "10 handoffs × 3 receivers");
    let mails = smtp.mails();
    assert_eq!(mails.len(), 30, "each mail once");
    let mut ids: Vec<&str> = mails.iter().map(|m| m.message_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 30);
    other.store().close().await;
}

async fn without_smtp_notices_wait_a_week_then_go(t: TestApp) {
    submitted(&t, "A-1").await;
    let round = t.app.send_mail().await.unwrap();
    assert_eq!(round.dropped, 0, "kept for a process that sends mail");
    t.clock
        .set(start_time() + baton_app::mail::NOTICE_KEPT + SignedDuration::from_secs(1));
    assert_eq!(t.app.send_mail().await.unwrap().dropped, 1);
    // SMTP configured later: no mail about week-old news.
    let Some(smtp) = SmtpServer::start() else {
        return;
    };
    let app = mailing(&t, &smtp);
    assert_eq!(app.send_mail().await.unwrap().sent, 0);
    assert!(smtp.mails().is_empty());
}

async fn preferences_refuse_a_bad_hour_and_an_unknown_zone(t: TestApp) {
    let who = t.as_user("ae1@acme.test");
    let e = t
        .app
        .set_notification_preferences(
            &who,
            Preferences {
                digest_hour: 25,
                ..Preferences::default()
            },
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("digest_hour") && e.contains("25"), "{e}");
    let e = t
        .app
        .set_notification_preferences(
            &who,
            Preferences {
                time_zone: "Europe/Atlantis".into(),
                ..Preferences::default()
            },
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("Europe/Atlantis"), "{e}");
    assert_eq!(
        t.app.notification_preferences(&who).await.unwrap(),
        Preferences::default(),
        "nothing changed"
    );
    let p = Preferences {
        kinds: BTreeMap::from([(NoticeKind::Rejected, Delivery::Digest)]),
        digest_hour: 17,
        time_zone: "America/New_York".into(),
        email: true,
        slack: false,
    };
    t.app
        .set_notification_preferences(&who, p.clone())
        .await
        .unwrap();
    assert_eq!(t.app.notification_preferences(&who).await.unwrap(), p);
}

/// A simulator of the two Slack Web API methods Baton calls, built from
/// Slack's reference (docs.slack.dev/reference/methods/users.lookupByEmail
/// and …/chat.postMessage): a bearer bot token; `users.lookupByEmail`
/// answers `{"ok":true,"user":{"id":…}}` or `{"ok":false,"error":
/// "users_not_found"}`; `chat.postMessage` takes a JSON body with
/// `channel` (a user id opens the bot's direct messages) and `text`.
/// Every answer is HTTP 200, with `ok` saying how it went.
#[derive(Clone, Default)]
struct SlackSim {
    posted: std::sync::Arc<std::sync::Mutex<Vec<(String, String)>>>,
}

const BOT: &str = "xoxb-test-bot-token";

impl SlackSim {
    async fn start(&self) -> String {
        use axum::extract::{Query, State};
        use axum::http::HeaderMap;
        use axum::routing::{get, post};
        fn authed(h: &HeaderMap) -> bool {
            h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {BOT}"))
        }
        let app = axum::Router::new()
            .route(
                "/users.lookupByEmail",
                get(
                    |h: HeaderMap, Query(q): Query<BTreeMap<String, String>>| async move {
                        if !authed(&h) {
                            return axum::Json(serde_json::json!({"ok": false, "error": "invalid_auth"}));
                        }
                        let email = q.get("email").cloned().unwrap_or_default();
                        // The workspace has everyone but onboarding2.
                        if email.ends_with("@acme.test") && !email.starts_with("onboarding2") {
                            let id = format!("U{}", email.split('@').next().unwrap_or("").to_uppercase());
                            axum::Json(serde_json::json!({"ok": true, "user": {"id": id, "profile": {"email": email}}}))
                        } else {
                            axum::Json(serde_json::json!({"ok": false, "error": "users_not_found"}))
                        }
                    },
                ),
            )
            .route(
                "/chat.postMessage",
                post(
                    |State(sim): State<SlackSim>, h: HeaderMap, axum::Json(b): axum::Json<serde_json::Value>| async move {
                        if !authed(&h) {
                            return axum::Json(serde_json::json!({"ok": false, "error": "not_authed"}));
                        }
                        let channel = b["channel"].as_str().unwrap_or("").to_string();
                        let text = b["text"].as_str().unwrap_or("").to_string();
                        sim.posted.lock().unwrap().push((channel.clone(), text));
                        axum::Json(serde_json::json!({"ok": true, "channel": format!("D{channel}"), "ts": "1503435956.000247"}))
                    },
                ),
            )
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }
}

async fn slack_direct_messages_reach_each_person_found_by_email(t: TestApp) {
    let sim = SlackSim::default();
    let api = sim.start().await;
    // Slack only: no SMTP server at all.
    let app = t
        .app
        .clone()
        .with_public_url(BASE)
        .with_slack_bot(BOT, &api)
        .unwrap();
    app.set_notification_preferences(
        &t.as_user("onboarding-lead@acme.test"),
        Preferences {
            slack: false,
            ..Preferences::default()
        },
    )
    .await
    .unwrap();
    let h = submitted(&t, "A-1").await;
    let round = app.send_mail().await.unwrap();
    assert_eq!((round.queued, round.sent, round.dead), (2, 1, 1));
    let posted = sim.posted.lock().unwrap().clone();
    assert_eq!(posted.len(), 1, "onboarding1 only: {posted:?}");
    let (channel, text) = &posted[0];
    assert_eq!(channel, "UONBOARDING1");
    assert!(
        text.contains(&format!("<{BASE}/handoffs/{}|", h.id)),
        "{text}"
    );
    assert!(text.contains("Customer A-1"), "{text}");
    let dead = app
        .mail_log(
            &t.as_user("admin@acme.test"),
            &MailSearch {
                status: Some(MailStatus::Dead),
                ..MailSearch::default()
            },
            10,
        )
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].recipient.as_str(), dead[0].channel.as_str()),
        ("onboarding2@acme.test", "slack")
    );
    assert!(
        dead[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("users_not_found")
    );
    // A bad token is refused at start.
    assert!(
        t.app
            .clone()
            .with_slack_bot("xoxp-user-token", &api)
            .is_err()
    );
}
