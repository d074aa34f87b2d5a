//! The one reader of the CSV files people bring (history from a CRM
//! report, billing rows, product usage): a header whose names compare
//! without case, each once, the required ones present; then the rows, each
//! with its line number (the header is line 1) so every error can name it.

use std::collections::BTreeMap;
use std::io::Read;

/// A CSV file's header and rows.
#[derive(Debug)]
pub(crate) struct CsvTable {
    /// The header's names, lower-cased, in column order.
    pub headers: Vec<String>,
    /// Each row with its line, or why it could not be read.
    pub rows: Vec<(u64, Result<csv::StringRecord, String>)>,
}

/// What a table's rows came to: each accepted row with its line, and each
/// refused line with why.
pub(crate) type Lines<T> = (Vec<(u64, T)>, Vec<(u64, String)>);

/// One row's cells by column name.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CsvRow<'a> {
    line: u64,
    headers: &'a [String],
    record: &'a csv::StringRecord,
}

impl<'a> CsvRow<'a> {
    /// Its line in the file.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The cell under `name`, trimmed; empty when the column is absent.
    pub fn get(&self, name: &str) -> &'a str {
        self.headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| self.record.get(i))
            .unwrap_or("")
            .trim()
    }

    /// Every (column, cell) of the row.
    pub fn cells(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.headers
            .iter()
            .map(String::as_str)
            .zip(self.record.iter())
    }

    /// The cell under `name`, or `None` when it is empty or absent.
    pub fn filled(&self, name: &str) -> Option<&'a str> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }
}

impl CsvTable {
    /// Reads `input`. The header must name every column of `required`;
    /// when `only` is given, no column outside it. A header it cannot use
    /// is one error, on line 1.
    pub fn read(
        input: impl Read,
        required: &[&str],
        only: Option<&[&str]>,
    ) -> Result<Self, (u64, String)> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(input);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| (1, format!("cannot read the header: {e}")))?
            .iter()
            // A spreadsheet's UTF-8 export may open with a byte-order mark.
            .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect();
        // A header given twice would leave one of its columns unread.
        let duplicated = duplicated_headers(&headers);
        if !duplicated.is_empty() {
            return Err((
                1,
                format!(
                    "duplicated column header(s): {}; each column needs its own header",
                    duplicated.join(", ")
                ),
            ));
        }
        if let Some(only) = only
            && let Some(other) = headers.iter().find(|h| !only.contains(&h.as_str()))
        {
            return Err((
                1,
                format!(
                    "unknown column '{other}': the columns are {}",
                    only.join(", ")
                ),
            ));
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|c| !headers.iter().any(|h| h == c))
            .collect();
        if !missing.is_empty() {
            return Err((1, format!("missing column(s): {}", missing.join(", "))));
        }
        // A quoted cell may hold line breaks, so a row's line is where the
        // reader found it, not its count.
        let rows = reader
            .records()
            .enumerate()
            .map(|(i, r)| {
                let at = |p: Option<&csv::Position>| p.map_or(i as u64 + 2, csv::Position::line);
                match r {
                    Ok(r) => (at(r.position()), Ok(r)),
                    Err(e) => (at(e.position()), Err(format!("cannot read the row: {e}"))),
                }
            })
            .collect();
        Ok(Self { headers, rows })
    }

    /// Each row read by `each`, with its line: the rows `each` accepted,
    /// and the lines that could not be read or that `each` refused.
    pub fn each<T>(&self, mut each: impl FnMut(CsvRow<'_>) -> Result<T, String>) -> Lines<T> {
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        for (line, record) in &self.rows {
            let read = record.as_ref().map_err(Clone::clone).and_then(|record| {
                each(CsvRow {
                    line: *line,
                    headers: &self.headers,
                    record,
                })
            });
            match read {
                Ok(t) => out.push((*line, t)),
                Err(why) => errors.push((*line, why)),
            }
        }
        (out, errors)
    }
}

/// The headers given more than once, each as `'name' (columns 2 and 5)`,
/// in the order of their first column.
fn duplicated_headers(headers: &[String]) -> Vec<String> {
    let mut columns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, h) in headers.iter().enumerate() {
        columns.entry(h.as_str()).or_default().push(i + 1);
    }
    let mut duplicated: Vec<(usize, String)> = columns
        .into_iter()
        .filter_map(|(name, at)| {
            let (last, rest) = at.split_last()?;
            let first = *rest.first()?;
            let rest: Vec<String> = rest.iter().map(ToString::to_string).collect();
            Some((
                first,
                format!("'{name}' (columns {} and {last})", rest.join(", ")),
            ))
        })
        .collect();
    duplicated.sort();
    duplicated.into_iter().map(|(_, d)| d).collect()
}
