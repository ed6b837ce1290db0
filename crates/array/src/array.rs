//! The lazy chunked array: a shape, an element type, chunks, and the operation that makes its
//! blocks. Nothing is computed until [`Array::compute`] or a store.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use blaze_tasks::{BoxError, Scheduler};

use crate::cumulative::Cumulative;
use crate::elementwise::Expr;
use crate::index::IndexPlan;
use crate::linalg::Tensordot;
use crate::lower::Lower;
use crate::reduce::Reduce;
use crate::{Block, Chunks, DType, Result};

/// Makes the block at `ranges` (element ranges per axis) of an array that has no inputs: an
/// in-memory array, a file, a generator such as `zeros` or `random`.
pub trait Source: Send + Sync {
    /// A short name for the tasks that read it (`from-ndarray`, `npy`, `zeros`).
    fn name(&self) -> &str;
    /// The block covering `ranges`.
    fn read(&self, ranges: &[Range<usize>]) -> Result<Block, BoxError>;
}

/// A user's function of one block, for [`Array::map_blocks`].
pub type BlockFn = Arc<dyn Fn(&Block) -> Result<Block, BoxError> + Send + Sync>;

/// What makes an array's blocks.
pub(crate) enum Op {
    Source(Arc<dyn Source>),
    Elementwise {
        inputs: Vec<Array>,
        expr: Arc<Expr>,
    },
    Reduce(Reduce),
    Index(IndexPlan),
    Transpose {
        input: Array,
        perm: Vec<usize>,
    },
    Rechunk {
        input: Array,
    },
    Concat {
        inputs: Vec<Array>,
        axis: usize,
    },
    Reshape {
        input: Array,
    },
    Tensordot(Tensordot),
    Cumulative(Cumulative),
    MapBlocks {
        input: Array,
        func: BlockFn,
        name: String,
    },
    /// The elements of a 1-d array where a boolean mask with the same chunks is true.
    Mask {
        input: Array,
        mask: Array,
    },
}

pub(crate) struct Node {
    pub(crate) id: u64,
    pub(crate) dtype: DType,
    pub(crate) chunks: Chunks,
    pub(crate) op: Op,
}

/// A chunked n-d array computed lazily: each block is a task of a graph that runs on
/// [`blaze_tasks`]' schedulers. Cheap to clone (the graph behind it is shared).
///
/// ```
/// use blaze_array::{Array, ChunkSpec, DType};
///
/// let x = Array::arange(0.0, 12.0, 1.0, DType::Float64, 5).unwrap().reshape(&[3, 4]).unwrap();
/// let y = x.add(1.0).unwrap().sum(Some(&[0]), false).unwrap();
/// let out = y.compute().unwrap();
/// assert_eq!(out.as_array::<f64>().unwrap().as_slice().unwrap(), &[15.0, 18.0, 21.0, 24.0]);
/// ```
#[derive(Clone)]
pub struct Array(pub(crate) Arc<Node>);

impl fmt::Debug for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Array<shape={}, dtype={}, chunksize={}>",
            crate::error::shape_text(&self.shape()),
            self.dtype(),
            crate::error::shape_text(&self.chunksize())
        )
    }
}

impl Array {
    pub(crate) fn from_op(dtype: DType, chunks: Chunks, op: Op) -> Array {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Array(Arc::new(Node {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            dtype,
            chunks,
            op,
        }))
    }

    /// An array whose blocks `source` reads.
    pub fn from_source(source: Arc<dyn Source>, dtype: DType, chunks: Chunks) -> Array {
        Array::from_op(dtype, chunks, Op::Source(source))
    }

    /// The length of each axis.
    pub fn shape(&self) -> Vec<usize> {
        self.0.chunks.shape()
    }

    /// The number of dimensions.
    pub fn ndim(&self) -> usize {
        self.0.chunks.ndim()
    }

    /// The number of elements.
    pub fn size(&self) -> usize {
        self.shape().iter().product()
    }

    /// The size in bytes.
    pub fn nbytes(&self) -> usize {
        self.size() * self.0.dtype.size()
    }

    /// The element type.
    pub fn dtype(&self) -> DType {
        self.0.dtype
    }

    /// How the array is cut into blocks.
    pub fn chunks(&self) -> &Chunks {
        &self.0.chunks
    }

    /// The shape of the largest block (the first one along each axis).
    pub fn chunksize(&self) -> Vec<usize> {
        self.0
            .chunks
            .dims()
            .iter()
            .map(|d| d.iter().copied().max().unwrap_or(0))
            .collect()
    }

    /// The array's datashape: `1000 * 1000 * float64`.
    pub fn datashape(&self) -> String {
        let mut s: String = self.shape().iter().map(|n| format!("{n} * ")).collect();
        s.push_str(self.dtype().name());
        s
    }

    /// The number of tasks computing this array takes (after fusing linear chains).
    pub fn task_count(&self) -> Result<usize> {
        let (graph, _) = Lower::graph(self)?;
        Ok(graph.len())
    }

    /// The task graph behind the array in Graphviz's DOT language.
    pub fn to_dot(&self) -> Result<String> {
        let (graph, _) = Lower::graph(self)?;
        Ok(graph.to_dot())
    }

    /// Computes the whole array with the threaded scheduler and returns it as one block.
    pub fn compute(&self) -> Result<Block> {
        self.compute_with(&Scheduler::threaded())
    }

    /// Computes the whole array with `scheduler` (which may carry a progress bar or a
    /// profiler) and returns it as one block.
    pub fn compute_with(&self, scheduler: &Scheduler<'_>) -> Result<Block> {
        let (graph, keys) = Lower::graph(self)?;
        let values = scheduler.get(&graph, &keys)?;
        drop(graph);
        let chunks = &self.0.chunks;
        let indices = chunks.indices();
        if let [only] = values.as_slice() {
            return Ok(only.block()?.clone());
        }
        let mut parts = Vec::with_capacity(values.len());
        for (index, value) in indices.iter().zip(&values) {
            let offset = chunks.ranges(index).iter().map(|r| r.start).collect();
            parts.push((offset, value.block()?));
        }
        Block::assemble(self.dtype(), &self.shape(), &parts)
    }
}
