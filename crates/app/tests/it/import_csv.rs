//! CSV history from a CRM report, on both backends.

use baton_app::AppError;
use baton_domain::{ContractKey, HandoffId, State};
use baton_testkit::{TestApp, on_both_backends};

on_both_backends!(
    a_crm_report_becomes_handoffs_with_their_decisions,
    bad_rows_are_named_by_row_and_nothing_is_applied,
    a_duplicated_column_header_is_refused_naming_it_and_its_columns,
    a_deal_id_column_names_each_handoffs_deal,
);

const HEADER: &str = "handoff_id,account_id,account_name,account_arr,sender,receiver,submitted_at,accepted_at,rejected_at,rejection_reason,economic_buyer,success_criteria,go_live_deadlines";

fn report(rows: &[&str]) -> String {
    let mut s = String::from(HEADER);
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.push('\n');
    s
}

async fn a_crm_report_becomes_handoffs_with_their_decisions(t: TestApp) {
    let csv = report(&[
        "C-1,A-1,Northwind,48000.00 USD,ae1@acme.test,onboarding1@acme.test,2026-10-01T09:00:00Z,2026-10-02T09:00:00Z,,,\"Dana Ortiz, CFO; signs alone\",Cut onboarding from 6 to 3 weeks,Go-live 2026-12-01",
        "C-2,A-2,Globex,120000.00 USD,ae2@acme.test,onboarding2@acme.test,2026-10-05,2026-10-08,2026-10-06,No go-live date,Sam Lee (CEO) decides,Replace three tools with one,",
        "C-3,A-1,Northwind,48000.00 USD,ae1@acme.test,,2026-10-20T12:00:00Z,,,,,,",
    ]);
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    let s = t
        .app
        .import_handoffs_csv(t.org.clone(), &key, csv.as_bytes())
        .await
        .unwrap();
    assert_eq!((s.handoffs, s.accounts), (3, 2));
    let store = t.app.store();
    let h = |id: &str| HandoffId::parse(id).unwrap();
    let c1 = store.handoff(&t.org, &h("C-1")).await.unwrap().unwrap();
    assert_eq!(c1.state, State::Accepted);
    assert_eq!(c1.values.len(), 3, "one value per field column with a cell");
    let c2 = store.handoff(&t.org, &h("C-2")).await.unwrap().unwrap();
    assert_eq!(
        (c2.state, c2.rejections(), c2.submissions.len()),
        (State::Accepted, 1, 2)
    );
    assert_eq!(
        c2.accepted_at.map(|a| a.to_string()).as_deref(),
        Some("2026-10-08T00:00:00Z"),
        "a date is midnight UTC"
    );
    let c3 = store.handoff(&t.org, &h("C-3")).await.unwrap().unwrap();
    assert_eq!(c3.state, State::Submitted);
}

async fn bad_rows_are_named_by_row_and_nothing_is_applied(t: TestApp) {
    let before = t.app.store().event_count(&t.org).await.unwrap();
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    let csv = report(&[
        "C-1,A-1,Northwind,48000.00 USD,ae1@acme.test,onboarding1@acme.test,2026-10-01T09:00:00Z,2026-10-02T09:00:00Z,,,Dana,,",
        "C-2,A-2,Globex,120000.00 USD,ae2@acme.test,onboarding2@acme.test,yesterday,,,,,,",
        "C-3,A-3,Initech,lots,ae2@acme.test,,2026-10-01,,,,,,",
        "C-1,A-1,Northwind,48000.00 USD,ae1@acme.test,,2026-10-03,,,,,,",
    ]);
    let Err(AppError::Import(errors)) = t
        .app
        .import_handoffs_csv(t.org.clone(), &key, csv.as_bytes())
        .await
    else {
        panic!("the report has bad rows");
    };
    let rows: Vec<u64> = errors.iter().map(|e| e.0).collect();
    assert_eq!(rows, [3, 4, 5], "{errors:?}");
    assert!(errors[0].1.contains("submitted_at") && errors[0].1.contains("yesterday"));
    assert!(errors[1].1.contains("account_arr"));
    assert!(errors[2].1.contains("earlier row"));
    assert_eq!(t.app.store().event_count(&t.org).await.unwrap(), before);
    // A cell the contract cannot take is named by its row too.
    let unknown = "handoff_id,account_id,account_name,account_arr,sender,submitted_at,budget\nC-9,A-9,Hooli,10.00 USD,ae1@acme.test,2026-10-01,plenty\n";
    let Err(AppError::Import(errors)) = t
        .app
        .import_handoffs_csv(t.org.clone(), &key, unknown.as_bytes())
        .await
    else {
        panic!("budget is not a field of ae-to-onboarding");
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, 2);
    assert!(errors[0].1.contains("budget"), "{}", errors[0].1);
    assert_eq!(t.app.store().event_count(&t.org).await.unwrap(), before);
}

async fn a_duplicated_column_header_is_refused_naming_it_and_its_columns(t: TestApp) {
    let before = t.app.store().event_count(&t.org).await.unwrap();
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    // Columns 5 and 14 are both `sender` (headers are case-insensitive),
    // 11 and 15 both `economic_buyer`: one of each would be dropped.
    let csv = format!(
        "{HEADER},Sender,economic_buyer\n{}\n",
        "C-1,A-1,Northwind,48000.00 USD,ae1@acme.test,onboarding1@acme.test,2026-10-01T09:00:00Z,,,,Dana Ortiz (CFO),Cut onboarding,Go-live 2026-12-01,ae2@acme.test,Sam Lee (CEO)"
    );
    let Err(AppError::Import(errors)) = t
        .app
        .import_handoffs_csv(t.org.clone(), &key, csv.as_bytes())
        .await
    else {
        panic!("a duplicated header is refused");
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (row, why) = &errors[0];
    assert_eq!(*row, 1, "the header row");
    assert!(
        why.contains("'sender' (columns 5 and 14)")
            && why.contains("'economic_buyer' (columns 11 and 15)"),
        "{why}"
    );
    assert_eq!(t.app.store().event_count(&t.org).await.unwrap(), before);
}

async fn a_deal_id_column_names_each_handoffs_deal(t: TestApp) {
    let csv = "handoff_id,account_id,account_name,account_arr,deal_id,sender,submitted_at\n\
               C-9,A-9,Initech,30000.00 USD,006-900,ae1@acme.test,2026-10-01\n\
               C-10,A-9,Initech,30000.00 USD,,ae1@acme.test,2026-10-02\n";
    let key = ContractKey::parse("ae-to-onboarding").unwrap();
    t.app
        .import_handoffs_csv(t.org.clone(), &key, csv.as_bytes())
        .await
        .unwrap();
    let store = t.app.store();
    let h = |id: &str| HandoffId::parse(id).unwrap();
    let c9 = store.handoff(&t.org, &h("C-9")).await.unwrap().unwrap();
    assert_eq!(c9.deal.map(|d| d.to_string()).as_deref(), Some("006-900"));
    let c10 = store.handoff(&t.org, &h("C-10")).await.unwrap().unwrap();
    assert_eq!(c10.deal, None, "an empty cell names no deal");
}
