//! The inventory graph: nodes with properties, typed directed edges, and indexes.

use std::fmt;
use std::hash::BuildHasher;
use std::str::FromStr;

use petgraph::Direction;
use petgraph::graph::{DiGraph, EdgeReference, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::{Deserialize, Serialize};

use crate::kind::Kind;
use crate::meta::SnapshotMeta;
use crate::reported::Reported;
use crate::value::{Object, Value};

/// Index of a node in an [`Inventory`].
pub type NodeId = NodeIndex<u32>;

/// The type of an edge. Queries name it in traversals (`-default->`, `-delete->`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EdgeType {
    /// Containment and data flow: account → region → resource, trail → log group → metric filter
    /// → alarm → topic → subscription.
    Default,
    /// "Deleting the source affects the target"; part of the Fix model, not produced yet.
    Delete,
    /// Access relations; part of the Fix model, not produced yet.
    Iam,
}

impl EdgeType {
    /// Every edge type.
    pub const ALL: [EdgeType; 3] = [EdgeType::Default, EdgeType::Delete, EdgeType::Iam];

    /// The name as queries write it.
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeType::Default => "default",
            EdgeType::Delete => "delete",
            EdgeType::Iam => "iam",
        }
    }
}

impl fmt::Display for EdgeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EdgeType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EdgeType::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| format!("unknown edge type `{s}` (known: default, delete, iam)"))
    }
}

/// Which resolved ancestor of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AncestorKind {
    /// The cloud (`aws`).
    Cloud,
    /// The account that owns the node.
    Account,
    /// The region the node lives in.
    Region,
}

impl AncestorKind {
    /// The name used in paths such as `/ancestors.account.reported.name`.
    pub fn as_str(self) -> &'static str {
        match self {
            AncestorKind::Cloud => "cloud",
            AncestorKind::Account => "account",
            AncestorKind::Region => "region",
        }
    }

    /// The kind of the nodes that are this ancestor of others (`aws_account` for accounts).
    pub fn kind(self) -> Kind {
        match self {
            AncestorKind::Cloud => Kind::Cloud,
            AncestorKind::Account => Kind::AwsAccount,
            AncestorKind::Region => Kind::AwsRegion,
        }
    }

    /// Parses `cloud`, `account` or `region`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "cloud" => Some(AncestorKind::Cloud),
            "account" => Some(AncestorKind::Account),
            "region" => Some(AncestorKind::Region),
            _ => None,
        }
    }
}

/// One node of the inventory.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Unique node id within the inventory (`id(...)` in queries). ARN where the resource has one.
    pub id: std::sync::Arc<str>,
    /// The node's kind.
    pub kind: Kind,
    /// The `reported` section: properties as collected (always an object with `kind`, `id`,
    /// `name`); read from a binary snapshot, decoded when first used.
    pub reported: Reported,
    /// Resolved ancestors (set by [`Inventory::resolve_ancestors`]).
    pub ancestors: Ancestors,
}

/// A node's resolved ancestors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ancestors {
    /// The cloud node.
    pub cloud: Option<NodeId>,
    /// The account node (an account is its own account).
    pub account: Option<NodeId>,
    /// The region node (a region is its own region).
    pub region: Option<NodeId>,
}

impl Ancestors {
    /// The ancestor of the given kind.
    pub fn get(&self, which: AncestorKind) -> Option<NodeId> {
        match which {
            AncestorKind::Cloud => self.cloud,
            AncestorKind::Account => self.account,
            AncestorKind::Region => self.region,
        }
    }
}

impl Node {
    /// A node with `reported` holding `kind`, `id` and `name` followed by `properties`.
    /// Null properties are left out: an absent property reads as null.
    pub fn new(id: &str, kind: Kind, name: &str, reported_id: &str, properties: Object) -> Node {
        let mut pairs: Vec<(String, Value)> = vec![
            ("kind".into(), Value::from(kind.as_str())),
            ("id".into(), Value::from(reported_id)),
            ("name".into(), Value::from(name)),
        ];
        for (k, v) in properties.iter() {
            if !matches!(k, "kind" | "id" | "name") && !v.is_null() {
                pairs.push((k.to_owned(), v.clone()));
            }
        }
        Node {
            id: id.into(),
            kind,
            reported: Reported::new(Object::from_pairs(pairs)),
            ancestors: Ancestors::default(),
        }
    }

    /// The reported `name`, or the node id if there is none.
    pub fn name(&self) -> &str {
        self.reported
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(&self.id)
    }

    /// A reported property by a dotted path (`trail_status.is_logging`).
    pub fn property(&self, dotted: &str) -> Option<&Value> {
        let mut parts = dotted.split('.');
        let first = self.reported.get(parts.next()?)?;
        parts.try_fold(first, |v, k| v.get(k))
    }

    /// A reported string property.
    pub fn str_property(&self, dotted: &str) -> Option<&str> {
        self.property(dotted).and_then(Value::as_str)
    }
}

/// Errors while building an inventory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Two nodes were given the same id.
    #[error("duplicate node id `{0}`")]
    DuplicateId(String),
    /// An id index built apart does not fit the inventory (a reader's own mistake).
    #[error("an id index of {indexed} nodes does not fit an inventory of {nodes}")]
    IndexMismatch {
        /// The nodes the index holds.
        indexed: usize,
        /// The nodes the inventory holds.
        nodes: usize,
    },
}

/// An id index built apart from its inventory, on another thread while a reader adds the nodes
/// with [`Inventory::add_node_unindexed`]: from the hashes of their ids, in node order, without
/// the ids themselves. Nodes whose hash an earlier node has are noted, so that
/// [`Inventory::set_id_index`] can refuse the same id twice.
#[derive(Debug, Default)]
pub(crate) struct IdIndex {
    table: hashbrown::HashTable<NodeId>,
    hashes: Vec<u64>,
    /// Hashes more than one node has (the same id twice, or two ids that hash alike).
    shared: Vec<u64>,
}

/// How an [`IdIndex`] finds a stored node's hash: from its own list, in node order.
fn hash_in(hashes: &[u64]) -> impl Fn(&NodeId) -> u64 + '_ {
    move |n| hashes.get(n.index()).copied().unwrap_or_default()
}

impl IdIndex {
    /// Reserves room for `nodes` more nodes.
    pub(crate) fn reserve(&mut self, nodes: usize) {
        self.table.reserve(nodes, hash_in(&self.hashes));
        self.hashes.reserve(nodes);
    }

    /// Adds the next node, whose id hashes to `hash`.
    pub(crate) fn push(&mut self, hash: u64) {
        let index = NodeId::new(self.hashes.len());
        let of = hash_in(&self.hashes);
        if self.table.find(hash, |n| of(n) == hash).is_some() {
            self.shared.push(hash);
        }
        self.table.insert_unique(hash, index, of);
        self.hashes.push(hash);
    }
}

/// How the id index finds a stored node's hash when it grows: from the node's own id.
fn rehash<'a>(
    graph: &'a DiGraph<Node, EdgeType, u32>,
    hasher: &'a hashbrown::DefaultHashBuilder,
) -> impl Fn(&NodeId) -> u64 + 'a {
    move |&n| graph.node_weight(n).map_or(0, |w| hasher.hash_one(&*w.id))
}

/// The inventory: a directed graph of [`Node`]s with typed edges, indexed by id and by kind.
///
/// The id index holds node numbers only and finds a node by hashing its id and comparing with
/// the node's own id, so no id is stored twice.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    graph: DiGraph<Node, EdgeType, u32>,
    by_id: hashbrown::HashTable<NodeId>,
    /// Seeded per process, so ids chosen by the audited party cannot be made to collide.
    id_hasher: hashbrown::DefaultHashBuilder,
    by_kind: [Vec<NodeId>; Kind::ALL.len()],
    /// Where the data came from, when, and what could not be collected.
    pub meta: SnapshotMeta,
}

impl Inventory {
    /// An empty inventory with the given metadata.
    pub fn new(meta: SnapshotMeta) -> Self {
        Inventory {
            meta,
            ..Inventory::default()
        }
    }

    /// Reserves room for `nodes` nodes and `edges` edges.
    pub fn reserve(&mut self, nodes: usize, edges: usize) {
        self.graph.reserve_nodes(nodes);
        self.graph.reserve_edges(edges);
        self.by_id
            .reserve(nodes, rehash(&self.graph, &self.id_hasher));
    }

    /// Adds a node; its id must be new.
    pub fn add_node(&mut self, node: Node) -> Result<NodeId, ModelError> {
        let hash = self.id_hasher.hash_one(&*node.id);
        self.add_node_hashed(node, hash)
    }

    /// The hasher of the id index, for readers that hash ids on other threads.
    pub(crate) fn id_hasher(&self) -> hashbrown::DefaultHashBuilder {
        self.id_hasher.clone()
    }

    /// Adds a node without entering its id in the id index: a reader that builds the index
    /// apart ([`IdIndex`]) installs it with [`Inventory::set_id_index`] once every node is in.
    pub(crate) fn add_node_unindexed(&mut self, node: Node) -> NodeId {
        let kind = node.kind;
        let index = self.graph.add_node(node);
        self.by_kind[kind.index()].push(index);
        index
    }

    /// Reserves room for `nodes` nodes and `edges` edges, not in the id index.
    pub(crate) fn reserve_unindexed(&mut self, nodes: usize, edges: usize) {
        self.graph.reserve_nodes(nodes);
        self.graph.reserve_edges(edges);
    }

    /// Installs `index`, built from the hashes of this inventory's node ids in node order (by
    /// [`Inventory::id_hasher`]), as the id index of an inventory whose nodes were added with
    /// [`Inventory::add_node_unindexed`] and which has no other index yet. The same id twice is
    /// refused, as [`Inventory::add_node`] refuses it: the error names the id of the first node
    /// (in node order) whose id an earlier node has.
    pub(crate) fn set_id_index(&mut self, index: IdIndex) -> Result<(), ModelError> {
        if index.hashes.len() != self.node_count() || !self.by_id.is_empty() {
            return Err(ModelError::IndexMismatch {
                indexed: index.hashes.len(),
                nodes: self.node_count(),
            });
        }
        if !index.shared.is_empty() {
            // Only nodes whose hash another node has can share an id: group them by hash and
            // compare their ids.
            let shared: std::collections::HashSet<u64> = index.shared.iter().copied().collect();
            let mut groups: std::collections::HashMap<u64, Vec<NodeId>> =
                std::collections::HashMap::new();
            for (i, hash) in index.hashes.iter().enumerate() {
                if shared.contains(hash) {
                    groups.entry(*hash).or_default().push(NodeId::new(i));
                }
            }
            let mut first: Option<NodeId> = None;
            for group in groups.values() {
                let mut seen = std::collections::HashSet::new();
                for &n in group {
                    let Some(node) = self.graph.node_weight(n) else {
                        continue;
                    };
                    if !seen.insert(&*node.id) {
                        first = Some(first.map_or(n, |f| f.min(n)));
                        break;
                    }
                }
            }
            if let Some(n) = first {
                let id = self.graph.node_weight(n).map(|w| w.id.to_string());
                return Err(ModelError::DuplicateId(id.unwrap_or_default()));
            }
        }
        self.by_id = index.table;
        Ok(())
    }

    /// [`Inventory::add_node`] with the id's hash computed already by [`Inventory::id_hasher`].
    pub(crate) fn add_node_hashed(&mut self, node: Node, hash: u64) -> Result<NodeId, ModelError> {
        if self.find_hashed(&node.id, hash).is_some() {
            return Err(ModelError::DuplicateId(node.id.to_string()));
        }
        let kind = node.kind;
        let index = self.graph.add_node(node);
        self.by_id
            .insert_unique(hash, index, rehash(&self.graph, &self.id_hasher));
        self.by_kind[kind.index()].push(index);
        Ok(index)
    }

    /// Adds an edge unless the same edge (ends and type) exists already.
    ///
    /// The look-up walks the outgoing edges of `from` and the incoming edges of `to` side by
    /// side and stops when either list ends, so it costs the smaller of the two degrees: adding
    /// 80,000 resources under one region node stays linear (each new node has no edges yet).
    /// Builders of large graphs that know their edges keep their own set
    /// (see [`crate::build_inventory`]).
    pub fn add_edge(&mut self, from: NodeId, to: NodeId, edge_type: EdgeType) {
        let mut outgoing = self
            .graph
            .edges_directed(from, Direction::Outgoing)
            .map(|e| (e.target(), *e.weight()));
        let mut incoming = self
            .graph
            .edges_directed(to, Direction::Incoming)
            .map(|e| (e.source(), *e.weight()));
        let exists = loop {
            match (outgoing.next(), incoming.next()) {
                (None, _) | (_, None) => break false,
                (Some(o), Some(i)) => {
                    if o == (to, edge_type) || i == (from, edge_type) {
                        break true;
                    }
                }
            }
        };
        if !exists {
            self.graph.add_edge(from, to, edge_type);
        }
    }

    /// Adds an edge without looking for an existing twin (for readers of data that is known to
    /// hold each edge once, and builders that keep their own set of edges).
    pub(crate) fn add_edge_unchecked(&mut self, from: NodeId, to: NodeId, edge_type: EdgeType) {
        self.graph.add_edge(from, to, edge_type);
    }

    /// Moves every node and edge of `other` into this inventory. A node whose id is here already
    /// (the shared `cloud` node of two estates) is the same node: its edges join the existing
    /// one and its properties are not taken. Ancestors are carried over; the metadata is merged:
    /// accounts and regions as sorted sets, services in order without repeats, errors and notes
    /// appended.
    pub fn append(&mut self, other: Inventory) -> Result<(), ModelError> {
        let Inventory {
            graph,
            meta: theirs,
            ..
        } = other;
        let (nodes, edges) = graph.into_nodes_edges();
        let mut map: Vec<NodeId> = Vec::with_capacity(nodes.len());
        let mut ancestors = Vec::with_capacity(nodes.len());
        for node in nodes {
            let node = node.weight;
            if let Some(existing) = self.find(&node.id) {
                let same_kind = self.node(existing).is_some_and(|n| n.kind == node.kind);
                if !same_kind {
                    return Err(ModelError::DuplicateId(node.id.to_string()));
                }
                map.push(existing);
                ancestors.push(None);
            } else {
                ancestors.push(Some(node.ancestors));
                map.push(self.add_node(node)?);
            }
        }
        let remap = |n: Option<NodeId>| n.and_then(|n| map.get(n.index()).copied());
        for (i, a) in ancestors.into_iter().enumerate() {
            if let (Some(a), Some(&index)) = (a, map.get(i)) {
                let resolved = Ancestors {
                    cloud: remap(a.cloud),
                    account: remap(a.account),
                    region: remap(a.region),
                };
                self.set_ancestors(index, resolved);
            }
        }
        for edge in edges {
            if let (Some(&from), Some(&to)) = (
                map.get(edge.source().index()),
                map.get(edge.target().index()),
            ) {
                self.add_edge(from, to, edge.weight);
            }
        }
        let merge = |ours: &mut Vec<String>, theirs: Vec<String>| {
            let mut all: std::collections::BTreeSet<String> =
                std::mem::take(ours).into_iter().collect();
            all.extend(theirs);
            *ours = all.into_iter().collect();
        };
        merge(&mut self.meta.accounts, theirs.accounts);
        merge(&mut self.meta.regions, theirs.regions);
        for service in theirs.services {
            if !self.meta.services.contains(&service) {
                self.meta.services.push(service);
            }
        }
        self.meta.errors.extend(theirs.errors);
        self.meta.notes.extend(theirs.notes);
        Ok(())
    }

    /// The nodes in order (each `Some`, for taking) and the metadata; the edges are dropped.
    pub(crate) fn into_nodes(self) -> (Vec<Option<Node>>, SnapshotMeta) {
        let (nodes, _) = self.graph.into_nodes_edges();
        (
            nodes.into_iter().map(|n| Some(n.weight)).collect(),
            self.meta,
        )
    }

    /// The node at `index`, if it exists.
    pub fn node(&self, index: NodeId) -> Option<&Node> {
        self.graph.node_weight(index)
    }

    /// The mutable node at `index`. Crate-private: the id index relies on ids never changing.
    pub(crate) fn node_mut(&mut self, index: NodeId) -> Option<&mut Node> {
        self.graph.node_weight_mut(index)
    }

    /// The node with this id.
    pub fn find(&self, id: &str) -> Option<NodeId> {
        self.find_hashed(id, self.id_hasher.hash_one(id))
    }

    /// [`Inventory::find`] with the id's hash computed already.
    fn find_hashed(&self, id: &str, hash: u64) -> Option<NodeId> {
        self.by_id
            .find(hash, |&n| {
                self.graph.node_weight(n).is_some_and(|w| &*w.id == id)
            })
            .copied()
    }

    /// All node indexes in insertion order.
    pub fn node_ids(&self) -> impl ExactSizeIterator<Item = NodeId> + '_ {
        self.graph.node_indices()
    }

    /// All nodes with their indexes.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeId, &Node)> + '_ {
        self.graph
            .node_indices()
            .filter_map(|i| self.graph.node_weight(i).map(|n| (i, n)))
    }

    /// The nodes of exactly this kind (an index lookup, no scan).
    pub fn nodes_of_kind(&self, kind: Kind) -> &[NodeId] {
        &self.by_kind[kind.index()]
    }

    /// The number of nodes of exactly this kind.
    pub fn count_of_kind(&self, kind: Kind) -> usize {
        self.by_kind[kind.index()].len()
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Neighbours along edges of `edge_type` in `direction` (`Outgoing` follows `-->`).
    pub fn neighbors(
        &self,
        index: NodeId,
        direction: Direction,
        edge_type: EdgeType,
    ) -> impl Iterator<Item = NodeId> + '_ {
        self.graph
            .edges_directed(index, direction)
            .filter(move |e| *e.weight() == edge_type)
            .map(move |e| match direction {
                Direction::Outgoing => e.target(),
                Direction::Incoming => e.source(),
            })
    }

    /// Successors along `default` edges.
    pub fn successors(&self, index: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.neighbors(index, Direction::Outgoing, EdgeType::Default)
    }

    /// Predecessors along `default` edges.
    pub fn predecessors(&self, index: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.neighbors(index, Direction::Incoming, EdgeType::Default)
    }

    /// Every edge as (from, to, type).
    pub fn edges(&self) -> impl Iterator<Item = (NodeId, NodeId, EdgeType)> + '_ {
        self.graph
            .edge_references()
            .map(|e: EdgeReference<'_, EdgeType>| (e.source(), e.target(), *e.weight()))
    }

    /// The resolved ancestor node of `index`.
    pub fn ancestor(&self, index: NodeId, which: AncestorKind) -> Option<&Node> {
        let node = self.node(index)?;
        node.ancestors.get(which).and_then(|a| self.node(a))
    }

    /// Sets a node's resolved ancestors. The builder of an inventory knows each resource's
    /// account and region exactly (from its ARN or from where it was collected), so ancestors are
    /// set from that, never guessed from edges: a multi-region trail is reachable from many
    /// regions but belongs to one.
    pub fn set_ancestors(&mut self, index: NodeId, ancestors: Ancestors) {
        if let Some(node) = self.graph.node_weight_mut(index) {
            node.ancestors = ancestors;
        }
    }

    /// Approximate bytes held by the nodes (structs, ids and properties), for the benchmark.
    pub fn approximate_node_bytes(&self) -> usize {
        self.nodes()
            .map(|(_, n)| std::mem::size_of::<Node>() + n.id.len() + n.reported.heap_bytes())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, kind: Kind) -> Node {
        Node::new(id, kind, id, id, Object::new())
    }

    /// An id index built apart finds every node, keeps two ids that hash alike apart, and
    /// refuses the same id twice.
    #[test]
    fn an_index_built_apart_finds_nodes_and_refuses_the_same_id_twice() {
        let build = |ids: &[&str], hash: &dyn Fn(&Inventory, &str) -> u64| {
            let mut inv = Inventory::default();
            let mut index = IdIndex::default();
            index.reserve(1);
            for id in ids {
                index.push(hash(&inv, id));
                inv.add_node_unindexed(node(id, Kind::AwsCloudTrail));
            }
            (inv, index)
        };
        let real = |inv: &Inventory, id: &str| inv.id_hasher().hash_one(id);
        let (mut inv, index) = build(&["a", "b", "c"], &real);
        assert!(inv.set_id_index(index).is_ok());
        for (i, id) in ["a", "b", "c"].iter().enumerate() {
            assert_eq!(inv.find(id), Some(NodeId::new(i)));
        }
        assert_eq!(inv.find("d"), None);
        // Every id hashed alike (as a forged collision would be): all are still found.
        let same = |_: &Inventory, _: &str| 7u64;
        let (mut inv, index) = build(&["a", "b", "c"], &same);
        assert!(inv.set_id_index(index).is_ok());
        assert_eq!(inv.by_id.len(), 3);
        // The same id twice, among others that hash alike: the second one is named.
        let (mut inv, index) = build(&["a", "b", "c", "b", "a"], &same);
        assert_eq!(
            inv.set_id_index(index),
            Err(ModelError::DuplicateId("b".to_owned()))
        );
        let (mut inv, index) = build(&["x", "y", "x"], &real);
        assert_eq!(
            inv.set_id_index(index),
            Err(ModelError::DuplicateId("x".to_owned()))
        );
        // An index of other nodes does not fit.
        let (_, index) = build(&["a"], &real);
        let (mut inv, _) = build(&["a", "b"], &real);
        assert!(matches!(
            inv.set_id_index(index),
            Err(ModelError::IndexMismatch { .. })
        ));
    }

    #[test]
    fn indexes_by_id_and_kind() {
        let mut inv = Inventory::default();
        let a = inv.add_node(node("a", Kind::AwsAccount)).unwrap();
        let t = inv.add_node(node("t", Kind::AwsCloudTrail)).unwrap();
        assert_eq!(inv.find("t"), Some(t));
        assert_eq!(inv.nodes_of_kind(Kind::AwsAccount), &[a]);
        assert!(matches!(
            inv.add_node(node("a", Kind::AwsRegion)),
            Err(ModelError::DuplicateId(_))
        ));
        inv.add_edge(a, t, EdgeType::Default);
        inv.add_edge(a, t, EdgeType::Default);
        assert_eq!(inv.edge_count(), 1);
        assert_eq!(inv.successors(a).collect::<Vec<_>>(), vec![t]);
        assert_eq!(inv.predecessors(t).collect::<Vec<_>>(), vec![a]);
    }

    #[test]
    fn ancestors_resolve_to_nodes() {
        let mut inv = Inventory::default();
        let a = inv.add_node(node("a1", Kind::AwsAccount)).unwrap();
        let t = inv.add_node(node("t", Kind::AwsCloudTrail)).unwrap();
        inv.set_ancestors(
            t,
            Ancestors {
                account: Some(a),
                ..Ancestors::default()
            },
        );
        assert_eq!(
            inv.ancestor(t, AncestorKind::Account).map(|n| &*n.id),
            Some("a1")
        );
        assert!(inv.ancestor(t, AncestorKind::Region).is_none());
    }
}
