//! Comparison of two patterns by the events they match.
//!
//! Method (the long form, with the soundness argument, is in
//! `docs/filter-patterns.md`): the conditions of both patterns are collected
//! as atoms `(selector, test)`. For every selector a finite *domain* of
//! abstract values is built so that every real value at that selector (absent,
//! null, a boolean, a number, a string, an object or array) agrees on every
//! atom of that selector with some domain value. A depth-first search over
//! the selectors, with three-valued evaluation to prune, looks for an
//! assignment where the required pattern holds and the actual one does not;
//! each such assignment is turned into a concrete JSON event and checked with
//! the real evaluator before it is reported as missed. The same search in the
//! other direction tells `covers` from `equivalent`.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::{Map, Value as Json};

use crate::catalog::EventCatalog;

use crate::ast::{
    CompareOp, Condition, Expr, Pattern, RegexValue, Segment, Selector, Term, TermKind,
    TermMatcher, Test, TextMatch, TextValue, Value,
};
use crate::eval::{Event, eval_test};
use crate::parse::{ParseError, parse};

/// The verdict of a comparison, without its details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verdict {
    /// Both patterns match exactly the same events.
    Equivalent,
    /// The actual pattern matches every event the required one matches, and more.
    Covers,
    /// Some events the required pattern matches are missed by the actual one
    /// (or coverage could not be proven).
    Partial,
    /// The actual pattern does not parse.
    Invalid,
}

impl Verdict {
    /// The verdict as a lower-case word: `equivalent`, `covers`, `partial`, `invalid`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Equivalent => "equivalent",
            Verdict::Covers => "covers",
            Verdict::Partial => "partial",
            Verdict::Invalid => "invalid",
        }
    }
}

/// The result of comparing an actual filter pattern with a required one.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Comparison {
    /// Both patterns match exactly the same events.
    Equivalent,
    /// The actual pattern matches every event the required one matches, and more.
    Covers {
        /// An event only the actual pattern matches, when one was built.
        broader_example: Option<Json>,
    },
    /// The actual pattern misses events the required pattern matches.
    Partial {
        /// Up to ten missed events, simplest first: JSON objects with only the
        /// fields that matter, or JSON strings for plain-text events.
        missed_events: Vec<Json>,
        /// Set when no missed event could be built but coverage could not be
        /// proven either (see the limits in `docs/filter-patterns.md`).
        undecided: Option<String>,
    },
    /// The actual pattern does not parse.
    Invalid {
        /// The pattern text.
        pattern: String,
        /// Why it does not parse.
        error: ParseError,
    },
}

impl Comparison {
    /// The verdict without details.
    pub fn verdict(&self) -> Verdict {
        match self {
            Comparison::Equivalent => Verdict::Equivalent,
            Comparison::Covers { .. } => Verdict::Covers,
            Comparison::Partial { .. } => Verdict::Partial,
            Comparison::Invalid { .. } => Verdict::Invalid,
        }
    }

    /// The missed example events (empty unless the verdict is partial).
    pub fn missed_events(&self) -> &[Json] {
        match self {
            Comparison::Partial { missed_events, .. } => missed_events,
            _ => &[],
        }
    }
}

/// The required pattern of a comparison does not parse: a configuration
/// error, not a verdict about the actual pattern.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the required pattern does not parse: {error}")]
#[non_exhaustive]
pub struct RequiredPatternError {
    /// The required pattern text.
    pub pattern: String,
    /// Why it does not parse.
    #[source]
    pub error: ParseError,
}

/// Parses both patterns and compares them; see [`compare`].
///
/// An `actual` pattern that does not parse gives [`Comparison::Invalid`];
/// a `required` pattern that does not parse is an error.
pub fn compare_text(required: &str, actual: &str) -> Result<Comparison, RequiredPatternError> {
    let required = parse(required).map_err(|error| RequiredPatternError {
        pattern: required.to_owned(),
        error,
    })?;
    Ok(match parse(actual) {
        Ok(actual) => compare(&required, &actual),
        Err(error) => Comparison::Invalid {
            pattern: actual.to_owned(),
            error,
        },
    })
}

/// Compares an actual filter pattern with a required pattern by meaning.
///
/// Never answers `Covers` or `Equivalent` while some event matched by
/// `required` is not matched by `actual`.
pub fn compare(required: &Pattern, actual: &Pattern) -> Comparison {
    compare_with(required, actual, None)
}

/// [`compare`], judged only over events the catalog admits when one is given
/// (JSON patterns on both sides; other families are judged by the language).
pub(crate) fn compare_with(
    required: &Pattern,
    actual: &Pattern,
    catalog: Option<&EventCatalog>,
) -> Comparison {
    if required == actual {
        return Comparison::Equivalent;
    }
    match (required, actual) {
        (Pattern::Json(r), Pattern::Json(a)) => compare_json(r, a, catalog),
        (Pattern::Terms(_) | Pattern::Empty, Pattern::Terms(_) | Pattern::Empty) => {
            compare_terms(required, actual)
        }
        (_, Pattern::Empty) => Comparison::Covers {
            broader_example: probe_broader(required, actual),
        },
        (Pattern::Json(r), Pattern::Terms(terms)) => compare_json_with_terms(r, actual, terms),
        (Pattern::Terms(_) | Pattern::Empty, Pattern::Json(_)) => {
            compare_by_text_witness(required, actual)
        }
        _ => compare_by_probing(required, actual),
    }
}

const MAX_EXAMPLES: usize = 10;
const MAX_LEAVES: usize = 200;
const NODE_BUDGET: usize = 400_000;
const MAX_STRING_PATTERNS: usize = 12;
/// How far past the number of selectors an array index may be padded.
const MAX_INDEX_SLACK: usize = 32;
const UNDECIDED_SEARCH: &str = "coverage could not be proven: some combinations of values could not be turned into concrete events (regular expressions or too many wildcard values on one property) or the search bound was reached";

// ------------------------------------------------------------------ space

/// A boolean formula over the atoms of a [`Space`].
#[derive(Debug, Clone)]
enum Formula {
    Const(bool),
    Atom(usize),
    Not(Box<Formula>),
    And(Vec<Formula>),
    Or(Vec<Formula>),
}

/// The selectors and atoms shared by the patterns being compared. A selector
/// of `None` stands for the whole event text (term patterns).
#[derive(Debug, Default, Clone)]
struct Space {
    selectors: Vec<Option<Selector>>,
    atoms: Vec<(usize, Test)>,
    /// Where each selector is in `selectors` (hash lookups keep building
    /// the space linear in the size of the patterns).
    selector_index: HashMap<Option<Selector>, usize>,
    /// Where each `(selector, test key)` is in `atoms`.
    atom_index: HashMap<(usize, String), usize>,
}

/// A key equal for equal tests: the printed test, except that numbers are
/// keyed by value (`1` and `1.0` are the same test).
fn test_key(test: &Test) -> String {
    match test {
        Test::Compare(op, Value::Number(n)) => {
            let v = if n.value() == 0.0 { 0.0 } else { n.value() };
            format!("{} #{}", op.as_str(), v.to_bits())
        }
        other => other.to_string(),
    }
}

impl Space {
    fn selector(&mut self, selector: Option<&Selector>) -> usize {
        if let Some(i) = self.selector_index.get(&selector.cloned()) {
            return *i;
        }
        self.selectors.push(selector.cloned());
        let i = self.selectors.len() - 1;
        self.selector_index.insert(selector.cloned(), i);
        i
    }

    fn find_selector(&self, selector: &Selector) -> Option<usize> {
        self.selector_index.get(&Some(selector.clone())).copied()
    }

    fn atom(&mut self, selector: usize, test: &Test) -> usize {
        let literal = literal_regex_test(test);
        let test = literal.as_ref().unwrap_or(test);
        let key = (selector, test_key(test));
        if let Some(i) = self.atom_index.get(&key) {
            return *i;
        }
        self.atoms.push((selector, test.clone()));
        let i = self.atoms.len() - 1;
        self.atom_index.insert(key, i);
        i
    }

    fn compile_json(&mut self, expr: &Expr<Condition>) -> Formula {
        match expr {
            Expr::Atom(c) => {
                let s = self.selector(Some(&c.selector));
                Formula::Atom(self.atom(s, &c.test))
            }
            Expr::And(items) => Formula::And(items.iter().map(|e| self.compile_json(e)).collect()),
            Expr::Or(items) => Formula::Or(items.iter().map(|e| self.compile_json(e)).collect()),
        }
    }

    fn compile_terms(&mut self, pattern: &Pattern) -> Formula {
        let Pattern::Terms(terms) = pattern else {
            return Formula::Const(true);
        };
        let text = self.selector(None);
        let mut all = Vec::new();
        let mut optional = Vec::new();
        for term in terms {
            let atom = Formula::Atom(self.atom(text, &term_test(term)));
            match term.kind {
                TermKind::Required => all.push(atom),
                TermKind::Optional => optional.push(atom),
                TermKind::Excluded => all.push(Formula::Not(Box::new(atom))),
            }
        }
        if !optional.is_empty() {
            all.push(Formula::Or(optional));
        }
        Formula::And(all)
    }
}

/// A regular expression that only spells a literal, optionally anchored
/// (`%^Create%`, `%Vpc$%`, `%AccessDenied%`), as the equivalent wildcard
/// test, so that it is compared exactly.
fn literal_regex_test(test: &Test) -> Option<Test> {
    let Test::Compare(op @ (CompareOp::Eq | CompareOp::Ne), Value::Regex(r)) = test else {
        return None;
    };
    let mut source = r.as_str();
    let start = source.starts_with('^');
    if start {
        source = source.get(1..)?;
    }
    let end = source.ends_with('$') && !source.ends_with("\\$");
    if end {
        source = source.get(..source.len() - 1)?;
    }
    let mut literal = String::new();
    let mut chars = source.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e) if !e.is_alphanumeric() && e != '*' => literal.push(e),
                _ => return None,
            },
            c if c.is_alphanumeric() || " _:#=@/;,-".contains(c) => literal.push(c),
            _ => return None,
        }
    }
    if literal.is_empty() {
        return None;
    }
    let text = match (start, end) {
        (true, true) => literal,
        (true, false) => format!("{literal}*"),
        (false, true) => format!("*{literal}"),
        (false, false) => format!("*{literal}*"),
    };
    Some(Test::Compare(*op, Value::Text(TextValue::new(text))))
}

/// A term as a test on the event text: a literal is a `*literal*` search.
fn term_test(term: &Term) -> Test {
    let value = match &term.matcher {
        TermMatcher::Literal(s) => Value::Text(TextValue::new(format!("*{s}*"))),
        TermMatcher::Regex(r) => Value::Regex(r.clone()),
    };
    Test::Compare(CompareOp::Eq, value)
}

fn is_prefix(short: &Selector, long: &Selector) -> bool {
    short.segments.len() < long.segments.len() && long.segments.starts_with(&short.segments)
}

/// Which selectors are in a structural relation with another one (one a
/// proper prefix of the other, or an earlier element of an array another
/// goes through), found with hash lookups instead of comparing every pair.
struct StructuralIndex<'s> {
    selectors: HashSet<&'s [Segment]>,
    /// Every proper prefix of some selector.
    prefixes: HashSet<&'s [Segment]>,
    /// For `head`, the largest `n` such that some selector starts `head[n]`.
    max_index: HashMap<&'s [Segment], usize>,
}

impl<'s> StructuralIndex<'s> {
    fn new(selectors: &'s [Option<Selector>]) -> Self {
        let mut index = StructuralIndex {
            selectors: HashSet::new(),
            prefixes: HashSet::new(),
            max_index: HashMap::new(),
        };
        for selector in selectors.iter().flatten() {
            let segments = selector.segments.as_slice();
            index.selectors.insert(segments);
            for depth in 0..segments.len() {
                index.prefixes.insert(segments.get(..depth).unwrap_or(&[]));
                if let Some(Segment::Index(n)) = segments.get(depth) {
                    let head = segments.get(..depth).unwrap_or(&[]);
                    let slot = index.max_index.entry(head).or_insert(*n);
                    *slot = (*slot).max(*n);
                }
            }
        }
        index
    }

    fn is_structural(&self, a: &Selector) -> bool {
        let segments = a.segments.as_slice();
        // `a` is a proper prefix of some selector.
        if self.prefixes.contains(segments) {
            return true;
        }
        // Some selector is a proper prefix of `a` (the empty selector never is one).
        if (1..segments.len()).any(|d| self.selectors.contains(segments.get(..d).unwrap_or(&[]))) {
            return true;
        }
        // `a` is an earlier element of an array some selector goes through.
        if let Some((Segment::Index(m), head)) = segments.split_last() {
            return self.max_index.get(head).is_some_and(|n| n > m);
        }
        false
    }
}

// ------------------------------------------------------------------ domains

/// An abstract value of one selector.
#[derive(Debug, Clone)]
enum Abstract {
    /// A real value (`None`: the property is absent).
    Concrete(Option<Json>),
    /// A string equal to no literal whose pattern matches are given, for
    /// which no concrete string was found.
    Unrealized,
    /// Any other string, with unknown pattern matches.
    Unknown,
}

#[derive(Debug)]
struct Domain {
    values: Vec<Abstract>,
    /// `truths[value][local atom]`, `None` when unknown.
    truths: Vec<Vec<Option<bool>>>,
}

#[derive(Debug, Clone)]
enum StringPattern {
    Wild(TextValue),
    Regex(RegexValue),
}

impl StringPattern {
    fn matches(&self, s: &str) -> bool {
        match self {
            StringPattern::Wild(t) => t.matches(s),
            StringPattern::Regex(r) => r.is_match(s),
        }
    }
}

fn number_json(x: f64) -> Json {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        // Integral and exactly representable: print without a fraction.
        #[allow(clippy::cast_possible_truncation)]
        return Json::from(x as i64);
    }
    serde_json::Number::from_f64(x).map_or(Json::Null, Json::Number)
}

/// Cores of the wildcard patterns in one selector: used to build strings.
struct Cores {
    prefixes: Vec<String>,
    suffixes: Vec<String>,
    middles: Vec<String>,
}

fn build_domain(tests: &[&Test], text_only: bool, structural: bool, examples: &[String]) -> Domain {
    let mut literals: Vec<String> = Vec::new();
    let mut literal_set: HashSet<&str> = HashSet::new();
    // Literals compared with `=`: each is the only value making its own
    // `= literal` atom true, so it never shares its truths with another
    // value and needs no truth row (its atoms are evaluated on demand).
    let mut eq_literals: HashSet<&str> = HashSet::new();
    let mut patterns: Vec<StringPattern> = Vec::new();
    let mut pattern_set: HashSet<(bool, &str)> = HashSet::new();
    let mut numbers: Vec<f64> = Vec::new();
    for test in tests {
        match test {
            Test::Compare(op, Value::Text(t)) => match t.to_match() {
                TextMatch::Exact(x) => {
                    if *op == CompareOp::Eq {
                        eq_literals.insert(x);
                    }
                    if literal_set.insert(x) {
                        literals.push(x.to_owned());
                    }
                }
                TextMatch::Any => {}
                _ => {
                    if pattern_set.insert((false, t.as_str())) {
                        patterns.push(StringPattern::Wild(t.clone()));
                    }
                }
            },
            Test::Compare(_, Value::Regex(r)) if pattern_set.insert((true, r.as_str())) => {
                patterns.push(StringPattern::Regex(r.clone()));
            }
            Test::Compare(_, Value::Number(n)) => numbers.push(n.value()),
            _ => {}
        }
    }

    let mut values: Vec<Abstract> = Vec::new();
    if !text_only {
        values.push(Abstract::Concrete(None));
    }
    for l in &literals {
        values.push(Abstract::Concrete(Some(Json::String(l.clone()))));
    }

    // Other strings: one per achievable combination of pattern matches.
    let all_text: String = literals
        .iter()
        .cloned()
        .chain(patterns.iter().map(|p| match p {
            StringPattern::Wild(t) => t.as_str().to_owned(),
            StringPattern::Regex(r) => r.as_str().to_owned(),
        }))
        .collect();
    let sigma = ['~', '#', '!', '^', '`', '\u{1}']
        .into_iter()
        .find(|c| !all_text.contains(*c));
    let has_regex = patterns
        .iter()
        .any(|p| matches!(p, StringPattern::Regex(_)));
    let mut unrealized_bits: Vec<Vec<bool>> = Vec::new();
    let mut unknown = false;
    match sigma {
        Some(sigma) if patterns.len() <= MAX_STRING_PATTERNS => {
            let realized = realize_string_classes(&patterns, &literal_set, sigma, examples);
            let found: BTreeSet<Vec<bool>> = realized.iter().map(|(b, _)| b.clone()).collect();
            for (_, s) in realized {
                values.push(Abstract::Concrete(Some(Json::String(s))));
            }
            if has_regex {
                // Regular expressions have no exact construction: every other
                // combination stays possible but unrealized.
                for mask in 0..(1u32 << patterns.len()) {
                    let bits: Vec<bool> = (0..patterns.len()).map(|i| mask >> i & 1 == 1).collect();
                    if !found.contains(&bits) {
                        unrealized_bits.push(bits);
                    }
                }
            }
        }
        _ => unknown = true,
    }

    if !text_only {
        numbers.sort_by(f64::total_cmp);
        numbers.dedup();
        let mut reps = Vec::new();
        match (numbers.first(), numbers.last()) {
            (Some(first), Some(last)) => {
                reps.push(first - 1.0);
                for (i, n) in numbers.iter().enumerate() {
                    reps.push(*n);
                    if let Some(next) = numbers.get(i + 1) {
                        reps.push(n + (next - n) / 2.0);
                    }
                }
                reps.push(last + 1.0);
            }
            _ => reps.push(0.0),
        }
        for r in reps {
            values.push(Abstract::Concrete(Some(number_json(r))));
        }
        values.push(Abstract::Concrete(Some(Json::Null)));
        values.push(Abstract::Concrete(Some(Json::Bool(true))));
        values.push(Abstract::Concrete(Some(Json::Bool(false))));
        values.push(Abstract::Concrete(Some(Json::Object(Map::new()))));
    }

    let mut domain = Domain {
        values: Vec::new(),
        truths: Vec::new(),
    };
    let mut seen: BTreeSet<(Vec<Option<bool>>, u8)> = BTreeSet::new();
    let kind = |v: &Abstract| -> u8 {
        if !structural {
            return 0;
        }
        match v {
            Abstract::Concrete(None) => 1,
            Abstract::Concrete(Some(Json::Object(_) | Json::Array(_))) => 2,
            _ => 3,
        }
    };
    for value in values {
        if let Abstract::Concrete(Some(Json::String(s))) = &value
            && eq_literals.contains(s.as_str())
        {
            domain.values.push(value);
            domain.truths.push(Vec::new());
            continue;
        }
        let truths: Vec<Option<bool>> = tests
            .iter()
            .map(|t| match &value {
                Abstract::Concrete(v) => Some(eval_test(t, v.as_ref())),
                _ => None,
            })
            .collect();
        if seen.insert((truths.clone(), kind(&value))) {
            domain.values.push(value);
            domain.truths.push(truths);
        }
    }
    for bits in unrealized_bits {
        let truths: Vec<Option<bool>> = tests
            .iter()
            .map(|t| Some(unrealized_truth(t, &patterns, &bits)))
            .collect();
        if seen.insert((truths.clone(), kind(&Abstract::Unrealized))) {
            domain.values.push(Abstract::Unrealized);
            domain.truths.push(truths);
        }
    }
    if unknown {
        domain.values.push(Abstract::Unknown);
        domain.truths.push(vec![None; tests.len()]);
    }
    domain
}

/// The truth of a test on a string equal to no literal, whose pattern
/// matches are `bits`.
fn unrealized_truth(test: &Test, patterns: &[StringPattern], bits: &[bool]) -> bool {
    let Test::Compare(op, value) = test else {
        return false;
    };
    let index = match value {
        Value::Text(t) => match t.to_match() {
            TextMatch::Exact(_) => return *op == CompareOp::Ne,
            TextMatch::Any => return *op == CompareOp::Eq,
            _ => patterns
                .iter()
                .position(|p| matches!(p, StringPattern::Wild(w) if w == t)),
        },
        Value::Regex(r) => patterns
            .iter()
            .position(|p| matches!(p, StringPattern::Regex(x) if x == r)),
        Value::Number(_) => return false,
    };
    let bit = index.and_then(|i| bits.get(i)).copied().unwrap_or(false);
    match op {
        CompareOp::Eq => bit,
        CompareOp::Ne => !bit,
        _ => false,
    }
}

/// Builds one string (equal to no literal) for every achievable combination
/// of pattern matches, simplest first. Without regular expressions the
/// construction `prefix σ middle σ ... σ suffix` is exact: it realizes a
/// combination whenever any string does (see the docs).
fn realize_string_classes(
    patterns: &[StringPattern],
    literals: &HashSet<&str>,
    sigma: char,
    examples: &[String],
) -> Vec<(Vec<bool>, String)> {
    let mut out: Vec<(Vec<bool>, String)> = Vec::new();
    let consider = |s: String, out: &mut Vec<(Vec<bool>, String)>| {
        if literals.contains(s.as_str()) {
            return;
        }
        let bits: Vec<bool> = patterns.iter().map(|p| p.matches(&s)).collect();
        if !out.iter().any(|(b, _)| *b == bits) {
            out.push((bits, s));
        }
    };
    // Realistic values first: they are only concrete strings, so which
    // classes exist does not change, only which string stands for one.
    for example in examples {
        consider(example.clone(), &mut out);
    }
    consider("Other".to_owned(), &mut out);
    let samples: Vec<String> = patterns
        .iter()
        .filter_map(|p| match p {
            StringPattern::Regex(r) => Some(regex_sample(r.as_str())),
            StringPattern::Wild(_) => None,
        })
        .collect();
    let n = patterns.len();
    for mask in 0..(1u32 << n) {
        let mut cores = Cores {
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            middles: Vec::new(),
        };
        let mut sample_index = 0;
        for (i, p) in patterns.iter().enumerate() {
            let on = mask >> i & 1 == 1;
            match p {
                StringPattern::Wild(t) if on => match t.to_match() {
                    TextMatch::Prefix(x) => cores.prefixes.push(x.to_owned()),
                    TextMatch::Suffix(x) => cores.suffixes.push(x.to_owned()),
                    TextMatch::Contains(x) => cores.middles.push(x.to_owned()),
                    _ => {}
                },
                StringPattern::Regex(_) => {
                    if on && let Some(s) = samples.get(sample_index) {
                        cores.middles.push(s.clone());
                    }
                    sample_index += 1;
                }
                StringPattern::Wild(_) => {}
            }
        }
        let Some(prefix) = longest_chain(&cores.prefixes, |a, b| a.starts_with(b)) else {
            continue;
        };
        let Some(suffix) = longest_chain(&cores.suffixes, |a, b| a.ends_with(b)) else {
            continue;
        };
        let compact = format!("{prefix}{}{suffix}", cores.middles.concat());
        if !compact.is_empty() {
            consider(compact, &mut out);
        }
        let sep = sigma.to_string();
        let mut separated = prefix;
        separated.push(sigma);
        for m in &cores.middles {
            separated.push_str(m);
            separated.push_str(&sep);
        }
        separated.push_str(&suffix);
        consider(separated, &mut out);
    }
    out
}

/// The longest of `items` if every other item is related to it by `rel`
/// (`rel(longest, other)`), `Some("")` when empty, `None` if incompatible.
fn longest_chain(items: &[String], rel: impl Fn(&str, &str) -> bool) -> Option<String> {
    let longest = items
        .iter()
        .max_by_key(|s| s.len())
        .cloned()
        .unwrap_or_default();
    items.iter().all(|s| rel(&longest, s)).then_some(longest)
}

/// A string likely to match a simple regular expression: its literal
/// characters with anchors, escapes and operators dropped.
fn regex_sample(source: &str) -> String {
    let mut out = String::new();
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('d') => out.push('0'),
                Some('w') => out.push('a'),
                Some('s') => out.push(' '),
                Some(other) => out.push(other),
                None => {}
            },
            '|' => break,
            '^' | '$' | '?' | '*' | '+' | '(' | ')' | '{' | '}' => {}
            '[' => {
                if let Some(first) = chars.next() {
                    out.push(first);
                }
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                }
            }
            '.' => out.push('a'),
            other => out.push(other),
        }
    }
    out
}

// ------------------------------------------------------------------ search

struct Model {
    space: Space,
    domains: Vec<Domain>,
    /// For each atom: (selector, index among that selector's atoms).
    atom_loc: Vec<(usize, usize)>,
    /// For each selector, its atoms by kind.
    selector_atoms: Vec<SelectorAtoms>,
}

/// The atoms of one selector: `exact` maps a literal to its `=`/`!=` atoms.
#[derive(Default)]
struct SelectorAtoms {
    all: Vec<usize>,
    exact: HashMap<String, Vec<usize>>,
    other: Vec<usize>,
}

impl Model {
    fn new(space: Space, catalog: Option<&EventCatalog>) -> Self {
        let n = space.selectors.len();
        let mut selector_atoms: Vec<SelectorAtoms> =
            (0..n).map(|_| SelectorAtoms::default()).collect();
        for (a, (s, test)) in space.atoms.iter().enumerate() {
            if let Some(entry) = selector_atoms.get_mut(*s) {
                entry.all.push(a);
                match test {
                    Test::Compare(CompareOp::Eq | CompareOp::Ne, Value::Text(t)) => match t
                        .to_match()
                    {
                        TextMatch::Exact(x) => entry.exact.entry(x.to_owned()).or_default().push(a),
                        _ => entry.other.push(a),
                    },
                    _ => entry.other.push(a),
                }
            }
        }
        let mut atom_loc = Vec::with_capacity(space.atoms.len());
        let mut per_selector: Vec<Vec<&Test>> = vec![Vec::new(); n];
        for (s, test) in &space.atoms {
            if let Some(list) = per_selector.get_mut(*s) {
                atom_loc.push((*s, list.len()));
                list.push(test);
            }
        }
        let related = StructuralIndex::new(&space.selectors);
        let domains = per_selector
            .iter()
            .enumerate()
            .map(|(i, tests)| {
                let this = space.selectors.get(i).and_then(Option::as_ref);
                let structural = this.is_some_and(|a| related.is_structural(a));
                let examples = match (catalog, this) {
                    (Some(c), Some(selector)) => c.examples_at(selector),
                    _ => &[],
                };
                build_domain(tests, this.is_none(), structural, examples)
            })
            .collect();
        Model {
            space,
            domains,
            atom_loc,
            selector_atoms,
        }
    }

    /// The truth of atom `a` when its selector has domain value `value`.
    fn truth(&self, a: usize, value: usize) -> Option<bool> {
        let (s, local) = *self.atom_loc.get(a)?;
        let domain = self.domains.get(s)?;
        match domain.truths.get(value)?.get(local) {
            Some(t) => *t,
            // No truth row: a concrete value, evaluated on demand.
            None => match domain.values.get(value)? {
                Abstract::Concrete(v) => {
                    let (_, test) = self.space.atoms.get(a)?;
                    Some(eval_test(test, v.as_ref()))
                }
                _ => None,
            },
        }
    }

    fn eval(&self, f: &Formula, assignment: &[Option<usize>]) -> Option<bool> {
        match f {
            Formula::Const(b) => Some(*b),
            Formula::Atom(a) => {
                let (s, _) = *self.atom_loc.get(*a)?;
                let value = (*assignment.get(s)?)?;
                self.truth(*a, value)
            }
            Formula::Not(inner) => self.eval(inner, assignment).map(|b| !b),
            Formula::And(items) => self.eval_junction(items, assignment, false),
            Formula::Or(items) => self.eval_junction(items, assignment, true),
        }
    }

    /// Three-valued `and` (`decisive = false`) or `or` (`decisive = true`): one item with the
    /// decisive value decides; otherwise an unknown item makes the result unknown.
    fn eval_junction(
        &self,
        items: &[Formula],
        assignment: &[Option<usize>],
        decisive: bool,
    ) -> Option<bool> {
        let mut result = Some(!decisive);
        for item in items {
            match self.eval(item, assignment) {
                Some(value) if value == decisive => return Some(decisive),
                None => result = None,
                Some(_) => {}
            }
        }
        result
    }

    fn value(&self, selector: usize, assignment: &[Option<usize>]) -> Option<&Abstract> {
        let index = (*assignment.get(selector)?)?;
        self.domains.get(selector)?.values.get(index)
    }

    /// Turns a full assignment into an event. `Ok(None)`: no real event has
    /// these values (the structure is contradictory); `Err(())`: some value
    /// has no concrete form.
    fn materialize(&self, assignment: &[Option<usize>]) -> Result<Option<Json>, ()> {
        // Arrays are padded up to the indexes written in the pattern; beyond
        // this bound (set by the size of the patterns, not by the numbers in
        // them) the event is not built and the assignment stays undecided.
        let max_index = self.space.selectors.len() + MAX_INDEX_SLACK;
        let mut present: Vec<(&Selector, &Json)> = Vec::new();
        let mut absent: Vec<&Selector> = Vec::new();
        for (i, selector) in self.space.selectors.iter().enumerate() {
            match (selector, self.value(i, assignment)) {
                (None, Some(Abstract::Concrete(Some(Json::String(s))))) => {
                    return Ok(Some(Json::String(s.clone())));
                }
                (Some(sel), Some(Abstract::Concrete(Some(v)))) => {
                    if sel
                        .segments
                        .iter()
                        .any(|s| matches!(s, Segment::Index(n) if *n > max_index))
                    {
                        return Err(());
                    }
                    present.push((sel, v));
                }
                (Some(sel), Some(Abstract::Concrete(None))) => absent.push(sel),
                _ => return Err(()),
            }
        }
        for (s, _) in &present {
            // Every selector on the way to a present value must be a container.
            for (p, pv) in &present {
                if is_prefix(p, s) && !matches!(pv, Json::Object(_) | Json::Array(_)) {
                    return Ok(None);
                }
            }
            if absent.iter().any(|p| is_prefix(p, s)) {
                return Ok(None);
            }
            // An array element implies all earlier elements.
            for (depth, segment) in s.segments.iter().enumerate() {
                if let Segment::Index(n) = segment {
                    let head = s.segments.get(..depth).unwrap_or(&[]);
                    if absent.iter().any(|a| {
                        a.segments.len() == depth + 1
                            && a.segments.starts_with(head)
                            && matches!(a.segments.last(), Some(Segment::Index(m)) if m < n)
                    }) {
                        return Ok(None);
                    }
                }
            }
        }
        for (a, _) in &present {
            for (b, _) in &present {
                // One node cannot be both an object and an array.
                let common = a
                    .segments
                    .iter()
                    .zip(&b.segments)
                    .take_while(|(x, y)| x == y)
                    .count();
                if let (Some(x), Some(y)) = (a.segments.get(common), b.segments.get(common))
                    && matches!(x, Segment::Key(_)) != matches!(y, Segment::Key(_))
                {
                    return Ok(None);
                }
            }
        }
        let mut root = Json::Object(Map::new());
        let mut ordered = present.clone();
        ordered.sort_by_key(|(s, v)| (matches!(v, Json::Object(_)), s.segments.len()));
        for (selector, value) in ordered {
            if matches!(value, Json::Object(_)) {
                let array = present.iter().any(|(s, _)| {
                    is_prefix(selector, s)
                        && matches!(
                            s.segments.get(selector.segments.len()),
                            Some(Segment::Index(_))
                        )
                });
                let slot = insert_path(&mut root, &selector.segments).ok_or(())?;
                if !matches!(slot, Json::Object(_) | Json::Array(_)) {
                    *slot = if array {
                        Json::Array(Vec::new())
                    } else {
                        Json::Object(Map::new())
                    };
                }
            } else {
                let slot = insert_path(&mut root, &selector.segments).ok_or(())?;
                *slot = value.clone();
            }
        }
        // Check that every selector sees a value of the intended class.
        let event = Event::from_json(root);
        let json = event.json().ok_or(())?;
        let found: Vec<Option<&Json>> = self
            .space
            .selectors
            .iter()
            .map(|s| s.as_ref().and_then(|s| crate::eval::resolve(s, json)))
            .collect();
        for (j, (s, test)) in self.space.atoms.iter().enumerate() {
            if self.space.selectors.get(*s).is_none_or(Option::is_none) {
                continue;
            }
            let index = assignment.get(*s).copied().flatten().ok_or(())?;
            let here = found.get(*s).copied().flatten();
            if self.truth(j, index) != Some(eval_test(test, here)) {
                return Err(());
            }
        }
        Ok(event.json().cloned())
    }
}

/// Walks to `path`, creating objects, arrays and `null` padding on the way.
fn insert_path<'j>(root: &'j mut Json, path: &[Segment]) -> Option<&'j mut Json> {
    let mut here = root;
    for segment in path {
        match segment {
            Segment::Key(k) => {
                if !matches!(here, Json::Object(_)) {
                    if !here.is_null() {
                        return None;
                    }
                    *here = Json::Object(Map::new());
                }
                here = here.as_object_mut()?.entry(k.clone()).or_insert(Json::Null);
            }
            Segment::Index(n) => {
                if !matches!(here, Json::Array(_)) {
                    if !(here.is_null() || matches!(here, Json::Object(m) if m.is_empty())) {
                        return None;
                    }
                    *here = Json::Array(Vec::new());
                }
                let array = here.as_array_mut()?;
                while array.len() <= *n {
                    array.push(Json::Null);
                }
                here = array.get_mut(*n)?;
            }
        }
    }
    Some(here)
}

/// The result of a search for assignments satisfying a goal.
#[derive(Default)]
struct Found {
    assignments: Vec<Vec<Option<usize>>>,
    /// Some satisfying combination had no concrete form, or the budget ran out.
    undecided: bool,
}

/// The goal formula as an arena in post-order (children before parents), so
/// that changing one atom's truth updates only the nodes above it: the
/// search tries the values of a selector one after the other and pays for
/// the atoms that change between two values, not for the whole formula.
struct Flat {
    kinds: Vec<FlatKind>,
    parents: Vec<usize>,
    /// The leaves of each atom (an atom may occur several times).
    leaves: HashMap<usize, Vec<usize>>,
}

#[derive(Clone, Copy)]
enum FlatKind {
    Const(bool),
    Atom(usize),
    Not,
    And,
    Or,
}

const NO_PARENT: usize = usize::MAX;

impl Flat {
    fn new(goal: &Formula) -> Flat {
        let mut flat = Flat {
            kinds: Vec::new(),
            parents: Vec::new(),
            leaves: HashMap::new(),
        };
        // Iterative post-order, so that deep formulas cannot overflow the stack.
        let mut stack: Vec<(&Formula, bool, usize)> = vec![(goal, false, NO_PARENT)];
        let mut pending: Vec<(usize, Vec<usize>)> = Vec::new();
        while let Some((f, expanded, parent_slot)) = stack.pop() {
            match f {
                Formula::Const(_) | Formula::Atom(_) => {
                    let id = flat.kinds.len();
                    let kind = match f {
                        Formula::Atom(a) => {
                            flat.leaves.entry(*a).or_default().push(id);
                            FlatKind::Atom(*a)
                        }
                        Formula::Const(b) => FlatKind::Const(*b),
                        _ => FlatKind::Const(false),
                    };
                    flat.kinds.push(kind);
                    flat.parents.push(NO_PARENT);
                    if let Some((_, children)) = pending.get_mut(parent_slot) {
                        children.push(id);
                    }
                }
                Formula::Not(_) | Formula::And(_) | Formula::Or(_) if !expanded => {
                    stack.push((f, true, parent_slot));
                    let slot = pending.len();
                    pending.push((parent_slot, Vec::new()));
                    let children: Vec<&Formula> = match f {
                        Formula::Not(inner) => vec![inner],
                        Formula::And(items) | Formula::Or(items) => items.iter().collect(),
                        _ => Vec::new(),
                    };
                    for child in children.into_iter().rev() {
                        stack.push((child, false, slot));
                    }
                }
                Formula::Not(_) | Formula::And(_) | Formula::Or(_) => {
                    let Some((grand_slot, children)) = pending.pop() else {
                        continue;
                    };
                    let id = flat.kinds.len();
                    flat.kinds.push(match f {
                        Formula::Not(_) => FlatKind::Not,
                        Formula::And(_) => FlatKind::And,
                        _ => FlatKind::Or,
                    });
                    flat.parents.push(NO_PARENT);
                    for child in children {
                        if let Some(p) = flat.parents.get_mut(child) {
                            *p = id;
                        }
                    }
                    if let Some((_, siblings)) = pending.get_mut(grand_slot) {
                        siblings.push(id);
                    }
                }
            }
        }
        flat
    }
}

fn truth_index(v: Option<bool>) -> usize {
    match v {
        Some(true) => 0,
        Some(false) => 1,
        None => 2,
    }
}

/// Three-valued node values with, for inner nodes, how many children are
/// true, false and unknown.
struct FlatState {
    values: Vec<Option<bool>>,
    counts: Vec<[u32; 3]>,
}

impl FlatState {
    fn value_of(kind: FlatKind, counts: [u32; 3]) -> Option<bool> {
        let [t, f, u] = counts;
        match kind {
            FlatKind::And if f > 0 => Some(false),
            FlatKind::And if u > 0 => None,
            FlatKind::And => Some(true),
            FlatKind::Or if t > 0 => Some(true),
            FlatKind::Or if u > 0 => None,
            FlatKind::Or => Some(false),
            FlatKind::Not if t > 0 => Some(false),
            FlatKind::Not if f > 0 => Some(true),
            FlatKind::Not => None,
            FlatKind::Const(b) => Some(b),
            FlatKind::Atom(_) => None,
        }
    }

    fn evaluate(flat: &Flat, model: &Model, assignment: &[Option<usize>]) -> FlatState {
        let n = flat.kinds.len();
        let mut state = FlatState {
            values: vec![None; n],
            counts: vec![[0; 3]; n],
        };
        for (id, kind) in flat.kinds.iter().enumerate() {
            let value = match kind {
                FlatKind::Atom(a) => model.eval(&Formula::Atom(*a), assignment),
                other => {
                    FlatState::value_of(*other, state.counts.get(id).copied().unwrap_or_default())
                }
            };
            if let Some(slot) = state.values.get_mut(id) {
                *slot = value;
            }
            if let Some(p) = flat.parents.get(id)
                && let Some(c) = state.counts.get_mut(*p)
                && let Some(x) = c.get_mut(truth_index(value))
            {
                *x += 1;
            }
        }
        state
    }

    /// Sets a leaf's value and updates the nodes above it.
    fn set(&mut self, flat: &Flat, leaf: usize, value: Option<bool>) {
        let mut node = leaf;
        let mut new = value;
        loop {
            let Some(slot) = self.values.get_mut(node) else {
                return;
            };
            let old = *slot;
            if old == new {
                return;
            }
            *slot = new;
            let Some(&parent) = flat.parents.get(node) else {
                return;
            };
            let Some(c) = self.counts.get_mut(parent) else {
                return;
            };
            if let Some(x) = c.get_mut(truth_index(old)) {
                *x = x.saturating_sub(1);
            }
            if let Some(x) = c.get_mut(truth_index(new)) {
                *x += 1;
            }
            let Some(&kind) = flat.kinds.get(parent) else {
                return;
            };
            new = FlatState::value_of(kind, *c);
            node = parent;
        }
    }

    fn root(&self) -> Option<bool> {
        self.values.last().copied().flatten()
    }
}

struct Search<'m> {
    model: &'m Model,
    flat: Flat,
    /// The goal's node values under `assignment` (unassigned selectors unknown).
    state: FlatState,
    order: Vec<usize>,
    assignment: Vec<Option<usize>>,
    nodes: usize,
    limit: usize,
    found: Found,
}

impl Search<'_> {
    fn run(model: &Model, goal: &Formula, limit: usize) -> Found {
        let mut order = Vec::new();
        let mut seen = vec![false; model.space.selectors.len()];
        collect_order(goal, model, &mut order, &mut seen);
        for s in 0..model.space.selectors.len() {
            if seen.get(s) == Some(&false) {
                order.push(s);
            }
        }
        let flat = Flat::new(goal);
        let assignment = vec![None; model.space.selectors.len()];
        let state = FlatState::evaluate(&flat, model, &assignment);
        let mut search = Search {
            model,
            flat,
            state,
            order,
            assignment,
            nodes: 0,
            limit,
            found: Found::default(),
        };
        let verdict = search.state.root();
        search.nodes += 1;
        search.dfs(0, verdict);
        search.found
    }

    fn done(&self) -> bool {
        self.found.assignments.len() >= self.limit || self.nodes > NODE_BUDGET
    }

    /// The atoms of `selector` whose truth may differ between two of its
    /// values: for two strings, the `=`/`!=` literal atoms of those two
    /// strings and every other kind of atom; otherwise all its atoms.
    fn changed_atoms(&self, selector: usize, from: usize, to: usize) -> Vec<usize> {
        let Some(atoms) = self.model.selector_atoms.get(selector) else {
            return Vec::new();
        };
        let string = |v: usize| match self
            .model
            .domains
            .get(selector)
            .and_then(|d| d.values.get(v))
        {
            Some(Abstract::Concrete(Some(Json::String(s)))) => Some(s.as_str()),
            _ => None,
        };
        match (string(from), string(to)) {
            (Some(a), Some(b)) => {
                let mut out = atoms.other.clone();
                for s in [a, b] {
                    if let Some(list) = atoms.exact.get(s) {
                        out.extend(list);
                    }
                }
                out
            }
            _ => atoms.all.clone(),
        }
    }

    fn dfs(&mut self, position: usize, verdict: Option<bool>) {
        if verdict == Some(false) {
            return;
        }
        let Some(&selector) = self.order.get(position) else {
            match verdict {
                Some(true) => {
                    let concrete = self.assignment.iter().enumerate().all(|(s, _)| {
                        matches!(
                            self.model.value(s, &self.assignment),
                            Some(Abstract::Concrete(_))
                        )
                    });
                    if concrete {
                        self.found.assignments.push(self.assignment.clone());
                    } else {
                        self.found.undecided = true;
                    }
                }
                _ => self.found.undecided = true,
            }
            return;
        };
        let count = self
            .model
            .domains
            .get(selector)
            .map_or(0, |d| d.values.len());
        if count == 0 {
            return;
        }
        let mut previous = None;
        for value in 0..count {
            self.nodes += 1;
            if self.nodes > NODE_BUDGET {
                self.found.undecided = true;
                break;
            }
            if let Some(slot) = self.assignment.get_mut(selector) {
                *slot = Some(value);
            }
            let changed = match previous {
                Some(p) => self.changed_atoms(selector, p, value),
                None => self
                    .model
                    .selector_atoms
                    .get(selector)
                    .map(|a| a.all.clone())
                    .unwrap_or_default(),
            };
            for atom in changed {
                let truth = self.model.truth(atom, value);
                self.set_atom(atom, truth);
            }
            previous = Some(value);
            let verdict = self.state.root();
            self.dfs(position + 1, verdict);
            if self.done() {
                break;
            }
        }
        if let Some(slot) = self.assignment.get_mut(selector) {
            *slot = None;
        }
        if previous.is_some() {
            let all = self
                .model
                .selector_atoms
                .get(selector)
                .map(|a| a.all.clone())
                .unwrap_or_default();
            for atom in all {
                self.set_atom(atom, None);
            }
        }
    }

    fn set_atom(&mut self, atom: usize, truth: Option<bool>) {
        if let Some(leaves) = self.flat.leaves.get(&atom) {
            for &leaf in leaves {
                self.state.set(&self.flat, leaf, truth);
            }
        }
    }
}

fn collect_order(f: &Formula, model: &Model, order: &mut Vec<usize>, seen: &mut [bool]) {
    match f {
        Formula::Const(_) => {}
        Formula::Atom(a) => {
            if let Some((s, _)) = model.atom_loc.get(*a)
                && let Some(slot) = seen.get_mut(*s)
                && !*slot
            {
                *slot = true;
                order.push(*s);
            }
        }
        Formula::Not(inner) => collect_order(inner, model, order, seen),
        Formula::And(items) | Formula::Or(items) => {
            for item in items {
                collect_order(item, model, order, seen);
            }
        }
    }
}

fn and_not(a: &Formula, b: &Formula) -> Formula {
    Formula::And(vec![a.clone(), Formula::Not(Box::new(b.clone()))])
}

/// Realizes found assignments as events that `keep` accepts, shrinking each
/// to the fewest present properties first.
fn realize(
    model: &Model,
    goal: &Formula,
    found: &Found,
    keep: &dyn Fn(&Event) -> bool,
) -> (Vec<Json>, bool) {
    realize_in(model, goal, found, keep, None)
}

/// A materialized event as it must be reported: with a catalog, completed
/// where the catalog requires a field the patterns do not look at (the
/// `eventSource` of a catalogued `eventName`), and `None` when CloudTrail
/// could not write it.
fn admitted(json: Json, catalog: Option<&EventCatalog>, model: &Model) -> Option<Json> {
    let Some(catalog) = catalog else {
        return Some(json);
    };
    if catalog.admits(&json) {
        return Some(json);
    }
    let source = Selector {
        segments: vec![Segment::Key("eventSource".to_owned())],
    };
    let mut json = json;
    if model.space.find_selector(&source).is_none()
        && let Json::Object(map) = &mut json
        && !map.contains_key("eventSource")
        && let Some(Json::String(name)) = map.get("eventName")
        && let Some(first) = catalog.event_sources(name).and_then(<[String]>::first)
    {
        map.insert("eventSource".to_owned(), Json::String(first.clone()));
    }
    catalog.admits(&json).then_some(json)
}

fn realize_in(
    model: &Model,
    goal: &Formula,
    found: &Found,
    keep: &dyn Fn(&Event) -> bool,
    catalog: Option<&EventCatalog>,
) -> (Vec<Json>, bool) {
    let accept = |json: Json| -> Option<Json> {
        admitted(json, catalog, model).filter(|j| keep(&event_of(j)))
    };
    let mut undecided = found.undecided;
    let mut events: Vec<Json> = Vec::new();
    for assignment in &found.assignments {
        let mut assignment = assignment.clone();
        // Drop properties that do not matter: make them absent when the goal
        // still holds and the event still checks out.
        for s in 0..assignment.len() {
            let current = assignment.get(s).copied().flatten();
            if current == Some(0) || model.space.selectors.get(s).is_none_or(Option::is_none) {
                continue;
            }
            let absent = model
                .domains
                .get(s)
                .is_some_and(|d| matches!(d.values.first(), Some(Abstract::Concrete(None))));
            if !absent {
                continue;
            }
            if let Some(slot) = assignment.get_mut(s) {
                *slot = Some(0);
            }
            let ok = model.eval(goal, &assignment) == Some(true)
                && matches!(model.materialize(&assignment), Ok(Some(ref j)) if accept(j.clone()).is_some());
            if !ok && let Some(slot) = assignment.get_mut(s) {
                *slot = current;
            }
        }
        match model.materialize(&assignment) {
            Ok(Some(json)) => match accept(json) {
                Some(json) => {
                    if !events.contains(&json) {
                        events.push(json);
                    }
                }
                None => undecided = true,
            },
            Ok(None) => {}
            Err(()) => undecided = true,
        }
    }
    sort_examples(&mut events);
    (events, undecided)
}

/// Simplest first: fewest values, then shortest text, then text order.
fn sort_examples(events: &mut [Json]) {
    events.sort_by_cached_key(|e| {
        let text = e.to_string();
        (leaf_count(e), text.len(), text)
    });
}

fn event_of(json: &Json) -> Event {
    match json {
        Json::String(s) => Event::from_text(s.clone()),
        other => Event::from_json(other.clone()),
    }
}

fn leaf_count(json: &Json) -> usize {
    match json {
        Json::Object(m) => m.values().map(leaf_count).sum(),
        Json::Array(a) => a.iter().map(leaf_count).sum::<usize>().max(1),
        _ => 1,
    }
}

fn verdict_from_search(
    model: &Model,
    required: &Formula,
    actual: &Formula,
    required_pattern: &Pattern,
    actual_pattern: &Pattern,
) -> Comparison {
    verdict_judged(
        model,
        required,
        actual,
        &Formula::Const(true),
        None,
        required_pattern,
        actual_pattern,
    )
}

/// The verdict over events satisfying `constraint` (and admitted by the
/// catalog, when one is given).
fn verdict_judged(
    model: &Model,
    required: &Formula,
    actual: &Formula,
    constraint: &Formula,
    catalog: Option<&EventCatalog>,
    required_pattern: &Pattern,
    actual_pattern: &Pattern,
) -> Comparison {
    let within = |f: Formula| Formula::And(vec![f, constraint.clone()]);
    let missed_goal = within(and_not(required, actual));
    let found = Search::run(model, &missed_goal, MAX_LEAVES);
    let (mut missed, undecided) = realize_in(
        model,
        &missed_goal,
        &found,
        &|e| required_pattern.matches(e) && !actual_pattern.matches(e),
        catalog,
    );
    if !missed.is_empty() {
        missed.truncate(MAX_EXAMPLES);
        return Comparison::Partial {
            missed_events: missed,
            undecided: None,
        };
    }
    if undecided {
        return Comparison::Partial {
            missed_events: Vec::new(),
            undecided: Some(UNDECIDED_SEARCH.to_owned()),
        };
    }
    let extra_goal = within(and_not(actual, required));
    let found = Search::run(model, &extra_goal, 8);
    let (extra, _) = realize_in(
        model,
        &extra_goal,
        &found,
        &|e| actual_pattern.matches(e) && !required_pattern.matches(e),
        catalog,
    );
    match extra.into_iter().next() {
        Some(example) => Comparison::Covers {
            broader_example: Some(example),
        },
        None if found.undecided || !found.assignments.is_empty() => Comparison::Covers {
            broader_example: None,
        },
        None => Comparison::Equivalent,
    }
}

// ------------------------------------------------------------------ families

fn compare_json(
    required: &Expr<Condition>,
    actual: &Expr<Condition>,
    catalog: Option<&EventCatalog>,
) -> Comparison {
    let mut space = Space::default();
    let r = space.compile_json(required);
    let a = space.compile_json(actual);
    let constraint = match catalog {
        Some(c) => {
            let mut parts = vec![catalog_constraint(&mut space, c)];
            parts.extend(service_scope(&mut space, required));
            Formula::And(parts)
        }
        None => Formula::Const(true),
    };
    let model = Model::new(space, catalog);
    verdict_judged(
        &model,
        &r,
        &a,
        &constraint,
        catalog,
        &Pattern::Json(required.clone()),
        &Pattern::Json(actual.clone()),
    )
}

/// The services a required pattern is about: when every test of the required pattern on
/// `$.eventSource` is `=` with a plain literal, the CloudTrail-aware judgement looks only at
/// events from those sources (`eventSource = s1 ∨ eventSource = s2 ...`). The CIS v3.0+
/// route-table text binds `ec2.amazonaws.com` to `CreateRoute` alone, and so also matches
/// API Gateway and App Mesh `DeleteRoute` calls; a filter bound to EC2 for every name monitors
/// route tables completely, and is judged so. `None` when the pattern names no source, or
/// tests it in any other way (`!=`, wildcards, `NOT EXISTS`).
fn service_scope(space: &mut Space, required: &Expr<Condition>) -> Option<Formula> {
    let sources = expr_scope_sources(required)?;
    let source = Selector {
        segments: vec![Segment::Key("eventSource".to_owned())],
    };
    let selector = space.selector(Some(&source));
    let alternatives = sources
        .iter()
        .map(|s| {
            Formula::Atom(space.atom(
                selector,
                &Test::Compare(CompareOp::Eq, Value::Text(TextValue::new(s.as_str()))),
            ))
        })
        .collect();
    Some(Formula::Or(alternatives))
}

/// The event sources a required pattern is about under the CloudTrail-aware judgement: the
/// literals it compares `$.eventSource` with, when every test of `$.eventSource` in it is `=`
/// with a plain literal (see `docs/filter-patterns.md`); `None` when it names no source or
/// tests it otherwise, and for term and space-delimited patterns.
pub fn scope_sources(required: &Pattern) -> Option<Vec<String>> {
    match required {
        Pattern::Json(expr) => expr_scope_sources(expr),
        _ => None,
    }
}

fn expr_scope_sources(required: &Expr<Condition>) -> Option<Vec<String>> {
    let source = Selector {
        segments: vec![Segment::Key("eventSource".to_owned())],
    };
    let mut sources: Vec<String> = Vec::new();
    let mut stack = vec![required];
    while let Some(expr) = stack.pop() {
        match expr {
            Expr::Atom(c) if c.selector == source => match &c.test {
                Test::Compare(CompareOp::Eq, Value::Text(t)) => match t.to_match() {
                    TextMatch::Exact(x) if !x.is_empty() => {
                        if !sources.iter().any(|s| s == x) {
                            sources.push(x.to_owned());
                        }
                    }
                    _ => return None,
                },
                _ => return None,
            },
            Expr::Atom(_) => {}
            Expr::And(items) | Expr::Or(items) => stack.extend(items.iter()),
        }
    }
    (!sources.is_empty()).then_some(sources)
}

/// The catalog's constraints on the selectors of `space`, as a formula `C`:
/// for every catalogued event name compared with `$.eventName` as a literal,
/// `eventName = E → eventSource ∈ sources(E)`; for every closed field the
/// patterns look at, `field absent ∨ field ∈ values`. The atoms these need are
/// added to the space, so that the domains hold the values. Fields the
/// catalog does not constrain stay free.
fn catalog_constraint(space: &mut Space, catalog: &EventCatalog) -> Formula {
    let key = |k: &str| Selector {
        segments: vec![Segment::Key(k.to_owned())],
    };
    let plain = |s: &str| !s.is_empty() && !s.starts_with('*') && !s.ends_with('*');
    let text = |s: &str| Test::Compare(CompareOp::Eq, Value::Text(TextValue::new(s)));
    let mut parts = Vec::new();
    if let Some(name_selector) = space.find_selector(&key("eventName")) {
        let mut names: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        for (s, test) in &space.atoms {
            if *s == name_selector
                && let Test::Compare(_, Value::Text(t)) = test
                && let TextMatch::Exact(x) = t.to_match()
                && catalog.event_sources(x).is_some()
                && seen.insert(x.to_owned())
            {
                names.push(x.to_owned());
            }
        }
        for name in names {
            let Some(sources) = catalog.event_sources(&name) else {
                continue;
            };
            if !plain(&name) || !sources.iter().all(|s| plain(s)) {
                continue;
            }
            let source_selector = space.selector(Some(&key("eventSource")));
            let is_name = space.atom(name_selector, &text(&name));
            let mut alternatives = vec![Formula::Not(Box::new(Formula::Atom(is_name)))];
            for source in sources {
                alternatives.push(Formula::Atom(space.atom(source_selector, &text(source))));
            }
            parts.push(Formula::Or(alternatives));
        }
    }
    for (selector, values) in catalog.closed_fields() {
        let Some(s) = space.find_selector(selector) else {
            continue;
        };
        let mut alternatives = vec![Formula::Atom(space.atom(s, &Test::NotExists))];
        let mut sound = true;
        for value in values {
            let test = match value {
                Json::String(x) if plain(x) => text(x),
                Json::Bool(true) => Test::IsTrue,
                Json::Bool(false) => Test::IsFalse,
                _ => {
                    sound = false;
                    break;
                }
            };
            alternatives.push(Formula::Atom(space.atom(s, &test)));
        }
        if sound {
            parts.push(Formula::Or(alternatives));
        }
    }
    Formula::And(parts)
}

fn compare_terms(required: &Pattern, actual: &Pattern) -> Comparison {
    let mut space = Space::default();
    space.selector(None);
    let r = space.compile_terms(required);
    let a = space.compile_terms(actual);
    let model = Model::new(space, None);
    verdict_from_search(&model, &r, &a, required, actual)
}

/// Events the required pattern matches, as found by searching its own space.
fn required_witnesses(required: &Pattern, limit: usize) -> (Vec<Json>, bool) {
    let mut space = Space::default();
    let formula = match required {
        Pattern::Json(expr) => space.compile_json(expr),
        Pattern::Terms(_) | Pattern::Empty => {
            space.selector(None);
            space.compile_terms(required)
        }
        Pattern::SpaceDelimited(_) => return (space_delimited_samples(required), true),
    };
    let model = Model::new(space, None);
    let found = Search::run(&model, &formula, limit);
    let mut events = realize(&model, &formula, &found, &|e| required.matches(e));
    if events.0.is_empty() && matches!(required, Pattern::Empty) {
        events.0.push(Json::String("Other".to_owned()));
    }
    events
}

fn compare_json_with_terms(
    required: &Expr<Condition>,
    actual: &Pattern,
    terms: &[Term],
) -> Comparison {
    let required_pattern = Pattern::Json(required.clone());
    let (witnesses, undecided) = required_witnesses(&required_pattern, MAX_LEAVES);
    let mut candidates = witnesses.clone();
    for term in terms {
        if let (TermKind::Excluded, TermMatcher::Literal(t)) = (term.kind, &term.matcher) {
            for w in &witnesses {
                if let Json::Object(m) = w {
                    let mut m = m.clone();
                    m.insert("note".to_owned(), Json::String(t.clone()));
                    candidates.push(Json::Object(m));
                }
            }
        }
    }
    let mut missed: Vec<Json> = candidates
        .into_iter()
        .filter(|j| required_pattern.matches(&event_of(j)) && !actual.matches(&event_of(j)))
        .collect();
    if !missed.is_empty() {
        sort_examples(&mut missed);
        missed.dedup();
        missed.truncate(MAX_EXAMPLES);
        return Comparison::Partial {
            missed_events: missed,
            undecided: None,
        };
    }
    if !undecided && terms_proven_by_literals(required, terms) {
        return Comparison::Covers {
            broader_example: probe_broader(&required_pattern, actual),
        };
    }
    Comparison::Partial {
        missed_events: Vec::new(),
        undecided: Some(
            "coverage of a JSON pattern by a term pattern could not be proven: it is proven only when every required event has, in a field compared with '=' to a literal, each required term (or one of the '?' terms), and there are no '-' or regular-expression terms".to_owned(),
        ),
    }
}

/// Proves that every event of `required` contains the plain terms: each
/// required term (and one of the optional terms) is inside a literal that
/// the event's JSON text must contain verbatim.
fn terms_proven_by_literals(required: &Expr<Condition>, terms: &[Term]) -> bool {
    let verbatim = |s: &str| !s.chars().any(|c| c == '"' || c == '\\' || c.is_control());
    let mut needs: Vec<Vec<&str>> = Vec::new();
    let mut optional: Vec<&str> = Vec::new();
    for term in terms {
        match (term.kind, &term.matcher) {
            (TermKind::Required, TermMatcher::Literal(t)) if verbatim(t) => needs.push(vec![t]),
            (TermKind::Optional, TermMatcher::Literal(t)) if verbatim(t) => optional.push(t),
            _ => return false,
        }
    }
    if !optional.is_empty() {
        needs.push(optional);
    }
    let mut space = Space::default();
    let r = space.compile_json(required);
    for alternatives in needs {
        let witnesses: Vec<Formula> = space
            .atoms
            .iter()
            .enumerate()
            .filter(|(_, (_, test))| match test {
                Test::Compare(CompareOp::Eq, Value::Text(t)) => match t.to_match() {
                    TextMatch::Exact(lit) => alternatives.iter().any(|a| lit.contains(a)),
                    _ => false,
                },
                _ => false,
            })
            .map(|(i, _)| Formula::Atom(i))
            .collect();
        let goal = and_not(&r, &Formula::Or(witnesses));
        let model = Model::new(space.clone(), None);
        let found = Search::run(&model, &goal, 1);
        if found.undecided || !found.assignments.is_empty() {
            return false;
        }
    }
    true
}

/// A required term pattern (or the empty one) against a JSON filter: a
/// plain-text event that the required pattern matches is never matched by a
/// JSON pattern.
fn compare_by_text_witness(required: &Pattern, actual: &Pattern) -> Comparison {
    let (witnesses, undecided) = required_witnesses(required, 16);
    let mut missed: Vec<Json> = witnesses
        .into_iter()
        .filter(|j| required.matches(&event_of(j)) && !actual.matches(&event_of(j)))
        .collect();
    missed.truncate(MAX_EXAMPLES);
    if !missed.is_empty() {
        return Comparison::Partial {
            missed_events: missed,
            undecided: None,
        };
    }
    if undecided {
        return Comparison::Partial {
            missed_events: Vec::new(),
            undecided: Some(UNDECIDED_SEARCH.to_owned()),
        };
    }
    // The required pattern matches no event at all.
    Comparison::Covers {
        broader_example: None,
    }
}

/// Sample lines for a space-delimited pattern: one value per field.
fn space_delimited_samples(pattern: &Pattern) -> Vec<Json> {
    let Pattern::SpaceDelimited(fields) = pattern else {
        return Vec::new();
    };
    let mut words = Vec::new();
    for field in fields {
        if let crate::ast::Field::Named { condition, .. } = field {
            let mut word = "x".to_owned();
            if let Some(expr) = condition {
                let mut first = None;
                find_first_value(expr, &mut first);
                if let Some(w) = first {
                    word = w;
                }
            }
            words.push(word);
        }
    }
    vec![Json::String(words.join(" "))]
}

fn find_first_value(expr: &Expr<crate::ast::FieldCondition>, out: &mut Option<String>) {
    if out.is_some() {
        return;
    }
    match expr {
        Expr::Atom(c) => {
            *out = match (&c.op, &c.value) {
                (CompareOp::Eq, Value::Text(t)) => Some(match t.to_match() {
                    TextMatch::Any => "x".to_owned(),
                    TextMatch::Exact(x)
                    | TextMatch::Prefix(x)
                    | TextMatch::Suffix(x)
                    | TextMatch::Contains(x) => x.to_owned(),
                }),
                (CompareOp::Eq | CompareOp::Le | CompareOp::Ge, Value::Number(n)) => {
                    Some(n.as_str().to_owned())
                }
                (CompareOp::Lt, Value::Number(n)) => Some((n.value() - 1.0).to_string()),
                (CompareOp::Gt, Value::Number(n)) => Some((n.value() + 1.0).to_string()),
                (CompareOp::Eq, Value::Regex(r)) => Some(regex_sample(r.as_str())),
                _ => None,
            };
        }
        Expr::And(items) | Expr::Or(items) => {
            for item in items {
                find_first_value(item, out);
            }
        }
    }
}

/// Comparisons involving space-delimited patterns: concrete sample events
/// only, so a positive verdict needs identical patterns.
fn compare_by_probing(required: &Pattern, actual: &Pattern) -> Comparison {
    let (witnesses, _) = required_witnesses(required, 64);
    let mut missed: Vec<Json> = witnesses
        .into_iter()
        .filter(|j| required.matches(&event_of(j)) && !actual.matches(&event_of(j)))
        .collect();
    missed.truncate(MAX_EXAMPLES);
    Comparison::Partial {
        undecided: missed.is_empty().then(|| {
            "coverage involving a space-delimited pattern is only tested on sample events; no missed event was found, but coverage is not proven".to_owned()
        }),
        missed_events: missed,
    }
}

/// An event that `actual` matches and `required` does not, from a few probes.
fn probe_broader(required: &Pattern, actual: &Pattern) -> Option<Json> {
    let probes = [
        Json::String("Other".to_owned()),
        Json::Object(Map::new()),
        serde_json::json!({"eventName": "Other"}),
    ];
    probes
        .into_iter()
        .find(|j| actual.matches(&event_of(j)) && !required.matches(&event_of(j)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cmp(required: &str, actual: &str) -> Comparison {
        compare_text(required, actual).unwrap()
    }

    #[test]
    fn identical_is_equivalent() {
        let c = cmp("{ $.a = 1 }", "{ ($.a = 1) }");
        assert_eq!(c, Comparison::Equivalent);
    }

    #[test]
    fn missing_alternative_is_partial() {
        let c = cmp("{ $.e = A || $.e = B }", "{ $.e = A }");
        assert_eq!(c.missed_events(), &[json!({"e": "B"})]);
    }

    #[test]
    fn wildcard_covers_literals() {
        let c = cmp("{ $.e = PutA || $.e = PutB }", "{ $.e = Put* }");
        assert_eq!(c.verdict(), Verdict::Covers);
    }

    #[test]
    fn prefix_chain_is_exact() {
        assert_eq!(
            cmp("{ $.e = abc* }", "{ $.e = ab* }").verdict(),
            Verdict::Covers
        );
        assert_eq!(
            cmp("{ $.e = ab* }", "{ $.e = abc* }").missed_events(),
            &[json!({"e": "ab"})]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            cmp("{ $.n > 5 }", "{ $.n >= 5 }").verdict(),
            Verdict::Covers
        );
        assert_eq!(
            cmp("{ $.n >= 5 }", "{ $.n > 5 }").missed_events(),
            &[json!({"n": 5})]
        );
        assert_eq!(
            cmp("{ $.n > 5 && $.n < 7 }", "{ $.n = 6 }").missed_events(),
            &[json!({"n": 5.5})]
        );
    }

    #[test]
    fn nested_selectors() {
        // `= *` needs a scalar, so it is false on the object `a`.
        let c = cmp("{ $.a.b = 1 }", "{ $.a.b = 1 && $.a = * }");
        assert_eq!(c.missed_events(), &[json!({"a": {"b": 1}})]);
        let c = cmp(
            "{ $.a.b = 1 && $.a.c NOT EXISTS || $.a.b = 1 }",
            "{ $.a.b = 1 }",
        );
        assert_eq!(c.verdict(), Verdict::Equivalent);
        let c = cmp("{ $.a.b = 1 }", "{ $.a.b = 1 && $.a.c NOT EXISTS }");
        assert_eq!(c.missed_events(), &[json!({"a": {"b": 1, "c": "Other"}})]);
        let c = cmp("{ $.a NOT EXISTS }", "{ $.a.b NOT EXISTS }");
        assert_eq!(c.verdict(), Verdict::Covers);
        let c = cmp("{ $.a[1] = 2 }", "{ $.a[0] = 1 }");
        assert_eq!(
            c.missed_events(),
            &[json!({"a": [{}, 2]}), json!({"a": ["Other", 2]})]
        );
    }

    #[test]
    fn regex_against_literal() {
        let c = cmp("{ $.e = CreateVpc }", "{ $.e = %Vpc$% }");
        assert_eq!(c.verdict(), Verdict::Covers);
        let c = cmp("{ $.e = %^Create% }", "{ $.e = Create* }");
        assert_eq!(c, Comparison::Equivalent);
        let c = cmp("{ $.e = %^Create$% }", "{ $.e = Create }");
        assert_eq!(c, Comparison::Equivalent);
        let c = cmp("{ $.e != %Vpc% }", "{ $.e != *Vpc* }");
        assert_eq!(c, Comparison::Equivalent);
        let c = cmp("{ $.e = %a\\.b% }", "{ $.e = *a.b* }");
        assert_eq!(c, Comparison::Equivalent);
        // a real regular expression is not decided exactly
        let c = cmp("{ $.e = %^Create.% }", "{ $.e = Create* }");
        assert!(
            matches!(
                c,
                Comparison::Partial {
                    undecided: Some(_),
                    ..
                }
            ),
            "{c:?}"
        );
        let c = cmp("{ $.e = Create* }", "{ $.e = %^Create.% }");
        assert_eq!(c.missed_events(), &[json!({"e": "Create"})]);
    }

    #[test]
    fn terms() {
        assert_eq!(cmp("ERROR", "?ERROR ?WARN").verdict(), Verdict::Covers);
        assert_eq!(cmp("ERROR -x", "ERROR").verdict(), Verdict::Covers);
        assert_eq!(
            cmp("ERROR", "ERROR -debug").missed_events(),
            &[json!("ERRORdebug")]
        );
        assert_eq!(cmp("ERROR", "ERR").verdict(), Verdict::Covers);
        assert_eq!(cmp("\"\"", "").verdict(), Verdict::Equivalent);
        assert_eq!(cmp("ERROR", "").verdict(), Verdict::Covers);
        assert_eq!(cmp("", "ERROR").verdict(), Verdict::Partial);
    }

    #[test]
    fn json_required_term_actual() {
        let c = cmp("{ $.eventName = DeleteVpc }", "DeleteVpc");
        assert_eq!(c.verdict(), Verdict::Covers);
        let c = cmp("{ $.eventName = DeleteVpc }", "DeleteVpc -noise");
        assert_eq!(
            c.missed_events(),
            &[json!({"eventName": "DeleteVpc", "note": "noise"})]
        );
        let c = cmp(
            "{ $.eventName = DeleteVpc || $.eventName = CreateVpc }",
            "DeleteVpc",
        );
        assert_eq!(c.missed_events(), &[json!({"eventName": "CreateVpc"})]);
        let c = cmp("{ $.eventName = Delete* }", "Delete");
        assert_eq!(c.verdict(), Verdict::Partial);
    }

    #[test]
    fn term_required_json_actual() {
        let c = cmp("ERROR", "{ $.a = * }");
        assert_eq!(c.missed_events(), &[json!("ERROR")]);
        let c = cmp("", "{ $.a = * }");
        assert_eq!(c.verdict(), Verdict::Partial);
    }

    #[test]
    fn space_delimited_is_only_probed() {
        let c = cmp("[a, b = 1]", "[a, b = 2]");
        assert_eq!(c.missed_events(), &[json!("x 1")]);
        let c = cmp("[a, b = 1]", "[a,b=1]");
        assert_eq!(c.verdict(), Verdict::Equivalent);
        let c = cmp("[a, b = 1]", "[a, b = 1 || b = 2]");
        assert!(matches!(
            c,
            Comparison::Partial {
                undecided: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn invalid_actual_and_required() {
        assert_eq!(cmp("{ $.a = 1 }", "{ $.a = }").verdict(), Verdict::Invalid);
        assert!(compare_text("{ $.a = }", "{ $.a = 1 }").is_err());
    }
}
