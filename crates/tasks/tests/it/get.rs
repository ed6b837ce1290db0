//! `get`: values, aliases, errors (`spec/dask.md` §1.3).

use blaze_tasks::{Error, Graph, Key, Scheduler, get};

use crate::util::{keys, schedulers, spec_graph};

#[test]
fn computes_the_spec_example_on_both_schedulers() {
    let g = spec_graph();
    for s in schedulers() {
        let out = s.get(&g, &keys(&["x", "z", "w"])).unwrap();
        let values: Vec<i64> = out.iter().map(|v| **v).collect();
        assert_eq!(values, [1, 3, 6]);
    }
}

#[test]
fn a_key_asked_twice_gets_the_same_value_twice() {
    let out = get(&spec_graph(), &keys(&["w", "w"])).unwrap();
    assert_eq!((*out[0], *out[1]), (6, 6));
}

#[test]
fn an_alias_gives_its_targets_value() {
    let mut g: Graph<Vec<i64>> = Graph::new();
    g.insert_data("a", vec![1, 2, 3]);
    g.insert_alias("b", "a");
    g.insert_alias("c", "b");
    for s in schedulers() {
        assert_eq!(*s.get(&g, &keys(&["c"])).unwrap()[0], vec![1, 2, 3]);
    }
}

#[test]
fn a_ten_thousand_long_chain_runs_without_deep_recursion() {
    let mut g: Graph<i64> = Graph::new();
    g.insert_data(("x", 0), 0);
    for i in 1..=10_000 {
        g.insert_task(("x", i), [("x", i - 1)], |a| Ok(a[0] + 1));
    }
    for s in schedulers() {
        assert_eq!(*s.get(&g, &[("x", 10_000).into()]).unwrap()[0], 10_000);
    }
}

#[test]
fn an_unknown_output_is_an_error() {
    let err = get(&spec_graph(), &keys(&["q"])).unwrap_err();
    assert!(matches!(err, Error::UnknownKey { .. }));
    assert_eq!(err.to_string(), "key 'q' is not in the graph");
}

#[test]
fn a_missing_dependency_names_the_task_and_the_key() {
    let mut g = spec_graph();
    g.insert_task("v", [Key::from("w"), Key::from(("nope", 3))], |a| Ok(a[0]));
    for s in schedulers() {
        let err = s.get(&g, &keys(&["v"])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "missing dependency ('nope', 3) of task 'v'"
        );
    }
}

#[test]
fn a_missing_dependency_of_an_unneeded_task_does_not_matter() {
    let mut g = spec_graph();
    g.insert_task("v", ["nope"], |a| Ok(a[0]));
    assert_eq!(*get(&g, &keys(&["w"])).unwrap()[0], 6);
}

#[test]
fn a_cycle_is_an_error_that_lists_it() {
    let mut g: Graph<i64> = Graph::new();
    g.insert_data("x", 1);
    g.insert_task("a", ["x", "c"], |a| Ok(a[0]));
    g.insert_task("b", ["a"], |a| Ok(a[0]));
    g.insert_task("c", ["b"], |a| Ok(a[0]));
    g.insert_task("out", ["c"], |a| Ok(a[0]));
    for s in schedulers() {
        let err = s.get(&g, &keys(&["out"])).unwrap_err();
        let Error::Cycle { keys: cycle } = &err else {
            panic!("expected a cycle, got {err}");
        };
        assert_eq!(cycle.len(), 4, "{err}");
        assert_eq!(cycle.first(), cycle.last());
        let message = err.to_string();
        assert!(
            message.starts_with("cycle detected between the following keys: "),
            "{message}"
        );
        for k in ["'a'", "'b'", "'c'"] {
            assert!(message.contains(k), "{message}");
        }
    }
}

#[test]
fn an_alias_cycle_is_an_error() {
    let mut g: Graph<i64> = Graph::new();
    g.insert_alias("a", "b");
    g.insert_alias("b", "a");
    let err = get(&g, &keys(&["a"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cycle detected between the following keys: 'a' -> 'b' -> 'a'"
    );
}

#[test]
fn a_failing_task_names_its_key_and_its_error() {
    let mut g = spec_graph();
    g.insert_task(("bad", 2), ["w"], |_| Err("division by zero".into()));
    g.insert_task("out", [Key::from(("bad", 2))], |a| Ok(a[0]));
    for s in schedulers() {
        let err = s.get(&g, &keys(&["out"])).unwrap_err();
        assert_eq!(err.task_key(), Some(&Key::from(("bad", 2))));
        assert_eq!(err.to_string(), "task ('bad', 2) failed: division by zero");
    }
}

#[test]
fn a_panicking_task_is_an_error_not_a_crash() {
    let mut g: Graph<i64> = Graph::new();
    for i in 0..100 {
        g.insert_data(("x", i), i);
        g.insert_task(("y", i), [("x", i)], move |a| {
            if a[0] == 57 {
                panic!("no 57 allowed");
            }
            Ok(a[0])
        });
    }
    g.insert_task("total", (0..100).map(|i| ("y", i)), |a| Ok(a.iter().sum()));
    for s in schedulers() {
        let err = s.get(&g, &keys(&["total"])).unwrap_err();
        assert_eq!(err.to_string(), "task ('y', 57) panicked: no 57 allowed");
    }
}

#[test]
fn the_threaded_scheduler_agrees_with_the_synchronous_one_on_a_wide_graph() {
    let mut g: Graph<u64> = Graph::new();
    for i in 0..2000 {
        g.insert_task(("a", i), Vec::<Key>::new(), move |_| Ok(i as u64));
        g.insert_task(("b", i), [("a", i)], |a| Ok(a[0] * a[0]));
    }
    let leaves = (0..2000).map(|i| Key::from(("b", i))).collect();
    let root = g.insert_tree_reduction("sum", leaves, 4, |a| Ok(a.iter().sum()));
    let expected: u64 = (0..2000u64).map(|i| i * i).sum();
    for workers in [1, 2, 3, 8] {
        let s = Scheduler::threaded().with_workers(workers);
        for _ in 0..5 {
            assert_eq!(
                *s.get(&g, std::slice::from_ref(&root)).unwrap()[0],
                expected,
                "{workers} workers"
            );
        }
    }
}

#[test]
fn an_empty_request_returns_nothing() {
    for s in schedulers() {
        assert!(s.get(&spec_graph(), &[]).unwrap().is_empty());
    }
}
