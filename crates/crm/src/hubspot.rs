//! HubSpot over its CRM v3 API (to be filled in: see the issue).

use serde::{Deserialize, Serialize};

use crate::{CrmError, GateWrite, Pulled, Watermark, WriteResult};

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

/// A HubSpot client: holds the access token between calls.
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
            "the HubSpot connector is not built yet".into(),
        ))
    }

    /// See [`crate::Connector::prepare`].
    pub async fn prepare(&mut self) -> Result<(), CrmError> {
        Err(CrmError::Config(
            "the HubSpot connector is not built yet".into(),
        ))
    }

    /// See [`crate::Connector::pull`].
    pub async fn pull(&mut self, _since: &Watermark, _limit: usize) -> Result<Pulled, CrmError> {
        Err(CrmError::Config(
            "the HubSpot connector is not built yet".into(),
        ))
    }

    /// See [`crate::Connector::write_back`].
    pub async fn write_back(
        &mut self,
        _writes: &[GateWrite],
    ) -> Result<Vec<WriteResult>, CrmError> {
        Err(CrmError::Config(
            "the HubSpot connector is not built yet".into(),
        ))
    }
}
