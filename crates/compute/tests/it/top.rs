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
