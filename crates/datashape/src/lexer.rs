//! The datashape lexer: text to tokens with positions.
//!
//! Differences from the original's regex lexer, all deliberate: an identifier is read whole and
//! then classified (so `TrueType` is one name and a field may be called `True`); string literals
//! accept every escape Python's `repr` produces (`\\`, `\'`, `\"`, `\xNN`, `\uXXXX`,
//! `\UXXXXXXXX`), so every printed field name reads back.

use crate::error::{Error, ParseErrorKind, Result};
use crate::span::{Location, Span};

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Token {
    /// An identifier: `int32`, `T`, `_private`.
    Name(String),
    /// `True` or `False`.
    Bool(bool),
    /// A non-negative integer without leading zeros.
    Integer(u64),
    /// A quoted string, escapes decoded.
    Str(String),
    Star,
    Comma,
    Equal,
    Colon,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    LParen,
    RParen,
    Ellipsis,
    Arrow,
    Question,
    Eof,
}

impl Token {
    /// How the token reads in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Token::Name(n) => format!("'{n}'"),
            Token::Bool(b) => format!("'{}'", if *b { "True" } else { "False" }),
            Token::Integer(n) => format!("'{n}'"),
            Token::Str(s) => format!("string {}", crate::print::quote(s)),
            Token::Eof => "end of input".to_owned(),
            other => format!("'{}'", other.symbol()),
        }
    }

    /// The text of a punctuation token.
    pub(crate) fn symbol(&self) -> &'static str {
        match self {
            Token::Star => "*",
            Token::Comma => ",",
            Token::Equal => "=",
            Token::Colon => ":",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::LBrace => "{",
            Token::RBrace => "}",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::Ellipsis => "...",
            Token::Arrow => "->",
            Token::Question => "?",
            _ => "",
        }
    }
}

/// A token and where it stands.
#[derive(Clone, Debug)]
pub(crate) struct Spanned {
    pub(crate) token: Token,
    pub(crate) span: Span,
}

/// Splits `text` into tokens, ending with [`Token::Eof`].
pub(crate) fn tokenize(text: &str) -> Result<Vec<Spanned>> {
    let mut lexer = Lexer {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
        column: 1,
    };
    let mut tokens = Vec::new();
    loop {
        lexer.skip_trivia();
        let start = lexer.location();
        let token = lexer.next_token()?;
        let done = token == Token::Eof;
        tokens.push(Spanned {
            token,
            span: Span::new(start, lexer.location()),
        });
        if done {
            return Ok(tokens);
        }
    }
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: u32,
    column: u32,
}

impl Lexer {
    fn location(&self) -> Location {
        Location::new(self.line, self.column)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn error(&self, kind: ParseErrorKind, start: Location) -> Error {
        Error::Parse {
            kind,
            span: Span::new(start, self.location()),
        }
    }

    /// Skips whitespace and `#` comments.
    fn skip_trivia(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.bump();
            } else if c == '#' {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.bump();
                }
            } else {
                break;
            }
        }
    }

    fn next_token(&mut self) -> Result<Token> {
        let start = self.location();
        let Some(c) = self.peek() else {
            return Ok(Token::Eof);
        };
        if c.is_ascii_alphabetic() || c == '_' {
            return Ok(self.name());
        }
        if c.is_ascii_digit() {
            return self.integer(start);
        }
        if c == '"' || c == '\'' {
            return self.string(start);
        }
        self.bump();
        Ok(match c {
            '*' => Token::Star,
            ',' => Token::Comma,
            '=' => Token::Equal,
            ':' => Token::Colon,
            '[' => Token::LBracket,
            ']' => Token::RBracket,
            '{' => Token::LBrace,
            '}' => Token::RBrace,
            '(' => Token::LParen,
            ')' => Token::RParen,
            '?' => Token::Question,
            '.' if self.peek() == Some('.') && self.peek_at(1) == Some('.') => {
                self.bump();
                self.bump();
                Token::Ellipsis
            }
            '-' if self.peek() == Some('>') => {
                self.bump();
                Token::Arrow
            }
            other => return Err(self.error(ParseErrorKind::InvalidCharacter(other), start)),
        })
    }

    fn name(&mut self) -> Token {
        let mut name = String::new();
        while let Some(c) = self
            .peek()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        {
            name.push(c);
            self.bump();
        }
        match name.as_str() {
            "True" => Token::Bool(true),
            "False" => Token::Bool(false),
            _ => Token::Name(name),
        }
    }

    fn integer(&mut self, start: Location) -> Result<Token> {
        let mut digits = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_digit) {
            digits.push(c);
            self.bump();
        }
        if digits.len() > 1 && digits.starts_with('0') {
            return Err(self.error(ParseErrorKind::LeadingZeros(digits), start));
        }
        digits
            .parse()
            .map(Token::Integer)
            .map_err(|_| self.error(ParseErrorKind::IntegerTooLarge(digits), start))
    }

    fn string(&mut self, start: Location) -> Result<Token> {
        let quote = self.bump().expect("caller saw the quote");
        let mut value = String::new();
        loop {
            let escape_start = self.location();
            match self.bump() {
                None | Some('\n' | '\r') => {
                    return Err(self.error(ParseErrorKind::UnterminatedString, start));
                }
                Some(c) if c == quote => return Ok(Token::Str(value)),
                Some('\\') => value.push(self.escape(escape_start)?),
                Some(c) => value.push(c),
            }
        }
    }

    /// Decodes the escape after a backslash.
    fn escape(&mut self, start: Location) -> Result<char> {
        let Some(c) = self.bump() else {
            return Err(self.error(ParseErrorKind::UnterminatedString, start));
        };
        let hex_digits = match c {
            '\\' | '\'' | '"' => return Ok(c),
            'b' => return Ok('\u{8}'),
            'f' => return Ok('\u{c}'),
            'n' => return Ok('\n'),
            'r' => return Ok('\r'),
            't' => return Ok('\t'),
            'x' => 2,
            'u' => 4,
            'U' => 8,
            other => return Err(self.error(ParseErrorKind::InvalidEscape(other), start)),
        };
        let mut code = 0u32;
        for _ in 0..hex_digits {
            let digit = self.peek().and_then(|d| d.to_digit(16));
            let Some(digit) = digit else {
                return Err(self.error(ParseErrorKind::InvalidEscape(c), start));
            };
            self.bump();
            code = code * 16 + digit;
        }
        char::from_u32(code).ok_or_else(|| self.error(ParseErrorKind::InvalidEscape(c), start))
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
    fn reads_whole_identifiers() {
        assert_eq!(
            tokens("TrueType True"),
            vec![
                Token::Name("TrueType".into()),
                Token::Bool(true),
                Token::Eof
            ]
        );
    }

    #[test]
    fn skips_comments_and_tracks_lines() {
        let toks = tokenize("# a comment\n  3 * int32 # trailing\n").unwrap();
        assert_eq!(toks[0].token, Token::Integer(3));
        assert_eq!(toks[0].span.start, Location::new(2, 3));
    }

    #[test]
    fn decodes_escapes() {
        assert_eq!(
            tokens(r#"'a\'b' "c\\d\x41\u00e9\n""#),
            vec![
                Token::Str("a'b".into()),
                Token::Str("c\\dAé\n".into()),
                Token::Eof
            ]
        );
    }

    #[test]
    fn rejects_leading_zeros_and_stray_characters() {
        let err = tokenize("3 * 01 * int32").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid datashape at line 1, column 5: integer '01' has leading zeros"
        );
        let err = tokenize("3 $ int32").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid datashape at line 1, column 3: unexpected character '$'"
        );
        assert!(tokenize("'open").is_err());
        assert!(tokenize(r"'\q'").is_err());
    }
}
