//! Users: the org's people and their teams. Admins add them; any member of
//! the org may list them. Password hashes never leave the store.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use baton_app::org::NewUser;
use baton_domain::{Email, Role, TeamKey};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};

/// A membership: a team and the role in it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// The team's key, e.g. `ae`.
    pub team: String,
    /// `member` or `lead`.
    pub role: String,
}

/// A user to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// Their email: the login and the id.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Their password (10 to 256 characters, at least 5 different ones,
    /// not the email); leave out for people who never sign in.
    #[serde(default)]
    pub password: Option<String>,
    /// Their teams and roles.
    #[serde(default)]
    pub teams: Vec<Membership>,
    /// Whether they administer the org.
    #[serde(default)]
    pub admin: bool,
}

/// A user as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserBody {
    /// The id: their email.
    pub id: String,
    /// Their email.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Whether they administer the org.
    pub admin: bool,
    /// Whether they may sign in (false once deactivated).
    pub active: bool,
    /// Their teams and roles.
    pub teams: Vec<Membership>,
}

fn user_body(email: &Email, name: &str, admin: bool, teams: &[(TeamKey, Role)]) -> UserBody {
    UserBody {
        id: email.to_string(),
        email: email.to_string(),
        name: name.to_string(),
        admin,
        active: true,
        teams: teams
            .iter()
            .map(|(t, r)| Membership {
                team: t.to_string(),
                role: r.as_str().to_string(),
            })
            .collect(),
    }
}

/// The org's users with their teams.
#[utoipa::path(get, path = "/users", tag = "org",
    responses((status = 200, description = "Users, by email", body = Vec<UserBody>)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<Vec<UserBody>>> {
    let dir = s.app.directory(&caller).await?;
    Ok(Json(
        dir.users
            .iter()
            .map(|(email, u)| {
                let teams: Vec<(TeamKey, Role)> =
                    u.teams.iter().map(|(t, r)| (t.clone(), *r)).collect();
                UserBody {
                    active: u.active,
                    ..user_body(email, &u.name, u.admin, &teams)
                }
            })
            .collect(),
    ))
}

/// Add a user (admins).
#[utoipa::path(post, path = "/users", tag = "org", request_body = NewUserBody,
    responses(
        (status = 201, description = "Added", body = UserBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "A bad value or an unknown team", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<NewUserBody>,
) -> ApiResult<(StatusCode, Json<UserBody>)> {
    let email = Email::parse(b.email.trim())
        .map_err(|e| ApiError::invalid_field("email", e.to_string()))?;
    let teams = memberships(&b.teams)?;
    let new = NewUser {
        email: email.clone(),
        name: b.name.clone(),
        password: b.password,
        teams: teams.clone(),
        admin: b.admin,
    };
    s.app
        .add_user(&caller, new)
        .await
        .map_err(|e| ApiError::from(e).in_body())?;
    Ok((
        StatusCode::CREATED,
        Json(user_body(&email, b.name.trim(), b.admin, &teams)),
    ))
}

/// Parses memberships, naming the bad one by its place.
fn memberships(teams: &[Membership]) -> Result<Vec<(TeamKey, Role)>, ApiError> {
    teams
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let team = TeamKey::parse(&m.team)
                .map_err(|e| ApiError::invalid_field(format!("teams[{i}].team"), e.to_string()))?;
            let role = Role::parse(&m.role).ok_or_else(|| {
                ApiError::invalid_field(format!("teams[{i}].role"), "either 'member' or 'lead'")
            })?;
            Ok((team, role))
        })
        .collect()
}

/// A person's teams, replacing what they had.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamsBody {
    /// Every team they are in afterwards, with their role; teams left out
    /// are left.
    pub teams: Vec<Membership>,
}

/// A deactivated person, and their work still in flight.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeactivatedBody {
    /// The person, now inactive.
    pub user: UserBody,
    /// Their handoffs still in flight (draft, submitted, rejected), oldest
    /// first: someone else should take them on.
    pub open_handoffs: Vec<String>,
}

fn path_email(raw: &str) -> Result<Email, ApiError> {
    Email::parse(raw).map_err(|_| ApiError::not_found("a user of that email in your org"))
}

async fn one_user(s: &AppState, caller: &baton_app::Caller, email: &Email) -> ApiResult<UserBody> {
    let dir = s.app.directory(caller).await?;
    let u = dir
        .users
        .get(email)
        .ok_or_else(|| ApiError::not_found("a user of that email in your org"))?;
    let teams: Vec<(TeamKey, Role)> = u.teams.iter().map(|(t, r)| (t.clone(), *r)).collect();
    Ok(UserBody {
        active: u.active,
        ..user_body(email, &u.name, u.admin, &teams)
    })
}

/// Set a person's teams and roles (admins); each change is an event.
#[utoipa::path(put, path = "/users/{email}/teams", tag = "org", request_body = TeamsBody,
    params(("email" = String, Path, description = "The person's email")),
    responses(
        (status = 200, description = "Their teams now", body = UserBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such person in your org", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "An unknown team or a bad role", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn set_teams(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(raw): Path<String>,
    Body(b): Body<TeamsBody>,
) -> ApiResult<Json<UserBody>> {
    let email = path_email(&raw)?;
    let teams = memberships(&b.teams)?.into_iter().collect();
    s.app.set_teams(&caller, &email, teams).await?;
    Ok(Json(one_user(&s, &caller, &email).await?))
}

/// Deactivate a leaver (admins): they can no longer sign in, every session
/// and token of theirs ends now, their history stays.
#[utoipa::path(post, path = "/users/{email}/deactivate", tag = "org",
    params(("email" = String, Path, description = "The person's email")),
    responses(
        (status = 200, description = "Deactivated, with their open handoffs", body = DeactivatedBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such person in your org", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Already deactivated, yourself, or the last active admin", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn deactivate(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(raw): Path<String>,
) -> ApiResult<Json<DeactivatedBody>> {
    let email = path_email(&raw)?;
    let done = s.app.deactivate_user(&caller, &email).await?;
    Ok(Json(DeactivatedBody {
        user: one_user(&s, &caller, &email).await?,
        open_handoffs: done
            .open_handoffs
            .iter()
            .map(|h| h.id.to_string())
            .collect(),
    }))
}

/// Let a deactivated person sign in again (admins). Their old sessions and
/// tokens stay ended.
#[utoipa::path(post, path = "/users/{email}/reactivate", tag = "org",
    params(("email" = String, Path, description = "The person's email")),
    responses(
        (status = 200, description = "Active again", body = UserBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such person in your org", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "Already active", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn reactivate(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(raw): Path<String>,
) -> ApiResult<Json<UserBody>> {
    let email = path_email(&raw)?;
    s.app.reactivate_user(&caller, &email).await?;
    Ok(Json(one_user(&s, &caller, &email).await?))
}

/// A one-time password link sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordLinkBody {
    /// `invite` (they never had a password) or `reset`.
    pub purpose: String,
    /// Whether it went out by mail.
    pub mailed: bool,
    /// The link, only when this Baton sends no mail (pass it on yourself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Until when it works.
    pub expires_at: String,
}

/// Send someone a one-time link to set their password (admins): an
/// invitation, or a reset. Their earlier unused links stop working.
#[utoipa::path(post, path = "/users/{email}/password-link", tag = "org",
    params(("email" = String, Path, description = "The person's email")),
    responses(
        (status = 201, description = "Sent (or, without mail, returned)", body = PasswordLinkBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 404, description = "No such person in your org", body = ApiError, content_type = "application/problem+json"),
        (status = 422, description = "The person is deactivated", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn password_link(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Path(raw): Path<String>,
) -> ApiResult<(StatusCode, Json<PasswordLinkBody>)> {
    let email = path_email(&raw)?;
    let sent = s.app.send_password_link(&caller, &email).await?;
    Ok((
        StatusCode::CREATED,
        Json(PasswordLinkBody {
            purpose: sent.purpose.into(),
            mailed: sent.mailed,
            link: sent.link,
            expires_at: sent.expires_at.to_string(),
        }),
    ))
}
