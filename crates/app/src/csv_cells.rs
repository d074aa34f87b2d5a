//! The one place Baton writes CSV cells, for every CSV it produces (the
//! incentive export and download, `baton scorecard --format csv`,
//! `baton audit leak --format csv`).
//!
//! CSV files are opened in spreadsheets, which run a cell that starts with
//! `=`, `+`, `-` or `@` (and, in some, a tab or carriage return) as a formula:
//! a sender or account named `=HYPERLINK(…)` or `=cmd|…` would run in the
//! reader's spreadsheet (CSV or formula injection). Following OWASP's
//! guidance, a **text** cell that starts with one of those characters is
//! written with a single quote in front, so it reads as the text it is; a
//! cell holding a comma, a double quote or a line break is quoted with its
//! quotes doubled (RFC 4180).
//!
//! **Numbers** Baton formats itself (counts, ratios, an NPS delta of
//! `-12.5`) are written as they are, so a negative number stays a number a
//! sheet can sum: only [`Row::number`] skips the guard, and it takes
//! numbers, never text.

use std::fmt::Display;

/// Characters a spreadsheet reads as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One text cell as CSV: neutralised against formulas and quoted when needed.
pub fn text(raw: &str) -> String {
    let guarded = if raw.starts_with(FORMULA_STARTS) {
        format!("'{raw}")
    } else {
        raw.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// A number Baton formatted: integers and floats only, written unguarded.
pub trait Number: Display {}
impl Number for u64 {}
impl Number for i64 {}
impl Number for u32 {}
impl Number for usize {}
impl Number for f64 {}

/// A CSV row built cell by cell; [`Row::line`] ends it with a newline.
#[derive(Debug, Default)]
pub struct Row(Vec<String>);

impl Row {
    /// An empty row.
    pub fn new() -> Self {
        Self::default()
    }

    /// A text cell (anything a person or another system could have typed:
    /// names, emails, ids, keys, labels).
    pub fn text(mut self, raw: impl AsRef<str>) -> Self {
        self.0.push(text(raw.as_ref()));
        self
    }

    /// A number, as Baton formats it (`{}`).
    pub fn number(mut self, n: impl Number) -> Self {
        self.0.push(n.to_string());
        self
    }

    /// A number with `decimals` places.
    pub fn fixed(mut self, n: f64, decimals: usize) -> Self {
        self.0.push(format!("{n:.decimals$}"));
        self
    }

    /// An amount of money given in minor units (cents), written in major
    /// units with two decimals (`-12.50`): a number, its currency in a
    /// column of its own.
    pub fn minor_units(mut self, minor: i64) -> Self {
        let sign = if minor < 0 { "-" } else { "" };
        let m = minor.unsigned_abs();
        self.0.push(format!("{sign}{}.{:02}", m / 100, m % 100));
        self
    }

    /// An optional number: empty when absent.
    pub fn maybe(self, n: Option<impl Number>) -> Self {
        match n {
            Some(n) => self.number(n),
            None => self.empty(),
        }
    }

    /// An empty cell.
    pub fn empty(mut self) -> Self {
        self.0.push(String::new());
        self
    }

    /// The row as one CSV line, newline included.
    pub fn line(self) -> String {
        let mut out = self.0.join(",");
        out.push('\n');
        out
    }
}

/// A header row of fixed column names.
pub fn header(names: &[&str]) -> String {
    names.iter().fold(Row::new(), |r, n| r.text(n)).line()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_a_spreadsheet_would_run_is_written_as_text() {
        assert_eq!(text("=1+1"), "'=1+1");
        assert_eq!(text("+1"), "'+1");
        assert_eq!(text("-1"), "'-1");
        assert_eq!(text("@sum(a1)"), "'@sum(a1)");
        assert_eq!(text("\tx"), "'\tx");
        assert_eq!(text("\rx"), "\"'\rx\"");
        assert_eq!(
            text("=cmd|' /C calc'!A0"),
            "'=cmd|' /C calc'!A0",
            "no comma or quote: no quoting needed"
        );
        assert_eq!(
            text(r#"=HYPERLINK("http://evil.test","x")"#),
            r#""'=HYPERLINK(""http://evil.test"",""x"")""#
        );
    }

    #[test]
    fn plain_text_is_unchanged_and_separators_are_quoted() {
        assert_eq!(text("ae-to-onboarding"), "ae-to-onboarding");
        assert_eq!(text("a, b"), "\"a, b\"");
        assert_eq!(text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(text("two\nlines"), "\"two\nlines\"");
        assert_eq!(text("x=1"), "x=1", "only the first character matters");
    }

    #[test]
    fn numbers_stay_numbers_even_when_negative() {
        let line = Row::new()
            .text("-12.5")
            .number(-12.5)
            .fixed(-0.25, 2)
            .maybe(None::<u64>)
            .maybe(Some(3u64))
            .minor_units(-1)
            .line();
        assert_eq!(line, "'-12.5,-12.5,-0.25,,3,-0.01\n");
    }
}
