//! Steps of a group-by computed with Blaze's group numbering.
//!
//! DataFusion aggregates each partition of its input by group ([`AggregateMode::Partial`])
//! before the partial results are exchanged by key and combined. Numbering each row's group
//! is most of that first step's time, and [`GroupIds`] does it more quickly than DataFusion's
//! hash tables for any type where the keys are integers or short strings: in the group-by
//! benchmark (`bench/RESULTS.md`, 10 million rows), summing by an integer of 100,000 values
//! (q5) took 0.84 s before and 0.39-0.53 s with it. [`AggregateStepExec`] is the same step
//! with [`GroupIds`], and the same aggregates (DataFusion's [`GroupsAccumulator`]s), so its
//! output is the step's it replaces (`PartialAggregateExec` in `--explain`).
//!
//! Where its input is a Parquet scan and a key a string column the files hold
//! dictionary-encoded, the scan is made to read that column as a dictionary
//! ([`super::dictionary_scan`]), which this step alone reads.
//!
//! A group-by computing a median (an aggregate whose state is every value of its group) has
//! no first step where memory is unlimited: its rows are exchanged by key and aggregated once
//! ([`in_one_step`]), by an [`AggregateStepExec`] too where its keys allow
//! (`SingleAggregateExec` in `--explain`).
//!
//! A first step holds the groups of one partition in memory, and writes what it has (as the
//! step may, the final step combining the parts) whenever the memory pool refuses it more or
//! it has [`EMIT_AFTER_GROUPS`] groups, so that it works in bounded memory however many
//! groups there are. A step in one holds all its groups until its input ends.

use std::fmt;
use std::sync::Arc;

use arrow::array::ArrayRef;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode, TreeNodeRecursion};
use datafusion::common::{DataFusionError, Result, internal_err};
use datafusion::execution::cache::cache_manager::FileMetadataCache;
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::{EmitTo, GroupsAccumulator};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::utils::collect_columns;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};
use datafusion::physical_plan::execution_plan::{ChildrenPropertiesMode, ReplaceChildrenOptions};
use datafusion::physical_plan::repartition::RepartitionExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, InputOrderMode, Partitioning, PlanProperties,
};
use futures_util::{StreamExt, TryStreamExt, stream};

use super::dictionary_scan::{DictionaryScan, reading_dictionaries};
use super::group_ids::GroupIds;

/// Replaces DataFusion's partial aggregation steps with [`AggregateStepExec`] where its
/// group numbering is quicker.
pub(crate) struct UsePartialAggregate {
    /// The session's cache of file footers, which DataFusion fills as it plans a Parquet
    /// scan: the footers the dictionary check reads.
    footers: Arc<FileMetadataCache>,
    /// Whether memory is unlimited, so that [`HOLISTIC`] aggregates may be computed in one
    /// step. Under a limit that step's exchange of all the rows could hang when the memory
    /// pool refused the step (seen in 5 runs of 6 at 20 MB, DataFusion 55.2), where the two
    /// steps fail at once.
    one_step: bool,
}

impl UsePartialAggregate {
    pub(crate) fn new(footers: Arc<FileMetadataCache>, memory_limited: bool) -> Self {
        Self {
            footers,
            one_step: !memory_limited,
        }
    }
}

impl fmt::Debug for UsePartialAggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsePartialAggregate")
            .finish_non_exhaustive()
    }
}

impl PhysicalOptimizerRule for UsePartialAggregate {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        plan.transform_up(|plan| {
            let Some(aggregate) = plan.downcast_ref::<AggregateExec>() else {
                return Ok(Transformed::no(plan));
            };
            if self.one_step
                && let Some(single) = in_one_step(aggregate)?
            {
                return Ok(Transformed::yes(single));
            }
            Ok(
                match AggregateStepExec::replacing(aggregate, self.footers.as_ref())? {
                    Some(exec) => Transformed::yes(Arc::new(exec) as Arc<dyn ExecutionPlan>),
                    None => Transformed::no(plan),
                },
            )
        })
        .data()
    }

    fn name(&self) -> &str {
        "blaze_partial_aggregate"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Aggregates whose state in a group is all of the group's values (DataFusion's median keeps
/// them in a list): a first step would only copy the rows into lists, which the exchange
/// between the steps and the second step then copy again. (A quantile is DataFusion's
/// `percentile_cont`, an ordered aggregate, whose first step stays DataFusion's own.)
const HOLISTIC: [&str; 1] = ["median"];

/// `aggregate` in one step over its input's rows exchanged by key, if it is the second step
/// of a group-by (after Blaze's first step, an [`AggregateStepExec`]) computing a
/// [`HOLISTIC`] aggregate. For a median and a deviation by two keys of 10,000 groups in 10
/// million rows (the group-by benchmark's q6), the two steps took 0.40-0.42 s and the one
/// step 0.33-0.34 s.
fn in_one_step(aggregate: &AggregateExec) -> Result<Option<Arc<dyn ExecutionPlan>>> {
    if aggregate.mode() != &AggregateMode::FinalPartitioned || aggregate.limit_options().is_some() {
        return Ok(None);
    }
    let Some(exchange) = aggregate.input().downcast_ref::<RepartitionExec>() else {
        return Ok(None);
    };
    let (Partitioning::Hash(_, partitions), Some(first)) = (
        exchange.partitioning(),
        exchange.input().downcast_ref::<AggregateStepExec>(),
    ) else {
        return Ok(None);
    };
    let first = &first.aggregate;
    if !(first.aggr_expr().iter()).any(|a| HOLISTIC.contains(&a.fun().name())) {
        return Ok(None);
    }
    let keys = (first.group_expr().expr().iter())
        .map(|(key, _)| Arc::clone(key))
        .collect();
    let rows = RepartitionExec::try_new(
        Arc::clone(first.input()),
        Partitioning::Hash(keys, *partitions),
    )?;
    let single = AggregateExec::try_new(
        AggregateMode::SinglePartitioned,
        first.group_expr().clone(),
        first.aggr_expr().to_vec(),
        first.filter_expr().to_vec(),
        Arc::new(rows),
        first.input_schema(),
    )?;
    // The first step's keys and aggregates were Blaze's to number and compute: so are this
    // one's (with two integer keys, q6's numbering took a fifth of its time in DataFusion's).
    Ok(Some(Arc::new(AggregateStepExec {
        aggregate: single,
        input: Input::Same,
    })))
}

/// A partial aggregation writes what it has when it has this many groups.
const EMIT_AFTER_GROUPS: usize = 1 << 20;

/// DataFusion's aggregation step `aggregate`, computed with [`GroupIds`]: a partial step
/// ([`AggregateMode::Partial`]), or a group-by in one step over rows exchanged by key
/// ([`AggregateMode::SinglePartitioned`], made by [`in_one_step`]).
#[derive(Debug)]
pub(crate) struct AggregateStepExec {
    /// The step replaced: its mode, keys, aggregates, schema and properties are this one's.
    aggregate: AggregateExec,
    /// What it reads: the replaced step's input, or that scan reading string keys as
    /// dictionaries.
    input: Input,
}

/// What an [`AggregateStepExec`] reads.
#[derive(Debug)]
enum Input {
    /// The input of the step replaced.
    Same,
    /// A scan like the step's input, reading string key columns as dictionaries.
    Dictionaries(DictionaryScan),
}

impl AggregateStepExec {
    /// The step to compute `aggregate` with, if it is a partial step this one computes, and
    /// its keys are of the kinds [`GroupIds`] numbers quickly; Parquet footers are looked up
    /// in `footers` first.
    fn replacing(aggregate: &AggregateExec, footers: &FileMetadataCache) -> Result<Option<Self>> {
        let group_by = aggregate.group_expr();
        let input_schema = aggregate.input_schema();
        let key_types = group_by
            .expr()
            .iter()
            .map(|(key, _)| key.data_type(&input_schema))
            .collect::<Result<Vec<_>>>()?;
        let replaces = aggregate.mode() == &AggregateMode::Partial
            && aggregate.input_order_mode() == &InputOrderMode::Linear
            && aggregate.limit_options().is_none()
            && !group_by.has_grouping_set()
            && GroupIds::numbers_quickly(&key_types)
            && aggregate.filter_expr().iter().all(Option::is_none)
            && aggregate
                .aggr_expr()
                .iter()
                .all(|a| a.groups_accumulator_supported() && a.order_bys().is_empty());
        if !replaces {
            return Ok(None);
        }
        // Key columns read by nothing else (no aggregate, no computed key) may come as
        // dictionaries.
        let computed_keys = (group_by.expr().iter())
            .map(|(key, _)| Arc::clone(key))
            .filter(|key| !key.is::<Column>());
        let read_elsewhere: Vec<usize> = (aggregate.aggr_expr().iter())
            .flat_map(|a| a.expressions())
            .chain(computed_keys)
            .flat_map(|e| collect_columns(&e))
            .map(|column| column.index())
            .collect();
        let keys: Vec<usize> = (group_by.expr().iter())
            .filter_map(|(key, _)| key.downcast_ref::<Column>())
            .map(Column::index)
            .filter(|index| !read_elsewhere.contains(index))
            .collect();
        let input = match reading_dictionaries(aggregate.input(), &keys, footers)? {
            Some(scan) => Input::Dictionaries(scan),
            None => Input::Same,
        };
        Ok(Some(Self {
            aggregate: aggregate.clone(),
            input,
        }))
    }

    fn input(&self) -> &Arc<dyn ExecutionPlan> {
        match &self.input {
            Input::Same => self.aggregate.input(),
            Input::Dictionaries(dictionaries) => &dictionaries.scan,
        }
    }

    /// Whether the step is a whole group-by, writing the aggregates' values rather than
    /// their states.
    fn is_single(&self) -> bool {
        self.aggregate.mode() == &AggregateMode::SinglePartitioned
    }
}

impl DisplayAs for AggregateStepExec {
    fn fmt_as(&self, _: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let keys: Vec<String> = (self.aggregate.group_expr().expr().iter())
            .map(|(key, name)| format!("{key} as {name}"))
            .collect();
        // As DataFusion shows them: `sum(x.v1) as v1`.
        let aggregates: Vec<String> = (self.aggregate.aggr_expr().iter())
            .map(|a| match (a.human_display(), a.human_display_alias()) {
                (Some(display), Some(alias)) => format!("{display} as {alias}"),
                (Some(display), None) => display.to_string(),
                (None, _) => a.name().to_string(),
            })
            .collect();
        write!(
            f,
            "{}: gby=[{}], aggr=[{}]",
            self.name(),
            keys.join(", "),
            aggregates.join(", ")
        )?;
        match &self.input {
            Input::Same => Ok(()),
            Input::Dictionaries(dictionaries) => {
                write!(f, ", dictionaries=[{}]", dictionaries.columns.join(", "))
            }
        }
    }
}

impl ExecutionPlan for AggregateStepExec {
    fn name(&self) -> &str {
        if self.is_single() {
            "SingleAggregateExec"
        } else {
            "PartialAggregateExec"
        }
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        self.aggregate.properties()
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![self.input()]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        self.aggregate.apply_expressions(f)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let [input] = <[_; 1]>::try_from(children)
            .map_err(|_| DataFusionError::Internal("one input".to_owned()))?;
        // A scan reading dictionaries stands in for the step's input, with other types.
        if let Input::Dictionaries(dictionaries) = &self.input
            && input.schema() == dictionaries.scan.schema()
        {
            return Ok(Arc::new(Self {
                aggregate: self.aggregate.clone(),
                input: Input::Dictionaries(DictionaryScan {
                    scan: input,
                    columns: dictionaries.columns.clone(),
                }),
            }));
        }
        let options = ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute);
        let aggregate = Arc::new(self.aggregate.clone()).replace_children(vec![input], options)?;
        match aggregate.downcast_ref::<AggregateExec>() {
            Some(aggregate) => Ok(Arc::new(Self {
                aggregate: aggregate.clone(),
                input: Input::Same,
            })),
            None => internal_err!("an aggregation with new inputs is still one"),
        }
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let input = self.input().execute(partition, Arc::clone(&context))?;
        let reservation = MemoryConsumer::new(format!("{}[{partition}]", self.name()))
            // A first step gives memory back by writing early; a whole group-by cannot.
            .with_can_spill(!self.is_single())
            .register(context.memory_pool());
        let partial = Partial {
            input,
            groups: Groups::new(&self.aggregate, reservation, self.is_single())?,
            schema: self.schema(),
            batch_size: context.session_config().batch_size(),
            finished: false,
        };
        let written = stream::try_unfold(partial, |mut partial| async move {
            let batches = partial.write_next().await?;
            Ok::<_, DataFusionError>(batches.map(|batches| (batches, partial)))
        })
        .map_ok(|batches| stream::iter(batches.into_iter().map(Ok)))
        .try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema(),
            written,
        )))
    }
}

/// The aggregation of one partition.
struct Partial {
    input: SendableRecordBatchStream,
    groups: Groups,
    schema: SchemaRef,
    batch_size: usize,
    /// Whether all the input has been read and its groups written.
    finished: bool,
}

impl Partial {
    /// Reads the input until its end or the groups' limit, and writes the groups read;
    /// `None` once all have been written.
    async fn write_next(&mut self) -> Result<Option<Vec<RecordBatch>>> {
        if self.finished {
            return Ok(None);
        }
        while let Some(batch) = self.input.next().await {
            if let Room::Full = self.groups.aggregate(&batch?)? {
                return self.groups.write(&self.schema, self.batch_size).map(Some);
            }
        }
        self.finished = true;
        self.groups.write(&self.schema, self.batch_size).map(Some)
    }
}

/// Whether the groups held may grow.
enum Room {
    Left,
    Full,
}

/// The groups of one partition, and their aggregates.
struct Groups {
    keys: Vec<Arc<dyn PhysicalExpr>>,
    groups: GroupIds,
    /// The group of each row of the batch being read.
    group_of: Vec<usize>,
    aggregates: Vec<Aggregate>,
    reservation: MemoryReservation,
    /// Whether these are all the groups' rows, so that the aggregates' values are written
    /// (once the input ends) rather than their states.
    single: bool,
}

/// One aggregate of each group.
struct Aggregate {
    /// Its value so far in each group.
    accumulator: Box<dyn GroupsAccumulator>,
    /// The expressions of its arguments.
    arguments: Vec<Arc<dyn PhysicalExpr>>,
}

impl Groups {
    fn new(
        aggregate: &AggregateExec,
        reservation: MemoryReservation,
        single: bool,
    ) -> Result<Self> {
        let input_schema = aggregate.input_schema();
        let (keys, key_types): (Vec<_>, Vec<_>) = (aggregate.group_expr().expr().iter())
            .map(|(key, _)| Ok((Arc::clone(key), key.data_type(&input_schema)?)))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        let aggregates = (aggregate.aggr_expr().iter())
            .map(|a| {
                Ok(Aggregate {
                    accumulator: a.create_groups_accumulator()?,
                    arguments: a.expressions(),
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            keys,
            groups: GroupIds::new(&key_types)?,
            group_of: Vec::new(),
            aggregates,
            reservation,
            single,
        })
    }

    /// Adds the rows of `batch` to their groups.
    fn aggregate(&mut self, batch: &RecordBatch) -> Result<Room> {
        let evaluate = |exprs: &[Arc<dyn PhysicalExpr>]| -> Result<Vec<ArrayRef>> {
            exprs
                .iter()
                .map(|e| e.evaluate(batch)?.into_array(batch.num_rows()))
                .collect()
        };
        self.groups
            .intern(&evaluate(&self.keys)?, &mut self.group_of)?;
        let groups = self.groups.len();
        for Aggregate {
            accumulator,
            arguments,
        } in &mut self.aggregates
        {
            accumulator.update_batch(&evaluate(arguments)?, &self.group_of, None, groups)?;
        }
        let size = self.groups.size()
            + self.group_of.capacity() * size_of::<usize>()
            + (self.aggregates.iter())
                .map(|a| a.accumulator.size())
                .sum::<usize>();
        if self.single {
            // A whole group-by cannot write a part of a group: refused memory is an error.
            self.reservation.try_resize(size)?;
        } else if groups >= EMIT_AFTER_GROUPS || self.reservation.try_resize(size).is_err() {
            return Ok(Room::Full);
        }
        Ok(Room::Left)
    }

    /// The groups' keys and their aggregates' states (or values, for a whole group-by) as
    /// batches of at most `batch_size` rows; the groups start again with none.
    fn write(&mut self, schema: &SchemaRef, batch_size: usize) -> Result<Vec<RecordBatch>> {
        let mut columns = self.groups.emit()?;
        for aggregate in &mut self.aggregates {
            if self.single {
                columns.push(aggregate.accumulator.evaluate(EmitTo::All)?);
            } else {
                columns.extend(aggregate.accumulator.state(EmitTo::All)?);
            }
        }
        self.reservation.free();
        let batch = RecordBatch::try_new(Arc::clone(schema), columns)?;
        Ok((0..batch.num_rows())
            .step_by(batch_size.max(1))
            .map(|at| batch.slice(at, batch_size.min(batch.num_rows() - at)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use arrow::array::{AsArray, Int64Array};
    use arrow::datatypes::{DataType, Field, Int64Type, Schema};
    use datafusion::datasource::MemTable;
    use datafusion::execution::SessionStateBuilder;
    use datafusion::execution::runtime_env::RuntimeEnvBuilder;
    use datafusion::physical_plan::ExecutionPlanProperties;
    use datafusion::physical_plan::common::collect;
    use datafusion::prelude::{SessionConfig, SessionContext};

    use super::*;

    /// The first step of the group-by in `plan`.
    fn partial_step(plan: &Arc<dyn ExecutionPlan>) -> Option<Arc<dyn ExecutionPlan>> {
        if plan.downcast_ref::<AggregateStepExec>().is_some() {
            return Some(Arc::clone(plan));
        }
        plan.children().into_iter().find_map(partial_step)
    }

    /// When the memory pool refuses it more, the step writes the groups it holds and starts
    /// again, so that a key may come out more than once: the parts must add up to the key's
    /// total (the final step adds them).
    #[test]
    fn writes_early_when_memory_is_refused_and_the_parts_add_up() {
        const GROUPS: i64 = 200_000;
        const ROWS: i64 = 3 * GROUPS;
        let schema = Arc::new(Schema::new(vec![
            Field::new("k", DataType::Int64, false),
            Field::new("v", DataType::Int64, false),
        ]));
        // Keys spread over the rows, so that each comes back after many others.
        let batches: Vec<RecordBatch> = (0..ROWS)
            .step_by(8192)
            .map(|start| {
                let rows = start..(start + 8192).min(ROWS);
                let keys = Int64Array::from_iter_values(rows.clone().map(|i| i * 7919 % GROUPS));
                let values = Int64Array::from_iter_values(rows);
                RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(keys), Arc::new(values)])
                    .unwrap()
            })
            .collect();
        let table = MemTable::try_new(Arc::clone(&schema), vec![batches]).unwrap();
        // 2 MiB: less than the 200,000 groups' numbers and sums need.
        let env = RuntimeEnvBuilder::new()
            .with_memory_limit(2 << 20, 1.0)
            .build_arc()
            .unwrap();
        let footers = env.cache_manager.get_file_metadata_cache();
        let state = SessionStateBuilder::new()
            .with_config(SessionConfig::new().with_target_partitions(2))
            .with_runtime_env(env)
            .with_default_features()
            .with_physical_optimizer_rule(Arc::new(UsePartialAggregate::new(footers, true)))
            .build();
        let ctx = SessionContext::new_with_state(state);
        ctx.register_table("t", Arc::new(table)).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (written, sums) = runtime.block_on(async {
            let plan = ctx
                .sql("SELECT k, sum(v) FROM t GROUP BY k")
                .await
                .unwrap()
                .create_physical_plan()
                .await
                .unwrap();
            let partial = partial_step(&plan).expect("a PartialAggregateExec in the plan");
            let mut written = 0;
            let mut sums: HashMap<i64, i64> = HashMap::new();
            for partition in 0..partial.output_partitioning().partition_count() {
                let stream = partial.execute(partition, ctx.task_ctx()).unwrap();
                for batch in collect(stream).await.unwrap() {
                    written += batch.num_rows();
                    let keys = batch.column(0).as_primitive::<Int64Type>();
                    let parts = batch.column(1).as_primitive::<Int64Type>();
                    for (key, part) in keys.values().iter().zip(parts.values()) {
                        *sums.entry(*key).or_default() += part;
                    }
                }
            }
            (written, sums)
        });
        // Without writing early, each of the two partitions writes each key at most once.
        assert!(
            written > 2 * GROUPS as usize,
            "{written} rows written for {GROUPS} keys: the step never wrote early"
        );
        let mut want: HashMap<i64, i64> = HashMap::new();
        for i in 0..ROWS {
            *want.entry(i * 7919 % GROUPS).or_default() += i;
        }
        assert_eq!(sums, want);
    }
}
