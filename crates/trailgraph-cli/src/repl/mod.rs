//! The interactive shell of `trailgraph shell` on a terminal.
//!
//! Every line goes through the same dispatcher as `-c` and stdin ([`commands::run`]: the shell's
//! own commands `help`, `properties`, `checks`, `benchmarks`, `check run`, `benchmark run`,
//! `explain`, `quit`, else [`trailgraph_query::run_command_line`], with the same caret rendering
//! of errors); the interactive shell adds history, completion, hints, highlighting, multi-line
//! input with a continuation prompt and a pager. It does not change how a command line is
//! evaluated.
//!
//! A command runs on a worker thread and writes into a buffer. Ctrl-C while it runs stops the
//! waiting, prints `interrupted` and returns to the prompt; the query crate cannot be cancelled,
//! so the abandoned evaluation finishes in the background and its output is dropped.

pub(crate) mod commands;
mod helper;
mod history;
mod pager;
mod vocabulary;

use std::io::{self, IsTerminal, Write};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Config, Editor};
use trailgraph_check::Catalog;
use trailgraph_model::{Inventory, Kind};
use trailgraph_query::Context;

use crate::args::ShellArgs;
use crate::exit::{Outcome, SUCCESS};

use self::helper::ShellHelper;
use self::helper::Words;

/// What the shell has loaded; shared with the worker threads and the line editor's helper.
pub(crate) struct Session {
    /// The inventory every command runs against.
    inventory: Inventory,
    /// "Now" for relative times, fixed when the shell starts (as in one-shot mode).
    context: Context,
    /// The checks and benchmarks: loaded in the background after start-up in the interactive
    /// shell, on first use otherwise.
    catalog: OnceLock<Result<Catalog, String>>,
    /// Whether a background thread fills `catalog` (else the first use loads it).
    catalog_in_background: bool,
    /// Property paths for completion, gathered before the prompt for a small inventory and in
    /// the background for a large one.
    paths: OnceLock<Vec<String>>,
    /// Check ids (and control numbers) and benchmark ids for completion, once the catalog is
    /// loaded.
    ids: OnceLock<(Vec<String>, Vec<String>)>,
    /// The property names queries are checked against, gathered on first use.
    vocabulary: OnceLock<trailgraph_query::Vocabulary>,
    /// Every name `is(...)` accepts.
    kinds: Vec<&'static str>,
    /// Whether output may contain ANSI colours.
    color: bool,
    /// What the check runs so far say, as `trailgraph check` exit codes: 1 when a check failed,
    /// else 3 when one could not be evaluated, else 0 (also before any run).
    checks_code: std::sync::atomic::AtomicU8,
}

impl Session {
    /// Records the exit code of a check run (0, 1 or 3): a failure outranks a result that could
    /// not be evaluated, which outranks a pass.
    pub(crate) fn record_checks(&self, code: u8) {
        use std::sync::atomic::Ordering;
        let rank = |c: u8| match c {
            1 => 2,
            3 => 1,
            _ => 0,
        };
        let _ = self
            .checks_code
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                (rank(code) > rank(old)).then_some(code)
            });
    }

    /// The exit code the check runs so far call for (see [`Session::record_checks`]).
    pub(crate) fn checks_code(&self) -> u8 {
        self.checks_code.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A session over `inventory`; with `catalog_in_background`, [`prepare_in_background`] must
    /// be called to load the catalog, else the first check command loads it.
    pub(crate) fn new(
        inventory: Inventory,
        context: Context,
        color: bool,
        catalog_in_background: bool,
    ) -> Session {
        Session {
            inventory,
            context,
            catalog: OnceLock::new(),
            catalog_in_background,
            paths: OnceLock::new(),
            ids: OnceLock::new(),
            vocabulary: OnceLock::new(),
            checks_code: std::sync::atomic::AtomicU8::new(0),
            kinds: Kind::all_names(),
            color,
        }
    }

    /// The property names of the inventory (see [`trailgraph_query::Vocabulary`]).
    pub(crate) fn vocabulary(&self) -> &trailgraph_query::Vocabulary {
        self.vocabulary
            .get_or_init(|| trailgraph_query::Vocabulary::of_inventory(&self.inventory))
    }

    /// The catalog, waiting for the background load if it has not finished, or loading it now.
    fn catalog(&self) -> Result<&Catalog, String> {
        let loaded = if self.catalog_in_background {
            self.catalog.wait()
        } else {
            self.catalog.get_or_init(load_catalog)
        };
        loaded.as_ref().map_err(Clone::clone)
    }

    /// The completion words known so far (empty lists until gathered).
    fn words(&self) -> Words<'_> {
        let (checks, benchmarks) = match self.ids.get() {
            Some((checks, benchmarks)) => (checks.as_slice(), benchmarks.as_slice()),
            None => (&[][..], &[][..]),
        };
        Words {
            kinds: &self.kinds,
            paths: self.paths.get().map_or(&[][..], Vec::as_slice),
            checks,
            benchmarks,
        }
    }
}

/// Whether output may contain ANSI colours: stdout is a terminal and `NO_COLOR` is unset or
/// empty (as for `trailgraph check`).
pub(crate) fn color_output() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
}

fn load_catalog() -> Result<Catalog, String> {
    trailgraph_check::load_catalog(&[]).map_err(|e| format!("error: {e}"))
}

/// Something the main thread waits for while a command runs.
enum Event {
    /// The command with this number finished (output, and the rendered error if it failed).
    Done(u64, Vec<u8>, Option<String>),
    /// Ctrl-C was pressed.
    Interrupt,
}

/// Runs the interactive shell until `quit` or Ctrl-D.
pub fn run(inventory: Inventory, context: Context, args: &ShellArgs, started: Instant) -> Outcome {
    let color = color_output();
    let prompt = prompt_for(args, &inventory);
    let continuation = continuation_prompt(&prompt);
    let session = Arc::new(Session::new(inventory, context, color, true));
    prepare_in_background(&session);

    let (sender, receiver) = mpsc::channel::<Event>();
    let interrupt = sender.clone();
    // Without the handler Ctrl-C during a command ends the shell, which is still usable.
    let interrupts = ctrlc::set_handler(move || {
        let _ = interrupt.send(Event::Interrupt);
    })
    .is_ok();

    let config = Config::builder()
        .history_ignore_space(true)
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .build();
    let mut editor: Editor<ShellHelper, FileHistory> = match Editor::with_config(config) {
        Ok(editor) => editor,
        Err(e) => return Outcome::usage(format!("cannot start the line editor: {e}")),
    };
    editor.set_helper(Some(ShellHelper::new(Arc::clone(&session))));
    let history_file = history::location();
    if let Some(path) = &history_file
        && let Err(e) = history::load(&mut editor, path)
    {
        eprintln!("warning: history {}: {e}", path.display());
    }
    if args.timings {
        eprintln!(
            "start-up: {:.1} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
    }
    println!("Type `help` for the commands, Tab to complete, Ctrl-D to leave.");

    let style = |text: &str| {
        if color {
            format!("\x1b[1;36m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    };
    let styled = style(&prompt);
    let styled_continuation = style(&continuation);
    let mut job = 0u64;
    // The lines of an input that is not complete yet (an open bracket or quote, a trailing `|`).
    let mut pending = String::new();
    loop {
        let shown = if pending.is_empty() {
            (prompt.as_str(), styled.as_str())
        } else {
            (continuation.as_str(), styled_continuation.as_str())
        };
        if let Some(helper) = editor.helper_mut() {
            helper.continues(&pending);
        }
        let (line, forced) = match editor.readline(&shown) {
            Ok(line) => (line, false),
            // Ctrl-C abandons the line being typed, and the lines before it that it continues.
            Err(ReadlineError::Interrupted) => {
                pending.clear();
                continue;
            }
            Err(ReadlineError::Eof) if pending.is_empty() => break,
            // Ctrl-D on a continuation line runs the input as it is: the error says what is open.
            Err(ReadlineError::Eof) => (String::new(), true),
            Err(e) => return Outcome::usage(format!("reading input: {e}")),
        };
        if !forced {
            if !pending.is_empty() {
                pending.push('\n');
            }
            pending.push_str(&line);
            if helper::is_incomplete(&pending) {
                continue;
            }
        }
        let line = std::mem::take(&mut pending);
        if line.trim().is_empty() {
            continue;
        }
        if let Some(path) = &history_file
            && let Err(e) = history::add(&mut editor, path, &line)
        {
            eprintln!("warning: history {}: {e}", path.display());
        }
        if commands::is_quit(&line) {
            break;
        }
        job += 1;
        let command_started = Instant::now();
        let result = run_job(&session, line, job, &sender, &receiver, interrupts);
        if args.timings {
            eprintln!(
                "command: {:.1} ms",
                command_started.elapsed().as_secs_f64() * 1000.0
            );
        }
        match result {
            Some((output, error)) => {
                let screen = editor.dimensions();
                if let Err(e) = pager::show(&output, screen, args.no_pager)
                    && e.kind() != io::ErrorKind::BrokenPipe
                {
                    eprintln!("error: cannot write output: {e}");
                }
                if let Some(error) = error {
                    let _ = io::stdout().flush();
                    eprint!("{}", with_newline(&error));
                }
            }
            None => eprintln!("interrupted"),
        }
    }
    // A large inventory takes a second to free; the process is about to end anyway.
    std::mem::forget(session);
    Outcome::Code(SUCCESS)
}

/// `demo (3 accounts)> ` or `<file name> (N accounts)> `.
fn prompt_for(args: &ShellArgs, inventory: &Inventory) -> String {
    let label = match &args.source.inventory {
        Some(path) => path.file_name().map_or_else(
            || path.display().to_string(),
            |name| name.to_string_lossy().into_owned(),
        ),
        None => "demo".to_owned(),
    };
    let accounts = inventory.count_of_kind(Kind::AwsAccount);
    let noun = if accounts == 1 { "account" } else { "accounts" };
    format!("{label} ({accounts} {noun})> ")
}

/// The prompt of a line that continues the input: `...> ` ending where `prompt` ends.
fn continuation_prompt(prompt: &str) -> String {
    let width = prompt.chars().count();
    format!("{:>width$}", "...> ")
}

/// Loads the catalog and walks the inventory for completion words without delaying the prompt
/// (a small inventory is walked at once: it takes less than a millisecond).
fn prepare_in_background(session: &Arc<Session>) {
    if session.inventory.node_count() <= SMALL_INVENTORY {
        let _ = session
            .paths
            .set(vocabulary::completion_paths(&session.inventory));
    }
    let session = Arc::clone(session);
    std::thread::spawn(move || {
        let catalog = load_catalog();
        if let Ok(catalog) = &catalog {
            let _ = session.ids.set(vocabulary::catalog_ids(catalog));
        }
        let _ = session.catalog.set(catalog);
        if session.paths.get().is_none() {
            let _ = session
                .paths
                .set(vocabulary::completion_paths(&session.inventory));
        }
    });
}

/// Inventories up to this many nodes are walked for completion words before the prompt.
const SMALL_INVENTORY: usize = 50_000;

/// Runs `line` on a worker thread and waits for it or for Ctrl-C; `None` when interrupted.
fn run_job(
    session: &Arc<Session>,
    line: String,
    job: u64,
    sender: &Sender<Event>,
    receiver: &Receiver<Event>,
    interrupts: bool,
) -> Option<(Vec<u8>, Option<String>)> {
    // A Ctrl-C pressed while nothing ran (in the pager, say) is not meant for this command.
    while receiver.try_recv().is_ok() {}
    if !interrupts {
        let mut output = Vec::new();
        let error = run_into(&line, session, &mut output);
        return Some((output, error));
    }
    let worker_session = Arc::clone(session);
    let done = sender.clone();
    std::thread::spawn(move || {
        let mut output = Vec::new();
        let error = run_into(&line, &worker_session, &mut output);
        let _ = done.send(Event::Done(job, output, error));
    });
    loop {
        match receiver.recv() {
            Ok(Event::Done(finished, output, error)) if finished == job => {
                return Some((output, error));
            }
            // An earlier, interrupted command finishing now: its output is dropped.
            Ok(Event::Done(..)) => {}
            Ok(Event::Interrupt) | Err(_) => return None,
        }
    }
}

/// Runs `line` into `output`; warnings go to stderr at once, the error comes back rendered.
fn run_into(line: &str, session: &Session, output: &mut Vec<u8>) -> Option<String> {
    commands::run(line, session, output, &mut |warning| eprint!("{warning}"))
        .err()
        .map(|e| e.render())
}

fn with_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_continuation_prompt_ends_where_the_prompt_ends() {
        assert_eq!(
            continuation_prompt("demo (3 accounts)> "),
            "              ...> "
        );
        assert_eq!(continuation_prompt("é (1 account)> "), "          ...> ");
        // A prompt shorter than `...> ` does not cut it.
        assert_eq!(continuation_prompt("> "), "...> ");
    }
}
