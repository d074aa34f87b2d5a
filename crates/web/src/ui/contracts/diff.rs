//! `GET /contracts/{key}/diff?from=A&to=B`: what changed between two
//! published versions (by default the previous and the current one), as
//! the domain's diff computes it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use baton_domain::contract::ContractDef;
use baton_domain::contract::diff::{Change, Difference, Section, diff};
use serde::Deserialize;

use crate::AppState;
use crate::ui::contracts::{VersionRow, contract_key, version_rows};
use crate::ui::{Page, UiError, UiResult, Viewer, render};

/// One difference as the page shows it.
#[derive(Debug, Clone)]
pub struct DiffRow {
    /// `field`, `guidance`, `SLA`…
    pub section: &'static str,
    /// What it is about: a field's label, `leak mode`, a reason code…
    pub subject: String,
    /// A field's key (blank for other sections).
    pub key: String,
    /// `added`, `removed` or `changed`.
    pub kind: &'static str,
    /// The attribute that changed (blank for additions and removals).
    pub attribute: &'static str,
    /// Before (blank for additions).
    pub old: String,
    /// After (blank for removals).
    pub new: String,
}

/// Rows for `differences` from `old` to `new` (fields named by label).
pub fn diff_rows(differences: &[Difference], old: &ContractDef, new: &ContractDef) -> Vec<DiffRow> {
    differences
        .iter()
        .map(|d| {
            let (subject, key) = if d.section == Section::Field {
                let label = new
                    .field(&d.subject)
                    .or_else(|| old.field(&d.subject))
                    .map_or_else(|| d.subject.clone(), |f| f.label.clone());
                (label, d.subject.clone())
            } else {
                (d.subject.clone(), String::new())
            };
            let (kind, attribute, old, new) = match &d.change {
                Change::Added(what) => ("added", "", String::new(), what.clone()),
                Change::Removed(what) => ("removed", "", what.clone(), String::new()),
                Change::Changed {
                    attribute,
                    old,
                    new,
                } => ("changed", *attribute, old.clone(), new.clone()),
            };
            DiffRow {
                section: d.section.as_str(),
                subject,
                key,
                kind,
                attribute,
                old,
                new,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "contracts/diff.html")]
struct DiffPage {
    page: Page,
    key: String,
    title: String,
    from: VersionRow,
    to: VersionRow,
    versions: Vec<VersionRow>,
    rows: Vec<DiffRow>,
}

/// The versions to compare; blank means the default.
#[derive(Debug, Deserialize)]
pub struct Versions {
    from: Option<String>,
    to: Option<String>,
}

fn version(raw: Option<&str>, what: &str) -> UiResult<Option<u32>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(r) => r.parse().map(Some).map_err(|_| {
            UiError::Status(
                StatusCode::BAD_REQUEST,
                format!("'{r}' is not a version number ({what})"),
            )
        }),
    }
}

/// The diff page.
pub async fn page(
    State(s): State<AppState>,
    v: Viewer,
    Path(key): Path<String>,
    Query(q): Query<Versions>,
) -> UiResult {
    let key = contract_key(&key)?;
    let c = s.app.contract(&v.caller, &key).await?;
    let history = s.app.contract_history(&v.caller, &key).await?;
    let to = version(q.to.as_deref(), "to")?.unwrap_or(c.current_version);
    let from = version(q.from.as_deref(), "from")?.unwrap_or(to.saturating_sub(1).max(1));
    let find = |n: u32| {
        history.iter().find(|r| r.version == n).ok_or_else(|| {
            UiError::Status(
                StatusCode::NOT_FOUND,
                format!(
                    "not found: version {n} of contract '{key}' (it has versions 1 to {})",
                    c.current_version
                ),
            )
        })
    };
    let (old, new) = (&find(from)?.definition, &find(to)?.definition);
    let rows = diff_rows(&diff(old, new), old, new);
    let versions = version_rows(&history);
    let row = |n: u32| versions.iter().find(|r| r.version == n).cloned();
    let (Some(from), Some(to)) = (row(from), row(to)) else {
        return Err(UiError::Status(
            StatusCode::NOT_FOUND,
            format!("not found: versions of '{key}'"),
        ));
    };
    render(&DiffPage {
        page: v.page.at("contracts"),
        key: key.to_string(),
        title: c.current.title,
        from,
        to,
        versions,
        rows,
    })
}
