//! Judging a filter for a control: the comparison under a [`Judgement`],
//! catch-all filters, and the [`Assessment`] a check needs.
//!
//! A pattern is *catch-all* when it matches a routine call that it does not
//! single out: a successful `AwsApiCall` (no `errorCode`, no `errorMessage`)
//! by an `AssumedRole` or `IAMUser`, read-only or not, whose `eventName`,
//! `eventSource` (`<word>.amazonaws.com`) and every other standard CloudTrail
//! record field the pattern names take fresh values (built from characters
//! that occur nowhere in the pattern, so no literal, wildcard core or term of
//! the pattern can occur in them), while fields outside the standard record
//! are absent. It is decided with the real evaluator on those few probe
//! events.

use std::collections::HashSet;

use serde_json::{Map, Value as Json, json};

use crate::ast::{Condition, Expr, Pattern, Segment, Selector};
use crate::catalog::{EventCatalog, Judgement};
use crate::compare::{Comparison, RequiredPatternError, compare_with};
use crate::eval::{Event, resolve};
use crate::parse::parse;

/// A catch-all finding: a routine event the pattern matches, and why that
/// makes it catch-all.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CatchAll {
    /// A routine CloudTrail event the pattern matches.
    pub example: Json,
    /// A sentence saying why the pattern is catch-all.
    pub reason: String,
}

/// The standard CloudTrail record fields (scalars) a probe gives a fresh
/// value when the pattern names them, with the realistic value shown in the
/// example event.
const STANDARD_FIELDS: &[(&str, &str)] = &[
    ("eventVersion", "1.08"),
    ("eventTime", "2026-12-01T12:00:00Z"),
    ("awsRegion", "us-east-1"),
    ("sourceIPAddress", "203.0.113.10"),
    ("userAgent", "aws-cli/2.15.0"),
    ("requestID", "6a7e4b1c-0d3f-4c55-9a11-2b8f0e3d7c21"),
    ("eventID", "0c2d9f4e-8b7a-4e61-b3c5-7d1e2f3a4b5c"),
    ("eventCategory", "Management"),
    ("recipientAccountId", "123456789012"),
    ("apiVersion", "2016-11-15"),
    ("userIdentity.arn", "arn:aws:iam::123456789012:user/alice"),
    ("userIdentity.accountId", "123456789012"),
    ("userIdentity.principalId", "AIDAEXAMPLEPRINCIPAL"),
    ("userIdentity.accessKeyId", "AKIAEXAMPLEKEY"),
    ("userIdentity.userName", "alice"),
];

const IDENTITIES: [&str; 2] = ["AssumedRole", "IAMUser"];

/// Characters fresh values are built from, most readable first.
const FRESH_ALPHABET: &str =
    "QXZJKVWYqxzjkvwyUBDFGHLMPRSTubdfghlmprstACEINOaceino0123456789ÆØÞÐæøþðßŒœ";

fn selector_of(field: &str) -> Selector {
    Selector {
        segments: field
            .split('.')
            .map(|k| Segment::Key(k.to_owned()))
            .collect(),
    }
}

fn field_name(selector: &Selector) -> String {
    selector.to_string().trim_start_matches("$.").to_owned()
}

/// The selectors a JSON pattern names, each once, in order.
fn selectors(pattern: &Pattern) -> Vec<&Selector> {
    fn walk<'p>(
        expr: &'p Expr<Condition>,
        out: &mut Vec<&'p Selector>,
        seen: &mut HashSet<&'p Selector>,
    ) {
        match expr {
            Expr::Atom(c) => {
                if seen.insert(&c.selector) {
                    out.push(&c.selector);
                }
            }
            Expr::And(items) | Expr::Or(items) => {
                for item in items {
                    walk(item, out, seen);
                }
            }
        }
    }
    let mut out = Vec::new();
    if let Pattern::Json(expr) = pattern {
        walk(expr, &mut out, &mut HashSet::new());
    }
    out
}

/// A word of characters that occur nowhere in `text`, or `None` when the
/// text uses every candidate character.
fn fresh_word(text: &str) -> Option<String> {
    let word: String = FRESH_ALPHABET
        .chars()
        .filter(|c| !text.contains(*c))
        .take(6)
        .collect();
    (!word.is_empty()).then_some(word)
}

fn set_path(root: &mut Map<String, Json>, field: &str, value: Json) {
    let mut parts = field.split('.').peekable();
    let mut here = root;
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            here.insert(part.to_owned(), value);
            return;
        }
        let slot = here
            .entry(part.to_owned())
            .or_insert_with(|| Json::Object(Map::new()));
        if !slot.is_object() {
            *slot = Json::Object(Map::new());
        }
        match slot.as_object_mut() {
            Some(m) => here = m,
            None => return,
        }
    }
}

/// A probe event: a successful `AwsApiCall` by `identity`.
fn probe(
    identity: &str,
    read_only: bool,
    name: &str,
    source: &str,
    fields: &[(&str, String)],
) -> Json {
    let mut m = Map::new();
    m.insert("eventName".to_owned(), json!(name));
    m.insert("eventSource".to_owned(), json!(source));
    m.insert("eventType".to_owned(), json!("AwsApiCall"));
    m.insert("readOnly".to_owned(), json!(read_only));
    set_path(&mut m, "userIdentity.type", json!(identity));
    for (field, value) in fields {
        set_path(&mut m, field, json!(value));
    }
    Json::Object(m)
}

/// Whether `pattern` is catch-all (see the module documentation), with a
/// routine event it matches and a sentence saying why.
///
/// The example is realistic when the pattern matches that version too: the
/// probe with `eventName` `GetCallerIdentity` from `sts.amazonaws.com`, or
/// `DescribeInstances` from `ec2.amazonaws.com`, and realistic values for the
/// other fields; otherwise the probe with fresh values.
///
/// ```
/// use trailgraph_pattern::{catch_all, parse};
/// let p = parse(r#"{ $.userIdentity.type = "Root" || $.eventType != "AwsServiceEvent" }"#)?;
/// let found = catch_all(&p).expect("catch-all");
/// assert_eq!(found.example["eventName"], "GetCallerIdentity");
/// assert!(catch_all(&parse("{ $.eventName = *Policy* }")?).is_none());
/// # Ok::<(), trailgraph_pattern::ParseError>(())
/// ```
pub fn catch_all(pattern: &Pattern) -> Option<CatchAll> {
    let text = pattern.to_string();
    let fresh = fresh_word(&text)?;
    let named = selectors(pattern);
    let named_set: HashSet<&Selector> = named.iter().copied().collect();
    let standard: Vec<(&str, &str)> = STANDARD_FIELDS
        .iter()
        .filter(|(f, _)| named_set.contains(&selector_of(f)))
        .copied()
        .collect();
    let fresh_fields: Vec<(&str, String)> = standard
        .iter()
        .enumerate()
        .map(|(i, (f, _))| (*f, format!("{fresh}{}", fresh_suffix(&fresh, i))))
        .collect();
    let fresh_source = format!("{fresh}.amazonaws.com");
    let matches = |j: &Json| pattern.matches(&Event::from_json(j.clone()));
    let mut hit = None;
    'probes: for identity in IDENTITIES {
        for read_only in [true, false] {
            let p = probe(identity, read_only, &fresh, &fresh_source, &fresh_fields);
            if matches(&p) {
                hit = Some((identity, read_only, p));
                break 'probes;
            }
        }
    }
    let (identity, read_only, fresh_probe) = hit?;
    let realistic_fields: Vec<(&str, String)> = standard
        .iter()
        .map(|(f, v)| {
            let example = EventCatalog::builtin()
                .examples_at(&selector_of(f))
                .first()
                .cloned();
            (*f, example.unwrap_or_else(|| (*v).to_owned()))
        })
        .collect();
    let mut example = None;
    'realistic: for (name, source) in [
        ("GetCallerIdentity", "sts.amazonaws.com"),
        ("DescribeInstances", "ec2.amazonaws.com"),
    ] {
        for fields in [&realistic_fields, &fresh_fields] {
            for id in std::iter::once(identity).chain(IDENTITIES) {
                let p = probe(id, true, name, source, fields);
                if matches(&p) {
                    example = Some(p);
                    break 'realistic;
                }
            }
        }
    }
    let example = example.unwrap_or(fresh_probe);
    let mut names = vec!["eventName".to_owned(), "eventSource".to_owned()];
    names.extend(standard.iter().map(|(f, _)| (*f).to_owned()));
    let call = if read_only { "read-only" } else { "write" };
    let reason = format!(
        "it matches a routine call it does not single out: a successful {call} AwsApiCall by an {identity} with {} that the pattern does not name, so it matches nearly every CloudTrail event and monitors nothing specific",
        list_fields(&names)
    );
    Some(CatchAll { example, reason })
}

/// Keeps fresh values of different fields apart (`QXZ`, `QXZQ`, ...) without
/// new characters.
fn fresh_suffix(fresh: &str, i: usize) -> String {
    let first: String = fresh.chars().take(1).collect();
    first.repeat(i)
}

fn list_fields(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("an {n}")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The fields a JSON pattern tests that `event` does not carry, as
/// `eventSource` or `userIdentity.invokedBy` (empty for other families and
/// for plain-text events).
pub fn absent_fields(pattern: &Pattern, event: &Json) -> Vec<String> {
    if !event.is_object() {
        return Vec::new();
    }
    selectors(pattern)
        .into_iter()
        .filter(|s| resolve(s, event).is_none())
        .map(field_name)
        .collect()
}

/// Compares an actual filter pattern with a required one under a judgement:
/// [`Judgement::Language`] is [`compare`](crate::compare); with
/// [`Judgement::CloudTrail`] the same search runs only over events the
/// catalog admits, so `covers` is never claimed while CloudTrail could write
/// a missed event, and every example event is one CloudTrail could write.
/// Only JSON patterns on both sides are judged with the catalog; other
/// families are judged by the language.
pub fn compare_judged(required: &Pattern, actual: &Pattern, judgement: Judgement) -> Comparison {
    compare_with(required, actual, judgement.catalog())
}

/// Everything a check needs about one (required, actual) pair.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Assessment {
    /// The verdict under the judgement.
    pub comparison: Comparison,
    /// The language-only verdict, when the judgement is CloudTrail-aware and
    /// the language verdict differs.
    pub language: Option<Comparison>,
    /// Set when the actual filter is catch-all.
    pub actual_catch_all: Option<CatchAll>,
    /// Set when the required pattern is catch-all.
    pub required_catch_all: Option<CatchAll>,
    /// For each missed event of `comparison`, the fields the actual pattern
    /// tests that the event does not carry.
    pub missed_absent: Vec<Vec<String>>,
}

impl Assessment {
    /// Whether the filter counts for the control: the comparison is
    /// `equivalent` or `covers`, and the filter is not catch-all unless the
    /// required pattern is catch-all too.
    pub fn counts(&self) -> bool {
        matches!(
            self.comparison,
            Comparison::Equivalent | Comparison::Covers { .. }
        ) && (self.actual_catch_all.is_none() || self.required_catch_all.is_some())
    }

    /// Why a covering filter does not count (it is catch-all), with the
    /// example event; `None` when it counts or does not cover.
    pub fn not_counted_reason(&self) -> Option<String> {
        if !matches!(
            self.comparison,
            Comparison::Equivalent | Comparison::Covers { .. }
        ) || self.required_catch_all.is_some()
        {
            return None;
        }
        self.actual_catch_all.as_ref().map(|c| {
            format!(
                "the filter covers the required pattern but is catch-all: {}; for example it matches {}",
                c.reason, c.example
            )
        })
    }
}

/// Assesses an actual filter against a required pattern under a judgement.
///
/// ```
/// use trailgraph_pattern::{assess, parse, Judgement, Verdict};
/// let required = parse(r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }"#)?;
/// let actual = parse(r#"{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed = "No") }"#)?;
/// let a = assess(&required, &actual, Judgement::cloudtrail());
/// assert!(a.counts());
/// assert_eq!(a.language.map(|c| c.verdict()), Some(Verdict::Partial));
/// # Ok::<(), trailgraph_pattern::ParseError>(())
/// ```
pub fn assess(required: &Pattern, actual: &Pattern, judgement: Judgement) -> Assessment {
    let mut assessment = assess_verdict(required, actual, judgement);
    if let Judgement::CloudTrail(_) = judgement {
        let l = compare_with(required, actual, None);
        assessment.language = (l.verdict() != assessment.comparison.verdict()).then_some(l);
    }
    assessment
}

/// [`assess`] without the language-only verdict (`language` is always `None`): for callers,
/// such as the checks, that need only the verdict under `judgement`, the catch-all findings
/// and the missed events.
pub fn assess_verdict(required: &Pattern, actual: &Pattern, judgement: Judgement) -> Assessment {
    let comparison = compare_judged(required, actual, judgement);
    let language = None;
    let missed_absent = comparison
        .missed_events()
        .iter()
        .map(|e| absent_fields(actual, e))
        .collect();
    Assessment {
        comparison,
        language,
        actual_catch_all: catch_all(actual),
        required_catch_all: catch_all(required),
        missed_absent,
    }
}

/// Parses both patterns and assesses them; see [`assess`]. An `actual`
/// pattern that does not parse gives [`Comparison::Invalid`] (and no
/// catch-all finding); a `required` pattern that does not parse is an error.
pub fn assess_text(
    required: &str,
    actual: &str,
    judgement: Judgement,
) -> Result<Assessment, RequiredPatternError> {
    let required_pattern = parse(required).map_err(|error| RequiredPatternError {
        pattern: required.to_owned(),
        error,
    })?;
    Ok(match parse(actual) {
        Ok(a) => assess(&required_pattern, &a, judgement),
        Err(_) => assess_actual_text(&required_pattern, actual, judgement),
    })
}

/// [`assess_verdict`] of a parsed required pattern and an actual filter's text; a filter that
/// does not parse gives [`Comparison::Invalid`] (and no catch-all finding).
pub fn assess_actual_text(required: &Pattern, actual: &str, judgement: Judgement) -> Assessment {
    match parse(actual) {
        Ok(a) => assess_verdict(required, &a, judgement),
        Err(error) => Assessment {
            comparison: Comparison::Invalid {
                pattern: actual.to_owned(),
                error,
            },
            language: None,
            actual_catch_all: None,
            required_catch_all: catch_all(required),
            missed_absent: Vec::new(),
        },
    }
}
