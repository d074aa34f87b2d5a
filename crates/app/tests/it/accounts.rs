//! Account rules are the domain's: the live use cases and history import
//! make the same decision on the same input and store the same result, on
//! both backends.

use baton_app::AppError;
use baton_app::accounts::{AccountInput, Incident};
use baton_domain::{AccountId, Currency, Money, Timestamp};
use baton_testkit::{TestApp, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(live_and_import_agree_on_every_account_rule);

/// One account change, given once to the live use case and once as a line.
#[derive(Debug, Clone)]
enum Op {
    Upsert {
        name: &'static str,
        arr: i64,
        segment: Option<&'static str>,
    },
    Nps {
        score: u8,
        at: &'static str,
    },
    Churn {
        at: &'static str,
        arr_lost: i64,
    },
    Incident {
        at: &'static str,
    },
}

const BY: &str = "cs1@acme.test";

fn usd(minor: i64) -> Money {
    Money {
        minor,
        currency: Currency::parse("USD").unwrap(),
    }
}

fn time(at: &str) -> Timestamp {
    at.parse().unwrap()
}

async fn live(t: &TestApp, id: &AccountId, op: &Op) -> Result<(), AppError> {
    let who = t.as_user(BY);
    match op.clone() {
        Op::Upsert { name, arr, segment } => {
            let input = AccountInput {
                id: id.clone(),
                name: name.into(),
                arr: usd(arr),
                segment: segment.map(Into::into),
            };
            t.app.upsert_account(&who, input).await.map(drop)
        }
        Op::Nps { score, at } => t
            .app
            .record_nps(&who, id, score, Some(time(at)))
            .await
            .map(drop),
        Op::Churn { at, arr_lost } => t
            .app
            .record_churn(&who, id, Some(time(at)), Some(usd(arr_lost)))
            .await
            .map(drop),
        Op::Incident { at } => {
            let incident = Incident {
                account: id.clone(),
                handoff: None,
                field: None,
                note: "asked for the goals again".into(),
                at: Some(time(at)),
            };
            t.app.record_rediscovery(&who, incident).await.map(drop)
        }
    }
}

fn line(id: &AccountId, op: &Op) -> Value {
    let arr = |minor: i64| json!({"minor": minor, "currency": "USD"});
    match op.clone() {
        Op::Upsert {
            name,
            arr: minor,
            segment,
        } => {
            let mut v = json!({"type": "account", "id": id, "name": name, "arr": arr(minor)});
            if let Some(s) = segment {
                v["segment"] = s.into();
            }
            v
        }
        Op::Nps { score, at } => json!({"type": "nps", "account": id, "score": score, "at": at}),
        Op::Churn { at, arr_lost } => {
            json!({"type": "churn", "account": id, "at": at, "arr_lost": arr(arr_lost)})
        }
        Op::Incident { at } => json!({"type": "rediscovery", "account": id, "by": BY, "at": at,
                                       "note": "asked for the goals again"}),
    }
}

/// The account and its stream as stored, without its id, to compare two.
async fn stored(t: &TestApp, id: &AccountId) -> (Value, Vec<Value>) {
    let account = t.app.store().account(&t.org, id).await.unwrap();
    let mut account = serde_json::to_value(account).unwrap();
    if let Value::Object(m) = &mut account {
        m.remove("id");
    }
    let events = t
        .app
        .store()
        .stream_events(&t.org, &format!("account/{id}"))
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            let mut v = serde_json::to_value(&e.event).unwrap();
            if let Value::Object(m) = &mut v {
                m.remove("id");
                m.remove("account");
            }
            v
        })
        .collect();
    (account, events)
}

async fn live_and_import_agree_on_every_account_rule(t: TestApp) {
    // The clock reads 2026-10-01T00:00:00Z.
    let cases: Vec<(&str, bool, Op)> = vec![
        (
            "a name is trimmed, a blank segment is none",
            true,
            Op::Upsert {
                name: "  Northwind  ",
                arr: 4_800_000,
                segment: Some("  "),
            },
        ),
        (
            "a segment is trimmed",
            true,
            Op::Upsert {
                name: "Globex",
                arr: 100,
                segment: Some(" mid-market "),
            },
        ),
        (
            "a blank name is refused",
            false,
            Op::Upsert {
                name: "   ",
                arr: 100,
                segment: None,
            },
        ),
        (
            "a negative ARR is refused",
            false,
            Op::Upsert {
                name: "Initech",
                arr: -1,
                segment: None,
            },
        ),
        (
            "an NPS score above 10 is refused",
            false,
            Op::Nps {
                score: 11,
                at: "2026-09-20T00:00:00Z",
            },
        ),
        (
            "an NPS response from the past is recorded",
            true,
            Op::Nps {
                score: 9,
                at: "2026-09-20T00:00:00Z",
            },
        ),
        (
            "an NPS response dated now is recorded",
            true,
            Op::Nps {
                score: 7,
                at: "2026-10-01T00:00:00Z",
            },
        ),
        (
            "a future-dated NPS response is refused",
            false,
            Op::Nps {
                score: 9,
                at: "2026-10-01T00:00:01Z",
            },
        ),
        (
            "a churn with negative ARR lost is refused",
            false,
            Op::Churn {
                at: "2026-09-20T00:00:00Z",
                arr_lost: -500,
            },
        ),
        (
            "a churn is recorded",
            true,
            Op::Churn {
                at: "2026-09-20T00:00:00Z",
                arr_lost: 500,
            },
        ),
        (
            "a future-dated churn is refused",
            false,
            Op::Churn {
                at: "2026-10-02T00:00:00Z",
                arr_lost: 500,
            },
        ),
        (
            "an incident from the past is recorded",
            true,
            Op::Incident {
                at: "2026-09-20T00:00:00Z",
            },
        ),
        (
            "a future-dated incident is refused",
            false,
            Op::Incident {
                at: "2026-10-02T00:00:00Z",
            },
        ),
    ];
    let mut disagree = Vec::new();
    for (i, (rule, ok, op)) in cases.iter().enumerate() {
        let (l, m) = (
            AccountId::parse(format!("L-{i}")).unwrap(),
            AccountId::parse(format!("I-{i}")).unwrap(),
        );
        if !matches!(op, Op::Upsert { .. }) {
            let base = Op::Upsert {
                name: "Base",
                arr: 1000,
                segment: None,
            };
            live(&t, &l, &base).await.unwrap();
            live(&t, &m, &base).await.unwrap();
        }
        let by_live = live(&t, &l, op).await;
        let by_import = t
            .app
            .import_events(Some(t.org.clone()), line(&m, op).to_string().as_bytes())
            .await;
        if (by_live.is_ok(), by_import.is_ok()) != (*ok, *ok) {
            disagree.push(format!("{rule}: live {by_live:?}, import {by_import:?}"));
        }
        if let (Err(live_err), Err(AppError::Import(lines))) = (&by_live, &by_import)
            && lines[0].1 != live_err.to_string()
        {
            disagree.push(format!(
                "{rule}: the reasons differ: live says {live_err}, import says {lines:?}"
            ));
        }
        let (by_live, by_import) = (stored(&t, &l).await, stored(&t, &m).await);
        if by_live != by_import {
            disagree.push(format!(
                "{rule}: live stores {by_live:?}, import stores {by_import:?}"
            ));
        }
    }
    assert!(disagree.is_empty(), "{}", disagree.join("\n"));
    let store = t.app.store();
    let (i0, i1) = (
        AccountId::parse("I-0").unwrap(),
        AccountId::parse("I-1").unwrap(),
    );
    let a0 = store.account(&t.org, &i0).await.unwrap().unwrap();
    let a1 = store.account(&t.org, &i1).await.unwrap().unwrap();
    assert_eq!((a0.name.as_str(), a0.segment), ("Northwind", None));
    assert_eq!(a1.segment.as_deref(), Some("mid-market"));
}
