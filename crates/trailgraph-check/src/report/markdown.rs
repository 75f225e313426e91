//! Markdown for tickets and pull requests.

use std::io::{self, Write};

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
        let accounts: Vec<String> = section
            .controls
            .first()
            .map(|c| {
                c.results
                    .iter()
                    .map(|r| format!("`{}`", r.account))
                    .collect()
            })
            .unwrap_or_default();
        writeln!(out, "| Control | Title | {} |", accounts.join(" | "))?;
        writeln!(out, "|---|---|{}", "---|".repeat(accounts.len()))?;
        for control in &section.controls {
            let marks: Vec<&str> = control.results.iter().map(|r| mark(r.status)).collect();
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
            "### {} {} — `{}` ({}): {}",
            mark(r.status),
            r.control,
            r.account,
            r.account_name,
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
        if !r.remediation.is_empty() {
            writeln!(out)?;
            writeln!(out, "```sh")?;
            for c in &r.remediation {
                writeln!(out, "{c}")?;
            }
            writeln!(out, "```")?;
        }
    }
    Ok(())
}
