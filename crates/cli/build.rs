//! Links the `blaze` command with the static HDF5 library of Debian's libhdf5-dev when it is
//! there, rather than its shared one, and on Linux as an executable at a fixed address.
//!
//! A position-independent executable is relocated by the dynamic loader as it starts: the
//! `blaze` binary has some 270,000 relocations, which wrote to 4 MB of its pages and took
//! 6-8 ms of every command (`blaze --version` took 9-14 ms; linked at a fixed address, 3.5 ms).
//! Its code is still compiled position-independent; only its address is no longer randomised.
//!
//! Debian's shared libhdf5 needs libcurl (for the S3 driver, which Blaze does not use), and
//! loading libcurl with the thirty-odd libraries it needs in turn (GnuTLS, Kerberos, LDAP, ...)
//! took 3 of the 6.5 ms every `blaze` command spent starting. Linked from `libhdf5.a`, the binary
//! takes only the parts of HDF5 it calls, which need libsz and libz alone.
//!
//! hdf5-metno-sys asks for `-lhdf5` in the directory where it found HDF5; the linker looks for
//! `libhdf5` in the directories it is given in order, `.so` or `.a` in each, so a directory
//! holding only the `.a`, named first, makes it take that.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
    let library = PathBuf::from(format!("/usr/lib/{arch}-linux-gnu/hdf5/serial/libhdf5.a"));
    println!("cargo::rerun-if-changed={}", library.display());
    if os != "linux" || !library.is_file() {
        return;
    }
    let Some(out) = std::env::var_os("OUT_DIR") else {
        return;
    };
    let dir = Path::new(&out).join("hdf5-static");
    let link = dir.join("libhdf5.a");
    let _ = std::fs::remove_file(&link);
    if std::fs::create_dir_all(&dir).is_err()
        || std::os::unix::fs::symlink(&library, &link).is_err()
    {
        return;
    }
    println!("cargo::rustc-link-search=native={}", dir.display());
    // What libhdf5.a's parts need, after it on the command line.
    println!("cargo::rustc-link-arg=-lsz");
    println!("cargo::rustc-link-arg=-lz");
}
