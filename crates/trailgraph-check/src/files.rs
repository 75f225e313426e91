//! The YAML file formats, as written (see `docs/checks.md`). Unknown fields are errors.

use std::collections::BTreeMap;

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
