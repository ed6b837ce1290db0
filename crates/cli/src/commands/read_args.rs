//! Options for reading text files, shared by `discover` and `odo`.

use blaze_odo::DiscoverOptions;

#[derive(clap::Args, Debug)]
pub(crate) struct ReadArgs {
    /// CSV field delimiter: one character, or `tab` (sniffed among , tab ; | by default).
    #[arg(long, value_parser = parse_char)]
    delimiter: Option<u8>,
    /// The CSV's first row is a header (detected by default).
    #[arg(long, conflicts_with = "no_header")]
    header: bool,
    /// The CSV has no header row; columns are named column_1, column_2, ...
    #[arg(long)]
    no_header: bool,
    /// CSV quote character (default ").
    #[arg(long, value_parser = parse_char)]
    quote: Option<u8>,
    /// Text encoding of CSV/JSON files, e.g. latin1, windows-1252, utf-16le (default utf-8).
    #[arg(long)]
    encoding: Option<String>,
    /// A CSV cell value that means "missing" (repeatable). Replaces the default list:
    /// NA, N/A, n/a, NULL, null, None, <NA>, #N/A, nil. The empty cell is always missing.
    #[arg(long = "null", value_name = "MARKER")]
    null_markers: Vec<String>,
    /// Infer types from the first N rows only.
    #[arg(long)]
    sample_rows: Option<u64>,
    /// Infer types from at most this many bytes of (decompressed) data; suffixes K, M, G
    /// [default: 512M for discover, 64M for odo].
    #[arg(long, value_parser = parse_bytes)]
    byte_budget: Option<u64>,
}

impl ReadArgs {
    /// The discovery options these arguments describe, with `default_budget` bytes unless given.
    pub(crate) fn options(&self, default_budget: u64) -> DiscoverOptions {
        let mut options = DiscoverOptions {
            sample_rows: self.sample_rows,
            byte_budget: self.byte_budget.unwrap_or(default_budget),
            encoding: self.encoding.clone(),
            ..DiscoverOptions::default()
        };
        options.csv.delimiter = self.delimiter;
        options.csv.quote = self.quote;
        options.csv.header = match (self.header, self.no_header) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        if !self.null_markers.is_empty() {
            options.null_markers = self.null_markers.clone();
        }
        options
    }
}

fn parse_char(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() => Ok(text.as_bytes()[0]),
        _ => Err(format!("'{text}' is not a single ASCII character or 'tab'")),
    }
}

pub(crate) fn parse_bytes(text: &str) -> Result<u64, String> {
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
