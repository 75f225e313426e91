//! `trailgraph shell` one-shot and line-by-line modes over the demo inventory.

mod util;

use util::Dir;

#[test]
fn count_prints_total_matched() {
    Dir::new()
        .run(&[
            "shell",
            "--demo",
            "-c",
            "search is(aws_cloud_trail) and trail_is_multi_region_trail=true | count",
        ])
        .expect_code(0)
        .stdout_has("total matched: 3\ntotal unmatched: 0\n");
}

#[test]
fn list_shows_the_demo_trails() {
    let run = Dir::new().run(&[
        "shell",
        "--demo",
        "-c",
        "search is(aws_cloud_trail) | list name, trail_is_multi_region_trail, trail_status.is_logging",
    ]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "name=org-trail, trail_is_multi_region_trail=true, is_logging=true\n\
         name=prod-app-trail, trail_is_multi_region_trail=false, is_logging=true\n\
         name=sandbox-legacy, trail_is_multi_region_trail=true, is_logging=false\n\
         name=sandbox-trail, trail_is_multi_region_trail=true, is_logging=true\n"
    );
}

#[test]
fn fix_query_with_empty_log_group_dumps_the_trail_without_one() {
    Dir::new()
        .run(&[
            "shell",
            "--demo",
            "-c",
            "search is(aws_cloud_trail) and trail_is_multi_region_trail=true with(empty, --> is(aws_cloudwatch_log_group)) | dump",
        ])
        .expect_code(0)
        .stdout_has("id: arn:aws:cloudtrail:us-west-2:333333333333:trail/sandbox-legacy\nreported:\n  kind: aws_cloud_trail\n")
        .stdout_has("  account:\n    reported:\n      name: acme-sandbox\n");
}

#[test]
fn unknown_kind_points_at_the_column() {
    let run = Dir::new().run(&["shell", "--demo", "-c", "search is(aws_clodtrail)"]);
    run.expect_code(2);
    assert_eq!(
        run.stderr,
        "error: unknown kind `aws_clodtrail`\n  | search is(aws_clodtrail)\n  |           ^^^^^^^^^^^^^\n"
    );
}

#[test]
fn stdin_lines_run_one_by_one_and_errors_do_not_stop_the_rest() {
    let run = Dir::new().run_with_stdin(
        &["shell", "--demo"],
        "search is(aws_account) | count\nsearch is(aws_account) and\nsearch is(aws_sns_topic) | count\n",
    );
    run.expect_code(2)
        .stdout_has("total matched: 3\n")
        .stdout_has("total matched: 5\n")
        .stderr_has("expected a term");
}

#[test]
fn inventory_file_and_timings() {
    let dir = Dir::new();
    dir.run(&["demo", "export", "--output", "demo.tgs"])
        .expect_code(0);
    dir.run(&[
        "shell",
        "--inventory",
        "demo.tgs",
        "--timings",
        "-c",
        "search is(aws_sns_subscription) and subscription_confirmed=false | list name",
    ])
    .expect_code(0)
    .stdout_has("name=PendingConfirmation")
    .stderr_has("load: ")
    .stderr_has("command: ");
    dir.run(&[
        "shell",
        "--demo",
        "--inventory",
        "demo.tgs",
        "-c",
        "search all",
    ])
    .expect_code(2);
}

#[test]
fn a_misspelt_property_is_warned_about_with_the_closest_name() {
    Dir::new()
        .run(&[
            "shell",
            "--demo",
            "-c",
            "search is(aws_cloud_trail) and trail_is_multiregion_trail != true | count",
        ])
        .expect_code(0)
        .stderr_has("warning: no kind has a property `trail_is_multiregion_trail`")
        .stderr_has("did you mean `trail_is_multi_region_trail`?")
        .stderr_has("^^^^^^^^^^^^^^^^^^^^^^^^^^");
    // Known names, shortcuts and absent-but-known properties give no warning.
    let run = Dir::new().run(&[
        "shell",
        "--demo",
        "-c",
        "search is(aws_cloud_trail) and trail_sns_topic_name == null and account != x | count",
    ]);
    run.expect_code(0);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}

#[test]
fn an_unknown_list_column_is_an_error_not_blank_lines() {
    Dir::new()
        .run(&[
            "shell",
            "--demo",
            "-c",
            "search is(aws_cloud_trail) | list nme, name",
        ])
        .expect_code(2)
        .stderr_has("unknown column: no kind has a property `nme`")
        .stderr_has("`name`");
    Dir::new()
        .run_with_stdin(
            &["shell", "--demo"],
            "search is(aws_sns_topic) | count nmae\nsearch is(aws_sns_topic) | count\n",
        )
        .expect_code(2)
        .stderr_has("unknown column")
        .stdout_has("total matched: ");
}

#[test]
fn explain_traces_a_node_level_by_level() {
    let query = "is(aws_account) with(any, -[2]-> is(aws_cloud_trail) and trail_status.is_logging == true and trail_is_multi_region_trail == true)";
    Dir::new()
        .run(&[
            "shell",
            "--demo",
            "-c",
            &format!("explain --node 333333333333 {query}"),
        ])
        .expect_code(0)
        .stdout_has("trace:\naws_account acme-sandbox (333333333333): matches\n")
        .stdout_has("      ✓ trail_status.is_logging == true\n");
    // Without --node: the first candidate that matches and the first that does not.
    Dir::new()
        .run(&[
            "shell",
            "--demo",
            "-c",
            "explain is(aws_account) with(any, -[2]-> is(aws_cloud_trail) and name == \"sandbox-trail\")",
        ])
        .expect_code(0)
        .stdout_has("trace of the first match:")
        .stdout_has("trace of the first candidate that does not match:
")
        .stdout_has("✗ name == \"sandbox-trail\"");
    Dir::new()
        .run(&[
            "shell",
            "--demo",
            "-c",
            &format!("explain --node nothing-here {query}"),
        ])
        .expect_code(2)
        .stderr_has("no node has this id or name");
}

/// The shell's own commands with what their output contains: the same in `-c`, on stdin and in
/// the interactive shell.
const SHELL_COMMANDS: &[(&str, &[&str])] = &[
    (
        "help",
        &[
            "Shell commands:\n  help [COMMAND]",
            "properties KIND",
            "Command lines as in Fix Inventory",
            "  search [--explain]",
            "  list [--csv",
        ],
    ),
    ("help list", &["list [--csv", "one line per element"]),
    ("help check", &["check run ID..."]),
    (
        "properties aws_cloud_trail",
        &[
            "trail_status.is_logging ",
            " boolean\n",
            "trail_is_multi_region_trail ",
        ],
    ),
    (
        "checks",
        &[
            "(cis_aws_v6_0):\n",
            "  4.2    aws_cloudtrail_log_file_validation ",
        ],
    ),
    (
        "benchmarks",
        &["  cis_aws_v6_0 ", "  cis_aws_v1_2 ", " controls)\n"],
    ),
    (
        "explain is(aws_cloud_trail) and trail_is_multi_region_trail == true",
        &["part 0:", "in 4 out"],
    ),
    ("check run 4.2", &["1 failed"]),
    ("benchmark run cloudtrail_security_events", &[" failed"]),
];

#[test]
fn shell_commands_run_with_dash_c_and_on_stdin_alike() {
    let dir = Dir::new();
    for (line, expected) in SHELL_COMMANDS {
        // A check run ends with the exit code `trailgraph check` gives (the demo fails these).
        let code = if line.starts_with("check run") || line.starts_with("benchmark run") {
            1
        } else {
            0
        };
        let one_shot = dir.run(&["shell", "--demo", "-c", line]);
        one_shot.expect_code(code);
        for needle in *expected {
            one_shot.stdout_has(needle);
        }
        assert_eq!(one_shot.stderr, "", "`{line}`");
        let stdin = dir.run_with_stdin(&["shell", "--demo"], &format!("{line}\n"));
        stdin.expect_code(code);
        assert_eq!(stdin.stdout, one_shot.stdout, "`{line}` on stdin");
        assert_eq!(stdin.stderr, "", "`{line}` on stdin");
    }
}

#[test]
fn check_and_benchmark_run_print_what_trailgraph_check_prints() {
    let dir = Dir::new();
    // A failed check is part of the report, not an error of the command line, and the exit
    // code is the one `trailgraph check` gives.
    let check = dir.run(&["check", "--demo", "--check", "4.2"]);
    check.expect_code(1);
    let shell = dir.run(&["shell", "--demo", "-c", "check run 4.2"]);
    shell.expect_code(1);
    assert_eq!(shell.stderr, "");
    assert_eq!(shell.stdout, check.stdout);
    let benchmark = dir.run(&["check", "--demo", "--benchmark", "cis_aws_v1_2"]);
    benchmark.expect_code(1);
    let shell = dir.run_with_stdin(&["shell", "--demo"], "benchmark run cis_aws_v1_2\n");
    shell.expect_code(1);
    assert_eq!(shell.stdout, benchmark.stdout);
    assert!(
        benchmark
            .stdout
            .contains("CIS Amazon Web Services Foundations Benchmark v1.2.0")
    );
}

#[test]
fn shell_command_errors_are_the_same_with_dash_c_and_on_stdin() {
    let dir = Dir::new();
    let cases = [
        (
            "properties aws_nothing",
            "error: unknown kind `aws_nothing`\n  | properties aws_nothing\n  |            ^^^^^^^^^^^\n",
        ),
        (
            "checks extra",
            "error: this command takes no arguments\n  | checks extra\n  |        ^^^^^\n",
        ),
        ("benchmarks x", "error: this command takes no arguments\n"),
        ("check run 9.99", "error: unknown check `9.99`"),
        ("benchmark run nope", "nope"),
        ("check", "usage: check run ID..."),
        (
            "explain is(aws_nothing)",
            "error: unknown kind `aws_nothing`\n",
        ),
        ("help nothing", "error: no command `nothing`"),
        ("quit now", "error: this command takes no arguments\n"),
    ];
    for (line, expected) in cases {
        let one_shot = dir.run(&["shell", "--demo", "-c", line]);
        one_shot.expect_code(2).stderr_has(expected);
        assert!(
            one_shot.stderr.starts_with("error: "),
            "{}",
            one_shot.stderr
        );
        assert_eq!(one_shot.stdout, "", "`{line}`");
        let stdin = dir.run_with_stdin(&["shell", "--demo"], &format!("{line}\n"));
        stdin.expect_code(2);
        assert_eq!(
            stdin.stderr,
            format!("line 1: {}", one_shot.stderr),
            "`{line}`"
        );
    }
}

#[test]
fn stdin_errors_and_warnings_name_their_line_counting_blank_lines() {
    let run = Dir::new().run_with_stdin(
        &["shell", "--demo"],
        "search is(aws_account) | count\n\
         \n\
         search is(aws_account) and\n\
         properties aws_nothing\n   \n\
         search is(aws_cloud_trail) and trail_is_multiregion_trail != true | count\n\
         search is(aws_sns_topic) | count\n",
    );
    run.expect_code(2)
        .stdout_has("total matched: 3\n")
        .stdout_has("total matched: 4\n")
        .stdout_has("total matched: 5\n")
        .stderr_has("line 3: error: expected a term")
        .stderr_has("\n  | search is(aws_account) and\n  |                           ^\n")
        .stderr_has(
            "line 4: error: unknown kind `aws_nothing`\n  | properties aws_nothing\n  |            ^^^^^^^^^^^\n",
        )
        .stderr_has("line 6: warning: no kind has a property `trail_is_multiregion_trail`");
    // Only the first line of a block carries the number.
    assert_eq!(run.stderr.matches("line ").count(), 3, "{}", run.stderr);
    // A run without errors exits with success, whatever it printed.
    Dir::new()
        .run_with_stdin(
            &["shell", "--demo"],
            "\nhelp count\n\nsearch is(aws_account) | count\n",
        )
        .expect_code(0)
        .stdout_has("count [PATH]\n")
        .stdout_has("total matched: 3\n");
}

#[test]
fn quit_on_stdin_stops_reading() {
    for quit in ["quit", "exit", "  quit  "] {
        let run = Dir::new().run_with_stdin(
            &["shell", "--demo"],
            &format!("search is(aws_account) | count\n{quit}\nsearch is(aws_sns_topic) | count\n"),
        );
        run.expect_code(0).stdout_has("total matched: 3\n");
        assert!(!run.stdout.contains("total matched: 5"), "{}", run.stdout);
        assert_eq!(run.stderr, "");
    }
    // An earlier failure still decides the exit code.
    let run = Dir::new().run_with_stdin(
        &["shell", "--demo"],
        "search is(\nquit\nsearch is(aws_sns_topic) | count\n",
    );
    run.expect_code(2).stderr_has("line 1: error: ");
    assert_eq!(run.stdout, "");
    // `-c quit` does nothing, successfully.
    let run = Dir::new().run(&["shell", "--demo", "-c", "quit"]);
    run.expect_code(0);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
}

#[test]
fn check_runs_on_stdin_end_with_the_worst_verdict_and_line_errors_outrank_it() {
    let dir = Dir::new();
    // 4.1 passes in every demo account, 4.2 fails in one.
    dir.run(&["shell", "--demo", "-c", "check run 4.1"])
        .expect_code(0);
    let runs = [
        ("check run 4.1\nsearch is(aws_account) | count\n", 0),
        ("check run 4.2\ncheck run 4.1\n", 1),
        (
            "check run 4.1\ncheck run 4.2\nsearch is(aws_account) | count\n",
            1,
        ),
        // The failure stands even when a later line passes or the input stops at `quit`.
        ("check run 4.2\nquit\ncheck run 4.1\n", 1),
        // A line that could not run is a usage error, whatever the checks said.
        ("check run 4.2\nproperties aws_nothing\n", 2),
    ];
    for (input, code) in runs {
        dir.run_with_stdin(&["shell", "--demo"], input)
            .expect_code(code);
    }
}

#[test]
#[allow(clippy::expect_used)]
fn a_closed_stdout_does_not_turn_a_failure_into_a_pass() {
    // The reader goes away before anything is written (`trailgraph check | head -0` with
    // `pipefail`): the run still ends with the verdict's exit code, not 0.
    let dir = Dir::new();
    for args in [
        &["check", "--demo"][..],
        &["shell", "--demo", "-c", "check run 4.2"][..],
        // A filter that misses DeleteTrail.
        &[
            "pattern",
            "compare",
            "--required",
            "{ ($.eventName = CreateTrail) || ($.eventName = DeleteTrail) }",
            "--actual",
            "{ $.eventName = CreateTrail }",
        ][..],
    ] {
        let mut child = dir.spawn(args);
        drop(child.stdin.take());
        drop(child.stdout.take());
        let status = child.wait().expect("trailgraph finishes");
        assert_eq!(status.code(), Some(1), "{args:?}");
    }
}
