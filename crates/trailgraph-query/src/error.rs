//! The error of a command line that could not run.

use std::ops::Range;

use crate::lower::LowerError;
use crate::parser::ParseError;

/// A command line that could not run. Spans are byte ranges into the whole line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// A query that does not parse.
    #[error("{error}")]
    Parse {
        /// The parser's error (its span is within the line).
        error: ParseError,
    },
    /// A query that cannot run (unknown kind, bad regex, unsupported construct).
    #[error("{error}")]
    Lower {
        /// The lowering error (its span is within the line).
        error: LowerError,
    },
    /// A command or argument that is not understood.
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: String,
        /// Where.
        span: Range<usize>,
    },
    /// Writing the output failed.
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
}

impl CommandError {
    /// Where the problem is in the line, if it is located.
    pub fn span(&self) -> Option<Range<usize>> {
        match self {
            CommandError::Parse { error } => Some(error.span.clone()),
            CommandError::Lower { error } => Some(error.span()),
            CommandError::Usage { span, .. } => Some(span.clone()),
            CommandError::Io(_) => None,
        }
    }

    /// A second place worth showing, with its label (the `(` that is not closed).
    pub fn label(&self) -> Option<(Range<usize>, &'static str)> {
        match self {
            CommandError::Parse { error } => error
                .unclosed
                .clone()
                .map(|span| (span, "unclosed `(` opened here")),
            _ => None,
        }
    }

    /// The message without location.
    pub fn message(&self) -> String {
        self.to_string()
    }
}
