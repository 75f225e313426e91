//! `trailgraph parse`: parse only.

use std::io::{self, BufRead, Write};

use crate::exit::{Outcome, SUCCESS, USAGE};

/// Parses one query (from the argument) or one query per stdin line.
pub fn run(query: Option<&str>) -> Outcome {
    match query {
        Some(query) => match trailgraph_query::parse_only(query) {
            Ok(canonical) => {
                let mut out = io::stdout().lock();
                writeln!(out, "{canonical}").map_or_else(Outcome::from, |()| Outcome::Code(SUCCESS))
            }
            Err(e) => {
                let label = e
                    .unclosed
                    .clone()
                    .map(|span| (span, "unclosed `(` opened here"));
                Outcome::usage(trailgraph_query::render_error_with_label(
                    query,
                    e.span.clone(),
                    &e.message(),
                    label,
                ))
            }
        },
        None => match parse_lines(io::stdin().lock(), &mut io::stdout().lock()) {
            Ok(0) => Outcome::Code(SUCCESS),
            Ok(_) => Outcome::Code(USAGE),
            Err(e) => Outcome::from(e),
        },
    }
}

/// Answers one line per input line; returns how many failed to parse.
fn parse_lines(input: impl BufRead, out: &mut impl Write) -> io::Result<usize> {
    let mut failures = 0;
    for line in input.lines() {
        let line = line?;
        match trailgraph_query::parse_only(&line) {
            Ok(canonical) => writeln!(out, "ok {canonical}")?,
            Err(e) => {
                failures += 1;
                let column = line.get(..e.span.start).map_or(0, |s| s.chars().count()) + 1;
                // One line per query, whatever the message holds.
                let message = e.message().replace('\n', " ");
                writeln!(out, "error column {column}: {message}")?;
            }
        }
    }
    Ok(failures)
}
