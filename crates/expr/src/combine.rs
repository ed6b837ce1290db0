//! Building expressions from several others: joins, concatenation, merged columns and
//! `coalesce`, with the original's naming rules (`spec/blaze.md` §1.2, §1.3).

use blaze_datashape::{DataShape, Dim, Record, promote};

use crate::error::{Error, Result};
use crate::expr::{Expr, JoinKind, Op};
use crate::types::{element, record_of, with_dims};

/// Join keys and options, as the user gave them; [`join`] fills in the defaults.
#[derive(Clone, Debug, Default)]
pub struct JoinSpec {
    /// Key columns of the left table; the columns both tables have when empty.
    pub on_left: Vec<String>,
    /// Key columns of the right table; the left keys' names when empty.
    pub on_right: Vec<String>,
    /// Which unmatched rows are kept (`inner` when not given).
    pub how: Option<JoinKind>,
    /// Suffixes for non-key columns both tables have (`_left`, `_right` when not given).
    pub suffixes: Option<[String; 2]>,
}

impl JoinKind {
    /// The kind named `how`: `inner`, `left`, `right` or `outer`.
    pub fn from_name(how: &str) -> Result<JoinKind> {
        Ok(match how {
            "inner" => JoinKind::Inner,
            "left" => JoinKind::Left,
            "right" => JoinKind::Right,
            "outer" => JoinKind::Outer,
            _ => {
                return Err(Error::typing(format!(
                    "how must be one of 'inner', 'left', 'right', 'outer', not '{how}'"
                )));
            }
        })
    }

    /// The kind's name, as written in `how=...`.
    pub fn name(self) -> &'static str {
        match self {
            JoinKind::Inner => "inner",
            JoinKind::Left => "left",
            JoinKind::Right => "right",
            JoinKind::Outer => "outer",
        }
    }
}

/// Rows of `lhs` and `rhs` whose keys are equal: `join(accounts, cities, 'name')`. Columns:
/// the keys (named as on the left), the left table's other columns, then the right's; names
/// both have get the suffixes; columns of a side whose rows may be unmatched become optional.
pub fn join(lhs: &Expr, rhs: &Expr, spec: JoinSpec) -> Result<Expr> {
    let (left, right) = (joined_table(lhs)?, joined_table(rhs)?);
    let on_left = if spec.on_left.is_empty() {
        let shared: Vec<String> = left
            .names()
            .filter(|n| right.get(n).is_some())
            .map(str::to_owned)
            .collect();
        if shared.is_empty() {
            return Err(Error::typing(format!(
                "cannot join {lhs} and {rhs}: they share no column names; name the keys, as in join({lhs}, {rhs}, 'left_key', 'right_key')"
            )));
        }
        shared
    } else {
        spec.on_left
    };
    let on_right = if spec.on_right.is_empty() {
        on_left.clone()
    } else {
        spec.on_right
    };
    if on_left.len() != on_right.len() {
        return Err(Error::typing(format!(
            "join has {} left keys and {} right keys; give as many of each",
            on_left.len(),
            on_right.len()
        )));
    }
    let how = spec.how.unwrap_or(JoinKind::Inner);
    let suffixes = spec
        .suffixes
        .unwrap_or_else(|| ["_left".to_owned(), "_right".to_owned()]);
    let left_optional = matches!(how, JoinKind::Right | JoinKind::Outer);
    let right_optional = matches!(how, JoinKind::Left | JoinKind::Outer);
    let maybe_missing = |ty: &DataShape, optional: bool| {
        if optional {
            ty.clone().into_option()
        } else {
            ty.clone()
        }
    };

    let mut fields: Vec<(String, DataShape)> = Vec::new();
    for (l, r) in on_left.iter().zip(&on_right) {
        let lt = left.get(l).ok_or_else(|| lhs.unknown_field(l, left))?;
        let rt = right.get(r).ok_or_else(|| rhs.unknown_field(r, right))?;
        let ty = promote(lt, rt).map_err(|_| {
            Error::typing(format!(
                "the join keys have different types: {l}={lt} and {r}={rt}"
            ))
        })?;
        // A key is missing only where both sides' keys may be.
        let ty = if lt.is_option() && rt.is_option() {
            ty
        } else {
            ty.non_option().clone()
        };
        fields.push((l.clone(), ty));
    }
    let rest = |record: &'_ Record, keys: &[String]| -> Vec<(String, DataShape)> {
        record
            .fields()
            .iter()
            .filter(|(n, _)| !keys.contains(n))
            .cloned()
            .collect()
    };
    let (left_rest, right_rest) = (rest(left, &on_left), rest(right, &on_right));
    for (name, ty) in &left_rest {
        let clash = right_rest.iter().any(|(n, _)| n == name);
        let name = if clash {
            format!("{name}{}", suffixes[0])
        } else {
            (*name).to_owned()
        };
        fields.push((name, maybe_missing(ty, left_optional)));
    }
    for (name, ty) in &right_rest {
        let clash = left_rest.iter().any(|(n, _)| n == name) || on_left.iter().any(|k| k == name);
        let name = if clash {
            format!("{name}{}", suffixes[1])
        } else {
            (*name).to_owned()
        };
        fields.push((name, maybe_missing(ty, right_optional)));
    }
    check_unique(fields.iter().map(|(n, _)| n.as_str()))?;
    let record = DataShape::record(fields).map_err(|e| Error::typing(e.to_string()))?;
    Ok(Expr::new(
        Op::Join {
            lhs: lhs.clone(),
            rhs: rhs.clone(),
            on_left,
            on_right,
            how,
            suffixes,
        },
        with_dims(&[Dim::Var], record),
        None,
    ))
}

/// The record of a join's operand, which must be a table.
fn joined_table(side: &Expr) -> Result<&Record> {
    if side.dshape().dims().len() != 1 {
        return Err(Error::typing(format!(
            "join combines tables, and {side} is {}",
            side.dshape()
        )));
    }
    record_of(side.dshape()).ok_or_else(|| {
        Error::typing(format!(
            "join combines tables, and {side} is a column ({}); make it a table with merge({side})",
            side.dshape()
        ))
    })
}

/// The rows of `lhs` followed by those of `rhs`: `concat(jan, feb)`. Both have the same
/// fields in the same order (or are both columns), of types that promote to one.
pub fn concat(lhs: &Expr, rhs: &Expr) -> Result<Expr> {
    for side in [lhs, rhs] {
        if side.dshape().dims().len() != 1 {
            return Err(Error::typing(format!(
                "concat stacks collections of rows, and {side} is {}",
                side.dshape()
            )));
        }
    }
    let mismatch = || {
        Error::typing(format!(
            "cannot concat {lhs} ({}) and {rhs} ({}): their rows differ",
            lhs.dshape(),
            rhs.dshape()
        ))
    };
    let measure = match (record_of(lhs.dshape()), record_of(rhs.dshape())) {
        (Some(l), Some(r)) => {
            if !l.names().eq(r.names()) {
                return Err(mismatch());
            }
            let fields = l
                .fields()
                .iter()
                .zip(r.fields())
                .map(|((name, lt), (_, rt))| Ok((name.clone(), promote(lt, rt)?)))
                .collect::<std::result::Result<Vec<_>, blaze_datashape::Error>>()
                .map_err(|_| mismatch())?;
            DataShape::record(fields).map_err(|e| Error::typing(e.to_string()))?
        }
        (None, None) => {
            promote(&element(lhs.dshape()), &element(rhs.dshape())).map_err(|_| mismatch())?
        }
        _ => return Err(mismatch()),
    };
    let dim = match (&lhs.dshape().dims()[0], &rhs.dshape().dims()[0]) {
        (Dim::Fixed(a), Dim::Fixed(b)) => Dim::Fixed(a + b),
        _ => Dim::Var,
    };
    Ok(Expr::new(
        Op::Concat {
            lhs: lhs.clone(),
            rhs: rhs.clone(),
        },
        with_dims(&[dim], measure),
        lhs.name().map(str::to_owned),
    ))
}

/// Columns over the same rows side by side, as one table: `merge(t.name, z=t.x + t.y)`.
/// Each column must have a name; names must differ.
pub fn merge(columns: Vec<Expr>) -> Result<Expr> {
    let Some(first) = columns.iter().find(|c| !c.dshape().dims().is_empty()) else {
        return Err(Error::typing(
            "merge needs at least one column of a table, as in merge(t.name, z=t.x + t.y)",
        ));
    };
    let rows = first.rows();
    let mut fields: Vec<(String, DataShape)> = Vec::new();
    for column in &columns {
        if column.dshape().dims().is_empty() {
            return Err(Error::typing(format!(
                "merge combines columns, and {column} is a single value; name a column for it"
            )));
        }
        if column.rows() != rows || column.dshape().dims() != first.dshape().dims() {
            return Err(Error::typing(format!(
                "only columns of the same rows can be merged: {column} is not over the rows of {rows}; join the tables first"
            )));
        }
        match record_of(column.dshape()) {
            Some(record) => fields.extend(record.fields().iter().cloned()),
            None => {
                let name = column.name().ok_or_else(|| {
                    Error::typing(format!(
                        "{column} has no name; name it with a keyword (z={column}) or .label('z')"
                    ))
                })?;
                fields.push((name.to_owned(), element(column.dshape())));
            }
        }
    }
    check_unique(fields.iter().map(|(n, _)| n.as_str()))?;
    let record = DataShape::record(fields).map_err(|e| Error::typing(e.to_string()))?;
    Ok(Expr::new(
        Op::Merge {
            columns: columns.clone(),
        },
        with_dims(first.dshape().dims(), record),
        rows.name().map(str::to_owned),
    ))
}

/// `table` with computed columns added after its own, in the order written:
/// `transform(t, z=t.x + t.y)`. As in Blaze, a column of the same name is replaced: dropped
/// from the table's, its new value added with the others (`replace=False` refuses it).
pub fn transform(table: &Expr, values: Vec<(String, Expr)>, replace: bool) -> Result<Expr> {
    let Some(record) = record_of(table.dshape()) else {
        return Err(Error::typing(format!(
            "transform adds columns to a table, and {table} is {}",
            table.dshape()
        )));
    };
    let kept = record
        .names()
        .filter(|name| !replace || values.iter().all(|(new, _)| new != name));
    let mut columns: Vec<Expr> = kept.map(|name| table.field(name)).collect::<Result<_>>()?;
    columns.extend(values.into_iter().map(|(name, value)| value.label(&name)));
    merge(columns)
}

/// Element-wise, `lhs` where it is not missing, else `rhs`: `coalesce(t.amount, 0)`. The
/// result may be missing only where both may.
pub fn coalesce(lhs: &Expr, rhs: &Expr) -> Result<Expr> {
    for side in [lhs, rhs] {
        if record_of(side.dshape()).is_some() {
            return Err(Error::typing(format!(
                "coalesce applies to columns, and {side} is a table"
            )));
        }
    }
    let dims = crate::build::common_dims(lhs, rhs)?;
    let (lt, rt) = (element(lhs.dshape()), element(rhs.dshape()));
    let promoted = if matches!(lt.non_option().measure(), blaze_datashape::Measure::Null) {
        rt.clone()
    } else {
        promote(&lt, &rt).map_err(|_| {
            Error::typing(format!(
                "cannot coalesce {lhs} ({lt}) with {rhs} ({rt}): their types differ"
            ))
        })?
    };
    let ty = if rt.is_option() {
        promoted
    } else {
        promoted.non_option().clone()
    };
    Ok(Expr::new(
        Op::Coalesce {
            lhs: lhs.clone(),
            rhs: rhs.clone(),
        },
        with_dims(&dims, ty),
        lhs.name().or(rhs.name()).map(str::to_owned),
    ))
}

fn check_unique<'a>(names: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    let mut repeated: Vec<&str> = Vec::new();
    for name in names {
        if seen.contains(&name) {
            if !repeated.contains(&name) {
                repeated.push(name);
            }
        } else {
            seen.push(name);
        }
    }
    if repeated.is_empty() {
        Ok(())
    } else {
        Err(Error::typing(format!(
            "repeated columns found: {}; rename them with .label('...') or keywords",
            repeated.join(", ")
        )))
    }
}
