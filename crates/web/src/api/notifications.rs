//! Email notifications: each person's preferences, and the org's mail log
//! for its admins (what went out, what waits, and what the SMTP server
//! refused and why).

use axum::Json;
use axum::extract::State;
use baton_domain::notify::{Delivery, NoticeKind, Preferences};
use baton_store::{MailRecord, MailStatus};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::page_limit;
use crate::auth::Authed;
use crate::body::{Body, Params};
use crate::error::{ApiError, ApiResult};

/// A person's notification preferences.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationPreferences {
    /// How each kind reaches them: `off`, `immediate` or `digest`, by kind
    /// (`submitted`, `rejected`, `sla_breached`, `suggestion`). A kind not
    /// named comes at once.
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, String>)]
    pub kinds: BTreeMap<NoticeKind, Delivery>,
    /// The hour (0–23, their own time) the daily digest goes out.
    #[serde(default = "default_hour")]
    #[schema(minimum = 0, maximum = 23)]
    pub digest_hour: u8,
    /// Their time zone, an IANA name such as `Europe/Paris`.
    #[serde(default = "default_zone")]
    pub time_zone: String,
    /// By email (where this Baton sends mail; default true).
    #[serde(default = "yes")]
    pub email: bool,
    /// As a Slack direct message (where this Baton has a Slack bot;
    /// default true).
    #[serde(default = "yes")]
    pub slack: bool,
}

fn yes() -> bool {
    true
}

fn default_hour() -> u8 {
    baton_domain::notify::DEFAULT_DIGEST_HOUR
}

fn default_zone() -> String {
    Preferences::default().time_zone
}

impl From<Preferences> for NotificationPreferences {
    fn from(p: Preferences) -> Self {
        Self {
            kinds: NoticeKind::ALL
                .into_iter()
                .map(|k| (k, p.delivery(k)))
                .collect(),
            digest_hour: p.digest_hour,
            time_zone: p.time_zone,
            email: p.email,
            slack: p.slack,
        }
    }
}

/// The caller's notification preferences.
#[utoipa::path(get, path = "/me/notifications", tag = "notifications",
    responses((status = 200, description = "Their preferences (the defaults until set)", body = NotificationPreferences)))]
pub async fn get(
    State(s): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<NotificationPreferences>> {
    let p = s.app.notification_preferences(&caller).await?;
    Ok(Json(p.into()))
}

/// Sets the caller's notification preferences.
#[utoipa::path(put, path = "/me/notifications", tag = "notifications",
    request_body = NotificationPreferences,
    responses((status = 200, description = "Saved", body = NotificationPreferences)))]
pub async fn put(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(p): Body<NotificationPreferences>,
) -> ApiResult<Json<NotificationPreferences>> {
    let saved = s
        .app
        .set_notification_preferences(
            &caller,
            Preferences {
                kinds: p.kinds,
                digest_hour: p.digest_hour,
                time_zone: p.time_zone,
                email: p.email,
                slack: p.slack,
            },
        )
        .await?;
    Ok(Json(saved.into()))
}

/// Which mails to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct MailQuery {
    /// Only mails in this state: `pending`, `held` (waiting for a digest),
    /// `sent` or `dead`.
    pub status: Option<String>,
    /// Only mails whose recipient or kind contains this text (any case).
    pub q: Option<String>,
    /// How many, newest first (1–200, default 50).
    #[serde(default, deserialize_with = "crate::body::integral::option")]
    pub limit: Option<u32>,
}

/// One mail as admins see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailInfo {
    /// Its id (the message's `Message-ID` is `<id@baton>`).
    pub id: String,
    /// The event it tells of.
    pub seq: u64,
    /// What it tells.
    pub kind: String,
    /// Who gets it.
    pub recipient: String,
    /// `email` or `slack`.
    pub channel: String,
    /// `pending`, `held`, `sent` or `dead`.
    pub status: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt (or the digest) is due.
    pub next_attempt_at: Option<String>,
    /// The SMTP server's last refusal, or why it could not be reached.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: String,
    /// When the SMTP server took it.
    pub sent_at: Option<String>,
}

impl From<MailRecord> for MailInfo {
    fn from(m: MailRecord) -> Self {
        Self {
            id: m.id,
            seq: m.seq,
            kind: m.kind,
            recipient: m.recipient,
            channel: m.channel,
            status: m.status,
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at.map(|t| t.to_string()),
            last_error: m.last_error,
            created_at: m.created_at.to_string(),
            sent_at: m.sent_at.map(|t| t.to_string()),
        }
    }
}

/// The org's mails, newest first (admins).
#[utoipa::path(get, path = "/mail", tag = "notifications", params(MailQuery),
    responses((status = 200, description = "Mails", body = Vec<MailInfo>)))]
pub async fn log(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Params(q): Params<MailQuery>,
) -> ApiResult<Json<Vec<MailInfo>>> {
    let status = match q.status.as_deref() {
        None => None,
        Some(raw) => Some(MailStatus::parse(raw).ok_or_else(|| {
            ApiError::invalid_field(
                "status",
                format!("'{raw}' is not one of pending, held, sent, dead"),
            )
        })?),
    };
    let mails = s
        .app
        .mail_log(
            &caller,
            &baton_store::MailSearch {
                status,
                text: q.q.as_deref(),
                before: None,
            },
            page_limit(q.limit)?,
        )
        .await?;
    Ok(Json(mails.into_iter().map(Into::into).collect()))
}
