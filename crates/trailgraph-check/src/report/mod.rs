//! Report formats. Every writer takes any `io::Write`, so tests write into a `Vec<u8>`.

use std::io::{self, Write};

use crate::run::Report;

mod asff;
mod csv;
mod findings;
mod html;
mod json;
mod junit;
mod markdown;
mod ocsf;
mod sarif;
mod text;

pub use asff::to_asff;
pub use json::to_json;
pub use ocsf::to_ocsf;
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
    /// OCSF 1.5.0 Compliance Finding events (class 2003), one per result, as a JSON array.
    Ocsf,
    /// AWS Security Finding Format for `securityhub batch-import-findings`, one finding per
    /// result, as a JSON array.
    Asff,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 9] = [
        Format::Text,
        Format::Json,
        Format::Markdown,
        Format::Csv,
        Format::Junit,
        Format::Html,
        Format::Sarif,
        Format::Ocsf,
        Format::Asff,
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
            Format::Ocsf => "ocsf",
            Format::Asff => "asff",
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
                format!("unknown format `{s}` (text, json, markdown, csv, junit, html, sarif, ocsf, asff)")
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
        Format::Ocsf => ocsf::write(report, out),
        Format::Asff => asff::write(report, out),
    }
}

fn time(t: jiff::Timestamp) -> String {
    crate::template::format_time(t)
}

/// A stable fingerprint: FNV-1a over the parts, as hex (the same inputs give the same text in
/// every run and on every machine; a separator keeps `["ab", ""]` apart from `["a", "b"]`).
fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The id of a result as a finding, the same in every run: benchmark, control, check, account
/// and a fingerprint of the result's own resource (of nothing for a result about the account),
/// so that a re-import updates the finding instead of adding one. At most 512 characters
/// (ASFF's limit): a longer id becomes a fingerprint of all its parts.
fn finding_id(report: &crate::run::Report, r: &crate::run::CheckResult) -> String {
    let resource = r.resource.as_ref().map_or("", |x| x.id.as_str());
    let id = format!(
        "trailgraph/{}/{}/{}/{}/{}",
        report.benchmark.id,
        r.control,
        r.check,
        r.account,
        fingerprint(&[resource])
    );
    if id.len() <= 512 {
        id
    } else {
        let all = [
            report.benchmark.id.as_str(),
            &r.control,
            &r.check,
            &r.account,
            resource,
        ];
        format!("trailgraph/{}", fingerprint(&all))
    }
}

/// The benchmark as a standard's name: its title, with its version unless the title says it.
fn standard(report: &crate::run::Report) -> String {
    let b = &report.benchmark;
    if b.version.is_empty() || b.title.contains(b.version.as_str()) {
        b.title.clone()
    } else {
        format!("{} {}", b.title, b.version)
    }
}

/// Where a result is: the node of the first step of its chain that is not ok, or else the
/// result's own resource.
struct Located<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'a str,
    region: Option<&'a str>,
}

fn located(r: &crate::run::CheckResult) -> Option<Located<'_>> {
    r.chain()
        .iter()
        .find(|s| s.status != crate::chain::StepStatus::Ok)
        .and_then(|s| s.node.as_deref())
        .map(|n| Located {
            id: &n.id,
            name: &n.name,
            kind: &n.kind,
            region: n.region.as_deref(),
        })
        .or_else(|| {
            r.resource.as_ref().map(|x| Located {
                id: &x.id,
                name: &x.name,
                kind: &x.kind,
                region: x.region.as_deref(),
            })
        })
}

/// The region a result is about: its resource's, else that of the first step of its chain that
/// names one.
fn region_of(r: &crate::run::CheckResult) -> Option<&str> {
    r.resource
        .as_ref()
        .and_then(|x| x.region.as_deref())
        .or_else(|| {
            r.chain()
                .iter()
                .find_map(|s| s.node.as_ref().and_then(|n| n.region.as_deref()))
        })
}

/// The AWS partition of an ARN (`aws` for anything else).
fn partition(id: &str) -> &str {
    let mut parts = id.splitn(3, ':');
    match (parts.next(), parts.next()) {
        (Some("arn"), Some(p)) if !p.is_empty() => p,
        _ => "aws",
    }
}

/// At most `max` characters of `text`, cut on a character boundary and marked with `…`.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// What a result says: its explanation lines, or its reason.
fn message(r: &crate::run::CheckResult) -> String {
    if r.explanation.is_empty() {
        r.reason.clone()
    } else {
        r.explanation.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_stable_and_separate_parts() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
        assert_eq!(fingerprint(&[]).len(), 16);
    }

    #[test]
    fn clip_counts_characters_not_bytes() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "ab…");
        assert_eq!(clip("ééééé", 4).chars().count(), 4);
        assert_eq!(partition("arn:aws-cn:sns:cn-north-1:1:t"), "aws-cn");
        assert_eq!(partition("123456789012"), "aws");
    }
}
