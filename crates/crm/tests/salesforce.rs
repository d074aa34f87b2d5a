//! The Salesforce client against the simulated org: sign-in flows, paged
//! and resumed pulls, token expiry, limits, write-back and the describe
//! check.

use std::collections::BTreeSet;

use baton_crm::salesforce::{Auth, Client, Config};
use baton_crm::{CrmError, GateWrite, Watermark, WriteResult};
use baton_crm_sim::salesforce::{
    Endpoint, Fault, Opportunity, SalesforceSim, SimConfig, TEST_PRIVATE_KEY_PEM,
};
use jiff::Timestamp;
use serde_json::json;

type Res = Result<(), Box<dyn std::error::Error>>;

async fn sim(page_size: usize) -> Result<SalesforceSim, Box<dyn std::error::Error>> {
    let sim = SalesforceSim::start(SimConfig {
        page_size,
        ..SimConfig::default()
    })
    .await?;
    sim.add_account("001000000000001AAA", "Acme");
    sim.add_user("005000000000002AAA", "ae@example.com");
    sim.define_field("Next_Step__c", "string", 255);
    Ok(sim)
}

fn jwt_client(sim: &SalesforceSim) -> Result<Client, CrmError> {
    let c = sim.config();
    Client::new(Config {
        login_url: sim.login_url().into(),
        api_version: "v62.0".into(),
        auth: Auth::JwtBearer {
            client_id: c.client_id,
            username: c.username,
            private_key_pem: TEST_PRIVATE_KEY_PEM.into(),
        },
        fields: vec!["Next_Step__c".into()],
    })
}

fn opp(i: usize) -> Opportunity {
    Opportunity::new(&format!("006{i:015}"), &format!("Deal {i}"), "Prospecting")
        .account("001000000000001AAA")
        .owner("005000000000002AAA")
        .amount(1000.0 * i as f64)
}

fn gate(deal: &str) -> GateWrite {
    GateWrite {
        deal: deal.into(),
        open: true,
        missing: String::new(),
        url: format!("https://baton.example/handoffs/{deal}"),
    }
}

#[tokio::test]
async fn jwt_bearer_sign_in_reads_the_org_and_user() -> Res {
    let sim = sim(2000).await?;
    let mut client = jwt_client(&sim)?;
    let who = client.check().await?;
    assert_eq!(who, "org 00D000000000001EAA as baton@example.com");
    assert_eq!(sim.calls(Endpoint::Token), 1);
    assert_eq!(sim.calls(Endpoint::UserInfo), 1);
    Ok(())
}

#[tokio::test]
async fn client_credentials_sign_in_works_and_a_wrong_secret_is_an_auth_error() -> Res {
    let sim = sim(2000).await?;
    let c = sim.config();
    let config = |secret: &str| Config {
        login_url: sim.login_url().into(),
        api_version: "v62.0".into(),
        auth: Auth::ClientCredentials {
            client_id: c.client_id.clone(),
            client_secret: secret.into(),
        },
        fields: vec![],
    };
    let mut good = Client::new(config(&c.client_secret))?;
    assert!(good.check().await?.starts_with("org 00D"));
    let mut bad = Client::new(config("not-the-secret"))?;
    match bad.check().await {
        Err(CrmError::Auth(m)) => assert!(m.contains("invalid_client"), "{m}"),
        other => panic!("expected an auth error, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn an_assertion_signed_with_another_key_is_refused_as_auth() -> Res {
    let sim = SalesforceSim::start(SimConfig {
        // The connected app holds some other certificate.
        public_key_pem: OTHER_PUBLIC_KEY.into(),
        ..SimConfig::default()
    })
    .await?;
    let mut client = jwt_client(&sim)?;
    match client.check().await {
        Err(CrmError::Auth(m)) => assert!(m.contains("invalid_grant"), "{m}"),
        other => panic!("expected an auth error, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn a_pull_pages_through_query_locators_and_resumes_from_its_watermark() -> Res {
    let sim = sim(2).await?;
    // Three deals share one timestamp: the tie is broken by Id.
    let tie: Timestamp = "2026-12-05T09:00:00Z".parse()?;
    for i in 1..=3 {
        sim.upsert_opportunity(opp(i).modified_at(tie));
    }
    for i in 4..=8 {
        sim.upsert_opportunity(opp(i).field("Next_Step__c", json!(format!("step {i}"))));
    }
    let mut client = jwt_client(&sim)?;

    let mut seen = Vec::new();
    let mut mark = Watermark::default();
    let first = client.pull(&mark, 5).await?;
    assert_eq!(first.deals.len(), 5);
    assert!(first.more);
    // 6 records asked (one more than the limit), 2 per batch: 3 calls.
    assert_eq!(sim.calls(Endpoint::Query), 1);
    assert_eq!(sim.calls(Endpoint::QueryMore), 2);
    seen.extend(first.deals.iter().map(|d| d.id.clone()));
    mark = first.watermark;
    assert_eq!(mark.id.as_deref(), Some("006000000000000005"));

    // A tied deal changes after the first page: it comes back, once.
    sim.set_stage("006000000000000002", "Closed Won");
    let second = client.pull(&mark, 5).await?;
    assert!(!second.more);
    seen.extend(second.deals.iter().map(|d| d.id.clone()));
    let ids: Vec<&str> = second.deals.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "006000000000000006",
            "006000000000000007",
            "006000000000000008",
            "006000000000000002"
        ]
    );
    let won = &second.deals[3];
    assert_eq!(won.stage, "Closed Won");
    assert_eq!(won.account.as_ref().map(|a| a.name.as_str()), Some("Acme"));
    assert_eq!(won.owner_email.as_deref(), Some("ae@example.com"));
    assert_eq!(won.amount.as_deref(), Some("2000"));
    assert_eq!(won.currency, None);
    assert_eq!(
        second.deals[0].fields.get("Next_Step__c"),
        Some(&json!("step 6"))
    );

    let unique: BTreeSet<_> = seen
        .iter()
        .filter(|id| *id != "006000000000000002")
        .collect();
    assert_eq!(unique.len(), 7, "every other deal once: {seen:?}");
    let empty = client.pull(&second.watermark, 5).await?;
    assert!(empty.deals.is_empty() && !empty.more);
    assert_eq!(empty.watermark, second.watermark);
    // The datetime literals went unquoted, in UTC.
    assert!(
        sim.queries()
            .iter()
            .any(|q| q.contains("SystemModstamp > 2026-12-05T10:00:0")),
        "{:?}",
        sim.queries()
    );
    Ok(())
}

#[tokio::test]
async fn an_expired_token_mid_pull_is_renewed_transparently() -> Res {
    let sim = sim(2).await?;
    for i in 1..=5 {
        sim.upsert_opportunity(opp(i));
    }
    let mut client = jwt_client(&sim)?;
    client.check().await?;
    // Between two batches of one query.
    sim.fail_next_on(Endpoint::QueryMore, 1, Fault::SessionExpired);
    let pulled = client.pull(&Watermark::default(), 10).await?;
    assert_eq!(pulled.deals.len(), 5);
    // The first sign-in, then one more after the expiry.
    assert_eq!(sim.calls(Endpoint::Token), 2);
    assert_eq!(sim.calls(Endpoint::Query), 1);
    // Between two calls.
    sim.expire_tokens();
    assert_eq!(client.pull(&pulled.watermark, 10).await?.deals.len(), 0);
    assert_eq!(sim.calls(Endpoint::Token), 3);
    Ok(())
}

#[tokio::test]
async fn limits_and_outages_answer_busy_and_a_retry_succeeds() -> Res {
    let sim = sim(2).await?;
    for i in 1..=3 {
        sim.upsert_opportunity(opp(i));
    }
    let mut client = jwt_client(&sim)?;
    sim.fail_next_on(Endpoint::Query, 1, Fault::Unavailable);
    assert!(matches!(
        client.pull(&Watermark::default(), 10).await,
        Err(CrmError::Busy { .. })
    ));
    sim.fail_next_on(Endpoint::QueryMore, 1, Fault::RequestLimit);
    match client.pull(&Watermark::default(), 10).await {
        Err(CrmError::Busy { message, .. }) => assert!(message.contains("REQUEST_LIMIT_EXCEEDED")),
        other => panic!("expected Busy, got {other:?}"),
    }
    sim.fail_next(
        1,
        Fault::TooManyRequests {
            retry_after_secs: 7,
        },
    );
    match client.pull(&Watermark::default(), 10).await {
        Err(CrmError::Busy { retry_after, .. }) => {
            assert_eq!(retry_after, Some(std::time::Duration::from_secs(7)));
        }
        other => panic!("expected Busy, got {other:?}"),
    }
    sim.fail_next(1, Fault::Drop);
    let dropped = client.pull(&Watermark::default(), 10).await;
    assert!(
        matches!(dropped, Err(CrmError::Unreachable(_))),
        "{dropped:?}"
    );
    let pulled = client.pull(&Watermark::default(), 10).await?;
    assert_eq!(pulled.deals.len(), 3);
    Ok(())
}

#[tokio::test]
async fn an_org_that_cannot_be_reached_is_unreachable() -> Res {
    // A port that was just free and is closed again.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let mut client = Client::new(Config {
        login_url: format!("http://{closed}"),
        api_version: "v62.0".into(),
        auth: Auth::ClientCredentials {
            client_id: "id".into(),
            client_secret: "secret".into(),
        },
        fields: vec![],
    })?;
    let answer = client.check().await;
    assert!(
        matches!(answer, Err(CrmError::Unreachable(_))),
        "{answer:?}"
    );
    Ok(())
}

#[tokio::test]
async fn write_back_is_batched_by_200_and_a_deleted_deal_is_refused_alone() -> Res {
    let sim = sim(2000).await?;
    for i in 1..=250 {
        sim.upsert_opportunity(opp(i));
    }
    sim.delete_opportunity("006000000000000007");
    let mut client = jwt_client(&sim)?;
    let writes: Vec<GateWrite> = (1..=250).map(|i| gate(&format!("006{i:015}"))).collect();
    let results = client.write_back(&writes).await?;
    assert_eq!(results.len(), 250);
    assert_eq!(sim.calls(Endpoint::Collections), 2);
    assert_eq!(sim.collection_batches(), [200, 50]);
    for (i, r) in results.iter().enumerate() {
        if i == 6 {
            assert_eq!(
                r,
                &WriteResult::Refused {
                    code: "ENTITY_IS_DELETED".into(),
                    message: "entity is deleted".into()
                }
            );
        } else {
            assert_eq!(r, &WriteResult::Written, "write {i}");
        }
    }
    let written = sim.opportunity("006000000000000249").ok_or("gone")?;
    assert_eq!(written["Baton_Gate__c"], json!(true));
    assert_eq!(written["Baton_Missing__c"], json!(null));
    assert_eq!(
        written["Baton_Handoff_URL__c"],
        json!("https://baton.example/handoffs/006000000000000249")
    );
    assert!(client.write_back(&[]).await?.is_empty());
    assert_eq!(sim.calls(Endpoint::Collections), 2);
    Ok(())
}

#[tokio::test]
async fn a_missing_text_too_long_for_its_field_is_refused_for_that_deal() -> Res {
    let sim = sim(2000).await?;
    sim.upsert_opportunity(opp(1));
    sim.define_field("Baton_Missing__c", "string", 10);
    let mut client = jwt_client(&sim)?;
    let mut w = gate("006000000000000001");
    w.open = false;
    w.missing = "billing_contact,kickoff_date".into();
    let results = client.write_back(&[w]).await?;
    assert!(
        matches!(&results[..], [WriteResult::Refused { code, .. }] if code == "STRING_TOO_LONG"),
        "{results:?}"
    );
    Ok(())
}

#[tokio::test]
async fn prepare_names_a_missing_or_mistyped_field() -> Res {
    let sim = sim(2000).await?;
    let mut client = jwt_client(&sim)?;
    client.prepare().await?;
    sim.remove_field("Baton_Missing__c");
    match client.prepare().await {
        Err(CrmError::Config(m)) => {
            assert!(m.contains("Baton_Missing__c"), "{m}");
            assert!(m.contains("Long Text Area"), "{m}");
        }
        other => panic!("expected a config error, got {other:?}"),
    }
    sim.define_field("Baton_Missing__c", "textarea", 32768);
    sim.define_field("Baton_Gate__c", "string", 5);
    match client.prepare().await {
        Err(CrmError::Config(m)) => assert!(m.contains("Baton_Gate__c is of type string"), "{m}"),
        other => panic!("expected a config error, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn a_multi_currency_org_gives_the_deals_currency() -> Res {
    let sim = SalesforceSim::start(SimConfig {
        multi_currency: true,
        ..SimConfig::default()
    })
    .await?;
    sim.upsert_opportunity(
        Opportunity::new("006000000000000001", "EUR deal", "Closed Won")
            .amount(1200.5)
            .currency("EUR"),
    );
    let c = sim.config();
    let mut client = Client::new(Config {
        login_url: sim.login_url().into(),
        api_version: "v62.0".into(),
        auth: Auth::JwtBearer {
            client_id: c.client_id,
            username: c.username,
            private_key_pem: TEST_PRIVATE_KEY_PEM.into(),
        },
        fields: vec![],
    })?;
    let pulled = client.pull(&Watermark::default(), 10).await?;
    let deal = pulled.deals.first().ok_or("no deal")?;
    assert_eq!(deal.currency.as_deref(), Some("EUR"));
    assert_eq!(deal.amount.as_deref(), Some("1200.5"));
    assert_eq!(deal.account, None);
    assert_eq!(deal.owner_email, None);
    Ok(())
}

#[tokio::test]
async fn debug_output_shows_no_secret() -> Res {
    let sim = sim(2000).await?;
    let mut client = jwt_client(&sim)?;
    client.check().await?;
    let shown = format!("{client:?} {:?}", client.config());
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    assert!(
        !shown.contains("!AQsim"),
        "the access token leaked: {shown}"
    );
    let secret = Auth::ClientCredentials {
        client_id: "id".into(),
        client_secret: "hunter2".into(),
    };
    assert!(!format!("{secret:?}").contains("hunter2"));
    Ok(())
}

#[tokio::test]
async fn settings_that_cannot_work_are_refused_up_front() {
    let config = |login_url: &str, key: &str| Config {
        login_url: login_url.into(),
        api_version: "v62.0".into(),
        auth: Auth::JwtBearer {
            client_id: "id".into(),
            username: "u@x".into(),
            private_key_pem: key.into(),
        },
        fields: vec![],
    };
    assert!(matches!(
        Client::new(config("http://login.salesforce.com", TEST_PRIVATE_KEY_PEM)),
        Err(CrmError::Config(_))
    ));
    assert!(matches!(
        Client::new(config("https://login.salesforce.com", "not a key")),
        Err(CrmError::Config(_))
    ));
    let mut bad_field = config("https://login.salesforce.com", TEST_PRIVATE_KEY_PEM);
    bad_field.fields = vec!["Id FROM User".into()];
    assert!(matches!(Client::new(bad_field), Err(CrmError::Config(_))));
}

/// Some other RSA public key (not the test connected app's).
const OTHER_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzVW5TB7GnpiO9R2BZk2y
GzGWSN8Lcl18DnYOVz5OI6p8fFdA/Mwpl4CpdII7krsENlXRZKmZAxmYJ+uTwwMG
a1RsqoaUv4mjAYNt2waRfSX1VMrox5T1nBVplLhiafe+eKHlyhQlzkwxBMn6eqZo
lqXflh8m53ac7XG6iJCN4vnqXvP4KPq4SEQ41IVCkc2IYFfPw3Ko/rl6B+lDhiSh
IKM2D7gSmup4y7kNZVOqg8BvTzBqW0HdBBXx2JiO1a8x3Z/cZ6r+aG5ZjJl7FWbm
DTtVATZh6mfsImyXK4sSBNRiWVkVzpi97dTy5Pab9h0QXWnUoi3ZtZIhT2uRzaEI
0QIDAQAB
-----END PUBLIC KEY-----
";
