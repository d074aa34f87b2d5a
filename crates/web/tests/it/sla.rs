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

on_both_backends!(
    a_breach_shows_in_the_api_and_on_the_handoff_page,
    the_receiving_sdr_records_first_touch_over_http_and_a_crm_activity_does_too,
    the_handoff_page_offers_first_touch_to_the_receiving_team,
);

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
                    deal: None,
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

/// An accepted mql-to-sdr handoff (4-hour first-touch SLA) on `account`.
async fn accepted_mql(s: &crate::harness::Server, account: &str) -> String {
    let account = s.account(account).await;
    let marketing = s.caller("marketing1@acme.test");
    let values: BTreeMap<String, Value> =
        serde_json::from_value(json!({"first_touch_sla": 4})).unwrap();
    let h =
        s.t.app
            .start_handoff(
                &marketing,
                NewHandoff {
                    id: None,
                    contract: ContractKey::parse("mql-to-sdr").unwrap(),
                    account: AccountId::parse(account.as_str()).unwrap(),
                    deal: None,
                    to: None,
                    values,
                    attachments: Vec::new(),
                },
            )
            .await
            .unwrap();
    s.t.app.submit(&marketing, &h.id).await.unwrap();
    s.t.app
        .accept(&s.caller("sdr1@acme.test"), &h.id, BTreeMap::new())
        .await
        .unwrap();
    h.id.to_string()
}

async fn the_receiving_sdr_records_first_touch_over_http_and_a_crm_activity_does_too(t: TestApp) {
    let s = start(t).await;
    let id = accepted_mql(&s, "A-1").await;
    let path = format!("/handoffs/{id}/first-touch");
    let sdr = s.as_("sdr1@acme.test").await;
    // Only the receiving team; a known channel; nothing unknown in the body.
    s.as_("marketing1@acme.test")
        .await
        .post(&path, json!({}))
        .await
        .problem(403, "forbidden");
    sdr.post(&path, json!({"channel": "pigeon"}))
        .await
        .problem(422, "invalid-input");
    sdr.post(&path, json!({"chanel": "call"})).await.expect(422);
    s.t.clock.set(start_time() + SignedDuration::from_hours(3));
    let body = sdr
        .post(&path, json!({"channel": "call", "note": "Booked a demo"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(body["first_touch"]["by"], "sdr1@acme.test");
    assert_eq!(body["first_touch"]["at"], "2026-10-01T03:00:00Z");
    assert_eq!(body["first_touch"]["channel"], "call");
    assert_eq!(body["sla_breaches"], json!([]));
    sdr.post(&path, json!({})).await.problem(422, "rule");
    let events = sdr.get(&format!("/handoffs/{id}/events")).await;
    let touch = events
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"]["type"] == "first_touch")
        .expect("the first touch is in the handoff's events")
        .clone();
    assert_eq!(touch["event"]["note"], "Booked a demo");
    s.t.clock
        .set(start_time() + SignedDuration::from_hours(100));
    assert_eq!(s.t.app.fire_sla_breaches().await.unwrap().fired, vec![]);

    // A call logged in the CRM is the first touch of the lead's handoff.
    let other = accepted_mql(&s, "A-2").await;
    let admin = s.as_("admin@acme.test").await;
    let activity = json!({"account": "A-2", "kind": "call", "owner": "sdr1@acme.test", "subject": "Intro call"});
    let body = admin
        .post("/inbound/crm/activity", activity.clone())
        .await
        .expect(200)
        .clone();
    assert_eq!(body["id"], other.as_str());
    assert_eq!(body["first_touch"]["by"], "sdr1@acme.test");
    assert_eq!(body["first_touch"]["channel"], "call");
    // Delivered again: nothing waits for it.
    assert!(
        admin
            .post("/inbound/crm/activity", activity)
            .await
            .expect(202)["ignored"]
            .is_string()
    );
    admin
        .post(
            "/inbound/crm/activity",
            json!({"account": "A-2", "kind": "fax", "owner": "sdr1@acme.test"}),
        )
        .await
        .problem(422, "invalid-input");

    // Both routes are documented.
    let doc = s.anon().get("/openapi.json").await.expect(200).clone();
    for (route, want) in [
        ("/handoffs/{id}/first-touch", "FirstTouchBody"),
        ("/inbound/crm/activity", "CrmActivityBody"),
    ] {
        let op = &doc["paths"][route]["post"];
        assert!(op.is_object(), "{route} is not documented");
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            format!("#/components/schemas/{want}"),
            "{route}"
        );
    }
}

async fn the_handoff_page_offers_first_touch_to_the_receiving_team(t: TestApp) {
    let s = start(t).await;
    let id = accepted_mql(&s, "A-1").await;
    let path = format!("/handoffs/{id}");
    let marketing = crate::ui::session(&s.t, "marketing1@acme.test").await;
    let (status, html) = crate::ui::page(&s, &marketing, &path).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("id=\"first-touch-h\""),
        "the panel shows: {html}"
    );
    assert!(
        !html.contains("id=\"first-touch-form\""),
        "the sender is not offered the receiver's action"
    );
    let sdr = crate::ui::session(&s.t, "sdr1@acme.test").await;
    let (_, html) = crate::ui::page(&s, &sdr, &path).await;
    let panel = crate::ui::section(&html, "first-touch-h");
    assert!(panel.contains("not yet"), "{panel}");
    assert!(panel.contains("due 2026-10-01 04:00 UTC"), "{panel}");
    assert!(panel.contains("id=\"first-touch-form\""), "{panel}");
    let csrf = panel
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    // The form, as the browser posts it.
    s.t.clock.set(start_time() + SignedDuration::from_hours(2));
    let res = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}{path}/first-touch", s.origin))
        .header(reqwest::header::COOKIE, format!("baton_session={sdr}"))
        .header(reqwest::header::ORIGIN, s.origin.clone())
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(format!("_csrf={csrf}&channel=call&note=Booked+a+demo"))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let (_, html) = crate::ui::page(&s, &sdr, &path).await;
    let panel = crate::ui::section(&html, "first-touch-h");
    assert!(
        panel.contains("2026-10-01 02:00 UTC by sdr1@acme.test (call)"),
        "{panel}"
    );
    assert!(!panel.contains("id=\"first-touch-form\""), "once: {panel}");
    assert!(
        html.contains("made the first touch (call)"),
        "the timeline tells it: {html}"
    );
}
