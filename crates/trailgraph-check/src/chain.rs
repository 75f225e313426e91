//! Explanations from traces. The engine traces a result's node through the check query (the
//! same evaluation that gave the verdict); this module turns the trace into the chain a person
//! or a tool reads: a list of steps, each a node (or a missing one) with its status, the
//! condition it fails as written and why, in words from the vocabulary.
//!
//! For a failure, the chain shown is the one closest to passing: the path through the trace
//! with the fewest broken or missing steps (then the deepest, then the first by name), looking
//! through nodes that fail their own conditions to what lies behind them. A node that fails a
//! `covers` condition is on a path only when its filter pattern is a narrower form of the
//! required one: it matches one of the required pattern's example events, and the required
//! pattern matches every event it matches, so repairing it in place loses nothing. The other
//! filters of a log group belong to other controls and are left alone.

use std::cmp::Reverse;
use std::sync::Arc;

use trailgraph_model::NodeId;
use trailgraph_pattern::{Assessment, Comparison};
use trailgraph_query::trace::{
    ConditionOutcome, ConditionSyntax, LevelSyntax, LevelTrace, NodeTrace,
};
use trailgraph_query::{TracePlan, plan::WithCount};

use crate::engine::Engine;
use crate::template;
use crate::vocabulary::{Vocabulary, fill_fields};

/// A node as the reports name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRef {
    /// Node id (an ARN for AWS resources).
    pub id: String,
    /// Kind.
    pub kind: String,
    /// Name.
    pub name: String,
    /// The account the node belongs to (its id), when it has one.
    pub account: Option<String>,
    /// The region, when regional.
    pub region: Option<String>,
}

/// Where a step of a chain stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    /// The node meets its level's conditions.
    Ok,
    /// The node fails a condition of its level (or, in a query that describes a defect, has
    /// the defect).
    Broken,
    /// No node of the level's kind carries the chain on.
    Missing,
}

impl StepStatus {
    /// `ok`, `broken`, `missing`.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Ok => "ok",
            StepStatus::Broken => "broken",
            StepStatus::Missing => "missing",
        }
    }
}

/// One step of a chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainStep {
    /// The node (`None` for a missing step).
    pub node: Option<Arc<NodeRef>>,
    /// The kind of the level.
    pub kind: Arc<str>,
    /// Where it stands.
    pub status: StepStatus,
    /// For a broken step, the conditions it fails (or, for a defect, meets) as written, filled;
    /// for a missing step, the level's term.
    pub condition: Option<String>,
    /// Why, in words (for an ok step: how a `covers` condition was met).
    pub detail: Option<String>,
    /// How the step reads in a sentence: `trail org-trail (us-east-1, 111111111111)`.
    pub text: Arc<str>,
    /// The level (0: the result's own node).
    pub(crate) level: usize,
    /// The node.
    pub(crate) node_id: Option<NodeId>,
    /// The canonical texts (placeholders unfilled) of the conditions a broken step fails.
    pub(crate) keys: Vec<String>,
}

/// A chain: steps in order, and whether it is complete (a pass).
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// The steps.
    pub steps: Vec<ChainStep>,
    /// Whether every level holds.
    pub complete: bool,
}

impl Chain {
    /// The chain as one line: `trail t (r, a) → log group g: no filter qualifies (...)`.
    pub fn line(&self) -> String {
        let mut out = String::new();
        for step in &self.steps {
            let detail = step.detail.as_deref().filter(|d| !d.is_empty());
            match step.status {
                StepStatus::Missing => {
                    if !out.is_empty() {
                        out.push_str(": ");
                    }
                    out.push_str(detail.unwrap_or("missing"));
                }
                _ => {
                    if !out.is_empty() {
                        out.push_str(" → ");
                    }
                    out.push_str(&step.text);
                    if let Some(d) = detail {
                        out.push_str(": ");
                        out.push_str(d);
                    }
                }
            }
        }
        if self.complete {
            out.push_str(": complete");
        }
        out
    }
}

/// Costs and choices by trace node (its address, stable while the trace lives).
type Memo = std::collections::HashMap<usize, ((usize, usize), Option<usize>)>;

/// Turns traces of one bound check query into chains.
pub(crate) struct Explainer<'e, 'a> {
    pub engine: &'e Engine<'a>,
    pub vocabulary: &'e Vocabulary,
    /// The bound query's levels (filled texts, lowered conditions).
    pub plan: &'e TracePlan,
    /// The query template's levels (texts as written: the phrase and fix keys).
    pub syntax: Vec<LevelSyntax>,
    /// Fills `{{parameters}}` in phrases.
    pub fill: &'e dyn Fn(&str) -> String,
}

impl Explainer<'_, '_> {
    /// The chain closest to passing in a trace of a `passed` query (traced with
    /// `below_unmet`), or the witness chain of a pass.
    pub(crate) fn best(&self, trace: &NodeTrace) -> Chain {
        let mut memo = Memo::default();
        Chain {
            complete: trace.matched,
            steps: self.path(trace, &mut memo),
        }
    }

    /// The chains of a trace of a query whose conditions describe a defect (`failed`
    /// queries): one per first-level node that has it.
    pub(crate) fn defects(&self, trace: &NodeTrace) -> Vec<Chain> {
        let Some(next) = &trace.next else {
            return Vec::new();
        };
        next.candidates
            .iter()
            .filter(|c| c.matched)
            .map(|c| Chain {
                steps: self.defect_path(c),
                complete: false,
            })
            .collect()
    }

    /// The nodes of the first level that meet its conditions, as ok steps (for a "for every"
    /// check without defects), or the missing step when there is none.
    pub(crate) fn first_level(&self, trace: &NodeTrace) -> Vec<Chain> {
        let Some(next) = &trace.next else {
            return Vec::new();
        };
        let ok: Vec<Chain> = next
            .candidates
            .iter()
            .filter(|c| c.meets)
            .map(|c| Chain {
                steps: vec![self.step(c)],
                complete: false,
            })
            .collect();
        if ok.is_empty() {
            return vec![Chain {
                steps: vec![self.missing(trace, next)],
                complete: false,
            }];
        }
        ok
    }

    /// What it takes to complete the chain from `t` (broken plus missing steps) and the
    /// deepest level with a node, following the best choice at every level. Computed without
    /// describing anything (memoised per node of the trace); [`Self::path`] then describes the
    /// one path chosen.
    fn cost(&self, t: &NodeTrace, memo: &mut Memo) -> (usize, usize) {
        let key = std::ptr::from_ref(t) as usize;
        if let Some(hit) = memo.get(&key) {
            return hit.0;
        }
        let total = self.plan.levels.len();
        let own = usize::from(!t.meets);
        let mut choice = None;
        let found = match &t.next {
            None => {
                let below = total.saturating_sub(t.level + 1);
                let unknown = if t.meets && t.matched { 0 } else { below };
                (own + unknown, t.level)
            }
            Some(next) => match self.plan.levels.get(next.level).and_then(|l| l.count) {
                Some(WithCount::Empty) => {
                    if !next.holds && next.candidates.iter().any(|c| c.matched) {
                        (own + 1, next.level)
                    } else {
                        (own, t.level)
                    }
                }
                Some(WithCount::Count(..)) => (own + usize::from(!next.holds), t.level),
                _ => {
                    let mut best: Option<(usize, (usize, usize))> = None;
                    for (i, c) in next.candidates.iter().enumerate() {
                        if !self.eligible(c) {
                            continue;
                        }
                        let (cost, depth) = self.cost(c, memo);
                        if best
                            .is_none_or(|(_, (bc, bd))| (cost, Reverse(depth)) < (bc, Reverse(bd)))
                        {
                            best = Some((i, (cost, depth)));
                        }
                    }
                    match best {
                        Some((i, (cost, depth))) => {
                            choice = Some(i);
                            (own + cost, depth)
                        }
                        None => (own + total.saturating_sub(next.level), t.level),
                    }
                }
            },
        };
        memo.insert(key, (found, choice));
        found
    }

    /// The steps of the best path from `t` (see [`Self::cost`]).
    fn path(&self, t: &NodeTrace, memo: &mut Memo) -> Vec<ChainStep> {
        let mut steps = Vec::with_capacity(self.plan.levels.len());
        self.path_into(t, memo, &mut steps);
        steps
    }

    fn path_into(&self, t: &NodeTrace, memo: &mut Memo, steps: &mut Vec<ChainStep>) {
        if t.level > 0
            || self
                .plan
                .levels
                .first()
                .is_some_and(|l| !l.conditions.is_empty())
        {
            steps.push(self.step(t));
        }
        self.cost(t, memo);
        let choice = memo
            .get(&(std::ptr::from_ref(t) as usize))
            .and_then(|(_, c)| *c);
        if let Some(next) = &t.next {
            match self.plan.levels.get(next.level).and_then(|l| l.count) {
                Some(WithCount::Empty) => {
                    if !next.holds
                        && let Some(v) = next.candidates.iter().find(|c| c.matched)
                    {
                        steps.extend(self.defect_path(v));
                    }
                }
                Some(WithCount::Count(op, n)) => {
                    if !next.holds {
                        let mut step = self.missing(t, next);
                        step.detail = Some(format!(
                            "{} {} match; the check needs count {} {n}",
                            next.matching,
                            self.level_word(next.level),
                            op.as_str()
                        ));
                        steps.push(step);
                    }
                }
                _ => match choice.and_then(|i| next.candidates.get(i)) {
                    Some(child) => self.path_into(child, memo, steps),
                    None => steps.push(self.missing(t, next)),
                },
            }
        }
    }

    /// Whether a candidate is on a path: it meets its conditions, or every `covers` condition
    /// it fails is about a filter that is a narrower form of the required pattern.
    pub(crate) fn eligible(&self, c: &NodeTrace) -> bool {
        if c.meets || c.explored {
            return true;
        }
        self.fails_only_narrower_covers(c)
    }

    /// Whether every `covers` condition an unmet candidate fails is about a filter that is a
    /// narrower form of the required pattern (what `descend` asks while tracing).
    pub(crate) fn fails_only_narrower_covers(&self, c: &NodeTrace) -> bool {
        let Some(level) = self.plan.levels.get(c.level) else {
            return false;
        };
        level
            .conditions
            .iter()
            .zip(&c.conditions)
            .filter(|(_, o)| !o.holds && !o.covers.is_empty())
            .all(|(plan, o)| {
                plan.covers.iter().zip(&o.covers).any(|(p, cov)| {
                    match (cov.actual.as_deref(), &cov.assessment) {
                        (Some(a), Some(assessment)) => {
                            self.engine.narrower(assessment, &p.required, a)
                        }
                        _ => false,
                    }
                })
            })
    }

    /// Whether a candidate that is not on any path fails a `covers` condition with a filter
    /// meant for these events (one that matches an example event of the required pattern).
    fn related(&self, c: &NodeTrace) -> bool {
        let Some(level) = self.plan.levels.get(c.level) else {
            return false;
        };
        level.conditions.iter().zip(&c.conditions).any(|(plan, o)| {
            !o.holds
                && plan.covers.iter().zip(&o.covers).any(|(p, cov)| {
                    cov.actual
                        .as_deref()
                        .is_some_and(|a| self.engine.related(&p.required, a))
                })
        })
    }

    fn defect_path(&self, t: &NodeTrace) -> Vec<ChainStep> {
        let mut out = vec![self.defect_step(t)];
        if let Some(next) = &t.next
            && let Some(c) = next.candidates.iter().find(|c| c.matched)
        {
            out.extend(self.defect_path(c));
        }
        out
    }

    fn syntax_of(&self, level: usize, index: usize) -> Option<&ConditionSyntax> {
        self.syntax.get(level).and_then(|l| l.conditions.get(index))
    }

    fn level_word(&self, level: usize) -> &str {
        self.plan
            .levels
            .get(level)
            .and_then(|l| l.kind_names.first())
            .map_or("resource", |k| self.vocabulary.word(k))
    }

    fn view(&self, node: NodeId) -> (Option<Arc<NodeRef>>, Arc<str>, Arc<str>) {
        match self.engine.view(node, self.vocabulary) {
            Some(v) => (
                Some(Arc::clone(&v.node_ref)),
                Arc::clone(&v.kind),
                Arc::clone(&v.text),
            ),
            None => (None, Arc::from(""), Arc::from("?")),
        }
    }

    /// An ok or broken step for a node of a `passed` query.
    fn step(&self, t: &NodeTrace) -> ChainStep {
        let level = self.plan.levels.get(t.level);
        let mut conditions = Vec::new();
        let mut phrases = Vec::new();
        let mut keys = Vec::new();
        let mut notes = Vec::new();
        if let Some(level) = level {
            for (i, (plan, o)) in level.conditions.iter().zip(&t.conditions).enumerate() {
                if o.holds {
                    if let Some(note) = self.covers_note(o) {
                        notes.push(note);
                    }
                    continue;
                }
                conditions.push(plan.text.clone());
                let key = self
                    .syntax_of(t.level, i)
                    .map_or_else(|| plan.text.clone(), |s| s.text.clone());
                let phrase = if o.covers.is_empty() {
                    match self.vocabulary.fails.get(&key) {
                        Some(p) => (self.fill)(p),
                        None => format!("does not meet `{}`", plan.text),
                    }
                } else {
                    self.covers_failure(o)
                };
                if !phrase.is_empty() {
                    phrases.push(phrase);
                }
                keys.push(key);
            }
        }
        let broken = !t.meets;
        let (node, kind, text) = self.view(t.node);
        ChainStep {
            node,
            kind,
            status: if broken {
                StepStatus::Broken
            } else {
                StepStatus::Ok
            },
            condition: broken.then(|| conditions.join(" and ")),
            detail: if broken {
                Some(phrases.join("; "))
            } else if notes.is_empty() {
                None
            } else {
                Some(notes.join("; "))
            },
            text,
            level: t.level,
            node_id: Some(t.node),
            keys,
        }
    }

    /// A broken step for a node that has the defect a query describes: the phrases of the
    /// conditions it meets.
    fn defect_step(&self, t: &NodeTrace) -> ChainStep {
        let mut conditions = Vec::new();
        let mut phrases = Vec::new();
        let mut keys = Vec::new();
        if let Some(level) = self.plan.levels.get(t.level) {
            for (i, (plan, o)) in level.conditions.iter().zip(&t.conditions).enumerate() {
                if !o.holds {
                    continue;
                }
                let syntax = self.syntax_of(t.level, i);
                let key = syntax.map_or_else(|| plan.text.clone(), |s| s.text.clone());
                if plan.alternatives.is_empty() {
                    match self.vocabulary.holds.get(&key) {
                        Some(p) if p.is_empty() => {}
                        Some(p) => {
                            phrases.push((self.fill)(p));
                            conditions.push(plan.text.clone());
                            keys.push(key);
                        }
                        None => {
                            phrases.push(format!("meets `{}`", plan.text));
                            conditions.push(plan.text.clone());
                            keys.push(key);
                        }
                    }
                    continue;
                }
                for (j, (alt, holds)) in plan.alternatives.iter().zip(&o.alternatives).enumerate() {
                    if !holds {
                        continue;
                    }
                    let alt_key = syntax
                        .and_then(|s| s.alternatives.get(j))
                        .cloned()
                        .unwrap_or_else(|| alt.text.clone());
                    match self.vocabulary.holds.get(&alt_key) {
                        Some(p) if p.is_empty() => {}
                        Some(p) => phrases.push((self.fill)(p)),
                        None => phrases.push(format!("meets `{}`", alt.text)),
                    }
                    conditions.push(alt.text.clone());
                    keys.push(alt_key);
                }
            }
        }
        let (node, kind, text) = self.view(t.node);
        ChainStep {
            node,
            kind,
            status: StepStatus::Broken,
            condition: Some(conditions.join(" and ")),
            detail: Some(phrases.join("; ")),
            text,
            level: t.level,
            node_id: Some(t.node),
            keys,
        }
    }

    /// The step for a level no eligible node carries on from `parent`.
    fn missing(&self, parent: &NodeTrace, level: &LevelTrace) -> ChainStep {
        let plan_level = self.plan.levels.get(level.level);
        let kind = plan_level
            .and_then(|l| l.kind_names.first().cloned())
            .unwrap_or_else(|| "resource".to_owned());
        let word = self.vocabulary.word(&kind).to_owned();
        let detail = if level.reached == 0 {
            let mut text = format!("no {word}");
            if let Some(hint) = self.hint(parent.node, &kind) {
                text.push_str(&format!(" ({hint})"));
            }
            text
        } else {
            let plural = if level.reached == 1 { "" } else { "s" };
            // Nodes meant for these events that fall short (a partial filter): worth naming.
            let shown: Vec<String> = level
                .candidates
                .iter()
                .filter(|c| self.related(c))
                .take(5)
                .map(|c| {
                    let step = self.step(c);
                    match step.detail.filter(|d| !d.is_empty()) {
                        Some(d) => format!("{}: {d}", step.text),
                        None => step.text.to_string(),
                    }
                })
                .collect();
            let omitted = if level.omitted > 0 {
                format!("; {} not looked at", level.omitted)
            } else {
                String::new()
            };
            if shown.is_empty() {
                format!(
                    "no {word} qualifies ({} {word}{plural}, none for these events{omitted})",
                    level.reached
                )
            } else {
                format!(
                    "no {word} qualifies ({} {word}{plural}{omitted}): {}",
                    level.reached,
                    shown.join(", ")
                )
            }
        };
        let condition = plan_level.map(|l| {
            let mut parts: Vec<String> = Vec::new();
            if !l.kind_names.is_empty() {
                let names: Vec<String> = l.kind_names.iter().map(|k| format!("\"{k}\"")).collect();
                parts.push(format!("is({})", names.join(", ")));
            }
            parts.extend(l.conditions.iter().map(|c| c.text.clone()));
            parts.join(" and ")
        });
        ChainStep {
            node: None,
            kind: Arc::from(kind),
            status: StepStatus::Missing,
            condition,
            detail: Some(detail),
            text: Arc::from(word),
            level: level.level,
            node_id: None,
            keys: Vec::new(),
        }
    }

    /// What the vocabulary says of a missing link from `parent` to nodes of `to`.
    fn hint(&self, parent: NodeId, to: &str) -> Option<String> {
        let inventory = self.engine.inventory;
        let from = inventory.node(parent)?.kind.as_str();
        let link = self.vocabulary.link(from, to)?;
        for hint in &link.hints {
            let holds = match &hint.when {
                Some(q) => self
                    .engine
                    .prepare(q)
                    .is_ok_and(|p| self.engine.matches(&p, parent)),
                None => true,
            };
            if !holds {
                continue;
            }
            let mut text = fill_fields(&hint.say, inventory, parent);
            if let Some((query, say)) = &hint.near {
                let values = self.vocabulary.values_of(inventory, parent);
                let lookup = |name: &str| {
                    values
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.clone())
                };
                let found: Vec<String> = template::bind(query, &lookup)
                    .ok()
                    .and_then(|bound| self.engine.prepare(&bound).ok())
                    .map(|p| self.engine.select_from(&p, &[parent]))
                    .unwrap_or_default()
                    .into_iter()
                    .take(5)
                    .map(|n| fill_fields(say, inventory, n))
                    .collect();
                if !found.is_empty() {
                    text.push_str("; ");
                    text.push_str(&found.join(", "));
                }
            }
            return Some(text);
        }
        None
    }

    /// How a `covers` condition that holds was met: `equivalent` or `covers`.
    fn covers_note(&self, o: &ConditionOutcome) -> Option<String> {
        let verdicts: Vec<&str> = o
            .covers
            .iter()
            .filter(|c| c.holds)
            .filter_map(|c| c.assessment.as_ref())
            .map(|a| a.comparison.verdict().as_str())
            .collect();
        if o.covers.is_empty() {
            return None;
        }
        let best = ["equivalent", "covers"]
            .into_iter()
            .find(|v| verdicts.contains(v))
            .unwrap_or("the same text");
        Some(if self.engine.strict {
            format!("{best}, identical text")
        } else {
            best.to_owned()
        })
    }

    /// Why a `covers` condition fails, from the assessments.
    fn covers_failure(&self, o: &ConditionOutcome) -> String {
        let assessments: Vec<&Assessment> = o
            .covers
            .iter()
            .filter_map(|c| c.assessment.as_deref())
            .collect();
        if o.covers.iter().all(|c| c.actual.is_none()) {
            return "no filter pattern".to_owned();
        }
        if self.engine.strict && assessments.iter().any(|a| a.counts()) {
            return "covers the pattern but is not the same text (strict mode)".to_owned();
        }
        // A filter that covers but does not count is catch-all: say so before anything else.
        if let Some(reason) = assessments.iter().find_map(|a| a.not_counted_reason()) {
            return format!("does not count: {reason}");
        }
        let Some(first) = assessments.first() else {
            return "cannot be compared".to_owned();
        };
        describe_shortfall(first)
    }
}

/// A partial or invalid comparison in words.
fn describe_shortfall(first: &Assessment) -> String {
    match &first.comparison {
        Comparison::Invalid { error, .. } => format!("invalid pattern ({error})"),
        Comparison::Partial {
            missed_events,
            undecided,
            ..
        } => {
            if missed_events.is_empty() {
                let why = undecided.as_deref().unwrap_or("coverage not proven");
                return format!("partial ({why})");
            }
            let shown: Vec<String> = missed_events
                .iter()
                .zip(
                    first
                        .missed_absent
                        .iter()
                        .map(Some)
                        .chain(std::iter::repeat(None)),
                )
                .take(3)
                .map(|(e, absent)| {
                    let text = serde_json::to_string(e).unwrap_or_default();
                    match absent {
                        Some(fields) if !fields.is_empty() => {
                            format!("{text} ({} absent)", fields.join(", "))
                        }
                        _ => text,
                    }
                })
                .collect();
            let more = missed_events.len().saturating_sub(3);
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("partial, misses {}{tail}", shown.join(", "))
        }
        other => other.verdict().as_str().to_owned(),
    }
}
