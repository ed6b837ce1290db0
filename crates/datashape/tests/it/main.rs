//! Integration tests of the datashape crate's public API.

mod parse_print;
mod properties;
