//! Rebuilding projections by replaying the log: the proof that current state
//! is nothing but a fold of the events.

use baton_domain::OrgId;
use baton_domain::projection::OrgState;
use baton_store::{Folded, StoredEvent};

use crate::{App, AppError};

/// What a rebuild found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildReport {
    /// Events replayed.
    pub events: u64,
    /// Whether the rebuilt projections equal the ones before.
    pub identical: bool,
}

impl App {
    /// Reads the org's whole log in order.
    pub async fn log(&self, org: &OrgId) -> Result<Vec<StoredEvent>, AppError> {
        let mut out = Vec::new();
        loop {
            let page = self
                .store
                .events(org, out.last().map_or(0, |e: &StoredEvent| e.seq), 10_000)
                .await?;
            if page.is_empty() {
                return Ok(out);
            }
            out.extend(page);
        }
    }

    /// Replays the log into fresh projections, replacing the stored ones in
    /// one transaction, and says whether anything changed.
    #[tracing::instrument(skip_all, fields(org = %org))]
    pub async fn rebuild(&self, org: &OrgId) -> Result<RebuildReport, AppError> {
        let before = self.store.dump_projections(org).await?;
        let events = self.log(org).await?;
        let mut state = OrgState::default();
        for e in &events {
            state.apply(&e.event);
        }
        let folded = Folded {
            contracts: state.contracts.into_values().collect(),
            accounts: state.accounts.into_values().collect(),
            handoffs: state.handoffs.into_values().collect(),
            org_version: state.version,
        };
        self.store
            .replace_projections(org, &events, &folded)
            .await?;
        let after = self.store.dump_projections(org).await?;
        Ok(RebuildReport {
            events: events.len() as u64,
            identical: before == after,
        })
    }
}
