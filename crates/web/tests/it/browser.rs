//! A small W3C WebDriver client over Debian's `chromedriver`, driving real
//! headless Chromium against the real server: enough to sign in, fill forms,
//! click, read text and take screenshots. Each [`Browser`] has its own
//! chromedriver, Chromium and profile directory, so tests run in parallel.
//!
//! When Chromium is not installed the browser tests are skipped with a
//! message, unless `BATON_REQUIRE_BROWSER=1` (CI) makes that a failure.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

use crate::harness::Server;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The key WebDriver names an element reference with.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long a wait for the page may take before the test fails. Generous:
/// it bounds a failure, it does not time anything.
const PATIENCE: Duration = Duration::from_secs(20);

/// A headless Chromium session.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    base: String,
    origin: String,
    _profile: tempdir::TempDir,
}

mod tempdir {
    //! A directory removed on drop.
    use std::path::{Path, PathBuf};

    /// The directory.
    pub struct TempDir(PathBuf);

    impl TempDir {
        /// A fresh, unique directory under the system temp dir.
        pub fn new(prefix: &str) -> Self {
            let p = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::now_v7()));
            std::fs::create_dir_all(&p).unwrap();
            Self(p)
        }

        /// Its path.
        pub fn path(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// An element on the page.
#[derive(Debug, Clone)]
pub struct El(String);

/// Whether browser tests can run here; panics when CI requires them.
pub fn available() -> bool {
    let present =
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists();
    if !present {
        assert!(
            std::env::var("BATON_REQUIRE_BROWSER").is_err(),
            "BATON_REQUIRE_BROWSER is set but {CHROMIUM} or {CHROMEDRIVER} is missing \
             (apt-get install chromium chromium-driver)"
        );
        eprintln!("skipping a browser test: {CHROMIUM} or {CHROMEDRIVER} is not installed");
    }
    present
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// axe-core's script, as `npm ci` in `scripts/axe` installs it.
pub fn axe_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts/axe/node_modules/axe-core/axe.min.js")
}

/// Where screenshots go: `target/screenshots/` of the workspace.
pub fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Browser {
    /// Starts chromedriver and a 1366×768 headless Chromium for `server`.
    pub async fn start(server: &Server) -> Self {
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so dropping the browser ends Chromium too.
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + PATIENCE;
        loop {
            let ready = match http.get(format!("{base}/status")).send().await {
                Ok(r) => r
                    .json::<Value>()
                    .await
                    .is_ok_and(|v| v["value"]["ready"] == json!(true)),
                Err(_) => false,
            };
            if ready {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = tempdir::TempDir::new("baton-chromium");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    "--window-size=1366,768", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            },
        }}});
        let res: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {res}"))
            .to_string();
        let b = Self {
            driver,
            http,
            base: format!("{base}/session/{id}"),
            origin: server.origin.clone(),
            _profile: profile,
        };
        b.cmd(
            "POST",
            "/timeouts",
            json!({"implicit": 5000, "pageLoad": 30000}),
        )
        .await;
        b.viewport(1366, 768).await;
        b
    }

    /// Sizes the window so the page itself gets `width`×`height`.
    pub async fn viewport(&self, width: u64, height: u64) {
        let chrome = self
            .cmd(
                "POST",
                "/execute/sync",
                json!({"script": "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]", "args": []}),
            )
            .await;
        let dw = chrome[0].as_u64().unwrap_or(0);
        let dh = chrome[1].as_u64().unwrap_or(0);
        self.cmd(
            "POST",
            "/window/rect",
            json!({"width": width + dw, "height": height + dh}),
        )
        .await;
    }

    async fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        self.try_cmd(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
    }

    /// A command whose WebDriver error is an answer, not a failure (e.g. an
    /// element htmx just replaced).
    async fn try_cmd(&self, method: &str, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self.http.post(url).json(&body),
        };
        let res: Value = req.send().await.unwrap().json().await.unwrap();
        if let Some(err) = res["value"]["error"].as_str() {
            return Err(format!("{err}: {}", res["value"]["message"]));
        }
        Ok(res["value"].clone())
    }

    /// Answers the confirmation the page opened (`data-confirm`) "OK",
    /// waiting for it to appear; returns its question.
    pub async fn confirm(&self) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(text) = self.try_cmd("GET", "/alert/text", Value::Null).await {
                self.cmd("POST", "/alert/accept", json!({})).await;
                return text.as_str().unwrap_or_default().to_string();
            }
            assert!(Instant::now() < deadline, "no confirmation appeared");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether leaving the page now would ask "leave this page?": the page's
    /// `beforeunload` handlers cancel the event. (WebDriver accepts that
    /// question by itself, so a test asks the page rather than the dialog.)
    pub async fn would_ask_before_leaving(&self) -> bool {
        self.execute(
            "const e = new Event('beforeunload', {cancelable: true}); \
             window.dispatchEvent(e); return e.defaultPrevented",
        )
        .await
        .as_bool()
        .unwrap_or(false)
    }

    /// Opens `path` of the server.
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.origin);
        self.cmd("POST", "/url", json!({ "url": url })).await;
    }

    /// Forgets every cookie `url`'s site set in this browser (e.g. another
    /// service's session), leaving the browser on that site.
    pub async fn forget_cookies_of(&self, url: &str) {
        self.cmd("POST", "/url", json!({ "url": url })).await;
        self.cmd("DELETE", "/cookie", Value::Null).await;
    }

    /// The current path (and query).
    pub async fn path(&self) -> String {
        let url = self.cmd("GET", "/url", Value::Null).await;
        url.as_str()
            .unwrap_or_default()
            .trim_start_matches(&self.origin)
            .to_string()
    }

    /// The first element matching `css` (waiting up to the implicit wait).
    pub async fn find(&self, css: &str) -> El {
        let v = self
            .cmd(
                "POST",
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        El(v[ELEMENT].as_str().unwrap().to_string())
    }

    /// Every element matching `css` now.
    pub async fn find_all(&self, css: &str) -> Vec<El> {
        let v = self
            .cmd(
                "POST",
                "/elements",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| El(e[ELEMENT].as_str().unwrap().to_string()))
            .collect()
    }

    /// How many elements match `css` now (without the implicit wait, so
    /// proving an absence is instant).
    pub async fn count(&self, css: &str) -> usize {
        let script = format!(
            "return document.querySelectorAll({}).length",
            serde_json::to_string(css).unwrap()
        );
        let n = self.execute(&script).await;
        usize::try_from(n.as_u64().unwrap()).unwrap()
    }

    /// Runs a command on the element `css` names now: `path` follows
    /// `/element/{id}`. An element htmx replaced between finding and using
    /// it ("stale element reference") is found again by its selector and the
    /// command retried, until [`PATIENCE`] runs out; so no test holds an
    /// element across a swap.
    async fn on(&self, css: &str, method: &str, path: &str, body: Value) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let el = self.find(css).await;
            match self
                .try_cmd(method, &format!("/element/{}{path}", el.0), body.clone())
                .await
            {
                Ok(v) => return v,
                Err(e) if replaced(&e) => {
                    assert!(Instant::now() < deadline, "{css} kept being replaced: {e}");
                }
                Err(e) => panic!("WebDriver {method} {css}{path}: {e}"),
            }
        }
    }

    /// Clicks `css`.
    pub async fn click(&self, css: &str) {
        self.on(css, "POST", "/click", json!({})).await;
    }

    /// Types `text` into `css` after clearing it (both on the element as
    /// found then, found again if htmx replaced it in between).
    pub async fn fill(&self, css: &str, text: &str) {
        self.on(css, "POST", "/clear", json!({})).await;
        self.on(css, "POST", "/value", json!({ "text": text }))
            .await;
    }

    /// Types `text` at the end of what `css` holds (keystroke by keystroke),
    /// found again if htmx replaced it.
    pub async fn type_more(&self, css: &str, text: &str) {
        self.on(css, "POST", "/value", json!({ "text": text }))
            .await;
    }

    /// Types `text` into an element (keystroke by keystroke, as a person).
    pub async fn type_into(&self, el: &El, text: &str) {
        self.cmd(
            "POST",
            &format!("/element/{}/value", el.0),
            json!({ "text": text }),
        )
        .await;
    }

    /// The visible text of `css`.
    pub async fn text(&self, css: &str) -> String {
        self.on(css, "GET", "/text", Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The visible text of an element.
    pub async fn text_of(&self, el: &El) -> String {
        self.cmd("GET", &format!("/element/{}/text", el.0), Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// A DOM property of `css` (e.g. `value`, `disabled`).
    pub async fn property(&self, css: &str, name: &str) -> Value {
        self.on(css, "GET", &format!("/property/{name}"), Value::Null)
            .await
    }

    /// An attribute of `css`.
    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        self.on(css, "GET", &format!("/attribute/{name}"), Value::Null)
            .await
            .as_str()
            .map(str::to_string)
    }

    /// The whole page's text.
    pub async fn page_text(&self) -> String {
        self.text("body").await
    }

    /// Waits until the text of `css` satisfies `ok`; returns it.
    pub async fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let found = self.find_all(css).await;
            if let Some(el) = found.first() {
                let path = format!("/element/{}/text", el.0);
                let Ok(t) = self.try_cmd("GET", &path, Value::Null).await else {
                    // Replaced between finding and reading: look again.
                    continue;
                };
                let t = t.as_str().unwrap_or_default().to_string();
                if ok(&t) {
                    return t;
                }
                assert!(
                    Instant::now() < deadline,
                    "text of {css} never became what the test waits for; last: {t:?}"
                );
            } else {
                assert!(Instant::now() < deadline, "{css} never appeared");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The element that has the keyboard focus.
    pub async fn active(&self) -> El {
        let v = self.cmd("GET", "/element/active", Value::Null).await;
        El(v[ELEMENT].as_str().unwrap().to_string())
    }

    /// Form controls on the page with no label a screen reader could read
    /// (no `<label>`, `aria-label` or `aria-labelledby`), by name or id.
    pub async fn unlabeled_controls(&self) -> Vec<String> {
        let v = self
            .execute(
                "return Array.from(document.querySelectorAll('input,select,textarea'))\
                 .filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length)\
                   && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))\
                 .map(e => e.name || e.id || e.outerHTML)",
            )
            .await;
        serde_json::from_value(v).unwrap()
    }

    /// Runs `script` in the page (as a person's devtools would) and returns
    /// its value.
    pub async fn execute(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": []}),
        )
        .await
    }

    /// The serious and critical accessibility violations axe-core (the npm
    /// package under `scripts/axe`, pinned) finds on the page against WCAG
    /// 2.x A and AA, one line each: rule, impact, how many elements, the
    /// first element and what axe says about it. axe is injected through
    /// WebDriver, so the page's CSP stays as it is.
    pub async fn axe(&self) -> Vec<String> {
        let source = match std::fs::read_to_string(axe_path()) {
            Ok(s) => s,
            Err(e) => {
                // Like Chromium itself: optional on a developer's machine,
                // required where CI says so.
                assert!(
                    std::env::var("BATON_REQUIRE_BROWSER").is_err(),
                    "{}: {e} (run `npm ci` in scripts/axe)",
                    axe_path().display()
                );
                eprintln!("skipping axe-core: {e} (run `npm ci` in scripts/axe)");
                return Vec::new();
            }
        };
        self.cmd(
            "POST",
            "/execute/sync",
            json!({"script": format!("{source}\nreturn typeof axe;"), "args": []}),
        )
        .await;
        let found = self
            .cmd(
                "POST",
                "/execute/async",
                json!({"script": "const done = arguments[arguments.length - 1]; \
                    axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']}) \
                      .then(r => done(r.violations \
                        .filter(v => v.impact === 'serious' || v.impact === 'critical') \
                        .map(v => v.id + ' (' + v.impact + ', ' + v.nodes.length + ' nodes): ' \
                          + v.nodes[0].target.join(' ') + ': ' + v.nodes[0].failureSummary.replace(/\\s+/g, ' ')))) \
                      .catch(e => done(['axe failed: ' + e]));", "args": []}),
            )
            .await;
        serde_json::from_value(found).unwrap()
    }

    /// Signs out through the header's button.
    pub async fn logout(&self) {
        self.click("header .who button").await;
        self.wait_text("main h1", |t| t == "Baton").await;
    }

    /// Signs in through the login form as `email`.
    pub async fn login(&self, email: &str, password: &str) {
        self.goto("/login").await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("#login button[type=submit]").await;
        self.wait_text("header .who", |t| !t.is_empty()).await;
    }

    /// Saves a PNG of the viewport as `target/screenshots/{name}.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let b64 = self.cmd("GET", "/screenshot", Value::Null).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Saves a PNG of the whole page (the window grown to the page's
    /// height for the shot, then restored).
    pub async fn screenshot_full(&self, name: &str) -> PathBuf {
        let h = self
            .cmd(
                "POST",
                "/execute/sync",
                json!({"script": "return document.documentElement.scrollHeight", "args": []}),
            )
            .await
            .as_u64()
            .unwrap_or(768)
            .clamp(768, 4000);
        self.viewport(1366, h).await;
        let path = self.screenshot(name).await;
        self.viewport(1366, 768).await;
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Whether a WebDriver error says the element was replaced since it was
/// found: "stale element reference" by the standard, or, from ChromeDriver
/// when the swap lands mid-command, an inspector error about a node that no
/// longer belongs to the document.
fn replaced(error: &str) -> bool {
    error.starts_with("stale element reference")
        || error.contains("does not belong to the document")
}
