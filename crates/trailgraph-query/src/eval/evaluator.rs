//! The evaluator: parts run left to right, their filter, merge, `with`, order and
//! navigation steps, over one inventory with a searcher's shared caches.

use std::borrow::Cow;
use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::ops::ControlFlow;

use trailgraph_model::{Inventory, Node, NodeId, Value};

use super::searcher::{PartStats, Shared};
use super::{Merged, Overlay, arango_cmp, insert_path, node_object};
use crate::plan::{Filter, MergePlan, PartPlan, PathPlan, SortPlan, Source, WithPlan};

/// What a filter looks at: a node (with merged data), and inside context terms one element.
#[derive(Clone, Copy)]
pub(super) struct Subject<'s> {
    pub(super) node: Option<(NodeId, &'s Node)>,
    pub(super) element: Option<&'s Value>,
    pub(super) overlay: Option<&'s Overlay>,
}

/// Runs plan nodes over one inventory with a searcher's shared caches: one per evaluation, and
/// one per thread of a parallel step. Its methods are split by concern over the files of this
/// module (filters, values, walks).
pub(super) struct Evaluator<'a> {
    pub(super) inventory: &'a Inventory,
    pub(super) shared: &'a Shared,
    /// Walks started, for the statistics of a `with` step.
    pub(super) walk_count: Cell<usize>,
}

impl<'a> Evaluator<'a> {
    pub(super) fn new(inventory: &'a Inventory, shared: &'a Shared) -> Self {
        Evaluator {
            inventory,
            shared,
            walk_count: Cell::new(0),
        }
    }

    pub(super) fn subject(&self, id: NodeId) -> Option<Subject<'a>> {
        self.inventory.node(id).map(|n| Subject {
            node: Some((id, n)),
            element: None,
            overlay: None,
        })
    }

    pub(super) fn node_matches(&self, id: NodeId, filter: &Filter) -> bool {
        self.subject(id)
            .is_some_and(|s| self.eval_filter(filter, s))
    }

    /// Runs parts left to right; `input` replaces the first part's candidates (merges).
    pub(super) fn eval_parts(
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
        let threads = trailgraph_model::cores()
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

    pub(super) fn eval_with(&self, with: &WithPlan, id: NodeId) -> bool {
        let stop_after = with.count.stop_after();
        let mut count = 0usize;
        // Only nodes of the filter's kinds can match.
        let _ = self.reach_kinds(id, &with.navigation, with.filter_kinds, &mut |reached| {
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
