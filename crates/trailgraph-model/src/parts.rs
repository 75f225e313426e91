//! Parts: an inventory cut into runs of whole accounts, so that a checker can read and check one
//! part at a time instead of holding the whole estate.
//!
//! The checks are per account, but accounts refer to each other: a member account's regions list
//! the organisation trail of the management account, and an alarm may notify a topic of another
//! account. So accounts are put in an order in which every account comes after the accounts it
//! refers to (accounts that refer to each other, directly or round a cycle, share a part), and
//! the nodes that a later part refers to are marked *kept*: a reader holds them (with their
//! whole account, their ancestors and everything they lead to) beside each later part.
//!
//! Nodes without an account (the cloud) come first and are always kept. Within that order the
//! inventory's own order is kept, so an inventory that is already in part order is not changed.

use crate::inventory::{AncestorKind, EdgeType, Inventory, NodeId};
use crate::kind::Kind;

/// About this many nodes go into a part (a part holds whole accounts, so it may be larger).
pub const PART_NODES: usize = 1 << 15;

/// Copies of kept nodes and edges (each is copied into every later part) a reader allows per
/// node and edge of the file: a file trailgraph writes keeps a few dozen nodes for each account
/// that others refer to, in parts of about [`PART_NODES`] nodes. A hostile file could keep every
/// node and cut the rest into parts of one node, so that the copies grow with the square of the
/// file; the reader refuses it instead.
pub const COPIES_PER_NODE: u64 = 16;

/// The copies a reader allows for a file of `nodes` nodes and `edges` edges.
pub fn copy_limit(nodes: u64, edges: u64) -> u64 {
    COPIES_PER_NODE
        .saturating_mul(nodes.saturating_add(edges))
        .saturating_add(1 << 20)
}

/// Where each node and edge of an inventory goes in part order.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The nodes in part order.
    pub order: Vec<NodeId>,
    /// Each part's end in `order` (exclusive), ascending.
    pub part_ends: Vec<usize>,
    /// The edges (positions in `Inventory::edges` order) of each part, in inventory order.
    pub part_edges: Vec<Vec<usize>>,
    /// Per position in `order`: whether a later part needs the node.
    pub kept: Vec<bool>,
    /// Per node: its position in `order`.
    pub position: Vec<u32>,
    /// How many kept nodes and edges a reader copies into later parts.
    pub copies: u64,
}

impl Plan {
    /// Whether the plan leaves the inventory as it is (nodes and edges in their order).
    pub fn is_identity(&self) -> bool {
        self.order.iter().enumerate().all(|(i, n)| n.index() == i)
            && self
                .part_edges
                .iter()
                .flatten()
                .enumerate()
                .all(|(i, &e)| e == i)
    }
}

/// The account a node belongs to: itself for an account, else its account ancestor.
fn account_of(inventory: &Inventory, n: NodeId) -> Option<NodeId> {
    let node = inventory.node(n)?;
    if node.kind == Kind::AwsAccount {
        Some(n)
    } else {
        node.ancestors.get(AncestorKind::Account)
    }
}

/// The nodes kept for later parts, being found.
struct Keeper<'a> {
    /// Node → position in part order.
    position: &'a [u32],
    /// Per position: kept.
    kept: Vec<bool>,
    /// Per node: what it leads to is kept (or being kept).
    followed: Vec<bool>,
    /// Kept nodes whose successors are still to be kept.
    forward: Vec<NodeId>,
    /// Kept nodes whose ancestors are still to be kept.
    upward: Vec<NodeId>,
}

impl Keeper<'_> {
    /// Keeps `n` (and its ancestors), and if `follow`, everything it leads to.
    fn keep(&mut self, n: NodeId, follow: bool) {
        let Some(&at) = self.position.get(n.index()) else {
            return;
        };
        if let Some(k) = self.kept.get_mut(at as usize)
            && !*k
        {
            *k = true;
            self.upward.push(n);
        }
        if follow
            && let Some(f) = self.followed.get_mut(n.index())
            && !*f
        {
            *f = true;
            self.forward.push(n);
        }
    }
}

/// Gives every node without a group (`none`) whose ancestors, or theirs, have one the group of
/// the nearest such ancestor (the first by cloud, account, region among the nearest). In an
/// inventory built from evidence only the cloud has no group, and it has no ancestors. Linear,
/// and it depends on the ancestors alone, not on the order of the nodes (so that an inventory
/// in part order plans to the same order again).
fn resolve_loose(inventory: &Inventory, group: &mut [u32], none: u32) {
    let mut children: hashbrown::HashMap<NodeId, Vec<NodeId>> = hashbrown::HashMap::new();
    for (n, node) in inventory.nodes() {
        if group[n.index()] == none {
            for a in ancestors_of(node.ancestors).filter(|&a| a != n) {
                children.entry(a).or_default().push(n);
            }
        }
    }
    if children.is_empty() {
        return;
    }
    // Level by level: the nodes whose nearest grouped ancestor is one step further each time.
    let mut level: Vec<NodeId> = children
        .keys()
        .copied()
        .filter(|a| group[a.index()] != none)
        .collect();
    while !level.is_empty() {
        let mut next: Vec<NodeId> = level
            .iter()
            .flat_map(|a| children.get(a).into_iter().flatten().copied())
            .filter(|c| group[c.index()] == none)
            .collect();
        next.sort_unstable();
        next.dedup();
        // All of a level is decided before any of it is set: only earlier levels count.
        let decided: Vec<(NodeId, u32)> = next
            .iter()
            .filter_map(|&c| {
                let node = inventory.node(c)?;
                let g = ancestors_of(node.ancestors)
                    .map(|a| group[a.index()])
                    .find(|&g| g != none)?;
                Some((c, g))
            })
            .collect();
        for &(c, g) in &decided {
            group[c.index()] = g;
        }
        level = decided.into_iter().map(|(c, _)| c).collect();
    }
}

/// The ancestors a node has.
fn ancestors_of(a: crate::inventory::Ancestors) -> impl Iterator<Item = NodeId> {
    [a.cloud, a.account, a.region].into_iter().flatten()
}

/// Plans parts of about `target` nodes for `inventory`; one part if the parts would copy more
/// kept nodes than half of what a reader allows (see [`COPIES_PER_NODE`]: never for an
/// inventory built from evidence, whose parts keep only the nodes other accounts refer to).
pub(crate) fn plan(inventory: &Inventory, target: usize) -> Plan {
    let planned = plan_parts(inventory, target);
    let limit = copy_limit(inventory.node_count() as u64, inventory.edge_count() as u64) / 2;
    if planned.part_ends.len() > 1 && planned.copies > limit {
        return plan_parts(inventory, usize::MAX);
    }
    planned
}

/// Plans parts of about `target` nodes, whatever they copy.
fn plan_parts(inventory: &Inventory, target: usize) -> Plan {
    let count = inventory.node_count();
    // Groups: one per account, numbered in order of first appearance.
    const NONE: u32 = u32::MAX;
    let mut group_of_account: hashbrown::HashMap<NodeId, u32> = hashbrown::HashMap::new();
    let mut group: Vec<u32> = Vec::with_capacity(count);
    for n in inventory.node_ids() {
        group.push(match account_of(inventory, n) {
            Some(a) => {
                let next = group_of_account.len() as u32;
                *group_of_account.entry(a).or_insert(next)
            }
            None => NONE,
        });
    }
    let groups = group_of_account.len();
    drop(group_of_account);
    // A node without an account whose ancestors have one (not so in an inventory built from
    // evidence, where only the cloud has none) goes with its first such ancestor, so that its
    // ancestors are never in a later part.
    resolve_loose(inventory, &mut group, NONE);
    let mut members: Vec<Vec<NodeId>> = vec![Vec::new(); groups];
    let mut loose: Vec<NodeId> = Vec::new();
    for (n, &g) in inventory.node_ids().zip(&group) {
        match members.get_mut(g as usize) {
            Some(list) => list.push(n),
            None => loose.push(n),
        }
    }
    // A group refers to another when one of its nodes has an edge to a node of the other, or
    // has an ancestor there (a node's ancestors are in its own account or without one in an
    // inventory built from evidence; any inventory can be written in parts all the same).
    let mut refers: petgraph::graph::DiGraph<(), (), u32> =
        petgraph::graph::DiGraph::with_capacity(members.len(), 0);
    for _ in 0..members.len() {
        refers.add_node(());
    }
    let mut seen: hashbrown::HashSet<(u32, u32)> = hashbrown::HashSet::new();
    let mut refer = |from: NodeId, to: NodeId| {
        let (a, b) = (group[from.index()], group[to.index()]);
        if a != b && a != NONE && b != NONE && seen.insert((a, b)) {
            refers.add_edge(NodeId::new(a as usize), NodeId::new(b as usize), ());
        }
    };
    for (from, to, _) in inventory.edges() {
        refer(from, to);
    }
    for (n, node) in inventory.nodes() {
        for a in ancestors_of(node.ancestors) {
            refer(n, a);
        }
    }
    drop(seen);
    // Tarjan's algorithm gives the strongly connected groups with every group after those it
    // refers to; the groups that refer to nothing come in their own order.
    let components = petgraph::algo::tarjan_scc(&refers);
    drop(refers);

    let mut order: Vec<NodeId> = Vec::with_capacity(count);
    let mut part_of_node: Vec<u32> = vec![0; count];
    let mut part_ends = Vec::new();
    order.extend_from_slice(&loose);
    let mut part: u32 = 0;
    let mut in_part = loose.len();
    for mut component in components {
        component.sort_unstable();
        if in_part >= target.max(1) {
            part_ends.push(order.len());
            part += 1;
            in_part = 0;
        }
        for g in component {
            if let Some(list) = members.get_mut(g.index()) {
                for &n in list.iter() {
                    if let Some(p) = part_of_node.get_mut(n.index()) {
                        *p = part;
                    }
                }
                in_part += list.len();
                order.append(list);
            }
        }
    }
    part_ends.push(order.len());
    drop(members);

    let mut position: Vec<u32> = vec![0; count];
    for (i, n) in order.iter().enumerate() {
        if let Some(p) = position.get_mut(n.index()) {
            *p = i as u32;
        }
    }
    let parts = part_ends.len();
    let mut part_edges: Vec<Vec<usize>> = vec![Vec::new(); parts];
    // Kept: the nodes of earlier parts that an edge of a later part ends at, with their whole
    // account and everything those lead to, and the ancestors of all of them and of every node
    // (their own ancestors too, but not what an ancestor leads to).
    let mut keeper = Keeper {
        position: &position,
        kept: vec![false; count],
        followed: vec![false; count],
        forward: Vec::new(),
        upward: Vec::new(),
    };
    // The nodes without an account are kept, but not what they lead to (the cloud leads to
    // every account).
    for &n in &loose {
        keeper.keep(n, false);
    }
    for (e, (from, to, _)) in inventory.edges().enumerate() {
        let (pf, pt) = (part_of_node[from.index()], part_of_node[to.index()]);
        let p = pf.max(pt);
        if let Some(list) = part_edges.get_mut(p as usize) {
            list.push(e);
        }
        if pt < p {
            // The whole account of a node that a later part refers to: a check that reaches
            // that node may look around it (a fix that reuses a complete chain walks from an
            // organisation trail to its region and on to the region's other log groups).
            keeper.keep(to, true);
            if let Some(a) = account_of(inventory, to) {
                keeper.keep(a, true);
            }
        }
        if pf < p {
            // Only a node without an account refers to a later part's node.
            keeper.keep(from, false);
        }
    }
    for (n, node) in inventory.nodes() {
        let p = part_of_node[n.index()];
        for a in ancestors_of(node.ancestors) {
            if part_of_node[a.index()] < p {
                keeper.keep(a, false);
            }
        }
    }
    loop {
        if let Some(n) = keeper.forward.pop() {
            let next = inventory
                .neighbors(n, petgraph::Direction::Outgoing, EdgeType::Default)
                .chain(inventory.neighbors(n, petgraph::Direction::Outgoing, EdgeType::Delete))
                .chain(inventory.neighbors(n, petgraph::Direction::Outgoing, EdgeType::Iam))
                .collect::<Vec<_>>();
            for m in next {
                keeper.keep(m, true);
            }
        } else if let Some(n) = keeper.upward.pop() {
            let ancestors = inventory.node(n).map(|node| node.ancestors);
            for a in ancestors.into_iter().flat_map(ancestors_of) {
                keeper.keep(a, false);
            }
        } else {
            break;
        }
    }
    let kept = keeper.kept;
    // What each part adds to what a reader holds for later parts: its kept nodes, and its
    // edges between kept nodes. A part gets copies of everything held before it.
    let is_kept = |n: NodeId| kept.get(position[n.index()] as usize) == Some(&true);
    let mut held_from = vec![0u64; parts];
    for n in inventory.node_ids().filter(|&n| is_kept(n)) {
        if let Some(h) = held_from.get_mut(part_of_node[n.index()] as usize) {
            *h += 1;
        }
    }
    for (from, to, _) in inventory.edges() {
        let p = part_of_node[from.index()].max(part_of_node[to.index()]);
        if is_kept(from)
            && is_kept(to)
            && let Some(h) = held_from.get_mut(p as usize)
        {
            *h += 1;
        }
    }
    let (mut held, mut copies) = (0u64, 0u64);
    for h in held_from {
        copies = copies.saturating_add(held);
        held += h;
    }
    Plan {
        order,
        part_ends,
        part_edges,
        kept,
        position,
        copies,
    }
}

impl Inventory {
    /// This inventory with its nodes and edges in part order (see [`crate::parts`]): the order a
    /// binary snapshot is written in, so that a snapshot read back has the same order.
    pub fn into_part_order(self) -> Inventory {
        self.into_part_order_of(PART_NODES)
    }

    /// [`Inventory::into_part_order`] for parts of about `part_nodes` nodes (the order of the
    /// nodes does not depend on it; the order of the edges does, each part's after the last's).
    pub fn into_part_order_of(self, part_nodes: usize) -> Inventory {
        let plan = plan(&self, part_nodes);
        if plan.is_identity() {
            return self;
        }
        let edges: Vec<(NodeId, NodeId, EdgeType)> = self.edges().collect();
        let (mut nodes, meta) = self.into_nodes();
        let position: Vec<usize> = plan.position.iter().map(|&p| p as usize).collect();
        let mut out = Inventory::new(meta);
        out.reserve(nodes.len(), edges.len());
        let mut ancestors = Vec::with_capacity(nodes.len());
        for n in &plan.order {
            let Some(node) = nodes.get_mut(n.index()).and_then(Option::take) else {
                continue;
            };
            ancestors.push(node.ancestors);
            // Ids were unique in the inventory they come from.
            let _ = out.add_node(node);
        }
        let map =
            |n: Option<NodeId>| n.and_then(|n| position.get(n.index()).map(|&p| NodeId::new(p)));
        for (i, a) in ancestors.into_iter().enumerate() {
            out.set_ancestors(
                NodeId::new(i),
                crate::inventory::Ancestors {
                    cloud: map(a.cloud),
                    account: map(a.account),
                    region: map(a.region),
                },
            );
        }
        for &e in plan.part_edges.iter().flatten() {
            if let Some(&(from, to, edge_type)) = edges.get(e) {
                out.add_edge_unchecked(
                    NodeId::new(position[from.index()]),
                    NodeId::new(position[to.index()]),
                    edge_type,
                );
            }
        }
        out
    }
}
