//! `import aws-cli`: evidence files in, snapshot out; a missing file is "not collected", and a
//! file that is there but unusable (empty, not JSON, not a regular file, another account's) is
//! a recorded error that makes the checks needing it not evaluable.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod util;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::{Value as Json, json};
use trailgraph_check::{Catalog, Report, RunOptions, Status, load_catalog, run};
use trailgraph_model::{AccountEvidence, CollectionError, Evidence, RegionEvidence, SnapshotMeta};
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
fn malformed_json_is_recorded_and_names_the_file() {
    let dir = Dir::new();
    let evidence = export_demo(&dir);
    std::fs::write(
        evidence.join("111111111111/us-east-1/sns-list-topics.json"),
        "{\"Topics\": [",
    )
    .unwrap();
    dir.run(&["import", "aws-cli", "evidence", "--output", "x.tgs"])
        .expect_code(3)
        .stderr_has("111111111111 us-east-1 sns:ListTopics: InvalidEvidence")
        .stderr_has("sns-list-topics.json:1:12: invalid JSON");
    assert!(dir.path("x.tgs").exists());
}

#[test]
fn a_page_that_still_carries_its_token_is_incomplete() {
    let dir = Dir::new();
    let evidence = export_demo(&dir);
    let file = evidence.join("111111111111/us-east-1/logs-describe-log-groups.json");
    let mut doc: Json = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    doc["nextToken"] = json!("eyJuZXh0IjoxfQ==");
    std::fs::write(&file, doc.to_string()).unwrap();
    dir.run(&["import", "aws-cli", "evidence", "--output", "x.tgs"])
        .expect_code(3)
        .stderr_has("111111111111 us-east-1 logs:DescribeLogGroups: IncompleteEvidence: 111111111111/us-east-1/logs-describe-log-groups.json: `nextToken` is present: this is one page of a longer list");
}

// ---------------------------------------------------------------------------------------------
// Damage on disk, end to end: files → import → inventory → checks.

const ACCT: &str = "123456789012";
const REGION: &str = "us-east-1";
const TRAIL: &str = "main";
const GROUP: &str = "/aws/cloudtrail/main";

fn arn(service: &str, rest: &str) -> String {
    format!("arn:aws:{service}:{REGION}:{ACCT}:{rest}")
}

/// One account, one region, a complete chain for every check.
fn compliant(catalog: &Catalog) -> Evidence {
    let topic = arn("sns", "alerts");
    let mut filters = Vec::new();
    let mut alarms = Vec::new();
    for check in catalog
        .checks()
        .iter()
        .filter(|c| c.id.starts_with("aws_monitoring_"))
    {
        let metric = &check.parameters["metric_name"];
        filters.push(json!({"filterName": metric, "filterPattern": check.parameters["pattern"],
            "logGroupName": GROUP,
            "metricTransformations": [{"metricName": metric, "metricNamespace": "CIS", "metricValue": "1"}]}));
        alarms.push(json!({"AlarmName": format!("{metric}Alarm"),
            "AlarmArn": arn("cloudwatch", &format!("alarm:{metric}Alarm")),
            "MetricName": metric, "Namespace": "CIS", "ActionsEnabled": true, "AlarmActions": [topic]}));
    }
    let mut r = RegionEvidence {
        region: REGION.to_owned(),
        describe_trails: Some(json!({"trailList": [{"Name": TRAIL,
            "TrailARN": arn("cloudtrail", &format!("trail/{TRAIL}")), "HomeRegion": REGION,
            "IsMultiRegionTrail": true, "LogFileValidationEnabled": true, "IsOrganizationTrail": false,
            "KmsKeyId": arn("kms", "key/k"), "S3BucketName": "logs",
            "CloudWatchLogsLogGroupArn": arn("logs", &format!("log-group:{GROUP}:*"))}]})),
        log_groups: Some(json!({"logGroups": [{"logGroupName": GROUP,
            "arn": arn("logs", &format!("log-group:{GROUP}:*"))}]})),
        metric_filters: Some(json!({ "metricFilters": filters })),
        alarms: Some(json!({"MetricAlarms": alarms, "CompositeAlarms": []})),
        topics: Some(json!({"Topics": [{"TopicArn": topic}]})),
        subscriptions: Some(
            json!({"Subscriptions": [{"SubscriptionArn": format!("{topic}:0001"),
            "TopicArn": topic, "Protocol": "email", "Endpoint": "sec@example.com", "Owner": ACCT}]}),
        ),
        ..RegionEvidence::default()
    };
    r.trail_status.insert(
        TRAIL.to_owned(),
        json!({"IsLogging": true, "LatestCloudWatchLogsDeliveryTime": "2026-11-20T08:50:00Z"}),
    );
    r.event_selectors.insert(
        TRAIL.to_owned(),
        json!({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true}]}),
    );
    r.topic_attributes.insert(
        "alerts".to_owned(),
        json!({"Attributes": {"TopicArn": topic, "Owner": ACCT, "SubscriptionsConfirmed": "1"}}),
    );
    Evidence {
        meta: SnapshotMeta::default(),
        accounts: vec![AccountEvidence {
            account_id: ACCT.to_owned(),
            name: None,
            caller_identity: Some(
                json!({"Account": ACCT, "Arn": format!("arn:aws:iam::{ACCT}:user/a")}),
            ),
            regions: vec![r],
            ..AccountEvidence::default()
        }],
    }
}

/// Writes the compliant evidence to `DIR/evidence` and returns that folder.
fn write_compliant(catalog: &Catalog, dir: &Path) -> PathBuf {
    let evidence = dir.join("evidence");
    trailgraph_collect::export_aws_cli(&compliant(catalog), &evidence).unwrap();
    evidence
}

/// Imports `dir` and runs every check on it (collected at a time the delivery age accepts).
fn import_and_check(catalog: &Catalog, dir: &Path) -> (Vec<CollectionError>, Report) {
    let mut evidence = trailgraph_collect::import_aws_cli(dir).unwrap();
    evidence.meta.collected_at = "2026-11-20T09:00:00Z".parse().unwrap();
    let inventory = trailgraph_model::build_inventory(&evidence);
    let options = RunOptions {
        generated_at: Some("2026-11-20T09:00:00Z".parse().unwrap()),
        ..RunOptions::default()
    };
    let report = run(catalog, &inventory, &options).unwrap();
    (inventory.meta.errors.clone(), report)
}

/// The checks that read a service: every check reads CloudTrail, the monitoring checks all four.
fn needs(check: &str, service: &str) -> bool {
    check.starts_with("aws_monitoring_") || service == "cloudtrail"
}

fn verdicts(report: &Report) -> Vec<(String, Status)> {
    report
        .results()
        .filter(|r| r.account == ACCT)
        .map(|r| (r.check.clone(), r.status))
        .collect()
}

#[test]
fn the_undamaged_evidence_passes_every_check() {
    let catalog = load_catalog(&[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let evidence = write_compliant(&catalog, dir.path());
    let (errors, report) = import_and_check(&catalog, &evidence);
    assert_eq!(errors, []);
    let v = verdicts(&report);
    assert_eq!(v.len(), 18);
    assert!(v.iter().all(|(_, s)| *s == Status::Passed), "{v:?}");
}

/// How a file is damaged on disk.
#[derive(Clone, Copy, Debug)]
enum OnDisk {
    Empty,
    Fifo,
    LinkToDevZero,
    Folder,
}

fn damage(path: &Path, how: OnDisk) {
    std::fs::remove_file(path).unwrap();
    match how {
        OnDisk::Empty => std::fs::write(path, "").unwrap(),
        OnDisk::Fifo => {
            let status = std::process::Command::new("mkfifo")
                .arg(path)
                .status()
                .unwrap();
            assert!(status.success());
        }
        OnDisk::LinkToDevZero => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        OnDisk::Folder => std::fs::create_dir(path).unwrap(),
    }
}

#[test]
fn unusable_files_are_recorded_and_not_evaluable() {
    let catalog = load_catalog(&[]).unwrap();
    let files: [(&str, &str, &str); 10] = [
        (
            "cloudtrail-describe-trails.json",
            "cloudtrail",
            "DescribeTrails",
        ),
        (
            "cloudtrail-get-trail-status--main.json",
            "cloudtrail",
            "GetTrailStatus",
        ),
        (
            "cloudtrail-get-event-selectors--main.json",
            "cloudtrail",
            "GetEventSelectors",
        ),
        ("logs-describe-log-groups.json", "logs", "DescribeLogGroups"),
        (
            "logs-describe-metric-filters.json",
            "logs",
            "DescribeMetricFilters",
        ),
        (
            "cloudwatch-describe-alarms.json",
            "cloudwatch",
            "DescribeAlarms",
        ),
        ("sns-list-topics.json", "sns", "ListTopics"),
        ("sns-list-subscriptions.json", "sns", "ListSubscriptions"),
        (
            "sns-get-topic-attributes--alerts.json",
            "sns",
            "GetTopicAttributes",
        ),
        (
            "../sts-get-caller-identity.json",
            "sts",
            "GetCallerIdentity",
        ),
    ];
    for (file, service, operation) in files {
        for how in [
            OnDisk::Empty,
            OnDisk::Fifo,
            OnDisk::LinkToDevZero,
            OnDisk::Folder,
        ] {
            let what = format!("{file} {how:?}");
            let dir = tempfile::tempdir().unwrap();
            let evidence = write_compliant(&catalog, dir.path());
            let path = evidence.join(ACCT).join(REGION).join(file);
            damage(&path, how);
            let (errors, report) = import_and_check(&catalog, &evidence);
            let error = errors
                .iter()
                .find(|e| e.operation == operation)
                .unwrap_or_else(|| panic!("{what}: no {operation} error in {errors:#?}"));
            assert_eq!(error.service, service, "{what}");
            let code = match how {
                OnDisk::Empty => "InvalidEvidence",
                _ => "UnreadableEvidence",
            };
            assert_eq!(error.code, code, "{what}: {}", error.message);
            let name = file.trim_start_matches("../");
            assert!(error.message.contains(name), "{what}: {}", error.message);
            // The caller identity and the topic attributes feed no check; every other file
            // makes the checks that read it not evaluable (or, for a trail's status, failed on
            // the missing delivery time), never passed.
            if matches!(operation, "GetCallerIdentity" | "GetTopicAttributes") {
                continue;
            }
            for (check, status) in verdicts(&report) {
                if needs(&check, service) {
                    assert_ne!(status, Status::Passed, "{what}: {check}");
                    if check != "aws_cloudtrail_cloudwatch_logs_delivery" {
                        assert_eq!(status, Status::NotEvaluable, "{what}: {check}");
                    }
                }
            }
        }
    }
}

#[test]
fn a_git_folder_under_an_account_is_not_a_region() {
    let catalog = load_catalog(&[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let evidence = write_compliant(&catalog, dir.path());
    std::fs::create_dir_all(evidence.join(ACCT).join(".git/objects")).unwrap();
    std::fs::create_dir_all(evidence.join(ACCT).join("backup")).unwrap();
    let imported = trailgraph_collect::import_aws_cli(&evidence).unwrap();
    let regions: Vec<&str> = imported.accounts[0]
        .regions
        .iter()
        .map(|r| r.region.as_str())
        .collect();
    assert_eq!(regions, [REGION]);
    assert!(
        imported
            .meta
            .notes
            .iter()
            .any(|n| n.contains(".git") && n.contains("not a region folder")),
        "{:?}",
        imported.meta.notes
    );
    let (errors, report) = import_and_check(&catalog, &evidence);
    assert_eq!(errors, []);
    assert!(verdicts(&report).iter().all(|(_, s)| *s == Status::Passed));
}

#[test]
fn an_account_folder_without_region_folders_is_not_evaluable() {
    let catalog = load_catalog(&[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let evidence = write_compliant(&catalog, dir.path());
    std::fs::remove_dir_all(evidence.join(ACCT).join(REGION)).unwrap();
    let (errors, report) = import_and_check(&catalog, &evidence);
    assert!(
        errors
            .iter()
            .any(|e| e.service == "cloudtrail" && e.code == "IncompleteEvidence"),
        "{errors:#?}"
    );
    for (check, status) in verdicts(&report) {
        assert_eq!(status, Status::NotEvaluable, "{check}");
    }
    let out = Dir::new();
    let copied = out.path("evidence");
    std::fs::create_dir_all(copied.join(ACCT)).unwrap();
    out.run(&["import", "aws-cli", "evidence", "--output", "x.tgs"])
        .expect_code(3)
        .stderr_has("IncompleteEvidence");
}

// ---------------------------------------------------------------------------------------------
// Property: damage that leaves a document unusable never gives a passed verdict for a check
// that reads it, and import never panics. 64 cases from a fixed seed.

/// The files of the compliant evidence that checks read, with their service.
const READ_FILES: [(&str, &str); 8] = [
    ("cloudtrail-describe-trails.json", "cloudtrail"),
    ("cloudtrail-get-trail-status--main.json", "cloudtrail"),
    ("cloudtrail-get-event-selectors--main.json", "cloudtrail"),
    ("logs-describe-log-groups.json", "logs"),
    ("logs-describe-metric-filters.json", "logs"),
    ("cloudwatch-describe-alarms.json", "cloudwatch"),
    ("sns-list-topics.json", "sns"),
    ("sns-list-subscriptions.json", "sns"),
];

#[derive(Clone, Debug)]
enum Damage {
    /// Cut the text at this fraction of its length (before its closing brace).
    Truncate(f64),
    /// Replace the document with a JSON value that is not an object.
    NotAnObject(Json),
    /// Add a page token.
    PageToken(String),
    /// Rename the document's first non-empty list (or its first key), flipping the case of
    /// the first letter.
    RenameKey,
    /// Replace an element of the document's first array with a scalar.
    ItemScalar(usize, Json),
    /// Drop a key of an element of the first array.
    DropItemKey(usize, usize),
}

fn scalar() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::from),
        any::<i64>().prop_map(Json::from),
        "[a-z]{0,8}".prop_map(Json::from),
    ]
}

fn damage_strategy() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (0.0..1.0f64).prop_map(Damage::Truncate),
        prop_oneof![
            scalar(),
            proptest::collection::vec(scalar(), 0..3).prop_map(Json::from)
        ]
        .prop_map(Damage::NotAnObject),
        "[A-Za-z0-9=]{1,12}".prop_map(Damage::PageToken),
        Just(Damage::RenameKey),
        (0..64usize, scalar()).prop_map(|(i, v)| Damage::ItemScalar(i, v)),
        (0..64usize, 0..16usize).prop_map(|(i, k)| Damage::DropItemKey(i, k)),
    ]
}

/// Applies `damage` to the text of a document; `None` when it does not apply (a key to drop
/// that no check needs is left to the typed tests).
fn apply(text: &str, damage: &Damage) -> Option<String> {
    let mut doc: Json = serde_json::from_str(text).unwrap();
    let first_list = |doc: &Json| {
        doc.as_object()?
            .iter()
            .find(|(_, v)| v.as_array().is_some_and(|a| !a.is_empty()))
            .map(|(k, _)| k.clone())
    };
    match damage {
        Damage::Truncate(f) => {
            let body = text.trim_end();
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let cut = ((body.len() - 1) as f64 * f) as usize;
            let cut = (0..=cut).rev().find(|i| body.is_char_boundary(*i))?;
            return Some(body[..cut].to_owned());
        }
        Damage::NotAnObject(v) => doc = v.clone(),
        Damage::PageToken(t) => {
            let key = if text.contains("\"logGroups\"") || text.contains("\"metricFilters\"") {
                "nextToken"
            } else {
                "NextToken"
            };
            doc[key] = Json::from(t.as_str());
        }
        Damage::RenameKey => {
            let key = first_list(&doc).or_else(|| doc.as_object()?.keys().next().cloned())?;
            let obj = doc.as_object_mut()?;
            let value = obj.remove(&key)?;
            let mut chars = key.chars();
            let first = chars.next()?;
            let flipped: String = if first.is_uppercase() {
                first.to_lowercase().chain(chars).collect()
            } else {
                first.to_uppercase().chain(chars).collect()
            };
            obj.insert(flipped, value);
        }
        Damage::ItemScalar(i, v) => {
            let key = first_list(&doc)?;
            let list = doc[&key].as_array_mut()?;
            let n = list.len();
            list[i % n] = v.clone();
        }
        Damage::DropItemKey(i, k) => {
            // Only the keys every check relies on.
            const KEY_FIELDS: [&str; 12] = [
                "Name",
                "TrailARN",
                "IsMultiRegionTrail",
                "logGroupName",
                "filterPattern",
                "metricTransformations",
                "AlarmName",
                "ActionsEnabled",
                "AlarmActions",
                "TopicArn",
                "SubscriptionArn",
                "ReadWriteType",
            ];
            let key = first_list(&doc)?;
            let list = doc[&key].as_array_mut()?;
            let n = list.len();
            let item = list[i % n].as_object_mut()?;
            let present: Vec<String> = item
                .keys()
                .filter(|k| KEY_FIELDS.contains(&k.as_str()))
                .cloned()
                .collect();
            if present.is_empty() {
                return None;
            }
            item.remove(&present[k % present.len()]);
        }
    }
    Some(serde_json::to_string(&doc).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_201),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn damaged_evidence_never_passes_a_check_that_reads_it(
        file in 0..READ_FILES.len(),
        damage in damage_strategy(),
    ) {
        let catalog = load_catalog(&[]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let evidence = write_compliant(&catalog, dir.path());
        let (name, service) = READ_FILES[file];
        let path = evidence.join(ACCT).join(REGION).join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let Some(damaged) = apply(&text, &damage) else {
            return Ok(());
        };
        std::fs::write(&path, &damaged).unwrap();
        let (errors, report) = import_and_check(&catalog, &evidence);
        prop_assert!(
            errors.iter().any(|e| e.account == ACCT && e.service == service),
            "{name} {damage:?}: no {service} error in {errors:#?}"
        );
        for (check, status) in verdicts(&report) {
            if needs(&check, service) {
                prop_assert_ne!(status, Status::Passed, "{} {:?}: {}", name, damage, check);
            }
        }
    }
}
