//! Every table's CSV download: the same rows as the page or the API, a
//! header naming the columns, text cells guarded against spreadsheet
//! formulas, and the page links to it.

use baton_domain::{Email, TeamKey};
use baton_testkit::{SCORECARD_EDGES, SCORECARD_EXAMPLE, SCORECARD_SUPPORT, TestApp};

use super::{page, session};

const ADMIN: &str = "admin@acme.test";

/// The CSV's header and its data lines.
fn split(csv: &str) -> (&str, Vec<&str>) {
    let mut lines = csv.lines();
    let head = lines.next().unwrap_or_default();
    (head, lines.collect())
}

#[tokio::test]
async fn every_table_downloads_as_csv_with_the_rows_it_shows() {
    let t = TestApp::sqlite().await;
    for lines in [SCORECARD_EXAMPLE, SCORECARD_EDGES, SCORECARD_SUPPORT] {
        t.import_history(lines).await;
    }
    // A name a spreadsheet would run as a formula.
    t.app
        .add_user(
            &t.as_user(ADMIN),
            baton_app::org::NewUser {
                email: Email::parse("mallory@acme.test").unwrap(),
                name: "=HYPERLINK(\"http://evil.test\",\"x\")".into(),
                password: None,
                teams: vec![(
                    TeamKey::parse("onboarding").unwrap(),
                    baton_domain::Role::Member,
                )],
                admin: false,
            },
        )
        .await
        .unwrap();
    let cookie = session(&t, ADMIN).await;
    let member = session(&t, "ae1@acme.test").await;
    let s = crate::harness::start(t).await;
    let api = |path: &'static str| {
        let s = &s;
        async move { s.as_(ADMIN).await.get(path).await.expect(200).clone() }
    };

    // The scorecard: six rows per contract, the API's figures.
    let (_, grid) = page(&s, &cookie, "/scorecard?period=2026-10&periods=1").await;
    assert!(
        grid.contains("href=\"/scorecard.csv?period=2026-10&periods=1\""),
        "{grid}"
    );
    let (status, csv) = page(&s, &cookie, "/scorecard.csv?period=2026-10&periods=1").await;
    assert_eq!(status, 200, "{csv}");
    let (head, rows) = split(&csv);
    assert_eq!(head, "contract,period,metric,value,num,den,n,target,status");
    let card = api("/scorecard?period=2026-10").await;
    let contracts = card["contracts"].as_array().unwrap();
    assert_eq!(rows.len(), contracts.len() * 6, "{csv}");
    let ae = contracts
        .iter()
        .find(|c| c["contract"] == "ae-to-onboarding")
        .unwrap();
    let completion = &ae["metrics"]["completion_rate"];
    let line = rows
        .iter()
        .find(|l| l.starts_with("ae-to-onboarding,2026-10,completion_rate,"))
        .unwrap();
    assert!(
        line.contains(&format!(
            ",{},{},",
            completion["num"].as_u64().unwrap(),
            completion["den"].as_u64().unwrap()
        )),
        "{line} against {completion}"
    );

    // The leak audit: one row per contract, in rank order.
    let (status, csv) = page(&s, &cookie, "/leak-audit.csv?from=2026-09&to=2026-10").await;
    assert_eq!(status, 200, "{csv}");
    let (head, rows) = split(&csv);
    assert!(head.starts_with("rank,contract,completion_rate,"), "{head}");
    let audit = s
        .as_(ADMIN)
        .await
        .get("/leak-audit?from=2026-09&to=2026-10")
        .await;
    let audit = audit.expect(200);
    let ranked = audit["contracts"].as_array().unwrap();
    assert_eq!(rows.len(), ranked.len());
    assert!(rows[0].starts_with(&format!("1,{},", ranked[0]["contract"].as_str().unwrap())));
    let (_, html) = page(&s, &cookie, "/leak-audit?from=2026-09&to=2026-10").await;
    assert!(html.contains("href=\"/leak-audit.csv?from=2026-09&to=2026-10\""));

    // A cell: its handoffs, each saying whether it is in the numerator.
    let href =
        "/scorecard/cell.csv?contract=ae-to-onboarding&metric=completion_rate&period=2026-10";
    let (status, csv) = page(&s, &cookie, href).await;
    assert_eq!(status, 200, "{csv}");
    let (head, rows) = split(&csv);
    assert!(head.ends_with(",deal,in_numerator"), "{head}");
    assert_eq!(rows.len() as u64, completion["den"].as_u64().unwrap());
    let yes = rows.iter().filter(|l| l.ends_with(",yes")).count() as u64;
    assert_eq!(yes, completion["num"].as_u64().unwrap());

    // People: the same search as the page; a formula-like name is text.
    let (_, html) = page(&s, &cookie, "/users?q=onboarding").await;
    assert!(html.contains("href=\"/users.csv?q=onboarding\""), "{html}");
    let (status, csv) = page(&s, &cookie, "/users.csv?q=onboarding").await;
    assert_eq!(status, 200);
    let (head, rows) = split(&csv);
    assert_eq!(head, "email,name,admin,active,teams");
    assert!(
        !rows.is_empty() && rows.iter().all(|l| l.contains("onboarding")),
        "{csv}"
    );
    let mallory = rows.iter().find(|l| l.starts_with("mallory@")).unwrap();
    assert!(
        mallory.starts_with("mallory@acme.test,\"'=HYPERLINK("),
        "the formula is guarded: {mallory}"
    );

    // Suggestions and mail: headers, filters, and refusals.
    let (status, csv) = page(&s, &cookie, "/suggestions.csv?status=all").await;
    assert_eq!(status, 200);
    assert!(csv.starts_with("id,status,asked_at,account_id,"), "{csv}");
    let (status, _) = page(&s, &cookie, "/suggestions.csv?status=maybe").await;
    assert_eq!(status, 422);
    let (status, csv) = page(&s, &cookie, "/mail.csv?status=dead").await;
    assert_eq!(status, 200);
    assert!(
        csv.starts_with("created_at,kind,recipient,channel,status,"),
        "{csv}"
    );
    let (status, _) = page(&s, &member, "/mail.csv").await;
    assert_eq!(status, 403, "the mail log is the admins'");

    // Audits: every sample, one row each.
    let (status, csv) = page(&s, &cookie, "/audits.csv").await;
    assert_eq!(status, 200);
    assert!(
        csv.starts_with("contract,sample,handoff,drawn_by,"),
        "{csv}"
    );

    // A subscription's deliveries: one row per queued event.
    let admin = s.t.as_user(ADMIN);
    let hook =
        s.t.app
            .create_webhook(
                &admin,
                baton_app::webhooks::NewWebhook {
                    url: "http://127.0.0.1:9/hook".into(),
                    events: vec!["account".into()],
                    secret: "s3cret-s3cret-s3cret".into(),
                    format: None,
                },
            )
            .await
            .unwrap();
    s.t.account("Z-1", "Zeta").await;
    s.t.account("Z-2", "Zeta Two").await;
    let (_, html) = page(&s, &cookie, "/webhooks").await;
    let href = format!("/webhooks/{}/deliveries.csv", hook.id);
    assert!(html.contains(&format!("href=\"{href}?status=\"")), "{html}");
    let (status, csv) = page(&s, &cookie, &href).await;
    assert_eq!(status, 200, "{csv}");
    let (head, rows) = split(&csv);
    assert!(head.starts_with("seq,event,status,attempts,"), "{head}");
    assert_eq!(rows.len(), 2, "{csv}");
    assert!(
        rows.iter().all(|l| l.contains(",account,pending,0,")),
        "{csv}"
    );
    // The page's status filter, and the CSV of the same filter.
    let (status, html) = page(
        &s,
        &cookie,
        &format!("/webhooks?hook={}&status=dead", hook.id),
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("No dead deliveries."), "{html}");
    assert!(
        html.contains(&format!("href=\"{href}?status=dead\"")),
        "{html}"
    );
    let (_, csv) = page(&s, &cookie, &format!("{href}?status=dead")).await;
    assert_eq!(split(&csv).1.len(), 0, "{csv}");
    let (_, csv) = page(&s, &cookie, &format!("{href}?status=pending")).await;
    assert_eq!(split(&csv).1.len(), 2, "{csv}");
    let (status, _) = page(
        &s,
        &cookie,
        &format!("/webhooks?hook={}&status=lost", hook.id),
    )
    .await;
    assert_eq!(status, 422);
    let api = s
        .as_(ADMIN)
        .await
        .get(&format!(
            "/webhooks/{}/deliveries?status=delivered",
            hook.id
        ))
        .await;
    assert_eq!(api.expect(200)["items"], serde_json::json!([]));

    // Tokens (never a secret) and exchange rates.
    let (_, secret) =
        s.t.app
            .create_token(&admin, "Salesforce flow")
            .await
            .unwrap();
    let (status, csv) = page(&s, &cookie, "/settings/tokens.csv").await;
    assert_eq!(status, 200);
    let (head, rows) = split(&csv);
    assert_eq!(head, "id,name,owner,access,created_at,last_used_at");
    assert!(
        rows.iter()
            .any(|l| l.contains(",Salesforce flow,admin@acme.test,read and write,")),
        "{csv}"
    );
    assert!(!csv.contains(&secret), "a token's secret is never written");
    let (_, html) = page(&s, &cookie, "/settings/tokens?q=SALESFORCE").await;
    assert!(html.contains("Salesforce flow"), "{html}");
    let (_, html) = page(&s, &cookie, "/settings/tokens?q=zendesk").await;
    assert!(html.contains("No token matches “zendesk”"), "{html}");
    let (_, csv) = page(&s, &cookie, "/settings/tokens.csv?q=zendesk").await;
    assert_eq!(split(&csv).1.len(), 0, "{csv}");
    let usd = baton_domain::Currency::parse("USD").unwrap();
    s.t.app
        .set_reporting_currency(&admin, baton_domain::Currency::parse("EUR").unwrap())
        .await
        .unwrap();
    s.t.app
        .set_fx_rate(
            &admin,
            baton_app::fx::NewRate {
                currency: usd,
                rate: baton_domain::Rate::parse("0.92").unwrap(),
                effective: "2026-01-01".parse().unwrap(),
            },
        )
        .await
        .unwrap();
    let (status, csv) = page(&s, &cookie, "/currency/rates.csv").await;
    assert_eq!(status, 200);
    assert_eq!(
        csv,
        "currency,rate,into,effective\nUSD,0.92,EUR,2026-01-01\n"
    );

    // The mail log finds by recipient or kind; the CSV follows the search.
    // The contracts and the rollout plan: one row per contract.
    let (status, csv) = page(&s, &cookie, "/contracts.csv").await;
    assert_eq!(status, 200);
    let (head, rows) = split(&csv);
    assert!(
        head.starts_with("key,title,from,to,mode,version,gate,"),
        "{head}"
    );
    assert_eq!(rows.len(), 6, "{csv}");
    assert!(rows[0].starts_with("mql-to-sdr,"), "lifecycle order: {csv}");
    let (status, csv) = page(&s, &cookie, "/rollout.csv").await;
    assert_eq!(status, 200);
    let (head, rows) = split(&csv);
    assert_eq!(
        head,
        "rank,contract,phase,since,planned,override_reason,gating_blockers"
    );
    assert_eq!(rows.len(), 6, "{csv}");
    let (_, html) = page(&s, &cookie, "/rollout").await;
    assert!(html.contains("href=\"/rollout.csv\""));

    let (status, _) = page(&s, &cookie, "/mail?after=yesterday").await;
    assert_eq!(status, 422, "a page cursor that is not one is refused");
    let (status, html) = page(&s, &cookie, "/mail?q=nobody-at-all").await;
    assert_eq!(status, 200);
    assert!(html.contains("No mail for “nobody-at-all”"), "{html}");
    assert!(
        html.contains("href=\"/mail.csv?status=&q=nobody-at-all\""),
        "{html}"
    );
}
