//! Links the system's OpenBLAS (Debian's libopenblas-dev, installed by scripts/system-deps.sh):
//! ndarray's `blas` feature hands float32/float64 matrix products to its CBLAS (`cblas_dgemm`).

fn main() {
    println!("cargo:rustc-link-lib=dylib=openblas");
}
