//! Demo product usage: what a customer's product would report per day for
//! an account in onboarding, so the onboarding-to-cs form has a measured
//! adoption curve to show. Seeded per account: the same account and end
//! day always give the same days.

use baton_domain::AccountId;
use baton_domain::usage::{UsageDay, WINDOW_DAYS};
use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// Features a demo product has, in the order customers usually adopt them.
const FEATURES: [&str; 6] = [
    "dashboards",
    "reports",
    "alerts",
    "api",
    "sso",
    "mobile_app",
];

/// The days of usage of `account` over the [`WINDOW_DAYS`] up to `end`:
/// seats bought at signature, active users climbing towards a share of
/// them (weekends quieter), features taken up one after another, and one
/// that some customers try and drop.
pub fn usage_days(account: &AccountId, end: Date, seed: u64) -> Vec<UsageDay> {
    let mut rng = StdRng::seed_from_u64(seed ^ fnv(account.as_str()));
    let seats: u32 = *[10u32, 20, 25, 40, 50, 100]
        .get(rng.random_range(0..6))
        .unwrap_or(&20);
    // How far adoption gets: 35% to 90% of seats.
    let reach = rng.random_range(35..=90) as f64 / 100.0;
    // The day (0-based) each feature is first used, if ever; the dropped
    // one's last day.
    let starts: Vec<Option<i32>> = FEATURES
        .iter()
        .enumerate()
        .map(|(i, _)| {
            rng.random_bool(0.85 - 0.1 * i as f64)
                .then(|| rng.random_range(i as i32 * 8..i as i32 * 12 + 5))
        })
        .collect();
    let dropped = rng.random_range(0..FEATURES.len());
    let dropped_after = rng.random_range(20..60);
    let first = end.saturating_sub((WINDOW_DAYS - 1).days());
    let mut out = Vec::new();
    for n in 0..WINDOW_DAYS {
        let day = first.saturating_add(n.days());
        let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
        let ramp = (f64::from(n) / 45.0).min(1.0);
        let mut users = f64::from(seats) * reach * ramp * rng.random_range(0.8..1.1);
        if weekend {
            users *= 0.2;
        }
        let active_users = (users.round() as u32).max(1);
        let features = FEATURES
            .iter()
            .zip(&starts)
            .enumerate()
            .filter(|(i, (_, start))| {
                start.is_some_and(|s| n >= s && !(*i == dropped && n > dropped_after))
            })
            .filter(|_| !weekend || rng.random_bool(0.3))
            .map(|(_, (f, _))| (*f).to_string())
            .collect();
        out.push(UsageDay {
            account: account.clone(),
            day,
            active_users,
            seats: Some(seats),
            features,
        });
    }
    out
}

/// FNV-1a: a stable hash of the account id (the standard hasher's is not
/// stable across releases, and the demo must be).
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_domain::usage::Adoption;
    use jiff::civil::date;

    #[test]
    fn an_accounts_usage_is_the_same_every_time_and_reads_as_an_adoption_curve() {
        let a = AccountId::parse("A-0042").unwrap();
        let end = date(2026, 12, 7);
        let days = usage_days(&a, end, 42);
        assert_eq!(days, usage_days(&a, end, 42));
        assert_ne!(
            days,
            usage_days(&AccountId::parse("A-0043").unwrap(), end, 42)
        );
        assert_eq!(days.len(), WINDOW_DAYS as usize);
        assert!(days.iter().all(|d| d.problem(end).is_none()));
        let adoption = Adoption::of(&days, days[0].day, end);
        let (first, last) = (&adoption.weeks[0], adoption.weeks.last().unwrap());
        assert!(last.peak_users > first.peak_users, "{adoption:?}");
        assert!(adoption.text().unwrap().contains("Stuck:"));
    }
}
