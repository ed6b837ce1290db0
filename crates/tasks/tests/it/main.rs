//! Integration tests of blaze-tasks: graph semantics, ordering, release of intermediates,
//! optimisations, callbacks and the delayed builder.

mod callbacks;
mod delayed;
mod get;
mod optimize;
mod order;
mod release;
mod util;
