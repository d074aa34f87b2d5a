//! The store conformance suite: every scenario runs on SQLite and on
//! PostgreSQL through the real use cases, so both backends behave alike.
//! One test binary (each extra binary is another slow link).
// Scenarios are plain async fns run by `on_both_backends!`, which clippy's
// allow-*-in-tests settings do not see as tests.
#![expect(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly")]

mod accounts;
mod attestations;
mod audits;
mod billing;
mod callers;
mod concurrency;
mod contracts;
mod crm_sync;
mod deals;
mod demo;
mod fx;
mod handoffs;
mod import;
mod import_csv;
mod log;
mod mail;
mod org;
mod people;
mod queue;
mod rediscovery;
mod rollout;
mod scorecard;
mod sla;
mod sso;
mod surveys;
mod usage;
mod webhooks;

use std::collections::BTreeMap;

use baton_app::handoffs::NewHandoff;
use baton_domain::{AccountId, ContractKey, Handoff};
use baton_testkit::TestApp;
use serde_json::Value;

/// Creates account `id` ("Customer {id}") as the admin.
pub async fn account(t: &TestApp, id: &str) -> AccountId {
    t.account(id, &format!("Customer {id}")).await;
    AccountId::parse(id).unwrap()
}

/// Starts a handoff of `contract` for a new account, as `sender`.
pub async fn draft(
    t: &TestApp,
    contract: &str,
    account_id: &str,
    sender: &str,
    values: BTreeMap<String, Value>,
) -> Handoff {
    let account = account(t, account_id).await;
    t.app
        .start_handoff(
            &t.as_user(sender),
            NewHandoff {
                id: None,
                contract: ContractKey::parse(contract).unwrap(),
                account,
                deal: None,
                to: None,
                values,
                attachments: vec![],
            },
        )
        .await
        .unwrap()
}
