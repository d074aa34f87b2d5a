//! Single sign-on with OpenID Connect (SPEC §12): the authorization code
//! flow with PKCE (S256), a state that works once and is bound to the
//! browser, a nonce, and the ID token's signature (the provider's published
//! keys) and claims (issuer, audience, expiry, nonce, a verified email)
//! checked before anyone is signed in. People are matched by verified email
//! within the one org that address belongs to; an org may let new people of
//! its email domains join one team on their first sign-in.

use std::sync::Arc;

use base64::Engine as _;
use baton_domain::event::{Stream, Via};
use baton_domain::{Email, OrgId, SignIn};
use baton_store::{Change, OidcAttempt};
use jiff::SignedDuration;
use jsonwebtoken::jwk::JwkSet;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use tokio::sync::RwLock;

use crate::access::{NewSession, digest};
use crate::{App, AppError, Caller};

/// How long a sign-in may take at the identity provider.
pub const ATTEMPT_TTL: SignedDuration = SignedDuration::from_mins(10);

/// Clock skew tolerated on the ID token's expiry.
const LEEWAY_SECS: i64 = 60;

/// The identity provider Baton trusts.
#[derive(Clone)]
pub struct OidcConfig {
    /// The issuer URL (discovery is at `{issuer}/.well-known/openid-configuration`).
    pub issuer: String,
    /// Baton's client id there.
    pub client_id: String,
    /// Baton's client secret there.
    pub client_secret: String,
}

/// What the provider's discovery document says, the part Baton uses.
#[derive(Debug, Clone, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
}

/// The provider, as configured, with what was learnt of it.
pub(crate) struct Oidc {
    config: OidcConfig,
    http: reqwest::Client,
    discovery: RwLock<Option<Discovery>>,
    keys: RwLock<Option<JwkSet>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the client secret.
        f.debug_struct("Oidc")
            .field("issuer", &self.config.issuer)
            .field("client_id", &self.config.client_id)
            .finish_non_exhaustive()
    }
}

/// Why a sign-in through the provider was refused, in words for the page.
fn refused(why: impl Into<String>) -> AppError {
    AppError::Unauthenticated(why.into())
}

/// The ID token's claims Baton reads (also the shape of the userinfo
/// answer, where `exp` is absent).
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    /// The person's id at the provider.
    pub sub: String,
    #[serde(default)]
    email: Option<String>,
    /// Some providers send it as a string.
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    /// Microsoft Entra ID's optional claim that the email's domain is
    /// verified by the tenant (Entra sends no `email_verified`).
    #[serde(default)]
    xms_edov: Option<serde_json::Value>,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    exp: i64,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn random() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    b64(&bytes)
}

/// `application/x-www-form-urlencoded` for one value.
fn form_encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char);
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", form_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Where a sign-in goes next: the provider's page, and the state the
/// browser keeps (in a cookie) to prove at the callback that it started it.
#[derive(Debug, Clone)]
pub struct OidcStart {
    /// The provider's authorization URL.
    pub url: String,
    /// The state, for the browser's cookie.
    pub state: String,
}

impl Oidc {
    pub(crate) fn new(config: OidcConfig, timeout: std::time::Duration) -> Result<Self, AppError> {
        if !(config.issuer.starts_with("https://") || config.issuer.starts_with("http://")) {
            return Err(AppError::Invalid(format!(
                "the OIDC issuer '{}' must be an http(s) URL",
                config.issuer
            )));
        }
        if config.client_id.trim().is_empty() {
            return Err(AppError::Invalid("the OIDC client id is empty".into()));
        }
        // No redirects: a provider's endpoints answer directly, and
        // following one could be steered elsewhere (SSRF).
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Baton/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AppError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            config,
            http,
            discovery: RwLock::new(None),
            keys: RwLock::new(None),
        })
    }

    async fn discovery(&self) -> Result<Discovery, AppError> {
        if let Some(d) = self.discovery.read().await.clone() {
            return Ok(d);
        }
        let issuer = self.config.issuer.trim_end_matches('/');
        let url = format!("{issuer}/.well-known/openid-configuration");
        let d: Discovery = self.get_json(&url).await.map_err(|e| {
            AppError::Upstream(format!(
                "the identity provider's discovery document ({url}): {e}"
            ))
        })?;
        if d.issuer.trim_end_matches('/') != issuer {
            return Err(AppError::Upstream(format!(
                "the identity provider at {url} calls itself '{}', not '{issuer}'",
                d.issuer
            )));
        }
        *self.discovery.write().await = Some(d.clone());
        Ok(d)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, String> {
        let res = self.http.get(url).send().await.map_err(|e| e.to_string())?;
        if !res.status().is_success() {
            return Err(format!("HTTP {}", res.status().as_u16()));
        }
        res.json().await.map_err(|e| e.to_string())
    }

    /// The provider's signing keys; fetched again once when a token names
    /// a key not among them (the provider rotated its keys).
    async fn key(&self, kid: Option<&str>) -> Result<jsonwebtoken::DecodingKey, AppError> {
        for fresh in [false, true] {
            if fresh || self.keys.read().await.is_none() {
                let d = self.discovery().await?;
                let set: JwkSet = self.get_json(&d.jwks_uri).await.map_err(|e| {
                    AppError::Upstream(format!(
                        "the identity provider's keys ({}): {e}",
                        d.jwks_uri
                    ))
                })?;
                *self.keys.write().await = Some(set);
            }
            let keys = self.keys.read().await;
            let found = keys.as_ref().and_then(|set| match kid {
                Some(k) => set.find(k).cloned(),
                None => set.keys.first().cloned(),
            });
            if let Some(jwk) = found {
                return jsonwebtoken::DecodingKey::from_jwk(&jwk).map_err(|e| {
                    refused(format!("the identity provider's key is not usable: {e}"))
                });
            }
        }
        Err(refused(
            "the ID token is signed with a key the identity provider does not publish",
        ))
    }
}

impl App {
    /// The same app, offering sign-in through `config`'s identity provider.
    pub fn with_oidc(mut self, config: OidcConfig) -> Result<Self, AppError> {
        self.oidc = Some(Arc::new(Oidc::new(config, self.webhook_policy.timeout)?));
        Ok(self)
    }

    /// Whether sign-in through an identity provider is configured.
    pub fn sso_enabled(&self) -> bool {
        self.oidc.is_some()
    }

    fn oidc(&self) -> Result<&Oidc, AppError> {
        self.oidc
            .as_deref()
            .ok_or_else(|| AppError::NotFound("single sign-on (not configured here)".into()))
    }

    /// Baton's address as people reach it.
    pub fn public_url(&self) -> &str {
        self.crm.public_url.trim_end_matches('/')
    }

    fn redirect_uri(&self) -> String {
        format!("{}/auth/oidc/callback", self.public_url())
    }

    /// Starts a sign-in: a fresh state, nonce and PKCE verifier, kept for
    /// [`ATTEMPT_TTL`]; the answer says where to send the browser.
    pub async fn oidc_begin(&self, next: &str) -> Result<OidcStart, AppError> {
        let oidc = self.oidc()?;
        let d = oidc.discovery().await?;
        let (state, nonce, verifier) = (random(), random(), random());
        let now = self.now();
        self.store
            .put_oidc_attempt(
                &digest(&state),
                &OidcAttempt {
                    nonce: nonce.clone(),
                    verifier: verifier.clone(),
                    next: next.to_string(),
                },
                now,
                now - ATTEMPT_TTL,
            )
            .await?;
        let challenge = b64(&Sha256::digest(verifier.as_bytes()));
        let redirect = self.redirect_uri();
        let sep = if d.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        let url = format!(
            "{}{sep}{}",
            d.authorization_endpoint,
            query(&[
                ("response_type", "code"),
                ("client_id", &oidc.config.client_id),
                ("redirect_uri", &redirect),
                ("scope", "openid email profile"),
                ("state", &state),
                ("nonce", &nonce),
                ("code_challenge", &challenge),
                ("code_challenge_method", "S256"),
            ])
        );
        Ok(OidcStart { url, state })
    }

    /// Finishes a sign-in at the callback: the state must be the one this
    /// browser started (`cookie_state`) and unused; the code is exchanged
    /// with the PKCE verifier; the ID token's signature and claims are
    /// checked; the verified email is matched to its org's person (or a new
    /// one joins, where the org allows it). Returns the session and where
    /// to go. Every refusal is `Unauthenticated`, saying why.
    pub async fn oidc_finish(
        &self,
        state: &str,
        cookie_state: Option<&str>,
        code: &str,
    ) -> Result<(NewSession, String), AppError> {
        let oidc = self.oidc()?;
        if cookie_state != Some(state) {
            return Err(refused(
                "this sign-in was not started in this browser (the state does not match); start again",
            ));
        }
        let now = self.now();
        let attempt = self
            .store
            .take_oidc_attempt(&digest(state), now - ATTEMPT_TTL)
            .await?
            .ok_or_else(|| refused("this sign-in was already used or has expired; start again"))?;
        let d = oidc.discovery().await?;
        let body = query(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.redirect_uri()),
            ("code_verifier", &attempt.verifier),
        ]);
        let res = oidc
            .http
            .post(&d.token_endpoint)
            .basic_auth(
                form_encode(&oidc.config.client_id),
                Some(form_encode(&oidc.config.client_secret)),
            )
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| {
                AppError::Upstream(format!("the identity provider's token endpoint: {e}"))
            })?;
        let status = res.status();
        let answer: serde_json::Value = res.json().await.unwrap_or_default();
        if !status.is_success() {
            let why = answer["error"].as_str().unwrap_or("no reason given");
            return Err(refused(format!(
                "the identity provider refused the sign-in code ({why}); start again"
            )));
        }
        let token = answer["id_token"]
            .as_str()
            .ok_or_else(|| refused("the identity provider sent no ID token"))?;
        let mut claims = self.check_id_token(token, &attempt.nonce).await?;
        if claims.email.is_none() {
            // Many providers keep the email for the userinfo endpoint.
            claims = self.userinfo(oidc, &d, &answer, claims).await?;
        }
        let email = verified_email(&claims)?;
        let org = self.sso_org(&email, claims.name.as_deref()).await?;
        let session = self.open_session(org, email).await?;
        Ok((session, attempt.next))
    }

    /// Checks an ID token as the callback does (signature by the
    /// provider's published keys, issuer, audience, expiry, `nonce`) and
    /// returns its verified email and name.
    pub async fn check_id_token(&self, token: &str, nonce: &str) -> Result<Claims, AppError> {
        let oidc = self.oidc()?;
        let d = oidc.discovery().await?;
        self.verify_id_token(oidc, &d, token, nonce).await
    }

    /// The person's claims from the userinfo endpoint, with the access
    /// token the token endpoint gave; they must be about the ID token's
    /// subject.
    async fn userinfo(
        &self,
        oidc: &Oidc,
        d: &Discovery,
        answer: &serde_json::Value,
        id: Claims,
    ) -> Result<Claims, AppError> {
        let (Some(url), Some(access)) = (&d.userinfo_endpoint, answer["access_token"].as_str())
        else {
            return Ok(id);
        };
        let res = oidc
            .http
            .get(url)
            .bearer_auth(access)
            .send()
            .await
            .map_err(|e| {
                AppError::Upstream(format!("the identity provider's userinfo endpoint: {e}"))
            })?;
        if !res.status().is_success() {
            return Err(AppError::Upstream(format!(
                "the identity provider's userinfo endpoint answered HTTP {}",
                res.status().as_u16()
            )));
        }
        let info: Claims = res.json().await.map_err(|e| {
            AppError::Upstream(format!("the identity provider's userinfo answer: {e}"))
        })?;
        if info.sub != id.sub {
            return Err(refused(
                "the identity provider's userinfo is about someone else than the ID token",
            ));
        }
        Ok(Claims {
            exp: id.exp,
            nonce: id.nonce,
            ..info
        })
    }

    async fn verify_id_token(
        &self,
        oidc: &Oidc,
        d: &Discovery,
        token: &str,
        nonce: &str,
    ) -> Result<Claims, AppError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| refused(format!("the ID token is malformed: {e}")))?;
        use jsonwebtoken::Algorithm as A;
        if !matches!(
            header.alg,
            A::RS256
                | A::RS384
                | A::RS512
                | A::PS256
                | A::PS384
                | A::PS512
                | A::ES256
                | A::ES384
                | A::EdDSA
        ) {
            return Err(refused(format!(
                "the ID token is signed with {:?}, which Baton does not accept",
                header.alg
            )));
        }
        let key = oidc.key(header.kid.as_deref()).await?;
        let mut v = jsonwebtoken::Validation::new(header.alg);
        v.set_issuer(&[&d.issuer]);
        v.set_audience(&[&oidc.config.client_id]);
        // Expiry against Baton's clock (below), not the library's.
        v.validate_exp = false;
        v.set_required_spec_claims(&["iss", "aud", "exp", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &key, &v).map_err(|e| {
            refused(format!(
                "the ID token does not check out ({e}); start again"
            ))
        })?;
        let claims = data.claims;
        if claims.exp + LEEWAY_SECS < self.now().as_second() {
            return Err(refused("the ID token has expired; start again"));
        }
        if claims.nonce.as_deref() != Some(nonce) {
            return Err(refused(
                "the ID token was not issued for this sign-in (nonce); start again",
            ));
        }
        Ok(claims)
    }

    /// The org a verified email signs in to: the one it belongs to, or one
    /// that lets people of its domain join (who then join it now).
    async fn sso_org(&self, email: &Email, name: Option<&str>) -> Result<OrgId, AppError> {
        if let Some(org) = self.store.login_org(email).await? {
            let user = self.store.user(&org, email).await?;
            return match user {
                Some(u) if u.active => Ok(org),
                Some(_) => Err(refused(format!(
                    "'{email}' is deactivated in this org; ask an admin"
                ))),
                // A login without a user: taken by an org, never completed.
                None => Err(refused(format!(
                    "'{email}' has no account here; ask an admin"
                ))),
            };
        }
        for (org, _) in self.store.orgs().await? {
            let sign_in = self.store.sign_in(&org).await?;
            if let Some(team) = sign_in.joins(email) {
                self.join_by_sso(&org, email, name, team.clone()).await?;
                return Ok(org);
            }
        }
        Err(refused(format!(
            "'{email}' has no account here; ask an admin to add you"
        )))
    }

    async fn join_by_sso(
        &self,
        org: &OrgId,
        email: &Email,
        name: Option<&str>,
        team: baton_domain::TeamKey,
    ) -> Result<(), AppError> {
        let mut dir = self.store.directory(org).await?;
        let at = self.now();
        let events = dir.join_by_sso(email, name, team, at)?;
        let mut change = Change::default();
        change.org(&mut dir, events, Via::Ui, at);
        self.store.commit(org, &change).await?;
        Ok(())
    }

    /// The org's sign-in settings.
    pub async fn sign_in_settings(&self, caller: &Caller) -> Result<SignIn, AppError> {
        self.actor(caller).await?;
        Ok(self.store.sign_in(&caller.org).await?)
    }

    /// Sets how the org's people sign in (admins only).
    pub async fn set_sign_in(&self, caller: &Caller, sign_in: SignIn) -> Result<SignIn, AppError> {
        let stream = Stream::Org.to_string();
        self.retrying(&caller.org, &stream, || async {
            let actor = self.actor(caller).await?;
            let mut dir = self.store.directory(&caller.org).await?;
            let at = self.now();
            let e = dir.set_sign_in(&actor, self.sso_enabled(), sign_in.clone(), at)?;
            let mut change = Change::default();
            change.org(&mut dir, [e], caller.via, at);
            self.store.commit(&caller.org, &change).await?;
            Ok(())
        })
        .await?;
        Ok(self.store.sign_in(&caller.org).await?)
    }
}

/// The token's email, if the provider says it verified it.
fn verified_email(c: &Claims) -> Result<Email, AppError> {
    let raw = c
        .email
        .as_deref()
        .ok_or_else(|| refused("the identity provider sent no email for this person"))?;
    let truthy = |v: &Option<serde_json::Value>| match v {
        Some(serde_json::Value::Bool(b)) => Some(*b),
        Some(serde_json::Value::String(s)) => Some(s == "true"),
        _ => None,
    };
    // `email_verified` decides when present; Entra ID sends `xms_edov`
    // instead.
    let verified = truthy(&c.email_verified)
        .or_else(|| truthy(&c.xms_edov))
        .unwrap_or(false);
    if !verified {
        return Err(refused(format!(
            "the identity provider has not verified '{raw}'; Baton signs in only verified addresses"
        )));
    }
    Email::parse(raw.trim().to_ascii_lowercase()).map_err(|e| {
        refused(format!(
            "the identity provider's email '{raw}' is not usable: {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pkce_challenge_is_rfc_7636s() {
        // RFC 7636, appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            b64(&Sha256::digest(verifier.as_bytes())),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn form_values_are_percent_encoded() {
        assert_eq!(form_encode("a b+c/é"), "a%20b%2Bc%2F%C3%A9");
    }

    #[test]
    fn only_a_verified_email_signs_in() {
        let c = |v: Option<serde_json::Value>| Claims {
            sub: "s".into(),
            email: Some("Ae1@Acme.test".into()),
            email_verified: v,
            xms_edov: None,
            nonce: None,
            name: None,
            exp: 0,
        };
        assert!(verified_email(&c(None)).is_err());
        assert!(verified_email(&c(Some(serde_json::json!(false)))).is_err());
        assert_eq!(
            verified_email(&c(Some(serde_json::json!("true"))))
                .map(|e| e.to_string())
                .ok()
                .as_deref(),
            Some("ae1@acme.test")
        );
        // Entra ID: no email_verified, the domain verified by the tenant.
        let entra = |edov| Claims {
            xms_edov: Some(serde_json::json!(edov)),
            ..c(None)
        };
        assert!(verified_email(&entra(true)).is_ok());
        assert!(verified_email(&entra(false)).is_err());
        // email_verified false is not overridden.
        let both = Claims {
            xms_edov: Some(serde_json::json!(true)),
            ..c(Some(serde_json::json!(false)))
        };
        assert!(verified_email(&both).is_err());
    }
}
