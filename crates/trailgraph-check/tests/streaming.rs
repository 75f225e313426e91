//! The streaming checker (a snapshot read and checked part by part) gives exactly the report of
//! one run over the whole inventory: on the demo, on generated estates, on estates whose
//! accounts refer to each other across parts, with an account filter and with accounts that
//! could not be collected.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::ops::ControlFlow;
use std::path::Path;

use serde_json::{Value as Json, json};
use trailgraph_check::{
    Catalog, Checker, Format, Report, RunOptions, load_catalog, run, write_report,
};
use trailgraph_model::binary::write_binary_in_parts;
use trailgraph_model::generate::generate_evidence;
use trailgraph_model::{
    CollectionError, Evidence, Inventory, build_inventory, demo::demo_evidence, read_snapshot,
    read_snapshot_parts,
};

fn options(accounts: &[&str]) -> RunOptions {
    RunOptions {
        generated_at: Some("2026-11-20T10:00:00Z".parse().unwrap()),
        accounts: accounts.iter().map(|a| (*a).to_owned()).collect(),
        ..RunOptions::default()
    }
}

/// The report in its JSON form (every field a report has).
fn json_of(report: &Report) -> Json {
    let mut out = Vec::new();
    write_report(report, Format::Json, &mut out, false).unwrap();
    serde_json::from_slice(&out).unwrap()
}

/// The report of the streaming checker over `path`, and how many parts it read.
fn streamed(catalog: &Catalog, path: &Path, options: &RunOptions) -> (Report, usize) {
    let mut checker = Checker::new(catalog, options).unwrap();
    let mut parts = 0;
    let mut failure = None;
    let meta = read_snapshot_parts(path, |part| {
        parts += 1;
        match checker.add(&part.inventory, |n| part.owns(n)) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                failure = Some(e);
                ControlFlow::Break(())
            }
        }
    })
    .unwrap();
    assert!(failure.is_none(), "{failure:?}");
    (checker.finish(&meta).unwrap(), parts)
}

/// Writes `inventory` in parts of about `part_nodes` nodes and checks that the streamed report
/// equals the whole run, for every benchmark given and every account filter given. Returns the
/// number of parts.
fn assert_same(
    inventory: &Inventory,
    part_nodes: usize,
    benchmarks: &[Option<&str>],
    filters: &[&[&str]],
) -> usize {
    let catalog = load_catalog(&[]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("estate.tgs");
    let mut bytes = Vec::new();
    write_binary_in_parts(inventory, &mut bytes, part_nodes).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    let whole = read_snapshot(&path).unwrap();
    let mut parts = 0;
    for benchmark in benchmarks {
        for accounts in filters {
            let mut options = options(accounts);
            options.benchmark = benchmark.map(str::to_owned);
            let expected = json_of(&run(&catalog, &whole, &options).unwrap());
            // The inventory as built (before it went through the file) gives the same report.
            assert_eq!(
                json_of(&run(&catalog, inventory, &options).unwrap()),
                expected,
                "in memory and read back differ ({benchmark:?}, {accounts:?})"
            );
            let (report, n) = streamed(&catalog, &path, &options);
            parts = n;
            let got = json_of(&report);
            if got != expected {
                let (g, e) = (
                    serde_json::to_string_pretty(&got).unwrap(),
                    serde_json::to_string_pretty(&expected).unwrap(),
                );
                let first = g
                    .lines()
                    .zip(e.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                panic!(
                    "streamed report differs ({benchmark:?}, {accounts:?}, {n} parts) at line \
                     {first}:\nstreamed: {}\nwhole:    {}",
                    g.lines().nth(first).unwrap_or(""),
                    e.lines().nth(first).unwrap_or("")
                );
            }
        }
    }
    parts
}

#[test]
fn the_demo_streamed_gives_the_whole_report() {
    let demo = trailgraph_model::demo_inventory();
    for part_nodes in [1, 50, 1 << 17] {
        let parts = assert_same(
            &demo,
            part_nodes,
            &[
                None,
                Some("cis_aws_v1_2"),
                Some("cloudtrail_security_events"),
            ],
            &[&[], &["acme-prod"], &["333333333333", "acme-management"]],
        );
        if part_nodes == 1 {
            // The member account refers to the management account's organisation trail, so it
            // comes after it, in a later part: the test does cross parts.
            assert!(parts >= 3, "{parts} parts");
        }
    }
}

#[test]
fn generated_estates_streamed_give_the_whole_report() {
    let inventory = trailgraph_model::generate::generate_inventory(12, 3);
    let parts = assert_same(&inventory, 200, &[None], &[&[], &["100000000003"]]);
    assert!(parts >= 6, "{parts} parts");
    let partly = common::partly_collected();
    assert_same(&partly, 1, &[None, Some("cis_aws_v3_0")], &[&[]]);
}

#[test]
fn the_demo_and_a_generated_estate_together_streamed_give_the_whole_report() {
    let mut evidence = demo_evidence();
    evidence.accounts.extend(generate_evidence(5, 2).accounts);
    let inventory = build_inventory(&evidence);
    assert_same(&inventory, 1, &[None], &[&[], &["acme-sandbox"]]);
}

#[test]
fn accounts_that_refer_to_each_other_streamed_give_the_whole_report() {
    // The sandbox's alarms notify the management account's topic (the sandbox comes after the
    // management account), and the management account's alarms in us-east-1 notify the
    // sandbox's topic, which with the member account's organisation trail makes a cycle: the
    // accounts share a part.
    let mut one_way = demo_evidence();
    notify(
        &mut one_way,
        "333333333333",
        "arn:aws:sns:us-east-1:111111111111:security-alerts",
    );
    let inventory = build_inventory(&one_way);
    let parts = assert_same(&inventory, 1, &[None], &[&[], &["acme-sandbox"]]);
    assert!(parts >= 3, "{parts} parts");

    let mut cycle = one_way.clone();
    let sandbox_topic = topic_arns(&cycle, "333333333333")
        .into_iter()
        .next()
        .expect("the sandbox has a topic");
    notify(&mut cycle, "111111111111", &sandbox_topic);
    let inventory = build_inventory(&cycle);
    assert_same(&inventory, 1, &[None], &[&[], &["acme-management"]]);

    // Lost accounts and failed identities are reported the same way.
    let mut lost = cycle;
    lost.meta.errors.push(CollectionError {
        account: "444444444444".to_owned(),
        region: Some("us-east-1".to_owned()),
        service: "cloudtrail".to_owned(),
        operation: "DescribeTrails".to_owned(),
        resource: None,
        code: "AccessDenied".to_owned(),
        message: "not authorized".to_owned(),
    });
    let inventory = build_inventory(&lost);
    assert_same(&inventory, 1, &[None], &[&[], &["444444444444"]]);
}

#[test]
fn fixes_that_reuse_another_accounts_chain_streamed_give_the_whole_report() {
    // The management account's complete chain sits on a log group that the organisation trail
    // does not deliver to (the trail names a log group that does not exist): the member account
    // fails through the organisation trail, and its fix reuses that complete chain — which the
    // fix finds by walking from the organisation trail to its region and on to the log groups
    // there, none of which the trail leads to. The member's part must hold them too.
    let mut evidence = demo_evidence();
    let mgmt = evidence
        .accounts
        .iter_mut()
        .find(|a| a.account_id == "111111111111")
        .unwrap();
    let use1 = mgmt
        .regions
        .iter_mut()
        .find(|r| r.region == "us-east-1")
        .unwrap();
    let name = "/security/all-events";
    let group = &mut use1.log_groups.as_mut().unwrap()["logGroups"][0];
    group["logGroupName"] = json!(name);
    group["arn"] = json!(format!(
        "arn:aws:logs:us-east-1:111111111111:log-group:{name}:*"
    ));
    group["logGroupArn"] = json!(format!(
        "arn:aws:logs:us-east-1:111111111111:log-group:{name}"
    ));
    for f in use1.metric_filters.as_mut().unwrap()["metricFilters"]
        .as_array_mut()
        .unwrap()
    {
        f["logGroupName"] = json!(name);
    }
    let inventory = build_inventory(&evidence);
    let catalog = load_catalog(&[]).unwrap();
    let whole = json_of(&run(&catalog, &inventory, &options(&["acme-prod"])).unwrap());
    assert!(
        whole.to_string().contains(name),
        "the member's fix names the reused log group"
    );
    assert_same(&inventory, 1, &[None], &[&[], &["acme-prod"]]);
}

#[test]
fn a_stopped_read_reports_only_what_was_read() {
    // The checker does not invent results for parts it never saw: stopping after the first
    // account's part (the cloud's comes before it) leaves the later accounts out of the report.
    let catalog = load_catalog(&[]).unwrap();
    let inventory = trailgraph_model::generate::generate_inventory(4, 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("estate.tgs");
    let mut bytes = Vec::new();
    write_binary_in_parts(&inventory, &mut bytes, 1).unwrap();
    std::fs::write(&path, &bytes).unwrap();
    let options = options(&[]);
    let mut checker = Checker::new(&catalog, &options).unwrap();
    let mut parts = 0;
    let meta = read_snapshot_parts(&path, |part| {
        parts += 1;
        checker.add(&part.inventory, |n| part.owns(n)).unwrap();
        if parts == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(parts, 2);
    let report = checker.finish(&meta).unwrap();
    assert_eq!(report.inventory.accounts, ["100000000000"]);
    assert!(report.results().all(|r| r.account == "100000000000"));
    assert!(report.results().count() > 10);
}

/// Every alarm of `account` notifies `topic` instead of its own.
fn notify(evidence: &mut Evidence, account: &str, topic: &str) {
    for a in evidence
        .accounts
        .iter_mut()
        .filter(|a| a.account_id == account)
    {
        for r in &mut a.regions {
            let Some(alarms) = r
                .alarms
                .as_mut()
                .and_then(|v| v.get_mut("MetricAlarms"))
                .and_then(Json::as_array_mut)
            else {
                continue;
            };
            for alarm in alarms {
                alarm["AlarmActions"] = json!([topic]);
            }
        }
    }
}

fn topic_arns(evidence: &Evidence, account: &str) -> Vec<String> {
    let mut arns = Vec::new();
    for a in evidence.accounts.iter().filter(|a| a.account_id == account) {
        for r in &a.regions {
            if let Some(topics) = r
                .topics
                .as_ref()
                .and_then(|v| v.get("Topics"))
                .and_then(Json::as_array)
            {
                arns.extend(
                    topics
                        .iter()
                        .filter_map(|t| t.get("TopicArn")?.as_str().map(str::to_owned)),
                );
            }
        }
    }
    arns
}
