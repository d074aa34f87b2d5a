//! A table as the warehouse export writes it: named, typed columns, written
//! a chunk of rows at a time to a Parquet file and a CSV file side by side,
//! so memory holds one chunk whatever the table's size.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use baton_domain::Timestamp;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use crate::ExportError;

/// A column's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// UTF-8 text.
    Text,
    /// A 64-bit integer.
    Int,
    /// A 64-bit float.
    Float,
    /// True or false.
    Bool,
    /// A UTC time, to the microsecond.
    Time,
}

impl Kind {
    fn arrow(self) -> DataType {
        match self {
            Self::Text => DataType::Utf8,
            Self::Int => DataType::Int64,
            Self::Float => DataType::Float64,
            Self::Bool => DataType::Boolean,
            Self::Time => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        }
    }
}

/// One value of a row; `None` is null (an empty CSV cell).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(Option<String>),
    /// An integer.
    Int(Option<i64>),
    /// A float.
    Float(Option<f64>),
    /// A boolean.
    Bool(Option<bool>),
    /// A time.
    Time(Option<Timestamp>),
}

impl Cell {
    /// Text that is always there.
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(Some(s.into()))
    }

    /// An unsigned count, as the warehouse's 64-bit integer.
    pub fn count(n: impl TryInto<i64>) -> Self {
        Self::Int(n.try_into().ok())
    }

    fn kind(&self) -> Kind {
        match self {
            Self::Text(_) => Kind::Text,
            Self::Int(_) => Kind::Int,
            Self::Float(_) => Kind::Float,
            Self::Bool(_) => Kind::Bool,
            Self::Time(_) => Kind::Time,
        }
    }

    fn csv(&self) -> String {
        match self {
            Self::Text(v) => v.clone().unwrap_or_default(),
            Self::Int(v) => v.map(|v| v.to_string()).unwrap_or_default(),
            Self::Float(v) => v.map(|v| v.to_string()).unwrap_or_default(),
            Self::Bool(v) => v.map(|v| v.to_string()).unwrap_or_default(),
            Self::Time(v) => v.map(|v| v.to_string()).unwrap_or_default(),
        }
    }
}

/// Rows held before they are written: a bounded chunk.
const CHUNK_ROWS: usize = 16_384;

/// A table being written to `NAME.parquet` and `NAME.csv`.
pub struct TableWriter {
    name: &'static str,
    columns: Vec<(&'static str, Kind)>,
    schema: SchemaRef,
    rows: Vec<Vec<Cell>>,
    parquet: ArrowWriter<File>,
    csv: csv::Writer<File>,
    written: u64,
}

impl TableWriter {
    /// Starts the table `name` with these columns in `dir`.
    pub fn create(
        dir: &Path,
        name: &'static str,
        columns: &[(&'static str, Kind)],
    ) -> Result<Self, ExportError> {
        let schema: SchemaRef = Arc::new(Schema::new(
            columns
                .iter()
                .map(|(n, k)| Field::new(*n, k.arrow(), true))
                .collect::<Vec<_>>(),
        ));
        let file = |ext: &str| {
            let path = dir.join(format!("{name}.{ext}"));
            File::create(&path).map_err(|e| ExportError::Io(path.display().to_string(), e))
        };
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let parquet = ArrowWriter::try_new(file("parquet")?, schema.clone(), Some(props))?;
        let mut csv = csv::Writer::from_writer(file("csv")?);
        csv.write_record(columns.iter().map(|(n, _)| *n))?;
        Ok(Self {
            name,
            columns: columns.to_vec(),
            schema,
            rows: Vec::with_capacity(CHUNK_ROWS),
            parquet,
            csv,
            written: 0,
        })
    }

    /// Adds a row, its cells in the columns' order and of their types.
    pub fn push(&mut self, row: Vec<Cell>) -> Result<(), ExportError> {
        let fits = row.len() == self.columns.len()
            && row
                .iter()
                .zip(&self.columns)
                .all(|(c, (_, k))| c.kind() == *k);
        if !fits {
            return Err(ExportError::Bug(format!(
                "a row of '{}' does not fit its columns: {row:?}",
                self.name
            )));
        }
        self.rows.push(row);
        if self.rows.len() >= CHUNK_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ExportError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        for row in &rows {
            self.csv.write_record(row.iter().map(Cell::csv))?;
        }
        let arrays: Vec<ArrayRef> = (0..self.columns.len())
            .map(|i| column(&rows, i, self.columns[i].1))
            .collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays)?;
        self.parquet.write(&batch)?;
        self.written += rows.len() as u64;
        self.rows = Vec::with_capacity(CHUNK_ROWS);
        Ok(())
    }

    /// Writes what is held and closes both files; returns the rows written.
    pub fn finish(mut self) -> Result<u64, ExportError> {
        self.flush()?;
        self.parquet.close()?;
        self.csv
            .flush()
            .map_err(|e| ExportError::Io(format!("{}.csv", self.name), e))?;
        Ok(self.written)
    }
}

/// Column `i` of `rows` as an arrow array of `kind` (every cell was checked
/// to be of that kind when its row was pushed).
fn column(rows: &[Vec<Cell>], i: usize, kind: Kind) -> ArrayRef {
    let cells = rows.iter().map(|r| &r[i]);
    match kind {
        Kind::Text => Arc::new(StringArray::from(
            cells
                .map(|c| match c {
                    Cell::Text(v) => v.clone(),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        Kind::Int => Arc::new(Int64Array::from(
            cells
                .map(|c| match c {
                    Cell::Int(v) => *v,
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        Kind::Float => Arc::new(Float64Array::from(
            cells
                .map(|c| match c {
                    Cell::Float(v) => *v,
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        Kind::Bool => Arc::new(BooleanArray::from(
            cells
                .map(|c| match c {
                    Cell::Bool(v) => *v,
                    _ => None,
                })
                .collect::<Vec<_>>(),
        )),
        Kind::Time => Arc::new(
            TimestampMicrosecondArray::from(
                cells
                    .map(|c| match c {
                        // Microseconds since the epoch: the boundary where
                        // jiff's times become arrow's (ECOSYSTEM-2 trap 11).
                        Cell::Time(v) => v.map(|t| t.as_microsecond()),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            )
            .with_timezone("UTC"),
        ),
    }
}
