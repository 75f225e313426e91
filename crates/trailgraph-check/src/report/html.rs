//! The HTML report: one self-contained page (no network: its style and script are inline)
//! with a summary, an accounts × controls matrix that filters and sorts in the page, and the
//! findings grouped by identical break, each with a picture of its chain drawn as inline SVG
//! from the structured chain (`CheckResult::chains`).
//!
//! Everything in the page that comes from the inventory (names, patterns, reasons) is written
//! by the party being audited, so it is escaped for HTML, and the per-account details the page
//! shows on demand travel as JSON that the script only ever puts into `textContent`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Value as Json, json};
// Escapes text for HTML element content and attribute values.
use trailgraph_query::graph_output::escape_xml as esc;

use super::findings::{Group, account_label, account_names, groups, headline, tally};
use crate::chain::{ChainStep, StepStatus};
use crate::run::{ControlReport, Report, Status, Summary};

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// How many account names a finding lists before it counts the rest.
const NAMED_ACCOUNTS: usize = 12;
/// How many accounts the summary names as having the most failures.
const WORST_ACCOUNTS: usize = 10;

/// JSON that may sit inside a `<script>` element: no `<` can close it early.
fn script_json(value: &Json) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::NotEvaluable => "not evaluable",
    }
}

pub(super) fn write(report: &Report, out: &mut impl Write) -> io::Result<()> {
    let mut page = String::new();
    render(report, &mut page);
    out.write_all(page.as_bytes())
}

fn render(report: &Report, page: &mut String) {
    let names = account_names(report);
    let groups = groups(report);
    // Which finding each (control, account) cell opens: the group of its worst result.
    let mut cell_group: HashMap<(*const ControlReport, &str), (&str, Status)> = HashMap::new();
    for g in &groups {
        for r in &g.results {
            let key = (std::ptr::from_ref(g.control), r.account.as_str());
            let worse = cell_group
                .get(&key)
                .is_none_or(|(_, st)| g.status.badness() > st.badness());
            if worse {
                cell_group.insert(key, (&g.id, g.status));
            }
        }
    }
    let title = format!("{} — trailgraph", report.benchmark.title);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"trailgraph {}\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&title)
    );
    // The arrowheads every chain picture uses.
    page.push_str(
        "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\"><defs>\
         <marker id=\"tg-arrow-ok\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#1a7f37\"/></marker>\
         <marker id=\"tg-arrow-broken\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#cf222e\"/></marker>\
         </defs></svg>\n",
    );
    header(report, page);
    if let Some(b) = &report.baseline {
        baseline(b, page);
    }
    summary(report, &names, page);
    filters(report, page);
    matrix(report, &names, &cell_group, page);
    findings(report, &groups, &names, page);
    let data = details_data(&groups, &names);
    let _ = write!(
        page,
        "<script type=\"application/json\" id=\"tg-data\">{}</script>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        script_json(&data)
    );
}

fn header(report: &Report, page: &mut String) {
    let b = &report.benchmark;
    let inv = &report.inventory;
    let _ = write!(
        page,
        "<header>\n<h1>{}</h1>\n<dl class=\"meta\">\
         <dt>Benchmark</dt><dd>{} · version {}</dd>\
         <dt>Report</dt><dd>generated {} by trailgraph {}</dd>\
         <dt>Inventory</dt><dd>{}, collected {}, {} accounts, {} nodes</dd>\
         <dt>Filter patterns</dt><dd>judged {}</dd>\
         <dt>Remediation</dt><dd>{}</dd>\
         <dt>Collection errors</dt><dd>{}</dd>{}</dl>\n",
        esc(&b.title),
        esc(&b.id),
        esc(&b.version),
        esc(&super::time(report.generated_at)),
        env!("CARGO_PKG_VERSION"),
        esc(&inv.source),
        esc(&super::time(inv.collected_at)),
        inv.accounts.len(),
        inv.nodes,
        if report.strict {
            "by text (strict mode)"
        } else if report.filter_judgement == "language" {
            "by the pattern language alone"
        } else {
            "over the events CloudTrail writes"
        },
        report.remediation.as_str(),
        inv.collection_errors,
        report.shown.as_ref().map_or(String::new(), |s| format!(
            "<dt>Showing only</dt><dd>{} (the summary counts every result)</dd>",
            esc(s)
        )),
    );
    if !inv.unreached.is_empty() {
        page.push_str("<ul class=\"unreached\">");
        for u in &inv.unreached {
            let _ = write!(
                page,
                "<li><b>not read:</b> {} — {}</li>",
                esc(&u.source),
                esc(&u.reason)
            );
        }
        page.push_str("</ul>\n");
    }
    page.push_str("</header>\n");
}

fn count_cells(c: &Summary, page: &mut String) {
    let _ = write!(
        page,
        "<td class=\"n st-passed\">{}</td><td class=\"n st-failed\">{}</td><td class=\"n st-not_evaluable\">{}</td>",
        c.passed, c.failed, c.not_evaluable
    );
}

/// Changes since the earlier report, first.
fn baseline(b: &crate::baseline::Baseline, page: &mut String) {
    let _ = write!(
        page,
        "<section id=\"baseline\">\n<h2>Since {}{}</h2>\n<ul>",
        esc(&b.source),
        if b.generated_at.is_empty() {
            String::new()
        } else {
            format!(" of {}", esc(&b.generated_at))
        }
    );
    for (word, class, list) in [
        ("new failure", "st-failed", &b.new_failures),
        ("resolved", "st-passed", &b.resolved),
        ("not evaluable now", "st-not_evaluable", &b.unknown_now),
    ] {
        for c in list {
            let _ = write!(
                page,
                "<li class=\"{class}\">{word}: {} {} — account {}{}</li>",
                esc(&c.control),
                esc(&c.check),
                esc(&c.account),
                c.resource
                    .as_deref()
                    .map(|r| format!(", {}", esc(r)))
                    .unwrap_or_default()
            );
        }
    }
    for (word, list) in [
        ("account added", &b.accounts_added),
        ("account gone", &b.accounts_gone),
    ] {
        for a in list {
            let _ = write!(page, "<li>{word}: {}</li>", esc(a));
        }
    }
    if b.is_empty() {
        page.push_str("<li>nothing changed</li>");
    }
    page.push_str("</ul>\n</section>\n");
}

fn summary(report: &Report, names: &HashMap<&str, &str>, page: &mut String) {
    let s = report.summary;
    let _ = write!(
        page,
        "<section id=\"summary\">\n<h2>Summary</h2>\n<p class=\"totals\">\
         <span class=\"st-passed\" id=\"total-passed\">✓ {} passed</span> \
         <span class=\"st-failed\" id=\"total-failed\">✗ {} failed</span> \
         <span class=\"st-not_evaluable\" id=\"total-not-evaluable\">? {} not evaluable</span></p>\n",
        s.passed, s.failed, s.not_evaluable
    );
    page.push_str(
        "<div class=\"tables\"><table class=\"counts\"><thead><tr><th>Section</th><th>passed</th><th>failed</th><th>not evaluable</th></tr></thead><tbody>",
    );
    let tally = tally(report);
    for (title, c) in &tally.sections {
        let _ = write!(page, "<tr><th>{}</th>", esc(title));
        count_cells(c, page);
        page.push_str("</tr>");
    }
    page.push_str("</tbody></table>");
    page.push_str(
        "<table class=\"counts\"><thead><tr><th>Severity</th><th>passed</th><th>failed</th><th>not evaluable</th></tr></thead><tbody>",
    );
    for (severity, c) in &tally.severities {
        let _ = write!(page, "<tr><th>{}</th>", severity.as_str());
        count_cells(c, page);
        page.push_str("</tr>");
    }
    page.push_str("</tbody></table>");
    if !tally.worst.is_empty() {
        page.push_str(
            "<table class=\"counts\" id=\"worst\"><thead><tr><th>Most failures</th><th>failed</th></tr></thead><tbody>",
        );
        for (account, n) in tally.worst.iter().take(WORST_ACCOUNTS) {
            let _ = write!(
                page,
                "<tr><th>{}</th><td class=\"n st-failed\">{n}</td></tr>",
                esc(&account_label(account, names))
            );
        }
        page.push_str("</tbody></table>");
    }
    page.push_str("</div>\n</section>\n");
}

fn filters(report: &Report, page: &mut String) {
    page.push_str(
        "<section id=\"filters\" aria-label=\"Filters\">\
         <label>Account <input id=\"f-account\" type=\"search\" placeholder=\"name or id\"></label>\
         <label>Section <select id=\"f-section\"><option value=\"\">all</option>",
    );
    for (i, s) in report.sections.iter().enumerate() {
        let _ = write!(page, "<option value=\"{i}\">{}</option>", esc(&s.title));
    }
    page.push_str(
        "</select></label>\
         <label>Severity at least <select id=\"f-severity\"><option value=\"\">any</option>\
         <option value=\"critical\">critical</option><option value=\"high\">high</option>\
         <option value=\"medium\">medium</option><option value=\"low\">low</option>\
         <option value=\"info\">info</option></select></label>\
         <label>Status <select id=\"f-status\"><option value=\"\">any</option>\
         <option value=\"failed\">failed</option><option value=\"not_evaluable\">not evaluable</option>\
         <option value=\"passed\">passed</option></select></label>\
         <span id=\"f-shown\" aria-live=\"polite\"></span></section>\n",
    );
}

fn matrix(
    report: &Report,
    names: &HashMap<&str, &str>,
    cell_group: &HashMap<(*const ControlReport, &str), (&str, Status)>,
    page: &mut String,
) {
    let controls: Vec<(usize, &ControlReport)> = report
        .sections
        .iter()
        .enumerate()
        .flat_map(|(i, s)| s.controls.iter().map(move |c| (i, c)))
        .collect();
    page.push_str(
        "<section id=\"matrix-section\">\n<h2>Accounts × controls</h2>\n\
         <p class=\"legend\"><span class=\"st-passed\">✓ passed</span> <span class=\"st-failed\">✗ failed</span> \
         <span class=\"st-not_evaluable\">? not evaluable</span> <span>· no resource of that kind</span> — \
         a cell opens its finding; a heading sorts.</p>\n\
         <div class=\"scroll\"><table id=\"matrix\">\n<thead><tr><th class=\"sort\" data-sort=\"name\">Account</th>\
         <th class=\"sort n\" data-sort=\"failed\">✗</th><th class=\"sort n\" data-sort=\"not_evaluable\">?</th>",
    );
    for (ci, (si, c)) in controls.iter().enumerate() {
        let _ = write!(
            page,
            "<th class=\"sort ctl\" data-sort=\"col\" data-col=\"{ci}\" data-section=\"{si}\" data-severity=\"{}\" title=\"{} {} [{}]\">{}</th>",
            c.severity.as_str(),
            esc(&c.control),
            esc(&c.title),
            c.severity.as_str(),
            esc(&c.control)
        );
    }
    page.push_str("</tr></thead>\n<tbody>\n");
    let mut column_counts = vec![Summary::default(); controls.len()];
    for account in &report.inventory.accounts {
        let mut row = String::new();
        let mut counts = Summary::default();
        for (ci, (si, c)) in controls.iter().enumerate() {
            let key = (std::ptr::from_ref(*c), account.as_str());
            match cell_group.get(&key) {
                Some((group, status)) => {
                    counts.add(*status);
                    if let Some(cc) = column_counts.get_mut(ci) {
                        cc.add(*status);
                    }
                    let _ = write!(
                        row,
                        "<td class=\"c st-{}\" data-col=\"{ci}\" data-section=\"{si}\" data-severity=\"{}\" data-g=\"{group}\" title=\"{} {}: {}\">{}</td>",
                        status.as_str(),
                        c.severity.as_str(),
                        esc(&c.control),
                        esc(account),
                        status_word(*status),
                        status.symbol()
                    );
                }
                None => {
                    let _ = write!(
                        row,
                        "<td class=\"c st-none\" data-col=\"{ci}\" data-section=\"{si}\" data-severity=\"{}\">·</td>",
                        c.severity.as_str()
                    );
                }
            }
        }
        let label = account_label(account, names);
        let _ = writeln!(
            page,
            "<tr data-account=\"{}\" data-failed=\"{}\" data-not_evaluable=\"{}\"><th class=\"acct\">{}</th>\
             <td class=\"n st-failed\">{}</td><td class=\"n st-not_evaluable\">{}</td>{row}</tr>",
            esc(&label.to_lowercase()),
            counts.failed,
            counts.not_evaluable,
            esc(&label),
            counts.failed,
            counts.not_evaluable
        );
    }
    page.push_str("</tbody>\n<tfoot><tr><th>failed per control</th><td></td><td></td>");
    for (ci, c) in column_counts.iter().enumerate() {
        let _ = write!(
            page,
            "<td class=\"n st-failed\" data-col=\"{ci}\">{}</td>",
            c.failed
        );
    }
    page.push_str("</tr></tfoot>\n</table></div>\n</section>\n");
}

fn findings(report: &Report, groups: &[Group<'_>], names: &HashMap<&str, &str>, page: &mut String) {
    page.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    let problems = groups.iter().filter(|g| g.status != Status::Passed);
    let passes: Vec<&Group<'_>> = groups
        .iter()
        .filter(|g| g.status == Status::Passed)
        .collect();
    if groups.iter().all(|g| g.status == Status::Passed) {
        page.push_str("<p>Nothing failed.</p>\n");
    }
    for (i, g) in problems.chain(passes.iter().copied()).enumerate() {
        if g.status == Status::Passed && passes.first().is_some_and(|p| std::ptr::eq(*p, g)) {
            page.push_str("<h3 id=\"passed\">Passed, with the evidence of each chain</h3>\n");
        }
        let _ = i;
        let Some(first) = g.results.first() else {
            continue;
        };
        let c = g.control;
        let headline = headline(first);
        let accounts: Vec<String> = g
            .results
            .iter()
            .map(|r| account_label(&r.account, names))
            .collect();
        let mut listed = accounts
            .iter()
            .take(NAMED_ACCOUNTS)
            .map(|a| esc(a).into_owned())
            .collect::<Vec<_>>()
            .join(", ");
        if accounts.len() > NAMED_ACCOUNTS {
            let _ = write!(listed, ", … (+{})", accounts.len() - NAMED_ACCOUNTS);
        }
        let plural = if g.results.len() == 1 { "" } else { "s" };
        let _ = write!(
            page,
            "<details class=\"finding f-{}\" id=\"{}\" data-status=\"{}\" data-section=\"{}\" data-severity=\"{}\">\n\
             <summary><span class=\"mark st-{}\">{}</span> <b>{} {}</b> — {} — {} account{plural} <span class=\"sev\">[{}]</span></summary>\n\
             <div class=\"body\">\n<p class=\"accounts\">{listed}</p>\n",
            g.status.as_str(),
            g.id,
            g.status.as_str(),
            g.section,
            c.severity.as_str(),
            g.status.as_str(),
            g.status.symbol(),
            esc(&c.control),
            esc(&c.title),
            esc(&headline),
            g.results.len(),
            c.severity.as_str(),
        );
        if let Some(risk) = report_risk(c) {
            let _ = writeln!(page, "<p class=\"risk\"><b>Risk.</b> {}</p>", esc(risk));
        }
        if let Some(url) = &report.benchmark.url {
            let _ = writeln!(
                page,
                "<p class=\"ref\">{}, control {} — <a href=\"{}\" rel=\"noreferrer\">{}</a></p>",
                esc(&report.benchmark.title),
                esc(&c.control),
                esc(url),
                esc(url)
            );
        }
        let _ = writeln!(
            page,
            "<p class=\"for\">Chain of account {}:</p>",
            esc(&account_label(&first.account, names))
        );
        for chain in &first.chains {
            chain_svg(&chain.steps, page);
        }
        if first.chains.is_empty() {
            let _ = writeln!(page, "<p class=\"reason\">{}</p>", esc(&first.reason));
        }
        if !first.fixes.is_empty() {
            page.push_str("<div class=\"fixes\"><p><b>Remediation</b> (account shown above):</p>");
            for fix in &first.fixes {
                if let Some(account) = &fix.account {
                    let _ = write!(
                        page,
                        "<p class=\"in\">in account {} (it holds this chain from the {} on):</p>",
                        esc(account),
                        esc(&fix.at_word)
                    );
                }
                let _ = write!(
                    page,
                    "<div class=\"fix\"><pre><code>{}</code></pre><button type=\"button\" class=\"copy\">Copy</button></div>",
                    esc(&fix.text)
                );
            }
            page.push_str("</div>\n");
        }
        if g.results.len() > 1 {
            let _ = write!(
                page,
                "<p class=\"pick\"><label>Another account of this finding <select class=\"acct-pick\" data-g=\"{}\"><option value=\"\">choose…</option>",
                g.id
            );
            for (i, a) in accounts.iter().enumerate() {
                let _ = write!(page, "<option value=\"{i}\">{}</option>", esc(a));
            }
            page.push_str("</select></label></p><div class=\"acct-detail\"></div>\n");
        }
        page.push_str("</div>\n</details>\n");
    }
    page.push_str("</section>\n");
}

/// The risk text of a control's check, when the report has it.
fn report_risk(c: &ControlReport) -> Option<&str> {
    Some(c.risk.as_str()).filter(|r| !r.is_empty())
}

const BOX_W: usize = 190;
const BOX_H: usize = 66;
const GAP: usize = 46;
const PAD: usize = 8;

/// Cuts `s` to `n` characters, with an ellipsis.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Breaks `s` into at most `lines` lines of about `width` characters.
fn wrap(s: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
            if out.len() == lines {
                break;
            }
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if out.len() < lines && !line.is_empty() {
        out.push(line);
    } else if out.len() == lines
        && let Some(last) = out.last_mut()
    {
        let shortened = cut(last, width.saturating_sub(1));
        *last = format!("{shortened}…");
    }
    out.into_iter().map(|l| cut(&l, width + 2)).collect()
}

/// A kind as a box heading: `aws_cloudwatch_metric_filter` reads `cloudwatch metric filter`.
fn kind_word(kind: &str) -> String {
    kind.strip_prefix("aws_").unwrap_or(kind).replace('_', " ")
}

/// Draws a chain as a row of boxes joined by arrows: each node with its kind, real name and
/// region; a broken node in red with the reason under it; a missing step as a dashed box; the
/// link into a broken or missing step dashed and red.
fn chain_svg(steps: &[ChainStep], page: &mut String) {
    if steps.is_empty() {
        return;
    }
    let reason_lines = steps
        .iter()
        .filter(|s| s.status != StepStatus::Ok)
        .filter_map(|s| s.detail.as_deref())
        .map(|d| wrap(d, 30, 4).len())
        .max()
        .unwrap_or(0);
    let width = steps.len() * BOX_W + (steps.len() - 1) * GAP + 2 * PAD;
    let height = BOX_H + 2 * PAD + 16 * reason_lines + 8;
    let _ = write!(
        page,
        "<svg class=\"chain\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>{}</title>",
        esc(&steps
            .iter()
            .map(|s| format!("{} ({})", s.text, s.status.as_str()))
            .collect::<Vec<_>>()
            .join(" → "))
    );
    for (i, s) in steps.iter().enumerate() {
        let x = PAD + i * (BOX_W + GAP);
        let y = PAD;
        if i > 0 {
            let edge = if s.status == StepStatus::Ok {
                "ok"
            } else {
                "broken"
            };
            let _ = write!(
                page,
                "<line class=\"edge {edge}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" marker-end=\"url(#tg-arrow-{edge})\"/>",
                x - GAP + 2,
                y + BOX_H / 2,
                x - 3,
                y + BOX_H / 2
            );
        }
        let status = s.status.as_str();
        let _ = write!(
            page,
            "<g class=\"node {status}\" data-kind=\"{}\"><title>{}</title>\
             <rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"8\"/>",
            esc(&s.kind),
            esc(&s.text)
        );
        let (kind_line, name_line, place_line) = match &s.node {
            Some(n) => {
                let place = match (&n.region, &n.account) {
                    (Some(r), Some(a)) => format!("{r} · {a}"),
                    (Some(r), None) => r.clone(),
                    (None, Some(a)) => a.clone(),
                    (None, None) => String::new(),
                };
                (kind_word(&s.kind), n.name.clone(), place)
            }
            None => (
                kind_word(&s.kind),
                format!("no {}", s.text),
                "missing".to_owned(),
            ),
        };
        let mark = match s.status {
            StepStatus::Ok => "✓",
            StepStatus::Broken => "✗",
            StepStatus::Missing => "∅",
        };
        let _ = write!(
            page,
            "<text x=\"{}\" y=\"{}\" class=\"k\">{mark} {}</text>\
             <text x=\"{}\" y=\"{}\" class=\"name\">{}</text>\
             <text x=\"{}\" y=\"{}\" class=\"place\">{}</text></g>",
            x + 10,
            y + 18,
            esc(&cut(&kind_line, 26)),
            x + 10,
            y + 38,
            esc(&cut(&name_line, 26)),
            x + 10,
            y + 56,
            esc(&cut(&place_line, 30)),
        );
        if s.status != StepStatus::Ok
            && let Some(detail) = s.detail.as_deref().filter(|d| !d.is_empty())
        {
            let _ = write!(
                page,
                "<text class=\"reason\" x=\"{x}\" y=\"{}\">",
                y + BOX_H + 18
            );
            for (li, line) in wrap(detail, 30, reason_lines).iter().enumerate() {
                let _ = write!(
                    page,
                    "<tspan x=\"{x}\" dy=\"{}\">{}</tspan>",
                    if li == 0 { 0 } else { 16 },
                    esc(line)
                );
            }
            page.push_str("</text>");
        }
    }
    page.push_str("</svg>\n");
}

/// The per-account details the page shows on demand: for every finding, each account's
/// chain steps and fixes, with repeated strings kept once.
fn details_data(groups: &[Group<'_>], names: &HashMap<&str, &str>) -> Json {
    let mut strings: Vec<&str> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut intern = |s: &str| -> usize {
        if let Some(i) = index.get(s) {
            return *i;
        }
        let i = index.len();
        index.insert(s.to_owned(), i);
        i
    };
    let mut by_group = serde_json::Map::new();
    for g in groups.iter().filter(|g| g.results.len() > 1) {
        let rows: Vec<Json> = g
            .results
            .iter()
            .map(|r| {
                let chains: Vec<Json> = r
                    .chains
                    .iter()
                    .map(|c| {
                        Json::Array(
                            c.steps
                                .iter()
                                .map(|s| {
                                    json!([
                                        s.status.as_str(),
                                        intern(&s.text),
                                        intern(s.detail.as_deref().unwrap_or("")),
                                    ])
                                })
                                .collect(),
                        )
                    })
                    .collect();
                let fixes: Vec<Json> = r
                    .fixes
                    .iter()
                    .map(|f| json!([intern(f.account.as_deref().unwrap_or("")), intern(&f.text)]))
                    .collect();
                json!([
                    intern(&account_label(&r.account, names)),
                    intern(if r.chains.is_empty() { &r.reason } else { "" }),
                    chains,
                    fixes
                ])
            })
            .collect();
        by_group.insert(g.id.clone(), Json::Array(rows));
    }
    let mut ordered: Vec<(usize, String)> = index.into_iter().map(|(s, i)| (i, s)).collect();
    ordered.sort_unstable_by_key(|(i, _)| *i);
    strings.extend(ordered.iter().map(|(_, s)| s.as_str()));
    json!({"strings": strings, "groups": by_group})
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<img src=x onerror=\"a('1')\">&"),
            "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;"
        );
        assert!(matches!(esc("plain"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn script_json_cannot_close_the_script() {
        let text = script_json(&json!({"s": "</script><script>alert(1)</script>"}));
        assert!(!text.contains("</script"), "{text}");
        let back: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(back["s"], "</script><script>alert(1)</script>");
    }

    #[test]
    fn wraps_and_cuts_reasons() {
        let lines = wrap("one two three four five six seven eight nine ten", 10, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'), "{lines:?}");
        assert_eq!(cut("abcdef", 4), "abc…");
    }
}
