//! The pipe commands of the typed pipeline: golden output (insta) for each command, and the
//! table of every formatter composed with `head`, `tail`, `uniq` and `count`.
//!
//! Regenerate after an intended change with
//! `INSTA_UPDATE=always cargo test -p trailgraph-query --test pipeline` and review the diff of
//! `tests/snapshots/`.

mod common;

/// What the line prints, or its rendered error.
fn run(line: &str) -> String {
    common::run_line(line).unwrap_or_else(|e| common::rendered(line, &e))
}

macro_rules! golden {
    ($name:ident, $line:expr) => {
        #[test]
        fn $name() {
            let line = $line;
            insta::assert_snapshot!(stringify!($name), run(line), line);
        }
    };
}

golden!(
    jq_rewrites_paths_to_reported,
    "search is(aws_cloud_trail) | jq '{name: .name, logging: .trail_status.is_logging, account: ./ancestors.account.reported.name}'"
);
golden!(
    jq_without_rewrite,
    "search is(aws_sns_topic) | jq --no-rewrite .reported.name"
);
golden!(
    jq_several_results_are_one_array,
    "search is(aws_sns_topic) | jq '.name, .kind'"
);
golden!(
    jq_then_list_and_count,
    "search is(aws_cloudwatch_alarm) | jq '{kind: .kind, n: .cloudwatch_namespace}' | count n"
);
golden!(
    ancestors_of_a_subscription,
    "search is(aws_sns_subscription) | head 1 | ancestors | list kind, name"
);
golden!(
    descendants_with_origin,
    "search is(aws_sns_topic) | descendants --with-origin | list kind, name"
);
golden!(
    successors_and_predecessors,
    "search is(aws_cloudwatch_log_group) | successors | list kind, name; search is(aws_cloudwatch_log_group) | predecessors | list kind, name"
);
golden!(
    walk_over_delete_edges,
    "search is(aws_cloudwatch_metric_filter) | successors delete | list kind, name"
);
golden!(
    walk_then_search_filters_what_it_reached,
    "search is(aws_account) | descendants | search is(aws_cloudwatch_alarm) and cloudwatch_actions_enabled == true | count"
);
golden!(
    with_edges_lists_nodes_then_edges,
    "search --with-edges is(aws_cloudwatch_log_group) -[0:1]-> | list kind, name"
);
golden!(
    with_edges_as_json,
    "search --with-edges is(aws_sns_topic) -[0:1]-> is(aws_sns_subscription) or is(aws_sns_topic) | format --json"
);
golden!(
    chunk_and_flatten,
    "json [1, 2, 3, 4, 5] | chunk 2; json [[1, 2], [3], 4] | flatten; search is(aws_sns_topic) | chunk | jq 'length'"
);
golden!(echo_a_line, "echo 'hello | there'");
golden!(
    list_json_table,
    "search is(aws_sns_topic) | list --json-table name, arn"
);
golden!(
    list_with_defaults_and_more,
    "search is(aws_sns_topic) | list --with-defaults arn"
);
golden!(
    format_text_per_element,
    "search is(aws_sns_topic) | format --text; json [{\"a\": 1}, \"x\"] | format --text"
);
golden!(
    format_template_reads_json_values,
    "json [{\"name\": \"a\", \"n\": 1}, {\"name\": \"b\"}] | format '{name}: {n}'"
);
golden!(kinds_counts, "kinds");
golden!(kinds_model_of_a_kind, "kinds aws_sns_subscription");
golden!(
    aggregate_preamble_without_search,
    "aggregate(kind: sum(1) as count): is(resource) and /ancestors.account.reported.name != null"
);
golden!(
    aggregate_preamble_with_search,
    "search aggregate(kind: sum(1) as count): is(resource) and /ancestors.account.reported.name != null"
);
golden!(
    aggregate_command,
    "search is(aws_cloudwatch_alarm) | aggregate cloudwatch_namespace as ns: sum(1) as alarms"
);
golden!(
    sort_and_limit_commands,
    "search is(aws_cloudwatch_alarm) | sort name desc | limit 1, 2 | list name"
);
golden!(dump_then_head, "search is(aws_sns_topic) | dump | head 1");
golden!(
    json_then_head,
    "search is(aws_sns_topic) | format --json | head 1"
);
golden!(error_jq_program, "search is(aws_sns_topic) | jq '.['");
golden!(
    error_jq_environment,
    "search is(aws_sns_topic) | jq --no-rewrite env"
);
golden!(error_walk_without_search, "json [1] | ancestors");
golden!(
    error_walk_edge_type,
    "search is(aws_sns_topic) | ancestors sideways"
);
golden!(error_write_not_last, "search all | write out.txt | count");
golden!(error_source_not_first, "search all | echo hi");
golden!(error_unknown_list_option, "search all | list --tsv");
golden!(error_unknown_kind, "kinds aws_lambda");
golden!(
    error_column_path,
    "search is(aws_sns_topic) | list name, tags.`unclosed"
);

/// `write FILE` writes what would have been printed, privately and atomically.
#[test]
fn write_puts_the_output_in_a_private_file() {
    let dir = std::env::temp_dir().join(format!("trailgraph-write-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("topics.csv");
    let line = format!(
        "search is(aws_sns_topic) | list --csv name | write {}",
        file.display()
    );
    let said = run(&line);
    assert!(said.starts_with("wrote 2 elements to "), "{said}");
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(written, run("search is(aws_sns_topic) | list --csv name"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Without an output command, the default list is written.
    let plain = dir.join("plain.txt");
    run(&format!(
        "search is(aws_sns_topic) | write {}",
        plain.display()
    ));
    assert_eq!(
        std::fs::read_to_string(&plain).unwrap(),
        run("search is(aws_sns_topic)")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every formatter composes with `head`, `tail`, `uniq` and `count`: taking elements before
/// or after formatting gives the same output, and counting a formatted stream counts its
/// elements.
#[test]
fn every_formatter_composes_with_head_tail_uniq_and_count() {
    let formatters = [
        "",
        "dump",
        "list",
        "list name, kind",
        "list --csv name",
        "list --markdown name, kind",
        "list --json-table name",
        "format {name} is {kind}",
        "format --json",
        "format --ndjson",
        "format --yaml",
        "format --text",
        "format --dot",
        "format --mermaid",
        "format --graphml",
    ];
    let search = "search is(aws_cloudwatch_alarm)";
    let total = run(&format!("{search} | count"));
    assert_eq!(total, "total matched: 5\ntotal unmatched: 0\n");
    // Duplicates for uniq: equal JSON elements.
    let values = r#"json [{"name": "a", "kind": "x"}, {"name": "a", "kind": "x"}, {"name": "b", "kind": "y"}]"#;
    let mut checked = 0;
    for formatter in formatters {
        let then = |op: &str| {
            if formatter.is_empty() {
                op.to_owned()
            } else {
                format!("{formatter} | {op}")
            }
        };
        let with = |stage: &str, rest: &str| {
            if rest.is_empty() {
                stage.to_owned()
            } else {
                format!("{stage} | {rest}")
            }
        };
        for op in ["head 2", "tail 2", "head 1", "tail 1"] {
            let before = run(&format!("{search} | {}", with(op, formatter)));
            let after = run(&format!("{search} | {}", then(op)));
            assert_eq!(before, after, "`{op}` around `{formatter}`");
            assert!(
                !after.is_empty() && !after.starts_with("error"),
                "{formatter} | {op}: {after}"
            );
            checked += 1;
        }
        // A window taken after the formatter really is smaller than the whole output.
        let whole = if formatter.is_empty() {
            run(search)
        } else {
            run(&format!("{search} | {formatter}"))
        };
        let one = run(&format!("{search} | {}", then("head 1")));
        assert_ne!(whole, one, "`head 1` after `{formatter}` changes nothing");
        let counted = run(&format!("{search} | {}", then("count")));
        assert_eq!(counted, total, "count after `{formatter}`");
        let unique_first = run(&format!("{values} | {}", with("uniq", formatter)));
        let unique_after = run(&format!("{values} | {}", then("uniq")));
        assert_eq!(unique_first, unique_after, "`uniq` around `{formatter}`");
        checked += 3;
    }
    assert_eq!(checked, formatters.len() * 7);
}

/// Every command of the one table parses, and every word of the grammar is a listed keyword.
#[test]
fn the_command_table_and_the_keywords_cover_the_language() {
    use trailgraph_query::words::{COMMANDS, KEYWORDS};
    let sample = |name: &str| -> Option<&'static str> {
        Some(match name {
            "search" => "search --explain --with-edges all",
            "sort" => "search all | sort name desc",
            "limit" => "search all | limit 1, 2",
            "aggregate" => "search all | aggregate kind: sum(1)",
            "ancestors" => "search all | ancestors --with-origin delete",
            "descendants" => "search all | descendants",
            "predecessors" => "search all | predecessors",
            "successors" => "search all | successors iam",
            "count" => "search all | count kind",
            "head" => "search all | head 2",
            "tail" => "search all | tail -n 2",
            "uniq" => "search all | uniq",
            "chunk" => "search all | chunk 3",
            "flatten" => "search all | chunk | flatten",
            "jq" => "search all | jq --no-rewrite .id",
            "json" => "json [1]",
            "echo" => "echo hi",
            "kinds" => "kinds aws_account",
            "list" => "search all | list --csv --with-defaults name",
            "dump" => "search all | dump",
            "format" => "search all | format --json",
            "write" => "search all | write /dev/null",
            _ => return None,
        })
    };
    for command in COMMANDS {
        let line =
            sample(command.name).unwrap_or_else(|| panic!("no sample line for `{}`", command.name));
        let pipeline = trailgraph_query::pipeline::parse_pipeline(line, 0..line.len());
        assert!(pipeline.is_ok(), "{line}: {pipeline:?}");
        for option in command.options {
            let line = match command.name {
                "search" => format!("search {option} all"),
                "jq" => format!("search all | jq {option} ."),
                name => format!("search all | {name} {option}"),
            };
            let pipeline = trailgraph_query::pipeline::parse_pipeline(&line, 0..line.len());
            assert!(pipeline.is_ok(), "{line}: {pipeline:?}");
        }
    }
    let grammar = include_str!("../src/grammar.pest");
    // The string literals of the rules (comments left out; `\"` is an escaped quote).
    let mut literals = Vec::new();
    for line in grammar
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
    {
        let mut current: Option<String> = None;
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match (&mut current, c) {
                (Some(text), '\\') => {
                    if let Some(next) = chars.next() {
                        text.push(next);
                    }
                }
                (Some(_), '"') => literals.extend(current.take()),
                (Some(text), c) => text.push(c),
                (None, '"') => current = Some(String::new()),
                (None, '\'') => {
                    // A character literal such as '\u{1c}'.
                    for c in chars.by_ref() {
                        if c == '\'' {
                            break;
                        }
                    }
                }
                (None, _) => {}
            }
        }
    }
    for word in [
        "covers",
        "reversed",
        "none",
        "count",
        "aggregate",
        "with_usage",
    ] {
        assert!(
            literals.iter().any(|l| l == word),
            "the grammar reader missed `{word}`"
        );
    }
    let mut missing = Vec::new();
    for piece in &literals {
        for word in piece.split_whitespace() {
            let is_word =
                word.len() > 1 && word.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            if is_word && word != "edge_type" && !KEYWORDS.contains(&word) {
                missing.push(word.to_owned());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "grammar words missing from KEYWORDS: {missing:?}"
    );
}
