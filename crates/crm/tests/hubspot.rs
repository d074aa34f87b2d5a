//! The HubSpot client against the HubSpot simulator: sign-in, incremental
//! pulls, resolution of stages, companies and owners, limits, property
//! creation, write-back and webhook signatures.

use std::collections::{BTreeMap, HashSet};
use std::error::Error;
use std::time::Duration;

use baton_crm::hubspot::{Auth, Client, Config, parse_webhook_events, verify_signature_v3};
use baton_crm::{CrmError, GateWrite, Watermark, WriteResult};
use baton_crm_sim::hubspot::{Endpoint, Fault, HubspotSim, OAuthApp, SimConfig, sign_v3};
use jiff::{SignedDuration, Timestamp};

type Outcome = Result<(), Box<dyn Error>>;

const TOKEN: &str = "pat-na1-test-token-0001";

fn private_config(sim: &HubspotSim, token: &str) -> Config {
    Config {
        base_url: sim.base_url(),
        auth: Auth::PrivateApp {
            token: token.into(),
        },
        webhook_secret: None,
        properties: Vec::new(),
    }
}

fn oauth_app() -> OAuthApp {
    OAuthApp {
        client_id: "client-id-1".into(),
        client_secret: "client-secret-shh".into(),
        refresh_token: "refresh-token-shh".into(),
    }
}

fn oauth_config(sim: &HubspotSim, refresh_token: &str) -> Config {
    let app = oauth_app();
    Config {
        base_url: sim.base_url(),
        auth: Auth::OAuth {
            client_id: app.client_id,
            client_secret: app.client_secret,
            refresh_token: refresh_token.into(),
        },
        webhook_secret: Some("webhook-secret-shh".into()),
        properties: Vec::new(),
    }
}

async fn start(page_size: usize) -> Result<HubspotSim, Box<dyn Error>> {
    Ok(HubspotSim::start(SimConfig {
        private_app_token: Some(TOKEN.into()),
        oauth: Some(oauth_app()),
        page_size,
        ..SimConfig::default()
    })
    .await?)
}

fn at(secs: i64) -> Result<Timestamp, Box<dyn Error>> {
    Ok(Timestamp::from_second(1_780_000_000 + secs)?)
}

/// Pulls until HubSpot says nothing more waits, `limit` at a time.
async fn pull_all(
    client: &mut Client,
    since: &mut Watermark,
    limit: usize,
) -> Result<Vec<String>, Box<dyn Error>> {
    let mut ids = Vec::new();
    for _ in 0..100 {
        let page = client.pull(since, limit).await?;
        assert!(
            page.deals.len() <= limit,
            "a page holds at most `limit` deals"
        );
        let keys: Vec<_> = page
            .deals
            .iter()
            .map(|d| (d.modified, d.id.parse::<u64>().unwrap_or(0)))
            .collect();
        assert!(
            keys.windows(2).all(|w| w[0] < w[1]),
            "deals come in (modified, id) order: {keys:?}"
        );
        ids.extend(page.deals.into_iter().map(|d| d.id));
        *since = page.watermark;
        if !page.more {
            return Ok(ids);
        }
    }
    Err("the pull never ended".into())
}

#[tokio::test]
async fn a_private_app_token_signs_in_and_names_the_portal() -> Outcome {
    let sim = start(200).await?;
    let mut client = Client::new(private_config(&sim, TOKEN))?;
    assert_eq!(client.check().await?, "portal 123456");
    Ok(())
}

#[tokio::test]
async fn a_wrong_private_app_token_is_an_auth_error() -> Outcome {
    let sim = start(200).await?;
    let mut client = Client::new(private_config(&sim, "pat-na1-wrong"))?;
    let err = client
        .check()
        .await
        .err()
        .ok_or("a wrong token signed in")?;
    assert!(matches!(err, CrmError::Auth(_)), "{err:?}");
    assert!(!err.is_transient());
    Ok(())
}

#[tokio::test]
async fn oauth_refreshes_transparently_when_the_token_expires_mid_pull() -> Outcome {
    let sim = start(2).await?;
    for id in 1..=8 {
        sim.upsert_deal(id, &[("dealname", "Deal"), ("dealstage", "qualifiedtobuy")]);
    }
    let mut client = Client::new(oauth_config(&sim, "refresh-token-shh"))?;
    let mut since = Watermark::default();

    let first = client.pull(&since, 2).await?;
    assert_eq!(sim.calls(Endpoint::Token), 1);
    since = first.watermark;

    // Expired between two pulls.
    sim.expire_tokens();
    let second = client.pull(&since, 2).await?;
    assert_eq!(second.deals.len(), 2);
    assert_eq!(sim.calls(Endpoint::Token), 2);
    since = second.watermark;

    // Expired between two search pages of one pull.
    let searches = sim.calls(Endpoint::SearchDeals);
    sim.fail_on(Endpoint::SearchDeals, 1, 1, Fault::ExpiredToken);
    let third = client.pull(&since, 4).await?;
    assert_eq!(third.deals.len(), 4);
    assert!(!third.more);
    assert_eq!(sim.calls(Endpoint::Token), 3);
    assert!(sim.calls(Endpoint::SearchDeals) > searches + 1);
    let ids: Vec<_> = [first.deals, second.deals, third.deals]
        .concat()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6", "7", "8"]);
    Ok(())
}

#[tokio::test]
async fn a_refused_refresh_token_is_an_auth_error() -> Outcome {
    let sim = start(200).await?;
    let mut client = Client::new(oauth_config(&sim, "revoked-refresh-token"))?;
    let err = client
        .check()
        .await
        .err()
        .ok_or("a revoked refresh token signed in")?;
    assert!(
        matches!(&err, CrmError::Auth(m) if m.contains("BAD_REFRESH_TOKEN")),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test]
async fn pulls_page_and_resume_from_the_watermark_with_no_deal_lost_or_repeated() -> Outcome {
    let sim = start(3).await?;
    // Ten deals, four of them modified in the same millisecond.
    for id in [10, 11, 12] {
        sim.upsert_deal_at(id, &[("dealstage", "qualifiedtobuy")], at(id.try_into()?)?);
    }
    for id in [20, 23, 21, 22] {
        sim.upsert_deal_at(id, &[("dealstage", "contractsent")], at(30)?);
    }
    for id in [30, 31, 32] {
        sim.upsert_deal_at(
            id,
            &[("dealstage", "closedwon")],
            at(40 + i64::try_from(id)?)?,
        );
    }
    let mut client = Client::new(private_config(&sim, TOKEN))?;
    let mut since = Watermark::default();
    let ids = pull_all(&mut client, &mut since, 2).await?;
    assert_eq!(
        ids,
        ["10", "11", "12", "20", "21", "22", "23", "30", "31", "32"]
    );

    // Nothing changed: nothing comes back.
    let again = client.pull(&since, 50).await?;
    assert!(again.deals.is_empty() && !again.more);
    assert_eq!(again.watermark, since);

    // Two deals change (one at the watermark's own time): only they come.
    sim.upsert_deal(11, &[("dealstage", "closedwon")]);
    sim.upsert_deal(20, &[("amount", "1200")]);
    let ids = pull_all(&mut client, &mut since, 50).await?;
    assert_eq!(ids, ["11", "20"]);
    Ok(())
}

#[tokio::test]
async fn a_tie_larger_than_a_page_is_read_by_id() -> Outcome {
    let sim = start(3).await?;
    for id in (1..=8).rev() {
        sim.upsert_deal_at(id, &[("dealstage", "closedwon")], at(5)?);
    }
    sim.upsert_deal_at(9, &[("dealstage", "closedwon")], at(6)?);
    let mut client = Client::new(private_config(&sim, TOKEN))?;
    let mut since = Watermark::default();
    let ids = pull_all(&mut client, &mut since, 3).await?;
    assert_eq!(ids, ["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
    Ok(())
}

#[tokio::test]
async fn a_deal_carries_its_stage_label_company_owner_email_and_fields() -> Outcome {
    let sim = start(200).await?;
    sim.add_company(900, "Acme Corp");
    sim.add_company(901, "Acme Holdings");
    sim.add_owner(77, "ae@acme.example");
    sim.add_pipeline("renewals", "Renewals", &[("4711", "Renewal Won")]);
    sim.upsert_deal(
        1,
        &[
            ("dealname", "Acme expansion"),
            ("dealstage", "closedwon"),
            ("hubspot_owner_id", "77"),
            ("amount", "12500.50"),
            ("deal_currency_code", "EUR"),
            ("description", "Two seats"),
        ],
    );
    sim.associate(1, 900);
    sim.associate(1, 901);
    sim.upsert_deal(
        2,
        &[
            ("dealstage", "4711"),
            ("pipeline", "renewals"),
            ("hubspot_owner_id", "77"),
        ],
    );
    sim.upsert_deal(3, &[("dealstage", "somestage"), ("hubspot_owner_id", "55")]);

    let mut config = private_config(&sim, TOKEN);
    config.properties = vec!["description".into(), "closedate".into()];
    let mut client = Client::new(config)?;
    let page = client.pull(&Watermark::default(), 10).await?;
    let [one, two, three] = page.deals.as_slice() else {
        return Err(format!("three deals expected, got {:?}", page.deals).into());
    };
    assert_eq!(one.name.as_deref(), Some("Acme expansion"));
    assert_eq!(one.stage, "Closed Won");
    let account = one.account.as_ref().ok_or("deal 1 has no account")?;
    assert_eq!(
        (account.id.as_str(), account.name.as_str()),
        ("900", "Acme Corp")
    );
    assert_eq!(one.owner_email.as_deref(), Some("ae@acme.example"));
    assert_eq!(one.amount.as_deref(), Some("12500.50"));
    assert_eq!(one.currency.as_deref(), Some("EUR"));
    let fields: BTreeMap<String, serde_json::Value> =
        [("description".to_owned(), "Two seats".into())].into();
    assert_eq!(one.fields, fields, "an unset property is absent");

    assert_eq!(two.stage, "Renewal Won");
    assert_eq!(two.account, None);
    assert_eq!(two.owner_email.as_deref(), Some("ae@acme.example"));

    // An unknown stage falls back to its id; an unknown owner has no email.
    assert_eq!(three.stage, "somestage");
    assert_eq!(three.owner_email, None);

    // Owners and pipelines are read once per client.
    sim.upsert_deal(2, &[("amount", "10")]);
    client.pull(&page.watermark, 10).await?;
    assert_eq!(sim.calls(Endpoint::Owner), 2);
    assert_eq!(sim.calls(Endpoint::Pipelines), 1);
    Ok(())
}

#[tokio::test]
async fn a_rate_limit_is_busy_with_its_retry_after_then_the_pull_succeeds() -> Outcome {
    let sim = start(200).await?;
    sim.upsert_deal(1, &[("dealstage", "closedwon")]);
    let mut client = Client::new(private_config(&sim, TOKEN))?;
    sim.fail_next(
        1,
        Fault::TooManyRequests {
            retry_after: Some(7),
        },
    );
    let err = client
        .pull(&Watermark::default(), 10)
        .await
        .err()
        .ok_or("no 429 seen")?;
    match err {
        CrmError::Busy { retry_after, .. } => assert_eq!(retry_after, Some(Duration::from_secs(7))),
        other => return Err(format!("expected Busy, got {other:?}").into()),
    }
    let page = client.pull(&Watermark::default(), 10).await?;
    assert_eq!(page.deals.len(), 1);
    Ok(())
}

#[tokio::test]
async fn outages_and_dropped_connections_are_transient() -> Outcome {
    let sim = start(200).await?;
    let mut client = Client::new(private_config(&sim, TOKEN))?;
    sim.fail_next(1, Fault::Unavailable);
    let err = client.check().await.err().ok_or("no 503 seen")?;
    assert!(
        matches!(
            err,
            CrmError::Busy {
                retry_after: None,
                ..
            }
        ),
        "{err:?}"
    );
    sim.fail_next(1, Fault::Drop);
    let err = client.check().await.err().ok_or("no drop seen")?;
    assert!(matches!(err, CrmError::Unreachable(_)), "{err:?}");
    assert_eq!(client.check().await?, "portal 123456");

    // Nothing listens on a port just released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let mut config = private_config(&sim, TOKEN);
    config.base_url = format!("http://{closed}");
    let err = Client::new(config)?
        .check()
        .await
        .err()
        .ok_or("a closed port answered")?;
    assert!(matches!(err, CrmError::Unreachable(_)), "{err:?}");
    Ok(())
}

#[tokio::test]
async fn prepare_creates_the_baton_properties_once() -> Outcome {
    let sim = start(200).await?;
    let mut client = Client::new(private_config(&sim, TOKEN))?;
    client.prepare().await?;
    let gate = sim.property("baton_gate").ok_or("baton_gate not created")?;
    assert_eq!(
        (gate["type"].as_str(), gate["fieldType"].as_str()),
        (Some("bool"), Some("booleancheckbox"))
    );
    assert_eq!(gate["groupName"], "baton");
    for name in ["baton_missing", "baton_handoff_url"] {
        let def = sim.property(name).ok_or("property not created")?;
        assert_eq!(
            (def["type"].as_str(), def["fieldType"].as_str()),
            (Some("string"), Some("text"))
        );
    }
    // Connecting again keeps them.
    client.prepare().await?;
    assert_eq!(sim.calls(Endpoint::CreateProperty), 6);
    assert_eq!(sim.calls(Endpoint::ReadProperty), 3);
    Ok(())
}

#[tokio::test]
async fn prepare_names_an_existing_property_of_the_wrong_type() -> Outcome {
    let sim = start(200).await?;
    sim.add_property("baton_gate", "string", "text");
    let mut client = Client::new(private_config(&sim, TOKEN))?;
    let err = client
        .prepare()
        .await
        .err()
        .ok_or("a mistyped property passed")?;
    assert!(
        matches!(&err, CrmError::Config(m) if m.contains("baton_gate") && m.contains("string/text")),
        "{err:?}"
    );
    Ok(())
}

#[tokio::test]
async fn write_back_batches_by_100_and_refuses_only_a_deleted_deal() -> Outcome {
    let sim = start(200).await?;
    let mut client = Client::new(private_config(&sim, TOKEN))?;
    client.prepare().await?;
    for id in 1..=150 {
        sim.upsert_deal(id, &[("dealstage", "closedwon")]);
    }
    sim.delete_deal(42);
    let writes: Vec<GateWrite> = (1..=150)
        .map(|id| GateWrite {
            deal: id.to_string(),
            open: id % 2 == 0,
            missing: if id % 2 == 0 {
                String::new()
            } else {
                "kickoff_date,sponsor".into()
            },
            url: format!("https://baton.example/handoffs/{id}"),
        })
        .collect();
    let results = client.write_back(&writes).await?;
    assert_eq!(sim.calls(Endpoint::BatchUpdateDeals), 2);
    assert_eq!(results.len(), 150);
    for (w, r) in writes.iter().zip(&results) {
        if w.deal == "42" {
            assert!(
                matches!(r, WriteResult::Refused { code, .. } if code == "OBJECT_NOT_FOUND"),
                "{r:?}"
            );
        } else {
            assert_eq!(r, &WriteResult::Written, "deal {}", w.deal);
        }
    }
    let two = sim.deal(2).ok_or("deal 2 gone")?;
    assert_eq!(
        (two["baton_gate"].as_str(), two["baton_missing"].as_str()),
        (Some("true"), Some(""))
    );
    let three = sim.deal(3).ok_or("deal 3 gone")?;
    assert_eq!(three["baton_gate"], "false");
    assert_eq!(three["baton_missing"], "kickoff_date,sponsor");
    assert_eq!(
        three["baton_handoff_url"],
        "https://baton.example/handoffs/3"
    );
    Ok(())
}

#[tokio::test]
async fn a_batch_refused_whole_is_retried_deal_by_deal() -> Outcome {
    let sim = start(200).await?;
    // An admin made baton_missing a number: a list of fields does not fit.
    sim.add_property("baton_gate", "bool", "booleancheckbox");
    sim.add_property("baton_missing", "number", "number");
    sim.add_property("baton_handoff_url", "string", "text");
    sim.upsert_deal(1, &[("dealstage", "closedwon")]);
    sim.upsert_deal(2, &[("dealstage", "closedwon")]);
    let mut client = Client::new(private_config(&sim, TOKEN))?;
    let write = |deal: &str, missing: &str| GateWrite {
        deal: deal.into(),
        open: missing.is_empty(),
        missing: missing.into(),
        url: format!("https://baton.example/h/{deal}"),
    };
    let results = client
        .write_back(&[write("1", ""), write("2", "sponsor")])
        .await?;
    assert_eq!(results[0], WriteResult::Written);
    assert!(
        matches!(&results[1], WriteResult::Refused { code, message } if code == "VALIDATION_ERROR" && message.contains("baton_missing")),
        "{:?}",
        results[1]
    );
    assert_eq!(sim.calls(Endpoint::BatchUpdateDeals), 3);
    assert_eq!(sim.deal(1).ok_or("deal 1 gone")?["baton_gate"], "true");
    assert!(
        sim.deal(2)
            .ok_or("deal 2 gone")?
            .get("baton_gate")
            .is_none(),
        "nothing half-written"
    );
    Ok(())
}

#[tokio::test]
async fn a_closed_won_deal_is_pulled_and_its_gate_written_back_open() -> Outcome {
    let sim = start(200).await?;
    sim.add_company(5, "Globex");
    sim.add_owner(9, "rep@globex.example");
    let mut client = Client::new(private_config(&sim, TOKEN))?;
    client.prepare().await?;
    sim.upsert_deal(
        300,
        &[
            ("dealname", "Globex"),
            ("dealstage", "contractsent"),
            ("hubspot_owner_id", "9"),
        ],
    );
    sim.associate(300, 5);
    let first = client.pull(&Watermark::default(), 100).await?;
    assert_eq!(first.deals[0].stage, "Contract Sent");
    sim.upsert_deal(300, &[("dealstage", "closedwon")]);
    let won = client.pull(&first.watermark, 100).await?;
    assert_eq!(won.deals.len(), 1);
    assert_eq!(won.deals[0].stage, "Closed Won");
    let gate = GateWrite {
        deal: "300".into(),
        open: true,
        missing: String::new(),
        url: "https://baton.example/handoffs/h1".into(),
    };
    assert_eq!(client.write_back(&[gate]).await?, [WriteResult::Written]);
    let deal = sim.deal(300).ok_or("deal gone")?;
    assert_eq!(
        (deal["baton_gate"].as_str(), deal["baton_missing"].as_str()),
        (Some("true"), Some(""))
    );
    Ok(())
}

#[test]
fn a_webhook_v3_signature_is_checked_with_its_timestamp() -> Outcome {
    let secret = "webhook-secret-shh";
    let uri = "https://baton.example/api/v1/inbound/hubspot?connection=c1";
    let body = br#"[{"eventId":100,"subscriptionId":7,"portalId":123456,"appId":1,"occurredAt":1780000000000,"subscriptionType":"deal.propertyChange","attemptNumber":0,"objectId":300,"propertyName":"dealstage","propertyValue":"closedwon","changeSource":"CRM"}]"#;
    let now = Timestamp::from_millisecond(1_780_000_060_000)?;
    let sent = "1780000030000";
    let signature = sign_v3(secret, "POST", uri, body, sent);

    verify_signature_v3(secret, "POST", uri, body, sent, &signature, now)?;

    let mut tampered = body.to_vec();
    tampered[20] ^= 1;
    let err = verify_signature_v3(secret, "POST", uri, &tampered, sent, &signature, now)
        .err()
        .ok_or("tampered body accepted")?;
    assert!(matches!(err, CrmError::Auth(_)), "{err:?}");
    let err = verify_signature_v3("other-secret", "POST", uri, body, sent, &signature, now)
        .err()
        .ok_or("wrong secret accepted")?;
    assert!(matches!(err, CrmError::Auth(_)));

    let later = now.checked_add(SignedDuration::from_mins(6))?;
    let err = verify_signature_v3(secret, "POST", uri, body, sent, &signature, later)
        .err()
        .ok_or("old timestamp accepted")?;
    assert!(
        matches!(&err, CrmError::Auth(m) if m.contains("5 minutes")),
        "{err:?}"
    );

    let events = parse_webhook_events(body)?;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].deal_id(), Some("300"));
    assert_eq!(events[0].property_name.as_deref(), Some("dealstage"));
    assert_eq!(events[0].property_value.as_deref(), Some("closedwon"));
    assert_eq!(
        events[0].occurred_at,
        Timestamp::from_millisecond(1_780_000_000_000)?
    );
    assert!(!events[0].is_deletion());
    assert!(parse_webhook_events(b"{\"not\":\"an array\"}").is_err());
    Ok(())
}

#[tokio::test]
async fn debug_output_shows_no_secret() -> Outcome {
    let sim = start(200).await?;
    let mut client = Client::new(oauth_config(&sim, "refresh-token-shh"))?;
    client.check().await?;
    let shown = format!("{client:?} {:?}", client.config());
    for secret in [
        "client-secret-shh",
        "refresh-token-shh",
        "webhook-secret-shh",
        "sim-oauth-access",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("client-id-1"));
    let private = Client::new(private_config(&sim, TOKEN))?;
    assert!(!format!("{private:?}").contains(TOKEN));
    Ok(())
}
