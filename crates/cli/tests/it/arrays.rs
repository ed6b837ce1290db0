//! `blaze` over n-d arrays in .npy files: discover, query (checked against numpy's answers in
//! crates/array/tests/fixtures), --into, odo, errors.

use serde_json::Value;

use super::{blaze, stderr, stdout};

const X: &str = "x=crates/array/tests/fixtures/in_x.npy";

fn fixture(name: &str) -> String {
    format!("crates/array/tests/fixtures/{name}.npy")
}

/// The JSON answer of `blaze query BINDING EXPR --format json`.
fn query_json(binding: &str, expr: &str) -> Value {
    let out = blaze(&["query", binding, expr, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{expr}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

/// numpy's answer, read through the same printer.
fn numpy(name: &str) -> Value {
    query_json(&format!("e={}", fixture(name)), "e")
}

fn flatten(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| flatten(i, out)),
        Value::Number(n) => out.push(n.as_f64().unwrap()),
        Value::Bool(b) => out.push(f64::from(u8::from(*b))),
        other => panic!("unexpected {other}"),
    }
}

fn assert_close(actual: &Value, expected: &Value) {
    assert_eq!(actual["datashape"], expected["datashape"]);
    let (mut a, mut e) = (Vec::new(), Vec::new());
    flatten(&actual["data"], &mut a);
    flatten(&expected["data"], &mut e);
    assert_eq!(a.len(), e.len());
    for (x, y) in a.iter().zip(&e) {
        assert!((x - y).abs() <= 1e-9 * (1.0 + y.abs()), "{x} != {y}");
    }
}

#[test]
fn discover_prints_an_arrays_datashape() {
    let out = blaze(&["discover", &fixture("in_x")]);
    assert_eq!(stdout(&out), "7 * 9 * float64\n", "{}", stderr(&out));
    let out = blaze(&["discover", &fixture("in_i")]);
    assert_eq!(stdout(&out), "6 * 5 * int32\n");
}

#[test]
fn queries_match_numpy() {
    let cases = [
        ("x.sum(axis=0)", "x_sum_axis0"),
        ("x.T", "x_t"),
        ("x[2:6].T", "cli_x_rows_t"),
        ("x[2:6, ::2]", "x_rows_cols_step"),
        ("x[1:8:3, ::-2]", "x_steps_neg"),
        ("x[::-1, 3]", "x_reverse_col"),
        ("(x + 1).mean()", "cli_x_plus_1_mean"),
        ("x.dot(x.T)", "x_matmul_x_t"),
        ("x.std(axis=1)", "x_std_axis1"),
        ("x[-1]", "x_last_row"),
        ("exp(x)", "x_exp"),
    ];
    for (expr, expected) in cases {
        let got = query_json(X, expr);
        assert_close(&got, &numpy(expected));
    }
    let named = query_json(X, "x.sum(axis=0)");
    assert_eq!(named["names"], serde_json::json!(["x_sum"]));
    assert_eq!(named["datashape"], "9 * float64");
}

#[test]
fn a_preview_shows_the_first_rows() {
    let out = blaze(&["query", X, "x * 0 + 1", "--format", "table", "--limit", "2"]);
    assert_eq!(
        stdout(&out),
        "7 * 9 * float64\n[1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0]\n[1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0,1.0]\n... (7 along the first axis in all)\n"
    );
    let out = blaze(&["query", X, "(x * 0 + 2)[:2]", "--format", "csv"]);
    assert_eq!(
        stdout(&out),
        "2.0,2.0,2.0,2.0,2.0,2.0,2.0,2.0,2.0\n".repeat(2)
    );
    let out = blaze(&["query", X, "x.sum(axis=1) > 100", "--format", "ndjson"]);
    assert_eq!(stdout(&out), "false\n".repeat(7));
}

#[test]
fn results_go_into_npy_files_and_odo_copies_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("y.npy");
    let target = target.to_str().unwrap();
    let out = blaze(&["query", X, "x.T", "--into", target]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_close(&query_json(&format!("y={target}"), "y"), &numpy("x_t"));

    let out = blaze(&["query", X, "x.T", "--into", target]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("already exists; use --if-exists replace"),
        "{}",
        stderr(&out)
    );
    let out = blaze(&["query", X, "x", "--into", target, "--if-exists", "replace"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_close(&query_json(&format!("y={target}"), "y"), &numpy("in_x"));

    let copy = dir.path().join("copy.npy");
    let out = blaze(&["odo", &fixture("in_i"), copy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let copied = query_json(&format!("c={}", copy.display()), "c");
    let original = numpy("in_i");
    assert_eq!(copied["datashape"], "6 * 5 * int32");
    assert_eq!(copied["data"], original["data"]);
    let out = blaze(&[
        "odo",
        &fixture("in_i"),
        &dir.path().join("t.csv").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no conversion from .npy array to CSV"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn array_errors_are_clear() {
    let out = blaze(&["query", X, "x.sum(axis=5)"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("axis 5 is out of bounds for 2 dimensions"),
        "{}",
        stderr(&out)
    );
    let out = blaze(&[
        "query",
        X,
        "t=examples/data/accounts.csv",
        "x.sum() + t.balance.sum()",
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("tables and n-d arrays do not mix"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_shell_computes_arrays_and_names_array_expressions() {
    let state = tempfile::tempdir().unwrap();
    let out = super::shell(
        &[&fixture("in_i")],
        "z = in_i * 0 + 3\nz.sum(axis=0)\nz[:1, :2]\n:quit\n",
        state.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "z :: 6 * 5 * int64\n5 * int64\n18\n18\n18\n18\n18\n1 * 2 * int64\n[3,3]\n"
    );
}
