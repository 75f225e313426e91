//! Explanations, derived from a check query alone: its nested `with` chain is split into
//! levels (navigation, kinds, conditions); each account's chain is walked level by level,
//! conditions are tested on the nodes the walk reaches, and the deepest point reached from each
//! first-level resource (usually a trail) is reported with what is missing there. Nothing here
//! knows a particular check.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use petgraph::Direction as GraphDirection;
use trailgraph_model::{AncestorKind, EdgeType, Inventory, Kind, NodeId};
use trailgraph_pattern::{Assessment, Comparison};
use trailgraph_query::Plan;
use trailgraph_query::ast::{
    BoolOp, CmpOp, Direction, Literal, MAX_DEPTH, Navigation, Query, Spanned, Term, WithClause,
};

use crate::catalog::Phrases;
use crate::engine::Engine;

/// The top-level `and` conjuncts of a term, left to right.
pub(crate) fn conjuncts(term: &Spanned<Term>) -> Vec<&Spanned<Term>> {
    match &term.node {
        Term::Combined {
            left,
            op: BoolOp::And,
            right,
        } => {
            let mut out = conjuncts(left);
            out.extend(conjuncts(right));
            out
        }
        _ => vec![term],
    }
}

/// The top-level `or` disjuncts of a term.
fn disjuncts(term: &Term) -> Vec<&Term> {
    match term {
        Term::Combined {
            left,
            op: BoolOp::Or,
            right,
        } => {
            let mut out = disjuncts(&left.node);
            out.extend(disjuncts(&right.node));
            out
        }
        other => vec![other],
    }
}

/// One condition of a level, tested on the nodes a walk reaches.
pub(crate) struct Condition {
    /// Canonical text of the condition as written (placeholders unfilled): the phrase key.
    key: String,
    /// Filled text, for messages.
    text: String,
    /// `<level kinds> and <condition>`: a node meets the condition when it passes this.
    plan: Arc<Plan>,
    /// For `covers` conditions (alone or in an `or`): (property, required patterns).
    covers: Option<(String, Vec<String>)>,
    /// For `or` conditions: each disjunct's key and its plan.
    alternatives: Vec<(String, Arc<Plan>)>,
}

impl Condition {
    /// Whether `node` meets the condition (and is of the level's kinds).
    fn holds(&self, engine: &Engine<'_>, node: NodeId) -> bool {
        engine.holds(&self.plan, node)
    }
}

/// One level of the chain: `with(any, <navigation> <term> ...)`.
pub(crate) struct Level {
    navigation: Navigation,
    kinds: Vec<Kind>,
    conditions: Vec<Condition>,
    /// The engine's number for (navigation, kinds): candidates are cached under it.
    step: usize,
}

/// A check query's chain, ready to walk.
pub(crate) struct Chain {
    levels: Vec<Level>,
}

/// A node with what the walk found there.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Step {
    pub node: NodeId,
    /// Whether the node meets its level's conditions.
    pub met: bool,
    /// What to say after the node (`covers`, `not logging`, ...).
    pub note: Option<String>,
}

/// The deepest point reached from one first-level node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Path {
    pub steps: Vec<Step>,
    /// Whether the whole chain is complete along this path.
    pub complete: bool,
    /// Why the chain stops after the last step.
    pub end: Option<String>,
    /// Level index of the last step (1 = first level).
    pub depth: usize,
}

impl Chain {
    /// Builds the chain of `template` (a check query) with `fill` turning template text into
    /// query text. Returns `None` when the query is not a chain of `with` clauses.
    pub(crate) fn build(
        template: &Query,
        fill: &dyn Fn(&str) -> Result<String, String>,
        fill_plain: &dyn Fn(&str) -> Result<String, String>,
        engine: &Engine<'_>,
    ) -> Result<Chain, String> {
        let mut levels = Vec::new();
        let mut with: Option<&WithClause> = template
            .parts
            .first()
            .and_then(|p| p.with.as_ref())
            .map(|w| &w.node);
        while let Some(w) = with {
            levels.push(build_level(w, fill, fill_plain, engine)?);
            with = w.nested.as_deref().map(|n| &n.node);
        }
        Ok(Chain { levels })
    }

    /// Whether the chain has levels to walk.
    pub(crate) fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    /// One path per node of the first level reached from `start` (each showing the deepest
    /// point reached), complete paths first.
    pub(crate) fn walk(&self, engine: &Engine<'_>, phrases: &Phrases, start: NodeId) -> Vec<Path> {
        let Some(first) = self.levels.first() else {
            return Vec::new();
        };
        let mut paths: Vec<Path> = candidates(engine, start, first)
            .iter()
            .map(|n| self.deepest(engine, phrases, *n, 0))
            .collect();
        paths.sort_by_key(|p| (!p.complete, std::cmp::Reverse(p.depth)));
        paths
    }

    /// The path [`Self::walk`] lists first among its complete paths, found without building
    /// the others: `None` when no first-level node is reached from `start`, `Some(None)` when
    /// none of them completes the chain.
    pub(crate) fn first_complete(
        &self,
        engine: &Engine<'_>,
        phrases: &Phrases,
        start: NodeId,
    ) -> Option<Option<Path>> {
        let first = self.levels.first()?;
        let reached = candidates(engine, start, first);
        if reached.is_empty() {
            return None;
        }
        // `walk` sorts complete paths first, stably, and they all end at the last level, so
        // the first complete path belongs to the first first-level node that completes.
        Some(
            reached
                .iter()
                .find(|n| self.completes(engine, **n, 0))
                .map(|n| self.deepest(engine, phrases, *n, 0)),
        )
    }

    /// Whether the chain is complete from `node` at level `level_index` (what
    /// [`Self::deepest`] reports as `complete`, without describing anything).
    fn completes(&self, engine: &Engine<'_>, node: NodeId, level_index: usize) -> bool {
        let Some(level) = self.levels.get(level_index) else {
            return true;
        };
        if !meets(engine, level, node) {
            return false;
        }
        let Some(next) = self.levels.get(level_index + 1) else {
            return true;
        };
        candidates(engine, node, next)
            .iter()
            .any(|c| self.completes(engine, *c, level_index + 1))
    }

    /// The nodes of the first level reached from `start` that meet its conditions.
    pub(crate) fn first_level_meeting(&self, engine: &Engine<'_>, start: NodeId) -> Vec<NodeId> {
        let Some(first) = self.levels.first() else {
            return Vec::new();
        };
        candidates(engine, start, first)
            .iter()
            .copied()
            .filter(|n| meets(engine, first, *n))
            .collect()
    }

    /// Phrases for the conditions of the first level that `node` meets (for `failed` queries,
    /// whose conditions describe a defect).
    pub(crate) fn held_phrases(
        &self,
        engine: &Engine<'_>,
        phrases: &Phrases,
        node: NodeId,
    ) -> Vec<String> {
        let Some(first) = self.levels.first() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for c in &first.conditions {
            if !c.holds(engine, node) {
                continue;
            }
            if c.alternatives.is_empty() {
                push_phrase(&mut out, phrases.holds.get(&c.key), &c.text);
            } else {
                for (key, plan) in &c.alternatives {
                    if engine.holds(plan, node) {
                        push_phrase(&mut out, phrases.holds.get(key), key);
                    }
                }
            }
        }
        out
    }

    fn deepest(
        &self,
        engine: &Engine<'_>,
        phrases: &Phrases,
        node: NodeId,
        level_index: usize,
    ) -> Path {
        let Some(level) = self.levels.get(level_index) else {
            return Path {
                steps: Vec::new(),
                complete: true,
                end: None,
                depth: level_index,
            };
        };
        if !meets(engine, level, node) {
            let unmet = unmet_phrases(engine, phrases, level, node);
            return Path {
                steps: vec![Step {
                    node,
                    met: false,
                    note: Some(unmet.join("; ")),
                }],
                complete: false,
                end: None,
                depth: level_index + 1,
            };
        }
        let note = met_note(engine, level, node);
        let here = Step {
            node,
            met: true,
            note,
        };
        let Some(next) = self.levels.get(level_index + 1) else {
            return Path {
                steps: vec![here],
                complete: true,
                end: None,
                depth: level_index + 1,
            };
        };
        let next_candidates = candidates(engine, node, next);
        let mut best: Option<Path> = None;
        for c in next_candidates.iter().filter(|c| meets(engine, next, **c)) {
            let p = self.deepest(engine, phrases, *c, level_index + 1);
            let better = best
                .as_ref()
                .is_none_or(|b| (p.complete, p.depth) > (b.complete, b.depth));
            if better {
                best = Some(p);
            }
            if best.as_ref().is_some_and(|b| b.complete) {
                break;
            }
        }
        if let Some(mut p) = best {
            p.steps.insert(0, here);
            return p;
        }
        let end = describe_shortfall(engine, phrases, next, node, &next_candidates);
        Path {
            steps: vec![here],
            complete: false,
            end: Some(end),
            depth: level_index + 1,
        }
    }
}

fn push_phrase(out: &mut Vec<String>, phrase: Option<&String>, fallback: &str) {
    match phrase {
        Some(p) if p.is_empty() => {}
        Some(p) => out.push(p.clone()),
        None => out.push(fallback.to_owned()),
    }
}

fn build_level(
    w: &WithClause,
    fill: &dyn Fn(&str) -> Result<String, String>,
    fill_plain: &dyn Fn(&str) -> Result<String, String>,
    engine: &Engine<'_>,
) -> Result<Level, String> {
    let mut kinds: Vec<Kind> = Vec::new();
    let mut condition_terms: Vec<&Spanned<Term>> = Vec::new();
    if let Some(term) = &w.term {
        for c in conjuncts(term) {
            match &c.node {
                Term::Is(names) => {
                    for n in names {
                        kinds.extend(Kind::matching(&n.node).unwrap_or_default());
                    }
                }
                _ => condition_terms.push(c),
            }
        }
    }
    let kind_filter = if kinds.is_empty() {
        "all".to_owned()
    } else {
        let names: Vec<String> = kinds
            .iter()
            .map(|k| format!("\"{}\"", k.as_str()))
            .collect();
        format!("is([{}])", names.join(", "))
    };
    let mut conditions = Vec::new();
    for c in condition_terms {
        let key = c.node.to_string();
        let text = fill(&key)?;
        let plan = Arc::new(engine.plan(&format!("{kind_filter} and {text}"))?);
        let mut covers = None;
        let mut alternatives = Vec::new();
        let parts = disjuncts(&c.node);
        if parts.len() > 1 {
            for d in &parts {
                let d_key = d.to_string();
                let d_text = fill(&d_key)?;
                alternatives.push((
                    d_key,
                    Arc::new(engine.plan(&format!("{kind_filter} and {d_text}"))?),
                ));
            }
        }
        let mut required = Vec::new();
        let mut property = None;
        for d in &parts {
            if let Term::Predicate(p) = d
                && p.op.node == CmpOp::Covers
                && let Literal::String(pattern) = &p.value.node
            {
                required.push(fill_plain(pattern)?);
                property = Some(p.path.node.to_string());
            }
        }
        if let Some(property) = property {
            covers = Some((property, required));
        }
        conditions.push(Condition {
            key,
            text,
            plan,
            covers,
            alternatives,
        });
    }
    let step = engine.step_number(&format!("{}|{:?}", w.navigation.node, kinds));
    Ok(Level {
        navigation: w.navigation.node.clone(),
        kinds,
        conditions,
        step,
    })
}

fn meets(engine: &Engine<'_>, level: &Level, node: NodeId) -> bool {
    level.conditions.iter().all(|c| c.holds(engine, node))
}

/// Nodes reached from `start` by the level's navigation, of the level's kinds, sorted by name.
/// Cached per (start, navigation, kinds): every check walks the same first levels.
fn candidates(engine: &Engine<'_>, start: NodeId, level: &Level) -> Arc<[NodeId]> {
    engine.cached_candidates(start, level.step, || {
        let inventory = engine.inventory;
        let mut out: Vec<NodeId> = navigate(inventory, start, &level.navigation)
            .into_iter()
            .filter(|n| {
                level.kinds.is_empty()
                    || inventory
                        .node(*n)
                        .is_some_and(|node| level.kinds.contains(&node.kind))
            })
            .collect();
        out.sort_by(|a, b| {
            let name = |n: &NodeId| inventory.node(*n).map(|x| (x.name(), &x.id));
            name(a).cmp(&name(b))
        });
        out
    })
}

/// The nodes at depths `start..=until` from `from` along the navigation's edges (breadth first,
/// each node once). Edge filters are not evaluated: trailgraph edges carry no properties.
pub(crate) fn navigate(inventory: &Inventory, from: NodeId, nav: &Navigation) -> Vec<NodeId> {
    let until = nav.until.unwrap_or(MAX_DEPTH).min(MAX_DEPTH);
    let types = |list: &[EdgeType]| -> Vec<EdgeType> {
        if list.is_empty() {
            vec![EdgeType::Default]
        } else {
            list.to_vec()
        }
    };
    let mut steps: Vec<(GraphDirection, Vec<EdgeType>)> = Vec::new();
    match nav.direction {
        Direction::Out => steps.push((GraphDirection::Outgoing, types(&nav.edge_types))),
        Direction::In => steps.push((GraphDirection::Incoming, types(&nav.edge_types))),
        Direction::InOut => {
            steps.push((GraphDirection::Incoming, types(&nav.edge_types)));
            let out = if nav.outbound_edge_types.is_empty() {
                types(&nav.edge_types)
            } else {
                nav.outbound_edge_types.clone()
            };
            steps.push((GraphDirection::Outgoing, out));
        }
    }
    let mut seen: HashSet<NodeId> = HashSet::from([from]);
    let mut out = Vec::new();
    if nav.start == 0 {
        out.push(from);
    }
    let mut queue = VecDeque::from([(from, 0u32)]);
    while let Some((node, depth)) = queue.pop_front() {
        if depth >= until {
            continue;
        }
        for (direction, edge_types) in &steps {
            for t in edge_types {
                for next in inventory.neighbors(node, *direction, *t) {
                    if seen.insert(next) {
                        if depth + 1 >= nav.start {
                            out.push(next);
                        }
                        queue.push_back((next, depth + 1));
                    }
                }
            }
        }
    }
    out
}

/// What to say after a node that meets its level: the comparison verdict for `covers`.
fn met_note(engine: &Engine<'_>, level: &Level, node: NodeId) -> Option<String> {
    let n = engine.inventory.node(node)?;
    for c in &level.conditions {
        let Some((property, required)) = &c.covers else {
            continue;
        };
        let actual = n.str_property(property)?;
        let verdicts: Vec<&'static str> = required
            .iter()
            .filter_map(|r| engine.compare(r, actual))
            .filter(|a| a.counts())
            .map(|a| a.comparison.verdict().as_str())
            .collect();
        let best = ["equivalent", "covers"]
            .into_iter()
            .find(|v| verdicts.contains(v))
            .unwrap_or("partial");
        return Some(if engine.strict {
            format!("{best}, identical text")
        } else {
            best.to_owned()
        });
    }
    None
}

/// Why `node` does not meet its level: one phrase per unmet condition.
fn unmet_phrases(
    engine: &Engine<'_>,
    phrases: &Phrases,
    level: &Level,
    node: NodeId,
) -> Vec<String> {
    let mut out = Vec::new();
    for c in level.conditions.iter().filter(|c| !c.holds(engine, node)) {
        if let Some((property, required)) = &c.covers {
            out.push(describe_covers(engine, node, property, required));
            continue;
        }
        match phrases.fails.get(&c.key) {
            Some(p) if p.is_empty() => {}
            Some(p) => out.push(p.clone()),
            None => out.push(format!("does not meet `{}`", c.text)),
        }
    }
    out
}

fn describe_covers(
    engine: &Engine<'_>,
    node: NodeId,
    property: &str,
    required: &[String],
) -> String {
    let Some(actual) = engine
        .inventory
        .node(node)
        .and_then(|n| n.str_property(property))
    else {
        return format!("no {property}");
    };
    let assessments: Vec<std::sync::Arc<Assessment>> = required
        .iter()
        .filter_map(|r| engine.compare(r, actual))
        .collect();
    if engine.strict
        && assessments.iter().any(|a| {
            matches!(
                a.comparison,
                Comparison::Equivalent | Comparison::Covers { .. }
            )
        })
    {
        return "covers the pattern but is not the same text (strict mode)".to_owned();
    }
    // A filter that covers but does not count is catch-all: say so before anything else.
    if let Some(reason) = assessments.iter().find_map(|a| a.not_counted_reason()) {
        return format!("does not count: {reason}");
    }
    let Some(first) = assessments.first() else {
        return "cannot be compared".to_owned();
    };
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

/// Why no candidate of `level` reached from `parent` carries the chain on.
fn describe_shortfall(
    engine: &Engine<'_>,
    phrases: &Phrases,
    level: &Level,
    parent: NodeId,
    found: &[NodeId],
) -> String {
    let kind_word = level
        .kinds
        .first()
        .map_or("resource", |k| phrases.kind(k.as_str()))
        .to_owned();
    if found.is_empty() {
        let mut text = format!("no {kind_word}");
        if let Some(hint) = link_hint(engine, parent, &level.kinds) {
            text.push_str(&format!(" ({hint})"));
        }
        return text;
    }
    let covers = level.conditions.iter().find_map(|c| c.covers.as_ref());
    let shown: Vec<NodeId> = match covers {
        // Many filters share a log group; show the ones meant for this control.
        Some((property, required)) => found
            .iter()
            .copied()
            .filter(|n| {
                engine
                    .inventory
                    .node(*n)
                    .and_then(|x| x.str_property(property))
                    .is_some_and(|a| required.iter().any(|r| engine.related(r, a)))
            })
            .collect(),
        None => found.to_vec(),
    };
    let plural = if found.len() == 1 { "" } else { "s" };
    if shown.is_empty() {
        return format!(
            "no {kind_word} qualifies ({} {kind_word}{plural}, none for these events)",
            found.len()
        );
    }
    let details: Vec<String> = shown
        .iter()
        .take(5)
        .map(|n| {
            let name = engine.inventory.node(*n).map_or("?", |x| x.name());
            format!(
                "{kind_word} {name}: {}",
                unmet_phrases(engine, phrases, level, *n).join("; ")
            )
        })
        .collect();
    if shown.len() == 1 && found.len() == 1 {
        return format!("→ {}", details.join(""));
    }
    format!(
        "no {kind_word} qualifies ({} {kind_word}{plural}): {}",
        found.len(),
        details.join(", ")
    )
}

/// A hint for a missing link that the model's linking rules explain: an alarm on the filter's
/// metric name in another namespace, or a trail's log group that is not in the inventory.
fn link_hint(engine: &Engine<'_>, parent: NodeId, kinds: &[Kind]) -> Option<String> {
    let inventory = engine.inventory;
    let p = inventory.node(parent)?;
    if p.kind == Kind::AwsCloudwatchMetricFilter && kinds.contains(&Kind::AwsCloudwatchAlarm) {
        let t = p.property("filter_transformations")?.as_array()?.first()?;
        let metric = t.get("metric_name")?.as_str()?;
        let namespace = t.get("metric_namespace")?.as_str()?;
        let region = p.ancestors.region;
        let other: Vec<String> = engine
            .of_kind_in_region(Kind::AwsCloudwatchAlarm, region)
            .iter()
            .filter_map(|a| inventory.node(*a))
            .filter(|a| a.str_property("cloudwatch_metric_name") == Some(metric))
            .filter_map(|a| {
                let ns = a.str_property("cloudwatch_namespace")?;
                (ns != namespace)
                    .then(|| format!("alarm {} watches {metric} in namespace {ns}", a.name()))
            })
            .collect();
        if other.is_empty() {
            return Some(format!("on metric {metric} in namespace {namespace}"));
        }
        return Some(format!(
            "on metric {metric} in namespace {namespace}; {}",
            other.join(", ")
        ));
    }
    if p.kind == Kind::AwsCloudTrail && kinds.contains(&Kind::AwsCloudwatchLogGroup) {
        return match p.str_property("trail_cloud_watch_logs_log_group_arn") {
            Some(arn) if !arn.is_empty() => Some(format!("{arn} is not in the inventory")),
            _ => Some("the trail does not deliver to CloudWatch Logs".to_owned()),
        };
    }
    if p.kind == Kind::AwsCloudwatchAlarm && kinds.contains(&Kind::AwsSnsTopic) {
        return Some("no SNS topic among its alarm actions".to_owned());
    }
    None
}

/// `kind name (region)` for people.
pub(crate) fn describe_node(inventory: &Inventory, phrases: &Phrases, node: NodeId) -> String {
    let Some(n) = inventory.node(node) else {
        return "?".to_owned();
    };
    let word = phrases.kind(n.kind.as_str());
    match n.kind {
        Kind::AwsCloudTrail | Kind::AwsCloudwatchLogGroup => {
            let region = inventory
                .ancestor(node, AncestorKind::Region)
                .map(|r| r.name().to_owned())
                .unwrap_or_default();
            let account = inventory
                .ancestor(node, AncestorKind::Account)
                .and_then(|a| a.str_property("id"))
                .unwrap_or_default();
            format!("{word} {} ({region}, {account})", n.name())
        }
        Kind::AwsSnsTopic => {
            let name = n.id.rsplit(':').next().unwrap_or(n.name());
            format!("{word} {name}")
        }
        _ => format!("{word} {}", n.name()),
    }
}

/// Renders a path: `trail t (r) → log group g → filter f: covers → alarm a: actions disabled`.
pub(crate) fn render_path(inventory: &Inventory, phrases: &Phrases, path: &Path) -> String {
    let mut out = String::new();
    for (i, step) in path.steps.iter().enumerate() {
        if i > 0 {
            out.push_str(" → ");
        }
        out.push_str(&describe_node(inventory, phrases, step.node));
        if let Some(note) = step.note.as_deref().filter(|n| !n.is_empty()) {
            out.push_str(": ");
            out.push_str(note);
        }
    }
    match &path.end {
        Some(end) if end.starts_with('→') => {
            out.push(' ');
            out.push_str(end);
        }
        Some(end) => {
            out.push_str(": ");
            out.push_str(end);
        }
        None if path.complete => out.push_str(": complete"),
        None => {}
    }
    out
}
