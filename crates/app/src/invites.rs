//! One-time links to set a password: an invitation for someone an admin
//! added, or a reset an admin sent. The link is mailed at once (never
//! queued: it holds a secret, and only its SHA-256 is stored); it works
//! once, until it expires, and signs the person in.

use baton_domain::{DomainError, Email, Timestamp};
use baton_store::PasswordLink;
use jiff::SignedDuration;

use crate::access::{NewSession, digest, hex};
use crate::notice::Notice;
use crate::{App, AppError, Caller};

/// How long an invitation works.
pub const INVITE_TTL: SignedDuration = SignedDuration::from_hours(7 * 24);

/// How long a password reset works.
pub const RESET_TTL: SignedDuration = SignedDuration::from_hours(24);

/// A link an admin sent.
#[derive(Debug, Clone)]
pub struct LinkSent {
    /// `invite` (they never had a password) or `reset`.
    pub purpose: &'static str,
    /// Whether it went out by mail.
    pub mailed: bool,
    /// The link itself, only when it could not be mailed (this Baton sends
    /// no mail): the admin passes it on.
    pub link: Option<String>,
    /// Until when it works.
    pub expires_at: Timestamp,
}

/// What a live link is for, to show its form.
#[derive(Debug, Clone)]
pub struct LinkFor {
    /// Whose password it sets.
    pub email: Email,
    /// `invite` or `reset`.
    pub purpose: String,
}

fn new_link_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    hex(&bytes)
}

impl App {
    /// Sends `email` a one-time link to set their password (admins only):
    /// an invitation when they have none, a reset otherwise. Their earlier
    /// unused links stop working.
    pub async fn send_password_link(
        &self,
        caller: &Caller,
        email: &Email,
    ) -> Result<LinkSent, AppError> {
        self.actor(caller)
            .await?
            .require_admin("send password links")?;
        let user = self
            .store
            .user(&caller.org, email)
            .await?
            .ok_or_else(|| AppError::NotFound("a user of that email in your org".into()))?;
        if !user.active {
            return Err(DomainError::Rule(format!(
                "'{email}' is deactivated; reactivate them first"
            ))
            .into());
        }
        let has_password = self
            .store
            .password_hash(&caller.org, email)
            .await?
            .is_some();
        let (purpose, ttl) = if has_password {
            ("reset", RESET_TTL)
        } else {
            ("invite", INVITE_TTL)
        };
        let secret = new_link_secret();
        let now = self.now();
        let expires_at = now + ttl;
        self.store
            .put_password_link(
                &digest(&secret),
                &PasswordLink {
                    org: caller.org.clone(),
                    email: email.clone(),
                    purpose: purpose.into(),
                },
                now,
                expires_at,
            )
            .await?;
        let link = format!("{}/welcome/{secret}", self.public_url());
        let org = self
            .store
            .org_name(&caller.org)
            .await?
            .unwrap_or_else(|| caller.org.to_string());
        let until = expires_at.strftime("%Y-%m-%d %H:%M UTC").to_string();
        let notice = if purpose == "invite" {
            Notice {
                subject: format!("You are invited to Baton ({org})"),
                headline: format!(
                    "{} invited you to {org}'s Baton, where your teams hand accounts to each other.",
                    caller.email
                ),
                facts: vec![
                    ("Your login".into(), email.to_string()),
                    ("The link works until".into(), until),
                ],
                action: "Choose your password".into(),
                link: link.clone(),
            }
        } else {
            Notice {
                subject: format!("Reset your Baton password ({org})"),
                headline: format!("{} sent you a link to choose a new password.", caller.email),
                facts: vec![
                    ("Your login".into(), email.to_string()),
                    ("The link works until".into(), until),
                ],
                action: "Choose a new password".into(),
                link: link.clone(),
            }
        };
        let mailed = self.send_now(email, &notice).await?;
        Ok(LinkSent {
            purpose,
            mailed,
            link: (!mailed).then_some(link),
            expires_at,
        })
    }

    /// What a live link is for (its form shows whose password it sets).
    pub async fn password_link(&self, secret: &str) -> Result<LinkFor, AppError> {
        let link = self
            .store
            .password_link(&digest(secret), self.now())
            .await?
            .ok_or_else(expired)?;
        Ok(LinkFor {
            email: link.email,
            purpose: link.purpose,
        })
    }

    /// Sets the password through a link and signs the person in; the link
    /// is then used up. A password the policy refuses leaves the link live.
    pub async fn use_password_link(
        &self,
        secret: &str,
        password: &str,
    ) -> Result<NewSession, AppError> {
        let hash_of_link = digest(secret);
        let now = self.now();
        let link = self
            .store
            .password_link(&hash_of_link, now)
            .await?
            .ok_or_else(expired)?;
        let user = self.store.user(&link.org, &link.email).await?;
        if !user.is_some_and(|u| u.active) {
            return Err(AppError::Unauthenticated(format!(
                "'{}' is deactivated in this org; ask an admin",
                link.email
            )));
        }
        let hash = crate::password::hash(password.to_string(), &link.email).await?;
        if !self.store.take_password_link(&hash_of_link, now).await? {
            return Err(expired());
        }
        let mut change = baton_store::Change::default();
        change.credentials.push((link.email.clone(), hash));
        self.store.commit(&link.org, &change).await?;
        self.open_session(link.org, link.email).await
    }
}

fn expired() -> AppError {
    AppError::Unauthenticated(
        "this link was already used or has expired; ask an admin for a new one".into(),
    )
}
