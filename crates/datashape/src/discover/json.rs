//! Discovering the type of JSON values.
//!
//! Objects are records with keys in document order (the original sorted a dict's keys); rows
//! that lack a key make that field optional. Arrays are dimensions: `n * T` where `T` unifies the
//! elements (see [`crate::unify`]), except that rows of equal-length arrays whose columns differ in
//! type are tuples, as in the original (`[["a", 1], ["b", 2]]` is `2 * (string, int64)`).
//! Strings holding dates, date-times, times or durations get those types; numeric-looking strings
//! stay `string`, since JSON has numbers of its own.

use serde_json::Value;

use super::text::{TextClassifier, TextKind};
use crate::promote::unify_all;
use crate::types::{DataShape, Dim, Measure, Record};

/// The datashape of one JSON value.
pub fn discover_json(value: &Value) -> DataShape {
    match value {
        Value::Null => Measure::Null.into(),
        Value::Bool(_) => Measure::Bool.into(),
        Value::Number(n) if n.is_i64() => Measure::Int64.into(),
        Value::Number(n) if n.is_u64() => Measure::UInt64.into(),
        Value::Number(_) => Measure::Float64.into(),
        Value::String(s) => json_string(s).into(),
        Value::Object(map) => {
            let fields = map
                .iter()
                .map(|(k, v)| (k.clone(), discover_json(v)))
                .collect();
            DataShape::scalar(Measure::Record(
                Record::try_new(fields).expect("JSON object keys are distinct"),
            ))
        }
        Value::Array(items) => discover_array(items),
    }
}

fn json_string(s: &str) -> Measure {
    match TextClassifier::with_null_markers(Vec::new()).classify(s) {
        kind @ (TextKind::Date
        | TextKind::DateTime
        | TextKind::DateTimeTz
        | TextKind::Time
        | TextKind::TimeDelta(_)) => kind.measure(),
        _ => Measure::STRING,
    }
}

fn discover_array(items: &[Value]) -> DataShape {
    let n = Dim::Fixed(items.len() as u64);
    if let Some(tuple) = rows_as_tuple(items) {
        return DataShape::new(vec![n], tuple).expect("no ellipsis");
    }
    let element = unify_all(&items.iter().map(discover_json).collect::<Vec<_>>());
    element
        .with_leading_dim(n)
        .expect("discovered shapes have no ellipsis")
}

/// `[[a, b], [c, d]]` with columns of different types: the tuple of the column types.
fn rows_as_tuple(items: &[Value]) -> Option<Measure> {
    let width = items.first()?.as_array()?.len();
    if width == 0
        || !items
            .iter()
            .all(|i| i.as_array().is_some_and(|a| a.len() == width))
    {
        return None;
    }
    let columns: Vec<DataShape> = (0..width)
        .map(|c| {
            unify_all(
                &items
                    .iter()
                    .map(|row| discover_json(&row[c]))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    (!columns.iter().all(|c| *c == columns[0])).then_some(Measure::Tuple(columns))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(v: Value) -> String {
        discover_json(&v).to_string()
    }

    #[test]
    fn values() {
        assert_eq!(d(json!(1)), "int64");
        assert_eq!(d(json!(1.5)), "float64");
        assert_eq!(d(json!(null)), "null");
        assert_eq!(d(json!("2014-01-01")), "date");
        assert_eq!(d(json!("123")), "string");
        assert_eq!(d(json!([1, 2, 3])), "3 * int64");
        assert_eq!(d(json!([1, null, 2.5])), "3 * ?float64");
        assert_eq!(d(json!([[1, 2], [3]])), "2 * var * int64");
        assert_eq!(d(json!([[1, 2], []])), "2 * var * int64");
        assert_eq!(d(json!([["a", 1], ["b", 2]])), "2 * (string, int64)");
        assert_eq!(
            d(json!([{"name": "Alice", "amount": 100}, {"name": "Bob", "extra": true}])),
            "2 * {name: string, amount: ?int64, extra: ?bool}"
        );
        assert_eq!(
            d(json!({"b": 1, "a": {"c": []}})),
            "{b: int64, a: {c: 0 * null}}"
        );
    }
}
