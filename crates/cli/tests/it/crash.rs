//! Crash safety: `baton serve` is killed with SIGKILL at random moments while
//! several clients write over HTTP, then restarted on the same database;
//! every write that got a 2xx must be there with its content. `baton import
//! events` is killed mid-way too: afterwards either none of the import is
//! visible or all of it, never a part.
//!
//! Cycles come from `BATON_CRASH_CYCLES` (10 by default, 100 in the long
//! mode); the seed is printed and `BATON_CRASH_SEED` replays it. The random
//! delays only choose where the kill lands: the assertions hold wherever it
//! does.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use baton_app::{Clock, SystemClock};
use baton_domain::OrgId;
use baton_testkit::TestDb;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

use crate::baton;

/// The password of every login the workload makes.
const PASSWORD: &str = "correct horse battery";

/// How many kill cycles to run: `BATON_CRASH_CYCLES`, default 10.
fn cycles() -> u32 {
    std::env::var("BATON_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
}

/// A seed from `BATON_CRASH_SEED`, or a new one; printed so a failure can
/// be replayed.
pub(crate) fn seed(what: &str) -> u64 {
    let seed = std::env::var("BATON_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| SystemClock.now().as_nanosecond().unsigned_abs() as u64);
    println!("{what}: seed {seed} (replay with BATON_CRASH_SEED={seed})");
    seed
}

/// A directory of its own under the system temp dir.
pub(crate) fn temp_dir(what: &str) -> std::path::PathBuf {
    let nanos = SystemClock.now().as_nanosecond();
    let dir = std::env::temp_dir().join(format!("baton-{what}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `baton serve` child and its address. Dropping it stops it gracefully
/// (SIGTERM) unless it was already killed.
pub(crate) struct Serve {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
}

impl Serve {
    /// Starts `baton serve` on a free loopback port over `url`; returns once
    /// it listens.
    pub(crate) fn start(url: &str) -> Self {
        Self::start_with(url, &[], &[])
    }

    /// [`Serve::start`] with more arguments to `serve` and variables in
    /// its environment.
    pub(crate) fn start_with(url: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton"))
            .args(["--database-url", url, "serve", "--bind", "127.0.0.1:0"])
            .args(["--jobs-interval", "1"])
            .args(args)
            .envs(env.iter().copied())
            // Quiet by default: the kills and outages make errors on purpose.
            .env(
                "BATON_LOG",
                std::env::var("BATON_CRASH_LOG").unwrap_or_else(|_| "off".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = loop {
            let line = lines.next().map(Result::unwrap);
            assert!(
                line.is_some(),
                "baton serve exited before listening: {}",
                child.wait().unwrap()
            );
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("Baton is serving ") {
                break rest.split('/').take(3).collect::<Vec<_>>().join("/");
            }
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Self {
            child: Some(child),
            base,
        }
    }

    /// SIGKILL: no shutdown, no flush, requests in flight cut off.
    pub(crate) fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Whether the process is still the one that was started (it has not
    /// exited).
    pub(crate) fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().unwrap().is_none())
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }
}

/// A JSON client of one server as one caller (a bearer token, or none).
#[derive(Clone)]
pub(crate) struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

/// An HTTP answer: its status and JSON body.
pub(crate) type Answer = (u16, Value);

impl Api {
    /// An anonymous client of the server at `base`.
    pub(crate) fn new(base: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            base: base.to_string(),
            token: None,
        }
    }

    /// The same client, acting with `token`.
    pub(crate) fn with_token(&self, token: &str) -> Self {
        Self {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    /// Sends `body` with `method` to `path` (under the server's root). A
    /// transport error (the server is gone) is `Err`.
    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer, reqwest::Error> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        let text = res.text().await?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        ))
    }

    /// GET, expecting 200.
    pub(crate) async fn get_ok(&self, path: &str) -> Value {
        let (status, body) = self.send(reqwest::Method::GET, path, None).await.unwrap();
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// POST, expecting `want`.
    pub(crate) async fn post_expect(&self, path: &str, body: Value, want: u16) -> Value {
        let (status, body) = self
            .send(reqwest::Method::POST, path, Some(body))
            .await
            .unwrap();
        assert_eq!(status, want, "POST {path}: {body}");
        body
    }

    /// Signs in as `email` and makes a bearer token for them.
    async fn token_for(&self, email: &str) -> String {
        let res = self
            .http
            .post(format!("{}/api/v1/session", self.base))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "sign in as {email}");
        let cookie = res
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let res = self
            .http
            .post(format!("{}/api/v1/tokens", self.base))
            .header(reqwest::header::COOKIE, cookie)
            .json(&json!({"name": "crash test"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201, "token for {email}");
        let body: Value = res.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }
}

/// How far a handoff got, as its sender and receiver were told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Stage {
    /// Started (201).
    Draft,
    /// Submitted (200).
    Submitted,
    /// Accepted (200).
    Accepted,
}

impl Stage {
    /// The stage of a handoff's `state` as the API names it.
    fn of(state: &str) -> Option<Self> {
        match state {
            "draft" => Some(Self::Draft),
            "submitted" => Some(Self::Submitted),
            "accepted" => Some(Self::Accepted),
            _ => None,
        }
    }
}

/// A handoff whose writes were acknowledged: its values as the 201 returned
/// them and the furthest acknowledged stage.
#[derive(Debug, Clone)]
pub(crate) struct AckedHandoff {
    values: Value,
    stage: Stage,
}

/// Every acknowledged write: what must survive any crash.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    /// Account id → (name, ARR minor units) as the 201 returned them.
    accounts: BTreeMap<String, (String, i64)>,
    /// Handoff id → what was acknowledged.
    handoffs: BTreeMap<String, AckedHandoff>,
    /// Acknowledged writes (each 2xx), in all.
    pub(crate) acked: u64,
}

/// The phases of a run, as a client saw them when an answer came.
pub(crate) const PHASES: usize = 3;

/// Counts per phase (the phase at the moment each answer came).
#[derive(Debug, Default, Clone)]
pub(crate) struct Tally {
    /// Writes answered 2xx.
    pub(crate) acked: [u64; PHASES],
    /// Writes answered with another status, by status.
    pub(crate) refused: [BTreeMap<u16, u64>; PHASES],
    /// Writes with no answer (the connection was cut).
    pub(crate) cut: [u64; PHASES],
}

impl Tally {
    /// Writes refused with a status, in `phase`.
    pub(crate) fn refused_in(&self, phase: usize) -> u64 {
        self.refused[phase].values().sum()
    }
}

/// The callers of the workload: an admin who records accounts, an AE who
/// starts and submits ae-to-onboarding handoffs, an onboarding member who
/// accepts them.
#[derive(Clone)]
pub(crate) struct Actors {
    admin: String,
    ae: String,
    onboarding: String,
    /// Accounts the handoffs are about.
    accounts: Vec<String>,
}

/// What the clients share while they run.
pub(crate) struct Shared {
    /// Acknowledged writes.
    pub(crate) ledger: Mutex<Ledger>,
    /// What each write got.
    pub(crate) tally: Mutex<Tally>,
    /// The phase of the run now (answers are tallied under it).
    pub(crate) phase: AtomicU8,
    /// Tells the clients to stop after the request they are in.
    stop: tokio::sync::watch::Sender<bool>,
    /// The count of acknowledged writes, to wait on.
    acks: tokio::sync::watch::Sender<u64>,
}

impl Shared {
    /// Nothing acknowledged yet.
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(Self {
            ledger: Mutex::default(),
            tally: Mutex::default(),
            phase: AtomicU8::new(0),
            stop: tokio::sync::watch::channel(false).0,
            acks: tokio::sync::watch::channel(0).0,
        })
    }

    /// Waits (at most `limit`) until `n` writes in all have been acknowledged.
    pub(crate) async fn wait_for_acks(&self, n: u64, limit: Duration) {
        let mut rx = self.acks.subscribe();
        let waited = tokio::time::timeout(limit, rx.wait_for(|a| *a >= n)).await;
        assert!(
            waited.is_ok(),
            "only {} of {n} writes acknowledged within {limit:?}; tally {:?}",
            *self.acks.borrow(),
            self.tally.lock().unwrap()
        );
    }

    /// Writes acknowledged so far by the clients.
    pub(crate) fn acks_now(&self) -> u64 {
        *self.acks.borrow()
    }

    /// Asks the clients to stop.
    pub(crate) fn stop(&self) {
        self.stop.send_replace(true);
    }

    /// Lets the clients run again (a new cycle).
    fn resume(&self) {
        self.stop.send_replace(false);
    }

    /// Tallies an outcome under the phase it was answered in.
    fn record(&self, outcome: &Result<Answer, reqwest::Error>) {
        let phase = usize::from(self.phase.load(Ordering::SeqCst));
        let mut t = self.tally.lock().unwrap();
        match outcome {
            Ok((s, _)) if (200..300).contains(s) => t.acked[phase] += 1,
            Ok((s, _)) => *t.refused[phase].entry(*s).or_default() += 1,
            Err(_) => t.cut[phase] += 1,
        }
    }
}

/// Makes the org's workload callers over a running server on a fresh org
/// (`baton init` already run with `admin@acme.test`): two users, their
/// tokens, and `accounts` accounts to hand off, all recorded in `shared`.
pub(crate) async fn set_up(base: &str, shared: &Shared, accounts: usize) -> Actors {
    let anon = Api::new(base);
    let admin_token = anon.token_for("admin@acme.test").await;
    let admin = anon.with_token(&admin_token);
    for (email, team) in [("ae1@acme.test", "ae"), ("onb1@acme.test", "onboarding")] {
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
    let mut ids = Vec::new();
    for n in 0..accounts {
        let id = format!("A-base-{n}");
        let body = admin
            .post_expect("/api/v1/accounts", account_body(&id, n as i64), 201)
            .await;
        note_account(shared, &body);
        ids.push(id);
    }
    Actors {
        admin: admin_token,
        ae: anon.token_for("ae1@acme.test").await,
        onboarding: anon.token_for("onb1@acme.test").await,
        accounts: ids,
    }
}

fn account_body(id: &str, n: i64) -> Value {
    json!({
        "id": id,
        "name": format!("Customer {id} #{n}"),
        "arr": {"minor": 1_000_000 + n * 37, "currency": "USD"},
        "segment": "mid-market",
    })
}

fn note_account(shared: &Shared, body: &Value) {
    let mut l = shared.ledger.lock().unwrap();
    l.accounts.insert(
        body["id"].as_str().unwrap().to_string(),
        (
            body["name"].as_str().unwrap().to_string(),
            body["arr"]["minor"].as_i64().unwrap(),
        ),
    );
    l.acked += 1;
}

/// One client: writes until told to stop or until the server is gone (a
/// cut connection), recording every 2xx in the ledger. Refusals (statuses
/// that are not 2xx) are tallied and the client carries on with a new
/// handoff. `tag` makes its ids unique across cycles and clients.
pub(crate) async fn client(base: String, who: Actors, shared: Arc<Shared>, tag: String, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let api = Api::new(&base);
    let (admin, ae, onb) = (
        api.with_token(&who.admin),
        api.with_token(&who.ae),
        api.with_token(&who.onboarding),
    );
    let stop = shared.stop.subscribe();
    // The handoff this client is driving and the stage it was told of.
    let mut current: Option<(String, Stage)> = None;
    let mut n = 0i64;
    while !*stop.borrow() {
        n += 1;
        let post = |who: &Api, path: String, body: Value| {
            let who = who.clone();
            async move { who.send(reqwest::Method::POST, &path, Some(body)).await }
        };
        let (outcome, step) = match &current {
            _ if rng.random_bool(0.2) => {
                let id = format!("A-{tag}-{n}");
                let out = post(&admin, "/api/v1/accounts".into(), account_body(&id, n)).await;
                (out, Step::Account)
            }
            None => {
                let account = &who.accounts[rng.random_range(0..who.accounts.len())];
                let body = json!({
                    "contract": "ae-to-onboarding",
                    "account": account,
                    "values": {
                        "economic_buyer": format!("CFO {tag}-{n} signs up to {} k", rng.random_range(10..999)),
                        "success_criteria": format!("Cut onboarding time by {} % by Q{}", rng.random_range(5..60), rng.random_range(1..5)),
                    },
                });
                (
                    post(&ae, "/api/v1/handoffs".into(), body).await,
                    Step::Start,
                )
            }
            Some((id, Stage::Draft)) => (
                post(&ae, format!("/api/v1/handoffs/{id}/submit"), json!({})).await,
                Step::Move(Stage::Submitted),
            ),
            Some((id, _)) => (
                post(&onb, format!("/api/v1/handoffs/{id}/accept"), json!({})).await,
                Step::Move(Stage::Accepted),
            ),
        };
        shared.record(&outcome);
        let Ok((status, body)) = outcome else {
            // The server is gone.
            return;
        };
        if !(200..300).contains(&status) {
            current = None;
            continue;
        }
        match step {
            Step::Account => note_account(&shared, &body),
            Step::Start => {
                let id = body["id"].as_str().unwrap().to_string();
                assert_eq!(body["state"], "draft", "{body}");
                let mut l = shared.ledger.lock().unwrap();
                l.handoffs.insert(
                    id.clone(),
                    AckedHandoff {
                        values: body["values"].clone(),
                        stage: Stage::Draft,
                    },
                );
                l.acked += 1;
                current = Some((id, Stage::Draft));
            }
            Step::Move(stage) => {
                let Some((id, _)) = current.take() else {
                    continue;
                };
                assert_eq!(
                    Stage::of(body["state"].as_str().unwrap_or_default()),
                    Some(stage),
                    "{body}"
                );
                let mut l = shared.ledger.lock().unwrap();
                l.handoffs.get_mut(&id).unwrap().stage = stage;
                l.acked += 1;
                // Some submitted handoffs are left waiting in the inbox.
                if stage == Stage::Submitted && rng.random_bool(0.7) {
                    current = Some((id, stage));
                }
            }
        }
        shared.acks.send_modify(|a| *a += 1);
    }
}

/// What a client's request was for.
enum Step {
    Account,
    Start,
    Move(Stage),
}

/// Starts `n` clients.
pub(crate) fn spawn_clients(
    base: &str,
    who: &Actors,
    shared: &Arc<Shared>,
    tag: &str,
    n: usize,
    rng: &mut StdRng,
) -> Vec<tokio::task::JoinHandle<()>> {
    shared.resume();
    (0..n)
        .map(|i| {
            tokio::spawn(client(
                base.to_string(),
                who.clone(),
                shared.clone(),
                format!("{tag}-{i}"),
                rng.random(),
            ))
        })
        .collect()
}

/// Every page of a list under `/api/v1`.
async fn all_pages(api: &Api, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit=200&cursor={c}"),
            None => format!("{path}?limit=200"),
        };
        let page = api.get_ok(&url).await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return items,
        }
    }
}

/// Asserts every acknowledged write is present with its content, read over
/// the API as the admin; returns how many acknowledged writes were checked.
pub(crate) async fn check_ledger(base: &str, who: &Actors, shared: &Shared) -> u64 {
    let admin = Api::new(base).with_token(&who.admin);
    let accounts: BTreeMap<String, (String, i64)> = all_pages(&admin, "/api/v1/accounts")
        .await
        .into_iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                (
                    a["name"].as_str().unwrap().to_string(),
                    a["arr"]["minor"].as_i64().unwrap(),
                ),
            )
        })
        .collect();
    let handoffs: BTreeMap<String, Value> = all_pages(&admin, "/api/v1/handoffs")
        .await
        .into_iter()
        .map(|h| (h["id"].as_str().unwrap().to_string(), h))
        .collect();
    let ledger = shared.ledger.lock().unwrap();
    for (id, want) in &ledger.accounts {
        assert_eq!(
            accounts.get(id),
            Some(want),
            "acknowledged account {id} lost or changed"
        );
    }
    for (id, want) in &ledger.handoffs {
        let got = handoffs.get(id);
        assert!(got.is_some(), "acknowledged handoff {id} lost");
        let got = got.unwrap();
        assert_eq!(got["values"], want.values, "handoff {id}: values changed");
        let stage = Stage::of(got["state"].as_str().unwrap_or_default());
        // A later step may have landed without its answer (cut off by the
        // kill); an acknowledged one may never be missing.
        assert!(
            stage.is_some_and(|s| s >= want.stage),
            "handoff {id}: acknowledged as {:?}, found {}",
            want.stage,
            got["state"]
        );
    }
    ledger.acked
}

/// Kill cycles of `baton serve` under concurrent writes on `url`.
async fn writes_acknowledged_before_a_kill_survive_it(url: &str, backend: &str) {
    let started = Instant::now();
    let cycles = cycles();
    let mut rng = StdRng::seed_from_u64(seed(&format!("serve kills on {backend}")));
    baton(
        url,
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
    let shared = Shared::new();
    let mut server = Serve::start(url);
    let who = set_up(&server.base, &shared, 8).await;
    let mut checked = 0;
    for cycle in 0..cycles {
        let before = shared.acks_now();
        let clients = spawn_clients(
            &server.base,
            &who,
            &shared,
            &format!("c{cycle}"),
            4,
            &mut rng,
        );
        // Kill after a random number of acknowledged writes, with the other
        // clients' requests in flight.
        let target = before + rng.random_range(1..=40);
        shared.wait_for_acks(target, Duration::from_secs(60)).await;
        server.kill();
        for c in clients {
            c.await.unwrap();
        }
        server = Serve::start(url);
        checked = check_ledger(&server.base, &who, &shared).await;
    }
    // It serves again: a write after the last restart is acknowledged and
    // readable.
    let admin = Api::new(&server.base).with_token(&who.admin);
    admin
        .post_expect("/api/v1/accounts", account_body("A-after", 1), 201)
        .await;
    assert_eq!(
        admin.get_ok("/api/v1/accounts/A-after").await["name"],
        "Customer A-after #1"
    );
    drop(server);
    // The projections left after all the kills are exactly the fold of the
    // log: no write landed in one without the other.
    let rebuilt = baton(url, &["rebuild"]);
    assert!(rebuilt.contains("identical"), "{rebuilt}");
    let tally = shared.tally.lock().unwrap().clone();
    println!(
        "serve kills on {backend}: {cycles} cycles, {checked} acknowledged writes checked after the last, \
         {} requests cut by kills, refused {:?}, {:.1} s",
        tally.cut[0],
        tally.refused[0],
        started.elapsed().as_secs_f64()
    );
    // Every write the workload makes is valid; only a write conflict (two
    // writers of one stream) may be refused.
    assert!(
        tally.refused[0].keys().all(|s| *s == 409),
        "writes refused: {:?}",
        tally.refused[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_killed_at_random_moments_loses_no_acknowledged_write_on_sqlite() {
    let db = TestDb::sqlite().await;
    db.store.close().await;
    writes_acknowledged_before_a_kill_survive_it(&db.url, "SQLite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_killed_at_random_moments_loses_no_acknowledged_write_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    db.store.close().await;
    writes_acknowledged_before_a_kill_survive_it(&db.url, "PostgreSQL").await;
}

/// Events, handoffs and accounts of the database's only org.
async fn counts(url: &str) -> (u64, u64, u64) {
    let store = baton_store::Store::open(url).await.unwrap();
    let orgs = store.orgs().await.unwrap();
    let org: &OrgId = &orgs[0].0;
    let events = store.event_count(org).await.unwrap();
    let handoffs = store
        .handoff_counts(org)
        .await
        .unwrap()
        .iter()
        .map(|c| c.count)
        .sum::<u64>();
    let accounts = store.account_ids(org).await.unwrap().len() as u64;
    store.close().await;
    (events, handoffs, accounts)
}

/// A fresh database with the org the history is imported into.
async fn import_target(postgres: bool) -> TestDb {
    let db = if postgres {
        TestDb::postgres().await.unwrap()
    } else {
        TestDb::sqlite().await
    };
    db.store.close().await;
    baton(
        &db.url,
        &[
            "init",
            "--org",
            "Demo",
            "--admin-email",
            "admin@demo.test",
            "--admin-password",
            PASSWORD,
        ],
    );
    db
}

/// Starts `baton import events FILE` on `url`.
fn import(url: &str, file: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_baton"))
        .args(["--database-url", url, "import", "events"])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Kills `baton import events` at random moments: each time the database
/// holds none of the import or all of it; then an import run to completion
/// holds all of it.
async fn an_import_killed_midway_leaves_nothing_or_everything(postgres: bool) {
    let backend = if postgres { "PostgreSQL" } else { "SQLite" };
    let started = Instant::now();
    let cycles = cycles();
    let mut rng = StdRng::seed_from_u64(seed(&format!("import kills on {backend}")));
    let dir = temp_dir("crash-import");
    let history = dir.join("history.jsonl");
    baton(
        "sqlite::memory:",
        &[
            "demo",
            "generate",
            "--accounts",
            "200",
            "--months",
            "3",
            "--out",
            history.to_str().unwrap(),
        ],
    );
    // A full import on a database of its own: the counts it gives, and how
    // long it takes (the kills are spread over that time).
    let reference = import_target(postgres).await;
    let empty = counts(&reference.url).await;
    let timer = Instant::now();
    assert!(import(&reference.url, &history).wait().unwrap().success());
    let takes = timer.elapsed();
    let full = counts(&reference.url).await;
    drop(reference);
    assert!(
        full.1 > empty.1 && full.2 > empty.2,
        "the history imports handoffs and accounts: {empty:?} → {full:?}"
    );
    let mut target = import_target(postgres).await;
    assert_eq!(counts(&target.url).await, empty);
    let (mut killed, mut nothing, mut everything) = (0u32, 0u32, 0u32);
    for _ in 0..cycles {
        let mut child = import(&target.url, &history);
        let kill_at = Instant::now() + takes.mul_f64(rng.random_range(0.0..1.1));
        // Only chooses the moment of the kill; wherever it lands the check
        // below must hold.
        while Instant::now() < kill_at && child.try_wait().unwrap().is_none() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        let now = counts(&target.url).await;
        if now == empty {
            nothing += 1;
        } else {
            assert_eq!(
                now, full,
                "a part of the import is visible: (events, handoffs, accounts) \
                 were {empty:?}, are {now:?}, all of it is {full:?}"
            );
            everything += 1;
            // All of it is in: start again on an empty org.
            target = import_target(postgres).await;
        }
    }
    // Run to completion, the import gives the full counts.
    assert!(import(&target.url, &history).wait().unwrap().success());
    assert_eq!(counts(&target.url).await, full);
    let rebuilt = baton(&target.url, &["rebuild"]);
    assert!(rebuilt.contains("identical"), "{rebuilt}");
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "import kills on {backend}: {cycles} cycles, {killed} killed mid-way; after each: \
         {nothing} nothing, {everything} all, 0 partial; full import {:.2} s; {:.1} s in all",
        takes.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test]
async fn an_import_killed_midway_is_all_or_nothing_on_sqlite() {
    an_import_killed_midway_leaves_nothing_or_everything(false).await;
}

#[tokio::test]
async fn an_import_killed_midway_is_all_or_nothing_on_postgres() {
    if TestDb::postgres().await.is_none() {
        return;
    }
    an_import_killed_midway_leaves_nothing_or_everything(true).await;
}
