//! `trailgraph shell`: command lines against an inventory, from `-c`, from stdin, or typed into
//! the interactive shell (see [`crate::repl`]).

use std::io::{self, BufRead, IsTerminal, Write};
use std::time::Instant;

use trailgraph_model::Inventory;
use trailgraph_query::command::unknown_properties_in_line;
use trailgraph_query::{
    CommandError, Context, Vocabulary, render_error, render_error_with_label, run_command_line,
};

use crate::args::ShellArgs;
use crate::commands::load_inventory;
use crate::exit::{Outcome, SUCCESS, USAGE};

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
    let outcome = match &args.command {
        Some(line) => match run_line(line, &inventory, &context, args.timings, None) {
            Ok(()) => Outcome::Code(SUCCESS),
            Err(outcome) => outcome,
        },
        None if io::stdin().is_terminal() => {
            return crate::repl::run(inventory, context, args, started);
        }
        None => run_stdin(&inventory, &context, args.timings),
    };
    // A large inventory takes a second to free; the process is about to end anyway.
    std::mem::forget(inventory);
    outcome
}

/// One command line per stdin line; errors are printed and the next line runs.
fn run_stdin(inventory: &Inventory, context: &Context, timings: bool) -> Outcome {
    let mut failed = false;
    let vocabulary = Vocabulary::of_inventory(inventory);
    for line in io::stdin().lock().lines() {
        let line = match line {
            Ok(line) => line,
            Err(e) => return Outcome::usage(format!("reading stdin: {e}")),
        };
        if line.trim().is_empty() {
            continue;
        }
        match run_line(&line, inventory, context, timings, Some(&vocabulary)) {
            Ok(()) => {}
            Err(Outcome::Code(code)) if code == SUCCESS => return Outcome::Code(SUCCESS),
            Err(Outcome::Error { message, .. }) => {
                failed = true;
                eprintln!("{}", message.trim_end());
            }
            Err(other) => return other,
        }
    }
    Outcome::Code(if failed { USAGE } else { SUCCESS })
}

fn run_line(
    line: &str,
    inventory: &Inventory,
    context: &Context,
    timings: bool,
    vocabulary: Option<&Vocabulary>,
) -> Result<(), Outcome> {
    let started = Instant::now();
    let own;
    let vocabulary = match vocabulary {
        Some(v) => v,
        None => {
            own = Vocabulary::of_inventory(inventory);
            &own
        }
    };
    vet_line(line, vocabulary, &mut io::stderr().lock()).map_err(Outcome::usage)?;
    // `explain [--node ID] QUERY` is the shell's own command, here as in the interactive shell.
    let trimmed = line.trim_start();
    if let Some(rest) = trimmed.strip_prefix("explain")
        && (rest.is_empty() || rest.starts_with(char::is_whitespace))
    {
        let start = line.len() - trimmed.len() + "explain".len();
        let mut text = Vec::new();
        crate::repl::commands::explain_query(line, start, inventory, context, &mut text)
            .map_err(Outcome::usage)?;
        let mut stdout = io::stdout().lock();
        return stdout.write_all(&text).map_err(Outcome::from);
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    let result = run_command_line(line, inventory, context, &mut out);
    let flushed = out.flush();
    if timings {
        eprintln!(
            "command: {:.1} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    match result {
        Ok(()) => flushed.map_err(Outcome::from),
        Err(CommandError::Io(e)) => Err(Outcome::from(e)),
        Err(e) => Err(Outcome::usage(render_command_error(line, &e))),
    }
}

/// Warns (on `warnings`) about properties the line's searches read that no kind has, with the
/// closest known names; a `list` or `count` column that no kind has is an error, since every
/// value would print blank.
pub(crate) fn vet_line(
    line: &str,
    vocabulary: &Vocabulary,
    warnings: &mut dyn Write,
) -> Result<(), String> {
    for found in unknown_properties_in_line(line, vocabulary) {
        let message = found.property.to_string();
        if found.column {
            let message = format!("unknown column: {message}");
            return Err(render_error(line, found.property.span, &message));
        }
        let block = render_error(line, found.property.span, &message);
        let block = block.strip_prefix("error: ").unwrap_or(&block);
        // A warning that cannot be written is not worth failing the command for.
        let _ = write!(warnings, "warning: {block}");
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
