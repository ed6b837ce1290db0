//! Links OpenBLAS statically, in its single-threaded build (Debian's libopenblas-serial-dev,
//! installed by scripts/system-deps.sh): ndarray's `blas` feature hands float32/float64
//! matrix products to its CBLAS (`cblas_dgemm`).
//!
//! Single-threaded because blaze-array already multiplies blocks in parallel, one per worker.
//! Statically because a shared OpenBLAS starts its thread pool (threads that spin for a while
//! waiting for work) and maps its buffers as it loads, in every process that links it, so
//! every `blaze` command, array or not, paid ~10 ms and a busy core for it; linked statically,
//! only the BLAS routines used are linked and nothing runs until a product is asked for.
//!
//! `BLAZE_OPENBLAS_LIB_DIR` names another directory holding a single-threaded `libopenblas.a`.

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=BLAZE_OPENBLAS_LIB_DIR");
    let dir = match env::var_os("BLAZE_OPENBLAS_LIB_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
            PathBuf::from(format!("/usr/lib/{arch}-linux-gnu/openblas-serial"))
        }
    };
    let archive = dir.join("libopenblas.a");
    if !archive.is_file() {
        panic!(
            "{} not found: install Debian's libopenblas-serial-dev (scripts/system-deps.sh does), \
             or set BLAZE_OPENBLAS_LIB_DIR to a directory holding a single-threaded libopenblas.a",
            archive.display()
        );
    }
    println!("cargo:rerun-if-changed={}", archive.display());
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=static=openblas");
}
