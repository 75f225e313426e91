//! The HTML report: its golden file (markup and embedded data; the inline style and script are
//! left out), its size at scale, and the page in a real headless Chromium — the matrix, a
//! broken node in a chain picture, the filters (driven through the address fragment, as a
//! shared link would), and names written by the audited party that try to inject markup.
//!
//! The browser is `TRAILGRAPH_BROWSER`, or `chromium` / `chromium-browser` / `google-chrome`
//! on the PATH (the test command installs Debian's `chromium` where it can); without one the
//! browser test prints why it is skipped. Its screenshot is kept under the target directory
//! (`html-report/report.png`), not committed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use trailgraph_check::{Format, Report, RunOptions, load_catalog, run, write_report};
use trailgraph_model::generate::{generate_evidence, generate_inventory};
use trailgraph_model::{Evidence, Inventory, build_inventory};

fn report_of(inventory: &Inventory) -> Report {
    let catalog = load_catalog(&[]).unwrap();
    let options = RunOptions {
        generated_at: Some("2026-11-20T10:00:00Z".parse().unwrap()),
        ..RunOptions::default()
    };
    run(&catalog, inventory, &options).unwrap()
}

fn html(report: &Report) -> String {
    let mut out = Vec::new();
    write_report(report, Format::Html, &mut out, false).unwrap();
    String::from_utf8(out).unwrap()
}

/// The page without the bodies of its `<style>` and second `<script>` (they are not generated).
fn markup(page: &str) -> String {
    let mut out = page.to_owned();
    if let (Some(a), Some(b)) = (out.find("<style>\n"), out.find("</style>")) {
        out.replace_range(a + 8..b, "/* style */\n");
    }
    if let Some(a) = out.rfind("<script>\n")
        && let Some(b) = out[a..].find("</script>").map(|i| a + i)
    {
        out.replace_range(a + 9..b, "/* script */\n");
    }
    out.replace(env!("CARGO_PKG_VERSION"), "VERSION")
}

#[test]
fn golden_html() {
    let page = html(&report_of(&trailgraph_model::demo_inventory()));
    insta::assert_snapshot!(markup(&page));
}

#[test]
fn page_is_self_contained() {
    let page = html(&report_of(&trailgraph_model::demo_inventory()));
    for needle in ["http://", "https://", "src=", "@import", "url("] {
        let outside: Vec<&str> = page
            .match_indices(needle)
            .map(|(i, _)| &page[i.saturating_sub(40)..(i + 60).min(page.len())])
            // The SVG namespace and the benchmark's own reference link are not loads.
            .filter(|c| {
                !c.contains("www.w3.org/2000/svg")
                    && !c.contains("href=\"https://www.cisecurity.org")
            })
            .filter(|c| !c.contains(">https://www.cisecurity.org") && !c.contains("url(#tg-arrow"))
            .collect();
        assert!(outside.is_empty(), "{needle}: {outside:?}");
    }
}

#[test]
fn one_finding_per_identical_break_and_size_grows_with_accounts_only() {
    let inventory = generate_inventory(200, 2);
    let report = report_of(&inventory);
    let page = html(&report);
    // 20 MB for 1,000 accounts is 4 MB for 200.
    assert!(
        page.len() < 4_000_000,
        "{} bytes for 200 accounts",
        page.len()
    );
    let findings = page.matches("<details class=\"finding").count();
    let failed = report.summary.failed;
    assert!(failed > 200, "the generated inventory has breaks: {failed}");
    assert!(
        findings < 200,
        "{failed} failures should fold into a few findings, got {findings}"
    );
    // Every account is a row of the matrix.
    assert_eq!(page.matches("<tr data-account=").count(), 200);
    eprintln!(
        "html: 200 accounts, {} results, {} findings, {} bytes",
        report.results().count(),
        findings,
        page.len()
    );
}

/// Runs the browser headless with `args` on the page at `url`; its DOM dump, within a minute.
fn headless(browser: &Path, profile: &Path, args: &[&str], url: &str) -> String {
    let mut all = vec!["--hide-scrollbars"];
    all.extend_from_slice(args);
    common::headless(browser, profile, &all, url, Duration::from_secs(60))
}

/// The start tags that begin with `open` (`<tr `), attributes included.
fn start_tags<'d>(dom: &'d str, open: &'d str) -> impl Iterator<Item = &'d str> {
    dom.match_indices(open)
        .filter_map(|(i, _)| dom[i..].find('>').map(|j| &dom[i..i + j]))
}

/// The names the audited party controls, made to inject markup into the page.
const HOSTILE_ACCOUNT: &str = "<img src=x onerror=\"document.title='pwned'\"></script><script>document.title='pwned'</script>";
const HOSTILE_GROUP: &str = "/aws/</script><img src=x onerror=alert(1)>";

fn hostile_inventory() -> Inventory {
    let evidence = generate_evidence(3, 2);
    let text = serde_json::to_string(&evidence)
        .unwrap()
        .replace("/aws/cloudtrail/main", HOSTILE_GROUP);
    let mut evidence: Evidence = serde_json::from_str(&text).unwrap();
    evidence.accounts[1].name = Some(HOSTILE_ACCOUNT.to_owned());
    build_inventory(&evidence)
}

#[test]
fn page_in_a_headless_browser() {
    let Some(browser) = common::browser() else {
        eprintln!(
            "skipped: no headless Chromium (set TRAILGRAPH_BROWSER, or install Debian's `chromium`)"
        );
        return;
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-report");
    std::fs::create_dir_all(&dir).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let report = report_of(&trailgraph_model::demo_inventory());
    let file = dir.join("report.html");
    std::fs::write(&file, html(&report)).unwrap();
    let url = format!("file://{}", file.display());

    // As loaded: the script ran, the matrix has a cell per account and control, and a chain
    // picture shows a broken or missing node with its reason.
    let dom = headless(&browser, profile.path(), &["--dump-dom"], &url);
    assert!(
        dom.contains("data-ready=\"true\""),
        "the page's script did not run"
    );
    let accounts = report.inventory.accounts.len();
    let controls: usize = report.sections.iter().map(|s| s.controls.len()).sum();
    assert_eq!(
        dom.matches("<td class=\"c st-").count(),
        accounts * controls
    );
    assert!(dom.matches("<td class=\"c st-failed").count() >= report.summary.failed.min(1));
    assert!(
        dom.contains("<g class=\"node missing\"") || dom.contains("<g class=\"node broken\""),
        "no broken node in any chain picture"
    );
    assert!(
        dom.contains("class=\"reason\""),
        "no reason beside a broken node"
    );
    assert!(dom.contains(&format!("{accounts} of {accounts} accounts")));

    // Filters from the address: failures only hide the accounts without one.
    let failing: Vec<&str> = report
        .inventory
        .accounts
        .iter()
        .filter(|a| {
            report
                .results()
                .any(|r| &r.account == *a && r.status == trailgraph_check::Status::Failed)
        })
        .map(String::as_str)
        .collect();
    assert!(!failing.is_empty() && failing.len() < accounts);
    let dom = headless(
        &browser,
        profile.path(),
        &["--dump-dom"],
        &format!("{url}#status=failed"),
    );
    assert!(dom.contains(&format!("{} of {accounts} accounts", failing.len())));
    let hidden_rows = start_tags(&dom, "<tr ")
        .filter(|t| t.contains("class=\"hidden\""))
        .count();
    assert_eq!(hidden_rows, accounts - failing.len());
    assert!(!dom.contains("<details class=\"finding f-passed\" id"));
    // One account by id; a section; a severity floor.
    let one = failing.first().unwrap();
    let dom = headless(
        &browser,
        profile.path(),
        &["--dump-dom"],
        &format!("{url}#account={one}&section=0"),
    );
    assert!(
        dom.contains(&format!("1 of {accounts} accounts")),
        "account filter"
    );
    assert!(
        dom.contains("class=\"sort ctl hidden-col\""),
        "section filter hides columns"
    );
    let dom = headless(
        &browser,
        profile.path(),
        &["--dump-dom"],
        &format!("{url}#severity=critical"),
    );
    let critical = report
        .sections
        .iter()
        .flat_map(|s| &s.controls)
        .filter(|c| c.severity == trailgraph_check::Severity::Critical)
        .count();
    assert_eq!(
        dom.matches("<th class=\"sort ctl\"").count(),
        critical,
        "severity filter"
    );

    // A screenshot, kept as a test artefact.
    let shot = dir.join("report.png");
    let _ = std::fs::remove_file(&shot);
    headless(
        &browser,
        profile.path(),
        &[
            "--window-size=1400,1800",
            &format!("--screenshot={}", shot.display()),
        ],
        &url,
    );
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(size > 10_000, "screenshot of {size} bytes");
    eprintln!("screenshot: {}", shot.display());

    // Names that try to inject markup stay text.
    let hostile = dir.join("hostile.html");
    std::fs::write(&hostile, html(&report_of(&hostile_inventory()))).unwrap();
    let dom = headless(
        &browser,
        profile.path(),
        &["--dump-dom"],
        &format!("file://{}", hostile.display()),
    );
    assert!(
        dom.contains("data-ready=\"true\""),
        "the hostile page's script did not run"
    );
    assert!(!dom.contains("<img"), "markup injected through a name");
    assert!(
        !dom.contains("<title>pwned"),
        "script injected through a name"
    );
    assert!(
        dom.contains("&lt;img src=x"),
        "the hostile name is shown as text"
    );
}
