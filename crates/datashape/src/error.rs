//! Errors of the datashape crate.

use crate::span::Span;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when parsing, building, combining or mapping datashapes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The text is not a valid datashape; `span` says where.
    #[error("invalid datashape at {}: {kind}", .span.start)]
    Parse {
        /// What was wrong.
        kind: ParseErrorKind,
        /// Where in the text.
        span: Span,
    },
    /// Two fields of one record share a name.
    #[error("duplicate field name '{0}' in record")]
    DuplicateField(String),
    /// More than one `...` among the dimensions of one shape.
    #[error("a datashape may have at most one ellipsis ('...') dimension")]
    MultipleEllipses,
    /// No common type exists for two types.
    #[error("cannot combine '{left}' and '{right}': no common type")]
    NoCommonType {
        /// The first type, printed.
        left: String,
        /// The second type, printed.
        right: String,
    },
    /// A datashape that Arrow cannot represent.
    #[error("datashape '{dshape}' has no Arrow equivalent: {reason}")]
    NotArrowRepresentable {
        /// The offending datashape, printed.
        dshape: String,
        /// Why.
        reason: &'static str,
    },
    /// An Arrow type that has no datashape equivalent.
    #[error("Arrow type {data_type} has no datashape equivalent")]
    UnsupportedArrowType {
        /// The Arrow type, printed.
        data_type: String,
    },
}

/// What was wrong with datashape text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseErrorKind {
    /// A token other than the one the grammar allows here.
    #[error("expected {expected}, found {found}")]
    Expected {
        /// What the grammar allows, e.g. `',' or '}'`.
        expected: String,
        /// What was there, e.g. `'int32'` or `end of input`.
        found: String,
    },
    /// A character that starts no token.
    #[error("unexpected character '{0}'")]
    InvalidCharacter(char),
    /// A string literal without its closing quote.
    #[error("unterminated string")]
    UnterminatedString,
    /// An unknown backslash escape in a string literal.
    #[error("invalid escape '\\{0}' in string")]
    InvalidEscape(char),
    /// An integer written with leading zeros, such as `01`.
    #[error("integer '{0}' has leading zeros")]
    LeadingZeros(String),
    /// An integer out of range.
    #[error("integer '{0}' is too large")]
    IntegerTooLarge(String),
    /// A name that is not a known type.
    #[error("unknown type '{name}'{}", did_you_mean(.suggestion))]
    UnknownType {
        /// The name as written.
        name: String,
        /// The closest known name, if one is close.
        suggestion: Option<&'static str>,
    },
    /// A type constructor given arguments it does not accept.
    #[error("{constructor}[...]: {message}")]
    BadArguments {
        /// The constructor's name.
        constructor: String,
        /// What is wrong with the arguments.
        message: String,
    },
    /// Types nested deeper than the parser allows.
    #[error("types nested more than {0} deep")]
    TooDeep(usize),
    /// A semantic error found while building the type (duplicate fields, two ellipses...).
    #[error("{0}")]
    Invalid(Box<Error>),
}

/// `"; did you mean 'x'?"` or nothing.
pub(crate) fn did_you_mean(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean '{s}'?"),
        None => String::new(),
    }
}

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
pub fn closest_name<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let name_lower = name.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&name_lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count().max(name.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["float64", "float32", "int64", "string"];
        assert_eq!(closest_name("flaot64", names), Some("float64"));
        assert_eq!(closest_name("strng", names), Some("string"));
        assert_eq!(closest_name("banana", names), None);
    }

    #[test]
    fn error_is_small() {
        assert!(size_of::<Error>() <= 72);
    }
}
