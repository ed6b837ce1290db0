//! Integration tests of blaze-expr: typing, naming, printing and errors of parsed expressions.

mod errors;
mod roundtrip;
mod tree;
mod typing;

use blaze_expr::{Expr, Namespace, parse, symbol};

/// `t`, `accounts` and `events` (with missing values and datetimes), as in Blaze's own tests,
/// `cities` and `t2` to join and concatenate with `t`, and arrays `x`, `m` and `c`.
pub(crate) fn namespace() -> Namespace {
    let mut names = Namespace::new();
    for (name, dshape) in [
        ("t", "var * {name: string, amount: int32, id: int64}"),
        (
            "accounts",
            "var * {name: string, balance: float64, 'account id': int32, count: int64}",
        ),
        (
            "events",
            "var * {when: datetime, day: date, kind: ?string, value: ?float64, ok: ?bool}",
        ),
        ("x", "10 * int32"),
        ("m", "3 * 4 * float64"),
        ("c", "4 * 3 * 2 * int32"),
        (
            "cities",
            "var * {name: string, city: ?string, amount: float64}",
        ),
        ("t2", "var * {name: string, amount: int64, id: int64}"),
    ] {
        names.bind(name, symbol(name, blaze_datashape::parse(dshape).unwrap()));
    }
    names
}

/// `text` parsed against [`namespace`]; panics with the error.
pub(crate) fn expr(text: &str) -> Expr {
    parse(text, &namespace()).unwrap_or_else(|e| panic!("{text}: {e}"))
}
