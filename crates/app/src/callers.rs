//! Callers resolved once per access version (issue 18).
//!
//! Every request resolves its caller: the token or session behind it, then
//! the user's admin flag and teams. Those change rarely, and only through
//! writes that bump the org's access version in the same transaction (org
//! events, token and session revocation; see the store's migration 0023).
//! So each process keeps what it resolved, tagged with the version it read
//! *before* resolving, and trusts it while the version has not moved: one
//! point read per request instead of two joins, and a revocation made by
//! any process is seen by every other on its next request. Session expiry
//! is checked against the clock on every use.

use std::collections::HashMap;
use std::sync::Mutex;

use baton_domain::{Actor, Email, OrgId, Timestamp};

/// Entries kept before a cache starts over (bounds memory on a server with
/// very many tokens or users; a miss only costs the reads it saves).
const MAX_ENTRIES: usize = 50_000;

/// Who a secret (by digest) stood for, at one access version.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    /// The access version read before resolving.
    pub version: u64,
    /// The org.
    pub org: OrgId,
    /// The person.
    pub email: Email,
    /// Tokens: reads only.
    pub read_only: bool,
    /// Sessions: when it expires.
    pub expires_at: Option<Timestamp>,
}

/// The per-process caches of resolved secrets and actors.
#[derive(Debug, Default)]
pub(crate) struct Callers {
    secrets: Mutex<HashMap<String, Resolved>>,
    actors: Mutex<HashMap<(OrgId, Email), (u64, Actor)>>,
}

fn put<K: std::hash::Hash + Eq, V>(map: &Mutex<HashMap<K, V>>, key: K, value: V) {
    if let Ok(mut m) = map.lock() {
        if m.len() >= MAX_ENTRIES {
            m.clear();
        }
        m.insert(key, value);
    }
}

impl Callers {
    /// What `digest` resolved to at `version`, if still good at `now`.
    pub(crate) fn secret(&self, digest: &str, version: u64, now: Timestamp) -> Option<Resolved> {
        let m = self.secrets.lock().ok()?;
        let r = m.get(digest)?;
        (r.version == version && r.expires_at.is_none_or(|e| e > now)).then(|| r.clone())
    }

    /// Remembers what `digest` resolved to.
    pub(crate) fn put_secret(&self, digest: String, resolved: Resolved) {
        put(&self.secrets, digest, resolved);
    }

    /// Forgets a secret (signed out here).
    pub(crate) fn forget_secret(&self, digest: &str) {
        if let Ok(mut m) = self.secrets.lock() {
            m.remove(digest);
        }
    }

    /// The actor `email` resolved to at `version`.
    pub(crate) fn actor(&self, org: &OrgId, email: &Email, version: u64) -> Option<Actor> {
        let m = self.actors.lock().ok()?;
        let (v, actor) = m.get(&(org.clone(), email.clone()))?;
        (*v == version).then(|| actor.clone())
    }

    /// Remembers an actor.
    pub(crate) fn put_actor(&self, org: OrgId, email: Email, version: u64, actor: Actor) {
        put(&self.actors, (org, email), (version, actor));
    }
}
