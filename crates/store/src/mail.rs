//! The mail outbox (SPEC §12): a notice per event people are told of,
//! written in the event's transaction; the mails each notice becomes, one
//! per recipient, claimed with a lease so no two processes send one; and
//! each person's notification preferences.

use baton_domain::notify::NoticeKind;
use baton_domain::{Email, OrgId, Timestamp};

use crate::change::NewEvent;
use crate::sql_args::Arg;
use crate::tx::Tx;
use crate::{Backend, Store, StoreError, from_micros, micros};

/// Writes a notice for each event of `events` people are told of, in the
/// events' own transaction: a notice exists iff its event does.
pub(crate) async fn enqueue(
    tx: &mut Tx<'_>,
    backend: Backend,
    org: &OrgId,
    first: u64,
    events: &[NewEvent],
) -> Result<(), StoreError> {
    let rows: Vec<(i64, NoticeKind, i64)> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let kind = NoticeKind::of(&e.event)?;
            Some(((first + i as u64) as i64, kind, micros(e.recorded_at)))
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let o = org.to_string();
    crate::many::insert_many(
        tx,
        backend,
        (
            "INSERT INTO mail_notices (org_id, seq, kind, created_at) VALUES",
            4,
            "",
        ),
        &rows,
        |q, _, (seq, kind, at)| {
            q.extend([
                Arg::from(&o),
                (*seq).into(),
                kind.as_str().into(),
                (*at).into(),
            ]);
            Ok(())
        },
    )
    .await
}

/// A notice waiting to become mails, with its event.
#[derive(Debug, Clone)]
pub struct PendingNotice {
    /// The org.
    pub org: OrgId,
    /// The event's sequence number.
    pub seq: u64,
    /// What it tells.
    pub kind: NoticeKind,
    /// The event, as stored.
    pub event: baton_domain::Event,
    /// When the event was stored.
    pub recorded_at: Timestamp,
}

/// Where a mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    /// Goes out on its own when due.
    Pending,
    /// Waits for its recipient's daily digest.
    Held,
    /// The SMTP server took it.
    Sent,
    /// Refused for good, or every attempt failed.
    Dead,
}

impl MailStatus {
    /// Its stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Held => "held",
            Self::Sent => "sent",
            Self::Dead => "dead",
        }
    }

    /// Parses [`MailStatus::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Held, Self::Sent, Self::Dead]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// How a message reaches its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Channel {
    /// An email through the SMTP server.
    Email,
    /// A Slack direct message from Baton's bot.
    Slack,
}

impl Channel {
    /// Its stored and shown name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Slack => "slack",
        }
    }

    /// Parses [`Channel::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Email, Self::Slack]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// One message a notice becomes.
#[derive(Debug, Clone)]
pub struct NewMail {
    /// Who gets it.
    pub recipient: Email,
    /// By which channel.
    pub channel: Channel,
    /// Pending (at once) or held (for the digest).
    pub status: MailStatus,
    /// When it is due: now, or the recipient's next digest.
    pub due: Timestamp,
}

/// A due mail claimed by one job round, with what sending it needs.
#[derive(Debug, Clone)]
pub struct ClaimedMail {
    /// The org.
    pub org: OrgId,
    /// The mail's id (its Message-ID is made from it).
    pub id: String,
    /// The event's sequence number.
    pub seq: u64,
    /// What it tells.
    pub kind: NoticeKind,
    /// Who gets it.
    pub recipient: Email,
    /// By which channel.
    pub channel: Channel,
    /// Held for a digest (sent together with the recipient's others).
    pub digest: bool,
    /// Attempts made before this one.
    pub attempts: u32,
    /// The event.
    pub event: baton_domain::Event,
    /// When the event was stored.
    pub recorded_at: Timestamp,
}

/// A mail as the admins' log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRecord {
    /// Its id.
    pub id: String,
    /// The event's sequence number.
    pub seq: u64,
    /// What it tells.
    pub kind: String,
    /// Who gets it.
    pub recipient: String,
    /// `email` or `slack`.
    pub channel: String,
    /// Where it stands.
    pub status: String,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt (or the digest) is due, while not done.
    pub next_attempt_at: Option<Timestamp>,
    /// The last failure, as the SMTP server or the network gave it.
    pub last_error: Option<String>,
    /// When it was made.
    pub created_at: Timestamp,
    /// When the SMTP server took it.
    pub sent_at: Option<Timestamp>,
}

/// Which mails a log listing wants.
#[derive(Debug, Clone, Default)]
pub struct MailSearch<'a> {
    /// Only those in this state.
    pub status: Option<MailStatus>,
    /// Only those whose recipient or kind contains this (any case).
    pub text: Option<&'a str>,
    /// Only those older than this one (its creation time and id): the
    /// next page after it.
    pub before: Option<(Timestamp, String)>,
}

/// What one attempt at a set of mails (one mail, or one digest) came to.
#[derive(Debug, Clone)]
pub struct MailOutcome {
    /// Sent, pending again (or held again, for a digest) or dead.
    pub status: MailStatus,
    /// When the attempt was made.
    pub at: Timestamp,
    /// When to try again.
    pub next_attempt_at: Timestamp,
    /// Why it failed.
    pub error: Option<String>,
}

fn email(raw: &str) -> Result<Email, StoreError> {
    Email::parse(raw).map_err(|e| StoreError::corrupt("email", e))
}

fn kind(raw: &str) -> Result<NoticeKind, StoreError> {
    NoticeKind::parse(raw).ok_or_else(|| StoreError::corrupt("notice kind", raw))
}

fn event(raw: &str) -> Result<baton_domain::Event, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::corrupt("event", e))
}

fn channel(raw: &str) -> Result<Channel, StoreError> {
    Channel::parse(raw).ok_or_else(|| StoreError::corrupt("message channel", raw))
}

fn org(raw: &str) -> Result<OrgId, StoreError> {
    OrgId::parse(raw).map_err(|e| StoreError::corrupt("org id", e))
}

impl Store {
    /// Up to `limit` notices waiting to become mails, oldest first.
    pub async fn pending_notices(&self, limit: u32) -> Result<Vec<PendingNotice>, StoreError> {
        let rows = self
            .rows(
                "SELECT n.org_id, n.seq, n.kind, e.recorded_at, e.payload
                 FROM mail_notices n JOIN events e ON e.org_id = n.org_id AND e.seq = n.seq
                 ORDER BY n.created_at, n.org_id, n.seq LIMIT $1",
                &[Arg::from(i64::from(limit))],
                |r| {
                    Ok(PendingNotice {
                        org: org(&r.text(0)?)?,
                        seq: u64::try_from(r.int(1)?).unwrap_or(0),
                        kind: kind(&r.text(2)?)?,
                        recorded_at: from_micros(r.int(3)?)?,
                        event: event(&r.text(4)?)?,
                    })
                },
            )
            .await?;
        Ok(rows)
    }

    /// Replaces a notice by its mails, in one transaction. A second call for
    /// the same notice (another process got there first) adds nothing.
    pub async fn expand_notice(
        &self,
        notice: &PendingNotice,
        mails: &[NewMail],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let mut t = Tx::Any(&mut tx);
        let o = notice.org.to_string();
        crate::many::insert_many(
            &mut t,
            self.backend,
            (
                "INSERT INTO mails (org_id, mail_id, seq, kind, recipient, channel, status, next_attempt_at, created_at) VALUES",
                9,
                "ON CONFLICT (org_id, seq, recipient, channel) DO NOTHING",
            ),
            mails,
            |q, _, m| {
                q.extend([
                    Arg::from(&o),
                    uuid::Uuid::now_v7().to_string().into(),
                    (notice.seq as i64).into(),
                    notice.kind.as_str().into(),
                    m.recipient.to_string().into(),
                    m.channel.as_str().into(),
                    m.status.as_str().into(),
                    micros(m.due).into(),
                    micros(now).into(),
                ]);
                Ok(())
            },
        )
        .await?;
        t.exec(
            "DELETE FROM mail_notices WHERE org_id = $1 AND seq = $2",
            &[Arg::from(&o), (notice.seq as i64).into()],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops notices older than `before` (kept while no process sends mail,
    /// so that configuring SMTP later does not mail people about old news).
    pub async fn drop_notices_before(&self, before: Timestamp) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = Tx::Any(&mut tx)
            .exec(
                "DELETE FROM mail_notices WHERE created_at < $1",
                &[micros(before).into()],
            )
            .await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Claims up to `limit` due mails (pending, or held for a digest that
    /// is due) for `owner` until `lease_until`: another claimer skips them
    /// until the lease runs out, so two processes never send one at once.
    /// A digest's mails are claimed together: every held mail of a claimed
    /// recipient that is due comes along.
    pub async fn claim_mails(
        &self,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedMail>, StoreError> {
        let lock = match self.backend {
            Backend::Sqlite => "",
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        };
        let mut tx = self.begin_write().await?;
        let mut t = Tx::Any(&mut tx);
        t.exec(
            &format!(
                "UPDATE mails SET next_attempt_at = $1, lease_owner = $2
                 WHERE (org_id, mail_id) IN (
                     SELECT org_id, mail_id FROM mails
                     WHERE status IN ('pending', 'held') AND next_attempt_at <= $3
                     ORDER BY next_attempt_at, org_id, mail_id LIMIT $4 {lock})"
            ),
            &[
                micros(lease_until).into(),
                owner.into(),
                micros(now).into(),
                i64::from(limit).into(),
            ],
        )
        .await?;
        // The rest of each claimed recipient's due digest, so it goes out
        // whole rather than split across rounds.
        t.exec(
            &format!(
                "UPDATE mails SET next_attempt_at = $1, lease_owner = $2
                 WHERE (org_id, mail_id) IN (
                     SELECT m.org_id, m.mail_id FROM mails m
                     WHERE m.status = 'held' AND m.next_attempt_at <= $3
                       AND (m.lease_owner IS NULL OR m.lease_owner <> $2)
                       AND EXISTS (SELECT 1 FROM mails c WHERE c.lease_owner = $2
                                   AND c.status = 'held' AND c.org_id = m.org_id
                                   AND c.recipient = m.recipient
                                   AND c.channel = m.channel) {lock})"
            ),
            &[micros(lease_until).into(), owner.into(), micros(now).into()],
        )
        .await?;
        let rows = t
            .rows(
                "SELECT m.org_id, m.mail_id, m.kind, m.recipient, m.status, m.attempts,
                        m.seq, e.recorded_at, e.payload, m.channel
                 FROM mails m JOIN events e ON e.org_id = m.org_id AND e.seq = m.seq
                 WHERE m.lease_owner = $1 AND m.status IN ('pending', 'held')
                 ORDER BY m.org_id, m.recipient, m.channel, m.seq",
                &[owner.into()],
                |r| {
                    Ok(ClaimedMail {
                        org: org(&r.text(0)?)?,
                        id: r.text(1)?,
                        kind: kind(&r.text(2)?)?,
                        recipient: email(&r.text(3)?)?,
                        digest: r.text(4)? == MailStatus::Held.as_str(),
                        attempts: u32::try_from(r.int(5)?).unwrap_or(u32::MAX),
                        seq: u64::try_from(r.int(6)?).unwrap_or(0),
                        recorded_at: from_micros(r.int(7)?)?,
                        event: event(&r.text(8)?)?,
                        channel: channel(&r.text(9)?)?,
                    })
                },
            )
            .await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Records an attempt at mails `owner` claimed (one mail, or a digest's
    /// mails together). Returns false (recording nothing) when the lease
    /// was lost to another claimer meanwhile.
    pub async fn finish_mails(
        &self,
        org: &OrgId,
        ids: &[&str],
        owner: &str,
        outcome: &MailOutcome,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut t = Tx::Any(&mut tx);
        let sent = (outcome.status == MailStatus::Sent).then_some(micros(outcome.at));
        let mut done = 0;
        for id in ids {
            done += t
                .exec(
                    "UPDATE mails SET status = $1, attempts = attempts + 1, next_attempt_at = $2,
                         last_error = $3, sent_at = $4, lease_owner = NULL
                     WHERE org_id = $5 AND mail_id = $6 AND lease_owner = $7",
                    &[
                        outcome.status.as_str().into(),
                        micros(outcome.next_attempt_at).into(),
                        outcome.error.as_deref().map_or(Arg::NullText, Arg::from),
                        sent.map_or(Arg::NullInt, Arg::from),
                        org.to_string().into(),
                        (*id).into(),
                        owner.into(),
                    ],
                )
                .await?;
        }
        if done < ids.len() as u64 {
            // Part of it was claimed again meanwhile: record none of it.
            tx.rollback().await?;
            return Ok(false);
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The org's mails that `search` finds, newest first.
    pub async fn mails(
        &self,
        org: &OrgId,
        search: &MailSearch<'_>,
        limit: u32,
    ) -> Result<Vec<MailRecord>, StoreError> {
        let MailSearch {
            status,
            text,
            before,
        } = search;
        let mut args = vec![Arg::from(org.to_string()), Arg::from(i64::from(limit))];
        let mut only = String::new();
        if let Some((at, id)) = before {
            args.push(micros(*at).into());
            args.push(id.clone().into());
            let (t, i) = (args.len() - 1, args.len());
            only.push_str(&format!(
                " AND (created_at < ${t} OR (created_at = ${t} AND mail_id < ${i}))"
            ));
        }
        if let Some(s) = status {
            args.push(s.as_str().into());
            only.push_str(&format!(" AND status = ${}", args.len()));
        }
        if let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) {
            args.push(crate::read::contains_pattern(&t.to_lowercase()).into());
            let n = args.len();
            only.push_str(&format!(
                " AND (LOWER(recipient) LIKE ${n} ESCAPE '\\' OR LOWER(kind) LIKE ${n} ESCAPE '\\')"
            ));
        }
        self.rows(
            &format!(
                "SELECT mail_id, seq, kind, recipient, status, attempts, next_attempt_at,
                        last_error, created_at, sent_at, channel
                 FROM mails WHERE org_id = $1{only}
                 ORDER BY created_at DESC, mail_id DESC LIMIT $2"
            ),
            &args,
            |r| {
                let status = r.text(4)?;
                let open = status == "pending" || status == "held";
                Ok(MailRecord {
                    id: r.text(0)?,
                    seq: u64::try_from(r.int(1)?).unwrap_or(0),
                    kind: r.text(2)?,
                    recipient: r.text(3)?,
                    status,
                    attempts: u32::try_from(r.int(5)?).unwrap_or(u32::MAX),
                    next_attempt_at: if open {
                        Some(from_micros(r.int(6)?)?)
                    } else {
                        None
                    },
                    last_error: r.opt_text(7)?,
                    created_at: from_micros(r.int(8)?)?,
                    sent_at: r.opt_int(9)?.map(from_micros).transpose()?,
                    channel: r.text(10)?,
                })
            },
        )
        .await
    }

    /// A person's stored preferences (JSON), if they ever set any.
    pub async fn mail_preferences(
        &self,
        org: &OrgId,
        who: &Email,
    ) -> Result<Option<String>, StoreError> {
        self.row(
            "SELECT prefs FROM mail_preferences WHERE org_id = $1 AND email = $2",
            &[org.to_string().into(), who.to_string().into()],
            |r| r.text(0),
        )
        .await
    }

    /// Stores a person's preferences (JSON), replacing what was there.
    pub async fn set_mail_preferences(
        &self,
        org: &OrgId,
        who: &Email,
        prefs: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        Tx::Any(&mut tx)
            .exec(
                "INSERT INTO mail_preferences (org_id, email, prefs) VALUES ($1, $2, $3)
                 ON CONFLICT (org_id, email) DO UPDATE SET prefs = excluded.prefs",
                &[org.to_string().into(), who.to_string().into(), prefs.into()],
            )
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
