//! Integration tests of blaze-array: results against numpy's (fixtures made by
//! `tests/fixtures/make_fixtures.py`), laziness and graphs, storage, errors.

mod errors;
mod graph;
mod mask;
mod numpy;
mod storage;
mod stored;
mod util;
