//! Traced evaluation: why a node is, or is not, in the result of a query whose first part is a
//! term with nested `with(...)` clauses.
//!
//! [`lower_traced`] lowers a query once into a [`TracePlan`]: the [`Plan`] the evaluator runs
//! (the same plan a verdict uses) and, beside it, the *levels* of the first part: the part's own
//! term, then one level per nested `with` clause. Each level's term is split into its kinds (the
//! `is(...)` conjuncts) and its *conditions* (every other top-level `and` conjunct, as written,
//! lowered on its own). [`Searcher::trace`](crate::Searcher::trace) then walks the levels from
//! one node with the evaluator that gives verdicts (the same walks, edge filters, depths,
//! `any`/`empty`/`count` and `covers` judgements) and returns a [`NodeTrace`]: for every node it
//! reached, whether it met each condition of its level, and whether it matched, which is the
//! evaluator's own answer (never recomputed from the conditions).

use std::fmt;
use std::sync::Arc;

use trailgraph_model::{Inventory, NodeId};
use trailgraph_pattern::Assessment;

use crate::ast::{BoolOp, CmpOp, Literal, Query, Span, Spanned, Term, WithFilter};
use crate::plan::{Filter, KindSet, PathPlan, Plan, WithCount, WithPlan};

/// A query lowered for tracing: the evaluator's plan and the levels of its first part.
#[derive(Debug, Clone)]
pub struct TracePlan {
    /// The plan verdicts are computed with.
    pub plan: Plan,
    /// Level 0 is the first part's term; level `n` is the `n`-th nested `with` clause.
    pub levels: Vec<LevelPlan>,
}

/// One level: the kinds its nodes must be, its conditions, and (below level 0) how its `with`
/// clause counts and walks.
#[derive(Debug, Clone)]
pub struct LevelPlan {
    /// The kinds named by the level's `is(...)` conjuncts (`None`: any kind).
    pub kinds: Option<KindSet>,
    /// The kind names as written in `is(...)`, in order.
    pub kind_names: Vec<String>,
    /// Every other top-level `and` conjunct, in order.
    pub conditions: Vec<ConditionPlan>,
    /// `with(any, -->` ... as written (`None` for level 0).
    pub clause: Option<String>,
    /// How the level's `with` clause counts (`None` for level 0).
    pub count: Option<WithCount>,
    /// The level's navigation and kinds as a key: levels of different queries that reach the
    /// same candidates from a node share them.
    pub(crate) candidates_key: u64,
}

/// One condition of a level.
#[derive(Debug, Clone)]
pub struct ConditionPlan {
    /// The condition as written, in canonical form (`trail_status.is_logging == true`).
    pub text: String,
    /// Where it is in the query text.
    pub span: Span,
    /// The condition lowered on its own.
    pub filter: Filter,
    /// For a condition that is an `or` of several terms: each term, so a trace can say which
    /// of them hold.
    pub alternatives: Vec<ConditionPlan>,
    /// The `covers` predicates in the condition, so a trace can carry their assessments.
    pub covers: Vec<CoversPlan>,
}

/// A `path covers "pattern"` predicate of a condition.
#[derive(Debug, Clone)]
pub struct CoversPlan {
    /// The property as written (`filter_pattern`).
    pub property: String,
    /// The property lowered.
    pub path: PathPlan,
    /// The required filter pattern.
    pub required: String,
    /// Its key in the searcher's per-node cache.
    pub(crate) key: crate::covers::RequiredKey,
}

/// How much a trace explores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceOptions {
    /// At a level whose `with` clause is satisfied by `any` match, keep only the first
    /// matching candidate (the witness) instead of every candidate.
    pub witness_only: bool,
    /// Also trace the levels below a candidate that does not meet its own conditions (so a
    /// reader sees how far the chain would reach once that node is fixed). With
    /// [`Searcher::trace_where`](crate::Searcher::trace_where), only below the candidates the
    /// caller picks.
    pub below_unmet: bool,
    /// At most this many candidates are traced per level (the others are counted).
    pub max_candidates: usize,
    /// At most this many nodes are traced in all (the others are counted).
    pub max_nodes: usize,
}

impl Default for TraceOptions {
    fn default() -> Self {
        TraceOptions {
            witness_only: true,
            below_unmet: false,
            max_candidates: 64,
            max_nodes: 10_000,
        }
    }
}

/// What a trace found at one node.
#[derive(Debug, Clone)]
pub struct NodeTrace {
    /// The node.
    pub node: NodeId,
    /// The level it was reached at (0: the start node).
    pub level: usize,
    /// Whether the node is of the level's kinds and meets its term (all conditions), as the
    /// evaluator decides.
    pub meets: bool,
    /// Whether the node matches: it meets its term and every `with` clause below it holds
    /// (the evaluator's answer).
    pub matched: bool,
    /// Whether the trace went below the node (or would have, at the last level): it meets its
    /// term, or it does not and the caller's `descend` picked it.
    pub explored: bool,
    /// One outcome per condition of the level, in order.
    pub conditions: Vec<ConditionOutcome>,
    /// The next level's `with` clause from this node, when traced.
    pub next: Option<LevelTrace>,
}

/// One condition tested on one node.
#[derive(Debug, Clone)]
pub struct ConditionOutcome {
    /// Whether it holds.
    pub holds: bool,
    /// For an `or` condition: whether each alternative holds.
    pub alternatives: Vec<bool>,
    /// The `covers` predicates of the condition, judged on this node.
    pub covers: Vec<CoversOutcome>,
}

/// A `covers` predicate judged on one node.
#[derive(Debug, Clone)]
pub struct CoversOutcome {
    /// The node's pattern, when it has one and the predicate fails (a covering pattern is
    /// explained by its assessment).
    pub actual: Option<String>,
    /// The assessment `covers` relied on (`None` without an actual pattern).
    pub assessment: Option<Arc<Assessment>>,
    /// Whether the predicate holds.
    pub holds: bool,
}

/// A `with` clause evaluated from one node.
#[derive(Debug, Clone)]
pub struct LevelTrace {
    /// The level (1 for the outermost `with`).
    pub level: usize,
    /// Whether the clause holds (the evaluator's answer).
    pub holds: bool,
    /// Reached nodes of the level's kinds.
    pub reached: usize,
    /// How many of them match (counting stops where the evaluator stops: see
    /// [`WithCount::stop_after`]; exact when every candidate was traced).
    pub matching: usize,
    /// The candidates traced, sorted by name then id.
    pub candidates: Vec<NodeTrace>,
    /// Candidates not traced (limits of [`TraceOptions`], or a witness was enough).
    pub omitted: usize,
}

/// A level as written: what [`lower_traced`] splits it into, without lowering (placeholders
/// and all), so that texts of a query template line up with the levels of its bound copies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelSyntax {
    /// The kinds named by `is(...)`, in order.
    pub kind_names: Vec<String>,
    /// Each condition's canonical text.
    pub conditions: Vec<ConditionSyntax>,
}

/// A condition as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionSyntax {
    /// Its canonical text.
    pub text: String,
    /// For an `or` of several terms, each term's canonical text.
    pub alternatives: Vec<String>,
}

/// The levels of a query's first part as written (see [`LevelSyntax`]).
pub fn level_syntax(query: &Query) -> Vec<LevelSyntax> {
    level_terms(query)
        .into_iter()
        .map(|(kinds, conditions)| LevelSyntax {
            kind_names: kinds
                .iter()
                .flat_map(|k| match &k.node {
                    Term::Is(names) => names.iter().map(|n| n.node.clone()).collect(),
                    _ => Vec::new(),
                })
                .collect(),
            conditions: conditions
                .iter()
                .map(|c| {
                    let parts = split(c, BoolOp::Or);
                    ConditionSyntax {
                        text: c.node.to_string(),
                        alternatives: if parts.len() > 1 {
                            parts.iter().map(|p| p.node.to_string()).collect()
                        } else {
                            Vec::new()
                        },
                    }
                })
                .collect(),
        })
        .collect()
}

/// Per level of the first part: its `is(...)` conjuncts and its other conjuncts.
type LevelTerms<'q> = Vec<(Vec<&'q Spanned<Term>>, Vec<&'q Spanned<Term>>)>;

fn split_level(term: Option<&Spanned<Term>>) -> (Vec<&Spanned<Term>>, Vec<&Spanned<Term>>) {
    let mut kinds = Vec::new();
    let mut conditions = Vec::new();
    if let Some(term) = term {
        for c in split(term, BoolOp::And) {
            if matches!(c.node, Term::Is(_)) {
                kinds.push(c);
            } else {
                conditions.push(c);
            }
        }
    }
    (kinds, conditions)
}

fn level_terms(query: &Query) -> LevelTerms<'_> {
    let mut out = Vec::new();
    if let Some(part) = query.parts.first() {
        out.push(split_level(part.term.as_ref()));
        let mut with = part.with.as_ref();
        while let Some(w) = with {
            out.push(split_level(w.node.term.as_ref()));
            with = w.node.nested.as_deref();
        }
    }
    out
}

/// Lowers `query` for tracing (see the module documentation).
pub fn lower_traced(
    query: &Query,
    context: &crate::Context,
) -> Result<TracePlan, crate::LowerError> {
    let plan = crate::lower(query, context)?;
    let mut clauses: Vec<(Option<String>, Option<WithCount>)> = vec![(None, None)];
    if let Some(part) = query.parts.first() {
        let mut with = part.with.as_ref();
        while let Some(w) = with {
            let count = match w.node.filter {
                WithFilter::Empty => WithCount::Empty,
                WithFilter::Any => WithCount::Any,
                WithFilter::Count(op, n) => WithCount::Count(op, n),
            };
            clauses.push((Some(clause_text(&w.node)), Some(count)));
            with = w.node.nested.as_deref();
        }
    }
    let mut levels = Vec::new();
    for ((kinds, conditions), (clause, count)) in level_terms(query).into_iter().zip(clauses) {
        let mut kind_set: Option<KindSet> = None;
        let mut kind_names = Vec::new();
        for k in kinds {
            if let Filter::Kinds(set) = crate::lower::lower_filter(k, context)? {
                kind_set = Some(kind_set.map_or(set, |known| known.and(set)));
            }
            if let Term::Is(names) = &k.node {
                kind_names.extend(names.iter().map(|n| n.node.clone()));
            }
        }
        let conditions = conditions
            .into_iter()
            .map(|c| condition_plan(c, context, true))
            .collect::<Result<Vec<_>, _>>()?;
        let candidates_key = {
            use std::hash::BuildHasher;
            let text = format!(
                "{}|{:x}",
                clause.as_deref().unwrap_or(""),
                kind_set.map_or(u64::MAX, |k| k.0)
            );
            crate::eval::FastHash::default().hash_one(text)
        };
        levels.push(LevelPlan {
            kinds: kind_set,
            kind_names,
            conditions,
            clause,
            count,
            candidates_key,
        });
    }
    Ok(TracePlan { plan, levels })
}

/// `with(any, -[2]->` for a clause.
fn clause_text(w: &crate::ast::WithClause) -> String {
    let count = match w.filter {
        WithFilter::Empty => "empty".to_owned(),
        WithFilter::Any => "any".to_owned(),
        WithFilter::Count(op, n) => format!("count {} {n}", op.as_str()),
    };
    format!("with({count}, {}", w.navigation.node)
}

fn condition_plan(
    term: &Spanned<Term>,
    context: &crate::Context,
    split_or: bool,
) -> Result<ConditionPlan, crate::LowerError> {
    let mut alternatives = Vec::new();
    if split_or {
        let parts = split(term, BoolOp::Or);
        if parts.len() > 1 {
            for p in parts {
                alternatives.push(condition_plan(p, context, false)?);
            }
        }
    }
    let mut covers = Vec::new();
    collect_covers(term, &mut covers)?;
    Ok(ConditionPlan {
        text: term.node.to_string(),
        span: term.span.clone(),
        filter: crate::lower::lower_filter(term, context)?,
        alternatives,
        covers,
    })
}

/// The terms of a chain of one operator, left to right (`a and b and c`); a term of another
/// shape is a chain of one.
fn split(term: &Spanned<Term>, op: BoolOp) -> Vec<&Spanned<Term>> {
    let mut rights = Vec::new();
    let mut current = term;
    while let Term::Combined {
        left,
        op: found,
        right,
    } = &current.node
    {
        if *found != op {
            break;
        }
        rights.push(right.as_ref());
        current = left;
    }
    let mut out = vec![current];
    out.extend(rights.into_iter().rev());
    out
}

fn collect_covers(
    term: &Spanned<Term>,
    out: &mut Vec<CoversPlan>,
) -> Result<(), crate::LowerError> {
    // Iterative: an `and` chain may be hundreds of terms long.
    let mut stack = vec![term];
    while let Some(t) = stack.pop() {
        match &t.node {
            Term::Predicate(p) => {
                if p.op.node == CmpOp::Covers
                    && let Literal::String(required) = &p.value.node
                {
                    out.push(CoversPlan {
                        property: p.path.node.to_string(),
                        path: crate::lower::lower_node_path(&p.path)?,
                        required: required.clone(),
                        key: crate::covers::required_key(required),
                    });
                }
            }
            Term::Not(inner) => stack.push(inner),
            Term::Combined { left, right, .. } => {
                stack.push(right);
                stack.push(left);
            }
            _ => {}
        }
    }
    Ok(())
}

/// One trace under way: the evaluator, the plan, the limits and what may still be visited.
pub(crate) struct Run<'t> {
    pub(crate) tracer: &'t dyn Tracer,
    pub(crate) plan: &'t TracePlan,
    pub(crate) options: &'t TraceOptions,
    /// Which unmet candidates to trace below (all when `None`).
    pub(crate) descend: Option<&'t dyn Fn(&NodeTrace) -> bool>,
    /// Nodes that may still be traced.
    pub(crate) budget: usize,
}

/// The evaluator side of a trace, implemented in [`crate::eval`].
pub(crate) trait Tracer {
    /// Whether `node` passes `filter`.
    fn passes(&self, node: NodeId, filter: &Filter) -> bool;
    /// Whether the `with` clause holds from `node`.
    fn with_holds(&self, with: &WithPlan, node: NodeId) -> bool;
    /// The nodes of the level's kinds that the clause's walk reaches from `node`, sorted by
    /// name then id.
    fn candidates(&self, with: &WithPlan, level: &LevelPlan, node: NodeId) -> Arc<[NodeId]>;
    /// The string at `path` on `node`.
    fn string_at(&self, path: &PathPlan, node: NodeId) -> Option<String>;
    /// Whether the pattern of `node` covers the required one (as the `covers` operator
    /// decides: false without a pattern), and the assessment that decision rests on.
    fn judge_at(&self, covers: &CoversPlan, node: NodeId) -> (bool, Option<Arc<Assessment>>);
    /// The inventory.
    fn inventory(&self) -> &Inventory;
}

impl Run<'_> {
    /// Traces `node` at `level`, with `with` the clause of the next level.
    pub(crate) fn node(
        &mut self,
        filter: &Filter,
        with: Option<&WithPlan>,
        level: usize,
        node: NodeId,
    ) -> NodeTrace {
        self.budget = self.budget.saturating_sub(1);
        let plan_level = self.plan.levels.get(level);
        let conditions: Vec<ConditionOutcome> = plan_level
            .map(|l| {
                l.conditions
                    .iter()
                    .map(|c| outcome(self.tracer, c, node))
                    .collect()
            })
            .unwrap_or_default();
        // The level's term is the `and` of its kinds and its conditions, so a node meets it
        // when it is of the kinds and meets every condition (debug builds check this against
        // the evaluator on every node traced).
        let kinds_ok = plan_level.and_then(|l| l.kinds).is_none_or(|k| {
            self.tracer
                .inventory()
                .node(node)
                .is_some_and(|n| k.contains(n.kind))
        });
        let meets = kinds_ok && conditions.iter().all(|c| c.holds);
        debug_assert_eq!(meets, self.tracer.passes(node, filter), "trace of {node:?}");
        let mut trace = NodeTrace {
            node,
            level,
            meets,
            matched: false,
            explored: false,
            conditions,
            next: None,
        };
        let descend =
            meets || (self.options.below_unmet && self.descend.is_none_or(|pick| pick(&trace)));
        trace.explored = descend;
        trace.next = with
            .filter(|_| descend)
            .map(|w| self.level(w, level + 1, node));
        trace.matched = meets
            && match (&trace.next, with) {
                (Some(n), _) => n.holds,
                (None, Some(w)) => self.tracer.with_holds(w, node),
                (None, None) => true,
            };
        trace
    }

    fn level(&mut self, with: &WithPlan, level: usize, from: NodeId) -> LevelTrace {
        let reached: Arc<[NodeId]> = match self.plan.levels.get(level) {
            Some(l) => self.tracer.candidates(with, l, from),
            None => Arc::from(Vec::new()),
        };
        let total = reached.len();
        // With `any`, one match decides: a witness is enough.
        let witness = self.options.witness_only && with.count == WithCount::Any;
        let mut candidates = Vec::new();
        let mut matching = 0usize;
        let mut found_witness = false;
        let mut visited = 0usize;
        for &n in reached.iter() {
            if candidates.len() >= self.options.max_candidates || self.budget == 0 {
                break;
            }
            visited += 1;
            // Looking for a witness, a candidate that fails its own term is dropped without
            // describing it: the evaluator's answer is enough.
            if witness && !self.options.below_unmet && !self.tracer.passes(n, &with.filter) {
                self.budget = self.budget.saturating_sub(1);
                continue;
            }
            let t = self.node(&with.filter, with.nested.as_deref(), level, n);
            if t.matched {
                matching += 1;
            }
            if !witness || t.matched {
                let done = witness;
                candidates.push(t);
                if done {
                    found_witness = true;
                    break;
                }
            }
        }
        // Every candidate traced (or a witness found for `any`): the clause holds as the
        // evaluator counts; otherwise ask the evaluator.
        let holds = if found_witness {
            true
        } else if visited == total {
            with.count.accepts(matching)
        } else {
            self.tracer.with_holds(with, from)
        };
        debug_assert_eq!(
            holds,
            self.tracer.with_holds(with, from),
            "level {level} from {from:?}"
        );
        LevelTrace {
            level,
            holds,
            reached: total,
            matching,
            omitted: total - candidates.len(),
            candidates,
        }
    }
}

fn outcome(tracer: &dyn Tracer, condition: &ConditionPlan, node: NodeId) -> ConditionOutcome {
    let covers: Vec<CoversOutcome> = condition
        .covers
        .iter()
        .map(|c| {
            let (holds, assessment) = tracer.judge_at(c, node);
            // The text of a filter that covers is not needed to explain it.
            let actual = if holds {
                None
            } else {
                tracer.string_at(&c.path, node)
            };
            CoversOutcome {
                actual,
                assessment,
                holds,
            }
        })
        .collect();
    // A condition that is one `covers` predicate holds as that predicate does (judged once).
    let holds = match (&condition.filter, covers.as_slice()) {
        (Filter::Compare(c), [one]) if c.op == CmpOp::Covers && c.modifier.is_none() => one.holds,
        _ => tracer.passes(node, &condition.filter),
    };
    let alternatives = condition
        .alternatives
        .iter()
        .map(|a| tracer.passes(node, &a.filter))
        .collect();
    ConditionOutcome {
        holds,
        alternatives,
        covers,
    }
}

impl NodeTrace {
    /// Writes the trace as an indented tree (for the shell's `explain --node`).
    pub fn write_tree(
        &self,
        plan: &TracePlan,
        inventory: &Inventory,
        out: &mut impl fmt::Write,
    ) -> fmt::Result {
        self.write_at(plan, inventory, 0, out)
    }

    fn write_at(
        &self,
        plan: &TracePlan,
        inventory: &Inventory,
        indent: usize,
        out: &mut impl fmt::Write,
    ) -> fmt::Result {
        let pad = "  ".repeat(indent);
        let (kind, name, id) = inventory.node(self.node).map_or(("?", "?", ""), |n| {
            (n.kind.as_str(), n.name(), n.id.as_ref())
        });
        let verdict = match (self.matched, self.meets) {
            (true, _) => "matches",
            (false, true) => "meets its term; a `with` below fails",
            (false, false) => "does not meet its term",
        };
        writeln!(out, "{pad}{kind} {name} ({id}): {verdict}")?;
        if let Some(level) = plan.levels.get(self.level) {
            for (c, o) in level.conditions.iter().zip(&self.conditions) {
                let mark = if o.holds { "✓" } else { "✗" };
                write!(out, "{pad}  {mark} {}", c.text)?;
                for (a, holds) in c.alternatives.iter().zip(&o.alternatives) {
                    write!(
                        out,
                        " [{}: {}]",
                        a.text,
                        if *holds { "holds" } else { "fails" }
                    )?;
                }
                for cov in &o.covers {
                    if let Some(a) = &cov.assessment {
                        write!(out, " [{}]", a.comparison.verdict().as_str())?;
                        if let Some(reason) = a.not_counted_reason() {
                            write!(out, " ({reason})")?;
                        }
                    } else if cov.actual.is_none() {
                        out.write_str(" [no pattern]")?;
                    }
                }
                out.write_char('\n')?;
            }
        }
        if let Some(next) = &self.next {
            let clause = plan
                .levels
                .get(next.level)
                .and_then(|l| l.clause.as_deref())
                .unwrap_or("with(");
            let holds = if next.holds { "holds" } else { "fails" };
            writeln!(
                out,
                "{pad}  {clause} ...): {holds}, {} reached, {} traced",
                next.reached,
                next.candidates.len()
            )?;
            for c in &next.candidates {
                c.write_at(plan, inventory, indent + 2, out)?;
            }
            if next.omitted > 0 {
                writeln!(out, "{pad}    ... {} more not traced", next.omitted)?;
            }
        }
        Ok(())
    }
}
