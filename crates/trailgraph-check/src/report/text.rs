//! The text format for terminals.

use std::io::{self, Write};

use crate::run::{Report, Status};

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

fn paint(s: &str, colour: &str, on: bool) -> String {
    if on {
        format!("{colour}{s}{RESET}")
    } else {
        s.to_owned()
    }
}

fn symbol(status: Status, color: bool) -> String {
    let colour = match status {
        Status::Passed => GREEN,
        Status::Failed => RED,
        Status::NotEvaluable => YELLOW,
    };
    paint(status.symbol(), colour, color)
}

pub(super) fn write(report: &Report, out: &mut impl Write, color: bool) -> io::Result<()> {
    let header = format!(
        "{} ({}){}",
        report.benchmark.title,
        report.benchmark.id,
        if report.strict {
            ", strict"
        } else if report.filter_judgement == "language" {
            ", filters judged by the pattern language only"
        } else {
            ""
        }
    );
    writeln!(out, "{}", paint(&header, BOLD, color))?;
    writeln!(
        out,
        "inventory: {}, collected {}, {} nodes, {} collection errors",
        report.inventory.source,
        super::time(report.inventory.collected_at),
        report.inventory.nodes,
        report.inventory.collection_errors
    )?;
    writeln!(out, "accounts:  {}", report.inventory.accounts.join("  "))?;
    for u in &report.inventory.unreached {
        writeln!(out, "{} {}", paint("not read:", YELLOW, color), u.reason)?;
    }
    for section in &report.sections {
        writeln!(out)?;
        writeln!(out, "{}", paint(&section.title, BOLD, color))?;
        for control in &section.controls {
            let marks: Vec<String> = control
                .results
                .iter()
                .map(|r| symbol(r.status, color))
                .collect();
            writeln!(
                out,
                "  {:<6} {}  {}",
                control.control,
                marks.join(" "),
                control.title
            )?;
        }
    }
    let problems: Vec<_> = report
        .results()
        .filter(|r| r.status != Status::Passed)
        .collect();
    if !problems.is_empty() {
        writeln!(out)?;
        writeln!(out, "{}", paint("What failed", BOLD, color))?;
    }
    for r in problems {
        writeln!(out)?;
        writeln!(
            out,
            "{} {} {} — account {}{} [{}]",
            symbol(r.status, color),
            r.control,
            r.check,
            r.account,
            if r.account_name == r.account {
                String::new()
            } else {
                format!(" ({})", r.account_name)
            },
            r.severity.as_str()
        )?;
        if r.status == Status::NotEvaluable {
            let first = r.reason.split(" Chain: ").next().unwrap_or(&r.reason);
            writeln!(out, "    {first}")?;
        }
        for line in &r.explanation {
            writeln!(out, "    {line}")?;
        }
        for command in &r.remediation {
            writeln!(out, "    $ {command}")?;
        }
    }
    writeln!(out)?;
    let s = report.summary;
    writeln!(
        out,
        "{} passed, {} failed, {} not evaluable",
        paint(&s.passed.to_string(), GREEN, color),
        paint(&s.failed.to_string(), RED, color),
        paint(&s.not_evaluable.to_string(), YELLOW, color)
    )
}
