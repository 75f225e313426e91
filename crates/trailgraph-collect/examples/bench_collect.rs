//! Benchmark: one full collect of 17 populated regions against the emulator, compared with the
//! slowest single-region collect. Run through `scripts/bench-collect.sh`.
//!
//! Environment: `TRAILGRAPH_EMULATOR_PYTHON` (required), `BENCH_LATENCY_MS` (added latency per
//! request at the proxy, modelling real API latency; default 0), `BENCH_ROUNDS` (default 3).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use support::*;
use trailgraph_collect::{DEFAULT_ENABLED_REGIONS, NoProgress, RegionSelection, collect_from};

async fn populate(emulator: &Emulator) {
    let a = emulator.config_a().await;
    emulator.create_bucket("AKIDTESTACCOUNTA", "bench-bucket");
    for region in DEFAULT_ENABLED_REGIONS {
        let config = in_region(&a, region);
        create_log_group(&config, "cloudtrail-logs").await;
        for metric in [
            "RootAccountUsage",
            "UnauthorizedAPICalls",
            "ConsoleSignInFailures",
        ] {
            put_filter(&config, "cloudtrail-logs", metric, metric).await;
        }
        let topic = create_topic(&config, "alerts").await;
        subscribe(&config, &topic, "email", "security@example.com").await;
        subscribe(&config, &topic, "https", "https://hooks.example.com/x").await;
        for metric in [
            "RootAccountUsage",
            "UnauthorizedAPICalls",
            "ConsoleSignInFailures",
        ] {
            put_alarm(&config, metric, metric, &topic).await;
        }
        create_trail(
            &config,
            ACCOUNT_A,
            "trail",
            "bench-bucket",
            region,
            false,
            false,
        )
        .await;
    }
}

async fn timed(emulator: &Emulator, regions: Vec<String>) -> Duration {
    let mut options = test_options(emulator);
    options.regions = RegionSelection::List(regions);
    let sources = vec![trailgraph_collect::Source {
        label: "bench".into(),
        config: emulator.config_a().await,
        member: None,
    }];
    let start = Instant::now();
    let evidence = collect_from(sources, &options, &NoProgress).await.unwrap();
    let elapsed = start.elapsed();
    assert!(
        evidence.meta.errors.is_empty(),
        "{:?}",
        evidence.meta.errors
    );
    elapsed
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let latency: u64 = std::env::var("BENCH_LATENCY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let Some(emulator) = Emulator::start("bench_collect") else {
        std::process::exit(2);
    };
    populate(&emulator).await;
    emulator.configure(serde_json::json!({ "latency_ms": latency }));
    // Warm-up (connection pools, moto's lazy imports).
    timed(&emulator, vec!["us-east-1".into()]).await;

    let mut slowest_single = Duration::ZERO;
    let mut slowest_region = "";
    for region in DEFAULT_ENABLED_REGIONS {
        let mut best = Duration::MAX;
        for _ in 0..rounds {
            best = best.min(timed(&emulator, vec![(*region).to_owned()]).await);
        }
        if best > slowest_single {
            slowest_single = best;
            slowest_region = region;
        }
    }
    let all: Vec<String> = DEFAULT_ENABLED_REGIONS
        .iter()
        .map(|r| (*r).to_owned())
        .collect();
    let mut full = Vec::new();
    let cpu_before = own_cpu();
    for _ in 0..rounds {
        full.push(timed(&emulator, all.clone()).await);
    }
    let cpu_per_full = (own_cpu() - cpu_before) / rounds as f64;
    full.sort();
    let median = full[full.len() / 2];
    println!(
        "latency {latency} ms/request, {} regions, concurrency {}",
        all.len(),
        test_options(&emulator).concurrency
    );
    println!("slowest single region ({slowest_region}, best of {rounds}): {slowest_single:?}");
    println!("full collect (median of {rounds}): {median:?} (all: {full:?})");
    println!("collector's own CPU per full collect: {cpu_per_full:.2} s");
    println!(
        "ratio full / slowest single: {:.2}",
        median.as_secs_f64() / slowest_single.as_secs_f64()
    );
}

/// User + system CPU seconds of this process so far (Linux `/proc/self/stat`; 0 elsewhere).
fn own_cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the `(comm)` part.
    let ticks: f64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<f64>().ok())
        .sum();
    ticks / 100.0
}
