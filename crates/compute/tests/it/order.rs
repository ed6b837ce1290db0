//! The order of group-bys' and joins' rows: sorted by the keys when there are at most
//! `SORTED_ROWS`, as Blaze over pandas gave a group-by's; all the rows, in the engine's order,
//! beyond.

use blaze_compute::SORTED_ROWS;

use crate::{csv_session, rows};

/// Rows as text, for comparing with expected rows written out.
fn texts(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect()
}

#[test]
fn few_groups_come_sorted_by_their_keys_missing_keys_last() {
    // Keys in no order, so that neither first appearance nor hashing sorts them.
    let (_dir, s) = csv_session(
        "t",
        "k,j,v\nd,2,1\nb,1,2\n,1,3\na,2,4\nd,1,5\nb,1,6\nc,,7\na,1,8\n",
    );
    let sorted = texts(&[
        &["a", "12"],
        &["b", "8"],
        &["c", "7"],
        &["d", "6"],
        &["", "3"],
    ]);
    // The same order every time, whichever partition finishes first.
    for _ in 0..5 {
        assert_eq!(rows(&s, "by(t.k, total=t.v.sum())"), sorted);
    }
    assert_eq!(
        rows(&s, "by(t[['k', 'j']], n=t.v.count())"),
        texts(&[
            &["a", "1", "1"],
            &["a", "2", "1"],
            &["b", "1", "2"],
            &["c", "", "1"],
            &["d", "1", "1"],
            &["d", "2", "1"],
            &["", "1", "1"],
        ])
    );
    // Keys that are computed, numbers and booleans sort as values, not as text.
    assert_eq!(
        rows(&s, "by(t.v * 5 // 4, n=t.v.count())"),
        texts(&[
            &["1", "1"],
            &["2", "1"],
            &["3", "1"],
            &["5", "1"],
            &["6", "1"],
            &["7", "1"],
            &["8", "1"],
            &["10", "1"],
        ])
    );
    assert_eq!(
        rows(&s, "by(t.v > 4, n=t.v.count())"),
        texts(&[&["false", "4"], &["true", "4"]])
    );
    // The first rows of a group-by are those of the sorted result, as a preview shows them.
    assert_eq!(rows(&s, "by(t.k, total=t.v.sum()).head(2)"), sorted[..2]);
    // Equal counts come in the values' order.
    for _ in 0..3 {
        assert_eq!(
            rows(&s, "t.k.count_values()"),
            texts(&[
                &["a", "2"],
                &["b", "2"],
                &["d", "2"],
                &["c", "1"],
                &["", "0"],
            ])
        );
    }
    // A sort asked for is the sort given.
    assert_eq!(
        rows(&s, "by(t.k, total=t.v.sum()).sort('total')"),
        texts(&[
            &["", "3"],
            &["d", "6"],
            &["c", "7"],
            &["b", "8"],
            &["a", "12"],
        ])
    );
}

#[test]
fn small_joins_come_sorted_by_their_columns_keys_first() {
    let dir = tempfile::tempdir().unwrap();
    let accounts = dir.path().join("a.csv");
    let cities = dir.path().join("c.csv");
    // Neither side in the keys' order; a key twice on the left, and one on the right only.
    std::fs::write(
        &accounts,
        "name,amount\nCharlie,300\nAlice,100\nBob,200\nDan,50\nAlice,-5\n",
    )
    .unwrap();
    std::fs::write(
        &cities,
        "name,city\nBob,LA\nDan,SF\nEve,Rome\nAlice,NYC\nCharlie,Paris\n",
    )
    .unwrap();
    let s = crate::session(&[
        ("a", accounts.to_str().unwrap()),
        ("c", cities.to_str().unwrap()),
    ]);
    let sorted = texts(&[
        &["Alice", "-5", "NYC"],
        &["Alice", "100", "NYC"],
        &["Bob", "200", "LA"],
        &["Charlie", "300", "Paris"],
        &["Dan", "50", "SF"],
    ]);
    for _ in 0..5 {
        assert_eq!(rows(&s, "join(a, c)"), sorted);
    }
    assert_eq!(rows(&s, "join(a, c).head(2)"), sorted[..2]);
    let outer = rows(&s, "join(a, c, how='outer')");
    assert_eq!(outer.last().unwrap(), &["Eve", "", "Rome"]);
}

#[test]
fn concatenations_and_their_first_rows_give_one_sides_rows_then_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let z = dir.path().join("z.csv");
    std::fs::write(&a, "name,n\nCharlie,3\nAlice,1\nBob,2\n").unwrap();
    std::fs::write(&z, "name,n\nZed,26\nYan,25\n").unwrap();
    let s = crate::session(&[("a", a.to_str().unwrap()), ("z", z.to_str().unwrap())]);
    // Each time: which side's partition finishes first must not matter.
    for _ in 0..5 {
        assert_eq!(
            rows(&s, "concat(a, z).name"),
            texts(&[&["Charlie"], &["Alice"], &["Bob"], &["Zed"], &["Yan"]])
        );
        assert_eq!(
            rows(&s, "concat(a[a.n > 1], z).head(3)"),
            texts(&[&["Charlie", "3"], &["Bob", "2"], &["Zed", "26"]])
        );
    }
}

#[test]
fn many_groups_all_come_whatever_their_order() {
    let groups = SORTED_ROWS + 4_000;
    let mut csv = String::from("k,v\n");
    // Every group twice, in two halves, so that the groups meet across batches.
    for round in 0..2 {
        for k in 0..groups {
            csv.push_str(&format!("{},{}\n", (k * 7_919) % groups, round + 1));
        }
    }
    let (_dir, s) = csv_session("t", &csv);
    let got = rows(&s, "by(t.k, total=t.v.sum(), n=t.v.count())");
    assert_eq!(got.len(), groups);
    let mut keys: Vec<usize> = got
        .iter()
        .map(|row| {
            assert_eq!(row[1..], ["3".to_string(), "2".to_string()], "{row:?}");
            row[0].parse().unwrap()
        })
        .collect();
    keys.sort_unstable();
    assert!(keys.iter().copied().eq(0..groups));
    assert_eq!(rows(&s, "by(t.k, total=t.v.sum()).head(3)").len(), 3);
}
