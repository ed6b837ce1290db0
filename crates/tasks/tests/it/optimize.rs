//! Culling and fusing linear chains (`spec/dask.md` §1.7).

use blaze_tasks::{Computation, Graph, Key, get};

use crate::util::{keys, spec_graph};

fn sorted_keys<V>(g: &Graph<V>) -> Vec<String> {
    let mut k: Vec<String> = g.keys().iter().map(Key::to_string).collect();
    k.sort();
    k
}

#[test]
fn cull_keeps_what_the_outputs_need() {
    let mut g = spec_graph();
    g.insert_task("unused", ["w"], |a| Ok(a[0]));
    g.insert_alias("zz", "z");
    let culled = g.cull(&keys(&["zz"])).unwrap();
    assert_eq!(sorted_keys(&culled), ["x", "y", "z", "zz"]);
    assert_eq!(*get(&culled, &keys(&["zz"])).unwrap()[0], 3);
}

#[test]
fn cull_of_an_unknown_key_is_an_error() {
    let err = spec_graph().cull(&keys(&["nope"])).unwrap_err();
    assert_eq!(err.to_string(), "key 'nope' is not in the graph");
}

/// dask's `test_fuse` example: `w = inc(x), x = inc(y), y = inc(z), z = add(a, b)`.
fn chain() -> Graph<i64> {
    let mut g: Graph<i64> = Graph::new();
    g.insert_task("w", ["x"], |a| Ok(a[0] + 1));
    g.insert_task("x", ["y"], |a| Ok(a[0] + 1));
    g.insert_task("y", ["z"], |a| Ok(a[0] + 1));
    g.insert_task("z", ["a", "b"], |a| Ok(a[0] + a[1]));
    g.insert_data("a", 1);
    g.insert_data("b", 2);
    g
}

#[test]
fn a_linear_chain_becomes_one_task_under_a_joined_name() {
    let fused = chain().fuse_linear(&[]);
    assert_eq!(sorted_keys(&fused), ["a", "b", "w", "w-x-y-z"]);
    assert!(matches!(fused.get(&"w".into()), Some(Computation::Alias(k)) if k.name() == "w-x-y-z"));
    let Some(Computation::Task(t)) = fused.get(&"w-x-y-z".into()) else {
        panic!("the fused key is a task");
    };
    assert_eq!(t.args(), keys(&["a", "b"]).as_slice());
    assert_eq!(*get(&fused, &keys(&["w"])).unwrap()[0], 6);
}

#[test]
fn kept_keys_are_not_fused_away() {
    let fused = chain().fuse_linear(&keys(&["y"]));
    assert_eq!(sorted_keys(&fused), ["a", "b", "w", "w-x", "y", "y-z"]);
    let out = get(&fused, &keys(&["w", "y"])).unwrap();
    assert_eq!((*out[0], *out[1]), (6, 4));
}

#[test]
fn a_task_used_twice_ends_a_chain() {
    let mut g = chain();
    g.insert_task("v", ["x"], |a| Ok(a[0] * 10));
    let fused = g.fuse_linear(&[]);
    assert_eq!(sorted_keys(&fused), ["a", "b", "v", "w", "x", "x-y-z"]);
    let out = get(&fused, &keys(&["w", "v"])).unwrap();
    assert_eq!((*out[0], *out[1]), (6, 50));
}

#[test]
fn block_keys_keep_the_last_tasks_index() {
    let mut g: Graph<i64> = Graph::new();
    for i in 0..3 {
        g.insert_data(("x", i), i);
        g.insert_task(("y", i), [("x", i)], |a| Ok(a[0] * 2));
        g.insert_task(("z", i), [("y", i)], |a| Ok(a[0] + 1));
    }
    let fused = g.fuse_linear(&[]);
    assert!(fused.contains(&("z-y", 2).into()), "{:?}", fused.keys());
    let out = get(&fused, &[("z", 0).into(), ("z", 2).into()]).unwrap();
    assert_eq!((*out[0], *out[1]), (1, 5));
}

#[test]
fn an_error_in_a_fused_task_names_the_original_task() {
    let mut g = chain();
    g.insert_task("x", ["y"], |_| Err("bad input".into()));
    let err = get(&g.fuse_linear(&[]), &keys(&["w"])).unwrap_err();
    assert_eq!(
        err.to_string(),
        "task 'w-x-y-z' failed: task 'x' failed: bad input"
    );
}

#[test]
fn fusing_a_cycle_still_reports_the_cycle() {
    let mut g: Graph<i64> = Graph::new();
    g.insert_task("a", ["b"], |a| Ok(a[0]));
    g.insert_task("b", ["a"], |a| Ok(a[0]));
    let err = get(&g.fuse_linear(&[]), &keys(&["a"])).unwrap_err();
    assert!(err.to_string().starts_with("cycle detected"), "{err}");
}
