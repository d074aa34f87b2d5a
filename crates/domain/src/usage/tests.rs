use super::*;
use jiff::civil::date;

fn day(account: &str, d: Date, users: u32, seats: Option<u32>, features: &[&str]) -> UsageDay {
    UsageDay {
        account: AccountId::parse(account).unwrap(),
        day: d,
        active_users: users,
        seats,
        features: features.iter().map(|f| f.to_string()).collect(),
    }
}

#[test]
fn a_day_in_the_future_or_with_impossible_figures_is_refused_and_says_why() {
    let today = date(2026, 11, 30);
    assert_eq!(
        day("A-1", today, 3, Some(10), &["reports"]).problem(today),
        None
    );
    let later = day("A-1", date(2026, 12, 1), 3, None, &[]);
    assert_eq!(
        later.problem(today).unwrap(),
        "day 2026-12-01 is in the future (today is 2026-11-30)"
    );
    let huge = day("A-1", today, MAX_USERS + 1, None, &[]);
    assert!(
        huge.problem(today)
            .unwrap()
            .contains("active_users 10000001")
    );
    let seats = day("A-1", today, 1, Some(MAX_USERS + 1), &[]);
    assert!(seats.problem(today).unwrap().starts_with("seats"));
    let blank = day("A-1", today, 1, None, &[" "]);
    assert_eq!(blank.problem(today).unwrap(), "a feature name is empty");
    let padded = day("A-1", today, 1, None, &[" sso"]);
    assert!(padded.problem(today).unwrap().contains("spaces around"));
    let long = "x".repeat(MAX_FEATURE_LEN + 1);
    assert!(
        day("A-1", today, 1, None, &[&long])
            .problem(today)
            .unwrap()
            .contains("longer")
    );
    let many: Vec<String> = (0..=MAX_FEATURES).map(|i| format!("f{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert!(
        day("A-1", today, 1, None, &many)
            .problem(today)
            .unwrap()
            .contains("101 features")
    );
}

#[test]
fn the_adoption_curve_peaks_per_iso_week_and_splits_kept_from_dropped_features() {
    let to = date(2026, 11, 29); // a Sunday
    let days = vec![
        // Week of Monday 2026-11-02.
        day("A-1", date(2026, 11, 2), 3, Some(40), &["reports", "api"]),
        day("A-1", date(2026, 11, 4), 5, Some(40), &["reports"]),
        // Week of Monday 2026-11-23; api, last used on 11-02, was dropped.
        day(
            "A-1",
            date(2026, 11, 23),
            20,
            Some(40),
            &["reports", "dashboards"],
        ),
        day("A-1", date(2026, 11, 29), 28, None, &["dashboards"]),
        // Outside the window.
        day("A-1", date(2026, 12, 1), 99, Some(1), &["later"]),
        day("A-1", date(2026, 8, 1), 99, Some(1), &["earlier"]),
    ];
    let (from, to) = (date(2026, 11, 1), to);
    let a = Adoption::of(&days, from, to);
    assert_eq!(a.reported_days, 4);
    assert_eq!(
        a.weeks,
        vec![
            Week {
                start: date(2026, 11, 2),
                peak_users: 5
            },
            Week {
                start: date(2026, 11, 23),
                peak_users: 28
            },
        ]
    );
    // The latest day that said how many seats.
    assert_eq!(a.seats, Some(40));
    let names: Vec<(&str, usize, bool)> = a
        .features
        .iter()
        .map(|f| (f.name.as_str(), f.days, f.kept))
        .collect();
    assert_eq!(
        names,
        vec![
            ("reports", 3, true),
            ("dashboards", 2, true),
            ("api", 1, false)
        ]
    );
    assert_eq!(
        a.text().unwrap(),
        "Weekly active users 5 (week of 2026-11-02) → 28 (week of 2026-11-23) of 40 seats \
         (70%); usage reported on 4 days, 2026-11-01 to 2026-11-29. Stuck: reports (used on 3 \
         days since 2026-11-02), dashboards (used on 2 days since 2026-11-23). Dropped: api \
         (last used 2026-11-02)."
    );
}

#[test]
fn the_summary_text_passes_as_a_real_answer_and_no_usage_offers_nothing() {
    let to = date(2026, 11, 29);
    assert!(Adoption::of(&[], date(2026, 9, 1), to).text().is_none());
    assert!(Adoption::of(&[], date(2026, 9, 1), to).is_empty());
    let days = [day("A-1", to, 2, None, &[])];
    let text = Adoption::of(&days, date(2026, 9, 1), to).text().unwrap();
    let def = crate::contract::seed::seeded_contracts()
        .into_iter()
        .find(|c| c.key.as_str() == "onboarding-to-cs")
        .unwrap();
    let field = def
        .fields
        .iter()
        .find(|f| f.prefill == Some(Prefill::Usage))
        .expect("the seeded onboarding-to-cs contract prefills a field from usage");
    assert_eq!(field.key.as_str(), "adoption_curve");
    let values = [(field.key.clone(), serde_json::Value::String(text))].into();
    let c = crate::handoff::completeness(&def, &values);
    assert!(
        !c.missing.iter().any(|(k, _)| k == &field.key),
        "the usage summary must count as an answer: {:?}",
        c.missing
    );
}

#[test]
fn the_default_window_is_ninety_days_ending_on_the_day() {
    let (from, to) = window_ending(date(2026, 11, 29));
    assert_eq!((from, to), (date(2026, 9, 1), date(2026, 11, 29)));
}

#[test]
fn a_day_may_be_reported_once_it_has_begun_somewhere() {
    let now: crate::Timestamp = "2026-11-30T09:59:59Z".parse().unwrap();
    assert_eq!(latest_day(now), date(2026, 11, 30));
    let now: crate::Timestamp = "2026-11-30T10:00:00Z".parse().unwrap();
    assert_eq!(latest_day(now), date(2026, 12, 1));
}
