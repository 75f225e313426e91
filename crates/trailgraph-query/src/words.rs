//! The one table of the pipe commands and of the query language's keywords.
//!
//! The command-line parser ([`crate::pipeline`]) accepts exactly the commands listed here, and
//! the interactive shell's help, completion and highlighting read the same table, so a command
//! or keyword cannot be known to one of them and missing from another.

/// What a command does to the stream of elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Part of the search: a leading run of these commands becomes one query (`search`,
    /// `sort`, `limit`, `aggregate`, the walks; `head`, `tail` and `count` right after a
    /// search).
    Search,
    /// Starts a stream of its own (`json`, `echo`, `kinds`).
    Source,
    /// Changes the stream (`head`, `uniq`, `chunk`, `jq`, ...).
    Stream,
    /// Decides how the stream is printed (`list`, `dump`, `format`) or where (`write`).
    Output,
}

/// What a command's arguments are, for completion and highlighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Args {
    /// None.
    None,
    /// A query.
    Query,
    /// Property paths (`list`, `count`, `sort`, `aggregate`, `format` placeholders).
    Paths,
    /// A number.
    Number,
    /// An edge type (the walks).
    EdgeType,
    /// A jq program.
    Jq,
    /// A JSON value.
    Json,
    /// Free text.
    Text,
    /// A file name.
    File,
    /// A kind name.
    Kind,
}

/// One pipe command.
#[derive(Debug, Clone, Copy)]
pub struct CommandInfo {
    /// The command's name (the first word).
    pub name: &'static str,
    /// How it is written.
    pub usage: &'static str,
    /// What it does, in one line.
    pub summary: &'static str,
    /// Its place in a pipeline.
    pub role: Role,
    /// Its arguments.
    pub args: Args,
    /// Its options (`--csv`, `--with-origin`, ...).
    pub options: &'static [&'static str],
}

/// Every pipe command, in the order `help` lists them.
pub const COMMANDS: &[CommandInfo] = &[
    CommandInfo {
        name: "search",
        usage: "search [--explain] [--with-edges] QUERY",
        summary: "find nodes; the result goes to the next command or is listed",
        role: Role::Search,
        args: Args::Query,
        options: &["--explain", "--with-edges"],
    },
    CommandInfo {
        name: "sort",
        usage: "sort PATH [asc|desc], ...",
        summary: "the order of the search result",
        role: Role::Search,
        args: Args::Paths,
        options: &[],
    },
    CommandInfo {
        name: "limit",
        usage: "limit [OFFSET,] N",
        summary: "a window of the search result",
        role: Role::Search,
        args: Args::Number,
        options: &[],
    },
    CommandInfo {
        name: "aggregate",
        usage: "aggregate [GROUP, ...:] FUNCTION, ...",
        summary: "group the search result, e.g. `aggregate kind: sum(1) as count`",
        role: Role::Search,
        args: Args::Paths,
        options: &[],
    },
    CommandInfo {
        name: "ancestors",
        usage: "ancestors [--with-origin] [EDGE_TYPE]",
        summary: "every node above the search result (`<-[1:]-`; from depth 0 with --with-origin)",
        role: Role::Search,
        args: Args::EdgeType,
        options: &["--with-origin"],
    },
    CommandInfo {
        name: "descendants",
        usage: "descendants [--with-origin] [EDGE_TYPE]",
        summary: "every node below the search result (`-[1:]->`)",
        role: Role::Search,
        args: Args::EdgeType,
        options: &["--with-origin"],
    },
    CommandInfo {
        name: "predecessors",
        usage: "predecessors [--with-origin] [EDGE_TYPE]",
        summary: "the nodes one step above the search result (`<--`)",
        role: Role::Search,
        args: Args::EdgeType,
        options: &["--with-origin"],
    },
    CommandInfo {
        name: "successors",
        usage: "successors [--with-origin] [EDGE_TYPE]",
        summary: "the nodes one step below the search result (`-->`)",
        role: Role::Search,
        args: Args::EdgeType,
        options: &["--with-origin"],
    },
    CommandInfo {
        name: "count",
        usage: "count [PATH]",
        summary: "count the elements, or the elements per value of PATH",
        role: Role::Stream,
        args: Args::Paths,
        options: &[],
    },
    CommandInfo {
        name: "head",
        usage: "head [N]",
        summary: "the first N elements (100 by default)",
        role: Role::Stream,
        args: Args::Number,
        options: &[],
    },
    CommandInfo {
        name: "tail",
        usage: "tail [N]",
        summary: "the last N elements (100 by default)",
        role: Role::Stream,
        args: Args::Number,
        options: &[],
    },
    CommandInfo {
        name: "uniq",
        usage: "uniq",
        summary: "drop repeated elements (objects compared with sorted keys)",
        role: Role::Stream,
        args: Args::None,
        options: &[],
    },
    CommandInfo {
        name: "chunk",
        usage: "chunk [N]",
        summary: "group the elements into lists of N (100 by default)",
        role: Role::Stream,
        args: Args::Number,
        options: &[],
    },
    CommandInfo {
        name: "flatten",
        usage: "flatten",
        summary: "split lists back into their elements",
        role: Role::Stream,
        args: Args::None,
        options: &[],
    },
    CommandInfo {
        name: "jq",
        usage: "jq [--no-rewrite] FILTER",
        summary: "run a jq program on each element (`.name` reads `.reported.name` unless --no-rewrite)",
        role: Role::Stream,
        args: Args::Jq,
        options: &["--no-rewrite"],
    },
    CommandInfo {
        name: "json",
        usage: "json VALUE",
        summary: "start a stream with a JSON value (an array gives one element each)",
        role: Role::Source,
        args: Args::Json,
        options: &[],
    },
    CommandInfo {
        name: "echo",
        usage: "echo TEXT",
        summary: "start a stream with one line of text",
        role: Role::Source,
        args: Args::Text,
        options: &[],
    },
    CommandInfo {
        name: "kinds",
        usage: "kinds [KIND]",
        summary: "the kinds with their node counts, or the model of one kind: its bases and properties with types",
        role: Role::Source,
        args: Args::Kind,
        options: &[],
    },
    CommandInfo {
        name: "list",
        usage: "list [--csv | --markdown | --json-table] [--with-defaults] [PATH [as NAME], ...]",
        summary: "one line per element with the default or the given columns",
        role: Role::Output,
        args: Args::Paths,
        options: &["--csv", "--markdown", "--json-table", "--with-defaults"],
    },
    CommandInfo {
        name: "dump",
        usage: "dump",
        summary: "whole elements as YAML",
        role: Role::Output,
        args: Args::None,
        options: &[],
    },
    CommandInfo {
        name: "format",
        usage: "format [--json | --ndjson | --yaml | --text | --dot | --mermaid | --graphml] [TEXT {PATH} ...]",
        summary: "a fixed output format, or a line per element with {path} placeholders",
        role: Role::Output,
        args: Args::Paths,
        options: &[
            "--json",
            "--ndjson",
            "--yaml",
            "--text",
            "--dot",
            "--mermaid",
            "--graphml",
        ],
    },
    CommandInfo {
        name: "write",
        usage: "write FILE",
        summary: "write the output to FILE (private to the user, replaced atomically) instead of printing it",
        role: Role::Output,
        args: Args::File,
        options: &[],
    },
];

/// The words of the query language, for highlighting and completion.
pub const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "all",
    "any",
    "none",
    "is",
    "id",
    "with",
    "empty",
    "count",
    "sort",
    "asc",
    "desc",
    "limit",
    "reversed",
    "as",
    "true",
    "false",
    "null",
    "covers",
    "aggregate",
    "with_usage",
    "has_key",
    "in_subnet",
    "has_desired_change",
    "sum",
    "min",
    "max",
    "avg",
    "stddev",
    "variance",
    "default",
    "delete",
    "iam",
];

/// The command named `name`.
pub fn command(name: &str) -> Option<&'static CommandInfo> {
    COMMANDS.iter().find(|c| c.name == name)
}

/// The command names, for messages.
pub fn command_names() -> String {
    COMMANDS
        .iter()
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_options_are_flags() {
        let mut names: Vec<&str> = COMMANDS.iter().map(|c| c.name).collect();
        names.sort_unstable();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count);
        for c in COMMANDS {
            assert!(c.usage.starts_with(c.name), "{}", c.name);
            for option in c.options {
                assert!(option.starts_with("--"), "{option}");
                assert!(c.usage.contains(option), "{}: {option}", c.name);
            }
        }
    }
}
