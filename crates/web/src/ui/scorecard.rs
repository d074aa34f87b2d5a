//! UI pages: scorecard, trend charts and leak audit (being built).

use axum::Router;

use crate::AppState;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
}
