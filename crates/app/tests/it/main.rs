//! The store conformance suite: every scenario runs on SQLite and on
//! PostgreSQL through the real use cases, so both backends behave alike.
//! One test binary (each extra binary is another slow link).
// Scenarios are plain async fns run by `on_both_backends!`, which clippy's
// allow-*-in-tests settings do not see as tests.
#![expect(clippy::unwrap_used, clippy::panic, reason = "a test fails loudly")]

mod accounts;
mod attestations;
mod audits;
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
mod webhooks;

use std::collections::BTreeMap;

use baton_app::handoffs::NewHandoff;
use baton_domain::{AccountId, ContractKey, Currency, Handoff, Money};
use baton_testkit::TestApp;
use serde_json::{Value, json};

/// Eight complete ae-to-onboarding values.
pub fn full_ae_values() -> BTreeMap<String, Value> {
    [
        ("economic_buyer", "Dana Ortiz, CFO; signs up to 250k alone"),
        (
            "champion_map",
            "Lee Park (VP Ops) strong champion; CFO neutral",
        ),
        (
            "commitments",
            "Verbal: SSO by week 6. Contract: 99.9% uptime.",
        ),
        (
            "success_criteria",
            "Cut rep onboarding from 6 to 3 weeks by Q1",
        ),
        (
            "implementation_risks",
            "Messy legacy CRM export; December freeze",
        ),
        (
            "competitive_displacement",
            "Replacing Legacy Co; rebuild custom reports first",
        ),
        (
            "go_live_deadlines",
            "Go-live 2026-12-01 before their kickoff 12-08",
        ),
        ("expansion_hypothesis", "Year 2: EMEA team, 40 more seats"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), json!(v)))
    .collect()
}

/// Creates account `id` as the admin.
pub async fn account(t: &TestApp, id: &str) -> AccountId {
    let id = AccountId::parse(id).unwrap();
    t.app
        .upsert_account(
            &t.as_user("admin@acme.test"),
            baton_app::signals::AccountInput {
                id: id.clone(),
                name: format!("Customer {id}"),
                arr: Money {
                    minor: 4_800_000,
                    currency: Currency::parse("USD").unwrap(),
                },
                segment: Some("mid-market".into()),
            },
        )
        .await
        .unwrap();
    id
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
