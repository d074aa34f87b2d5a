//! The page helpers of the browser tests, in one place: real headless
//! Chromium, driven over WebDriver by the `thirtyfour` client through
//! Debian's `chromedriver`, against the real server. Enough to sign in, fill
//! forms, click, read text, run axe and take screenshots. Each [`Browser`]
//! has its own chromedriver, Chromium and profile directory, so tests run in
//! parallel.
//!
//! When Chromium is not installed the browser tests are skipped with a
//! message, unless `BATON_REQUIRE_BROWSER=1` (CI) makes that a failure.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use thirtyfour::common::command::Command as WebDriverCommand;
use thirtyfour::error::WebDriverErrorInner;
use thirtyfour::extensions::query::ElementPollerWithTimeout;
use thirtyfour::prelude::*;

use crate::harness::Server;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// How long a wait for the page may take before the test fails. Generous:
/// it bounds a failure, it does not time anything.
const PATIENCE: Duration = Duration::from_secs(20);
/// How often a wait looks again.
const POLL: Duration = Duration::from_millis(50);
/// How long [`Browser::find_all`] gives the first match to appear: the
/// implicit wait the tests were written against, short because a test that
/// proves an absence this way pays all of it.
const SOON: Duration = Duration::from_secs(5);

/// A headless Chromium session.
pub struct Browser {
    driver: Child,
    web: WebDriver,
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

/// The one measure of patience, its clock started now: thirtyfour's queries
/// wait with it, and so does every helper below that waits for a condition.
fn patience() -> ElementPollerWithTimeout {
    ElementPollerWithTimeout::new(PATIENCE, POLL)
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
        // chromedriver answers once it listens; thirtyfour does not wait for
        // a driver it did not start (its `manager` feature, which would,
        // downloads drivers, so it stays off).
        let mut waiting = patience();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(waiting.tick().await, "chromedriver did not start");
        }
        let profile = tempdir::TempDir::new("baton-chromium");
        let mut caps = DesiredCapabilities::chrome();
        caps.set_binary(CHROMIUM).unwrap();
        // Root (as in CI) needs `--no-sandbox`; a fresh profile per browser
        // keeps tests apart.
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
            "--window-size=1366,768",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.path().display()),
        ] {
            caps.add_arg(arg).unwrap();
        }
        // Loopback only: never through a proxy from the environment.
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let web = WebDriver::builder(format!("http://127.0.0.1:{port}"), caps)
            .client(http)
            .poller(Arc::new(patience()))
            .await
            .unwrap_or_else(|e| panic!("no WebDriver session: {e}"));
        // No implicit wait: every wait is an explicit query or poll, so
        // counting what is not there is instant.
        web.update_timeouts(TimeoutConfiguration::new(
            None,
            Some(Duration::from_secs(30)),
            Some(Duration::ZERO),
        ))
        .await
        .unwrap();
        let b = Self {
            driver,
            web,
            origin: server.origin.clone(),
            _profile: profile,
        };
        b.viewport(1366, 768).await;
        b
    }

    /// Sizes the window so the page itself gets `width`×`height`.
    pub async fn viewport(&self, width: u32, height: u32) {
        let chrome = self
            .execute(
                "return [window.outerWidth - window.innerWidth, \
                 window.outerHeight - window.innerHeight]",
            )
            .await;
        let extra = |i: usize| u32::try_from(chrome[i].as_u64().unwrap_or(0)).unwrap();
        self.web
            .set_window_rect(0, 0, width + extra(0), height + extra(1))
            .await
            .unwrap_or_else(|e| panic!("window {width}×{height}: {e}"));
    }

    /// Answers the confirmation the page opened (`data-confirm`) "OK",
    /// waiting for it to appear; returns its question.
    pub async fn confirm(&self) -> String {
        let mut waiting = patience();
        loop {
            match self.web.get_alert_text().await {
                Ok(text) => {
                    self.web.accept_alert().await.unwrap();
                    return text;
                }
                Err(e) if matches!(*e, WebDriverErrorInner::NoSuchAlert(_)) => {}
                Err(e) => panic!("reading the confirmation: {e}"),
            }
            assert!(waiting.tick().await, "no confirmation appeared");
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
        self.web
            .goto(url.as_str())
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// Forgets every cookie `url`'s site set in this browser (e.g. another
    /// service's session), leaving the browser on that site.
    pub async fn forget_cookies_of(&self, url: &str) {
        self.web
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
        self.web.delete_all_cookies().await.unwrap();
    }

    /// The current path (and query).
    pub async fn path(&self) -> String {
        let url = self.web.current_url().await.unwrap();
        url.as_str().trim_start_matches(&self.origin).to_string()
    }

    /// The first element matching `css`, waiting for one to appear.
    pub async fn find(&self, css: &str) -> WebElement {
        self.web
            .query(By::Css(css))
            .first()
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// Every element matching `css`, once the first has appeared (waiting
    /// up to [`SOON`]); none if none did.
    pub async fn find_all(&self, css: &str) -> Vec<WebElement> {
        self.web
            .query(By::Css(css))
            .wait(SOON, POLL)
            .all_from_selector()
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
    }

    /// How many elements match `css` now (without waiting, so proving an
    /// absence is instant).
    pub async fn count(&self, css: &str) -> usize {
        self.web
            .find_all(By::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .len()
    }

    /// Runs `op` on the element `css` names now. An element htmx replaced
    /// between finding and using it is found again by its selector and `op`
    /// retried, until [`PATIENCE`] runs out; so no test holds an element
    /// across a swap.
    async fn on<T, F, Fut>(&self, css: &str, op: F) -> T
    where
        F: Fn(WebElement) -> Fut,
        Fut: Future<Output = WebDriverResult<T>>,
    {
        let mut waiting = patience();
        loop {
            match op(self.find(css).await).await {
                Ok(v) => return v,
                Err(e) if replaced(&e) => {
                    assert!(waiting.tick().await, "{css} kept being replaced: {e}");
                }
                Err(e) => panic!("{css}: {e}"),
            }
        }
    }

    /// Clicks `css`.
    pub async fn click(&self, css: &str) {
        self.on(css, |el| async move { el.click().await }).await;
    }

    /// Types `text` into `css` after clearing it (both on the element as
    /// found then, found again if htmx replaced it in between).
    pub async fn fill(&self, css: &str, text: &str) {
        self.on(css, |el| async move { el.clear().await }).await;
        self.type_more(css, text).await;
    }

    /// Types `text` at the end of what `css` holds (keystroke by keystroke),
    /// found again if htmx replaced it.
    pub async fn type_more(&self, css: &str, text: &str) {
        self.on(css, |el| async move { el.send_keys(text).await })
            .await;
    }

    /// Types `text` into an element (keystroke by keystroke, as a person).
    pub async fn type_into(&self, el: &WebElement, text: &str) {
        el.send_keys(text).await.unwrap();
    }

    /// The visible text of `css`.
    pub async fn text(&self, css: &str) -> String {
        self.on(css, |el| async move { el.text().await }).await
    }

    /// The visible text of an element.
    pub async fn text_of(&self, el: &WebElement) -> String {
        el.text().await.unwrap()
    }

    /// A DOM property of `css` (e.g. `value`, `disabled`), as JSON: a
    /// boolean stays a boolean.
    pub async fn property(&self, css: &str, name: &str) -> Value {
        self.on(css, |el| async move {
            let command = WebDriverCommand::GetElementProperty(el.element_id(), name.into());
            el.handle().cmd(command).await?.value_json()
        })
        .await
    }

    /// An attribute of `css`.
    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        self.on(css, |el| async move { el.attr(name).await }).await
    }

    /// The whole page's text.
    pub async fn page_text(&self) -> String {
        self.text("body").await
    }

    /// Waits until the text of `css` satisfies `ok`; returns it.
    pub async fn wait_text(&self, css: &str, ok: impl Fn(&str) -> bool) -> String {
        let mut waiting = patience();
        let mut last = None;
        loop {
            let found = self.web.find_all(By::Css(css)).await.unwrap();
            if let Some(el) = found.first() {
                match el.text().await {
                    Ok(t) if ok(&t) => return t,
                    Ok(t) => last = Some(t),
                    // Replaced between finding and reading: look again.
                    Err(e) if replaced(&e) => {}
                    Err(e) => panic!("{css}: {e}"),
                }
            }
            if !waiting.tick().await {
                match last {
                    Some(t) => {
                        panic!("text of {css} never became what the test waits for; last: {t:?}")
                    }
                    None => panic!("{css} never appeared"),
                }
            }
        }
    }

    /// The element that has the keyboard focus.
    pub async fn active(&self) -> WebElement {
        self.web.active_element().await.unwrap()
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
        self.web
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script {script}: {e}"))
            .json()
            .clone()
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
        self.execute(&format!("{source}\nreturn typeof axe;")).await;
        let found = self
            .web
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']}) \
                   .then(r => done(r.violations \
                     .filter(v => v.impact === 'serious' || v.impact === 'critical') \
                     .map(v => v.id + ' (' + v.impact + ', ' + v.nodes.length + ' nodes): ' \
                       + v.nodes[0].target.join(' ') + ': ' + v.nodes[0].failureSummary.replace(/\\s+/g, ' ')))) \
                   .catch(e => done(['axe failed: ' + e]));",
                Vec::new(),
            )
            .await
            .unwrap_or_else(|e| panic!("axe: {e}"));
        found.convert().unwrap()
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
        let png = self.web.screenshot_as_png().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        let path = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// Saves a PNG of the whole page (the window grown to the page's
    /// height for the shot, then restored).
    pub async fn screenshot_full(&self, name: &str) -> PathBuf {
        let h = self
            .execute("return document.documentElement.scrollHeight")
            .await
            .as_u64()
            .unwrap_or(768)
            .clamp(768, 4000);
        self.viewport(1366, u32::try_from(h).unwrap()).await;
        let path = self.screenshot(name).await;
        self.viewport(1366, 768).await;
        path
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Killing chromedriver's process group ends Chromium and the session
        // with it, at once.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        // So thirtyfour must not end the session itself when `web` drops:
        // from a `Drop` it blocks on a request over this test's connection
        // pool, whose single-threaded runtime is the one blocked, and the
        // test hangs for ever. `leak` marks the session ended (the handle is
        // shared, so the clone marks `web` too).
        let _ = self.web.clone().leak();
    }
}

/// Whether a WebDriver error says the element was replaced since it was
/// found: "stale element reference" by the standard, or, from ChromeDriver
/// when the swap lands mid-command, an inspector error about a node that no
/// longer belongs to the document.
fn replaced(error: &WebDriverError) -> bool {
    matches!(&**error, WebDriverErrorInner::StaleElementReference(_))
        || error
            .to_string()
            .contains("does not belong to the document")
}
