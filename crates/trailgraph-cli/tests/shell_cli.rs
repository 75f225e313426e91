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
