//! `kill -9` of `baton serve` in the middle of a CRM sync: a HubSpot portal
//! (the simulator) with hundreds of Closed Won deals, a server killed while
//! it applies a page of them, restarted on the same SQLite file. Afterwards
//! every Closed Won deal has exactly one draft (none lost, none created
//! twice) and the write-back on every deal equals its gate, also when a
//! second server is killed while it writes the gates back.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::{Duration, Instant};

use baton_testkit::TestDb;
use baton_testkit::crm_sim::hubspot::{Endpoint, HubspotSim, SimConfig};
use serde_json::{Value, json};

use crate::baton;
use crate::crash::{Api, Serve};

const PASSWORD: &str = "correct horse battery";
const HS_TOKEN: &str = "pat-na1-crash-token-0001";
/// Base64 of 32 bytes of 7: the key that seals the connection's token.
const SECRET_KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";
/// The same on both servers, so the handoff links written onto the deals
/// do not change with the port (which would rewrite every deal).
const PUBLIC_URL: &str = "https://baton.example";
/// Deals in the portal; every 25th is not Closed Won.
const DEALS: u64 = 600;
const FIRST_DEAL: u64 = 1001;
const COMPANIES: u64 = 10;
/// HubSpot owner id → the AE it is in Baton.
const OWNERS: [(u64, &str); 3] = [
    (71, "ae1@acme.test"),
    (72, "ae2@acme.test"),
    (73, "ae3@acme.test"),
];
/// The longest any wait of this test may take.
const DEADLINE: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(50);

fn closed_won(deal: u64) -> bool {
    (deal - FIRST_DEAL) % 25 != 24
}

fn owner_of(deal: u64) -> (u64, &'static str) {
    OWNERS[((deal - FIRST_DEAL) % 3) as usize]
}

fn company_of(deal: u64) -> u64 {
    501 + (deal - FIRST_DEAL) % COMPANIES
}

fn handoff_id(deal: u64) -> String {
    format!("crm-deal-{deal}-closedwon")
}

/// Polls `check` every [`POLL`] until it gives a value; fails naming `what`
/// and the last state `check` described after [`DEADLINE`].
async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let until = Instant::now() + DEADLINE;
    loop {
        match check().await {
            Ok(v) => return v,
            Err(last) => assert!(
                Instant::now() < until,
                "waited {DEADLINE:?} for {what}; last seen: {last}"
            ),
        }
        tokio::time::sleep(POLL).await;
    }
}

/// `baton serve` with the secret key, jobs every second and a fixed public
/// URL. Dropping it stops it gracefully unless it was killed.
/// `baton serve` with the secret key and a fixed public URL (the handoff
/// link in each written gate must not change with the port).
fn serve(url: &str) -> Serve {
    Serve::start_with(
        url,
        &["--public-url", PUBLIC_URL],
        &[("BATON_SECRET_KEY", SECRET_KEY)],
    )
}

/// Signs in as `email` and makes a bearer token for them.
async fn token_for(base: &str, email: &str) -> String {
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let res = http
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "sign in as {email}");
    let cookie = res.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let res = http
        .post(format!("{base}/api/v1/tokens"))
        .header(reqwest::header::COOKIE, cookie)
        .json(&json!({"name": "crm crash test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201, "token for {email}");
    res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A portal of [`DEALS`] deals over [`COMPANIES`] companies, owned by the
/// AEs in turn, in groups of three sharing one `hs_lastmodifieddate` (as a
/// bulk edit leaves them), served 20 to a search page.
async fn portal() -> HubspotSim {
    let sim = HubspotSim::start(SimConfig {
        private_app_token: Some(HS_TOKEN.into()),
        page_size: 20,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    for c in 0..COMPANIES {
        sim.add_company(501 + c, &format!("Customer {}", 501 + c));
    }
    for (id, email) in OWNERS {
        sim.add_owner(id, email);
    }
    let start = sim.now();
    for deal in FIRST_DEAL..FIRST_DEAL + DEALS {
        let (owner, _) = owner_of(deal);
        let at = start + jiff::SignedDuration::from_secs(1 + ((deal - FIRST_DEAL) / 3) as i64);
        sim.upsert_deal_at(
            deal,
            &[
                ("dealname", &format!("Deal {deal}")),
                (
                    "dealstage",
                    if closed_won(deal) {
                        "closedwon"
                    } else {
                        "contractsent"
                    },
                ),
                ("hubspot_owner_id", &owner.to_string()),
                ("amount", "48000"),
                ("economic_buyer", &format!("CFO of deal {deal}")),
            ],
            at,
        );
        sim.associate(deal, company_of(deal));
    }
    sim
}

/// Every handoff, over the API's pages.
async fn all_handoffs(admin: &Api) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/handoffs?limit=200&cursor={c}"),
            None => "/api/v1/handoffs?limit=200".to_string(),
        };
        let page = admin.get_ok(&path).await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return items,
        }
    }
}

/// Handoffs in the org, read from the database.
async fn drafts(store: &baton_store::Store, org: &baton_domain::OrgId) -> u64 {
    store
        .handoff_counts(org)
        .await
        .unwrap()
        .iter()
        .map(|c| c.count)
        .sum()
}

/// Ends the lease a killed server held on the connection. The next server
/// would claim it once the lease ran out (`CrmOptions::lease`, five
/// minutes, which `baton serve` does not let one change); moving it back
/// by that much stands in for the wait.
async fn end_lease(url: &str, id: &str) {
    let lease = baton_app::connections::CrmOptions::default().lease;
    let pool = sqlx::SqlitePool::connect(url).await.unwrap();
    let moved = sqlx::query(
        "UPDATE crm_connections SET lease_until = lease_until - $1 \
         WHERE connection_id = $2 AND lease_owner IS NOT NULL",
    )
    .bind(i64::try_from(lease.as_micros()).unwrap())
    .bind(id)
    .execute(&pool)
    .await
    .unwrap()
    .rows_affected();
    pool.close().await;
    assert_eq!(moved, 1, "the killed server held the connection's lease");
}

/// A connection as the API shows it (`deals_synced`, `writes_pending`,
/// `last_success_at`, …).
async fn progress(admin: &Api, id: &str) -> Value {
    admin.get_ok(&format!("/api/v1/crm/connections/{id}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_killed_mid_crm_sync_loses_no_deal_and_creates_none_twice() {
    let started = Instant::now();
    let db = TestDb::sqlite().await;
    db.store.close().await;
    let url = db.url.clone();
    baton(
        &url,
        &[
            "init",
            "--org",
            "Acme",
            "--admin-email",
            "admin@acme.test",
            "--admin-password",
            PASSWORD,
        ],
    );
    let sim = portal().await;
    let won: BTreeSet<u64> = (FIRST_DEAL..FIRST_DEAL + DEALS)
        .filter(|d| closed_won(*d))
        .collect();
    let total = won.len() as u64;

    let server = serve(&url);
    let anon = Api::new(&server.base);
    let admin = anon.with_token(&token_for(&server.base, "admin@acme.test").await);
    for (email, team) in OWNERS
        .iter()
        .map(|(_, e)| (*e, "ae"))
        .chain([("onb1@acme.test", "onboarding")])
    {
        admin
            .post_expect(
                "/api/v1/users",
                json!({
                    "email": email,
                    "name": email,
                    "password": PASSWORD,
                    "teams": [{"team": team, "role": "member"}],
                }),
                201,
            )
            .await;
    }
    let conn = admin
        .post_expect(
            "/api/v1/crm/connections",
            json!({
                "vendor": "hubspot",
                "name": "HubSpot",
                "settings": {
                    "base_url": sim.base_url(),
                    "auth": {"flow": "private_app", "token": HS_TOKEN},
                },
                "field_map": {"economic_buyer": "economic_buyer"},
            }),
            201,
        )
        .await;
    let id = conn["id"].as_str().unwrap().to_string();

    // Baton asks for 200 deals a page (ten searches of the portal), applies
    // each deal, then records the page. Kill well into a page after the
    // first: some of its drafts made, the page not recorded, so the next
    // server must apply it again.
    let store = baton_store::Store::open(&url).await.unwrap();
    let org = store.orgs().await.unwrap()[0].0.clone();
    let (drafted, recorded) = wait_for("the sync to be well into its second page", || async {
        let (drafted, recorded) = (
            drafts(&store, &org).await,
            store
                .synced_deals(&org, &id, None, 1000)
                .await
                .unwrap()
                .len() as u64,
        );
        if recorded > 0 && (recorded + 20..=recorded + 120).contains(&drafted) {
            Ok((drafted, recorded))
        } else {
            Err(format!("{drafted} drafts, {recorded} deals recorded"))
        }
    })
    .await;
    server.kill();
    let after = drafts(&store, &org).await;
    let still = store
        .synced_deals(&org, &id, None, 1000)
        .await
        .unwrap()
        .len() as u64;
    println!("killed mid-page: {after} drafts, {still} deals recorded, of {total}");
    assert!(
        still == recorded && still < after && after < total,
        "the kill did not land mid-page: {drafted} drafts and {recorded} recorded when \
         seen, {after} and {still} after the kill, of {total}"
    );
    end_lease(&url, &id).await;

    // Then kill the next server while it writes the gates back: some
    // deals written in the portal, not all of them recorded as written.
    let server = serve(&url);
    wait_for("the write-back to begin", || async {
        let calls = sim.calls(Endpoint::BatchUpdateDeals);
        if calls > 0 {
            Ok(())
        } else {
            Err(format!(
                "{} drafts, no batch update",
                drafts(&store, &org).await
            ))
        }
    })
    .await;
    server.kill();
    let in_portal = (FIRST_DEAL..FIRST_DEAL + DEALS)
        .filter(|d| sim.deal(*d).unwrap().get("baton_gate").is_some())
        .count();
    let written = store
        .synced_deals(&org, &id, None, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|d| d.written_gate.is_some())
        .count();
    store.close().await;
    println!("killed mid-write-back: {in_portal} deals written in the portal, {written} recorded");
    assert!(
        in_portal > 0 && in_portal < won.len() && written <= in_portal,
        "the kill did not land mid-write-back: {in_portal} gates in the portal, \
         {written} recorded as written, of {total}"
    );
    end_lease(&url, &id).await;

    let server = serve(&url);
    let admin =
        Api::new(&server.base).with_token(&token_for(&server.base, "admin@acme.test").await);
    let done = wait_for("the sync to finish after the restarts", || async {
        let c = progress(&admin, &id).await;
        let finished = c["deals_synced"] == json!(total)
            && c["writes_pending"] == json!(0)
            && c["last_success_at"].is_string();
        if finished { Ok(c) } else { Err(c.to_string()) }
    })
    .await;
    assert_eq!(done["status"], "active", "{done}");
    assert!(done["last_error"].is_null(), "{done}");

    // One draft per Closed Won deal: none missing, none twice, none for
    // the deals that are not Closed Won.
    let handoffs = all_handoffs(&admin).await;
    let mut by_deal: BTreeMap<u64, Vec<&Value>> = BTreeMap::new();
    for h in &handoffs {
        let deal: u64 = h["deal"].as_str().unwrap().parse().unwrap();
        by_deal.entry(deal).or_default().push(h);
    }
    let twice: Vec<_> = by_deal.iter().filter(|(_, hs)| hs.len() > 1).collect();
    assert!(twice.is_empty(), "deals with several handoffs: {twice:?}");
    let missing: Vec<_> = won.iter().filter(|d| !by_deal.contains_key(d)).collect();
    assert!(
        missing.is_empty(),
        "Closed Won deals without a draft: {missing:?}"
    );
    assert_eq!(
        by_deal.keys().copied().collect::<BTreeSet<_>>(),
        won,
        "drafts only for Closed Won deals"
    );
    for (deal, hs) in &by_deal {
        let h = hs[0];
        assert_eq!(h["id"], json!(handoff_id(*deal)), "{h}");
        assert_eq!(h["state"], "draft", "{h}");
        assert_eq!(h["sender"], owner_of(*deal).1, "{h}");
        assert_eq!(h["account"], json!(company_of(*deal).to_string()), "{h}");
        assert_eq!(
            h["values"]["economic_buyer"],
            json!(format!("CFO of deal {deal}")),
            "prefilled: {h}"
        );
    }
    // Re-applying the page cut by the kill recorded nothing twice: each
    // draft's timeline is its one creation.
    for deal in &won {
        let events = admin
            .get_ok(&format!("/api/v1/handoffs/{}/events", handoff_id(*deal)))
            .await;
        assert_eq!(
            events.as_array().map(Vec::len),
            Some(1),
            "deal {deal}: {events}"
        );
    }

    // The write-back equals the gate: closed on every draft, with what is
    // missing and the link; nothing on the deals Baton does not track.
    for deal in FIRST_DEAL..FIRST_DEAL + DEALS {
        let d = sim.deal(deal).unwrap();
        if won.contains(&deal) {
            assert_eq!(d["baton_gate"], "false", "deal {deal}: {d}");
            assert!(
                d["baton_missing"]
                    .as_str()
                    .is_some_and(|m| m.contains("champion_map")),
                "deal {deal}: {d}"
            );
            assert_eq!(
                d["baton_handoff_url"],
                json!(format!("{PUBLIC_URL}/handoffs/{}", handoff_id(deal))),
                "deal {deal}: {d}"
            );
        } else {
            assert!(d.get("baton_gate").is_none(), "deal {deal}: {d}");
        }
    }

    // Accepted, one deal's gate opens on the deal; its neighbour on the
    // same account stays closed.
    let (first, second) = (FIRST_DEAL, FIRST_DEAL + COMPANIES);
    assert_eq!(company_of(first), company_of(second));
    let ae = Api::new(&server.base).with_token(&token_for(&server.base, owner_of(first).1).await);
    let onb = Api::new(&server.base).with_token(&token_for(&server.base, "onb1@acme.test").await);
    let h = handoff_id(first);
    let (status, body) = ae
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/handoffs/{h}"),
            Some(json!({"values": full_values()})),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "edit {h}: {body}");
    ae.post_expect(&format!("/api/v1/handoffs/{h}/submit"), json!({}), 200)
        .await;
    onb.post_expect(&format!("/api/v1/handoffs/{h}/accept"), json!({}), 200)
        .await;
    admin
        .post_expect(
            &format!("/api/v1/crm/connections/{id}/sync"),
            json!({}),
            202,
        )
        .await;
    wait_for("the accepted deal's gate to open on the deal", || {
        let d = sim.deal(first).unwrap();
        async move {
            if d["baton_gate"] == "true" {
                Ok(())
            } else {
                Err(d.to_string())
            }
        }
    })
    .await;
    let d = sim.deal(first).unwrap();
    assert!(d["baton_missing"].as_str().is_none_or(str::is_empty), "{d}");
    assert_eq!(sim.deal(second).unwrap()["baton_gate"], "false");
    drop(server);
    println!(
        "crm sync killed mid-page and resumed: {total} deals, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Every field of ae-to-onboarding, filled.
fn full_values() -> Value {
    json!({
        "economic_buyer": "Dana Ortiz, CFO; signs up to 250k alone",
        "champion_map": "Lee Park (VP Ops) strong champion; CFO neutral",
        "commitments": "Verbal: SSO by week 6. Contract: 99.9% uptime.",
        "success_criteria": "Cut rep onboarding from 6 to 3 weeks by Q1",
        "implementation_risks": "Messy legacy CRM export; December freeze",
        "competitive_displacement": "Replacing Legacy Co; rebuild custom reports first",
        "go_live_deadlines": "Go-live 2026-12-01 before their kickoff 12-08",
        "expansion_hypothesis": "Year 2: EMEA team, 40 more seats",
    })
}
