//! Completion, hints, highlighting and multi-line input for the line editor.
//!
//! The work is done by plain functions over the line ([`complete`], [`hint_for`],
//! [`highlight_continued`], [`is_incomplete`]) so that they can be tested without a terminal;
//! [`ShellHelper`] hands them the words of the loaded session. Command names, what their
//! arguments are and their options come from the shell's table ([`super::commands::COMMANDS`])
//! and the pipe commands' ([`trailgraph_query::words::COMMANDS`]); keywords from
//! [`trailgraph_query::words::KEYWORDS`].

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use rustyline::completion::Completer;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hinter, HistoryHinter};
use rustyline::validate::Validator;
use rustyline::{Context, Helper};
use trailgraph_model::EdgeType;
use trailgraph_query::words::{Args, KEYWORDS};

use super::Session;
use super::commands::{arguments_of, command_names};

const RESET: &str = "\x1b[0m";
const COMMAND_STYLE: &str = "\x1b[1;34m";
const KEYWORD_STYLE: &str = "\x1b[35m";
const STRING_STYLE: &str = "\x1b[32m";
const ERROR_STYLE: &str = "\x1b[1;31m";
const HINT_STYLE: &str = "\x1b[2m";

/// The words completion chooses from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Words<'a> {
    /// Kind names (`is(...)`, `properties`).
    pub kinds: &'a [&'static str],
    /// Property paths.
    pub paths: &'a [String],
    /// Check ids and control numbers.
    pub checks: &'a [String],
    /// Benchmark ids.
    pub benchmarks: &'a [String],
}

/// The line editor's helper for one session.
pub(crate) struct ShellHelper {
    session: Arc<Session>,
    history: HistoryHinter,
    /// The lines the line being edited continues, each ended by a newline; empty at the prompt.
    context: String,
}

impl ShellHelper {
    /// A helper completing from `session`'s inventory and catalog.
    pub fn new(session: Arc<Session>) -> ShellHelper {
        ShellHelper {
            session,
            history: HistoryHinter::new(),
            context: String::new(),
        }
    }

    /// Sets the input the next line continues (empty: a new input), so that completion and
    /// highlighting read the line as part of it.
    pub fn continues(&mut self, pending: &str) {
        self.context.clear();
        if !pending.is_empty() {
            self.context.push_str(pending);
            self.context.push('\n');
        }
    }

    fn words(&self) -> Words<'_> {
        self.session.words()
    }
}

impl Helper for ShellHelper {}

impl Completer for ShellHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(complete_continued(&self.context, line, pos, &self.words()))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;

    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<String> {
        let input = format!("{}{line}", self.context);
        hint_for(&input, self.context.len() + pos, &self.words())
            .or_else(|| self.history.hint(line, pos, ctx))
    }
}

impl Highlighter for ShellHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if self.session.color {
            Cow::Owned(highlight_continued(
                &self.context,
                line,
                &self.session.kinds,
            ))
        } else {
            Cow::Borrowed(line)
        }
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if self.session.color {
            Cow::Owned(format!("{HINT_STYLE}{hint}{RESET}"))
        } else {
            Cow::Borrowed(hint)
        }
    }

    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        // Any edit can change what is an error; moving the cursor changes nothing.
        self.session.color && kind != CmdKind::MoveCursor
    }
}

/// Every line is accepted as typed: the shell's loop asks [`is_incomplete`] and reads the next
/// line with its continuation prompt (the editor's own multi-line input has none).
impl Validator for ShellHelper {}

/// The state of a line's prefix: an open quote, and where the current command starts.
struct Scan {
    quote: Option<char>,
    command_start: usize,
    open: Vec<char>,
    /// Whether the last character that is not white space is a `|` outside quotes.
    pipe_at_end: bool,
}

/// Reads `text` with the quoting rules of the command-line splitter: `"` (with `\` escapes),
/// `'` and `` ` `` quote; `|` and `;` outside quotes start a new command.
fn scan(text: &str) -> Scan {
    let mut scan = Scan {
        quote: None,
        command_start: 0,
        open: Vec::new(),
        pipe_at_end: false,
    };
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if !c.is_whitespace() {
            scan.pipe_at_end = c == '|' && scan.quote.is_none();
        }
        match scan.quote {
            Some(_) if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => scan.quote = None,
            Some(_) => {}
            None => match c {
                '"' | '\'' | '`' => scan.quote = Some(c),
                '|' | ';' => scan.command_start = i + 1,
                '(' | '[' | '{' => scan.open.push(c),
                ')' | ']' | '}' if scan.open.last() == Some(&opening(c)) => {
                    scan.open.pop();
                }
                _ => {}
            },
        }
    }
    scan
}

fn opening(closing: char) -> char {
    match closing {
        ')' => '(',
        ']' => '[',
        _ => '{',
    }
}

/// Whether the input goes on on the next line: a quote or a bracket is still open, or it ends
/// with a `|`.
pub(crate) fn is_incomplete(input: &str) -> bool {
    let scan = scan(input);
    scan.quote.is_some() || !scan.open.is_empty() || scan.pipe_at_end
}

fn is_completion_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '[' | ']' | '-')
}

/// Where the word being completed starts and the words that can replace it.
pub(crate) fn complete(line: &str, pos: usize, words: &Words<'_>) -> (usize, Vec<String>) {
    let Some(before) = line.get(..pos) else {
        return (pos, Vec::new());
    };
    let scan = scan(before);
    if scan.quote.is_some() {
        return (pos, Vec::new());
    }
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_completion_char(*c))
        .last()
        .map_or(pos, |(i, _)| i);
    let word = &before[start..];
    let command = before.get(scan.command_start..start).unwrap_or("");
    let tokens: Vec<&str> = command.split_whitespace().collect();
    let after_is = before[..start].trim_end().ends_with("is(");
    let options = |name: &str| arguments_of(name).map_or(&[][..], |(_, options)| options);
    let mut candidates: Vec<&str> = match tokens.as_slice() {
        [] | ["help"] => command_names().collect(),
        ["check"] | ["benchmark"] => vec!["run"],
        [first @ ("check" | "benchmark"), "run", ..] if word.starts_with('-') => {
            options(first).to_vec()
        }
        ["check", "run", .., "--benchmark"] => {
            words.benchmarks.iter().map(String::as_str).collect()
        }
        ["check", "run", .., "--account"] | ["benchmark", "run", .., "--account"] => Vec::new(),
        ["check", "run", ..] => words.checks.iter().map(String::as_str).collect(),
        ["benchmark", "run"] => words.benchmarks.iter().map(String::as_str).collect(),
        _ if after_is => words.kinds.to_vec(),
        // Options before the first argument that is not one.
        [first, rest @ ..] if word.starts_with('-') && rest.iter().all(|t| t.starts_with("--")) => {
            options(first).to_vec()
        }
        [first, ..] => match arguments_of(first).map(|(args, _)| args) {
            Some(Args::Query) => words
                .paths
                .iter()
                .map(String::as_str)
                .chain(
                    if word.is_empty() { &[][..] } else { KEYWORDS }
                        .iter()
                        .copied(),
                )
                .collect(),
            Some(Args::Paths) => words.paths.iter().map(String::as_str).collect(),
            Some(Args::Kind) => words.kinds.to_vec(),
            Some(Args::EdgeType) => EdgeType::ALL.iter().map(|t| t.as_str()).collect(),
            _ => Vec::new(),
        },
    };
    candidates.retain(|c| c.starts_with(word));
    candidates.sort_unstable();
    candidates.dedup();
    (start, candidates.into_iter().map(str::to_owned).collect())
}

/// [`complete`] for a line that continues `context` (the lines before it, each ended by a
/// newline); the start is a position in `line`.
pub(crate) fn complete_continued(
    context: &str,
    line: &str,
    pos: usize,
    words: &Words<'_>,
) -> (usize, Vec<String>) {
    let input = format!("{context}{line}");
    // The word being completed never reaches back over the newline before `line`.
    let (start, candidates) = complete(&input, context.len() + pos, words);
    (start.saturating_sub(context.len()).min(pos), candidates)
}

/// The grey text after the cursor: what Tab would add when the completions agree on it.
pub(crate) fn hint_for(line: &str, pos: usize, words: &Words<'_>) -> Option<String> {
    if pos != line.len() {
        return None;
    }
    let (start, candidates) = complete(line, pos, words);
    let word = &line[start..pos];
    if word.is_empty() {
        return None;
    }
    let first = candidates.first()?;
    let mut common = first.len();
    for other in &candidates[1..] {
        common = common.min(
            first
                .char_indices()
                .zip(other.chars())
                .find(|((_, a), b)| a != b)
                .map_or(first.len().min(other.len()), |((i, _), _)| i),
        );
    }
    let rest = first.get(word.len()..common)?;
    (!rest.is_empty()).then(|| rest.to_owned())
}

/// `line` with ANSI colours: commands, keywords, strings; unknown commands, unknown kinds in
/// `is(...)` and unmatched closing brackets in red. The visible text is unchanged. `line`
/// continues `context` (the lines before it, each ended by a newline; empty for a line of its
/// own): brackets, quotes and the place of the command carry over from there.
pub(crate) fn highlight_continued(context: &str, line: &str, kinds: &[&str]) -> String {
    let text = format!("{context}{line}");
    let offset = context.len();
    let mut out = String::with_capacity(line.len() * 2);
    let mut open: Vec<char> = Vec::new();
    // The depth of the `is(` whose arguments are kinds.
    let mut kind_depth: Option<usize> = None;
    let mut at_command = true;
    let mut last_word = "";
    let mut chars = text.char_indices().peekable();
    // Writes the part of `text[range]` that is in `line`, in `style` if there is one.
    let emit = |out: &mut String, style: Option<&str>, range: Range<usize>| {
        if range.end <= offset {
            return;
        }
        let shown = &text[range.start.max(offset)..range.end];
        match style {
            Some(style) => {
                out.push_str(style);
                out.push_str(shown);
                out.push_str(RESET);
            }
            None => out.push_str(shown),
        }
    };
    while let Some((i, c)) = chars.next() {
        match c {
            '"' | '\'' | '`' => {
                let mut end = text.len();
                let mut escaped = false;
                for (j, d) in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '"' && d == '\\' {
                        escaped = true;
                    } else if d == c {
                        end = j + d.len_utf8();
                        break;
                    }
                }
                emit(&mut out, Some(STRING_STYLE), i..end);
                at_command = false;
                last_word = "";
            }
            '|' | ';' => {
                emit(&mut out, None, i..i + c.len_utf8());
                at_command = true;
                last_word = "";
            }
            '(' | '[' | '{' => {
                if c == '(' && last_word == "is" {
                    kind_depth = Some(open.len() + 1);
                }
                open.push(c);
                emit(&mut out, None, i..i + c.len_utf8());
                last_word = "";
            }
            ')' | ']' | '}' => {
                if open.last() == Some(&opening(c)) {
                    if kind_depth == Some(open.len()) {
                        kind_depth = None;
                    }
                    open.pop();
                    emit(&mut out, None, i..i + c.len_utf8());
                } else {
                    emit(&mut out, Some(ERROR_STYLE), i..i + c.len_utf8());
                }
                last_word = "";
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut end = i + c.len_utf8();
                while let Some((j, d)) = chars.peek().copied() {
                    if d.is_alphanumeric() || d == '_' || d == '.' {
                        end = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                let word = &text[i..end];
                if at_command {
                    let known = command_names().any(|name| name == word);
                    let style = if known { COMMAND_STYLE } else { ERROR_STYLE };
                    emit(&mut out, Some(style), i..end);
                    at_command = false;
                } else if kind_depth == Some(open.len()) {
                    let known = kinds.contains(&word);
                    emit(&mut out, (!known).then_some(ERROR_STYLE), i..end);
                } else {
                    let keyword = KEYWORDS.contains(&word);
                    emit(&mut out, keyword.then_some(KEYWORD_STYLE), i..end);
                }
                last_word = word;
            }
            c => {
                if !c.is_whitespace() {
                    at_command = false;
                    last_word = "";
                }
                emit(&mut out, None, i..i + c.len_utf8());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: &[&str] = &["aws_account", "aws_cloud_trail", "aws_cloudwatch_alarm"];

    /// A line of its own, highlighted.
    fn highlight_line(line: &str, kinds: &[&str]) -> String {
        highlight_continued("", line, kinds)
    }

    fn with_words<T>(f: impl FnOnce(&Words<'_>) -> T) -> T {
        let paths = vec![
            "name".to_owned(),
            "trail_is_multi_region_trail".to_owned(),
            "trail_status".to_owned(),
            "trail_status.is_logging".to_owned(),
        ];
        let checks = vec!["4.1".to_owned(), "aws_cloudtrail_enabled".to_owned()];
        let benchmarks = vec!["cis_aws_v5_0".to_owned(), "cis_aws_v6_0".to_owned()];
        f(&Words {
            kinds: KINDS,
            paths: &paths,
            checks: &checks,
            benchmarks: &benchmarks,
        })
    }

    fn completions(line: &str) -> (usize, Vec<String>) {
        with_words(|w| complete(line, line.len(), w))
    }

    #[test]
    fn completes_commands_at_the_start_and_after_a_pipe() {
        assert_eq!(completions("sea"), (0, vec!["search".to_owned()]));
        assert_eq!(
            completions("search all | co"),
            (13, vec!["count".to_owned()])
        );
        assert_eq!(completions("help expl"), (5, vec!["explain".to_owned()]));
    }

    #[test]
    fn completes_kinds_in_is_and_after_properties() {
        assert_eq!(
            completions("search is(aws_cl"),
            (
                10,
                vec![
                    "aws_cloud_trail".to_owned(),
                    "aws_cloudwatch_alarm".to_owned()
                ]
            )
        );
        assert_eq!(
            completions("properties aws_a"),
            (11, vec!["aws_account".to_owned()])
        );
    }

    #[test]
    fn completes_property_paths_with_dots() {
        assert_eq!(
            completions("search is(aws_cloud_trail) and trail_status.is_"),
            (31, vec!["trail_status.is_logging".to_owned()])
        );
        assert_eq!(
            completions("search all | list na"),
            (18, vec!["name".to_owned()])
        );
        // Keywords complete in queries too.
        assert_eq!(
            completions("search name = a an").1,
            vec!["and".to_owned(), "any".to_owned()]
        );
    }

    #[test]
    fn completes_check_and_benchmark_ids_and_options() {
        assert_eq!(completions("check r"), (6, vec!["run".to_owned()]));
        assert_eq!(
            completions("check run aws_"),
            (10, vec!["aws_cloudtrail_enabled".to_owned()])
        );
        assert_eq!(
            completions("benchmark run cis_aws_v6"),
            (14, vec!["cis_aws_v6_0".to_owned()])
        );
        assert_eq!(
            completions("check run 4.1 --bench"),
            (14, vec!["--benchmark".to_owned()])
        );
        assert_eq!(
            completions("check run 4.1 --benchmark cis_aws_v5").1,
            vec!["cis_aws_v5_0".to_owned()]
        );
    }

    #[test]
    fn every_command_completes_from_its_prefix() {
        let names = command_names().collect::<Vec<_>>();
        for name in &names {
            for end in 1..=name.len() {
                let prefix = &name[..end];
                assert!(
                    completions(prefix).1.iter().any(|c| c == name),
                    "`{prefix}` does not complete to `{name}`"
                );
                let after_pipe = format!("search all | {prefix}");
                assert!(
                    completions(&after_pipe).1.iter().any(|c| c == name),
                    "`{after_pipe}` does not complete to `{name}`"
                );
                assert!(
                    completions(&format!("help {prefix}"))
                        .1
                        .iter()
                        .any(|c| c == name),
                    "`help {prefix}` does not complete to `{name}`"
                );
            }
        }
        for command in trailgraph_query::words::COMMANDS {
            assert!(names.contains(&command.name), "{}", command.name);
        }
    }

    #[test]
    fn options_complete_after_dashes() {
        for command in trailgraph_query::words::COMMANDS
            .iter()
            .map(|c| (c.name, c.options))
            .chain(
                super::super::commands::COMMANDS
                    .iter()
                    .map(|c| (c.name, c.options)),
            )
        {
            let (name, options) = command;
            let head = if matches!(name, "check" | "benchmark") {
                format!("{name} run 4.1")
            } else {
                name.to_owned()
            };
            for option in options {
                let line = format!("{head} {}", &option[..3]);
                let (start, got) = completions(&line);
                assert_eq!(start, head.len() + 1, "{line}");
                assert!(got.iter().any(|c| c == option), "`{line}`: {got:?}");
                assert!(got.iter().all(|c| options.contains(&c.as_str())), "{got:?}");
            }
        }
        assert_eq!(
            completions("search all | list --c"),
            (18, vec!["--csv".to_owned()])
        );
        assert_eq!(
            completions("search --explain --with-e").1,
            vec!["--with-edges".to_owned()]
        );
        // Not once the arguments started: `--` there may begin an edge.
        assert_eq!(
            completions("search is(aws_account) --").1,
            Vec::<String>::new()
        );
        assert_eq!(completions("explain --n"), (8, vec!["--node".to_owned()]));
    }

    #[test]
    fn arguments_complete_by_their_kind() {
        assert_eq!(
            completions("search all | kinds aws_a"),
            (19, vec!["aws_account".to_owned()])
        );
        assert_eq!(
            completions("search all | descendants d"),
            (25, vec!["default".to_owned(), "delete".to_owned()])
        );
        assert_eq!(
            completions("search all | count trail_status.").1,
            vec!["trail_status.is_logging".to_owned()]
        );
        assert_eq!(completions("search all | head 1").1, Vec::<String>::new());
    }

    #[test]
    fn a_continuation_line_completes_and_highlights_as_part_of_the_input() {
        let opened = "search is(aws_cloud_trail) and (\n";
        with_words(|w| {
            assert_eq!(
                complete_continued(opened, "name != x or trail_status.is_", 29, w),
                (13, vec!["trail_status.is_logging".to_owned()])
            );
            assert_eq!(
                complete_continued("search all |\n", "co", 2, w),
                (0, vec!["count".to_owned()])
            );
            // Without the lines before, `name` would be read as an unknown command.
            assert_eq!(
                complete_continued("", "name != x or trail_status.is_", 29, w).1,
                Vec::<String>::new()
            );
        });
        let line = "name != x) | count";
        let highlighted = highlight_continued(opened, line, KINDS);
        assert_eq!(strip(&highlighted), line);
        assert!(!highlighted.contains(ERROR_STYLE), "{highlighted:?}");
        assert!(highlighted.ends_with(&format!("{COMMAND_STYLE}count{RESET}")));
        // Alone, the same line starts with an unknown command and closes nothing.
        assert!(highlight_line(line, KINDS).contains(ERROR_STYLE));
        // A string opened on an earlier line goes on.
        let highlighted = highlight_continued("search name = \"a\n", "b\" | count", KINDS);
        assert!(highlighted.starts_with(&format!("{STRING_STYLE}b\"{RESET}")));
        assert_eq!(strip(&highlighted), "b\" | count");
        assert!(
            highlight_continued("search all |\n", "count", KINDS)
                .starts_with(&format!("{COMMAND_STYLE}count{RESET}"))
        );
    }

    #[test]
    fn nothing_completes_inside_quotes() {
        assert_eq!(completions("search name = \"aws_").1, Vec::<String>::new());
    }

    #[test]
    fn hints_the_part_the_completions_share() {
        with_words(|w| {
            assert_eq!(hint_for("search is(aws_cl", 16, w), Some("oud".to_owned()));
            assert_eq!(hint_for("prop", 4, w), Some("erties".to_owned()));
            assert_eq!(hint_for("prop", 2, w), None);
            assert_eq!(hint_for("search ", 7, w), None);
        });
    }

    #[test]
    fn open_brackets_and_quotes_continue_the_input() {
        assert!(is_incomplete("search is(aws_account"));
        assert!(is_incomplete("search name in [\"a\""));
        assert!(is_incomplete("search name = \"a"));
        assert!(is_incomplete("search with(empty, --> is(aws_sns_topic)"));
        assert!(!is_incomplete("search is(aws_account)"));
        assert!(!is_incomplete("search name = \"(\""));
        assert!(!is_incomplete("search name = \"a\\\"\""));
        // A trailing pipe waits for the next command; one inside quotes does not.
        assert!(is_incomplete("search is(aws_account) |"));
        assert!(is_incomplete("search is(aws_account) |  \t"));
        assert!(!is_incomplete("search name = \"a|\""));
        assert!(!is_incomplete("search is(aws_account) | count"));
        // An extra closing bracket is the parser's to report, not a reason to wait.
        assert!(!is_incomplete("search is(aws_account))"));
        assert!(!is_incomplete(""));
    }

    fn strip(text: &str) -> String {
        let mut out = String::new();
        let mut escape = false;
        for c in text.chars() {
            match (escape, c) {
                (false, '\x1b') => escape = true,
                (true, 'm') => escape = false,
                (true, _) => {}
                (false, c) => out.push(c),
            }
        }
        out
    }

    #[test]
    fn highlighting_keeps_the_text_and_marks_words() {
        let line = "search is(aws_cloud_trail) and name = \"x|y\" | count";
        let highlighted = highlight_line(line, KINDS);
        assert_eq!(strip(&highlighted), line);
        assert!(highlighted.starts_with(&format!("{COMMAND_STYLE}search{RESET}")));
        assert!(highlighted.contains(&format!("{KEYWORD_STYLE}and{RESET}")));
        assert!(highlighted.contains(&format!("{STRING_STYLE}\"x|y\"{RESET}")));
        assert!(highlighted.contains(&format!("{COMMAND_STYLE}count{RESET}")));
        assert!(!highlighted.contains(ERROR_STYLE));
    }

    #[test]
    fn every_keyword_and_command_highlights() {
        for keyword in KEYWORDS {
            let line = format!("search name = x {keyword} y");
            let highlighted = highlight_line(&line, KINDS);
            assert_eq!(strip(&highlighted), line);
            assert!(
                highlighted.contains(&format!("{KEYWORD_STYLE}{keyword}{RESET}")),
                "`{keyword}` is not highlighted as a keyword: {highlighted:?}"
            );
        }
        for name in command_names() {
            let line = format!("search all | {name}");
            let highlighted = highlight_line(&line, KINDS);
            assert!(
                highlighted.ends_with(&format!("{COMMAND_STYLE}{name}{RESET}")),
                "`{name}` is not highlighted as a command: {highlighted:?}"
            );
        }
    }

    #[test]
    fn highlighting_marks_errors_in_red() {
        let highlighted = highlight_line("serch is(aws_nothing))", KINDS);
        assert_eq!(strip(&highlighted), "serch is(aws_nothing))");
        assert!(highlighted.starts_with(&format!("{ERROR_STYLE}serch{RESET}")));
        assert!(highlighted.contains(&format!("{ERROR_STYLE}aws_nothing{RESET}")));
        assert!(highlighted.ends_with(&format!("){ERROR_STYLE}){RESET}")));
        // An unterminated string is painted to the end without losing text.
        let open = highlight_line("search name = \"abc", KINDS);
        assert_eq!(strip(&open), "search name = \"abc");
    }
}
