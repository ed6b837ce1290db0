//! The first `n` rows of each group in an order, without sorting: what
//! `t[t.v.rank(ascending=False, method='first', by=t.g) <= n]` asks for.
//!
//! The engine computes that predicate as a window function, which sorts every row by group
//! and value. [`TopPerGroup`] instead reads the rows once and keeps for each group the `n`
//! best so far (a new row displaces the worst only when strictly better, so equal values keep
//! row order, as 'first' ranks them). Each partition of its input is read by a task of its
//! own; the rows each keeps are then read again, partition after partition, to keep the `n`
//! best of all. That is the rows' order when partitions are consecutive runs of rows in order,
//! as the pieces of a file scan are (the compiler turns off the round-robin repartitioning
//! that would deal batches out instead, and the scan's stealing of another partition's files). The rows kept come out in their original order, as
//! a selection's do. It keeps `n` rows per group per partition in memory and cannot spill, so
//! the compiler uses it only where memory is not limited.

use std::fmt;
use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::compute::{SortOptions, interleave};
use arrow::datatypes::{DataType, SchemaRef};
use arrow::record_batch::{RecordBatch, RecordBatchOptions};
use arrow::row::{RowConverter, SortField};
use datafusion::common::runtime::SpawnedTask;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DFSchemaRef, DataFusionError, Result, internal_err};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{Expr, LogicalPlan, UserDefinedLogicalNodeCore};
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, Distribution, ExecutionPlan, ExecutionPlanProperties,
    Partitioning, PlanProperties,
};
use futures_util::{StreamExt, TryStreamExt, stream};
use smallvec::SmallVec;

use super::group_ids::GroupIds;

/// The logical node: the rows of `input` among the first `n` of their group (equal `keys`)
/// when the group is ordered by `value`. Its columns are its input's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct TopPerGroup {
    input: Arc<LogicalPlan>,
    keys: Vec<Expr>,
    value: Expr,
    order: Order,
    n: usize,
}

/// How a group's values are ordered: the first in this order are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd)]
pub(crate) struct Order {
    /// Smallest first (`true`) or greatest first.
    pub ascending: bool,
    /// Whether missing values come before all others.
    pub nulls_first: bool,
}

impl TopPerGroup {
    pub(crate) fn new(
        input: LogicalPlan,
        keys: Vec<Expr>,
        value: Expr,
        order: Order,
        n: usize,
    ) -> Self {
        Self {
            input: Arc::new(input),
            keys,
            value,
            order,
            n,
        }
    }
}

impl PartialOrd for TopPerGroup {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        (&self.input, &self.keys, &self.value, self.order, self.n).partial_cmp(&(
            &other.input,
            &other.keys,
            &other.value,
            other.order,
            other.n,
        ))
    }
}

impl UserDefinedLogicalNodeCore for TopPerGroup {
    fn name(&self) -> &str {
        "TopPerGroup"
    }

    fn inputs(&self) -> Vec<&LogicalPlan> {
        vec![&self.input]
    }

    fn schema(&self) -> &DFSchemaRef {
        self.input.schema()
    }

    fn expressions(&self) -> Vec<Expr> {
        self.keys.iter().chain([&self.value]).cloned().collect()
    }

    fn fmt_for_explain(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "TopPerGroup: n={}, by={:?}, {}",
            self.n, self.keys, self.value
        )?;
        write!(f, " {}", if self.order.ascending { "ASC" } else { "DESC" })
    }

    fn with_exprs_and_inputs(
        &self,
        mut exprs: Vec<Expr>,
        mut inputs: Vec<LogicalPlan>,
    ) -> Result<Self> {
        let (Some(value), Some(input)) = (exprs.pop(), inputs.pop()) else {
            return internal_err!("TopPerGroup takes one input and its value");
        };
        Ok(Self::new(input, exprs, value, self.order, self.n))
    }

    /// Its columns are its input's, so the columns needed of it are needed of its input (and
    /// the engine adds those its keys and value read).
    fn necessary_children_exprs(&self, output_columns: &[usize]) -> Option<Vec<Vec<usize>>> {
        Some(vec![output_columns.to_vec()])
    }
}

/// The operator [`TopPerGroup`] plans to. It reads every partition of its input, each in
/// order, and writes one.
#[derive(Debug)]
pub(crate) struct TopPerGroupExec {
    input: Arc<dyn ExecutionPlan>,
    keys: Vec<Arc<dyn PhysicalExpr>>,
    value: Arc<dyn PhysicalExpr>,
    order: Order,
    n: usize,
    properties: Arc<PlanProperties>,
}

impl TopPerGroupExec {
    pub(crate) fn new(
        node: &TopPerGroup,
        input: Arc<dyn ExecutionPlan>,
        keys: Vec<Arc<dyn PhysicalExpr>>,
        value: Arc<dyn PhysicalExpr>,
    ) -> Self {
        Self::with_input(input, keys, value, node.order, node.n)
    }

    fn with_input(
        input: Arc<dyn ExecutionPlan>,
        keys: Vec<Arc<dyn PhysicalExpr>>,
        value: Arc<dyn PhysicalExpr>,
        order: Order,
        n: usize,
    ) -> Self {
        let properties = PlanProperties::new(
            EquivalenceProperties::new(input.schema()),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Final,
            Boundedness::Bounded,
        );
        Self {
            input,
            keys,
            value,
            order,
            n,
            properties: Arc::new(properties),
        }
    }
}

impl DisplayAs for TopPerGroupExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let keys: Vec<String> = self.keys.iter().map(|k| k.to_string()).collect();
        let direction = if self.order.ascending { "ASC" } else { "DESC" };
        write!(
            f,
            "TopPerGroupExec: n={}, by=[{}], order={} {direction}",
            self.n,
            keys.join(", "),
            self.value
        )
    }
}

impl ExecutionPlan for TopPerGroupExec {
    fn name(&self) -> &str {
        "TopPerGroupExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }

    /// Any partitions: each is read in order, and they are taken to follow one another (see
    /// the module's documentation).
    fn required_input_distribution(&self) -> Vec<Distribution> {
        vec![Distribution::UnspecifiedDistribution]
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }

    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        for expr in self.keys.iter().chain([&self.value]) {
            if f(expr)? == TreeNodeRecursion::Stop {
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        mut children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let (Some(input), true) = (children.pop(), children.is_empty()) else {
            return internal_err!("TopPerGroupExec takes one input");
        };
        Ok(Arc::new(Self::with_input(
            input,
            self.keys.clone(),
            Arc::clone(&self.value),
            self.order,
            self.n,
        )))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        if partition != 0 {
            return internal_err!("TopPerGroupExec writes one partition");
        }
        let batch_size = context.session_config().batch_size();
        let reservation = |part: String| {
            MemoryConsumer::new(format!("TopPerGroup{part}")).register(context.memory_pool())
        };
        let partitions = self.input.output_partitioning().partition_count();
        let mut inputs = Vec::with_capacity(partitions);
        for part in 0..partitions {
            let input = self.input.execute(part, Arc::clone(&context))?;
            inputs.push((input, Tops::new(self, reservation(format!("[{part}]")))?));
        }
        // The rows each partition kept, read again in partition order, when there are several.
        let mut all = (partitions > 1)
            .then(|| Tops::new(self, reservation(String::new())))
            .transpose()?;
        let kept = stream::once(async move {
            let tasks: Vec<_> = inputs
                .into_iter()
                .map(|(input, tops)| SpawnedTask::spawn(tops.read(input, batch_size)))
                .collect();
            let mut batches = Vec::new();
            for task in tasks {
                let kept = task
                    .join_unwind()
                    .await
                    .map_err(|e| DataFusionError::ExecutionJoin(Box::new(e)))??;
                match &mut all {
                    Some(all) => kept.into_iter().try_for_each(|batch| all.push(batch))?,
                    None => batches = kept,
                }
            }
            if let Some(all) = all {
                batches = all.finish(batch_size)?;
            }
            Ok::<_, DataFusionError>(stream::iter(batches.into_iter().map(Ok)))
        })
        .try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(self.schema(), kept)))
    }
}

/// A row kept: its value (in the group's order, as bytes that compare in that order), its
/// position among all the rows read, and where it is held.
struct Kept {
    value: Key,
    position: u64,
    batch: usize,
    row: usize,
}

/// A value's bytes in the group's order. Fixed-width values (a validity byte and at most 16
/// bytes) are held inline, so that offering a row reads no memory of its own per row kept.
enum Key {
    Inline { len: u8, bytes: [u8; Key::INLINE] },
    Heap(Box<[u8]>),
}

impl Key {
    const INLINE: usize = 22;

    fn new(value: &[u8]) -> Key {
        if value.len() <= Key::INLINE {
            let mut bytes = [0; Key::INLINE];
            bytes[..value.len()].copy_from_slice(value);
            Key::Inline {
                len: value.len() as u8,
                bytes,
            }
        } else {
            Key::Heap(value.into())
        }
    }

    #[inline]
    fn as_slice(&self) -> &[u8] {
        match self {
            Key::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Key::Heap(bytes) => bytes,
        }
    }
}

/// The state of [`TopPerGroupExec`]: the best rows of each group so far, and the batches
/// they are in.
struct Tops {
    schema: SchemaRef,
    keys: Vec<Arc<dyn PhysicalExpr>>,
    value: Arc<dyn PhysicalExpr>,
    n: usize,
    /// Numbers the groups as first seen (`None` without keys: all the rows are one group).
    groups: Option<GroupIds>,
    /// The group of each row of the batch being read.
    group_of: Vec<usize>,
    /// Encodes values as bytes that sort in the group's order.
    value_rows: RowConverter,
    /// The rows kept of each group, best first.
    best: Vec<Best>,
    /// The worst value kept of each group that has `n`, which a row must beat.
    bar: Bars,
    held: Held,
    kept: usize,
    read: u64,
    reservation: MemoryReservation,
}

/// The rows kept of a group, best first. Up to two are held in the group's own entry, so
/// that offering a row to its group reads one place in memory, not a list and then its rows
/// elsewhere: the top two of 100,000 groups in 10 million rows (the group-by benchmark's q8)
/// took 0.66 s with a list per group, and 0.47 s so.
type Best = SmallVec<[Kept; 2]>;

/// Held batches are copied into one of the rows kept when there are more than this many and
/// at most a quarter of their rows are kept.
const COMPACT_AFTER: usize = 16;

impl Tops {
    fn new(exec: &TopPerGroupExec, reservation: MemoryReservation) -> Result<Self> {
        let schema = exec.input.schema();
        let groups = if exec.keys.is_empty() {
            None
        } else {
            let types = exec
                .keys
                .iter()
                .map(|k| k.data_type(&schema))
                .collect::<Result<Vec<_>>>()?;
            Some(GroupIds::new(&types)?)
        };
        let value_type = exec.value.data_type(&schema)?;
        let options = SortOptions {
            descending: !exec.order.ascending,
            nulls_first: exec.order.nulls_first,
        };
        Ok(Self {
            schema,
            keys: exec.keys.clone(),
            value: Arc::clone(&exec.value),
            n: exec.n,
            groups,
            group_of: Vec::new(),
            bar: Bars::new(&value_type),
            value_rows: RowConverter::new(vec![SortField::new_with_options(value_type, options)])?,
            best: Vec::new(),
            held: Held::default(),
            kept: 0,
            read: 0,
            reservation,
        })
    }

    /// Reads all of `input`; the rows kept, in the order they were read.
    async fn read(
        mut self,
        mut input: SendableRecordBatchStream,
        batch_size: usize,
    ) -> Result<Vec<RecordBatch>> {
        while let Some(batch) = input.next().await {
            self.push(batch?)?;
        }
        self.finish(batch_size)
    }

    /// Offers each row of `batch` to its group.
    fn push(&mut self, batch: RecordBatch) -> Result<()> {
        let rows = batch.num_rows();
        if rows == 0 || self.n == 0 {
            return Ok(());
        }
        let values = self
            .value_rows
            .convert_columns(&[self.evaluate(&self.value, &batch)?])?;
        match &mut self.groups {
            Some(groups) => {
                let columns = self
                    .keys
                    .iter()
                    .map(|k| k.evaluate(&batch)?.into_array(rows))
                    .collect::<Result<Vec<_>>>()?;
                groups.intern(&columns, &mut self.group_of)?;
            }
            None => {
                self.group_of.clear();
                self.group_of.resize(rows, 0);
            }
        }
        let groups = self.groups.as_ref().map_or(1, |g| g.len());
        self.best.resize_with(groups, Best::new);
        self.bar.resize(groups);
        let slot = self.held.hold(batch);
        for row in 0..rows {
            let group = self.group_of[row];
            let value = values.row(row);
            if !self.bar.passes(group, value.as_ref()) {
                continue;
            }
            self.offer(group, value.as_ref(), row, slot);
        }
        self.read += rows as u64;
        self.held.sweep();
        if self.held.batches > COMPACT_AFTER && self.kept * 4 <= self.held.rows {
            self.compact()?;
        }
        self.reservation.try_resize(
            self.held.bytes
                + self.groups.as_ref().map_or(0, |g| g.size())
                + self.bar.size()
                + self.best.capacity() * size_of::<Best>()
                + self.kept * (size_of::<Kept>() + 16),
        )
    }

    fn evaluate(&self, expr: &Arc<dyn PhysicalExpr>, batch: &RecordBatch) -> Result<ArrayRef> {
        expr.evaluate(batch)?.into_array(batch.num_rows())
    }

    /// Keeps row `row` of the batch in `slot` (its value's bytes `value`) if it is among
    /// the first `n` of `group` so far.
    fn offer(&mut self, group: usize, value: &[u8], row: usize, slot: usize) {
        let best = &mut self.best[group];
        if let Some(worst) = best.last()
            && best.len() == self.n
        {
            // Only a strictly better row displaces one: among equal values the earlier row
            // ranks first.
            if value >= worst.value.as_slice() {
                return;
            }
            let worst = best.pop().expect("a full group has a last row");
            self.held.release(worst.batch);
            self.kept -= 1;
        }
        let at = best.partition_point(|kept| kept.value.as_slice() <= value);
        best.insert(
            at,
            Kept {
                value: Key::new(value),
                position: self.read + row as u64,
                batch: slot,
                row,
            },
        );
        if best.len() == self.n {
            let worst = best.last().expect("n > 0 rows");
            self.bar.raise(group, worst.value.as_slice());
        }
        self.held.keep(slot);
        self.kept += 1;
    }

    /// Copies the rows kept into one batch, letting go of the batches they were in.
    fn compact(&mut self) -> Result<()> {
        let at: Vec<(usize, usize)> = self
            .best
            .iter()
            .flatten()
            .map(|kept| (kept.batch, kept.row))
            .collect();
        let batch = self.gather(&at)?;
        let slot = self.held.replace_all(batch);
        for (i, kept) in self.best.iter_mut().flatten().enumerate() {
            kept.batch = slot;
            kept.row = i;
        }
        Ok(())
    }

    /// The rows kept, in the order they were read, in batches of `batch_size` rows.
    fn finish(self, batch_size: usize) -> Result<Vec<RecordBatch>> {
        let mut kept: Vec<(u64, usize, usize)> = self
            .best
            .iter()
            .flatten()
            .map(|kept| (kept.position, kept.batch, kept.row))
            .collect();
        kept.sort_unstable();
        let batches = kept
            .chunks(batch_size.max(1))
            .map(|chunk| {
                let at: Vec<(usize, usize)> = chunk.iter().map(|&(_, b, r)| (b, r)).collect();
                self.gather(&at)
            })
            .collect::<Result<Vec<_>>>()?;
        self.reservation.free();
        Ok(batches)
    }

    /// The rows at `at` (held batch, row) as one batch.
    fn gather(&self, at: &[(usize, usize)]) -> Result<RecordBatch> {
        // `interleave` takes the batches as a list: number the held ones densely.
        let mut dense = vec![usize::MAX; self.held.slots.len()];
        let mut batches = Vec::new();
        for (slot, held) in self.held.slots.iter().enumerate() {
            if let Some(batch) = held {
                dense[slot] = batches.len();
                batches.push(batch);
            }
        }
        let indices: Vec<(usize, usize)> = at.iter().map(|&(b, r)| (dense[b], r)).collect();
        let columns = (0..self.schema.fields().len())
            .map(|c| {
                let arrays: Vec<&dyn arrow::array::Array> =
                    batches.iter().map(|b| b.column(c).as_ref()).collect();
                interleave(&arrays, &indices)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let options = RecordBatchOptions::new().with_row_count(Some(indices.len()));
        Ok(RecordBatch::try_new_with_options(
            Arc::clone(&self.schema),
            columns,
            &options,
        )?)
    }
}

/// The value each full group's rows must beat, side by side for values of one width, so that
/// most rows are turned away reading a few bytes near each other. (Values of varying width,
/// text, are compared with the worst row kept instead.)
struct Bars {
    /// The width of the values' bytes, where it is fixed.
    width: Option<usize>,
    bytes: Vec<u8>,
    /// Whether each group has its `n` rows (and so a bar).
    full: Vec<bool>,
}

impl Bars {
    fn new(value_type: &DataType) -> Self {
        // Fixed-width values are encoded as a validity byte and their bytes.
        let width = value_type.primitive_width().map(|w| w + 1);
        Self {
            width,
            bytes: Vec::new(),
            full: Vec::new(),
        }
    }

    fn resize(&mut self, groups: usize) {
        self.full.resize(groups, false);
        if let Some(width) = self.width {
            self.bytes.resize(groups * width, 0);
        }
    }

    /// Whether a row of `group` whose value is `value` may be among its first `n`.
    #[inline]
    fn passes(&self, group: usize, value: &[u8]) -> bool {
        match self.width {
            Some(width) if self.full[group] => {
                before(value, &self.bytes[group * width..(group + 1) * width])
            }
            _ => true,
        }
    }

    /// Sets `group`'s bar to `value`, the worst of its `n` rows.
    fn raise(&mut self, group: usize, value: &[u8]) {
        self.full[group] = true;
        if let Some(width) = self.width
            && value.len() == width
        {
            self.bytes[group * width..(group + 1) * width].copy_from_slice(value);
        } else {
            // Not the width expected: never turn a row away here.
            self.full[group] = false;
        }
    }

    fn size(&self) -> usize {
        self.bytes.capacity() + self.full.capacity()
    }
}

/// Whether `a` comes before `b` in byte order (`a < b` for slices of one length, a word at a
/// time, without the call `<` makes for slices).
#[inline]
fn before(a: &[u8], b: &[u8]) -> bool {
    let (mut a_words, mut b_words) = (a.chunks_exact(8), b.chunks_exact(8));
    for (x, y) in a_words.by_ref().zip(b_words.by_ref()) {
        let x = u64::from_be_bytes(x.try_into().expect("8 bytes"));
        let y = u64::from_be_bytes(y.try_into().expect("8 bytes"));
        if x != y {
            return x < y;
        }
    }
    for (x, y) in a_words.remainder().iter().zip(b_words.remainder()) {
        if x != y {
            return x < y;
        }
    }
    false
}

/// The batches read, each while a row of it is kept.
#[derive(Default)]
struct Held {
    slots: Vec<Option<RecordBatch>>,
    /// How many rows of each batch are kept.
    kept_of: Vec<usize>,
    /// The batches of which no row has been kept since the last [`Held::sweep`].
    emptied: Vec<usize>,
    batches: usize,
    rows: usize,
    bytes: usize,
}

impl Held {
    /// Holds `batch` (until a sweep finds none of its rows kept); its slot.
    fn hold(&mut self, batch: RecordBatch) -> usize {
        self.batches += 1;
        self.rows += batch.num_rows();
        self.bytes += batch.get_array_memory_size();
        self.slots.push(Some(batch));
        self.kept_of.push(0);
        self.emptied.push(self.slots.len() - 1);
        self.slots.len() - 1
    }

    fn keep(&mut self, slot: usize) {
        self.kept_of[slot] += 1;
    }

    fn release(&mut self, slot: usize) {
        self.kept_of[slot] -= 1;
        if self.kept_of[slot] == 0 {
            self.emptied.push(slot);
        }
    }

    /// Lets go of the batches none of whose rows are kept.
    fn sweep(&mut self) {
        for slot in std::mem::take(&mut self.emptied) {
            if self.kept_of[slot] == 0
                && let Some(batch) = self.slots[slot].take()
            {
                self.batches -= 1;
                self.rows -= batch.num_rows();
                self.bytes -= batch.get_array_memory_size();
            }
        }
    }

    /// Lets go of every batch, holding `batch` instead (all its rows kept); its slot.
    fn replace_all(&mut self, batch: RecordBatch) -> usize {
        let rows = batch.num_rows();
        *self = Self::default();
        let slot = self.hold(batch);
        self.emptied.clear();
        self.kept_of[slot] = rows;
        slot
    }
}
