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
        ("x[None, 3:5, None, :2]", "x_newaxes"),
        ("x[[3, 0, 3, -1, 6]]", "x_take_rows"),
        ("x[1:6, [8, 0, 8, 2]]", "x_take_cols_of_rows"),
        ("x[[5, 1], 2:7].sum(axis=0)", "cli_x_take_sum"),
        ("exp(x)", "x_exp"),
        ("asinh(x)", "x_arcsinh"),
        ("radians(x * 90)", "x_deg2rad"),
        ("fmod(x * 3, -0.7)", "x_fmod_neg07"),
        // Arrays of different slices and shapes broadcast.
        ("x[:, :1] - x[:1, :]", "x_col_minus_row"),
        ("x - x.mean(axis=0)", "cli_x_centered"),
        ("x[1:, 1:] - x[:-1, :-1]", "cli_x_diff"),
        // Reductions numpy has and Blaze did not.
        ("x.prod(axis=1)", "x_prod_axis1"),
        ("x.argmax(axis=0)", "x_argmax_axis0"),
        ("x.argmin(axis=1)", "x_argmin_axis1"),
        ("x.argmax()", "x_argmax"),
        // Running sums and products along an axis.
        ("x.cumsum(axis=1)", "x_cumsum_axis1"),
        ("x.cumprod(axis=0)", "x_cumprod_axis0"),
        // Without an axis, over the elements in order.
        ("x.cumsum()", "x_cumsum"),
    ];
    for (expr, expected) in cases {
        let got = query_json(X, expr);
        assert_close(&got, &numpy(expected));
    }
    // Integers run as int64, as numpy's.
    let i = format!("i={}", fixture("in_i"));
    assert_close(
        &query_json(&i, "i.cumsum(axis=0)"),
        &numpy("i_cumsum_axis0"),
    );
    assert_close(
        &query_json(&format!("a={}", fixture("in_a3")), "a.cumprod()"),
        &numpy("a3_cumprod"),
    );
    let named = query_json(X, "x.sum(axis=0)");
    assert_eq!(named["names"], serde_json::json!(["x_sum"]));
    assert_eq!(named["datashape"], "9 * float64");
}

#[test]
fn arithmetic_is_computed_in_the_type_its_datashape_gives() {
    // u is uint8: [0, 1, 2, 100, 200, 250, 254, 255, 7, 9]. Blaze types `u + 1` int64, so
    // 255 + 1 is 256 (numpy would wrap around to 0 in uint8).
    let u = format!("u={}", fixture("in_u"));
    let plus = query_json(&u, "u + 1");
    assert_eq!(plus["datashape"], "10 * int64");
    assert_eq!(
        plus["data"],
        serde_json::json!([1, 2, 3, 101, 201, 251, 255, 256, 8, 10])
    );
    assert_eq!(query_json(&u, "(u * 2).max()")["data"], 510);
    // uint8 with uint8 stays uint8, as both Blaze and numpy type it: 255 + 255 wraps to 254.
    let twice = query_json(&u, "u + u");
    assert_eq!(twice["datashape"], "10 * uint8");
    assert_eq!(twice["data"][7], 254);
}

#[test]
fn counts_leave_out_nan_and_nelements_counts_along_axes() {
    let n = format!("n={}", fixture("in_n"));
    assert_close(
        &query_json(&n, "n.count(axis=0)"),
        &numpy("cli_n_count_axis0"),
    );
    // The first NaN, as numpy's argmin.
    assert_close(&query_json(&n, "n.argmin()"), &numpy("n_argmin"));
    // numpy: n has 63 elements, 2 of them NaN.
    assert_eq!(query_json(&n, "n.count()")["data"], 61);
    assert_eq!(query_json(&n, "n.nelements()")["data"], 63);
    let along = query_json(&n, "n.nelements(axis=1, keepdims=True)");
    assert_eq!(along["datashape"], "7 * 1 * int32");
    assert_eq!(
        along["data"],
        serde_json::json!([[9], [9], [9], [9], [9], [9], [9]])
    );
    // Blaze's nrows is nelements along the first axis.
    let rows = query_json(&n, "n.nrows");
    assert_eq!(rows["datashape"], "9 * int32");
    assert_eq!(rows["data"], serde_json::json!(vec![7; 9]));
}

#[test]
fn one_d_arrays_sort_and_take_distinct_values_windows_and_medians_as_columns() {
    // v = x[:, 0] of the fixture, through a .npy file of its own.
    let dir = tempfile::tempdir().unwrap();
    let v = dir.path().join("v.npy");
    let out = blaze(&["query", X, "x[:, 0]", "--into", v.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let binding = format!("v={}", v.display());
    let column = |expr: &str| -> Vec<f64> {
        let mut values = Vec::new();
        flatten(&query_json(&binding, expr)["data"], &mut values);
        values
    };
    let mut sorted = column("v");
    sorted.sort_by(f64::total_cmp);
    assert_eq!(column("v.sort()"), sorted);
    let descending: Vec<f64> = sorted.iter().rev().copied().collect();
    assert_eq!(column("v.sort(ascending=False)"), descending);
    // Sorted, as NumPy's unique gives them; repeats once.
    assert_eq!(
        column("v.distinct()"),
        sorted,
        "the fixture's values are distinct"
    );
    assert_eq!(column("concat(v, v[::-1]).distinct()"), sorted);
    assert_eq!(query_json(&binding, "v.nunique()")["data"], 7);
    assert_eq!(query_json(&binding, "v.median()")["data"], sorted[3]);
    let running: Vec<f64> = column("v")
        .iter()
        .scan(0.0, |total, x| {
            *total += x;
            Some(*total)
        })
        .collect();
    for (got, want) in column("v.cumsum()").iter().zip(&running) {
        assert!((got - want).abs() < 1e-12, "{got} != {want}");
    }
    // What neither engine computes on n-d arrays is still refused by name.
    let out = blaze(&["query", X, "x.sort()"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("x.sort() on n-d arrays"),
        "{}",
        stderr(&out)
    );
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
}

/// `blaze odo FROM TO`, which must succeed.
fn odo_ok(from: &str, to: &str) {
    let out = blaze(&["odo", from, to]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{from} → {to}: {}",
        stderr(&out)
    );
}

#[test]
fn arrays_and_tables_convert_into_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).display().to_string();

    // A 2-d array is a table with a column per array column, f0 … f4, row by row.
    odo_ok(&fixture("in_i"), &at("i.csv"));
    let text = std::fs::read_to_string(at("i.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("f0,f1,f2,f3,f4"));
    let rows: Vec<Value> = lines
        .map(|l| {
            Value::Array(
                l.split(',')
                    .map(|v| v.parse::<i64>().unwrap().into())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(Value::Array(rows), numpy("in_i")["data"]);

    // And back: the CSV's int64 columns become a 6 × 5 int64 array of the same values.
    odo_ok(&at("i.csv"), &at("back.npy"));
    let back = query_json(&format!("b={}", at("back.npy")), "b");
    assert_eq!(back["datashape"], "6 * 5 * int64");
    assert_eq!(back["data"], numpy("in_i")["data"]);

    // A 1-d array is one column; through Parquet into Zarr and back.
    odo_ok(&fixture("in_v"), &at("v.parquet"));
    let sum = query_json(&format!("v={}", at("v.parquet")), "v.f0.sum()");
    assert_close(
        &sum,
        &query_json(&format!("v={}", fixture("in_v")), "v.sum()"),
    );
    odo_ok(&at("v.parquet"), &at("v.zarr"));
    assert_close(
        &query_json(&format!("v={}", at("v.zarr")), "v"),
        &numpy("in_v"),
    );

    // NaN survives the trip through CSV text, as NaN (null in JSON).
    odo_ok(&fixture("in_n"), &at("n.csv"));
    odo_ok(&at("n.csv"), &format!("{}::/n", at("n.h5")));
    let n = query_json(&format!("n={}::/n", at("n.h5")), "n");
    assert_eq!(n["data"], numpy("in_n")["data"]);

    // Booleans stay booleans; a table of one column is a 1-d array.
    odo_ok(&fixture("in_b"), &at("b.csv"));
    odo_ok(&at("b.csv"), &at("b.npy"));
    assert_eq!(
        query_json(&format!("b={}", at("b.npy")), "b")["data"],
        numpy("in_b")["data"]
    );

    // Mixed integer and float columns share float64; a missing float is NaN.
    std::fs::write(at("mixed.csv"), "a,b\n1,2.5\n2,\n").unwrap();
    odo_ok(&at("mixed.csv"), &at("mixed.npy"));
    let mixed = query_json(&format!("m={}", at("mixed.npy")), "m");
    assert_eq!(mixed["datashape"], "2 * 2 * float64");
    assert_eq!(mixed["data"], serde_json::json!([[1.0, 2.5], [2.0, null]]));
}

#[test]
fn arrays_go_into_groups_of_a_zarr_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.zarr");
    let node = |path: &str| format!("{}::{path}", store.display());
    odo_ok(&fixture("in_i"), &node("raw/i"));
    let out = blaze(&["query", X, "x.T", "--into", &node("derived/x_t")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        query_json(&format!("i={}", node("raw/i")), "i")["data"],
        numpy("in_i")["data"]
    );
    assert_close(
        &query_json(&format!("t={}", node("derived/x_t")), "t"),
        &numpy("x_t"),
    );
    // The store is a record of its arrays; moved as one array, it names them.
    let out = blaze(&["discover", store.to_str().unwrap()]);
    assert_eq!(
        stdout(&out),
        "{derived: {x_t: 9 * 7 * float64}, raw: {i: 6 * 5 * int32}}\n",
        "{}",
        stderr(&out)
    );
    let out = blaze(&[
        "odo",
        store.to_str().unwrap(),
        dir.path().join("one.npy").to_str().unwrap(),
    ]);
    assert!(
        stderr(&out).contains("the store is a Zarr group; name an array in it")
            && stderr(&out).contains("(it has derived/x_t, raw/i)"),
        "{}",
        stderr(&out)
    );
    let out = blaze(&["odo", &fixture("in_i"), &node("raw/i")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
}

#[test]
fn a_file_of_several_arrays_binds_as_a_record_of_them() {
    let h5 = stored("data.h5");
    let out = blaze(&["discover", &h5]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The strings dataset has no array element type here and is left out.
    assert_eq!(
        stdout(&out).split_whitespace().collect::<String>(),
        "{b:9*2*bool,f32:5*4*3*float32,f64:13*7*float64,group:{inner:{chunked:13*7*float64}},\
         i32:6*9*int32,i64:11*int64,u8:4*10*uint8}"
    );
    let d = format!("d={h5}");
    let nested = query_json(&d, "d.group.inner.chunked");
    assert_eq!(nested["datashape"], "13 * 7 * float64");
    assert_eq!(
        nested["data"],
        query_json(&format!("f={h5}::/f64"), "f")["data"]
    );
    let doubled = query_json(&d, "d.i64 * 2");
    let single = query_json(&format!("i={h5}::/i64"), "i * 2");
    assert_eq!(doubled["data"], single["data"]);

    let out = blaze(&["query", &d, "d.group", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "'d.group' is a group of arrays ({inner: {chunked: 13 * 7 * float64}}); name one of them"
        ),
        "{}",
        stderr(&out)
    );
    // A Zarr store whose root is a group, too.
    let g = format!("g={}", stored("group.zarr"));
    assert_eq!(query_json(&g, "g.inner.data")["data"], nested["data"]);
}

#[test]
fn record_arrays_saved_by_numpy_are_tables() {
    let records = stored("records.npy");
    let out = blaze(&["discover", &records]);
    assert_eq!(
        stdout(&out),
        "3 * {id: int32, amount: float64, name: string, code: string, ok: bool}\n",
        "{}",
        stderr(&out)
    );
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("records.csv");
    odo_ok(&records, csv.to_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        "id,amount,name,code,ok\n1,2.5,alice,x,true\n2,-1.0,bob,yy,false\n3,0.0,ω,,true\n"
    );
    let r = format!("r={records}");
    assert_eq!(query_json(&r, "r[r.ok].amount.sum()")["data"], 2.5);
    assert_eq!(
        query_json(&r, "r.name")["data"],
        serde_json::json!(["alice", "bob", "ω"])
    );
    // Padding between aligned fields is skipped.
    let aligned = query_json(&format!("a={}", stored("records_aligned.npy")), "a");
    assert_eq!(aligned["datashape"], "1 * {\n  a: int8,\n  b: float64\n  }");
    assert_eq!(aligned["data"], serde_json::json!([[7, 1.5]]));
}

#[test]
fn tables_with_text_are_written_as_record_arrays() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dir.path().join("iris.npy");
    odo_ok("examples/data/iris.csv", iris.to_str().unwrap());
    let bytes = std::fs::read(&iris).unwrap();
    // Readable by others, as any file odo writes (not a temporary file's 0600).
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&iris).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o644);
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    assert_eq!((10 + header_len) % 64, 0);
    assert_eq!(
        String::from_utf8_lossy(&bytes[10..10 + header_len]).trim_end(),
        "{'descr': [('sepal_length', '<f8'), ('sepal_width', '<f8'), ('petal_length', '<f8'), \
         ('petal_width', '<f8'), ('species', '<U15')], 'fortran_order': False, 'shape': (150,), }"
    );
    // 4 floats and 15 UCS-4 characters (Iris-versicolor) per record.
    assert_eq!(bytes.len(), 10 + header_len + 150 * (4 * 8 + 15 * 4));
    let out = blaze(&["discover", iris.to_str().unwrap()]);
    assert_eq!(
        stdout(&out).replace(['\n', ' '], ""),
        "150*{sepal_length:float64,sepal_width:float64,petal_length:float64,petal_width:float64,species:string}"
    );
    let i = format!("i={}", iris.display());
    assert_eq!(
        query_json(&i, "i[i.species == 'Iris-versicolor'].petal_length.max()")["data"],
        5.1
    );
    assert_eq!(query_json(&i, "i.species.nunique()")["data"], 3);

    // The plan says what is written: a record array for a table with text, an n-d array for
    // numbers only, whatever the target held before (replacing a record array works).
    let conversions = |source: &str, target: &std::path::Path| -> Vec<String> {
        let out = blaze(&[
            "odo",
            "--explain",
            "--format",
            "json",
            source,
            target.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
        plan["path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|step| step["conversion"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        conversions("examples/data/iris.csv", &iris),
        ["ReadFile", "WriteNpyRecords"]
    );
    let numbers = dir.path().join("numbers.csv");
    std::fs::write(&numbers, "a,b\n1,2\n3,4\n").unwrap();
    assert_eq!(
        conversions(numbers.to_str().unwrap(), &iris),
        ["ReadFile", "TableToArray", "WriteArray"]
    );
    assert_eq!(
        conversions(iris.to_str().unwrap(), &dir.path().join("copy.npy")),
        ["ReadNpyRecords", "WriteNpyRecords"]
    );
    for (source, datashape) in [
        (
            "examples/data/accounts.csv",
            "5 * {id: int64, name: string, balance: int64}\n",
        ),
        (numbers.to_str().unwrap(), "2 * 2 * int64\n"),
    ] {
        let out = blaze(&[
            "odo",
            source,
            iris.to_str().unwrap(),
            "--if-exists",
            "replace",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(
            stdout(&blaze(&["discover", iris.to_str().unwrap()])),
            datashape
        );
    }
    // Into an existing .npy file without --if-exists, refused before the source is read: a
    // source that cannot be read does not get the chance to say so.
    let unreadable = dir.path().join("unreadable.csv");
    std::fs::write(&unreadable, b"a,b\n1,2\n\xff\xfe,3\n").unwrap();
    let out = blaze(&["odo", unreadable.to_str().unwrap(), iris.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("already exists; use --if-exists replace"),
        "{}",
        stderr(&out)
    );

    // field comes back as unicode text).
    let again = dir.path().join("again.npy");
    odo_ok(&stored("records.npy"), again.to_str().unwrap());
    let out = blaze(&["discover", again.to_str().unwrap()]);
    assert_eq!(
        stdout(&out),
        "3 * {id: int32, amount: float64, name: string, code: string, ok: bool}\n"
    );
    let csv = dir.path().join("again.csv");
    odo_ok(again.to_str().unwrap(), csv.to_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        "id,amount,name,code,ok\n1,2.5,alice,x,true\n2,-1.0,bob,yy,false\n3,0.0,ω,,true\n"
    );

    // Field names are Python literals: quotes, commas, brackets and a field called 'shape'
    // survive the trip.
    let odd = dir.path().join("odd.csv");
    std::fs::write(&odd, "shape,\"it's, (odd)]\",name\n3,1.5,a\n4,2.5,b\n").unwrap();
    let odd_npy = dir.path().join("odd.npy");
    odo_ok(odd.to_str().unwrap(), odd_npy.to_str().unwrap());
    let out = blaze(&["discover", odd_npy.to_str().unwrap()]);
    assert_eq!(
        stdout(&out),
        "2 * {shape: int64, \"it's, (odd)]\": float64, name: string}\n",
        "{}",
        stderr(&out)
    );
    let back = dir.path().join("odd_back.csv");
    odo_ok(odd_npy.to_str().unwrap(), back.to_str().unwrap());
    assert_eq!(
        std::fs::read_to_string(&back).unwrap(),
        "shape,\"it's, (odd)]\",name\n3,1.5,a\n4,2.5,b\n"
    );

    // One long text makes every record wide; they are still written a bounded run at a time.
    let wide = dir.path().join("wide.csv");
    let mut text = String::from("id,note\n");
    for i in 0..20_000 {
        if i == 5 {
            text.push_str(&format!("{i},{}\n", "x".repeat(3000)));
        } else {
            text.push_str(&format!("{i},v{i}\n"));
        }
    }
    std::fs::write(&wide, text).unwrap();
    let wide_npy = dir.path().join("wide.npy");
    odo_ok(wide.to_str().unwrap(), wide_npy.to_str().unwrap());
    let bytes = std::fs::read(&wide_npy).unwrap();
    let header_len = usize::from(u16::from_le_bytes([bytes[8], bytes[9]]));
    assert_eq!(bytes.len(), 10 + header_len + 20_000 * (8 + 3000 * 4));
    let w = format!("w={}", wide_npy.display());
    assert_eq!(query_json(&w, "w.nrows")["data"], 20_000);
    assert_eq!(
        query_json(&w, "w[w.id == 5].note")["data"][0],
        "x".repeat(3000)
    );
    assert_eq!(query_json(&w, "w[w.id == 19999].note")["data"][0], "v19999");

    // A missing text value cannot be held, and nothing is left behind.
    let gaps = dir.path().join("gaps.csv");
    std::fs::write(&gaps, "id,name\n1,a\n2,\n").unwrap();
    let target = dir.path().join("gaps.npy");
    let out = blaze(&[
        "odo",
        gaps.to_str().unwrap(),
        target.to_str().unwrap(),
        "--dshape",
        "var * {id: int64, name: ?string}",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "column 'name' is missing a value in row 2 of the table, which a numpy record array cannot hold"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!target.exists());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with('.')),
        "left behind: {names:?}"
    );
}

#[test]
fn array_results_stream_as_arrow_rows() {
    let out = blaze(&["query", X, "x[2:6].T", "--format", "arrow"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reader =
        arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(out.stdout), None).unwrap();
    let names: Vec<String> = reader
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(names, ["f0", "f1", "f2", "f3"]);
    let mut got = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        for row in 0..batch.num_rows() {
            for column in batch.columns() {
                let text = arrow::util::display::array_value_to_string(column, row).unwrap();
                got.push(text.parse::<f64>().unwrap());
            }
        }
    }
    let mut want = Vec::new();
    flatten(&numpy("cli_x_rows_t")["data"], &mut want);
    assert_eq!(got, want);
    let out = blaze(&[
        "query",
        &format!("a={}", fixture("in_a3")),
        "a",
        "--format",
        "arrow",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a table holds arrays of one or two dimensions"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn array_results_go_into_tables() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("rows.csv");
    let out = blaze(&["query", X, "x[2:6].T", "--into", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let back = query_json(&format!("r={}", csv.display()), "r");
    let expected = numpy("cli_x_rows_t");
    let (mut got, mut want) = (Vec::new(), Vec::new());
    for row in back["data"].as_array().unwrap() {
        flatten(row, &mut got);
    }
    flatten(&expected["data"], &mut want);
    assert_eq!(got, want);
    assert_eq!(back["names"], serde_json::json!(["f0", "f1", "f2", "f3"]));

    // Into a SQLite table, then out of it into an array again.
    let db = format!("sqlite:///{}::t", dir.path().join("out.db").display());
    let out = blaze(&["query", X, "x * 2", "--into", &db]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let total = query_json(&format!("t={db}"), "t.f8.sum()");
    assert_close(&total, &query_json(X, "(x * 2)[:, 8].sum()"));
    let npy = dir.path().join("again.npy");
    odo_ok(&db, npy.to_str().unwrap());
    assert_close(
        &query_json(&format!("a={}", npy.display()), "a"),
        &query_json(X, "x * 2"),
    );
}

#[test]
fn tables_that_are_not_arrays_are_refused_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.npy");
    let refused = |from: &str, to: &str, message: &str| {
        let to = dir.path().join(to);
        let out = blaze(&["odo", from, to.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{from}");
        assert!(stderr(&out).contains(message), "{from}: {}", stderr(&out));
        assert!(!to.exists(), "{from}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{from} left a file"
        );
    };
    refused(
        "examples/data/iris.csv",
        "out.zarr",
        "column 'species' is string; only numeric and boolean columns become an n-d array",
    );
    // A .npy file takes text as a record array, but not times.
    refused(
        "examples/data/events.jsonl",
        "out.npy",
        "column 'when' is datetime[tz='UTC']; a numpy record array is written with numbers, booleans and text",
    );
    // Rows of integers are written before the missing value is met.
    let gaps = dir.path().join("gaps.csv");
    let mut text = String::from("id,n\n");
    for i in 0..100_000 {
        text.push_str(&format!("{i},{i}\n"));
    }
    text.push_str("100000,\n");
    std::fs::write(&gaps, text).unwrap();
    let out = blaze(&[
        "odo",
        gaps.to_str().unwrap(),
        target.to_str().unwrap(),
        "--dshape",
        "var * {id: int64, n: ?int64}",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("column 'n' is missing a value in row 100001 of the table, which an array of int64 cannot hold"),
        "{}",
        stderr(&out)
    );
    assert!(!target.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only gaps.csv is left"
    );

    let out = blaze(&[
        "odo",
        &fixture("in_a3"),
        dir.path().join("a3.csv").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "is a 3-d array (3 * 4 * 5 * float64); a table holds arrays of one or two dimensions"
        ),
        "{}",
        stderr(&out)
    );
}

/// `--profile` writes a Chrome trace of the tasks that ran, `--graph` the task graph in DOT;
/// a table result, or rows on their way to a table, refuse `--profile` before computing.
#[test]
fn array_queries_write_their_profile_and_task_graph() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    let graph = dir.path().join("graph.dot");
    let (trace_arg, graph_arg) = (trace.to_str().unwrap(), graph.to_str().unwrap());
    let out = blaze(&[
        "query",
        X,
        "(x + 1).sum(axis=0)",
        "--format",
        "json",
        "--profile",
        trace_arg,
        "--graph",
        graph_arg,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let dot = std::fs::read_to_string(&graph).unwrap();
    assert!(dot.starts_with("digraph {"), "{dot}");
    let trace: Value = serde_json::from_slice(&std::fs::read(&trace).unwrap()).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    assert!(!events.is_empty(), "{trace}");
    for event in events {
        assert_eq!(event["ph"], "X");
        assert!(event["dur"].as_f64().unwrap() >= 0.0);
        // Every task that ran is a node of the graph.
        let name = event["name"].as_str().unwrap();
        assert!(dot.contains(&format!("\"{name}\"")), "{name} not in {dot}");
    }

    // With --explain, the graph is written and nothing computed.
    std::fs::remove_file(&graph).unwrap();
    let out = blaze(&["query", X, "x.T", "--explain", "--graph", graph_arg]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(&graph)
            .unwrap()
            .starts_with("digraph {")
    );

    let out = blaze(&[
        "query",
        "t=examples/data/accounts.csv",
        "t.balance.sum()",
        "--profile",
        trace_arg,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("this result is a table"),
        "{}",
        stderr(&out)
    );
    let out = blaze(&["query", X, "x", "--format", "arrow", "--profile", trace_arg]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not --format arrow"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());
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
fn an_array_result_larger_than_the_memory_limit_is_refused_before_it_is_computed() {
    let out = blaze(&[
        "query",
        X,
        "x * 2",
        "--memory-limit",
        "1K",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "error: the result (7 * 9 * float64) needs about 5.4 KiB of memory to print, more than the 1.0 KiB available; store it block by block with --into (out.npy, out.zarr, out.h5::/x) or print part of it\n"
    );
    // Part of it fits.
    let out = blaze(&[
        "query",
        X,
        "(x * 2)[:1, :2]",
        "--memory-limit",
        "1K",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
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

fn stored(name: &str) -> String {
    format!("crates/array/tests/fixtures/stored/{name}")
}

#[test]
fn zarr_and_hdf5_arrays_are_discovered_and_queried() {
    for uri in [
        stored("f64.v2.zarr"),
        stored("f64.v3.zarr"),
        stored("group.zarr::inner/data"),
        stored("data.h5::/f64"),
        format!("hdf5://{}::group/inner/chunked", stored("data.h5")),
    ] {
        let out = blaze(&["discover", &uri]);
        assert_eq!(
            stdout(&out),
            "13 * 7 * float64\n",
            "{uri}: {}",
            stderr(&out)
        );
        let expected = query_json(&format!("e={}", stored("f64.npy")), "e.sum(axis=0)");
        assert_close(&query_json(&format!("x={uri}"), "x.sum(axis=0)"), &expected);
        let expected = query_json(&format!("e={}", stored("f64.npy")), "e[10:, ::2].T");
        assert_close(&query_json(&format!("x={uri}"), "x[10:, ::2].T"), &expected);
    }
    // Moving a file of several datasets needs one named; the message lists them.
    let dir = tempfile::tempdir().unwrap();
    let out = blaze(&[
        "odo",
        &stored("data.h5"),
        dir.path().join("one.npy").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("name the HDF5 dataset, as in")
            && stderr(&out).contains("/group/inner/chunked"),
        "{}",
        stderr(&out)
    );
    let out = blaze(&["discover", &stored("data.h5::/strings")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unsupported element type"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn chunks_of_zarr_and_hdf5_targets_are_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).display().to_string();
    let x = fixture("in_x");
    let run = |args: &[&str]| {
        let out = blaze(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    };
    let h5 = format!("{}::/x", at("c.h5"));
    run(&["odo", &x, &at("c.zarr"), "--chunks", "3,4"]);
    run(&["odo", &x, &h5, "--chunks", "2"]);
    run(&[
        "query",
        &format!("x={x}"),
        "x.T",
        "--into",
        &at("t.zarr"),
        "--chunks",
        "-1,5",
    ]);
    // The store's own metadata says so.
    let chunk_shape = |store: &str| {
        let meta = std::fs::read_to_string(format!("{store}/zarr.json")).unwrap();
        let meta: Value = serde_json::from_str(&meta).unwrap();
        meta["chunk_grid"]["configuration"]["chunk_shape"].clone()
    };
    assert_eq!(chunk_shape(&at("c.zarr")), serde_json::json!([3, 4]));
    assert_eq!(chunk_shape(&at("t.zarr")), serde_json::json!([9, 5]));
    // Read back in whole stored chunks (along the first axis grown to at least 16 MiB).
    let blocks = |uri: &str| {
        let out = blaze(&["query", &format!("c={uri}"), "c", "--explain"]);
        stdout(&out).lines().nth(1).unwrap_or_default().to_owned()
    };
    assert_eq!(blocks(&at("c.zarr")), "  blocks: 3 of at most 7 × 4");
    assert_eq!(blocks(&h5), "  blocks: 5 of at most 7 × 2");
    let original = query_json(&format!("e={x}"), "e");
    for uri in [at("c.zarr"), h5] {
        assert_eq!(
            query_json(&format!("c={uri}"), "c")["data"],
            original["data"]
        );
    }
    assert_eq!(
        query_json(&format!("t={}", at("t.zarr")), "t")["data"],
        query_json(&format!("e={x}"), "e.T")["data"]
    );
    // Only Zarr stores and HDF5 datasets have chunks, as many as the array's axes.
    for (args, error) in [
        (
            vec!["odo", &x, &at("c.npy"), "--chunks", "3"],
            "c.npy is not chunked: chunks are for a Zarr store or an HDF5 dataset",
        ),
        (
            vec!["odo", &x, &at("d.zarr"), "--chunks", "3,4,5"],
            "invalid chunks: 3 block lengths for an array of 2 dimensions",
        ),
        (
            vec!["odo", &x, &at("d.zarr"), "--chunks", "0"],
            "'0' is not a block length",
        ),
        (
            vec!["query", &format!("x={x}"), "x", "--chunks", "3"],
            "--chunks sets the chunks of a result written --into a Zarr store or an HDF5 dataset",
        ),
    ] {
        let out = blaze(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(error), "{args:?}: {}", stderr(&out));
    }
    assert!(!std::path::Path::new(&at("d.zarr")).exists());
    assert!(!std::path::Path::new(&at("c.npy")).exists());
}

#[test]
fn odo_moves_arrays_among_npy_zarr_and_hdf5() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).display().to_string();
    let steps = [
        (stored("i32.npy"), at("a.zarr")),
        (at("a.zarr"), format!("{}::/deep/data", at("b.h5"))),
        (format!("{}::/deep/data", at("b.h5")), at("c.npy")),
    ];
    for (from, to) in &steps {
        odo_ok(from, to);
    }
    let original = query_json(&format!("e={}", stored("i32.npy")), "e");
    for uri in [
        at("a.zarr"),
        format!("{}::/deep/data", at("b.h5")),
        at("c.npy"),
    ] {
        let copied = query_json(&format!("c={uri}"), "c");
        assert_eq!(copied["datashape"], "6 * 9 * int32", "{uri}");
        assert_eq!(copied["data"], original["data"], "{uri}");
    }
    // A second dataset goes beside the first; an existing one needs --if-exists replace.
    let second = format!("{}::/t", at("b.h5"));
    let out = blaze(&[
        "query",
        &format!("x={}", stored("i32.npy")),
        "x.T * 2",
        "--into",
        &second,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doubled = query_json(&format!("e={}", stored("i32.npy")), "e.T * 2");
    assert_eq!(
        query_json(&format!("t={second}"), "t")["data"],
        doubled["data"]
    );
    let out = blaze(&["odo", &stored("i32.npy"), &second]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    let out = blaze(&["odo", &stored("i32.npy"), &at("d.h5")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("name the dataset to write"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn boolean_masks_select_elements_and_rows() {
    let x = format!("x={}", stored("i64.npy"));
    let all = query_json(&x, "x");
    let kept: Vec<i64> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .filter(|&v| v > 0)
        .collect();
    let got = query_json(&x, "x[x > 0]");
    assert_eq!(got["data"], serde_json::json!(kept));
    assert_eq!(got["datashape"], format!("{} * int64", kept.len()));
    let sum = query_json(&x, "x[x > 0].sum()");
    assert_eq!(sum["data"], serde_json::json!(kept.iter().sum::<i64>()));
    // n-d: a mask of the array's shape keeps elements, a 1-d one along the first axis rows.
    assert_close(&query_json(X, "x[x > 0.5]"), &numpy("cli_x_mask"));
    assert_close(&query_json(X, "x[x[:, 0] > 0]"), &numpy("cli_x_rows_mask"));
}

/// Runs `blaze ARGS` with its address space capped at `cap_mib` (`ulimit -v`), and one malloc
/// arena per thread at most two, so that the cap measures the data it holds.
fn blaze_capped(cap_mib: u64, args: &[&str]) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec \"$0\" \"$@\"",
            cap_mib * 1024
        ))
        .arg(env!("CARGO_BIN_EXE_blaze"))
        .args(args)
        .env("MALLOC_ARENA_MAX", "2")
        .output()
        .unwrap()
}

/// A `.npy` file of `rows × cols` float64 zeros, sparse on disk (only its header is written).
fn sparse_npy(path: &std::path::Path, rows: usize, cols: usize) {
    let dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    let unpadded = 10 + dict.len() + 1;
    let header = format!(
        "{dict}{}\n",
        " ".repeat(unpadded.next_multiple_of(64) - unpadded)
    );
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    std::fs::write(path, &bytes).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_len((bytes.len() + rows * cols * 8) as u64)
        .unwrap();
}

#[test]
fn arrays_larger_than_the_memory_cap_are_stored_and_reduced_block_by_block() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.npy");
    // 2 GiB of float64 under a 1 GiB cap on the whole process.
    sparse_npy(&big, 16_384, 16_384);
    let x = format!("x={}", big.display());
    let cap = 1024;

    // Printing the whole result is refused before it is computed, with the memory the cap
    // leaves (less than the cap: the cap is real), instead of an abort half-way through.
    let whole = blaze_capped(cap, &["query", &x, "x + 1", "--format", "json"]);
    assert_eq!(whole.status.code(), Some(2), "{}", stderr(&whole));
    let message = stderr(&whole);
    assert!(
        message.starts_with("error: the result (16384 * 16384 * float64) needs about ")
            && message.contains(" of memory to print, more than the ")
            && message.contains(" available; store it block by block with --into"),
        "{message}"
    );
    let available = message
        .split(" more than the ")
        .nth(1)
        .and_then(|rest| rest.split(" available").next())
        .unwrap();
    assert!(available.ends_with(" MiB"), "{available}");
    let mib: f64 = available.trim_end_matches(" MiB").parse().unwrap();
    assert!(mib < cap as f64, "{available}");

    // Stored block by block into Zarr and into HDF5 (2 GiB each, every value 1).
    let zarr = dir.path().join("out.zarr");
    let out = blaze_capped(
        cap,
        &["query", &x, "x + 1", "--into", zarr.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let h5 = format!("{}::/ones", dir.path().join("out.h5").display());
    let out = blaze_capped(cap, &["odo", zarr.to_str().unwrap(), &h5]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Reduced block by block, also under the cap.
    for uri in [zarr.display().to_string(), h5] {
        let out = blaze_capped(
            cap,
            &[
                "query",
                &format!("y={uri}"),
                "y.sum(axis=0)[-2:]",
                "--format",
                "json",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{uri}: {}", stderr(&out));
        let got: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(got["data"], serde_json::json!([16384.0, 16384.0]), "{uri}");
    }
}

/// A Zarr store in S3 (moto's server, started by `scripts/services.sh start`): written with
/// `blaze odo` and `query --into`, described, queried where it is.
#[test]
fn zarr_stores_in_s3_are_written_described_and_queried() {
    let bucket = std::env::var("BLAZE_TEST_S3")
        .expect("BLAZE_TEST_S3 is set by `bash scripts/test.sh` (scripts/services.sh start)");
    let nonce = std::time::UNIX_EPOCH.elapsed().unwrap().as_nanos();
    let store = format!("{bucket}/cli-zarr-{nonce}/x.zarr");
    let out = blaze(&["odo", &fixture("in_x"), &store]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = blaze(&["discover", &store]);
    assert_eq!(stdout(&out), "7 * 9 * float64\n", "{}", stderr(&out));
    let binding = format!("x={store}");
    assert_close(
        &query_json(&binding, "x.sum(axis=0)"),
        &numpy("x_sum_axis0"),
    );
    assert_close(
        &query_json(&binding, "x[2:6, ::2]"),
        &numpy("x_rows_cols_step"),
    );

    // A result computed into another store in the same bucket, then read back.
    let sums = format!("{bucket}/cli-zarr-{nonce}/sums.zarr");
    let out = blaze(&["query", &binding, "x.sum(axis=0)", "--into", &sums]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_close(
        &query_json(&format!("s={sums}"), "s"),
        &numpy("x_sum_axis0"),
    );
    let out = blaze(&["query", &binding, "x.sum(axis=0)", "--into", &sums]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));

    // Into a group of a new store: the store binds as a record of its arrays.
    let grouped = format!("{bucket}/cli-zarr-{nonce}/g.zarr");
    let into = format!("{grouped}::stats/sums");
    let out = blaze(&["query", &binding, "x.sum(axis=0)", "--into", &into]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = blaze(&["discover", &grouped]);
    assert_eq!(
        stdout(&out),
        "{stats: {sums: 9 * float64}}\n",
        "{}",
        stderr(&out)
    );
    assert_close(
        &query_json(&format!("g={grouped}"), "g.stats.sums"),
        &numpy("x_sum_axis0"),
    );
}

#[test]
fn integers_of_every_width_and_big_endian_files_are_read_and_kept() {
    for (name, shape) in [
        ("in_k", "6 * 5 * int8"),
        ("in_s", "6 * 5 * int16"),
        ("in_w", "10 * uint16"),
        ("in_q", "10 * uint32"),
        ("in_z", "10 * uint64"),
        // Written big-endian (`>i4`, `>f8`).
        ("in_be", "6 * 5 * int32"),
        ("in_bf", "7 * 9 * float64"),
    ] {
        let out = blaze(&["discover", &fixture(name)]);
        assert_eq!(stdout(&out), format!("{shape}\n"), "{}", stderr(&out));
    }
    let bind = |name: &str| format!("{name}={}", fixture(&format!("in_{name}")));
    let cases = [
        ("k", "k.sum(axis=0)", "k_sum_axis0", "5 * int64"),
        ("w", "w.mean()", "w_mean", "float64"),
        ("q", "q.argmax()", "q_argmax", "int64"),
        ("be", "be.sum(axis=0)", "be_sum_axis0", "5 * int64"),
        ("bf", "bf.T", "bf_t", "9 * 7 * float64"),
    ];
    for (name, expr, case, shape) in cases {
        let got = query_json(&bind(name), expr);
        assert_eq!(got["datashape"], shape, "{expr}");
        assert_close(&got, &numpy(case));
    }
    // int16 with int8 is int16, as numpy types it, and wraps as numpy's does.
    let out = blaze(&["query", &bind("s"), &bind("k"), "s + k", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sum: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(sum["datashape"], "6 * 5 * int16");
    assert_close(&sum, &numpy("s_plus_k"));
    // Functions of reals are computed in the float64 Blaze types them as (numpy: float32).
    let roots = query_json(&bind("w"), "sqrt(w)");
    assert_eq!(roots["datashape"], "10 * float64");
    assert_eq!(roots["data"][2], serde_json::json!(2f64.sqrt()));
    // Sums and running sums of unsigned integers are uint64, as Blaze and numpy type them.
    let sum = query_json(&format!("u={}", fixture("in_u")), "u.sum()");
    assert_eq!(sum["datashape"], "uint64");
    assert_eq!(sum["data"], 1078);
    let running = query_json(&bind("w"), "w.cumsum()");
    assert_eq!(running["datashape"], "10 * uint64");
    assert_close(&running, &numpy("w_cumsum"));
    // uint64 values past int64's largest come out whole.
    let z = query_json(&bind("z"), "z.max()");
    assert_eq!(z["datashape"], "uint64");
    assert_eq!(z["data"], serde_json::json!(u64::MAX));
    // odo keeps the element type and every bit, through Zarr, HDF5 and .npy.
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).display().to_string();
    let original = query_json(&bind("z"), "z");
    let steps = [
        (fixture("in_z"), at("z.zarr")),
        (at("z.zarr"), format!("{}::/z", at("z.h5"))),
        (format!("{}::/z", at("z.h5")), at("z.npy")),
        (fixture("in_be"), at("be.npy")),
    ];
    for (from, to) in &steps {
        odo_ok(from, to);
    }
    for uri in [at("z.zarr"), format!("{}::/z", at("z.h5")), at("z.npy")] {
        let copied = query_json(&format!("c={uri}"), "c");
        assert_eq!(copied["datashape"], "10 * uint64", "{uri}");
        assert_eq!(copied["data"], original["data"], "{uri}");
    }
    assert_eq!(
        query_json(&format!("c={}", at("be.npy")), "c")["data"],
        query_json(&bind("be"), "be")["data"]
    );
}
