//! Loading and validating vocabulary, check and benchmark files into a [`Catalog`].
//!
//! Every query is parsed once, here. Its placeholders stay in the syntax tree (each fills a
//! whole string literal) and are bound per benchmark control when a report runs; at load each
//! query is bound with the check's defaults and lowered by the lowering the evaluator uses, so a
//! bad kind, pattern, regular expression, duration or network is an error naming the file, line
//! and check, never a failure half-way through a report.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_saphyr::{Location, Spanned};
use trailgraph_model::{AncestorKind, Kind};
use trailgraph_query::LowerError;
use trailgraph_query::ast::{Query, Span};

use crate::error::{CheckFileError, FileLocation};
use crate::files::{
    BenchmarkDoc, CheckDoc, CheckFileDoc, FixDoc, RemediationDoc, ReuseDoc, VocabularyDoc,
};
use crate::template::{self, BindError};
use crate::vocabulary::{Hint, KindWords, Link, Vocabulary};

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
        "checks/aws_cloudtrail_security.yaml",
        include_str!("../../../queries/checks/aws_cloudtrail_security.yaml"),
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
        "benchmarks/cloudtrail_security_events.yaml",
        include_str!("../../../queries/benchmarks/cloudtrail_security_events.yaml"),
    ),
    (
        "vocabulary.yaml",
        include_str!("../../../queries/vocabulary.yaml"),
    ),
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

    /// The severity a lower-case word names (`high`).
    pub fn parse(s: &str) -> Option<Severity> {
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

/// A query as written in a check or vocabulary file: parsed once, placeholders unbound.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckQuery {
    /// The query text with `{{placeholders}}`.
    pub text: String,
    /// Where the query starts in its file.
    pub location: FileLocation,
    /// The syntax tree (placeholders are string literals such as `"{{pattern}}"`).
    pub query: Query,
    /// Placeholder name → the span of the literal it fills (the first one of that name).
    pub placeholders: BTreeMap<String, Span>,
}

/// One way a check's verdict can be `not_evaluable`.
#[derive(Debug, Clone, PartialEq)]
pub struct NotEvaluable {
    /// Why, for people.
    pub reason: String,
    /// The results it concerns: nodes of the check's result kind, or (for a check about
    /// other kinds) accounts, when the query starts with the accounts' kind.
    pub query: CheckQuery,
}

/// When a fix applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixWhen {
    /// No node of the level's kind is on the chain: the fix creates one.
    Missing,
    /// No node of the level's kind is on the chain: the fix joins one (created, or reused) to
    /// the level before it (a trail to its log group, an alarm to its topic).
    Link,
    /// A node of the level's kind is on the chain but broken, and no fix names one of the
    /// conditions it fails.
    Broken,
    /// A node of the level's kind fails this condition (or, in a query that describes a
    /// defect, meets it). The condition's canonical text, placeholders unfilled.
    Condition(String),
}

/// One fix of a check: templates for each remediation kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Fix {
    /// The kind of the level it repairs.
    pub at: String,
    /// When it applies.
    pub when: FixWhen,
    /// The AWS CLI form.
    pub cli: Option<String>,
    /// The Terraform form.
    pub terraform: Option<String>,
}

/// A resource that can stand in for a missing level and every level after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reuse {
    /// The kind of the level.
    pub at: String,
    /// The query that finds it (placeholders filled with the chain's values).
    pub query: CheckQuery,
    /// Tried only when the chain has no value for any of these names (a reuse meant for a
    /// chain without a trail, say).
    pub when_unknown: Vec<String>,
    /// The query runs from the chain's node of the first of these kinds that is on it; from
    /// the result's node when empty. It is never run over the whole inventory.
    pub from: Vec<String>,
}

/// What to do about a failure.
#[derive(Debug, Clone, PartialEq)]
pub struct Remediation {
    /// In words (placeholders filled with the control's parameters).
    pub text: String,
    /// Documentation.
    pub url: Option<String>,
    /// Fixes, the check's own before its template's.
    pub fixes: Vec<Fix>,
    /// Stand-ins for missing levels.
    pub reuse: Vec<Reuse>,
}

/// A loaded, validated check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The stable id.
    pub id: String,
    /// The template it uses, if any.
    pub uses: Option<String>,
    /// Title.
    pub title: String,
    /// The kind a verdict is about: one result per node of this kind (per account for
    /// `aws_account`).
    pub result_kind: Kind,
    /// Severity.
    pub severity: Severity,
    /// Why it matters.
    pub risk: String,
    /// Default parameter values.
    pub parameters: BTreeMap<String, String>,
    /// The results that pass.
    pub passed: CheckQuery,
    /// Results that fail whatever else holds. A check with a `failed` query is a "for every"
    /// check: evidence of a failure wins, then unknowns (`not_evaluable`), then `passed`.
    /// Without it, `passed` wins, then `not_evaluable`; every other result fails.
    pub failed: Option<CheckQuery>,
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
    /// Where the benchmark is published.
    pub url: Option<String>,
    /// Whether it is a default benchmark (see [`Catalog::default_benchmark`]).
    pub default: bool,
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

/// Every loaded vocabulary, template, check and benchmark, validated.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    checks: Vec<Check>,
    benchmarks: Vec<Benchmark>,
    vocabulary: Vocabulary,
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

    /// The benchmark `trailgraph check` runs when none is named: the newest one that says
    /// `default: true` (the newest CIS version), else the newest of all.
    pub fn default_benchmark(&self) -> Option<&Benchmark> {
        self.benchmarks
            .iter()
            .rev()
            .find(|b| b.default)
            .or_else(|| self.benchmarks.last())
    }

    /// The words of explanations and remediation.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocabulary
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
    /// Words for explanations and remediation (`vocabulary.yaml`).
    Vocabulary,
}

/// Loads the built-in files and every YAML file under `extra_dirs` (a directory laid out like
/// `queries/`: `checks/*.yaml`, `benchmarks/*.yaml`, optionally `vocabulary.yaml`; YAML files
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
    if relative.file_name().and_then(|n| n.to_str()) == Some("vocabulary.yaml") {
        FileRole::Vocabulary
    } else if parent == Some("benchmarks") {
        FileRole::Benchmark
    } else if parent == Some("checks")
        || text
            .lines()
            .any(|l| l.starts_with("checks:") || l.starts_with("templates:"))
    {
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

/// Loads and validates the given files (vocabulary files first, then the templates of every
/// check file, then checks, then benchmarks).
pub fn load_sources(files: &[SourceFile]) -> Result<Catalog, CheckFileError> {
    let mut catalog = Catalog::default();
    for f in files.iter().filter(|f| f.role == FileRole::Vocabulary) {
        load_vocabulary(f, &mut catalog.vocabulary)?;
    }
    let mut docs = Vec::new();
    for f in files.iter().filter(|f| f.role == FileRole::Checks) {
        docs.push((f, parse_check_file(f)?));
    }
    let mut templates: HashMap<&str, (&SourceFile, &CheckDoc)> = HashMap::new();
    for (f, doc) in &docs {
        for t in &doc.templates {
            let id = t.value.id.value.as_str();
            if templates.insert(id, (*f, &t.value)).is_some() {
                return Err(CheckFileError::Invalid {
                    location: located(f, &t.value.id.referenced),
                    check: Some(id.to_owned()),
                    message: "a template with this id is already loaded".to_owned(),
                });
            }
        }
    }
    for (f, doc) in &docs {
        for entry in &doc.checks {
            let check = build_check(f, &entry.value, &templates, &catalog.vocabulary)?;
            if catalog.check(&check.id).is_some() {
                return Err(CheckFileError::Invalid {
                    location: located(f, &entry.value.id.referenced),
                    check: Some(check.id.clone()),
                    message: "a check with this id is already loaded".to_owned(),
                });
            }
            catalog.checks.push(check);
        }
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
// Vocabulary

fn load_vocabulary(file: &SourceFile, vocabulary: &mut Vocabulary) -> Result<(), CheckFileError> {
    let doc: VocabularyDoc =
        serde_saphyr::from_str(&file.text).map_err(|e| format_error(file, &e, None))?;
    let known_kind = |name: &Spanned<String>| -> Result<(), CheckFileError> {
        match name.value.parse::<Kind>() {
            Ok(_) => Ok(()),
            Err(_) => Err(CheckFileError::UnknownKind {
                location: located(file, &name.referenced),
                check: None,
                kind: name.value.clone(),
            }),
        }
    };
    for (kind, words) in doc.kinds {
        if kind.parse::<Kind>().is_err() {
            return Err(CheckFileError::UnknownKind {
                location: located(file, &words.referenced),
                check: None,
                kind,
            });
        }
        let words = words.value;
        if let Some(label) = &words.label {
            check_fields(file, label, None)?;
        }
        for template in words.values.values() {
            check_fields(file, template, None)?;
        }
        vocabulary.kinds.insert(
            kind,
            KindWords {
                word: words.word,
                label: words.label.map(|l| l.value),
                values: words
                    .values
                    .into_iter()
                    .map(|(k, v)| (k, v.value))
                    .collect(),
                finding_type: words.finding_type,
            },
        );
    }
    for p in doc.conditions {
        let text = &p.condition.value;
        let canonical =
            canonical_condition(text).map_err(|(span, message)| CheckFileError::Query {
                location: position_in_scalar(file, &p.condition.referenced, text, span.start),
                check: None,
                message,
            })?;
        if let Some(f) = p.fails {
            vocabulary.fails.insert(canonical.clone(), f);
        }
        if let Some(h) = p.holds {
            vocabulary.holds.insert(canonical, h);
        }
    }
    for link in doc.links {
        known_kind(&link.from)?;
        known_kind(&link.to)?;
        let mut hints = Vec::new();
        for h in link.hints {
            let when = match &h.when {
                Some(w) => {
                    let text = format!("all and ({})", w.value);
                    let query =
                        trailgraph_query::parse(&text).map_err(|e| CheckFileError::Query {
                            location: position_in_scalar(
                                file,
                                &w.referenced,
                                &w.value,
                                e.span.start.saturating_sub("all and (".len()),
                            ),
                            check: None,
                            message: e.message(),
                        })?;
                    check_properties(file, w, &query, None, "all and (".len())?;
                    Some(query)
                }
                None => None,
            };
            check_fields(file, &h.say, None)?;
            let near = match h.near {
                Some(n) => {
                    let query = parse_located(file, &n.query, None)?;
                    check_properties(file, &n.query, &query, None, 0)?;
                    check_fields(file, &n.say, None)?;
                    Some((query, n.say.value))
                }
                None => None,
            };
            hints.push(Hint {
                when,
                say: h.say.value,
                near,
            });
        }
        vocabulary.links.push(Link {
            from: link.from.value,
            to: link.to.value,
            hints,
        });
    }
    Ok(())
}

/// Checks the `{field}` references of a label or hint: each a node field or a property some
/// kind has.
fn check_fields(
    file: &SourceFile,
    template: &Spanned<String>,
    check: Option<&str>,
) -> Result<(), CheckFileError> {
    for (range, name) in crate::vocabulary::fields(&template.value) {
        if crate::vocabulary::NODE_FIELDS.contains(&name) {
            continue;
        }
        let first = name.split(['.', '[']).next().unwrap_or(name).trim();
        if !trailgraph_query::Vocabulary::builtin().knows(first) {
            return Err(CheckFileError::UnknownProperty {
                location: position_in_scalar(
                    file,
                    &template.referenced,
                    &template.value,
                    range.start,
                ),
                check: check.map(str::to_owned),
                message: format!(
                    "`{{{name}}}` names no property of any kind (node fields: {})",
                    crate::vocabulary::NODE_FIELDS.join(", ")
                ),
            });
        }
    }
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
// Checks and templates

fn parse_check_file(file: &SourceFile) -> Result<CheckFileDoc, CheckFileError> {
    serde_saphyr::from_str(&file.text).map_err(|e| {
        let check = e
            .location()
            .and_then(|l| check_id_near(&file.text, l.line()));
        format_error(file, &e, check)
    })
}

/// A check and the templates it uses, nearest first, each with its file.
type Layers<'a> = Vec<(&'a SourceFile, &'a CheckDoc)>;

fn layers<'a>(
    file: &'a SourceFile,
    doc: &'a CheckDoc,
    templates: &HashMap<&str, (&'a SourceFile, &'a CheckDoc)>,
) -> Result<Layers<'a>, CheckFileError> {
    let mut out: Layers<'a> = vec![(file, doc)];
    let mut seen = BTreeSet::from([doc.id.value.as_str()]);
    let mut current = (file, doc);
    while let Some(uses) = &current.1.uses {
        let Some(&(tf, t)) = templates.get(uses.value.as_str()) else {
            return Err(CheckFileError::Invalid {
                location: located(current.0, &uses.referenced),
                check: Some(doc.id.value.clone()),
                message: format!("no template `{}` is loaded", uses.value),
            });
        };
        if !seen.insert(t.id.value.as_str()) {
            return Err(CheckFileError::Invalid {
                location: located(current.0, &uses.referenced),
                check: Some(doc.id.value.clone()),
                message: format!("template `{}` uses itself", uses.value),
            });
        }
        out.push((tf, t));
        current = (tf, t);
    }
    Ok(out)
}

/// The nearest layer that has a field.
fn pick<'a, T>(
    layers: &Layers<'a>,
    get: impl Fn(&'a CheckDoc) -> Option<&'a T>,
) -> Option<(&'a SourceFile, &'a T)> {
    layers.iter().find_map(|(f, d)| get(d).map(|v| (*f, v)))
}

fn build_check(
    file: &SourceFile,
    doc: &CheckDoc,
    templates: &HashMap<&str, (&SourceFile, &CheckDoc)>,
    vocabulary: &Vocabulary,
) -> Result<Check, CheckFileError> {
    let id = doc.id.value.clone();
    let cx = |f: &SourceFile, loc: &Location, message: String| CheckFileError::Invalid {
        location: located(f, loc),
        check: Some(id.clone()),
        message,
    };
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(cx(
            file,
            &doc.id.referenced,
            "a check id is lower-case letters, digits and `_`".to_owned(),
        ));
    }
    let layers = layers(file, doc, templates)?;
    let missing = |what: &str| CheckFileError::Invalid {
        location: located(file, &doc.id.referenced),
        check: Some(id.clone()),
        message: format!(
            "the check has no `{what}`{}",
            if doc.uses.is_some() {
                " (neither has its template)"
            } else {
                ""
            }
        ),
    };
    let title = pick(&layers, |d| d.title.as_ref()).ok_or_else(|| missing("title"))?;
    let risk = pick(&layers, |d| d.risk.as_ref()).ok_or_else(|| missing("risk"))?;
    let (kind_file, kind_doc) =
        pick(&layers, |d| d.result_kind.as_ref()).ok_or_else(|| missing("result_kind"))?;
    let result_kind: Kind = kind_doc
        .value
        .parse()
        .map_err(|_| CheckFileError::UnknownKind {
            location: located(kind_file, &kind_doc.referenced),
            check: Some(id.clone()),
            kind: kind_doc.value.clone(),
        })?;
    let (sev_file, sev_doc) =
        pick(&layers, |d| d.severity.as_ref()).ok_or_else(|| missing("severity"))?;
    let severity = Severity::parse(&sev_doc.value).ok_or_else(|| {
        cx(
            sev_file,
            &sev_doc.referenced,
            format!(
                "unknown severity `{}` (info, low, medium, high, critical)",
                sev_doc.value
            ),
        )
    })?;
    let mut parameters = BTreeMap::new();
    for (_, d) in layers.iter().rev() {
        for (k, v) in &d.parameters {
            parameters.insert(k.clone(), v.value.clone());
        }
    }
    let cq = CheckCx {
        check: &id,
        parameters: &parameters,
    };
    let defaults =
        |name: &str| template::query_value(&parameters, jiff::Timestamp::UNIX_EPOCH, name);
    let (passed_file, passed_doc) = pick(&layers, |d| {
        d.detect.as_ref().and_then(|x| x.passed.as_ref())
    })
    .ok_or_else(|| missing("detect.passed"))?;
    let passed = check_query(&cq, passed_file, passed_doc, &defaults)?;
    let failed = match pick(&layers, |d| {
        d.detect.as_ref().and_then(|x| x.failed.as_ref())
    }) {
        Some((f, q)) => Some(check_query(&cq, f, q, &defaults)?),
        None => None,
    };
    let mut not_evaluable = Vec::new();
    if let Some((f, list)) = pick(&layers, |d| {
        d.detect.as_ref().and_then(|x| x.not_evaluable.as_ref())
    }) {
        for ne in list {
            let (query, _) = check_query(&cq, f, &ne.query, &defaults)?;
            check_text_placeholders(&cq, f, &ne.reason, &[])?;
            not_evaluable.push(NotEvaluable {
                reason: ne.reason.value.clone(),
                query,
            });
        }
    }
    if !passed.1.levels[0]
        .kinds
        .is_some_and(|k| k.contains(result_kind))
    {
        return Err(CheckFileError::Invalid {
            location: passed.0.location.clone(),
            check: Some(id.clone()),
            message: format!(
                "the `passed` query must start with is({})",
                result_kind.as_str()
            ),
        });
    }
    // The remediation: text and url from the nearest layer that has them; fixes and reuse of
    // every layer, nearest first.
    let remediations: Vec<(&SourceFile, &RemediationDoc)> = layers
        .iter()
        .filter_map(|(f, d)| d.remediation.as_ref().map(|r| (*f, r)))
        .collect();
    let (text_file, text) = remediations
        .iter()
        .find_map(|(f, r)| r.text.as_ref().map(|t| (*f, t)))
        .ok_or_else(|| missing("remediation.text"))?;
    check_text_placeholders(&cq, text_file, text, &[])?;
    let url = remediations.iter().find_map(|(_, r)| r.url.clone());
    let mut levels: Vec<(String, Vec<String>)> = Vec::new();
    for q in std::iter::once(&passed).chain(failed.iter()) {
        for level in trailgraph_query::level_syntax(&q.0.query) {
            let kind = level.kind_names.first().cloned().unwrap_or_default();
            let texts = level
                .conditions
                .into_iter()
                .flat_map(|c| std::iter::once(c.text).chain(c.alternatives))
                .collect();
            levels.push((kind, texts));
        }
    }
    let value_names = value_names(vocabulary);
    let mut fixes = Vec::new();
    let mut reuse = Vec::new();
    for (f, r) in &remediations {
        for fix in &r.fixes {
            fixes.push(build_fix(&cq, f, fix, &levels, &value_names)?);
        }
        for u in &r.reuse {
            reuse.push(build_reuse(&cq, f, u, &levels, &value_names)?);
        }
    }
    Ok(Check {
        id: id.clone(),
        uses: doc.uses.as_ref().map(|u| u.value.clone()),
        title: title.1.clone(),
        result_kind,
        severity,
        risk: risk.1.clone(),
        parameters: parameters.clone(),
        passed: passed.0,
        failed: failed.map(|f| f.0),
        not_evaluable,
        remediation: Remediation {
            text: text.value.clone(),
            url,
            fixes,
            reuse,
        },
    })
}

/// What validating a check's queries needs.
struct CheckCx<'a> {
    check: &'a str,
    parameters: &'a BTreeMap<String, String>,
}

/// Every value a fix template or reuse query may name besides parameters: the values of the
/// vocabulary's kinds.
fn value_names(vocabulary: &Vocabulary) -> BTreeSet<String> {
    vocabulary
        .kinds
        .values()
        .flat_map(|k| k.values.keys().cloned())
        .collect()
}

fn build_fix(
    cx: &CheckCx<'_>,
    file: &SourceFile,
    fix: &FixDoc,
    levels: &[(String, Vec<String>)],
    value_names: &BTreeSet<String>,
) -> Result<Fix, CheckFileError> {
    let invalid = |loc: &Location, message: String| CheckFileError::Invalid {
        location: located(file, loc),
        check: Some(cx.check.to_owned()),
        message,
    };
    let at = &fix.at.value;
    let at_levels: Vec<&(String, Vec<String>)> = levels.iter().filter(|(k, _)| k == at).collect();
    if at_levels.is_empty() {
        let known: Vec<&str> = levels
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !k.is_empty())
            .collect();
        return Err(invalid(
            &fix.at.referenced,
            format!(
                "no level of the check's queries is of kind `{at}` (levels: {})",
                known.join(", ")
            ),
        ));
    }
    let when = match fix.when.value.trim() {
        "missing" => FixWhen::Missing,
        "link" => FixWhen::Link,
        "broken" => FixWhen::Broken,
        text => {
            let canonical =
                canonical_condition(text).map_err(|(span, message)| CheckFileError::Query {
                    location: position_in_scalar(
                        file,
                        &fix.when.referenced,
                        &fix.when.value,
                        span.start,
                    ),
                    check: Some(cx.check.to_owned()),
                    message,
                })?;
            if !at_levels
                .iter()
                .any(|(_, texts)| texts.contains(&canonical))
            {
                return Err(invalid(
                    &fix.when.referenced,
                    format!(
                        "no `{at}` level of the check's queries has the condition `{canonical}` \
                         (write `missing`, `link`, `broken` or a condition of that level as written)"
                    ),
                ));
            }
            FixWhen::Condition(canonical)
        }
    };
    if fix.cli.is_none() && fix.terraform.is_none() {
        return Err(invalid(
            &fix.at.referenced,
            "a fix needs `cli`, `terraform` or both".to_owned(),
        ));
    }
    for t in [&fix.cli, &fix.terraform].into_iter().flatten() {
        check_text_placeholders(cx, file, t, &[value_names])?;
    }
    Ok(Fix {
        at: at.clone(),
        when,
        cli: fix.cli.as_ref().map(|c| c.value.clone()),
        terraform: fix.terraform.as_ref().map(|c| c.value.clone()),
    })
}

fn build_reuse(
    cx: &CheckCx<'_>,
    file: &SourceFile,
    reuse: &ReuseDoc,
    levels: &[(String, Vec<String>)],
    value_names: &BTreeSet<String>,
) -> Result<Reuse, CheckFileError> {
    if !levels.iter().any(|(k, _)| k == &reuse.at.value) {
        return Err(CheckFileError::Invalid {
            location: located(file, &reuse.at.referenced),
            check: Some(cx.check.to_owned()),
            message: format!(
                "no level of the check's queries is of kind `{}`",
                reuse.at.value
            ),
        });
    }
    // Chain values are known only at run time: any text will do to validate.
    let lookup = |name: &str| {
        template::resolve_name(name, &|n| {
            template::query_value(cx.parameters, jiff::Timestamp::UNIX_EPOCH, n)
                .or_else(|| value_names.contains(n).then(|| "x".to_owned()))
        })
    };
    let (query, _) = check_query(cx, file, &reuse.query, &lookup)?;
    for name in &reuse.when_unknown {
        if !value_names.contains(&name.value) {
            return Err(CheckFileError::Invalid {
                location: located(file, &name.referenced),
                check: Some(cx.check.to_owned()),
                message: format!(
                    "`{}` is no value a chain fills (see the `values` of queries/vocabulary.yaml)",
                    name.value
                ),
            });
        }
    }
    for kind in &reuse.from {
        if !levels.iter().any(|(k, _)| k == &kind.value) {
            return Err(CheckFileError::Invalid {
                location: located(file, &kind.referenced),
                check: Some(cx.check.to_owned()),
                message: format!(
                    "no level of the check's queries is of kind `{}` to start from",
                    kind.value
                ),
            });
        }
    }
    Ok(Reuse {
        at: reuse.at.value.clone(),
        query,
        when_unknown: reuse.when_unknown.iter().map(|n| n.value.clone()).collect(),
        from: reuse.from.iter().map(|n| n.value.clone()).collect(),
    })
}

/// Checks that every placeholder of a text (a reason, a remediation text or a fix template)
/// has a value: a parameter, a derived value, or one of `extra`.
fn check_text_placeholders(
    cx: &CheckCx<'_>,
    file: &SourceFile,
    text: &Spanned<String>,
    extra: &[&BTreeSet<String>],
) -> Result<(), CheckFileError> {
    for p in template::placeholders(&text.value) {
        let known = template::resolve_name(&p.name, &|n| {
            template::query_value(cx.parameters, jiff::Timestamp::UNIX_EPOCH, n).or_else(|| {
                extra
                    .iter()
                    .any(|set| set.contains(n))
                    .then(|| "x".to_owned())
            })
        });
        if known.is_none() {
            return Err(CheckFileError::MissingPlaceholder {
                location: position_in_scalar(file, &text.referenced, &text.value, p.span.start),
                check: Some(cx.check.to_owned()),
                name: p.name,
            });
        }
    }
    Ok(())
}

fn parse_located(
    file: &SourceFile,
    text: &Spanned<String>,
    check: Option<&str>,
) -> Result<Query, CheckFileError> {
    trailgraph_query::parse(&text.value).map_err(|e| CheckFileError::Query {
        location: position_in_scalar(file, &text.referenced, &text.value, e.span.start),
        check: check.map(str::to_owned),
        message: e.message(),
    })
}

/// A query reads only properties some kind has.
fn check_properties(
    file: &SourceFile,
    text: &Spanned<String>,
    query: &Query,
    check: Option<&str>,
    shift: usize,
) -> Result<(), CheckFileError> {
    match trailgraph_query::Vocabulary::builtin()
        .unknown_properties(query)
        .into_iter()
        .next()
    {
        Some(unknown) => Err(CheckFileError::UnknownProperty {
            location: position_in_scalar(
                file,
                &text.referenced,
                &text.value,
                unknown.span.start.saturating_sub(shift),
            ),
            check: check.map(str::to_owned),
            message: unknown.to_string(),
        }),
        None => Ok(()),
    }
}

/// Parses a check query, checks its placeholders (each a whole string literal with a value)
/// and properties, binds it with `lookup` and lowers it as the evaluator does.
fn check_query(
    cx: &CheckCx<'_>,
    file: &SourceFile,
    text: &Spanned<String>,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(CheckQuery, trailgraph_query::TracePlan), CheckFileError> {
    let check = Some(cx.check.to_owned());
    let at = |offset: usize| position_in_scalar(file, &text.referenced, &text.value, offset);
    let query = parse_located(file, text, Some(cx.check))?;
    // Placeholders: each inside a string literal, and the whole of it.
    let mut literal_spans: Vec<Span> = Vec::new();
    let mut placeholders: BTreeMap<String, Span> = BTreeMap::new();
    let mut scratch = query.clone();
    trailgraph_query::ast::visit_string_literals_mut(&mut scratch, &mut |s, span| {
        if let Some(name) = template::whole_placeholder(s) {
            placeholders.entry(name).or_insert_with(|| span.clone());
        }
        literal_spans.push(span.clone());
    });
    for p in template::placeholders(&text.value) {
        let inside = literal_spans
            .iter()
            .any(|l| l.start <= p.span.start && p.span.end <= l.end);
        if !inside {
            return Err(CheckFileError::Invalid {
                location: at(p.span.start),
                check,
                message: format!(
                    "placeholder `{{{{{}}}}}` is outside a string literal: write \"{{{{{}}}}}\"",
                    p.name, p.name
                ),
            });
        }
    }
    check_properties(file, text, &query, Some(cx.check), 0)?;
    // Point at the placeholder inside its literal, not at the opening quote.
    let inner = |span: &Span| {
        text.value
            .get(span.clone())
            .and_then(|l| l.find("{{"))
            .map_or(span.start, |i| span.start + i)
    };
    let bound = template::bind(&query, lookup).map_err(|e| match e {
        BindError::Missing { name, span } => CheckFileError::MissingPlaceholder {
            location: at(inner(&span)),
            check: check.clone(),
            name,
        },
        BindError::NotWhole { span } => CheckFileError::Invalid {
            location: at(span.start),
            check: check.clone(),
            message: "a placeholder fills a whole string literal: \"{{name}}\", not text around it"
                .to_owned(),
        },
    })?;
    let traced = lower_located(&bound, &at, cx.check)?;
    Ok((
        CheckQuery {
            text: text.value.clone(),
            location: located(file, &text.referenced),
            query,
            placeholders,
        },
        traced,
    ))
}

/// Lowers a bound query for tracing; errors are located with `at` (a span of the query text
/// to a file position).
fn lower_located(
    bound: &Query,
    at: &dyn Fn(usize) -> FileLocation,
    check: &str,
) -> Result<trailgraph_query::TracePlan, CheckFileError> {
    let context = trailgraph_query::Context {
        now: jiff::Timestamp::UNIX_EPOCH,
    };
    trailgraph_query::lower_traced(bound, &context).map_err(|e| lower_error(e, at, check))
}

fn lower_error(e: LowerError, at: &dyn Fn(usize) -> FileLocation, check: &str) -> CheckFileError {
    let check = Some(check.to_owned());
    match e {
        LowerError::UnknownKind { name, span } => CheckFileError::UnknownKind {
            location: at(span.start),
            check,
            kind: name,
        },
        LowerError::InvalidPattern { message, span } => CheckFileError::InvalidPattern {
            location: at(span.start),
            check,
            message,
        },
        other => CheckFileError::Query {
            location: at(other.span().start),
            check,
            message: other.to_string(),
        },
    }
}

/// The kind of the accounts (`aws_account`): what a check about other kinds may name first in
/// a `not_evaluable` query to judge a whole account.
pub(crate) fn account_kind() -> Kind {
    AncestorKind::Account.kind()
}

// ---------------------------------------------------------------------------------------------
// Benchmarks

/// Binds and lowers every query of `check` with a control's parameters, so a parameter that
/// makes a query invalid (a pattern that does not parse, a bad duration) is an error at the
/// parameter in the benchmark file.
fn validate_control(
    file: &SourceFile,
    check: &Check,
    given: &BTreeMap<String, Spanned<String>>,
    check_field: &Spanned<String>,
    parameters: &BTreeMap<String, String>,
) -> Result<(), CheckFileError> {
    let lookup = |name: &str| template::query_value(parameters, jiff::Timestamp::UNIX_EPOCH, name);
    let queries = std::iter::once(&check.passed)
        .chain(check.failed.iter())
        .chain(check.not_evaluable.iter().map(|n| &n.query));
    for q in queries {
        let located_at = |span: &Span| -> FileLocation {
            q.placeholders
                .iter()
                .find(|(name, s)| {
                    s.start <= span.start
                        && span.start < s.end.max(s.start + 1)
                        && given.contains_key(*name)
                })
                .and_then(|(name, _)| given.get(name))
                .map_or_else(
                    || located(file, &check_field.referenced),
                    |v| located(file, &v.referenced),
                )
        };
        let bound = match template::bind(&q.query, &lookup) {
            Ok(b) => b,
            Err(BindError::Missing { name, span }) => {
                return Err(CheckFileError::MissingPlaceholder {
                    location: located_at(&span),
                    check: Some(check.id.clone()),
                    name,
                });
            }
            Err(BindError::NotWhole { span }) => {
                return Err(CheckFileError::Invalid {
                    location: located_at(&span),
                    check: Some(check.id.clone()),
                    message: "a placeholder fills a whole string literal".to_owned(),
                });
            }
        };
        let context = trailgraph_query::Context {
            now: jiff::Timestamp::UNIX_EPOCH,
        };
        if let Err(e) = trailgraph_query::lower_traced(&bound, &context) {
            let span = e.span();
            return Err(lower_error(e, &|_| located_at(&span), &check.id));
        }
    }
    Ok(())
}

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
                parameters.insert(k.clone(), v.value.clone());
            }
            validate_control(file, check, &c.parameters, &c.check, &parameters)?;
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
        url: doc.url,
        default: doc.default,
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
      fixes:
        - at: aws_cloudwatch_metric_filter
          when: missing
          cli: aws logs put-metric-filter --log-group-name {{log_group_name}}
";

    #[test]
    fn builtin_catalog_loads() {
        let catalog = load_catalog(&[]).unwrap();
        // 19 CIS checks and the 6 of the CloudTrail security events pack.
        assert_eq!(catalog.checks().len(), 25);
        let ids: Vec<&str> = catalog.benchmarks().iter().map(|b| b.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "cloudtrail_security_events",
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
                .vocabulary()
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
        assert_eq!(e.location().unwrap().line, 21, "{e}");
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
