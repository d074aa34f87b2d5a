//! HubSpot webhooks: checking the v3 signature of a request HubSpot sent
//! and reading its events.
//!
//! Signature: <https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation>
//! (HMAC-SHA256 with the app's client secret over method + URI + body +
//! `X-HubSpot-Request-Timestamp`, base64, in `X-HubSpot-Signature-v3`;
//! reject timestamps older than 5 minutes). Event payloads:
//! <https://developers.hubspot.com/docs/api/webhooks>.
//!
//! What Baton does with them: an event only says *that* a deal changed
//! (`deal.creation`, `deal.propertyChange` with the property and its new
//! value, `deal.deletion`). The pull through the search API stays the
//! source of truth, so the app answers a verified batch by waking the
//! connection's sync (a pull from the stored watermark) rather than
//! applying event values, which may arrive late, twice or out of order.

use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use serde_json::Value;

use crate::CrmError;

/// How old a signed request may be.
const MAX_AGE: SignedDuration = SignedDuration::from_mins(5);

/// The percent-encodings HubSpot's v3 guide says to decode in the request
/// URI before signing.
const DECODED: [(&str, &str); 12] = [
    ("%3A", ":"),
    ("%2F", "/"),
    ("%3F", "?"),
    ("%40", "@"),
    ("%21", "!"),
    ("%24", "$"),
    ("%27", "'"),
    ("%28", "("),
    ("%29", ")"),
    ("%2A", "*"),
    ("%2C", ","),
    ("%3B", ";"),
];

/// Checks a webhook request's `X-HubSpot-Signature-v3`: `uri` is the full
/// URL HubSpot called (`https://host/path?query`), `body` the raw body,
/// `timestamp_ms` the `X-HubSpot-Request-Timestamp` header. A signature
/// that does not match, or a timestamp more than 5 minutes from `now`, is
/// [`CrmError::Auth`]. The comparison is constant-time.
pub fn verify_signature_v3(
    client_secret: &str,
    method: &str,
    uri: &str,
    body: &[u8],
    timestamp_ms: &str,
    signature_b64: &str,
    now: Timestamp,
) -> Result<(), CrmError> {
    let millis: i64 = timestamp_ms.trim().parse().map_err(|_| {
        CrmError::Auth(format!(
            "the webhook's X-HubSpot-Request-Timestamp `{timestamp_ms}` is not milliseconds"
        ))
    })?;
    let sent = Timestamp::from_millisecond(millis).map_err(|_| {
        CrmError::Auth(format!(
            "the webhook's X-HubSpot-Request-Timestamp `{timestamp_ms}` is out of range"
        ))
    })?;
    // Older than 5 minutes is a replay; as far in the future is a forgery
    // signed to outlive the window.
    if now.duration_since(sent).abs() > MAX_AGE {
        return Err(CrmError::Auth(format!(
            "the webhook was signed at {sent}, more than 5 minutes from now ({now})"
        )));
    }
    let signature = base64::engine::general_purpose::STANDARD
        .decode(signature_b64.trim())
        .map_err(|_| CrmError::Auth("the webhook's X-HubSpot-Signature-v3 is not base64".into()))?;
    let mut uri = uri.to_owned();
    for (encoded, plain) in DECODED {
        uri = uri
            .replace(encoded, plain)
            .replace(&encoded.to_lowercase(), plain);
    }
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(client_secret.as_bytes())
        .map_err(|_| CrmError::Config("the HubSpot client secret cannot key an HMAC".into()))?;
    mac.update(method.to_uppercase().as_bytes());
    mac.update(uri.as_bytes());
    mac.update(body);
    mac.update(timestamp_ms.trim().as_bytes());
    mac.verify_slice(&signature)
        .map_err(|_| CrmError::Auth("the webhook's X-HubSpot-Signature-v3 does not match".into()))
}

/// One event of a HubSpot webhook batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// The event's id (the same event may be delivered more than once).
    pub event_id: u64,
    /// What happened, e.g. `deal.propertyChange`, `deal.creation`,
    /// `deal.deletion`.
    pub subscription_type: String,
    /// The record's id (for deal events, the deal id).
    pub object_id: String,
    /// The portal (hub) it happened in.
    pub portal_id: u64,
    /// For property changes, the property.
    pub property_name: Option<String>,
    /// For property changes, the new value.
    pub property_value: Option<String>,
    /// When it happened.
    pub occurred_at: Timestamp,
}

impl WebhookEvent {
    /// The deal this event is about, if it is a deal event.
    pub fn deal_id(&self) -> Option<&str> {
        self.subscription_type
            .starts_with("deal.")
            .then_some(self.object_id.as_str())
    }

    /// Whether the deal was deleted.
    pub fn is_deletion(&self) -> bool {
        self.subscription_type.ends_with(".deletion")
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvent {
    event_id: u64,
    subscription_type: String,
    object_id: Value,
    portal_id: u64,
    property_name: Option<String>,
    property_value: Option<Value>,
    occurred_at: i64,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads a webhook body: HubSpot sends a JSON array of events.
pub fn parse_webhook_events(body: &[u8]) -> Result<Vec<WebhookEvent>, CrmError> {
    let raw: Vec<RawEvent> = serde_json::from_slice(body).map_err(|e| {
        CrmError::Protocol(format!(
            "the webhook body is not HubSpot's array of events: {e}"
        ))
    })?;
    raw.into_iter()
        .map(|e| {
            let object_id = text(&e.object_id).ok_or_else(|| {
                CrmError::Protocol(format!("webhook event {} has no objectId", e.event_id))
            })?;
            let occurred_at = Timestamp::from_millisecond(e.occurred_at).map_err(|_| {
                CrmError::Protocol(format!("webhook event {} has a bad occurredAt", e.event_id))
            })?;
            Ok(WebhookEvent {
                event_id: e.event_id,
                subscription_type: e.subscription_type,
                object_id,
                portal_id: e.portal_id,
                property_name: e.property_name,
                property_value: e.property_value.as_ref().and_then(text),
                occurred_at,
            })
        })
        .collect()
}
