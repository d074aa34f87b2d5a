//! The browser UI in real headless Chromium against the real server: each
//! test signs in through the login form and works the pages as a person
//! would. Screenshots land in `target/screenshots/`.

mod contracts;
mod governance;
mod handoffs;
mod login;
mod scorecard;

use baton_app::Caller;
use baton_domain::event::Via;
use baton_testkit::{ADMIN_PASSWORD, TestApp, email};

use crate::browser::{self, Browser};
use crate::harness::{self, Server};

/// Everyone's password in UI tests.
pub const PASSWORD: &str = ADMIN_PASSWORD;

/// A server over a fresh SQLite org whose `people` can sign in with
/// [`PASSWORD`], and a browser; `None` when Chromium is not installed.
pub async fn start(people: &[&str]) -> Option<(Server, Browser)> {
    if !browser::available() {
        return None;
    }
    let t = TestApp::sqlite().await;
    let admin = Caller::new(t.org.clone(), email("admin@acme.test"), Via::Cli);
    for p in people {
        t.app
            .set_password(&admin, &email(p), PASSWORD)
            .await
            .unwrap();
    }
    let server = harness::start(t).await;
    let b = Browser::start(&server).await;
    Some((server, b))
}
