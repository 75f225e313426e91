//! How explanations and remediation speak: the words for kinds, the labels of nodes, the values
//! a node of each kind fills into fix templates, the phrases for conditions, and the hints for
//! links that are missing. All of it is data (`queries/vocabulary.yaml` and any vocabulary file
//! of a check directory); nothing here knows a kind or a property by name.

use std::collections::BTreeMap;

use trailgraph_model::{AncestorKind, Inventory, NodeId, Value};
use trailgraph_query::ast::Query;

/// Words and values for one kind.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KindWords {
    /// The word for the kind (`log group`).
    pub word: String,
    /// How a node of the kind is named in an explanation (`{name} ({region}, {account})`);
    /// `None`: its name.
    pub label: Option<String>,
    /// Fix-template values a node of the kind fills: value name → field template
    /// (`log_group_name: '{name}'`).
    pub values: BTreeMap<String, String>,
    /// The resource type security findings (ASFF, OCSF) give a node of the kind
    /// (`AwsCloudTrailTrail`); `None`: `Other`.
    pub finding_type: Option<String>,
}

/// A hint for a missing link.
#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    /// Said only when this condition holds on the node the link starts from.
    pub when: Option<Query>,
    /// What to say (fields of the node the link starts from in braces).
    pub say: String,
    /// Nodes close to what is missing: a query run from the node the link starts from
    /// (placeholders filled with that node's values), and what to say of each node found.
    pub near: Option<(Query, String)>,
}

/// Hints for the link from nodes of kind `from` to nodes of kind `to`.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    /// The kind the link starts from.
    pub from: String,
    /// The kind that is missing.
    pub to: String,
    /// Hints in order; the first whose `when` holds is said.
    pub hints: Vec<Hint>,
}

/// Every word explanations and remediation use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vocabulary {
    /// Kind name → words.
    pub kinds: BTreeMap<String, KindWords>,
    /// Canonical condition → what to say when a node does not meet it.
    pub fails: BTreeMap<String, String>,
    /// Canonical condition → what to say when a node meets it (for conditions that describe a
    /// defect: `failed` queries and `with(empty, ...)` levels). Empty: say nothing.
    pub holds: BTreeMap<String, String>,
    /// Hints for missing links.
    pub links: Vec<Link>,
}

impl Vocabulary {
    /// The word for a kind (the kind's name when the vocabulary has none).
    pub fn word<'a>(&'a self, kind: &'a str) -> &'a str {
        self.kinds.get(kind).map_or(kind, |k| k.word.as_str())
    }

    /// The hints for a link from `from` to `to`.
    pub fn link(&self, from: &str, to: &str) -> Option<&Link> {
        self.links.iter().find(|l| l.from == from && l.to == to)
    }

    /// `word label` for a node: `trail org-trail (us-east-1, 111111111111)`.
    pub fn describe(&self, inventory: &Inventory, node: NodeId) -> String {
        let Some(n) = inventory.node(node) else {
            return "?".to_owned();
        };
        let kind = n.kind.as_str();
        let label = match self.kinds.get(kind).and_then(|k| k.label.as_deref()) {
            Some(template) => fill_fields(template, inventory, node),
            None => n.name().to_owned(),
        };
        format!("{} {label}", self.word(kind))
    }

    /// The fix-template values `node` fills (its kind's `values`), fields that are absent left
    /// out.
    pub fn values_of(&self, inventory: &Inventory, node: NodeId) -> Vec<(String, String)> {
        let Some(n) = inventory.node(node) else {
            return Vec::new();
        };
        let Some(words) = self.kinds.get(n.kind.as_str()) else {
            return Vec::new();
        };
        words
            .values
            .iter()
            .filter_map(|(name, template)| {
                let value = fill_fields_strict(template, inventory, node)?;
                Some((name.clone(), value))
            })
            .collect()
    }
}

/// The fields a template may name besides properties: `name`, `id`, `kind`, `region`,
/// `account` (the account id) and `account_name`.
pub const NODE_FIELDS: &[&str] = &["name", "id", "kind", "region", "account", "account_name"];

/// The `{field}` references of a template, in order, with their byte ranges.
pub fn fields(template: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = template[from..].find('{').map(|i| from + i) {
        // `{{` is a fix placeholder, not a field.
        if template[open..].starts_with("{{") {
            from = template[open..]
                .find("}}")
                .map_or(template.len(), |i| open + i + 2);
            continue;
        }
        let Some(close) = template[open..].find('}').map(|i| open + i) else {
            break;
        };
        out.push((open..close + 1, template[open + 1..close].trim()));
        from = close + 1;
    }
    out
}

/// Fills the `{field}` references of `template` from `node`; an absent field reads `(none)`.
pub fn fill_fields(template: &str, inventory: &Inventory, node: NodeId) -> String {
    fill_with(template, |f| {
        Some(field(inventory, node, f).unwrap_or_else(|| "(none)".to_owned()))
    })
    .unwrap_or_default()
}

/// Fills the `{field}` references of `template` from `node`; `None` when one is absent.
fn fill_fields_strict(template: &str, inventory: &Inventory, node: NodeId) -> Option<String> {
    fill_with(template, |f| field(inventory, node, f))
}

fn fill_with(template: &str, value: impl Fn(&str) -> Option<String>) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut last = 0;
    for (range, name) in fields(template) {
        out.push_str(&template[last..range.start]);
        out.push_str(&value(name)?);
        last = range.end;
    }
    out.push_str(&template[last..]);
    Some(out)
}

/// One field of a node: a [`NODE_FIELDS`] name or a reported property path
/// (`filter_transformations[0].metric_name`, `cloudwatch_alarm_actions[*]` joined by `, `).
pub fn field(inventory: &Inventory, node: NodeId, name: &str) -> Option<String> {
    let n = inventory.node(node)?;
    match name {
        "name" => return Some(n.name().to_owned()),
        "id" => return Some(n.id.to_string()),
        "kind" => return Some(n.kind.as_str().to_owned()),
        "region" => {
            return inventory
                .ancestor(node, AncestorKind::Region)
                .map(|r| r.name().to_owned());
        }
        "account" => {
            return inventory.ancestor(node, AncestorKind::Account).map(|a| {
                a.str_property("id")
                    .map_or_else(|| a.id.to_string(), str::to_owned)
            });
        }
        "account_name" => {
            return inventory
                .ancestor(node, AncestorKind::Account)
                .map(|a| a.name().to_owned());
        }
        _ => {}
    }
    let mut values: Vec<&Value> = Vec::new();
    let mut first = true;
    for segment in name.split('.') {
        let (key, indexes) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        values = if first {
            first = false;
            n.reported.get(key).into_iter().collect()
        } else {
            values.into_iter().filter_map(|v| v.get(key)).collect()
        };
        let mut rest = indexes;
        while let Some(inner) = rest.strip_prefix('[') {
            let close = inner.find(']')?;
            let index = &inner[..close];
            values = if index == "*" {
                values
                    .into_iter()
                    .flat_map(|v| v.as_array().unwrap_or_default().iter())
                    .collect()
            } else {
                let i: usize = index.parse().ok()?;
                values
                    .into_iter()
                    .filter_map(|v| v.as_array().and_then(|a| a.get(i)))
                    .collect()
            };
            rest = &inner[close + 1..];
        }
    }
    let texts: Vec<String> = values
        .into_iter()
        .filter(|v| !v.is_null())
        .map(|v| match v {
            Value::String(s) => s.to_string(),
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        })
        .collect();
    if texts.is_empty() {
        None
    } else {
        Some(texts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_skip_fix_placeholders() {
        let found: Vec<&str> = fields("{name} in {{region}} and { id }")
            .into_iter()
            .map(|(_, f)| f)
            .collect();
        assert_eq!(found, ["name", "id"]);
    }

    #[test]
    fn fields_read_nested_properties_of_the_demo() {
        let inventory = trailgraph_model::demo_inventory();
        let filter = inventory
            .nodes()
            .find(|(_, n)| n.name() == "VPCChanges" && n.id.contains(":333333333333:"))
            .map(|(i, _)| i)
            .unwrap();
        assert_eq!(
            field(
                &inventory,
                filter,
                "filter_transformations[0].metric_namespace"
            )
            .as_deref(),
            Some("CISBenchmark")
        );
        assert_eq!(
            field(&inventory, filter, "account").as_deref(),
            Some("333333333333")
        );
        assert_eq!(field(&inventory, filter, "no_such_property"), None);
        assert_eq!(
            fill_fields("{name}: {no_such_property}", &inventory, filter),
            "VPCChanges: (none)"
        );
    }
}
