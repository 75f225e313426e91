//! The SARIF report against the official SARIF 2.1.0 JSON Schema (vendored under
//! `tests/schemas/`, from the OASIS TC's repository: `sarif-2.1/schema/sarif-schema-2.1.0.json`),
//! its golden file, and fingerprints that stay the same from one run to the next.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value as Json;
mod common;

use common::{partly_collected, report_at};
use trailgraph_check::{Status, to_sarif};

fn schema() -> jsonschema::Validator {
    let text = include_str!("schemas/sarif-schema-2.1.0.json");
    let schema: Json = serde_json::from_str(text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn errors(validator: &jsonschema::Validator, log: &Json) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

#[test]
fn demo_log_is_valid_sarif() {
    let report = report_at(&trailgraph_model::demo_inventory(), "2026-11-20T10:00:00Z");
    let log = to_sarif(&report);
    let validator = schema();
    let problems = errors(&validator, &log);
    assert!(problems.is_empty(), "{problems:#?}");
    // The validator is not a rubber stamp: a result without its message is refused.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!errors(&validator, &broken).is_empty());
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Json::from("fatal");
    assert!(!errors(&validator, &broken).is_empty());

    let results = log["runs"][0]["results"].as_array().unwrap();
    let not_passed = report
        .results()
        .filter(|r| r.status != Status::Passed)
        .count();
    assert_eq!(results.len(), not_passed);
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let checks: std::collections::BTreeSet<&str> = report
        .sections
        .iter()
        .flat_map(|s| &s.controls)
        .map(|c| c.check.as_str())
        .collect();
    assert_eq!(rules.len(), checks.len());
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
    insta::assert_snapshot!(
        serde_json::to_string_pretty(&log)
            .unwrap()
            .replace(env!("CARGO_PKG_VERSION"), "VERSION")
    );
}

#[test]
fn generated_log_is_valid_and_not_evaluable_is_open() {
    let inventory = partly_collected();
    let report = report_at(&inventory, "2026-11-20T10:00:00Z");
    let log = to_sarif(&report);
    let problems = errors(&schema(), &log);
    assert!(problems.is_empty(), "{problems:#?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    let open: Vec<&Json> = results.iter().filter(|r| r["kind"] == "open").collect();
    assert_eq!(
        open.len(),
        report
            .results()
            .filter(|r| r.status == Status::NotEvaluable)
            .count()
    );
    assert!(
        !open.is_empty(),
        "the account without alarms is not evaluable"
    );
    assert!(open.iter().all(|r| r["level"] == "none"));
    assert!(
        results
            .iter()
            .filter(|r| r["kind"] == "fail")
            .all(|r| r["level"] != "none")
    );
}

#[test]
fn fingerprints_stay_across_runs() {
    let inventory = trailgraph_model::demo_inventory();
    let prints = |at: &str| -> Vec<String> {
        to_sarif(&report_at(&inventory, at))["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["trailgraph/v1"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    let first = prints("2026-11-20T10:00:00Z");
    assert_eq!(first, prints("2026-12-24T18:30:00Z"));
    let unique: std::collections::HashSet<&String> = first.iter().collect();
    assert_eq!(unique.len(), first.len(), "one fingerprint per result");
}
