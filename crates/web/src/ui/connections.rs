//! The CRM connections page (admins): each connection's status (last pull,
//! lag, last error, deals synced, write-backs pending) and recent log, a
//! form to connect Salesforce or HubSpot, and test, sync-now and disconnect
//! buttons. Secrets are typed in once and never shown again.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use baton_app::AppError;
use baton_app::connections::{ConnectionView, NewConnection, parse_vendor};
use baton_store::ConnectionLogEntry;
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::ui::contracts::when;
use crate::ui::{Page, Posted, UiError, UiResult, Viewer, human_duration, render_form};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/crm", get(page).post(connect))
        .route("/crm/{id}/log.csv", get(log_csv))
        .route("/crm/{id}/test", post(test))
        .route("/crm/{id}/sync", post(sync))
        .route("/crm/{id}/disconnect", post(disconnect))
}

/// Log entries shown per connection.
const LOG_ROWS: u32 = 8;

/// One connection as the page draws it.
struct Row {
    c: ConnectionView,
    lag: String,
    last_pull: String,
    log: Vec<(String, ConnectionLogEntry)>,
}

#[derive(Template)]
#[template(path = "crm.html")]
struct CrmPage {
    page: Page,
    rows: Vec<Row>,
    /// The connect form as posted (vendor, name, settings, field map, object).
    form: (String, String, String, String, String),
    error: Option<String>,
    done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

async fn show(
    s: &AppState,
    v: &Viewer,
    form: (String, String, String, String, String),
    error: Option<String>,
    done: Option<String>,
) -> UiResult {
    let mut rows = Vec::new();
    for c in s.app.connections(&v.caller).await? {
        let log = s
            .app
            .connection_log_entries(&v.caller, &c.id, None, LOG_ROWS)
            .await?
            .into_iter()
            .map(|e| (when(e.at), e))
            .collect();
        rows.push(Row {
            lag: c
                .lag
                .map_or_else(|| "never synced".into(), |l| human_duration(l.as_secs())),
            last_pull: c.last_pull_at.map_or_else(|| "never".into(), when),
            log,
            c,
        });
    }
    let page = CrmPage {
        page: v.page.at("crm"),
        rows,
        form,
        error,
        done,
    };
    render_form(page.error.is_some(), &page)
}

/// A refusal to show on the page; one that is not about the input (not an
/// admin: 403; no such connection: 404) is answered as such.
fn form_error(e: AppError) -> Result<String, UiError> {
    let api = ApiError::from(e);
    if api.status == 403 || api.status == 404 {
        return Err(api.into());
    }
    Ok(api.detail)
}

/// Most log lines the CSV holds (the API's largest page).
const CSV_ROWS: u32 = 500;

/// `GET /crm/{id}/log.csv`: a connection's latest log lines, newest first.
async fn log_csv(State(s): State<AppState>, v: Viewer, Path(id): Path<String>) -> UiResult {
    let mut out = baton_app::csv_cells::header(&["at", "level", "deal", "message"]);
    for e in s
        .app
        .connection_log_entries(&v.caller, &id, None, CSV_ROWS)
        .await?
    {
        out.push_str(
            &baton_app::csv_cells::Row::new()
                .text(when(e.at))
                .text(&e.level)
                .text(e.deal.as_deref().unwrap_or_default())
                .text(&e.message)
                .line(),
        );
    }
    Ok(crate::ui::download::csv(&format!("crm-log-{id}"), out))
}

async fn page(State(s): State<AppState>, v: Viewer, Query(d): Query<Done>) -> UiResult {
    show(&s, &v, Default::default(), None, d.done).await
}

/// `CrmField = baton_field` per line (blank lines and `#` comments skipped).
fn field_map(raw: &str) -> Result<BTreeMap<String, String>, String> {
    let mut map = BTreeMap::new();
    for (i, line) in raw.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((crm, baton)) = line.split_once('=') else {
            return Err(format!(
                "field map line {}: write 'CRM field = Baton field key'",
                i + 1
            ));
        };
        map.insert(crm.trim().to_string(), baton.trim().to_string());
    }
    Ok(map)
}

async fn connect(State(s): State<AppState>, Posted(v, f): Posted) -> UiResult {
    let field = |k: &str| f.get(k).unwrap_or_default().to_string();
    let form = (
        field("vendor"),
        field("name"),
        field("settings"),
        field("field_map"),
        field("object"),
    );
    let parsed = (|| {
        Ok::<_, String>(NewConnection {
            vendor: parse_vendor(&form.0).map_err(|e| e.to_string())?,
            name: form.1.clone(),
            settings: serde_json::from_str(&form.2)
                .map_err(|e| format!("settings: not JSON ({e})"))?,
            field_map: field_map(&form.3)?,
            object: Some(form.4.trim().to_string()).filter(|o| !o.is_empty()),
        })
    })();
    let result = match parsed {
        Ok(new) => match s.app.connect_crm(&v.caller, new).await {
            Ok(_) => Ok(()),
            Err(e) => Err(form_error(e)?),
        },
        Err(why) => Err(why),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/crm?done=connected").into_response()),
        // The secrets typed are not echoed back: the settings are retyped.
        Err(why) => {
            let kept = (form.0, form.1, String::new(), form.3, form.4);
            show(&s, &v, kept, Some(why), None).await
        }
    }
}

async fn test(State(s): State<AppState>, Path(id): Path<String>, Posted(v, _): Posted) -> UiResult {
    match s.app.test_connection(&v.caller, &id).await {
        Ok(t) if t.ok => Ok(Redirect::to("/crm?done=tested").into_response()),
        Ok(t) => show(&s, &v, Default::default(), Some(t.detail), None).await,
        Err(e) => {
            let why = form_error(e)?;
            show(&s, &v, Default::default(), Some(why), None).await
        }
    }
}

async fn sync(State(s): State<AppState>, Path(id): Path<String>, Posted(v, _): Posted) -> UiResult {
    match s.app.sync_now(&v.caller, &id).await {
        Ok(()) => Ok(Redirect::to("/crm?done=sync").into_response()),
        Err(e) => {
            let why = form_error(e)?;
            show(&s, &v, Default::default(), Some(why), None).await
        }
    }
}

async fn disconnect(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted(v, _): Posted,
) -> UiResult {
    match s.app.disconnect_crm(&v.caller, &id).await {
        Ok(()) => Ok(Redirect::to("/crm?done=disconnected").into_response()),
        Err(e) => {
            let why = form_error(e)?;
            show(&s, &v, Default::default(), Some(why), None).await
        }
    }
}
