//! Printing expressions as canonical text: valid expression syntax that parses back to the same
//! expression (`parse(print(e)) == e`), with only the parentheses precedence needs.

use std::fmt::{self, Display, Formatter, Write};

use crate::build::date_part_name;
use crate::expr::{
    AxisIndex, BinaryOp, Expr, Index, JoinKind, MathFn, Op, RankMethod, Reduction, SampleSize,
    StrFn, UnaryOp, Value, WindowFn,
};
use crate::func::{Func, PadSide};
use crate::syntax::UNARY_PRECEDENCE;
use crate::types::{reduction_name, window_name};

/// Precedence of postfix forms (`x.f()`, `x[i]`) and atoms: binds tightest.
const POSTFIX: u8 = 9;

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.op() {
            Op::Symbol { name } => f.write_str(name),
            Op::Literal(value) => write!(f, "{value}"),
            Op::Field { child, field } => {
                receiver(f, child)?;
                if is_identifier(field) && !crate::resolve::is_method_name(field) {
                    write!(f, ".{field}")
                } else {
                    write!(f, "[{}]", quote(field))
                }
            }
            Op::Projection { child, fields } => {
                receiver(f, child)?;
                write!(f, "[[{}]]", list(fields.iter().map(|n| quote(n))))
            }
            Op::Selection { child, predicate } => {
                receiver(f, child)?;
                write!(f, "[{predicate}]")
            }
            Op::Slice { child, index } => {
                receiver(f, child)?;
                write!(f, "[{}]", index_text(index))
            }
            Op::Take { child, positions } => {
                receiver(f, child)?;
                write!(f, "[[{}]]", list(positions.iter().map(i64::to_string)))
            }
            Op::SliceAxes { child, indices } => {
                receiver(f, child)?;
                let text = |index: &AxisIndex| match index {
                    AxisIndex::Index(index) => index_text(index),
                    AxisIndex::NewAxis => "None".into(),
                    AxisIndex::Take(positions) => {
                        format!("[{}]", list(positions.iter().map(i64::to_string)))
                    }
                };
                write!(f, "[{}]", list(indices.iter().map(text)))
            }
            Op::Head { child, n } => method(f, child, "head", &[n.to_string()]),
            Op::Tail { child, n } => method(f, child, "tail", &[n.to_string()]),
            Op::Sort {
                child,
                keys,
                ascending,
            } => {
                let mut args = Vec::new();
                let by_self = keys.len() == 1 && &keys[0] == child;
                if !by_self {
                    let key_text: Vec<String> = keys.iter().map(|k| sort_key(child, k)).collect();
                    args.push(if key_text.len() == 1 {
                        key_text[0].clone()
                    } else {
                        format!("[{}]", key_text.join(", "))
                    });
                }
                if !ascending {
                    args.push("ascending=False".into());
                }
                method(f, child, "sort", &args)
            }
            Op::Distinct { child, on } => {
                let args: Vec<String> = on.iter().map(|n| quote(n)).collect();
                method(f, child, "distinct", &args)
            }
            Op::Label { child, label } => method(f, child, "label", &[quote(label)]),
            Op::Relabel { child, labels } => {
                let arg = if labels.iter().all(|(old, _)| is_identifier(old)) {
                    labels
                        .iter()
                        .map(|(old, new)| format!("{old}={}", quote(new)))
                        .collect::<Vec<_>>()
                } else {
                    vec![format!(
                        "{{{}}}",
                        list(
                            labels
                                .iter()
                                .map(|(o, n)| format!("{}: {}", quote(o), quote(n)))
                        )
                    )]
                };
                method(f, child, "relabel", &arg)
            }
            Op::Binary { op, lhs, rhs } if op.function_name().is_some() => {
                write!(f, "{}({lhs}, {rhs})", op.symbol())
            }
            Op::Binary { op, lhs, rhs } => {
                let precedence = op.precedence();
                // Left-associative, except `**`, which groups to the right, and comparisons,
                // which do not chain (`a < b < c` means something else in Python).
                let (left_min, right_min) = match op {
                    BinaryOp::Pow => (precedence + 1, UNARY_PRECEDENCE),
                    BinaryOp::Eq
                    | BinaryOp::Ne
                    | BinaryOp::Lt
                    | BinaryOp::Le
                    | BinaryOp::Gt
                    | BinaryOp::Ge => (precedence + 1, precedence + 1),
                    _ => (precedence, precedence + 1),
                };
                operand(f, lhs, left_min)?;
                write!(f, " {} ", op.symbol())?;
                operand(f, rhs, right_min)
            }
            Op::Unary { op, child } => match op {
                UnaryOp::Neg | UnaryOp::Not => {
                    f.write_str(if *op == UnaryOp::Neg { "-" } else { "~" })?;
                    operand(f, child, UNARY_PRECEDENCE)
                }
                UnaryOp::IsNull => method(f, child, "isnull", &[]),
                UnaryOp::NotNull => method(f, child, "notnull", &[]),
                UnaryOp::FromTimestamp => {
                    receiver(f, child)?;
                    f.write_str(".utcfromtimestamp")
                }
                UnaryOp::Math(m) => write!(f, "{}({child})", math_name(*m)),
                UnaryOp::Str(s) => {
                    receiver(f, child)?;
                    write!(f, ".str.{}()", str_name(*s))
                }
                UnaryOp::DatePart(part) => {
                    receiver(f, child)?;
                    let name = date_part_name(*part);
                    if crate::resolve::DATE_PARTS.iter().any(|(_, p)| p == part) {
                        write!(f, ".{name}")
                    } else {
                        write!(f, ".dt.{name}()")
                    }
                }
            },
            Op::Func { child, func } => {
                receiver(f, child)?;
                match func {
                    Func::Find { sub } => write!(f, ".str.find({})", quote(sub)),
                    Func::Replace { old, new, max } => {
                        write!(f, ".str.replace({}, {}", quote(old), quote(new))?;
                        if let Some(max) = max {
                            write!(f, ", {max}")?;
                        }
                        f.write_str(")")
                    }
                    Func::Pad {
                        width,
                        side,
                        fillchar,
                    } => {
                        write!(f, ".str.pad({width}")?;
                        if *side != PadSide::Left || *fillchar != ' ' {
                            write!(f, ", {}", quote(side.name()))?;
                        }
                        if *fillchar != ' ' {
                            write!(f, ", {}", quote(&fillchar.to_string()))?;
                        }
                        f.write_str(")")
                    }
                    Func::Substring(index) => write!(f, ".str[{}]", index_text(index)),
                    Func::SliceReplace { start, stop, repl } => {
                        let position =
                            |p: &Option<i64>| p.map_or("None".to_owned(), |p| p.to_string());
                        write!(
                            f,
                            ".str.slice_replace({}, {}, {})",
                            position(start),
                            position(stop),
                            quote(repl)
                        )
                    }
                    Func::Strftime { format } => write!(f, ".dt.strftime({})", quote(format)),
                    Func::RoundTime { mode, micros } => write!(
                        f,
                        ".dt.{}({})",
                        mode.name(),
                        quote(&crate::func::frequency_text(*micros))
                    ),
                    Func::Truncate { measure, unit } => {
                        write!(f, ".truncate({measure}, {})", quote(unit.name()))
                    }
                }
            }
            Op::StrCat { lhs, rhs, sep } => {
                receiver(f, lhs)?;
                write!(f, ".str.cat({rhs}")?;
                if !sep.is_empty() {
                    write!(f, ", sep={}", quote(sep))?;
                }
                f.write_str(")")
            }
            Op::Reduction { op, child } => {
                method(f, child, reduction_name(*op), &reduction_args(*op))
            }
            Op::AxisReduction {
                op,
                child,
                axes,
                keepdims,
            } => {
                let mut args = reduction_args(*op);
                if axes.len() < child.dshape().dims().len() {
                    args.push(format!("axis={}", axes_text(axes)));
                }
                if *keepdims {
                    args.push("keepdims=True".to_owned());
                }
                method(f, child, reduction_name(*op), &args)
            }
            Op::Cumulative {
                child,
                axis,
                product,
            } => {
                let name = if *product { "cumprod" } else { "cumsum" };
                let args: Vec<String> = axis.iter().map(|a| format!("axis={a}")).collect();
                method(f, child, name, &args)
            }
            Op::Transpose { child, axes } => {
                if axes.iter().rev().copied().eq(0..axes.len()) {
                    receiver(f, child)?;
                    f.write_str(".T")
                } else {
                    method(f, child, "transpose", &[axes_text(axes)])
                }
            }
            Op::TensorDot {
                lhs,
                rhs,
                left_axes,
                right_axes,
            } => {
                let (l, r) = (lhs.dshape().dims().len(), rhs.dshape().dims().len());
                if crate::array::is_dot(left_axes, right_axes, l, r) {
                    method(f, lhs, "dot", &[rhs.to_string()])
                } else {
                    write!(
                        f,
                        "tensordot({lhs}, {rhs}, axes=({}, {}))",
                        tuple(left_axes),
                        tuple(right_axes)
                    )
                }
            }
            Op::Summary { values, .. } => write!(f, "summary({})", keywords(values)),
            Op::By { grouper, summary } => {
                let Op::Summary { values, .. } = summary.op() else {
                    unreachable!("by holds a summary")
                };
                write!(f, "by({grouper}, {})", keywords(values))
            }
            Op::IsIn { child, values } => {
                let values = list(values.iter().map(|v| v.to_string()));
                method(f, child, "isin", &[format!("[{values}]")])
            }
            Op::IsInColumn { child, values } => method(f, child, "isin", &[values.to_string()]),
            Op::Like { child, pattern } => method(f, child, "like", &[quote(pattern)]),
            Op::Coerce { child, to } => method(f, child, "coerce", &[quote(&to.to_string())]),
            Op::Cast { child, to } => method(f, child, "cast", &[quote(&to.to_string())]),
            Op::Coalesce { lhs, rhs } => write!(f, "coalesce({lhs}, {rhs})"),
            Op::Merge { columns } => {
                // Labels print as keywords where no positional argument follows them.
                let keyword =
                    |c: &Expr| matches!(c.op(), Op::Label { label, .. } if is_identifier(label));
                let first_keyword =
                    columns.len() - columns.iter().rev().take_while(|c| keyword(c)).count();
                let args = columns
                    .iter()
                    .enumerate()
                    .map(|(i, column)| match column.op() {
                        Op::Label { child, label } if i >= first_keyword => {
                            format!("{label}={child}")
                        }
                        _ => column.to_string(),
                    });
                write!(f, "merge({})", list(args))
            }
            Op::Join {
                lhs,
                rhs,
                on_left,
                on_right,
                how,
                suffixes,
            } => {
                let keys = |names: &[String]| match names {
                    [one] => quote(one),
                    many => format!("[{}]", list(many.iter().map(|n| quote(n)))),
                };
                write!(f, "join({lhs}, {rhs}, {}", keys(on_left))?;
                if on_right != on_left {
                    write!(f, ", {}", keys(on_right))?;
                }
                if *how != JoinKind::Inner {
                    write!(f, ", how={}", quote(how.name()))?;
                }
                if suffixes != &["_left", "_right"] {
                    write!(
                        f,
                        ", suffixes=({}, {})",
                        quote(&suffixes[0]),
                        quote(&suffixes[1])
                    )?;
                }
                f.write_str(")")
            }
            Op::Concat { lhs, rhs } => write!(f, "concat({lhs}, {rhs})"),
            Op::Sample { child, size } => {
                let arg = match size {
                    SampleSize::Rows(n) => format!("n={n}"),
                    SampleSize::Fraction(x) => format!("frac={}", Value::Float(*x)),
                };
                method(f, child, "sample", &[arg])
            }
            Op::Window { func, child, by } => {
                let mut args = match func {
                    WindowFn::Shift(n) => vec![n.to_string()],
                    WindowFn::Rank { ascending, method } => {
                        let mut args = Vec::new();
                        if !ascending {
                            args.push("ascending=False".to_owned());
                        }
                        if *method != RankMethod::Min {
                            args.push(format!("method={}", quote(method.name())));
                        }
                        args
                    }
                    _ => vec![],
                };
                match by.as_slice() {
                    [] => {}
                    [one] => args.push(format!("by={one}")),
                    many => args.push(format!("by=[{}]", list(many.iter().map(|e| e.to_string())))),
                }
                method(f, child, window_name(*func), &args)
            }
        }
    }
}

impl Display for Value {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("None"),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) if x.is_finite() && x.fract() == 0.0 && x.abs() < 1e16 => {
                write!(f, "{x:.1}")
            }
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Str(s) => f.write_str(&quote(s)),
        }
    }
}

/// How tightly the printed form of `expr` binds.
fn precedence(expr: &Expr) -> u8 {
    match expr.op() {
        Op::Binary { op, .. } => op.precedence(),
        Op::Unary {
            op: UnaryOp::Neg | UnaryOp::Not,
            ..
        } => UNARY_PRECEDENCE,
        // A negative number prints with its sign.
        Op::Literal(Value::Int(i)) if *i < 0 => UNARY_PRECEDENCE,
        Op::Literal(Value::Float(x)) if x.is_sign_negative() => UNARY_PRECEDENCE,
        _ => POSTFIX,
    }
}

/// `expr`, parenthesised unless it binds at least as tightly as `min`.
fn operand(f: &mut Formatter<'_>, expr: &Expr, min: u8) -> fmt::Result {
    if precedence(expr) < min {
        write!(f, "({expr})")
    } else {
        write!(f, "{expr}")
    }
}

/// `expr` before `.method()` or `[...]`; a number in parentheses, so that its dot is not read
/// as a decimal point.
fn receiver(f: &mut Formatter<'_>, expr: &Expr) -> fmt::Result {
    if let Op::Literal(Value::Int(_) | Value::Float(_)) = expr.op() {
        return write!(f, "({expr})");
    }
    operand(f, expr, POSTFIX)
}

fn method(f: &mut Formatter<'_>, child: &Expr, name: &str, args: &[String]) -> fmt::Result {
    receiver(f, child)?;
    write!(f, ".{name}({})", args.join(", "))
}

/// A sort key: the column's name when it is a column of the sorted rows.
fn sort_key(child: &Expr, key: &Expr) -> String {
    match key.op() {
        Op::Field { child: of, field } if of == child => quote(field),
        _ => key.to_string(),
    }
}

/// A reduction's arguments besides its axes.
fn reduction_args(op: Reduction) -> Vec<String> {
    match op {
        Reduction::Var { unbiased: true } | Reduction::Std { unbiased: true } => {
            vec!["unbiased=True".to_owned()]
        }
        Reduction::Quantile { q } => vec![Value::Float(q).to_string()],
        _ => vec![],
    }
}

/// Axes as `axis=` takes them: one as a number, several as a tuple.
fn axes_text(axes: &[usize]) -> String {
    match axes {
        [one] => one.to_string(),
        many => tuple(many),
    }
}

/// A Python tuple of numbers: `(1,)`, `(0, 2)`.
fn tuple(items: &[usize]) -> String {
    match items {
        [one] => format!("({one},)"),
        many => format!("({})", list(many.iter().map(|i| i.to_string()))),
    }
}

/// An index as written between brackets: `3`, `1:5`, `::2`.
fn index_text(index: &Index) -> String {
    match index {
        Index::At(i) => i.to_string(),
        Index::Range { start, stop, step } => {
            let part = |p: &Option<i64>| p.map(|v| v.to_string()).unwrap_or_default();
            let mut text = format!("{}:{}", part(start), part(stop));
            if let Some(step) = step {
                let _ = write!(text, ":{step}");
            }
            text
        }
    }
}

fn keywords(values: &[(String, Expr)]) -> String {
    list(values.iter().map(|(name, value)| format!("{name}={value}")))
}

fn list(items: impl Iterator<Item = String>) -> String {
    let mut out = String::new();
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&item);
    }
    out
}

/// A string literal in single quotes, escaped so that it reads back the same.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Whether `name` can be written as a name in expression text (`t.name`, a symbol's name):
/// letters, digits and `_`, not starting with a digit, and not a Python keyword.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
        && !matches!(
            name,
            "True" | "False" | "None" | "and" | "or" | "not" | "in" | "is" | "if" | "lambda"
        )
}

/// How a function of one element is named in messages.
pub(crate) fn unary_description(op: UnaryOp) -> String {
    match op {
        UnaryOp::Neg => "'-'".into(),
        UnaryOp::Not => "'~'".into(),
        UnaryOp::IsNull => "isnull".into(),
        UnaryOp::NotNull => "notnull".into(),
        UnaryOp::Math(m) => math_name(m).into(),
        UnaryOp::Str(s) => format!("str.{}", str_name(s)),
        UnaryOp::DatePart(p) => date_part_name(p).into(),
        UnaryOp::FromTimestamp => "utcfromtimestamp".into(),
    }
}

/// The name of a math function, as written.
pub(crate) fn math_name(f: MathFn) -> &'static str {
    crate::resolve::MATH
        .iter()
        .find(|(_, m)| *m == f)
        .map(|(name, _)| *name)
        .expect("every math function has a name")
}

/// The name of a string method, as written.
pub(crate) fn str_name(f: StrFn) -> &'static str {
    crate::resolve::STR
        .iter()
        .find(|(_, s)| *s == f)
        .map(|(name, _)| *name)
        .expect("every string method has a name")
}
