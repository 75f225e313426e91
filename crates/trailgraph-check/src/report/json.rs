//! The JSON contract.

use std::io::{self, Write};

use serde_json::{Value as Json, json};

use crate::run::Report;

/// The report as the JSON document of the contract.
pub fn to_json(report: &Report) -> Json {
    let results: Vec<Json> = report
        .results()
        .map(|r| {
            json!({
                "check": r.check,
                "control": r.control,
                "title": r.title,
                "severity": r.severity.as_str(),
                "account": r.account,
                "status": r.status.as_str(),
                "reason": r.reason,
                "resources": r.resources.iter().map(|x| json!({
                    "id": x.id, "kind": x.kind, "name": x.name, "region": x.region,
                })).collect::<Vec<_>>(),
                "remediation": r.remediation,
            })
        })
        .collect();
    json!({
        "benchmark": report.benchmark.id,
        "generated_at": super::time(report.generated_at),
        "filter_judgement": report.filter_judgement,
        "inventory": {
            "source": report.inventory.source,
            "collected_at": super::time(report.inventory.collected_at),
            "accounts": report.inventory.accounts,
            "nodes": report.inventory.nodes,
            "collection_errors": report.inventory.collection_errors,
            "unreached": report.inventory.unreached.iter().map(|u| json!({
                "source": u.source, "reason": u.reason,
            })).collect::<Vec<_>>(),
        },
        "summary": {
            "passed": report.summary.passed,
            "failed": report.summary.failed,
            "not_evaluable": report.summary.not_evaluable,
        },
        "results": results,
    })
}

pub(super) fn write(report: &Report, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_json(report)).map_err(io::Error::other)?;
    writeln!(out)
}
