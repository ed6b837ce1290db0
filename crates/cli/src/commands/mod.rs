//! One module per subcommand.

pub(crate) mod datashape;
pub(crate) mod discover;
