//! What several report tests share: a run at a fixed time, an inventory with a gap, the
//! browser.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// Runs the browser headless (no sandbox, GPU, first-run page or extensions; its own profile
/// directory) with `args` on the page at `url`, and returns its standard output (a DOM dump)
/// once it exits; it is killed and the test fails after `limit`.
pub fn headless(
    browser: &Path,
    profile: &Path,
    args: &[&str],
    url: &str,
    limit: Duration,
) -> String {
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the browser");
    // The dump is read while the browser writes it (it is larger than a pipe holds).
    let mut stdout = child.stdout.take().expect("the browser's output");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut text);
        text
    });
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the browser did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    String::from_utf8_lossy(&reader.join().unwrap()).into_owned()
}
