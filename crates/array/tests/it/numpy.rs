//! Every case of `tests/fixtures/make_fixtures.py`, computed with several chunkings and
//! compared with numpy's answer.

use blaze_array::{
    Array, BinaryOp, Block, ChunkSpec, DType, Index, Reduction, Result, UnaryOp, binary,
    concatenate, stack, where_,
};

use crate::util::{assert_same, expected, fixture};

/// The fixture inputs, each cut into blocks of `chunk` along every axis.
struct Inputs {
    x: Array,
    sq: Array,
    i: Array,
    b: Array,
    u: Array,
    f: Array,
    v: Array,
    a3: Array,
    b3: Array,
    n: Array,
    k: Array,
    s: Array,
    w: Array,
    q: Array,
    z: Array,
    be: Array,
    bf: Array,
}

impl Inputs {
    fn new(chunk: Option<usize>) -> Inputs {
        let load = |name: &str| {
            let spec = chunk.map_or(ChunkSpec::Auto, ChunkSpec::Uniform);
            Array::from_npy(fixture(&format!("in_{name}")), spec).unwrap()
        };
        Inputs {
            x: load("x"),
            sq: load("sq"),
            i: load("i"),
            b: load("b"),
            u: load("u"),
            f: load("f"),
            v: load("v"),
            a3: load("a3"),
            b3: load("b3"),
            n: load("n"),
            k: load("k"),
            s: load("s"),
            w: load("w"),
            q: load("q"),
            z: load("z"),
            be: load("be"),
            bf: load("bf"),
        }
    }
}

fn check(case: &str, build: impl Fn(&Inputs) -> Result<Array>) {
    let want = expected(case);
    for chunk in [Some(1), Some(2), Some(3), None] {
        let inputs = Inputs::new(chunk);
        let array = build(&inputs).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(
            array.shape(),
            want.shape(),
            "{case}: lazy shape with chunks {chunk:?}"
        );
        assert_eq!(
            array.dtype(),
            want.dtype(),
            "{case}: lazy type with chunks {chunk:?}"
        );
        let got = array
            .compute()
            .unwrap_or_else(|e| panic!("{case} with chunks {chunk:?}: {e}"));
        assert_same(&got, &want, &format!("{case} with chunks {chunk:?}"));
    }
}

macro_rules! case {
    ($name:ident, |$t:ident| $build:expr) => {
        #[test]
        fn $name() {
            check(stringify!($name), |$t: &Inputs| $build);
        }
    };
}

fn slice(start: Option<i64>, stop: Option<i64>, step: i64) -> Index {
    Index::Slice { start, stop, step }
}

const ALL: Index = Index::Slice {
    start: None,
    stop: None,
    step: 1,
};

// Reductions.
case!(x_sum, |t| t.x.sum(None, false));
case!(x_sum_axis0, |t| t.x.sum(Some(&[0]), false));
case!(x_sum_axis1_keepdims, |t| t.x.sum(Some(&[1]), true));
case!(x_mean_axis0, |t| t.x.mean(Some(&[0]), false));
case!(x_std_axis1, |t| t.x.reduce(
    Reduction::Std { ddof: 0 },
    Some(&[1]),
    false
));
case!(x_var_ddof1, |t| t.x.reduce(
    Reduction::Var { ddof: 1 },
    None,
    false
));
case!(x_min_axis0, |t| t.x.reduce(
    Reduction::Min,
    Some(&[0]),
    false
));
case!(x_max, |t| t.x.reduce(Reduction::Max, None, false));
case!(x_prod_axis1, |t| t.x.reduce(
    Reduction::Prod,
    Some(&[-1]),
    false
));
case!(x_argmax_axis0, |t| t.x.reduce(
    Reduction::ArgMax,
    Some(&[0]),
    false
));
case!(x_argmin_axis1, |t| t.x.reduce(
    Reduction::ArgMin,
    Some(&[1]),
    false
));
case!(x_argmax, |t| t.x.reduce(Reduction::ArgMax, None, false));
case!(x_pos_any_axis0, |t| t.x.binary(BinaryOp::Gt, 0.0)?.reduce(
    Reduction::Any,
    Some(&[0]),
    false
));
case!(x_pos_all_axis1, |t| t.x.binary(BinaryOp::Gt, -1.5)?.reduce(
    Reduction::All,
    Some(&[1]),
    false
));
case!(n_max_axis0, |t| t.n.reduce(
    Reduction::Max,
    Some(&[0]),
    false
));
case!(n_argmin, |t| t.n.reduce(Reduction::ArgMin, None, false));
case!(i_sum_axis0, |t| t.i.sum(Some(&[0]), false));
case!(i_mean, |t| t.i.mean(None, false));
case!(i_max_axis1, |t| t.i.reduce(
    Reduction::Max,
    Some(&[1]),
    false
));
case!(b_sum, |t| t.b.sum(None, false));
case!(u_sum, |t| t.u.sum(None, false));
case!(f_sum_axis0, |t| t.f.sum(Some(&[0]), false));
case!(f_mean, |t| t.f.mean(None, false));
case!(a3_sum_axis02, |t| t.a3.sum(Some(&[0, 2]), false));
case!(a3_std_axis2_keepdims, |t| t.a3.reduce(
    Reduction::Std { ddof: 0 },
    Some(&[2]),
    true
));

// Running totals.
case!(x_cumsum_axis1, |t| t.x.cumsum(1));
case!(x_cumprod_axis0, |t| t.x.cumprod(0));
case!(i_cumsum_axis0, |t| t.i.cumsum(0));

// Element-wise.
case!(fused_sq, |t| t
    .sq
    .add(1.0)?
    .mul(&t.sq)?
    .sub(t.sq.t())?
    .sum(Some(&[1]), false));
case!(i_floordiv_3, |t| t.i.binary(BinaryOp::FloorDiv, 3));
case!(i_mod_3, |t| t.i.binary(BinaryOp::Rem, 3));
case!(i_floordiv_neg4, |t| t.i.binary(BinaryOp::FloorDiv, -4));
case!(i_mod_neg4, |t| t.i.binary(BinaryOp::Rem, -4));
case!(i_neg, |t| t.i.unary(UnaryOp::Neg));
case!(i_abs, |t| t.i.unary(UnaryOp::Abs));
case!(i_pow_2, |t| t.i.binary(BinaryOp::Pow, 2));
case!(i_div_2, |t| t.i.div(2));
case!(i_plus_1_5, |t| t.i.add(1.5));
case!(f_times_2_5, |t| t.f.mul(2.5));
case!(u_plus_1, |t| t.u.add(1));
case!(i_sqrt, |t| t.i.unary(UnaryOp::Abs)?.unary(UnaryOp::Sqrt));
case!(f_sqrt, |t| t.f.unary(UnaryOp::Abs)?.unary(UnaryOp::Sqrt));
case!(x_exp, |t| t.x.unary(UnaryOp::Exp));
case!(x_log_abs, |t| t.x.unary(UnaryOp::Abs)?.unary(UnaryOp::Log));
case!(x_floor, |t| t.x.unary(UnaryOp::Floor));
case!(x_rint, |t| t.x.mul(2.0)?.unary(UnaryOp::Rint));
case!(x_gt_0, |t| t.x.binary(BinaryOp::Gt, 0.0));
case!(x_between, |t| t
    .x
    .binary(BinaryOp::Gt, 0.0)?
    .binary(BinaryOp::And, t.x.binary(BinaryOp::Lt, 1.0)?));
case!(b_not, |t| t.b.unary(UnaryOp::Not));
case!(b_or_i_pos, |t| t
    .b
    .binary(BinaryOp::Or, t.i.binary(BinaryOp::Gt, 0)?));
case!(x_where, |t| where_(
    t.x.binary(BinaryOp::Gt, 0.0)?,
    &t.x,
    0.0
));
case!(x_maximum, |t| t.x.binary(BinaryOp::Maximum, 0.5));
case!(x_arctan2_v, |t| t.x.binary(BinaryOp::Arctan2, &t.v));
case!(i_copysign_x, |t| t.i.binary(
    BinaryOp::Copysign,
    &t.x.index(&[slice(None, Some(6), 1), slice(None, Some(5), 1)])?
));
case!(x_fmod_neg07, |t| t.x.mul(3.0)?.binary(BinaryOp::Fmod, -0.7));
case!(i_fmod_2_5, |t| t.i.binary(BinaryOp::Fmod, 2.5));
case!(sq_hypot_x, |t| t.sq.binary(
    BinaryOp::Hypot,
    &t.x.index(&[ALL, slice(None, Some(7), 1)])?
));
case!(x_ldexp_i, |t| t
    .x
    .index(&[slice(None, Some(6), 1), slice(None, Some(5), 1)])?
    .binary(BinaryOp::Ldexp, &t.i));
case!(f_ldexp_3, |t| t.f.binary(BinaryOp::Ldexp, 3));
case!(x_arcsinh, |t| t.x.unary(UnaryOp::Arcsinh));
case!(x_arccosh, |t| t
    .x
    .unary(UnaryOp::Abs)?
    .add(1.0)?
    .unary(UnaryOp::Arccosh));
case!(x_arctanh, |t| t
    .x
    .binary(BinaryOp::Div, 4.0)?
    .unary(UnaryOp::Arctanh));
case!(x_trunc, |t| t.x.mul(3.0)?.unary(UnaryOp::Trunc));
case!(x_deg2rad, |t| t.x.mul(90.0)?.unary(UnaryOp::Deg2rad));
case!(f_rad2deg, |t| t.f.unary(UnaryOp::Rad2deg));
case!(x_plus_v, |t| t.x.add(&t.v));
case!(x_col_minus_row, |t| {
    let col = t.x.index(&[ALL, slice(None, Some(1), 1)])?;
    let row = t.x.index(&[slice(None, Some(1), 1), ALL])?;
    col.sub(&row)
});
case!(i_times_f_col, |t| t.i.mul(
    &t.f.index(&[slice(None, Some(6), 1), slice(None, Some(1), 1)])?
));
case!(one_minus_x, |t| binary(1.0, BinaryOp::Sub, &t.x));
case!(n_isnan, |t| t.n.unary(UnaryOp::IsNan));
case!(x_astype_int32, |t| t.x.astype(DType::Int32));
case!(i_astype_bool, |t| t.i.astype(DType::Bool));
case!(b_astype_float64, |t| t.b.astype(DType::Float64));

// Indexing.
case!(x_rows_cols_step, |t| t
    .x
    .index(&[slice(Some(2), Some(6), 1), slice(None, None, 2)]));
case!(x_reverse_col, |t| t
    .x
    .index(&[slice(None, None, -1), Index::At(3)]));
case!(x_last_row, |t| t.x.index(&[Index::At(-1)]));
case!(x_steps_neg, |t| t
    .x
    .index(&[slice(Some(1), Some(8), 3), slice(None, None, -2)]));
case!(x_newaxes, |t| t.x.index(&[
    Index::NewAxis,
    slice(Some(3), Some(5), 1),
    Index::NewAxis,
    slice(None, Some(2), 1)
]));
case!(x_ellipsis, |t| t.x.index(&[Index::Ellipsis, Index::At(1)]));
case!(v_reverse_3, |t| t.v.index(&[slice(None, None, -3)]));
case!(x_empty, |t| t.x.index(&[slice(Some(5), Some(2), 1)]));
case!(x_take_rows, |t| t
    .x
    .index(&[Index::Take(vec![3, 0, 3, -1, 6])]));
case!(x_take_cols_of_rows, |t| t.x.index(&[
    slice(Some(1), Some(6), 1),
    Index::Take(vec![8, 0, 8, 2])
]));
case!(a3_at_take_step, |t| t.a3.index(&[
    Index::At(-1),
    Index::Take(vec![3, 0, 1]),
    slice(None, None, 2)
]));
case!(a3_take_at, |t| t.a3.index(&[
    Index::Take(vec![2, 0]),
    ALL,
    Index::At(4)
]));
case!(v_take_none, |t| t.v.index(&[Index::Take(vec![])]));

// Shapes.
case!(x_t, |t| Ok(t.x.t()));
// Computed over transposed blocks (gathered from their columns, not copied first).
case!(x_t_scaled, |t| t.x.t().mul(2.0)?.sub(1.0));
case!(a3_transpose, |t| t.a3.transpose(Some(&[2, 0, 1])));
case!(x_reshape, |t| t.x.reshape(&[9, 7]));
case!(x_flat, |t| t.x.reshape(&[-1]));
case!(i_reshape, |t| t.i.reshape(&[3, 10]));
case!(concat_rows, |t| concatenate(
    &[t.x.clone(), t.x.mul(2.0)?],
    0
));
case!(concat_mixed, |t| {
    let left =
        t.i.index(&[ALL, slice(None, Some(2), 1)])?
            .astype(DType::Float64)?;
    let right =
        t.x.index(&[slice(None, Some(6), 1), slice(None, Some(3), 1)])?;
    concatenate(&[left, right], 1)
});
case!(stack_cols, |t| stack(&[t.v.clone(), t.v.add(1.0)?], 1));

// Linear algebra.
case!(x_matmul_x_t, |t| t.x.matmul(&t.x.t()));
case!(x_dot_v, |t| t.x.dot(&t.v));
case!(v_dot_v, |t| t.v.dot(&t.v));
case!(i_matmul, |t| t.i.t().matmul(&t.i));
case!(tensordot_a3_b3, |t| t.a3.tensordot(&t.b3, &[1, 2], &[0, 1]));

// Integers of every width, signed or not, and big-endian files.
fn first(n: i64) -> Index {
    slice(None, Some(n), 1)
}
case!(k_plus_u, |t| t.k.add(&t.u.index(&[first(5)])?));
case!(k_times_3, |t| t.k.mul(3));
case!(k_floordiv_neg3, |t| t.k.binary(BinaryOp::FloorDiv, -3));
case!(k_sum_axis0, |t| t.k.sum(Some(&[0]), false));
case!(s_neg, |t| t.s.unary(UnaryOp::Neg));
case!(s_plus_k, |t| t.s.add(&t.k));
case!(s_sqrt, |t| t.s.unary(UnaryOp::Abs)?.unary(UnaryOp::Sqrt));
case!(s_matmul, |t| t.s.t().matmul(&t.s));
case!(s_max_axis1, |t| t.s.reduce(
    Reduction::Max,
    Some(&[1]),
    false
));
case!(s_cumsum_axis0, |t| t.s.cumsum(0));
case!(w_cumsum, |t| t.w.cumsum(0));
case!(s_times_f, |t| t.s.mul(&t.f.index(&[first(6), first(5)])?));
case!(w_plus_s0, |t| t
    .w
    .index(&[first(5)])?
    .add(&t.s.index(&[Index::At(0)])?));
case!(w_mod_7, |t| t.w.binary(BinaryOp::Rem, 7));
case!(w_floordiv_3, |t| t.w.binary(BinaryOp::FloorDiv, 3));
case!(w_mean, |t| t.w.mean(None, false));
case!(w_astype_int8, |t| t.w.astype(DType::Int8));
case!(q_minus_i0, |t| t
    .q
    .index(&[first(5)])?
    .sub(&t.i.index(&[Index::At(0)])?));
case!(q_plus_1, |t| t.q.add(1));
case!(q_argmax, |t| t.q.reduce(Reduction::ArgMax, None, false));
case!(q_times_f0, |t| t
    .q
    .index(&[first(8)])?
    .mul(&t.f.index(&[ALL, Index::At(0)])?));
case!(z_plus_1, |t| t.z.add(1));
case!(z_max, |t| t.z.reduce(Reduction::Max, None, false));
case!(z_floordiv_7, |t| t.z.binary(BinaryOp::FloorDiv, 7));
case!(z_gt_reversed, |t| t
    .z
    .binary(BinaryOp::Gt, &t.z.index(&[slice(None, None, -1)])?));
case!(z_astype_float64, |t| t.z.astype(DType::Float64));
case!(z_plus_x0, |t| t
    .z
    .index(&[first(9)])?
    .add(&t.x.index(&[Index::At(0)])?));
case!(be_sum_axis0, |t| t.be.sum(Some(&[0]), false));
case!(be_plus_1, |t| t.be.add(1));
case!(bf_mean_axis1, |t| t.bf.mean(Some(&[1]), false));
case!(bf_t, |t| Ok(t.bf.t()));

#[test]
fn integer_sums_wrap_on_overflow_as_numpys_do() {
    // numpy: np.array([2**63 - 1, 1, 1]).sum() == -2**63 + 1; cumsum wraps at the second step.
    let values =
        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[3]), vec![i64::MAX, 1, 1]).unwrap();
    for chunks in [1, 3] {
        let x = Array::from_ndarray(values.clone(), chunks).unwrap();
        let sum = x.sum(None, false).unwrap().compute().unwrap();
        assert_eq!(
            sum.as_array::<i64>()
                .unwrap()
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            [i64::MIN + 1]
        );
        let running = x.cumsum(0).unwrap().compute().unwrap();
        assert_eq!(
            running
                .as_array::<i64>()
                .unwrap()
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            [i64::MAX, i64::MIN, i64::MIN + 1]
        );
    }
}

#[test]
fn integer_matrix_products_wrap_on_overflow_as_numpys_do() {
    // numpy: np.array([[2**62, 3]]) @ np.array([[4], [5]]) == [[15]] (2**64 + 15 wraps), the
    // same in int32 with 2**30, and np.array([[200, 100]], np.uint8) @ [[2], [3]] == [[188]].
    fn product<T: blaze_array::Element>(a: [T; 2], b: [T; 2], chunks: usize) -> Vec<T> {
        let a = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[1, 2]), a.to_vec()).unwrap();
        let b = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[2, 1]), b.to_vec()).unwrap();
        let a = Array::from_ndarray(a, chunks).unwrap();
        let b = Array::from_ndarray(b, chunks).unwrap();
        let out = a.matmul(&b).unwrap().compute().unwrap();
        out.as_array::<T>().unwrap().iter().copied().collect()
    }
    for chunks in [1, 2] {
        assert_eq!(product::<i64>([1 << 62, 3], [4, 5], chunks), [15]);
        assert_eq!(product::<i32>([1 << 30, 3], [4, 5], chunks), [15]);
        assert_eq!(product::<u8>([200, 100], [2, 3], chunks), [188]);
        assert_eq!(product::<i64>([-7, 3], [4, -5], chunks), [-43]);
    }
}

#[test]
fn ldexp_scales_past_the_largest_power_of_two_as_numpys_does() {
    // numpy: np.ldexp([2.0**-1074, 1.0, 1.5, 3.0, 0.0, 1.0], [2097, -1074, -1075, 1023, 5000,
    // -5000]) == [2.0**1023, 5e-324, 5e-324, inf, 0.0, 0.0] (1.5 * 2**-1075 rounds to even).
    let x = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(&[6]),
        vec![2f64.powi(-1074), 1.0, 1.5, 3.0, 0.0, 1.0],
    )
    .unwrap();
    let e = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(&[6]),
        vec![2097i64, -1074, -1075, 1023, 5000, -5000],
    )
    .unwrap();
    let (x, e) = (
        Array::from_ndarray(x, 2).unwrap(),
        Array::from_ndarray(e, 3).unwrap(),
    );
    let out = x.binary(BinaryOp::Ldexp, &e).unwrap().compute().unwrap();
    let got: Vec<f64> = out.as_array::<f64>().unwrap().iter().copied().collect();
    assert_eq!(
        got,
        [2f64.powi(1023), 5e-324, 5e-324, f64::INFINITY, 0.0, 0.0]
    );
}

#[test]
fn float_matrix_products_of_blocks_viewing_larger_arrays_equal_the_whole_product() {
    // Blocks of an array in memory are strided views of its rows, and blocks of its transpose
    // are held column by column; both are multiplied where they lie. Each output block adds
    // up two or three products, the first of which is written over the zeros.
    let values = |rows: usize, cols: usize, seed: f64| {
        ndarray::Array2::from_shape_fn((rows, cols), |(i, j)| {
            ((i * cols + j) as f64 * 0.37 + seed).sin()
        })
    };
    let (a, b) = (values(7, 9, 1.0), values(9, 5, 2.0));
    let want = a.dot(&b);
    let x = Array::from_ndarray(a.clone().into_dyn(), [3, 4]).unwrap();
    let y = Array::from_ndarray(b.clone().into_dyn(), [4, 2]).unwrap();
    let yt = Array::from_ndarray(b.t().to_owned().into_dyn(), [2, 4]).unwrap();
    for (what, product) in [("x @ y", x.matmul(&y)), ("x @ (y.T).T", x.matmul(&yt.t()))] {
        let got = product.unwrap().compute().unwrap();
        assert_same(&got, &Block::new(want.clone().into_dyn()), what);
    }
}
