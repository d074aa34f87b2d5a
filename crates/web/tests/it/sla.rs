//! SLA breaches over HTTP: the handoff's answer lists them, its events carry
//! them (via `system`), and its page shows them in the timeline and the
//! header.

use std::collections::BTreeMap;

use baton_app::handoffs::NewHandoff;
use baton_domain::{AccountId, ContractKey};
use baton_testkit::{ADMIN_PASSWORD, TestApp, on_both_backends, start_time};
use jiff::SignedDuration;
use serde_json::{Value, json};

use crate::harness::start;

on_both_backends!(a_breach_shows_in_the_api_and_on_the_handoff_page);

async fn a_breach_shows_in_the_api_and_on_the_handoff_page(t: TestApp) {
    let s = start(t).await;
    let account = s.account("A-1").await;
    let ae = s.caller("ae1@acme.test");
    let values: BTreeMap<String, Value> =
        serde_json::from_value(json!({"economic_buyer": "Dana Ortiz, CFO"})).unwrap();
    let h =
        s.t.app
            .start_handoff(
                &ae,
                NewHandoff {
                    id: None,
                    contract: ContractKey::parse("ae-to-onboarding").unwrap(),
                    account: AccountId::parse(account.as_str()).unwrap(),
                    to: None,
                    values,
                    attachments: Vec::new(),
                },
            )
            .await
            .unwrap();
    s.t.app.submit(&ae, &h.id).await.unwrap();
    let path = format!("/handoffs/{}", h.id);
    let api = s.as_("ae1@acme.test").await;
    assert_eq!(api.get(&path).await.expect(200)["sla_breaches"], json!([]));

    s.t.clock.set(start_time() + SignedDuration::from_hours(50));
    let round = s.t.app.fire_sla_breaches().await.unwrap();
    assert_eq!(round.fired.len(), 1);

    assert_eq!(
        api.get(&path).await.expect(200)["sla_breaches"],
        json!([{
            "kind": "acceptance",
            "due": "2026-10-03T00:00:00Z",
            "at": "2026-10-03T00:00:00Z",
        }])
    );
    let events = api.get(&format!("{path}/events")).await;
    let breach = events
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"]["type"] == "sla_breached")
        .expect("the breach is in the handoff's events")
        .clone();
    assert_eq!(breach["via"], "system");
    assert_eq!(breach["event"]["kind"], "acceptance");
    assert_eq!(breach["event"]["due"], "2026-10-03T00:00:00Z");

    // The page, as a signed-in browser sees it.
    let login = s
        .anon()
        .post(
            "/session",
            json!({"email": "admin@acme.test", "password": ADMIN_PASSWORD}),
        )
        .await;
    login.expect(200);
    let cookie = login
        .headers
        .get(reqwest::header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{}{path}", s.origin))
        .header(reqwest::header::COOKIE, cookie)
        .header(reqwest::header::ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("SLA breached: acceptance (due 2026-10-03 00:00 UTC)"),
        "the timeline names the breach: {html}"
    );
    let header = html
        .split("id=\"sla-breaches\"")
        .nth(1)
        .expect("the header carries the breach badge");
    assert!(
        header.starts_with("><strong class=\"badge bad\">SLA breached</strong> acceptance (due 2026-10-03 00:00 UTC)"),
        "{header}"
    );
    assert!(html.contains("Overdue"), "still waiting past its SLA");
}
