//! Expressions over a MongoDB collection as an aggregation pipeline, for the nodes a pipeline
//! expresses with the local engine's meaning: selections comparing fields with constants
//! (`$match`; a missing value never matches, as in SQL), projections and fields (`$project`),
//! `head` and slices (`$skip`, `$limit`), sorts and group-bys on fields that are never missing
//! (`$sort`; `$group` and `$project`), and the reductions that ignore missing values alike.
//! Anything else runs locally over the documents the longest pushable part gives.

use blaze_datashape::Measure;
use blaze_expr::{BinaryOp, Expr, Index, Op, Reduction, UnaryOp, Value};
use serde_json::{Map, Value as Json, json};

use super::{DatabaseTables, Language, Local, Pushdown};
use crate::compile::{base, output_name, reductions};

/// A pipeline and the fields of the documents it gives.
struct Stages {
    stages: Vec<Json>,
    fields: Vec<String>,
}

/// `expr` as an aggregation pipeline of the collection its table is.
pub(crate) fn compile(expr: &Expr, tables: &DatabaseTables) -> Pushdown<Vec<Json>> {
    let mut pipeline = Pipeline { tables }.stages(expr)?;
    let mut project = Map::new();
    project.insert("_id".into(), json!(0));
    for field in &pipeline.fields {
        project.insert(field.clone(), json!(1));
    }
    pipeline.stages.push(json!({ "$project": project }));
    Ok(pipeline.stages)
}

struct Pipeline<'a> {
    tables: &'a DatabaseTables,
}

/// A field name a pipeline can refer to (`$name`).
fn path(field: &str) -> Pushdown<String> {
    if field.is_empty() || field.contains('.') || field.starts_with('$') {
        return Err(Local(format!("the field name '{field}' in a pipeline")));
    }
    Ok(field.to_owned())
}

/// Whether values of `expr` may be missing (`?T`).
fn optional(expr: &Expr) -> bool {
    matches!(expr.dshape().measure(), Measure::Option(_))
}

/// A constant as a pipeline writes it (not dates: collections hold them in several forms).
fn constant(value: &Value, of: &Expr) -> Pushdown<Json> {
    if matches!(base(of.dshape()), Measure::Date | Measure::DateTime { .. }) {
        return Err(Local("dates compared in a pipeline".into()));
    }
    Ok(match value {
        Value::Null => return Err(Local("None compared in a pipeline".into())),
        Value::Bool(b) => json!(b),
        Value::Int(i) => json!(i),
        Value::Float(x) => json!(x),
        Value::Str(s) => json!(s),
    })
}

impl Pipeline<'_> {
    /// The field `expr` is, of the rows of `rows`.
    fn field(&self, expr: &Expr, rows: &Expr) -> Pushdown<String> {
        match expr.op() {
            Op::Field { child, field } if child == rows => path(field),
            _ if expr == rows && expr.fields().is_empty() => path(output_name(expr)),
            _ => Err(Local(format!("{expr} is not a field in a pipeline"))),
        }
    }

    fn stages(&self, expr: &Expr) -> Pushdown<Stages> {
        if expr.dshape().dims().is_empty() && !reductions(expr).is_empty() {
            let values = match expr.op() {
                Op::Summary { values, .. } => values.clone(),
                _ => vec![(output_name(expr).to_owned(), expr.clone())],
            };
            let rows = crate::compile::reduced_rows(&values).ok_or_else(super::different_rows)?;
            return self.group(&rows, &[], &values);
        }
        if self
            .tables
            .table_of(expr)
            .is_some_and(|t| matches!(t.language, Language::Mongo))
        {
            let fields = expr
                .fields()
                .into_iter()
                .map(path)
                .collect::<Pushdown<_>>()?;
            return Ok(Stages {
                stages: Vec::new(),
                fields,
            });
        }
        match expr.op() {
            Op::Selection { child, predicate } => {
                let mut pipeline = self.stages(child)?;
                let condition = self.condition(predicate, child)?;
                pipeline.stages.push(json!({ "$match": condition }));
                Ok(pipeline)
            }
            Op::Projection { child, fields } if child == expr.rows() => {
                let mut pipeline = self.stages(child)?;
                pipeline.fields = fields.clone();
                Ok(pipeline)
            }
            Op::Field { child, field } if child == expr.rows() => {
                let mut pipeline = self.stages(child)?;
                pipeline.fields = vec![path(field)?];
                Ok(pipeline)
            }
            Op::Head { child, n } => {
                let mut pipeline = self.stages(child)?;
                pipeline.stages.push(json!({ "$limit": n }));
                Ok(pipeline)
            }
            Op::Slice {
                child,
                index:
                    Index::Range {
                        start,
                        stop,
                        step: None | Some(1),
                    },
            } if start.unwrap_or(0) >= 0 && stop.is_none_or(|s| s >= 0) => {
                let mut pipeline = self.stages(child)?;
                let start = start.unwrap_or(0);
                if start > 0 {
                    pipeline.stages.push(json!({ "$skip": start }));
                }
                if let Some(stop) = stop {
                    // `$limit` takes positive counts only.
                    let count = (stop - start).max(0);
                    if count == 0 {
                        return Err(Local("an empty slice".into()));
                    }
                    pipeline.stages.push(json!({ "$limit": count }));
                }
                Ok(pipeline)
            }
            Op::Sort {
                child,
                keys,
                ascending,
            } => {
                let mut pipeline = self.stages(child)?;
                let mut sort = Map::new();
                for key in keys {
                    // MongoDB sorts missing values first; the local engine, last.
                    if optional(key) {
                        return Err(Local(format!("a sort by {key}, which may be missing")));
                    }
                    sort.insert(
                        self.field(key, child)?,
                        json!(if *ascending { 1 } else { -1 }),
                    );
                }
                pipeline.stages.push(json!({ "$sort": sort }));
                Ok(pipeline)
            }
            Op::By { grouper, summary } => {
                let Op::Summary { values, .. } = summary.op() else {
                    unreachable!("by holds a summary")
                };
                let rows = grouper.rows();
                let keys: Vec<Expr> = if grouper.fields().is_empty() {
                    vec![grouper.clone()]
                } else {
                    grouper
                        .fields()
                        .into_iter()
                        .map(|f| grouper.field(f).map_err(|e| Local(e.to_string())))
                        .collect::<Pushdown<_>>()?
                };
                self.group(rows, &keys, values)
            }
            _ => Err(Local(format!("no pipeline stage for {expr}"))),
        }
    }

    /// `$group` of the rows of `rows` by the fields `keys` (never missing: MongoDB groups a
    /// missing field apart from null), with each named value a reduction of a field.
    fn group(&self, rows: &Expr, keys: &[Expr], values: &[(String, Expr)]) -> Pushdown<Stages> {
        let mut pipeline = self.stages(rows)?;
        let mut id = Map::new();
        let mut project = Map::new();
        project.insert("_id".into(), json!(0));
        let mut fields = Vec::new();
        for key in keys {
            if optional(key) {
                return Err(Local(format!("a group-by on {key}, which may be missing")));
            }
            let field = self.field(key, rows)?;
            id.insert(field.clone(), json!(format!("${field}")));
            // One key is the group's `_id` itself, several a document of them.
            let value = if keys.len() == 1 {
                "$_id".to_owned()
            } else {
                format!("$_id.{field}")
            };
            project.insert(field.clone(), json!(value));
            fields.push(field);
        }
        let mut group = Map::new();
        let group_id = match (keys.len(), id.values().next()) {
            (0, _) => Json::Null,
            (1, Some(only)) => only.clone(),
            _ => Json::Object(id),
        };
        group.insert("_id".into(), group_id);
        for (name, value) in values {
            let name = path(name)?;
            group.insert(name.clone(), self.accumulator(value, rows)?);
            project.insert(name.clone(), json!(1));
            fields.push(name);
        }
        pipeline.stages.push(json!({ "$group": group }));
        pipeline.stages.push(json!({ "$project": project }));
        pipeline.fields = fields;
        Ok(pipeline)
    }

    /// A reduction of a field as a `$group` accumulator, where MongoDB's meaning is the local
    /// engine's: `$min` and `$max` skip missing values as SQL does; sums, means and counts are
    /// of fields never missing (a sum of none is 0 in MongoDB, and the emulator the tests use
    /// averages missing values as 0).
    fn accumulator(&self, value: &Expr, rows: &Expr) -> Pushdown<Json> {
        let Op::Reduction { op, child } = value.op() else {
            return Err(Local(format!("{value} in a pipeline's group")));
        };
        if !child.fields().is_empty() {
            return match op {
                Reduction::Count | Reduction::Nelements => Ok(json!({ "$sum": 1 })),
                _ => Err(Local(format!("{value} in a pipeline"))),
            };
        }
        let field = format!("${}", self.field(child, rows)?);
        let numeric = base(child.dshape()).is_numeric();
        Ok(match op {
            Reduction::Min if numeric => json!({ "$min": field }),
            Reduction::Max if numeric => json!({ "$max": field }),
            Reduction::Mean if numeric && !optional(child) => json!({ "$avg": field }),
            Reduction::Sum if numeric && !optional(child) => json!({ "$sum": field }),
            Reduction::Count | Reduction::Nelements if !optional(child) => json!({ "$sum": 1 }),
            _ => return Err(Local(format!("{value} in a pipeline"))),
        })
    }

    /// A predicate over the rows of `rows` as a `$match` condition.
    fn condition(&self, predicate: &Expr, rows: &Expr) -> Pushdown<Json> {
        match predicate.op() {
            Op::Binary { op, lhs, rhs } => {
                let (field, value, op) = match (lhs.op(), rhs.op()) {
                    (_, Op::Literal(v)) => (self.field(lhs, rows)?, constant(v, lhs)?, *op),
                    (Op::Literal(v), _) => (self.field(rhs, rows)?, constant(v, rhs)?, flip(*op)),
                    _ if matches!(op, BinaryOp::And | BinaryOp::Or) => {
                        let name = if *op == BinaryOp::And { "$and" } else { "$or" };
                        let both = [self.condition(lhs, rows)?, self.condition(rhs, rows)?];
                        return Ok(json!({ name: both }));
                    }
                    _ => return Err(Local(format!("{predicate} in a pipeline"))),
                };
                let test = match op {
                    BinaryOp::Eq => json!({ "$eq": value }),
                    // A missing value is not different from anything, as in SQL.
                    BinaryOp::Ne => json!({ "$nin": [value, Json::Null] }),
                    BinaryOp::Lt => json!({ "$lt": value }),
                    BinaryOp::Le => json!({ "$lte": value }),
                    BinaryOp::Gt => json!({ "$gt": value }),
                    BinaryOp::Ge => json!({ "$gte": value }),
                    _ => return Err(Local(format!("{predicate} in a pipeline"))),
                };
                Ok(json!({ field: test }))
            }
            Op::IsIn { child, values } => {
                let values = values
                    .iter()
                    .map(|v| constant(v, child))
                    .collect::<Pushdown<Vec<_>>>()?;
                Ok(json!({ self.field(child, rows)?: { "$in": values } }))
            }
            Op::Unary {
                op: UnaryOp::IsNull,
                child,
            } => Ok(json!({ self.field(child, rows)?: Json::Null })),
            Op::Unary {
                op: UnaryOp::NotNull,
                child,
            } => Ok(json!({ self.field(child, rows)?: { "$nin": [Json::Null] } })),
            Op::Field { .. } if matches!(base(predicate.dshape()), Measure::Bool) => {
                Ok(json!({ self.field(predicate, rows)?: true }))
            }
            _ => Err(Local(format!("{predicate} in a pipeline"))),
        }
    }
}

/// `op` with its operands swapped (`1 < x` is `x > 1`).
fn flip(op: BinaryOp) -> BinaryOp {
    match op {
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::Le => BinaryOp::Ge,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::Ge => BinaryOp::Le,
        other => other,
    }
}
