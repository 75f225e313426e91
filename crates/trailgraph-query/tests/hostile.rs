//! Hostile query text: every recursive shape at 100,000 levels is a located error, never a
//! stack overflow; the deepest accepted shapes parse, print, parse back, lower and evaluate;
//! long lists and many commands stay cheap. A deterministic generator feeds the parser and the
//! shell random query-like text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use trailgraph_query::parser::{MAX_NESTING, MAX_OPERATORS};
use trailgraph_query::{
    CommandError, EvalOptions, evaluate, explain, lower, parse, run_command_line,
};

const HUGE: usize = 100_000;

/// The recursive shapes, `n` levels deep (a `{` counts two levels).
fn shapes(n: usize) -> Vec<(&'static str, String)> {
    vec![
        ("not chain", format!("{}all", "not ".repeat(n))),
        (
            "not( chain",
            format!("{}a==1{}", "not(".repeat(n), ")".repeat(n)),
        ),
        (
            "parentheses",
            format!("{}a==1{}", "(".repeat(n), ")".repeat(n)),
        ),
        (
            "nested with",
            format!(
                "is(aws_account) {}{}",
                "with(any, --> ".repeat(n),
                ")".repeat(n)
            ),
        ),
        (
            "nested merges",
            format!(
                "is(aws_account) {}{}",
                "{m: all ".repeat(n / 2),
                "}".repeat(n / 2)
            ),
        ),
        (
            "context terms",
            format!("{}a==1{}", "x.{".repeat(n / 2), "}".repeat(n / 2)),
        ),
        (
            "nested arrays",
            format!("x == {}1{}", "[".repeat(n), "]".repeat(n)),
        ),
    ]
}

use common::run_line;

#[test]
fn every_recursive_shape_at_100000_levels_is_a_located_error() {
    for (name, query) in shapes(HUGE) {
        let err = parse(&query).expect_err(name);
        assert!(
            err.message()
                .contains(&format!("nested too deeply (limit {MAX_NESTING})")),
            "{name}: {err}"
        );
        assert!(
            err.span.end <= query.len() && !err.span.is_empty(),
            "{name}: {:?}",
            err.span
        );
        for line in [
            format!("search {query}"),
            format!("search --explain {query}"),
        ] {
            let err = run_line(&line).expect_err(name);
            assert!(
                err.to_string().contains("nested too deeply"),
                "{name}: {err}"
            );
        }
    }
}

#[test]
fn long_and_or_chains_of_100000_terms_are_refused_without_overflow() {
    for op in [" and ", " or "] {
        let chain = vec!["a==1"; HUGE].join(op);
        let err = parse(&chain).unwrap_err();
        assert!(err.message().contains("too many terms"), "{err}");
        assert!(run_line(&format!("search {chain} | count")).is_err());
        let nots = vec!["not a==1"; HUGE].join(op);
        assert!(parse(&nots).is_err());
    }
}

#[test]
fn the_deepest_accepted_shapes_print_parse_back_lower_and_evaluate() {
    let (inventory, context) = common::fixture();
    let mut longest = vec!["a==1"; MAX_OPERATORS].join(" or ");
    longest.push_str(" and not b==2");
    let mut cases = shapes(MAX_NESTING);
    cases.push(("longest chain", longest));
    for (name, query) in cases {
        let parsed = parse(&query).unwrap_or_else(|e| panic!("{name}: {e}"));
        let printed = parsed.to_string();
        let again = parse(&printed).unwrap_or_else(|e| panic!("{name} printed: {e}\n{printed}"));
        assert_eq!(again, parsed, "{name}");
        let plan = lower(&parsed, &context).unwrap_or_else(|e| panic!("{name}: {e}"));
        let _ = evaluate(&plan, &inventory, EvalOptions::default());
        assert!(!explain(&plan, &inventory).is_empty());
    }
}

#[test]
fn a_long_in_list_matches_like_a_short_one() {
    // A million in the benchmark; a tenth of it keeps this debug-build test quick.
    let mut values: Vec<String> = (0..100_000).map(|i| format!("v{i}")).collect();
    values.push("\"org\"".into());
    let long = format!("search name in [{}] | count", values.join(", "));
    let short = "search name in [v1, \"org\"] | count";
    assert_eq!(run_line(&long).unwrap(), run_line(short).unwrap());
    let not_long = long.replace(" in [", " not in [");
    let not_short = short.replace(" in [", " not in [");
    assert_eq!(run_line(&not_long).unwrap(), run_line(&not_short).unwrap());
    // Loose equality survives hashing: numbers and strings holding numbers.
    let numbers: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    for value in ["1", "\"1\"", "1.0"] {
        let hashed = run_line(&format!(
            "search is(aws_account) and {value} in [{}] | count",
            numbers.join(", ")
        ));
        let scanned = run_line(&format!(
            "search is(aws_account) and {value} in [1] | count"
        ));
        assert_eq!(hashed.is_ok(), scanned.is_ok());
    }
}

#[test]
fn many_command_lines_placeholders_and_columns_run() {
    let many = vec!["search is(aws_account) | count"; 2_000].join("; ");
    let out = run_line(&many).unwrap();
    assert_eq!(out.matches("total matched").count(), 2_000);
    let placeholders = format!("search is(aws_account) | format {}", "{name}".repeat(5_000));
    assert!(run_line(&placeholders).is_ok());
    let columns: Vec<String> = (0..5_000).map(|i| format!("c{i}")).collect();
    let listed = run_line(&format!(
        "search is(aws_account) | list {}, name",
        columns.join(", ")
    ))
    .unwrap();
    let one = run_line("search is(aws_account) | list c0, name").unwrap();
    assert_eq!(listed.lines().count(), one.lines().count());
    // An error late in a long line points into that command, not at its start.
    let line = format!("{}; search (", vec!["search all | count"; 500].join("; "));
    let err = run_line(&line).unwrap_err();
    assert_eq!(err.span().map(|s| s.start), Some(line.len()));
}

#[test]
fn search_accepts_a_leading_navigation() {
    assert!(parse("-->").is_ok());
    assert!(run_line("search --> | count").is_ok());
    let err = run_line("search --frobnicate all").unwrap_err();
    assert!(
        err.to_string()
            .contains("unknown search option `--frobnicate`"),
        "{err}"
    );
}

#[test]
fn out_of_range_durations_are_errors() {
    let err = run_line("search ctime > 10000yr").unwrap_err();
    assert!(matches!(err, CommandError::Lower { .. }), "{err}");
    assert!(err.to_string().contains("out of range"), "{err}");
    assert!(run_line("search ctime > 3d | count").is_ok());
    let err = run_line("search ctime > 99999999999999999999yr").unwrap_err();
    assert!(err.to_string().contains("out of range"), "{err}");
}

/// A small deterministic generator (xorshift) so the cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

#[test]
fn random_query_like_text_never_panics_or_overflows() {
    let tokens = [
        "not ",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "a",
        "b.c",
        "==",
        "=~",
        " in ",
        " not in ",
        ",",
        " and ",
        " or ",
        "-->",
        "<--",
        "-[1:2]->",
        "with(any, ",
        "with(count>1, ",
        "is(",
        "id(",
        "x.{",
        "m: ",
        "\"s\"",
        "`t(`",
        "1",
        "99999999999999999999999",
        "1e400",
        "3d",
        "|",
        ";",
        " sort a",
        " limit 2",
        "all",
        "#tag",
        "aggregate(a: sum(b)):",
        "search ",
        " count",
        " list a, b",
        " format {a}",
        "\\",
        "\"",
    ];
    let (inventory, context) = common::fixture();
    let mut rng = Rng(0x5eed_7a11_9a9b_0001);
    for case in 0..3_000 {
        let len = 1 + (rng.next() % 400) as usize;
        let mut text = String::new();
        for _ in 0..len {
            text.push_str(rng.pick(&tokens));
        }
        if case % 10 == 0 {
            // Some very deep ones.
            text = format!(
                "{}{text}",
                rng.pick(&["not ", "(", "[", "{m: "]).repeat(5_000)
            );
        }
        if let Err(e) = parse(&text) {
            assert!(e.span.end <= text.len(), "{text}");
            assert!(!e.to_string().contains("Rule"), "{text}");
        } else if let Ok(q) = parse(&text) {
            let printed = q.to_string();
            assert!(parse(&printed).is_ok(), "{text}\nprinted: {printed}");
        }
        let mut out = Vec::new();
        let _ = run_command_line(&format!("search {text}"), &inventory, &context, &mut out);
    }
}
