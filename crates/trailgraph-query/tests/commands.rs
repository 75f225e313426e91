//! Golden tests (insta) for the pipe commands and for error output.
//!
//! Regenerate after an intended change with
//! `INSTA_UPDATE=always cargo test -p trailgraph-query --test commands` and review the diff of
//! `tests/snapshots/`.

mod common;

fn run(line: &str) -> String {
    common::run_line(line).unwrap_or_else(|e| format!("unexpected error: {e}"))
}

fn error(line: &str) -> String {
    match common::run_line(line) {
        Ok(out) => format!("unexpected success:\n{out}"),
        Err(e) => common::rendered(line, &e),
    }
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

macro_rules! golden_error {
    ($name:ident, $line:expr) => {
        #[test]
        fn $name() {
            let line = $line;
            insta::assert_snapshot!(stringify!($name), error(line), line);
        }
    };
}

golden!(
    dump_one_trail,
    "search is(aws_cloud_trail) and name == org-trail | dump"
);
golden!(dump_topics, "search is(aws_sns_topic) | dump");
golden!(
    list_default_columns,
    "search is(aws_cloud_trail) and trail_status.is_logging == true"
);
golden!(
    list_default_with_shortcut_and_sort,
    "search is(aws_cloudwatch_log_group) and account == prod sort group_stored_bytes desc"
);
golden!(
    list_explicit_columns,
    "search is(aws_sns_subscription) | sort name | head 3 | list name, arn"
);
golden!(
    list_csv,
    "search is(aws_cloudwatch_alarm) | list --csv name, cloudwatch_namespace, cloudwatch_actions_enabled as enabled, cloudwatch_alarm_actions"
);
golden!(
    list_markdown,
    "search is(aws_cloudwatch_log_group) | list --markdown"
);
golden!(
    count_total,
    "search is(aws_cloud_trail) and trail_is_multi_region_trail=true | count"
);
golden!(count_by_kind, "search is(aws_resource) | count kind");
golden!(
    count_by_protocol_with_unmatched,
    "search is(aws_sns_subscription) or is(aws_sns_topic) | count subscription_protocol"
);
golden!(
    count_by_account,
    "search all | count /ancestors.account.reported.name"
);
golden!(
    format_template,
    r#"search is(aws_cloud_trail) | format "{name} {arn} logging={trail_status.is_logging} {missing} {trail_insight_selectors[0]}""#
);
golden!(format_json, "search is(aws_sns_topic) | format --json");
golden!(format_ndjson, "search is(aws_sns_topic) | format --ndjson");
golden!(format_yaml, "search is(aws_sns_topic) | format --yaml");
golden!(format_dot, "search is(aws_account) -[0:2]-> | format --dot");
golden!(
    format_mermaid,
    "search is(aws_account) -[0:2]-> | format --mermaid"
);
golden!(
    format_graphml,
    "search is(aws_account) -[0:2]-> | format --graphml"
);
golden!(
    tail_of_search,
    "search is(aws_cloudwatch_alarm) | tail 2 | list name"
);
golden!(
    head_of_stream,
    "search is(aws_cloudwatch_alarm) | list name | head 2"
);
golden!(kinds_of_inventory, "kinds");
golden!(kinds_of_search, "search account == prod | kinds");
golden!(
    json_uniq_count,
    r#"json [1, 2, 2, {"a": 1}, {"a": 1}] | uniq | count"#
);
golden!(json_dump, r#"json {"b": [1, 2], "a": "x"}"#);
golden!(
    two_command_lines,
    "search is(aws_account) | count; search is(aws_region) | count"
);
golden!(
    two_searches_are_combined,
    "search is(aws_cloud_trail) | search trail_is_multi_region_trail == true | list name"
);
golden!(
    search_explain,
    "search --explain is(aws_cloud_trail) and trail_is_multi_region_trail == true with(any, --> is(aws_cloudwatch_log_group))"
);
golden!(
    cis_check_with_covers,
    r#"search is(aws_cloudwatch_metric_filter) and filter_pattern covers "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) }" | list name, filter_pattern"#
);

golden_error!(
    error_missing_value,
    "search is(aws_cloud_trail) and name = }"
);
golden_error!(error_sort_as_term, "search is(instance) and sort x");
golden_error!(
    error_unknown_kind,
    "search is(aws_cloud_trail) or is(aws_ec2_instance)"
);
golden_error!(
    error_bad_regex,
    r#"search is(aws_cloud_trail) and name =~ "(unclosed""#
);
golden!(
    list_with_ancestor_of_kind,
    "search is(aws_cloudwatch_alarm) and /ancestors.aws_cloud_trail.reported.name == org-trail"
);
golden!(
    dump_with_merge,
    "search is(aws_sns_topic) and name == dev-alerts {subs[]: --> is(aws_sns_subscription)} | dump"
);
golden!(
    list_with_merge,
    "search is(aws_account) {regions[]: --> is(aws_region)} | list name, regions[*].reported.name as regions"
);
golden_error!(
    error_with_usage_not_supported,
    "search with_usage(2w::1w, [cpu]) is(aws_cloud_trail)"
);
golden!(
    aggregate_preamble,
    "search aggregate(kind: sum(1) as count): is(aws_resource) and account == prod"
);
golden!(
    aggregate_command,
    "search is(aws_cloudwatch_log_group) | aggregate account: sum(group_stored_bytes) as bytes, count(group_retention_in_days), max(group_retention_in_days), avg(group_stored_bytes / 1024)"
);
golden!(
    aggregate_without_group,
    "search aggregate(sum(1) as trails, min(cloudwatch_threshold)): is(aws_cloud_trail)"
);
golden!(
    aggregate_template_group,
    r#"search aggregate("{account}/{region}" as location: sum(1)): is(aws_cloud_trail) or is(aws_sns_topic)"#
);
golden_error!(error_unknown_command, "search all | frobnicate --now");
golden_error!(
    error_bad_required_pattern,
    r#"search filter_pattern covers "{ $.eventName = }""#
);
golden_error!(error_with_tabs, "search\tis(aws_account)\tand\tname ==");
golden_error!(
    error_unclosed_paren,
    "search (is(aws_account) and name == prod"
);
golden_error!(
    error_deep_nesting,
    &format!("search {}a == 1", "(".repeat(70))
);

/// The pictures carry the edges between the result's nodes, and only those.
#[test]
fn graph_formats_draw_the_edges_between_the_results() {
    let dot = run("search is(aws_account) -[0:1]-> | format --dot");
    assert!(dot.starts_with("digraph trailgraph {"), "{dot}");
    let nodes = dot.matches(" [label=").count();
    let edges = dot.lines().filter(|l| l.contains(" -> ")).count();
    // Accounts and their regions: every region has the edge from its account.
    let accounts = dot.matches("label=\"aws_account").count();
    assert!(
        edges > 0 && edges + accounts == nodes,
        "{nodes} nodes, {edges} edges:\n{dot}"
    );
    let mermaid = run("search is(aws_sns_topic) | format --mermaid");
    assert!(mermaid.starts_with("flowchart LR"), "{mermaid}");
    assert!(
        !mermaid.contains("-->"),
        "topics have no edges between them:\n{mermaid}"
    );
    let graphml = run("search is(aws_account) -[0:1]-> | format --graphml");
    assert_eq!(graphml.matches("<node ").count(), nodes, "{graphml}");
    assert_eq!(graphml.matches("<edge ").count(), edges, "{graphml}");
    assert!(graphml.trim_end().ends_with("</graphml>"));
}
