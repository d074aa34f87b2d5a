//! Multi-row inserts: as few statements as the parameter limit allows,
//! for the write path and the tables it feeds (outbox, mail, deadlines,
//! scorecard sums).

use crate::sql_args::Arg;
use crate::tx::Tx;
use crate::{Backend, StoreError, placeholders};

/// Parameters per multi-row statement: well below both backends' limits
/// (SQLite 32766, PostgreSQL 65535), large enough that per-statement cost
/// vanishes in an import.
const MAX_PARAMS: usize = 8000;

/// `(…),(…)`: `rows` tuples of `cols` placeholders.
fn values_list(backend: Backend, cols: usize, rows: usize) -> String {
    let mut s = String::with_capacity(rows * (cols * 6 + 3));
    for r in 0..rows {
        s.push_str(if r == 0 { "(" } else { ",(" });
        s.push_str(&placeholders(backend, r * cols + 1, cols));
        s.push(')');
    }
    s
}

/// Inserts `items` with as few statements as the parameter limit allows:
/// `head` is `INSERT INTO t (cols) VALUES`, `tail` an optional ON CONFLICT
/// clause, `bind` pushes one item's `cols` values in order.
pub(crate) async fn insert_many<T>(
    tx: &mut Tx<'_>,
    backend: Backend,
    (head, cols, tail): (&str, usize, &str),
    items: &[T],
    mut bind: impl FnMut(&mut Vec<Arg>, usize, &T) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let per = (MAX_PARAMS / cols).max(1);
    for (chunk_no, chunk) in items.chunks(per).enumerate() {
        let sql = format!("{head} {} {tail}", values_list(backend, cols, chunk.len()));
        let mut args = Vec::with_capacity(chunk.len() * cols);
        for (i, item) in chunk.iter().enumerate() {
            bind(&mut args, chunk_no * per + i, item)?;
        }
        tx.exec(&sql, &args).await?;
    }
    Ok(())
}
