//! Walking the graph: navigations between parts, and the breadth-first walks of navigations
//! and `with` clauses (with the searcher's memory of walks).

use std::ops::ControlFlow;
use std::sync::Arc;

use petgraph::Direction as GraphDirection;
use trailgraph_model::NodeId;

use super::NodeSet;
use super::evaluator::Evaluator;
use super::searcher::Walks;
use crate::plan::{KindSet, NavigationPlan};

impl Evaluator<'_> {
    /// Nodes reached from `starts`, distinct, in the order found.
    pub(super) fn eval_traverse(&self, nav: &NavigationPlan, starts: &[NodeId]) -> Vec<NodeId> {
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
    pub(super) fn reach_kinds(
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
        let kept = kinds.map(|k| k.0);
        let known = walks
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(nav.walk_key.as_str())
            .and_then(|by_kinds| by_kinds.get(&kept))
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
                    .entry(nav.walk_key.clone())
                    .or_default()
                    .entry(kept)
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
}
