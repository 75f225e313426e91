//! `trailgraph check` over the demo: verdicts, formats, exit codes, files.

#![allow(clippy::expect_used)]

mod util;

use util::Dir;

#[test]
fn demo_fails_with_explanations_and_exit_code_one() {
    Dir::new()
        .run(&["check", "--demo"])
        .expect_code(1)
        .stdout_has("(cis_aws_v6_0)")
        .stdout_has("5.14   ✓ ✓ ✓  Ensure VPC changes are monitored")
        .stdout_has("filter RouteTableChanges: partial")
        .stdout_has("DeleteRoute");
}

#[test]
fn json_report_has_one_result_per_check_and_account() {
    let dir = Dir::new();
    dir.run(&[
        "check",
        "--demo",
        "--benchmark",
        "cis_aws_v3_0",
        "--format",
        "json",
        "--output",
        "report.json",
    ])
    .expect_code(1);
    let text = std::fs::read_to_string(dir.path("report.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["benchmark"], "cis_aws_v3_0");
    let results = report["results"].as_array().unwrap();
    let summary = &report["summary"];
    let total = summary["passed"].as_u64().unwrap()
        + summary["failed"].as_u64().unwrap()
        + summary["not_evaluable"].as_u64().unwrap();
    assert_eq!(total as usize, results.len());
    let vpc: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["check"] == "aws_monitoring_vpc_changes")
        .collect();
    assert_eq!(vpc.len(), 3, "one result per account");
    assert!(
        vpc.iter()
            .all(|r| r["control"] == "4.14" && r["status"] == "passed")
    );
}

#[test]
fn one_passing_check_exits_zero() {
    Dir::new()
        .run(&[
            "check",
            "--demo",
            "--check",
            "aws_monitoring_vpc_changes",
            "--format",
            "csv",
        ])
        .expect_code(0)
        .stdout_has("aws_monitoring_vpc_changes");
}

#[test]
fn unknown_benchmark_is_a_usage_error() {
    Dir::new()
        .run(&["check", "--demo", "--benchmark", "cis_aws_v9_9"])
        .expect_code(2)
        .stderr_has("cis_aws_v9_9");
}

/// A directory `mine` with the built-in monitoring checks and their template, renamed so that
/// ids do not clash with the built-in ones, and the first `from` replaced by `to`.
fn user_checks_with(from: &str, to: &str) -> Dir {
    let dir = Dir::new();
    std::fs::create_dir(dir.path("mine")).expect("a temp dir");
    let text = trailgraph_check::catalog::BUILTIN_FILES
        .iter()
        .find(|(name, _)| *name == "checks/aws_monitoring.yaml")
        .map(|(_, text)| *text)
        .expect("the built-in monitoring checks");
    let broken = text
        .replace("id: aws_monitoring_", "id: my_monitoring_")
        .replace("monitoring_chain", "my_monitoring_chain")
        .replacen(from, to, 1);
    std::fs::write(dir.path("mine/checks.yaml"), broken).expect("a temp dir");
    dir
}

#[test]
fn a_broken_user_check_file_names_file_line_and_check() {
    let dir = user_checks_with("is(aws_account)", "is(aws_acount)");
    dir.run(&["check", "--demo", "--checks-dir", "mine"])
        .expect_code(2)
        .stderr_has("checks.yaml:")
        .stderr_has("aws_acount");
}

/// A snapshot from a collection whose only identity failed: no account, one error.
fn write_unreached_snapshot(dir: &Dir, name: &str) -> Result<(), trailgraph_model::SnapshotError> {
    let mut evidence = trailgraph_model::Evidence::default();
    evidence.meta.source = "aws".to_owned();
    evidence
        .meta
        .errors
        .push(trailgraph_model::CollectionError {
            account: "profile:prod".to_owned(),
            region: None,
            service: "sts".to_owned(),
            operation: "GetCallerIdentity".to_owned(),
            resource: None,
            code: "NoCredentials".to_owned(),
            message: "no credentials found".to_owned(),
        });
    let inventory = trailgraph_model::build_inventory(&evidence);
    trailgraph_model::write_snapshot(&inventory, &dir.path(name))
}

#[test]
fn a_collection_that_read_nothing_is_not_evaluable_never_green() {
    let dir = Dir::new();
    write_unreached_snapshot(&dir, "empty.tgs").unwrap();
    dir.run(&["check", "--inventory", "empty.tgs"])
        .expect_code(3)
        .stderr_has("profile:prod could not be read")
        .stdout_has("not read:")
        .stdout_has("0 passed, 0 failed, 18 not evaluable");
    dir.run(&["check", "--inventory", "empty.tgs", "--format", "junit"])
        .expect_code(3)
        .stdout_has("profile:prod");
    let empty = trailgraph_model::build_inventory(&trailgraph_model::Evidence::default());
    trailgraph_model::write_snapshot(&empty, &dir.path("none.tgs")).unwrap();
    dir.run(&["check", "--inventory", "none.tgs", "--format", "json"])
        .expect_code(3)
        .stderr_has("holds no account")
        .stdout_has("\"(none)\"");
}

#[test]
fn an_account_filter_that_matches_nothing_is_a_usage_error() {
    Dir::new()
        .run(&["check", "--demo", "--account", "999999999999"])
        .expect_code(2)
        .stderr_has("999999999999");
}

#[test]
fn a_check_file_query_with_a_misspelt_property_names_file_line_and_check() {
    let dir = user_checks_with("trail_is_multi_region_trail", "trail_is_multiregion_trail");
    dir.run(&["check", "--demo", "--checks-dir", "mine"])
        .expect_code(2)
        .stderr_has("checks.yaml:")
        .stderr_has("my_monitoring_unauthorized_api_calls")
        .stderr_has("no kind has a property `trail_is_multiregion_trail`")
        .stderr_has("did you mean `trail_is_multi_region_trail`?");
}

#[test]
fn status_and_severity_keep_what_was_asked_and_the_exit_code() {
    let dir = Dir::new();
    let run = dir.run(&[
        "check",
        "--demo",
        "--status",
        "failed",
        "--severity",
        "high",
    ]);
    run.expect_code(1)
        .stdout_has("showing only: status failed, severity high and above")
        .stdout_has("5.3    · · ✗")
        .stdout_has("37 passed, 17 failed, 0 not evaluable");
    let out = &run.stdout;
    assert!(!out.contains('✓'), "no pass is shown:\n{out}");
    assert!(
        !out.contains("5.1 "),
        "a medium control is not shown:\n{out}"
    );
}

#[test]
fn quiet_prints_the_summary_only_and_still_writes_the_file() {
    let dir = Dir::new();
    let run = dir.run(&[
        "check", "--demo", "--quiet", "--format", "sarif", "--output", "r.sarif",
    ]);
    run.expect_code(1);
    assert_eq!(run.stdout, "37 passed, 17 failed, 0 not evaluable\n");
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path("r.sarif")).unwrap()).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 17);
}

#[test]
fn html_report_is_written_to_a_file() {
    let dir = Dir::new();
    dir.run(&["check", "--demo", "--format", "html", "--output", "r.html"])
        .expect_code(1);
    let page = std::fs::read_to_string(dir.path("r.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<table id=\"matrix\">"));
}

#[test]
fn several_formats_from_one_evaluation_into_a_directory() {
    let dir = Dir::new();
    std::fs::create_dir(dir.path("out")).unwrap();
    dir.run(&[
        "check",
        "--demo",
        "--format",
        "json,html,junit,sarif,ocsf,asff",
        "--output-dir",
        "out",
        "--security-hub-region",
        "eu-west-1",
    ])
    .expect_code(1);
    for name in [
        "report.json",
        "report.html",
        "report.junit.xml",
        "report.sarif",
        "report.ocsf.json",
        "report.asff.json",
    ] {
        let text = std::fs::read_to_string(dir.path("out").join(name)).unwrap();
        assert!(text.len() > 1000, "{name}: {} bytes", text.len());
    }
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path("out").join("report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["summary"]["failed"], 17);
    let asff: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path("out").join("report.asff.json")).unwrap(),
    )
    .unwrap();
    let findings = asff.as_array().unwrap();
    assert_eq!(findings.len(), json["results"].as_array().unwrap().len());
    assert!(findings.iter().all(|f| {
        f["Region"] == "eu-west-1"
            && f["ProductArn"]
                .as_str()
                .unwrap()
                .contains(":securityhub:eu-west-1:")
    }));
    dir.run(&["check", "--demo", "--format", "json,html"])
        .expect_code(2)
        .stderr_has("--output-dir");
    dir.run(&[
        "check",
        "--demo",
        "--format",
        "asff",
        "--security-hub-region",
        "EU West",
    ])
    .expect_code(2)
    .stderr_has("not a region name");
}

#[test]
fn baseline_says_what_changed_first_and_keeps_the_exit_code() {
    let dir = Dir::new();
    dir.run(&[
        "check",
        "--demo",
        "--format",
        "json",
        "--output",
        "before.json",
    ])
    .expect_code(1);
    // Against itself: nothing changed.
    dir.run(&["check", "--demo", "--baseline", "before.json"])
        .expect_code(1)
        .stdout_has("Since before.json of ")
        .stdout_has("nothing changed");
    // An earlier audit where 5.1 passed in the sandbox, 4.1 failed in management, the prod
    // account was not there and another account was.
    let mut earlier: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path("before.json")).unwrap()).unwrap();
    let results = earlier["results"].as_array_mut().unwrap();
    for r in results.iter_mut() {
        if r["control"] == "5.1" && r["account"] == "333333333333" {
            r["status"] = "passed".into();
        }
        if r["control"] == "4.1" && r["account"] == "111111111111" {
            r["status"] = "failed".into();
        }
    }
    results.retain(|r| r["account"] != "222222222222");
    let mut gone = results[0].clone();
    gone["account"] = "999999999999".into();
    results.push(gone);
    earlier["inventory"]["accounts"] = serde_json::json!(["111111111111", "333333333333"]);
    std::fs::write(dir.path("earlier.json"), earlier.to_string()).unwrap();
    let run = dir.run(&["check", "--demo", "--baseline", "earlier.json"]);
    run.expect_code(1)
        .stdout_has("new failures: ")
        .stdout_has("5.1 aws_monitoring_unauthorized_api_calls — account 333333333333")
        .stdout_has("resolved: 1")
        .stdout_has("4.1 aws_cloudtrail_multi_region_management_events — account 111111111111")
        .stdout_has("accounts added: 222222222222")
        .stdout_has("accounts gone: 999999999999");
    let since = run.stdout.find("Since earlier.json").unwrap();
    let summary = run.stdout.find("Summary").unwrap();
    assert!(since < summary, "the changes come first");
    dir.run(&[
        "check",
        "--demo",
        "--baseline",
        "earlier.json",
        "--format",
        "json",
        "--output",
        "after.json",
    ])
    .expect_code(1);
    let after: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path("after.json")).unwrap()).unwrap();
    assert_eq!(after["baseline"]["resolved"][0]["control"], "4.1");
    assert_eq!(after["baseline"]["accounts_gone"][0], "999999999999");
    // Another benchmark's report, or something that is not a report, is refused.
    dir.run(&[
        "check",
        "--demo",
        "--benchmark",
        "cis_aws_v1_4",
        "--baseline",
        "earlier.json",
    ])
    .expect_code(2)
    .stderr_has("the baseline is a report of benchmark `cis_aws_v6_0`");
    std::fs::write(dir.path("junk.json"), "[1, 2").unwrap();
    dir.run(&["check", "--demo", "--baseline", "junk.json"])
        .expect_code(2)
        .stderr_has("not a JSON report");
}
