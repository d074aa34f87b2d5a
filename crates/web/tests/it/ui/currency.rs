//! The currency page in a browser: an admin sets the reporting currency and
//! a rate, and the leak audit then converts, says which rate it used and
//! names the currency still without one.

use super::{PASSWORD, app, open};

const ADMIN: &str = "admin@acme.test";

const HISTORY: &str = r#"{"type":"account","id":"A-EUR","name":"Euro GmbH","arr":{"minor":100000000,"currency":"EUR"}}
{"type":"account","id":"A-USD","name":"Dollar Inc","arr":{"minor":500000,"currency":"USD"}}
{"type":"account","id":"A-JPY","name":"Yen KK","arr":{"minor":5000000000,"currency":"JPY"}}
{"type":"submitted","handoff":"H-EUR","contract":"ae-to-onboarding","account":"A-EUR","by":"ae1@acme.test","at":"2026-09-01T09:00:00Z"}
{"type":"submitted","handoff":"H-USD","contract":"ae-to-onboarding","account":"A-USD","by":"ae1@acme.test","at":"2026-09-01T09:00:00Z"}
{"type":"submitted","handoff":"H-JPY","contract":"ae-to-onboarding","account":"A-JPY","by":"ae1@acme.test","at":"2026-09-01T09:00:00Z"}"#;

#[tokio::test]
async fn an_admin_sets_the_currency_and_a_rate_and_the_leak_audit_converts_with_it() {
    let Some(t) = app().await else {
        return;
    };
    t.app
        .import_events(Some(t.org.clone()), HISTORY.as_bytes())
        .await
        .unwrap();
    let (_s, b) = open(t, &[]).await;
    b.login(ADMIN, PASSWORD).await;
    b.goto("/leak-audit?from=2026-09&to=2026-10").await;
    let missing = b.text("#missing-rates").await;
    assert!(missing.contains("JPY, USD"), "{missing}");

    b.goto("/currency").await;
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());
    b.fill("#currency", "EUR").await;
    b.click("#set-currency button[type=submit]").await;
    b.wait_text("#done", |t| t.contains("Reporting currency saved"))
        .await;
    assert!(b.text("#reporting").await.contains("set by an admin"));

    b.fill("#rate-currency", "USD").await;
    b.fill("#rate-rate", "0.92").await;
    b.execute("document.querySelector('#rate-effective').value = '2026-01-01';")
        .await;
    b.click("#add-rate button[type=submit]").await;
    b.wait_text("#done", |t| t.contains("Rate saved")).await;
    let rates = b.text("#rates").await;
    assert!(rates.contains("1 USD") && rates.contains("0.92"), "{rates}");

    b.goto("/leak-audit?from=2026-09&to=2026-10").await;
    let note = b.text("#currency").await;
    assert!(note.contains("1 USD = 0.92 EUR from 2026-01-01"), "{note}");
    assert!(note.contains("no rate into EUR for JPY"), "{note}");
    let risk = b
        .text("tr[data-contract=ae-to-onboarding] td.at-risk")
        .await;
    assert_eq!(risk, "1,004,600 EUR + 50,000,000 JPY (no rate)");
    b.screenshot_full("leak-audit-currencies").await;
}
