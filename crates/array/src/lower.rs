//! Lowering: an array's operations become tasks of a [`blaze_tasks::Graph`], one per block,
//! keyed `(name, i, j, …)` as dask keys blocks.

use std::collections::HashMap;
use std::sync::Arc;

use blaze_tasks::{BoxError, Graph, Inputs, Key};

use crate::array::Op;
use crate::reduce::Partial;
use crate::{Array, Block, Error, Result};

/// A value in an array's task graph: a block, the partial state of a reduction, or nothing (a
/// block written to storage).
#[derive(Debug)]
pub(crate) enum Value {
    Block(Block),
    Partial(Partial),
    Done,
}

impl Value {
    pub(crate) fn block(&self) -> Result<&Block> {
        match self {
            Value::Block(b) => Ok(b),
            Value::Partial(_) | Value::Done => Err(Error::Internal(
                "a task expected a block and got another value".into(),
            )),
        }
    }

    pub(crate) fn partial(&self) -> Result<&Partial> {
        match self {
            Value::Partial(p) => Ok(p),
            Value::Block(_) | Value::Done => Err(Error::Internal(
                "a task expected a partial reduction".into(),
            )),
        }
    }
}

/// The key of block `index` of the array named `name`.
pub(crate) fn key(name: &Arc<str>, index: &[usize]) -> Key {
    Key::new(
        Arc::clone(name),
        index.iter().map(|&i| i as i64).collect::<Vec<_>>(),
    )
}

/// The blocks of the inputs of a task, in argument order.
pub(crate) fn blocks<'a>(inputs: &Inputs<'a, Value>) -> Result<Vec<&'a Block>, BoxError> {
    inputs
        .iter()
        .map(|v| v.block().map_err(Into::into))
        .collect()
}

/// Builds the graph of one or more arrays, each operation lowered once however often it is used.
#[derive(Default)]
pub(crate) struct Lower {
    pub(crate) graph: Graph<Value>,
    names: HashMap<u64, Arc<str>>,
}

impl Lower {
    /// The graph computing every block of `array`, linear chains fused, and the keys of its
    /// blocks in C order.
    pub(crate) fn graph(array: &Array) -> Result<(Graph<Value>, Vec<Key>)> {
        let mut lower = Lower::default();
        let name = lower.array(array)?;
        let keys: Vec<Key> = array
            .chunks()
            .indices()
            .iter()
            .map(|i| key(&name, i))
            .collect();
        let graph = lower.graph.fuse_linear(&keys);
        Ok((graph, keys))
    }

    /// Whether the tasks of `array` have been added.
    pub(crate) fn has(&self, array: &Array) -> bool {
        self.names.contains_key(&array.0.id)
    }

    /// Adds the tasks of `array` (and of everything it needs) and returns its name.
    pub(crate) fn array(&mut self, array: &Array) -> Result<Arc<str>> {
        if let Some(name) = self.names.get(&array.0.id) {
            return Ok(Arc::clone(name));
        }
        let op_name = match &array.0.op {
            Op::Source(s) => s.name().to_string(),
            Op::Elementwise { .. } => "elementwise".into(),
            Op::Reduce(r) => r.name().into(),
            Op::Index(_) => "getitem".into(),
            Op::Transpose { .. } => "transpose".into(),
            Op::Rechunk { .. } => "rechunk".into(),
            Op::Concat { .. } => "concatenate".into(),
            Op::Reshape { .. } => "reshape".into(),
            Op::Tensordot(_) => "tensordot".into(),
            Op::Cumulative(c) => c.name().into(),
            Op::MapBlocks { name, .. } => name.clone(),
            Op::Mask { .. } => "mask".into(),
        };
        let name: Arc<str> = format!("{op_name}-{}", array.0.id).into();
        match &array.0.op {
            Op::Source(source) => {
                for index in array.chunks().indices() {
                    let ranges = array.chunks().ranges(&index);
                    let source = Arc::clone(source);
                    self.graph
                        .insert_task(key(&name, &index), Vec::<Key>::new(), move |_| {
                            Ok(Value::Block(source.read(&ranges)?))
                        });
                }
            }
            Op::Elementwise { inputs, expr } => {
                crate::elementwise::lower(self, array, &name, inputs, expr)?;
            }
            Op::Reduce(r) => r.lower(self, array, &name)?,
            Op::Index(plan) => plan.lower(self, &name)?,
            Op::Transpose { input, perm } => {
                crate::reshape::lower_transpose(self, array, &name, input, perm)?;
            }
            Op::Rechunk { input } => crate::rechunk::lower(self, array, &name, input)?,
            Op::Concat { inputs, axis } => {
                crate::concat::lower(self, array, &name, inputs, *axis)?;
            }
            Op::Reshape { input } => crate::reshape::lower_reshape(self, array, &name, input)?,
            Op::Tensordot(t) => t.lower(self, array, &name)?,
            Op::Cumulative(c) => c.lower(self, array, &name)?,
            Op::MapBlocks { input, func, .. } => {
                crate::map_blocks::lower(self, array, &name, input, func)?;
            }
            Op::Mask { input, mask } => crate::mask::lower(self, array, &name, input, mask)?,
        }
        self.names.insert(array.0.id, Arc::clone(&name));
        Ok(name)
    }
}
