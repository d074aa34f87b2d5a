//! The server under test: `baton_web::serve` on 127.0.0.1:0 over a
//! [`TestApp`], and a client that calls it as a given person (a bearer token
//! made through the app, which is fast; passwords are slow), with a session
//! cookie, or anonymously.

use std::collections::HashMap;
use std::sync::Mutex;

use baton_app::Caller;
use baton_app::accounts::AccountInput;
use baton_app::org::{NewOrg, NewUser};
use baton_domain::event::Via;
use baton_domain::org::Role;
use baton_domain::{AccountId, Currency, Money, OrgId, TeamKey};
use baton_testkit::{TestApp, email};
use reqwest::Method;
use serde_json::{Value, json};

/// The second org of a test, to prove nothing crosses orgs.
pub const OTHER_ADMIN: &str = "admin@globex.test";

/// A running server over a seeded org ("Acme", see the testkit).
pub struct Server {
    /// The app and database behind it.
    pub t: TestApp,
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    http: reqwest::Client,
    tokens: Mutex<HashMap<(OrgId, String), String>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the real server over `t`.
pub async fn start(t: TestApp) -> Server {
    start_with(t, |app, _| app).await
}

/// As [`start`], with the app configured once the server's origin is known
/// (e.g. its public URL, for redirects back to it).
pub async fn start_with(
    mut t: TestApp,
    configure: impl FnOnce(baton_app::App, &str) -> baton_app::App,
) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    t.app = configure(t.app.clone(), &format!("http://{addr}"));
    let app = t.app.clone();
    let task = tokio::spawn(async move {
        let options = baton_web::Options::default();
        baton_web::serve(listener, app, &options, std::future::pending()).await
    });
    Server {
        t,
        origin: format!("http://{addr}"),
        http: reqwest::Client::builder().no_proxy().build().unwrap(),
        tokens: Mutex::default(),
        task,
    }
}

/// How a client proves who it is.
#[derive(Debug, Clone)]
pub enum Auth {
    /// Nothing.
    Anonymous,
    /// `Authorization: Bearer …`.
    Bearer(String),
    /// `Cookie: baton_session=…`.
    Cookie(String),
}

/// A client of the server, as one caller.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    origin: String,
    auth: Auth,
}

/// An answer.
#[derive(Debug)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// The headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON (or a JSON string of the text when not JSON).
    pub body: Value,
    /// The body as text.
    pub text: String,
}

impl Reply {
    /// The body, after asserting the status.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        &self.body
    }

    /// The content type, without parameters.
    pub fn content_type(&self) -> &str {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map_or("", |v| v.split(';').next().unwrap_or("").trim())
    }

    /// Asserts a problem+json answer with `status` and a `type` ending in
    /// `slug`; returns the problem.
    #[track_caller]
    pub fn problem(&self, status: u16, slug: &str) -> &Value {
        self.expect(status);
        assert_eq!(
            self.content_type(),
            "application/problem+json",
            "body: {}",
            self.text
        );
        let kind = self.body["type"].as_str().unwrap_or_default();
        assert!(
            kind.ends_with(&format!(":{slug}")),
            "expected a problem of type …:{slug}, got {}",
            self.text
        );
        assert_eq!(self.body["status"], json!(status), "{}", self.text);
        assert!(
            self.body["title"].as_str().is_some_and(|t| !t.is_empty()),
            "{}",
            self.text
        );
        &self.body
    }
}

impl Client {
    /// A request to `/api/v1{path}` (or `path` as is when it starts with
    /// `http` or `/healthz`-style roots are wanted: pass a full path).
    fn url(&self, path: &str) -> String {
        if path.starts_with("/api/")
            || path.starts_with("/scim/")
            || path.starts_with("/healthz")
            || path.starts_with("/readyz")
            || path.starts_with("/metrics")
        {
            format!("{}{path}", self.origin)
        } else {
            format!("{}/api/v1{path}", self.origin)
        }
    }

    /// Sends `body` (JSON, if any) with `method` to `path` under `/api/v1`.
    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let mut req = self.http.request(method, self.url(path));
        if let Some(b) = body {
            req = req.json(b);
        }
        self.run(req).await
    }

    /// Sends raw bytes with a content type.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Reply {
        let req = self
            .http
            .request(method, self.url(path))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes);
        self.run(req).await
    }

    async fn run(&self, req: reqwest::RequestBuilder) -> Reply {
        let req = match &self.auth {
            Auth::Anonymous => req,
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::Cookie(c) => req.header(reqwest::header::COOKIE, format!("baton_session={c}")),
        };
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()));
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(&body)).await
    }

    /// POST without a body.
    pub async fn post_empty(&self, path: &str) -> Reply {
        self.send(Method::POST, path, None).await
    }

    /// PATCH with a JSON body.
    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(&body)).await
    }

    /// PUT with a JSON body.
    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(&body)).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }
}

impl Server {
    /// GETs `path` (from the root, not under `/api/v1`) with no credentials
    /// and redirects not followed: what a browser's first request gets.
    pub async fn fetch(&self, path: &str) -> reqwest::Response {
        reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(format!("{}{path}", self.origin))
            .send()
            .await
            .unwrap()
    }

    /// POSTs `body` as JSON to an inbound webhook at `path` (no session,
    /// no token: the signature in `header` is the credential); answers the
    /// status, the content type and the JSON body (null when none).
    pub async fn post_signed(
        &self,
        path: &str,
        header: &str,
        body: String,
        signature: Option<String>,
    ) -> (u16, String, Value) {
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut req = http
            .post(format!("{}/api/v1{path}", self.origin))
            .header("content-type", "application/json")
            .body(body);
        if let Some(sig) = signature {
            req = req.header(header, sig);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let kind = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let json: Value = res.json().await.unwrap_or(Value::Null);
        (status, kind, json)
    }

    /// A client with `auth`.
    pub fn client(&self, auth: Auth) -> Client {
        Client {
            http: self.http.clone(),
            origin: self.origin.clone(),
            auth,
        }
    }

    /// An anonymous client.
    pub fn anon(&self) -> Client {
        self.client(Auth::Anonymous)
    }

    /// A client acting as `who` of Acme, with a bearer token.
    pub async fn as_(&self, who: &str) -> Client {
        let org = self.t.org.clone();
        self.as_in(&org, who).await
    }

    /// A client acting as `who` of `org`, with a bearer token.
    pub async fn as_in(&self, org: &OrgId, who: &str) -> Client {
        let token = self.token(org, who).await;
        self.client(Auth::Bearer(token))
    }

    /// A bearer token for `who` of `org` (made once per test).
    pub async fn token(&self, org: &OrgId, who: &str) -> String {
        let key = (org.clone(), who.to_string());
        if let Some(t) = self.tokens.lock().unwrap().get(&key) {
            return t.clone();
        }
        let caller = Caller::new(org.clone(), email(who), Via::Api);
        let (_, secret) = self.t.app.create_token(&caller, "test").await.unwrap();
        self.tokens.lock().unwrap().insert(key, secret.clone());
        secret
    }

    /// A caller of Acme for the app's own use cases (set-up, not the test).
    pub fn caller(&self, who: &str) -> Caller {
        self.t.as_user(who)
    }

    /// Acme's event count.
    pub async fn events(&self) -> u64 {
        self.t.app.store().event_count(&self.t.org).await.unwrap()
    }

    /// Creates account `id` of Acme directly through the app (set-up).
    pub async fn account(&self, id: &str) -> AccountId {
        let id = AccountId::parse(id).unwrap();
        self.t
            .app
            .upsert_account(
                &self.caller("admin@acme.test"),
                AccountInput {
                    id: id.clone(),
                    name: format!("Customer {id}"),
                    arr: Money {
                        minor: 4_800_000,
                        currency: Currency::parse("USD").unwrap(),
                    },
                    segment: Some("mid-market".into()),
                },
            )
            .await
            .unwrap();
        id
    }

    /// A second org, "Globex", in the same database: its admin
    /// [`OTHER_ADMIN`] and `ae1@globex.test` in its ae team.
    pub async fn other_org(&self) -> OrgId {
        let org = self
            .t
            .app
            .init_org(
                NewOrg {
                    name: "Globex".into(),
                    admin_email: email(OTHER_ADMIN),
                    admin_name: "Gil Globex".into(),
                    admin_password: "another horse battery".into(),
                },
                Via::Cli,
            )
            .await
            .unwrap();
        let admin = Caller::new(org.clone(), email(OTHER_ADMIN), Via::Cli);
        self.t
            .app
            .add_user(
                &admin,
                NewUser {
                    email: email("ae1@globex.test"),
                    name: "Globex AE".into(),
                    password: None,
                    teams: vec![(TeamKey::parse("ae").unwrap(), Role::Member)],
                    admin: false,
                },
            )
            .await
            .unwrap();
        org
    }
}
