//! UI pages for running the programme: the concrete tests (audits), the
//! rollout board and the incentive tune. Each page reads and writes through
//! the same use cases as its JSON API (`api/audits.rs`, `api/rollout.rs`,
//! `api/incentives.rs`); who may draw, record or move is asked of the app,
//! never decided here.

mod audits;
mod incentives;
mod rollout;
pub mod timeline;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use baton_domain::Timestamp;
use baton_domain::rollout::Phase;

use crate::AppState;
use crate::ui::UiError;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audits", get(audits::page))
        .route("/audits.csv", get(audits::csv))
        .route("/audits/{key}/sample", post(audits::sample))
        .route("/audits/{key}/{id}/result", post(audits::record))
        .route("/rollout", get(rollout::page))
        .route("/rollout.csv", get(rollout::csv))
        .route("/rollout/move", post(rollout::move_contract))
        .route("/incentives", get(incentives::page))
        .route("/incentives.csv", get(incentives::csv))
}

/// A phase as people say it.
pub fn phase_word(p: Phase) -> &'static str {
    match p {
        Phase::LeakAudit => "Leak audit",
        Phase::FieldSpec => "Field spec",
        Phase::Gating => "Gating",
        Phase::ScorecardLive => "Scorecard live",
        Phase::Expand => "Expand",
        Phase::IncentiveTune => "Incentive tune",
    }
}

/// `2026-10-01`.
fn day(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d").to_string()
}

/// `2026-10-01 09:00 UTC`.
fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// A refusal to show on the page that was posted from, with its status:
/// the person's mistake or a rule of the domain (4xx). Anything else
/// (not signed in, a server fault) goes on as the error it is.
fn refusal(e: impl Into<UiError>) -> Result<(StatusCode, String), UiError> {
    match e.into() {
        UiError::Status(status, message) if status.is_client_error() => Ok((status, message)),
        other => Err(other),
    }
}
