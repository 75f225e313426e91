//! Running bound check queries over an inventory through `trailgraph-query`: one searcher per
//! report (its caches of walks and filter assessments shared by every check and thread), each
//! query lowered once per report, verdict sets cached by query, and traces from the same
//! evaluator.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use serde_json::Value as Json;
use trailgraph_model::{Inventory, NodeId};

use crate::chain::NodeRef;
use crate::run::Resource;
use crate::vocabulary::{Vocabulary, field};
use trailgraph_pattern::{Event, Judgement};
use trailgraph_query::ast::Query;
use trailgraph_query::{
    Context, EvalOptions, FastHash, NodeTrace, Searcher, TraceOptions, TracePlan, lower_traced,
};

/// Locks a cache; a poisoned lock only means another thread panicked while inserting, and the
/// map is still valid.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// A bound query, lowered once per report.
pub(crate) struct Prepared {
    /// The bound query as text (the cache key, and what errors show).
    pub key: String,
    /// The plan verdicts and traces use.
    pub traced: TracePlan,
}

/// Runs queries for one report: the lowering context (the collection time, so that reports
/// are reproducible), how filters are judged, and caches. Shared by the threads of a run.
pub(crate) struct Engine<'a> {
    pub inventory: &'a Inventory,
    pub strict: bool,
    /// How `covers` judges filters (CloudTrail-aware unless the run asks for the language).
    pub judgement: Judgement<'static>,
    searcher: Searcher<'a>,
    /// What does not depend on the nodes, kept from one part of an estate to the next.
    lasting: Arc<Lasting>,
    selections: Mutex<HashMap<String, Arc<HashSet<NodeId>>>>,
    /// Reuse query answers by reuse, anchor and values.
    reused: Mutex<HashMap<String, Option<NodeId>>>,
    /// How each node reads in chains, built once per report and shared by every chain.
    views: RwLock<HashMap<NodeId, Arc<NodeView>, FastHash>>,
    /// The fix values each node fills (see [`Vocabulary::values_of`]).
    values: RwLock<HashMap<NodeId, FixValues, FastHash>>,
}

/// The caches of an [`Engine`] that do not depend on the inventory: an estate checked part by
/// part lowers each query and compares each pair of patterns once, not once per part.
pub(crate) struct Lasting {
    /// How filter patterns were judged (the searcher's `covers` cache).
    judgements: trailgraph_query::FilterJudgements,
    /// The lowering context (the collection time, so that reports are reproducible) the
    /// prepared queries were lowered in.
    context: Context,
    prepared: Mutex<HashMap<String, Arc<Prepared>>>,
    samples: Mutex<HashMap<String, Arc<Vec<Json>>>>,
    /// `related` answers by required, then actual pattern.
    related: Mutex<HashMap<String, HashMap<String, bool>>>,
    /// `narrower` answers by assessment (its address: the judgements keep every assessment
    /// alive as long as they are kept).
    narrower: Mutex<HashMap<usize, bool>>,
}

/// The fix values a node fills: (name, value) pairs.
pub(crate) type FixValues = Arc<[(String, String)]>;

/// How a node reads in a report: built once per node and shared by the chains through it.
#[derive(Debug)]
pub(crate) struct NodeView {
    pub node_ref: Arc<NodeRef>,
    pub kind: Arc<str>,
    /// The vocabulary's description (`trail org-trail (us-east-1, 111111111111)`).
    pub text: Arc<str>,
    pub resource: Arc<Resource>,
}

impl<'a> Engine<'a> {
    /// How metric filters are judged with these options.
    pub(crate) fn judgement_for(strict: bool, language_only: bool) -> Judgement<'static> {
        if strict || language_only {
            Judgement::Language
        } else {
            Judgement::cloudtrail()
        }
    }

    /// An engine over `inventory` that keeps its lasting caches in `lasting` (those of an
    /// earlier engine set up the same way, when given: an estate checked part by part lowers
    /// each query and judges each distinct pattern once).
    pub(crate) fn new(
        inventory: &'a Inventory,
        strict: bool,
        language_only: bool,
        lasting: Option<&Arc<Lasting>>,
    ) -> Self {
        let judgement = Self::judgement_for(strict, language_only);
        let mut searcher = Searcher::new(inventory)
            .remembering_walks()
            .judging_filters(judgement);
        if strict {
            searcher = searcher.comparing_text();
        }
        let context = Context {
            now: inventory.meta.collected_at,
        };
        if let Some(lasting) = lasting {
            searcher = searcher.sharing_judgements(&lasting.judgements);
        }
        let lasting = match lasting {
            Some(lasting) if lasting.context == context => Arc::clone(lasting),
            // Queries lowered at another time (an inventory collected at another moment) are
            // lowered again; judgements do not depend on it.
            _ => Arc::new(Lasting {
                judgements: searcher.judgements(),
                context,
                prepared: Mutex::default(),
                samples: Mutex::default(),
                related: Mutex::default(),
                narrower: Mutex::default(),
            }),
        };
        Engine {
            inventory,
            strict,
            judgement,
            searcher,
            lasting,
            selections: Mutex::default(),
            reused: Mutex::default(),
            views: RwLock::default(),
            values: RwLock::default(),
        }
    }

    /// The caches that do not depend on the inventory, for the next engine.
    pub(crate) fn lasting(&self) -> Arc<Lasting> {
        Arc::clone(&self.lasting)
    }

    /// The fix values `node` fills, computed once per report.
    pub(crate) fn values_of(
        &self,
        node: NodeId,
        vocabulary: &Vocabulary,
    ) -> Arc<[(String, String)]> {
        if let Some(hit) = self
            .values
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&node)
        {
            return Arc::clone(hit);
        }
        let values: FixValues = vocabulary.values_of(self.inventory, node).into();
        self.values
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(node, Arc::clone(&values));
        values
    }

    /// How `node` reads in chains (the vocabulary is the same for the whole report).
    pub(crate) fn view(&self, node: NodeId, vocabulary: &Vocabulary) -> Option<Arc<NodeView>> {
        if let Some(hit) = self
            .views
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&node)
        {
            return Some(Arc::clone(hit));
        }
        let inventory = self.inventory;
        let n = inventory.node(node)?;
        let region = field(inventory, node, "region");
        let kind: Arc<str> = Arc::from(n.kind.as_str());
        let view = Arc::new(NodeView {
            node_ref: Arc::new(NodeRef {
                id: n.id.to_string(),
                kind: kind.to_string(),
                name: n.name().to_owned(),
                account: field(inventory, node, "account"),
                region: region.clone(),
            }),
            text: Arc::from(vocabulary.describe(inventory, node)),
            resource: Arc::new(Resource {
                id: n.id.to_string(),
                kind: kind.to_string(),
                name: n.name().to_owned(),
                region,
            }),
            kind,
        });
        self.views
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(node, Arc::clone(&view));
        Some(view)
    }

    /// Lowers a bound query (once per report for the same query).
    pub(crate) fn prepare(&self, query: &Query) -> Result<Arc<Prepared>, String> {
        let key = query.to_string();
        if let Some(hit) = lock(&self.lasting.prepared).get(&key) {
            return Ok(Arc::clone(hit));
        }
        let prepared = Arc::new(Prepared {
            key: key.clone(),
            ..self.prepare_once(query)?
        });
        lock(&self.lasting.prepared).insert(key, Arc::clone(&prepared));
        Ok(prepared)
    }

    /// Lowers a bound query that is used once (a reuse query filled with one chain's values):
    /// not cached.
    pub(crate) fn prepare_once(&self, query: &Query) -> Result<Prepared, String> {
        let traced = lower_traced(query, &self.lasting.context).map_err(|e| e.to_string())?;
        Ok(Prepared {
            key: String::new(),
            traced,
        })
    }

    /// The node a reuse query found under `key` (computed once per report).
    pub(crate) fn remembered_reuse(
        &self,
        key: &str,
        find: impl FnOnce() -> Option<NodeId>,
    ) -> Option<NodeId> {
        if let Some(hit) = lock(&self.reused).get(key) {
            return *hit;
        }
        let found = find();
        lock(&self.reused).insert(key.to_owned(), found);
        found
    }

    /// The nodes the query returns (evaluated once per report for the same query).
    pub(crate) fn select(&self, query: &Prepared) -> Arc<HashSet<NodeId>> {
        if let Some(hit) = lock(&self.selections).get(&query.key) {
            return Arc::clone(hit);
        }
        let evaluation = self
            .searcher
            .evaluate(&query.traced.plan, EvalOptions { ordered: false });
        let nodes: Arc<HashSet<NodeId>> = Arc::new(evaluation.nodes.into_iter().collect());
        lock(&self.selections).insert(query.key.clone(), Arc::clone(&nodes));
        nodes
    }

    /// The nodes the query returns when evaluated from `start` (see
    /// [`Searcher::evaluate_from`]).
    pub(crate) fn select_from(&self, query: &Prepared, start: &[NodeId]) -> Vec<NodeId> {
        if start.is_empty() {
            return Vec::new();
        }
        self.searcher
            .evaluate_from(&query.traced.plan, start, EvalOptions { ordered: true })
            .nodes
    }

    /// Whether `node` matches the query's first part (its term and `with` clauses).
    pub(crate) fn matches(&self, query: &Prepared, node: NodeId) -> bool {
        self.searcher.matches(&query.traced.plan, node)
    }

    /// The trace of `node` through the query; below an unmet node only where `descend` says.
    pub(crate) fn trace(
        &self,
        query: &Prepared,
        node: NodeId,
        options: &TraceOptions,
        descend: Option<&dyn Fn(&NodeTrace) -> bool>,
    ) -> NodeTrace {
        self.searcher
            .trace_where(&query.traced, node, options, descend)
    }

    /// Whether a filter pattern is a narrower form of a required one: [`Self::related`] and
    /// [`Self::replaceable`]. Cached by the assessment of the pair (the searcher keeps one per
    /// pair), so a repeat costs no hashing of pattern texts.
    pub(crate) fn narrower(
        &self,
        assessment: &Arc<trailgraph_pattern::Assessment>,
        required: &str,
        actual: &str,
    ) -> bool {
        let key = Arc::as_ptr(assessment) as usize;
        if let Some(hit) = lock(&self.lasting.narrower).get(&key) {
            return *hit;
        }
        let answer = self.related(required, actual) && self.replaceable(required, actual);
        lock(&self.lasting.narrower).insert(key, answer);
        answer
    }

    /// Whether replacing the filter pattern `actual` by `required` loses none of the events
    /// `actual` matches (judged as `covers` judges), so the filter may be repaired in place.
    pub(crate) fn replaceable(&self, required: &str, actual: &str) -> bool {
        self.searcher
            .assessment(actual, required)
            .is_some_and(|a| a.counts())
    }

    /// Whether `actual` matches at least one example event of `required`: a filter meant for
    /// this control (worth repairing when it falls short) rather than one for another control.
    pub(crate) fn related(&self, required: &str, actual: &str) -> bool {
        if let Some(hit) = lock(&self.lasting.related)
            .get(required)
            .and_then(|by_actual| by_actual.get(actual))
        {
            return *hit;
        }
        let answer = self.matches_an_example(required, actual);
        lock(&self.lasting.related)
            .entry(required.to_owned())
            .or_default()
            .insert(actual.to_owned(), answer);
        answer
    }

    fn matches_an_example(&self, required: &str, actual: &str) -> bool {
        let known = lock(&self.lasting.samples).get(required).cloned();
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
                lock(&self.lasting.samples).insert(required.to_owned(), Arc::clone(&samples));
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

#[cfg(test)]
mod tests {
    use super::*;
    use trailgraph_model::SnapshotMeta;

    fn inventory_at(second: i64) -> Inventory {
        let mut meta = SnapshotMeta::now("fixture");
        meta.collected_at = jiff::Timestamp::from_second(second).unwrap_or_default();
        Inventory::new(meta)
    }

    #[test]
    fn lasting_caches_are_kept_only_for_the_same_collection_time() {
        let first = inventory_at(1_700_000_000);
        let same = inventory_at(1_700_000_000);
        let later = inventory_at(1_700_086_400);
        let engine = Engine::new(&first, false, false, None);
        let query = trailgraph_query::parse("is(aws_cloud_trail) and age > 1d")
            .unwrap_or_else(|e| panic!("{e}"));
        let prepared = engine.prepare(&query).unwrap_or_else(|e| panic!("{e}"));
        let lasting = engine.lasting();

        // A part of the same snapshot reuses the lowered query.
        let next = Engine::new(&same, false, false, Some(&lasting));
        assert!(Arc::ptr_eq(&next.lasting(), &lasting));
        let again = next.prepare(&query).unwrap_or_else(|e| panic!("{e}"));
        assert!(Arc::ptr_eq(&again, &prepared));

        // An inventory collected at another time lowers `age` against its own time, but keeps
        // the filter judgements.
        let other = Engine::new(&later, false, false, Some(&lasting));
        assert!(!Arc::ptr_eq(&other.lasting(), &lasting));
        let lowered = other.prepare(&query).unwrap_or_else(|e| panic!("{e}"));
        assert!(!Arc::ptr_eq(&lowered, &prepared));
        assert!(other.lasting.judgements.same_as(&lasting.judgements));
    }
}
