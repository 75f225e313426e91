//! What one line typed into the shell does: the shell's own commands, or the shared command-line
//! path of `-c`.

use std::fmt::Write as _;
use std::io::Write;
use std::ops::Range;

use trailgraph_check::{CheckError, Format, RunOptions, write_report};
use trailgraph_model::Kind;
use trailgraph_query::{
    CommandError, Searcher, TraceOptions, explain, lower_traced, parse, run_command_line,
};

use super::Session;
use super::vocabulary::property_paths;
use crate::shell::render_command_error;

/// One command of the shell, for `help` and completion.
pub(crate) struct CommandHelp {
    /// The command's name (the first word).
    pub name: &'static str,
    /// How it is written.
    pub usage: &'static str,
    /// What it does.
    pub summary: &'static str,
}

/// Every command, the shell's own first, then those of the shared command-line path.
pub(crate) const COMMANDS: &[CommandHelp] = &[
    CommandHelp {
        name: "help",
        usage: "help [COMMAND]",
        summary: "list the commands, or explain one",
    },
    CommandHelp {
        name: "kinds",
        usage: "kinds",
        summary: "the kinds in the inventory with their node counts",
    },
    CommandHelp {
        name: "properties",
        usage: "properties KIND",
        summary: "the property paths seen on nodes of KIND, with their types",
    },
    CommandHelp {
        name: "checks",
        usage: "checks",
        summary: "the checks of the newest benchmark: control, id, severity, title",
    },
    CommandHelp {
        name: "benchmarks",
        usage: "benchmarks",
        summary: "the benchmarks that `benchmark run` accepts",
    },
    CommandHelp {
        name: "check",
        usage: "check run ID... [--benchmark ID] [--account ID]... [--strict]",
        summary: "run checks (by id or control number) as `trailgraph check --check ID` does",
    },
    CommandHelp {
        name: "benchmark",
        usage: "benchmark run ID [--account ID]... [--strict]",
        summary: "run a whole benchmark as `trailgraph check --benchmark ID` does",
    },
    CommandHelp {
        name: "explain",
        usage: "explain [--node ID|NAME] QUERY",
        summary: "the plan of QUERY with node counts per step; with --node, why that node matches QUERY or not, level by level",
    },
    CommandHelp {
        name: "quit",
        usage: "quit",
        summary: "leave the shell (also `exit` and Ctrl-D)",
    },
    CommandHelp {
        name: "search",
        usage: "search [--explain] QUERY",
        summary: "find nodes; the result goes to the next command or is listed",
    },
    CommandHelp {
        name: "count",
        usage: "count [PATH]",
        summary: "count the nodes, or the nodes per value of PATH",
    },
    CommandHelp {
        name: "list",
        usage: "list [--csv | --markdown] [PATH [as NAME], ...]",
        summary: "one line per node with the default or the given columns",
    },
    CommandHelp {
        name: "dump",
        usage: "dump",
        summary: "whole nodes as YAML",
    },
    CommandHelp {
        name: "format",
        usage: "format [--json | --ndjson | --yaml | --text] [\"TEXT {path}\"]",
        summary: "a fixed output format, or a line per node with {path} placeholders",
    },
    CommandHelp {
        name: "head",
        usage: "head [N]",
        summary: "the first N results (100 by default)",
    },
    CommandHelp {
        name: "tail",
        usage: "tail [N]",
        summary: "the last N results (100 by default)",
    },
    CommandHelp {
        name: "sort",
        usage: "sort PATH [asc|desc], ...",
        summary: "the order of the search result",
    },
    CommandHelp {
        name: "limit",
        usage: "limit [OFFSET,] N",
        summary: "a window of the search result",
    },
    CommandHelp {
        name: "aggregate",
        usage: "aggregate GROUP: FUNCTIONS",
        summary: "group the search result, e.g. `aggregate kind: sum(1) as count`",
    },
    CommandHelp {
        name: "uniq",
        usage: "uniq",
        summary: "drop repeated elements",
    },
    CommandHelp {
        name: "json",
        usage: "json VALUE",
        summary: "start a pipeline with a JSON value (an array gives one element each)",
    },
];

/// Runs one line; the output goes to `out`, a failure comes back rendered (caret block).
pub(crate) fn run(line: &str, session: &Session, out: &mut Vec<u8>) -> Result<(), String> {
    let words = words(line);
    let Some((first_span, first)) = words.first() else {
        return Ok(());
    };
    let args = &words[1..];
    match *first {
        "help" => help(line, args, out),
        "properties" => properties(line, first_span, args, session, out),
        "checks" => {
            no_arguments(line, args)?;
            checks(session, out)
        }
        "benchmarks" => {
            no_arguments(line, args)?;
            benchmarks(session, out)
        }
        "check" | "benchmark" => run_checks(line, first, first_span, args, session, out),
        "explain" => explain_query(
            line,
            first_span.end,
            &session.inventory,
            &session.context,
            out,
        ),
        _ => {
            crate::shell::vet_line(line, session.vocabulary(), &mut std::io::stderr().lock())?;
            run_command_line(line, &session.inventory, &session.context, out)
                .map_err(|e| render_command_error(line, &e))
        }
    }
}

/// The whitespace-separated words of `line` with their byte ranges.
fn words(line: &str) -> Vec<(Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s..i, &line[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s..line.len(), &line[s..]));
    }
    out
}

fn error_at(line: &str, span: Range<usize>, message: &str) -> String {
    trailgraph_query::render_error(line, span, message)
}

fn io_error(e: std::io::Error) -> String {
    format!("error: cannot write output: {e}")
}

fn no_arguments(line: &str, args: &[(Range<usize>, &str)]) -> Result<(), String> {
    match (args.first(), args.last()) {
        (Some((first, _)), Some((last, _))) => Err(error_at(
            line,
            first.start..last.end,
            "this command takes no arguments",
        )),
        _ => Ok(()),
    }
}

fn help(line: &str, args: &[(Range<usize>, &str)], out: &mut Vec<u8>) -> Result<(), String> {
    let mut text = String::new();
    match args {
        [] => {
            text.push_str("Shell commands:\n");
            for command in COMMANDS {
                if command.name == "search" {
                    text.push_str(
                        "\nCommand lines as in Fix Inventory (`search QUERY | CMD | CMD; next line`):\n",
                    );
                }
                let _ = writeln!(text, "  {:<62} {}", command.usage, command.summary);
            }
            text.push_str(
                "\nTab completes commands, kinds, property paths, check and benchmark ids. Ctrl-R\n\
                 searches the history, Ctrl-C abandons the line or a running command, Ctrl-D leaves.\n\
                 An open (, [, { or quote continues the input on the next line.\n\
                 The query language: docs/query-language.md; the shell: docs/shell.md.\n",
            );
        }
        [(span, name)] => match COMMANDS
            .iter()
            .find(|c| c.name == *name || (*name == "exit" && c.name == "quit"))
        {
            Some(command) => {
                let _ = writeln!(text, "{}\n  {}", command.usage, command.summary);
            }
            None => {
                return Err(error_at(
                    line,
                    span.clone(),
                    &format!("no command `{name}`"),
                ));
            }
        },
        [_, (span, _), ..] => {
            return Err(error_at(
                line,
                span.start..line.trim_end().len(),
                "help takes one command",
            ));
        }
    }
    out.write_all(text.as_bytes()).map_err(io_error)
}

fn properties(
    line: &str,
    command: &Range<usize>,
    args: &[(Range<usize>, &str)],
    session: &Session,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let (span, name) = match args {
        [one] => one,
        [] => {
            return Err(error_at(
                line,
                command.end..command.end,
                "properties needs a kind, e.g. `properties aws_cloud_trail`",
            ));
        }
        [_, (span, _), ..] => {
            return Err(error_at(
                line,
                span.start..line.trim_end().len(),
                "properties takes one kind",
            ));
        }
    };
    let Some(kinds) = Kind::matching(name) else {
        return Err(error_at(
            line,
            span.clone(),
            &format!("unknown kind `{name}`"),
        ));
    };
    let inventory = &session.inventory;
    let objects = kinds
        .iter()
        .flat_map(|kind| inventory.nodes_of_kind(*kind))
        .filter_map(|id| inventory.node(*id))
        .map(|node| &node.reported);
    let paths = property_paths(objects);
    if paths.is_empty() {
        return writeln!(out, "no nodes of kind {name} in the inventory").map_err(io_error);
    }
    let width = paths.keys().map(|p| p.chars().count()).max().unwrap_or(0);
    let mut text = String::new();
    for (path, types) in &paths {
        let types: Vec<&str> = types.iter().copied().collect();
        let _ = writeln!(text, "{path:<width$}  {}", types.join(" | "));
    }
    out.write_all(text.as_bytes()).map_err(io_error)
}

fn checks(session: &Session, out: &mut Vec<u8>) -> Result<(), String> {
    let catalog = session.catalog()?;
    let mut text = String::new();
    match catalog.default_benchmark() {
        Some(benchmark) => {
            let _ = writeln!(text, "{} ({}):", benchmark.title, benchmark.id);
            for (_, control) in benchmark.controls() {
                let severity = catalog
                    .check(&control.check)
                    .map_or("", |c| c.severity.as_str());
                let _ = writeln!(
                    text,
                    "  {:<6} {:<50} {:<8} {}",
                    control.control, control.check, severity, control.title
                );
            }
        }
        None => {
            for check in catalog.checks() {
                let _ = writeln!(
                    text,
                    "  {:<50} {:<8} {}",
                    check.id,
                    check.severity.as_str(),
                    check.title
                );
            }
        }
    }
    out.write_all(text.as_bytes()).map_err(io_error)
}

fn benchmarks(session: &Session, out: &mut Vec<u8>) -> Result<(), String> {
    let catalog = session.catalog()?;
    let mut text = String::new();
    for benchmark in catalog.benchmarks() {
        let controls = benchmark.controls().count();
        let _ = writeln!(
            text,
            "  {:<14} {} ({controls} controls)",
            benchmark.id, benchmark.title
        );
    }
    out.write_all(text.as_bytes()).map_err(io_error)
}

/// `check run ID... [options]` and `benchmark run ID [options]`: the same run as
/// `trailgraph check` with `--check` or `--benchmark`, written as its text report.
fn run_checks(
    line: &str,
    command: &str,
    command_span: &Range<usize>,
    args: &[(Range<usize>, &str)],
    session: &Session,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let usage = if command == "check" {
        "usage: check run ID... [--benchmark ID] [--account ID]... [--strict]"
    } else {
        "usage: benchmark run ID [--account ID]... [--strict]"
    };
    let rest = match args.split_first() {
        Some(((_, "run"), rest)) => rest,
        Some(((span, _), _)) => return Err(error_at(line, span.clone(), usage)),
        None => return Err(error_at(line, command_span.end..command_span.end, usage)),
    };
    let mut ids: Vec<(Range<usize>, &str)> = Vec::new();
    let mut options = RunOptions {
        benchmark: None,
        checks: Vec::new(),
        accounts: Vec::new(),
        strict: false,
        language_only: false,
        remediation: trailgraph_check::RemediationKind::Cli,
        generated_at: None,
    };
    let mut i = 0;
    while let Some((span, word)) = rest.get(i) {
        match *word {
            "--strict" => options.strict = true,
            "--language-only" => options.language_only = true,
            "--account" | "--benchmark" if command == "check" || *word == "--account" => {
                let Some((_, value)) = rest.get(i + 1) else {
                    return Err(error_at(
                        line,
                        span.clone(),
                        &format!("{word} needs a value"),
                    ));
                };
                if *word == "--account" {
                    options.accounts.push((*value).to_owned());
                } else {
                    options.benchmark = Some((*value).to_owned());
                }
                i += 1;
            }
            flag if flag.starts_with("--") => {
                return Err(error_at(
                    line,
                    span.clone(),
                    &format!("unknown option `{flag}`; {usage}"),
                ));
            }
            id => ids.push((span.clone(), id)),
        }
        i += 1;
    }
    if command == "check" {
        if ids.is_empty() {
            return Err(error_at(
                line,
                line.trim_end().len()..line.trim_end().len(),
                usage,
            ));
        }
        options.checks = ids.iter().map(|(_, id)| (*id).to_owned()).collect();
    } else {
        match ids.as_slice() {
            [(_, id)] => options.benchmark = Some((*id).to_owned()),
            [] => {
                return Err(error_at(
                    line,
                    line.trim_end().len()..line.trim_end().len(),
                    usage,
                ));
            }
            [_, (span, _), ..] => {
                return Err(error_at(
                    line,
                    span.clone(),
                    "benchmark run takes one benchmark",
                ));
            }
        }
    }
    let catalog = session.catalog()?;
    let report = trailgraph_check::run(catalog, &session.inventory, &options).map_err(|e| {
        let id = match &e {
            CheckError::UnknownBenchmark { id, .. }
            | CheckError::UnknownCheck { id, .. }
            | CheckError::UnknownAccount { id } => Some(id.as_str()),
            _ => None,
        };
        match id.and_then(|id| rest.iter().find(|(_, word)| *word == id)) {
            Some((span, _)) => error_at(line, span.clone(), &e.to_string()),
            None => format!("error: {e}"),
        }
    })?;
    write_report(&report, Format::Text, out, session.color).map_err(io_error)
}

/// `explain [--node ID] QUERY`: parse and lower as `search` does, then run the plan with
/// counts per step; for a query with `with` clauses, also trace one node (the one asked for,
/// or the first candidate that matches and the first that does not) level by level.
pub(crate) fn explain_query(
    line: &str,
    query_start: usize,
    inventory: &trailgraph_model::Inventory,
    context: &trailgraph_query::Context,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let after = &line[query_start..];
    let mut offset = query_start + (after.len() - after.trim_start().len());
    let mut wanted: Option<(Range<usize>, String)> = None;
    if let Some(rest) = line[offset..].strip_prefix("--node") {
        let value_start = offset + "--node".len() + (rest.len() - rest.trim_start().len());
        let value: String = line[value_start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        if value.is_empty() {
            return Err(error_at(
                line,
                offset..offset + "--node".len(),
                "--node needs a node id or name",
            ));
        }
        let end = value_start + value.len();
        wanted = Some((value_start..end, value));
        let rest = &line[end..];
        offset = end + (rest.len() - rest.trim_start().len());
    }
    if let Some(rest) = line[offset..].strip_prefix("search")
        && (rest.is_empty() || rest.starts_with(char::is_whitespace))
    {
        offset += "search".len() + (rest.len() - rest.trim_start().len());
    }
    let text = line[offset..].trim_end();
    let query = if text.is_empty() { "all" } else { text };
    // Padding keeps error spans at their place in the line.
    let padded = format!("{}{query}", " ".repeat(offset));
    let parsed = parse(&padded)
        .map_err(|error| render_command_error(line, &CommandError::Parse { error }))?;
    let traced = lower_traced(&parsed, context)
        .map_err(|error| render_command_error(line, &CommandError::Lower { error }))?;
    let mut explained = explain(&traced.plan, inventory);
    if !explained.ends_with('\n') {
        explained.push('\n');
    }
    let searcher = Searcher::new(inventory);
    // A match is shown by its witnesses; a miss by every candidate of every level.
    let trace_of = |node, matched: bool, heading: &str, text: &mut String| {
        let options = TraceOptions {
            witness_only: matched,
            ..TraceOptions::default()
        };
        let trace = searcher.trace(&traced, node, &options);
        text.push_str(heading);
        text.push('\n');
        let _ = trace.write_tree(&traced, inventory, text);
    };
    if let Some((span, id)) = wanted {
        let node = inventory.find(&id).or_else(|| {
            inventory
                .node_ids()
                .find(|n| inventory.node(*n).is_some_and(|x| x.name() == id))
        });
        let Some(node) = node else {
            return Err(error_at(line, span, "no node has this id or name"));
        };
        let matched = searcher.matches(&traced.plan, node);
        trace_of(node, matched, "\ntrace:", &mut explained);
    } else if traced.levels.len() > 1 && traced.plan.parts.len() == 1 {
        // Without --node: one candidate of the first part that matches and one that does not.
        let part = &traced.plan.parts[0];
        let candidates: Vec<_> = match &part.source {
            trailgraph_query::plan::Source::Kinds(kinds) => kinds
                .kinds()
                .flat_map(|k| inventory.nodes_of_kind(k).iter().copied())
                .collect(),
            trailgraph_query::plan::Source::All => inventory.node_ids().collect(),
        };
        let mut shown_match = false;
        let mut shown_miss = false;
        for node in candidates.into_iter().take(10_000) {
            let matched = searcher.matches(&traced.plan, node);
            if matched && !shown_match {
                shown_match = true;
                trace_of(node, true, "\ntrace of the first match:", &mut explained);
            } else if !matched && !shown_miss && searcher.matches_term(&traced.plan, node) {
                shown_miss = true;
                trace_of(
                    node,
                    false,
                    "\ntrace of the first candidate that does not match:",
                    &mut explained,
                );
            }
            if shown_match && shown_miss {
                break;
            }
        }
    }
    out.write_all(explained.as_bytes()).map_err(io_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_carry_their_place() {
        let got = words("  check run  4.1 ");
        let spans: Vec<(Range<usize>, &str)> =
            vec![(2..7, "check"), (8..11, "run"), (13..16, "4.1")];
        assert_eq!(got, spans);
    }
}
