//! The JSON API under `/api/v1`: one module per resource. Every route is
//! registered through [`utoipa_axum::routes!`], so the OpenAPI document at
//! `/api/v1/openapi.json` is generated from the same code that serves it and
//! cannot miss a route.

pub mod accounts;
pub mod audits;
pub mod contracts;
pub mod crm;
pub mod fx;
pub mod gates;
pub mod handoffs;
pub mod import;
pub mod incentives;
pub mod rollout;
pub mod scorecard;
pub mod session;
pub mod signals;
pub mod suggestions;
pub mod teams;
pub mod tokens;
pub mod users;
pub mod webhooks;

use axum::Json;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::{AppState, Options};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Baton API",
        description = "Gated handoffs between revenue teams: contracts, handoffs, gates, signals. \
            Errors are application/problem+json. Authenticate with a session cookie \
            (POST /session) or a bearer token (POST /tokens).",
    ),
    servers((url = "/api/v1")),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// Makes every operationId unique, as OpenAPI requires and client
/// generators need: utoipa takes the handler's name (`list`, `get`…), so
/// each is prefixed with its resource, e.g. `handoffs_list`.
fn unique_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    let mut seen = std::collections::BTreeSet::new();
    for (path, item) in &mut doc.paths.paths {
        let resource = path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .replace(['-', '.'], "_");
        let ops = [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("patch", &mut item.patch),
        ];
        for (method, op) in ops {
            if let Some(op) = op {
                let name = op
                    .operation_id
                    .clone()
                    .unwrap_or_else(|| method.to_string());
                let mut id = if name.starts_with(&resource) {
                    name
                } else {
                    format!("{resource}_{name}")
                };
                if !seen.insert(id.clone()) {
                    id = format!("{id}_{method}");
                    seen.insert(id.clone());
                }
                op.operation_id = Some(id);
            }
        }
    }
}

/// The API's routes and their OpenAPI description, relative to `/api/v1`.
pub fn router(options: &Options) -> OpenApiRouter<AppState> {
    let mut r = routes(options);
    unique_operation_ids(r.get_openapi_mut());
    r
}

fn routes(options: &Options) -> OpenApiRouter<AppState> {
    let import_limit = DefaultBodyLimit::max(options.max_import_bytes);
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi_json))
        .routes(routes!(session::login, session::logout))
        .routes(routes!(tokens::create, tokens::list))
        .routes(routes!(tokens::revoke))
        .routes(routes!(handoffs::create, handoffs::list))
        .routes(routes!(handoffs::get, handoffs::edit))
        .routes(routes!(handoffs::events))
        .routes(routes!(handoffs::submit))
        .routes(routes!(handoffs::accept))
        .routes(routes!(handoffs::reject))
        .routes(routes!(handoffs::withdraw))
        .routes(routes!(handoffs::first_touch))
        .routes(routes!(handoffs::ack))
        .routes(routes!(handoffs::echo))
        .routes(routes!(handoffs::resolve))
        .routes(routes!(handoffs::close_loop))
        .routes(routes!(handoffs::attest))
        .routes(routes!(teams::list, teams::create))
        .routes(routes!(users::list, users::create))
        .routes(routes!(accounts::list, accounts::create))
        .routes(routes!(accounts::get))
        .routes(routes!(contracts::list))
        .routes(routes!(contracts::get))
        .routes(routes!(contracts::versions, contracts::publish))
        .routes(routes!(contracts::set_mode))
        .routes(routes!(contracts::propose, contracts::proposals))
        .routes(routes!(signals::rediscovery))
        .routes(routes!(signals::nps))
        .routes(routes!(signals::churn))
        .routes(routes!(suggestions::note))
        .routes(routes!(suggestions::list))
        .routes(routes!(suggestions::confirm))
        .routes(routes!(suggestions::dismiss))
        .routes(routes!(import::events).layer(import_limit))
        .routes(routes!(gates::check))
        .routes(routes!(crm::inbound))
        .routes(routes!(crm::activity))
        .routes(routes!(crm::rules, crm::set_rules))
        .routes(routes!(webhooks::create, webhooks::list))
        .routes(routes!(webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::redeliver))
        .routes(routes!(scorecard::scorecard))
        .routes(routes!(scorecard::leak_audit))
        .routes(routes!(fx::list, fx::add))
        .routes(routes!(fx::set_currency))
        .routes(routes!(rollout::get, rollout::put))
        .routes(routes!(incentives::get))
        .routes(routes!(audits::list))
        .routes(routes!(audits::sample))
        .routes(routes!(audits::result))
}

/// A use case's answer as JSON (reports whose shape the domain defines).
pub(crate) fn to_json(
    v: impl serde::Serialize,
) -> crate::error::ApiResult<Json<serde_json::Value>> {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| crate::error::ApiError::bad_request("unserializable", e.to_string()))
}

/// A period from the query string, or `default`.
pub(crate) fn period_param(
    what: &str,
    raw: Option<&str>,
    default: baton_domain::period::Period,
) -> Result<baton_domain::period::Period, crate::error::ApiError> {
    raw.map_or(Ok(default), |r| {
        r.parse().map_err(|e: baton_domain::DomainError| {
            crate::error::ApiError::invalid_field(what, e.to_string())
        })
    })
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", content_type = "application/json")))]
async fn openapi_json(State(s): State<AppState>) -> Json<utoipa::openapi::OpenApi> {
    Json((*s.openapi).clone())
}
