//! One module per subcommand.

pub(crate) mod datashape;
pub(crate) mod discover;
pub(crate) mod odo;
pub(crate) mod query;
mod read_args;
pub(crate) mod serve;
pub(crate) mod shell;
