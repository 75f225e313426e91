//! The text format for terminals.

use std::io::{self, Write};

use std::collections::HashSet;

use crate::remedy::RemediationKind;
use crate::run::{CheckResult, Report, Status};

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
    if let Some(shown) = &report.shown {
        writeln!(
            out,
            "showing only: {shown} (the summary counts every result)"
        )?;
    }
    for u in &report.inventory.unreached {
        writeln!(out, "{} {}", paint("not read:", YELLOW, color), u.reason)?;
    }
    for section in &report.sections {
        writeln!(out)?;
        writeln!(out, "{}", paint(&section.title, BOLD, color))?;
        for control in &section.controls {
            // One mark per account: the worst of its results (a check about another kind has
            // one result per resource); `·` where the account has nothing of that kind.
            let marks: Vec<String> = report
                .inventory
                .accounts
                .iter()
                .map(|a| {
                    control
                        .status_for(a)
                        .map_or("·".to_owned(), |s| symbol(s, color))
                })
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
    // A fix that runs in another account (an organisation trail's home) is printed once per
    // control, however many member accounts it repairs.
    let mut printed: HashSet<(&str, &str, &str)> = HashSet::new();
    for r in problems {
        writeln!(out)?;
        writeln!(
            out,
            "{} {} {} — {}{} [{}]",
            symbol(r.status, color),
            r.control,
            r.check,
            account_label(r),
            r.resource
                .as_ref()
                .map(|x| format!(", {} {}", x.kind, x.name))
                .unwrap_or_default(),
            r.severity.as_str()
        )?;
        if r.status == Status::NotEvaluable {
            let first = r.reason.split(" Chain: ").next().unwrap_or(&r.reason);
            writeln!(out, "    {first}")?;
        }
        for line in &r.explanation {
            writeln!(out, "    {line}")?;
        }
        let mut header: Option<&str> = None;
        for fix in &r.fixes {
            if let Some(account) = &fix.account {
                if !printed.insert((&r.control, account, &fix.text)) {
                    writeln!(
                        out,
                        "    (repaired by the fix in account {account} shown above for this control)"
                    )?;
                    continue;
                }
                if header != Some(account.as_str()) {
                    writeln!(
                        out,
                        "    in account {account} (it holds this account's chain from the {} on):",
                        fix.at_word
                    )?;
                    header = Some(account);
                }
            } else {
                header = None;
            }
            write_fix(out, &fix.text, report.remediation)?;
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

fn account_label(r: &CheckResult) -> String {
    if r.account_name == r.account {
        format!("account {}", r.account)
    } else {
        format!("account {} ({})", r.account, r.account_name)
    }
}

/// A CLI command after `$ `; a Terraform snippet indented as a block.
fn write_fix(out: &mut impl Write, text: &str, kind: RemediationKind) -> io::Result<()> {
    match kind {
        RemediationKind::Terraform => {
            for line in text.lines() {
                if line.is_empty() {
                    writeln!(out)?;
                } else {
                    writeln!(out, "      {line}")?;
                }
            }
            Ok(())
        }
        _ => writeln!(out, "    $ {text}"),
    }
}
