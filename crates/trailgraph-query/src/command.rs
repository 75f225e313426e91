//! Shell command lines: `search ... | count`, `search ... | sort name | head 3 | list name, arn`.
//!
//! As in Fix, a leading run of search-part commands (`search`, `sort`, `limit`, `head`, `tail`,
//! `count`) becomes one query; `;` separates command lines; when nothing formats the output,
//! `list` is appended.

use std::io::Write;
use std::ops::Range;

use trailgraph_model::{Inventory, NodeId, Value};

use crate::ast::{BoolOp, Part, Path, Query, Spanned, Term};
use crate::eval::{EvalOptions, Merged, evaluate, explain};
use crate::lower::{Context, LowerError, lower};
use crate::output::{self, Column, Item};
use crate::parser::{ParseError, parse_with_offset};
use crate::shell::{split_command_lines, split_pipeline};

/// A command line that could not run. Spans are byte ranges into the whole line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// A query that does not parse.
    #[error("{error}")]
    Parse {
        /// The parser's error (its span is within the line).
        error: ParseError,
    },
    /// A query that cannot run (unknown kind, bad regex, unsupported construct).
    #[error("{error}")]
    Lower {
        /// The lowering error (its span is within the line).
        error: LowerError,
    },
    /// A command or argument that is not understood.
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: String,
        /// Where.
        span: Range<usize>,
    },
    /// Writing the output failed.
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
}

impl CommandError {
    /// Where the problem is in the line, if it is located.
    pub fn span(&self) -> Option<Range<usize>> {
        match self {
            CommandError::Parse { error } => Some(error.span.clone()),
            CommandError::Lower { error } => Some(error.span()),
            CommandError::Usage { span, .. } => Some(span.clone()),
            CommandError::Io(_) => None,
        }
    }

    /// A second place worth showing, with its label (the `(` that is not closed).
    pub fn label(&self) -> Option<(Range<usize>, &'static str)> {
        match self {
            CommandError::Parse { error } => error
                .unclosed
                .clone()
                .map(|span| (span, "unclosed `(` opened here")),
            _ => None,
        }
    }

    /// The message without location.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// Runs one shell line (several command lines separated by `;`) and writes the output.
///
/// ```
/// use trailgraph_model::{Inventory, Kind, Node, Object, SnapshotMeta, Value};
/// use trailgraph_query::{Context, run_command_line};
///
/// let mut inventory = Inventory::new(SnapshotMeta::default());
/// let props = Object::from_pairs([("trail_is_multi_region_trail", Value::from(true))]);
/// inventory.add_node(Node::new("t1", Kind::AwsCloudTrail, "org", "org", props))?;
/// let mut out = Vec::new();
/// run_command_line("search is(aws_cloud_trail) and trail_is_multi_region_trail=true | count",
///     &inventory, &Context::now(), &mut out)?;
/// assert_eq!(String::from_utf8(out)?, "total matched: 1\ntotal unmatched: 0\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run_command_line(
    line: &str,
    inventory: &Inventory,
    context: &Context,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    for range in split_command_lines(line) {
        if line[range.clone()].trim().is_empty() {
            continue;
        }
        run_one(line, range, inventory, context, out)?;
    }
    Ok(())
}

/// Runs one search query (a leading `search ` is allowed, as in Fix's check files) and returns
/// the matching nodes in output order. Error spans are within `query`.
///
/// ```
/// use trailgraph_model::{Inventory, Kind, Node, Object, SnapshotMeta};
/// use trailgraph_query::{Context, search_nodes};
///
/// let mut inventory = Inventory::new(SnapshotMeta::default());
/// inventory.add_node(Node::new("t1", Kind::AwsCloudTrail, "org", "org", Object::new()))?;
/// let nodes = search_nodes("search is(aws_cloud_trail)", &inventory, &Context::now())?;
/// assert_eq!(nodes.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn search_nodes(
    query: &str,
    inventory: &Inventory,
    context: &Context,
) -> Result<Vec<NodeId>, CommandError> {
    let trimmed = query.trim_start();
    let text = trimmed.strip_prefix("search ").unwrap_or(trimmed);
    let offset = query.len() - text.len();
    let parsed = parse_at(text, offset)?;
    let plan = lower(&parsed, context).map_err(|error| CommandError::Lower { error })?;
    Ok(evaluate(&plan, inventory, EvalOptions::default()).nodes)
}

/// One command of a pipeline, located in the line.
struct Command<'l> {
    name: &'l str,
    args: &'l str,
    /// Byte offset of `args` in the line.
    args_offset: usize,
    /// The whole command's range in the line.
    span: Range<usize>,
}

fn commands_of(line: &str, range: Range<usize>) -> Vec<Command<'_>> {
    let base = range.start;
    split_pipeline(&line[range])
        .into_iter()
        .filter_map(|r| {
            let start = base + r.start;
            let text = &line[start..base + r.end];
            let lead = text.len() - text.trim_start().len();
            let trimmed = text.trim();
            if trimmed.is_empty() {
                return None;
            }
            let name_len = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
            let name = &trimmed[..name_len];
            let rest = &trimmed[name_len..];
            let args_lead = rest.len() - rest.trim_start().len();
            Some(Command {
                name,
                args: rest.trim(),
                args_offset: start + lead + name_len + args_lead,
                span: start + lead..start + lead + trimmed.len(),
            })
        })
        .collect()
}

/// Parses `text` found at byte `offset` of the line so that spans are line positions.
fn parse_at(text: &str, offset: usize) -> Result<Query, CommandError> {
    parse_with_offset(text, offset).map_err(|error| CommandError::Parse { error })
}

fn usage(message: impl Into<String>, span: Range<usize>) -> CommandError {
    CommandError::Usage {
        message: message.into(),
        span,
    }
}

fn is_search_part(name: &str) -> bool {
    matches!(
        name,
        "search" | "sort" | "limit" | "head" | "tail" | "count" | "aggregate"
    )
}

/// The search built from the leading search-part commands.
#[derive(Default)]
struct SearchSpec {
    query: Option<Query>,
    explain: bool,
    /// `count [path]` ends the search part.
    count: Option<Option<(String, Spanned<Path>)>>,
    /// `head`/`tail` applied to the sorted result.
    window: Vec<(bool, usize)>,
}

fn run_one(
    line: &str,
    range: Range<usize>,
    inventory: &Inventory,
    context: &Context,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let commands = commands_of(line, range);
    let mut spec = SearchSpec::default();
    let mut rest_start = 0;
    for (i, cmd) in commands.iter().enumerate() {
        if !is_search_part(cmd.name) || spec.count.is_some() {
            break;
        }
        // head/tail only belong to the search when a search came first.
        if matches!(
            cmd.name,
            "head" | "tail" | "sort" | "limit" | "count" | "aggregate"
        ) && spec.query.is_none()
        {
            break;
        }
        add_to_search(&mut spec, cmd)?;
        rest_start = i + 1;
    }
    let mut items: Vec<Item> = Vec::new();
    let mut merged = Merged::new();
    if let Some(query) = &spec.query {
        let plan = lower(query, context).map_err(|error| CommandError::Lower { error })?;
        if spec.explain {
            items.push(Item::Text(explain(&plan, inventory)));
        } else {
            let ordered = spec.count.is_none() || !spec.window.is_empty();
            let evaluation = evaluate(&plan, inventory, EvalOptions { ordered });
            merged = evaluation.merged;
            let mut nodes: Vec<NodeId> = evaluation.nodes;
            for (head, n) in &spec.window {
                nodes = take_window(nodes, *head, *n);
            }
            if let Some(aggregate) = &plan.aggregate {
                items = crate::eval::aggregate(aggregate, inventory, &nodes)
                    .into_iter()
                    .map(Item::Value)
                    .collect();
            } else {
                match &spec.count {
                    Some(path) => {
                        let columns = match path {
                            Some((_, p)) => Some(Column::for_path(p)?),
                            None => None,
                        };
                        items = output::count_nodes(
                            inventory,
                            &nodes,
                            columns.as_ref(),
                            context,
                            &merged,
                        )
                        .into_iter()
                        .map(Item::Text)
                        .collect();
                    }
                    None => items = nodes.into_iter().map(Item::Node).collect(),
                }
            }
        }
    }
    let rest = &commands[rest_start..];
    let mut formatted = spec.count.is_some() || spec.explain;
    for (i, cmd) in rest.iter().enumerate() {
        let first = i == 0 && spec.query.is_none();
        let (next, formats) =
            run_stream_command(cmd, items, first, inventory, &spec, context, &merged)?;
        items = next;
        formatted = formats;
    }
    if !formatted {
        items = output::list(
            inventory,
            items,
            &default_columns(&spec)?,
            context,
            &merged,
            output::ListStyle::Plain,
        )?;
    }
    // JSON elements print as YAML documents separated by `---`, as in Fix's shell.
    let mut previous_yaml = false;
    for item in items {
        let yaml = match item {
            Item::Text(text) => {
                writeln!(out, "{text}")?;
                previous_yaml = false;
                continue;
            }
            Item::Node(id) => {
                output::to_yaml(&output::node_value(inventory, id, context, merged.get(&id)))
            }
            Item::Value(value) => output::to_yaml(&value),
        };
        if previous_yaml {
            writeln!(out, "---")?;
        }
        write!(out, "{yaml}")?;
        previous_yaml = true;
    }
    Ok(())
}

fn take_window(nodes: Vec<NodeId>, head: bool, n: usize) -> Vec<NodeId> {
    if head {
        nodes.into_iter().take(n).collect()
    } else {
        let skip = nodes.len().saturating_sub(n);
        nodes.into_iter().skip(skip).collect()
    }
}

fn parse_count_arg(cmd: &Command<'_>, default: usize) -> Result<usize, CommandError> {
    if cmd.args.is_empty() {
        return Ok(default);
    }
    let text = cmd
        .args
        .trim_start_matches('-')
        .trim_start_matches("n ")
        .trim();
    text.parse().map_err(|_| {
        usage(
            format!("{} takes a number, found `{}`", cmd.name, cmd.args),
            cmd.args_offset..cmd.args_offset + cmd.args.len(),
        )
    })
}

fn add_to_search(spec: &mut SearchSpec, cmd: &Command<'_>) -> Result<(), CommandError> {
    match cmd.name {
        "search" => {
            let mut args = cmd.args;
            let mut offset = cmd.args_offset;
            loop {
                if let Some(rest) = args.strip_prefix("--explain") {
                    spec.explain = true;
                    let trimmed = rest.trim_start();
                    offset += args.len() - trimmed.len();
                    args = trimmed;
                } else if args.starts_with("--")
                    && args[2..].starts_with(|c: char| c.is_ascii_alphabetic())
                {
                    // `--explain` is an option; `-->` and `--[1]->` are navigations.
                    let flag = args.split_whitespace().next().unwrap_or(args);
                    return Err(usage(
                        format!("unknown search option `{flag}`"),
                        offset..offset + flag.len(),
                    ));
                } else {
                    break;
                }
            }
            let query = if args.is_empty() {
                parse_at("all", offset)?
            } else {
                parse_at(args, offset)?
            };
            spec.query = Some(match spec.query.take() {
                None => query,
                Some(previous) => combine(previous, query),
            });
        }
        "sort" | "limit" => {
            let text = &cmd_text(cmd);
            let parsed = parse_at(text, cmd.span.start)?;
            let Some(part) = parsed.parts.into_iter().next() else {
                return Ok(());
            };
            if let Some(last) = spec.query.as_mut().and_then(|q| q.parts.last_mut()) {
                if cmd.name == "sort" {
                    last.sort = part.sort;
                } else {
                    last.limit = part.limit;
                }
            }
        }
        "aggregate" => {
            // `aggregate a: sum(b)` is the preamble `aggregate(a: sum(b)):`.
            let text = format!("aggregate({}): all", cmd.args);
            let start = cmd.args_offset.saturating_sub("aggregate(".len());
            let parsed = parse_at(&text, start)?;
            if let Some(query) = spec.query.as_mut() {
                query.aggregate = parsed.aggregate;
            }
        }
        "head" => spec.window.push((true, parse_count_arg(cmd, 100)?)),
        "tail" => spec.window.push((false, parse_count_arg(cmd, 100)?)),
        "count" => {
            if cmd.args.is_empty() {
                spec.count = Some(None);
            } else {
                let path = parse_path_for_column(cmd.args, cmd.args_offset)?;
                spec.count = Some(Some((cmd.args.to_owned(), path)));
            }
        }
        _ => {}
    }
    Ok(())
}

fn cmd_text(cmd: &Command<'_>) -> String {
    if cmd.args.is_empty() {
        cmd.name.to_owned()
    } else {
        format!(
            "{}{}{}",
            cmd.name,
            " ".repeat(cmd.args_offset - cmd.span.start - cmd.name.len()),
            cmd.args
        )
    }
}

/// Parses a property path given as a command argument.
pub(crate) fn parse_path_for_column(
    text: &str,
    offset: usize,
) -> Result<Spanned<Path>, CommandError> {
    // A path is a predicate's left side; parse `<path> == null` and take the path.
    let query = parse_at(&format!("{text} == null"), offset)?;
    let path = query
        .parts
        .into_iter()
        .next()
        .and_then(|p| p.term)
        .and_then(|t| match t.node {
            Term::Predicate(p) => Some(p.path),
            _ => None,
        });
    path.ok_or_else(|| {
        usage(
            format!("expected a property path, found `{text}`"),
            offset..offset + text.len(),
        )
    })
}

/// A second `search` in a pipe: AND its first part into the last part, unless the first search
/// ended with a navigation, in which case its parts follow.
fn combine(mut previous: Query, next: Query) -> Query {
    let mut parts = next.parts.into_iter();
    let Some(first) = parts.next() else {
        return previous;
    };
    match previous.parts.last_mut() {
        Some(last) if last.navigation.is_none() => {
            let term = match (last.term.take(), first.term) {
                (Some(a), Some(b)) => {
                    let span = a.span.start.min(b.span.start)..a.span.end.max(b.span.end);
                    Some(Spanned::new(
                        Term::Combined {
                            left: Box::new(a),
                            op: BoolOp::And,
                            right: Box::new(b),
                        },
                        span,
                    ))
                }
                (a, b) => a.or(b),
            };
            *last = Part {
                term,
                with_usage: last.with_usage.take().or(first.with_usage),
                merge: last.merge.take().or(first.merge),
                with: first.with.or(last.with.take()),
                tag: first.tag.or(last.tag.take()),
                sort: if first.sort.is_empty() {
                    std::mem::take(&mut last.sort)
                } else {
                    first.sort
                },
                limit: first.limit.or(last.limit.take()),
                reversed: first.reversed || last.reversed,
                navigation: first.navigation,
                span: last.span.start..first.span.end,
            };
        }
        _ => previous.parts.push(first),
    }
    previous.parts.extend(parts);
    previous
}

/// `list`'s default columns: kind, id, name, the query's predicate paths, its sort keys, age,
/// last_update, cloud, account, region.
fn default_columns(spec: &SearchSpec) -> Result<Vec<Column>, CommandError> {
    let mut paths: Vec<Spanned<Path>> = Vec::new();
    if let Some(last) = spec.query.as_ref().and_then(|q| q.parts.last()) {
        if let Some(term) = &last.term {
            collect_predicate_paths(term, &mut paths);
        }
        paths.extend(last.sort.iter().map(|s| s.node.path.clone()));
    }
    output::default_columns(&paths)
}

fn collect_predicate_paths(term: &Spanned<Term>, out: &mut Vec<Spanned<Path>>) {
    match &term.node {
        Term::Predicate(p) => out.push(p.path.clone()),
        Term::Not(inner) => collect_predicate_paths(inner, out),
        Term::Combined { left, right, .. } => {
            collect_predicate_paths(left, out);
            collect_predicate_paths(right, out);
        }
        _ => {}
    }
}

/// Runs one command on the stream; returns the new stream and whether it formats output.
fn run_stream_command(
    cmd: &Command<'_>,
    items: Vec<Item>,
    first: bool,
    inventory: &Inventory,
    spec: &SearchSpec,
    context: &Context,
    merged: &Merged,
) -> Result<(Vec<Item>, bool), CommandError> {
    let args_span = cmd.args_offset..cmd.args_offset + cmd.args.len();
    Ok(match cmd.name {
        "dump" => (items, true),
        "list" => {
            let (style, rest, rest_offset) = list_style(cmd);
            let columns = if rest.is_empty() {
                default_columns(spec)?
            } else {
                output::parse_columns(rest, rest_offset)?
            };
            (
                output::list(inventory, items, &columns, context, merged, style)?,
                true,
            )
        }
        "format" => (
            output::format(inventory, items, cmd.args, cmd.args_offset, context, merged)?,
            true,
        ),
        "head" => (
            items.into_iter().take(parse_count_arg(cmd, 100)?).collect(),
            false,
        ),
        "tail" => {
            let n = parse_count_arg(cmd, 100)?;
            let skip = items.len().saturating_sub(n);
            (items.into_iter().skip(skip).collect(), false)
        }
        "uniq" => (output::uniq(items), false),
        "count" => {
            let column = if cmd.args.is_empty() {
                None
            } else {
                Some(Column::for_path(&parse_path_for_column(
                    cmd.args,
                    cmd.args_offset,
                )?)?)
            };
            (
                output::count_items(inventory, items, column.as_ref(), context, merged)
                    .into_iter()
                    .map(Item::Text)
                    .collect(),
                true,
            )
        }
        "kinds" => {
            let source = if first { None } else { Some(items) };
            (output::kinds(inventory, source), true)
        }
        "json" => {
            if !first {
                return Err(usage("json starts a pipeline", cmd.span.clone()));
            }
            let value: serde_json::Value = serde_json::from_str(cmd.args)
                .map_err(|e| usage(format!("json needs a JSON value: {e}"), args_span.clone()))?;
            let items = match value {
                serde_json::Value::Array(elements) => elements
                    .iter()
                    .map(|e| Item::Value(Value::from(e)))
                    .collect(),
                other => vec![Item::Value(Value::from(&other))],
            };
            (items, false)
        }
        "search" | "sort" | "limit" => {
            return Err(usage(
                format!(
                    "`{}` must come before other commands in a pipeline",
                    cmd.name
                ),
                cmd.span.clone(),
            ));
        }
        other => {
            return Err(usage(
                format!(
                    "unknown command `{other}` (known: search, count, dump, list, format, head, tail, sort, limit, uniq, kinds, json)"
                ),
                cmd.span.start..cmd.span.start + other.len(),
            ));
        }
    })
}

fn list_style<'c>(cmd: &Command<'c>) -> (output::ListStyle, &'c str, usize) {
    let mut args = cmd.args;
    let mut offset = cmd.args_offset;
    let mut style = output::ListStyle::Plain;
    loop {
        let (flag, found) = if let Some(rest) = args.strip_prefix("--csv") {
            (output::ListStyle::Csv, rest)
        } else if let Some(rest) = args.strip_prefix("--markdown") {
            (output::ListStyle::Markdown, rest)
        } else {
            break;
        };
        style = flag;
        let trimmed = found.trim_start();
        offset += args.len() - trimmed.len();
        args = trimmed;
    }
    (style, args, offset)
}

/// A property that a command line reads and no kind of the inventory has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineUnknownProperty {
    /// The property, its span in the line and the closest known names.
    pub property: crate::vocabulary::UnknownProperty,
    /// Whether it is a `list` or `count` column (whose values would all print blank) rather
    /// than a property the search reads (which quietly matches or misses everything).
    pub column: bool,
}

/// The properties that the searches, `sort` keys and `list`/`count` columns of `line` read and
/// that `vocabulary` does not know, in the order written; spans are positions in `line`. Parts
/// that do not parse are skipped here: running the line reports them.
pub fn unknown_properties_in_line(
    line: &str,
    vocabulary: &crate::vocabulary::Vocabulary,
) -> Vec<LineUnknownProperty> {
    let mut out = Vec::new();
    let check_query = |query: &Query, column: bool, out: &mut Vec<LineUnknownProperty>| {
        for property in vocabulary.unknown_properties(query) {
            out.push(LineUnknownProperty { property, column });
        }
    };
    for range in split_command_lines(line) {
        for cmd in commands_of(line, range) {
            match cmd.name {
                "search" => {
                    let args = cmd.args.trim_start_matches("--explain").trim_start();
                    let offset = cmd.args_offset + (cmd.args.len() - args.len());
                    if !args.is_empty()
                        && !args.starts_with("--")
                        && let Ok(query) = parse_at(args, offset)
                    {
                        check_query(&query, false, &mut out);
                    }
                }
                "sort" => {
                    if let Ok(query) = parse_at(&cmd_text(&cmd), cmd.span.start) {
                        check_query(&query, false, &mut out);
                    }
                }
                "list" | "count" => {
                    let (rest, rest_offset) = if cmd.name == "list" {
                        let (_, rest, offset) = list_style(&cmd);
                        (rest, offset)
                    } else {
                        (cmd.args, cmd.args_offset)
                    };
                    for piece in output::split_commas(rest) {
                        let raw = &rest[piece.clone()];
                        let item = raw.trim();
                        let start =
                            rest_offset + piece.start + (raw.len() - raw.trim_start().len());
                        let path_text = item.rsplit_once(" as ").map_or(item, |(p, _)| p.trim());
                        if let Ok(path) = parse_path_for_column(path_text, start)
                            && let Some(property) = vocabulary.unknown_path(&path)
                        {
                            out.push(LineUnknownProperty {
                                property,
                                column: true,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}
