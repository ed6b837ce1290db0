//! The JSON tree format of Blaze's server (`spec/blaze.md` §4.4), both ways.

use blaze_expr::{Namespace, from_tree, symbol, to_tree};
use serde_json::json;

use crate::{expr, namespace};

#[test]
fn every_corpus_expression_round_trips() {
    let names = namespace();
    for (text, ..) in crate::typing::CORPUS {
        let e = expr(text);
        let tree = to_tree(&e, &[]);
        let back = from_tree(&tree, &names).unwrap_or_else(|err| panic!("{text}: {err}\n{tree}"));
        assert_eq!(back, e, "{text} as {tree}");
        // With the symbols written as names, the namespace supplies them.
        let named = to_tree(&e, &[("t", "t"), ("events", "events")]);
        assert_eq!(from_tree(&named, &names).unwrap(), e, "{text} as {named}");
    }
}

#[test]
fn trees_are_written_as_blaze_writes_them() {
    let dshape = "var * {name: string, amount: int32, id: int64}";
    let t = json!({"op": "Symbol", "args": ["t", {"__!datashape": dshape}, 0]});
    assert_eq!(
        to_tree(&expr("t.amount.sum()"), &[]),
        json!({"op": "sum", "args": [{"op": "Field", "args": [t, "amount"]}, [0], false]})
    );
    assert_eq!(
        to_tree(&expr("t.name"), &[("t", "t")]),
        json!({"op": "Field", "args": ["t", "name"]})
    );
    assert_eq!(
        to_tree(&expr("t[:5]"), &[("t", ":leaf")]),
        json!({"op": "Slice", "args": [":leaf", [{"op": "slice", "args": [null, 5, null]}]]})
    );
    assert_eq!(
        to_tree(&expr("t[[3, -1]]"), &[("t", ":leaf")]),
        json!({"op": "Slice", "args": [":leaf", [[3, -1]]]})
    );
    assert_eq!(
        to_tree(&expr("m[:, [2, 0]]"), &[("m", "m")]),
        json!({"op": "Slice", "args": ["m", [{"op": "slice", "args": [null, null, null]}, [2, 0]]]})
    );
    assert_eq!(
        to_tree(&expr("t[t.amount > 100].name"), &[("t", "t")]),
        json!({"op": "Field", "args": [
            {"op": "Selection", "args": ["t", {"op": "Gt", "args": [
                {"op": "Field", "args": ["t", "amount"]}, 100]}]},
            "name"]})
    );
    assert_eq!(
        to_tree(
            &expr("join(t, cities, 'name')"),
            &[("t", "t"), ("cities", "cities")]
        ),
        json!({"op": "Join", "args": ["t", "cities", "name", "name", "inner", ["_left", "_right"]]})
    );
    assert_eq!(
        to_tree(&expr("atan2(t.id, 1)"), &[("t", "t")]),
        json!({"op": "atan2", "args": [{"op": "Field", "args": ["t", "id"]}, 1]})
    );
    assert_eq!(
        to_tree(&expr("t.id.isin([1, 2])"), &[("t", "t")]),
        json!({"op": "IsIn", "args": [{"op": "Field", "args": ["t", "id"]}, {"__!frozenset": [1, 2]}]})
    );
    assert_eq!(
        to_tree(&expr("t.id.isin(t2.id)"), &[("t", "t"), ("t2", "t2")]),
        json!({"op": "IsIn", "args": [
            {"op": "Field", "args": ["t", "id"]}, {"op": "Field", "args": ["t2", "id"]}]})
    );
}

/// Date parts under Blaze's class names: the properties in camel case, the `.dt` methods as
/// written; both read back, as do the aliases Blaze has classes for.
#[test]
fn date_parts_are_named_as_blaze_names_them() {
    let names = namespace();
    let when = json!({"op": "Field", "args": ["events", "when"]});
    let written = [
        ("events.when.year", json!({"op": "Year", "args": [when]})),
        (
            "events.when.dt.weekday_name()",
            json!({"op": "weekday_name", "args": [when]}),
        ),
        (
            "events.when.dt.floor('h')",
            json!({"op": "Floor", "args": [when, "h"]}),
        ),
        (
            "events.when.dt.strftime('%Y')",
            json!({"op": "strftime", "args": [when, "%Y"]}),
        ),
    ];
    for (text, tree) in written {
        assert_eq!(
            to_tree(&expr(text), &[("events", "events")]),
            tree,
            "{text}"
        );
        assert_eq!(from_tree(&tree, &names).unwrap(), expr(text), "{tree}");
    }
    // Blaze's classes for `%` and `*` of text.
    let name = json!({"op": "Field", "args": ["t", "name"]});
    let text_ops = [
        (
            "'<%s>' % t.name",
            json!({"op": "Interp", "args": ["<%s>", name]}),
        ),
        ("t.name * 2", json!({"op": "Repeat", "args": [name, 2]})),
    ];
    for (text, tree) in text_ops {
        assert_eq!(to_tree(&expr(text), &[("t", "t")]), tree, "{text}");
        assert_eq!(from_tree(&tree, &names).unwrap(), expr(text), "{tree}");
    }
    let delta = json!({"op": "Sub", "args": [when, {"op": "max", "args": [when, [0], false]}]});
    let read = [
        (
            json!({"op": "dayofweek", "args": [when]}),
            "events.when.dt.weekday()",
        ),
        (
            json!({"op": "WeekdayName", "args": [when]}),
            "events.when.dt.weekday_name()",
        ),
        (
            json!({"op": "DateTimeCeil", "args": [when, "h"]}),
            "events.when.dt.ceil('h')",
        ),
        (
            json!({"op": "total_seconds", "args": [delta]}),
            "(events.when - events.when.max()).dt.total_seconds()",
        ),
    ];
    for (tree, text) in read {
        assert_eq!(
            from_tree(&tree, &names).unwrap().to_string(),
            text,
            "{tree}"
        );
    }
}

#[test]
fn hand_written_requests_are_read() {
    let mut names = Namespace::new();
    let iris = symbol(
        "iris",
        blaze_datashape::parse("var * {species: string, petal_length: float64}").unwrap(),
    );
    names.bind(":leaf", iris);
    names.bind("pl", blaze_expr::literal(blaze_expr::Value::Int(5)));
    // Reductions without axis and keepdims.
    let e = from_tree(
        &json!({"op": "sum", "args": [{"op": "Field", "args": [":leaf", "petal_length"]}]}),
        &names,
    )
    .unwrap();
    assert_eq!(e.to_string(), "iris.petal_length.sum()");
    assert_eq!(e.dshape().to_string(), "float64");
    // A namespace value inside a predicate; a string operand that names nothing is text.
    let e = from_tree(
        &json!({"op": "Field", "args": [
            {"op": "Selection", "args": [":leaf", {"op": "And", "args": [
                {"op": "Gt", "args": [{"op": "Field", "args": [":leaf", "petal_length"]}, "pl"]},
                {"op": "Ne", "args": [{"op": "Field", "args": [":leaf", "species"]}, "Iris-setosa"]}]}]},
            "species"]}),
        &names,
    )
    .unwrap();
    assert_eq!(
        e.to_string(),
        "iris[(iris.petal_length > 5) & (iris.species != 'Iris-setosa')].species"
    );
    // By over a Summary, as Blaze's client sends it.
    let e = from_tree(
        &json!({"op": "By", "args": [
            {"op": "Field", "args": [":leaf", "species"]},
            {"op": "Summary", "args": [":leaf", ["max", "n"], [
                {"op": "max", "args": [{"op": "Field", "args": [":leaf", "petal_length"]}, [0], false]},
                {"op": "count", "args": [{"op": "Field", "args": [":leaf", "species"]}]}],
                [0], false]}]}),
        &names,
    )
    .unwrap();
    assert_eq!(
        e.to_string(),
        "by(iris.species, max=iris.petal_length.max(), n=iris.species.count())"
    );
}

#[test]
fn bad_trees_say_what_is_wrong() {
    let names = namespace();
    let error = |tree: serde_json::Value| from_tree(&tree, &names).unwrap_err().to_string();
    assert_eq!(
        error(json!({"op": "Frobnicate", "args": []})),
        "expression tree: unknown expression node 'Frobnicate'"
    );
    assert!(
        error(json!({"op": "Field", "args": ["nobody", "x"]})).contains("unknown name 'nobody'")
    );
    assert!(
        error(json!({"op": "Field", "args": ["t", "amout"]}))
            .contains("'amout' is not a field of t; did you mean 'amount'?")
    );
    assert!(
        error(json!({"op": "sum", "args": ["x", [1], false]}))
            .contains("axis 1 is out of bounds for 1 dimension")
    );
    assert!(error(json!({"args": []})).contains("needs an \"op\""));
    assert!(
        error(json!({"op": "Slice", "args": ["t", [[0, "a"]]]}))
            .contains("positions are integers, not \"a\"")
    );
    assert!(error(json!({"op": "Head", "args": ["t", "many"]})).contains("must be an integer"));
}
