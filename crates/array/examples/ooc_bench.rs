//! The out-of-core half of `bench/ooc_bench.py`: makes a Zarr store of random float64 values,
//! and sums it over axis 0 block by block, printing one JSON object per step.
//!
//! ```sh
//! cargo run --release -p blaze-array --example ooc_bench -- make /tmp/x.zarr --gb 4 --chunk-mb 32
//! cargo run --release -p blaze-array --example ooc_bench -- sum /tmp/x.zarr
//! ```

use std::time::Instant;

use blaze_array::{Array, ChunkSpec};
use blaze_tasks::Scheduler;

/// The process's peak resident memory (`VmHWM`), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str, default: f64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (Some(mode), Some(store)) = (args.get(1), args.get(2)) else {
        return Err("usage: ooc_bench make|sum STORE [--gb G] [--chunk-mb M] [--workers N]".into());
    };
    let scheduler = Scheduler::threaded().with_workers(option("--workers", 2.0) as usize);
    let start = Instant::now();
    match mode.as_str() {
        "make" => {
            let cols = 4096;
            let rows = (option("--gb", 4.0) * 1e9 / 8.0 / cols as f64) as usize;
            let chunk_rows = (option("--chunk-mb", 32.0) * 1048576.0 / 8.0 / cols as f64) as usize;
            let x = Array::normal(&[rows, cols], 0.0, 1.0, 7, [chunk_rows.max(1), cols])?;
            x.to_zarr(store, &scheduler)?;
            println!(
                "{{\"step\": \"make\", \"seconds\": {}, \"bytes\": {}}}",
                start.elapsed().as_secs_f64(),
                x.nbytes()
            );
        }
        "sum" => {
            let x = Array::from_zarr(store, "", ChunkSpec::Auto)?;
            let total = x.sum(Some(&[0]), false)?.compute_with(&scheduler)?;
            let check = total.as_array::<f64>().map_or(f64::NAN, |a| a.sum());
            println!(
                "{{\"step\": \"sum\", \"seconds\": {}, \"bytes\": {}, \"blocks\": {}, \"peak_rss_mib\": {}, \"check\": {check}}}",
                start.elapsed().as_secs_f64(),
                x.nbytes(),
                x.chunks().len(),
                peak_rss_mib()
            );
        }
        other => return Err(format!("unknown mode {other} (make or sum)").into()),
    }
    Ok(())
}
