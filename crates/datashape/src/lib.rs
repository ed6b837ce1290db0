//! Datashape: the type language of Blaze.
//!
//! A datashape is zero or more dimensions and one measure: `var * {name: string, amount: ?float64}`.
//! This crate parses and prints them ([`parse`], `Display`, [`DataShape::pretty`]), combines them
//! ([`promote`] for expressions, [`unify`] for discovery), discovers them from text cells and JSON
//! values ([`discover`]), and maps them to and from Arrow ([`arrow`]).
//!
//! ```
//! let t = blaze_datashape::parse("5 * {a: int, \"b c\": ?string}").unwrap();
//! assert_eq!(t.to_string(), "5 * {a: int32, 'b c': ?string}");
//! ```

pub mod arrow;
pub mod discover;
mod error;
mod lexer;
mod parser;
mod print;
mod promote;
mod span;
mod types;

pub use error::{Error, ParseErrorKind, Result, closest_name};
pub use parser::parse;
pub use print::quote;
pub use promote::{promote, unify, unify_all};
pub use span::{Location, Span};
pub use types::{Categorical, DataShape, Dim, Encoding, Literal, Measure, Record, TimeUnit};
