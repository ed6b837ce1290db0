//! The order of a result's rows, where the engine, left alone, would give them in whatever
//! order its parallel parts finish:
//!
//! - rows picked and computed one by one (`t[t.amount > 100].name`) come in the order they are
//!   read, as pandas and DuckDB keep them, and `concat(a, b)` gives `a`'s before `b`'s;
//! - a group-by's rows come sorted by their keys when there are few, as Blaze over pandas gave
//!   them, and a join's by its columns, keys first, so that the same question over the same
//!   data always answers in the same order; in the engine's order when there are many, as SQL
//!   databases give them, since sorting millions of rows nobody asked to sort costs more than
//!   computing them.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow::compute::{
    SortColumn, SortOptions, concat_batches, lexsort_to_indices, take_record_batch,
};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use blaze_expr::{Expr, Op};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryPool};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::prelude::DataFrame;
use futures_util::{Stream, StreamExt};

use crate::error::Result;

/// How a result's rows are ordered.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Order {
    /// As the engine gives them (the expression sorts them, or nothing says how).
    Engine,
    /// As read: the plan's partitions are runs of rows in order, given one after the other.
    Read,
    /// By the first `keys` columns, when there are at most [`SORTED_ROWS`] rows.
    Keys {
        /// How many leading columns to sort by.
        keys: usize,
    },
}

/// `frame` computed as a stream of record batches in `order`, with the batches already read
/// ahead (to be given first).
pub(crate) async fn execute(
    frame: DataFrame,
    order: Order,
) -> Result<(SendableRecordBatchStream, VecDeque<RecordBatch>)> {
    Ok(match order {
        Order::Engine => (frame.execute_stream().await?, VecDeque::new()),
        Order::Read => {
            let schema = Arc::new(frame.schema().as_arrow().clone());
            let pool = Arc::clone(frame.task_ctx().memory_pool());
            let mut partitions = frame.execute_stream_partitioned().await?.into_iter();
            let first = partitions.next().map(|p| p.boxed());
            // Started now, each on its task, not when their turn comes.
            let later: Vec<_> = partitions
                .map(|p| read_on_its_own(p, Arc::clone(&pool)).boxed())
                .collect();
            let stream = futures_util::stream::iter(first.into_iter().chain(later)).flatten();
            let stream = RecordBatchStreamAdapter::new(schema, stream);
            (Box::pin(stream), VecDeque::new())
        }
        Order::Keys { keys } => {
            let mut stream = frame.execute_stream().await?;
            let ahead = read_ahead(&mut stream, keys).await?;
            (stream, ahead)
        }
    })
}

/// How much a partition read before its turn may hold, in KiB (the units of the semaphore
/// that bounds it), at most.
const PARTITION_AHEAD_KIB: usize = 32 << 10;

/// `partition` read on a task of its own into a buffer of at most [`PARTITION_AHEAD_KIB`],
/// while the partitions before it are given: a partition of rows picked from the second half
/// of a file is computed on a second core, and when few rows are picked (the buffer does not
/// fill) all of it is. The buffer's room is taken from the memory the engine may use (`pool`),
/// so that a memory limit counts it: a quarter as much while that is more than the limit
/// leaves, down to one batch at a time.
fn read_on_its_own(
    mut partition: SendableRecordBatchStream,
    pool: Arc<dyn MemoryPool>,
) -> impl Stream<Item = datafusion::error::Result<RecordBatch>> {
    let reservation = MemoryConsumer::new("read ahead").register(&pool);
    let mut ahead_kib = PARTITION_AHEAD_KIB;
    while ahead_kib > 1 && reservation.try_grow(ahead_kib << 10).is_err() {
        ahead_kib /= 4;
    }
    let room = Arc::new(tokio::sync::Semaphore::new(ahead_kib));
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(batch) = partition.next().await {
            let kib = match &batch {
                Ok(batch) => (batch.get_array_memory_size() >> 10).clamp(1, ahead_kib),
                Err(_) => 1,
            };
            // At most PARTITION_AHEAD_KIB, so within u32.
            let Ok(taken) = room.clone().acquire_many_owned(kib as u32).await else {
                break;
            };
            // The receiver is gone once the result is no longer read: stop reading too.
            if sender.send((batch, taken)).is_err() {
                break;
            }
        }
    });
    // The reservation is held until the last batch is given.
    futures_util::stream::unfold((receiver, reservation), |mut state| async move {
        // The room a batch took is given back as it is given.
        let (batch, _taken) = state.0.recv().await?;
        Some((batch, state))
    })
}

/// Whether `expr` is rows of its tables picked and computed one by one (fields, selections,
/// element-wise functions, and rows of one such after another's: `concat`), never grouped,
/// joined, sorted or reduced.
pub(crate) fn is_row_by_row(expr: &Expr) -> bool {
    fn only_row_by_row(expr: &Expr) -> bool {
        matches!(
            expr.op(),
            Op::Symbol { .. }
                | Op::Literal(_)
                | Op::Field { .. }
                | Op::Projection { .. }
                | Op::Selection { .. }
                | Op::Label { .. }
                | Op::Relabel { .. }
                | Op::Binary { .. }
                | Op::Unary { .. }
                | Op::IsIn { .. }
                | Op::IsInColumn { .. }
                | Op::Like { .. }
                | Op::Coerce { .. }
                | Op::Cast { .. }
                | Op::Coalesce { .. }
                | Op::Merge { .. }
                | Op::Func { .. }
                | Op::StrCat { .. }
                | Op::Concat { .. }
        ) && expr.children().into_iter().all(only_row_by_row)
    }
    !expr.dshape().dims().is_empty() && only_row_by_row(expr)
}

/// The rows picked one by one, and the count, of which `expr` takes the first rows, where
/// those rows are rows of one table after another's (`concat(a, b).head(10)`, as a table
/// preview of a concatenation takes them): the engine would take them from whichever side
/// came first, so they are taken from the rows given in order instead.
pub(crate) fn head_of_concat(expr: &Expr) -> Option<(&Expr, u64)> {
    fn concatenates(expr: &Expr) -> bool {
        matches!(expr.op(), Op::Concat { .. }) || expr.children().into_iter().any(concatenates)
    }
    match expr.op() {
        Op::Head { child, n } if is_row_by_row(child) && concatenates(child) => Some((child, *n)),
        _ => None,
    }
}

/// A group-by or join result of at most this many rows comes sorted by its keys.
pub const SORTED_ROWS: usize = 65_536;

/// A group-by or a join, whose result is to be sorted by its keys: `expr` itself, or the one
/// of which `expr` takes the first rows (`by(...).head(5)`, as a table preview does), so that
/// those are the first rows of the sorted result.
pub(crate) struct KeyOrdered<'a> {
    /// The group-by or join.
    pub(crate) expr: &'a Expr,
    /// How many leading columns of its result to sort by: a group-by's keys, or all of a
    /// join's (its keys come first).
    pub(crate) keys: usize,
    /// How many rows of it are taken, when only the first rows are.
    pub(crate) head: Option<u64>,
}

impl<'a> KeyOrdered<'a> {
    /// The group-by or join `expr` is or takes the first rows of, if any.
    pub(crate) fn of(expr: &'a Expr) -> Option<Self> {
        let (inner, head) = match expr.op() {
            Op::Head { child, n } => (child, Some(*n)),
            _ => (expr, None),
        };
        let keys = match inner.op() {
            Op::By { grouper, .. } => grouper.fields().len().max(1),
            Op::Join { .. } => inner.fields().len(),
            _ => return None,
        };
        Some(Self {
            expr: inner,
            keys,
            head,
        })
    }
}

/// Reads `stream` ahead until it has given more than [`SORTED_ROWS`] rows or ended. When it
/// ended, its rows come back as one batch sorted by its first `keys` columns (ascending,
/// missing keys last, as pandas sorts; nested columns, lists and records, are passed over);
/// else the batches read, in the order read, to be given before the rest of the stream.
async fn read_ahead(
    stream: &mut SendableRecordBatchStream,
    keys: usize,
) -> Result<VecDeque<RecordBatch>> {
    let mut batches = VecDeque::new();
    let mut rows = 0;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        rows += batch.num_rows();
        batches.push_back(batch);
        if rows > SORTED_ROWS {
            return Ok(batches);
        }
    }
    if rows <= 1 {
        return Ok(batches);
    }
    let sorted = sort_by_keys(&stream.schema(), &batches, keys)?;
    Ok(VecDeque::from([sorted]))
}

/// The rows of `batches` as one batch, sorted by their first `keys` columns.
fn sort_by_keys(
    schema: &SchemaRef,
    batches: &VecDeque<RecordBatch>,
    keys: usize,
) -> datafusion::error::Result<RecordBatch> {
    let batch = concat_batches(schema, batches)?;
    let options = SortOptions {
        descending: false,
        nulls_first: false,
    };
    let columns: Vec<SortColumn> = batch.columns()[..keys]
        .iter()
        .filter(|values| !values.data_type().is_nested())
        .map(|values| SortColumn {
            values: values.clone(),
            options: Some(options),
        })
        .collect();
    if columns.is_empty() {
        return Ok(batch);
    }
    let order = lexsort_to_indices(&columns, None)?;
    Ok(take_record_batch(&batch, &order)?)
}
