//! `baton bench http`: a closed-loop load generator for a running `baton
//! serve`. Each of N tasks owns one keep-alive HTTP/1.1 connection and sends
//! its next request as soon as the last one is answered; every latency
//! measured after the warm-up is kept (µs), so the percentiles are exact.
//!
//! hyper's connection-level client is used directly (no pool, no
//! redirects, no cookie jar): the client must cost far less CPU than the
//! server it measures, and on a small machine both share the cores.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use clap::{Args, ValueEnum};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// What the generator asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scenario {
    /// `GET /healthz`: the bare route, through every middleware.
    Bare,
    /// `GET /api/v1/gates/{contract}/{account}`, rotating over accounts.
    Gates,
    /// `GET /api/v1/scorecard?period=…` (every contract).
    Scorecard,
    /// Per iteration: create a complete handoff, submit it, accept it as
    /// the receiver.
    Write,
    /// The soak's traffic: per iteration one of a gate check, the
    /// scorecard, a handoff read, a write (create, submit, accept) or a
    /// sign-in, in fixed proportions (see [`MixedKind::of`]).
    Mixed,
}

/// What one iteration of `mixed` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MixedKind {
    Gate,
    Scorecard,
    Read,
    Write,
    SignIn,
}

impl MixedKind {
    /// The kind of iteration `turn`: out of every 40, 1 sign-in (a password
    /// hash is ~100× the cost of a read), 6 writes, 12 gate checks, 6
    /// scorecards and 15 handoff reads.
    fn of(turn: usize) -> Self {
        match turn % 40 {
            0 => Self::SignIn,
            1..=6 => Self::Write,
            7..=18 => Self::Gate,
            19..=24 => Self::Scorecard,
            _ => Self::Read,
        }
    }
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Self::Bare => "bare",
            Self::Gates => "gates",
            Self::Scorecard => "scorecard",
            Self::Write => "write",
            Self::Mixed => "mixed",
        }
    }

    /// The requests of one iteration, by name (latencies are kept apart).
    fn steps(self) -> &'static [&'static str] {
        match self {
            Self::Write => &["create", "submit", "accept"],
            Self::Mixed => &[
                "gate",
                "scorecard",
                "read",
                "create",
                "submit",
                "accept",
                "signin",
            ],
            _ => &["get"],
        }
    }
}

/// Arguments of `baton bench http`.
#[derive(Debug, Args)]
pub struct HttpArgs {
    /// The server, e.g. http://127.0.0.1:8080 (plain HTTP only).
    #[arg(long)]
    url: String,
    /// A bearer token (the sender's, for `write`).
    #[arg(long, env = "BATON_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The receiver's bearer token (`write`: accepts the handoffs).
    #[arg(long)]
    receiver_token: Option<String>,
    /// Instead of --token: sign in as this user and make a token.
    #[arg(long, conflicts_with = "token")]
    login: Option<String>,
    /// Instead of --receiver-token: sign in as this user and make a token.
    #[arg(long, conflicts_with = "receiver_token")]
    receiver_login: Option<String>,
    /// The password of --login and --receiver-login.
    #[arg(long, env = "BATON_BENCH_PASSWORD", hide_env_values = true)]
    password: Option<String>,
    /// What to ask for.
    #[arg(long, value_enum)]
    scenario: Scenario,
    /// Concurrent connections (one task each, closed loop).
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Seconds measured.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of load before measuring (not counted).
    #[arg(long, default_value_t = 2.0)]
    warmup: f64,
    /// The contract of `gates` and `write`.
    #[arg(long, default_value = "ae-to-onboarding")]
    contract: String,
    /// Accounts to rotate through (comma-separated); default: the org's
    /// first --max-accounts, read from the API.
    #[arg(long, value_delimiter = ',')]
    accounts: Vec<String>,
    /// How many accounts to read from the API when --accounts is not given.
    #[arg(long, default_value_t = 1000)]
    max_accounts: usize,
    /// The scorecard's period (`scorecard`).
    #[arg(long, default_value = "2026-10")]
    period: String,
    /// One JSON object instead of a line of text.
    #[arg(long)]
    json: bool,
}

/// Where the server is: `host:port` to connect to, the Host header, and a
/// path prefix (a reverse proxy's) to put before every path.
#[derive(Debug, Clone)]
struct Target {
    authority: String,
    host: HeaderValue,
    prefix: String,
}

impl Target {
    fn parse(url: &str) -> Result<Self> {
        let rest = url
            .strip_prefix("http://")
            .with_context(|| format!("--url must start with http:// (got {url})"))?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.is_empty() {
            bail!("--url has no host: {url}");
        }
        let prefix = path.trim_end_matches('/');
        Ok(Self {
            authority: if authority.contains(':') {
                authority.to_string()
            } else {
                format!("{authority}:80")
            },
            host: HeaderValue::from_str(authority).context("--url: a bad host")?,
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("/{prefix}")
            },
        })
    }

    /// A path on the server as a request target, parsed once.
    fn uri(&self, path: &str) -> Result<Uri> {
        let full = format!("{}{path}", self.prefix);
        Uri::try_from(full.as_str()).with_context(|| format!("a bad path: {full}"))
    }
}

/// An answer: status and the whole body.
struct Answer {
    status: u16,
    body: Bytes,
    cookie: Option<String>,
}

impl Answer {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The status and the start of the body, for an error message.
    fn describe(&self) -> String {
        let body = String::from_utf8_lossy(&self.body);
        let body: String = body.chars().take(300).collect();
        format!("HTTP {}: {body}", self.status)
    }
}

/// One keep-alive connection.
struct Conn {
    send: SendRequest<Full<Bytes>>,
    host: HeaderValue,
}

impl Conn {
    async fn open(target: &Target) -> Result<Self> {
        let stream = tokio::net::TcpStream::connect(&target.authority)
            .await
            .with_context(|| format!("cannot connect to {}", target.authority))?;
        // Small requests and answers: waiting for Nagle would add latency.
        stream.set_nodelay(true)?;
        let (send, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            // The connection's end shows as an error on the next request.
            let _ = conn.await;
        });
        Ok(Self {
            send,
            host: target.host.clone(),
        })
    }

    /// Sends one request and reads the whole answer.
    async fn call(
        &mut self,
        method: Method,
        uri: Uri,
        auth: Option<(&header::HeaderName, &HeaderValue)>,
        body: Option<Bytes>,
    ) -> Result<Answer> {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::HOST, &self.host);
        if let Some((name, value)) = auth {
            req = req.header(name, value);
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Full::new(b))?,
            None => req.body(Full::new(Bytes::new()))?,
        };
        self.send.ready().await?;
        let res = self.send.send_request(req).await?;
        let status = res.status().as_u16();
        let cookie = res
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::to_string);
        let body = res.into_body().collect().await?.to_bytes();
        Ok(Answer {
            status,
            body,
            cookie,
        })
    }

    /// Like [`Conn::call`], but an answer other than 2xx is an error.
    async fn call_ok(
        &mut self,
        method: Method,
        uri: Uri,
        auth: Option<(&header::HeaderName, &HeaderValue)>,
        body: Option<Bytes>,
    ) -> Result<Answer> {
        let what = format!("{method} {uri}");
        let a = self.call(method, uri, auth, body).await?;
        if !a.ok() {
            bail!("{what}: {}", a.describe());
        }
        Ok(a)
    }
}

/// A bearer token as an Authorization header value.
fn bearer(token: &str) -> Result<HeaderValue> {
    let mut v = HeaderValue::from_str(&format!("Bearer {token}")).context("a bad token")?;
    v.set_sensitive(true);
    Ok(v)
}

/// Signs in and makes a token for the bench (POST /session, POST /tokens).
async fn mint_token(
    conn: &mut Conn,
    target: &Target,
    email: &str,
    password: &str,
) -> Result<String> {
    let login = json!({"email": email, "password": password}).to_string();
    let a = conn
        .call_ok(
            Method::POST,
            target.uri("/api/v1/session")?,
            None,
            Some(login.into()),
        )
        .await
        .with_context(|| format!("cannot sign in as {email}"))?;
    let cookie = HeaderValue::from_str(&a.cookie.context("no session cookie in the answer")?)?;
    let a = conn
        .call_ok(
            Method::POST,
            target.uri("/api/v1/tokens")?,
            Some((&header::COOKIE, &cookie)),
            Some(json!({"name": "baton bench http"}).to_string().into()),
        )
        .await
        .with_context(|| format!("cannot make a token for {email}"))?;
    let v: Value = serde_json::from_slice(&a.body)?;
    v["token"]
        .as_str()
        .map(str::to_string)
        .context("no token in the answer")
}

/// The token given, or one made by signing in.
async fn token(
    conn: &mut Conn,
    target: &Target,
    given: Option<String>,
    login: Option<&str>,
    password: Option<&str>,
    flag: &str,
) -> Result<HeaderValue> {
    match (given, login) {
        (Some(t), _) => bearer(&t),
        (None, Some(email)) => {
            let password =
                password.context("--password (or BATON_BENCH_PASSWORD) is needed to sign in")?;
            bearer(&mint_token(conn, target, email, password).await?)
        }
        (None, None) => bail!("give --{flag}token or --{flag}login"),
    }
}

/// The sender's token: given, or made by signing in.
async fn sender_token(conn: &mut Conn, target: &Target, args: &HttpArgs) -> Result<HeaderValue> {
    token(
        conn,
        target,
        args.token.clone(),
        args.login.as_deref(),
        args.password.as_deref(),
        "",
    )
    .await
}

/// The accounts given, or the org's first `--max-accounts`.
async fn accounts(
    conn: &mut Conn,
    target: &Target,
    auth: &HeaderValue,
    args: &HttpArgs,
) -> Result<Vec<String>> {
    if args.accounts.is_empty() {
        list_accounts(conn, target, auth, args.max_accounts).await
    } else {
        Ok(args.accounts.clone())
    }
}

/// The org's accounts, a page at a time, up to `max`.
async fn list_accounts(
    conn: &mut Conn,
    target: &Target,
    auth: &HeaderValue,
    max: usize,
) -> Result<Vec<String>> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    while ids.len() < max {
        let limit = (max - ids.len()).min(200);
        let path = match &cursor {
            Some(c) => format!("/api/v1/accounts?limit={limit}&cursor={c}"),
            None => format!("/api/v1/accounts?limit={limit}"),
        };
        let a = conn
            .call_ok(
                Method::GET,
                target.uri(&path)?,
                Some((&header::AUTHORIZATION, auth)),
                None,
            )
            .await?;
        let page: Value = serde_json::from_slice(&a.body)?;
        if let Some(items) = page["items"].as_array() {
            ids.extend(
                items
                    .iter()
                    .filter_map(|i| i["id"].as_str().map(str::to_string)),
            );
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    if ids.is_empty() {
        bail!("the org has no accounts to ask about");
    }
    Ok(ids)
}

/// A value that fills a field of the given type completely (long enough for
/// any `min_len` the contract sets).
fn fill(field: &Value) -> Value {
    let first_option = || {
        field["options"]
            .as_array()
            .and_then(|o| o.first())
            .cloned()
            .unwrap_or(Value::Null)
    };
    let min_len = field["min_len"].as_u64().unwrap_or(0) as usize;
    let prose = || {
        let mut s = String::from("Filled by baton bench http: a complete, realistic answer.");
        while s.len() < min_len {
            s.push_str(" More detail.");
        }
        Value::String(s)
    };
    match field["type"].as_str().unwrap_or("text") {
        "number" => json!(12),
        "money" => json!("48000.00 USD"),
        "date" => json!("2026-12-01"),
        "datetime" => json!("2026-12-01T09:00:00Z"),
        "enum" => first_option(),
        "multi_enum" => json!([first_option()]),
        "url" => json!("https://example.com/bench"),
        "bool" => json!(true),
        "confidence" => json!(80),
        "person" => json!("Pat Lee (VP Finance) pat@example.com"),
        "people" => json!("Pat Lee (VP Finance): strong supporter of the rollout"),
        "hypothesis" => json!("Two more regions adopt it next year, then more seats (70%)"),
        _ => prose(),
    }
}

/// The required fields of `owner` in the contract, each filled.
fn values(contract: &Value, owner: &str) -> serde_json::Map<String, Value> {
    contract["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["required"] == true && f["owner"] == owner)
        .filter_map(|f| Some((f["key"].as_str()?.to_string(), fill(f))))
        .collect()
}

/// What each task asks for, prepared before the clock starts.
enum Plan {
    /// The same GET each time.
    One { uri: Uri, auth: Option<HeaderValue> },
    /// GETs rotating over targets.
    Rotate { uris: Vec<Uri>, auth: HeaderValue },
    /// The write path.
    Write(WritePlan),
    /// Gate checks, scorecards, handoff reads, writes and sign-ins.
    Mixed(Box<MixedPlan>),
}

/// Create, submit and accept a handoff.
struct WritePlan {
    /// One create body per account.
    creates: Vec<Bytes>,
    create_uri: Uri,
    accept_body: Bytes,
    sender: HeaderValue,
    receiver: HeaderValue,
    prefix: String,
}

/// What `mixed` asks for.
struct MixedPlan {
    /// The sender's token, for every read.
    auth: HeaderValue,
    gates: Vec<Uri>,
    scorecard: Uri,
    /// Existing handoffs, and a page of the inbox.
    reads: Vec<Uri>,
    write: WritePlan,
    session_uri: Uri,
    sign_in: Bytes,
}

/// What one task measured.
#[derive(Default)]
struct Tally {
    /// Latencies in µs, per step of the scenario.
    steps: Vec<Vec<u32>>,
    /// Requests answered in the measured window.
    requests: u64,
    /// Iterations (all steps) finished in the measured window.
    iterations: u64,
    /// Failed requests over the whole run (warm-up included).
    errors: u64,
    first_error: Option<String>,
}

impl Tally {
    fn error(&mut self, e: String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(e);
        }
    }
}

/// The measured window.
#[derive(Clone, Copy)]
struct Window {
    from: Instant,
    to: Instant,
}

impl Window {
    fn holds(&self, t: Instant) -> bool {
        t >= self.from && t <= self.to
    }
}

/// One timed request: its latency is recorded for `step` when it ends in
/// the window; the answer when it was 2xx.
async fn timed(
    conn: &mut Conn,
    tally: &mut Tally,
    window: Window,
    step: usize,
    (method, uri, auth, body): (Method, Uri, Option<&HeaderValue>, Option<Bytes>),
) -> Option<Answer> {
    let started = Instant::now();
    let result = conn
        .call(method, uri, auth.map(|a| (&header::AUTHORIZATION, a)), body)
        .await;
    let ended = Instant::now();
    if window.holds(ended) {
        tally.requests += 1;
        let micros = u32::try_from(ended.duration_since(started).as_micros()).unwrap_or(u32::MAX);
        if let Some(v) = tally.steps.get_mut(step) {
            v.push(micros);
        }
    }
    match result {
        Ok(a) if a.ok() => Some(a),
        Ok(a) => {
            tally.error(a.describe());
            None
        }
        Err(e) => {
            tally.error(format!("{e:#}"));
            None
        }
    }
}

/// One iteration of the scenario (`turn` picks the account); counted when
/// its last request ends in the window.
async fn iterate(conn: &mut Conn, plan: &Plan, turn: usize, tally: &mut Tally, window: Window) {
    let done = match plan {
        Plan::One { uri, auth } => timed(
            conn,
            tally,
            window,
            0,
            (Method::GET, uri.clone(), auth.as_ref(), None),
        )
        .await
        .is_some(),
        Plan::Rotate { uris, auth } => {
            let uri = uris[turn % uris.len()].clone();
            timed(conn, tally, window, 0, (Method::GET, uri, Some(auth), None))
                .await
                .is_some()
        }
        Plan::Write(w) => write(conn, w, turn, tally, window, 0).await,
        Plan::Mixed(m) => {
            let get = |uri: &Uri, step| (step, (Method::GET, uri.clone(), Some(&m.auth), None));
            let (step, req) = match MixedKind::of(turn) {
                MixedKind::Write => {
                    let done = write(conn, &m.write, turn, tally, window, 3).await;
                    if done && window.holds(Instant::now()) {
                        tally.iterations += 1;
                    }
                    return;
                }
                MixedKind::Gate => get(&m.gates[turn % m.gates.len()], 0),
                MixedKind::Scorecard => get(&m.scorecard, 1),
                MixedKind::Read => get(&m.reads[turn % m.reads.len()], 2),
                MixedKind::SignIn => (
                    6,
                    (
                        Method::POST,
                        m.session_uri.clone(),
                        None,
                        Some(m.sign_in.clone()),
                    ),
                ),
            };
            timed(conn, tally, window, step, req).await.is_some()
        }
    };
    if done && window.holds(Instant::now()) {
        tally.iterations += 1;
    }
}

/// One write (create, submit, accept), its latencies recorded as steps
/// `first`, `first + 1` and `first + 2`; true when all three succeeded.
async fn write(
    conn: &mut Conn,
    w: &WritePlan,
    turn: usize,
    tally: &mut Tally,
    window: Window,
    first: usize,
) -> bool {
    let WritePlan {
        creates,
        create_uri,
        accept_body,
        sender,
        receiver,
        prefix,
    } = w;
    let body = creates[turn % creates.len()].clone();
    let create = (Method::POST, create_uri.clone(), Some(sender), Some(body));
    let Some(made) = timed(conn, tally, window, first, create).await else {
        return false;
    };
    let id = serde_json::from_slice::<Value>(&made.body)
        .ok()
        .and_then(|v| v["id"].as_str().map(str::to_string));
    let uris = id.as_ref().and_then(|id| {
        let at =
            |action: &str| Uri::try_from(format!("{prefix}/api/v1/handoffs/{id}/{action}")).ok();
        at("submit").zip(at("accept"))
    });
    let Some((submit, accept)) = uris else {
        tally.error(format!(
            "no usable id in the new handoff: {}",
            made.describe()
        ));
        return false;
    };
    let submit = (Method::POST, submit, Some(sender), None);
    if timed(conn, tally, window, first + 1, submit)
        .await
        .is_none()
    {
        return false;
    }
    let accept = (
        Method::POST,
        accept,
        Some(receiver),
        Some(accept_body.clone()),
    );
    timed(conn, tally, window, first + 2, accept)
        .await
        .is_some()
}

/// One closed-loop task: iterations back to back on its connection until
/// the window ends; a broken connection is opened again.
async fn worker(
    target: Arc<Target>,
    plan: Arc<Plan>,
    mut conn: Conn,
    index: usize,
    steps: usize,
    window: Window,
) -> Tally {
    let mut tally = Tally {
        steps: vec![Vec::with_capacity(1 << 16); steps],
        ..Tally::default()
    };
    // Tasks start at different places so they ask about different rows.
    let mut turn = index.wrapping_mul(7919);
    while Instant::now() < window.to {
        if conn.send.is_closed() {
            match Conn::open(&target).await {
                Ok(c) => conn = c,
                Err(e) => {
                    tally.error(format!("{e:#}"));
                    // Not a timing: a pause so a refused connect does not spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        turn = turn.wrapping_add(1);
        iterate(&mut conn, &plan, turn, &mut tally, window).await;
    }
    tally
}

/// CPU seconds this process has used (user + system), from /proc on
/// Linux; None elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3, utime 14 and stime 15.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux architecture Baton targets.
    Some(ticks / 100.0)
}

/// The p-th percentile (nearest rank) of sorted µs, in ms.
fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1]) / 1000.0
}

/// p50, p99 and max of a step, in ms.
fn summary(sorted: &[u32]) -> Value {
    json!({
        "requests": sorted.len(),
        "p50_ms": round2(percentile(sorted, 0.50)),
        "p99_ms": round2(percentile(sorted, 0.99)),
        "max_ms": round2(percentile(sorted, 1.0)),
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Prepares what the tasks ask for, checking once that it works.
async fn plan(args: &HttpArgs, target: &Target, conn: &mut Conn) -> Result<Plan> {
    let password = args.password.as_deref();
    Ok(match args.scenario {
        Scenario::Bare => Plan::One {
            uri: target.uri("/healthz")?,
            auth: None,
        },
        Scenario::Scorecard => {
            let auth = sender_token(conn, target, args).await?;
            Plan::One {
                uri: target.uri(&format!("/api/v1/scorecard?period={}", args.period))?,
                auth: Some(auth),
            }
        }
        Scenario::Gates => {
            let auth = sender_token(conn, target, args).await?;
            let accounts = accounts(conn, target, &auth, args).await?;
            let uris = accounts
                .iter()
                .map(|a| target.uri(&format!("/api/v1/gates/{}/{a}", args.contract)))
                .collect::<Result<Vec<_>>>()?;
            Plan::Rotate { uris, auth }
        }
        Scenario::Write => Plan::Write(write_plan(args, target, conn).await?),
        Scenario::Mixed => {
            let write = write_plan(args, target, conn).await?;
            let auth = write.sender.clone();
            let accounts = accounts(conn, target, &auth, args).await?;
            let gates = accounts
                .iter()
                .map(|a| target.uri(&format!("/api/v1/gates/{}/{a}", args.contract)))
                .collect::<Result<Vec<_>>>()?;
            let mut reads = handoff_reads(conn, target, &auth).await?;
            reads.push(target.uri("/api/v1/handoffs?state=submitted&limit=20")?);
            let email = args
                .login
                .as_deref()
                .context("mixed signs in: give --login (and --password)")?;
            let password = password.context("mixed signs in: give --password")?;
            Plan::Mixed(Box::new(MixedPlan {
                auth,
                gates,
                scorecard: target.uri(&format!("/api/v1/scorecard?period={}", args.period))?,
                reads,
                write,
                session_uri: target.uri("/api/v1/session")?,
                sign_in: json!({"email": email, "password": password})
                    .to_string()
                    .into(),
            }))
        }
    })
}

/// Up to 200 of the org's handoffs, as `GET /api/v1/handoffs/{id}`.
async fn handoff_reads(conn: &mut Conn, target: &Target, auth: &HeaderValue) -> Result<Vec<Uri>> {
    let a = conn
        .call_ok(
            Method::GET,
            target.uri("/api/v1/handoffs?limit=200")?,
            Some((&header::AUTHORIZATION, auth)),
            None,
        )
        .await?;
    let page: Value = serde_json::from_slice(&a.body)?;
    let uris = page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["id"].as_str())
        .map(|id| target.uri(&format!("/api/v1/handoffs/{id}")))
        .collect::<Result<Vec<_>>>()?;
    if uris.is_empty() {
        bail!("the org has no handoffs to read");
    }
    Ok(uris)
}

/// Tokens, accounts and bodies for the write path.
async fn write_plan(args: &HttpArgs, target: &Target, conn: &mut Conn) -> Result<WritePlan> {
    let password = args.password.as_deref();
    let sender = sender_token(conn, target, args).await?;
    let receiver = token(
        conn,
        target,
        args.receiver_token.clone(),
        args.receiver_login.as_deref(),
        password,
        "receiver-",
    )
    .await?;
    let accounts = accounts(conn, target, &sender, args).await?;
    let contract = conn
        .call_ok(
            Method::GET,
            target.uri(&format!("/api/v1/contracts/{}", args.contract))?,
            Some((&header::AUTHORIZATION, &sender)),
            None,
        )
        .await?;
    let contract: Value = serde_json::from_slice(&contract.body)?;
    let sent = values(&contract, "sender");
    let creates = accounts
        .iter()
        .map(|a| {
            Bytes::from(
                json!({"contract": args.contract, "account": a, "values": sent}).to_string(),
            )
        })
        .collect();
    Ok(WritePlan {
        creates,
        create_uri: target.uri("/api/v1/handoffs")?,
        accept_body: json!({"values": values(&contract, "receiver")})
            .to_string()
            .into(),
        sender,
        receiver,
        prefix: target.prefix.clone(),
    })
}

/// Runs one iteration on its own, so a misconfiguration fails at once with
/// the server's answer instead of as a run of errors.
async fn check(plan: &Plan, conn: &mut Conn) -> Result<()> {
    let now = Instant::now();
    let always = Window {
        from: now,
        to: now + Duration::from_secs(3600),
    };
    let mut tally = Tally {
        steps: vec![Vec::new(); 7],
        ..Tally::default()
    };
    // Turns 0 to 7 of `mixed` try a sign-in, a write and a gate check.
    for turn in 0..8 {
        iterate(conn, plan, turn, &mut tally, always).await;
    }
    match tally.first_error {
        Some(e) => bail!("the first iteration failed: {e}"),
        None => Ok(()),
    }
}

/// Runs `baton bench http`.
///
/// The load runs on a single-threaded runtime of its own: measured against
/// the multi-threaded one, it costs less CPU per request (~17 µs against
/// ~23 µs for `bare`, no wake-ups across threads) for the same req/s, and
/// never takes more than one core from a server on the same machine.
pub async fn run(args: HttpArgs) -> Result<()> {
    tokio::task::spawn_blocking(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(load(args))
    })
    .await?
}

/// The generator itself, on the runtime it is given.
async fn load(args: HttpArgs) -> Result<()> {
    if args.connections == 0 {
        bail!("--connections must be at least 1");
    }
    if !(args.duration > 0.0 && args.warmup >= 0.0) {
        bail!("--duration must be positive and --warmup not negative");
    }
    let target = Target::parse(&args.url)?;
    let mut setup = Conn::open(&target).await?;
    let plan = plan(&args, &target, &mut setup).await?;
    check(&plan, &mut setup).await?;
    drop(setup);
    let mut conns = Vec::with_capacity(args.connections);
    for _ in 0..args.connections {
        conns.push(Conn::open(&target).await?);
    }
    let steps = args.scenario.steps();
    let start = Instant::now();
    let window = Window {
        from: start + Duration::from_secs_f64(args.warmup),
        to: start + Duration::from_secs_f64(args.warmup + args.duration),
    };
    let target = Arc::new(target);
    let plan = Arc::new(plan);
    let tasks: Vec<_> = conns
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            tokio::spawn(worker(
                target.clone(),
                plan.clone(),
                c,
                i,
                steps.len(),
                window,
            ))
        })
        .collect();
    tokio::time::sleep_until(window.from.into()).await;
    let cpu_from = cpu_seconds();
    tokio::time::sleep_until(window.to.into()).await;
    let cpu_to = cpu_seconds();
    let mut all = Tally {
        steps: vec![Vec::new(); steps.len()],
        ..Tally::default()
    };
    for t in tasks {
        let t = t.await?;
        all.requests += t.requests;
        all.iterations += t.iterations;
        all.errors += t.errors;
        if all.first_error.is_none() {
            all.first_error = t.first_error;
        }
        for (into, from) in all.steps.iter_mut().zip(t.steps) {
            into.extend(from);
        }
    }
    report(&args, &all, cpu_from.zip(cpu_to).map(|(a, b)| b - a))
}

/// Prints the result: one line of text, or one JSON object.
fn report(args: &HttpArgs, all: &Tally, cpu: Option<f64>) -> Result<()> {
    let mut every: Vec<u32> = all.steps.iter().flatten().copied().collect();
    every.sort_unstable();
    let mut by_step = Vec::new();
    for s in &all.steps {
        let mut s = s.clone();
        s.sort_unstable();
        by_step.push(s);
    }
    let secs = args.duration;
    let rps = all.requests as f64 / secs;
    let ips = all.iterations as f64 / secs;
    let cpu_pct = cpu.map(|c| round2(c / secs * 100.0));
    let names = args.scenario.steps();
    if args.json {
        let mut out = json!({
            "scenario": args.scenario.name(),
            "connections": args.connections,
            "duration_s": secs,
            "warmup_s": args.warmup,
            "requests": all.requests,
            "req_per_s": round2(rps),
            "p50_ms": round2(percentile(&every, 0.50)),
            "p99_ms": round2(percentile(&every, 0.99)),
            "max_ms": round2(percentile(&every, 1.0)),
            "errors": all.errors,
            "first_error": all.first_error,
            "client_cpu_pct": cpu_pct,
        });
        if matches!(args.scenario, Scenario::Write | Scenario::Mixed) {
            out["iterations"] = json!(all.iterations);
            out["iter_per_s"] = json!(round2(ips));
            for (name, s) in names.iter().zip(&by_step) {
                out[*name] = summary(s);
            }
        }
        println!("{out}");
        return Ok(());
    }
    let mut line = format!(
        "{}: {} connections, {secs} s: {rps:.0} req/s",
        args.scenario.name(),
        args.connections
    );
    if matches!(args.scenario, Scenario::Write | Scenario::Mixed) {
        line.push_str(&format!(" ({ips:.0} iterations/s)"));
    }
    line.push_str(&format!(
        ", p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&every, 0.50),
        percentile(&every, 0.99),
        percentile(&every, 1.0)
    ));
    if matches!(args.scenario, Scenario::Write | Scenario::Mixed) {
        for (name, s) in names.iter().zip(&by_step) {
            line.push_str(&format!(
                "; {name} p50 {:.2} / p99 {:.2} ms",
                percentile(s, 0.50),
                percentile(s, 0.99)
            ));
        }
    }
    line.push_str(&format!("; {} errors", all.errors));
    if let Some(c) = cpu_pct {
        line.push_str(&format!("; client CPU {c:.0}%"));
    }
    if let Some(e) = &all.first_error {
        line.push_str(&format!("; first error: {e}"));
    }
    println!("{line}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_turns_cycle_through_every_kind_in_fixed_proportions() {
        let kinds: Vec<MixedKind> = (0..40).map(MixedKind::of).collect();
        let count = |k| kinds.iter().filter(|x| **x == k).count();
        assert_eq!(count(MixedKind::SignIn), 1);
        assert_eq!(count(MixedKind::Write), 6);
        assert_eq!(count(MixedKind::Gate), 12);
        assert_eq!(count(MixedKind::Scorecard), 6);
        assert_eq!(count(MixedKind::Read), 15);
        assert_eq!(MixedKind::of(40), MixedKind::SignIn);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u32> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile(&v, 0.50), 50.0);
        assert_eq!(percentile(&v, 0.99), 99.0);
        assert_eq!(percentile(&v, 1.0), 100.0);
        assert_eq!(percentile(&[], 0.99), 0.0);
    }

    #[test]
    fn urls_give_the_address_the_host_and_a_prefix() {
        let t = Target::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(
            (t.authority.as_str(), t.prefix.as_str()),
            ("127.0.0.1:8080", "")
        );
        let t = Target::parse("http://localhost/baton/").unwrap();
        assert_eq!(
            (t.authority.as_str(), t.prefix.as_str()),
            ("localhost:80", "/baton")
        );
        assert!(Target::parse("https://x").is_err());
    }

    #[test]
    fn fields_are_filled_past_their_minimum_length() {
        let contract = json!({"fields": [
            {"key": "a", "type": "long_text", "required": true, "min_len": 200, "owner": "sender"},
            {"key": "b", "type": "enum", "options": ["x", "y"], "required": true, "owner": "sender"},
            {"key": "c", "type": "date", "required": true, "owner": "receiver"},
            {"key": "d", "type": "text", "required": false, "owner": "sender"},
        ]});
        let sent = values(&contract, "sender");
        assert!(sent["a"].as_str().unwrap().len() >= 200);
        assert_eq!(sent["b"], "x");
        assert!(!sent.contains_key("d"));
        assert_eq!(values(&contract, "receiver").len(), 1);
    }
}
