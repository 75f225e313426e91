//! Traced evaluation agrees with the evaluator: for every node and query, the trace's `matched`
//! is what `Searcher::matches` says, every level's `holds` is the evaluator's, and the conditions
//! a trace marks as failed are the ones that fail.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use trailgraph_model::{Inventory, NodeId};
use trailgraph_query::trace::{LevelTrace, NodeTrace};
use trailgraph_query::{Context, Searcher, TraceOptions, TracePlan, lower_traced, parse};

const QUERIES: &[&str] = &[
    "is(aws_account)",
    "is(aws_account) with(any, -[2]-> is(aws_cloud_trail))",
    "is(aws_account) with(empty, -[2]-> is(aws_cloud_trail) and trail_is_multi_region_trail == true)",
    "is(aws_account) with(count >= 2, -[1:2]-> is(aws_cloud_trail, aws_sns_topic))",
    "is(aws_account) with(count == 0, -[2]-> is(aws_cloud_trail) and trail_status.is_logging == false)",
    "is(aws_cloudwatch_alarm) with(any, <-[0:]- is(aws_account))",
    "is(aws_cloud_trail) with(any, --> is(aws_cloudwatch_log_group) with(any, --> is(aws_cloudwatch_metric_filter)))",
    "is(aws_cloud_trail) with(any, -{all}-> is(aws_cloudwatch_log_group))",
    "is(aws_cloud_trail) with(any, -{weight > 3}-> is(aws_cloudwatch_log_group))",
    "is(aws_account) with(any, -[2]-> is(aws_cloud_trail) and trail_is_multi_region_trail == true and trail_status.is_logging == true with(any, --> is(aws_cloudwatch_log_group) with(any, --> is(aws_cloudwatch_metric_filter) and filter_pattern covers \"{ $.eventName = ConsoleLogin }\" with(any, --> is(aws_cloudwatch_alarm) and cloudwatch_actions_enabled == true with(any, --> is(aws_sns_topic) with(any, --> is(aws_sns_subscription) and subscription_confirmed == true))))))",
    "is(aws_account) with(any, -[2]-> is(aws_cloud_trail) and (trail_is_multi_region_trail == true or trail_status.is_logging == true))",
    "is(aws_cloudwatch_log_group) with(empty, --> is(aws_cloudwatch_metric_filter) and filter_pattern covers \"{ $.eventName = ConsoleLogin }\")",
    "all with(any, <-[2]-> all)",
];

fn traced(query: &str, context: &Context) -> TracePlan {
    lower_traced(&parse(query).unwrap(), context).unwrap()
}

/// Every level of a full trace says what the evaluator says.
fn agrees(searcher: &Searcher<'_>, plan: &TracePlan, trace: &NodeTrace, query: &str) {
    assert_eq!(
        trace.conditions.len(),
        plan.levels[trace.level].conditions.len(),
        "{query}"
    );
    if trace.meets {
        assert!(trace.conditions.iter().all(|c| c.holds), "{query}");
    }
    if let Some(level) = &trace.next {
        level_agrees(searcher, plan, level, query);
        assert_eq!(trace.matched, trace.meets && level.holds, "{query}");
    }
}

fn level_agrees(searcher: &Searcher<'_>, plan: &TracePlan, level: &LevelTrace, query: &str) {
    let count = plan.levels[level.level].count.unwrap();
    if level.omitted == 0 {
        assert_eq!(count.accepts(level.matching), level.holds, "{query}");
    }
    for c in &level.candidates {
        agrees(searcher, plan, c, query);
    }
}

fn check(inventory: &Inventory, context: &Context) {
    let searcher = Searcher::new(inventory);
    let full = TraceOptions {
        witness_only: false,
        below_unmet: true,
        ..TraceOptions::default()
    };
    for query in QUERIES {
        let plan = traced(query, context);
        let nodes: Vec<NodeId> = inventory.node_ids().collect();
        for node in nodes {
            let expected = searcher.matches(&plan.plan, node);
            for options in [TraceOptions::default(), full] {
                let trace = searcher.trace(&plan, node, &options);
                assert_eq!(trace.matched, expected, "{query} at {node:?} ({options:?})");
                if options == full {
                    agrees(&searcher, &plan, &trace, query);
                }
            }
        }
    }
}

#[test]
fn traces_agree_with_the_evaluator_on_the_fixture() {
    let (inventory, context) = common::fixture();
    check(&inventory, &context);
}

#[test]
fn traces_agree_with_the_evaluator_on_the_demo() {
    let inventory = trailgraph_model::demo::demo_inventory();
    let context = Context {
        now: inventory.meta.collected_at,
    };
    check(&inventory, &context);
}

#[test]
fn a_failing_trace_names_the_condition_that_fails_at_the_deepest_level() {
    let inventory = trailgraph_model::demo::demo_inventory();
    let context = Context {
        now: inventory.meta.collected_at,
    };
    let searcher = Searcher::new(&inventory);
    let plan = traced(
        "is(aws_account) with(any, -[2]-> is(aws_cloud_trail) and trail_status.is_logging == true)",
        &context,
    );
    assert_eq!(plan.levels.len(), 2);
    assert_eq!(
        plan.levels[1].conditions[0].text,
        "trail_status.is_logging == true"
    );
    assert_eq!(plan.levels[1].kind_names, ["aws_cloud_trail"]);
    // The sandbox account has a stopped legacy trail beside a logging one: the witness is the
    // logging one; without witnesses both are listed, the stopped one failing its condition.
    let account = inventory.find("333333333333").unwrap();
    let witness = searcher.trace(&plan, account, &TraceOptions::default());
    assert!(witness.matched);
    let level = witness.next.as_ref().unwrap();
    assert_eq!(level.candidates.len(), 1);
    assert_eq!(level.reached, 2);
    let all = searcher.trace(
        &plan,
        account,
        &TraceOptions {
            witness_only: false,
            ..TraceOptions::default()
        },
    );
    let level = all.next.as_ref().unwrap();
    let names: Vec<(&str, bool)> = level
        .candidates
        .iter()
        .map(|c| {
            (
                inventory.node(c.node).unwrap().name(),
                c.conditions[0].holds,
            )
        })
        .collect();
    assert_eq!(names, [("sandbox-legacy", false), ("sandbox-trail", true)]);
}

#[test]
fn a_covers_condition_carries_its_assessment() {
    let inventory = trailgraph_model::demo::demo_inventory();
    let context = Context {
        now: inventory.meta.collected_at,
    };
    let searcher = Searcher::new(&inventory);
    let plan = traced(
        "is(aws_cloudwatch_log_group) with(any, --> is(aws_cloudwatch_metric_filter) and filter_pattern covers \"{ $.eventName = CreateVpc }\")",
        &context,
    );
    let group = inventory
        .node_ids()
        .find(|n| inventory.node(*n).unwrap().name() == "/aws/cloudtrail/sandbox")
        .unwrap();
    let trace = searcher.trace(
        &plan,
        group,
        &TraceOptions {
            witness_only: false,
            ..TraceOptions::default()
        },
    );
    let level = trace.next.unwrap();
    assert_eq!(level.candidates.len(), level.reached);
    let covering: Vec<&str> = level
        .candidates
        .iter()
        .filter(|c| c.conditions[0].covers[0].holds)
        .map(|c| inventory.node(c.node).unwrap().name())
        .collect();
    assert_eq!(covering, ["VPCChanges"]);
    for c in &level.candidates {
        let cov = &c.conditions[0].covers[0];
        // A failing predicate carries the node's pattern, a holding one its assessment.
        assert_eq!(cov.actual.is_some(), !cov.holds);
        assert_eq!(cov.assessment.as_ref().unwrap().counts(), cov.holds);
    }
}

#[test]
fn trace_limits_bound_the_work() {
    let inventory = trailgraph_model::demo::demo_inventory();
    let context = Context {
        now: inventory.meta.collected_at,
    };
    let searcher = Searcher::new(&inventory);
    let plan = traced(
        "all with(any, <-[2]-> all with(any, <-[2]-> all))",
        &context,
    );
    let options = TraceOptions {
        witness_only: false,
        below_unmet: true,
        max_candidates: 3,
        max_nodes: 20,
    };
    for node in inventory.node_ids() {
        let trace = searcher.trace(&plan, node, &options);
        fn count(t: &NodeTrace) -> usize {
            1 + t
                .next
                .as_ref()
                .map_or(0, |l| l.candidates.iter().map(count).sum())
        }
        assert!(count(&trace) <= 21);
        assert_eq!(trace.matched, searcher.matches(&plan.plan, node));
    }
}
