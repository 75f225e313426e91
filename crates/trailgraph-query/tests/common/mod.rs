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
