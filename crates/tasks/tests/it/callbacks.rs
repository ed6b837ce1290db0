//! Callbacks: the profiler and its Chrome trace, the progress bar, custom hooks, DOT export.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use blaze_tasks::{Callback, Graph, Key, Profiler, ProgressBar, Scheduler};

use crate::util::{keys, spec_graph};

fn wide(n: i64) -> Graph<i64> {
    let mut g: Graph<i64> = Graph::new();
    for i in 0..n {
        g.insert_data(("x", i), i);
        g.insert_task(("y", i), [("x", i)], |a| Ok(a[0] + 1));
    }
    g.insert_task("total", (0..n).map(|i| ("y", i)), |a| Ok(a.iter().sum()));
    g
}

#[test]
fn the_profiler_records_every_task_once() {
    let g = wide(50);
    let profiler = Profiler::new();
    let s = Scheduler::threaded()
        .with_workers(2)
        .with_callback(&profiler);
    assert_eq!(
        *s.get(&g, &keys(&["total"])).unwrap()[0],
        (1..=50).sum::<i64>()
    );
    let records = profiler.records();
    assert_eq!(records.len(), 51, "tasks only, not data");
    let recorded: HashSet<String> = records.iter().map(|r| r.key.to_string()).collect();
    assert!(recorded.contains("('y', 49)") && recorded.contains("total"));
    assert!(records.iter().all(|r| r.start <= r.end && r.worker < 2));
    let last = records.last().unwrap();
    assert_eq!(last.key, Key::from("total"));

    let trace = profiler.chrome_trace();
    let events = trace["traceEvents"].as_array().unwrap();
    assert_eq!(events.len(), 51);
    let total = events.iter().find(|e| e["name"] == "total").unwrap();
    assert_eq!(total["ph"], "X");
    assert_eq!(total["pid"], 0);
    assert!(total["ts"].as_f64().unwrap() >= 0.0 && total["dur"].as_f64().unwrap() >= 0.0);
}

#[test]
fn one_thread_runs_tasks_in_priority_order() {
    let g = wide(20);
    let profiler = Profiler::new();
    Scheduler::synchronous()
        .with_callback(&profiler)
        .get(&g, &keys(&["total"]))
        .unwrap();
    let order = g.order().unwrap();
    let ran: Vec<usize> = profiler.records().iter().map(|r| order[&r.key]).collect();
    let mut sorted = ran.clone();
    sorted.sort_unstable();
    assert_eq!(ran, sorted);
}

#[test]
fn the_progress_bar_counts_tasks() {
    let bar = ProgressBar::hidden();
    Scheduler::threaded()
        .with_callback(&bar)
        .get(&wide(30), &keys(&["total"]))
        .unwrap();
    assert_eq!((bar.done(), bar.total()), (31, 31));
}

#[derive(Default)]
struct Hooks {
    started: AtomicUsize,
    pre: AtomicUsize,
    post: AtomicUsize,
    finished: Mutex<Vec<bool>>,
}

impl Callback for Hooks {
    fn start(&self, tasks: usize) {
        self.started.store(tasks, Ordering::SeqCst);
    }
    fn pretask(&self, _key: &Key, _worker: usize) {
        self.pre.fetch_add(1, Ordering::SeqCst);
    }
    fn posttask(&self, _key: &Key, _worker: usize) {
        self.post.fetch_add(1, Ordering::SeqCst);
    }
    fn finish(&self, failed: bool) {
        self.finished.lock().unwrap().push(failed);
    }
}

#[test]
fn hooks_see_every_task_and_the_outcome() {
    let hooks = Hooks::default();
    let s = Scheduler::synchronous().with_callback(&hooks);
    s.get(&spec_graph(), &keys(&["w"])).unwrap();
    assert_eq!(hooks.started.load(Ordering::SeqCst), 2);
    assert_eq!(hooks.pre.load(Ordering::SeqCst), 2);
    assert_eq!(hooks.post.load(Ordering::SeqCst), 2);
    let mut g = spec_graph();
    g.insert_task("w", ["z"], |_| Err("no".into()));
    assert!(s.get(&g, &keys(&["w"])).is_err());
    assert_eq!(*hooks.finished.lock().unwrap(), [false, true]);
    assert_eq!(
        hooks.post.load(Ordering::SeqCst),
        3,
        "the failed task has no posttask"
    );
}

#[test]
fn dot_draws_data_tasks_aliases_and_priorities() {
    let mut g: Graph<i64> = Graph::new();
    g.insert_data("a", 1);
    g.insert_task("c", ["a"], |x| Ok(x[0] + 1));
    g.insert_task("d", ["a", "c", "c"], |x| Ok(x[0] + x[1]));
    g.insert_alias("e", "d");
    assert_eq!(
        g.to_dot(),
        r#"digraph {
  rankdir=BT;
  node [fontname="Helvetica"];
  "a" [label="a\n#0", shape=box];
  "c" [label="c\n#1", shape=ellipse];
  "d" [label="d\n#2", shape=ellipse];
  "e" [label="e\n#2", shape=ellipse, style=dashed];
  "a" -> "c";
  "a" -> "d";
  "c" -> "d";
  "d" -> "e";
}
"#
    );
}
