//! Survey responses in (issue 22, part 1), on both backends: three survey
//! tools' CSV exports read through each one's column mapping (their header
//! rows as the tools document them), bad rows named by line with nothing
//! recorded, duplicates that change nothing, matching by account id and by
//! email domain, the review list and assignment, and the survey webhook's
//! signature (valid, invalid, stale, rotated, unknown org).

use std::collections::BTreeMap;

use baton_app::App;
use baton_app::secrets::SecretKey;
use baton_domain::AccountId;
use baton_domain::event::Event;
use baton_domain::survey::{ColumnMapping, SurveyKind};
use baton_testkit::{TestApp, on_both_backends, signature_header};
use serde_json::json;

on_both_backends!(
    three_survey_tools_exports_are_read_through_the_orgs_mapping,
    a_survey_csv_with_bad_rows_names_each_by_line_and_records_nothing,
    a_survey_response_imported_twice_changes_nothing,
    an_unmatched_response_is_kept_and_an_admin_assigns_it,
    the_survey_webhook_takes_only_a_verified_delivery,
    a_survey_secret_and_mapping_are_set_by_an_admin_only,
);

/// Qualtrics' CSV download: three header rows (the field ids, the question
/// texts, the import ids), then one row per response; the metadata columns
/// in the order "Understanding Your Dataset" lists them
/// (<https://www.qualtrics.com/support/survey-platform/data-and-analysis-module/data/download-data/understanding-your-dataset/>),
/// then the survey's questions: Q1 a Net Promoter Score question (0–10,
/// <https://www.qualtrics.com/support/survey-platform/survey-module/editing-questions/question-types-guide/specialty-questions/net-promoter-score/>)
/// and Q2 a text entry. Times without an offset, as Qualtrics writes them.
const QUALTRICS: &str = r#"StartDate,EndDate,Status,IPAddress,Progress,Duration (in seconds),Finished,RecordedDate,ResponseId,RecipientLastName,RecipientFirstName,RecipientEmail,ExternalReference,LocationLatitude,LocationLongitude,DistributionChannel,UserLanguage,Q1,Q2
Start Date,End Date,Response Type,IP Address,Progress,Duration (in seconds),Finished,Recorded Date,Response ID,Recipient Last Name,Recipient First Name,Recipient Email,External Data Reference,Location Latitude,Location Longitude,Distribution Channel,User Language,"How likely is it that you would recommend Acme to a friend or colleague?",What is the main reason for your score?
"{""ImportId"":""startDate"",""timeZone"":""UTC""}","{""ImportId"":""endDate"",""timeZone"":""UTC""}","{""ImportId"":""status""}","{""ImportId"":""ipAddress""}","{""ImportId"":""progress""}","{""ImportId"":""duration""}","{""ImportId"":""finished""}","{""ImportId"":""recordedDate"",""timeZone"":""UTC""}","{""ImportId"":""_recordId""}","{""ImportId"":""recipientLastName""}","{""ImportId"":""recipientFirstName""}","{""ImportId"":""recipientEmail""}","{""ImportId"":""externalDataReference""}","{""ImportId"":""locationLatitude""}","{""ImportId"":""locationLongitude""}","{""ImportId"":""distributionChannel""}","{""ImportId"":""userLanguage""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2_TEXT""}"
2026-09-14 10:20:01,2026-09-14 10:22:31,IP Address,203.0.113.7,100,150,True,2026-09-14 10:22:31,R_1q2w3e4r5t6y7u8,Lee,Ana,ana@northwind.example,Q-1,39.7,-104.9,email,EN,9,"Onboarding was quick,
and the team knew our goals"
2026-09-15 08:00:00,2026-09-15 08:01:10,IP Address,203.0.113.8,100,70,True,2026-09-15 08:01:10,R_2a3s4d5f6g7h8j9,Park,Jo,jo@northwind.example,,39.7,-104.9,email,EN,6,Asked for our goals twice
2026-09-16 12:00:00,2026-09-16 12:00:30,IP Address,203.0.113.9,100,30,True,2026-09-16 12:00:30,R_3z4x5c6v7b8n9m0,Diaz,Sam,sam.diaz@gmail.com,,39.7,-104.9,anonymous,EN,10,
"#;

/// Medallia Agent Connect's "Export Responses" CSV: the fields in the order
/// its field descriptions list them, `star_rating` a 1–5 rating and
/// `request_sent_to` the respondent's email
/// (<https://docs.medallia.com/en/agent-connect/reports-and-dashboards/export-responses-request-delivery-status>).
/// `comments` says only whether there was a comment, so it is not mapped.
/// The page lists more employee and team columns after these.
const MEDALLIA: &str = "request_id,request_sent_at,request_delivery_status,response_received_at,star_rating,comments,reward_name,areas_for_improvement,additional_question_response,ext_interaction_id,external_url,channel,tags,brand,customer_name,request_sent_to,employee_first_name,employee_last_name,employee_email,employee_custom_id,employee_status,employee_employment_status,employee_start_date
8812001,2026-09-20T09:00:00Z,Sent,2026-09-20T10:15:00Z,5,true,,,,INT-1,,phone,,Acme,Ana Lee,ana@contoso.example,Kim,Ng,kim@acme.test,E-7,Active,full time,2025-01-06
8812002,2026-09-21T09:00:00Z,Sent,2026-09-21T11:40:00Z,2,false,,speed,,INT-2,,chat,,Acme,Bo Chan,bo@contoso.example,Kim,Ng,kim@acme.test,E-7,Active,full time,2025-01-06
";

/// Thanx's `nps_feedback.csv` export, its columns as the NPS Feedback data
/// model lists them (<https://docs.thanx.com/data/models/nps-feedback>):
/// `rating` is 0–10, `review` the written feedback, `rated_at` when the
/// customer answered (UTC). The page names the columns, not the time
/// format; ISO 8601 is used here. Accounts are keyed by the tool's
/// `user_id`, as an org that loads its accounts from the same system.
const THANX: &str = "nps_feedback_uid,nps_feedback_id,merchant_id,purchase_id,user_id,state,rating,review,response,responded_by,created_at,rated_at,responded_at
nfb_7d1e,1001,m_22,p_901,T-1,reviewed,8,Good coffee,,,2026-09-01T12:00:00Z,2026-09-01T12:30:00Z,
nfb_7d2f,1002,m_22,p_902,T-2,rated,3,,Sorry to hear,Dana,2026-09-02T12:00:00Z,2026-09-02T13:00:00Z,2026-09-03T09:00:00Z
";

fn qualtrics() -> ColumnMapping {
    ColumnMapping {
        kind: SurveyKind::Nps,
        header_rows: 3,
        response_id: Some("ResponseId".into()),
        account: Some("ExternalReference".into()),
        email: Some("RecipientEmail".into()),
        score: "Q1".into(),
        date: "RecordedDate".into(),
        comment: Some("Q2".into()),
        domains: BTreeMap::from([("northwind.example".into(), id("Q-2"))]),
    }
}

fn medallia() -> ColumnMapping {
    ColumnMapping {
        kind: SurveyKind::Csat,
        header_rows: 1,
        response_id: Some("request_id".into()),
        account: None,
        email: Some("request_sent_to".into()),
        score: "star_rating".into(),
        date: "response_received_at".into(),
        comment: None,
        domains: BTreeMap::from([("contoso.example".into(), id("C-1"))]),
    }
}

fn thanx() -> ColumnMapping {
    ColumnMapping {
        kind: SurveyKind::Nps,
        header_rows: 1,
        response_id: Some("nps_feedback_uid".into()),
        account: Some("user_id".into()),
        email: None,
        score: "rating".into(),
        date: "rated_at".into(),
        comment: Some("review".into()),
        domains: BTreeMap::new(),
    }
}

fn id(s: &str) -> AccountId {
    AccountId::parse(s).unwrap()
}

/// The NPS scores recorded on an account, in order.
async fn nps(t: &TestApp, account: &str) -> Vec<u8> {
    t.app
        .store()
        .stream_events(&t.org, &format!("account/{account}"))
        .await
        .unwrap()
        .iter()
        .filter_map(|e| match &e.event {
            Event::Nps { score, .. } => Some(*score),
            _ => None,
        })
        .collect()
}

async fn three_survey_tools_exports_are_read_through_the_orgs_mapping(t: TestApp) {
    let admin = t.as_user("admin@acme.test");
    for a in ["Q-1", "Q-2", "C-1", "T-1", "T-2"] {
        t.account(a, a).await;
    }

    // Qualtrics: three header rows; by the account id, then by the domain;
    // a webmail address matches nothing and waits for review.
    t.app.set_survey_mapping(&admin, qualtrics()).await.unwrap();
    let preview = t
        .app
        .preview_survey_csv(&admin, QUALTRICS.as_bytes())
        .await
        .unwrap();
    let seen: Vec<(u64, &str, Option<&str>)> = preview
        .iter()
        .map(|r| {
            (
                r.line,
                r.outcome.as_str(),
                r.account.as_ref().map(|a| a.as_str()),
            )
        })
        .collect();
    // The first response's comment spans two lines of the file.
    assert_eq!(
        seen,
        [
            (4, "matched", Some("Q-1")),
            (6, "matched", Some("Q-2")),
            (7, "unmatched", None)
        ],
        "{preview:?}"
    );
    assert!(preview[2].detail.contains("webmail"), "{preview:?}");
    assert!(nps(&t, "Q-1").await.is_empty(), "a preview records nothing");
    let done = t
        .app
        .import_survey_csv(&admin, QUALTRICS.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        (done.rows, done.recorded, done.unmatched),
        (3, 2, 1),
        "{done:?}"
    );
    assert_eq!(nps(&t, "Q-1").await, [9]);
    assert_eq!(nps(&t, "Q-2").await, [6]);
    assert!(
        done.outcomes[1].detail.contains("domain northwind.example"),
        "{done:?}"
    );

    // Medallia Agent Connect: CSAT stars, matched by the email's domain;
    // kept with the account, no NPS.
    t.app.set_survey_mapping(&admin, medallia()).await.unwrap();
    let done = t
        .app
        .import_survey_csv(&admin, MEDALLIA.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        (done.rows, done.recorded, done.unmatched),
        (2, 2, 0),
        "{done:?}"
    );
    assert!(nps(&t, "C-1").await.is_empty(), "CSAT is not NPS");

    // Thanx: by the account id column.
    t.app.set_survey_mapping(&admin, thanx()).await.unwrap();
    let done = t
        .app
        .import_survey_csv(&admin, THANX.as_bytes())
        .await
        .unwrap();
    assert_eq!((done.rows, done.recorded), (2, 2), "{done:?}");
    assert_eq!(nps(&t, "T-1").await, [8]);
    assert_eq!(nps(&t, "T-2").await, [3]);

    let unmatched = t.app.unmatched_surveys(&admin).await.unwrap();
    assert_eq!(unmatched.len(), 1, "{unmatched:?}");
    assert_eq!(unmatched[0].email.as_deref(), Some("sam.diaz@gmail.com"));
    // Qualtrics writes times without an offset: read as UTC, to the second.
    assert_eq!(
        unmatched[0].responded_at.to_string(),
        "2026-09-16T12:00:30Z"
    );
}

async fn a_survey_csv_with_bad_rows_names_each_by_line_and_records_nothing(t: TestApp) {
    let admin = t.as_user("admin@acme.test");
    t.account("T-1", "Tea").await;
    t.app.set_survey_mapping(&admin, thanx()).await.unwrap();
    // The clock reads 2026-10-01.
    let bad = "nps_feedback_uid,nps_feedback_id,merchant_id,purchase_id,user_id,state,rating,review,response,responded_by,created_at,rated_at,responded_at
nfb_1,1,m,p,T-1,rated,9,fine,,,2026-09-01T12:00:00Z,2026-09-01T12:30:00Z,
nfb_2,2,m,p,T-1,rated,9,from the future,,,2026-09-01T12:00:00Z,2026-12-01T12:30:00Z,
nfb_3,3,m,p,T-1,rated,11,,,,2026-09-01T12:00:00Z,2026-09-02T12:30:00Z,
nfb_4,4,m,p,T-1,rated,,,,,2026-09-01T12:00:00Z,2026-09-03T12:30:00Z,
nfb_5,5,m,p,T-1,rated,7,,,,2026-09-01T12:00:00Z,last tuesday,
";
    let e = t
        .app
        .import_survey_csv(&admin, bad.as_bytes())
        .await
        .unwrap_err();
    let baton_app::AppError::Import(lines) = e else {
        panic!("{e:?}");
    };
    let numbers: Vec<u64> = lines.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [3, 4, 5, 6], "{lines:?}");
    assert!(lines[0].1.contains("future"), "{lines:?}");
    assert!(
        lines[1].1.contains("11 is not between 0 and 10"),
        "{lines:?}"
    );
    assert!(lines[2].1.contains("no score"), "{lines:?}");
    assert!(lines[3].1.contains("last tuesday"), "{lines:?}");
    assert!(
        nps(&t, "T-1").await.is_empty(),
        "nothing recorded, not even line 2"
    );

    // The preview names the same rows and what the good one would become.
    let preview = t
        .app
        .preview_survey_csv(&admin, bad.as_bytes())
        .await
        .unwrap();
    let outcomes: Vec<&str> = preview.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        ["matched", "bad", "bad", "bad", "bad"],
        "{preview:?}"
    );
    assert!(nps(&t, "T-1").await.is_empty());

    // A CSAT star off its scale.
    t.account("C-1", "Contoso").await;
    t.app.set_survey_mapping(&admin, medallia()).await.unwrap();
    let six = MEDALLIA.replacen(",5,true,", ",6,true,", 1);
    let e = t
        .app
        .import_survey_csv(&admin, six.as_bytes())
        .await
        .unwrap_err();
    let baton_app::AppError::Import(lines) = e else {
        panic!("{e:?}");
    };
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].0, 2, "{lines:?}");
    assert!(lines[0].1.contains("6 is not between 1 and 5"), "{lines:?}");

    // A mapped column the file lacks: the header (line 1) is named.
    let e = t
        .app
        .import_survey_csv(&admin, THANX.as_bytes())
        .await
        .unwrap_err();
    let baton_app::AppError::Import(lines) = e else {
        panic!("{e:?}");
    };
    assert_eq!(lines[0].0, 1, "{lines:?}");
    assert!(
        lines[0].1.contains("'request_sent_to' (the email column)"),
        "{lines:?}"
    );
    assert!(t.app.unmatched_surveys(&admin).await.unwrap().is_empty());
}

async fn a_survey_response_imported_twice_changes_nothing(t: TestApp) {
    let admin = t.as_user("admin@acme.test");
    for a in ["T-1", "T-2"] {
        t.account(a, a).await;
    }
    t.app.set_survey_mapping(&admin, thanx()).await.unwrap();
    t.app
        .import_survey_csv(&admin, THANX.as_bytes())
        .await
        .unwrap();
    let again = t
        .app
        .import_survey_csv(&admin, THANX.as_bytes())
        .await
        .unwrap();
    assert_eq!((again.recorded, again.duplicates), (0, 2), "{again:?}");
    assert_eq!(nps(&t, "T-1").await, [8], "by the tool's response id");

    // Without a response id, a row's content is its key: the same row twice
    // in one file, and the file again, record it once.
    let mapping = ColumnMapping {
        response_id: None,
        ..thanx()
    };
    t.app.set_survey_mapping(&admin, mapping).await.unwrap();
    let twice = "user_id,rating,rated_at,review,nps_feedback_uid
T-2,10,2026-09-20T10:00:00Z,Much better now,a
T-2,10,2026-09-20T10:00:00Z,Much better now,b
";
    let preview = t
        .app
        .preview_survey_csv(&admin, twice.as_bytes())
        .await
        .unwrap();
    let outcomes: Vec<&str> = preview.iter().map(|r| r.outcome.as_str()).collect();
    assert_eq!(outcomes, ["matched", "duplicate"], "{preview:?}");
    let first = t
        .app
        .import_survey_csv(&admin, twice.as_bytes())
        .await
        .unwrap();
    assert_eq!((first.recorded, first.duplicates), (1, 1), "{first:?}");
    t.app
        .import_survey_csv(&admin, twice.as_bytes())
        .await
        .unwrap();
    assert_eq!(nps(&t, "T-2").await, [3, 10]);
}

async fn an_unmatched_response_is_kept_and_an_admin_assigns_it(t: TestApp) {
    let admin = t.as_user("admin@acme.test");
    t.account("Q-1", "Quill").await;
    let mapping = ColumnMapping {
        domains: BTreeMap::new(),
        ..qualtrics()
    };
    t.app.set_survey_mapping(&admin, mapping).await.unwrap();
    // No domain is mapped here: all but Q-1's row wait for review, each
    // with its reason.
    let done = t
        .app
        .import_survey_csv(&admin, QUALTRICS.as_bytes())
        .await
        .unwrap();
    assert_eq!((done.recorded, done.unmatched), (1, 2), "{done:?}");
    let list = t.app.unmatched_surveys(&admin).await.unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert!(
        list.iter().any(|r| r
            .detail
            .contains("no account is mapped to the domain northwind.example")),
        "{list:?}"
    );
    assert!(
        t.app
            .unmatched_surveys(&t.as_user("ae1@acme.test"))
            .await
            .is_err(),
        "the review list is for admins"
    );
    let jo = list
        .iter()
        .find(|r| r.email.as_deref() == Some("jo@northwind.example"))
        .unwrap()
        .clone();
    let e = t
        .app
        .assign_survey(&t.as_user("ae1@acme.test"), &jo.key, &id("Q-1"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("only org admins"), "{e}");
    let e = t
        .app
        .assign_survey(&admin, &jo.key, &id("NOPE"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("NOPE"), "{e}");
    let e = t
        .app
        .assign_survey(&admin, "0000", &id("Q-1"))
        .await
        .unwrap_err();
    assert!(matches!(e, baton_app::AppError::NotFound(_)), "{e:?}");

    let assigned = t
        .app
        .assign_survey(&admin, &jo.key, &id("Q-1"))
        .await
        .unwrap();
    assert_eq!(assigned.outcome, "assigned");
    assert_eq!(
        nps(&t, "Q-1").await,
        [9, 6],
        "recorded as the live path records NPS"
    );
    let e = t
        .app
        .assign_survey(&admin, &jo.key, &id("Q-1"))
        .await
        .unwrap_err();
    assert!(matches!(e, baton_app::AppError::Conflict(_)), "{e:?}");
    assert_eq!(nps(&t, "Q-1").await, [9, 6], "assigned once");
    assert_eq!(t.app.unmatched_surveys(&admin).await.unwrap().len(), 1);
    // The same export again: the assigned response stays as it is.
    let again = t
        .app
        .import_survey_csv(&admin, QUALTRICS.as_bytes())
        .await
        .unwrap();
    assert_eq!(again.duplicates, 3, "{again:?}");
}

const SECRET: &str = "4f1c2b9e8d7a6f5e4d3c2b1a09f8e7d6c5b4a3f2e1d0c9b8";

fn key() -> SecretKey {
    use base64::Engine as _;
    SecretKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([9u8; 32])).unwrap()
}

async fn app(t: &TestApp) -> App {
    let app = t.app.clone().with_secret_key(Some(key()));
    app.set_survey_secret(&t.as_user("admin@acme.test"), SECRET)
        .await
        .unwrap();
    app
}

async fn the_survey_webhook_takes_only_a_verified_delivery(t: TestApp) {
    let app = app(&t).await;
    t.account("W-1", "Wing").await;
    let now = app.now().as_second();
    let body = json!({
        "id": "resp_01HZX", "type": "nps", "score": 9,
        "responded_at": "2026-09-30T10:00:00Z", "email": "ana@wing.example",
        "account": "W-1", "comment": "Smooth handoff"
    })
    .to_string();
    let org = t.org.as_str().to_string();
    let refused = |header: String, org: String, body: String| {
        let app = app.clone();
        async move {
            app.survey_webhook(&org, &header, body.as_bytes())
                .await
                .unwrap_err()
        }
    };
    for (why, header, body) in [
        (
            "a wrong secret",
            signature_header(now, &body, &["0".repeat(40).as_str()]),
            body.clone(),
        ),
        (
            "a changed body",
            signature_header(now, &body, &[SECRET]),
            body.replace("W-1", "W-2"),
        ),
        (
            "a stale timestamp",
            signature_header(now - 301, &body, &[SECRET]),
            body.clone(),
        ),
        ("no signature", format!("t={now}"), body.clone()),
        ("no header", String::new(), body.clone()),
    ] {
        let e = refused(header, org.clone(), body).await;
        assert!(
            matches!(e, baton_app::AppError::Unauthenticated(_)),
            "{why}: {e:?}"
        );
    }
    // An org without a secret, and none at all, are refused alike.
    for other in ["globex", "no org at all"] {
        let e = refused(
            signature_header(now, &body, &[SECRET]),
            other.into(),
            body.clone(),
        )
        .await;
        assert!(
            matches!(e, baton_app::AppError::Unauthenticated(_)),
            "{other}: {e:?}"
        );
    }
    assert!(
        nps(&t, "W-1").await.is_empty(),
        "nothing refused is recorded"
    );

    // While the sender rotates its secret it signs with both: one matching
    // is enough.
    let rotated = signature_header(
        now,
        &body,
        &["an-old-secret-that-was-rotated-out-000", SECRET],
    );
    let r = app
        .survey_webhook(&org, &rotated, body.as_bytes())
        .await
        .unwrap();
    assert_eq!(
        (r.outcome.as_str(), r.duplicate),
        ("recorded", false),
        "{r:?}"
    );
    let again = app
        .survey_webhook(
            &org,
            &signature_header(now, &body, &[SECRET]),
            body.as_bytes(),
        )
        .await
        .unwrap();
    assert!(again.duplicate, "{again:?}");
    assert_eq!(nps(&t, "W-1").await, [9]);

    // Verified, but not a response to keep: named, nothing recorded.
    for (bad, field) in [
        (
            json!({"id": "r2", "type": "nps", "score": 11, "responded_at": "2026-09-30T10:00:00Z", "account": "W-1"}),
            "score",
        ),
        (
            json!({"id": "r3", "type": "nps", "score": 5, "responded_at": "2026-10-02T10:00:00Z", "account": "W-1"}),
            "future",
        ),
        (
            json!({"id": "r4", "type": "ces", "score": 5, "responded_at": "2026-09-30T10:00:00Z"}),
            "ces",
        ),
        (
            json!({"id": "r5", "type": "nps", "score": 5, "responded_at": "2026-09-30T10:00:00Z", "extra": 1}),
            "extra",
        ),
    ] {
        let b = bad.to_string();
        let e = app
            .survey_webhook(&org, &signature_header(now, &b, &[SECRET]), b.as_bytes())
            .await
            .unwrap_err();
        assert!(
            !matches!(e, baton_app::AppError::Unauthenticated(_)),
            "{e:?}"
        );
        assert!(e.to_string().contains(field), "{field}: {e}");
    }
    assert_eq!(nps(&t, "W-1").await, [9]);

    // A response naming no account is kept for review.
    let stray = json!({"id": "r6", "type": "csat", "score": 4, "responded_at": "2026-09-30T10:00:00Z", "email": "x@unknown.example"}).to_string();
    let r = app
        .survey_webhook(
            &org,
            &signature_header(now, &stray, &[SECRET]),
            stray.as_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(r.outcome, "unmatched", "{r:?}");
    assert_eq!(
        app.unmatched_surveys(&t.as_user("admin@acme.test"))
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn a_survey_secret_and_mapping_are_set_by_an_admin_only(t: TestApp) {
    let app = t.app.clone().with_secret_key(Some(key()));
    let member = t.as_user("ae1@acme.test");
    let admin = t.as_user("admin@acme.test");
    let e = app.set_survey_secret(&member, SECRET).await.unwrap_err();
    assert!(e.to_string().contains("only org admins"), "{e}");
    let e = app.set_survey_secret(&admin, "short").await.unwrap_err();
    assert!(e.to_string().contains("32"), "{e}");
    let e = t.app.set_survey_secret(&admin, SECRET).await.unwrap_err();
    assert!(e.to_string().contains("BATON_SECRET_KEY"), "{e}");
    app.set_survey_secret(&admin, SECRET).await.unwrap();
    let stored = app.store().survey_secret(&t.org).await.unwrap().unwrap();
    assert!(!stored.contains(SECRET), "sealed, never in clear");

    assert!(app.set_survey_mapping(&member, thanx()).await.is_err());
    // A domain must be mapped to an account of the org.
    let e = app
        .set_survey_mapping(&admin, qualtrics())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Q-2"), "{e}");
    assert!(
        app.survey_mapping(&admin).await.unwrap().is_none(),
        "nothing kept"
    );
    let e = app
        .preview_survey_csv(&admin, THANX.as_bytes())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no survey column mapping"), "{e}");
    t.account("Q-2", "Quill Two").await;
    app.set_survey_mapping(&admin, qualtrics()).await.unwrap();
    assert_eq!(app.survey_mapping(&admin).await.unwrap(), Some(qualtrics()));
}
