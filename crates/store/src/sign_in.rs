//! How an org's people sign in (its `SignInSet` settings, projected on the
//! org's row), and single sign-on attempts in flight through the identity
//! provider, each usable once.

use baton_domain::{OrgId, SignIn, TeamKey, Timestamp};

use crate::sql_args::Arg;
use crate::tx::Tx;
use crate::{Store, StoreError, micros};

/// What the callback of a sign-in needs, as its start stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcAttempt {
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier.
    pub verifier: String,
    /// Where to go once signed in (a path on this site).
    pub next: String,
}

impl Store {
    /// The org's sign-in settings (the defaults for an org that never set
    /// any: passwords on, no one new by SSO).
    pub async fn sign_in(&self, org: &OrgId) -> Result<SignIn, StoreError> {
        let row = self
            .row(
                "SELECT password_login, sso_team, sso_domains FROM orgs WHERE org_id = $1",
                &[org.to_string().into()],
                |r| Ok((r.int(0)?, r.opt_text(1)?, r.text(2)?)),
            )
            .await?;
        let Some((password, team, domains)) = row else {
            return Ok(SignIn::default());
        };
        Ok(SignIn {
            password: password != 0,
            sso_team: team
                .map(|t| TeamKey::parse(&t).map_err(|e| StoreError::corrupt("sso team", e)))
                .transpose()?,
            sso_domains: serde_json::from_str(&domains)
                .map_err(|e| StoreError::corrupt("sso domains", e))?,
        })
    }

    /// Records a sign-in on its way to the identity provider, by the
    /// SHA-256 of its state; sweeps those older than `expired_before`.
    pub async fn put_oidc_attempt(
        &self,
        state_hash: &str,
        attempt: &OidcAttempt,
        now: Timestamp,
        expired_before: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let mut t = Tx::Any(&mut tx);
        t.exec(
            "DELETE FROM oidc_logins WHERE created_at < $1",
            &[micros(expired_before).into()],
        )
        .await?;
        t.exec(
            "INSERT INTO oidc_logins (state_hash, nonce, verifier, next, created_at) VALUES ($1, $2, $3, $4, $5)",
            &[
                Arg::from(state_hash),
                Arg::from(&attempt.nonce),
                Arg::from(&attempt.verifier),
                Arg::from(&attempt.next),
                micros(now).into(),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes (and so ends) the sign-in with this state's hash, if it exists
    /// and started at or after `not_before`: a state works once.
    pub async fn take_oidc_attempt(
        &self,
        state_hash: &str,
        not_before: Timestamp,
    ) -> Result<Option<OidcAttempt>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut t = Tx::Any(&mut tx);
        let found = t
            .row(
                "SELECT nonce, verifier, next, created_at FROM oidc_logins WHERE state_hash = $1",
                &[Arg::from(state_hash)],
                |r| {
                    Ok((
                        OidcAttempt {
                            nonce: r.text(0)?,
                            verifier: r.text(1)?,
                            next: r.text(2)?,
                        },
                        r.int(3)?,
                    ))
                },
            )
            .await?;
        t.exec(
            "DELETE FROM oidc_logins WHERE state_hash = $1",
            &[Arg::from(state_hash)],
        )
        .await?;
        tx.commit().await?;
        Ok(found
            .filter(|(_, at)| *at >= micros(not_before))
            .map(|(a, _)| a))
    }
}

/// A one-time link to set a password, as stored (its secret only hashed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordLink {
    /// The org.
    pub org: OrgId,
    /// Whose password it sets.
    pub email: baton_domain::Email,
    /// `invite` or `reset`.
    pub purpose: String,
}

impl Store {
    /// Records a one-time password link by the digest of its secret; a
    /// person's earlier unused links of the same org stop working.
    pub async fn put_password_link(
        &self,
        hash: &str,
        link: &PasswordLink,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let mut t = Tx::Any(&mut tx);
        t.exec(
            "DELETE FROM password_links WHERE (org_id = $1 AND email = $2) OR expires_at < $3",
            &[
                link.org.to_string().into(),
                link.email.to_string().into(),
                micros(now).into(),
            ],
        )
        .await?;
        t.exec(
            "INSERT INTO password_links (hash, org_id, email, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                Arg::from(hash),
                link.org.to_string().into(),
                link.email.to_string().into(),
                Arg::from(&link.purpose),
                micros(now).into(),
                micros(expires_at).into(),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live link with this digest, without using it up.
    pub async fn password_link(
        &self,
        hash: &str,
        now: Timestamp,
    ) -> Result<Option<PasswordLink>, StoreError> {
        let row = self
            .row(
                "SELECT org_id, email, purpose FROM password_links WHERE hash = $1 AND expires_at > $2",
                &[Arg::from(hash), micros(now).into()],
                |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)),
            )
            .await?;
        row.map(|(o, e, purpose)| {
            Ok(PasswordLink {
                org: OrgId::parse(&o).map_err(|e| StoreError::corrupt("org id", e))?,
                email: baton_domain::Email::parse(&e)
                    .map_err(|e| StoreError::corrupt("email", e))?,
                purpose,
            })
        })
        .transpose()
    }

    /// Uses up the link with this digest: true when it was live (and is now
    /// gone), false when someone used it first or it expired.
    pub async fn take_password_link(&self, hash: &str, now: Timestamp) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = Tx::Any(&mut tx)
            .exec(
                "DELETE FROM password_links WHERE hash = $1 AND expires_at > $2",
                &[Arg::from(hash), micros(now).into()],
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }
}
