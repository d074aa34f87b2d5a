//! The fuzz checks: one function per fuzz target, each feeding its bytes to
//! the same functions production calls and asserting what must hold for any
//! input (no panic, no 5xx, no store failure, stable round trips).
//!
//! This file is compiled twice: by the cargo-fuzz project in `fuzz/` (each
//! target is a one-line call into it) and, through `#[path]`, by the web
//! crate's test binary, which replays every file of `fuzz/corpus/` through
//! the same checks so that CI, which has no cargo-fuzz, still runs them.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use baton_app::accounts::AccountInput;
use baton_app::handoffs::NewHandoff;
use baton_app::{App, AppError, Caller};
use baton_domain::event::{Event, Via};
use baton_domain::field::{FieldDef, FieldType, Owner};
use baton_domain::{AccountId, ContractKey, Email, HandoffId, Money, OrgId};
use baton_testkit::TestApp;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The contract the CSV and API checks use (seeded by `baton init`).
const CONTRACT: &str = "ae-to-onboarding";

/// The one org with its app and HTTP router that the checks of a process
/// share. Fuzzed writes that succeed stay in its database, so later inputs
/// meet a database that grows the way a real one does.
pub struct World {
    rt: tokio::runtime::Runtime,
    t: TestApp,
    router: axum::Router,
    token: String,
    handoff: HandoffId,
}

impl World {
    /// A seeded org on a fresh SQLite file.
    pub fn sqlite() -> Self {
        let rt = runtime();
        let t = rt.block_on(TestApp::sqlite());
        Self::over(rt, t)
    }

    /// A seeded org on a fresh PostgreSQL database, when one is configured.
    pub fn postgres() -> Option<Self> {
        let rt = runtime();
        let t = rt.block_on(TestApp::postgres())?;
        Some(Self::over(rt, t))
    }

    fn over(rt: tokio::runtime::Runtime, t: TestApp) -> Self {
        let admin = Caller::new(t.org.clone(), email("admin@acme.test"), Via::Api);
        let (token, handoff) = rt.block_on(async {
            let (_, token) = t
                .app
                .create_token(&admin, "fuzz")
                .await
                .expect("create a token");
            let ae = Caller::new(t.org.clone(), email("ae1@acme.test"), Via::Api);
            t.app
                .upsert_account(
                    &admin,
                    AccountInput {
                        id: AccountId::parse("acc-fuzz").expect("account id"),
                        name: "Fuzz Inc".into(),
                        arr: Money::parse_text("48000.00 USD").expect("money"),
                        segment: None,
                    },
                )
                .await
                .expect("create an account");
            let h = t
                .app
                .start_handoff(
                    &ae,
                    NewHandoff {
                        id: Some(HandoffId::parse("h-fuzz").expect("handoff id")),
                        contract: ContractKey::parse(CONTRACT).expect("contract key"),
                        account: AccountId::parse("acc-fuzz").expect("account id"),
                        deal: None,
                        to: None,
                        values: BTreeMap::new(),
                        attachments: Vec::new(),
                    },
                )
                .await
                .expect("start a handoff");
            (token, h.id)
        });
        let router = baton_web::router(t.app.clone(), &baton_web::Options::default());
        Self {
            rt,
            t,
            router,
            token,
            handoff,
        }
    }

    fn app(&self) -> &App {
        &self.t.app
    }

    fn org(&self) -> &OrgId {
        &self.t.org
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn email(s: &str) -> Email {
    Email::parse(s).expect("a valid email")
}

/// An import may refuse its input, but only by naming what is wrong: a
/// store failure means bad input reached the database unchecked.
fn assert_refused_cleanly(result: &Result<baton_app::import::ImportSummary, AppError>) {
    match result {
        Ok(_) => {}
        Err(AppError::Import(errors)) => {
            assert!(!errors.is_empty(), "an import error lists no line");
            assert!(
                errors.iter().all(|(line, _)| *line >= 1),
                "line numbers start at 1: {errors:?}"
            );
        }
        Err(AppError::Store(e)) => panic!("the store failed on fuzzed input: {e}"),
        Err(_) => {}
    }
}

/// Target `import_events`: a JSON Lines file through `baton import events`.
///
/// Every line that is an event serializes back to the same event (export
/// relies on it), and the import either succeeds or names its bad lines.
pub fn import_events(w: &World, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut creates_org = None;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        if let Ok(event) = serde_json::from_str::<Event>(line) {
            let again = serde_json::to_string(&event).expect("an event serializes");
            let back: Event = serde_json::from_str(&again).expect("a serialized event parses");
            assert_eq!(back, event, "event round trip through {again}");
            if creates_org.is_none() {
                creates_org = Some(matches!(event, Event::OrgCreated { .. }));
            }
        } else if creates_org.is_none() {
            creates_org = Some(false);
        }
    }
    // A file that creates its org is imported the way `baton import events`
    // does on an empty database; any other into the seeded org.
    let org = match creates_org {
        Some(true) => None,
        _ => Some(w.org().clone()),
    };
    let result = w.rt.block_on(w.app().import_events(org, data));
    assert_refused_cleanly(&result);
}

/// Target `import_csv`: a CRM report through `baton import handoffs`.
///
/// The conversion names rows that exist, every line it produces is JSON,
/// and the import either succeeds or names its bad rows.
pub fn import_csv(w: &World, data: &[u8]) {
    let contract = ContractKey::parse(CONTRACT).expect("contract key");
    match baton_app::import_csv::csv_to_lines(&contract, data) {
        Ok(lines) => {
            for (row, line) in &lines {
                assert!(*row >= 2, "row {row} is the header or before it");
                serde_json::from_str::<Value>(line).expect("a converted line is JSON");
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "a CSV error lists no row");
            assert!(errors.iter().all(|(row, _)| *row >= 1), "{errors:?}");
        }
    }
    let result = w.rt.block_on(
        w.app()
            .import_handoffs_csv(w.org().clone(), &contract, data),
    );
    assert_refused_cleanly(&result);
}

/// The routes that take a request body, with the ids they are sent to.
const ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/handoffs"),
    ("PATCH", "/api/v1/handoffs/{h}"),
    ("POST", "/api/v1/handoffs/{h}/submit"),
    ("POST", "/api/v1/handoffs/{h}/accept"),
    ("POST", "/api/v1/handoffs/{h}/reject"),
    ("POST", "/api/v1/handoffs/{h}/withdraw"),
    ("POST", "/api/v1/handoffs/{h}/ack"),
    ("POST", "/api/v1/handoffs/{h}/echo"),
    ("POST", "/api/v1/handoffs/{h}/resolve"),
    ("POST", "/api/v1/handoffs/{h}/close-loop"),
    ("POST", "/api/v1/handoffs/{h}/attest"),
    ("POST", "/api/v1/contracts/{c}/versions"),
    ("PUT", "/api/v1/contracts/{c}/mode"),
    ("POST", "/api/v1/contracts/{c}/proposals"),
    ("POST", "/api/v1/contracts/{c}/audits/sample"),
    ("POST", "/api/v1/contracts/{c}/audits/1/result"),
    ("POST", "/api/v1/accounts"),
    ("POST", "/api/v1/teams"),
    ("POST", "/api/v1/tokens"),
    ("POST", "/api/v1/webhooks"),
    ("POST", "/api/v1/signals/rediscovery"),
    ("POST", "/api/v1/signals/nps"),
    ("POST", "/api/v1/signals/churn"),
    ("POST", "/api/v1/inbound/crm"),
    ("PUT", "/api/v1/inbound/crm/rules"),
    ("PUT", "/api/v1/rollout"),
    ("POST", "/api/v1/import/events"),
];

/// Target `api_body`: one request to the real router, as the admin's bearer
/// token. The first byte picks the route (see [`ROUTES`]), the rest is the
/// body.
///
/// Whatever the body, the answer is never a 5xx (a panic in a handler
/// becomes a 500), and a refusal is a problem+json naming what is wrong.
pub fn api_body(w: &World, data: &[u8]) {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let (method, template) = ROUTES[usize::from(pick) % ROUTES.len()];
    let path = template
        .replace("{h}", w.handoff.as_str())
        .replace("{c}", CONTRACT);
    let content_type = if path.ends_with("/import/events") {
        "application/x-ndjson"
    } else {
        "application/json"
    };
    let request = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).expect("a method"))
        .uri(&path)
        .header(header::AUTHORIZATION, format!("Bearer {}", w.token))
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_vec()))
        .expect("a request");
    let (status, ty, bytes) = w.rt.block_on(async {
        let response = w
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let ty = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a readable response body");
        (status, ty, bytes)
    });
    let shown = String::from_utf8_lossy(&bytes);
    assert!(
        !status.is_server_error(),
        "{method} {path} answered {status}: {shown}"
    );
    if status.is_client_error() && status != StatusCode::METHOD_NOT_ALLOWED {
        assert_eq!(
            ty, "application/problem+json",
            "{method} {path} answered {status}"
        );
        let problem: Value = serde_json::from_slice(&bytes).expect("a problem is JSON");
        assert_eq!(
            problem["status"],
            json!(status.as_u16()),
            "the problem's status: {shown}"
        );
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "the problem says what is wrong: {shown}"
        );
    }
}

/// The field types the field check picks from by the input's first byte.
fn field_type(pick: u8) -> FieldType {
    let options = || vec!["Alpha".to_string(), "beta".into(), "Gamma Ray".into()];
    match pick % 14 {
        0 => FieldType::Text,
        1 => FieldType::LongText,
        2 => FieldType::Number,
        3 => FieldType::Money,
        4 => FieldType::Date,
        5 => FieldType::Datetime,
        6 => FieldType::Enum { options: options() },
        7 => FieldType::MultiEnum { options: options() },
        8 => FieldType::Url,
        9 => FieldType::Bool,
        10 => FieldType::Confidence,
        11 => FieldType::Person,
        12 => FieldType::People,
        _ => FieldType::Hypothesis,
    }
}

/// Target `field_value`: a value, in text form and (when the rest parses as
/// JSON) in JSON form, through the field validation every write uses. The
/// first byte picks the field type, the second its minimum length.
///
/// Normalizing is idempotent (a stored value is in its one canonical shape,
/// so sending it back unchanged changes nothing), judging a normalized value
/// never panics, and money's text form parses back to the same amount.
pub fn field_value(data: &[u8]) {
    let [kind, min_len, rest @ ..] = data else {
        return;
    };
    let expects = ["date", "person", "amount", "number"][usize::from(*min_len % 4)];
    let field: FieldDef = serde_json::from_value(json!({
        "key": "fuzzed",
        "label": "Fuzzed field",
        "kind": serde_json::to_value(field_type(*kind)).expect("a field type serializes"),
        "min_len": (*min_len > 0).then_some(u32::from(*min_len % 40)),
        "owner": Owner::Sender,
        "expects": expects,
    }))
    .expect("a valid field definition");
    let text = String::from_utf8_lossy(rest);
    let mut raws = vec![Value::String(text.to_string())];
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        raws.push(v);
    }
    for raw in &raws {
        let Ok(normalized) = field.normalize(raw) else {
            continue;
        };
        let _ = field.assess(
            normalized.as_ref(),
            &baton_domain::field::FillerRules::default(),
        );
        let _ = field.hint(normalized.as_ref());
        let Some(value) = normalized else { continue };
        let _ = FieldDef::text_of(&value);
        let again = field
            .normalize(&value)
            .unwrap_or_else(|e| panic!("{raw} normalized to {value}, which is refused: {e}"));
        assert_eq!(
            again.as_ref(),
            Some(&value),
            "{raw} normalized to {value}, which normalizes again to {again:?}"
        );
        if matches!(field.kind, FieldType::Money) {
            let m: Money = serde_json::from_value(value.clone()).expect("money is stored as money");
            let back = Money::parse_text(&m.to_string())
                .unwrap_or_else(|e| panic!("money's text '{m}' is refused: {e}"));
            assert_eq!(back, m, "money's text '{m}' parses back");
        }
    }
}
