//! The `covers` operator: `filter_pattern covers "<CloudWatch Logs pattern>"` holds when the
//! property's filter pattern matches every event the given pattern matches (verdict
//! `equivalent` or `covers` from [`trailgraph_pattern::compare`]).

use std::cell::RefCell;
use std::collections::HashMap;

use trailgraph_pattern::{Pattern, Verdict, compare, parse};

/// Checks that a required pattern parses; the message says why it does not.
pub(crate) fn check_required(text: &str) -> Result<(), String> {
    parse(text).map(|_| ()).map_err(|e| e.to_string())
}

/// Comparisons made during one evaluation, by (required, actual) text: many metric filters
/// share a pattern, and a comparison is far dearer than a lookup.
#[derive(Default)]
pub(crate) struct CoversCache {
    required: RefCell<HashMap<String, Option<Pattern>>>,
    results: RefCell<HashMap<(String, String), bool>>,
}

impl CoversCache {
    /// Whether `actual` covers `required`. An actual pattern that does not parse covers nothing.
    pub(crate) fn covers(&self, required: &str, actual: &str) -> bool {
        let key = (required.to_owned(), actual.to_owned());
        if let Some(hit) = self.results.borrow().get(&key) {
            return *hit;
        }
        let mut patterns = self.required.borrow_mut();
        let required_pattern = patterns
            .entry(required.to_owned())
            .or_insert_with(|| parse(required).ok());
        let verdict = match (required_pattern.as_ref(), parse(actual)) {
            (Some(r), Ok(a)) => matches!(
                compare(r, &a).verdict(),
                Verdict::Equivalent | Verdict::Covers
            ),
            _ => false,
        };
        self.results.borrow_mut().insert(key, verdict);
        verdict
    }
}
