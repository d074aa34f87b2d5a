//! Re-discovery found in imported notes, once every line is decided: the
//! notes are matched against the handoffs as the whole import leaves them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use baton_domain::account::Account;
use baton_domain::event::{Event, Via};
use baton_domain::rediscovery::Learned;
use baton_domain::{AccountId, Handoff, HandoffId};

use super::{Importer, LineError, NOTES_PER_READ, not_applied};
use crate::AppError;

impl Importer<'_> {
    /// Looks for re-discovery in the imported notes, against the handoffs as
    /// the whole import leaves them (this import's, over those already in
    /// the database); returns how many suggestions it recorded and how many
    /// events it wrote. The notes are read back from the bulk a page at a
    /// time and each page's suggestions written before the next, so memory
    /// holds one page whatever the number of notes. `lines`: the file's
    /// last line, which a failure is reported against.
    pub(in crate::import) async fn suggest_from_notes(
        &mut self,
        lines: u64,
    ) -> Result<(usize, u64), AppError> {
        let (mut found, mut written, mut after) = (0, 0, 0);
        // What the org decided before this import; a new org has decided
        // nothing yet.
        let learned = if self.fresh {
            Learned::default()
        } else {
            self.app.learned(&self.org).await?
        };
        loop {
            let page = self
                .bulk
                .events_of_kind("note", after, NOTES_PER_READ as u32)
                .await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            let notes: Vec<Event> = page.into_iter().map(|e| e.event).collect();
            // The handoffs of the page's accounts, read back from the bulk
            // (the database's with this file's over them).
            let accounts: Vec<AccountId> = notes
                .iter()
                .filter_map(|n| match n {
                    Event::Note { account, .. } => Some(account.clone()),
                    _ => None,
                })
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut by_account: HashMap<AccountId, BTreeMap<HandoffId, Handoff>> = HashMap::new();
            for h in self.bulk.accepted_handoffs_of(&accounts).await? {
                by_account
                    .entry(h.account.clone())
                    .or_default()
                    .insert(h.id.clone(), h);
            }
            found += self
                .suggest_from(&notes, &by_account, &learned)
                .await
                .map_err(|e| e.at_end(lines))?;
            let change = self.take_change();
            written += change.events.len() as u64;
            self.bulk.write(&change).await?;
            self.evict().await?;
        }
        Ok((found, written))
    }

    /// [`Importer::suggest_from_notes`] for some notes, given the accepted
    /// handoffs of their accounts.
    async fn suggest_from(
        &mut self,
        notes: &[Event],
        by_account: &HashMap<AccountId, BTreeMap<HandoffId, Handoff>>,
        learned: &Learned,
    ) -> Result<usize, LineError> {
        let mut found = 0;
        for note in notes {
            let Event::Note {
                account,
                author,
                team,
                text: body,
                at,
            } = note
            else {
                continue;
            };
            let (account, at) = (account.clone(), *at);
            let none = BTreeMap::new();
            let handoffs = by_account.get(&account).unwrap_or(&none);
            let mut answered = Vec::new();
            for h in handoffs
                .values()
                .filter(|h| crate::rediscovery::accepted_by(h, at))
            {
                let def = self.def(&h.contract, h.version)?;
                crate::rediscovery::answered_in(h, &def, &mut answered);
            }
            let events = crate::rediscovery::suggestion_events(
                &account,
                (&answered, learned),
                body,
                author.as_ref(),
                team.as_ref(),
                at,
                crate::rediscovery::new_suggestion_id,
            );
            for e in events {
                let state = self.account(&account).await?;
                let a =
                    Account::apply(state, &e).ok_or_else(|| not_applied("the account change"))?;
                let v = a.stream_version;
                self.accounts.insert(account.clone(), Some(a));
                self.batch_accounts.insert(account.clone());
                self.change.push(e, v, Via::System, self.now);
                found += 1;
            }
        }
        Ok(found)
    }
}
