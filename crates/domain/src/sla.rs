//! SLA deadlines: computed from the contract, the handoff and a time given by
//! the caller, never from the wall clock.

use jiff::{SignedDuration, ToSpan};
use serde::Serialize;
use serde_json::Value;

pub mod kind;

pub use kind::{Breach, SlaKind};

use crate::Timestamp;
use crate::contract::ContractDef;
use crate::handoff::{Handoff, State};

/// The seed's field keys that carry follow-through SLA terms. They are
/// fields, not contract settings, because the sender agrees them per
/// handoff. (The first-touch hours field is named by the contract,
/// `slas.first_touch_field`.)
const ECHO_CADENCE_FIELD: &str = "echo_cadence";
const CLOSE_LOOP_FIELD: &str = "close_loop_window";
const REUNIFICATION_FIELD: &str = "reunification_trigger";

/// One row of the stored deadline table of a handoff: a deadline still
/// open, or one whose breach was recorded (`fired_at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineRow {
    /// Which promise.
    pub kind: SlaKind,
    /// When it falls due.
    pub due: Timestamp,
    /// When its breach was recorded, if it was.
    pub fired_at: Option<Timestamp>,
}

/// The stored rows of a handoff: every unmet deadline (fired or not) and
/// every recorded breach. A pure function of the handoff, so the write path
/// and a rebuild store the same rows.
pub fn deadline_rows(h: &Handoff, def: &ContractDef) -> Vec<DeadlineRow> {
    let fired = |kind: SlaKind, due: Timestamp| {
        h.breaches
            .iter()
            .find(|b| b.kind == kind && b.due == due)
            .map(|b| b.at)
    };
    let mut out: Vec<DeadlineRow> = deadlines(h, def)
        .into_iter()
        .filter(|d| d.met_at.is_none())
        .map(|d| DeadlineRow {
            kind: d.kind,
            due: d.due,
            fired_at: fired(d.kind, d.due),
        })
        .collect();
    for b in &h.breaches {
        if !out.iter().any(|r| r.kind == b.kind && r.due == b.due) {
            out.push(DeadlineRow {
                kind: b.kind,
                due: b.due,
                fired_at: Some(b.at),
            });
        }
    }
    out.sort_by_key(|r| (r.kind, r.due));
    out
}

/// The deadlines of the handoff that fell due strictly before `at` unmet
/// and whose breach is not recorded yet, soonest first. Whatever happens to
/// the handoff at `at` (a late acceptance, a rejection, a withdrawal, an
/// echo, closing the loop) comes after them, so they are recorded first, at
/// their due time: a deadline that passed is a breach however the handoff
/// goes on, and its record keeps the handoff's stream in time order.
pub fn passed_unrecorded(
    h: &Handoff,
    def: &ContractDef,
    at: Timestamp,
) -> Vec<(SlaKind, Timestamp)> {
    let mut out: Vec<(SlaKind, Timestamp)> = deadlines(h, def)
        .into_iter()
        .filter(|d| d.status(at) == SlaStatus::Breached)
        .filter(|d| {
            !h.breaches
                .iter()
                .any(|b| b.kind == d.kind && b.due == d.due)
        })
        .map(|d| (d.kind, d.due))
        .collect();
    out.sort_by_key(|&(kind, due)| (due, kind));
    out
}

/// Whether the deadline `(kind, due)` of the handoff is breached at `now`
/// and not yet recorded as such: what the breach job re-checks before it
/// records one, so a deadline met (or recorded) meanwhile never fires.
pub fn is_unrecorded_breach(
    h: &Handoff,
    def: &ContractDef,
    kind: SlaKind,
    due: Timestamp,
    now: Timestamp,
) -> bool {
    passed_unrecorded(h, def, now).contains(&(kind, due))
}

/// Whether a submitted handoff waits for the receiver's decision past its
/// acceptance deadline at `now` (what the inbox and the page header mark).
pub fn acceptance_overdue(h: &Handoff, def: &ContractDef, now: Timestamp) -> bool {
    h.state == State::Submitted
        && deadlines(h, def)
            .iter()
            .any(|d| d.kind == SlaKind::Acceptance && d.status(now) == SlaStatus::Breached)
}

/// A handoff's acceptance clock, as every page shows it: measured from the
/// first submission (what the deadline is measured from, so a resubmission
/// never restarts it) against the SLA of the contract version the handoff
/// is bound to, and stopped by the acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AcceptanceClock {
    /// The first submission: where the clock starts.
    pub from: Timestamp,
    /// The bound version's acceptance SLA in hours.
    pub hours: u32,
    /// When acceptance falls due.
    pub due: Timestamp,
    /// When it was accepted, which stops the clock.
    pub accepted_at: Option<Timestamp>,
    /// Whether the SLA is kept at `now`.
    pub status: SlaStatus,
}

impl AcceptanceClock {
    /// Seconds on the clock at `now`: to the acceptance once there is one.
    pub fn elapsed(&self, now: Timestamp) -> i64 {
        self.accepted_at
            .unwrap_or(now)
            .duration_since(self.from)
            .as_secs()
    }
}

/// The acceptance clock of `h` at `now`, once it has been submitted (none
/// for drafts and withdrawn handoffs).
pub fn acceptance_clock(h: &Handoff, def: &ContractDef, now: Timestamp) -> Option<AcceptanceClock> {
    let d = deadlines(h, def)
        .into_iter()
        .find(|d| d.kind == SlaKind::Acceptance)?;
    Some(AcceptanceClock {
        from: h.first_submitted_at()?,
        hours: def.slas.acceptance_hours,
        due: d.due,
        accepted_at: d.met_at,
        status: d.status(now),
    })
}

/// Whether a deadline was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaStatus {
    /// Not due yet, not met yet.
    Pending,
    /// Met on time.
    Met,
    /// Met, but after the deadline.
    MetLate,
    /// Past due and not met.
    Breached,
}

/// One deadline of one handoff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// What it tracks.
    pub kind: SlaKind,
    /// When it falls due.
    pub due: Timestamp,
    /// When it was met, if it was.
    pub met_at: Option<Timestamp>,
}

impl Deadline {
    /// Its status at `now`.
    pub fn status(&self, now: Timestamp) -> SlaStatus {
        match self.met_at {
            Some(m) if m <= self.due => SlaStatus::Met,
            Some(_) => SlaStatus::MetLate,
            None if now > self.due => SlaStatus::Breached,
            None => SlaStatus::Pending,
        }
    }
}

fn hours(h: f64) -> SignedDuration {
    SignedDuration::from_secs_f64(h.max(0.0) * 3600.0)
}

fn number(h: &Handoff, key: &str) -> Option<f64> {
    h.values.get(key).and_then(Value::as_f64)
}

/// Every deadline that applies to the handoff now.
pub fn deadlines(h: &Handoff, def: &ContractDef) -> Vec<Deadline> {
    let mut out = Vec::new();
    if h.state == State::Withdrawn {
        return out;
    }
    if let Some(s) = h.first_submitted_at() {
        out.push(Deadline {
            kind: SlaKind::Acceptance,
            due: s + hours(f64::from(def.slas.acceptance_hours)),
            met_at: h.accepted_at,
        });
    }
    let Some(a) = h.accepted_at else { return out };
    // The first touch itself, or on a contract with follow-through the
    // receiver's first acknowledgment or echo, whichever came first.
    let first_activity = [
        h.first_touch.as_ref().map(|t| t.at),
        h.follow.acked_at,
        h.follow.last_echo_at,
    ]
    .into_iter()
    .flatten()
    .min();
    if let Some(n) = def.first_touch_field().and_then(|k| number(h, k.as_str())) {
        out.push(Deadline {
            kind: SlaKind::FirstTouch,
            due: a + hours(n),
            met_at: first_activity,
        });
    }
    if def.follow_through {
        if let Some(ack) = def.slas.ack_hours {
            out.push(Deadline {
                kind: SlaKind::Ack,
                due: a + hours(f64::from(ack)),
                met_at: h.follow.acked_at,
            });
        }
        let cadence = match h.values.get(ECHO_CADENCE_FIELD).and_then(Value::as_str) {
            Some("daily") => Some(24.0),
            Some("weekly") => Some(24.0 * 7.0),
            _ => None,
        };
        if let (Some(c), None) = (cadence, h.follow.resolved_at) {
            let since = h.follow.last_echo_at.or(h.follow.acked_at).unwrap_or(a);
            out.push(Deadline {
                kind: SlaKind::Echo,
                due: since + hours(c),
                met_at: None,
            });
        }
        if let (Some(r), Some(w)) = (h.follow.resolved_at, number(h, CLOSE_LOOP_FIELD)) {
            out.push(Deadline {
                kind: SlaKind::CloseLoop,
                due: r + hours(w),
                met_at: h.follow.loop_closed_at,
            });
        }
    }
    if let Some(text) = h.values.get(REUNIFICATION_FIELD).and_then(Value::as_str)
        && let Some(due) = reunification_due(text, a)
    {
        out.push(Deadline {
            kind: SlaKind::Reunification,
            due,
            met_at: h.follow.resolved_at,
        });
    }
    out
}

/// Reads a re-unification date from the trigger's text: an ISO date
/// (`2027-03-01`) or a span after acceptance (`90 days`). An event-only
/// trigger ("Motion B closed-won") has no date.
pub fn reunification_due(text: &str, accepted: Timestamp) -> Option<Timestamp> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '\'' || c == '"')
        .collect();
    for w in &words {
        let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-');
        if let Ok(d) = w.parse::<jiff::civil::Date>() {
            return d
                .to_zoned(jiff::tz::TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp());
        }
    }
    for pair in words.windows(2) {
        if let (Ok(n), unit) = (pair[0].parse::<i64>(), pair[1].to_lowercase()) {
            let span = match unit.trim_end_matches(|c: char| !c.is_alphabetic()) {
                "day" | "days" => n.days(),
                "week" | "weeks" => n.weeks(),
                _ => continue,
            };
            return accepted
                .to_zoned(jiff::tz::TimeZone::UTC)
                .checked_add(span)
                .ok()
                .map(|z| z.timestamp());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn reunification_reads_dates_and_spans() {
        let a = t("2026-10-01T00:00:00Z");
        assert_eq!(
            reunification_due("re-unify on 2027-03-01", a),
            Some(t("2027-03-01T00:00:00Z"))
        );
        assert_eq!(
            reunification_due("90 days after kickoff", a),
            Some(t("2026-12-30T00:00:00Z"))
        );
        assert_eq!(reunification_due("when Motion B is closed-won", a), None);
    }

    #[test]
    fn a_deadline_is_pending_met_late_or_breached() {
        let d = Deadline {
            kind: SlaKind::Acceptance,
            due: t("2026-10-03T00:00:00Z"),
            met_at: None,
        };
        assert_eq!(d.status(t("2026-10-02T00:00:00Z")), SlaStatus::Pending);
        assert_eq!(d.status(t("2026-10-04T00:00:00Z")), SlaStatus::Breached);
        let met = Deadline {
            met_at: Some(t("2026-10-02T00:00:00Z")),
            ..d.clone()
        };
        assert_eq!(met.status(t("2026-10-09T00:00:00Z")), SlaStatus::Met);
        let late = Deadline {
            met_at: Some(t("2026-10-05T00:00:00Z")),
            ..d
        };
        assert_eq!(late.status(t("2026-10-09T00:00:00Z")), SlaStatus::MetLate);
    }
}
