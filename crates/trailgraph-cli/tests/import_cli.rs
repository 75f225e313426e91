//! `import aws-cli`: evidence files in, snapshot out; a missing file is "not collected".

#![allow(clippy::expect_used)]

mod util;

use util::Dir;

fn export_demo(dir: &Dir) -> std::path::PathBuf {
    let evidence_dir = dir.path("evidence");
    trailgraph_collect::export_aws_cli(&trailgraph_model::demo::demo_evidence(), &evidence_dir)
        .expect("export the demo evidence");
    evidence_dir
}

#[test]
fn imported_demo_evidence_gives_the_demo_inventory() {
    let dir = Dir::new();
    export_demo(&dir);
    dir.run(&["import", "aws-cli", "evidence", "--output", "imported.tgs"])
        .expect_code(0)
        .stderr_has("3 accounts");
    let imported = trailgraph_model::read_snapshot(&dir.path("imported.tgs")).unwrap();
    let demo = trailgraph_model::demo_inventory();
    assert_eq!(imported.node_count(), demo.node_count());
    assert_eq!(imported.edge_count(), demo.edge_count());
    for (_, node) in demo.nodes() {
        let index = imported
            .find(&node.id)
            .unwrap_or_else(|| panic!("{} missing", node.id));
        assert_eq!(
            imported.node(index).map(|n| &n.reported),
            Some(&node.reported),
            "{}",
            node.id
        );
    }
}

#[test]
fn a_missing_file_makes_the_snapshot_incomplete() {
    let dir = Dir::new();
    let evidence = export_demo(&dir);
    let alarms = evidence.join("333333333333/us-west-2/cloudwatch-describe-alarms.json");
    std::fs::remove_file(&alarms).unwrap();
    dir.run(&["import", "aws-cli", "evidence", "--output", "partial.tgs"])
        .expect_code(3)
        .stderr_has("333333333333 us-west-2 cloudwatch:DescribeAlarms")
        .stderr_has("NotCollected");
    dir.run(&["snapshot", "info", "partial.tgs"])
        .expect_code(0)
        .stdout_has("complete:     no, 1 operations failed");
}

#[test]
fn malformed_json_names_the_file() {
    let dir = Dir::new();
    let evidence = export_demo(&dir);
    std::fs::write(
        evidence.join("111111111111/us-east-1/sns-list-topics.json"),
        "{\"Topics\": [",
    )
    .unwrap();
    dir.run(&["import", "aws-cli", "evidence", "--output", "x.tgs"])
        .expect_code(2)
        .stderr_has("sns-list-topics.json");
    assert!(!dir.path("x.tgs").exists());
}
