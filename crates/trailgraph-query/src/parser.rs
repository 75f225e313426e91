//! From query text to the spanned [`ast`](crate::ast).

use pest::Parser as _;
use pest::iterators::Pair;

use trailgraph_model::EdgeType;

use crate::ast::{
    Aggregate, AggregateFunction, AggregateOperand, AggregateValue, AggregateVariable,
    ArrayModifier, BoolOp, CmpOp, Direction, Function, Limit, Literal, Merge, MergeItem,
    Navigation, Part, Path, Predicate, Query, Segment, SortKey, Span, Spanned, Term, WithClause,
    WithFilter, WithUsage,
};

/// Deepest nesting of `(`, `[` and `{` the parser accepts.
///
/// Fix's own queries nest a few levels; 64 leaves ample room and keeps the recursive descent
/// within a 2 MiB thread stack even in debug builds.
pub const MAX_NESTING: usize = 64;

mod grammar {
    // The derive generates the undocumented `Rule` enum; it never leaves this crate.
    #![allow(missing_docs)]
    #[derive(pest_derive::Parser)]
    #[grammar = "grammar.pest"]
    pub(super) struct QueryParser;
}
use grammar::{QueryParser, Rule};

/// A query that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
#[non_exhaustive]
pub struct ParseError {
    /// Where the problem is (byte offsets into the query).
    pub span: Span,
    /// What would have been accepted there, in words.
    pub expected: Vec<String>,
    /// What was found there (`end of input` at the end).
    pub found: String,
    /// A specific explanation that replaces the expected/found message.
    pub detail: Option<String>,
    /// The `(` that is still open where the error is, for an "opened here" label.
    pub unclosed: Option<Span>,
}

impl ParseError {
    /// The message: `expected a term, found 'sort'`.
    pub fn message(&self) -> String {
        if let Some(detail) = &self.detail {
            return detail.clone();
        }
        let expected = match self.expected.as_slice() {
            [] => "something else".to_owned(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        };
        format!("expected {expected}, found {}", self.found)
    }

    /// An error at `span`, a position in the line (already shifted by the span offset).
    fn custom(span: Span, source: &str, detail: String) -> ParseError {
        ParseError {
            found: if source.is_empty() {
                String::new()
            } else {
                found_at(source, span.start.saturating_sub(span_offset()))
            },
            span,
            expected: Vec::new(),
            detail: Some(detail),
            unclosed: None,
        }
    }
}

/// Parses a whole query.
///
/// ```
/// let q = trailgraph_query::parse("is(aws_cloud_trail) and trail_status.is_logging=true")?;
/// assert_eq!(q.to_string(), r#"(is("aws_cloud_trail") and trail_status.is_logging == true)"#);
/// # Ok::<(), trailgraph_query::ParseError>(())
/// ```
pub fn parse(source: &str) -> Result<Query, ParseError> {
    parse_with_offset(source, 0)
}

/// Parses `source` that stands at byte `offset` of a longer line: every span in the tree and
/// in an error is a position in that line. Costs nothing per byte before `offset`, so a line
/// of many commands is parsed in linear time.
pub(crate) fn parse_with_offset(source: &str, offset: usize) -> Result<Query, ParseError> {
    SPAN_OFFSET.with(|c| c.set(offset));
    OPERATORS.with(|c| c.set(0));
    let result = parse_source(source);
    SPAN_OFFSET.with(|c| c.set(0));
    result
}

fn parse_source(source: &str) -> Result<Query, ParseError> {
    check_nesting(source)?;
    let mut pairs =
        QueryParser::parse(Rule::query, source).map_err(|e| convert_error(source, e))?;
    let at = span_offset();
    let pair = pairs
        .next()
        .ok_or_else(|| ParseError::custom(at..at, source, "empty query".into()))?;
    parse_query(pair, source)
}

/// Where the text being parsed starts in the line its spans refer to.
fn span_offset() -> usize {
    SPAN_OFFSET.with(std::cell::Cell::get)
}

/// Most `and`/`or` operators one query may hold. A chain of N operators is a tree N levels
/// deep, which printing, lowering and dropping walk recursively.
pub const MAX_OPERATORS: usize = 500;

fn too_many_operators() -> String {
    format!("the query combines too many terms (more than {MAX_OPERATORS} 'and'/'or')")
}

/// Rejects input nested deeper than [`MAX_NESTING`] before the recursive parser sees it, in one
/// linear pass, so hostile input gets an error and never a stack overflow.
///
/// A level is a `(` or `[` (a `{` counts two), or a `not` that wraps the term after it without parentheses
/// (`not not x`): `not(x)` and `not x` both count one level, so a query nested to the limit
/// still parses after it is printed (the printer writes `not(...)`). The `not`s of a term are
/// forgotten at the next `and`, `or`, `,` or navigation arrow, where that term has ended.
fn check_nesting(source: &str) -> Result<(), ParseError> {
    let offset = span_offset();
    let too_deep = |at: usize, len: usize| {
        ParseError::custom(
            offset + at..offset + at + len,
            source,
            format!("the query is nested too deeply (limit {MAX_NESTING})"),
        )
    };
    // `not`s counted in each open bracket level, the outermost first.
    let mut nots: Vec<usize> = vec![0];
    // How many levels each open bracket counts.
    let mut weights: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    // A `not` just read, counted once the next token shows it is not `not(` or `not in`.
    let mut pending_not: Option<usize> = None;
    let mut operators = 0usize;
    let mut word = String::new();
    let mut word_start = 0;
    let mut previous = ' ';
    let mut chars = structural_chars(source).peekable();
    while let Some((i, c)) = chars.next() {
        let word_char = c.is_ascii_alphanumeric() || c == '_' || c == '-' && !word.is_empty();
        if word_char {
            if word.is_empty() {
                word_start = i;
            }
            if word.len() < 8 {
                word.push(c);
            }
            let ends = chars
                .peek()
                .is_none_or(|&(_, n)| !(n.is_ascii_alphanumeric() || n == '_' || n == '-'));
            if !ends {
                previous = c;
                continue;
            }
        }
        let token = if word_char { word.as_str() } else { "" };
        if c.is_whitespace() {
            previous = c;
            continue;
        }
        // Decide a pending `not` by the token that follows it.
        if let Some(at) = pending_not.take()
            && c != '('
            && token != "in"
        {
            if let Some(count) = nots.last_mut() {
                *count += 1;
            }
            depth += 1;
            if depth > MAX_NESTING {
                return Err(too_deep(at, 3));
            }
        }
        let mut forget = false;
        match (token, c) {
            ("not", _) => pending_not = Some(word_start),
            ("and" | "or", _) => {
                forget = true;
                operators += 1;
                // Counted here too, so a huge chain is refused before pest builds its tokens.
                if operators > MAX_OPERATORS {
                    return Err(ParseError::custom(
                        offset + word_start..offset + word_start + token.len(),
                        source,
                        too_many_operators(),
                    ));
                }
            }
            (_, '(' | '[' | '{') if !word_char => {
                // A `{` opens a merge, a context term or an object, whose parse takes about
                // twice the stack of a parenthesis.
                let weight = if c == '{' { 2 } else { 1 };
                depth += weight;
                nots.push(0);
                weights.push(weight);
                if depth > MAX_NESTING {
                    return Err(too_deep(i, 1));
                }
            }
            (_, ')' | ']' | '}') if !word_char && nots.len() > 1 => {
                let inner = nots.pop().unwrap_or(0);
                let weight = weights.pop().unwrap_or(1);
                depth = depth.saturating_sub(inner + weight);
            }
            (_, ',') => forget = true,
            (_, '>') if previous == '-' => forget = true,
            (_, '-') if previous == '<' => forget = true,
            _ => {}
        }
        if forget && let Some(count) = nots.last_mut() {
            depth = depth.saturating_sub(*count);
            *count = 0;
        }
        if word_char {
            word.clear();
        }
        previous = c;
    }
    Ok(())
}

/// The characters of `source` outside double-quoted strings (with their `\` escapes) and
/// backticked names, with their byte offsets: where brackets count.
fn structural_chars(source: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut in_string = false;
    let mut in_backticks = false;
    let mut escaped = false;
    source.char_indices().filter(move |&(_, c)| {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            return false;
        }
        if in_backticks {
            in_backticks = c != '`';
            return false;
        }
        match c {
            '"' => in_string = true,
            '`' => in_backticks = true,
            _ => return true,
        }
        false
    })
}

thread_local! {
    // `and`/`or` operators seen by the running parse (see [`MAX_OPERATORS`]).
    static OPERATORS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    // Added to every span of the running parse (see [`parse_with_offset`]).
    static SPAN_OFFSET: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

fn found_at(source: &str, pos: usize) -> String {
    let rest = source.get(pos..).unwrap_or("");
    let rest = rest.trim_start();
    if rest.is_empty() {
        return "end of input".to_owned();
    }
    let token: String = if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .take(30)
            .collect()
    } else {
        rest.chars().take(1).collect()
    };
    format!("'{token}'")
}

fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::term
        | Rule::paren_term
        | Rule::is_term
        | Rule::id_term
        | Rule::function_term
        | Rule::predicate
        | Rule::context_term
        | Rule::not_term
        | Rule::fulltext
        | Rule::all_term
        | Rule::part_term
        | Rule::kw_not
        | Rule::kw_all
        | Rule::function_name => "a term",
        Rule::path
        | Rule::any_path
        | Rule::segment
        | Rule::segment_name
        | Rule::ident
        | Rule::backticked => "a property path",
        Rule::value
        | Rule::dq_string
        | Rule::json_array
        | Rule::json_object
        | Rule::v_true
        | Rule::v_false
        | Rule::v_null
        | Rule::unquoted
        | Rule::float
        | Rule::integer => "a value",
        Rule::operator | Rule::op_in | Rule::op_not_in | Rule::op_covers | Rule::array_modifier => {
            "an operator"
        }
        Rule::bool_op | Rule::kw_and | Rule::kw_or => "'and' or 'or'",
        Rule::navigation | Rule::nav_in | Rule::nav_out | Rule::nav_inout => "a navigation",
        Rule::edge_types | Rule::edge_type => "an edge type",
        Rule::range | Rule::range_int | Rule::range_sep => "a depth range",
        Rule::edge_filter => "an edge filter",
        Rule::with_clause | Rule::kw_with => "'with'",
        Rule::with_filter | Rule::kw_empty | Rule::kw_any | Rule::kw_count => {
            "'empty', 'any' or 'count'"
        }
        Rule::tag => "a tag",
        Rule::sort | Rule::kw_sort => "'sort'",
        Rule::sort_key => "a sort key",
        Rule::sort_order => "'asc' or 'desc'",
        Rule::limit | Rule::kw_limit => "'limit'",
        Rule::reversed | Rule::kw_reversed => "'reversed'",
        Rule::name | Rule::names | Rule::name_literal => "a name",
        Rule::merge_block | Rule::merge | Rule::merge_name => "a merge",
        Rule::preamble | Rule::preamble_tags | Rule::preamble_tag | Rule::tag_key => "a preamble",
        Rule::tag_value => "a value",
        Rule::json_pair | Rule::object_key => "an object key",
        Rule::with_usage | Rule::usage_time => "'with_usage'",
        Rule::aggregate
        | Rule::group_vars
        | Rule::group_var
        | Rule::agg_fn
        | Rule::agg_fn_name
        | Rule::math_op
        | Rule::as_name
        | Rule::kw_as
        | Rule::as_word => "an aggregate",
        Rule::EOI => "end of input",
        _ => return None,
    })
}

fn convert_error(source: &str, error: pest::error::Error<Rule>) -> ParseError {
    let pos = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let mut expected: Vec<String> = Vec::new();
    if let pest::error::ErrorVariant::ParsingError { positives, .. } = &error.variant {
        for rule in positives {
            if let Some(word) = describe(*rule)
                && !expected.iter().any(|e| e == word)
            {
                expected.push(word.to_owned());
            }
        }
    }
    // Punctuation the grammar expects is not a rule; name the usual ones.
    if expected.is_empty() {
        expected.push("a term".to_owned());
    }
    // An unclosed `(` before the error: a `)` would have been accepted too.
    let unclosed = last_unclosed_paren(source, pos);
    if unclosed.is_some() {
        expected.push("')'".to_owned());
    }
    // A term starts with a path or a string; "a term" says it all.
    if expected.iter().any(|e| e == "a term") {
        expected.retain(|e| e != "a value" && e != "a property path");
    }
    // Order: the most useful words first.
    let order = [
        "a term",
        "a value",
        "a property path",
        "an operator",
        "a navigation",
    ];
    expected.sort_by_key(|e| order.iter().position(|o| o == e).unwrap_or(order.len()));
    // Point at the token itself, not at the whitespace before it.
    let skip = source
        .get(pos..)
        .map_or(0, |r| r.len() - r.trim_start().len());
    let start = pos + skip;
    let found = found_at(source, start);
    let token_len = found
        .strip_prefix('\'')
        .and_then(|f| f.strip_suffix('\''))
        .map_or(0, str::len);
    let offset = span_offset();
    ParseError {
        span: offset + start..offset + start + token_len,
        found,
        expected,
        detail: None,
        unclosed: unclosed.map(|u| offset + u.start..offset + u.end),
    }
}

/// The last `(` before `pos` (outside strings) that is not closed before `pos`.
fn last_unclosed_paren(source: &str, pos: usize) -> Option<Span> {
    let mut open: Vec<usize> = Vec::new();
    for (i, c) in structural_chars(source.get(..pos).unwrap_or(source)) {
        match c {
            '(' => open.push(i),
            ')' => {
                open.pop();
            }
            _ => {}
        }
    }
    open.last().map(|&i| i..i + 1)
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    let offset = span_offset();
    offset + s.start()..offset + s.end()
}

fn parse_query(pair: Pair<'_, Rule>, source: &str) -> Result<Query, ParseError> {
    debug_assert!(matches!(pair.as_rule(), Rule::query | Rule::merge_query));
    let end = match pair.as_rule() {
        Rule::query => source.len(),
        _ => pair.as_span().end(),
    };
    let mut query = Query {
        aggregate: None,
        parts: Vec::new(),
    };
    let mut parts_pair = None;
    let mut default_edge = Vec::new();
    for child in pair.into_inner() {
        match child.as_rule() {
            Rule::preamble => default_edge = parse_preamble(child, source, &mut query)?,
            Rule::dangling_preamble => {
                let end = span_of(&child).end;
                return Err(ParseError {
                    span: end..end,
                    expected: vec!["':' after the preamble".into()],
                    found: found_at(source, end - span_offset()),
                    detail: None,
                    unclosed: None,
                });
            }
            Rule::parts => parts_pair = Some(child),
            _ => {}
        }
    }
    if let Some(parts) = parts_pair {
        query.parts = parse_parts(parts, source, &default_edge)?;
    }
    if query.parts.is_empty() {
        let at = span_offset() + end;
        return Err(ParseError {
            span: at..at,
            expected: vec!["a term".into()],
            found: found_at(source, end),
            detail: None,
            unclosed: None,
        });
    }
    Ok(query)
}

/// Reads the preamble into `query` and returns the edge types it sets (empty: none set).
/// `(edge_type="default,delete")` sets several; a repeated key keeps the last value.
fn parse_preamble(
    pair: Pair<'_, Rule>,
    source: &str,
    query: &mut Query,
) -> Result<Vec<EdgeType>, ParseError> {
    debug_assert_eq!(pair.as_rule(), Rule::preamble);
    let mut edge_types = Vec::new();
    for child in pair.into_inner() {
        match child.as_rule() {
            Rule::aggregate => {
                let span = span_of(&child);
                query.aggregate = Some(Spanned::new(parse_aggregate(child)?, span));
            }
            Rule::preamble_tags => {
                for tag in child.into_inner() {
                    let span = span_of(&tag);
                    let mut inner = tag.into_inner();
                    let _key = inner.next();
                    let value = inner.next().map(|v| text_of_name(v)).unwrap_or_default();
                    edge_types = value
                        .split(',')
                        .map(|one| {
                            one.parse::<EdgeType>().map_err(|message: String| {
                                ParseError::custom(span.clone(), source, message)
                            })
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                }
            }
            _ => {}
        }
    }
    Ok(edge_types)
}

fn text_of_name(pair: Pair<'_, Rule>) -> String {
    match pair.as_rule() {
        Rule::dq_string => unescape(pair.into_inner().next().map_or("", |p| p.as_str())),
        Rule::name | Rule::tag_value => pair
            .into_inner()
            .next()
            .map(text_of_name)
            .unwrap_or_default(),
        _ => pair.as_str().to_owned(),
    }
}

/// Fix's string escapes: only `\\ \/ \" \'` are unescaped; any other backslash stays.
pub fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.peek() {
                Some(&next @ ('\\' | '/' | '"' | '\'')) => {
                    out.push(next);
                    chars.next();
                }
                _ => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn parse_parts(
    pair: Pair<'_, Rule>,
    source: &str,
    default_edge: &[EdgeType],
) -> Result<Vec<Part>, ParseError> {
    debug_assert_eq!(pair.as_rule(), Rule::parts);
    let mut parts: Vec<Part> = Vec::new();
    let mut current: Option<Part> = None;
    for child in pair.into_inner() {
        match child.as_rule() {
            Rule::part_body => {
                let span = span_of(&child);
                let part = parse_part_body(child, source, default_edge)?.map(|mut p| {
                    // A part without a term means `all`; store it so that printing and parsing
                    // again gives the same tree.
                    if p.term.is_none() {
                        p.term = Some(Spanned::new(Term::All, p.span.start..p.span.start));
                    }
                    p
                });
                current = Some(part.unwrap_or_else(|| Part::all(span)));
            }
            Rule::navigation => {
                let span = span_of(&child);
                let nav = parse_navigation(child, source, default_edge)?;
                if let Some(mut part) = current.take() {
                    part.navigation = Some(Spanned::new(nav, span.clone()));
                    part.span.end = span.end;
                    parts.push(part);
                }
            }
            _ => {}
        }
    }
    if let Some(last) = current {
        // An empty last part after a navigation (`id(x) -->`) is not a part of its own.
        let only_all = matches!(last.term.as_ref().map(|t| &t.node), Some(Term::All))
            && last.term.as_ref().is_some_and(|t| t.span.is_empty());
        let mut bare = last.clone();
        if only_all {
            bare.term = None;
        }
        if !is_empty_part(&bare) || parts.is_empty() && !only_all {
            parts.push(last);
        }
    }
    Ok(parts)
}

fn is_empty_part(part: &Part) -> bool {
    part.with_usage.is_none()
        && part.term.is_none()
        && part.merge.is_none()
        && part.with.is_none()
        && part.tag.is_none()
        && part.sort.is_empty()
        && part.limit.is_none()
        && !part.reversed
}

fn parse_part_body(
    pair: Pair<'_, Rule>,
    source: &str,
    default_edge: &[EdgeType],
) -> Result<Option<Part>, ParseError> {
    debug_assert_eq!(pair.as_rule(), Rule::part_body);
    let span = span_of(&pair);
    let mut part = Part {
        with_usage: None,
        term: None,
        merge: None,
        with: None,
        tag: None,
        sort: Vec::new(),
        limit: None,
        reversed: false,
        navigation: None,
        span,
    };
    for child in pair.into_inner() {
        let span = span_of(&child);
        match child.as_rule() {
            Rule::with_usage => {
                part.with_usage = Some(Spanned::new(parse_with_usage(child, source)?, span));
            }
            Rule::part_term => parse_part_term(child, source, &mut part)?,
            Rule::with_clause => {
                part.with = Some(Spanned::new(
                    parse_with_clause(child, source, default_edge)?,
                    span,
                ));
            }
            Rule::tag => {
                let text = child.into_inner().next().map_or("", |p| p.as_str());
                part.tag = Some(Spanned::new(text.to_owned(), span));
            }
            Rule::sort => part.sort = parse_sort_keys(child),
            Rule::limit => part.limit = Some(Spanned::new(parse_limit(child, source)?, span)),
            Rule::reversed => part.reversed = true,
            _ => {}
        }
    }
    Ok(if is_empty_part(&part) {
        None
    } else {
        Some(part)
    })
}

/// The sort keys of a `sort` clause or a `sort` command.
fn parse_sort_keys(pair: Pair<'_, Rule>) -> Vec<Spanned<SortKey>> {
    let mut keys = Vec::new();
    for key in pair.into_inner().filter(|p| p.as_rule() == Rule::sort_key) {
        let key_span = span_of(&key);
        let mut inner = key.into_inner();
        let Some(path_pair) = inner.next() else {
            continue;
        };
        let path = parse_path_spanned(path_pair);
        let ascending = inner.next().is_none_or(|o| o.as_str() != "desc");
        keys.push(Spanned::new(SortKey { path, ascending }, key_span));
    }
    keys
}

/// `limit n` or `limit offset, n` (of a clause or a `limit` command).
fn parse_limit(pair: Pair<'_, Rule>, source: &str) -> Result<Limit, ParseError> {
    let span = span_of(&pair);
    let mut values = Vec::new();
    for n in pair.into_inner().filter(|p| p.as_rule() == Rule::integer) {
        let v: usize = n.as_str().parse().map_err(|_| {
            ParseError::custom(
                span_of(&n),
                source,
                format!("limit must be a non-negative number, found {}", n.as_str()),
            )
        })?;
        values.push(v);
    }
    match values.as_slice() {
        [n] => Ok(Limit {
            offset: 0,
            length: *n,
        }),
        [o, n] => Ok(Limit {
            offset: *o,
            length: *n,
        }),
        _ => Err(internal(span, source, "a limit")),
    }
}

/// A grammar shape the parser does not expect: an error, never a guess.
fn internal(span: Span, source: &str, what: &str) -> ParseError {
    ParseError::custom(
        span,
        source,
        format!("internal error: the parser did not expect the shape of {what} here"),
    )
}

/// Parses a command argument with one entry rule of the grammar; spans are positions in the
/// line (`source` stands at byte `offset`).
fn parse_command_argument<T>(
    rule: Rule,
    source: &str,
    offset: usize,
    read: impl FnOnce(Pair<'_, Rule>, &str) -> Result<T, ParseError>,
) -> Result<T, ParseError> {
    SPAN_OFFSET.with(|c| c.set(offset));
    OPERATORS.with(|c| c.set(0));
    let result = check_nesting(source).and_then(|()| {
        let mut pairs = QueryParser::parse(rule, source).map_err(|e| convert_error(source, e))?;
        let at = span_offset();
        let pair = pairs
            .next()
            .ok_or_else(|| internal(at..at, source, "a command argument"))?;
        read(pair, source)
    });
    SPAN_OFFSET.with(|c| c.set(0));
    result
}

/// A property path written alone (a `list`/`count` column, a `format` placeholder).
pub(crate) fn parse_path_at(source: &str, offset: usize) -> Result<Spanned<Path>, ParseError> {
    parse_command_argument(Rule::path_command, source, offset, |pair, source| {
        let span = span_of(&pair);
        pair.into_inner()
            .find(|p| p.as_rule() == Rule::any_path)
            .map(parse_path_spanned)
            .ok_or_else(|| internal(span, source, "a path"))
    })
}

/// The arguments of a `sort` command: `name asc, age desc`.
pub(crate) fn parse_sort_at(
    source: &str,
    offset: usize,
) -> Result<Vec<Spanned<SortKey>>, ParseError> {
    parse_command_argument(Rule::sort_command, source, offset, |pair, _| {
        Ok(parse_sort_keys(pair))
    })
}

/// The arguments of a `limit` command: `3` or `10, 3`.
pub(crate) fn parse_limit_at(source: &str, offset: usize) -> Result<Spanned<Limit>, ParseError> {
    parse_command_argument(Rule::limit_command, source, offset, |pair, source| {
        let span = span_of(&pair);
        Ok(Spanned::new(parse_limit(pair, source)?, span))
    })
}

/// The arguments of an `aggregate` command: `kind: sum(1) as count`.
pub(crate) fn parse_aggregate_at(
    source: &str,
    offset: usize,
) -> Result<Spanned<Aggregate>, ParseError> {
    parse_command_argument(Rule::aggregate_command, source, offset, |pair, _| {
        let span = span_of(&pair);
        Ok(Spanned::new(parse_aggregate(pair)?, span))
    })
}

fn parse_part_term(pair: Pair<'_, Rule>, source: &str, part: &mut Part) -> Result<(), ParseError> {
    debug_assert_eq!(pair.as_rule(), Rule::part_term);
    let mut seen_merge = false;
    for child in pair.into_inner() {
        match child.as_rule() {
            Rule::term if !seen_merge => part.term = Some(parse_term(child)?),
            Rule::term => {
                let term = parse_term(child)?;
                if let Some(merge) = &mut part.merge {
                    merge.span.end = term.span.end;
                    merge.node.post_filter = Some(term);
                }
            }
            Rule::merge_block => {
                seen_merge = true;
                let span = span_of(&child);
                let mut merges = Vec::new();
                for m in child.into_inner() {
                    let m_span = span_of(&m);
                    let mut inner = m.into_inner();
                    let (Some(name), Some(q)) = (inner.next(), inner.next()) else {
                        continue;
                    };
                    let raw = name.as_str();
                    let (name, many) = match raw.strip_suffix("[]") {
                        Some(n) => (n.to_owned(), true),
                        None => (raw.to_owned(), false),
                    };
                    // A merge is a query of its own, with its own preamble: the outer
                    // preamble's edge type does not reach into it (as in Fix), and an
                    // aggregate in it keeps every result.
                    let query = parse_query(q, source)?;
                    let many = many || query.aggregate.is_some();
                    merges.push(Spanned::new(MergeItem { name, many, query }, m_span));
                }
                part.merge = Some(Spanned::new(
                    Merge {
                        merges,
                        post_filter: None,
                    },
                    span,
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn parse_term(pair: Pair<'_, Rule>) -> Result<Spanned<Term>, ParseError> {
    debug_assert_eq!(pair.as_rule(), Rule::term);
    let span = span_of(&pair);
    let mut inner = pair.into_inner();
    let Some(first) = inner.next() else {
        return Err(internal(span, "", "a term"));
    };
    let mut left = parse_simple_term(first)?;
    while let (Some(op), Some(right)) = (inner.next(), inner.next()) {
        let count = OPERATORS.with(|c| {
            let n = c.get() + 1;
            c.set(n);
            n
        });
        if count > MAX_OPERATORS {
            return Err(ParseError::custom(span_of(&op), "", too_many_operators()));
        }
        let op = if op.as_str() == "and" {
            BoolOp::And
        } else {
            BoolOp::Or
        };
        let right = parse_simple_term(right)?;
        let span = left.span.start..right.span.end;
        left = Spanned::new(
            Term::Combined {
                left: Box::new(left),
                op,
                right: Box::new(right),
            },
            span,
        );
    }
    Ok(left)
}

fn parse_simple_term(pair: Pair<'_, Rule>) -> Result<Spanned<Term>, ParseError> {
    let span = span_of(&pair);
    let term = match pair.as_rule() {
        Rule::paren_term => {
            let inner = pair.into_inner().next();
            return match inner {
                Some(t) => {
                    let mut t = parse_term(t)?;
                    t.span = span;
                    Ok(t)
                }
                None => Err(internal(span, "", "a parenthesised term")),
            };
        }
        Rule::all_term => Term::All,
        Rule::not_term => {
            let inner = pair.into_inner().find(|p| p.as_rule() != Rule::kw_not);
            match inner {
                Some(t) => Term::Not(Box::new(parse_simple_term(t)?)),
                None => return Err(internal(span, "", "`not`")),
            }
        }
        Rule::fulltext => Term::FullText(
            pair.into_inner()
                .next()
                .map(text_of_name)
                .unwrap_or_default(),
        ),
        Rule::is_term | Rule::id_term => {
            let is = pair.as_rule() == Rule::is_term;
            let names = pair
                .into_inner()
                .next()
                .map(parse_names)
                .unwrap_or_default();
            if is { Term::Is(names) } else { Term::Id(names) }
        }
        Rule::function_term => {
            let mut inner = pair.into_inner();
            let function = match inner.next().map(|p| p.as_str()) {
                Some("in_subnet") => Function::InSubnet,
                Some("has_key") => Function::HasKey,
                Some("has_desired_change") => Function::HasDesiredChange,
                _ => return Err(internal(span, "", "a function")),
            };
            let path = match inner.next() {
                Some(p) => parse_path_spanned(p),
                None => return Err(internal(span, "", "a function's argument")),
            };
            let args = inner.map(parse_value).collect::<Result<Vec<_>, _>>()?;
            Term::Function {
                function,
                path,
                args,
            }
        }
        Rule::predicate => {
            let mut path = None;
            let mut modifier = None;
            let mut op = None;
            let mut value = None;
            for child in pair.into_inner() {
                match child.as_rule() {
                    Rule::path | Rule::any_path => path = Some(parse_path_spanned(child)),
                    Rule::array_modifier => {
                        modifier = Some(match child.as_str() {
                            "all" => ArrayModifier::All,
                            "none" => ArrayModifier::None,
                            _ => ArrayModifier::Any,
                        });
                    }
                    Rule::operator => {
                        let s = span_of(&child);
                        op = CmpOp::from_text(child.as_str()).map(|o| Spanned::new(o, s));
                    }
                    Rule::value => value = Some(parse_value(child)?),
                    _ => {}
                }
            }
            match (path, op, value) {
                (Some(path), Some(op), Some(value)) => Term::Predicate(Predicate {
                    path,
                    modifier,
                    op,
                    value,
                }),
                _ => return Err(internal(span, "", "a predicate")),
            }
        }
        Rule::context_term => {
            let mut inner = pair.into_inner();
            match (inner.next(), inner.next()) {
                (Some(p), Some(t)) => Term::Context {
                    path: parse_path_spanned(p),
                    term: Box::new(parse_term(t)?),
                },
                _ => return Err(internal(span, "", "a context term")),
            }
        }
        _ => return Err(internal(span, "", "a term")),
    };
    Ok(Spanned::new(term, span))
}

fn parse_names(pair: Pair<'_, Rule>) -> Vec<Spanned<String>> {
    debug_assert_eq!(pair.as_rule(), Rule::names);
    pair.into_inner()
        .map(|n| {
            let span = span_of(&n);
            Spanned::new(text_of_name(n), span)
        })
        .collect()
}

fn parse_path_spanned(pair: Pair<'_, Rule>) -> Spanned<Path> {
    let span = span_of(&pair);
    Spanned::new(parse_path(pair.as_str()), span)
}

/// Parses path text that the grammar already accepted.
pub(crate) fn parse_path(text: &str) -> Path {
    let (absolute, rest) = match text.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut segments = Vec::new();
    let mut chars = rest.char_indices().peekable();
    let mut name = String::new();
    let mut markers = Vec::new();
    while let Some((_, c)) = chars.next() {
        match c {
            '`' => {
                for (_, c) in chars.by_ref() {
                    if c == '`' {
                        break;
                    }
                    name.push(c);
                }
            }
            '[' => {
                let mut digits = String::new();
                for (_, c) in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    digits.push(c);
                }
                markers.push(digits.parse::<usize>().ok());
            }
            '.' => {
                segments.push(Segment {
                    name: std::mem::take(&mut name),
                    markers: std::mem::take(&mut markers),
                });
            }
            c => name.push(c),
        }
    }
    segments.push(Segment { name, markers });
    Path { absolute, segments }
}

fn parse_value(pair: Pair<'_, Rule>) -> Result<Spanned<Literal>, ParseError> {
    let span = span_of(&pair);
    let inner = if pair.as_rule() == Rule::value {
        match pair.into_inner().next() {
            Some(p) => p,
            None => return Ok(Spanned::new(Literal::Null, span)),
        }
    } else {
        pair
    };
    Ok(Spanned::new(parse_literal(inner)?, span))
}

fn parse_literal(pair: Pair<'_, Rule>) -> Result<Literal, ParseError> {
    Ok(match pair.as_rule() {
        Rule::dq_string => Literal::String(text_of_name(pair)),
        Rule::v_true => Literal::Bool(true),
        Rule::v_false => Literal::Bool(false),
        Rule::v_null => Literal::Null,
        Rule::integer | Rule::float => {
            let text = pair.as_str();
            match text.trim_start_matches('+').parse::<i64>() {
                Ok(i) if pair.as_rule() == Rule::integer => Literal::Int(i),
                _ => match text.parse::<f64>() {
                    // Beyond ±1.8e308 a number would become `inf`, which prints as a word and
                    // parses back as a string.
                    Ok(x) if x.is_finite() => Literal::Float(x),
                    _ => {
                        return Err(ParseError::custom(
                            span_of(&pair),
                            "",
                            format!(
                                "the number {}… is out of range (at most about 1.8e308)",
                                text.chars().take(20).collect::<String>()
                            ),
                        ));
                    }
                },
            }
        }
        Rule::json_array => Literal::Array(
            pair.into_inner()
                .map(parse_literal)
                .collect::<Result<_, _>>()?,
        ),
        Rule::json_object => {
            let mut pairs = Vec::new();
            for p in pair.into_inner() {
                let mut inner = p.into_inner();
                let Some(key) = inner.next() else {
                    continue;
                };
                let key = match key.into_inner().next() {
                    Some(k) => text_of_name(k),
                    None => String::new(),
                };
                let value = match inner.next() {
                    Some(v) => parse_literal(v)?,
                    None => Literal::Null,
                };
                // A repeated key keeps its first place and its last value, as a JSON object
                // read by Fix does.
                match pairs.iter_mut().find(|(k, _)| *k == key) {
                    Some(existing) => existing.1 = value,
                    None => pairs.push((key, value)),
                }
            }
            Literal::Object(pairs)
        }
        _ => Literal::String(pair.as_str().to_owned()),
    })
}

fn parse_edge_types(pair: Pair<'_, Rule>) -> Vec<EdgeType> {
    pair.into_inner()
        .filter_map(|t| t.as_str().parse::<EdgeType>().ok())
        .collect()
}

fn parse_navigation(
    pair: Pair<'_, Rule>,
    source: &str,
    default_edge: &[EdgeType],
) -> Result<Navigation, ParseError> {
    debug_assert_eq!(pair.as_rule(), Rule::navigation);
    let Some(nav) = pair.into_inner().next() else {
        return Err(ParseError::custom(
            span_offset()..span_offset(),
            source,
            "empty navigation".into(),
        ));
    };
    let direction = match nav.as_rule() {
        Rule::nav_out => Direction::Out,
        Rule::nav_in => Direction::In,
        _ => Direction::InOut,
    };
    let mut before: Option<(Vec<EdgeType>, Span)> = None;
    let mut after: Option<(Vec<EdgeType>, Span)> = None;
    let mut seen_range = false;
    let mut start = 1;
    let mut until = Some(1);
    let mut edge_filter = None;
    for child in nav.into_inner() {
        let span = span_of(&child);
        match child.as_rule() {
            Rule::edge_types if !seen_range && edge_filter.is_none() && before.is_none() => {
                before = Some((parse_edge_types(child), span));
            }
            Rule::edge_types => after = Some((parse_edge_types(child), span)),
            Rule::range => {
                seen_range = true;
                let mut numbers = Vec::new();
                let mut has_sep = false;
                for p in child.into_inner() {
                    match p.as_rule() {
                        Rule::range_int => {
                            let n: u32 = p.as_str().parse().map_err(|_| {
                                ParseError::custom(span_of(&p), source, "depth is too large".into())
                            })?;
                            numbers.push(n);
                        }
                        Rule::range_sep => has_sep = true,
                        _ => {}
                    }
                }
                match (numbers.as_slice(), has_sep) {
                    ([a], false) => {
                        start = *a;
                        until = Some(*a);
                    }
                    ([a], true) => {
                        start = *a;
                        until = None;
                    }
                    ([a, b], _) => {
                        start = *a;
                        until = Some(*b);
                    }
                    _ => {}
                }
                if let Some(u) = until
                    && u < start
                {
                    return Err(ParseError::custom(
                        span,
                        source,
                        format!("the depth range ends ({u}) before it starts ({start})"),
                    ));
                }
                if start > crate::ast::MAX_DEPTH || until.is_some_and(|u| u > crate::ast::MAX_DEPTH)
                {
                    return Err(ParseError::custom(
                        span,
                        source,
                        format!(
                            "a traversal goes at most {} levels deep",
                            crate::ast::MAX_DEPTH
                        ),
                    ));
                }
            }
            Rule::edge_filter => {
                if let Some(t) = child.into_inner().next() {
                    edge_filter = Some(Box::new(parse_term(t)?));
                }
            }
            _ => {}
        }
    }
    let default = if default_edge.is_empty() {
        vec![EdgeType::Default]
    } else {
        default_edge.to_vec()
    };
    let (edge_types, outbound_edge_types) = match direction {
        // In `<-...->` types before the range are inbound and, unless types follow the range,
        // outbound as well; types after the range are outbound (as Fix renders them).
        Direction::InOut => match (before, after) {
            (Some(b), Some(a)) => (b.0, a.0),
            (Some(b), None) => (b.0.clone(), b.0),
            (None, Some(a)) => (default, a.0),
            (None, None) => (default.clone(), default),
        },
        _ => {
            if let (Some(_), Some((_, span))) = (&before, &after) {
                return Err(ParseError::custom(
                    span.clone(),
                    source,
                    "edge types go either before or after the depth range, not both".into(),
                ));
            }
            (
                before.or(after).map_or_else(|| default.clone(), |t| t.0),
                Vec::new(),
            )
        }
    };
    Ok(Navigation {
        direction,
        edge_types,
        outbound_edge_types,
        start,
        until,
        edge_filter,
    })
}

fn parse_with_clause(
    pair: Pair<'_, Rule>,
    source: &str,
    default_edge: &[EdgeType],
) -> Result<WithClause, ParseError> {
    debug_assert_eq!(pair.as_rule(), Rule::with_clause);
    let mut filter = WithFilter::Any;
    let mut navigation = None;
    let mut term = None;
    let mut nested = None;
    for child in pair.into_inner() {
        let span = span_of(&child);
        match child.as_rule() {
            Rule::with_filter => {
                let filter_span = span_of(&child);
                let mut inner = child.into_inner();
                filter = match inner.next().map(|p| (p.as_rule(), p)) {
                    Some((Rule::kw_empty, _)) => WithFilter::Empty,
                    Some((Rule::kw_count, _)) => {
                        let op = inner
                            .next()
                            .and_then(|o| CmpOp::from_text(o.as_str()))
                            .ok_or_else(|| internal(filter_span.clone(), source, "a count"))?;
                        let n_pair = inner.next();
                        let n = match n_pair {
                            Some(p) => p.as_str().parse::<i64>().map_err(|_| {
                                ParseError::custom(span_of(&p), source, "count is too large".into())
                            })?,
                            None => 0,
                        };
                        // `empty` and `any` are these counts (as in Fix's tree).
                        match (op, n) {
                            (CmpOp::Eq, 0) => WithFilter::Empty,
                            (CmpOp::Gt, 0) => WithFilter::Any,
                            _ => WithFilter::Count(op, n),
                        }
                    }
                    Some((Rule::kw_any, _)) => WithFilter::Any,
                    _ => return Err(internal(filter_span, source, "a with filter")),
                };
            }
            Rule::navigation => {
                navigation = Some(Spanned::new(
                    parse_navigation(child, source, default_edge)?,
                    span,
                ));
            }
            Rule::term => term = Some(parse_term(child)?),
            Rule::with_clause => {
                nested = Some(Box::new(Spanned::new(
                    parse_with_clause(child, source, default_edge)?,
                    span,
                )));
            }
            _ => {}
        }
    }
    let navigation = navigation.ok_or_else(|| {
        ParseError::custom(
            span_offset()..span_offset(),
            source,
            "with needs a navigation".into(),
        )
    })?;
    Ok(WithClause {
        filter,
        navigation,
        term,
        nested,
    })
}

fn parse_with_usage(pair: Pair<'_, Rule>, source: &str) -> Result<WithUsage, ParseError> {
    let mut times = Vec::new();
    let mut metrics = Vec::new();
    for child in pair.into_inner() {
        match child.as_rule() {
            Rule::usage_time => {
                let text = child.as_str().trim();
                let canonical = crate::duration::canonical_usage_time(text).ok_or_else(|| {
                    ParseError::custom(
                        span_of(&child),
                        source,
                        format!("`{text}` is neither a duration (`7d`) nor a time (`2024-01-01T00:00:00Z`)"),
                    )
                })?;
                times.push(canonical);
            }
            Rule::names => metrics = parse_names(child).into_iter().map(|n| n.node).collect(),
            _ => {}
        }
    }
    let mut times = times.into_iter();
    Ok(WithUsage {
        start: times.next().unwrap_or_default(),
        end: times.next(),
        metrics,
    })
}

fn parse_aggregate(pair: Pair<'_, Rule>) -> Result<Aggregate, ParseError> {
    debug_assert!(matches!(
        pair.as_rule(),
        Rule::aggregate | Rule::aggregate_command
    ));
    let mut aggregate = Aggregate {
        group: Vec::new(),
        functions: Vec::new(),
    };
    for child in pair.into_inner() {
        match child.as_rule() {
            Rule::group_vars => {
                for var in child.into_inner() {
                    let mut value = None;
                    let mut name = None;
                    for p in var.into_inner() {
                        match p.as_rule() {
                            Rule::any_path => {
                                value = Some(AggregateValue::Path(parse_path(p.as_str())))
                            }
                            Rule::group_template => {
                                // `{ region }` is `{region}`.
                                let mut text = String::new();
                                for piece in p.into_inner() {
                                    match piece.as_rule() {
                                        Rule::any_path => {
                                            text.push('{');
                                            text.push_str(piece.as_str());
                                            text.push('}');
                                        }
                                        _ => text.push_str(piece.as_str()),
                                    }
                                }
                                value = Some(AggregateValue::Template(text));
                            }
                            Rule::as_name => name = as_name(p),
                            _ => {}
                        }
                    }
                    if let Some(value) = value {
                        aggregate.group.push(AggregateVariable { value, name });
                    }
                }
            }
            Rule::agg_fn => {
                let mut function = String::new();
                let mut operands = Vec::new();
                let mut pending_op = None;
                let mut name = None;
                for p in child.into_inner() {
                    match p.as_rule() {
                        Rule::agg_fn_name => function = p.as_str().to_owned(),
                        Rule::math_op => pending_op = p.as_str().chars().next(),
                        Rule::any_path => operands.push((
                            pending_op.take(),
                            AggregateOperand::Path(parse_path(p.as_str())),
                        )),
                        Rule::integer | Rule::float => operands.push((
                            pending_op.take(),
                            AggregateOperand::Number(parse_literal(p)?),
                        )),
                        Rule::as_name => name = as_name(p),
                        _ => {}
                    }
                }
                aggregate.functions.push(AggregateFunction {
                    function,
                    operands,
                    name,
                });
            }
            _ => {}
        }
    }
    Ok(aggregate)
}

fn as_name(pair: Pair<'_, Rule>) -> Option<String> {
    pair.into_inner()
        .find(|p| p.as_rule() == Rule::as_word)
        .map(|p| p.as_str().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(q: &str) -> String {
        match parse(q) {
            Ok(q) => q.to_string(),
            Err(e) => format!("ERROR {} at {:?}", e.message(), e.span),
        }
    }

    #[test]
    fn brackets_in_strings_and_backticked_names_do_not_count() {
        let error = parse("(is(a) and `odd(name` == \"(x\" and").unwrap_err();
        assert_eq!(error.unclosed, Some(0..1), "only the first `(` is open");
        let error = parse("is(a) and `odd(name` == 1 and").unwrap_err();
        assert_eq!(
            error.unclosed, None,
            "a `(` inside a backticked name is not open"
        );
    }

    #[test]
    fn renders_canonically() {
        let cases = [
            ("is(a)", r#"is("a")"#),
            ("is(a, b)", r#"is(["a", "b"])"#),
            ("a==1 or b==2 and c==3", "(a == 1 or b == 2 and c == 3)"),
            ("a==1 or (b==2 and c==3)", "(a == 1 or (b == 2 and c == 3))"),
            ("not a==b and b==c", r#"(not(a == "b") and b == "c")"#),
            ("x ~ foo", r#"x =~ "foo""#),
            ("mem any < 23", "mem any < 23"),
            ("num not in [1, 2, 5]", "num not in [1, 2, 5]"),
            ("a.b[*].{c<1 and d>2}", "a.b[*].{(c < 1 and d > 2)}"),
            ("-->", "all -default->"),
            (
                "<-[0:]delete,default->",
                "all <-default[0:]default,delete->",
            ),
            ("is(a) <-[1:]-", r#"is("a") <-default[1:]-"#),
            (
                "(edge_type=delete): id(root) -[0:1]->",
                r#"id("root") -delete[0:1]->"#,
            ),
            (
                "is(a) sort foo asc, bla desc, bar limit 3, 23",
                r#"is("a") sort foo asc, bla desc, bar asc limit 3, 23"#,
            ),
            (
                r#"x =~ "\$\.errorCode\s*""#,
                r#"x =~ "\\$\\.errorCode\\s*""#,
            ),
            ("test_date < 2021-12-09", r#"test_date < "2021-12-09""#),
            (
                "is(a) with(count>=2, <-delete[0:3]- is(b))",
                r#"is("a") with(count >= 2, <-delete[0:3]- is("b"))"#,
            ),
            (
                "filter_pattern covers \"{ $.x = 1 }\"",
                r#"filter_pattern covers "{ $.x = 1 }""#,
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(render(input), expected, "{input}");
        }
    }

    #[test]
    fn reports_errors() {
        let cases = [
            ("x = trueish", "expected"),
            ("is(instance) and sort x", "expected a term, found 'sort'"),
            ("name = }", "expected a value, found '}'"),
            ("", "expected a term, found end of input"),
            ("-delete[2]default->", "either before or after"),
        ];
        for (input, expected) in cases {
            let got = render(input);
            assert!(got.contains(expected), "{input}: {got}");
        }
    }

    #[test]
    fn not_chains_count_as_nesting() {
        let n = MAX_NESTING;
        let deepest = format!("{}a==1", "not ".repeat(n));
        let parsed = parse(&deepest).unwrap();
        let printed = parsed.to_string();
        assert_eq!(printed.matches("not(").count(), n);
        assert_eq!(
            parse(&printed).unwrap(),
            parsed,
            "the printed form parses back"
        );
        let err = parse(&format!("{}a==1", "not ".repeat(n + 1))).unwrap_err();
        assert!(
            err.message().contains("nested too deeply (limit 64)"),
            "{err}"
        );
        assert_eq!(
            err.span,
            4 * n..4 * n + 3,
            "the caret is on the first `not` too many"
        );
        let err = parse(&format!(
            "{}a==1{}",
            "not(".repeat(n + 1),
            ")".repeat(n + 1)
        ))
        .unwrap_err();
        assert!(err.message().contains("nested too deeply"), "{err}");
        // `not in` is an operator, and `not`s of finished terms do not add up.
        let flat = vec!["not a==1"; 200].join(" and ");
        assert!(parse(&flat).is_ok());
        assert!(parse(&format!("{}x not in [1]", "not ".repeat(n - 1))).is_ok());
        let parts = vec!["not a==1"; 100].join(" --> ");
        assert!(parse(&parts).is_ok());
    }

    #[test]
    fn out_of_range_numbers_are_rejected() {
        let huge = format!("x == {}", "9".repeat(400));
        let err = parse(&huge).unwrap_err();
        assert!(err.message().contains("out of range"), "{err}");
        assert_eq!(err.span, 5..405);
        assert!(parse(&format!("x == [1, {}.5]", "9".repeat(400))).is_err());
        let max = parse("x == 179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000").unwrap();
        let printed = max.to_string();
        assert!(!printed.contains("inf"), "{printed}");
        assert_eq!(parse(&printed).unwrap(), max);
        assert!(
            parse("x == 99999999999999999999").is_ok(),
            "beyond i64 is a float"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let hostile = "(".repeat(100_000);
        let err = parse(&hostile).err();
        assert!(err.is_some_and(|e| e.message().contains("nested too deeply")));
        let n = MAX_NESTING;
        let deepest = [
            format!("{}a==1{}", "(".repeat(n), ")".repeat(n)),
            format!("{}a==1{}", "a.{".repeat(n / 2), "}".repeat(n / 2)),
            format!("x == {}1{}", "[".repeat(n), "]".repeat(n)),
            format!("is(a) {}{}", "with(any, --> ".repeat(n), ")".repeat(n)),
            format!("{}a==1{}", "not(".repeat(n), ")".repeat(n)),
        ];
        for q in &deepest {
            assert!(parse(q).is_ok(), "{q}");
        }
        let too_deep = format!("{}a==1{}", "(".repeat(n + 1), ")".repeat(n + 1));
        assert!(parse(&too_deep).is_err());
    }
}
