//! The `blaze` command: describe, move, query and serve data.
//!
//! Exit codes: 0 success; 1 the work failed (unreadable file, malformed data); 2 the input was
//! invalid (bad arguments, a datashape that does not parse).

mod commands;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Blaze in Rust: describe data with datashape, discover the shape of files.
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
    /// Print the datashape of a data file.
    ///
    /// Formats (by extension): CSV/TSV (.csv, .tsv, .psv, .txt), JSON (.json: an array of
    /// records, or any value), JSON lines (.jsonl, .ndjson), Parquet (.parquet), Arrow IPC
    /// (.arrow, .feather, .arrows). Text formats may be compressed: .gz, .zst.
    ///
    /// The whole file is read (up to --byte-budget) so that types are right for every row;
    /// `?` marks columns where missing values occur.
    Discover(commands::discover::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Datashape(args) => commands::datashape::run(args),
        Command::Discover(args) => commands::discover::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
