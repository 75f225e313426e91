//! Test helpers: the fixture inventory.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use trailgraph_model::{Ancestors, EdgeType, Inventory, Kind, Node, Object, SnapshotMeta, Value};
use trailgraph_query::Context;

/// The fixture inventory (`tests/fixtures/inventory.json`) and the "now" it was written for.
pub fn fixture() -> (Inventory, Context) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/inventory.json");
    let text = std::fs::read_to_string(path).expect("fixture exists");
    let json: serde_json::Value = serde_json::from_str(&text).expect("fixture is JSON");
    let now: jiff::Timestamp = json["now"].as_str().unwrap().parse().unwrap();
    let mut inventory = Inventory::new(SnapshotMeta::default());
    let mut pending = Vec::new();
    for n in json["nodes"].as_array().unwrap() {
        let id = n["id"].as_str().unwrap();
        let kind: Kind = n["kind"].as_str().unwrap().parse().unwrap();
        let name = n["name"].as_str().unwrap();
        let mut props = match Value::from(&n["reported"]) {
            Value::Object(o) => o,
            _ => Object::new(),
        };
        let reported_id = props
            .remove("reported_id")
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| name.to_owned());
        let index = inventory
            .add_node(Node::new(id, kind, name, &reported_id, props))
            .unwrap();
        pending.push((
            index,
            n["account"].as_str().map(str::to_owned),
            n["region"].as_str().map(str::to_owned),
        ));
    }
    let cloud = inventory.find("aws");
    for (index, account, region) in pending {
        let ancestors = Ancestors {
            cloud,
            account: account.and_then(|a| inventory.find(&a)),
            region: region.and_then(|r| inventory.find(&r)),
        };
        inventory.set_ancestors(index, ancestors);
    }
    for e in json["edges"].as_array().unwrap() {
        let from = inventory.find(e[0].as_str().unwrap()).unwrap();
        let to = inventory.find(e[1].as_str().unwrap()).unwrap();
        let edge_type: EdgeType = e[2].as_str().unwrap().parse().unwrap();
        inventory.add_edge(from, to, edge_type);
    }
    (inventory, Context { now })
}

/// Where Fix Inventory's own queries are (`../shared/corpus/fixinventory-queries.json`).
pub fn corpus_path() -> std::path::PathBuf {
    // <workspace>/crates/trailgraph-query -> <workspace>/../shared
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/fixinventory-queries.json")
}

/// The corpus entries (`id`, `query`, ...), or `None` with a printed reason when the corpus is
/// not on this machine.
pub fn corpus_entries() -> Option<Vec<serde_json::Value>> {
    let path = corpus_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        println!("corpus: skipped, {} not found", path.display());
        return None;
    };
    Some(serde_json::from_str(&text).expect("corpus is JSON"))
}

/// Fills `{{...}}` check placeholders the way Fix would with the checks' default values.
pub fn fill_placeholders(query: &str) -> String {
    let mut out = String::new();
    let mut rest = query;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        let value = if name.ends_with(".ago") {
            "2024-01-01T00:00:00Z"
        } else if name.ends_with(".from_now") {
            "2030-01-01T00:00:00Z"
        } else if name.ends_with("_days") {
            "365"
        } else {
            "30d"
        };
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The query text Fix would parse: without a leading `search `, only the search segment of a
/// pipeline.
pub fn search_part(query: &str) -> String {
    let trimmed = query.trim_start();
    let Some(rest) = trimmed.strip_prefix("search ") else {
        return trimmed.to_owned();
    };
    let segments = trailgraph_query::shell::split_pipeline(rest);
    segments
        .first()
        .map(|s| rest[s.clone()].trim().to_owned())
        .unwrap_or_default()
}

/// Runs a command line over the fixture and returns what it printed.
pub fn run_line(line: &str) -> Result<String, trailgraph_query::CommandError> {
    let (inventory, context) = fixture();
    let mut out = Vec::new();
    trailgraph_query::run_command_line(line, &inventory, &context, &mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A command line's error as the shell prints it (caret block and label).
pub fn rendered(line: &str, error: &trailgraph_query::CommandError) -> String {
    match error {
        trailgraph_query::CommandError::Io(_) => format!("io error {error}"),
        e => trailgraph_query::render_error_with_label(
            line,
            e.span().unwrap_or(0..0),
            &e.message(),
            e.label(),
        ),
    }
}
