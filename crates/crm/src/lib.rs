//! Baton's CRM connectors: server-to-server REST clients for Salesforce
//! and HubSpot. They pull the deals changed since a watermark (with their
//! account and owner) and write the gate back onto each deal. They know
//! nothing of Baton's store or rules: the app maps a [`Deal`] to a draft
//! through the org's CRM rules and decides each [`GateWrite`].
//!
//! Both vendors sit behind one enum, [`Connector`], so the sync job treats
//! them alike; each module cites the vendor reference pages it follows.

pub mod hubspot;
pub mod salesforce;

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The CRMs Baton connects to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    /// Salesforce (Opportunities, Accounts, Users over the REST API).
    Salesforce,
    /// HubSpot (deals, companies, owners over the CRM v3 API).
    Hubspot,
}

impl Vendor {
    /// `salesforce` or `hubspot`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Salesforce => "salesforce",
            Self::Hubspot => "hubspot",
        }
    }
}

/// Where an incremental pull resumes: after the record last seen, ordered
/// by (last modified, id). Stored by the app after each page it has
/// applied, so a crash resumes from the last applied page; re-reading a page
/// is harmless because applying a deal is idempotent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Watermark {
    /// The last-modified time of the last record applied.
    pub modified: Option<Timestamp>,
    /// Its id (ties on `modified` are broken by id).
    pub id: Option<String>,
}

/// The account a deal belongs to, as the CRM names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrmAccount {
    /// The CRM's id (Salesforce Account Id, HubSpot company id).
    pub id: String,
    /// Its name.
    pub name: String,
}

/// A deal (Salesforce Opportunity, HubSpot deal) as pulled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    /// The CRM's id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// The stage it is at, as the CRM labels it (Salesforce `StageName`;
    /// HubSpot the pipeline stage's label).
    pub stage: String,
    /// The account (associated company); `None` when it has none.
    pub account: Option<CrmAccount>,
    /// The owner's email; `None` when it has no owner or the owner has no
    /// email.
    pub owner_email: Option<String>,
    /// The amount as the CRM wrote it (a decimal text), if any.
    pub amount: Option<String>,
    /// The amount's ISO currency code, when the CRM says.
    pub currency: Option<String>,
    /// When it was last modified in the CRM.
    pub modified: Timestamp,
    /// The configured extra fields (for prefilling the draft), by the CRM's
    /// field name; a field the record does not have is absent.
    pub fields: BTreeMap<String, Value>,
}

/// One page of an incremental pull.
#[derive(Debug, Clone, PartialEq)]
pub struct Pulled {
    /// Deals changed after the watermark, in (modified, id) order.
    pub deals: Vec<Deal>,
    /// The watermark after the last deal of this page (unchanged when empty).
    pub watermark: Watermark,
    /// Whether more changed deals wait after this page.
    pub more: bool,
}

/// The gate to write onto one deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateWrite {
    /// The CRM's deal id.
    pub deal: String,
    /// Whether the gate is open (Salesforce `Baton_Gate__c`, HubSpot
    /// `baton_gate`).
    pub open: bool,
    /// What is missing, comma-separated field keys (`Baton_Missing__c`,
    /// `baton_missing`); empty when open.
    pub missing: String,
    /// The handoff's page in Baton (`Baton_Handoff_URL__c`,
    /// `baton_handoff_url`).
    pub url: String,
}

/// How one write-back went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteResult {
    /// Written.
    Written,
    /// The CRM refused this record for good (deleted deal, missing field,
    /// wrong type): its code and message. Retrying will not help.
    Refused {
        /// The vendor's error code (e.g. `ENTITY_IS_DELETED`).
        code: String,
        /// The vendor's message.
        message: String,
    },
}

/// Why a call to a CRM failed.
#[derive(Debug, thiserror::Error)]
pub enum CrmError {
    /// The credentials were refused (bad key, revoked app, wrong secret);
    /// the connection needs an admin.
    #[error("the CRM refused the credentials: {0}")]
    Auth(String),
    /// The CRM is rate-limiting or unavailable: try again after the delay
    /// it asked for (or a backoff).
    #[error("the CRM asks to wait: {message}")]
    Busy {
        /// What it said.
        message: String,
        /// The delay it asked for (`Retry-After`), when it said.
        retry_after: Option<std::time::Duration>,
    },
    /// The CRM could not be reached.
    #[error("the CRM could not be reached: {0}")]
    Unreachable(String),
    /// The CRM answered something this client does not understand, or
    /// refused the request as malformed.
    #[error("the CRM answered unexpectedly: {0}")]
    Protocol(String),
    /// The connection's settings are wrong (a bad URL, a key that does not
    /// parse): named.
    #[error("{0}")]
    Config(String),
}

impl CrmError {
    /// Whether trying again later may succeed without an admin.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Busy { .. } | Self::Unreachable(_))
    }
}

/// A connected CRM, whichever vendor.
#[derive(Debug)]
pub enum Connector {
    /// Salesforce.
    Salesforce(salesforce::Client),
    /// HubSpot.
    Hubspot(hubspot::Client),
}

impl Connector {
    /// Which vendor.
    pub fn vendor(&self) -> Vendor {
        match self {
            Self::Salesforce(_) => Vendor::Salesforce,
            Self::Hubspot(_) => Vendor::Hubspot,
        }
    }

    /// Signs in and reads who Baton is connected as (an org id / portal id
    /// and user), proving the credentials work. Changes nothing.
    pub async fn check(&mut self) -> Result<String, CrmError> {
        match self {
            Self::Salesforce(c) => c.check().await,
            Self::Hubspot(c) => c.check().await,
        }
    }

    /// Makes the CRM ready for write-back, once on connect: HubSpot creates
    /// the `baton_*` deal properties (existing ones are kept); Salesforce
    /// checks the `Baton_*__c` fields exist on Opportunity and names any
    /// missing.
    pub async fn prepare(&mut self) -> Result<(), CrmError> {
        match self {
            Self::Salesforce(c) => c.prepare().await,
            Self::Hubspot(c) => c.prepare().await,
        }
    }

    /// One page (at most `limit` deals) of deals changed after `since`.
    pub async fn pull(&mut self, since: &Watermark, limit: usize) -> Result<Pulled, CrmError> {
        match self {
            Self::Salesforce(c) => c.pull(since, limit).await,
            Self::Hubspot(c) => c.pull(since, limit).await,
        }
    }

    /// Writes the gates, batched; one result per write, in order. An error
    /// means nothing can be said of any of them (retry all).
    pub async fn write_back(&mut self, writes: &[GateWrite]) -> Result<Vec<WriteResult>, CrmError> {
        match self {
            Self::Salesforce(c) => c.write_back(writes).await,
            Self::Hubspot(c) => c.write_back(writes).await,
        }
    }
}
