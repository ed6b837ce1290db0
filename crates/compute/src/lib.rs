//! Blaze compute: expressions over odo resources, compiled whole to DataFusion plans and run
//! in parallel, in bounded memory; expressions over n-d arrays become blaze-array task graphs
//! ([`Session::array`]).
//!
//! ```no_run
//! use blaze_compute::{Session, SessionOptions};
//!
//! let mut session = Session::new(SessionOptions::default()).unwrap();
//! session.bind("iris", "examples/data/iris.csv").unwrap();
//! let expr = session.parse("by(iris.species, n=iris.species.count())").unwrap();
//! for batch in session.execute(&expr).unwrap() {
//!     println!("{:?}", batch.unwrap());
//! }
//! ```

mod array;
mod compile;
mod engine;
mod error;
mod memory;
mod pushdown;
mod result_order;
mod session;
mod source;

pub use array::array_json;
pub use error::{Error, Result};
pub use memory::check_printable;
pub use result_order::SORTED_ROWS;
pub use session::{EXPRESSION_STACK_BYTES, ResultStream, Session, SessionOptions};
