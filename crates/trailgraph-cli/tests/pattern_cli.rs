//! `pattern compare` and `pattern test` through the binary.

mod util;

use util::Dir;

const VPC: &str = "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) }";

#[test]
fn equivalent_rewrite_exits_zero() {
    Dir::new()
        .run(&[
            "pattern",
            "compare",
            "--required",
            VPC,
            "--actual",
            "{$.eventName=\"DeleteVpc\"||$.eventName=\"CreateVpc\"}",
        ])
        .expect_code(0)
        .stdout_has("equivalent");
}

#[test]
fn partial_filter_lists_the_missed_event_in_json() {
    let run = Dir::new().run(&[
        "pattern",
        "compare",
        "--required",
        VPC,
        "--actual",
        "{ $.eventName = CreateVpc }",
        "--format",
        "json",
    ]);
    run.expect_code(1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["verdict"], "partial");
    assert_eq!(json["judgement"], "cloudtrail");
    // CloudTrail writes DeleteVpc only with the EC2 event source
    assert_eq!(
        json["missed_events"],
        serde_json::json!([{"eventName": "DeleteVpc", "eventSource": "ec2.amazonaws.com"}])
    );
    assert_eq!(
        json["missed"],
        serde_json::json!([{"event": {"eventName": "DeleteVpc", "eventSource": "ec2.amazonaws.com"}, "absent": []}])
    );
    assert_eq!(json["catch_all"], false);
    assert_eq!(json["required_catch_all"], false);
    assert_eq!(json["counts"], false);
    assert!(json.get("error").is_none());
}

#[test]
fn invalid_actual_and_required_patterns() {
    let dir = Dir::new();
    let run = dir.run(&[
        "pattern",
        "compare",
        "--required",
        VPC,
        "--actual",
        "{ $.eventName = ",
        "--format",
        "json",
    ]);
    run.expect_code(1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["verdict"], "invalid");
    assert!(json["error"].as_str().unwrap().contains("column"));
    dir.run(&["pattern", "compare", "--required", "{ (", "--actual", VPC])
        .expect_code(2)
        .stderr_has("required pattern does not parse")
        .stderr_has("^");
}

#[test]
fn test_reports_each_event() {
    let dir = Dir::new();
    std::fs::write(
        dir.path("events.json"),
        "{\"eventName\":\"CreateVpc\"}\n{\"eventName\":\"DescribeVpcs\"}\n",
    )
    .unwrap();
    dir.run(&["pattern", "test", VPC, "events.json"])
        .expect_code(0)
        .stdout_has("match    1")
        .stdout_has("no match 2")
        .stdout_has("1 of 2 events match");
    dir.run(&["pattern", "test", "{ $.a = ", "events.json"])
        .expect_code(2)
        .stderr_has("^");
}

const ROUTES_V3_0: &str = "{($.eventSource = ec2.amazonaws.com) && ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }";
const MFA: &str =
    r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#;
const MFA_NO: &str =
    r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "No") }"#;

#[test]
fn cloudtrail_verdict_by_default_and_language_verdict_when_it_differs() {
    let dir = Dir::new();
    dir.run(&["pattern", "compare", "--required", MFA, "--actual", MFA_NO])
        .expect_code(0)
        .stdout_has("equivalent: ")
        .stdout_has("judged on events CloudTrail can write")
        .stdout_has("by the pattern language alone: partial")
        .stdout_has("catch-all filter: no")
        .stdout_has("catch-all required pattern: no");
    let run = dir.run(&[
        "pattern",
        "compare",
        "--required",
        MFA,
        "--actual",
        MFA_NO,
        "--language-only",
    ]);
    run.expect_code(1).stdout_has("partial: ");
    assert!(
        !run.stdout.contains("by the pattern language alone"),
        "{}",
        run.stdout
    );
    let run = dir.run(&[
        "pattern",
        "compare",
        "--required",
        MFA,
        "--actual",
        MFA_NO,
        "--format",
        "json",
    ]);
    run.expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["verdict"], "equivalent");
    assert_eq!(json["language"]["verdict"], "partial");
    assert_eq!(json["counts"], true);
}

#[test]
fn catch_all_filter_exits_one_with_the_reason_and_example() {
    let dir = Dir::new();
    let actual = r#"{ $.userIdentity.type = "Root" || $.eventType != "AwsServiceEvent" }"#;
    dir.run(&[
        "pattern",
        "compare",
        "--required",
        "{ $.eventName = * }",
        "--actual",
        "{ $.eventName = * || $.errorCode = * }",
    ])
    .expect_code(0)
    .stdout_has("catch-all filter: yes")
    .stdout_has("catch-all required pattern: yes");
    dir.run(&["pattern", "compare", "--required", MFA, "--actual", actual])
        .expect_code(1)
        .stdout_has("catch-all filter: yes: it matches a routine call")
        .stdout_has("GetCallerIdentity");
    let run = dir.run(&[
        "pattern",
        "compare",
        "--required",
        "{ $.eventName = CreateVpc }",
        "--actual",
        "{ $.eventName = * }",
        "--format",
        "json",
    ]);
    run.expect_code(1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["verdict"], "covers");
    assert_eq!(json["catch_all"], true);
    assert_eq!(json["catch_all_example"]["eventName"], "GetCallerIdentity");
    assert!(
        json["catch_all_reason"]
            .as_str()
            .unwrap()
            .contains("single out")
    );
    assert_eq!(json["counts"], false);
    assert!(
        json["not_counted_reason"]
            .as_str()
            .unwrap()
            .contains("catch-all")
    );
}

#[test]
fn missed_events_show_absent_fields() {
    let run = Dir::new().run(&[
        "pattern",
        "compare",
        "--required",
        "{ $.eventName = CreateRoute }",
        "--actual",
        ROUTES_V3_0,
    ]);
    run.expect_code(1).stdout_has("partial: ");
    // the filter's eventSource clause is what misses the API Gateway / App Mesh events
    assert!(
        run.stdout.contains("\"eventName\":\"CreateRoute\""),
        "{}",
        run.stdout
    );
    let run = Dir::new().run(&[
        "pattern",
        "compare",
        "--required",
        r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#,
        "--actual",
        "{ ($.errorCode =*UnauthorizedOperation) || ($.errorCode =AccessDenied*) && ($.sourceIPAddress!=delivery.logs.amazonaws.com) && ($.eventName!=HeadBucket) }",
    ]);
    run.expect_code(1)
        .stdout_has("sourceIPAddress: (absent), eventName: (absent)");
    let run = Dir::new().run(&[
        "pattern",
        "compare",
        "--required",
        r#"{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }"#,
        "--actual",
        "{ ($.errorCode =*UnauthorizedOperation) || ($.errorCode =AccessDenied*) && ($.sourceIPAddress!=delivery.logs.amazonaws.com) && ($.eventName!=HeadBucket) }",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json["missed"][0]["absent"],
        serde_json::json!(["sourceIPAddress", "eventName"])
    );
    assert_eq!(json["missed"][0]["event"], json["missed_events"][0]);
}

#[test]
fn values_starting_with_a_hyphen_are_patterns_not_options() {
    let dir = Dir::new();
    dir.run(&[
        "pattern",
        "compare",
        "--required",
        "ERROR",
        "--actual",
        "-DEBUG",
    ])
    .expect_code(1)
    .stdout_has("partial");
    dir.run(&[
        "pattern",
        "compare",
        "--required",
        "-DEBUG",
        "--actual",
        "-DEBUG",
    ])
    .expect_code(0)
    .stdout_has("equivalent");
    std::fs::write(dir.path("lines.txt"), "DEBUG starting\nERROR failed\n").unwrap();
    dir.run(&["pattern", "test", "-DEBUG", "lines.txt"])
        .expect_code(0)
        .stdout_has("no match 1 DEBUG starting")
        .stdout_has("match    2 ERROR failed")
        .stdout_has("1 of 2 events match");
}

#[test]
fn test_reads_text_events_of_a_json_array_without_quotes() {
    let dir = Dir::new();
    std::fs::write(
        dir.path("events.json"),
        "[\"ERROR disk full\", {\"eventName\": \"CreateVpc\"}]\n",
    )
    .unwrap();
    let run = dir.run(&["pattern", "test", "ERROR", "events.json"]);
    run.expect_code(0)
        .stdout_has("match    1 ERROR disk full\n")
        .stdout_has("no match 2 {\"eventName\":\"CreateVpc\"}")
        .stdout_has("1 of 2 events match");
    assert!(
        !run.stdout.contains("\"ERROR disk full\""),
        "{}",
        run.stdout
    );
}

/// Runs the binary under an address-space limit with `prlimit` (util-linux), so that a
/// pattern that made the comparison allocate by a number written in it would fail here.
#[test]
fn hostile_patterns_finish_under_an_address_space_limit() {
    let prlimit = ["/usr/bin/prlimit", "/bin/prlimit"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(prlimit) = prlimit else {
        println!("skipped: prlimit (util-linux) is not installed");
        return;
    };
    let deep = format!("{{ {} $.a = 1 }}", "(".repeat(100_000));
    let alternating = format!("{{ {} $.a = 1 }}", "($.a = 1 || ".repeat(10_000));
    let many: Vec<String> = (0..5_000).map(|i| format!("$.eventName = E{i}")).collect();
    let many = format!("{{ {} }}", many.join(" || "));
    let cases: Vec<(&str, &str, i32, &str)> = vec![
        (
            "{ $.a = 1 || ($.x[100000000] = 1) }",
            "{ $.a = 1 }",
            1,
            "partial: coverage could not be proven",
        ),
        (
            "{ $.a = 1 }",
            "{ $.a = 1 || ($.x[100000000] = 1) }",
            0,
            "covers",
        ),
        ("{ $.a = 1 }", &deep, 1, "invalid"),
        ("{ $.a = 1 }", &alternating, 1, "invalid"),
        (&many, &many, 0, "equivalent"),
    ];
    for (required, actual, code, needle) in cases {
        let output = std::process::Command::new(prlimit)
            .arg("--as=1500000000")
            .arg(env!("CARGO_BIN_EXE_trailgraph"))
            .args([
                "pattern",
                "compare",
                "--required",
                required,
                "--actual",
                actual,
            ])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{}\n{stdout}\n{}",
            &actual[..actual.len().min(60)],
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains(needle), "{stdout}");
    }
}
