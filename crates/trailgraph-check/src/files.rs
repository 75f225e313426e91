//! The YAML file formats, as written (see `docs/checks.md`), and reading them from a check
//! directory. Unknown fields are errors.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::error::CheckFileError;

use serde::Deserialize;
use serde_saphyr::Spanned;

/// `queries/checks/*.yaml`: a list of checks.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckFileDoc {
    /// `aws`.
    #[allow(dead_code)]
    pub provider: String,
    /// The AWS service the checks are about (documentation only).
    #[allow(dead_code)]
    pub service: String,
    /// The checks.
    pub checks: Vec<Spanned<CheckDoc>>,
}

/// One check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckDoc {
    pub id: Spanned<String>,
    pub title: String,
    pub result_kind: Spanned<String>,
    pub severity: Spanned<String>,
    pub risk: String,
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    pub detect: DetectDoc,
    pub remediation: RemediationDoc,
}

/// The queries of a check.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DetectDoc {
    pub passed: Spanned<String>,
    #[serde(default)]
    pub failed: Option<Spanned<String>>,
    #[serde(default)]
    pub not_evaluable: Vec<NotEvaluableDoc>,
}

/// One reason for `not_evaluable`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NotEvaluableDoc {
    pub reason: Spanned<String>,
    pub query: Spanned<String>,
}

/// Remediation text and commands.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RemediationDoc {
    pub text: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub aws_cli: Vec<CommandDoc>,
}

/// One remediation command.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommandDoc {
    pub command: Spanned<String>,
    #[serde(default)]
    pub unless_exists: Option<Spanned<String>>,
}

/// `queries/benchmarks/<id>.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BenchmarkDoc {
    pub id: Spanned<String>,
    pub title: String,
    pub framework: String,
    pub version: String,
    #[serde(default)]
    pub description: Option<String>,
    pub sections: Vec<SectionDoc>,
}

/// A section of a benchmark.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SectionDoc {
    pub title: String,
    pub controls: Vec<ControlDoc>,
}

/// A control: a number, a title, a check and parameter overrides.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ControlDoc {
    pub control: Spanned<String>,
    pub title: String,
    pub check: Spanned<String>,
    #[serde(default)]
    pub parameters: BTreeMap<String, Spanned<String>>,
}

/// `queries/explain.yaml`: phrases for conditions and kinds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExplainDoc {
    #[serde(default)]
    pub conditions: Vec<PhraseDoc>,
    #[serde(default)]
    pub kinds: BTreeMap<String, String>,
}

/// The phrases for one condition.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PhraseDoc {
    pub condition: Spanned<String>,
    #[serde(default)]
    pub fails: Option<String>,
    #[serde(default)]
    pub holds: Option<String>,
}

/// Largest check, benchmark or phrase file read (the built-in ones are below 100 KiB).
pub const MAX_CHECK_FILE_BYTES: u64 = 4 << 20;

fn io_error(path: &Path, message: impl Into<String>) -> CheckFileError {
    CheckFileError::Io {
        path: path.to_owned(),
        message: message.into(),
    }
}

/// The `*.yaml` / `*.yml` entries of `dir`, sorted. An entry of that name that is not a
/// readable regular file (a dangling symbolic link, a directory, a pipe, a device) is an
/// error naming it, never skipped: a check the operator meant to run must not silently vanish.
pub(crate) fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, CheckFileError> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io_error(dir, e.to_string()))? {
        let path = entry.map_err(|e| io_error(dir, e.to_string()))?.path();
        let is_yaml = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if !is_yaml {
            continue;
        }
        check_regular_file(&path)?;
        out.push(path);
    }
    out.sort();
    Ok(out)
}

fn check_regular_file(path: &Path) -> Result<std::fs::Metadata, CheckFileError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(io_error(
                path,
                "cannot read the check file: it is a symbolic link to a file that does not exist",
            ));
        }
        Err(e) => return Err(io_error(path, format!("cannot read the check file: {e}"))),
    };
    if meta.is_dir() {
        return Err(io_error(
            path,
            "is a directory, not a check file (rename it or move it out of the check directory)",
        ));
    }
    if !meta.is_file() {
        return Err(io_error(
            path,
            "is not a regular file (a pipe, socket or device); check files must be regular files",
        ));
    }
    if meta.len() > MAX_CHECK_FILE_BYTES {
        return Err(io_error(
            path,
            format!(
                "is {} bytes; check files are at most {MAX_CHECK_FILE_BYTES} bytes",
                meta.len()
            ),
        ));
    }
    Ok(meta)
}

/// Reads one check file: a regular file of at most [`MAX_CHECK_FILE_BYTES`] in UTF-8.
pub(crate) fn read_check_file(path: &Path) -> Result<String, CheckFileError> {
    check_regular_file(path)?;
    let file = std::fs::File::open(path)
        .map_err(|e| io_error(path, format!("cannot read the check file: {e}")))?;
    let mut bytes = Vec::new();
    // The file may grow after the size check; read one byte past the limit to notice.
    file.take(MAX_CHECK_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(path, format!("cannot read the check file: {e}")))?;
    if bytes.len() as u64 > MAX_CHECK_FILE_BYTES {
        return Err(io_error(
            path,
            format!("grew beyond {MAX_CHECK_FILE_BYTES} bytes while it was read"),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        io_error(
            path,
            format!(
                "is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}
