//! Webhook subscriptions: an admin names a URL, the event kinds it wants and
//! the secret that will sign deliveries; and the delivery log with manual
//! redelivery. Sending is in [`crate::outbox`].

use baton_domain::DomainError;
use baton_domain::event::KINDS;
use baton_store::{DeliveryRecord, WebhookRecord};

use crate::{App, AppError, Caller};

/// Longest URL accepted.
pub const MAX_URL_LEN: usize = 2000;

/// Shortest signing secret accepted: a guessable secret makes every
/// signature forgeable, so it must at least look like a random one.
pub const MIN_SECRET_LEN: usize = 16;
/// Longest signing secret accepted.
pub const MAX_SECRET_LEN: usize = 512;

/// A subscription to make.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    /// Where deliveries go: an http(s) URL.
    pub url: String,
    /// Event kinds (as [`baton_domain::Event::kind`] names them), or `*`.
    pub events: Vec<String>,
    /// The HMAC-SHA256 signing secret.
    pub secret: String,
    /// `json` (the signed event, default) or `slack` (an incoming-webhook
    /// message).
    pub format: Option<String>,
}

/// Delivery formats.
pub const FORMATS: &[&str] = &["json", "slack"];

/// Checks a delivery format (`json` when none is given; a blank one is
/// refused, as the OpenAPI document's enum says).
pub fn parse_format(raw: Option<&str>) -> Result<String, DomainError> {
    match raw.map(str::trim) {
        None => Ok("json".into()),
        Some(f) if FORMATS.contains(&f) => Ok(f.to_string()),
        Some(f) => Err(DomainError::value(
            "format",
            format!("unknown format '{f}'; use json or slack"),
        )),
    }
}

/// Checks a delivery URL: http or https, with a host, no spaces.
pub fn parse_url(raw: &str) -> Result<String, DomainError> {
    let url = raw.trim();
    let bad = |why: &str| Err(DomainError::value("url", format!("'{url}' {why}")));
    if url.len() > MAX_URL_LEN {
        return Err(DomainError::value(
            "url",
            format!("is longer than {MAX_URL_LEN} characters"),
        ));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("contains spaces or control characters");
    }
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return bad("is not an http or https URL");
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    if host.is_empty() && !authority.contains('[') {
        return bad("has no host");
    }
    Ok(url.to_string())
}

/// Checks the event kinds: `*` alone, or known kinds, each once (sorted).
pub fn parse_events(raw: &[String]) -> Result<Vec<String>, DomainError> {
    if raw.is_empty() {
        return Err(DomainError::value(
            "events",
            "name at least one event kind, or \"*\" for all",
        ));
    }
    if raw.iter().any(|e| e == "*") {
        if raw.len() > 1 {
            return Err(DomainError::value(
                "events",
                "\"*\" already means every kind; give it alone",
            ));
        }
        return Ok(vec!["*".into()]);
    }
    let mut out: Vec<String> = Vec::with_capacity(raw.len());
    for e in raw {
        if !KINDS.contains(&e.as_str()) {
            return Err(DomainError::value(
                "events",
                format!("unknown event kind '{e}'; known: {}", KINDS.join(", ")),
            ));
        }
        out.push(e.clone());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

impl App {
    /// Subscribes a URL to event kinds (admins only). The secret is kept for
    /// signing and never shown again.
    #[tracing::instrument(skip_all)]
    pub async fn create_webhook(
        &self,
        caller: &Caller,
        new: NewWebhook,
    ) -> Result<WebhookRecord, AppError> {
        self.actor(caller).await?.require_admin("manage webhooks")?;
        let url = parse_url(&new.url)?;
        let events = parse_events(&new.events)?;
        let format = parse_format(new.format.as_deref())?;
        let len = new.secret.chars().count();
        if !(MIN_SECRET_LEN..=MAX_SECRET_LEN).contains(&len) {
            return Err(DomainError::value(
                "secret",
                format!(
                    "give a signing secret of {MIN_SECRET_LEN} to {MAX_SECRET_LEN} characters (a random one, e.g. `openssl rand -hex 32`); this one has {len}"
                ),
            )
            .into());
        }
        let hook = WebhookRecord {
            id: uuid::Uuid::now_v7().to_string(),
            url,
            events,
            format,
            created_by: caller.email.clone(),
            // Stored in microseconds: answer what a listing will show.
            created_at: baton_domain::Timestamp::from_microsecond(self.now().as_microsecond())
                .map_err(|e| AppError::Invalid(e.to_string()))?,
        };
        self.store
            .create_webhook(&caller.org, &hook, &new.secret)
            .await?;
        Ok(hook)
    }

    /// The org's subscriptions (admins only), without their secrets.
    pub async fn webhooks(&self, caller: &Caller) -> Result<Vec<WebhookRecord>, AppError> {
        self.actor(caller).await?.require_admin("manage webhooks")?;
        Ok(self.store.webhooks(&caller.org).await?)
    }

    /// Deletes a subscription (admins only).
    pub async fn delete_webhook(&self, caller: &Caller, id: &str) -> Result<(), AppError> {
        self.actor(caller).await?.require_admin("manage webhooks")?;
        if self.store.delete_webhook(&caller.org, id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound(format!("webhook '{id}'")))
        }
    }
}

impl App {
    /// A subscription's deliveries, newest first, with their attempts
    /// (admins only), only those in `status` when given. `before` pages
    /// on: the `seq` of the last one seen.
    pub async fn webhook_deliveries(
        &self,
        caller: &Caller,
        id: &str,
        status: Option<baton_store::DeliveryStatus>,
        before: Option<u64>,
        limit: u32,
    ) -> Result<Vec<DeliveryRecord>, AppError> {
        self.actor(caller).await?.require_admin("manage webhooks")?;
        self.require_webhook(caller, id).await?;
        Ok(self
            .store
            .deliveries(&caller.org, id, status, before, limit.clamp(1, 500))
            .await?)
    }

    /// Makes a delivered or dead delivery pending again, due now (admins
    /// only).
    pub async fn redeliver(
        &self,
        caller: &Caller,
        id: &str,
        delivery: &str,
    ) -> Result<(), AppError> {
        self.actor(caller).await?.require_admin("manage webhooks")?;
        match self
            .store
            .redeliver(&caller.org, id, delivery, self.now())
            .await?
        {
            Some(true) => Ok(()),
            Some(false) => Err(AppError::Conflict(format!(
                "delivery '{delivery}' is still pending; it will be attempted when due"
            ))),
            None => Err(AppError::NotFound(format!(
                "delivery '{delivery}' of webhook '{id}'"
            ))),
        }
    }

    async fn require_webhook(&self, caller: &Caller, id: &str) -> Result<(), AppError> {
        let hooks = self.store.webhooks(&caller.org).await?;
        if hooks.iter().any(|h| h.id == id) {
            Ok(())
        } else {
            Err(AppError::NotFound(format!("webhook '{id}'")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_and_https_urls_with_a_host_are_accepted() {
        assert!(parse_url("https://hooks.example.test/baton").is_ok());
        assert!(parse_url("http://127.0.0.1:9000/x").is_ok());
        for bad in [
            "ftp://x.test",
            "https://",
            "https:///path",
            "not a url",
            "https://a b.test",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn event_kinds_are_known_ones_or_the_star_alone() {
        let s = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(parse_events(&s(&["*"])).ok(), Some(s(&["*"])));
        assert_eq!(
            parse_events(&s(&["submitted", "accepted", "submitted"])).ok(),
            Some(s(&["accepted", "submitted"]))
        );
        assert!(parse_events(&[]).is_err());
        assert!(parse_events(&s(&["*", "accepted"])).is_err());
        assert!(parse_events(&s(&["exploded"])).is_err());
    }
}
