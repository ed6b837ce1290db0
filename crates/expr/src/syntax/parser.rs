//! Parsing tokens into a [`Syntax`] tree, with Python's operator precedence.

use blaze_datashape::Span;

use super::lexer::{Spanned, Token, tokenize};
use super::{Syntax, SyntaxKind, UnaryOperator};
use crate::error::{Error, Result};
use crate::expr::BinaryOp;

/// How deeply operations may nest in the tree parsed (`t.a + 1 + 1 ...` is one level per
/// `+`); deeper, typing and computing would overflow the stack. Python's compiler stops near
/// here too.
const MAX_DEPTH: usize = 1000;

/// How deeply parentheses, brackets, calls, prefix operators and `**` may nest while
/// parsing: 200, as in Python.
const MAX_NESTING: usize = 200;

/// Parses expression text into a syntax tree; errors point at the place in the text.
pub fn parse_syntax(text: &str) -> Result<Syntax> {
    let mut parser = Parser {
        tokens: tokenize(text)?,
        at: 0,
        nesting: 0,
    };
    let expr = parser.expression()?;
    match parser.peek() {
        Token::End if depth(&expr) > MAX_DEPTH => Err(too_deep(expr.span, MAX_DEPTH)),
        Token::End => Ok(expr),
        Token::Punct("=") => Err(parser.error_here(
            "'=' is not an operator here; compare with ==, or give a keyword argument inside a call",
        )),
        _ => Err(parser.unexpected("an operator or the end of the expression")),
    }
}

/// A call's positional and keyword arguments.
type Arguments = (Vec<Syntax>, Vec<(String, Syntax)>);

struct Parser {
    tokens: Vec<Spanned>,
    at: usize,
    /// How many expressions and prefix operators are being parsed inside one another.
    nesting: usize,
}

fn too_deep(span: Span, limit: usize) -> Error {
    Error::syntax(
        span,
        format!("the expression nests too deeply: more than {limit} levels"),
    )
}

/// The depth of the tree `root`: the most nodes on a path from it to a leaf. Walked without
/// recursion, since the tree may be deeper than the stack allows.
fn depth(root: &Syntax) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(root, 1)];
    while let Some((node, level)) = pending.pop() {
        deepest = deepest.max(level);
        pending.extend(children(node).into_iter().map(|child| (child, level + 1)));
    }
    deepest
}

/// The nodes right below `node`.
fn children(node: &Syntax) -> Vec<&Syntax> {
    match &node.kind {
        SyntaxKind::Name(_)
        | SyntaxKind::Int(_)
        | SyntaxKind::Float(_)
        | SyntaxKind::Str(_)
        | SyntaxKind::Bool(_)
        | SyntaxKind::None => Vec::new(),
        SyntaxKind::List(items) | SyntaxKind::Tuple(items) => items.iter().collect(),
        SyntaxKind::Dict(pairs) => pairs.iter().flat_map(|(k, v)| [k, v]).collect(),
        SyntaxKind::Attribute { value, .. } => vec![value],
        SyntaxKind::Call { func, args, kwargs } => std::iter::once(&**func)
            .chain(args)
            .chain(kwargs.iter().map(|(_, v)| v))
            .collect(),
        SyntaxKind::Subscript { value, index } => vec![value, index],
        SyntaxKind::Slice { start, stop, step } => [start, stop, step]
            .into_iter()
            .flatten()
            .map(|s| &**s)
            .collect(),
        SyntaxKind::Unary { operand, .. } => vec![operand],
        SyntaxKind::Binary { lhs, rhs, .. } => vec![lhs, rhs],
    }
}

/// Python keywords that have no meaning on expressions, and what to write instead.
const KEYWORD_HINTS: [(&str, &str); 7] = [
    (
        "and",
        "use & with parentheses around each side: (a > 1) & (b < 2)",
    ),
    (
        "or",
        "use | with parentheses around each side: (a > 1) | (b < 2)",
    ),
    ("not", "use ~ for not: ~(a > 1)"),
    ("in", "use .isin([...]): t.id.isin([1, 2])"),
    ("is", "use .isnull() or .notnull()"),
    ("if", "conditional expressions are not supported"),
    (
        "lambda",
        "functions cannot be written in expressions; map and apply take the name of a built-in function",
    ),
];

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.at].token
    }

    fn span(&self) -> Span {
        self.tokens[self.at].span
    }

    /// The span of the token before the current one.
    fn last_span(&self) -> Span {
        self.tokens[self.at.saturating_sub(1)].span
    }

    fn advance(&mut self) -> Spanned {
        let token = self.tokens[self.at].clone();
        if token.token != Token::End {
            self.at += 1;
        }
        token
    }

    fn eat(&mut self, punct: &str) -> bool {
        if matches!(self.peek(), Token::Punct(p) if *p == punct) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, punct: &str, what: &str) -> Result<Span> {
        if self.eat(punct) {
            Ok(self.last_span())
        } else {
            Err(self.unexpected(what))
        }
    }

    fn error_here(&self, message: impl Into<String>) -> Error {
        Error::syntax(self.span(), message)
    }

    fn unexpected(&self, expected: &str) -> Error {
        let found = match self.peek() {
            Token::Name(name) => match KEYWORD_HINTS.iter().find(|(k, _)| k == name) {
                Some((keyword, hint)) => {
                    return self.error_here(format!("'{keyword}' is not supported: {hint}"));
                }
                None => format!("'{name}'"),
            },
            Token::Int(i) => i.to_string(),
            Token::Float(f) => f.to_string(),
            Token::Str(s) => format!("'{s}'"),
            Token::Punct(p) => format!("'{p}'"),
            Token::End => "the end of the expression".to_owned(),
        };
        self.error_here(format!("expected {expected}, found {found}"))
    }

    fn expression(&mut self) -> Result<Syntax> {
        self.nested(|parser| parser.binary(0))
    }

    /// `parse` run one level deeper, refused past [`MAX_NESTING`] levels.
    fn nested(&mut self, parse: impl FnOnce(&mut Self) -> Result<Syntax>) -> Result<Syntax> {
        if self.nesting >= MAX_NESTING {
            return Err(too_deep(self.span(), MAX_NESTING));
        }
        self.nesting += 1;
        let parsed = parse(self);
        self.nesting -= 1;
        parsed
    }

    /// Operators of at least `min` precedence, by precedence climbing (`**` is in
    /// [`Parser::power`]).
    fn binary(&mut self, min: u8) -> Result<Syntax> {
        let mut lhs = self.unary()?;
        // Each operator read puts what came before one level deeper.
        for _ in 0..=MAX_DEPTH {
            let op = match self.peek() {
                Token::Punct(p) => BinaryOp::from_symbol(p),
                _ => None,
            };
            let Some(op) = op.filter(|op| *op != BinaryOp::Pow) else {
                if matches!(self.peek(), Token::Punct("<<" | ">>")) {
                    return Err(self.error_here("bit shifts are not supported"));
                }
                return Ok(lhs);
            };
            if op.precedence() < min {
                return Ok(lhs);
            }
            self.advance();
            let rhs = self.binary(op.precedence() + 1)?;
            let comparison = op.precedence() == 1;
            lhs = binary(op, lhs, rhs);
            if comparison
                && matches!(self.peek(), Token::Punct(p)
                    if BinaryOp::from_symbol(p).is_some_and(|next| next.precedence() == 1))
            {
                return Err(
                    self.error_here("comparisons cannot be chained; write (a < b) & (b < c)")
                );
            }
        }
        Err(too_deep(lhs.span, MAX_DEPTH))
    }

    fn unary(&mut self) -> Result<Syntax> {
        let op = match self.peek() {
            Token::Punct("-") => UnaryOperator::Neg,
            Token::Punct("+") => UnaryOperator::Pos,
            Token::Punct("~") => UnaryOperator::Invert,
            _ => return self.power(),
        };
        let start = self.advance().span;
        let operand = self.nested(Self::unary)?;
        Ok(Syntax {
            span: start.union(operand.span),
            kind: SyntaxKind::Unary {
                op,
                operand: Box::new(operand),
            },
        })
    }

    /// `primary ** unary`: right-associative, and tighter than a prefix operator on its left
    /// (`-x ** 2` is `-(x ** 2)`).
    fn power(&mut self) -> Result<Syntax> {
        let base = self.primary()?;
        if !self.eat("**") {
            return Ok(base);
        }
        // Right-associative: `a ** b ** c` nests as it parses.
        let exponent = self.nested(Self::unary)?;
        Ok(binary(BinaryOp::Pow, base, exponent))
    }

    /// An atom followed by attributes, calls and subscripts.
    fn primary(&mut self) -> Result<Syntax> {
        let mut expr = self.atom()?;
        // Each attribute, call or subscript puts what came before one level deeper.
        for _ in 0..=MAX_DEPTH {
            if self.eat(".") {
                let Token::Name(name) = self.peek().clone() else {
                    return Err(self.unexpected("a name after '.'"));
                };
                let end = self.advance().span;
                expr = Syntax {
                    span: expr.span.union(end),
                    kind: SyntaxKind::Attribute {
                        value: Box::new(expr),
                        name,
                    },
                };
            } else if self.eat("(") {
                let (args, kwargs) = self.arguments()?;
                let end = self.expect(")", "',' or ')'")?;
                expr = Syntax {
                    span: expr.span.union(end),
                    kind: SyntaxKind::Call {
                        func: Box::new(expr),
                        args,
                        kwargs,
                    },
                };
            } else if self.eat("[") {
                let index = self.subscript()?;
                let end = self.expect("]", "',' or ']'")?;
                expr = Syntax {
                    span: expr.span.union(end),
                    kind: SyntaxKind::Subscript {
                        value: Box::new(expr),
                        index: Box::new(index),
                    },
                };
            } else {
                return Ok(expr);
            }
        }
        Err(too_deep(expr.span, MAX_DEPTH))
    }

    fn atom(&mut self) -> Result<Syntax> {
        let span = self.span();
        let kind = match self.peek().clone() {
            Token::Name(name) => {
                if KEYWORD_HINTS.iter().any(|(k, _)| *k == name) {
                    return Err(self.unexpected("an expression"));
                }
                self.advance();
                match name.as_str() {
                    "True" => SyntaxKind::Bool(true),
                    "False" => SyntaxKind::Bool(false),
                    "None" => SyntaxKind::None,
                    _ => SyntaxKind::Name(name),
                }
            }
            Token::Int(i) => {
                self.advance();
                SyntaxKind::Int(i)
            }
            Token::Float(f) => {
                self.advance();
                SyntaxKind::Float(f)
            }
            Token::Str(s) => {
                self.advance();
                // Adjacent strings join, as in Python.
                let mut text = s;
                while let Token::Str(more) = self.peek().clone() {
                    self.advance();
                    text.push_str(&more);
                }
                SyntaxKind::Str(text)
            }
            Token::Punct("(") => {
                self.advance();
                if self.eat(")") {
                    SyntaxKind::Tuple(Vec::new())
                } else {
                    let first = self.expression()?;
                    if !self.eat(",") {
                        self.expect(")", "')'")?;
                        // Parentheses only group; the span grows to include them.
                        return Ok(Syntax {
                            span: span.union(self.last_span()),
                            kind: first.kind,
                        });
                    }
                    let mut items = vec![first];
                    items.extend(self.items(")")?);
                    self.expect(")", "',' or ')'")?;
                    SyntaxKind::Tuple(items)
                }
            }
            Token::Punct("[") => {
                self.advance();
                let items = self.items("]")?;
                self.expect("]", "',' or ']'")?;
                SyntaxKind::List(items)
            }
            Token::Punct("{") => {
                self.advance();
                let mut pairs = Vec::new();
                while !matches!(self.peek(), Token::Punct("}")) {
                    let key = self.expression()?;
                    self.expect(":", "':' after a dictionary key")?;
                    pairs.push((key, self.expression()?));
                    if !self.eat(",") {
                        break;
                    }
                }
                self.expect("}", "',' or '}'")?;
                SyntaxKind::Dict(pairs)
            }
            _ => return Err(self.unexpected("an expression")),
        };
        Ok(Syntax {
            span: span.union(self.last_span()),
            kind,
        })
    }

    /// Comma-separated expressions up to (not including) `close`; a trailing comma is allowed.
    fn items(&mut self, close: &str) -> Result<Vec<Syntax>> {
        let mut items = Vec::new();
        while !matches!(self.peek(), Token::Punct(p) if *p == close) {
            items.push(self.expression()?);
            if !self.eat(",") {
                break;
            }
        }
        Ok(items)
    }

    /// Call arguments: positional ones, then `name=value` ones.
    fn arguments(&mut self) -> Result<Arguments> {
        let mut args = Vec::new();
        let mut kwargs: Vec<(String, Syntax)> = Vec::new();
        while !matches!(self.peek(), Token::Punct(")")) {
            let keyword = match (self.peek(), self.tokens.get(self.at + 1).map(|t| &t.token)) {
                (Token::Name(name), Some(Token::Punct("="))) => Some(name.clone()),
                _ => None,
            };
            if let Some(name) = keyword {
                if kwargs.iter().any(|(k, _)| *k == name) {
                    return Err(self.error_here(format!("keyword argument '{name}' is repeated")));
                }
                self.advance();
                self.advance();
                kwargs.push((name, self.expression()?));
            } else if !kwargs.is_empty() {
                return Err(
                    self.error_here("a positional argument cannot follow a keyword argument")
                );
            } else {
                args.push(self.expression()?);
            }
            if !self.eat(",") {
                break;
            }
        }
        Ok((args, kwargs))
    }

    /// What is inside `[...]`: one index or slice, or several separated by commas (a tuple).
    fn subscript(&mut self) -> Result<Syntax> {
        let start = self.span();
        let first = self.subscript_item()?;
        if !matches!(self.peek(), Token::Punct(",")) {
            return Ok(first);
        }
        let mut items = vec![first];
        while self.eat(",") {
            if matches!(self.peek(), Token::Punct("]")) {
                break;
            }
            items.push(self.subscript_item()?);
        }
        Ok(Syntax {
            span: start.union(self.last_span()),
            kind: SyntaxKind::Tuple(items),
        })
    }

    fn subscript_item(&mut self) -> Result<Syntax> {
        let start = self.span();
        let ends_part = |t: &Token| matches!(t, Token::Punct(":" | "]" | ","));
        let first = if ends_part(self.peek()) {
            None
        } else {
            Some(self.expression()?)
        };
        if !self.eat(":") {
            return first.ok_or_else(|| self.unexpected("an index"));
        }
        let stop = if ends_part(self.peek()) {
            None
        } else {
            Some(Box::new(self.expression()?))
        };
        let step = if self.eat(":") && !ends_part(self.peek()) {
            Some(Box::new(self.expression()?))
        } else {
            None
        };
        Ok(Syntax {
            span: start.union(self.last_span()),
            kind: SyntaxKind::Slice {
                start: first.map(Box::new),
                stop,
                step,
            },
        })
    }
}

fn binary(op: BinaryOp, lhs: Syntax, rhs: Syntax) -> Syntax {
    Syntax {
        span: lhs.span.union(rhs.span),
        kind: SyntaxKind::Binary {
            op,
            lhs: Box::new(lhs),
            rhs: Box::new(rhs),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree as compact text, parenthesising every operation, to check precedence.
    fn shape(s: &Syntax) -> String {
        match &s.kind {
            SyntaxKind::Name(n) => n.clone(),
            SyntaxKind::Int(i) => i.to_string(),
            SyntaxKind::Float(f) => format!("{f:?}"),
            SyntaxKind::Str(t) => format!("{t:?}"),
            SyntaxKind::Bool(b) => b.to_string(),
            SyntaxKind::None => "None".into(),
            SyntaxKind::List(items) => {
                format!(
                    "[{}]",
                    items.iter().map(shape).collect::<Vec<_>>().join(", ")
                )
            }
            SyntaxKind::Tuple(items) => {
                format!(
                    "({})",
                    items.iter().map(shape).collect::<Vec<_>>().join(", ")
                )
            }
            SyntaxKind::Dict(pairs) => format!(
                "{{{}}}",
                pairs
                    .iter()
                    .map(|(k, v)| format!("{}: {}", shape(k), shape(v)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            SyntaxKind::Attribute { value, name } => format!("{}.{name}", shape(value)),
            SyntaxKind::Call { func, args, kwargs } => {
                let mut parts: Vec<String> = args.iter().map(shape).collect();
                parts.extend(kwargs.iter().map(|(k, v)| format!("{k}={}", shape(v))));
                format!("{}({})", shape(func), parts.join(", "))
            }
            SyntaxKind::Subscript { value, index } => format!("{}[{}]", shape(value), shape(index)),
            SyntaxKind::Slice { start, stop, step } => {
                let part = |p: &Option<Box<Syntax>>| p.as_deref().map(shape).unwrap_or_default();
                format!("{}:{}:{}", part(start), part(stop), part(step))
            }
            SyntaxKind::Unary { op, operand } => format!("({op:?} {})", shape(operand)),
            SyntaxKind::Binary { op, lhs, rhs } => {
                format!("({} {} {})", shape(lhs), op.symbol(), shape(rhs))
            }
        }
    }

    fn parsed(text: &str) -> String {
        shape(&parse_syntax(text).unwrap())
    }

    fn error(text: &str) -> (String, u32) {
        let err = parse_syntax(text).unwrap_err();
        (err.to_string(), err.span().start.column)
    }

    #[test]
    fn precedence_is_pythons() {
        assert_eq!(parsed("1 + 2 * 3 ** 2"), "(1 + (2 * (3 ** 2)))");
        assert_eq!(parsed("-x ** 2"), "(Neg (x ** 2))");
        assert_eq!(parsed("2 ** -1"), "(2 ** (Neg 1))");
        assert_eq!(parsed("a ** b ** c"), "(a ** (b ** c))");
        assert_eq!(parsed("a - b - c"), "((a - b) - c)");
        assert_eq!(parsed("t.a > 1 & t.b"), "(t.a > (1 & t.b))");
        assert_eq!(
            parsed("(t.a > 1) & (t.b < 2) | ~t.c"),
            "(((t.a > 1) & (t.b < 2)) | (Invert t.c))"
        );
        assert_eq!(parsed("a // b % c"), "((a // b) % c)");
    }

    #[test]
    fn calls_subscripts_and_literals() {
        assert_eq!(
            parsed("by(t.name, total=t.amount.sum())"),
            "by(t.name, total=t.amount.sum())"
        );
        assert_eq!(parsed("t[t.amount > 100].name"), "t[(t.amount > 100)].name");
        assert_eq!(parsed("t[['a', 'b']]"), "t[[\"a\", \"b\"]]");
        assert_eq!(parsed("t['space station']"), "t[\"space station\"]");
        assert_eq!(parsed("t[2:7:2]"), "t[2:7:2]");
        assert_eq!(parsed("t[:5]"), "t[:5:]");
        assert_eq!(parsed("t[::-1]"), "t[::(Neg 1)]");
        assert_eq!(parsed("x[0, :5]"), "x[(0, :5:)]");
        assert_eq!(
            parsed("t.relabel({'0': 'foo'}, x=None)"),
            "t.relabel({\"0\": \"foo\"}, x=None)"
        );
        assert_eq!(
            parsed("join(a, b, suffixes=('_x', '_y'))"),
            "join(a, b, suffixes=(\"_x\", \"_y\"))"
        );
        assert_eq!(
            parsed("f(1.5, True, False, 'a' \"b\")"),
            "f(1.5, true, false, \"ab\")"
        );
        assert_eq!(parsed("(x)"), "x");
        assert_eq!(parsed("[1, 2,]"), "[1, 2]");
    }

    #[test]
    fn spans_cover_what_was_written() {
        let tree = parse_syntax("t[t.amount > 100]").unwrap();
        let SyntaxKind::Subscript { index, .. } = &tree.kind else {
            panic!("{tree:?}")
        };
        assert_eq!((index.span.start.column, index.span.end.column), (3, 17));
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_an_error_not_a_stack_overflow() {
        let too_deep = |text: &str, limit: usize| {
            let (message, column) = error(text);
            let expected = format!("the expression nests too deeply: more than {limit} levels");
            assert!(message.ends_with(&expected), "{message}");
            column
        };
        // `t.a + 1 + ...`: a name and an attribute below the additions.
        let chain = |n: usize| format!("t.a{}", " + 1".repeat(n));
        assert!(parse_syntax(&chain(MAX_DEPTH - 2)).is_ok());
        assert_eq!(too_deep(&chain(MAX_DEPTH - 1), 1000), 1);
        assert_eq!(too_deep(&chain(100_000), 1000), 1);
        let parens = |n: usize| format!("{}t.a{}", "(".repeat(n), ")".repeat(n));
        assert!(parse_syntax(&parens(MAX_NESTING - 1)).is_ok());
        assert_eq!(too_deep(&parens(100_000), 200), 201);
        too_deep(&"-".repeat(100_000), 200);
        too_deep(&format!("t.a{}", " ** 2".repeat(100_000)), 200);
        too_deep(&format!("t.a{}", "**2".repeat(100_000)), 200);
    }

    #[test]
    fn errors_name_the_place_and_the_fix() {
        assert_eq!(error("t.amount +").1, 11);
        assert!(
            error("t.amount +")
                .0
                .contains("expected an expression, found the end")
        );
        let (message, column) = error("t.a > 1 and t.b < 2");
        assert!(
            message.contains("'and' is not supported: use &"),
            "{message}"
        );
        assert_eq!(column, 9);
        assert!(error("1 < x < 2").0.contains("cannot be chained"));
        assert!(error("t.a = 1").0.contains("compare with =="));
        assert!(
            error("f(a=1, 2)")
                .0
                .contains("positional argument cannot follow")
        );
        assert!(error("f(a=1, a=2)").0.contains("'a' is repeated"));
        assert!(error("t[1").0.contains("expected ',' or ']'"));
        assert!(error("t.+").0.contains("expected a name after '.'"));
        assert!(error("t.id in [1]").0.contains(".isin"));
    }
}
