//! Signing in: password logins into sessions, API tokens, and turning a
//! presented secret back into a [`Caller`]. Secrets are `ORG.RANDOM` (the org
//! scopes every lookup) and only their SHA-256 is stored. Failed logins are
//! limited per email on the app's clock, so the limit is testable without
//! waiting and holds whichever door (UI or API) the attempt came through.

use std::collections::HashMap;
use std::sync::Mutex;

use baton_domain::event::Via;
use baton_domain::{DomainError, Email, OrgId, Timestamp};
use baton_store::TokenRecord;
use jiff::SignedDuration;
use sha2::{Digest, Sha256};

use crate::callers::Resolved;
use crate::{App, AppError, Caller};

/// How long a browser session lives.
pub const SESSION_TTL: SignedDuration = SignedDuration::from_hours(12);

/// Failed sign-ins allowed per email within [`LOCKOUT_WINDOW`].
pub const MAX_FAILED_LOGINS: u32 = 5;

/// The window failed sign-ins are counted in, and the lockout after.
pub const LOCKOUT_WINDOW: SignedDuration = SignedDuration::from_mins(15);

/// The one message for every failed sign-in: it never says whether the
/// email exists.
const BAD_LOGIN: &str = "the email or password is wrong";

/// A new session: the secret goes into a cookie, only its digest is stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Who signed in, where.
    pub caller: Caller,
    /// The cookie value.
    pub secret: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// Failed sign-ins per email: (count, window start).
#[derive(Debug, Default)]
pub struct LoginLimiter(Mutex<HashMap<String, (u32, Timestamp)>>);

impl LoginLimiter {
    /// Seconds left of a lockout, if `email` is locked out at `now`.
    fn locked(&self, email: &str, now: Timestamp) -> Option<u64> {
        let map = self.0.lock().ok()?;
        let (count, since) = map.get(email)?;
        let until = since.checked_add(LOCKOUT_WINDOW).ok()?;
        (*count >= MAX_FAILED_LOGINS && now < until)
            .then(|| until.duration_since(now).as_secs().max(1) as u64)
    }

    fn failed(&self, email: &str, now: Timestamp) {
        if let Ok(mut map) = self.0.lock() {
            let e = map.entry(email.to_string()).or_insert((0, now));
            if e.1.checked_add(LOCKOUT_WINDOW).is_ok_and(|end| now >= end) {
                *e = (0, now);
            }
            e.0 += 1;
        }
    }

    fn succeeded(&self, email: &str) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(email);
        }
    }
}

/// A fresh secret for `org`: the org id, a dot, 32 random bytes in hex.
/// How finely a token's last use is recorded.
pub const TOKEN_USE_GRAIN: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);

fn new_secret(org: &OrgId) -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    format!("{org}.{}", hex(&bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// The stored form of a secret.
pub(crate) fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// The org a secret names, if it is shaped like one of ours.
fn secret_org(secret: &str) -> Option<OrgId> {
    let (org, rest) = secret.split_once('.')?;
    if rest.len() != 64 || !rest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    OrgId::parse(org).ok()
}

impl App {
    /// Signs in with email and password. Every failure is the same
    /// `Unauthenticated`; after [`MAX_FAILED_LOGINS`] failures the email is
    /// locked out for [`LOCKOUT_WINDOW`], whatever the password.
    #[tracing::instrument(skip_all)]
    pub async fn login(&self, email: &str, password: &str) -> Result<NewSession, AppError> {
        let now = self.now();
        let key = email.trim().to_ascii_lowercase();
        if let Some(wait) = self.logins.locked(&key, now) {
            return Err(AppError::RateLimited(wait));
        }
        let fail = || {
            self.logins.failed(&key, now);
            AppError::Unauthenticated(BAD_LOGIN.into())
        };
        let Ok(email) = Email::parse(email.trim()) else {
            return Err(fail());
        };
        let Some(org) = self.store.login_org(&email).await? else {
            // As slow as a wrong password, so timing does not tell.
            crate::password::verify_nothing(password.to_string()).await;
            return Err(fail());
        };
        if !self.check_password(&org, &email, password).await? {
            return Err(fail());
        }
        if !self.store.sign_in(&org).await?.password {
            return Err(AppError::Unauthenticated(
                "this org signs in with single sign-on only: use \"Sign in with SSO\"".into(),
            ));
        }
        self.logins.succeeded(&key);
        self.open_session(org, email).await
    }

    /// A new browser session for someone whose identity was just proven.
    pub(crate) async fn open_session(
        &self,
        org: OrgId,
        email: Email,
    ) -> Result<NewSession, AppError> {
        let now = self.now();
        let secret = new_secret(&org);
        let expires_at = now
            .checked_add(SESSION_TTL)
            .map_err(|e| AppError::Invalid(e.to_string()))?;
        self.store
            .create_session(&org, &digest(&secret), &email, now, expires_at)
            .await?;
        Ok(NewSession {
            caller: Caller::new(org, email, Via::Ui),
            secret,
            expires_at,
        })
    }

    /// Ends the session whose cookie value is `secret` (unknown ones too:
    /// signing out always succeeds).
    pub async fn logout(&self, secret: &str) -> Result<(), AppError> {
        if let Some(org) = secret_org(secret) {
            let digest = digest(secret);
            self.store.delete_session(&org, &digest, self.now()).await?;
            self.callers.forget_secret(&digest);
        }
        Ok(())
    }

    /// The caller behind a session cookie.
    pub async fn session_caller(&self, secret: &str) -> Result<Option<Caller>, AppError> {
        let Some(org) = secret_org(secret) else {
            return Ok(None);
        };
        let digest = digest(secret);
        let now = self.now();
        let version = self.store.access_version(&org).await?;
        if let Some(r) = self.callers.secret(&digest, version, now) {
            return Ok(Some(Caller::new(r.org, r.email, Via::Ui)));
        }
        let Some((email, expires_at)) = self.store.session_user(&org, &digest, now).await? else {
            return Ok(None);
        };
        let r = self.remember(digest, version, org, email, false, Some(expires_at));
        Ok(Some(Caller::new(r.org, r.email, Via::Ui)))
    }

    /// The caller behind a bearer token, and whether the token is read-only.
    pub async fn token_caller(&self, secret: &str) -> Result<Option<(Caller, bool)>, AppError> {
        let Some(org) = secret_org(secret) else {
            return Ok(None);
        };
        let digest = digest(secret);
        let version = self.store.access_version(&org).await?;
        if let Some(r) = self.callers.secret(&digest, version, self.now()) {
            self.note_token_use(&org, &digest).await?;
            return Ok(Some((Caller::new(r.org, r.email, Via::Api), r.read_only)));
        }
        let Some((email, read_only)) = self.store.token_user(&org, &digest).await? else {
            return Ok(None);
        };
        self.note_token_use(&org, &digest).await?;
        let r = self.remember(digest, version, org, email, read_only, None);
        Ok(Some((Caller::new(r.org, r.email, Via::Api), read_only)))
    }

    /// Keeps what a secret resolved to at `version` for the next request.
    fn remember(
        &self,
        digest: String,
        version: u64,
        org: OrgId,
        email: Email,
        read_only: bool,
        expires_at: Option<Timestamp>,
    ) -> Resolved {
        let r = Resolved {
            version,
            org,
            email,
            read_only,
            expires_at,
        };
        self.callers.put_secret(digest, r.clone());
        r
    }

    /// Makes an API token for the caller; the secret is returned once and
    /// never stored.
    #[tracing::instrument(skip_all)]
    pub async fn create_token(
        &self,
        caller: &Caller,
        name: &str,
    ) -> Result<(TokenRecord, String), AppError> {
        self.create_scoped_token(caller, name, false).await
    }

    /// Makes an API token that may only read (`read_only`) or also write,
    /// always within its owner's rights; the secret is returned once.
    pub async fn create_scoped_token(
        &self,
        caller: &Caller,
        name: &str,
        read_only: bool,
    ) -> Result<(TokenRecord, String), AppError> {
        self.actor(caller).await?;
        let name = name.trim();
        if !baton_domain::id::has_words(name) || name.chars().count() > 100 {
            return Err(
                DomainError::value("name", "give the token a name of 1 to 100 characters").into(),
            );
        }
        let secret = new_secret(&caller.org);
        let token = TokenRecord {
            id: uuid::Uuid::now_v7().to_string(),
            email: caller.email.clone(),
            name: name.to_string(),
            created_at: self.now(),
            read_only,
            last_used_at: None,
        };
        self.store
            .create_token(&caller.org, &token, &digest(&secret))
            .await?;
        Ok((token, secret))
    }

    /// Records a token's use, at most once per [`TOKEN_USE_GRAIN`] per token
    /// in this process: a busy token costs no write per request.
    async fn note_token_use(&self, org: &OrgId, digest: &str) -> Result<(), AppError> {
        let now = self.now();
        {
            let mut seen = self.token_uses.lock().unwrap_or_else(|p| p.into_inner());
            if seen
                .get(digest)
                .is_some_and(|at| *at > now - TOKEN_USE_GRAIN)
            {
                return Ok(());
            }
            if seen.len() >= 10_000 {
                seen.clear();
            }
            seen.insert(digest.to_string(), now);
        }
        // Best effort: a request is never refused for want of this record.
        if let Err(e) = self.store.touch_token(org, digest, now).await {
            tracing::warn!(error = %e, "could not record a token's use");
        }
        Ok(())
    }

    /// The caller's tokens (an admin sees the whole org's).
    pub async fn tokens(&self, caller: &Caller) -> Result<Vec<TokenRecord>, AppError> {
        let actor = self.actor(caller).await?;
        let owner = (!actor.admin).then_some(&caller.email);
        Ok(self.store.tokens(&caller.org, owner).await?)
    }

    /// Revokes a token: the owner's own, or any as admin. Another person's
    /// token is "not found" to a non-admin, so ids reveal nothing.
    pub async fn revoke_token(&self, caller: &Caller, id: &str) -> Result<(), AppError> {
        let mine = self.tokens(caller).await?;
        if !mine.iter().any(|t| t.id == id) {
            return Err(AppError::NotFound(format!("token '{id}'")));
        }
        self.store.delete_token(&caller.org, id).await?;
        Ok(())
    }
}

impl App {
    /// Sets a user's password: their own, or anyone's in the org as admin.
    #[tracing::instrument(skip_all)]
    pub async fn set_password(
        &self,
        caller: &Caller,
        email: &Email,
        password: &str,
    ) -> Result<(), AppError> {
        let actor = self.actor(caller).await?;
        if !actor.admin && actor.email != *email {
            return Err(DomainError::Forbidden(
                "only an admin sets another person's password".into(),
            )
            .into());
        }
        let dir = self.store.directory(&caller.org).await?;
        if !dir.users.contains_key(email) {
            return Err(AppError::NotFound(format!("user '{email}'")));
        }
        let hash = crate::password::hash(password.to_string(), email).await?;
        let mut change = baton_store::Change::default();
        change.credentials.push((email.clone(), hash));
        self.store.commit(&caller.org, &change).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn five_failures_lock_an_email_out_for_the_window_then_it_opens() {
        let l = LoginLimiter::default();
        let start = t("2026-11-01T09:00:00Z");
        for _ in 0..MAX_FAILED_LOGINS {
            assert_eq!(l.locked("a@b.test", start), None);
            l.failed("a@b.test", start);
        }
        assert_eq!(l.locked("a@b.test", start), Some(15 * 60));
        assert_eq!(l.locked("other@b.test", start), None, "per email");
        assert_eq!(l.locked("a@b.test", t("2026-11-01T09:15:00Z")), None);
    }

    #[test]
    fn a_success_clears_the_count() {
        let l = LoginLimiter::default();
        let now = t("2026-11-01T09:00:00Z");
        for _ in 0..MAX_FAILED_LOGINS - 1 {
            l.failed("a@b.test", now);
        }
        l.succeeded("a@b.test");
        l.failed("a@b.test", now);
        assert_eq!(l.locked("a@b.test", now), None);
    }

    #[test]
    fn secrets_name_their_org_and_only_well_formed_ones_parse() {
        let org = OrgId::parse("acme").unwrap_or_else(|_| unreachable!());
        let s = new_secret(&org);
        assert_eq!(secret_org(&s), Some(org));
        assert_eq!(secret_org("acme.short"), None);
        assert_eq!(secret_org("no-dot"), None);
        assert_ne!(digest(&s), s);
        assert_eq!(digest(&s).len(), 64);
    }
}
