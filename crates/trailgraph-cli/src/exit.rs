//! Exit codes, mapped in one place.

use std::io;
use std::process::ExitCode;

/// Everything went as asked (also: all checks passed, the collection is complete).
pub const SUCCESS: u8 = 0;
/// A check failed (or a compared pattern misses events).
pub const FAILED: u8 = 1;
/// A usage, parse or input error.
pub const USAGE: u8 = 2;
/// The result is incomplete: a collection error, or a check that could not be evaluated.
pub const INCOMPLETE: u8 = 3;

/// What a command ends with.
#[derive(Debug)]
pub enum Outcome {
    /// Exit with this code; anything worth saying has been printed.
    Code(u8),
    /// Print this message to stderr and exit with the code.
    Error {
        /// The message, already rendered (may span lines).
        message: String,
        /// The exit code.
        code: u8,
    },
}

impl Outcome {
    /// A usage or input error.
    pub fn usage(message: impl Into<String>) -> Outcome {
        Outcome::Error {
            message: message.into(),
            code: USAGE,
        }
    }
}

impl From<io::Error> for Outcome {
    fn from(err: io::Error) -> Self {
        if err.kind() == io::ErrorKind::BrokenPipe {
            // `trailgraph ... | head` closing the pipe early is not a failure.
            return Outcome::Code(SUCCESS);
        }
        Outcome::usage(format!("error: {err}"))
    }
}

/// Prints an error outcome and converts to the process exit code.
pub fn to_exit_code(outcome: Outcome) -> ExitCode {
    match outcome {
        Outcome::Code(code) => ExitCode::from(code),
        Outcome::Error { message, code } => {
            let message = message.trim_end();
            if message.starts_with("error") {
                eprintln!("{message}");
            } else {
                eprintln!("error: {message}");
            }
            ExitCode::from(code)
        }
    }
}
