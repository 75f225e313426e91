//! AWS Security Finding Format (ASFF, schema version 2018-10-08): one finding per result, as
//! the JSON array `aws securityhub batch-import-findings --findings file://...` takes (at most
//! 100 a call). Passes are findings too, `Compliance.Status: PASSED` with workflow `RESOLVED`,
//! so that importing the next audit closes what was fixed; a result that could not be judged is
//! `WARNING`, never `PASSED`. Ids are the same in every run for the same (benchmark, check,
//! account, resource), so that a re-import updates a finding instead of adding one.
//!
//! Security Hub takes a finding in the region its `ProductArn` names: every finding of a report
//! names the same one, [`Report::finding_region`] (`us-east-1` unless the run chose another,
//! `check --security-hub-region`), so that a finding keeps its region, and with it its
//! identity, when the chain it rests on moves to another region; each resource names its own.
//! Texts are cut to the format's lengths (title 256, description 1,024, recommendation 512
//! characters).

use std::io::{self, Write};

use serde_json::{Map, Value as Json, json};

use crate::catalog::Severity;
use crate::run::{CheckResult, ControlReport, Report, Status};

/// The ASFF schema version.
const SCHEMA_VERSION: &str = "2018-10-08";

/// The partitions ASFF knows.
const PARTITIONS: &[&str] = &["aws", "aws-cn", "aws-us-gov", "aws-us-iso", "aws-us-iso-b"];

fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "INFORMATIONAL",
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

/// `Compliance.Status` and `Workflow.Status`.
fn status(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Passed => ("PASSED", "RESOLVED"),
        Status::Failed => ("FAILED", "NEW"),
        Status::NotEvaluable => ("WARNING", "NEW"),
    }
}

/// The 12-digit account id a result names: the account itself, or the account of the role a
/// source that could not be read names (`role:arn:aws:iam::111122223333:role/x`). `None`
/// for a source without one (a profile name): Security Hub cannot take a finding for it.
fn account_id(account: &str) -> Option<&str> {
    let digits = |s: &&str| s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit());
    if digits(&account) {
        return Some(account);
    }
    account.split(':').find(digits)
}

fn partition_of(id: &str) -> &'static str {
    let p = super::partition(id);
    PARTITIONS
        .iter()
        .copied()
        .find(|&k| k == p)
        .unwrap_or("aws")
}

/// A text as ASFF takes it: not empty (the format refuses blank strings), at most `max`
/// characters.
fn text(value: &str, max: usize, otherwise: &str) -> String {
    if value.trim().is_empty() {
        super::clip(otherwise, max)
    } else {
        super::clip(value, max)
    }
}

/// A string map without the empty values ASFF refuses.
fn field_map<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> Json {
    Json::Object(
        pairs
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(k, v)| (k.to_owned(), Json::from(super::clip(&v, 1024))))
            .collect(),
    )
}

/// A `Resource`.
fn resource(
    report: &Report,
    id: &str,
    name: &str,
    kind: &str,
    region: &str,
    partition: &str,
) -> Json {
    json!({
        "Type": report.resource_types.get(kind).map_or("Other", String::as_str),
        "Id": super::clip(id, 512),
        "Partition": partition,
        "Region": region,
        "Details": {"Other": field_map([("Name", name.to_owned()), ("Kind", kind.to_owned())])},
    })
}

fn finding(report: &Report, control: &ControlReport, r: &CheckResult, account: &str) -> Json {
    let region = report.finding_region.as_str();
    let partition = r.resource.as_ref().map_or("aws", |x| partition_of(&x.id));
    let (compliance, workflow) = status(r.status);
    let generated = super::time(report.generated_at);
    let collected = super::time(report.inventory.collected_at);
    let title = format!("{} {}", r.control, r.title);

    let mut resources = vec![match &r.resource {
        Some(x) => resource(
            report,
            &x.id,
            &x.name,
            &x.kind,
            x.region
                .as_deref()
                .filter(|g| g.len() <= 16)
                .unwrap_or(region),
            partition,
        ),
        None => resource(
            report,
            &format!("AWS::::Account:{account}"),
            &r.account_name,
            &report.account_kind,
            region,
            partition,
        ),
    }];
    if let Some(at) = super::located(r)
        && r.resource.as_ref().is_none_or(|x| x.id != at.id)
    {
        resources.push(resource(
            report,
            at.id,
            at.name,
            at.kind,
            at.region.filter(|g| g.len() <= 16).unwrap_or(region),
            partition_of(at.id),
        ));
    }

    let mut recommendation = Map::new();
    let fixes: Vec<&str> = r.fixes.iter().map(|f| f.text.as_str()).collect();
    let advice = if fixes.is_empty() {
        control.remediation_text.clone()
    } else {
        fixes.join("\n")
    };
    recommendation.insert(
        "Text".to_owned(),
        Json::from(text(&advice, 512, &control.remediation_text)),
    );
    if let Some(url) = &report.benchmark.url {
        recommendation.insert("Url".to_owned(), Json::from(url.as_str()));
    }
    let remediation_text = recommendation
        .get("Text")
        .and_then(Json::as_str)
        .is_some_and(|t| !t.trim().is_empty());

    let mut out = json!({
        "SchemaVersion": SCHEMA_VERSION,
        "Id": super::finding_id(report, r),
        "ProductArn": format!(
            "arn:{partition}:securityhub:{region}:{account}:product/{account}/default"
        ),
        "ProductName": "trailgraph",
        "CompanyName": "trailgraph",
        "GeneratorId": super::clip(&format!("trailgraph/{}/{}", report.benchmark.id, r.check), 512),
        "AwsAccountId": account,
        "Region": region,
        "Types": [super::clip(
            &format!(
                "Software and Configuration Checks/Industry and Regulatory Standards/{}",
                report.benchmark.title
            ),
            256,
        )],
        "FirstObservedAt": collected,
        "LastObservedAt": collected,
        "CreatedAt": generated,
        "UpdatedAt": generated,
        "Severity": {"Label": label(control.severity), "Original": control.severity.as_str()},
        "Title": text(&title, 256, &r.check),
        "Description": text(&super::message(r), 1024, &title),
        "ProductFields": field_map([
            ("ProviderName", "trailgraph".to_owned()),
            ("ProviderVersion", env!("CARGO_PKG_VERSION").to_owned()),
            ("trailgraph/Benchmark", report.benchmark.id.clone()),
            ("trailgraph/BenchmarkVersion", report.benchmark.version.clone()),
            ("trailgraph/Check", r.check.clone()),
            ("trailgraph/Control", r.control.clone()),
            ("trailgraph/Status", r.status.as_str().to_owned()),
        ]),
        "Resources": resources,
        "Compliance": {
            "Status": compliance,
            "RelatedRequirements": [super::clip(
                &format!("{}/{}", super::standard(report), r.control),
                256,
            )],
        },
        "Workflow": {"Status": workflow},
        "RecordState": "ACTIVE",
    });
    if let Some(obj) = out.as_object_mut() {
        if !r.account_name.trim().is_empty() {
            obj.insert(
                "AwsAccountName".to_owned(),
                Json::from(super::clip(&r.account_name, 50)),
            );
        }
        if remediation_text {
            obj.insert(
                "Remediation".to_owned(),
                json!({"Recommendation": Json::Object(recommendation)}),
            );
        }
        if let Some(url) = &report.benchmark.url {
            obj.insert("SourceUrl".to_owned(), Json::from(url.as_str()));
        }
    }
    out
}

/// The report as ASFF findings: one per result that names an account id, in benchmark order.
pub fn to_asff(report: &Report) -> Json {
    Json::Array(
        report
            .control_results()
            .filter_map(|(c, r)| Some(finding(report, c, r, account_id(&r.account)?)))
            .collect(),
    )
}

/// Writes [`to_asff`]'s text without holding the whole array: the findings are made and
/// rendered a batch at a time (see [`super::json::pretty_array`]).
pub(super) fn write(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let results: Vec<_> = report
        .control_results()
        .filter_map(|(c, r)| Some((c, r, account_id(&r.account)?)))
        .collect();
    super::json::pretty_array(out, &results, 1, |(c, r, account)| {
        finding(report, c, r, account)
    })?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_come_from_the_account_or_the_role_it_names() {
        assert_eq!(account_id("111122223333"), Some("111122223333"));
        assert_eq!(
            account_id("role:arn:aws:iam::111122223333:role/x"),
            Some("111122223333")
        );
        assert_eq!(account_id("profile:prod"), None);
        assert_eq!(account_id("1111222233334"), None);
    }

    #[test]
    fn texts_are_never_blank_and_never_too_long() {
        assert_eq!(text("  ", 10, "fallback"), "fallback");
        assert_eq!(text(&"x".repeat(600), 512, "").chars().count(), 512);
        assert_eq!(partition_of("arn:aws-cn:sns:cn-north-1:1:t"), "aws-cn");
        assert_eq!(partition_of("arn:other:sns:x:1:t"), "aws");
    }
}
