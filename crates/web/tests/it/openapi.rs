//! `/openapi.json`: generated from the routes, listing every route of the
//! API, and a well-formed OpenAPI 3.x document (checked structurally here:
//! version, info, paths, responses, references, path parameters).

use std::collections::BTreeSet;

use baton_testkit::{TestApp, on_both_backends};
use serde_json::Value;

use crate::harness::start;

on_both_backends!(the_openapi_document_lists_every_route_and_is_valid_openapi_3);
on_both_backends!(the_api_reference_is_served_by_baton_without_inline_scripts);

/// The HTTP methods an OpenAPI path item may describe.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every `METHOD /path` the document describes, path parameters written `{}`.
pub fn operations(doc: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if item.get(m).is_some() {
                out.insert(format!("{} {}", m.to_uppercase(), anonymous_params(path)));
            }
        }
    }
    out
}

/// `/handoffs/{id}/submit` → `/handoffs/{}/submit`.
pub fn anonymous_params(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// The routes the API must have (issue 3), parameters anonymous.
const REQUIRED: &[&str] = &[
    "GET /openapi.json",
    "POST /session",
    "DELETE /session",
    "POST /tokens",
    "GET /tokens",
    "DELETE /tokens/{}",
    "GET /teams",
    "POST /teams",
    "GET /users",
    "POST /users",
    "GET /accounts",
    "POST /accounts",
    "GET /accounts/{}",
    "GET /contracts",
    "GET /contracts/{}",
    "GET /contracts/{}/versions",
    "POST /contracts/{}/versions",
    "PUT /contracts/{}/mode",
    "POST /contracts/{}/proposals",
    "POST /handoffs",
    "GET /handoffs",
    "GET /handoffs/{}",
    "PATCH /handoffs/{}",
    "GET /handoffs/{}/events",
    "POST /handoffs/{}/submit",
    "POST /handoffs/{}/accept",
    "POST /handoffs/{}/reject",
    "POST /handoffs/{}/withdraw",
    "POST /handoffs/{}/ack",
    "POST /handoffs/{}/echo",
    "POST /handoffs/{}/resolve",
    "POST /handoffs/{}/close-loop",
    "POST /handoffs/{}/attest",
    "POST /signals/rediscovery",
    "POST /signals/nps",
    "POST /signals/churn",
    "POST /import/events",
    "GET /gates/{}/{}",
    "POST /webhooks",
    "GET /webhooks",
    "DELETE /webhooks/{}",
];

/// Resolves a local `$ref` such as `#/components/schemas/ApiError`.
fn resolve<'a>(doc: &'a Value, r: &str) -> Option<&'a Value> {
    doc.pointer(r.strip_prefix('#')?)
}

/// Every `$ref` in `v`, with the JSON path where it occurs.
fn refs(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if k == "$ref"
                    && let Some(r) = x.as_str()
                {
                    out.push((at.to_string(), r.to_string()));
                }
                refs(x, &format!("{at}/{k}"), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                refs(x, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// Structural OpenAPI 3.x problems of `doc`; empty when it is well formed.
pub fn openapi_problems(doc: &Value) -> Vec<String> {
    let mut bad = Vec::new();
    if !doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")) {
        bad.push(format!("`openapi` is not 3.x: {}", doc["openapi"]));
    }
    for key in ["title", "version"] {
        if doc["info"][key]
            .as_str()
            .is_none_or(|v| v.trim().is_empty())
        {
            bad.push(format!("info.{key} is missing"));
        }
    }
    let Some(paths) = doc["paths"].as_object() else {
        bad.push("`paths` is not an object".into());
        return bad;
    };
    if paths.is_empty() {
        bad.push("no paths".into());
    }
    let mut operation_ids = BTreeSet::new();
    for (path, item) in paths {
        if !path.starts_with('/') {
            bad.push(format!("path '{path}' does not start with /"));
        }
        let declared_in_path: Vec<String> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
            .collect();
        let shared = item["parameters"].as_array().cloned().unwrap_or_default();
        let mut any = false;
        for m in METHODS {
            let Some(op) = item.get(m) else { continue };
            any = true;
            let here = format!("{} {path}", m.to_uppercase());
            match op["responses"].as_object() {
                Some(r) if !r.is_empty() => {
                    for (code, resp) in r {
                        let ok_code = code == "default"
                            || (code.len() == 3
                                && code.chars().all(|c| c.is_ascii_digit() || c == 'X'));
                        if !ok_code {
                            bad.push(format!("{here}: response code '{code}'"));
                        }
                        let resp = match resp["$ref"].as_str() {
                            Some(r) => resolve(doc, r).unwrap_or(&Value::Null),
                            None => resp,
                        };
                        if resp["description"].as_str().is_none() {
                            bad.push(format!("{here}: response {code} has no description"));
                        }
                    }
                }
                _ => bad.push(format!("{here}: no responses")),
            }
            if let Some(id) = op["operationId"].as_str()
                && !operation_ids.insert(id.to_string())
            {
                bad.push(format!("{here}: operationId '{id}' is used twice"));
            }
            let params: Vec<Value> = shared
                .iter()
                .chain(op["parameters"].as_array().into_iter().flatten())
                .map(|p| match p["$ref"].as_str() {
                    Some(r) => resolve(doc, r).cloned().unwrap_or(Value::Null),
                    None => p.clone(),
                })
                .collect();
            for p in &params {
                let known = ["query", "header", "path", "cookie"];
                if !p["name"].is_string() || !p["in"].as_str().is_some_and(|i| known.contains(&i)) {
                    bad.push(format!("{here}: malformed parameter {p}"));
                }
                if p["in"] == "path" {
                    let name = p["name"].as_str().unwrap_or_default();
                    if !declared_in_path.iter().any(|d| d == name) {
                        bad.push(format!(
                            "{here}: path parameter '{name}' is not in the path"
                        ));
                    }
                    if p["required"] != Value::Bool(true) {
                        bad.push(format!("{here}: path parameter '{name}' is not required"));
                    }
                }
            }
            for name in &declared_in_path {
                let declared = params
                    .iter()
                    .any(|p| p["in"] == "path" && p["name"].as_str() == Some(name));
                if !declared {
                    bad.push(format!(
                        "{here}: path parameter '{{{name}}}' is not declared"
                    ));
                }
            }
            if let Some(body) = op.get("requestBody")
                && body.get("$ref").is_none()
                && body["content"].as_object().is_none_or(|c| c.is_empty())
            {
                bad.push(format!("{here}: requestBody without content"));
            }
        }
        if !any {
            bad.push(format!("path '{path}' has no operations"));
        }
    }
    let mut all = Vec::new();
    refs(doc, "#", &mut all);
    for (at, r) in all {
        if !r.starts_with("#/") {
            bad.push(format!("{at}: $ref '{r}' points outside the document"));
        } else if resolve(doc, &r).is_none() {
            bad.push(format!("{at}: $ref '{r}' does not resolve"));
        }
    }
    // Security requirements name declared schemes.
    let schemes = doc["components"]["securitySchemes"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut reqs = doc["security"].as_array().cloned().unwrap_or_default();
    for item in paths.values() {
        for m in METHODS {
            reqs.extend(item[m]["security"].as_array().cloned().unwrap_or_default());
        }
    }
    for req in reqs {
        for name in req.as_object().into_iter().flatten().map(|(k, _)| k) {
            if !schemes.contains_key(name) {
                bad.push(format!("security scheme '{name}' is not declared"));
            }
        }
    }
    bad
}

async fn the_openapi_document_lists_every_route_and_is_valid_openapi_3(t: TestApp) {
    let s = start(t).await;
    let r = s.anon().get("/openapi.json").await;
    let doc = r.expect(200).clone();
    assert_eq!(r.content_type(), "application/json");
    // Generated from the code that serves the API, never hand-kept.
    assert_eq!(doc, serde_json::to_value(baton_web::openapi()).unwrap());

    let documented = operations(&doc);
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|r| !documented.contains(*r))
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from /api/v1/openapi.json: {missing:?}"
    );

    let problems = openapi_problems(&doc);
    assert!(
        problems.is_empty(),
        "not valid OpenAPI 3.x:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_finds_what_is_wrong() {
    let doc = serde_json::json!({
        "openapi": "2.0",
        "info": {"title": "x"},
        "paths": {
            "nope": {"get": {"responses": {}}},
            "/a/{id}": {"get": {"responses": {"200": {"$ref": "#/components/responses/Gone"}}}},
        },
    });
    let p = openapi_problems(&doc);
    for want in [
        "`openapi` is not 3.x",
        "info.version is missing",
        "path 'nope' does not start with /",
        "GET nope: no responses",
        "path parameter '{id}' is not declared",
        "does not resolve",
    ] {
        assert!(p.iter().any(|x| x.contains(want)), "{want} not in {p:?}");
    }
}

// ---- Issue 16, seam 8: the document must not mislead clients ----

/// The operation `method path` of the document.
fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let op = &doc["paths"][path][method];
    assert!(
        op.is_object(),
        "{} {path} is not documented",
        method.to_uppercase()
    );
    op
}

/// `v`, or what its `$ref` points to.
fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => resolve(doc, r).unwrap_or(&Value::Null),
        None => v,
    }
}

/// The JSON request body schema of an operation, `$ref`s followed.
fn json_body<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let body = deref(doc, &operation(doc, method, path)["requestBody"]);
    deref(doc, &body["content"]["application/json"]["schema"])
}

/// The property names of an object schema.
fn property_names(schema: &Value) -> BTreeSet<String> {
    schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn echo_resolve_and_close_loop_are_documented_with_the_note_they_take() {
    let doc = serde_json::to_value(baton_web::openapi()).unwrap();
    for action in ["echo", "resolve", "close-loop"] {
        let path = format!("/handoffs/{{id}}/{action}");
        let schema = json_body(&doc, "post", &path);
        assert_eq!(
            property_names(schema),
            BTreeSet::from(["note".to_string()]),
            "POST {path} documents the body {schema}"
        );
    }
    // The conversation note keeps its own, different body.
    let note = json_body(&doc, "post", "/signals/notes");
    for key in ["account", "text"] {
        assert!(property_names(note).contains(key), "{note}");
    }
}

#[test]
fn no_two_types_share_a_schema_name() {
    let clashes = baton_web::api::schema_name_clashes();
    assert!(
        clashes.is_empty(),
        "two Rust types publish the same OpenAPI schema name (the second overwrites the first): {clashes:?}"
    );
}

/// Every operation with its method, path and object.
fn all_operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                out.push((m.to_string(), path.clone(), op.clone()));
            }
        }
    }
    out
}

#[test]
fn every_operation_documents_each_problem_it_can_answer() {
    let doc = serde_json::to_value(baton_web::openapi()).unwrap();
    let problem = &doc["components"]["schemas"]["Problem"];
    assert!(problem.is_object(), "no Problem schema");
    let types: Vec<&str> = problem["properties"]["type"]["enum"]
        .as_array()
        .expect("the Problem's `type` lists every problem type")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for t in [
        "urn:baton:problem:unauthenticated",
        "urn:baton:problem:method-not-allowed",
    ] {
        assert!(types.contains(&t), "{t} not in {types:?}");
    }
    let mut bad = Vec::new();
    for (method, path, op) in all_operations(&doc) {
        let here = format!("{} {path}", method.to_uppercase());
        let secured = op["security"].as_array().is_none_or(|reqs| {
            reqs.iter()
                .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
        });
        let params: Vec<Value> = op["parameters"].as_array().cloned().unwrap_or_default();
        let has = |loc: &str| params.iter().any(|p| deref(&doc, p)["in"] == loc);
        let json_body = op["requestBody"]["content"]
            .get("application/json")
            .is_some();
        let any_body = op.get("requestBody").is_some();
        // Everything but the document itself reads the database.
        let mut want: Vec<u16> = if path == "/openapi.json" {
            vec![]
        } else {
            vec![503]
        };
        if secured {
            want.extend([401, 403]);
            if method != "get" {
                want.push(409);
            }
        }
        if json_body {
            want.extend([400, 422]);
        }
        if any_body {
            want.extend([413, 415]);
        }
        if has("path") {
            want.push(404);
        }
        if has("query") {
            want.push(422);
        }
        let responses = op["responses"].as_object().unwrap();
        for status in want {
            if !responses.contains_key(&status.to_string()) {
                bad.push(format!("{here}: {status} is not documented"));
            }
        }
        for (code, resp) in responses {
            if !(code.starts_with('4') || code.starts_with('5')) {
                continue;
            }
            let resp = deref(&doc, resp);
            let content = &resp["content"]["application/problem+json"];
            let schema = &content["schema"];
            let is_problem = schema["$ref"] == "#/components/schemas/Problem"
                || schema["allOf"][0]["$ref"] == "#/components/schemas/Problem";
            if !is_problem {
                bad.push(format!(
                    "{here}: {code} is not application/problem+json with the Problem schema: {resp}"
                ));
            }
            if !resp["description"]
                .as_str()
                .is_some_and(|d| d.contains("urn:baton:problem:"))
            {
                bad.push(format!("{here}: {code} does not name its problem type(s)"));
            }
            if code == "401" && resp["headers"].get("WWW-Authenticate").is_none() {
                bad.push(format!("{here}: 401 does not document WWW-Authenticate"));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// A property of a component schema.
fn property<'a>(doc: &'a Value, schema: &str, prop: &str) -> &'a Value {
    let p = &doc["components"]["schemas"][schema]["properties"][prop];
    assert!(p.is_object(), "{schema}.{prop} is not documented");
    p
}

/// A query parameter of an operation.
fn query_param<'a>(doc: &'a Value, method: &str, path: &str, name: &str) -> &'a Value {
    operation(doc, method, path)["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == name && p["in"] == "query"))
        .unwrap_or_else(|| panic!("{method} {path} has no query parameter {name}"))
}

/// The strings an `enum` (or a nullable one) allows.
fn enum_of(v: &Value) -> BTreeSet<String> {
    let direct = v["enum"].as_array();
    let nested = v["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|x| x["enum"].as_array());
    direct
        .or(nested)
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(String::from))
        .collect()
}

fn set(values: &[&str]) -> BTreeSet<String> {
    values.iter().map(|v| (*v).to_string()).collect()
}

#[test]
fn schemas_say_what_the_server_enforces() {
    let doc = serde_json::to_value(baton_web::openapi()).unwrap();
    let states = set(&["draft", "submitted", "rejected", "accepted", "withdrawn"]);
    assert_eq!(enum_of(property(&doc, "HandoffBody", "state")), states);
    assert_eq!(
        enum_of(&query_param(&doc, "get", "/handoffs", "state")["schema"]),
        states
    );
    assert_eq!(
        enum_of(property(&doc, "ModeBody", "mode")),
        set(&["observe", "gated"])
    );
    assert_eq!(
        enum_of(property(&doc, "ContractBody", "mode")),
        set(&["observe", "gated"])
    );
    assert_eq!(
        enum_of(property(&doc, "MoveBody", "phase")),
        set(&[
            "leak_audit",
            "field_spec",
            "gating",
            "scorecard_live",
            "expand",
            "incentive_tune"
        ])
    );
    assert_eq!(
        enum_of(property(&doc, "Membership", "role")),
        set(&["member", "lead"])
    );
    assert_eq!(
        enum_of(property(&doc, "AccountBody", "status")),
        set(&["active", "churned"])
    );
    assert_eq!(
        enum_of(property(&doc, "SuggestionBody", "status")),
        set(&["open", "confirmed", "dismissed"])
    );
    assert_eq!(
        enum_of(&query_param(&doc, "get", "/signals/suggestions", "status")["schema"]),
        set(&["open", "confirmed", "dismissed", "all"])
    );
    let created = property(&doc, "HandoffBody", "created_at");
    assert_eq!(created["format"], "date-time", "{created}");
    assert_eq!(property(&doc, "NewWebhookBody", "url")["format"], "uri");
    let email = property(&doc, "NewUserBody", "email");
    assert!(
        email["pattern"].as_str().is_some_and(|p| p.contains('@')),
        "{email}"
    );
    let score = property(&doc, "NpsBody", "score");
    assert_eq!(
        (score["minimum"].as_f64(), score["maximum"].as_f64()),
        (Some(0.0), Some(10.0)),
        "{score}"
    );
    let key = property(&doc, "NewHandoffBody", "contract");
    assert!(
        key["pattern"]
            .as_str()
            .is_some_and(|p| p.starts_with("^[a-z]")),
        "{key}"
    );
    assert!(property(&doc, "NewHandoffBody", "account")["minLength"] == 1);
}

/// The routes that page, with their query parameters.
const PAGED: &[(&str, &str)] = &[
    ("/handoffs", "/handoffs"),
    ("/accounts", "/accounts"),
    ("/signals/suggestions", "/signals/suggestions"),
    ("/webhooks/{id}/deliveries", "/webhooks/{id}/deliveries"),
];

#[test]
fn every_paged_route_documents_the_same_limit() {
    let doc = serde_json::to_value(baton_web::openapi()).unwrap();
    let limits: Vec<(&str, Value)> = PAGED
        .iter()
        .map(|(path, _)| {
            (
                *path,
                query_param(&doc, "get", path, "limit")["schema"].clone(),
            )
        })
        .collect();
    for (path, schema) in &limits {
        assert_eq!(
            (
                schema["minimum"].as_u64(),
                schema["maximum"].as_u64(),
                schema["default"].as_u64()
            ),
            (Some(1), Some(200), Some(50)),
            "GET {path}: limit is {schema}"
        );
    }
}

on_both_backends!(
    a_401_says_to_send_a_bearer_token,
    a_wrong_method_is_a_405_problem_naming_the_allowed_ones,
    every_paged_route_refuses_a_limit_outside_1_to_200_alike,
);

async fn a_401_says_to_send_a_bearer_token(t: TestApp) {
    let s = start(t).await;
    for client in [
        s.anon(),
        s.client(crate::harness::Auth::Bearer("nope".into())),
    ] {
        let r = client.get("/handoffs").await;
        r.problem(401, "unauthenticated");
        let www = r
            .headers
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(www.starts_with("Bearer"), "WWW-Authenticate: {www:?}");
    }
}

async fn a_wrong_method_is_a_405_problem_naming_the_allowed_ones(t: TestApp) {
    let s = start(t).await;
    let admin = s.as_("admin@acme.test").await;
    let r = admin.put("/handoffs", serde_json::json!({})).await;
    r.problem(405, "method-not-allowed");
    let allow = r
        .headers
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    for m in ["GET", "POST"] {
        assert!(allow.contains(m), "Allow: {allow}");
    }
    // Also without credentials: the method is wrong whoever asks.
    s.anon()
        .delete("/accounts")
        .await
        .problem(405, "method-not-allowed");
}

async fn every_paged_route_refuses_a_limit_outside_1_to_200_alike(t: TestApp) {
    let s = start(t).await;
    let admin = s.as_("admin@acme.test").await;
    let hook = admin
        .post(
            "/webhooks",
            serde_json::json!({"url": "http://127.0.0.1:9/refused", "events": ["*"], "secret": "s3cret-s3cret-s3cret"}),
        )
        .await;
    let hook = hook.expect(201)["id"].as_str().unwrap().to_string();
    for (_, path) in PAGED {
        let path = path.replace("{id}", &hook);
        for bad in ["0", "201", "100000"] {
            let r = admin.get(&format!("{path}?limit={bad}")).await;
            let p = r.problem(422, "invalid-input");
            assert_eq!(
                p["errors"][0]["field"], "limit",
                "GET {path}?limit={bad}: {p}"
            );
        }
        for good in ["1", "200"] {
            admin.get(&format!("{path}?limit={good}")).await.expect(200);
        }
    }
}

async fn the_api_reference_is_served_by_baton_without_inline_scripts(t: TestApp) {
    let s = start(t).await;
    let bare = s.fetch("/api/docs").await;
    assert_eq!(bare.status().as_u16(), 303, "/api/docs → /api/docs/");
    assert_eq!(bare.headers()["location"], "/api/docs/");

    let page = s.fetch("/api/docs/").await;
    assert_eq!(page.status().as_u16(), 200);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let html = page.text().await.unwrap();
    // Every script is a file of Baton's own: the CSP runs no inline one.
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty(), "{html}");
    for tag in &scripts {
        let open = &tag[..tag.find('>').unwrap()];
        assert!(
            open.contains("src=\"./"),
            "inline or foreign script: <script{open}>"
        );
        assert!(
            tag[tag.find('>').unwrap() + 1..]
                .trim_start()
                .starts_with("</script>")
        );
    }

    let init = s
        .fetch("/api/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("\"/api/v1/openapi.json\""), "{init}");
    assert!(
        init.contains("\"validatorUrl\": \"none\""),
        "no call to validator.swagger.io: {init}"
    );
}
