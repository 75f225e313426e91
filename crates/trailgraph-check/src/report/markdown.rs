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
            let marks: Vec<&str> = report
                .inventory
                .accounts
                .iter()
                .map(|a| control.status_for(a).map_or("·", mark))
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
