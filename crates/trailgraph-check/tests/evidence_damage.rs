//! Damaged evidence, end to end: a compliant account passes every check; each kind of damage to
//! each document is a recorded collection error for the right account, region, service and
//! operation, and the checks that need that document are not evaluable (never passed).
//!
//! Damage that only exists on disk (empty files, FIFOs, links to `/dev/zero`, stray folders)
//! is covered where the importer is: `crates/trailgraph-cli/tests/import_cli.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value as Json, json};
use trailgraph_check::{Catalog, Report, RunOptions, Status, load_catalog, run};
use trailgraph_model::{
    AccountEvidence, CollectionError, Evidence, RegionEvidence, SnapshotMeta, build_inventory,
};

const ACCT: &str = "123456789012";
const OTHER: &str = "210987654321";
const REGION: &str = "us-east-1";
const TRAIL: &str = "main";
const GROUP: &str = "/aws/cloudtrail/main";

fn catalog() -> Catalog {
    load_catalog(&[]).unwrap()
}

fn arn(service: &str, account: &str, rest: &str) -> String {
    format!("arn:aws:{service}:{REGION}:{account}:{rest}")
}

/// One region of `account` with a complete chain for every monitoring check.
fn compliant_region(catalog: &Catalog, account: &str) -> RegionEvidence {
    let topic = arn("sns", account, "alerts");
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
            "AlarmArn": arn("cloudwatch", account, &format!("alarm:{metric}Alarm")),
            "MetricName": metric, "Namespace": "CIS", "ActionsEnabled": true, "AlarmActions": [topic]}));
    }
    let mut r = RegionEvidence {
        region: REGION.to_owned(),
        describe_trails: Some(json!({"trailList": [{"Name": TRAIL,
            "TrailARN": arn("cloudtrail", account, &format!("trail/{TRAIL}")), "HomeRegion": REGION,
            "IsMultiRegionTrail": true, "LogFileValidationEnabled": true, "IsOrganizationTrail": false,
            "KmsKeyId": arn("kms", account, "key/k"), "S3BucketName": "logs",
            "CloudWatchLogsLogGroupArn": arn("logs", account, &format!("log-group:{GROUP}:*"))}]})),
        log_groups: Some(json!({"logGroups": [{"logGroupName": GROUP,
            "arn": arn("logs", account, &format!("log-group:{GROUP}:*"))}]})),
        metric_filters: Some(json!({ "metricFilters": filters })),
        alarms: Some(json!({"MetricAlarms": alarms, "CompositeAlarms": []})),
        topics: Some(json!({"Topics": [{"TopicArn": topic}]})),
        subscriptions: Some(
            json!({"Subscriptions": [{"SubscriptionArn": format!("{topic}:0001"),
            "TopicArn": topic, "Protocol": "email", "Endpoint": "sec@example.com", "Owner": account}]}),
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
        json!({"Attributes": {"TopicArn": topic, "Owner": account, "SubscriptionsConfirmed": "1"}}),
    );
    r
}

fn evidence(region: RegionEvidence) -> Evidence {
    Evidence {
        meta: SnapshotMeta {
            collected_at: "2026-11-20T09:00:00Z".parse().unwrap(),
            ..SnapshotMeta::default()
        },
        accounts: vec![AccountEvidence {
            account_id: ACCT.to_owned(),
            name: None,
            caller_identity: Some(
                json!({"Account": ACCT, "Arn": format!("arn:aws:iam::{ACCT}:user/auditor")}),
            ),
            regions: vec![region],
            ..AccountEvidence::default()
        }],
    }
}

fn report(catalog: &Catalog, e: &Evidence) -> Report {
    let inventory = build_inventory(e);
    let options = RunOptions {
        generated_at: Some("2026-11-20T09:00:00Z".parse().unwrap()),
        ..RunOptions::default()
    };
    run(catalog, &inventory, &options).unwrap()
}

/// The checks that read `service`: every check reads CloudTrail, the monitoring checks read
/// all four services.
fn needs(check: &str, service: &str) -> bool {
    check.starts_with("aws_monitoring_") || service == "cloudtrail"
}

/// Every check that needs `service` is not evaluable for the account; none passes.
fn assert_not_evaluable(rep: &Report, service: &str, what: &str) {
    assert_not_evaluable_except(rep, service, what, &[]);
}

/// As [`assert_not_evaluable`], but the checks in `failed_ok` may also fail (a check whose
/// `failed` query matches a missing value reports the missing value as a failure).
fn assert_not_evaluable_except(rep: &Report, service: &str, what: &str, failed_ok: &[&str]) {
    let mut seen = 0;
    for r in rep.results().filter(|r| r.account == ACCT) {
        if needs(&r.check, service) {
            seen += 1;
            let allowed = r.status == Status::NotEvaluable
                || (r.status == Status::Failed && failed_ok.contains(&r.check.as_str()));
            assert!(allowed, "{what}: {}: {:?}: {}", r.check, r.status, r.reason);
        }
    }
    assert!(seen >= 15, "{what}: only {seen} checks need {service}");
}

fn recorded<'a>(e: &'a [CollectionError], operation: &str, what: &str) -> &'a CollectionError {
    e.iter()
        .find(|x| x.operation == operation && x.account == ACCT)
        .unwrap_or_else(|| panic!("{what}: no error for {operation} in {e:#?}"))
}

#[test]
fn the_undamaged_account_passes_every_check() {
    let catalog = catalog();
    let e = evidence(compliant_region(&catalog, ACCT));
    let rep = report(&catalog, &e);
    assert_eq!(build_inventory(&e).meta.errors, []);
    let results: Vec<_> = rep.results().filter(|r| r.account == ACCT).collect();
    assert_eq!(results.len(), 18);
    for r in results {
        assert_eq!(r.status, Status::Passed, "{}: {}", r.check, r.reason);
    }
}

/// The single documents of a region: (field, list key, the key as damaged by a rename, service,
/// operation, a key field of its items, a value of the wrong type for it, the page token key).
type Single = (
    fn(&mut RegionEvidence) -> &mut Option<Json>,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Json,
    &'static str,
);

fn singles() -> Vec<Single> {
    vec![
        (
            |r| &mut r.describe_trails,
            "trailList",
            "TrailList",
            "cloudtrail",
            "DescribeTrails",
            "IsMultiRegionTrail",
            json!("true"),
            "NextToken",
        ),
        (
            |r| &mut r.describe_trails,
            "trailList",
            "trailList",
            "cloudtrail",
            "DescribeTrails",
            "TrailARN",
            json!(7),
            "NextToken",
        ),
        (
            |r| &mut r.log_groups,
            "logGroups",
            "LogGroups",
            "logs",
            "DescribeLogGroups",
            "logGroupName",
            json!(["x"]),
            "nextToken",
        ),
        (
            |r| &mut r.metric_filters,
            "metricFilters",
            "MetricFilters",
            "logs",
            "DescribeMetricFilters",
            "filterPattern",
            json!(1),
            "nextToken",
        ),
        (
            |r| &mut r.metric_filters,
            "metricFilters",
            "metricFilters",
            "logs",
            "DescribeMetricFilters",
            "metricTransformations",
            json!({}),
            "nextToken",
        ),
        (
            |r| &mut r.metric_filters,
            "metricFilters",
            "metricFilters",
            "logs",
            "DescribeMetricFilters",
            "logGroupName",
            json!(null),
            "nextToken",
        ),
        (
            |r| &mut r.alarms,
            "MetricAlarms",
            "metricAlarms",
            "cloudwatch",
            "DescribeAlarms",
            "ActionsEnabled",
            json!("true"),
            "NextToken",
        ),
        (
            |r| &mut r.alarms,
            "MetricAlarms",
            "MetricAlarms",
            "cloudwatch",
            "DescribeAlarms",
            "AlarmActions",
            json!("arn:aws:sns:us-east-1:123456789012:alerts"),
            "NextToken",
        ),
        (
            |r| &mut r.alarms,
            "MetricAlarms",
            "MetricAlarms",
            "cloudwatch",
            "DescribeAlarms",
            "AlarmName",
            json!(false),
            "NextToken",
        ),
        (
            |r| &mut r.alarms,
            "MetricAlarms",
            "MetricAlarms",
            "cloudwatch",
            "DescribeAlarms",
            "Namespace",
            json!(3),
            "NextToken",
        ),
        (
            |r| &mut r.alarms,
            "MetricAlarms",
            "MetricAlarms",
            "cloudwatch",
            "DescribeAlarms",
            "MetricName",
            json!([]),
            "NextToken",
        ),
        (
            |r| &mut r.topics,
            "Topics",
            "topics",
            "sns",
            "ListTopics",
            "TopicArn",
            json!(1),
            "NextToken",
        ),
        (
            |r| &mut r.subscriptions,
            "Subscriptions",
            "subscriptions",
            "sns",
            "ListSubscriptions",
            "SubscriptionArn",
            json!(2),
            "NextToken",
        ),
        (
            |r| &mut r.subscriptions,
            "Subscriptions",
            "Subscriptions",
            "sns",
            "ListSubscriptions",
            "TopicArn",
            json!(null),
            "NextToken",
        ),
    ]
}

/// Damages one document.
type Damage<'a> = Box<dyn Fn(&mut Json) + 'a>;

#[test]
fn every_damage_to_a_single_document_is_not_evaluable() {
    let catalog = catalog();
    let mut cases = 0;
    for (field, key, renamed, service, operation, item_key, wrong, token) in singles() {
        let damages: Vec<(&str, Damage<'_>)> = vec![
            (
                "missing top-level key",
                Box::new(|d: &mut Json| drop(d.as_object_mut().unwrap().remove(key))),
            ),
            (
                "renamed key",
                Box::new(|d: &mut Json| {
                    let list = d.as_object_mut().unwrap().remove(key).unwrap();
                    d[if renamed == key { "Items" } else { renamed }] = list;
                }),
            ),
            ("top-level []", Box::new(|d: &mut Json| *d = json!([]))),
            ("top-level null", Box::new(|d: &mut Json| *d = Json::Null)),
            ("top-level string", Box::new(|d: &mut Json| *d = json!(key))),
            ("item null", Box::new(|d: &mut Json| d[key][0] = Json::Null)),
            (
                "item string",
                Box::new(|d: &mut Json| d[key][0] = json!(item_key)),
            ),
            (
                "key field missing",
                Box::new(|d: &mut Json| drop(d[key][0].as_object_mut().unwrap().remove(item_key))),
            ),
            (
                "key field mistyped",
                Box::new(|d: &mut Json| d[key][0][item_key] = wrong.clone()),
            ),
            (
                "page token present",
                Box::new(|d: &mut Json| d[token] = json!("eyJuZXh0IjoxfQ==")),
            ),
        ];
        for (damage, apply) in damages {
            let what = format!("{operation} {item_key}: {damage}");
            let mut region = compliant_region(&catalog, ACCT);
            apply(field(&mut region).as_mut().unwrap());
            let e = evidence(region);
            let inventory = build_inventory(&e);
            let error = recorded(&inventory.meta.errors, operation, &what);
            assert_eq!(error.region.as_deref(), Some(REGION), "{what}");
            assert_eq!(error.service, service, "{what}");
            let code = if damage == "page token present" {
                "IncompleteEvidence"
            } else {
                "InvalidEvidence"
            };
            assert_eq!(error.code, code, "{what}: {}", error.message);
            assert!(
                error.message.contains(&format!("{ACCT}/{REGION}/")),
                "{what}: {}",
                error.message
            );
            assert_not_evaluable(&report(&catalog, &e), service, &what);
            cases += 1;
        }
    }
    assert_eq!(cases, 140);
}

#[test]
fn damaged_per_trail_files_are_not_evaluable() {
    let catalog = catalog();
    let cases: Vec<(&str, &str, Json)> = vec![
        (
            "GetTrailStatus",
            "IsLogging mistyped",
            json!({"IsLogging": "true"}),
        ),
        (
            "GetTrailStatus",
            "IsLogging missing",
            json!({"isLogging": true}),
        ),
        ("GetTrailStatus", "top-level []", json!([])),
        ("GetTrailStatus", "top-level null", Json::Null),
        (
            "GetEventSelectors",
            "renamed key",
            json!({"eventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true}]}),
        ),
        (
            "GetEventSelectors",
            "item null",
            json!({"EventSelectors": [null]}),
        ),
        (
            "GetEventSelectors",
            "key field missing",
            json!({"EventSelectors": [{"ReadWriteType": "All"}]}),
        ),
        (
            "GetEventSelectors",
            "key field mistyped",
            json!({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": "yes"}]}),
        ),
        ("GetEventSelectors", "top-level string", json!("All")),
        (
            "GetEventSelectors",
            "another account's trail",
            json!({"TrailARN": arn("cloudtrail", OTHER, "trail/main"),
            "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true}]}),
        ),
    ];
    for (operation, damage, doc) in cases {
        let what = format!("{operation}: {damage}");
        let mut region = compliant_region(&catalog, ACCT);
        let map = if operation == "GetTrailStatus" {
            &mut region.trail_status
        } else {
            &mut region.event_selectors
        };
        map.insert(TRAIL.to_owned(), doc);
        let e = evidence(region);
        let inventory = build_inventory(&e);
        let error = recorded(&inventory.meta.errors, operation, &what);
        assert_eq!(error.service, "cloudtrail", "{what}");
        assert_eq!(
            error.resource.as_deref(),
            Some(arn("cloudtrail", ACCT, "trail/main").as_str()),
            "{what}"
        );
        assert!(
            error.message.contains(&format!("--{TRAIL}.json")),
            "{what}: {}",
            error.message
        );
        // A trail whose status was not read is not judged on its delivery time either.
        assert_not_evaluable(&report(&catalog, &e), "cloudtrail", &what);
    }
}

#[test]
fn a_trail_of_another_account_that_is_not_an_organisation_trail_is_foreign() {
    let catalog = catalog();
    // The other account's compliant trail listed in this account's describe-trails, with its
    // status and selectors beside it: it used to make this account pass.
    let mut region = compliant_region(&catalog, ACCT);
    let foreign = compliant_region(&catalog, OTHER);
    region.describe_trails = foreign.describe_trails.clone();
    let e = evidence(region);
    let inventory = build_inventory(&e);
    let error = recorded(&inventory.meta.errors, "DescribeTrails", "foreign trail");
    assert_eq!(error.code, "ForeignEvidence");
    assert!(error.message.contains(OTHER), "{}", error.message);
    assert_not_evaluable(&report(&catalog, &e), "cloudtrail", "foreign trail");

    // The same trail as an organisation trail seen by a member account is valid.
    let mut region = compliant_region(&catalog, ACCT);
    let mut org = foreign.describe_trails.clone().unwrap();
    org["trailList"][0]["IsOrganizationTrail"] = json!(true);
    region.describe_trails = Some(org);
    let e = evidence(region);
    assert_eq!(build_inventory(&e).meta.errors, []);
}

#[test]
fn a_folder_of_another_account_is_foreign() {
    let catalog = catalog();
    // Caller identity of another account, everything else consistent with the folder name.
    let mut e = evidence(compliant_region(&catalog, ACCT));
    e.accounts[0].caller_identity =
        Some(json!({"Account": OTHER, "Arn": format!("arn:aws:iam::{OTHER}:user/auditor")}));
    let inventory = build_inventory(&e);
    let error = recorded(
        &inventory.meta.errors,
        "GetCallerIdentity",
        "caller identity",
    );
    assert_eq!(
        (error.service.as_str(), error.code.as_str()),
        ("sts", "ForeignEvidence")
    );
    assert!(
        inventory
            .meta
            .errors
            .iter()
            .any(|x| x.service == "cloudtrail" && x.code == "ForeignEvidence")
    );
    assert_not_evaluable(&report(&catalog, &e), "cloudtrail", "caller identity");

    // The whole folder copied from the other account: identity and every ARN disagree.
    let mut e = evidence(compliant_region(&catalog, OTHER));
    e.accounts[0].caller_identity =
        Some(json!({"Account": OTHER, "Arn": format!("arn:aws:iam::{OTHER}:user/auditor")}));
    let rep = report(&catalog, &e);
    assert_not_evaluable(&rep, "cloudtrail", "copied folder");
    // Without a caller identity the ARNs alone give it away.
    let mut e = evidence(compliant_region(&catalog, OTHER));
    e.accounts[0].caller_identity = None;
    let inventory = build_inventory(&e);
    let foreign: Vec<&str> = inventory
        .meta
        .errors
        .iter()
        .filter(|x| x.code == "ForeignEvidence")
        .map(|x| x.operation.as_str())
        .collect();
    assert_eq!(
        foreign,
        [
            "DescribeTrails",
            "DescribeLogGroups",
            "DescribeAlarms",
            "ListTopics",
            "ListSubscriptions",
            "GetTopicAttributes"
        ]
    );
    assert_not_evaluable(
        &report(&catalog, &e),
        "cloudtrail",
        "copied folder, no identity",
    );
}

#[test]
fn an_account_without_regions_is_not_evaluable() {
    let catalog = catalog();
    let mut e = evidence(compliant_region(&catalog, ACCT));
    e.accounts[0].regions.clear();
    let inventory = build_inventory(&e);
    let error = recorded(&inventory.meta.errors, "DescribeTrails", "no region");
    assert_eq!(
        (
            error.service.as_str(),
            error.code.as_str(),
            error.region.as_deref()
        ),
        ("cloudtrail", "IncompleteEvidence", None)
    );
    let rep = report(&catalog, &e);
    assert_not_evaluable(&rep, "cloudtrail", "no region");
    assert_eq!(rep.exit_code(), 3);
}
