//! The Mermaid diagrams trailgraph writes — one per failed finding in the Markdown report, and
//! the shell's `format --mermaid` — parsed and drawn by the real Mermaid library in a headless
//! Chromium, as GitHub and GitLab draw them: every diagram must parse and render, and names the
//! audited party chose (markup, quotes, Mermaid syntax) must stay text in the picture.
//!
//! Mermaid is `TRAILGRAPH_MERMAID` (the path of its `mermaid.min.js`; the test command fetches
//! the npm package `mermaid` into the target directory where npm is available); the browser
//! as in the HTML report's test. Without either the test prints why it is skipped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value as Json;
use trailgraph_check::{Format, RunOptions, load_catalog, run, write_report};
use trailgraph_model::generate::generate_evidence;
use trailgraph_model::{Evidence, Inventory, build_inventory};

/// Names made to break out of a Mermaid label or to inject markup into the drawing.
const HOSTILE_ACCOUNT: &str = "acme\"] --> x[\"<img src=x onerror=alert(1)>";
const HOSTILE_GROUP: &str = "/aws/#quot;]; click s0 call alert(1); %%{init: {}}%%<b>bold</b>";

fn inventory() -> Inventory {
    let evidence = generate_evidence(3, 2);
    let text = serde_json::to_string(&evidence)
        .unwrap()
        .replace("/aws/cloudtrail/main", HOSTILE_GROUP);
    let mut evidence: Evidence = serde_json::from_str(&text).unwrap();
    evidence.accounts[1].name = Some(HOSTILE_ACCOUNT.to_owned());
    build_inventory(&evidence)
}

/// The bodies of the ```mermaid blocks of a Markdown text.
fn blocks(markdown: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start() == "```mermaid" => current = Some(String::new()),
            Some(body) if line.trim_start() == "```" => {
                out.push(std::mem::take(body));
                current = None;
            }
            Some(body) => {
                body.push_str(line);
                body.push('\n');
            }
            None => {}
        }
    }
    out
}

/// The page that parses and renders each diagram and writes what happened into `#out`.
fn page(mermaid: &Path, diagrams: &[String]) -> String {
    let data = serde_json::to_string(diagrams)
        .unwrap()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    format!(
        r#"<!DOCTYPE html>
<html><head><meta charset="utf-8"><script src="file://{}"></script></head>
<body><pre id="out">pending</pre><div id="scratch"></div>
<script>
const diagrams = {data};
(async () => {{
  mermaid.initialize({{ startOnLoad: false, securityLevel: "strict" }});
  const results = [];
  for (let i = 0; i < diagrams.length; i++) {{
    try {{
      await mermaid.parse(diagrams[i]);
      const {{ svg }} = await mermaid.render("d" + i, diagrams[i]);
      // Parsed as HTML, as a page that shows it does (labels are HTML); scripts do not run.
      const doc = new DOMParser().parseFromString(svg, "text/html");
      results.push({{
        ok: true,
        nodes: doc.querySelectorAll("g.node").length,
        edges: doc.querySelectorAll("path.flowchart-link, .edgePaths path").length,
        injected: doc.querySelectorAll("img, script, b, a, iframe").length,
        text: doc.body.textContent,
      }});
    }} catch (e) {{
      results.push({{ ok: false, error: String(e && e.message || e) }});
    }}
  }}
  document.getElementById("out").textContent = btoa(unescape(encodeURIComponent(JSON.stringify(results))));
}})();
</script></body></html>
"#,
        mermaid.display()
    )
}

/// Runs the browser on `file` and returns the results the page wrote.
fn results(browser: &Path, file: &Path) -> Vec<Json> {
    let profile = tempfile::tempdir().unwrap();
    let dom = common::headless(
        browser,
        profile.path(),
        &[
            "--allow-file-access-from-files",
            "--virtual-time-budget=60000",
            "--dump-dom",
        ],
        &format!("file://{}", file.display()),
        Duration::from_secs(120),
    );
    let start = dom.find("<pre id=\"out\">").expect("the page") + "<pre id=\"out\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let encoded = &dom[start..end];
    assert_ne!(encoded, "pending", "the page's script did not finish");
    let bytes = base64_decode(encoded);
    serde_json::from_slice(&bytes).unwrap()
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text
        .bytes()
        .filter(|b| *b != b'=' && !b.is_ascii_whitespace())
    {
        let value = ALPHABET.iter().position(|&a| a == byte).unwrap() as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

#[test]
fn diagrams_parse_and_render_in_mermaid() {
    let mermaid = match std::env::var("TRAILGRAPH_MERMAID") {
        Ok(p) if Path::new(&p).is_file() => PathBuf::from(p),
        _ => {
            eprintln!("skipped: TRAILGRAPH_MERMAID does not name mermaid.min.js");
            return;
        }
    };
    let Some(browser) = common::browser() else {
        eprintln!("skipped: no headless Chromium (set TRAILGRAPH_BROWSER, or install `chromium`)");
        return;
    };
    let inventory = inventory();
    let catalog = load_catalog(&[]).unwrap();
    let report = run(&catalog, &inventory, &RunOptions::default()).unwrap();
    let mut markdown = Vec::new();
    write_report(&report, Format::Markdown, &mut markdown, false).unwrap();
    let mut diagrams = blocks(&String::from_utf8(markdown).unwrap());
    let from_report = diagrams.len();
    assert!(
        from_report > 0,
        "the report has failed findings with pictures"
    );
    let demo = trailgraph_model::demo_inventory();
    for line in [
        "search is(aws_account) -[0:2]-> | format --mermaid",
        "search is(aws_cloudwatch_log_group) | format --mermaid",
    ] {
        for inv in [&demo, &inventory] {
            let mut out = Vec::new();
            trailgraph_query::run_command_line(
                line,
                inv,
                &trailgraph_query::Context::now(),
                &mut out,
            )
            .unwrap();
            diagrams.push(String::from_utf8(out).unwrap());
        }
    }

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mermaid");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("diagrams.html");
    std::fs::write(&file, page(&mermaid, &diagrams)).unwrap();
    let results = results(&browser, &file);
    assert_eq!(results.len(), diagrams.len());
    let mut hostile_drawn = false;
    let mut too_large = 0;
    for (i, (r, d)) in results.iter().zip(&diagrams).enumerate() {
        if r["ok"] == false
            && r["error"].as_str().unwrap().contains("Edge limit exceeded")
            && i >= from_report
        {
            // Mermaid refuses more than 500 edges; the diagram says so in a comment.
            assert!(d.contains("more than Mermaid draws by default"), "{d}");
            too_large += 1;
            continue;
        }
        assert_eq!(
            r["ok"], true,
            "diagram {i} does not parse or render: {r}\n{d}"
        );
        assert!(
            r["nodes"].as_u64().unwrap() > 0,
            "diagram {i} draws no node: {d}"
        );
        assert_eq!(
            r["injected"], 0,
            "diagram {i} draws markup from a name: {d}"
        );
        let text = r["text"].as_str().unwrap();
        if text.contains("onerror=alert(1)") || text.contains("click s0 call alert(1)") {
            hostile_drawn = true;
        }
    }
    assert!(hostile_drawn, "the hostile names are drawn, as text");
    assert!(
        too_large < diagrams.len() - from_report,
        "some shell diagram is drawn"
    );
    println!(
        "{} diagrams ({from_report} from the Markdown report) rendered",
        diagrams.len()
    );
}
