//! What several report tests share: a run at a fixed time, an inventory with a gap, the
//! browser.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use trailgraph_check::{Report, RunOptions, load_catalog, run};

/// The default benchmark over `inventory`, as made at `at` (RFC 3339).
pub fn report_at(inventory: &trailgraph_model::Inventory, at: &str) -> Report {
    let catalog = load_catalog(&[]).unwrap();
    let options = RunOptions {
        generated_at: Some(at.parse().unwrap()),
        ..RunOptions::default()
    };
    run(&catalog, inventory, &options).unwrap()
}

/// 20 generated accounts × 2 regions, one of whose alarms could not be read: its monitoring
/// checks are not evaluable.
pub fn partly_collected() -> trailgraph_model::Inventory {
    let mut evidence = trailgraph_model::generate::generate_evidence(20, 2);
    let account = evidence.accounts[3].account_id.clone();
    evidence.accounts[3].regions[0].alarms = None;
    evidence
        .meta
        .errors
        .push(trailgraph_model::CollectionError {
            account,
            region: Some(evidence.accounts[3].regions[0].region.clone()),
            service: "cloudwatch".to_owned(),
            operation: "DescribeAlarms".to_owned(),
            resource: None,
            code: "AccessDenied".to_owned(),
            message: "not authorized".to_owned(),
        });
    trailgraph_model::build_inventory(&evidence)
}

/// A headless-capable Chromium: `TRAILGRAPH_BROWSER`, or `chromium` / `chromium-browser` /
/// `google-chrome` / `headless_shell` on the PATH.
pub fn browser() -> Option<PathBuf> {
    if let Ok(path) = std::env::var("TRAILGRAPH_BROWSER") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        [
            "chromium",
            "chromium-browser",
            "google-chrome",
            "headless_shell",
        ]
        .iter()
        .map(|name| dir.join(name))
        .find(|candidate| candidate.is_file())
    })
}
