//! A line of history, decided: each kind of event goes to the decisions of
//! its aggregate, the same the live use cases make. The org's and the
//! contracts' lines are here; handoffs' and accounts' have their own files.

use baton_domain::contract::Contract;
use baton_domain::event::{Event, Stream};

use super::Importer;
use super::{LineError, not_applied};
use crate::import::Line;

impl Importer<'_> {
    /// Decides one line; on error nothing of it is kept.
    pub(super) async fn line(&mut self, line: &Line) -> Result<(), LineError> {
        match line.event.stream() {
            Stream::Org => self.org_line(line).await,
            Stream::Contract(_) | Stream::Rollout | Stream::Audit(_) => {
                self.contract_line(line).await
            }
            Stream::Account(_) => self.account_line(line).await,
            Stream::Handoff(_) => self.handoff_line(line).await,
        }
    }

    /// Decides a line about the org: its teams, people and settings.
    pub(super) async fn org_line(&mut self, line: &Line) -> Result<(), LineError> {
        let e = line.event.clone();
        match e {
            Event::OrgCreated { .. } => {
                if line.no != 1 && !self.change.events.is_empty()
                    || !self.fresh
                    || self.dir.version > 0
                {
                    return Err("'org_created' may only be the first line of an import into an empty database".into());
                }
                self.record_org_event(e, line);
            }
            // Every line about the org's people is the directory's decision,
            // as live: by the admin the line names, or by the org itself.
            Event::TeamCreated {
                ref team,
                ref name,
                at,
            } => {
                self.require_org()?;
                let decided = self.dir.create_team(None, team.clone(), name, at)?;
                self.record_org_event(decided, line);
            }
            Event::UserCreated {
                ref email,
                ref name,
                admin,
                ref by,
                at,
            } => {
                self.require_org()?;
                let actor = self.line_actor(by.as_ref())?;
                let new = baton_domain::NewPerson {
                    email: email.clone(),
                    name: name.clone(),
                    admin,
                    teams: Vec::new(),
                };
                let decided = self.dir.add_person(actor.as_ref(), new, at)?;
                self.record_org_events(decided, line);
            }
            Event::MemberAdded {
                ref email,
                ref team,
                role,
                ref by,
                at,
            } => {
                let actor = self.line_actor(by.as_ref())?;
                let decided = self.dir.add_member(actor.as_ref(), email, team, role, at)?;
                self.record_org_event(decided, line);
            }
            Event::MemberRemoved {
                ref email,
                ref team,
                ref by,
                at,
            } => {
                let actor = self.line_actor(by.as_ref())?;
                let decided = self.dir.remove_member(actor.as_ref(), email, team, at)?;
                self.record_org_event(decided, line);
            }
            Event::SignInSet {
                password,
                ref sso_team,
                ref sso_domains,
                ref by,
                at,
            } => {
                let actor = self.org_actor(by)?;
                // History says sign-in by SSO was set up then.
                let sign_in = baton_domain::SignIn {
                    password,
                    sso_team: sso_team.clone(),
                    sso_domains: sso_domains.clone(),
                };
                let decided = self.dir.set_sign_in(&actor, true, sign_in, at)?;
                self.record_org_event(decided, line);
            }
            Event::UserDeactivated {
                ref email,
                ref by,
                at,
            } => {
                let actor = self.line_actor(by.as_ref())?;
                let decided = self.dir.deactivate(actor.as_ref(), email, at)?;
                self.record_org_event(decided, line);
            }
            Event::UserReactivated {
                ref email,
                ref by,
                at,
            } => {
                let actor = self.line_actor(by.as_ref())?;
                let decided = self.dir.reactivate(actor.as_ref(), email, at)?;
                self.record_org_event(decided, line);
            }
            Event::ReportingCurrencySet {
                currency,
                ref by,
                at,
            } => {
                // The same decision as the live path: an admin, and a change.
                self.require_org()?;
                let actor = self.org_actor(by)?;
                let book = self.fx_book().await?;
                if book
                    .decide_reporting_currency(&actor, currency, at)?
                    .is_none()
                {
                    return Err(LineError::Refused(format!(
                        "the reporting currency is already {currency}"
                    )));
                }
                book.apply(&e);
                self.record_org_event(e, line);
            }
            Event::FxRateSet {
                currency,
                to,
                rate,
                effective,
                ref by,
                at,
            } => {
                self.require_org()?;
                let actor = self.org_actor(by)?;
                let book = self.fx_book().await?;
                let decided = book.decide_rate(&actor, currency, rate, effective, at)?;
                if decided != e {
                    return Err(LineError::Refused(format!(
                        "the rate converts into {to}, but the reporting currency is {}",
                        book.reporting.map_or("not set".into(), |c| c.to_string())
                    )));
                }
                book.apply(&e);
                self.record_org_event(e, line);
            }
            other => return Err(LineError::misrouted(&other, "the org")),
        }
        Ok(())
    }

    /// Decides a line about a contract, its audits or the rollout plan.
    pub(super) async fn contract_line(&mut self, line: &Line) -> Result<(), LineError> {
        let e = line.event.clone();
        match e {
            Event::ContractPublished {
                ref contract,
                version,
                ref definition,
                ref by,
                ..
            } => {
                self.require_org()?;
                self.require_user(by)?;
                definition.validate()?;
                if definition.key != *contract {
                    return Err(LineError::Refused(format!(
                        "the definition's key '{}' is not '{contract}'",
                        definition.key
                    )));
                }
                let current = self.contracts.get(contract).cloned();
                let expected = current.as_ref().map_or(1, |c| c.current_version + 1);
                if version != expected {
                    return Err(LineError::Refused(format!(
                        "contract '{contract}' expects version {expected} next, not {version}"
                    )));
                }
                let next =
                    Contract::apply(current, &e).ok_or_else(|| not_applied("the contract"))?;
                self.versions.insert(
                    (contract.clone(), version),
                    std::sync::Arc::new((**definition).clone()),
                );
                let v = next.stream_version;
                self.contracts.insert(contract.clone(), next);
                self.batch_contracts.insert(contract.clone());
                self.push(e, v, line);
            }
            Event::ModeChanged {
                ref contract,
                ref by,
                ..
            } => {
                self.require_user(by)?;
                let current = self.contract(contract)?.clone();
                let next =
                    Contract::apply(Some(current), &e).ok_or_else(|| not_applied("the mode"))?;
                let v = next.stream_version;
                self.contracts.insert(contract.clone(), next);
                self.batch_contracts.insert(contract.clone());
                self.push(e, v, line);
            }
            Event::AuditSampled {
                ref contract,
                ref handoff,
                ref by,
                ..
            } => {
                self.require_user(&Some(by.clone()))?;
                self.contract(contract)?;
                let h = self.existing_handoff(handoff).await?;
                if h.contract != *contract {
                    return Err(LineError::Refused(format!(
                        "handoff '{handoff}' is not of contract '{contract}'"
                    )));
                }
                let v = self.audit_version(contract, &e).await?;
                self.push(e, v, line);
            }
            Event::AuditRecorded {
                ref contract,
                ref audit,
                ref by,
                ..
            } => {
                self.require_user(&Some(by.clone()))?;
                self.contract(contract)?;
                self.audit_state(contract).await?;
                let known = self
                    .audits
                    .get(contract)
                    .is_some_and(|a| a.samples.contains_key(audit));
                if !known {
                    return Err(LineError::Refused(format!(
                        "unknown audit '{audit}' of '{contract}'"
                    )));
                }
                let v = self.audit_version(contract, &e).await?;
                self.push(e, v, line);
            }
            Event::RolloutChanged {
                ref contract,
                ref by,
                ..
            } => {
                // History: recorded as it happened, without the sequencing
                // rule (that governs live moves).
                self.require_user(&Some(by.clone()))?;
                self.contract(contract)?;
                if self.rollout.is_none() {
                    let folded = if self.fresh {
                        baton_domain::rollout::Rollout::default()
                    } else {
                        let events = self
                            .app
                            .store
                            .stream_events(&self.org, &Stream::Rollout.to_string())
                            .await?;
                        baton_domain::rollout::Rollout::fold(events.iter().map(|e| &e.event))
                    };
                    self.rollout = Some(folded);
                }
                let v = match self.rollout.as_mut() {
                    Some(r) => {
                        r.apply(&e);
                        r.version
                    }
                    None => return Err(LineError::Bug("the rollout plan did not load".into())),
                };
                self.push(e, v, line);
            }
            Event::ContractProposed {
                ref contract,
                version,
                ref by,
                ..
            } => {
                self.require_user(&Some(by.clone()))?;
                let current = self.contract(contract)?.clone();
                if version == 0 || version > current.current_version {
                    return Err(LineError::Refused(format!(
                        "contract '{contract}' has no version {version} to propose against"
                    )));
                }
                let next = Contract::apply(Some(current), &e)
                    .ok_or_else(|| not_applied("the proposal"))?;
                let v = next.stream_version;
                baton_domain::proposal::Proposal::apply(self.proposals(contract).await?, v, &e);
                self.contracts.insert(contract.clone(), next);
                self.batch_contracts.insert(contract.clone());
                self.push(e, v, line);
            }
            Event::ProposalAnswered {
                ref contract,
                proposal,
                accepted,
                ref reason,
                ref by,
                at,
            } => {
                // The same decision as a live answer, by the user as the
                // directory holds them at this line.
                let actor = self.org_actor(by)?;
                let current = self.contract(contract)?.clone();
                let decided = {
                    let ps = self.proposals(contract).await?;
                    let p = ps.iter().find(|p| p.number == proposal).ok_or_else(|| {
                        format!("contract '{contract}' has no proposal {proposal}")
                    })?;
                    p.answer(&current, &actor, accepted, reason, at)
                        .map_err(|e| e.to_string())?
                };
                let next = Contract::apply(Some(current), &decided)
                    .ok_or_else(|| not_applied("the answer"))?;
                let v = next.stream_version;
                baton_domain::proposal::Proposal::apply(
                    self.proposals(contract).await?,
                    v,
                    &decided,
                );
                self.contracts.insert(contract.clone(), next);
                self.batch_contracts.insert(contract.clone());
                self.push(decided, v, line);
            }
            other => return Err(LineError::misrouted(&other, "a contract")),
        }
        Ok(())
    }
}
