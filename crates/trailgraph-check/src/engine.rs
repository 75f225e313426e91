//! Running query text over an inventory through `trailgraph-query`, with strict mode and a cache
//! of filter-pattern comparisons for explanations.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use serde_json::Value as Json;
use trailgraph_model::{Inventory, NodeId};
use trailgraph_pattern::{Comparison, Event};
use trailgraph_query::ast::{CmpOp, Literal, Query, Term, WithClause};
use trailgraph_query::{Context, EvalOptions};

/// Runs queries for one report: lowering context (the collection time, so that reports are
/// reproducible), strict mode and caches.
pub(crate) struct Engine<'a> {
    pub inventory: &'a Inventory,
    pub context: Context,
    pub strict: bool,
    comparisons: RefCell<HashMap<(String, String), Comparison>>,
    samples: RefCell<HashMap<String, Vec<Json>>>,
    candidates: RefCell<HashMap<(NodeId, String), Vec<NodeId>>>,
}

impl<'a> Engine<'a> {
    pub(crate) fn new(inventory: &'a Inventory, strict: bool) -> Self {
        Engine {
            inventory,
            context: Context {
                now: inventory.meta.collected_at,
            },
            strict,
            comparisons: RefCell::default(),
            samples: RefCell::default(),
            candidates: RefCell::default(),
        }
    }

    /// Evaluates filled query text (strict mode applied) and returns the matching nodes.
    pub(crate) fn select(&self, text: &str) -> Result<HashSet<NodeId>, String> {
        let mut query = trailgraph_query::parse(text).map_err(|e| e.message())?;
        if self.strict {
            make_strict(&mut query);
        }
        let plan = trailgraph_query::lower(&query, &self.context).map_err(|e| e.to_string())?;
        let evaluation =
            trailgraph_query::evaluate(&plan, self.inventory, EvalOptions { ordered: false });
        Ok(evaluation.nodes.into_iter().collect())
    }

    /// The candidates of a walk step from `start`, computed once per (start, step).
    pub(crate) fn cached_candidates(
        &self,
        start: NodeId,
        key: String,
        compute: impl FnOnce() -> Vec<NodeId>,
    ) -> Vec<NodeId> {
        let key = (start, key);
        if let Some(hit) = self.candidates.borrow().get(&key) {
            return hit.clone();
        }
        let value = compute();
        self.candidates.borrow_mut().insert(key, value.clone());
        value
    }

    /// Compares an actual filter pattern with a required one (cached by both texts).
    pub(crate) fn compare(&self, required: &str, actual: &str) -> Option<Comparison> {
        let key = (required.to_owned(), actual.to_owned());
        if let Some(hit) = self.comparisons.borrow().get(&key) {
            return Some(hit.clone());
        }
        let c = trailgraph_pattern::compare_text(required, actual).ok()?;
        self.comparisons.borrow_mut().insert(key, c.clone());
        Some(c)
    }

    /// Whether `actual` matches at least one example event of `required`: a filter meant for
    /// this control (worth showing when it falls short) rather than one for another control.
    pub(crate) fn related(&self, required: &str, actual: &str) -> bool {
        let samples = {
            let mut cache = self.samples.borrow_mut();
            cache
                .entry(required.to_owned())
                .or_insert_with(|| {
                    trailgraph_pattern::compare_text(
                        required,
                        "{ $.trailgraph_matches_nothing = \"-\" }",
                    )
                    .map(|c| c.missed_events().to_vec())
                    .unwrap_or_default()
                })
                .clone()
        };
        let Ok(actual) = trailgraph_pattern::parse(actual) else {
            return false;
        };
        samples
            .into_iter()
            .any(|e| actual.matches(&Event::from_json(e)))
    }
}

/// Strict mode: every `p covers "X"` becomes `p =~ "<anchored regex of X>"`, which holds when
/// the property equals X after removing whitespace outside double-quoted strings, compared
/// case-sensitively.
pub(crate) fn make_strict(query: &mut Query) {
    fn term(t: &mut Term) {
        match t {
            Term::Predicate(p) => {
                if p.op.node == CmpOp::Covers
                    && let Literal::String(pattern) = &p.value.node
                {
                    let re = strict_regex(pattern);
                    p.op.node = CmpOp::Match;
                    p.value.node = Literal::String(re);
                }
            }
            Term::Not(inner) => term(&mut inner.node),
            Term::Combined { left, right, .. } => {
                term(&mut left.node);
                term(&mut right.node);
            }
            Term::Context { term: inner, .. } => term(&mut inner.node),
            _ => {}
        }
    }
    fn with(w: &mut WithClause) {
        if let Some(t) = &mut w.term {
            term(&mut t.node);
        }
        if let Some(n) = &mut w.nested {
            with(&mut n.node);
        }
    }
    for part in &mut query.parts {
        if let Some(t) = &mut part.term {
            term(&mut t.node);
        }
        if let Some(w) = &mut part.with {
            with(&mut w.node);
        }
    }
}

/// The anchored, case-sensitive regex that strict mode uses for a required pattern: whitespace
/// outside double-quoted strings may appear anywhere (or not at all); everything else must be
/// exactly as written.
pub fn strict_regex(pattern: &str) -> String {
    let mut re = String::from(r"(?-i)^\s*");
    let mut in_quotes = false;
    let mut escaped = false;
    for c in pattern.chars() {
        if in_quotes {
            re.push_str(&regex::escape(&c.to_string()));
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quotes = false;
                re.push_str(r"\s*");
            }
            continue;
        }
        if c.is_whitespace() {
            continue;
        }
        re.push_str(&regex::escape(&c.to_string()));
        if c == '"' {
            in_quotes = true;
        } else {
            re.push_str(r"\s*");
        }
    }
    re.push('$');
    re
}

/// Normalises a pattern the way strict mode compares: whitespace outside double-quoted strings
/// removed.
pub fn strict_normalise(pattern: &str) -> String {
    let mut out = String::new();
    let mut in_quotes = false;
    let mut escaped = false;
    for c in pattern.chars() {
        if in_quotes {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quotes = false;
            }
        } else if !c.is_whitespace() {
            out.push(c);
            in_quotes = c == '"';
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_regex_ignores_whitespace_outside_quotes_only() {
        let required = r#"{ ($.errorMessage = "Failed authentication") }"#;
        let re = regex::Regex::new(&strict_regex(required)).unwrap();
        assert!(re.is_match(r#"{($.errorMessage="Failed authentication")}"#));
        assert!(re.is_match("{ ($.errorMessage = \"Failed authentication\")\n}"));
        assert!(!re.is_match(r#"{ ($.errorMessage = "Failed  authentication") }"#));
        assert!(!re.is_match(r#"{ ($.errormessage = "Failed authentication") }"#));
        assert!(!re.is_match(r#"{ (($.errorMessage = "Failed authentication")) }"#));
        assert_eq!(
            strict_normalise(required),
            r#"{($.errorMessage="Failed authentication")}"#
        );
    }
}
