//! The CloudTrail event catalog: which event sources CloudTrail writes each
//! event name with, which fields have a closed set of values, and realistic
//! example values. The built-in catalog is `queries/catalog/cloudtrail-events.yaml`,
//! compiled into the crate.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value as Json;

use crate::ast::{Segment, Selector};
use crate::eval::resolve;

const BUILTIN: &str = include_str!("../../../queries/catalog/cloudtrail-events.yaml");

/// What CloudTrail writes, as far as the CloudTrail-aware judgement relies on
/// it: see `docs/filter-patterns.md` for the format.
#[derive(Debug, Clone, Default)]
pub struct EventCatalog {
    /// Event name → the event sources it is written with.
    sources: HashMap<String, Vec<String>>,
    /// Fields whose present value is one of the listed JSON values.
    closed: Vec<(Selector, Vec<Json>)>,
    /// Realistic string values per field.
    examples: HashMap<Selector, Vec<String>>,
}

/// A catalog file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// The text is not YAML of the catalog's shape.
    #[error("{}{message}", location_prefix(*line, *column))]
    Format {
        /// 1-based line, when known.
        line: Option<u64>,
        /// 1-based column, when known.
        column: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// The shape is right but a value is not allowed.
    #[error("{message}")]
    Invalid {
        /// What is wrong.
        message: String,
    },
}

fn location_prefix(line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: "),
        (Some(l), None) => format!("line {l}: "),
        _ => String::new(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogDoc {
    #[serde(default)]
    events: Vec<EventsDoc>,
    #[serde(default)]
    closed_fields: Vec<FieldDoc>,
    #[serde(default)]
    examples: Vec<FieldDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsDoc {
    names: Vec<String>,
    event_sources: Vec<String>,
    source: OneOrMany,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldDoc {
    field: String,
    values: Vec<Json>,
    source: OneOrMany,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn urls(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(s) => vec![s.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

fn invalid(message: String) -> CatalogError {
    CatalogError::Invalid { message }
}

fn field_selector(field: &str) -> Result<Selector, CatalogError> {
    let segments: Vec<Segment> = field
        .split('.')
        .map(|k| {
            if k.is_empty() {
                Err(invalid(format!(
                    "field '{field}': expected names separated by '.'"
                )))
            } else {
                Ok(Segment::Key(k.to_owned()))
            }
        })
        .collect::<Result<_, _>>()?;
    Ok(Selector { segments })
}

fn check_urls(what: &str, source: &OneOrMany) -> Result<(), CatalogError> {
    let urls = source.urls();
    if urls.is_empty() || urls.iter().any(|u| !u.starts_with("https://")) {
        return Err(invalid(format!(
            "{what}: 'source' must name one or more https:// documentation URLs"
        )));
    }
    Ok(())
}

impl EventCatalog {
    /// The catalog built from `queries/catalog/cloudtrail-events.yaml`, parsed once.
    /// (The embedded file is tested to parse; if it ever did not, this is
    /// the empty catalog, which constrains nothing.)
    pub fn builtin() -> &'static EventCatalog {
        static CATALOG: OnceLock<EventCatalog> = OnceLock::new();
        CATALOG.get_or_init(|| EventCatalog::from_yaml(BUILTIN).unwrap_or_default())
    }

    /// The text of the built-in catalog file.
    pub fn builtin_yaml() -> &'static str {
        BUILTIN
    }

    /// Reads a catalog file.
    pub fn from_yaml(text: &str) -> Result<EventCatalog, CatalogError> {
        let doc: CatalogDoc = serde_saphyr::from_str(text).map_err(|e| {
            let location = e.location();
            let full = e.to_string();
            CatalogError::Format {
                line: location.as_ref().map(serde_saphyr::Location::line),
                column: location.as_ref().map(serde_saphyr::Location::column),
                message: full.lines().next().unwrap_or(&full).to_owned(),
            }
        })?;
        let mut catalog = EventCatalog::default();
        for entry in &doc.events {
            let what = format!("events {:?}", entry.names);
            check_urls(&what, &entry.source)?;
            if entry.names.is_empty() || entry.event_sources.is_empty() {
                return Err(invalid(format!(
                    "{what}: 'names' and 'event_sources' must not be empty"
                )));
            }
            for name in &entry.names {
                if catalog.sources.contains_key(name) {
                    return Err(invalid(format!(
                        "event {name} is listed twice; list all its event sources in one entry"
                    )));
                }
                catalog
                    .sources
                    .insert(name.clone(), entry.event_sources.clone());
            }
        }
        let mut seen = HashSet::new();
        for entry in &doc.closed_fields {
            let what = format!("closed field {}", entry.field);
            check_urls(&what, &entry.source)?;
            if !seen.insert(entry.field.clone()) {
                return Err(invalid(format!("{what} is listed twice")));
            }
            if entry.values.is_empty()
                || entry
                    .values
                    .iter()
                    .any(|v| !matches!(v, Json::String(_) | Json::Bool(_)))
            {
                return Err(invalid(format!(
                    "{what}: 'values' must be a non-empty list of strings or booleans"
                )));
            }
            catalog
                .closed
                .push((field_selector(&entry.field)?, entry.values.clone()));
        }
        for entry in &doc.examples {
            let what = format!("examples of {}", entry.field);
            check_urls(&what, &entry.source)?;
            let mut values = Vec::new();
            for v in &entry.values {
                match v {
                    Json::String(s) => values.push(s.clone()),
                    _ => return Err(invalid(format!("{what}: values must be strings"))),
                }
            }
            catalog
                .examples
                .entry(field_selector(&entry.field)?)
                .or_default()
                .extend(values);
        }
        Ok(catalog)
    }

    /// The event sources CloudTrail writes `event_name` with, if catalogued.
    pub fn event_sources(&self, event_name: &str) -> Option<&[String]> {
        self.sources.get(event_name).map(Vec::as_slice)
    }

    /// The catalogued event names, in no particular order.
    pub fn event_names(&self) -> impl Iterator<Item = &str> {
        self.sources.keys().map(String::as_str)
    }

    /// The values a closed field takes when present (`field` as `a.b`, or a
    /// selector's text `$.a.b`).
    pub fn closed_values(&self, field: &str) -> Option<&[Json]> {
        let field = field.strip_prefix("$.").unwrap_or(field);
        let selector = field_selector(field).ok()?;
        self.closed_values_at(&selector)
    }

    pub(crate) fn closed_values_at(&self, selector: &Selector) -> Option<&[Json]> {
        self.closed
            .iter()
            .find(|(s, _)| s == selector)
            .map(|(_, v)| v.as_slice())
    }

    /// The closed fields, as selectors with their values.
    pub(crate) fn closed_fields(&self) -> impl Iterator<Item = (&Selector, &[Json])> {
        self.closed.iter().map(|(s, v)| (s, v.as_slice()))
    }

    /// Realistic example values of a field (empty when none are listed).
    pub(crate) fn examples_at(&self, selector: &Selector) -> &[String] {
        self.examples.get(selector).map_or(&[], Vec::as_slice)
    }

    /// Whether CloudTrail could write `event` as far as the catalog knows: a
    /// catalogued `eventName` comes with one of its event sources, and every
    /// closed field is absent or holds one of its values. Events that are not
    /// JSON objects are not CloudTrail records, and are admitted unchanged
    /// (the catalog says nothing about them).
    pub fn admits(&self, event: &Json) -> bool {
        if !event.is_object() {
            return true;
        }
        if let Some(Json::String(name)) = event.get("eventName")
            && let Some(sources) = self.sources.get(name)
        {
            match event.get("eventSource") {
                Some(Json::String(s)) if sources.contains(s) => {}
                _ => return false,
            }
        }
        self.closed
            .iter()
            .all(|(selector, values)| resolve(selector, event).is_none_or(|v| values.contains(v)))
    }
}

/// How filters are judged.
#[derive(Debug, Clone, Copy)]
pub enum Judgement<'a> {
    /// Only over events CloudTrail could write, as the catalog describes them.
    CloudTrail(&'a EventCatalog),
    /// By the pattern language alone: over every JSON event.
    Language,
}

impl Judgement<'static> {
    /// The CloudTrail-aware judgement with the built-in catalog.
    pub fn cloudtrail() -> Judgement<'static> {
        Judgement::CloudTrail(EventCatalog::builtin())
    }
}

impl Judgement<'_> {
    /// `cloudtrail` or `language`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Judgement::CloudTrail(_) => "cloudtrail",
            Judgement::Language => "language",
        }
    }

    pub(crate) fn catalog(&self) -> Option<&EventCatalog> {
        match self {
            Judgement::CloudTrail(c) => Some(c),
            Judgement::Language => None,
        }
    }
}
