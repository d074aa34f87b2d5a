//! Teams: who belongs where, with which role. Admins create teams; any
//! member of the org may read them.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use baton_domain::Directory;
use baton_domain::TeamKey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Authed;
use crate::body::Body;
use crate::error::{ApiError, ApiResult};

/// A team to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTeam {
    /// Its key, permanent: lowercase letters, digits and `-`, e.g. `partners`.
    pub key: String,
    /// Its display name.
    pub name: String,
}

/// A member of a team.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMember {
    /// Their email.
    pub email: String,
    /// Their name.
    pub name: String,
    /// `member` or `lead`.
    pub role: String,
}

/// A team with its members.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamBody {
    /// Its key.
    pub key: String,
    /// Its display name.
    pub name: String,
    /// Its members, by email.
    pub members: Vec<TeamMember>,
}

/// Every team of the directory with its members.
fn teams_of(dir: &Directory) -> Vec<TeamBody> {
    dir.teams
        .iter()
        .map(|(key, name)| TeamBody {
            key: key.to_string(),
            name: name.clone(),
            members: dir
                .users
                .iter()
                .filter_map(|(email, u)| {
                    u.teams.get(key).map(|role| TeamMember {
                        email: email.to_string(),
                        name: u.name.clone(),
                        role: role.as_str().to_string(),
                    })
                })
                .collect(),
        })
        .collect()
}

/// The org's teams with their members and roles.
#[utoipa::path(get, path = "/teams", tag = "org",
    responses((status = 200, description = "Teams, by key", body = Vec<TeamBody>)))]
pub async fn list(
    State(s): State<AppState>,
    Authed(caller): Authed,
) -> ApiResult<Json<Vec<TeamBody>>> {
    let dir = s.app.directory(&caller).await?;
    Ok(Json(teams_of(&dir)))
}

/// Create a team (admins).
#[utoipa::path(post, path = "/teams", tag = "org", request_body = NewTeam,
    responses(
        (status = 201, description = "Created", body = TeamBody),
        (status = 403, description = "Not an admin", body = ApiError, content_type = "application/problem+json"),
        (status = 409, description = "The key is taken", body = ApiError, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(s): State<AppState>,
    Authed(caller): Authed,
    Body(b): Body<NewTeam>,
) -> ApiResult<(StatusCode, Json<TeamBody>)> {
    let key = TeamKey::parse(&b.key).map_err(|e| ApiError::invalid_field("key", e.to_string()))?;
    s.app.create_team(&caller, key.clone(), &b.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(TeamBody {
            key: key.to_string(),
            name: b.name.trim().to_string(),
            members: Vec::new(),
        }),
    ))
}
