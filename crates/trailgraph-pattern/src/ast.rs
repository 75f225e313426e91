//! The syntax tree of a filter pattern and its canonical printing.
//!
//! `Display` prints a pattern back as filter-pattern text in one canonical
//! form: JSON conditions are printed with quoted string values and single
//! spaces, `&&` groups inside `||` need no parentheses and `||` groups inside
//! `&&` get them. Parsing the printed text yields the same tree.

use std::fmt;

/// A parsed CloudWatch Logs filter pattern.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Pattern {
    /// The empty pattern, written `` or `""`: matches every event.
    Empty,
    /// A JSON pattern, written `{ $.eventName = CreateVpc || $.code > 400 }`.
    Json(Expr<Condition>),
    /// A term pattern, written `ERROR ?WARN -debug "quoted phrase" %regex%`.
    Terms(Vec<Term>),
    /// A space-delimited pattern, written `[ip, user, ..., status = 4*, bytes > 1000]`.
    SpaceDelimited(Vec<Field>),
}

/// A boolean combination of conditions; `&&` binds tighter than `||`.
///
/// The parser flattens nested groups of the same operator, so
/// `a || (b || c)` and `a || b || c` give the same tree.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr<A> {
    /// `a || b || ...`: at least one operand holds (two or more operands).
    Or(Vec<Expr<A>>),
    /// `a && b && ...`: every operand holds (two or more operands).
    And(Vec<Expr<A>>),
    /// A single condition, such as `$.eventName = CreateVpc`.
    Atom(A),
}

/// One JSON condition: `$.selector = value`, `$.selector IS NULL`, ...
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The property the condition looks at, such as `$.userIdentity.type`.
    pub selector: Selector,
    /// What the condition requires of that property.
    pub test: Test,
}

/// A JSON property selector, written `$.a.b[0]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Selector {
    /// The steps from the root of the event; never empty.
    pub segments: Vec<Segment>,
}

/// One step of a selector.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// `.name`: an object member.
    Key(String),
    /// `[n]`: a zero-based array element.
    Index(usize),
}

/// What a JSON condition requires of the selected property.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Test {
    /// `= value`, `!= value`, `< number`, ...
    Compare(CompareOp, Value),
    /// `IS TRUE`: the property is the JSON boolean `true`.
    IsTrue,
    /// `IS FALSE`: the property is the JSON boolean `false`.
    IsFalse,
    /// `IS NULL`: the property is present and is the JSON `null`.
    IsNull,
    /// `NOT EXISTS`: the property is absent.
    NotExists,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

impl CompareOp {
    /// The operator as written in a pattern.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Gt => ">",
            CompareOp::Le => "<=",
            CompareOp::Ge => ">=",
        }
    }

    /// Whether the operator only accepts a number (`<`, `>`, `<=`, `>=`).
    pub fn is_ordering(self) -> bool {
        matches!(
            self,
            CompareOp::Lt | CompareOp::Gt | CompareOp::Le | CompareOp::Ge
        )
    }

    /// Applies the operator to two numbers.
    pub fn compare_numbers(self, left: f64, right: f64) -> bool {
        match self {
            CompareOp::Eq => left == right,
            CompareOp::Ne => left != right,
            CompareOp::Lt => left < right,
            CompareOp::Gt => left > right,
            CompareOp::Le => left <= right,
            CompareOp::Ge => left >= right,
        }
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A string, quoted (`"Failed authentication"`) or not (`AccessDenied*`);
    /// `*` at its start and/or end is a wildcard.
    Text(TextValue),
    /// An unquoted number such as `400`, `-1.5` or `1e-3`.
    Number(NumberValue),
    /// A regular expression, written `%Unauthorized|Denied%`.
    Regex(RegexValue),
}

/// A string value with optional leading and trailing `*` wildcards.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TextValue {
    text: String,
}

/// How a [`TextValue`] matches a string, after its wildcards are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextMatch<'a> {
    /// `*`: any value.
    Any,
    /// No wildcard: the exact string.
    Exact(&'a str),
    /// `abc*`: strings starting with `abc`.
    Prefix(&'a str),
    /// `*abc`: strings ending with `abc`.
    Suffix(&'a str),
    /// `*abc*`: strings containing `abc`.
    Contains(&'a str),
}

impl TextValue {
    /// A value from its text as written between the quotes (wildcards included).
    pub fn new(text: impl Into<String>) -> Self {
        TextValue { text: text.into() }
    }

    /// The text, wildcards included.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How the value matches; a `*` inside the text is a literal character.
    pub fn to_match(&self) -> TextMatch<'_> {
        let t = self.text.as_str();
        if t == "*" {
            return TextMatch::Any;
        }
        let lead = t.starts_with('*');
        let trail = t.ends_with('*');
        match (lead, trail) {
            (true, true) => TextMatch::Contains(&t[1..t.len() - 1]),
            (true, false) => TextMatch::Suffix(&t[1..]),
            (false, true) => TextMatch::Prefix(&t[..t.len() - 1]),
            (false, false) => TextMatch::Exact(t),
        }
    }

    /// Whether a string matches the value.
    pub fn matches(&self, s: &str) -> bool {
        match self.to_match() {
            TextMatch::Any => true,
            TextMatch::Exact(x) => s == x,
            TextMatch::Prefix(x) => s.starts_with(x),
            TextMatch::Suffix(x) => s.ends_with(x),
            TextMatch::Contains(x) => s.contains(x),
        }
    }
}

/// A number as written, with its value.
#[derive(Debug, Clone)]
pub struct NumberValue {
    source: String,
    value: f64,
}

impl NumberValue {
    /// A number from its written form; `None` unless it is a finite number
    /// in the pattern syntax (`[+-]digits[.digits][e[+-]digits]`).
    pub fn parse(source: &str) -> Option<Self> {
        if !is_number_syntax(source) {
            return None;
        }
        let value: f64 = source.parse().ok()?;
        value.is_finite().then(|| NumberValue {
            source: source.to_owned(),
            value,
        })
    }

    /// The numeric value.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The number as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl PartialEq for NumberValue {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

fn is_number_syntax(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

/// A regular expression value `%...%`, an unanchored search.
#[derive(Debug, Clone)]
pub struct RegexValue {
    source: String,
    regex: regex::Regex,
}

impl RegexValue {
    /// Compiles the text between the `%` signs.
    pub fn new(source: &str) -> Result<Self, regex::Error> {
        Ok(RegexValue {
            source: source.to_owned(),
            regex: regex::Regex::new(source)?,
        })
    }

    /// The expression as written between the `%` signs.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the expression is found anywhere in `s`.
    pub fn is_match(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }
}

impl PartialEq for RegexValue {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

/// One term of a term pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Whether the term is required, optional (`?`) or excluded (`-`).
    pub kind: TermKind,
    /// What the term looks for.
    pub matcher: TermMatcher,
}

/// The role of a term in a term pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermKind {
    /// `ERROR`: the event must contain the term.
    Required,
    /// `?ERROR`: the event must contain at least one of the `?` terms.
    Optional,
    /// `-ERROR`: the event must not contain the term.
    Excluded,
}

/// What a term looks for in the event text.
#[derive(Debug, Clone, PartialEq)]
pub enum TermMatcher {
    /// `word` or `"quoted phrase"`: a case-sensitive substring.
    Literal(String),
    /// `%regex%`: an unanchored regular-expression search.
    Regex(RegexValue),
}

/// One field of a space-delimited pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// `...`: any number of fields, including none.
    Ellipsis,
    /// `name` or `name = value && name != other`: one field, optionally constrained.
    Named {
        /// The field name.
        name: String,
        /// The conditions on the field, if any.
        condition: Option<Expr<FieldCondition>>,
    },
}

/// One condition on a space-delimited field: `status = 4*`, `bytes > 1000`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldCondition {
    /// The operator.
    pub op: CompareOp,
    /// The value compared with the field's text.
    pub value: Value,
}

// ---------------------------------------------------------------- printing

fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in s.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::Empty => f.write_str("\"\""),
            Pattern::Json(expr) => write!(f, "{{ {expr} }}"),
            Pattern::Terms(terms) => {
                for (i, term) in terms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{term}")?;
                }
                Ok(())
            }
            Pattern::SpaceDelimited(fields) => {
                f.write_str("[")?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{field}")?;
                }
                f.write_str("]")
            }
        }
    }
}

impl<A: fmt::Display> fmt::Display for Expr<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Atom(a) => write!(f, "{a}"),
            Expr::Or(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" || ")?;
                    }
                    match item {
                        Expr::Or(_) => write!(f, "({item})")?,
                        _ => write!(f, "{item}")?,
                    }
                }
                Ok(())
            }
            Expr::And(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" && ")?;
                    }
                    match item {
                        Expr::Atom(_) => write!(f, "{item}")?,
                        _ => write!(f, "({item})")?,
                    }
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.selector, self.test)
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for segment in &self.segments {
            match segment {
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Test::Compare(op, value) => write!(f, "{} {value}", op.as_str()),
            Test::IsTrue => f.write_str("IS TRUE"),
            Test::IsFalse => f.write_str("IS FALSE"),
            Test::IsNull => f.write_str("IS NULL"),
            Test::NotExists => f.write_str("NOT EXISTS"),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(t) => write_quoted(f, t.as_str()),
            Value::Number(n) => f.write_str(n.as_str()),
            Value::Regex(r) => write!(f, "{r}"),
        }
    }
}

impl fmt::Display for RegexValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "%{}%", self.source)
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TermKind::Required => {}
            TermKind::Optional => f.write_str("?")?,
            TermKind::Excluded => f.write_str("-")?,
        }
        match &self.matcher {
            TermMatcher::Literal(s)
                if !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_') =>
            {
                f.write_str(s)
            }
            TermMatcher::Literal(s) => write_quoted(f, s),
            TermMatcher::Regex(r) => write!(f, "{r}"),
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Ellipsis => f.write_str("..."),
            Field::Named { name, condition } => match condition {
                None => f.write_str(name),
                Some(expr) => write_field_expr(f, name, expr, false),
            },
        }
    }
}

fn write_field_expr(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    expr: &Expr<FieldCondition>,
    nested: bool,
) -> fmt::Result {
    match expr {
        Expr::Atom(c) => write!(f, "{name} {} {}", c.op.as_str(), c.value),
        Expr::Or(items) | Expr::And(items) => {
            let sep = if matches!(expr, Expr::Or(_)) {
                " || "
            } else {
                " && "
            };
            if nested {
                f.write_str("(")?;
            }
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                let inner_nested = !matches!(
                    (expr, item),
                    (_, Expr::Atom(_)) | (Expr::Or(_), Expr::And(_))
                );
                write_field_expr(f, name, item, inner_nested)?;
            }
            if nested {
                f.write_str(")")?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn text_value_wildcards() {
        assert_eq!(TextValue::new("*").to_match(), TextMatch::Any);
        assert_eq!(TextValue::new("a*").to_match(), TextMatch::Prefix("a"));
        assert_eq!(TextValue::new("*a").to_match(), TextMatch::Suffix("a"));
        assert_eq!(TextValue::new("*a*").to_match(), TextMatch::Contains("a"));
        assert_eq!(TextValue::new("a*b").to_match(), TextMatch::Exact("a*b"));
        assert!(TextValue::new("Ev*ent").matches("Ev*ent"));
        assert!(!TextValue::new("Ev*ent").matches("Event"));
    }

    #[test]
    fn number_syntax() {
        for ok in ["1", "-1", "+2.5", "1e-3", "10E4"] {
            assert!(NumberValue::parse(ok).is_some(), "{ok}");
        }
        for bad in ["", "-", "1.", ".5", "1e", "abc", "1.2.3", "123.123.*"] {
            assert!(NumberValue::parse(bad).is_none(), "{bad}");
        }
    }
}
