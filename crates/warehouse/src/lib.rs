//! Baton's data out to a warehouse or a BI tool (`baton export warehouse`):
//! the event log, the handoffs, the accounts, every scorecard cell with its
//! numerator and denominator, the leak audit and the product usage, each as
//! a Parquet file (snappy) and the same table as CSV, in one folder. DuckDB,
//! Spark and BI tools read the Parquet directly; `docs/warehouse.md` shows a DuckDB query
//! that reproduces a scorecard figure.
//!
//! Every figure comes from the same use cases as the API and the CLI (the
//! scorecard's stored sums, the leak audit), so the warehouse never
//! recomputes a number differently. The log and the records are read a page
//! at a time and written a chunk at a time: memory stays flat whatever the
//! org's size.

mod table;
mod tables;

use std::path::Path;

use baton_app::{App, AppError};
use baton_domain::OrgId;

pub use table::{Cell, Kind, TableWriter};

/// Why an export stopped. What was written so far is incomplete.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading Baton's data failed.
    #[error(transparent)]
    App(#[from] AppError),
    /// A file could not be written.
    #[error("cannot write {0}: {1}")]
    Io(String, std::io::Error),
    /// Writing a CSV file failed.
    #[error("cannot write a CSV file: {0}")]
    Csv(#[from] csv::Error),
    /// Writing a Parquet file failed.
    #[error("cannot write a Parquet file: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// Building a column failed.
    #[error("cannot build a table: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    /// A row that does not fit its table: a bug of Baton's.
    #[error("internal error: {0}")]
    Bug(String),
}

/// What an export wrote: each table's name and rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    /// The tables, in the order written.
    pub tables: Vec<(&'static str, u64)>,
}

/// Writes the org's tables into `dir` (created if missing) as
/// `NAME.parquet` and `NAME.csv`: `events`, `handoffs`, `accounts`,
/// `scorecard_cells`, `leak_audit` and `usage`.
pub async fn export(app: &App, org: &OrgId, dir: &Path) -> Result<Exported, ExportError> {
    std::fs::create_dir_all(dir).map_err(|e| ExportError::Io(dir.display().to_string(), e))?;
    let mut tables = Vec::new();
    let first = tables::events(app, org, dir, &mut tables).await?;
    tables::handoffs(app, org, dir, &mut tables).await?;
    tables::accounts(app, org, dir, &mut tables).await?;
    tables::scorecard_cells(app, org, dir, first, &mut tables).await?;
    tables::leak_audit(app, org, dir, first, &mut tables).await?;
    tables::usage(app, org, dir, &mut tables).await?;
    Ok(Exported { tables })
}
