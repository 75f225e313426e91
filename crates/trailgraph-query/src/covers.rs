//! The `covers` operator: `filter_pattern covers "<CloudWatch Logs pattern>"` holds when the
//! property's filter pattern *counts* for the given pattern ([`trailgraph_pattern::Assessment::counts`]):
//! it matches every event the given pattern matches (verdict `equivalent` or `covers`), judged
//! over the events CloudTrail writes unless the searcher judges by the pattern language alone,
//! and it is not a catch-all filter unless the given pattern is catch-all too.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use std::hash::BuildHasher;

use trailgraph_pattern::{Assessment, Judgement, Pattern, assess_actual_text, parse};

use crate::eval::FastHash;

/// A required pattern's key in the cache: its hash and length (computed once, at lowering).
pub(crate) type RequiredKey = (u64, usize);

/// The key of a required pattern text.
pub(crate) fn required_key(text: &str) -> RequiredKey {
    (FastHash::default().hash_one(text), text.len())
}

/// Checks that a required pattern parses; the message says why it does not.
pub(crate) fn check_required(text: &str) -> Result<(), String> {
    parse(text).map(|_| ()).map_err(|e| e.to_string())
}

/// Whether an actual pattern covers a required one, and the assessment that rests on.
pub(crate) type Judged = (bool, Option<Arc<Assessment>>);

/// The judgements against one required pattern, by actual pattern text.
struct ByRequired {
    required: Box<str>,
    /// `None` when the required pattern does not parse.
    pattern: Option<Pattern>,
    by_actual: HashMap<Box<str>, Judged, FastHash>,
}

/// Comparisons by (required, actual) text, shared by every evaluation (and thread) of a
/// [`crate::Searcher`]: many metric filters share a pattern, many checks share filters, and a
/// comparison is far dearer than a lookup. The map is found by the required pattern's key
/// (hashed once, at lowering) and confirmed by its text, so a lookup hashes only the actual
/// text and a hit allocates nothing; its size is the number of distinct pattern pairs, not of
/// filters.
pub(crate) struct CoversCache {
    judgement: Judgement<'static>,
    /// Judge by text (see [`crate::Searcher::comparing_text`]).
    pub(crate) strict: bool,
    results: RwLock<HashMap<RequiredKey, Vec<ByRequired>, FastHash>>,
}

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
            results: RwLock::default(),
        }
    }

    /// The judgement the cache compares with.
    pub(crate) fn judgement(&self) -> Judgement<'static> {
        self.judgement
    }

    /// Whether `actual` covers `required`. An actual pattern that does not parse covers nothing.
    pub(crate) fn covers(&self, required: &str, actual: &str) -> bool {
        self.holds(required, required_key(required), actual)
    }

    /// The assessment of `actual` against `required` under this cache's judgement (computed
    /// once per pair); `None` when `required` does not parse.
    pub(crate) fn assessment(&self, required: &str, actual: &str) -> Option<Arc<Assessment>> {
        self.judge(required, required_key(required), actual).1
    }

    /// Reads the judgement of a pair already made, through `read` (under the read lock).
    fn known<T>(
        &self,
        required: &str,
        key: RequiredKey,
        actual: &str,
        read: impl FnOnce(&Judged) -> T,
    ) -> Option<T> {
        // A poisoned lock only means another thread panicked while inserting; the map is
        // valid.
        self.results
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .and_then(|list| list.iter().find(|r| &*r.required == required))
            .and_then(|r| r.by_actual.get(actual))
            .map(read)
    }

    /// Whether `actual` covers `required` (`key` is [`required_key`] of it), without the
    /// assessment (a hit touches no reference count shared with other threads).
    pub(crate) fn holds(&self, required: &str, key: RequiredKey, actual: &str) -> bool {
        self.known(required, key, actual, |j| j.0)
            .unwrap_or_else(|| self.judge(required, key, actual).0)
    }

    /// Whether `actual` covers `required` (`key` is [`required_key`] of it), and the
    /// assessment: computed once per pair of texts.
    pub(crate) fn judge(&self, required: &str, key: RequiredKey, actual: &str) -> Judged {
        if let Some(hit) = self.known(required, key, actual, Judged::clone) {
            return hit;
        }
        let pattern = {
            let results = self.results.read().unwrap_or_else(|p| p.into_inner());
            match results
                .get(&key)
                .and_then(|list| list.iter().find(|r| &*r.required == required))
            {
                Some(r) => r.pattern.clone(),
                None => {
                    drop(results);
                    parse(required).ok()
                }
            }
        };
        let judged = self.compute(required, pattern.as_ref(), actual);
        let mut results = self.results.write().unwrap_or_else(|p| p.into_inner());
        let list = results.entry(key).or_default();
        let position = match list.iter().position(|r| &*r.required == required) {
            Some(i) => i,
            None => {
                list.push(ByRequired {
                    required: required.into(),
                    pattern,
                    by_actual: HashMap::default(),
                });
                list.len() - 1
            }
        };
        if let Some(r) = list.get_mut(position) {
            r.by_actual.insert(actual.into(), judged.clone());
        }
        judged
    }

    fn compute(&self, required: &str, pattern: Option<&Pattern>, actual: &str) -> Judged {
        let Some(pattern) = pattern else {
            // A required pattern that does not parse is refused when a query is lowered; here
            // it covers nothing.
            return (false, None);
        };
        let assessment = Arc::new(assess_actual_text(pattern, actual, self.judgement));
        let holds = if self.strict {
            parse(actual).is_ok() && strict_normalise(actual) == strict_normalise(required)
        } else {
            assessment.counts()
        };
        (holds, Some(assessment))
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
