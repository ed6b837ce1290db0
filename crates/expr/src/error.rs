//! Errors of the expression crate: bad text, and expressions that do not type.

use blaze_datashape::Span;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can be wrong with an expression.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The text is not a valid expression; `span` says where.
    #[error("invalid expression at {}: {message}", .span.start)]
    Syntax {
        /// What is wrong and, where there is one, the fix.
        message: String,
        /// Where in the text.
        span: Span,
    },
    /// The expression is well formed but means nothing: an unknown field, a predicate that is
    /// not boolean, types that do not combine. `span` says where in the text, when the
    /// expression came from text.
    #[error("{}{message}", position(.span))]
    Type {
        /// What is wrong.
        message: String,
        /// Where in the text, if known.
        span: Option<Span>,
    },
}

fn position(span: &Option<Span>) -> String {
    span.map(|s| format!("at {}: ", s.start))
        .unwrap_or_default()
}

impl Error {
    pub(crate) fn syntax(span: Span, message: impl Into<String>) -> Self {
        Error::Syntax {
            message: message.into(),
            span,
        }
    }

    /// A typing error with no place in any text (yet).
    pub(crate) fn typing(message: impl Into<String>) -> Self {
        Error::Type {
            message: message.into(),
            span: None,
        }
    }

    /// Where in the text the error is; the default span when it is not from text.
    pub fn span(&self) -> Span {
        match self {
            Error::Syntax { span, .. } => *span,
            Error::Type { span, .. } => span.unwrap_or_default(),
        }
    }

    /// The error placed at `span`, unless it already has a place.
    pub(crate) fn at(self, at: Span) -> Self {
        match self {
            Error::Type {
                message,
                span: None,
            } => Error::Type {
                message,
                span: Some(at),
            },
            other => other,
        }
    }
}
