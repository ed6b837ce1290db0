//! Blaze expressions: one language over every backend, typed by datashape.
//!
//! Expressions are written as Blaze users wrote them, in Python's expression syntax
//! (`t[t.amount > 100].name`, `by(t.name, total=t.amount.sum())`), or built in Rust. Every
//! node is typed and named when built (`spec/blaze.md` §1.2: `t.amount.sum()` is named
//! `amount_sum` and has type `int64`), so an invalid expression is an error at once, with its
//! place in the text; nothing here computes.
//!
//! ```
//! use blaze_expr::{Namespace, parse, symbol};
//!
//! let t = symbol("t", blaze_datashape::parse("var * {name: string, amount: int32}").unwrap());
//! let mut names = Namespace::new();
//! names.bind("t", t);
//! let e = parse("by(t.name, total=t.amount.sum())", &names).unwrap();
//! assert_eq!(e.dshape().to_string(), "var * {name: string, total: int64}");
//! assert_eq!(e.to_string(), "by(t.name, total=t.amount.sum())");
//! ```
//!
//! Unlike the original, keyword arguments of `by`, `summary`, `merge` and `transform` keep the
//! order written rather than being sorted alphabetically.

mod array;
mod build;
mod combine;
mod error;
mod expr;
mod func;
pub mod interp;
mod print;
mod resolve;
pub mod syntax;
mod tree;
mod types;

pub use build::{by, literal, symbol};
pub use combine::{JoinSpec, coalesce, concat, join, merge, transform};
pub use error::{Error, Result};
pub use expr::{
    AxisIndex, BinaryOp, DatePart, Expr, Index, JoinKind, MathFn, Op, RankMethod, Reduction,
    SampleSize, StrFn, UnaryOp, Value, WindowFn,
};
pub use func::{DateUnit, Func, PadSide, RoundMode, parse_frequency};
pub use print::is_identifier;
pub use resolve::{Namespace, parse};
pub use tree::{from_tree, json_value, to_tree};
