//! `trailgraph pattern compare` and `trailgraph pattern test`.

use std::io::{self, Read, Write};

use trailgraph_pattern::{
    Verdict, compare_text, comparison_to_json, read_events, write_comparison_text,
};

use crate::args::{PatternCommand, PatternFormat};
use crate::exit::{FAILED, Outcome, SUCCESS};

/// Runs a `pattern` subcommand.
pub fn run(command: PatternCommand) -> Outcome {
    match command {
        PatternCommand::Compare {
            required,
            actual,
            format,
        } => compare(&required, &actual, format),
        PatternCommand::Test {
            pattern,
            event_file,
        } => test(&pattern, &event_file),
    }
}

fn compare(required: &str, actual: &str, format: PatternFormat) -> Outcome {
    let comparison = match compare_text(required, actual) {
        Ok(c) => c,
        Err(e) => {
            let message = format!("the required pattern does not parse: {}", e.error);
            let end = e.error.offset + 1;
            return Outcome::usage(trailgraph_query::render_error(
                required,
                e.error.offset..end,
                &message,
            ));
        }
    };
    let mut out = io::stdout().lock();
    let written = match format {
        PatternFormat::Text => write_comparison_text(&mut out, &comparison),
        PatternFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &comparison_to_json(&comparison))
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
        }
    };
    if let Err(e) = written {
        return Outcome::from(e);
    }
    match comparison.verdict() {
        Verdict::Equivalent | Verdict::Covers => Outcome::Code(SUCCESS),
        _ => Outcome::Code(FAILED),
    }
}

fn test(pattern_text: &str, event_file: &std::path::Path) -> Outcome {
    let pattern = match trailgraph_pattern::parse(pattern_text) {
        Ok(p) => p,
        Err(e) => {
            let end = e.offset + 1;
            return Outcome::usage(trailgraph_query::render_error(
                pattern_text,
                e.offset..end,
                &e.to_string(),
            ));
        }
    };
    let text = if event_file.as_os_str() == "-" {
        let mut buf = String::new();
        match io::stdin().read_to_string(&mut buf) {
            Ok(_) => buf,
            Err(e) => return Outcome::usage(format!("reading events from stdin: {e}")),
        }
    } else {
        match std::fs::read_to_string(event_file) {
            Ok(t) => t,
            Err(e) => return Outcome::usage(format!("{}: {e}", event_file.display())),
        }
    };
    let events = match read_events(&text) {
        Ok(events) => events,
        Err(e) => return Outcome::usage(format!("{}: {e}", event_file.display())),
    };
    let mut out = io::stdout().lock();
    match trailgraph_pattern::write_test_results(&mut out, &pattern, &events) {
        Ok(()) => Outcome::Code(SUCCESS),
        Err(e) => Outcome::from(e),
    }
}
