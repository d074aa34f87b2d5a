//! The survey responses page (admins): the org's column mapping as it is
//! kept, and the review list of responses no account was found for, each
//! with a form to assign it to an account. The app decides who may see
//! and do this, and what an assignment records.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use baton_app::AppError;
use baton_domain::AccountId;
use baton_domain::survey::ColumnMapping;
use baton_store::SurveyRecord;
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::ui::{Page, Posted, UiError, UiResult, Viewer, render_form};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/surveys", get(page))
        .route("/surveys/{id}/assign", post(assign))
}

#[derive(Template)]
#[template(path = "surveys.html")]
struct SurveysPage {
    page: Page,
    mapping: Option<ColumnMapping>,
    unmatched: Vec<SurveyRecord>,
    /// The response an error is about, and the account typed for it.
    form: (String, String),
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
    form: (String, String),
    error: Option<String>,
    done: bool,
) -> UiResult {
    let unmatched = s.app.unmatched_surveys(&v.caller).await?;
    let mapping = s.app.survey_mapping(&v.caller).await?;
    let page = SurveysPage {
        page: v.page.at("surveys"),
        mapping,
        unmatched,
        form,
        error,
        done,
    };
    render_form(page.error.is_some(), &page)
}

/// A refusal to show on the form; one that is not about the input (not an
/// admin: 403) is answered as such.
fn form_error(e: AppError) -> Result<String, UiError> {
    let api = ApiError::from(e);
    if api.status == 403 {
        return Err(api.into());
    }
    Ok(api.detail)
}

async fn page(State(s): State<AppState>, v: Viewer, Query(d): Query<Done>) -> UiResult {
    show(&s, &v, Default::default(), None, d.done.is_some()).await
}

async fn assign(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Posted(v, f): Posted,
) -> UiResult {
    let account = f.get("account").unwrap_or_default().trim().to_string();
    let result = match AccountId::parse(&account) {
        Ok(a) => match s.app.assign_survey(&v.caller, &id, &a).await {
            Ok(_) => Ok(()),
            Err(e) => Err(form_error(e)?),
        },
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/surveys?done=assigned").into_response()),
        Err(why) => show(&s, &v, (id, account), Some(why), false).await,
    }
}
