//! How the org's people sign in (admins): password sign-in on or off, and
//! who single sign-on may add, with the redirect URI to register at the
//! identity provider.

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use baton_domain::{SignIn, TeamKey};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::ui::{Page, Posted, UiError, UiResult, Viewer, render_form};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new().route("/settings/sign-in", get(page).post(save))
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    page: Page,
    password: bool,
    sso_team: String,
    domains: String,
    teams: Vec<(String, String)>,
    sso: bool,
    redirect_uri: String,
    error: Option<String>,
    done: bool,
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

async fn show(
    s: &AppState,
    v: &Viewer,
    form: Option<SignIn>,
    error: Option<String>,
    done: bool,
) -> UiResult {
    let actor = s.app.actor(&v.caller).await?;
    actor
        .require_admin("change how people sign in")
        .map_err(|e| UiError::from(baton_app::AppError::from(e)))?;
    let current = match form {
        Some(f) => f,
        None => s.app.sign_in_settings(&v.caller).await?,
    };
    let dir = s.app.directory(&v.caller).await?;
    let page = SignInPage {
        page: v.page.at("sign-in"),
        password: current.password,
        sso_team: current.sso_team.map(|t| t.to_string()).unwrap_or_default(),
        domains: current.sso_domains.join(", "),
        teams: dir
            .teams
            .iter()
            .map(|(k, n)| (k.to_string(), n.clone()))
            .collect(),
        sso: s.app.sso_enabled(),
        redirect_uri: format!("{}/auth/oidc/callback", s.app.public_url()),
        error,
        done,
    };
    render_form(page.error.is_some(), &page)
}

async fn page(State(s): State<AppState>, v: Viewer, Query(d): Query<Done>) -> UiResult {
    show(&s, &v, None, None, d.done.is_some()).await
}

async fn save(State(s): State<AppState>, Posted(v, f): Posted) -> UiResult {
    let team = f.get("sso_team").map(TeamKey::parse).transpose();
    let form = SignIn {
        password: f.get("password").is_some(),
        sso_team: team.as_ref().ok().cloned().flatten(),
        sso_domains: f
            .get("sso_domains")
            .unwrap_or_default()
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect(),
    };
    if let Err(e) = team {
        return show(&s, &v, Some(form), Some(e.to_string()), false).await;
    }
    match s.app.set_sign_in(&v.caller, form.clone()).await {
        Ok(_) => Ok(Redirect::to("/settings/sign-in?done=saved").into_response()),
        Err(e) => {
            let api = ApiError::from(e);
            if api.status == 403 {
                return Err(api.into());
            }
            show(&s, &v, Some(form), Some(api.detail), false).await
        }
    }
}
