//! HubSpot over its CRM v3 API: signs in with a private app's token or a
//! public app's OAuth refresh token, pulls deals changed since a watermark
//! through the CRM search API (with their primary company, owner email and
//! stage label), creates Baton's deal properties and writes the gate back
//! in batches. [`verify_signature_v3`] checks a webhook request and
//! [`parse_webhook_events`] reads its events.
//!
//! HubSpot reference pages followed, one per call:
//! - OAuth refresh (`POST /oauth/v1/token`): <https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/guide>
//! - account details (`GET /account-info/v3/details`): <https://developers.hubspot.com/docs/api-reference/latest/account/account-information/get-account-details>
//! - properties API (groups, create, read; `bool`/`booleancheckbox` needs
//!   the options `true`/`false`): <https://developers.hubspot.com/docs/api/crm/properties>
//! - CRM search (`POST /crm/v3/objects/deals/search`; one sort rule,
//!   at most 200 a page, 10,000 a query; values come back as strings):
//!   <https://developers.hubspot.com/docs/api/crm/search>
//! - associations v4 batch read: <https://developers.hubspot.com/docs/api-reference/legacy/crm/associations/associate-records/batch/get-associations>
//! - companies batch read and deals batch update (at most 100 inputs; 207
//!   multi-status names the failed ids): <https://developers.hubspot.com/docs/api/crm/deals>,
//!   <https://developers.hubspot.com/docs/api-reference/latest/crm/objects/deals/batch/update-deals>
//! - owners (`GET /crm/v3/owners/{ownerId}`): <https://developers.hubspot.com/docs/api-reference/crm-crm-owners-v3/guide>
//! - pipelines (`GET /crm/v3/pipelines/deals`; `dealstage` holds a stage's
//!   internal id): <https://developers.hubspot.com/docs/api-reference/latest/crm/pipelines/get-pipelines>
//! - limits (429 with `Retry-After`, error body `{"status":"error",
//!   "message","correlationId","category"}`): <https://developers.hubspot.com/docs/api/usage-details>
//!
//! Rate limits are reported, never slept on: a 429 or 502/503/504 is
//! [`CrmError::Busy`] and the sync job decides when to come back.
//!
//! Kept in one file (about 1,100 lines) on purpose: one vendor's API, each
//! call beside the reference page it follows (listed below) and the tests
//! of its answers; webhooks are apart in `hubspot/webhook.rs`.

mod webhook;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use reqwest::{Method, StatusCode, header};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub use webhook::{WebhookEvent, parse_webhook_events, verify_signature_v3};

use crate::{CrmAccount, CrmError, Deal, GateWrite, Pulled, Watermark, WriteResult};

/// How Baton signs in to HubSpot.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "flow", rename_all = "snake_case")]
pub enum Auth {
    /// A private app's access token.
    PrivateApp {
        /// The token (`pat-…`).
        token: String,
    },
    /// A public app's OAuth refresh token, exchanged for access tokens.
    OAuth {
        /// The app's client id.
        client_id: String,
        /// The app's client secret.
        client_secret: String,
        /// The refresh token the install gave.
        refresh_token: String,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PrivateApp { .. } => f.debug_struct("PrivateApp").finish_non_exhaustive(),
            Self::OAuth { client_id, .. } => f
                .debug_struct("OAuth")
                .field("client_id", client_id)
                .finish_non_exhaustive(),
        }
    }
}

/// A HubSpot connection's settings.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The API's base URL: `https://api.hubapi.com`.
    pub base_url: String,
    /// How Baton signs in.
    pub auth: Auth,
    /// The app's client secret, which signs webhook v3 requests; `None`
    /// when changes are only pulled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    /// Extra deal properties to pull for prefilling drafts.
    #[serde(default)]
    pub properties: Vec<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("base_url", &self.base_url)
            .field("auth", &self.auth)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("properties", &self.properties)
            .finish()
    }
}

/// Every request's deadline, so a stalled HubSpot cannot hold the sync.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Connecting's deadline.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The search API's page size limit.
const SEARCH_PAGE_MAX: usize = 200;
/// Inputs per batch request (batch update and batch read).
const BATCH_MAX: usize = 100;
/// Refresh an OAuth access token this long before HubSpot says it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);
/// The property group Baton's deal properties live in.
const GROUP: &str = "baton";

/// The deal properties every pull asks for.
const DEAL_PROPERTIES: [&str; 7] = [
    "dealname",
    "dealstage",
    "pipeline",
    "amount",
    "deal_currency_code",
    "hubspot_owner_id",
    "hs_lastmodifieddate",
];

/// Baton's write-back properties: (name, label, type, fieldType).
const BATON_PROPERTIES: [(&str, &str, &str, &str); 3] = [
    ("baton_gate", "Baton gate open", "bool", "booleancheckbox"),
    ("baton_missing", "Baton missing fields", "string", "text"),
    ("baton_handoff_url", "Baton handoff", "string", "text"),
];

struct AccessToken {
    token: String,
    expires_at: Instant,
}

/// A HubSpot client: holds the access token between calls.
pub struct Client {
    config: Config,
    base: String,
    http: reqwest::Client,
    access: Option<AccessToken>,
    /// Owner id → email (`None`: no such owner, or no email).
    owners: HashMap<String, Option<String>>,
    /// Stage id → label, and `pipeline/stage` → label.
    stages: Option<HashMap<String, String>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("signed_in", &self.access.is_some())
            .finish_non_exhaustive()
    }
}

/// An answer HubSpot gave that is neither a sign-in failure nor a "come
/// back later": the caller decides what its status means.
struct Reply {
    status: StatusCode,
    body: Value,
}

impl Reply {
    /// The body of a 2xx, or [`CrmError::Protocol`] naming the call.
    fn ok(self, what: &str) -> Result<Value, CrmError> {
        if self.status.is_success() {
            Ok(self.body)
        } else {
            Err(CrmError::Protocol(format!(
                "HubSpot answered {} to {what}: {}",
                self.status,
                describe(&self.body)
            )))
        }
    }
}

/// HubSpot's error body as one line: `message (category)`.
fn describe(body: &Value) -> String {
    let message = body
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| match body {
            Value::String(s) => s.chars().take(200).collect(),
            Value::Null => "no body".into(),
            other => other.to_string().chars().take(200).collect(),
        });
    match body
        .get("category")
        .or_else(|| body.get("errorType"))
        .or_else(|| body.get("status").filter(|s| s.as_str() != Some("error")))
        .and_then(Value::as_str)
    {
        Some(category) => format!("{message} ({category})"),
        None => message,
    }
}

fn transport(err: &reqwest::Error) -> CrmError {
    // reqwest's errors name the URL but never headers, so no token leaks.
    if err.is_timeout() {
        CrmError::Unreachable(format!("HubSpot did not answer in time: {err}"))
    } else {
        CrmError::Unreachable(format!("HubSpot could not be reached: {err}"))
    }
}

fn retry_after(headers: &header::HeaderMap) -> Option<Duration> {
    headers
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// `application/x-www-form-urlencoded` of these pairs.
fn form_encode(pairs: &[(&str, &str)]) -> String {
    fn enc(s: &str, out: &mut String) {
        for b in s.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    out.push(char::from(b));
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
    }
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        enc(k, &mut out);
        out.push('=');
        enc(v, &mut out);
    }
    out
}

/// A value HubSpot sent as text or number, as text.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A HubSpot datetime: ISO 8601 text (search results) or epoch
/// milliseconds.
fn parse_time(s: &str) -> Option<Timestamp> {
    s.parse::<Timestamp>()
        .ok()
        .or_else(|| Timestamp::from_millisecond(s.parse().ok()?).ok())
}

/// HubSpot ids are numeric and `hs_object_id` compares numerically; this
/// orders ids the same way.
fn id_key(id: &str) -> (u64, &str) {
    (id.parse().unwrap_or(u64::MAX), id)
}

/// A deal as the search API returned it.
struct Found {
    id: String,
    modified: Timestamp,
    properties: Map<String, Value>,
}

impl Found {
    fn key(&self) -> (Timestamp, (u64, &str)) {
        (self.modified, id_key(&self.id))
    }
}

/// One search page: its deals and whether HubSpot said more follow.
struct Page {
    found: Vec<Found>,
    more: bool,
}

impl Client {
    /// A client for these settings (checks them; signs in lazily).
    pub fn new(config: Config) -> Result<Self, CrmError> {
        let url = reqwest::Url::parse(&config.base_url).map_err(|e| {
            CrmError::Config(format!(
                "the HubSpot base URL `{}` is not a URL: {e}",
                config.base_url
            ))
        })?;
        if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
            return Err(CrmError::Config(format!(
                "the HubSpot base URL `{}` must be an http(s) URL with a host",
                config.base_url
            )));
        }
        match &config.auth {
            Auth::PrivateApp { token } if token.trim().is_empty() => {
                return Err(CrmError::Config(
                    "the HubSpot private app token is empty".into(),
                ));
            }
            Auth::OAuth {
                client_id,
                client_secret,
                refresh_token,
            } => {
                for (name, value) in [
                    ("client id", client_id),
                    ("client secret", client_secret),
                    ("refresh token", refresh_token),
                ] {
                    if value.trim().is_empty() {
                        return Err(CrmError::Config(format!(
                            "the HubSpot OAuth {name} is empty"
                        )));
                    }
                }
            }
            Auth::PrivateApp { .. } => {}
        }
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CrmError::Config(format!("cannot build the HTTP client: {e}")))?;
        let base = config.base_url.trim_end_matches('/').to_owned();
        Ok(Self {
            config,
            base,
            http,
            access: None,
            owners: HashMap::new(),
            stages: None,
        })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// See [`crate::Connector::check`]: reads the portal's account details.
    pub async fn check(&mut self) -> Result<String, CrmError> {
        let body = self
            .call(Method::GET, "/account-info/v3/details", None)
            .await?
            .ok("GET /account-info/v3/details")?;
        let portal = body.get("portalId").and_then(text).ok_or_else(|| {
            CrmError::Protocol("HubSpot's account details have no portalId".into())
        })?;
        Ok(format!("portal {portal}"))
    }

    /// See [`crate::Connector::prepare`]: creates the `baton` property group
    /// and the `baton_gate`, `baton_missing` and `baton_handoff_url` deal
    /// properties; existing ones of the right type are kept, one of another
    /// type is a [`CrmError::Config`] naming it.
    pub async fn prepare(&mut self) -> Result<(), CrmError> {
        let group = json!({"name": GROUP, "label": "Baton", "displayOrder": -1});
        let reply = self
            .call(
                Method::POST,
                "/crm/v3/properties/deals/groups",
                Some(&group),
            )
            .await?;
        if reply.status != StatusCode::CONFLICT {
            reply.ok("POST /crm/v3/properties/deals/groups")?;
        }
        for (name, label, kind, field_type) in BATON_PROPERTIES {
            let mut def = json!({
                "name": name,
                "label": label,
                "type": kind,
                "fieldType": field_type,
                "groupName": GROUP,
                "description": "Written by Baton: the handoff gate for this deal.",
            });
            if kind == "bool" {
                def["options"] = json!([
                    {"label": "Yes", "value": "true", "displayOrder": 0, "hidden": false},
                    {"label": "No", "value": "false", "displayOrder": 1, "hidden": false},
                ]);
            }
            let reply = self
                .call(Method::POST, "/crm/v3/properties/deals", Some(&def))
                .await?;
            if reply.status != StatusCode::CONFLICT {
                reply.ok(&format!("POST /crm/v3/properties/deals ({name})"))?;
                continue;
            }
            let path = format!("/crm/v3/properties/deals/{name}");
            let existing = self
                .call(Method::GET, &path, None)
                .await?
                .ok(&format!("GET {path}"))?;
            let have = (
                existing.get("type").and_then(Value::as_str).unwrap_or("?"),
                existing
                    .get("fieldType")
                    .and_then(Value::as_str)
                    .unwrap_or("?"),
            );
            if have != (kind, field_type) {
                return Err(CrmError::Config(format!(
                    "the HubSpot deal property `{name}` exists as type {}/{}, but Baton writes it as {kind}/{field_type}: delete or rename it in HubSpot, then connect again",
                    have.0, have.1
                )));
            }
        }
        Ok(())
    }

    /// See [`crate::Connector::pull`].
    ///
    /// Each search page is a fresh query from the watermark reached so far
    /// (keyset paging), never `paging.next.after`: HubSpot's `after` is an
    /// offset into a result set that shifts when a deal changes mid-pull
    /// (a deal could be skipped), and it cannot pass 10,000 results. The
    /// search sorts by `hs_lastmodifieddate` only (one sort rule is all it
    /// takes) and leaves the order of ties open, so a page that may have
    /// more deals after it drops its last tie group (re-read on the next
    /// page); a page that is one tie group is read again by id.
    pub async fn pull(&mut self, since: &Watermark, limit: usize) -> Result<Pulled, CrmError> {
        let limit = limit.max(1);
        let mut mark = since.clone();
        let mut found: Vec<Found> = Vec::new();
        let mut more = true;
        // Each round adds a deal or ends, unless deals change under it;
        // the bound keeps a churning portal from holding the pull.
        let mut rounds = limit + 8;
        while found.len() < limit && rounds > 0 {
            rounds -= 1;
            let want = (limit - found.len()).min(SEARCH_PAGE_MAX);
            let mut page = self.search_after(&mark, want).await?;
            page.found.sort_by(|a, b| a.key().cmp(&b.key()));
            if !page.more {
                more = false;
                if let Some(last) = page.found.last() {
                    mark = Watermark {
                        modified: Some(last.modified),
                        id: Some(last.id.clone()),
                    };
                }
                found.extend(page.found);
                break;
            }
            let Some(top) = page.found.last().map(|f| f.modified) else {
                break;
            };
            let complete: Vec<Found> = page
                .found
                .into_iter()
                .filter(|f| f.modified < top)
                .collect();
            let taken = if complete.is_empty() {
                self.search_tie(&mark, top, want).await?
            } else {
                complete
            };
            if let Some(last) = taken.last() {
                mark = Watermark {
                    modified: Some(last.modified),
                    id: Some(last.id.clone()),
                };
            }
            found.extend(taken);
        }
        let deals = self.resolve(found).await?;
        Ok(Pulled {
            deals,
            watermark: mark,
            more,
        })
    }

    /// The search body's common part.
    fn search_body(&self, filter_groups: Value, sort: &str, limit: usize) -> Value {
        let mut properties: Vec<&str> = DEAL_PROPERTIES.to_vec();
        for p in &self.config.properties {
            if !properties.contains(&p.as_str()) {
                properties.push(p);
            }
        }
        json!({
            "filterGroups": filter_groups,
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "properties": properties,
            "limit": limit,
        })
    }

    /// Deals after the watermark, by `hs_lastmodifieddate`.
    async fn search_after(&mut self, mark: &Watermark, limit: usize) -> Result<Page, CrmError> {
        let groups = match (&mark.modified, &mark.id) {
            (None, _) => json!([]),
            (Some(m), None) => json!([{"filters": [
                {"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": m.as_millisecond().to_string()},
            ]}]),
            (Some(m), Some(id)) => {
                let ms = m.as_millisecond().to_string();
                json!([
                    {"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GT", "value": ms}]},
                    {"filters": [
                        {"propertyName": "hs_lastmodifieddate", "operator": "EQ", "value": ms},
                        {"propertyName": "hs_object_id", "operator": "GT", "value": id},
                    ]},
                ])
            }
        };
        let body = self.search_body(groups, "hs_lastmodifieddate", limit);
        self.search(&body).await
    }

    /// Deals modified exactly at `at` and after the watermark, by id: one
    /// tie group, read in an order that pages safely.
    async fn search_tie(
        &mut self,
        mark: &Watermark,
        at: Timestamp,
        limit: usize,
    ) -> Result<Vec<Found>, CrmError> {
        let ms = at.as_millisecond().to_string();
        let mut filters =
            vec![json!({"propertyName": "hs_lastmodifieddate", "operator": "EQ", "value": ms})];
        if let (Some(m), Some(id)) = (&mark.modified, &mark.id)
            && *m == at
        {
            filters.push(json!({"propertyName": "hs_object_id", "operator": "GT", "value": id}));
        }
        let body = self.search_body(json!([{"filters": filters}]), "hs_object_id", limit);
        let mut page = self.search(&body).await?;
        page.found.sort_by(|a, b| a.key().cmp(&b.key()));
        Ok(page.found)
    }

    async fn search(&mut self, body: &Value) -> Result<Page, CrmError> {
        let answer = self
            .call(Method::POST, "/crm/v3/objects/deals/search", Some(body))
            .await?
            .ok("POST /crm/v3/objects/deals/search")?;
        let results = answer
            .get("results")
            .and_then(Value::as_array)
            .ok_or_else(|| CrmError::Protocol("HubSpot's search answer has no results".into()))?;
        let mut found = Vec::with_capacity(results.len());
        for r in results {
            let id = r.get("id").and_then(text).ok_or_else(|| {
                CrmError::Protocol("a deal in HubSpot's search answer has no id".into())
            })?;
            let properties = r
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let modified = properties
                .get("hs_lastmodifieddate")
                .and_then(text)
                .or_else(|| r.get("updatedAt").and_then(text))
                .as_deref()
                .and_then(parse_time)
                .ok_or_else(|| {
                    CrmError::Protocol(format!(
                        "HubSpot deal {id} has no readable hs_lastmodifieddate"
                    ))
                })?;
            found.push(Found {
                id,
                modified,
                properties,
            });
        }
        let more = answer
            .pointer("/paging/next/after")
            .is_some_and(|a| !a.is_null());
        Ok(Page { found, more })
    }

    /// Turns found deals into [`Deal`]s: their primary company, owner
    /// email and stage label.
    async fn resolve(&mut self, found: Vec<Found>) -> Result<Vec<Deal>, CrmError> {
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
        let deal_company = self.deal_companies(&ids).await?;
        let company_ids: Vec<String> = {
            let mut seen = HashSet::new();
            deal_company
                .values()
                .filter(|c| seen.insert((*c).clone()))
                .cloned()
                .collect()
        };
        let names = self.company_names(&company_ids).await?;
        let prop = |f: &Found, name: &str| f.properties.get(name).and_then(text);
        for f in &found {
            if let Some(owner) = prop(f, "hubspot_owner_id") {
                self.owner_email(&owner).await?;
            }
        }
        let need_stages = self.stages.is_none()
            || found.iter().any(|f| {
                prop(f, "dealstage")
                    .is_some_and(|s| self.stages.as_ref().is_some_and(|m| !m.contains_key(&s)))
            });
        if need_stages {
            self.load_stages().await?;
        }
        let deals = found
            .iter()
            .map(|f| {
                let stage_id = prop(f, "dealstage").unwrap_or_default();
                let stage = prop(f, "pipeline")
                    .and_then(|p| self.stage_label(&format!("{p}/{stage_id}")))
                    .or_else(|| self.stage_label(&stage_id))
                    .unwrap_or_else(|| stage_id.clone());
                let account = deal_company.get(&f.id).and_then(|c| {
                    names.get(c).map(|name| CrmAccount {
                        id: c.clone(),
                        name: name.clone(),
                    })
                });
                let owner_email = prop(f, "hubspot_owner_id")
                    .and_then(|o| self.owners.get(&o).cloned().flatten());
                let fields: BTreeMap<String, Value> = self
                    .config
                    .properties
                    .iter()
                    .filter_map(|p| {
                        let v = f.properties.get(p)?;
                        (!v.is_null()).then(|| (p.clone(), v.clone()))
                    })
                    .collect();
                Deal {
                    id: f.id.clone(),
                    name: prop(f, "dealname"),
                    stage,
                    account,
                    owner_email,
                    amount: prop(f, "amount"),
                    currency: prop(f, "deal_currency_code"),
                    modified: f.modified,
                    fields,
                }
            })
            .collect();
        Ok(deals)
    }

    fn stage_label(&self, key: &str) -> Option<String> {
        self.stages.as_ref()?.get(key).cloned()
    }

    /// Deal id → its primary company (association type 5), else its first.
    async fn deal_companies(&mut self, ids: &[&str]) -> Result<HashMap<String, String>, CrmError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(BATCH_MAX) {
            let inputs: Vec<Value> = chunk.iter().map(|id| json!({"id": id})).collect();
            let path = "/crm/v4/associations/deals/companies/batch/read";
            let body = self
                .call(Method::POST, path, Some(&json!({"inputs": inputs})))
                .await?
                .ok(&format!("POST {path}"))?;
            // A 207 lists deals with no company among its errors: they
            // simply have no account.
            for r in body
                .get("results")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let Some(from) = r.pointer("/from/id").and_then(text) else {
                    continue;
                };
                let to: Vec<&Value> = r
                    .get("to")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .collect();
                let primary = to.iter().find(|t| {
                    t.get("associationTypes")
                        .and_then(Value::as_array)
                        .is_some_and(|types| {
                            types
                                .iter()
                                .any(|ty| ty.get("typeId").and_then(Value::as_u64) == Some(5))
                        })
                });
                if let Some(company) = primary
                    .or(to.first())
                    .and_then(|t| t.get("toObjectId"))
                    .and_then(text)
                {
                    out.insert(from, company);
                }
            }
        }
        Ok(out)
    }

    /// Company id → name.
    async fn company_names(&mut self, ids: &[String]) -> Result<HashMap<String, String>, CrmError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(BATCH_MAX) {
            let inputs: Vec<Value> = chunk.iter().map(|id| json!({"id": id})).collect();
            let path = "/crm/v3/objects/companies/batch/read";
            let req = json!({"properties": ["name"], "inputs": inputs});
            let body = self
                .call(Method::POST, path, Some(&req))
                .await?
                .ok(&format!("POST {path}"))?;
            for r in body
                .get("results")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(id), Some(name)) = (
                    r.get("id").and_then(text),
                    r.pointer("/properties/name").and_then(text),
                ) {
                    out.insert(id, name);
                }
            }
        }
        Ok(out)
    }

    /// Caches the owner's email (`None` when HubSpot has no such owner).
    async fn owner_email(&mut self, owner: &str) -> Result<(), CrmError> {
        if self.owners.contains_key(owner) || !owner.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(());
        }
        let path = format!("/crm/v3/owners/{owner}");
        let reply = self.call(Method::GET, &path, None).await?;
        let email = if reply.status == StatusCode::NOT_FOUND {
            None
        } else {
            reply
                .ok(&format!("GET {path}"))?
                .get("email")
                .and_then(text)
        };
        self.owners.insert(owner.to_owned(), email);
        Ok(())
    }

    async fn load_stages(&mut self) -> Result<(), CrmError> {
        let body = self
            .call(Method::GET, "/crm/v3/pipelines/deals", None)
            .await?
            .ok("GET /crm/v3/pipelines/deals")?;
        let mut labels = HashMap::new();
        for p in body
            .get("results")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let pipeline = p.get("id").and_then(text).unwrap_or_default();
            for s in p
                .get("stages")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(id), Some(label)) =
                    (s.get("id").and_then(text), s.get("label").and_then(text))
                {
                    labels.insert(format!("{pipeline}/{id}"), label.clone());
                    labels.entry(id).or_insert(label);
                }
            }
        }
        self.stages = Some(labels);
        Ok(())
    }

    /// See [`crate::Connector::write_back`]: batches of at most 100 through
    /// `POST /crm/v3/objects/deals/batch/update`. Deals a 207 names (deleted
    /// or missing) are [`WriteResult::Refused`]; a batch HubSpot refuses
    /// whole (400, e.g. a value of the wrong type) is retried deal by deal
    /// so one bad deal does not refuse the others.
    pub async fn write_back(&mut self, writes: &[GateWrite]) -> Result<Vec<WriteResult>, CrmError> {
        // HubSpot refuses a batch naming one id twice: the last write wins.
        let mut latest: Vec<&GateWrite> = Vec::new();
        for w in writes {
            match latest.iter_mut().find(|l| l.deal == w.deal) {
                Some(slot) => *slot = w,
                None => latest.push(w),
            }
        }
        let mut by_deal: HashMap<String, WriteResult> = HashMap::new();
        for chunk in latest.chunks(BATCH_MAX) {
            match self.update_batch(chunk).await? {
                Some(results) => by_deal.extend(results),
                None => {
                    for w in chunk {
                        by_deal.extend(self.update_batch(&[*w]).await?.unwrap_or_default());
                    }
                }
            }
        }
        Ok(writes
            .iter()
            .map(|w| {
                by_deal
                    .get(&w.deal)
                    .cloned()
                    .unwrap_or_else(|| WriteResult::Refused {
                        code: "UNKNOWN".into(),
                        message: "HubSpot's answer did not mention this deal".into(),
                    })
            })
            .collect())
    }

    /// One batch update; `None` when HubSpot refused it whole with a 400
    /// and it holds more than one deal (for a single deal the 400 becomes
    /// its [`WriteResult::Refused`]).
    async fn update_batch(
        &mut self,
        chunk: &[&GateWrite],
    ) -> Result<Option<Vec<(String, WriteResult)>>, CrmError> {
        let inputs: Vec<Value> = chunk
            .iter()
            .map(|w| {
                json!({"id": w.deal, "properties": {
                    "baton_gate": if w.open { "true" } else { "false" },
                    "baton_missing": w.missing,
                    "baton_handoff_url": w.url,
                }})
            })
            .collect();
        let path = "/crm/v3/objects/deals/batch/update";
        let reply = self
            .call(Method::POST, path, Some(&json!({"inputs": inputs})))
            .await?;
        if reply.status == StatusCode::BAD_REQUEST {
            if chunk.len() > 1 {
                return Ok(None);
            }
            let code = reply
                .body
                .get("category")
                .and_then(text)
                .unwrap_or_else(|| "VALIDATION_ERROR".into());
            let message = describe(&reply.body);
            return Ok(Some(
                chunk
                    .iter()
                    .map(|w| {
                        (
                            w.deal.clone(),
                            WriteResult::Refused {
                                code: code.clone(),
                                message: message.clone(),
                            },
                        )
                    })
                    .collect(),
            ));
        }
        let multi = reply.status == StatusCode::MULTI_STATUS;
        let body = reply.ok(&format!("POST {path}"))?;
        let mut refused: HashMap<String, WriteResult> = HashMap::new();
        if multi {
            for e in body
                .get("errors")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let code = e
                    .get("category")
                    .and_then(text)
                    .unwrap_or_else(|| "ERROR".into());
                let message = e.get("message").and_then(text).unwrap_or_default();
                let ids = e
                    .pointer("/context/ids")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten();
                for id in ids.filter_map(text).chain(e.get("id").and_then(text)) {
                    refused.insert(
                        id,
                        WriteResult::Refused {
                            code: code.clone(),
                            message: message.clone(),
                        },
                    );
                }
            }
        }
        Ok(Some(
            chunk
                .iter()
                .map(|w| {
                    let result = refused
                        .get(&w.deal)
                        .cloned()
                        .unwrap_or(WriteResult::Written);
                    (w.deal.clone(), result)
                })
                .collect(),
        ))
    }

    /// The bearer token: the private app's, or an unexpired OAuth access
    /// token (refreshed when close to expiry).
    async fn bearer(&mut self) -> Result<String, CrmError> {
        if let Auth::PrivateApp { token } = &self.config.auth {
            return Ok(token.clone());
        }
        if let Some(access) = &self.access
            && Instant::now() + EXPIRY_MARGIN < access.expires_at
        {
            return Ok(access.token.clone());
        }
        self.refresh().await
    }

    /// Exchanges the refresh token for an access token.
    async fn refresh(&mut self) -> Result<String, CrmError> {
        self.access = None;
        let Auth::OAuth {
            client_id,
            client_secret,
            refresh_token,
        } = &self.config.auth
        else {
            return Err(CrmError::Config(
                "a private app has no token to refresh".into(),
            ));
        };
        let form = form_encode(&[
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("client_secret", client_secret),
            ("refresh_token", refresh_token),
        ]);
        let resp = self
            .http
            .post(format!("{}/oauth/v1/token", self.base))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let status = resp.status();
        let wait = retry_after(resp.headers());
        let bytes = resp.bytes().await.map_err(|e| transport(&e))?;
        let body: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        tracing::debug!(%status, "HubSpot OAuth token refresh");
        if let Some(err) = busy(status, wait, &body) {
            return Err(err);
        }
        if status.is_client_error() {
            return Err(CrmError::Auth(format!(
                "HubSpot refused the OAuth refresh token: {}",
                describe(&body)
            )));
        }
        if !status.is_success() {
            return Err(CrmError::Protocol(format!(
                "HubSpot answered {status} to the token refresh: {}",
                describe(&body)
            )));
        }
        let token = body
            .get("access_token")
            .or_else(|| body.get("accessToken"))
            .and_then(text)
            .ok_or_else(|| {
                CrmError::Protocol("HubSpot's token answer has no access_token".into())
            })?;
        let lifetime = body
            .get("expires_in")
            .or_else(|| body.get("expiresIn"))
            .and_then(Value::as_u64)
            .unwrap_or(1800);
        self.access = Some(AccessToken {
            token: token.clone(),
            expires_at: Instant::now() + Duration::from_secs(lifetime),
        });
        Ok(token)
    }

    /// One API call. Sign-in failures, rate limits and outages become
    /// errors here; every other answer goes back to the caller. An OAuth
    /// access token refused with 401 is refreshed once and the call
    /// retried.
    async fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, CrmError> {
        let mut refreshed = false;
        loop {
            let token = self.bearer().await?;
            let mut req = self
                .http
                .request(method.clone(), format!("{}{path}", self.base))
                .bearer_auth(token)
                .header(header::ACCEPT, "application/json");
            if let Some(body) = body {
                req = req.json(body);
            }
            let resp = req.send().await.map_err(|e| transport(&e))?;
            let status = resp.status();
            let wait = retry_after(resp.headers());
            let bytes = resp.bytes().await.map_err(|e| transport(&e))?;
            tracing::debug!(%method, path, %status, "HubSpot call");
            let parsed: Value = if bytes.is_empty() {
                Value::Null
            } else {
                match serde_json::from_slice(&bytes) {
                    Ok(v) => v,
                    Err(_) if !status.is_success() => {
                        Value::String(String::from_utf8_lossy(&bytes).into_owned())
                    }
                    Err(e) => {
                        return Err(CrmError::Protocol(format!(
                            "HubSpot's answer to {method} {path} is not JSON: {e}"
                        )));
                    }
                }
            };
            if status == StatusCode::UNAUTHORIZED {
                if matches!(self.config.auth, Auth::OAuth { .. }) && !refreshed {
                    refreshed = true;
                    self.access = None;
                    continue;
                }
                return Err(CrmError::Auth(format!(
                    "HubSpot refused the access token: {}",
                    describe(&parsed)
                )));
            }
            if status == StatusCode::FORBIDDEN {
                return Err(CrmError::Auth(format!(
                    "HubSpot refused {method} {path} (does the app have the CRM scopes?): {}",
                    describe(&parsed)
                )));
            }
            if let Some(err) = busy(status, wait, &parsed) {
                return Err(err);
            }
            return Ok(Reply {
                status,
                body: parsed,
            });
        }
    }
}

/// A 429 or a 5xx: HubSpot asks to come back later.
fn busy(status: StatusCode, retry_after: Option<Duration>, body: &Value) -> Option<CrmError> {
    if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        Some(CrmError::Busy {
            message: format!("HubSpot answered {status}: {}", describe(body)),
            retry_after,
        })
    } else {
        None
    }
}
