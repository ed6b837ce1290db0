//! Boolean masks on 1-d arrays (`x[m]`): values, chunks, and what does not fit.

use blaze_array::{Array, BinaryOp, DType, Operand};
use blaze_tasks::Scheduler;

use crate::util::values;

fn multiples_of_three(n: usize, chunk: usize) -> (Array, Array) {
    let x = Array::arange(0.0, n as f64, 1.0, DType::Int64, chunk).unwrap();
    let m = x
        .binary(BinaryOp::Rem, 3)
        .unwrap()
        .binary(BinaryOp::Eq, Operand::from(0))
        .unwrap();
    (x, m)
}

#[test]
fn a_mask_keeps_the_elements_where_it_is_true() {
    let (x, m) = multiples_of_three(10, 3);
    let kept = x.mask(&m, &Scheduler::threaded()).unwrap();
    assert_eq!(kept.shape(), [4]);
    assert_eq!(kept.chunks().dims(), [vec![1, 1, 1, 1]]);
    assert_eq!(kept.dtype(), DType::Int64);
    assert_eq!(values(&kept.compute().unwrap()), [0.0, 3.0, 6.0, 9.0]);
    // It composes: the masked array is an ordinary lazy array.
    let total = kept.mul(2).unwrap().sum(None, false).unwrap();
    assert_eq!(values(&total.compute().unwrap()), [36.0]);
}

#[test]
fn a_mask_chunked_differently_and_blocks_left_empty() {
    let x = Array::arange(0.0, 12.0, 1.0, DType::Float64, 5).unwrap();
    // True only in 8..12: the first block keeps nothing.
    let m = Array::arange(0.0, 12.0, 1.0, DType::Float64, 4)
        .unwrap()
        .binary(BinaryOp::Ge, 8.0)
        .unwrap();
    let kept = x.mask(&m, &Scheduler::synchronous()).unwrap();
    assert_eq!(kept.chunks().dims(), [vec![0, 2, 2]]);
    assert_eq!(values(&kept.compute().unwrap()), [8.0, 9.0, 10.0, 11.0]);
    let none = x
        .mask(
            &m.binary(BinaryOp::Lt, Operand::from(false)).unwrap(),
            &Scheduler::threaded(),
        )
        .unwrap();
    assert_eq!(none.shape(), [0]);
    assert!(values(&none.compute().unwrap()).is_empty());
}

#[test]
fn masks_that_do_not_fit_are_clear_errors() {
    let (x, m) = multiples_of_three(10, 3);
    let (_, short) = multiples_of_three(9, 3);
    let err = x
        .mask(&short, &Scheduler::threaded())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "boolean index did not match indexed array along axis 0; size of axis is 10 but size of corresponding boolean axis is 9"
    );
    let err = x.mask(&x, &Scheduler::threaded()).unwrap_err().to_string();
    assert_eq!(err, "a mask must be boolean, not int64");
    let square = x.reshape(&[2, 5]).unwrap();
    let err = square
        .mask(&m.reshape(&[2, 5]).unwrap(), &Scheduler::threaded())
        .unwrap_err()
        .to_string();
    assert!(err.contains("1-d arrays"), "{err}");
}
