//! Running query text over an inventory through `trailgraph-query`, with strict mode and the
//! caches one report shares between its checks (and threads): verdict query results by query
//! text, walks from each account, `covers` comparisons, walk candidates.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value as Json;
use trailgraph_model::{Inventory, Kind, NodeId};
use trailgraph_pattern::{Assessment, Event, Judgement};
use trailgraph_query::ast::{CmpOp, Literal, Query, Term, WithClause};
use trailgraph_query::{Context, EvalOptions, Plan, Searcher};

/// Locks a cache; a poisoned lock only means another thread panicked while inserting, and the
/// map is still valid.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs queries for one report: lowering context (the collection time, so that reports are
/// reproducible), strict mode and caches. Shared by the threads of a run.
pub(crate) struct Engine<'a> {
    pub inventory: &'a Inventory,
    pub context: Context,
    pub strict: bool,
    /// How `covers` judges filters (CloudTrail-aware unless the run asks for the language).
    pub judgement: Judgement<'static>,
    searcher: Searcher<'a>,
    selections: Mutex<HashMap<String, Arc<HashSet<NodeId>>>>,
    samples: Mutex<HashMap<String, Arc<Vec<Json>>>>,
    candidates: Mutex<Candidates>,
    steps: Mutex<HashMap<String, usize>>,
    plans: Mutex<HashMap<String, Arc<Plan>>>,
    by_region: Mutex<HashMap<Kind, Arc<ByRegion>>>,
}

/// Nodes of one kind by region node, each list in the kind index's order.
type ByRegion = HashMap<Option<NodeId>, Vec<NodeId>>;

/// Walk candidates by (start node, step number).
type Candidates = HashMap<(NodeId, usize), Arc<[NodeId]>, BuildHasherDefault<FastHasher>>;

/// A multiply-rotate hasher for small integer keys (node indexes, step numbers), where SipHash
/// costs more than the lookup it serves.
#[derive(Default)]
struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        let h = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }
}

impl<'a> Engine<'a> {
    pub(crate) fn new(inventory: &'a Inventory, strict: bool, language_only: bool) -> Self {
        let judgement = if strict || language_only {
            Judgement::Language
        } else {
            Judgement::cloudtrail()
        };
        Engine {
            inventory,
            context: Context {
                now: inventory.meta.collected_at,
            },
            strict,
            judgement,
            searcher: Searcher::new(inventory)
                .remembering_walks()
                .judging_filters(judgement),
            selections: Mutex::default(),
            samples: Mutex::default(),
            candidates: Mutex::default(),
            steps: Mutex::default(),
            plans: Mutex::default(),
            by_region: Mutex::default(),
        }
    }

    /// Parses and lowers filled query text (strict mode applied).
    pub(crate) fn plan(&self, text: &str) -> Result<Plan, String> {
        let mut query = trailgraph_query::parse(text).map_err(|e| e.message())?;
        if self.strict {
            make_strict(&mut query);
        }
        trailgraph_query::lower(&query, &self.context).map_err(|e| e.to_string())
    }

    /// Evaluates filled query text (strict mode applied) and returns the matching nodes; the
    /// same text is evaluated once per report.
    pub(crate) fn select(&self, text: &str) -> Result<Arc<HashSet<NodeId>>, String> {
        if let Some(hit) = lock(&self.selections).get(text) {
            return Ok(Arc::clone(hit));
        }
        let plan = self.plan(text)?;
        let evaluation = self
            .searcher
            .evaluate(&plan, EvalOptions { ordered: false });
        let nodes: Arc<HashSet<NodeId>> = Arc::new(evaluation.nodes.into_iter().collect());
        lock(&self.selections).insert(text.to_owned(), Arc::clone(&nodes));
        Ok(nodes)
    }

    /// The nodes among `start` that filled query text (strict mode applied) returns when
    /// evaluated from them (see [`Searcher::evaluate_from`]); the text is lowered once per
    /// report.
    pub(crate) fn select_among(
        &self,
        text: &str,
        start: &[NodeId],
    ) -> Result<HashSet<NodeId>, String> {
        let known = lock(&self.plans).get(text).cloned();
        let plan = match known {
            Some(plan) => plan,
            None => {
                let plan = Arc::new(self.plan(text)?);
                lock(&self.plans).insert(text.to_owned(), Arc::clone(&plan));
                plan
            }
        };
        if start.is_empty() {
            return Ok(HashSet::new());
        }
        let evaluation = self
            .searcher
            .evaluate_from(&plan, start, EvalOptions { ordered: false });
        Ok(evaluation.nodes.into_iter().collect())
    }

    /// Whether `node` passes a one-part plan's filter (see [`Searcher::matches`]).
    pub(crate) fn holds(&self, plan: &Plan, node: NodeId) -> bool {
        self.searcher.matches(plan, node)
    }

    /// The nodes of `kind` whose region is `region`, in the order of
    /// [`Inventory::nodes_of_kind`] (the kind is grouped by region once per report).
    pub(crate) fn of_kind_in_region(&self, kind: Kind, region: Option<NodeId>) -> Arc<[NodeId]> {
        let known = lock(&self.by_region).get(&kind).cloned();
        let groups = match known {
            Some(groups) => groups,
            None => {
                let mut groups = ByRegion::new();
                for &n in self.inventory.nodes_of_kind(kind) {
                    if let Some(node) = self.inventory.node(n) {
                        groups.entry(node.ancestors.region).or_default().push(n);
                    }
                }
                let groups = Arc::new(groups);
                lock(&self.by_region).insert(kind, Arc::clone(&groups));
                groups
            }
        };
        groups
            .get(&region)
            .map_or_else(|| Arc::from(Vec::new()), |v| Arc::from(v.as_slice()))
    }

    /// A number for a walk step (its navigation and kinds as text), the same for the same
    /// step in every check.
    pub(crate) fn step_number(&self, step: &str) -> usize {
        let mut steps = lock(&self.steps);
        let next = steps.len();
        *steps.entry(step.to_owned()).or_insert(next)
    }

    /// The candidates of a walk step (see [`Self::step_number`]) from `start`, computed once
    /// per (start, step).
    pub(crate) fn cached_candidates(
        &self,
        start: NodeId,
        step: usize,
        compute: impl FnOnce() -> Vec<NodeId>,
    ) -> Arc<[NodeId]> {
        let key = (start, step);
        if let Some(hit) = lock(&self.candidates).get(&key) {
            return Arc::clone(hit);
        }
        let value: Arc<[NodeId]> = compute().into();
        lock(&self.candidates).insert(key, Arc::clone(&value));
        value
    }

    /// The assessment of an actual filter pattern against a required one that `covers` uses
    /// (the searcher's, so each pair is judged once per report).
    pub(crate) fn compare(&self, required: &str, actual: &str) -> Option<Arc<Assessment>> {
        self.searcher.assessment(required, actual)
    }

    /// Whether `actual` matches at least one example event of `required`: a filter meant for
    /// this control (worth showing when it falls short) rather than one for another control.
    pub(crate) fn related(&self, required: &str, actual: &str) -> bool {
        let known = lock(&self.samples).get(required).cloned();
        let samples = match known {
            Some(samples) => samples,
            None => {
                let samples = Arc::new(
                    trailgraph_pattern::compare_text(
                        required,
                        "{ $.trailgraph_matches_nothing = \"-\" }",
                    )
                    .map(|c| c.missed_events().to_vec())
                    .unwrap_or_default(),
                );
                lock(&self.samples).insert(required.to_owned(), Arc::clone(&samples));
                samples
            }
        };
        let Ok(actual) = trailgraph_pattern::parse(actual) else {
            return false;
        };
        samples
            .iter()
            .any(|e| actual.matches(&Event::from_json(e.clone())))
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
