//! Salesforce over its REST API (to be filled in: see the issue).

use serde::{Deserialize, Serialize};

use crate::{CrmError, GateWrite, Pulled, Watermark, WriteResult};

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

/// A Salesforce client: holds the access token between calls.
#[derive(Debug)]
pub struct Client {
    config: Config,
}

impl Client {
    /// A client for these settings (checks them; signs in lazily).
    pub fn new(config: Config) -> Result<Self, CrmError> {
        Ok(Self { config })
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// See [`crate::Connector::check`].
    pub async fn check(&mut self) -> Result<String, CrmError> {
        Err(CrmError::Config(
            "the Salesforce connector is not built yet".into(),
        ))
    }

    /// See [`crate::Connector::prepare`].
    pub async fn prepare(&mut self) -> Result<(), CrmError> {
        Err(CrmError::Config(
            "the Salesforce connector is not built yet".into(),
        ))
    }

    /// See [`crate::Connector::pull`].
    pub async fn pull(&mut self, _since: &Watermark, _limit: usize) -> Result<Pulled, CrmError> {
        Err(CrmError::Config(
            "the Salesforce connector is not built yet".into(),
        ))
    }

    /// See [`crate::Connector::write_back`].
    pub async fn write_back(
        &mut self,
        _writes: &[GateWrite],
    ) -> Result<Vec<WriteResult>, CrmError> {
        Err(CrmError::Config(
            "the Salesforce connector is not built yet".into(),
        ))
    }
}
