//! Users: the org's people and their teams. Admins add them; any member of
//! the org may list them. Password hashes never leave the store.

use axum::Json;
use axum::extract::State;
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
    /// Their teams and roles.
    pub teams: Vec<Membership>,
}

fn user_body(email: &Email, name: &str, admin: bool, teams: &[(TeamKey, Role)]) -> UserBody {
    UserBody {
        id: email.to_string(),
        email: email.to_string(),
        name: name.to_string(),
        admin,
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
                user_body(email, &u.name, u.admin, &teams)
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
    let teams = b
        .teams
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
        .collect::<Result<Vec<_>, ApiError>>()?;
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
