//! The datashape parser: recursive descent over the grammar of the original (spec §1.2).
//!
//! Aliases, encodings and time units are resolved here, so equal types compare equal whatever
//! spelling the user chose. Beyond the original, the parser also accepts `bytes`, `bytes[N]`, the
//! dimension constructors `fixed[3]`, `typevar['N']` and `ellipsis['Dims']` (which the original
//! documented but never implemented), `??T` (same as `?T`), and keyword arguments to `string`.

use std::str::FromStr;

use crate::error::{Error, ParseErrorKind, Result};
use crate::lexer::{Spanned, Token, tokenize};
use crate::span::Span;
use crate::types::{Categorical, DataShape, Dim, Encoding, Literal, Measure, Record, TimeUnit};

/// Parses datashape text, e.g. `var * {name: string, amount: ?float64}`.
pub fn parse(text: &str) -> Result<DataShape> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let shape = parser.datashape()?;
    if parser.peek() != &Token::Eof {
        return Err(parser.expected("'*' or end of input"));
    }
    Ok(shape)
}

impl FromStr for DataShape {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        parse(text)
    }
}

/// Names of the measures written without arguments, canonical or alias.
const SIMPLE_TYPES: &[&str] = &[
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "int",
    "intptr",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uintptr",
    "float16",
    "float32",
    "float64",
    "real",
    "complex64",
    "complex128",
    "complex",
    "string",
    "bytes",
    "json",
    "date",
    "time",
    "datetime",
    "timedelta",
    "null",
    "void",
    "object",
];

/// Names of the type constructors (`name[...]`).
const CONSTRUCTORS: &[&str] = &[
    "string",
    "bytes",
    "complex",
    "decimal",
    "time",
    "datetime",
    "timedelta",
    "units",
    "categorical",
    "option",
    "map",
    "struct",
    "tuple",
    "funcproto",
    "typevar",
];

fn simple_type(name: &str) -> Option<Measure> {
    Some(match name {
        "bool" => Measure::Bool,
        "int8" => Measure::Int8,
        "int16" => Measure::Int16,
        "int32" | "int" => Measure::Int32,
        "int64" | "intptr" => Measure::Int64,
        "uint8" => Measure::UInt8,
        "uint16" => Measure::UInt16,
        "uint32" => Measure::UInt32,
        "uint64" | "uintptr" => Measure::UInt64,
        "float16" => Measure::Float16,
        "float32" => Measure::Float32,
        "float64" | "real" => Measure::Float64,
        "complex64" => Measure::Complex64,
        "complex128" | "complex" => Measure::Complex128,
        "string" => Measure::STRING,
        "bytes" => Measure::Bytes { fixlen: None },
        "json" => Measure::Json,
        "date" => Measure::Date,
        "time" => Measure::Time { tz: None },
        "datetime" => Measure::DATETIME,
        "timedelta" => Measure::TimeDelta {
            unit: TimeUnit::Microsecond,
        },
        "null" => Measure::Null,
        "void" => Measure::Void,
        "object" => Measure::Object,
        _ => return None,
    })
}

/// One argument of a type constructor.
#[derive(Debug)]
enum Arg {
    Int(u64),
    Str(String),
    Bool(bool),
    Type(DataShape),
    List(Vec<Arg>),
}

impl Arg {
    fn kind(&self) -> &'static str {
        match self {
            Arg::Int(_) => "an integer",
            Arg::Str(_) => "a string",
            Arg::Bool(_) => "a boolean",
            Arg::Type(_) => "a datashape",
            Arg::List(_) => "a list",
        }
    }
}

/// Arguments bound to a constructor's parameters.
struct Args {
    constructor: String,
    span: Span,
    slots: Vec<Option<Arg>>,
    params: &'static [&'static str],
}

impl Args {
    fn error(&self, message: impl Into<String>) -> Error {
        Error::Parse {
            kind: ParseErrorKind::BadArguments {
                constructor: self.constructor.clone(),
                message: message.into(),
            },
            span: self.span,
        }
    }

    fn take(&mut self, param: &str) -> Option<Arg> {
        let index = self.params.iter().position(|p| *p == param)?;
        self.slots[index].take()
    }

    fn required(&mut self, param: &str) -> Result<Arg> {
        self.take(param)
            .ok_or_else(|| self.error(format!("missing argument '{param}'")))
    }

    fn mismatch(&self, param: &str, wanted: &str, got: &Arg) -> Error {
        self.error(format!("'{param}' must be {wanted}, not {}", got.kind()))
    }

    fn int(&mut self, param: &str) -> Result<Option<u64>> {
        match self.take(param) {
            None => Ok(None),
            Some(Arg::Int(n)) => Ok(Some(n)),
            Some(other) => Err(self.mismatch(param, "an integer", &other)),
        }
    }

    fn str(&mut self, param: &str) -> Result<Option<String>> {
        match self.take(param) {
            None => Ok(None),
            Some(Arg::Str(s)) => Ok(Some(s)),
            Some(other) => Err(self.mismatch(param, "a string", &other)),
        }
    }

    fn bool(&mut self, param: &str) -> Result<Option<bool>> {
        match self.take(param) {
            None => Ok(None),
            Some(Arg::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(self.mismatch(param, "True or False", &other)),
        }
    }

    fn ty(&mut self, param: &str) -> Result<Option<DataShape>> {
        match self.take(param) {
            None => Ok(None),
            Some(Arg::Type(t)) => Ok(Some(t)),
            Some(other) => Err(self.mismatch(param, "a datashape", &other)),
        }
    }

    fn required_ty(&mut self, param: &str) -> Result<DataShape> {
        match self.ty(param)? {
            Some(t) => Ok(t),
            None => Err(self.error(format!("missing argument '{param}'"))),
        }
    }

    fn type_list(&mut self, param: &str) -> Result<Vec<DataShape>> {
        match self.required(param)? {
            Arg::List(items) => items
                .into_iter()
                .map(|item| match item {
                    Arg::Type(t) => Ok(t),
                    other => Err(self.mismatch(param, "a list of datashapes", &other)),
                })
                .collect(),
            other => Err(self.mismatch(param, "a list of datashapes", &other)),
        }
    }

    fn str_list(&mut self, param: &str) -> Result<Vec<String>> {
        match self.required(param)? {
            Arg::List(items) => items
                .into_iter()
                .map(|item| match item {
                    Arg::Str(s) => Ok(s),
                    other => Err(self.mismatch(param, "a list of strings", &other)),
                })
                .collect(),
            other => Err(self.mismatch(param, "a list of strings", &other)),
        }
    }
}

/// How deeply types may nest; deeper text is rejected instead of exhausting the stack.
const MAX_DEPTH: usize = 128;

struct Parser {
    tokens: Vec<Spanned>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.pos].token
    }

    fn peek_at(&self, offset: usize) -> &Token {
        let last = self.tokens.len() - 1;
        &self.tokens[(self.pos + offset).min(last)].token
    }

    fn span(&self) -> Span {
        self.tokens[self.pos].span
    }

    fn bump(&mut self) -> Spanned {
        let token = self.tokens[self.pos].clone();
        if self.pos < self.tokens.len() - 1 {
            self.pos += 1;
        }
        token
    }

    fn eat(&mut self, token: &Token) -> bool {
        if self.peek() == token {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: Token) -> Result<Span> {
        if self.peek() == &token {
            Ok(self.bump().span)
        } else {
            Err(self.expected(&format!("'{}'", token.symbol())))
        }
    }

    fn expected(&self, expected: &str) -> Error {
        Error::Parse {
            kind: ParseErrorKind::Expected {
                expected: expected.to_owned(),
                found: self.peek().describe(),
            },
            span: self.span(),
        }
    }

    fn invalid(error: Error, span: Span) -> Error {
        Error::Parse {
            kind: ParseErrorKind::Invalid(Box::new(error)),
            span,
        }
    }

    /// `datashape ::= '?' datashape | dim '*' datashape | dtype`
    fn datashape(&mut self) -> Result<DataShape> {
        if self.depth >= MAX_DEPTH {
            return Err(Error::Parse {
                kind: ParseErrorKind::TooDeep(MAX_DEPTH),
                span: self.span(),
            });
        }
        self.depth += 1;
        let shape = self.datashape_inner();
        self.depth -= 1;
        shape
    }

    fn datashape_inner(&mut self) -> Result<DataShape> {
        let start = self.span();
        let mut dims = Vec::new();
        loop {
            if self.eat(&Token::Question) {
                let (_, option) = self.datashape()?.into_option().into_parts();
                return DataShape::new(dims, option).map_err(|e| Self::invalid(e, start));
            }
            match self.dim()? {
                Some(dim) => {
                    dims.push(dim);
                    self.expect(Token::Star)?;
                }
                None => {
                    let measure = self.dtype()?;
                    return DataShape::new(dims, measure).map_err(|e| Self::invalid(e, start));
                }
            }
        }
    }

    /// A dimension, if the next tokens are one (the `'*'` after it is left to the caller).
    fn dim(&mut self) -> Result<Option<Dim>> {
        let next_is_star = self.peek_at(1) == &Token::Star;
        let dim = match self.peek().clone() {
            Token::Integer(n) => {
                self.bump();
                Dim::Fixed(n)
            }
            Token::Ellipsis => {
                self.bump();
                Dim::Ellipsis(None)
            }
            Token::Name(name) if starts_upper(&name) && self.peek_at(1) == &Token::Ellipsis => {
                self.bump();
                self.bump();
                Dim::Ellipsis(Some(name))
            }
            Token::Name(name) if starts_upper(&name) && next_is_star => {
                self.bump();
                Dim::TypeVar(name)
            }
            Token::Name(name) if name == "var" => {
                self.bump();
                Dim::Var
            }
            Token::Name(name) if name == "ellipsis" && self.peek_at(1) != &Token::LBracket => {
                self.bump();
                Dim::Ellipsis(None)
            }
            Token::Name(name)
                if matches!(name.as_str(), "fixed" | "ellipsis")
                    && self.peek_at(1) == &Token::LBracket =>
            {
                return self.dim_constructor(name).map(Some);
            }
            Token::Name(name) if name == "typevar" && self.typevar_constructor_is_dim() => {
                return self.dim_constructor(name).map(Some);
            }
            _ => return Ok(None),
        };
        Ok(Some(dim))
    }

    /// Whether `typevar[...]` at the cursor is followed by `*` (a dimension) rather than being a
    /// measure. Scans to the matching `]`.
    fn typevar_constructor_is_dim(&self) -> bool {
        if self.peek_at(1) != &Token::LBracket {
            return false;
        }
        let mut depth = 0usize;
        for offset in 1.. {
            match self.peek_at(offset) {
                Token::LBracket => depth += 1,
                Token::RBracket => {
                    depth -= 1;
                    if depth == 0 {
                        return self.peek_at(offset + 1) == &Token::Star;
                    }
                }
                Token::Eof => return false,
                _ => {}
            }
        }
        false
    }

    /// `fixed[3]`, `typevar['N']`, `ellipsis['Dims']` in dimension position.
    fn dim_constructor(&mut self, name: String) -> Result<Dim> {
        self.bump();
        let params: &'static [&'static str] = if name == "fixed" {
            &["length"]
        } else {
            &["name"]
        };
        let mut args = self.arguments(name.clone(), params)?;
        let dim = match name.as_str() {
            "fixed" => Dim::Fixed(
                args.int("length")?
                    .ok_or_else(|| args.error("missing argument 'length'"))?,
            ),
            "typevar" => {
                let var = args
                    .str("name")?
                    .ok_or_else(|| args.error("missing argument 'name'"))?;
                Dim::TypeVar(checked_typevar(&var, &args)?)
            }
            _ => match args.str("name")? {
                Some(var) => Dim::Ellipsis(Some(checked_typevar(&var, &args)?)),
                None => Dim::Ellipsis(None),
            },
        };
        Ok(dim)
    }

    /// A measure.
    fn dtype(&mut self) -> Result<Measure> {
        let Spanned { token, span } = self.tokens[self.pos].clone();
        match token {
            Token::Name(name) if starts_upper(&name) => {
                self.bump();
                Ok(Measure::TypeVar(name))
            }
            Token::Name(name) => {
                self.bump();
                if self.peek() == &Token::LBracket && CONSTRUCTORS.contains(&name.as_str()) {
                    return self.constructor(name);
                }
                if self.peek() == &Token::LBracket {
                    return Err(Error::Parse {
                        kind: ParseErrorKind::BadArguments {
                            constructor: name,
                            message: "this type takes no arguments".into(),
                        },
                        span,
                    });
                }
                simple_type(&name).ok_or_else(|| Error::Parse {
                    kind: ParseErrorKind::UnknownType {
                        suggestion: crate::error::closest_name(
                            &name,
                            SIMPLE_TYPES.iter().copied().chain(["var"]),
                        ),
                        name,
                    },
                    span,
                })
            }
            Token::LBrace => self.record(),
            Token::LParen => self.tuple_or_function(),
            _ => Err(self.expected("a dimension or a type")),
        }
    }

    /// `{name: type, ...}`
    fn record(&mut self) -> Result<Measure> {
        self.expect(Token::LBrace)?;
        let mut fields: Vec<(String, DataShape)> = Vec::new();
        while self.peek() != &Token::RBrace {
            let Spanned { token, span } = self.tokens[self.pos].clone();
            let name = match token {
                Token::Name(n) => n,
                Token::Str(s) => s,
                Token::Bool(b) => if b { "True" } else { "False" }.to_owned(),
                _ => return Err(self.expected("a field name or '}'")),
            };
            self.bump();
            if fields.iter().any(|(n, _)| *n == name) {
                return Err(Self::invalid(Error::DuplicateField(name), span));
            }
            self.expect(Token::Colon)?;
            fields.push((name, self.datashape()?));
            if !self.eat(&Token::Comma) && self.peek() != &Token::RBrace {
                return Err(self.expected("',' or '}'"));
            }
        }
        self.bump();
        Ok(Measure::Record(
            Record::try_new(fields).expect("duplicates were rejected above"),
        ))
    }

    /// `(a, b)` or `(a, b) -> r`
    fn tuple_or_function(&mut self) -> Result<Measure> {
        self.expect(Token::LParen)?;
        let mut items = Vec::new();
        while self.peek() != &Token::RParen {
            items.push(self.datashape()?);
            if !self.eat(&Token::Comma) && self.peek() != &Token::RParen {
                return Err(self.expected("',' or ')'"));
            }
        }
        self.bump();
        if self.eat(&Token::Arrow) {
            let ret = self.datashape()?;
            return Ok(Measure::Function {
                args: items,
                ret: Box::new(ret),
            });
        }
        Ok(Measure::Tuple(items))
    }

    /// `[arg, ..., key=arg, ...]` bound to `params`.
    fn arguments(&mut self, constructor: String, params: &'static [&'static str]) -> Result<Args> {
        let start = self.expect(Token::LBracket)?;
        let mut slots: Vec<Option<Arg>> = params.iter().map(|_| None).collect();
        let mut positional = 0;
        let mut seen_keyword = false;
        let error = |message: String, span: Span| Error::Parse {
            kind: ParseErrorKind::BadArguments {
                constructor: constructor.clone(),
                message,
            },
            span,
        };
        if self.peek() == &Token::RBracket {
            return Err(self.expected("a type constructor argument"));
        }
        while self.peek() != &Token::RBracket {
            let span = self.span();
            let keyword = match (self.peek(), self.peek_at(1)) {
                (Token::Name(name), Token::Equal) => Some(name.clone()),
                _ => None,
            };
            let index = if let Some(keyword) = keyword {
                self.bump();
                self.bump();
                seen_keyword = true;
                let Some(index) = params.iter().position(|p| *p == keyword) else {
                    let expected = params.join("', '");
                    return Err(error(
                        format!("unknown keyword '{keyword}' (expected '{expected}')"),
                        span,
                    ));
                };
                index
            } else {
                if seen_keyword {
                    return Err(error(
                        "positional arguments cannot follow keyword arguments".into(),
                        span,
                    ));
                }
                positional += 1;
                if positional > params.len() {
                    return Err(error(
                        format!("takes at most {} argument(s)", params.len()),
                        span,
                    ));
                }
                positional - 1
            };
            let value = self.argument()?;
            if slots[index].is_some() {
                return Err(error(
                    format!("argument '{}' given twice", params[index]),
                    span,
                ));
            }
            slots[index] = Some(value);
            if !self.eat(&Token::Comma) && self.peek() != &Token::RBracket {
                return Err(self.expected("',' or ']'"));
            }
        }
        let end = self.bump().span;
        Ok(Args {
            constructor,
            span: start.union(end),
            slots,
            params,
        })
    }

    /// `INTEGER | STRING | BOOLEAN | '[' list ']' | datashape`
    fn argument(&mut self) -> Result<Arg> {
        let arg = match self.peek().clone() {
            Token::Integer(n) if self.peek_at(1) != &Token::Star => Arg::Int(n),
            Token::Str(s) => Arg::Str(s),
            Token::Bool(b) => Arg::Bool(b),
            Token::LBracket => return self.list_argument(),
            _ => return self.datashape().map(Arg::Type),
        };
        self.bump();
        Ok(arg)
    }

    /// `[a, b, ...]`, all of one kind.
    fn list_argument(&mut self) -> Result<Arg> {
        self.expect(Token::LBracket)?;
        let mut items: Vec<Arg> = Vec::new();
        while self.peek() != &Token::RBracket {
            let span = self.span();
            if self.peek() == &Token::LBracket {
                return Err(Error::Parse {
                    kind: ParseErrorKind::Expected {
                        expected: "an integer, string, boolean or datashape".into(),
                        found: "a nested list".into(),
                    },
                    span,
                });
            }
            let item = self.argument()?;
            if let Some(first) = items.first()
                && first.kind() != item.kind()
            {
                return Err(Error::Parse {
                    kind: ParseErrorKind::Expected {
                        expected: format!("{} (list items must be of one kind)", first.kind()),
                        found: item.kind().into(),
                    },
                    span,
                });
            }
            items.push(item);
            if !self.eat(&Token::Comma) && self.peek() != &Token::RBracket {
                return Err(self.expected("',' or ']'"));
            }
        }
        self.bump();
        Ok(Arg::List(items))
    }

    /// `name[...]` in measure position.
    fn constructor(&mut self, name: String) -> Result<Measure> {
        let params: &'static [&'static str] = match name.as_str() {
            "string" => &["fixlen", "encoding"],
            "bytes" => &["fixlen"],
            "complex" => &["type"],
            "decimal" => &["precision", "scale"],
            "time" | "datetime" => &["tz"],
            "timedelta" => &["unit"],
            "units" => &["unit", "type"],
            "categorical" => &["categories", "type", "ordered"],
            "option" => &["type"],
            "map" => &["key", "value"],
            "struct" => &["names", "types"],
            "tuple" => &["types"],
            "funcproto" => &["args", "ret"],
            "typevar" => &["name"],
            _ => unreachable!("only called for names in CONSTRUCTORS"),
        };
        let mut args = self.arguments(name, params)?;
        let measure = build(&mut args)?;
        if let Some(index) = args.slots.iter().position(Option::is_some) {
            return Err(args.error(format!("unexpected argument '{}'", args.params[index])));
        }
        Ok(measure)
    }
}

/// Builds the measure of constructor call `args`.
fn build(args: &mut Args) -> Result<Measure> {
    Ok(match args.constructor.as_str() {
        "string" => {
            // `string['A']`: a string in first position is the encoding.
            if matches!(args.slots[0], Some(Arg::Str(_))) && args.slots[1].is_none() {
                args.slots.swap(0, 1);
            }
            let fixlen = args.int("fixlen")?;
            let encoding = match args.str("encoding")? {
                None => Encoding::Utf8,
                Some(e) => Encoding::from_name(&e).ok_or_else(|| {
                    args.error(format!(
                        "unsupported string encoding '{e}' (expected 'A', 'U8', 'U16' or 'U32')"
                    ))
                })?,
            };
            Measure::String { fixlen, encoding }
        }
        "bytes" => Measure::Bytes {
            fixlen: args.int("fixlen")?,
        },
        "complex" => match args.required_ty("type")?.measure() {
            Measure::Float32 => Measure::Complex64,
            Measure::Float64 => Measure::Complex128,
            _ => return Err(args.error("the component type must be float32 or float64")),
        },
        "decimal" => {
            let precision = args
                .int("precision")?
                .ok_or_else(|| args.error("missing argument 'precision'"))?;
            let scale = args.int("scale")?.unwrap_or(0);
            if precision == 0 || precision > 76 || scale > precision {
                return Err(args.error(format!(
                    "precision must be 1 to 76 and scale at most the precision (got precision={precision}, scale={scale})"
                )));
            }
            Measure::Decimal {
                precision: precision as u32,
                scale: scale as u32,
            }
        }
        "time" => Measure::Time {
            tz: args.str("tz")?,
        },
        "datetime" => Measure::DateTime {
            tz: args.str("tz")?,
        },
        "timedelta" => {
            let unit = args.str("unit")?.unwrap_or_else(|| "us".into());
            Measure::TimeDelta {
                unit: TimeUnit::from_name(&unit).ok_or_else(|| {
                    args.error(format!(
                        "unknown time unit '{unit}' (expected one of ns, us, ms, s, m, h, D, W, M, Y)"
                    ))
                })?,
            }
        }
        "units" => {
            let unit = args
                .str("unit")?
                .ok_or_else(|| args.error("missing argument 'unit'"))?;
            let ty = args.ty("type")?.unwrap_or(Measure::Float64.into());
            Measure::Units {
                unit,
                ty: Box::new(ty),
            }
        }
        "categorical" => {
            let categories = match args.required("categories")? {
                Arg::List(items) => items
                    .into_iter()
                    .map(|item| match item {
                        Arg::Int(n) => i64::try_from(n)
                            .map(Literal::Int)
                            .map_err(|_| args.error("category too large")),
                        Arg::Str(s) => Ok(Literal::Str(s)),
                        Arg::Bool(b) => Ok(Literal::Bool(b)),
                        other => Err(args.mismatch("categories", "a list of values", &other)),
                    })
                    .collect::<Result<Vec<_>>>()?,
                other => return Err(args.mismatch("categories", "a list", &other)),
            };
            let ty = match args.ty("type")? {
                Some(ty) => ty,
                None => DataShape::scalar(match categories.first() {
                    Some(Literal::Int(_)) => Measure::Int64,
                    Some(Literal::Bool(_)) => Measure::Bool,
                    _ => Measure::STRING,
                }),
            };
            let ordered = args.bool("ordered")?.unwrap_or(false);
            Measure::Categorical(Categorical::new(categories, ty, ordered))
        }
        "option" => {
            let inner = args.required_ty("type")?.into_option();
            inner.into_parts().1
        }
        "map" => {
            let key = args.required_ty("key")?;
            let value = args.required_ty("value")?;
            Measure::Map(Box::new(key), Box::new(value))
        }
        "struct" => {
            let names = args.str_list("names")?;
            let types = args.type_list("types")?;
            if names.len() != types.len() {
                return Err(args.error(format!("{} names but {} types", names.len(), types.len())));
            }
            let record = Record::try_new(names.into_iter().zip(types).collect())
                .map_err(|e| Parser::invalid(e, args.span))?;
            Measure::Record(record)
        }
        "tuple" => Measure::Tuple(args.type_list("types")?),
        "funcproto" => {
            let fn_args = args.type_list("args")?;
            let ret = args.required_ty("ret")?;
            Measure::Function {
                args: fn_args,
                ret: Box::new(ret),
            }
        }
        "typevar" => {
            let name = args
                .str("name")?
                .ok_or_else(|| args.error("missing argument 'name'"))?;
            Measure::TypeVar(checked_typevar(&name, args)?)
        }
        _ => unreachable!("only called for names in CONSTRUCTORS"),
    })
}

fn starts_upper(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
}

/// A type variable's name must read back as one: an identifier starting with an uppercase letter.
fn checked_typevar(name: &str, args: &Args) -> Result<String> {
    let valid = starts_upper(name) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(name.to_owned())
    } else {
        Err(args.error(format!(
            "type variable name '{name}' must start with an uppercase letter and contain only letters, digits and '_'"
        )))
    }
}
