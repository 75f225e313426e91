//! The runner: one verdict per (check, account) for a benchmark.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use trailgraph_model::{AncestorKind, Inventory, NodeId};
use trailgraph_query::TraceOptions;

use crate::catalog::{Benchmark, Catalog, Check, CheckQuery, Control, Severity, account_kind};
use crate::chain::{Chain, ChainStep, Explainer};
use crate::engine::{Engine, Prepared};
use crate::error::CheckError;
use crate::remedy::{FixCommand, RemediationKind, Remedy};
use crate::template;
use crate::vocabulary::Vocabulary;

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
    /// The form of remediation: AWS CLI commands or Terraform snippets.
    pub remediation: RemediationKind,
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

    /// How bad the status is: passed 0, not evaluable 1, failed 2. Where an account or a cell
    /// has several results, the worst is the one shown.
    pub fn badness(self) -> u8 {
        match self {
            Status::Passed => 0,
            Status::NotEvaluable => 1,
            Status::Failed => 2,
        }
    }

    /// The status [`Status::as_str`] names.
    pub fn parse(word: &str) -> Option<Status> {
        [Status::Passed, Status::Failed, Status::NotEvaluable]
            .into_iter()
            .find(|s| s.as_str() == word)
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

/// One verdict for one (check, account), or for one resource of a check about another kind.
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
    /// The resource the verdict is about, for a check whose result kind is not the account.
    pub resource: Option<Resource>,
    /// Why, in one paragraph.
    pub reason: String,
    /// Where the chain stands, one line per chain.
    pub explanation: Vec<String>,
    /// The chains behind the verdict: for a pass, the chain that completes it; for a failure,
    /// the chain closest to passing (for a "for every" check, one per resource with the
    /// defect).
    pub chains: Vec<Chain>,
    /// Resources involved.
    pub resources: Vec<Arc<Resource>>,
    /// The fixes, filled with the account's names (empty when passed), in the remediation
    /// form the run asked for.
    pub remediation: Vec<String>,
    /// The same fixes, each with the account it must run in when that is not this result's.
    pub fixes: Vec<FixCommand>,
}

impl CheckResult {
    /// The steps of the first chain (the one the verdict rests on).
    pub fn chain(&self) -> &[ChainStep] {
        self.chains.first().map_or(&[], |c| c.steps.as_slice())
    }
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
    /// Why the check matters.
    pub risk: String,
    /// The remediation text of the check.
    pub remediation_text: String,
    /// One result per account (per resource, and per account that could not be judged, for a
    /// check about another kind).
    pub results: Vec<CheckResult>,
}

impl ControlReport {
    /// Per account, the worst status among its results (failed, then not evaluable, then
    /// passed); an account without a result (a check about a kind the account has no resource
    /// of) is not in the map. One pass over the results: reports look up every account of
    /// every control, which a scan per account would make quadratic in the accounts.
    pub fn statuses(&self) -> HashMap<&str, Status> {
        let mut worst: HashMap<&str, Status> = HashMap::new();
        for r in &self.results {
            worst
                .entry(r.account.as_str())
                .and_modify(|s| {
                    if r.status.badness() > s.badness() {
                        *s = r.status;
                    }
                })
                .or_insert(r.status);
        }
        worst
    }
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

impl Summary {
    /// Counts one verdict.
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Passed => self.passed += 1,
            Status::Failed => self.failed += 1,
            Status::NotEvaluable => self.not_evaluable += 1,
        }
    }
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
    /// Framework (`CIS`, ...).
    pub framework: String,
    /// Where the benchmark is published.
    pub url: Option<String>,
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
    /// The form of remediation.
    pub remediation: RemediationKind,
    /// The inventory.
    pub inventory: InventoryInfo,
    /// Sections in benchmark order.
    pub sections: Vec<SectionReport>,
    /// Counts.
    pub summary: Summary,
    /// What [`Report::retain`] kept (`None`: every result).
    pub shown: Option<String>,
    /// Changes since an earlier report (see [`crate::baseline::compare_baseline`]).
    pub baseline: Option<crate::baseline::Baseline>,
    /// Kind → the resource type security findings (ASFF, OCSF) give its nodes, from the
    /// vocabulary's `finding_type`; the account's kind included.
    pub resource_types: std::collections::BTreeMap<String, String>,
    /// The kind of the accounts results are about.
    pub account_kind: String,
    /// The region security findings (ASFF) are imported into: `us-east-1` unless set.
    pub finding_region: String,
}

impl Report {
    /// Every result, in benchmark order, accounts in inventory order.
    pub fn results(&self) -> impl Iterator<Item = &CheckResult> {
        self.sections
            .iter()
            .flat_map(|s| s.controls.iter())
            .flat_map(|c| c.results.iter())
    }

    /// Every result with its control, in benchmark order.
    pub fn control_results(&self) -> impl Iterator<Item = (&ControlReport, &CheckResult)> {
        self.sections
            .iter()
            .flat_map(|s| s.controls.iter())
            .flat_map(|c| c.results.iter().map(move |r| (c, r)))
    }

    /// Keeps only the results with one of `statuses` (all when empty) of checks at least as
    /// severe as `severity`, and the sections and controls that still have one; `shown` says
    /// what was kept. The summary and the exit code stay those of the whole run.
    pub fn retain(&mut self, statuses: &[Status], severity: Option<Severity>) {
        if statuses.is_empty() && severity.is_none() {
            return;
        }
        for section in &mut self.sections {
            section
                .controls
                .retain(|c| severity.is_none_or(|s| c.severity >= s));
            for control in &mut section.controls {
                control
                    .results
                    .retain(|r| statuses.is_empty() || statuses.contains(&r.status));
            }
            section.controls.retain(|c| !c.results.is_empty());
        }
        self.sections.retain(|s| !s.controls.is_empty());
        let mut parts = Vec::new();
        if !statuses.is_empty() {
            let words: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
            parts.push(format!("status {}", words.join(" or ")));
        }
        if let Some(s) = severity {
            parts.push(format!("severity {} and above", s.as_str()));
        }
        self.shown = Some(parts.join(", "));
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

/// What a control gives for the accounts of one inventory or part: the results in account
/// order, and per `not_evaluable` query that judges whole accounts, the accounts it found.
#[derive(Default)]
struct Outcome {
    results: Vec<CheckResult>,
    tails: Vec<Vec<CheckResult>>,
}

impl Outcome {
    /// Appends the outcome of other accounts.
    fn extend(&mut self, other: Outcome) {
        self.results.extend(other.results);
        if self.tails.len() < other.tails.len() {
            self.tails.resize_with(other.tails.len(), Vec::new);
        }
        for (mine, theirs) in self.tails.iter_mut().zip(other.tails) {
            mine.extend(theirs);
        }
    }

    /// All results in account order (of the ids), as one run over every account gives them.
    fn into_results(self) -> Vec<CheckResult> {
        let mut results = self.results;
        results.sort_by(|a, b| a.account.cmp(&b.account));
        for mut tail in self.tails {
            tail.sort_by(|a, b| a.account.cmp(&b.account));
            results.extend(tail);
        }
        results
    }
}

/// Runs a benchmark (or some of its checks) over an inventory.
pub fn run(
    catalog: &Catalog,
    inventory: &Inventory,
    options: &RunOptions,
) -> Result<Report, CheckError> {
    let mut checker = Checker::new(catalog, options)?;
    checker.add(inventory, |_| true)?;
    checker.finish(&inventory.meta)
}

/// A benchmark run over an estate given in parts (see [`trailgraph_model::parts`]): each part
/// is checked for its own accounts, and the report is the same as one run over the whole
/// inventory. Only the results are held between parts.
pub struct Checker<'c> {
    catalog: &'c Catalog,
    options: &'c RunOptions,
    benchmark: &'c Benchmark,
    jobs: Vec<(usize, &'c Control, &'c Check)>,
    outcomes: Vec<Outcome>,
    /// Every account checked so far: (id, name).
    accounts: Vec<(String, String)>,
    /// Ids and node ids of every account seen, checked or not.
    known: HashSet<String>,
    nodes: usize,
    judgement: &'static str,
    /// The lowered queries and filter-pattern judgements of the parts so far.
    lasting: Option<Arc<crate::engine::Lasting>>,
}

impl<'c> Checker<'c> {
    /// A run of the benchmark `options` names (or the catalog's default).
    pub fn new(catalog: &'c Catalog, options: &'c RunOptions) -> Result<Self, CheckError> {
        let benchmark = pick_benchmark(catalog, options)?;
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
        let outcomes = jobs.iter().map(|_| Outcome::default()).collect();
        Ok(Checker {
            catalog,
            options,
            benchmark,
            jobs,
            outcomes,
            accounts: Vec::new(),
            known: HashSet::new(),
            nodes: 0,
            judgement: "",
            lasting: None,
        })
    }

    /// Whether the selected checks give the same verdicts checked part by part as over the
    /// whole inventory. A part holds its own accounts and what they lead to in other accounts
    /// (with those accounts whole), but not the nodes of other parts that lead *into* it, so a
    /// query that walks inbound (`<--`) could find fewer nodes there. The built-in checks walk
    /// inbound only to reach the nodes of the same account and region (tested part by part
    /// against whole runs); a check from another directory that walks inbound anywhere is
    /// judged over the whole inventory.
    pub fn by_parts(&self) -> bool {
        self.jobs.iter().all(|(_, _, check)| {
            let builtin = check.passed.location.path.starts_with("<builtin>");
            builtin || !check_queries(check).any(|q| q.text.contains("<-"))
        })
    }

    /// Checks the accounts of `inventory` that `owns` says are this part's own (the nodes an
    /// inventory holds only for them, such as another account's organisation trail, are not
    /// checked here but in their own part).
    pub fn add(
        &mut self,
        inventory: &Inventory,
        owns: impl Fn(NodeId) -> bool,
    ) -> Result<(), CheckError> {
        let options = self.options;
        let engine = Engine::new(
            inventory,
            options.strict,
            options.language_only,
            self.lasting.as_ref(),
        );
        self.judgement = engine.judgement.as_str();
        self.lasting = Some(engine.lasting());
        self.nodes += inventory.node_ids().filter(|&n| owns(n)).count();
        let own: Vec<Account> = all_accounts(inventory)
            .into_iter()
            .filter(|a| owns(a.node))
            .collect();
        for a in &own {
            self.known.insert(a.id.clone());
            if let Some(node) = inventory.node(a.node) {
                self.known.insert(node.id.to_string());
            }
        }
        let wanted = &options.accounts;
        let mut accounts: Vec<Account> = own
            .into_iter()
            .filter(|a| wanted.is_empty() || wanted.iter().any(|w| a.matches(w)))
            .collect();
        accounts.sort_by(|a, b| a.id.cmp(&b.id));
        self.accounts
            .extend(accounts.iter().map(|a| (a.id.clone(), a.name.clone())));
        if accounts.is_empty() {
            return Ok(());
        }
        let subjects = Subjects::new(inventory, &accounts);
        let mut account_errors: HashMap<&str, Vec<&trailgraph_model::CollectionError>> =
            HashMap::new();
        for e in inventory.meta.errors.iter().filter(|e| e.region.is_none()) {
            account_errors
                .entry(e.account.as_str())
                .or_default()
                .push(e);
        }
        let vocabulary = self.catalog.vocabulary();
        let outcomes = run_jobs(&self.jobs, |&(_, control, check)| {
            let cx = ControlRun {
                engine: &engine,
                vocabulary,
                check,
                control,
                accounts: &accounts,
                subjects: &subjects,
                account_errors: &account_errors,
                remediation: options.remediation,
            };
            cx.run()
        });
        for (mine, outcome) in self.outcomes.iter_mut().zip(outcomes) {
            mine.extend(outcome?);
        }
        Ok(())
    }

    /// The report, once every part is in; `meta` is the estate's metadata.
    pub fn finish(self, meta: &trailgraph_model::SnapshotMeta) -> Result<Report, CheckError> {
        let Checker {
            catalog,
            options,
            benchmark,
            jobs,
            outcomes,
            mut accounts,
            known,
            nodes,
            judgement,
            lasting: _,
        } = self;
        let known: HashSet<&str> = known.iter().map(String::as_str).collect();
        let unreached = unreached_sources(&known, meta, &options.accounts);
        // An account is asked for by id or by name; one that could not be read at all is known
        // by its label and reported as not evaluable, not as unknown.
        for w in &options.accounts {
            if !accounts.iter().any(|(id, name)| id == w || name == w)
                && !unreached.iter().any(|u| &u.source == w)
            {
                return Err(CheckError::UnknownAccount { id: w.clone() });
            }
        }
        accounts.sort();
        let judgement = if judgement.is_empty() {
            Engine::judgement_for(options.strict, options.language_only).as_str()
        } else {
            judgement
        };
        let mut outcomes = outcomes.into_iter();
        let mut summary = Summary::default();
        let mut sections = Vec::new();
        for (s, section) in benchmark.sections.iter().enumerate() {
            let mut controls = Vec::new();
            for &(_, control, check) in jobs.iter().filter(|j| j.0 == s) {
                let Some(outcome) = outcomes.next() else {
                    continue;
                };
                let mut results = outcome.into_results();
                results.extend(
                    unreached
                        .iter()
                        .map(|u| unreached_result(check, control, u)),
                );
                for r in &results {
                    summary.add(r.status);
                }
                controls.push(ControlReport {
                    control: control.control.clone(),
                    title: control.title.clone(),
                    check: check.id.clone(),
                    severity: check.severity,
                    risk: template::fill(&check.risk, false, |n| {
                        template::query_value(&control.parameters, meta.collected_at, n)
                    })
                    .unwrap_or_else(|_| check.risk.clone()),
                    remediation_text: template::fill(&check.remediation.text, false, |n| {
                        template::query_value(&control.parameters, meta.collected_at, n)
                    })
                    .unwrap_or_else(|_| check.remediation.text.clone()),
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
                framework: benchmark.framework.clone(),
                url: benchmark.url.clone(),
            },
            generated_at: options.generated_at.unwrap_or_else(jiff::Timestamp::now),
            strict: options.strict,
            filter_judgement: judgement,
            remediation: options.remediation,
            inventory: InventoryInfo {
                source: meta.source.clone(),
                collected_at: meta.collected_at,
                accounts: accounts
                    .into_iter()
                    .map(|(id, _)| id)
                    .chain(unreached.iter().map(|u| u.source.clone()))
                    .collect(),
                nodes,
                collection_errors: meta.errors.len(),
                unreached,
            },
            sections,
            summary,
            shown: None,
            baseline: None,
            resource_types: catalog
                .vocabulary()
                .kinds
                .iter()
                .filter_map(|(kind, words)| Some((kind.clone(), words.finding_type.clone()?)))
                .collect(),
            account_kind: AncestorKind::Account.kind().as_str().to_owned(),
            finding_region: "us-east-1".to_owned(),
        })
    }
}

/// Every query of a check: verdicts, reasons it cannot be judged, and reuse for fixes.
fn check_queries(check: &Check) -> impl Iterator<Item = &crate::catalog::CheckQuery> {
    std::iter::once(&check.passed)
        .chain(check.failed.as_ref())
        .chain(check.not_evaluable.iter().map(|n| &n.query))
        .chain(check.remediation.reuse.iter().map(|r| &r.query))
}

/// Runs `work` on every job, on up to as many threads as there are cores (the engine's caches
/// are shared), and returns the outcomes in job order.
fn run_jobs<J: Sync, T: Send>(jobs: &[J], work: impl Fn(&J) -> T + Sync) -> Vec<T> {
    let threads = trailgraph_model::cores().min(jobs.len());
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

impl Account {
    fn matches(&self, wanted: &str) -> bool {
        self.id == wanted || self.name == wanted
    }
}

/// Every account of the inventory.
fn all_accounts(inventory: &Inventory) -> Vec<Account> {
    inventory
        .nodes_of_kind(account_kind())
        .iter()
        .filter_map(|n| {
            let node = inventory.node(*n)?;
            Some(Account {
                node: *n,
                id: node.str_property("id").unwrap_or(&node.id).to_owned(),
                name: node.name().to_owned(),
            })
        })
        .collect()
}

/// The sources that collection errors name but the inventory has no account for (an identity
/// that failed, an account lost whole), and an entry for an inventory without any account:
/// nothing checked must never read as nothing wrong. With `wanted` accounts, only those and the
/// sources whose account is unknown (profiles, roles) are kept.
fn unreached_sources(
    known: &HashSet<&str>,
    meta: &trailgraph_model::SnapshotMeta,
    wanted: &[String],
) -> Vec<Unreached> {
    let mut by_source: BTreeMap<&str, Vec<&trailgraph_model::CollectionError>> = BTreeMap::new();
    for error in &meta.errors {
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
                meta.source
            ),
        });
    }
    out
}

fn unreached_reason(source: &str, errors: &[&trailgraph_model::CollectionError]) -> String {
    format!(
        "{source} could not be read, so none of its data is in the inventory: {}.",
        error_list(errors)
    )
}

/// `code calling service:Operation in region: message; ...`, at most three, then a count.
fn error_list(errors: &[&trailgraph_model::CollectionError]) -> String {
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
    parts.join("; ")
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
        resource: None,
        reason: unreached.reason.clone(),
        explanation: Vec::new(),
        chains: Vec::new(),
        resources: Vec::new(),
        remediation: Vec::new(),
        fixes: Vec::new(),
    }
}

/// The nodes of each kind under each selected account, for checks about other kinds than the
/// account (built once per report, per kind, on first use).
struct Subjects<'i> {
    inventory: &'i Inventory,
    accounts: HashMap<NodeId, usize>,
    by_kind: std::sync::Mutex<HashMap<trailgraph_model::Kind, std::sync::Arc<Vec<Vec<NodeId>>>>>,
}

impl<'i> Subjects<'i> {
    fn new(inventory: &'i Inventory, accounts: &[Account]) -> Self {
        Subjects {
            inventory,
            accounts: accounts
                .iter()
                .enumerate()
                .map(|(i, a)| (a.node, i))
                .collect(),
            by_kind: std::sync::Mutex::default(),
        }
    }

    /// Per account (in account order), its nodes of `kind`, sorted by name then id.
    fn of_kind(&self, kind: trailgraph_model::Kind) -> std::sync::Arc<Vec<Vec<NodeId>>> {
        let mut cache = self.by_kind.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(hit) = cache.get(&kind) {
            return std::sync::Arc::clone(hit);
        }
        let inventory = self.inventory;
        let mut out: Vec<Vec<NodeId>> = vec![Vec::new(); self.accounts.len()];
        for &n in inventory.nodes_of_kind(kind) {
            let Some(node) = inventory.node(n) else {
                continue;
            };
            if let Some(i) = node
                .ancestors
                .get(AncestorKind::Account)
                .and_then(|a| self.accounts.get(&a))
                && let Some(list) = out.get_mut(*i)
            {
                list.push(n);
            }
        }
        for list in &mut out {
            list.sort_by(|a, b| {
                let key = |n: &NodeId| inventory.node(*n).map(|x| (x.name(), &x.id));
                key(a).cmp(&key(b))
            });
        }
        let out = std::sync::Arc::new(out);
        cache.insert(kind, std::sync::Arc::clone(&out));
        out
    }
}

/// A bound query of a control with what explaining it needs.
struct Bound<'c> {
    prepared: std::sync::Arc<Prepared>,
    template: &'c CheckQuery,
}

/// One control of a report being run.
struct ControlRun<'r, 'a> {
    engine: &'r Engine<'a>,
    vocabulary: &'r Vocabulary,
    check: &'r Check,
    control: &'r Control,
    accounts: &'r [Account],
    subjects: &'r Subjects<'a>,
    /// The collection errors of whole accounts (no region), by account id.
    account_errors: &'r HashMap<&'a str, Vec<&'a trailgraph_model::CollectionError>>,
    remediation: RemediationKind,
}

/// A node a result is about, with its account.
struct Subject<'r> {
    node: NodeId,
    account: &'r Account,
    /// Whether the node is the account itself.
    is_account: bool,
}

impl ControlRun<'_, '_> {
    fn lookup(&self, name: &str) -> Option<String> {
        template::query_value(
            &self.control.parameters,
            self.engine.inventory.meta.collected_at,
            name,
        )
    }

    fn fill_text(&self, text: &str) -> String {
        template::fill(text, false, |n| self.lookup(n)).unwrap_or_else(|_| text.to_owned())
    }

    fn query_error(&self, query: &str, message: String) -> CheckError {
        CheckError::Query {
            check: self.check.id.clone(),
            query: query.to_owned(),
            message,
        }
    }

    fn bind<'c>(&self, template: &'c CheckQuery) -> Result<Bound<'c>, CheckError> {
        let lookup = |name: &str| self.lookup(name);
        let bound = template::bind(&template.query, &lookup)
            .map_err(|e| self.query_error(&template.text, format!("{e:?}")))?;
        let prepared = self
            .engine
            .prepare(&bound)
            .map_err(|m| self.query_error(&template.text, m))?;
        Ok(Bound { prepared, template })
    }

    fn explainer<'e>(
        &'e self,
        bound: &'e Bound<'_>,
        fill: &'e dyn Fn(&str) -> String,
    ) -> Explainer<'e, 'e> {
        Explainer {
            engine: self.engine,
            vocabulary: self.vocabulary,
            plan: &bound.prepared.traced,
            syntax: trailgraph_query::level_syntax(&bound.template.query),
            fill,
        }
    }

    fn subjects(&self) -> Vec<Subject<'_>> {
        if self.check.result_kind == account_kind() {
            return self
                .accounts
                .iter()
                .map(|a| Subject {
                    node: a.node,
                    account: a,
                    is_account: true,
                })
                .collect();
        }
        let by_account = self.subjects.of_kind(self.check.result_kind);
        self.accounts
            .iter()
            .zip(by_account.iter())
            .flat_map(|(a, nodes)| {
                nodes.iter().map(move |n| Subject {
                    node: *n,
                    account: a,
                    is_account: false,
                })
            })
            .collect()
    }

    /// The results: one per subject in account order, then for each `not_evaluable` query that
    /// judges whole accounts, the accounts it found (in account order).
    fn run(&self) -> Result<Outcome, CheckError> {
        let check = self.check;
        let passed = self.bind(&check.passed)?;
        let failed = check.failed.as_ref().map(|q| self.bind(q)).transpose()?;
        let subjects = self.subjects();
        // Without a `failed` query, a result's verdict is its trace of `passed` up to the first
        // witness at every level: one evaluation gives the verdict and, for a pass, the chain.
        let witnesses: Option<Vec<trailgraph_query::NodeTrace>> = failed.is_none().then(|| {
            subjects
                .iter()
                .map(|s| {
                    self.engine
                        .trace(&passed.prepared, s.node, &TraceOptions::default(), None)
                })
                .collect()
        });
        let passed_set: std::sync::Arc<HashSet<NodeId>> = match &witnesses {
            Some(traces) => std::sync::Arc::new(
                subjects
                    .iter()
                    .zip(traces)
                    .filter(|(_, t)| t.matched)
                    .map(|(s, _)| s.node)
                    .collect(),
            ),
            None => self.engine.select(&passed.prepared),
        };
        let failed_set = failed.as_ref().map(|f| self.engine.select(&f.prepared));
        // A `not_evaluable` query only matters for results that neither `failed` (checks that
        // have it) nor `passed` (checks that do not) decided, so it runs from those alone. For
        // a check about another kind, a query that starts with the accounts' kind judges whole
        // accounts.
        let undecided: Vec<NodeId> = subjects
            .iter()
            .map(|s| s.node)
            .filter(|n| match &failed_set {
                Some(f) => !f.contains(n),
                None => !passed_set.contains(n),
            })
            .collect();
        let account_nodes: Vec<NodeId> = self.accounts.iter().map(|a| a.node).collect();
        let mut not_evaluable: Vec<(&str, HashSet<NodeId>)> = Vec::new();
        let mut account_level: Vec<(&str, HashSet<NodeId>)> = Vec::new();
        for ne in &check.not_evaluable {
            let bound = self.bind(&ne.query)?;
            let first = bound.prepared.traced.levels.first().and_then(|l| l.kinds);
            let judges_accounts = check.result_kind != account_kind()
                && first.is_some_and(|k| k.contains(account_kind()));
            if judges_accounts {
                let found = self.engine.select_from(&bound.prepared, &account_nodes);
                account_level.push((ne.reason.as_str(), found.into_iter().collect()));
            } else {
                let found = self.engine.select_from(&bound.prepared, &undecided);
                not_evaluable.push((ne.reason.as_str(), found.into_iter().collect()));
            }
        }
        let fill = |t: &str| self.fill_text(t);
        let passed_explainer = self.explainer(&passed, &fill);
        let failed_explainer = failed.as_ref().map(|f| self.explainer(f, &fill));
        let mut results = Vec::new();
        for (index, subject) in subjects.iter().enumerate() {
            let node = subject.node;
            let in_failed = failed_set.as_ref().is_some_and(|f| f.contains(&node));
            let ne_reason = not_evaluable
                .iter()
                .find(|(_, set)| set.contains(&node))
                .map(|(reason, _)| *reason);
            let in_passed = passed_set.contains(&node);
            let status = if failed_set.is_some() {
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
            let (chains, level_kinds) = match (&failed, &failed_explainer) {
                (Some(f), Some(fx)) => {
                    let options = TraceOptions {
                        witness_only: false,
                        below_unmet: false,
                        ..TraceOptions::default()
                    };
                    let trace = self.engine.trace(&f.prepared, node, &options, None);
                    let mut chains = fx.defects(&trace);
                    let kinds = level_kinds(&f.prepared);
                    if chains.is_empty() {
                        let trace = self.engine.trace(&passed.prepared, node, &options, None);
                        chains = passed_explainer.first_level(&trace);
                    }
                    (chains, kinds)
                }
                _ => {
                    let witness = witnesses.as_ref().and_then(|w| w.get(index));
                    let chain = match witness {
                        Some(w) if status == Status::Passed => passed_explainer.best(w),
                        _ => {
                            // Below a node that fails its conditions only where a path may
                            // lead: not below the filters of other controls.
                            let options = TraceOptions {
                                witness_only: false,
                                below_unmet: true,
                                ..TraceOptions::default()
                            };
                            let descend = |c: &trailgraph_query::NodeTrace| {
                                passed_explainer.fails_only_narrower_covers(c)
                            };
                            let trace =
                                self.engine
                                    .trace(&passed.prepared, node, &options, Some(&descend));
                            if trace.matched != (status == Status::Passed) {
                                return Err(self.query_error(
                                    &passed.prepared.key,
                                    "the trace and the verdict disagree".to_owned(),
                                ));
                            }
                            passed_explainer.best(&trace)
                        }
                    };
                    (vec![chain], level_kinds(&passed.prepared))
                }
            };
            results.push(self.result(subject, status, ne_reason, chains, &level_kinds));
        }
        let mut tails = Vec::new();
        for (reason, set) in &account_level {
            let mut tail = Vec::new();
            for a in self.accounts.iter().filter(|a| set.contains(&a.node)) {
                let subject = Subject {
                    node: a.node,
                    account: a,
                    is_account: true,
                };
                tail.push(self.result(
                    &subject,
                    Status::NotEvaluable,
                    Some(reason),
                    Vec::new(),
                    &[],
                ));
            }
            tails.push(tail);
        }
        Ok(Outcome { results, tails })
    }

    fn result(
        &self,
        subject: &Subject<'_>,
        status: Status,
        ne_reason: Option<&str>,
        chains: Vec<Chain>,
        level_kinds: &[String],
    ) -> CheckResult {
        let inventory = self.engine.inventory;
        let subject_word = inventory
            .node(subject.node)
            .map_or("resource", |n| self.vocabulary.word(n.kind.as_str()))
            .to_owned();
        let explanation: Vec<String> = chains
            .iter()
            .map(|c| {
                let mut line = c.line();
                // "no trail" from the result's own node reads "no trail in the account".
                if c.steps.len() == 1
                    && c.steps[0].level == 1
                    && c.steps[0].status == crate::chain::StepStatus::Missing
                    && line.starts_with("no ")
                    && !line.contains('(')
                {
                    line.push_str(&format!(" in the {subject_word}"));
                }
                line
            })
            .collect();
        let reason = match (status, ne_reason) {
            (Status::NotEvaluable, Some(r)) => {
                let mut r = self.fill_text(r);
                // What stopped the whole account (a role that could not be assumed, an
                // identity that did not work) is said with the reason.
                let account_wide = self
                    .account_errors
                    .get(subject.account.id.as_str())
                    .map_or(&[][..], Vec::as_slice);
                if !account_wide.is_empty() {
                    r.push_str(" What failed: ");
                    r.push_str(&error_list(account_wide));
                    r.push('.');
                }
                if explanation.is_empty() {
                    r
                } else {
                    format!("{r} Chain: {}", explanation.join("; "))
                }
            }
            (Status::Passed, _) => format!("passed: {}", explanation.join("; ")),
            _ => explanation.join("; "),
        };
        let mut seen = HashSet::new();
        let resources: Vec<Arc<Resource>> = chains
            .iter()
            .flat_map(|c| c.steps.iter())
            .filter_map(|s| s.node_id)
            .filter(|n| seen.insert(*n))
            .filter_map(|n| self.engine.view(n, self.vocabulary))
            .map(|v| Arc::clone(&v.resource))
            .collect();
        let fixes = if status == Status::Passed {
            Vec::new()
        } else {
            let parameters = |n: &str| self.lookup(n);
            Remedy {
                engine: self.engine,
                vocabulary: self.vocabulary,
                check: self.check,
                parameters: &parameters,
                kind: self.remediation,
                subject: subject.node,
                account: &subject.account.id,
                level_kinds: level_kinds.to_vec(),
            }
            .fixes(&chains)
        };
        CheckResult {
            check: self.check.id.clone(),
            control: self.control.control.clone(),
            title: self.control.title.clone(),
            severity: self.check.severity,
            account: subject.account.id.clone(),
            account_name: subject.account.name.clone(),
            status,
            resource: if subject.is_account {
                None
            } else {
                resource(inventory, subject.node)
            },
            reason,
            explanation,
            chains,
            resources,
            remediation: fixes.iter().map(|f| f.text.clone()).collect(),
            fixes,
        }
    }
}

/// The kind of each level of a prepared query (the first kind its `is(...)` names).
fn level_kinds(prepared: &Prepared) -> Vec<String> {
    prepared
        .traced
        .levels
        .iter()
        .map(|l| l.kind_names.first().cloned().unwrap_or_default())
        .collect()
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
