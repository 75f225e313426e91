//! The `covers` operator: `filter_pattern covers "<CloudWatch Logs pattern>"` holds when the
//! property's filter pattern *counts* for the given pattern ([`trailgraph_pattern::Assessment::counts`]):
//! it matches every event the given pattern matches (verdict `equivalent` or `covers`), judged
//! over the events CloudTrail writes unless the searcher judges by the pattern language alone,
//! and it is not a catch-all filter unless the given pattern is catch-all too.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use std::hash::BuildHasher;

use trailgraph_model::NodeId;
use trailgraph_pattern::{Assessment, Judgement, Pattern, assess_actual_text, parse};

use crate::eval::FastHash;

/// A required pattern's key for the per-node cache: its hash and length (computed once, at
/// lowering).
pub(crate) type RequiredKey = (u64, usize);

/// The key of a required pattern text.
pub(crate) fn required_key(text: &str) -> RequiredKey {
    (FastHash::default().hash_one(text), text.len())
}

/// Judgements by (required pattern, node): a node's pattern never changes during a search, so
/// a repeat costs no hashing of pattern texts.
type ByNode = HashMap<(u64, usize, NodeId), (bool, Option<Arc<Assessment>>), FastHash>;

/// Checks that a required pattern parses; the message says why it does not.
pub(crate) fn check_required(text: &str) -> Result<(), String> {
    parse(text).map(|_| ()).map_err(|e| e.to_string())
}

/// Comparisons by (required, actual) text, shared by every evaluation (and thread) of a
/// [`crate::Searcher`]: many metric filters share a pattern, many checks share filters, and a
/// comparison is far dearer than a lookup. A hit allocates nothing.
pub(crate) struct CoversCache {
    judgement: Judgement<'static>,
    /// Judge by text (see [`crate::Searcher::comparing_text`]).
    pub(crate) strict: bool,
    required: Mutex<HashMap<String, Option<Pattern>>>,
    results: RwLock<Assessments>,
    by_node: RwLock<ByNode>,
}

/// Assessments by required pattern text, then actual pattern text.
type Assessments = HashMap<String, HashMap<String, Arc<Assessment>, FastHash>, FastHash>;

impl Default for CoversCache {
    fn default() -> Self {
        CoversCache::new(Judgement::cloudtrail())
    }
}

impl CoversCache {
    /// An empty cache whose comparisons use `judgement`.
    pub(crate) fn new(judgement: Judgement<'static>) -> Self {
        CoversCache {
            judgement,
            strict: false,
            required: Mutex::default(),
            results: RwLock::default(),
            by_node: RwLock::default(),
        }
    }

    /// Whether `actual` covers `required`. An actual pattern that does not parse covers nothing.
    pub(crate) fn covers(&self, required: &str, actual: &str) -> bool {
        if self.strict {
            return parse(actual).is_ok() && strict_normalise(actual) == strict_normalise(required);
        }
        self.assessment(required, actual)
            .is_some_and(|a| a.counts())
    }

    /// [`Self::judge`] for the pattern of `node` (`actual`), remembered per node.
    pub(crate) fn judge_node(
        &self,
        required: &str,
        key: RequiredKey,
        node: NodeId,
        actual: &str,
    ) -> (bool, Option<Arc<Assessment>>) {
        let slot = (key.0, key.1, node);
        if let Some(hit) = self
            .by_node
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&slot)
        {
            return hit.clone();
        }
        let found = self.judge(required, actual);
        self.by_node
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(slot, found.clone());
        found
    }

    /// Whether `actual` covers `required`, and the assessment (one lookup for both).
    pub(crate) fn judge(&self, required: &str, actual: &str) -> (bool, Option<Arc<Assessment>>) {
        let assessment = self.assessment(required, actual);
        let holds = if self.strict {
            parse(actual).is_ok() && strict_normalise(actual) == strict_normalise(required)
        } else {
            assessment.as_ref().is_some_and(|a| a.counts())
        };
        (holds, assessment)
    }

    /// The assessment of `actual` against `required` under this cache's judgement (computed
    /// once per pair); `None` when `required` does not parse.
    pub(crate) fn assessment(&self, required: &str, actual: &str) -> Option<Arc<Assessment>> {
        // A poisoned lock only means another thread panicked while inserting; the maps are
        // valid.
        let hit = self
            .results
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(required)
            .and_then(|by_actual| by_actual.get(actual).cloned());
        if hit.is_some() {
            return hit;
        }
        let required_pattern = {
            let mut patterns = self.required.lock().unwrap_or_else(|p| p.into_inner());
            patterns
                .entry(required.to_owned())
                .or_insert_with(|| parse(required).ok())
                .clone()
        }?;
        let assessment = Arc::new(assess_actual_text(
            &required_pattern,
            actual,
            self.judgement,
        ));
        self.results
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .entry(required.to_owned())
            .or_default()
            .insert(actual.to_owned(), Arc::clone(&assessment));
        Some(assessment)
    }
}

/// A filter pattern as textual comparison sees it: whitespace outside double-quoted strings
/// removed, everything else kept as written (case included).
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
    fn textual_comparison_ignores_whitespace_outside_quotes_only() {
        let required = r#"{ ($.errorMessage = "Failed authentication") }"#;
        let cache = CoversCache {
            strict: true,
            ..CoversCache::default()
        };
        assert!(cache.covers(required, r#"{($.errorMessage="Failed authentication")}"#));
        assert!(cache.covers(
            required,
            "{ ($.errorMessage = \"Failed authentication\")\n}"
        ));
        assert!(!cache.covers(
            required,
            r#"{ ($.errorMessage = "Failed  authentication") }"#
        ));
        assert!(!cache.covers(
            required,
            r#"{ ($.errormessage = "Failed authentication") }"#
        ));
        assert!(!cache.covers(
            required,
            r#"{ (($.errorMessage = "Failed authentication")) }"#
        ));
        assert_eq!(
            strict_normalise(required),
            r#"{($.errorMessage="Failed authentication")}"#
        );
    }
}
