//! Writers racing for one stream (SPEC §8, issue 16 seam 6): a race that
//! deciding again resolves is resolved by the server; only a true conflict
//! (the state moved on, so the decision changes) answers a conflict.

use baton_app::AppError;
use baton_app::accounts::AccountInput;
use baton_app::handoffs::Rejection;
use baton_app::rediscovery::NoteInput;
use baton_domain::{AccountId, Currency, Money};
use baton_testkit::complete_values;
use baton_testkit::{TestApp, on_both_backends};

use crate::{account, draft};

on_both_backends!(
    parallel_writes_to_one_account_all_land,
    users_and_teams_added_at_once_all_land,
    accept_and_reject_racing_leave_one_winner_and_a_conflict,
);

async fn parallel_writes_to_one_account_all_land(t: TestApp) {
    let id = account(&t, "A-1").await;
    let before = t.app.store().event_count(&t.org).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (app, caller, id) = (t.app.clone(), t.as_user("cs1@acme.test"), id.clone());
        tasks.push(tokio::spawn(async move {
            let note = NoteInput {
                account: id,
                text: format!("Call {i}: they liked the new dashboard."),
                author: None,
                team: None,
                at: None,
            };
            app.record_note(&caller, note).await.map(|_| ())
        }));
    }
    for score in 0..10u8 {
        let (app, caller, id) = (t.app.clone(), t.as_user("cs1@acme.test"), id.clone());
        tasks.push(tokio::spawn(async move {
            app.record_nps(&caller, &id, score, None).await.map(|_| ())
        }));
    }
    for i in 0..20 {
        let (app, caller) = (t.app.clone(), t.as_user("admin@acme.test"));
        tasks.push(tokio::spawn(async move {
            let input = AccountInput {
                id: AccountId::parse("A-1").unwrap(),
                name: format!("Customer A-1 rev {i}"),
                arr: Money {
                    minor: 4_800_000 + i,
                    currency: Currency::parse("USD").unwrap(),
                },
                segment: Some("mid-market".into()),
            };
            app.upsert_account(&caller, input).await.map(|_| ())
        }));
    }
    let mut refused: Vec<AppError> = Vec::new();
    for task in tasks {
        if let Err(e) = task.await.unwrap() {
            refused.push(e);
        }
    }
    assert!(
        refused.is_empty(),
        "{} refused: {:?}",
        refused.len(),
        refused.first()
    );
    assert_eq!(
        t.app.store().event_count(&t.org).await.unwrap(),
        before + 70,
        "every write landed once"
    );
}

async fn accept_and_reject_racing_leave_one_winner_and_a_conflict(t: TestApp) {
    for n in 0..6 {
        let h = draft(
            &t,
            "ae-to-onboarding",
            &format!("A-{n}"),
            "ae1@acme.test",
            complete_values("ae-to-onboarding"),
        )
        .await;
        t.app
            .submit(&t.as_user("ae1@acme.test"), &h.id)
            .await
            .unwrap();
        let (app, caller, id) = (
            t.app.clone(),
            t.as_user("onboarding1@acme.test"),
            h.id.clone(),
        );
        let accept = tokio::spawn(async move {
            app.accept(&caller, &id, Default::default())
                .await
                .map(|_| "accepted")
        });
        let (app, caller, id) = (
            t.app.clone(),
            t.as_user("onboarding2@acme.test"),
            h.id.clone(),
        );
        let reject = tokio::spawn(async move {
            let r = Rejection {
                code: Some("missing_context".into()),
                reason: "no champion".into(),
                fields: vec![],
            };
            app.reject(&caller, &id, r).await.map(|_| "rejected")
        });
        let outcomes = [accept.await.unwrap(), reject.await.unwrap()];
        let won: Vec<&str> = outcomes
            .iter()
            .filter_map(|o| o.as_ref().ok().copied())
            .collect();
        assert_eq!(won.len(), 1, "one winner: {outcomes:?}");
        let lost = outcomes.iter().find_map(|o| o.as_ref().err()).unwrap();
        assert!(
            matches!(lost, AppError::Conflict(_) | AppError::Domain(_)),
            "{lost:?}"
        );
        if let AppError::Conflict(why) = lost {
            assert!(why.contains("someone else changed it first"), "{why}");
        }
        let state = t
            .app
            .handoff(&t.as_user("admin@acme.test"), &h.id)
            .await
            .unwrap()
            .handoff
            .state;
        assert_eq!(state.as_str(), won[0]);
    }
}

/// An identity provider provisions people in bursts: every user and team
/// added at once lands (the org's stream is re-read after a lost race).
async fn users_and_teams_added_at_once_all_land(t: TestApp) {
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (app, admin) = (t.app.clone(), t.as_user("admin@acme.test"));
        tasks.push(tokio::spawn(async move {
            let user = baton_app::org::NewUser {
                email: baton_testkit::email(&format!("new{i}@acme.test")),
                name: format!("New {i}"),
                password: None,
                teams: vec![(
                    baton_domain::TeamKey::parse("cs").unwrap(),
                    baton_domain::Role::Member,
                )],
                admin: false,
            };
            app.add_user(&admin, user).await
        }));
    }
    for i in 0..5 {
        let (app, admin) = (t.app.clone(), t.as_user("admin@acme.test"));
        tasks.push(tokio::spawn(async move {
            let key = baton_domain::TeamKey::parse(format!("pod-{i}")).unwrap();
            app.create_team(&admin, key, &format!("Pod {i}")).await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let dir = t
        .app
        .directory(&t.as_user("admin@acme.test"))
        .await
        .unwrap();
    assert_eq!(
        dir.users
            .keys()
            .filter(|e| e.as_str().starts_with("new"))
            .count(),
        20
    );
    assert_eq!(
        dir.teams
            .keys()
            .filter(|k| k.as_str().starts_with("pod-"))
            .count(),
        5
    );
}
