//! Shell command lines: `search ... | count`, `search ... | sort name | head 3 | list name, arn`.
//!
//! `;` separates command lines; each is parsed into a typed [`Pipeline`](crate::pipeline)
//! and run (see [`crate::pipeline`] for the stages).

use std::io::Write;
use std::ops::Range;

use trailgraph_model::{Inventory, NodeId};

use crate::ast::{BoolOp, Part, Path, Query, Spanned, Term};
use crate::eval::{EvalOptions, evaluate};
use crate::lower::{Context, lower};
use crate::parser::{parse_path_at, parse_sort_at, parse_with_offset};
use crate::pipeline::{parse_pipeline, run_pipeline};
use crate::shell::{split_command_lines, split_commas, split_pipeline};

pub use crate::error::CommandError;

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
        let pipeline = parse_pipeline(line, range)?;
        run_pipeline(&pipeline, inventory, context, out)?;
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
pub(crate) struct Command<'l> {
    pub(crate) name: &'l str,
    pub(crate) args: &'l str,
    /// Byte offset of `args` in the line.
    pub(crate) args_offset: usize,
    /// The whole command's range in the line.
    pub(crate) span: Range<usize>,
}

pub(crate) fn commands_of(line: &str, range: Range<usize>) -> Vec<Command<'_>> {
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

pub(crate) fn usage(message: impl Into<String>, span: Range<usize>) -> CommandError {
    CommandError::Usage {
        message: message.into(),
        span,
    }
}

/// A second `search` in a pipe: AND its first part into the last part, unless the first search
/// ended with a navigation, in which case its parts follow.
pub(crate) fn combine(mut previous: Query, next: Query) -> Query {
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

/// The query's own paths for `list`'s default columns (around kind, id, name, age,
/// last_update, cloud, account, region): its last part's predicate paths and sort keys.
pub(crate) fn default_paths(query: &Query) -> Vec<Spanned<Path>> {
    let mut paths: Vec<Spanned<Path>> = Vec::new();
    if let Some(last) = query.parts.last() {
        if let Some(term) = &last.term {
            collect_predicate_paths(term, &mut paths);
        }
        paths.extend(last.sort.iter().map(|s| s.node.path.clone()));
    }
    paths
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
                    let (args, offset) = skip_options(cmd.args, cmd.args_offset);
                    if !args.is_empty()
                        && !args.starts_with("--")
                        && let Ok(query) = parse_at(args, offset)
                    {
                        check_query(&query, false, &mut out);
                    }
                }
                "sort" => {
                    for key in parse_sort_at(cmd.args, cmd.args_offset).unwrap_or_default() {
                        if let Some(property) = vocabulary.unknown_path(&key.node.path) {
                            out.push(LineUnknownProperty {
                                property,
                                column: false,
                            });
                        }
                    }
                }
                "list" | "count" => {
                    let (rest, rest_offset) = skip_options(cmd.args, cmd.args_offset);
                    for piece in split_commas(rest) {
                        let raw = &rest[piece.clone()];
                        let item = raw.trim();
                        let start =
                            rest_offset + piece.start + (raw.len() - raw.trim_start().len());
                        let path_text = item.rsplit_once(" as ").map_or(item, |(p, _)| p.trim());
                        if let Ok(path) = parse_path_at(path_text, start)
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

/// The arguments after leading `--options` (a `-->` navigation is not one), and their offset.
fn skip_options(args: &str, offset: usize) -> (&str, usize) {
    let mut rest = args;
    while let Some(flag) = rest.split_whitespace().next() {
        if !(flag.starts_with("--") && flag[2..].starts_with(|c: char| c.is_ascii_alphabetic())) {
            break;
        }
        rest = rest[flag.len()..].trim_start();
    }
    (rest, offset + (args.len() - rest.len()))
}
