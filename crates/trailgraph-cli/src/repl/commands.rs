//! What one line does, in every mode of `trailgraph shell` (`-c`, stdin, the interactive
//! shell): the shell's own commands, or the shared command-line path.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::ops::Range;

use trailgraph_check::{CheckError, Format, RunOptions, write_report};
use trailgraph_model::Kind;
use trailgraph_query::words::{self, Args};
use trailgraph_query::{
    CommandError, Searcher, TraceOptions, explain, lower_traced, parse, run_command_line,
};

use super::Session;
use super::vocabulary::property_paths;
use crate::shell::render_command_error;

/// One of the shell's own commands, for `help`, completion and highlighting. The pipe commands
/// (`search`, `count`, `list`, ...) are in [`trailgraph_query::words::COMMANDS`].
pub(crate) struct CommandHelp {
    /// The command's name (the first word).
    pub name: &'static str,
    /// How it is written.
    pub usage: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// What its arguments are, for completion.
    pub args: Args,
    /// Its options, completed after `--`.
    pub options: &'static [&'static str],
}

/// The shell's own commands, in the order `help` lists them.
pub(crate) const COMMANDS: &[CommandHelp] = &[
    CommandHelp {
        name: "help",
        usage: "help [COMMAND]",
        summary: "list the commands, or explain one",
        args: Args::None,
        options: &[],
    },
    CommandHelp {
        name: "properties",
        usage: "properties KIND",
        summary: "the property paths seen on nodes of KIND, with their types",
        args: Args::Kind,
        options: &[],
    },
    CommandHelp {
        name: "checks",
        usage: "checks",
        summary: "the checks of the newest benchmark: control, id, severity, title",
        args: Args::None,
        options: &[],
    },
    CommandHelp {
        name: "benchmarks",
        usage: "benchmarks",
        summary: "the benchmarks that `benchmark run` accepts",
        args: Args::None,
        options: &[],
    },
    CommandHelp {
        name: "check",
        usage: "check run ID... [--benchmark ID] [--account ID]... [--strict] [--language-only]",
        summary: "run checks (by id or control number) as `trailgraph check --check ID` does",
        args: Args::None,
        options: &["--account", "--benchmark", "--language-only", "--strict"],
    },
    CommandHelp {
        name: "benchmark",
        usage: "benchmark run ID [--account ID]... [--strict] [--language-only]",
        summary: "run a whole benchmark as `trailgraph check --benchmark ID` does",
        args: Args::None,
        options: &["--account", "--language-only", "--strict"],
    },
    CommandHelp {
        name: "explain",
        usage: "explain [--node ID|NAME] QUERY",
        summary: "the plan of QUERY with node counts per step; with --node, why that node matches QUERY or not, level by level",
        args: Args::Query,
        options: &["--node"],
    },
    CommandHelp {
        name: "quit",
        usage: "quit",
        summary: "leave the shell (also `exit` and Ctrl-D); on stdin, stop reading",
        args: Args::None,
        options: &[],
    },
];

/// The shell command named `name` (`exit` is `quit`).
pub(crate) fn shell_command(name: &str) -> Option<&'static CommandHelp> {
    let name = if name == "exit" { "quit" } else { name };
    COMMANDS.iter().find(|c| c.name == name)
}

/// Every command name the first word of a line can be: the shell's, `exit`, the pipe commands.
pub(crate) fn command_names() -> impl Iterator<Item = &'static str> {
    COMMANDS
        .iter()
        .map(|c| c.name)
        .chain(["exit"])
        .chain(words::COMMANDS.iter().map(|c| c.name))
}

/// What the arguments of the command `name` are and its options, from whichever table has it.
pub(crate) fn arguments_of(name: &str) -> Option<(Args, &'static [&'static str])> {
    match shell_command(name) {
        Some(command) => Some((command.args, command.options)),
        None => words::command(name).map(|command| (command.args, command.options)),
    }
}

/// Whether the line leaves the shell (`quit` or `exit` alone).
pub(crate) fn is_quit(line: &str) -> bool {
    matches!(line.trim(), "quit" | "exit")
}

/// Why a line failed.
#[derive(Debug)]
pub(crate) enum LineError {
    /// The rendered error: a caret block under the column, or one `error:` line.
    Message(String),
    /// The output could not be written (a closed pipe, say).
    Output(io::Error),
}

impl LineError {
    /// The error as printed.
    pub(crate) fn render(&self) -> String {
        match self {
            LineError::Message(message) => message.clone(),
            LineError::Output(e) => format!("error: cannot write output: {e}"),
        }
    }
}

impl From<String> for LineError {
    fn from(message: String) -> LineError {
        LineError::Message(message)
    }
}

/// Runs one line: output goes to `out`, each warning (a rendered block) to `warn`, a failure
/// comes back rendered.
pub(crate) fn run(
    line: &str,
    session: &Session,
    out: &mut dyn Write,
    warn: &mut dyn FnMut(&str),
) -> Result<(), LineError> {
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
        // The caller leaves on a bare `quit`; here it only meets one with arguments.
        "quit" | "exit" => no_arguments(line, args),
        _ => {
            crate::shell::vet_line(line, session.vocabulary(), warn)?;
            run_command_line(line, &session.inventory, &session.context, out).map_err(|e| match e {
                CommandError::Io(e) => LineError::Output(e),
                e => LineError::Message(render_command_error(line, &e)),
            })
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

fn error_at(line: &str, span: Range<usize>, message: &str) -> LineError {
    LineError::Message(trailgraph_query::render_error(line, span, message))
}

fn io_error(e: io::Error) -> LineError {
    LineError::Output(e)
}

fn no_arguments(line: &str, args: &[(Range<usize>, &str)]) -> Result<(), LineError> {
    match (args.first(), args.last()) {
        (Some((first, _)), Some((last, _))) => Err(error_at(
            line,
            first.start..last.end,
            "this command takes no arguments",
        )),
        _ => Ok(()),
    }
}

/// Usage and summary in two columns; a usage wider than the first column puts the summary on
/// the next line.
fn help_row(text: &mut String, usage: &str, summary: &str) {
    const WIDTH: usize = 44;
    if usage.chars().count() <= WIDTH {
        let _ = writeln!(text, "  {usage:<WIDTH$} {summary}");
    } else {
        let _ = writeln!(text, "  {usage}\n  {:<WIDTH$} {summary}", "");
    }
}

fn help(line: &str, args: &[(Range<usize>, &str)], out: &mut dyn Write) -> Result<(), LineError> {
    let mut text = String::new();
    match args {
        [] => {
            text.push_str("Shell commands:\n");
            for command in COMMANDS {
                help_row(&mut text, command.usage, command.summary);
            }
            text.push_str(
                "\nCommand lines as in Fix Inventory (`search QUERY | CMD | CMD; next line`):\n",
            );
            for command in words::COMMANDS {
                help_row(&mut text, command.usage, command.summary);
            }
            text.push_str(
                "\nTab completes commands, options, kinds, property paths, check and benchmark ids.\n\
                 Ctrl-R searches the history, Ctrl-C abandons the line or a running command, Ctrl-D\n\
                 leaves. An open (, [, { or quote, or a trailing |, continues the input on the next\n\
                 line. The query language: docs/query-language.md; the shell: docs/shell.md.\n",
            );
        }
        [(span, name)] => {
            let found = shell_command(name)
                .map(|c| (c.usage, c.summary))
                .or_else(|| words::command(name).map(|c| (c.usage, c.summary)));
            match found {
                Some((usage, summary)) => {
                    let _ = writeln!(text, "{usage}\n  {summary}");
                }
                None => {
                    return Err(error_at(
                        line,
                        span.clone(),
                        &format!("no command `{name}`; `help` lists them"),
                    ));
                }
            }
        }
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
    out: &mut dyn Write,
) -> Result<(), LineError> {
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
        .map(|node| node.reported.object());
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

fn checks(session: &Session, out: &mut dyn Write) -> Result<(), LineError> {
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

fn benchmarks(session: &Session, out: &mut dyn Write) -> Result<(), LineError> {
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
    out: &mut dyn Write,
) -> Result<(), LineError> {
    let usage = format!(
        "usage: {}",
        shell_command(command).map_or(command, |c| c.usage)
    );
    let usage = usage.as_str();
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
            None => LineError::Message(format!("error: {e}")),
        }
    })?;
    // A run in `-c` or stdin mode ends with the exit code `trailgraph check` would give.
    session.record_checks(crate::exit::Outcome::of_report(&report));
    write_report(&report, Format::Text, &mut &mut *out, session.color).map_err(io_error)
}

/// `explain [--node ID] QUERY`: parse and lower as `search` does, then run the plan with
/// counts per step; for a query with `with` clauses, also trace one node (the one asked for,
/// or the first candidate that matches and the first that does not) level by level.
fn explain_query(
    line: &str,
    query_start: usize,
    inventory: &trailgraph_model::Inventory,
    context: &trailgraph_query::Context,
    out: &mut dyn Write,
) -> Result<(), LineError> {
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

    fn session() -> Session {
        Session::new(
            trailgraph_model::demo_inventory(),
            trailgraph_query::Context::now(),
            false,
            false,
        )
    }

    /// The output of `line`, or its rendered error.
    fn output(session: &Session, line: &str) -> Result<String, String> {
        let mut out = Vec::new();
        run(line, session, &mut out, &mut |_| {}).map_err(|e| e.render())?;
        String::from_utf8(out).map_err(|e| e.to_string())
    }

    #[test]
    fn help_names_every_shell_and_pipe_command() {
        let session = session();
        let listing = output(&session, "help").unwrap_or_else(|e| panic!("{e}"));
        let shell_at = listing.find("Shell commands:");
        let pipes_at = listing.find("Command lines as in Fix Inventory");
        assert!(shell_at < pipes_at && shell_at.is_some(), "{listing}");
        for command in COMMANDS {
            let at = listing.find(command.usage);
            assert!(at.is_some() && at < pipes_at, "{}: {listing}", command.name);
            let one = output(&session, &format!("help {}", command.name))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(one, format!("{}\n  {}\n", command.usage, command.summary));
        }
        for command in words::COMMANDS {
            let at = listing.find(command.usage);
            assert!(at.is_some() && at > pipes_at, "{}: {listing}", command.name);
            assert!(listing.contains(command.summary), "{}", command.name);
            let one = output(&session, &format!("help {}", command.name))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(one, format!("{}\n  {}\n", command.usage, command.summary));
        }
        assert_eq!(output(&session, "help exit"), output(&session, "help quit"));
        let error = output(&session, "help nothing").err().unwrap_or_default();
        assert!(error.contains("no command `nothing`"), "{error}");
        assert!(error.contains("     ^^^^^^^"), "{error}");
    }

    #[test]
    fn every_option_is_in_its_usage_and_names_are_not_shared() {
        for command in COMMANDS {
            for option in command.options {
                assert!(option.starts_with("--"), "{option}");
                assert!(command.usage.contains(option), "{}: {option}", command.name);
            }
            assert!(
                words::command(command.name).is_none(),
                "`{}` is both a shell and a pipe command",
                command.name
            );
        }
    }

    #[test]
    fn quit_with_arguments_is_an_error_and_alone_is_quit() {
        assert!(is_quit(" quit "));
        assert!(is_quit("exit"));
        assert!(!is_quit("quit now"));
        let error = output(&session(), "quit now").err().unwrap_or_default();
        assert!(error.contains("this command takes no arguments"), "{error}");
    }

    #[test]
    fn words_carry_their_place() {
        let got = words("  check run  4.1 ");
        let spans: Vec<(Range<usize>, &str)> =
            vec![(2..7, "check"), (8..11, "run"), (13..16, "4.1")];
        assert_eq!(got, spans);
    }
}
