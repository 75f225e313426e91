//! The lowered plan: kinds resolved, paths rooted, regexes compiled, times computed.
//! No spans; the evaluator runs it (see [`crate::eval`]).

use std::collections::HashSet;
use std::fmt::{self, Display, Formatter};

use jiff::Timestamp;
use regex::Regex;
use trailgraph_model::value::InternedKey;
use trailgraph_model::{AncestorKind, EdgeType, Kind, Value};

use crate::ast::{ArrayModifier, CmpOp, Direction, write_quoted};

/// A lowered query.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The parts, run left to right; each part's navigation feeds the next.
    pub parts: Vec<PartPlan>,
    /// `aggregate(...)`: group the result and compute functions per group.
    pub aggregate: Option<AggregatePlan>,
}

/// A lowered `aggregate(group: functions)`.
#[derive(Debug, Clone)]
pub struct AggregatePlan {
    /// Group columns: name and what they read.
    pub group: Vec<(String, GroupValue)>,
    /// Functions: name, function and operands.
    pub functions: Vec<AggregateFunctionPlan>,
}

/// What a group column reads.
#[derive(Debug, Clone)]
pub enum GroupValue {
    /// A property.
    Path(PathPlan),
    /// A string joining text and properties (`"{a}_{b}"`).
    Template(Vec<TemplatePart>),
}

/// A piece of a group template.
#[derive(Debug, Clone)]
pub enum TemplatePart {
    /// Literal text.
    Text(String),
    /// A property.
    Path(PathPlan),
}

/// One aggregate function.
#[derive(Debug, Clone)]
pub struct AggregateFunctionPlan {
    /// The result's name.
    pub name: String,
    /// `sum`, `count`, `min`, `max`, `avg`, `stddev` or `variance`.
    pub function: AggregateFunctionKind,
    /// The first operand, then `(operator, operand)` pairs applied left to right.
    pub operands: Vec<(Option<char>, Operand)>,
}

/// The aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFunctionKind {
    /// Sum of the values.
    Sum,
    /// Number of non-null values.
    Count,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Mean.
    Avg,
    /// Population standard deviation.
    Stddev,
    /// Population variance.
    Variance,
}

/// An operand of an aggregate expression.
#[derive(Debug, Clone)]
pub enum Operand {
    /// A number.
    Number(f64),
    /// A numeric property.
    Path(PathPlan),
}

/// One lowered part.
#[derive(Debug, Clone)]
pub struct PartPlan {
    /// Where the first part's candidates come from.
    pub source: Source,
    /// The filter on candidates.
    pub filter: Filter,
    /// Merge queries and the filter after them.
    pub merge: Option<MergePlan>,
    /// The with clause.
    pub with: Option<WithPlan>,
    /// Sort keys; empty means the default sort (kind, name, id).
    pub sort: Vec<SortPlan>,
    /// `(offset, length)`.
    pub limit: Option<(usize, usize)>,
    /// Reverse the result.
    pub reversed: bool,
    /// Walk to the next part.
    pub navigation: Option<NavigationPlan>,
}

/// Candidate nodes of the first part.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Every node.
    All,
    /// Nodes of these kinds, from the kind index.
    Kinds(KindSet),
}

/// A set of kinds as a bit mask over [`Kind::index`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KindSet(pub u64);

impl KindSet {
    /// The set holding `kinds`.
    pub fn of(kinds: &[Kind]) -> KindSet {
        KindSet(kinds.iter().fold(0, |m, k| m | 1u64 << k.index()))
    }

    /// Whether `kind` is in the set.
    pub fn contains(self, kind: Kind) -> bool {
        self.0 & (1u64 << kind.index()) != 0
    }

    /// The kinds in the set.
    pub fn kinds(self) -> impl Iterator<Item = Kind> {
        Kind::ALL.into_iter().filter(move |k| self.contains(*k))
    }

    /// Intersection.
    pub fn and(self, other: KindSet) -> KindSet {
        KindSet(self.0 & other.0)
    }
}

/// A filter on one node (or, inside context terms, on one element).
#[derive(Debug, Clone)]
pub enum Filter {
    /// Everything.
    All,
    /// `is(...)`.
    Kinds(KindSet),
    /// `id(...)`.
    Ids(HashSet<String>),
    /// `not`.
    Not(Box<Filter>),
    /// All must hold.
    And(Vec<Filter>),
    /// One must hold.
    Or(Vec<Filter>),
    /// `path op value`.
    Compare(Box<Comparison>),
    /// `path.{filter}`: one element satisfies the whole filter.
    Context(PathPlan, Box<Filter>),
    /// `has_key(path, keys)`.
    HasKey(PathPlan, Vec<String>),
    /// `in_subnet(path, network/prefix)`.
    InSubnet(PathPlan, u32, u32),
    /// `has_desired_change(path)`: always false, trailgraph has no desired section.
    HasDesiredChange(PathPlan),
    /// Full-text: a case-insensitive phrase search over all string values (the words escaped
    /// and joined by a separator class into a regex).
    FullText(Regex),
}

/// A lowered comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The property.
    pub path: PathPlan,
    /// How array values are compared (`None`: one value).
    pub modifier: Option<ArrayModifier>,
    /// Whether the modifier should also unfold an array at the end of the path.
    pub unfold_last: bool,
    /// The operator.
    pub op: CmpOp,
    /// The value.
    pub value: Value,
    /// The value as a time, when it is a duration (now + duration) or a date-time.
    pub time: Option<Timestamp>,
    /// The compiled regex for `=~`/`!~`.
    pub regex: Option<Regex>,
    /// For `covers`: the required filter pattern text.
    pub required_pattern: Option<String>,
    /// For `covers`: the pattern's key in the searcher's per-node cache.
    pub(crate) required_key: Option<(u64, usize)>,
    /// For `in`/`not in` with a long list: the list hashed, so a lookup does not scan it.
    pub in_set: Option<ValueSet>,
}

/// The values of an `in [...]` list, hashed for lookups with the evaluator's loose equality
/// (a number equals a string holding that number). Built only for lists longer than
/// [`ValueSet::MIN_LEN`]; shorter lists are scanned.
#[derive(Debug, Clone, Default)]
pub struct ValueSet {
    strings: std::collections::HashSet<Box<str>>,
    /// Numbers, and strings of the list that hold a number, by their `f64` bits.
    numbers: std::collections::HashSet<u64>,
    /// Strings of the list that hold a number, for a number value.
    numeric_strings: std::collections::HashSet<u64>,
    /// Everything else (null, booleans, arrays, objects), compared one by one.
    others: Vec<Value>,
}

impl ValueSet {
    /// Lists up to this long are scanned, which is as fast as hashing for so few.
    pub const MIN_LEN: usize = 16;

    /// The set for `items`, or `None` when the list is short enough to scan.
    pub fn for_list(items: &[Value]) -> Option<ValueSet> {
        if items.len() <= Self::MIN_LEN {
            return None;
        }
        let mut set = ValueSet::default();
        for item in items {
            match item {
                Value::String(s) => {
                    if let Ok(n) = s.trim().parse::<f64>() {
                        set.numeric_strings.insert(number_key(n));
                    }
                    set.strings.insert(Box::from(&**s));
                }
                Value::Number(n) => {
                    set.numbers.insert(number_key(n.as_f64()));
                }
                other => set.others.push(other.clone()),
            }
        }
        Some(set)
    }

    /// Whether `value` equals one of the list's values; `others` are compared with `equal`.
    pub fn contains(&self, value: &Value, equal: impl Fn(&Value, &Value) -> bool) -> bool {
        match value {
            Value::String(s) => {
                self.strings.contains(&**s)
                    || s.trim()
                        .parse::<f64>()
                        .is_ok_and(|n| self.numbers.contains(&number_key(n)))
            }
            Value::Number(n) => {
                let key = number_key(n.as_f64());
                self.numbers.contains(&key) || self.numeric_strings.contains(&key)
            }
            other => self.others.iter().any(|item| equal(other, item)),
        }
    }
}

/// `f64` bits with `-0.0` and `0.0` as one key.
fn number_key(n: f64) -> u64 {
    if n == 0.0 { 0 } else { n.to_bits() }
}

/// A property path rooted in a node section.
#[derive(Debug, Clone, PartialEq)]
pub struct PathPlan {
    /// Where the path starts.
    pub root: Root,
    /// The steps below the root.
    pub steps: Vec<Step>,
}

/// Where a path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// The node's `reported` section.
    Reported,
    /// The node id (`/id`).
    NodeId,
    /// The `reported` section of a resolved ancestor.
    Ancestor(AncestorKind),
    /// The node's kind hierarchy (`/kinds`).
    Kinds,
    /// The current element of a context term (or an edge's properties).
    Element,
    /// The `reported` section of the nearest node of these kinds reached over `default` edges,
    /// inbound (`/ancestors.<kind>.reported...`) or outbound (`/descendants.<kind>...`).
    Related {
        /// The kinds looked for.
        kinds: KindSet,
        /// Walk inbound edges (ancestors) rather than outbound ones (descendants).
        inbound: bool,
    },
    /// Data merged beside `reported` by an absolute merge name (`{/vpc: ...}` then `/vpc.x`).
    Merged,
    /// A section trailgraph does not have (`/desired`, `/metadata`, `zone`, ...): always absent.
    Absent,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// An object key, interned so that lookups compare pointers.
    Key(InternedKey),
    /// `[n]`.
    Index(usize),
    /// `[*]`: every element.
    Each,
}

impl PathPlan {
    /// Whether the path has a `[*]` step.
    pub fn has_each(&self) -> bool {
        self.steps.contains(&Step::Each)
    }
}

/// A lowered merge block: `{name: query, ...} post_filter`.
#[derive(Debug, Clone)]
pub struct MergePlan {
    /// The merges, in order.
    pub items: Vec<MergeItemPlan>,
    /// The filter on nodes with their merged data.
    pub post_filter: Filter,
}

/// One merge: run `plan` from the node, store the first result (or all, for `name[]`).
#[derive(Debug, Clone)]
pub struct MergeItemPlan {
    /// Keys of the name.
    pub keys: Vec<String>,
    /// `/name`: beside `reported` rather than inside it.
    pub absolute: bool,
    /// `name[]`: all results as an array.
    pub many: bool,
    /// The sub-query; its first part starts from the node.
    pub plan: Plan,
}

/// A lowered with clause.
#[derive(Debug, Clone)]
pub struct WithPlan {
    /// How reached nodes are counted.
    pub count: WithCount,
    /// The walk.
    pub navigation: NavigationPlan,
    /// Reached nodes must satisfy this.
    pub filter: Filter,
    /// The kinds `filter` limits reached nodes to (`None`: any kind), decided when lowering:
    /// the walk need only report nodes of these kinds.
    pub filter_kinds: Option<KindSet>,
    /// And this nested clause.
    pub nested: Option<Box<WithPlan>>,
}

/// A with clause's condition on the count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithCount {
    /// No node.
    Empty,
    /// At least one.
    Any,
    /// `count op n`.
    Count(CmpOp, i64),
}

impl WithCount {
    /// How many matches are enough to decide (counting stops after this many).
    pub fn stop_after(self) -> usize {
        match self {
            WithCount::Empty | WithCount::Any => 1,
            WithCount::Count(_, n) => usize::try_from(n.max(0))
                .unwrap_or(usize::MAX)
                .saturating_add(1),
        }
    }

    /// Whether `count` satisfies the condition.
    pub fn accepts(self, count: usize) -> bool {
        let count = i64::try_from(count).unwrap_or(i64::MAX);
        match self {
            WithCount::Empty => count == 0,
            WithCount::Any => count > 0,
            WithCount::Count(op, n) => match op {
                CmpOp::Eq => count == n,
                CmpOp::Ne => count != n,
                CmpOp::Lt => count < n,
                CmpOp::Le => count <= n,
                CmpOp::Gt => count > n,
                CmpOp::Ge => count >= n,
                _ => false,
            },
        }
    }
}

/// A lowered navigation.
#[derive(Debug, Clone)]
pub struct NavigationPlan {
    /// Direction.
    pub direction: Direction,
    /// Edge types walked inbound (`<--`, and the inbound half of `<-->`).
    pub inbound: Vec<EdgeType>,
    /// Edge types walked outbound.
    pub outbound: Vec<EdgeType>,
    /// First depth (0 includes the start node).
    pub start: u32,
    /// Last depth.
    pub until: u32,
    /// Whether the edge filter admits edges (trailgraph edges carry no properties, so the filter
    /// is decided once, when lowering, on an empty edge).
    pub edges_pass_filter: bool,
    /// The navigation as its [`Display`] writes it, computed when lowering: it names the
    /// navigation's walks in a searcher's memory of walks.
    pub walk_key: String,
}

/// A sort key.
#[derive(Debug, Clone)]
pub struct SortPlan {
    /// The path.
    pub path: PathPlan,
    /// Ascending?
    pub ascending: bool,
}

// ---------------------------------------------------------------------------------------------
// Display: the plan as text, for `explain`.

impl Display for PathPlan {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.root {
            Root::Reported => f.write_str("/reported")?,
            Root::NodeId => f.write_str("/id")?,
            Root::Ancestor(a) => write!(f, "/ancestors.{}.reported", a.as_str())?,
            Root::Kinds => f.write_str("/kinds")?,
            Root::Element => f.write_str("@")?,
            Root::Related { kinds, inbound } => write!(
                f,
                "/{}.{kinds}.reported",
                if inbound { "ancestors" } else { "descendants" }
            )?,
            Root::Merged => f.write_str("/<merged>")?,
            Root::Absent => f.write_str("<absent>")?,
        }
        for step in &self.steps {
            match step {
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(i) => write!(f, "[{i}]")?,
                Step::Each => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl Display for KindSet {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.kinds().map(Kind::as_str).collect();
        write!(f, "{}", names.join("|"))
    }
}

/// `["a", "b"]`, quoted as the query language quotes strings (not as Rust debug text).
fn write_quoted_list<'s>(
    f: &mut Formatter<'_>,
    items: impl IntoIterator<Item = &'s str>,
) -> fmt::Result {
    f.write_str("[")?;
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_quoted(f, item)?;
    }
    f.write_str("]")
}

impl Display for Filter {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Filter::All => f.write_str("all"),
            Filter::Kinds(k) => write!(f, "kind in {k}"),
            Filter::Ids(ids) => {
                let mut ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                ids.sort_unstable();
                f.write_str("id in ")?;
                write_quoted_list(f, ids)
            }
            Filter::Not(inner) => write!(f, "not({inner})"),
            Filter::And(items) | Filter::Or(items) => {
                let op = if matches!(self, Filter::And(_)) {
                    " and "
                } else {
                    " or "
                };
                f.write_str("(")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(op)?;
                    }
                    item.fmt(f)?;
                }
                f.write_str(")")
            }
            Filter::Compare(c) => {
                write!(f, "{}", c.path)?;
                if let Some(m) = c.modifier {
                    write!(f, " {}", m.as_str())?;
                }
                write!(f, " {} ", c.op.as_str())?;
                match &c.value {
                    Value::String(s) => write_quoted(f, s)?,
                    other => write!(f, "{other}")?,
                }
                if let Some(t) = c.time {
                    write!(f, " (time {t})")?;
                }
                Ok(())
            }
            Filter::Context(path, inner) => write!(f, "{path}.{{{inner}}}"),
            Filter::HasKey(path, keys) => {
                write!(f, "has_key({path}, ")?;
                write_quoted_list(f, keys.iter().map(|k| k.as_ref()))?;
                f.write_str(")")
            }
            Filter::InSubnet(path, net, prefix) => {
                let [a, b, c, d] = net.to_be_bytes();
                write!(f, "in_subnet({path}, \"{a}.{b}.{c}.{d}/{prefix}\")")
            }
            Filter::HasDesiredChange(path) => write!(f, "has_desired_change({path})"),
            Filter::FullText(re) => write!(f, "fulltext /{}/", re.as_str()),
        }
    }
}

impl Display for NavigationPlan {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let names = |types: &[EdgeType]| {
            types
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(",")
        };
        match self.direction {
            Direction::Out => write!(f, "outbound {}", names(&self.outbound))?,
            Direction::In => write!(f, "inbound {}", names(&self.inbound))?,
            Direction::InOut => write!(
                f,
                "inbound {} + outbound {}",
                names(&self.inbound),
                names(&self.outbound)
            )?,
        }
        write!(f, " depth {}..={}", self.start, self.until)?;
        if !self.edges_pass_filter {
            f.write_str(" (edge filter rejects every edge)")?;
        }
        Ok(())
    }
}

impl Display for WithPlan {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.count {
            WithCount::Empty => f.write_str("with empty")?,
            WithCount::Any => f.write_str("with any")?,
            WithCount::Count(op, n) => write!(f, "with count {} {n}", op.as_str())?,
        }
        write!(f, " [{}] {}", self.navigation, self.filter)?;
        if let Some(nested) = &self.nested {
            write!(f, " {{ {nested} }}")?;
        }
        Ok(())
    }
}
