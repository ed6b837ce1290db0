//! Output formats and how failures are reported.

use blaze_datashape::{DataShape, Span};

/// How results are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// One JSON object on one line, for machines.
    Json,
}

/// A failed command: what to print on stderr and the exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) message: String,
    pub(crate) code: u8,
}

impl Failure {
    /// The work failed (exit code 1).
    pub(crate) fn failed(message: impl std::fmt::Display) -> Self {
        Self {
            message: format!("error: {message}"),
            code: 1,
        }
    }

    /// An odo error: invalid options are the user's (exit code 2), the rest failed work (1).
    pub(crate) fn from_odo(error: blaze_odo::Error) -> Self {
        match error {
            blaze_odo::Error::InvalidOption(_) | blaze_odo::Error::UnknownFormat { .. } => {
                Self::invalid(error)
            }
            _ => Self::failed(error),
        }
    }

    /// The user's input was invalid (exit code 2).
    pub(crate) fn invalid(message: impl std::fmt::Display) -> Self {
        Self {
            message: format!("error: {message}"),
            code: 2,
        }
    }
}

/// Prints a datashape as `text` (the canonical form, laid out at `width`) or as
/// `{"datashape": "..."}` on one line.
pub(crate) fn print_datashape(shape: &DataShape, format: Format, width: Option<usize>) {
    match format {
        Format::Text => match width {
            Some(w) => println!("{}", shape.pretty(w)),
            None => println!("{shape}"),
        },
        Format::Json => {
            let flat = shape.pretty(usize::MAX);
            println!("{}", serde_json::json!({ "datashape": flat }));
        }
    }
}

/// The lines of `text` around `span`, with a caret under it, as compilers show errors.
pub(crate) fn snippet(text: &str, span: Span) -> String {
    let line_no = span.start.line as usize;
    let Some(line) = text.lines().nth(line_no.saturating_sub(1)) else {
        return String::new();
    };
    let gutter = line_no.to_string().len();
    let pad = " ".repeat(gutter);
    let before: String = line
        .chars()
        .take(span.start.column.saturating_sub(1) as usize)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    format!(
        "{pad} |\n{line_no} | {line}\n{pad} | {before}{}",
        "^".repeat(span.width_on_first_line())
    )
}
