//! The `blaze` command: describe, move, query and serve data.
//!
//! Exit codes: 0 success; 1 the work failed (unreadable file, malformed data); 2 the input was
//! invalid (bad arguments, a datashape that does not parse).

mod arrays;
mod commands;
mod output;
mod results;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

/// Blaze in Rust: describe data with datashape, discover the shape of files, move data between
/// formats, and query it where it lives.
#[derive(Parser)]
#[command(name = "blaze", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse a datashape and print its canonical form.
    ///
    /// Aliases are resolved (`int` → `int32`, `real` → `float64`, `string['ascii']` →
    /// `string['A']`). Invalid text gets an error with its line and column, and exit code 2.
    Datashape(commands::datashape::Args),
    /// Print the datashape of a data file or database.
    ///
    /// Formats (by extension): CSV/TSV (.csv, .tsv, .psv, .txt), JSON (.json: an array of
    /// records, or any value), JSON lines (.jsonl, .ndjson), Parquet (.parquet), Arrow IPC
    /// (.arrow, .feather, .arrows). Text formats may be compressed: .gz, .zst. Also globs and
    /// directories of such files, s3:// and http(s):// URLs. SQLite: sqlite:///file.db::table, or
    /// sqlite:///file.db for a record of all its tables; PostgreSQL likewise. N-d arrays: .npy,
    /// Zarr stores (data.zarr, store.zarr::group/x, s3://bucket/data.zarr) and HDF5
    /// (file.h5::/x), from their metadata alone.
    ///
    /// The whole file is read (up to --byte-budget) so that types are right for every row;
    /// `?` marks columns where missing values occur.
    Discover(commands::discover::Args),
    /// Move data from SOURCE to TARGET, converting formats.
    ///
    /// The source's datashape is inferred (or given with --dshape) and the target is created
    /// from it. The target is written under a temporary name and renamed into place only when
    /// complete: on any error, or if the process is killed, it is left as it was. A value that
    /// does not fit its column stops the move with the file, line, column and value.
    ///
    /// Sources and targets: files — CSV/TSV, JSON, JSON lines, Parquet, Arrow IPC (text formats
    /// optionally .gz or .zst) — one at a time, as a glob ('logs/*.jsonl.gz') or a directory of
    /// part files; S3 objects (s3://bucket/key, globs of keys); HTTP(S) files (read-only);
    /// n-d arrays in .npy files, Zarr stores (data.zarr, store.zarr::group/x, also in S3:
    /// s3://bucket/data.zarr) and HDF5 datasets (file.h5::/x);
    /// SQLite tables (sqlite:///file.db::table), PostgreSQL tables
    /// (postgresql://user:pw@host:port/db::table) and MongoDB collections
    /// (mongodb://host:port/db::collection). A database load runs in one transaction (MongoDB:
    /// into a temporary collection renamed over the target; appends insert directly).
    ///
    /// --errors skip:PATH sets aside bad rows of CSV sources only.
    Odo(commands::odo::Args),
    /// Compute a Blaze expression over data, where it lives.
    ///
    /// Bind each resource to a name (NAME=URI; a bare URI is named after its file or table),
    /// then write the expression as Blaze users did:
    ///
    ///   blaze query iris=examples/data/iris.csv 'by(iris.species, n=iris.species.count())'
    ///   blaze query accounts.csv 'accounts[accounts.balance > 0].name'
    ///
    /// Resources are any that odo reads: CSV, JSON lines, Parquet (scanned for only the columns
    /// and rows needed), Arrow, globs and directories, S3, SQLite, PostgreSQL and MongoDB (the
    /// parts of the expression over one database run in it where it can, as one query; only
    /// their results travel; --explain shows what is sent).
    ///
    /// On a terminal the result is previewed (the datashape and the first rows); --format json
    /// prints the Blaze server's shape {"datashape", "names", "data"}; --into streams the whole
    /// result to any odo target. Joins, concat, merge/transform, window functions (shift,
    /// cumsum, rank... with by=), reductions combined with each row (t.a - t.a.mean()), the
    /// .str and .dt methods, truncate, slices with a step and rows by position (t[[3, 0, -1]])
    /// are computed. Names bound to n-d arrays (.npy, Zarr, HDF5) compute in blocks: x.T,
    /// x[10:20, ::2], x[:, [2, 0]], x.dot(y), x.sum(axis=1), x - x.mean(axis=0) (broadcast as
    /// numpy's), x[x > 0], x[x[:, 0] > 0]; 1-d arrays also sort, take distinct values, medians
    /// and windows (v.sort()).
    #[command(
        verbatim_doc_comment,
        override_usage = "blaze query [OPTIONS] [NAME=]URI... EXPRESSION"
    )]
    Query(commands::query::Args),
    /// Query data in SQL (DataFusion's dialect) with the same bindings and outputs as `query`
    ///
    ///   blaze sql iris=examples/data/iris.csv 'SELECT species, count(*) AS n FROM iris GROUP BY species'
    ///
    /// A bound database's tables are named "db.table" (quoted, as one name). Queries are
    /// read-only: statements that create, change or drop anything are refused.
    #[command(
        verbatim_doc_comment,
        override_usage = "blaze sql [OPTIONS] [NAME=]URI... QUERY"
    )]
    Sql(commands::query::Args),
    /// An interactive prompt over bound data, with line editing and history
    ///
    ///   blaze shell iris=examples/data/iris.csv
    ///   blaze> big = iris[iris.petal_length > 5]
    ///   blaze> by(big.species, n=big.species.count())
    ///
    /// Each line is an expression (its datashape and first rows are shown) or NAME = EXPRESSION
    /// (bound for later lines). :help lists the commands. History is kept in
    /// $XDG_STATE_HOME/blaze/history (~/.local/state/blaze/history).
    #[command(verbatim_doc_comment)]
    Shell(commands::shell::Args),
    /// Serve datasets over HTTP with the Blaze protocol
    ///
    ///   blaze serve datasets.yaml --port 6363
    ///
    /// datasets.yaml names each dataset and its source:
    ///
    ///   iris:
    ///     source: examples/data/iris.csv
    ///   bank:
    ///     source: sqlite:///bank.db
    ///
    /// or name the data on the command line, as blaze query binds it (no auth then):
    ///
    ///   blaze serve iris=examples/data/iris.csv sqlite:///bank.db
    ///
    /// Routes: GET /datashape (the datashape of all the datasets), POST /compute
    /// (Content-Type: application/vnd.blaze+json; {"expr": tree or text}), POST /compute.json,
    /// POST /add (with --allow-add), and a page at / to try expressions. Results are JSON
    /// {"datashape", "names", "data"}, or an Arrow IPC stream with
    /// Accept: application/vnd.apache.arrow.stream. One JSON log line per request goes to
    /// stderr.
    #[command(verbatim_doc_comment)]
    Serve(commands::serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(shield_leading_hyphens(std::env::args_os().collect()));
    // Expressions are parsed and compiled by recursion as deep as they nest: the command runs
    // on a thread with the room the deepest needs, whatever stack the shell gives this one.
    let command = std::thread::Builder::new()
        .name("blaze".into())
        .stack_size(blaze_compute::EXPRESSION_STACK_BYTES)
        .spawn(move || run(cli.command));
    let result = match command.map(|thread| thread.join()) {
        Ok(Ok(result)) => result,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => Err(output::Failure::failed(format!(
            "cannot start a thread: {e}"
        ))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

/// Runs one command.
fn run(command: Command) -> Result<(), output::Failure> {
    match command {
        Command::Datashape(args) => commands::datashape::run(args),
        Command::Discover(args) => commands::discover::run(args),
        Command::Odo(args) => commands::odo::run(args),
        Command::Query(args) => commands::query::run(args, commands::query::Language::Blaze),
        Command::Sql(args) => commands::query::run(args, commands::query::Language::Sql),
        Command::Shell(args) => commands::shell::run(args),
        Command::Serve(args) => commands::serve::run(args),
    }
}

/// An expression may begin with `-` (`blaze query t.csv '-t.amount'`), which clap would take
/// for an option: no option of `query` or `sql` is a single `-` and a letter but `-h` and
/// `-V`, and the list of bindings and the query is one argument to clap, so `--` cannot set
/// the last of them apart. Such an argument is passed on after a space, which `query` takes
/// off again ([`commands::query::unshield`]). Options, their values and everything after `--`
/// are left as they are.
fn shield_leading_hyphens(mut args: Vec<OsString>) -> Vec<OsString> {
    let Some(command) = args.get(1).and_then(|a| a.to_str()) else {
        return args;
    };
    if !matches!(command, "query" | "sql") {
        return args;
    }
    let Some(subcommand) = Cli::command().find_subcommand(command).cloned() else {
        return args;
    };
    let takes_value = |long: &str| {
        subcommand
            .get_arguments()
            .any(|a| a.get_long() == Some(long) && a.get_action().takes_values())
    };
    let mut value_next = false;
    for arg in args.iter_mut().skip(2) {
        let Some(text) = arg.to_str() else {
            value_next = false;
            continue;
        };
        if std::mem::take(&mut value_next) {
            continue;
        }
        if text == "--" {
            break;
        }
        if let Some(long) = text.strip_prefix("--") {
            value_next = !long.contains('=') && takes_value(long);
        } else if text.len() > 1 && text.starts_with('-') && !matches!(text, "-h" | "-V") {
            *arg = OsString::from(format!(" {text}"));
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shielded(args: &[&str]) -> Vec<String> {
        let args = args.iter().map(OsString::from).collect();
        shield_leading_hyphens(args)
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn an_expression_beginning_with_a_hyphen_is_not_taken_for_an_option() {
        assert_eq!(
            shielded(&["blaze", "query", "t.csv", "-t.x", "--format", "json"]),
            ["blaze", "query", "t.csv", " -t.x", "--format", "json"]
        );
        assert_eq!(
            shielded(&["blaze", "query", "--limit", "3", "t.csv", "-1 * t.x"]),
            ["blaze", "query", "--limit", "3", "t.csv", " -1 * t.x"]
        );
        // Options, the values of options, help and what follows `--` are left alone.
        for args in [
            &["blaze", "query", "--into", "-out.csv", "t.csv", "t.x"][..],
            &[
                "blaze",
                "query",
                "--into=x.csv",
                "--explain",
                "t.csv",
                "t.x",
            ],
            &["blaze", "query", "t.csv", "-h"],
            &["blaze", "query", "--", "t.csv", "-t.x"],
            &["blaze", "odo", "-a.csv", "b.csv"],
        ] {
            assert_eq!(shielded(args), args);
        }
    }
}
