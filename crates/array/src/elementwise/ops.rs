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
        }
    }

    pub(crate) fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
    }

    /// The type both operands are converted to, given their common type.
    pub(crate) fn operand_type(self, common: DType) -> Result<DType> {
        match self {
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
    /// `floor`
    Floor,
    /// `ceil`
    Ceil,
    /// `rint`: round half to even, as numpy's `round`.
    Rint,
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
            UnaryOp::Floor => "floor",
            UnaryOp::Ceil => "ceil",
            UnaryOp::Rint => "rint",
            UnaryOp::IsNan => "isnan",
            UnaryOp::IsInf => "isinf",
        }
    }

    /// The function named `name`, if there is one (`sqrt`, `isnan`, …; not the operators).
    pub fn from_name(name: &str) -> Option<UnaryOp> {
        use UnaryOp::*;
        [
            Abs, Sign, Sqrt, Exp, Expm1, Log, Log2, Log10, Log1p, Sin, Cos, Tan, Arcsin, Arccos,
            Arctan, Sinh, Cosh, Tanh, Floor, Ceil, Rint, IsNan, IsInf,
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
