//! How well the detector does on an org's own decisions, as far as they
//! can tell: precision is measured (every suggestion decided is right or
//! wrong), recall only bounded (a re-ask nobody noticed leaves no trace).

use serde::Serialize;

/// The org's suggestions by status, and the re-discovery incidents on
/// record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Quality {
    /// Suggestions waiting for a person.
    pub open: u64,
    /// Suggestions confirmed: re-asks the detector found.
    pub confirmed: u64,
    /// Suggestions dismissed: questions that asked something new.
    pub dismissed: u64,
    /// Re-discovery incidents people reported by hand (not from a
    /// suggestion): re-asks the detector did not suggest, or that came up
    /// where no note was recorded.
    pub reported_by_hand: u64,
}

impl Quality {
    /// Counts a confirmed suggestion's incident once: `incidents` is every
    /// re-discovery incident on record, confirmed suggestions included.
    pub fn new(open: u64, confirmed: u64, dismissed: u64, incidents: u64) -> Self {
        Self {
            open,
            confirmed,
            dismissed,
            reported_by_hand: incidents.saturating_sub(confirmed),
        }
    }

    /// Suggestions decided.
    pub fn decided(&self) -> u64 {
        self.confirmed + self.dismissed
    }

    /// Share of decided suggestions confirmed; `None` before any decision.
    pub fn precision(&self) -> Option<f64> {
        share(self.confirmed, self.decided())
    }

    /// Share of the re-discovery on record that the detector found
    /// (confirmed suggestions over those plus hand reports); `None` with
    /// nothing on record. Only an upper bound of recall: a re-ask nobody
    /// confirmed or reported is in neither count.
    pub fn found_share(&self) -> Option<f64> {
        share(self.confirmed, self.confirmed + self.reported_by_hand)
    }
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_is_measured_and_recall_only_bounded() {
        let q = Quality::new(2, 6, 2, 9);
        assert_eq!(q.reported_by_hand, 3);
        assert_eq!(q.precision(), Some(0.75));
        assert_eq!(q.found_share(), Some(6.0 / 9.0));
        assert_eq!(Quality::default().precision(), None);
        assert_eq!(Quality::default().found_share(), None);
    }
}
