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

impl Outcome {
    /// The outcome of a run whose output could not be written, when what it found calls for
    /// exit code `verdict`: a closed pipe (`trailgraph ... | head`) is not a failure of its own,
    /// but it never hides the verdict (a pipeline with `pipefail` must not see a failed check as
    /// a pass); any other write error is one.
    pub fn output_failed(err: io::Error, verdict: u8) -> Outcome {
        if err.kind() == io::ErrorKind::BrokenPipe {
            return Outcome::Code(verdict);
        }
        Outcome::usage(format!("error: {err}"))
    }

    /// The exit code of a check report: 0, 1 or 3 (see `Report::exit_code`).
    pub fn of_report(report: &trailgraph_check::Report) -> u8 {
        u8::try_from(report.exit_code()).unwrap_or(FAILED)
    }
}

impl From<io::Error> for Outcome {
    fn from(err: io::Error) -> Self {
        Outcome::output_failed(err, SUCCESS)
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
