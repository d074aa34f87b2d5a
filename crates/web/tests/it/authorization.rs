//! The authorization matrix: every route of `/api/v1/openapi.json` × {anonymous,
//! another org's admin, a sender-team member, a receiving-team member, the
//! receiving team's lead, the org admin} with the status each must get. Each
//! cell runs against fresh fixtures; a refused cell changes nothing; another
//! org's caller never sees Acme's data. A route the document lists but the
//! table does not cover fails the test.

use std::collections::{BTreeMap, BTreeSet};

use baton_app::handoffs::NewHandoff;
use baton_domain::contract::Mode;
use baton_domain::{ContractKey, HandoffId, OrgId};
use baton_testkit::{TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

use crate::handoffs::{complete, sides};
use crate::harness::{OTHER_ADMIN, Server, start};
use crate::openapi::{anonymous_params, operations};

on_both_backends!(every_route_answers_each_kind_of_caller_as_the_matrix_says);

/// The kinds of caller, in the order of a row's `expect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anonymous,
    OtherOrg,
    Sender,
    Receiver,
    Lead,
    Admin,
}

const ROLES: [Role; 6] = [
    Role::Anonymous,
    Role::OtherOrg,
    Role::Sender,
    Role::Receiver,
    Role::Lead,
    Role::Admin,
];

/// What must exist before a cell runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fixture {
    /// Nothing beyond the seeded org and an account.
    Account,
    /// A draft of the row's contract by its sender.
    Draft,
    /// … submitted.
    Submitted,
    /// … accepted by its receiver.
    Accepted,
    /// … resolved by its receiver (follow-through contracts).
    Resolved,
    /// A bearer token of the row's sender.
    Token,
    /// A sampled audit of a submitted handoff (drawn by the admin).
    Audit,
    /// A person of the org's CS team, made by the admin for this cell (the
    /// fixture's id is their email).
    Person,
    /// … deactivated.
    DeactivatedPerson,
    /// A webhook subscription made by the admin.
    Webhook,
    /// … with a dead delivery (of an account event).
    DeadDelivery,
    /// An accepted handoff and an open re-discovery suggestion against it
    /// (from the admin's note).
    Suggestion,
    /// A CRM connection made by the admin (stored as is: no CRM answers
    /// here, and the server has no secret key).
    Connection,
    /// A proposal to the row's contract by its sender.
    Proposal,
    /// The org's survey column mapping, and a survey response naming no
    /// account, on the review list (the fixture's id is its id).
    UnmatchedSurvey,
}

/// What a cell's fixture made.
struct Made {
    /// The cell's number, for unique names.
    n: usize,
    account: String,
    id: String,
    /// The contract's current definition, to publish a new version of.
    definition: Value,
    /// The mode the contract is not in (to switch to).
    other_mode: &'static str,
    /// A webhook delivery's id.
    delivery: String,
}

/// A body that is not JSON: its content type and how to make it.
type RawBody = (&'static str, fn(&Made) -> Vec<u8>);

/// One route: how to call it and what each kind of caller gets.
struct Row {
    method: &'static str,
    /// As in the OpenAPI document; `{id}` is the fixture's id, `{key}` and
    /// `{contract}` the row's contract, `{account}` the fixture's account.
    path: &'static str,
    contract: &'static str,
    fixture: Fixture,
    body: fn(&Made) -> Option<Value>,
    /// A body that is not JSON: content type and bytes.
    raw: Option<RawBody>,
    /// Statuses for anonymous, other org, sender, receiver, lead, admin.
    expect: [u16; 6],
    /// Answers anyone the same (sign-in, the document): no leak check.
    public: bool,
}

fn none(_: &Made) -> Option<Value> {
    None
}

fn note(_: &Made) -> Option<Value> {
    Some(json!({"note": "Status update for the customer"}))
}

const AE: &str = "ae-to-onboarding";
const CS: &str = "cs-to-support";
const X: &str = "cross-motion";
const MQL: &str = "mql-to-sdr";

/// The matrix. Keep it in the order of the document's tags.
fn matrix() -> Vec<Row> {
    let row = |method, path, contract, fixture, body, expect| Row {
        method,
        path,
        contract,
        fixture,
        body,
        expect,
        raw: None,
        public: false,
    };
    vec![
        Row {
            public: true,
            ..row("GET", "/openapi.json", AE, Fixture::Account, none, [200; 6])
        },
        Row {
            public: true,
            ..row(
                "POST",
                "/session",
                AE,
                Fixture::Account,
                |_| {
                    Some(
                        json!({"email": "admin@acme.test", "password": baton_testkit::ADMIN_PASSWORD}),
                    )
                },
                [200; 6],
            )
        },
        Row {
            public: true,
            ..row("DELETE", "/session", AE, Fixture::Account, none, [204; 6])
        },
        row(
            "POST",
            "/tokens",
            AE,
            Fixture::Account,
            |_| Some(json!({"name": "matrix"})),
            [401, 201, 201, 201, 201, 201],
        ),
        row(
            "GET",
            "/tokens",
            AE,
            Fixture::Account,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        // The token is the sender's: its owner and the admin revoke it; to
        // everyone else it does not exist.
        row(
            "DELETE",
            "/tokens/{id}",
            AE,
            Fixture::Token,
            none,
            [401, 404, 204, 404, 404, 204],
        ),
        // Notification preferences are everyone's own; the mail log is
        // the admins'.
        row(
            "GET",
            "/me/notifications",
            AE,
            Fixture::Account,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "PUT",
            "/me/notifications",
            AE,
            Fixture::Account,
            |_| {
                Some(
                    json!({"kinds": {"submitted": "digest"}, "digest_hour": 9, "time_zone": "Europe/Paris"}),
                )
            },
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/queue",
            AE,
            Fixture::Account,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/mail",
            AE,
            Fixture::Account,
            none,
            [401, 200, 403, 403, 403, 200],
        ),
        // People: admins change teams, deactivate and reactivate; to
        // another org the person does not exist.
        row(
            "PUT",
            "/users/{email}/teams",
            AE,
            Fixture::Person,
            |_| Some(json!({"teams": [{"team": "cs", "role": "lead"}]})),
            [401, 404, 403, 403, 403, 200],
        ),
        row(
            "POST",
            "/users/{email}/deactivate",
            AE,
            Fixture::Person,
            none,
            [401, 404, 403, 403, 403, 200],
        ),
        row(
            "POST",
            "/users/{email}/password-link",
            AE,
            Fixture::Person,
            none,
            [401, 404, 403, 403, 403, 201],
        ),
        row(
            "POST",
            "/users/{email}/reactivate",
            AE,
            Fixture::DeactivatedPerson,
            none,
            [401, 404, 403, 403, 403, 200],
        ),
        // How people sign in: anyone reads it; admins set it (passwords
        // off needs SSO, which this server does not offer: 422).
        row(
            "GET",
            "/org/sign-in",
            AE,
            Fixture::Account,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "PUT",
            "/org/sign-in",
            AE,
            Fixture::Account,
            |_| Some(json!({"password": true, "sso_team": "cs", "sso_domains": ["example.com"]})),
            [401, 200, 403, 403, 403, 200],
        ),
        // Handoffs: senders (and admins) start, edit, submit, withdraw;
        // receivers (lead included, admin not) accept and reject.
        row(
            "POST",
            "/handoffs",
            AE,
            Fixture::Account,
            |m| Some(json!({"contract": AE, "account": m.account, "values": complete(AE)})),
            // Another org's caller names an account it does not have.
            [401, 422, 201, 403, 403, 201],
        ),
        row(
            "GET",
            "/handoffs",
            AE,
            Fixture::Draft,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/handoffs/{id}",
            AE,
            Fixture::Draft,
            none,
            [401, 404, 200, 200, 200, 200],
        ),
        row(
            "PATCH",
            "/handoffs/{id}",
            AE,
            Fixture::Draft,
            |_| {
                Some(
                    json!({"values": {"expansion_hypothesis": "Year 2: APAC team, 25 more seats"}}),
                )
            },
            [401, 404, 200, 403, 403, 200],
        ),
        row(
            "GET",
            "/handoffs/{id}/events",
            AE,
            Fixture::Draft,
            none,
            [401, 404, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/handoffs/{id}/submit",
            AE,
            Fixture::Draft,
            none,
            [401, 404, 200, 403, 403, 200],
        ),
        row(
            "POST",
            "/handoffs/{id}/accept",
            AE,
            Fixture::Submitted,
            none,
            [401, 404, 403, 200, 200, 403],
        ),
        row(
            "POST",
            "/handoffs/{id}/reject",
            AE,
            Fixture::Submitted,
            |_| {
                Some(
                    json!({"code": "missing_context", "reason": "No champion map", "fields": ["champion_map"]}),
                )
            },
            [401, 404, 403, 200, 200, 403],
        ),
        row(
            "POST",
            "/handoffs/{id}/withdraw",
            AE,
            Fixture::Draft,
            none,
            [401, 404, 200, 403, 403, 200],
        ),
        // First touch: the receiving team (sdr) only, not an admin outside it.
        row(
            "POST",
            "/handoffs/{id}/first-touch",
            MQL,
            Fixture::Accepted,
            |_| Some(json!({"channel": "call"})),
            [401, 404, 403, 200, 200, 403],
        ),
        // Follow-through: the receiving team acts; the communication owner
        // (the sending CSM) closes the loop.
        row(
            "POST",
            "/handoffs/{id}/ack",
            CS,
            Fixture::Accepted,
            |_| Some(json!({"eta": "2026-10-05T12:00:00Z"})),
            [401, 404, 403, 200, 200, 403],
        ),
        row(
            "POST",
            "/handoffs/{id}/echo",
            CS,
            Fixture::Accepted,
            note,
            [401, 404, 403, 200, 200, 403],
        ),
        row(
            "POST",
            "/handoffs/{id}/resolve",
            CS,
            Fixture::Accepted,
            note,
            [401, 404, 403, 200, 200, 403],
        ),
        row(
            "POST",
            "/handoffs/{id}/close-loop",
            CS,
            Fixture::Resolved,
            note,
            [401, 404, 200, 403, 403, 403],
        ),
        // Either side attests; an admin outside both teams does not.
        row(
            "POST",
            "/handoffs/{id}/attest",
            X,
            Fixture::Submitted,
            |_| {
                Some(json!({
                    "question": "Who owns the customer relationship while the cross-sell is active?",
                    "answer": "Pat Lee (Motion A CSM)",
                }))
            },
            [401, 404, 200, 200, 200, 403],
        ),
        // The gate: anyone in the org may ask; another org's account is not found.
        row(
            "GET",
            "/gates/{contract}/{account}",
            AE,
            Fixture::Draft,
            none,
            [401, 404, 200, 200, 200, 200],
        ),
        // Inbound CRM changes act for the record's owner: an admin's token
        // only. Another org's admin reaches its own org, where Acme's owner
        // is unknown (422, naming only the field).
        row(
            "POST",
            "/inbound/crm",
            AE,
            Fixture::Account,
            |m| {
                Some(json!({
                    "object": "deal",
                    "id": format!("D-{}", m.n),
                    "account": {"id": m.account, "name": "Northwind", "arr": {"minor": 100, "currency": "USD"}},
                    "stage": "Closed Won",
                    "owner": "ae1@acme.test",
                }))
            },
            [401, 422, 403, 403, 403, 201],
        ),
        // A CRM activity records the first touch as its owner: an admin's
        // token only; in another org the owner is unknown (422).
        row(
            "POST",
            "/inbound/crm/activity",
            MQL,
            Fixture::Accepted,
            |m| {
                Some(json!({
                    "account": m.account,
                    "kind": "call",
                    "owner": "sdr1@acme.test",
                }))
            },
            [401, 422, 403, 403, 403, 200],
        ),
        row(
            "GET",
            "/inbound/crm/rules",
            AE,
            Fixture::Account,
            none,
            [401, 200, 403, 403, 403, 200],
        ),
        row(
            "PUT",
            "/inbound/crm/rules",
            AE,
            Fixture::Account,
            |_| {
                Some(json!({"rules": [
                    {"object": "deal", "stage": "Closed Won", "contract": "ae-to-onboarding"},
                ]}))
            },
            [401, 200, 403, 403, 403, 200],
        ),
        // The org: everyone reads; admins manage.
        row(
            "GET",
            "/teams",
            AE,
            Fixture::Account,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/teams",
            AE,
            Fixture::Account,
            |m| Some(json!({"key": format!("squad-{}", m.n), "name": "Squad"})),
            [401, 201, 403, 403, 403, 201],
        ),
        // The reporting currency and exchange rates: everyone reads; admins
        // set them (another org's admin, in their own org). The currency
        // row comes first: a rate needs a reporting currency.
        row(
            "GET",
            "/fx-rates",
            AE,
            Fixture::Account,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "PUT",
            "/org/currency",
            AE,
            Fixture::Account,
            |_| Some(json!({"currency": "EUR"})),
            [401, 200, 403, 403, 403, 200],
        ),
        row(
            "POST",
            "/fx-rates",
            AE,
            Fixture::Account,
            |_| Some(json!({"currency": "USD", "rate": "0.92", "effective": "2026-01-01"})),
            [401, 201, 403, 403, 403, 201],
        ),
        row(
            "GET",
            "/users",
            AE,
            Fixture::Account,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/users",
            AE,
            Fixture::Account,
            |m| {
                Some(json!({
                    "email": format!("new{}@example.test", m.n),
                    "name": "New Person",
                    "teams": [{"team": "ae", "role": "member"}],
                    "admin": false,
                }))
            },
            [401, 201, 403, 403, 403, 201],
        ),
        // Accounts: the CRM's records; any member may record them.
        row(
            "GET",
            "/accounts",
            AE,
            Fixture::Account,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/accounts",
            AE,
            Fixture::Account,
            |m| {
                Some(json!({
                    "id": format!("N-{}", m.n),
                    "name": "Matrix account",
                    "arr": {"minor": 100_000, "currency": "EUR"},
                    "segment": "smb",
                }))
            },
            [401, 201, 201, 201, 201, 201],
        ),
        row(
            "GET",
            "/accounts/{id}",
            AE,
            Fixture::Account,
            none,
            [401, 404, 200, 200, 200, 200],
        ),
        // Contracts: everyone reads; the receiving team's lead (or an admin)
        // holds the pen; the sending team proposes. Another org's caller
        // reaches its own contract of the same key, never Acme's.
        row(
            "GET",
            "/contracts",
            AE,
            Fixture::Account,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/contracts/{key}",
            AE,
            Fixture::Account,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/contracts/{key}/versions",
            AE,
            Fixture::Account,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/contracts/{key}/versions",
            AE,
            Fixture::Account,
            |m| {
                let mut d = m.definition.clone();
                d["title"] = json!(format!("AE → Onboarding, revision {}", m.n));
                Some(d)
            },
            [401, 201, 403, 403, 201, 201],
        ),
        row(
            "PUT",
            "/contracts/{key}/mode",
            AE,
            Fixture::Account,
            // The other org's contract has not started its rollout: its
            // admin skips ahead with a reason (unused where none is needed).
            |m| Some(json!({"mode": m.other_mode, "reason": "the authorization matrix"})),
            [401, 200, 403, 403, 200, 200],
        ),
        row(
            "POST",
            "/contracts/{key}/proposals",
            AE,
            Fixture::Account,
            |_| Some(json!({"summary": "Add a field naming the data-migration owner"})),
            [401, 201, 201, 403, 403, 201],
        ),
        // The receiving team's leads (and admins) answer, once each: the
        // fixture is fresh per cell.
        row(
            "POST",
            "/contracts/{key}/proposals/{id}/answer",
            AE,
            Fixture::Proposal,
            |_| Some(json!({"accepted": false, "reason": "The deal desk note already names it"})),
            [401, 404, 403, 403, 200, 200],
        ),
        row(
            "GET",
            "/contracts/{key}/proposals",
            AE,
            Fixture::Account,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        // Signals: any member records them, about an account of their org.
        row(
            "POST",
            "/signals/rediscovery",
            AE,
            Fixture::Account,
            |m| {
                Some(
                    json!({"account": m.account, "field": "success_criteria", "note": "Asked for their goals again"}),
                )
            },
            [401, 422, 201, 201, 201, 201],
        ),
        row(
            "POST",
            "/signals/nps",
            AE,
            Fixture::Account,
            |m| Some(json!({"account": m.account, "score": 9})),
            [401, 422, 201, 201, 201, 201],
        ),
        row(
            "POST",
            "/signals/usage",
            AE,
            Fixture::Account,
            |m| {
                Some(
                    json!({"days": [{"account": m.account, "day": "2026-09-30", "active_users": 12, "seats": 40, "features": ["reports"]}]}),
                )
            },
            [401, 422, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/accounts/{id}/usage",
            AE,
            Fixture::Account,
            none,
            [401, 404, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/signals/notes",
            AE,
            Fixture::Account,
            |m| {
                Some(
                    json!({"account": m.account, "text": "Kickoff call. Who signs off on the budget for this?"}),
                )
            },
            [401, 422, 201, 201, 201, 201],
        ),
        // Anyone in the org reads the review queue (sensitive fields are
        // never evidence); the receiving side and admins decide.
        row(
            "GET",
            "/signals/suggestions",
            AE,
            Fixture::Suggestion,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        // The detector's figures are the admins' to answer for.
        row(
            "GET",
            "/signals/suggestions/quality",
            AE,
            Fixture::Suggestion,
            none,
            [401, 200, 403, 403, 403, 200],
        ),
        row(
            "POST",
            "/signals/suggestions/{id}/confirm",
            AE,
            Fixture::Suggestion,
            none,
            [401, 404, 403, 200, 200, 200],
        ),
        row(
            "POST",
            "/signals/suggestions/{id}/dismiss",
            AE,
            Fixture::Suggestion,
            none,
            [401, 404, 403, 200, 200, 200],
        ),
        row(
            "POST",
            "/signals/churn",
            AE,
            Fixture::Account,
            |m| {
                Some(
                    json!({"account": m.account, "arr_lost": {"minor": 4_800_000, "currency": "USD"}}),
                )
            },
            [401, 422, 201, 201, 201, 201],
        ),
        // History import: admins, into their own org.
        Row {
            raw: Some(("application/x-ndjson", |m| {
                let line = json!({
                    "type": "account",
                    "id": format!("I-{}", m.n),
                    "name": "Imported",
                    "arr": {"minor": 100, "currency": "USD"},
                    "segment": "smb",
                });
                format!("{line}\n").into_bytes()
            })),
            ..row(
                "POST",
                "/import/events",
                AE,
                Fixture::Account,
                none,
                [401, 200, 403, 403, 403, 200],
            )
        },
        // The numbers: everyone in the org reads them; another org reads its own.
        row(
            "GET",
            "/scorecard",
            AE,
            Fixture::Submitted,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/leak-audit",
            AE,
            Fixture::Submitted,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "GET",
            "/incentives",
            AE,
            Fixture::Accepted,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        // Concrete tests: everyone reads them; auditors (an admin or a lead
        // of the receiving team) draw samples and record verdicts.
        row(
            "GET",
            "/contracts/{key}/audits",
            AE,
            Fixture::Submitted,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "POST",
            "/contracts/{key}/audits/sample",
            AE,
            Fixture::Submitted,
            none,
            [401, 422, 403, 403, 201, 201],
        ),
        row(
            "POST",
            "/contracts/{key}/audits/{id}/result",
            AE,
            Fixture::Audit,
            |_| {
                Some(
                    json!({"answer": "Stated the buyer, the risks and the go-live date", "passed": true}),
                )
            },
            [401, 404, 403, 403, 200, 200],
        ),
        // The rollout plan: everyone reads it; an admin or a lead of the
        // receiving team moves a contract.
        row(
            "GET",
            "/rollout",
            AE,
            Fixture::Account,
            none,
            [401, 200, 200, 200, 200, 200],
        ),
        row(
            "PUT",
            "/rollout",
            AE,
            Fixture::Account,
            |_| {
                Some(
                    json!({"contract": "ae-to-onboarding", "phase": "leak_audit", "planned": {"gating": "2026-12-01"}}),
                )
            },
            [401, 200, 403, 403, 200, 200],
        ),
        // Webhooks: admins only.
        row(
            "POST",
            "/webhooks",
            AE,
            Fixture::Account,
            |_| {
                Some(
                    json!({"url": "https://hooks.example/baton", "events": ["*"], "secret": "s3cret-s3cret-s3cret"}),
                )
            },
            [401, 201, 403, 403, 403, 201],
        ),
        row(
            "GET",
            "/webhooks",
            AE,
            Fixture::Account,
            none,
            [401, 200, 403, 403, 403, 200],
        ),
        row(
            "DELETE",
            "/webhooks/{id}",
            AE,
            Fixture::Webhook,
            none,
            [401, 404, 403, 403, 403, 204],
        ),
        row(
            "GET",
            "/webhooks/{id}/deliveries",
            AE,
            Fixture::DeadDelivery,
            none,
            [401, 404, 403, 403, 403, 200],
        ),
        row(
            "POST",
            "/webhooks/{id}/test",
            AE,
            Fixture::Webhook,
            none,
            [401, 404, 403, 403, 403, 200],
        ),
        row(
            "POST",
            "/webhooks/{id}/deliveries/{delivery}/redeliver",
            AE,
            Fixture::DeadDelivery,
            none,
            [401, 404, 403, 403, 403, 202],
        ),
        // CRM connections: admins only, reads included. Without
        // BATON_SECRET_KEY connecting is a 422 naming it; testing answers
        // what it found.
        row(
            "POST",
            "/crm/connections",
            AE,
            Fixture::Account,
            |_| Some(json!({"vendor": "hubspot", "name": "HubSpot", "settings": {}})),
            [401, 422, 403, 403, 403, 422],
        ),
        row(
            "GET",
            "/crm/connections",
            AE,
            Fixture::Account,
            none,
            [401, 200, 403, 403, 403, 200],
        ),
        row(
            "GET",
            "/crm/connections/{id}",
            AE,
            Fixture::Connection,
            none,
            [401, 404, 403, 403, 403, 200],
        ),
        row(
            "DELETE",
            "/crm/connections/{id}",
            AE,
            Fixture::Connection,
            none,
            [401, 404, 403, 403, 403, 204],
        ),
        row(
            "POST",
            "/crm/connections/{id}/test",
            AE,
            Fixture::Connection,
            none,
            [401, 404, 403, 403, 403, 200],
        ),
        row(
            "POST",
            "/crm/connections/{id}/sync",
            AE,
            Fixture::Connection,
            none,
            [401, 404, 403, 403, 403, 202],
        ),
        row(
            "GET",
            "/crm/connections/{id}/log",
            AE,
            Fixture::Connection,
            none,
            [401, 404, 403, 403, 403, 200],
        ),
        // HubSpot's webhook: the signature is the credential, so whoever
        // calls without one is answered alike.
        Row {
            public: true,
            ..row(
                "POST",
                "/inbound/hubspot/{connection}",
                AE,
                Fixture::Connection,
                |_| Some(json!([])),
                [401; 6],
            )
        },
        // Billing: admins set the Stripe secret (this server has no
        // BATON_SECRET_KEY to seal it with, so an admin meets that rule)
        // and read the log.
        row(
            "PUT",
            "/billing/stripe/secret",
            AE,
            Fixture::Account,
            |_| Some(json!({"secret": "whsec_0123456789abcdef"})),
            [401, 422, 403, 403, 403, 422],
        ),
        row(
            "GET",
            "/billing/log",
            AE,
            Fixture::Account,
            none,
            [401, 200, 403, 403, 403, 200],
        ),
        // Stripe's webhook: likewise, the signature is the credential.
        Row {
            public: true,
            ..row(
                "POST",
                "/inbound/stripe/{org}",
                AE,
                Fixture::Account,
                |_| Some(json!({"id": "evt_1", "type": "invoice.paid"})),
                [401; 6],
            )
        },
        // Surveys: admins keep the column mapping (another org's admin
        // has none yet: 404), preview and import exports through it (another
        // org's admin has no mapping to read them with: 422), review and
        // assign unmatched responses (another org's id is not found), and
        // set the webhook's secret (no BATON_SECRET_KEY here, as above).
        row(
            "GET",
            "/surveys/mapping",
            AE,
            Fixture::UnmatchedSurvey,
            none,
            [401, 404, 403, 403, 403, 200],
        ),
        Row {
            raw: Some(("text/csv", |m| {
                format!(
                    "user_id,rating,rated_at\n{},9,2026-09-01T00:00:00Z\n",
                    m.account
                )
                .into_bytes()
            })),
            ..row(
                "POST",
                "/surveys/preview",
                AE,
                Fixture::UnmatchedSurvey,
                none,
                [401, 422, 403, 403, 403, 200],
            )
        },
        Row {
            raw: Some(("text/csv", |m| {
                format!(
                    "user_id,rating,rated_at\n{},9,2026-09-01T00:00:00Z\n",
                    m.account
                )
                .into_bytes()
            })),
            ..row(
                "POST",
                "/surveys/import",
                AE,
                Fixture::UnmatchedSurvey,
                none,
                [401, 422, 403, 403, 403, 200],
            )
        },
        row(
            "GET",
            "/surveys/unmatched",
            AE,
            Fixture::Account,
            none,
            [401, 200, 403, 403, 403, 200],
        ),
        row(
            "POST",
            "/surveys/unmatched/{id}/assign",
            AE,
            Fixture::UnmatchedSurvey,
            |m| Some(json!({"account": m.account})),
            [401, 404, 403, 403, 403, 200],
        ),
        row(
            "PUT",
            "/surveys/secret",
            AE,
            Fixture::Account,
            |_| Some(json!({"secret": "0123456789abcdef0123456789abcdef"})),
            [401, 422, 403, 403, 403, 422],
        ),
        // Last: another org's admin sets a mapping of its own here, which
        // the rows above expect it not to have.
        row(
            "PUT",
            "/surveys/mapping",
            AE,
            Fixture::Account,
            |_| Some(json!({"account": "user_id", "score": "rating", "date": "rated_at"})),
            [401, 200, 403, 403, 403, 200],
        ),
        // The survey webhook: the signature is the credential.
        Row {
            public: true,
            ..row(
                "POST",
                "/inbound/surveys/{org}",
                AE,
                Fixture::Account,
                |_| Some(json!({"id": "r1", "type": "nps", "score": 9})),
                [401; 6],
            )
        },
    ]
}

/// Makes the row's fixture, fresh for one cell.
async fn prepare(s: &Server, row: &Row, n: usize) -> Made {
    let account = format!("M-{n}");
    s.account(&account).await;
    let side = sides(row.contract);
    let app = &s.t.app;
    let key = ContractKey::parse(row.contract).unwrap();
    let contract = app.store().contract(&s.t.org, &key).await.unwrap().unwrap();
    let definition = serde_json::to_value(&contract.current).unwrap();
    let other_mode = match contract.mode {
        Mode::Observe => "gated",
        Mode::Gated => "observe",
    };
    if row.path.ends_with("/mode") {
        // The mode follows the rollout: gating must be the next phase.
        s.t.ready_to_gate(row.contract).await;
    }
    let made = |id: String| Made {
        n,
        account: account.clone(),
        id,
        definition: definition.clone(),
        other_mode,
        delivery: String::new(),
    };
    match row.fixture {
        Fixture::Token => {
            let (t, _) = app
                .create_token(&s.caller(side.sender), "to revoke")
                .await
                .unwrap();
            return made(t.id);
        }
        Fixture::Connection => {
            let c = baton_store::NewConnectionRecord {
                id: format!("conn-{n}"),
                vendor: "hubspot".into(),
                name: "HubSpot".into(),
                object_kind: "deal".into(),
                field_map: "{}".into(),
                settings_shown: "{}".into(),
                sealed: baton_store::Sealed {
                    nonce: String::new(),
                    cipher: String::new(),
                },
                created_by: baton_domain::Email::parse("admin@acme.test").unwrap(),
                created_at: app.now(),
                checked_as: "portal 1".into(),
            };
            app.store().create_connection(&s.t.org, &c).await.unwrap();
            return made(c.id);
        }
        Fixture::UnmatchedSurvey => {
            let admin = s.caller("admin@acme.test");
            let mapping = baton_domain::survey::ColumnMapping {
                kind: baton_domain::survey::SurveyKind::Nps,
                header_rows: 1,
                response_id: None,
                account: Some("user_id".into()),
                email: None,
                score: "rating".into(),
                date: "rated_at".into(),
                comment: None,
                domains: BTreeMap::new(),
            };
            app.set_survey_mapping(&admin, mapping).await.unwrap();
            let csv = format!("user_id,rating,rated_at\nGHOST-{n},7,2026-09-01T00:00:00Z\n");
            app.import_survey_csv(&admin, csv.as_bytes()).await.unwrap();
            let ghost = format!("GHOST-{n}");
            let r = app
                .unmatched_surveys(&admin)
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.named_account.as_deref() == Some(ghost.as_str()))
                .unwrap();
            return made(r.key);
        }
        Fixture::Proposal => {
            let p = app
                .propose_change(
                    &s.caller(side.sender),
                    &key,
                    &format!("Proposal {n}: ask for the procurement contact"),
                    vec![],
                )
                .await
                .unwrap();
            return made(p.id.to_string());
        }
        Fixture::Person | Fixture::DeactivatedPerson => {
            let admin = s.caller("admin@acme.test");
            let email = baton_testkit::email(&format!("person-{n}@acme.test"));
            app.add_user(
                &admin,
                baton_app::org::NewUser {
                    email: email.clone(),
                    name: format!("Person {n}"),
                    password: None,
                    teams: vec![(
                        baton_domain::TeamKey::parse("cs").unwrap(),
                        baton_domain::Role::Member,
                    )],
                    admin: false,
                },
            )
            .await
            .unwrap();
            if row.fixture == Fixture::DeactivatedPerson {
                app.deactivate_user(&admin, &email).await.unwrap();
            }
            return made(email.to_string());
        }
        Fixture::Webhook => {
            let new = baton_app::webhooks::NewWebhook {
                // Nothing listens on the discard port: a test event is refused
                // at once, on the loopback.
                url: "http://127.0.0.1:9/baton".into(),
                events: vec!["*".into()],
                secret: "s3cret-s3cret-s3cret".into(),
                format: None,
            };
            let w = app
                .create_webhook(&s.caller("admin@acme.test"), new)
                .await
                .unwrap();
            return made(w.id);
        }
        Fixture::DeadDelivery => {
            let new = baton_app::webhooks::NewWebhook {
                url: "https://hooks.example/baton".into(),
                events: vec!["account".into()],
                secret: "s3cret-s3cret-s3cret".into(),
                format: None,
            };
            let admin = s.caller("admin@acme.test");
            let w = app.create_webhook(&admin, new).await.unwrap();
            s.account(&format!("{account}-w")).await;
            // As if every attempt had failed (the job is tested in the app).
            app.store()
                .raw_execute("UPDATE webhook_deliveries SET status = 'dead'")
                .await
                .unwrap();
            let d = app
                .webhook_deliveries(&admin, &w.id, None, None, 1)
                .await
                .unwrap()
                .remove(0);
            return Made {
                delivery: d.id,
                ..made(w.id)
            };
        }
        Fixture::Account => return made(account.clone()),
        _ => {}
    }
    let values: BTreeMap<String, Value> = complete(row.contract)
        .as_object()
        .unwrap()
        .clone()
        .into_iter()
        .collect();
    let h = app
        .start_handoff(
            &s.caller(side.sender),
            NewHandoff {
                id: None,
                contract: key,
                account: baton_domain::AccountId::parse(&account).unwrap(),
                deal: None,
                to: None,
                values,
                attachments: vec![],
            },
        )
        .await
        .unwrap();
    let id: HandoffId = h.id;
    if row.fixture != Fixture::Draft {
        app.submit(&s.caller(side.sender), &id).await.unwrap();
    }
    if row.fixture == Fixture::Audit {
        let key = ContractKey::parse(row.contract).unwrap();
        let sample = app
            .sample_audit(&s.caller("admin@acme.test"), &key)
            .await
            .unwrap();
        return made(sample.id);
    }
    if matches!(
        row.fixture,
        Fixture::Accepted | Fixture::Resolved | Fixture::Suggestion
    ) {
        let eta = BTreeMap::from([("ack_eta".to_string(), json!("2026-10-03T12:00:00Z"))]);
        let values = if row.contract == CS {
            eta
        } else {
            BTreeMap::new()
        };
        app.accept(&s.caller(side.receiver), &id, values)
            .await
            .unwrap();
    }
    if row.fixture == Fixture::Suggestion {
        let note = baton_app::rediscovery::NoteInput {
            account: baton_domain::AccountId::parse(&account).unwrap(),
            text: "Kickoff call. Who signs off on the budget for this?".into(),
            author: None,
            team: None,
            at: None,
        };
        let out = app
            .record_note(&s.caller("admin@acme.test"), note)
            .await
            .unwrap();
        return made(out.suggestions[0].id.clone());
    }
    if row.fixture == Fixture::Resolved {
        app.resolve(&s.caller(side.receiver), &id, "Fixed".into())
            .await
            .unwrap();
    }
    made(id.to_string())
}

/// The row's path with its parameters filled in.
fn fill(row: &Row, m: &Made) -> String {
    let mut out = String::new();
    let mut rest = row.path;
    while let Some((before, after)) = rest.split_once('{') {
        out.push_str(before);
        let (name, tail) = after.split_once('}').unwrap();
        out.push_str(match name {
            "id" | "connection" | "email" => &m.id,
            "key" | "contract" => row.contract,
            "account" => &m.account,
            "delivery" => &m.delivery,
            // The seeded org; it has no Stripe secret, so no caller gets in.
            "org" => "acme",
            other => panic!("the matrix does not know the path parameter '{other}'"),
        });
        rest = tail;
    }
    out.push_str(rest);
    out
}

async fn every_route_answers_each_kind_of_caller_as_the_matrix_says(t: TestApp) {
    let s = start(t).await;
    let other: OrgId = s.other_org().await;
    let table = matrix();

    // The table covers exactly what the document lists.
    let doc = s.anon().get("/openapi.json").await.expect(200).clone();
    let documented = operations(&doc);
    let covered: BTreeSet<String> = table
        .iter()
        .map(|r| format!("{} {}", r.method, anonymous_params(r.path)))
        .collect();
    let uncovered: Vec<&String> = documented.difference(&covered).collect();
    let stale: Vec<&String> = covered.difference(&documented).collect();
    assert!(
        uncovered.is_empty(),
        "routes in /api/v1/openapi.json without a row in the authorization matrix: {uncovered:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix rows for routes that do not exist: {stale:?}"
    );

    let mut wrong = Vec::new();
    let mut n = 0;
    for row in &table {
        for (role, want) in ROLES.iter().zip(row.expect) {
            n += 1;
            let made = prepare(&s, row, n).await;
            let side = sides(row.contract);
            let client = match role {
                Role::Anonymous => s.anon(),
                Role::OtherOrg => s.as_in(&other, OTHER_ADMIN).await,
                Role::Sender => s.as_(side.sender).await,
                Role::Receiver => s.as_(side.receiver).await,
                Role::Lead => s.as_(side.lead).await,
                Role::Admin => s.as_("admin@acme.test").await,
            };
            let path = fill(row, &made);
            let method = Method::from_bytes(row.method.as_bytes()).unwrap();
            let before = s.events().await;
            let r = match row.raw {
                Some((ty, bytes)) => client.send_raw(method, &path, ty, bytes(&made)).await,
                None => client.send(method, &path, (row.body)(&made).as_ref()).await,
            };
            let cell = format!("{} {path} as {role:?}", row.method);
            if r.status != want {
                wrong.push(format!(
                    "{cell}: expected {want}, got {} {}",
                    r.status, r.text
                ));
                continue;
            }
            if r.status >= 400 {
                if r.content_type() != "application/problem+json" {
                    wrong.push(format!("{cell}: {} is not problem+json", r.status));
                }
                if s.events().await != before {
                    wrong.push(format!(
                        "{cell}: refused with {}, yet recorded an event",
                        r.status
                    ));
                }
            }
            if *role == Role::OtherOrg && !row.public {
                if s.events().await != before {
                    wrong.push(format!("{cell}: another org's caller changed Acme"));
                }
                if r.text.contains("acme") || r.text.contains("Customer M-") {
                    wrong.push(format!(
                        "{cell}: another org's caller saw Acme's data: {}",
                        r.text
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {n} cells are wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

on_both_backends!(another_orgs_ids_answer_404_and_equal_ids_stay_apart);

async fn another_orgs_ids_answer_404_and_equal_ids_stay_apart(t: TestApp) {
    let s = start(t).await;
    let other = s.other_org().await;
    let acme_admin = s.as_("admin@acme.test").await;
    acme_admin
        .post(
            "/accounts",
            json!({"id": "A-1", "name": "Northwind", "arr": {"minor": 4_800_000, "currency": "USD"}}),
        )
        .await
        .expect(201);
    let ae = s.as_("ae1@acme.test").await;
    ae.post(
        "/handoffs",
        json!({"id": "H-1", "contract": AE, "account": "A-1", "values": complete(AE)}),
    )
    .await
    .expect(201);
    let before = s.events().await;

    let globex = s.as_in(&other, OTHER_ADMIN).await;
    for path in [
        "/handoffs/H-1",
        "/handoffs/H-1/events",
        "/accounts/A-1",
        "/gates/ae-to-onboarding/A-1",
    ] {
        let r = globex.get(path).await;
        r.problem(404, "not-found");
        assert!(
            !r.text.contains("Northwind") && !r.text.contains("acme"),
            "{path}: {}",
            r.text
        );
    }
    for (path, body) in [
        ("/handoffs/H-1/submit", None),
        ("/handoffs/H-1/withdraw", None),
        ("/handoffs/H-1/accept", None),
        (
            "/handoffs/H-1/reject",
            Some(json!({"code": "other", "reason": "Not ours to judge"})),
        ),
    ] {
        let r = globex.send(Method::POST, path, body.as_ref()).await;
        r.problem(404, "not-found");
    }
    globex
        .patch(
            "/handoffs/H-1",
            json!({"values": {"economic_buyer": "Someone else entirely"}}),
        )
        .await
        .problem(404, "not-found");
    let list = globex.get("/handoffs").await;
    assert_eq!(list.expect(200)["items"], json!([]));
    let accounts = globex.get("/accounts").await;
    assert_eq!(
        accounts.expect(200)["items"],
        json!([]),
        "{}",
        accounts.text
    );
    let users = globex.get("/users").await;
    assert!(
        !users.expect(200).to_string().contains("acme"),
        "{}",
        users.text
    );
    assert_eq!(
        s.events().await,
        before,
        "another org changed nothing of Acme's"
    );

    // The same ids in the other org are its own records, apart from Acme's.
    globex
        .post(
            "/accounts",
            json!({"id": "A-1", "name": "Globex Widgets", "arr": {"minor": 100, "currency": "EUR"}}),
        )
        .await
        .expect(201);
    let theirs = s
        .as_in(&other, "ae1@globex.test")
        .await
        .post(
            "/handoffs",
            json!({"id": "H-1", "contract": AE, "account": "A-1", "values": {"economic_buyer": "Globex's own buyer, the COO"}}),
        )
        .await;
    assert_eq!(theirs.expect(201)["sender"], "ae1@globex.test");
    let ours = ae.get("/handoffs/H-1").await;
    assert_eq!(ours.expect(200)["sender"], "ae1@acme.test");
    assert_eq!(ours.body["score"], 100);
    let acct = acme_admin.get("/accounts/A-1").await;
    assert_eq!(acct.expect(200)["name"], "Northwind", "{}", acct.text);
    let theirs = globex.get("/handoffs/H-1").await;
    assert_eq!(
        theirs.expect(200)["values"]["economic_buyer"],
        "Globex's own buyer, the COO"
    );
    assert_eq!(s.events().await, before, "still nothing of Acme's changed");
}
