//! The simulator's HTTP side: the login host's token endpoint and the
//! instance's resources, with faults, call counts and Salesforce's error
//! bodies (see the parent module for the reference pages).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Form, Path, Query, State as Extract};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Endpoint, Fault, Shared, State, lock, soql};

/// An error answer, boxed (a response is large).
type Refusal = Box<Response>;

/// One record of an update: its id and coerced values, or its error code
/// and message.
type Checked = Result<(String, Map<String, Value>), (&'static str, String)>;

const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The login host: the token endpoint.
pub(super) fn login_router(state: Shared, key: Arc<DecodingKey>) -> Router {
    Router::new()
        .route(
            "/services/oauth2/token",
            post(
                move |Extract(state): Extract<Shared>,
                      Form(form): Form<HashMap<String, String>>| {
                    let key = key.clone();
                    async move { token(&state, &key, &form) }
                },
            ),
        )
        .fallback(not_found)
        .with_state(state)
}

/// The instance: UserInfo, describe, query, query more, collections.
pub(super) fn instance_router(state: Shared) -> Router {
    Router::new()
        .route("/services/oauth2/userinfo", get(userinfo))
        .route(
            "/services/data/{version}/sobjects/{object}/describe",
            get(describe),
        )
        .route("/services/data/{version}/query", get(query))
        .route("/services/data/{version}/query/{locator}", get(query_more))
        .route(
            "/services/data/{version}/composite/sobjects",
            patch(collections),
        )
        .fallback(not_found)
        .with_state(state)
}

async fn not_found() -> Response {
    rest_error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "The requested resource does not exist",
    )
}

fn rest_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        axum::Json(json!([{"message": message, "errorCode": code}])),
    )
        .into_response()
}

fn oauth_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// Counts the call and answers its fault, if one is due.
fn arrive(s: &mut State, endpoint: Endpoint) -> Option<Response> {
    *s.calls.entry(endpoint).or_insert(0) += 1;
    let at = s
        .faults
        .iter()
        .position(|(e, _)| e.is_none_or(|e| e == endpoint))?;
    let (_, fault) = s.faults.remove(at)?;
    Some(match fault {
        Fault::Unavailable => rest_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVER_UNAVAILABLE",
            "Server is unavailable, please try again later.",
        ),
        Fault::RequestLimit => rest_error(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        ),
        Fault::TooManyRequests { retry_after_secs } => {
            let mut r = rest_error(
                StatusCode::TOO_MANY_REQUESTS,
                "REQUEST_LIMIT_EXCEEDED",
                "Too many requests.",
            );
            if let Ok(v) = retry_after_secs.to_string().parse() {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        Fault::SessionExpired => {
            s.tokens.clear();
            rest_error(
                StatusCode::UNAUTHORIZED,
                "INVALID_SESSION_ID",
                "Session expired or invalid",
            )
        }
        Fault::Drop => {
            // A body that fails at once: hyper sends the head, then cuts
            // the connection mid-answer.
            let (sender, body) = http_body_util::channel::Channel::<Bytes, std::io::Error>::new(1);
            sender.abort(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "cut by the test",
            ));
            let mut r = Response::new(Body::new(body));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            );
            r
        }
    })
}

/// Whether the request carries a live access token; else Salesforce's 401.
fn authorized(s: &State, headers: &HeaderMap) -> Result<(), Refusal> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token {
        Some(t) if s.tokens.iter().any(|k| k == t) => Ok(()),
        _ => Err(Box::new(rest_error(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        ))),
    }
}

/// A REST version segment (`v62.0`); remembered for the URLs it writes.
fn version(s: &mut State, v: &str) -> Result<(), Refusal> {
    let ok = v
        .strip_prefix('v')
        .and_then(|r| r.split_once('.'))
        .is_some_and(|(a, b)| a.parse::<u32>().is_ok_and(|a| a >= 20) && b.parse::<u32>().is_ok());
    if ok {
        s.api_version_seen = Some(v.to_owned());
        Ok(())
    } else {
        Err(Box::new(rest_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )))
    }
}

#[derive(Deserialize)]
struct Assertion {
    iss: String,
    sub: String,
    aud: Value,
}

fn token(state: &Shared, key: &DecodingKey, form: &HashMap<String, String>) -> Response {
    let mut s = lock(state);
    if let Some(r) = arrive(&mut s, Endpoint::Token) {
        return r;
    }
    match form.get("grant_type").map(String::as_str) {
        Some(JWT_BEARER) => {
            let Some(assertion) = form.get("assertion") else {
                return oauth_error("invalid_request", "assertion is required");
            };
            let mut v = Validation::new(Algorithm::RS256);
            v.validate_aud = false;
            v.leeway = 0;
            v.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
            let claims = match jsonwebtoken::decode::<Assertion>(assertion, key, &v) {
                Ok(data) => data.claims,
                Err(e) if matches!(e.kind(), ErrorKind::ExpiredSignature) => {
                    return oauth_error("invalid_grant", "expired authorization code");
                }
                Err(_) => return oauth_error("invalid_grant", "invalid assertion"),
            };
            if claims.iss != s.config.client_id {
                return oauth_error("invalid_client_id", "client identifier invalid");
            }
            let aud_ok = match &claims.aud {
                Value::String(a) => *a == s.login_url,
                Value::Array(a) => a.iter().any(|x| x.as_str() == Some(s.login_url.as_str())),
                _ => false,
            };
            if !aud_ok {
                return oauth_error("invalid_grant", "audience is invalid");
            }
            if claims.sub != s.config.username {
                return oauth_error("invalid_grant", "user hasn't approved this consumer");
            }
            issue(&mut s)
        }
        Some("client_credentials") => {
            let id_ok = form.get("client_id") == Some(&s.config.client_id);
            let secret_ok = form.get("client_secret") == Some(&s.config.client_secret);
            if !id_ok {
                return oauth_error("invalid_client_id", "client identifier invalid");
            }
            if !secret_ok {
                return oauth_error("invalid_client", "invalid client credentials");
            }
            issue(&mut s)
        }
        _ => oauth_error("unsupported_grant_type", "grant type not supported"),
    }
}

fn issue(s: &mut State) -> Response {
    s.token_seq += 1;
    let token = format!("{}!AQsim.{:016}", s.config.org_id, s.token_seq);
    s.tokens.push(token.clone());
    let issued_at = s.clock.as_millisecond().to_string();
    axum::Json(json!({
        "access_token": token,
        "scope": "api",
        "instance_url": s.instance_url,
        "id": format!("{}/id/{}/{}", s.login_url, s.config.org_id, s.config.user_id),
        "token_type": "Bearer",
        "issued_at": issued_at,
    }))
    .into_response()
}

async fn userinfo(Extract(state): Extract<Shared>, headers: HeaderMap) -> Response {
    let mut s = lock(&state);
    if let Some(r) = arrive(&mut s, Endpoint::UserInfo) {
        return r;
    }
    // The UserInfo endpoint answers a bad token with 403 and a plain text.
    if authorized(&s, &headers).is_err() {
        return (StatusCode::FORBIDDEN, "Bad_OAuth_Token").into_response();
    }
    let c = &s.config;
    axum::Json(json!({
        "sub": format!("{}/id/{}/{}", s.login_url, c.org_id, c.user_id),
        "user_id": c.user_id,
        "organization_id": c.org_id,
        "preferred_username": c.username,
        "email": c.username,
        "email_verified": true,
        "zoneinfo": "GMT",
    }))
    .into_response()
}

async fn describe(
    Extract(state): Extract<Shared>,
    Path((v, object)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let mut s = lock(&state);
    if let Some(r) = arrive(&mut s, Endpoint::Describe) {
        return r;
    }
    if let Err(r) = authorized(&s, &headers).and_then(|()| version(&mut s, &v)) {
        return *r;
    }
    if !object.eq_ignore_ascii_case("Opportunity") {
        return rest_error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("The requested resource does not exist: {object}"),
        );
    }
    let fields: Vec<Value> = s
        .schema
        .iter()
        .map(|f| {
            json!({
                "name": f.name,
                "label": f.label,
                "type": f.kind,
                "length": f.length,
                "updateable": f.updateable,
                "createable": f.updateable,
                "nillable": f.kind != "boolean" && f.name != "Id",
                "custom": f.name.ends_with("__c"),
            })
        })
        .collect();
    axum::Json(json!({
        "name": "Opportunity",
        "label": "Opportunity",
        "keyPrefix": "006",
        "custom": false,
        "updateable": true,
        "queryable": true,
        "fields": fields,
    }))
    .into_response()
}

async fn query(
    Extract(state): Extract<Shared>,
    Path(v): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let mut s = lock(&state);
    if let Some(r) = arrive(&mut s, Endpoint::Query) {
        return r;
    }
    if let Err(r) = authorized(&s, &headers).and_then(|()| version(&mut s, &v)) {
        return *r;
    }
    let Some(q) = params.get("q") else {
        return rest_error(
            StatusCode::BAD_REQUEST,
            "MALFORMED_QUERY",
            "A query string has to be specified",
        );
    };
    s.queries.push(q.clone());
    let parsed = match soql::parse(q) {
        Ok(p) => p,
        Err(m) => return rest_error(StatusCode::BAD_REQUEST, "MALFORMED_QUERY", &m),
    };
    if !parsed.from.eq_ignore_ascii_case("Opportunity") {
        return rest_error(
            StatusCode::BAD_REQUEST,
            "INVALID_TYPE",
            &format!("sObject type '{}' is not supported.", parsed.from),
        );
    }
    if let Err(r) = check_fields(&s, &parsed) {
        return *r;
    }
    let mut rows: Vec<Map<String, Value>> = s
        .opportunities
        .values()
        .filter(|o| !o.deleted)
        .map(|o| s.record(o))
        .filter(|r| {
            parsed
                .filter
                .as_ref()
                .is_none_or(|c| c.matches(&|path: &str| path_value(r, path)))
        })
        .collect();
    rows.sort_by(|a, b| {
        for (field, desc) in &parsed.order {
            let ord = soql::compare_values(&path_value(a, field), &path_value(b, field));
            let ord = if *desc { ord.reverse() } else { ord };
            if ord.is_ne() {
                return ord;
            }
        }
        std::cmp::Ordering::Equal
    });
    if let Some(limit) = parsed.limit {
        rows.truncate(limit);
    }
    let records: Vec<Value> = rows.iter().map(|r| project(r, &parsed.fields)).collect();
    let total = records.len();
    let page = s.config.page_size.max(1);
    if total <= page {
        return axum::Json(json!({"totalSize": total, "done": true, "records": records}))
            .into_response();
    }
    s.locator_seq += 1;
    let locator = format!("01g{:012}AAA", s.locator_seq);
    let first: Vec<Value> = records[..page].to_vec();
    s.locators.insert(locator.clone(), records);
    axum::Json(json!({
        "totalSize": total,
        "done": false,
        "nextRecordsUrl": format!("/services/data/{v}/query/{locator}-{page}"),
        "records": first,
    }))
    .into_response()
}

async fn query_more(
    Extract(state): Extract<Shared>,
    Path((v, locator)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let mut s = lock(&state);
    if let Some(r) = arrive(&mut s, Endpoint::QueryMore) {
        return r;
    }
    if let Err(r) = authorized(&s, &headers).and_then(|()| version(&mut s, &v)) {
        return *r;
    }
    let invalid = || {
        rest_error(
            StatusCode::BAD_REQUEST,
            "INVALID_QUERY_LOCATOR",
            "invalid query locator",
        )
    };
    let Some((id, offset)) = locator.rsplit_once('-') else {
        return invalid();
    };
    let Ok(offset) = offset.parse::<usize>() else {
        return invalid();
    };
    let page = s.config.page_size.max(1);
    let Some(all) = s.locators.get(id) else {
        return invalid();
    };
    if offset >= all.len() {
        return invalid();
    }
    let end = (offset + page).min(all.len());
    let total = all.len();
    let batch: Vec<Value> = all[offset..end].to_vec();
    if end == total {
        // A locator is spent once its last batch is read.
        s.locators.remove(id);
        return axum::Json(json!({"totalSize": total, "done": true, "records": batch}))
            .into_response();
    }
    axum::Json(json!({
        "totalSize": total,
        "done": false,
        "nextRecordsUrl": format!("/services/data/{v}/query/{id}-{end}"),
        "records": batch,
    }))
    .into_response()
}

/// Every field the query names exists, and every date-time is compared
/// with an unquoted date-time literal, as SOQL requires.
fn check_fields(s: &State, q: &soql::Query) -> Result<(), Refusal> {
    let names = q
        .fields
        .iter()
        .map(String::as_str)
        .chain(q.order.iter().map(|(f, _)| f.as_str()))
        .chain(
            q.filter
                .iter()
                .flat_map(|c| c.comparisons())
                .map(|(f, _)| f),
        );
    for name in names {
        let known = match name.split_once('.') {
            Some((rel, field)) if rel.eq_ignore_ascii_case("Account") => {
                ["Id", "Name"].iter().any(|f| f.eq_ignore_ascii_case(field))
            }
            Some((rel, field)) if rel.eq_ignore_ascii_case("Owner") => ["Id", "Email"]
                .iter()
                .any(|f| f.eq_ignore_ascii_case(field)),
            Some(_) => false,
            None => s.field(name).is_some(),
        };
        if !known {
            return Err(Box::new(rest_error(
                StatusCode::BAD_REQUEST,
                "INVALID_FIELD",
                &format!(
                    "No such column '{name}' on entity 'Opportunity'. If you are attempting to use a custom field, \
                     be sure to append the '__c' after the custom field name. Please reference your WSDL or the \
                     describe call for the appropriate names."
                ),
            )));
        }
    }
    for (name, lit) in q.filter.iter().flat_map(|c| c.comparisons()) {
        let is_datetime = s.field(name).is_some_and(|f| f.kind == "datetime");
        let fits =
            matches!(lit, soql::Lit::Null) || is_datetime == matches!(lit, soql::Lit::DateTime(_));
        if !fits {
            let message = if is_datetime {
                format!(
                    "value of filter criterion for field '{name}' must be of type dateTime and should not be enclosed in quotes"
                )
            } else {
                format!("value of filter criterion for field '{name}' is not of its type")
            };
            return Err(Box::new(rest_error(
                StatusCode::BAD_REQUEST,
                "INVALID_FIELD",
                &message,
            )));
        }
    }
    Ok(())
}

/// A field path of a full record, names case-insensitive.
fn path_value(record: &Map<String, Value>, path: &str) -> Value {
    let mut current: Option<&Value> = None;
    for (i, part) in path.split('.').enumerate() {
        let map = if i == 0 {
            Some(record)
        } else {
            current.and_then(Value::as_object)
        };
        current = map.and_then(|m| {
            m.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(part))
                .map(|(_, v)| v)
        });
    }
    current.cloned().unwrap_or(Value::Null)
}

/// The selected fields of a full record, in the order asked, relationships
/// nested with their `attributes`.
fn project(record: &Map<String, Value>, fields: &[String]) -> Value {
    let mut out = Map::new();
    if let Some(a) = record.get("attributes") {
        out.insert("attributes".into(), a.clone());
    }
    for path in fields {
        match path.split_once('.') {
            None => {
                let (name, value) = record
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(path))
                    .map_or((path.clone(), Value::Null), |(k, v)| (k.clone(), v.clone()));
                out.insert(name, value);
            }
            Some((rel, field)) => {
                let Some((rel_name, related)) =
                    record.iter().find(|(k, _)| k.eq_ignore_ascii_case(rel))
                else {
                    continue;
                };
                let Some(related) = related.as_object() else {
                    out.insert(rel_name.clone(), Value::Null);
                    continue;
                };
                let entry = out
                    .entry(rel_name.clone())
                    .or_insert_with(|| json!({"attributes": related.get("attributes").cloned().unwrap_or(Value::Null)}));
                if let (Some(obj), Some((k, v))) = (
                    entry.as_object_mut(),
                    related.iter().find(|(k, _)| k.eq_ignore_ascii_case(field)),
                ) {
                    obj.insert(k.clone(), v.clone());
                }
            }
        }
    }
    Value::Object(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Collection {
    #[serde(default)]
    all_or_none: bool,
    records: Vec<Map<String, Value>>,
}

async fn collections(
    Extract(state): Extract<Shared>,
    Path(v): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut s = lock(&state);
    if let Some(r) = arrive(&mut s, Endpoint::Collections) {
        return r;
    }
    if let Err(r) = authorized(&s, &headers).and_then(|()| version(&mut s, &v)) {
        return *r;
    }
    let c: Collection = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return rest_error(StatusCode::BAD_REQUEST, "JSON_PARSER_ERROR", &e.to_string()),
    };
    s.batches.push(c.records.len());
    if c.records.len() > 200 {
        return rest_error(
            StatusCode::BAD_REQUEST,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        );
    }
    // An unknown field fails the whole request, as deserialising it does.
    for r in &c.records {
        for name in r
            .keys()
            .filter(|k| *k != "attributes" && !k.eq_ignore_ascii_case("id"))
        {
            if s.field(name).is_none() {
                return rest_error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_FIELD",
                    &format!("No such column '{name}' on sobject of type Opportunity"),
                );
            }
        }
    }
    let outcomes: Vec<Checked> = c.records.iter().map(|r| check_record(&s, r)).collect();
    let failed = outcomes.iter().any(Result::is_err);
    let mut results = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        match outcome {
            Err((code, message)) => results.push(json!({
                "success": false,
                "errors": [{"statusCode": code, "message": message, "fields": []}],
            })),
            Ok(_) if c.all_or_none && failed => results.push(json!({
                "success": false,
                "errors": [{
                    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                    "message": "Record rolled back because not all records were valid and the request was using AllOrNone header",
                    "fields": [],
                }],
            })),
            Ok((id, changes)) => {
                let t = s.stamp();
                if let Some(o) = s.opportunities.get_mut(&id) {
                    o.fields.extend(changes);
                    o.modified = t;
                }
                results.push(json!({"id": id, "success": true, "errors": []}));
            }
        }
    }
    axum::Json(Value::Array(results)).into_response()
}

/// One record of an update: its id and coerced values, or its error.
fn check_record(s: &State, r: &Map<String, Value>) -> Checked {
    let kind = r
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str);
    if kind.is_none() {
        return Err(("INVALID_TYPE", "Must send a concrete entity type.".into()));
    }
    if kind != Some("Opportunity") {
        return Err((
            "INVALID_TYPE",
            format!("sObject type '{}' is not supported.", kind.unwrap_or("")),
        ));
    }
    let Some(id) = r
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("id"))
        .and_then(|(_, v)| v.as_str())
    else {
        return Err((
            "MISSING_ARGUMENT",
            "Id not specified in an update call".into(),
        ));
    };
    match s.opportunities.get(id) {
        None => {
            return Err((
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id".into(),
            ));
        }
        Some(o) if o.deleted => return Err(("ENTITY_IS_DELETED", "entity is deleted".into())),
        Some(_) => {}
    }
    let mut changes = Map::new();
    for (name, value) in r
        .iter()
        .filter(|(k, _)| *k != "attributes" && !k.eq_ignore_ascii_case("id"))
    {
        let Some(f) = s.field(name) else { continue };
        if !f.updateable {
            return Err((
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                format!(
                    "Unable to create/update fields: {}. Please check the security settings of this field and \
                     verify that it is read/write for your profile or permission set.",
                    f.name
                ),
            ));
        }
        let stored = match (f.kind.as_str(), value) {
            (_, Value::Null) => Value::Null,
            ("boolean", Value::Bool(b)) => Value::Bool(*b),
            ("boolean", other) => {
                return Err((
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    format!("{}: value not of required type: {}", f.label, plain(other)),
                ));
            }
            ("string" | "textarea" | "url" | "picklist", v) => {
                let text = plain(v);
                if text.chars().count() > f.length as usize {
                    return Err((
                        "STRING_TOO_LONG",
                        format!(
                            "{}: data value too large: {} (max length={})",
                            f.label, text, f.length
                        ),
                    ));
                }
                // Salesforce keeps an empty text as null.
                if text.is_empty() {
                    Value::Null
                } else {
                    Value::String(text)
                }
            }
            ("double" | "currency" | "percent", Value::Number(n)) => Value::Number(n.clone()),
            (_, other) => {
                return Err((
                    "INVALID_TYPE_ON_FIELD_IN_RECORD",
                    format!("{}: value not of required type: {}", f.label, plain(other)),
                ));
            }
        };
        changes.insert(f.name.clone(), stored);
    }
    Ok((id.to_owned(), changes))
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
