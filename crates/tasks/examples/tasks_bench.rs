//! Scheduler overhead on trivial tasks, for `bench/tasks_bench.py` (which builds the same graph
//! shapes for dask's threaded scheduler). Prints one JSON object per shape: the number of tasks
//! and the median time of `Scheduler::get` over the runs (compiling, ordering and running).
//!
//! ```sh
//! cargo run --release -p blaze-tasks --example tasks_bench -- --workers 2 --runs 5
//! ```

use std::time::Instant;

use blaze_tasks::{Graph, Key, Scheduler};

/// `n` tasks `x_i = i`, `y_i = x_i + 1`, then a tree of sums with fan-in 8.
fn wide(n: i64) -> (Graph<i64>, Key) {
    let mut g = Graph::new();
    for i in 0..n {
        g.insert_task(("x", i), Vec::<Key>::new(), move |_| Ok(i));
        g.insert_task(("y", i), [("x", i)], |a| Ok(a[0] + 1));
    }
    let leaves = (0..n).map(|i| Key::from(("y", i))).collect();
    let root = g.insert_tree_reduction("sum", leaves, 8, |a| Ok(a.iter().sum()));
    (g, root)
}

/// `chains` chains of `length` increments each, summed at the end.
fn chains(chains: i64, length: i64) -> (Graph<i64>, Key) {
    let mut g = Graph::new();
    for c in 0..chains {
        let name = format!("c{c}");
        g.insert_task(Key::new(name.as_str(), [0]), Vec::<Key>::new(), |_| Ok(0));
        for i in 1..length {
            g.insert_task(
                Key::new(name.as_str(), [i]),
                [Key::new(name.as_str(), [i - 1])],
                |a| Ok(a[0] + 1),
            );
        }
    }
    g.insert_task(
        "total",
        (0..chains).map(|c| Key::new(format!("c{c}"), [length - 1])),
        |a| Ok(a.iter().sum()),
    );
    (g, Key::from("total"))
}

/// `n` leaves summed pairwise.
fn binary_tree(n: i64) -> (Graph<i64>, Key) {
    let mut g = Graph::new();
    for i in 0..n {
        g.insert_task(("leaf", i), Vec::<Key>::new(), move |_| Ok(i));
    }
    let leaves = (0..n).map(|i| Key::from(("leaf", i))).collect();
    let root = g.insert_tree_reduction("sum", leaves, 2, |a| Ok(a.iter().sum()));
    (g, root)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let workers = option("--workers", 2);
    let runs = option("--runs", 5);
    let scale = option("--scale", 100_000) as i64;
    let scheduler = Scheduler::threaded().with_workers(workers);
    let shapes = [
        ("wide map-reduce", wide(scale)),
        ("chains", chains(8, scale / 8)),
        ("tree reduction", binary_tree(scale)),
    ];
    for (shape, (graph, root)) in shapes {
        let tasks = graph.len();
        let mut times = Vec::with_capacity(runs);
        let mut value = 0;
        for _ in 0..runs.max(1) {
            let start = Instant::now();
            value = *scheduler
                .get(&graph, std::slice::from_ref(&root))
                .expect("the graph runs")[0];
            times.push(start.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        println!(
            "{{\"shape\": \"{shape}\", \"tasks\": {tasks}, \"seconds\": {median}, \"value\": {value}}}"
        );
    }
}
