//! `Searcher` (shared caches, remembered walks), `evaluate_from`, `Searcher::matches` and the
//! id index give the same answers as a plain `evaluate`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use trailgraph_model::{Inventory, NodeId};
use trailgraph_query::{Context, EvalOptions, Searcher, evaluate, evaluate_from, lower, parse};

const QUERIES: &[&str] = &[
    "is(aws_account)",
    "is(aws_account) with(any, -[2]-> is(aws_cloud_trail))",
    "is(aws_account) with(empty, -[2]-> is(aws_cloud_trail) and trail_is_multi_region_trail == true)",
    "is(aws_account) with(count >= 2, -[1:2]-> is(aws_cloud_trail, aws_sns_topic))",
    "is(aws_cloudwatch_alarm) with(any, <-[0:]- is(aws_account))",
    "is(aws_cloud_trail) with(any, --> is(aws_cloudwatch_log_group) with(any, --> is(aws_cloudwatch_metric_filter)))",
    "is(aws_cloudwatch_metric_filter) and filter_pattern covers \"{ $.eventName = ConsoleLogin }\"",
    "all with(any, <-[2]-> all)",
    "is(aws_region) -[1:2]-> is(aws_cloudwatch_alarm)",
    "is(aws_cloudwatch_alarm) and cloudwatch_actions_enabled == true",
];

fn plan(query: &str, context: &Context) -> trailgraph_query::Plan {
    lower(&parse(query).unwrap(), context).unwrap()
}

fn sorted(mut nodes: Vec<NodeId>) -> Vec<NodeId> {
    nodes.sort();
    nodes
}

fn check_inventory(inventory: &Inventory, context: &Context) {
    let plain_options = EvalOptions::default();
    let remembering = Searcher::new(inventory).remembering_walks();
    let shared = Searcher::new(inventory);
    for query in QUERIES {
        let plan = plan(query, context);
        let expected = evaluate(&plan, inventory, plain_options).nodes;
        // Twice: the second run replays remembered walks and cached comparisons.
        for round in 0..2 {
            assert_eq!(
                remembering.evaluate(&plan, plain_options).nodes,
                expected,
                "{query} (remembering, round {round})"
            );
            assert_eq!(
                shared.evaluate(&plan, plain_options).nodes,
                expected,
                "{query} (shared, round {round})"
            );
        }
        let all: Vec<NodeId> = inventory.node_ids().collect();
        let from_all = evaluate_from(&plan, inventory, &all, plain_options).nodes;
        if plan.parts.len() == 1 {
            assert_eq!(from_all, expected, "{query} (from every node)");
            for &n in &all {
                assert_eq!(
                    remembering.matches(&plan, n),
                    expected.contains(&n),
                    "{query}: matches({n:?})"
                );
            }
        }
        let some: Vec<NodeId> = all.iter().copied().step_by(3).collect();
        let from_some = sorted(evaluate_from(&plan, inventory, &some, plain_options).nodes);
        if plan.parts.len() == 1 {
            let want: Vec<NodeId> = sorted(
                expected
                    .iter()
                    .copied()
                    .filter(|n| some.contains(n))
                    .collect(),
            );
            assert_eq!(from_some, want, "{query} (from every third node)");
        }
    }
}

#[test]
fn searcher_agrees_with_evaluate_on_the_fixture() {
    let (inventory, context) = common::fixture();
    check_inventory(&inventory, &context);
}

#[test]
fn searcher_agrees_with_evaluate_on_a_generated_inventory() {
    let inventory = trailgraph_model::generate::generate_inventory(3, 2);
    check_inventory(&inventory, &Context::now());
}

#[test]
fn id_reads_the_index_in_scan_order() {
    let inventory = trailgraph_model::generate::generate_inventory(2, 2);
    let mut ids: Vec<String> = inventory
        .node_ids()
        .step_by(7)
        .map(|n| inventory.node(n).unwrap().id.to_string())
        .collect();
    ids.reverse();
    let list = ids
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let context = Context::now();
    for query in [
        format!("id([{list}])"),
        format!("id([{list}]) and name != \"\""),
    ] {
        let plan = plan(&query, &context);
        let unordered = evaluate(&plan, &inventory, EvalOptions { ordered: false });
        assert_eq!(unordered.stats.parts[0].source, "id index");
        let mut expected: Vec<NodeId> = ids.iter().filter_map(|i| inventory.find(i)).collect();
        expected.sort();
        assert_eq!(unordered.nodes, expected, "{query}");
        // The ordered result is the same set, sorted as any search.
        assert_eq!(
            sorted(evaluate(&plan, &inventory, EvalOptions::default()).nodes),
            expected
        );
    }
}

/// Comparisons of one property over nodes read from a binary snapshot, whose properties are
/// still encoded (read from the record alone), give the answers they give over the inventory in
/// memory: equality, order, regular expressions, `in`, nested paths, absent properties.
#[test]
fn comparisons_over_encoded_properties_agree_with_decoded_ones() {
    let inventory = trailgraph_model::generate::generate_inventory(3, 2);
    let mut bytes = Vec::new();
    trailgraph_model::binary::write_binary(&inventory, &mut bytes).unwrap();
    let context = Context::now();
    let ids = |inv: &Inventory, nodes: Vec<NodeId>| -> Vec<String> {
        let mut ids: Vec<String> = nodes
            .into_iter()
            .map(|n| inv.node(n).unwrap().id.to_string())
            .collect();
        ids.sort();
        ids
    };
    let queries = [
        "is(aws_cloudwatch_alarm) and cloudwatch_namespace == CISBenchmark and cloudwatch_actions_enabled == true",
        "is(aws_cloudwatch_alarm) and cloudwatch_namespace != App",
        "is(aws_cloudwatch_alarm) and cloudwatch_threshold >= 1",
        "is(aws_cloudwatch_alarm) and cloudwatch_metric_name =~ \"^Errors[0-3]$\"",
        "is(aws_cloudwatch_alarm) and cloudwatch_namespace in [App, Regional]",
        "is(aws_cloud_trail) and trail_is_multi_region_trail == true",
        "is(aws_cloud_trail) and trail_status.is_logging == false",
        "is(aws_cloud_trail) and trail_kms_key_id == null",
        "is(aws_cloudwatch_log_group) and no_such_property == null",
        "is(aws_cloudwatch_log_group) and retention_days > 30",
        "is(aws_sns_subscription) and subscription_endpoint ~ example",
        "name == main",
    ];
    let mut found_some = 0;
    for query in queries {
        let plan = plan(query, &context);
        let expected = ids(
            &inventory,
            evaluate(&plan, &inventory, EvalOptions::default()).nodes,
        );
        // A fresh read for each query, so that nothing was decoded before it.
        let read =
            trailgraph_model::snapshot::read_from_bytes(&bytes, std::path::Path::new("g")).unwrap();
        let got = ids(&read, evaluate(&plan, &read, EvalOptions::default()).nodes);
        assert_eq!(got, expected, "{query}");
        found_some += usize::from(!expected.is_empty());
    }
    assert!(found_some >= 8, "only {found_some} queries found anything");
    // Unordered (no sorting by name), such a search decodes none of the nodes it compares.
    let read =
        trailgraph_model::snapshot::read_from_bytes(&bytes, std::path::Path::new("g")).unwrap();
    let plan = plan(queries[0], &context);
    let found = evaluate(&plan, &read, EvalOptions { ordered: false }).nodes;
    assert!(!found.is_empty());
    assert!(read.nodes().all(|(_, n)| !n.reported.is_decoded()));
}
