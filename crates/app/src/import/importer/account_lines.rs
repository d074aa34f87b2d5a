//! Lines about accounts: records, signals (NPS, churn, re-discovery),
//! notes and suggestions, decided by the account aggregate.

use baton_domain::account::Account;
use baton_domain::event::Event;

use super::Importer;
use super::LineError;
use crate::import::Line;

impl Importer<'_> {
    /// Decides a line about an account.
    pub(super) async fn account_line(&mut self, line: &Line) -> Result<(), LineError> {
        let e = line.event.clone();
        match e {
            Event::Account {
                ref id,
                ref name,
                arr,
                ref segment,
                at,
            } => {
                self.require_org()?;
                let state = self.account(id).await?;
                let e = Account::upsert(
                    id.clone(),
                    name,
                    arr,
                    segment.as_deref(),
                    at.unwrap_or(self.now),
                )?;
                self.record_account(state, e, line)?;
            }
            Event::Rediscovery {
                account,
                handoff,
                field,
                note,
                by,
                at,
            } => {
                let state = self
                    .account(&account)
                    .await?
                    .ok_or_else(|| format!("unknown account '{account}'"))?;
                let about = match &handoff {
                    Some(hid) => {
                        let h = self.existing_handoff(hid).await?;
                        let def = self.def(&h.contract, h.version)?;
                        Some((h, def))
                    }
                    None => None,
                };
                let team = about.as_ref().map(|(h, _)| h.to.clone());
                let report = baton_domain::account::IncidentReport {
                    field,
                    note,
                    by: by.clone(),
                    at,
                };
                let e = state.record_incident(
                    about.as_ref().map(|(h, d)| (h, &**d)),
                    report,
                    self.now,
                )?;
                let new_users = match &by {
                    Some(email) => self.actor(email, team.as_ref(), at).1,
                    None => Vec::new(),
                };
                self.record_user_events(new_users, line);
                self.record_account(Some(state), e, line)?;
            }
            Event::Note {
                ref account,
                ref author,
                ref team,
                ref text,
                at,
            } => {
                crate::rediscovery::check_note_text(text).map_err(|e| e.to_string())?;
                let state = self
                    .account(account)
                    .await?
                    .ok_or_else(|| format!("unknown account '{account}'"))?;
                if let Some(t) = team
                    && !self.dir.teams.contains_key(t)
                {
                    return Err(LineError::Refused(format!("unknown team '{t}'")));
                }
                let new_users = match author {
                    Some(email) => self.actor(email, team.as_ref(), at).1,
                    None => Vec::new(),
                };
                self.record_user_events(new_users, line);
                self.record_account(Some(state), e, line)?;
            }
            Event::RediscoverySuggested {
                ref id,
                ref account,
                ref handoff,
                ref contract,
                ref field,
                ..
            } => {
                let state = self
                    .account(account)
                    .await?
                    .ok_or_else(|| format!("unknown account '{account}'"))?;
                let h = self.existing_handoff(handoff).await?;
                if h.account != *account || h.contract != *contract {
                    return Err(LineError::Refused(format!(
                        "handoff '{handoff}' is a {} handoff of account '{}', not a {contract} handoff of '{account}'",
                        h.contract, h.account
                    )));
                }
                self.def(&h.contract, h.version)?
                    .known_field(field.as_str())?;
                let known = self.app.store.suggestion(&self.org, id).await?;
                if known.is_some() || self.suggestions.contains_key(id) {
                    return Err(LineError::Refused(format!(
                        "suggestion '{id}' is already recorded"
                    )));
                }
                self.suggestions.insert(id.clone(), false);
                self.record_account(Some(state), e, line)?;
            }
            Event::SuggestionDecided {
                ref id,
                ref account,
                ref by,
                ..
            } => {
                self.require_user(&Some(by.clone()))?;
                let state = self
                    .account(account)
                    .await?
                    .ok_or_else(|| format!("unknown account '{account}'"))?;
                let open = match self.suggestions.get(id) {
                    Some(decided) => !decided,
                    None => self
                        .app
                        .store
                        .suggestion(&self.org, id)
                        .await?
                        .is_some_and(|s| {
                            s.status == baton_domain::rediscovery::SuggestionStatus::Open
                                && s.account == *account
                        }),
                };
                if !open {
                    return Err(LineError::Refused(format!(
                        "suggestion '{id}' of account '{account}' is unknown or already decided"
                    )));
                }
                self.suggestions.insert(id.clone(), true);
                self.record_account(Some(state), e, line)?;
            }
            Event::Nps { account, score, at } => {
                let state = self
                    .account(&account)
                    .await?
                    .ok_or_else(|| format!("unknown account '{account}'"))?;
                let e = state.record_nps(score, at, self.now)?;
                self.record_account(Some(state), e, line)?;
            }
            Event::Churn {
                account,
                at,
                arr_lost,
            } => {
                let state = self
                    .account(&account)
                    .await?
                    .ok_or_else(|| format!("unknown account '{account}'"))?;
                let e = state.record_churn(at, Some(arr_lost), self.now)?;
                self.record_account(Some(state), e, line)?;
            }
            other => return Err(LineError::misrouted(&other, "an account")),
        }
        Ok(())
    }
}
