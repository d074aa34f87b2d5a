//! Webhook delivery from the outbox: one bounded round per call. Rows are
//! claimed in the database with a lease, so any number of processes may run
//! rounds side by side and none sends a row another holds; a crash leaves the
//! lease to run out and the row to be claimed again.

use std::time::{Duration, Instant};

use baton_domain::Handoff;
use baton_domain::event::{Event, Stream};
use baton_store::{ClaimedDelivery, DeliveryOutcome, DeliveryStatus};
use hmac::{Hmac, KeyInit, Mac};
use jiff::SignedDuration;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::gates::GateState;
use crate::{App, AppError, Caller};

/// How deliveries are retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WebhookPolicy {
    /// Attempts before a delivery is dead.
    pub max_attempts: u32,
    /// Wait after the first failure; doubles after each next one.
    pub base_delay: SignedDuration,
    /// The longest wait between attempts.
    pub max_delay: SignedDuration,
    /// Jitter: each wait is scaled by a random factor in 1 ± this.
    pub jitter: f64,
    /// Time allowed per request.
    pub timeout: Duration,
    /// How long a claim holds a row; longer than a round can take.
    pub lease: SignedDuration,
    /// Deliveries claimed per round.
    pub batch: u32,
}

impl Default for WebhookPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            base_delay: SignedDuration::from_secs(30),
            max_delay: SignedDuration::from_hours(6),
            jitter: 0.2,
            timeout: Duration::from_secs(10),
            lease: SignedDuration::from_mins(5),
            batch: 32,
        }
    }
}

impl WebhookPolicy {
    /// The wait after the `n`th failed attempt (1-based), before jitter.
    pub fn backoff(&self, n: u32) -> SignedDuration {
        let factor = 2u32.saturating_pow(n.saturating_sub(1).min(30));
        let secs = self.base_delay.as_secs_f64() * f64::from(factor);
        SignedDuration::from_secs_f64(secs.min(self.max_delay.as_secs_f64()))
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryRound {
    /// Deliveries claimed.
    pub claimed: usize,
    /// Taken by their receivers (2xx).
    pub delivered: usize,
    /// Failed and scheduled again.
    pub retrying: usize,
    /// Failed for the last time: now dead.
    pub dead: usize,
}

/// The kind of a test delivery.
pub const PING: &str = "ping";

/// What a test delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestDelivery {
    /// Its `Baton-Delivery` id (`test-…`).
    pub delivery: String,
    /// The receiver's status, when it answered.
    pub http_status: Option<u16>,
    /// Why it failed, when it did (a non-2xx status, or no answer).
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: u64,
}

impl TestDelivery {
    /// Whether the receiver took it (2xx).
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// `t=<unix secs>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(tag.len() * 2);
    for b in tag {
        use std::fmt::Write as _;
        let _ = write!(hex, "{b:02x}");
    }
    format!("t={t},v1={hex}")
}

/// The JSON body of a delivery: the event's SPEC §9 line plus `seq`, `org`
/// and `delivery_id`, and for a handoff's event its context (SPEC §11:
/// `account`, `contract`, `deal`, `state`, and `gate` on acceptance), so a
/// CRM can act without calling back. The line's own keys win.
pub fn json_body(d: &ClaimedDelivery, context: &Map<String, Value>) -> Result<Vec<u8>, AppError> {
    let mut line: Map<String, Value> = serde_json::from_str(&d.payload)
        .map_err(|e| AppError::Invalid(format!("stored event {} is not JSON: {e}", d.seq)))?;
    for (k, v) in context {
        if !line.contains_key(k) || line[k].is_null() {
            line.insert(k.clone(), v.clone());
        }
    }
    line.insert("seq".into(), json!(d.seq));
    line.insert("org".into(), json!(d.org.to_string()));
    line.insert("delivery_id".into(), json!(d.id));
    serde_json::to_vec(&line).map_err(|e| AppError::Invalid(e.to_string()))
}

impl App {
    /// A handoff event's context as of that event: its account, contract,
    /// deal and state (the handoff's stream folded up to the event), and on
    /// acceptance the gate, which is then open for the deal (or account)
    /// with this handoff. Empty for other events, or a handoff no longer
    /// readable (the line alone is still sent).
    async fn handoff_context(&self, d: &ClaimedDelivery) -> Result<Map<String, Value>, AppError> {
        let mut context = Map::new();
        let Ok(event) = serde_json::from_str::<Event>(&d.payload) else {
            return Ok(context);
        };
        let Stream::Handoff(id) = event.stream() else {
            return Ok(context);
        };
        let Some(current) = self.store.handoff(&d.org, &id).await? else {
            return Ok(context);
        };
        let Some(def) = self
            .store
            .contract_version(&d.org, &current.contract, current.version)
            .await?
        else {
            return Ok(context);
        };
        let mut folded: Option<Handoff> = None;
        for e in self
            .store
            .stream_events(&d.org, &Stream::Handoff(id.clone()).to_string())
            .await?
            .into_iter()
            .take_while(|e| e.seq <= d.seq)
        {
            match folded.as_mut() {
                Some(h) => h.apply(&e.event, &def),
                None => folded = Handoff::from_event(&e.event, &def),
            }
        }
        let h = folded.unwrap_or(current);
        let deal = h.deal.as_ref().map(ToString::to_string);
        context.insert("account".into(), json!(h.account.to_string()));
        context.insert("contract".into(), json!(h.contract.to_string()));
        context.insert("deal".into(), json!(deal));
        context.insert("state".into(), json!(h.state.as_str()));
        if matches!(event, Event::Accepted { .. }) {
            context.insert(
                "gate".into(),
                json!({
                    "open": true,
                    "state": GateState::Accepted.as_str(),
                    "missing": [],
                    "handoff": h.id.to_string(),
                    "deal": deal,
                }),
            );
        }
        Ok(context)
    }

    /// Sends due webhook deliveries (one bounded round): claims them with a
    /// lease, POSTs each, and records the attempt: delivered on 2xx,
    /// otherwise retried with exponential backoff and jitter, dead after the
    /// policy's last attempt.
    pub async fn deliver_webhooks(&self) -> Result<DeliveryRound, AppError> {
        let policy = self.webhook_policy;
        let owner = uuid::Uuid::now_v7().to_string();
        let now = self.now();
        let claimed = self
            .store
            .claim_deliveries(&owner, now, now + policy.lease, policy.batch)
            .await?;
        let mut round = DeliveryRound {
            claimed: claimed.len(),
            ..DeliveryRound::default()
        };
        let client = self.http_client()?;
        let mut sends = tokio::task::JoinSet::new();
        for d in claimed {
            let client = client.clone();
            let at = self.now();
            let (ctx, context) = if d.format == "slack" {
                (Some(self.slack_context(&d).await), Map::new())
            } else {
                (None, self.handoff_context(&d).await?)
            };
            sends.spawn(async move {
                let started = Instant::now();
                let result = send(&client, &d, ctx.as_ref(), &context, at).await;
                let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
                (d, at, result, ms)
            });
        }
        while let Some(done) = sends.join_next().await {
            let Ok((d, at, result, duration_ms)) = done else {
                continue;
            };
            let (http_status, error) = match result {
                Ok(status) if (200..300).contains(&status) => (Some(status), None),
                Ok(status) => (Some(status), Some(format!("HTTP {status}"))),
                Err(e) => (None, Some(e)),
            };
            let n = d.attempts + 1;
            let (status, next_attempt_at) = if error.is_none() {
                round.delivered += 1;
                (DeliveryStatus::Delivered, at)
            } else if n >= policy.max_attempts {
                round.dead += 1;
                (DeliveryStatus::Dead, at)
            } else {
                round.retrying += 1;
                let jitter = if policy.jitter > 0.0 {
                    rand::random_range(1.0 - policy.jitter..1.0 + policy.jitter)
                } else {
                    1.0
                };
                let wait = policy.backoff(n).as_secs_f64() * jitter;
                (
                    DeliveryStatus::Pending,
                    self.now() + SignedDuration::from_secs_f64(wait),
                )
            };
            if let Some(e) = &error {
                tracing::info!(delivery = %d.id, attempt = n, error = %e, "webhook attempt failed");
            }
            let outcome = DeliveryOutcome {
                at,
                http_status,
                error,
                duration_ms,
                status,
                next_attempt_at,
            };
            if !self.store.finish_delivery(&d, &owner, &outcome).await? {
                tracing::warn!(delivery = %d.id, "webhook lease lost before the attempt was recorded");
            }
        }
        Ok(round)
    }

    /// Sends a subscription a signed `ping` now (admins only), to check
    /// its URL and secret: not an event of the log (its `seq` is 0), not
    /// queued and never retried. Answers what the receiver said.
    #[tracing::instrument(skip_all, fields(webhook = id))]
    pub async fn test_webhook(&self, caller: &Caller, id: &str) -> Result<TestDelivery, AppError> {
        self.actor(caller).await?.require_admin("manage webhooks")?;
        let Some((url, secret, format)) = self.store.webhook_target(&caller.org, id).await? else {
            return Err(AppError::NotFound(format!("webhook '{id}'")));
        };
        let at = self.now();
        let ping = json!({
            "type": PING,
            "webhook": id,
            "by": caller.email.to_string(),
            "at": at.to_string(),
        });
        let d = ClaimedDelivery {
            org: caller.org.clone(),
            id: format!("test-{}", uuid::Uuid::now_v7()),
            webhook_id: id.to_string(),
            seq: 0,
            kind: PING.into(),
            attempts: 0,
            url,
            secret,
            format,
            payload: ping.to_string(),
        };
        let slack = (d.format == "slack").then(crate::slack::Context::default);
        let client = self.http_client()?;
        let started = Instant::now();
        let result = send(&client, &d, slack.as_ref(), &Map::new(), at).await;
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (http_status, error) = match result {
            Ok(status) if (200..300).contains(&status) => (Some(status), None),
            Ok(status) => (Some(status), Some(format!("HTTP {status}"))),
            Err(e) => (None, Some(e)),
        };
        Ok(TestDelivery {
            delivery: d.id,
            http_status,
            error,
            duration_ms,
        })
    }

    fn http_client(&self) -> Result<reqwest::Client, AppError> {
        if let Some(c) = self.http.get() {
            return Ok(c.clone());
        }
        let c = reqwest::Client::builder()
            .timeout(self.webhook_policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Baton-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AppError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        Ok(self.http.get_or_init(|| c).clone())
    }
}

/// One POST; the receiver's status, or why there was none.
async fn send(
    client: &reqwest::Client,
    d: &ClaimedDelivery,
    slack: Option<&crate::slack::Context>,
    context: &Map<String, Value>,
    at: baton_domain::Timestamp,
) -> Result<u16, String> {
    let body = match slack {
        Some(ctx) => crate::slack::message_body(d, ctx),
        None => json_body(d, context),
    }
    .map_err(|e| e.to_string())?;
    let t = at.as_second();
    let response = client
        .post(&d.url)
        .header("content-type", "application/json")
        .header("baton-signature", signature(&d.secret, t, &body))
        .header("baton-event", &d.kind)
        .header("baton-delivery", &d.id)
        .body(body)
        .send()
        .await
        .map_err(|e| describe_error(&e))?;
    Ok(response.status().as_u16())
}

fn describe_error(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut why = String::new();
    let mut source = e.source();
    while let Some(s) = source {
        why = s.to_string();
        source = s.source();
    }
    if why.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {why}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_and_is_capped() {
        let p = WebhookPolicy::default();
        assert_eq!(p.backoff(1), SignedDuration::from_secs(30));
        assert_eq!(p.backoff(2), SignedDuration::from_secs(60));
        assert_eq!(p.backoff(4), SignedDuration::from_secs(240));
        assert_eq!(p.backoff(20), SignedDuration::from_hours(6));
        assert_eq!(p.backoff(u32::MAX), SignedDuration::from_hours(6));
    }

    #[test]
    fn the_signature_is_hmac_sha256_of_time_dot_body() {
        // Known answer from Python:
        // hmac.new(b"s3cret", b"1700000000.{}", "sha256").hexdigest()
        assert_eq!(
            signature("s3cret", 1_700_000_000, b"{}"),
            "t=1700000000,v1=97926816e98fbb41ccb1673225ff29a2f35369099990e1b1561651e7bd097ebf"
        );
    }
}
