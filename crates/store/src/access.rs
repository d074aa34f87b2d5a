//! Sign-in records: which org an email signs in to, browser sessions and API
//! tokens. They are access state, not history, so they live beside the event
//! log rather than in it; only SHA-256 digests of secrets are stored.

use baton_domain::{Email, OrgId, Timestamp};

use crate::sql_args::Arg;
use crate::{Store, StoreError, from_micros, micros};

/// An API token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Its id.
    pub id: String,
    /// Whose it is.
    pub email: Email,
    /// What its owner called it.
    pub name: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// Reads only (GET), never writes.
    pub read_only: bool,
    /// When it was last used (to within ten minutes), if ever.
    pub last_used_at: Option<Timestamp>,
}

fn email(raw: String) -> Result<Email, StoreError> {
    Email::parse(&raw).map_err(|e| StoreError::corrupt("email", e))
}

impl Store {
    /// The org an email signs in to.
    pub async fn login_org(&self, email: &Email) -> Result<Option<OrgId>, StoreError> {
        let org = self
            .row(
                "SELECT org_id FROM logins WHERE email = $1",
                &[Arg::from(email.to_string())],
                |r| r.text(0),
            )
            .await?;
        org.map(|o| OrgId::parse(&o).map_err(|e| StoreError::corrupt("org id", e)))
            .transpose()
    }

    /// Records a session by the digest of its secret.
    pub async fn create_session(
        &self,
        org: &OrgId,
        hash: &str,
        email: &Email,
        created_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (org_id, hash, email, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(org.to_string())
        .bind(hash.to_string())
        .bind(email.to_string())
        .bind(micros(created_at))
        .bind(micros(expires_at))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The user of a live session (one that has not expired at `now`), and
    /// when it expires.
    pub async fn session_user(
        &self,
        org: &OrgId,
        hash: &str,
        now: Timestamp,
    ) -> Result<Option<(Email, Timestamp)>, StoreError> {
        let who = self
            .row(
                "SELECT email, expires_at FROM sessions WHERE org_id = $1 AND hash = $2 AND expires_at > $3",
                &[
                    Arg::from(org.to_string()),
                    Arg::from(hash),
                    Arg::from(micros(now)),
                ],
                |r| Ok((r.text(0)?, r.int(1)?)),
            )
            .await?;
        who.map(|(e, at)| Ok((email(e)?, from_micros(at)?)))
            .transpose()
    }

    /// Ends a session (and sweeps the org's expired ones while at it).
    pub async fn delete_session(
        &self,
        org: &OrgId,
        hash: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM sessions WHERE org_id = $1 AND (hash = $2 OR expires_at <= $3)")
            .bind(org.to_string())
            .bind(hash.to_string())
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
        bump_access(&mut crate::tx::Tx::Any(&mut tx), org).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that the token with this digest was used at `at`.
    pub async fn touch_token(
        &self,
        org: &OrgId,
        hash: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        crate::tx::Tx::Any(&mut tx)
            .exec(
                "UPDATE api_tokens SET last_used_at = $1 WHERE org_id = $2 AND hash = $3",
                &[micros(at).into(), org.to_string().into(), Arg::from(hash)],
            )
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records an API token by the digest of its secret.
    pub async fn create_token(
        &self,
        org: &OrgId,
        token: &TokenRecord,
        hash: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_tokens (org_id, token_id, hash, email, name, created_at, read_only) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(org.to_string())
        .bind(token.id.clone())
        .bind(hash.to_string())
        .bind(token.email.to_string())
        .bind(token.name.clone())
        .bind(micros(token.created_at))
        .bind(i64::from(token.read_only))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// The owner of a token and whether it is read-only, by the digest of
    /// its secret.
    pub async fn token_user(
        &self,
        org: &OrgId,
        hash: &str,
    ) -> Result<Option<(Email, bool)>, StoreError> {
        let who = self
            .row(
                "SELECT email, read_only FROM api_tokens WHERE org_id = $1 AND hash = $2",
                &[Arg::from(org.to_string()), Arg::from(hash)],
                |r| Ok((r.text(0)?, r.int(1)?)),
            )
            .await?;
        who.map(|(e, r)| Ok((email(e)?, r != 0))).transpose()
    }

    /// The org's tokens, or one user's, oldest first.
    pub async fn tokens(
        &self,
        org: &OrgId,
        owner: Option<&Email>,
    ) -> Result<Vec<TokenRecord>, StoreError> {
        let rows: Vec<(String, String, String, i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT token_id, email, name, created_at, read_only, last_used_at FROM api_tokens
             WHERE org_id = $1 AND ($2 = '' OR email = $2) ORDER BY created_at, token_id",
        )
        .bind(org.to_string())
        .bind(owner.map(ToString::to_string).unwrap_or_default())
        .fetch_all(&self.read)
        .await?;
        rows.into_iter()
            .map(|(id, who, name, at, read_only, used)| {
                Ok(TokenRecord {
                    id,
                    email: email(who)?,
                    name,
                    created_at: from_micros(at)?,
                    read_only: read_only != 0,
                    last_used_at: used.map(from_micros).transpose()?,
                })
            })
            .collect()
    }

    /// Revokes a token; whether it existed.
    pub async fn delete_token(&self, org: &OrgId, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM api_tokens WHERE org_id = $1 AND token_id = $2")
            .bind(org.to_string())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        bump_access(&mut crate::tx::Tx::Any(&mut tx), org).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// The org's access version (see migration 0023): callers resolved at
    /// one version hold until it changes.
    pub async fn access_version(&self, org: &OrgId) -> Result<u64, StoreError> {
        let v = self
            .row(
                "SELECT access_version FROM orgs WHERE org_id = $1",
                &[Arg::from(org.to_string())],
                |r| r.int(0),
            )
            .await?;
        Ok(v.map_or(0, |v| u64::try_from(v).unwrap_or(0)))
    }
}

/// Bumps the org's access version in `tx`: who may do what changed.
pub(crate) async fn bump_access(tx: &mut crate::tx::Tx<'_>, org: &OrgId) -> Result<(), StoreError> {
    tx.exec(
        "UPDATE orgs SET access_version = access_version + 1 WHERE org_id = $1",
        &[org.to_string().into()],
    )
    .await?;
    Ok(())
}
