//! Plain output for the command line: comparison verdicts as text or JSON,
//! event files, and per-event test results. Everything writes to any
//! `impl io::Write` so callers and tests choose the destination.

use std::io::{self, Write};

use serde_json::{Value as Json, json};

use crate::ast::Pattern;
use crate::catalog::Judgement;
use crate::compare::Comparison;
use crate::eval::Event;
use crate::judge::{Assessment, CatchAll};

/// Writes a comparison for a person: the verdict, then each missed example
/// event on its own line, or the parse error with a caret under the pattern.
///
/// ```
/// use trailgraph_pattern::{compare_text, write_comparison_text};
/// let c = compare_text("{ $.eventName = A || $.eventName = B }", "{ $.eventName = A }")?;
/// let mut out = Vec::new();
/// write_comparison_text(&mut out, &c)?;
/// assert_eq!(
///     String::from_utf8(out)?,
///     "partial: the filter misses events the required pattern matches, for example:\n  {\"eventName\":\"B\"}\n"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_comparison_text(out: &mut impl Write, c: &Comparison) -> io::Result<()> {
    write_comparison_with_absent(out, c, &[])
}

/// How many absent fields the text output names after one missed event.
const MAX_ABSENT_SHOWN: usize = 8;

/// Writes a comparison; `absent[i]` lists the fields the actual filter tests
/// that the `i`-th missed event does not carry, shown after it.
fn write_comparison_with_absent(
    out: &mut impl Write,
    c: &Comparison,
    absent: &[Vec<String>],
) -> io::Result<()> {
    match c {
        Comparison::Equivalent => writeln!(
            out,
            "equivalent: the filter matches exactly the events the required pattern matches"
        ),
        Comparison::Covers { broader_example } => {
            write!(
                out,
                "covers: the filter matches every event the required pattern matches, and more"
            )?;
            match broader_example {
                Some(e) => writeln!(out, " (for example {e})"),
                None => writeln!(out),
            }
        }
        Comparison::Partial {
            missed_events,
            undecided,
        } => {
            if missed_events.is_empty() {
                writeln!(
                    out,
                    "partial: {}",
                    undecided
                        .as_deref()
                        .unwrap_or("coverage could not be proven")
                )
            } else {
                writeln!(
                    out,
                    "partial: the filter misses events the required pattern matches, for example:"
                )?;
                for (i, event) in missed_events.iter().enumerate() {
                    match absent.get(i) {
                        Some(fields) if !fields.is_empty() => {
                            let mut shown: Vec<String> = fields
                                .iter()
                                .take(MAX_ABSENT_SHOWN)
                                .map(|f| format!("{f}: (absent)"))
                                .collect();
                            if fields.len() > MAX_ABSENT_SHOWN {
                                shown.push(format!(
                                    "and {} more fields absent",
                                    fields.len() - MAX_ABSENT_SHOWN
                                ));
                            }
                            writeln!(out, "  {event}  ({})", shown.join(", "))?;
                        }
                        _ => writeln!(out, "  {event}")?,
                    }
                }
                Ok(())
            }
        }
        Comparison::Invalid { pattern, error } => {
            writeln!(out, "invalid: the filter does not parse: {error}")?;
            let line = pattern
                .lines()
                .nth(error.line.saturating_sub(1))
                .unwrap_or("");
            writeln!(out, "  {line}")?;
            writeln!(out, "  {}^", " ".repeat(error.column.saturating_sub(1)))
        }
    }
}

/// The comparison as JSON: `{"verdict": ..., "missed_events": [...], "error": ...}`,
/// with `missed_events` only for `partial` and `error` only for `invalid`.
///
/// ```
/// use trailgraph_pattern::{comparison_to_json, compare_text};
/// let c = compare_text("{ $.a = 1 }", "{ $.a = }")?;
/// assert_eq!(
///     comparison_to_json(&c),
///     serde_json::json!({"verdict": "invalid",
///         "error": "expected a value after '=' at line 1, column 9, found '}'"})
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn comparison_to_json(c: &Comparison) -> Json {
    let verdict = c.verdict().as_str();
    match c {
        Comparison::Partial { missed_events, .. } => {
            json!({"verdict": verdict, "missed_events": missed_events})
        }
        Comparison::Invalid { error, .. } => {
            json!({"verdict": verdict, "error": error.to_string()})
        }
        _ => json!({ "verdict": verdict }),
    }
}

/// Writes an assessment for a person: the verdict (missed events followed by
/// the fields the filter tests that they do not carry, as
/// `eventSource: (absent)`), the language-only verdict when it differs, the
/// catch-all findings for the filter and the required pattern, and why a
/// covering filter does not count.
///
/// ```
/// use trailgraph_pattern::{assess_text, write_assessment_text, Judgement};
/// let a = assess_text("{ $.eventName = CreateVpc }", "{ $.eventName = * }", Judgement::cloudtrail())?;
/// let mut out = Vec::new();
/// write_assessment_text(&mut out, &a, Judgement::cloudtrail())?;
/// let text = String::from_utf8(out)?;
/// assert!(text.starts_with("covers: "));
/// assert!(text.contains("catch-all filter: yes"));
/// assert!(text.contains("does not count"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_assessment_text(
    out: &mut impl Write,
    a: &Assessment,
    judgement: Judgement,
) -> io::Result<()> {
    write_comparison_with_absent(out, &a.comparison, &a.missed_absent)?;
    if let Judgement::CloudTrail(_) = judgement {
        writeln!(
            out,
            "(judged on events CloudTrail can write; --language-only judges by the pattern language alone)"
        )?;
    }
    if let Some(language) = &a.language {
        write!(out, "by the pattern language alone: ")?;
        write_comparison_text(out, language)?;
    }
    let finding = |out: &mut dyn Write, what: &str, c: &Option<CatchAll>| -> io::Result<()> {
        match c {
            Some(c) => {
                writeln!(out, "catch-all {what}: yes: {}", c.reason)?;
                writeln!(out, "  for example {}", c.example)
            }
            None => writeln!(out, "catch-all {what}: no"),
        }
    };
    if !matches!(a.comparison, Comparison::Invalid { .. }) {
        finding(out, "filter", &a.actual_catch_all)?;
    }
    finding(out, "required pattern", &a.required_catch_all)?;
    if let Some(reason) = a.not_counted_reason() {
        writeln!(out, "does not count: {reason}")?;
    }
    Ok(())
}

/// The assessment as JSON: the fields of [`comparison_to_json`] plus
/// `judgement` (`cloudtrail` or `language`), `missed` (each missed event
/// with `absent`, the fields the filter tests that it does not carry),
/// `undecided` and `broader_example` when set, `language` (the language-only
/// comparison, when it differs), `catch_all` / `required_catch_all`
/// (booleans) with `catch_all_reason`, `catch_all_example`,
/// `required_catch_all_reason`, `required_catch_all_example` when true, and
/// `counts` with `not_counted_reason` when a covering filter does not count.
pub fn assessment_to_json(a: &Assessment, judgement: Judgement) -> Json {
    let mut value = comparison_to_json(&a.comparison);
    let Json::Object(m) = &mut value else {
        return value;
    };
    m.insert("judgement".to_owned(), json!(judgement.as_str()));
    match &a.comparison {
        Comparison::Partial {
            missed_events,
            undecided,
        } => {
            let missed: Vec<Json> = missed_events
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    json!({"event": e, "absent": a.missed_absent.get(i).cloned().unwrap_or_default()})
                })
                .collect();
            m.insert("missed".to_owned(), Json::Array(missed));
            if let Some(u) = undecided {
                m.insert("undecided".to_owned(), json!(u));
            }
        }
        Comparison::Covers {
            broader_example: Some(e),
        } => {
            m.insert("broader_example".to_owned(), e.clone());
        }
        _ => {}
    }
    if let Some(language) = &a.language {
        m.insert("language".to_owned(), comparison_to_json(language));
    }
    let mut finding = |key: &str, c: &Option<CatchAll>| {
        m.insert(key.to_owned(), json!(c.is_some()));
        if let Some(c) = c {
            m.insert(format!("{key}_reason"), json!(c.reason));
            m.insert(format!("{key}_example"), c.example.clone());
        }
    };
    finding("catch_all", &a.actual_catch_all);
    finding("required_catch_all", &a.required_catch_all);
    m.insert("counts".to_owned(), json!(a.counts()));
    if let Some(reason) = a.not_counted_reason() {
        m.insert("not_counted_reason".to_owned(), json!(reason));
    }
    value
}

/// An event file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventFileError {
    /// A line that starts like JSON (`{` or `[`) is not valid JSON.
    #[error("line {line}: not valid JSON: {message}")]
    InvalidJsonLine {
        /// 1-based line number.
        line: usize,
        /// The JSON parser's message.
        message: String,
    },
    /// The file starts with `[` but is not one valid JSON array.
    #[error("line {line}, column {column}: not a valid JSON array of events: {message}")]
    InvalidJsonArray {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// The JSON parser's message.
        message: String,
    },
}

/// Reads an event file: either one JSON array of events, or one event per
/// line. A line that starts with `{` or `[` must be valid JSON; any other
/// non-blank line is a plain-text event. Blank lines are skipped.
///
/// ```
/// use trailgraph_pattern::read_events;
/// let events = read_events("{\"eventName\": \"CreateVpc\"}\n\nplain text line\n")?;
/// assert_eq!(events.len(), 2);
/// assert!(events[0].json().is_some());
/// assert_eq!(events[1].text(), "plain text line");
/// # Ok::<(), trailgraph_pattern::EventFileError>(())
/// ```
pub fn read_events(text: &str) -> Result<Vec<Event>, EventFileError> {
    let trimmed = text.trim_start();
    if trimmed.starts_with('[') {
        match serde_json::from_str::<Json>(text) {
            Ok(Json::Array(items)) => {
                // A string element is a plain-text event: its text is the
                // string itself, without the JSON quotes.
                return Ok(items
                    .into_iter()
                    .map(|item| match item {
                        Json::String(s) => Event::from_text(s),
                        other => Event::from_json(other),
                    })
                    .collect());
            }
            Ok(_) => {}
            Err(e) => {
                // A file whose first line is a complete JSON value is read
                // line by line; otherwise it is meant as one array.
                let first = trimmed.lines().next().unwrap_or("");
                if serde_json::from_str::<Json>(first).is_err() {
                    return Err(EventFileError::InvalidJsonArray {
                        line: e.line(),
                        column: e.column(),
                        message: e.to_string(),
                    });
                }
            }
        }
    }
    let mut events = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let start = line.trim_start();
        if start.is_empty() {
            continue;
        }
        if start.starts_with('{') || start.starts_with('[') {
            match serde_json::from_str::<Json>(line) {
                Ok(json) => events.push(Event::from_json(json)),
                Err(e) => {
                    return Err(EventFileError::InvalidJsonLine {
                        line: i + 1,
                        message: e.to_string(),
                    });
                }
            }
        } else {
            events.push(Event::from_text(line.to_owned()))
        }
    }
    Ok(events)
}

/// Writes one line per event saying whether the pattern matches it, then a
/// summary, in the spirit of the AWS TestMetricFilter API:
///
/// ```text
/// match    1 {"eventName":"CreateVpc"}
/// no match 2 {"eventName":"DescribeVpcs"}
/// 1 of 2 events match
/// ```
pub fn write_test_results(
    out: &mut impl Write,
    pattern: &Pattern,
    events: &[Event],
) -> io::Result<()> {
    let mut matched = 0;
    for (i, event) in events.iter().enumerate() {
        let hit = pattern.matches(event);
        if hit {
            matched += 1;
        }
        let label = if hit { "match" } else { "no match" };
        writeln!(out, "{label:<8} {} {}", i + 1, event.text())?;
    }
    let noun = if events.len() == 1 { "event" } else { "events" };
    let verb = if matched == 1 && events.len() == 1 {
        "matches"
    } else {
        "match"
    };
    writeln!(out, "{matched} of {} {noun} {verb}", events.len())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::{compare_text, parse};

    fn text(c: &Comparison) -> String {
        let mut out = Vec::new();
        write_comparison_text(&mut out, c).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn invalid_has_caret() {
        let c = compare_text("{ $.a = 1 }", "{ $.a = 1 &&\n  $.b = }").unwrap();
        assert_eq!(
            text(&c),
            "invalid: the filter does not parse: expected a value after '=' at line 2, column 9, found '}'\n    $.b = }\n          ^\n"
        );
    }

    #[test]
    fn json_shapes() {
        let c = compare_text("{ $.a = 1 }", "{ $.a = 1 }").unwrap();
        assert_eq!(comparison_to_json(&c), json!({"verdict": "equivalent"}));
        let c = compare_text("{ $.a = 1 }", "{ $.a >= 1 }").unwrap();
        assert_eq!(comparison_to_json(&c), json!({"verdict": "covers"}));
        let c = compare_text("{ $.a = 1 || $.a = 2 }", "{ $.a = 1 }").unwrap();
        assert_eq!(
            comparison_to_json(&c),
            json!({"verdict": "partial", "missed_events": [{"a": 2}]})
        );
        assert_eq!(
            text(&c),
            "partial: the filter misses events the required pattern matches, for example:\n  {\"a\":2}\n"
        );
    }

    #[test]
    fn covers_text_shows_example() {
        let c = compare_text("{ $.a = 1 }", "{ $.a >= 1 }").unwrap();
        assert_eq!(
            text(&c),
            "covers: the filter matches every event the required pattern matches, and more (for example {\"a\":2})\n"
        );
    }

    #[test]
    fn event_files() {
        let events = read_events("[{\"a\": 1},\n {\"a\": 2}]").unwrap();
        assert_eq!(events.len(), 2);
        let events = read_events("[\"plain ERROR line\", {\"a\": 1}]").unwrap();
        assert_eq!(events[0].text(), "plain ERROR line");
        assert!(events[0].json().is_none());
        assert!(events[1].json().is_some());
        let events = read_events("[1, 2]\n{\"a\": 1}\n").unwrap();
        assert_eq!(events.len(), 2);
        let err = read_events("{\"a\": 1}\n{\"a\": \n").unwrap_err();
        assert!(
            matches!(err, EventFileError::InvalidJsonLine { line: 2, .. }),
            "{err}"
        );
        let err = read_events("[{\"a\": 1},\n {\"a\" 2}]").unwrap_err();
        assert!(
            matches!(err, EventFileError::InvalidJsonArray { line: 2, .. }),
            "{err}"
        );
        assert!(read_events("").unwrap().is_empty());
    }

    #[test]
    fn test_results() {
        let p = parse("{ $.eventName = CreateVpc }").unwrap();
        let events = read_events(
            "{\"eventName\":\"CreateVpc\"}\n{\"eventName\":\"DescribeVpcs\"}\nCreateVpc text\n",
        )
        .unwrap();
        let mut out = Vec::new();
        write_test_results(&mut out, &p, &events).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "match    1 {\"eventName\":\"CreateVpc\"}\nno match 2 {\"eventName\":\"DescribeVpcs\"}\nno match 3 CreateVpc text\n1 of 3 events match\n"
        );
    }
}
