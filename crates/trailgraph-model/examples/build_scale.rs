//! Times the inventory builder and the snapshot reader on inputs that used to be quadratic: one
//! region with many log groups, and an SNS topic whose policy has many keys.
//!
//! `cargo run --release -p trailgraph-model --example build_scale -- [CASE ...]`
//!
//! Cases: `log-groups-80000`, `log-groups-600000`, `policy-keys-100000` (all three by default).
//! Prints one line per measurement; nothing is asserted.

use std::time::Instant;

use serde_json::{Value as Json, json};
use trailgraph_model::{AccountEvidence, Evidence, RegionEvidence, SnapshotMeta, build_inventory};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";

fn region() -> RegionEvidence {
    RegionEvidence::empty(REGION)
}

fn evidence(region: RegionEvidence) -> Evidence {
    Evidence {
        meta: SnapshotMeta::now("generated"),
        accounts: vec![AccountEvidence {
            account_id: ACCOUNT.to_owned(),
            name: None,
            caller_identity: None,
            regions: vec![region],
            ..AccountEvidence::default()
        }],
    }
}

fn log_groups(count: usize) -> Evidence {
    let groups: Vec<Json> = (0..count)
        .map(|i| {
            let name = format!("/app/group-{i}");
            json!({"logGroupName": name, "arn": format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*"),
                "creationTime": 1_735_689_600_000i64, "storedBytes": 0})
        })
        .collect();
    let mut r = region();
    r.log_groups = Some(json!({ "logGroups": groups }));
    evidence(r)
}

fn policy_keys(count: usize) -> Evidence {
    let topic = format!("arn:aws:sns:{REGION}:{ACCOUNT}:alerts");
    let policy: serde_json::Map<String, Json> = (0..count)
        .map(|i| (format!("key-{i}"), Json::from(i)))
        .collect();
    let policy_text = Json::Object(policy).to_string();
    let mut r = region();
    r.topics = Some(json!({"Topics": [{"TopicArn": topic}]}));
    r.topic_attributes.insert(
        "alerts".to_owned(),
        json!({"Attributes": {"TopicArn": topic, "Owner": ACCOUNT, "Policy": policy_text}}),
    );
    evidence(r)
}

fn run(case: &str) -> Result<(), String> {
    let count = |n: &str| n.parse::<usize>().map_err(|e| format!("{case}: {e}"));
    let evidence = if let Some(n) = case.strip_prefix("log-groups-") {
        log_groups(count(n)?)
    } else if let Some(n) = case.strip_prefix("policy-keys-") {
        policy_keys(count(n)?)
    } else {
        return Err(format!("unknown case `{case}`"));
    };
    let started = Instant::now();
    let inventory = build_inventory(&evidence);
    println!(
        "{case}: build {:.2} s ({} nodes, {} edges)",
        started.elapsed().as_secs_f64(),
        inventory.node_count(),
        inventory.edge_count()
    );
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("inventory.tgs");
    trailgraph_model::write_snapshot(&inventory, &path).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let loaded = trailgraph_model::read_snapshot(&path).map_err(|e| e.to_string())?;
    println!(
        "{case}: load {:.2} s ({} nodes)",
        started.elapsed().as_secs_f64(),
        loaded.node_count()
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    let mut cases: Vec<String> = std::env::args().skip(1).collect();
    if cases.is_empty() {
        cases = [
            "log-groups-80000",
            "log-groups-600000",
            "policy-keys-100000",
        ]
        .map(str::to_owned)
        .to_vec();
    }
    for case in &cases {
        if let Err(e) = run(case) {
            eprintln!("error: {e}");
            return std::process::ExitCode::from(2);
        }
    }
    std::process::ExitCode::SUCCESS
}
