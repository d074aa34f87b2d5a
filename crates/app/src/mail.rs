//! Email notifications (SPEC §12), one bounded round per call. Notices
//! written with their events become one mail per recipient, as each
//! person's preferences say (at once, in a daily digest, or not at all);
//! due mails are claimed in the database with a lease, so any number of
//! processes may run rounds side by side and none sends a mail another
//! holds. The SMTP server's answer decides: taken (sent), refused for good
//! (dead at once, its reason kept for admins), or failed for now (retried
//! with growing waits, dead after the policy's last attempt).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use askama::Template;
use baton_domain::event::Event;
use baton_domain::notify::{self, Delivery, NoticeKind, Preferences};
use baton_domain::{ContractDef, Directory, Email, Handoff, HandoffId, OrgId, Timestamp};
use baton_store::{Channel, ClaimedMail, MailOutcome, MailStatus, NewMail, PendingNotice};
use jiff::SignedDuration;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::notice::Notice;
use crate::{App, AppError, Caller};

/// How long a notice waits for a process that sends mail before it is
/// dropped, so that configuring SMTP later does not mail old news.
pub const NOTICE_KEPT: SignedDuration = SignedDuration::from_hours(7 * 24);

/// Notices turned into mails per round.
const NOTICES_PER_ROUND: u32 = 64;

/// Where and as whom Baton sends mail.
#[derive(Clone)]
pub struct MailConfig {
    /// `smtp://[user:password@]host[:port]` (plain, or `?tls=required` for
    /// STARTTLS) or `smtps://…` (TLS from the first byte).
    pub smtp_url: String,
    /// The From address, e.g. `Baton <baton@example.com>`.
    pub from: String,
}

/// The SMTP transport, built once.
#[derive(Clone)]
pub(crate) struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The server's address without credentials, for messages and logs.
    server: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it may hold the SMTP password.
        f.debug_struct("Mailer")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

/// `host:port` of an SMTP URL, without its credentials.
fn server_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest).to_string()
}

impl Mailer {
    /// Checks the configuration and builds the transport (it connects only
    /// when it first sends).
    pub(crate) fn new(config: &MailConfig, timeout: Duration) -> Result<Self, AppError> {
        let server = server_of(&config.smtp_url);
        let scheme = config.smtp_url.split_once("://").map(|(s, _)| s);
        if !matches!(scheme, Some("smtp" | "smtps")) {
            return Err(AppError::Invalid(format!(
                "the SMTP URL must start with smtp:// or smtps:// (it names {server})"
            )));
        }
        let from: Mailbox = config.from.parse().map_err(|e| {
            AppError::Invalid(format!(
                "the mail From address '{}' is not an address: {e}",
                config.from
            ))
        })?;
        // The pool spawns its upkeep on the running tokio runtime.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.smtp_url)
            .map_err(|e| {
                AppError::Invalid(format!("the SMTP URL for {server} is not usable: {e}"))
            })?
            .timeout(Some(timeout))
            .build();
        Ok(Self {
            transport,
            from,
            server,
        })
    }
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailRound {
    /// Notices turned into mails.
    pub notices: usize,
    /// Mails written by them (at once or held for a digest).
    pub queued: usize,
    /// Messages the SMTP server took (a digest counts once).
    pub sent: usize,
    /// Messages that failed and wait for another attempt.
    pub retrying: usize,
    /// Messages that failed for the last time.
    pub dead: usize,
    /// Notices dropped unsent because no process sends mail.
    pub dropped: u64,
}

impl MailRound {
    /// Whether there may be more to do right away.
    pub fn more(&self) -> bool {
        self.notices > 0 || self.sent + self.retrying + self.dead > 0
    }
}

#[derive(Template)]
#[template(path = "mail/notice.txt")]
struct NoticeText<'a> {
    n: &'a Notice,
}

#[derive(Template)]
#[template(path = "mail/notice.html")]
struct NoticeHtml<'a> {
    n: &'a Notice,
}

#[derive(Template)]
#[template(path = "mail/digest.txt")]
struct DigestText<'a> {
    notices: &'a [Notice],
    prefs_link: &'a str,
}

#[derive(Template)]
#[template(path = "mail/digest.html")]
struct DigestHtml<'a> {
    notices: &'a [Notice],
    prefs_link: &'a str,
}

impl App {
    /// The same app, sending notifications through `config`'s SMTP server.
    pub fn with_mail(mut self, config: &MailConfig) -> Result<Self, AppError> {
        self.mailer = Some(Mailer::new(config, self.webhook_policy.timeout)?);
        Ok(self)
    }

    /// The same app, also sending notifications as Slack direct messages
    /// from the bot whose token this is (`api`: Slack's, or a simulator's).
    pub fn with_slack_bot(mut self, token: &str, api: &str) -> Result<Self, AppError> {
        let bot = crate::slack::SlackBot::new(token, api, self.webhook_policy.timeout)?;
        self.slack_bot = Some(std::sync::Arc::new(bot));
        Ok(self)
    }

    /// Whether this app sends notifications (email, Slack or both).
    pub fn sends_mail(&self) -> bool {
        self.mailer.is_some() || self.slack_bot.is_some()
    }

    /// A person's notification preferences (the defaults until they set
    /// any).
    pub async fn notification_preferences(&self, caller: &Caller) -> Result<Preferences, AppError> {
        self.actor(caller).await?;
        self.preferences_of(&caller.org, &caller.email).await
    }

    async fn preferences_of(&self, org: &OrgId, who: &Email) -> Result<Preferences, AppError> {
        match self.store.mail_preferences(org, who).await? {
            Some(raw) => serde_json::from_str(&raw)
                .map_err(|e| AppError::Invalid(format!("stored preferences of {who}: {e}"))),
            None => Ok(Preferences::default()),
        }
    }

    /// Sets the caller's own notification preferences, refusing an hour
    /// outside the day or an unknown time zone.
    pub async fn set_notification_preferences(
        &self,
        caller: &Caller,
        prefs: Preferences,
    ) -> Result<Preferences, AppError> {
        self.actor(caller).await?;
        prefs.check(|z| jiff::tz::TimeZone::get(z).is_ok())?;
        let raw = serde_json::to_string(&prefs).map_err(|e| AppError::Invalid(e.to_string()))?;
        self.store
            .set_mail_preferences(&caller.org, &caller.email, &raw)
            .await?;
        Ok(prefs)
    }

    /// The org's mails for its admins, newest first: where each stands and
    /// the SMTP server's last answer; those `search` finds.
    pub async fn mail_log(
        &self,
        caller: &Caller,
        search: &baton_store::MailSearch<'_>,
        limit: u32,
    ) -> Result<Vec<baton_store::MailRecord>, AppError> {
        self.actor(caller)
            .await?
            .require_admin("see the mail log")?;
        Ok(self
            .store
            .mails(&caller.org, search, limit.clamp(1, 500))
            .await?)
    }

    /// One round of mail: notices become mails, due mails and digests go
    /// out. Without SMTP configured, only drops notices older than
    /// [`NOTICE_KEPT`].
    pub async fn send_mail(&self) -> Result<MailRound, AppError> {
        let mut round = MailRound::default();
        if self.mailer.is_none() && self.slack_bot.is_none() {
            round.dropped = self
                .store
                .drop_notices_before(self.now() - NOTICE_KEPT)
                .await?;
            return Ok(round);
        }
        self.expand_notices(&mut round).await?;
        self.deliver_mails(&mut round).await?;
        Ok(round)
    }

    async fn expand_notices(&self, round: &mut MailRound) -> Result<(), AppError> {
        let notices = self.store.pending_notices(NOTICES_PER_ROUND).await?;
        let mut dirs: HashMap<OrgId, Directory> = HashMap::new();
        for notice in notices {
            if !dirs.contains_key(&notice.org) {
                let dir = self.store.directory(&notice.org).await?;
                dirs.insert(notice.org.clone(), dir);
            }
            let recipients = match self.about(&notice.org, &notice.event).await? {
                Some((h, def)) => match notify::audience(&notice.event, &h, &def) {
                    Some(a) => dirs.get(&notice.org).map_or_else(Default::default, |d| {
                        // A leaver hears nothing more.
                        a.resolve(
                            d.users
                                .iter()
                                .filter(|(_, u)| u.active)
                                .map(|(e, u)| (e, &u.teams)),
                        )
                    }),
                    None => Default::default(),
                },
                None => Default::default(),
            };
            let now = self.now();
            let mut mails = Vec::new();
            for to in recipients {
                mails.extend(self.mail_for(&notice, to, now).await?);
            }
            self.store.expand_notice(&notice, &mails, now).await?;
            round.notices += 1;
            round.queued += mails.len();
        }
        Ok(())
    }

    /// The messages `to` gets of `notice`, as their preferences say: by
    /// each channel this app has and they want, at once or for the digest.
    async fn mail_for(
        &self,
        notice: &PendingNotice,
        to: Email,
        now: Timestamp,
    ) -> Result<Vec<NewMail>, AppError> {
        let prefs = self.preferences_of(&notice.org, &to).await?;
        let (status, due) = match prefs.delivery(notice.kind) {
            Delivery::Off => return Ok(Vec::new()),
            Delivery::Immediate => (MailStatus::Pending, now),
            Delivery::Digest => {
                let zone =
                    jiff::tz::TimeZone::get(&prefs.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
                (MailStatus::Held, prefs.next_digest(&zone, now))
            }
        };
        let channels = [
            (Channel::Email, self.mailer.is_some() && prefs.email),
            (Channel::Slack, self.slack_bot.is_some() && prefs.slack),
        ];
        Ok(channels
            .into_iter()
            .filter(|(_, on)| *on)
            .map(|(channel, _)| NewMail {
                recipient: to.clone(),
                channel,
                status,
                due,
            })
            .collect())
    }

    /// The handoff an event is about (as it stands now) and its contract
    /// version, when both can still be read.
    async fn about(
        &self,
        org: &OrgId,
        event: &Event,
    ) -> Result<Option<(Handoff, ContractDef)>, AppError> {
        let id: &HandoffId = match event {
            Event::Submitted { handoff, .. }
            | Event::Rejected { handoff, .. }
            | Event::SlaBreached { handoff, .. }
            | Event::RediscoverySuggested { handoff, .. } => handoff,
            _ => return Ok(None),
        };
        let Some(h) = self.store.handoff(org, id).await? else {
            return Ok(None);
        };
        let Some(def) = self
            .store
            .contract_version(org, &h.contract, h.version)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some((h, def)))
    }

    async fn deliver_mails(&self, round: &mut MailRound) -> Result<(), AppError> {
        let policy = self.webhook_policy;
        let owner = uuid::Uuid::now_v7().to_string();
        let now = self.now();
        let claimed = self
            .store
            .claim_mails(&owner, now, now + policy.lease, policy.batch)
            .await?;
        // One message per pending mail; one per recipient and channel for
        // the digest.
        let mut messages: Vec<Vec<ClaimedMail>> = Vec::new();
        let mut digests: BTreeMap<(String, String, Channel), Vec<ClaimedMail>> = BTreeMap::new();
        for m in claimed {
            if m.digest {
                digests
                    .entry((m.org.to_string(), m.recipient.to_string(), m.channel))
                    .or_default()
                    .push(m);
            } else {
                messages.push(vec![m]);
            }
        }
        messages.extend(digests.into_values());
        for group in messages {
            let Some(first) = group.first() else { continue };
            let (org, to, attempts, digest) = (
                first.org.clone(),
                first.recipient.clone(),
                first.attempts,
                first.digest,
            );
            let at = self.now();
            let result = match first.channel {
                Channel::Email => self.send_email(&group).await,
                Channel::Slack => self.send_slack(&group).await,
            };
            let n = attempts + 1;
            let (status, next_attempt_at, error) = match result {
                Ok(()) => {
                    round.sent += 1;
                    (MailStatus::Sent, at, None)
                }
                Err((e, permanent)) if permanent || n >= policy.max_attempts => {
                    round.dead += 1;
                    tracing::warn!(to = %to, attempt = n, error = %e, "mail refused for good");
                    (MailStatus::Dead, at, Some(e))
                }
                Err((e, _)) => {
                    round.retrying += 1;
                    tracing::info!(to = %to, attempt = n, error = %e, "mail attempt failed");
                    let again = if digest {
                        MailStatus::Held
                    } else {
                        MailStatus::Pending
                    };
                    (again, self.now() + policy.backoff(n), Some(e))
                }
            };
            let ids: Vec<&str> = group.iter().map(|m| m.id.as_str()).collect();
            let outcome = MailOutcome {
                status,
                at,
                next_attempt_at,
                error,
            };
            if !self
                .store
                .finish_mails(&org, &ids, &owner, &outcome)
                .await?
            {
                tracing::warn!(to = %to, "mail lease lost before the attempt was recorded");
            }
        }
        Ok(())
    }

    /// Sends one email (or one digest); the error says whether it is
    /// final.
    async fn send_email(&self, group: &[ClaimedMail]) -> Result<(), (String, bool)> {
        let Some(mailer) = &self.mailer else {
            return Err(("this Baton no longer sends email".into(), true));
        };
        let msg = self
            .compose(mailer, group)
            .await
            .map_err(|e| (e.to_string(), true))?;
        mailer.transport.send(msg).await.map(|_| ()).map_err(|e| {
            let permanent = e.is_permanent();
            (describe(&e, &mailer.server), permanent)
        })
    }

    /// Sends one Slack direct message (or one digest).
    async fn send_slack(&self, group: &[ClaimedMail]) -> Result<(), (String, bool)> {
        let Some(bot) = &self.slack_bot else {
            return Err(("this Baton no longer has a Slack bot".into(), true));
        };
        let Some(first) = group.first() else {
            return Ok(());
        };
        let mut notices = Vec::with_capacity(group.len());
        for m in group {
            notices.push(self.notice(m).await.map_err(|e| (e.to_string(), true))?);
        }
        let text = crate::slack::dm_text(&notices, first.digest);
        bot.direct_message(&first.recipient, &text).await
    }

    /// The message for one mail, or for a digest of several.
    async fn compose(&self, mailer: &Mailer, group: &[ClaimedMail]) -> Result<Message, AppError> {
        let Some(first) = group.first() else {
            return Err(AppError::Invalid("an empty mail".into()));
        };
        let mut notices = Vec::with_capacity(group.len());
        for m in group {
            notices.push(self.notice(m).await?);
        }
        let render = |e: askama::Error| AppError::Invalid(format!("cannot render a mail: {e}"));
        let (subject, text, html) = if first.digest {
            let prefs_link = format!("{}/settings/notifications", self.base_url());
            let subject = match notices.len() {
                1 => format!("Baton daily digest: {}", notices[0].subject),
                n => format!("Baton daily digest: {n} notifications"),
            };
            let text = DigestText {
                notices: &notices,
                prefs_link: &prefs_link,
            }
            .render()
            .map_err(render)?;
            let html = DigestHtml {
                notices: &notices,
                prefs_link: &prefs_link,
            }
            .render()
            .map_err(render)?;
            (subject, text, html)
        } else {
            let n = &notices[0];
            let text = NoticeText { n }.render().map_err(render)?;
            let html = NoticeHtml { n }.render().map_err(render)?;
            (n.subject.clone(), text, html)
        };
        let to: Mailbox = first.recipient.to_string().parse().map_err(|e| {
            AppError::Invalid(format!("'{}' is not an address: {e}", first.recipient))
        })?;
        Message::builder()
            .from(mailer.from.clone())
            .to(to)
            .subject(subject)
            // The same id on every attempt: a receiving server that got a
            // message whose acknowledgement was lost can drop the repeat.
            .message_id(Some(format!("<{}@baton>", first.id)))
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| AppError::Invalid(format!("cannot build a mail: {e}")))
    }

    /// Sends one mail now, outside the outbox: for a message that holds a
    /// secret (a one-time link), which must never be stored in clear.
    /// `Ok(false)` when this app sends no mail.
    pub(crate) async fn send_now(&self, to: &Email, n: &Notice) -> Result<bool, AppError> {
        let Some(mailer) = &self.mailer else {
            return Ok(false);
        };
        let render = |e: askama::Error| AppError::Invalid(format!("cannot render a mail: {e}"));
        let text = NoticeText { n }.render().map_err(render)?;
        let html = NoticeHtml { n }.render().map_err(render)?;
        let to_box: Mailbox = to
            .to_string()
            .parse()
            .map_err(|e| AppError::Invalid(format!("'{to}' is not an address: {e}")))?;
        let msg = Message::builder()
            .from(mailer.from.clone())
            .to(to_box)
            .subject(n.subject.clone())
            .multipart(MultiPart::alternative_plain_html(text, html))
            .map_err(|e| AppError::Invalid(format!("cannot build a mail: {e}")))?;
        mailer
            .transport
            .send(msg)
            .await
            .map_err(|e| AppError::Upstream(describe(&e, &mailer.server)))?;
        Ok(true)
    }

    fn base_url(&self) -> &str {
        self.crm.public_url.trim_end_matches('/')
    }

    /// What one mail says: the facts the person needs and the one link
    /// where they act.
    async fn notice(&self, m: &ClaimedMail) -> Result<Notice, AppError> {
        let base = self.base_url();
        let about = self.about(&m.org, &m.event).await?;
        let (title, account, id) = match &about {
            Some((h, def)) => {
                let account = self
                    .store
                    .account(&m.org, &h.account)
                    .await?
                    .map_or_else(|| h.account.to_string(), |a| a.name);
                (def.title.clone(), account, h.id.to_string())
            }
            None => ("handoff".to_string(), String::new(), String::new()),
        };
        let for_account = if account.is_empty() {
            String::new()
        } else {
            format!(" for {account}")
        };
        let mut facts = Vec::new();
        if !account.is_empty() {
            facts.push(("Account".to_string(), account.clone()));
        }
        Ok(match &m.event {
            Event::Submitted { by, score, .. } => {
                facts.push(("From".into(), by.to_string()));
                if let Some(s) = score {
                    facts.push(("Completeness".into(), format!("{s}%")));
                }
                Notice {
                    subject: format!("To decide: {title}{for_account}"),
                    headline: format!("{by} handed off {title}{for_account} to your team."),
                    facts,
                    action: "Review and accept or reject".into(),
                    link: format!("{base}/handoffs/{id}"),
                }
            }
            Event::Rejected {
                by,
                code,
                reason,
                fields,
                ..
            } => {
                facts.push(("By".into(), by.to_string()));
                if let Some(c) = code {
                    facts.push(("Reason".into(), c.replace('_', " ")));
                }
                if !reason.is_empty() {
                    facts.push(("What was wrong".into(), reason.clone()));
                }
                if !fields.is_empty() {
                    let f: Vec<String> = fields.iter().map(ToString::to_string).collect();
                    facts.push(("Fields to fix".into(), f.join(", ")));
                }
                Notice {
                    subject: format!("Sent back: {title}{for_account}"),
                    headline: format!(
                        "{by} sent your {title} handoff{for_account} back for rework."
                    ),
                    facts,
                    action: "Fix it and resubmit".into(),
                    link: format!("{base}/handoffs/{id}/edit"),
                }
            }
            Event::SlaBreached { kind, due, .. } => {
                facts.push(("Promise".into(), kind.as_str().replace('_', " ")));
                facts.push((
                    "Was due".into(),
                    due.strftime("%Y-%m-%d %H:%M UTC").to_string(),
                ));
                Notice {
                    subject: format!("Overdue: {title}{for_account}"),
                    headline: format!(
                        "A {} deadline on the {title} handoff{for_account} passed unmet.",
                        kind.as_str().replace('_', " ")
                    ),
                    facts,
                    action: "Open the handoff".into(),
                    link: format!("{base}/handoffs/{id}"),
                }
            }
            Event::RediscoverySuggested {
                field, question, ..
            } => {
                facts.push(("Asked again".into(), question.clone()));
                facts.push(("Field it re-asks".into(), field.to_string()));
                Notice {
                    subject: format!("Possible re-discovery{for_account}"),
                    headline: format!(
                        "A note{for_account} seems to ask the customer what the {title} handoff already answered."
                    ),
                    facts,
                    action: "Confirm or dismiss it".into(),
                    link: format!("{base}/suggestions"),
                }
            }
            _ => Notice {
                subject: format!("Baton: {}", m.kind.label()),
                headline: m.kind.label().to_string(),
                facts,
                action: "Open Baton".into(),
                link: format!("{base}/"),
            },
        })
    }
}

/// The SMTP server's answer (or why there was none), naming the server and
/// never its credentials.
fn describe(e: &lettre::transport::smtp::Error, server: &str) -> String {
    use std::error::Error as _;
    let mut why = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        // lettre's own text often already ends with its source's.
        let more = s.to_string();
        if !why.contains(&more) {
            why = format!("{why}: {more}");
        }
        source = s.source();
    }
    format!("SMTP {server}: {why}")
}

/// Kinds a person may set, with how they come now, for forms.
pub fn kinds_of(prefs: &Preferences) -> Vec<(NoticeKind, Delivery)> {
    NoticeKind::ALL
        .into_iter()
        .map(|k| (k, prefs.delivery(k)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_is_named_without_credentials() {
        assert_eq!(
            server_of("smtps://baton:s3cret@mail.example.com:465"),
            "mail.example.com:465"
        );
        assert_eq!(
            server_of("smtp://127.0.0.1:2525?tls=required"),
            "127.0.0.1:2525"
        );
    }

    #[tokio::test]
    async fn a_url_that_is_not_smtp_is_refused_without_echoing_it() {
        let e = Mailer::new(
            &MailConfig {
                smtp_url: "http://u:hunter2@mail.example.com".into(),
                from: "baton@example.com".into(),
            },
            Duration::from_secs(1),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(e.contains("smtp://"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[tokio::test]
    async fn a_bad_from_address_is_named() {
        let e = Mailer::new(
            &MailConfig {
                smtp_url: "smtp://127.0.0.1:2525".into(),
                from: "not an address".into(),
            },
            Duration::from_secs(1),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(e.contains("not an address"), "{e}");
    }
}
