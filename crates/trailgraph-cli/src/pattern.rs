//! `trailgraph pattern compare` and `trailgraph pattern test`.

use std::io::{self, Read, Write};

use trailgraph_pattern::{
    Judgement, assess_text, assessment_to_json, read_events, write_assessment_text,
};

use crate::args::{PatternCommand, PatternFormat};
use crate::exit::{FAILED, Outcome, SUCCESS};

/// Runs a `pattern` subcommand.
pub fn run(command: PatternCommand) -> Outcome {
    match command {
        PatternCommand::Compare {
            required,
            actual,
            language_only,
            format,
        } => {
            let judgement = if language_only {
                Judgement::Language
            } else {
                Judgement::cloudtrail()
            };
            compare(&required, &actual, judgement, format)
        }
        PatternCommand::Test {
            pattern,
            event_file,
        } => test(&pattern, &event_file),
    }
}

fn compare(required: &str, actual: &str, judgement: Judgement, format: PatternFormat) -> Outcome {
    let assessment = match assess_text(required, actual, judgement) {
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
        PatternFormat::Text => write_assessment_text(&mut out, &assessment, judgement),
        PatternFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &assessment_to_json(&assessment, judgement))
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
        }
    };
    let verdict = if assessment.counts() { SUCCESS } else { FAILED };
    match written {
        Err(e) => Outcome::output_failed(e, verdict),
        Ok(()) => Outcome::Code(verdict),
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
