//! The JSON tree format of expressions that Blaze's server and client exchange
//! (`spec/blaze.md` §4.4): `{"op": "Field", "args": [child, "amount"]}`, with Blaze's class names
//! and argument layouts, datashapes as `{"__!datashape": "..."}`, and names (`":leaf"`, the
//! request's namespace) standing for the expressions they are bound to.
//!
//! Reading accepts what Blaze's clients send, including the short forms hand-written requests
//! use (reductions without `axis`/`keepdims`); writing produces what Blaze's `to_tree` would.

use blaze_datashape::DataShape;
use serde_json::{Value as Json, json};

use crate::build::{by, literal, symbol};
use crate::combine::{JoinSpec, coalesce, concat, join, merge};
use crate::error::{Error, Result};
use crate::expr::{
    AxisIndex, BinaryOp, DatePart, Expr, Index, JoinKind, Op, RankMethod, Reduction, SampleSize,
    StrFn, UnaryOp, Value, WindowFn,
};
use crate::func::{DateUnit, Func, PadSide, RoundMode, parse_frequency};
use crate::resolve::{DATE_PARTS, DT_PARTS, MATH, Namespace, STR};

/// Blaze's class names of the element-wise operators of two operands.
const BINARY: [(&str, BinaryOp); 16] = [
    ("Add", BinaryOp::Add),
    ("Sub", BinaryOp::Sub),
    ("Mult", BinaryOp::Mul),
    ("Div", BinaryOp::Div),
    ("FloorDiv", BinaryOp::FloorDiv),
    ("Mod", BinaryOp::Mod),
    ("Pow", BinaryOp::Pow),
    ("Eq", BinaryOp::Eq),
    ("Ne", BinaryOp::Ne),
    ("Lt", BinaryOp::Lt),
    ("Le", BinaryOp::Le),
    ("Gt", BinaryOp::Gt),
    ("Ge", BinaryOp::Ge),
    ("And", BinaryOp::And),
    ("Or", BinaryOp::Or),
    ("Xor", BinaryOp::Xor),
];

/// The operator of two operands with Blaze's class name `name` (the functions' class names
/// are their names: `atan2`).
fn binary_by_name(name: &str) -> Option<BinaryOp> {
    BINARY
        .iter()
        .chain(&BINARY_ALIASES)
        .chain(&crate::syntax::BINARY_FUNCTIONS)
        .find(|(n, _)| *n == name)
        .map(|(_, op)| *op)
}

/// Other names Blaze used for the same operators.
const BINARY_ALIASES: [(&str, BinaryOp); 5] = [
    ("Repeat", BinaryOp::Mul),
    ("Interp", BinaryOp::Mod),
    ("BitAnd", BinaryOp::And),
    ("BitOr", BinaryOp::Or),
    ("BitXor", BinaryOp::Xor),
];

/// `expr` as a JSON tree. Symbols named in `names` are written as their names (Blaze's
/// `to_tree(expr, names={t: ':leaf'})`); other symbols in full.
pub fn to_tree(expr: &Expr, names: &[(&str, &str)]) -> Json {
    Writer { names }.tree(expr)
}

/// The expression a JSON tree describes. A string where an expression belongs is a name:
/// looked up in `namespace` (where a server binds `":leaf"` and the request's namespace).
pub fn from_tree(tree: &Json, namespace: &Namespace) -> Result<Expr> {
    Reader { namespace }.expr(tree)
}

struct Writer<'a> {
    names: &'a [(&'a str, &'a str)],
}

impl Writer<'_> {
    fn tree(&self, expr: &Expr) -> Json {
        let t = |e: &Expr| self.tree(e);
        let node = |op: &str, args: Vec<Json>| json!({"op": op, "args": args});
        match expr.op() {
            Op::Symbol { name } => match self.names.iter().find(|(n, _)| n == name) {
                Some((_, label)) => json!(label),
                None => node(
                    "Symbol",
                    vec![json!(name), datashape(expr.dshape()), json!(0)],
                ),
            },
            Op::Literal(value) => node(
                "Literal",
                vec![value_json(value), datashape(expr.dshape()), Json::Null],
            ),
            Op::Field { child, field } => node("Field", vec![t(child), json!(field)]),
            Op::Projection { child, fields } => node("Projection", vec![t(child), json!(fields)]),
            Op::Selection { child, predicate } => node("Selection", vec![t(child), t(predicate)]),
            Op::Slice { child, index } => node("Slice", vec![t(child), json!([index_json(index)])]),
            Op::Take { child, positions } => node("Slice", vec![t(child), json!([positions])]),
            Op::SliceAxes { child, indices } => node(
                "Slice",
                vec![
                    t(child),
                    Json::Array(
                        indices
                            .iter()
                            .map(|i| match i {
                                AxisIndex::Index(index) => index_json(index),
                                AxisIndex::NewAxis => Json::Null,
                                AxisIndex::Take(positions) => json!(positions),
                            })
                            .collect(),
                    ),
                ],
            ),
            Op::Head { child, n } => node("Head", vec![t(child), json!(n)]),
            Op::Tail { child, n } => node("Tail", vec![t(child), json!(n)]),
            Op::Sort {
                child,
                keys,
                ascending,
            } => {
                let key = |k: &Expr| match k.op() {
                    Op::Field { child: of, field } if of == child => json!(field),
                    _ => t(k),
                };
                let key = match keys.as_slice() {
                    [one] => key(one),
                    many => Json::Array(many.iter().map(key).collect()),
                };
                node("Sort", vec![t(child), key, json!(ascending)])
            }
            Op::Distinct { child, on } => node("Distinct", vec![t(child), json!(on)]),
            Op::Label { child, label } => node("Label", vec![t(child), json!(label)]),
            Op::Relabel { child, labels } => node("ReLabel", vec![t(child), json!(labels)]),
            Op::Binary { op, lhs, rhs } => {
                let text = |e: &Expr| crate::types::is_string(e.dshape());
                let name = match op {
                    // Blaze's classes for the operators of text.
                    BinaryOp::Mul if text(lhs) || text(rhs) => "Repeat",
                    BinaryOp::Mod if text(lhs) => "Interp",
                    _ => BINARY
                        .iter()
                        .find(|(_, o)| o == op)
                        .map(|(n, _)| *n)
                        .or_else(|| op.function_name())
                        .expect("every operator has a name"),
                };
                node(name, vec![self.operand(lhs), self.operand(rhs)])
            }
            Op::Unary { op, child } => {
                let name = match op {
                    UnaryOp::Neg => "USub".to_owned(),
                    UnaryOp::Not => "Not".to_owned(),
                    UnaryOp::IsNull => "isnull".to_owned(),
                    UnaryOp::NotNull => "notnull".to_owned(),
                    UnaryOp::FromTimestamp => "UTCFromTimestamp".to_owned(),
                    UnaryOp::Math(f) => crate::print::math_name(*f).to_owned(),
                    UnaryOp::Str(f) => format!("str_{}", crate::print::str_name(*f)),
                    UnaryOp::DatePart(part) => date_part_op(*part),
                };
                node(&name, vec![t(child)])
            }
            Op::Reduction { op, child } => {
                let all: Vec<usize> = (0..child.dshape().dims().len()).collect();
                node(
                    crate::types::reduction_name(*op),
                    reduction_args(t(child), *op, &all, false),
                )
            }
            Op::AxisReduction {
                op,
                child,
                axes,
                keepdims,
            } => node(
                crate::types::reduction_name(*op),
                reduction_args(t(child), *op, axes, *keepdims),
            ),
            Op::Transpose { child, axes } => node("Transpose", vec![t(child), json!(axes)]),
            Op::Cumulative {
                child,
                axis,
                product,
            } => node(
                if *product { "CumProd" } else { "CumSum" },
                vec![t(child), json!(axis)],
            ),
            Op::TensorDot {
                lhs,
                rhs,
                left_axes,
                right_axes,
            } => node(
                "TensorDot",
                vec![t(lhs), t(rhs), json!(left_axes), json!(right_axes)],
            ),
            Op::Summary { child, values } => node(
                "Summary",
                vec![
                    t(child),
                    json!(values.iter().map(|(n, _)| n).collect::<Vec<_>>()),
                    Json::Array(values.iter().map(|(_, v)| t(v)).collect()),
                    json!([0]),
                    json!(false),
                ],
            ),
            Op::By { grouper, summary } => node("By", vec![t(grouper), t(summary)]),
            Op::IsIn { child, values } => node(
                "IsIn",
                vec![
                    t(child),
                    json!({"__!frozenset": values.iter().map(value_json).collect::<Vec<_>>()}),
                ],
            ),
            Op::IsInColumn { child, values } => node("IsIn", vec![t(child), t(values)]),
            Op::Like { child, pattern } => node("Like", vec![t(child), json!(pattern)]),
            Op::Coerce { child, to } => node("Coerce", vec![t(child), datashape(to)]),
            Op::Cast { child, to } => node("Cast", vec![t(child), datashape(to)]),
            Op::Coalesce { lhs, rhs } => node(
                "Coalesce",
                vec![
                    self.operand(lhs),
                    self.operand(rhs),
                    datashape(expr.dshape()),
                ],
            ),
            Op::Merge { columns } => node(
                "Merge",
                vec![
                    Json::Array(columns.iter().map(t).collect()),
                    Json::Null,
                    Json::Null,
                ],
            ),
            Op::Join {
                lhs,
                rhs,
                on_left,
                on_right,
                how,
                suffixes,
            } => {
                let keys = |k: &[String]| match k {
                    [one] => json!(one),
                    many => json!(many),
                };
                node(
                    "Join",
                    vec![
                        t(lhs),
                        t(rhs),
                        keys(on_left),
                        keys(on_right),
                        json!(how.name()),
                        json!(suffixes),
                    ],
                )
            }
            Op::Concat { lhs, rhs } => node("Concat", vec![t(lhs), t(rhs), json!(0)]),
            Op::Sample { child, size } => {
                let (n, frac) = match size {
                    SampleSize::Rows(n) => (json!(n), Json::Null),
                    SampleSize::Fraction(f) => (Json::Null, json!(f)),
                };
                node("Sample", vec![t(child), n, frac])
            }
            Op::Func { child, func } => match func {
                Func::Find { sub } => node("StrFind", vec![t(child), json!(sub)]),
                Func::Replace { old, new, max } => node(
                    "Replace",
                    vec![t(child), json!(old), json!(new), json!(max)],
                ),
                Func::Pad {
                    width,
                    side,
                    fillchar,
                } => node(
                    "Pad",
                    vec![t(child), json!(width), json!(side.name()), json!(fillchar)],
                ),
                Func::Substring(index) => node("StrSlice", vec![t(child), index_json(index)]),
                Func::SliceReplace { start, stop, repl } => node(
                    "SliceReplace",
                    vec![t(child), json!(start), json!(stop), json!(repl)],
                ),
                Func::Strftime { format } => node("strftime", vec![t(child), json!(format)]),
                Func::RoundTime { mode, micros } => node(
                    &camel_case(mode.name()),
                    vec![t(child), json!(crate::func::frequency_text(*micros))],
                ),
                Func::Truncate { measure, unit } => node(
                    "DateTimeTruncate",
                    vec![t(child), json!(measure), json!(unit.name())],
                ),
            },
            Op::StrCat { lhs, rhs, sep } => node("StrCat", vec![t(lhs), t(rhs), json!(sep)]),
            Op::Window { func, child, by } => {
                let by = Json::Array(by.iter().map(t).collect());
                match func {
                    WindowFn::Shift(n) => node("Shift", vec![t(child), json!(n), by]),
                    WindowFn::Rank { ascending, method } => node(
                        "rank",
                        vec![t(child), json!(ascending), json!(method.name()), by],
                    ),
                    _ => node(crate::types::window_name(*func), vec![t(child), by]),
                }
            }
        }
    }

    /// An operand of a binary operator: a constant as itself, as Blaze writes them.
    fn operand(&self, expr: &Expr) -> Json {
        match expr.op() {
            Op::Literal(value) => value_json(value),
            _ => self.tree(expr),
        }
    }
}

/// A reduction's arguments as Blaze writes them: the child, the parameter of `var`, `std`
/// and `quantile`, the axes and `keepdims`.
fn reduction_args(child: Json, op: Reduction, axes: &[usize], keepdims: bool) -> Vec<Json> {
    let mut args = vec![child];
    match op {
        Reduction::Var { unbiased } | Reduction::Std { unbiased } => args.push(json!(unbiased)),
        Reduction::Quantile { q } => args.push(json!(q)),
        _ => {}
    }
    args.extend([json!(axes), json!(keepdims)]);
    args
}

/// A slice's index: an integer, or `{"op": "slice", "args": [start, stop, step]}`.
fn index_json(index: &Index) -> Json {
    match index {
        Index::At(i) => json!(i),
        Index::Range { start, stop, step } => json!({"op": "slice", "args": [start, stop, step]}),
    }
}

/// A date part's op, as Blaze names its classes: the properties in camel case (`Year`), the
/// `.dt` methods as written (`weekday_name`, `total_seconds`).
fn date_part_op(part: DatePart) -> String {
    let name = crate::build::date_part_name(part);
    if DATE_PARTS.iter().any(|(_, p)| *p == part) {
        camel_case(name)
    } else {
        name.to_owned()
    }
}

/// The date part an op names: Blaze's class names, every alias of the `.dt` methods
/// (`dayofweek`), and the camel case this format once wrote for all of them (`WeekdayName`).
fn date_part_by_op(op: &str) -> Option<DatePart> {
    let properties = DATE_PARTS.len();
    DT_PARTS
        .iter()
        .enumerate()
        .find(|(i, (n, _))| camel_case(n) == op || (*i >= properties && *n == op))
        .map(|(_, (_, part))| *part)
}

/// `is_month_start` as `IsMonthStart`.
fn camel_case(name: &str) -> String {
    name.split('_')
        .map(|word| word[..1].to_uppercase() + &word[1..])
        .collect()
}

fn datashape(dshape: &DataShape) -> Json {
    json!({"__!datashape": dshape.to_string()})
}

fn value_json(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(x) => json!(x),
        Value::Str(s) => json!(s),
    }
}

struct Reader<'a> {
    namespace: &'a Namespace,
}

/// The arguments of one node, read in order.
struct Args<'j> {
    op: &'j str,
    args: &'j [Json],
}

impl<'j> Args<'j> {
    fn get(&self, i: usize) -> Option<&'j Json> {
        self.args.get(i).filter(|a| !a.is_null())
    }

    fn required(&self, i: usize, what: &str) -> Result<&'j Json> {
        self.get(i)
            .ok_or_else(|| tree_error(format!("{} needs argument {} ({what})", self.op, i + 1)))
    }

    fn string(&self, i: usize, what: &str) -> Result<&'j str> {
        let arg = self.required(i, what)?;
        arg.as_str()
            .ok_or_else(|| tree_error(format!("{}: {what} must be a string, not {arg}", self.op)))
    }

    fn strings(&self, i: usize, what: &str) -> Result<Vec<String>> {
        match self.get(i) {
            None => Ok(Vec::new()),
            Some(Json::String(s)) => Ok(vec![s.clone()]),
            Some(Json::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_owned).ok_or_else(|| {
                        tree_error(format!("{}: {what} must be strings, not {item}", self.op))
                    })
                })
                .collect(),
            Some(other) => Err(tree_error(format!(
                "{}: {what} must be a string or a list of them, not {other}",
                self.op
            ))),
        }
    }

    fn boolean(&self, i: usize, default: bool) -> Result<bool> {
        match self.get(i) {
            None => Ok(default),
            Some(Json::Bool(b)) => Ok(*b),
            Some(other) => Err(tree_error(format!(
                "{}: argument {} must be true or false, not {other}",
                self.op,
                i + 1
            ))),
        }
    }

    fn integer(&self, i: usize, what: &str) -> Result<i64> {
        let arg = self.required(i, what)?;
        arg.as_i64()
            .ok_or_else(|| tree_error(format!("{}: {what} must be an integer, not {arg}", self.op)))
    }

    /// Integers: one, or a list of them.
    fn integers(&self, i: usize, what: &str) -> Result<Vec<i64>> {
        match self.get(i) {
            Some(Json::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_i64().ok_or_else(|| {
                        tree_error(format!("{}: {what} are integers, not {item}", self.op))
                    })
                })
                .collect(),
            _ => Ok(vec![self.integer(i, what)?]),
        }
    }

    fn dshape(&self, i: usize) -> Result<DataShape> {
        let arg = self.required(i, "a datashape")?;
        let text = arg
            .get("__!datashape")
            .and_then(Json::as_str)
            .or_else(|| arg.as_str())
            .ok_or_else(|| tree_error(format!("{}: expected a datashape, not {arg}", self.op)))?;
        blaze_datashape::parse(text)
            .map_err(|e| tree_error(format!("{}: datashape '{text}': {e}", self.op)))
    }
}

impl Reader<'_> {
    fn expr(&self, tree: &Json) -> Result<Expr> {
        match tree {
            Json::String(name) => self.namespace.get(name).cloned().ok_or_else(|| {
                let bound: Vec<&str> = self.namespace.names().collect();
                tree_error(format!(
                    "unknown name '{name}' (bound: {})",
                    if bound.is_empty() {
                        "nothing".to_owned()
                    } else {
                        bound.join(", ")
                    }
                ))
            }),
            Json::Object(node) => {
                let op = node.get("op").and_then(Json::as_str).ok_or_else(|| {
                    tree_error(format!("an expression node needs an \"op\": {tree}"))
                })?;
                let args = match node.get("args") {
                    None => &[][..],
                    Some(Json::Array(args)) => args.as_slice(),
                    Some(other) => {
                        return Err(tree_error(format!(
                            "{op}: \"args\" must be a list, not {other}"
                        )));
                    }
                };
                self.node(Args { op, args })
            }
            other => Ok(literal(json_value(other)?)),
        }
    }

    /// An operand of an operator: a string is a bound name, or else a string constant (as
    /// Blaze reads them).
    fn operand(&self, tree: &Json) -> Result<Expr> {
        match tree {
            Json::String(text) if self.namespace.get(text).is_none() => {
                Ok(literal(Value::Str(text.clone())))
            }
            other => self.expr(other),
        }
    }

    /// A child argument: an expression tree or a name (constants are operands only).
    fn child(&self, args: &Args<'_>, i: usize) -> Result<Expr> {
        self.expr(args.required(i, "an expression")?)
    }

    fn node(&self, a: Args<'_>) -> Result<Expr> {
        let op = a.op;
        if let Some(binary) = binary_by_name(op) {
            let lhs = self.operand(a.args.first().unwrap_or(&Json::Null))?;
            let rhs = self.operand(a.args.get(1).unwrap_or(&Json::Null))?;
            return Expr::binary(binary, &lhs, &rhs);
        }
        if let Some(part) = date_part_by_op(op) {
            return self.child(&a, 0)?.unary(UnaryOp::DatePart(part));
        }
        if let Some((_, f)) = MATH.iter().find(|(n, _)| *n == op) {
            return self.child(&a, 0)?.unary(UnaryOp::Math(*f));
        }
        if let Some(f) = string_function(op) {
            return self.child(&a, 0)?.unary(UnaryOp::Str(f));
        }
        if let Some((reduction, axes, keepdims)) = reduction(op, &a)? {
            return self.child(&a, 0)?.reduce_axes(reduction, axes, keepdims);
        }
        match op {
            "Symbol" => {
                let name = a.string(0, "the symbol's name")?;
                Ok(symbol(name, a.dshape(1)?))
            }
            "Literal" => {
                let value = a.args.first().unwrap_or(&Json::Null);
                Ok(literal(json_value(value)?))
            }
            "Field" => self.child(&a, 0)?.field(a.string(1, "a field name")?),
            "Projection" => self.child(&a, 0)?.project(&a.strings(1, "field names")?),
            "Selection" => self.child(&a, 0)?.select(&self.child(&a, 1)?),
            "Slice" => match a.required(1, "an index")? {
                // One index per axis: `null` a new axis, a list the positions picked.
                Json::Array(items) => {
                    let indices = items
                        .iter()
                        .map(|i| match i {
                            Json::Null => Ok(AxisIndex::NewAxis),
                            Json::Array(positions) => positions
                                .iter()
                                .map(|p| {
                                    p.as_i64().ok_or_else(|| {
                                        tree_error(format!("positions are integers, not {p}"))
                                    })
                                })
                                .collect::<Result<Vec<_>>>()
                                .map(AxisIndex::Take),
                            index => slice_index(index).map(AxisIndex::Index),
                        })
                        .collect::<Result<Vec<_>>>()?;
                    self.child(&a, 0)?.slice_axes(indices)
                }
                index => self.child(&a, 0)?.slice(slice_index(index)?),
            },
            "Head" | "Tail" => {
                let n = match a.get(1) {
                    None => 10,
                    Some(_) => a.integer(1, "a count of rows")?.max(0) as u64,
                };
                let child = self.child(&a, 0)?;
                if op == "Head" {
                    child.head(n)
                } else {
                    child.tail(n)
                }
            }
            "Sort" => {
                let child = self.child(&a, 0)?;
                let keys = match a.get(1) {
                    None => Vec::new(),
                    Some(Json::String(name)) => vec![child.field(name)?],
                    Some(Json::Array(items)) => items
                        .iter()
                        .map(|item| match item {
                            Json::String(name) => child.field(name),
                            other => self.expr(other),
                        })
                        .collect::<Result<_>>()?,
                    Some(other) => vec![self.expr(other)?],
                };
                child.sort(keys, a.boolean(2, true)?)
            }
            "Distinct" => self.child(&a, 0)?.distinct(a.strings(1, "field names")?),
            "Label" => Ok(self.child(&a, 0)?.label(a.string(1, "a label")?)),
            "ReLabel" => {
                let pairs = match a.get(1) {
                    Some(Json::Array(items)) => items
                        .iter()
                        .map(|pair| match pair.as_array().map(Vec::as_slice) {
                            Some([Json::String(old), Json::String(new)]) => {
                                Ok((old.clone(), new.clone()))
                            }
                            _ => Err(tree_error(format!(
                                "ReLabel: labels are [old, new] pairs, not {pair}"
                            ))),
                        })
                        .collect::<Result<_>>()?,
                    Some(Json::Object(map)) => map
                        .iter()
                        .map(|(old, new)| {
                            new.as_str()
                                .map(|n| (old.clone(), n.to_owned()))
                                .ok_or_else(|| tree_error("ReLabel: new names are strings"))
                        })
                        .collect::<Result<_>>()?,
                    _ => return Err(tree_error("ReLabel needs a list of [old, new] pairs")),
                };
                self.child(&a, 0)?.relabel(pairs)
            }
            "USub" | "Neg" => self.child(&a, 0)?.unary(UnaryOp::Neg),
            "Not" | "Invert" => self.child(&a, 0)?.unary(UnaryOp::Not),
            "isnull" => self.child(&a, 0)?.unary(UnaryOp::IsNull),
            "notnull" => self.child(&a, 0)?.unary(UnaryOp::NotNull),
            "UTCFromTimestamp" => self.child(&a, 0)?.unary(UnaryOp::FromTimestamp),
            "Summary" => {
                let child = self.child(&a, 0)?;
                let names = a.strings(1, "the names of the values")?;
                let values = match a.get(2) {
                    Some(Json::Array(values)) => values
                        .iter()
                        .map(|v| self.expr(v))
                        .collect::<Result<Vec<_>>>()?,
                    _ => return Err(tree_error("Summary needs a list of values")),
                };
                if names.len() != values.len() {
                    return Err(tree_error("Summary has as many names as values"));
                }
                child.summary(names.into_iter().zip(values).collect())
            }
            "By" => {
                let grouper = self.child(&a, 0)?;
                let summary = self.child(&a, 1)?;
                let Op::Summary { values, .. } = summary.op() else {
                    return Err(tree_error("By's second argument is a Summary"));
                };
                by(&grouper, values.clone())
            }
            "IsIn" if a.required(1, "the values")?.get("op").is_some() => {
                self.child(&a, 0)?.isin_column(&self.child(&a, 1)?)
            }
            "IsIn" => {
                let keys = a.required(1, "the values")?;
                let keys = keys.get("__!frozenset").unwrap_or(keys);
                let values = match keys {
                    Json::Array(items) => items.iter().map(json_value).collect::<Result<_>>()?,
                    other => {
                        return Err(tree_error(format!(
                            "IsIn: the values are a list, not {other}"
                        )));
                    }
                };
                self.child(&a, 0)?.isin(values)
            }
            "Like" => self.child(&a, 0)?.like(a.string(1, "a pattern")?),
            "Coerce" => self.child(&a, 0)?.coerce(a.dshape(1)?),
            "Cast" => self.child(&a, 0)?.cast(a.dshape(1)?),
            "Coalesce" => {
                let lhs = self.operand(a.args.first().unwrap_or(&Json::Null))?;
                coalesce(&lhs, &self.operand(a.args.get(1).unwrap_or(&Json::Null))?)
            }
            "Merge" => match a.get(0) {
                Some(Json::Array(columns)) => merge(
                    columns
                        .iter()
                        .map(|c| self.expr(c))
                        .collect::<Result<_>>()?,
                ),
                _ => merge(a.args.iter().map(|c| self.expr(c)).collect::<Result<_>>()?),
            },
            "Join" => {
                let how = match a.get(4) {
                    None => None,
                    Some(_) => Some(JoinKind::from_name(a.string(4, "how")?)?),
                };
                let suffixes = match a.get(5) {
                    None => None,
                    Some(_) => {
                        let s = a.strings(5, "suffixes")?;
                        Some(
                            <[String; 2]>::try_from(s)
                                .map_err(|_| tree_error("Join: suffixes are two strings"))?,
                        )
                    }
                };
                let spec = JoinSpec {
                    on_left: a.strings(2, "the left keys")?,
                    on_right: a.strings(3, "the right keys")?,
                    how,
                    suffixes,
                };
                join(&self.child(&a, 0)?, &self.child(&a, 1)?, spec)
            }
            "Concat" => {
                if a.get(2).is_some_and(|axis| axis != &json!(0)) {
                    return Err(tree_error("Concat: only axis 0 (rows) is supported"));
                }
                concat(&self.child(&a, 0)?, &self.child(&a, 1)?)
            }
            "Sample" => {
                let size = match (a.get(1), a.get(2)) {
                    (Some(_), None) => SampleSize::Rows(a.integer(1, "n")?.max(0) as u64),
                    (None, Some(frac)) => SampleSize::Fraction(frac.as_f64().ok_or_else(|| {
                        tree_error(format!("Sample: frac is a number, not {frac}"))
                    })?),
                    _ => return Err(tree_error("Sample takes exactly one of n and frac")),
                };
                self.child(&a, 0)?.sample(size)
            }
            "Shift" => {
                let n = match a.get(1) {
                    None => 1,
                    Some(_) => a.integer(1, "n")?,
                };
                self.child(&a, 0)?
                    .window(WindowFn::Shift(n), self.exprs(a.get(2))?)
            }
            "cumsum" | "cummin" | "cummax" => {
                let func = match op {
                    "cumsum" => WindowFn::CumSum,
                    "cummin" => WindowFn::CumMin,
                    _ => WindowFn::CumMax,
                };
                self.child(&a, 0)?.window(func, self.exprs(a.get(1))?)
            }
            "rank" => {
                let method = match a.get(2) {
                    None => RankMethod::Min,
                    Some(_) => {
                        let name = a.string(2, "the rank method")?;
                        RankMethod::from_name(name).ok_or_else(|| {
                            tree_error(format!(
                                "rank's method is one of 'min', 'dense', 'first', not '{name}'"
                            ))
                        })?
                    }
                };
                let ascending = a.boolean(1, true)?;
                self.child(&a, 0)?
                    .window(WindowFn::Rank { ascending, method }, self.exprs(a.get(3))?)
            }
            "CumSum" | "CumProd" => {
                let axis = match a.get(1) {
                    None => None,
                    Some(_) => match a.integers(1, "axis")?[..] {
                        [axis] => Some(axis),
                        _ => return Err(tree_error(format!("{op}: axis is one integer or null"))),
                    },
                };
                self.child(&a, 0)?.cumulative(axis, op == "CumProd")
            }
            "Transpose" => {
                let axes = match a.get(1) {
                    None => Vec::new(),
                    Some(_) => a.integers(1, "axes")?,
                };
                self.child(&a, 0)?.transpose(axes)
            }
            "TensorDot" => self.child(&a, 0)?.tensordot(
                &self.child(&a, 1)?,
                a.integers(2, "the left axes")?,
                a.integers(3, "the right axes")?,
            ),
            "StrFind" => self.child(&a, 0)?.func(Func::Find {
                sub: a.string(1, "the text to find")?.to_owned(),
            }),
            "Replace" => {
                let max = match a.get(3) {
                    None => None,
                    Some(_) => u64::try_from(a.integer(3, "max")?).ok(),
                };
                self.child(&a, 0)?.func(Func::Replace {
                    old: a.string(1, "the text to replace")?.to_owned(),
                    new: a.string(2, "the replacement")?.to_owned(),
                    max,
                })
            }
            "Pad" => {
                let side = match a.get(2) {
                    None => PadSide::Left,
                    Some(_) => PadSide::from_name(a.string(2, "the side")?)?,
                };
                let fillchar = match a.get(3) {
                    None => ' ',
                    Some(_) => {
                        let text = a.string(3, "the fill character")?;
                        let mut chars = text.chars();
                        match (chars.next(), chars.next()) {
                            (Some(c), None) => c,
                            _ => return Err(tree_error("Pad: fillchar is one character")),
                        }
                    }
                };
                let width = a.integer(1, "the width")?;
                self.child(&a, 0)?.func(Func::Pad {
                    width: u64::try_from(width)
                        .map_err(|_| tree_error("Pad: the width is not negative"))?,
                    side,
                    fillchar,
                })
            }
            "StrSlice" => {
                let index = slice_index(a.required(1, "an index")?)?;
                self.child(&a, 0)?.func(Func::Substring(index))
            }
            "SliceReplace" => {
                let position = |i: usize| a.get(i).map(|_| a.integer(i, "a position")).transpose();
                self.child(&a, 0)?.func(Func::SliceReplace {
                    start: position(1)?,
                    stop: position(2)?,
                    repl: match a.get(3) {
                        None => String::new(),
                        Some(_) => a.string(3, "the replacement")?.to_owned(),
                    },
                })
            }
            "Strftime" | "strftime" => self.child(&a, 0)?.func(Func::Strftime {
                format: a.string(1, "the format")?.to_owned(),
            }),
            // Earlier versions of this tree format wrote `DateTimeFloor`...
            "Floor" | "Ceil" | "Round" | "DateTimeFloor" | "DateTimeCeil" | "DateTimeRound" => {
                let mode = match op {
                    "Floor" | "DateTimeFloor" => RoundMode::Floor,
                    "Ceil" | "DateTimeCeil" => RoundMode::Ceil,
                    _ => RoundMode::Round,
                };
                let micros = parse_frequency(a.string(1, "the frequency")?)?;
                self.child(&a, 0)?.func(Func::RoundTime { mode, micros })
            }
            "DateTimeTruncate" => {
                let measure = a.integer(1, "the measure")?;
                self.child(&a, 0)?.func(Func::Truncate {
                    measure: u64::try_from(measure)
                        .map_err(|_| tree_error("DateTimeTruncate: the measure is positive"))?,
                    unit: DateUnit::from_name(a.string(2, "the unit")?)?,
                })
            }
            "StrCat" | "str_cat" => {
                let sep = match a.get(2) {
                    None => "",
                    Some(_) => a.string(2, "the separator")?,
                };
                self.child(&a, 0)?.str_cat(&self.child(&a, 1)?, sep)
            }
            _ => Err(tree_error(format!("unknown expression node '{op}'"))),
        }
    }

    /// Expressions given as one tree or a list of them (none when absent).
    fn exprs(&self, arg: Option<&Json>) -> Result<Vec<Expr>> {
        match arg {
            None => Ok(Vec::new()),
            Some(Json::Array(items)) => items.iter().map(|i| self.expr(i)).collect(),
            Some(one) => Ok(vec![self.expr(one)?]),
        }
    }
}

/// The reduction named `op`, with its parameters, axes and `keepdims` read from `args`;
/// `None` for other nodes.
fn reduction(op: &str, args: &Args<'_>) -> Result<Option<(Reduction, Vec<i64>, bool)>> {
    let (reduction, axis_at) = match op {
        "sum" => (Reduction::Sum, 1),
        "min" => (Reduction::Min, 1),
        "max" => (Reduction::Max, 1),
        "mean" => (Reduction::Mean, 1),
        "any" => (Reduction::Any, 1),
        "all" => (Reduction::All, 1),
        "count" => (Reduction::Count, 1),
        "nunique" => (Reduction::Nunique, 1),
        "nelements" => (Reduction::Nelements, 1),
        "median" => (Reduction::Median, 1),
        "prod" => (Reduction::Prod, 1),
        "argmin" => (Reduction::ArgMin, 1),
        "argmax" => (Reduction::ArgMax, 1),
        "var" | "std" => {
            let unbiased = args.boolean(1, false)?;
            let r = if op == "var" {
                Reduction::Var { unbiased }
            } else {
                Reduction::Std { unbiased }
            };
            (r, 2)
        }
        "quantile" => {
            let q = args.required(1, "q")?;
            let q = q
                .as_f64()
                .ok_or_else(|| tree_error(format!("quantile: q is a number, not {q}")))?;
            (Reduction::Quantile { q }, 2)
        }
        _ => return Ok(None),
    };
    let axes = match args.get(axis_at) {
        None => Vec::new(),
        Some(Json::Array(axes)) => axes
            .iter()
            .map(|a| {
                a.as_i64()
                    .ok_or_else(|| tree_error(format!("{op}: axes are integers, not {a}")))
            })
            .collect::<Result<_>>()?,
        Some(_) => vec![args.integer(axis_at, "an axis")?],
    };
    Ok(Some((reduction, axes, args.boolean(axis_at + 1, false)?)))
}

/// The string method named `op`: Blaze's `str_upper`, also `StrUpper` and `upper`, and the
/// predicates by their own names (`isdigit`).
fn string_function(op: &str) -> Option<StrFn> {
    let name = op
        .strip_prefix("str_")
        .map(str::to_owned)
        .or_else(|| op.strip_prefix("Str").map(str::to_lowercase))
        .unwrap_or_else(|| op.to_owned());
    STR.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// An index of `Slice`: an integer, or `{"op": "slice", "args": [start, stop, step]}`.
fn slice_index(index: &Json) -> Result<Index> {
    if let Some(i) = index.as_i64() {
        return Ok(Index::At(i));
    }
    let bound = |v: Option<&Json>| -> Result<Option<i64>> {
        match v {
            None | Some(Json::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| tree_error(format!("slice bounds are integers, not {v}"))),
        }
    };
    match (index.get("op").and_then(Json::as_str), index.get("args")) {
        (Some("slice" | "_slice"), Some(Json::Array(parts))) => Ok(Index::Range {
            start: bound(parts.first())?,
            stop: bound(parts.get(1))?,
            step: bound(parts.get(2))?,
        }),
        _ => Err(tree_error(format!(
            "Slice: the index is an integer or a slice, not {index}"
        ))),
    }
}

/// A constant from JSON; the tagged forms of §4.6 for dates and times become their text, which
/// compares with date columns.
pub fn json_value(json: &Json) -> Result<Value> {
    Ok(match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => Value::Str(s.clone()),
        Json::Object(map) => match map.iter().next() {
            Some((tag, Json::String(text)))
                if map.len() == 1 && matches!(tag.as_str(), "__!datetime" | "__!date") =>
            {
                Value::Str(text.clone())
            }
            _ => return Err(tree_error(format!("not a constant: {json}"))),
        },
        Json::Array(_) => return Err(tree_error(format!("not a constant: {json}"))),
    })
}

fn tree_error(message: impl Into<String>) -> Error {
    Error::typing(format!("expression tree: {}", message.into()))
}
