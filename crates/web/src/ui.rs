//! The browser UI: server-rendered pages (askama templates under
//! `crates/web/templates/`) over the same use cases as the JSON API, with a
//! vendored htmx for the few live parts (the completeness meter). No build
//! step, no CDN: templates are compiled in and assets embedded.
//!
//! Every page takes a [`Viewer`] (the signed-in person, or a redirect to the
//! login page); every form post takes a [`Posted`], which checks the CSRF
//! token and the request's origin before the handler sees a field, so no
//! handler can forget either.

pub mod assets;
pub mod chart;
pub mod connections;
pub mod contracts;
pub mod currency;
pub mod download;
pub mod governance;
pub mod handoffs;
pub mod inbox;
pub mod login;
pub mod notifications;
pub mod people;
pub mod scorecard;
pub mod sign_in;
pub mod suggestions;
pub mod surveys;
pub mod tokens;
pub mod webhooks;

use askama::Template;
use axum::Router;
use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use baton_app::{AppError, Caller};
use baton_domain::Actor;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie};
use crate::error::ApiError;

/// The UI's routes (everything outside `/api/v1`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assets/{name}", get(assets::get))
        .merge(login::routes())
        .merge(inbox::routes())
        .merge(handoffs::routes())
        .merge(contracts::routes())
        .merge(scorecard::routes())
        .merge(governance::routes())
        .merge(webhooks::routes())
        .merge(connections::routes())
        .merge(currency::routes())
        .merge(surveys::routes())
        .merge(notifications::routes())
        .merge(people::routes())
        .merge(sign_in::routes())
        .merge(tokens::routes())
        .merge(suggestions::routes())
}

/// Every response (pages, the API, errors, probes) may run only our own
/// scripts and styles, is never shown in a frame, is never sniffed into
/// another type, and sends no referrer to other sites. Set once, around
/// the whole router, so no route or error path can miss them.
pub async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// The form field that carries the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";

/// The CSRF token of a session: derived from its secret, so it needs no
/// storage, differs per session and cannot be computed without the cookie.
fn csrf_token(session_secret: &str) -> String {
    let digest = Sha256::digest(format!("baton-csrf\0{session_secret}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the layout shows of the signed-in person on every page.
#[derive(Debug, Clone)]
pub struct Page {
    /// The org.
    pub org: String,
    /// Their email.
    pub email: String,
    /// Their name.
    pub name: String,
    /// Their teams as `team (role)`.
    pub teams: Vec<String>,
    /// Org admin.
    pub admin: bool,
    /// The CSRF token every form carries.
    pub csrf: String,
    /// The nav entry to mark as current.
    pub nav: &'static str,
    /// How many things wait in their queue (the inbox's count); 0 on
    /// fragments and form posts, which show no navigation count.
    pub queue: usize,
}

impl Page {
    /// The same page context, marking `nav` as current.
    pub fn at(&self, nav: &'static str) -> Self {
        Self {
            nav,
            ..self.clone()
        }
    }
}

/// The signed-in person viewing a page.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// As the use cases know them.
    pub caller: Caller,
    /// Their teams and roles.
    pub actor: Actor,
    /// The layout's context.
    pub page: Page,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = UiError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, UiError> {
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map_or("/", axum::http::uri::PathAndQuery::as_str);
            UiError::Login(next.to_string())
        };
        let Some(secret) = cookie(parts, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let Some(caller) = s.app.session_caller(secret).await? else {
            return Err(to_login());
        };
        let Some(me) = s.app.signed_in(&caller).await? else {
            return Err(to_login());
        };
        let actor = me.actor;
        let org = me.org_name;
        let page = Page {
            org,
            email: caller.email.to_string(),
            name: me.name,
            teams: actor
                .teams
                .iter()
                .map(|(t, r)| format!("{t} ({})", r.as_str()))
                .collect(),
            admin: actor.admin,
            csrf: csrf_token(secret),
            nav: "",
            // Only a whole page shows the count: htmx fragments (the meter,
            // the account picker) and posts skip the work.
            queue: if parts.method == axum::http::Method::GET
                && !parts.headers.contains_key("hx-request")
            {
                s.app.queue_len(&caller).await?
            } else {
                0
            },
        };
        Ok(Self {
            caller,
            actor,
            page,
        })
    }
}

/// Fields of a posted form, in order (repeated names kept: checkboxes).
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value named `name`, trimmed; `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every non-blank value named `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    /// Replaces every value named `name` with `value`.
    pub fn set(&mut self, name: &str, value: String) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_string(), value));
    }

    /// Fields whose names start with `prefix`, with the prefix removed.
    pub fn prefixed<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.0
            .iter()
            .filter_map(move |(k, v)| k.strip_prefix(prefix).map(|k| (k, v.as_str())))
    }
}

/// A form post by a signed-in person whose CSRF token and origin checked out.
#[derive(Debug, Clone)]
pub struct Posted(pub Viewer, pub Fields);

impl FromRequest<AppState> for Posted {
    type Rejection = UiError;

    async fn from_request(req: Request, s: &AppState) -> Result<Self, UiError> {
        let (mut parts, body) = req.into_parts();
        same_origin(&parts)?;
        let viewer = match Viewer::from_request_parts(&mut parts, s).await {
            Ok(v) => v,
            // A post cannot be replayed after signing in: go back to the
            // page the form was on instead.
            Err(UiError::Login(_)) => return Err(UiError::Login(referring_page(&parts))),
            Err(e) => return Err(e),
        };
        let req = Request::from_parts(parts, body);
        let Form(fields) = Form::<Vec<(String, String)>>::from_request(req, s)
            .await
            .map_err(|e| {
                let status = e.status();
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    UiError::Status(
                        status,
                        "The form is larger than this server accepts (1 MiB by default); \
                         nothing was saved."
                            .into(),
                    )
                } else {
                    UiError::Status(status, e.body_text())
                }
            })?;
        let fields = Fields(fields);
        if fields.get(CSRF_FIELD) != Some(viewer.page.csrf.as_str()) {
            return Err(UiError::Status(
                StatusCode::FORBIDDEN,
                "This form is out of date or did not come from Baton (CSRF check failed). \
                 Reload the page and try again."
                    .into(),
            ));
        }
        Ok(Self(viewer, fields))
    }
}

/// The path of the page a request came from, when it is ours; else "/".
fn referring_page(parts: &Parts) -> String {
    let referer = parts
        .headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    referer
        .split_once("://")
        .and_then(|(_, rest)| rest.strip_prefix(host))
        .filter(|path| path.starts_with('/') && !path.starts_with("//"))
        .unwrap_or("/")
        .to_string()
}

/// Refuses an unsafe request a browser marks as coming from another site.
pub fn same_origin(parts: &Parts) -> Result<(), UiError> {
    if crate::auth::cross_site(parts) {
        return Err(UiError::Status(
            StatusCode::FORBIDDEN,
            "Cross-site form posts are refused.".into(),
        ));
    }
    Ok(())
}

/// Why a page could not be shown.
#[derive(Debug)]
pub enum UiError {
    /// Not signed in: go to the login page, then back to this path.
    Login(String),
    /// A failure with its status and a sentence for the person.
    Status(StatusCode, String),
}

impl From<AppError> for UiError {
    fn from(e: AppError) -> Self {
        let api = ApiError::from(e);
        let status = StatusCode::from_u16(api.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self::Status(status, api.detail)
    }
}

impl From<ApiError> for UiError {
    fn from(api: ApiError) -> Self {
        let status = StatusCode::from_u16(api.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        Self::Status(status, api.detail)
    }
}

impl From<askama::Error> for UiError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template failed");
        Self::Status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the page failed to render".into(),
        )
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    reason: &'a str,
    message: &'a str,
}

/// The error page of a signed-in person: the same words, inside the layout
/// with its navigation, so one bad link never strands them.
#[derive(Template)]
#[template(path = "error_page.html")]
struct ErrorInLayout<'a> {
    page: Page,
    status: u16,
    reason: &'a str,
    message: &'a str,
}

/// A failed page's status and sentence, kept on the response so
/// [`with_navigation`] can show it inside the layout.
#[derive(Debug, Clone)]
struct Failure {
    status: StatusCode,
    message: String,
}

/// What went wrong, as a heading in words (not the HTTP reason phrase).
fn headline(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "That request was not understood",
        401 => "Please sign in",
        403 => "Not allowed",
        404 => "Not found",
        409 => "Changed in the meantime",
        413 => "Too large",
        422 => "That could not be done",
        429 => "Too many requests",
        503 => "Baton is busy",
        _ if status.is_server_error() => "Something went wrong",
        _ => "That did not work",
    }
}

/// Re-renders a UI error page inside the layout when the request comes
/// from a signed-in person (their navigation, their queue count); anyone
/// else keeps the bare page.
pub async fn with_navigation(
    axum::extract::State(s): axum::extract::State<AppState>,
    req: Request,
    next: axum::middleware::Next,
) -> Response {
    let mut probe = Request::new(());
    *probe.uri_mut() = req.uri().clone();
    *probe.headers_mut() = req.headers().clone();
    let res = next.run(req).await;
    let Some(failure) = res.extensions().get::<Failure>().cloned() else {
        return res;
    };
    let (mut parts, ()) = probe.into_parts();
    let Ok(viewer) = Viewer::from_request_parts(&mut parts, &s).await else {
        return res;
    };
    let page = ErrorInLayout {
        page: viewer.page,
        status: failure.status.as_u16(),
        reason: headline(failure.status),
        message: &failure.message,
    };
    match page.render() {
        Ok(html) => (failure.status, Html(html)).into_response(),
        Err(_) => res,
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        match self {
            Self::Login(next) => {
                let to = format!("/login?next={}", percent_encode(&next));
                Redirect::to(&to).into_response()
            }
            Self::Status(status, message) => {
                let page = ErrorPage {
                    status: status.as_u16(),
                    reason: headline(status),
                    message: &message,
                };
                let mut res = match page.render() {
                    Ok(html) => (status, Html(html)).into_response(),
                    Err(_) => (status, message.clone()).into_response(),
                };
                res.extensions_mut().insert(Failure { status, message });
                res
            }
        }
    }
}

/// A page's result.
pub type UiResult<T = Response> = Result<T, UiError>;

/// The org's contracts by key (pages that show many handoffs look their
/// titles and SLAs up here once).
pub async fn contracts_by_key(
    s: &AppState,
    caller: &Caller,
) -> UiResult<std::collections::BTreeMap<baton_domain::ContractKey, baton_domain::contract::Contract>>
{
    Ok(s.app
        .contracts(caller)
        .await?
        .into_iter()
        .map(|c| (c.key.clone(), c))
        .collect())
}

/// Renders a template into a response.
pub fn render(t: &impl Template) -> UiResult {
    Ok(Html(t.render()?).into_response())
}

/// Renders a template with a status (e.g. 422 for a form shown again with
/// its error).
pub fn render_status(status: StatusCode, t: &impl Template) -> UiResult {
    Ok((status, Html(t.render()?)).into_response())
}

/// Renders a form page: 422 when it is shown again with an error, so a
/// refused post never looks like a success to a client or a test.
pub fn render_form(has_error: bool, t: &impl Template) -> UiResult {
    if has_error {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, t)
    } else {
        render(t)
    }
}

/// Percent-encodes a query value.
pub fn percent_encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A reason code for people: `missing_context` reads "Missing context".
pub fn reason_label(code: &str) -> String {
    let words = code.replace(['_', '-'], " ");
    let mut chars = words.trim().chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// "3 h", "2 d 4 h": a duration for people.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.abs();
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    let text = if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m} min")
    } else {
        format!("{m} min")
    };
    if seconds < 0 {
        format!("-{text}")
    } else {
        text
    }
}

/// A total for people: the converted part in the reporting currency, then
/// each amount without a rate in its own currency, never added to it
/// (`1,000,000 EUR + 5,000 USD (no rate)`).
pub fn total(t: &baton_domain::fx::Total) -> String {
    let mut out = money(&t.reporting);
    let missing: Vec<String> = t.unconverted.iter().map(money).collect();
    if !missing.is_empty() {
        out.push_str(&format!(" + {} (no rate)", missing.join(" + ")));
    }
    out
}

/// Money for people: `$48,000` style grouping, no cents.
pub fn money(m: &baton_domain::Money) -> String {
    let units = m.minor / 100;
    let digits = units.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if units < 0 { "-" } else { "" };
    format!("{sign}{grouped} {}", m.currency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_differ_per_session_and_are_stable() {
        assert_eq!(csrf_token("a"), csrf_token("a"));
        assert_ne!(csrf_token("a"), csrf_token("b"));
        assert_eq!(csrf_token("a").len(), 64);
    }

    #[test]
    fn reason_codes_read_as_words() {
        assert_eq!(reason_label("missing_context"), "Missing context");
        assert_eq!(reason_label("wrong_team"), "Wrong team");
        assert_eq!(reason_label(""), "");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(59), "0 min");
        assert_eq!(human_duration(3 * 3600 + 120), "3 h 2 min");
        assert_eq!(human_duration(2 * 86_400 + 4 * 3600), "2 d 4 h");
        assert_eq!(human_duration(-3600), "-1 h 0 min");
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            percent_encode("/handoffs/H-1?x=a b"),
            "/handoffs/H-1%3Fx%3Da%20b"
        );
    }
}
