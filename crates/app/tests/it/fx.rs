//! Money of different currencies is never added (issue 16, seam 7): the
//! leak audit converts to the org's reporting currency with the rates an
//! admin set, says which rate it used, and names every currency it could
//! not convert instead of guessing — on both backends.

use baton_app::AppError;
use baton_app::fx::NewRate;
use baton_domain::period::Period;
use baton_domain::{Currency, DomainError, Rate};
use baton_testkit::{TestApp, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    without_rates_money_of_different_currencies_is_not_added_and_the_missing_ones_are_named,
    with_rates_the_leak_audit_converts_and_says_which_rates_it_used,
    leaked_arr_converts_at_the_rate_in_force_on_its_churn_date,
    only_admins_set_the_reporting_currency_and_rates,
    history_import_decides_currency_lines_as_the_live_path_does,
    a_database_from_before_leaks_were_kept_per_churn_finds_them_on_the_next_start,
    a_contract_whose_money_has_no_rate_still_ranks_above_one_without_money,
);

fn c(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

/// Sets EUR as the reporting currency and `rates` (currency, rate,
/// effective date) as the admin.
pub async fn set_rates(t: &TestApp, rates: &[(&str, &str, &str)]) {
    let admin = t.as_user("admin@acme.test");
    t.app
        .set_reporting_currency(&admin, c("EUR"))
        .await
        .unwrap();
    for (code, rate, effective) in rates {
        t.app
            .set_fx_rate(
                &admin,
                NewRate {
                    currency: c(code),
                    rate: Rate::parse(rate).unwrap(),
                    effective: effective.parse().unwrap(),
                },
            )
            .await
            .unwrap();
    }
}

/// The issue's example: EUR 1,000,000 + USD 5,000 + JPY 50,000,000 at risk
/// under ae-to-onboarding (each account's latest handoff scored 0), plus
/// leaked ARR in two currencies churned on different dates.
pub const THREE_CURRENCIES: &str = r#"{"type":"account","id":"A-EUR","name":"Euro GmbH","arr":{"minor":100000000,"currency":"EUR"}}
{"type":"account","id":"A-USD","name":"Dollar Inc","arr":{"minor":500000,"currency":"USD"}}
{"type":"account","id":"A-JPY","name":"Yen KK","arr":{"minor":5000000000,"currency":"JPY"}}
{"type":"submitted","handoff":"H-EUR","contract":"ae-to-onboarding","account":"A-EUR","by":"ae1@acme.test","at":"2026-09-01T09:00:00Z"}
{"type":"submitted","handoff":"H-USD","contract":"ae-to-onboarding","account":"A-USD","by":"ae1@acme.test","at":"2026-09-01T09:00:00Z"}
{"type":"submitted","handoff":"H-JPY","contract":"ae-to-onboarding","account":"A-JPY","by":"ae1@acme.test","at":"2026-09-01T09:00:00Z"}"#;

pub async fn imported(t: &TestApp, extra: &str) {
    let text = format!("{THREE_CURRENCIES}\n{extra}");
    t.import_history(&text).await;
}

/// The leak audit of September and October 2026 as its JSON form, and the
/// line of ae-to-onboarding.
pub async fn leak_audit_json(t: &TestApp) -> (Value, Value) {
    let (from, to): (Period, Period) = ("2026-09".parse().unwrap(), "2026-10".parse().unwrap());
    let audit = t
        .app
        .leak_audit(&t.as_user("ae1@acme.test"), from, to)
        .await
        .unwrap();
    let v = serde_json::to_value(&audit).unwrap();
    let line = v["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["contract"] == "ae-to-onboarding")
        .cloned()
        .unwrap();
    (v, line)
}

async fn without_rates_money_of_different_currencies_is_not_added_and_the_missing_ones_are_named(
    t: TestApp,
) {
    imported(&t, "").await;
    let (audit, line) = leak_audit_json(&t).await;
    // No reporting currency set: the most common account currency, ties to
    // the first code (EUR, JPY, USD: one account each).
    assert_eq!(audit["currency"], "EUR", "{audit}");
    let risk = &line["arr_at_risk"];
    assert_eq!(risk["minor"], 100_000_000, "only the euros: {risk}");
    assert_eq!(risk["currency"], "EUR");
    assert_eq!(risk["complete"], false);
    assert_eq!(
        risk["unconverted"],
        json!([
            {"minor": 5_000_000_000_i64, "currency": "JPY"},
            {"minor": 500_000, "currency": "USD"},
        ]),
        "each currency without a rate, by itself"
    );
    assert_eq!(risk["rates_used"], json!([]));
    assert_eq!(audit["missing_rates"], json!(["JPY", "USD"]));
    assert_eq!(audit["complete"], false);
}

async fn with_rates_the_leak_audit_converts_and_says_which_rates_it_used(t: TestApp) {
    imported(&t, "").await;
    set_rates(
        &t,
        &[
            ("USD", "0.92", "2026-01-01"),
            ("JPY", "0.0061", "2026-01-01"),
        ],
    )
    .await;
    let (audit, line) = leak_audit_json(&t).await;
    assert_eq!(audit["currency"], "EUR");
    assert_eq!(audit["currency_source"], "set");
    let risk = &line["arr_at_risk"];
    // 1,000,000 + 5,000 × 0.92 + 50,000,000 × 0.0061 = 1,309,600 EUR
    assert_eq!(risk["minor"], 130_960_000, "{risk}");
    assert_eq!(risk["currency"], "EUR");
    assert_eq!(risk["complete"], true);
    assert_eq!(risk["unconverted"], json!([]));
    assert_eq!(
        risk["rates_used"],
        json!([
            {"currency": "JPY", "rate": "0.0061", "effective": "2026-01-01",
             "amount": {"minor": 5_000_000_000_i64, "currency": "JPY"},
             "converted": {"minor": 30_500_000, "currency": "EUR"}},
            {"currency": "USD", "rate": "0.92", "effective": "2026-01-01",
             "amount": {"minor": 500_000, "currency": "USD"},
             "converted": {"minor": 460_000, "currency": "EUR"}},
        ])
    );
    assert_eq!(
        audit["rates_used"],
        json!([
            {"currency": "JPY", "to": "EUR", "effective": "2026-01-01", "rate": "0.0061"},
            {"currency": "USD", "to": "EUR", "effective": "2026-01-01", "rate": "0.92"},
        ])
    );
    assert_eq!(audit["missing_rates"], json!([]));
    assert_eq!(audit["complete"], true);
    assert_eq!(
        audit["as_of"], "2026-10-01",
        "at risk converts on the audit's day"
    );
}

async fn leaked_arr_converts_at_the_rate_in_force_on_its_churn_date(t: TestApp) {
    imported(
        &t,
        r#"{"type":"churn","account":"A-USD","at":"2026-09-15T00:00:00Z","arr_lost":{"minor":500000,"currency":"USD"}}
{"type":"churn","account":"A-JPY","at":"2026-10-15T00:00:00Z","arr_lost":{"minor":5000000000,"currency":"JPY"}}"#,
    )
    .await;
    // USD: 0.90 until September, 0.95 from October; JPY only from the 16th.
    set_rates(
        &t,
        &[
            ("USD", "0.90", "2026-01-01"),
            ("USD", "0.95", "2026-10-01"),
            ("JPY", "0.0061", "2026-10-16"),
        ],
    )
    .await;
    let (audit, line) = leak_audit_json(&t).await;
    let leaked = &line["arr_leaked"];
    assert_eq!(
        leaked["minor"], 450_000,
        "5,000 USD at 0.90 (15 September): {leaked}"
    );
    assert_eq!(leaked["rates_used"][0]["rate"], "0.9");
    assert_eq!(leaked["rates_used"][0]["effective"], "2026-01-01");
    assert_eq!(
        leaked["unconverted"],
        json!([{"minor": 5_000_000_000_i64, "currency": "JPY"}]),
        "the yen churned on the 15th, before its rate took effect"
    );
    assert_eq!(audit["missing_rates"], json!(["JPY"]));
    let risk = &line["arr_at_risk"];
    assert_eq!(
        risk["minor"], 100_000_000,
        "churned accounts are not at risk"
    );
    assert_eq!(risk["complete"], true);
    // A rate from the 1st covers the churn of the 15th.
    set_rates(&t, &[("JPY", "0.0061", "2026-10-01")]).await;
    let (audit, line) = leak_audit_json(&t).await;
    assert_eq!(line["arr_leaked"]["minor"], 450_000 + 30_500_000);
    assert_eq!(line["arr_leaked"]["complete"], true);
    assert_eq!(audit["complete"], true);
}

async fn only_admins_set_the_reporting_currency_and_rates(t: TestApp) {
    let member = t.as_user("ae-lead@acme.test");
    let admin = t.as_user("admin@acme.test");
    let usd = NewRate {
        currency: c("USD"),
        rate: Rate::parse("0.92").unwrap(),
        effective: "2026-01-01".parse().unwrap(),
    };
    let forbidden = |r: Result<_, AppError>| {
        assert!(
            matches!(r, Err(AppError::Domain(DomainError::Forbidden(_)))),
            "{r:?}"
        )
    };
    forbidden(t.app.set_reporting_currency(&member, c("EUR")).await);
    forbidden(t.app.set_fx_rate(&member, usd.clone()).await);
    let err = t.app.set_fx_rate(&admin, usd.clone()).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("set the org's reporting currency before"),
        "{err}"
    );
    t.app
        .set_reporting_currency(&admin, c("EUR"))
        .await
        .unwrap();
    let err = t
        .app
        .set_fx_rate(
            &admin,
            NewRate {
                currency: c("EUR"),
                ..usd.clone()
            },
        )
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("EUR is the reporting currency"),
        "{err}"
    );
    t.app.set_fx_rate(&admin, usd).await.unwrap();
    // Anyone in the org reads them.
    let settings = t.app.fx_settings(&member).await.unwrap();
    let v = serde_json::to_value(&settings).unwrap();
    assert_eq!(v["reporting"], json!({"currency": "EUR", "source": "set"}));
    assert_eq!(
        v["rates"],
        json!([{"currency": "USD", "to": "EUR", "effective": "2026-01-01", "rate": "0.92"}])
    );
}

async fn history_import_decides_currency_lines_as_the_live_path_does(t: TestApp) {
    let line = |kind_and_fields: &str| {
        format!(r#"{{"type":{kind_and_fields},"at":"2026-10-01T09:00:00Z"}}"#)
    };
    let bad = [
        (
            line(r#""reporting_currency_set","currency":"EUR","by":"ae1@acme.test""#),
            "only org admins set the reporting currency",
        ),
        (
            line(
                r#""fx_rate_set","currency":"USD","to":"EUR","rate":"0.92","effective":"2026-01-01","by":"admin@acme.test""#,
            ),
            "reporting currency before",
        ),
        (
            format!(
                "{}\n{}",
                line(r#""reporting_currency_set","currency":"GBP","by":"admin@acme.test""#),
                line(
                    r#""fx_rate_set","currency":"USD","to":"EUR","rate":"0.92","effective":"2026-01-01","by":"admin@acme.test""#
                )
            ),
            "converts into EUR, but the reporting currency is GBP",
        ),
        (
            line(
                r#""fx_rate_set","currency":"USD","to":"EUR","rate":"-1","effective":"2026-01-01","by":"admin@acme.test""#,
            ),
            "rate",
        ),
    ];
    for (text, why) in bad {
        let err = t
            .app
            .import_events(Some(t.org.clone()), text.as_bytes())
            .await
            .unwrap_err();
        assert!(err.to_string().contains(why), "{text}: {err}");
    }
    let good = format!(
        "{}\n{}",
        line(r#""reporting_currency_set","currency":"EUR","by":"admin@acme.test""#),
        line(
            r#""fx_rate_set","currency":"USD","to":"EUR","rate":"0.92","effective":"2026-01-01","by":"admin@acme.test""#
        )
    );
    t.app
        .import_events(Some(t.org.clone()), good.as_bytes())
        .await
        .unwrap();
    let v = serde_json::to_value(
        t.app
            .fx_settings(&t.as_user("ae1@acme.test"))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(v["reporting"]["currency"], "EUR");
    assert_eq!(v["rates"][0]["rate"], "0.92");
}

async fn a_database_from_before_leaks_were_kept_per_churn_finds_them_on_the_next_start(t: TestApp) {
    imported(
        &t,
        r#"{"type":"churn","account":"A-USD","at":"2026-09-15T00:00:00Z","arr_lost":{"minor":500000,"currency":"USD"}}"#,
    )
    .await;
    let (before, _) = leak_audit_json(&t).await;
    let dump = t.app.store().dump_projections(&t.org).await.unwrap();
    assert!(
        dump.contains("## scorecard_leaks (2 rows)"),
        "month and week: {dump}"
    );
    // As migration 0015 leaves an older database: no per-churn rows yet,
    // its org listed for the next start.
    t.app
        .store()
        .raw_execute("DELETE FROM scorecard_leaks")
        .await
        .unwrap();
    t.app
        .store()
        .raw_execute("INSERT INTO scorecard_leaks_backfill (org_id) SELECT org_id FROM orgs")
        .await
        .unwrap();
    let store = baton_store::Store::open(&t.db.url).await.unwrap();
    assert_eq!(store.dump_projections(&t.org).await.unwrap(), dump);
    let (after, _) = leak_audit_json(&t).await;
    assert_eq!(after, before);
}

async fn a_contract_whose_money_has_no_rate_still_ranks_above_one_without_money(t: TestApp) {
    let lines = r#"{"type":"account","id":"A-YEN","name":"Yen KK","arr":{"minor":5000000000,"currency":"JPY"}}
{"type":"submitted","handoff":"H-YEN","contract":"sdr-to-ae","account":"A-YEN","by":"sdr1@acme.test","at":"2026-09-01T09:00:00Z"}"#;
    t.app
        .import_events(Some(t.org.clone()), lines.as_bytes())
        .await
        .unwrap();
    t.app
        .set_reporting_currency(&t.as_user("admin@acme.test"), c("EUR"))
        .await
        .unwrap();
    let (audit, _) = leak_audit_json(&t).await;
    assert_eq!(audit["contracts"][0]["contract"], "sdr-to-ae", "{audit}");
    assert_eq!(
        audit["fix_first"], "sdr-to-ae",
        "its yen are at risk even without a rate to add them up"
    );
}
