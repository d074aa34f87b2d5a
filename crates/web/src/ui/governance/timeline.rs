//! The rollout board's timeline: where each contract's current phase sits on
//! the 90-day plan, as geometry for a server-rendered SVG (the template
//! draws it, so every label is escaped like any other text).
//!
//! Day 0 is the day the first contract entered the plan (or its earliest
//! planned date); the axis runs to day 90, further if the plan has run
//! longer. Behind the lanes lie the reference plan's six two-week phases;
//! a contract that has gone scorecard-live shows its 14-day settle period.

use baton_domain::Timestamp;
use baton_domain::rollout::{PHASES, Phase, SETTLE};
use jiff::civil::Date;
use jiff::tz::TimeZone;

use super::phase_word;

/// The whole drawing's width (SVG user units; it scales to the page).
const WIDTH: f64 = 1280.0;
/// Where the plot starts: the lane names sit left of it.
const LEFT: f64 = 200.0;
/// Room right of the plot for the last tick's label.
const RIGHT_PAD: f64 = 24.0;
/// The reference plan's band at the top.
const BAND_H: f64 = 24.0;
/// Where the first lane starts (room for the "today" label).
const LANES_TOP: f64 = 44.0;
/// One lane.
const LANE_H: f64 = 46.0;
/// Room under the lanes for the axis labels.
const AXIS_H: f64 = 40.0;
/// The plan's length in days.
const PLAN_DAYS: f64 = 90.0;
/// One phase of the reference plan, and the tick spacing.
const PHASE_DAYS: f64 = 14.0;
const DAY_SECS: f64 = 86_400.0;

/// One contract's lane, as the board knows it.
#[derive(Debug, Clone)]
pub struct Lane {
    /// The contract key (the lane's name).
    pub key: String,
    /// A second line under the name (e.g. its leak rank).
    pub note: String,
    /// Its current phase and since when (`None`: not started).
    pub stage: Option<(Phase, Timestamp)>,
    /// The phases before, oldest first, with when each was entered.
    pub earlier: Vec<(Phase, Timestamp)>,
    /// Planned start dates per phase.
    pub planned: Vec<(Phase, Date)>,
}

/// The drawing.
#[derive(Debug, Clone)]
pub struct Timeline {
    /// The viewBox width.
    pub width: f64,
    /// The viewBox height.
    pub height: f64,
    /// Left edge of the plot.
    pub left: f64,
    /// Right edge of the plot.
    pub right: f64,
    /// Height of the reference plan's band.
    pub band_h: f64,
    /// Top of the lanes.
    pub top: f64,
    /// Bottom of the lanes (the axis line).
    pub bottom: f64,
    /// Day 0's date.
    pub start: String,
    /// Day 0's date for people ("Sep 1, 2026").
    pub start_words: String,
    /// The axis length in days.
    pub days: i64,
    /// The reference plan's phases.
    pub bands: Vec<Band>,
    /// Labelled ticks.
    pub ticks: Vec<Tick>,
    /// Today's position.
    pub today: f64,
    /// Today's label ("today · day 12").
    pub today_label: String,
    /// Whether today's label reads leftwards (near the right edge).
    pub today_left: bool,
    /// One per contract.
    pub lanes: Vec<LaneView>,
}

/// A phase of the reference plan.
#[derive(Debug, Clone)]
pub struct Band {
    /// Left edge.
    pub x: f64,
    /// Width.
    pub w: f64,
    /// Centre, for the label.
    pub mid: f64,
    /// The phase's CSS class suffix (`gating`…).
    pub class: &'static str,
    /// "Gating".
    pub label: &'static str,
}

/// A labelled tick on the day axis.
#[derive(Debug, Clone)]
pub struct Tick {
    /// Position.
    pub x: f64,
    /// "day 14".
    pub label: String,
    /// Its date, "Oct 15".
    pub date: String,
}

/// One lane as drawn.
#[derive(Debug, Clone)]
pub struct LaneView {
    /// Top of the lane.
    pub y: f64,
    /// The bar's top (its label sits above it).
    pub bar_y: f64,
    /// The lane's vertical middle.
    pub mid: f64,
    /// The contract key.
    pub key: String,
    /// Its note.
    pub note: String,
    /// Its current phase (none: not started).
    pub bar: Option<Bar>,
    /// The phases it went through before.
    pub past: Vec<Segment>,
    /// Planned starts.
    pub planned: Vec<Mark>,
}

/// The current phase: from when it was entered to today.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Left edge (entered).
    pub x: f64,
    /// Width (to today).
    pub w: f64,
    /// The phase's CSS class suffix.
    pub class: &'static str,
    /// "Gating since Oct 1 (day 0)", with the settle period's end.
    pub label: String,
    /// Where the label starts (or ends, when `anchor` is `end`).
    pub label_x: f64,
    /// SVG `text-anchor`.
    pub anchor: &'static str,
    /// The 14-day settle period after going scorecard-live.
    pub settle: Option<Settle>,
}

/// A phase a contract went through before its current one.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Left edge (entered).
    pub x: f64,
    /// Width (to the next phase).
    pub w: f64,
    /// The phase's CSS class suffix.
    pub class: &'static str,
    /// "Field spec: Sep 15 to Sep 29".
    pub title: String,
    /// The phase in words, when it fits on the segment.
    pub label: Option<&'static str>,
    /// The segment's centre.
    pub mid: f64,
}

/// A settle period.
#[derive(Debug, Clone)]
pub struct Settle {
    /// Left edge.
    pub x: f64,
    /// Width.
    pub w: f64,
    /// Its end.
    pub end: f64,
    /// Over by today.
    pub done: bool,
}

/// A planned start.
#[derive(Debug, Clone)]
pub struct Mark {
    /// Position.
    pub x: f64,
    /// "planned: Gating from 2026-12-15".
    pub title: String,
}

/// The CSS class suffix of a phase (its wire name).
pub fn class(p: Phase) -> &'static str {
    p.as_str()
}

fn midnight(d: Date) -> Option<Timestamp> {
    d.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// `Oct 15`.
fn short(t: Timestamp) -> String {
    t.strftime("%b %-d").to_string()
}

/// Lays out `lanes` on the timeline as of `now`.
pub fn layout(lanes: &[Lane], now: Timestamp) -> Timeline {
    let earliest = lanes
        .iter()
        .flat_map(|l| {
            l.stage
                .map(|(_, t)| t)
                .into_iter()
                .chain(l.earlier.iter().map(|(_, t)| *t))
                .chain(l.planned.iter().filter_map(|(_, d)| midnight(*d)))
        })
        .min()
        .unwrap_or(now);
    let start_date = earliest.to_zoned(TimeZone::UTC).date();
    let start = midnight(start_date).unwrap_or(earliest);
    let day = |t: Timestamp| t.duration_since(start).as_secs_f64() / DAY_SECS;
    let settle_days = SETTLE.as_secs_f64() / DAY_SECS;
    let latest = lanes
        .iter()
        .flat_map(|l| {
            let settle_end = l
                .stage
                .filter(|(p, _)| *p == Phase::ScorecardLive)
                .map(|(_, t)| day(t) + settle_days);
            settle_end
                .into_iter()
                .chain(l.planned.iter().filter_map(|(_, d)| midnight(*d).map(day)))
        })
        .chain([day(now)])
        .fold(PLAN_DAYS, f64::max);
    // Past day 90, whole two-week steps keep the ticks even.
    let days = if latest <= PLAN_DAYS {
        PLAN_DAYS
    } else {
        ((latest + 1.0) / PHASE_DAYS).ceil() * PHASE_DAYS
    };
    let right = WIDTH - RIGHT_PAD;
    let x = |d: f64| round(LEFT + d.clamp(0.0, days) / days * (right - LEFT));
    let at = |d: f64| {
        start
            .checked_add(jiff::SignedDuration::from_secs_f64(d * DAY_SECS))
            .unwrap_or(start)
    };

    let bands = PHASES
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let from = i as f64 * PHASE_DAYS;
            let (x0, x1) = (x(from), x(from + PHASE_DAYS));
            Band {
                x: x0,
                w: round(x1 - x0),
                mid: round((x0 + x1) / 2.0),
                class: class(*p),
                label: phase_word(*p),
            }
        })
        .collect();
    let mut tick_days: Vec<f64> = (0_u32..)
        .map(|i| f64::from(i) * PHASE_DAYS)
        .take_while(|d| *d <= days)
        .collect();
    if tick_days.last().is_some_and(|d| *d < days) {
        tick_days.push(days);
    }
    let ticks = tick_days
        .into_iter()
        .map(|d| Tick {
            x: x(d),
            label: format!("day {d:.0}"),
            date: short(at(d)),
        })
        .collect();

    let today_day = day(now);
    let today = x(today_day);
    let lanes = lanes
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let y = LANES_TOP + i as f64 * LANE_H;
            let bar_y = y + 21.0;
            let bar = l.stage.map(|(phase, since)| {
                let since_day = day(since);
                let x0 = x(since_day);
                let w = (today - x0).max(4.0);
                let settle = (phase == Phase::ScorecardLive).then(|| {
                    let end = x(since_day + settle_days);
                    Settle {
                        x: x0,
                        w: round(end - x0),
                        end,
                        done: since.checked_add(SETTLE).is_ok_and(|end| now >= end),
                    }
                });
                let settled = settle.as_ref().map_or(String::new(), |s| {
                    let end = since
                        .checked_add(SETTLE)
                        .map_or_else(|_| String::new(), short);
                    if s.done {
                        format!(" · settled {end}")
                    } else {
                        format!(" · settling until {end}")
                    }
                });
                let label = format!(
                    "{} since {} (day {:.0}){settled}",
                    phase_word(phase),
                    short(since),
                    since_day.floor()
                );
                // Above the bar from where the phase began; right-aligned
                // when it would run off the plot (about 6.6 units a
                // character at the label's size).
                let room = label.chars().count() as f64 * 6.6;
                let (label_x, anchor) = if x0 - 6.0 + room <= right {
                    (x0 - 6.0, "start")
                } else {
                    (right, "end")
                };
                Bar {
                    x: x0,
                    w: round(w),
                    class: class(phase),
                    label,
                    label_x: round(label_x),
                    anchor,
                    settle,
                }
            });
            let planned = l
                .planned
                .iter()
                .filter_map(|(p, d)| {
                    midnight(*d).map(|t| Mark {
                        x: x(day(t)),
                        title: format!("planned: {} from {d}", phase_word(*p)),
                    })
                })
                .collect();
            let ends = l
                .earlier
                .iter()
                .skip(1)
                .map(|(_, t)| *t)
                .chain(l.stage.map(|(_, t)| t));
            let past = l
                .earlier
                .iter()
                .zip(ends)
                .map(|((p, from), to)| {
                    let (x0, x1) = (x(day(*from)), x(day(to)));
                    let w = (x1 - x0).max(2.0);
                    let word = phase_word(*p);
                    Segment {
                        x: x0,
                        w: round(w),
                        label: (w >= word.len() as f64 * 6.2 + 10.0).then_some(word),
                        mid: round(x0 + w / 2.0),
                        class: class(*p),
                        title: format!("{}: {} to {}", phase_word(*p), short(*from), short(to)),
                    }
                })
                .collect();
            LaneView {
                past,
                y,
                bar_y,
                mid: y + LANE_H / 2.0,
                key: l.key.clone(),
                note: l.note.clone(),
                bar,
                planned,
            }
        })
        .collect::<Vec<_>>();
    let bottom = LANES_TOP + lanes.len() as f64 * LANE_H;
    Timeline {
        width: WIDTH,
        height: bottom + AXIS_H,
        left: LEFT,
        right,
        band_h: BAND_H,
        top: LANES_TOP,
        bottom,
        start: start_date.to_string(),
        start_words: start.strftime("%b %-d, %Y").to_string(),
        days: days as i64,
        bands,
        ticks,
        today,
        today_label: format!("today · day {:.0}", today_day.floor()),
        today_left: right - today < 120.0,
        lanes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
    }

    fn lane(stage: Option<(Phase, &str)>) -> Lane {
        Lane {
            key: "k".into(),
            note: String::new(),
            stage: stage.map(|(p, s)| (p, t(s))),
            earlier: Vec::new(),
            planned: Vec::new(),
        }
    }

    #[test]
    fn day_zero_is_the_first_entry_and_the_axis_runs_to_day_90() {
        let tl = layout(
            &[
                lane(Some((Phase::Gating, "2026-10-15T09:00:00Z"))),
                lane(Some((Phase::FieldSpec, "2026-10-01T12:00:00Z"))),
                lane(None),
            ],
            t("2026-10-20T00:00:00Z"),
        );
        assert_eq!(tl.start, "2026-10-01");
        assert_eq!(tl.days, 90);
        let labels: Vec<&str> = tl.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "day 0", "day 14", "day 28", "day 42", "day 56", "day 70", "day 84", "day 90"
            ]
        );
        assert_eq!(tl.ticks[1].date, "Oct 15");
        let gating = tl.lanes[0].bar.as_ref().map(|b| b.label.clone());
        assert_eq!(gating.as_deref(), Some("Gating since Oct 15 (day 14)"));
        assert!(tl.lanes[2].bar.is_none(), "not started: no bar");
        assert_eq!(tl.bands.len(), 6);
        assert_eq!(tl.bands[2].label, "Gating");
    }

    #[test]
    fn earlier_phases_are_segments_up_to_the_next_and_set_day_zero() {
        let mut l = lane(Some((Phase::Gating, "2026-09-29T00:00:00Z")));
        l.earlier = vec![
            (Phase::LeakAudit, t("2026-09-01T00:00:00Z")),
            (Phase::FieldSpec, t("2026-09-15T00:00:00Z")),
        ];
        let tl = layout(&[l], t("2026-10-01T00:00:00Z"));
        assert_eq!(tl.start, "2026-09-01");
        let past = &tl.lanes[0].past;
        assert_eq!(past.len(), 2);
        assert_eq!(past[1].title, "Field spec: Sep 15 to Sep 29");
        assert!((past[0].x - tl.ticks[0].x).abs() < 0.2);
        assert!((past[0].x + past[0].w - tl.ticks[1].x).abs() < 0.2);
    }

    #[test]
    fn scorecard_live_shows_fourteen_days_of_settling() {
        let tl = layout(
            &[lane(Some((Phase::ScorecardLive, "2026-10-01T00:00:00Z")))],
            t("2026-10-08T00:00:00Z"),
        );
        let bar = tl.lanes[0].bar.clone().unwrap_or_else(|| unreachable!());
        let settle = bar.settle.unwrap_or_else(|| unreachable!());
        assert!(!settle.done, "7 of 14 days");
        let day14 = tl.ticks[1].x;
        assert!(
            (settle.end - day14).abs() < 0.2,
            "{} vs {day14}",
            settle.end
        );
        let later = layout(
            &[lane(Some((Phase::ScorecardLive, "2026-10-01T00:00:00Z")))],
            t("2026-10-15T00:00:00Z"),
        );
        let done = later.lanes[0]
            .bar
            .as_ref()
            .and_then(|b| b.settle.as_ref())
            .is_some_and(|s| s.done);
        assert!(done, "settled after 14 days");
    }

    #[test]
    fn a_plan_longer_than_ninety_days_extends_the_axis_in_two_week_steps() {
        let tl = layout(
            &[lane(Some((Phase::Expand, "2026-10-01T00:00:00Z")))],
            t("2027-01-10T00:00:00Z"),
        );
        assert_eq!(tl.days, 112, "day 101 → the next two-week step");
        assert!(tl.today <= tl.right);
    }
}
