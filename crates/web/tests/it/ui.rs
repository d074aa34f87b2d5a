//! The browser UI in real headless Chromium against the real server: each
//! test signs in through the login form and works the pages as a person
//! would. Screenshots land in `target/screenshots/`.

mod acceptance;
mod actions;
mod api_docs;
mod autosave;
mod brief;
mod contracts;
mod crm;
mod currency;
mod deals;
mod downloads;
mod find;
mod follow;
mod governance;
mod handoffs;
mod login;
mod notifications;
mod pages;
mod people;
mod queue;
mod scorecard;
mod security;
mod sso;
mod suggestions;
mod tokens;
mod tour;
mod usage;
mod webhooks;

use baton_app::Caller;
use baton_domain::event::Via;
use baton_testkit::{ADMIN_PASSWORD, TestApp, email};

use crate::browser::{self, Browser};
use crate::harness::{self, Server};

/// Everyone's password in UI tests.
pub const PASSWORD: &str = ADMIN_PASSWORD;

/// A fresh seeded SQLite org (see the testkit) to set up before
/// [`open`]; `None` when Chromium is not installed (the test then skips).
pub async fn app() -> Option<TestApp> {
    if !browser::available() {
        return None;
    }
    Some(TestApp::sqlite().await)
}

/// The real server over `t`, where `people` can sign in with [`PASSWORD`],
/// and a 1366×768 headless browser.
pub async fn open(t: TestApp, people: &[&str]) -> (Server, Browser) {
    open_with(t, people, |app, _| app).await
}

/// As [`open`], with the app configured once the server's origin is known.
pub async fn open_with(
    t: TestApp,
    people: &[&str],
    configure: impl FnOnce(baton_app::App, &str) -> baton_app::App,
) -> (Server, Browser) {
    let admin = Caller::new(t.org.clone(), email("admin@acme.test"), Via::Cli);
    for p in people {
        t.app
            .set_password(&admin, &email(p), PASSWORD)
            .await
            .unwrap();
    }
    let server = harness::start_with(t, configure).await;
    let b = Browser::start(&server).await;
    (server, b)
}

/// [`app`] then [`open`], for tests that need no set-up.
pub async fn start(people: &[&str]) -> Option<(Server, Browser)> {
    Some(open(app().await?, people).await)
}

/// Status and HTML (entities undone) of a UI page fetched with a session
/// cookie, redirects not followed: what a page says, without a browser.
pub async fn page(s: &Server, secret: &str, path: &str) -> (u16, String) {
    let res = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", s.origin))
        .header(reqwest::header::COOKIE, format!("baton_session={secret}"))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), unescape(&res.text().await.unwrap()))
}

/// The text of HTML as a reader sees it: entities undone, tags kept.
pub fn unescape(html: &str) -> String {
    html.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The part of `html` from element `id` to the end of its section.
pub fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

/// A session secret for `who` of `t`'s org (password set first), for
/// fetching pages without a browser.
pub async fn session(t: &TestApp, who: &str) -> String {
    let admin = t.as_user("admin@acme.test");
    t.app
        .set_password(&admin, &email(who), PASSWORD)
        .await
        .unwrap();
    t.app.login(who, PASSWORD).await.unwrap().secret
}
