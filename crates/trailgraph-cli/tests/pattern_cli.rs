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
    assert_eq!(
        json["missed_events"],
        serde_json::json!([{"eventName": "DeleteVpc"}])
    );
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
