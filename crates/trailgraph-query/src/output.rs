//! Output of the pipe commands: `list`, `dump`, `format`, `count`, `kinds`, `uniq`.
//!
//! YAML is written with `serde-saphyr` from the model's order-preserving [`Value`], so `dump`
//! shows `kind`, `id`, `name` first as Fix does.

use std::collections::{HashMap, HashSet};

use trailgraph_model::{AncestorKind, Inventory, Kind, NodeId, Object, Value};

use crate::ast::{Path, Spanned};
use crate::command::CommandError;
use crate::duration::{format_duration, parse_time};
use crate::eval::{Merged, Overlay, insert_path, node_object, value_at};
use crate::lower::{Context, lower_node_path};
use crate::plan::{PathPlan, Root, Step};

/// One element flowing between commands.
#[derive(Debug, Clone)]
pub enum Item {
    /// A node of the inventory.
    Node(NodeId),
    /// A JSON value (from `json`).
    Value(Value),
    /// A line of text.
    Text(String),
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
fn dedupe(columns: Vec<Column>) -> Vec<Column> {
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
        let path = crate::command::parse_path_for_column(path_text, offset + start)?;
        let mut column = Column::for_path(&path)?;
        if let Some(alias) = alias {
            column.name = alias.to_owned();
            column.path_names = vec![alias.to_owned()];
        }
        columns.push(column);
    }
    Ok(dedupe(columns))
}

pub(crate) fn split_commas(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_backticks = false;
    for (i, c) in text.char_indices() {
        match c {
            '`' => in_backticks = !in_backticks,
            ',' if !in_backticks => {
                out.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(start..text.len());
    out.into_iter()
        .filter(|r| !text[r.clone()].trim().is_empty())
        .collect()
}

/// Renders a value for `list` and `format`: strings as they are, lists as `[a, b]`, objects as
/// `k=v, k=v`.
fn render_value(value: &Value) -> String {
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

/// `list`: one line per node (or a CSV/Markdown table).
pub(crate) fn list(
    inventory: &Inventory,
    items: Vec<Item>,
    columns: &[Column],
    context: &Context,
    merged: &Merged,
    style: ListStyle,
) -> Result<Vec<Item>, CommandError> {
    let mut rows: Vec<Vec<Option<String>>> = Vec::new();
    let mut passthrough = Vec::new();
    for item in items {
        match item {
            Item::Node(id) => rows.push(
                columns
                    .iter()
                    .map(|c| match c.value(inventory, id, context, merged.get(&id)) {
                        Value::Null => None,
                        v => Some(render_value(&v)),
                    })
                    .collect(),
            ),
            // JSON elements pass through and print as YAML.
            Item::Value(v) => passthrough.push(Item::Value(v)),
            Item::Text(t) => passthrough.push(Item::Text(t)),
        }
    }
    let mut out = Vec::new();
    match style {
        ListStyle::Plain => {
            for row in rows {
                let pairs: Vec<String> = columns
                    .iter()
                    .zip(row)
                    .filter_map(|(c, v)| v.map(|v| format!("{}={v}", c.name)))
                    .collect();
                out.push(Item::Text(pairs.join(", ")));
            }
        }
        ListStyle::Csv => {
            let header: Vec<String> = columns.iter().map(|c| csv_quote(&c.name)).collect();
            out.push(Item::Text(header.join(",")));
            for row in rows {
                let cells: Vec<String> = row
                    .into_iter()
                    .map(|v| v.map(|v| csv_quote(&v)).unwrap_or_default())
                    .collect();
                out.push(Item::Text(cells.join(",")));
            }
        }
        ListStyle::Markdown => {
            let cells: Vec<Vec<String>> = rows
                .into_iter()
                .map(|r| {
                    r.into_iter()
                        .map(|v| v.unwrap_or_else(|| "null".to_owned()).replace('|', "\\|"))
                        .collect()
                })
                .collect();
            let widths: Vec<usize> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    cells
                        .iter()
                        .filter_map(|r| r.get(i))
                        .map(|v| v.chars().count())
                        .chain([c.name.chars().count(), 3])
                        .max()
                        .unwrap_or(3)
                })
                .collect();
            let line = |values: Vec<String>| -> String {
                let padded: Vec<String> = values
                    .iter()
                    .zip(&widths)
                    .map(|(v, w)| format!("{v:<w$}"))
                    .collect();
                format!("| {} |", padded.join(" | "))
            };
            out.push(Item::Text(line(
                columns.iter().map(|c| c.name.clone()).collect(),
            )));
            out.push(Item::Text(line(
                widths.iter().map(|w| "-".repeat(*w)).collect(),
            )));
            for row in cells {
                out.push(Item::Text(line(row)));
            }
        }
    }
    out.extend(passthrough);
    Ok(out)
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

/// `format`: a template with `{path}` placeholders, or `--json`, `--ndjson`, `--yaml`.
pub(crate) fn format(
    inventory: &Inventory,
    items: Vec<Item>,
    args: &str,
    offset: usize,
    context: &Context,
    merged: &Merged,
) -> Result<Vec<Item>, CommandError> {
    let as_value = |item: &Item| -> Value {
        match item {
            Item::Node(id) => node_value(inventory, *id, context, merged.get(id)),
            Item::Value(v) => v.clone(),
            Item::Text(t) => Value::from(t.as_str()),
        }
    };
    match args.split_whitespace().next() {
        Some("--json") => {
            let values: Vec<Value> = items.iter().map(as_value).collect();
            let text = serde_json::to_string_pretty(&Value::Array(values.into()))
                .unwrap_or_else(|e| format!("error: {e}"));
            return Ok(vec![Item::Text(text)]);
        }
        Some("--ndjson") => {
            return Ok(items
                .iter()
                .map(|i| Item::Text(as_value(i).to_string()))
                .collect());
        }
        Some("--yaml") => {
            let docs: Vec<String> = items.iter().map(|i| to_yaml(&as_value(i))).collect();
            let joined = docs.join("---\n");
            return Ok(vec![Item::Text(joined.trim_end_matches('\n').to_owned())]);
        }
        Some(flag @ ("--dot" | "--mermaid" | "--graphml")) => {
            let format = match flag {
                "--dot" => crate::graph_output::GraphFormat::Dot,
                "--mermaid" => crate::graph_output::GraphFormat::Mermaid,
                _ => crate::graph_output::GraphFormat::GraphMl,
            };
            return Ok(vec![Item::Text(crate::graph_output::render(
                inventory, &items, format,
            ))]);
        }
        Some(flag) if flag.starts_with("--") => {
            return Err(CommandError::Usage {
                message: format!(
                    "unknown format option `{flag}` (known: --json, --ndjson, --yaml, --dot, --mermaid, --graphml)"
                ),
                span: offset..offset + flag.len(),
            });
        }
        _ => {}
    }
    // Strip one pair of surrounding quotes.
    let (template, template_offset) = match args
        .strip_prefix('"')
        .and_then(|a| a.strip_suffix('"'))
        .or_else(|| args.strip_prefix('\'').and_then(|a| a.strip_suffix('\'')))
    {
        Some(inner) => (inner, offset + 1),
        None => (args, offset),
    };
    let pieces = parse_template(template, template_offset)?;
    Ok(items
        .into_iter()
        .map(|item| {
            let mut line = String::new();
            for piece in &pieces {
                match (piece, &item) {
                    (TemplatePiece::Text(t), _) => line.push_str(t),
                    (TemplatePiece::Column(c), Item::Node(id)) => {
                        let value = c.value(inventory, *id, context, merged.get(id));
                        line.push_str(&render_value(&value));
                    }
                    (TemplatePiece::Column(_), _) => line.push_str("null"),
                }
            }
            Item::Text(line)
        })
        .collect())
}

enum TemplatePiece {
    Text(String),
    Column(Column),
}

fn parse_template(template: &str, offset: usize) -> Result<Vec<TemplatePiece>, CommandError> {
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
        let path = crate::command::parse_path_for_column(inner.trim(), at)?;
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
        (Item::Value(v), Some(c)) => match &c.source {
            ColumnSource::Path(p) => {
                let mut found = Vec::new();
                walk_value(&v, &p.steps, &mut found);
                found.into_iter().next().unwrap_or(Value::Null)
            }
            ColumnSource::Age(_) => Value::Null,
        },
        (Item::Text(t), _) => Value::from(t),
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

fn walk_value(value: &Value, steps: &[Step], out: &mut Vec<Value>) {
    match steps.split_first() {
        None => out.push(value.clone()),
        Some((Step::Key(k), rest)) => {
            if let Some(v) = value.get_interned(k) {
                walk_value(v, rest, out);
            }
        }
        Some((Step::Index(i), rest)) => {
            if let Some(v) = value.as_array().and_then(|a| a.get(*i)) {
                walk_value(v, rest, out);
            }
        }
        Some((Step::Each, rest)) => {
            for v in value.as_array().unwrap_or(&[]) {
                walk_value(v, rest, out);
            }
        }
    }
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
                Item::Value(v) => format!("value:{}", v.to_json()),
                Item::Text(t) => format!("text:{t}"),
            };
            seen.insert(key)
        })
        .collect()
}
