//! `blaze query` over n-d arrays: the result is computed as a blaze-array task graph (with a
//! progress bar on a terminal) and printed as nested lists, or stored block by block with
//! `--into out.npy` (or `out.zarr`, `out.h5::/x`); a 1-d or 2-d result goes `--into` a table
//! target (`out.csv`, `db.sqlite::t`, …) a block of rows at a time, columns `f0`, `f1`, ….

use std::io::Write;
use std::path::Path;

use blaze_array::{Array, ChunkSpec, Index};
use blaze_expr::Expr;
use blaze_tasks::{Profiler, ProgressBar, Scheduler};
use serde_json::{Value, json};

use crate::commands::query::QueryFormat;
use crate::output::Failure;

/// What to do with an array result.
pub(crate) struct ArrayOutput<'a> {
    pub(crate) format: QueryFormat,
    pub(crate) limit: Option<u64>,
    pub(crate) into: Option<&'a str>,
    pub(crate) if_exists: blaze_odo::IfExists,
    pub(crate) explain: bool,
    /// The user's memory limit (`--memory-limit`), if any.
    pub(crate) memory_limit: Option<u64>,
    /// Where to write a Chrome trace of the tasks run (`--profile`).
    pub(crate) profile: Option<&'a Path>,
    /// Where to write the task graph in DOT (`--graph`).
    pub(crate) graph: Option<&'a Path>,
    /// The chunks of the array stored `--into` a Zarr store or an HDF5 dataset (`--chunks`).
    pub(crate) chunks: Option<&'a ChunkSpec>,
}

fn failed(e: impl std::fmt::Display) -> Failure {
    Failure::failed(e)
}

/// Computes `array` (the value of `expr`) as `output` says.
pub(crate) fn run(expr: &Expr, array: &Array, output: &ArrayOutput<'_>) -> Result<(), Failure> {
    if let Some(path) = output.graph {
        let dot = array.to_dot().map_err(failed)?;
        write_file(path, dot.as_bytes())?;
    }
    let profiler = Profiler::new();
    let computed = compute(expr, array, output, &profiler)?;
    if let (Some(path), true) = (output.profile, computed) {
        let trace = serde_json::to_vec(&profiler.chrome_trace()).map_err(failed)?;
        write_file(path, &trace)?;
    }
    Ok(())
}

/// `bytes` written to the file at `path`, which is named if that fails.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    std::fs::write(path, bytes)
        .map_err(|e| Failure::failed(format!("cannot write {}: {e}", path.display())))
}

/// Computes `array` as `output` says, with `profiler` recording the tasks run by the
/// scheduler; whether they ran there (else: nothing was computed, or the rows were computed a
/// block at a time on their way to a table, which `--profile` does not follow).
fn compute(
    expr: &Expr,
    array: &Array,
    output: &ArrayOutput<'_>,
    profiler: &Profiler,
) -> Result<bool, Failure> {
    let unprofiled = |what: &str| {
        if output.profile.is_some() {
            Err(Failure::invalid(format!(
                "--profile follows an array printed or stored as an array (.npy, Zarr, HDF5), not {what}"
            )))
        } else {
            Ok(false)
        }
    };
    if output.explain {
        println!("n-d array {}, computed by blaze-array", array.datashape());
        let size: Vec<String> = array.chunksize().iter().map(ToString::to_string).collect();
        println!(
            "  blocks: {} of at most {}",
            array.chunks().len(),
            size.join(" × ")
        );
        println!(
            "  tasks: {} (element-wise steps fused, linear chains fused)",
            array.task_count().map_err(failed)?
        );
        return Ok(false);
    }
    let progress = ProgressBar::new();
    let scheduler = Scheduler::threaded()
        .with_callback(&progress)
        .with_callback(profiler);
    if let Some(target) = output.into {
        if !matches!(
            blaze_odo::Resource::parse(target),
            Ok(blaze_odo::Resource::Array { .. } | blaze_odo::Resource::RemoteZarr { .. })
        ) {
            unprofiled("a table target")?;
            // A table target: the array's rows, a block of rows at a time.
            let rows =
                blaze_odo::array_as_table(array, &expr.to_string()).map_err(Failure::from_odo)?;
            let options = blaze_odo::OdoOptions {
                if_exists: output.if_exists,
                chunks: output.chunks.cloned(),
                ..Default::default()
            };
            let summary =
                blaze_odo::odo_batches(rows, target, &options).map_err(Failure::from_odo)?;
            println!("{summary}");
            return Ok(false);
        }
        let rows =
            blaze_odo::write_array(array, target, output.if_exists, output.chunks, &scheduler)
                .map_err(Failure::from_odo)?;
        println!(
            "{} → {target}: {} ({rows} along the first axis)",
            expr,
            array.datashape()
        );
        return Ok(true);
    }
    // A preview computes only the rows it shows.
    let shown = match (output.format, output.limit) {
        (QueryFormat::Table, limit) => Some(limit.unwrap_or(crate::commands::query::PREVIEW_ROWS)),
        (_, limit) => limit,
    };
    let rows = array.shape().first().copied().unwrap_or(0) as u64;
    let (computed, more) = match shown {
        Some(n) if array.ndim() > 0 && rows > n => {
            let head = array
                .index(&[Index::Slice {
                    start: None,
                    stop: Some(n as i64),
                    step: 1,
                }])
                .map_err(failed)?;
            (head, true)
        }
        _ => (array.clone(), false),
    };
    if matches!(output.format, QueryFormat::Arrow) {
        unprofiled("--format arrow")?;
        write_arrow_rows(expr, &computed)?;
        return Ok(false);
    }
    blaze_compute::check_printable(&computed, output.memory_limit).map_err(Failure::invalid)?;
    let block = computed.compute_with(&scheduler).map_err(failed)?;
    let data = blaze_compute::array_json(&block);
    let names: Vec<&str> = expr.name().into_iter().collect();
    let mut out = std::io::stdout().lock();
    let written = match output.format {
        QueryFormat::Json => serde_json::to_writer(
            &mut out,
            &json!({"datashape": array.datashape(), "names": names, "data": data}),
        )
        .map_err(|e| e.to_string())
        .and_then(|()| writeln!(out).map_err(|e| e.to_string())),
        QueryFormat::Table => {
            let mut text = format!("{}\n", array.datashape());
            match &data {
                Value::Array(items) => {
                    for item in items {
                        text.push_str(&format!("{item}\n"));
                    }
                    if more {
                        text.push_str(&format!("... ({rows} along the first axis in all)\n"));
                    }
                }
                scalar => text.push_str(&format!("{scalar}\n")),
            }
            out.write_all(text.as_bytes()).map_err(|e| e.to_string())
        }
        QueryFormat::Ndjson => match &data {
            Value::Array(items) => items
                .iter()
                .try_for_each(|v| writeln!(out, "{v}").map_err(|e| e.to_string())),
            scalar => writeln!(out, "{scalar}").map_err(|e| e.to_string()),
        },
        QueryFormat::Csv => write_csv(&mut out, &data),
        QueryFormat::Arrow => unreachable!("Arrow streams are written above"),
    };
    written
        .and_then(|()| out.flush().map_err(|e| e.to_string()))
        .map_err(Failure::invalid)?;
    Ok(true)
}

/// The rows of a 1-d or 2-d array (columns f0, f1, …) as an Arrow IPC stream on stdout, a block
/// of rows at a time, so that the whole array is never held.
fn write_arrow_rows(expr: &Expr, array: &Array) -> Result<(), Failure> {
    let rows = blaze_odo::array_as_table(array, &expr.to_string()).map_err(Failure::from_odo)?;
    let mut out = std::io::stdout().lock();
    let mut writer = arrow::ipc::writer::StreamWriter::try_new(&mut out, &rows.schema)
        .map_err(Failure::failed)?;
    for batch in rows.batches {
        let batch = batch.map_err(Failure::from_odo)?;
        writer.write(&batch).map_err(Failure::failed)?;
    }
    writer.finish().map_err(Failure::failed)
}

/// One line per element of a 1-d array, one line per row of a 2-d one.
fn write_csv(out: &mut impl Write, data: &Value) -> Result<(), String> {
    let line = |v: &Value| match v {
        Value::Array(items) => items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    };
    match data {
        Value::Array(rows)
            if rows.iter().all(
                |r| !matches!(r, Value::Array(inner) if inner.iter().any(Value::is_array)),
            ) =>
        {
            rows.iter()
                .try_for_each(|r| writeln!(out, "{}", line(r)).map_err(|e| e.to_string()))
        }
        Value::Array(_) => {
            Err("CSV holds arrays of one or two dimensions; use --format json".into())
        }
        scalar => writeln!(out, "{scalar}").map_err(|e| e.to_string()),
    }
}
