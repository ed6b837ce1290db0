//! Boolean masks (`x[m]`): values, chunks, and what does not fit.

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
        .mask(&m.reshape(&[5, 2]).unwrap(), &Scheduler::threaded())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "a boolean mask has the shape of the array, or is 1-d along its first axis (here an array of shape [2, 5] and a mask of shape [5, 2])"
    );
}

#[test]
fn masks_of_n_d_arrays_keep_elements_or_rows_as_numpys_do() {
    // numpy: x = np.arange(20).reshape(4, 5); x[x % 3 == 0] == [0, 3, 6, 9, 12, 15, 18];
    // x[x[:, 0] > 4] == [[5, ..., 9], [10, ..., 14], [15, ..., 19]].
    for chunk in [1, 2, 3, 5] {
        let x = Array::arange(0.0, 20.0, 1.0, DType::Int64, chunk)
            .unwrap()
            .reshape(&[4, 5])
            .unwrap();
        let m = x
            .binary(BinaryOp::Rem, 3)
            .unwrap()
            .binary(BinaryOp::Eq, Operand::from(0))
            .unwrap();
        let kept = x.mask(&m, &Scheduler::threaded()).unwrap();
        assert_eq!(kept.shape(), [7]);
        assert_eq!(
            values(&kept.compute().unwrap()),
            [0.0, 3.0, 6.0, 9.0, 12.0, 15.0, 18.0]
        );
        let first = x
            .index(&[
                blaze_array::Index::Slice {
                    start: None,
                    stop: None,
                    step: 1,
                },
                blaze_array::Index::At(0),
            ])
            .unwrap();
        let rows = x
            .mask(
                &first.binary(BinaryOp::Gt, 4).unwrap(),
                &Scheduler::threaded(),
            )
            .unwrap();
        assert_eq!(rows.shape(), [3, 5], "chunks {chunk}");
        let want: Vec<f64> = (5..20).map(f64::from).collect();
        assert_eq!(values(&rows.compute().unwrap()), want, "chunks {chunk}");
    }
}
