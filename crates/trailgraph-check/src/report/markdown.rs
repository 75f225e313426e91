//! Markdown for tickets and pull requests.

use std::io::{self, Write};

use crate::remedy::RemediationKind;
use crate::run::{Report, Status};

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Passed => "✅",
        Status::Failed => "❌",
        Status::NotEvaluable => "❔",
    }
}

pub(super) fn write(report: &Report, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "# {} (`{}`)",
        report.benchmark.title, report.benchmark.id
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "Inventory `{}` collected {}; report generated {}{}.",
        report.inventory.source,
        super::time(report.inventory.collected_at),
        super::time(report.generated_at),
        if report.strict { " in strict mode" } else { "" }
    )?;
    writeln!(out)?;
    let s = report.summary;
    writeln!(
        out,
        "**{} passed, {} failed, {} not evaluable**",
        s.passed, s.failed, s.not_evaluable
    )?;
    if let Some(shown) = &report.shown {
        writeln!(out)?;
        writeln!(
            out,
            "Showing only {shown} (the counts above are of every result)."
        )?;
    }
    if let Some(b) = &report.baseline {
        writeln!(out)?;
        writeln!(
            out,
            "**Since `{}`{}:** {} new failures, {} resolved, {} not evaluable now, {} accounts added, {} gone.",
            cell(&b.source),
            if b.generated_at.is_empty() {
                String::new()
            } else {
                format!(" ({})", b.generated_at)
            },
            b.new_failures.len(),
            b.resolved.len(),
            b.unknown_now.len(),
            b.accounts_added.len(),
            b.accounts_gone.len()
        )?;
        for (word, list) in [
            ("New failure", &b.new_failures),
            ("Resolved", &b.resolved),
            ("Not evaluable now", &b.unknown_now),
        ] {
            for c in list {
                writeln!(
                    out,
                    "- {word}: {} `{}` — `{}`",
                    c.control, c.check, c.account
                )?;
            }
        }
    }
    for section in &report.sections {
        writeln!(out)?;
        writeln!(out, "## {}", section.title)?;
        writeln!(out)?;
        let accounts: Vec<String> = report
            .inventory
            .accounts
            .iter()
            .map(|a| format!("`{a}`"))
            .collect();
        writeln!(out, "| Control | Title | {} |", accounts.join(" | "))?;
        writeln!(out, "|---|---|{}", "---|".repeat(accounts.len()))?;
        for control in &section.controls {
            let statuses = control.statuses();
            let marks: Vec<&str> = report
                .inventory
                .accounts
                .iter()
                .map(|a| statuses.get(a.as_str()).map_or("·", |&s| mark(s)))
                .collect();
            writeln!(
                out,
                "| {} | {} | {} |",
                control.control,
                cell(&control.title),
                marks.join(" | ")
            )?;
        }
    }
    let problems: Vec<_> = report
        .results()
        .filter(|r| r.status != Status::Passed)
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "## Findings")?;
    for r in problems {
        writeln!(out)?;
        writeln!(
            out,
            "### {} {} — `{}` ({}){}: {}",
            mark(r.status),
            r.control,
            r.account,
            r.account_name,
            r.resource
                .as_ref()
                .map(|x| format!(", {} `{}`", x.kind, x.name))
                .unwrap_or_default(),
            r.status.as_str().replace('_', " ")
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "{} — check `{}`, severity {}.",
            r.title,
            r.check,
            r.severity.as_str()
        )?;
        writeln!(out)?;
        if r.status == Status::NotEvaluable {
            let first = r.reason.split(" Chain: ").next().unwrap_or(&r.reason);
            writeln!(out, "{first}")?;
            writeln!(out)?;
        }
        for line in &r.explanation {
            writeln!(out, "- {}", line.replace('`', "'"))?;
        }
        if r.status == Status::Failed
            && let Some(chain) = r.chains.first()
            && !chain.steps.is_empty()
        {
            writeln!(out)?;
            write!(out, "{}", mermaid(&chain.steps))?;
        }
        if !r.fixes.is_empty() {
            let language = match report.remediation {
                RemediationKind::Terraform => "hcl",
                _ => "sh",
            };
            // Consecutive fixes that run in the same account share one block.
            let mut groups: Vec<(Option<&str>, &str, Vec<&str>)> = Vec::new();
            for fix in &r.fixes {
                match groups.last_mut() {
                    Some((account, _, texts)) if *account == fix.account.as_deref() => {
                        texts.push(&fix.text);
                    }
                    _ => groups.push((fix.account.as_deref(), &fix.at_word, vec![&fix.text])),
                }
            }
            for (account, at, texts) in groups {
                writeln!(out)?;
                if let Some(a) = account {
                    writeln!(
                        out,
                        "In account `{a}` (it owns the {at} this account relies on):"
                    )?;
                    writeln!(out)?;
                }
                writeln!(out, "```{language}")?;
                // Terraform blocks read better apart; commands one per line.
                let separator = if language == "hcl" { "\n\n" } else { "\n" };
                writeln!(out, "{}", texts.join(separator))?;
                writeln!(out, "```")?;
            }
        }
    }
    Ok(())
}

/// Text for a quoted Mermaid label (names come from the audited party's inventory), cut to
/// `max` characters.
fn mermaid_text(s: &str, max: usize) -> String {
    let mut cut: String = s.chars().take(max).collect();
    let long = s.chars().nth(max).is_some();
    cut = trailgraph_query::graph_output::escape_mermaid(&cut);
    if long {
        cut.push('…');
    }
    cut
}

/// A chain as a Mermaid `flowchart LR` (GitHub and GitLab draw it): a node per step with its
/// kind and name, the link into a broken or missing step dotted with the reason on it, and
/// that step outlined in red.
fn mermaid(steps: &[crate::chain::ChainStep]) -> String {
    use crate::chain::StepStatus;
    let mut out = String::from("```mermaid\nflowchart LR\n");
    for (i, s) in steps.iter().enumerate() {
        let label = match &s.node {
            Some(n) => format!(
                "{}<br/>{}",
                mermaid_text(&s.kind, 40),
                mermaid_text(
                    &format!(
                        "{}{}",
                        n.name,
                        n.region
                            .as_deref()
                            .map(|r| format!(" ({r})"))
                            .unwrap_or_default()
                    ),
                    60
                )
            ),
            None => format!("no {}", mermaid_text(&s.text, 60)),
        };
        let class = match s.status {
            StepStatus::Ok => "",
            StepStatus::Broken => ":::broken",
            StepStatus::Missing => ":::missing",
        };
        out.push_str(&format!("  s{i}[\"{label}\"]{class}\n"));
    }
    for (i, s) in steps.iter().enumerate().skip(1) {
        let from = i - 1;
        match (s.status, s.detail.as_deref().filter(|d| !d.is_empty())) {
            (StepStatus::Ok, _) => out.push_str(&format!("  s{from} --> s{i}\n")),
            (_, Some(d)) => out.push_str(&format!(
                "  s{from} -.->|\"{}\"| s{i}\n",
                mermaid_text(d, 60)
            )),
            (_, None) => out.push_str(&format!("  s{from} -.-> s{i}\n")),
        }
    }
    // A chain broken at its first step: the reason as a note on the step itself.
    if let Some(first) = steps.first()
        && first.status != StepStatus::Ok
        && let Some(d) = first.detail.as_deref().filter(|d| !d.is_empty())
    {
        out.push_str(&format!("  why[\"{}\"] -.- s0\n", mermaid_text(d, 80)));
    }
    out.push_str("  classDef broken stroke:#cf222e,stroke-width:3px\n");
    out.push_str("  classDef missing stroke:#cf222e,stroke-width:2px,stroke-dasharray:5 5\n");
    out.push_str("```\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_labels_cannot_break_out() {
        let t = mermaid_text("a\"] --> x[\"<b>#`\n", 100);
        assert!(!t.contains(['"', '<', '`', '|', '\n']), "{t}");
        assert_eq!(mermaid_text("abcdef", 3), "abc…");
    }
}
