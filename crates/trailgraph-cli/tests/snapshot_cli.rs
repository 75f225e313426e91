//! `demo export` and `snapshot info`, including damaged files.

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
        .stdout_has("source:       demo")
        .stdout_has("accounts:     3 (111111111111, 222222222222, 333333333333)")
        .stdout_has("aws_cloud_trail: 4")
        .stdout_has("complete:     yes");
}

#[test]
fn truncated_snapshot_is_a_clear_error() {
    let dir = Dir::new();
    dir.run(&["demo", "export", "--output", "demo.tgs"])
        .expect_code(0);
    let bytes = std::fs::read(dir.path("demo.tgs")).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let cut = lines[..lines.len() / 2].join("\n") + "\n";
    std::fs::write(dir.path("cut.tgs"), cut).unwrap();
    dir.run(&["snapshot", "info", "cut.tgs"])
        .expect_code(2)
        .stderr_has("snapshot is truncated");
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
    dir.run(&["demo", "export", "--output", "demo.tgs"])
        .expect_code(0);
    let text = std::fs::read_to_string(dir.path("demo.tgs")).unwrap();
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
