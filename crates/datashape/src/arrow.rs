//! Mapping between datashapes and Arrow schemas (spec §5.2).
//!
//! Datashape → Arrow is exact for booleans, integers, floats, `string`, `bytes`, `date`,
//! `datetime` (as microsecond timestamps), `timedelta` in `s`/`ms`/`us`/`ns`, decimals,
//! records, `var` and fixed dimensions, `map` and options (field nullability).
//!
//! Lossy in Arrow's type system, so the field also carries the exact datashape in its metadata
//! under [`DATASHAPE_METADATA_KEY`] and [`from_arrow_field`] restores it:
//! `string[N]` and non-UTF-8 encodings (→ `Utf8`), `json` (→ `Utf8`), `time[tz=...]`
//! (→ `Time64(µs)`, zone dropped), `timedelta` in `m`/`h`/`D`/`W` (→ `Duration(s)`) and `M`/`Y`
//! (→ `Interval(YearMonth)`), `void` (→ `Null`), `categorical` (→ `Dictionary(Int32, T)`: Arrow
//! keeps the categories in the data, not the type), tuples (→ `Struct` of `f0`, `f1`...) and
//! `units` (→ the numeric type).
//!
//! Not representable (an error): `complex`, `object`, type variables, ellipses, functions.
//!
//! Arrow → datashape: the physical variants collapse (`LargeUtf8`/`Utf8View` → `string`,
//! `LargeList`/`ListView` → `var * T`, `Date64` → `date`, `Time32` → `time`), timestamp units are
//! dropped (`datetime` has none), dictionaries become their value type and run-end encoded arrays
//! their value type. Unions, day-time intervals and negative decimal scales are errors.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Fields, IntervalUnit, Schema, TimeUnit as ArrowUnit};

use crate::error::{Error, Result};
use crate::types::{DataShape, Dim, Encoding, Measure, Record, TimeUnit};

/// Field metadata key holding the exact datashape where the Arrow type loses information.
pub const DATASHAPE_METADATA_KEY: &str = "blaze.datashape";

/// The Arrow schema of a table shape: `var * {...}`, `N * {...}`, or a bare record.
pub fn to_arrow_schema(shape: &DataShape) -> Result<Schema> {
    let record = shape
        .table_record()
        .or_else(|| shape.dims().is_empty().then(|| shape.as_record()).flatten())
        .ok_or_else(|| Error::NotArrowRepresentable {
            dshape: shape.to_string(),
            reason: "a schema needs a table shape such as 'var * {...}'",
        })?;
    let fields = record
        .fields()
        .iter()
        .map(|(name, ty)| to_arrow_field(name, ty))
        .collect::<Result<Vec<_>>>()?;
    Ok(Schema::new(fields))
}

/// The Arrow field for a value of datashape `shape`; `?T` is a nullable field.
pub fn to_arrow_field(name: &str, shape: &DataShape) -> Result<Field> {
    let nullable = shape.is_option();
    let inner = shape.non_option();
    let (data_type, lossy) = data_type(inner)?;
    let field = Field::new(name, data_type, nullable);
    Ok(if lossy {
        field.with_metadata(HashMap::from([(
            DATASHAPE_METADATA_KEY.to_owned(),
            shape.to_string(),
        )]))
    } else {
        field
    })
}

/// The Arrow type of a non-optional shape, and whether it lost information.
fn data_type(shape: &DataShape) -> Result<(DataType, bool)> {
    let not = |reason| Error::NotArrowRepresentable {
        dshape: shape.to_string(),
        reason,
    };
    if let Some((dim, _)) = shape.dims().split_first() {
        let element = shape.subarray(1).expect("has a dimension");
        let item = Arc::new(to_arrow_field("item", &element)?);
        return Ok(match dim {
            Dim::Var => (DataType::List(item), false),
            Dim::Fixed(n) => {
                let n = i32::try_from(*n).map_err(|_| not("fixed dimension too large"))?;
                (DataType::FixedSizeList(item, n), false)
            }
            Dim::TypeVar(_) | Dim::Ellipsis(_) => {
                return Err(not("symbolic dimensions have no Arrow type"));
            }
        });
    }
    let exact = |t| Ok((t, false));
    let lossy = |t| Ok((t, true));
    match shape.measure() {
        Measure::Bool => exact(DataType::Boolean),
        Measure::Int8 => exact(DataType::Int8),
        Measure::Int16 => exact(DataType::Int16),
        Measure::Int32 => exact(DataType::Int32),
        Measure::Int64 => exact(DataType::Int64),
        Measure::UInt8 => exact(DataType::UInt8),
        Measure::UInt16 => exact(DataType::UInt16),
        Measure::UInt32 => exact(DataType::UInt32),
        Measure::UInt64 => exact(DataType::UInt64),
        Measure::Float16 => exact(DataType::Float16),
        Measure::Float32 => exact(DataType::Float32),
        Measure::Float64 => exact(DataType::Float64),
        Measure::String {
            fixlen: None,
            encoding: Encoding::Utf8,
        } => exact(DataType::Utf8),
        Measure::String { .. } | Measure::Json => lossy(DataType::Utf8),
        Measure::Bytes { fixlen: None } => exact(DataType::Binary),
        Measure::Bytes { fixlen: Some(n) } => exact(DataType::FixedSizeBinary(
            i32::try_from(*n).map_err(|_| not("fixed length too large"))?,
        )),
        Measure::Date => exact(DataType::Date32),
        Measure::Time { tz } => Ok((DataType::Time64(ArrowUnit::Microsecond), tz.is_some())),
        Measure::DateTime { tz } => exact(DataType::Timestamp(
            ArrowUnit::Microsecond,
            tz.as_deref().map(Arc::from),
        )),
        Measure::TimeDelta { unit } => match unit {
            TimeUnit::Nanosecond => exact(DataType::Duration(ArrowUnit::Nanosecond)),
            TimeUnit::Microsecond => exact(DataType::Duration(ArrowUnit::Microsecond)),
            TimeUnit::Millisecond => exact(DataType::Duration(ArrowUnit::Millisecond)),
            TimeUnit::Second => exact(DataType::Duration(ArrowUnit::Second)),
            TimeUnit::Minute | TimeUnit::Hour | TimeUnit::Day | TimeUnit::Week => {
                lossy(DataType::Duration(ArrowUnit::Second))
            }
            TimeUnit::Month | TimeUnit::Year => lossy(DataType::Interval(IntervalUnit::YearMonth)),
        },
        Measure::Decimal { precision, scale } => {
            let (p, s) = (*precision as u8, *scale as i8);
            exact(if *precision <= 38 {
                DataType::Decimal128(p, s)
            } else {
                DataType::Decimal256(p, s)
            })
        }
        Measure::Categorical(cat) => {
            let (value, _) = data_type(cat.value_type())?;
            lossy(DataType::Dictionary(
                Box::new(DataType::Int32),
                Box::new(value),
            ))
        }
        Measure::Null => exact(DataType::Null),
        Measure::Void => lossy(DataType::Null),
        Measure::Option(_) => unreachable!("callers strip the option"),
        Measure::Record(record) => exact(DataType::Struct(struct_fields(record.fields())?)),
        Measure::Tuple(items) => {
            let named: Vec<(String, DataShape)> = items
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("f{i}"), t.clone()))
                .collect();
            lossy(DataType::Struct(struct_fields(&named)?))
        }
        Measure::Map(key, value) => {
            let entries = Field::new(
                "entries",
                DataType::Struct(Fields::from(vec![
                    to_arrow_field("key", key.non_option())?,
                    to_arrow_field("value", value)?,
                ])),
                false,
            );
            exact(DataType::Map(Arc::new(entries), false))
        }
        Measure::Units { ty, .. } => Ok((data_type(ty.non_option())?.0, true)),
        Measure::Complex64 | Measure::Complex128 => Err(not("Arrow has no complex numbers")),
        Measure::Object => Err(not("opaque objects have no Arrow type")),
        Measure::TypeVar(_) | Measure::Function { .. } => {
            Err(not("type variables and functions have no Arrow type"))
        }
    }
}

fn struct_fields(fields: &[(String, DataShape)]) -> Result<Fields> {
    Ok(Fields::from(
        fields
            .iter()
            .map(|(name, ty)| to_arrow_field(name, ty))
            .collect::<Result<Vec<_>>>()?,
    ))
}

/// The datashape of an Arrow schema: `var * {...}` (the length of a table is data, not type).
pub fn from_arrow_schema(schema: &Schema) -> Result<DataShape> {
    let fields = schema
        .fields()
        .iter()
        .map(|f| Ok((f.name().clone(), from_arrow_field(f)?)))
        .collect::<Result<Vec<_>>>()?;
    let record = Record::try_new(fields)?;
    DataShape::new(vec![Dim::Var], Measure::Record(record))
}

/// The datashape of an Arrow field: `?T` when nullable; the exact datashape from the field's
/// metadata when present.
pub fn from_arrow_field(field: &Field) -> Result<DataShape> {
    if let Some(text) = field.metadata().get(DATASHAPE_METADATA_KEY)
        && let Ok(shape) = crate::parse(text)
    {
        return Ok(shape);
    }
    let shape = from_arrow_type(field.data_type())?;
    Ok(
        if field.is_nullable() && shape.measure() != &Measure::Null {
            shape.into_option()
        } else {
            shape
        },
    )
}

/// The datashape of an Arrow type (nullability lives on fields).
pub fn from_arrow_type(data_type: &DataType) -> Result<DataShape> {
    let unsupported = || Error::UnsupportedArrowType {
        data_type: data_type.to_string(),
    };
    let unit = |u: &ArrowUnit| match u {
        ArrowUnit::Second => TimeUnit::Second,
        ArrowUnit::Millisecond => TimeUnit::Millisecond,
        ArrowUnit::Microsecond => TimeUnit::Microsecond,
        ArrowUnit::Nanosecond => TimeUnit::Nanosecond,
    };
    let measure = match data_type {
        DataType::Null => Measure::Null,
        DataType::Boolean => Measure::Bool,
        DataType::Int8 => Measure::Int8,
        DataType::Int16 => Measure::Int16,
        DataType::Int32 => Measure::Int32,
        DataType::Int64 => Measure::Int64,
        DataType::UInt8 => Measure::UInt8,
        DataType::UInt16 => Measure::UInt16,
        DataType::UInt32 => Measure::UInt32,
        DataType::UInt64 => Measure::UInt64,
        DataType::Float16 => Measure::Float16,
        DataType::Float32 => Measure::Float32,
        DataType::Float64 => Measure::Float64,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Measure::STRING,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            Measure::Bytes { fixlen: None }
        }
        DataType::FixedSizeBinary(n) => Measure::Bytes {
            fixlen: Some(u64::try_from(*n).map_err(|_| unsupported())?),
        },
        DataType::Date32 | DataType::Date64 => Measure::Date,
        DataType::Time32(_) | DataType::Time64(_) => Measure::Time { tz: None },
        DataType::Timestamp(_, tz) => Measure::DateTime {
            tz: tz.as_deref().map(str::to_owned),
        },
        DataType::Duration(u) => Measure::TimeDelta { unit: unit(u) },
        DataType::Interval(IntervalUnit::YearMonth) => Measure::TimeDelta {
            unit: TimeUnit::Month,
        },
        DataType::Decimal32(p, s)
        | DataType::Decimal64(p, s)
        | DataType::Decimal128(p, s)
        | DataType::Decimal256(p, s) => Measure::Decimal {
            precision: u32::from(*p),
            scale: u32::try_from(*s).map_err(|_| unsupported())?,
        },
        DataType::List(item)
        | DataType::LargeList(item)
        | DataType::ListView(item)
        | DataType::LargeListView(item) => {
            return from_arrow_field(item)?.with_leading_dim(Dim::Var);
        }
        DataType::FixedSizeList(item, n) => {
            let n = u64::try_from(*n).map_err(|_| unsupported())?;
            return from_arrow_field(item)?.with_leading_dim(Dim::Fixed(n));
        }
        DataType::Struct(fields) => {
            let fields = fields
                .iter()
                .map(|f| Ok((f.name().clone(), from_arrow_field(f)?)))
                .collect::<Result<Vec<_>>>()?;
            Measure::Record(Record::try_new(fields)?)
        }
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => Measure::Map(
                Box::new(from_arrow_field(&kv[0])?),
                Box::new(from_arrow_field(&kv[1])?),
            ),
            _ => return Err(unsupported()),
        },
        DataType::Dictionary(_, value) => return from_arrow_type(value),
        DataType::RunEndEncoded(_, values) => return from_arrow_type(values.data_type()),
        _ => return Err(unsupported()),
    };
    Ok(DataShape::scalar(measure))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn roundtrip(text: &str) -> String {
        let shape = parse(text).unwrap();
        let schema = to_arrow_schema(&shape).unwrap();
        from_arrow_schema(&schema).unwrap().to_string()
    }

    #[test]
    fn exact_types_roundtrip() {
        let text = "var * {a: bool, b: ?int8, c: uint64, d: float32, e: ?string, f: bytes, \
                    g: bytes[4], h: date, i: datetime, j: datetime[tz='UTC'], \
                    k: timedelta[unit='ms'], l: decimal[precision=10, scale=2], \
                    m: var * ?int64, n: ?3 * float64, o: {p: ?string}, q: map[string, int32], \
                    r: null}";
        assert_eq!(roundtrip(text), parse(text).unwrap().to_string());
    }

    #[test]
    fn lossy_types_roundtrip_through_metadata() {
        let text = "var * {a: string[10, 'A'], b: json, c: time[tz='UTC'], \
                    d: timedelta[unit='D'], e: categorical[['x', 'y'], type=string, ordered=True], \
                    f: (int32, string), g: units['meter', int32], h: ?string['U16']}";
        assert_eq!(roundtrip(text), parse(text).unwrap().to_string());
        let schema = to_arrow_schema(&parse(text).unwrap()).unwrap();
        assert_eq!(schema.field(0).data_type(), &DataType::Utf8);
        assert_eq!(
            schema.field(4).data_type(),
            &DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
        );
        // Without the metadata, the Arrow type alone gives the lossy reading.
        let bare = Field::new("a", DataType::Utf8, false);
        assert_eq!(from_arrow_field(&bare).unwrap().to_string(), "string");
    }

    #[test]
    fn arrow_variants_collapse() {
        let t = |dt: DataType| from_arrow_type(&dt).unwrap().to_string();
        assert_eq!(t(DataType::LargeUtf8), "string");
        assert_eq!(t(DataType::Utf8View), "string");
        assert_eq!(t(DataType::Date64), "date");
        assert_eq!(t(DataType::Time32(ArrowUnit::Second)), "time");
        assert_eq!(
            t(DataType::Timestamp(ArrowUnit::Nanosecond, None)),
            "datetime"
        );
        assert_eq!(
            t(DataType::Timestamp(
                ArrowUnit::Second,
                Some("+01:00".into())
            )),
            "datetime[tz='+01:00']"
        );
        assert_eq!(
            t(DataType::LargeList(Arc::new(Field::new(
                "x",
                DataType::Int32,
                true
            )))),
            "var * ?int32"
        );
        assert_eq!(
            t(DataType::Dictionary(
                Box::new(DataType::Int8),
                Box::new(DataType::Utf8)
            )),
            "string"
        );
        assert!(from_arrow_type(&DataType::Interval(IntervalUnit::DayTime)).is_err());
        assert!(from_arrow_type(&DataType::Decimal128(10, -2)).is_err());
    }

    #[test]
    fn unrepresentable_types_are_errors() {
        let err = to_arrow_schema(&parse("var * {z: complex[float64]}").unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "datashape 'complex[float64]' has no Arrow equivalent: Arrow has no complex numbers"
        );
        assert!(to_arrow_schema(&parse("var * {x: N * int32}").unwrap()).is_err());
        assert!(to_arrow_schema(&parse("int32").unwrap()).is_err());
        assert!(to_arrow_schema(&parse("var * {o: object}").unwrap()).is_err());
    }
}
