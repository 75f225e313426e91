//! The entry points: [`Searcher`] (evaluations over one inventory sharing caches),
//! [`evaluate`] and [`evaluate_from`], their options, results and statistics.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use trailgraph_model::{Inventory, NodeId};

use super::evaluator::Evaluator;
use super::{FastHash, Merged, NodeMap};
use crate::covers::CoversCache;
use crate::plan::{Filter, Plan};

/// Options for one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalOptions {
    /// Sort the final result (by the last part's sort, or kind, name, id). Counting does not need
    /// it.
    pub ordered: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions { ordered: true }
    }
}

/// Rows in and out of each step of one part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartStats {
    /// How candidates were found (`kind index: aws_cloud_trail`, `scan`, `navigation`).
    pub source: String,
    /// Candidates read.
    pub candidates: usize,
    /// Nodes passing the filter.
    pub after_filter: usize,
    /// Nodes passing the filter after merging (`{...} post_filter`).
    pub after_merge: Option<usize>,
    /// Nodes passing the with clause.
    pub after_with: Option<usize>,
    /// Nodes after sort/limit/reversed.
    pub after_limit: usize,
    /// Nodes reached by the navigation.
    pub after_navigation: Option<usize>,
    /// Nodes whose with clause walked the graph (each walk stops early once decided).
    pub with_walks: usize,
}

/// Statistics of one evaluation, per part.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// One entry per part.
    pub parts: Vec<PartStats>,
}

/// The result of an evaluation.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Matching nodes, in output order.
    pub nodes: Vec<NodeId>,
    /// Data merged into the result nodes by merge queries.
    pub merged: Merged,
    /// Rows in and out per step.
    pub stats: Stats,
}

/// Evaluates `plan` over `inventory`.
pub fn evaluate(plan: &Plan, inventory: &Inventory, options: EvalOptions) -> Evaluation {
    Searcher::new(inventory).evaluate(plan, options)
}

/// Evaluates `plan` with `start` as the first part's candidates instead of its source (the
/// kind index, the id index or every node): the result is the part of the plain evaluation's
/// result that these nodes lead to.
pub fn evaluate_from(
    plan: &Plan,
    inventory: &Inventory,
    start: &[NodeId],
    options: EvalOptions,
) -> Evaluation {
    Searcher::new(inventory).evaluate_from(plan, start, options)
}

/// Evaluations over one inventory that share caches: `covers` comparisons by (required,
/// actual) text and, when asked for, the nodes each multi-step walk reaches from each start.
/// Use one searcher for many queries over the same inventory (as a check run does); it is
/// `Sync`, so threads may share it.
pub struct Searcher<'a> {
    inventory: &'a Inventory,
    shared: Shared,
}

/// Caches shared by the evaluators (and threads) of one [`Searcher`].
#[derive(Default)]
pub(super) struct Shared {
    pub(super) covers: Arc<CoversCache>,
    /// The candidates of a trace level from a node, of the level's kinds, sorted by name then
    /// id: by (the level's navigation and kinds, node). Shared by the traces of every query.
    pub(super) candidates: RwLock<TraceCandidates>,
    /// Walk results by navigation, kinds kept and start node; `None`: walks are not remembered.
    pub(super) walks: Option<Walks>,
}

/// The filter-pattern judgements of a [`Searcher`], shareable with searchers over other
/// inventories (see [`Searcher::judgements`]).
#[derive(Clone)]
pub struct FilterJudgements(Arc<CoversCache>);

impl FilterJudgements {
    /// Whether both are the same judgements (not merely equal ones).
    pub fn same_as(&self, other: &FilterJudgements) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// Sorted trace candidates by (level key, node).
type TraceCandidates = HashMap<(u64, NodeId), Arc<[NodeId]>, FastHash>;

/// Remembered walks: navigation (its [`walk_key`](crate::plan::NavigationPlan::walk_key)) →
/// the kinds kept (`None`: every kind) → start node → the nodes reached, in walk order.
pub(super) type Walks =
    RwLock<HashMap<String, HashMap<Option<u64>, NodeMap<Arc<[NodeId]>>, FastHash>>>;

impl<'a> Searcher<'a> {
    /// A searcher over `inventory` with empty caches.
    pub fn new(inventory: &'a Inventory) -> Self {
        Searcher {
            inventory,
            shared: Shared::default(),
        }
    }

    /// Also remembers, per navigation and start node, the nodes that walks of more than one
    /// step (`-[2]->`, `<-[0:]-`, ...) reach, so that queries repeating a walk (many checks
    /// starting from the same accounts) read it instead of walking the graph again. Costs
    /// memory proportional to what the walks reach; single steps (`-->`) are never stored.
    #[must_use]
    pub fn remembering_walks(mut self) -> Self {
        self.shared.walks = Some(RwLock::default());
        self
    }

    /// Judges `covers` with `judgement`: over the events CloudTrail writes (the default,
    /// [`trailgraph_pattern::Judgement::cloudtrail`]) or by the pattern language alone
    /// ([`trailgraph_pattern::Judgement::Language`]). Either way a catch-all filter covers only
    /// a catch-all pattern.
    #[must_use]
    pub fn judging_filters(mut self, judgement: trailgraph_pattern::Judgement<'static>) -> Self {
        self.shared.covers = Arc::new(CoversCache::new(judgement));
        self
    }

    /// The judgements of filter patterns made so far (and to come), to hand to a searcher over
    /// another inventory with [`Searcher::sharing_judgements`]: they depend on the patterns'
    /// text alone, so an estate searched part by part judges each distinct pattern once.
    pub fn judgements(&self) -> FilterJudgements {
        FilterJudgements(Arc::clone(&self.shared.covers))
    }

    /// Uses (and adds to) `judgements` from another searcher instead of its own, which must be
    /// set up the same way ([`Searcher::judging_filters`], [`Searcher::comparing_text`]) last.
    #[must_use]
    pub fn sharing_judgements(mut self, judgements: &FilterJudgements) -> Self {
        self.shared.covers = Arc::clone(&judgements.0);
        self
    }

    /// Judges `covers` by text instead of meaning: a filter pattern covers a required one when
    /// both are the same after removing whitespace outside double-quoted strings (compared
    /// case-sensitively; see [`crate::covers::strict_normalise`]). The assessments stay available, so an
    /// explanation can still say what the filter matches.
    #[must_use]
    pub fn comparing_text(mut self) -> Self {
        let mut covers = CoversCache::new(self.shared.covers.judgement());
        covers.strict = true;
        self.shared.covers = Arc::new(covers);
        self
    }

    /// Traces `node` through the first part of `plan` (see [`crate::trace`]): the evaluator's
    /// verdict for the node, and for every level the candidates it reached and the conditions
    /// each of them met.
    pub fn trace(
        &self,
        plan: &crate::trace::TracePlan,
        node: NodeId,
        options: &crate::trace::TraceOptions,
    ) -> crate::trace::NodeTrace {
        self.trace_where(plan, node, options, None)
    }

    /// [`Self::trace`], tracing below an unmet candidate only when `descend` says so (with
    /// `below_unmet`): the candidate's conditions are known when it is asked.
    pub fn trace_where(
        &self,
        plan: &crate::trace::TracePlan,
        node: NodeId,
        options: &crate::trace::TraceOptions,
        descend: Option<&dyn Fn(&crate::trace::NodeTrace) -> bool>,
    ) -> crate::trace::NodeTrace {
        let evaluator = self.evaluator();
        let part = plan.plan.parts.first();
        let filter = part.map_or(&Filter::All, |p| &p.filter);
        let with = part.and_then(|p| p.with.as_ref());
        let mut run = crate::trace::Run {
            tracer: &evaluator,
            plan,
            options,
            descend,
            budget: options.max_nodes.max(1),
        };
        run.node(filter, with, 0, node)
    }

    /// The assessment `covers` relies on for a filter pattern against a required one (the
    /// searcher's judgement, computed once per pair and shared with every evaluation);
    /// `None` when `required` does not parse.
    pub fn assessment(
        &self,
        required: &str,
        actual: &str,
    ) -> Option<std::sync::Arc<trailgraph_pattern::Assessment>> {
        self.shared.covers.assessment(required, actual)
    }

    /// The inventory searched.
    pub fn inventory(&self) -> &'a Inventory {
        self.inventory
    }

    fn evaluator(&self) -> Evaluator<'_> {
        Evaluator::new(self.inventory, &self.shared)
    }

    /// Evaluates `plan` (see [`evaluate`]).
    pub fn evaluate(&self, plan: &Plan, options: EvalOptions) -> Evaluation {
        self.run(plan, None, options)
    }

    /// Evaluates `plan` from `start` (see [`evaluate_from`]).
    pub fn evaluate_from(&self, plan: &Plan, start: &[NodeId], options: EvalOptions) -> Evaluation {
        self.run(plan, Some(start.to_vec()), options)
    }

    fn run(&self, plan: &Plan, input: Option<Vec<NodeId>>, options: EvalOptions) -> Evaluation {
        let evaluator = self.evaluator();
        let mut stats = Stats::default();
        let (nodes, merged) =
            evaluator.eval_parts(&plan.parts, input, options.ordered, Some(&mut stats.parts));
        Evaluation {
            nodes,
            merged,
            stats,
        }
    }

    /// Whether `node` passes the first part's filter (its term, not its `with` clause).
    pub fn matches_term(&self, plan: &Plan, node: NodeId) -> bool {
        plan.parts
            .first()
            .is_some_and(|p| self.evaluator().node_matches(node, &p.filter))
    }

    /// Whether `node` is in the result of `plan` evaluated from `[node]`: for a plan of one
    /// part without merge, limit or navigation, whether the node passes the part's filter and
    /// with clause (decided without collecting anything).
    pub fn matches(&self, plan: &Plan, node: NodeId) -> bool {
        let evaluator = self.evaluator();
        if let [part] = plan.parts.as_slice()
            && part.merge.is_none()
            && part.limit.is_none()
            && part.navigation.is_none()
        {
            return evaluator.node_matches(node, &part.filter)
                && part
                    .with
                    .as_ref()
                    .is_none_or(|w| evaluator.eval_with(w, node));
        }
        let (nodes, _) = evaluator.eval_parts(&plan.parts, Some(vec![node]), false, None);
        nodes.contains(&node)
    }
}
