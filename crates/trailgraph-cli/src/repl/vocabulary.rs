//! The words the shell completes: property paths seen in the inventory, check and benchmark ids.

use std::collections::{BTreeMap, BTreeSet};

use trailgraph_check::Catalog;
use trailgraph_model::{Inventory, Kind, Object, Value};

/// How many nodes of each kind are walked for completion words; `properties KIND` walks all.
const NODES_PER_KIND: usize = 2_000;

/// Walks up to [`NODES_PER_KIND`] nodes of each kind for their property paths, sorted.
pub(crate) fn completion_paths(inventory: &Inventory) -> Vec<String> {
    let objects = Kind::ALL.into_iter().flat_map(|kind| {
        inventory
            .nodes_of_kind(kind)
            .iter()
            .take(NODES_PER_KIND)
            .filter_map(|id| inventory.node(*id))
            .map(|node| node.reported.object())
    });
    property_paths(objects).into_keys().collect()
}

/// The check ids, control numbers and benchmark ids of `catalog`, each sorted.
pub(crate) fn catalog_ids(catalog: &Catalog) -> (Vec<String>, Vec<String>) {
    let mut checks = BTreeSet::new();
    let mut benchmarks = BTreeSet::new();
    for check in catalog.checks() {
        checks.insert(check.id.clone());
    }
    for benchmark in catalog.benchmarks() {
        benchmarks.insert(benchmark.id.clone());
        for (_, control) in benchmark.controls() {
            checks.insert(control.control.clone());
        }
    }
    (
        checks.into_iter().collect(),
        benchmarks.into_iter().collect(),
    )
}

/// Every property path of `objects` with the JSON types seen there. An array `a` also yields
/// `a[]` with its elements' types, and `a[].b` for the keys of element objects.
pub(crate) fn property_paths<'a>(
    objects: impl Iterator<Item = &'a Object>,
) -> BTreeMap<String, BTreeSet<&'static str>> {
    let mut out = BTreeMap::new();
    for object in objects {
        walk_object(object, "", &mut out);
    }
    out
}

fn walk_object(object: &Object, prefix: &str, out: &mut BTreeMap<String, BTreeSet<&'static str>>) {
    for (key, value) in object.iter() {
        let path = if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        };
        walk_value(value, path, out);
    }
}

fn walk_value(value: &Value, path: String, out: &mut BTreeMap<String, BTreeSet<&'static str>>) {
    match value {
        Value::Object(object) => walk_object(object, &path, out),
        Value::Array(elements) => {
            let element_path = format!("{path}[]");
            for element in elements.iter() {
                walk_value(element, element_path.clone(), out);
            }
        }
        _ => {}
    }
    out.entry(path).or_default().insert(value.type_name());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_nested_objects_and_arrays() {
        let object = Object::from_pairs([
            ("name", Value::from("t")),
            (
                "status",
                Value::Object(Object::from_pairs([("is_logging", Value::from(true))])),
            ),
            (
                "selectors",
                Value::Array(
                    vec![Value::Object(Object::from_pairs([(
                        "read_write_type",
                        Value::from("All"),
                    )]))]
                    .into_boxed_slice(),
                ),
            ),
        ]);
        let paths = property_paths([&object].into_iter());
        let listed: Vec<(&str, Vec<&str>)> = paths
            .iter()
            .map(|(p, t)| (p.as_str(), t.iter().copied().collect()))
            .collect();
        assert_eq!(
            listed,
            vec![
                ("name", vec!["string"]),
                ("selectors", vec!["array"]),
                ("selectors[]", vec!["object"]),
                ("selectors[].read_write_type", vec!["string"]),
                ("status", vec!["object"]),
                ("status.is_logging", vec!["boolean"]),
            ]
        );
    }
}
