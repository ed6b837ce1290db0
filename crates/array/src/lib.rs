//! Chunked n-d arrays computed lazily as task graphs: the part of Dask that scales numpy.
//!
//! An [`Array`] is a shape, an element type ([`DType`]: bool, signed and unsigned integers of
//! 8 to 64 bits, float32, float64), [`Chunks`] (explicit block lengths per axis, dask's model)
//! and the operation that makes its blocks. Operations build a bigger array without computing anything; `compute`
//! lowers the whole thing to a [`blaze_tasks::Graph`] of one task per block and runs it on a
//! scheduler, which frees each block as soon as nothing needs it. Chains of element-wise steps
//! fuse into one task per block that makes one pass over its memory; reductions are trees;
//! slicing and transposing are views.
//!
//! This crate owns chunked arrays on `blaze-tasks`: creation, element-wise math, reductions,
//! slicing, linear algebra, rechunking and storage (`.npy`, Zarr v2/v3, HDF5); it never holds
//! a whole array in memory unless asked to.
//!
//! ```
//! use blaze_array::{Array, DType};
//!
//! let x = Array::ones(&[1000, 1000], DType::Float64, 250).unwrap();
//! let y = x.add(1.0).unwrap().mul(&x.t()).unwrap().sum(Some(&[1]), false).unwrap();
//! let out = y.compute().unwrap();
//! assert_eq!(out.shape(), &[1000]);
//! assert!(out.as_array::<f64>().unwrap().iter().all(|&v| v == 2000.0));
//! ```

mod array;
mod block;
mod chunks;
mod concat;
mod create;
mod cumulative;
mod dtype;
mod elementwise;
mod error;
mod hdf5;
mod index;
mod linalg;
mod lower;
mod map_blocks;
mod mask;
pub mod memory;
mod npy;
mod read_ahead;
mod rechunk;
mod reduce;
mod reshape;
mod reuse;
mod store;
mod zarr;
mod zarr_direct;

pub use array::{Array, BlockFn, Source};
pub use block::Block;
pub use chunks::{ChunkSpec, Chunks};
pub use concat::{concatenate, stack};
pub use dtype::{DType, Element, Scalar};
pub use elementwise::{BinaryOp, Operand, UnaryOp, binary, where_};
pub use error::{Error, Result};
pub use hdf5::hdf5_datasets;
pub use index::Index;
pub use npy::{NpyHeader, NpyWriter, read_npy_header};
pub use reduce::Reduction;
pub use zarr::zarr_arrays;
/// The storage interface of zarrs, for reading Zarr stores kept elsewhere than in a directory
/// (see [`Array::from_zarr_storage`]).
pub use zarrs::storage as zarr_storage;
