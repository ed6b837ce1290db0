//! The static priority (`spec/dask.md` §1.6).

use std::collections::HashMap;

use blaze_tasks::{Graph, Key};

fn ranks(g: &Graph<i64>) -> HashMap<String, usize> {
    g.order()
        .unwrap()
        .into_iter()
        .map(|(k, r)| (k.to_string(), r))
        .collect()
}

#[test]
fn the_docstring_example_runs_the_big_branch_first() {
    let mut g: Graph<i64> = Graph::new();
    g.insert_data("a", 1);
    g.insert_data("b", 2);
    g.insert_task("c", ["a"], |x| Ok(x[0] + 1));
    g.insert_task("d", ["b", "c"], |x| Ok(x[0] + x[1]));
    let r = ranks(&g);
    assert_eq!((r["a"], r["c"], r["b"], r["d"]), (0, 1, 2, 3));
}

/// Builds leaves `x0..x7`, pairs `s0..s3`, then `t0, t1`, then `u`.
fn binary_tree() -> Graph<i64> {
    let mut g: Graph<i64> = Graph::new();
    for i in 0..8 {
        g.insert_task(format!("x{i}"), Vec::<Key>::new(), move |_| Ok(i));
    }
    for i in 0..4 {
        g.insert_task(
            format!("s{i}"),
            [format!("x{}", 2 * i), format!("x{}", 2 * i + 1)],
            |a| Ok(a[0] + a[1]),
        );
    }
    for i in 0..2 {
        g.insert_task(
            format!("t{i}"),
            [format!("s{}", 2 * i), format!("s{}", 2 * i + 1)],
            |a| Ok(a[0] + a[1]),
        );
    }
    g.insert_task("u", ["t0", "t1"], |a| Ok(a[0] + a[1]));
    g
}

#[test]
fn a_tree_reduction_combines_as_soon_as_it_can() {
    let r = ranks(&binary_tree());
    let mut by_rank: Vec<(usize, String)> = r.into_iter().map(|(k, v)| (v, k)).collect();
    by_rank.sort();
    let names: Vec<&str> = by_rank.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "x0", "x1", "s0", "x2", "x3", "s1", "t0", "x4", "x5", "s2", "x6", "x7", "s3", "t1", "u"
        ]
    );
}

#[test]
fn smaller_goals_come_first() {
    let mut g: Graph<i64> = Graph::new();
    // A long chain ending in `long`, and a short one ending in `short`.
    g.insert_data("l0", 0);
    for i in 1..5 {
        g.insert_task(format!("l{i}"), [format!("l{}", i - 1)], |a| Ok(a[0] + 1));
    }
    g.insert_alias("long", "l4");
    g.insert_data("s0", 0);
    g.insert_task("short", ["s0"], |a| Ok(a[0] + 1));
    let r = ranks(&g);
    assert!(r["short"] < r["l0"], "{r:?}");
    assert_eq!(r["long"], r["l4"]);
}

#[test]
fn the_order_is_topological_and_a_permutation() {
    // A layered random-looking DAG: each node depends on up to three of the previous layer.
    let mut g: Graph<i64> = Graph::new();
    let mut seed: u64 = 7;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for j in 0..20 {
        g.insert_data(("l", 0, j), j);
    }
    for layer in 1..10 {
        for j in 0..20 {
            let deps: Vec<Key> = (0..1 + next() % 3)
                .map(|_| Key::from(("l", layer - 1, (next() % 20) as i64)))
                .collect();
            g.insert_task(("l", layer, j), deps, |a| Ok(a.iter().sum()));
        }
    }
    let order = g.order().unwrap();
    let mut seen: Vec<usize> = order.values().copied().collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..g.len()).collect::<Vec<_>>());
    for (key, c) in g.iter() {
        for d in c.dependencies() {
            assert!(order[d] < order[key], "{d} must come before {key}");
        }
    }
}

#[test]
fn the_order_does_not_depend_on_insertion_order() {
    let a = binary_tree();
    let mut b: Graph<i64> = Graph::new();
    for (k, c) in a.iter().rev() {
        b.insert(k.clone(), c.clone());
    }
    assert_eq!(a.order().unwrap(), b.order().unwrap());
}
