//! `format --dot`, `--mermaid` and `--graphml`: the nodes of a result and the edges of the
//! inventory between them, as Graphviz DOT, a Mermaid `flowchart LR` or GraphML (as Fix writes
//! it: `<node id>` with the kind and name as data, `<edge>` with its type).
//!
//! Names and ids come from the inventory (written by the audited party), so every label is
//! escaped for its format: DOT string escapes, Mermaid entity codes, XML entities.

use std::collections::HashMap;
use std::fmt::Write as _;

use trailgraph_model::{EdgeType, Inventory, NodeId};

use crate::output::Item;

/// Which picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Graphviz DOT.
    Dot,
    /// Mermaid `flowchart LR`.
    Mermaid,
    /// GraphML.
    GraphMl,
}

/// The nodes among `items` (each once, in order) and the edges between them.
fn subgraph(inventory: &Inventory, items: &[Item]) -> (Vec<NodeId>, Vec<(usize, usize, EdgeType)>) {
    let mut index: HashMap<NodeId, usize> = HashMap::new();
    let mut nodes = Vec::new();
    for item in items {
        if let Item::Node(id) = item
            && !index.contains_key(id)
        {
            index.insert(*id, nodes.len());
            nodes.push(*id);
        }
    }
    let mut edges = Vec::new();
    for (i, id) in nodes.iter().enumerate() {
        for edge_type in EdgeType::ALL {
            for to in inventory.neighbors(*id, petgraph::Direction::Outgoing, edge_type) {
                if let Some(&j) = index.get(&to) {
                    edges.push((i, j, edge_type));
                }
            }
        }
    }
    (nodes, edges)
}

fn dot_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text for a quoted Mermaid label: quotes, markup, `#`, `|` and backticks as Mermaid's entity
/// codes, control characters as spaces, so that no name can end its label.
pub fn escape_mermaid(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for XML and HTML content and attribute values; drops the control characters
/// XML 1.0 forbids (all but tab, line feed and carriage return).
pub fn escape_xml(s: &str) -> std::borrow::Cow<'_, str> {
    let plain = |c: char| {
        let markup = matches!(c, '&' | '<' | '>' | '"' | '\'');
        let forbidden = c < ' ' && !matches!(c, '\n' | '\t' | '\r');
        !markup && !forbidden
    };
    if s.chars().all(plain) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if !plain(c) => {}
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The most edges Mermaid draws unless its host raises `maxEdges` (GitHub and GitLab do not).
pub const MERMAID_MAX_EDGES: usize = 500;

/// The picture of the nodes among `items`, as one text item.
pub(crate) fn render(inventory: &Inventory, items: &[Item], format: GraphFormat) -> String {
    let (nodes, edges) = subgraph(inventory, items);
    let label = |id: NodeId| -> (String, String, String) {
        inventory.node(id).map_or_else(
            || (String::new(), String::new(), String::new()),
            |n| {
                (
                    n.id.to_string(),
                    n.kind.as_str().to_owned(),
                    n.name().to_owned(),
                )
            },
        )
    };
    let mut out = String::new();
    match format {
        GraphFormat::Dot => {
            out.push_str("digraph trailgraph {\n  rankdir=LR;\n  node [shape=box];\n");
            for (i, id) in nodes.iter().enumerate() {
                let (node_id, kind, name) = label(*id);
                let _ = writeln!(
                    out,
                    "  n{i} [label=\"{}\\n{}\", tooltip=\"{}\"];",
                    dot_text(&kind),
                    dot_text(&name),
                    dot_text(&node_id)
                );
            }
            for (from, to, edge_type) in &edges {
                match edge_type {
                    EdgeType::Default => {
                        let _ = writeln!(out, "  n{from} -> n{to};");
                    }
                    other => {
                        let _ = writeln!(
                            out,
                            "  n{from} -> n{to} [style=dashed, label=\"{}\"];",
                            other.as_str()
                        );
                    }
                }
            }
            out.push('}');
        }
        GraphFormat::Mermaid => {
            out.push_str("flowchart LR\n");
            if edges.len() > MERMAID_MAX_EDGES {
                let _ = writeln!(
                    out,
                    "  %% {} edges: more than Mermaid draws by default (maxEdges {MERMAID_MAX_EDGES}, \
                     so GitHub and GitLab show an error); narrow the search, or use --dot or --graphml",
                    edges.len()
                );
            }
            for (i, id) in nodes.iter().enumerate() {
                let (_, kind, name) = label(*id);
                let _ = writeln!(
                    out,
                    "  n{i}[\"{}<br/>{}\"]",
                    escape_mermaid(&kind),
                    escape_mermaid(&name)
                );
            }
            for (from, to, edge_type) in &edges {
                match edge_type {
                    EdgeType::Default => {
                        let _ = writeln!(out, "  n{from} --> n{to}");
                    }
                    other => {
                        let _ = writeln!(out, "  n{from} -.->|{}| n{to}", other.as_str());
                    }
                }
            }
            if out.ends_with('\n') {
                out.pop();
            }
        }
        GraphFormat::GraphMl => {
            out.push_str(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                 <graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n\
                 \x20 <key id=\"kind\" for=\"node\" attr.name=\"kind\" attr.type=\"string\"/>\n\
                 \x20 <key id=\"name\" for=\"node\" attr.name=\"name\" attr.type=\"string\"/>\n\
                 \x20 <key id=\"edge_type\" for=\"edge\" attr.name=\"edge_type\" attr.type=\"string\"/>\n\
                 \x20 <graph id=\"trailgraph\" edgedefault=\"directed\">\n",
            );
            for id in &nodes {
                let (node_id, kind, name) = label(*id);
                let _ = writeln!(
                    out,
                    "    <node id=\"{}\"><data key=\"kind\">{}</data><data key=\"name\">{}</data></node>",
                    escape_xml(&node_id),
                    escape_xml(&kind),
                    escape_xml(&name)
                );
            }
            for (from, to, edge_type) in &edges {
                let (a, _, _) = nodes
                    .get(*from)
                    .map_or_else(Default::default, |n| label(*n));
                let (b, _, _) = nodes.get(*to).map_or_else(Default::default, |n| label(*n));
                let _ = writeln!(
                    out,
                    "    <edge source=\"{}\" target=\"{}\"><data key=\"edge_type\">{}</data></edge>",
                    escape_xml(&a),
                    escape_xml(&b),
                    edge_type.as_str()
                );
            }
            out.push_str("  </graph>\n</graphml>");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn labels_cannot_break_out() {
        assert_eq!(dot_text("a\"b\\"), "a\\\"b\\\\");
        assert!(!escape_mermaid("x\"] --> y[\"<b>|").contains(['"', '<', '|']));
        assert_eq!(escape_xml("<a&'\u{1}>"), "&lt;a&amp;&#39;&gt;");
    }
}
