//! The webhooks page: an admin subscribes a receiver (a bad URL is named),
//! sends it a test event, sees its delivery log fill, and redelivers a
//! delivery.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{PASSWORD, app, open};

const ADMIN: &str = "admin@acme.test";

#[tokio::test]
async fn an_admin_subscribes_watches_deliveries_and_redelivers() {
    let Some(t) = app().await else {
        return;
    };
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            async { "ok" }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });
    let (s, b) = open(t, &[]).await;
    b.login(ADMIN, PASSWORD).await;
    b.goto("/webhooks").await;
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());

    b.fill("#hook-url", "ftp://nowhere").await;
    b.fill("#hook-secret", "s3cret-s3cret-s3cret").await;
    b.click("#add-hook button[type=submit]").await;
    // Wait on the answer page (wait_text rides out the page being replaced).
    let first = b.wait_text("#hook-error", |t| !t.is_empty()).await;
    assert!(first.contains("url"), "{first}");

    b.fill("#hook-url", &hook).await;
    b.click("#ev-account").await;
    b.fill("#hook-secret", "s3cret-s3cret-s3cret").await;
    b.click("#add-hook button[type=submit]").await;
    // The answer replaces the first error: wait for it, not the old text.
    let error = b
        .wait_text("#hook-error", |t| !t.is_empty() && t != first)
        .await;
    assert!(
        error.contains("already means every kind"),
        "a kind list mixing * and kinds is refused: {error}"
    );
    b.click("#ev-account").await;
    b.fill("#hook-secret", "s3cret-s3cret-s3cret").await;
    b.click("#add-hook button[type=submit]").await;
    b.wait_text("#done", |t| t.contains("added")).await;
    assert!(b.page_text().await.contains(&hook));

    // A test event goes out at once and the page says what came back; it
    // is not an event, so the log stays empty.
    b.click("section.card form[action$='/test'] button").await;
    let tested = b.wait_text("#tested", |t| !t.is_empty()).await;
    assert!(
        tested.contains("Test event delivered: the receiver answered HTTP 200"),
        "{tested}"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert!(b.page_text().await.contains("No deliveries yet."));
    hits.store(0, Ordering::SeqCst);

    // An event, delivered by a round of the job: the log shows it.
    s.t.account("A-9", "Umbrella").await;
    let round = s.t.app.deliver_webhooks().await.unwrap();
    assert_eq!(round.delivered, 1);
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    b.goto("/webhooks").await;
    let log = b.text("table.deliveries").await;
    assert!(
        log.contains("delivered") && log.contains("HTTP 200"),
        "{log}"
    );

    // Redeliver: pending again, then delivered a second time.
    b.click("table.deliveries button").await;
    b.wait_text("#done", |t| t.contains("redelivered")).await;
    assert!(b.text("table.deliveries").await.contains("pending"));
    s.t.app.deliver_webhooks().await.unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    b.screenshot_full("webhooks").await;
}
