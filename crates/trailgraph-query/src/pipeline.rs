//! Command lines as a typed [`Pipeline`] of [`Stage`]s: parsed once (every argument with the
//! query grammar's own rules, nothing rebuilt into query text), then run over a stream of
//! elements.
//!
//! As in Fix, a leading run of search commands (`search`, `sort`, `limit`, `aggregate`, the
//! walks `ancestors`/`descendants`/`predecessors`/`successors`, and `head`, `tail`, `count`
//! right after them) becomes one query. The stream's elements are nodes, edges, JSON values,
//! text lines and table rows; an output command decides how the stream is printed at the end
//! (so `dump | head 1` prints one node and `format --json | head 1` an array of one), and
//! when none does, `list` is added.

use std::collections::HashSet;
use std::io::Write;
use std::ops::Range;

use trailgraph_model::{EdgeType, Inventory, Kind, NodeId, Value};

use crate::ast::{Direction, Navigation, Part, Query, Spanned};
use crate::command::{combine, commands_of, default_paths, usage};
use crate::error::CommandError;
use crate::eval::{EvalOptions, Merged, evaluate, explain};
use crate::graph_output::GraphFormat;
use crate::jq::JqProgram;
use crate::lower::{Context, lower};
use crate::output::{self, Column, Item, ListStyle};
use crate::parser::{
    ParseError, parse_aggregate_at, parse_limit_at, parse_path_at, parse_sort_at, parse_with_offset,
};
use crate::words::{self, Role};

/// One command line, parsed.
#[derive(Debug)]
pub struct Pipeline {
    /// The stages, in order; a search comes first when there is one.
    pub stages: Vec<Spanned<Stage>>,
}

/// One stage of a pipeline.
#[derive(Debug)]
pub enum Stage {
    /// The search built from the leading search commands.
    Search(Box<SearchStage>),
    /// `count [path]` over the stream.
    Count(Option<Box<Column>>),
    /// `head n`.
    Head(usize),
    /// `tail n`.
    Tail(usize),
    /// `uniq`.
    Uniq,
    /// `chunk n`.
    Chunk(usize),
    /// `flatten`.
    Flatten,
    /// `jq [--no-rewrite] program`.
    Jq(Box<JqProgram>),
    /// `json value`: the stream's elements.
    Json(Vec<Value>),
    /// `echo text`.
    Echo(String),
    /// `kinds [kind]`.
    Kinds(Option<Kind>),
    /// `list`.
    List(ListStage),
    /// `dump`.
    Dump,
    /// `format`.
    Format(FormatStage),
    /// `write file`.
    Write(String),
}

/// The search of a pipeline.
#[derive(Debug)]
pub struct SearchStage {
    /// The query in segments: a `head`/`tail` ends a segment, and the search commands after
    /// it continue from the nodes it kept (`search ... | head 1 | ancestors`).
    pub segments: Vec<Segment>,
    /// `search --explain`: the plan instead of the result.
    pub explain: bool,
    /// `search --with-edges`: the edges between the result's nodes follow them.
    pub with_edges: bool,
    /// `count [path]` right after the search.
    pub count: Option<Option<Box<Column>>>,
}

/// One segment of a search: a query and the `head`/`tail` windows taken of its result.
#[derive(Debug)]
pub struct Segment {
    /// The query (with the `sort`, `limit`, `aggregate` and walk commands applied); a
    /// segment after the first runs from the nodes the one before it kept.
    pub query: Query,
    /// `head`/`tail` of its result: (`head`?, n), in order.
    pub window: Vec<(bool, usize)>,
}

impl SearchStage {
    /// The segment search commands extend: a new one after a window.
    fn current(&mut self, at: usize) -> &mut Segment {
        if self.segments.last().is_none_or(|s| !s.window.is_empty()) {
            self.segments.push(Segment {
                query: Query {
                    aggregate: None,
                    parts: vec![Part::all(at..at)],
                },
                window: Vec::new(),
            });
        }
        let last = self.segments.len() - 1;
        &mut self.segments[last]
    }

    /// The query of the last segment (what `list`'s default columns come from).
    pub fn last_query(&self) -> Option<&Query> {
        self.segments.last().map(|s| &s.query)
    }
}

/// `list [--csv | --markdown | --json-table] [--with-defaults] [columns]`.
#[derive(Debug)]
pub struct ListStage {
    /// How the rows print.
    pub style: ListStyle,
    /// The columns (the defaults when none are given, or with `--with-defaults` before them).
    pub columns: Vec<Column>,
}

/// `format ...`.
#[derive(Debug)]
pub enum FormatStage {
    /// `--json`: one JSON array.
    Json,
    /// `--ndjson`: one JSON value per line.
    Ndjson,
    /// `--yaml`: YAML documents.
    Yaml,
    /// `--text`: one line of text per element.
    Text,
    /// `--dot`, `--mermaid`, `--graphml`: a picture of the nodes and the edges between them.
    Graph(GraphFormat),
    /// A template with `{path}` placeholders.
    Template(Vec<output::TemplatePiece>),
}

/// Parses one command line (the text of `range` in `line`; spans are positions in `line`).
pub fn parse_pipeline(line: &str, range: Range<usize>) -> Result<Pipeline, CommandError> {
    let commands = commands_of(line, range);
    let mut stages: Vec<Spanned<Stage>> = Vec::new();
    // The search while search commands may still extend it.
    let mut search: Option<(SearchStage, Range<usize>)> = None;
    let mut search_open = true;
    let finish = |search: &mut Option<(SearchStage, Range<usize>)>,
                  stages: &mut Vec<Spanned<Stage>>| {
        if let Some((stage, span)) = search.take() {
            stages.insert(0, Spanned::new(Stage::Search(Box::new(stage)), span));
        }
    };
    let last = commands.len().saturating_sub(1);
    for (i, cmd) in commands.iter().enumerate() {
        let args_span = cmd.args_offset..cmd.args_offset + cmd.args.len();
        // `aggregate(...): query` and `(edge_type=...): query` are searches written without
        // `search`, as in Fix's documentation.
        let query_line = i == 0
            && (cmd.name.starts_with("aggregate(")
                || cmd.name.starts_with('(')
                || cmd.name == "aggregate" && cmd.args.starts_with('('));
        if query_line {
            let text = &line[cmd.span.clone()];
            let query = parse_at(text, cmd.span.start)?;
            search = Some((new_search(query), cmd.span.clone()));
            continue;
        }
        let Some(info) = words::command(cmd.name) else {
            return Err(usage(
                format!(
                    "unknown command `{}` (known: {})",
                    cmd.name,
                    words::command_names()
                ),
                cmd.span.start..cmd.span.start + cmd.name.len(),
            ));
        };
        let in_search = search_open && search.is_some();
        match (info.name, info.role) {
            ("search", _) => {
                if !search_open {
                    return Err(usage(
                        "`search` must come before the other commands of a pipeline",
                        cmd.span.clone(),
                    ));
                }
                let (explain, with_edges, text, offset) =
                    search_options(cmd.args, cmd.args_offset)?;
                let query = if text.is_empty() {
                    parse_at("all", offset)?
                } else {
                    parse_at(text, offset)?
                };
                match &mut search {
                    Some((stage, span)) => {
                        let segment = stage.current(cmd.span.start);
                        let previous = std::mem::replace(
                            &mut segment.query,
                            Query {
                                aggregate: None,
                                parts: Vec::new(),
                            },
                        );
                        segment.query = combine(previous, query);
                        stage.explain |= explain;
                        stage.with_edges |= with_edges;
                        span.end = cmd.span.end;
                    }
                    None => {
                        let mut stage = new_search(query);
                        stage.explain = explain;
                        stage.with_edges = with_edges;
                        search = Some((stage, cmd.span.clone()));
                    }
                }
            }
            (name, Role::Search) => {
                let Some((stage, span)) = search.as_mut().filter(|_| search_open) else {
                    return Err(usage(
                        format!("`{name}` follows a search (`search ... | {name} ...`)"),
                        cmd.span.clone(),
                    ));
                };
                span.end = cmd.span.end;
                apply_search_command(stage, name, cmd.args, cmd.args_offset, &cmd.span)?;
            }
            ("head" | "tail", _) if in_search => {
                let n = count_argument(cmd.name, cmd.args, &args_span, 100)?;
                if let Some((stage, span)) = search.as_mut() {
                    if let Some(segment) = stage.segments.last_mut() {
                        segment.window.push((cmd.name == "head", n));
                    }
                    span.end = cmd.span.end;
                }
            }
            ("count", _) if in_search => {
                let column = column_argument(cmd.args, cmd.args_offset)?;
                if let Some((stage, span)) = search.as_mut() {
                    stage.count = Some(column);
                    span.end = cmd.span.end;
                }
                search_open = false;
            }
            (name, role) => {
                search_open = false;
                if role == Role::Source && i > 0 && name != "kinds" {
                    return Err(usage(
                        format!("`{name}` starts a pipeline"),
                        cmd.span.clone(),
                    ));
                }
                if name == "write" && i != last {
                    return Err(usage(
                        "`write` ends a pipeline",
                        cmd.span.start..cmd.span.start + name.len(),
                    ));
                }
                let stage = stream_stage(name, cmd.args, cmd.args_offset, &args_span, &search)?;
                stages.push(Spanned::new(stage, cmd.span.clone()));
            }
        }
    }
    finish(&mut search, &mut stages);
    Ok(Pipeline { stages })
}

fn parse_at(text: &str, offset: usize) -> Result<Query, CommandError> {
    parse_with_offset(text, offset).map_err(|error| CommandError::Parse { error })
}

fn parse_error(error: ParseError) -> CommandError {
    CommandError::Parse { error }
}

fn new_search(query: Query) -> SearchStage {
    SearchStage {
        segments: vec![Segment {
            query,
            window: Vec::new(),
        }],
        explain: false,
        with_edges: false,
        count: None,
    }
}

/// `--explain` and `--with-edges` before the query; `-->` is a navigation, not an option.
fn search_options(args: &str, offset: usize) -> Result<(bool, bool, &str, usize), CommandError> {
    let mut args = args;
    let mut offset = offset;
    let mut explain = false;
    let mut with_edges = false;
    loop {
        let flag = args.split_whitespace().next().unwrap_or("");
        let known = match flag {
            "--explain" => {
                explain = true;
                true
            }
            "--with-edges" => {
                with_edges = true;
                true
            }
            _ => false,
        };
        if known {
            let rest = &args[flag.len()..];
            let trimmed = rest.trim_start();
            offset += args.len() - trimmed.len();
            args = trimmed;
        } else if flag.starts_with("--") && flag[2..].starts_with(|c: char| c.is_ascii_alphabetic())
        {
            return Err(usage(
                format!("unknown search option `{flag}` (known: --explain, --with-edges)"),
                offset..offset + flag.len(),
            ));
        } else {
            return Ok((explain, with_edges, args, offset));
        }
    }
}

fn apply_search_command(
    stage: &mut SearchStage,
    name: &str,
    args: &str,
    offset: usize,
    span: &Range<usize>,
) -> Result<(), CommandError> {
    fn last_part(query: &mut Query, at: usize) -> Option<&mut Part> {
        // A query that ends in a navigation sorts and limits what it reaches: a new part.
        if query.parts.last().is_some_and(|p| p.navigation.is_some()) {
            query.parts.push(Part::all(at..at));
        }
        query.parts.last_mut()
    }
    let query = &mut stage.current(span.start).query;
    match name {
        "sort" => {
            let keys = parse_sort_at(args, offset).map_err(parse_error)?;
            if let Some(part) = last_part(query, span.start) {
                part.sort = keys;
            }
        }
        "limit" => {
            let limit = parse_limit_at(args, offset).map_err(parse_error)?;
            if let Some(part) = last_part(query, span.start) {
                part.limit = Some(limit);
            }
        }
        "aggregate" => {
            let aggregate = parse_aggregate_at(args, offset).map_err(parse_error)?;
            query.aggregate = Some(aggregate);
        }
        walk => {
            let (with_origin, edge_type) = walk_arguments(args, offset)?;
            let (direction, until) = match walk {
                "ancestors" => (Direction::In, None),
                "descendants" => (Direction::Out, None),
                "predecessors" => (Direction::In, Some(1)),
                _ => (Direction::Out, Some(1)),
            };
            let navigation = Navigation {
                direction,
                edge_types: vec![edge_type],
                outbound_edge_types: Vec::new(),
                start: u32::from(!with_origin),
                until,
                edge_filter: None,
            };
            let needs_part = query.parts.last().is_none_or(|p| p.navigation.is_some());
            if needs_part {
                query.parts.push(Part::all(span.start..span.start));
            }
            if let Some(part) = query.parts.last_mut() {
                part.navigation = Some(Spanned::new(navigation, span.clone()));
            }
        }
    }
    Ok(())
}

/// `[--with-origin] [edge_type]` of a walk.
fn walk_arguments(args: &str, offset: usize) -> Result<(bool, EdgeType), CommandError> {
    let mut with_origin = false;
    let mut edge_type = EdgeType::Default;
    let mut position = 0;
    for word in args.split_whitespace() {
        let at = offset + args[position..].find(word).map_or(0, |p| position + p);
        position = at - offset + word.len();
        if word == "--with-origin" {
            with_origin = true;
        } else {
            edge_type = word.parse().map_err(|message: String| {
                usage(
                    format!("{message} (a walk takes --with-origin and an edge type)"),
                    at..at + word.len(),
                )
            })?;
        }
    }
    Ok((with_origin, edge_type))
}

/// `head 5`, `head -5`, `head -n 5`.
fn count_argument(
    name: &str,
    args: &str,
    span: &Range<usize>,
    default: usize,
) -> Result<usize, CommandError> {
    if args.is_empty() {
        return Ok(default);
    }
    let text = args.trim_start_matches('-').trim_start_matches("n ").trim();
    text.parse().map_err(|_| {
        usage(
            format!("{name} takes a number, found `{args}`"),
            span.clone(),
        )
    })
}

fn column_argument(args: &str, offset: usize) -> Result<Option<Box<Column>>, CommandError> {
    if args.is_empty() {
        return Ok(None);
    }
    let path = parse_path_at(args, offset).map_err(parse_error)?;
    Ok(Some(Box::new(Column::for_path(&path)?)))
}

fn stream_stage(
    name: &str,
    args: &str,
    offset: usize,
    span: &Range<usize>,
    search: &Option<(SearchStage, Range<usize>)>,
) -> Result<Stage, CommandError> {
    let no_arguments = |stage: Stage| -> Result<Stage, CommandError> {
        if args.is_empty() {
            Ok(stage)
        } else {
            Err(usage(format!("`{name}` takes no arguments"), span.clone()))
        }
    };
    Ok(match name {
        "count" => Stage::Count(column_argument(args, offset)?),
        "head" => Stage::Head(count_argument(name, args, span, 100)?),
        "tail" => Stage::Tail(count_argument(name, args, span, 100)?),
        "chunk" => {
            let n = count_argument(name, args, span, 100)?;
            if n == 0 {
                return Err(usage("chunk takes a number above 0", span.clone()));
            }
            Stage::Chunk(n)
        }
        "uniq" => no_arguments(Stage::Uniq)?,
        "flatten" => no_arguments(Stage::Flatten)?,
        "dump" => no_arguments(Stage::Dump)?,
        "jq" => {
            let (no_rewrite, program) = match args.strip_prefix("--no-rewrite") {
                Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => {
                    (true, rest.trim())
                }
                _ => (false, args),
            };
            let program = unquote(program);
            if program.is_empty() {
                return Err(usage("jq needs a program, e.g. `jq .name`", span.clone()));
            }
            Stage::Jq(Box::new(
                JqProgram::compile(program, no_rewrite).map_err(|m| usage(m, span.clone()))?,
            ))
        }
        "json" => {
            let value: serde_json::Value = serde_json::from_str(args)
                .map_err(|e| usage(format!("json needs a JSON value: {e}"), span.clone()))?;
            Stage::Json(match value {
                serde_json::Value::Array(elements) => elements.iter().map(Value::from).collect(),
                other => vec![Value::from(&other)],
            })
        }
        "echo" => Stage::Echo(unquote(args).to_owned()),
        "kinds" => {
            if args.is_empty() {
                Stage::Kinds(None)
            } else {
                let kind = args.parse::<Kind>().map_err(|_| {
                    usage(
                        format!(
                            "unknown kind `{args}` (known: {})",
                            Kind::ALL.map(Kind::as_str).join(", ")
                        ),
                        span.clone(),
                    )
                })?;
                Stage::Kinds(Some(kind))
            }
        }
        "list" => Stage::List(list_stage(args, offset, search)?),
        "format" => Stage::Format(format_stage(args, offset)?),
        "write" => {
            let file = unquote(args);
            if file.is_empty() {
                return Err(usage("write needs a file name", span.clone()));
            }
            Stage::Write(file.to_owned())
        }
        other => {
            return Err(usage(
                format!("`{other}` must come right after a search"),
                span.clone(),
            ));
        }
    })
}

/// One pair of surrounding quotes (`'...'` or `"..."`) stripped, as a shell would.
fn unquote(text: &str) -> &str {
    let text = text.trim();
    for quote in ['\'', '"'] {
        if let Some(inner) = text.strip_prefix(quote).and_then(|t| t.strip_suffix(quote)) {
            return inner;
        }
    }
    text
}

fn list_stage(
    args: &str,
    offset: usize,
    search: &Option<(SearchStage, Range<usize>)>,
) -> Result<ListStage, CommandError> {
    let mut rest = args;
    let mut rest_offset = offset;
    let mut style = ListStyle::Plain;
    let mut with_defaults = false;
    loop {
        let flag = rest.split_whitespace().next().unwrap_or("");
        match flag {
            "--csv" => style = ListStyle::Csv,
            "--markdown" => style = ListStyle::Markdown,
            "--json-table" => style = ListStyle::JsonTable,
            "--with-defaults" => with_defaults = true,
            f if f.starts_with("--") => {
                return Err(usage(
                    format!(
                        "unknown list option `{f}` (known: --csv, --markdown, --json-table, --with-defaults)"
                    ),
                    rest_offset..rest_offset + f.len(),
                ));
            }
            _ => break,
        }
        let after = rest[flag.len()..].trim_start();
        rest_offset += rest.len() - after.len();
        rest = after;
    }
    let defaults = || -> Result<Vec<Column>, CommandError> {
        let paths = search
            .as_ref()
            .and_then(|(s, _)| s.last_query().map(default_paths))
            .unwrap_or_default();
        output::default_columns(&paths)
    };
    let columns = if rest.is_empty() {
        defaults()?
    } else {
        let given = output::parse_columns(rest, rest_offset)?;
        if with_defaults {
            let mut all = defaults()?;
            all.extend(given);
            output::dedupe(all)
        } else {
            given
        }
    };
    Ok(ListStage { style, columns })
}

fn format_stage(args: &str, offset: usize) -> Result<FormatStage, CommandError> {
    let flag = args.split_whitespace().next().unwrap_or("");
    let fixed = match flag {
        "--json" => Some(FormatStage::Json),
        "--ndjson" => Some(FormatStage::Ndjson),
        "--yaml" => Some(FormatStage::Yaml),
        "--text" => Some(FormatStage::Text),
        "--dot" => Some(FormatStage::Graph(GraphFormat::Dot)),
        "--mermaid" => Some(FormatStage::Graph(GraphFormat::Mermaid)),
        "--graphml" => Some(FormatStage::Graph(GraphFormat::GraphMl)),
        f if f.starts_with("--") => {
            return Err(usage(
                format!(
                    "unknown format option `{f}` (known: --json, --ndjson, --yaml, --text, --dot, --mermaid, --graphml)"
                ),
                offset..offset + f.len(),
            ));
        }
        _ => None,
    };
    if let Some(fixed) = fixed {
        let rest = args[flag.len()..].trim();
        if !rest.is_empty() {
            let at = offset + args.len() - rest.len();
            return Err(usage(
                format!("`format {flag}` takes no template"),
                at..at + rest.len(),
            ));
        }
        return Ok(fixed);
    }
    // One pair of surrounding quotes is stripped.
    let (template, template_offset) = match args
        .strip_prefix('"')
        .and_then(|a| a.strip_suffix('"'))
        .or_else(|| args.strip_prefix('\'').and_then(|a| a.strip_suffix('\'')))
    {
        Some(inner) => (inner, offset + 1),
        None => (args, offset),
    };
    Ok(FormatStage::Template(output::parse_template(
        template,
        template_offset,
    )?))
}

/// How the stream is printed at the end.
#[derive(Debug, Clone)]
enum Render {
    /// No output command yet: `list` with the search's default columns is added.
    Default,
    /// Each element: text as it is, anything else as a YAML document (`---` between them).
    Plain,
    /// One pretty JSON array of the elements.
    JsonArray,
    /// A header and the rows (`list --csv`, `--markdown`).
    Table(ListStyle, Vec<String>),
    /// `list --json-table`: the columns object, then `{id, row}` per row, as one JSON array.
    JsonTable(Value),
    /// A picture of the nodes and the edges between them.
    Graph(GraphFormat),
}

/// The stream between stages.
struct Stream {
    items: Vec<Item>,
    render: Render,
}

/// What a pipeline runs against.
struct Run<'a> {
    inventory: &'a Inventory,
    context: &'a Context,
    merged: Merged,
    default_columns: Vec<Column>,
}

/// Runs a parsed pipeline and writes its output.
pub fn run_pipeline(
    pipeline: &Pipeline,
    inventory: &Inventory,
    context: &Context,
    out: &mut dyn Write,
) -> Result<(), CommandError> {
    let search = pipeline.stages.first().and_then(|s| match &s.node {
        Stage::Search(search) => Some(search.as_ref()),
        _ => None,
    });
    let default_columns = match search {
        Some(s) => output::default_columns(&s.last_query().map(default_paths).unwrap_or_default())?,
        None => output::default_columns(&[])?,
    };
    let mut run = Run {
        inventory,
        context,
        merged: Merged::new(),
        default_columns,
    };
    let mut stream = Stream {
        items: Vec::new(),
        render: Render::Default,
    };
    for (i, stage) in pipeline.stages.iter().enumerate() {
        stream = run_stage(&mut run, stage, stream, i == 0)?;
        if let Stage::Write(file) = &stage.node {
            let mut bytes = Vec::new();
            let elements = stream.items.len();
            print(&run, stream, &mut bytes)?;
            // As every file of trailgraph's: private, replaced atomically.
            trailgraph_model::write::write_atomically(std::path::Path::new(file), |w| {
                w.write_all(&bytes)
            })
            .map_err(|e| usage(format!("cannot write {file}: {e}"), stage.span.clone()))?;
            writeln!(out, "wrote {elements} elements to {file}")?;
            return Ok(());
        }
    }
    print(&run, stream, out)
}

fn run_stage(
    run: &mut Run<'_>,
    stage: &Spanned<Stage>,
    stream: Stream,
    first: bool,
) -> Result<Stream, CommandError> {
    let Stream { items, render } = stream;
    let inventory = run.inventory;
    let context = run.context;
    Ok(match &stage.node {
        Stage::Search(search) => run_search(run, search)?,
        Stage::Count(column) => Stream {
            items: output::count_items(inventory, items, column.as_deref(), context, &run.merged)
                .into_iter()
                .map(Item::Text)
                .collect(),
            render: Render::Plain,
        },
        Stage::Head(n) => Stream {
            items: items.into_iter().take(*n).collect(),
            render,
        },
        Stage::Tail(n) => {
            let skip = items.len().saturating_sub(*n);
            Stream {
                items: items.into_iter().skip(skip).collect(),
                render,
            }
        }
        Stage::Uniq => Stream {
            items: output::uniq(items),
            render,
        },
        Stage::Chunk(n) => {
            let values: Vec<Value> = items.iter().map(|i| run.value_of(i)).collect();
            Stream {
                items: values
                    .chunks(*n)
                    .map(|c| Item::Value(Value::Array(c.to_vec().into())))
                    .collect(),
                render: keep_plain(render),
            }
        }
        Stage::Flatten => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Item::Value(Value::Array(elements)) => {
                        out.extend(elements.iter().cloned().map(Item::Value));
                    }
                    other => out.push(other),
                }
            }
            Stream {
                items: out,
                render: keep_plain(render),
            }
        }
        Stage::Jq(program) => {
            let out = program
                .run_all(items.len(), |i| {
                    items.get(i).map_or(Value::Null, |item| run.value_of(item))
                })
                .map_err(|m| usage(m, stage.span.clone()))?;
            Stream {
                items: out.into_iter().map(Item::Value).collect(),
                render: keep_plain(render),
            }
        }
        Stage::Json(values) => Stream {
            items: values.iter().cloned().map(Item::Value).collect(),
            render: Render::Default,
        },
        Stage::Echo(text) => Stream {
            items: vec![Item::Text(text.clone())],
            render: Render::Plain,
        },
        Stage::Kinds(kind) => Stream {
            items: match kind {
                Some(kind) => vec![Item::Value(output::kind_model(inventory, *kind))],
                None => output::kinds(inventory, if first { None } else { Some(items) }),
            },
            render: Render::Plain,
        },
        Stage::List(list) => {
            let (rows, names) = output::list_rows(
                inventory,
                items,
                &list.columns,
                context,
                &run.merged,
                list.style,
            );
            let render = match list.style {
                ListStyle::Plain => Render::Plain,
                ListStyle::JsonTable => {
                    Render::JsonTable(output::json_table_columns(&list.columns))
                }
                style => Render::Table(style, names),
            };
            Stream {
                items: rows,
                render,
            }
        }
        Stage::Dump => Stream {
            items,
            render: Render::Plain,
        },
        Stage::Format(format) => match format {
            FormatStage::Json => Stream {
                items: items.iter().map(|i| Item::Value(run.value_of(i))).collect(),
                render: Render::JsonArray,
            },
            FormatStage::Yaml => Stream {
                items: items.iter().map(|i| Item::Value(run.value_of(i))).collect(),
                render: Render::Plain,
            },
            FormatStage::Ndjson => Stream {
                items: items
                    .iter()
                    .map(|i| Item::Text(run.value_of(i).to_string()))
                    .collect(),
                render: Render::Plain,
            },
            FormatStage::Text => Stream {
                items: items
                    .into_iter()
                    .map(|i| Item::Text(run.text_of(i)))
                    .collect(),
                render: Render::Plain,
            },
            FormatStage::Graph(format) => Stream {
                items,
                render: Render::Graph(*format),
            },
            FormatStage::Template(pieces) => Stream {
                items: output::format_template(inventory, items, pieces, context, &run.merged),
                render: Render::Plain,
            },
        },
        // Handled by run_pipeline (the stream is written, not printed).
        Stage::Write(_) => Stream { items, render },
    })
}

/// After a stage that makes JSON values, a table or a picture no longer fits: the values
/// print as they are.
fn keep_plain(render: Render) -> Render {
    match render {
        Render::Default | Render::Plain | Render::JsonArray => render,
        _ => Render::Plain,
    }
}

fn run_search(run: &mut Run<'_>, search: &SearchStage) -> Result<Stream, CommandError> {
    let inventory = run.inventory;
    let mut plans = Vec::with_capacity(search.segments.len());
    for segment in &search.segments {
        plans.push(
            lower(&segment.query, run.context).map_err(|error| CommandError::Lower { error })?,
        );
    }
    if search.explain {
        let text: Vec<String> = plans.iter().map(|p| explain(p, inventory)).collect();
        return Ok(Stream {
            items: vec![Item::Text(text.join("\n"))],
            render: Render::Plain,
        });
    }
    let mut nodes: Vec<NodeId> = Vec::new();
    let mut aggregate = None;
    let last = plans.len().saturating_sub(1);
    for (i, (segment, plan)) in search.segments.iter().zip(&plans).enumerate() {
        let ordered = i < last || search.count.is_none() || !segment.window.is_empty();
        let options = EvalOptions { ordered };
        let evaluation = if i == 0 {
            evaluate(plan, inventory, options)
        } else {
            crate::eval::evaluate_from(plan, inventory, &nodes, options)
        };
        run.merged = evaluation.merged;
        nodes = evaluation.nodes;
        for (head, n) in &segment.window {
            nodes = if *head {
                nodes.into_iter().take(*n).collect()
            } else {
                let skip = nodes.len().saturating_sub(*n);
                nodes.into_iter().skip(skip).collect()
            };
        }
        if plan.aggregate.is_some() {
            aggregate = plan.aggregate.as_ref();
        }
    }
    if let Some(aggregate) = aggregate {
        return Ok(Stream {
            items: crate::eval::aggregate(aggregate, inventory, &nodes)
                .into_iter()
                .map(Item::Value)
                .collect(),
            render: Render::Plain,
        });
    }
    if let Some(column) = &search.count {
        return Ok(Stream {
            items: output::count_nodes(
                inventory,
                &nodes,
                column.as_deref(),
                run.context,
                &run.merged,
            )
            .into_iter()
            .map(Item::Text)
            .collect(),
            render: Render::Plain,
        });
    }
    let mut items: Vec<Item> = nodes.iter().copied().map(Item::Node).collect();
    if search.with_edges
        && let Some(query) = search.last_query()
    {
        items.extend(edges_between(inventory, &nodes, query));
    }
    Ok(Stream {
        items,
        render: Render::Default,
    })
}

/// `--with-edges`: the edges of the inventory between the result's nodes, of the edge types
/// of the query's last navigation (`default` when it has none), each once, in result order.
fn edges_between(inventory: &Inventory, nodes: &[NodeId], query: &Query) -> Vec<Item> {
    let mut types: Vec<EdgeType> = query
        .parts
        .iter()
        .rev()
        .find_map(|p| p.navigation.as_ref())
        .map(|n| {
            let mut t = n.node.edge_types.clone();
            t.extend(n.node.outbound_edge_types.iter().copied());
            t
        })
        .unwrap_or_else(|| vec![EdgeType::Default]);
    types.sort();
    types.dedup();
    let members: HashSet<NodeId> = nodes.iter().copied().collect();
    let mut edges = Vec::new();
    for &from in nodes {
        for &edge_type in &types {
            for to in inventory.neighbors(from, petgraph::Direction::Outgoing, edge_type) {
                if members.contains(&to) {
                    edges.push(Item::Edge {
                        from,
                        to,
                        edge_type,
                    });
                }
            }
        }
    }
    edges
}

impl Run<'_> {
    /// An element as a JSON value (a node as Fix shows it).
    fn value_of(&self, item: &Item) -> Value {
        output::item_value(self.inventory, item, self.context, &self.merged)
    }

    /// An element as one line of text: text as it is, a node as its default `list` line, a
    /// value as `list` renders values.
    fn text_of(&self, item: Item) -> String {
        match item {
            Item::Text(t) => t,
            Item::Node(_) | Item::Edge { .. } => {
                let (rows, _) = output::list_rows(
                    self.inventory,
                    vec![item],
                    &self.default_columns,
                    self.context,
                    &self.merged,
                    ListStyle::Plain,
                );
                rows.into_iter()
                    .next()
                    .map(|r| match r {
                        Item::Text(t) => t,
                        other => format!("{other:?}"),
                    })
                    .unwrap_or_default()
            }
            Item::Value(v) => output::render_value(&v),
            Item::Row(cells) => cells
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

fn print(run: &Run<'_>, stream: Stream, out: &mut dyn Write) -> Result<(), CommandError> {
    let Stream { items, render } = stream;
    match render {
        Render::Default => {
            let (rows, _) = output::list_rows(
                run.inventory,
                items,
                &run.default_columns,
                run.context,
                &run.merged,
                ListStyle::Plain,
            );
            print_plain(run, rows, out)
        }
        Render::Plain => print_plain(run, items, out),
        Render::JsonArray => {
            let values: Vec<Value> = items.iter().map(|i| run.value_of(i)).collect();
            let text = serde_json::to_string_pretty(&Value::Array(values.into()))
                .map_err(|e| usage(format!("cannot print JSON: {e}"), 0..0))?;
            writeln!(out, "{text}")?;
            Ok(())
        }
        Render::Table(style, names) => {
            for line in output::render_table(style, &names, items) {
                writeln!(out, "{line}")?;
            }
            Ok(())
        }
        Render::JsonTable(columns) => {
            let mut values = vec![columns];
            values.extend(items.iter().map(|i| run.value_of(i)));
            let text = serde_json::to_string_pretty(&Value::Array(values.into()))
                .map_err(|e| usage(format!("cannot print JSON: {e}"), 0..0))?;
            writeln!(out, "{text}")?;
            Ok(())
        }
        Render::Graph(format) => {
            writeln!(
                out,
                "{}",
                crate::graph_output::render(run.inventory, &items, format)
            )?;
            Ok(())
        }
    }
}

/// Text as it is; nodes, edges and values as YAML documents with `---` between them, as in
/// Fix's shell.
fn print_plain(run: &Run<'_>, items: Vec<Item>, out: &mut dyn Write) -> Result<(), CommandError> {
    let mut previous_yaml = false;
    for item in items {
        if let Item::Text(text) = &item {
            writeln!(out, "{text}")?;
            previous_yaml = false;
            continue;
        }
        let yaml = output::to_yaml(&run.value_of(&item));
        if previous_yaml {
            writeln!(out, "---")?;
        }
        write!(out, "{yaml}")?;
        previous_yaml = true;
    }
    Ok(())
}
