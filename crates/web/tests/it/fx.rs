//! Money of different currencies is never added, over HTTP: the leak audit
//! JSON, the currency and rate routes (admins set, members read), the
//! history import of rates, and the currency page — on both backends.

use baton_testkit::{TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Server, start};

on_both_backends!(
    the_leak_audit_json_lists_unconverted_currencies_and_converts_once_rates_are_set,
    only_admins_set_the_currency_and_rates_and_bad_input_is_named,
    rates_imported_as_history_are_what_the_api_reads_back,
    the_currency_page_sets_rates_and_the_leak_audit_page_says_what_it_could_not_convert,
    amounts_above_the_largest_kept_are_refused_by_name_and_the_largest_still_add_up,
);

/// EUR 1,000,000 + USD 5,000 + JPY 50,000,000 at risk under ae-to-onboarding.
const THREE_CURRENCIES: &str = r#"{"type":"account","id":"A-EUR","name":"Euro GmbH","arr":{"minor":100000000,"currency":"EUR"}}
{"type":"account","id":"A-USD","name":"Dollar Inc","arr":{"minor":500000,"currency":"USD"}}
{"type":"account","id":"A-JPY","name":"Yen KK","arr":{"minor":5000000000,"currency":"JPY"}}
{"type":"submitted","handoff":"H-EUR","contract":"ae-to-onboarding","account":"A-EUR","by":"ae1@acme.test","at":"2026-09-01T09:00:00Z"}
{"type":"submitted","handoff":"H-USD","contract":"ae-to-onboarding","account":"A-USD","by":"ae1@acme.test","at":"2026-09-01T09:00:00Z"}
{"type":"submitted","handoff":"H-JPY","contract":"ae-to-onboarding","account":"A-JPY","by":"ae1@acme.test","at":"2026-09-01T09:00:00Z"}"#;

async fn with_three_currencies(t: TestApp) -> Server {
    t.app
        .import_events(Some(t.org.clone()), THREE_CURRENCIES.as_bytes())
        .await
        .unwrap();
    start(t).await
}

fn ae_line(audit: &Value) -> Value {
    audit["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["contract"] == "ae-to-onboarding")
        .cloned()
        .unwrap()
}

async fn the_leak_audit_json_lists_unconverted_currencies_and_converts_once_rates_are_set(
    t: TestApp,
) {
    let s = with_three_currencies(t).await;
    let member = s.as_("cs1@acme.test").await;
    let audit = member
        .get("/leak-audit?from=2026-09&to=2026-10")
        .await
        .expect(200)
        .clone();
    let risk = &ae_line(&audit)["arr_at_risk"];
    assert_eq!(
        (
            risk["minor"].clone(),
            risk["currency"].clone(),
            risk["complete"].clone()
        ),
        (json!(100_000_000), json!("EUR"), json!(false)),
        "only the euros are in the total: {risk}"
    );
    assert_eq!(
        risk["unconverted"],
        json!([
            {"minor": 5_000_000_000_i64, "currency": "JPY"},
            {"minor": 500_000, "currency": "USD"}
        ])
    );
    assert_eq!(audit["missing_rates"], json!(["JPY", "USD"]));
    assert_eq!(audit["complete"], false);
    assert_eq!(audit["currency_source"], "most_common_account_currency");
    assert_eq!(audit["fix_first"], "ae-to-onboarding");

    let admin = s.as_("admin@acme.test").await;
    admin
        .put("/org/currency", json!({"currency": "EUR"}))
        .await
        .expect(200);
    for (c, r) in [("USD", "0.92"), ("JPY", "0.0061")] {
        admin
            .post(
                "/fx-rates",
                json!({"currency": c, "rate": r, "effective": "2026-01-01"}),
            )
            .await
            .expect(201);
    }
    let audit = member
        .get("/leak-audit?from=2026-09&to=2026-10")
        .await
        .expect(200)
        .clone();
    let risk = &ae_line(&audit)["arr_at_risk"];
    assert_eq!(risk["minor"], 130_960_000, "1,309,600.00 EUR: {risk}");
    assert_eq!(risk["complete"], true);
    assert_eq!(
        risk["rates_used"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (
                r["currency"].as_str().unwrap(),
                r["rate"].as_str().unwrap(),
                r["converted"]["minor"].as_i64().unwrap()
            ))
            .collect::<Vec<_>>(),
        [("JPY", "0.0061", 30_500_000), ("USD", "0.92", 460_000)]
    );
    assert_eq!(
        audit["rates_used"],
        json!([
            {"currency": "JPY", "to": "EUR", "effective": "2026-01-01", "rate": "0.0061"},
            {"currency": "USD", "to": "EUR", "effective": "2026-01-01", "rate": "0.92"}
        ])
    );
    assert_eq!(
        (audit["complete"].clone(), audit["currency_source"].clone()),
        (json!(true), json!("set"))
    );
}

async fn only_admins_set_the_currency_and_rates_and_bad_input_is_named(t: TestApp) {
    let s = start(t).await;
    let lead = s.as_("ae-lead@acme.test").await;
    let admin = s.as_("admin@acme.test").await;
    let before = s.events().await;
    lead.put("/org/currency", json!({"currency": "EUR"}))
        .await
        .problem(403, "forbidden");
    admin
        .post(
            "/fx-rates",
            json!({"currency": "USD", "rate": "0.92", "effective": "2026-01-01"}),
        )
        .await
        .problem(422, "rule");
    admin
        .put("/org/currency", json!({"currency": "EUR"}))
        .await
        .expect(200);
    lead.post(
        "/fx-rates",
        json!({"currency": "USD", "rate": "0.92", "effective": "2026-01-01"}),
    )
    .await
    .problem(403, "forbidden");
    for (body, field) in [
        (json!({"currency": "eur"}), "currency"),
        (json!({"currency": "EURO"}), "currency"),
    ] {
        let p = admin.put("/org/currency", body).await;
        assert!(p.body.to_string().contains(field), "{}", p.body);
        p.problem(422, "invalid-input");
    }
    for (body, field) in [
        (
            json!({"currency": "USD", "rate": "0", "effective": "2026-01-01"}),
            "rate",
        ),
        (
            json!({"currency": "USD", "rate": "-1", "effective": "2026-01-01"}),
            "rate",
        ),
        (
            json!({"currency": "USD", "rate": "0.9", "effective": "2026-13-01"}),
            "effective",
        ),
        (
            json!({"currency": "usd", "rate": "0.9", "effective": "2026-01-01"}),
            "currency",
        ),
    ] {
        let p = admin.post("/fx-rates", body.clone()).await;
        assert!(p.body.to_string().contains(field), "{body}: {}", p.body);
        p.problem(422, "invalid-input");
    }
    let p = admin
        .post(
            "/fx-rates",
            json!({"currency": "EUR", "rate": "1.1", "effective": "2026-01-01"}),
        )
        .await;
    assert_eq!(
        p.status, 422,
        "the reporting currency needs no rate: {}",
        p.body
    );
    assert_eq!(
        s.events().await,
        before + 1,
        "only the admin's currency was recorded"
    );
    let read = lead.get("/fx-rates").await.expect(200).clone();
    assert_eq!(
        read["reporting"],
        json!({"currency": "EUR", "source": "set"})
    );
    assert_eq!(read["rates"], json!([]));
}

async fn rates_imported_as_history_are_what_the_api_reads_back(t: TestApp) {
    let s = start(t).await;
    let admin = s.as_("admin@acme.test").await;
    let lines = [
        r#"{"type":"reporting_currency_set","currency":"EUR","by":"admin@acme.test","at":"2026-09-01T09:00:00Z"}"#,
        r#"{"type":"fx_rate_set","currency":"USD","to":"EUR","rate":"0.92","effective":"2026-01-01","by":"admin@acme.test","at":"2026-09-01T09:00:00Z"}"#,
        r#"{"type":"fx_rate_set","currency":"JPY","to":"EUR","rate":"0.0061","effective":"2026-07-01","by":"admin@acme.test","at":"2026-09-01T09:00:00Z"}"#,
    ];
    admin
        .send_raw(
            Method::POST,
            "/import/events",
            "application/x-ndjson",
            lines.join("\n").into_bytes(),
        )
        .await
        .expect(200);
    let read = admin.get("/fx-rates").await.expect(200).clone();
    assert_eq!(
        read["rates"],
        json!([
            {"currency": "JPY", "to": "EUR", "effective": "2026-07-01", "rate": "0.0061"},
            {"currency": "USD", "to": "EUR", "effective": "2026-01-01", "rate": "0.92"}
        ])
    );
    // What export writes is what was imported, line for line.
    let mut out = Vec::new();
    s.t.app.export_events(&s.t.org, &mut out).await.unwrap();
    let out = String::from_utf8(out).unwrap();
    for line in lines {
        let body = line.trim_end_matches('}');
        assert!(out.contains(body), "{line} in the export");
    }
    // A non-admin's rate in a history file is refused, naming the line.
    let bad = r#"{"type":"fx_rate_set","currency":"GBP","to":"EUR","rate":"1.15","effective":"2026-01-01","by":"ae1@acme.test","at":"2026-09-01T09:00:00Z"}"#;
    let p = admin
        .send_raw(
            Method::POST,
            "/import/events",
            "application/x-ndjson",
            bad.as_bytes().to_vec(),
        )
        .await;
    assert!(
        p.body
            .to_string()
            .contains("only org admins set exchange rates"),
        "{}",
        p.body
    );
}

async fn the_currency_page_sets_rates_and_the_leak_audit_page_says_what_it_could_not_convert(
    t: TestApp,
) {
    let admin_session = crate::ui::session(&t, "admin@acme.test").await;
    let member_session = crate::ui::session(&t, "ae1@acme.test").await;
    let s = with_three_currencies(t).await;
    let (status, html) =
        crate::ui::page(&s, &admin_session, "/leak-audit?from=2026-09&to=2026-10").await;
    assert_eq!(status, 200);
    let note = crate::ui::section(&html, "currency");
    assert!(note.contains("no rate into EUR for JPY, USD"), "{note}");
    assert!(
        html.contains("1,000,000 EUR + 50,000,000 JPY + 5,000 USD (no rate)"),
        "the at-risk cell lists what it could not add"
    );
    let (status, html) = crate::ui::page(&s, &admin_session, "/currency").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"add-rate\""), "admins get the forms");
    let token = html
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let post = |session: &str, path: &str, body: String| {
        reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(format!("{}{path}", s.origin))
            .header(reqwest::header::COOKIE, format!("baton_session={session}"))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
    };
    let res = post(
        &admin_session,
        "/currency",
        format!("_csrf={token}&currency=EUR"),
    )
    .await
    .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    for (c, r) in [("USD", "0.92"), ("JPY", "0.0061")] {
        let res = post(
            &admin_session,
            "/currency/rates",
            format!("_csrf={token}&currency={c}&rate={r}&effective=2026-01-01"),
        )
        .await
        .unwrap();
        assert_eq!(res.status().as_u16(), 303, "{c}");
    }
    let res = post(
        &admin_session,
        "/currency/rates",
        format!("_csrf={token}&currency=GBP&rate=abc&effective=2026-01-01"),
    )
    .await
    .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("not a decimal number"));
    let (_, html) = crate::ui::page(&s, &admin_session, "/currency").await;
    let rates = crate::ui::section(&html, "rates-h");
    assert!(
        rates.contains("0.0061") && rates.contains("0.92"),
        "{rates}"
    );
    let (_, html) =
        crate::ui::page(&s, &admin_session, "/leak-audit?from=2026-09&to=2026-10").await;
    assert!(html.contains("1,309,600 EUR"), "converted");
    let note = crate::ui::section(&html, "currency");
    assert!(note.contains("1 USD = 0.92 EUR from 2026-01-01"), "{note}");
    assert!(!note.contains("missing-rates"), "{note}");
    // A member reads the page without forms, and a post of theirs is refused.
    let (status, html) = crate::ui::page(&s, &member_session, "/currency").await;
    assert_eq!(status, 200);
    assert!(!html.contains("id=\"add-rate\""));
    let member_token = html
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .map(str::to_string);
    if let Some(tok) = member_token {
        let res = post(
            &member_session,
            "/currency",
            format!("_csrf={tok}&currency=USD"),
        )
        .await
        .unwrap();
        assert_eq!(res.status().as_u16(), 403);
    }
}

/// The largest amount Baton keeps, in minor units (10^15).
const MAX_MINOR: i64 = 1_000_000_000_000_000;

/// A read never fails on what was written: an amount too large to add up is
/// refused where it comes in (API and history alike, naming the field),
/// and the largest accepted still add up on the leak audit and the rollout.
async fn amounts_above_the_largest_kept_are_refused_by_name_and_the_largest_still_add_up(
    t: TestApp,
) {
    let accounts: String = (1..=12)
        .map(|i| {
            format!(
                r#"{{"type":"account","id":"A-BIG{i}","name":"Big {i}","arr":{{"minor":{MAX_MINOR},"currency":"USD"}}}}
{{"type":"submitted","handoff":"H-BIG{i}","contract":"ae-to-onboarding","account":"A-BIG{i}","by":"ae1@acme.test","at":"2026-09-01T09:00:00Z"}}
"#
            )
        })
        .collect();
    t.app
        .import_events(Some(t.org.clone()), accounts.as_bytes())
        .await
        .unwrap();
    let too_large = format!(
        r#"{{"type":"account","id":"A-HUGE","name":"Huge","arr":{{"minor":{},"currency":"USD"}}}}"#,
        MAX_MINOR + 1
    );
    let refused = t
        .app
        .import_events(Some(t.org.clone()), too_large.as_bytes())
        .await
        .expect_err("an ARR above the largest kept is refused on import");
    assert!(refused.to_string().contains("arr"), "{refused}");
    let s = start(t).await;
    let admin = s.as_("admin@acme.test").await;
    let before = s.events().await;
    let huge = json!({"minor": MAX_MINOR + 1, "currency": "USD"});
    let p = admin
        .post(
            "/accounts",
            json!({"id": "A-HUGE", "name": "Huge", "arr": huge.clone()}),
        )
        .await;
    assert!(p.text.contains("arr"), "{}", p.text);
    p.problem(422, "invalid-input");
    let p = admin
        .post(
            "/signals/churn",
            json!({"account": "A-BIG1", "arr_lost": huge}),
        )
        .await;
    assert!(p.text.contains("arr_lost"), "{}", p.text);
    p.problem(422, "invalid-input");
    assert_eq!(s.events().await, before, "nothing was recorded");

    for i in 1..=12 {
        admin
            .post(
                "/signals/churn",
                json!({"account": format!("A-BIG{i}"), "arr_lost": {"minor": MAX_MINOR, "currency": "USD"}}),
            )
            .await
            .expect(201);
    }
    admin.get("/rollout").await.expect(200);
    let audit = admin.get("/leak-audit").await.expect(200).clone();
    let leaked = &ae_line(&audit)["arr_leaked"];
    assert_eq!(leaked["minor"], json!(12 * MAX_MINOR), "{audit}");
}
