//! The `jq` pipe command: a jq program (the `jaq` implementation) run on each element.
//!
//! As in Fix, `.name`-style paths in the program before its first top-level `|` read the
//! `reported` section (`.name` is `.reported.name`; `./id` stays absolute) unless
//! `--no-rewrite` is given. One result is emitted as that value, several as one array.
//!
//! The program runs with jq's standard library except what reaches outside the stream: `env`
//! and `$ENV` (the environment holds credentials) and `input`/`inputs` are not defined, and
//! `halt` is an error for that element, not the end of the process. A program that produces
//! more than [`MAX_OUTPUTS`] values for one element is stopped with an error.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data};
use jaq_json::Val;
use trailgraph_model::Value;

/// Most values one element may produce.
pub const MAX_OUTPUTS: usize = 100_000;

/// Library functions left out: `env` reads the environment. (`input` and `inputs` are a
/// separate part of the library that is not loaded.)
const LEFT_OUT: &[&str] = &["env"];

/// A compiled jq program.
pub struct JqProgram {
    filter: jaq_core::Filter<data::JustLut<Val>>,
    /// The program as run (after the rewrite), for messages.
    pub code: String,
}

impl std::fmt::Debug for JqProgram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JqProgram")
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

impl JqProgram {
    /// Compiles `code` (rewritten unless `no_rewrite`); the error says what jq did not accept.
    pub fn compile(code: &str, no_rewrite: bool) -> Result<JqProgram, String> {
        let code = if no_rewrite {
            code.to_owned()
        } else {
            rewrite(code)
        };
        let filter = {
            let program = File {
                code: code.as_str(),
                path: (),
            };
            let defs = jaq_core::defs()
                .chain(jaq_std::defs())
                .chain(jaq_json::defs());
            let funs = jaq_core::funs()
                .chain(jaq_std::funs().filter(|f| !LEFT_OUT.contains(&f.0)))
                .chain(jaq_json::funs());
            let loader = Loader::new(defs);
            let arena = Arena::default();
            let modules = loader.load(&arena, program).map_err(|errors| {
                format!("jq cannot read `{code}`: {}", describe(&code, &errors))
            })?;
            Compiler::default()
                .with_funs(funs)
                .compile(modules)
                .map_err(|errors| {
                    let names: Vec<String> = errors
                        .iter()
                        .flat_map(|(_, list)| list.iter().map(|(name, _)| format!("`{name}`")))
                        .collect();
                    format!(
                        "jq cannot compile `{code}`: undefined {}",
                        if names.is_empty() {
                            "names".to_owned()
                        } else {
                            names.join(", ")
                        }
                    )
                })?
        };
        Ok(JqProgram { filter, code })
    }

    /// Runs the program on `input`: its one result, or an array of several (`null` for none
    /// is left out: `Ok(None)`).
    pub fn run(&self, input: &Value) -> Result<Option<Value>, String> {
        let text = input.to_string();
        let input = jaq_json::read::parse_single(text.as_bytes())
            .map_err(|e| format!("jq cannot read the element: {e}"))?;
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        let mut results = Vec::new();
        for (i, out) in self.filter.id.run((ctx, input)).enumerate() {
            if i >= MAX_OUTPUTS {
                return Err(format!(
                    "jq produced more than {MAX_OUTPUTS} values for one element"
                ));
            }
            // An error or `halt` ends this element's run with a message (jaq's own helper
            // would end the process on `halt`).
            let value = out.map_err(|exception| match exception.get_err() {
                Ok(error) => format!("jq: {error}"),
                Err(other) => match other.get_halt() {
                    Ok(code) => format!("jq: halt({code})"),
                    Err(_) => "jq: the program raised an exception it did not catch".to_owned(),
                },
            })?;
            let json: serde_json::Value = serde_json::from_str(&value.to_string())
                .map_err(|e| format!("jq produced a value that is not JSON: {e}"))?;
            results.push(Value::from(&json));
        }
        Ok(match results.len() {
            0 => None,
            1 => results.pop(),
            _ => Some(Value::Array(results.into())),
        })
    }
}

/// What jq's reader did not accept, and where (`expected closing bracket at column 3`).
fn describe(code: &str, errors: &jaq_core::load::Errors<&str, ()>) -> String {
    use jaq_core::load::{Error, lex};
    // `rest` is what was left of the program where the reader stopped.
    let column = |rest: &str| -> String {
        if code.ends_with(rest) {
            let at = code.len() - rest.len();
            let column = code[..at].chars().count() + 1;
            if rest.is_empty() {
                "at the end".to_owned()
            } else {
                format!("at column {column}")
            }
        } else {
            format!("at `{}`", rest.chars().take(20).collect::<String>())
        }
    };
    let mut said = Vec::new();
    for (_, error) in errors {
        match error {
            Error::Io(list) => said.extend(list.iter().map(|(_, message)| message.clone())),
            Error::Lex(list) => said.extend(list.iter().map(|(expect, rest)| {
                let expected = match expect {
                    lex::Expect::Delim(open) => format!("a match for `{open}`"),
                    other => other.as_str().to_owned(),
                };
                format!("expected {expected} {}", column(rest))
            })),
            Error::Parse(list) => said.extend(list.iter().map(|(expect, token)| {
                let found = if token.is_empty() {
                    "the end".to_owned()
                } else {
                    format!("`{}`", token.chars().take(20).collect::<String>())
                };
                format!("expected {}, found {found}", expect.as_str())
            })),
        }
    }
    if said.is_empty() {
        "it does not parse".to_owned()
    } else {
        said.join("; ")
    }
}

/// Fix's rewrite: in the program before its first `|` outside strings and brackets, a path
/// start `.name` reads `.reported.name`, and `./name` is the absolute `.name`.
pub fn rewrite(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + 16);
    let mut chars = code.char_indices().peekable();
    let mut in_string = false;
    let mut escaped = false;
    let mut depth = 0usize;
    let mut previous: Option<char> = None;
    let mut done = false;
    while let Some((_, c)) = chars.next() {
        if done {
            out.push(c);
            continue;
        }
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            previous = Some(c);
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '|' if depth == 0 => done = true,
            '.' => {
                let starts_path = !previous.is_some_and(|p| {
                    p.is_alphanumeric() || matches!(p, '_' | ']' | ')' | '"' | '.' | '$' | '?')
                });
                let next = chars.peek().map(|&(_, n)| n);
                if starts_path && next == Some('/') {
                    out.push('.');
                    chars.next();
                    previous = Some('/');
                    continue;
                }
                if starts_path && next.is_some_and(|n| n.is_alphabetic() || n == '_') {
                    out.push_str(".reported.");
                    previous = Some('.');
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_paths_before_the_first_pipe() {
        assert_eq!(rewrite(".name"), ".reported.name");
        assert_eq!(
            rewrite("{n: .name, a: ./id}"),
            "{n: .reported.name, a: .id}"
        );
        assert_eq!(rewrite(".tags.owner | .x"), ".reported.tags.owner | .x");
        assert_eq!(
            rewrite("[.a, (.b | .c)] | .d"),
            "[.reported.a, (.reported.b | .reported.c)] | .d"
        );
        assert_eq!(rewrite(r#"."a" + ".b""#), r#"."a" + ".b""#);
        assert_eq!(rewrite(".[0]"), ".[0]");
        assert_eq!(rewrite("."), ".");
        assert_eq!(rewrite("1.5"), "1.5");
        assert_eq!(rewrite("$x.a"), "$x.a");
    }

    #[test]
    fn runs_and_refuses_what_reaches_outside() {
        let node = Value::from(
            &serde_json::json!({"id": "a", "reported": {"name": "n", "tags": {"o": 1}}}),
        );
        let p = JqProgram::compile(".name", false).unwrap();
        assert_eq!(p.run(&node).unwrap(), Some(Value::from("n")));
        let p = JqProgram::compile(".reported.tags | keys", true).unwrap();
        assert_eq!(
            p.run(&node).unwrap().map(|v| v.to_string()),
            Some(r#"["o"]"#.to_owned())
        );
        let p = JqProgram::compile("./id, .name", false).unwrap();
        assert_eq!(
            p.run(&node).unwrap().map(|v| v.to_string()),
            Some(r#"["a","n"]"#.to_owned())
        );
        assert_eq!(
            JqProgram::compile("empty", true)
                .unwrap()
                .run(&node)
                .unwrap(),
            None
        );
        for outside in ["env", "$ENV", "input", "inputs", "$__loc__ | env"] {
            assert!(JqProgram::compile(outside, true).is_err(), "{outside}");
        }
        assert!(
            JqProgram::compile("halt", true)
                .unwrap()
                .run(&node)
                .is_err()
        );
        assert!(JqProgram::compile(".[", true).is_err());
        let endless = JqProgram::compile("repeat(1)", true).unwrap();
        assert!(endless.run(&node).unwrap_err().contains("more than"));
        assert!(
            JqProgram::compile("error(\"x\")", true)
                .unwrap()
                .run(&node)
                .is_err()
        );
    }
}
