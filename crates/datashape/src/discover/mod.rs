//! Discovery: inferring datashapes from values — text cells ([`TextClassifier`], [`TextColumn`])
//! and JSON documents ([`discover_json`]). Reading files is odo's job; this module types what
//! odo reads.

mod datetime;
mod json;
mod text;

pub use datetime::{DateKind, DateTimeValue, parse_datetime};
pub use json::discover_json;
pub use text::{
    DEFAULT_NULL_MARKERS, TextClassifier, TextColumn, TextKind, discover_text, parse_time_of_day,
    parse_timedelta,
};
