//! Laziness and graphs: nothing runs until asked, element-wise chains fuse, blocks are keyed
//! as dask keys them, results do not depend on the chunks.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use blaze_array::{Array, Block, ChunkSpec, DType, UnaryOp};
use blaze_tasks::{Profiler, Scheduler};
use ndarray::{ArrayD, IxDyn};

use crate::util::{assert_same, values};

#[test]
fn element_wise_chains_fuse_into_one_task_per_block() {
    let x = Array::ones(&[100, 100], DType::Float64, 50).unwrap();
    let y = x
        .add(1.0)
        .unwrap()
        .mul(&x)
        .unwrap()
        .unary(UnaryOp::Sqrt)
        .unwrap()
        .sub(x.t())
        .unwrap();
    // 4 blocks of x, 4 of the fused expression; the transposes are views fused into their users.
    assert!(y.task_count().unwrap() <= 12, "{}", y.task_count().unwrap());
    let out = y.compute().unwrap();
    let expected = 2f64.sqrt() - 1.0;
    assert!(values(&out).iter().all(|&v| (v - expected).abs() < 1e-12));
}

#[test]
fn nothing_runs_until_computed_and_only_needed_blocks_run() {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let x = Array::arange(0.0, 100.0, 1.0, DType::Float64, 10)
        .unwrap()
        .map_blocks("count", DType::Float64, move |b| {
            c.fetch_add(1, Ordering::SeqCst);
            Ok(b.clone())
        });
    let y = x
        .mul(2.0)
        .unwrap()
        .index(&[blaze_array::Index::Slice {
            start: Some(15),
            stop: Some(25),
            step: 1,
        }])
        .unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    let out = y.compute().unwrap();
    assert_eq!(
        values(&out),
        (15..25).map(|v| v as f64 * 2.0).collect::<Vec<_>>()
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "only the two blocks under 15..25 ran"
    );
}

#[test]
fn random_numbers_do_not_depend_on_the_chunks() {
    let a = Array::random(&[37, 11], 7, 5).unwrap().compute().unwrap();
    let b = Array::random(&[37, 11], 7, ChunkSpec::Auto)
        .unwrap()
        .compute()
        .unwrap();
    assert_same(&a, &b, "random");
    let v = values(&a);
    assert!(v.iter().all(|&x| (0.0..1.0).contains(&x)));
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    assert!((mean - 0.5).abs() < 0.05, "{mean}");
    let other_seed = Array::random(&[37, 11], 8, 5).unwrap().compute().unwrap();
    assert_ne!(values(&other_seed), v);
    let n = values(
        &Array::normal(&[20000], 3.0, 2.0, 1, 4096)
            .unwrap()
            .compute()
            .unwrap(),
    );
    let m = n.iter().sum::<f64>() / n.len() as f64;
    let sd = (n.iter().map(|x| (x - m).powi(2)).sum::<f64>() / n.len() as f64).sqrt();
    assert!(
        (m - 3.0).abs() < 0.05 && (sd - 2.0).abs() < 0.05,
        "{m} {sd}"
    );
}

#[test]
fn creation_functions_match_numpy() {
    let a = Array::arange(1.0, 2.0, 0.25, DType::Float64, 3)
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(values(&a), [1.0, 1.25, 1.5, 1.75]);
    let l = Array::linspace(0.0, 1.0, 5, 2).unwrap().compute().unwrap();
    assert_eq!(values(&l), [0.0, 0.25, 0.5, 0.75, 1.0]);
    let f = Array::full(&[2, 2], 7, DType::Int32, 1)
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(f.dtype(), DType::Int32);
    assert_eq!(values(&f), [7.0; 4]);
    let r = values(
        &Array::randint(&[1000], -3, 3, 1, 100)
            .unwrap()
            .compute()
            .unwrap(),
    );
    assert!(
        r.iter()
            .all(|&v| (-3.0..3.0).contains(&v) && v.fract() == 0.0)
    );
    assert!(r.contains(&-3.0) && r.contains(&2.0));
}

#[test]
fn from_ndarray_shares_memory_and_keeps_values() {
    let data = ArrayD::from_shape_vec(IxDyn(&[4, 6]), (0..24).map(|v| v as i64).collect()).unwrap();
    let x = Array::from_ndarray(data.clone(), [3, 4]).unwrap();
    assert_eq!(x.chunks().dims(), &[vec![3, 1], vec![4, 2]]);
    assert_eq!(x.datashape(), "4 * 6 * int64");
    assert_eq!(x.compute().unwrap(), Block::new(data));
}

#[test]
fn the_profiler_sees_every_block_task() {
    let x = Array::ones(&[8, 8], DType::Float64, 4).unwrap();
    let profiler = Profiler::new();
    let s = x
        .sum(None, false)
        .unwrap()
        .compute_with(&Scheduler::threaded().with_callback(&profiler))
        .unwrap();
    assert_eq!(values(&s), [64.0]);
    let names: Vec<String> = profiler
        .records()
        .iter()
        .map(|r| r.key.name().to_string())
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");
}

#[test]
fn dot_export_names_block_keys() {
    let x = Array::ones(&[4], DType::Float64, 2)
        .unwrap()
        .add(1.0)
        .unwrap();
    let dot = x.to_dot().unwrap();
    assert!(dot.starts_with("digraph {"), "{dot}");
    assert!(dot.contains("('elementwise-"), "{dot}");
}

#[test]
fn sums_and_means_of_element_wise_results_are_taken_as_the_blocks_are_computed() {
    // Uneven blocks, a row broadcast along the first axes, and (in 2-d) a transposed input.
    let a = Array::random(&[7, 6, 5], 1, [3, 4, 2]).unwrap();
    let row = Array::random(&[5], 2, 3).unwrap();
    let cube = a.mul(2.0).unwrap().sub(&row).unwrap();
    let x = Array::random(&[9, 9], 3, [4, 4]).unwrap();
    let y = Array::random(&[9, 9], 4, [4, 4]).unwrap();
    let square = x.add(1.0).unwrap().mul(&y).unwrap().sub(x.t()).unwrap();
    let cases: [(&Array, &[&[i64]]); 2] = [
        (&cube, &[&[0], &[1], &[2], &[0, 2], &[1, 2], &[0, 1, 2]]),
        (&square, &[&[0], &[1], &[0, 1]]),
    ];
    for (e, axes_list) in cases {
        let whole = e.compute().unwrap();
        let whole = whole.as_array::<f64>().unwrap();
        for &axes in axes_list {
            for keepdims in [false, true] {
                let mut want = whole.to_owned();
                for &axis in axes.iter().rev() {
                    want = want.sum_axis(ndarray::Axis(axis as usize));
                    if keepdims {
                        want = want.insert_axis(ndarray::Axis(axis as usize));
                    }
                }
                let count: usize = axes.iter().map(|&a| e.shape()[a as usize]).product();
                let what = format!("{:?} over {axes:?}, keepdims {keepdims}", e.shape());
                let sum = e.sum(Some(axes), keepdims).unwrap();
                // The sums are the reduction's own tasks: no block of `e` is made.
                assert!(!sum.to_dot().unwrap().contains("elementwise"), "{what}");
                assert_same(
                    &sum.compute().unwrap(),
                    &Block::new(want.clone()),
                    &format!("sum {what}"),
                );
                assert_same(
                    &e.mean(Some(axes), keepdims).unwrap().compute().unwrap(),
                    &Block::new(want.mapv(|s| s / count as f64)),
                    &format!("mean {what}"),
                );
            }
        }
    }
    // Where the element-wise result is made whole too, its sums are taken from its blocks
    // (which the graph names), rather than computing them again.
    let both =
        blaze_array::concatenate(&[square.clone(), square.sum(Some(&[0]), true).unwrap()], 0)
            .unwrap();
    let dot = both.to_dot().unwrap();
    let from_blocks = |line: &str| line.contains("('elementwise-") && line.contains("-chunk'");
    assert!(dot.lines().any(from_blocks), "{dot}");
    let whole = square.compute().unwrap();
    let whole = whole.as_array::<f64>().unwrap();
    let want = ndarray::concatenate(
        ndarray::Axis(0),
        &[
            whole.view(),
            whole
                .sum_axis(ndarray::Axis(0))
                .insert_axis(ndarray::Axis(0))
                .view(),
        ],
    )
    .unwrap();
    assert_same(
        &both.compute().unwrap(),
        &Block::new(want),
        "square and its sums",
    );
    // An element-wise result of integers is summed from its blocks, as before.
    let ints = Array::arange(0.0, 10.0, 1.0, DType::Int64, 3)
        .unwrap()
        .mul(3)
        .unwrap();
    let total = ints.sum(None, false).unwrap();
    assert!(total.to_dot().unwrap().contains("elementwise"));
    assert_eq!(values(&total.compute().unwrap()), vec![135.0]);
}
