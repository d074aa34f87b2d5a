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
        .route("/settings/tokens/{id}/revoke", post(revoke))
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    page: Page,
    tokens: Vec<TokenRecord>,
    /// A token just made: its name and secret, shown this once.
    made: Option<(String, String)>,
    name: String,
    error: Option<String>,
    done: bool,
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

fn when(t: &baton_domain::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

async fn show(
    s: &AppState,
    v: &Viewer,
    made: Option<(String, String)>,
    name: String,
    error: Option<String>,
    done: bool,
) -> UiResult {
    let tokens = s.app.tokens(&v.caller).await?;
    let page = TokensPage {
        page: v.page.at("tokens"),
        tokens,
        made,
        name,
        error,
        done,
    };
    render_form(page.error.is_some(), &page)
}

async fn page(State(s): State<AppState>, v: Viewer, Query(d): Query<Done>) -> UiResult {
    show(&s, &v, None, String::new(), None, d.done.is_some()).await
}

async fn create(State(s): State<AppState>, Posted(v, f): Posted) -> UiResult {
    let name = f.get("name").unwrap_or_default().to_string();
    let read_only = f.get("read_only").is_some();
    match s.app.create_scoped_token(&v.caller, &name, read_only).await {
        // Rendered, not redirected: the secret must not travel in a URL.
        Ok((t, secret)) => show(&s, &v, Some((t.name, secret)), String::new(), None, false).await,
        Err(e) => show(&s, &v, None, name, Some(ApiError::from(e).detail), false).await,
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
