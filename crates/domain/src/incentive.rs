//! The incentive tune (SPEC §6): per sender and period, a handoff-quality
//! index and the comp multiplier it earns.
//!
//! Baton's definition, documented in the API: over the sender's handoffs
//! whose first decision (accept or reject) falls in the period,
//! `quality = ½ × mean first-submission score / 100 + ½ × first-pass
//! acceptance rate` (0–1), and `multiplier = 1 + weight × (2 × quality − 1)`,
//! so a perfect sender earns `1 + weight`, an average one (quality ½) 1, and
//! the worst `1 − weight`. The weight is 5% by default and 0–10% allowed.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::org::Actor;
use crate::{DomainError, Email, Handoff, TeamKey, Timestamp};

/// The default weight of quality in comp.
pub const DEFAULT_WEIGHT: f64 = 0.05;
/// The largest weight allowed.
pub const MAX_WEIGHT: f64 = 0.10;

/// A checked weight, 0–10%.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Weight(f64);

impl Weight {
    /// Accepts a fraction between 0 and 0.10.
    pub fn new(w: f64) -> Result<Self, DomainError> {
        if w.is_finite() && (0.0..=MAX_WEIGHT).contains(&w) {
            Ok(Self(w))
        } else {
            Err(DomainError::value(
                "weight",
                format!("{w} is outside 0 to 0.10 (0% to 10% of variable comp; default 0.05)"),
            ))
        }
    }

    /// The fraction.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl Default for Weight {
    fn default() -> Self {
        Self(DEFAULT_WEIGHT)
    }
}

/// One sender's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SenderIncentive {
    /// The sender.
    pub sender: Email,
    /// Handoffs first decided in the period.
    pub handoffs: u64,
    /// Mean score of their first submissions, 0–100.
    pub mean_score: f64,
    /// Accepted on the first submission.
    pub first_pass: u64,
    /// `first_pass / handoffs`.
    pub first_pass_rate: f64,
    /// The quality index, 0–1.
    pub quality: f64,
    /// The comp multiplier.
    pub multiplier: f64,
}

/// Every sender with a handoff first decided in `[start, end)`, by email.
pub fn incentives(
    handoffs: &[Handoff],
    start: Timestamp,
    end: Timestamp,
    weight: Weight,
) -> Vec<SenderIncentive> {
    let mut by: BTreeMap<&Email, (u64, u64, u64)> = BTreeMap::new();
    for h in handoffs {
        let Some(d) = h.first_decision() else {
            continue;
        };
        if d.at < start || d.at >= end {
            continue;
        }
        let score = h.submissions.first().map_or(0, |s| u64::from(s.score));
        let e = by.entry(&h.sender).or_default();
        e.0 += 1;
        e.1 += score;
        e.2 += u64::from(d.accepted);
    }
    by.into_iter()
        .map(|(sender, (n, score_sum, first))| {
            let mean_score = score_sum as f64 / n as f64;
            let rate = first as f64 / n as f64;
            let quality = 0.5 * mean_score / 100.0 + 0.5 * rate;
            SenderIncentive {
                sender: sender.clone(),
                handoffs: n,
                mean_score,
                first_pass: first,
                first_pass_rate: rate,
                quality,
                multiplier: 1.0 + weight.get() * (2.0 * quality - 1.0),
            }
        })
        .collect()
}

/// Whether `viewer` may see `sender`'s comp line. Comp is personal: each
/// person sees their own, a lead sees the people on the teams they lead,
/// an admin sees everyone. `sender_teams` are the sender's teams.
pub fn sees_line<'a>(
    viewer: &Actor,
    sender: &Email,
    mut sender_teams: impl Iterator<Item = &'a TeamKey>,
) -> bool {
    viewer.admin || viewer.email == *sender || sender_teams.any(|t| viewer.leads(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_weight_is_checked_and_named() {
        assert!(Weight::new(0.0).is_ok() && Weight::new(0.1).is_ok());
        for bad in [-0.01, 0.11, f64::NAN] {
            let e = Weight::new(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("weight") && e.contains("0.10"), "{e}");
        }
    }

    #[test]
    fn a_member_sees_only_their_own_line_a_lead_their_teams_an_admin_all() {
        use crate::org::Role;
        let team = TeamKey::parse("ae").unwrap();
        let other = TeamKey::parse("sdr").unwrap();
        let who = |email: &str, role: Option<Role>, admin: bool| Actor {
            email: Email::parse(email).unwrap(),
            admin,
            teams: role.map(|r| (team.clone(), r)).into_iter().collect(),
        };
        let me = Email::parse("ae1@acme.test").unwrap();
        let member = who("ae2@acme.test", Some(Role::Member), false);
        let lead = who("ae-lead@acme.test", Some(Role::Lead), false);
        let admin = who("admin@acme.test", None, true);
        assert!(sees_line(
            &who("ae1@acme.test", Some(Role::Member), false),
            &me,
            [&team].into_iter()
        ));
        assert!(!sees_line(&member, &me, [&team].into_iter()));
        assert!(sees_line(&lead, &me, [&team].into_iter()));
        assert!(!sees_line(&lead, &me, [&other].into_iter()));
        assert!(sees_line(&admin, &me, std::iter::empty()));
    }
}
