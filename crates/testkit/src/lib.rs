//! Test support: a fresh database per test on SQLite (a temp file) or
//! PostgreSQL (a uniquely named database, dropped afterwards), a fixed clock,
//! and a seeded org with people in every team.
//!
//! PostgreSQL tests read `BATON_TEST_POSTGRES_URL`. Without it they are
//! skipped — unless `BATON_REQUIRE_POSTGRES` is set (CI sets it), in which
//! case a missing server is a failure, never a silent skip.
#![expect(
    clippy::expect_used,
    reason = "test support: a failed set-up must stop the test loudly"
)]

pub use baton_crm_sim as crm_sim;

pub mod oidc;
pub mod smtp;

use baton_app::rollout::{ModeSwitch, RolloutMove};
use baton_domain::rollout::Phase;
use std::path::PathBuf;
use std::sync::Arc;

use baton_app::org::{NewOrg, NewUser};
use baton_app::{App, Caller, FixedClock};
use baton_domain::event::Via;
use baton_domain::org::Role;
use baton_domain::{Email, OrgId, TeamKey, Timestamp};
use baton_store::Store;
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;

/// Runs a scenario `async fn name(t: TestApp)` once on SQLite and once on
/// PostgreSQL, as `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name($crate::TestApp::sqlite().await).await
                }

                #[tokio::test]
                async fn postgres() {
                    if let Some(t) = $crate::TestApp::postgres().await {
                        super::$name(t).await
                    }
                }
            }
        )*
    };
}

/// Whether a server the tests started printed `ready` as its first line.
/// What it prints afterwards is drained: a closed pipe would kill it at its
/// next line.
pub(crate) fn ready(child: &mut std::process::Child) -> bool {
    use std::io::BufRead as _;
    let mut line = String::new();
    let mut out = child.stdout.take().map(std::io::BufReader::new);
    let ready = out
        .as_mut()
        .map(|o| o.read_line(&mut line))
        .is_some_and(|r| r.is_ok())
        && line.trim() == "ready";
    if let Some(mut o) = out {
        std::thread::spawn(move || std::io::copy(&mut o, &mut std::io::sink()));
    }
    ready
}

/// A database that exists for one test.
pub struct TestDb {
    /// The store over it.
    pub store: Store,
    /// The URL it was opened with.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh SQLite file.
    pub async fn sqlite() -> Self {
        let dir =
            std::env::temp_dir().join(format!("baton-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}", dir.join("baton.db").display());
        let store = Store::open(&url).await.expect("open sqlite");
        Self {
            store,
            url,
            cleanup: Cleanup::Dir(dir),
        }
    }

    /// A fresh PostgreSQL database, or `None` when no server is configured
    /// and none is required.
    pub async fn postgres() -> Option<Self> {
        let admin_url = match std::env::var("BATON_TEST_POSTGRES_URL") {
            Ok(u) if !u.is_empty() => u,
            _ => {
                assert!(
                    std::env::var_os("BATON_REQUIRE_POSTGRES").is_none(),
                    "BATON_REQUIRE_POSTGRES is set but BATON_TEST_POSTGRES_URL is not"
                );
                eprintln!("skipping: BATON_TEST_POSTGRES_URL is not set");
                return None;
            }
        };
        sqlx::any::install_default_drivers();
        let name = format!("baton_t_{}", uuid::Uuid::now_v7().simple());
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&admin_url)
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .expect("create test database");
        admin.close().await;
        let url = with_database(&admin_url, &name);
        let store = Store::open(&url).await.expect("open postgres");
        Some(Self {
            store,
            url,
            cleanup: Cleanup::Database { admin_url, name },
        })
    }
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop cannot await; a short-lived runtime on its own thread
                // drops the database. FORCE ends this test's own connections,
                // whose pool lives on the (now blocked) test runtime.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        if let Ok(admin) = AnyPoolOptions::new()
                            .max_connections(1)
                            .connect(&admin_url)
                            .await
                        {
                            let _ = admin
                                .execute(sqlx::AssertSqlSafe(format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                )))
                                .await;
                            admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// The time every test starts at: 2026-10-01T00:00:00Z.
pub fn start_time() -> Timestamp {
    "2026-10-01T00:00:00Z".parse().expect("valid time")
}

/// An app over a fresh database with a seeded org, "Acme", and people:
/// `admin@acme.test` (admin), and per team a member `<team>1@acme.test`, a
/// second member `<team>2@acme.test` and a lead `<team>-lead@acme.test`.
pub struct TestApp {
    /// The app.
    pub app: App,
    /// Its clock.
    pub clock: Arc<FixedClock>,
    /// The org.
    pub org: OrgId,
    /// The database (dropped with the test).
    pub db: TestDb,
}

/// The admin's password.
pub const ADMIN_PASSWORD: &str = "correct horse battery";

impl TestApp {
    /// On a fresh SQLite file.
    pub async fn sqlite() -> Self {
        Self::seeded(TestDb::sqlite().await).await
    }

    /// On a fresh PostgreSQL database, if one is configured.
    pub async fn postgres() -> Option<Self> {
        Some(Self::seeded(TestDb::postgres().await?).await)
    }

    /// An app over `db` with no org yet.
    pub fn empty(db: TestDb) -> (App, Arc<FixedClock>, TestDb) {
        let clock = Arc::new(FixedClock::new(start_time()));
        (App::new(db.store.clone(), clock.clone()), clock, db)
    }

    async fn seeded(db: TestDb) -> Self {
        let (app, clock, db) = Self::empty(db);
        let org = app
            .init_org(
                NewOrg {
                    name: "Acme".into(),
                    admin_email: email("admin@acme.test"),
                    admin_name: "Ada Admin".into(),
                    admin_password: ADMIN_PASSWORD.into(),
                },
                Via::Cli,
            )
            .await
            .expect("init org");
        let admin = Caller::new(org.clone(), email("admin@acme.test"), Via::Cli);
        for team in [
            "marketing",
            "sdr",
            "ae",
            "onboarding",
            "cs",
            "support",
            "product",
            "motion-a",
            "motion-b",
        ] {
            for (who, role) in [
                ("1", Role::Member),
                ("2", Role::Member),
                ("-lead", Role::Lead),
            ] {
                let user = NewUser {
                    email: email(&format!("{team}{who}@acme.test")),
                    name: format!("{team}{who}"),
                    password: None,
                    teams: vec![(TeamKey::parse(team).expect("team"), role)],
                    admin: false,
                };
                app.add_user(&admin, user).await.expect("add user");
            }
        }
        Self {
            app,
            clock,
            org,
            db,
        }
    }

    /// Imports history as it happens in production: after the fact. The
    /// clock first moves on to the latest time in `jsonl` (never back),
    /// since a signal dated after the clock is refused as future-dated.
    pub async fn import_history(&self, jsonl: &str) -> baton_app::import::ImportSummary {
        let latest = jsonl
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v.get("at")?.as_str()?.parse::<Timestamp>().ok())
            .max();
        if let Some(latest) = latest
            && latest > self.app.now()
        {
            self.clock.set(latest);
        }
        self.app
            .import_events(Some(self.org.clone()), jsonl.as_bytes())
            .await
            .expect("the history imports")
    }

    /// A caller in this org, acting through the API.
    pub fn as_user(&self, who: &str) -> Caller {
        Caller::new(self.org.clone(), email(who), Via::Api)
    }

    /// Adds account `id` named `name` (ARR 48,000 USD), as the admin.
    pub async fn account(&self, id: &str, name: &str) {
        let input = baton_app::accounts::AccountInput {
            id: baton_domain::AccountId::parse(id).expect("account id"),
            name: name.into(),
            arr: baton_domain::Money {
                minor: 4_800_000,
                currency: baton_domain::Currency::parse("USD").expect("currency"),
            },
            segment: None,
        };
        self.app
            .upsert_account(&self.as_user("admin@acme.test"), input)
            .await
            .expect("the account is saved");
    }

    /// Starts a draft of `contract` for `account` as `who`, with `values`.
    pub async fn draft(
        &self,
        who: &str,
        contract: &str,
        account: &str,
        values: std::collections::BTreeMap<String, serde_json::Value>,
    ) -> baton_domain::Handoff {
        self.app
            .start_handoff(
                &self.as_user(who),
                baton_app::handoffs::NewHandoff {
                    id: None,
                    contract: baton_domain::ContractKey::parse(contract).expect("contract key"),
                    account: baton_domain::AccountId::parse(account).expect("account id"),
                    deal: None,
                    to: None,
                    values,
                    attachments: Vec::new(),
                },
            )
            .await
            .expect("the draft starts")
    }

    /// Walks `contract` on through leak audit and field spec (as the
    /// admin), so that gating is its next phase (or it is gated already).
    pub async fn ready_to_gate(&self, contract: &str) {
        let key = baton_domain::ContractKey::parse(contract).expect("contract key");
        let admin = self.as_user("admin@acme.test");
        let plan = self.app.rollout(&admin).await.expect("rollout");
        let now = plan
            .contracts
            .iter()
            .find(|l| l.contract == key)
            .and_then(|l| l.stage.as_ref().map(|s| s.phase));
        let steps: &[Phase] = match now {
            None => &[Phase::LeakAudit, Phase::FieldSpec],
            Some(Phase::LeakAudit) => &[Phase::FieldSpec],
            Some(_) => &[],
        };
        for &phase in steps {
            let m = RolloutMove {
                contract: key.clone(),
                phase,
                planned: Default::default(),
                override_reason: None,
            };
            self.app
                .move_rollout(&admin, m)
                .await
                .expect("rollout move");
        }
    }

    /// Gates `contract` the way the rollout allows: walked to the field
    /// spec, then switched to gated (which enters gating).
    pub async fn gate(&self, contract: &str) {
        self.ready_to_gate(contract).await;
        let switch = ModeSwitch {
            contract: baton_domain::ContractKey::parse(contract).expect("contract key"),
            mode: baton_domain::Mode::Gated,
            reason: None,
        };
        self.app
            .set_mode(&self.as_user("admin@acme.test"), switch)
            .await
            .expect("gate");
    }

    /// Accounts with a re-discovery incident in `contract`'s scorecard for
    /// the clock's month (the metric's numerator).
    pub async fn rediscovery_incidents(&self, contract: &str) -> u64 {
        let key = baton_domain::ContractKey::parse(contract).expect("contract key");
        let period = baton_domain::period::Period::month_of(self.app.now());
        self.app
            .scorecard(&self.as_user("admin@acme.test"), Some(&key), period, 1)
            .await
            .expect("scorecard")
            .remove(0)
            .metrics
            .rediscovery_incidence
            .num
            .unwrap_or(0)
    }
}

/// Parses an email in a test.
pub fn email(s: &str) -> Email {
    Email::parse(s).expect("valid email")
}

/// The worked example of `shared/examples/scorecard-example.jsonl` (SPEC §5),
/// kept here so tests need nothing outside the repository.
pub const SCORECARD_EXAMPLE: &str = include_str!("../fixtures/scorecard-example.jsonl");

/// Edge cases of SPEC §5 with every figure computed by hand in
/// `fixtures/scorecard-edges.md`: a handoff rejected twice, an incident
/// naming no handoff, one 31 days out, NPS on every window edge, a churn
/// without a handoff, empty periods, and two contracts to rank.
pub const SCORECARD_EDGES: &str = include_str!("../fixtures/scorecard-edges.jsonl");

/// cs-to-support across a month boundary, with every figure computed by
/// hand in `fixtures/scorecard-support.md`: an incident exactly 30 days
/// after acceptance, an ISO week spanning two months, a churn that is not a
/// leak.
pub const SCORECARD_SUPPORT: &str = include_str!("../fixtures/scorecard-support.jsonl");

/// Every sender-owned mandatory field of a seeded `contract`, filled the
/// way a careful sender would: what a complete submission carries.
pub fn complete_values(contract: &str) -> std::collections::BTreeMap<String, serde_json::Value> {
    let values = match contract {
        "mql-to-sdr" => serde_json::json!({
            "source_campaign_journey": "Q3 webinar, then the pricing guide, then a demo request",
            "behavioral_signal_narrative": "Read the integrations page five times in two days",
            "icp_firmographic_match": "strong",
            "buying_trigger": "New VP of Sales hired last month (70%)",
            "assigned_motion": "tier_a",
            "first_touch_sla": 4,
        }),
        "sdr-to-ae" => serde_json::json!({
            "confirmed_pain": "Reps lose a day a week to manual CRM updates; not worried about price",
            "stakeholders": "Dana Ortiz (CFO): skeptical\nLee Park (VP Ops): enthusiastic",
            "current_stack": "Spreadsheets and an old CRM; nobody likes either",
            "timeline_trigger": "Must be live before the January sales kickoff",
            "budget_signal": "CFO holds a tooling budget; purchases over 50k go to the board",
            "competitive_set": "Talking to Legacy Co; ruled out a homegrown build",
        }),
        "ae-to-onboarding" => serde_json::json!({
            "economic_buyer": "Dana Ortiz, CFO; signs up to 250k alone",
            "champion_map": "Lee Park (VP Ops) strong champion; CFO neutral",
            "commitments": "Verbal: SSO by week 6. Contract: 99.9% uptime.",
            "success_criteria": "Cut rep onboarding from 6 to 3 weeks by Q1",
            "implementation_risks": "Messy legacy CRM export; December freeze",
            "competitive_displacement": "Replacing Legacy Co; rebuild custom reports first",
            "go_live_deadlines": "Go-live 2026-12-01 before their kickoff 12-08",
            "expansion_hypothesis": "Year 2: EMEA team, 40 more seats",
        }),
        "onboarding-to-cs" => serde_json::json!({
            "adoption_curve": "Pipeline views used daily; forecasting barely touched",
            "training_attendance": "All admins trained; two managers skipped session 3",
            "support_patterns": "Mostly SSO questions in the first two weeks",
            "sponsor_heat_map": "VP Ops warm; CFO cooled after the invoice dispute",
            "escalated_issues": "Data import duplicates: resolved; SSO group sync: open",
            "year1_success_criteria": "Cut rep onboarding from 6 to 3 weeks by Q1",
        }),
        "cs-to-support" => serde_json::json!({
            "originating_signal": "P1 ticket: exports failing for every user",
            "impact_statement": "Finance cannot close the month without exports",
            "echo_cadence": "daily",
            "communication_owner": "Casey (CSM) <cs1@acme.test>",
            "close_loop_window": 24,
        }),
        "cross-motion" => serde_json::json!({
            "relationship_owner": "Pat Lee (Motion A CSM)",
            "reunification_trigger": "Motion B closed-won",
            "qualification_signal": "Asked twice for the analytics add-on in QBRs",
            "communication_plan": "Pat tells the customer; Motion B joins calls from week 2",
            "motion_a_health": "stable",
            "paperwork_routing": "Acme EU GmbH signs; paperwork to legal-eu@",
        }),
        // Null is no object of values: the `expect` below names the mistake.
        _ => serde_json::Value::Null,
    };
    serde_json::from_value(values).expect("complete values exist for the six seeded contracts only")
}

/// A `t=…,v1=…` signature header for `body` at `t`, one `v1` per secret
/// (several during a rotation): HMAC-SHA256 over `"{t}.{body}"`, hex, as
/// Stripe documents it (<https://docs.stripe.com/webhooks#verify-manually>)
/// and as Baton's survey webhook and outbound webhooks use it. Written here
/// from the documentation, apart from Baton's own verifier, so the tests
/// check that verifier against the scheme rather than against itself.
pub fn signature_header(t: i64, body: &str, secrets: &[&str]) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut header = format!("t={t}");
    for s in secrets {
        let Ok(mut mac) = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(s.as_bytes()) else {
            continue;
        };
        mac.update(format!("{t}.{body}").as_bytes());
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        header.push_str(&format!(",v1={hex}"));
    }
    header
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_in_urls() {
        assert_eq!(
            with_database("postgres://root@127.0.0.1:5432/test", "x"),
            "postgres://root@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://127.0.0.1/test?sslmode=disable", "x"),
            "postgres://127.0.0.1/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://127.0.0.1", "x"),
            "postgres://127.0.0.1/x"
        );
    }
}
