//! The syntax tree: what the user wrote, with byte spans.
//!
//! `Display` prints Fix's canonical rendering (reference §2.14): every combined term in
//! parentheses, strings quoted, canonical operators, explicit edge types.

use std::fmt::{self, Display, Formatter, Write as _};
use std::ops::Range;

use trailgraph_model::EdgeType;

/// A byte range in the query text.
pub type Span = Range<usize>;

/// A syntax node with the byte range it was parsed from.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    /// The node.
    pub node: T,
    /// Where it is in the source.
    pub span: Span,
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    /// Spans are ignored: two trees are equal when they say the same thing.
    fn eq(&self, other: &Self) -> bool {
        self.node == other.node
    }
}

impl<T> Spanned<T> {
    /// Wraps `node` with `span`.
    pub fn new(node: T, span: Span) -> Self {
        Spanned { node, span }
    }
}

impl<T: Display> Display for Spanned<T> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

/// A whole query: `[preamble] part (navigation part)*`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// `aggregate(...)` in the preamble. (A preamble's `(edge_type=...)` is applied to the
    /// navigations without edge types while parsing, as in Fix, and is not kept.)
    pub aggregate: Option<Spanned<Aggregate>>,
    /// The parts, executed left to right.
    pub parts: Vec<Part>,
}

/// One part: `[with_usage] [term] [with(...)] [#tag] [sort ...] [limit ...] [reversed] [navigation]`.
#[derive(Debug, Clone)]
pub struct Part {
    /// `with_usage(2w::1w, [cpu])`.
    pub with_usage: Option<Spanned<WithUsage>>,
    /// The filter; `None` means `all`.
    pub term: Option<Spanned<Term>>,
    /// `{name: query, ...} post-term` after the term.
    pub merge: Option<Spanned<Merge>>,
    /// `with(any, --> ...)`.
    pub with: Option<Spanned<WithClause>>,
    /// `#tag`.
    pub tag: Option<Spanned<String>>,
    /// `sort a asc, b desc`.
    pub sort: Vec<Spanned<SortKey>>,
    /// `limit n` or `limit offset, n`.
    pub limit: Option<Spanned<Limit>>,
    /// `reversed`.
    pub reversed: bool,
    /// The navigation to the next part.
    pub navigation: Option<Spanned<Navigation>>,
    /// The part's whole span.
    pub span: Span,
}

impl Part {
    /// A part that matches everything (`all`, written nowhere: its term's span is empty at
    /// the part's start), with no navigation.
    pub fn all(span: Span) -> Part {
        Part {
            with_usage: None,
            term: Some(Spanned::new(Term::All, span.start..span.start)),
            merge: None,
            with: None,
            tag: None,
            sort: Vec::new(),
            limit: None,
            reversed: false,
            navigation: None,
            span,
        }
    }
}

impl PartialEq for Part {
    /// The span is ignored, like the spans of [`Spanned`] nodes.
    fn eq(&self, other: &Self) -> bool {
        self.with_usage == other.with_usage
            && self.term == other.term
            && self.merge == other.merge
            && self.with == other.with
            && self.tag == other.tag
            && self.sort == other.sort
            && self.limit == other.limit
            && self.reversed == other.reversed
            && self.navigation == other.navigation
    }
}

/// A merge block: `{name: <query>, list[]: <query>} post_filter`.
#[derive(Debug, Clone, PartialEq)]
pub struct Merge {
    /// The merges.
    pub merges: Vec<Spanned<MergeItem>>,
    /// The term after the block.
    pub post_filter: Option<Spanned<Term>>,
}

/// One merge: `name: query` or `name[]: query`.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeItem {
    /// The path (without `[]`).
    pub name: String,
    /// Whether `[]` was written (keep all results).
    pub many: bool,
    /// The sub-query, run from each node.
    pub query: Query,
}

/// A boolean term.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// `all`
    All,
    /// `is(a, b)`, `is([a, b])`, `is("a")`
    Is(Vec<Spanned<String>>),
    /// `id(a)`, `id([a, b])`
    Id(Vec<Spanned<String>>),
    /// `not term`, `not(term)`
    Not(Box<Spanned<Term>>),
    /// `a and b`, `a or b` (equal precedence, left to right)
    Combined {
        /// Left side.
        left: Box<Spanned<Term>>,
        /// `and` or `or`.
        op: BoolOp,
        /// Right side.
        right: Box<Spanned<Term>>,
    },
    /// `path [any|all|none] op value`
    Predicate(Predicate),
    /// `path.{term}`: the term holds for one element.
    Context {
        /// The path to the object or array.
        path: Spanned<Path>,
        /// The term on each element.
        term: Box<Spanned<Term>>,
    },
    /// `in_subnet(path, "10.0.0.0/8")`, `has_key(path, k)`, `has_desired_change(path)`
    Function {
        /// Which function.
        function: Function,
        /// The first argument.
        path: Spanned<Path>,
        /// The other arguments.
        args: Vec<Spanned<Literal>>,
    },
    /// `"some text"`: full-text search.
    FullText(String),
}

/// `and` / `or`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoolOp {
    /// `and`
    And,
    /// `or`
    Or,
}

/// A function usable as a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `in_subnet(path, "cidr")`
    InSubnet,
    /// `has_key(path, key)` or `has_key(path, [keys])`
    HasKey,
    /// `has_desired_change(path)`
    HasDesiredChange,
}

impl Function {
    /// The name as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Function::InSubnet => "in_subnet",
            Function::HasKey => "has_key",
            Function::HasDesiredChange => "has_desired_change",
        }
    }
}

/// `path [modifier] op value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    /// The property path.
    pub path: Spanned<Path>,
    /// `any`, `all` or `none` before the operator.
    pub modifier: Option<ArrayModifier>,
    /// The operator.
    pub op: Spanned<CmpOp>,
    /// The right-hand side.
    pub value: Spanned<Literal>,
}

/// `any`, `all`, `none`: how an array property is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrayModifier {
    /// Some element matches.
    Any,
    /// Every element matches.
    All,
    /// No element matches.
    None,
}

impl ArrayModifier {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            ArrayModifier::Any => "any",
            ArrayModifier::All => "all",
            ArrayModifier::None => "none",
        }
    }
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==` or `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=~` or `~`: case-insensitive, unanchored regex
    Match,
    /// `!~`: case-sensitive regex does not match
    NotMatch,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `covers`: the CloudWatch Logs filter pattern matches every event the given one matches
    Covers,
}

impl CmpOp {
    /// The canonical spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Match => "=~",
            CmpOp::NotMatch => "!~",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
            CmpOp::Covers => "covers",
        }
    }

    /// Parses any accepted spelling.
    pub fn from_text(s: &str) -> Option<CmpOp> {
        let words: Vec<&str> = s.split_whitespace().collect();
        Some(match words.as_slice() {
            ["=="] | ["="] => CmpOp::Eq,
            ["!="] => CmpOp::Ne,
            ["<"] => CmpOp::Lt,
            ["<="] => CmpOp::Le,
            [">"] => CmpOp::Gt,
            [">="] => CmpOp::Ge,
            ["=~"] | ["~"] => CmpOp::Match,
            ["!~"] => CmpOp::NotMatch,
            ["in"] => CmpOp::In,
            ["not", "in"] => CmpOp::NotIn,
            ["covers"] => CmpOp::Covers,
            _ => return None,
        })
    }
}

/// A property path such as `a.b[*].c` or `/ancestors.account.reported.name`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path {
    /// Whether it starts with `/` (no section prefix).
    pub absolute: bool,
    /// The segments.
    pub segments: Vec<Segment>,
}

/// One path segment: a name followed by array markers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Segment {
    /// The property name (backticks removed).
    pub name: String,
    /// `[*]`/`[]` (`None`) or `[n]` (`Some(n)`), in order.
    pub markers: Vec<Option<usize>>,
}

impl Path {
    /// Whether any segment has a `[*]` marker.
    pub fn has_wildcard(&self) -> bool {
        self.segments
            .iter()
            .any(|s| s.markers.iter().any(Option::is_none))
    }

    /// The last segment's name (list column names).
    pub fn last_name(&self) -> &str {
        self.segments.last().map_or("", |s| s.name.as_str())
    }
}

/// A literal on the right-hand side (JSON-like).
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float (`1.5`).
    Float(f64),
    /// A quoted or unquoted string.
    String(String),
    /// `[a, b]`
    Array(Vec<Literal>),
    /// `{a: 1}`
    Object(Vec<(String, Literal)>),
}

/// `with(filter, navigation [term] [with(...)])`.
#[derive(Debug, Clone, PartialEq)]
pub struct WithClause {
    /// `empty`, `any` or `count op n`.
    pub filter: WithFilter,
    /// The walk from each node.
    pub navigation: Spanned<Navigation>,
    /// The term reached nodes must satisfy.
    pub term: Option<Spanned<Term>>,
    /// A nested with clause on reached nodes.
    pub nested: Option<Box<Spanned<WithClause>>>,
}

/// How a with clause counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithFilter {
    /// `empty`: no reached node matches.
    Empty,
    /// `any`: at least one matches.
    Any,
    /// `count op n`.
    Count(CmpOp, i64),
}

/// A navigation between parts: `-->`, `<-[1:]-`, `<-delete[0:2]default->`.
#[derive(Debug, Clone, PartialEq)]
pub struct Navigation {
    /// Which way to walk.
    pub direction: Direction,
    /// Edge types (for `<-->`: the inbound types).
    pub edge_types: Vec<EdgeType>,
    /// For `<-->` only: the outbound types.
    pub outbound_edge_types: Vec<EdgeType>,
    /// First depth.
    pub start: u32,
    /// Last depth; `None` means up to the maximum (`[n:]`).
    pub until: Option<u32>,
    /// `{term}` on edges.
    pub edge_filter: Option<Box<Spanned<Term>>>,
}

/// The maximum traversal depth (`[n:]` means up to this).
pub const MAX_DEPTH: u32 = 250;

/// Direction of a navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `-->`
    Out,
    /// `<--`
    In,
    /// `<-->`
    InOut,
}

/// One sort key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// The path.
    pub path: Spanned<Path>,
    /// Ascending unless `desc`.
    pub ascending: bool,
}

/// `limit n` or `limit offset, n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Skipped elements.
    pub offset: usize,
    /// Elements kept.
    pub length: usize,
}

/// `with_usage(start[::end], [metrics])`.
#[derive(Debug, Clone, PartialEq)]
pub struct WithUsage {
    /// Start (duration or time) as written.
    pub start: String,
    /// End as written.
    pub end: Option<String>,
    /// Metric names.
    pub metrics: Vec<String>,
}

/// `aggregate(group vars: functions)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// Group variables.
    pub group: Vec<AggregateVariable>,
    /// Functions.
    pub functions: Vec<AggregateFunction>,
}

/// A group variable: `path [as name]` or `"{a}_{b}" [as name]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateVariable {
    /// A path, or a quoted combined template.
    pub value: AggregateValue,
    /// `as name`.
    pub name: Option<String>,
}

/// What a group variable reads.
#[derive(Debug, Clone, PartialEq)]
pub enum AggregateValue {
    /// A property path.
    Path(Path),
    /// A string with `{path}` pieces.
    Template(String),
}

/// `sum(a * 2) [as name]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateFunction {
    /// `sum`, `count`, `min`, `max`, `avg`, `stddev`, `variance`.
    pub function: String,
    /// The first operand and `(op, operand)` pairs.
    pub operands: Vec<(Option<char>, AggregateOperand)>,
    /// `as name`.
    pub name: Option<String>,
}

/// An operand in an aggregate function.
#[derive(Debug, Clone, PartialEq)]
pub enum AggregateOperand {
    /// A number.
    Number(Literal),
    /// A path.
    Path(Path),
}

// ---------------------------------------------------------------------------------------------
// Canonical rendering

/// Writes `s` as a double-quoted query string (escaping only `\` and `"`).
pub fn write_quoted(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

fn is_plain_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl Display for Path {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.absolute {
            f.write_char('/')?;
        }
        for (i, segment) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_char('.')?;
            }
            if is_plain_name(&segment.name) {
                f.write_str(&segment.name)?;
            } else {
                write!(f, "`{}`", segment.name)?;
            }
            for marker in &segment.markers {
                match marker {
                    None => f.write_str("[*]")?,
                    Some(n) => write!(f, "[{n}]")?,
                }
            }
        }
        Ok(())
    }
}

/// Formats a float so that it parses back as the same float (always with a `.`).
pub fn format_float(x: f64) -> String {
    let s = format!("{x}");
    if s.contains('.') || !x.is_finite() {
        s
    } else {
        format!("{s}.0")
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => f.write_str(&format_float(*x)),
            Literal::String(s) => write_quoted(f, s),
            Literal::Array(items) => {
                f.write_char('[')?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    item.fmt(f)?;
                }
                f.write_char(']')
            }
            Literal::Object(pairs) => {
                f.write_char('{')?;
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_quoted(f, k)?;
                    write!(f, ": {v}")?;
                }
                f.write_char('}')
            }
        }
    }
}

fn write_names(f: &mut Formatter<'_>, function: &str, names: &[Spanned<String>]) -> fmt::Result {
    write!(f, "{function}(")?;
    if let [one] = names {
        write_quoted(f, &one.node)?;
    } else {
        f.write_char('[')?;
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write_quoted(f, &n.node)?;
        }
        f.write_char(']')?;
    }
    f.write_char(')')
}

impl Display for Term {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Term::All => f.write_str("all"),
            Term::Is(names) => write_names(f, "is", names),
            Term::Id(names) => write_names(f, "id", names),
            Term::Not(inner) => write!(f, "not({inner})"),
            Term::Combined { .. } => {
                // `and`/`or` associate to the left with one precedence, so the left spine of a
                // chain prints flat: `(a or b and c)`, walked in a loop, so a long chain needs
                // neither deep recursion here nor deep parentheses when it is parsed again.
                let mut rights = Vec::new();
                let mut current = self;
                while let Term::Combined { left, op, right } = current {
                    rights.push((op, right));
                    current = &left.node;
                }
                write!(f, "({current}")?;
                for (op, right) in rights.iter().rev() {
                    let op = match op {
                        BoolOp::And => "and",
                        BoolOp::Or => "or",
                    };
                    write!(f, " {op} {right}")?;
                }
                f.write_char(')')
            }
            Term::Predicate(p) => p.fmt(f),
            Term::Context { path, term } => write!(f, "{path}.{{{term}}}"),
            Term::Function {
                function,
                path,
                args,
            } => {
                write!(f, "{}({path}", function.as_str())?;
                for arg in args {
                    write!(f, ", {arg}")?;
                }
                f.write_char(')')
            }
            Term::FullText(text) => write_quoted(f, text),
        }
    }
}

impl Display for Predicate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path)?;
        if let Some(m) = self.modifier {
            write!(f, " {}", m.as_str())?;
        }
        write!(f, " {} {}", self.op.node.as_str(), self.value)
    }
}

fn normalized(types: &[EdgeType]) -> Vec<EdgeType> {
    let mut sorted: Vec<EdgeType> = types.to_vec();
    sorted.sort();
    sorted.dedup();
    sorted
}

fn write_edge_types(f: &mut Formatter<'_>, types: &[EdgeType]) -> fmt::Result {
    let mut sorted: Vec<EdgeType> = types.to_vec();
    sorted.sort();
    sorted.dedup();
    for (i, t) in sorted.iter().enumerate() {
        if i > 0 {
            f.write_char(',')?;
        }
        f.write_str(t.as_str())?;
    }
    Ok(())
}

impl Display for Navigation {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self.direction {
            Direction::Out => "-",
            Direction::In | Direction::InOut => "<-",
        })?;
        write_edge_types(f, &self.edge_types)?;
        let until = self.until.unwrap_or(MAX_DEPTH);
        let two_lists = self.direction == Direction::InOut
            && normalized(&self.edge_types) != normalized(&self.outbound_edge_types);
        // Two type lists need a range between them to be told apart.
        if !(self.start == 1 && until == 1) || two_lists && self.edge_filter.is_none() {
            if self.start == until {
                write!(f, "[{}]", self.start)?;
            } else if self.until.is_none() || until == MAX_DEPTH {
                write!(f, "[{}:]", self.start)?;
            } else {
                write!(f, "[{}:{}]", self.start, until)?;
            }
        }
        if let Some(filter) = &self.edge_filter {
            write!(f, "{{{filter}}}")?;
        }
        match self.direction {
            Direction::Out => f.write_str("->"),
            Direction::In => f.write_char('-'),
            Direction::InOut => {
                if two_lists {
                    write_edge_types(f, &self.outbound_edge_types)?;
                }
                f.write_str("->")
            }
        }
    }
}

impl Display for WithClause {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("with(")?;
        match self.filter {
            WithFilter::Empty => f.write_str("empty")?,
            WithFilter::Any => f.write_str("any")?,
            WithFilter::Count(op, n) => write!(f, "count {} {n}", op.as_str())?,
        }
        write!(f, ", {}", self.navigation)?;
        if let Some(term) = &self.term {
            write!(f, " {term}")?;
        }
        if let Some(nested) = &self.nested {
            write!(f, " {nested}")?;
        }
        f.write_char(')')
    }
}

impl Display for MergeItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}: {}",
            self.name,
            if self.many { "[]" } else { "" },
            self.query
        )
    }
}

impl Display for Part {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        if let Some(usage) = &self.with_usage {
            write!(out, "{usage} ")?;
        }
        match &self.term {
            Some(term) => write!(out, "{term}")?,
            None => out.push_str("all"),
        }
        if let Some(merge) = &self.merge {
            out.push_str(" {");
            for (i, m) in merge.node.merges.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write!(out, "{m}")?;
            }
            out.push('}');
            if let Some(post) = &merge.node.post_filter {
                write!(out, " {post}")?;
            }
        }
        if let Some(with) = &self.with {
            write!(out, " {with}")?;
        }
        if let Some(tag) = &self.tag {
            write!(out, " #{tag}")?;
        }
        if !self.sort.is_empty() {
            out.push_str(" sort ");
            for (i, key) in self.sort.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let order = if key.node.ascending { "asc" } else { "desc" };
                write!(out, "{} {order}", key.node.path)?;
            }
        }
        if let Some(limit) = &self.limit {
            if limit.node.offset > 0 {
                write!(out, " limit {}, {}", limit.node.offset, limit.node.length)?;
            } else {
                write!(out, " limit {}", limit.node.length)?;
            }
        }
        if self.reversed {
            out.push_str(" reversed");
        }
        if let Some(nav) = &self.navigation {
            write!(out, " {nav}")?;
        }
        f.write_str(&out)
    }
}

impl Display for WithUsage {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "with_usage({}", self.start)?;
        if let Some(end) = &self.end {
            write!(f, "::{end}")?;
        }
        f.write_str(", [")?;
        for (i, m) in self.metrics.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write_quoted(f, m)?;
        }
        f.write_str("])")
    }
}

impl Display for AggregateOperand {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            AggregateOperand::Number(n) => n.fmt(f),
            AggregateOperand::Path(p) => p.fmt(f),
        }
    }
}

impl Display for Aggregate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("aggregate(")?;
        for (i, v) in self.group.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            match &v.value {
                AggregateValue::Path(p) => write!(f, "{p}")?,
                AggregateValue::Template(t) => write!(f, "\"{t}\"")?,
            }
            if let Some(name) = &v.name {
                write!(f, " as {name}")?;
            }
        }
        if !self.group.is_empty() {
            f.write_str(": ")?;
        }
        for (i, func) in self.functions.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}(", func.function)?;
            for (j, (op, operand)) in func.operands.iter().enumerate() {
                if j > 0
                    && let Some(op) = op
                {
                    write!(f, " {op} ")?;
                }
                write!(f, "{operand}")?;
            }
            f.write_char(')')?;
            if let Some(name) = &func.name {
                write!(f, " as {name}")?;
            }
        }
        f.write_char(')')
    }
}

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(aggregate) = &self.aggregate {
            write!(f, "{aggregate}")?;
        }
        if self.aggregate.is_some() {
            f.write_char(':')?;
        }
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                f.write_char(' ')?;
            }
            write!(f, "{part}")?;
        }
        Ok(())
    }
}

/// Calls `f` on every string literal of a query that a value can be put in: the right-hand
/// sides of predicates (each element of an array literal too), function arguments, in every
/// part, merge, `with` clause, context term and edge filter. `f` gets the literal's text and
/// the span of the literal (for an element of an array: the array's). Used to bind placeholders
/// in the syntax tree, so a query is parsed once and filled many times.
pub fn visit_string_literals_mut(query: &mut Query, f: &mut dyn FnMut(&mut String, &Span)) {
    fn literal(l: &mut Literal, span: &Span, f: &mut dyn FnMut(&mut String, &Span)) {
        match l {
            Literal::String(s) => f(s, span),
            Literal::Array(items) => {
                for item in items {
                    literal(item, span, f);
                }
            }
            Literal::Object(pairs) => {
                for (_, v) in pairs {
                    literal(v, span, f);
                }
            }
            _ => {}
        }
    }
    fn term(t: &mut Spanned<Term>, f: &mut dyn FnMut(&mut String, &Span)) {
        // Iterative over `and`/`or` chains: they may be hundreds of terms long.
        let mut stack = vec![t];
        while let Some(t) = stack.pop() {
            match &mut t.node {
                Term::Predicate(p) => literal(&mut p.value.node, &p.value.span, f),
                Term::Function { args, .. } => {
                    for a in args {
                        literal(&mut a.node, &a.span, f);
                    }
                }
                Term::Not(inner) => stack.push(inner),
                Term::Combined { left, right, .. } => {
                    stack.push(right);
                    stack.push(left);
                }
                Term::Context { term: inner, .. } => stack.push(inner),
                Term::All | Term::Is(_) | Term::Id(_) | Term::FullText(_) => {}
            }
        }
    }
    fn navigation(n: &mut Navigation, f: &mut dyn FnMut(&mut String, &Span)) {
        if let Some(filter) = &mut n.edge_filter {
            term(filter, f);
        }
    }
    fn with(w: &mut WithClause, f: &mut dyn FnMut(&mut String, &Span)) {
        navigation(&mut w.navigation.node, f);
        if let Some(t) = &mut w.term {
            term(t, f);
        }
        if let Some(n) = &mut w.nested {
            with(&mut n.node, f);
        }
    }
    for part in &mut query.parts {
        if let Some(t) = &mut part.term {
            term(t, f);
        }
        if let Some(m) = &mut part.merge {
            for item in &mut m.node.merges {
                visit_string_literals_mut(&mut item.node.query, f);
            }
            if let Some(t) = &mut m.node.post_filter {
                term(t, f);
            }
        }
        if let Some(w) = &mut part.with {
            with(&mut w.node, f);
        }
        if let Some(n) = &mut part.navigation {
            navigation(&mut n.node, f);
        }
    }
}
