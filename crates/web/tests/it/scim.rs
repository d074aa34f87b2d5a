//! SCIM 2.0 provisioning over the real server on 127.0.0.1, on both
//! backends, with the request and response examples of RFC 7643/7644
//! adapted to Baton's mapping (a User's id and userName are its email): an
//! identity provider creates, finds, deactivates and groups people; a
//! deactivation locks the person out at their very next request.

use baton_testkit::{TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Client, start};

on_both_backends!(
    a_provider_creates_finds_and_reads_a_user_as_rfc_7644_shows,
    deactivating_by_patch_or_delete_locks_the_person_out_at_once,
    group_membership_follows_patch_add_and_remove,
    errors_are_scim_errors_naming_what_is_wrong,
);

const SCIM: &str = "application/scim+json";

async fn scim(
    c: &Client,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> crate::harness::Reply {
    match body {
        Some(b) => {
            c.send_raw(method, path, SCIM, serde_json::to_vec(&b).unwrap())
                .await
        }
        None => c.send(method, path, None).await,
    }
}

/// RFC 7644 §3.3's example, with an email for `userName`.
fn bjensen() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "bjensen@example.com",
        "externalId": "bjensen",
        "name": {
            "formatted": "Ms. Barbara J Jensen III",
            "familyName": "Jensen",
            "givenName": "Barbara"
        }
    })
}

async fn a_provider_creates_finds_and_reads_a_user_as_rfc_7644_shows(t: TestApp) {
    let s = start(t).await;
    let idp = s.as_("admin@acme.test").await;
    let r = scim(&idp, Method::POST, "/scim/v2/Users", Some(bjensen())).await;
    let u = r.expect(201).clone();
    assert_eq!(r.content_type(), SCIM);
    assert_eq!(u["id"], "bjensen@example.com");
    assert_eq!(u["userName"], "bjensen@example.com");
    assert_eq!(u["displayName"], "Ms. Barbara J Jensen III");
    assert_eq!(u["active"], true);
    assert_eq!(
        u["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User"])
    );
    assert!(
        u["meta"]["location"]
            .as_str()
            .unwrap()
            .ends_with("/scim/v2/Users/bjensen@example.com")
    );
    // RFC 7644 §3.4.2.2: filter by userName.
    let r = scim(
        &idp,
        Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22bjensen@example.com%22",
        None,
    )
    .await;
    let page = r.expect(200);
    assert_eq!(
        page["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"])
    );
    assert_eq!(page["totalResults"], 1);
    assert_eq!(page["Resources"][0]["id"], "bjensen@example.com");
    let none = scim(
        &idp,
        Method::GET,
        "/scim/v2/Users?filter=userName%20eq%20%22nobody@example.com%22",
        None,
    )
    .await;
    assert_eq!(none.expect(200)["totalResults"], 0);
    // Paging (RFC 7644 §3.4.2.4).
    let r = scim(
        &idp,
        Method::GET,
        "/scim/v2/Users?startIndex=2&count=3",
        None,
    )
    .await;
    let page = r.expect(200);
    assert_eq!(
        (page["startIndex"].clone(), page["itemsPerPage"].clone()),
        (json!(2), json!(3))
    );
    // The same person through Baton's own API: the change is Baton's.
    let users = s.as_("admin@acme.test").await.get("/users").await;
    assert!(
        users
            .expect(200)
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["email"] == "bjensen@example.com")
    );
    let r = scim(&idp, Method::GET, "/scim/v2/ServiceProviderConfig", None).await;
    assert_eq!(r.expect(200)["patch"]["supported"], true);
}

async fn deactivating_by_patch_or_delete_locks_the_person_out_at_once(t: TestApp) {
    let s = start(t).await;
    let idp = s.as_("admin@acme.test").await;
    let member = s.as_("ae1@acme.test").await;
    member.get("/handoffs").await.expect(200);
    // RFC 7644 §3.5.2.3: replace an attribute.
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": false}]
    });
    let r = scim(
        &idp,
        Method::PATCH,
        "/scim/v2/Users/ae1@acme.test",
        Some(patch),
    )
    .await;
    assert_eq!(r.expect(200)["active"], false);
    let next = member.get("/handoffs").await;
    assert_eq!(next.status, 401, "their next request: {}", next.text);
    // Back (the value-object form some providers send), then DELETE.
    let patch = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": true}}]
    });
    let r = scim(
        &idp,
        Method::PATCH,
        "/scim/v2/Users/ae1@acme.test",
        Some(patch),
    )
    .await;
    assert_eq!(r.expect(200)["active"], true);
    let again = s.as_("cs1@acme.test").await;
    again.get("/handoffs").await.expect(200);
    let r = scim(&idp, Method::DELETE, "/scim/v2/Users/cs1@acme.test", None).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(again.get("/handoffs").await.status, 401);
    // Kept, inactive: history stays theirs.
    let r = scim(&idp, Method::GET, "/scim/v2/Users/cs1@acme.test", None).await;
    assert_eq!(r.expect(200)["active"], false);
}

async fn group_membership_follows_patch_add_and_remove(t: TestApp) {
    let s = start(t).await;
    let idp = s.as_("admin@acme.test").await;
    scim(&idp, Method::POST, "/scim/v2/Users", Some(bjensen()))
        .await
        .expect(201);
    let r = scim(
        &idp,
        Method::GET,
        "/scim/v2/Groups?filter=displayName%20eq%20%22Customer%20success%22",
        None,
    )
    .await;
    let page = r.expect(200);
    assert_eq!(page["totalResults"], 1);
    assert_eq!(page["Resources"][0]["id"], "cs");
    // RFC 7644 §3.5.2.1: add members.
    let add = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{
            "op": "add",
            "path": "members",
            "value": [{"display": "Babs Jensen", "value": "bjensen@example.com"}]
        }]
    });
    let r = scim(&idp, Method::PATCH, "/scim/v2/Groups/cs", Some(add)).await;
    let members: Vec<String> = r.expect(200)["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_string())
        .collect();
    assert!(
        members.contains(&"bjensen@example.com".to_string()),
        "{members:?}"
    );
    let u = scim(
        &idp,
        Method::GET,
        "/scim/v2/Users/bjensen@example.com",
        None,
    )
    .await;
    assert_eq!(u.expect(200)["groups"][0]["value"], "cs");
    // RFC 7644 §3.5.2.2: remove one member by a value filter.
    let remove = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "remove", "path": "members[value eq \"bjensen@example.com\"]"}]
    });
    let r = scim(&idp, Method::PATCH, "/scim/v2/Groups/cs", Some(remove)).await;
    assert!(
        !r.expect(200)["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["value"] == "bjensen@example.com")
    );
    // A lead stays a lead when the provider adds them again.
    let add_lead = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": "cs-lead@acme.test"}]}]
    });
    scim(&idp, Method::PATCH, "/scim/v2/Groups/cs", Some(add_lead))
        .await
        .expect(200);
    let users = s.as_("admin@acme.test").await.get("/users").await;
    let lead = users
        .expect(200)
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "cs-lead@acme.test")
        .cloned()
        .unwrap();
    assert_eq!(lead["teams"], json!([{"team": "cs", "role": "lead"}]));
    // A new group is a new team.
    let r = scim(
        &idp,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Solutions Engineering",
            "members": [{"value": "bjensen@example.com"}]
        })),
    )
    .await;
    let g = r.expect(201);
    assert_eq!(g["id"], "solutions-engineering");
    assert_eq!(g["members"][0]["value"], "bjensen@example.com");
}

async fn errors_are_scim_errors_naming_what_is_wrong(t: TestApp) {
    let s = start(t).await;
    let idp = s.as_("admin@acme.test").await;
    let error = |r: &crate::harness::Reply, status: u16| {
        assert_eq!(r.status, status, "{}", r.text);
        assert_eq!(
            r.body["schemas"],
            json!(["urn:ietf:params:scim:api:messages:2.0:Error"]),
            "{}",
            r.text
        );
        assert_eq!(r.body["status"], status.to_string());
        r.body.clone()
    };
    let r = scim(&s.anon(), Method::GET, "/scim/v2/Users", None).await;
    error(&r, 401);
    let member = s.as_("ae1@acme.test").await;
    let e = error(
        &scim(&member, Method::GET, "/scim/v2/Users", None).await,
        403,
    );
    assert!(e["detail"].as_str().unwrap().contains("admins"), "{e}");
    let e = error(
        &scim(&idp, Method::GET, "/scim/v2/Users/ghost@acme.test", None).await,
        404,
    );
    assert!(e["detail"].as_str().unwrap().contains("User"), "{e}");
    scim(&idp, Method::POST, "/scim/v2/Users", Some(bjensen()))
        .await
        .expect(201);
    let e = error(
        &scim(&idp, Method::POST, "/scim/v2/Users", Some(bjensen())).await,
        409,
    );
    assert_eq!(e["scimType"], "uniqueness");
    let e = error(
        &scim(&idp, Method::GET, "/scim/v2/Users?filter=title%20pr", None).await,
        400,
    );
    assert_eq!(e["scimType"], "invalidFilter");
    // RFC 7644's own userName ("bjensen") is not an email: named.
    let mut plain = bjensen();
    plain["userName"] = json!("bjensen");
    let e = error(
        &scim(&idp, Method::POST, "/scim/v2/Users", Some(plain)).await,
        400,
    );
    assert!(e["detail"].as_str().unwrap().contains("bjensen"), "{e}");
    let e = error(
        &scim(
            &idp,
            Method::PATCH,
            "/scim/v2/Users/ae1@acme.test",
            Some(json!({"Operations": []})),
        )
        .await,
        400,
    );
    assert_eq!(e["scimType"], "invalidSyntax");
    // Another org's provider never reaches Acme's people.
    let other = s.other_org().await;
    let globex = s.as_in(&other, crate::harness::OTHER_ADMIN).await;
    error(
        &scim(&globex, Method::GET, "/scim/v2/Users/ae1@acme.test", None).await,
        404,
    );
    let deactivate = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "active", "value": false}]
    });
    error(
        &scim(
            &globex,
            Method::PATCH,
            "/scim/v2/Users/ae1@acme.test",
            Some(deactivate),
        )
        .await,
        404,
    );
    let theirs = scim(&globex, Method::GET, "/scim/v2/Users", None).await;
    assert!(!theirs.text.contains("acme.test"), "{}", theirs.text);
    s.as_("ae1@acme.test")
        .await
        .get("/handoffs")
        .await
        .expect(200);
    // The last admin cannot be provisioned away.
    let e = error(
        &scim(&idp, Method::DELETE, "/scim/v2/Users/admin@acme.test", None).await,
        400,
    );
    assert!(e["detail"].as_str().unwrap().contains("yourself"), "{e}");
}
