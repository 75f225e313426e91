//! Benchmark: organisation mode against the emulator. An organisation of `BENCH_ACCOUNTS`
//! accounts (default 50; the management account among them) × 2 regions, each with a trail, a
//! log group, two filters, two alarms, a topic and two subscriptions, and `BENCH_LATENCY_MS`
//! (default 100) added to every request at the proxy. Prints the time to collect one account,
//! the whole organisation in one `collect --organization`, and the same accounts one after
//! another, with the ratios. Run through `scripts/bench-collect.sh --organization`.
//!
//! Environment: `TRAILGRAPH_EMULATOR_PYTHON` (required), `BENCH_ACCOUNTS`, `BENCH_LATENCY_MS`,
//! `BENCH_CONCURRENCY` (default: the collector's default).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use support::*;
use trailgraph_collect::{NoProgress, OrganizationOptions, Source, collect_from};

const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn populate(config: &SdkConfig, account: &str, bucket: &str) {
    for region in REGIONS {
        let config = in_region(config, region);
        create_log_group(&config, "cloudtrail-logs").await;
        for metric in ["RootAccountUsage", "UnauthorizedAPICalls"] {
            put_filter(&config, "cloudtrail-logs", metric, metric).await;
        }
        let topic = create_topic(&config, "alerts").await;
        subscribe(&config, &topic, "email", "security@example.com").await;
        subscribe(&config, &topic, "https", "https://hooks.example.com/x").await;
        for metric in ["RootAccountUsage", "UnauthorizedAPICalls"] {
            put_alarm(&config, metric, metric, &topic).await;
        }
        create_trail(&config, account, "trail", bucket, region, false, false).await;
    }
}

async fn member(emulator: &Emulator, a: &SdkConfig, account: &str) -> SdkConfig {
    let credentials = member_credentials(a, account).await;
    emulator.create_bucket(credentials.access_key_id(), &format!("bucket-{account}"));
    emulator.config_with(credentials).await
}

fn options(emulator: &Emulator) -> trailgraph_collect::CollectOptions {
    let mut options = test_options(emulator);
    options.regions = trailgraph_collect::RegionSelection::List(
        REGIONS.iter().map(|r| (*r).to_owned()).collect(),
    );
    if let Ok(c) = std::env::var("BENCH_CONCURRENCY")
        && let Ok(c) = c.parse()
    {
        options.concurrency = c;
    }
    options
}

async fn one(emulator: &Emulator, source: Source) -> Duration {
    let start = Instant::now();
    let evidence = collect_from(vec![source], &options(emulator), &NoProgress)
        .await
        .unwrap();
    assert!(
        evidence.meta.errors.is_empty(),
        "{:?}",
        evidence.meta.errors
    );
    start.elapsed()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let accounts = env("BENCH_ACCOUNTS", 50).max(2);
    let latency = env("BENCH_LATENCY_MS", 100);
    let Some(emulator) = Emulator::start("bench_org") else {
        std::process::exit(2);
    };
    let a = emulator.config_a().await;
    let org = aws_sdk_organizations::Client::new(&a);
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    emulator.create_bucket("AKIDTESTACCOUNTA", "bench-bucket");
    populate(&a, ACCOUNT_A, "bench-bucket").await;
    let mut members = Vec::new();
    for i in 1..accounts {
        let id = org
            .create_account()
            .email(format!("member-{i}@example.com"))
            .account_name(format!("member-{i}"))
            .send()
            .await
            .unwrap()
            .create_account_status
            .unwrap()
            .account_id
            .unwrap();
        let config = member(&emulator, &a, &id).await;
        populate(&config, &id, &format!("bucket-{id}")).await;
        members.push(id);
    }
    emulator.configure(serde_json::json!({ "latency_ms": latency }));
    let base = || Source {
        label: "default".into(),
        config: a.clone(),
        member: None,
    };
    // Warm-up (connection pools, moto's lazy imports).
    one(&emulator, base()).await;

    let single = one(&emulator, base()).await;

    let mut org_options = options(&emulator);
    org_options.organization = Some(OrganizationOptions::default());
    let start = Instant::now();
    let evidence = trailgraph_collect::collect_organization(base(), &org_options, &NoProgress)
        .await
        .unwrap();
    let whole = start.elapsed();
    assert!(
        evidence.meta.errors.is_empty(),
        "{:?}",
        evidence.meta.errors
    );
    assert_eq!(evidence.accounts.len(), accounts);

    let start = Instant::now();
    one(&emulator, base()).await;
    for id in &members {
        let role = format!("arn:aws:iam::{id}:role/OrganizationAccountAccessRole");
        let mut sources = trailgraph_collect::assume_roles(&a, &[role]).await;
        one(&emulator, sources.remove(0)).await;
    }
    let sequential = start.elapsed();

    // The emulator's own time for this work: the same collect without added latency (moto is
    // one Python process; on a small machine it, not the waiting, bounds a large collect).
    emulator.configure(serde_json::json!({ "latency_ms": 0 }));
    let single_floor = one(&emulator, base()).await;
    let start = Instant::now();
    trailgraph_collect::collect_organization(base(), &org_options, &NoProgress)
        .await
        .unwrap();
    let floor = start.elapsed();

    println!(
        "{accounts} accounts × {} regions, latency {latency} ms/request, concurrency {}",
        REGIONS.len(),
        org_options.concurrency
    );
    println!("one account:                      {single:.2?}");
    println!("organisation, one collect:        {whole:.2?}");
    println!("same accounts one after another:  {sequential:.2?}");
    println!(
        "ratio organisation / one account: {:.2} (target ≤ 3)",
        whole.as_secs_f64() / single.as_secs_f64()
    );
    println!(
        "ratio one after another / organisation: {:.1}",
        sequential.as_secs_f64() / whole.as_secs_f64()
    );
    println!("without added latency: one account {single_floor:.2?}, organisation {floor:.2?}");
    println!(
        "latency the organisation collect did not hide: {:.2?} (one account alone waits {:.2?})",
        whole.saturating_sub(floor),
        single.saturating_sub(single_floor)
    );
}
