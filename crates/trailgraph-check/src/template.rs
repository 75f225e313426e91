//! `{{name}}` placeholders in queries, reasons and remediation commands.
//!
//! Values come from a check's `parameters` (a benchmark control may override them) and from
//! values the runner derives:
//! - `{{collected_at}}`: the inventory's collection time (RFC 3339, UTC);
//! - `{{<parameter>.before_collection}}`: the collection time minus the parameter, read as a
//!   duration such as `24h` or `7d`.
//!
//! In queries a value is escaped for a double-quoted query string (`"` and `\`), so placeholders
//! are written between double quotes: `filter_pattern covers "{{pattern}}"`.

use std::collections::BTreeMap;
use std::ops::Range;

/// The suffix that turns a duration parameter into a time before collection.
pub const BEFORE_COLLECTION: &str = ".before_collection";

/// A placeholder found in a text: its byte range (braces included) and its name (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// Byte range of `{{...}}` in the text.
    pub span: Range<usize>,
    /// The name between the braces, trimmed.
    pub name: String,
}

/// Every `{{name}}` in `text`, in order.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| from + i) {
        let Some(close) = text[open + 2..].find("}}").map(|i| open + 2 + i) else {
            break;
        };
        let name = text[open + 2..close].trim();
        if !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '|'))
        {
            found.push(Placeholder {
                span: open..close + 2,
                name: name.to_owned(),
            });
            from = close + 2;
        } else {
            from = open + 2;
        }
    }
    found
}

/// The name of the placeholder that is the whole of `literal` (`{{pattern}}`, spaces allowed
/// around it), if it is one.
pub fn whole_placeholder(literal: &str) -> Option<String> {
    let trimmed = literal.trim();
    match placeholders(trimmed).as_slice() {
        [p] if p.span == (0..trimmed.len()) => Some(p.name.clone()),
        _ => None,
    }
}

/// Why a query could not be bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindError {
    /// A placeholder has no value.
    Missing {
        /// Its name.
        name: String,
        /// The literal it fills.
        span: Range<usize>,
    },
    /// A string literal holds a placeholder and other text: a placeholder fills a whole
    /// literal.
    NotWhole {
        /// The literal.
        span: Range<usize>,
    },
}

/// Binds the placeholders of a parsed query: every string literal that is exactly
/// `{{name}}` becomes `lookup(name)`. The query is parsed once; binding never re-parses, so a
/// value is never read as query syntax.
pub fn bind(
    query: &trailgraph_query::ast::Query,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<trailgraph_query::ast::Query, BindError> {
    let mut bound = query.clone();
    let mut error = None;
    trailgraph_query::ast::visit_string_literals_mut(&mut bound, &mut |text, span| {
        if error.is_some() || !text.contains("{{") {
            return;
        }
        match whole_placeholder(text) {
            Some(name) => match lookup(&name) {
                Some(value) => *text = value,
                None => {
                    error = Some(BindError::Missing {
                        name,
                        span: span.clone(),
                    });
                }
            },
            None if placeholders(text).is_empty() => {}
            None => error = Some(BindError::NotWhole { span: span.clone() }),
        }
    });
    match error {
        Some(e) => Err(e),
        None => Ok(bound),
    }
}

/// The value of a placeholder name from `lookup`: `a|b` takes the first alternative that has
/// a value; `name.label` is the value of `name` made into an identifier (letters, digits and
/// `_`; for Terraform resource names).
pub fn resolve_name(name: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    name.split('|').map(str::trim).find_map(|alternative| {
        if let Some(v) = lookup(alternative) {
            return Some(v);
        }
        let base = alternative.strip_suffix(".label")?;
        lookup(base).map(|v| identifier(&v))
    })
}

/// `v` as an identifier: every character but ASCII letters, digits and `_` becomes `_`, and a
/// leading digit gets a `_` before it.
pub fn identifier(v: &str) -> String {
    let mut out: String = v
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// Escapes `value` for the inside of a double-quoted query string.
pub fn escape_query_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Replaces every placeholder of `text` with `lookup(name)`, escaped for a query string when
/// `query` is set. Returns the first placeholder without a value as the error.
pub fn fill(
    text: &str,
    query: bool,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, Placeholder> {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for p in placeholders(text) {
        let Some(value) = lookup(&p.name) else {
            return Err(p);
        };
        out.push_str(&text[last..p.span.start]);
        if query {
            out.push_str(&escape_query_string(&value));
        } else {
            out.push_str(&value);
        }
        last = p.span.end;
    }
    out.push_str(&text[last..]);
    Ok(out)
}

/// The values a query may use: the parameters, `collected_at` and the `.before_collection`
/// forms of duration parameters. `collected_at` is `None` while loading (any time will do to
/// validate) and the inventory's collection time while running.
pub fn query_value(
    parameters: &BTreeMap<String, String>,
    collected_at: jiff::Timestamp,
    name: &str,
) -> Option<String> {
    if let Some(v) = parameters.get(name) {
        return Some(v.clone());
    }
    if name == "collected_at" {
        return Some(format_time(collected_at));
    }
    let base = name.strip_suffix(BEFORE_COLLECTION)?;
    let duration = parse_duration(parameters.get(base)?)?;
    collected_at.checked_sub(duration).ok().map(format_time)
}

/// Formats a time as the inventory does: RFC 3339 in UTC with second precision.
pub fn format_time(t: jiff::Timestamp) -> String {
    trailgraph_model::build::format_timestamp(t)
}

/// Parses a duration such as `24h`, `7d`, `90m`, `1d12h` or an ISO 8601 duration (`PT24H`).
pub fn parse_duration(text: &str) -> Option<jiff::SignedDuration> {
    let text = text.trim();
    if let Ok(d) = text.parse::<jiff::SignedDuration>() {
        return Some(d);
    }
    // Days are calendar-free here: a day is 24 hours.
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().ok()?;
        number.clear();
        let unit = match c {
            'w' => 7 * 86_400,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    if !number.is_empty() {
        return None;
    }
    Some(jiff::SignedDuration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_fills_placeholders() {
        let text = r#"covers "{{pattern}}" and x < "{{ age.before_collection }}" {{ not a name }}"#;
        let names: Vec<String> = placeholders(text).into_iter().map(|p| p.name).collect();
        assert_eq!(names, vec!["pattern", "age.before_collection"]);
        let mut params = BTreeMap::new();
        params.insert("pattern".to_owned(), r#"{ $.a = "b\c" }"#.to_owned());
        params.insert("age".to_owned(), "24h".to_owned());
        let at: jiff::Timestamp = "2026-11-20T09:00:00Z".parse().unwrap();
        let out = fill(text, true, |n| query_value(&params, at, n)).unwrap();
        assert_eq!(
            out,
            r#"covers "{ $.a = \"b\\c\" }" and x < "2026-11-19T09:00:00Z" {{ not a name }}"#
        );
        let missing = fill("a {{nope}}", false, |_| None).unwrap_err();
        assert_eq!((missing.name.as_str(), missing.span), ("nope", 2..10));
    }

    #[test]
    fn binds_whole_literals_only() {
        let query = trailgraph_query::parse(
            r#"is(aws_cloudwatch_metric_filter) and filter_pattern covers "{{pattern}}" and name in ["{{a}}", "b"]"#,
        )
        .unwrap();
        let lookup = |n: &str| match n {
            "pattern" => Some(r#"{ $.x = "y" }"#.to_owned()),
            "a" => Some("A\"".to_owned()),
            _ => None,
        };
        let bound = bind(&query, &lookup).unwrap();
        assert_eq!(
            bound.to_string(),
            r#"(is("aws_cloudwatch_metric_filter") and filter_pattern covers "{ $.x = \"y\" }" and name in ["A\"", "b"])"#
        );
        let query = trailgraph_query::parse(r#"name == "x{{a}}""#).unwrap();
        assert!(matches!(
            bind(&query, &lookup),
            Err(BindError::NotWhole { .. })
        ));
        let query = trailgraph_query::parse(r#"name == "{{zz}}""#).unwrap();
        assert!(matches!(
            bind(&query, &lookup),
            Err(BindError::Missing { name, .. }) if name == "zz"
        ));
        assert_eq!(
            resolve_name("log_group_region|trail_region", &|n| (n == "trail_region")
                .then(|| "eu-west-1".to_owned())),
            Some("eu-west-1".to_owned())
        );
        assert_eq!(
            resolve_name("filter_name.label", &|n| (n == "filter_name")
                .then(|| "9 x-y".to_owned())),
            Some("_9_x_y".to_owned())
        );
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("24h"),
            Some(jiff::SignedDuration::from_hours(24))
        );
        assert_eq!(
            parse_duration("1d12h"),
            Some(jiff::SignedDuration::from_hours(36))
        );
        assert_eq!(
            parse_duration("PT2H"),
            Some(jiff::SignedDuration::from_hours(2))
        );
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration("12"), None);
    }
}
