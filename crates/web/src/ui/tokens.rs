//! API tokens: a person's own (and, for admins, everyone's), when each was
//! last used, making one (its secret shown once) and revoking.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use baton_store::TokenRecord;
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::ui::{Page, Posted, UiResult, Viewer, render_form};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/tokens", get(page).post(create))
        .route("/settings/tokens.csv", get(csv))
        .route("/settings/tokens/{id}/revoke", post(revoke))
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    page: Page,
    tokens: Vec<TokenRecord>,
    /// The search typed, and how many tokens there are in all.
    q: String,
    all: usize,
    /// A token just made: its name and secret, shown this once.
    made: Option<(String, String)>,
    name: String,
    error: Option<String>,
    done: bool,
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
    /// Only tokens whose name or owner contains this (any case).
    q: Option<String>,
}

/// The tokens whose name or owner contains `q` (any case).
fn matching(tokens: Vec<TokenRecord>, q: &str) -> Vec<TokenRecord> {
    let needle = q.trim().to_lowercase();
    tokens
        .into_iter()
        .filter(|t| {
            needle.is_empty()
                || t.name.to_lowercase().contains(&needle)
                || t.email.as_str().contains(&needle)
        })
        .collect()
}

fn when(t: &baton_domain::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

async fn show(
    s: &AppState,
    (v, q): (&Viewer, &str),
    made: Option<(String, String)>,
    name: String,
    error: Option<String>,
    done: bool,
) -> UiResult {
    let all = s.app.tokens(&v.caller).await?;
    let count = all.len();
    let page = TokensPage {
        page: v.page.at("tokens"),
        tokens: matching(all, q),
        q: q.trim().to_string(),
        all: count,
        made,
        name,
        error,
        done,
    };
    render_form(page.error.is_some(), &page)
}

/// `GET /settings/tokens.csv`: the tokens the page lists (an admin's:
/// everyone's), never their secrets, which Baton does not keep.
async fn csv(State(s): State<AppState>, v: Viewer, Query(d): Query<Done>) -> UiResult {
    let mut out = baton_app::csv_cells::header(&[
        "id",
        "name",
        "owner",
        "access",
        "created_at",
        "last_used_at",
    ]);
    let all = s.app.tokens(&v.caller).await?;
    for t in matching(all, d.q.as_deref().unwrap_or_default()) {
        out.push_str(
            &baton_app::csv_cells::Row::new()
                .text(&t.id)
                .text(&t.name)
                .text(t.email.as_str())
                .text(if t.read_only {
                    "read only"
                } else {
                    "read and write"
                })
                .text(when(&t.created_at))
                .text(t.last_used_at.as_ref().map(when).unwrap_or_default())
                .line(),
        );
    }
    Ok(crate::ui::download::csv("tokens", out))
}

async fn page(State(s): State<AppState>, v: Viewer, Query(d): Query<Done>) -> UiResult {
    let q = d.q.unwrap_or_default();
    show(&s, (&v, &q), None, String::new(), None, d.done.is_some()).await
}

async fn create(State(s): State<AppState>, Posted(v, f): Posted) -> UiResult {
    let name = f.get("name").unwrap_or_default().to_string();
    let read_only = f.get("read_only").is_some();
    match s.app.create_scoped_token(&v.caller, &name, read_only).await {
        // Rendered, not redirected: the secret must not travel in a URL.
        Ok((t, secret)) => {
            show(
                &s,
                (&v, ""),
                Some((t.name, secret)),
                String::new(),
                None,
                false,
            )
            .await
        }
        Err(e) => {
            show(
                &s,
                (&v, ""),
                None,
                name,
                Some(ApiError::from(e).detail),
                false,
            )
            .await
        }
    }
}

async fn revoke(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted(v, _f): Posted,
) -> UiResult {
    s.app.revoke_token(&v.caller, &id).await?;
    Ok(Redirect::to("/settings/tokens?done=revoked").into_response())
}
