//! The simulator's HTTP routes: one handler per HubSpot endpoint, a gate in
//! front of them that counts calls and answers injected faults, and the
//! bearer-token check every CRM endpoint makes.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Form, Path, Request, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{Endpoint, Fault, Shared, State, correlation_id, iso, lock, property_json, search};

pub(super) fn router(shared: Shared) -> Router {
    Router::new()
        .route("/oauth/v1/token", post(token))
        .route("/account-info/v3/details", get(account_info))
        .route("/crm/v3/properties/deals/groups", post(create_group))
        .route("/crm/v3/properties/deals", post(create_property))
        .route("/crm/v3/properties/deals/{name}", get(read_property))
        .route("/crm/v3/objects/deals/search", post(search_deals))
        .route("/crm/v3/objects/deals/batch/update", post(batch_update))
        .route(
            "/crm/v4/associations/deals/companies/batch/read",
            post(deal_companies),
        )
        .route("/crm/v3/objects/companies/batch/read", post(read_companies))
        .route("/crm/v3/owners/{id}", get(owner))
        .route("/crm/v3/pipelines/deals", get(pipelines))
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

/// A request HubSpot refuses, answered with its error body:
/// `{"status":"error","message",…,"correlationId","category"}`.
struct ApiError {
    status: StatusCode,
    category: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id(),
            "category": self.category,
        });
        (self.status, axum::Json(body)).into_response()
    }
}

fn hs_error(status: StatusCode, category: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        category,
        message: message.into(),
    }
}

fn validation(message: impl Into<String>) -> ApiError {
    hs_error(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
}

type Answer = Result<Response, ApiError>;

/// Counts the call, then answers an injected fault or passes it on.
async fn gate(Extract(shared): Extract<Shared>, req: Request, next: Next) -> Response {
    let endpoint = Endpoint::classify(req.method(), req.uri().path());
    let fault = {
        let mut st = lock(&shared);
        if let Some(ep) = endpoint {
            *st.calls.entry(ep).or_insert(0) += 1;
        }
        st.take_fault(endpoint)
    };
    let Some(fault) = fault else {
        return next.run(req).await;
    };
    let mut st = lock(&shared);
    match fault {
        Fault::TooManyRequests { retry_after } => {
            let body = json!({
                "status": "error",
                "message": "You have reached your ten_secondly_rolling limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": correlation_id(),
                "policyName": "TEN_SECONDLY_ROLLING",
            });
            let mut resp = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
            if let Some(secs) = retry_after {
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            resp
        }
        Fault::Unavailable => hs_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "The service is temporarily unavailable.",
        )
        .into_response(),
        Fault::ExpiredToken => {
            for valid in st.tokens.values_mut() {
                *valid = false;
            }
            hs_error(
                StatusCode::UNAUTHORIZED,
                "EXPIRED_AUTHENTICATION",
                "The OAuth token used to make this call expired 0 second(s) ago.",
            )
            .into_response()
        }
        Fault::Drop => {
            drop(st);
            // Unwinding out of the connection's task makes tokio drop it
            // and with it the socket: the client sees the connection
            // close with no answer. `resume_unwind` skips the panic hook,
            // so nothing is printed.
            std::panic::resume_unwind(Box::new("hubspot sim: connection dropped"))
        }
    }
}

/// Checks `Authorization: Bearer …` against the private app's token and
/// the unexpired OAuth access tokens.
fn authorize(st: &State, headers: &HeaderMap) -> Result<(), ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return Err(hs_error(
            StatusCode::UNAUTHORIZED,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        ));
    };
    if st.config.private_app_token.as_deref() == Some(token) {
        return Ok(());
    }
    match st.tokens.get(token) {
        Some(true) => Ok(()),
        Some(false) => Err(hs_error(
            StatusCode::UNAUTHORIZED,
            "EXPIRED_AUTHENTICATION",
            "The OAuth token used to make this call expired 1 minute(s) ago.",
        )),
        None => Err(hs_error(
            StatusCode::UNAUTHORIZED,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        )),
    }
}

/// The JSON body, or HubSpot's 400 for one that does not parse.
fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| validation(format!("Invalid input JSON: {e}")))
}

/// `inputs[].id` of a batch body, as numbers; a non-numeric id is a 400.
fn input_ids(body: &Value) -> Result<Vec<(String, Option<u64>)>, ApiError> {
    let Some(inputs) = body.get("inputs").and_then(Value::as_array) else {
        return Err(validation("Invalid input JSON: missing field 'inputs'"));
    };
    let mut ids = Vec::with_capacity(inputs.len());
    for input in inputs {
        let id = match input.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(validation("Invalid input JSON: each input needs an 'id'")),
        };
        let n = id.parse::<u64>().ok();
        ids.push((id, n));
    }
    Ok(ids)
}

#[derive(serde::Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    refresh_token: Option<String>,
}

/// `POST /oauth/v1/token` with `grant_type=refresh_token`: a new access
/// token. OAuth errors use `status` for their code, as HubSpot's do.
async fn token(Extract(shared): Extract<Shared>, Form(form): Form<TokenForm>) -> Response {
    let mut st = lock(&shared);
    let oauth_error = |status: &str, message: &str| {
        let body = json!({"status": status, "message": message, "correlationId": correlation_id()});
        (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
    };
    let Some(app) = st.config.oauth.clone() else {
        return oauth_error("BAD_CLIENT_ID", "missing or unknown client id");
    };
    if form.grant_type.as_deref() != Some("refresh_token") {
        return oauth_error("BAD_GRANT_TYPE", "grant_type must be refresh_token");
    }
    if form.client_id.as_deref() != Some(app.client_id.as_str()) {
        return oauth_error("BAD_CLIENT_ID", "missing or unknown client id");
    }
    if form.client_secret.as_deref() != Some(app.client_secret.as_str()) {
        return oauth_error("BAD_CLIENT_SECRET", "missing or invalid client secret");
    }
    if form.refresh_token.as_deref() != Some(app.refresh_token.as_str()) {
        return oauth_error("BAD_REFRESH_TOKEN", "missing or unknown refresh token");
    }
    st.issued += 1;
    let access = format!("sim-oauth-access-{}", st.issued);
    st.tokens.insert(access.clone(), true);
    let body = json!({
        "token_type": "bearer",
        "refresh_token": app.refresh_token,
        "access_token": access,
        "expires_in": st.config.token_lifetime_secs,
    });
    axum::Json(body).into_response()
}

/// `GET /account-info/v3/details`.
async fn account_info(Extract(shared): Extract<Shared>, headers: HeaderMap) -> Answer {
    let st = lock(&shared);
    authorize(&st, &headers)?;
    Ok(axum::Json(json!({
        "portalId": st.config.portal_id,
        "accountType": "STANDARD",
        "timeZone": "US/Eastern",
        "companyCurrency": "USD",
        "additionalCurrencies": [],
        "utcOffset": "-05:00",
        "utcOffsetMilliseconds": -18_000_000,
        "uiDomain": "app.hubspot.com",
        "dataHostingLocation": "na1",
    }))
    .into_response())
}

/// `POST /crm/v3/properties/deals/groups`: 201, or 409 when it exists.
async fn create_group(Extract(shared): Extract<Shared>, headers: HeaderMap, body: Bytes) -> Answer {
    let mut st = lock(&shared);
    authorize(&st, &headers)?;
    let body = json_body(&body)?;
    let (Some(name), Some(label)) = (
        body.get("name").and_then(Value::as_str),
        body.get("label").and_then(Value::as_str),
    ) else {
        return Err(validation("Property group needs 'name' and 'label'"));
    };
    if st.groups.contains_key(name) {
        let message = format!("A property group named '{name}' already exists.");
        return Err(hs_error(
            StatusCode::CONFLICT,
            "OBJECT_ALREADY_EXISTS",
            message,
        ));
    }
    let group = json!({
        "name": name,
        "label": label,
        "displayOrder": body.get("displayOrder").cloned().unwrap_or(json!(-1)),
        "archived": false,
    });
    st.groups.insert(name.to_owned(), group.clone());
    Ok((StatusCode::CREATED, axum::Json(group)).into_response())
}

/// Whether HubSpot accepts this `type` with this `fieldType`.
fn valid_field_type(kind: &str, field_type: &str) -> bool {
    matches!(
        (kind, field_type),
        ("bool", "booleancheckbox" | "calculation_equation")
            | (
                "enumeration",
                "booleancheckbox" | "checkbox" | "radio" | "select" | "calculation_equation"
            )
            | ("date" | "datetime", "date")
            | (
                "string",
                "file" | "text" | "textarea" | "phonenumber" | "html" | "calculation_equation"
            )
            | ("number", "number" | "calculation_equation")
    )
}

/// `POST /crm/v3/properties/deals`: 201, 409 when it exists, 400 when the
/// type, field type, options or group are wrong.
async fn create_property(
    Extract(shared): Extract<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let mut st = lock(&shared);
    authorize(&st, &headers)?;
    let body = json_body(&body)?;
    let field = |k: &str| body.get(k).and_then(Value::as_str);
    let (Some(name), Some(label), Some(kind), Some(field_type), Some(group)) = (
        field("name"),
        field("label"),
        field("type"),
        field("fieldType"),
        field("groupName"),
    ) else {
        return Err(validation(
            "Property needs 'name', 'label', 'type', 'fieldType' and 'groupName'",
        ));
    };
    if st.properties.contains_key(name) {
        let message = format!("Property named '{name}' already exists.");
        return Err(hs_error(
            StatusCode::CONFLICT,
            "OBJECT_ALREADY_EXISTS",
            message,
        ));
    }
    if !valid_field_type(kind, field_type) {
        let message = format!("Property type '{kind}' cannot have field type '{field_type}'.");
        return Err(validation(message));
    }
    let options: Vec<Value> = body
        .get("options")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if kind == "bool" {
        let mut values: Vec<&str> = options
            .iter()
            .filter_map(|o| o.get("value").and_then(Value::as_str))
            .collect();
        values.sort_unstable();
        if values != ["false", "true"] {
            let message =
                format!("Property '{name}' of type bool needs the options 'true' and 'false'.");
            return Err(validation(message));
        }
    }
    if kind == "enumeration" && options.is_empty() {
        let message = format!("Property '{name}' of type enumeration needs options.");
        return Err(validation(message));
    }
    if !st.groups.contains_key(group) {
        let message = format!("The property group '{group}' does not exist.");
        return Err(validation(message));
    }
    let at = st.clock;
    let def = property_json(name, label, kind, field_type, group, &options, false, at);
    st.properties.insert(name.to_owned(), def.clone());
    Ok((StatusCode::CREATED, axum::Json(def)).into_response())
}

/// `GET /crm/v3/properties/deals/{name}`.
async fn read_property(
    Extract(shared): Extract<Shared>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Answer {
    let st = lock(&shared);
    authorize(&st, &headers)?;
    match st.properties.get(&name) {
        Some(def) => Ok(axum::Json(def.clone()).into_response()),
        None => {
            let message = format!("Unable to find property '{name}' on object type deals.");
            Err(hs_error(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", message))
        }
    }
}

/// `POST /crm/v3/objects/deals/search`.
async fn search_deals(Extract(shared): Extract<Shared>, headers: HeaderMap, body: Bytes) -> Answer {
    let st = lock(&shared);
    authorize(&st, &headers)?;
    let body = json_body(&body)?;
    match search::run(&st, &body) {
        Ok(answer) => Ok(axum::Json(answer).into_response()),
        Err(message) => Err(validation(message)),
    }
}

/// A property value HubSpot refuses, in its `Property values were not
/// valid` detail form.
fn invalid_value(st: &State, name: &str, value: &Value) -> Option<Value> {
    let Some(def) = st.properties.get(name) else {
        let message = format!("Property \"{name}\" does not exist");
        return Some(
            json!({"isValid": false, "message": message, "error": "PROPERTY_DOESNT_EXIST", "name": name, "localizedErrorMessage": message}),
        );
    };
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Null => return None,
        other => other.to_string(),
    };
    let kind = def.get("type").and_then(Value::as_str).unwrap_or("string");
    let options: Vec<&str> = def
        .get("options")
        .and_then(Value::as_array)
        .map(|o| {
            o.iter()
                .filter_map(|o| o.get("value").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    let bad = match kind {
        "bool" => !matches!(text.as_str(), "true" | "false"),
        "number" => !text.is_empty() && text.parse::<f64>().is_err(),
        "enumeration"
            if !options.is_empty() && name != "dealstage" && name != "hubspot_owner_id" =>
        {
            !text.is_empty() && !options.contains(&text.as_str())
        }
        _ => false,
    };
    if !bad {
        return None;
    }
    let message = if kind == "number" {
        format!("{text} was not a valid number.")
    } else {
        format!("{text} was not one of the allowed options: {options:?}")
    };
    let error = if kind == "number" {
        "INVALID_DOUBLE"
    } else {
        "INVALID_OPTION"
    };
    Some(
        json!({"isValid": false, "message": message, "error": error, "name": name, "localizedErrorMessage": message}),
    )
}

/// `POST /crm/v3/objects/deals/batch/update`: at most 100 inputs; invalid
/// values fail the whole batch (400, nothing written); missing or deleted
/// deals are a 207 naming their ids while the others are written.
/// `hs_lastmodifieddate` moves only for deals whose values change.
async fn batch_update(Extract(shared): Extract<Shared>, headers: HeaderMap, body: Bytes) -> Answer {
    let mut st = lock(&shared);
    authorize(&st, &headers)?;
    let body = json_body(&body)?;
    let ids = input_ids(&body)?;
    if ids.len() > 100 {
        return Err(validation("Batch input may contain at most 100 inputs."));
    }
    let inputs: Vec<Value> = body
        .get("inputs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut invalid = Vec::new();
    for input in &inputs {
        if let Some(props) = input.get("properties").and_then(Value::as_object) {
            for (name, value) in props {
                if let Some(bad) = invalid_value(&st, name, value) {
                    invalid.push(bad);
                }
            }
        }
    }
    if !invalid.is_empty() {
        let detail = serde_json::to_string(&invalid).unwrap_or_default();
        return Err(validation(format!(
            "Property values were not valid: {detail}"
        )));
    }
    let at = st.tick(None);
    let mut results = Vec::new();
    let mut missing = Vec::new();
    for ((id, num), input) in ids.iter().zip(&inputs) {
        let Some(rec) = num
            .and_then(|n| st.deals.get_mut(&n))
            .filter(|r| !r.archived)
        else {
            missing.push(id.clone());
            continue;
        };
        let mut written = Vec::new();
        if let Some(props) = input.get("properties").and_then(Value::as_object) {
            for (name, value) in props {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                rec.set(name, &text, at);
                written.push(name.clone());
            }
        }
        results.push(rec.render(num.unwrap_or_default(), &written));
    }
    let now = iso(st.clock);
    let mut answer = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": now,
        "completedAt": now,
    });
    if missing.is_empty() {
        return Ok(axum::Json(answer).into_response());
    }
    let error = json!({
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": "Could not get some DEAL objects, they may be deleted or not exist. Check that ids are valid.",
        "context": {"ids": missing},
        "errors": [],
    });
    answer["numErrors"] = json!(1);
    answer["errors"] = json!([error]);
    Ok((StatusCode::MULTI_STATUS, axum::Json(answer)).into_response())
}

/// `POST /crm/v4/associations/deals/companies/batch/read`: each deal's
/// companies (the first labelled Primary, type 5); deals with none are
/// errors of a 207.
async fn deal_companies(
    Extract(shared): Extract<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let st = lock(&shared);
    authorize(&st, &headers)?;
    let body = json_body(&body)?;
    let ids = input_ids(&body)?;
    if ids.len() > 1000 {
        return Err(validation("Batch input may contain at most 1000 inputs."));
    }
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (id, num) in ids {
        let companies = num
            .and_then(|n| st.deal_companies.get(&n))
            .filter(|c| !c.is_empty());
        match companies {
            Some(companies) => {
                let to: Vec<Value> = companies
                    .iter()
                    .enumerate()
                    .map(|(i, company)| {
                        let mut types = vec![json!({"category": "HUBSPOT_DEFINED", "typeId": 341, "label": null})];
                        if i == 0 {
                            types.insert(0, json!({"category": "HUBSPOT_DEFINED", "typeId": 5, "label": "Primary"}));
                        }
                        json!({"toObjectId": company, "associationTypes": types})
                    })
                    .collect();
                results.push(json!({"from": {"id": id}, "to": to}));
            }
            None => errors.push(json!({
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                "message": format!("No company is associated with deal {id}."),
                "context": {"fromObjectId": [id]},
                "errors": [],
            })),
        }
    }
    let now = iso(st.clock);
    let mut answer =
        json!({"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now});
    if errors.is_empty() {
        return Ok(axum::Json(answer).into_response());
    }
    answer["numErrors"] = json!(errors.len());
    answer["errors"] = Value::Array(errors);
    Ok((StatusCode::MULTI_STATUS, axum::Json(answer)).into_response())
}

/// `POST /crm/v3/objects/companies/batch/read`: at most 100 inputs;
/// missing companies are errors of a 207.
async fn read_companies(
    Extract(shared): Extract<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let st = lock(&shared);
    authorize(&st, &headers)?;
    let body = json_body(&body)?;
    let ids = input_ids(&body)?;
    if ids.len() > 100 {
        return Err(validation("Batch input may contain at most 100 inputs."));
    }
    let asked: Vec<String> = body
        .get("properties")
        .and_then(Value::as_array)
        .map(|p| {
            p.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let mut results = Vec::new();
    let mut missing = Vec::new();
    for (id, num) in ids {
        match num.and_then(|n| st.companies.get(&n).map(|r| (n, r))) {
            Some((n, rec)) => results.push(rec.render(n, &asked)),
            None => missing.push(id),
        }
    }
    let now = iso(st.clock);
    let mut answer =
        json!({"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now});
    if missing.is_empty() {
        return Ok(axum::Json(answer).into_response());
    }
    answer["numErrors"] = json!(1);
    answer["errors"] = json!([{
        "status": "error",
        "category": "OBJECT_NOT_FOUND",
        "message": "Could not get some COMPANY objects, they may be deleted or not exist. Check that ids are valid.",
        "context": {"ids": missing},
        "errors": [],
    }]);
    Ok((StatusCode::MULTI_STATUS, axum::Json(answer)).into_response())
}

/// `GET /crm/v3/owners/{ownerId}`.
async fn owner(
    Extract(shared): Extract<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Answer {
    let st = lock(&shared);
    authorize(&st, &headers)?;
    let found = id
        .parse::<u64>()
        .ok()
        .and_then(|n| st.owners.get(&n).cloned());
    let Some(email) = found else {
        let message = format!("Owner {id} not found");
        return Err(hs_error(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", message));
    };
    let now = iso(st.config.start);
    Ok(axum::Json(json!({
        "id": id,
        "email": email,
        "type": "PERSON",
        "firstName": "",
        "lastName": "",
        "userId": id.parse::<u64>().unwrap_or_default() + 9_000_000,
        "createdAt": now,
        "updatedAt": now,
        "archived": false,
    }))
    .into_response())
}

/// `GET /crm/v3/pipelines/deals`.
async fn pipelines(Extract(shared): Extract<Shared>, headers: HeaderMap) -> Answer {
    let st = lock(&shared);
    authorize(&st, &headers)?;
    let now = iso(st.config.start);
    let results: Vec<Value> = st
        .pipelines
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let stages: Vec<Value> = p
                .stages
                .iter()
                .enumerate()
                .map(|(j, s)| {
                    let closed = s.id.contains("closed");
                    json!({
                        "id": s.id,
                        "label": s.label,
                        "displayOrder": j,
                        "metadata": {"isClosed": closed.to_string(), "probability": if s.id.contains("won") { "1.0" } else { "0.2" }},
                        "createdAt": now,
                        "updatedAt": now,
                        "archived": false,
                    })
                })
                .collect();
            json!({"id": p.id, "label": p.label, "displayOrder": i, "stages": stages, "createdAt": now, "updatedAt": now, "archived": false})
        })
        .collect();
    Ok(axum::Json(json!({"results": results})).into_response())
}
