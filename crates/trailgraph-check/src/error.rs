//! Errors of this crate: [`CheckFileError`] while loading check, benchmark and phrase files,
//! [`CheckError`] while running.

use std::fmt;
use std::path::PathBuf;

/// A place in a check, benchmark or phrase file: `path:line:column`. Lines and columns count
/// from 1; 0 means unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocation {
    /// The file (built-in files are named `<builtin>/queries/...`).
    pub path: PathBuf,
    /// Line, from 1.
    pub line: u64,
    /// Column in characters, from 1.
    pub column: u64,
}

impl fmt::Display for FileLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

fn check_prefix(check: &Option<String>) -> String {
    match check {
        Some(id) => format!("check {id}: "),
        None => String::new(),
    }
}

/// A check, benchmark or phrase file that cannot be used. Every variant names the file, line and
/// column, and the check (or benchmark control) it concerns when there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckFileError {
    /// A file or directory could not be read.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
    /// The YAML does not parse or does not fit the format: an unknown field, a missing field,
    /// a wrong type.
    #[error("{location}: {}{message}", check_prefix(check))]
    Format {
        /// Where.
        location: FileLocation,
        /// The check whose entry is wrong, when known.
        check: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A query that does not parse.
    #[error("{location}: {}query does not parse: {message}", check_prefix(check))]
    Query {
        /// Where (the position inside the query, mapped to the file).
        location: FileLocation,
        /// The check.
        check: Option<String>,
        /// The parser's message.
        message: String,
    },
    /// A query reads a property that no kind of the inventory has (a misspelt name matches or
    /// misses every node quietly).
    #[error("{location}: {}{message}", check_prefix(check))]
    UnknownProperty {
        /// Where the property is written.
        location: FileLocation,
        /// The check.
        check: Option<String>,
        /// Which property, and the closest known names.
        message: String,
    },
    /// `is(...)` or `result_kind` names no kind.
    #[error("{location}: {}unknown kind `{kind}`", check_prefix(check))]
    UnknownKind {
        /// Where.
        location: FileLocation,
        /// The check.
        check: Option<String>,
        /// The name.
        kind: String,
    },
    /// A `{{placeholder}}` that has no value (neither a parameter nor a value the runner or the
    /// report provides).
    #[error(
        "{location}: {}placeholder `{{{{{name}}}}}` has no value",
        check_prefix(check)
    )]
    MissingPlaceholder {
        /// Where.
        location: FileLocation,
        /// The check.
        check: Option<String>,
        /// The placeholder's name.
        name: String,
    },
    /// A required CloudWatch Logs filter pattern (after `covers`) that does not parse.
    #[error(
        "{location}: {}filter pattern does not parse: {message}",
        check_prefix(check)
    )]
    InvalidPattern {
        /// Where.
        location: FileLocation,
        /// The check.
        check: Option<String>,
        /// The pattern parser's message.
        message: String,
    },
    /// A semantic error: duplicate id, unknown check in a benchmark, unknown parameter, ...
    #[error("{location}: {}{message}", check_prefix(check))]
    Invalid {
        /// Where.
        location: FileLocation,
        /// The check.
        check: Option<String>,
        /// What is wrong.
        message: String,
    },
}

impl CheckFileError {
    /// Where the problem is, when it is inside a file.
    pub fn location(&self) -> Option<&FileLocation> {
        match self {
            CheckFileError::Io { .. } => None,
            CheckFileError::Format { location, .. }
            | CheckFileError::Query { location, .. }
            | CheckFileError::UnknownProperty { location, .. }
            | CheckFileError::UnknownKind { location, .. }
            | CheckFileError::MissingPlaceholder { location, .. }
            | CheckFileError::InvalidPattern { location, .. }
            | CheckFileError::Invalid { location, .. } => Some(location),
        }
    }

    /// The check the error concerns, when there is one.
    pub fn check(&self) -> Option<&str> {
        match self {
            CheckFileError::Io { .. } => None,
            CheckFileError::Format { check, .. }
            | CheckFileError::Query { check, .. }
            | CheckFileError::UnknownProperty { check, .. }
            | CheckFileError::UnknownKind { check, .. }
            | CheckFileError::MissingPlaceholder { check, .. }
            | CheckFileError::InvalidPattern { check, .. }
            | CheckFileError::Invalid { check, .. } => check.as_deref(),
        }
    }
}

/// Running checks failed (not a verdict: a verdict is never an error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// `--benchmark` names no loaded benchmark.
    #[error("unknown benchmark `{id}` (known: {known})")]
    UnknownBenchmark {
        /// The id asked for.
        id: String,
        /// The ids available, comma-separated.
        known: String,
    },
    /// `--check` names no check of the benchmark.
    #[error("unknown check `{id}` in benchmark {benchmark}")]
    UnknownCheck {
        /// The id asked for.
        id: String,
        /// The benchmark.
        benchmark: String,
    },
    /// `--account` names no account of the inventory.
    #[error("account `{id}` is not in the inventory")]
    UnknownAccount {
        /// The id asked for.
        id: String,
    },
    /// A query failed while running (a bug or an engine limit, not a verdict).
    #[error("check {check}: query failed: {message}\n  query: {query}")]
    Query {
        /// The check.
        check: String,
        /// The query text after placeholders were filled.
        query: String,
        /// The engine's message.
        message: String,
    },
}
