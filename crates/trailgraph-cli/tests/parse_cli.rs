//! `trailgraph parse` with an argument and line by line from stdin.

mod util;

use util::Dir;

#[test]
fn prints_the_canonical_query() {
    Dir::new()
        .run(&[
            "parse",
            "is(aws_cloud_trail) and trail_is_multi_region_trail=true",
        ])
        .expect_code(0)
        .stdout_has(r#"(is("aws_cloud_trail") and trail_is_multi_region_trail == true)"#);
}

#[test]
fn error_has_a_caret_under_the_column() {
    let run = Dir::new().run(&["parse", "is(aws_cloud_trail) and name = }"]);
    run.expect_code(2);
    assert_eq!(
        run.stderr,
        "error: expected a value, found '}'\n  | is(aws_cloud_trail) and name = }\n  |                                ^\n"
    );
}

#[test]
fn one_answer_line_per_input_line() {
    let run = Dir::new().run_with_stdin(&["parse"], "is(a)\nis(a) and\nall sort name limit 3\n");
    run.expect_code(2);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            r#"ok is("a")"#,
            "error column 10: expected a term, found end of input",
            "ok all sort name asc limit 3"
        ]
    );
}

#[test]
fn hostile_nesting_is_an_error_not_a_crash() {
    let deep = "(".repeat(100_000);
    let run = Dir::new().run_with_stdin(&["parse"], &format!("{deep}\n"));
    run.expect_code(2).stdout_has("nested too deeply");
    Dir::new()
        .run(&["parse", &deep])
        .expect_code(2)
        .stderr_has("nested too deeply");
}

#[test]
fn an_unclosed_parenthesis_is_shown_where_it_opened() {
    let run = Dir::new().run(&["parse", "(is(aws_account) and name == prod"]);
    run.expect_code(2);
    assert_eq!(
        run.stderr,
        "error: expected 'and' or 'or' or ')', found end of input\n  | (is(aws_account) and name == prod\n  |                                  ^\n  | - unclosed `(` opened here\n"
    );
}
