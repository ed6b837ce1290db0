//! Python's `%` interpolation of one value into a format (`'%.2f' % t.x`, `t.fmt % 1`): what
//! Blaze's `Interp` node computes, as `str.__mod__` does with one argument.
//!
//! Conversions `s r d i u f F e E g G x X o c` and `%%`, with the flags `-+ 0#`, a width and
//! a precision; `*` widths and mapping keys (`%(name)s`) are refused. Errors are Python's.

use std::fmt::Write;
use std::iter::Peekable;
use std::str::CharIndices;

/// The number written at the start of `chars` (0 if none), read past.
fn number(chars: &mut Peekable<CharIndices<'_>>) -> usize {
    let mut n: usize = 0;
    while let Some(digit) = chars.peek().and_then(|&(_, d)| d.to_digit(10)) {
        n = n.saturating_mul(10).saturating_add(digit as usize);
        chars.next();
    }
    n
}

/// A value to interpolate.
#[derive(Clone, Copy, Debug)]
pub enum Arg<'a> {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean (`True`, `False`; 1 and 0 as a number).
    Bool(bool),
    /// Text.
    Str(&'a str),
}

/// A format of literal text around exactly one conversion.
#[derive(Clone, Debug, PartialEq)]
pub struct Format {
    before: String,
    spec: Spec,
    after: String,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    zero: bool,
    alternate: bool,
    width: usize,
    precision: Option<usize>,
    conversion: char,
}

impl Format {
    /// Reads `text`, which must convert exactly one value.
    pub fn parse(text: &str) -> Result<Format, String> {
        let mut pieces = [String::new(), String::new()];
        let mut spec = None;
        let mut chars = text.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            if c != '%' {
                pieces[usize::from(spec.is_some())].push(c);
                continue;
            }
            let mut s = Spec {
                left: false,
                plus: false,
                space: false,
                zero: false,
                alternate: false,
                width: 0,
                precision: None,
                conversion: 's',
            };
            while let Some(&(_, flag)) = chars.peek() {
                match flag {
                    '-' => s.left = true,
                    '+' => s.plus = true,
                    ' ' => s.space = true,
                    '0' => s.zero = true,
                    '#' => s.alternate = true,
                    _ => break,
                }
                chars.next();
            }
            s.width = number(&mut chars);
            if chars.peek().is_some_and(|&(_, c)| c == '.') {
                chars.next();
                s.precision = Some(number(&mut chars));
            }
            let Some((at, conversion)) = chars.next() else {
                return Err("incomplete format".into());
            };
            match conversion {
                '%' => pieces[usize::from(spec.is_some())].push('%'),
                's' | 'r' | 'd' | 'i' | 'u' | 'f' | 'F' | 'e' | 'E' | 'g' | 'G' | 'x' | 'X'
                | 'o' | 'c' => {
                    if spec.is_some() {
                        return Err("not enough arguments for format string".into());
                    }
                    s.conversion = conversion;
                    spec = Some(s);
                }
                '*' | '(' => {
                    return Err(format!(
                        "'%{conversion}' is not supported in interpolation (one value, no '*' or mapping keys)"
                    ));
                }
                c => {
                    return Err(format!(
                        "unsupported format character '{c}' ({:#x}) at index {at}",
                        c as u32
                    ));
                }
            }
        }
        let spec =
            spec.ok_or_else(|| "not all arguments converted during string formatting".to_owned())?;
        let [before, after] = pieces;
        Ok(Format {
            before,
            spec,
            after,
        })
    }

    /// Whether the conversion takes a number (`%d`, `%f`...) rather than any value (`%s`).
    pub fn takes_number(&self) -> bool {
        !matches!(self.spec.conversion, 's' | 'r' | 'c')
    }

    /// The text with `arg` interpolated, into `out` (cleared first).
    pub fn apply(&self, arg: Arg<'_>, out: &mut String) -> Result<(), String> {
        out.clear();
        out.push_str(&self.before);
        self.spec.write(arg, out)?;
        out.push_str(&self.after);
        Ok(())
    }
}

impl Spec {
    fn write(&self, arg: Arg<'_>, out: &mut String) -> Result<(), String> {
        let c = self.conversion;
        let (negative, digits) = match c {
            's' | 'r' => {
                let mut text = match (arg, c) {
                    (Arg::Str(s), 'r') => format!("'{s}'"),
                    (Arg::Str(s), _) => s.to_owned(),
                    (Arg::Int(i), _) => i.to_string(),
                    (Arg::Float(x), _) => float_repr(x),
                    (Arg::Bool(b), _) => if b { "True" } else { "False" }.to_owned(),
                };
                if let Some(p) = self.precision
                    && let Some((cut, _)) = text.char_indices().nth(p)
                {
                    text.truncate(cut);
                }
                self.pad("", &text, false, out);
                return Ok(());
            }
            'c' => {
                let text = match arg {
                    Arg::Str(s) if s.chars().count() == 1 => s.to_owned(),
                    Arg::Int(i) => u32::try_from(i)
                        .ok()
                        .and_then(char::from_u32)
                        .ok_or_else(|| "%c arg not in range(0x110000)".to_owned())?
                        .to_string(),
                    _ => return Err("%c requires an int or a unicode character".into()),
                };
                self.pad("", &text, false, out);
                return Ok(());
            }
            'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
                let n: i128 = match arg {
                    Arg::Int(i) => i128::from(i),
                    Arg::Bool(b) => i128::from(b),
                    Arg::Float(x) if x.is_finite() => x.trunc() as i128,
                    Arg::Float(x) => {
                        return Err(format!("cannot convert float {} to integer", float_repr(x)));
                    }
                    Arg::Str(_) => {
                        return Err(format!("%{c} format: a real number is required, not str"));
                    }
                };
                let magnitude = n.unsigned_abs();
                let mut digits = match c {
                    'x' => format!("{magnitude:x}"),
                    'X' => format!("{magnitude:X}"),
                    'o' => format!("{magnitude:o}"),
                    _ => magnitude.to_string(),
                };
                if let Some(p) = self.precision
                    && digits.len() < p
                {
                    digits.insert_str(0, &"0".repeat(p - digits.len()));
                }
                if self.alternate {
                    match c {
                        'x' => digits.insert_str(0, "0x"),
                        'X' => digits.insert_str(0, "0X"),
                        'o' => digits.insert_str(0, "0o"),
                        _ => {}
                    }
                }
                (n < 0, digits)
            }
            _ => {
                let x = match arg {
                    Arg::Int(i) => i as f64,
                    Arg::Float(x) => x,
                    Arg::Bool(b) => f64::from(u8::from(b)),
                    Arg::Str(_) => {
                        return Err(format!("must be real number, not str (in %{c})"));
                    }
                };
                let precision = self.precision.unwrap_or(6);
                let digits = if !x.is_finite() {
                    let text = if x.is_nan() { "nan" } else { "inf" };
                    match c.is_ascii_uppercase() {
                        true => text.to_uppercase(),
                        false => text.to_owned(),
                    }
                } else {
                    match c {
                        'f' | 'F' => format!("{:.*}", precision, x.abs()),
                        'e' | 'E' => exponent(x.abs(), precision, c == 'E'),
                        _ => general(x.abs(), precision, self.alternate, c == 'G'),
                    }
                };
                (x.is_sign_negative() && !x.is_nan(), digits)
            }
        };
        let sign = match (negative, self.plus, self.space) {
            (true, ..) => "-",
            (false, true, _) => "+",
            (false, false, true) => " ",
            _ => "",
        };
        let finite = digits.starts_with(|c: char| c.is_ascii_digit());
        self.pad(sign, &digits, self.zero && finite, out);
        Ok(())
    }

    /// `sign` and `body` padded to the width: on the right with `-`, with zeros after the sign
    /// if `zeros`, else with spaces on the left.
    fn pad(&self, sign: &str, body: &str, zeros: bool, out: &mut String) {
        let len = sign.chars().count() + body.chars().count();
        let fill = self.width.saturating_sub(len);
        if self.left {
            let _ = write!(out, "{sign}{body}{:fill$}", "");
        } else if zeros {
            let _ = write!(out, "{sign}{}{body}", "0".repeat(fill));
        } else {
            let _ = write!(out, "{:fill$}{sign}{body}", "");
        }
    }
}

/// `x` (not negative) as `%.{precision}e` writes it: `1.500000e+00`.
fn exponent(x: f64, precision: usize, upper: bool) -> String {
    let text = format!("{x:.precision$e}");
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}{e}{sign}{:02}", exp.abs())
}

/// `x` (not negative) as `%.{precision}g` writes it: fixed or exponent notation by the size of
/// the exponent, trailing zeros removed unless `alternate`.
fn general(x: f64, precision: usize, alternate: bool, upper: bool) -> String {
    let p = precision.max(1);
    let rounded = exponent(x, p - 1, false);
    let exp: i64 = rounded
        .rsplit_once('e')
        .and_then(|(_, e)| e.parse().ok())
        .unwrap_or(0);
    let trim = |s: String| -> String {
        if alternate || !s.contains('.') {
            return s;
        }
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    if -4 <= exp && exp < p as i64 {
        let decimals = (p as i64 - 1 - exp) as usize;
        trim(format!("{x:.decimals$}"))
    } else {
        let text = exponent(x, p - 1, upper);
        let (mantissa, exp) = text.split_at(text.find(['e', 'E']).unwrap_or(text.len()));
        format!("{}{exp}", trim(mantissa.to_owned()))
    }
}

/// A float as Python's `str` writes it: `1.0`, `0.1`, `1e+16`, `1e-07`.
fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    // Rust's shortest round-trip form, with Python's exponent: signed, two digits at least.
    let text = format!("{x:?}");
    match text.split_once('e') {
        Some((mantissa, exp)) => {
            let exp: i32 = exp.parse().unwrap_or(0);
            let sign = if exp < 0 { '-' } else { '+' };
            format!("{mantissa}e{sign}{:02}", exp.abs())
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(format: &str, arg: Arg<'_>) -> String {
        let mut out = String::new();
        match Format::parse(format).and_then(|f| f.apply(arg, &mut out)) {
            Ok(()) => out,
            Err(e) => format!("error: {e}"),
        }
    }

    /// Each case's expected text is Python's `format % arg`.
    #[test]
    fn formats_as_python_does() {
        let cases: &[(&str, Arg, &str)] = &[
            ("%s!", Arg::Str("Alice"), "Alice!"),
            ("%r", Arg::Str("Alice"), "'Alice'"),
            ("%s", Arg::Float(1.0), "1.0"),
            ("%s", Arg::Float(1e16), "1e+16"),
            ("%s", Arg::Float(1e-7), "1e-07"),
            ("%s", Arg::Float(0.1), "0.1"),
            ("%s", Arg::Bool(true), "True"),
            ("%.2s", Arg::Str("Alice"), "Al"),
            ("%5d|", Arg::Int(42), "   42|"),
            ("%-5d|", Arg::Int(42), "42   |"),
            ("%05d", Arg::Int(-42), "-0042"),
            ("%+d", Arg::Int(42), "+42"),
            ("% d", Arg::Int(42), " 42"),
            ("%.3d", Arg::Int(7), "007"),
            ("%d", Arg::Float(-2.7), "-2"),
            ("%d", Arg::Bool(true), "1"),
            ("%x", Arg::Int(255), "ff"),
            ("%#X", Arg::Int(255), "0XFF"),
            ("%#o", Arg::Int(8), "0o10"),
            ("%.2f", Arg::Float(1.23456), "1.23"),
            ("%f", Arg::Int(2), "2.000000"),
            ("%08.3f", Arg::Float(-1.23456), "-001.235"),
            ("%e", Arg::Float(1234.5), "1.234500e+03"),
            ("%.2E", Arg::Float(0.000123), "1.23E-04"),
            ("%g", Arg::Float(1234.5), "1234.5"),
            ("%g", Arg::Float(0.0001), "0.0001"),
            ("%g", Arg::Float(1e-5), "1e-05"),
            ("%g", Arg::Float(123456789.0), "1.23457e+08"),
            ("%.3g", Arg::Float(100.0), "100"),
            ("%#g", Arg::Float(1.0), "1.00000"),
            ("%f", Arg::Float(f64::NAN), "nan"),
            ("%5.1f%%", Arg::Float(99.44), " 99.4%"),
            ("%c", Arg::Int(65), "A"),
        ];
        for (format, arg, want) in cases {
            assert_eq!(fmt(format, *arg), *want, "{format} % {arg:?}");
        }
    }

    #[test]
    fn errors_are_pythons() {
        let error = |format: &str, arg| match Format::parse(format) {
            Err(e) => e,
            Ok(f) => f.apply(arg, &mut String::new()).unwrap_err(),
        };
        assert_eq!(
            error("no conversion", Arg::Int(1)),
            "not all arguments converted during string formatting"
        );
        assert_eq!(
            error("%s and %s", Arg::Int(1)),
            "not enough arguments for format string"
        );
        assert_eq!(error("50%", Arg::Int(1)), "incomplete format");
        assert_eq!(
            error("%q", Arg::Int(1)),
            "unsupported format character 'q' (0x71) at index 1"
        );
        assert_eq!(
            error("%d", Arg::Str("x")),
            "%d format: a real number is required, not str"
        );
    }
}
