//! Parses Fix Inventory's own queries (`../shared/corpus/fixinventory-queries.json`).

mod common;

#[test]
fn corpus_parses() {
    let Some(entries) = common::corpus_entries() else {
        return;
    };
    let mut failures = Vec::new();
    let mut ok = 0usize;
    for entry in &entries {
        let id = entry["id"].as_str().unwrap_or("?");
        let raw = entry["query"].as_str().unwrap_or("");
        let query = common::search_part(&common::fill_placeholders(raw));
        match trailgraph_query::parse(&query) {
            Ok(parsed) => {
                // The canonical rendering must parse again to the same tree.
                let printed = parsed.to_string();
                match trailgraph_query::parse(&printed) {
                    Ok(again) if again == parsed && again.to_string() == printed => ok += 1,
                    Ok(again) => failures.push(format!(
                        "{id}: rendering not stable:\n    {printed}\n    {again}"
                    )),
                    Err(e) => failures.push(format!(
                        "{id}: rendering does not parse ({e}):\n    {printed}"
                    )),
                }
            }
            Err(e) => failures.push(format!("{id}: {e} at {:?}\n    {query}", e.span)),
        }
    }
    let total = entries.len();
    #[allow(clippy::cast_precision_loss)]
    let percent = ok as f64 * 100.0 / total.max(1) as f64;
    println!("corpus: {ok}/{total} parse ({percent:.1}%)");
    for failure in &failures {
        println!("  {failure}");
    }
    assert!(
        percent >= 98.0,
        "corpus parse rate {percent:.1}% is below 98%"
    );
}

/// Fix's CloudTrail-based CIS 4.x checks run over the fixture; the two whose regexes have
/// unbalanced parentheses (4.4 and 4.6) fail with a located regex error instead of passing or
/// failing silently.
#[test]
fn cis_monitoring_checks_run() {
    let Some(entries) = common::corpus_entries() else {
        return;
    };
    let (inventory, context) = common::fixture();
    let mut ran = 0;
    let mut regex_errors = Vec::new();
    for entry in &entries {
        let id = entry["id"].as_str().unwrap_or("?");
        if !id.starts_with("aws_cloudtrail_log_metric_filters_") {
            continue;
        }
        let query = entry["query"].as_str().unwrap_or("");
        match trailgraph_query::search_nodes(query, &inventory, &context) {
            Ok(nodes) => {
                ran += 1;
                // Only the multi-region, logging org trail is ever a candidate.
                let ids: Vec<&str> = nodes
                    .iter()
                    .filter_map(|n| inventory.node(*n).map(|n| &*n.id))
                    .collect();
                assert!(ids.iter().all(|i| *i == "org-trail"), "{id}: {ids:?}");
            }
            Err(trailgraph_query::CommandError::Lower { error }) => {
                assert!(
                    error.to_string().contains("regular expression"),
                    "{id}: {error}"
                );
                let span = error.span();
                assert!(
                    query[span].starts_with('"'),
                    "{id}: the error points at the pattern"
                );
                regex_errors.push(id.to_owned());
            }
            Err(e) => panic!("{id}: {e}"),
        }
    }
    println!("CIS 4.x checks: {ran} ran, regex errors in {regex_errors:?}");
    assert_eq!(ran, 13);
    regex_errors.sort();
    assert_eq!(
        regex_errors,
        [
            "aws_cloudtrail_log_metric_filters_authentication_failures",
            "aws_cloudtrail_log_metric_filters_iam_policy_changes"
        ]
    );
}
