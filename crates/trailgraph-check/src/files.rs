//! The YAML file formats, as written (see `docs/checks.md`), and reading them from a check
//! directory. Unknown fields are errors.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::error::CheckFileError;

use serde::Deserialize;
use serde_saphyr::Spanned;

/// `queries/checks/*.yaml`: templates and checks.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckFileDoc {
    /// `aws`.
    #[allow(dead_code)]
    pub provider: String,
    /// The AWS service the checks are about (documentation only).
    #[allow(dead_code)]
    pub service: String,
    /// Shared parts of checks: a check (or template) that `uses:` one inherits every field it
    /// does not give itself.
    #[serde(default)]
    pub templates: Vec<Spanned<CheckDoc>>,
    /// The checks.
    #[serde(default)]
    pub checks: Vec<Spanned<CheckDoc>>,
}

/// One check or template. Every field but `id` may come from the template named by `uses`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CheckDoc {
    pub id: Spanned<String>,
    #[serde(default)]
    pub uses: Option<Spanned<String>>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub result_kind: Option<Spanned<String>>,
    #[serde(default)]
    pub severity: Option<Spanned<String>>,
    #[serde(default)]
    pub risk: Option<String>,
    #[serde(default)]
    pub parameters: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub detect: Option<DetectDoc>,
    #[serde(default)]
    pub remediation: Option<RemediationDoc>,
}

/// The queries of a check. Each of the three may come from the template the check uses.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DetectDoc {
    #[serde(default)]
    pub passed: Option<Spanned<String>>,
    #[serde(default)]
    pub failed: Option<Spanned<String>>,
    #[serde(default)]
    pub not_evaluable: Option<Vec<NotEvaluableDoc>>,
}

/// One reason for `not_evaluable`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NotEvaluableDoc {
    pub reason: Spanned<String>,
    pub query: Spanned<String>,
}

/// Remediation text, fixes and reusable resources. A check that `uses` a template and gives
/// `remediation` replaces the template's `text` and `url` when it gives them, and puts its
/// `fixes` and `reuse` before the template's.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RemediationDoc {
    #[serde(default)]
    pub text: Option<Spanned<String>>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub fixes: Vec<FixDoc>,
    #[serde(default)]
    pub reuse: Vec<ReuseDoc>,
}

/// One fix: what to run when the chain breaks at a level of kind `at`, in one of the ways
/// `when` names.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FixDoc {
    pub at: Spanned<String>,
    pub when: Spanned<String>,
    #[serde(default)]
    pub cli: Option<Spanned<String>>,
    #[serde(default)]
    pub terraform: Option<Spanned<String>>,
}

/// A resource that, where a level is missing from the chain, can stand in for it and every
/// level after it (an SNS topic that already has a confirmed subscription).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReuseDoc {
    pub at: Spanned<String>,
    pub query: Spanned<String>,
    /// Tried only when the chain has no value for any of these names.
    #[serde(default)]
    pub when_unknown: Vec<Spanned<String>>,
    /// The query runs from the chain's node of the first of these kinds that is on it (from
    /// the result's node when empty).
    #[serde(default)]
    pub from: Vec<Spanned<String>>,
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
    /// Where the benchmark is published.
    #[serde(default)]
    pub url: Option<String>,
    /// The benchmark `trailgraph check` runs when none is named.
    #[serde(default)]
    pub default: bool,
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

/// `queries/vocabulary.yaml`: how explanations and remediation speak of kinds, conditions and
/// missing links.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VocabularyDoc {
    #[serde(default)]
    pub kinds: BTreeMap<String, Spanned<KindDoc>>,
    #[serde(default)]
    pub conditions: Vec<PhraseDoc>,
    #[serde(default)]
    pub links: Vec<LinkDoc>,
}

/// Words and values for one kind.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KindDoc {
    pub word: String,
    #[serde(default)]
    pub label: Option<Spanned<String>>,
    #[serde(default)]
    pub values: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    pub finding_type: Option<String>,
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

/// Hints for a link that is missing: no node of kind `to` reached from a node of kind `from`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkDoc {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    pub hints: Vec<HintDoc>,
}

/// One hint: said when `when` holds on the `from` node (always without `when`); `near` lists
/// nodes a query finds from it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HintDoc {
    #[serde(default)]
    pub when: Option<Spanned<String>>,
    pub say: Spanned<String>,
    #[serde(default)]
    pub near: Option<NearDoc>,
}

/// Nodes close to what is missing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NearDoc {
    pub query: Spanned<String>,
    pub say: Spanned<String>,
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
