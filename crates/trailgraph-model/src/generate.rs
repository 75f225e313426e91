//! Generated inventories of any size for benchmarks.
//!
//! Each account gets one multi-region trail homed in its first region (listed as a shadow in the
//! others) and, in every region: a regional trail, a CloudTrail log group with the fifteen CIS
//! metric filters and their alarms, seven application log groups with a filter and an alarm
//! each, two topics and three subscriptions (one pending). About 60 nodes per account and
//! region, so 1,000 accounts × 17 regions is about a million nodes. Some accounts carry the
//! usual breaks (a stopped trail, a missing alarm, a pending-only topic) so that checks have
//! work to do.

use serde_json::{Value as Json, json};

use crate::build::build_inventory;
use crate::demo::DEMO_FILTERS;
use crate::evidence::{AccountEvidence, Evidence, RegionEvidence};
use crate::inventory::Inventory;
use crate::meta::SnapshotMeta;

/// The seventeen regions that are enabled by default in a commercial account.
pub const DEFAULT_REGIONS: [&str; 17] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "sa-east-1",
];

const APP_GROUPS: usize = 7;

/// Accounts generated and linked at a time by [`generate_inventory`]: the evidence of a batch
/// is dropped once its nodes are in the inventory, so a large estate never holds the evidence
/// of all its accounts at once (10,000 accounts of evidence alone would not fit in 24 GiB).
pub const BATCH_ACCOUNTS: usize = 250;

/// Evidence for `accounts` accounts × `regions` regions (at most 17).
pub fn generate_evidence(accounts: usize, regions: usize) -> Evidence {
    evidence_for(0..accounts, regions)
}

/// Evidence for the accounts numbered `accounts` (the same as in [`generate_evidence`]).
fn evidence_for(accounts: std::ops::Range<usize>, regions: usize) -> Evidence {
    let regions = &DEFAULT_REGIONS[..regions.clamp(1, DEFAULT_REGIONS.len())];
    Evidence {
        meta: SnapshotMeta {
            collected_at: jiff::Timestamp::from_second(1_795_000_000).unwrap_or_default(),
            source: "generated".to_owned(),
            ..SnapshotMeta::default()
        },
        accounts: accounts.map(|i| account(i, regions)).collect(),
    }
}

/// A linked inventory for `accounts` accounts × `regions` regions (at most 17): the same nodes
/// and edges as `build_inventory(&generate_evidence(accounts, regions))` (generated accounts
/// link only within themselves), built [`BATCH_ACCOUNTS`] accounts at a time.
pub fn generate_inventory(accounts: usize, regions: usize) -> Inventory {
    let mut inventory = build_inventory(&evidence_for(0..accounts.min(BATCH_ACCOUNTS), regions));
    let mut start = BATCH_ACCOUNTS;
    while start < accounts {
        let end = (start + BATCH_ACCOUNTS).min(accounts);
        let batch = build_inventory(&evidence_for(start..end, regions));
        // Ids are unique per account and the cloud node is shared, so appending does not fail;
        // if it ever did, the whole estate is built at once instead (same result, more memory).
        if inventory.append(batch).is_err() {
            return build_inventory(&generate_evidence(accounts, regions));
        }
        start = end;
    }
    inventory
}

fn account(index: usize, regions: &[&str]) -> AccountEvidence {
    let id = format!("{:012}", 100_000_000_000u64 + index as u64);
    let home = regions.first().copied().unwrap_or("us-east-1");
    let trail_arn = format!("arn:aws:cloudtrail:{home}:{id}:trail/main");
    let ct_group = "/aws/cloudtrail/main";
    let main_trail = json!({
        "Name": "main", "S3BucketName": format!("cloudtrail-{id}"), "IncludeGlobalServiceEvents": true,
        "IsMultiRegionTrail": true, "HomeRegion": home, "TrailARN": trail_arn,
        "LogFileValidationEnabled": !index.is_multiple_of(5),
        "CloudWatchLogsLogGroupArn": format!("arn:aws:logs:{home}:{id}:log-group:{ct_group}:*"),
        "KmsKeyId": format!("arn:aws:kms:{home}:{id}:key/k-{index}"),
        "HasCustomEventSelectors": true, "HasInsightSelectors": false, "IsOrganizationTrail": false,
    });
    let stopped = index % 7 == 3;
    let regions = regions
        .iter()
        .map(|region| {
            let mut r = RegionEvidence {
                region: (*region).to_owned(),
                ..RegionEvidence::default()
            };
            let regional_name = format!("regional-{region}");
            let regional_arn = format!("arn:aws:cloudtrail:{region}:{id}:trail/{regional_name}");
            let trails = vec![
                main_trail.clone(),
                json!({"Name": regional_name, "TrailARN": regional_arn, "HomeRegion": region,
                    "IsMultiRegionTrail": false, "S3BucketName": format!("regional-{id}"),
                    "LogFileValidationEnabled": true, "IncludeGlobalServiceEvents": false,
                    "HasCustomEventSelectors": false, "HasInsightSelectors": false, "IsOrganizationTrail": false}),
            ];
            if *region == home {
                r.trail_status.insert(
                    "main".into(),
                    json!({"IsLogging": !stopped, "LatestDeliveryTime": "2026-11-20T08:00:00+00:00",
                        "StartLoggingTime": "2025-01-01T00:00:00+00:00",
                        "LatestCloudWatchLogsDeliveryTime": "2026-11-20T08:30:00+00:00"}),
                );
                r.event_selectors.insert(
                    "main".into(),
                    json!({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true}]}),
                );
            }
            r.trail_status.insert(
                regional_name.clone(),
                json!({"IsLogging": true, "StartLoggingTime": "2025-06-01T00:00:00+00:00"}),
            );
            r.describe_trails = Some(json!({ "trailList": trails }));
            let mut groups = vec![log_group(&id, region, ct_group)];
            let mut filters = Vec::new();
            let mut alarms = Vec::new();
            let topic = format!("arn:aws:sns:{region}:{id}:alerts");
            let quiet_topic = format!("arn:aws:sns:{region}:{id}:oncall");
            if *region == home {
                for (n, (metric, pattern)) in DEMO_FILTERS.iter().enumerate() {
                    filters.push(filter(ct_group, metric, pattern, metric, "CISBenchmark"));
                    // Every 11th account misses one alarm; every 13th notifies the quiet topic.
                    if index % 11 == 1 && n == index % DEMO_FILTERS.len() {
                        continue;
                    }
                    let target = if index % 13 == 2 { &quiet_topic } else { &topic };
                    alarms.push(alarm(&id, region, metric, "CISBenchmark", target));
                }
            } else {
                // Other regions hold a same-named log group that the trail does not use.
                for (metric, pattern) in DEMO_FILTERS.iter() {
                    filters.push(filter(ct_group, metric, pattern, metric, "Regional"));
                    alarms.push(alarm(&id, region, &format!("{metric}-r"), "Regional", &topic));
                }
            }
            for g in 0..APP_GROUPS {
                let name = format!("/app/service-{g}");
                groups.push(log_group(&id, region, &name));
                let metric = format!("Errors{g}");
                filters.push(filter(&name, &metric, "ERROR ?FATAL -healthcheck", &metric, "App"));
                alarms.push(alarm(&id, region, &metric, "App", &topic));
            }
            r.log_groups = Some(json!({ "logGroups": groups }));
            r.metric_filters = Some(json!({ "metricFilters": filters }));
            r.alarms = Some(json!({ "MetricAlarms": alarms, "CompositeAlarms": [] }));
            r.topics = Some(json!({"Topics": [{"TopicArn": topic}, {"TopicArn": quiet_topic}]}));
            r.subscriptions = Some(json!({"Subscriptions": [
                {"SubscriptionArn": format!("{topic}:s1"), "TopicArn": topic, "Protocol": "email",
                 "Endpoint": format!("security+{index}@example.com"), "Owner": id},
                {"SubscriptionArn": format!("{topic}:s2"), "TopicArn": topic, "Protocol": "https",
                 "Endpoint": "https://hooks.example.com/services/T/B/token", "Owner": id},
                {"SubscriptionArn": "PendingConfirmation", "TopicArn": quiet_topic, "Protocol": "email",
                 "Endpoint": "oncall@example.com", "Owner": id},
            ]}));
            r
        })
        .collect();
    AccountEvidence {
        account_id: id.clone(),
        name: Some(format!("account-{index}")),
        caller_identity: None,
        regions,
        ..AccountEvidence::default()
    }
}

fn log_group(account: &str, region: &str, name: &str) -> Json {
    json!({"logGroupName": name, "creationTime": 1_735_689_600_000i64, "retentionInDays": 365,
        "storedBytes": 4096, "arn": format!("arn:aws:logs:{region}:{account}:log-group:{name}:*")})
}

fn filter(group: &str, name: &str, pattern: &str, metric: &str, namespace: &str) -> Json {
    json!({"filterName": name, "filterPattern": pattern, "logGroupName": group,
        "metricTransformations": [{"metricName": metric, "metricNamespace": namespace, "metricValue": "1"}]})
}

fn alarm(account: &str, region: &str, metric: &str, namespace: &str, topic: &str) -> Json {
    let name = format!("{metric}Alarm");
    json!({"AlarmName": name, "AlarmArn": format!("arn:aws:cloudwatch:{region}:{account}:alarm:{name}"),
        "ActionsEnabled": true, "AlarmActions": [topic], "StateValue": "OK",
        "MetricName": metric, "Namespace": namespace, "Statistic": "Sum", "Period": 300,
        "EvaluationPeriods": 1, "Threshold": 1.0, "ComparisonOperator": "GreaterThanOrEqualToThreshold"})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::Kind;

    #[test]
    fn size_scales_with_accounts_and_regions() {
        let inv = generate_inventory(2, 3);
        // Per account: 3 regions, 1 main trail + 3 regional trails.
        assert_eq!(inv.count_of_kind(Kind::AwsAccount), 2);
        assert_eq!(inv.count_of_kind(Kind::AwsRegion), 6);
        assert_eq!(inv.count_of_kind(Kind::AwsCloudTrail), 2 * 4);
        assert_eq!(inv.count_of_kind(Kind::AwsCloudwatchLogGroup), 2 * 3 * 8);
        let per_region = inv.node_count() as f64 / 6.0;
        assert!(
            (55.0..65.0).contains(&per_region),
            "{per_region} nodes per account and region"
        );
    }
}

#[cfg(test)]
mod batch_tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Everything an inventory holds, independent of node numbering.
    fn canonical(inv: &Inventory) -> (Vec<String>, BTreeSet<(String, String, String)>, String) {
        let id = |n: Option<crate::inventory::NodeId>| {
            n.and_then(|n| inv.node(n))
                .map_or("-".to_owned(), |n| n.id.to_string())
        };
        let mut nodes: Vec<String> = inv
            .nodes()
            .map(|(_, n)| {
                let a = n.ancestors;
                format!(
                    "{} {} {:?} {} {} {}",
                    n.id,
                    n.kind,
                    n.reported,
                    id(a.cloud),
                    id(a.account),
                    id(a.region)
                )
            })
            .collect();
        nodes.sort();
        let edges = inv
            .edges()
            .map(|(f, t, e)| (id(Some(f)), id(Some(t)), e.to_string()))
            .collect();
        (nodes, edges, format!("{:?}", inv.meta))
    }

    #[test]
    fn batches_give_the_estate_built_at_once() {
        let accounts = BATCH_ACCOUNTS * 2 + 3;
        let batched = generate_inventory(accounts, 1);
        let whole = build_inventory(&generate_evidence(accounts, 1));
        assert_eq!(batched.node_count(), whole.node_count());
        assert_eq!(batched.edge_count(), whole.edge_count());
        assert_eq!(batched.meta.accounts.len(), accounts);
        let (a, b) = (canonical(&batched), canonical(&whole));
        assert_eq!(a.2, b.2, "metadata");
        assert_eq!(a.1, b.1, "edges");
        for (x, y) in a.0.iter().zip(&b.0) {
            assert_eq!(x, y);
        }
    }
}
