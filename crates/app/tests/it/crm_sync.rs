//! CRM connections and the sync job against the Salesforce and HubSpot
//! simulators, on both backends: secrets at rest, connect/test/disconnect,
//! bad input from the CRM, the story from Closed Won to the gate written
//! back, and faults mid-sync.

use baton_testkit::complete_values;
use std::collections::BTreeMap;

use baton_app::App;
use baton_app::connections::{ConnectionStatus, NewConnection, SECRET_SET, Vendor};
use baton_app::handoffs::Rejection;
use baton_app::secrets::SecretKey;
use baton_domain::{HandoffId, State};
use baton_testkit::crm_sim::hubspot::{self as hs, HubspotSim};
use baton_testkit::crm_sim::salesforce::{
    self as sf, Opportunity, SalesforceSim, TEST_PRIVATE_KEY_PEM,
};
use baton_testkit::{TestApp, on_both_backends};
use serde_json::{Value, json};

on_both_backends!(
    connecting_without_a_key_is_refused_naming_baton_secret_key,
    a_failing_check_stores_nothing_and_says_why,
    no_secret_is_shown_and_disconnect_forgets_them,
    a_wrong_key_is_a_clear_error_not_a_crash,
    bad_input_is_logged_per_deal_and_nothing_is_half_written,
    salesforce_story_from_closed_won_to_the_gate_on_the_deal,
    hubspot_story_from_closed_won_to_the_gate_on_the_deal,
    faults_mid_pull_lose_nothing_and_create_nothing_twice,
    a_deleted_deal_is_logged_and_written_no_more,
    a_signed_hubspot_webhook_makes_the_pull_due_at_once,
    an_acceptance_makes_the_write_back_due_at_once,
    two_processes_never_sync_one_connection_at_once,
);

const ACCOUNT: &str = "001000000000001AAA";
const AE_USER: &str = "005000000000002AAA";
const STRANGER: &str = "005000000000003AAA";
const HS_TOKEN: &str = "pat-na1-secret-token-0001";

fn key(byte: u8) -> SecretKey {
    use base64::Engine as _;
    SecretKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([byte; 32])).unwrap()
}

fn app(t: &TestApp) -> App {
    t.app
        .clone()
        .with_secret_key(Some(key(7)))
        .with_public_url("https://baton.example")
}

fn admin(t: &TestApp) -> baton_app::Caller {
    t.as_user("admin@acme.test")
}

async fn sf_sim() -> SalesforceSim {
    let sim = SalesforceSim::start(sf::SimConfig {
        page_size: 2,
        ..sf::SimConfig::default()
    })
    .await
    .unwrap();
    sim.add_account(ACCOUNT, "Acme Corp");
    sim.add_user(AE_USER, "ae1@acme.test");
    sim.add_user(STRANGER, "nobody@elsewhere.test");
    sim.define_field("Economic_Buyer__c", "string", 255);
    sim
}

fn sf_settings(sim: &SalesforceSim) -> Value {
    let c = sim.config();
    json!({
        "login_url": sim.login_url(),
        "api_version": "v62.0",
        "auth": {
            "flow": "jwt_bearer",
            "client_id": c.client_id,
            "username": c.username,
            "private_key_pem": TEST_PRIVATE_KEY_PEM,
        },
    })
}

fn sf_new(sim: &SalesforceSim) -> NewConnection {
    NewConnection {
        vendor: Vendor::Salesforce,
        name: "Salesforce".into(),
        settings: sf_settings(sim),
        field_map: BTreeMap::from([("Economic_Buyer__c".into(), "economic_buyer".into())]),
        object: None,
    }
}

async fn hs_sim() -> HubspotSim {
    let sim = HubspotSim::start(hs::SimConfig {
        private_app_token: Some(HS_TOKEN.into()),
        page_size: 2,
        ..hs::SimConfig::default()
    })
    .await
    .unwrap();
    sim.add_company(501, "Acme Corp");
    sim.add_owner(71, "ae1@acme.test");
    sim
}

fn hs_new(sim: &HubspotSim, token: &str) -> NewConnection {
    NewConnection {
        vendor: Vendor::Hubspot,
        name: "HubSpot".into(),
        settings: json!({
            "base_url": sim.base_url(),
            "auth": {"flow": "private_app", "token": token},
            "webhook_secret": "hs-webhook-secret",
        }),
        field_map: BTreeMap::from([("economic_buyer".into(), "economic_buyer".into())]),
        object: None,
    }
}

/// HubSpot deal `id` of Acme Corp, owned by the AE, reaching Closed Won.
fn closed_won(sim: &HubspotSim, id: u64) {
    sim.upsert_deal(
        id,
        &[
            ("dealname", &format!("Acme {id}")),
            ("dealstage", "closedwon"),
            ("hubspot_owner_id", "71"),
        ],
    );
    sim.associate(id, 501);
}

fn opp(id: &str, stage: &str) -> Opportunity {
    Opportunity::new(id, &format!("Deal {id}"), stage)
        .account(ACCOUNT)
        .owner(AE_USER)
        .amount(48_000.0)
        .field(
            "Economic_Buyer__c",
            json!("Dana Ortiz, CFO; signs up to 250k alone"),
        )
}

/// Runs rounds of background work as `baton serve` would, a little later
/// each time, until nothing is due right away.
async fn run_jobs(t: &TestApp, app: &App) {
    t.clock.advance(jiff::SignedDuration::from_mins(2));
    for _ in 0..50 {
        let (run, _error) = app.run_pending_jobs().await;
        if !run.busy() {
            return;
        }
    }
    panic!("the jobs never settled");
}

fn handoff_id(deal: &str) -> HandoffId {
    HandoffId::parse(format!("crm-deal-{deal}-closedwon")).unwrap()
}

async fn log(t: &TestApp, app: &App, id: &str) -> Vec<String> {
    app.connection_log_entries(&admin(t), id, None, 500)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e.level,
                e.deal.unwrap_or_else(|| "-".into()),
                e.message
            )
        })
        .collect()
}

async fn connecting_without_a_key_is_refused_naming_baton_secret_key(t: TestApp) {
    let sim = sf_sim().await;
    let err = t
        .app
        .connect_crm(&admin(&t), sf_new(&sim))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("BATON_SECRET_KEY"), "{err}");
    assert!(app(&t).connections(&admin(&t)).await.unwrap().is_empty());
}

async fn a_failing_check_stores_nothing_and_says_why(t: TestApp) {
    let app = app(&t);
    let sim = hs_sim().await;
    let err = app
        .connect_crm(&admin(&t), hs_new(&sim, "pat-na1-wrong"))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("settings") && text.contains("check failed"),
        "{text}"
    );
    assert!(!text.contains("pat-na1-wrong"), "{text}");
    // A CRM that cannot be reached at all.
    let mut new = sf_new(&sf_sim().await);
    new.settings["login_url"] = json!("http://127.0.0.1:1");
    assert!(app.connect_crm(&admin(&t), new).await.is_err());
    assert!(app.connections(&admin(&t)).await.unwrap().is_empty());
    // Members may not connect, nor read connections.
    let member = t.as_user("ae1@acme.test");
    assert!(
        app.connect_crm(&member, hs_new(&sim, HS_TOKEN))
            .await
            .is_err()
    );
    assert!(app.connections(&member).await.is_err());
}

async fn no_secret_is_shown_and_disconnect_forgets_them(t: TestApp) {
    let app = app(&t);
    let sim = hs_sim().await;
    let c = app
        .connect_crm(&admin(&t), hs_new(&sim, HS_TOKEN))
        .await
        .unwrap();
    assert_eq!(c.status, ConnectionStatus::Active);
    assert_eq!(c.checked_as.as_deref(), Some("portal 123456"));
    assert_eq!(c.settings["auth"]["token"], json!(SECRET_SET));
    assert_eq!(c.settings["webhook_secret"], json!(SECRET_SET));
    for shown in [
        format!("{c:?}"),
        format!("{:?}", app.connections(&admin(&t)).await.unwrap()),
        format!("{:?}", app.crm_options()),
        format!(
            "{:?}",
            t.app.store().connection(&t.org, &c.id).await.unwrap()
        ),
        log(&t, &app, &c.id).await.join("\n"),
    ] {
        assert!(!shown.contains(HS_TOKEN), "{shown}");
        assert!(!shown.contains("hs-webhook-secret"), "{shown}");
    }
    let stored = t
        .app
        .store()
        .connection(&t.org, &c.id)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.sealed.is_some());
    app.disconnect_crm(&admin(&t), &c.id).await.unwrap();
    let stored = t
        .app
        .store()
        .connection(&t.org, &c.id)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.sealed.is_none(), "the secrets are forgotten");
    let c = app.connection(&admin(&t), &c.id).await.unwrap();
    assert_eq!(c.status, ConnectionStatus::Disconnected);
    assert!(app.test_connection(&admin(&t), &c.id).await.is_err());
    assert!(app.sync_now(&admin(&t), &c.id).await.is_err());
    // A disconnected connection is never synced.
    let calls = sim.calls(hs::Endpoint::SearchDeals);
    run_jobs(&t, &app).await;
    assert_eq!(sim.calls(hs::Endpoint::SearchDeals), calls);
}

async fn a_wrong_key_is_a_clear_error_not_a_crash(t: TestApp) {
    let app = app(&t);
    let sim = hs_sim().await;
    let c = app
        .connect_crm(&admin(&t), hs_new(&sim, HS_TOKEN))
        .await
        .unwrap();
    let other = t.app.clone().with_secret_key(Some(key(9)));
    let test = other.test_connection(&admin(&t), &c.id).await.unwrap();
    assert!(!test.ok);
    assert!(test.detail.contains("BATON_SECRET_KEY"), "{}", test.detail);
    run_jobs(&t, &other).await;
    let c = other.connection(&admin(&t), &c.id).await.unwrap();
    assert_eq!(c.status, ConnectionStatus::NeedsAttention);
    assert!(c.attention.unwrap().contains("BATON_SECRET_KEY"));
    // With the right key again, a test clears it.
    assert!(app.test_connection(&admin(&t), &c.id).await.unwrap().ok);
    let c = app.connection(&admin(&t), &c.id).await.unwrap();
    assert_eq!(c.status, ConnectionStatus::Active);
}

async fn bad_input_is_logged_per_deal_and_nothing_is_half_written(t: TestApp) {
    let app = app(&t);
    let sim = sf_sim().await;
    sim.upsert_opportunity(opp("006000000000000001", "Prospecting"));
    sim.upsert_opportunity(opp("006000000000000002", "Closed Won").owner(STRANGER));
    sim.upsert_opportunity(
        opp("006000000000000003", "Closed Won").field("Economic_Buyer__c", json!(42)),
    );
    sim.add_account("001000000000009AAA", "Orphan Inc");
    sim.upsert_opportunity(opp("006000000000000004", "Closed Won"));
    let c = app.connect_crm(&admin(&t), sf_new(&sim)).await.unwrap();
    run_jobs(&t, &app).await;
    let entries = log(&t, &app, &c.id).await.join("\n");
    assert!(
        entries
            .contains("info 006000000000000001 no rule maps a deal reaching stage 'Prospecting'"),
        "{entries}"
    );
    assert!(
        entries.contains("warning 006000000000000002 deal 006000000000000002 skipped")
            && entries.contains("owner"),
        "{entries}"
    );
    assert!(
        entries.contains("warning 006000000000000003 deal 006000000000000003 skipped")
            && entries.contains("economic_buyer"),
        "{entries}"
    );
    for bad in [
        "006000000000000001",
        "006000000000000002",
        "006000000000000003",
    ] {
        assert!(
            t.app
                .store()
                .handoff(&t.org, &handoff_id(bad))
                .await
                .unwrap()
                .is_none(),
            "{bad}"
        );
    }
    // The good deal went through beside them.
    let h = t
        .app
        .store()
        .handoff(&t.org, &handoff_id("006000000000000004"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(h.state, State::Draft);
    let c = app.connection(&admin(&t), &c.id).await.unwrap();
    assert_eq!(c.deals_synced, 1);
    assert_eq!(c.status, ConnectionStatus::Active);
    assert!(c.last_error.is_none(), "{:?}", c.last_error);
    // A deal without an account is named too.
    let none = baton_crm::Deal {
        id: "006000000000000005".into(),
        name: None,
        stage: "Closed Won".into(),
        account: None,
        owner_email: Some("ae1@acme.test".into()),
        amount: None,
        currency: None,
        modified: t.app.now(),
        fields: BTreeMap::new(),
    };
    let out = app
        .apply_pulled_deals(&t.org, &c.id, &[none])
        .await
        .unwrap();
    assert!(out.is_empty());
    assert!(
        log(&t, &app, &c.id)
            .await
            .join("\n")
            .contains("has no account")
    );
}

/// Submit → reject → rework → accept of a CRM-made draft.
async fn walk_to_acceptance(t: &TestApp, id: &HandoffId) {
    let ae = t.as_user("ae1@acme.test");
    let onb = t.as_user("onboarding1@acme.test");
    t.app
        .edit_handoff(&ae, id, complete_values("ae-to-onboarding"), vec![])
        .await
        .unwrap();
    t.app.submit(&ae, id).await.unwrap();
    let r = Rejection {
        code: Some("missing_context".into()),
        reason: "Go-live is not tied to their kickoff".into(),
        fields: vec!["go_live_deadlines".into()],
    };
    t.app.reject(&onb, id, r).await.unwrap();
    let mut values = BTreeMap::new();
    values.insert(
        "go_live_deadlines".to_string(),
        json!("Go-live 2026-12-01, two weeks before their kickoff on 12-15"),
    );
    t.app.edit_handoff(&ae, id, values, vec![]).await.unwrap();
    t.app.submit(&ae, id).await.unwrap();
    let h = t
        .app
        .accept(&onb, id, BTreeMap::new())
        .await
        .unwrap()
        .handoff;
    assert_eq!(h.state, State::Accepted);
}

fn gate_of(record: &Value, gate: &str, missing: &str) -> (bool, String) {
    (
        record[gate].as_bool().unwrap_or(false),
        record[missing].as_str().unwrap_or_default().to_string(),
    )
}

async fn salesforce_story_from_closed_won_to_the_gate_on_the_deal(t: TestApp) {
    t.gate("ae-to-onboarding").await;
    let app = app(&t);
    let sim = sf_sim().await;
    let first = "006000000000000001";
    sim.upsert_opportunity(opp(first, "Negotiation"));
    let c = app.connect_crm(&admin(&t), sf_new(&sim)).await.unwrap();
    run_jobs(&t, &app).await;
    assert!(
        t.app
            .store()
            .handoff(&t.org, &handoff_id(first))
            .await
            .unwrap()
            .is_none()
    );
    sim.set_stage(first, "Closed Won");
    run_jobs(&t, &app).await;
    let h = t
        .app
        .handoff(&t.as_user("ae1@acme.test"), &handoff_id(first))
        .await
        .unwrap()
        .handoff;
    assert_eq!(h.state, State::Draft);
    assert_eq!(h.sender.to_string(), "ae1@acme.test");
    assert_eq!(
        h.values.get("economic_buyer").and_then(Value::as_str),
        Some("Dana Ortiz, CFO; signs up to 250k alone"),
        "prefilled from the opportunity"
    );
    let o = sim.opportunity(first).unwrap();
    let (open, missing) = gate_of(&o, "Baton_Gate__c", "Baton_Missing__c");
    assert!(!open);
    assert!(missing.contains("champion_map"), "{missing}");
    assert_eq!(
        o["Baton_Handoff_URL__c"],
        json!(format!(
            "https://baton.example/handoffs/{}",
            handoff_id(first)
        ))
    );
    walk_to_acceptance(&t, &handoff_id(first)).await;
    // A second deal on the same account.
    let second = "006000000000000002";
    sim.upsert_opportunity(opp(second, "Closed Won"));
    run_jobs(&t, &app).await;
    let (open, missing) = gate_of(
        &sim.opportunity(first).unwrap(),
        "Baton_Gate__c",
        "Baton_Missing__c",
    );
    assert!(open, "the accepted deal's gate is open");
    assert_eq!(missing, "");
    let (open, _) = gate_of(
        &sim.opportunity(second).unwrap(),
        "Baton_Gate__c",
        "Baton_Missing__c",
    );
    assert!(!open, "the second deal waits for its own acceptance");
    walk_to_acceptance(&t, &handoff_id(second)).await;
    run_jobs(&t, &app).await;
    assert!(
        gate_of(
            &sim.opportunity(second).unwrap(),
            "Baton_Gate__c",
            "Baton_Missing__c"
        )
        .0
    );
    let c = app.connection(&admin(&t), &c.id).await.unwrap();
    assert_eq!((c.deals_synced, c.writes_pending), (2, 0));
    assert!(c.last_success_at.is_some() && c.last_error.is_none());
}

async fn hubspot_story_from_closed_won_to_the_gate_on_the_deal(t: TestApp) {
    t.gate("ae-to-onboarding").await;
    let app = app(&t);
    let sim = hs_sim().await;
    let c = app
        .connect_crm(&admin(&t), hs_new(&sim, HS_TOKEN))
        .await
        .unwrap();
    assert!(sim.property("baton_gate").is_some(), "created on connect");
    sim.upsert_deal(
        11,
        &[
            ("dealname", "Acme"),
            ("dealstage", "closedwon"),
            ("hubspot_owner_id", "71"),
            ("amount", "48000"),
            ("economic_buyer", "Dana Ortiz, CFO; signs up to 250k alone"),
        ],
    );
    sim.associate(11, 501);
    run_jobs(&t, &app).await;
    let h = t
        .app
        .handoff(&t.as_user("ae1@acme.test"), &handoff_id("11"))
        .await
        .unwrap()
        .handoff;
    assert_eq!(h.state, State::Draft);
    assert_eq!(
        h.values.get("economic_buyer").and_then(Value::as_str),
        Some("Dana Ortiz, CFO; signs up to 250k alone")
    );
    let d = sim.deal(11).unwrap();
    assert_eq!(d["baton_gate"], json!("false"), "{d}");
    walk_to_acceptance(&t, &handoff_id("11")).await;
    closed_won(&sim, 12);
    run_jobs(&t, &app).await;
    let d = sim.deal(11).unwrap();
    assert_eq!(d["baton_gate"], json!("true"), "{d}");
    assert!(d["baton_missing"].as_str().is_none_or(str::is_empty), "{d}");
    assert_eq!(sim.deal(12).unwrap()["baton_gate"], json!("false"));
    let c = app.connection(&admin(&t), &c.id).await.unwrap();
    assert_eq!((c.deals_synced, c.writes_pending), (2, 0));
}

async fn faults_mid_pull_lose_nothing_and_create_nothing_twice(t: TestApp) {
    let app = app(&t);
    let sim = sf_sim().await;
    for i in 1..=5 {
        sim.upsert_opportunity(opp(&format!("00600000000000000{i}"), "Closed Won"));
    }
    let c = app.connect_crm(&admin(&t), sf_new(&sim)).await.unwrap();
    // Down after the first page, then rate-limited, then the session ends.
    sim.fail_next_on(sf::Endpoint::QueryMore, 1, sf::Fault::Unavailable);
    run_jobs(&t, &app).await;
    let after_fault = app.connection(&admin(&t), &c.id).await.unwrap();
    assert!(after_fault.last_error.is_some());
    assert_eq!(after_fault.failures, 1);
    assert_eq!(after_fault.status, ConnectionStatus::Active);
    sim.fail_next_on(sf::Endpoint::Query, 1, sf::Fault::RequestLimit);
    run_jobs(&t, &app).await;
    sim.fail_next_on(sf::Endpoint::QueryMore, 1, sf::Fault::SessionExpired);
    for _ in 0..6 {
        run_jobs(&t, &app).await;
    }
    sim.fail_next_on(
        sf::Endpoint::Collections,
        1,
        sf::Fault::TooManyRequests {
            retry_after_secs: 30,
        },
    );
    sim.set_stage("006000000000000001", "Closed Won");
    for _ in 0..6 {
        run_jobs(&t, &app).await;
    }
    for i in 1..=5 {
        let deal = format!("00600000000000000{i}");
        let events = t
            .app
            .handoff_events(&admin(&t), &handoff_id(&deal))
            .await
            .unwrap();
        assert_eq!(events.len(), 1, "{deal}: one draft, created once");
        let o = sim.opportunity(&deal).unwrap();
        assert!(
            o["Baton_Handoff_URL__c"].as_str().is_some(),
            "{deal} written"
        );
    }
    let c = app.connection(&admin(&t), &c.id).await.unwrap();
    assert_eq!((c.deals_synced, c.writes_pending), (5, 0));
    assert!(c.last_success_at.is_some());
}

async fn a_deleted_deal_is_logged_and_written_no_more(t: TestApp) {
    let app = app(&t);
    let sim = sf_sim().await;
    sim.upsert_opportunity(opp("006000000000000001", "Closed Won"));
    sim.upsert_opportunity(opp("006000000000000002", "Closed Won"));
    let c = app.connect_crm(&admin(&t), sf_new(&sim)).await.unwrap();
    run_jobs(&t, &app).await;
    assert!(sim.delete_opportunity("006000000000000001"));
    walk_to_acceptance(&t, &handoff_id("006000000000000001")).await;
    run_jobs(&t, &app).await;
    let entries = log(&t, &app, &c.id).await.join("\n");
    assert!(
        entries.contains("warning 006000000000000001 the CRM refused the gate")
            && entries.contains("stops writing"),
        "{entries}"
    );
    let writes = sim.calls(sf::Endpoint::Collections);
    walk_to_acceptance(&t, &handoff_id("006000000000000002")).await;
    run_jobs(&t, &app).await;
    assert_eq!(sim.calls(sf::Endpoint::Collections), writes + 1);
    assert!(
        gate_of(
            &sim.opportunity("006000000000000002").unwrap(),
            "Baton_Gate__c",
            "Baton_Missing__c"
        )
        .0
    );
    let c = app.connection(&admin(&t), &c.id).await.unwrap();
    assert_eq!(c.writes_pending, 0);
    assert!(c.last_error.is_none());
}

/// HubSpot's push beside the pull: a verified webhook makes the pull due
/// now (no waiting for the poll interval); a forged one changes nothing.
async fn a_signed_hubspot_webhook_makes_the_pull_due_at_once(t: TestApp) {
    let app = app(&t);
    let sim = hs_sim().await;
    let c = app
        .connect_crm(&admin(&t), hs_new(&sim, HS_TOKEN))
        .await
        .unwrap();
    run_jobs(&t, &app).await;
    closed_won(&sim, 21);
    // Within the poll interval nothing is due yet.
    app.run_pending_jobs().await;
    let ae = t.as_user("ae1@acme.test");
    assert!(t.app.handoff(&ae, &handoff_id("21")).await.is_err());

    let path = format!("/api/v1/inbound/hubspot/{}", c.id);
    let body = br#"[{"eventId":1,"subscriptionId":9,"portalId":62515,"appId":1,"occurredAt":1790000000000,"subscriptionType":"deal.propertyChange","attemptNumber":0,"objectId":21,"propertyName":"dealstage","propertyValue":"closedwon","changeSource":"CRM","sourceId":"userId:1"}]"#;
    let ts = app.now().as_millisecond().to_string();
    let uri = format!("https://baton.example{path}");
    let good =
        baton_testkit::crm_sim::hubspot::sign_v3("hs-webhook-secret", "POST", &uri, body, &ts);
    fn delivery<'a>(
        path: &'a str,
        ts: &'a str,
        signature: &'a str,
        body: &'a [u8],
    ) -> baton_app::connections::HubspotDelivery<'a> {
        baton_app::connections::HubspotDelivery {
            method: "POST",
            path_and_query: path,
            body,
            timestamp: ts,
            signature,
        }
    }
    let tampered: &'static [u8] = br#"[{"eventId":1,"objectId":22,"subscriptionType":"deal.creation","occurredAt":1790000000000,"portalId":1}]"#;
    let forged = app
        .hubspot_webhook(&c.id, delivery(&path, &ts, &good, tampered))
        .await
        .unwrap_err();
    assert!(
        matches!(forged, baton_app::AppError::Unauthenticated(_)),
        "{forged}"
    );
    let unknown = app
        .hubspot_webhook("no-such-connection", delivery(&path, &ts, &good, body))
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, baton_app::AppError::Unauthenticated(_)),
        "{unknown}"
    );
    app.run_pending_jobs().await;
    assert!(
        t.app.handoff(&ae, &handoff_id("21")).await.is_err(),
        "a forged webhook changes nothing"
    );

    let named = app
        .hubspot_webhook(&c.id, delivery(&path, &ts, &good, body))
        .await
        .unwrap();
    assert_eq!(named, 1);
    // The clock has not moved: only the webhook made the pull due.
    app.run_pending_jobs().await;
    let h = t.app.handoff(&ae, &handoff_id("21")).await.unwrap();
    assert_eq!(h.handoff.deal.map(|d| d.to_string()).as_deref(), Some("21"));
    assert!(
        log(&t, &app, &c.id)
            .await
            .iter()
            .any(|l| l.contains("HubSpot announced 1 deal change"))
    );
}

/// Where the money flows: the gate reaches the deal on the next round of
/// background work after the acceptance, not at the next poll.
async fn an_acceptance_makes_the_write_back_due_at_once(t: TestApp) {
    let app = app(&t);
    let sim = hs_sim().await;
    app.connect_crm(&admin(&t), hs_new(&sim, HS_TOKEN))
        .await
        .unwrap();
    closed_won(&sim, 41);
    run_jobs(&t, &app).await;
    assert_eq!(sim.deal(41).unwrap()["baton_gate"], json!("false"));
    // Within the poll interval, a round changes nothing on the deal...
    app.run_pending_jobs().await;
    assert_eq!(sim.deal(41).unwrap()["baton_gate"], json!("false"));
    // ...until the handoff is accepted: the clock has not moved.
    walk_to_acceptance(&t, &handoff_id("41")).await;
    app.run_pending_jobs().await;
    assert_eq!(sim.deal(41).unwrap()["baton_gate"], json!("true"));
}

/// Exactly once across processes: two apps over one database (each its own
/// lease owner, as two `baton serve` are) race for a due connection; one
/// syncs it, the other finds nothing due, and each deal's draft is started
/// once.
async fn two_processes_never_sync_one_connection_at_once(t: TestApp) {
    let one = app(&t);
    let other = App::new(t.app.store().clone(), t.clock.clone())
        .with_secret_key(Some(key(7)))
        .with_public_url("https://baton.example");
    let sim = hs_sim().await;
    for deal in 51..=56 {
        closed_won(&sim, deal);
    }
    one.connect_crm(&admin(&t), hs_new(&sim, HS_TOKEN))
        .await
        .unwrap();
    let (a, b) = tokio::join!(one.sync_crm(), other.sync_crm());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        [a.connection.is_some(), b.connection.is_some()]
            .iter()
            .filter(|c| **c)
            .count(),
        1,
        "one claimed it: {a:?} {b:?}"
    );
    assert_eq!(a.created + b.created, 6);
    run_jobs(&t, &one).await;
    run_jobs(&t, &other).await;
    let ae = t.as_user("ae1@acme.test");
    for deal in 51..=56 {
        let h = t
            .app
            .handoff(&ae, &handoff_id(&deal.to_string()))
            .await
            .unwrap();
        assert_eq!(
            h.handoff.stream_version, 1,
            "deal {deal}: one draft, one event"
        );
    }
}
