//! `.npy` files: reading them block by block, writing results block by block.

use blaze_array::{Array, ChunkSpec, DType, read_npy_header};
use blaze_tasks::Scheduler;

use crate::util::{assert_same, expected, fixture, values};

#[test]
fn npy_round_trips_every_type() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["in_x", "in_i", "in_b", "in_u", "in_f", "x_sum", "x_argmax"] {
        let x = Array::from_npy(fixture(name), ChunkSpec::Uniform(2)).unwrap();
        let path = dir.path().join(format!("{name}.npy"));
        x.to_npy(&path, &Scheduler::threaded()).unwrap();
        let back = Array::from_npy(&path, ChunkSpec::Auto)
            .unwrap()
            .compute()
            .unwrap();
        assert_same(&back, &expected(name), name);
    }
    // Only the finished files are left.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".npy") && !n.starts_with('.')),
        "{names:?}"
    );
}

#[test]
fn a_result_is_stored_without_being_held_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.npy");
    // 400 blocks of 10 rows; the scheduler frees each block once written.
    let x = Array::arange(0.0, 4000.0 * 25.0, 1.0, DType::Float64, 250)
        .unwrap()
        .reshape(&[4000, 25])
        .unwrap();
    x.mul(2.0)
        .unwrap()
        .to_npy(&path, &Scheduler::threaded())
        .unwrap();
    let header = read_npy_header(&path).unwrap();
    assert_eq!(
        (header.dtype, header.shape.clone()),
        (DType::Float64, vec![4000, 25])
    );
    let back = Array::from_npy(&path, [1000, 7]).unwrap();
    let corner = back
        .index(&[blaze_array::Index::At(3999), blaze_array::Index::At(24)])
        .unwrap()
        .compute()
        .unwrap();
    assert_eq!(values(&corner), [2.0 * 99_999.0]);
}

#[test]
fn bad_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not.npy");
    std::fs::write(&path, b"hello, this is text").unwrap();
    let err = Array::from_npy(&path, ChunkSpec::Auto).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{}: not a .npy file (no \\x93NUMPY magic)", path.display())
    );
    let missing = dir.path().join("missing.npy");
    let err = Array::from_npy(&missing, ChunkSpec::Auto).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}: ", missing.display())),
        "{err}"
    );
}

#[test]
fn a_failed_store_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.npy");
    let i = Array::arange(-1.0, 3.0, 1.0, DType::Int64, 1).unwrap();
    let bad = Array::full(&[4], 2, DType::Int64, 1)
        .unwrap()
        .binary(blaze_array::BinaryOp::Pow, &i)
        .unwrap();
    assert!(bad.to_npy(&path, &Scheduler::threaded()).is_err());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
