//! Element types, numpy's promotion rules between them, and Python-style scalars.

use std::fmt;

use ndarray::{ArcArray, IxDyn};

use crate::Block;

/// The element type of an array: numpy's booleans, integers and floats (not `float16`),
/// named as datashape names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    /// `bool`
    Bool,
    /// `int8`
    Int8,
    /// `uint8`
    UInt8,
    /// `int16`
    Int16,
    /// `uint16`
    UInt16,
    /// `int32`
    Int32,
    /// `uint32`
    UInt32,
    /// `int64`
    Int64,
    /// `uint64`
    UInt64,
    /// `float32`
    Float32,
    /// `float64`
    Float64,
}

/// What kind of number a [`DType`] holds, which decides how two types promote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Bool,
    Signed,
    Unsigned,
    Float,
}

impl DType {
    /// Every type, narrowest first.
    pub const ALL: [DType; 11] = [
        DType::Bool,
        DType::Int8,
        DType::UInt8,
        DType::Int16,
        DType::UInt16,
        DType::Int32,
        DType::UInt32,
        DType::Int64,
        DType::UInt64,
        DType::Float32,
        DType::Float64,
    ];

    /// The types, named for messages.
    pub const NAMES: &str =
        "bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32 and float64";

    /// The datashape (and numpy) name: `float64`.
    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::Int8 => "int8",
            DType::UInt8 => "uint8",
            DType::Int16 => "int16",
            DType::UInt16 => "uint16",
            DType::Int32 => "int32",
            DType::UInt32 => "uint32",
            DType::Int64 => "int64",
            DType::UInt64 => "uint64",
            DType::Float32 => "float32",
            DType::Float64 => "float64",
        }
    }

    /// numpy's type string for it, little-endian, as `.npy` headers and Zarr v2 metadata give
    /// it: `<f8`, `|b1`.
    pub(crate) fn numpy_descr(self) -> &'static str {
        match self {
            DType::Bool => "|b1",
            DType::Int8 => "|i1",
            DType::UInt8 => "|u1",
            DType::Int16 => "<i2",
            DType::UInt16 => "<u2",
            DType::Int32 => "<i4",
            DType::UInt32 => "<u4",
            DType::Int64 => "<i8",
            DType::UInt64 => "<u8",
            DType::Float32 => "<f4",
            DType::Float64 => "<f8",
        }
    }

    /// The type named `name` (`float64`, `int32`, …), if it is one of these.
    pub fn from_name(name: &str) -> Option<DType> {
        DType::ALL.into_iter().find(|d| d.name() == name)
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::Bool | DType::Int8 | DType::UInt8 => 1,
            DType::Int16 | DType::UInt16 => 2,
            DType::Int32 | DType::UInt32 | DType::Float32 => 4,
            DType::Int64 | DType::UInt64 | DType::Float64 => 8,
        }
    }

    fn kind(self) -> Kind {
        match self {
            DType::Bool => Kind::Bool,
            DType::Int8 | DType::Int16 | DType::Int32 | DType::Int64 => Kind::Signed,
            DType::UInt8 | DType::UInt16 | DType::UInt32 | DType::UInt64 => Kind::Unsigned,
            DType::Float32 | DType::Float64 => Kind::Float,
        }
    }

    /// Whether the type is `float32` or `float64`.
    pub fn is_float(self) -> bool {
        self.kind() == Kind::Float
    }

    /// Whether the type is an integer type (not `bool`).
    pub fn is_integer(self) -> bool {
        matches!(self.kind(), Kind::Signed | Kind::Unsigned)
    }

    /// Whether the type is an unsigned integer type.
    pub fn is_unsigned(self) -> bool {
        self.kind() == Kind::Unsigned
    }

    /// The signed integer type of `size` bytes, if there is one.
    fn signed(size: usize) -> Option<DType> {
        [DType::Int8, DType::Int16, DType::Int32, DType::Int64]
            .into_iter()
            .find(|d| d.size() == size)
    }

    /// numpy's `result_type` of two arrays: the narrowest type both convert to without loss
    /// (`int8` with `uint8` is `int16`, `int64` with `uint64` is `float64`, `int16` with
    /// `float32` stays `float32`, `int32` with `float32` is `float64`).
    pub fn promote(a: DType, b: DType) -> DType {
        let wider = if a.size() >= b.size() { a } else { b };
        match (a.kind(), b.kind()) {
            _ if a == b => a,
            (Kind::Bool, _) => b,
            (_, Kind::Bool) => a,
            (Kind::Float, Kind::Float) => wider,
            // A float holds the integers of fewer bits than its own.
            (Kind::Float, _) if a.size() > b.size() => a,
            (_, Kind::Float) if b.size() > a.size() => b,
            (Kind::Float, _) | (_, Kind::Float) => DType::Float64,
            (x, y) if x == y => wider,
            // Signed with unsigned: a signed type wider than the unsigned one.
            _ => {
                let unsigned = if a.kind() == Kind::Unsigned { a } else { b };
                let signed = if a.kind() == Kind::Signed { a } else { b };
                if signed.size() > unsigned.size() {
                    signed
                } else {
                    DType::signed(unsigned.size() * 2).unwrap_or(DType::Float64)
                }
            }
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
    /// `int16` or `float32` is `float32`). numpy gives `float16` for `bool`, `int8` and
    /// `uint8`, a type this crate does not have: they compute in `float32`.
    pub fn float_type(self) -> DType {
        match self {
            DType::Float64 => DType::Float64,
            d if d.size() <= 2 || d == DType::Float32 => DType::Float32,
            _ => DType::Float64,
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

/// `v` converted to `U` as numpy's `astype` converts it: through `f64` when either type is a
/// float (truncating, saturating), otherwise as integers (wrapping).
#[inline]
pub(crate) fn convert<T: Element, U: Element>(v: T) -> U {
    if U::DTYPE.is_float() || T::DTYPE.is_float() {
        U::from_f64(v.to_f64())
    } else {
        U::from_i64(v.to_i64())
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

element!(i8, Int8);
element!(u8, UInt8);
element!(i16, Int16);
element!(u16, UInt16);
element!(i32, Int32);
element!(u32, UInt32);
element!(i64, Int64);
element!(u64, UInt64);
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
            (Int8, UInt8, Int16),
            (Int16, UInt8, Int16),
            (Int8, UInt16, Int32),
            (Int32, UInt32, Int64),
            (Int64, UInt32, Int64),
            (Int64, UInt64, Float64),
            (UInt8, UInt32, UInt32),
            (Int8, Int64, Int64),
            (Int16, Float32, Float32),
            (UInt16, Float32, Float32),
            (UInt32, Float32, Float64),
            (UInt64, Float64, Float64),
            (Bool, UInt16, UInt16),
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
