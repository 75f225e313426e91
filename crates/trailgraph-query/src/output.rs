//! Output of the pipe commands: `list`, `dump`, `format`, `count`, `kinds`, `uniq`.
//!
//! YAML is written with `serde-saphyr` from the model's order-preserving [`Value`], so `dump`
//! shows `kind`, `id`, `name` first as Fix does.

use std::collections::{HashMap, HashSet};

use trailgraph_model::{AncestorKind, Inventory, Kind, NodeId, Object, Value};

use crate::ast::{Path, Spanned};
use crate::duration::{format_duration, parse_time};
use crate::error::CommandError;
use crate::eval::{Merged, Overlay, insert_path, node_object, value_at};
use crate::lower::{Context, lower_node_path};
use crate::plan::{PathPlan, Root, Step};
use crate::shell::split_commas;

/// One element flowing between commands.
#[derive(Debug, Clone)]
pub enum Item {
    /// A node of the inventory.
    Node(NodeId),
    /// An edge between two nodes (`search --with-edges`).
    Edge {
        /// Where it starts.
        from: NodeId,
        /// Where it ends.
        to: NodeId,
        /// Its type.
        edge_type: trailgraph_model::EdgeType,
    },
    /// A JSON value (from `json`, `jq`, `chunk`, an aggregate).
    Value(Value),
    /// A line of text.
    Text(String),
    /// A row of `list --csv`/`--markdown`: one cell per column (`None` when absent).
    Row(Vec<Option<String>>),
}

/// How `list` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStyle {
    /// `name=value, ...` per node.
    Plain,
    /// A header row and quoted values.
    Csv,
    /// A padded Markdown table.
    Markdown,
    /// Fix's `--json-table`: the columns, then `{id, row}` per element.
    JsonTable,
}

/// A list or count column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The column name.
    pub name: String,
    /// The path, for renaming on a name clash.
    path_names: Vec<String>,
    source: ColumnSource,
}

#[derive(Debug, Clone, PartialEq)]
enum ColumnSource {
    Path(PathPlan),
    /// `age` / `last_update` / `last_access`: now minus this timestamp property.
    Age(&'static str),
}

impl Column {
    /// The column for a path as a user wrote it (`trail_status.is_logging` → `is_logging`).
    pub fn for_path(path: &Spanned<Path>) -> Result<Column, CommandError> {
        // Section names are left out when a clash makes the name longer.
        let names: Vec<String> = path
            .node
            .segments
            .iter()
            .map(|s| s.name.clone())
            .filter(|n| n != "reported")
            .collect();
        let name = path.node.last_name().to_owned();
        if !path.node.absolute && names.len() == 1 {
            let age = match name.as_str() {
                "age" => Some("ctime"),
                "last_update" => Some("mtime"),
                "last_access" => Some("atime"),
                _ => None,
            };
            if let Some(source) = age {
                return Ok(Column {
                    name,
                    path_names: names,
                    source: ColumnSource::Age(source),
                });
            }
        }
        let plan = lower_node_path(path).map_err(|error| CommandError::Lower { error })?;
        Ok(Column {
            name,
            path_names: names,
            source: ColumnSource::Path(plan),
        })
    }

    fn reported(name: &str) -> Column {
        Column {
            name: name.to_owned(),
            path_names: vec![name.to_owned()],
            source: ColumnSource::Path(PathPlan {
                root: Root::Reported,
                steps: vec![Step::Key(name.into())],
            }),
        }
    }

    fn ancestor(which: AncestorKind) -> Column {
        Column {
            name: which.as_str().to_owned(),
            path_names: vec![which.as_str().to_owned()],
            source: ColumnSource::Path(PathPlan {
                root: Root::Ancestor(which),
                steps: vec![Step::Key("name".into())],
            }),
        }
    }

    fn age(name: &str, source: &'static str) -> Column {
        Column {
            name: name.to_owned(),
            path_names: vec![name.to_owned()],
            source: ColumnSource::Age(source),
        }
    }

    /// The value of this column for a node (`Null` when absent).
    fn value(
        &self,
        inventory: &Inventory,
        id: NodeId,
        context: &Context,
        overlay: Option<&Overlay>,
    ) -> Value {
        match &self.source {
            ColumnSource::Path(path) => value_at(inventory, id, path, overlay),
            ColumnSource::Age(source) => inventory
                .node(id)
                .and_then(|n| n.reported.get(source))
                .and_then(Value::as_str)
                .and_then(parse_time)
                .map_or(Value::Null, |t| {
                    let seconds = context.now.as_second() - t.as_second();
                    Value::from(format_duration(seconds))
                }),
        }
    }

    /// The value of this column in a JSON element: the path read in its `reported` object
    /// when it has one (a node's shape), else in the value itself (`Null` when absent).
    pub(crate) fn value_in(&self, value: &Value) -> Value {
        match &self.source {
            ColumnSource::Path(p) => {
                let base = match (&p.root, value.get("reported")) {
                    (Root::Reported, Some(reported)) => reported,
                    _ => value,
                };
                let mut found = Vec::new();
                crate::eval::walk(base, &p.steps, &mut found);
                found.first().map_or(Value::Null, |v| (*v).clone())
            }
            ColumnSource::Age(_) => Value::Null,
        }
    }

    fn is_preresolved_ancestor_id(&self) -> bool {
        matches!(&self.source, ColumnSource::Path(PathPlan { root: Root::Ancestor(_), steps })
            if steps.as_slice() == [Step::Key("id".into())])
    }
}

/// `list`'s default columns around the query's own paths.
pub(crate) fn default_columns(paths: &[Spanned<Path>]) -> Result<Vec<Column>, CommandError> {
    let mut columns = vec![
        Column::reported("kind"),
        Column::reported("id"),
        Column::reported("name"),
    ];
    for path in paths {
        let column = Column::for_path(path)?;
        if !column.is_preresolved_ancestor_id() {
            columns.push(column);
        }
    }
    columns.extend([
        Column::age("age", "ctime"),
        Column::age("last_update", "mtime"),
        Column::ancestor(AncestorKind::Cloud),
        Column::ancestor(AncestorKind::Account),
        Column::ancestor(AncestorKind::Region),
    ]);
    Ok(dedupe(columns))
}

/// Drops repeated columns and renames clashing names by joining more of the path.
pub(crate) fn dedupe(columns: Vec<Column>) -> Vec<Column> {
    // Hashed by their printed form, so a list of many columns is not compared pairwise.
    let mut sources: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut names: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut out: Vec<Column> = Vec::new();
    for mut column in columns {
        if !sources.insert(format!("{:?}", column.source)) {
            continue;
        }
        let mut take = 1;
        while names.contains(&column.name) && take < column.path_names.len() {
            take += 1;
            let start = column.path_names.len() - take;
            column.name = column.path_names[start..].join("_");
        }
        names.insert(column.name.clone());
        out.push(column);
    }
    out
}

/// Parses `list` arguments: `path [as name], ...`.
pub(crate) fn parse_columns(text: &str, offset: usize) -> Result<Vec<Column>, CommandError> {
    let mut columns = Vec::new();
    for piece in split_commas(text) {
        let raw = &text[piece.clone()];
        let lead = raw.len() - raw.trim_start().len();
        let item = raw.trim();
        let start = piece.start + lead;
        let (path_text, alias) = match item.rsplit_once(" as ") {
            Some((p, a)) => (p.trim(), Some(a.trim())),
            None => (item, None),
        };
        let path = crate::parser::parse_path_at(path_text, offset + start)
            .map_err(|error| CommandError::Parse { error })?;
        let mut column = Column::for_path(&path)?;
        if let Some(alias) = alias {
            column.name = alias.to_owned();
            column.path_names = vec![alias.to_owned()];
        }
        columns.push(column);
    }
    Ok(dedupe(columns))
}

/// Renders a value for `list` and `format`: strings as they are, lists as `[a, b]`, objects as
/// `k=v, k=v`.
pub(crate) fn render_value(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::String(s) => s.to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(render_value).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(o) => {
            let parts: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{k}={}", render_value(v)))
                .collect();
            parts.join(", ")
        }
        other => other.to_string(),
    }
}

/// `list`: the rows of `items` for `columns` and the column names. A node gives a `k=v, ...`
/// line ([`ListStyle::Plain`]), a row of cells (`--csv`, `--markdown`) or `{id, row}`
/// (`--json-table`); a JSON value gives cells read from it (and passes through unchanged in a
/// plain list, printing as YAML); an edge gives Fix's `from -type-> to` line; text passes
/// through.
pub(crate) fn list_rows(
    inventory: &Inventory,
    items: Vec<Item>,
    columns: &[Column],
    context: &Context,
    merged: &Merged,
    style: ListStyle,
) -> (Vec<Item>, Vec<String>) {
    let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let cells: Vec<Value> = match &item {
            Item::Node(id) => columns
                .iter()
                .map(|c| c.value(inventory, *id, context, merged.get(id)))
                .collect(),
            Item::Value(v) if style != ListStyle::Plain => {
                columns.iter().map(|c| c.value_in(v)).collect()
            }
            Item::Edge {
                from,
                to,
                edge_type,
            } => {
                let id = |n: &NodeId| inventory.node(*n).map_or("", |n| n.id.as_ref()).to_owned();
                out.push(Item::Text(format!(
                    "{} -{}-> {}",
                    id(from),
                    edge_type.as_str(),
                    id(to)
                )));
                continue;
            }
            _ => {
                out.push(item);
                continue;
            }
        };
        out.push(match style {
            ListStyle::Plain => Item::Text(
                columns
                    .iter()
                    .zip(&cells)
                    .filter(|(_, v)| !v.is_null())
                    .map(|(c, v)| format!("{}={}", c.name, render_value(v)))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            ListStyle::JsonTable => {
                let mut row = Object::new();
                for (c, v) in columns.iter().zip(cells) {
                    row.insert(c.name.as_str(), v);
                }
                let id = match &item {
                    Item::Node(id) => inventory
                        .node(*id)
                        .map_or(Value::Null, |n| Value::from(&*n.id)),
                    _ => Value::Null,
                };
                Item::Value(Value::Object(Object::from_pairs([
                    ("id", id),
                    ("row", Value::Object(row)),
                ])))
            }
            _ => Item::Row(
                cells
                    .iter()
                    .map(|v| (!v.is_null()).then(|| render_value(v)))
                    .collect(),
            ),
        });
    }
    (out, names)
}

/// `list --json-table`'s first element: `{"columns": [{name, path, kind, display}]}`.
pub(crate) fn json_table_columns(columns: &[Column]) -> Value {
    let described: Vec<Value> = columns
        .iter()
        .map(|c| {
            Value::Object(Object::from_pairs([
                ("name", Value::from(c.name.as_str())),
                ("path", Value::from(c.path_names.join("."))),
                ("kind", Value::from("any")),
                ("display", Value::from(c.name.as_str())),
            ]))
        })
        .collect();
    Value::Object(Object::from_pairs([(
        "columns",
        Value::Array(described.into()),
    )]))
}

/// The lines of a `--csv` or `--markdown` table of `rows` (text elements print as they are).
pub(crate) fn render_table(style: ListStyle, names: &[String], rows: Vec<Item>) -> Vec<String> {
    let mut out = Vec::new();
    match style {
        ListStyle::Csv => {
            let header: Vec<String> = names.iter().map(|n| csv_quote(n)).collect();
            out.push(header.join(","));
            for row in rows {
                match row {
                    Item::Row(cells) => out.push(
                        cells
                            .into_iter()
                            .map(|v| v.map(|v| csv_quote(&v)).unwrap_or_default())
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                    Item::Text(t) => out.push(t),
                    other => out.push(format!("{other:?}")),
                }
            }
        }
        _ => {
            let cells: Vec<Vec<String>> = rows
                .iter()
                .filter_map(|r| match r {
                    Item::Row(cells) => Some(
                        cells
                            .iter()
                            .map(|v| {
                                v.clone()
                                    .unwrap_or_else(|| "null".to_owned())
                                    .replace('|', "\\|")
                            })
                            .collect(),
                    ),
                    _ => None,
                })
                .collect();
            let widths: Vec<usize> = names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    cells
                        .iter()
                        .filter_map(|r| r.get(i))
                        .map(|v| v.chars().count())
                        .chain([name.chars().count(), 3])
                        .max()
                        .unwrap_or(3)
                })
                .collect();
            let line = |values: &[String]| -> String {
                let padded: Vec<String> = values
                    .iter()
                    .zip(&widths)
                    .map(|(v, w)| format!("{v:<w$}"))
                    .collect();
                format!("| {} |", padded.join(" | "))
            };
            out.push(line(names));
            out.push(line(
                &widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>(),
            ));
            let mut cells = cells.into_iter();
            for row in rows {
                match row {
                    Item::Row(_) => {
                        if let Some(c) = cells.next() {
                            out.push(line(&c));
                        }
                    }
                    Item::Text(t) => out.push(t),
                    other => out.push(format!("{other:?}")),
                }
            }
        }
    }
    out
}

fn csv_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A node as Fix shows it: `id`, `reported` (with the computed `age` and `last_update`) and
/// `ancestors` (`cloud`, `account`, `region` with `reported.name`/`reported.id`).
pub fn node_value(
    inventory: &Inventory,
    id: NodeId,
    context: &Context,
    overlay: Option<&Overlay>,
) -> Value {
    let mut value = node_object(inventory, id);
    let Some(object) = value.as_object_mut() else {
        return value;
    };
    let mut reported = match object.get("reported") {
        Some(Value::Object(r)) => r.clone(),
        _ => Object::new(),
    };
    for (name, source) in [("age", "ctime"), ("last_update", "mtime")] {
        if reported.get(name).is_none() {
            let age = Column::age(name, source).value(inventory, id, context, None);
            if !age.is_null() {
                reported.insert(name, age);
            }
        }
    }
    if let Some(overlay) = overlay {
        for (key, v) in overlay.reported.iter() {
            insert_path(&mut reported, &[key.to_owned()], v.clone());
        }
        for (key, v) in overlay.top.iter() {
            object.insert(key, v.clone());
        }
    }
    object.insert("reported", Value::Object(reported));
    value
}

/// One YAML document for `value`.
pub fn to_yaml(value: &Value) -> String {
    match serde_saphyr::to_string(value) {
        Ok(text) if text.ends_with('\n') => text,
        Ok(text) => format!("{text}\n"),
        Err(_) => format!("{value}\n"),
    }
}

/// An element as a JSON value: a node as Fix shows it, an edge as
/// `{type: edge, from, to, edge_type}`, text as a string, a row as its cells.
pub(crate) fn item_value(
    inventory: &Inventory,
    item: &Item,
    context: &Context,
    merged: &Merged,
) -> Value {
    match item {
        Item::Node(id) => node_value(inventory, *id, context, merged.get(id)),
        Item::Edge {
            from,
            to,
            edge_type,
        } => {
            let id = |n: &NodeId| {
                inventory
                    .node(*n)
                    .map_or(Value::Null, |n| Value::from(&*n.id))
            };
            Value::Object(Object::from_pairs([
                ("type", Value::from("edge")),
                ("from", id(from)),
                ("to", id(to)),
                ("edge_type", Value::from(edge_type.as_str())),
            ]))
        }
        Item::Value(v) => v.clone(),
        Item::Text(t) => Value::from(t.as_str()),
        Item::Row(cells) => Value::Array(
            cells
                .iter()
                .map(|c| c.as_deref().map_or(Value::Null, Value::from))
                .collect::<Vec<_>>()
                .into(),
        ),
    }
}

/// `format "TEXT {path}"`: one line per element; a placeholder reads the node's (or the JSON
/// value's) property, `null` when absent.
pub(crate) fn format_template(
    inventory: &Inventory,
    items: Vec<Item>,
    pieces: &[TemplatePiece],
    context: &Context,
    merged: &Merged,
) -> Vec<Item> {
    items
        .into_iter()
        .map(|item| {
            let mut line = String::new();
            for piece in pieces {
                match piece {
                    TemplatePiece::Text(t) => line.push_str(t),
                    TemplatePiece::Column(c) => {
                        let value = match &item {
                            Item::Node(id) => c.value(inventory, *id, context, merged.get(id)),
                            Item::Value(v) => c.value_in(v),
                            _ => Value::Null,
                        };
                        line.push_str(&render_value(&value));
                    }
                }
            }
            Item::Text(line)
        })
        .collect()
}

/// A piece of a `format` template.
#[derive(Debug)]
pub enum TemplatePiece {
    /// Text printed as it is.
    Text(String),
    /// A `{path}` placeholder.
    Column(Column),
}

pub(crate) fn parse_template(
    template: &str,
    offset: usize,
) -> Result<Vec<TemplatePiece>, CommandError> {
    let mut pieces = Vec::new();
    let mut rest = template;
    let mut position = 0;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        if open > 0 {
            pieces.push(TemplatePiece::Text(rest[..open].to_owned()));
        }
        let inner = &rest[open + 1..open + close];
        let at = offset + position + open + 1;
        let trimmed = inner.trim();
        let at = at + (inner.len() - inner.trim_start().len());
        let path = crate::parser::parse_path_at(trimmed, at)
            .map_err(|error| CommandError::Parse { error })?;
        pieces.push(TemplatePiece::Column(Column::for_path(&path)?));
        position += open + close + 1;
        rest = &rest[open + close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(TemplatePiece::Text(rest.to_owned()));
    }
    Ok(pieces)
}

/// `count [path]` over search results: `value: n` lines (ascending by count), then the totals.
pub(crate) fn count_nodes(
    inventory: &Inventory,
    nodes: &[NodeId],
    column: Option<&Column>,
    context: &Context,
    merged: &Merged,
) -> Vec<String> {
    let Some(column) = column else {
        return vec![
            format!("total matched: {}", nodes.len()),
            "total unmatched: 0".to_owned(),
        ];
    };
    let values = nodes
        .iter()
        .map(|id| column.value(inventory, *id, context, merged.get(id)));
    grouped_counts(values)
}

fn grouped_counts(values: impl Iterator<Item = Value>) -> Vec<String> {
    let mut counts: HashMap<String, usize> = HashMap::new();
    let mut unmatched = 0;
    for value in values {
        match value {
            Value::Null => unmatched += 1,
            v => *counts.entry(render_value(&v)).or_default() += 1,
        }
    }
    let matched: usize = counts.values().sum();
    let mut groups: Vec<(String, usize)> = counts.into_iter().collect();
    groups.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    let mut lines: Vec<String> = groups
        .into_iter()
        .map(|(v, n)| format!("{v}: {n}"))
        .collect();
    lines.push(format!("total matched: {matched}"));
    lines.push(format!("total unmatched: {unmatched}"));
    lines
}

/// `count [path]` over a stream of elements.
pub(crate) fn count_items(
    inventory: &Inventory,
    items: Vec<Item>,
    column: Option<&Column>,
    context: &Context,
    merged: &Merged,
) -> Vec<String> {
    let values = items.into_iter().map(|item| match (item, column) {
        (Item::Node(id), Some(c)) => c.value(inventory, id, context, merged.get(&id)),
        (Item::Node(id), None) => {
            Value::from(&*inventory.node(id).map_or("".into(), |n| n.id.clone()))
        }
        (Item::Value(v), None) => Value::from(v.to_string()),
        (Item::Value(v), Some(c)) => c.value_in(&v),
        (Item::Text(t), _) => Value::from(t),
        (item @ (Item::Edge { .. } | Item::Row(_)), _) => {
            Value::from(item_value(inventory, &item, context, merged).to_string())
        }
    });
    if column.is_none() {
        let n = values.count();
        return vec![
            format!("total matched: {n}"),
            "total unmatched: 0".to_owned(),
        ];
    }
    grouped_counts(values)
}

/// `kinds`: every kind with its number of nodes (of the whole inventory, or of the stream).
pub(crate) fn kinds(inventory: &Inventory, source: Option<Vec<Item>>) -> Vec<Item> {
    let counts: Vec<(Kind, usize)> = match source {
        None => Kind::ALL
            .into_iter()
            .map(|k| (k, inventory.count_of_kind(k)))
            .filter(|(_, n)| *n > 0)
            .collect(),
        Some(items) => {
            let mut per_kind = [0usize; Kind::ALL.len()];
            for item in items {
                if let Item::Node(id) = item
                    && let Some(node) = inventory.node(id)
                    && let Some(slot) = per_kind.get_mut(node.kind.index())
                {
                    *slot += 1;
                }
            }
            Kind::ALL
                .into_iter()
                .zip(per_kind)
                .filter(|(_, n)| *n > 0)
                .collect()
        }
    };
    let mut sorted = counts;
    sorted.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    sorted
        .into_iter()
        .map(|(k, n)| Item::Text(format!("{}: {n}", k.as_str())))
        .collect()
}

/// `uniq`: drops repeated elements (nodes by id, values by their JSON with sorted keys).
pub(crate) fn uniq(items: Vec<Item>) -> Vec<Item> {
    let mut seen: HashSet<String> = HashSet::new();
    items
        .into_iter()
        .filter(|item| {
            let key = match item {
                Item::Node(id) => format!("node:{}", id.index()),
                Item::Edge {
                    from,
                    to,
                    edge_type,
                } => format!(
                    "edge:{}:{}:{}",
                    from.index(),
                    to.index(),
                    edge_type.as_str()
                ),
                Item::Value(v) => format!("value:{}", v.to_json()),
                Item::Text(t) => format!("text:{t}"),
                Item::Row(cells) => format!("row:{cells:?}"),
            };
            seen.insert(key)
        })
        .collect()
}

/// Most nodes `kinds KIND` reads to describe the kind's properties.
const MODEL_SAMPLE: usize = 5_000;

/// `kinds KIND`: the kind's model, as Fix's `kinds` shows it: its name, its bases, how many
/// nodes the inventory holds, and every property path seen on (up to 5,000 of) its nodes with
/// the JSON types seen there (`string`, `int`, `float`, `boolean`, `object`, `array`,
/// `null`; `a[*].b` for elements of arrays).
pub(crate) fn kind_model(inventory: &Inventory, kind: Kind) -> Value {
    let mut properties: std::collections::BTreeMap<
        String,
        std::collections::BTreeSet<&'static str>,
    > = std::collections::BTreeMap::new();
    fn type_name(v: &Value) -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
            Value::Number(trailgraph_model::Number::Int(_)) => "int",
            Value::Number(_) => "float",
        }
    }
    fn walk(
        value: &Value,
        path: String,
        depth: usize,
        out: &mut std::collections::BTreeMap<String, std::collections::BTreeSet<&'static str>>,
    ) {
        out.entry(path.clone())
            .or_default()
            .insert(type_name(value));
        if depth >= 8 {
            return;
        }
        match value {
            Value::Object(o) => {
                for (k, v) in o.iter() {
                    walk(v, format!("{path}.{k}"), depth + 1, out);
                }
            }
            Value::Array(items) => {
                for v in items.iter() {
                    walk(v, format!("{path}[*]"), depth + 1, out);
                }
            }
            _ => {}
        }
    }
    for id in inventory.nodes_of_kind(kind).iter().take(MODEL_SAMPLE) {
        if let Some(node) = inventory.node(*id) {
            for (k, v) in node.reported.iter() {
                walk(v, k.to_string(), 0, &mut properties);
            }
        }
    }
    let mut described = Object::new();
    for (path, types) in properties {
        let types: Vec<&str> = types.into_iter().collect();
        described.insert(path.as_str(), Value::from(types.join(" | ")));
    }
    Value::Object(Object::from_pairs([
        ("name", Value::from(kind.as_str())),
        (
            "bases",
            Value::Array(
                kind.bases()
                    .iter()
                    .map(|b| Value::from(*b))
                    .collect::<Vec<_>>()
                    .into(),
            ),
        ),
        (
            "nodes",
            Value::from(i64::try_from(inventory.count_of_kind(kind)).unwrap_or(i64::MAX)),
        ),
        ("properties", Value::Object(described)),
    ]))
}
