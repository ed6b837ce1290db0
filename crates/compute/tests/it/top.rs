//! "The first n of each group" (`t[t.v.rank(method='first', by=t.g) <= n]`), which is
//! computed without sorting where memory is not limited: its values, and agreement with the
//! general plan (a window function and a filter) that a memory-limited session uses.

use std::fmt::Write;

use blaze_compute::{Session, SessionOptions};

use super::{csv_session, rows, try_rows};

/// Eight rows: ties in `v` within group `a`, missing values in `v` and `s`.
const SMALL: &str = "g,h,v,s\n\
    a,x,3,c\n\
    b,x,1,a\n\
    a,y,3,b\n\
    a,x,5,\n\
    b,y,,d\n\
    a,x,,e\n\
    b,x,1,f\n\
    c,x,7,a\n";

/// The first column (`g`) and `v` of each row of the result.
fn picked(s: &Session, text: &str) -> Vec<String> {
    rows(s, text)
        .into_iter()
        .map(|row| format!("{}{}", row[0], row[2]))
        .collect()
}

#[test]
fn keeps_the_first_n_of_each_group_in_row_order() {
    let (_dir, s) = csv_session("t", SMALL);
    let explained = s
        .explain(&s.parse("t[t.v.rank(method='first', by=t.g) <= 2]").unwrap())
        .unwrap();
    assert!(explained.contains("TopPerGroupExec"), "{explained}");
    // Greatest first puts missing values first (as the window function does); the rows come
    // out in the order they were read.
    assert_eq!(
        picked(
            &s,
            "t[t.v.rank(ascending=False, method='first', by=t.g) <= 2]"
        ),
        ["b1", "a5", "b", "a", "c7"]
    );
    // Equal values rank in row order: the first 3 of group a wins.
    assert_eq!(
        picked(&s, "t[t.v.rank(method='first', by=t.g) < 2]"),
        ["a3", "b1", "c7"]
    );
    assert_eq!(
        picked(&s, "t[2 >= t.v.rank(method='first', by=t.g)]"),
        picked(&s, "t[t.v.rank(method='first', by=t.g) <= 2]"),
    );
    assert_eq!(
        picked(&s, "t[1 > t.v.rank(method='first', by=t.g)]"),
        Vec::<String>::new()
    );
    // No groups: the first n of all the rows.
    assert_eq!(
        picked(&s, "t[t.v.rank(ascending=False, method='first') <= 3]"),
        ["b", "a", "c7"]
    );
    // Two keys, and text values.
    assert_eq!(
        rows(
            &s,
            "t[t.s.rank(ascending=False, method='first', by=[t.h, t.g]) <= 1][['g', 'h', 's']]"
        ),
        [
            ["a", "y", "b"],
            ["a", "x", ""],
            ["b", "y", "d"],
            ["b", "x", "f"],
            ["c", "x", "a"],
        ]
    );
    // More rows than a group has: all of them.
    assert_eq!(
        rows(&s, "t[t.v.rank(method='first', by=t.g) <= 100].nrows"),
        [["8"]]
    );
}

#[test]
fn agrees_with_the_window_function_over_many_batches() {
    // 150,000 rows in 1,000 groups, values with many ties and some missing: enough batches
    // that the rows kept are copied together more than once along the way.
    let mut csv = String::from("g,k,v,f\n");
    let mut x: u64 = 12345;
    for _ in 0..150_000 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let (g, k, v) = ((x >> 33) % 1000, (x >> 20) % 3, (x >> 40) % 50);
        if v == 7 {
            writeln!(csv, "g{g},{k},,{}", (x >> 12) % 997).unwrap();
        } else {
            writeln!(csv, "g{g},{k},{v},{}.5", (x >> 12) % 997).unwrap();
        }
    }
    let (dir, fast) = csv_session("t", &csv);
    let mut limited = Session::new(SessionOptions {
        memory_limit: Some(512 << 20),
        ..SessionOptions::default()
    })
    .unwrap();
    limited
        .bind("t", dir.path().join("t.csv").to_str().unwrap())
        .unwrap();
    for text in [
        "t[t.v.rank(ascending=False, method='first', by=t.g) <= 3]",
        "t[t.v.rank(method='first', by=[t.g, t.k]) < 3]",
        "t[t.f.rank(ascending=False, method='first', by=t.k) <= 500]",
        "t[t.v.rank(method='first') <= 10]",
        "t[t.v.rank(method='first', by=t.v % 4) <= 1000][['g', 'v']]",
        // Integer keys too far apart to look up directly.
        "t[t.f.rank(method='first', by=t.v * 100000007) <= 2]",
    ] {
        let expr = fast.parse(text).unwrap();
        assert!(
            fast.explain(&expr).unwrap().contains("TopPerGroupExec"),
            "{text}"
        );
        let expr = limited.parse(text).unwrap();
        assert!(
            !limited.explain(&expr).unwrap().contains("TopPerGroupExec"),
            "{text}"
        );
        let want = try_rows(&limited, text).unwrap();
        assert!(!want.is_empty(), "{text}");
        assert!(
            rows(&fast, text) == want,
            "{text} differs from the window function"
        );
    }
}

/// The ids of the rows among the first `n` of their group (`g`) by `v`, greatest first,
/// equal values in row order, of those rows of `table` (g, id, v) that `keep` keeps; in row
/// order.
fn first_per_group(table: &[(u64, u64, u64)], keep: impl Fn(u64) -> bool, n: usize) -> Vec<u64> {
    let mut groups: std::collections::BTreeMap<u64, Vec<(u64, u64)>> = Default::default();
    for &(g, id, v) in table.iter().filter(|row| keep(row.2)) {
        groups.entry(g).or_default().push((v, id));
    }
    let mut ids: Vec<u64> = groups
        .into_values()
        .flat_map(|mut rows| {
            // A stable sort: equal values stay in row order.
            rows.sort_by_key(|row| std::cmp::Reverse(row.0));
            rows.into_iter().take(n).map(|(_, id)| id)
        })
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn reads_the_files_of_a_glob_in_parallel_and_keeps_their_order() {
    use std::sync::Arc;

    use arrow::array::{Int64Array, RecordBatch, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::parquet::arrow::ArrowWriter;

    // Three Parquet files of 20,000 rows (the engine reads them as two partitions on two
    // cores), values from 0 to 4 so that nearly every group's first rows tie across files.
    let dir = tempfile::tempdir().unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("g", DataType::Utf8, false),
        Field::new("id", DataType::Int64, false),
        Field::new("v", DataType::Int64, false),
    ]));
    let mut table = Vec::new();
    let mut x: u64 = 987654321;
    for file in 0..3 {
        let start = table.len();
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            table.push(((x >> 33) % 50, table.len() as u64, (x >> 45) % 5));
        }
        let rows = &table[start..];
        let columns: Vec<arrow::array::ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| format!("g{}", r.0)),
            )),
            Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|r| r.1 as i64),
            )),
            Arc::new(Int64Array::from_iter_values(
                rows.iter().map(|r| r.2 as i64),
            )),
        ];
        let path = dir.path().join(format!("part-{file}.parquet"));
        let mut writer =
            ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema.clone(), None)
                .unwrap();
        writer
            .write(&RecordBatch::try_new(schema.clone(), columns).unwrap())
            .unwrap();
        writer.close().unwrap();
    }
    let pattern = format!("{}/*.parquet", dir.path().display());
    let s = super::session(&[("t", &pattern)]);
    let ids = |text: &str| -> Vec<u64> {
        rows(&s, text)
            .iter()
            .map(|row| row[0].parse().unwrap())
            .collect()
    };

    let text = "t[t.v.rank(ascending=False, method='first', by=t.g) <= 3].id";
    let explained = s.explain(&s.parse(text).unwrap()).unwrap();
    assert!(explained.contains("TopPerGroupExec"), "{explained}");
    assert_eq!(
        ids(text),
        first_per_group(&table, |_| true, 3),
        "{explained}"
    );

    // Over a selection: the filter is not dealt batches round-robin, which would interleave
    // them.
    let text = "t[t.v > 0][t[t.v > 0].v.rank(ascending=False, method='first', by=t[t.v > 0].g) \
                <= 2].id";
    let explained = s.explain(&s.parse(text).unwrap()).unwrap();
    assert!(explained.contains("TopPerGroupExec"), "{explained}");
    assert!(!explained.contains("RoundRobin"), "{explained}");
    assert_eq!(ids(text), first_per_group(&table, |v| v > 0, 2));

    // Other expressions that depend on positions read the rows as one stream, in order.
    let text = "t[t.v > 3].id.head(5)";
    let explained = s.explain(&s.parse(text).unwrap()).unwrap();
    assert!(!explained.contains("RoundRobin"), "{explained}");
    assert!(!explained.contains("CoalescePartitions"), "{explained}");
    let want: Vec<u64> = table
        .iter()
        .filter(|r| r.2 > 3)
        .map(|r| r.1)
        .take(5)
        .collect();
    assert_eq!(ids(text), want);
}
