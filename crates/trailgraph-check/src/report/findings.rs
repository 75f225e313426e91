//! Findings: the results of a control grouped by identical break, shared by the formats that
//! summarise (HTML, text).

use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::catalog::Severity;
use crate::chain::StepStatus;
use crate::run::{CheckResult, ControlReport, Report, Status, Summary};

/// A finding: the results of one control that share a status and an identical break (the
/// same steps, statuses and reasons once the account's own id and name are set aside).
pub(super) struct Group<'r> {
    pub id: String,
    pub section: usize,
    pub control: &'r ControlReport,
    pub status: Status,
    pub results: Vec<&'r CheckResult>,
}

/// The shape of a result's chain with the account's own id and name replaced, so that the
/// same break in two accounts reads the same.
pub(super) fn signature(r: &CheckResult) -> String {
    let plain = |s: &str| {
        let mut s = s.replace(&r.account, "{account}");
        if !r.account_name.is_empty() && r.account_name != r.account {
            s = s.replace(&r.account_name, "{account_name}");
        }
        s
    };
    let mut out = String::new();
    // The result's own resource (checks about another kind): two resources never share a
    // finding, since their fixes differ.
    if let Some(x) = &r.resource {
        out.push_str(&plain(&x.id));
    }
    if r.status == Status::NotEvaluable {
        out.push_str(&plain(r.reason.split(" Chain: ").next().unwrap_or("")));
    }
    for chain in &r.chains {
        out.push('#');
        for s in &chain.steps {
            // The step as it reads (kind, name, region), the account set aside: the same
            // break on a differently named log group is another finding.
            let _ = write!(
                out,
                "|{}:{}:{}:{}:{}",
                s.kind,
                plain(&s.text),
                s.status.as_str(),
                plain(s.condition.as_deref().unwrap_or("")),
                plain(s.detail.as_deref().unwrap_or(""))
            );
        }
    }
    out
}

pub(super) fn groups(report: &Report) -> Vec<Group<'_>> {
    let mut out: Vec<Group<'_>> = Vec::new();
    for (si, section) in report.sections.iter().enumerate() {
        for control in &section.controls {
            let mut by_shape: Vec<(Status, Vec<&CheckResult>)> = Vec::new();
            let mut index: HashMap<(Status, String), usize> = HashMap::new();
            for r in &control.results {
                // Every pass of a control is one finding; breaks group by their shape.
                let shape = if r.status == Status::Passed {
                    String::new()
                } else {
                    signature(r)
                };
                match index.entry((r.status, shape)) {
                    Entry::Occupied(at) => {
                        if let Some((_, rs)) = by_shape.get_mut(*at.get()) {
                            rs.push(r);
                        }
                    }
                    Entry::Vacant(at) => {
                        at.insert(by_shape.len());
                        by_shape.push((r.status, vec![r]));
                    }
                }
            }
            // Failures first, then not evaluable, then passes; larger groups first.
            by_shape.sort_by_key(|(st, rs)| {
                (std::cmp::Reverse(st.badness()), std::cmp::Reverse(rs.len()))
            });
            for (status, results) in by_shape {
                out.push(Group {
                    id: format!("g{}", out.len() + 1),
                    section: si,
                    control,
                    status,
                    results,
                });
            }
        }
    }
    out
}

/// Account id → name, from the results (the inventory lists ids only).
pub(super) fn account_names(report: &Report) -> HashMap<&str, &str> {
    let mut names: HashMap<&str, &str> = HashMap::new();
    for r in report.results() {
        names.entry(&r.account).or_insert(&r.account_name);
    }
    names
}

/// The counts a summary shows: per section and per severity (most severe first), and the
/// accounts by number of failures (most first, then by id).
pub(super) struct Tally<'r> {
    pub sections: Vec<(&'r str, Summary)>,
    pub severities: Vec<(Severity, Summary)>,
    pub worst: Vec<(&'r str, usize)>,
}

pub(super) fn tally(report: &Report) -> Tally<'_> {
    let sections = report
        .sections
        .iter()
        .map(|section| {
            let mut c = Summary::default();
            for r in section.controls.iter().flat_map(|c| &c.results) {
                c.add(r.status);
            }
            (section.title.as_str(), c)
        })
        .collect();
    let mut by_severity: BTreeMap<Reverse<Severity>, Summary> = BTreeMap::new();
    let mut failures: HashMap<&str, usize> = HashMap::new();
    for r in report.results() {
        by_severity
            .entry(Reverse(r.severity))
            .or_default()
            .add(r.status);
        if r.status == Status::Failed {
            *failures.entry(&r.account).or_default() += 1;
        }
    }
    let mut worst: Vec<(&str, usize)> = failures.into_iter().collect();
    worst.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    Tally {
        sections,
        severities: by_severity.into_iter().map(|(s, c)| (s.0, c)).collect(),
        worst,
    }
}

pub(super) fn account_label(account: &str, names: &HashMap<&str, &str>) -> String {
    match names.get(account) {
        Some(name) if !name.is_empty() && *name != account => format!("{name} ({account})"),
        _ => account.to_owned(),
    }
}

/// What a finding is, from its first result: the first step that is not ok, or the reason.
pub(super) fn headline(r: &CheckResult) -> String {
    if r.status == Status::Passed {
        return "complete chain".to_owned();
    }
    if r.status == Status::NotEvaluable {
        return r
            .reason
            .split(" Chain: ")
            .next()
            .unwrap_or(&r.reason)
            .to_owned();
    }
    let step = r
        .chains
        .first()
        .and_then(|c| c.steps.iter().find(|s| s.status != StepStatus::Ok));
    match step {
        Some(s) => {
            let what = match s.status {
                StepStatus::Missing => format!("{} missing", s.text),
                _ => format!("{} broken", s.text),
            };
            match s.detail.as_deref().filter(|d| !d.is_empty()) {
                Some(d) => format!("{what}: {d}"),
                None => what,
            }
        }
        None => r.explanation.first().cloned().unwrap_or_default(),
    }
}
