//! From the AST to a [`Plan`]: section prefixes and shortcuts, kinds, regexes, times.

use jiff::{SignedDuration, Timestamp};
use regex::RegexBuilder;
use trailgraph_model::{AncestorKind, Kind, Number, Object, Value};

use crate::ast::{
    Aggregate, AggregateOperand, AggregateValue, ArrayModifier, BoolOp, CmpOp, Direction, Function,
    Literal, MAX_DEPTH, Merge, Navigation, Part, Path, Query, Span, Spanned, Term, WithClause,
    WithFilter,
};
use crate::duration::{checked_time_value, parse_duration};
use crate::plan::{
    AggregateFunctionKind, AggregateFunctionPlan, AggregatePlan, Comparison, Filter, GroupValue,
    KindSet, MergeItemPlan, MergePlan, NavigationPlan, Operand, PartPlan, PathPlan, Plan, Root,
    SortPlan, Source, Step, TemplatePart, ValueSet, WithCount, WithPlan,
};

/// What lowering needs besides the query: the current time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// "now" for durations (`ctime < -30d`) and `age`.
    pub now: Timestamp,
}

impl Context {
    /// A context at the current time.
    pub fn now() -> Context {
        Context {
            now: Timestamp::now(),
        }
    }
}

/// A query that parses but cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LowerError {
    /// `is(x)` names no kind or base kind.
    #[error("unknown kind `{name}`")]
    UnknownKind {
        /// The name.
        name: String,
        /// Where.
        span: Span,
    },
    /// A `=~`/`!~` pattern that does not compile.
    #[error("invalid regular expression: {message}")]
    InvalidRegex {
        /// The regex error.
        message: String,
        /// Where.
        span: Span,
    },
    /// A value that does not fit where it is used.
    #[error("{message}")]
    InvalidValue {
        /// What is wrong.
        message: String,
        /// Where.
        span: Span,
    },
    /// A required filter pattern (`covers "..."`) that does not parse.
    #[error("invalid filter pattern: {message}")]
    InvalidPattern {
        /// The pattern parser's message.
        message: String,
        /// Where.
        span: Span,
    },
    /// A construct the engine does not run yet (merges, aggregates, with_usage).
    #[error("{what} is not supported yet")]
    NotSupported {
        /// The construct.
        what: String,
        /// Where.
        span: Span,
    },
}

impl LowerError {
    /// Where the problem is in the query.
    pub fn span(&self) -> Span {
        match self {
            LowerError::UnknownKind { span, .. }
            | LowerError::InvalidRegex { span, .. }
            | LowerError::InvalidValue { span, .. }
            | LowerError::InvalidPattern { span, .. }
            | LowerError::NotSupported { span, .. } => span.clone(),
        }
    }
}

/// Most bytes a compiled regex may use.
const REGEX_SIZE_LIMIT: usize = 10 * 1024 * 1024;

/// Lowers `query` for running at `context.now`.
///
/// ```
/// use trailgraph_model::Inventory;
/// use trailgraph_query::{Context, lower, parse};
/// let query = parse("is(aws_cloud_trail) and name =~ \"org\"")?;
/// let plan = lower(&query, &Context::now())?;
/// assert_eq!(plan.parts.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn lower(query: &Query, context: &Context) -> Result<Plan, LowerError> {
    let lowerer = Lowerer { now: context.now };
    let aggregate = query
        .aggregate
        .as_ref()
        .map(|a| lowerer.lower_aggregate(a))
        .transpose()?;
    let parts = query
        .parts
        .iter()
        .enumerate()
        .map(|(i, part)| lowerer.lower_part(part, i == 0))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Plan { parts, aggregate })
}

/// Lowers one term of a node's filter (for the conditions of a [`crate::trace::TracePlan`]).
pub(crate) fn lower_filter(term: &Spanned<Term>, context: &Context) -> Result<Filter, LowerError> {
    let lowerer = Lowerer { now: context.now };
    Ok(simplify(lowerer.lower_term(term, Scope::Node)?))
}

/// Lowers a path as a node property path (for `list`, `count` and `format` columns).
pub(crate) fn lower_node_path(path: &Spanned<Path>) -> Result<PathPlan, LowerError> {
    Lowerer {
        now: Timestamp::UNIX_EPOCH,
    }
    .lower_path(path, Scope::Node)
}

fn not_supported(what: &str, span: &Span) -> LowerError {
    LowerError::NotSupported {
        what: what.to_owned(),
        span: span.clone(),
    }
}

/// How relative paths are rooted.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// A node: relative paths are under `reported`.
    Node,
    /// A context term element or an edge: relative paths are under the element.
    Element,
}

struct Lowerer {
    now: Timestamp,
}

impl Lowerer {
    fn lower_part(&self, part: &Part, first: bool) -> Result<PartPlan, LowerError> {
        if let Some(usage) = &part.with_usage {
            return Err(not_supported("with_usage(...)", &usage.span));
        }
        let filter = match &part.term {
            Some(term) => self.lower_term(term, Scope::Node)?,
            None => Filter::All,
        };
        let filter = simplify(filter);
        let source = if first {
            match index_kinds(&filter) {
                Some(kinds) => Source::Kinds(kinds),
                None => Source::All,
            }
        } else {
            Source::All
        };
        let merge = part
            .merge
            .as_ref()
            .map(|m| self.lower_merge(&m.node))
            .transpose()?;
        let with = part
            .with
            .as_ref()
            .map(|w| self.lower_with(&w.node))
            .transpose()?;
        let sort = part
            .sort
            .iter()
            .map(|key| {
                // Sorting by `age` sorts by `ctime` the other way round (and so on).
                if let Some(source) = age_source(&key.node.path.node) {
                    return Ok(SortPlan {
                        path: PathPlan {
                            root: Root::Reported,
                            steps: vec![Step::Key(source.into())],
                        },
                        ascending: !key.node.ascending,
                    });
                }
                Ok(SortPlan {
                    path: self.lower_path(&key.node.path, Scope::Node)?,
                    ascending: key.node.ascending,
                })
            })
            .collect::<Result<Vec<_>, LowerError>>()?;
        let navigation = part
            .navigation
            .as_ref()
            .map(|n| self.lower_navigation(&n.node))
            .transpose()?;
        Ok(PartPlan {
            source,
            filter,
            merge,
            with,
            sort,
            limit: part.limit.as_ref().map(|l| (l.node.offset, l.node.length)),
            reversed: part.reversed,
            navigation,
        })
    }

    /// `aggregate(a as x, "{b}-{c}": sum(d * 2) as total, count(1))`.
    fn lower_aggregate(&self, aggregate: &Spanned<Aggregate>) -> Result<AggregatePlan, LowerError> {
        let span = &aggregate.span;
        let node_path = |path: &Path| -> Result<PathPlan, LowerError> {
            self.lower_path(&Spanned::new(path.clone(), span.clone()), Scope::Node)
        };
        let mut group = Vec::new();
        for variable in &aggregate.node.group {
            let (default_name, value) = match &variable.value {
                AggregateValue::Path(p) => {
                    (p.last_name().to_owned(), GroupValue::Path(node_path(p)?))
                }
                AggregateValue::Template(text) => {
                    let mut parts = Vec::new();
                    let mut rest = text.as_str();
                    while let Some(open) = rest.find('{') {
                        let Some(close) = rest[open..].find('}') else {
                            break;
                        };
                        if open > 0 {
                            parts.push(TemplatePart::Text(rest[..open].to_owned()));
                        }
                        let inner = crate::parser::parse_path(rest[open + 1..open + close].trim());
                        parts.push(TemplatePart::Path(node_path(&inner)?));
                        rest = &rest[open + close + 1..];
                    }
                    if !rest.is_empty() {
                        parts.push(TemplatePart::Text(rest.to_owned()));
                    }
                    (text.clone(), GroupValue::Template(parts))
                }
            };
            group.push((variable.name.clone().unwrap_or(default_name), value));
        }
        let mut functions = Vec::new();
        for function in &aggregate.node.functions {
            let kind = match function.function.as_str() {
                "sum" => AggregateFunctionKind::Sum,
                "count" => AggregateFunctionKind::Count,
                "min" => AggregateFunctionKind::Min,
                "max" => AggregateFunctionKind::Max,
                "avg" => AggregateFunctionKind::Avg,
                "stddev" => AggregateFunctionKind::Stddev,
                _ => AggregateFunctionKind::Variance,
            };
            let mut operands = Vec::new();
            let mut text = String::new();
            for (op, operand) in &function.operands {
                if let Some(op) = op {
                    text.push(*op);
                }
                match operand {
                    AggregateOperand::Number(n) => {
                        text.push_str(&n.to_string());
                        let value = match n {
                            Literal::Int(i) => *i as f64,
                            Literal::Float(f) => *f,
                            _ => 0.0,
                        };
                        operands.push((*op, Operand::Number(value)));
                    }
                    AggregateOperand::Path(p) => {
                        text.push_str(&p.to_string());
                        operands.push((*op, Operand::Path(node_path(p)?)));
                    }
                }
            }
            // Fix's default name: `<fn>_of_<expression>` with non-word characters as `_`.
            let default_name = format!("{}_of_{text}", function.function)
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            functions.push(AggregateFunctionPlan {
                name: function.name.clone().unwrap_or(default_name),
                function: kind,
                operands,
            });
        }
        Ok(AggregatePlan { group, functions })
    }

    /// `{name: <query>, list[]: <query>} post_filter`: each sub-query runs from the node.
    fn lower_merge(&self, merge: &Merge) -> Result<MergePlan, LowerError> {
        let mut items = Vec::new();
        for item in &merge.merges {
            let name = crate::parser::parse_path(&item.node.name);
            let parts = item
                .node
                .query
                .parts
                .iter()
                .map(|p| self.lower_part(p, false))
                .collect::<Result<Vec<_>, _>>()?;
            items.push(MergeItemPlan {
                keys: name.segments.into_iter().map(|s| s.name).collect(),
                absolute: name.absolute,
                many: item.node.many,
                plan: Plan {
                    parts,
                    aggregate: None,
                },
            });
        }
        let post_filter = match &merge.post_filter {
            Some(term) => simplify(self.lower_term(term, Scope::Node)?),
            None => Filter::All,
        };
        Ok(MergePlan { items, post_filter })
    }

    fn lower_with(&self, with: &WithClause) -> Result<WithPlan, LowerError> {
        let count = match with.filter {
            WithFilter::Empty => WithCount::Empty,
            WithFilter::Any => WithCount::Any,
            WithFilter::Count(op, n) => WithCount::Count(op, n),
        };
        let filter = match &with.term {
            Some(t) => simplify(self.lower_term(t, Scope::Node)?),
            None => Filter::All,
        };
        Ok(WithPlan {
            count,
            navigation: self.lower_navigation(&with.navigation.node)?,
            // Only nodes of the filter's kinds can match.
            filter_kinds: index_kinds(&filter),
            filter,
            nested: with
                .nested
                .as_ref()
                .map(|n| self.lower_with(&n.node).map(Box::new))
                .transpose()?,
        })
    }

    fn lower_navigation(&self, nav: &Navigation) -> Result<NavigationPlan, LowerError> {
        let edges_pass_filter = match &nav.edge_filter {
            Some(filter) => {
                let filter = self.lower_term(filter, Scope::Element)?;
                crate::eval::filter_accepts_empty_edge(&filter)
            }
            None => true,
        };
        let (inbound, outbound) = match nav.direction {
            Direction::Out => (Vec::new(), nav.edge_types.clone()),
            Direction::In => (nav.edge_types.clone(), Vec::new()),
            Direction::InOut => (nav.edge_types.clone(), nav.outbound_edge_types.clone()),
        };
        let mut plan = NavigationPlan {
            direction: nav.direction,
            inbound,
            outbound,
            start: nav.start,
            until: nav.until.unwrap_or(MAX_DEPTH),
            edges_pass_filter,
            walk_key: String::new(),
        };
        plan.walk_key = plan.to_string();
        Ok(plan)
    }

    fn lower_term(&self, term: &Spanned<Term>, scope: Scope) -> Result<Filter, LowerError> {
        Ok(match &term.node {
            Term::All => Filter::All,
            Term::Is(names) => {
                let mut kinds = Vec::new();
                for name in names {
                    match Kind::matching(&name.node) {
                        Some(k) => kinds.extend(k),
                        None => {
                            return Err(LowerError::UnknownKind {
                                name: name.node.clone(),
                                span: name.span.clone(),
                            });
                        }
                    }
                }
                Filter::Kinds(KindSet::of(&kinds))
            }
            Term::Id(ids) => Filter::Ids(ids.iter().map(|i| i.node.clone()).collect()),
            Term::Not(inner) => Filter::Not(Box::new(self.lower_term(inner, scope)?)),
            Term::Combined { .. } => {
                // Flatten left-deep chains iteratively: `a and b and c` is one And of three.
                let mut items = Vec::new();
                let mut current = term;
                let mut chain_op = None;
                let mut rights = Vec::new();
                while let Term::Combined { left, op, right } = &current.node {
                    if chain_op.is_some_and(|o| o != *op) {
                        break;
                    }
                    chain_op = Some(*op);
                    rights.push(right);
                    current = left;
                }
                items.push(self.lower_term(current, scope)?);
                for right in rights.into_iter().rev() {
                    items.push(self.lower_term(right, scope)?);
                }
                match chain_op {
                    Some(BoolOp::Or) => Filter::Or(items),
                    _ => Filter::And(items),
                }
            }
            Term::Predicate(p) => {
                self.lower_comparison(&p.path, p.modifier, p.op.node, &p.value, scope)?
            }
            Term::Context { path, term } => {
                let path_plan = self.lower_path(path, scope)?;
                let inner = simplify(self.lower_term(term, Scope::Element)?);
                Filter::Context(path_plan, Box::new(inner))
            }
            Term::Function {
                function,
                path,
                args,
            } => self.lower_function(*function, path, args, &term.span, scope)?,
            Term::FullText(text) => {
                let words: Vec<String> = text.split_whitespace().map(regex::escape).collect();
                let pattern = words.join(r"[\s_\-@:/.]+");
                let regex = RegexBuilder::new(&pattern)
                    .case_insensitive(true)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| LowerError::InvalidRegex {
                        message: e.to_string(),
                        span: term.span.clone(),
                    })?;
                Filter::FullText(regex)
            }
        })
    }

    fn lower_function(
        &self,
        function: Function,
        path: &Spanned<Path>,
        args: &[Spanned<Literal>],
        span: &Span,
        scope: Scope,
    ) -> Result<Filter, LowerError> {
        let path_plan = self.lower_path(path, scope)?;
        let one_arg = |what: &str| -> Result<&Spanned<Literal>, LowerError> {
            match args {
                [one] => Ok(one),
                _ => Err(LowerError::InvalidValue {
                    message: format!(
                        "{}() takes a path and exactly one {what}",
                        function.as_str()
                    ),
                    span: span.clone(),
                }),
            }
        };
        Ok(match function {
            Function::HasDesiredChange => Filter::HasDesiredChange(path_plan),
            Function::HasKey => {
                let arg = one_arg("key or list of keys")?;
                let keys = match &arg.node {
                    Literal::String(s) => vec![s.clone()],
                    Literal::Array(items) => items
                        .iter()
                        .map(|i| match i {
                            Literal::String(s) => Ok(s.clone()),
                            other => Ok(other.to_string()),
                        })
                        .collect::<Result<Vec<_>, LowerError>>()?,
                    other => vec![other.to_string()],
                };
                Filter::HasKey(path_plan, keys)
            }
            Function::InSubnet => {
                let arg = one_arg("network such as \"10.0.0.0/8\"")?;
                let Literal::String(text) = &arg.node else {
                    return Err(LowerError::InvalidValue {
                        message: "in_subnet() needs a network such as \"10.0.0.0/8\"".into(),
                        span: arg.span.clone(),
                    });
                };
                let (net, prefix) = parse_cidr(text).ok_or_else(|| LowerError::InvalidValue {
                    message: format!("`{text}` is not an IPv4 network such as 10.0.0.0/8"),
                    span: arg.span.clone(),
                })?;
                Filter::InSubnet(path_plan, net, prefix)
            }
        })
    }

    fn lower_comparison(
        &self,
        path: &Spanned<Path>,
        modifier: Option<ArrayModifier>,
        op: CmpOp,
        value: &Spanned<Literal>,
        scope: Scope,
    ) -> Result<Filter, LowerError> {
        // `age`, `last_update`, `last_access` are computed from ctime/mtime/atime: compare the
        // source timestamp with the operator turned around (`age > 3d` ⇔ `ctime < now-3d`).
        if scope == Scope::Node
            && let Some(source) = age_source(&path.node)
        {
            return self.lower_age(source, op, value);
        }
        let path_plan = self.lower_path(path, scope)?;
        let converted = literal_to_value(&value.node);
        let mut regex = None;
        let mut required_pattern = None;
        match op {
            CmpOp::Match | CmpOp::NotMatch => {
                let pattern = match &value.node {
                    Literal::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let compiled = RegexBuilder::new(&pattern)
                    .case_insensitive(op == CmpOp::Match)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| LowerError::InvalidRegex {
                        message: regex_message(&e),
                        span: value.span.clone(),
                    })?;
                regex = Some(compiled);
            }
            CmpOp::Covers => {
                let Literal::String(text) = &value.node else {
                    return Err(LowerError::InvalidValue {
                        message: "covers needs a filter pattern in double quotes".into(),
                        span: value.span.clone(),
                    });
                };
                crate::covers::check_required(text).map_err(|message| {
                    LowerError::InvalidPattern {
                        message,
                        span: value.span.clone(),
                    }
                })?;
                required_pattern = Some(text.clone());
            }
            _ => {}
        }
        let time = match &value.node {
            Literal::String(s) if op_orders_or_equals(op) => checked_time_value(s, self.now)
                .map_err(|_| LowerError::InvalidValue {
                    message: format!(
                        "the duration `{s}` is out of range (times go from year -9999 to 9999)"
                    ),
                    span: value.span.clone(),
                })?,
            _ => None,
        };
        let has_each = path_plan.has_each();
        let ends_with_each = path_plan.steps.last() == Some(&Step::Each);
        Ok(Filter::Compare(Box::new(Comparison {
            unfold_last: modifier.is_some() && !ends_with_each,
            modifier: modifier.or(if has_each {
                Some(ArrayModifier::Any)
            } else {
                None
            }),
            path: path_plan,
            in_set: match (op, &converted) {
                (CmpOp::In | CmpOp::NotIn, Value::Array(items)) => ValueSet::for_list(items),
                _ => None,
            },
            op,
            value: converted,
            time,
            regex,
            required_key: required_pattern.as_deref().map(crate::covers::required_key),
            required_pattern,
        })))
    }

    fn lower_age(
        &self,
        source: &str,
        op: CmpOp,
        value: &Spanned<Literal>,
    ) -> Result<Filter, LowerError> {
        let text = match &value.node {
            Literal::String(s) => s.clone(),
            other => other.to_string(),
        };
        let seconds = parse_duration(&text).ok_or_else(|| LowerError::InvalidValue {
            message: format!("expected a duration such as 3d or 12h, found `{text}`"),
            span: value.span.clone(),
        })?;
        let threshold = self
            .now
            .checked_sub(SignedDuration::from_secs(seconds))
            .map_err(|e| LowerError::InvalidValue {
                message: format!("duration out of range: {e}"),
                span: value.span.clone(),
            })?;
        let swapped = match op {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            CmpOp::Eq | CmpOp::Ne => op,
            _ => {
                return Err(LowerError::InvalidValue {
                    message: format!("`{}` cannot compare an age", op.as_str()),
                    span: value.span.clone(),
                });
            }
        };
        Ok(Filter::Compare(Box::new(Comparison {
            path: PathPlan {
                root: Root::Reported,
                steps: vec![Step::Key(source.into())],
            },
            modifier: None,
            unfold_last: false,
            op: swapped,
            value: Value::String(threshold.to_string().into()),
            time: Some(threshold),
            regex: None,
            required_pattern: None,
            required_key: None,
            in_set: None,
        })))
    }

    /// Section prefixing and Fix's shortcuts (`account` ⇒ `/ancestors.account.reported.name`).
    fn lower_path(&self, path: &Spanned<Path>, scope: Scope) -> Result<PathPlan, LowerError> {
        let segments = &path.node.segments;
        let steps_of = |segments: &[crate::ast::Segment]| -> Vec<Step> {
            let mut steps = Vec::new();
            for s in segments {
                steps.push(Step::Key(s.name.as_str().into()));
                for m in &s.markers {
                    steps.push(match m {
                        None => Step::Each,
                        Some(i) => Step::Index(*i),
                    });
                }
            }
            steps
        };
        if !path.node.absolute {
            if scope == Scope::Element {
                return Ok(PathPlan {
                    root: Root::Element,
                    steps: steps_of(segments),
                });
            }
            if let Some(first) = segments.first().filter(|s| s.markers.is_empty()) {
                let shortcut = match first.name.as_str() {
                    "zone" => Some(None),
                    "usage" => Some(None),
                    name => AncestorKind::from_name(name).map(Some),
                };
                if let Some(ancestor) = shortcut {
                    return Ok(match ancestor {
                        None => PathPlan {
                            root: Root::Absent,
                            steps: Vec::new(),
                        },
                        Some(kind) if segments.len() == 1 => PathPlan {
                            root: Root::Ancestor(kind),
                            steps: vec![Step::Key("name".into())],
                        },
                        Some(kind) => PathPlan {
                            root: Root::Ancestor(kind),
                            steps: steps_of(&segments[1..]),
                        },
                    });
                }
            }
            return Ok(PathPlan {
                root: Root::Reported,
                steps: steps_of(segments),
            });
        }
        let Some(first) = segments.first() else {
            return Ok(PathPlan {
                root: Root::Absent,
                steps: Vec::new(),
            });
        };
        let rest = &segments[1..];
        let absent = PathPlan {
            root: Root::Absent,
            steps: Vec::new(),
        };
        Ok(match first.name.as_str() {
            "reported" => PathPlan {
                root: Root::Reported,
                steps: steps_of(rest),
            },
            "id" if rest.is_empty() => PathPlan {
                root: Root::NodeId,
                steps: Vec::new(),
            },
            "kinds" => PathPlan {
                root: Root::Kinds,
                steps: steps_of(segments)[1..].to_vec(),
            },
            "ancestors" | "descendants" => match rest {
                [which, section, tail @ ..] if section.name == "reported" => {
                    let ancestors = first.name == "ancestors";
                    match AncestorKind::from_name(&which.name) {
                        Some(kind) if ancestors => PathPlan {
                            root: Root::Ancestor(kind),
                            steps: steps_of(tail),
                        },
                        _ if which.name == "zone" => absent,
                        _ => {
                            // Fix merges `<-default[1:]- is(kind)` (or `-default[1:]->` for
                            // descendants) and reads the path in the first node found.
                            let kinds = Kind::matching(&which.name).ok_or_else(|| {
                                LowerError::UnknownKind {
                                    name: which.name.clone(),
                                    span: path.span.clone(),
                                }
                            })?;
                            PathPlan {
                                root: Root::Related {
                                    kinds: KindSet::of(&kinds),
                                    inbound: ancestors,
                                },
                                steps: steps_of(tail),
                            }
                        }
                    }
                }
                _ => absent,
            },
            // Anything else can only be data merged by `{/name: ...}`.
            _ => PathPlan {
                root: Root::Merged,
                steps: steps_of(segments),
            },
        })
    }
}

/// The timestamp behind a synthetic age-like property (`age` is computed from `ctime`).
fn age_source(path: &Path) -> Option<&'static str> {
    match (path.absolute, path.segments.as_slice()) {
        (false, [segment]) if segment.markers.is_empty() => match segment.name.as_str() {
            "age" => Some("ctime"),
            "last_update" => Some("mtime"),
            "last_access" => Some("atime"),
            _ => None,
        },
        _ => None,
    }
}

fn regex_message(e: &regex::Error) -> String {
    // The regex crate's message spans several lines with its own caret; keep the last line.
    let text = e.to_string();
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .trim_start_matches("error: ")
        .to_owned()
}

fn op_orders_or_equals(op: CmpOp) -> bool {
    matches!(
        op,
        CmpOp::Eq | CmpOp::Ne | CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge
    )
}

fn parse_cidr(text: &str) -> Option<(u32, u32)> {
    let (address, prefix) = text.split_once('/')?;
    let prefix: u32 = prefix.parse().ok().filter(|p| *p <= 32)?;
    let address: std::net::Ipv4Addr = address.parse().ok()?;
    Some((u32::from(address), prefix))
}

/// Converts a query literal to a model value.
pub fn literal_to_value(literal: &Literal) -> Value {
    match literal {
        Literal::Null => Value::Null,
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Int(i) => Value::Number(Number::Int(*i)),
        Literal::Float(f) => Value::Number(Number::Float(*f)),
        Literal::String(s) => Value::String(s.as_str().into()),
        Literal::Array(items) => Value::Array(items.iter().map(literal_to_value).collect()),
        Literal::Object(pairs) => Value::Object(Object::from_pairs(
            pairs.iter().map(|(k, v)| (k.as_str(), literal_to_value(v))),
        )),
    }
}

/// Removes `all` from conjunctions, collapses single-item lists and nested lists of the same
/// operator (`x and all` is `x`; `x or all` is `all`).
fn simplify(filter: Filter) -> Filter {
    match filter {
        Filter::And(items) => {
            let mut out = Vec::new();
            for item in items.into_iter().map(simplify) {
                match item {
                    Filter::All => {}
                    Filter::And(inner) => out.extend(inner),
                    other => out.push(other),
                }
            }
            // Kind tests first: they are cheapest.
            out.sort_by_key(|f| !matches!(f, Filter::Kinds(_)));
            match out.len() {
                0 => Filter::All,
                1 => out.pop().unwrap_or(Filter::All),
                _ => Filter::And(out),
            }
        }
        Filter::Or(items) => {
            let mut out = Vec::new();
            for item in items.into_iter().map(simplify) {
                match item {
                    Filter::All => return Filter::All,
                    Filter::Or(inner) => out.extend(inner),
                    other => out.push(other),
                }
            }
            match out.len() {
                1 => out.pop().unwrap_or(Filter::All),
                _ => Filter::Or(out),
            }
        }
        Filter::Not(inner) => Filter::Not(Box::new(simplify(*inner))),
        other => other,
    }
}

/// The kinds a filter is limited to, when the kind index can supply the candidates.
pub(crate) fn index_kinds(filter: &Filter) -> Option<KindSet> {
    match filter {
        Filter::Kinds(k) => Some(*k),
        Filter::And(items) => items.iter().filter_map(index_kinds).reduce(KindSet::and),
        Filter::Or(items) => {
            let sets: Vec<KindSet> = items.iter().map(index_kinds).collect::<Option<_>>()?;
            Some(KindSet(sets.iter().fold(0, |m, s| m | s.0)))
        }
        _ => None,
    }
}
