//! Slack-compatible deliveries: an event told in words as an incoming-webhook
//! message (`text` for notifications, `blocks` for the channel), so a team can
//! point a subscription at its own channel's incoming-webhook URL.

use baton_store::ClaimedDelivery;
use serde_json::{Value, json};

use crate::AppError;

/// What the event alone does not say, looked up when the message is made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The account's name.
    pub account_name: Option<String>,
    /// Mandatory fields still missing (for a submission below 100).
    pub missing: Vec<String>,
}

/// The event of `payload` (its SPEC §9 line) in one sentence.
pub fn describe(payload: &Value) -> String {
    describe_with(payload, &Context::default())
}

/// The event in one sentence, with the account's name and what is missing.
pub fn describe_with(payload: &Value, ctx: &Context) -> String {
    let s = |k: &str| payload.get(k).and_then(Value::as_str).unwrap_or_default();
    let kind = s("type");
    let who = match s("by") {
        "" => "Baton",
        by => by,
    };
    let handoff = s("handoff");
    let account = ctx.account_name.as_deref().unwrap_or(s("account"));
    let subject = match (handoff, account) {
        ("", "") => String::new(),
        ("", a) => a.to_string(),
        (h, "") => h.to_string(),
        (h, a) => format!("{h} ({a})"),
    };
    let list = |k: &str| {
        payload
            .get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    match kind {
        "submitted" => {
            let mut t = format!("{who} submitted {subject}");
            if !s("to").is_empty() {
                t.push_str(&format!(" to {}", s("to")));
            }
            if let Some(score) = payload.get("score").and_then(Value::as_u64) {
                t.push_str(&format!(" at score {score}"));
            }
            if !ctx.missing.is_empty() {
                t.push_str(&format!(" — missing: {}", ctx.missing.join(", ")));
            }
            t
        }
        "rejected" => {
            let mut t = format!("{who} rejected {subject}");
            if !s("code").is_empty() {
                t.push_str(&format!(" ({})", s("code")));
            }
            if !s("reason").is_empty() {
                t.push_str(&format!(": {}", s("reason")));
            }
            let fields = list("fields");
            if !fields.is_empty() {
                t.push_str(&format!(" — fields: {fields}"));
            }
            t
        }
        "accepted" => format!("{who} accepted {subject}"),
        "first_touch" => match s("channel") {
            "" => format!("{who} made the first touch on {subject}"),
            channel => format!("{who} made the first touch on {subject} ({channel})"),
        },
        "withdrawn" => format!("{who} withdrew {subject}"),
        "draft_created" => format!("{who} started a draft of {subject}"),
        "edited" => format!("{who} edited {subject}"),
        "acknowledged" => format!("{who} acknowledged {subject}"),
        "echo" => format!("{who} echoed {subject}"),
        "resolved" => format!("{who} resolved {subject}"),
        "loop_closed" => format!("{who} closed the loop on {subject}"),
        "attested" => format!("{who} attested {subject}"),
        "rediscovery" => {
            let mut t = format!("Re-discovery on {subject}");
            if !s("field").is_empty() {
                t.push_str(&format!(": {} asked again", s("field")));
            }
            t
        }
        "rediscovery_suggested" => format!(
            "Possible re-discovery on {subject}: \u{201c}{}\u{201d} asks again for {} — confirm or dismiss at /suggestions",
            s("question"),
            s("field")
        ),
        "note" => match s("author") {
            "" => format!("A note on {subject}"),
            author => format!("{author} added a note on {subject}"),
        },
        "suggestion_decided" => {
            let verdict = if payload.get("confirmed").and_then(Value::as_bool) == Some(true) {
                "confirmed"
            } else {
                "dismissed"
            };
            format!("{who} {verdict} a suggested re-discovery on {subject}")
        }
        "nps" => format!(
            "NPS {} from {subject}",
            payload
                .get("score")
                .map_or(String::new(), ToString::to_string)
        ),
        "churn" => format!("{subject} churned"),
        "account" => format!("Account {} ({}) recorded", s("id"), s("name")),
        "mode_changed" => format!("{who} set {} to {}", s("contract"), s("mode")),
        "reporting_currency_set" => {
            format!("{who} set the reporting currency to {}", s("currency"))
        }
        "fx_rate_set" => format!(
            "{who} set 1 {} = {} {} from {}",
            s("currency"),
            s("rate"),
            s("to"),
            s("effective")
        ),
        "ping" => format!("{who} sent a test message from Baton: this channel is connected"),
        "proposal_answered" => format!(
            "{who} {} a proposal to {}",
            if payload.get("accepted") == Some(&Value::Bool(true)) {
                "accepted"
            } else {
                "declined"
            },
            s("contract")
        ),
        "contract_published" => format!(
            "{who} published {} v{}",
            s("contract"),
            payload
                .get("version")
                .map_or(String::new(), ToString::to_string)
        ),
        other => {
            let mut t = format!("{who}: {}", other.replace('_', " "));
            if !subject.is_empty() {
                t.push_str(&format!(" {subject}"));
            }
            t
        }
    }
}

/// The incoming-webhook message for a delivery.
pub fn message_body(d: &ClaimedDelivery, ctx: &Context) -> Result<Vec<u8>, AppError> {
    let payload: Value = serde_json::from_str(&d.payload)
        .map_err(|e| AppError::Invalid(format!("stored event {} is not JSON: {e}", d.seq)))?;
    let text = describe_with(&payload, ctx);
    let at = payload
        .get("at")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let message = json!({
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {"type": "context", "elements": [
                {"type": "mrkdwn", "text": format!("`{}` · event {} · {}", d.kind, d.seq, at)}
            ]}
        ]
    });
    serde_json::to_vec(&message).map_err(|e| AppError::Invalid(e.to_string()))
}

impl crate::App {
    /// Looks up what a Slack message names beyond the event (best effort:
    /// a lookup that fails only makes the sentence plainer).
    pub(crate) async fn slack_context(&self, d: &ClaimedDelivery) -> Context {
        let mut ctx = Context::default();
        let Ok(payload) = serde_json::from_str::<Value>(&d.payload) else {
            return ctx;
        };
        let s = |k: &str| payload.get(k).and_then(Value::as_str).map(str::to_string);
        let handoff = match s("handoff").map(baton_domain::HandoffId::parse) {
            Some(Ok(id)) => self.store.handoff(&d.org, &id).await.ok().flatten(),
            _ => None,
        };
        let account = s("account")
            .and_then(|a| baton_domain::AccountId::parse(a).ok())
            .or_else(|| handoff.as_ref().map(|h| h.account.clone()));
        if let Some(a) = account
            && let Ok(Some(acc)) = self.store.account(&d.org, &a).await
        {
            ctx.account_name = Some(acc.name);
        }
        let score = payload.get("score").and_then(Value::as_u64);
        if let (Some(h), true) = (
            &handoff,
            d.kind == "submitted" && score.is_some_and(|s| s < 100),
        ) && let Ok(Some(def)) = self
            .store
            .contract_version(&d.org, &h.contract, h.version)
            .await
        {
            ctx.missing = baton_domain::handoff::completeness(&def, &h.values).missing_keys();
        }
        ctx
    }
}

/// Baton's Slack bot: direct messages to people, found by their email,
/// through Slack's Web API (`users.lookupByEmail`, `chat.postMessage`; see
/// docs.slack.dev/reference/methods/users.lookupByEmail and
/// docs.slack.dev/reference/methods/chat.postMessage).
pub(crate) struct SlackBot {
    http: reqwest::Client,
    token: String,
    /// `https://slack.com/api` (another base only for a simulator in tests).
    api: String,
    /// Slack user ids found so far, by email.
    ids: std::sync::Mutex<std::collections::HashMap<String, String>>,
}

impl std::fmt::Debug for SlackBot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the token.
        f.debug_struct("SlackBot")
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

/// Slack's own API.
pub const SLACK_API: &str = "https://slack.com/api";

/// Slack errors no retry can cure for this message (the person is not in
/// the workspace, or the bot may not write to them).
const FINAL: &[&str] = &[
    "users_not_found",
    "user_not_found",
    "channel_not_found",
    "cannot_dm_bot",
    "user_disabled",
];

impl SlackBot {
    pub(crate) fn new(
        token: &str,
        api: &str,
        timeout: std::time::Duration,
    ) -> Result<Self, AppError> {
        if !token.starts_with("xoxb-") {
            return Err(AppError::Invalid(
                "the Slack bot token must be a bot token (it starts with xoxb-)".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Baton/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| AppError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            token: token.to_string(),
            api: api.trim_end_matches('/').to_string(),
            ids: std::sync::Mutex::default(),
        })
    }

    /// One Web API call's answer: its JSON when `ok`, else Slack's error
    /// and whether it is final.
    async fn call(
        &self,
        req: reqwest::RequestBuilder,
        method: &str,
    ) -> Result<Value, (String, bool)> {
        let res = req
            .bearer_auth(&self.token)
            .send()
            .await
            .map_err(|e| (format!("Slack {method}: {e}"), false))?;
        if res.status().as_u16() == 429 {
            let wait = res
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("?")
                .to_string();
            return Err((
                format!("Slack {method}: rate limited (retry after {wait} s)"),
                false,
            ));
        }
        let status = res.status();
        let body: Value = res.json().await.map_err(|e| {
            (
                format!("Slack {method}: HTTP {}: {e}", status.as_u16()),
                false,
            )
        })?;
        if body["ok"] == json!(true) {
            return Ok(body);
        }
        let error = body["error"]
            .as_str()
            .unwrap_or("no error given")
            .to_string();
        let last = FINAL.contains(&error.as_str());
        Err((format!("Slack {method}: {error}"), last))
    }

    /// Sends `text` to `email`'s Slack user as a direct message from the bot.
    pub(crate) async fn direct_message(
        &self,
        email: &baton_domain::Email,
        text: &str,
    ) -> Result<(), (String, bool)> {
        let known = self
            .ids
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(email.as_str())
            .cloned();
        let id = match known {
            Some(id) => id,
            None => {
                let found = self
                    .call(
                        self.http
                            .get(format!("{}/users.lookupByEmail", self.api))
                            .query(&[("email", email.as_str())]),
                        "users.lookupByEmail",
                    )
                    .await?;
                let id = found["user"]["id"]
                    .as_str()
                    .ok_or_else(|| ("Slack users.lookupByEmail: no user id".to_string(), false))?
                    .to_string();
                self.ids
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(email.to_string(), id.clone());
                id
            }
        };
        // Posting to a user id writes in the bot's direct messages with them.
        self.call(
            self.http
                .post(format!("{}/chat.postMessage", self.api))
                .json(&json!({"channel": id, "text": text, "unfurl_links": false})),
            "chat.postMessage",
        )
        .await
        .map(|_| ())
    }
}

/// A direct message telling `notices` (one, or a digest), in Slack's
/// mrkdwn: what happened, the facts, and the one link where to act.
pub(crate) fn dm_text(notices: &[crate::notice::Notice], digest: bool) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut out = String::new();
    if digest {
        out.push_str(&format!(
            "*Your Baton digest: {} notification{}*\n",
            notices.len(),
            if notices.len() == 1 { "" } else { "s" }
        ));
    }
    for n in notices {
        out.push_str(&format!("{}\n", esc(&n.headline)));
        for (label, value) in &n.facts {
            out.push_str(&format!("• {}: {}\n", esc(label), esc(value)));
        }
        out.push_str(&format!("<{}|{}>\n", n.link, esc(&n.action)));
        if digest {
            out.push('\n');
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_submission_reads_as_a_sentence() {
        let e = json!({"type": "submitted", "handoff": "H-1", "account": "A-1",
            "by": "ae1@acme.test", "to": "onboarding", "score": 88});
        assert_eq!(
            describe(&e),
            "ae1@acme.test submitted H-1 (A-1) to onboarding at score 88"
        );
        let ctx = Context {
            account_name: Some("Initech".into()),
            missing: vec!["champion_map".into()],
        };
        assert_eq!(
            describe_with(&e, &ctx),
            "ae1@acme.test submitted H-1 (Initech) to onboarding at score 88 — missing: champion_map"
        );
        let r = json!({"type": "rejected", "handoff": "H-1", "by": "onboarding1@acme.test",
            "code": "missing_context", "reason": "no champion", "fields": ["champion_map"]});
        assert_eq!(
            describe(&r),
            "onboarding1@acme.test rejected H-1 (missing_context): no champion — fields: champion_map"
        );
    }

    #[test]
    fn a_suggested_re_discovery_quotes_the_question() {
        let e = json!({"type": "rediscovery_suggested", "id": "sug-1", "account": "A-1",
            "handoff": "H-1", "contract": "ae-to-onboarding", "field": "economic_buyer",
            "question": "Who signs?", "answer": "Dana", "score": 800});
        assert_eq!(
            describe(&e),
            "Possible re-discovery on H-1 (A-1): \u{201c}Who signs?\u{201d} asks again for economic_buyer — confirm or dismiss at /suggestions"
        );
        let d = json!({"type": "suggestion_decided", "id": "sug-1", "account": "A-1",
            "confirmed": true, "by": "onboarding1@acme.test"});
        assert_eq!(
            describe(&d),
            "onboarding1@acme.test confirmed a suggested re-discovery on A-1"
        );
        let n = json!({"type": "note", "account": "A-1", "author": "cs1@acme.test", "text": "…"});
        assert_eq!(describe(&n), "cs1@acme.test added a note on A-1");
    }
}
