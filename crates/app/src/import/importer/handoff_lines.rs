//! Lines about handoffs: every step of the lifecycle decided by the
//! handoff aggregate, as history (observe mode, the past as it happened).

use baton_domain::Handoff;
use baton_domain::event::{Event, Values};
use baton_domain::field::Owner;
use baton_domain::handoff::{Ctx, parse_values};

use super::Importer;
use super::{LineError, Side, as_raw, not_applied};
use crate::import::Line;

impl Importer<'_> {
    /// Decides a line about a handoff.
    pub(super) async fn handoff_line(&mut self, line: &Line) -> Result<(), LineError> {
        let e = line.event.clone();
        match e {
            Event::DraftCreated {
                handoff,
                contract,
                version,
                account,
                deal,
                to,
                by,
                at,
                values,
                carried,
                attachments,
            } => {
                if self.handoff(&handoff).await?.is_some() {
                    return Err(LineError::Refused(format!(
                        "handoff '{handoff}' already exists"
                    )));
                }
                self.account(&account).await?.ok_or_else(|| {
                    format!("unknown account '{account}': add an 'account' line before")
                })?;
                if let Some(d) = &deal {
                    self.claim_deal(d, &handoff, &account, &contract).await?;
                }
                let c = self.contract(&contract)?;
                let mode = c.mode;
                let def = self.def(&contract, version)?;
                let (actor, new_users) = self.actor(&by, Some(&def.sending_team), at);
                let mut given = parse_values(&def, &as_raw(&values), Owner::Sender)?;
                let carried_values: Values = carried
                    .iter()
                    .filter_map(|k| given.remove(k).map(|v| (k.clone(), v)))
                    .collect();
                let ctx = Ctx::history(&def, version, mode, at);
                let e = Handoff::start(
                    ctx,
                    &actor,
                    handoff,
                    account,
                    deal,
                    Some(to),
                    given,
                    carried_values,
                    attachments,
                )?;
                let h = Handoff::from_event(&e, &def).ok_or_else(|| not_applied("the draft"))?;
                self.record_user_events(new_users, line);
                self.record_new_handoff(h, e, line);
            }
            Event::Submitted {
                handoff,
                contract,
                account,
                deal,
                version,
                to,
                by,
                at,
                values,
                ..
            } => match self.handoff(&handoff).await? {
                None => {
                    let (Some(contract), Some(account)) = (contract, account) else {
                        return Err(LineError::Refused(format!(
                            "the first line of handoff '{handoff}' needs \"contract\" and \"account\""
                        )));
                    };
                    self.account(&account).await?.ok_or_else(|| {
                        format!("unknown account '{account}': add an 'account' line before")
                    })?;
                    if let Some(d) = &deal {
                        self.claim_deal(d, &handoff, &account, &contract).await?;
                    }
                    let c = self.contract(&contract)?;
                    let (mode, version) = (c.mode, version.unwrap_or(c.current_version));
                    let def = self.def(&contract, version)?;
                    let (actor, new_users) = self.actor(&by, Some(&def.sending_team), at);
                    let values = parse_values(&def, &as_raw(&values), Owner::Sender)?;
                    let ctx = Ctx::history(&def, version, mode, at);
                    let e = Handoff::submit_new(ctx, &actor, handoff, account, deal, to, values)?;
                    let h = Handoff::from_event(&e, &def)
                        .ok_or_else(|| not_applied("the submission"))?;
                    self.record_user_events(new_users, line);
                    self.record_new_handoff(h, e, line);
                }
                Some(h) => {
                    if contract.as_ref().is_some_and(|c| *c != h.contract)
                        || account.as_ref().is_some_and(|a| *a != h.account)
                    {
                        return Err(LineError::Refused(format!(
                            "handoff '{handoff}' is {} for account '{}'",
                            h.contract, h.account
                        )));
                    }
                    if let (Some(d), None) = (&deal, &h.deal) {
                        self.claim_deal(d, &handoff, &h.account, &h.contract)
                            .await?;
                    }
                    let def = self.def(&h.contract, h.version)?;
                    let (actor, new_users) = self.actor(&by, Some(&def.sending_team), at);
                    let values = parse_values(&def, &as_raw(&values), Owner::Sender)?;
                    let ctx = self.ctx(&h, &def, at)?;
                    let (events, h) =
                        h.decide_at(ctx, |h, ctx| h.submit_naming(ctx, &actor, values, deal))?;
                    self.record_user_events(new_users, line);
                    self.record_step(h, events, line);
                }
            },
            Event::Edited {
                handoff,
                by,
                at,
                values,
                attachments,
            } => {
                let h = self.existing_handoff(&handoff).await?;
                let def = self.def(&h.contract, h.version)?;
                let (actor, new_users) = self.actor(&by, Some(&def.sending_team), at);
                let values = parse_values(&def, &as_raw(&values), Owner::Sender)?;
                let ctx = self.ctx(&h, &def, at)?;
                let (events, h) =
                    h.decide_at(ctx, |h, ctx| h.edit(ctx, &actor, values, attachments))?;
                self.record_user_events(new_users, line);
                self.record_step(h, events, line);
            }
            Event::Rejected {
                handoff,
                by,
                at,
                code,
                reason,
                fields,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Receiver, line, |h, ctx, actor| {
                    h.reject(
                        ctx,
                        actor,
                        code,
                        reason,
                        fields.iter().map(ToString::to_string).collect(),
                    )
                })
                .await?;
            }
            Event::Accepted {
                handoff,
                by,
                at,
                values,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Receiver, line, |h, ctx, actor| {
                    let values = parse_values(ctx.def, &as_raw(&values), Owner::Receiver)?;
                    h.accept(ctx, actor, values)
                })
                .await?;
            }
            Event::FirstTouch {
                handoff,
                by,
                at,
                channel,
                note,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Receiver, line, |h, ctx, actor| {
                    h.first_touch(ctx, actor, channel, note)
                })
                .await?;
            }
            Event::Withdrawn { handoff, by, at } => {
                self.handoff_action(&handoff, &by, at, Side::Sender, line, |h, ctx, actor| {
                    h.withdraw(ctx, actor)
                })
                .await?;
            }
            Event::Acknowledged {
                handoff,
                by,
                at,
                eta,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Receiver, line, |h, ctx, actor| {
                    h.acknowledge(ctx, actor, eta)
                })
                .await?;
            }
            Event::Echo {
                handoff,
                by,
                at,
                note,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Receiver, line, |h, ctx, actor| {
                    h.echo(ctx, actor, note)
                })
                .await?;
            }
            Event::Resolved {
                handoff,
                by,
                at,
                note,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Receiver, line, |h, ctx, actor| {
                    h.resolve(ctx, actor, note)
                })
                .await?;
            }
            Event::LoopClosed {
                handoff,
                by,
                at,
                note,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Sender, line, |h, ctx, actor| {
                    h.close_loop(ctx, actor, note)
                })
                .await?;
            }
            Event::Attested {
                handoff,
                by,
                at,
                question,
                answer,
            } => {
                self.handoff_action(&handoff, &by, at, Side::Sender, line, |h, ctx, actor| {
                    h.attest(ctx, actor, question, answer)
                })
                .await?;
            }
            Event::SlaBreached {
                ref handoff,
                kind,
                due,
                ..
            } => {
                // Recorded as it was: the breach is history, not re-decided.
                let h = self.existing_handoff(handoff).await?;
                let derived = self.derived.remove(&(handoff.clone(), kind, due))
                    || self.bulk.take_set_aside_breach(handoff, kind, due).await?;
                if derived {
                    // Already recorded ahead of the late line that made it
                    // certain (an export from before that rule); one breach.
                    return Ok(());
                }
                if h.breaches.iter().any(|b| b.kind == kind && b.due == due) {
                    return Err(LineError::Refused(format!(
                        "the {kind} deadline of handoff '{handoff}' due {due} is already recorded as breached"
                    )));
                }
                let def = self.def(&h.contract, h.version)?;
                self.record_handoff(h, &def, e, line);
            }
            other => return Err(LineError::misrouted(&other, "a handoff")),
        }
        Ok(())
    }
}
