//! Evaluation of a pattern against one log event.
//!
//! The choices made where the AWS documentation is silent are listed in
//! `docs/filter-patterns.md`; each has a test below or in `tests/`.

use serde_json::Value as Json;

use crate::ast::{
    CompareOp, Condition, Expr, Field, FieldCondition, Pattern, Segment, Selector, Term, TermKind,
    TermMatcher, Test, TextMatch, Value,
};

/// One log event: its text, and its JSON value when the text is JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    json: Option<Json>,
    text: String,
}

impl Event {
    /// An event from a JSON value; its text is the compact serialization.
    pub fn from_json(json: Json) -> Self {
        let text = json.to_string();
        Event {
            json: Some(json),
            text,
        }
    }

    /// An event from a log line. The line is also read as JSON when it is a
    /// JSON object or array; the text stays exactly as given.
    pub fn from_text(text: impl Into<String>) -> Self {
        let text = text.into();
        let trimmed = text.trim_start();
        let json = if trimmed.starts_with('{') || trimmed.starts_with('[') {
            serde_json::from_str(&text).ok()
        } else {
            None
        };
        Event { json, text }
    }

    /// The JSON value of the event, if it is JSON.
    pub fn json(&self) -> Option<&Json> {
        self.json.as_ref()
    }

    /// The text of the event (for JSON events built with [`Event::from_json`],
    /// the compact serialization).
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl Pattern {
    /// Whether the pattern matches the event.
    ///
    /// JSON patterns match only JSON events; term and space-delimited
    /// patterns look at the event text (for a JSON event, its text).
    pub fn matches(&self, event: &Event) -> bool {
        match self {
            Pattern::Empty => true,
            Pattern::Json(expr) => event
                .json()
                .is_some_and(|json| eval_expr(expr, &|c| eval_condition(c, json))),
            Pattern::Terms(terms) => eval_terms(terms, event.text()),
            Pattern::SpaceDelimited(fields) => eval_space_delimited(fields, event.text()),
        }
    }
}

/// Evaluates a boolean expression given a way to evaluate its atoms.
pub(crate) fn eval_expr<A>(expr: &Expr<A>, atom: &dyn Fn(&A) -> bool) -> bool {
    match expr {
        Expr::Atom(a) => atom(a),
        Expr::And(items) => items.iter().all(|e| eval_expr(e, atom)),
        Expr::Or(items) => items.iter().any(|e| eval_expr(e, atom)),
    }
}

/// The value a selector points at, or `None` when it is absent (including
/// when a step indexes a non-array or names a member of a non-object).
pub fn resolve<'j>(selector: &Selector, json: &'j Json) -> Option<&'j Json> {
    let mut here = json;
    for segment in &selector.segments {
        here = match segment {
            Segment::Key(k) => here.as_object()?.get(k)?,
            Segment::Index(i) => here.as_array()?.get(*i)?,
        };
    }
    Some(here)
}

fn eval_condition(condition: &Condition, json: &Json) -> bool {
    eval_test(&condition.test, resolve(&condition.selector, json))
}

/// Evaluates a JSON test on the value found at its selector (`None`: absent).
pub(crate) fn eval_test(test: &Test, found: Option<&Json>) -> bool {
    match test {
        Test::NotExists => found.is_none(),
        Test::IsNull => matches!(found, Some(Json::Null)),
        Test::IsTrue => matches!(found, Some(Json::Bool(true))),
        Test::IsFalse => matches!(found, Some(Json::Bool(false))),
        Test::Compare(op, value) => match found {
            None | Some(Json::Object(_) | Json::Array(_)) => false,
            Some(scalar) => compare_scalar(*op, value, scalar),
        },
    }
}

fn compare_scalar(op: CompareOp, value: &Value, scalar: &Json) -> bool {
    match value {
        Value::Text(text) => {
            if text.to_match() == TextMatch::Any {
                // `= *` means "present with any scalar value"; `!= *` matches nothing.
                return op == CompareOp::Eq;
            }
            match (op, scalar) {
                (CompareOp::Eq, Json::String(s)) => text.matches(s),
                (CompareOp::Ne, Json::String(s)) => !text.matches(s),
                _ => false,
            }
        }
        Value::Number(number) => match scalar {
            Json::Number(n) => n
                .as_f64()
                .is_some_and(|n| op.compare_numbers(n, number.value())),
            _ => false,
        },
        Value::Regex(regex) => match (op, scalar) {
            (CompareOp::Eq, Json::String(s)) => regex.is_match(s),
            (CompareOp::Ne, Json::String(s)) => !regex.is_match(s),
            _ => false,
        },
    }
}

fn term_found(term: &Term, text: &str) -> bool {
    match &term.matcher {
        TermMatcher::Literal(s) => text.contains(s.as_str()),
        TermMatcher::Regex(r) => r.is_match(text),
    }
}

fn eval_terms(terms: &[Term], text: &str) -> bool {
    let mut any_optional = false;
    let mut optional_found = false;
    for term in terms {
        match term.kind {
            TermKind::Required => {
                if !term_found(term, text) {
                    return false;
                }
            }
            TermKind::Excluded => {
                if term_found(term, text) {
                    return false;
                }
            }
            TermKind::Optional => {
                any_optional = true;
                optional_found = optional_found || term_found(term, text);
            }
        }
    }
    !any_optional || optional_found
}

/// Splits a log line into space-delimited fields. Text between `"` quotes
/// or `[` `]` brackets is one field; the quotes and brackets are dropped.
pub fn split_fields(line: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start();
        let Some(first) = rest.chars().next() else {
            break;
        };
        let close = match first {
            '"' => Some('"'),
            '[' => Some(']'),
            _ => None,
        };
        match close {
            Some(close) => {
                let inner = rest.get(1..).unwrap_or("");
                let end = inner.find(close).unwrap_or(inner.len());
                fields.push(inner.get(..end).unwrap_or(""));
                rest = inner.get(end + 1..).unwrap_or("");
            }
            None => {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                fields.push(rest.get(..end).unwrap_or(""));
                rest = rest.get(end..).unwrap_or("");
            }
        }
    }
    fields
}

fn eval_field_condition(condition: &FieldCondition, field: &str) -> bool {
    match &condition.value {
        Value::Text(text) => match condition.op {
            CompareOp::Eq => text.matches(field),
            CompareOp::Ne => !text.matches(field),
            _ => false,
        },
        Value::Number(number) => crate::ast::NumberValue::parse(field)
            .is_some_and(|n| condition.op.compare_numbers(n.value(), number.value())),
        Value::Regex(regex) => match condition.op {
            CompareOp::Eq => regex.is_match(field),
            CompareOp::Ne => !regex.is_match(field),
            _ => false,
        },
    }
}

fn field_accepts(field: &Field, text: &str) -> bool {
    match field {
        Field::Ellipsis => true,
        Field::Named { condition, .. } => condition
            .as_ref()
            .is_none_or(|c| eval_expr(c, &|fc| eval_field_condition(fc, text))),
    }
}

fn eval_space_delimited(fields: &[Field], line: &str) -> bool {
    let words = split_fields(line);
    // reachable[j]: the words read so far can be matched by the first j fields.
    let mut reachable = vec![false; fields.len() + 1];
    let set = |v: &mut Vec<bool>, j: usize| {
        if let Some(slot) = v.get_mut(j) {
            *slot = true;
        }
    };
    let at = |v: &[bool], j: usize| v.get(j).copied().unwrap_or(false);
    set(&mut reachable, 0);
    for (j, field) in fields.iter().enumerate() {
        if matches!(field, Field::Ellipsis) && at(&reachable, j) {
            set(&mut reachable, j + 1);
        }
    }
    for word in &words {
        let mut next = vec![false; fields.len() + 1];
        for (j, field) in fields.iter().enumerate() {
            let consumed = match field {
                Field::Ellipsis => at(&reachable, j + 1) || at(&reachable, j),
                Field::Named { .. } => at(&reachable, j) && field_accepts(field, word),
            };
            // `...` may also match no word at all.
            if consumed || (matches!(field, Field::Ellipsis) && at(&next, j)) {
                set(&mut next, j + 1);
            }
        }
        reachable = next;
    }
    at(&reachable, fields.len())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::parse;
    use serde_json::json;

    fn m(pattern: &str, event: Json) -> bool {
        parse(pattern).unwrap().matches(&Event::from_json(event))
    }

    fn t(pattern: &str, line: &str) -> bool {
        parse(pattern).unwrap().matches(&Event::from_text(line))
    }

    #[test]
    fn missing_field_makes_comparisons_false() {
        let e = json!({"a": 1});
        assert!(!m("{ $.b = 1 }", e.clone()));
        assert!(!m("{ $.b != 1 }", e.clone()));
        assert!(!m("{ $.b != \"x\" }", e.clone()));
        assert!(!m("{ $.b = * }", e.clone()));
        assert!(!m("{ $.b IS NULL }", e.clone()));
        assert!(m("{ $.b NOT EXISTS }", e.clone()));
        assert!(!m("{ $.a NOT EXISTS }", e));
    }

    #[test]
    fn explicit_null() {
        let e = json!({"a": null});
        assert!(m("{ $.a IS NULL }", e.clone()));
        assert!(!m("{ $.a NOT EXISTS }", e.clone()));
        assert!(!m("{ $.a != \"x\" }", e.clone()));
        assert!(m("{ $.a = * }", e));
    }

    #[test]
    fn containers_fail_equality_both_ways() {
        let e = json!({"users": [1, 2]});
        assert!(!m("{ $.users = 1 }", e.clone()));
        assert!(!m("{ $.users != 1 }", e.clone()));
        assert!(!m("{ $.users = * }", e.clone()));
        assert!(m("{ $.users[1] = 2 }", e));
    }

    #[test]
    fn indexing_the_wrong_kind_is_absent() {
        assert!(m("{ $.a[0] NOT EXISTS }", json!({"a": "x"})));
        assert!(m("{ $.a.b NOT EXISTS }", json!({"a": [1]})));
        assert!(!m("{ $.a[0] != 1 }", json!({"a": {"0": 2}})));
        assert!(m("{ $.a[1] NOT EXISTS }", json!({"a": [1]})));
    }

    #[test]
    fn types_must_agree() {
        assert!(!m("{ $.a = 400 }", json!({"a": "400"})));
        assert!(!m("{ $.a = \"400\" }", json!({"a": 400})));
        assert!(!m("{ $.a != \"400\" }", json!({"a": 400})));
        assert!(m("{ $.a = 400.0 }", json!({"a": 400})));
        assert!(!m("{ $.a = \"true\" }", json!({"a": true})));
        assert!(m("{ $.a IS TRUE }", json!({"a": true})));
        assert!(!m("{ $.a IS TRUE }", json!({"a": "true"})));
    }

    #[test]
    fn wildcards_and_case() {
        let e = json!({"c": "Client.UnauthorizedOperation"});
        assert!(m("{ $.c = \"*UnauthorizedOperation\" }", e.clone()));
        assert!(m("{ $.c = Client* }", e.clone()));
        assert!(m("{ $.c = *Unauthorized* }", e.clone()));
        assert!(!m("{ $.c = *unauthorized* }", e.clone()));
        assert!(!m("{ $.c = Client*Operation }", e));
    }

    #[test]
    fn regex_values_are_unanchored() {
        let e = json!({"m": "bind: address already in use"});
        assert!(m("{ $.m = %address already% }", e.clone()));
        assert!(!m("{ $.m = %^address% }", e.clone()));
        assert!(m("{ $.m != %^address% }", e));
    }

    #[test]
    fn json_pattern_needs_json_event() {
        assert!(!t("{ $.a NOT EXISTS }", "plain text"));
        assert!(t("{ $.a NOT EXISTS }", "{\"b\": 1}"));
    }

    #[test]
    fn term_patterns() {
        assert!(t("ERROR", "an ERRORCODE here"));
        assert!(!t("ERROR", "an error"));
        assert!(t("ERROR Exception", "ERROR: Exception"));
        assert!(!t("ERROR Exception", "ERROR only"));
        assert!(t("?ERROR ?WARN", "WARN x"));
        assert!(!t("?ERROR ?WARN", "INFO x"));
        assert!(!t("ERROR -Exiting", "ERROR Exiting"));
        assert!(t("ERROR -Exiting", "ERROR going on"));
        assert!(t("\"Failed to process\"", "x Failed to process y"));
        assert!(t("%AUTHORIZED%", "UNAUTHORIZED REQUEST"));
        assert!(t("ERROR ?A ?B", "ERROR B"));
        assert!(!t("ERROR ?A ?B", "ERROR C"));
        assert!(t("", "anything"));
    }

    #[test]
    fn term_pattern_on_json_event_reads_compact_text() {
        assert!(m(
            "\"\\\"eventName\\\":\\\"CreateVpc\\\"\"",
            json!({"eventName": "CreateVpc"})
        ));
        assert!(m("CreateVpc", json!({"eventName": "CreateVpc"})));
    }

    #[test]
    fn space_delimited() {
        let line = r#"127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 404 1534"#;
        let p = "[ip, user, username, timestamp, request, status_code = 4*, bytes > 1000]";
        assert!(t(p, line));
        assert!(!t(
            "[ip, user, username, timestamp, request, status_code = 4*, bytes > 2000]",
            line
        ));
        assert!(t(
            "[ip, ..., status_code = 404 || status_code = 410, bytes]",
            line
        ));
        assert!(t("[..., bytes > 1000]", line));
        assert!(!t("[ip, user]", line));
        assert!(t("[ip, user, ...]", line));
        assert!(t("[..., request = *gif*, ...]", line));
        assert!(t("[w1 != ERROR && w1 != WARN, ...]", line));
        assert!(!t("[w1 = ERROR, ...]", line));
        assert_eq!(split_fields(line)[3], "10/Oct/2000:13:25:15 -0700");
    }
}
