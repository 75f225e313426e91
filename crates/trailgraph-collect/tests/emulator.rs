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
    assert_eq!(evidence.meta.accounts, [ACCOUNT_B, ACCOUNT_A]);
    assert_eq!(evidence.meta.regions, ["eu-west-1", "us-east-1"]);

    let a_east = region(&evidence, ACCOUNT_A, "us-east-1");
    let a_west = region(&evidence, ACCOUNT_A, "eu-west-1");
    println!("{}", serde_json::to_string_pretty(&evidence).unwrap());
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
    let _: Value = json!(null);
}
