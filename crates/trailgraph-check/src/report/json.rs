//! The JSON contract.

use std::io::{self, Write};

use serde_json::{Value as Json, json};

use crate::chain::ChainStep;
use crate::run::{Report, Resource};

fn resource(x: &Resource) -> Json {
    json!({"id": x.id, "kind": x.kind, "name": x.name, "region": x.region})
}

fn changes(list: &[crate::baseline::Change]) -> Json {
    Json::Array(
        list.iter()
            .map(|c| {
                json!({"control": c.control, "check": c.check, "account": c.account,
                       "resource": c.resource})
            })
            .collect(),
    )
}

fn baseline(b: &crate::baseline::Baseline) -> Json {
    json!({
        "source": b.source,
        "generated_at": b.generated_at,
        "new_failures": changes(&b.new_failures),
        "resolved": changes(&b.resolved),
        "not_evaluable_now": changes(&b.unknown_now),
        "accounts_added": b.accounts_added,
        "accounts_gone": b.accounts_gone,
    })
}

/// A step of a chain as the contract writes it (also under `unmapped` in OCSF).
pub(super) fn step(s: &ChainStep) -> Json {
    json!({
        "node": s.node.as_ref().map(|n| json!({
            "id": n.id, "kind": n.kind, "name": n.name, "account": n.account, "region": n.region,
        })),
        "kind": s.kind,
        "status": s.status.as_str(),
        "condition": s.condition,
        "detail": s.detail,
        "text": s.text,
    })
}

/// The report as the JSON document of the contract.
pub fn to_json(report: &Report) -> Json {
    let results: Vec<Json> = report
        .sections
        .iter()
        .flat_map(|s| &s.controls)
        .flat_map(|c| c.results.iter().map(move |r| (c, r)))
        .map(|(c, r)| {
            json!({
                "check": r.check,
                "control": r.control,
                "title": r.title,
                "severity": r.severity.as_str(),
                "risk": c.risk,
                "url": report.benchmark.url,
                "account": r.account,
                "account_name": r.account_name,
                "status": r.status.as_str(),
                "resource": r.resource.as_ref().map(resource),
                "reason": r.reason,
                "chain": r.chain().iter().map(step).collect::<Vec<_>>(),
                "other_chains": r.chains.iter().skip(1)
                    .map(|c| c.steps.iter().map(step).collect::<Vec<_>>())
                    .collect::<Vec<_>>(),
                "resources": r.resources.iter().map(|x| resource(x)).collect::<Vec<_>>(),
                "remediation": r.remediation,
                "fixes": r.fixes.iter().map(|f| json!({
                    "text": f.text, "account": f.account, "at": f.at,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "benchmark": report.benchmark.id,
        "benchmark_title": report.benchmark.title,
        "benchmark_version": report.benchmark.version,
        "framework": report.benchmark.framework,
        "benchmark_url": report.benchmark.url,
        "tool_version": env!("CARGO_PKG_VERSION"),
        "shown": report.shown,
        "baseline": report.baseline.as_ref().map(baseline),
        "generated_at": super::time(report.generated_at),
        "filter_judgement": report.filter_judgement,
        "remediation_kind": report.remediation.as_str(),
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
