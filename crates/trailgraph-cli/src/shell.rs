//! `trailgraph shell`: command lines against an inventory, from `-c`, from stdin, or typed into
//! the interactive shell (see [`crate::repl`]). Every mode runs a line through the same
//! dispatcher ([`crate::repl::commands::run`]), so the shell's own commands (`help`,
//! `properties`, `checks`, `check run`, `explain`, ...) work in all of them.

use std::io::{self, BufRead, BufWriter, IsTerminal, Write};
use std::time::Instant;

use trailgraph_query::command::unknown_properties_in_line;
use trailgraph_query::{CommandError, Context, Vocabulary, render_error, render_error_with_label};

use crate::args::ShellArgs;
use crate::commands::load_inventory;
use crate::exit::{Outcome, USAGE};
use crate::repl::Session;
use crate::repl::commands::{self, LineError};

/// Runs `-c LINE`, every line of a non-terminal stdin, or the interactive shell on a terminal.
pub fn run(args: &ShellArgs) -> Outcome {
    let started = Instant::now();
    let inventory = match load_inventory(&args.source) {
        Ok(inventory) => inventory,
        Err(outcome) => return outcome,
    };
    if args.timings {
        eprintln!(
            "load: {:.1} ms ({} nodes)",
            started.elapsed().as_secs_f64() * 1000.0,
            inventory.node_count()
        );
    }
    let context = Context::now();
    if args.command.is_none() && io::stdin().is_terminal() {
        return crate::repl::run(inventory, context, args, started);
    }
    // The catalog is loaded by the first check command, so a search does not wait for it.
    let session = Session::new(inventory, context, crate::repl::color_output(), false);
    let outcome = match &args.command {
        Some(line) => match run_line(line, &session, args.timings, &mut |w| eprint!("{w}")) {
            Ok(()) => Outcome::Code(session.checks_code()),
            Err(LineError::Message(message)) => Outcome::usage(message),
            Err(LineError::Output(e)) => Outcome::output_failed(e, session.checks_code()),
        },
        None => run_stdin(&session, args.timings),
    };
    // A large inventory takes a second to free; the process is about to end anyway.
    std::mem::forget(session);
    outcome
}

/// One command line per stdin line until the end or a `quit` line. An error is printed as
/// `line N: ` and the rendered error, and the next line runs; the exit code is a usage error
/// when any line failed, else what the check runs call for (1 when a check failed, 3 when one
/// could not be evaluated), else 0.
fn run_stdin(session: &Session, timings: bool) -> Outcome {
    let mut failed = false;
    for (index, line) in io::stdin().lock().lines().enumerate() {
        let number = index + 1;
        let line = match line {
            Ok(line) => line,
            Err(e) => return Outcome::usage(format!("reading stdin, line {number}: {e}")),
        };
        if line.trim().is_empty() {
            continue;
        }
        if commands::is_quit(&line) {
            break;
        }
        let mut warn = |warning: &str| eprint!("line {number}: {warning}");
        match run_line(&line, session, timings, &mut warn) {
            Ok(()) => {}
            Err(LineError::Message(message)) => {
                failed = true;
                eprintln!("line {number}: {}", message.trim_end());
            }
            // A closed stdout (`| head`) ends the run; it is not a failure of its own.
            Err(LineError::Output(e)) => return Outcome::output_failed(e, session.checks_code()),
        }
    }
    Outcome::Code(if failed { USAGE } else { session.checks_code() })
}

/// Runs one line with its output streamed to stdout; a bare `quit` does nothing.
fn run_line(
    line: &str,
    session: &Session,
    timings: bool,
    warn: &mut dyn FnMut(&str),
) -> Result<(), LineError> {
    if commands::is_quit(line) {
        return Ok(());
    }
    let started = Instant::now();
    let mut out = BufWriter::new(io::stdout().lock());
    let result = commands::run(line, session, &mut out, warn);
    let flushed = out.flush();
    if timings {
        eprintln!(
            "command: {:.1} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    result?;
    flushed.map_err(LineError::Output)
}

/// Warns (each rendered warning block to `warn`) about properties the line's searches read that
/// no kind has, with the closest known names; a `list` or `count` column that no kind has is an
/// error, since every value would print blank.
pub(crate) fn vet_line(
    line: &str,
    vocabulary: &Vocabulary,
    warn: &mut dyn FnMut(&str),
) -> Result<(), String> {
    for found in unknown_properties_in_line(line, vocabulary) {
        let message = found.property.to_string();
        if found.column {
            let message = format!("unknown column: {message}");
            return Err(render_error(line, found.property.span, &message));
        }
        let block = render_error(line, found.property.span, &message);
        let block = block.strip_prefix("error: ").unwrap_or(&block);
        warn(&format!("warning: {block}"));
    }
    Ok(())
}

/// Renders a command line's error as a caret block under the column (with a second labelled
/// place such as an unclosed `(` where there is one), or as one `error:` line.
pub(crate) fn render_command_error(line: &str, error: &CommandError) -> String {
    let message = error.message();
    match error.span() {
        Some(span) => render_error_with_label(line, span, &message, error.label()),
        None => format!("error: {message}"),
    }
}
