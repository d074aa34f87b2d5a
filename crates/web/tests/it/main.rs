//! The HTTP API end to end: the real server on a loopback port over a fresh
//! database (SQLite and PostgreSQL), driven with an HTTP client the way a CRM,
//! a script or the browser would. One test binary, modules mirroring routes.
// Scenarios are plain async fns run by `on_both_backends!`, which clippy's
// allow-*-in-tests settings do not see as tests.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod authorization;
mod bad_input;
mod billing;
mod browser;
mod contracts;
mod crm;
mod cross_tenant;
mod fuzz_corpus;
mod fx;
mod handoffs;
mod harness;
mod metrics;
mod notes;
mod openapi;
mod scim;
mod scorecard;
mod security;
mod session;
mod sla;
mod surveys;
mod ui;
mod usage;
mod webhooks;
