//! Running a [`Plan`] over an [`Inventory`]: one function per plan node, with statistics.

use std::borrow::Cow;
use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::ControlFlow;
use std::sync::{Arc, RwLock};

use petgraph::Direction as GraphDirection;
use trailgraph_model::{AncestorKind, EdgeType, Inventory, Node, NodeId, Object, Value};

use crate::ast::{ArrayModifier, CmpOp};
use crate::covers::CoversCache;
use crate::duration::parse_time;
use crate::plan::{
    AggregateFunctionKind, AggregateFunctionPlan, AggregatePlan, Comparison, Filter, GroupValue,
    KindSet, MergePlan, NavigationPlan, Operand, PartPlan, PathPlan, Plan, Root, SortPlan, Source,
    Step, TemplatePart, WithPlan,
};

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
struct Shared {
    covers: CoversCache,
    /// The candidates of a trace level from a node, of the level's kinds, sorted by name then
    /// id: by (the level's navigation and kinds, node). Shared by the traces of every query.
    candidates: RwLock<TraceCandidates>,
    /// Walk results by navigation (its text) and start node; `None`: walks are not remembered.
    walks: Option<Walks>,
}

/// Sorted trace candidates by (level key, node).
type TraceCandidates = HashMap<(u64, NodeId), Arc<[NodeId]>, FastHash>;

/// Remembered walks: navigation text → start node → the nodes reached, in walk order.
type Walks = RwLock<HashMap<String, NodeMap<Arc<[NodeId]>>>>;

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
        self.shared.covers = CoversCache::new(judgement);
        self
    }

    /// Judges `covers` by text instead of meaning: a filter pattern covers a required one when
    /// both are the same after removing whitespace outside double-quoted strings (compared
    /// case-sensitively; see [`crate::covers::strict_normalise`]). The assessments stay available, so an
    /// explanation can still say what the filter matches.
    #[must_use]
    pub fn comparing_text(mut self) -> Self {
        self.shared.covers.strict = true;
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

/// A fast hasher (the "Fx" multiply-rotate scheme) for node indexes and pattern texts, where
/// SipHash costs more than the lookup it serves. The keys come from the inventory and the
/// query, not from an adversary probing a server.
#[derive(Default, Clone, Copy)]
pub struct NodeHasher(u64);

impl Hasher for NodeHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        let h = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 29);
    }
}

/// The builder of [`NodeHasher`]s.
pub type FastHash = BuildHasherDefault<NodeHasher>;
/// A set of node indexes with [`NodeHasher`].
pub(crate) type NodeSet = HashSet<NodeId, BuildHasherDefault<NodeHasher>>;
/// A map from node indexes with [`NodeHasher`].
pub(crate) type NodeMap<V> = HashMap<NodeId, V, BuildHasherDefault<NodeHasher>>;

/// Groups `nodes` by the aggregate's group columns and computes its functions: one row per
/// group, `{"group": {name: value, ...}, fn_name: result, ...}`, ordered by the group values.
pub fn aggregate(plan: &AggregatePlan, inventory: &Inventory, nodes: &[NodeId]) -> Vec<Value> {
    let mut groups: Vec<(Vec<Value>, Vec<Vec<f64>>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for &id in nodes {
        let key: Vec<Value> = plan
            .group
            .iter()
            .map(|(_, g)| match g {
                GroupValue::Path(p) => value_at(inventory, id, p, None),
                GroupValue::Template(parts) => {
                    let mut text = String::new();
                    for part in parts {
                        match part {
                            TemplatePart::Text(t) => text.push_str(t),
                            TemplatePart::Path(p) => match value_at(inventory, id, p, None) {
                                Value::String(s) => text.push_str(&s),
                                other => text.push_str(&other.to_string()),
                            },
                        }
                    }
                    Value::from(text)
                }
            })
            .collect();
        let text = Value::Array(key.clone().into()).to_string();
        let slot = *index.entry(text).or_insert_with(|| {
            groups.push((key, vec![Vec::new(); plan.functions.len()]));
            groups.len() - 1
        });
        for (f, function) in plan.functions.iter().enumerate() {
            if let Some(x) = operand_value(function, inventory, id)
                && let Some(values) = groups.get_mut(slot).and_then(|g| g.1.get_mut(f))
            {
                values.push(x);
            }
        }
    }
    groups.sort_by(|a, b| {
        arango_cmp(
            &Value::Array(a.0.clone().into()),
            &Value::Array(b.0.clone().into()),
        )
    });
    groups
        .into_iter()
        .map(|(key, values)| {
            let mut pairs: Vec<(String, Value)> = Vec::new();
            if !plan.group.is_empty() {
                let group = Object::from_pairs(
                    plan.group
                        .iter()
                        .zip(key)
                        .map(|((name, _), v)| (name.as_str(), v)),
                );
                pairs.push(("group".to_owned(), Value::Object(group)));
            }
            for (function, values) in plan.functions.iter().zip(values) {
                pairs.push((function.name.clone(), compute(function.function, &values)));
            }
            Value::Object(Object::from_pairs(pairs))
        })
        .collect()
}

fn operand_value(
    function: &AggregateFunctionPlan,
    inventory: &Inventory,
    id: NodeId,
) -> Option<f64> {
    let mut result: Option<f64> = None;
    for (op, operand) in &function.operands {
        let x = match operand {
            Operand::Number(n) => *n,
            Operand::Path(p) => value_at(inventory, id, p, None).as_f64()?,
        };
        result = Some(match (result, op) {
            (None, _) | (Some(_), None) => x,
            (Some(r), Some('+')) => r + x,
            (Some(r), Some('-')) => r - x,
            (Some(r), Some('*')) => r * x,
            (Some(r), Some('/')) => r / x,
            (Some(r), Some(_)) => r % x,
        });
    }
    result
}

fn compute(function: AggregateFunctionKind, values: &[f64]) -> Value {
    #[allow(clippy::cast_precision_loss)]
    let n = values.len() as f64;
    let sum: f64 = values.iter().sum();
    let number = |x: f64| {
        if x.fract() == 0.0 && x.abs() < 9e15 {
            #[allow(clippy::cast_possible_truncation)]
            Value::from(x as i64)
        } else {
            Value::from(x)
        }
    };
    if values.is_empty()
        && function != AggregateFunctionKind::Sum
        && function != AggregateFunctionKind::Count
    {
        return Value::Null;
    }
    let variance = || {
        let mean = sum / n;
        values.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n
    };
    match function {
        AggregateFunctionKind::Sum => number(sum),
        AggregateFunctionKind::Count => number(n),
        AggregateFunctionKind::Min => number(values.iter().copied().fold(f64::INFINITY, f64::min)),
        AggregateFunctionKind::Max => {
            number(values.iter().copied().fold(f64::NEG_INFINITY, f64::max))
        }
        AggregateFunctionKind::Avg => number(sum / n),
        AggregateFunctionKind::Variance => number(variance()),
        AggregateFunctionKind::Stddev => number(variance().sqrt()),
    }
}

/// Runs `plan` and prints it with the rows in and out of every step.
pub fn explain(plan: &Plan, inventory: &Inventory) -> String {
    let evaluation = evaluate(plan, inventory, EvalOptions::default());
    let mut out = String::new();
    for (i, (part, stats)) in plan.parts.iter().zip(&evaluation.stats.parts).enumerate() {
        let _ = writeln!(out, "part {i}:");
        let _ = writeln!(
            out,
            "  source   {:<60} out {}",
            stats.source, stats.candidates
        );
        let _ = writeln!(
            out,
            "  filter   {:<60} in {} out {}",
            part.filter.to_string(),
            stats.candidates,
            stats.after_filter
        );
        if let (Some(merge), Some(after)) = (&part.merge, stats.after_merge) {
            let names: Vec<String> = merge
                .items
                .iter()
                .map(|i| format!("{}{}", i.keys.join("."), if i.many { "[]" } else { "" }))
                .collect();
            let _ = writeln!(
                out,
                "  merge    {:<60} in {} out {after}",
                format!("{{{}}} {}", names.join(", "), merge.post_filter),
                stats.after_filter
            );
        }
        if let (Some(with), Some(after)) = (&part.with, stats.after_with) {
            let _ = writeln!(
                out,
                "  with     {:<60} in {} out {} (walks {})",
                with.to_string(),
                stats.after_merge.unwrap_or(stats.after_filter),
                after,
                stats.with_walks
            );
        }
        let before_limit = stats
            .after_with
            .or(stats.after_merge)
            .unwrap_or(stats.after_filter);
        let mut order = Vec::new();
        if part.sort.is_empty() {
            order.push("sort kind, name, id".to_owned());
        } else {
            let keys: Vec<String> = part
                .sort
                .iter()
                .map(|s| format!("{} {}", s.path, if s.ascending { "asc" } else { "desc" }))
                .collect();
            order.push(format!("sort {}", keys.join(", ")));
        }
        if let Some((offset, length)) = part.limit {
            order.push(format!("limit {offset}, {length}"));
        }
        if part.reversed {
            order.push("reversed".to_owned());
        }
        let _ = writeln!(
            out,
            "  order    {:<60} in {before_limit} out {}",
            order.join(" "),
            stats.after_limit
        );
        if let (Some(nav), Some(after)) = (&part.navigation, stats.after_navigation) {
            let _ = writeln!(
                out,
                "  traverse {:<60} in {} out {after}",
                nav.to_string(),
                stats.after_limit
            );
        }
    }
    let _ = writeln!(out, "result: {} nodes", evaluation.nodes.len());
    out
}

/// The value at `path` for node `id` with its merged data (`Null` when absent; an array of
/// every value for a path through `[*]`).
pub(crate) fn value_at(
    inventory: &Inventory,
    id: NodeId,
    path: &PathPlan,
    overlay: Option<&Overlay>,
) -> Value {
    let Some(node) = inventory.node(id) else {
        return Value::Null;
    };
    let shared = Shared::default();
    let evaluator = Evaluator::new(inventory, &shared);
    let mut values = Vec::new();
    evaluator.resolve(
        path,
        Subject {
            node: Some((id, node)),
            element: None,
            overlay,
        },
        &mut values,
    );
    // A path through `[*]` shows every value it reaches.
    if path.has_each() {
        return Value::Array(values.into_iter().map(Cow::into_owned).collect());
    }
    values
        .into_iter()
        .next()
        .map_or(Value::Null, Cow::into_owned)
}

/// A node as Fix shows it: `id`, `reported`, and `ancestors` (`cloud`, `account`, `region`
/// with `reported.name` and `reported.id`).
pub(crate) fn node_object(inventory: &Inventory, id: NodeId) -> Value {
    let Some(node) = inventory.node(id) else {
        return Value::Null;
    };
    let mut ancestors = Vec::new();
    for which in [
        AncestorKind::Cloud,
        AncestorKind::Account,
        AncestorKind::Region,
    ] {
        if let Some(a) = inventory.ancestor(id, which) {
            let pick = |k: &str| a.reported.get(k).cloned().unwrap_or(Value::Null);
            let inner = Object::from_pairs([("name", pick("name")), ("id", pick("id"))]);
            ancestors.push((
                which.as_str(),
                Value::Object(Object::from_pairs([("reported", Value::Object(inner))])),
            ));
        }
    }
    let mut pairs = vec![
        ("id", Value::from(&*node.id)),
        ("reported", Value::Object(node.reported.clone())),
    ];
    if !ancestors.is_empty() {
        pairs.push(("ancestors", Value::Object(Object::from_pairs(ancestors))));
    }
    Value::Object(Object::from_pairs(pairs))
}

/// Sets `keys` (a dotted path) in `object` to `value`, creating objects on the way.
pub(crate) fn insert_path(object: &mut Object, keys: &[String], value: Value) {
    match keys {
        [] => {}
        [key] => object.insert(key, value),
        [key, rest @ ..] => {
            let mut inner = match object.get(key) {
                Some(Value::Object(o)) => o.clone(),
                _ => Object::new(),
            };
            insert_path(&mut inner, rest, value);
            object.insert(key, Value::Object(inner));
        }
    }
}

/// Whether an edge filter admits an edge without properties (every trailgraph edge).
pub(crate) fn filter_accepts_empty_edge(filter: &Filter) -> bool {
    let inventory = Inventory::default();
    let shared = Shared::default();
    let evaluator = Evaluator::new(&inventory, &shared);
    let empty = Value::Object(Object::new());
    evaluator.eval_filter(
        filter,
        Subject {
            node: None,
            element: Some(&empty),
            overlay: None,
        },
    )
}

/// Data merged into a node by a merge query `{name: <query>}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overlay {
    /// Merged under `reported` (relative merge names).
    pub reported: Object,
    /// Merged beside `reported` (absolute merge names such as `/vpc`).
    pub top: Object,
}

/// Merged data per node of a result.
pub type Merged = HashMap<NodeId, Overlay>;

/// What a filter looks at: a node (with merged data), and inside context terms one element.
#[derive(Clone, Copy)]
struct Subject<'s> {
    node: Option<(NodeId, &'s Node)>,
    element: Option<&'s Value>,
    overlay: Option<&'s Overlay>,
}

struct Evaluator<'a> {
    inventory: &'a Inventory,
    shared: &'a Shared,
    walk_count: Cell<usize>,
}

impl crate::trace::Tracer for Evaluator<'_> {
    fn passes(&self, node: NodeId, filter: &Filter) -> bool {
        self.node_matches(node, filter)
    }

    fn with_holds(&self, with: &WithPlan, node: NodeId) -> bool {
        self.eval_with(with, node)
    }

    fn candidates(
        &self,
        with: &WithPlan,
        level: &crate::trace::LevelPlan,
        node: NodeId,
    ) -> Arc<[NodeId]> {
        let slot = (level.candidates_key, node);
        if let Some(hit) = self
            .shared
            .candidates
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&slot)
        {
            return Arc::clone(hit);
        }
        let kinds = crate::lower::index_kinds(&with.filter);
        let mut out: Vec<(&str, &str, NodeId)> = Vec::new();
        let _ = self.reach_kinds(node, &with.navigation, kinds, &mut |n| {
            if let Some(x) = self.inventory.node(n)
                && level.kinds.is_none_or(|k| k.contains(x.kind))
            {
                out.push((x.name(), &x.id, n));
            }
            ControlFlow::Continue(())
        });
        out.sort_unstable();
        let sorted: Arc<[NodeId]> = out.into_iter().map(|(_, _, n)| n).collect();
        self.shared
            .candidates
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(slot, Arc::clone(&sorted));
        sorted
    }

    fn string_at(&self, path: &PathPlan, node: NodeId) -> Option<String> {
        let subject = self.subject(node)?;
        let mut values = Vec::new();
        self.resolve(path, subject, &mut values);
        values
            .into_iter()
            .find_map(|v| v.as_str().map(str::to_owned))
    }

    fn judge_at(
        &self,
        covers: &crate::trace::CoversPlan,
        node: NodeId,
    ) -> (bool, Option<Arc<trailgraph_pattern::Assessment>>) {
        let Some(subject) = self.subject(node) else {
            return (false, None);
        };
        let actual = match self.resolve_single(&covers.path, subject) {
            Some(Some(Value::String(actual))) => Some(actual.as_ref()),
            Some(_) => None,
            None => {
                let mut values = Vec::new();
                self.resolve(&covers.path, subject, &mut values);
                return match values.first().map(|v| v.as_ref()) {
                    Some(Value::String(actual)) => {
                        self.shared
                            .covers
                            .judge(&covers.required, covers.key, actual)
                    }
                    _ => (false, None),
                };
            }
        };
        match actual {
            Some(actual) => self
                .shared
                .covers
                .judge(&covers.required, covers.key, actual),
            None => (false, None),
        }
    }

    fn inventory(&self) -> &Inventory {
        self.inventory
    }
}

impl<'a> Evaluator<'a> {
    fn new(inventory: &'a Inventory, shared: &'a Shared) -> Self {
        Evaluator {
            inventory,
            shared,
            walk_count: Cell::new(0),
        }
    }

    fn subject(&self, id: NodeId) -> Option<Subject<'a>> {
        self.inventory.node(id).map(|n| Subject {
            node: Some((id, n)),
            element: None,
            overlay: None,
        })
    }

    fn node_matches(&self, id: NodeId, filter: &Filter) -> bool {
        self.subject(id)
            .is_some_and(|s| self.eval_filter(filter, s))
    }

    /// Runs parts left to right; `input` replaces the first part's candidates (merges).
    fn eval_parts(
        &self,
        parts: &[PartPlan],
        input: Option<Vec<NodeId>>,
        ordered: bool,
        mut stats: Option<&mut Vec<PartStats>>,
    ) -> (Vec<NodeId>, Merged) {
        let mut current = input;
        let mut merged = Merged::new();
        let last = parts.len().saturating_sub(1);
        for (i, part) in parts.iter().enumerate() {
            let mut part_stats = PartStats::default();
            let (nodes, part_merged) =
                self.eval_part(part, current.take(), i == last && ordered, &mut part_stats);
            if let Some(stats) = stats.as_deref_mut() {
                stats.push(part_stats);
            }
            merged = part_merged;
            current = Some(nodes);
        }
        let mut nodes = current.unwrap_or_default();
        // A query that ends in a navigation gets a trailing `all` part with the default sort.
        if parts.last().is_some_and(|p| p.navigation.is_some()) {
            merged.clear();
            if ordered {
                self.eval_sort(&[], &mut nodes);
            }
        }
        (nodes, merged)
    }

    fn eval_part(
        &self,
        part: &PartPlan,
        input: Option<Vec<NodeId>>,
        ordered: bool,
        stats: &mut PartStats,
    ) -> (Vec<NodeId>, Merged) {
        let candidates: Vec<NodeId> = match input {
            Some(nodes) => {
                stats.source = "previous part".to_owned();
                nodes
            }
            None => match &part.source {
                Source::Kinds(kinds) => {
                    stats.source = format!("kind index: {kinds}");
                    kinds
                        .kinds()
                        .flat_map(|k| self.inventory.nodes_of_kind(k).iter().copied())
                        .collect()
                }
                Source::All => match indexed_ids(&part.filter) {
                    Some(ids) => {
                        stats.source = "id index".to_owned();
                        let mut found: Vec<NodeId> = ids
                            .iter()
                            .filter_map(|id| self.inventory.find(id))
                            .collect();
                        // The order of a scan.
                        found.sort_unstable();
                        found
                    }
                    None => {
                        stats.source = "scan".to_owned();
                        self.inventory.node_ids().collect()
                    }
                },
            },
        };
        stats.candidates = candidates.len();
        let mut nodes = self.eval_filter_step(&part.filter, candidates);
        stats.after_filter = nodes.len();
        let mut merged = Merged::new();
        if let Some(merge) = &part.merge {
            (nodes, merged) = self.eval_merge_step(merge, nodes);
            stats.after_merge = Some(nodes.len());
        }
        if let Some(with) = &part.with {
            self.walk_count.set(0);
            nodes = self.eval_with_step(with, nodes);
            stats.after_with = Some(nodes.len());
            stats.with_walks = self.walk_count.get();
        }
        nodes = self.eval_order(part, nodes, ordered);
        stats.after_limit = nodes.len();
        if let Some(nav) = &part.navigation {
            nodes = self.eval_traverse(nav, &nodes);
            stats.after_navigation = Some(nodes.len());
            merged.clear();
        }
        (nodes, merged)
    }

    /// Runs each merge sub-query from each node and keeps the nodes whose merged data passes
    /// the post-filter.
    fn eval_merge_step(&self, merge: &MergePlan, nodes: Vec<NodeId>) -> (Vec<NodeId>, Merged) {
        let mut kept = Vec::with_capacity(nodes.len());
        let mut merged = Merged::new();
        for id in nodes {
            let overlay = self.eval_merge(merge, id);
            let pass = self.inventory.node(id).is_some_and(|node| {
                self.eval_filter(
                    &merge.post_filter,
                    Subject {
                        node: Some((id, node)),
                        element: None,
                        overlay: Some(&overlay),
                    },
                )
            });
            if pass {
                merged.insert(id, overlay);
                kept.push(id);
            }
        }
        (kept, merged)
    }

    fn eval_merge(&self, merge: &MergePlan, id: NodeId) -> Overlay {
        let mut overlay = Overlay::default();
        for item in &merge.items {
            let (nodes, _) = self.eval_parts(&item.plan.parts, Some(vec![id]), true, None);
            let value = if item.many {
                Value::Array(
                    nodes
                        .iter()
                        .map(|n| node_object(self.inventory, *n))
                        .collect(),
                )
            } else {
                nodes
                    .first()
                    .map_or(Value::Null, |n| node_object(self.inventory, *n))
            };
            let target = if item.absolute {
                &mut overlay.top
            } else {
                &mut overlay.reported
            };
            insert_path(target, &item.keys, value);
        }
        overlay
    }

    fn eval_filter_step(&self, filter: &Filter, candidates: Vec<NodeId>) -> Vec<NodeId> {
        if matches!(filter, Filter::All) {
            return candidates;
        }
        self.parallel_filter(candidates, &|evaluator, id| {
            evaluator.node_matches(id, filter)
        })
    }

    fn eval_with_step(&self, with: &WithPlan, nodes: Vec<NodeId>) -> Vec<NodeId> {
        self.parallel_filter(nodes, &|evaluator, id| evaluator.eval_with(with, id))
    }

    /// Keeps the nodes for which `keep` holds, in order. Large inputs are split over the
    /// available cores; each thread has its own evaluator (caches are per thread).
    fn parallel_filter(
        &self,
        nodes: Vec<NodeId>,
        keep: &(dyn Fn(&Evaluator<'a>, NodeId) -> bool + Sync),
    ) -> Vec<NodeId> {
        const MIN_PER_THREAD: usize = 8_192;
        let threads = std::thread::available_parallelism()
            .map_or(1, std::num::NonZeroUsize::get)
            .min(nodes.len() / MIN_PER_THREAD)
            .min(16);
        if threads <= 1 {
            return nodes.into_iter().filter(|id| keep(self, *id)).collect();
        }
        let chunk = nodes.len().div_ceil(threads);
        let inventory = self.inventory;
        let shared = self.shared;
        let parts: Vec<Vec<NodeId>> = std::thread::scope(|scope| {
            let handles: Vec<_> = nodes
                .chunks(chunk)
                .map(|slice| {
                    scope.spawn(move || {
                        let evaluator = Evaluator::new(inventory, shared);
                        let kept: Vec<NodeId> = slice
                            .iter()
                            .copied()
                            .filter(|id| keep(&evaluator, *id))
                            .collect();
                        (kept, evaluator.walk_count.get())
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| match h.join() {
                    Ok((kept, walks)) => {
                        self.walk_count.set(self.walk_count.get() + walks);
                        kept
                    }
                    Err(panic) => std::panic::resume_unwind(panic),
                })
                .collect()
        });
        parts.concat()
    }

    fn eval_order(&self, part: &PartPlan, mut nodes: Vec<NodeId>, ordered: bool) -> Vec<NodeId> {
        if ordered || part.limit.is_some() || part.reversed || !part.sort.is_empty() {
            self.eval_sort(&part.sort, &mut nodes);
        }
        if let Some((offset, length)) = part.limit {
            nodes = nodes.into_iter().skip(offset).take(length).collect();
        }
        if part.reversed {
            nodes.reverse();
        }
        nodes
    }

    fn eval_sort(&self, keys: &[SortPlan], nodes: &mut [NodeId]) {
        if keys.is_empty() {
            nodes.sort_by(|a, b| {
                let (Some(x), Some(y)) = (self.inventory.node(*a), self.inventory.node(*b)) else {
                    return Ordering::Equal;
                };
                x.kind
                    .as_str()
                    .cmp(y.kind.as_str())
                    .then_with(|| reported_str(x, "name").cmp(reported_str(y, "name")))
                    .then_with(|| reported_str(x, "id").cmp(reported_str(y, "id")))
                    .then_with(|| x.id.cmp(&y.id))
            });
            return;
        }
        nodes.sort_by(|a, b| {
            for key in keys {
                let x = self.first_value(&key.path, *a);
                let y = self.first_value(&key.path, *b);
                let ordering = arango_cmp(&x, &y);
                let ordering = if key.ascending {
                    ordering
                } else {
                    ordering.reverse()
                };
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
            Ordering::Equal
        });
    }

    fn first_value(&self, path: &PathPlan, id: NodeId) -> Value {
        let Some(subject) = self.subject(id) else {
            return Value::Null;
        };
        let mut values = Vec::new();
        self.resolve(path, subject, &mut values);
        values
            .into_iter()
            .next()
            .map_or(Value::Null, Cow::into_owned)
    }

    /// Nodes reached from `starts`, distinct, in the order found.
    fn eval_traverse(&self, nav: &NavigationPlan, starts: &[NodeId]) -> Vec<NodeId> {
        let mut seen = vec![false; self.inventory.node_count()];
        let mut out = Vec::new();
        for &start in starts {
            let _ = self.reach(start, nav, &mut |id| {
                if let Some(flag) = seen.get_mut(id.index())
                    && !*flag
                {
                    *flag = true;
                    out.push(id);
                }
                ControlFlow::Continue(())
            });
        }
        out
    }

    /// Breadth-first walk from `start`: every node at a depth in `start..=until`, once.
    /// `emit` may stop the walk.
    fn reach(
        &self,
        start: NodeId,
        nav: &NavigationPlan,
        emit: &mut dyn FnMut(NodeId) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.reach_kinds(start, nav, None, emit)
    }

    /// [`Self::reach`] for a caller that ignores reached nodes (other than `start`) whose kind
    /// is not in `kinds`: a remembered walk then replays only nodes of those kinds.
    fn reach_kinds(
        &self,
        start: NodeId,
        nav: &NavigationPlan,
        kinds: Option<KindSet>,
        emit: &mut dyn FnMut(NodeId) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.walk_count.set(self.walk_count.get() + 1);
        let halves = [
            (GraphDirection::Incoming, &nav.inbound),
            (GraphDirection::Outgoing, &nav.outbound),
        ];
        let both = halves.iter().all(|(_, t)| !t.is_empty());
        if nav.start == 0 {
            emit(start)?;
        }
        if !nav.edges_pass_filter || nav.until == 0 {
            return ControlFlow::Continue(());
        }
        // The common case `-->`: neighbours only, no visited set.
        if !both && nav.start <= 1 && nav.until == 1 {
            for (direction, types) in halves {
                if let [edge_type] = types.as_slice() {
                    for next in self.inventory.neighbors(start, direction, *edge_type) {
                        if next != start {
                            emit(next)?;
                        }
                    }
                    return ControlFlow::Continue(());
                }
            }
        }
        if let Some(walks) = &self.shared.walks {
            return self.reach_remembered(walks, start, nav, kinds, emit);
        }
        self.walk(start, nav, emit)
    }

    /// [`Self::reach`] through the searcher's memory of walks: the first walk from a start
    /// node records everything it reaches, later ones replay it (in the same order).
    fn reach_remembered(
        &self,
        walks: &Walks,
        start: NodeId,
        nav: &NavigationPlan,
        kinds: Option<KindSet>,
        emit: &mut dyn FnMut(NodeId) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let mut key = nav.to_string();
        if let Some(kinds) = kinds {
            let _ = write!(key, " kinds {:x}", kinds.0);
        }
        let known = walks
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .and_then(|by_start| by_start.get(&start).cloned());
        let reached = match known {
            Some(reached) => reached,
            None => {
                let mut all = Vec::new();
                let _ = self.walk(start, nav, &mut |n| {
                    let wanted = kinds.is_none_or(|k| {
                        self.inventory
                            .node(n)
                            .is_some_and(|node| k.contains(node.kind))
                    });
                    if wanted {
                        all.push(n);
                    }
                    ControlFlow::Continue(())
                });
                let all: Arc<[NodeId]> = all.into();
                walks
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .entry(key)
                    .or_default()
                    .insert(start, Arc::clone(&all));
                all
            }
        };
        for &n in reached.iter() {
            emit(n)?;
        }
        ControlFlow::Continue(())
    }

    /// The breadth-first walk of [`Self::reach`] beyond the start node.
    fn walk(
        &self,
        start: NodeId,
        nav: &NavigationPlan,
        emit: &mut dyn FnMut(NodeId) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let halves = [
            (GraphDirection::Incoming, &nav.inbound),
            (GraphDirection::Outgoing, &nav.outbound),
        ];
        let both = halves.iter().all(|(_, t)| !t.is_empty());
        let mut emitted = NodeSet::default();
        for (direction, types) in halves {
            if types.is_empty() {
                continue;
            }
            let mut visited = NodeSet::default();
            visited.insert(start);
            let mut frontier = vec![start];
            let mut next_frontier = Vec::new();
            for depth in 1..=nav.until {
                // The last depth's nodes are not expanded, so they need no frontier.
                let last = depth == nav.until;
                let mut found = false;
                for &node in &frontier {
                    for edge_type in types {
                        for next in self.inventory.neighbors(node, direction, *edge_type) {
                            if visited.insert(next) {
                                found = true;
                                if !last {
                                    next_frontier.push(next);
                                }
                                if depth >= nav.start && (!both || emitted.insert(next)) {
                                    emit(next)?;
                                }
                            }
                        }
                    }
                }
                if !found || last {
                    break;
                }
                std::mem::swap(&mut frontier, &mut next_frontier);
                next_frontier.clear();
            }
        }
        ControlFlow::Continue(())
    }

    fn eval_with(&self, with: &WithPlan, id: NodeId) -> bool {
        let stop_after = with.count.stop_after();
        let mut count = 0usize;
        // Only nodes of the filter's kinds can match.
        let kinds = crate::lower::index_kinds(&with.filter);
        let _ = self.reach_kinds(id, &with.navigation, kinds, &mut |reached| {
            let matches = self.node_matches(reached, &with.filter)
                && with
                    .nested
                    .as_ref()
                    .is_none_or(|nested| self.eval_with(nested, reached));
            if matches {
                count += 1;
                if count >= stop_after {
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        });
        with.count.accepts(count)
    }

    fn eval_filter<'s>(&self, filter: &Filter, subject: Subject<'s>) -> bool
    where
        'a: 's,
    {
        match filter {
            Filter::All => true,
            Filter::Kinds(kinds) => subject.node.is_some_and(|(_, n)| kinds.contains(n.kind)),
            Filter::Ids(ids) => subject.node.is_some_and(|(_, n)| ids.contains(&*n.id)),
            Filter::Not(inner) => !self.eval_filter(inner, subject),
            Filter::And(items) => items.iter().all(|f| self.eval_filter(f, subject)),
            Filter::Or(items) => items.iter().any(|f| self.eval_filter(f, subject)),
            Filter::Compare(comparison) => self.eval_compare(comparison, subject),
            Filter::Context(path, inner) => self.eval_context(path, inner, subject),
            Filter::HasKey(path, keys) => {
                let mut values = Vec::new();
                self.resolve(path, subject, &mut values);
                values.iter().any(|v| {
                    v.as_object()
                        .is_some_and(|o| keys.iter().all(|k| o.get(k).is_some()))
                })
            }
            Filter::InSubnet(path, net, prefix) => {
                let mask = if *prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - prefix)
                };
                let mut values = Vec::new();
                self.resolve(path, subject, &mut values);
                values.iter().any(|v| {
                    v.as_str()
                        .and_then(|s| s.parse::<std::net::Ipv4Addr>().ok())
                        .is_some_and(|ip| u32::from(ip) & mask == net & mask)
                })
            }
            Filter::HasDesiredChange(_) => false,
            Filter::FullText(regex) => self.eval_fulltext(regex, subject),
        }
    }

    fn eval_context<'s>(&self, path: &PathPlan, inner: &Filter, subject: Subject<'s>) -> bool
    where
        'a: 's,
    {
        let mut values = Vec::new();
        self.resolve(path, subject, &mut values);
        values.iter().any(|value| {
            self.eval_filter(
                inner,
                Subject {
                    node: subject.node,
                    element: Some(value.as_ref()),
                    overlay: subject.overlay,
                },
            )
        })
    }

    fn eval_fulltext<'s>(&self, regex: &regex::Regex, subject: Subject<'s>) -> bool
    where
        'a: 's,
    {
        fn any_text(value: &Value, regex: &regex::Regex) -> bool {
            match value {
                Value::String(s) => regex.is_match(s),
                Value::Number(n) => regex.is_match(&n.to_string()),
                Value::Bool(b) => regex.is_match(if *b { "true" } else { "false" }),
                Value::Array(items) => items.iter().any(|v| any_text(v, regex)),
                Value::Object(o) => o.iter().any(|(_, v)| any_text(v, regex)),
                Value::Null => false,
            }
        }
        match (subject.element, subject.node) {
            (Some(element), _) => any_text(element, regex),
            (None, Some((_, node))) => {
                regex.is_match(&node.id) || node.reported.iter().any(|(_, v)| any_text(v, regex))
            }
            (None, None) => false,
        }
    }

    fn eval_compare<'s>(&self, c: &Comparison, subject: Subject<'s>) -> bool
    where
        'a: 's,
    {
        // `covers` on a node's own property: judged once per (pattern, node).
        if c.op == CmpOp::Covers
            && c.modifier.is_none()
            && subject.element.is_none()
            && subject.overlay.is_none()
            && let (Some(_), Some(key), Some(required)) =
                (subject.node, c.required_key, c.required_pattern.as_deref())
            && let Some(found) = self.resolve_single(&c.path, subject)
        {
            return match found {
                Some(Value::String(actual)) => self.shared.covers.holds(required, key, actual),
                _ => false,
            };
        }
        if c.modifier.is_none()
            && let Some(found) = self.resolve_single(&c.path, subject)
        {
            return self.compare_one(c, found.unwrap_or(&Value::Null));
        }
        let mut values = Vec::new();
        self.resolve(&c.path, subject, &mut values);
        match c.modifier {
            None => {
                let value = values.first().map_or(&Value::Null, |v| v.as_ref());
                self.compare_one(c, value)
            }
            Some(modifier) => {
                let mut elements: Vec<&Value> = Vec::new();
                for v in &values {
                    match (c.unfold_last, v.as_ref()) {
                        (true, Value::Array(items)) => elements.extend(items.iter()),
                        (_, other) => elements.push(other),
                    }
                }
                match modifier {
                    ArrayModifier::Any => elements.iter().any(|v| self.compare_one(c, v)),
                    ArrayModifier::All => elements.iter().all(|v| self.compare_one(c, v)),
                    ArrayModifier::None => !elements.iter().any(|v| self.compare_one(c, v)),
                }
            }
        }
    }

    fn compare_one(&self, c: &Comparison, value: &Value) -> bool {
        if let (Some(time), Value::String(s)) = (c.time, value)
            && let Some(actual) = parse_time(s)
        {
            return ordering_matches(c.op, actual.cmp(&time));
        }
        match c.op {
            CmpOp::Eq => loosely_equal(value, &c.value),
            CmpOp::Ne => !loosely_equal(value, &c.value),
            CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
                !value.is_null() && ordering_matches(c.op, compare_values(value, &c.value))
            }
            CmpOp::Match => {
                !value.is_null()
                    && c.regex
                        .as_ref()
                        .is_some_and(|r| r.is_match(&as_text(value)))
            }
            CmpOp::NotMatch => c
                .regex
                .as_ref()
                .is_some_and(|r| !r.is_match(&as_text(value))),
            CmpOp::In => in_comparison(value, c),
            CmpOp::NotIn => !value.is_null() && !in_comparison(value, c),
            CmpOp::Covers => match (value, &c.required_pattern) {
                (Value::String(actual), Some(required)) => {
                    self.shared.covers.covers(required, actual)
                }
                _ => false,
            },
        }
    }

    /// The one value at a path without `[*]`, without allocating: `Some(None)` when absent,
    /// `None` when the path needs the general [`Self::resolve`].
    fn resolve_single<'s>(&self, path: &PathPlan, subject: Subject<'s>) -> Option<Option<&'s Value>>
    where
        'a: 's,
    {
        let (first, rest) = match path.steps.split_first() {
            Some((Step::Key(key), rest)) => (key, rest),
            _ => return None,
        };
        let start: Option<&'s Value> = match path.root {
            Root::Element if subject.element.is_some() => {
                return Some(subject.element.and_then(|e| walk_single(e, &path.steps)));
            }
            Root::Element | Root::Reported => {
                let merged = subject.overlay.and_then(|o| o.reported.get_interned(first));
                match merged {
                    Some(v) => Some(v),
                    None => subject
                        .node
                        .and_then(|(_, n)| n.reported.get_interned(first)),
                }
            }
            Root::Ancestor(which) => subject
                .node
                .and_then(|(id, _)| self.inventory.ancestor(id, which))
                .and_then(|a| a.reported.get_interned(first)),
            Root::Absent => None,
            Root::NodeId | Root::Kinds | Root::Merged | Root::Related { .. } => return None,
        };
        Some(start.and_then(|v| walk_single(v, rest)))
    }

    /// The nearest node of one of `kinds` reached breadth-first over `default` edges (up to the
    /// maximum depth), as Fix's `<-default[1:]- is(kind)` merge picks it.
    fn nearest_of_kind(&self, start: NodeId, kinds: KindSet, inbound: bool) -> Option<&'a Node> {
        let direction = if inbound {
            GraphDirection::Incoming
        } else {
            GraphDirection::Outgoing
        };
        let mut visited: HashSet<NodeId> = HashSet::from([start]);
        let mut frontier = vec![start];
        for _ in 0..crate::ast::MAX_DEPTH {
            let mut next = Vec::new();
            for &node in &frontier {
                for neighbour in self.inventory.neighbors(node, direction, EdgeType::Default) {
                    if visited.insert(neighbour) {
                        match self.inventory.node(neighbour) {
                            Some(n) if kinds.contains(n.kind) => return Some(n),
                            _ => next.push(neighbour),
                        }
                    }
                }
            }
            if next.is_empty() {
                return None;
            }
            frontier = next;
        }
        None
    }

    /// Every value at `path` (several when it has `[*]`); nothing when absent.
    fn resolve<'s>(&self, path: &PathPlan, subject: Subject<'s>, out: &mut Vec<Cow<'s, Value>>)
    where
        'a: 's,
    {
        let mut borrowed: Vec<&'s Value> = Vec::new();
        match path.root {
            Root::Absent => {}
            Root::Element if subject.element.is_some() => {
                if let Some(element) = subject.element {
                    walk(element, &path.steps, &mut borrowed);
                }
            }
            Root::Element | Root::Reported => {
                let merged = match (subject.overlay, path.steps.first()) {
                    (Some(overlay), Some(Step::Key(key))) => overlay.reported.get_interned(key),
                    _ => None,
                };
                if let Some(value) = merged {
                    walk(value, &path.steps[1..], &mut borrowed);
                } else if let Some((_, node)) = subject.node {
                    walk_object(&node.reported, &path.steps, &mut borrowed, out);
                }
            }
            Root::Merged => {
                if let Some(overlay) = subject.overlay {
                    walk_object(&overlay.top, &path.steps, &mut borrowed, out);
                }
            }
            Root::Related { kinds, inbound } => {
                if let Some((id, _)) = subject.node
                    && let Some(related) = self.nearest_of_kind(id, kinds, inbound)
                {
                    walk_object(&related.reported, &path.steps, &mut borrowed, out);
                }
            }
            Root::Ancestor(which) => {
                if let Some((id, _)) = subject.node
                    && let Some(ancestor) = self.inventory.ancestor(id, which)
                {
                    walk_object(&ancestor.reported, &path.steps, &mut borrowed, out);
                }
            }
            Root::NodeId | Root::Kinds => {
                if let Some((_, node)) = subject.node {
                    let owned = if path.root == Root::NodeId {
                        Value::String(node.id.clone())
                    } else {
                        Value::Array(node.kind.bases().iter().map(|b| Value::from(*b)).collect())
                    };
                    let mut found = Vec::new();
                    walk(&owned, &path.steps, &mut found);
                    out.extend(found.into_iter().map(|v| Cow::Owned(v.clone())));
                }
            }
        }
        out.extend(borrowed.into_iter().map(Cow::Borrowed));
    }
}

/// The ids of an `id(...)` filter (alone or among the top-level `and` terms): its candidates
/// come from the id index instead of a scan.
fn indexed_ids(filter: &Filter) -> Option<&HashSet<String>> {
    match filter {
        Filter::Ids(ids) => Some(ids),
        Filter::And(items) => items.iter().find_map(|f| match f {
            Filter::Ids(ids) => Some(ids),
            _ => None,
        }),
        _ => None,
    }
}

fn reported_str<'n>(node: &'n Node, key: &str) -> &'n str {
    node.reported.get(key).and_then(Value::as_str).unwrap_or("")
}

fn walk<'v>(value: &'v Value, steps: &[Step], out: &mut Vec<&'v Value>) {
    match steps.split_first() {
        None => out.push(value),
        Some((Step::Key(key), rest)) => {
            if let Some(v) = value.get_interned(key) {
                walk(v, rest, out);
            }
        }
        Some((Step::Index(i), rest)) => {
            if let Some(v) = value.as_array().and_then(|a| a.get(*i)) {
                walk(v, rest, out);
            }
        }
        Some((Step::Each, rest)) => {
            if let Some(items) = value.as_array() {
                for v in items {
                    walk(v, rest, out);
                }
            }
        }
    }
}

/// Follows keys and indexes (no `[*]`) from `value`.
fn walk_single<'v>(value: &'v Value, steps: &[Step]) -> Option<&'v Value> {
    steps.iter().try_fold(value, |v, step| match step {
        Step::Key(key) => v.get_interned(key),
        Step::Index(i) => v.as_array().and_then(|a| a.get(*i)),
        Step::Each => None,
    })
}

fn walk_object<'v>(
    object: &'v Object,
    steps: &[Step],
    out: &mut Vec<&'v Value>,
    owned: &mut Vec<Cow<'v, Value>>,
) {
    match steps.split_first() {
        None => owned.push(Cow::Owned(Value::Object(object.clone()))),
        Some((Step::Key(key), rest)) => {
            if let Some(v) = object.get_interned(key) {
                walk(v, rest, out);
            }
        }
        Some(_) => {}
    }
}

fn as_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed(""),
        other => Cow::Owned(other.to_string()),
    }
}

fn ordering_matches(op: CmpOp, ordering: Ordering) -> bool {
    match op {
        CmpOp::Eq => ordering == Ordering::Equal,
        CmpOp::Ne => ordering != Ordering::Equal,
        CmpOp::Lt => ordering == Ordering::Less,
        CmpOp::Le => ordering != Ordering::Greater,
        CmpOp::Gt => ordering == Ordering::Greater,
        CmpOp::Ge => ordering != Ordering::Less,
        _ => false,
    }
}

fn in_comparison(value: &Value, c: &Comparison) -> bool {
    match &c.in_set {
        Some(set) => set.contains(value, loosely_equal),
        None => in_list(value, &c.value),
    }
}

fn in_list(value: &Value, list: &Value) -> bool {
    match list {
        Value::Array(items) => items.iter().any(|item| loosely_equal(value, item)),
        other => loosely_equal(value, other),
    }
}

/// Equality as Fix gets it after converting the literal to the property's type: deep for
/// arrays and objects, numbers by value, and a number equal to a string holding that number.
fn loosely_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::String(s)) | (Value::String(s), Value::Number(x)) => {
            s.trim().parse::<f64>().is_ok_and(|n| n == x.as_f64())
        }
        _ => compare_values(a, b) == Ordering::Equal,
    }
}

/// Orders values as ArangoDB does: null < bool < number < string < array < object. A string
/// holding a number compares numerically with a number (the literal is converted as Fix would
/// convert it to the property's type).
pub(crate) fn compare_values(a: &Value, b: &Value) -> Ordering {
    if let (Value::Number(x), Value::String(s)) = (a, b)
        && let Ok(n) = s.trim().parse::<f64>()
    {
        return x.as_f64().partial_cmp(&n).unwrap_or(Ordering::Equal);
    }
    arango_cmp(a, b)
}

fn type_rank(v: &Value) -> u8 {
    match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// ArangoDB's order of values (type first, then value).
pub(crate) fn arango_cmp(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => {
            for (p, q) in x.iter().zip(y.iter()) {
                let o = arango_cmp(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            let mut xs: Vec<(&str, &Value)> = x.iter().collect();
            let mut ys: Vec<(&str, &Value)> = y.iter().collect();
            xs.sort_by(|p, q| p.0.cmp(q.0));
            ys.sort_by(|p, q| p.0.cmp(q.0));
            for ((kx, vx), (ky, vy)) in xs.iter().zip(ys.iter()) {
                let o = kx.cmp(ky).then_with(|| arango_cmp(vx, vy));
                if o != Ordering::Equal {
                    return o;
                }
            }
            xs.len().cmp(&ys.len())
        }
        _ => type_rank(a).cmp(&type_rank(b)),
    }
}
