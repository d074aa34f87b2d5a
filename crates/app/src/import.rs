//! History import (SPEC §9): JSON Lines, one event per line, applied in file
//! order, all or nothing.
//!
//! Every line goes through the same domain decisions as live use, with
//! history semantics (observe mode, the past recorded as it happened, marked
//! `via: import`). The file is read, decided and written in batches inside
//! one transaction, so memory holds one batch of lines (plus the records the
//! file touches), whatever the file's size; if any line is bad, every bad
//! line is reported with its number and the transaction is dropped: nothing
//! is written. Each touched account's scorecard contribution is computed
//! once, at the end, so the cost grows with the file, not with the database.

use std::io::{BufRead, Write};

use baton_domain::event::{Event, Via};
use baton_domain::{OrgId, Timestamp};
use serde_json::{Map, Value};

use crate::{App, AppError};

mod importer;

use importer::{Importer, LineError};

/// Longest line accepted, so one runaway line cannot exhaust memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// Most bad lines listed before the report stops counting.
pub const MAX_REPORTED_ERRORS: usize = 200;

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// The org imported into.
    pub org: OrgId,
    /// Non-blank lines read.
    pub lines: u64,
    /// Events recorded (lines plus users created on the way).
    pub events: u64,
    /// Handoffs created or changed.
    pub handoffs: usize,
    /// Accounts created or changed.
    pub accounts: usize,
    /// Users created because a line named them.
    pub users_created: usize,
    /// Re-discovery suggestions found in imported notes.
    pub suggestions: usize,
}

/// One parsed line: the event and its stored envelope, if it carried one.
struct Line {
    no: u64,
    event: Event,
    via: Option<Via>,
    recorded_at: Option<Timestamp>,
}

/// Parses one line of the §9 format (plus the `via` and `recorded_at` that
/// an export adds).
fn parse_line(text: &str) -> Result<(Event, Option<Via>, Option<Timestamp>), String> {
    let mut map: Map<String, Value> =
        serde_json::from_str(text).map_err(|e| format!("not a JSON object: {e}"))?;
    // PostgreSQL cannot store U+0000 in text (SQLite can): refuse it here,
    // by line, rather than fail the whole import in the database.
    if map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)) {
        return Err("the line holds a NUL character (\\u0000), which cannot be stored".into());
    }
    let via = match map.remove("via") {
        None => None,
        Some(Value::String(s)) => Some(Via::parse(&s).ok_or_else(|| format!("unknown via '{s}'"))?),
        Some(other) => return Err(format!("via must be text, got {other}")),
    };
    let recorded_at = match map.remove("recorded_at") {
        None => None,
        Some(Value::String(s)) => Some(s.parse().map_err(|e| format!("recorded_at '{s}': {e}"))?),
        Some(other) => return Err(format!("recorded_at must be a time, got {other}")),
    };
    let kind = map.get("type").and_then(Value::as_str).map(str::to_string);
    let event: Event = serde_json::from_value(Value::Object(map)).map_err(|e| match kind {
        Some(k) => format!("bad '{k}' event: {e}"),
        None => format!("missing \"type\": {e}"),
    })?;
    Ok((event, via, recorded_at))
}

/// Whether a JSON value holds U+0000 in any text or key.
fn has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(m) => m.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// Writes one stored event as an export line: the event, then its envelope.
pub fn export_line(out: &mut impl Write, e: &baton_store::StoredEvent) -> Result<(), AppError> {
    let mut v = serde_json::to_value(&e.event).map_err(|err| AppError::Invalid(err.to_string()))?;
    if let Value::Object(m) = &mut v {
        m.insert("via".into(), Value::String(e.via.as_str().into()));
        m.insert(
            "recorded_at".into(),
            Value::String(e.recorded_at.to_string()),
        );
    }
    serde_json::to_writer(&mut *out, &v).map_err(|err| AppError::Invalid(err.to_string()))?;
    out.write_all(b"\n")
        .map_err(|err| AppError::Invalid(err.to_string()))
}

impl App {
    /// Writes the org's whole log as JSON Lines (the §9 format plus `via` and
    /// `recorded_at`), so that import of it reproduces it exactly. Returns the
    /// number of events written.
    pub async fn export_events(&self, org: &OrgId, out: &mut impl Write) -> Result<u64, AppError> {
        let mut after = 0;
        let mut n = 0;
        loop {
            let page = self.store.events(org, after, 5000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for e in &page {
                export_line(out, e)?;
                n += 1;
            }
        }
        out.flush()
            .map_err(|err| AppError::Invalid(err.to_string()))?;
        Ok(n)
    }

    /// Imports history into the caller's org (admins only): the same
    /// all-or-nothing import as [`App::import_events`], for the API.
    #[tracing::instrument(skip_all)]
    pub async fn import_history(
        &self,
        caller: &crate::Caller,
        input: impl BufRead,
    ) -> Result<ImportSummary, AppError> {
        self.actor(caller).await?.require_admin("import history")?;
        self.import_events(Some(caller.org.clone()), input).await
    }

    /// Imports history. `org`: the org to import into; without it, the file's
    /// own `org_created` line, or the database's only org.
    #[tracing::instrument(skip_all)]
    pub async fn import_events(
        &self,
        org: Option<OrgId>,
        input: impl BufRead,
    ) -> Result<ImportSummary, AppError> {
        let mut input = input;
        let (mut no, mut errors) = (0u64, Vec::new());
        let mut batch =
            read_batch(&mut input, &mut no, BATCH_LINES, &mut errors).unwrap_or_default();
        let known = self.store.orgs().await?;
        let org = match (&org, batch.first().map(|l| &l.event)) {
            (_, Some(Event::OrgCreated { org: file_org, .. })) => {
                if known.iter().any(|(id, _)| id == file_org) {
                    return Err(AppError::Import(vec![(
                        1,
                        format!("org '{file_org}' already exists; import into an empty database"),
                    )]));
                }
                if org.as_ref().is_some_and(|o| o != file_org) {
                    return Err(AppError::Import(vec![(
                        1,
                        format!("the file creates org '{file_org}', not the one named"),
                    )]));
                }
                file_org.clone()
            }
            (Some(o), _) => {
                if !known.iter().any(|(id, _)| id == o) {
                    return Err(AppError::NotFound(format!("org '{o}'")));
                }
                o.clone()
            }
            (None, _) => match known.as_slice() {
                [(only, _)] => only.clone(),
                [] => {
                    return Err(AppError::Invalid(
                        "the database has no org: run `baton init` first".into(),
                    ));
                }
                _ => {
                    return Err(AppError::Invalid(
                        "the database has several orgs: name one with --org".into(),
                    ));
                }
            },
        };
        let fresh = !known.iter().any(|(id, _)| *id == org);
        let bulk = self.store.begin_bulk(&org).await?;
        let mut im = Importer::new(self, org.clone(), fresh, bulk).await?;
        let mut lines = 0u64;
        let mut events = 0u64;
        // Whether the bulk still holds every decided line: after a bad line
        // the transaction is only kept going so that what later lines read
        // back is there; it is dropped at the end.
        let mut written = true;
        loop {
            im.preload(&batch).await?;
            for line in &batch {
                match im.ordered_line(line).await {
                    Ok(()) => {}
                    Err(LineError::Refused(why)) => errors.push((line.no, why)),
                    // After a bad line the transaction may be one the
                    // database has given up on (PostgreSQL refuses every
                    // later statement): the bad lines are the report.
                    Err(LineError::Store(_)) if !errors.is_empty() => {
                        return Err(im.refused(errors).await);
                    }
                    Err(LineError::Store(e)) => return Err(e.into()),
                    Err(LineError::Bug(why)) => return Err(AppError::Bug(why)),
                }
            }
            lines += batch.len() as u64;
            // Every line is decided even after a bad one, so the report
            // lists them all; what they decide is written (and later read
            // back) but never committed.
            let change = im.take_change();
            events += change.events.len() as u64;
            if written {
                match im.bulk.write(&change).await {
                    Ok(_) => im.evict().await?,
                    // A write refused after a bad line follows from it:
                    // the bad lines are the report; stop writing and keep
                    // what is decided in memory instead.
                    Err(_) if !errors.is_empty() => written = false,
                    Err(e) => return Err(e.into()),
                }
            }
            match read_batch(&mut input, &mut no, BATCH_LINES, &mut errors) {
                Some(next) => batch = next,
                None => break,
            }
        }
        if !errors.is_empty() {
            return Err(im.refused(errors).await);
        }
        // In the import's own transaction: an import is all or nothing,
        // suggestions included.
        let suggestions = if im.suggestions.is_empty() {
            let (found, written) = im.suggest_from_notes(lines).await?;
            events += written;
            found
        } else {
            0
        };
        // A fresh org's records are all this file's; otherwise the log
        // says which the file changed.
        let (handoffs, accounts) = if fresh {
            (im.new_handoffs, im.new_accounts)
        } else {
            im.bulk.streams_changed().await?
        };
        im.bulk.commit().await?;
        Ok(ImportSummary {
            org,
            lines,
            events,
            handoffs: handoffs as usize,
            accounts: accounts as usize,
            users_created: im.users_created,
            suggestions,
        })
    }
}

/// Lines decided and written per batch: memory holds one batch of lines and
/// events, whatever the file's size.
const BATCH_LINES: usize = 10_000;

/// Reads up to `max` non-blank lines, numbering from `*no`; `None` at the end
/// of the input. Unreadable lines become errors and do not count.
fn read_batch(
    input: &mut impl BufRead,
    no: &mut u64,
    max: usize,
    errors: &mut Vec<(u64, String)>,
) -> Option<Vec<Line>> {
    let mut lines = Vec::new();
    let mut buf = Vec::new();
    while lines.len() < max {
        buf.clear();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                errors.push((*no + 1, format!("cannot read: {e}")));
                break;
            }
        }
        *no += 1;
        if buf.len() > MAX_LINE_BYTES {
            errors.push((*no, format!("line is longer than {MAX_LINE_BYTES} bytes")));
            continue;
        }
        let Ok(text) = std::str::from_utf8(&buf) else {
            errors.push((*no, "not UTF-8 text".into()));
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match parse_line(text) {
            Ok((event, via, recorded_at)) => lines.push(Line {
                no: *no,
                event,
                via,
                recorded_at,
            }),
            Err(why) => errors.push((*no, why)),
        }
    }
    (!lines.is_empty()).then_some(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_a_nul_character_is_refused_by_line() {
        // Found by replaying the import_csv fuzz corpus on PostgreSQL, which
        // failed the whole import with "invalid byte sequence 0x00".
        let line = r#"{"type": "nps", "account": "A-1", "score": 8, "at": "2026-09-21T10:00:00Z", "note": "a\u0000b"}"#;
        let err = parse_line(line).err().unwrap_or_default();
        assert!(err.contains("NUL"), "{err}");
        let key = r#"{"type": "account", "id": "A-1", "name": "N", "arr": {"minor": 1, "currency": "USD"}, "x\u0000": 1}"#;
        assert!(parse_line(key).is_err());
    }
}
