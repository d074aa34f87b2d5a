//! Finishes the OpenAPI document utoipa generates from the routes, with what
//! the derives cannot say, so the document does not mislead a client:
//!
//! - every problem an operation can answer, by status, each as
//!   `application/problem+json` with the `Problem` schema and its problem
//!   types named (from [`crate::error::PROBLEM_TYPES`], the one list), a
//!   401 with its `WWW-Authenticate` header and a 429 with `Retry-After`;
//! - the values the server enforces: enums (states, modes, phases, roles…),
//!   formats (date-time, uri), id and email patterns, ranges.
//!
//! It works on the document's JSON: the statuses that follow from how an
//! operation is built (it is signed in, it reads a body, it has a path
//! parameter, a query, it writes) are added where the handler's own
//! annotation did not already describe them more precisely.

use serde_json::{Map, Value, json};

use crate::api::{DEFAULT_PAGE, MAX_PAGE};
use crate::error::{PROBLEM_TYPES, problem_types};

/// The finished document.
pub fn finish(doc: utoipa::openapi::OpenApi) -> Value {
    let mut doc = serde_json::to_value(doc).unwrap_or_default();
    problem_schema(&mut doc);
    problem_responses(&mut doc);
    exact_schemas(&mut doc);
    exact_parameters(&mut doc);
    doc
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];
const PROBLEM_REF: &str = "#/components/schemas/Problem";

/// Puts the `Problem` schema (and its item) into the components, whatever
/// routes happened to name it, with `type` limited to the known types.
fn problem_schema(doc: &mut Value) {
    let mut schemas = Vec::new();
    <crate::error::ApiError as utoipa::ToSchema>::schemas(&mut schemas);
    let problem = serde_json::to_value(<crate::error::ApiError as utoipa::PartialSchema>::schema())
        .unwrap_or_default();
    let components = &mut doc["components"]["schemas"];
    if !components.is_object() {
        *components = Value::Object(Map::new());
    }
    for (name, schema) in schemas {
        components[name] = serde_json::to_value(schema).unwrap_or_default();
    }
    components["Problem"] = problem;
    let all: Vec<Value> = PROBLEM_TYPES
        .iter()
        .map(|(_, slug, _)| json!(format!("urn:baton:problem:{slug}")))
        .collect();
    merge(
        &mut components["Problem"]["properties"]["type"],
        &json!({"enum": all}),
    );
    merge(
        &mut components["Problem"]["properties"]["status"],
        &json!({"minimum": 400, "maximum": 599}),
    );
}

/// What a status means when the handler did not say.
fn generic_description(status: u16) -> &'static str {
    match status {
        400 => "The body is not well-formed JSON",
        401 => {
            "Not signed in: send `Authorization: Bearer TOKEN` (POST /tokens) or the session cookie (POST /session)"
        }
        403 => {
            "The caller may not do this (its role or team, a read-only token writing, or a cross-site cookie write)"
        }
        404 => "No such resource in your org",
        409 => {
            "Changed by someone else at the same moment, or the resource exists already; read it again"
        }
        413 => "The body is larger than the server accepts",
        415 => "The body is not sent as the media type this operation reads",
        422 => "A parameter or a value of the body is not valid; `errors` names each",
        429 => "Too many attempts; retry after `Retry-After` seconds",
        _ => "The database cannot be reached or the server could not answer in time; retry shortly",
    }
}

/// Adds to each operation the problems its shape implies and makes every
/// 4xx/5xx answer a problem+json naming its types.
fn problem_responses(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            let Some(op) = item.get_mut(method) else {
                continue;
            };
            let secured = op["security"].as_array().is_none_or(|reqs| {
                reqs.iter()
                    .any(|r| r.as_object().is_some_and(|o| !o.is_empty()))
            });
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let has = |loc: &str| params.iter().any(|p| p["in"] == loc);
            let body = op.get("requestBody").is_some();
            let json_body = op["requestBody"]["content"]
                .get("application/json")
                .is_some();
            let mut implied = Vec::new();
            if path != "/openapi.json" {
                implied.push(503);
            }
            if secured {
                implied.extend([401, 403]);
                if method != "get" {
                    // Any write may be refused by a rule of the domain
                    // (422) or meet a concurrent one (409).
                    implied.extend([409, 422]);
                }
            }
            if json_body {
                implied.extend([400, 422]);
            }
            if body {
                implied.extend([413, 415]);
            }
            if has("path") {
                implied.push(404);
            }
            if has("query") {
                implied.push(422);
            }
            let responses = &mut op["responses"];
            if !responses.is_object() {
                *responses = Value::Object(Map::new());
            }
            for status in implied {
                let key = status.to_string();
                if responses.get(&key).is_none() {
                    responses[&key] = json!({"description": generic_description(status)});
                }
            }
            let Some(responses) = responses.as_object_mut() else {
                continue;
            };
            for (code, resp) in responses.iter_mut() {
                let Ok(status) = code.parse::<u16>() else {
                    continue;
                };
                if status < 400 {
                    continue;
                }
                problem_answer(status, resp);
            }
        }
    }
}

/// Makes `resp` a problem+json answer of `status`, naming its types.
fn problem_answer(status: u16, resp: &mut Value) {
    let types = problem_types(status);
    let description = resp["description"].as_str().unwrap_or_default().to_string();
    let description = if description.contains("urn:baton:problem:") {
        description
    } else {
        let named: Vec<String> = types.iter().map(|t| format!("`{t}`")).collect();
        format!(
            "{}. Problem type: {}.",
            description.trim_end_matches('.'),
            named.join(", ")
        )
    };
    resp["description"] = json!(description);
    resp["content"] = json!({
        "application/problem+json": {
            "schema": {
                "allOf": [
                    {"$ref": PROBLEM_REF},
                    {"properties": {
                        "status": {"const": status},
                        "type": {"enum": types},
                    }},
                ],
            },
        },
    });
    match status {
        401 => {
            resp["headers"]["WWW-Authenticate"] = json!({
                "description": "How to authenticate: `Bearer realm=\"baton\"`",
                "required": true,
                "schema": {"type": "string", "pattern": "^Bearer"},
            });
        }
        429 => {
            resp["headers"]["Retry-After"] = json!({
                "description": "Seconds to wait before trying again",
                "schema": {"type": "integer", "minimum": 0},
            });
        }
        _ => {}
    }
}

/// A key: lowercase letters, digits, `-` and `_`, starting with a letter
/// (contracts, teams, fields).
fn key() -> Value {
    json!({"pattern": "^[a-z][a-z0-9_-]*$", "minLength": 1, "maxLength": baton_domain::id::MAX_ID_LEN})
}

/// An outside id (accounts, handoffs): any text without control characters
/// or surrounding spaces.
fn outside_id() -> Value {
    json!({
        "pattern": "^[^\\s\\x00-\\x1f\\x7f-\\x9f](?:[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f])?$",
        "minLength": 1,
        "maxLength": baton_domain::id::MAX_ID_LEN,
    })
}

/// Text with something in it besides spaces and control characters (the
/// server trims every Unicode space, U+0085 included, which JSON Schema's
/// `\s` does not cover).
fn words() -> Value {
    json!({"minLength": 1, "pattern": "[^\\s\\x00-\\x1f\\x7f-\\x9f]"})
}

/// A month (`2026-10`).
fn month() -> Value {
    json!({"pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"})
}

/// A month (`2026-10`) or an ISO week (`2026-W44`).
fn period() -> Value {
    json!({"pattern": "^[0-9]{4}-(0[1-9]|1[0-2]|W(0[1-9]|[1-4][0-9]|5[0-2]))$"})
}

/// A map of field values: its keys are field keys.
fn values_by_field() -> Value {
    json!({"propertyNames": key()})
}

/// Request bodies refuse properties they do not define
/// (`deny_unknown_fields`); utoipa does not say so.
const CLOSED: &[&str] = &[
    "AttachmentBody",
    "NewHandoffBody",
    "EditBody",
    "AcceptBody",
    "RejectBody",
    "AckBody",
    "FollowUpNoteBody",
    "AttestBody",
    "MoneyBody",
    "AccountInputBody",
    "RediscoveryBody",
    "NpsBody",
    "ChurnBody",
    "ConversationNoteBody",
    "ModeBody",
    "ProposalInput",
    "AnswerInput",
    "ResultBody",
    "CrmChangeBody",
    "CrmActivityBody",
    "FirstTouchBody",
    "CrmRuleBody",
    "CrmRulesBody",
    "MoveBody",
    "NewTeam",
    "NewToken",
    "Membership",
    "NewUserBody",
    "NewWebhookBody",
    "NotificationPreferences",
    "TeamsBody",
    "SignInInput",
    "NewConnectionBody",
    "Login",
];

fn one_of(values: &[&str]) -> Value {
    json!({ "enum": values })
}

fn date_time() -> Value {
    json!({"format": "date-time"})
}

/// An email as Baton takes it: lowercase, one `@` between two non-empty
/// parts, no spaces. (Not `format: email`: the server does not hold
/// addresses to RFC 5321, and the document must not promise it does.)
fn email() -> Value {
    json!({"pattern": "^[^@\\sA-Z]+@[^@\\sA-Z]+$"})
}

const STATES: &[&str] = &["draft", "submitted", "rejected", "accepted", "withdrawn"];
const MODES: &[&str] = &["observe", "gated"];
const PHASES: &[&str] = &[
    "leak_audit",
    "field_spec",
    "gating",
    "scorecard_live",
    "expand",
    "incentive_tune",
];
const ROLES: &[&str] = &["member", "lead"];
const SUGGESTION_STATUSES: &[&str] = &["open", "confirmed", "dismissed"];
const ACCOUNT_STATUSES: &[&str] = &["active", "churned"];
const VIAS: &[&str] = &["cli", "api", "ui", "crm", "import", "system"];
const GATES: &[&str] = &["commission", "stage", "queue"];
const OWNERS: &[&str] = &["sender", "receiver"];
const EXPECTS: &[&str] = &["date", "person", "amount", "number"];
const DELIVERY_STATUSES: &[&str] = &["pending", "delivered", "dead"];
const MAIL_STATUSES: &[&str] = &["pending", "held", "sent", "dead"];
const DELIVERIES: &[&str] = &["off", "immediate", "digest"];
const CRM_VENDORS: &[&str] = &["salesforce", "hubspot"];
const CONNECTION_STATUSES: &[&str] = &["active", "needs_attention", "disconnected"];
const LOG_LEVELS: &[&str] = &["info", "warning", "error"];

/// Property constraints by schema: (schema, property, what to merge in).
fn schema_rules() -> Vec<(&'static str, &'static str, Value)> {
    let breach_kinds: Vec<&str> = baton_domain::sla::SlaKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    let notice_kinds: Vec<&str> = baton_domain::notify::NoticeKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    vec![
        // Handoffs.
        ("NewHandoffBody", "contract", key()),
        ("NewHandoffBody", "account", outside_id()),
        ("NewHandoffBody", "id", outside_id()),
        ("NewHandoffBody", "deal", outside_id()),
        (
            "GateBody",
            "state",
            one_of(&baton_app::gates::GateState::ALL),
        ),
        ("NewHandoffBody", "to", key()),
        ("NewHandoffBody", "values", values_by_field()),
        ("EditBody", "values", values_by_field()),
        ("AcceptBody", "values", values_by_field()),
        ("CrmChangeBody", "values", values_by_field()),
        ("CrmChangeBody", "id", outside_id()),
        ("CrmChangeBody", "owner", email()),
        ("CrmActivityBody", "account", outside_id()),
        ("CrmActivityBody", "owner", email()),
        (
            "CrmActivityBody",
            "kind",
            one_of(&baton_app::crm::ACTIVITY_KINDS),
        ),
        (
            "FirstTouchBody",
            "channel",
            one_of(baton_domain::handoff::FIRST_TOUCH_CHANNELS),
        ),
        (
            "CrmRuleBody",
            "sender",
            json!({"pattern": "^(owner|[^@\\sA-Z]+@[^@\\sA-Z]+)$"}),
        ),
        ("AccountInputBody", "name", words()),
        ("ProposalInput", "summary", words()),
        (
            "AnswerInput",
            "reason",
            merged(
                words(),
                json!({"maxLength": baton_domain::proposal::MAX_REASON_LEN}),
            ),
        ),
        ("ConversationNoteBody", "text", words()),
        (
            "NewTeam",
            "name",
            merged(words(), json!({"maxLength": 100})),
        ),
        (
            "NewToken",
            "name",
            merged(words(), json!({"maxLength": 100})),
        ),
        ("NewUserBody", "name", words()),
        (
            "NewUserBody",
            "password",
            json!({"minLength": 10, "maxLength": 256}),
        ),
        (
            "NewWebhookBody",
            "secret",
            json!({"minLength": baton_app::webhooks::MIN_SECRET_LEN, "maxLength": baton_app::webhooks::MAX_SECRET_LEN}),
        ),
        (
            "NewWebhookBody",
            "events",
            json!({"minItems": 1, "items": {"type": "string", "enum": event_kinds()}}),
        ),
        ("HandoffBody", "state", one_of(STATES)),
        (
            "HandoffBody",
            "score",
            json!({"minimum": 0, "maximum": 100}),
        ),
        ("QueueItem", "due", date_time()),
        ("QueueAudit", "sampled_at", date_time()),
        (
            "QueueItem",
            "step",
            one_of(&baton_domain::handoff::Step::ALL.map(|s| s.as_str())),
        ),
        ("HandoffBody", "created_at", date_time()),
        ("HandoffBody", "submitted_at", date_time()),
        ("HandoffBody", "accepted_at", date_time()),
        ("HandoffSummary", "state", one_of(STATES)),
        (
            "HandoffSummary",
            "score",
            json!({"minimum": 0, "maximum": 100}),
        ),
        ("HandoffSummary", "created_at", date_time()),
        ("HandoffSummary", "accepted_at", date_time()),
        ("BreachBody", "kind", one_of(&breach_kinds)),
        ("BreachBody", "due", date_time()),
        ("BreachBody", "at", date_time()),
        ("TimelineEvent", "via", one_of(VIAS)),
        ("TimelineEvent", "recorded_at", date_time()),
        ("AckBody", "eta", date_time()),
        // Accounts and signals.
        ("MoneyBody", "currency", json!({"pattern": "^[A-Z]{3}$"})),
        (
            "MoneyBody",
            "minor",
            json!({"minimum": 0, "maximum": baton_domain::Money::MAX_MINOR}),
        ),
        ("AccountInputBody", "id", outside_id()),
        ("AccountBody", "status", one_of(ACCOUNT_STATUSES)),
        ("AccountBody", "churned_at", date_time()),
        ("AccountDetail", "status", one_of(ACCOUNT_STATUSES)),
        ("RediscoveryBody", "account", outside_id()),
        ("RediscoveryBody", "handoff", outside_id()),
        ("RediscoveryBody", "field", key()),
        ("RediscoveryBody", "at", date_time()),
        ("NpsBody", "account", outside_id()),
        ("NpsBody", "score", json!({"minimum": 0, "maximum": 10})),
        ("NpsBody", "at", date_time()),
        ("ChurnBody", "account", outside_id()),
        ("ChurnBody", "at", date_time()),
        ("ConversationNoteBody", "account", outside_id()),
        ("ConversationNoteBody", "author", email()),
        ("ConversationNoteBody", "team", key()),
        ("ConversationNoteBody", "at", date_time()),
        ("SuggestionBody", "status", one_of(SUGGESTION_STATUSES)),
        ("SuggestionBody", "at", date_time()),
        ("SuggestionBody", "decided_at", date_time()),
        // Contracts and the rollout.
        ("ContractSummary", "mode", one_of(MODES)),
        ("ContractSummary", "gate", one_of(GATES)),
        ("ContractBody", "mode", one_of(MODES)),
        ("ContractBody", "gate", one_of(GATES)),
        ("FieldBody", "owner", one_of(OWNERS)),
        ("FieldBody", "expects", one_of(EXPECTS)),
        ("VersionBody", "published_at", date_time()),
        ("ProposalBody", "at", date_time()),
        ("AnswerBody", "at", date_time()),
        ("ModeBody", "mode", one_of(MODES)),
        ("MoveBody", "contract", key()),
        ("MoveBody", "phase", one_of(PHASES)),
        // The org.
        ("Membership", "role", one_of(ROLES)),
        ("Membership", "team", key()),
        ("TeamMember", "role", one_of(ROLES)),
        ("NewTeam", "key", key()),
        ("NewUserBody", "email", email()),
        ("UserBody", "email", email()),
        ("TokenInfo", "created_at", date_time()),
        ("SessionInfo", "expires_at", date_time()),
        // Webhooks.
        (
            "NewWebhookBody",
            "format",
            one_of(baton_app::webhooks::FORMATS),
        ),
        (
            "NewWebhookBody",
            "url",
            json!({"format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#]+"}),
        ),
        (
            "WebhookBody",
            "format",
            one_of(baton_app::webhooks::FORMATS),
        ),
        ("WebhookBody", "created_at", date_time()),
        ("DeliveryBody", "status", one_of(DELIVERY_STATUSES)),
        (
            "NotificationPreferences",
            "kinds",
            json!({"propertyNames": one_of(&notice_kinds), "additionalProperties": one_of(DELIVERIES)}),
        ),
        ("SignInInput", "sso_team", key()),
        ("TokenInfo", "last_used_at", date_time()),
        ("MailInfo", "status", one_of(MAIL_STATUSES)),
        ("MailInfo", "kind", one_of(&notice_kinds)),
        ("MailInfo", "recipient", email()),
        ("MailInfo", "channel", one_of(&["email", "slack"])),
        ("MailInfo", "created_at", date_time()),
        ("MailInfo", "next_attempt_at", date_time()),
        ("MailInfo", "sent_at", date_time()),
        ("DeliveryBody", "created_at", date_time()),
        ("DeliveryBody", "next_attempt_at", date_time()),
        ("DeliveryBody", "delivered_at", date_time()),
        ("AttemptBody", "at", date_time()),
        // The CRM.
        ("CrmChangeBody", "object", one_of(&baton_app::crm::OBJECTS)),
        ("CrmChangeBody", "at", date_time()),
        ("CrmRuleBody", "object", one_of(&baton_app::crm::OBJECTS)),
        ("CrmRuleBody", "contract", key()),
        // CRM connections.
        ("NewConnectionBody", "vendor", one_of(CRM_VENDORS)),
        (
            "NewConnectionBody",
            "object",
            one_of(&baton_app::connections::CONNECTION_OBJECTS),
        ),
        (
            "NewConnectionBody",
            "name",
            merged(
                words(),
                json!({"maxLength": baton_app::connections::MAX_NAME_LEN}),
            ),
        ),
        (
            "NewConnectionBody",
            "field_map",
            json!({"additionalProperties": merged(key(), json!({"type": "string"}))}),
        ),
        ("ConnectionBody", "vendor", one_of(CRM_VENDORS)),
        ("ConnectionBody", "status", one_of(CONNECTION_STATUSES)),
        ("ConnectionBody", "created_at", date_time()),
        ("ConnectionBody", "last_pull_at", date_time()),
        ("ConnectionBody", "last_success_at", date_time()),
        ("ConnectionBody", "last_error_at", date_time()),
        ("ConnectionBody", "next_attempt_at", date_time()),
        ("ConnectionBody", "checked_at", date_time()),
        ("ConnectionBody", "disconnected_at", date_time()),
        ("ConnectionLogBody", "at", date_time()),
        ("ConnectionLogBody", "level", one_of(LOG_LEVELS)),
    ]
}

/// Query parameters by operation: (path, name, what to merge in); GET only.
fn parameter_rules() -> Vec<(&'static str, &'static str, Value)> {
    let limit = json!({"minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_PAGE});
    let mut suggestion_statuses = SUGGESTION_STATUSES.to_vec();
    suggestion_statuses.push("all");
    vec![
        ("/handoffs", "limit", limit.clone()),
        ("/handoffs", "state", one_of(STATES)),
        ("/handoffs", "contract", key()),
        ("/handoffs", "to_team", key()),
        ("/handoffs", "from_team", key()),
        ("/handoffs", "account", outside_id()),
        ("/handoffs", "deal", outside_id()),
        ("/gates/{contract}/{account}", "deal", outside_id()),
        ("/handoffs", "cursor", outside_id()),
        ("/accounts", "limit", limit.clone()),
        ("/mail", "limit", limit.clone()),
        ("/mail", "status", one_of(MAIL_STATUSES)),
        ("/accounts", "cursor", outside_id()),
        ("/signals/suggestions", "limit", limit.clone()),
        (
            "/signals/suggestions",
            "status",
            one_of(&suggestion_statuses),
        ),
        ("/signals/suggestions", "account", outside_id()),
        ("/crm/connections/{id}/log", "limit", limit.clone()),
        (
            "/crm/connections/{id}/log",
            "cursor",
            json!({"pattern": "^[0-9]{1,19}$"}),
        ),
        ("/webhooks/{id}/deliveries", "limit", limit),
        (
            "/webhooks/{id}/deliveries",
            "status",
            one_of(DELIVERY_STATUSES),
        ),
        (
            "/webhooks/{id}/deliveries",
            "cursor",
            json!({"pattern": "^[0-9]{1,19}$"}),
        ),
        ("/scorecard", "contract", key()),
        ("/scorecard", "period", period()),
        ("/incentives", "period", period()),
        ("/leak-audit", "from", month()),
        ("/leak-audit", "to", month()),
        (
            "/scorecard",
            "periods",
            json!({"minimum": 1, "maximum": 60}),
        ),
        (
            "/incentives",
            "weight",
            json!({"minimum": 0, "maximum": 0.1}),
        ),
    ]
}

/// `a` with `b`'s keys over it.
fn merged(mut a: Value, b: Value) -> Value {
    merge(&mut a, &b);
    a
}

/// The event kinds a webhook may ask for, and `*` for all.
fn event_kinds() -> Vec<&'static str> {
    let mut kinds = baton_domain::event::KINDS.to_vec();
    kinds.push("*");
    kinds
}

/// Merges `patch` into `target`: an `enum` of a nullable value keeps
/// `null` allowed.
fn merge(target: &mut Value, patch: &Value) {
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let nullable = target["type"]
        .as_array()
        .is_some_and(|t| t.iter().any(|x| x == "null"));
    if let (Some(t), Some(p)) = (target.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            let mut v = v.clone();
            if k == "enum"
                && nullable
                && let Some(values) = v.as_array_mut()
            {
                values.push(Value::Null);
            }
            t.insert(k.clone(), v);
        }
    }
}

fn exact_schemas(doc: &mut Value) {
    for schema in CLOSED {
        let target = &mut doc["components"]["schemas"][*schema];
        if target.is_object() {
            target["additionalProperties"] = json!(false);
        }
    }
    for (schema, property, patch) in schema_rules() {
        let target = &mut doc["components"]["schemas"][schema]["properties"][property];
        if target.is_object() {
            merge(target, &patch);
        }
    }
    // AccountDetail flattens AccountBody: utoipa inlines it under allOf.
    if let Some(parts) = doc["components"]["schemas"]["AccountDetail"]["allOf"].as_array_mut() {
        for part in parts {
            for (property, patch) in [
                ("status", one_of(ACCOUNT_STATUSES)),
                ("churned_at", date_time()),
            ] {
                let target = &mut part["properties"][property];
                if target.is_object() {
                    merge(target, &patch);
                }
            }
        }
    }
}

fn exact_parameters(doc: &mut Value) {
    for (path, name, patch) in parameter_rules() {
        let Some(params) = doc["paths"][path]["get"]["parameters"].as_array_mut() else {
            continue;
        };
        for p in params {
            if p["name"] == name && p["in"] == "query" {
                merge(&mut p["schema"], &patch);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_enums_listed_here_are_the_domains() {
        for s in MAIL_STATUSES {
            assert_eq!(
                baton_store::MailStatus::parse(s).map(|x| x.as_str()),
                Some(*s)
            );
        }
        for d in DELIVERIES {
            assert_eq!(
                baton_domain::notify::Delivery::parse(d).map(|x| x.as_str()),
                Some(*d)
            );
        }
        for s in STATES {
            assert_eq!(baton_domain::State::parse(s).map(|x| x.as_str()), Some(*s));
        }
        for m in MODES {
            assert_eq!(
                baton_domain::contract::Mode::parse(m)
                    .ok()
                    .map(|x| x.as_str()),
                Some(*m)
            );
        }
        for p in PHASES {
            assert_eq!(
                baton_domain::rollout::Phase::parse(p)
                    .ok()
                    .map(|x| x.as_str()),
                Some(*p)
            );
        }
        for r in ROLES {
            assert_eq!(baton_domain::Role::parse(r).map(|x| x.as_str()), Some(*r));
        }
        for s in SUGGESTION_STATUSES {
            assert_eq!(
                baton_domain::rediscovery::SuggestionStatus::parse(s).map(|x| x.as_str()),
                Some(*s)
            );
        }
    }
}
