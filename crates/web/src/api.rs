//! The JSON API under `/api/v1`: one module per resource. Every route is
//! registered through [`utoipa_axum::routes!`], so the OpenAPI document at
//! `/api/v1/openapi.json` is generated from the same code that serves it and
//! cannot miss a route.

pub mod accounts;
pub mod audits;
pub mod billing;
pub mod connections;
pub mod contracts;
pub mod crm;
pub mod doc;
pub mod fx;
pub mod gates;
pub mod handoffs;
pub mod import;
pub mod incentives;
pub mod notifications;
pub mod queue;
pub mod rollout;
pub mod scorecard;
pub mod session;
pub mod sign_in;
pub mod signals;
pub mod suggestions;
pub mod surveys;
pub mod teams;
pub mod tokens;
pub mod usage;
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
    let mut r = routes(options).router;
    unique_operation_ids(r.get_openapi_mut());
    r
}

/// Schema names that two different Rust types publish. utoipa keys the
/// document's schemas by name alone, so the second type silently replaces
/// the first and every route using the first is documented with the wrong
/// body; a test keeps this empty.
pub fn schema_name_clashes() -> Vec<String> {
    routes(&Options::default()).clashes
}

/// The routes being registered, and the schema names that clashed so far.
struct Registry {
    router: OpenApiRouter<AppState>,
    clashes: Vec<String>,
}

impl Registry {
    /// Registers `r`, noting each schema it brings whose name is already
    /// taken by a different schema.
    fn add(mut self, r: utoipa_axum::router::UtoipaMethodRouter<AppState>) -> Self {
        let mut known: std::collections::BTreeMap<String, serde_json::Value> = self
            .router
            .get_openapi()
            .components
            .iter()
            .flat_map(|c| c.schemas.iter())
            .map(|(name, s)| (name.clone(), serde_json::to_value(s).unwrap_or_default()))
            .collect();
        for (name, schema) in &r.0 {
            let schema = serde_json::to_value(schema).unwrap_or_default();
            match known.get(name) {
                Some(seen) if *seen != schema => {
                    if !self.clashes.contains(name) {
                        self.clashes.push(name.clone());
                    }
                }
                _ => {
                    known.insert(name.clone(), schema);
                }
            }
        }
        self.router = self.router.routes(r);
        self
    }
}

fn routes(options: &Options) -> Registry {
    let import_limit = DefaultBodyLimit::max(options.max_import_bytes);
    Registry {
        router: OpenApiRouter::with_openapi(ApiDoc::openapi()),
        clashes: Vec::new(),
    }
    .add(routes!(openapi_json))
    .add(routes!(session::login, session::logout))
    .add(routes!(tokens::create, tokens::list))
    .add(routes!(tokens::revoke))
    .add(routes!(notifications::get, notifications::put))
    .add(routes!(notifications::log))
    .add(routes!(queue::get))
    .add(routes!(handoffs::create, handoffs::list))
    .add(routes!(handoffs::get, handoffs::edit))
    .add(routes!(handoffs::events))
    .add(routes!(handoffs::submit))
    .add(routes!(handoffs::accept))
    .add(routes!(handoffs::reject))
    .add(routes!(handoffs::withdraw))
    .add(routes!(handoffs::first_touch))
    .add(routes!(handoffs::ack))
    .add(routes!(handoffs::echo))
    .add(routes!(handoffs::resolve))
    .add(routes!(handoffs::close_loop))
    .add(routes!(handoffs::attest))
    .add(routes!(teams::list, teams::create))
    .add(routes!(users::list, users::create))
    .add(routes!(users::set_teams))
    .add(routes!(users::deactivate))
    .add(routes!(users::reactivate))
    .add(routes!(users::password_link))
    .add(routes!(sign_in::get, sign_in::put))
    .add(routes!(accounts::list, accounts::create))
    .add(routes!(accounts::get))
    .add(routes!(contracts::list))
    .add(routes!(contracts::get))
    .add(routes!(contracts::versions, contracts::publish))
    .add(routes!(contracts::set_mode))
    .add(routes!(contracts::propose, contracts::proposals))
    .add(routes!(contracts::answer))
    .add(routes!(signals::rediscovery))
    .add(routes!(signals::nps))
    .add(routes!(signals::churn))
    .add(routes!(usage::record))
    .add(routes!(usage::get))
    .add(routes!(suggestions::note))
    .add(routes!(suggestions::list))
    .add(routes!(suggestions::quality))
    .add(routes!(suggestions::confirm))
    .add(routes!(suggestions::dismiss))
    .add(routes!(import::events).layer(import_limit))
    .add(routes!(gates::check))
    .add(routes!(crm::inbound))
    .add(routes!(crm::activity))
    .add(routes!(crm::rules, crm::set_rules))
    .add(routes!(
        connections::create_connection,
        connections::list_connections
    ))
    .add(routes!(
        connections::get_connection,
        connections::disconnect_connection
    ))
    .add(routes!(connections::test_connection))
    .add(routes!(connections::sync_connection))
    .add(routes!(connections::connection_log))
    .add(routes!(connections::hubspot_webhook))
    .add(routes!(billing::stripe_webhook))
    .add(routes!(billing::set_stripe_secret))
    .add(routes!(billing::billing_log))
    .add(routes!(surveys::get_mapping, surveys::put_mapping))
    .add(routes!(surveys::preview).layer(import_limit))
    .add(routes!(surveys::import).layer(import_limit))
    .add(routes!(surveys::unmatched))
    .add(routes!(surveys::assign))
    .add(routes!(surveys::set_secret))
    .add(routes!(surveys::webhook))
    .add(routes!(webhooks::create, webhooks::list))
    .add(routes!(webhooks::delete))
    .add(routes!(webhooks::deliveries))
    .add(routes!(webhooks::redeliver))
    .add(routes!(webhooks::test))
    .add(routes!(scorecard::scorecard))
    .add(routes!(scorecard::leak_audit))
    .add(routes!(fx::list, fx::add))
    .add(routes!(fx::set_currency))
    .add(routes!(rollout::get, rollout::put))
    .add(routes!(incentives::get))
    .add(routes!(audits::list))
    .add(routes!(audits::sample))
    .add(routes!(audits::result))
}

/// A use case's answer as JSON (reports whose shape the domain defines).
pub(crate) fn to_json(
    v: impl serde::Serialize,
) -> crate::error::ApiResult<Json<serde_json::Value>> {
    serde_json::to_value(v)
        .map(Json)
        .map_err(|e| crate::error::ApiError::internal("unserializable report", e))
}

/// The page size every listing takes when `limit` is left out.
pub const DEFAULT_PAGE: u32 = 50;
/// The largest page any listing serves.
pub const MAX_PAGE: u32 = 200;

/// The `limit` of a listing: [`DEFAULT_PAGE`] when left out; outside
/// 1..=[`MAX_PAGE`] it is refused (422 naming `limit`), never clamped, on
/// every route alike.
pub(crate) fn page_limit(raw: Option<u32>) -> Result<u32, crate::error::ApiError> {
    let limit = raw.unwrap_or(DEFAULT_PAGE);
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(crate::error::ApiError::invalid_field(
            "limit",
            format!("{limit} is not between 1 and {MAX_PAGE}"),
        ))
    }
}

/// A log page's cursor (the sequence number of the last entry seen), for
/// logs read newest first.
pub(crate) fn seq_cursor(raw: Option<String>) -> Result<Option<u64>, crate::error::ApiError> {
    raw.map(|c| {
        c.parse::<u64>().map_err(|_| {
            crate::error::ApiError::invalid_field(
                "cursor",
                format!("'{c}' is not a cursor from a page"),
            )
        })
    })
    .transpose()
}

/// The cursor of the page after one that came back full.
pub(crate) fn next_seq_cursor(len: usize, limit: u32, last: Option<u64>) -> Option<String> {
    (len == limit as usize)
        .then(|| last.map(|s| s.to_string()))
        .flatten()
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
async fn openapi_json(State(s): State<AppState>) -> Json<serde_json::Value> {
    Json((*s.openapi).clone())
}
