//! Array benchmarks for `bench/array_bench.py`, which runs numpy and dask.array on the same
//! problems. Prints one JSON object per case with the median seconds of the timed call.
//!
//! ```sh
//! cargo run --release -p blaze-array --example array_bench -- --gb 2 --n 8000 --matmul 4096 --runs 3
//! ```

use std::time::Instant;

use blaze_array::{Array, Block};
use blaze_tasks::Scheduler;
use ndarray::{ArrayD, IxDyn};

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut() -> Block) -> (f64, Block) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let out = f();
        times.push(start.elapsed().as_secs_f64());
        last = Some(out);
    }
    (median(times), last.expect("at least one run"))
}

fn first(b: &Block) -> f64 {
    b.as_array::<f64>()
        .and_then(|a| a.iter().next().copied())
        .unwrap_or(f64::NAN)
}

/// A matrix of `rows × cols` in memory, values `(i * 31 + j * 17) % 1000 / 1000`.
fn in_memory(rows: usize, cols: usize) -> ArrayD<f64> {
    let data: Vec<f64> = (0..rows * cols)
        .map(|k| ((k / cols * 31 + k % cols * 17) % 1000) as f64 / 1000.0)
        .collect();
    ArrayD::from_shape_vec(IxDyn(&[rows, cols]), data).expect("shape")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str, default: f64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let gb = option("--gb", 2.0);
    let n = option("--n", 8000.0) as usize;
    let m = option("--matmul", 4096.0) as usize;
    let runs = option("--runs", 3.0) as usize;
    let workers = option("--workers", 2.0) as usize;
    let s = Scheduler::threaded().with_workers(workers);

    let cols = 1000;
    let rows = (gb * 1e9 / 8.0 / cols as f64) as usize;
    let x = Array::from_ndarray(in_memory(rows, cols), [rows.div_ceil(16), cols]).expect("array");
    let (t, out) = time(runs, || {
        x.sum(Some(&[0]), false)
            .and_then(|y| y.compute_with(&s))
            .expect("sum")
    });
    println!(
        "{{\"case\": \"sum axis 0\", \"seconds\": {t}, \"check\": {}}}",
        first(&out)
    );
    let (t, out) = time(runs, || {
        x.mean(Some(&[0]), false)
            .and_then(|y| y.compute_with(&s))
            .expect("mean")
    });
    println!(
        "{{\"case\": \"mean axis 0\", \"seconds\": {t}, \"check\": {}}}",
        first(&out)
    );
    drop(x);

    let a = Array::random(&[n, n], 1, 1000).expect("x");
    let b = Array::random(&[n, n], 2, 1000).expect("y");
    let expr = a
        .add(1.0)
        .and_then(|v| v.mul(&b))
        .and_then(|v| v.sub(a.t()))
        .and_then(|v| v.sum(Some(&[1]), false))
        .expect("expr");
    let (t, out) = time(runs, || expr.compute_with(&s).expect("elementwise"));
    println!(
        "{{\"case\": \"((x + 1) * y - x.T).sum(axis=1)\", \"seconds\": {t}, \"check\": {}}}",
        first(&out)
    );

    let p = Array::from_ndarray(in_memory(m, m), [m / 4, m / 4]).expect("p");
    let q = Array::from_ndarray(
        in_memory(m, m)
            .reversed_axes()
            .as_standard_layout()
            .into_owned(),
        [m / 4, m / 4],
    )
    .expect("q");
    let product = p.matmul(&q).expect("matmul");
    let (t, out) = time(runs, || product.compute_with(&s).expect("matmul"));
    println!(
        "{{\"case\": \"matmul {m}\", \"seconds\": {t}, \"check\": {}}}",
        first(&out)
    );
}
