//! Search benchmarks over a generated inventory.
//!
//! `TRAILGRAPH_BENCH_ACCOUNTS` (default 100) accounts × 17 regions from
//! `trailgraph_model::generate`, about 1,000 nodes per account: `cargo bench -p
//! trailgraph-query` (1,000 accounts is about a million nodes).

use std::sync::LazyLock;
use std::time::Instant;

use trailgraph_model::Inventory;
use trailgraph_query::{Context, run_command_line};

static INVENTORY: LazyLock<Inventory> = LazyLock::new(|| {
    let accounts = std::env::var("TRAILGRAPH_BENCH_ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let start = Instant::now();
    let inventory = trailgraph_model::generate::generate_inventory(accounts, 17);
    eprintln!(
        "generated {accounts} accounts × 17 regions: {} nodes, {} edges in {:?}",
        inventory.node_count(),
        inventory.edge_count(),
        start.elapsed()
    );
    inventory
});

fn run(line: &str) -> Vec<u8> {
    let mut out = Vec::new();
    if let Err(e) = run_command_line(line, &INVENTORY, &Context::now(), &mut out) {
        eprintln!("{line}: {e}");
    }
    out
}

const COUNT: &str =
    "search is(aws_cloudwatch_alarm) and cloudwatch_actions_enabled == false | count";
const NESTED_WITH: &str = "search is(aws_cloud_trail) with(any, --> is(aws_cloudwatch_log_group) \
     with(any, --> is(aws_cloudwatch_metric_filter) and filter_pattern =~ \"ConsoleLogin\" \
     with(any, --> is(aws_cloudwatch_alarm) and cloudwatch_actions_enabled == true \
     with(any, --> is(aws_sns_topic))))) | count";
const IS_KIND: &str = "search is(aws_cloud_trail) | count";

fn main() {
    LazyLock::force(&INVENTORY);
    for line in [COUNT, NESTED_WITH, IS_KIND] {
        eprintln!(
            "{line}\n  {}",
            String::from_utf8_lossy(&run(line)).replace('\n', " ")
        );
    }
    divan::main();
}

/// A kind-filtered predicate search piped to `count`.
#[divan::bench(sample_count = 10)]
fn count_kind_filtered_predicate() -> Vec<u8> {
    run(COUNT)
}

/// A four-level nested `with(...)` over every trail.
#[divan::bench(sample_count = 10)]
fn nested_with_four_levels() -> Vec<u8> {
    run(NESTED_WITH)
}

/// `is(kind)` from the kind index.
#[divan::bench(sample_count = 10)]
fn is_kind() -> Vec<u8> {
    run(IS_KIND)
}

/// A small inventory (one generated account, about a thousand nodes) for the hostile-input
/// cases, whose cost is in the query text, not in the graph.
static SMALL: LazyLock<Inventory> =
    LazyLock::new(|| trailgraph_model::generate::generate_inventory(1, 17));

fn run_small(line: &str) -> usize {
    let mut out = Vec::new();
    if let Err(e) = run_command_line(line, &SMALL, &Context::now(), &mut out) {
        eprintln!("{}…: {e}", &line[..line.len().min(60)]);
    }
    out.len()
}

/// 5,000 `;`-separated command lines in one line.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn hostile_many_command_lines(bencher: divan::Bencher) {
    let line = vec!["search is(aws_cloud_trail) | count"; 5_000].join("; ");
    bencher.bench(|| run_small(&line));
}

/// `format` with 20,000 placeholders.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn hostile_format_placeholders(bencher: divan::Bencher) {
    let line = format!(
        "search is(aws_account) | format {}",
        "{name} ".repeat(20_000)
    );
    bencher.bench(|| run_small(&line));
}

/// `list` with 20,000 different columns.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn hostile_list_columns(bencher: divan::Bencher) {
    let columns: Vec<String> = (0..20_000).map(|i| format!("c{i}")).collect();
    let line = format!("search is(aws_account) | list {}", columns.join(", "));
    bencher.bench(|| run_small(&line));
}

/// `in [...]` with a million values, over every node of the small inventory.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn hostile_in_million_values(bencher: divan::Bencher) {
    let values: Vec<String> = (0..1_000_000).map(|i| format!("v{i}")).collect();
    let line = format!("search name in [{}] | count", values.join(", "));
    bencher.bench(|| run_small(&line));
}
