//! People: the org's users and their teams for everyone to read; for admins,
//! each person's teams and roles, and deactivating a leaver (their open
//! handoffs then listed for someone to take on) or letting them back in.

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use baton_app::csv_cells::{Row as CsvRow, header};
use baton_domain::UserRecord;
use baton_domain::{Email, Handoff, Role, TeamKey};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::ui::{Page, Posted, UiError, UiResult, Viewer, percent_encode, render_form};

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(add))
        .route("/users.csv", get(list_csv))
        .route("/users/{email}/password-link", post(password_link))
        .route("/users/{email}", get(person).post(save_teams))
        .route("/users/{email}/deactivate", post(deactivate))
        .route("/users/{email}/reactivate", post(reactivate))
}

/// One person as the list shows them.
struct Row {
    email: String,
    name: String,
    admin: bool,
    active: bool,
    teams: Vec<(String, &'static str)>,
}

fn row(email: &Email, u: &UserRecord) -> Row {
    Row {
        email: email.to_string(),
        name: u.name.clone(),
        admin: u.admin,
        active: u.active,
        teams: u
            .teams
            .iter()
            .map(|(t, r)| (t.to_string(), r.as_str()))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    page: Page,
    people: Vec<Row>,
    /// The search typed (name, email or team), and how many people there
    /// are in all.
    q: String,
    everyone: usize,
    /// The same search as CSV.
    csv: String,
    teams: Vec<(String, String)>,
    form: (String, String, String, String),
    error: Option<String>,
}

/// The people a search finds (name, email or team), active ones first,
/// each group by name.
fn found(dir: &baton_domain::Directory, q: &str) -> Vec<Row> {
    let needle = q.trim().to_lowercase();
    let mut people: Vec<Row> = dir
        .users
        .iter()
        .map(|(e, u)| row(e, u))
        .filter(|r| {
            needle.is_empty()
                || r.name.to_lowercase().contains(&needle)
                || r.email.contains(&needle)
                || r.teams.iter().any(|(t, _)| t.contains(&needle))
        })
        .collect();
    people.sort_by(|a, b| (!a.active, &a.name).cmp(&(!b.active, &b.name)));
    people
}

/// `GET /users.csv`: the people the same search finds, one row each.
async fn list_csv(State(s): State<AppState>, v: Viewer, Query(q): Query<PeopleQuery>) -> UiResult {
    let dir = s.app.directory(&v.caller).await?;
    let mut out = header(&["email", "name", "admin", "active", "teams"]);
    for r in found(&dir, q.q.as_deref().unwrap_or_default()) {
        let teams: Vec<String> = r
            .teams
            .iter()
            .map(|(t, role)| format!("{t} ({role})"))
            .collect();
        out.push_str(
            &CsvRow::new()
                .text(&r.email)
                .text(&r.name)
                .text(if r.admin { "yes" } else { "no" })
                .text(if r.active { "yes" } else { "no" })
                .text(teams.join("; "))
                .line(),
        );
    }
    Ok(crate::ui::download::csv("people", out))
}

async fn list_page(
    s: &AppState,
    (v, q): (&Viewer, &str),
    form: (String, String, String, String),
    error: Option<String>,
) -> UiResult {
    let dir = s.app.directory(&v.caller).await?;
    let everyone = dir.users.len();
    let people = found(&dir, q);
    let page = PeoplePage {
        page: v.page.at("users"),
        people,
        teams: dir
            .teams
            .iter()
            .map(|(k, n)| (k.to_string(), n.clone()))
            .collect(),
        q: q.trim().to_string(),
        csv: format!("/users.csv?q={}", crate::ui::percent_encode(q.trim())),
        everyone,
        form,
        error,
    };
    render_form(page.error.is_some(), &page)
}

#[derive(Debug, Default, Deserialize)]
struct PeopleQuery {
    q: Option<String>,
}

async fn list(State(s): State<AppState>, v: Viewer, Query(q): Query<PeopleQuery>) -> UiResult {
    let blank = (
        String::new(),
        String::new(),
        String::new(),
        "member".to_string(),
    );
    list_page(&s, (&v, q.q.as_deref().unwrap_or_default()), blank, None).await
}

/// Adds someone and sends them their invitation.
async fn add(State(s): State<AppState>, Posted(v, f): Posted) -> UiResult {
    let field = |k: &str| f.get(k).unwrap_or_default().to_string();
    let form = (field("email"), field("name"), field("team"), field("role"));
    let email = match Email::parse(form.0.to_ascii_lowercase()) {
        Ok(e) => e,
        Err(e) => return list_page(&s, (&v, ""), form, Some(format!("email: {e}"))).await,
    };
    let mut teams = Vec::new();
    if !form.2.is_empty() {
        match (TeamKey::parse(&form.2), Role::parse(&form.3)) {
            (Ok(t), Some(r)) => teams.push((t, r)),
            _ => return list_page(&s, (&v, ""), form, Some("pick a team and a role".into())).await,
        }
    }
    let new = baton_app::org::NewUser {
        email: email.clone(),
        name: form.1.clone(),
        password: None,
        teams,
        admin: false,
    };
    if let Err(e) = s.app.add_user(&v.caller, new).await {
        return list_page(&s, (&v, ""), form, Some(refusal(e)?)).await;
    }
    link_sent(&s, &v, &email).await
}

/// Sends (or, without mail, shows) a one-time password link and shows
/// the person's page saying which.
async fn link_sent(s: &AppState, v: &Viewer, email: &Email) -> UiResult {
    match s.app.send_password_link(&v.caller, email).await {
        Ok(sent) => {
            let what = if sent.purpose == "invite" {
                "An invitation"
            } else {
                "A password reset link"
            };
            let until = sent.expires_at.strftime("%Y-%m-%d %H:%M UTC");
            let done = match sent.link {
                None => format!("{what} was mailed to {email}; it works once, until {until}."),
                Some(link) => format!(
                    "This Baton sends no mail: pass {email} this one-time link yourself (it works once, until {until}): {link}"
                ),
            };
            show(s, v, email, None, Some(done)).await
        }
        Err(e) => show(s, v, email, Some(refusal(e)?), None).await,
    }
}

async fn password_link(
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Posted(v, _f): Posted,
) -> UiResult {
    let email = email_of(&raw)?;
    link_sent(&s, &v, &email).await
}

/// One team as the person's form shows it.
struct TeamChoice {
    key: String,
    name: String,
    role: &'static str,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    page: Page,
    person: Row,
    path: String,
    teams: Vec<TeamChoice>,
    open: Vec<Handoff>,
    error: Option<String>,
    done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Done {
    done: Option<String>,
}

fn email_of(raw: &str) -> Result<Email, UiError> {
    Email::parse(raw).map_err(|_| ApiError::not_found("a user of that email in your org").into())
}

async fn show(
    s: &AppState,
    v: &Viewer,
    email: &Email,
    error: Option<String>,
    done: Option<String>,
) -> UiResult {
    let dir = s.app.directory(&v.caller).await?;
    let u = dir
        .users
        .get(email)
        .ok_or_else(|| ApiError::not_found("a user of that email in your org"))?;
    let teams = dir
        .teams
        .iter()
        .map(|(key, name)| TeamChoice {
            key: key.to_string(),
            name: name.clone(),
            role: u.teams.get(key).map_or("", |r| r.as_str()),
        })
        .collect();
    let open = if u.active {
        Vec::new()
    } else {
        s.app.open_handoffs_of(&v.caller.org, email).await?
    };
    let page = PersonPage {
        page: v.page.at("users"),
        person: row(email, u),
        path: percent_encode(email.as_ref()),
        teams,
        open,
        error,
        done,
    };
    render_form(page.error.is_some(), &page)
}

async fn person(
    State(s): State<AppState>,
    v: Viewer,
    Path(raw): Path<String>,
    Query(d): Query<Done>,
) -> UiResult {
    show(&s, &v, &email_of(&raw)?, None, d.done).await
}

/// A refusal to show on the page; not being an admin (403) is answered as
/// such.
fn refusal(e: baton_app::AppError) -> Result<String, UiError> {
    let api = ApiError::from(e);
    if api.status == 403 {
        return Err(api.into());
    }
    Ok(api.detail)
}

async fn save_teams(
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Posted(v, f): Posted,
) -> UiResult {
    let email = email_of(&raw)?;
    let dir = s.app.directory(&v.caller).await?;
    let mut teams = BTreeMap::new();
    for key in dir.teams.keys() {
        let field = format!("team-{key}");
        match f.get(&field) {
            None => {}
            Some(raw) => match Role::parse(raw) {
                Some(role) => {
                    teams.insert(TeamKey::clone(key), role);
                }
                None => {
                    let why = format!("'{raw}' is not a role in team '{key}'");
                    return show(&s, &v, &email, Some(why), None).await;
                }
            },
        }
    }
    match s.app.set_teams(&v.caller, &email, teams).await {
        Ok(()) => done(&email, "teams"),
        Err(e) => show(&s, &v, &email, Some(refusal(e)?), None).await,
    }
}

async fn deactivate(
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Posted(v, _f): Posted,
) -> UiResult {
    let email = email_of(&raw)?;
    match s.app.deactivate_user(&v.caller, &email).await {
        Ok(_) => done(&email, "deactivated"),
        Err(e) => show(&s, &v, &email, Some(refusal(e)?), None).await,
    }
}

async fn reactivate(
    State(s): State<AppState>,
    Path(raw): Path<String>,
    Posted(v, _f): Posted,
) -> UiResult {
    let email = email_of(&raw)?;
    match s.app.reactivate_user(&v.caller, &email).await {
        Ok(()) => done(&email, "reactivated"),
        Err(e) => show(&s, &v, &email, Some(refusal(e)?), None).await,
    }
}

fn done(email: &Email, what: &str) -> UiResult {
    let to = format!("/users/{}?done={what}", percent_encode(email.as_ref()));
    Ok(Redirect::to(&to).into_response())
}
