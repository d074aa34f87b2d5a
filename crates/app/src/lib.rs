//! Baton's use cases: one function per thing a person or a system does —
//! start an org, publish a contract, submit, accept or reject a handoff,
//! record a signal, import history, rebuild projections.
//!
//! Each use case loads what it needs from the store, asks the domain to
//! decide, and hands the store the resulting events and aggregates to write
//! in one transaction. The gate therefore holds on every path that reaches
//! Baton: HTTP, CLI, CRM events and bulk operations all come through here.
//! This crate knows nothing of HTTP or terminals.
//!
//! [`App`]'s methods are grouped by the noun they act on, one module each,
//! so a use case is found by its resource: the org and its people
//! ([`org`], [`invites`], [`sso`], [`access`] for sign-in, sessions and
//! tokens), [`contracts`], [`rollout`], [`audits`], [`handoffs`] (and the
//! [`queue`] of work they make, their [`gates`], [`sla`] deadlines),
//! [`accounts`] and their signals (product [`usage`] among them),
//! [`rediscovery`] suggestions,
//! [`scorecard`], currencies ([`fx`]), CRM [`connections`] and their sync
//! ([`crm`], [`crm_sync`]), [`webhooks`] and their [`outbox`], [`mail`] and
//! [`slack`] notices, history [`import`] (and [`import_csv`]), [`rebuild`],
//! and the background [`jobs`].

pub mod access;
pub mod accounts;
pub mod audits;
pub mod billing;
pub mod billing_csv;
mod callers;
pub mod clock;
pub mod connections;
pub mod contracts;
pub mod crm;
pub mod crm_sync;
pub mod csv_cells;
mod csv_table;
mod error;
pub mod fx;
pub mod gates;
pub mod handoffs;
pub mod import;
pub mod import_csv;
pub mod invites;
pub mod jobs;
pub mod mail;
mod notice;
pub mod org;
pub mod outbox;
mod password;
pub mod queue;
pub mod rebuild;
pub mod rediscovery;
mod retry;
pub mod rollout;
pub mod scorecard;
pub mod secrets;
pub mod signature;

pub mod sla;
pub mod slack;
pub mod sso;
pub mod surveys;
pub mod surveys_csv;
pub mod usage;
pub mod webhooks;

use std::sync::Arc;

use baton_domain::event::Via;
use baton_domain::{Actor, Email, OrgId};
use baton_store::Store;

pub use clock::{Clock, FixedClock, SystemClock};
pub use error::AppError;

/// Who is acting, in which org, through which door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The org.
    pub org: OrgId,
    /// The person.
    pub email: Email,
    /// How the request arrived (recorded on every event).
    pub via: Via,
}

impl Caller {
    /// A caller acting through `via`.
    pub fn new(org: OrgId, email: Email, via: Via) -> Self {
        Self { org, email, via }
    }
}

/// The application: a store and a clock. Cheap to clone: one reference
/// count, since the web layer clones it into every request.
#[derive(Clone)]
pub struct App(Arc<Parts>);

/// What an [`App`] holds.
#[derive(Clone)]
pub struct Parts {
    store: Store,
    clock: Arc<dyn Clock>,
    logins: Arc<access::LoginLimiter>,
    webhook_policy: outbox::WebhookPolicy,
    http: Arc<std::sync::OnceLock<reqwest::Client>>,
    turns: Arc<retry::Turns>,
    crm: connections::CrmOptions,
    callers: Arc<callers::Callers>,
    mailer: Option<mail::Mailer>,
    oidc: Option<Arc<sso::Oidc>>,
    slack_bot: Option<Arc<slack::SlackBot>>,
    /// When each token's use was last recorded (see `access`).
    token_uses: Arc<std::sync::Mutex<std::collections::HashMap<String, baton_domain::Timestamp>>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for App {
    type Target = Parts;
    fn deref(&self) -> &Parts {
        &self.0
    }
}

/// Only the `with_…` builders mutate an app, before it is shared; a clone
/// of the parts is made if it already was.
impl std::ops::DerefMut for App {
    fn deref_mut(&mut self) -> &mut Parts {
        Arc::make_mut(&mut self.0)
    }
}

impl App {
    /// An app over `store`, reading time from `clock`.
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> Self {
        Self(Arc::new(Parts {
            store,
            clock,
            logins: Arc::default(),
            webhook_policy: outbox::WebhookPolicy::default(),
            http: Arc::default(),
            turns: Arc::default(),
            crm: connections::CrmOptions::default(),
            callers: Arc::default(),
            mailer: None,
            oidc: None,
            slack_bot: None,
            token_uses: Arc::default(),
        }))
    }

    /// The same app with another webhook retry policy.
    pub fn with_webhook_policy(mut self, policy: outbox::WebhookPolicy) -> Self {
        self.webhook_policy = policy;
        self.http = Arc::default();
        self
    }

    /// The store (for reads that need no decision).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The current time according to the app's clock.
    pub fn now(&self) -> baton_domain::Timestamp {
        self.clock.now()
    }

    /// Resolves the caller into an actor with their teams: as resolved
    /// before while the org's access version stands (see `callers`).
    pub async fn actor(&self, caller: &Caller) -> Result<Actor, AppError> {
        let version = self.store.access_version(&caller.org).await?;
        if let Some(actor) = self.callers.actor(&caller.org, &caller.email, version) {
            return Ok(actor);
        }
        let user = self.store.user(&caller.org, &caller.email).await?;
        let user = user.ok_or_else(|| {
            AppError::NotFound(format!("user '{}' in org '{}'", caller.email, caller.org))
        })?;
        if !user.active {
            return Err(AppError::Unauthenticated(format!(
                "'{}' is deactivated in this org; ask an admin",
                caller.email
            )));
        }
        let actor = Actor {
            email: caller.email.clone(),
            admin: user.admin,
            teams: user.teams.clone(),
        };
        self.callers.put_actor(
            caller.org.clone(),
            caller.email.clone(),
            version,
            actor.clone(),
        );
        Ok(actor)
    }
}
