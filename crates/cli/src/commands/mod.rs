//! One module per subcommand.

pub(crate) mod datashape;
pub(crate) mod discover;
pub(crate) mod odo;
mod read_args;
