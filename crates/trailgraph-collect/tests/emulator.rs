//! The collector against a real moto server behind `scripts/emulator/proxy.py`.
//!
//! Fixture (see `support::seed_standard`): account A (123456789012, static credentials) and
//! account B (111122223333, reached by AssumeRole), regions us-east-1 and eu-west-1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::names::*;
use support::*;
use trailgraph_collect::{NoProgress, collect_from};

fn region<'a>(
    evidence: &'a trailgraph_collect::Evidence,
    account: &str,
    region: &str,
) -> &'a trailgraph_collect::RegionEvidence {
    evidence
        .accounts
        .iter()
        .find(|a| a.account_id == account)
        .unwrap_or_else(|| panic!("account {account} missing"))
        .regions
        .iter()
        .find(|r| r.region == region)
        .unwrap_or_else(|| panic!("region {region} missing"))
}

fn trail_names(region: &trailgraph_collect::RegionEvidence) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = region.describe_trails.as_ref().unwrap()["trailList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["Name"].as_str().unwrap().to_owned(),
                t["HomeRegion"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collects_two_accounts_and_two_regions_as_cli_json() {
    let Some(emulator) = Emulator::start("collects_two_accounts_and_two_regions_as_cli_json")
    else {
        return;
    };
    seed_standard(&emulator).await;
    emulator.configure(json!({"pending_endpoints": [PENDING_EMAIL]}));
    let options = test_options(&emulator);
    let evidence = collect_from(sources(&emulator).await, &options, &NoProgress)
        .await
        .unwrap();
    assert!(
        evidence.meta.errors.is_empty(),
        "{:#?}",
        evidence.meta.errors
    );
    // What the collector writes always has the shape the builder checks.
    assert_eq!(trailgraph_model::evidence::validate(&evidence), []);
    assert_eq!(evidence.meta.accounts, [ACCOUNT_B, ACCOUNT_A]);
    assert_eq!(evidence.meta.regions, ["eu-west-1", "us-east-1"]);

    let a_east = region(&evidence, ACCOUNT_A, "us-east-1");
    let a_west = region(&evidence, ACCOUNT_A, "eu-west-1");
    assert_eq!(trail_names(a_east), [("main".into(), "us-east-1".into())]);
    // The multi-region trail shows as a shadow in eu-west-1; details are read in its home only.
    assert_eq!(
        trail_names(a_west),
        [
            ("main".into(), "us-east-1".into()),
            ("regional".into(), "eu-west-1".into())
        ]
    );
    assert_eq!(a_east.trail_status.keys().collect::<Vec<_>>(), [TRAIL_MAIN]);
    assert_eq!(
        a_west.trail_status.keys().collect::<Vec<_>>(),
        [TRAIL_REGIONAL]
    );
    assert_eq!(a_east.trail_status[TRAIL_MAIN]["IsLogging"], json!(true));
    assert_eq!(
        a_west.trail_status[TRAIL_REGIONAL]["IsLogging"],
        json!(false)
    );
    assert_eq!(
        a_east.event_selectors[TRAIL_MAIN]["EventSelectors"][0],
        json!({"ReadWriteType": "All", "IncludeManagementEvents": true})
    );
    assert_eq!(
        a_west.event_selectors[TRAIL_REGIONAL]["AdvancedEventSelectors"][0]["FieldSelectors"][0],
        json!({"Field": "eventCategory", "Equals": ["Management"]})
    );
    assert_eq!(
        a_east.trail_tags[TRAIL_MAIN]["ResourceTagList"][0]["TagsList"],
        json!([{"Key": "owner", "Value": "security"}])
    );
    // Same-named log groups in both regions, each with its own ARN.
    for (r, name) in [(a_east, "us-east-1"), (a_west, "eu-west-1")] {
        let groups = r.log_groups.as_ref().unwrap()["logGroups"]
            .as_array()
            .unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0]["logGroupName"], json!(LOG_GROUP));
        assert_eq!(
            groups[0]["arn"],
            json!(format!(
                "arn:aws:logs:{name}:{ACCOUNT_A}:log-group:{LOG_GROUP}:*"
            ))
        );
        assert!(groups[0]["creationTime"].is_i64());
    }
    let alarms = a_east.alarms.as_ref().unwrap();
    let math = alarms["MetricAlarms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["AlarmName"] == json!("unauthorized-math"))
        .unwrap();
    assert_eq!(math["Metrics"][1]["Expression"], json!("m1 * 1"));
    assert_eq!(
        math["Metrics"][0]["MetricStat"]["Metric"]["MetricName"],
        json!("UnauthorizedAPICalls")
    );
    assert_eq!(alarms["CompositeAlarms"], json!([]));
    let subs = a_east.subscriptions.as_ref().unwrap()["Subscriptions"]
        .as_array()
        .unwrap();
    assert_eq!(subs[0]["SubscriptionArn"], json!("PendingConfirmation"));
    assert!(a_east.topic_attributes.contains_key("alerts"));
    let b_east = region(&evidence, ACCOUNT_B, "us-east-1");
    let b_west = region(&evidence, ACCOUNT_B, "eu-west-1");
    let org = &b_east.describe_trails.as_ref().unwrap()["trailList"][0];
    assert_eq!(org["IsOrganizationTrail"], json!(true));
    assert_eq!(trail_names(b_west), [("org".into(), "us-east-1".into())]);
    assert!(b_west.trail_status.is_empty());
}

/// Ids of the successors of node `from` that are of `kind`, sorted.
fn successors_of(
    inventory: &trailgraph_model::Inventory,
    from: &str,
    kind: trailgraph_model::Kind,
) -> Vec<String> {
    let index = inventory
        .find(from)
        .unwrap_or_else(|| panic!("no node {from}"));
    let mut out: Vec<String> = inventory
        .successors(index)
        .filter_map(|n| inventory.node(n))
        .filter(|n| n.kind == kind)
        .map(|n| n.id.to_string())
        .collect();
    out.sort();
    out
}

/// Every node (id, kind, properties) and edge (from id, to id, type) as sorted text, so two
/// inventories can be compared without their provenance.
fn inventory_text(inventory: &trailgraph_model::Inventory) -> Vec<String> {
    let mut out: Vec<String> = inventory
        .nodes()
        .map(|(_, n)| format!("node {} {:?} {:?}", n.id, n.kind, n.reported))
        .collect();
    out.extend(inventory.edges().map(|(from, to, edge)| {
        let id = |i| {
            inventory
                .node(i)
                .map(|n| n.id.to_string())
                .unwrap_or_default()
        };
        format!("edge {} -> {} {edge:?}", id(from), id(to))
    }));
    out.sort();
    out
}

async fn seeded_baseline(test: &str) -> Option<(Emulator, trailgraph_collect::Evidence)> {
    let emulator = Emulator::start(test)?;
    seed_standard(&emulator).await;
    emulator.configure(json!({"pending_endpoints": [PENDING_EMAIL]}));
    let evidence = collect_from(
        sources(&emulator).await,
        &test_options(&emulator),
        &NoProgress,
    )
    .await
    .unwrap();
    assert!(
        evidence.meta.errors.is_empty(),
        "{:#?}",
        evidence.meta.errors
    );
    assert_eq!(trailgraph_model::evidence::validate(&evidence), []);
    Some((emulator, evidence))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_links_every_resource_by_exact_identity() {
    use trailgraph_model::Kind;
    let Some((_emulator, evidence)) =
        seeded_baseline("inventory_links_every_resource_by_exact_identity").await
    else {
        return;
    };
    let inventory = trailgraph_model::build_inventory(&evidence);
    let a = ACCOUNT_A;
    let main = format!("arn:aws:cloudtrail:us-east-1:{a}:trail/main");
    let regional = format!("arn:aws:cloudtrail:eu-west-1:{a}:trail/regional");
    let org = format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT_B}:trail/org");
    let east_group = format!("arn:aws:logs:us-east-1:{a}:log-group:{LOG_GROUP}");
    let west_group = format!("arn:aws:logs:eu-west-1:{a}:log-group:{LOG_GROUP}");
    // One node per trail, even though shadows are listed in both regions.
    assert_eq!(inventory.count_of_kind(Kind::AwsCloudTrail), 3);
    assert!(inventory.find(&org).is_some());
    // Same-named log groups in two regions: each trail links to its own only.
    assert_eq!(
        successors_of(&inventory, &main, Kind::AwsCloudwatchLogGroup),
        vec![east_group.clone()]
    );
    assert_eq!(
        successors_of(&inventory, &regional, Kind::AwsCloudwatchLogGroup),
        vec![west_group.clone()]
    );
    assert_eq!(
        successors_of(
            &inventory,
            &format!("arn:aws:cloudtrail:us-east-1:{ACCOUNT_B}:trail/org"),
            Kind::AwsCloudwatchLogGroup
        ),
        [format!(
            "arn:aws:logs:us-east-1:{ACCOUNT_B}:log-group:{LOG_GROUP}"
        )]
    );
    let root_filter = format!("{east_group}:metric-filter:root-usage");
    let unauthorized_filter = format!("{east_group}:metric-filter:unauthorized-api");
    assert_eq!(
        successors_of(&inventory, &east_group, Kind::AwsCloudwatchMetricFilter),
        [root_filter.clone(), unauthorized_filter.clone()]
    );
    // Plain alarm, and a metric-math alarm whose query uses the filter's metric.
    assert_eq!(
        successors_of(&inventory, &root_filter, Kind::AwsCloudwatchAlarm),
        [format!("arn:aws:cloudwatch:us-east-1:{a}:alarm:root-usage")]
    );
    assert_eq!(
        successors_of(&inventory, &unauthorized_filter, Kind::AwsCloudwatchAlarm),
        [format!(
            "arn:aws:cloudwatch:us-east-1:{a}:alarm:unauthorized-math"
        )]
    );
    // The eu-west-1 filter of the same name links to no alarm (none in eu-west-1).
    assert!(
        successors_of(
            &inventory,
            &format!("{west_group}:metric-filter:root-usage"),
            Kind::AwsCloudwatchAlarm
        )
        .is_empty()
    );
    // An alarm in us-east-1 notifies a topic in eu-west-1.
    let alerts_eu = format!("arn:aws:sns:eu-west-1:{a}:alerts-eu");
    assert_eq!(
        successors_of(
            &inventory,
            &format!("arn:aws:cloudwatch:us-east-1:{a}:alarm:root-usage"),
            Kind::AwsSnsTopic
        ),
        vec![alerts_eu.clone()]
    );
    assert_eq!(
        successors_of(
            &inventory,
            &format!("arn:aws:cloudwatch:us-east-1:{a}:alarm:unauthorized-math"),
            Kind::AwsSnsTopic
        ),
        [format!("arn:aws:sns:us-east-1:{a}:alerts")]
    );
    // Topic → subscriptions, the pending one included.
    let pending = successors_of(
        &inventory,
        &format!("arn:aws:sns:us-east-1:{a}:alerts"),
        Kind::AwsSnsSubscription,
    );
    assert_eq!(pending.len(), 1);
    assert!(pending[0].contains("pendingconfirmation"), "{pending:?}");
    let hooks = successors_of(&inventory, &alerts_eu, Kind::AwsSnsSubscription);
    assert_eq!(hooks.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_endpoints_with_tokens_are_redacted() {
    let Some((_emulator, evidence)) =
        seeded_baseline("subscription_endpoints_with_tokens_are_redacted").await
    else {
        return;
    };
    let inventory = trailgraph_model::build_inventory(&evidence);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshot.json");
    trailgraph_model::write_snapshot(&inventory, &path).unwrap();
    // Strings are stored as plain UTF-8 in either snapshot form, so a byte search finds them.
    let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
    assert!(
        text.contains("https://hooks.example.com"),
        "scheme and host are kept"
    );
    assert!(!text.contains("SECRETTOKEN"), "the path is redacted");
    assert!(!text.contains("abc123"), "the query is redacted");
    assert!(!text.contains("test-secret"), "no credential is written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_of_exported_evidence_gives_the_same_inventory() {
    let Some((_emulator, collected)) =
        seeded_baseline("import_of_exported_evidence_gives_the_same_inventory").await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    trailgraph_collect::export_aws_cli(&collected, dir.path()).unwrap();
    assert!(
        dir.path()
            .join(ACCOUNT_A)
            .join("us-east-1/cloudtrail-get-trail-status--main.json")
            .is_file()
    );
    let imported = trailgraph_collect::import_aws_cli(dir.path()).unwrap();
    assert!(
        imported.meta.errors.is_empty(),
        "{:#?}",
        imported.meta.errors
    );
    // How the collector reached an account is not part of the AWS CLI layout.
    let mut comparable = collected.clone();
    for account in &mut comparable.accounts {
        account.collected_with = None;
    }
    assert_eq!(imported.accounts, comparable.accounts);
    assert_eq!(imported.meta.regions, collected.meta.regions);
    assert_eq!(imported.meta.accounts, collected.meta.accounts);
    assert_eq!(
        inventory_text(&trailgraph_model::build_inventory(&imported)),
        inventory_text(&trailgraph_model::build_inventory(&comparable))
    );
    // Remove one per-trail file: the import says "not collected", never "empty".
    std::fs::remove_file(
        dir.path()
            .join(ACCOUNT_A)
            .join("eu-west-1/cloudtrail-get-event-selectors--regional.json"),
    )
    .unwrap();
    let partial = trailgraph_collect::import_aws_cli(dir.path()).unwrap();
    assert_eq!(partial.meta.errors.len(), 1);
    let error = &partial.meta.errors[0];
    assert_eq!(
        (error.operation.as_str(), error.code.as_str()),
        ("GetEventSelectors", "NotCollected")
    );
    assert_eq!(trailgraph_collect::exit_code(&partial), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_goes_to_the_end_with_forced_small_pages() {
    let Some(emulator) = Emulator::start("paging_goes_to_the_end_with_forced_small_pages") else {
        return;
    };
    seed_standard(&emulator).await;
    let east = in_region(&emulator.config_a().await, "us-east-1");
    for i in 0..5 {
        put_filter(
            &east,
            LOG_GROUP,
            &format!("extra-{i}"),
            &format!("Extra{i}"),
        )
        .await;
        put_alarm(
            &east,
            &format!("extra-{i}"),
            &format!("Extra{i}"),
            "arn:aws:sns:us-east-1:123456789012:alerts",
        )
        .await;
        create_log_group(&east, &format!("extra-group-{i}")).await;
    }
    let options = test_options(&emulator);
    let unpaged = collect_from(sources(&emulator).await, &options, &NoProgress)
        .await
        .unwrap();
    assert_eq!(
        region(&unpaged, ACCOUNT_A, "us-east-1")
            .metric_filters
            .as_ref()
            .unwrap()["metricFilters"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    emulator.configure(json!({"page_sizes": {
        "logs.DescribeMetricFilters": 2,
        "logs.DescribeLogGroups": 2,
        "monitoring.DescribeAlarms": 2,
    }}));
    emulator.reset_operations();
    let paged = collect_from(sources(&emulator).await, &options, &NoProgress)
        .await
        .unwrap();
    assert_same(&stable(&paged), &stable(&unpaged));
    let count = |op: &str| {
        emulator
            .operations()
            .into_iter()
            .find(|(_, o, _)| o == op)
            .map(|(_, _, c)| c)
            .unwrap_or(0)
    };
    // 4 (account, region) pairs; account A us-east-1 needs 4 pages of filters (7 items) and
    // 4 pages of alarms (7 items), so more calls than pairs were made.
    assert!(
        count("DescribeMetricFilters") >= 4 + 3,
        "{:?}",
        emulator.operations()
    );
    assert!(
        count("DescribeAlarms") >= 4 + 3,
        "{:?}",
        emulator.operations()
    );
    assert!(
        count("DescribeLogGroups") >= 4 + 2,
        "{:?}",
        emulator.operations()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_are_retried_to_the_fault_free_evidence() {
    let Some((emulator, baseline)) =
        seeded_baseline("transient_faults_are_retried_to_the_fault_free_evidence").await
    else {
        return;
    };
    emulator.configure(json!({
        "pending_endpoints": [PENDING_EMAIL],
        "faults": {"seed": 7, "rate": 0.3, "kinds": ["throttle", "500", "drop", "delay"], "delay_ms": 30},
    }));
    emulator.reset_operations();
    let mut options = test_options(&emulator);
    options.max_attempts = 12;
    let faulty = collect_from(sources(&emulator).await, &options, &NoProgress)
        .await
        .unwrap();
    assert_same(&stable(&faulty), &stable(&baseline));
    // Faults did happen: more requests than the fault-free run needs.
    let total: u64 = emulator.operations().iter().map(|(_, _, c)| c).sum();
    assert!(total > 50, "{:?}", emulator.operations());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_retries_and_final_errors_are_recorded_exactly() {
    let Some((emulator, baseline)) =
        seeded_baseline("exhausted_retries_and_final_errors_are_recorded_exactly").await
    else {
        return;
    };
    emulator.configure(json!({
        "pending_endpoints": [PENDING_EMAIL],
        "rules": [
            {"service": "monitoring", "operation": "DescribeAlarms", "region": "eu-west-1",
             "code": "ThrottlingException", "status": 400},
            {"service": "logs", "operation": "DescribeMetricFilters", "region": "us-east-1",
             "code": "AccessDeniedException", "status": 400},
            {"service": "sns", "operation": "GetTopicAttributes", "region": "us-east-1",
             "code": "AuthorizationError", "status": 403},
        ],
    }));
    emulator.reset_operations();
    let mut options = test_options(&emulator);
    options.max_attempts = 3;
    let partial = collect_from(sources(&emulator).await, &options, &NoProgress)
        .await
        .unwrap();
    let errors: Vec<(String, String, String, String, Option<String>, String)> = partial
        .meta
        .errors
        .iter()
        .map(|e| {
            (
                e.account.clone(),
                e.region.clone().unwrap_or_default(),
                e.service.clone(),
                e.operation.clone(),
                e.resource.clone(),
                e.code.clone(),
            )
        })
        .collect();
    let e = |acct: &str, region: &str, service: &str, op: &str, res: Option<String>, code: &str| {
        (
            acct.to_owned(),
            region.to_owned(),
            service.to_owned(),
            op.to_owned(),
            res,
            code.to_owned(),
        )
    };
    assert_eq!(
        errors,
        [
            e(
                ACCOUNT_B,
                "eu-west-1",
                "cloudwatch",
                "DescribeAlarms",
                None,
                "ThrottlingException"
            ),
            e(
                ACCOUNT_B,
                "us-east-1",
                "logs",
                "DescribeMetricFilters",
                None,
                "AccessDeniedException"
            ),
            e(
                ACCOUNT_B,
                "us-east-1",
                "sns",
                "GetTopicAttributes",
                Some(format!("arn:aws:sns:us-east-1:{ACCOUNT_B}:org-alerts")),
                "AuthorizationError"
            ),
            e(
                ACCOUNT_A,
                "eu-west-1",
                "cloudwatch",
                "DescribeAlarms",
                None,
                "ThrottlingException"
            ),
            e(
                ACCOUNT_A,
                "us-east-1",
                "logs",
                "DescribeMetricFilters",
                None,
                "AccessDeniedException"
            ),
            e(
                ACCOUNT_A,
                "us-east-1",
                "sns",
                "GetTopicAttributes",
                Some(format!("arn:aws:sns:us-east-1:{ACCOUNT_A}:alerts")),
                "AuthorizationError"
            ),
        ]
    );
    assert_eq!(trailgraph_collect::exit_code(&partial), 3);
    // Throttling was retried up to the limit; AccessDenied was not retried.
    let count = |op: &str| {
        emulator
            .operations()
            .into_iter()
            .find(|(_, o, _)| o == op)
            .map(|(_, _, c)| c)
            .unwrap_or(0)
    };
    assert_eq!(count("DescribeAlarms"), 2 * 3 + 2);
    assert_eq!(count("DescribeMetricFilters"), 2 + 2);
    // Everything else is exactly the fault-free evidence: nothing silently missing.
    let mut expected = baseline.clone();
    for account in &mut expected.accounts {
        for region in &mut account.regions {
            match region.region.as_str() {
                "eu-west-1" => region.alarms = None,
                _ => {
                    region.metric_filters = None;
                    region.topic_attributes.clear();
                }
            }
        }
    }
    expected.meta.errors = partial.meta.errors.clone();
    assert_same(&stable(&partial), &stable(&expected));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collector_calls_only_what_the_iam_policy_allows() {
    let Some(emulator) = Emulator::start("collector_calls_only_what_the_iam_policy_allows") else {
        return;
    };
    seed_standard(&emulator).await;
    emulator.reset_operations();
    let evidence = collect_from(
        sources(&emulator).await,
        &test_options(&emulator),
        &NoProgress,
    )
    .await
    .unwrap();
    assert!(evidence.meta.errors.is_empty());
    let policy: Value = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/iam-policy.json"),
        )
        .unwrap(),
    )
    .unwrap();
    // Organisation discovery is its own statement (management account only), checked by the
    // organisation test.
    let mut allowed: Vec<String> = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Sid"] != "TrailgraphOrganizationDiscovery")
        .flat_map(|s| s["Action"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_owned())
        .collect();
    allowed.sort();
    // The proxy records the SigV4 signing name; CloudWatch signs as `monitoring`.
    let mut called: Vec<String> = emulator
        .operations()
        .into_iter()
        .map(|(service, op, _)| {
            let prefix = if service == "monitoring" {
                "cloudwatch".to_owned()
            } else {
                service
            };
            format!("{prefix}:{op}")
        })
        .collect();
    called.sort();
    for action in &called {
        assert!(
            allowed.contains(action),
            "{action} is called but not in docs/iam-policy.json"
        );
    }
    // And the policy is minimal: every action in it is used.
    assert_eq!(called, allowed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opt_in_region_that_is_not_enabled_is_skipped_and_noted() {
    let Some(emulator) = Emulator::start("opt_in_region_that_is_not_enabled_is_skipped_and_noted")
    else {
        return;
    };
    seed_standard(&emulator).await;
    // Real AWS answers calls into a region the account has not opted in to like this.
    emulator.configure(json!({"rules": [
        {"region": "af-south-1", "code": "UnrecognizedClientException",
         "message": "The security token included in the request is invalid.", "status": 400},
    ]}));
    let mut options = test_options(&emulator);
    options.regions = "us-east-1,af-south-1".parse().unwrap();
    let evidence = collect_from(
        vec![trailgraph_collect::Source {
            label: "a".into(),
            config: emulator.config_a().await,
            member: None,
        }],
        &options,
        &NoProgress,
    )
    .await
    .unwrap();
    assert!(
        evidence.meta.errors.is_empty(),
        "{:#?}",
        evidence.meta.errors
    );
    assert_eq!(evidence.meta.regions, ["us-east-1"]);
    assert_eq!(evidence.meta.notes.len(), 1);
    assert!(
        evidence.meta.notes[0].contains("af-south-1"),
        "{:?}",
        evidence.meta.notes
    );
    assert_eq!(trailgraph_collect::exit_code(&evidence), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_process_output_is_not_copied_into_errors() {
    let Some(emulator) =
        support::Emulator::start("credential_process_output_is_not_copied_into_errors")
    else {
        return;
    };
    // A credential process that fails and prints a token on stderr, and one that prints a
    // secret that is not credentials JSON on stdout.
    let failing = "echo 'token=AKIASECRETSTDERR0001 sessionsecret' >&2; exit 3";
    let garbage = "echo 'not json AKIASECRETSTDOUT0002'";
    for (command, expected) in [(failing, "exited with"), (garbage, "not credentials JSON")] {
        let provider =
            aws_config::credential_process::CredentialProcessProvider::new(command.to_owned());
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(emulator.endpoint())
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(provider),
            )
            .load()
            .await;
        let sources = vec![trailgraph_collect::Source {
            label: "profile:leaky".into(),
            config,
            member: None,
        }];
        let mut options = support::test_options(&emulator);
        options.max_attempts = 1;
        let evidence =
            trailgraph_collect::collect_from(sources, &options, &trailgraph_collect::NoProgress)
                .await
                .unwrap();
        assert!(!evidence.meta.errors.is_empty(), "the failure is recorded");
        let text = serde_json::to_string(&evidence.meta.errors).unwrap();
        assert!(!text.contains("AKIASECRET"), "{text}");
        assert!(!text.contains("sessionsecret"), "{text}");
        assert!(text.contains("credential_process"), "{text}");
        assert!(text.contains(expected), "{text}");
    }
}
