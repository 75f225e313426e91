//! jq stages run in a child process of this binary (`trailgraph jq-worker`), which bounds each
//! element's time and the memory, so a jq program that loops, recurses without end or grows
//! without bound ends with an error instead of hanging or aborting trailgraph (see
//! `trailgraph_query::jq`).

use std::io;

use crate::exit::{Outcome, USAGE};

/// The default bound on one element's jq run, in seconds (`TRAILGRAPH_JQ_SECONDS`).
const DEFAULT_SECONDS: u64 = 10;
/// The default bound on a jq worker's memory, in MiB (`TRAILGRAPH_JQ_MEMORY_MIB`).
const DEFAULT_MEMORY_MIB: u64 = 2048;

/// A bound from the environment: a positive whole number, else the default.
fn bound(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|v| *v > 0)
        .unwrap_or(default)
}

/// Makes this process run its jq stages in worker processes of this binary. Without a path to
/// the binary, they run in this process, unbounded.
pub fn install() {
    let Ok(program) = std::env::current_exe() else {
        return;
    };
    let seconds = bound("TRAILGRAPH_JQ_SECONDS", DEFAULT_SECONDS);
    let memory_mib = bound("TRAILGRAPH_JQ_MEMORY_MIB", DEFAULT_MEMORY_MIB);
    trailgraph_query::jq::run_in_workers(trailgraph_query::jq::Worker {
        program,
        args: vec![
            "jq-worker".to_owned(),
            "--seconds".to_owned(),
            seconds.to_string(),
            "--memory-mib".to_owned(),
            memory_mib.to_string(),
        ],
        // The allocator commits its arenas as it uses them, so the memory bound counts what
        // the program holds rather than address space reserved ahead.
        env: vec![("MIMALLOC_ARENA_EAGER_COMMIT".to_owned(), "0".to_owned())],
        seconds,
        memory_mib,
    });
}

/// The worker's side: limits its own memory, then serves stdin.
pub fn serve(seconds: u64, memory_mib: u64) -> Outcome {
    let bytes = memory_mib.saturating_mul(1024 * 1024);
    let limit = || {
        rlimit::setrlimit(rlimit::Resource::DATA, bytes, bytes)
            .map_err(|e| format!("jq: its worker cannot bound its memory: {e}"))
    };
    let code =
        trailgraph_query::jq::serve_worker(io::stdin().lock(), io::stdout().lock(), seconds, limit);
    Outcome::Code(u8::try_from(code).unwrap_or(USAGE))
}
