//! Intermediate values are freed as soon as their last user has run (`spec/dask.md` §1.5).

use std::sync::Arc;

use blaze_tasks::{Graph, Key, Scheduler};

use crate::util::{Census, Counted, schedulers};

#[test]
fn a_dependency_is_freed_once_its_last_dependent_has_run() {
    // spec/dask.md §1.5: {x: 1, y: 2, z: inc(x), w: add(z, y)}; when w runs, x is gone.
    let census = Arc::new(Census::default());
    let mut g: Graph<Counted> = Graph::new();
    let c = Arc::clone(&census);
    g.insert_task("x", Vec::<Key>::new(), move |_| Ok(Counted::new(1, &c)));
    let c = Arc::clone(&census);
    g.insert_task("y", Vec::<Key>::new(), move |_| Ok(Counted::new(2, &c)));
    let c = Arc::clone(&census);
    g.insert_task("z", ["x"], move |a| Ok(Counted::new(a[0].value + 1, &c)));
    let c = Arc::clone(&census);
    g.insert_task("w", ["z", "y"], move |a| {
        assert_eq!(c.live(), 2, "only z and y are alive when w runs");
        Ok(Counted::new(a[0].value + a[1].value, &c))
    });
    let out = Scheduler::synchronous().get(&g, &["w".into()]).unwrap();
    assert_eq!(out[0].value, 4);
    assert_eq!(census.live(), 1);
    drop(out);
    assert_eq!(census.live(), 0);
}

/// 256 leaf tasks summed by a tree with fan-in 4; returns the graph and the root's key.
fn tree(census: &Arc<Census>) -> (Graph<Counted>, Key) {
    let mut g: Graph<Counted> = Graph::new();
    let leaves = (0..256)
        .map(|i| {
            let c = Arc::clone(census);
            let key = Key::from(("leaf", i));
            g.insert_task(key.clone(), Vec::<Key>::new(), move |_| {
                Ok(Counted::new(i, &c))
            });
            key
        })
        .collect();
    let c = Arc::clone(census);
    let root = g.insert_tree_reduction("sum", leaves, 4, move |a| {
        Ok(Counted::new(a.iter().map(|v| v.value).sum(), &c))
    });
    (g, root)
}

#[test]
fn a_tree_reduction_holds_a_few_values_not_all_of_them() {
    let census = Arc::new(Census::default());
    let (g, root) = tree(&census);
    let out = Scheduler::synchronous().get(&g, &[root]).unwrap();
    assert_eq!(out[0].value, (0..256).sum::<i64>());
    assert_eq!(census.live(), 1);
    // Depth-first: at most 4 leaves, 3 finished sums at each of the 3 levels above, the new one.
    assert!(census.peak() <= 4 + 3 * 3 + 1, "peak {}", census.peak());
}

#[test]
fn threads_free_intermediates_too() {
    let census = Arc::new(Census::default());
    let (g, root) = tree(&census);
    for _ in 0..10 {
        let out = Scheduler::threaded()
            .with_workers(2)
            .get(&g, std::slice::from_ref(&root))
            .unwrap();
        assert_eq!(out[0].value, (0..256).sum::<i64>());
        assert_eq!(census.live(), 1);
    }
    assert!(census.peak() < 64, "peak {}", census.peak());
}

#[test]
fn an_output_that_others_use_is_kept() {
    let census = Arc::new(Census::default());
    let (g, root) = tree(&census);
    for s in schedulers() {
        let out = s
            .get(
                &g,
                &[
                    Key::from(("sum-1", 0)),
                    root.clone(),
                    Key::from(("leaf", 3)),
                ],
            )
            .unwrap();
        assert_eq!(out[0].value, 6);
        assert_eq!(out[2].value, 3);
        assert_eq!(census.live(), 3);
    }
}

#[test]
fn a_failed_run_leaves_nothing_alive() {
    let census = Arc::new(Census::default());
    let (mut g, root) = tree(&census);
    g.insert_task(("leaf", 200), Vec::<Key>::new(), |_| {
        Err("disk on fire".into())
    });
    for s in schedulers() {
        let err = s.get(&g, std::slice::from_ref(&root)).unwrap_err();
        assert_eq!(err.to_string(), "task ('leaf', 200) failed: disk on fire");
        assert_eq!(census.live(), 0);
    }
}
