//! Expressions over CSV, Parquet and JSON-lines files: values, names and types of results.

use crate::{csv_session, example, rows, session, try_rows, values};

fn accounts() -> blaze_compute::Session {
    session(&[("accounts", &example("accounts.csv"))])
}

#[test]
fn selections_projections_and_arithmetic() {
    let s = accounts();
    assert_eq!(
        values(&s, "accounts[accounts.balance > 0].name"),
        ["Alice", "Charlie", "Denis"]
    );
    assert_eq!(
        values(&s, "accounts.name[accounts.balance < 0]"),
        ["Bob", "Edith"]
    );
    assert_eq!(
        values(&s, "accounts.balance // 3"),
        ["33", "-67", "100", "133", "-167"]
    );
    assert_eq!(
        values(&s, "accounts.balance % 3"),
        ["1", "1", "0", "1", "1"]
    );
    assert_eq!(
        values(&s, "accounts.balance / 8"),
        ["12.5", "-25.0", "37.5", "50.0", "-62.5"]
    );
    assert_eq!(values(&s, "accounts.name.str.upper()")[0], "ALICE");
    assert_eq!(
        values(&s, "accounts[accounts.name.like('*e*')].id"),
        ["1", "3", "4"]
    );
    assert_eq!(
        values(&s, "accounts.id.isin([1, 5])"),
        ["true", "false", "false", "false", "true"]
    );
    assert_eq!(
        rows(&s, "accounts[['name', 'id']][accounts.id > 3]"),
        [["Denis", "4"], ["Edith", "5"]]
    );
    assert_eq!(
        rows(&s, "accounts.relabel(balance='amount')[accounts.id == 1]"),
        [["1", "Alice", "100"]]
    );
}

#[test]
fn integer_division_floors_exactly_and_names_a_zero_divisor() {
    // Beyond 2^53, where floats lose the last digits; every pair of signs; Python's values.
    let (_dir, s) = csv_session(
        "t",
        "a,b\n9007199254740993,1\n9007199254740993,2\n7,2\n-7,2\n7,-2\n-7,-2\n6,-3\n0,5\n",
    );
    assert_eq!(
        values(&s, "t.a // t.b"),
        [
            "9007199254740993",
            "4503599627370496",
            "3",
            "-4",
            "-4",
            "3",
            "-2",
            "0"
        ]
    );
    assert_eq!(
        values(&s, "t.a % t.b"),
        ["0", "1", "1", "1", "-1", "-1", "0", "0"]
    );
    let (_dir, s) = csv_session("t", "a,b\n7,2\n7,0\n");
    for text in ["t.a // t.b", "t.a % t.b"] {
        let expr = s.parse(text).unwrap();
        let err = s.collect(&expr).unwrap_err().to_string();
        assert_eq!(
            err, "integer division or modulo by zero (// or % of integers)",
            "{text}"
        );
    }
}

#[test]
fn products_and_positions_are_for_n_d_arrays() {
    let (_dir, s) = csv_session("t", "a\n3\n2\n");
    for text in ["t.a.prod()", "t.a.argmax()", "by(t.a, p=t.a.prod())"] {
        let expr = s.parse(text).unwrap();
        let err = s.collect(&expr).unwrap_err().to_string();
        assert!(
            err.contains(
                "of a table's column (prod, argmin and argmax are computed over n-d arrays)"
            ),
            "{text}: {err}"
        );
    }
}

#[test]
fn integer_powers_are_exact_and_refuse_negative_exponents() {
    let (_dir, s) = csv_session("t", "a,b\n3,39\n-2,3\n5,0\n");
    // 3 ** 39 is beyond 2^53, where floats lose the last digits.
    assert_eq!(values(&s, "t.a ** t.b"), ["4052555153018976267", "-8", "1"]);
    assert_eq!(values(&s, "2 ** t.b"), ["549755813888", "8", "1"]);
    let expr = s.parse("t.a ** (t.b - 4)").unwrap();
    let err = s.collect(&expr).unwrap_err().to_string();
    assert!(
        err.starts_with(
            "integers to negative integer powers are not allowed (-2 ** -1 of integer columns"
        ),
        "{err}"
    );
    // Beyond int64, around as NumPy's integers go (3 ** 78 mod 2^64, as a signed number).
    assert_eq!(
        values(&s, "(t.a ** (t.b * 2))[0]"),
        [3_i64.wrapping_pow(78).to_string()]
    );
}

#[test]
fn reductions_and_group_bys() {
    let s = accounts();
    assert_eq!(values(&s, "accounts.balance.sum()"), ["100"]);
    assert_eq!(values(&s, "accounts.balance.mean()"), ["20.0"]);
    assert_eq!(
        values(&s, "accounts.balance.max() - accounts.balance.min()"),
        ["900"]
    );
    assert_eq!(values(&s, "accounts.count()"), ["5"]);
    assert_eq!(
        values(&s, "accounts[accounts.balance > 0].balance.sum() + 1"),
        ["801"]
    );
    assert_eq!(
        rows(
            &s,
            "summary(total=accounts.balance.sum(), n=accounts.id.count())"
        ),
        [["100", "5"]]
    );

    let iris = session(&[("iris", &example("iris.csv"))]);
    let mut groups = rows(
        &iris,
        "by(iris.species, n=iris.species.count(), longest=iris.petal_length.max())",
    );
    groups.sort();
    assert_eq!(
        groups,
        [
            ["Iris-setosa", "50", "1.9"],
            ["Iris-versicolor", "50", "5.1"],
            ["Iris-virginica", "50", "6.9"]
        ]
    );
    assert_eq!(values(&iris, "iris.species.nunique()"), ["3"]);
    assert_eq!(values(&iris, "iris.sepal_length.max()"), ["7.9"]);
}

#[test]
fn ordering_and_positions() {
    let s = accounts();
    assert_eq!(
        values(&s, "accounts.sort('balance', ascending=False).head(2).name"),
        ["Denis", "Charlie"]
    );
    assert_eq!(
        values(&s, "accounts.balance.sort()"),
        ["-500", "-200", "100", "300", "400"]
    );
    assert_eq!(values(&s, "accounts.tail(2).id"), ["4", "5"]);
    assert_eq!(values(&s, "accounts[1:3].name"), ["Bob", "Charlie"]);
    assert_eq!(values(&s, "accounts[-2:].name"), ["Denis", "Edith"]);
    assert_eq!(values(&s, "accounts.sort(-accounts.id).id.head(1)"), ["5"]);
    // Positions picked in the order given, repeats and negatives too, as numpy does.
    assert_eq!(
        values(&s, "accounts[[2, 0, 2, -1]].name"),
        ["Charlie", "Alice", "Charlie", "Edith"]
    );
    assert_eq!(
        values(&s, "accounts.sort('balance')[[0, -1]].id"),
        ["5", "4"]
    );
    assert_eq!(values(&s, "accounts.name[[1]]"), ["Bob"]);
    assert_eq!(values(&s, "accounts[[4, 1]].balance.sum()"), ["-700"]);
    // Rows after the last one picked are not read.
    let plan = s.explain(&s.parse("accounts[[1, 0]]").unwrap()).unwrap();
    assert!(plan.contains("GlobalLimitExec: skip=0, fetch=2"), "{plan}");
    let past_the_end = s.parse("accounts[[0, 5]]").unwrap();
    let error = s
        .execute(&past_the_end)
        .err()
        .expect("an error")
        .to_string();
    assert!(
        error.contains("index 5 is out of bounds for axis 0 with size 5"),
        "{error}"
    );
}

/// One element, or one row, is a single value, which arithmetic can take further; one past
/// the rows is an error, as Python's `IndexError`, not a missing value.
#[test]
fn single_elements_and_rows() {
    let s = accounts();
    assert_eq!(values(&s, "accounts.balance[4] + 1"), ["-499"]);
    assert_eq!(values(&s, "1 - accounts.balance[-1]"), ["501"]);
    assert_eq!(values(&s, "accounts[2].balance * 2"), ["600"]);
    assert_eq!(values(&s, "accounts[-1].name + '!'"), ["Edith!"]);
    assert_eq!(rows(&s, "accounts[1]"), [["2", "Bob", "-200"]]);
    assert_eq!(
        values(
            &s,
            "summary(a=accounts.balance.sum(), n=accounts.id.max()).n + 1"
        ),
        ["6"]
    );
    for past in ["accounts[5]", "accounts.balance[-6]", "accounts[7].name"] {
        assert_eq!(
            try_rows(&s, past),
            Err(format!(
                "{past}: index out of bounds for axis 0 (there are fewer rows)"
            )),
        );
    }
}

#[test]
fn single_values_of_different_rows_combine() {
    let s = accounts();
    for (text, value) in [
        ("accounts.balance[0] + accounts.balance[1]", "-100"),
        ("accounts.balance.sum() / accounts.balance[3]", "0.25"),
        ("accounts.balance[0] - accounts.id.max()", "95"),
        (
            "accounts[accounts.balance > 0].id.count() / accounts.id.count()",
            "0.6",
        ),
        (
            "accounts.balance.max() - accounts[accounts.id > 2].balance.min() + 1",
            "901",
        ),
        ("abs(accounts.balance.sum() - accounts[1].balance)", "300"),
        (
            "accounts[0].name.str.cat(accounts.name[-1], sep='/')",
            "Alice/Edith",
        ),
        ("coalesce(accounts.balance[0], accounts.id.sum())", "100"),
    ] {
        assert_eq!(values(&s, text), [value], "{text}");
    }
    // The reductions of the same rows are one aggregate, beside the element.
    let plan = s
        .explain(
            &s.parse("accounts.balance.sum() / accounts.id.count() - accounts.id[0]")
                .unwrap(),
        )
        .unwrap();
    assert_eq!(plan.matches("Aggregate:").count(), 1, "{plan}");
    assert!(plan.contains("Cross Join"), "{plan}");
    assert_eq!(
        try_rows(&s, "accounts.balance[9] + accounts.balance[0]"),
        Err(
            "accounts.balance[9] + accounts.balance[0]: index out of bounds for axis 0 (there are fewer rows)"
                .to_owned()
        )
    );
}

#[test]
fn rows_combine_with_single_values_of_other_rows() {
    let s = accounts();
    for (text, expected) in [
        (
            "accounts.balance - accounts.balance[0]",
            vec!["0", "-300", "200", "300", "-600"],
        ),
        (
            "accounts[accounts.balance > accounts[accounts.id > 2].balance.mean()].name",
            vec!["Alice", "Charlie", "Denis"],
        ),
        // Inside the single value, another: the mean of the balances below the third's.
        (
            "accounts[accounts.balance > accounts[accounts.balance < accounts.balance[2]].balance.mean()].id",
            vec!["1", "3", "4"],
        ),
        (
            "accounts.balance.cumsum() - accounts.balance[0]",
            vec!["0", "-200", "100", "500", "0"],
        ),
        (
            "accounts.name + accounts.name[-1]",
            vec![
                "AliceEdith",
                "BobEdith",
                "CharlieEdith",
                "DenisEdith",
                "EdithEdith",
            ],
        ),
    ] {
        assert_eq!(values(&s, text), expected, "{text}");
    }
    // A group's value, and a summary's.
    assert_eq!(
        rows(
            &s,
            "by(accounts.balance > 0, s=accounts.balance.sum() * accounts[1].id, n=accounts.id.count())"
        ),
        [["false", "-1400", "2"], ["true", "1600", "3"]]
    );
    assert_eq!(
        rows(
            &s,
            "summary(a=accounts.balance.sum() - accounts.balance[0], b=accounts.id.max())"
        ),
        [["0", "5"]]
    );
    // Computed before the rows, as a constant: the rows are not numbered and sorted for a
    // window, as they are for a reduction of the same rows. A plan only shown computes
    // nothing: the value stands as computed_first(...), and its own plan is shown first.
    let plan = |text: &str| s.explain(&s.parse(text).unwrap()).unwrap();
    let apart = plan("accounts.balance - accounts[accounts.id > 2].balance.mean()");
    assert!(!apart.contains("WindowAggr"), "{apart}");
    assert!(
        apart.starts_with(
            "Computed first, then a constant of the plans below (computed_first): accounts[accounts.id > 2].balance.mean()\n  logical_plan:\n"
        ),
        "{apart}"
    );
    assert!(
        apart.contains(
            "CAST(accounts.balance AS Float64) - computed_first(Utf8(\"accounts[accounts.id > 2].balance.mean()\"))"
        ),
        "{apart}"
    );
    assert!(!apart.contains("66.66666666666667"), "{apart}");
    // Past the rows: computing it is an error, planning it is not.
    let past = plan("accounts.balance - accounts.balance[5]");
    assert!(past.contains("Limit: skip=5, fetch=1"), "{past}");
    // The values isin compares with are planned, not computed, too.
    let among = "accounts[accounts.name.isin(accounts[accounts.id > 3].name)].id";
    assert_eq!(values(&s, among), ["4", "5"]);
    let planned = plan(among);
    assert!(
        planned.starts_with(
            "Computed first, then a constant of the plans below (computed_first): accounts[accounts.id > 3].name\n"
        ),
        "{planned}"
    );
    assert!(
        planned.contains(
            "Filter: isin_computed_first(accounts.name, Utf8(\"accounts[accounts.id > 3].name\"))"
        ),
        "{planned}"
    );
    let window = plan("accounts.balance - accounts.balance.mean()");
    assert!(window.contains("WindowAggr"), "{window}");
    assert_eq!(
        try_rows(&s, "accounts.balance - accounts.balance[5]"),
        Err(
            "accounts.balance[5]: index out of bounds for axis 0 (there are fewer rows)".to_owned()
        )
    );
}

#[test]
fn results_have_the_expressions_types_and_names() {
    let s = accounts();
    for (text, fields) in [
        ("accounts.id.count()", vec![("id_count", "Int32")]),
        ("accounts.balance.sum()", vec![("balance_sum", "Int64")]),
        ("accounts.balance + 1", vec![("balance", "Int64")]),
        (
            "by(accounts.name, total=accounts.balance.sum())",
            vec![("name", "Utf8"), ("total", "Int64")],
        ),
    ] {
        let expr = s.parse(text).unwrap();
        let stream = s.execute(&expr).unwrap();
        let schema = stream.schema();
        let got: Vec<(String, String)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().clone(), f.data_type().to_string()))
            .collect();
        let want: Vec<(String, String)> = fields
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        assert_eq!(got, want, "{text}");
    }
}

#[test]
fn nulls_and_datetimes() {
    let (_dir, s) = csv_session(
        "t",
        "id,value,when\n1,1.5,2024-01-01 10:00:00\n2,,2024-01-02 11:30:15\n3,2.5,\n",
    );
    assert_eq!(values(&s, "t.value.count()"), ["2"]);
    assert_eq!(values(&s, "t.nrows"), ["3"]);
    assert_eq!(values(&s, "t.value.sum()"), ["4.0"]);
    assert_eq!(values(&s, "t.value.isnull()"), ["false", "true", "false"]);
    assert_eq!(values(&s, "t.when.hour"), ["10", "11", ""]);
    assert_eq!(values(&s, "t.when.year"), ["2024", "2024", ""]);
    assert_eq!(values(&s, "t.when.second"), ["0.0", "15.0", ""]);
    assert_eq!(values(&s, "t[t.when >= '2024-01-02'].id"), ["2"]);
    // Text compared with date-times is read in the layouts the typing accepts, an offset
    // making it an instant.
    assert_eq!(values(&s, "t[t.when > '2024-01-02 11:30'].id"), ["2"]);
    assert_eq!(values(&s, "t[t.when < 'Jan 2 2024 11:30AM'].id"), ["1"]);
    assert_eq!(
        values(&s, "t[t.when > '2024-01-02T12:20:00+01:00'].id"),
        ["2"]
    );
    assert_eq!(values(&s, "(t.value + 1).max()"), ["3.5"]);
}

#[test]
fn parquet_and_json_lines_agree_with_csv() {
    let s = session(&[
        ("csv", &example("iris.csv")),
        ("pq", &example("iris.parquet")),
    ]);
    assert_eq!(
        values(&s, "csv[csv.sepal_width > 3.5].petal_length.sum()"),
        values(&s, "pq[pq.sepal_width > 3.5].petal_length.sum()")
    );
    let events = session(&[("events", &example("events.jsonl"))]);
    assert_eq!(values(&events, "events.amount.count()"), ["3"]);
    // Fields of nested records are columns too.
    assert_eq!(
        rows(
            &events,
            "by(events.user.email.isnull(), n=events.id.count()).sort('email')"
        ),
        [["false", "3"], ["true", "2"]]
    );
    assert_eq!(
        values(&events, "events[events.user.name == 'carol'].amount"),
        ["99.99"]
    );
}

#[test]
fn text_read_from_parquet_keeps_its_view_layout_and_mixes_with_csv_text() {
    let s = session(&[
        ("csv", &example("iris.csv")),
        ("pq", &example("iris.parquet")),
    ]);
    // DataFusion reads Parquet text as Utf8View, and results keep it: it is the datashape's
    // `string` all the same, and casting millions of rows to Utf8 cost as much as a group-by.
    let expr = s.parse("by(pq.species, n=pq.species.count())").unwrap();
    assert_eq!(
        expr.dshape().to_string(),
        "var * {species: string, n: int32}"
    );
    let batches = s.collect(&expr).unwrap();
    assert_eq!(
        batches[0].schema().field(0).data_type(),
        &arrow::datatypes::DataType::Utf8View
    );
    assert_eq!(
        rows(&s, "by(pq.species, n=pq.species.count()).sort('species')"),
        [
            ["Iris-setosa", "50"],
            ["Iris-versicolor", "50"],
            ["Iris-virginica", "50"]
        ]
    );
    // Put together with CSV text (Utf8), both sides are made one type.
    assert_eq!(
        values(&s, "concat(pq.species, csv.species).count()"),
        ["300"]
    );
    assert_eq!(
        values(&s, "concat(csv.species, pq.species).distinct().sort()"),
        ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]
    );
}

#[test]
fn a_csv_query_parses_only_the_columns_it_uses() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, "id,code,v\n1,7,1.5\n2,x,2.5\n3,9,\n").unwrap();
    let mut s = blaze_compute::Session::new(Default::default()).unwrap();
    let dshape = blaze_datashape::parse("var * {id: int64, code: int64, v: ?float64}").unwrap();
    s.bind_as("t", path.to_str().unwrap(), Some(dshape))
        .unwrap();
    // The bad cell is in a column these do not read.
    assert_eq!(values(&s, "t.v.sum()"), ["4.0"]);
    assert_eq!(values(&s, "t[t.id > 1].v.count()"), ["1"]);
    assert_eq!(values(&s, "t.nrows"), ["3"]);
    assert_eq!(rows(&s, "t[['v', 'id']]")[1], ["2.5", "2"]);
    // Reading it names its place in the file.
    let expr = s.parse("t.code.sum()").unwrap();
    let err = s.collect(&expr).unwrap_err().to_string();
    assert!(
        err.contains("t.csv: line 3, column 2: 'x' in column 'code' is not a valid int64"),
        "{err}"
    );
}

#[test]
fn bad_data_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    let mut text = String::from("id,amount\n");
    for i in 0..100 {
        text.push_str(&format!("{i},{i}\n"));
    }
    text.push_str("100,lots\n");
    std::fs::write(&path, text).unwrap();
    let mut s = blaze_compute::Session::new(blaze_compute::SessionOptions {
        read: blaze_odo::DiscoverOptions {
            sample_rows: Some(10),
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap();
    s.bind("t", path.to_str().unwrap()).unwrap();
    let expr = s.parse("t.amount.sum()").unwrap();
    let err = s.collect(&expr).unwrap_err().to_string();
    assert!(
        err.contains("bad.csv: line 102, column 2: 'lots' in column 'amount' is not a valid int64"),
        "{err}"
    );
}

#[test]
fn a_reduction_keeping_its_dimension_is_one_row() {
    let s = session(&[("a", &example("accounts.csv"))]);
    let expr = s.parse("a.balance.sum(keepdims=True)").unwrap();
    assert_eq!(expr.dshape().to_string(), "1 * int64");
    assert_eq!(values(&s, "a.balance.sum(keepdims=True)"), ["100"]);
    assert_eq!(values(&s, "a.balance.sum(axis=0)"), ["100"]);
}

#[test]
fn math_of_two_operands_as_python_computes_it() {
    let s = session(&[("a", &example("accounts.csv"))]);
    // balance: 100, -200, 300, 400, -500; id: 1..5.
    assert_eq!(
        values(&s, "fmod(a.balance, 3)"),
        ["1.0", "-2.0", "0.0", "1.0", "-2.0"]
    );
    assert_eq!(
        values(&s, "copysign(a.id, a.balance)"),
        ["1.0", "-2.0", "3.0", "4.0", "-5.0"]
    );
    assert_eq!(values(&s, "copysign(1, -0.0 * a.id)")[0], "-1.0");
    assert_eq!(values(&s, "hypot(a.id * 3, a.id * 4)")[1], "10.0");
    assert_eq!(values(&s, "ldexp(a.id, 3)")[2], "24.0");
    assert_eq!(values(&s, "atan2(a.id, 0)")[0], "1.5707963267948966");
    assert_eq!(
        values(&s, "greatest(a.id * 100, a.balance)"),
        ["100", "200", "300", "400", "500"]
    );
    assert_eq!(
        values(&s, "least(a.id, 2.5)"),
        ["1.0", "2.0", "2.5", "2.5", "2.5"]
    );
    assert_eq!(
        values(&s, "least(a.name, 'Bz')"),
        ["Alice", "Bob", "Bz", "Bz", "Bz"]
    );
    assert_eq!(values(&s, "atanh(a.id / 10)")[4], "0.5493061443340548");
}

#[test]
fn tables_count_distinct_rows_and_lose_fields_by_name() {
    let (_dir, s) = csv_session("p", "a,b\n1,\n1,\n2,x\n2,x\n2,y\n");
    // Rows with a missing value repeat like any other.
    assert_eq!(values(&s, "p.nunique()"), ["3"]);
    assert_eq!(values(&s, "p[p.a > 1].nunique()"), ["2"]);
    assert_eq!(values(&s, "p.drop_field('a').nunique()"), ["3"]);
    assert_eq!(
        rows(&s, "by(p.a, n=p.nunique()).sort('a')"),
        [["1", "1"], ["2", "2"]]
    );
    let a = session(&[("a", &example("accounts.csv"))]);
    assert_eq!(values(&a, "a.balance.vnorm(ord=1)"), ["1500"]);
    assert_eq!(values(&a, "a.balance.vnorm(ord='-inf')"), ["100"]);
    assert_eq!(values(&a, "a.balance.vnorm()"), ["741.6198487095663"]);
    assert_eq!(
        values(&a, "(a.balance / (a.id - 1)).isnan()"),
        ["false", "false", "false", "false", "false"]
    );
    assert_eq!(values(&a, "((a.id - 1) / (a.id - 1)).isnan()")[0], "true");
}

#[test]
fn seconds_since_1970_become_datetimes() {
    let (_dir, s) = csv_session("t", "ts\n0\n1700000000\n1.5\n-86400.25\n");
    assert_eq!(
        values(&s, "t.ts.utcfromtimestamp"),
        [
            "1970-01-01T00:00:00",
            "2023-11-14T22:13:20",
            "1970-01-01T00:00:01.500",
            "1969-12-30T23:59:59.750"
        ]
    );
    assert_eq!(
        values(&s, "t[t.ts.utcfromtimestamp.year == 2023].ts"),
        ["1700000000.0"]
    );
}

#[test]
fn real_valued_math_of_negative_integers_is_nan() {
    let s = session(&[("a", &example("accounts.csv"))]);
    assert_eq!(
        values(&s, "sqrt(a.balance)"),
        ["10.0", "NaN", "17.320508075688775", "20.0", "NaN"]
    );
    assert_eq!(values(&s, "a.balance.map('log10')")[0], "2.0");
    assert_eq!(
        values(&s, "abs(a.balance)"),
        ["100", "200", "300", "400", "500"]
    );
}
