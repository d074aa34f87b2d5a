//! The CRM connections page in a browser: an admin connects HubSpot (a
//! simulator on 127.0.0.1), the sync brings a Closed Won deal in, and the
//! page shows the connection's status, its counts and log. The screenshot
//! is `docs/screenshots/crm-connections.png`.

use base64::Engine as _;
use baton_app::secrets::SecretKey;
use baton_testkit::crm_sim::hubspot::{HubspotSim, SimConfig};

use super::{PASSWORD, app, open};

const ADMIN: &str = "admin@acme.test";
const TOKEN: &str = "pat-na1-ui-test-token";

#[tokio::test]
async fn an_admin_connects_hubspot_and_sees_the_sync() {
    let Some(mut t) = app().await else {
        return;
    };
    let key = base64::engine::general_purpose::STANDARD.encode([3u8; 32]);
    t.app = t
        .app
        .clone()
        .with_secret_key(Some(SecretKey::from_base64(&key).unwrap()));
    let sim = HubspotSim::start(SimConfig {
        private_app_token: Some(TOKEN.into()),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    sim.add_company(501, "Initech");
    sim.add_owner(71, "ae1@acme.test");
    sim.upsert_deal(
        31,
        &[
            ("dealname", "Initech platform"),
            ("dealstage", "closedwon"),
            ("hubspot_owner_id", "71"),
            ("amount", "48000"),
        ],
    );
    sim.associate(31, 501);

    let (s, b) = open(t, &[ADMIN]).await;
    b.login(ADMIN, PASSWORD).await;
    b.goto("/crm").await;
    assert!(b.text("#no-connections").await.contains("No CRM"));
    assert_eq!(b.unlabeled_controls().await, Vec::<String>::new());
    b.execute("document.querySelector('#vendor').value = 'hubspot';")
        .await;
    b.fill("#name", "HubSpot production").await;
    let settings = serde_json::json!({
        "base_url": sim.base_url(),
        "auth": {"flow": "private_app", "token": TOKEN},
    });
    b.fill("#settings", &settings.to_string()).await;
    b.click("#connect button[type=submit]").await;
    b.wait_text("#done", |t| t.contains("Connected")).await;
    let page = b.text("main").await;
    assert!(!page.contains(TOKEN), "the token is never shown again");

    // One round of background work, as `baton serve` runs it.
    let (_, error) = s.t.app.run_pending_jobs().await;
    assert!(error.is_none(), "{error:?}");
    b.goto("/crm").await;
    let synced = b.text(".deals-synced").await;
    assert_eq!(synced, "1");
    assert_eq!(b.text(".writes-pending").await, "0");
    let log = b.text(".log").await;
    assert!(log.contains("31"), "{log}");
    assert_eq!(
        sim.deal(31).unwrap()["baton_gate"],
        serde_json::json!("false"),
        "the gate is on the deal"
    );
    b.screenshot_full("crm-connections").await;
}
