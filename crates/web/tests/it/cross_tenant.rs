//! The randomized cross-tenant test: Acme is filled with data (accounts,
//! handoffs in every state, a custom team and person, a token, a webhook
//! with its deliveries, an audit sample, a proposal, a new contract
//! version, signals), whose ids, names and values are collected first.
//! Then callers of Globex (its admin's token, a member's session cookie, a
//! read-only token) make a few hundred random requests on every route of
//! `/api/v1/openapi.json`: paths and bodies built from the document's own
//! schemas, with ids, keys, emails and accounts taken from Acme, from
//! Globex, or made up, and now and then a method the route does not have.
//!
//! What must hold, request by request: no 5xx; no 2xx on a path naming one
//! of Acme's records, nor for a body that refers to one (creating Globex's
//! own record under the same id is allowed: that id is Globex's from then
//! on); and no body holds anything of Acme's the caller did not send
//! itself. Afterwards Acme reads exactly as before and has no new event.
//!
//! The requests come from a seeded generator: the seed is printed and in
//! every failure; `BATON_CROSS_TENANT_SEED` replays one and
//! `BATON_CROSS_TENANT_REQUESTS` changes how many are made (default 400).

use std::collections::{BTreeMap, BTreeSet};

use baton_app::Caller;
use baton_domain::event::Via;
use baton_domain::{ContractKey, OrgId};
use baton_testkit::{TestApp, email, on_both_backends};
use reqwest::Method;
use serde_json::{Map, Value, json};

use crate::handoffs::{SIDES, complete, sides};
use crate::harness::{Auth, Client, OTHER_ADMIN, Server, start};

on_both_backends!(another_orgs_random_requests_never_reach_or_reveal_acmes_data);

/// SplitMix64: a tiny, stable generator, so a seed replays the same
/// requests on any machine and any version of a random-number crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The seed: `BATON_CROSS_TENANT_SEED`, or a fresh one (from the standard
/// library's randomly keyed hasher: no clock, no extra crate).
fn seed() -> u64 {
    if let Ok(s) = std::env::var("BATON_CROSS_TENANT_SEED") {
        return s.trim().parse().expect("BATON_CROSS_TENANT_SEED is a u64");
    }
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x00ba_7017);
    h.finish()
}

/// Values of one kind: Acme's and Globex's.
#[derive(Debug, Default, Clone)]
struct Pool {
    acme: Vec<String>,
    globex: Vec<String>,
}

/// What the generator draws ids from, by kind.
#[derive(Debug, Default)]
struct Pools {
    accounts: Pool,
    handoffs: Pool,
    tokens: Pool,
    webhooks: Pool,
    deliveries: Pool,
    audits: Pool,
    emails: Pool,
    teams: Pool,
}

/// Everything of Acme's that must never show up for Globex.
#[derive(Debug, Default)]
struct Secrets {
    /// Ids, keys and emails: Globex may send them (and then its answer may
    /// repeat them), or make its own record under one.
    ids: BTreeSet<String>,
    /// Names, values, secrets: Globex never sends these, so they never
    /// appear in an answer to it.
    data: BTreeSet<String>,
}

/// Acme's records, made through the API as Acme's people.
struct Acme {
    secrets: Secrets,
    pools: Pools,
    /// Paths Acme's admin reads before and after, to prove nothing changed.
    reads: Vec<String>,
    /// A token of Acme's, to check it still works afterwards.
    token: String,
}

async fn made(c: &Client, path: &str, body: Value) -> Value {
    let r = c.post(path, body).await;
    assert!(
        (200..300).contains(&r.status),
        "setting up Acme: POST {path}: {} {}",
        r.status,
        r.text
    );
    r.body
}

/// Every `"id"` string anywhere in `v`.
fn ids_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "id"
                    && let Some(s) = x.as_str()
                {
                    out.push(s.to_string());
                }
                ids_in(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| ids_in(x, out)),
        _ => {}
    }
}

/// `complete(contract)` with `mark` added to each free-text value, so
/// every handoff's values can be recognised anywhere.
fn marked_values(contract: &str, mark: &str) -> Value {
    let mut v = complete(contract);
    for (_, x) in v.as_object_mut().unwrap().iter_mut() {
        if let Some(s) = x.as_str()
            && s.len() > 20
        {
            *x = json!(format!("{s} ({mark})"));
        }
    }
    v
}

async fn fill_acme(s: &Server, tag: &str) -> Acme {
    let mut sec = Secrets::default();
    let mut pools = Pools::default();
    let admin = s.as_("admin@acme.test").await;
    sec.data.insert(s.t.org.to_string());
    sec.data.insert("Acme".into());
    for who in ["admin".to_string()].into_iter().chain(
        [
            "marketing",
            "sdr",
            "ae",
            "onboarding",
            "cs",
            "support",
            "product",
            "motion-a",
            "motion-b",
        ]
        .iter()
        .flat_map(|t| ["1", "2", "-lead"].map(|w| format!("{t}{w}"))),
    ) {
        pools.emails.acme.push(format!("{who}@acme.test"));
    }

    // The webhook first, so every later event queues a delivery.
    let secret = format!("acme-signing-secret-{tag}");
    let url = format!("https://hooks.acme.example/{tag}");
    let hook = made(
        &admin,
        "/webhooks",
        json!({"url": url, "events": ["*"], "secret": secret}),
    )
    .await;
    pools
        .webhooks
        .acme
        .push(hook["id"].as_str().unwrap().into());
    sec.data.extend([secret, url]);

    let team = format!("acmesquad{tag}");
    made(
        &admin,
        "/teams",
        json!({"key": team, "name": format!("Acme Squad {tag}")}),
    )
    .await;
    pools.teams.acme.push(team);
    sec.data.insert(format!("Acme Squad {tag}"));
    let person = format!("acmeperson{tag}@acme.test");
    made(
        &admin,
        "/users",
        json!({"email": person, "name": format!("Acme Person {tag}"),
               "teams": [{"team": "ae", "role": "member"}], "admin": false}),
    )
    .await;
    pools.emails.acme.push(person);
    sec.data.insert(format!("Acme Person {tag}"));

    for i in 0..3 {
        let id = format!("ACME-ACC-{tag}-{i}");
        let name = format!("Acme Account {tag}-{i}");
        made(
            &admin,
            "/accounts",
            json!({"id": id, "name": name, "arr": {"minor": 4_800_000 + i, "currency": "USD"}, "segment": "enterprise"}),
        )
        .await;
        pools.accounts.acme.push(id);
        sec.data.insert(name);
    }
    let account = |n: usize| pools.accounts.acme[n % 3].clone();

    // One handoff per contract, in different states.
    for (n, side) in SIDES.iter().enumerate() {
        let id = format!("ACME-H-{tag}-{n}");
        let mark = format!("acmeval{tag}x{n}");
        let sender = s.as_(side.sender).await;
        let receiver = s.as_(side.receiver).await;
        made(
            &sender,
            "/handoffs",
            json!({"id": id, "contract": side.contract, "account": account(n),
                   "values": marked_values(side.contract, &mark)}),
        )
        .await;
        sec.data.insert(mark.clone());
        pools.handoffs.acme.push(id.clone());
        if side.contract == "mql-to-sdr" {
            continue; // a draft
        }
        made(&sender, &format!("/handoffs/{id}/submit"), json!({})).await;
        match side.contract {
            "onboarding-to-cs" => {
                let reason = format!("Acme rejection {tag}");
                made(
                    &receiver,
                    &format!("/handoffs/{id}/reject"),
                    json!({"code": "missing_context", "reason": reason, "fields": ["adoption_curve"]}),
                )
                .await;
                sec.data.insert(reason);
            }
            "ae-to-onboarding" => {
                made(&receiver, &format!("/handoffs/{id}/accept"), json!({})).await;
            }
            "cs-to-support" => {
                made(
                    &receiver,
                    &format!("/handoffs/{id}/accept"),
                    json!({"values": {"ack_eta": "2026-10-03T12:00:00Z"}}),
                )
                .await;
                let note = format!("Acme echo note {tag}");
                made(
                    &receiver,
                    &format!("/handoffs/{id}/echo"),
                    json!({"note": note}),
                )
                .await;
                sec.data.insert(note);
            }
            "cross-motion" => {
                let answer = format!("Acme attested owner {tag}");
                made(
                    &sender,
                    &format!("/handoffs/{id}/attest"),
                    json!({"question": "Who owns the customer relationship while the cross-sell is active?", "answer": answer}),
                )
                .await;
                sec.data.insert(answer);
            }
            _ => {} // submitted
        }
    }

    // A token of Acme's own, a sampled audit, a proposal, a new version.
    let ae = s.as_("ae1@acme.test").await;
    let tok = made(&ae, "/tokens", json!({"name": format!("Acme robot {tag}")})).await;
    pools.tokens.acme.push(tok["id"].as_str().unwrap().into());
    let token = tok["token"].as_str().unwrap().to_string();
    sec.data
        .extend([format!("Acme robot {tag}"), token.clone()]);
    let sample = made(&admin, "/contracts/sdr-to-ae/audits/sample", json!({})).await;
    pools
        .audits
        .acme
        .push(sample["id"].as_str().unwrap().into());
    let summary = format!("Acme proposal {tag}");
    made(
        &ae,
        "/contracts/ae-to-onboarding/proposals",
        json!({"summary": summary}),
    )
    .await;
    sec.data.insert(summary);
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    let contract =
        s.t.app
            .store()
            .contract(&s.t.org, &key)
            .await
            .unwrap()
            .unwrap();
    let mut def = serde_json::to_value(&contract.current).unwrap();
    let title = format!("Acme revision {tag}");
    def["title"] = json!(title);
    made(
        &s.as_(sides("ae-to-onboarding").lead).await,
        "/contracts/ae-to-onboarding/versions",
        def,
    )
    .await;
    sec.data.insert(title);

    // Signals about Acme's accounts.
    let note = format!("Acme rediscovery {tag}");
    made(
        &ae,
        "/signals/rediscovery",
        json!({"account": account(0), "field": "success_criteria", "note": note}),
    )
    .await;
    sec.data.insert(note);
    made(
        &ae,
        "/signals/nps",
        json!({"account": account(1), "score": 3}),
    )
    .await;
    made(
        &ae,
        "/signals/churn",
        json!({"account": account(2), "arr_lost": {"minor": 4_800_002, "currency": "USD"}}),
    )
    .await;
    admin
        .put(
            "/inbound/crm/rules",
            json!({"rules": [{"object": "deal", "stage": "Closed Won", "contract": "ae-to-onboarding"}]}),
        )
        .await
        .expect(200);

    let deliveries = admin
        .get(&format!("/webhooks/{}/deliveries", pools.webhooks.acme[0]))
        .await;
    let mut found = Vec::new();
    ids_in(deliveries.expect(200), &mut found);
    assert!(!found.is_empty(), "Acme's webhook has deliveries");
    pools.deliveries.acme = found;

    for p in [
        &pools.accounts,
        &pools.handoffs,
        &pools.tokens,
        &pools.webhooks,
        &pools.deliveries,
        &pools.audits,
        &pools.emails,
        &pools.teams,
    ] {
        sec.ids.extend(p.acme.iter().cloned());
    }

    let mut reads: Vec<String> = [
        "/accounts?limit=200",
        "/handoffs?limit=200",
        "/tokens",
        "/teams",
        "/users",
        "/contracts",
        "/inbound/crm/rules",
        "/rollout",
        "/scorecard",
        "/leak-audit",
        "/incentives",
        "/webhooks",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    for a in &pools.accounts.acme {
        reads.push(format!("/accounts/{a}"));
    }
    for h in &pools.handoffs.acme {
        reads.push(format!("/handoffs/{h}"));
        reads.push(format!("/handoffs/{h}/events"));
    }
    for side in &SIDES {
        let k = side.contract;
        reads.extend([
            format!("/contracts/{k}"),
            format!("/contracts/{k}/versions"),
            format!("/contracts/{k}/proposals"),
            format!("/contracts/{k}/audits"),
        ]);
    }
    reads.push(format!("/webhooks/{}/deliveries", pools.webhooks.acme[0]));
    Acme {
        secrets: sec,
        pools,
        reads,
        token,
    }
}

/// What Acme's admin reads at every path of `reads`.
async fn snapshot(admin: &Client, reads: &[String]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for p in reads {
        let r = admin.get(p).await;
        out.insert(p.clone(), format!("{} {}", r.status, r.text));
    }
    out
}

/// Globex's side: its own records (to mix with Acme's) and its callers.
async fn fill_globex(s: &Server, other: &OrgId, pools: &mut Pools) -> Vec<(&'static str, Client)> {
    let admin = s.as_in(other, OTHER_ADMIN).await;
    made(
        &admin,
        "/accounts",
        json!({"id": "GLOBEX-ACC-1", "name": "Globex Widgets", "arr": {"minor": 100, "currency": "EUR"}}),
    )
    .await;
    pools.accounts.globex.push("GLOBEX-ACC-1".into());
    let member = s.as_in(other, "ae1@globex.test").await;
    made(
        &member,
        "/handoffs",
        json!({"id": "GLOBEX-H-1", "contract": "ae-to-onboarding", "account": "GLOBEX-ACC-1",
               "values": {"economic_buyer": "Globex's own buyer, the COO"}}),
    )
    .await;
    pools.handoffs.globex.push("GLOBEX-H-1".into());
    let hook = made(
        &admin,
        "/webhooks",
        json!({"url": "https://hooks.globex.example/x", "events": ["*"], "secret": "globex secret, long enough"}),
    )
    .await;
    pools
        .webhooks
        .globex
        .push(hook["id"].as_str().unwrap().into());
    let ro = made(
        &admin,
        "/tokens",
        json!({"name": "Globex reader", "read_only": true}),
    )
    .await;
    // A spare token for the pool: the callers' own may not be revoked by
    // a random DELETE halfway through.
    let spare = made(&admin, "/tokens", json!({"name": "Globex spare"})).await;
    pools
        .tokens
        .globex
        .push(spare["id"].as_str().unwrap().into());
    // Not the member's email: random sign-ins with it would lock the
    // member out of signing in again after a random sign-out.
    pools.emails.globex = vec![OTHER_ADMIN.into(), "nobody@globex.test".into()];
    pools.teams.globex = vec!["ae".into(), "onboarding".into(), "cs".into()];

    // The member signs in with a password, as a browser would.
    s.t.app
        .set_password(
            &Caller::new(other.clone(), email(OTHER_ADMIN), Via::Cli),
            &email("ae1@globex.test"),
            MEMBER_PASSWORD,
        )
        .await
        .unwrap();
    vec![
        ("Globex's admin (token)", admin),
        ("Globex's member (session cookie)", member_session(s).await),
        (
            "Globex's read-only token",
            s.client(Auth::Bearer(ro["token"].as_str().unwrap().into())),
        ),
    ]
}

/// Globex's member's password.
const MEMBER_PASSWORD: &str = "globex member password";

/// A client with a fresh session cookie of Globex's member.
async fn member_session(s: &Server) -> Client {
    let r = s
        .anon()
        .post(
            "/session",
            json!({"email": "ae1@globex.test", "password": MEMBER_PASSWORD}),
        )
        .await;
    r.expect(200);
    let cookie = r.headers[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_string();
    s.client(Auth::Cookie(cookie))
}

/// Draws request parts for Globex's callers.
struct Gen<'a> {
    rng: Rng,
    doc: &'a Value,
    pools: &'a Pools,
    n: u64,
}

const CONTRACTS: [&str; 7] = [
    "mql-to-sdr",
    "sdr-to-ae",
    "ae-to-onboarding",
    "onboarding-to-cs",
    "cs-to-support",
    "cross-motion",
    "no-such-contract",
];

impl Gen<'_> {
    fn fresh(&mut self) -> String {
        self.n += 1;
        format!("gx-{}-{}", self.n, self.rng.below(1000))
    }

    /// Mostly Acme's, sometimes Globex's own, now and then made up.
    fn from(&mut self, pool: &Pool) -> String {
        let roll = self.rng.below(100);
        if roll < 60 && !pool.acme.is_empty() {
            self.rng.pick(&pool.acme).clone()
        } else if roll < 88 && !pool.globex.is_empty() {
            self.rng.pick(&pool.globex).clone()
        } else {
            self.fresh()
        }
    }
}

/// The pool of ids of a kind (a path segment or a property name).
fn pool<'p>(p: &'p Pools, kind: &str) -> Option<&'p Pool> {
    Some(match kind {
        "account" | "accounts" => &p.accounts,
        "handoff" | "handoffs" => &p.handoffs,
        "tokens" => &p.tokens,
        "webhooks" => &p.webhooks,
        "delivery" | "deliveries" => &p.deliveries,
        "audits" => &p.audits,
        "email" | "owner" | "to" | "users" => &p.emails,
        "team" | "teams" => &p.teams,
        _ => return None,
    })
}

impl Gen<'_> {
    /// A path parameter, by its name and the segment before it.
    fn param(&mut self, name: &str, before: &str) -> String {
        let pools = self.pools;
        match name {
            "key" | "contract" => self.rng.pick(&CONTRACTS).to_string(),
            "id" => match pool(pools, before) {
                Some(p) => self.from(p),
                None => self.fresh(),
            },
            other => match pool(pools, other) {
                Some(p) => self.from(p),
                None => self.fresh(),
            },
        }
    }

    /// `schema`, or what its `$ref` names.
    fn resolve(&self, schema: &Value) -> Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.rsplit('/').next().unwrap();
                self.doc["components"]["schemas"][name].clone()
            }
            None => schema.clone(),
        }
    }

    /// A random value for `schema`, with strings chosen by the property's
    /// name (`prop`) so that ids are Acme's, Globex's or made up.
    fn value(&mut self, schema: &Value, prop: &str, depth: u32) -> Value {
        let schema = self.resolve(schema);
        if depth > 5 {
            return Value::Null;
        }
        for alt in ["oneOf", "anyOf"] {
            if let Some(options) = schema.get(alt).and_then(Value::as_array) {
                let options: Vec<&Value> = options
                    .iter()
                    .filter(|o| o.get("type") != Some(&json!("null")))
                    .collect();
                if !options.is_empty() {
                    let o = (*self.rng.pick(&options)).clone();
                    return self.value(&o, prop, depth + 1);
                }
            }
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            for part in all {
                if let Value::Object(o) = self.value(part, prop, depth + 1) {
                    merged.extend(o);
                }
            }
            return Value::Object(merged);
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            return self.rng.pick(options).clone();
        }
        let ty = match &schema["type"] {
            Value::String(t) => t.clone(),
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null")
                .to_string(),
            _ if schema.get("properties").is_some() => "object".into(),
            _ => "string".into(),
        };
        match ty.as_str() {
            "object" => self.object(&schema, prop, depth),
            "array" => {
                let items = schema.get("items").cloned().unwrap_or(json!({}));
                let n = self.rng.below(3);
                Value::Array(
                    (0..n)
                        .map(|_| self.value(&items, prop, depth + 1))
                        .collect(),
                )
            }
            "integer" => json!(self.rng.below(120)),
            "number" => json!(self.rng.below(1000) as f64 / 10.0),
            "boolean" => json!(self.rng.chance(50)),
            "null" => Value::Null,
            _ => json!(self.string(prop, schema["format"].as_str())),
        }
    }

    fn object(&mut self, schema: &Value, prop: &str, depth: u32) -> Value {
        let mut out = Map::new();
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if let Some(props) = schema["properties"].as_object() {
            for (name, sub) in props {
                if required.contains(name.as_str()) || self.rng.chance(60) {
                    let v = self.value(sub, name, depth + 1);
                    out.insert(name.clone(), v);
                }
            }
        }
        if prop == "values"
            || schema
                .get("additionalProperties")
                .is_some_and(Value::is_object)
        {
            // A map of field values: a well-filled handoff of some contract
            // (Globex's own words), or a few made-up keys.
            if self.rng.chance(50) {
                let c = self.rng.below(6);
                if let Value::Object(m) = complete(CONTRACTS[c]) {
                    out.extend(m);
                }
            } else {
                for _ in 0..self.rng.below(3) {
                    let k = self.fresh();
                    out.insert(k, json!("Globex says something"));
                }
            }
        }
        Value::Object(out)
    }

    fn string(&mut self, prop: &str, format: Option<&str>) -> String {
        let pools = self.pools;
        match format {
            Some("date-time") => return "2026-10-05T12:00:00Z".into(),
            Some("date") => return "2026-12-01".into(),
            _ => {}
        }
        match prop {
            "id" => {
                // Now and then Globex names its own new record with one of
                // Acme's ids: allowed, and it must not touch Acme's.
                if self.rng.chance(30) {
                    let pool = if self.rng.chance(50) {
                        self.pools.accounts.clone()
                    } else {
                        self.pools.handoffs.clone()
                    };
                    self.from(&pool)
                } else {
                    self.fresh()
                }
            }
            "key" => {
                if self.rng.chance(40) {
                    self.from(&pools.teams)
                } else {
                    self.fresh()
                }
            }
            "contract" => self.rng.pick(&CONTRACTS).to_string(),
            "url" => "https://hooks.globex.example/random".into(),
            "password" => format!("globex guess {}", self.rng.below(1_000_000)),
            "currency" => "USD".into(),
            "period" => "2026-10".into(),
            "events" => "*".into(),
            "stage" => "Closed Won".into(),
            "object" => "deal".into(),
            other => match pool(pools, other) {
                Some(p) => self.from(p),
                None => format!(
                    "Globex text {} with enough words in it to be filled",
                    self.fresh()
                ),
            },
        }
    }
}

/// One request as drawn.
struct Drawn {
    method: Method,
    path: String,
    /// The query's values as sent before percent-encoding.
    query: Vec<String>,
    /// The method is the route's own (not one drawn at random): only then
    /// does the body mean anything to the server.
    documented: bool,
    body: Option<Value>,
    raw: Option<(String, Vec<u8>)>,
}

impl Drawn {
    /// Everything the caller sent, as text.
    fn sent(&self) -> String {
        let mut s = self.path.clone();
        for v in &self.query {
            s.push(' ');
            s.push_str(v);
        }
        if let Some(b) = &self.body {
            s.push(' ');
            s.push_str(&b.to_string());
        }
        if let Some((_, bytes)) = &self.raw {
            s.push(' ');
            s.push_str(&String::from_utf8_lossy(bytes));
        }
        s
    }

    fn describe(&self) -> String {
        let body = match (&self.body, &self.raw) {
            (Some(b), _) => b.to_string(),
            (None, Some((ty, bytes))) => format!("({ty}) {}", String::from_utf8_lossy(bytes)),
            _ => String::new(),
        };
        format!("{} {} {body}", self.method, self.path)
    }
}

const ANY_METHOD: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

fn draw(g: &mut Gen<'_>, ops: &[(String, String)]) -> Drawn {
    let (route, method) = g.rng.pick(ops).clone();
    let op = g.doc["paths"][&route][&method].clone();
    // The path, parameter by parameter.
    let mut path = String::new();
    let mut before = "";
    for seg in route.split('/').filter(|s| !s.is_empty()) {
        path.push('/');
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let v = g.param(name, before);
                path.push_str(&v);
            }
            None => path.push_str(seg),
        }
        before = seg;
    }
    let mut query = Vec::new();
    let mut values = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        let p = g.resolve(p);
        if p["in"] == "query" && g.rng.chance(50) {
            let name = p["name"].as_str().unwrap_or("q").to_string();
            let v = g.value(&p["schema"], &name, 0);
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            query.push(format!("{name}={}", encode(&v)));
            values.push(v);
        }
    }
    if !query.is_empty() {
        path.push('?');
        path.push_str(&query.join("&"));
    }
    let content = &op["requestBody"]["content"];
    let (body, raw) = if let Some(json_schema) = content.get("application/json") {
        let schema = json_schema["schema"].clone();
        (Some(g.value(&schema, "body", 0)), None)
    } else if let Some((ty, _)) = content.as_object().and_then(|c| c.iter().next()) {
        let pools = g.pools;
        // A history import: lines that name Acme's records.
        let line = json!({
            "type": "handoff_started",
            "handoff": g.from(&pools.handoffs),
            "account": g.from(&pools.accounts),
            "by": g.from(&pools.emails),
            "at": "2026-10-02T10:00:00Z",
        });
        (None, Some((ty.clone(), format!("{line}\n").into_bytes())))
    } else {
        (None, None)
    };
    let drawn = if g.rng.chance(12) {
        *g.rng.pick(&ANY_METHOD)
    } else {
        method.as_str()
    };
    let documented = drawn.eq_ignore_ascii_case(&method);
    let method = Method::from_bytes(drawn.to_uppercase().as_bytes()).unwrap();
    Drawn {
        method,
        path,
        query: values,
        documented,
        body,
        raw,
    }
}

/// Percent-encodes a query value.
fn encode(v: &str) -> String {
    baton_web::ui::percent_encode(v).replace('/', "%2F")
}

/// String values of properties named `id`, `key` or `email` (the new
/// record's own name), and those of every other property (references).
fn names_and_refs(v: &Value, prop: &str, names: &mut Vec<String>, refs: &mut Vec<String>) {
    match v {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| names_and_refs(x, k, names, refs)),
        Value::Array(a) => a.iter().for_each(|x| names_and_refs(x, prop, names, refs)),
        Value::String(s) if matches!(prop, "id" | "key" | "email") => names.push(s.clone()),
        Value::String(s) => refs.push(s.clone()),
        _ => {}
    }
}

/// `text` with every string of `remove` taken out, longest first.
fn without(text: &str, remove: &BTreeSet<&String>) -> String {
    let mut sorted: Vec<&&String> = remove.iter().collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for r in sorted {
        out = out.replace(r.as_str(), "");
    }
    out
}

async fn another_orgs_random_requests_never_reach_or_reveal_acmes_data(t: TestApp) {
    let seed = seed();
    eprintln!("cross-tenant seed: {seed} (replay with BATON_CROSS_TENANT_SEED={seed})");
    let count: usize = std::env::var("BATON_CROSS_TENANT_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400);
    let s = start(t).await;
    let other = s.other_org().await;
    let tag = format!("{:x}", seed % 0xffff_ffff);
    let Acme {
        secrets,
        mut pools,
        reads,
        token,
    } = fill_acme(&s, &tag).await;
    let mut callers = fill_globex(&s, &other, &mut pools).await;
    let acme_admin = s.as_("admin@acme.test").await;
    let before = snapshot(&acme_admin, &reads).await;
    let events_before = s.events().await;

    let doc = s.anon().get("/openapi.json").await.expect(200).clone();
    let mut ops: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in crate::openapi::METHODS {
            if item.get(m).is_some() {
                ops.push((path.clone(), m.to_string()));
            }
        }
    }
    assert!(ops.len() > 40, "the document lists the API's routes");

    // Nothing of Acme's is in Globex's own data to begin with, or the
    // checks below would prove nothing.
    let (_, globex_admin) = &callers[0];
    for p in [
        "/accounts",
        "/handoffs",
        "/users",
        "/teams",
        "/contracts",
        "/tokens",
        "/webhooks",
    ] {
        let r = globex_admin.get(p).await;
        for m in secrets.ids.iter().chain(&secrets.data) {
            assert!(
                !r.text.contains(m.as_str()),
                "Globex's own {p} already holds Acme's {m:?}: {}",
                r.text
            );
        }
    }

    let mut g = Gen {
        rng: Rng(seed),
        doc: &doc,
        pools: &pools,
        n: 0,
    };
    // Acme's ids Globex has made its own records under.
    let mut adopted: BTreeSet<String> = BTreeSet::new();
    let mut wrong = Vec::new();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for i in 0..count {
        let c = g.rng.below(callers.len());
        let (who, client) = &callers[c];
        let d = draw(&mut g, &ops);
        let r = match &d.raw {
            Some((ty, bytes)) => {
                client
                    .send_raw(d.method.clone(), &d.path, ty, bytes.clone())
                    .await
            }
            None => {
                client
                    .send(d.method.clone(), &d.path, d.body.as_ref())
                    .await
            }
        };
        *statuses.entry(r.status).or_default() += 1;
        let what = format!("#{i} {} as {who} → {}", d.describe(), r.status);
        let foreign = |id: &String| secrets.ids.contains(id) && !adopted.contains(id);
        if r.status >= 500 {
            wrong.push(format!("{what}: a server error: {}", r.text));
        }
        let path_only = d.path.split('?').next().unwrap_or_default();
        // A CRM change no rule maps is received and ignored (202, nothing
        // written, nothing about anyone in the answer): naming another
        // org's person in it reaches and reveals nothing.
        let ignored =
            r.status == 202 && path_only.starts_with("/inbound/crm") && r.text.contains("ignored");
        let ok = (200..300).contains(&r.status) && !ignored;
        let (mut names, mut refs) = (Vec::new(), Vec::new());
        if let Some(b) = d.body.as_ref().filter(|_| d.documented) {
            names_and_refs(b, "body", &mut names, &mut refs);
        }
        if ok {
            if let Some(seg) = path_only.split('/').map(String::from).find(|x| foreign(x)) {
                wrong.push(format!("{what}: a 2xx on Acme's {seg}: {}", r.text));
            }
            if let Some(x) = refs.iter().find(|x| foreign(x)) {
                wrong.push(format!(
                    "{what}: a 2xx for a body naming Acme's {x}: {}",
                    r.text
                ));
            }
        }
        // What the answer may repeat: Acme's ids the caller sent itself,
        // and those Globex made its own records under.
        let sent = d.sent();
        let echoed: BTreeSet<&String> = secrets
            .ids
            .iter()
            .filter(|m| sent.contains(m.as_str()) || adopted.contains(*m))
            .collect();
        let rest = without(&r.text, &echoed);
        for m in secrets.ids.iter().chain(&secrets.data) {
            if rest.contains(m.as_str()) {
                wrong.push(format!("{what}: the answer holds Acme's {m:?}: {}", r.text));
            }
        }
        if ok && d.method != Method::GET {
            adopted.extend(names.into_iter().filter(|x| secrets.ids.contains(x)));
        }
        // The member signed out: sign in again to keep going.
        if d.method == Method::DELETE && path_only == "/session" && c == 1 {
            callers[1].1 = member_session(&s).await;
        }
    }

    // Acme reads exactly as before, has no new event, and its token works.
    let after = snapshot(&acme_admin, &reads).await;
    for (p, was) in &before {
        if after.get(p) != Some(was) {
            wrong.push(format!(
                "Acme's {p} changed:\nbefore: {was}\nafter:  {}",
                after.get(p).map_or("-", String::as_str)
            ));
        }
    }
    if s.events().await != events_before {
        wrong.push(format!(
            "Acme has {} new event(s)",
            s.events().await - events_before
        ));
    }
    s.client(Auth::Bearer(token))
        .get("/handoffs")
        .await
        .expect(200);
    eprintln!(
        "cross-tenant: {count} requests, statuses {statuses:?}, {} of Acme's ids taken by Globex for its own records",
        adopted.len()
    );
    assert!(
        wrong.is_empty(),
        "seed {seed}: {} problem(s) in {count} requests:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // The draw reached past authentication and parsing often enough to
    // mean something.
    let reached: usize = statuses
        .iter()
        .filter(|(s, _)| matches!(**s, 200..=299 | 403 | 404 | 409 | 422))
        .map(|(_, n)| n)
        .sum();
    assert!(
        reached * 2 >= count,
        "seed {seed}: too few requests reached the use cases: {statuses:?}"
    );
}
