//! OCSF 1.5.0 (Open Cybersecurity Schema Framework): one Compliance Finding event (class 2003,
//! profiles `cloud` and `datetime`) per result, as a JSON array — the shape security data lakes
//! and SIEM pipelines take. Passes are events too (`compliance.status: Pass`), so that a consumer
//! sees a control recover; a result that could not be judged is `Warning` ("did not yield a
//! result due to missing information"), never `Pass`. The event's `finding_info.uid` is the
//! same in every run for the same (benchmark, check, account, resource).
//!
//! Captions (`severity`, `status`, `type_name`, ...) are the OCSF 1.5.0 dictionary's for the
//! ids beside them.

use std::io::{self, Write};

use serde_json::{Map, Value as Json, json};

use crate::catalog::Severity;
use crate::run::{CheckResult, ControlReport, Report, Status};

/// The OCSF version the events follow.
pub const OCSF_VERSION: &str = "1.5.0";

/// `severity_id` and its caption.
fn severity(severity: Severity) -> (u8, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// `compliance.status_id` and its caption, and the event's `status_code`.
fn compliance(status: Status) -> (u8, &'static str, &'static str) {
    match status {
        Status::Passed => (1, "Pass", "PASS"),
        Status::Failed => (3, "Fail", "FAIL"),
        Status::NotEvaluable => (2, "Warning", "NOT_EVALUABLE"),
    }
}

/// Inserts `value` under `key` when it is `Some`.
fn put(object: &mut Map<String, Json>, key: &str, value: Option<impl Into<Json>>) {
    if let Some(v) = value {
        object.insert(key.to_owned(), v.into());
    }
}

/// A `resource_details` object.
fn resource(report: &Report, id: &str, name: &str, kind: &str, region: Option<&str>) -> Json {
    let mut out = Map::new();
    out.insert("uid".to_owned(), Json::from(id));
    out.insert("name".to_owned(), Json::from(name));
    out.insert(
        "type".to_owned(),
        Json::from(report.resource_types.get(kind).map_or(kind, String::as_str)),
    );
    out.insert(
        "cloud_partition".to_owned(),
        Json::from(super::partition(id)),
    );
    put(&mut out, "region", region);
    Json::Object(out)
}

/// The resources of a result: its own resource (or, for a result about an account, the
/// account), then the node where its chain breaks when that is another one.
fn resources(report: &Report, r: &CheckResult) -> Vec<Json> {
    let mut out = vec![match &r.resource {
        Some(x) => resource(report, &x.id, &x.name, &x.kind, x.region.as_deref()),
        None => resource(
            report,
            &r.account,
            &r.account_name,
            &report.account_kind,
            None,
        ),
    }];
    if let Some(at) = super::located(r)
        && r.resource.as_ref().is_none_or(|x| x.id != at.id)
    {
        out.push(resource(report, at.id, at.name, at.kind, at.region));
    }
    out
}

fn event(report: &Report, control: &ControlReport, r: &CheckResult) -> Json {
    let (severity_id, severity_name) = severity(control.severity);
    let (status_id, status_name, status_code) = compliance(r.status);
    let time = report.generated_at.as_millisecond();
    let time_dt = super::time(report.generated_at);
    let uid = super::finding_id(report, r);
    let title = format!("{} {}", r.control, r.title);
    let standard = super::standard(report);

    let mut account = Map::new();
    account.insert("uid".to_owned(), Json::from(r.account.as_str()));
    account.insert("type".to_owned(), Json::from("AWS Account"));
    account.insert("type_id".to_owned(), Json::from(10));
    if !r.account_name.is_empty() {
        account.insert("name".to_owned(), Json::from(r.account_name.as_str()));
    }
    let mut cloud = Map::new();
    cloud.insert("provider".to_owned(), Json::from("AWS"));
    cloud.insert("account".to_owned(), Json::Object(account));
    put(&mut cloud, "region", super::region_of(r));

    let mut references: Vec<Json> = r
        .fixes
        .iter()
        .map(|f| Json::from(f.text.as_str()))
        .collect();
    if let Some(url) = &report.benchmark.url {
        references.push(Json::from(url.as_str()));
    }
    let mut remediation = Map::new();
    remediation.insert(
        "desc".to_owned(),
        Json::from(if control.remediation_text.is_empty() {
            title.as_str()
        } else {
            control.remediation_text.as_str()
        }),
    );
    if !references.is_empty() {
        remediation.insert("references".to_owned(), Json::Array(references));
    }

    let mut finding_info = Map::new();
    finding_info.insert("uid".to_owned(), Json::from(uid.as_str()));
    finding_info.insert("title".to_owned(), Json::from(title.as_str()));
    finding_info.insert("types".to_owned(), json!([report.benchmark.title]));
    finding_info.insert("product_uid".to_owned(), Json::from("trailgraph"));
    finding_info.insert("created_time".to_owned(), Json::from(time));
    finding_info.insert("created_time_dt".to_owned(), Json::from(time_dt.as_str()));
    if !control.risk.is_empty() {
        finding_info.insert("desc".to_owned(), Json::from(control.risk.as_str()));
    }

    json!({
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2003,
        "class_name": "Compliance Finding",
        "type_uid": 200_301,
        "type_name": "Compliance Finding: Create",
        "severity_id": severity_id,
        "severity": severity_name,
        "status_id": 1,
        "status": "New",
        "status_code": status_code,
        "status_detail": r.reason,
        "message": format!("{title}: {}", super::message(r)),
        "time": time,
        "time_dt": time_dt,
        "metadata": {
            "version": OCSF_VERSION,
            "profiles": ["cloud", "datetime"],
            "uid": format!("{uid}/{time}"),
            "event_code": r.check,
            "product": {
                "name": "trailgraph",
                "uid": "trailgraph",
                "vendor_name": "trailgraph",
                "version": env!("CARGO_PKG_VERSION"),
            },
        },
        "finding_info": Json::Object(finding_info),
        "compliance": {
            "control": r.control,
            "standards": [standard],
            "requirements": [r.check],
            "status": status_name,
            "status_id": status_id,
            "status_details": [r.reason],
        },
        "cloud": Json::Object(cloud),
        "resources": resources(report, r),
        "remediation": Json::Object(remediation),
        "unmapped": {
            "benchmark": report.benchmark.id,
            "status": r.status.as_str(),
            "chain": r.chain().iter().map(super::json::step).collect::<Vec<_>>(),
        },
    })
}

/// The report as OCSF Compliance Finding events: one per result, in benchmark order.
pub fn to_ocsf(report: &Report) -> Json {
    Json::Array(
        report
            .control_results()
            .map(|(c, r)| event(report, c, r))
            .collect(),
    )
}

/// Writes [`to_ocsf`]'s text without holding the whole array: the events are made and rendered
/// a batch at a time (see [`super::json::pretty_array`]).
pub(super) fn write(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let results: Vec<_> = report.control_results().collect();
    super::json::pretty_array(out, &results, 1, |(c, r)| event(report, c, r))?;
    writeln!(out)
}
