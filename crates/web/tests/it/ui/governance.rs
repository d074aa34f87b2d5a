//! Concrete tests, the rollout board and incentives in the browser, checked
//! against the JSON API over the same data.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use baton_app::rollout::RolloutMove;
use baton_domain::ContractKey;
use baton_domain::rollout::Phase;
use baton_testkit::{SCORECARD_EXAMPLE, SCORECARD_SUPPORT, TestApp};
use serde_json::{Value, json};

use super::{PASSWORD, app, open};
use crate::browser::Browser;
use crate::harness::Server;

/// Clicks `css` (a form's button) and waits until the browser is at the
/// address the form led to, so nothing read next belongs to the old page.
/// Every answer of these pages has an address of its own.
async fn submit(b: &Browser, css: &str) {
    let before = b.path().await;
    b.click(css).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while b.path().await == before {
        assert!(Instant::now() < deadline, "{css} led nowhere");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn at(s: &str) -> baton_domain::Timestamp {
    s.parse().unwrap()
}

async fn import(t: &TestApp, jsonl: &str) {
    t.import_history(jsonl).await;
}

/// A session cookie for `who`, signed in through the API, for the UI's
/// routes that the harness client (which speaks `/api/v1`) cannot reach.
async fn session(s: &Server, who: &str) -> String {
    let r = s
        .anon()
        .post("/session", json!({"email": who, "password": PASSWORD}))
        .await;
    assert!(r.status < 300, "{}", r.text);
    let cookie = r.headers[reqwest::header::SET_COOKIE].to_str().unwrap();
    cookie
        .split(';')
        .next()
        .unwrap()
        .strip_prefix("baton_session=")
        .unwrap()
        .to_string()
}

/// A plain HTTP client that does not follow redirects, so a 303 is seen.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GET a UI path with the session cookie.
async fn ui_get(s: &Server, cookie: &str, path: &str) -> reqwest::Response {
    http()
        .get(format!("{}{path}", s.origin))
        .header(reqwest::header::COOKIE, format!("baton_session={cookie}"))
        .send()
        .await
        .unwrap()
}

/// The CSRF token the page at `path` carries.
async fn csrf(s: &Server, cookie: &str, path: &str) -> String {
    let html = ui_get(s, cookie, path).await.text().await.unwrap();
    let (_, rest) = html.split_once("name=\"csrf-token\" content=\"").unwrap();
    rest.split('"').next().unwrap().to_string()
}

fn percent(v: f64) -> String {
    let p = v * 100.0;
    if (p - p.round()).abs() < 0.05 {
        format!("{p:.0}%")
    } else {
        format!("{p:.1}%")
    }
}

#[tokio::test]
async fn the_audits_page_shows_the_apis_results_and_sampling_and_recording_change_it() {
    let Some(t) = app().await else { return };
    import(&t, SCORECARD_EXAMPLE).await;
    import(&t, SCORECARD_SUPPORT).await;
    // H-4 was submitted on Oct 20: the only handoff of the week before.
    t.clock.set(at("2026-10-25T00:00:00Z"));
    let lead = "onboarding-lead@acme.test";
    let (s, b) = open(t, &[lead]).await;
    b.login(lead, PASSWORD).await;
    b.goto("/audits").await;
    assert_eq!(b.text("main h1").await, "Concrete tests");

    let api = s.as_(lead).await;
    let contracts = api.get("/contracts").await;
    let keys: Vec<String> = contracts
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), 6, "{}", contracts.text);
    for key in &keys {
        let a = api.get(&format!("/contracts/{key}/audits")).await;
        let a = a.expect(200);
        let shown = b.text(&format!("#auto-{key}")).await;
        let summary = b.text(&format!("#sum-{key} .auto-result")).await;
        let guidance = b.text(&format!("#c-{key} .guidance")).await;
        assert!(
            guidance.contains(a["concrete_test"].as_str().unwrap()),
            "{key}: {guidance}"
        );
        match &a["automated"] {
            Value::Null => {
                assert!(shown.contains("audited by sampling"), "{key}: {shown}");
                assert!(summary.contains("sampling"), "{key}: {summary}");
            }
            auto => {
                let word = match auto["passed"].as_bool() {
                    Some(true) => "Pass",
                    Some(false) => "Fail",
                    None => "No data yet",
                };
                assert!(shown.contains(word), "{key}: {shown}");
                assert!(summary.contains(word), "{key}: {summary}");
                let mark = percent(auto["threshold"].as_f64().unwrap());
                assert!(shown.contains(&format!("pass mark {mark}")), "{shown}");
                if let Some(v) = auto["value"].as_f64() {
                    assert!(shown.contains(&percent(v)), "{key}: {shown}");
                }
                for e in auto["evidence"].as_array().unwrap() {
                    let h = e["handoff"].as_str().unwrap();
                    assert!(shown.contains(h), "{key}: {h} in {shown}");
                    assert!(shown.contains(e["detail"].as_str().unwrap()), "{shown}");
                }
            }
        }
    }
    let ae = b.text("#auto-ae-to-onboarding").await;
    assert!(ae.contains("Pass") && ae.contains("83.3%"), "{ae}");
    assert!(ae.contains("2 of 3 handoffs"), "{ae}");
    // Only the receiving team's lead draws samples of its contract.
    assert_eq!(b.find_all("#sample-ae-to-onboarding").await.len(), 1);
    assert!(b.find_all("#sample-mql-to-sdr").await.is_empty());
    assert!(
        b.text("#samples-mql-to-sdr")
            .await
            .contains("Only an admin or a lead of sdr")
    );

    submit(&b, "#sample-ae-to-onboarding").await;
    let open_sample = b
        .wait_text("#samples-ae-to-onboarding .sample-open", |t| {
            t.contains("H-4")
        })
        .await;
    assert!(open_sample.contains("Open"), "{open_sample}");
    let after = api.get("/contracts/ae-to-onboarding/audits").await;
    let samples = after.expect(200)["samples"].as_array().unwrap().clone();
    assert_eq!(samples.len(), 1);
    let question = samples[0]["questions"][0].as_str().unwrap();
    assert!(open_sample.contains(question), "{open_sample}");
    assert!(
        b.path()
            .await
            .ends_with(&format!("#audit-{}", samples[0]["id"].as_str().unwrap()))
    );
    assert_eq!(b.text("#sum-ae-to-onboarding td.num").await, "1");

    // A blank answer is refused with the domain's reason, and kept open.
    b.fill("#samples-ae-to-onboarding textarea", "   ").await;
    b.click("#samples-ae-to-onboarding input[value=pass]").await;
    submit(&b, "#samples-ae-to-onboarding button[type=submit]").await;
    let err = b
        .wait_text("#samples-ae-to-onboarding .error", |t| !t.is_empty())
        .await;
    assert!(err.contains("write down what the receiver stated"), "{err}");
    assert!(
        b.text("#problem")
            .await
            .starts_with("The result for handoff H-4 was not recorded")
    );
    assert_eq!(
        b.property("#samples-ae-to-onboarding textarea", "value")
            .await,
        json!(""),
        "the blank answer comes back as typed, trimmed"
    );

    b.fill(
        "#samples-ae-to-onboarding textarea",
        "Named the CFO as buyer and the Dec 1 go-live",
    )
    .await;
    b.click("#samples-ae-to-onboarding input[value=pass]").await;
    b.screenshot_full("audits-full").await;
    submit(&b, "#samples-ae-to-onboarding button[type=submit]").await;
    let recorded = b
        .wait_text("#samples-ae-to-onboarding table.recorded", |t| {
            t.contains("Named the CFO")
        })
        .await;
    assert!(
        recorded.contains("Pass") && recorded.contains("H-4"),
        "{recorded}"
    );
    assert!(recorded.contains(lead), "{recorded}");
    assert!(
        b.find_all("#samples-ae-to-onboarding .sample-open")
            .await
            .is_empty(),
        "no sample left open"
    );
    assert_eq!(
        b.text("#sum-ae-to-onboarding .sampled-result").await,
        "1 of 1 passed"
    );
    let api_after = api.get("/contracts/ae-to-onboarding/audits").await;
    let api_after = api_after.expect(200);
    assert_eq!(api_after["samples_recorded"], json!(1));
    assert_eq!(api_after["samples"][0]["result"]["passed"], json!(true));
    b.goto("/audits").await;
    b.screenshot("audits").await;

    // A week with no handoff: the draw is refused with the reason (signed
    // in again: sessions last 12 hours).
    s.t.clock.set(at("2026-11-03T00:00:00Z"));
    b.login(lead, PASSWORD).await;
    b.goto("/audits").await;
    submit(&b, "#sample-ae-to-onboarding").await;
    let err = b.text("#error-ae-to-onboarding").await;
    assert!(err.contains("no handoff of 'ae-to-onboarding'"), "{err}");
    assert!(err.contains("last seven days"), "{err}");
    assert!(b.text("#problem").await.contains(&err), "summed up on top");
}

fn moved(
    contract: &str,
    phase: Phase,
    planned: &[(Phase, &str)],
    reason: Option<&str>,
) -> RolloutMove {
    RolloutMove {
        contract: ContractKey::parse(contract).unwrap(),
        phase,
        planned: planned
            .iter()
            .map(|(p, d)| (*p, d.parse().unwrap()))
            .collect(),
        override_reason: reason.map(str::to_string),
    }
}

fn phase_word(wire: &str) -> &'static str {
    match wire {
        "leak_audit" => "Leak audit",
        "field_spec" => "Field spec",
        "gating" => "Gating",
        "scorecard_live" => "Scorecard live",
        "expand" => "Expand",
        "incentive_tune" => "Incentive tune",
        other => panic!("unknown phase {other}"),
    }
}

/// Posts the move of sdr-to-ae to `phase` as the board's form does, with
/// the session `cookie` and its CSRF token; redirects are not followed.
async fn move_over_http(s: &Server, cookie: &str, phase: &str) -> reqwest::Response {
    let token = csrf(s, cookie, "/rollout").await;
    http()
        .post(format!("{}/rollout/move", s.origin))
        .header(reqwest::header::COOKIE, format!("baton_session={cookie}"))
        .header(reqwest::header::ORIGIN, s.origin.clone())
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        // Every value here is URL-safe as it is.
        .body(format!(
            "_csrf={token}&contract=sdr-to-ae&phase={phase}\
             &planned.field_spec=2026-10-20&planned.gating=2026-11-03"
        ))
        .send()
        .await
        .unwrap()
}

/// The plan as the API has it: contract → (phase, planned dates).
async fn plan(s: &Server, who: &str) -> BTreeMap<String, (String, Value)> {
    let r = s.as_(who).await.get("/rollout").await;
    r.expect(200)["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let phase = l["stage"]["phase"].as_str().unwrap_or("none").to_string();
            (
                l["contract"].as_str().unwrap().to_string(),
                (phase, l["stage"]["planned"].clone()),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_rollout_board_shows_each_phase_and_moves_a_contract_unless_the_rule_refuses() {
    let Some(t) = app().await else { return };
    let admin = t.as_user("admin@acme.test");
    let steps = [
        ("2026-09-01T09:00:00Z", "ae-to-onboarding", Phase::LeakAudit),
        ("2026-09-15T09:00:00Z", "ae-to-onboarding", Phase::FieldSpec),
        ("2026-09-29T09:00:00Z", "ae-to-onboarding", Phase::Gating),
        ("2026-10-01T09:00:00Z", "sdr-to-ae", Phase::LeakAudit),
        ("2026-10-02T08:00:00Z", "mql-to-sdr", Phase::LeakAudit),
        ("2026-10-02T09:00:00Z", "mql-to-sdr", Phase::FieldSpec),
        (
            "2026-10-13T09:00:00Z",
            "ae-to-onboarding",
            Phase::ScorecardLive,
        ),
    ];
    for (when, contract, phase) in steps {
        t.clock.set(at(when));
        let planned: &[(Phase, &str)] = if contract == "sdr-to-ae" {
            &[
                (Phase::FieldSpec, "2026-10-20"),
                (Phase::Gating, "2026-11-03"),
            ]
        } else {
            &[]
        };
        t.app
            .move_rollout(&admin, moved(contract, phase, planned, None))
            .await
            .unwrap();
    }
    t.clock.set(at("2026-10-20T10:00:00Z"));
    let lead = "ae-lead@acme.test";
    let (s, b) = open(t, &[lead, "admin@acme.test"]).await;
    b.login(lead, PASSWORD).await;
    b.goto("/rollout").await;
    assert_eq!(b.text("main h1").await, "Rollout board");

    // Every contract's phase, in words, as the API has it.
    let before = plan(&s, lead).await;
    assert_eq!(before.len(), 6);
    for (key, (phase, _)) in &before {
        let shown = b.text(&format!("#row-{key} .phase")).await;
        let word = if phase == "none" {
            "Not started"
        } else {
            phase_word(phase)
        };
        assert_eq!(shown, word, "{key}");
        let lane = b.text(&format!("#lane-{key}")).await;
        if phase == "none" {
            assert!(lane.contains("not started"), "{key}: {lane}");
        } else {
            assert!(lane.contains(word), "{key}: {lane}");
        }
    }
    let ae = b.text("#lane-ae-to-onboarding").await;
    assert!(ae.contains("Scorecard live since Oct 13 (day 42)"), "{ae}");
    assert!(ae.contains("settling until Oct 27"), "{ae}");
    let axis: Vec<String> = {
        let mut v = Vec::new();
        for el in b.find_all("svg.rollout-chart text.tick").await {
            v.push(b.text_of(&el).await);
        }
        v
    };
    assert_eq!(
        axis,
        [
            "day 0", "day 14", "day 28", "day 42", "day 56", "day 70", "day 84", "day 90"
        ]
    );
    assert!(
        b.text("svg.rollout-chart .today-label")
            .await
            .contains("day 49")
    );
    assert!(
        b.text("#row-ae-to-onboarding .settle-note")
            .await
            .contains("settling until 2026-10-27")
    );
    // ae's lead plans what ae receives (sdr-to-ae, mql-to-sdr) only.
    assert_eq!(b.find_all("td.next form button").await.len(), 2);
    assert_eq!(b.find_all("#move-mql-to-sdr").await.len(), 1);
    assert!(b.find_all("#move-ae-to-onboarding").await.is_empty());
    assert!(
        b.text("#row-ae-to-onboarding td.next")
            .await
            .contains("An admin or a lead of onboarding moves it")
    );

    // A permitted move, through the form; planned dates travel along.
    assert_eq!(b.text("#move-sdr-to-ae").await, "Move to Field spec");
    submit(&b, "#move-sdr-to-ae").await;
    assert_eq!(b.text("#row-sdr-to-ae .phase").await, "Field spec");
    assert_eq!(b.text("#notice-sdr-to-ae").await, "Moved to Field spec.");
    assert!(
        b.text("#lane-sdr-to-ae")
            .await
            .contains("Field spec since Oct 20 (day 49)")
    );
    let after = plan(&s, lead).await;
    assert_eq!(after["sdr-to-ae"].0, "field_spec");
    assert_eq!(
        after["sdr-to-ae"].1,
        json!({"field_spec": "2026-10-20", "gating": "2026-11-03"})
    );

    // Into gating while ae-to-onboarding settles: refused with the reason.
    assert!(
        b.text("#row-sdr-to-ae .watch-note")
            .await
            .contains("'ae-to-onboarding' has been scorecard-live only since")
    );
    assert!(
        b.find_all("#reason-sdr-to-ae").await.is_empty(),
        "only an admin overrides"
    );
    submit(&b, "#move-sdr-to-ae").await;
    let err = b.wait_text("#error-sdr-to-ae", |t| !t.is_empty()).await;
    assert!(err.contains("don't launch in parallel"), "{err}");
    assert!(err.contains("ae-to-onboarding"), "{err}");
    let top = b.text("#problem").await;
    assert!(
        top.starts_with("SDR → AE was not moved: don't launch in parallel"),
        "{top}"
    );
    assert_eq!(plan(&s, lead).await["sdr-to-ae"].0, "field_spec");
    b.screenshot("rollout").await;

    // The same refusal over plain HTTP is a 422.
    let cookie = session(&s, lead).await;
    assert_eq!(move_over_http(&s, &cookie, "gating").await.status(), 422);

    // Two weeks after going scorecard-live the rule lets it through (a
    // week later, so everyone signs in again: sessions last 12 hours).
    s.t.clock.set(at("2026-10-27T09:00:00Z"));
    let cookie = session(&s, lead).await;
    let ok = move_over_http(&s, &cookie, "gating").await;
    assert_eq!(ok.status(), 303);
    assert_eq!(
        ok.headers()[reqwest::header::LOCATION],
        "/rollout?moved=sdr-to-ae&to=gating#row-sdr-to-ae"
    );

    // An admin overrides the rule with a reason, which is shown.
    b.login("admin@acme.test", PASSWORD).await;
    b.goto("/rollout").await;
    assert_eq!(b.text("#row-sdr-to-ae .phase").await, "Gating");
    assert!(
        b.text("#row-ae-to-onboarding .settle-note")
            .await
            .contains("settled since 2026-10-27")
    );
    assert_eq!(b.text("#move-mql-to-sdr").await, "Move to Gating");
    b.fill("#reason-mql-to-sdr", "Board asked for both before Q4 close")
        .await;
    submit(&b, "#override-mql-to-sdr").await;
    assert_eq!(b.text("#row-mql-to-sdr .phase").await, "Gating");
    assert!(
        b.text("#row-mql-to-sdr")
            .await
            .contains("Override: Board asked for both before Q4 close")
    );
    assert_eq!(plan(&s, "admin@acme.test").await["mql-to-sdr"].0, "gating");
    b.screenshot_full("rollout-full").await;
}

/// The API's incentive lines for a period and weight, by sender.
async fn incentives_api(s: &Server, who: &str, query: &str) -> BTreeMap<String, Value> {
    let r = s.as_(who).await.get(&format!("/incentives?{query}")).await;
    r.expect(200)["senders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["sender"].as_str().unwrap().to_string(), l.clone()))
        .collect()
}

/// The table's rows by sender: the cells' texts.
async fn table(b: &Browser) -> BTreeMap<String, Vec<String>> {
    let mut rows = BTreeMap::new();
    for (i, _) in b
        .find_all("table#incentives tbody tr")
        .await
        .iter()
        .enumerate()
    {
        let sel = format!("table#incentives tbody tr:nth-child({})", i + 1);
        let sender = b.text(&format!("{sel} th")).await;
        let mut cells = Vec::new();
        for el in b.find_all(&format!("{sel} td")).await {
            cells.push(b.text_of(&el).await);
        }
        rows.insert(sender, cells);
    }
    rows
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn assert_matches(shown: &BTreeMap<String, Vec<String>>, api: &BTreeMap<String, Value>) {
    assert_eq!(
        shown.keys().collect::<Vec<_>>(),
        api.keys().collect::<Vec<_>>()
    );
    for (sender, l) in api {
        let cells = &shown[sender];
        assert_eq!(cells[0], l["handoffs"].to_string(), "{sender}");
        assert_eq!(cells[1], format!("{:.1}", f(&l["mean_score"])), "{sender}");
        assert!(
            cells[2].starts_with(&format!("{} of {}", l["first_pass"], l["handoffs"])),
            "{sender}: {}",
            cells[2]
        );
        assert!(
            cells[2].contains(&format!("({:.0}%)", f(&l["first_pass_rate"]) * 100.0)),
            "{}",
            cells[2]
        );
        assert!(
            cells[3].contains(&format!("{:.3}", f(&l["quality"]))),
            "{sender}: {}",
            cells[3]
        );
        assert!(
            cells[4].starts_with(&format!("×{:.4}", f(&l["multiplier"]))),
            "{sender}: {}",
            cells[4]
        );
    }
}

#[tokio::test]
async fn the_incentives_table_and_its_csv_match_the_api() {
    let Some(t) = app().await else { return };
    import(&t, SCORECARD_EXAMPLE).await;
    import(&t, SCORECARD_SUPPORT).await;
    let who = "admin@acme.test";
    let (s, b) = open(t, &[who]).await;
    b.login(who, PASSWORD).await;
    b.goto("/incentives?period=2026-10&weight=0.05").await;
    assert_eq!(b.text("main h1").await, "Incentive tune");
    assert_eq!(b.property("#period", "value").await, json!("2026-10"));
    assert_eq!(b.property("#weight", "value").await, json!("0.05"));
    let api = incentives_api(&s, who, "period=2026-10&weight=0.05").await;
    assert!(api.len() >= 2, "{api:?}");
    let shown = table(&b).await;
    assert_matches(&shown, &api);
    // ae2's H-2 was rejected first: one of two accepted first time.
    let ae2 = &shown["ae2@acme.test"];
    assert!(ae2[2].starts_with("1 of 2"), "{ae2:?}");
    b.screenshot("incentives").await;

    // The form: another weight, the same numbers as the API's.
    b.fill("#weight", "0.08").await;
    submit(&b, "#incentive-form button[type=submit]").await;
    assert!(b.text("#table-title").await.contains("8.0%"));
    assert!(b.path().await.contains("weight=0.08"));
    let api8 = incentives_api(&s, who, "period=2026-10&weight=0.08").await;
    assert_matches(&table(&b).await, &api8);

    // The CSV link: text/csv, an attachment, one row per sender as the API.
    let href = b.attribute("#csv", "href").await.unwrap();
    assert_eq!(href, "/incentives.csv?period=2026-10&weight=0.08");
    let cookie = session(&s, who).await;
    let res = ui_get(&s, &cookie, &href).await;
    assert_eq!(res.status(), 200);
    let header = |h: reqwest::header::HeaderName| res.headers()[h].to_str().unwrap().to_string();
    assert!(header(reqwest::header::CONTENT_TYPE).starts_with("text/csv"));
    assert_eq!(
        header(reqwest::header::CONTENT_DISPOSITION),
        "attachment; filename=\"baton-incentives-2026-10.csv\""
    );
    let csv = res.text().await.unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "period,sender,handoffs,mean_score,first_pass,first_pass_rate,quality,multiplier,weight"
        )
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), api8.len());
    for row in rows {
        let l = &api8[row[1]];
        assert_eq!(row[0], "2026-10");
        assert_eq!(row[2], l["handoffs"].to_string());
        assert_eq!(row[3], format!("{:.2}", f(&l["mean_score"])));
        assert_eq!(row[4], l["first_pass"].to_string());
        assert_eq!(row[5], format!("{:.4}", f(&l["first_pass_rate"])));
        assert_eq!(row[6], format!("{:.4}", f(&l["quality"])));
        assert_eq!(row[7], format!("{:.4}", f(&l["multiplier"])));
        assert_eq!(row[8], "0.08");
    }

    // Bad parameters: a 422 page naming the parameter.
    for (query, param) in [
        ("period=2026-10&weight=0.5", "weight"),
        ("period=2026-10&weight=lots", "weight"),
        ("period=2026-13&weight=0.05", "period"),
    ] {
        let res = ui_get(&s, &cookie, &format!("/incentives?{query}")).await;
        assert_eq!(res.status(), 422, "{query}");
        b.goto(&format!("/incentives?{query}")).await;
        let err = b.text("#param-error").await;
        assert!(err.contains(&format!("The {param} parameter")), "{err}");
        assert_eq!(
            b.attribute(&format!("#{param}"), "aria-invalid")
                .await
                .as_deref(),
            Some("true")
        );
        assert!(b.find_all("table#incentives").await.is_empty());
        let csv = ui_get(&s, &cookie, &format!("/incentives.csv?{query}")).await;
        assert_eq!(csv.status(), 422, "{query}");
    }
}

/// Comp is personal: a member sees only their own line, a lead the lines
/// of the teams they lead, an admin every line.
#[tokio::test]
async fn each_person_sees_only_the_incentive_lines_theirs_to_see() {
    let Some(t) = app().await else { return };
    import(&t, SCORECARD_EXAMPLE).await;
    import(&t, SCORECARD_SUPPORT).await;
    let people = [
        "admin@acme.test",
        "ae2@acme.test",
        "ae-lead@acme.test",
        "cs-lead@acme.test",
    ];
    let (s, _b) = open(t, &people).await;
    let q = "period=2026-10&weight=0.05";
    let all = incentives_api(&s, "admin@acme.test", q).await;
    assert!(
        all.contains_key("ae2@acme.test") && all.len() >= 2,
        "{all:?}"
    );
    let own = incentives_api(&s, "ae2@acme.test", q).await;
    assert_eq!(own.keys().collect::<Vec<_>>(), ["ae2@acme.test"]);
    let led = incentives_api(&s, "ae-lead@acme.test", q).await;
    assert!(led.contains_key("ae2@acme.test"), "{led:?}");
    assert!(led.keys().all(|k| k.starts_with("ae")), "{led:?}");
    let other = incentives_api(&s, "cs-lead@acme.test", q).await;
    assert!(!other.contains_key("ae2@acme.test"), "{other:?}");
    // The page shows the same lines as the API.
    let cookie = session(&s, "ae2@acme.test").await;
    let res = ui_get(&s, &cookie, &format!("/incentives?{q}")).await;
    let html = res.text().await.unwrap();
    assert!(html.contains("ae2@acme.test"));
    for sender in all.keys().filter(|k| *k != "ae2@acme.test") {
        assert!(!html.contains(sender.as_str()), "{sender} shown to ae2");
    }
}
