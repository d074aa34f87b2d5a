//! UI pages: concrete tests, rollout board and incentives (being built).

use axum::Router;

use crate::AppState;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
}
