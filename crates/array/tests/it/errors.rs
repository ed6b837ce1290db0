//! Errors: shapes, axes, indices and types that do not fit, reported before anything runs.

use blaze_array::{Array, BinaryOp, DType, Index, Reduction, UnaryOp};

fn x() -> Array {
    Array::ones(&[3, 4], DType::Float64, 2).unwrap()
}

#[test]
fn broadcasting_mismatch_names_both_shapes() {
    let y = Array::ones(&[5], DType::Float64, 2).unwrap();
    let err = x().add(&y).unwrap_err();
    assert_eq!(
        err.to_string(),
        "operands could not be broadcast together with shapes (3, 4) (5,)"
    );
}

#[test]
fn an_axis_out_of_range_is_an_error() {
    let err = x().sum(Some(&[2]), false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "axis 2 is out of bounds for an array of 2 dimensions"
    );
    assert_eq!(
        x().cumsum(-3).unwrap_err().to_string(),
        "axis -3 is out of bounds for an array of 2 dimensions"
    );
}

#[test]
fn indices_out_of_range_are_errors() {
    assert_eq!(
        x().index(&[Index::At(3)]).unwrap_err().to_string(),
        "index 3 is out of bounds for axis 0 with size 3"
    );
    assert_eq!(
        x().index(&[Index::At(0), Index::At(0), Index::At(0)])
            .unwrap_err()
            .to_string(),
        "too many indices for array: array is 2-dimensional, but 3 were indexed"
    );
    let zero_step = Index::Slice {
        start: None,
        stop: None,
        step: 0,
    };
    assert_eq!(
        x().index(&[zero_step]).unwrap_err().to_string(),
        "slice step cannot be zero"
    );
    let message = |index: &[Index]| x().index(index).unwrap_err().to_string();
    assert_eq!(
        message(&[Index::full(), Index::Take(vec![0, 4])]),
        "index 4 is out of bounds for axis 1 with size 4"
    );
    assert_eq!(
        message(&[Index::Take(vec![-4])]),
        "index -4 is out of bounds for axis 0 with size 3"
    );
    assert_eq!(
        message(&[Index::Take(vec![0]), Index::Take(vec![1])]),
        "only one axis can be indexed by a list of positions"
    );
    // numpy would put the picked axis first here, not where the axes' order has it.
    assert!(
        message(&[Index::At(1), Index::NewAxis, Index::Take(vec![0, 2])])
            .starts_with("integers apart from a list of positions")
    );
}

#[test]
fn matrix_products_check_their_shapes() {
    let err = x().matmul(&x()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shapes (3, 4) and (3, 4) not aligned: 4 (dim 1) != 3 (dim 0)"
    );
}

#[test]
fn reshape_checks_the_size() {
    assert_eq!(
        x().reshape(&[5, 2]).unwrap_err().to_string(),
        "cannot reshape array of size 12 into shape (5, 2)"
    );
}

#[test]
fn types_that_do_not_support_an_operation_are_errors() {
    let b = x().binary(BinaryOp::Gt, 0.0).unwrap();
    assert_eq!(
        b.add(&b).unwrap_err().to_string(),
        "'+' is not defined on bool arrays; use & | ^ or convert with astype"
    );
    assert_eq!(
        x().binary(BinaryOp::And, 1).unwrap_err().to_string(),
        "'&' needs integer or bool operands, not float64"
    );
    assert_eq!(
        x().unary(UnaryOp::Not).unwrap_err().to_string(),
        "'~' needs integer or bool operands, not float64"
    );
}

#[test]
fn min_of_nothing_is_an_error() {
    let empty = Array::zeros(&[0, 3], DType::Float64, 2).unwrap();
    assert_eq!(
        empty
            .reduce(Reduction::Min, Some(&[0]), false)
            .unwrap_err()
            .to_string(),
        "zero-size array to reduction operation min which has no identity"
    );
    // A sum of nothing is 0.
    let s = empty.sum(Some(&[0]), false).unwrap().compute().unwrap();
    assert_eq!(
        s.as_array::<f64>()
            .unwrap()
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        [0.0, 0.0, 0.0]
    );
}

#[test]
fn a_failing_task_names_its_block() {
    let i = Array::arange(-2.0, 3.0, 1.0, DType::Int64, 2).unwrap();
    let err = Array::full(&[5], 2, DType::Int64, 2)
        .unwrap()
        .binary(BinaryOp::Pow, &i)
        .unwrap()
        .compute()
        .unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("task ('elementwise-"), "{message}");
    assert!(
        message.ends_with(", 0) failed: integers to negative integer powers are not allowed"),
        "{message}"
    );
}
