//! The element-wise operators and functions, and the types numpy gives their results.

use crate::{DType, Error, Result};

/// A binary element-wise operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`: true division; integers divide as `float64`.
    Div,
    /// `//`: floor division (integer division by zero gives 0, as numpy does).
    FloorDiv,
    /// `%`: remainder with the divisor's sign, as Python's.
    Rem,
    /// `**`
    Pow,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&`: logical and on `bool`, bitwise on integers.
    And,
    /// `|`
    Or,
    /// `^`
    Xor,
    /// numpy's `maximum` (NaN wins).
    Maximum,
    /// numpy's `minimum` (NaN wins).
    Minimum,
    /// `arctan2(y, x)`: the angle of the point (x, y), in radians.
    Arctan2,
    /// `copysign(x, y)`: the magnitude of `x` with the sign of `y`.
    Copysign,
    /// `fmod(x, y)`: C's remainder, with the dividend's sign.
    Fmod,
    /// `hypot(x, y)`: `sqrt(x**2 + y**2)` without overflow on the way.
    Hypot,
    /// `ldexp(x, e)`: `x * 2**e`, `e` taken as an integer (towards zero).
    Ldexp,
}

impl BinaryOp {
    /// The operator as Python writes it (`maximum` for the functions).
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::FloorDiv => "//",
            BinaryOp::Rem => "%",
            BinaryOp::Pow => "**",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "&",
            BinaryOp::Or => "|",
            BinaryOp::Xor => "^",
            BinaryOp::Maximum => "maximum",
            BinaryOp::Minimum => "minimum",
            BinaryOp::Arctan2 => "arctan2",
            BinaryOp::Copysign => "copysign",
            BinaryOp::Fmod => "fmod",
            BinaryOp::Hypot => "hypot",
            BinaryOp::Ldexp => "ldexp",
        }
    }

    pub(crate) fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
    }

    /// Whether the operator is a function of real numbers, computed in floating point
    /// whatever the operands' type (as Blaze types these functions: integers give `float64`).
    fn is_real_function(self) -> bool {
        matches!(
            self,
            BinaryOp::Arctan2
                | BinaryOp::Copysign
                | BinaryOp::Fmod
                | BinaryOp::Hypot
                | BinaryOp::Ldexp
        )
    }

    /// The type both operands are converted to, given their common type.
    pub(crate) fn operand_type(self, common: DType) -> Result<DType> {
        match self {
            _ if self.is_real_function() => Ok(common.float_type()),
            BinaryOp::Div => Ok(if common.is_float() {
                common
            } else {
                DType::Float64
            }),
            BinaryOp::And | BinaryOp::Or | BinaryOp::Xor if common.is_float() => {
                Err(Error::Type(format!(
                    "'{}' needs integer or bool operands, not {common}",
                    self.symbol()
                )))
            }
            BinaryOp::Add
            | BinaryOp::Sub
            | BinaryOp::Mul
            | BinaryOp::FloorDiv
            | BinaryOp::Rem
            | BinaryOp::Pow
                if common == DType::Bool =>
            {
                Err(Error::Type(format!(
                    "'{}' is not defined on bool arrays; use & | ^ or convert with astype",
                    self.symbol()
                )))
            }
            _ => Ok(common),
        }
    }

    /// The result type, given the operands' type.
    pub(crate) fn result_type(self, operand: DType) -> DType {
        if self.is_comparison() {
            DType::Bool
        } else {
            operand
        }
    }
}

/// A unary element-wise operator or function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `~x`: logical not on `bool`, bitwise not on integers.
    Not,
    /// `abs(x)`
    Abs,
    /// `sign(x)`: -1, 0 or 1.
    Sign,
    /// `sqrt`
    Sqrt,
    /// `exp`
    Exp,
    /// `expm1`
    Expm1,
    /// `log` (natural)
    Log,
    /// `log2`
    Log2,
    /// `log10`
    Log10,
    /// `log1p`
    Log1p,
    /// `sin`
    Sin,
    /// `cos`
    Cos,
    /// `tan`
    Tan,
    /// `arcsin`
    Arcsin,
    /// `arccos`
    Arccos,
    /// `arctan`
    Arctan,
    /// `sinh`
    Sinh,
    /// `cosh`
    Cosh,
    /// `tanh`
    Tanh,
    /// `arcsinh`
    Arcsinh,
    /// `arccosh`
    Arccosh,
    /// `arctanh`
    Arctanh,
    /// `deg2rad`: degrees to radians.
    Deg2rad,
    /// `rad2deg`: radians to degrees.
    Rad2deg,
    /// `floor`
    Floor,
    /// `ceil`
    Ceil,
    /// `rint`: round half to even, as numpy's `round`.
    Rint,
    /// `trunc`: round towards zero.
    Trunc,
    /// `isnan`
    IsNan,
    /// `isinf`
    IsInf,
}

impl UnaryOp {
    /// The function's name as numpy spells it (`-` and `~` for the operators).
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Not => "~",
            UnaryOp::Abs => "abs",
            UnaryOp::Sign => "sign",
            UnaryOp::Sqrt => "sqrt",
            UnaryOp::Exp => "exp",
            UnaryOp::Expm1 => "expm1",
            UnaryOp::Log => "log",
            UnaryOp::Log2 => "log2",
            UnaryOp::Log10 => "log10",
            UnaryOp::Log1p => "log1p",
            UnaryOp::Sin => "sin",
            UnaryOp::Cos => "cos",
            UnaryOp::Tan => "tan",
            UnaryOp::Arcsin => "arcsin",
            UnaryOp::Arccos => "arccos",
            UnaryOp::Arctan => "arctan",
            UnaryOp::Sinh => "sinh",
            UnaryOp::Cosh => "cosh",
            UnaryOp::Tanh => "tanh",
            UnaryOp::Arcsinh => "arcsinh",
            UnaryOp::Arccosh => "arccosh",
            UnaryOp::Arctanh => "arctanh",
            UnaryOp::Deg2rad => "deg2rad",
            UnaryOp::Rad2deg => "rad2deg",
            UnaryOp::Floor => "floor",
            UnaryOp::Ceil => "ceil",
            UnaryOp::Rint => "rint",
            UnaryOp::Trunc => "trunc",
            UnaryOp::IsNan => "isnan",
            UnaryOp::IsInf => "isinf",
        }
    }

    /// The function named `name`, if there is one (`sqrt`, `isnan`, …; not the operators).
    pub fn from_name(name: &str) -> Option<UnaryOp> {
        use UnaryOp::*;
        [
            Abs, Sign, Sqrt, Exp, Expm1, Log, Log2, Log10, Log1p, Sin, Cos, Tan, Arcsin, Arccos,
            Arctan, Sinh, Cosh, Tanh, Arcsinh, Arccosh, Arctanh, Deg2rad, Rad2deg, Floor, Ceil,
            Rint, Trunc, IsNan, IsInf,
        ]
        .into_iter()
        .find(|op| op.name() == name)
    }

    /// The operand's type (after conversion) and the result's, for an input of `dtype`.
    pub(crate) fn types(self, dtype: DType) -> Result<(DType, DType)> {
        match self {
            UnaryOp::Neg | UnaryOp::Abs | UnaryOp::Sign if dtype == DType::Bool => Err(
                Error::Type(format!("'{}' is not defined on bool arrays", self.name())),
            ),
            UnaryOp::Not if dtype.is_float() => Err(Error::Type(format!(
                "'~' needs integer or bool operands, not {dtype}"
            ))),
            UnaryOp::Neg | UnaryOp::Abs | UnaryOp::Sign | UnaryOp::Not => Ok((dtype, dtype)),
            UnaryOp::IsNan | UnaryOp::IsInf => Ok((dtype, DType::Bool)),
            _ => Ok((dtype.float_type(), dtype.float_type())),
        }
    }
}
