//! A person's work queue: every next step a handoff asks of them or of
//! their teams (the domain's `Handoff::next_steps` decides which), the
//! re-discovery suggestions theirs to review, the sampled audits they
//! drew and have not recorded, and the proposals to the contracts their
//! teams receive that wait for a lead's answer. Overdue first, then
//! soonest due.

use baton_domain::audit::{Audits, Sample};
use baton_domain::event::Stream;
use baton_domain::handoff::NextStep;
use baton_domain::rediscovery::SuggestedIncident;
use baton_domain::{ContractKey, Handoff, Timestamp};
use serde::Serialize;

use crate::contracts::Proposal;
use crate::handoffs::{HandoffView, Viewing};
use crate::{App, AppError, Caller};

/// Most handoffs a queue reads; the earliest deadlines come first, so what
/// is overdue is never cut off.
pub const MAX_HANDOFFS: u32 = 500;
/// Most open suggestions a queue reads.
const MAX_SUGGESTIONS: u32 = 1000;

/// One step of one handoff.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    /// The handoff, as the person sees it.
    pub handoff: HandoffView,
    /// The work.
    pub step: NextStep,
    /// Past its due time.
    pub overdue: bool,
}

/// A sampled audit drawn and not yet recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenAudit {
    /// The contract audited.
    pub contract: ContractKey,
    /// The draw.
    pub sample: Sample,
}

/// Everything waiting for one person.
#[derive(Debug, Clone, PartialEq)]
pub struct Queue {
    /// When it was computed.
    pub at: Timestamp,
    /// Handoff steps, overdue first, then by due time (undated last).
    pub items: Vec<QueueItem>,
    /// Open re-discovery suggestions theirs to review, oldest first.
    pub suggestions: Vec<SuggestedIncident>,
    /// Audits they drew and have not recorded.
    pub audits: Vec<OpenAudit>,
    /// Open proposals to contracts a team they lead receives, oldest first.
    pub proposals: Vec<Proposal>,
}

impl Queue {
    /// How many things wait.
    pub fn len(&self) -> usize {
        self.items.len() + self.suggestions.len() + self.audits.len() + self.proposals.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many handoff steps are past due.
    pub fn overdue(&self) -> usize {
        self.items.iter().filter(|i| i.overdue).count()
    }
}

/// What a queue is made of before any handoff is shown: the handoffs with
/// work for the person and that work, the suggestions and the audits.
struct Open {
    at: Timestamp,
    handoffs: Vec<(Handoff, Vec<NextStep>)>,
    suggestions: Vec<SuggestedIncident>,
    audits: Vec<OpenAudit>,
    proposals: Vec<Proposal>,
}

impl App {
    /// What waits for the caller now.
    pub async fn queue(&self, caller: &Caller) -> Result<Queue, AppError> {
        let (open, mut viewing) = self.open_work(caller).await?;
        let mut items = Vec::new();
        for (h, steps) in open.handoffs {
            let view = viewing.view(h).await?;
            for step in steps {
                items.push(QueueItem {
                    handoff: view.clone(),
                    overdue: step.due.is_some_and(|d| d < open.at),
                    step,
                });
            }
        }
        items.sort_by(|a, b| {
            let key = |i: &QueueItem| (!i.overdue, i.step.due.is_none(), i.step.due);
            key(a)
                .cmp(&key(b))
                .then_with(|| a.handoff.handoff.id.cmp(&b.handoff.handoff.id))
        });
        Ok(Queue {
            at: open.at,
            items,
            suggestions: open.suggestions,
            audits: open.audits,
            proposals: open.proposals,
        })
    }

    /// How many things wait for the caller ([`Queue::len`] of
    /// [`App::queue`], without building what a page of it shows): the
    /// count every page's navigation carries.
    pub async fn queue_len(&self, caller: &Caller) -> Result<usize, AppError> {
        let (open, _) = self.open_work(caller).await?;
        Ok(open.handoffs.iter().map(|(_, s)| s.len()).sum::<usize>()
            + open.suggestions.len()
            + open.audits.len()
            + open.proposals.len())
    }

    async fn open_work<'a>(&'a self, caller: &'a Caller) -> Result<(Open, Viewing<'a>), AppError> {
        let actor = self.actor(caller).await?;
        let org = &caller.org;
        let contracts = self.store.contracts(org).await?;
        let teams: Vec<_> = actor.teams.keys().cloned().collect();
        let sending: Vec<ContractKey> = contracts
            .iter()
            .filter(|c| actor.in_team(&c.current.sending_team))
            .map(|c| c.key.clone())
            .collect();
        let attesting: Vec<ContractKey> = contracts
            .iter()
            .filter(|c| !c.current.attestation_questions.is_empty())
            .map(|c| c.key.clone())
            .collect();
        let candidates = self
            .store
            .queue_candidates(
                org,
                &caller.email,
                &teams,
                &sending,
                &attesting,
                MAX_HANDOFFS,
            )
            .await?;
        let mut audits = Vec::new();
        // Only auditors draw samples, so only their contracts can hold one
        // of theirs to record.
        for c in contracts
            .iter()
            .filter(|c| crate::audits::may_audit(&actor, c).is_ok())
        {
            let events = self
                .store
                .stream_events(org, &Stream::Audit(c.key.clone()).to_string())
                .await?;
            let folded = Audits::fold(events.iter().map(|e| &e.event));
            audits.extend(
                folded
                    .samples
                    .into_values()
                    .filter(|s| s.result.is_none() && s.by == caller.email)
                    .map(|sample| OpenAudit {
                        contract: c.key.clone(),
                        sample,
                    }),
            );
        }
        // The pen is the leads' (an admin may take it, but answering is not
        // every admin's standing work, as drafts are not).
        let mut proposals = Vec::new();
        for c in contracts
            .iter()
            .filter(|c| c.current.receiving_teams.iter().any(|t| actor.leads(t)))
        {
            proposals.extend(
                self.proposal_list(org, &c.key)
                    .await?
                    .into_iter()
                    .filter(|p| p.is_open()),
            );
        }
        let suggestions = self
            .store
            .open_suggestions_with_team(org, MAX_SUGGESTIONS)
            .await?
            .into_iter()
            .filter(|(s, to)| s.reviewed_by(&actor, to.as_ref()))
            .map(|(s, _)| s)
            .collect();
        let mut viewing = Viewing::new(self, org, actor);
        let mut handoffs = Vec::new();
        for h in candidates {
            let steps = viewing.steps(&h).await?;
            if !steps.is_empty() {
                handoffs.push((h, steps));
            }
        }
        Ok((
            Open {
                at: self.now(),
                handoffs,
                suggestions,
                audits,
                proposals,
            },
            viewing,
        ))
    }
}
