//! The newest full benchmark over a generated inventory of about a million nodes.
//!
//! `cargo bench -p trailgraph-check` (building the inventory is not timed). The inventory has
//! 1,000 accounts × 17 regions: in every region 20 application log groups with a filter and an
//! alarm each; in the first region a multi-region trail whose log group holds the fifteen CIS
//! filters and alarms, and a topic with a confirmed and a pending subscription. Every 7th
//! account's trail is stopped and every 11th account's alarms have actions disabled, so that
//! failures need explaining.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::OnceLock;

use serde_json::{Value as Json, json};
use trailgraph_check::{Catalog, RunOptions, load_catalog, run};
use trailgraph_model::{AccountEvidence, Evidence, Inventory, RegionEvidence, SnapshotMeta};

const ACCOUNTS: usize = 1_000;
const REGIONS: usize = 17;
const APP_GROUPS: usize = 20;

fn main() {
    divan::main();
}

fn list(key: &str, items: Vec<Json>) -> Option<Json> {
    Some(json!({ key: items }))
}

fn generated() -> &'static (Catalog, Inventory) {
    static CELL: OnceLock<(Catalog, Inventory)> = OnceLock::new();
    CELL.get_or_init(|| {
        let catalog = load_catalog(&[]).unwrap();
        let cis: Vec<(String, String)> = catalog
            .checks()
            .iter()
            .filter(|c| c.id.starts_with("aws_monitoring_"))
            .map(|c| (c.parameters["metric_name"].clone(), c.parameters["pattern"].clone()))
            .collect();
        let regions: Vec<String> = (0..REGIONS).map(|i| format!("xx-region-{i}")).collect();
        let mut accounts = Vec::new();
        for a in 0..ACCOUNTS {
            let acct = format!("{:012}", 100_000_000_000u64 + a as u64);
            let home = &regions[0];
            let trail_arn = format!("arn:aws:cloudtrail:{home}:{acct}:trail/main");
            let group = "/aws/cloudtrail/main";
            let group_arn = format!("arn:aws:logs:{home}:{acct}:log-group:{group}:*");
            let topic_arn = format!("arn:aws:sns:{home}:{acct}:alerts");
            let trail = json!({"Name": "main", "TrailARN": trail_arn, "HomeRegion": home,
                "IsMultiRegionTrail": true, "LogFileValidationEnabled": true, "KmsKeyId": "k",
                "CloudWatchLogsLogGroupArn": group_arn});
            let mut out = Vec::new();
            for (ri, region) in regions.iter().enumerate() {
                let mut groups = Vec::new();
                let mut filters = Vec::new();
                let mut alarms = Vec::new();
                let alarm = |name: String, metric: &str, enabled: bool, actions: Vec<String>| {
                    json!({"AlarmName": name, "AlarmArn": format!("arn:aws:cloudwatch:{region}:{acct}:alarm:{name}"),
                        "MetricName": metric, "Namespace": "CIS", "ActionsEnabled": enabled, "AlarmActions": actions})
                };
                for g in 0..APP_GROUPS {
                    let name = format!("/app/{g}");
                    groups.push(json!({"logGroupName": name, "arn": format!("arn:aws:logs:{region}:{acct}:log-group:{name}:*")}));
                    let metric = format!("AppErrors{g}");
                    filters.push(json!({"filterName": metric, "filterPattern": "ERROR", "logGroupName": name,
                        "metricTransformations": [{"metricName": metric, "metricNamespace": "CIS", "metricValue": "1"}]}));
                    alarms.push(alarm(format!("{metric}Alarm"), &metric, true, vec![]));
                }
                let mut r = RegionEvidence {
                    region: region.clone(),
                    describe_trails: list("trailList", vec![trail.clone()]),
                    topics: list("Topics", vec![]),
                    subscriptions: list("Subscriptions", vec![]),
                    ..RegionEvidence::default()
                };
                if ri == 0 {
                    r.trail_status.insert("main".into(), json!({"IsLogging": a % 7 != 0}));
                    r.event_selectors.insert("main".into(),
                        json!({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": true}]}));
                    groups.push(json!({"logGroupName": group, "arn": group_arn}));
                    for (metric, pattern) in &cis {
                        filters.push(json!({"filterName": metric, "filterPattern": pattern, "logGroupName": group,
                            "metricTransformations": [{"metricName": metric, "metricNamespace": "CIS", "metricValue": "1"}]}));
                        alarms.push(alarm(format!("{metric}Alarm"), metric, a % 11 != 0, vec![topic_arn.clone()]));
                    }
                    r.topics = list("Topics", vec![json!({"TopicArn": topic_arn})]);
                    r.subscriptions = list("Subscriptions", vec![
                        json!({"SubscriptionArn": format!("{topic_arn}:1"), "TopicArn": topic_arn, "Protocol": "email", "Endpoint": "a@example.com"}),
                        json!({"SubscriptionArn": "PendingConfirmation", "TopicArn": topic_arn, "Protocol": "email", "Endpoint": "b@example.com"}),
                    ]);
                }
                r.log_groups = list("logGroups", groups);
                r.metric_filters = list("metricFilters", filters);
                r.alarms = list("MetricAlarms", alarms);
                out.push(r);
            }
            accounts.push(AccountEvidence {
                account_id: acct,
                name: None,
                caller_identity: None,
                regions: out,
            });
        }
        let evidence = Evidence {
            meta: SnapshotMeta {
                collected_at: "2026-11-20T09:00:00Z".parse().unwrap(),
                source: "generated".to_owned(),
                ..SnapshotMeta::default()
            },
            accounts,
        };
        let inventory = trailgraph_model::build_inventory(&evidence);
        eprintln!("generated inventory: {} nodes", inventory.node_count());
        (catalog, inventory)
    })
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn newest_benchmark_million_nodes(bencher: divan::Bencher) {
    let (catalog, inventory) = generated();
    bencher.bench(|| {
        let report = run(catalog, inventory, &RunOptions::default()).unwrap();
        divan::black_box(report.summary)
    });
}
