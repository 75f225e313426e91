//! The text format for terminals.

use std::io::{self, Write};

use std::collections::{HashMap, HashSet};

use super::findings::{Group, account_label, account_names, groups, headline, tally};
use crate::baseline::Baseline;
use crate::remedy::RemediationKind;
use crate::run::{CheckResult, ControlReport, Report, Status, Summary};

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

/// How many accounts a list names before it counts the rest.
const NAMED: usize = 10;
/// How many of the accounts with the most failures, and of the most common breaks, the
/// summary names.
const TOP: usize = 5;

/// The terminal's width (`COLUMNS`), else 120.
fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| *w >= 40)
        .unwrap_or(120)
}

fn names_list(names: &[String]) -> String {
    let mut text = names
        .iter()
        .take(NAMED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > NAMED {
        text.push_str(&format!(", … (+{})", names.len() - NAMED));
    }
    text
}

fn counts_line(c: &Summary, color: bool) -> String {
    format!(
        "{} passed, {} failed, {} not evaluable",
        paint(&c.passed.to_string(), GREEN, color),
        paint(&c.failed.to_string(), RED, color),
        paint(&c.not_evaluable.to_string(), YELLOW, color)
    )
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
    let accounts = &report.inventory.accounts;
    if accounts.len() <= NAMED {
        writeln!(out, "accounts:  {}", accounts.join("  "))?;
    } else {
        writeln!(
            out,
            "accounts:  {} ({})",
            accounts.len(),
            names_list(accounts)
        )?;
    }
    for u in &report.inventory.unreached {
        writeln!(out, "{} {}", paint("not read:", YELLOW, color), u.reason)?;
    }
    if let Some(shown) = &report.shown {
        writeln!(
            out,
            "showing only: {shown} (the summary counts every result)"
        )?;
    }
    if let Some(b) = &report.baseline {
        baseline(b, out, color)?;
    }
    let names = account_names(report);
    let groups = groups(report);
    summary(report, &names, &groups, out, color)?;
    if 9 + 2 * accounts.len() + 30 <= width() {
        matrix(report, out, color)?;
    } else {
        per_account(report, &names, out, color)?;
    }
    findings(report, &names, &groups, out, color)?;
    writeln!(out)?;
    let s = report.summary;
    writeln!(out, "{}", counts_line(&s, color))
}

/// Changes since the earlier report, before anything else.
fn baseline(b: &Baseline, out: &mut impl Write, color: bool) -> io::Result<()> {
    writeln!(out)?;
    let when = if b.generated_at.is_empty() {
        String::new()
    } else {
        format!(" of {}", b.generated_at)
    };
    writeln!(
        out,
        "{}",
        paint(&format!("Since {}{when}", b.source), BOLD, color)
    )?;
    if b.is_empty() {
        writeln!(out, "  nothing changed")?;
    }
    for (word, changes, status) in [
        ("new failures", &b.new_failures, Status::Failed),
        ("resolved", &b.resolved, Status::Passed),
        ("not evaluable now", &b.unknown_now, Status::NotEvaluable),
    ] {
        if changes.is_empty() {
            continue;
        }
        writeln!(out, "  {} {word}: {}", symbol(status, color), changes.len())?;
        for c in changes.iter().take(NAMED) {
            writeln!(
                out,
                "    {} {} — account {}{}",
                c.control,
                c.check,
                c.account,
                c.resource
                    .as_deref()
                    .map(|r| format!(", {r}"))
                    .unwrap_or_default()
            )?;
        }
        if changes.len() > NAMED {
            writeln!(out, "    … (+{})", changes.len() - NAMED)?;
        }
    }
    for (word, accounts) in [
        ("accounts added", &b.accounts_added),
        ("accounts gone", &b.accounts_gone),
    ] {
        if !accounts.is_empty() {
            writeln!(out, "  {word}: {}", names_list(accounts))?;
        }
    }
    Ok(())
}

/// Counts per section and severity, the accounts with the most failures and the most common
/// breaks: what is wrong, on the first screen.
fn summary(
    report: &Report,
    names: &HashMap<&str, &str>,
    groups: &[Group<'_>],
    out: &mut impl Write,
    color: bool,
) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "{}", paint("Summary", BOLD, color))?;
    let tally = tally(report);
    for (title, c) in &tally.sections {
        writeln!(out, "  {:<28} {}", title, counts_line(c, color))?;
    }
    for (severity, c) in &tally.severities {
        writeln!(out, "  {:<28} {}", severity.as_str(), counts_line(c, color))?;
    }
    if !tally.worst.is_empty() {
        let listed: Vec<String> = tally
            .worst
            .iter()
            .take(TOP)
            .map(|(a, n)| format!("{} {n}", account_label(a, names)))
            .collect();
        writeln!(out, "  most failures: {}", listed.join(", "))?;
    }
    let mut common: Vec<&Group<'_>> = groups
        .iter()
        .filter(|g| g.status != Status::Passed)
        .collect();
    common.sort_by_key(|g| std::cmp::Reverse(g.results.len()));
    if !common.is_empty() {
        writeln!(out, "  most common breaks:")?;
        for g in common.iter().take(TOP) {
            let Some(first) = g.results.first() else {
                continue;
            };
            let plural = if g.results.len() == 1 { "" } else { "s" };
            writeln!(
                out,
                "    {} {} {} — {} account{plural}",
                symbol(g.status, color),
                g.control.control,
                headline(first),
                g.results.len()
            )?;
        }
    }
    Ok(())
}

/// Per section a line per control with a mark per account (while the accounts fit the width).
fn matrix(report: &Report, out: &mut impl Write, color: bool) -> io::Result<()> {
    for section in &report.sections {
        writeln!(out)?;
        writeln!(out, "{}", paint(&section.title, BOLD, color))?;
        for control in &section.controls {
            // One mark per account: the worst of its results (a check about another kind has
            // one result per resource); `·` where the account has nothing of that kind.
            let statuses = control.statuses();
            let marks: Vec<String> = report
                .inventory
                .accounts
                .iter()
                .map(|a| {
                    statuses
                        .get(a.as_str())
                        .map_or("·".to_owned(), |&s| symbol(s, color))
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
    Ok(())
}

/// Too many accounts for a matrix: one line per account with problems, most failures first.
fn per_account(
    report: &Report,
    names: &HashMap<&str, &str>,
    out: &mut impl Write,
    color: bool,
) -> io::Result<()> {
    let controls: Vec<(&ControlReport, HashMap<&str, Status>)> = report
        .sections
        .iter()
        .flat_map(|s| &s.controls)
        .map(|c| (c, c.statuses()))
        .collect();
    let mut rows: Vec<(usize, usize, &str, Vec<&str>)> = Vec::new();
    let mut clean = 0usize;
    for account in &report.inventory.accounts {
        let mut failed = 0;
        let mut unknown = 0;
        let mut marked = Vec::new();
        for (c, statuses) in &controls {
            match statuses.get(account.as_str()) {
                Some(Status::Failed) => {
                    failed += 1;
                    marked.push(c.control.as_str());
                }
                Some(Status::NotEvaluable) => {
                    unknown += 1;
                    marked.push(c.control.as_str());
                }
                _ => {}
            }
        }
        if failed + unknown == 0 {
            clean += 1;
        } else {
            rows.push((failed, unknown, account, marked));
        }
    }
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(b.2)));
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        paint(
            &format!(
                "Accounts ({}; {} without a failure or unknown)",
                report.inventory.accounts.len(),
                clean
            ),
            BOLD,
            color
        )
    )?;
    for (failed, unknown, account, marked) in rows {
        writeln!(
            out,
            "  {:<40} {:>3} ✗ {:>3} ?  {}",
            account_label(account, names),
            failed,
            unknown,
            marked.join(" ")
        )?;
    }
    Ok(())
}

/// Every failed or not-evaluable finding (results grouped by identical break) with its chain
/// and the fixes of its first account.
fn findings(
    report: &Report,
    names: &HashMap<&str, &str>,
    groups: &[Group<'_>],
    out: &mut impl Write,
    color: bool,
) -> io::Result<()> {
    let problems: Vec<&Group<'_>> = groups
        .iter()
        .filter(|g| g.status != Status::Passed)
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{}", paint("What failed", BOLD, color))?;
    // A fix that runs in another account (an organisation trail's home) is printed once per
    // control, however many member accounts it repairs.
    let mut printed: HashSet<(&str, &str, &str)> = HashSet::new();
    for g in problems {
        let Some(r) = g.results.first() else {
            continue;
        };
        writeln!(out)?;
        let who = if g.results.len() == 1 {
            format!(
                "{}{}",
                result_label(r),
                r.resource
                    .as_ref()
                    .map(|x| format!(", {} {}", x.kind, x.name))
                    .unwrap_or_default()
            )
        } else {
            // One result per account: a result's own resource is part of its break.
            let listed: Vec<String> = g
                .results
                .iter()
                .map(|x| account_label(&x.account, names))
                .collect();
            format!("{} accounts: {}", listed.len(), names_list(&listed))
        };
        writeln!(
            out,
            "{} {} {} — {who} [{}]",
            symbol(r.status, color),
            r.control,
            r.check,
            r.severity.as_str()
        )?;
        if r.status == Status::NotEvaluable {
            let first = r.reason.split(" Chain: ").next().unwrap_or(&r.reason);
            writeln!(out, "    {first}")?;
        }
        for line in &r.explanation {
            writeln!(out, "    {line}")?;
        }
        if g.results.len() > 1 && !r.fixes.is_empty() {
            writeln!(
                out,
                "    fix, for {} (each account's own commands: --format json or html):",
                account_label(&r.account, names)
            )?;
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
    Ok(())
}

fn result_label(r: &CheckResult) -> String {
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
