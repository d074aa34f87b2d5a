//! The work queue, the handoff search and the account picker on both
//! backends: what each person's queue holds as a handoff moves, what a
//! search by account name finds, and which account a typed name is.

use std::collections::BTreeMap;

use baton_app::handoffs::Rejection;
use baton_domain::handoff::Step;
use baton_store::{HandoffSearch, HandoffSort};
use baton_testkit::{TestApp, on_both_backends};

on_both_backends!(
    the_queue_holds_each_next_step_for_whoever_owes_it,
    a_search_finds_by_account_name_sorts_and_counts,
    a_typed_name_is_one_account_or_an_error_naming_the_candidates
);

const AE: &str = "ae1@acme.test";
const ONB: &str = "onboarding1@acme.test";

async fn draft(t: &TestApp, id: &str) -> baton_domain::HandoffId {
    let values = baton_testkit::complete_values("ae-to-onboarding");
    t.draft(AE, "ae-to-onboarding", id, values).await.id
}

async fn steps(t: &TestApp, who: &str) -> Vec<Step> {
    let q = t.app.queue(&t.as_user(who)).await.unwrap();
    q.items.iter().map(|i| i.step.step).collect()
}

async fn the_queue_holds_each_next_step_for_whoever_owes_it(t: TestApp) {
    t.account("A-1", "Initech").await;
    let id = draft(&t, "A-1").await;
    assert_eq!(steps(&t, AE).await, [Step::Submit]);
    assert!(steps(&t, ONB).await.is_empty());
    t.app.submit(&t.as_user(AE), &id).await.unwrap();
    assert!(steps(&t, AE).await.is_empty());
    assert_eq!(steps(&t, ONB).await, [Step::Decide]);
    assert_eq!(
        steps(&t, "onboarding2@acme.test").await,
        [Step::Decide],
        "the whole team's"
    );
    t.app
        .reject(
            &t.as_user(ONB),
            &id,
            Rejection {
                code: Some("missing_context".into()),
                reason: "who signs?".into(),
                fields: vec!["economic_buyer".into()],
            },
        )
        .await
        .unwrap();
    assert_eq!(steps(&t, AE).await, [Step::Rework]);
    assert!(steps(&t, ONB).await.is_empty());
    t.app.submit(&t.as_user(AE), &id).await.unwrap();
    t.app
        .accept(&t.as_user(ONB), &id, BTreeMap::new())
        .await
        .unwrap();
    assert!(steps(&t, AE).await.is_empty());
    assert!(steps(&t, ONB).await.is_empty());
}

async fn a_search_finds_by_account_name_sorts_and_counts(t: TestApp) {
    for (id, name) in [
        ("A-1", "Initech"),
        ("A-2", "Globex"),
        ("A-3", "Globex_Asia"),
        ("A-4", "50% Off Ltd"),
    ] {
        t.account(id, name).await;
        draft(&t, id).await;
    }
    let find = |text: &str, sort| HandoffSearch {
        text: Some(text.to_string()),
        sort,
        limit: 10,
        ..HandoffSearch::default()
    };
    let who = t.as_user(AE);
    let (found, total) = t
        .app
        .search_handoffs(&who, find("GLOBEX", HandoffSort::Account))
        .await
        .unwrap();
    assert_eq!(total, 2);
    let accounts: Vec<String> = found
        .iter()
        .map(|v| v.handoff.account.to_string())
        .collect();
    assert_eq!(accounts, ["A-2", "A-3"]);
    // LIKE's wildcards are searched for as themselves.
    let (_, total) = t
        .app
        .search_handoffs(&who, find("_", HandoffSort::Newest))
        .await
        .unwrap();
    assert_eq!(total, 1, "only Globex_Asia has an underscore");
    let (_, total) = t
        .app
        .search_handoffs(&who, find("50%", HandoffSort::Newest))
        .await
        .unwrap();
    assert_eq!(total, 1);
    let (_, total) = t
        .app
        .search_handoffs(&who, find("a-4", HandoffSort::Newest))
        .await
        .unwrap();
    assert_eq!(total, 1, "by id, any case");
    let (page, total) = t
        .app
        .search_handoffs(
            &who,
            HandoffSearch {
                limit: 3,
                offset: 3,
                ..HandoffSearch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((page.len(), total), (1, 4));
}

async fn a_typed_name_is_one_account_or_an_error_naming_the_candidates(t: TestApp) {
    t.account("A-1", "Initech").await;
    t.account("A-2", "Globex").await;
    t.account("A-3", "Globex").await;
    let who = t.as_user(AE);
    let named = |typed: &'static str| {
        let (app, who) = (t.app.clone(), who.clone());
        async move { app.account_named(&who, typed).await }
    };
    assert_eq!(named("initech").await.unwrap().as_str(), "A-1");
    assert_eq!(named("A-2").await.unwrap().as_str(), "A-2");
    assert_eq!(named("Globex (A-3)").await.unwrap().as_str(), "A-3");
    let twice = named("Globex").await.unwrap_err().to_string();
    assert!(twice.contains("A-2") && twice.contains("A-3"), "{twice}");
    let near = named("Init").await.unwrap_err().to_string();
    assert!(near.contains("Initech (A-1)"), "{near}");
    let none = named("Nothing Inc").await.unwrap_err().to_string();
    assert!(none.contains("Nothing Inc"), "{none}");
}
