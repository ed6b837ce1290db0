//! Errors say what is wrong, where in the text, and what to write instead.

use blaze_expr::parse;

use crate::namespace;

/// The message of the error parsing `text`, and the column it points at.
fn error(text: &str) -> (String, u32) {
    let err = parse(text, &namespace()).expect_err(text);
    (err.to_string(), err.span().start.column)
}

#[test]
fn unknown_names_and_fields_suggest_the_closest() {
    let (message, column) = error("t.amout.sum()");
    assert_eq!(
        message,
        "at line 1, column 1: 'amout' is not a field of t; did you mean 'amount'? (fields: name, amount, id)"
    );
    assert_eq!(column, 1);
    let (message, _) = error("tt.amount");
    assert!(
        message.contains("unknown name 'tt'; did you mean 't'?"),
        "{message}"
    );
    let (message, column) = error("t[['name', 'nme']]");
    assert!(
        message.contains("'nme' is not a field of t; did you mean 'name'?"),
        "{message}"
    );
    assert_eq!(column, 3);
}

#[test]
fn unknown_methods_of_columns_suggest_the_closest() {
    assert_eq!(
        error("t.amount.summ()").0,
        "at line 1, column 1: t.amount (var * int32) has no method or field 'summ'; did you mean 'sum'?"
    );
    assert!(
        error("t.amount.lagg(1)")
            .0
            .contains("has no method or field 'lagg'; did you mean 'lag'?"),
    );
    assert!(
        error("t.drop_field('nam')")
            .0
            .contains("'nam' is not a field of t; did you mean 'name'?")
    );
    assert!(
        error("t.amount.vnorm(ord=0)")
            .0
            .contains("vnorm's ord is a number, 'inf', '-inf' or 'fro', not 0")
    );
    assert!(
        error("greatest(t.amount, t.name)")
            .0
            .contains("cannot apply greatest() to int32 and string")
    );
}

#[test]
fn integer_operands_no_integer_result_has_are_refused_where_written() {
    assert_eq!(
        error("t.amount + t.id // 0"),
        (
            "at line 1, column 12: integer division or modulo by zero: t.id // 0".to_owned(),
            12
        )
    );
    assert!(
        error("t.amount % 0")
            .0
            .contains("integer division or modulo by zero: t.amount % 0")
    );
    // As numbers, truncate is `x // measure * measure`.
    assert!(
        error("t.amount.truncate(0)")
            .0
            .contains("integer division or modulo by zero")
    );
    assert!(error("t.amount ** -2").0.contains(
        "integers to negative integer powers are not allowed: t.amount ** -2 \
         (write t.amount ** -2.0 for a float)"
    ));
    // Floats have an answer: infinity, or NaN.
    for text in [
        "t.amount // 0.0",
        "t.amount / 0",
        "t.amount ** -2.0",
        "t.amount ** 0",
    ] {
        parse(text, &namespace()).unwrap_or_else(|e| panic!("{text}: {e}"));
    }
}

#[test]
fn typing_errors_name_the_types() {
    assert!(
        error("'%d' % t.name")
            .0
            .contains("the format takes a number, and t.name is var * string")
    );
    assert!(
        error("'%s and %s' % t.id")
            .0
            .contains("not enough arguments for format string")
    );
    assert!(
        error("'%q' % t.id")
            .0
            .contains("unsupported format character 'q' (0x71) at index 1")
    );
    assert!(
        error("events.kind % events.when")
            .0
            .contains("cannot apply '%' to ?string and datetime")
    );
    assert!(
        error("t[t.amount]")
            .0
            .contains("must select over a boolean predicate")
    );
    assert!(
        error("t.name + 1")
            .0
            .contains("cannot apply '+' to string and int64")
    );
    assert!(
        error("t.name.sum()")
            .0
            .contains("sum() needs numbers, not string")
    );
    assert!(
        error("t.sum()")
            .0
            .contains("sum() is not defined for a table")
    );
    assert!(
        error("t.amount.sum().sum()")
            .0
            .contains("reduces a collection")
    );
    assert!(
        error("t.amount.str.upper()")
            .0
            .contains(".str methods need strings, and t.amount is var * int32")
    );
    assert!(
        error("t.amount.year")
            .0
            .contains("year needs dates or datetimes")
    );
    assert!(
        error("t.amount + accounts.balance")
            .0
            .contains("not over the same rows")
    );
    assert!(
        error("events[events.when > 'soon']")
            .0
            .contains("'soon' is not a valid datetime")
    );
    assert_eq!(
        error("t.id.isin(t2)"),
        (
            "at line 1, column 11: isin takes a list or a column, and t2 is \
             var * {name: string, amount: int64, id: int64}"
                .to_owned(),
            11
        )
    );
    assert!(
        error("t.id.isin(t2.name)")
            .0
            .contains("isin cannot compare var * int64 with var * string")
    );
    assert!(
        error("t.relabel(x='y')")
            .0
            .contains("cannot relabel non-existent child fields: 'x'")
    );
    assert!(
        error("t.sort('amount', ascending=1)")
            .0
            .contains("ascending must be True or False, given 1")
    );
}

#[test]
fn calls_are_checked_like_python_calls() {
    assert!(
        error("t.head(1, 2)")
            .0
            .contains("head takes 1 positional argument but 2 were given")
    );
    assert!(
        error("t.head(m=1)")
            .0
            .contains("head got unknown keywords: m")
    );
    assert!(
        error("t.head(5, n=1)")
            .0
            .contains("head got multiple values for argument 'n'")
    );
    assert!(
        error("by(t.name, t.amount.sum())")
            .0
            .contains("has been removed")
    );
    assert_eq!(
        error("by(t.name, summary(n=t.id.count()), total=t.amount.sum())").0,
        "at line 1, column 12: by takes a summary or named reductions, not both"
    );
    assert!(
        error("by(t.name, total=t.amount)")
            .0
            .contains("is not a reduction")
    );
    assert!(error("t.amount.sum").0.contains("is a method: call it"));
    assert_eq!(
        error("t[t.amount > 0].nrows()").0,
        "at line 1, column 1: nrows is not a method: write t[t.amount > 0].nrows, without ()"
    );
    assert!(
        error("t.amount.sum(axis=1)")
            .0
            .contains("sum: axis 1 is out of bounds for 1 dimension")
    );
    assert_eq!(
        error("transform(t, replace=False, amount=t.amount * 2)").0,
        "at line 1, column 1: repeated columns found: amount; rename them with .label('...') or keywords"
    );
    assert!(
        error("transform(t, replace=1, z=t.id)")
            .0
            .contains("transform's replace must be True or False, given 1")
    );
    // Functions that are methods with the receiver first check the rest as the method does.
    assert_eq!(
        error("head()").0,
        "at line 1, column 1: head needs an expression to work on"
    );
    assert!(
        error("head(t, 1, 2)")
            .0
            .contains("head takes 1 positional argument but 2 were given")
    );
    assert!(
        error("nrows(t, 1)")
            .0
            .contains("nrows takes 0 positional arguments but 1 was given")
    );
    assert!(
        error("str_len(t.amount)")
            .0
            .contains(".str methods need strings, and t.amount is var * int32")
    );
}

#[test]
fn syntax_errors_point_at_the_place() {
    let (message, column) = error("t[t.amount > 100");
    assert!(message.contains("expected ',' or ']'"), "{message}");
    assert_eq!(column, 17);
    let (message, column) = error("t[(t.amount > 1) and (t.id < 2)]");
    assert!(
        message.contains("'and' is not supported: use &"),
        "{message}"
    );
    assert_eq!(column, 18);
}

#[test]
fn combining_tables_says_what_does_not_fit() {
    let cases = [
        (
            "join(t, events)",
            "cannot join t and events: they share no column names",
        ),
        (
            "join(t, cities, 'amount', 'city')",
            "the join keys have different types: amount=int32 and city=?string",
        ),
        (
            "join(t, cities, 'name', how='sideways')",
            "how must be one of 'inner', 'left', 'right', 'outer', not 'sideways'",
        ),
        (
            "join(t, cities, 'nam')",
            "'nam' is not a field of t; did you mean 'name'?",
        ),
        (
            "join(t.amount, cities)",
            "join combines tables, and t.amount is a column",
        ),
        (
            "concat(t, cities)",
            "cannot concat t (var * {name: string, amount: int32, id: int64}) and cities",
        ),
        ("merge(t.name, name=t.id)", "repeated columns found: name"),
        (
            "merge(t.name, cities.city)",
            "only columns of the same rows can be merged",
        ),
        (
            "merge(t.amount + t.id)",
            "has no name; name it with a keyword",
        ),
        (
            "t.amount.cumsum()[t.id > 1]",
            "its values depend on the rows around them; select from a table that has it as a column",
        ),
        (
            "transform(t, r=t.amount.cumsum())[t.id > 1]",
            "which are not those of",
        ),
        ("t.sample(n=2, frac=0.5)", "sample takes exactly one of n"),
        ("t.sample(frac=2)", "between 0 and 1, not 2"),
        (
            "t.amount.quantile(1.5)",
            "quantile's q is a fraction between 0 and 1",
        ),
        (
            "t.amount.rank(method='average')",
            "rank's method is one of 'min', 'dense', 'first', not 'average'",
        ),
        ("t.name.cumsum()", "cumsum() needs numbers, not string"),
        (
            "t.amount.cumsum(by=cities.name)",
            "by= takes columns of the same rows",
        ),
        (
            "coalesce(t.name, 1)",
            "cannot coalesce t.name (string) with 1 (int64)",
        ),
    ];
    for (text, expected) in cases {
        let (message, _) = error(text);
        assert!(message.contains(expected), "{text}: {message}");
    }
}

#[test]
fn string_and_date_methods_check_their_arguments() {
    let message = |text: &str| error(text).0;
    assert!(
        message("t.amount.str.upper()")
            .contains(".str methods need strings, and t.amount is var * int32"),
        "{}",
        message("t.amount.str.upper()")
    );
    assert!(message("t.name.str.title()").contains("'title' is not a string method"));
    assert!(message("t.name.str[::2]").contains("string slices take no step"));
    assert!(
        message("t.name.str.pad(5, 'middle')")
            .contains("pad's side is one of 'left', 'right', 'both', not 'middle'")
    );
    assert!(message("t.name.str.pad(5, 'left', '--')").contains("pad's fillchar is one character"));
    assert!(
        message("t.name.dt.year()").contains(".dt methods need dates, datetimes or timedeltas")
    );
    assert!(message("events.when.dt.days()").contains("days needs timedeltas, not datetime"));
    assert!(
        message("(events.when - events.when).dt.year()")
            .contains("year needs dates or datetimes, not timedelta")
    );
    assert!(message("events.when.dt.fortnight()").contains("'fortnight' is not a date method"));
    assert!(
        message("events.when.truncate(3, 'fortnights')")
            .contains("'fortnights' is not a unit of time")
    );
    assert!(
        message("events.day.truncate(10, 'minutes')")
            .contains("truncate to minutes needs datetimes, and dates have no time of day")
    );
    assert!(message("events.when.truncate(0, 'day')").contains("at least 1"));
    assert!(message("events.when.dt.floor('M')").contains("'M' is not a fixed frequency"));
    assert!(message("events.day.dt.ceil('h')").contains("dt.ceil needs datetimes"));
    assert!(message("t.name.map('title')").contains("map takes the name of a built-in function"));
    assert!(message("t.amount.map('sqrt', 'int32')").contains("'sqrt' gives float64, not int32"));
    assert!(
        message("t.amount.apply('frobnicate')").contains("apply takes the name of a reduction")
    );
    assert!(
        message("t.name.str.cat(t.amount)")
            .contains("str.cat joins strings, and t.amount is var * int32")
    );
}

#[test]
fn array_nodes_check_their_axes_and_shapes() {
    let message = |text: &str| error(text).0;
    assert!(message("m.sum(axis=2)").contains("sum: axis 2 is out of bounds for 2 dimensions"));
    assert!(message("m.sum(axis=(0, 0))").contains("sum: axis 0 is repeated"));
    assert!(message("c.argmax(axis=(0, 1))").contains("argmax() takes one axis or none"));
    assert!(message("m.argmin(keepdims=True)").contains("keeps no dimensions"));
    assert!(message("t.name.prod()").contains("prod() needs numbers, not string"));
    assert!(
        message("m.cumprod(axis=2)").contains("cumprod: axis 2 is out of bounds for 2 dimensions")
    );
    assert!(message("m.transpose((0,))").contains("transpose takes a permutation of all 2 axes"));
    assert!(
        message("m.dot(m)")
            .contains("shapes do not align: axis 1 of m has 4 elements, axis 0 of m has 3")
    );
    assert!(message("m.dot(t)").contains("dot works on n-d arrays, and t is var * {"));
    assert!(message("tensordot(m, c, axes=3)").contains("tensordot: cannot pair 3 axes"));
    assert!(message("m.sum(keepdims=1)").contains("keepdims must be True or False"));
    assert!(
        message("m[0, 0, 0]").contains("too many indices for m: it has 2 dimensions, 3 were given")
    );
    assert!(message("m[5, 0]").contains("index 5 is out of bounds for axis 0 with size 3"));
    assert_eq!(
        message("m[3]"),
        "at line 1, column 3: index 3 is out of bounds for axis 0 with size 3"
    );
    assert!(message("t.head(2)[-3]").contains("index -3 is out of bounds for axis 0 with size 2"));
    assert!(message("m[0, ::0]").contains("slice step cannot be zero"));
    assert!(message("m[m[0] > 0]").contains(
        "the mask m[0] > 0 (4 * bool) has neither the shape of m (3 * 4 * float64) nor one \
         value per row of it"
    ));
    assert!(message("m.shape").contains(
        "m.shape is not an expression: m is 3 * 4 * float64 (its dimensions are its shape"
    ));
    assert!(message("m + m.T").contains(
        "cannot combine m (3 * 4 * float64) and m.T (4 * 3 * float64): their shapes do not \
         broadcast"
    ));
    assert!(
        message("m - m.sum(axis=1)").contains("their shapes do not broadcast"),
        "(3, 4) and (3,) align from the last axis"
    );
    // A list of positions is numpy's fancy indexing, not a tuple of indices (`m[0, 2]`); where
    // the length is known, the positions are checked against it.
    assert!(message("m[[0, 3]]").contains("index 3 is out of bounds for axis 0 with size 3"));
    assert!(message("m[[-4]]").contains("index -4 is out of bounds for axis 0 with size 3"));
    assert_eq!(
        message("t[[0, 2.5]]"),
        "at line 1, column 7: a list of positions holds integers, not 2.5"
    );
    assert!(message("t[['name', 1]]").contains("a list of positions holds integers, not 'name'"));
    assert!(message("m[:, [0, 4]]").contains("index 4 is out of bounds for axis 1 with size 4"));
    assert_eq!(
        message("m[:, [0, 'a']]"),
        "at line 1, column 6: a list of positions holds integers"
    );
    assert!(message("m[[0], [1]]").contains("only one axis can be indexed by a list of positions"));
    // numpy would put the picked axis first, not where the axes' order has it.
    assert!(message("m[1, None, [0, 2]]").contains("integers apart from a list of positions"));
}
