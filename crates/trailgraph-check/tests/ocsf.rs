//! The OCSF report against the OCSF 1.5.0 JSON Schema of the Compliance Finding class with the
//! `cloud` and `datetime` profiles (vendored under `tests/schemas/`, see its README), plus the
//! dictionary rules a JSON Schema cannot state (captions that match their ids, `type_uid`,
//! `time_dt` equal to `time`); its golden file; ids that stay the same from one run to the next.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use serde_json::Value as Json;
mod common;

use common::{partly_collected, report_at};
use trailgraph_check::{Status, to_ocsf};

fn schema() -> jsonschema::Validator {
    let text = include_str!("schemas/ocsf-1.5.0-compliance_finding.schema.json");
    let schema: Json = serde_json::from_str(text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
        .expect("the OCSF schema compiles")
}

/// The OCSF 1.5.0 dictionary's captions for the enum values the events use.
fn caption(attribute: &str, id: i64) -> Option<&'static str> {
    let table: &[(i64, &str)] = match attribute {
        "severity_id" => &[
            (0, "Unknown"),
            (1, "Informational"),
            (2, "Low"),
            (3, "Medium"),
            (4, "High"),
            (5, "Critical"),
            (6, "Fatal"),
        ],
        "status_id" => &[
            (0, "Unknown"),
            (1, "New"),
            (2, "In Progress"),
            (3, "Suppressed"),
            (4, "Resolved"),
            (5, "Archived"),
        ],
        "activity_id" => &[(0, "Unknown"), (1, "Create"), (2, "Update"), (3, "Close")],
        "compliance.status_id" => &[(0, "Unknown"), (1, "Pass"), (2, "Warning"), (3, "Fail")],
        _ => &[],
    };
    table.iter().find(|(i, _)| *i == id).map(|(_, c)| *c)
}

/// Every problem with one event: the schema's, then the dictionary's.
fn problems(validator: &jsonschema::Validator, event: &Json) -> Vec<String> {
    let mut out: Vec<String> = validator
        .iter_errors(event)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    let int = |path: &str| event.pointer(path).and_then(Json::as_i64);
    let text = |path: &str| event.pointer(path).and_then(Json::as_str);
    for (attribute, id, name) in [
        ("severity_id", "/severity_id", "/severity"),
        ("status_id", "/status_id", "/status"),
        ("activity_id", "/activity_id", "/activity_name"),
        (
            "compliance.status_id",
            "/compliance/status_id",
            "/compliance/status",
        ),
    ] {
        if let (Some(id), Some(name)) = (int(id), text(name))
            && caption(attribute, id) != Some(name)
        {
            out.push(format!("{attribute} {id} is not captioned {name:?}"));
        }
    }
    match (int("/class_uid"), int("/activity_id"), int("/type_uid")) {
        (Some(class), Some(activity), Some(ty)) if ty == class * 100 + activity => {}
        other => out.push(format!(
            "type_uid is not class_uid × 100 + activity_id: {other:?}"
        )),
    }
    if let (Some(name), Some(activity)) = (text("/type_name"), text("/activity_name"))
        && name != format!("Compliance Finding: {activity}")
    {
        out.push(format!("type_name {name:?}"));
    }
    match (int("/time"), text("/time_dt")) {
        (Some(ms), Some(dt)) => {
            let dt: jiff::Timestamp = match dt.parse() {
                Ok(t) => t,
                Err(e) => {
                    out.push(format!("time_dt {dt:?}: {e}"));
                    return out;
                }
            };
            if dt.as_second() != ms.div_euclid(1000) {
                out.push(format!("time_dt {dt} is not time {ms}"));
            }
        }
        other => out.push(format!("time / time_dt: {other:?}")),
    }
    // `at_least_one` constraints of the objects the events carry.
    for r in event["resources"].as_array().into_iter().flatten() {
        if r.get("uid").is_none() && r.get("name").is_none() {
            out.push(format!("a resource without uid and name: {r}"));
        }
    }
    if event.pointer("/cloud/account/uid").is_none()
        && event.pointer("/cloud/account/name").is_none()
    {
        out.push("cloud.account without uid and name".to_owned());
    }
    out
}

fn all_problems(events: &Json) -> Vec<String> {
    let validator = schema();
    events
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .flat_map(|(i, e)| {
            problems(&validator, e)
                .into_iter()
                .map(move |p| format!("[{i}] {p}"))
        })
        .collect()
}

#[test]
fn demo_events_are_valid_ocsf() {
    let report = report_at(&trailgraph_model::demo_inventory(), "2026-11-20T10:00:00Z");
    let events = to_ocsf(&report);
    let found = all_problems(&events);
    assert!(found.is_empty(), "{found:#?}");
    let list = events.as_array().unwrap();
    assert_eq!(list.len(), report.results().count());

    // The validator is not a rubber stamp.
    let validator = schema();
    let mut broken = list[0].clone();
    broken["finding_info"]
        .as_object_mut()
        .unwrap()
        .remove("uid");
    assert!(!problems(&validator, &broken).is_empty());
    let mut broken = list[0].clone();
    broken["class_uid"] = Json::from(2004);
    assert!(!problems(&validator, &broken).is_empty());
    let mut broken = list[0].clone();
    broken["severity"] = Json::from("Critical");
    assert!(!problems(&validator, &broken).is_empty());
    let mut broken = list[0].clone();
    broken["compliance"]["status_id"] = Json::from(7);
    assert!(!problems(&validator, &broken).is_empty());
    let mut broken = list[0].clone();
    broken
        .as_object_mut()
        .unwrap()
        .insert("verdict_text".to_owned(), Json::from("x"));
    assert!(!problems(&validator, &broken).is_empty());

    // Each status as OCSF says it; nothing not judged reads as a pass.
    for (event, result) in list.iter().zip(report.results()) {
        let expected = match result.status {
            Status::Passed => "Pass",
            Status::Failed => "Fail",
            Status::NotEvaluable => "Warning",
        };
        assert_eq!(event["compliance"]["status"], expected);
        assert_eq!(event["cloud"]["account"]["uid"], result.account.as_str());
        assert_eq!(event["compliance"]["control"], result.control.as_str());
    }
    assert!(list.iter().any(|e| e["compliance"]["status"] == "Fail"));
    // A failure names where its chain breaks among its resources.
    let failed = list
        .iter()
        .find(|e| {
            e["compliance"]["status"] == "Fail" && e["resources"].as_array().unwrap().len() > 1
        })
        .expect("a failure with the node where it breaks");
    assert!(
        failed["resources"][1]["uid"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:")
    );

    insta::assert_snapshot!(
        serde_json::to_string_pretty(&events)
            .unwrap()
            .replace(env!("CARGO_PKG_VERSION"), "VERSION")
    );
}

#[test]
fn not_evaluable_is_a_warning_and_valid() {
    let inventory = partly_collected();
    let report = report_at(&inventory, "2026-11-20T10:00:00Z");
    let events = to_ocsf(&report);
    let found = all_problems(&events);
    assert!(found.is_empty(), "{found:#?}");
    let warnings = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["compliance"]["status"] == "Warning")
        .count();
    assert!(warnings > 0);
    assert_eq!(
        warnings,
        report
            .results()
            .filter(|r| r.status == Status::NotEvaluable)
            .count()
    );
}

#[test]
fn finding_uids_are_unique_and_stay_across_runs() {
    let inventory = trailgraph_model::demo_inventory();
    let uids = |at: &str| -> Vec<String> {
        to_ocsf(&report_at(&inventory, at))
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["finding_info"]["uid"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = uids("2026-11-20T10:00:00Z");
    assert_eq!(first, uids("2026-12-24T18:30:00Z"));
    let distinct: BTreeSet<&String> = first.iter().collect();
    assert_eq!(distinct.len(), first.len());
}
