//! `/openapi.json`: generated from the routes, listing every route of the
//! API, and a well-formed OpenAPI 3.x document (checked structurally here:
//! version, info, paths, responses, references, path parameters).

use std::collections::BTreeSet;

use baton_testkit::{TestApp, on_both_backends};
use serde_json::Value;

use crate::harness::start;

on_both_backends!(the_openapi_document_lists_every_route_and_is_valid_openapi_3);

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
