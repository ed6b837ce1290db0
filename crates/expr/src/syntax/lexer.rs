//! Splitting expression text into tokens, each with its place in the text.

use blaze_datashape::{Location, Span};

use crate::error::{Error, Result};

/// One token of expression text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Token {
    Name(String),
    Int(i64),
    Float(f64),
    Str(String),
    /// An operator or a punctuation mark: `+`, `//`, `(`, `,`...
    Punct(&'static str),
    End,
}

/// Punctuation, longest first so that `**` is not read as two `*`.
const PUNCTUATION: [&str; 29] = [
    "**", "//", "==", "!=", "<=", ">=", "<<", ">>", "+", "-", "*", "/", "%", "<", ">", "&", "|",
    "^", "~", "(", ")", "[", "]", "{", "}", ",", ":", ".", "=",
];

/// A token and where it is.
#[derive(Clone, Debug)]
pub(crate) struct Spanned {
    pub(crate) token: Token,
    pub(crate) span: Span,
}

/// Splits `text` into tokens; the last is [`Token::End`].
pub(crate) fn tokenize(text: &str) -> Result<Vec<Spanned>> {
    let mut lexer = Lexer {
        chars: text.chars().collect(),
        at: 0,
        line: 1,
        column: 1,
    };
    let mut tokens = Vec::new();
    loop {
        lexer.skip_space();
        let start = lexer.location();
        let token = lexer.token()?;
        let end = token != Token::End;
        tokens.push(Spanned {
            token,
            span: Span::new(start, lexer.location()),
        });
        if !end {
            return Ok(tokens);
        }
    }
}

struct Lexer {
    chars: Vec<char>,
    at: usize,
    line: u32,
    column: u32,
}

impl Lexer {
    fn location(&self) -> Location {
        Location::new(self.line, self.column)
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn skip_space(&mut self) {
        while self.peek(0).is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn error(&self, start: Location, message: impl Into<String>) -> Error {
        Error::syntax(Span::new(start, self.location()), message)
    }

    fn token(&mut self) -> Result<Token> {
        let start = self.location();
        let Some(c) = self.peek(0) else {
            return Ok(Token::End);
        };
        if c.is_alphabetic() || c == '_' {
            let mut name = String::new();
            while let Some(c) = self.peek(0).filter(|c| c.is_alphanumeric() || *c == '_') {
                name.push(c);
                self.bump();
            }
            return Ok(Token::Name(name));
        }
        if c.is_ascii_digit() || (c == '.' && self.peek(1).is_some_and(|d| d.is_ascii_digit())) {
            return self.number(start);
        }
        if c == '\'' || c == '"' {
            return self.string(start, c);
        }
        for punct in PUNCTUATION {
            if punct
                .chars()
                .enumerate()
                .all(|(i, p)| self.peek(i) == Some(p))
            {
                for _ in 0..punct.len() {
                    self.bump();
                }
                return Ok(Token::Punct(punct));
            }
        }
        self.bump();
        Err(self.error(start, format!("unexpected character '{c}'")))
    }

    fn number(&mut self, start: Location) -> Result<Token> {
        let mut text = String::new();
        let mut float = false;
        while let Some(c) = self.peek(0) {
            let exponent_sign = (c == '+' || c == '-') && text.ends_with(['e', 'E']);
            if c.is_ascii_digit() || c == '_' || exponent_sign {
                text.push(c);
            } else if ((c == '.' && !float) || c == 'e' || c == 'E') && !text.contains(['e', 'E']) {
                float = true;
                text.push(c);
            } else {
                break;
            }
            self.bump();
        }
        if self.peek(0).is_some_and(|c| c.is_alphabetic() || c == '_') {
            self.bump();
            return Err(self.error(
                start,
                format!("'{text}' must be followed by a space or an operator"),
            ));
        }
        let digits = text.replace('_', "");
        if float {
            digits
                .parse()
                .map(Token::Float)
                .map_err(|_| self.error(start, format!("'{text}' is not a number")))
        } else {
            digits
                .parse()
                .map(Token::Int)
                .map_err(|_| self.error(start, format!("{text} does not fit in a 64-bit integer")))
        }
    }

    fn string(&mut self, start: Location, quote: char) -> Result<Token> {
        self.bump();
        let mut value = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => {
                    return Err(self.error(start, "this string has no closing quote"));
                }
                Some(c) if c == quote => return Ok(Token::Str(value)),
                Some('\\') => {
                    let escape_start = self.location();
                    let escaped = match self.bump() {
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('r') => '\r',
                        Some('0') => '\0',
                        Some(c @ ('\\' | '\'' | '"')) => c,
                        Some('u') => self.unicode_escape(escape_start)?,
                        other => {
                            return Err(self.error(
                                escape_start,
                                format!(
                                    "unknown escape '\\{}' (known: \\n \\t \\r \\0 \\\\ \\' \\\" \\uXXXX)",
                                    other.map(String::from).unwrap_or_default()
                                ),
                            ));
                        }
                    };
                    value.push(escaped);
                }
                Some(c) => value.push(c),
            }
        }
    }

    fn unicode_escape(&mut self, start: Location) -> Result<char> {
        let mut code = 0u32;
        for _ in 0..4 {
            let digit = self.bump().and_then(|c| c.to_digit(16));
            let Some(digit) = digit else {
                return Err(self.error(start, "\\u must be followed by four hexadecimal digits"));
            };
            code = code * 16 + digit;
        }
        char::from_u32(code).ok_or_else(|| self.error(start, "\\u names no character"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<Token> {
        tokenize(text)
            .unwrap()
            .into_iter()
            .map(|t| t.token)
            .collect()
    }

    #[test]
    fn splits_operators_numbers_and_strings() {
        assert_eq!(
            tokens("t.a ** 2 // 1.5e3 != 'x\\'y'"),
            vec![
                Token::Name("t".into()),
                Token::Punct("."),
                Token::Name("a".into()),
                Token::Punct("**"),
                Token::Int(2),
                Token::Punct("//"),
                Token::Float(1500.0),
                Token::Punct("!="),
                Token::Str("x'y".into()),
                Token::End,
            ]
        );
    }

    #[test]
    fn errors_point_at_the_text() {
        let err = tokenize("t.a $ 1").unwrap_err();
        assert_eq!(err.span().start, Location::new(1, 5));
        assert!(
            err.to_string().contains("unexpected character '$'"),
            "{err}"
        );
        let err = tokenize("t['name]").unwrap_err();
        assert!(err.to_string().contains("no closing quote"), "{err}");
        assert_eq!(err.span().start, Location::new(1, 3));
    }
}
