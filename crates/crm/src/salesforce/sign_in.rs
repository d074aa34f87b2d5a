//! The token request of either server-to-server flow: what Baton posts to
//! `{login_url}/services/oauth2/token`.
//!
//! - JWT bearer (<https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm&type=5>):
//!   `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` and an RS256
//!   assertion with `iss` = consumer key, `sub` = username, `aud` = the
//!   login URL, `exp` within three minutes.
//! - Client credentials (<https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm&type=5>):
//!   `grant_type=client_credentials` with `client_id` and `client_secret`.

use jiff::Timestamp;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;

use super::Auth;
use crate::CrmError;

/// The JWT bearer grant type (RFC 7523).
pub(super) const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// How long an assertion is good for: Salesforce accepts up to 3 minutes.
const ASSERTION_LIFETIME_SECS: i64 = 170;

/// What signs Baton in, with the key parsed once.
pub(super) enum Signer {
    Jwt {
        client_id: String,
        username: String,
        key: Box<EncodingKey>,
    },
    ClientCredentials {
        client_id: String,
        client_secret: String,
    },
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
}

impl Signer {
    /// Checks the credentials' shape and parses the private key.
    pub(super) fn new(auth: &Auth) -> Result<Self, CrmError> {
        match auth {
            Auth::JwtBearer {
                client_id,
                username,
                private_key_pem,
            } => {
                require(client_id, "the connected app's consumer key (client_id)")?;
                require(username, "the Salesforce username")?;
                let key = EncodingKey::from_rsa_pem(private_key_pem.as_bytes()).map_err(|e| {
                    CrmError::Config(format!(
                        "the private key is not an RSA key in PEM (PKCS#8 or PKCS#1): {e}"
                    ))
                })?;
                Ok(Self::Jwt {
                    client_id: client_id.clone(),
                    username: username.clone(),
                    key: Box::new(key),
                })
            }
            Auth::ClientCredentials {
                client_id,
                client_secret,
            } => {
                require(client_id, "the connected app's consumer key (client_id)")?;
                require(
                    client_secret,
                    "the connected app's consumer secret (client_secret)",
                )?;
                Ok(Self::ClientCredentials {
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                })
            }
        }
    }

    /// The token request's form fields.
    pub(super) fn form(
        &self,
        audience: &str,
        now: Timestamp,
    ) -> Result<Vec<(&'static str, String)>, CrmError> {
        match self {
            Self::Jwt {
                client_id,
                username,
                key,
            } => {
                let claims = Claims {
                    iss: client_id,
                    sub: username,
                    aud: audience,
                    exp: now.as_second() + ASSERTION_LIFETIME_SECS,
                };
                let assertion = jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, key)
                    .map_err(|e| CrmError::Config(format!("cannot sign the JWT assertion: {e}")))?;
                Ok(vec![
                    ("grant_type", JWT_BEARER.to_owned()),
                    ("assertion", assertion),
                ])
            }
            Self::ClientCredentials {
                client_id,
                client_secret,
            } => Ok(vec![
                ("grant_type", "client_credentials".to_owned()),
                ("client_id", client_id.clone()),
                ("client_secret", client_secret.clone()),
            ]),
        }
    }
}

fn require(value: &str, what: &str) -> Result<(), CrmError> {
    if value.trim().is_empty() {
        Err(CrmError::Config(format!("{what} is empty")))
    } else {
        Ok(())
    }
}
