//! Handoff pages: the list, starting one, the sender's form with its live
//! completeness meter, and the handoff page with its values, attachments,
//! timeline and every action (decide, rework, follow-through, attestations,
//! re-discovery).
//!
//! The meter is computed by the same domain function that scores a
//! submission, from the form as it stands, without writing anything: what
//! the sender sees while typing is exactly what the gate will say.

mod brief;
mod form;
pub mod list;
mod new;
mod page;
mod summary;
mod timeline;
mod usage;

use form::*;
use new::*;
use page::*;
use summary::*;

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use baton_app::accounts::Incident;
use baton_app::handoffs::{HandoffView, NewHandoff, Rejection};
use baton_domain::contract::{ContractDef, Mode};
use baton_domain::field::{FieldDef, FieldType, Owner};
use baton_domain::handoff::{ATTACHMENT_KINDS, Action, Attachment, State as HState};
use baton_domain::{ContractKey, DealId, FieldKey, HandoffId, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AppState;
use crate::ui::{
    Fields, Page, Posted, UiError, UiResult, Viewer, money, render, render_form, render_status,
};

pub use timeline::Entry;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/handoffs", get(list::list))
        .route("/handoffs.csv", get(list::csv))
        .route("/handoffs/new", get(new_form).post(create))
        .route("/accounts/options", get(account_options))
        .route("/handoffs/{id}", get(show))
        .route("/handoffs/{id}/brief", get(brief::show))
        .route("/handoffs/{id}/edit", get(edit_form).post(save))
        .route("/handoffs/{id}/meter", post(meter))
        .route("/handoffs/{id}/autosave", post(autosave))
        .route("/handoffs/{id}/prefill", post(usage::prefill))
        .route("/handoffs/{id}/{action}", post(act))
}

/// Form fields carrying values are named `f.<field key>`.
const VALUE_PREFIX: &str = "f.";

fn handoff_id(raw: &str) -> Result<HandoffId, UiError> {
    HandoffId::parse(raw)
        .map_err(|_| UiError::Status(StatusCode::NOT_FOUND, format!("no handoff '{raw}'")))
}

/// What a refused use case says, for showing beside the form.
fn said(e: baton_app::AppError) -> String {
    crate::error::ApiError::from(e).detail
}

fn invalid(what: &str, e: impl std::fmt::Display) -> UiError {
    UiError::Status(StatusCode::UNPROCESSABLE_ENTITY, format!("{what}: {e}"))
}
