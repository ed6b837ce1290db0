//! The text syntax of expressions: the subset of Python expressions Blaze users write
//! (`t[t.amount > 100].name`, `by(t.name, total=t.amount.sum())`), parsed into a syntax tree
//! that keeps each part's place in the text. Typing happens afterwards, in
//! [`resolve`](crate::resolve).
//!
//! Operators bind as in Python, so `t.a > 1 & t.b < 2` means `t.a > (1 & t.b) < 2`, and users
//! write `(t.a > 1) & (t.b < 2)`, as they did with Blaze.

mod lexer;
mod parser;

use blaze_datashape::Span;

use crate::expr::BinaryOp;

pub use parser::parse_syntax;

/// A node of the syntax tree and its place in the text.
#[derive(Clone, Debug, PartialEq)]
pub struct Syntax {
    /// What was written.
    pub kind: SyntaxKind,
    /// Where.
    pub span: Span,
}

/// What a piece of expression text says, before typing.
#[derive(Clone, Debug, PartialEq)]
pub enum SyntaxKind {
    /// A name: `t`, `by`, `sum`.
    Name(String),
    /// `42`
    Int(i64),
    /// `1.5`
    Float(f64),
    /// `'text'` or `"text"`
    Str(String),
    /// `True` or `False`
    Bool(bool),
    /// `None`
    None,
    /// `[a, b]`
    List(Vec<Syntax>),
    /// `(a, b)`; a parenthesised single expression is just that expression.
    Tuple(Vec<Syntax>),
    /// `{'a': 'b'}`
    Dict(Vec<(Syntax, Syntax)>),
    /// `value.name`
    Attribute {
        /// What the attribute is taken of.
        value: Box<Syntax>,
        /// The attribute's name.
        name: String,
    },
    /// `func(args, name=value)`
    Call {
        /// What is called.
        func: Box<Syntax>,
        /// Positional arguments.
        args: Vec<Syntax>,
        /// Keyword arguments, in the order written.
        kwargs: Vec<(String, Syntax)>,
    },
    /// `value[index]`; several indices (`x[0, :5]`) make a tuple.
    Subscript {
        /// What is indexed.
        value: Box<Syntax>,
        /// The index.
        index: Box<Syntax>,
    },
    /// `start:stop:step` inside a subscript.
    Slice {
        /// Where to start, if given.
        start: Option<Box<Syntax>>,
        /// Where to stop, if given.
        stop: Option<Box<Syntax>>,
        /// The step, if given.
        step: Option<Box<Syntax>>,
    },
    /// `-x`, `+x`, `~x`
    Unary {
        /// The operator.
        op: UnaryOperator,
        /// Its operand.
        operand: Box<Syntax>,
    },
    /// `a + b`, `a == b`, `a & b`...
    Binary {
        /// The operator.
        op: BinaryOp,
        /// The left operand.
        lhs: Box<Syntax>,
        /// The right operand.
        rhs: Box<Syntax>,
    },
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOperator {
    /// `-`
    Neg,
    /// `+`
    Pos,
    /// `~` (boolean not)
    Invert,
}

/// The operators as written, with Python's precedence.
impl BinaryOp {
    /// The operator as written (for a function written as a call, its name).
    pub fn symbol(self) -> &'static str {
        if let Some(name) = self.function_name() {
            return name;
        }
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::FloorDiv => "//",
            BinaryOp::Mod => "%",
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
            _ => unreachable!("functions are named above"),
        }
    }

    /// The name of a function of two operands written as a call (`atan2(y, x)`); `None` for
    /// an operator.
    pub fn function_name(self) -> Option<&'static str> {
        BINARY_FUNCTIONS
            .iter()
            .find(|(_, op)| *op == self)
            .map(|(name, _)| *name)
    }

    /// How tightly the operator binds (Python's order); higher binds tighter.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge => 1,
            BinaryOp::Or => 2,
            BinaryOp::Xor => 3,
            BinaryOp::And => 4,
            BinaryOp::Add | BinaryOp::Sub => 5,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::FloorDiv | BinaryOp::Mod => 6,
            BinaryOp::Pow => 8,
            // A call binds tighter than any operator.
            _ => 9,
        }
    }

    /// The operator written as `text`, if it is one.
    pub(crate) fn from_symbol(text: &str) -> Option<Self> {
        ALL_BINARY.into_iter().find(|op| op.symbol() == text)
    }
}

/// The functions of two operands written as calls, by name (Blaze's names, as in `math`).
pub(crate) const BINARY_FUNCTIONS: [(&str, BinaryOp); 7] = [
    ("atan2", BinaryOp::Atan2),
    ("copysign", BinaryOp::Copysign),
    ("fmod", BinaryOp::Fmod),
    ("hypot", BinaryOp::Hypot),
    ("ldexp", BinaryOp::Ldexp),
    ("greatest", BinaryOp::Greatest),
    ("least", BinaryOp::Least),
];

/// Precedence of the prefix operators: between `*` and `**`, as in Python.
pub const UNARY_PRECEDENCE: u8 = 7;

const ALL_BINARY: [BinaryOp; 16] = [
    BinaryOp::Add,
    BinaryOp::Sub,
    BinaryOp::Mul,
    BinaryOp::Div,
    BinaryOp::FloorDiv,
    BinaryOp::Mod,
    BinaryOp::Pow,
    BinaryOp::Eq,
    BinaryOp::Ne,
    BinaryOp::Lt,
    BinaryOp::Le,
    BinaryOp::Gt,
    BinaryOp::Ge,
    BinaryOp::And,
    BinaryOp::Or,
    BinaryOp::Xor,
];
