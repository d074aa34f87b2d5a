//! The SLA breach job (SPEC §3): one bounded round that records, as an
//! `sla_breached` event on the handoff's stream, every deadline that fell due
//! unmet. It reads the deadlines the write path keeps in step with each
//! handoff, so a deadline that passed while no process ran is found by the
//! next round with its original due time. Each breach is recorded once: the
//! deadline's key refuses a second record, whichever process tries.

use std::collections::BTreeMap;

use baton_domain::event::{Event, Via};
use baton_domain::sla::{SlaKind, is_unrecorded_breach};
use baton_domain::{HandoffId, OrgId, Timestamp};
use baton_store::{Change, DueDeadline};

use crate::{App, AppError};

/// Most deadlines one round looks at.
pub const ROUND_LIMIT: u32 = 1000;

/// Attempts per handoff when another writer changes it meanwhile.
const ATTEMPTS: usize = 3;

/// One recorded breach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiredBreach {
    /// The org.
    pub org: OrgId,
    /// The handoff.
    pub handoff: HandoffId,
    /// Which promise was broken.
    pub kind: SlaKind,
    /// When it fell due.
    pub due: Timestamp,
}

/// What one round of the breach job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BreachRound {
    /// Breaches this round recorded.
    pub fired: Vec<FiredBreach>,
    /// Due deadlines not recorded: met meanwhile, or recorded by another
    /// process first.
    pub skipped: usize,
    /// Whether the round stopped at its limit with more deadlines due (run
    /// another round).
    pub more: bool,
}

impl App {
    /// Records the breach of every deadline that fell due before now and is
    /// not recorded yet, at most [`ROUND_LIMIT`] per round. Each deadline is
    /// re-checked against the handoff as it is now, so one met meanwhile does
    /// not fire.
    #[tracing::instrument(skip_all)]
    pub async fn fire_sla_breaches(&self) -> Result<BreachRound, AppError> {
        let now = self.now();
        let due = self.store.due_deadlines(now, ROUND_LIMIT).await?;
        let mut round = BreachRound {
            more: due.len() == ROUND_LIMIT as usize,
            ..BreachRound::default()
        };
        let mut by_handoff: BTreeMap<(OrgId, HandoffId), Vec<(SlaKind, Timestamp)>> =
            BTreeMap::new();
        for DueDeadline {
            org,
            handoff,
            kind,
            due,
        } in due
        {
            by_handoff
                .entry((org, handoff))
                .or_default()
                .push((kind, due));
        }
        for ((org, id), deadlines) in by_handoff {
            let fired = self.fire_on(&org, &id, &deadlines, now).await?;
            round.skipped += deadlines.len() - fired.len();
            round
                .fired
                .extend(fired.into_iter().map(|(kind, due)| FiredBreach {
                    org: org.clone(),
                    handoff: id.clone(),
                    kind,
                    due,
                }));
        }
        if !round.fired.is_empty() {
            tracing::info!(fired = round.fired.len(), "recorded SLA breaches");
        }
        Ok(round)
    }

    /// Records the breaches of one handoff's due deadlines in one change;
    /// returns those recorded.
    async fn fire_on(
        &self,
        org: &OrgId,
        id: &HandoffId,
        deadlines: &[(SlaKind, Timestamp)],
        now: Timestamp,
    ) -> Result<Vec<(SlaKind, Timestamp)>, AppError> {
        for attempt in 1..=ATTEMPTS {
            let Some(mut h) = self.store.handoff(org, id).await? else {
                return Ok(Vec::new());
            };
            let def = self
                .store
                .contract_version(org, &h.contract, h.version)
                .await?
                .ok_or_else(|| {
                    AppError::NotFound(format!("version {} of '{}'", h.version, h.contract))
                })?;
            let mut change = Change::default();
            let mut fired = Vec::new();
            let mut breaches = Vec::new();
            for &(kind, due) in deadlines {
                if !is_unrecorded_breach(&h, &def, kind, due, now) {
                    continue;
                }
                // The breach happened at the due time, whenever the job
                // noticed it (business time, like every event's `at`).
                let e = Event::SlaBreached {
                    handoff: id.clone(),
                    kind,
                    due,
                    at: due,
                };
                h.apply(&e, &def);
                breaches.push((e, Via::System));
                fired.push((kind, due));
            }
            if fired.is_empty() {
                return Ok(fired);
            }
            change.handoff(h, breaches, now);
            match self.store.commit(org, &change).await {
                Ok(_) => return Ok(fired),
                // Another process recorded it, or someone acted on the
                // handoff meanwhile: look again at the handoff as it is now.
                Err(
                    baton_store::StoreError::Conflict(why) | baton_store::StoreError::Stale(why),
                ) => {
                    tracing::debug!(%org, handoff = %id, attempt, %why, "breach write collided");
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Vec::new())
    }
}
