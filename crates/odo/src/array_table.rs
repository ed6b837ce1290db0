//! N-d arrays as tables, and tables as arrays, both streamed a block of rows at a time.
//!
//! - A 1-d array is a table of one column; a 2-d array has one column per column of the array.
//!   The columns are named `f0`, `f1`, … as numpy names the fields of an unnamed record; a 0-d
//!   array (a scalar) is one row.
//! - A table of numeric or boolean columns is a 2-d array (rows × columns) of the columns'
//!   common type, as pandas' `to_numpy` makes it; a table of one column is a 1-d array. A
//!   missing value becomes NaN in a float array and is an error in any other, naming the
//!   column and the row: a value is never invented.
//! - A table with text columns written to a `.npy` file becomes a numpy record array, a field
//!   per column ([`crate::npy_records`]).

use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    Array as _, ArrayRef, ArrowPrimitiveType, AsArray, BooleanArray, PrimitiveArray, RecordBatch,
};
use arrow::compute::{CastOptions, cast_with_options};
use arrow::datatypes::{
    DataType, Field, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, Schema,
    UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use blaze_array::{Array, Block, ChunkSpec, DType, Element, Index, NpyWriter};
use blaze_datashape::{DataShape, Dim};
use ndarray::{ArcArray, ArrayD, Axis, IxDyn};

use crate::array::{ArrayFormat, Location, array_error};
use crate::source::{BatchSource, DEFAULT_BATCH_ROWS};
use crate::{Error, Result};

/// The name of column `i` of an array read as a table.
fn column_name(i: usize) -> String {
    format!("f{i}")
}

fn arrow_type(dtype: DType) -> DataType {
    match dtype {
        DType::Bool => DataType::Boolean,
        DType::Int8 => DataType::Int8,
        DType::UInt8 => DataType::UInt8,
        DType::Int16 => DataType::Int16,
        DType::UInt16 => DataType::UInt16,
        DType::Int32 => DataType::Int32,
        DType::UInt32 => DataType::UInt32,
        DType::Int64 => DataType::Int64,
        DType::UInt64 => DataType::UInt64,
        DType::Float32 => DataType::Float32,
        DType::Float64 => DataType::Float64,
    }
}

/// The array element type that holds a column of `data_type` without loss, if any.
fn element_type(data_type: &DataType) -> Option<DType> {
    Some(match data_type {
        DataType::Boolean => DType::Bool,
        DataType::Int8 => DType::Int8,
        DataType::UInt8 => DType::UInt8,
        DataType::Int16 => DType::Int16,
        DataType::UInt16 => DType::UInt16,
        DataType::Int32 => DType::Int32,
        DataType::UInt32 => DType::UInt32,
        DataType::Int64 => DType::Int64,
        DataType::UInt64 => DType::UInt64,
        DataType::Float16 | DataType::Float32 => DType::Float32,
        DataType::Float64 | DataType::Decimal128(..) | DataType::Decimal256(..) => DType::Float64,
        _ => return None,
    })
}

/// Reads `array` (named `what` in errors) as a table: one block of rows is computed when the
/// reader reaches it, so an array larger than memory streams.
pub fn array_as_table(array: &Array, what: &str) -> Result<BatchSource> {
    let array = match array.ndim() {
        0 => array.reshape(&[1]).map_err(|e| array_error(what, e))?,
        1 | 2 => array.clone(),
        n => {
            return Err(Error::InvalidOption(format!(
                "{what} is a {n}-d array ({}); a table holds arrays of one or two dimensions, so index or reshape it first",
                array.datashape()
            )));
        }
    };
    let shape = array.shape();
    let columns = shape.get(1).copied().unwrap_or(1);
    let schema = Arc::new(Schema::new(
        (0..columns)
            .map(|i| Field::new(column_name(i), arrow_type(array.dtype()), false))
            .collect::<Vec<_>>(),
    ));
    let datashape = table_datashape(&schema, shape[0], Path::new(what))?;
    let slabs: Vec<[usize; 2]> = array
        .chunks()
        .bounds(0)
        .windows(2)
        .map(|w| [w[0], w[1]])
        .collect();
    let what = what.to_owned();
    let batch_schema = Arc::clone(&schema);
    let batches = slabs
        .into_iter()
        .map(move |rows| -> Result<Vec<RecordBatch>> {
            let slab = array
                .index(&[Index::Slice {
                    start: Some(rows[0] as i64),
                    stop: Some(rows[1] as i64),
                    step: 1,
                }])
                .and_then(|slab| slab.compute_with(&blaze_tasks::Scheduler::threaded()))
                .map_err(|e| array_error(&what, e))?;
            let batch = RecordBatch::try_new(Arc::clone(&batch_schema), block_columns(&slab))
                .map_err(|e| Error::InvalidOption(format!("{what}: {e}")))?;
            Ok((0..batch.num_rows())
                .step_by(DEFAULT_BATCH_ROWS)
                .map(|at| batch.slice(at, DEFAULT_BATCH_ROWS.min(batch.num_rows() - at)))
                .collect())
        })
        .flat_map(|slab| match slab {
            Ok(batches) => batches.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => vec![Err(e)],
        });
    Ok(BatchSource {
        datashape,
        schema,
        batches: Box::new(batches),
    })
}

/// The datashape of `rows` rows of `schema`: `rows * {f0: T, ...}`; errors name `what`.
pub(crate) fn table_datashape(schema: &Schema, rows: usize, what: &Path) -> Result<DataShape> {
    let datashape_error = |source| Error::Datashape {
        path: what.to_path_buf(),
        source,
    };
    let (_, measure) = blaze_datashape::arrow::from_arrow_schema(schema)
        .map_err(datashape_error)?
        .into_parts();
    DataShape::new(vec![Dim::Fixed(rows as u64)], measure).map_err(datashape_error)
}

/// The columns of a block of one or two dimensions.
fn block_columns(block: &Block) -> Vec<ArrayRef> {
    match block {
        Block::Bool(a) => columns_of(a, |values| Arc::new(BooleanArray::from(values))),
        Block::Int8(a) => columns_of(a, primitive::<Int8Type>),
        Block::UInt8(a) => columns_of(a, primitive::<UInt8Type>),
        Block::Int16(a) => columns_of(a, primitive::<Int16Type>),
        Block::UInt16(a) => columns_of(a, primitive::<UInt16Type>),
        Block::Int32(a) => columns_of(a, primitive::<Int32Type>),
        Block::UInt32(a) => columns_of(a, primitive::<UInt32Type>),
        Block::Int64(a) => columns_of(a, primitive::<Int64Type>),
        Block::UInt64(a) => columns_of(a, primitive::<UInt64Type>),
        Block::Float32(a) => columns_of(a, primitive::<Float32Type>),
        Block::Float64(a) => columns_of(a, primitive::<Float64Type>),
    }
}

fn primitive<P: ArrowPrimitiveType>(values: Vec<P::Native>) -> ArrayRef {
    Arc::new(PrimitiveArray::<P>::from_iter_values(values))
}

fn columns_of<T: Copy>(
    a: &ArcArray<T, IxDyn>,
    column: impl Fn(Vec<T>) -> ArrayRef,
) -> Vec<ArrayRef> {
    if a.ndim() == 1 {
        return vec![column(a.iter().copied().collect())];
    }
    a.axis_iter(Axis(1))
        .map(|c| column(c.iter().copied().collect()))
        .collect()
}

/// Whether a table of these columns goes into a `.npy` file as a numpy record array: it has
/// columns other than numbers and booleans, which an n-d array cannot hold.
pub(crate) fn holds_records(schema: &Schema) -> bool {
    !schema
        .fields()
        .iter()
        .all(|f| element_type(f.data_type()).is_some())
}

/// Writes a table into the array resource at `to`, a block of rows at a time; returns the
/// rows written. A `.npy` file is written directly; a Zarr store or HDF5 dataset is stored
/// from a temporary `.npy` file beside it, since their shapes are fixed when they are created.
pub(crate) fn write_table(
    schema: &Schema,
    batches: impl Iterator<Item = Result<RecordBatch>>,
    to: Location<'_>,
    chunks: Option<&ChunkSpec>,
    progress: &dyn Fn(u64),
) -> Result<u64> {
    if to.format == ArrayFormat::Npy && holds_records(schema) {
        return crate::npy_records::write(schema, batches, to.path, progress);
    }
    let dtype = common_type(schema, to.path)?;
    let trailing: &[usize] = match schema.fields().len() {
        1 => &[],
        n => &[n],
    };
    let shape_error = |e| array_error(to.path.display(), e);
    if to.format == ArrayFormat::Npy {
        let mut writer = NpyWriter::create(to.path, dtype, trailing).map_err(shape_error)?;
        append_all(to.path, &mut writer, schema, dtype, batches, progress)?;
        let rows = writer.rows() as u64;
        writer.finish().map_err(shape_error)?;
        return Ok(rows);
    }
    let parent = match to.path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let staging = tempfile::Builder::new()
        .prefix(".blaze-table.")
        .tempdir_in(parent)
        .map_err(|source| Error::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    let npy = staging.path().join("table.npy");
    let mut writer = NpyWriter::create(&npy, dtype, trailing).map_err(shape_error)?;
    append_all(to.path, &mut writer, schema, dtype, batches, progress)?;
    let rows = writer.rows() as u64;
    writer.finish().map_err(shape_error)?;
    let staged = Location {
        path: &npy,
        format: ArrayFormat::Npy,
        node: None,
    };
    to.store(&staged.open()?, chunks, &blaze_tasks::Scheduler::threaded())?;
    Ok(rows)
}

fn append_all(
    path: &Path,
    writer: &mut NpyWriter,
    schema: &Schema,
    dtype: DType,
    batches: impl Iterator<Item = Result<RecordBatch>>,
    progress: &dyn Fn(u64),
) -> Result<()> {
    for batch in batches {
        let batch = batch?;
        let first_row = writer.rows();
        let block = batch_block(&batch, schema, dtype, first_row)
            .map_err(|message| Error::InvalidOption(format!("{}: {message}", path.display())))?;
        writer
            .append(&block)
            .map_err(|e| array_error(path.display(), e))?;
        progress(writer.rows() as u64);
    }
    Ok(())
}

/// The one element type that holds every column, or an error naming a column that is not a
/// number or a boolean.
fn common_type(schema: &Schema, path: &Path) -> Result<DType> {
    let mut common: Option<DType> = None;
    for field in schema.fields() {
        let dtype = element_type(field.data_type()).ok_or_else(|| {
            let ty = blaze_datashape::arrow::from_arrow_type(field.data_type())
                .map_or_else(|_| field.data_type().to_string(), |d| d.to_string());
            Error::InvalidOption(format!(
                "{}: column '{}' is {ty}; only numeric and boolean columns become an n-d array (select those, write a .npy file, which holds text as a record array, or write a table format such as .parquet)",
                path.display(),
                field.name(),
            ))
        })?;
        common = Some(common.map_or(dtype, |c| DType::promote(c, dtype)));
    }
    common.ok_or_else(|| {
        Error::InvalidOption(format!(
            "{}: a table without columns has no array",
            path.display()
        ))
    })
}

/// The rows of `batch` as a block of `dtype`: 1-d for one column, else rows × columns.
/// `first_row` (the rows before this batch) places errors.
fn batch_block(
    batch: &RecordBatch,
    schema: &Schema,
    dtype: DType,
    first_row: usize,
) -> Result<Block, String> {
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| {
            let cast = cast_with_options(
                column,
                &arrow_type(dtype),
                &CastOptions {
                    safe: false,
                    ..Default::default()
                },
            )
            .map_err(|e| format!("column '{}' does not fit the array's element type {dtype}: {e}", field.name()))?;
            if let Some(row) = (0..cast.len()).find(|&i| cast.is_null(i))
                && !dtype.is_float()
            {
                return Err(format!(
                    "column '{}' is missing a value in row {} of the table, which an array of {dtype} cannot hold (fill the missing values first, or read the column as float64, e.g. with --dshape)",
                    field.name(),
                    first_row + row + 1
                ));
            }
            Ok(cast)
        })
        .collect::<Result<Vec<_>, String>>()?;
    let rows = batch.num_rows();
    let shape = if columns.len() == 1 {
        vec![rows]
    } else {
        vec![rows, columns.len()]
    };
    match dtype {
        DType::Bool => block(&shape, interleave_bool(&columns, rows)),
        DType::Int8 => block(&shape, interleave::<Int8Type>(&columns, rows, 0)),
        DType::UInt8 => block(&shape, interleave::<UInt8Type>(&columns, rows, 0)),
        DType::Int16 => block(&shape, interleave::<Int16Type>(&columns, rows, 0)),
        DType::UInt16 => block(&shape, interleave::<UInt16Type>(&columns, rows, 0)),
        DType::Int32 => block(&shape, interleave::<Int32Type>(&columns, rows, 0)),
        DType::UInt32 => block(&shape, interleave::<UInt32Type>(&columns, rows, 0)),
        DType::Int64 => block(&shape, interleave::<Int64Type>(&columns, rows, 0)),
        DType::UInt64 => block(&shape, interleave::<UInt64Type>(&columns, rows, 0)),
        DType::Float32 => block(&shape, interleave::<Float32Type>(&columns, rows, f32::NAN)),
        DType::Float64 => block(&shape, interleave::<Float64Type>(&columns, rows, f64::NAN)),
    }
}

fn block<T: Element>(shape: &[usize], values: Vec<T>) -> Result<Block, String> {
    let array =
        ArrayD::from_shape_vec(IxDyn(shape), values).map_err(|e| format!("rows × columns: {e}"))?;
    Ok(Block::new(array))
}

/// The columns' values in row-major order, `missing` where a value is null.
fn interleave<P: ArrowPrimitiveType>(
    columns: &[ArrayRef],
    rows: usize,
    missing: P::Native,
) -> Vec<P::Native> {
    let k = columns.len();
    let mut out = vec![P::Native::default(); rows * k];
    for (j, column) in columns.iter().enumerate() {
        let column = column.as_primitive::<P>();
        let slots = out.iter_mut().skip(j).step_by(k);
        match column.nulls().filter(|n| n.null_count() > 0) {
            None => slots.zip(column.values()).for_each(|(s, &v)| *s = v),
            Some(nulls) => slots
                .zip(column.values())
                .zip(nulls.iter())
                .for_each(|((s, &v), valid)| *s = if valid { v } else { missing }),
        }
    }
    out
}

fn interleave_bool(columns: &[ArrayRef], rows: usize) -> Vec<bool> {
    let k = columns.len();
    let mut out = vec![false; rows * k];
    for (j, column) in columns.iter().enumerate() {
        let values = column.as_boolean().values();
        for (slot, v) in out.iter_mut().skip(j).step_by(k).zip(values.iter()) {
            *slot = v;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use arrow::array::Int64Array;

    use super::*;

    #[test]
    fn an_arrays_row_blocks_stream_as_batches_in_order() {
        let values = ArrayD::from_shape_vec(IxDyn(&[7, 2]), (0i64..14).collect()).unwrap();
        let array = Array::from_ndarray(values, vec![vec![3, 3, 1], vec![1, 1]]).unwrap();
        let table = array_as_table(&array, "x").unwrap();
        assert_eq!(table.datashape.to_string(), "7 * {f0: int64, f1: int64}");
        let batches: Vec<RecordBatch> = table.batches.map(Result::unwrap).collect();
        assert_eq!(batches.len(), 3, "one batch per block of rows");
        let column = |j: usize| -> Vec<i64> {
            batches
                .iter()
                .flat_map(|b| b.column(j).as_primitive::<Int64Type>().values().to_vec())
                .collect()
        };
        assert_eq!(column(0), [0, 2, 4, 6, 8, 10, 12]);
        assert_eq!(column(1), [1, 3, 5, 7, 9, 11, 13]);
    }

    #[test]
    fn columns_interleave_into_rows_with_their_common_type() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Int64, false),
            Field::new("b", DataType::Float32, true),
        ]));
        let batch = RecordBatch::try_new(
            Arc::clone(&schema),
            vec![
                Arc::new(Int64Array::from(vec![1, 2])),
                Arc::new(PrimitiveArray::<Float32Type>::from(vec![Some(0.5), None])),
            ],
        )
        .unwrap();
        let dtype = common_type(&schema, Path::new("t.npy")).unwrap();
        assert_eq!(dtype, DType::Float64);
        let block = batch_block(&batch, &schema, dtype, 0).unwrap();
        let values = block.as_array::<f64>().unwrap();
        assert_eq!(values.shape(), [2, 2]);
        assert_eq!(values[[0, 0]], 1.0);
        assert_eq!(values[[0, 1]], 0.5);
        assert_eq!(values[[1, 0]], 2.0);
        assert!(values[[1, 1]].is_nan());
    }
}
