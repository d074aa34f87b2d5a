//! The draft editor of the receiving team's leads: the current version as
//! a form, a preview of what would change, and publication of the next
//! version through the same use case as the API. A bad form is shown again
//! (422) with the person's input and the error naming the input; nothing is
//! published.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use baton_domain::contract::Contract;
use baton_domain::contract::diff::diff;

use crate::AppState;
use crate::error::ApiError;
use crate::ui::contracts::diff::{DiffRow, diff_rows};
use crate::ui::contracts::draft::{Draft, EXPECTS, FormError, TYPES, input};
use crate::ui::contracts::{ProposalRow, contract_key, proposal_rows, teams};
use crate::ui::{Page, Posted, UiError, UiResult, Viewer, render, render_status};

#[derive(Template)]
#[template(path = "contracts/edit.html")]
struct EditPage {
    page: Page,
    key: String,
    title: String,
    from: String,
    to: String,
    current: u32,
    draft: Draft,
    error: Option<FormError>,
    preview: Option<Vec<DiffRow>>,
    proposals: Vec<ProposalRow>,
    types: &'static [(&'static str, &'static str)],
    /// The choices of each field's "answer names" select.
    expects: &'static [(&'static str, &'static str)],
}

impl EditPage {
    /// Whether `id` is the input at fault.
    fn invalid(&self, id: &str) -> bool {
        self.error.as_ref().is_some_and(|e| e.input == id)
    }

    /// A field's input id.
    fn input(&self, key: &str, part: &str) -> String {
        input(key, part)
    }
}

/// Only those who hold the pen see or post the editor.
fn require_pen(c: &Contract, v: &crate::ui::Viewer) -> UiResult<()> {
    if c.holds_pen(&v.actor) {
        return Ok(());
    }
    Err(UiError::Status(
        StatusCode::FORBIDDEN,
        format!(
            "Only a lead of the receiving team ({}) or an admin may edit and publish '{}'. \
             Members of the sending team propose changes on the contract's page.",
            teams(&c.current),
            c.key
        ),
    ))
}

async fn edit_page(
    s: &AppState,
    v: &Viewer,
    c: &Contract,
    draft: Draft,
    error: Option<FormError>,
    preview: Option<Vec<DiffRow>>,
) -> UiResult<EditPage> {
    // What the lead has still to answer, and what they accepted but have
    // not yet written into a version.
    let proposals = proposal_rows(s.app.proposals(&v.caller, &c.key).await?)
        .into_iter()
        .filter(|p| {
            p.open
                || (p.answer.as_ref().is_some_and(|a| a.accepted) && p.version == c.current_version)
        })
        .collect();
    Ok(EditPage {
        page: v.page.at("contracts"),
        key: c.key.to_string(),
        title: c.current.title.clone(),
        from: c.current.sending_team.to_string(),
        to: teams(&c.current),
        current: c.current_version,
        draft,
        error,
        preview,
        proposals,
        types: TYPES,
        expects: EXPECTS,
    })
}

/// `GET /contracts/{key}/edit`: the current version as a draft.
pub async fn form(State(s): State<AppState>, v: Viewer, Path(key): Path<String>) -> UiResult {
    let c = s.app.contract(&v.caller, &contract_key(&key)?).await?;
    require_pen(&c, &v)?;
    let draft = Draft::of(&c.current, c.current_version);
    render(&edit_page(&s, &v, &c, draft, None, None).await?)
}

/// `POST /contracts/{key}/publish`: preview the draft, or publish it as the
/// next version.
pub async fn publish(
    State(s): State<AppState>,
    Path(key): Path<String>,
    Posted(v, f): Posted,
) -> UiResult {
    let c = s.app.contract(&v.caller, &contract_key(&key)?).await?;
    require_pen(&c, &v)?;
    let draft = Draft::from_form(&c.current, &f);
    // The form lists the fields of the version it was opened on; applied
    // to a newer one it could silently undo that version's changes.
    if draft.base_version != c.current_version {
        return Err(UiError::Status(
            StatusCode::CONFLICT,
            format!(
                "Version {} of '{}' was published while this draft was open (it started from \
                 version {}). Nothing was published: open the editor again to start from \
                 the current version.",
                c.current_version, c.key, draft.base_version
            ),
        ));
    }
    let def = match draft.build(&c.current) {
        Ok(def) => def,
        Err(e) => {
            let page = edit_page(&s, &v, &c, draft, Some(e), None).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    if f.get("action") == Some("preview") {
        let rows = diff_rows(&diff(&c.current, &def), &c.current, &def);
        return render(&edit_page(&s, &v, &c, draft, None, Some(rows)).await?);
    }
    match s.app.publish_contract(&v.caller, def).await {
        Ok(next) => Ok(Redirect::to(&format!(
            "/contracts/{}?published={}",
            next.key, next.current_version
        ))
        .into_response()),
        Err(e) => {
            let api = ApiError::from(e);
            if api.status != StatusCode::UNPROCESSABLE_ENTITY.as_u16() {
                return Err(api.into());
            }
            let error = FormError {
                input: String::new(),
                message: api.detail,
            };
            let page = edit_page(&s, &v, &c, draft, Some(error), None).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
