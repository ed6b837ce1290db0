//! Joins, concatenation, merged columns, window functions, samples and quantiles, computed
//! over real files.

use crate::{example, rows, session, values};

fn people() -> blaze_compute::Session {
    session(&[
        ("accounts", &example("accounts.csv")),
        ("cities", &example("cities.csv")),
        ("iris", &example("iris.csv")),
    ])
}

#[test]
fn joins_of_every_kind() {
    let s = people();
    assert_eq!(
        rows(&s, "join(accounts, cities, 'name').sort('id')"),
        [
            ["Alice", "1", "100", "Paris"],
            ["Bob", "2", "-200", "Berlin"],
            ["Charlie", "3", "300", "Paris"],
        ]
    );
    assert_eq!(
        rows(
            &s,
            "join(accounts, cities, 'name', how='left').sort('id')[3:]"
        ),
        [["Denis", "4", "400", ""], ["Edith", "5", "-500", ""]]
    );
    assert_eq!(
        rows(
            &s,
            "join(accounts, cities, how='right').sort('name')[['name', 'id', 'city']]"
        ),
        [
            ["Alice", "1", "Paris"],
            ["Bob", "2", "Berlin"],
            ["Charlie", "3", "Paris"],
            ["Zoe", "", "Oslo"],
        ]
    );
    assert_eq!(
        values(
            &s,
            "join(accounts, cities, 'name', how='outer').sort('name').name"
        ),
        ["Alice", "Bob", "Charlie", "Denis", "Edith", "Zoe"]
    );
    // Different key names; a self-join with suffixes.
    assert_eq!(
        values(
            &s,
            "join(cities.relabel(name='who'), accounts, 'who', 'name').sort('id').balance"
        ),
        ["100", "-200", "300"]
    );
    assert_eq!(
        rows(
            &s,
            "join(accounts, accounts, 'id', suffixes=('_a', '_b')).sort('id')[4]"
        ),
        [["5", "Edith", "-500", "Edith", "-500"]]
    );
    let self_join = s.parse("join(accounts, accounts, 'id')").unwrap();
    assert_eq!(
        self_join.fields(),
        [
            "id",
            "name_left",
            "balance_left",
            "name_right",
            "balance_right"
        ]
    );
    assert_eq!(
        rows(&s, "join(accounts, accounts, 'id').sort('id')[0]"),
        [["1", "Alice", "100", "Alice", "100"]]
    );
    // A join grouped: the total balance of each city.
    assert_eq!(
        rows(
            &s,
            "by(join(accounts, cities).city, total=join(accounts, cities).balance.sum()).sort('city')"
        ),
        [["Berlin", "-200"], ["Paris", "400"]]
    );
}

#[test]
fn concat_merge_transform_and_coalesce() {
    let s = people();
    assert_eq!(values(&s, "concat(accounts, accounts).count()"), ["10"]);
    assert_eq!(
        values(&s, "concat(accounts.id, accounts.balance).sum()"),
        ["115"]
    );
    assert_eq!(
        rows(
            &s,
            "transform(accounts, double=accounts.balance * 2)[accounts.id < 3]"
        ),
        [["1", "Alice", "100", "200"], ["2", "Bob", "-200", "-400"]]
    );
    // A replaced column moves to the new ones, as in Blaze.
    assert_eq!(
        rows(
            &s,
            "transform(accounts, id=accounts.id * 10, double=accounts.balance * 2)[:2]"
        ),
        [["Alice", "100", "10", "200"], ["Bob", "-200", "20", "-400"]]
    );
    assert_eq!(
        rows(
            &s,
            "merge(accounts.name, upper=accounts.name.str.upper())[accounts.id == 4]"
        ),
        [["Denis", "DENIS"]]
    );
    assert_eq!(
        rows(
            &s,
            "by(merge(sign=accounts.balance > 0), n=accounts.id.count()).sort('sign')"
        ),
        [["false", "2"], ["true", "3"]]
    );
    assert_eq!(
        values(
            &s,
            "coalesce(join(accounts, cities, how='left').city, 'nowhere')"
        )
        .iter()
        .filter(|c| *c == "nowhere")
        .count(),
        2
    );
}

#[test]
fn window_functions_keep_row_order() {
    let s = people();
    assert_eq!(
        values(&s, "accounts.balance.cumsum()"),
        ["100", "-100", "200", "600", "100"]
    );
    assert_eq!(
        values(&s, "accounts.balance.shift(1)"),
        ["", "100", "-200", "300", "400"]
    );
    assert_eq!(
        values(&s, "accounts.balance - accounts.balance.shift(-1)"),
        ["300", "-500", "-100", "900", ""]
    );
    // SQL's names: lag(n) is shift(n), lead(n) is shift(-n).
    assert_eq!(
        values(&s, "accounts.balance.lag(2)"),
        ["", "", "100", "-200", "300"]
    );
    assert_eq!(
        values(&s, "accounts.balance.lead()"),
        ["-200", "300", "400", "-500", ""]
    );
    assert_eq!(
        values(&s, "accounts.sort('balance').balance.cumsum()"),
        ["-500", "-700", "-600", "-300", "100"]
    );
    assert_eq!(
        values(&s, "accounts.balance.rank(ascending=False)"),
        ["3", "4", "2", "1", "5"]
    );
    assert_eq!(
        values(&s, "accounts.balance.cummax(by=accounts.balance > 0)"),
        ["100", "-200", "300", "400", "-200"]
    );
    // The two longest sepals of each species: ranks computed over all rows, then selected.
    assert_eq!(
        rows(
            &s,
            "iris[iris.sepal_length.rank(ascending=False, method='first', by=iris.species) <= 2][['species', 'sepal_length']].sort(['species', 'sepal_length'])"
        ),
        [
            ["Iris-setosa", "5.7"],
            ["Iris-setosa", "5.8"],
            ["Iris-versicolor", "6.9"],
            ["Iris-versicolor", "7.0"],
            ["Iris-virginica", "7.7"],
            ["Iris-virginica", "7.9"],
        ]
    );
    assert_eq!(
        rows(
            &s,
            "transform(accounts, r=accounts.balance.rank()).sort('id')[4]"
        ),
        [["5", "Edith", "-500", "1"]]
    );
    // Ties: 'min' shares the lowest rank, 'dense' leaves no gap, 'first' follows row order
    // (iris starts 5.1, 4.9, 4.7, 4.6, 5.0; 4.4 first appears at rows 9, 39 and 43).
    for (method, want) in [
        ("min", ["2", "2", "2"]),
        ("dense", ["2", "2", "2"]),
        ("first", ["2", "3", "4"]),
    ] {
        let ranks: Vec<String> = [8, 38, 42]
            .iter()
            .map(|i| {
                let text = format!("iris.sepal_length.rank(method='{method}')[{i}]");
                values(&s, &text).remove(0)
            })
            .collect();
        assert_eq!(ranks, want, "{method}");
    }
    // A head of rows sorted by a rank keeps only those rows.
    assert_eq!(
        rows(
            &s,
            "transform(iris, r=iris.sepal_length.rank(method='dense')).sort('r')[['sepal_length', 'r']].head(3)"
        ),
        [["4.3", "1"], ["4.4", "2"], ["4.4", "2"]]
    );
}

#[test]
fn medians_quantiles_and_samples() {
    let s = people();
    assert_eq!(values(&s, "accounts.balance.median()"), ["100.0"]);
    assert_eq!(values(&s, "accounts.balance.quantile(0.25)"), ["-200.0"]);
    assert_eq!(values(&s, "accounts.balance.quantile(0.9)"), ["360.0"]);
    assert_eq!(
        rows(
            &s,
            "by(iris.species, m=iris.petal_length.median()).sort('species')"
        ),
        [
            ["Iris-setosa", "1.5"],
            ["Iris-versicolor", "4.35"],
            ["Iris-virginica", "5.55"]
        ]
    );
    assert_eq!(values(&s, "accounts.sample(n=2).count()"), ["2"]);
    assert_eq!(values(&s, "accounts.sample(frac=0.4).count()"), ["2"]);
    // 2.5 rows rounds half to even, as pandas' sample(frac=0.5) of 5 rows gives 2; 3.5 gives 4.
    assert_eq!(values(&s, "accounts.sample(frac=0.5).count()"), ["2"]);
    assert_eq!(values(&s, "accounts.sample(frac=0.7).count()"), ["4"]);
    assert_eq!(values(&s, "accounts.sample(n=10).count()"), ["5"]);
    let mut drawn = values(&s, "accounts.sample(n=3).name");
    drawn.sort();
    drawn.dedup();
    assert_eq!(drawn.len(), 3);
    assert!(
        drawn
            .iter()
            .all(|n| ["Alice", "Bob", "Charlie", "Denis", "Edith"].contains(&n.as_str()))
    );
}

#[test]
fn reductions_of_window_functions() {
    let s = people();
    assert_eq!(values(&s, "accounts.balance.cumsum().max()"), ["600"]);
    assert_eq!(
        values(
            &s,
            "abs(accounts.balance - accounts.balance.shift(1)).sum()"
        ),
        ["1800"]
    );
    assert_eq!(
        rows(
            &s,
            "by(accounts.balance > 0, longest=accounts.balance.cumsum().max()).sort('balance')"
        ),
        [["false", "100"], ["true", "600"]]
    );
}

#[test]
fn reductions_combined_with_each_row() {
    let s = people();
    assert_eq!(
        values(&s, "accounts.balance - accounts.balance.mean()"),
        ["80.0", "-220.0", "280.0", "380.0", "-520.0"]
    );
    assert_eq!(
        values(
            &s,
            "accounts[accounts.balance > accounts.balance.mean()].name"
        ),
        ["Alice", "Charlie", "Denis"]
    );
    assert_eq!(
        rows(
            &s,
            "transform(accounts, share=accounts.balance / accounts.balance.sum())[['id', 'share']][:2]"
        ),
        [["1", "1.0"], ["2", "-2.0"]]
    );
}

/// A Parquet file large enough that the engine would read it in parallel pieces (over 10 MB),
/// and a CSV file of the same rows, parsed on every core: window functions, heads and slices
/// must still see their rows in order, and rows picked one by one come in that order.
#[test]
fn positions_in_large_files_are_their_rows_order() {
    use std::sync::Arc;

    use arrow::array::Int64Array;
    use arrow::datatypes::{DataType, Field, Schema};
    use arrow::record_batch::RecordBatch;
    use datafusion::parquet::arrow::ArrowWriter;

    const ROWS: i64 = 1_600_000;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.parquet");
    let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false)]));
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema.clone(), None).unwrap();
    for start in (0..ROWS).step_by(100_000) {
        let ids = Int64Array::from_iter_values(start..start + 100_000);
        writer
            .write(&RecordBatch::try_new(schema.clone(), vec![Arc::new(ids)]).unwrap())
            .unwrap();
    }
    writer.close().unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() > 10 << 20);

    let s = session(&[("t", path.to_str().unwrap())]);
    let shifted = values(&s, "t.id.shift(1)");
    let want: Vec<String> = std::iter::once(String::new())
        .chain((0..ROWS - 1).map(|i| i.to_string()))
        .collect();
    assert!(shifted == want, "shift(1) follows the file's order");
    assert_eq!(
        values(&s, "t.id[1000000:1000003]"),
        ["1000000", "1000001", "1000002"]
    );
    assert_eq!(values(&s, "t.id.tail(2)"), ["1599998", "1599999"]);
    assert_eq!(
        values(
            &s,
            "t[t.id.rank(ascending=False, method='first', by=t.id % 2) <= 1].id"
        ),
        ["1599998", "1599999"]
    );

    let csv = dir.path().join("big.csv");
    let text: String = std::iter::once("id\n".to_owned())
        .chain((0..ROWS).map(|i| format!("{i}\n")))
        .collect();
    std::fs::write(&csv, text).unwrap();
    let s = session(&[("t", path.to_str().unwrap()), ("c", csv.to_str().unwrap())]);
    let picked = |from: i64, to: i64| -> Vec<String> {
        (from..to)
            .filter(|i| i % 7 == 3)
            .map(|i| (i * 2).to_string())
            .collect()
    };
    for table in ["t", "c"] {
        let got = values(&s, &format!("{table}[{table}.id % 7 == 3].id * 2"));
        assert!(got == picked(0, ROWS), "{table}: rows picked in order");
    }
    // Under a memory limit smaller than the read-ahead buffer, which then takes less.
    let mut limited = blaze_compute::Session::new(blaze_compute::SessionOptions {
        memory_limit: Some(1 << 20),
        ..blaze_compute::SessionOptions::default()
    })
    .unwrap();
    limited.bind("t", path.to_str().unwrap()).unwrap();
    let got = values(&limited, "t[t.id % 7 == 3].id * 2");
    assert!(got == picked(0, ROWS), "rows picked in order within 1 MiB");
    // One's rows after the other's, each in its order.
    let got = values(
        &s,
        "concat(c[c.id % 7 == 3][['id']], t[t.id % 7 == 3][['id']]).id * 2",
    );
    let want: Vec<String> = [picked(0, ROWS), picked(0, ROWS)].concat();
    assert!(got == want, "concat keeps its sides' order");
    // Positions in a concatenation count one side's rows, then the other's.
    let both = "concat(c[['id']], t[['id']]).id";
    assert_eq!(
        values(&s, &format!("{both}[1599999:1600002]")),
        ["1599999", "0", "1"]
    );
    assert_eq!(
        values(&s, &format!("{both}.shift(1)[1600000]")),
        ["1599999"]
    );
    let sum_of_c = (ROWS - 1) * ROWS / 2;
    assert_eq!(
        values(&s, &format!("{both}.cumsum()[1600001]")),
        [(sum_of_c + 1).to_string()]
    );
}
