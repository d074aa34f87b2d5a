//! Measures the CRM sync lag of a real `baton serve` (docs/crm.md, "Sync
//! lag"): a deal reaching Closed Won in the HubSpot simulator → its draft
//! in Baton; the handoff's acceptance → the gate open on the deal. Prints
//! the median and worst of each over several rounds; asserts nothing.
//!
//!   cargo build --release -p baton && \
//!   cargo run --release -p baton --example crm_lag -- [ROUNDS] [POLL_SECONDS]
//!
//! `BATON_BIN` names the binary (default `target/release/baton`). The
//! server runs on a fresh SQLite file with `--jobs-interval 1` and
//! `--crm-poll POLL_SECONDS` (default 5); the lag is dominated by the wait
//! for the next pull, so it is measured once with the poll and once with a
//! HubSpot webhook announcing the change.
#![expect(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::disallowed_methods,
    reason = "a measurement script against a real server: a failed step stops it loudly, and the webhook's timestamp is the wall clock the server checks it against"
)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use baton_testkit::crm_sim::hubspot::{HubspotSim, SimConfig, sign_v3};
use serde_json::{Value, json};

const TOKEN: &str = "pat-na1-lag-token";
const HOOK_SECRET: &str = "lag-webhook-secret";
const PASSWORD: &str = "a long lag-bench passphrase";

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn baton() -> String {
    std::env::var("BATON_BIN").unwrap_or_else(|_| "target/release/baton".into())
}

fn start(db: &str, poll: u64) -> Server {
    let mut child = Command::new(baton())
        .args(["--database-url", db, "serve", "--bind", "127.0.0.1:0"])
        .args(["--jobs-interval", "1", "--crm-poll", &poll.to_string()])
        .env(
            "BATON_SECRET_KEY",
            "AwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwM=",
        )
        .env("BATON_LOG", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start baton serve (build it: cargo build --release -p baton)");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("baton serve exited").unwrap();
        if let Some(rest) = line.strip_prefix("Baton is serving ") {
            break rest.split('/').take(3).collect::<Vec<_>>().join("/");
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

async fn token(http: &reqwest::Client, base: &str, email: &str) -> String {
    let res = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let res = http
        .post(format!("{base}/api/v1/tokens"))
        .header("cookie", cookie)
        .header("origin", base)
        .json(&json!({"name": "lag"}))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["token"].as_str().unwrap().to_string()
}

/// Waits (polling every 10 ms, at most two minutes) until `ok` holds;
/// returns how long it took.
async fn until<F, Fut>(ok: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let t0 = Instant::now();
    while !ok().await {
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "gave up after 2 min"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    t0.elapsed()
}

fn summary(name: &str, mut v: Vec<Duration>) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<48} median {:>8.0} ms   worst {:>8.0} ms   ({} rounds)",
        ms(v[v.len() / 2]),
        ms(v[v.len() - 1]),
        v.len()
    );
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let rounds: u64 = args.next().map_or(5, |a| a.parse().unwrap());
    let poll: u64 = args.next().map_or(5, |a| a.parse().unwrap());
    let dir = std::env::temp_dir().join(format!("baton-crm-lag-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/baton.db", dir.display());
    let init = Command::new(baton())
        .args(["--database-url", &db, "init", "--org", "Acme"])
        .args([
            "--admin-email",
            "admin@acme.test",
            "--admin-password",
            PASSWORD,
        ])
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    let server = start(&db, poll);
    let http = reqwest::Client::new();
    let admin = Api {
        token: token(&http, &server.base, "admin@acme.test").await,
        base: server.base.clone(),
        http: http.clone(),
    };
    for (email, team) in [("ae1@acme.test", "ae"), ("onb1@acme.test", "onboarding")] {
        let (s, b) = admin
            .call(
                reqwest::Method::POST,
                "/users",
                Some(json!({"email": email, "name": email, "password": PASSWORD,
                            "teams": [{"team": team, "role": "member"}]})),
            )
            .await;
        assert_eq!(s, 201, "{b}");
    }
    let ae = Api {
        token: token(&http, &server.base, "ae1@acme.test").await,
        ..Api {
            http: http.clone(),
            base: server.base.clone(),
            token: String::new(),
        }
    };
    let onb = Api {
        token: token(&http, &server.base, "onb1@acme.test").await,
        ..Api {
            http: http.clone(),
            base: server.base.clone(),
            token: String::new(),
        }
    };
    let sim = HubspotSim::start(SimConfig {
        private_app_token: Some(TOKEN.into()),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    sim.add_company(501, "Initech");
    sim.add_owner(71, "ae1@acme.test");
    let (s, c) = admin
        .call(
            reqwest::Method::POST,
            "/crm/connections",
            Some(json!({"vendor": "hubspot", "name": "HubSpot",
                        "settings": {"base_url": sim.base_url(), "webhook_secret": HOOK_SECRET,
                                     "auth": {"flow": "private_app", "token": TOKEN}}})),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    let connection = c["id"].as_str().unwrap().to_string();

    let (mut to_draft, mut to_draft_hooked, mut to_gate) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds * 2 {
        let hooked = round % 2 == 1;
        let deal = 1000 + round;
        sim.upsert_deal(
            deal,
            &[
                ("dealname", "Lag"),
                ("dealstage", "closedwon"),
                ("hubspot_owner_id", "71"),
            ],
        );
        sim.associate(deal, 501);
        let changed = Instant::now();
        if hooked {
            let path = format!("/api/v1/inbound/hubspot/{connection}");
            let body = json!([{"eventId": deal, "subscriptionId": 1, "portalId": 1, "appId": 1,
                "occurredAt": 0, "subscriptionType": "deal.propertyChange", "attemptNumber": 0,
                "objectId": deal, "propertyName": "dealstage", "propertyValue": "closedwon"}])
            .to_string();
            let ts = jiff::Timestamp::now().as_millisecond().to_string();
            let sig = sign_v3(
                HOOK_SECRET,
                "POST",
                &format!("{}{path}", server.base),
                body.as_bytes(),
                &ts,
            );
            let res = http
                .post(format!("{}{path}", server.base))
                .header("content-type", "application/json")
                .header("x-hubspot-request-timestamp", &ts)
                .header("x-hubspot-signature-v3", sig)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 204);
        }
        let id = format!("crm-deal-{deal}-closedwon");
        until(|| async {
            ae.call(reqwest::Method::GET, &format!("/handoffs/{id}"), None)
                .await
                .0
                == 200
        })
        .await;
        let lag = changed.elapsed();
        if hooked {
            to_draft_hooked.push(lag)
        } else {
            to_draft.push(lag)
        }

        let values = json!({
            "economic_buyer": "Dana Ortiz, CFO; signs up to 250k alone",
            "champion_map": "Lee Park (VP Ops) strong champion; CFO neutral",
            "commitments": "Verbal: SSO by week 6. Contract: 99.9% uptime.",
            "success_criteria": "Cut rep onboarding from 6 to 3 weeks by Q1",
            "implementation_risks": "Messy legacy CRM export; December freeze",
            "competitive_displacement": "Replacing Legacy Co; rebuild custom reports first",
            "go_live_deadlines": "Go-live 2026-12-01 before their kickoff 12-08",
            "expansion_hypothesis": "Year 2: EMEA team, 40 more seats",
        });
        let (s, b) = ae
            .call(
                reqwest::Method::PATCH,
                &format!("/handoffs/{id}"),
                Some(json!({"values": values})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = ae
            .call(
                reqwest::Method::POST,
                &format!("/handoffs/{id}/submit"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let (s, b) = onb
            .call(
                reqwest::Method::POST,
                &format!("/handoffs/{id}/accept"),
                Some(json!({})),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        let accepted = Instant::now();
        until(|| async {
            sim.deal(deal)
                .is_some_and(|d| d["baton_gate"] == json!("true"))
        })
        .await;
        to_gate.push(accepted.elapsed());
    }
    println!("baton serve --jobs-interval 1 --crm-poll {poll}, HubSpot simulator, SQLite");
    summary("Closed Won in the CRM → draft in Baton (poll)", to_draft);
    summary("Closed Won → draft (HubSpot webhook)", to_draft_hooked);
    summary("acceptance in Baton → gate open on the deal", to_gate);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
