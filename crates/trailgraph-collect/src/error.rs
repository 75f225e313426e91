//! Errors that stop a collection or an import before any evidence exists.
//!
//! Failures of single API calls are not errors of this kind: they are recorded in the evidence
//! (`meta.errors`) and the collection goes on.

use std::path::PathBuf;

/// Why [`crate::collect`] could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// A region code in `--regions` is not of the form `us-east-1` (a usage error).
    #[error("invalid region `{0}`: expected `all` or codes such as `us-east-1,eu-west-1`")]
    InvalidRegion(String),
    /// An option has a value that cannot work, e.g. a concurrency of 0 (a usage error).
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// Organisation mode could not read the organisation at all.
    #[error("the organisation could not be read: {0}")]
    Organization(String),
}

/// Why [`crate::import_aws_cli`] or [`crate::export_aws_cli`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file is not valid JSON.
    #[error("{}:{line}:{column}: invalid JSON: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// A file holds JSON of the wrong shape (e.g. `describe-trails` without `trailList`).
    #[error("{}: {message}", path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The directory has no `<account-id>/<region>/` folders.
    #[error("{}: no account folders (expected DIR/<12-digit account id>/<region>/*.json)", path.display())]
    Empty {
        /// The directory given.
        path: PathBuf,
    },
}
