//! Survey responses over HTTP (issue 22, part 1), on both backends: the
//! real server keeps an admin's column mapping, previews and imports a
//! survey tool's CSV export (bad rows as problem+json naming each line,
//! nothing recorded), lists the unmatched responses and assigns one, and
//! takes a signed survey webhook delivery once (unsigned 401, invalid 422).

use baton_testkit::{TestApp, on_both_backends, signature_header};
use reqwest::Method;
use serde_json::json;

use crate::harness::start_with;

on_both_backends!(
    a_survey_export_and_a_signed_delivery_are_taken_once_over_http,
    the_survey_page_lists_unmatched_responses_and_an_admin_assigns_one,
);

const SECRET: &str = "http-survey-secret-0123456789abcdef";

fn sign(t: i64, body: &str) -> String {
    signature_header(t, body, &[SECRET])
}

/// Thanx's `nps_feedback.csv` columns (<https://docs.thanx.com/data/models/nps-feedback>).
const EXPORT: &str = "nps_feedback_uid,nps_feedback_id,merchant_id,purchase_id,user_id,state,rating,review,response,responded_by,created_at,rated_at,responded_at
nfb_1,1,m_1,p_1,H-1,reviewed,9,Great,,,2026-09-01T12:00:00Z,2026-09-01T12:30:00Z,
nfb_2,2,m_1,p_2,H-404,rated,4,,,,2026-09-02T12:00:00Z,2026-09-02T12:30:00Z,
";

async fn a_survey_export_and_a_signed_delivery_are_taken_once_over_http(t: TestApp) {
    let key = {
        use base64::Engine as _;
        baton_app::secrets::SecretKey::from_base64(
            &base64::engine::general_purpose::STANDARD.encode([5u8; 32]),
        )
        .unwrap()
    };
    let s = start_with(t, |app, _| app.with_secret_key(Some(key))).await;
    let admin = s.as_("admin@acme.test").await;
    let member = s.as_("ae1@acme.test").await;
    s.account("H-1").await;
    let mapping = json!({"kind": "nps", "response_id": "nps_feedback_uid", "account": "user_id",
                         "score": "rating", "date": "rated_at", "comment": "review"});
    member
        .put("/surveys/mapping", mapping.clone())
        .await
        .expect(403);
    admin
        .get("/surveys/mapping")
        .await
        .problem(404, "not-found");
    admin
        .put(
            "/surveys/mapping",
            json!({"score": "rating", "date": "rated_at"}),
        )
        .await
        .problem(422, "invalid-input");
    let kept = admin
        .put("/surveys/mapping", mapping)
        .await
        .expect(200)
        .clone();
    assert_eq!(kept["header_rows"], 1, "{kept}");
    assert_eq!(
        admin.get("/surveys/mapping").await.expect(200)["score"],
        "rating"
    );

    let preview = admin
        .send_raw(Method::POST, "/surveys/preview", "text/csv", EXPORT.into())
        .await;
    let rows = preview.expect(200).clone();
    assert_eq!(rows[0]["outcome"], "matched", "{rows}");
    assert_eq!(rows[0]["account"], "H-1", "{rows}");
    assert_eq!(rows[1]["outcome"], "unmatched", "{rows}");
    assert_eq!(rows[1]["line"], 3, "{rows}");
    member
        .send_raw(Method::POST, "/surveys/preview", "text/csv", EXPORT.into())
        .await
        .expect(403);
    admin
        .send_raw(
            Method::POST,
            "/surveys/import",
            "application/json",
            EXPORT.into(),
        )
        .await
        .problem(415, "unsupported-media-type");

    let bad = EXPORT.replace(",9,Great,", ",11,Great,");
    let refused = admin
        .send_raw(Method::POST, "/surveys/import", "text/csv", bad.into())
        .await;
    let problem = refused.problem(422, "import-rejected");
    assert_eq!(problem["errors"][0]["line"], 2, "{problem}");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("11 is not between 0 and 10"),
        "{problem}"
    );
    assert!(
        admin
            .get("/surveys/unmatched")
            .await
            .expect(200)
            .as_array()
            .is_some_and(Vec::is_empty),
        "nothing recorded"
    );

    let done = admin
        .send_raw(Method::POST, "/surveys/import", "text/csv", EXPORT.into())
        .await;
    let done = done.expect(200).clone();
    assert_eq!(
        (done["recorded"].clone(), done["unmatched"].clone()),
        (json!(1), json!(1)),
        "{done}"
    );
    let again = admin
        .send_raw(Method::POST, "/surveys/import", "text/csv", EXPORT.into())
        .await;
    assert_eq!(again.expect(200)["duplicates"], 2);

    let list = admin.get("/surveys/unmatched").await.expect(200).clone();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["named_account"], "H-404", "{list}");
    member.get("/surveys/unmatched").await.expect(403);
    let id = list[0]["id"].as_str().unwrap_or_default().to_string();
    let path = format!("/surveys/unmatched/{id}/assign");
    admin
        .post(&path, json!({"account": "NOPE"}))
        .await
        .expect(422);
    let assigned = admin
        .post(&path, json!({"account": "H-1"}))
        .await
        .expect(200)
        .clone();
    assert_eq!(assigned["outcome"], "assigned", "{assigned}");
    admin
        .post(&path, json!({"account": "H-1"}))
        .await
        .problem(409, "conflict");
    admin
        .post("/surveys/unmatched/ffff/assign", json!({"account": "H-1"}))
        .await
        .problem(404, "not-found");

    // The webhook: the secret first (admins), then a signed delivery.
    member
        .put("/surveys/secret", json!({"secret": SECRET}))
        .await
        .expect(403);
    admin
        .put("/surveys/secret", json!({"secret": SECRET}))
        .await
        .expect(204);
    let now = s.t.app.now().as_second();
    let body = json!({"id": "resp_1", "type": "nps", "score": 10,
                      "responded_at": "2026-09-30T09:00:00Z", "account": "H-1"})
    .to_string();
    let path = format!("/inbound/surveys/{}", s.t.org);
    let post = |body: String, signature: Option<String>| {
        s.post_signed(&path, "baton-signature", body, signature)
    };
    let (status, _, first) = post(body.clone(), Some(sign(now, &body))).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        (first["outcome"].clone(), first["duplicate"].clone()),
        (json!("recorded"), json!(false))
    );
    let (status, _, again) = post(body.clone(), Some(sign(now, &body))).await;
    assert_eq!(
        (status, again["duplicate"].clone()),
        (200, json!(true)),
        "{again}"
    );
    for (why, signature) in [
        ("unsigned", None),
        ("signed for another body", Some(sign(now, "{}"))),
        ("signed too long ago", Some(sign(now - 600, &body))),
    ] {
        let (status, kind, problem) = post(body.clone(), signature).await;
        assert_eq!(status, 401, "{why}: {problem}");
        assert!(
            kind.starts_with("application/problem+json"),
            "{why}: {kind}"
        );
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or("")
                .contains("Baton-Signature"),
            "{why}: {problem}"
        );
    }
    let eleven = json!({"id": "resp_2", "type": "nps", "score": 11,
                        "responded_at": "2026-09-30T09:00:00Z", "account": "H-1"})
    .to_string();
    let (status, kind, problem) = post(eleven.clone(), Some(sign(now, &eleven))).await;
    assert_eq!(status, 422, "{problem}");
    assert!(kind.starts_with("application/problem+json"));
    // H-1's NPS: the import's 9, the assigned 4, the webhook's 10, once each.
    let scores: Vec<u8> =
        s.t.app
            .store()
            .stream_events(&s.t.org, "account/H-1")
            .await
            .unwrap()
            .iter()
            .filter_map(|e| match &e.event {
                baton_domain::event::Event::Nps { score, .. } => Some(*score),
                _ => None,
            })
            .collect();
    assert_eq!(scores, [9, 4, 10]);
}

async fn the_survey_page_lists_unmatched_responses_and_an_admin_assigns_one(t: TestApp) {
    let admin_session = crate::ui::session(&t, "admin@acme.test").await;
    let member_session = crate::ui::session(&t, "ae1@acme.test").await;
    let s = start_with(t, |app, _| app).await;
    s.account("H-1").await;
    let admin = s.as_("admin@acme.test").await;
    let (status, html) = crate::ui::page(&s, &admin_session, "/surveys").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"no-mapping\""), "{html}");
    admin
        .put(
            "/surveys/mapping",
            json!({"account": "user_id", "score": "rating", "date": "rated_at", "comment": "review"}),
        )
        .await
        .expect(200);
    admin
        .send_raw(Method::POST, "/surveys/import", "text/csv", EXPORT.into())
        .await
        .expect(200);
    let (status, html) = crate::ui::page(&s, &admin_session, "/surveys").await;
    assert_eq!(status, 200);
    let list = crate::ui::section(&html, "unmatched");
    assert!(
        list.contains("H-404") && list.contains("no account 'H-404'"),
        "{list}"
    );
    let id = list
        .split("data-id=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let token = html
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_string();
    let post = |session: &str, body: String| {
        reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .post(format!("{}/surveys/{id}/assign", s.origin))
            .header(reqwest::header::COOKIE, format!("baton_session={session}"))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
    };
    let res = post(&admin_session, format!("_csrf={token}&account=NOPE"))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 422);
    assert!(res.text().await.unwrap().contains("NOPE"));
    let res = post(&admin_session, format!("_csrf={token}&account=H-1"))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, html) = crate::ui::page(&s, &admin_session, "/surveys?done=assigned").await;
    assert!(html.contains("id=\"none-unmatched\""), "{html}");
    // A member may not see the review list.
    let (status, _) = crate::ui::page(&s, &member_session, "/surveys").await;
    assert_eq!(status, 403);
}
