//! The webhooks page (admins): subscriptions, a form to add one, and each
//! subscription's delivery log with redelivery.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use baton_app::webhooks::{FORMATS, NewWebhook};
use baton_store::{DeliveryRecord, DeliveryStatus, WebhookRecord};
use serde::Deserialize;

use crate::AppState;
use crate::ui::{Page, Posted, UiError, UiResult, Viewer, render_form};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks", get(page).post(add))
        .route("/webhooks/{id}/delete", post(delete))
        .route("/webhooks/{id}/test", post(test))
        .route("/webhooks/{id}/deliveries.csv", get(deliveries_csv))
        .route(
            "/webhooks/{id}/deliveries/{delivery}/redeliver",
            post(redeliver),
        )
}

/// Deliveries shown per subscription.
const LOG_ROWS: u32 = 25;

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    page: Page,
    hooks: Vec<HookView>,
    formats: &'static [&'static str],
    url: String,
    /// Every kind a subscription may ask for, and whether it is ticked.
    kinds: Vec<(&'static str, bool)>,
    /// "Every kind" is ticked.
    every: bool,
    format: String,
    error: Option<String>,
    done: Option<String>,
    tested: Option<Tested>,
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
    /// The subscription whose log is filtered or paged.
    hook: Option<String>,
    /// Only deliveries in this state.
    status: Option<String>,
    /// Deliveries of events before this sequence number (older ones).
    before: Option<u64>,
}

/// A subscription with the page of its log shown.
struct HookView {
    hook: WebhookRecord,
    log: Vec<DeliveryRecord>,
    /// The status its log is filtered by (empty: all).
    status: String,
    /// The next, older page of its log, when there is one.
    older: Option<String>,
    /// The same filter as CSV.
    csv: String,
}

/// How one subscription's log is shown: its filter and where it starts.
#[derive(Debug, Default, Clone)]
struct LogView {
    status: Option<DeliveryStatus>,
    before: Option<u64>,
}

/// The last test delivery, shown on its subscription.
#[derive(Debug, Clone)]
pub struct Tested {
    /// The subscription.
    pub id: String,
    /// The receiver took it.
    pub ok: bool,
    /// What happened, in words.
    pub text: String,
}

fn when(t: &baton_domain::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

async fn show(
    s: &AppState,
    v: &Viewer,
    form: (String, Vec<String>, String),
    error: Option<String>,
    (done, view): (Option<String>, Option<(String, LogView)>),
    tested: Option<Tested>,
) -> UiResult {
    let mut hooks = Vec::new();
    for h in s.app.webhooks(&v.caller).await? {
        let shown = view
            .as_ref()
            .filter(|(id, _)| *id == h.id)
            .map(|(_, l)| l.clone())
            .unwrap_or_default();
        let log = s
            .app
            .webhook_deliveries(&v.caller, &h.id, shown.status, shown.before, LOG_ROWS)
            .await?;
        let status = shown.status.map(DeliveryStatus::as_str).unwrap_or_default();
        let older = (log.len() == LOG_ROWS as usize)
            .then(|| log.last().map(|d| d.seq))
            .flatten()
            .map(|seq| {
                format!(
                    "/webhooks?hook={}&status={status}&before={seq}#hook-{}",
                    h.id, h.id
                )
            });
        hooks.push(HookView {
            csv: format!("/webhooks/{}/deliveries.csv?status={status}", h.id),
            status: status.to_string(),
            older,
            log,
            hook: h,
        });
    }
    let (url, events, format) = form;
    let page = WebhooksPage {
        page: v.page.at("webhooks"),
        hooks,
        formats: FORMATS,
        url,
        kinds: baton_domain::event::KINDS
            .iter()
            .map(|k| (*k, events.iter().any(|e| e == k)))
            .collect(),
        every: events.iter().any(|e| e == "*"),
        format,
        error,
        done,
        tested,
    };
    render_form(page.error.is_some(), &page)
}

async fn page(State(s): State<AppState>, v: Viewer, Query(d): Query<Done>) -> UiResult {
    let blank = (String::new(), vec!["*".to_string()], "json".to_string());
    let view = match d.hook {
        Some(id) => Some((
            id,
            LogView {
                status: parse_status(d.status.as_deref())?,
                before: d.before,
            },
        )),
        None => None,
    };
    show(&s, &v, blank, None, (d.done, view), None).await
}

/// A delivery status from the filter (empty: every status).
fn parse_status(raw: Option<&str>) -> UiResult<Option<DeliveryStatus>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(r) => DeliveryStatus::parse(r).map(Some).ok_or_else(|| {
            UiError::Status(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("status: '{r}' is not one of pending, delivered, dead"),
            )
        }),
    }
}

async fn add(State(s): State<AppState>, Posted(v, f): Posted) -> UiResult {
    let url = f.get("url").unwrap_or_default().to_string();
    // Ticked checkboxes, one kind each ("*" for every kind).
    let events = f.all("events");
    let format = f.get("format").unwrap_or("json").to_string();
    let new = NewWebhook {
        url: url.clone(),
        events: events.clone(),
        secret: f.get("secret").unwrap_or_default().to_string(),
        format: Some(format.clone()),
    };
    match s.app.create_webhook(&v.caller, new).await {
        Ok(_) => Ok(Redirect::to("/webhooks?done=added").into_response()),
        Err(e) => {
            let why = crate::error::ApiError::from(e).detail;
            show(&s, &v, (url, events, format), Some(why), (None, None), None).await
        }
    }
}

async fn delete(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted(v, _): Posted,
) -> UiResult {
    s.app.delete_webhook(&v.caller, &id).await?;
    Ok(Redirect::to("/webhooks?done=deleted").into_response())
}

/// Sends the test and shows the page with its answer (nothing is stored
/// to redirect to).
async fn test(State(s): State<AppState>, Path(id): Path<String>, Posted(v, _): Posted) -> UiResult {
    let t = s.app.test_webhook(&v.caller, &id).await?;
    let text = match (&t.http_status, &t.error) {
        (Some(code), None) => format!(
            "Test event delivered: the receiver answered HTTP {code} in {} ms.",
            t.duration_ms
        ),
        (_, Some(e)) => format!(
            "Test event not taken: {e} (after {} ms). Check the URL, and that the \
             receiver verifies the signature with the secret you gave.",
            t.duration_ms
        ),
        (None, None) => "Test event sent.".into(),
    };
    let blank = (String::new(), vec!["*".to_string()], "json".to_string());
    let tested = Tested {
        id,
        ok: t.ok(),
        text,
    };
    show(&s, &v, blank, None, (None, None), Some(tested)).await
}

async fn redeliver(
    State(s): State<AppState>,
    Path((id, delivery)): Path<(String, String)>,
    Posted(v, _): Posted,
) -> UiResult {
    match s.app.redeliver(&v.caller, &id, &delivery).await {
        Ok(()) => Ok(Redirect::to("/webhooks?done=redelivered").into_response()),
        Err(e) => {
            let api = crate::error::ApiError::from(e);
            let status = StatusCode::from_u16(api.status).unwrap_or(StatusCode::CONFLICT);
            Err(UiError::Status(status, api.detail))
        }
    }
}

/// Most deliveries the CSV holds (the API's largest page).
const CSV_ROWS: u32 = 500;

/// `GET /webhooks/{id}/deliveries.csv`: the subscription's latest
/// deliveries (of a status, when the filter says), newest first, with
/// their last answer.
async fn deliveries_csv(
    State(s): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Query(d): Query<Done>,
) -> UiResult {
    let status = parse_status(d.status.as_deref())?;
    let log = s
        .app
        .webhook_deliveries(&v.caller, &id, status, None, CSV_ROWS)
        .await?;
    let mut out = baton_app::csv_cells::header(&[
        "seq",
        "event",
        "status",
        "attempts",
        "created_at",
        "delivered_at",
        "next_attempt_at",
        "last_http_status",
        "last_error",
    ]);
    for d in log {
        let last = d.log.last();
        let pending = d.status.as_str() == "pending";
        out.push_str(
            &baton_app::csv_cells::Row::new()
                .number(d.seq)
                .text(&d.kind)
                .text(d.status.as_str())
                .number(d.attempts)
                .text(when(&d.created_at))
                .text(d.delivered_at.as_ref().map(when).unwrap_or_default())
                .text(if pending {
                    at(&d.next_attempt_at)
                } else {
                    String::new()
                })
                .maybe(last.and_then(|a| a.http_status).map(u32::from))
                .text(last.and_then(|a| a.error.as_deref()).unwrap_or_default())
                .line(),
        );
    }
    Ok(crate::ui::download::csv(&format!("deliveries-{id}"), out))
}

/// Text for a delivery's time fields in the template.
pub fn at(t: &Option<baton_domain::Timestamp>) -> String {
    t.as_ref().map_or_else(|| "—".into(), when)
}
