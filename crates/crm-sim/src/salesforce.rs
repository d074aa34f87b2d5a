//! A Salesforce org on 127.0.0.1: the login host's token endpoint and the
//! instance's REST resources that Baton's client calls, built from
//! Salesforce's reference pages:
//!
//! - OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration
//!   (<https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5>)
//!   and the Client Credentials Flow
//!   (<https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm&type=5>):
//!   `POST /services/oauth2/token` on the login host; OAuth errors as
//!   `400 {"error", "error_description"}`.
//! - UserInfo (<https://help.salesforce.com/HTViewHelpDoc?id=remoteaccess_using_userinfo_endpoint.htm>).
//! - sObject Describe
//!   (<https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm>).
//! - Query and Query More Results
//!   (<https://developer.salesforce.com/docs/platform/api-rest/guide/resources-query.md>,
//!   <https://developer.salesforce.com/docs/platform/api-rest/guide/dome-query.md>): batches of
//!   at most 2,000 records (a page size tests may lower), `done`,
//!   `nextRecordsUrl` `/services/data/vXX.X/query/01g…-N`.
//! - Update Records Using sObject Collections
//!   (<https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-update.html>):
//!   up to 200 records, one SaveResult each, in order.
//! - Status Codes and Error Responses
//!   (<https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm>):
//!   `[{"message", "errorCode"}]`, 401 `INVALID_SESSION_ID`, 403
//!   `REQUEST_LIMIT_EXCEEDED` (API Request Limits and Allocations,
//!   <https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html>).
//!
//! The login host and the instance listen on two ports, as
//! `login.salesforce.com` and an org's My Domain differ, so a client that
//! ignores `instance_url` fails here as it would there. Record times come
//! from a fake clock the test sets; every change (a test's or a client's
//! write) stamps `LastModifiedDate` and `SystemModstamp` and moves the
//! clock one second on. JWT expiry is checked against the real clock, as
//! Salesforce does; issued tokens live until [`SalesforceSim::expire_tokens`].

mod api;
mod soql;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use jiff::{SignedDuration, Timestamp};
use serde_json::{Map, Value, json};
use tokio::task::JoinHandle;

/// The test connected app's private key (it guards nothing), for clients
/// signing JWT bearer assertions the default [`SimConfig`] accepts.
pub const TEST_PRIVATE_KEY_PEM: &str =
    include_str!("../../testkit/fixtures/crm/test-connected-app.key");
/// The matching public key, which the default [`SimConfig`] verifies with.
pub const TEST_PUBLIC_KEY_PEM: &str =
    include_str!("../../testkit/fixtures/crm/test-connected-app.pub.pem");

/// The simulated org and its connected app.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The org's id (`00D…`).
    pub org_id: String,
    /// The connected app's consumer key.
    pub client_id: String,
    /// The connected app's consumer secret (client-credentials flow).
    pub client_secret: String,
    /// The user Baton signs in as (JWT `sub`; the client-credentials run-as
    /// user).
    pub username: String,
    /// That user's id (`005…`).
    pub user_id: String,
    /// The certificate's public key (PEM) the connected app verifies
    /// assertions with.
    pub public_key_pem: String,
    /// At most this many records per query batch (Salesforce: 2,000).
    pub page_size: usize,
    /// Whether the org has multiple currencies (Opportunity then has
    /// `CurrencyIsoCode`).
    pub multi_currency: bool,
    /// Where the fake clock starts.
    pub start: Timestamp,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            org_id: "00D000000000001EAA".into(),
            client_id: "3MVG9baton.test.consumer.key".into(),
            client_secret: "sim-consumer-secret".into(),
            username: "baton@example.com".into(),
            user_id: "005000000000001AAA".into(),
            public_key_pem: TEST_PUBLIC_KEY_PEM.into(),
            page_size: 2000,
            multi_currency: false,
            start: Timestamp::constant(1_796_464_800, 0),
        }
    }
}

/// What a test makes the next calls answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503 `SERVER_UNAVAILABLE`.
    Unavailable,
    /// 403 `REQUEST_LIMIT_EXCEEDED` (the org's 24-hour allocation spent).
    RequestLimit,
    /// 429 with `Retry-After` in seconds.
    TooManyRequests {
        /// The delay asked for.
        retry_after_secs: u64,
    },
    /// The connection cut after the status line, before the body.
    Drop,
    /// Every token issued expires now, and this call answers 401
    /// `INVALID_SESSION_ID` (a session timing out mid-pull).
    SessionExpired,
}

/// The resources the simulator serves, for counting and aiming faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST /services/oauth2/token` on the login host.
    Token,
    /// `GET /services/oauth2/userinfo`.
    UserInfo,
    /// `GET /services/data/vXX.X/sobjects/Opportunity/describe`.
    Describe,
    /// `GET /services/data/vXX.X/query?q=…`.
    Query,
    /// `GET /services/data/vXX.X/query/01g…-N` (nextRecordsUrl).
    QueryMore,
    /// `PATCH /services/data/vXX.X/composite/sobjects`.
    Collections,
}

/// An Opportunity as a test sets it up.
#[derive(Debug, Clone, PartialEq)]
pub struct Opportunity {
    /// `Id` (`006…`).
    pub id: String,
    /// `Name`.
    pub name: String,
    /// `StageName`.
    pub stage: String,
    /// `Amount`.
    pub amount: Option<f64>,
    /// `CurrencyIsoCode` (multi-currency orgs).
    pub currency: Option<String>,
    /// `AccountId`.
    pub account: Option<String>,
    /// `OwnerId`.
    pub owner: Option<String>,
    /// Other fields, custom ones included, by API name.
    pub fields: Map<String, Value>,
    /// The modification time to stamp; `None` takes the clock's.
    pub modified: Option<Timestamp>,
}

impl Opportunity {
    /// An Opportunity with no account, owner or amount.
    pub fn new(id: &str, name: &str, stage: &str) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            stage: stage.into(),
            amount: None,
            currency: None,
            account: None,
            owner: None,
            fields: Map::new(),
            modified: None,
        }
    }

    /// With this account.
    pub fn account(mut self, id: &str) -> Self {
        self.account = Some(id.into());
        self
    }

    /// With this owner.
    pub fn owner(mut self, id: &str) -> Self {
        self.owner = Some(id.into());
        self
    }

    /// With this amount.
    pub fn amount(mut self, amount: f64) -> Self {
        self.amount = Some(amount);
        self
    }

    /// With this currency.
    pub fn currency(mut self, code: &str) -> Self {
        self.currency = Some(code.into());
        self
    }

    /// With this field's value.
    pub fn field(mut self, name: &str, value: Value) -> Self {
        self.fields.insert(name.into(), value);
        self
    }

    /// Stamped with this time instead of the clock's.
    pub fn modified_at(mut self, t: Timestamp) -> Self {
        self.modified = Some(t);
        self
    }
}

/// One field of Opportunity's describe.
#[derive(Debug, Clone)]
struct Field {
    name: String,
    label: String,
    kind: String,
    length: u32,
    updateable: bool,
}

#[derive(Debug, Clone)]
struct Opp {
    id: String,
    name: String,
    stage: String,
    amount: Option<f64>,
    currency: Option<String>,
    account: Option<String>,
    owner: Option<String>,
    fields: Map<String, Value>,
    created: Timestamp,
    modified: Timestamp,
    deleted: bool,
}

/// Everything the org holds, behind one lock.
struct State {
    config: SimConfig,
    api_version_seen: Option<String>,
    login_url: String,
    instance_url: String,
    clock: Timestamp,
    accounts: BTreeMap<String, String>,
    users: BTreeMap<String, String>,
    opportunities: BTreeMap<String, Opp>,
    schema: Vec<Field>,
    tokens: Vec<String>,
    token_seq: u64,
    locators: HashMap<String, Vec<Value>>,
    locator_seq: u64,
    faults: VecDeque<(Option<Endpoint>, Fault)>,
    calls: HashMap<Endpoint, usize>,
    queries: Vec<String>,
    batches: Vec<usize>,
}

type Shared = Arc<Mutex<State>>;

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl State {
    /// The clock's time for a change, then one second on.
    fn stamp(&mut self) -> Timestamp {
        let t = self.clock;
        self.clock = t + SignedDuration::from_secs(1);
        t
    }

    fn field(&self, name: &str) -> Option<&Field> {
        self.schema
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The record as the REST API returns it with every field.
    fn record(&self, o: &Opp) -> Map<String, Value> {
        let v = self.api_version_seen.as_deref().unwrap_or("v62.0");
        let mut r = Map::new();
        r.insert(
            "attributes".into(),
            json!({"type": "Opportunity", "url": format!("/services/data/{v}/sobjects/Opportunity/{}", o.id)}),
        );
        r.insert("Id".into(), json!(o.id));
        r.insert("IsDeleted".into(), json!(o.deleted));
        r.insert("Name".into(), json!(o.name));
        r.insert("StageName".into(), json!(o.stage));
        r.insert("Amount".into(), o.amount.map_or(Value::Null, |a| json!(a)));
        if self.config.multi_currency {
            r.insert(
                "CurrencyIsoCode".into(),
                json!(o.currency.as_deref().unwrap_or("USD")),
            );
        }
        r.insert("AccountId".into(), json!(o.account));
        r.insert("OwnerId".into(), json!(o.owner));
        r.insert(
            "CreatedDate".into(),
            json!(soql::format_datetime(o.created)),
        );
        r.insert(
            "LastModifiedDate".into(),
            json!(soql::format_datetime(o.modified)),
        );
        r.insert(
            "SystemModstamp".into(),
            json!(soql::format_datetime(o.modified)),
        );
        for f in &self.schema {
            if f.name.ends_with("__c") {
                r.insert(
                    f.name.clone(),
                    o.fields.get(&f.name).cloned().unwrap_or(Value::Null),
                );
            }
        }
        let account = o.account.as_ref().and_then(|id| {
            self.accounts.get(id).map(|name| {
                json!({
                    "attributes": {"type": "Account", "url": format!("/services/data/{v}/sobjects/Account/{id}")},
                    "Id": id,
                    "Name": name,
                })
            })
        });
        r.insert("Account".into(), account.unwrap_or(Value::Null));
        let owner = o.owner.as_ref().and_then(|id| {
            self.users.get(id).map(|email| {
                json!({
                    "attributes": {"type": "User", "url": format!("/services/data/{v}/sobjects/User/{id}")},
                    "Id": id,
                    "Email": email,
                })
            })
        });
        r.insert("Owner".into(), owner.unwrap_or(Value::Null));
        r
    }
}

fn default_schema(multi_currency: bool) -> Vec<Field> {
    let f = |name: &str, label: &str, kind: &str, length: u32, updateable: bool| Field {
        name: name.into(),
        label: label.into(),
        kind: kind.into(),
        length,
        updateable,
    };
    let mut s = vec![
        f("Id", "Opportunity ID", "id", 18, false),
        f("IsDeleted", "Deleted", "boolean", 0, false),
        f("AccountId", "Account ID", "reference", 18, true),
        f("Name", "Name", "string", 120, true),
        f("StageName", "Stage", "picklist", 255, true),
        f("Amount", "Amount", "currency", 0, true),
        f("CloseDate", "Close Date", "date", 0, true),
        f("OwnerId", "Owner ID", "reference", 18, true),
        f("CreatedDate", "Created Date", "datetime", 0, false),
        f(
            "LastModifiedDate",
            "Last Modified Date",
            "datetime",
            0,
            false,
        ),
        f("SystemModstamp", "System Modstamp", "datetime", 0, false),
        f("Baton_Gate__c", "Baton Gate", "boolean", 0, true),
        f("Baton_Missing__c", "Baton Missing", "textarea", 32768, true),
        f(
            "Baton_Handoff_URL__c",
            "Baton Handoff URL",
            "url",
            255,
            true,
        ),
    ];
    if multi_currency {
        s.insert(
            6,
            f(
                "CurrencyIsoCode",
                "Opportunity Currency",
                "picklist",
                3,
                true,
            ),
        );
    }
    s
}

/// A running simulated org; the servers stop when it is dropped.
pub struct SalesforceSim {
    state: Shared,
    login_url: String,
    base_url: String,
    servers: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for SalesforceSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SalesforceSim")
            .field("login_url", &self.login_url)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Drop for SalesforceSim {
    fn drop(&mut self) {
        for server in &self.servers {
            server.abort();
        }
    }
}

impl SalesforceSim {
    /// Starts the login host and the instance on two free ports of
    /// 127.0.0.1.
    pub async fn start(config: SimConfig) -> std::io::Result<Self> {
        let key = jsonwebtoken::DecodingKey::from_rsa_pem(config.public_key_pem.as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()))?;
        let login = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let instance = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let login_url = format!("http://{}", login.local_addr()?);
        let base_url = format!("http://{}", instance.local_addr()?);
        let state = Arc::new(Mutex::new(State {
            schema: default_schema(config.multi_currency),
            clock: config.start,
            config,
            api_version_seen: None,
            login_url: login_url.clone(),
            instance_url: base_url.clone(),
            accounts: BTreeMap::new(),
            users: BTreeMap::new(),
            opportunities: BTreeMap::new(),
            tokens: Vec::new(),
            token_seq: 0,
            locators: HashMap::new(),
            locator_seq: 0,
            faults: VecDeque::new(),
            calls: HashMap::new(),
            queries: Vec::new(),
            batches: Vec::new(),
        }));
        let login_app = api::login_router(state.clone(), Arc::new(key));
        let instance_app = api::instance_router(state.clone());
        let servers = vec![
            tokio::spawn(async move {
                let _ = axum::serve(login, login_app).await;
            }),
            tokio::spawn(async move {
                let _ = axum::serve(instance, instance_app).await;
            }),
        ];
        Ok(Self {
            state,
            login_url,
            base_url,
            servers,
        })
    }

    /// The instance (My Domain) URL the token answer names.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The login host's URL (the `login_url` of a client's settings, and
    /// the JWT audience).
    pub fn login_url(&self) -> &str {
        &self.login_url
    }

    /// The settings the org was started with.
    pub fn config(&self) -> SimConfig {
        lock(&self.state).config.clone()
    }

    /// Adds (or renames) an Account.
    pub fn add_account(&self, id: &str, name: &str) {
        lock(&self.state).accounts.insert(id.into(), name.into());
    }

    /// Adds (or changes) a User with this email.
    pub fn add_user(&self, id: &str, email: &str) {
        lock(&self.state).users.insert(id.into(), email.into());
    }

    /// Creates or changes an Opportunity (its other fields are kept) and
    /// returns the modification time stamped on it.
    pub fn upsert_opportunity(&self, opp: Opportunity) -> Timestamp {
        let mut s = lock(&self.state);
        let modified = match opp.modified {
            Some(t) => t,
            None => s.stamp(),
        };
        let mut fields = s
            .opportunities
            .get(&opp.id)
            .map(|o| o.fields.clone())
            .unwrap_or_default();
        fields.extend(opp.fields);
        let created = s.opportunities.get(&opp.id).map_or(modified, |o| o.created);
        s.opportunities.insert(
            opp.id.clone(),
            Opp {
                id: opp.id,
                name: opp.name,
                stage: opp.stage,
                amount: opp.amount,
                currency: opp.currency,
                account: opp.account,
                owner: opp.owner,
                fields,
                created,
                modified,
                deleted: false,
            },
        );
        modified
    }

    /// Moves an Opportunity to a stage, stamping it; `None` when there is
    /// no such live Opportunity.
    pub fn set_stage(&self, id: &str, stage: &str) -> Option<Timestamp> {
        let mut s = lock(&self.state);
        if s.opportunities.get(id).is_none_or(|o| o.deleted) {
            return None;
        }
        let t = s.stamp();
        let o = s.opportunities.get_mut(id)?;
        o.stage = stage.into();
        o.modified = t;
        Some(t)
    }

    /// Deletes an Opportunity (to the recycle bin: queries skip it, writes
    /// to it answer `ENTITY_IS_DELETED`). Whether it existed.
    pub fn delete_opportunity(&self, id: &str) -> bool {
        let mut s = lock(&self.state);
        let t = s.stamp();
        match s.opportunities.get_mut(id) {
            Some(o) => {
                o.deleted = true;
                o.modified = t;
                true
            }
            None => false,
        }
    }

    /// A live Opportunity with all its fields, as the REST API returns it.
    /// An empty text written to it reads back as `null`, as in Salesforce.
    pub fn opportunity(&self, id: &str) -> Option<Value> {
        let s = lock(&self.state);
        let o = s.opportunities.get(id).filter(|o| !o.deleted)?;
        Some(Value::Object(s.record(o)))
    }

    /// The fake clock's time (the next change's stamp).
    pub fn now(&self) -> Timestamp {
        lock(&self.state).clock
    }

    /// Sets the fake clock.
    pub fn set_time(&self, t: Timestamp) {
        lock(&self.state).clock = t;
    }

    /// Invalidates every access token issued so far (the next call with one
    /// answers 401 `INVALID_SESSION_ID`).
    pub fn expire_tokens(&self) {
        lock(&self.state).tokens.clear();
    }

    /// The next `n` calls, whichever endpoint, answer `fault`.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        let mut s = lock(&self.state);
        s.faults.extend(std::iter::repeat_n((None, fault), n));
    }

    /// The next `n` calls to `endpoint` answer `fault`.
    pub fn fail_next_on(&self, endpoint: Endpoint, n: usize, fault: Fault) {
        let mut s = lock(&self.state);
        s.faults
            .extend(std::iter::repeat_n((Some(endpoint), fault), n));
    }

    /// How many calls reached `endpoint` (faulted ones included).
    pub fn calls(&self, endpoint: Endpoint) -> usize {
        lock(&self.state).calls.get(&endpoint).copied().unwrap_or(0)
    }

    /// Every SOQL query received, in order.
    pub fn queries(&self) -> Vec<String> {
        lock(&self.state).queries.clone()
    }

    /// The record count of every sObject Collections request, in order.
    pub fn collection_batches(&self) -> Vec<usize> {
        lock(&self.state).batches.clone()
    }

    /// Removes a field from Opportunity (as if an admin deleted it).
    pub fn remove_field(&self, name: &str) {
        lock(&self.state)
            .schema
            .retain(|f| !f.name.eq_ignore_ascii_case(name));
    }

    /// Adds or retypes a field of Opportunity: `kind` as describe names
    /// types (`boolean`, `string`, `textarea`, `url`, `double`, `date`…),
    /// `length` for texts.
    pub fn define_field(&self, name: &str, kind: &str, length: u32) {
        let mut s = lock(&self.state);
        let label = name.trim_end_matches("__c").replace('_', " ");
        let field = Field {
            name: name.into(),
            label,
            kind: kind.into(),
            length,
            updateable: true,
        };
        match s
            .schema
            .iter_mut()
            .find(|f| f.name.eq_ignore_ascii_case(name))
        {
            Some(f) => *f = field,
            None => s.schema.push(field),
        }
    }
}
