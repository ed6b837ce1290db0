//! Errors of computing expressions.

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong binding data or computing an expression.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A resource could not be found, read or discovered.
    #[error(transparent)]
    Odo(#[from] blaze_odo::Error),
    /// The expression is invalid.
    #[error(transparent)]
    Expr(#[from] blaze_expr::Error),
    /// The engine failed while computing.
    #[error("{0}")]
    Engine(String),
    /// The expression uses something this engine does not compute yet.
    #[error("not supported yet: {0}")]
    Unsupported(String),
    /// SQL text that does not parse or plan, or that would change data.
    #[error("{0}")]
    Sql(String),
    /// A name was bound wrongly.
    #[error("{0}")]
    Binding(String),
}

impl Error {
    /// A single element or row (`t[5]`, `t.x[-6]`) past the rows, as Python's `IndexError`.
    pub(crate) fn past_the_rows(expr: &dyn std::fmt::Display) -> Self {
        Error::Engine(format!(
            "{expr}: index out of bounds for axis 0 (there are fewer rows)"
        ))
    }
}

impl From<datafusion::error::DataFusionError> for Error {
    fn from(error: datafusion::error::DataFusionError) -> Self {
        use arrow::error::ArrowError;
        use datafusion::error::DataFusionError;
        match error.find_root() {
            // An error from our own sources (a bad CSV cell) says where it is: keep its words.
            DataFusionError::External(inner) => Error::Engine(inner.to_string()),
            root @ DataFusionError::ArrowError(e, _) => match &**e {
                // Arrow's words ("Divide by zero error") say neither which division nor of what.
                ArrowError::DivideByZero => {
                    Error::Engine("integer division or modulo by zero (// or % of integers)".into())
                }
                // Our own functions' words (`**` of integers), and casts' ("Cannot cast string
                // 'Alice' to value of Int64 type"), without Arrow's prefixes.
                ArrowError::ComputeError(message) | ArrowError::CastError(message) => {
                    Error::Engine(message.clone())
                }
                _ => Error::Engine(root.to_string()),
            },
            root => Error::Engine(root.to_string()),
        }
    }
}
