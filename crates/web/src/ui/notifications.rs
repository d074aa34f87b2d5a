//! Notifications: each person's own preferences (each kind off, at once or
//! in a daily digest at an hour of their day), and for admins the mail log
//! with the SMTP server's answers.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use baton_domain::notify::{Delivery, NoticeKind, Preferences};
use baton_store::{MailRecord, MailSearch, MailStatus};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::ui::{Page, Posted, UiError, UiResult, Viewer, render_form};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/notifications", get(page).post(save))
        .route("/mail", get(mail_log))
        .route("/mail.csv", get(mail_csv))
}

/// One kind as the form shows it.
struct KindRow {
    kind: &'static str,
    label: &'static str,
    delivery: &'static str,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    page: Page,
    kinds: Vec<KindRow>,
    choices: [(&'static str, &'static str); 3],
    digest_hour: u8,
    time_zone: String,
    email: bool,
    slack: bool,
    sends_mail: bool,
    error: Option<String>,
    done: bool,
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

const CHOICES: [(&str, &str); 3] = [
    ("immediate", "At once"),
    ("digest", "In my daily digest"),
    ("off", "Never"),
];

fn rows(p: &Preferences) -> Vec<KindRow> {
    NoticeKind::ALL
        .into_iter()
        .map(|k| KindRow {
            kind: k.as_str(),
            label: k.label(),
            delivery: p.delivery(k).as_str(),
        })
        .collect()
}

fn show(
    s: &AppState,
    v: &Viewer,
    prefs: &Preferences,
    error: Option<String>,
    done: bool,
) -> UiResult {
    let page = NotificationsPage {
        page: v.page.at("notifications"),
        kinds: rows(prefs),
        choices: CHOICES,
        digest_hour: prefs.digest_hour,
        time_zone: prefs.time_zone.clone(),
        email: prefs.email,
        slack: prefs.slack,
        sends_mail: s.app.sends_mail(),
        error,
        done,
    };
    render_form(page.error.is_some(), &page)
}

async fn page(State(s): State<AppState>, v: Viewer, Query(d): Query<Done>) -> UiResult {
    let prefs = s.app.notification_preferences(&v.caller).await?;
    show(&s, &v, &prefs, None, d.done.is_some())
}

async fn save(State(s): State<AppState>, Posted(v, f): Posted) -> UiResult {
    let mut prefs = Preferences::default();
    let mut why = None;
    for k in NoticeKind::ALL {
        let raw = f.get(k.as_str()).unwrap_or("immediate");
        match Delivery::parse(raw) {
            Some(d) => {
                prefs.kinds.insert(k, d);
            }
            None => why = Some(format!("'{raw}' is not a choice for \"{}\"", k.label())),
        }
    }
    let hour = f.get("digest_hour").unwrap_or("8");
    match hour.parse::<u8>() {
        Ok(h) => prefs.digest_hour = h,
        Err(_) => why = Some(format!("digest hour: '{hour}' is not an hour from 0 to 23")),
    }
    prefs.time_zone = f.get("time_zone").unwrap_or("UTC").to_string();
    prefs.email = f.get("email").is_some();
    prefs.slack = f.get("slack").is_some();
    if let Some(why) = why {
        return show(&s, &v, &prefs, Some(why), false);
    }
    match s
        .app
        .set_notification_preferences(&v.caller, prefs.clone())
        .await
    {
        Ok(_) => Ok(Redirect::to("/settings/notifications?done=saved").into_response()),
        Err(e) => show(&s, &v, &prefs, Some(ApiError::from(e).detail), false),
    }
}

#[derive(Template)]
#[template(path = "mail.html")]
struct MailPage {
    page: Page,
    mails: Vec<MailRecord>,
    status: String,
    /// The search typed.
    q: String,
    /// The same filter as CSV.
    csv: String,
    /// The next, older page, when there is one.
    older: Option<String>,
    sends_mail: bool,
}

#[derive(Debug, Default, Deserialize)]
struct MailFilter {
    status: Option<String>,
    q: Option<String>,
    /// The page after this mail (`<created micros>-<id>`).
    after: Option<String>,
}

impl MailFilter {
    /// The search it asks for.
    fn search(&self) -> UiResult<MailSearch<'_>> {
        let before = match self.after.as_deref().filter(|a| !a.is_empty()) {
            None => None,
            Some(raw) => {
                let bad = || {
                    UiError::Status(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        format!("after: '{raw}' is not a place in the mail log"),
                    )
                };
                let (micros, id) = raw.split_once('-').ok_or_else(bad)?;
                let at = micros
                    .parse::<i64>()
                    .ok()
                    .and_then(|m| baton_domain::Timestamp::from_microsecond(m).ok())
                    .ok_or_else(bad)?;
                Some((at, id.to_string()))
            }
        };
        Ok(MailSearch {
            status: self.status.as_deref().and_then(MailStatus::parse),
            text: self.q.as_deref(),
            before,
        })
    }
}

fn when(t: &baton_domain::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// Most mails the CSV holds (the log's own page limit).
const MAIL_CSV_ROWS: u32 = 500;
/// Mails one page of the log shows.
const MAIL_PAGE: u32 = 100;

/// `GET /mail.csv`: the log with the same status filter, newest first.
async fn mail_csv(State(s): State<AppState>, v: Viewer, Query(q): Query<MailFilter>) -> UiResult {
    let mails = s
        .app
        .mail_log(&v.caller, &q.search()?, MAIL_CSV_ROWS)
        .await?;
    let mut out = baton_app::csv_cells::header(&[
        "created_at",
        "kind",
        "recipient",
        "channel",
        "status",
        "attempts",
        "sent_at",
        "next_attempt_at",
        "last_error",
    ]);
    let at = |t: &Option<baton_domain::Timestamp>| t.as_ref().map(when).unwrap_or_default();
    for m in mails {
        out.push_str(
            &baton_app::csv_cells::Row::new()
                .text(when(&m.created_at))
                .text(&m.kind)
                .text(&m.recipient)
                .text(&m.channel)
                .text(&m.status)
                .number(m.attempts)
                .text(at(&m.sent_at))
                .text(at(&m.next_attempt_at))
                .text(m.last_error.as_deref().unwrap_or_default())
                .line(),
        );
    }
    Ok(crate::ui::download::csv("mail", out))
}

async fn mail_log(State(s): State<AppState>, v: Viewer, Query(q): Query<MailFilter>) -> UiResult {
    let search = q.search()?;
    let mails = s.app.mail_log(&v.caller, &search, MAIL_PAGE).await?;
    let status = search
        .status
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    let text = q.q.as_deref().unwrap_or_default().trim().to_string();
    let older = (mails.len() == MAIL_PAGE as usize)
        .then(|| mails.last())
        .flatten()
        .map(|m| {
            format!(
                "/mail?status={status}&q={}&after={}-{}",
                crate::ui::percent_encode(&text),
                m.created_at.as_microsecond(),
                crate::ui::percent_encode(&m.id)
            )
        });
    let page = MailPage {
        page: v.page.at("mail"),
        mails,
        csv: format!(
            "/mail.csv?status={status}&q={}",
            crate::ui::percent_encode(&text)
        ),
        status,
        q: text,
        older,
        sends_mail: s.app.sends_mail(),
    };
    render_form(false, &page)
}
