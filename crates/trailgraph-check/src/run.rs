//! The runner: one verdict per (check, account) for a benchmark.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use trailgraph_model::{AncestorKind, Inventory, Kind, NodeId};

use crate::catalog::{Benchmark, Catalog, Check, Control, Phrases, Severity};
use crate::engine::Engine;
use crate::error::CheckError;
use crate::explain::{Chain, Path, describe_node, render_path};
use crate::template;

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Benchmark id; `None` means the newest.
    pub benchmark: Option<String>,
    /// Only these checks (by check id or control number); empty means all.
    pub checks: Vec<String>,
    /// Only these accounts (by id); empty means every account of the inventory.
    pub accounts: Vec<String>,
    /// Require textual equality of filter patterns (after whitespace normalisation) instead of
    /// semantic coverage.
    pub strict: bool,
    /// Judge filter patterns by the pattern language alone, over every JSON event, instead of
    /// over the events CloudTrail writes (see docs/filter-patterns.md). Strict mode implies it.
    pub language_only: bool,
    /// The report's `generated_at`; `None` means now.
    pub generated_at: Option<jiff::Timestamp>,
}

/// A verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// The account meets the control.
    Passed,
    /// It does not.
    Failed,
    /// The inventory lacks what the check needs.
    NotEvaluable,
}

impl Status {
    /// `passed`, `failed`, `not_evaluable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::NotEvaluable => "not_evaluable",
        }
    }

    /// ✓, ✗, ?.
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Passed => "✓",
            Status::Failed => "✗",
            Status::NotEvaluable => "?",
        }
    }
}

/// A resource a result refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Node id (an ARN for AWS resources).
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// Region, when regional.
    pub region: Option<String>,
}

/// One verdict for one (check, account).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    /// Check id.
    pub check: String,
    /// Control number in the benchmark.
    pub control: String,
    /// The benchmark's title for the control.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// Account id.
    pub account: String,
    /// Account name.
    pub account_name: String,
    /// Verdict.
    pub status: Status,
    /// Why, in one paragraph.
    pub reason: String,
    /// Where the chain stands, one line per first-level resource (trail).
    pub explanation: Vec<String>,
    /// Resources involved.
    pub resources: Vec<Resource>,
    /// AWS CLI commands that fix it, filled with the account's names (empty when passed).
    pub remediation: Vec<String>,
}

/// A control and its results.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlReport {
    /// Number.
    pub control: String,
    /// Title in the benchmark.
    pub title: String,
    /// Check id.
    pub check: String,
    /// Severity.
    pub severity: Severity,
    /// The remediation text of the check.
    pub remediation_text: String,
    /// One result per account.
    pub results: Vec<CheckResult>,
}

/// A section and its controls.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionReport {
    /// Title.
    pub title: String,
    /// Controls that ran.
    pub controls: Vec<ControlReport>,
}

/// Counts of verdicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Passed.
    pub passed: usize,
    /// Failed.
    pub failed: usize,
    /// Not evaluable.
    pub not_evaluable: usize,
}

/// What the report was run on.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryInfo {
    /// `aws`, `aws-cli`, `demo`, ...
    pub source: String,
    /// Collection time.
    pub collected_at: jiff::Timestamp,
    /// Account ids judged.
    pub accounts: Vec<String>,
    /// Number of nodes.
    pub nodes: usize,
    /// Number of collection errors.
    pub collection_errors: usize,
    /// What could not be read at all: sources (a profile, a role, an account id) that collection
    /// errors name but that have no account in the inventory, or, for an inventory without any
    /// account, one entry saying so. Each gets a *not evaluable* result for every control.
    pub unreached: Vec<Unreached>,
}

/// A source the inventory should cover but does not: its checks are not evaluable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreached {
    /// The label the errors carry: `profile:NAME`, `role:ARN`, an account id, or `(none)` for
    /// an inventory that holds no account and records no error.
    pub source: String,
    /// Why, in one sentence per error (at most a few, then a count).
    pub reason: String,
}

/// The benchmark a report is for.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchmarkInfo {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Version.
    pub version: String,
}

/// A finished report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The benchmark.
    pub benchmark: BenchmarkInfo,
    /// When the report was made.
    pub generated_at: jiff::Timestamp,
    /// Whether strict mode was on.
    pub strict: bool,
    /// How filter patterns were judged: `cloudtrail` (over the events CloudTrail writes) or
    /// `language` (over every JSON event; `--language-only` and `--strict`).
    pub filter_judgement: &'static str,
    /// The inventory.
    pub inventory: InventoryInfo,
    /// Sections in benchmark order.
    pub sections: Vec<SectionReport>,
    /// Counts.
    pub summary: Summary,
}

impl Report {
    /// Every result, in benchmark order, accounts in inventory order.
    pub fn results(&self) -> impl Iterator<Item = &CheckResult> {
        self.sections
            .iter()
            .flat_map(|s| s.controls.iter())
            .flat_map(|c| c.results.iter())
    }

    /// 0 when everything passed, 1 when something failed, 3 when nothing failed but something
    /// was not evaluable.
    pub fn exit_code(&self) -> i32 {
        if self.summary.failed > 0 {
            1
        } else if self.summary.not_evaluable > 0 {
            3
        } else {
            0
        }
    }
}

/// Runs a benchmark (or some of its checks) over an inventory.
pub fn run(
    catalog: &Catalog,
    inventory: &Inventory,
    options: &RunOptions,
) -> Result<Report, CheckError> {
    let benchmark = pick_benchmark(catalog, options)?;
    let engine = Engine::new(inventory, options.strict, options.language_only);
    let unreached = unreached_sources(inventory, &options.accounts);
    let accounts = pick_accounts(inventory, &options.accounts, &unreached)?;
    for wanted in &options.checks {
        if !benchmark
            .controls()
            .any(|(_, c)| &c.check == wanted || &c.control == wanted)
        {
            return Err(CheckError::UnknownCheck {
                id: wanted.clone(),
                benchmark: benchmark.id.clone(),
            });
        }
    }
    let mut jobs: Vec<(usize, &Control, &Check)> = Vec::new();
    for (s, section) in benchmark.sections.iter().enumerate() {
        for control in &section.controls {
            let selected = options.checks.is_empty()
                || options
                    .checks
                    .iter()
                    .any(|w| w == &control.check || w == &control.control);
            if !selected {
                continue;
            }
            if let Some(check) = catalog.check(&control.check) {
                jobs.push((s, control, check));
            }
        }
    }
    let mut outcomes = run_jobs(&jobs, |&(_, control, check)| {
        run_control(&engine, catalog.phrases(), check, control, &accounts)
    })
    .into_iter();
    let mut summary = Summary::default();
    let mut sections = Vec::new();
    for (s, section) in benchmark.sections.iter().enumerate() {
        let mut controls = Vec::new();
        for &(_, control, check) in jobs.iter().filter(|j| j.0 == s) {
            let Some(outcome) = outcomes.next() else {
                continue;
            };
            let mut results = outcome?;
            results.extend(
                unreached
                    .iter()
                    .map(|u| unreached_result(check, control, u)),
            );
            for r in &results {
                match r.status {
                    Status::Passed => summary.passed += 1,
                    Status::Failed => summary.failed += 1,
                    Status::NotEvaluable => summary.not_evaluable += 1,
                }
            }
            controls.push(ControlReport {
                control: control.control.clone(),
                title: control.title.clone(),
                check: check.id.clone(),
                severity: check.severity,
                remediation_text: check.remediation.text.clone(),
                results,
            });
        }
        if !controls.is_empty() {
            sections.push(SectionReport {
                title: section.title.clone(),
                controls,
            });
        }
    }
    Ok(Report {
        benchmark: BenchmarkInfo {
            id: benchmark.id.clone(),
            title: benchmark.title.clone(),
            version: benchmark.version.clone(),
        },
        generated_at: options.generated_at.unwrap_or_else(jiff::Timestamp::now),
        strict: options.strict,
        filter_judgement: engine.judgement.as_str(),
        inventory: InventoryInfo {
            source: inventory.meta.source.clone(),
            collected_at: inventory.meta.collected_at,
            accounts: accounts
                .iter()
                .map(|a| a.id.clone())
                .chain(unreached.iter().map(|u| u.source.clone()))
                .collect(),
            nodes: inventory.node_count(),
            collection_errors: inventory.meta.errors.len(),
            unreached,
        },
        sections,
        summary,
    })
}

/// Runs `work` on every job, on up to as many threads as there are cores (the engine's caches
/// are shared), and returns the outcomes in job order.
fn run_jobs<J: Sync, T: Send>(jobs: &[J], work: impl Fn(&J) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(jobs.len());
    if threads <= 1 {
        return jobs.iter().map(&work).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else {
                            break;
                        };
                        out.push((i, work(job)));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(out) => out,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

fn pick_benchmark<'c>(
    catalog: &'c Catalog,
    options: &RunOptions,
) -> Result<&'c Benchmark, CheckError> {
    let found = match &options.benchmark {
        Some(id) => catalog.benchmark(id),
        None => catalog.default_benchmark(),
    };
    found.ok_or_else(|| CheckError::UnknownBenchmark {
        id: options.benchmark.clone().unwrap_or_default(),
        known: catalog
            .benchmarks()
            .iter()
            .map(|b| b.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

struct Account {
    node: NodeId,
    id: String,
    name: String,
}

fn pick_accounts(
    inventory: &Inventory,
    wanted: &[String],
    unreached: &[Unreached],
) -> Result<Vec<Account>, CheckError> {
    let all: Vec<Account> = inventory
        .nodes_of_kind(Kind::AwsAccount)
        .iter()
        .filter_map(|n| {
            let node = inventory.node(*n)?;
            Some(Account {
                node: *n,
                id: node.str_property("id").unwrap_or(&node.id).to_owned(),
                name: node.name().to_owned(),
            })
        })
        .collect();
    // An account is asked for by id or by name; one that could not be read at all is known by
    // its label and reported as not evaluable, not as unknown.
    let matches = |a: &Account, w: &String| &a.id == w || &a.name == w;
    for w in wanted {
        if !all.iter().any(|a| matches(a, w)) && !unreached.iter().any(|u| &u.source == w) {
            return Err(CheckError::UnknownAccount { id: w.clone() });
        }
    }
    let mut chosen: Vec<Account> = all
        .into_iter()
        .filter(|a| wanted.is_empty() || wanted.iter().any(|w| matches(a, w)))
        .collect();
    chosen.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(chosen)
}

/// The sources that collection errors name but the inventory has no account for (an identity
/// that failed, an account lost whole), and an entry for an inventory without any account:
/// nothing checked must never read as nothing wrong. With `wanted` accounts, only those and the
/// sources whose account is unknown (profiles, roles) are kept.
fn unreached_sources(inventory: &Inventory, wanted: &[String]) -> Vec<Unreached> {
    let known: HashSet<&str> = inventory
        .nodes_of_kind(Kind::AwsAccount)
        .iter()
        .filter_map(|n| inventory.node(*n))
        .flat_map(|node| {
            [
                node.str_property("id").unwrap_or(&node.id),
                node.id.as_ref(),
            ]
        })
        .collect();
    let mut by_source: BTreeMap<&str, Vec<&trailgraph_model::CollectionError>> = BTreeMap::new();
    for error in &inventory.meta.errors {
        if !known.contains(error.account.as_str()) {
            by_source
                .entry(error.account.as_str())
                .or_default()
                .push(error);
        }
    }
    let mut out: Vec<Unreached> = by_source
        .into_iter()
        .filter(|(source, _)| {
            wanted.is_empty()
                || !trailgraph_model::build::is_account_id(source)
                || wanted.iter().any(|w| w == source)
        })
        .map(|(source, errors)| Unreached {
            source: source.to_owned(),
            reason: unreached_reason(source, &errors),
        })
        .collect();
    if known.is_empty() && out.is_empty() {
        out.push(Unreached {
            source: "(none)".to_owned(),
            reason: format!(
                "The inventory (source: {}) holds no account, so nothing could be checked.",
                inventory.meta.source
            ),
        });
    }
    out
}

fn unreached_reason(source: &str, errors: &[&trailgraph_model::CollectionError]) -> String {
    const SHOWN: usize = 3;
    let mut parts: Vec<String> = errors
        .iter()
        .take(SHOWN)
        .map(|e| {
            format!(
                "{} calling {}:{}{}: {}",
                e.code,
                e.service,
                e.operation,
                e.region
                    .as_deref()
                    .map(|r| format!(" in {r}"))
                    .unwrap_or_default(),
                e.message
            )
        })
        .collect();
    if errors.len() > SHOWN {
        parts.push(format!("and {} more errors", errors.len() - SHOWN));
    }
    format!(
        "{source} could not be read, so none of its data is in the inventory: {}.",
        parts.join("; ")
    )
}

fn unreached_result(check: &Check, control: &Control, unreached: &Unreached) -> CheckResult {
    CheckResult {
        check: check.id.clone(),
        control: control.control.clone(),
        title: control.title.clone(),
        severity: check.severity,
        account: unreached.source.clone(),
        account_name: unreached.source.clone(),
        status: Status::NotEvaluable,
        reason: unreached.reason.clone(),
        explanation: Vec::new(),
        resources: Vec::new(),
        remediation: Vec::new(),
    }
}

/// Filled query text for a control: parameters of the control, the collection time.
fn filler<'a>(
    control: &'a Control,
    collected_at: jiff::Timestamp,
    query: bool,
) -> impl Fn(&str) -> Result<String, String> + 'a {
    move |text: &str| {
        template::fill(text, query, |name| {
            template::query_value(&control.parameters, collected_at, name)
        })
        .map_err(|p| format!("placeholder `{{{{{}}}}}` has no value", p.name))
    }
}

fn run_control(
    engine: &Engine<'_>,
    phrases: &Phrases,
    check: &Check,
    control: &Control,
    accounts: &[Account],
) -> Result<Vec<CheckResult>, CheckError> {
    let collected_at = engine.inventory.meta.collected_at;
    let fill = filler(control, collected_at, true);
    let fill_plain = filler(control, collected_at, false);
    let query_error = |query: &str, message: String| CheckError::Query {
        check: check.id.clone(),
        query: query.to_owned(),
        message,
    };
    let select = |template: &str| -> Result<Arc<HashSet<NodeId>>, CheckError> {
        let text = fill(template).map_err(|m| query_error(template, m))?;
        engine.select(&text).map_err(|m| query_error(&text, m))
    };
    let passed = select(&check.passed.text)?;
    let failed = match &check.failed {
        Some(q) => Some(select(&q.text)?),
        None => None,
    };
    // A `not_evaluable` query only matters for accounts that neither `failed` (checks that
    // have it) nor `passed` (checks that do not) decided, so it runs from those alone.
    let undecided: Vec<NodeId> = accounts
        .iter()
        .map(|a| a.node)
        .filter(|n| match &failed {
            Some(f) => !f.contains(n),
            None => !passed.contains(n),
        })
        .collect();
    let mut not_evaluable = Vec::new();
    for ne in &check.not_evaluable {
        let text = fill(&ne.query.text).map_err(|m| query_error(&ne.query.text, m))?;
        let nodes = engine
            .select_among(&text, &undecided)
            .map_err(|m| query_error(&text, m))?;
        not_evaluable.push((ne, nodes));
    }
    let chain_of = |template: &str| -> Result<Chain, CheckError> {
        let query =
            trailgraph_query::parse(template).map_err(|e| query_error(template, e.message()))?;
        Chain::build(&query, &fill, &fill_plain, engine).map_err(|m| query_error(template, m))
    };
    let pass_chain = chain_of(&check.passed.text)?;
    let fail_chain = match &check.failed {
        Some(q) => Some(chain_of(&q.text)?),
        None => None,
    };
    let mut results = Vec::new();
    for account in accounts {
        let in_failed = failed.as_ref().is_some_and(|f| f.contains(&account.node));
        let ne_reason = not_evaluable
            .iter()
            .find(|(_, set)| set.contains(&account.node))
            .map(|(ne, _)| ne.reason.clone());
        let in_passed = passed.contains(&account.node);
        let status = if failed.is_some() {
            // "For every" checks: a failure found wins; unknowns block a pass.
            if in_failed {
                Status::Failed
            } else if ne_reason.is_some() {
                Status::NotEvaluable
            } else if in_passed {
                Status::Passed
            } else {
                Status::Failed
            }
        } else if in_passed {
            Status::Passed
        } else if ne_reason.is_some() {
            Status::NotEvaluable
        } else {
            Status::Failed
        };
        let mut result = CheckResult {
            check: check.id.clone(),
            control: control.control.clone(),
            title: control.title.clone(),
            severity: check.severity,
            account: account.id.clone(),
            account_name: account.name.clone(),
            status,
            reason: String::new(),
            explanation: Vec::new(),
            resources: Vec::new(),
            remediation: Vec::new(),
        };
        let inventory = engine.inventory;
        let mut nodes: Vec<NodeId> = Vec::new();
        let best: Option<Path> = match &fail_chain {
            Some(fc) => {
                let defects = fc.first_level_meeting(engine, account.node);
                for d in &defects {
                    let held: Vec<String> = fc
                        .held_phrases(engine, phrases, *d)
                        .iter()
                        .map(|p| fill_text(p, control, collected_at))
                        .collect();
                    result.explanation.push(format!(
                        "{}: {}",
                        describe_node(inventory, phrases, *d),
                        held.join("; ")
                    ));
                    nodes.push(*d);
                }
                let all = pass_chain.first_level_meeting(engine, account.node);
                if defects.is_empty() {
                    for n in &all {
                        result
                            .explanation
                            .push(format!("{}: ok", describe_node(inventory, phrases, *n)));
                        nodes.push(*n);
                    }
                }
                if all.is_empty() {
                    result
                        .explanation
                        .push(no_first_level(phrases, &pass_chain));
                }
                match defects.first() {
                    // The best path only fills remediation, which a pass does not have.
                    None if status == Status::Passed => None,
                    Some(d) => Some(Path {
                        steps: vec![crate::explain::Step {
                            node: *d,
                            met: false,
                            note: None,
                        }],
                        complete: false,
                        end: None,
                        depth: 1,
                    }),
                    None => pass_chain
                        .walk(engine, phrases, account.node)
                        .into_iter()
                        .next(),
                }
            }
            None if status == Status::Passed => {
                // Only the first complete path is shown; no remediation needs the best one.
                match pass_chain.first_complete(engine, phrases, account.node) {
                    Some(Some(p)) => {
                        result.explanation.push(render_path(inventory, phrases, &p));
                        nodes.extend(p.steps.iter().map(|s| s.node));
                    }
                    Some(None) => {}
                    None if !pass_chain.is_empty() => {
                        result
                            .explanation
                            .push(no_first_level(phrases, &pass_chain));
                    }
                    None => {}
                }
                None
            }
            None => {
                let paths = pass_chain.walk(engine, phrases, account.node);
                let shown: Vec<&Path> = match status {
                    Status::Passed => paths.iter().filter(|p| p.complete).take(1).collect(),
                    _ => paths.iter().take(8).collect(),
                };
                for p in &shown {
                    result.explanation.push(render_path(inventory, phrases, p));
                    nodes.extend(p.steps.iter().map(|s| s.node));
                }
                if paths.is_empty() && !pass_chain.is_empty() {
                    result
                        .explanation
                        .push(no_first_level(phrases, &pass_chain));
                }
                paths.into_iter().next()
            }
        };
        result.reason = match (status, &ne_reason) {
            (Status::NotEvaluable, Some(r)) => {
                let r = fill_text(r, control, collected_at);
                if result.explanation.is_empty() {
                    r
                } else {
                    format!("{r} Chain: {}", result.explanation.join("; "))
                }
            }
            (Status::Passed, _) => format!("passed: {}", result.explanation.join("; ")),
            _ => result.explanation.join("; "),
        };
        let mut seen = HashSet::new();
        result.resources = nodes
            .into_iter()
            .filter(|n| seen.insert(*n))
            .filter_map(|n| resource(inventory, n))
            .collect();
        if status != Status::Passed {
            result.remediation = remediation(engine, check, control, account, best.as_ref());
        }
        results.push(result);
    }
    Ok(results)
}

fn no_first_level(phrases: &Phrases, chain: &Chain) -> String {
    let _ = chain;
    format!("no {} in the account", phrases.kind("aws_cloud_trail"))
}

fn fill_text(text: &str, control: &Control, collected_at: jiff::Timestamp) -> String {
    template::fill(text, false, |n| {
        template::query_value(&control.parameters, collected_at, n)
    })
    .unwrap_or_else(|_| text.to_owned())
}

fn resource(inventory: &Inventory, node: NodeId) -> Option<Resource> {
    let n = inventory.node(node)?;
    Some(Resource {
        id: n.id.to_string(),
        kind: n.kind.as_str().to_owned(),
        name: n.name().to_owned(),
        region: inventory
            .ancestor(node, AncestorKind::Region)
            .map(|r| r.name().to_owned()),
    })
}

/// Fills the check's remediation commands with the names found along the best path of the
/// account (or, for a topic, any topic of the log group's account and region with a confirmed
/// subscription); `<placeholders>` where nothing exists.
fn remediation(
    engine: &Engine<'_>,
    check: &Check,
    control: &Control,
    account: &Account,
    best: Option<&Path>,
) -> Vec<String> {
    let inventory = engine.inventory;
    let mut values: BTreeMap<&str, String> = BTreeMap::new();
    let mut exists: HashSet<&str> = HashSet::new();
    values.insert("account_id", account.id.clone());
    values.insert("account_name", account.name.clone());
    let mut log_group: Option<NodeId> = None;
    let mut topic: Option<NodeId> = None;
    for step in best.map(|p| p.steps.as_slice()).unwrap_or_default() {
        let Some(n) = inventory.node(step.node) else {
            continue;
        };
        let region = inventory
            .ancestor(step.node, AncestorKind::Region)
            .map(|r| r.name().to_owned());
        match n.kind {
            Kind::AwsCloudTrail => {
                exists.insert("trail");
                values.insert("trail_name", n.name().to_owned());
                values.insert("trail_arn", n.id.to_string());
                if let Some(r) = region {
                    values.insert("trail_region", r);
                }
            }
            Kind::AwsCloudwatchLogGroup => {
                exists.insert("log_group");
                log_group = Some(step.node);
                values.insert("log_group_name", n.name().to_owned());
                values.insert("log_group_arn", n.id.to_string());
                if let Some(r) = region {
                    values.insert("log_group_region", r);
                }
            }
            Kind::AwsCloudwatchMetricFilter if step.met => {
                exists.insert("filter");
                values.insert("filter_name", n.name().to_owned());
                if let Some(t) = n
                    .property("filter_transformations")
                    .and_then(|v| v.as_array())
                    .and_then(|a| a.first())
                {
                    if let Some(m) = t.get("metric_name").and_then(|v| v.as_str()) {
                        values.insert("metric_name", m.to_owned());
                    }
                    if let Some(m) = t.get("metric_namespace").and_then(|v| v.as_str()) {
                        values.insert("metric_namespace", m.to_owned());
                    }
                }
            }
            Kind::AwsCloudwatchAlarm if step.met => {
                exists.insert("alarm");
                values.insert("alarm_name", n.name().to_owned());
            }
            Kind::AwsSnsTopic => topic = Some(step.node),
            _ => {}
        }
    }
    if topic.is_none()
        && let Some(group) = log_group
    {
        let region = inventory.node(group).and_then(|g| g.ancestors.region);
        topic = engine
            .of_kind_in_region(Kind::AwsSnsTopic, region)
            .iter()
            .copied()
            .find(|t| has_confirmed_subscription(inventory, *t));
    }
    if let Some(t) = topic.and_then(|t| inventory.node(t).map(|n| (t, n))) {
        exists.insert("topic_arn");
        values.insert("topic_arn", t.1.id.to_string());
        values.insert(
            "topic_name",
            t.1.id.rsplit(':').next().unwrap_or_default().to_owned(),
        );
        if has_confirmed_subscription(inventory, t.0) {
            exists.insert("confirmed_subscription");
        }
    }
    if !values.contains_key("log_group_region")
        && let Some(r) = values.get("trail_region").cloned()
    {
        values.insert("log_group_region", r);
    }
    let collected_at = inventory.meta.collected_at;
    check
        .remediation
        .commands
        .iter()
        .filter(|c| {
            c.unless_exists
                .as_deref()
                .is_none_or(|key| !exists.contains(key))
        })
        .map(|c| {
            template::fill(&c.template, false, |name| {
                let v = values
                    .get(name)
                    .cloned()
                    .or_else(|| template::query_value(&control.parameters, collected_at, name))
                    .unwrap_or_else(|| format!("<{}>", name.replace('_', "-")));
                Some(v.replace('\'', r"'\''"))
            })
            .unwrap_or_else(|_| c.template.clone())
        })
        .collect()
}

fn has_confirmed_subscription(inventory: &Inventory, topic: NodeId) -> bool {
    inventory.successors(topic).any(|s| {
        inventory.node(s).is_some_and(|n| {
            n.kind == Kind::AwsSnsSubscription
                && n.property("subscription_confirmed")
                    .is_some_and(|v| matches!(v, trailgraph_model::Value::Bool(true)))
        })
    })
}
