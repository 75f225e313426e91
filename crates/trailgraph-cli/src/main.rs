//! The `trailgraph` binary: parses arguments, runs one mode, maps the outcome to an exit code.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

mod args;
mod check;
mod collect;
mod commands;
mod exit;
mod jq;
mod output;
mod parse;
mod pattern;
mod repl;
mod shell;

/// Snapshots are decoded on worker threads and freed on the checking thread, part after part;
/// mimalloc frees across threads without contention (see docs/performance.md). Built without
/// its transparent-huge-page advice, which made whole-snapshot loads fault pages again.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = match args::Cli::try_parse() {
        Ok(args) => args,
        Err(err) => {
            // clap prints help and version to stdout with success, usage errors to stderr.
            let code = if err.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    if !matches!(args.command, args::Command::JqWorker { .. }) {
        jq::install();
    }
    exit::to_exit_code(commands::run(args))
}
