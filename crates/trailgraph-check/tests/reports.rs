//! Golden files (insta) for every report format on the demo inventory, and the JSON output
//! against `docs/check-report.schema.json`.
//!
//! Regenerate after an intended change: `INSTA_UPDATE=always cargo test -p trailgraph-check
//! --test reports` (or `cargo insta review`), then read the diff.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use serde_json::Value as Json;
use trailgraph_check::{Format, Report, RunOptions, Status, load_catalog, run, write_report};

fn demo_report(benchmark: Option<&str>) -> Report {
    let catalog = load_catalog(&[]).unwrap();
    let inventory = trailgraph_model::demo_inventory();
    let options = RunOptions {
        benchmark: benchmark.map(str::to_owned),
        generated_at: Some("2026-11-20T10:00:00Z".parse().unwrap()),
        ..RunOptions::default()
    };
    run(&catalog, &inventory, &options).unwrap()
}

fn render(report: &Report, format: Format, color: bool) -> String {
    let mut out = Vec::new();
    write_report(report, format, &mut out, color).unwrap();
    String::from_utf8(out).unwrap()
}

/// The demo report with Terraform remediation (and the security events pack, whose checks no
/// Rust code knows).
fn terraform_report(benchmark: &str) -> Report {
    let catalog = load_catalog(&[]).unwrap();
    let inventory = trailgraph_model::demo_inventory();
    let options = RunOptions {
        benchmark: Some(benchmark.to_owned()),
        generated_at: Some("2026-11-20T10:00:00Z".parse().unwrap()),
        remediation: trailgraph_check::RemediationKind::Terraform,
        ..RunOptions::default()
    };
    run(&catalog, &inventory, &options).unwrap()
}

#[test]
fn golden_text_terraform() {
    insta::assert_snapshot!(render(
        &terraform_report("cis_aws_v6_0"),
        Format::Text,
        false
    ));
}

#[test]
fn golden_markdown_security_pack_terraform() {
    insta::assert_snapshot!(render(
        &terraform_report("cloudtrail_security_events"),
        Format::Markdown,
        false
    ));
}

#[test]
fn golden_text() {
    insta::assert_snapshot!(render(&demo_report(None), Format::Text, false));
}

#[test]
fn golden_json() {
    insta::assert_snapshot!(render(&demo_report(None), Format::Json, false));
}

#[test]
fn golden_markdown() {
    insta::assert_snapshot!(render(&demo_report(None), Format::Markdown, false));
}

#[test]
fn golden_csv() {
    insta::assert_snapshot!(render(&demo_report(None), Format::Csv, false));
}

#[test]
fn golden_junit() {
    insta::assert_snapshot!(render(&demo_report(None), Format::Junit, false));
}

#[test]
fn text_colours_only_when_asked() {
    let report = demo_report(None);
    assert!(!render(&report, Format::Text, false).contains('\x1b'));
    let coloured = render(&report, Format::Text, true);
    assert!(coloured.contains("\x1b[31m✗\x1b[0m"));
    assert!(coloured.contains("\x1b[32m✓\x1b[0m"));
}

/// A small structural validator for the subset of JSON Schema the contract uses: `type`,
/// `required`, `properties`, `items`, `enum`.
fn validate(schema: &Json, value: &Json, at: &str, errors: &mut Vec<String>) {
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Json::String(s) => vec![s.as_str()],
            Json::Array(a) => a.iter().filter_map(Json::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_u64() || value.is_i64(),
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            _ => false,
        });
        if !ok {
            errors.push(format!("{at}: expected {types:?}, found {value}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Json::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} not in {allowed:?}"));
    }
    // `required` and `properties` constrain objects only (a nullable object may be null).
    if let Some(required) = schema
        .get("required")
        .and_then(Json::as_array)
        .filter(|_| value.is_object())
    {
        for key in required.iter().filter_map(Json::as_str) {
            if value.get(key).is_none() {
                errors.push(format!("{at}: missing `{key}`"));
            }
        }
    }
    if let Some(props) = schema.get("properties").and_then(Json::as_object) {
        for (key, sub) in props {
            if let Some(v) = value.get(key) {
                validate(sub, v, &format!("{at}.{key}"), errors);
            }
        }
    }
    if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
        for (i, v) in values.iter().enumerate() {
            validate(items, v, &format!("{at}[{i}]"), errors);
        }
    }
}

#[test]
fn json_matches_the_schema_and_the_contract() {
    let schema_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/check-report.schema.json"
    );
    let schema: Json =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    for benchmark in ["cis_aws_v1_2", "cis_aws_v3_0", "cis_aws_v6_0"] {
        let report = demo_report(Some(benchmark));
        let value: Json = serde_json::from_str(&render(&report, Format::Json, false)).unwrap();
        let mut errors = Vec::new();
        validate(&schema, &value, "$", &mut errors);
        assert!(errors.is_empty(), "{benchmark}: {errors:#?}");
        assert_eq!(value["benchmark"], benchmark);
        // One result per (check, account) for every account of the inventory.
        let results = value["results"].as_array().unwrap();
        let controls = report
            .sections
            .iter()
            .map(|s| s.controls.len())
            .sum::<usize>();
        assert_eq!(results.len(), controls * 3);
        let s = &value["summary"];
        let total = s["passed"].as_u64().unwrap()
            + s["failed"].as_u64().unwrap()
            + s["not_evaluable"].as_u64().unwrap();
        assert_eq!(total as usize, results.len());
    }
    // A report with changes since an earlier one, also through a full JSON Schema validator.
    let mut report = demo_report(None);
    let mut earlier = trailgraph_check::to_json(&report);
    earlier["results"][0]["status"] = Json::from("failed");
    trailgraph_check::compare_baseline(&mut report, &earlier, "earlier.json").unwrap();
    let value = trailgraph_check::to_json(&report);
    assert_eq!(value["baseline"]["source"], "earlier.json");
    assert_eq!(value["baseline"]["resolved"].as_array().unwrap().len(), 1);
    let mut errors = Vec::new();
    validate(&schema, &value, "$", &mut errors);
    assert!(errors.is_empty(), "{errors:#?}");
    let validator = jsonschema::validator_for(&schema).expect("the report schema compiles");
    let problems: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    // The validator itself rejects a broken document.
    let mut errors = Vec::new();
    validate(
        &schema,
        &serde_json::json!({"benchmark": 1, "results": [{"status": "ok"}]}),
        "$",
        &mut errors,
    );
    assert!(errors.len() >= 5, "{errors:#?}");
}

#[test]
fn exit_codes() {
    let report = demo_report(None);
    assert_eq!(report.exit_code(), 1);
    let catalog = load_catalog(&[]).unwrap();
    let inventory = trailgraph_model::demo_inventory();
    let only_management = RunOptions {
        accounts: vec!["111111111111".to_owned()],
        ..RunOptions::default()
    };
    let report = run(&catalog, &inventory, &only_management).unwrap();
    assert_eq!(report.exit_code(), 0, "{:?}", report.summary);
}

/// At 1,000 accounts the first screen of the text report says what is wrong: the summary, the
/// accounts with the most failures and the most common breaks with how many accounts have
/// them; no line runs on with a thousand account ids.
#[test]
fn text_first_screen_at_a_thousand_accounts() {
    let catalog = load_catalog(&[]).unwrap();
    let inventory = trailgraph_model::generate::generate_inventory(1_000, 1);
    let options = RunOptions {
        generated_at: Some("2026-11-20T10:00:00Z".parse().unwrap()),
        ..RunOptions::default()
    };
    let report = run(&catalog, &inventory, &options).unwrap();
    let text = render(&report, Format::Text, false);
    let screen: Vec<&str> = text.lines().take(50).collect();
    let first = screen.join("\n");
    assert!(first.contains("accounts:  1000 ("), "{first}");
    assert!(first.contains("most failures: "), "{first}");
    assert!(first.contains("most common breaks:"), "{first}");
    assert!(
        screen
            .iter()
            .any(|l| l.contains(" accounts") && l.contains('✗')),
        "a break with its number of accounts on the first screen:\n{first}"
    );
    assert!(
        first.contains("Accounts (1000;"),
        "the per-account table replaces the matrix"
    );
    // Generated account ids start 1000000…: no line names more than a dozen accounts.
    let most = text
        .lines()
        .map(|l| l.matches("1000000").count())
        .max()
        .unwrap();
    assert!(most <= 12, "a line names {most} accounts");
    // Findings fold: far fewer than the failures.
    let findings = text.lines().filter(|l| l.starts_with("✗ ")).count();
    assert!(findings * 10 < report.summary.failed, "{findings} findings");
}

/// The JSON report is written result by result; the text is exactly the document `to_json`
/// builds whole.
#[test]
fn the_streamed_json_report_is_the_built_document() {
    let mut seen = [false; 3];
    for report in [
        demo_report(None),
        terraform_report("cloudtrail_security_events"),
        common::report_at(&common::partly_collected(), "2026-01-02T03:04:05Z"),
    ] {
        let written = render(&report, Format::Json, false);
        let document = trailgraph_check::to_json(&report);
        let built = serde_json::to_string_pretty(&document).unwrap() + "\n";
        assert_eq!(written, built);
        assert!(written.contains("\"results\": ["), "{}", &written[..200]);
        // Every field of a result is exercised somewhere.
        for r in document["results"].as_array().unwrap() {
            seen[0] |= !r["other_chains"].as_array().unwrap().is_empty();
            seen[1] |= r["fixes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| !f["account"].is_null());
            seen[2] |= r["chain"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["node"].is_null() && !s["condition"].is_null());
        }
    }
    // (Results about resources other than accounts: the custom-check scenario.)
    assert_eq!(
        seen, [true; 3],
        "other chains, fixes elsewhere, missing steps"
    );
}

/// The results are rendered in batches of 128 by two threads, whichever is free, and written in
/// order: one, two, three and nine batches (the last ends on a batch boundary) and no results
/// at all give the document `to_json` builds, and the OCSF, ASFF and SARIF documents
/// `to_ocsf`, `to_asff` and `to_sarif` build.
#[test]
fn the_json_report_rendered_in_batches_is_the_built_document() {
    let mut empty = demo_report(None);
    for control in empty.sections.iter_mut().flat_map(|s| &mut s.controls) {
        control.results.clear();
    }
    let mut sizes = Vec::new();
    for report in [
        empty,
        common::report_at(&common::partly_collected(), "2026-01-02T03:04:05Z"),
        common::report_at(
            &trailgraph_model::generate::generate_inventory(3, 1),
            "2026-01-02T03:04:05Z",
        ),
        common::report_at(
            &trailgraph_model::generate::generate_inventory(8, 1),
            "2026-01-02T03:04:05Z",
        ),
        common::report_at(
            &trailgraph_model::generate::generate_inventory(64, 1),
            "2026-01-02T03:04:05Z",
        ),
    ] {
        let written = render(&report, Format::Json, false);
        let document = trailgraph_check::to_json(&report);
        let built = serde_json::to_string_pretty(&document).unwrap() + "\n";
        assert_eq!(written, built);
        sizes.push(document["results"].as_array().unwrap().len());
        // OCSF events and ASFF findings (documents that are arrays) and SARIF's results (an
        // array three objects deep), written the same way.
        for (format, document) in [
            (Format::Ocsf, trailgraph_check::to_ocsf(&report)),
            (Format::Asff, trailgraph_check::to_asff(&report)),
            (Format::Sarif, trailgraph_check::to_sarif(&report)),
        ] {
            let written = render(&report, format, false);
            let built = serde_json::to_string_pretty(&document).unwrap() + "\n";
            assert_eq!(written, built, "{format:?}");
        }
    }
    assert_eq!(sizes, [0, 360, 54, 144, 1152]);
}

/// The per-account marks of the text and Markdown reports: the worst status among an account's
/// results (failed, then not evaluable, then passed), and none for an account without results.
#[test]
fn an_accounts_mark_is_its_worst_result() {
    let mut seen = std::collections::HashSet::new();
    for report in [
        demo_report(None),
        terraform_report("cloudtrail_security_events"),
        common::report_at(&common::partly_collected(), "2026-01-02T03:04:05Z"),
    ] {
        for control in report.sections.iter().flat_map(|s| &s.controls) {
            let statuses = control.statuses();
            for account in &report.inventory.accounts {
                let mine: Vec<Status> = control
                    .results
                    .iter()
                    .filter(|r| &r.account == account)
                    .map(|r| r.status)
                    .collect();
                let worst = [Status::Failed, Status::NotEvaluable, Status::Passed]
                    .into_iter()
                    .find(|s| mine.contains(s));
                assert_eq!(statuses.get(account.as_str()).copied(), worst);
                seen.insert(format!("{worst:?}"));
            }
            assert!(
                statuses
                    .keys()
                    .all(|a| report.inventory.accounts.iter().any(|x| x == a))
            );
        }
    }
    for case in ["Some(Passed)", "Some(Failed)", "Some(NotEvaluable)"] {
        assert!(seen.contains(case), "{case}: {seen:?}");
    }
    // Several results for one account (a check about another kind), and none.
    let demo = demo_report(None);
    let mut control = demo.sections[0].controls[0].clone();
    let template = control.results[0].clone();
    let account = template.account.clone();
    control.results = [
        Status::Passed,
        Status::NotEvaluable,
        Status::Passed,
        Status::Failed,
        Status::Passed,
    ]
    .into_iter()
    .map(|status| {
        let mut r = template.clone();
        r.status = status;
        r
    })
    .collect();
    for worst in [Status::Failed, Status::NotEvaluable, Status::Passed] {
        let statuses = control.statuses();
        assert_eq!(statuses.get(account.as_str()), Some(&worst));
        assert_eq!(statuses.len(), 1);
        control.results.retain(|r| r.status != worst);
    }
    assert!(control.statuses().is_empty());
}

/// A snapshot written and read back, in either form, gives the same report as the inventory it
/// was written from.
#[test]
fn a_snapshot_read_back_gives_the_same_report() {
    use trailgraph_model::snapshot::{read_from_bytes, write_to};
    let at = "2026-01-02T03:04:05Z";
    let inventories = [
        trailgraph_model::demo_inventory(),
        trailgraph_model::generate::generate_inventory(15, 3),
        common::partly_collected(),
    ];
    for inventory in inventories {
        let expected = trailgraph_check::to_json(&common::report_at(&inventory, at));
        let mut binary = Vec::new();
        trailgraph_model::binary::write_binary(&inventory, &mut binary).unwrap();
        let mut text = Vec::new();
        write_to(&inventory, &mut text).unwrap();
        for (form, bytes) in [("binary", binary), ("JSON lines", text)] {
            let back = read_from_bytes(&bytes, std::path::Path::new(form)).unwrap();
            let report = trailgraph_check::to_json(&common::report_at(&back, at));
            assert_eq!(report, expected, "{form}");
        }
    }
}
