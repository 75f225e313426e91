//! A hand-written recursive-descent parser for filter patterns.
//!
//! The family is chosen by the first non-blank character: `{` starts a JSON
//! pattern, `[` a space-delimited pattern, anything else a term pattern.
//! Parentheses may nest at most [`MAX_DEPTH`] deep, so hostile input gives an
//! error instead of exhausting the stack.

use crate::ast::{
    CompareOp, Condition, Expr, Field, FieldCondition, NumberValue, Pattern, RegexValue, Segment,
    Selector, Term, TermKind, TermMatcher, Test, TextValue, Value,
};

/// How deep parentheses may nest in a pattern.
pub const MAX_DEPTH: usize = 64;

/// A pattern that does not parse: where, what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected} at line {line}, column {column}, found {found}")]
#[non_exhaustive]
pub struct ParseError {
    /// Byte offset of the problem in the pattern.
    pub offset: usize,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column (in characters) of the problem.
    pub column: usize,
    /// What the parser expected, in words (`a value after '='`).
    pub expected: String,
    /// What it found instead: a quoted character or word, or `end of pattern`.
    pub found: String,
}

impl ParseError {
    fn at(source: &str, offset: usize, expected: impl Into<String>, found: String) -> Self {
        let before = source.get(..offset).unwrap_or(source);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        ParseError {
            offset,
            line,
            column,
            expected: expected.into(),
            found,
        }
    }
}

/// Parses a filter pattern of any family.
///
/// ```
/// use trailgraph_pattern::{parse, Pattern};
/// let p = parse(r#"{ ($.eventName = "CreateVpc") || ($.eventName=DeleteVpc) }"#).unwrap();
/// assert_eq!(p.to_string(), r#"{ $.eventName = "CreateVpc" || $.eventName = "DeleteVpc" }"#);
/// assert!(matches!(parse("").unwrap(), Pattern::Empty));
/// assert!(parse("{ $.eventName = }").is_err());
/// ```
pub fn parse(source: &str) -> Result<Pattern, ParseError> {
    let mut parser = Parser {
        src: source,
        pos: 0,
    };
    parser.skip_ws();
    let pattern = match parser.peek() {
        None => Pattern::Empty,
        Some('{') => Pattern::Json(parser.json_pattern()?),
        Some('[') => Pattern::SpaceDelimited(parser.space_pattern()?),
        Some(_) => parser.term_pattern()?,
    };
    parser.skip_ws();
    if parser.peek().is_some() {
        return Err(parser.error("the end of the pattern"));
    }
    Ok(pattern)
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

fn is_key_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '@')
}

fn ends_unquoted(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '{' | '}' | '[' | ']' | '"' | '&' | '|' | ',')
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn found(&self) -> String {
        let rest = self.rest();
        let Some(first) = rest.chars().next() else {
            return "end of pattern".to_owned();
        };
        if first.is_alphanumeric() {
            let word: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric())
                .take(20)
                .collect();
            format!("'{word}'")
        } else if first == '\n' {
            "end of line".to_owned()
        } else {
            format!("'{first}'")
        }
    }

    fn error(&self, expected: impl Into<String>) -> ParseError {
        ParseError::at(self.src, self.pos, expected, self.found())
    }

    fn expect(&mut self, token: &str) -> Result<(), ParseError> {
        self.skip_ws();
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(format!("'{token}'")))
        }
    }

    // ------------------------------------------------------------ JSON

    fn json_pattern(&mut self) -> Result<Expr<Condition>, ParseError> {
        self.expect("{")?;
        let expr = self.json_or(0)?;
        self.skip_ws();
        if !self.eat("}") {
            return Err(self.error("'&&', '||' or '}'"));
        }
        Ok(expr)
    }

    fn json_or(&mut self, depth: usize) -> Result<Expr<Condition>, ParseError> {
        let mut items = Vec::new();
        loop {
            push_flat(&mut items, self.json_and(depth)?, true);
            self.skip_ws();
            if !self.eat("||") {
                break;
            }
        }
        Ok(collapse(items, true))
    }

    fn json_and(&mut self, depth: usize) -> Result<Expr<Condition>, ParseError> {
        let mut items = Vec::new();
        loop {
            push_flat(&mut items, self.json_primary(depth)?, false);
            self.skip_ws();
            if !self.eat("&&") {
                break;
            }
        }
        Ok(collapse(items, false))
    }

    fn json_primary(&mut self, depth: usize) -> Result<Expr<Condition>, ParseError> {
        self.skip_ws();
        if self.peek() == Some('(') {
            if depth >= MAX_DEPTH {
                return Err(self.error(format!(
                    "at most {MAX_DEPTH} nested parentheses, a condition"
                )));
            }
            self.bump();
            let inner = self.json_or(depth + 1)?;
            self.skip_ws();
            if !self.eat(")") {
                return Err(self.error("'&&', '||' or ')'"));
            }
            return Ok(inner);
        }
        if self.peek() != Some('$') {
            return Err(self.error("a condition such as '$.eventName = value' or '('"));
        }
        let selector = self.selector()?;
        self.skip_ws();
        let test = if self.eat("IS") {
            self.skip_ws();
            if self.eat("TRUE") {
                Test::IsTrue
            } else if self.eat("FALSE") {
                Test::IsFalse
            } else if self.eat("NULL") {
                Test::IsNull
            } else {
                return Err(self.error("TRUE, FALSE or NULL after 'IS'"));
            }
        } else if self.eat("NOT") {
            self.skip_ws();
            if !self.eat("EXISTS") {
                return Err(self.error("EXISTS after 'NOT'"));
            }
            Test::NotExists
        } else {
            let Some(op) = self.operator() else {
                return Err(self.error(format!(
                    "an operator (=, !=, <, >, <=, >=, IS, NOT EXISTS) after '{selector}'"
                )));
            };
            self.skip_ws();
            Test::Compare(op, self.value(op)?)
        };
        if self.peek().is_some_and(|c| !ends_unquoted(c)) {
            return Err(self.error("'&&', '||', ')' or '}'"));
        }
        Ok(Expr::Atom(Condition { selector, test }))
    }

    fn selector(&mut self) -> Result<Selector, ParseError> {
        self.eat("$");
        let mut segments = Vec::new();
        loop {
            match self.peek() {
                Some('.') => {
                    self.bump();
                    let start = self.pos;
                    while self.peek().is_some_and(is_key_char) {
                        self.bump();
                    }
                    let key = self.src.get(start..self.pos).unwrap_or("");
                    if key.is_empty() {
                        return Err(self.error("a property name after '.'"));
                    }
                    segments.push(Segment::Key(key.to_owned()));
                }
                Some('[') if !segments.is_empty() => {
                    self.bump();
                    let start = self.pos;
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.bump();
                    }
                    let digits = self.src.get(start..self.pos).unwrap_or("");
                    let Ok(index) = digits.parse::<usize>() else {
                        self.pos = start;
                        return Err(self.error("an array index after '['"));
                    };
                    if !self.eat("]") {
                        return Err(self.error("']' after the array index"));
                    }
                    segments.push(Segment::Index(index));
                }
                _ => break,
            }
        }
        if segments.is_empty() {
            return Err(self.error("'.' and a property name after '$'"));
        }
        Ok(Selector { segments })
    }

    fn operator(&mut self) -> Option<CompareOp> {
        for (token, op) in [
            ("!=", CompareOp::Ne),
            ("<=", CompareOp::Le),
            (">=", CompareOp::Ge),
            ("=", CompareOp::Eq),
            ("<", CompareOp::Lt),
            (">", CompareOp::Gt),
        ] {
            if self.eat(token) {
                return Some(op);
            }
        }
        None
    }

    fn value(&mut self, op: CompareOp) -> Result<Value, ParseError> {
        let start = self.pos;
        let value = match self.peek() {
            Some('"') => Value::Text(TextValue::new(self.quoted()?)),
            Some('%') => Value::Regex(self.regex()?),
            Some('=' | '!' | '<' | '>') => {
                return Err(self.error(format!("a value after '{}'", op.as_str())));
            }
            _ => {
                while self.peek().is_some_and(|c| !ends_unquoted(c)) {
                    self.bump();
                }
                let text = self.src.get(start..self.pos).unwrap_or("");
                if text.is_empty() {
                    return Err(self.error(format!("a value after '{}'", op.as_str())));
                }
                match NumberValue::parse(text) {
                    Some(n) => Value::Number(n),
                    None => Value::Text(TextValue::new(text)),
                }
            }
        };
        if op.is_ordering() && !matches!(value, Value::Number(_)) {
            let found = format!("'{}'", self.src.get(start..self.pos).unwrap_or(""));
            return Err(ParseError::at(
                self.src,
                start,
                format!("a number after '{}'", op.as_str()),
                found,
            ));
        }
        Ok(value)
    }

    fn quoted(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(ParseError::at(
                        self.src,
                        open,
                        "a closing '\"' for this quote",
                        "end of pattern".to_owned(),
                    ));
                }
                Some('"') => return Ok(out),
                Some('\\') => match self.peek() {
                    Some(c @ ('"' | '\\')) => {
                        self.bump();
                        out.push(c);
                    }
                    _ => out.push('\\'),
                },
                Some(c) => out.push(c),
            }
        }
    }

    fn regex(&mut self) -> Result<RegexValue, ParseError> {
        let open = self.pos;
        self.bump();
        let start = self.pos;
        loop {
            match self.bump() {
                None => {
                    return Err(ParseError::at(
                        self.src,
                        open,
                        "a closing '%' for this regular expression",
                        "end of pattern".to_owned(),
                    ));
                }
                Some('\\') => {
                    self.bump();
                }
                Some('%') => break,
                Some(_) => {}
            }
        }
        let body = self.src.get(start..self.pos - 1).unwrap_or("");
        RegexValue::new(body).map_err(|e| {
            let msg = e.to_string();
            let last = msg.lines().last().unwrap_or("").trim().to_owned();
            ParseError::at(self.src, start, "a valid regular expression", last)
        })
    }

    // ------------------------------------------------------------ terms

    fn term_pattern(&mut self) -> Result<Pattern, ParseError> {
        let mut terms = Vec::new();
        loop {
            self.skip_ws();
            let Some(c) = self.peek() else { break };
            let kind = match c {
                '?' => TermKind::Optional,
                '-' => TermKind::Excluded,
                _ => TermKind::Required,
            };
            if kind != TermKind::Required {
                self.bump();
            }
            let matcher = match self.peek() {
                Some('"') => TermMatcher::Literal(self.quoted()?),
                Some('%') => TermMatcher::Regex(self.regex()?),
                Some(c) if !c.is_whitespace() => {
                    let start = self.pos;
                    while self.peek().is_some_and(|c| !c.is_whitespace() && c != '"') {
                        self.bump();
                    }
                    TermMatcher::Literal(self.src.get(start..self.pos).unwrap_or("").to_owned())
                }
                _ => return Err(self.error("a term after '?' or '-'")),
            };
            if let TermMatcher::Literal(s) = &matcher
                && kind == TermKind::Required
                && s.trim().is_empty()
            {
                // `""` and `" "` are the documented spellings of "match everything".
                continue;
            }
            terms.push(Term { kind, matcher });
        }
        Ok(if terms.is_empty() {
            Pattern::Empty
        } else {
            Pattern::Terms(terms)
        })
    }

    // ------------------------------------------------------------ space-delimited

    fn space_pattern(&mut self) -> Result<Vec<Field>, ParseError> {
        self.expect("[")?;
        let mut fields = Vec::new();
        loop {
            self.skip_ws();
            fields.push(self.field()?);
            self.skip_ws();
            if self.eat(",") {
                continue;
            }
            if self.eat("]") {
                break;
            }
            return Err(self.error("',' or ']'"));
        }
        Ok(fields)
    }

    fn field_name(&mut self) -> Option<String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.bump();
        }
        let name = self.src.get(start..self.pos).unwrap_or("");
        (!name.is_empty()).then(|| name.to_owned())
    }

    fn field(&mut self) -> Result<Field, ParseError> {
        if self.eat("...") {
            return Ok(Field::Ellipsis);
        }
        let start = self.pos;
        if self.peek() != Some('(') {
            let Some(name) = self.field_name() else {
                return Err(self.error("a field name or '...'"));
            };
            self.skip_ws();
            if matches!(self.peek(), Some(',' | ']') | None) {
                return Ok(Field::Named {
                    name,
                    condition: None,
                });
            }
            self.pos = start;
        }
        let mut name = None;
        let condition = self.field_or(&mut name, 0)?;
        let name = name.unwrap_or_default();
        Ok(Field::Named {
            name,
            condition: Some(condition),
        })
    }

    fn field_or(
        &mut self,
        name: &mut Option<String>,
        depth: usize,
    ) -> Result<Expr<FieldCondition>, ParseError> {
        let mut items = Vec::new();
        loop {
            push_flat(&mut items, self.field_and(name, depth)?, true);
            self.skip_ws();
            if !self.eat("||") {
                break;
            }
        }
        Ok(collapse(items, true))
    }

    fn field_and(
        &mut self,
        name: &mut Option<String>,
        depth: usize,
    ) -> Result<Expr<FieldCondition>, ParseError> {
        let mut items = Vec::new();
        loop {
            push_flat(&mut items, self.field_primary(name, depth)?, false);
            self.skip_ws();
            if !self.eat("&&") {
                break;
            }
        }
        Ok(collapse(items, false))
    }

    fn field_primary(
        &mut self,
        name: &mut Option<String>,
        depth: usize,
    ) -> Result<Expr<FieldCondition>, ParseError> {
        self.skip_ws();
        if self.peek() == Some('(') {
            if depth >= MAX_DEPTH {
                return Err(self.error(format!(
                    "at most {MAX_DEPTH} nested parentheses, a condition"
                )));
            }
            self.bump();
            let inner = self.field_or(name, depth + 1)?;
            self.skip_ws();
            if !self.eat(")") {
                return Err(self.error("'&&', '||' or ')'"));
            }
            return Ok(inner);
        }
        let start = self.pos;
        let Some(this) = self.field_name() else {
            return Err(self.error("a field name"));
        };
        match name {
            Some(expected) if *expected != this => {
                self.pos = start;
                return Err(self.error(format!("the field name '{expected}'")));
            }
            Some(_) => {}
            None => *name = Some(this.clone()),
        }
        self.skip_ws();
        let Some(op) = self.operator() else {
            return Err(self.error(format!("an operator (=, !=, <, >, <=, >=) after '{this}'")));
        };
        self.skip_ws();
        let value = self.value(op)?;
        Ok(Expr::Atom(FieldCondition { op, value }))
    }
}

fn push_flat<A>(items: &mut Vec<Expr<A>>, expr: Expr<A>, or: bool) {
    match expr {
        Expr::Or(inner) if or => items.extend(inner),
        Expr::And(inner) if !or => items.extend(inner),
        other => items.push(other),
    }
}

fn collapse<A>(mut items: Vec<Expr<A>>, or: bool) -> Expr<A> {
    if items.len() == 1
        && let Some(only) = items.pop()
    {
        return only;
    }
    if or {
        Expr::Or(items)
    } else {
        Expr::And(items)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn err(src: &str) -> ParseError {
        match parse(src) {
            Err(e) => e,
            Ok(p) => panic!("{src:?} parsed as {p:?}"),
        }
    }

    #[test]
    fn error_message_names_position_and_expectation() {
        let e = err("{ $.eventName = }");
        assert_eq!(
            e.to_string(),
            "expected a value after '=' at line 1, column 17, found '}'"
        );
        assert_eq!(e.offset, 16);
    }

    #[test]
    fn error_on_second_line() {
        let e = err("{ $.a = 1 &&\n  $.b }");
        assert_eq!((e.line, e.column), (2, 7));
        assert!(e.expected.starts_with("an operator"), "{e}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let src = format!("{{ {} }}", "(".repeat(100_000));
        let e = err(&src);
        assert!(e.expected.contains("nested parentheses"), "{e}");
    }

    #[test]
    fn flattening_and_precedence() {
        let p = parse("{ $.a = 1 || ($.b = 2 || $.c = 3) && $.d = 4 }").unwrap();
        let Pattern::Json(Expr::Or(items)) = p else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        assert!(matches!(items[1], Expr::And(_)));
    }

    #[test]
    fn many_errors() {
        for (src, expected) in [
            ("{ $.a = 1 ", "'&&', '||' or '}'"),
            (
                "{ a = 1 }",
                "a condition such as '$.eventName = value' or '('",
            ),
            ("{ $.a IS MAYBE }", "TRUE, FALSE or NULL after 'IS'"),
            ("{ $.a NOT THERE }", "EXISTS after 'NOT'"),
            ("{ $.a > abc }", "a number after '>'"),
            ("{ $.a = \"x }", "a closing '\"' for this quote"),
            ("{ $.a = %(% }", "a valid regular expression"),
            ("{ $. = 1 }", "a property name after '.'"),
            ("{ ($.a = 1 }", "'&&', '||' or ')'"),
            ("{ $.a = 1 } x", "the end of the pattern"),
            ("[a, b", "',' or ']'"),
            ("[a = 1 && b = 2]", "the field name 'a'"),
            ("[a, ]", "a field name or '...'"),
        ] {
            assert_eq!(err(src).expected, expected, "{src}");
        }
    }

    #[test]
    fn empty_spellings() {
        for src in ["", "   ", "\"\"", "\" \"", "\n"] {
            assert_eq!(parse(src).unwrap(), Pattern::Empty, "{src:?}");
        }
    }

    #[test]
    fn unicode_columns() {
        let e = err("{ $.é = }");
        assert_eq!(e.column, 9);
    }
}
