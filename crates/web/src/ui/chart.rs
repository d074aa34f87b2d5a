//! Server-rendered SVG line charts for the scorecard trends: one line per
//! series over labelled periods, a y axis with round ticks in the figure's
//! unit, an optional dashed target, gaps where there is no data, and a
//! `<title>`/`<desc>` so a screen reader hears what the picture shows.
//!
//! Pure: strings in, markup out, no I/O and no knowledge of Baton's types
//! beyond the [`Unit`] a figure is read in. Every label is escaped here, so
//! templates may insert the result with `|safe`. Presentation goes through
//! SVG attributes and classes of `baton.css`, never `style=` (the CSP).

use std::fmt::Write as _;

/// The unit a figure is read in, and how people see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A fraction 0–1 shown as a percentage.
    Percent,
    /// Hours.
    Hours,
    /// NPS points, signed.
    Points,
}

/// `v` rounded to one decimal, without a trailing `.0` and never `-0`.
fn one_decimal(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 {
        return "0".into();
    }
    let s = format!("{r:.1}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

impl Unit {
    /// A value as the page shows it: `75%`, `36 h`, `+83.3 pts`.
    pub fn format(self, v: f64) -> String {
        match self {
            Self::Percent => format!("{}%", one_decimal(v * 100.0)),
            Self::Hours => format!("{} h", one_decimal(v)),
            Self::Points => format!("{} pts", Self::signed(v)),
        }
    }

    /// A tick label: the same, shorter for points (the axis says "pts").
    pub fn tick(self, v: f64) -> String {
        match self {
            Self::Points => Self::signed(v),
            _ => self.format(v),
        }
    }

    fn signed(v: f64) -> String {
        let s = one_decimal(v);
        if s != "0" && !s.starts_with('-') {
            format!("+{s}")
        } else {
            s
        }
    }
}

/// Escapes text for SVG/HTML content and attribute values.
pub fn escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Round tick values covering `lo..=hi` with about `want` steps of 1, 2,
/// 2.5 or 5 times a power of ten; a flat range is widened so it has height.
pub fn nice_ticks(lo: f64, hi: f64, want: usize) -> Vec<f64> {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() && lo <= hi {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    let (lo, hi) = if hi - lo < 1e-9 {
        (lo - 1.0, hi + 1.0)
    } else {
        (lo, hi)
    };
    let raw = (hi - lo) / want.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0 * mag);
    let start = (lo / step + 1e-9).floor() * step;
    let end = (hi / step - 1e-9).ceil() * step;
    let n = ((end - start) / step).round().max(1.0) as usize;
    // Round to the step's precision: 3 × 0.1 is 0.30000000000000004.
    let places = 10f64.powi((1.0 - step.log10().floor()).max(0.0) as i32);
    (0..=n)
        .map(|i| {
            let t = ((start + i as f64 * step) * places).round() / places;
            if t == 0.0 { 0.0 } else { t }
        })
        .collect()
}

/// A linear map from data values to pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// Data at the start of the range.
    pub d0: f64,
    /// Data at the end of the range.
    pub d1: f64,
    /// Pixel of `d0`.
    pub r0: f64,
    /// Pixel of `d1`.
    pub r1: f64,
}

impl Scale {
    /// The pixel of `v`.
    pub fn map(&self, v: f64) -> f64 {
        let span = self.d1 - self.d0;
        if span.abs() < f64::EPSILON {
            return (self.r0 + self.r1) / 2.0;
        }
        self.r0 + (v - self.d0) / span * (self.r1 - self.r0)
    }
}

/// Okabe–Ito colours: distinct for the common colour-vision deficiencies.
const COLOURS: [&str; 8] = [
    "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#3b3b3b", "#56b4e9", "#8c6d1f",
];

/// The colour of series `i`.
pub fn colour(i: usize) -> &'static str {
    COLOURS.get(i % COLOURS.len()).copied().unwrap_or("#000")
}

/// Marker shape `i` centred on (x, y): circle, square, triangle, diamond,
/// inverted triangle, plus — so lines differ by more than colour.
pub fn marker_path(i: usize, x: f64, y: f64) -> String {
    let r = 4.0;
    match i % 6 {
        0 => format!(
            "M{:.1} {y:.1}a{r} {r} 0 1 0 {d:.1} 0a{r} {r} 0 1 0 -{d:.1} 0Z",
            x - r,
            d = 2.0 * r
        ),
        1 => {
            let s = r * 0.9;
            format!(
                "M{:.1} {:.1}h{d:.1}v{d:.1}h-{d:.1}Z",
                x - s,
                y - s,
                d = 2.0 * s
            )
        }
        2 => format!(
            "M{x:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z",
            y - r * 1.25,
            x + r * 1.15,
            y + r * 0.85,
            x - r * 1.15,
            y + r * 0.85
        ),
        3 => format!(
            "M{x:.1} {:.1}L{:.1} {y:.1}L{x:.1} {:.1}L{:.1} {y:.1}Z",
            y - r * 1.3,
            x + r * 1.3,
            y + r * 1.3,
            x - r * 1.3
        ),
        4 => format!(
            "M{x:.1} {:.1}L{:.1} {:.1}L{:.1} {:.1}Z",
            y + r * 1.25,
            x + r * 1.15,
            y - r * 0.85,
            x - r * 1.15,
            y - r * 0.85
        ),
        _ => {
            let (t, l) = (r * 0.45, r * 1.2);
            format!(
                "M{:.1} {:.1}H{:.1}V{:.1}H{:.1}V{:.1}H{:.1}V{:.1}H{:.1}V{:.1}H{:.1}V{:.1}Z",
                x - t,
                y - l,
                x + t,
                y - t,
                x + l,
                y + t,
                x + t,
                y + l,
                x - t,
                y + t,
                x - l,
                y - t
            )
        }
    }
}

/// The legend key of series `i`: its colour as a short line with its marker.
pub fn legend_key(i: usize) -> String {
    format!(
        r##"<svg class="key" viewBox="0 0 30 14" width="30" height="14" aria-hidden="true" focusable="false"><line x1="1" y1="7" x2="29" y2="7" stroke="{c}" stroke-width="2"/><path d="{m}" fill="{c}" stroke="#fff" stroke-width="1"/></svg>"##,
        c = colour(i),
        m = marker_path(i, 15.0, 7.0)
    )
}

/// One line of a chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// A stable key (`data-series`), e.g. the contract's key.
    pub key: String,
    /// What people read, e.g. the contract's title.
    pub label: String,
    /// One value per x label; `None` where there is no data (a gap).
    pub points: Vec<Option<f64>>,
}

/// A target drawn as a dashed line.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Its value, in the chart's unit.
    pub value: f64,
    /// Its label, e.g. `target ≥ 90%`.
    pub label: String,
}

/// A line chart: one line per series over the x labels.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Unique on the page: prefixes the ids `<title>` and `<desc>` get.
    pub id: String,
    /// What the chart shows, e.g. `Completion rate by contract`.
    pub title: String,
    /// How values and ticks read.
    pub unit: Unit,
    /// The periods, oldest first.
    pub x_labels: Vec<String>,
    /// The lines.
    pub series: Vec<Series>,
    /// The target, if the figure has one.
    pub target: Option<Target>,
}

/// The drawing's size in user units (it scales to its box).
pub const WIDTH: f64 = 380.0;
/// See [`WIDTH`].
pub const HEIGHT: f64 = 230.0;
const LEFT: f64 = 50.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 22.0;
const BOTTOM: f64 = 30.0;
/// Room inside the plot so edge markers clear the axes.
const INSET: f64 = 14.0;
/// Roughly the width of a label character at the chart's font size.
const CHAR_WIDTH: f64 = 6.6;

impl LineChart {
    /// Every value the y axis must cover: the data, the target, and zero
    /// (bars of hours or rates that start elsewhere mislead); rates span 0–100%.
    fn y_ticks(&self) -> Vec<f64> {
        let mut lo: f64 = 0.0;
        let mut hi: f64 = if self.unit == Unit::Percent { 1.0 } else { 0.0 };
        let values = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().flatten().copied())
            .chain(self.target.as_ref().map(|t| t.value));
        for v in values.filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if hi - lo < 1e-9 {
            hi = lo + if self.unit == Unit::Hours { 24.0 } else { 10.0 };
        }
        nice_ticks(lo, hi, 4)
    }

    /// The x pixel of each label.
    fn x_positions(&self) -> Vec<f64> {
        let (x0, x1) = (LEFT + INSET, WIDTH - RIGHT - INSET);
        let n = self.x_labels.len();
        (0..n)
            .map(|i| {
                if n < 2 {
                    (x0 + x1) / 2.0
                } else {
                    x0 + (x1 - x0) * i as f64 / (n - 1) as f64
                }
            })
            .collect()
    }

    /// Which x labels are printed: every k-th, counted back from the last
    /// (the period asked for), so labels never overlap.
    pub fn shown_labels(&self) -> Vec<bool> {
        let n = self.x_labels.len();
        let longest = self
            .x_labels
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(1) as f64;
        let spacing = (WIDTH - LEFT - RIGHT - 2.0 * INSET) / n.saturating_sub(1).max(1) as f64;
        let every = ((longest * CHAR_WIDTH + 6.0) / spacing).ceil().max(1.0) as usize;
        (0..n).map(|i| (n - 1 - i).is_multiple_of(every)).collect()
    }

    /// What a screen reader hears: each line's values in order.
    fn description(&self) -> String {
        let mut d = String::new();
        if let Some(t) = &self.target {
            let _ = write!(d, "{}. ", t.label);
        }
        for s in &self.series {
            let vals: Vec<String> = self
                .x_labels
                .iter()
                .zip(&s.points)
                .filter_map(|(x, v)| v.map(|v| format!("{x} {}", self.unit.format(v))))
                .collect();
            if vals.is_empty() {
                let _ = write!(d, "{}: no data. ", s.label);
            } else {
                let _ = write!(d, "{}: {}. ", s.label, vals.join(", "));
            }
        }
        d.trim_end().to_string()
    }

    /// The chart as an inline `<svg>` element.
    pub fn to_svg(&self) -> String {
        let (x0, x1) = (LEFT, WIDTH - RIGHT);
        let (y0, y1) = (TOP, HEIGHT - BOTTOM);
        let ticks = self.y_ticks();
        let y = Scale {
            d0: ticks.first().copied().unwrap_or(0.0),
            d1: ticks.last().copied().unwrap_or(1.0),
            r0: y1,
            r1: y0,
        };
        let xs = self.x_positions();
        let id = escape(&self.id);
        let mut o = String::new();
        let _ = write!(
            o,
            r##"<svg class="chart" id="{id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg">"##
        );
        let _ = write!(
            o,
            r##"<title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"##,
            escape(&self.title),
            escape(&self.description())
        );
        // The y axis: gridlines and labels at each tick.
        o.push_str(r##"<g class="y-axis">"##);
        for t in &ticks {
            let py = y.map(*t);
            let _ = write!(
                o,
                r##"<line class="gridline" x1="{x0}" y1="{py:.1}" x2="{x1}" y2="{py:.1}" stroke="#e6e9ee"/><text class="tick" x="{:.1}" y="{py:.1}" dy="0.32em" text-anchor="end">{}</text>"##,
                x0 - 6.0,
                escape(&self.unit.tick(*t))
            );
        }
        if self.unit == Unit::Points {
            let _ = write!(
                o,
                r##"<text class="unit" x="{:.1}" y="{:.1}" text-anchor="end">pts</text>"##,
                x0 - 6.0,
                y0 - 10.0
            );
        }
        let _ = write!(
            o,
            r##"<line class="axis" x1="{x0}" y1="{y0}" x2="{x0}" y2="{y1}" stroke="#9aa5b4"/></g>"##
        );
        // The x axis: a tick per period, the labels that fit.
        o.push_str(r##"<g class="x-axis">"##);
        let _ = write!(
            o,
            r##"<line class="axis" x1="{x0}" y1="{y1}" x2="{x1}" y2="{y1}" stroke="#9aa5b4"/>"##
        );
        for ((label, px), shown) in self.x_labels.iter().zip(&xs).zip(self.shown_labels()) {
            let _ = write!(
                o,
                r##"<line class="axis" x1="{px:.1}" y1="{y1}" x2="{px:.1}" y2="{:.1}" stroke="#9aa5b4"/>"##,
                y1 + 4.0
            );
            if shown {
                let _ = write!(
                    o,
                    r##"<text class="tick" x="{px:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
                    y1 + 17.0,
                    escape(label)
                );
            }
        }
        o.push_str("</g>");
        if let Some(t) = &self.target {
            let _ = write!(
                o,
                r##"<line class="target" x1="{x0}" y1="{py:.1}" x2="{x1}" y2="{py:.1}" stroke="#9a6700" stroke-width="1.5" stroke-dasharray="5 4"/>"##,
                py = y.map(t.value)
            );
        }
        let any = self
            .series
            .iter()
            .any(|s| s.points.iter().any(Option::is_some));
        if !any {
            let _ = write!(
                o,
                r##"<text class="empty" x="{:.1}" y="{:.1}" text-anchor="middle">No data in these periods</text>"##,
                (x0 + x1) / 2.0,
                (y0 + y1) / 2.0
            );
        }
        for (i, s) in self.series.iter().enumerate() {
            self.series_svg(&mut o, i, s, &xs, &y);
        }
        // The target's label goes over the lines, haloed in white so it stays
        // legible where they cross it; below the line when it hugs the top.
        if let Some(t) = &self.target {
            let py = y.map(t.value);
            let ly = if py - 4.0 < y0 + 8.0 {
                py + 12.0
            } else {
                py - 4.0
            };
            let _ = write!(
                o,
                r##"<text class="target-label" x="{:.1}" y="{ly:.1}" text-anchor="end" fill="#9a6700" stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">{}</text>"##,
                x1 - 2.0,
                escape(&t.label)
            );
        }
        o.push_str("</svg>");
        o
    }

    /// One series: a polyline per run of consecutive values (no data
    /// breaks the line) and a marker with a tooltip at every value.
    fn series_svg(&self, o: &mut String, i: usize, s: &Series, xs: &[f64], y: &Scale) {
        let c = colour(i);
        let _ = write!(
            o,
            r##"<g class="series" data-series="{}">"##,
            escape(&s.key)
        );
        let mut run: Vec<(f64, f64)> = Vec::new();
        let flush = |run: &mut Vec<(f64, f64)>, o: &mut String| {
            if run.len() > 1 {
                let pts: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                let _ = write!(
                    o,
                    r##"<polyline points="{}" fill="none" stroke="{c}" stroke-width="2" stroke-linejoin="round"/>"##,
                    pts.join(" ")
                );
            }
            run.clear();
        };
        for (px, v) in xs.iter().zip(&s.points) {
            match v {
                Some(v) if v.is_finite() => run.push((*px, y.map(*v))),
                _ => flush(&mut run, o),
            }
        }
        flush(&mut run, o);
        for ((px, v), label) in xs.iter().zip(&s.points).zip(&self.x_labels) {
            if let Some(v) = v.filter(|v| v.is_finite()) {
                let _ = write!(
                    o,
                    r##"<path class="marker" d="{}" fill="{c}" stroke="#fff" stroke-width="1"><title>{} · {}: {}</title></path>"##,
                    marker_path(i, *px, y.map(v)),
                    escape(&s.label),
                    escape(label),
                    escape(&self.unit.format(v))
                );
            }
        }
        o.push_str("</g>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(points: Vec<Vec<Option<f64>>>) -> LineChart {
        LineChart {
            id: "c".into(),
            title: "Completion rate".into(),
            unit: Unit::Percent,
            x_labels: (5..=10).map(|m| format!("2026-{m:02}")).collect(),
            series: points
                .into_iter()
                .enumerate()
                .map(|(i, p)| Series {
                    key: format!("k{i}"),
                    label: format!("Contract {i}"),
                    points: p,
                })
                .collect(),
            target: Some(Target {
                value: 0.9,
                label: "target ≥ 90%".into(),
            }),
        }
    }

    fn count(hay: &str, needle: &str) -> usize {
        hay.matches(needle).count()
    }

    #[test]
    fn values_read_in_their_unit() {
        assert_eq!(Unit::Percent.format(0.75), "75%");
        assert_eq!(Unit::Percent.format(2.0 / 3.0), "66.7%");
        assert_eq!(Unit::Percent.format(1.0), "100%");
        assert_eq!(Unit::Percent.format(0.0), "0%");
        assert_eq!(Unit::Hours.format(36.0), "36 h");
        assert_eq!(Unit::Hours.format(12.25), "12.3 h");
        assert_eq!(Unit::Points.format(50.0 + 100.0 / 3.0), "+83.3 pts");
        assert_eq!(Unit::Points.format(-50.0), "-50 pts");
        assert_eq!(Unit::Points.format(-0.01), "0 pts");
        assert_eq!(Unit::Points.tick(20.0), "+20");
        assert_eq!(Unit::Percent.tick(0.25), "25%");
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 1.0, 4), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(nice_ticks(0.0, 78.0, 4), vec![0.0, 20.0, 40.0, 60.0, 80.0]);
        assert_eq!(nice_ticks(0.0, 48.0, 4), vec![0.0, 20.0, 40.0, 60.0]);
        assert_eq!(nice_ticks(-50.0, 83.3, 4), vec![-50.0, 0.0, 50.0, 100.0]);
        assert_eq!(nice_ticks(0.0, 0.3, 4), vec![0.0, 0.1, 0.2, 0.3]);
        // A flat range still gets height.
        assert_eq!(nice_ticks(5.0, 5.0, 4), vec![4.0, 4.5, 5.0, 5.5, 6.0]);
        assert_eq!(nice_ticks(f64::NAN, 1.0, 4).first(), Some(&0.0));
    }

    #[test]
    fn scales_map_the_domain_onto_the_range_upside_down() {
        let s = Scale {
            d0: 0.0,
            d1: 1.0,
            r0: 200.0,
            r1: 20.0,
        };
        assert_eq!(s.map(0.0), 200.0);
        assert_eq!(s.map(1.0), 20.0);
        assert_eq!(s.map(0.5), 110.0);
        let flat = Scale {
            d0: 1.0,
            d1: 1.0,
            r0: 0.0,
            r1: 10.0,
        };
        assert_eq!(flat.map(7.0), 5.0);
    }

    #[test]
    fn rates_span_zero_to_a_hundred_percent_and_other_units_include_zero_and_the_target() {
        let svg = chart(vec![vec![Some(0.5); 6]]).to_svg();
        for t in ["0%", "25%", "50%", "75%", "100%"] {
            assert!(svg.contains(&format!(">{t}</text>")), "tick {t}: {svg}");
        }
        let mut hours = chart(vec![vec![None, Some(30.0), Some(78.0), None, None, None]]);
        hours.unit = Unit::Hours;
        hours.target = Some(Target {
            value: 48.0,
            label: "target < 48 h".into(),
        });
        assert_eq!(hours.y_ticks(), vec![0.0, 20.0, 40.0, 60.0, 80.0]);
        hours.series.clear();
        assert_eq!(hours.y_ticks(), vec![0.0, 20.0, 40.0, 60.0]);
        let mut nps = chart(vec![vec![Some(-50.0), Some(83.3)]]);
        nps.unit = Unit::Points;
        nps.target = None;
        let svg = nps.to_svg();
        assert!(
            svg.contains(">-50</text>") && svg.contains(">+50</text>"),
            "{svg}"
        );
        assert!(svg.contains(">pts</text>"), "the axis names its unit");
    }

    #[test]
    fn the_chart_draws_one_line_per_series_with_a_marker_per_value_and_the_target_dashed() {
        let svg = chart(vec![
            vec![
                Some(0.5),
                Some(0.6),
                Some(0.7),
                Some(0.8),
                Some(0.9),
                Some(1.0),
            ],
            vec![Some(0.2); 6],
        ])
        .to_svg();
        assert!(svg.starts_with(r##"<svg class="chart" id="c" viewBox="0 0 380 230" role="img" aria-labelledby="c-t c-d""##));
        assert!(svg.contains(r##"<title id="c-t">Completion rate</title>"##));
        assert_eq!(count(&svg, "<polyline"), 2);
        assert_eq!(count(&svg, r##"class="marker""##), 12);
        assert!(svg.contains(r##"stroke-dasharray="5 4""##));
        assert!(svg.contains(">target ≥ 90%</text>"));
        assert!(svg.contains("<title>Contract 0 · 2026-10: 100%</title>"));
        // Two series, two colours, two marker shapes.
        assert!(svg.contains(&format!(r##"stroke="{}""##, colour(0))));
        assert!(svg.contains(&format!(r##"stroke="{}""##, colour(1))));
        assert_ne!(marker_path(0, 0.0, 0.0), marker_path(1, 0.0, 0.0));
        assert!(!svg.contains("style="), "no inline styles under the CSP");
        // The first value sits on the left, the 100% value on the top line.
        let top = Scale {
            d0: 0.0,
            d1: 1.0,
            r0: HEIGHT - BOTTOM,
            r1: TOP,
        };
        assert!(svg.contains(&format!("{:.1},{:.1}", WIDTH - RIGHT - INSET, top.map(1.0))));
        assert!(svg.contains(&format!("{:.1},{:.1}", LEFT + INSET, top.map(0.5))));
    }

    #[test]
    fn missing_values_leave_gaps_not_zeros() {
        let svg = chart(vec![vec![
            Some(0.5),
            Some(0.6),
            None,
            Some(0.8),
            None,
            Some(1.0),
        ]])
        .to_svg();
        // Two runs: 0.5–0.6 is a line, 0.8 and 1.0 stand alone as markers.
        assert_eq!(count(&svg, "<polyline"), 1);
        assert_eq!(count(&svg, r##"class="marker""##), 4);
        assert!(svg.contains("Contract 0: 2026-05 50%, 2026-06 60%, 2026-08 80%, 2026-10 100%."));
        let empty = chart(vec![vec![None; 6]]).to_svg();
        assert_eq!(count(&empty, "<polyline"), 0);
        assert!(empty.contains("No data in these periods"));
        assert!(empty.contains("Contract 0: no data."));
    }

    #[test]
    fn labels_are_escaped() {
        let mut c = chart(vec![vec![Some(0.5); 6]]);
        c.title = "R&D <rates>".into();
        c.series[0].label = r##"A "quoted" <b>"##.into();
        c.series[0].key = "k\"x".into();
        c.x_labels[0] = "<x>".into();
        let svg = c.to_svg();
        assert!(svg.contains("R&amp;D &lt;rates&gt;"));
        assert!(svg.contains("A &quot;quoted&quot; &lt;b&gt;"));
        assert!(svg.contains(r##"data-series="k&quot;x""##));
        assert!(svg.contains(">&lt;x&gt;</text>"));
        assert!(!svg.contains("<b>") && !svg.contains("<x>"));
    }

    #[test]
    fn long_axes_print_every_kth_label_ending_with_the_last() {
        let mut c = chart(vec![]);
        assert!(c.shown_labels().iter().all(|s| *s), "six months fit");
        c.x_labels = (1..=24).map(|w| format!("2026-W{w:02}")).collect();
        let shown = c.shown_labels();
        assert_eq!(shown.last(), Some(&true));
        let n = shown.iter().filter(|s| **s).count();
        assert!((2..=6).contains(&n), "{n} labels fit");
        let svg = c.to_svg();
        assert_eq!(count(&svg, r##"text-anchor="middle">2026-W"##), n);
    }

    #[test]
    fn legend_keys_carry_colour_and_shape() {
        let k = legend_key(2);
        assert!(k.contains(colour(2)) && k.contains(&marker_path(2, 15.0, 7.0)));
        assert!(k.contains(r##"aria-hidden="true""##));
    }
}
