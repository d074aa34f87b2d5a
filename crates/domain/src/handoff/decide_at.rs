//! One step of a handoff in time: the breaches time alone has made certain,
//! then the command. Apart from the lifecycle so that the deadlines (which
//! read handoffs) and the handoff (which records their breaches) do not
//! import each other.

use super::{Ctx, Handoff};
use crate::error::DomainError;
use crate::event::Event;

impl Handoff {
    /// One step of the handoff at `ctx.at`: first the breaches time alone
    /// has made certain (every deadline that passed unmet before `ctx.at`,
    /// recorded at its due, see [`crate::sla::passed_unrecorded`]), then the
    /// command `decide` makes on the handoff as they leave it. Returns the
    /// events to record in order (the command's last) and the handoff with
    /// all of them applied. The live use cases and history import both step
    /// through here, so a late fulfilment records its breach the same way
    /// on both paths, in the same change as the fulfilling event.
    pub fn decide_at(
        mut self,
        ctx: Ctx<'_>,
        decide: impl FnOnce(&Handoff, Ctx<'_>) -> Result<Event, DomainError>,
    ) -> Result<(Vec<Event>, Handoff), DomainError> {
        let mut events = Vec::new();
        for (kind, due) in crate::sla::passed_unrecorded(&self, ctx.def, ctx.at) {
            let e = Event::SlaBreached {
                handoff: self.id.clone(),
                kind,
                due,
                at: due,
            };
            self.apply(&e, ctx.def);
            events.push(e);
        }
        let e = decide(&self, ctx)?;
        self.apply(&e, ctx.def);
        events.push(e);
        Ok((events, self))
    }
}
