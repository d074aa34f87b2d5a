//! CRM connections as a first-class thing: an admin connects Salesforce or
//! HubSpot (the credentials are checked against the CRM, then sealed with
//! `BATON_SECRET_KEY`), tests and disconnects it, reads its status (last
//! pull, lag, last error, deals synced, write-backs pending) and its log,
//! and asks for a sync now. Every call is for admins only, reads included:
//! a connection's status names deals and errors from the CRM, which is the
//! integration owner's business. The sync itself is [`crate::crm_sync`].
//!
//! Secrets never leave this module in the clear: listings echo the
//! settings with each secret replaced by `…set`, and errors quote no value.

use std::collections::BTreeMap;

pub use baton_crm::Vendor;
use baton_crm::{Connector, CrmError, hubspot, salesforce};
use baton_domain::{DomainError, Email, FieldKey, OrgId, Timestamp};
use baton_store::{ConnectionLogEntry, ConnectionRecord, NewConnectionRecord};
use jiff::SignedDuration;
use serde_json::Value;

use crate::secrets::{SecretError, SecretKey, connection_aad};
use crate::{App, AppError, Caller};

/// What a listing shows instead of a secret.
pub const SECRET_SET: &str = "…set";

/// Setting names whose values are secrets, in either vendor's settings.
pub const SECRET_SETTINGS: &[&str] = &[
    "private_key_pem",
    "client_secret",
    "token",
    "refresh_token",
    "access_token",
    "webhook_secret",
    "password",
];

/// The CRM object kinds a connection's deals may map as (the CRM rules'
/// `object`).
pub const CONNECTION_OBJECTS: [&str; 2] = ["deal", "opportunity"];

/// Longest connection name.
pub const MAX_NAME_LEN: usize = 100;

/// How the CRM connections of this process behave.
#[derive(Clone)]
pub struct CrmOptions {
    /// Seals and opens connection secrets; without it nothing connects.
    pub secret_key: Option<SecretKey>,
    /// Baton's address as people reach it, for the handoff link written
    /// onto each deal.
    pub public_url: String,
    /// Time between pulls of a healthy connection.
    pub poll: SignedDuration,
    /// Deals asked for per page.
    pub page_size: usize,
    /// Pages pulled per round before the job yields.
    pub pages_per_round: usize,
    /// How long a claim holds a connection; longer than a round takes.
    pub lease: SignedDuration,
    /// Wait after the first failed round; doubles after each next one.
    pub base_backoff: SignedDuration,
    /// The longest wait between failed rounds.
    pub max_backoff: SignedDuration,
    /// This process's name as a lease owner.
    pub(crate) owner: String,
}

impl std::fmt::Debug for CrmOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CrmOptions")
            .field("secret_key", &self.secret_key.as_ref().map(|_| SECRET_SET))
            .field("public_url", &self.public_url)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

impl Default for CrmOptions {
    fn default() -> Self {
        Self {
            secret_key: None,
            public_url: "http://127.0.0.1:8080".into(),
            poll: SignedDuration::from_mins(1),
            page_size: 200,
            pages_per_round: 5,
            lease: SignedDuration::from_mins(5),
            base_backoff: SignedDuration::from_secs(30),
            max_backoff: SignedDuration::from_hours(1),
            owner: uuid::Uuid::now_v7().to_string(),
        }
    }
}

impl CrmOptions {
    /// The wait after the `n`th failed round in a row (1-based), at least
    /// what the CRM asked for.
    pub fn backoff(&self, n: u32, asked: Option<std::time::Duration>) -> SignedDuration {
        let factor = 2u32.saturating_pow(n.saturating_sub(1).min(30));
        let secs = (self.base_backoff.as_secs_f64() * f64::from(factor))
            .min(self.max_backoff.as_secs_f64());
        let asked = asked.map_or(0.0, |d| d.as_secs_f64());
        SignedDuration::from_secs_f64(secs.max(asked))
    }
}

/// A connection to make.
#[derive(Debug, Clone)]
pub struct NewConnection {
    /// Which CRM.
    pub vendor: Vendor,
    /// The admin's name for it.
    pub name: String,
    /// The vendor's settings (`baton_crm::salesforce::Config` or
    /// `baton_crm::hubspot::Config` as JSON), secrets included.
    pub settings: Value,
    /// CRM field → Baton field key: the deal fields that prefill drafts.
    pub field_map: BTreeMap<String, String>,
    /// The object kind its deals map as through the CRM rules (default
    /// `deal`).
    pub object: Option<String>,
}

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionStatus {
    /// Syncing.
    Active,
    /// Stopped at an error only an admin can fix (refused credentials, a
    /// secret this key cannot open); still retried now and then.
    NeedsAttention,
    /// Disconnected: its secrets are forgotten.
    Disconnected,
}

impl ConnectionStatus {
    /// As shown: `active`, `needs_attention`, `disconnected`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::NeedsAttention => "needs_attention",
            Self::Disconnected => "disconnected",
        }
    }
}

/// A connection as an admin sees it: never a secret.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectionView {
    /// Its id.
    pub id: String,
    /// Which CRM.
    pub vendor: String,
    /// The admin's name for it.
    pub name: String,
    /// The object kind its deals map as.
    pub object: String,
    /// CRM field → Baton field key.
    pub field_map: BTreeMap<String, String>,
    /// The settings, each secret replaced by [`SECRET_SET`].
    pub settings: Value,
    /// Who connected it (the sync acts as them).
    pub created_by: Email,
    /// When.
    pub created_at: Timestamp,
    /// Where it stands.
    pub status: ConnectionStatus,
    /// Why an admin must act.
    pub attention: Option<String>,
    /// The last pull.
    pub last_pull_at: Option<Timestamp>,
    /// The last round without error.
    pub last_success_at: Option<Timestamp>,
    /// Now minus the last successful round (how stale Baton's view of the
    /// CRM may be).
    pub lag: Option<SignedDuration>,
    /// The last error.
    pub last_error: Option<String>,
    /// When.
    pub last_error_at: Option<Timestamp>,
    /// Deals brought in.
    pub deals_synced: u64,
    /// Deals whose changed gate waits to be written back.
    pub writes_pending: u64,
    /// Failed rounds in a row.
    pub failures: u32,
    /// When the next round is due (connected only).
    pub next_attempt_at: Option<Timestamp>,
    /// Who the last successful check signed in as.
    pub checked_as: Option<String>,
    /// When the last check ran.
    pub checked_at: Option<Timestamp>,
    /// When it was disconnected.
    pub disconnected_at: Option<Timestamp>,
}

/// What a test of a connection found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionTest {
    /// Whether the CRM took the credentials.
    pub ok: bool,
    /// Who Baton is signed in as, or why it failed.
    pub detail: String,
}

/// Replaces every secret setting's value by [`SECRET_SET`], at any depth.
pub fn mask_secrets(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if SECRET_SETTINGS.contains(&k.as_str()) && !val.is_null() {
                    *val = Value::String(SECRET_SET.into());
                } else {
                    mask_secrets(val);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_secrets),
        _ => {}
    }
}

/// A serde error without the values it quotes (a misplaced secret must not
/// reach a message).
fn unquoted(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    for c in text.chars() {
        if c == '"' || c == '`' {
            if !inside {
                out.push('…');
            }
            inside = !inside;
        } else if !inside {
            out.push(c);
        }
    }
    out
}

/// The vendor's settings with the field map's CRM fields added to those it
/// pulls, checked against the vendor's shape.
pub(crate) fn vendor_settings(
    vendor: Vendor,
    settings: &Value,
    field_map: &BTreeMap<String, String>,
) -> Result<Value, DomainError> {
    let bad = |e: serde_json::Error| {
        DomainError::value(
            "settings",
            format!("not {} settings: {}", vendor.as_str(), unquoted(&e)),
        )
    };
    let extra = field_map.keys().cloned();
    let out = match vendor {
        Vendor::Salesforce => {
            let mut c: salesforce::Config =
                serde_json::from_value(settings.clone()).map_err(bad)?;
            for f in extra {
                if !c.fields.contains(&f) {
                    c.fields.push(f);
                }
            }
            serde_json::to_value(c)
        }
        Vendor::Hubspot => {
            let mut c: hubspot::Config = serde_json::from_value(settings.clone()).map_err(bad)?;
            for f in extra {
                if !c.properties.contains(&f) {
                    c.properties.push(f);
                }
            }
            serde_json::to_value(c)
        }
    };
    out.map_err(|e| DomainError::value("settings", unquoted(&e)))
}

/// The connector for checked settings.
pub(crate) fn connector(vendor: Vendor, settings: &Value) -> Result<Connector, CrmError> {
    let bad = |e: serde_json::Error| CrmError::Config(format!("settings: {}", unquoted(&e)));
    Ok(match vendor {
        Vendor::Salesforce => Connector::Salesforce(salesforce::Client::new(
            serde_json::from_value(settings.clone()).map_err(bad)?,
        )?),
        Vendor::Hubspot => Connector::Hubspot(hubspot::Client::new(
            serde_json::from_value(settings.clone()).map_err(bad)?,
        )?),
    })
}

/// `salesforce` or `hubspot`.
pub fn parse_vendor(raw: &str) -> Result<Vendor, DomainError> {
    match raw.trim() {
        "salesforce" => Ok(Vendor::Salesforce),
        "hubspot" => Ok(Vendor::Hubspot),
        other => Err(DomainError::value(
            "vendor",
            format!("'{other}' is not a CRM Baton connects to; use salesforce or hubspot"),
        )),
    }
}

fn view(r: ConnectionRecord, now: Timestamp) -> ConnectionView {
    let status = if r.disconnected_at.is_some() {
        ConnectionStatus::Disconnected
    } else if r.attention.is_some() {
        ConnectionStatus::NeedsAttention
    } else {
        ConnectionStatus::Active
    };
    let mut settings = serde_json::from_str(&r.settings_shown).unwrap_or(Value::Null);
    // Stored masked; masked again so nothing unmasked can ever be shown.
    mask_secrets(&mut settings);
    ConnectionView {
        field_map: serde_json::from_str(&r.field_map).unwrap_or_default(),
        lag: r
            .last_success_at
            .map(|t| now.duration_since(t).max(SignedDuration::ZERO)),
        next_attempt_at: r.disconnected_at.is_none().then_some(r.next_attempt_at),
        id: r.id,
        vendor: r.vendor,
        name: r.name,
        object: r.object_kind,
        settings,
        created_by: r.created_by,
        created_at: r.created_at,
        status,
        attention: r.attention,
        last_pull_at: r.last_pull_at,
        last_success_at: r.last_success_at,
        last_error: r.last_error,
        last_error_at: r.last_error_at,
        deals_synced: r.deals_synced,
        writes_pending: r.writes_pending,
        failures: r.failures,
        checked_as: r.checked_as,
        checked_at: r.checked_at,
        disconnected_at: r.disconnected_at,
    }
}

/// Microsecond precision, as stored: answer what a listing will show.
fn stored_time(t: Timestamp) -> Result<Timestamp, AppError> {
    Timestamp::from_microsecond(t.as_microsecond()).map_err(|e| AppError::Invalid(e.to_string()))
}

impl App {
    /// The same app sealing CRM credentials with `key` (`None`: connecting
    /// is refused, naming `BATON_SECRET_KEY`).
    pub fn with_secret_key(mut self, key: Option<SecretKey>) -> Self {
        self.crm.secret_key = key;
        self
    }

    /// The same app with Baton's public address (the handoff links written
    /// onto CRM deals), e.g. `https://baton.example.com`.
    pub fn with_public_url(mut self, url: impl Into<String>) -> Self {
        self.crm.public_url = url.into().trim_end_matches('/').to_string();
        self
    }

    /// The same app with other CRM sync settings (poll interval, paging,
    /// backoff); the key and public URL are kept.
    pub fn with_crm_options(mut self, options: CrmOptions) -> Self {
        let (key, url, owner) = (
            self.crm.secret_key.take(),
            std::mem::take(&mut self.crm.public_url),
            std::mem::take(&mut self.crm.owner),
        );
        self.crm = CrmOptions {
            secret_key: key,
            public_url: url,
            owner,
            ..options
        };
        self
    }

    /// The CRM settings of this app.
    pub fn crm_options(&self) -> &CrmOptions {
        &self.crm
    }

    fn secret_key(&self) -> Result<&SecretKey, AppError> {
        self.crm
            .secret_key
            .as_ref()
            .ok_or_else(|| DomainError::Rule(SecretError::NoKey.to_string()).into())
    }

    /// The connection's settings opened, with their connector's vendor.
    pub(crate) fn open_settings(&self, r: &ConnectionRecord) -> Result<(Vendor, Value), String> {
        let vendor = parse_vendor(&r.vendor).map_err(|e| e.to_string())?;
        let key = self
            .crm
            .secret_key
            .as_ref()
            .ok_or_else(|| SecretError::NoKey.to_string())?;
        let sealed = r
            .sealed
            .as_ref()
            .ok_or_else(|| "the connection is disconnected".to_string())?;
        let plain = key
            .open(sealed, &connection_aad(&r.org, &r.id))
            .map_err(|e| e.to_string())?;
        let settings =
            serde_json::from_slice(&plain).map_err(|_| SecretError::WrongKey.to_string())?;
        Ok((vendor, settings))
    }

    async fn require_connection(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<ConnectionRecord, AppError> {
        self.store
            .connection(&caller.org, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("CRM connection '{id}'")))
    }

    /// Connects a CRM (admins only): checks the settings' shape, signs in
    /// (`check`) and readies the CRM for write-back (`prepare`) before
    /// anything is stored; a failure stores nothing and says why. The
    /// settings are sealed with `BATON_SECRET_KEY`; the first pull is due at
    /// once.
    #[tracing::instrument(skip_all, fields(vendor = new.vendor.as_str()))]
    pub async fn connect_crm(
        &self,
        caller: &Caller,
        new: NewConnection,
    ) -> Result<ConnectionView, AppError> {
        self.actor(caller).await?.require_admin("connect a CRM")?;
        let key = self.secret_key()?.clone();
        let name = new.name.trim().to_string();
        if !baton_domain::id::has_words(&name) || name.chars().count() > MAX_NAME_LEN {
            return Err(DomainError::value(
                "name",
                format!("give a name of 1 to {MAX_NAME_LEN} characters"),
            )
            .into());
        }
        let object = new.object.as_deref().map_or("deal", str::trim).to_string();
        if !CONNECTION_OBJECTS.contains(&object.as_str()) {
            return Err(DomainError::value("object", "must be deal or opportunity").into());
        }
        for (crm, baton) in &new.field_map {
            if crm.trim().is_empty() || crm.chars().any(char::is_control) {
                return Err(
                    DomainError::value("field_map", "a CRM field name must not be empty").into(),
                );
            }
            FieldKey::parse(baton.clone())
                .map_err(|e| DomainError::value(format!("field_map.{crm}"), e.to_string()))?;
        }
        let settings = vendor_settings(new.vendor, &new.settings, &new.field_map)?;
        let failed = |e: CrmError| -> AppError {
            DomainError::value(
                "settings",
                format!("the {} check failed: {e}", new.vendor.as_str()),
            )
            .into()
        };
        let mut crm = connector(new.vendor, &settings).map_err(failed)?;
        let who = crm.check().await.map_err(failed)?;
        crm.prepare().await.map_err(failed)?;
        let id = uuid::Uuid::now_v7().to_string();
        let plain = serde_json::to_vec(&settings).map_err(|e| AppError::Invalid(unquoted(&e)))?;
        let sealed = key
            .seal(&plain, &connection_aad(&caller.org, &id))
            .map_err(|e| AppError::Invalid(e.to_string()))?;
        let mut shown = settings;
        mask_secrets(&mut shown);
        let now = stored_time(self.now())?;
        let record = NewConnectionRecord {
            id: id.clone(),
            vendor: new.vendor.as_str().into(),
            name,
            object_kind: object,
            field_map: serde_json::to_string(&new.field_map)
                .map_err(|e| AppError::Invalid(e.to_string()))?,
            settings_shown: shown.to_string(),
            sealed,
            created_by: caller.email.clone(),
            created_at: now,
            checked_as: who.clone(),
        };
        self.store.create_connection(&caller.org, &record).await?;
        self.connection_log(
            &caller.org,
            &id,
            "info",
            None,
            &format!("connected by {} as {who}", caller.email),
        )
        .await;
        self.connection(caller, &id).await
    }

    /// The org's connections with their status (admins only).
    pub async fn connections(&self, caller: &Caller) -> Result<Vec<ConnectionView>, AppError> {
        self.actor(caller)
            .await?
            .require_admin("read CRM connections")?;
        let now = self.now();
        Ok(self
            .store
            .connections(&caller.org)
            .await?
            .into_iter()
            .map(|r| view(r, now))
            .collect())
    }

    /// One connection with its status (admins only).
    pub async fn connection(&self, caller: &Caller, id: &str) -> Result<ConnectionView, AppError> {
        self.actor(caller)
            .await?
            .require_admin("read CRM connections")?;
        let r = self.require_connection(caller, id).await?;
        Ok(view(r, self.now()))
    }

    /// Signs in to the CRM again and records the result (admins only). A
    /// success clears "needs attention" and makes a sync due.
    pub async fn test_connection(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<ConnectionTest, AppError> {
        self.actor(caller)
            .await?
            .require_admin("test a CRM connection")?;
        let r = self.require_connection(caller, id).await?;
        if r.disconnected_at.is_some() {
            return Err(DomainError::Rule(format!(
                "CRM connection '{id}' is disconnected; connect it again"
            ))
            .into());
        }
        let result = match self.open_settings(&r) {
            Err(why) => Err(why),
            Ok((vendor, settings)) => match connector(vendor, &settings) {
                Err(e) => Err(e.to_string()),
                Ok(mut crm) => crm.check().await.map_err(|e| e.to_string()),
            },
        };
        let now = self.now();
        self.store
            .record_connection_check(
                &caller.org,
                id,
                now,
                result.as_deref().map_err(String::as_str),
            )
            .await?;
        let (level, message) = match &result {
            Ok(who) => (
                "info",
                format!("tested by {}: signed in as {who}", caller.email),
            ),
            Err(why) => ("error", format!("tested by {}: {why}", caller.email)),
        };
        self.connection_log(&caller.org, id, level, None, &message)
            .await;
        Ok(match result {
            Ok(who) => ConnectionTest {
                ok: true,
                detail: format!("signed in as {who}"),
            },
            Err(why) => ConnectionTest {
                ok: false,
                detail: why,
            },
        })
    }

    /// Disconnects (admins only): the sync stops and the sealed credentials
    /// are forgotten; the record, its synced deals and its log stay.
    pub async fn disconnect_crm(&self, caller: &Caller, id: &str) -> Result<(), AppError> {
        self.actor(caller)
            .await?
            .require_admin("disconnect a CRM")?;
        self.require_connection(caller, id).await?;
        if !self
            .store
            .disconnect_connection(&caller.org, id, stored_time(self.now())?)
            .await?
        {
            return Err(DomainError::Rule(format!(
                "CRM connection '{id}' is already disconnected"
            ))
            .into());
        }
        self.connection_log(
            &caller.org,
            id,
            "info",
            None,
            &format!(
                "disconnected by {}; its credentials are forgotten",
                caller.email
            ),
        )
        .await;
        Ok(())
    }

    /// Makes a connection's sync due now (admins only); the job pulls on its
    /// next round.
    pub async fn sync_now(&self, caller: &Caller, id: &str) -> Result<(), AppError> {
        self.actor(caller)
            .await?
            .require_admin("sync a CRM connection")?;
        self.require_connection(caller, id).await?;
        if !self
            .store
            .connection_due(&caller.org, id, self.now())
            .await?
        {
            return Err(DomainError::Rule(format!(
                "CRM connection '{id}' is disconnected; connect it again"
            ))
            .into());
        }
        Ok(())
    }

    /// A connection's log, newest first (admins only); `before` pages on
    /// (the `seq` of the last entry seen).
    pub async fn connection_log_entries(
        &self,
        caller: &Caller,
        id: &str,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<ConnectionLogEntry>, AppError> {
        self.actor(caller)
            .await?
            .require_admin("read CRM connections")?;
        self.require_connection(caller, id).await?;
        Ok(self
            .store
            .connection_log(&caller.org, id, before, limit.clamp(1, 500))
            .await?)
    }

    /// Appends to a connection's log; a failure to log is traced, never
    /// fatal to what is being logged.
    pub(crate) async fn connection_log(
        &self,
        org: &OrgId,
        id: &str,
        level: &str,
        deal: Option<&str>,
        message: &str,
    ) {
        if let Err(e) = self
            .store
            .append_connection_log(org, id, self.now(), level, deal, message)
            .await
        {
            tracing::warn!(error = %e, connection = id, "cannot write the connection log");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_masked_at_any_depth_and_nothing_else() {
        let mut v = json!({
            "login_url": "https://login.salesforce.com",
            "auth": {"flow": "jwt_bearer", "client_id": "3MVG", "private_key_pem": "-----BEGIN"},
            "webhook_secret": null,
        });
        mask_secrets(&mut v);
        assert_eq!(v["auth"]["private_key_pem"], json!(SECRET_SET));
        assert_eq!(v["auth"]["client_id"], json!("3MVG"));
        assert_eq!(v["webhook_secret"], Value::Null);
        assert!(!v.to_string().contains("BEGIN"));
    }

    #[test]
    fn a_settings_error_quotes_no_value() {
        let e = vendor_settings(
            Vendor::Hubspot,
            &json!({"base_url": "x", "auth": {"flow": "private_app", "token": 12345}}),
            &BTreeMap::new(),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(e.contains("settings"), "{e}");
        let e = vendor_settings(
            Vendor::Hubspot,
            &json!({"base_url": "x", "auth": {"flow": "pat-secret-123"}}),
            &BTreeMap::new(),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(!e.contains("pat-secret-123"), "{e}");
    }

    #[test]
    fn backoff_doubles_to_its_cap_and_honours_what_the_crm_asked() {
        let o = CrmOptions::default();
        assert_eq!(o.backoff(1, None), SignedDuration::from_secs(30));
        assert_eq!(o.backoff(3, None), SignedDuration::from_secs(120));
        assert_eq!(o.backoff(30, None), SignedDuration::from_hours(1));
        assert_eq!(
            o.backoff(1, Some(std::time::Duration::from_secs(90))),
            SignedDuration::from_secs(90)
        );
    }
}

/// A HubSpot webhook (v3) request as received, for [`App::hubspot_webhook`].
#[derive(Debug, Clone, Copy)]
pub struct HubspotDelivery<'a> {
    /// The request's method (`POST`).
    pub method: &'a str,
    /// The path and query it was sent to, as the request line names them
    /// (Baton's public URL is put in front: HubSpot signs the full URL).
    pub path_and_query: &'a str,
    /// The raw body.
    pub body: &'a [u8],
    /// `X-HubSpot-Request-Timestamp` (milliseconds).
    pub timestamp: &'a str,
    /// `X-HubSpot-Signature-v3` (base64).
    pub signature: &'a str,
}

impl App {
    /// A HubSpot webhook delivery for a connection: verified with the app's
    /// client secret from its sealed settings (v3 signature over method,
    /// public URL, body and timestamp, at most five minutes old), then the
    /// connection's pull is made due now. The pull stays the one path that
    /// creates drafts, so a webhook and a poll never disagree. Answers how
    /// many deal events it named. Any refusal says nothing about which part
    /// was wrong, and an unknown connection reads as a bad signature.
    pub async fn hubspot_webhook(
        &self,
        connection: &str,
        d: HubspotDelivery<'_>,
    ) -> Result<usize, AppError> {
        let refused =
            || AppError::Unauthenticated("the webhook's signature does not verify".into());
        let Some(r) = self.store.connection_by_id(connection).await? else {
            return Err(refused());
        };
        let Ok((Vendor::Hubspot, settings)) = self.open_settings(&r) else {
            return Err(refused());
        };
        let Some(secret) = serde_json::from_value::<hubspot::Config>(settings)
            .ok()
            .and_then(|c| c.webhook_secret)
        else {
            return Err(refused());
        };
        let uri = format!("{}{}", self.crm.public_url, d.path_and_query);
        if let Err(e) = hubspot::verify_signature_v3(
            &secret,
            d.method,
            &uri,
            d.body,
            d.timestamp,
            d.signature,
            self.now(),
        ) {
            tracing::warn!(connection, error = %e, "a HubSpot webhook was refused");
            return Err(refused());
        }
        let events =
            hubspot::parse_webhook_events(d.body).map_err(|e| AppError::Invalid(e.to_string()))?;
        let deals = events.iter().filter(|e| e.deal_id().is_some()).count();
        if deals > 0 {
            self.store
                .connection_due(&r.org, &r.id, stored_time(self.now())?)
                .await?;
            self.connection_log(
                &r.org,
                &r.id,
                "info",
                None,
                &format!("HubSpot announced {deals} deal change(s): a pull is due now"),
            )
            .await;
        }
        Ok(deals)
    }
}
