//! Reading fixtures and comparing blocks.

use std::path::PathBuf;

use blaze_array::{Array, Block, ChunkSpec, DType};

pub(crate) fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.npy"))
}

/// The fixture `name` as one block.
pub(crate) fn expected(name: &str) -> Block {
    Array::from_npy(fixture(name), ChunkSpec::Auto)
        .unwrap()
        .compute()
        .unwrap()
}

/// Every element as a float (bools as 0/1), in C order.
pub(crate) fn values(b: &Block) -> Vec<f64> {
    let floats = b.cast(DType::Float64);
    floats
        .as_array::<f64>()
        .expect("float64")
        .iter()
        .copied()
        .collect()
}

/// Asserts same shape, same type and the same values: integers exactly, floats to a relative
/// 1e-6 (1e-5 for float32; NaN equals NaN).
pub(crate) fn assert_same(actual: &Block, expected: &Block, what: &str) {
    assert_eq!(actual.shape(), expected.shape(), "{what}: shape");
    assert_eq!(actual.dtype(), expected.dtype(), "{what}: element type");
    if expected.dtype().is_integer() {
        // Every integer, unsigned 64-bit ones too, as its 64 bits.
        let bits = |b: &Block| {
            let b = b.cast(DType::Int64);
            b.as_array::<i64>()
                .expect("int64")
                .iter()
                .copied()
                .collect::<Vec<_>>()
        };
        assert_eq!(bits(actual), bits(expected), "{what}: values");
        return;
    }
    let tolerance = if expected.dtype() == DType::Float32 {
        1e-5
    } else {
        1e-9
    };
    for (k, (a, e)) in values(actual).iter().zip(values(expected)).enumerate() {
        let same = (a.is_nan() && e.is_nan()) || (a - e).abs() <= tolerance * (1.0 + e.abs());
        assert!(same, "{what}: element {k} is {a}, numpy says {e}");
    }
}
