//! Group-bys whose first, per-partition step numbers groups Blaze's way (integer and short
//! string keys): their values against sums computed here, over several files and batches,
//! with missing keys, a key that stops being short part-way, and a memory limit that makes the
//! step write its groups early. Parquet string keys are read as the files' dictionaries where
//! every row group holds them so.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use blaze_compute::{Session, SessionOptions};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::file::properties::{WriterProperties, WriterPropertiesBuilder};

use super::rows;

/// One row of the table: a short string key (missing now and then), a small integer key
/// (missing now and then), a key with many values, and a value.
struct Row {
    name: Option<String>,
    code: Option<i32>,
    id: i64,
    v: i64,
}

/// `files` Parquet files of `rows` rows each, in `dir`, in row groups of 10,000 rows (so many
/// batches per file); the names of the last file are long when `long_names`.
fn write_table(dir: &std::path::Path, files: usize, rows: usize, long_names: bool) -> Vec<Row> {
    write_files(dir, files, rows, long_names, |_| {
        WriterProperties::builder()
    })
}

/// [`write_table`], each file written with the properties `properties(file)` gives.
fn write_files(
    dir: &std::path::Path,
    files: usize,
    rows: usize,
    long_names: bool,
    properties: impl Fn(usize) -> WriterPropertiesBuilder,
) -> Vec<Row> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, true),
        Field::new("code", DataType::Int32, true),
        Field::new("id", DataType::Int64, false),
        Field::new("v", DataType::Int64, false),
    ]));
    let mut table = Vec::new();
    let mut x: u64 = 42;
    for file in 0..files {
        let start = table.len();
        for _ in 0..rows {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let name = match (x >> 33) % 101 {
                100 => None,
                n if long_names && file == files - 1 && n % 2 == 0 => {
                    Some(format!("a name longer than twelve bytes {n}"))
                }
                n => Some(format!("id{n:03}")),
            };
            let code = match (x >> 41) % 17 {
                16 => None,
                c => Some(c as i32 * 1000 - 3000),
            };
            table.push(Row {
                name,
                code,
                id: ((x >> 20) % 300_000) as i64,
                v: ((x >> 50) % 1000) as i64 - 300,
            });
        }
        let part = &table[start..];
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter(part.iter().map(|r| r.name.clone()))),
            Arc::new(Int32Array::from_iter(part.iter().map(|r| r.code))),
            Arc::new(Int64Array::from_iter_values(part.iter().map(|r| r.id))),
            Arc::new(Int64Array::from_iter_values(part.iter().map(|r| r.v))),
        ];
        let properties = properties(file)
            .set_max_row_group_row_count(Some(10_000))
            .build();
        let path = dir.join(format!("part-{file}.parquet"));
        let file = std::fs::File::create(path).unwrap();
        let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(properties)).unwrap();
        writer
            .write(&RecordBatch::try_new(schema.clone(), columns).unwrap())
            .unwrap();
        writer.close().unwrap();
    }
    table
}

/// Sum, count, minimum and maximum of `v` by `key`, as the rows of a result print them (a
/// missing key empty), sorted as [`grouped`] sorts them.
fn expected<K: Ord>(
    table: &[Row],
    key: impl Fn(&Row) -> K,
    show: impl Fn(&K) -> String,
) -> Vec<Vec<String>> {
    let mut groups: BTreeMap<K, (i64, i64, i64, i64)> = BTreeMap::new();
    for row in table {
        let g = groups.entry(key(row)).or_insert((0, 0, i64::MAX, i64::MIN));
        *g = (g.0 + row.v, g.1 + 1, g.2.min(row.v), g.3.max(row.v));
    }
    let mut rows = groups
        .iter()
        .map(|(k, (sum, n, low, high))| {
            vec![
                show(k),
                sum.to_string(),
                n.to_string(),
                low.to_string(),
                high.to_string(),
            ]
        })
        .collect::<Vec<_>>();
    rows.sort();
    rows
}

/// The rows of `by(keys, s=t.v.sum(), n=t.v.count(), low=t.v.min(), high=t.v.max())`, sorted.
fn grouped(s: &Session, keys: &str) -> Vec<Vec<String>> {
    let text = format!("by({keys}, s=t.v.sum(), n=t.v.count(), low=t.v.min(), high=t.v.max())");
    let mut out = rows(s, &text);
    out.sort();
    out
}

fn explained(s: &Session, text: &str) -> String {
    s.explain(&s.parse(text).unwrap()).unwrap()
}

/// The sorted rows of `text`, a group-by whose first step is Blaze's and reads its keys as
/// strings, not dictionaries.
fn rows_read_as_strings(s: &Session, text: &str) -> Vec<Vec<String>> {
    let plan = explained(s, text);
    assert!(plan.contains("PartialAggregateExec"), "{plan}");
    assert!(!plan.contains("dictionaries="), "{plan}");
    let mut got = rows(s, text);
    got.sort();
    got
}

fn show_opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map_or(String::new(), T::to_string)
}

#[test]
fn integer_and_short_string_keys_are_numbered_by_blaze_with_the_engines_results() {
    let dir = tempfile::tempdir().unwrap();
    let table = write_table(dir.path(), 3, 40_000, false);
    let pattern = format!("{}/*.parquet", dir.path().display());
    let s = super::session(&[("t", &pattern)]);

    let text = "by(t.name, s=t.v.sum())";
    let plan = explained(&s, text);
    assert!(plan.contains("PartialAggregateExec"), "{plan}");
    assert!(plan.contains("dictionaries=[name]"), "{plan}");
    assert!(!plan.contains("mode=Partial,"), "{plan}");

    let want = expected(&table, |r| show_opt(&r.name), String::clone);
    assert_eq!(grouped(&s, "t.name"), want);
    assert_eq!(want.len(), 101);

    let want = expected(&table, |r| r.code, show_opt);
    assert_eq!(grouped(&s, "t.code"), want);

    // Many groups: 300,000 possible ids over 120,000 rows.
    let want = expected(&table, |r| r.id, i64::to_string);
    assert_eq!(grouped(&s, "t.id"), want);

    // Two keys, of two kinds.
    let want = expected(
        &table,
        |r| (r.name.clone(), r.code),
        |(name, code)| format!("{}|{}", show_opt(name), show_opt(code)),
    );
    let mut got: Vec<Vec<String>> = grouped(&s, "t[['name', 'code']]")
        .into_iter()
        .map(|mut row| {
            let code = row.remove(1);
            row[0] = format!("{}|{code}", row[0]);
            row
        })
        .collect();
    got.sort();
    assert_eq!(got, want);
    let text = "by(t[['name', 'code']], s=t.v.sum(), m=t.v.mean())";
    let plan = explained(&s, text);
    assert!(plan.contains("PartialAggregateExec"), "{plan}");
    assert!(plan.contains("dictionaries=[name]"), "{plan}");
}

#[test]
fn string_keys_are_read_as_dictionaries_only_where_every_row_group_holds_them_so() {
    let text = "by(t.name, s=t.v.sum())";
    // The second file's names are not dictionary-encoded; the third's dictionary grows past
    // its page's limit part-way, and its later pages are plain.
    for plain in [1, 2] {
        let dir = tempfile::tempdir().unwrap();
        let table = write_files(dir.path(), 3, 30_000, false, |file| {
            let properties = WriterProperties::builder();
            match file == plain {
                true if plain == 1 => properties.set_dictionary_enabled(false),
                true => properties.set_dictionary_page_size_limit(64),
                false => properties,
            }
        });
        let pattern = format!("{}/*.parquet", dir.path().display());
        let s = super::session(&[("t", &pattern)]);
        let plan = explained(&s, text);
        assert!(plan.contains("PartialAggregateExec"), "{plan}");
        assert!(!plan.contains("dictionaries="), "{plan}");
        let want = expected(&table, |r| show_opt(&r.name), String::clone);
        assert_eq!(grouped(&s, "t.name"), want);
    }
    // One small file: its batches are dealt out to the cores from one scan, which reads the
    // dictionaries.
    let dir = tempfile::tempdir().unwrap();
    let table = write_table(dir.path(), 1, 30_000, false);
    let s = super::session(&[("t", &format!("{}/*.parquet", dir.path().display()))]);
    let plan = explained(&s, text);
    assert!(plan.contains("RoundRobinBatch"), "{plan}");
    assert!(plan.contains("dictionaries=[name]"), "{plan}");
    let want = expected(&table, |r| show_opt(&r.name), String::clone);
    assert_eq!(grouped(&s, "t.name"), want);
    // A key computed from another is read as strings.
    let text = "by(merge(t.name, t.name.str.upper().label('up')), s=t.v.sum())";
    let got = rows_read_as_strings(&s, text);
    let want: Vec<Vec<String>> = want
        .iter()
        .map(|row| vec![row[0].clone(), row[0].to_uppercase(), row[1].clone()])
        .collect();
    assert_eq!(got, want);
    // So is a key an aggregate reads too.
    let text = "by(t.name, n=t.name.count(), s=t.v.sum())";
    let got = rows_read_as_strings(&s, text);
    let want: Vec<Vec<String>> = expected(&table, |r| r.name.clone(), show_opt)
        .into_iter()
        .map(|row| {
            let count = if row[0].is_empty() { "0" } else { &row[2] };
            vec![row[0].clone(), count.to_owned(), row[1].clone()]
        })
        .collect();
    assert_eq!(got, want);
}

#[test]
fn a_key_that_stops_being_short_is_numbered_by_the_engines_table_from_there() {
    let dir = tempfile::tempdir().unwrap();
    // The last file's names are long: the groups numbered so far move to the engine's table,
    // from dictionaries as from strings.
    let table = write_table(dir.path(), 3, 30_000, true);
    let pattern = format!("{}/*.parquet", dir.path().display());
    let s = super::session(&[("t", &pattern)]);
    let plan = explained(&s, "by(t.name, s=t.v.sum())");
    assert!(plan.contains("dictionaries=[name]"), "{plan}");
    let want = expected(&table, |r| show_opt(&r.name), String::clone);
    assert_eq!(grouped(&s, "t.name"), want);
    assert!(want.len() > 101, "long names make groups of their own");
}

#[test]
fn under_a_memory_limit_the_groups_are_written_early_and_combined() {
    let dir = tempfile::tempdir().unwrap();
    let table = write_table(dir.path(), 2, 150_000, false);
    let pattern = format!("{}/*.parquet", dir.path().display());
    let mut s = Session::new(SessionOptions {
        memory_limit: Some(16 << 20),
        spill_dir: Some(dir.path().to_path_buf()),
        ..SessionOptions::default()
    })
    .unwrap();
    s.bind("t", &pattern).unwrap();
    assert!(explained(&s, "by(t.id, s=t.v.sum())").contains("PartialAggregateExec"));
    let want = expected(&table, |r| r.id, i64::to_string);
    assert_eq!(grouped(&s, "t.id"), want);
}

/// The sum of `i % values` over the `i` below 100,000 with `i % keys == key`: the group `key`'s
/// sum in the CSV files below.
fn residue_sum(keys: u64, key: u64, values: u64) -> u64 {
    (0..100_000u64)
        .filter(|i| i % keys == key)
        .map(|i| i % values)
        .sum()
}

#[test]
fn short_strings_read_from_csv_are_packed_too() {
    let mut csv = String::from("name,v\n");
    for i in 0..100_000 {
        csv.push_str(&format!("n{},{}\n", i % 7, i % 5));
    }
    csv.push_str("a name longer than twelve bytes,1000\n");
    let (_dir, s) = super::csv_session("t", &csv);
    let text = "by(t.name, s=t.v.sum())";
    assert!(explained(&s, text).contains("PartialAggregateExec"));
    let mut got = rows(&s, text);
    got.sort();
    let mut want: Vec<Vec<String>> = (0..7)
        .map(|r| vec![format!("n{r}"), residue_sum(7, r, 5).to_string()])
        .collect();
    want.insert(
        0,
        vec!["a name longer than twelve bytes".into(), "1000".into()],
    );
    assert_eq!(got, want);
}

#[test]
fn other_keys_keep_the_engines_partial_step() {
    let mut csv = String::from("f,v\n");
    for i in 0..100_000 {
        csv.push_str(&format!("{}.5,{}\n", i % 3, i % 7));
    }
    let (_dir, s) = super::csv_session("t", &csv);
    let text = "by(t.f, s=t.v.sum())";
    let plan = explained(&s, text);
    assert!(plan.contains("mode=Partial,"), "{plan}");
    assert!(!plan.contains("PartialAggregateExec"), "{plan}");
    let mut got = rows(&s, text);
    got.sort();
    let want: Vec<Vec<String>> = (0..3)
        .map(|r| vec![format!("{r}.5"), residue_sum(3, r, 7).to_string()])
        .collect();
    assert_eq!(got, want);
}

/// Medians and sums of `v` by `key`, as the rows of a result print them (a missing key
/// empty), sorted.
fn medians<K: Ord>(
    table: &[Row],
    key: impl Fn(&Row) -> K,
    show: impl Fn(&K) -> Vec<String>,
) -> Vec<Vec<String>> {
    let mut values: BTreeMap<K, Vec<i64>> = BTreeMap::new();
    for row in table {
        values.entry(key(row)).or_default().push(row.v);
    }
    let mut want: Vec<Vec<String>> = values
        .into_iter()
        .map(|(k, mut v)| {
            v.sort();
            let middle = v.len() / 2;
            let median = match v.len() % 2 {
                1 => v[middle] as f64,
                _ => (v[middle - 1] + v[middle]) as f64 / 2.0,
            };
            let sum: i64 = v.iter().sum();
            let mut row = show(&k);
            row.extend([format!("{median:?}"), sum.to_string()]);
            row
        })
        .collect();
    want.sort();
    want
}

#[test]
fn medians_are_computed_in_one_step_over_the_rows_exchanged_by_key() {
    let dir = tempfile::tempdir().unwrap();
    // The last file's names are longer than twelve bytes, so that numbering them moves to
    // the engine's table midway.
    let table = write_table(dir.path(), 2, 30_000, true);
    let pattern = format!("{}/*.parquet", dir.path().display());
    let s = super::session(&[("t", &pattern)]);
    let sorted = |s: &Session, text: &str| {
        let mut got = rows(s, text);
        got.sort();
        got
    };
    let text = "by(t.code, m=t.v.median(), s=t.v.sum())";
    let plan = explained(&s, text);
    // One step, Blaze's, over a hash exchange of the rows: no first step.
    assert!(plan.contains("SingleAggregateExec"), "{plan}");
    assert!(
        plan.contains("RepartitionExec: partitioning=Hash"),
        "{plan}"
    );
    assert!(!plan.contains("PartialAggregateExec"), "{plan}");
    let want = medians(&table, |r| r.code, |code| vec![show_opt(code)]);
    assert_eq!(sorted(&s, text), want);
    let two_keys = "by(t[['name', 'code']], m=t.v.median(), s=t.v.sum())";
    assert!(explained(&s, two_keys).contains("SingleAggregateExec"));
    let want_two = medians(
        &table,
        |r| (r.name.clone(), r.code),
        |(name, code)| vec![show_opt(name), show_opt(code)],
    );
    assert_eq!(sorted(&s, two_keys), want_two);
    // Without a median, the first step stays.
    let plan = explained(&s, "by(t.code, s=t.v.sum())");
    assert!(plan.contains("PartialAggregateExec"), "{plan}");
    // And under a memory limit.
    let mut limited = Session::new(SessionOptions {
        memory_limit: Some(256 << 20),
        ..SessionOptions::default()
    })
    .unwrap();
    limited.bind("t", &pattern).unwrap();
    let plan = explained(&limited, text);
    assert!(plan.contains("PartialAggregateExec"), "{plan}");
    assert!(!plan.contains("SingleAggregateExec"), "{plan}");
    assert_eq!(sorted(&limited, text), want);
}
