//! SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format): one rule per check, one
//! result per failed (check, account) — and per not-evaluable one, as `kind: open`, so that a
//! consumer never reads an unknown as a pass. Each result is located logically (the account,
//! then the resource where the chain breaks) and carries a fingerprint that stays the same from
//! one run to the next, so that a viewer tracks it across audits.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{Value as Json, json};

use crate::catalog::Severity;
use crate::run::{CheckResult, ControlReport, Report, Status};

/// The schema every SARIF 2.1.0 log names.
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The level of a failure of a check of this severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// The numeric severity code-scanning services sort by (`security-severity`, 0–10).
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// Where a result is: the account, and the node of the first step that is not ok (or the
/// result's own resource).
fn locations(r: &CheckResult) -> Json {
    let mut logical = vec![json!({
        "name": r.account_name,
        "fullyQualifiedName": format!("aws/account/{}", r.account),
        "kind": "namespace",
    })];
    let at = super::located(r).map(|x| (x.id, x.name, x.kind));
    if let Some((id, name, kind)) = at {
        logical.push(json!({
            "name": name,
            "fullyQualifiedName": id,
            "kind": "resource",
            "properties": {"resourceKind": kind},
        }));
    }
    json!([{ "logicalLocations": logical }])
}

fn result(r: &CheckResult, rule_index: usize, severity: Severity) -> Json {
    let failed = r.status == Status::Failed;
    let message = super::message(r);
    let resource = r.resource.as_ref().map_or("", |x| x.id.as_str());
    let mut out = json!({
        "ruleId": r.check,
        "ruleIndex": rule_index,
        "kind": if failed { "fail" } else { "open" },
        "level": if failed { level(severity) } else { "none" },
        "message": {"text": format!("{} {}: {message}", r.control, r.title)},
        "locations": locations(r),
        "partialFingerprints": {
            "trailgraph/v1": super::fingerprint(&[&r.check, &r.account, resource]),
        },
        "properties": {
            "control": r.control,
            "account": r.account,
            "accountName": r.account_name,
            "status": r.status.as_str(),
        },
    });
    if !r.fixes.is_empty()
        && let Some(props) = out.get_mut("properties").and_then(Json::as_object_mut)
    {
        props.insert(
            "remediation".to_owned(),
            Json::Array(
                r.fixes
                    .iter()
                    .map(|f| Json::from(f.text.as_str()))
                    .collect(),
            ),
        );
    }
    out
}

/// The SARIF log of a report.
pub fn to_sarif(report: &Report) -> Json {
    let (mut log, failures) = log_without_results(report);
    if let Some(run) = log.pointer_mut("/runs/0")
        && let Some(run) = run.as_object_mut()
    {
        let results = failures
            .iter()
            .map(|(c, r, rule)| result(r, *rule, c.severity))
            .collect();
        run.insert("results".to_owned(), Json::Array(results));
    }
    log
}

/// The results that are not passes, each with its control and the number of its rule.
type Failures<'r> = Vec<(&'r ControlReport, &'r CheckResult, usize)>;

/// The SARIF log with `null` for its run's results, and those results.
fn log_without_results(report: &Report) -> (Json, Failures<'_>) {
    let controls: Vec<&ControlReport> = report.sections.iter().flat_map(|s| &s.controls).collect();
    // One rule per check (a check can back more than one control of a benchmark).
    let mut rule_of: HashMap<&str, usize> = HashMap::new();
    let mut rules: Vec<Json> = Vec::new();
    for c in &controls {
        if rule_of.contains_key(c.check.as_str()) {
            continue;
        }
        rule_of.insert(&c.check, rules.len());
        let mut rule = json!({
            "id": c.check,
            "name": c.check,
            "shortDescription": {"text": format!("{} {}", c.control, c.title)},
            "fullDescription": {"text": if c.risk.is_empty() { c.title.clone() } else { c.risk.clone() }},
            "help": {"text": c.remediation_text},
            "defaultConfiguration": {"level": level(c.severity)},
            "properties": {
                "control": c.control,
                "benchmark": report.benchmark.id,
                "severity": c.severity.as_str(),
                "security-severity": security_severity(c.severity),
                "tags": ["security", report.benchmark.framework, "aws"],
            },
        });
        if let (Some(url), Some(obj)) = (&report.benchmark.url, rule.as_object_mut()) {
            obj.insert("helpUri".to_owned(), Json::from(url.as_str()));
        }
        rules.push(rule);
    }
    let failures: Failures<'_> = report
        .control_results()
        .filter(|(_, r)| r.status != Status::Passed)
        .map(|(c, r)| (c, r, rule_of.get(c.check.as_str()).copied().unwrap_or(0)))
        .collect();
    let notifications: Vec<Json> = report
        .inventory
        .unreached
        .iter()
        .map(|u| {
            json!({
                "level": "warning",
                "message": {"text": format!("not read: {} — {}", u.source, u.reason)},
            })
        })
        .collect();
    let mut invocation = json!({
        "executionSuccessful": true,
        "endTimeUtc": super::time(report.generated_at),
    });
    if !notifications.is_empty()
        && let Some(obj) = invocation.as_object_mut()
    {
        obj.insert(
            "toolExecutionNotifications".to_owned(),
            Json::Array(notifications),
        );
    }
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "trailgraph",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "automationDetails": {"id": format!("{}/", report.benchmark.id)},
            "invocations": [invocation],
            "results": null,
            "properties": {
                "benchmark": report.benchmark.id,
                "benchmarkTitle": report.benchmark.title,
                "benchmarkVersion": report.benchmark.version,
                "inventorySource": report.inventory.source,
                "collectedAt": super::time(report.inventory.collected_at),
                "collectionErrors": report.inventory.collection_errors,
            },
        }],
    });
    (log, failures)
}

/// Writes [`to_sarif`]'s text without holding the results as JSON: they are rendered a batch
/// at a time (see [`super::json::pretty_with_array`]; `results` is a key of the one run, the
/// only object at that depth).
pub(super) fn write(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let (log, failures) = log_without_results(report);
    super::json::pretty_with_array(out, &log, 3, "results", &failures, |(c, r, rule)| {
        result(r, *rule, c.severity)
    })?;
    writeln!(out)
}
