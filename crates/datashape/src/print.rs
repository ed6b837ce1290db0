//! The canonical printer: the original's `str` (via `Display`) and `pprint` (via
//! [`DataShape::pretty`]), byte for byte, except that every printed form parses back.

use std::fmt::{self, Display, Write};

use crate::types::{DataShape, Dim, Literal, Measure};

/// The width the original's `str` uses for records and tuples.
const DEFAULT_WIDTH: usize = 80;

impl DataShape {
    /// Pretty-prints like the original's `pprint(ds, width)`: a record or tuple that does not fit
    /// in `width` characters (counting the dimensions before it) is printed one field per line,
    /// indented by two spaces, with the closing bracket indented too. Width 0 puts every record
    /// and tuple on several lines, as the Blaze server's `/datashape` route does.
    pub fn pretty(&self, width: usize) -> String {
        pretty(self.dims(), self.measure(), width)
    }
}

fn pretty(dims: &[Dim], measure: &Measure, width: usize) -> String {
    let mut result = String::new();
    for dim in dims {
        write!(result, "{dim} * ").expect("writing to a String cannot fail");
    }
    let prefix_len = result.chars().count();
    let (items, open, close) = match measure {
        Measure::Record(record) if !record.is_empty() => {
            let items = record
                .fields()
                .iter()
                .map(|(name, ty)| {
                    let name = field_name(name);
                    let rest = width.saturating_sub(prefix_len + name.chars().count());
                    format!("{name}: {}", ty.pretty(rest))
                })
                .collect::<Vec<_>>();
            (items, '{', '}')
        }
        Measure::Tuple(items) if !items.is_empty() => {
            let rest = width.saturating_sub(prefix_len);
            let items = items.iter().map(|ty| ty.pretty(rest)).collect();
            (items, '(', ')')
        }
        Measure::Record(_) => return result + "{}",
        Measure::Tuple(_) => return result + "()",
        other => {
            write!(result, "{other}").expect("writing to a String cannot fail");
            return result;
        }
    };
    let short = format!("{open}{}{close}", items.join(", "));
    if prefix_len + short.chars().count() < width {
        result.push_str(&short);
    } else {
        let long = format!("{open}\n{}\n{close}", items.join(",\n"));
        result.push_str(&long.replace('\n', "\n  "));
    }
    result
}

impl Display for DataShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for dim in self.dims() {
            write!(f, "{dim} * ")?;
        }
        write!(f, "{}", self.measure())
    }
}

impl Display for Dim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dim::Fixed(n) => write!(f, "{n}"),
            Dim::Var => f.write_str("var"),
            Dim::TypeVar(name) => f.write_str(name),
            Dim::Ellipsis(None) => f.write_str("..."),
            Dim::Ellipsis(Some(name)) => write!(f, "{name}..."),
        }
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Str(s) => f.write_str(&quote(s)),
            Literal::Bool(true) => f.write_str("True"),
            Literal::Bool(false) => f.write_str("False"),
        }
    }
}

impl Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let simple = match self {
            Measure::Bool => "bool",
            Measure::Int8 => "int8",
            Measure::Int16 => "int16",
            Measure::Int32 => "int32",
            Measure::Int64 => "int64",
            Measure::UInt8 => "uint8",
            Measure::UInt16 => "uint16",
            Measure::UInt32 => "uint32",
            Measure::UInt64 => "uint64",
            Measure::Float16 => "float16",
            Measure::Float32 => "float32",
            Measure::Float64 => "float64",
            Measure::Complex64 => "complex[float32]",
            Measure::Complex128 => "complex[float64]",
            Measure::Date => "date",
            Measure::Null => "null",
            Measure::Void => "void",
            Measure::Object => "object",
            Measure::Json => "json",
            Measure::String { fixlen, encoding } => {
                let encoding = (*encoding != crate::Encoding::Utf8).then(|| quote(encoding.name()));
                return match (fixlen, encoding) {
                    (None, None) => f.write_str("string"),
                    (Some(n), None) => write!(f, "string[{n}]"),
                    (None, Some(e)) => write!(f, "string[{e}]"),
                    (Some(n), Some(e)) => write!(f, "string[{n}, {e}]"),
                };
            }
            Measure::Bytes { fixlen: None } => "bytes",
            Measure::Bytes { fixlen: Some(n) } => return write!(f, "bytes[{n}]"),
            Measure::Time { tz: None } => "time",
            Measure::Time { tz: Some(tz) } => return write!(f, "time[tz={}]", quote(tz)),
            Measure::DateTime { tz: None } => "datetime",
            Measure::DateTime { tz: Some(tz) } => {
                return write!(f, "datetime[tz={}]", quote(tz));
            }
            Measure::TimeDelta { unit } => {
                return write!(f, "timedelta[unit={}]", quote(unit.name()));
            }
            Measure::Decimal { precision, scale } => {
                return write!(f, "decimal[precision={precision}, scale={scale}]");
            }
            Measure::Categorical(cat) => {
                f.write_str("categorical[[")?;
                for (i, value) in cat.categories().iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{value}")?;
                }
                let ordered = if cat.ordered() { "True" } else { "False" };
                return write!(f, "], type={}, ordered={ordered}]", cat.value_type());
            }
            Measure::Option(inner) => return write!(f, "?{inner}"),
            Measure::Record(_) | Measure::Tuple(_) => {
                return f.write_str(&pretty(&[], self, DEFAULT_WIDTH));
            }
            Measure::Map(key, value) => return write!(f, "map[{key}, {value}]"),
            Measure::Units { unit, ty } => {
                return if ty.measure() == &Measure::Float64 && ty.dims().is_empty() {
                    write!(f, "units[{}]", quote(unit))
                } else {
                    write!(f, "units[{}, {ty}]", quote(unit))
                };
            }
            Measure::Function { args, ret } => {
                f.write_str("(")?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                return write!(f, ") -> {ret}");
            }
            Measure::TypeVar(name) => name,
        };
        f.write_str(simple)
    }
}

/// A record field name as printed: bare when it is an identifier, otherwise quoted.
fn field_name(name: &str) -> String {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if identifier {
        name.to_owned()
    } else {
        quote(name)
    }
}

/// Quotes `s` as Python's `repr` does: single quotes unless the text holds a `'` and no `"`;
/// backslash escapes for the quote, `\\`, `\n`, `\r`, `\t` and other control characters.
pub fn quote(s: &str) -> String {
    let q = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x100 && c.is_control() => {
                write!(out, "\\x{:02x}", c as u32).expect("writing to a String cannot fail");
            }
            c if c.is_control() => {
                write!(out, "\\u{:04x}", c as u32).expect("writing to a String cannot fail");
            }
            c => out.push(c),
        }
    }
    out.push(q);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_python_repr() {
        assert_eq!(quote("b c"), "'b c'");
        assert_eq!(quote("it's"), "\"it's\"");
        assert_eq!(quote("both ' and \""), "'both \\' and \"'");
        assert_eq!(quote("a\\b\n\u{1}"), "'a\\\\b\\n\\x01'");
    }

    #[test]
    fn field_names_quoted_only_when_needed() {
        assert_eq!(field_name("_a1"), "_a1");
        assert_eq!(field_name("1a"), "'1a'");
        assert_eq!(field_name(""), "''");
    }
}
