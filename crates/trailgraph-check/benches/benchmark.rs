//! The newest full benchmark over a generated inventory of about a million nodes.
//!
//! `cargo bench -p trailgraph-check` (building the inventory is not timed). The inventory is
//! generated, written to a binary snapshot in a temporary directory and read back, so the run
//! sees it as `trailgraph check --inventory` does (and not the generator's freed memory); the
//! report is returned, so freeing it is not timed either (`trailgraph check` never frees it).
//! With `TRAILGRAPH_BENCH_DROP=1` freeing the report is timed too. The inventory is
//! `trailgraph_model::generate::generate_inventory(1_000, 17)` (`TRAILGRAPH_BENCH_ACCOUNTS`
//! changes the number of accounts): a multi-region trail per account whose log group holds the
//! fifteen CIS filters and alarms, regional trails, application log groups, topics with
//! confirmed and pending subscriptions, and the usual breaks (stopped trails, a missing alarm,
//! alarms notifying a topic with only a pending subscription) so that failures need
//! explaining.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::OnceLock;

use trailgraph_check::{Catalog, RunOptions, load_catalog, run};
use trailgraph_model::Inventory;
use trailgraph_model::generate::generate_inventory;

const ACCOUNTS: usize = 1_000;
const REGIONS: usize = 17;

fn main() {
    divan::main();
}

fn generated() -> &'static (Catalog, Inventory) {
    static CELL: OnceLock<(Catalog, Inventory)> = OnceLock::new();
    CELL.get_or_init(|| {
        let catalog = load_catalog(&[]).unwrap();
        let accounts = std::env::var("TRAILGRAPH_BENCH_ACCOUNTS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(ACCOUNTS);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("generated.tgs");
        trailgraph_model::write_snapshot(&generate_inventory(accounts, REGIONS), &path).unwrap();
        let inventory = trailgraph_model::read_snapshot(&path).unwrap();
        eprintln!("generated inventory: {} nodes", inventory.node_count());
        (catalog, inventory)
    })
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn newest_benchmark_million_nodes(bencher: divan::Bencher) {
    let (catalog, inventory) = generated();
    let timed_drop = std::env::var_os("TRAILGRAPH_BENCH_DROP").is_some();
    bencher.bench(|| {
        let report = run(catalog, inventory, &RunOptions::default()).unwrap();
        if timed_drop {
            divan::black_box(report.summary);
            None
        } else {
            Some(report)
        }
    });
}
