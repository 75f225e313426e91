//! Loading and validating check, benchmark and phrase files into a [`Catalog`].

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_saphyr::{Location, Spanned};
use trailgraph_model::Kind;
use trailgraph_query::ast::{CmpOp, Literal, Query, Term, WithClause};

use crate::error::{CheckFileError, FileLocation};
use crate::files::{BenchmarkDoc, CheckDoc, CheckFileDoc, ExplainDoc};
use crate::template::{self, Placeholder};

/// The files under `queries/`, compiled into the binary so that `trailgraph check --demo` works
/// anywhere: (path relative to `queries/`, contents).
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    (
        "checks/aws_monitoring.yaml",
        include_str!("../../../queries/checks/aws_monitoring.yaml"),
    ),
    (
        "checks/aws_cloudtrail.yaml",
        include_str!("../../../queries/checks/aws_cloudtrail.yaml"),
    ),
    (
        "benchmarks/cis_aws_v1_2.yaml",
        include_str!("../../../queries/benchmarks/cis_aws_v1_2.yaml"),
    ),
    (
        "benchmarks/cis_aws_v1_4.yaml",
        include_str!("../../../queries/benchmarks/cis_aws_v1_4.yaml"),
    ),
    (
        "benchmarks/cis_aws_v1_5.yaml",
        include_str!("../../../queries/benchmarks/cis_aws_v1_5.yaml"),
    ),
    (
        "benchmarks/cis_aws_v2_0.yaml",
        include_str!("../../../queries/benchmarks/cis_aws_v2_0.yaml"),
    ),
    (
        "benchmarks/cis_aws_v3_0.yaml",
        include_str!("../../../queries/benchmarks/cis_aws_v3_0.yaml"),
    ),
    (
        "benchmarks/cis_aws_v4_0.yaml",
        include_str!("../../../queries/benchmarks/cis_aws_v4_0.yaml"),
    ),
    (
        "benchmarks/cis_aws_v5_0.yaml",
        include_str!("../../../queries/benchmarks/cis_aws_v5_0.yaml"),
    ),
    (
        "benchmarks/cis_aws_v6_0.yaml",
        include_str!("../../../queries/benchmarks/cis_aws_v6_0.yaml"),
    ),
    (
        "explain.yaml",
        include_str!("../../../queries/explain.yaml"),
    ),
];

/// Values the report fills into remediation commands from the account's resources (a check's
/// parameter of the same name is the fallback).
pub const REPORT_VALUES: &[&str] = &[
    "account_id",
    "account_name",
    "trail_name",
    "trail_region",
    "trail_arn",
    "log_group_name",
    "log_group_region",
    "log_group_arn",
    "filter_name",
    "metric_name",
    "metric_namespace",
    "alarm_name",
    "topic_arn",
    "topic_name",
];

/// What `unless_exists` may name: a remediation command is left out when the account already
/// has this.
pub const EXISTS_KEYS: &[&str] = &[
    "trail",
    "log_group",
    "filter",
    "alarm",
    "topic_arn",
    "confirmed_subscription",
];

/// How bad a failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// `info`
    Info,
    /// `low`
    Low,
    /// `medium`
    Medium,
    /// `high`
    High,
    /// `critical`
    Critical,
}

impl Severity {
    /// The lower-case word.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

/// A query as written in a check file, placeholders unfilled.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryTemplate {
    /// The query text with `{{placeholders}}`.
    pub text: String,
    /// Where the query starts in its file.
    pub location: FileLocation,
}

/// One way a check's verdict can be `not_evaluable`.
#[derive(Debug, Clone, PartialEq)]
pub struct NotEvaluable {
    /// Why, for people.
    pub reason: String,
    /// The accounts it concerns.
    pub query: QueryTemplate,
}

/// One remediation command.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// The command with placeholders.
    pub template: String,
    /// Left out when the account already has this (one of [`EXISTS_KEYS`]).
    pub unless_exists: Option<String>,
}

/// What to do about a failure.
#[derive(Debug, Clone, PartialEq)]
pub struct Remediation {
    /// In words.
    pub text: String,
    /// Documentation.
    pub url: Option<String>,
    /// AWS CLI commands.
    pub commands: Vec<Command>,
}

/// A loaded, validated check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The stable id.
    pub id: String,
    /// Title.
    pub title: String,
    /// The kind a verdict is about (`aws_account`).
    pub result_kind: Kind,
    /// Severity.
    pub severity: Severity,
    /// Why it matters.
    pub risk: String,
    /// Default parameter values.
    pub parameters: BTreeMap<String, String>,
    /// The accounts that pass.
    pub passed: QueryTemplate,
    /// Accounts that fail whatever else holds. A check with a `failed` query is a "for every"
    /// check: evidence of a failure wins, then unknowns (`not_evaluable`), then `passed`.
    /// Without it, `passed` wins, then `not_evaluable`; every other account fails.
    pub failed: Option<QueryTemplate>,
    /// Reasons a verdict cannot be given.
    pub not_evaluable: Vec<NotEvaluable>,
    /// Remediation.
    pub remediation: Remediation,
}

/// A control of a benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    /// The number, e.g. `4.14`.
    pub control: String,
    /// The benchmark's title for it.
    pub title: String,
    /// The check id.
    pub check: String,
    /// Parameter overrides (this version's patterns).
    pub parameters: BTreeMap<String, String>,
}

/// A section of a benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// Title, e.g. `4 Monitoring`.
    pub title: String,
    /// Controls in order.
    pub controls: Vec<Control>,
}

/// A benchmark: controls grouped in sections, each naming a check.
#[derive(Debug, Clone, PartialEq)]
pub struct Benchmark {
    /// The id (the file name), e.g. `cis_aws_v6_0`.
    pub id: String,
    /// Title.
    pub title: String,
    /// Framework, e.g. `CIS`.
    pub framework: String,
    /// Version, e.g. `6.0.0`.
    pub version: String,
    /// Description.
    pub description: Option<String>,
    /// Sections in order.
    pub sections: Vec<Section>,
}

impl Benchmark {
    /// Every control, in order, with its section's title.
    pub fn controls(&self) -> impl Iterator<Item = (&Section, &Control)> {
        self.sections
            .iter()
            .flat_map(|s| s.controls.iter().map(move |c| (s, c)))
    }

    fn version_key(&self) -> Vec<u64> {
        self.version
            .split('.')
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    }
}

/// Phrases for conditions (keyed by canonical query text) and kinds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Phrases {
    /// Canonical condition → what to say when a resource does not meet it.
    pub fails: BTreeMap<String, String>,
    /// Canonical condition → what to say when a resource meets it (used for `failed` queries,
    /// whose conditions describe a defect). An empty phrase means "say nothing".
    pub holds: BTreeMap<String, String>,
    /// Kind name → word (`aws_cloudwatch_log_group` → `log group`).
    pub kinds: BTreeMap<String, String>,
}

impl Phrases {
    /// The word for a kind.
    pub fn kind<'a>(&'a self, kind: &'a str) -> &'a str {
        self.kinds.get(kind).map_or(kind, String::as_str)
    }
}

/// Every loaded check, benchmark and phrase, validated.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    checks: Vec<Check>,
    benchmarks: Vec<Benchmark>,
    phrases: Phrases,
}

impl Catalog {
    /// Checks in load order.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }

    /// A check by id.
    pub fn check(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Benchmarks, oldest version first.
    pub fn benchmarks(&self) -> &[Benchmark] {
        &self.benchmarks
    }

    /// A benchmark by id.
    pub fn benchmark(&self, id: &str) -> Option<&Benchmark> {
        self.benchmarks.iter().find(|b| b.id == id)
    }

    /// The newest benchmark (the default of `trailgraph check`).
    pub fn default_benchmark(&self) -> Option<&Benchmark> {
        self.benchmarks.last()
    }

    /// The explanation phrases.
    pub fn phrases(&self) -> &Phrases {
        &self.phrases
    }
}

/// A file to load: a path for messages and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path shown in errors.
    pub path: PathBuf,
    /// What the file is.
    pub role: FileRole,
    /// The YAML text.
    pub text: String,
}

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// A list of checks.
    Checks,
    /// One benchmark.
    Benchmark,
    /// Explanation phrases.
    Phrases,
}

/// Loads the built-in files and every YAML file under `extra_dirs` (a directory laid out like
/// `queries/`: `checks/*.yaml`, `benchmarks/*.yaml`, optionally `explain.yaml`; YAML files
/// directly in the directory count as check files, or as a benchmark when they have no
/// `checks:` key), and validates them all.
pub fn load_catalog(extra_dirs: &[PathBuf]) -> Result<Catalog, CheckFileError> {
    let mut files = builtin_sources();
    for dir in extra_dirs {
        files.extend(read_dir_sources(dir)?);
    }
    load_sources(&files)
}

/// The built-in files as sources.
pub fn builtin_sources() -> Vec<SourceFile> {
    BUILTIN_FILES
        .iter()
        .map(|(path, text)| SourceFile {
            path: Path::new("<builtin>/queries").join(path),
            role: role_of(Path::new(path), text),
            text: (*text).to_owned(),
        })
        .collect()
}

fn role_of(relative: &Path, text: &str) -> FileRole {
    let parent = relative
        .parent()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str());
    if relative.file_name().and_then(|n| n.to_str()) == Some("explain.yaml") {
        FileRole::Phrases
    } else if parent == Some("benchmarks") {
        FileRole::Benchmark
    } else if parent == Some("checks") || text.lines().any(|l| l.starts_with("checks:")) {
        FileRole::Checks
    } else {
        FileRole::Benchmark
    }
}

/// Reads the YAML files of a user directory.
pub fn read_dir_sources(dir: &Path) -> Result<Vec<SourceFile>, CheckFileError> {
    if !dir.is_dir() {
        return Err(CheckFileError::Io {
            path: dir.to_owned(),
            message: "not a directory".to_owned(),
        });
    }
    let mut paths = crate::files::yaml_files(dir)?;
    for sub in ["checks", "benchmarks"] {
        let d = dir.join(sub);
        if d.is_dir() {
            paths.extend(crate::files::yaml_files(&d)?);
        }
    }
    paths
        .into_iter()
        .map(|path| {
            let text = crate::files::read_check_file(&path)?;
            let relative = path.strip_prefix(dir).unwrap_or(&path).to_owned();
            Ok(SourceFile {
                role: role_of(&relative, &text),
                path,
                text,
            })
        })
        .collect()
}

/// Loads and validates the given files (phrase files first, then checks, then benchmarks).
pub fn load_sources(files: &[SourceFile]) -> Result<Catalog, CheckFileError> {
    let mut catalog = Catalog::default();
    for f in files.iter().filter(|f| f.role == FileRole::Phrases) {
        load_phrases(f, &mut catalog.phrases)?;
    }
    for f in files.iter().filter(|f| f.role == FileRole::Checks) {
        load_checks(f, &mut catalog)?;
    }
    for f in files.iter().filter(|f| f.role == FileRole::Benchmark) {
        load_benchmark(f, &mut catalog)?;
    }
    catalog.benchmarks.sort_by_key(Benchmark::version_key);
    Ok(catalog)
}

// ---------------------------------------------------------------------------------------------
// Locations

fn at(file: &SourceFile, line: u64, column: u64) -> FileLocation {
    FileLocation {
        path: file.path.clone(),
        line,
        column,
    }
}

fn located(file: &SourceFile, loc: &Location) -> FileLocation {
    at(file, loc.line(), loc.column())
}

/// The file position of byte `offset` inside a scalar that starts at `loc`: handles block
/// scalars (`|`, `>`), quoted and plain scalars. Approximate for folded and multi-line quoted
/// scalars (the line of the start is kept).
fn position_in_scalar(
    file: &SourceFile,
    loc: &Location,
    value: &str,
    offset: usize,
) -> FileLocation {
    let offset = offset.min(value.len());
    let before = value.get(..offset).unwrap_or("");
    let line_index = before.matches('\n').count() as u64;
    let column_in_line = before.rsplit('\n').next().map_or(0, |s| s.chars().count()) as u64;
    let line_no = loc.line();
    let lines: Vec<&str> = file.text.lines().collect();
    let Some(start_line) = usize::try_from(line_no)
        .ok()
        .and_then(|l| l.checked_sub(1))
        .and_then(|i| lines.get(i))
    else {
        return located(file, loc);
    };
    let column0 = usize::try_from(loc.column().saturating_sub(1)).unwrap_or(0);
    let first = start_line.chars().nth(column0);
    match first {
        Some('|' | '>') => {
            // Content starts on the next non-blank line; its indentation is the block's.
            let start = usize::try_from(line_no).unwrap_or(0);
            let indent = lines
                .iter()
                .skip(start)
                .find(|l| !l.trim().is_empty())
                .map_or(0, |l| l.chars().take_while(|c| *c == ' ').count())
                as u64;
            at(file, line_no + 1 + line_index, indent + column_in_line + 1)
        }
        Some('\'' | '"') if line_index == 0 => at(file, line_no, loc.column() + 1 + column_in_line),
        // A plain scalar, or a block scalar whose position is its first content line: every
        // line of the value starts at the same column.
        _ => at(file, line_no + line_index, loc.column() + column_in_line),
    }
}

fn format_error(
    file: &SourceFile,
    e: &serde_saphyr::Error,
    check: Option<String>,
) -> CheckFileError {
    let location = e
        .location()
        .map_or_else(|| at(file, 0, 0), |l| located(file, &l));
    let full = e.to_string();
    // The library's message may carry its own position; keep only the first line.
    let message = full.lines().next().unwrap_or(&full).to_owned();
    CheckFileError::Format {
        location,
        check,
        message,
    }
}

/// The id of the check entry that holds `line`, for errors serde reports without one.
fn check_id_near(text: &str, line: u64) -> Option<String> {
    let upto = usize::try_from(line).unwrap_or(usize::MAX);
    text.lines()
        .take(upto)
        .filter_map(|l| {
            l.trim_start()
                .strip_prefix("- id:")
                .or_else(|| l.trim_start().strip_prefix("id:"))
        })
        .last()
        .map(|s| s.trim().trim_matches(['\'', '"']).to_owned())
}

// ---------------------------------------------------------------------------------------------
// Phrases

fn load_phrases(file: &SourceFile, phrases: &mut Phrases) -> Result<(), CheckFileError> {
    let doc: ExplainDoc =
        serde_saphyr::from_str(&file.text).map_err(|e| format_error(file, &e, None))?;
    for p in doc.conditions {
        let text = &p.condition.value;
        let canonical =
            canonical_condition(text).map_err(|(span, message)| CheckFileError::Query {
                location: position_in_scalar(file, &p.condition.referenced, text, span.start),
                check: None,
                message,
            })?;
        if let Some(f) = p.fails {
            phrases.fails.insert(canonical.clone(), f);
        }
        if let Some(h) = p.holds {
            phrases.holds.insert(canonical, h);
        }
    }
    phrases.kinds.extend(doc.kinds);
    Ok(())
}

/// The canonical text of a condition (a term), as `Display` prints it.
pub fn canonical_condition(text: &str) -> Result<String, (Range<usize>, String)> {
    let query = trailgraph_query::parse(text).map_err(|e| (e.span.clone(), e.message()))?;
    match query.parts.as_slice() {
        [part] if part.with.is_none() && part.navigation.is_none() => Ok(part
            .term
            .as_ref()
            .map_or_else(|| "all".to_owned(), |t| t.to_string())),
        _ => Err((0..text.len(), "a condition is a single term".to_owned())),
    }
}

// ---------------------------------------------------------------------------------------------
// Checks

struct CheckContext<'a> {
    file: &'a SourceFile,
    check: &'a str,
}

impl CheckContext<'_> {
    fn id(&self) -> Option<String> {
        Some(self.check.to_owned())
    }
}

fn load_checks(file: &SourceFile, catalog: &mut Catalog) -> Result<(), CheckFileError> {
    let doc: CheckFileDoc = serde_saphyr::from_str(&file.text).map_err(|e| {
        let check = e
            .location()
            .and_then(|l| check_id_near(&file.text, l.line()));
        format_error(file, &e, check)
    })?;
    for entry in doc.checks {
        let check = build_check(file, &entry.value)?;
        if catalog.check(&check.id).is_some() {
            return Err(CheckFileError::Invalid {
                location: located(file, &entry.value.id.referenced),
                check: Some(check.id.clone()),
                message: "a check with this id is already loaded".to_owned(),
            });
        }
        catalog.checks.push(check);
    }
    Ok(())
}

fn build_check(file: &SourceFile, doc: &CheckDoc) -> Result<Check, CheckFileError> {
    let id = doc.id.value.clone();
    let cx = CheckContext { file, check: &id };
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(CheckFileError::Invalid {
            location: located(file, &doc.id.referenced),
            check: cx.id(),
            message: "a check id is lower-case letters, digits and `_`".to_owned(),
        });
    }
    let result_kind: Kind =
        doc.result_kind
            .value
            .parse()
            .map_err(|_| CheckFileError::UnknownKind {
                location: located(file, &doc.result_kind.referenced),
                check: cx.id(),
                kind: doc.result_kind.value.clone(),
            })?;
    if result_kind != Kind::AwsAccount {
        return Err(CheckFileError::Invalid {
            location: located(file, &doc.result_kind.referenced),
            check: cx.id(),
            message: "verdicts are given per account: result_kind must be aws_account".to_owned(),
        });
    }
    let severity = Severity::parse(&doc.severity.value).ok_or_else(|| CheckFileError::Invalid {
        location: located(file, &doc.severity.referenced),
        check: cx.id(),
        message: format!(
            "unknown severity `{}` (info, low, medium, high, critical)",
            doc.severity.value
        ),
    })?;
    let passed = validated_query(&cx, &doc.detect.passed, &doc.parameters)?;
    let first_kind = first_is(&passed.0);
    if !first_kind.iter().any(|k| k == result_kind.as_str()) {
        return Err(CheckFileError::Invalid {
            location: passed.1.location.clone(),
            check: cx.id(),
            message: format!(
                "the `passed` query must start with is({})",
                result_kind.as_str()
            ),
        });
    }
    let failed = match &doc.detect.failed {
        Some(q) => Some(validated_query(&cx, q, &doc.parameters)?.1),
        None => None,
    };
    let mut not_evaluable = Vec::new();
    for ne in &doc.detect.not_evaluable {
        let (_, query) = validated_query(&cx, &ne.query, &doc.parameters)?;
        check_text_placeholders(&cx, &ne.reason, &doc.parameters, false)?;
        not_evaluable.push(NotEvaluable {
            reason: ne.reason.value.clone(),
            query,
        });
    }
    let mut commands = Vec::new();
    for c in &doc.remediation.aws_cli {
        check_text_placeholders(&cx, &c.command, &doc.parameters, true)?;
        if let Some(u) = &c.unless_exists
            && !EXISTS_KEYS.contains(&u.value.as_str())
        {
            return Err(CheckFileError::Invalid {
                location: located(file, &u.referenced),
                check: cx.id(),
                message: format!("unless_exists must be one of {}", EXISTS_KEYS.join(", ")),
            });
        }
        commands.push(Command {
            template: c.command.value.clone(),
            unless_exists: c.unless_exists.as_ref().map(|u| u.value.clone()),
        });
    }
    Ok(Check {
        id: id.clone(),
        title: doc.title.clone(),
        result_kind,
        severity,
        risk: doc.risk.clone(),
        parameters: doc.parameters.clone(),
        passed: passed.1,
        failed,
        not_evaluable,
        remediation: Remediation {
            text: doc.remediation.text.clone(),
            url: doc.remediation.url.clone(),
            commands,
        },
    })
}

/// Placeholders of a reason or command must have a value: a parameter, or (for commands) a
/// value the report fills in.
fn check_text_placeholders(
    cx: &CheckContext<'_>,
    text: &Spanned<String>,
    parameters: &BTreeMap<String, String>,
    report: bool,
) -> Result<(), CheckFileError> {
    for p in template::placeholders(&text.value) {
        let known = parameters.contains_key(&p.name)
            || (report && REPORT_VALUES.contains(&p.name.as_str()))
            || template::query_value(parameters, jiff::Timestamp::UNIX_EPOCH, &p.name).is_some();
        if !known {
            return Err(CheckFileError::MissingPlaceholder {
                location: position_in_scalar(cx.file, &text.referenced, &text.value, p.span.start),
                check: cx.id(),
                name: p.name,
            });
        }
    }
    Ok(())
}

/// Fills a query template with `parameters` and validates it: placeholders, parsing, kinds,
/// required filter patterns and regular expressions. Returns the parsed query and the template.
fn validated_query(
    cx: &CheckContext<'_>,
    text: &Spanned<String>,
    parameters: &BTreeMap<String, String>,
) -> Result<(Query, QueryTemplate), CheckFileError> {
    let template = QueryTemplate {
        text: text.value.clone(),
        location: position_in_scalar(cx.file, &text.referenced, &text.value, 0),
    };
    let query = validate_filled(cx, text, parameters)?;
    Ok((query, template))
}

fn validate_filled(
    cx: &CheckContext<'_>,
    text: &Spanned<String>,
    parameters: &BTreeMap<String, String>,
) -> Result<Query, CheckFileError> {
    let template_text = &text.value;
    let pos = |offset: usize| position_in_scalar(cx.file, &text.referenced, template_text, offset);
    let (filled, map) =
        fill_mapped(template_text, parameters).map_err(|p| CheckFileError::MissingPlaceholder {
            location: pos(p.span.start),
            check: cx.id(),
            name: p.name,
        })?;
    let back = |offset: usize| pos(map_back(&map, offset));
    let query = trailgraph_query::parse(&filled).map_err(|e| CheckFileError::Query {
        location: back(e.span.start),
        check: cx.id(),
        message: e.message(),
    })?;
    let mut problem: Option<CheckFileError> = None;
    visit_terms(&query, &mut |term, span| {
        if problem.is_some() {
            return;
        }
        match term {
            Term::Is(names) => {
                for n in names {
                    if Kind::matching(&n.node).is_none() {
                        problem = Some(CheckFileError::UnknownKind {
                            location: back(n.span.start),
                            check: cx.id(),
                            kind: n.node.clone(),
                        });
                        return;
                    }
                }
            }
            Term::Predicate(p) => match (p.op.node, &p.value.node) {
                (CmpOp::Covers, Literal::String(pattern)) => {
                    if let Err(e) = trailgraph_pattern::parse(pattern) {
                        problem = Some(CheckFileError::InvalidPattern {
                            location: back(p.value.span.start),
                            check: cx.id(),
                            message: e.to_string(),
                        });
                    }
                }
                (CmpOp::Covers, _) => {
                    problem = Some(CheckFileError::InvalidPattern {
                        location: back(p.value.span.start),
                        check: cx.id(),
                        message: "`covers` needs a quoted filter pattern".to_owned(),
                    });
                }
                (CmpOp::Match | CmpOp::NotMatch, Literal::String(re)) => {
                    if let Err(e) = regex::Regex::new(re) {
                        problem = Some(CheckFileError::Query {
                            location: back(p.value.span.start),
                            check: cx.id(),
                            message: format!("invalid regular expression: {e}"),
                        });
                    }
                }
                _ => {}
            },
            _ => {}
        }
        let _ = span;
    });
    if let Some(p) = problem {
        return Err(p);
    }
    if let Some(unknown) = trailgraph_query::Vocabulary::builtin()
        .unknown_properties(&query)
        .into_iter()
        .next()
    {
        return Err(CheckFileError::UnknownProperty {
            location: back(unknown.span.start),
            check: cx.id(),
            message: unknown.to_string(),
        });
    }
    Ok(query)
}

/// Pieces of a filled text: (filled range, template range) for each substituted placeholder.
type FillMap = Vec<(Range<usize>, Range<usize>)>;

fn fill_mapped(
    text: &str,
    parameters: &BTreeMap<String, String>,
) -> Result<(String, FillMap), Placeholder> {
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::new();
    let mut last = 0;
    for p in template::placeholders(text) {
        let Some(value) = template::query_value(parameters, jiff::Timestamp::UNIX_EPOCH, &p.name)
        else {
            return Err(p);
        };
        out.push_str(&text[last..p.span.start]);
        let start = out.len();
        out.push_str(&template::escape_query_string(&value));
        map.push((start..out.len(), p.span.clone()));
        last = p.span.end;
    }
    out.push_str(&text[last..]);
    Ok((out, map))
}

fn map_back(map: &FillMap, offset: usize) -> usize {
    let mut shift: isize = 0;
    for (filled, original) in map {
        if offset < filled.start {
            break;
        }
        if offset < filled.end {
            return original.start;
        }
        shift = original.end as isize - filled.end as isize;
    }
    usize::try_from(offset as isize + shift).unwrap_or(0)
}

/// Calls `f` on every term of the query (parts, with clauses, nested terms).
pub(crate) fn visit_terms(query: &Query, f: &mut dyn FnMut(&Term, &Range<usize>)) {
    fn term(t: &trailgraph_query::ast::Spanned<Term>, f: &mut dyn FnMut(&Term, &Range<usize>)) {
        f(&t.node, &t.span);
        match &t.node {
            Term::Not(inner) => term(inner, f),
            Term::Combined { left, right, .. } => {
                term(left, f);
                term(right, f);
            }
            Term::Context { term: inner, .. } => term(inner, f),
            _ => {}
        }
    }
    fn with(w: &WithClause, f: &mut dyn FnMut(&Term, &Range<usize>)) {
        if let Some(t) = &w.term {
            term(t, f);
        }
        if let Some(n) = &w.nested {
            with(&n.node, f);
        }
    }
    for part in &query.parts {
        if let Some(t) = &part.term {
            term(t, f);
        }
        if let Some(w) = &part.with {
            with(&w.node, f);
        }
    }
}

/// The kinds named by `is(...)` among the top-level `and` conjuncts of the first part.
fn first_is(query: &Query) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = query.parts.first().and_then(|p| p.term.as_ref()) {
        for c in crate::explain::conjuncts(t) {
            if let Term::Is(names) = &c.node {
                out.extend(names.iter().map(|n| n.node.clone()));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Benchmarks

fn load_benchmark(file: &SourceFile, catalog: &mut Catalog) -> Result<(), CheckFileError> {
    let doc: BenchmarkDoc =
        serde_saphyr::from_str(&file.text).map_err(|e| format_error(file, &e, None))?;
    let stem = file.path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if doc.id.value != stem {
        return Err(CheckFileError::Invalid {
            location: located(file, &doc.id.referenced),
            check: None,
            message: format!("the benchmark id must be the file name `{stem}`"),
        });
    }
    if catalog.benchmark(&doc.id.value).is_some() {
        return Err(CheckFileError::Invalid {
            location: located(file, &doc.id.referenced),
            check: None,
            message: format!("benchmark `{}` is already loaded", doc.id.value),
        });
    }
    let mut sections = Vec::new();
    let mut seen = BTreeSet::new();
    for s in doc.sections {
        let mut controls = Vec::new();
        for c in s.controls {
            let check_id = c.check.value.clone();
            let Some(check) = catalog.check(&check_id) else {
                return Err(CheckFileError::Invalid {
                    location: located(file, &c.check.referenced),
                    check: Some(check_id),
                    message: "no check with this id is loaded".to_owned(),
                });
            };
            if !seen.insert(c.control.value.clone()) {
                return Err(CheckFileError::Invalid {
                    location: located(file, &c.control.referenced),
                    check: Some(check_id),
                    message: format!("control {} appears twice", c.control.value),
                });
            }
            let mut parameters = check.parameters.clone();
            for (k, v) in &c.parameters {
                if !check.parameters.contains_key(k) {
                    return Err(CheckFileError::Invalid {
                        location: located(file, &v.referenced),
                        check: Some(check_id),
                        message: format!(
                            "unknown parameter `{k}` (the check has: {})",
                            check
                                .parameters
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    });
                }
                if k.starts_with("pattern")
                    && let Err(e) = trailgraph_pattern::parse(&v.value)
                {
                    return Err(CheckFileError::InvalidPattern {
                        location: located(file, &v.referenced),
                        check: Some(check_id),
                        message: e.to_string(),
                    });
                }
                parameters.insert(k.clone(), v.value.clone());
            }
            controls.push(Control {
                control: c.control.value,
                title: c.title,
                check: check_id,
                parameters,
            });
        }
        sections.push(Section {
            title: s.title,
            controls,
        });
    }
    catalog.benchmarks.push(Benchmark {
        id: doc.id.value,
        title: doc.title,
        framework: doc.framework,
        version: doc.version,
        description: doc.description,
        sections,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(path: &str, role: FileRole, text: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from(path),
            role,
            text: text.to_owned(),
        }
    }

    fn with_builtins(extra: SourceFile) -> Result<Catalog, CheckFileError> {
        let mut files = builtin_sources();
        files.push(extra);
        load_sources(&files)
    }

    const GOOD: &str = "provider: aws
service: test
checks:
  - id: my_check
    title: t
    result_kind: aws_account
    severity: low
    risk: r
    parameters:
      pattern: '{ $.eventName = CreateVpc }'
    detect:
      passed: |-
        is(aws_account) with(any, -[2]-> is(aws_cloud_trail)
          with(any, --> is(aws_cloudwatch_log_group)
            with(any, --> is(aws_cloudwatch_metric_filter) and filter_pattern covers \"{{pattern}}\")))
    remediation:
      text: do it
      aws_cli:
        - command: aws logs put-metric-filter --log-group-name {{log_group_name}}
";

    #[test]
    fn builtin_catalog_loads() {
        let catalog = load_catalog(&[]).unwrap();
        assert_eq!(catalog.checks().len(), 19);
        let ids: Vec<&str> = catalog.benchmarks().iter().map(|b| b.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "cis_aws_v1_2",
                "cis_aws_v1_4",
                "cis_aws_v1_5",
                "cis_aws_v2_0",
                "cis_aws_v3_0",
                "cis_aws_v4_0",
                "cis_aws_v5_0",
                "cis_aws_v6_0"
            ]
        );
        assert_eq!(catalog.default_benchmark().unwrap().id, "cis_aws_v6_0");
        assert!(
            catalog
                .phrases()
                .fails
                .contains_key("trail_status.is_logging == true")
        );
    }

    #[test]
    fn user_check_loads() {
        let catalog = with_builtins(source("mine/checks/a.yaml", FileRole::Checks, GOOD)).unwrap();
        assert!(catalog.check("my_check").is_some());
    }

    fn error_of(text: &str) -> CheckFileError {
        with_builtins(source("mine/checks/a.yaml", FileRole::Checks, text)).unwrap_err()
    }

    #[test]
    fn unknown_field_is_located() {
        let e = error_of(&GOOD.replace("    risk: r\n", "    risk: r\n    colour: red\n"));
        assert!(matches!(e, CheckFileError::Format { .. }), "{e}");
        let loc = e.location().unwrap();
        assert_eq!(loc.line, 9, "{e}");
        assert_eq!(e.check(), Some("my_check"), "{e}");
        assert!(e.to_string().contains("colour"), "{e}");
    }

    #[test]
    fn query_syntax_error_points_into_the_block() {
        let e = error_of(&GOOD.replace(
            "with(any, --> is(aws_cloudwatch_log_group)",
            "with(any, --> is(aws_cloudwatch_log_group) and",
        ));
        let CheckFileError::Query {
            location, check, ..
        } = &e
        else {
            panic!("{e}")
        };
        assert_eq!(check.as_deref(), Some("my_check"));
        assert_eq!(location.path, PathBuf::from("mine/checks/a.yaml"));
        // Line 15 holds the third query line; the error is where the parser stopped.
        assert!((14..=15).contains(&location.line), "{e}");
        assert!(location.column > 8, "{e}");
    }

    #[test]
    fn unknown_kind_is_located() {
        let e = error_of(&GOOD.replace("is(aws_cloudwatch_log_group)", "is(aws_log_group)"));
        let CheckFileError::UnknownKind { location, kind, .. } = &e else {
            panic!("{e}")
        };
        assert_eq!(kind, "aws_log_group");
        assert_eq!((location.line, location.column), (14, 28), "{e}");
    }

    #[test]
    fn placeholder_without_value_is_located() {
        let e = error_of(&GOOD.replace("covers \"{{pattern}}\"", "covers \"{{patern}}\""));
        let CheckFileError::MissingPlaceholder { location, name, .. } = &e else {
            panic!("{e}")
        };
        assert_eq!(name, "patern");
        assert_eq!((location.line, location.column), (15, 87), "{e}");
        let e = error_of(&GOOD.replace("{{log_group_name}}", "{{log_grop_name}}"));
        assert!(
            matches!(e, CheckFileError::MissingPlaceholder { .. }),
            "{e}"
        );
        assert_eq!(e.location().unwrap().line, 19, "{e}");
    }

    #[test]
    fn invalid_pattern_and_benchmark_errors() {
        let e = error_of(&GOOD.replace("CreateVpc }", "CreateVpc "));
        assert!(matches!(e, CheckFileError::InvalidPattern { .. }), "{e}");
        let bench = "id: b1\ntitle: t\nframework: X\nversion: '1'\nsections:\n  - title: s\n    controls:\n      - control: '1'\n        title: t\n        check: no_such_check\n";
        let e = with_builtins(source(
            "mine/benchmarks/b1.yaml",
            FileRole::Benchmark,
            bench,
        ))
        .unwrap_err();
        assert_eq!(e.location().unwrap().line, 10, "{e}");
        assert_eq!(e.check(), Some("no_such_check"));
        let bench = bench.replace(
            "no_such_check",
            "aws_monitoring_vpc_changes\n        parameters:\n          pattrn: x",
        );
        let e = with_builtins(source(
            "mine/benchmarks/b1.yaml",
            FileRole::Benchmark,
            &bench,
        ))
        .unwrap_err();
        assert!(e.to_string().contains("unknown parameter `pattrn`"), "{e}");
        assert_eq!(e.location().unwrap().line, 12, "{e}");
    }

    #[test]
    fn every_builtin_file_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../queries");
        let on_disk = read_dir_sources(&dir).unwrap();
        assert_eq!(on_disk.len(), BUILTIN_FILES.len());
        for f in on_disk {
            let rel = f
                .path
                .strip_prefix(&dir)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            let embedded = BUILTIN_FILES.iter().find(|(p, _)| *p == rel);
            assert_eq!(embedded.map(|(_, t)| *t), Some(f.text.as_str()), "{rel}");
        }
    }
}
