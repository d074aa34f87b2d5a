//! SCIM 2.0 provisioning (RFC 7643 resources, RFC 7644 protocol) at
//! `/scim/v2`: an identity provider creates, updates and deactivates the
//! org's people (`Users`) and their team memberships (`Groups`, one per
//! team). It authenticates with a bearer token of an org admin (POST
//! /api/v1/tokens). Every change goes through the same use cases, and so
//! the same domain decisions and events, as the API and the UI.
//!
//! Mapping: a User's `id` and `userName` are the person's email;
//! `displayName` (or `name.formatted`) their name; `active` false is a
//! deactivation (DELETE too: history is kept). A Group's `id` is the team's
//! key, `displayName` its name, `members` its people (a new member joins as
//! a member; a lead stays a lead).

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use baton_app::org::NewUser;
use baton_app::{AppError, Caller};
use baton_domain::{Directory, UserRecord};
use baton_domain::{Email, Role, TeamKey};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::Authed;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Routes of SCIM 2.0, under `/scim/v2`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/scim/v2/ServiceProviderConfig",
            get(service_provider_config),
        )
        .route("/scim/v2/Users", get(list_users).post(create_user))
        .route(
            "/scim/v2/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        .route("/scim/v2/Groups", get(list_groups).post(create_group))
        .route(
            "/scim/v2/Groups/{id}",
            get(get_group).put(replace_group).patch(patch_group),
        )
}

/// A SCIM error response (RFC 7644 §3.12).
struct ScimError {
    status: StatusCode,
    scim_type: Option<&'static str>,
    detail: String,
}

impl ScimError {
    fn new(status: StatusCode, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    fn not_found(what: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, format!("{what} not found"))
    }
}

impl From<AppError> for ScimError {
    fn from(e: AppError) -> Self {
        let api = crate::error::ApiError::from(e);
        let status = StatusCode::from_u16(api.status).unwrap_or(StatusCode::BAD_REQUEST);
        let scim_type = match api.status {
            409 => Some("uniqueness"),
            422 => Some("invalidValue"),
            _ => None,
        };
        // SCIM has no 422: a value the rules refuse is a 400.
        let status = if status == StatusCode::UNPROCESSABLE_ENTITY {
            StatusCode::BAD_REQUEST
        } else {
            status
        };
        Self::new(status, scim_type, api.detail)
    }
}

impl From<crate::error::ApiError> for ScimError {
    fn from(api: crate::error::ApiError) -> Self {
        let status = StatusCode::from_u16(api.status).unwrap_or(StatusCode::UNAUTHORIZED);
        Self::new(status, None, api.detail)
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [ERROR],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type {
            body["scimType"] = json!(t);
        }
        scim(self.status, &body)
    }
}

fn scim(status: StatusCode, body: &Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/scim+json"),
    );
    res
}

type ScimResult = Result<Response, ScimError>;

/// The SCIM caller: an org admin behind a bearer token (never a browser
/// session, so no cross-site write can reach here).
async fn admin(
    s: &AppState,
    auth: Result<Authed, crate::error::ApiError>,
) -> Result<Caller, ScimError> {
    let Authed(caller) = auth?;
    s.app
        .actor(&caller)
        .await?
        .require_admin("provision people")
        .map_err(|e| ScimError::from(AppError::from(e)))?;
    Ok(caller)
}

fn base(s: &AppState) -> String {
    format!("{}/scim/v2", s.app.public_url())
}

fn user_resource(s: &AppState, dir: &Directory, email: &Email, u: &UserRecord) -> Value {
    let groups: Vec<Value> = u
        .teams
        .keys()
        .map(|t| {
            json!({
                "value": t.to_string(),
                "display": dir.teams.get(t).cloned().unwrap_or_default(),
                "$ref": format!("{}/Groups/{t}", base(s)),
            })
        })
        .collect();
    json!({
        "schemas": [USER],
        "id": email.to_string(),
        "userName": email.to_string(),
        "displayName": u.name,
        "name": {"formatted": u.name},
        "emails": [{"value": email.to_string(), "type": "work", "primary": true}],
        "active": u.active,
        "groups": groups,
        "meta": {
            "resourceType": "User",
            "location": format!("{}/Users/{email}", base(s)),
        },
    })
}

fn group_resource(s: &AppState, dir: &Directory, team: &TeamKey) -> Value {
    let members: Vec<Value> = dir
        .users
        .iter()
        .filter(|(_, u)| u.teams.contains_key(team))
        .map(|(e, u)| {
            json!({
                "value": e.to_string(),
                "display": u.name,
                "$ref": format!("{}/Users/{e}", base(s)),
            })
        })
        .collect();
    json!({
        "schemas": [GROUP],
        "id": team.to_string(),
        "displayName": dir.teams.get(team).cloned().unwrap_or_default(),
        "members": members,
        "meta": {
            "resourceType": "Group",
            "location": format!("{}/Groups/{team}", base(s)),
        },
    })
}

fn list(resources: Vec<Value>, start: usize, count: Option<usize>) -> Value {
    let total = resources.len();
    let start = start.max(1);
    let page: Vec<Value> = resources
        .into_iter()
        .skip(start - 1)
        .take(count.unwrap_or(usize::MAX))
        .collect();
    json!({
        "schemas": [LIST],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": page.len(),
        "Resources": page,
    })
}

/// `attr eq "value"`: the one filter provisioning clients need (RFC 7644
/// §3.4.2.2); anything else is refused as `invalidFilter`.
fn eq_filter(raw: &str, attrs: &[&str]) -> Result<(String, String), ScimError> {
    let bad = || {
        ScimError::bad(
            "invalidFilter",
            format!(
                "only `{} eq \"…\"` filters are supported, not '{raw}'",
                attrs.join("|")
            ),
        )
    };
    let mut parts = raw.trim().splitn(3, ' ');
    let (Some(attr), Some(op), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if !op.eq_ignore_ascii_case("eq") || !attrs.iter().any(|a| a.eq_ignore_ascii_case(attr)) {
        return Err(bad());
    }
    let value = value
        .trim()
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .ok_or_else(bad)?;
    Ok((attr.to_string(), value.to_string()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    filter: Option<String>,
    start_index: Option<usize>,
    count: Option<usize>,
}

fn body(bytes: &Bytes) -> Result<Value, ScimError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ScimError::bad("invalidSyntax", format!("the body is not JSON: {e}")))
}

fn email_of(raw: &str) -> Result<Email, ScimError> {
    Email::parse(raw.trim().to_ascii_lowercase())
        .map_err(|e| ScimError::bad("invalidValue", format!("userName '{raw}': {e}")))
}

fn path_email(raw: &str) -> Result<Email, ScimError> {
    Email::parse(raw).map_err(|_| ScimError::not_found("User"))
}

async fn service_provider_config(
    State(s): State<AppState>,
    auth: Result<Authed, crate::error::ApiError>,
) -> ScimResult {
    admin(&s, auth).await?;
    Ok(scim(
        StatusCode::OK,
        &json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "documentationUri": "https://example.invalid/baton/docs/scim.md",
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": 1000},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": false},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "An API token of an org admin (POST /api/v1/tokens)",
                "primary": true,
            }],
        }),
    ))
}

async fn list_users(
    State(s): State<AppState>,
    auth: Result<Authed, crate::error::ApiError>,
    Query(q): Query<ListQuery>,
) -> ScimResult {
    let caller = admin(&s, auth).await?;
    let dir = s.app.directory(&caller).await?;
    let wanted = match &q.filter {
        Some(f) => Some(
            eq_filter(f, &["userName", "emails.value", "externalId"])?
                .1
                .to_ascii_lowercase(),
        ),
        None => None,
    };
    let resources = dir
        .users
        .iter()
        .filter(|(e, _)| wanted.as_deref().is_none_or(|w| e.as_str() == w))
        .map(|(e, u)| user_resource(&s, &dir, e, u))
        .collect();
    Ok(scim(
        StatusCode::OK,
        &list(resources, q.start_index.unwrap_or(1), q.count),
    ))
}

async fn one_user(s: &AppState, caller: &Caller, email: &Email, status: StatusCode) -> ScimResult {
    let dir = s.app.directory(caller).await?;
    let u = dir
        .users
        .get(email)
        .ok_or_else(|| ScimError::not_found("User"))?;
    Ok(scim(status, &user_resource(s, &dir, email, u)))
}

async fn get_user(
    State(s): State<AppState>,
    auth: Result<Authed, crate::error::ApiError>,
    Path(id): Path<String>,
) -> ScimResult {
    let caller = admin(&s, auth).await?;
    one_user(&s, &caller, &path_email(&id)?, StatusCode::OK).await
}

/// The name a User resource gives: `displayName`, else `name.formatted`,
/// else given and family names, else the email's local part.
fn name_of(v: &Value, email: &Email) -> String {
    let given = v["name"]["givenName"].as_str().unwrap_or("");
    let family = v["name"]["familyName"].as_str().unwrap_or("");
    v["displayName"]
        .as_str()
        .or_else(|| v["name"]["formatted"].as_str())
        .map(str::to_string)
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| {
            let both = format!("{given} {family}");
            if both.trim().is_empty() {
                email.as_str().split('@').next().unwrap_or("").to_string()
            } else {
                both.trim().to_string()
            }
        })
}

async fn create_user(
    State(s): State<AppState>,
    auth: Result<Authed, crate::error::ApiError>,
    bytes: Bytes,
) -> ScimResult {
    let caller = admin(&s, auth).await?;
    let v = body(&bytes)?;
    let user_name = v["userName"]
        .as_str()
        .ok_or_else(|| ScimError::bad("invalidValue", "userName is required"))?;
    let email = email_of(user_name)?;
    let new = NewUser {
        email: email.clone(),
        name: name_of(&v, &email),
        password: None,
        teams: Vec::new(),
        admin: false,
    };
    s.app.add_user(&caller, new).await?;
    if v["active"] == json!(false) {
        s.app.deactivate_user(&caller, &email).await?;
    }
    one_user(&s, &caller, &email, StatusCode::CREATED).await
}

/// Brings `active` to what the provider says (deactivating or reactivating
/// only when it changes).
async fn set_active(
    s: &AppState,
    caller: &Caller,
    email: &Email,
    active: bool,
) -> Result<(), ScimError> {
    let dir = s.app.directory(caller).await?;
    let now = dir
        .users
        .get(email)
        .ok_or_else(|| ScimError::not_found("User"))?
        .active;
    match (now, active) {
        (true, false) => {
            s.app.deactivate_user(caller, email).await?;
        }
        (false, true) => s.app.reactivate_user(caller, email).await?,
        _ => {}
    }
    Ok(())
}

/// `true`/`false`, or the strings some providers send.
fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

async fn replace_user(
    State(s): State<AppState>,
    auth: Result<Authed, crate::error::ApiError>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ScimResult {
    let caller = admin(&s, auth).await?;
    let email = path_email(&id)?;
    let v = body(&bytes)?;
    if let Some(active) = boolean(&v["active"]) {
        set_active(&s, &caller, &email, active).await?;
    }
    one_user(&s, &caller, &email, StatusCode::OK).await
}

async fn patch_user(
    State(s): State<AppState>,
    auth: Result<Authed, crate::error::ApiError>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ScimResult {
    let caller = admin(&s, auth).await?;
    let email = path_email(&id)?;
    let v = body(&bytes)?;
    for op in operations(&v)? {
        let kind = op["op"].as_str().unwrap_or("").to_ascii_lowercase();
        if kind != "replace" && kind != "add" {
            return Err(ScimError::bad(
                "invalidValue",
                format!("'{kind}' is not supported on a User; use replace"),
            ));
        }
        // `{"op":"replace","path":"active","value":false}`, or the whole
        // attribute set as the value (`{"op":"replace","value":{"active":false}}`).
        let active = match op["path"].as_str() {
            Some(p) if p.eq_ignore_ascii_case("active") => boolean(&op["value"]),
            Some(_) => None,
            None => boolean(&op["value"]["active"]),
        };
        if let Some(active) = active {
            set_active(&s, &caller, &email, active).await?;
        }
    }
    one_user(&s, &caller, &email, StatusCode::OK).await
}

async fn delete_user(
    State(s): State<AppState>,
    auth: Result<Authed, crate::error::ApiError>,
    Path(id): Path<String>,
) -> ScimResult {
    let caller = admin(&s, auth).await?;
    let email = path_email(&id)?;
    // People are never deleted: their history is the org's. Deleting
    // deactivates them.
    set_active(&s, &caller, &email, false).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn operations(v: &Value) -> Result<Vec<Value>, ScimError> {
    let schemas = v["schemas"].as_array().cloned().unwrap_or_default();
    if !schemas.iter().any(|x| x == PATCH) {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("a PATCH body names the schema {PATCH}"),
        ));
    }
    v["Operations"]
        .as_array()
        .cloned()
        .ok_or_else(|| ScimError::bad("invalidSyntax", "a PATCH body has Operations"))
}

async fn list_groups(
    State(s): State<AppState>,
    auth: Result<Authed, crate::error::ApiError>,
    Query(q): Query<ListQuery>,
) -> ScimResult {
    let caller = admin(&s, auth).await?;
    let dir = s.app.directory(&caller).await?;
    let wanted = match &q.filter {
        Some(f) => Some(eq_filter(f, &["displayName"])?.1),
        None => None,
    };
    let resources = dir
        .teams
        .iter()
        .filter(|(_, name)| wanted.as_deref().is_none_or(|w| name.as_str() == w))
        .map(|(t, _)| group_resource(&s, &dir, t))
        .collect();
    Ok(scim(
        StatusCode::OK,
        &list(resources, q.start_index.unwrap_or(1), q.count),
    ))
}

/// Refuses a Group that is not one of the org's teams.
async fn known_team(s: &AppState, caller: &Caller, team: &TeamKey) -> Result<(), ScimError> {
    if s.app.directory(caller).await?.teams.contains_key(team) {
        Ok(())
    } else {
        Err(ScimError::not_found("Group"))
    }
}

fn team_of(raw: &str) -> Result<TeamKey, ScimError> {
    TeamKey::parse(raw).map_err(|_| ScimError::not_found("Group"))
}

async fn one_group(
    s: &AppState,
    caller: &Caller,
    team: &TeamKey,
    status: StatusCode,
) -> ScimResult {
    let dir = s.app.directory(caller).await?;
    if !dir.teams.contains_key(team) {
        return Err(ScimError::not_found("Group"));
    }
    Ok(scim(status, &group_resource(s, &dir, team)))
}

async fn get_group(
    State(s): State<AppState>,
    auth: Result<Authed, crate::error::ApiError>,
    Path(id): Path<String>,
) -> ScimResult {
    let caller = admin(&s, auth).await?;
    one_group(&s, &caller, &team_of(&id)?, StatusCode::OK).await
}

/// The emails of a `members` value (`[{"value": "…"}]`).
fn member_emails(v: &Value) -> Result<Vec<Email>, ScimError> {
    v.as_array()
        .map(|ms| {
            ms.iter()
                .map(|m| {
                    let raw = m["value"].as_str().ok_or_else(|| {
                        ScimError::bad("invalidValue", "each member has a value (the user's id)")
                    })?;
                    email_of(raw)
                })
                .collect()
        })
        .unwrap_or_else(|| Ok(Vec::new()))
}

/// Makes `team`'s members exactly `members` (or adds/removes them), each
/// person's other teams and roles untouched.
async fn change_members(
    s: &AppState,
    caller: &Caller,
    team: &TeamKey,
    add: &[Email],
    remove: &[Email],
) -> Result<(), ScimError> {
    let dir = s.app.directory(caller).await?;
    for email in add.iter().chain(remove) {
        if !dir.users.contains_key(email) {
            return Err(ScimError::bad(
                "invalidValue",
                format!("member '{email}' is not a User of this org"),
            ));
        }
    }
    for email in add {
        let mut teams: BTreeMap<TeamKey, Role> = dir.users[email].teams.clone();
        teams.entry(team.clone()).or_insert(Role::Member);
        s.app.set_teams(caller, email, teams).await?;
    }
    for email in remove {
        let mut teams = dir.users[email].teams.clone();
        if teams.remove(team).is_some() {
            s.app.set_teams(caller, email, teams).await?;
        }
    }
    Ok(())
}

/// The people in `team`.
fn members_of(dir: &Directory, team: &TeamKey) -> Vec<Email> {
    dir.users
        .iter()
        .filter(|(_, u)| u.teams.contains_key(team))
        .map(|(e, _)| e.clone())
        .collect()
}

/// Makes `team`'s members exactly `wanted`.
async fn replace_members(
    s: &AppState,
    caller: &Caller,
    team: &TeamKey,
    wanted: &[Email],
) -> Result<(), ScimError> {
    let now = members_of(&s.app.directory(caller).await?, team);
    let add: Vec<Email> = wanted
        .iter()
        .filter(|e| !now.contains(e))
        .cloned()
        .collect();
    let remove: Vec<Email> = now
        .iter()
        .filter(|e| !wanted.contains(e))
        .cloned()
        .collect();
    change_members(s, caller, team, &add, &remove).await
}

async fn create_group(
    State(s): State<AppState>,
    auth: Result<Authed, crate::error::ApiError>,
    bytes: Bytes,
) -> ScimResult {
    let caller = admin(&s, auth).await?;
    let v = body(&bytes)?;
    let name = v["displayName"]
        .as_str()
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ScimError::bad("invalidValue", "displayName is required"))?;
    let slug: String = name
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let key = TeamKey::parse(&slug).map_err(|e| {
        ScimError::bad(
            "invalidValue",
            format!("displayName '{name}' gives no team key: {e}"),
        )
    })?;
    s.app.create_team(&caller, key.clone(), name).await?;
    let members = member_emails(&v["members"])?;
    change_members(&s, &caller, &key, &members, &[]).await?;
    one_group(&s, &caller, &key, StatusCode::CREATED).await
}

async fn replace_group(
    State(s): State<AppState>,
    auth: Result<Authed, crate::error::ApiError>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ScimResult {
    let caller = admin(&s, auth).await?;
    let team = team_of(&id)?;
    let v = body(&bytes)?;
    known_team(&s, &caller, &team).await?;
    replace_members(&s, &caller, &team, &member_emails(&v["members"])?).await?;
    one_group(&s, &caller, &team, StatusCode::OK).await
}

/// `members[value eq "x"]`: the one member a remove names.
fn member_in_path(path: &str) -> Option<String> {
    let inner = path.strip_prefix("members[")?.strip_suffix(']')?;
    eq_filter(inner, &["value"]).ok().map(|(_, v)| v)
}

async fn patch_group(
    State(s): State<AppState>,
    auth: Result<Authed, crate::error::ApiError>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ScimResult {
    let caller = admin(&s, auth).await?;
    let team = team_of(&id)?;
    let v = body(&bytes)?;
    known_team(&s, &caller, &team).await?;
    for op in operations(&v)? {
        let kind = op["op"].as_str().unwrap_or("").to_ascii_lowercase();
        let path = op["path"].as_str().unwrap_or("");
        match (kind.as_str(), path) {
            ("add", "members") => {
                let add = member_emails(&op["value"])?;
                change_members(&s, &caller, &team, &add, &[]).await?;
            }
            ("remove", p) if p.starts_with("members[") => {
                let raw = member_in_path(p).ok_or_else(|| {
                    ScimError::bad(
                        "invalidPath",
                        format!("'{p}' is not members[value eq \"…\"]"),
                    )
                })?;
                change_members(&s, &caller, &team, &[], &[email_of(&raw)?]).await?;
            }
            ("remove", "members") => {
                // With a value: those members; without: all of them.
                let remove = if op["value"].is_array() {
                    member_emails(&op["value"])?
                } else {
                    members_of(&s.app.directory(&caller).await?, &team)
                };
                change_members(&s, &caller, &team, &[], &remove).await?;
            }
            ("replace", "members") => {
                replace_members(&s, &caller, &team, &member_emails(&op["value"])?).await?;
            }
            (k, p) => {
                return Err(ScimError::bad(
                    "invalidPath",
                    format!(
                        "'{k}' of '{p}' is not supported on a Group (members only; a team's name is permanent)"
                    ),
                ));
            }
        }
    }
    one_group(&s, &caller, &team, StatusCode::OK).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eq_filter_reads_rfc_7644s_example() {
        let (attr, value) = eq_filter("userName eq \"bjensen\"", &["userName"]).unwrap_or_default();
        assert_eq!((attr.as_str(), value.as_str()), ("userName", "bjensen"));
        assert!(eq_filter("userName sw \"b\"", &["userName"]).is_err());
        assert!(eq_filter("title pr", &["userName"]).is_err());
        assert_eq!(
            member_in_path("members[value eq \"2819c223-7f76-453a-919d-413861904646\"]").as_deref(),
            Some("2819c223-7f76-453a-919d-413861904646")
        );
    }
}
