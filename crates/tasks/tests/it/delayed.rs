//! The typed lazy builder.

use blaze_tasks::{Delayed, Scheduler, compute_all, reduce};

#[test]
fn values_and_functions_compose_into_a_graph() {
    let x = Delayed::value(3_i64);
    let y = Delayed::value(String::from("four"));
    let z = x.zip_with(&y, "describe", |n, s| format!("{n} and {s}"));
    assert_eq!(z.compute().unwrap(), "3 and four");
    assert_eq!(z.graph().len(), 3);
    assert!(z.key().name().starts_with("describe-"));
}

#[test]
fn shared_work_runs_once() {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = calls.clone();
    let base = Delayed::from_fn("load", move || {
        c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        vec![1_i64, 2, 3]
    });
    let sum = base.map("sum", |v| v.iter().sum::<i64>());
    let max = base.map("max", |v| v.iter().copied().max().unwrap_or(0));
    let out = compute_all(&[sum, max], &Scheduler::threaded()).unwrap();
    assert_eq!(out, [6, 3]);
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn a_failing_step_names_its_task() {
    let text = Delayed::value(String::from("12x"));
    let n = text.try_map("parse", |s| s.parse::<i64>());
    let doubled = n.map("double", |n| n * 2);
    let err = doubled.compute_with(&Scheduler::synchronous()).unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("task 'parse-"), "{message}");
    assert!(
        message.ends_with("failed: invalid digit found in string"),
        "{message}"
    );
}

#[test]
fn a_reduction_over_many_delayed_values() {
    let parts: Vec<Delayed<u64>> = (0..1000u64)
        .map(|i| Delayed::value(i).map("sq", |x| x * x))
        .collect();
    let total = reduce("sum", &parts, |v| v.iter().copied().sum::<u64>());
    assert_eq!(
        total.compute().unwrap(),
        (0..1000u64).map(|i| i * i).sum::<u64>()
    );
}
