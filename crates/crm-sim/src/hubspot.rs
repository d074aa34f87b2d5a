//! The HubSpot simulator: the CRM v3 endpoints Baton's HubSpot client calls,
//! served on 127.0.0.1 with HubSpot's URLs, bearer tokens, string-valued
//! properties, search filters and paging, batch multi-status answers and
//! error bodies. Tests drive it through [`HubspotSim`]: add companies,
//! owners and deals, move deals through stages on a fake clock, inject
//! faults, count calls and read back what Baton wrote.
//!
//! Built from HubSpot's reference pages:
//! - OAuth refresh: <https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/guide>
//! - account details: <https://developers.hubspot.com/docs/api-reference/latest/account/account-information/get-account-details>
//! - properties and groups: <https://developers.hubspot.com/docs/api/crm/properties>
//! - CRM search: <https://developers.hubspot.com/docs/api/crm/search>
//!   (one sort rule, at most 200 results a page, 10,000 results a query,
//!   at most 5 filter groups of 10 filters and 25 in all:
//!   <https://developers.hubspot.com/changelog/breaking-change-expanded-filtering-capabilities-and-error-messaging-in-hubspots-search-api>)
//! - deals and batch update: <https://developers.hubspot.com/docs/api/crm/deals>,
//!   <https://developers.hubspot.com/docs/api-reference/latest/crm/objects/deals/batch/update-deals>
//! - associations v4 batch read: <https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/batch/get-associations>
//! - owners: <https://developers.hubspot.com/docs/api-reference/crm-crm-owners-v3/guide>
//! - pipelines: <https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/get-pipelines>
//! - rate limits (429 body): <https://developers.hubspot.com/docs/api/usage-details>
//! - webhook v3 signatures: <https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation>

mod routes;
mod search;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};

/// A public app installed in the simulated portal (OAuth refresh flow).
#[derive(Debug, Clone)]
pub struct OAuthApp {
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: String,
    /// The refresh token the install gave.
    pub refresh_token: String,
}

/// How the simulator starts.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The private app's access token it accepts, if any.
    pub private_app_token: Option<String>,
    /// The public app it accepts refresh tokens for, if any.
    pub oauth: Option<OAuthApp>,
    /// The portal (hub) id `account-info` reports.
    pub portal_id: u64,
    /// The most results one search page returns, whatever `limit` asks
    /// (HubSpot's is 200; lower it to exercise paging with few deals).
    pub page_size: usize,
    /// The most results one search query can page through (HubSpot's is
    /// 10,000); paging past it is a 400.
    pub search_cap: usize,
    /// The `expires_in` of issued access tokens, in seconds. They stay
    /// valid until [`HubspotSim::expire_tokens`], whatever this says.
    pub token_lifetime_secs: u64,
    /// The fake clock's start.
    pub start: Timestamp,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            private_app_token: Some("pat-na1-sim-token".into()),
            oauth: None,
            portal_id: 123_456,
            page_size: 200,
            search_cap: 10_000,
            token_lifetime_secs: 1800,
            start: Timestamp::constant(1_767_603_600, 0),
        }
    }
}

/// The endpoints the simulator serves, for [`HubspotSim::calls`] and
/// [`HubspotSim::fail_on`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST /oauth/v1/token`.
    Token,
    /// `GET /account-info/v3/details`.
    AccountInfo,
    /// `POST /crm/v3/properties/deals/groups`.
    CreatePropertyGroup,
    /// `POST /crm/v3/properties/deals`.
    CreateProperty,
    /// `GET /crm/v3/properties/deals/{name}`.
    ReadProperty,
    /// `POST /crm/v3/objects/deals/search`.
    SearchDeals,
    /// `POST /crm/v3/objects/deals/batch/update`.
    BatchUpdateDeals,
    /// `POST /crm/v4/associations/deals/companies/batch/read`.
    DealCompanies,
    /// `POST /crm/v3/objects/companies/batch/read`.
    ReadCompanies,
    /// `GET /crm/v3/owners/{ownerId}`.
    Owner,
    /// `GET /crm/v3/pipelines/deals`.
    Pipelines,
}

impl Endpoint {
    fn classify(method: &axum::http::Method, path: &str) -> Option<Self> {
        use axum::http::Method;
        let post = method == Method::POST;
        let get = method == Method::GET;
        Some(match path {
            "/oauth/v1/token" if post => Self::Token,
            "/account-info/v3/details" if get => Self::AccountInfo,
            "/crm/v3/properties/deals/groups" if post => Self::CreatePropertyGroup,
            "/crm/v3/properties/deals" if post => Self::CreateProperty,
            "/crm/v3/objects/deals/search" if post => Self::SearchDeals,
            "/crm/v3/objects/deals/batch/update" if post => Self::BatchUpdateDeals,
            "/crm/v4/associations/deals/companies/batch/read" if post => Self::DealCompanies,
            "/crm/v3/objects/companies/batch/read" if post => Self::ReadCompanies,
            "/crm/v3/pipelines/deals" if get => Self::Pipelines,
            p if get && p.starts_with("/crm/v3/properties/deals/") => Self::ReadProperty,
            p if get && p.starts_with("/crm/v3/owners/") => Self::Owner,
            _ => return None,
        })
    }
}

/// A fault the simulator answers instead of serving a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 with HubSpot's rate-limit body and, when given, `Retry-After`
    /// (seconds).
    TooManyRequests {
        /// The `Retry-After` header's seconds.
        retry_after: Option<u64>,
    },
    /// 503 Service Unavailable.
    Unavailable,
    /// The connection closes without an answer.
    Drop,
    /// Every issued OAuth access token expires now, and this request gets
    /// HubSpot's 401 for an expired token (a token expiring mid-pull).
    ExpiredToken,
}

struct PendingFault {
    endpoint: Option<Endpoint>,
    skip: usize,
    remaining: usize,
    fault: Fault,
}

struct Record {
    properties: BTreeMap<String, String>,
    created: Timestamp,
    modified: Timestamp,
    archived: bool,
}

struct Stage {
    id: String,
    label: String,
}

struct Pipeline {
    id: String,
    label: String,
    stages: Vec<Stage>,
}

struct State {
    config: SimConfig,
    clock: Timestamp,
    deals: BTreeMap<u64, Record>,
    companies: BTreeMap<u64, Record>,
    owners: BTreeMap<u64, String>,
    pipelines: Vec<Pipeline>,
    deal_companies: BTreeMap<u64, Vec<u64>>,
    properties: BTreeMap<String, Value>,
    groups: BTreeMap<String, Value>,
    /// Issued OAuth access tokens and whether each is still valid.
    tokens: HashMap<String, bool>,
    issued: u64,
    faults: VecDeque<PendingFault>,
    calls: HashMap<Endpoint, usize>,
}

type Shared = Arc<Mutex<State>>;

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    // A handler never panics while holding the lock (faults unwind before
    // taking it), so a poisoned lock still guards consistent data.
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A running HubSpot simulator. Stops when dropped.
pub struct HubspotSim {
    addr: SocketAddr,
    shared: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for HubspotSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubspotSim")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Drop for HubspotSim {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A fresh `correlationId` for an error body (HubSpot's are UUIDs).
fn correlation_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("5c1f0e7a-0000-4000-8000-{n:012x}")
}

/// HubSpot's millisecond-precision ISO 8601 rendering (`…T09:00:00.000Z`).
fn iso(ts: Timestamp) -> String {
    format!("{ts:.3}")
}

impl HubspotSim {
    /// Serves a new portal on 127.0.0.1 (a free port): HubSpot's default
    /// deal pipeline and deal properties, no records.
    pub async fn start(config: SimConfig) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let clock = config.start;
        let mut state = State {
            config,
            clock,
            deals: BTreeMap::new(),
            companies: BTreeMap::new(),
            owners: BTreeMap::new(),
            pipelines: Vec::new(),
            deal_companies: BTreeMap::new(),
            properties: BTreeMap::new(),
            groups: BTreeMap::new(),
            tokens: HashMap::new(),
            issued: 0,
            faults: VecDeque::new(),
            calls: HashMap::new(),
        };
        state.seed();
        let shared = Arc::new(Mutex::new(state));
        let app = routes::router(shared.clone());
        let server = tokio::spawn(async move {
            // The server only ends when the handle aborts it; an accept
            // error has no one to report to.
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            shared,
            server,
        })
    }

    /// The API's base URL (`http://127.0.0.1:PORT`), in place of
    /// `https://api.hubapi.com`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The fake clock's current time (the last modification stamped).
    pub fn now(&self) -> Timestamp {
        lock(&self.shared).clock
    }

    /// Adds (or renames) a company.
    pub fn add_company(&self, id: u64, name: &str) {
        let mut st = lock(&self.shared);
        let at = st.tick(None);
        let rec = st
            .companies
            .entry(id)
            .or_insert_with(|| Record::new(id, at));
        rec.set("name", name, at);
    }

    /// Adds (or changes) an owner with this email.
    pub fn add_owner(&self, id: u64, email: &str) {
        lock(&self.shared).owners.insert(id, email.to_owned());
    }

    /// Adds a deal pipeline with its stages as (internal id, label).
    pub fn add_pipeline(&self, id: &str, label: &str, stages: &[(&str, &str)]) {
        let mut st = lock(&self.shared);
        st.pipelines.retain(|p| p.id != id);
        st.pipelines.push(Pipeline {
            id: id.to_owned(),
            label: label.to_owned(),
            stages: stages
                .iter()
                .map(|(id, label)| Stage {
                    id: (*id).to_owned(),
                    label: (*label).to_owned(),
                })
                .collect(),
        });
    }

    /// Creates or changes a deal, as a rep would in HubSpot: the given
    /// properties (HubSpot property names, string values such as
    /// `("dealstage", "closedwon")`) are set, and `hs_lastmodifieddate`
    /// moves to the next tick of the fake clock. Returns that time.
    pub fn upsert_deal(&self, id: u64, properties: &[(&str, &str)]) -> Timestamp {
        lock(&self.shared).upsert_deal(id, properties, None)
    }

    /// [`Self::upsert_deal`] at a given time (several deals may share one,
    /// as they do in HubSpot); the clock moves there if it is later.
    pub fn upsert_deal_at(&self, id: u64, properties: &[(&str, &str)], at: Timestamp) -> Timestamp {
        lock(&self.shared).upsert_deal(id, properties, Some(at))
    }

    /// Associates a deal with a company; the first company of a deal is
    /// its primary one.
    pub fn associate(&self, deal: u64, company: u64) {
        let mut st = lock(&self.shared);
        let list = st.deal_companies.entry(deal).or_default();
        if !list.contains(&company) {
            list.push(company);
        }
    }

    /// Deletes (archives) a deal: search no longer finds it and updates
    /// to it fail with `OBJECT_NOT_FOUND`.
    pub fn delete_deal(&self, id: u64) {
        let mut st = lock(&self.shared);
        let at = st.tick(None);
        if let Some(rec) = st.deals.get_mut(&id) {
            rec.archived = true;
            rec.modified = at;
        }
    }

    /// A live deal's properties as HubSpot stores them (all strings), e.g.
    /// `deal(7)?["baton_gate"] == "true"`; `None` when absent or deleted.
    pub fn deal(&self, id: u64) -> Option<Value> {
        let st = lock(&self.shared);
        let rec = st.deals.get(&id).filter(|r| !r.archived)?;
        Some(Value::Object(
            rec.properties
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect(),
        ))
    }

    /// Defines a deal property as if an admin had made it (for instance
    /// `baton_gate` as a `string`/`text`, the wrong type).
    pub fn add_property(&self, name: &str, kind: &str, field_type: &str) {
        let mut st = lock(&self.shared);
        let at = st.clock;
        let def = property_json(
            name,
            name,
            kind,
            field_type,
            "dealinformation",
            &[],
            false,
            at,
        );
        st.properties.insert(name.to_owned(), def);
    }

    /// A deal property's definition, as `GET /crm/v3/properties/deals/{name}`
    /// answers it.
    pub fn property(&self, name: &str) -> Option<Value> {
        lock(&self.shared).properties.get(name).cloned()
    }

    /// Expires every OAuth access token issued so far.
    pub fn expire_tokens(&self) {
        for valid in lock(&self.shared).tokens.values_mut() {
            *valid = false;
        }
    }

    /// Answers the next `n` requests (any endpoint) with `fault`.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        self.push_fault(None, 0, n, fault);
    }

    /// Lets `skip` requests to `endpoint` through, then answers the next
    /// `n` to it with `fault` (for a fault in the middle of a pull).
    pub fn fail_on(&self, endpoint: Endpoint, skip: usize, n: usize, fault: Fault) {
        self.push_fault(Some(endpoint), skip, n, fault);
    }

    fn push_fault(&self, endpoint: Option<Endpoint>, skip: usize, n: usize, fault: Fault) {
        if n > 0 {
            lock(&self.shared).faults.push_back(PendingFault {
                endpoint,
                skip,
                remaining: n,
                fault,
            });
        }
    }

    /// How many requests reached `endpoint` (faulted and refused ones
    /// included).
    pub fn calls(&self, endpoint: Endpoint) -> usize {
        lock(&self.shared)
            .calls
            .get(&endpoint)
            .copied()
            .unwrap_or(0)
    }
}

impl Record {
    fn new(id: u64, at: Timestamp) -> Self {
        let mut properties = BTreeMap::new();
        properties.insert("hs_object_id".to_owned(), id.to_string());
        properties.insert("createdate".to_owned(), iso(at));
        properties.insert("hs_lastmodifieddate".to_owned(), iso(at));
        Self {
            properties,
            created: at,
            modified: at,
            archived: false,
        }
    }

    /// Sets a property; says whether its value changed.
    fn set(&mut self, name: &str, value: &str, at: Timestamp) -> bool {
        if self.properties.get(name).map(String::as_str) == Some(value) {
            return false;
        }
        self.properties.insert(name.to_owned(), value.to_owned());
        self.touch(at);
        true
    }

    fn touch(&mut self, at: Timestamp) {
        self.modified = at;
        self.properties
            .insert("hs_lastmodifieddate".to_owned(), iso(at));
    }

    /// The object as the CRM objects APIs render it: `properties` holds
    /// the asked ones (`null` when unset) plus the three HubSpot always
    /// returns.
    fn render(&self, id: u64, asked: &[String]) -> Value {
        let mut props = Map::new();
        for name in asked.iter().map(String::as_str).chain([
            "createdate",
            "hs_lastmodifieddate",
            "hs_object_id",
        ]) {
            let value = self
                .properties
                .get(name)
                .map_or(Value::Null, |v| Value::String(v.clone()));
            props.insert(name.to_owned(), value);
        }
        json!({
            "id": id.to_string(),
            "properties": props,
            "createdAt": iso(self.created),
            "updatedAt": iso(self.modified),
            "archived": self.archived,
        })
    }
}

impl State {
    /// HubSpot's default deal pipeline and the deal properties every
    /// portal has.
    fn seed(&mut self) {
        let stages = [
            ("appointmentscheduled", "Appointment Scheduled"),
            ("qualifiedtobuy", "Qualified To Buy"),
            ("presentationscheduled", "Presentation Scheduled"),
            ("decisionmakerboughtin", "Decision Maker Bought-In"),
            ("contractsent", "Contract Sent"),
            ("closedwon", "Closed Won"),
            ("closedlost", "Closed Lost"),
        ];
        self.pipelines.push(Pipeline {
            id: "default".into(),
            label: "Sales Pipeline".into(),
            stages: stages
                .iter()
                .map(|(id, label)| Stage {
                    id: (*id).into(),
                    label: (*label).into(),
                })
                .collect(),
        });
        let at = self.clock;
        self.groups.insert(
            "dealinformation".into(),
            json!({"name": "dealinformation", "label": "Deal information", "displayOrder": -1, "archived": false}),
        );
        for (name, label, kind, field) in [
            ("dealname", "Deal Name", "string", "text"),
            ("dealstage", "Deal Stage", "enumeration", "radio"),
            ("pipeline", "Pipeline", "enumeration", "select"),
            ("amount", "Amount", "number", "number"),
            ("deal_currency_code", "Currency", "enumeration", "select"),
            ("hubspot_owner_id", "Deal owner", "enumeration", "select"),
            ("closedate", "Close Date", "datetime", "date"),
            ("createdate", "Create Date", "datetime", "date"),
            (
                "hs_lastmodifieddate",
                "Last Modified Date",
                "datetime",
                "date",
            ),
            ("hs_object_id", "Record ID", "number", "number"),
            ("description", "Deal Description", "string", "textarea"),
        ] {
            let def = property_json(name, label, kind, field, "dealinformation", &[], true, at);
            self.properties.insert(name.into(), def);
        }
    }

    /// The next time the fake clock stamps (a second later, or `at`
    /// when that is later).
    fn tick(&mut self, at: Option<Timestamp>) -> Timestamp {
        let next = match at {
            Some(at) => at,
            None => self
                .clock
                .checked_add(SignedDuration::from_secs(1))
                .unwrap_or(self.clock),
        };
        if next > self.clock {
            self.clock = next;
        }
        next
    }

    fn upsert_deal(
        &mut self,
        id: u64,
        properties: &[(&str, &str)],
        at: Option<Timestamp>,
    ) -> Timestamp {
        let at = self.tick(at);
        let rec = self.deals.entry(id).or_insert_with(|| {
            let mut rec = Record::new(id, at);
            rec.properties.insert("pipeline".into(), "default".into());
            rec
        });
        rec.archived = false;
        for (name, value) in properties {
            rec.properties
                .insert((*name).to_owned(), (*value).to_owned());
        }
        // A rep's save always stamps the record, even with equal values.
        rec.touch(at);
        at
    }

    /// Pops the fault (if any) this request to `endpoint` gets.
    fn take_fault(&mut self, endpoint: Option<Endpoint>) -> Option<Fault> {
        let idx = self
            .faults
            .iter()
            .position(|f| f.endpoint.is_none() || f.endpoint == endpoint)?;
        let pending = self.faults.get_mut(idx)?;
        if pending.skip > 0 {
            pending.skip -= 1;
            return None;
        }
        pending.remaining -= 1;
        let fault = pending.fault;
        if pending.remaining == 0 {
            self.faults.remove(idx);
        }
        Some(fault)
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "one property definition's fields"
)]
fn property_json(
    name: &str,
    label: &str,
    kind: &str,
    field_type: &str,
    group: &str,
    options: &[Value],
    hubspot_defined: bool,
    at: Timestamp,
) -> Value {
    json!({
        "name": name,
        "label": label,
        "type": kind,
        "fieldType": field_type,
        "description": "",
        "groupName": group,
        "options": options,
        "displayOrder": -1,
        "calculated": false,
        "externalOptions": false,
        "hasUniqueValue": false,
        "hidden": false,
        "hubspotDefined": hubspot_defined,
        "formField": false,
        "modificationMetadata": {
            "archivable": !hubspot_defined,
            "readOnlyDefinition": hubspot_defined,
            "readOnlyValue": false,
        },
        "createdAt": iso(at),
        "updatedAt": iso(at),
        "archived": false,
    })
}

/// The `X-HubSpot-Signature-v3` HubSpot would send: base64 of
/// HMAC-SHA256(client secret, method + URI + body + timestamp), for tests
/// of Baton's webhook receiver.
pub fn sign_v3(secret: &str, method: &str, uri: &str, body: &[u8], timestamp_ms: &str) -> String {
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        // HMAC takes keys of any length: this branch cannot run.
        return String::new();
    };
    mac.update(method.as_bytes());
    mac.update(uri.as_bytes());
    mac.update(body);
    mac.update(timestamp_ms.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
