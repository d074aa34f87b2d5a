//! Baton over HTTP: the JSON API under `/api/v1` (one module per resource in
//! [`api`]), authentication ([`auth`]), the one error → problem+json mapping
//! ([`error`]), health probes, Prometheus metrics ([`metrics`]), request ids,
//! logs and graceful shutdown.
//!
//! Handlers are thin: parse, call one use case of `baton_app`, render. This
//! crate decides nothing about handoffs and holds no SQL.

#![expect(
    clippy::result_large_err,
    reason = "a problem+json answer is built once per failed request; its size on the error path does not matter"
)]

pub mod api;
pub mod auth;
pub mod body;
pub mod error;
pub mod metrics;
pub mod scim;
pub mod ui;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use baton_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// The OpenAPI document, generated from the routes and finished by
    /// [`api::doc::finish`].
    pub openapi: std::sync::Arc<serde_json::Value>,
    /// Prometheus metrics (`/metrics`).
    pub metrics: std::sync::Arc<metrics::Metrics>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("app", &self.app)
            .field("secure_cookies", &self.secure_cookies)
            .finish_non_exhaustive()
    }
}

/// How the server is set up.
#[derive(Debug, Clone)]
pub struct Options {
    /// Largest JSON body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest history import body accepted, in bytes.
    pub max_import_bytes: usize,
    /// Mark cookies `Secure`.
    pub secure_cookies: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_body_bytes: 1 << 20,
            max_import_bytes: 256 << 20,
            secure_cookies: false,
        }
    }
}

/// Request ids: time-ordered UUIDs, unless the client sent one.
#[derive(Debug, Clone, Copy)]
struct MakeUuid;

impl MakeRequestId for MakeUuid {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let mut text = uuid::Uuid::encode_buffer();
        let id = uuid::Uuid::now_v7().hyphenated().encode_lower(&mut text);
        axum::http::HeaderValue::from_str(id)
            .ok()
            .map(RequestId::new)
    }
}

/// The OpenAPI document of the whole API, as served at
/// `/api/v1/openapi.json`.
pub fn openapi() -> serde_json::Value {
    api::doc::finish(api::router(&Options::default()).into_openapi())
}

/// The whole HTTP surface.
pub fn router(app: App, options: &Options) -> Router {
    let (api, doc) = api::router(options).split_for_parts();
    let metrics = std::sync::Arc::new(metrics::Metrics::new(metrics::sources()));
    metrics::Metrics::keep_up(&metrics);
    let state = AppState {
        app,
        secure_cookies: options.secure_cookies,
        openapi: std::sync::Arc::new(api::doc::finish(doc)),
        metrics: metrics.clone(),
    };
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics::scrape))
        .nest("/api/v1", api)
        .merge(api_reference())
        .merge(ui::router().layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ui::with_navigation,
        )))
        .merge(scim::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(metrics, metrics::track))
        .with_state(state)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(60),
        ))
        .layer(axum::middleware::map_response(problem_for_bare_errors))
        .layer(CatchPanicLayer::custom(|_| {
            error::ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "the server failed; the request id in the x-request-id header finds it in the logs",
            )
            .into_response()
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // The layers run after routing, so the matched route template
                // is known: request_id and route are fields of every line
                // logged while the request is served, the access line too.
                let route = metrics::route_of(req.extensions().get::<axum::extract::MatchedPath>());
                tracing::info_span!("http", method = %req.method(), route, path = %req.uri().path(), request_id = %id)
            })
            .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeUuid))
        .layer(SetSensitiveRequestHeadersLayer::new([
            axum::http::header::AUTHORIZATION,
            axum::http::header::COOKIE,
        ]))
        // Outermost, so timeouts, panics and rejected bodies get them too.
        .layer(axum::middleware::map_response(ui::security_headers))
}

/// Where the API reference page is served.
pub const API_REFERENCE: &str = "/api/docs";

/// The interactive API reference: Swagger UI, embedded in the binary (no
/// CDN), reading the same `/api/v1/openapi.json` the API serves. Its page
/// loads only its own scripts and styles, so it works under the pages' CSP.
fn api_reference() -> Router<AppState> {
    let config = utoipa_swagger_ui::Config::new(["/api/v1/openapi.json"])
        // The default validator badge calls validator.swagger.io.
        .validator_url("none")
        .try_it_out_enabled(true)
        .display_request_duration(true)
        .filter(true);
    Router::from(utoipa_swagger_ui::SwaggerUi::new(API_REFERENCE).config(config))
}

/// Gives an error answer that has no body of its own (axum's 405 for a
/// wrong method, the timeout's 503) the problem+json every other error has,
/// keeping its headers (`Allow`).
async fn problem_for_bare_errors(res: axum::response::Response) -> axum::response::Response {
    use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error())
        || res.headers().contains_key(CONTENT_TYPE)
    {
        return res;
    }
    let (parts, _) = res.into_parts();
    let mut out = error::ApiError::for_bare_status(status).into_response();
    let own: Vec<HeaderName> = out.headers().keys().cloned().collect();
    for (name, value) in &parts.headers {
        if *name != CONTENT_LENGTH && !own.contains(name) {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}

async fn healthz() -> &'static str {
    "ok"
}

/// How long `/readyz` waits for the database. With the database down the
/// pool keeps retrying a refused connection for its whole acquire timeout
/// (10 s), longer than a probe waits; not answering in time is not ready.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Ready when the database answers (within [`READY_TIMEOUT`]).
async fn readyz(State(s): State<AppState>) -> impl IntoResponse {
    match tokio::time::timeout(READY_TIMEOUT, s.app.store().orgs()).await {
        Ok(Ok(_)) => (StatusCode::OK, "ready").into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
        Err(_) => {
            tracing::warn!("not ready: the database did not answer in time");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// An unknown path: a page for a browser, problem+json for everyone else.
async fn not_found(headers: axum::http::HeaderMap) -> axum::response::Response {
    let wants_html = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html {
        ui::UiError::Status(StatusCode::NOT_FOUND, "There is no page here.".into()).into_response()
    } else {
        error::ApiError::not_found("no such route").into_response()
    }
}

/// Serves until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    options: &Options,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let router = router(app, options);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
