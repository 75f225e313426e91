//! Reading values: the values at a path of a node (its own, an ancestor's, a related node's or
//! merged data), a node as Fix shows it, merged data, and the walks of path steps through
//! values.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use petgraph::Direction as GraphDirection;
use trailgraph_model::{AncestorKind, EdgeType, Inventory, Node, NodeId, Object, Value};

use super::evaluator::{Evaluator, Subject};
use super::searcher::Shared;
use crate::plan::{KindSet, PathPlan, Root, Step};

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
        ("reported", Value::Object(node.reported.object().clone())),
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

impl<'a> Evaluator<'a> {
    /// The one value at a path without `[*]`, without allocating: `Some(None)` when absent,
    /// `None` when the path needs the general [`Self::resolve`].
    pub(super) fn resolve_single<'s>(
        &self,
        path: &PathPlan,
        subject: Subject<'s>,
    ) -> Option<Option<&'s Value>>
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
    pub(super) fn resolve<'s>(
        &self,
        path: &PathPlan,
        subject: Subject<'s>,
        out: &mut Vec<Cow<'s, Value>>,
    ) where
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
                        Value::String(trailgraph_model::Text::from(&node.id))
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

/// Every value `steps` reach from `value`, in order (`[*]` reaches each element).
pub(crate) fn walk<'v>(value: &'v Value, steps: &[Step], out: &mut Vec<&'v Value>) {
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
pub(super) fn walk_single<'v>(value: &'v Value, steps: &[Step]) -> Option<&'v Value> {
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

pub(super) fn as_text(value: &Value) -> Cow<'_, str> {
    match value {
        Value::String(s) => Cow::Borrowed(s),
        Value::Null => Cow::Borrowed(""),
        other => Cow::Owned(other.to_string()),
    }
}
