//! Survey responses from a survey tool's CSV export, read through the
//! org's column mapping (`baton surveys import FILE`, `POST
//! /surveys/import`): every row is checked first by the domain's survey
//! rules; a preview shows what each row would become (the account it
//! matches, the review list, a duplicate, or why it is bad, by line)
//! without changing anything; an import applies only a file without a bad
//! row, and a response imported again (by the tool's response id, else by
//! its content) changes nothing.

use std::collections::BTreeSet;
use std::io::Read;

use baton_domain::survey::{ColumnMapping, RawResponse, SurveyResponse};
use baton_domain::{AccountId, DomainError, Timestamp};

use crate::surveys::{CSV, key};
use crate::{App, AppError, Caller};

/// Most bad rows listed in a refusal.
const MAX_REPORTED: usize = 200;

/// What one row of an export is, or became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyRow {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    /// `matched`, `unmatched`, `duplicate` or `bad` in a preview;
    /// `recorded`, `unmatched` or `duplicate` once imported.
    pub outcome: String,
    /// The account it is (or would be) recorded against.
    pub account: Option<AccountId>,
    /// How it matched, why not, or what is wrong with it.
    pub detail: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurveyImport {
    /// Responses read.
    pub rows: usize,
    /// Recorded against an account.
    pub recorded: usize,
    /// Kept on the review list.
    pub unmatched: usize,
    /// Received before (in this file or earlier), so changing nothing.
    pub duplicates: usize,
    /// Each row's outcome.
    pub outcomes: Vec<SurveyRow>,
}

/// A row read: its line, and the response or why it is bad.
type Row = (u64, Result<SurveyResponse, String>);

/// Reads every row of `input` through `mapping`: each a response checked
/// by the domain, or why it is bad, with its line.
fn read_rows(
    mapping: &ColumnMapping,
    input: impl Read,
    now: Timestamp,
) -> Result<Vec<Row>, AppError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::Import(vec![(1, format!("cannot read the header: {e}"))]))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let position = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let missing: Vec<String> = mapping
        .columns()
        .into_iter()
        .filter(|(_, col)| position(col).is_none())
        .map(|(what, col)| format!("'{col}' (the {what} column)"))
        .collect();
    if !missing.is_empty() {
        return Err(AppError::Import(vec![(
            1,
            format!(
                "the header has no column {}; it has: {}",
                missing.join(", "),
                headers.join(", ")
            ),
        )]));
    }
    let col = |c: &Option<String>| c.as_deref().and_then(position);
    let (score, date) = (position(&mapping.score), position(&mapping.date));
    let (id, account, email, comment) = (
        col(&mapping.response_id),
        col(&mapping.account),
        col(&mapping.email),
        col(&mapping.comment),
    );
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        // Header rows after the first (Qualtrics writes the questions' text
        // and import ids under the column names).
        if (i as u64) + 1 < u64::from(mapping.header_rows) {
            continue;
        }
        let line = match &record {
            Ok(r) => r.position().map_or(i as u64 + 2, |p| p.line()),
            Err(e) => e.position().map_or(i as u64 + 2, |p| p.line()),
        };
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                rows.push((line, Err(format!("cannot read the row: {e}"))));
                continue;
            }
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |i: Option<usize>| i.and_then(|i| record.get(i)).map(str::trim);
        let row = (|| {
            let score = mapping
                .kind
                .parse_score(cell(score).unwrap_or(""))
                .map_err(|e| e.to_string())?;
            let at = crate::import_csv::time(cell(date).unwrap_or(""))
                .map_err(|why| format!("invalid date: {why}"))?;
            SurveyResponse::check(
                RawResponse {
                    kind: mapping.kind,
                    response_id: cell(id),
                    score: i64::from(score),
                    at: Some(at),
                    email: cell(email),
                    account: cell(account),
                    comment: cell(comment),
                },
                now,
            )
            .map_err(|e| e.to_string())
        })();
        rows.push((line, row));
    }
    Ok(rows)
}

impl App {
    /// The org's mapping, which an import needs.
    async fn mapping_for_import(&self, caller: &Caller) -> Result<ColumnMapping, AppError> {
        self.actor(caller)
            .await?
            .require_admin("import survey responses")?;
        self.mapping_of(&caller.org).await?.ok_or_else(|| {
            AppError::from(DomainError::Rule(
                "no survey column mapping is set for this org: set one first (`baton surveys mapping set`, PUT /api/v1/surveys/mapping)".into(),
            ))
        })
    }

    /// What importing `input` would do, row by row (admins): the account
    /// each response matches, the review list, a duplicate, or why the row
    /// is bad. Changes nothing.
    pub async fn preview_survey_csv(
        &self,
        caller: &Caller,
        input: impl Read,
    ) -> Result<Vec<SurveyRow>, AppError> {
        let mapping = self.mapping_for_import(caller).await?;
        let rows = read_rows(&mapping, input, self.now())?;
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for (line, row) in rows {
            let response = match row {
                Ok(r) => r,
                Err(why) => {
                    out.push(SurveyRow {
                        line,
                        outcome: "bad".into(),
                        account: None,
                        detail: why,
                    });
                    continue;
                }
            };
            let key = key(&response);
            let earlier = self.store.survey_response(&caller.org, &key).await?;
            if !seen.insert(key) || earlier.is_some() {
                out.push(SurveyRow {
                    line,
                    outcome: "duplicate".into(),
                    account: earlier.and_then(|r| r.account),
                    detail: "received before: importing it changes nothing".into(),
                });
                continue;
            }
            let (account, detail) = self
                .match_preview(&caller.org, &response, &mapping.domains)
                .await?;
            out.push(SurveyRow {
                line,
                outcome: if account.is_some() {
                    "matched"
                } else {
                    "unmatched"
                }
                .into(),
                account,
                detail,
            });
        }
        Ok(out)
    }

    /// Imports a survey tool's CSV export through the org's mapping
    /// (admins): every row checked first; if any is bad, each bad row is
    /// named with its line and nothing is recorded; else each response is
    /// recorded once, against its account or on the review list.
    pub async fn import_survey_csv(
        &self,
        caller: &Caller,
        input: impl Read,
    ) -> Result<SurveyImport, AppError> {
        let mapping = self.mapping_for_import(caller).await?;
        let rows = read_rows(&mapping, input, self.now())?;
        let mut bad: Vec<(u64, String)> = rows
            .iter()
            .filter_map(|(line, r)| r.as_ref().err().map(|why| (*line, why.clone())))
            .collect();
        if !bad.is_empty() {
            bad.truncate(MAX_REPORTED);
            return Err(AppError::Import(bad));
        }
        let mut done = SurveyImport {
            rows: rows.len(),
            ..SurveyImport::default()
        };
        for (line, row) in rows {
            let Ok(response) = row else { continue };
            let o = self
                .take_response(&caller.org, CSV, caller.via, &response, &mapping.domains)
                .await?;
            match (o.duplicate, o.outcome.as_str()) {
                (true, _) => done.duplicates += 1,
                (false, "unmatched") => done.unmatched += 1,
                _ => done.recorded += 1,
            }
            done.outcomes.push(SurveyRow {
                line,
                outcome: if o.duplicate {
                    "duplicate".into()
                } else {
                    o.outcome
                },
                account: o.account,
                detail: o.detail,
            });
        }
        Ok(done)
    }
}
