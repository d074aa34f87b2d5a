//! The scorecard, its trend charts and the leak audit in the browser: every
//! figure on the page is the API's figure for the same data, worded the way
//! the SPEC reads it, with its status as a word and its sample in reach.

use std::collections::BTreeMap;

use baton_demo::{DemoSpec, generate};
use baton_testkit::{SCORECARD_EDGES, SCORECARD_EXAMPLE, SCORECARD_SUPPORT, TestApp};
use serde_json::{Value, json};

use super::{PASSWORD, app, open};
use crate::browser::Browser;
use crate::harness::Server;

const WHO: &str = "cs-lead@acme.test";

const METRICS: [&str; 6] = [
    "completion_rate",
    "receiver_acceptance",
    "time_to_acceptance",
    "rediscovery_incidence",
    "nps_delta",
    "leak_to_churn",
];

/// One decimal, no trailing `.0`, never `-0`: how the page rounds.
fn dec(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 {
        return "0".into();
    }
    let s = format!("{r:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

fn signed(v: f64) -> String {
    let s = dec(v);
    if s == "0" || s.starts_with('-') {
        format!("{s} pts")
    } else {
        format!("+{s} pts")
    }
}

/// The API's value as the page should show it.
fn shown(metric: &str, m: &Value) -> String {
    let Some(v) = m["value"].as_f64() else {
        return "no data".into();
    };
    match metric {
        "time_to_acceptance" => format!("{} h", dec(v)),
        "nps_delta" => signed(v),
        _ => format!("{}%", dec(v * 100.0)),
    }
}

/// The API's sample (num/den, n, before/after) as the page's small print.
fn sample(metric: &str, m: &Value) -> Vec<String> {
    let u = |k: &str| m[k].as_u64().unwrap();
    match metric {
        "time_to_acceptance" => vec![format!("median of {}", u("n"))],
        "nps_delta" => {
            let side = |v: &str, n: &str| {
                m[v].as_f64().map_or("no responses".into(), |x| {
                    format!("{} (n {})", signed(x).trim_end_matches(" pts"), u(n))
                })
            };
            vec![
                format!("before {}", side("before", "before_n")),
                format!("after {}", side("after", "after_n")),
            ]
        }
        _ => vec![format!("{} of {}", u("num"), u("den"))],
    }
}

/// The API's status as the cell's class and word.
fn status(m: &Value) -> (&'static str, &'static str) {
    match m["status"].as_str().unwrap() {
        "met" => ("status-good", "✓ met"),
        "missed" => ("status-bad", "✗ missed"),
        "measured" => ("status-measured", "● measured"),
        "no_data" => ("status-none", ""),
        other => panic!("unknown status {other}"),
    }
}

fn cell(contract: &str, metric: &str) -> String {
    format!("td[data-contract=\"{contract}\"][data-metric=\"{metric}\"]")
}

/// Every cell of the grid on the page against `api`'s `contracts`: value,
/// status word and colour class, and sample. Returns how many had data.
async fn grid_matches_the_api(b: &Browser, api: &Value) -> usize {
    let cards = api["contracts"].as_array().unwrap();
    assert_eq!(cards.len(), 6, "six contracts");
    let rows = b.find_all("table.sc-grid tbody tr").await;
    assert_eq!(rows.len(), cards.len(), "one row per contract");
    let mut with_data = 0;
    for card in cards {
        let k = card["contract"].as_str().unwrap();
        for metric in METRICS {
            let m = &card["metrics"][metric];
            let at = cell(k, metric);
            let value = b.text(&format!("{at} .v")).await;
            assert_eq!(value, shown(metric, m), "{k} {metric}: {m}");
            let (class, word) = status(m);
            let classes = b.attribute(&at, "class").await.unwrap_or_default();
            assert!(classes.contains(class), "{k} {metric}: {classes} for {m}");
            assert_eq!(b.text(&format!("{at} .st")).await, word, "{k} {metric}");
            let mut small = Vec::new();
            for el in b.find_all(&format!("{at} small.n")).await {
                small.push(b.text_of(&el).await);
            }
            assert_eq!(small, sample(metric, m), "{k} {metric}");
            with_data += usize::from(!m["value"].is_null());
        }
    }
    with_data
}

/// Waits until the browser is at a URL containing `part` (after a form
/// submission); the path, unlike an element, never goes stale mid-navigation.
async fn wait_path(b: &Browser, part: &str) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let path = b.path().await;
        if path.contains(part) {
            return path;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never reached {part}; at {path}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn import(t: &TestApp, lines: &str) {
    t.import_history(lines).await;
}

/// A page's status and HTML as a signed-in browser would get them.
async fn page(s: &Server, who: &str, path: &str) -> (u16, String) {
    let r = s
        .anon()
        .post("/session", json!({"email": who, "password": PASSWORD}))
        .await;
    r.expect(200);
    let cookie = r.headers[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let res = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", s.origin))
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn the_scorecard_shows_the_apis_numbers_for_the_worked_example_and_the_picker_changes_the_period()
 {
    let Some(t) = app().await else { return };
    // The worked example (ae-to-onboarding) and the other golden datasets
    // (sdr-to-ae, mql-to-sdr, cs-to-support): accounts do not overlap.
    for lines in [SCORECARD_EXAMPLE, SCORECARD_EDGES, SCORECARD_SUPPORT] {
        import(&t, lines).await;
    }
    let (s, b) = open(t, &[WHO]).await;
    b.login(WHO, PASSWORD).await;
    b.goto("/scorecard?period=2026-10").await;
    assert!(b.text("main h1").await.contains("October 2026"));
    assert_eq!(
        b.attribute("header nav a[aria-current=page]", "href")
            .await
            .as_deref(),
        Some("/scorecard")
    );
    let api = s
        .as_(WHO)
        .await
        .get("/scorecard?period=2026-10")
        .await
        .expect(200)
        .clone();
    let with_data = grid_matches_the_api(&b, &api).await;
    assert!(
        with_data >= 12,
        "the fixtures fill several contracts: {with_data}"
    );

    // The hand-computed numbers of scorecard-example.md, as the page words them.
    let ae = |m: &str| cell("ae-to-onboarding", m);
    assert_eq!(
        b.text(&format!("{} .v", ae("completion_rate"))).await,
        "75%"
    );
    assert_eq!(
        b.attribute(&ae("completion_rate"), "title")
            .await
            .as_deref(),
        Some("3 of 4 handoffs accepted in 2026-10 scored 100 at acceptance")
    );
    assert_eq!(
        b.attribute(&ae("receiver_acceptance"), "title")
            .await
            .as_deref(),
        Some(
            "2 of 4 handoffs first decided in 2026-10 accepted first time with no \
             re-discovery within 30 days"
        )
    );
    assert_eq!(
        b.text(&format!("{} .v", ae("time_to_acceptance"))).await,
        "36 h"
    );
    assert_eq!(
        b.text(&format!("{} .v", ae("nps_delta"))).await,
        "+83.3 pts"
    );
    assert!(
        b.attribute(&ae("nps_delta"), "title")
            .await
            .unwrap()
            .contains("(3 responses) minus NPS before first submission -50 (2 responses)")
    );
    assert_eq!(
        b.text(&format!("{} .st", ae("leak_to_churn"))).await,
        "● measured"
    );
    // The targets head the columns.
    assert!(
        b.text("th[data-metric=completion_rate]")
            .await
            .contains("target ≥ 90%")
    );
    assert!(
        b.text("th[data-metric=time_to_acceptance]")
            .await
            .contains("target < 48 h")
    );
    // sdr-to-ae's October completion is below 70%: aspirational.
    assert_eq!(
        b.text(&format!(
            "{} .aspirational",
            cell("sdr-to-ae", "completion_rate")
        ))
        .await,
        "aspirational"
    );

    // Six trend charts, one line (or point) per contract, May to October.
    assert_eq!(b.find_all("svg.chart").await.len(), 6);
    let chart = "figure[data-metric=completion_rate] svg.chart";
    assert_eq!(
        b.find_all(&format!("{chart} g.series")).await.len(),
        6,
        "a series per contract"
    );
    assert_eq!(
        b.find_all(&format!("{chart} g.x-axis text")).await.len(),
        6,
        "six periods labelled"
    );
    // Only October has ae-to-onboarding data: one marker and no line (a
    // gap is not a zero). Absent elements are counted through present
    // parents: the browser waits for a selector that matches nothing.
    let ae_series = format!("{chart} g.series[data-series=ae-to-onboarding] > *");
    let drawn = b.find_all(&ae_series).await;
    assert_eq!(drawn.len(), 1);
    assert_eq!(
        b.attribute(&ae_series, "class").await.as_deref(),
        Some("marker")
    );
    assert_eq!(
        b.find_all("svg.chart line.target").await.len(),
        5,
        "every target is drawn; leak-to-churn is measured, with no target"
    );
    assert_eq!(
        b.find_all("figure[data-metric=completion_rate] line.target")
            .await
            .len(),
        1
    );
    let labelled = b.attribute(chart, "aria-labelledby").await.unwrap();
    assert_eq!(labelled, "trend-completion-rate-t trend-completion-rate-d");
    assert_eq!(b.find_all(".sc-legend li").await.len(), 6);
    b.screenshot_full("scorecard-example").await;

    // The picker: September, three periods of trend.
    b.click("select#period option[value=\"2026-09\"]").await;
    b.fill("#periods", "3").await;
    b.click("#picker button[type=submit]").await;
    let path = wait_path(&b, "period=2026-09").await;
    assert!(path.contains("periods=3"), "{path}");
    assert!(b.text("main h1").await.contains("September 2026"));
    assert_eq!(
        b.text(&format!("{} .v", ae("completion_rate"))).await,
        "no data"
    );
    assert_eq!(b.property("#periods", "value").await, json!("3"));
    assert_eq!(b.find_all(&format!("{chart} g.x-axis text")).await.len(), 3);
    let sept = s
        .as_(WHO)
        .await
        .get("/scorecard?period=2026-09")
        .await
        .expect(200)
        .clone();
    grid_matches_the_api(&b, &sept).await;

    // A week works too.
    b.goto("/scorecard?period=2026-W43&periods=1").await;
    let w43 = s
        .as_(WHO)
        .await
        .get("/scorecard?period=2026-W43")
        .await
        .expect(200)
        .clone();
    grid_matches_the_api(&b, &w43).await;
    assert_eq!(
        b.text(&format!("{} .v", ae("completion_rate"))).await,
        "100%"
    );

    // A period that does not exist: 422, naming the parameter.
    let (status, html) = page(&s, WHO, "/scorecard?period=2026-13").await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.contains("period:") && html.contains("2026-13"),
        "{html}"
    );
    let (status, html) = page(&s, WHO, "/scorecard?period=2026-10&periods=lots").await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("periods:"), "{html}");
    b.goto("/scorecard?period=2026-13").await;
    assert!(b.text("main .error").await.contains("2026-13"));
}

/// Money as `crate::ui::money` writes it: `30,000 USD`.
fn money(m: &Value) -> String {
    let units = m["minor"].as_i64().unwrap() / 100;
    let digits = units.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out} {}", m["currency"].as_str().unwrap())
}

/// The ranking on the page against the API's: order, ARR, and fix first.
async fn audit_matches_the_api(b: &Browser, api: &Value) {
    let lines = api["contracts"].as_array().unwrap();
    let rows = b.find_all("table.sc-audit tbody tr").await;
    assert_eq!(rows.len(), lines.len());
    for (i, line) in lines.iter().enumerate() {
        let k = line["contract"].as_str().unwrap();
        let row = format!("table.sc-audit tbody tr:nth-child({})", i + 1);
        assert_eq!(
            b.attribute(&row, "data-contract").await.as_deref(),
            Some(k),
            "rank {}",
            i + 1
        );
        assert_eq!(b.text(&format!("{row} td.rank")).await, (i + 1).to_string());
        assert_eq!(
            b.text(&format!("{row} td.leaked")).await,
            money(&line["arr_leaked"])
        );
        assert_eq!(
            b.text(&format!("{row} td.at-risk")).await,
            money(&line["arr_at_risk"])
        );
        for metric in [
            "completion_rate",
            "receiver_acceptance",
            "rediscovery_incidence",
        ] {
            let at = format!("{row} {}", cell(k, metric));
            assert_eq!(
                b.text(&format!("{at} .v")).await,
                shown(metric, &line[metric]),
                "{k} {metric}"
            );
        }
    }
    match api["fix_first"].as_str() {
        Some(k) => {
            assert_eq!(
                b.attribute("#fix-first", "data-contract").await.as_deref(),
                Some(k)
            );
            assert!(b.text("#fix-first h2").await.starts_with("Fix first"));
        }
        None => assert!(b.text("#fix-first").await.contains("Nothing leaks")),
    }
}

#[tokio::test]
async fn the_leak_audit_ranks_like_the_api_and_names_the_contract_to_fix_first() {
    let Some(t) = app().await else { return };
    for lines in [SCORECARD_EXAMPLE, SCORECARD_EDGES, SCORECARD_SUPPORT] {
        import(&t, lines).await;
    }
    let (s, b) = open(t, &[WHO]).await;
    b.login(WHO, PASSWORD).await;
    let c = s.as_(WHO).await;

    b.goto("/leak-audit?from=2026-05&to=2026-10").await;
    let api = c
        .get("/leak-audit?from=2026-05&to=2026-10")
        .await
        .expect(200)
        .clone();
    audit_matches_the_api(&b, &api).await;
    // scorecard-edges.md: sdr-to-ae leaked 50,000 USD in October, the most.
    assert_eq!(api["fix_first"], "sdr-to-ae");
    let fix = b.text("#fix-first").await;
    assert!(fix.contains("SDR → AE"), "{fix}");
    assert!(fix.contains("50,000 USD"), "{fix}");
    assert!(fix.contains("The fix:"), "{fix}");
    // The worked example: 30,000 leaked and 243,000 at risk for ae-to-onboarding.
    let ae = "table.sc-audit tr[data-contract=ae-to-onboarding]";
    assert_eq!(b.text(&format!("{ae} td.leaked")).await, "30,000 USD");
    assert_eq!(b.text(&format!("{ae} td.at-risk")).await, "243,000 USD");

    // The range picker: September alone, where nothing leaked.
    b.click("select#from option[value=\"2026-09\"]").await;
    b.click("select#to option[value=\"2026-09\"]").await;
    b.click("#range button[type=submit]").await;
    wait_path(&b, "from=2026-09&to=2026-09").await;
    assert!(b.text("main h1").await.contains("September 2026"));
    let sept = c
        .get("/leak-audit?from=2026-09&to=2026-09")
        .await
        .expect(200)
        .clone();
    audit_matches_the_api(&b, &sept).await;

    let (status, html) = page(&s, WHO, "/leak-audit?from=2026-10&to=2026-05").await;
    assert_eq!(status, 422, "{html}");
    let (status, html) = page(&s, WHO, "/leak-audit?from=May").await;
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("from:"), "{html}");
}

#[tokio::test]
async fn a_years_demo_history_fills_the_grid_the_trends_and_the_audit_as_the_api_says() {
    let Some(t) = app().await else { return };
    let mut lines = Vec::new();
    generate(
        &DemoSpec {
            accounts: 240,
            months: 7,
            seed: 5,
            end: "2026-10-01T00:00:00Z".parse().unwrap(),
        },
        &mut lines,
    )
    .unwrap();
    t.app
        .import_events(Some(t.org.clone()), &lines[..])
        .await
        .unwrap();
    let (s, b) = open(t, &[WHO]).await;
    b.login(WHO, PASSWORD).await;
    let c = s.as_(WHO).await;

    b.goto("/scorecard?period=2026-09&periods=6").await;
    let api = c
        .get("/scorecard?period=2026-09&periods=6")
        .await
        .expect(200)
        .clone();
    let with_data = grid_matches_the_api(&b, &api).await;
    assert!(with_data >= 24, "the demo fills most cells: {with_data}");
    // Each contract with data in two neighbouring months draws a line.
    let lines = b
        .find_all("figure[data-metric=completion_rate] g.series polyline")
        .await;
    assert!(lines.len() >= 4, "{} lines", lines.len());
    b.screenshot_full("scorecard").await;

    b.goto("/leak-audit?from=2026-04&to=2026-09").await;
    let audit = c
        .get("/leak-audit?from=2026-04&to=2026-09")
        .await
        .expect(200)
        .clone();
    audit_matches_the_api(&b, &audit).await;
    assert!(audit["fix_first"].is_string(), "the demo leaks");
    b.screenshot_full("leak-audit").await;
}

/// The scorecard opens on the latest complete month; a running period is
/// labelled as such wherever it is chosen.
#[tokio::test]
async fn the_scorecard_opens_on_the_last_complete_month_and_labels_a_running_one() {
    let t = baton_testkit::TestApp::sqlite().await;
    t.clock.set("2026-11-12T09:00:00Z".parse().unwrap());
    let cookie = super::session(&t, WHO).await;
    let s = crate::harness::start(t).await;
    let (status, html) = super::page(&s, &cookie, "/scorecard").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<span class=\"sc-period\">October 2026</span>"),
        "{html}"
    );
    assert!(!html.contains("id=\"partial\""));
    let (_, html) = super::page(&s, &cookie, "/scorecard?period=2026-11").await;
    assert!(html.contains("id=\"partial\""), "{html}");
    assert!(html.contains("November 2026 (in progress)"));
}

/// Every cell with something counted links to the handoffs it counts: its
/// numerator, then the rest of its denominator, adding up to the API's
/// figures (in handoffs or accounts, as the metric counts) for every
/// contract of the golden datasets.
#[tokio::test]
async fn a_cell_lists_the_handoffs_it_counts_and_they_add_up_to_the_cell() {
    let t = TestApp::sqlite().await;
    for lines in [SCORECARD_EXAMPLE, SCORECARD_EDGES, SCORECARD_SUPPORT] {
        import(&t, lines).await;
    }
    let cookie = super::session(&t, WHO).await;
    let s = crate::harness::start(t).await;
    let api = s
        .as_(WHO)
        .await
        .get("/scorecard?period=2026-10")
        .await
        .expect(200)
        .clone();
    let (_, grid) = super::page(&s, &cookie, "/scorecard?period=2026-10").await;
    let mut checked = BTreeMap::new();
    for card in api["contracts"].as_array().unwrap() {
        let k = card["contract"].as_str().unwrap();
        for (metric, unit) in [
            ("completion_rate", "handoffs"),
            ("receiver_acceptance", "handoffs"),
            ("rediscovery_incidence", "accounts"),
            ("leak_to_churn", "accounts"),
        ] {
            let m = &card["metrics"][metric];
            let (num, den) = (
                m["num"].as_u64().unwrap_or(0),
                m["den"].as_u64().unwrap_or(0),
            );
            if den == 0 {
                continue;
            }
            let href = format!("/scorecard/cell?contract={k}&metric={metric}&period=2026-10");
            assert!(
                grid.contains(&format!("href=\"{href}\"")),
                "{k} {metric} links"
            );
            let (status, html) = super::page(&s, &cookie, &href).await;
            assert_eq!(status, 200, "{html}");
            assert!(
                html.contains(&format!("{num} of {den} {unit} count in the numerator")),
                "{k} {metric}: {num} of {den} in {html}"
            );
            let rows = |id: &str| {
                let part = super::section(&html, id);
                part.matches("<tr").count().saturating_sub(1) as u64
            };
            if unit == "handoffs" {
                assert_eq!(rows("counted"), num, "{k} {metric}");
                assert_eq!(rows("not-counted"), den - num, "{k} {metric}");
            } else {
                // One or more handoffs per account.
                assert!(rows("counted") >= num, "{k} {metric}");
                assert!(rows("counted") + rows("not-counted") >= den, "{k} {metric}");
            }
            *checked.entry(metric).or_insert(0) += 1;
        }
        // The measures list the handoffs they are measured over.
        let tta = &card["metrics"]["time_to_acceptance"];
        if let Some(n) = tta["n"].as_u64().filter(|n| *n > 0) {
            let href =
                format!("/scorecard/cell?contract={k}&metric=time_to_acceptance&period=2026-10");
            let (status, html) = super::page(&s, &cookie, &href).await;
            assert_eq!(status, 200, "{html}");
            assert!(
                html.contains(&format!("{n} handoffs make the median")),
                "{html}"
            );
            assert!(!html.contains("id=\"not-counted\""), "a median has no rest");
            *checked.entry("time_to_acceptance").or_insert(0) += 1;
        }
        let nps = &card["metrics"]["nps_delta"];
        let responses =
            nps["before_n"].as_u64().unwrap_or(0) + nps["after_n"].as_u64().unwrap_or(0);
        if responses > 0 {
            let href = format!("/scorecard/cell?contract={k}&metric=nps_delta&period=2026-10");
            assert!(grid.contains(&format!("href=\"{href}\"")), "{k} nps links");
            let (status, html) = super::page(&s, &cookie, &href).await;
            assert_eq!(status, 200, "{html}");
            assert!(html.contains("responses before and"), "{html}");
            *checked.entry("nps_delta").or_insert(0) += 1;
        }
    }
    assert!(
        checked.len() >= 5 && checked.values().sum::<i32>() >= 8,
        "the datasets fill cells of most metrics: {checked:?}"
    );
    let (status, html) = super::page(
        &s,
        &cookie,
        "/scorecard/cell?contract=ae-to-onboarding&metric=happiness&period=2026-10",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("unknown metric"), "{html}");
}
