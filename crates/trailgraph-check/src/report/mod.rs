//! Report formats. Every writer takes any `io::Write`, so tests write into a `Vec<u8>`.

use std::io::{self, Write};

use crate::run::Report;

mod csv;
mod findings;
mod html;
mod json;
mod junit;
mod markdown;
mod sarif;
mod text;

pub use json::to_json;
pub use sarif::to_sarif;

/// An output format of `trailgraph check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// Per section and check a line with ✓ / ✗ / ? per account, then the explanations of what
    /// failed, then a summary line.
    Text,
    /// The JSON contract (see `docs/checks.md` and `docs/check-report.schema.json`).
    Json,
    /// For tickets and pull requests.
    Markdown,
    /// One row per (check, account), for spreadsheets.
    Csv,
    /// JUnit XML for CI systems: failed → `<failure>`, not evaluable → `<skipped>`.
    Junit,
    /// One self-contained page: summary, accounts × controls matrix, findings with pictures
    /// of their chains.
    Html,
    /// SARIF 2.1.0: a rule per check, a result per failed or not-evaluable (check, account).
    Sarif,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 7] = [
        Format::Text,
        Format::Json,
        Format::Markdown,
        Format::Csv,
        Format::Junit,
        Format::Html,
        Format::Sarif,
    ];

    /// The name on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Csv => "csv",
            Format::Junit => "junit",
            Format::Html => "html",
            Format::Sarif => "sarif",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                format!("unknown format `{s}` (text, json, markdown, csv, junit, html, sarif)")
            })
    }
}

/// Writes `report` in `format`. `color` adds ANSI colours to the text format (the caller decides,
/// e.g. when standard output is a terminal); other formats ignore it.
pub fn write_report(
    report: &Report,
    format: Format,
    out: &mut impl Write,
    color: bool,
) -> io::Result<()> {
    match format {
        Format::Text => text::write(report, out, color),
        Format::Json => json::write(report, out),
        Format::Markdown => markdown::write(report, out),
        Format::Csv => csv::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Html => html::write(report, out),
        Format::Sarif => sarif::write(report, out),
    }
}

fn time(t: jiff::Timestamp) -> String {
    crate::template::format_time(t)
}
