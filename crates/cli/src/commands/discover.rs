//! `blaze discover PATH`

use std::path::PathBuf;

use blaze_odo::{DiscoverOptions, discover_path};

use crate::output::{Failure, Format, print_datashape};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The data file.
    path: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// CSV field delimiter: one character, or `tab` (sniffed among , tab ; | by default).
    #[arg(long, value_parser = parse_delimiter)]
    delimiter: Option<u8>,
    /// The CSV's first row is a header (detected by default).
    #[arg(long, conflicts_with = "no_header")]
    header: bool,
    /// The CSV has no header row; columns are named column_1, column_2, ...
    #[arg(long)]
    no_header: bool,
    /// CSV quote character.
    #[arg(long, value_parser = parse_delimiter)]
    quote: Option<u8>,
    /// Text encoding of CSV/JSON files, e.g. latin1, windows-1252, utf-16le (default utf-8).
    #[arg(long)]
    encoding: Option<String>,
    /// Read only this many rows to infer types (default: the whole file, up to --byte-budget).
    #[arg(long)]
    sample_rows: Option<u64>,
    /// Stop inferring after this many bytes of (decompressed) data; suffixes K, M, G.
    #[arg(long, default_value = "512M", value_parser = parse_bytes)]
    byte_budget: u64,
    /// A CSV cell value that means "missing" (repeatable). Replaces the default list:
    /// NA, N/A, n/a, NULL, null, None, <NA>, #N/A, nil. The empty cell is always missing.
    #[arg(long = "null", value_name = "MARKER")]
    null_markers: Vec<String>,
    /// Lay records out over several lines when longer than this many characters (0: always).
    #[arg(long)]
    width: Option<usize>,
}

pub(crate) fn run(args: Args) -> Result<(), Failure> {
    let mut options = DiscoverOptions {
        sample_rows: args.sample_rows,
        byte_budget: args.byte_budget,
        encoding: args.encoding,
        ..DiscoverOptions::default()
    };
    options.csv.delimiter = args.delimiter;
    options.csv.quote = args.quote;
    options.csv.header = match (args.header, args.no_header) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    if !args.null_markers.is_empty() {
        options.null_markers = args.null_markers;
    }
    let found = discover_path(&args.path, &options).map_err(|e| match e {
        blaze_odo::Error::InvalidOption(_) => Failure::invalid(e),
        _ => Failure::failed(e),
    })?;
    if !found.complete {
        eprintln!(
            "note: types inferred from the first {} rows of {}; later rows were not read (see --sample-rows, --byte-budget)",
            found.rows_read,
            args.path.display()
        );
    }
    print_datashape(&found.datashape, args.format, args.width);
    Ok(())
}

fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() => Ok(text.as_bytes()[0]),
        _ => Err(format!("'{text}' is not a single ASCII character or 'tab'")),
    }
}

fn parse_bytes(text: &str) -> Result<u64, String> {
    let upper = text.trim().to_ascii_uppercase();
    let upper = upper.trim_end_matches("IB").trim_end_matches('B');
    let (digits, scale) = match upper.chars().last() {
        Some('K') => (&upper[..upper.len() - 1], 1u64 << 10),
        Some('M') => (&upper[..upper.len() - 1], 1 << 20),
        Some('G') => (&upper[..upper.len() - 1], 1 << 30),
        _ => (upper, 1),
    };
    digits
        .trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("'{text}' is not a byte count such as 1000, 64K, 512M or 2G"))
}
