//! The evaluator as the [`Tracer`](crate::trace::Tracer) of a traced evaluation.

use std::ops::ControlFlow;
use std::sync::Arc;

use trailgraph_model::{Inventory, NodeId, Value};

use super::evaluator::Evaluator;
use crate::plan::{Filter, PathPlan, WithPlan};

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
        let mut out: Vec<(&str, &str, NodeId)> = Vec::new();
        let _ = self.reach_kinds(node, &with.navigation, with.filter_kinds, &mut |n| {
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
