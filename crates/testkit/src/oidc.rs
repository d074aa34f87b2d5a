//! A real OpenID provider for tests: node's oidc-provider (npm, an
//! OpenID-certified implementation), run by `scripts/oidc/provider.mjs` on
//! 127.0.0.1 with one client and its development login page.
//!
//! It needs `node` and `scripts/oidc/node_modules` (`npm ci` there;
//! `.ci/run` does it), or `BATON_TEST_OIDC_DIR` naming a directory that
//! holds both the script and its modules. Without them the sign-in tests
//! are skipped, unless `BATON_REQUIRE_OIDC` is set (CI sets it): then a
//! missing provider is a failure.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The client Baton is registered as.
pub const CLIENT_ID: &str = "baton-test";
/// Its secret.
pub const CLIENT_SECRET: &str = "baton-test-secret-0123456789";

/// A running provider.
pub struct OidcProvider {
    child: Child,
    /// Its issuer URL.
    pub issuer: String,
}

fn dir() -> Option<PathBuf> {
    let dir = match std::env::var("BATON_TEST_OIDC_DIR") {
        Ok(d) if !d.is_empty() => PathBuf::from(d),
        _ => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scripts/oidc"),
    };
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if node && dir.join("node_modules/oidc-provider").is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("BATON_REQUIRE_OIDC").is_none(),
        "BATON_REQUIRE_OIDC is set but node or {}/node_modules/oidc-provider is missing (npm ci there)",
        dir.display()
    );
    eprintln!("skipping: no OpenID provider (npm ci in scripts/oidc)");
    None
}

impl OidcProvider {
    /// Starts one whose client may redirect to `redirect_uri`, or `None`
    /// when none is available and none is required.
    pub fn start(redirect_uri: &str) -> Option<Self> {
        let dir = dir()?;
        let started = (0..5).find_map(|_| {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .map(|a| a.port())
                .expect("a free port");
            let mut child = Command::new("node")
                .current_dir(&dir)
                .args(["provider.mjs", &port.to_string(), CLIENT_ID, CLIENT_SECRET])
                .arg(redirect_uri)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("start the OpenID provider");
            let ready = crate::ready(&mut child);
            if ready {
                return Some(Self {
                    child,
                    issuer: format!("http://127.0.0.1:{port}"),
                });
            }
            let _ = child.kill();
            let _ = child.wait();
            None
        });
        Some(started.expect("the OpenID provider did not start"))
    }

    /// Baton's configuration for this provider.
    pub fn config(&self) -> baton_app::sso::OidcConfig {
        baton_app::sso::OidcConfig {
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
        }
    }
}

impl OidcProvider {
    /// Walks a browser's way through the provider from `auth_url` (its
    /// login form as `login`, any password, then its consent form) and
    /// returns the URL it sends the browser back to (the redirect URI with
    /// the code and state).
    pub async fn sign_in(&self, auth_url: &str, login: &str) -> String {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("a client");
        let mut res = http
            .get(auth_url)
            .send()
            .await
            .expect("the provider answers");
        let mut back = None;
        for _ in 0..12 {
            if let Some(to) = res.headers().get("location") {
                let to = to.to_str().expect("a location").to_string();
                let to = if to.starts_with('/') {
                    format!("{}{to}", self.issuer)
                } else {
                    to
                };
                if !to.starts_with(&self.issuer) {
                    back = Some(to);
                    break;
                }
                res = http.get(&to).send().await.expect("the provider answers");
                continue;
            }
            let page = res.text().await.expect("a page");
            let action = page
                .split("action=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .expect("a form on the provider's page")
                .to_string();
            let form: Vec<(&str, &str)> = if page.contains("value=\"consent\"") {
                vec![("prompt", "consent")]
            } else {
                vec![("prompt", "login"), ("login", login), ("password", "any")]
            };
            let body = form
                .iter()
                .map(|(k, v)| format!("{k}={}", v.replace('@', "%40")))
                .collect::<Vec<_>>()
                .join("&");
            res = http
                .post(&action)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .expect("the provider answers");
        }
        back.expect("the provider never sent the browser back")
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
