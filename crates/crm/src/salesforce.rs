//! Salesforce over its REST API, server to server: sign in (JWT bearer or
//! client credentials), read who Baton is, check the `Baton_*__c` fields on
//! Opportunity, pull the Opportunities changed since a watermark with SOQL,
//! and write the gate back through sObject Collections.
//!
//! Reference pages followed (each call cites its own below):
//! - OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration:
//!   <https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5>
//! - OAuth 2.0 Client Credentials Flow for Server-to-Server Integration:
//!   <https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm&type=5>
//! - Query for User Information (UserInfo endpoint):
//!   <https://help.salesforce.com/HTViewHelpDoc?id=remoteaccess_using_userinfo_endpoint.htm>
//! - REST API Developer Guide, Query and Execute a SOQL Query:
//!   <https://developer.salesforce.com/docs/platform/api-rest/guide/resources-query.md>,
//!   <https://developer.salesforce.com/docs/platform/api-rest/guide/dome-query.md>
//! - Update Records Using sObject Collections:
//!   <https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-update.html>
//! - Status Codes and Error Responses:
//!   <https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm>
//! - API Request Limits and Allocations:
//!   <https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html>
//!
//! The client never sleeps to wait out a limit: it answers
//! [`CrmError::Busy`] and the sync job backs off. It signs in again at most
//! once per call, when a token it held has expired.

mod answer;
mod sign_in;
mod soql;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use reqwest::{Method, StatusCode, Url};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{CrmError, GateWrite, Pulled, Watermark, WriteResult};

/// The checkbox Baton writes: whether the deal's gate is open.
pub const GATE_FIELD: &str = "Baton_Gate__c";
/// The text Baton writes: what is missing, comma-separated.
pub const MISSING_FIELD: &str = "Baton_Missing__c";
/// The URL Baton writes: the handoff's page in Baton.
pub const HANDOFF_URL_FIELD: &str = "Baton_Handoff_URL__c";

/// sObject Collections take at most 200 records per request.
const COLLECTION_MAX: usize = 200;
/// Every request gives up after this long (a query call may take up to
/// two minutes on Salesforce's side, but a page of Opportunities is small).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How Baton signs in to Salesforce, server to server.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "flow", rename_all = "snake_case")]
pub enum Auth {
    /// OAuth 2.0 JWT bearer flow: a connected app with a certificate; Baton
    /// signs an assertion for `username` with the private key.
    JwtBearer {
        /// The connected app's consumer key.
        client_id: String,
        /// The Salesforce user Baton acts as.
        username: String,
        /// The private key (PKCS#8 or PKCS#1 PEM) whose certificate the
        /// connected app holds.
        private_key_pem: String,
    },
    /// OAuth 2.0 client-credentials flow (the connected app's run-as user).
    ClientCredentials {
        /// The consumer key.
        client_id: String,
        /// The consumer secret.
        client_secret: String,
    },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::JwtBearer {
                client_id,
                username,
                ..
            } => f
                .debug_struct("JwtBearer")
                .field("client_id", client_id)
                .field("username", username)
                .finish_non_exhaustive(),
            Self::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .finish_non_exhaustive(),
        }
    }
}

/// A Salesforce connection's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Where tokens are asked for: `https://login.salesforce.com`,
    /// `https://test.salesforce.com` or the org's My Domain.
    pub login_url: String,
    /// The REST API version, e.g. `v62.0`.
    pub api_version: String,
    /// How Baton signs in.
    pub auth: Auth,
    /// Extra Opportunity fields to pull for prefilling drafts.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// Where the current time comes from (for the JWT assertion's `exp`).
pub type Now = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// A Salesforce client: holds the access token between calls.
pub struct Client {
    config: Config,
    /// Boxed so a [`crate::Connector`] stays small whichever vendor.
    inner: Box<Inner>,
}

struct Inner {
    login_url: Url,
    http: reqwest::Client,
    signer: sign_in::Signer,
    now: Now,
    session: Option<Session>,
    /// Opportunity's fields as describe lists them, read once.
    schema: Option<Arc<BTreeMap<String, soql::FieldInfo>>>,
}

/// A signed-in session: the token and the org's own host.
struct Session {
    access_token: String,
    instance_url: Url,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field(
                "instance_url",
                &self.inner.session.as_ref().map(|s| s.instance_url.as_str()),
            )
            .field("signed_in", &self.inner.session.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for these settings (checks them; signs in lazily).
    pub fn new(config: Config) -> Result<Self, CrmError> {
        let login_url = checked_base_url(&config.login_url, "the login URL")?;
        if !is_api_version(&config.api_version) {
            return Err(CrmError::Config(format!(
                "the Salesforce API version {:?} is not of the form v62.0",
                config.api_version
            )));
        }
        for field in &config.fields {
            if !soql::is_field_path(field) {
                return Err(CrmError::Config(format!(
                    "the Opportunity field {field:?} to pull is not a Salesforce field name \
                     (letters, digits, underscores, dots for relationships)"
                )));
            }
        }
        let signer = sign_in::Signer::new(&config.auth)?;
        // Redirects are not followed: a token or a query must never be
        // replayed to a host the settings did not name.
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Baton/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| CrmError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            config,
            inner: Box::new(Inner {
                login_url,
                http,
                signer,
                now: Arc::new(system_now),
                session: None,
                schema: None,
            }),
        })
    }

    /// The same client taking the time for its JWT assertions from `now`
    /// (the app's clock).
    pub fn with_clock(mut self, now: Now) -> Self {
        self.inner.now = now;
        self
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// See [`crate::Connector::check`]. Always signs in afresh (proving the
    /// credentials, not a cached token), then reads the UserInfo endpoint
    /// (<https://help.salesforce.com/HTViewHelpDoc?id=remoteaccess_using_userinfo_endpoint.htm>)
    /// on the org's instance.
    pub async fn check(&mut self) -> Result<String, CrmError> {
        self.inner.session = None;
        let info = self
            .call(Method::GET, "/services/oauth2/userinfo", None)
            .await?;
        let org = info
            .get("organization_id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                CrmError::Protocol("the UserInfo answer has no organization_id".into())
            })?;
        let user = info
            .get("preferred_username")
            .or_else(|| info.get("email"))
            .and_then(Value::as_str)
            .unwrap_or("an unnamed user");
        Ok(format!("org {org} as {user}"))
    }

    /// See [`crate::Connector::prepare`]. Reads Opportunity's describe
    /// (<https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm>)
    /// and checks Baton's three fields exist with the right types and that
    /// Baton's user may edit them, and that every configured field exists.
    pub async fn prepare(&mut self) -> Result<(), CrmError> {
        self.inner.schema = None;
        let schema = self.schema().await?;
        soql::check_baton_fields(&schema)?;
        soql::check_configured_fields(&schema, &self.config.fields)
    }

    /// See [`crate::Connector::pull`].
    ///
    /// One SOQL query over the Query resource, keyset-paged on
    /// (`SystemModstamp`, `Id`) strictly after the watermark, following
    /// `nextRecordsUrl` while `done` is false. It asks for one record more
    /// than `limit` to know whether more wait. `SystemModstamp` rather than
    /// `LastModifiedDate`: it moves on every change, automated ones
    /// included, it cannot be back-dated (`LastModifiedDate` can be set on
    /// insert with the "Set Audit Fields upon Record Creation" permission,
    /// which would hide such a record behind the watermark), and it is
    /// indexed, so the filter stays selective on large orgs.
    pub async fn pull(&mut self, since: &Watermark, limit: usize) -> Result<Pulled, CrmError> {
        let limit = limit.max(1);
        let schema = self.schema().await?;
        soql::check_configured_fields(&schema, &self.config.fields)?;
        let with_currency = schema.contains_key(soql::CURRENCY_FIELD);
        let query = soql::pull_query(since, limit + 1, with_currency, &self.config.fields);
        let query_path = format!("/services/data/{}/query", self.config.api_version);
        let mut page = self
            .call_query(&query_path, Some(&[("q", query.as_str())]))
            .await?;
        let mut records = Vec::new();
        loop {
            let batch: soql::QueryPage = serde_json::from_value(page).map_err(|e| {
                CrmError::Protocol(format!("the query answer is not a query result: {e}"))
            })?;
            records.extend(batch.records);
            let next = match batch.next_records_url {
                Some(next) if !batch.done && records.len() <= limit => next,
                _ => break,
            };
            if !next.starts_with("/services/data/") {
                return Err(CrmError::Protocol(format!(
                    "nextRecordsUrl {next:?} is not a REST path on the instance"
                )));
            }
            match self.call_query(&next, None).await {
                Ok(more) => page = more,
                // A query locator lives 15 minutes of inactivity; if it is
                // gone, what was read is still a contiguous run in order,
                // so hand it back and let the next pull resume after it.
                Err(CrmError::Protocol(m))
                    if m.contains("INVALID_QUERY_LOCATOR") && !records.is_empty() =>
                {
                    tracing::info!("Salesforce query locator expired; resuming at the next pull");
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        let more = records.len() > limit;
        records.truncate(limit);
        let deals = records
            .iter()
            .map(|r| soql::deal(r, with_currency, &self.config.fields))
            .collect::<Result<Vec<_>, _>>()?;
        let watermark = match deals.last() {
            Some(last) => Watermark {
                modified: Some(last.modified),
                id: Some(last.id.clone()),
            },
            None => since.clone(),
        };
        Ok(Pulled {
            deals,
            watermark,
            more,
        })
    }

    /// See [`crate::Connector::write_back`]. PATCH
    /// `/services/data/vXX.X/composite/sobjects` with `allOrNone: false`, at
    /// most 200 records a request; one SaveResult per record, in order
    /// (<https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-update.html>).
    pub async fn write_back(&mut self, writes: &[GateWrite]) -> Result<Vec<WriteResult>, CrmError> {
        let path = format!(
            "/services/data/{}/composite/sobjects",
            self.config.api_version
        );
        let mut results = Vec::with_capacity(writes.len());
        for chunk in writes.chunks(COLLECTION_MAX) {
            let records: Vec<Value> = chunk
                .iter()
                .map(|w| {
                    json!({
                        "attributes": {"type": "Opportunity"},
                        "id": w.deal,
                        GATE_FIELD: w.open,
                        MISSING_FIELD: w.missing,
                        HANDOFF_URL_FIELD: w.url,
                    })
                })
                .collect();
            let body = json!({"allOrNone": false, "records": records});
            let answer = self.call(Method::PATCH, &path, Some(&body)).await?;
            let saved: Vec<soql::SaveResult> = serde_json::from_value(answer).map_err(|e| {
                CrmError::Protocol(format!(
                    "the sObject Collections answer is not a list of SaveResults: {e}"
                ))
            })?;
            if saved.len() != chunk.len() {
                return Err(CrmError::Protocol(format!(
                    "sObject Collections answered {} results for {} records",
                    saved.len(),
                    chunk.len()
                )));
            }
            results.extend(saved.into_iter().map(soql::SaveResult::into_write_result));
        }
        Ok(results)
    }

    /// Opportunity's describe, read once per client.
    async fn schema(&mut self) -> Result<Arc<BTreeMap<String, soql::FieldInfo>>, CrmError> {
        if self.inner.schema.is_none() {
            let path = format!(
                "/services/data/{}/sobjects/Opportunity/describe",
                self.config.api_version
            );
            let answer = self.call(Method::GET, &path, None).await?;
            self.inner.schema = Some(Arc::new(soql::schema(answer)?));
        }
        self.inner
            .schema
            .clone()
            .ok_or_else(|| CrmError::Protocol("Opportunity's describe was not kept".into()))
    }

    async fn call_query(
        &mut self,
        path: &str,
        query: Option<&[(&str, &str)]>,
    ) -> Result<Value, CrmError> {
        self.request(Method::GET, path, query, None).await
    }

    async fn call(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, CrmError> {
        self.request(method, path, None, body).await
    }

    /// One REST call on the instance, signing in first when no token is
    /// held, and once more when the held token has expired (401
    /// `INVALID_SESSION_ID`). A 401 on a token just issued is an auth
    /// failure, not something to retry.
    async fn request(
        &mut self,
        method: Method,
        path: &str,
        query: Option<&[(&str, &str)]>,
        body: Option<&Value>,
    ) -> Result<Value, CrmError> {
        let mut fresh = false;
        loop {
            if self.inner.session.is_none() {
                self.inner.session = Some(self.sign_in().await?);
                fresh = true;
            }
            let Some(session) = self.inner.session.as_ref() else {
                return Err(CrmError::Protocol("no session after signing in".into()));
            };
            let url = at(&session.instance_url, path)?;
            let mut req = self
                .inner
                .http
                .request(method.clone(), url)
                .bearer_auth(&session.access_token)
                .header(reqwest::header::ACCEPT, "application/json");
            if let Some(query) = query {
                req = req.query(query);
            }
            if let Some(body) = body {
                req = req.json(body);
            }
            let (status, headers, bytes) = answer::send(req).await?;
            if status == StatusCode::UNAUTHORIZED && !fresh {
                tracing::info!("Salesforce session expired; signing in again");
                self.inner.session = None;
                continue;
            }
            return answer::rest(status, &headers, &bytes, path);
        }
    }

    async fn sign_in(&self) -> Result<Session, CrmError> {
        let token_url = at(&self.inner.login_url, "/services/oauth2/token")?;
        let audience = self.config.login_url.trim_end_matches('/');
        let form = self.inner.signer.form(audience, (self.inner.now)())?;
        let req = self
            .inner
            .http
            .post(token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form);
        let (status, headers, bytes) = answer::send(req).await?;
        let token = answer::token(status, &headers, &bytes)?;
        let instance_url =
            checked_base_url(&token.instance_url, "the instance_url Salesforce answered")
                .map_err(|e| CrmError::Protocol(e.to_string()))?;
        Ok(Session {
            access_token: token.access_token,
            instance_url,
        })
    }
}

/// `path` (absolute, as Salesforce writes them) under a base URL.
fn at(base: &Url, path: &str) -> Result<Url, CrmError> {
    base.join(path.trim_start_matches('/'))
        .map_err(|e| CrmError::Protocol(format!("cannot join {path:?} to {base}: {e}")))
}

/// A base URL Baton may send credentials to: https, or http only to this
/// machine (the simulators).
fn checked_base_url(raw: &str, what: &str) -> Result<Url, CrmError> {
    let mut url = Url::parse(raw)
        .map_err(|e| CrmError::Config(format!("{what} {raw:?} is not a URL: {e}")))?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(CrmError::Config(format!(
            "{what} {raw:?} must be a plain base URL (no query, fragment or user)"
        )));
    }
    // Paths are joined under the base (an Experience Cloud site has one).
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(CrmError::Config(format!(
            "{what} {raw:?} must use https (http only for 127.0.0.1)"
        ))),
    }
}

fn is_api_version(v: &str) -> bool {
    v.strip_prefix('v')
        .and_then(|rest| rest.split_once('.'))
        .is_some_and(|(major, minor)| {
            !major.is_empty()
                && !minor.is_empty()
                && major.bytes().all(|b| b.is_ascii_digit())
                && minor.bytes().all(|b| b.is_ascii_digit())
        })
}

#[expect(
    clippy::disallowed_methods,
    reason = "a JWT assertion's exp is checked by Salesforce against its real clock; the app passes its Clock through with_clock"
)]
fn system_now() -> Timestamp {
    Timestamp::now()
}
