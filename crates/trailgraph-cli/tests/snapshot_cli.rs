//! `demo export`, `snapshot info` and `snapshot convert`, including damaged files.

mod util;

use util::Dir;

#[test]
fn demo_export_writes_a_private_snapshot_that_reads_back() {
    let dir = Dir::new();
    dir.run(&["demo", "export", "--output", "demo.tgs"])
        .expect_code(0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path("demo.tgs"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    dir.run(&["snapshot", "info", "demo.tgs"])
        .expect_code(0)
        .stdout_has("form:         binary (format version 3)")
        .stdout_has("source:       demo")
        .stdout_has("accounts:     3 (111111111111, 222222222222, 333333333333)")
        .stdout_has("aws_cloud_trail: 4")
        .stdout_has("complete:     yes");
}

#[test]
fn truncated_snapshot_is_a_clear_error() {
    let dir = Dir::new();
    dir.run(&["demo", "export", "--output", "demo.jsonl"])
        .expect_code(0);
    let bytes = std::fs::read(dir.path("demo.jsonl")).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let cut = lines[..lines.len() / 2].join("\n") + "\n";
    std::fs::write(dir.path("cut.tgs"), cut).unwrap();
    dir.run(&["snapshot", "info", "cut.tgs"])
        .expect_code(2)
        .stderr_has("snapshot is truncated");
    // The binary form, cut anywhere after its signature.
    dir.run(&["demo", "export", "--output", "demo.tgs"])
        .expect_code(0);
    let bytes = std::fs::read(dir.path("demo.tgs")).unwrap();
    std::fs::write(dir.path("cut.tgs"), &bytes[..bytes.len() * 2 / 3]).unwrap();
    dir.run(&["snapshot", "info", "cut.tgs"])
        .expect_code(2)
        .stderr_has("cut.tgs: snapshot is truncated: the file ends at byte")
        .stderr_has("before its end marker (the header announces");
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 2] ^= 0x10;
    std::fs::write(dir.path("flipped.tgs"), flipped).unwrap();
    dir.run(&["check", "--inventory", "flipped.tgs"])
        .expect_code(2)
        .stderr_has("section is damaged (its checksum does not match)");
}

#[test]
fn convert_writes_either_form_and_both_read_the_same() {
    let dir = Dir::new();
    dir.run(&["demo", "export", "--output", "demo.tgs"])
        .expect_code(0);
    dir.run(&["snapshot", "convert", "demo.tgs", "--output", "demo.jsonl"])
        .expect_code(0);
    dir.run(&["snapshot", "convert", "demo.jsonl", "--output", "again.tgs"])
        .expect_code(0);
    dir.run(&[
        "snapshot", "convert", "demo.tgs", "--output", "text.tgs", "--to", "jsonl",
    ])
    .expect_code(0);
    let text = std::fs::read_to_string(dir.path("demo.jsonl")).unwrap();
    assert!(text.starts_with("{\"format\":\"trailgraph-snapshot\",\"version\":1,"));
    assert_eq!(std::fs::read_to_string(dir.path("text.tgs")).unwrap(), text);
    assert_eq!(
        std::fs::read(dir.path("again.tgs")).unwrap(),
        std::fs::read(dir.path("demo.tgs")).unwrap()
    );
    dir.run(&["snapshot", "info", "demo.jsonl"])
        .expect_code(0)
        .stdout_has("form:         JSON lines (format version 1)");
    let checks = |file: &str| {
        let out = dir.run(&["check", "--inventory", file, "--format", "json"]);
        let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        value["results"].clone()
    };
    assert_eq!(checks("demo.tgs"), checks("demo.jsonl"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path("demo.jsonl"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    dir.run(&["snapshot", "convert", "missing.tgs", "--output", "x.tgs"])
        .expect_code(2)
        .stderr_has("missing.tgs");
    assert!(!dir.path("x.tgs").exists());
}

/// A directory with `estate.tgs`, `accounts` generated accounts in one region, and the same
/// estate in parts of about 100 nodes, `parts.tgs`.
fn in_parts(accounts: &str) -> Dir {
    let dir = Dir::new();
    dir.run(&[
        "demo",
        "generate",
        "--accounts",
        accounts,
        "--regions",
        "1",
        "--output",
        "estate.tgs",
    ])
    .expect_code(0);
    dir.run(&[
        "snapshot",
        "convert",
        "estate.tgs",
        "--output",
        "parts.tgs",
        "--part-nodes",
        "100",
    ])
    .expect_code(0);
    dir
}

#[test]
fn a_snapshot_in_small_parts_is_checked_part_by_part_to_the_same_report() {
    // 30 generated accounts in parts of about 100 nodes: `check` reads and checks them one by
    // one, and reports exactly what it reports for the same estate read whole (JSON lines).
    let dir = in_parts("30");
    dir.run(&[
        "snapshot",
        "convert",
        "estate.tgs",
        "--output",
        "estate.jsonl",
    ])
    .expect_code(0);
    dir.run(&["snapshot", "info", "parts.tgs"])
        .expect_code(0)
        .stdout_has("accounts:     30 (");
    let report = |file: &str, parts: &str| {
        let out = dir.run(&[
            "check",
            "--inventory",
            file,
            "--format",
            "json",
            "--timings",
            "--account",
            "100000000003",
            "--account",
            "100000000021",
        ]);
        out.stderr_has(parts);
        let mut value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        value.as_object_mut().unwrap().remove("generated_at");
        value
    };
    let whole = report("estate.jsonl", " nodes, 1 part)");
    let parts = report("parts.tgs", " parts)");
    assert_eq!(parts, whole);
    assert_eq!(whole["inventory"]["accounts"].as_array().unwrap().len(), 2);
    assert_eq!(parts, report("estate.tgs", " nodes, 1 part)"));
    dir.run(&[
        "snapshot",
        "convert",
        "estate.tgs",
        "--output",
        "x.tgs",
        "--part-nodes",
        "0",
    ])
    .expect_code(2)
    .stderr_has("--part-nodes");
}

/// A checks directory with one check about every account, whose query is `passed`.
#[allow(clippy::unwrap_used)]
fn custom_checks(dir: &Dir, name: &str, passed: &str) -> String {
    let root = dir.path(name);
    std::fs::create_dir_all(root.join("checks")).unwrap();
    std::fs::create_dir_all(root.join("benchmarks")).unwrap();
    std::fs::write(
        root.join("checks/mine.yaml"),
        format!(
            "provider: aws\nservice: logs\nchecks:\n  - id: my_groups\n    title: 'Groups'\n    \
             result_kind: aws_account\n    severity: low\n    risk: 'None.'\n    detect:\n      \
             passed: |-\n        {passed}\n    remediation:\n      text: 'Add one.'\n"
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("benchmarks/mine.yaml"),
        "id: mine\ntitle: 'Mine'\nframework: internal\nversion: '0.1'\nsections:\n  - title: \
         'Mine'\n    controls:\n      - control: 'M.1'\n        title: 'Groups'\n        check: \
         my_groups\n",
    )
    .unwrap();
    root.display().to_string()
}

#[test]
fn a_custom_check_that_walks_inbound_is_judged_over_the_whole_inventory() {
    // A part does not hold the nodes of later parts that lead into it, so a check from a checks
    // directory that walks inbound (`<--`) is run over the whole inventory; one that does not
    // is run part by part. Both report what a whole run reports.
    let dir = in_parts("12");
    let forward = custom_checks(
        &dir,
        "forward",
        "is(aws_account) with(any, -[2]-> is(aws_cloudwatch_log_group))",
    );
    let inbound = custom_checks(
        &dir,
        "inbound",
        "is(aws_account) with(any, -[2]-> is(aws_cloudwatch_log_group) with(any, <-- is(aws_cloud_trail)))",
    );
    for (checks, parts) in [(&forward, " parts)"), (&inbound, " nodes, 1 part)")] {
        let out = dir.run(&[
            "check",
            "--inventory",
            "parts.tgs",
            "--checks-dir",
            checks,
            "--benchmark",
            "mine",
            "--timings",
            "--format",
            "json",
        ]);
        out.stderr_has(parts);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(report["results"].as_array().unwrap().len(), 12);
        assert_eq!(report["summary"]["passed"], 12, "{}", out.stdout);
    }
}

#[test]
fn garbage_and_newer_versions_are_refused() {
    let dir = Dir::new();
    std::fs::write(dir.path("junk.tgs"), "hello, world\n").unwrap();
    dir.run(&["snapshot", "info", "junk.tgs"])
        .expect_code(2)
        .stderr_has("not a trailgraph snapshot");
    std::fs::write(dir.path("binary.tgs"), b"\x00\x9f not json").unwrap();
    dir.run(&["snapshot", "info", "binary.tgs"])
        .expect_code(2)
        .stderr_has("not UTF-8");
    dir.run(&["demo", "export", "--output", "demo.jsonl"])
        .expect_code(0);
    let text = std::fs::read_to_string(dir.path("demo.jsonl")).unwrap();
    std::fs::write(
        dir.path("new.tgs"),
        text.replacen("\"version\":1", "\"version\":99", 1),
    )
    .unwrap();
    dir.run(&["snapshot", "info", "new.tgs"])
        .expect_code(2)
        .stderr_has("version 99 is newer");
    dir.run(&["snapshot", "info", "missing.tgs"])
        .expect_code(2)
        .stderr_has("missing.tgs");
}

#[test]
fn info_cuts_long_lists_unless_full() {
    let dir = Dir::new();
    let inventory = trailgraph_model::generate::generate_inventory(30, 3);
    trailgraph_model::write_snapshot(&inventory, &dir.path("many.tgs")).unwrap();
    let short = dir.run(&["snapshot", "info", "many.tgs"]);
    short
        .expect_code(0)
        .stdout_has("accounts:     30 (")
        .stdout_has("(+20 more; --full lists all)");
    let long = dir.run(&["snapshot", "info", "--full", "many.tgs"]);
    long.expect_code(0);
    for account in &inventory.meta.accounts {
        assert!(long.stdout.contains(account.as_str()), "{account}");
    }
    assert!(!long.stdout.contains("more; --full"));
}
