//! Filters on one subject (a node with its merged data, or one element): kinds, ids,
//! boolean combinations, comparisons, context terms, `has_key`, `in_subnet`, full text.

use trailgraph_model::{Inventory, Object, Value};

use super::compare::{in_comparison, loosely_equal, ordering_matches};
use super::compare_values;
use super::evaluator::{Evaluator, Subject};
use super::searcher::Shared;
use super::value::as_text;
use crate::ast::{ArrayModifier, CmpOp};
use crate::duration::parse_time;
use crate::plan::{Comparison, Filter, PathPlan, Root, Step};

/// Whether an edge filter admits an edge without properties (every trailgraph edge): decided
/// when lowering, as
/// [`NavigationPlan::edges_pass_filter`](crate::plan::NavigationPlan::edges_pass_filter).
pub(crate) fn filter_accepts_empty_edge(filter: &Filter) -> bool {
    let inventory = Inventory::default();
    let shared = Shared::default();
    let evaluator = Evaluator::new(&inventory, &shared);
    let empty = Value::Object(Object::new());
    evaluator.eval_filter(
        filter,
        Subject {
            node: None,
            element: Some(&empty),
            overlay: None,
        },
    )
}

impl<'a> Evaluator<'a> {
    pub(super) fn eval_filter<'s>(&self, filter: &Filter, subject: Subject<'s>) -> bool
    where
        'a: 's,
    {
        match filter {
            Filter::All => true,
            Filter::Kinds(kinds) => subject.node.is_some_and(|(_, n)| kinds.contains(n.kind)),
            Filter::Ids(ids) => subject.node.is_some_and(|(_, n)| ids.contains(&*n.id)),
            Filter::Not(inner) => !self.eval_filter(inner, subject),
            Filter::And(items) => items.iter().all(|f| self.eval_filter(f, subject)),
            Filter::Or(items) => items.iter().any(|f| self.eval_filter(f, subject)),
            Filter::Compare(comparison) => self.eval_compare(comparison, subject),
            Filter::Context(path, inner) => self.eval_context(path, inner, subject),
            Filter::HasKey(path, keys) => {
                let mut values = Vec::new();
                self.resolve(path, subject, &mut values);
                values.iter().any(|v| {
                    v.as_object()
                        .is_some_and(|o| keys.iter().all(|k| o.get(k).is_some()))
                })
            }
            Filter::InSubnet(path, net, prefix) => {
                let mask = if *prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - prefix)
                };
                let mut values = Vec::new();
                self.resolve(path, subject, &mut values);
                values.iter().any(|v| {
                    v.as_str()
                        .and_then(|s| s.parse::<std::net::Ipv4Addr>().ok())
                        .is_some_and(|ip| u32::from(ip) & mask == net & mask)
                })
            }
            Filter::HasDesiredChange(_) => false,
            Filter::FullText(regex) => self.eval_fulltext(regex, subject),
        }
    }

    fn eval_context<'s>(&self, path: &PathPlan, inner: &Filter, subject: Subject<'s>) -> bool
    where
        'a: 's,
    {
        let mut values = Vec::new();
        self.resolve(path, subject, &mut values);
        values.iter().any(|value| {
            self.eval_filter(
                inner,
                Subject {
                    node: subject.node,
                    element: Some(value.as_ref()),
                    overlay: subject.overlay,
                },
            )
        })
    }

    fn eval_fulltext<'s>(&self, regex: &regex::Regex, subject: Subject<'s>) -> bool
    where
        'a: 's,
    {
        fn any_text(value: &Value, regex: &regex::Regex) -> bool {
            match value {
                Value::String(s) => regex.is_match(s),
                Value::Number(n) => regex.is_match(&n.to_string()),
                Value::Bool(b) => regex.is_match(if *b { "true" } else { "false" }),
                Value::Array(items) => items.iter().any(|v| any_text(v, regex)),
                Value::Object(o) => o.iter().any(|(_, v)| any_text(v, regex)),
                Value::Null => false,
            }
        }
        match (subject.element, subject.node) {
            (Some(element), _) => any_text(element, regex),
            (None, Some((_, node))) => {
                regex.is_match(&node.id) || node.reported.iter().any(|(_, v)| any_text(v, regex))
            }
            (None, None) => false,
        }
    }

    fn eval_compare<'s>(&self, c: &Comparison, subject: Subject<'s>) -> bool
    where
        'a: 's,
    {
        // `covers` on a node's own property: judged once per (pattern, node).
        if c.op == CmpOp::Covers
            && c.modifier.is_none()
            && subject.element.is_none()
            && subject.overlay.is_none()
            && let (Some(_), Some(key), Some(required)) =
                (subject.node, c.required_key, c.required_pattern.as_deref())
            && let Some(found) = self.resolve_single(&c.path, subject)
        {
            return match found {
                Some(Value::String(actual)) => self.shared.covers.holds(required, key, actual),
                _ => false,
            };
        }
        // One property of a node whose properties are still encoded (read from a binary
        // snapshot and not used yet): read from the record alone, as `resolve_single` would
        // find it, so that a search comparing it over many nodes decodes none of them.
        if c.modifier.is_none()
            && subject.element.is_none()
            && subject.overlay.is_none()
            && matches!(c.path.root, Root::Element | Root::Reported)
            && let Some((_, node)) = subject.node
            && !node.reported.is_decoded()
            && let Some((Step::Key(key), rest)) = c.path.steps.split_first()
        {
            return node.reported.with_property(key, |found| {
                let found = found.and_then(|v| super::value::walk_single(v, rest));
                self.compare_one(c, found.unwrap_or(&Value::Null))
            });
        }
        if c.modifier.is_none()
            && let Some(found) = self.resolve_single(&c.path, subject)
        {
            return self.compare_one(c, found.unwrap_or(&Value::Null));
        }
        let mut values = Vec::new();
        self.resolve(&c.path, subject, &mut values);
        match c.modifier {
            None => {
                let value = values.first().map_or(&Value::Null, |v| v.as_ref());
                self.compare_one(c, value)
            }
            Some(modifier) => {
                let mut elements: Vec<&Value> = Vec::new();
                for v in &values {
                    match (c.unfold_last, v.as_ref()) {
                        (true, Value::Array(items)) => elements.extend(items.iter()),
                        (_, other) => elements.push(other),
                    }
                }
                match modifier {
                    ArrayModifier::Any => elements.iter().any(|v| self.compare_one(c, v)),
                    ArrayModifier::All => elements.iter().all(|v| self.compare_one(c, v)),
                    ArrayModifier::None => !elements.iter().any(|v| self.compare_one(c, v)),
                }
            }
        }
    }

    fn compare_one(&self, c: &Comparison, value: &Value) -> bool {
        if let (Some(time), Value::String(s)) = (c.time, value)
            && let Some(actual) = parse_time(s)
        {
            return ordering_matches(c.op, actual.cmp(&time));
        }
        match c.op {
            CmpOp::Eq => loosely_equal(value, &c.value),
            CmpOp::Ne => !loosely_equal(value, &c.value),
            CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
                !value.is_null() && ordering_matches(c.op, compare_values(value, &c.value))
            }
            CmpOp::Match => {
                !value.is_null()
                    && c.regex
                        .as_ref()
                        .is_some_and(|r| r.is_match(&as_text(value)))
            }
            CmpOp::NotMatch => c
                .regex
                .as_ref()
                .is_some_and(|r| !r.is_match(&as_text(value))),
            CmpOp::In => in_comparison(value, c),
            CmpOp::NotIn => !value.is_null() && !in_comparison(value, c),
            CmpOp::Covers => match (value, &c.required_pattern) {
                (Value::String(actual), Some(required)) => {
                    self.shared.covers.covers(required, actual)
                }
                _ => false,
            },
        }
    }
}
