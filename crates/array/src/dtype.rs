//! Element types, numpy's promotion rules between them, and Python-style scalars.

use std::fmt;

use ndarray::{ArcArray, IxDyn};

use crate::Block;

/// The element type of an array: the six numpy types this crate computes with, named as
/// datashape names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `bool`
    Bool,
    /// `uint8`
    UInt8,
    /// `int32`
    Int32,
    /// `int64`
    Int64,
    /// `float32`
    Float32,
    /// `float64`
    Float64,
}

impl DType {
    /// Every type, narrowest first.
    pub const ALL: [DType; 6] = [
        DType::Bool,
        DType::UInt8,
        DType::Int32,
        DType::Int64,
        DType::Float32,
        DType::Float64,
    ];

    /// The datashape (and numpy) name: `float64`.
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::UInt8 => "uint8",
            DType::Int32 => "int32",
            DType::Int64 => "int64",
            DType::Float32 => "float32",
            DType::Float64 => "float64",
        }
    }

    /// numpy's type string for it, little-endian, as `.npy` headers and Zarr v2 metadata give
    /// it: `<f8`, `|b1`.
    pub(crate) fn numpy_descr(self) -> &'static str {
        match self {
            DType::Bool => "|b1",
            DType::UInt8 => "|u1",
            DType::Int32 => "<i4",
            DType::Int64 => "<i8",
            DType::Float32 => "<f4",
            DType::Float64 => "<f8",
        }
    }

    /// The type named `name` (`float64`, `int32`, …), if it is one of the six.
    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::UInt8 => 1,
            DType::Int32 | DType::Float32 => 4,
            DType::Int64 | DType::Float64 => 8,
        }
    }

    /// Whether the type is `float32` or `float64`.
    pub fn is_float(self) -> bool {
        matches!(self, DType::Float32 | DType::Float64)
    }

    /// Whether the type is an integer type (not `bool`).
    pub fn is_integer(self) -> bool {
        matches!(self, DType::UInt8 | DType::Int32 | DType::Int64)
    }

    /// numpy's `result_type` of two arrays: the narrowest type both convert to without loss
    /// (`int32` with `float32` is `float64`, `uint8` with `float32` is `float32`).
    pub fn promote(a: DType, b: DType) -> DType {
        use DType::*;
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        match (lo, hi) {
            (x, y) if x == y => x,
            (Bool, y) => y,
            (UInt8, y) => y,
            (Int32, Int64) => Int64,
            (Int32 | Int64, Float32) => Float64,
            (_, Float64) => Float64,
            (x, _) => x,
        }
    }

    /// The type of an array of this type combined with a Python scalar (NEP 50: the scalar's
    /// kind counts, not its size: `int32` with `1` stays `int32`, with `1.5` is `float64`,
    /// `float32` with `1.5` stays `float32`).
    pub fn promote_scalar(self, scalar: Scalar) -> DType {
        match (self, scalar) {
            (d, Scalar::Bool(_)) => d,
            (DType::Bool, Scalar::Int(_)) => DType::Int64,
            (d, Scalar::Int(_)) => d,
            (d, Scalar::Float(_)) if d.is_float() => d,
            (_, Scalar::Float(_)) => DType::Float64,
        }
    }

    /// The type a float function of this type computes in (`sqrt` of `int32` is `float64`, of
    /// `float32` is `float32`). numpy gives `float16` for `bool` and `uint8`, a type this crate
    /// does not have: they compute in `float32`.
    pub fn float_type(self) -> DType {
        match self {
            DType::Bool | DType::UInt8 | DType::Float32 => DType::Float32,
            DType::Int32 | DType::Int64 | DType::Float64 => DType::Float64,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A Python-style scalar operand: `x + 1`, `x * 0.5`, `x & True`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    /// `True` / `False`
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
}

impl Scalar {
    /// The value as a float.
    pub fn as_f64(self) -> f64 {
        match self {
            Scalar::Bool(b) => f64::from(u8::from(b)),
            Scalar::Int(i) => i as f64,
            Scalar::Float(f) => f,
        }
    }
}

impl From<f64> for Scalar {
    fn from(v: f64) -> Self {
        Scalar::Float(v)
    }
}

impl From<i64> for Scalar {
    fn from(v: i64) -> Self {
        Scalar::Int(v)
    }
}

impl From<bool> for Scalar {
    fn from(v: bool) -> Self {
        Scalar::Bool(v)
    }
}

/// A Rust type an array can hold: one per [`DType`].
pub trait Element: Copy + Default + Send + Sync + PartialOrd + fmt::Debug + 'static {
    /// The element type.
    const DTYPE: DType;
    /// Wraps an array of this type as a [`Block`].
    fn into_block(a: ArcArray<Self, IxDyn>) -> Block;
    /// The array inside `b`, if `b` holds this type.
    fn from_block(b: &Block) -> Option<&ArcArray<Self, IxDyn>>;
    /// The value converted as numpy's `astype` converts a float (truncating, saturating).
    fn from_f64(v: f64) -> Self;
    /// The value as a float.
    fn to_f64(self) -> f64;
    /// The value converted as numpy converts an integer (wrapping).
    fn from_i64(v: i64) -> Self;
    /// The value as an integer (floats truncated, saturating).
    fn to_i64(self) -> i64;
    /// Whether the value is a float NaN.
    fn is_nan(self) -> bool {
        false
    }
}

macro_rules! element {
    ($t:ty, $variant:ident, float) => {
        element!($t, $variant, fn is_nan(self) -> bool { <$t>::is_nan(self) });
    };
    ($t:ty, $variant:ident $(, $extra:item)?) => {
        impl Element for $t {
            const DTYPE: DType = DType::$variant;
            fn into_block(a: ArcArray<Self, IxDyn>) -> Block {
                Block::$variant(a)
            }
            fn from_block(b: &Block) -> Option<&ArcArray<Self, IxDyn>> {
                match b {
                    Block::$variant(a) => Some(a),
                    _ => None,
                }
            }
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn from_i64(v: i64) -> Self {
                v as $t
            }
            fn to_i64(self) -> i64 {
                self as i64
            }
            $($extra)?
        }
    };
}

element!(u8, UInt8);
element!(i32, Int32);
element!(i64, Int64);
element!(f32, Float32, float);
element!(f64, Float64, float);

impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn into_block(a: ArcArray<Self, IxDyn>) -> Block {
        Block::Bool(a)
    }
    fn from_block(b: &Block) -> Option<&ArcArray<Self, IxDyn>> {
        match b {
            Block::Bool(a) => Some(a),
            _ => None,
        }
    }
    fn from_f64(v: f64) -> Self {
        v != 0.0
    }
    fn to_f64(self) -> f64 {
        f64::from(u8::from(self))
    }
    fn from_i64(v: i64) -> Self {
        v != 0
    }
    fn to_i64(self) -> i64 {
        i64::from(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promotion_follows_numpy() {
        use DType::*;
        let cases = [
            (Bool, Int32, Int32),
            (UInt8, Int32, Int32),
            (Int32, Int64, Int64),
            (UInt8, Float32, Float32),
            (Int32, Float32, Float64),
            (Int64, Float32, Float64),
            (Float32, Float64, Float64),
            (Bool, Bool, Bool),
        ];
        for (a, b, r) in cases {
            assert_eq!(DType::promote(a, b), r, "{a} with {b}");
            assert_eq!(DType::promote(b, a), r, "{b} with {a}");
        }
    }

    #[test]
    fn python_scalars_are_weak() {
        assert_eq!(DType::Int32.promote_scalar(Scalar::Int(1)), DType::Int32);
        assert_eq!(
            DType::Int32.promote_scalar(Scalar::Float(1.5)),
            DType::Float64
        );
        assert_eq!(
            DType::Float32.promote_scalar(Scalar::Float(1.5)),
            DType::Float32
        );
        assert_eq!(DType::Bool.promote_scalar(Scalar::Int(1)), DType::Int64);
    }
}
