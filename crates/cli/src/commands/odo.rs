//! `blaze odo SOURCE TARGET`

use std::sync::Arc;
use std::time::Duration;

use blaze_array::ChunkSpec;
use blaze_odo::{IfExists, OdoOptions, Plan, Progress, explain, odo};
use indicatif::{HumanCount, ProgressBar, ProgressStyle};

use super::read_args::ReadArgs;
use crate::output::{Failure, Format};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Where the data is: a file path (.csv, .tsv, .json, .jsonl, .parquet, .arrow, with .gz or
    /// .zst for text), file://..., a format hint such as jsonlines://events.log, a glob of
    /// same-shaped files ('logs/2024-*.jsonl.gz') or a directory of them, a SQLite table
    /// sqlite:///file.db::table, a PostgreSQL table postgresql://user:pw@host:port/db::table, a
    /// MongoDB collection mongodb://host:port/db::collection, an s3:// or http(s):// URL, or an
    /// n-d array: a .npy file, a Zarr store (data.zarr, store.zarr::group/array) or an HDF5
    /// dataset (file.h5::/path/to/data), copied block by block into any of the three. A 1-d or
    /// 2-d array also moves into any table target (columns f0, f1, …), and a table of numeric
    /// columns into an array (rows × columns of their common type; 1-d for one column); a
    /// table with text goes into a .npy file as a numpy record array (a field per column), and
    /// a .npy record array is read as a table.
    source: String,
    /// Where it should go, in the same notation. A file is written to a temporary file beside
    /// it and renamed into place when complete; a directory ('out/*.parquet', or
    /// parquet://out/) gets numbered part files and is swapped into place when complete; a
    /// table is loaded in one transaction.
    target: String,
    /// The source's datashape, instead of inferring it, e.g.
    /// "var * {id: int64, name: string, amount: ?decimal[10, 2]}".
    #[arg(long, value_parser = parse_dshape)]
    dshape: Option<blaze_datashape::DataShape>,
    /// What to do when the target exists.
    #[arg(long, value_enum, default_value_t = IfExistsArg::Fail)]
    if_exists: IfExistsArg,
    /// Print the conversion path and its costs without moving data.
    #[arg(long)]
    explain: bool,
    /// No progress bar and no summary.
    #[arg(long, short)]
    quiet: bool,
    /// Output format of the summary (or of --explain).
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Rows per batch.
    #[arg(long, default_value_t = blaze_odo::DEFAULT_BATCH_ROWS)]
    batch_rows: usize,
    /// What to do with a CSV row that has a cell not fitting its column: 'stop' (an error naming
    /// the line, column and value; nothing is written), or 'skip:PATH' (load the good rows and
    /// write each rejected row, with its line, column and reason, to PATH as JSON lines). Rows
    /// of other formats stop the move either way.
    #[arg(long, value_parser = parse_errors, default_value = "stop", value_name = "stop|skip:PATH")]
    errors: ErrorPolicy,
    /// Rows per part file when the target is a directory.
    #[arg(long, default_value_t = blaze_odo::DEFAULT_PART_ROWS)]
    part_rows: u64,
    /// Chunks of an n-d array written into a Zarr store or an HDF5 dataset: `auto` (about
    /// 128 MiB each), one length for every axis (`1000`), or one per axis (`1000,500`; `-1`
    /// keeps an axis whole), as dask's `chunks=`. By default, the blocks the source is read
    /// in (its own chunks, grown to about 16 MiB; a .npy file's or a table's: `auto`).
    #[arg(long, value_parser = parse_chunks, value_name = "auto|N|N,N,...", allow_hyphen_values = true)]
    chunks: Option<ChunkSpec>,
    #[command(flatten)]
    read: ReadArgs,
}

/// `--chunks`, as dask's `chunks=`: `auto`, one block length for every axis, or one per axis
/// with `-1` for an axis kept whole.
pub(crate) fn parse_chunks(text: &str) -> Result<ChunkSpec, String> {
    if text == "auto" {
        return Ok(ChunkSpec::Auto);
    }
    let lengths = text
        .split(',')
        .map(|part| match part.trim() {
            "-1" => Ok(None),
            n => match n.parse::<usize>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(format!(
                    "'{n}' is not a block length: `auto`, a positive number for every axis, or one per axis (`1000,500`; -1 keeps an axis whole)"
                )),
            },
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(match lengths.as_slice() {
        [one] => ChunkSpec::Uniform(one.unwrap_or(usize::MAX)),
        _ => ChunkSpec::Shape(lengths),
    })
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub(crate) enum IfExistsArg {
    /// Stop with an error and leave the target alone.
    Fail,
    /// Add the source's rows after the target's (same columns; types must fit).
    Append,
    /// Replace the target atomically.
    Replace,
}

impl From<IfExistsArg> for IfExists {
    fn from(arg: IfExistsArg) -> Self {
        match arg {
            IfExistsArg::Fail => IfExists::Fail,
            IfExistsArg::Append => IfExists::Append,
            IfExistsArg::Replace => IfExists::Replace,
        }
    }
}

/// `--errors`: stop at the first bad row, or set bad rows aside in a file.
#[derive(Clone, Debug)]
enum ErrorPolicy {
    Stop,
    Skip(std::path::PathBuf),
}

fn parse_errors(text: &str) -> Result<ErrorPolicy, String> {
    match text.split_once(':') {
        _ if text == "stop" => Ok(ErrorPolicy::Stop),
        Some(("skip", path)) if !path.is_empty() => Ok(ErrorPolicy::Skip(path.into())),
        _ => Err(format!(
            "'{text}': expected 'stop' or 'skip:PATH' (a file for the rejected rows)"
        )),
    }
}

/// Shows rows on a spinner; once the source's size is known, a bar of bytes read with the rate
/// and the time left, the rows beside it.
fn show_progress(bar: &ProgressBar, progress: Progress) {
    let Some(total) = progress.total_bytes else {
        bar.set_position(progress.rows);
        return;
    };
    if bar.length() != Some(total) {
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{wide_bar}] {bytes}/{total_bytes}  {msg}  {binary_bytes_per_sec}  ETA {eta}",
            )
            .expect("a valid template")
            .progress_chars("=> "),
        );
        bar.set_length(total);
    }
    bar.set_position(progress.bytes.min(total));
    bar.set_message(format!("{} rows", HumanCount(progress.rows)));
}

fn parse_dshape(text: &str) -> Result<blaze_datashape::DataShape, String> {
    blaze_datashape::parse(text).map_err(|e| e.to_string())
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    if args.explain {
        let plan = explain(&args.source, &args.target).map_err(Failure::from_odo)?;
        print_plan(&plan, args.format);
        return Ok(());
    }
    let bar = (!args.quiet).then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {human_pos} rows  {per_sec}  {elapsed}")
                .expect("a valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    });
    let progress = bar.clone().map(|bar| {
        Arc::new(move |progress: Progress| show_progress(&bar, progress)) as blaze_odo::ProgressFn
    });
    let options = OdoOptions {
        dshape: args.dshape,
        if_exists: args.if_exists.into(),
        read: args.read.options(64 << 20),
        batch_rows: Some(args.batch_rows),
        part_rows: Some(args.part_rows),
        rejects: match args.errors {
            ErrorPolicy::Stop => None,
            ErrorPolicy::Skip(path) => Some(path),
        },
        progress,
        chunks: args.chunks,
    };
    let result = odo(&args.source, &args.target, &options);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let summary = result.map_err(Failure::from_odo)?;
    if !args.quiet {
        match args.format {
            Format::Text => println!("{summary}"),
            Format::Json => println!(
                "{}",
                serde_json::json!({
                    "source": summary.source,
                    "target": summary.target,
                    "rows": summary.rows,
                    "seconds": summary.elapsed.as_secs_f64(),
                    "datashape": summary.datashape.pretty(usize::MAX),
                    "rejected": summary.rejected.as_ref().map_or(0, |r| r.0),
                    "rejects": summary.rejected.as_ref().map(|r| r.1.display().to_string()),
                    "path": plan_json(&summary.plan),
                })
            ),
        }
    }
    Ok(())
}

fn plan_json(plan: &Plan) -> serde_json::Value {
    plan.steps
        .iter()
        .map(|s| {
            serde_json::json!({
                "from": s.from.to_string(),
                "to": s.to.to_string(),
                "conversion": format!("{:?}", s.conversion),
                "cost": s.cost,
            })
        })
        .collect()
}

fn print_plan(plan: &Plan, format: Format) {
    match format {
        Format::Text => println!("{plan}"),
        Format::Json => println!(
            "{}",
            serde_json::json!({ "path": plan_json(plan), "cost": plan.cost() })
        ),
    }
}
